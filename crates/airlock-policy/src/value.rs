//! JSON value helpers: exact comparison, type names and short renderings for messages.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Compares two numbers by value, so `1 == 1.0`. Integers compare exactly;
/// a float against an integer compares as `f64`.
pub(crate) fn cmp_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    // One is a u64 beyond i64::MAX and the other a negative i64.
    if a.is_u64() && b.is_i64() {
        return Some(Ordering::Greater);
    }
    if a.is_i64() && b.is_u64() {
        return Some(Ordering::Less);
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// JSON equality, except numbers compare by value (`1 == 1.0`) at any depth.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The value's JSON type with its article, for "is a string, not a number".
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Longest rendering of a value in a message, in characters; longer ones are
/// cut so a huge argument cannot flood the script's error output.
const MAX_SHOWN_CHARS: usize = 80;

/// The value as compact JSON, cut to [`MAX_SHOWN_CHARS`] with a trailing `...`.
pub(crate) fn show(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

/// A running total as a reader would write it: `52000`, not `52000.0`.
pub(crate) fn show_total(x: f64) -> String {
    // Whole numbers below 2^53 print exactly as integers.
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn num(v: Value) -> Number {
        match v {
            Value::Number(n) => n,
            _ => unreachable!(),
        }
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(
            cmp_numbers(&num(json!(1)), &num(json!(1.0))),
            Some(Ordering::Equal)
        );
        assert_eq!(
            cmp_numbers(&num(json!(u64::MAX)), &num(json!(-1))),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp_numbers(&num(json!(-1)), &num(json!(u64::MAX))),
            Some(Ordering::Less)
        );
        assert_eq!(
            cmp_numbers(
                &num(json!(9007199254740993_i64)),
                &num(json!(9007199254740992_i64))
            ),
            Some(Ordering::Greater)
        );
        assert_eq!(
            cmp_numbers(&num(json!(2.5)), &num(json!(2))),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn json_eq_is_exact_but_numeric() {
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_eq(&json!("1"), &json!(1)));
        assert!(!json_eq(&json!(true), &json!(1)));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(json_eq(&json!(null), &json!(null)));
    }

    #[test]
    fn show_truncates_long_values() {
        assert_eq!(show(&json!("500")), "\"500\"");
        let long = show(&json!("x".repeat(200)));
        assert_eq!(long.chars().count(), MAX_SHOWN_CHARS + 3);
        assert!(long.ends_with("..."));
    }

    #[test]
    fn totals_print_as_written() {
        assert_eq!(show_total(52000.0), "52000");
        assert_eq!(show_total(1.5), "1.5");
        assert_eq!(show_total(-3.0), "-3");
    }
}
