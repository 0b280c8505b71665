//! `$(( ))`, `(( ))` and `let`: 64-bit integer arithmetic with bash's operators.

use brush_parser::ast::{
    ArithmeticExpr, ArithmeticTarget, BinaryOperator, UnaryAssignmentOperator, UnaryOperator,
};

use super::state::State;

/// How deep a variable's value may refer to other expressions (`a=b; b=c; c=1; $((a))`).
const MAX_INDIRECTION: usize = 32;

/// Parses and evaluates `text` (already expanded).
pub fn eval_str(state: &mut State, text: &str) -> Result<i64, String> {
    eval_text(state, text, 0)
}

fn eval_text(state: &mut State, text: &str, depth: usize) -> Result<i64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(0);
    }
    // Plain decimals skip the parser; `010` is octal and goes through it.
    if !trimmed.starts_with('0')
        && let Ok(n) = trimmed.parse::<i64>()
    {
        return Ok(n);
    }
    if trimmed.len() > 1
        && trimmed.starts_with('0')
        && !trimmed.starts_with("0x")
        && !trimmed.starts_with("0X")
        && trimmed.bytes().all(|b| b.is_ascii_digit())
    {
        return i64::from_str_radix(&trimmed[1..], 8).map_err(|_| {
            format!("{trimmed}: value too great for base (error token is \"{trimmed}\")")
        });
    }
    let expr = brush_parser::arithmetic::parse(trimmed)
        .map_err(|_| format!("{trimmed}: syntax error in expression"))?;
    eval(state, &expr, depth)
}

fn value_of(state: &mut State, name: &str, depth: usize) -> Result<i64, String> {
    let Some(text) = state.get(name).map(str::to_string) else {
        if state.options.nounset {
            return Err(format!("{name}: unbound variable"));
        }
        return Ok(0);
    };
    if depth >= MAX_INDIRECTION {
        return Err(format!("{name}: expression recursion level exceeded"));
    }
    eval_text(state, &text, depth + 1)
}

fn target_name(target: &ArithmeticTarget) -> Result<&str, String> {
    match target {
        ArithmeticTarget::Variable(name) => Ok(name),
        ArithmeticTarget::ArrayElement(name, _) => Err(format!("{name}: arrays are not supported")),
    }
}

fn assign(state: &mut State, target: &ArithmeticTarget, value: i64) -> Result<i64, String> {
    let name = target_name(target)?;
    state.set(name, value.to_string())?;
    Ok(value)
}

pub fn eval(state: &mut State, expr: &ArithmeticExpr, depth: usize) -> Result<i64, String> {
    Ok(match expr {
        ArithmeticExpr::Literal(n) => *n,
        ArithmeticExpr::Reference(target) => value_of(state, target_name(target)?, depth)?,
        ArithmeticExpr::UnaryOp(op, e) => {
            let v = eval(state, e, depth)?;
            match op {
                UnaryOperator::UnaryPlus => v,
                UnaryOperator::UnaryMinus => v.wrapping_neg(),
                UnaryOperator::BitwiseNot => !v,
                UnaryOperator::LogicalNot => i64::from(v == 0),
            }
        }
        ArithmeticExpr::BinaryOp(op, a, b) => match op {
            // Short-circuit: the right side is not evaluated (nor its assignments made).
            BinaryOperator::LogicalAnd => {
                i64::from(eval(state, a, depth)? != 0 && eval(state, b, depth)? != 0)
            }
            BinaryOperator::LogicalOr => {
                i64::from(eval(state, a, depth)? != 0 || eval(state, b, depth)? != 0)
            }
            _ => {
                let x = eval(state, a, depth)?;
                let y = eval(state, b, depth)?;
                binary(*op, x, y)?
            }
        },
        ArithmeticExpr::Conditional(c, t, f) => {
            if eval(state, c, depth)? != 0 {
                eval(state, t, depth)?
            } else {
                eval(state, f, depth)?
            }
        }
        ArithmeticExpr::Assignment(target, e) => {
            let v = eval(state, e, depth)?;
            assign(state, target, v)?
        }
        ArithmeticExpr::BinaryAssignment(op, target, e) => {
            let current = value_of(state, target_name(target)?, depth)?;
            let v = eval(state, e, depth)?;
            let result = binary(*op, current, v)?;
            assign(state, target, result)?
        }
        ArithmeticExpr::UnaryAssignment(op, target) => {
            let current = value_of(state, target_name(target)?, depth)?;
            let (stored, result) = match op {
                UnaryAssignmentOperator::PrefixIncrement => (current + 1, current + 1),
                UnaryAssignmentOperator::PrefixDecrement => (current - 1, current - 1),
                UnaryAssignmentOperator::PostfixIncrement => (current + 1, current),
                UnaryAssignmentOperator::PostfixDecrement => (current - 1, current),
            };
            assign(state, target, stored)?;
            result
        }
    })
}

fn binary(op: BinaryOperator, x: i64, y: i64) -> Result<i64, String> {
    Ok(match op {
        BinaryOperator::Power => {
            if y < 0 {
                return Err("exponent less than 0".to_string());
            }
            x.wrapping_pow(u32::try_from(y).unwrap_or(u32::MAX))
        }
        BinaryOperator::Multiply => x.wrapping_mul(y),
        BinaryOperator::Divide => {
            if y == 0 {
                return Err("division by 0".to_string());
            }
            x.wrapping_div(y)
        }
        BinaryOperator::Modulo => {
            if y == 0 {
                return Err("division by 0".to_string());
            }
            x.wrapping_rem(y)
        }
        BinaryOperator::Comma => y,
        BinaryOperator::Add => x.wrapping_add(y),
        BinaryOperator::Subtract => x.wrapping_sub(y),
        BinaryOperator::ShiftLeft => x.wrapping_shl(u32::try_from(y & 63).unwrap_or(0)),
        BinaryOperator::ShiftRight => x.wrapping_shr(u32::try_from(y & 63).unwrap_or(0)),
        BinaryOperator::LessThan => i64::from(x < y),
        BinaryOperator::LessThanOrEqualTo => i64::from(x <= y),
        BinaryOperator::GreaterThan => i64::from(x > y),
        BinaryOperator::GreaterThanOrEqualTo => i64::from(x >= y),
        BinaryOperator::Equals => i64::from(x == y),
        BinaryOperator::NotEquals => i64::from(x != y),
        BinaryOperator::BitwiseAnd => x & y,
        BinaryOperator::BitwiseXor => x ^ y,
        BinaryOperator::BitwiseOr => x | y,
        BinaryOperator::LogicalAnd => i64::from(x != 0 && y != 0),
        BinaryOperator::LogicalOr => i64::from(x != 0 || y != 0),
    })
}
