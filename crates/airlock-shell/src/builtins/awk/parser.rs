//! A recursive-descent parser for awk, following the POSIX grammar and gawk's precedence.

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::*;
use super::ere;
use super::lexer::{SyntaxError, Tok, Token, tokenize};

/// How deeply expressions and statements may nest: the parser and interpreter recurse.
const MAX_NESTING: usize = 200;

/// Parses awk source into a program whose variables are resolved to slots.
pub(super) fn parse(src: &str) -> Result<Program, SyntaxError> {
    let toks = tokenize(src)?;
    let mut p = Parser {
        toks,
        pos: 0,
        globals: HashMap::new(),
        global_names: Vec::new(),
        locals: None,
        func_index: HashMap::new(),
        funcs: Vec::new(),
        calls: Vec::new(),
        ranges: 0,
        depth: 0,
    };
    for (i, name) in ["ARGC", "ARGV", "ENVIRON", "PROCINFO"].iter().enumerate() {
        p.globals.insert(name.to_string(), i);
        p.global_names.push(name.to_string());
    }
    p.program()
}

/// Fixed global slots, set up before the program runs.
pub(super) const ARGC: usize = 0;
pub(super) const ARGV: usize = 1;
pub(super) const ENVIRON: usize = 2;
pub(super) const PROCINFO: usize = 3;

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    globals: HashMap<String, usize>,
    global_names: Vec<String>,
    /// The parameters of the function being parsed.
    locals: Option<Vec<String>>,
    func_index: HashMap<String, usize>,
    funcs: Vec<Option<Func>>,
    /// Every call site (function slot, offset) so undefined functions can be reported.
    calls: Vec<(usize, usize)>,
    ranges: usize,
    depth: usize,
}

type PResult<T> = Result<T, SyntaxError>;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        let i = (self.pos + n).min(self.toks.len() - 1);
        &self.toks[i].tok
    }

    fn advance(&mut self) -> Tok {
        let t = self.toks[self.pos].tok.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn line(&self) -> u32 {
        self.toks[self.pos].line
    }

    fn error<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            offset: self.toks[self.pos].offset,
            message: message.into(),
        })
    }

    fn unexpected<T>(&self) -> PResult<T> {
        let what = match self.peek() {
            Tok::Eof => "end of program".to_string(),
            Tok::Newline => "end of line".to_string(),
            t => describe(t),
        };
        self.error(format!("syntax error at or near {what}"))
    }

    fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: &Tok) -> PResult<()> {
        if self.eat(t) {
            Ok(())
        } else {
            self.unexpected()
        }
    }

    fn newlines(&mut self) {
        while self.eat(&Tok::Newline) {}
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return self.error("program nests too deeply");
        }
        Ok(())
    }

    fn program(&mut self) -> PResult<Program> {
        let mut begin = Vec::new();
        let mut end = Vec::new();
        let mut rules = Vec::new();
        loop {
            while matches!(self.peek(), Tok::Newline | Tok::Semi) {
                self.advance();
            }
            match self.peek() {
                Tok::Eof => break,
                Tok::Begin => {
                    self.advance();
                    self.newlines();
                    begin.push(self.block()?);
                }
                Tok::End => {
                    self.advance();
                    self.newlines();
                    end.push(self.block()?);
                }
                Tok::Function => self.function()?,
                Tok::LBrace => rules.push(Rule {
                    pattern: Pattern::All,
                    action: Some(self.block()?),
                }),
                _ => {
                    let first = self.expr(false)?;
                    let pattern = if self.eat(&Tok::Comma) {
                        self.newlines();
                        let second = self.expr(false)?;
                        self.ranges += 1;
                        Pattern::Range(first, second, self.ranges - 1)
                    } else {
                        Pattern::Expr(first)
                    };
                    let action = if *self.peek() == Tok::LBrace {
                        Some(self.block()?)
                    } else {
                        None
                    };
                    rules.push(Rule { pattern, action });
                }
            }
            if !matches!(
                self.peek(),
                Tok::Newline | Tok::Semi | Tok::Eof | Tok::RBrace
            ) && !self.after_block()
            {
                return self.unexpected();
            }
        }
        for &(slot, offset) in &self.calls {
            if self.funcs[slot].is_none() {
                let name = self
                    .func_index
                    .iter()
                    .find(|(_, v)| **v == slot)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                return Err(SyntaxError {
                    offset,
                    message: format!("function `{name}' called but never defined"),
                });
            }
        }
        let mut funcs: Vec<Func> = self.funcs.drain(..).flatten().collect();
        super::infer::infer_array_params(&mut funcs);
        Ok(Program {
            begin,
            rules,
            end,
            funcs,
            globals: std::mem::take(&mut self.global_names),
            ranges: self.ranges,
        })
    }

    /// Whether the previous token closed a block (items may follow `}` on the same line).
    fn after_block(&self) -> bool {
        self.pos > 0 && self.toks[self.pos - 1].tok == Tok::RBrace
    }

    fn function(&mut self) -> PResult<()> {
        self.advance();
        let name = match self.advance() {
            Tok::Name(n) | Tok::FuncName(n) => n,
            _ => {
                self.pos -= 1;
                return self.unexpected();
            }
        };
        if Special::from_name(&name).is_some() || self.globals.contains_key(&name) {
            return self.error(format!(
                "function name `{name}' previously defined as a variable"
            ));
        }
        let slot = self.func_slot(&name);
        if self.funcs[slot].is_some() {
            return self.error(format!("function `{name}' previously defined"));
        }
        self.expect(&Tok::LParen)?;
        let mut params = Vec::new();
        while let Tok::Name(p) = self.peek().clone() {
            self.advance();
            if p == name || params.contains(&p) {
                return self.error(format!("function `{name}': duplicate parameter `{p}'"));
            }
            params.push(p);
            if !self.eat(&Tok::Comma) {
                break;
            }
            self.newlines();
        }
        self.expect(&Tok::RParen)?;
        self.newlines();
        let count = params.len();
        self.locals = Some(params);
        let body = self.block()?;
        self.locals = None;
        self.funcs[slot] = Some(Func {
            name,
            params: count,
            array_params: vec![false; count],
            body,
        });
        Ok(())
    }

    fn func_slot(&mut self, name: &str) -> usize {
        if let Some(&i) = self.func_index.get(name) {
            return i;
        }
        self.funcs.push(None);
        self.func_index
            .insert(name.to_string(), self.funcs.len() - 1);
        self.funcs.len() - 1
    }

    fn var(&mut self, name: &str) -> PResult<Var> {
        if let Some(locals) = &self.locals
            && let Some(i) = locals.iter().position(|l| l == name)
        {
            return Ok(Var::Local(i));
        }
        if let Some(s) = Special::from_name(name) {
            return Ok(Var::Special(s));
        }
        if self.func_index.contains_key(name) && self.funcs[self.func_index[name]].is_some() {
            return self.error(format!("attempt to use function `{name}' as a variable"));
        }
        let next = self.global_names.len();
        let slot = *self.globals.entry(name.to_string()).or_insert(next);
        if slot == next {
            self.global_names.push(name.to_string());
        }
        Ok(Var::Global(slot))
    }

    fn block(&mut self) -> PResult<Block> {
        self.expect(&Tok::LBrace)?;
        self.enter()?;
        let mut stmts = Vec::new();
        loop {
            while matches!(self.peek(), Tok::Newline | Tok::Semi) {
                self.advance();
            }
            if self.eat(&Tok::RBrace) {
                break;
            }
            if *self.peek() == Tok::Eof {
                return self.unexpected();
            }
            stmts.push(self.stmt()?);
        }
        self.depth -= 1;
        Ok(stmts)
    }

    /// Ends a simple statement: `;`, a newline, or (without consuming it) `}` or the end.
    fn end_simple(&mut self) -> PResult<()> {
        match self.peek() {
            Tok::Semi | Tok::Newline => {
                self.advance();
                Ok(())
            }
            Tok::RBrace | Tok::Eof => Ok(()),
            _ => self.unexpected(),
        }
    }

    /// A statement used as the body of `if`/`while`/`for`: `;` alone is an empty body.
    fn body(&mut self) -> PResult<Block> {
        self.newlines();
        if self.eat(&Tok::Semi) {
            return Ok(Vec::new());
        }
        let stmt = self.stmt()?;
        Ok(match stmt.kind {
            StmtKind::Block(b) => b,
            _ => vec![stmt],
        })
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        let line = self.line();
        self.enter()?;
        let kind = self.stmt_kind()?;
        self.depth -= 1;
        Ok(Stmt { kind, line })
    }

    fn stmt_kind(&mut self) -> PResult<StmtKind> {
        Ok(match self.peek().clone() {
            Tok::LBrace => StmtKind::Block(self.block()?),
            Tok::If => {
                self.advance();
                self.expect(&Tok::LParen)?;
                let cond = self.expr(false)?;
                self.expect(&Tok::RParen)?;
                let then = self.body()?;
                let save = self.pos;
                while matches!(self.peek(), Tok::Newline | Tok::Semi) {
                    self.advance();
                }
                let otherwise = if self.eat(&Tok::Else) {
                    self.body()?
                } else {
                    self.pos = save;
                    Vec::new()
                };
                StmtKind::If(cond, then, otherwise)
            }
            Tok::While => {
                self.advance();
                self.expect(&Tok::LParen)?;
                let cond = self.expr(false)?;
                self.expect(&Tok::RParen)?;
                if self.eat(&Tok::Semi) {
                    return Ok(StmtKind::While(cond, Vec::new()));
                }
                StmtKind::While(cond, self.body()?)
            }
            Tok::Do => {
                self.advance();
                let body = self.body()?;
                while matches!(self.peek(), Tok::Newline | Tok::Semi) {
                    self.advance();
                }
                self.expect(&Tok::While)?;
                self.expect(&Tok::LParen)?;
                let cond = self.expr(false)?;
                self.expect(&Tok::RParen)?;
                self.end_simple()?;
                StmtKind::Do(body, cond)
            }
            Tok::For => self.for_stmt()?,
            Tok::Semi => {
                self.advance();
                StmtKind::Block(Vec::new())
            }
            _ => {
                let kind = self.simple_stmt()?;
                self.end_simple()?;
                kind
            }
        })
    }

    fn for_stmt(&mut self) -> PResult<StmtKind> {
        self.advance();
        self.expect(&Tok::LParen)?;
        if let (Tok::Name(k), Tok::In, Tok::Name(a), Tok::RParen) = (
            self.peek_at(0).clone(),
            self.peek_at(1).clone(),
            self.peek_at(2).clone(),
            self.peek_at(3).clone(),
        ) {
            self.pos += 4;
            let key = self.var(&k)?;
            let arr = self.var(&a)?;
            return Ok(StmtKind::ForIn(key, arr, self.body()?));
        }
        let init = if *self.peek() == Tok::Semi {
            None
        } else {
            Some(self.expr(false)?)
        };
        self.expect(&Tok::Semi)?;
        self.newlines();
        let cond = if *self.peek() == Tok::Semi {
            None
        } else {
            Some(self.expr(false)?)
        };
        self.expect(&Tok::Semi)?;
        self.newlines();
        let step = if *self.peek() == Tok::RParen {
            None
        } else {
            Some(self.expr(false)?)
        };
        self.expect(&Tok::RParen)?;
        if self.eat(&Tok::Semi) {
            return Ok(StmtKind::For(init, cond, step, Vec::new()));
        }
        Ok(StmtKind::For(init, cond, step, self.body()?))
    }

    fn at_terminator(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Semi | Tok::Newline | Tok::RBrace | Tok::Eof
        )
    }

    fn simple_stmt(&mut self) -> PResult<StmtKind> {
        Ok(match self.peek().clone() {
            Tok::Print | Tok::Printf => {
                let is_printf = *self.peek() == Tok::Printf;
                self.advance();
                let mut args = Vec::new();
                if !self.at_terminator()
                    && !matches!(self.peek(), Tok::Gt | Tok::Append | Tok::Pipe)
                {
                    args = self.expr_list(true)?;
                    if args.len() == 1 && matches!(args[0], Expr::Group(_)) {
                        let Some(Expr::Group(list)) = args.pop() else {
                            return self.unexpected();
                        };
                        args = list;
                    }
                }
                let redirect = match self.peek() {
                    Tok::Gt => Some(Redirect::Write),
                    Tok::Append => Some(Redirect::Append),
                    Tok::Pipe => Some(Redirect::Pipe),
                    _ => None,
                };
                let redirect = match redirect {
                    Some(r) => {
                        self.advance();
                        Some((r, self.concat()?))
                    }
                    None => None,
                };
                if is_printf {
                    if args.is_empty() {
                        return self.error("printf: no format");
                    }
                    StmtKind::Printf(args, redirect)
                } else {
                    StmtKind::Print(args, redirect)
                }
            }
            Tok::Next => {
                self.advance();
                StmtKind::Next
            }
            Tok::NextFile => {
                self.advance();
                StmtKind::NextFile
            }
            Tok::Break => {
                self.advance();
                StmtKind::Break
            }
            Tok::Continue => {
                self.advance();
                StmtKind::Continue
            }
            Tok::Exit => {
                self.advance();
                StmtKind::Exit(if self.at_terminator() {
                    None
                } else {
                    Some(self.expr(false)?)
                })
            }
            Tok::Return => {
                self.advance();
                if self.locals.is_none() {
                    return self.error("return used outside function context");
                }
                StmtKind::Return(if self.at_terminator() {
                    None
                } else {
                    Some(self.expr(false)?)
                })
            }
            Tok::Delete => {
                self.advance();
                let parens = self.eat(&Tok::LParen);
                let Tok::Name(name) = self.advance() else {
                    self.pos -= 1;
                    return self.unexpected();
                };
                let var = self.var(&name)?;
                let subs = if self.eat(&Tok::LBracket) {
                    let list = self.expr_list(false)?;
                    self.expect(&Tok::RBracket)?;
                    Some(list)
                } else {
                    None
                };
                if parens {
                    self.expect(&Tok::RParen)?;
                }
                StmtKind::Delete(var, subs)
            }
            _ => StmtKind::Expr(self.expr(false)?),
        })
    }

    fn expr_list(&mut self, no_gt: bool) -> PResult<Vec<Expr>> {
        let mut list = vec![self.expr(no_gt)?];
        while self.eat(&Tok::Comma) {
            self.newlines();
            list.push(self.expr(no_gt)?);
        }
        Ok(list)
    }

    /// An expression; `no_gt` (in `print`'s arguments) leaves `>` to the redirection.
    fn expr(&mut self, no_gt: bool) -> PResult<Expr> {
        self.enter()?;
        let e = self.ternary(no_gt)?;
        let op = match self.peek() {
            Tok::Assign => None,
            Tok::AddAssign => Some(BinOp::Add),
            Tok::SubAssign => Some(BinOp::Sub),
            Tok::MulAssign => Some(BinOp::Mul),
            Tok::DivAssign => Some(BinOp::Div),
            Tok::ModAssign => Some(BinOp::Mod),
            Tok::PowAssign => Some(BinOp::Pow),
            _ => {
                self.depth -= 1;
                return Ok(e);
            }
        };
        let Some(lv) = to_lvalue(e) else {
            return self.error("assignment to something that is not a variable or field");
        };
        self.advance();
        self.newlines();
        let rhs = Box::new(self.expr(no_gt)?);
        self.depth -= 1;
        Ok(match op {
            None => Expr::Assign(Box::new(lv), rhs),
            Some(op) => Expr::AugAssign(op, Box::new(lv), rhs),
        })
    }

    fn ternary(&mut self, no_gt: bool) -> PResult<Expr> {
        let cond = self.or(no_gt)?;
        if !self.eat(&Tok::Question) {
            return Ok(cond);
        }
        self.newlines();
        let a = self.expr(no_gt)?;
        self.newlines();
        self.expect(&Tok::Colon)?;
        self.newlines();
        let b = self.expr(no_gt)?;
        Ok(Expr::Cond(Box::new(cond), Box::new(a), Box::new(b)))
    }

    fn or(&mut self, no_gt: bool) -> PResult<Expr> {
        let mut e = self.and(no_gt)?;
        while self.eat(&Tok::Or) {
            self.newlines();
            e = Expr::Or(Box::new(e), Box::new(self.and(no_gt)?));
        }
        Ok(e)
    }

    fn and(&mut self, no_gt: bool) -> PResult<Expr> {
        let mut e = self.in_expr(no_gt)?;
        while self.eat(&Tok::And) {
            self.newlines();
            e = Expr::And(Box::new(e), Box::new(self.in_expr(no_gt)?));
        }
        Ok(e)
    }

    fn in_expr(&mut self, no_gt: bool) -> PResult<Expr> {
        let mut e = self.matching(no_gt)?;
        while *self.peek() == Tok::In {
            self.advance();
            let Tok::Name(name) = self.advance() else {
                self.pos -= 1;
                return self.unexpected();
            };
            let arr = self.var(&name)?;
            e = Expr::In(vec![e], arr);
        }
        Ok(e)
    }

    fn matching(&mut self, no_gt: bool) -> PResult<Expr> {
        let mut e = self.comparison(no_gt)?;
        loop {
            let negated = match self.peek() {
                Tok::Tilde => false,
                Tok::NoMatch => true,
                _ => return Ok(e),
            };
            self.advance();
            let rhs = self.comparison(no_gt)?;
            e = Expr::Match(negated, Box::new(e), Box::new(rhs));
        }
    }

    fn comparison(&mut self, no_gt: bool) -> PResult<Expr> {
        let e = self.pipe_getline()?;
        let op = match self.peek() {
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt if !no_gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            _ => return Ok(e),
        };
        self.advance();
        let rhs = self.pipe_getline()?;
        Ok(Expr::Cmp(op, Box::new(e), Box::new(rhs)))
    }

    /// `cmd | getline [var]`, which binds looser than concatenation.
    fn pipe_getline(&mut self) -> PResult<Expr> {
        let mut e = self.concat()?;
        while *self.peek() == Tok::Pipe && *self.peek_at(1) == Tok::Getline {
            self.advance();
            self.advance();
            let target = self.getline_target()?;
            e = Expr::Getline(GetlineSrc::Cmd(Box::new(e)), target);
        }
        Ok(e)
    }

    fn starts_operand(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Number(_)
                | Tok::Str(_)
                | Tok::Regex(_)
                | Tok::Name(_)
                | Tok::FuncName(_)
                | Tok::Builtin(_)
                | Tok::Dollar
                | Tok::Not
                | Tok::LParen
                | Tok::Minus
                | Tok::Plus
                | Tok::Incr
                | Tok::Decr
        )
    }

    fn concat(&mut self) -> PResult<Expr> {
        let mut e = self.additive()?;
        // `+` and `-` after an operand are binary, and `in`/`getline` end the operand.
        while self.starts_operand() && !matches!(self.peek(), Tok::Minus | Tok::Plus | Tok::Not) {
            let rhs = self.additive()?;
            e = Expr::Concat(Box::new(e), Box::new(rhs));
        }
        Ok(e)
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut e = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(e),
            };
            self.advance();
            e = Expr::Binary(op, Box::new(e), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::Percent => BinOp::Mod,
                _ => return Ok(e),
            };
            self.advance();
            e = Expr::Binary(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = match self.peek() {
            Tok::Not => {
                self.advance();
                Expr::Not(Box::new(self.unary()?))
            }
            Tok::Minus => {
                self.advance();
                Expr::Neg(Box::new(self.unary()?))
            }
            Tok::Plus => {
                self.advance();
                Expr::Pos(Box::new(self.unary()?))
            }
            _ => self.power()?,
        };
        self.depth -= 1;
        Ok(e)
    }

    fn power(&mut self) -> PResult<Expr> {
        let base = self.postfix()?;
        if !self.eat(&Tok::Caret) {
            return Ok(base);
        }
        // Right associative, and the exponent may carry a sign: 2^-1, 2^3^2.
        let exp = match self.peek() {
            Tok::Minus => {
                self.advance();
                Expr::Neg(Box::new(self.power()?))
            }
            Tok::Plus => {
                self.advance();
                self.power()?
            }
            Tok::Not => {
                self.advance();
                Expr::Not(Box::new(self.power()?))
            }
            _ => self.power()?,
        };
        Ok(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(exp)))
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let e = self.primary()?;
        let delta = match self.peek() {
            Tok::Incr => 1.0,
            Tok::Decr => -1.0,
            _ => return Ok(e),
        };
        if !matches!(e, Expr::Var(_) | Expr::Index(..) | Expr::Field(_)) {
            return Ok(e);
        }
        self.advance();
        let Some(lv) = to_lvalue(e) else {
            return self.unexpected();
        };
        Ok(Expr::PostIncr(delta, Box::new(lv)))
    }

    /// The operand of `$`: a primary, or a signed/incremented one (`$NF`, `$(i+1)`, `$++i`).
    fn field_operand(&mut self) -> PResult<Expr> {
        match self.peek() {
            Tok::Minus => {
                self.advance();
                Ok(Expr::Neg(Box::new(self.field_operand()?)))
            }
            Tok::Plus => {
                self.advance();
                self.field_operand()
            }
            Tok::Not => {
                self.advance();
                Ok(Expr::Not(Box::new(self.field_operand()?)))
            }
            _ => self.primary(),
        }
    }

    fn lvalue(&mut self) -> PResult<LValue> {
        let e = match self.peek() {
            Tok::Dollar => {
                self.advance();
                Expr::Field(Box::new(self.field_operand()?))
            }
            Tok::Name(_) => self.primary()?,
            _ => return self.unexpected(),
        };
        match to_lvalue(e) {
            Some(lv) => Ok(lv),
            None => self.unexpected(),
        }
    }

    fn getline_target(&mut self) -> PResult<Option<Box<LValue>>> {
        Ok(match self.peek() {
            Tok::Name(_) | Tok::Dollar => Some(Box::new(self.lvalue()?)),
            _ => None,
        })
    }

    fn primary(&mut self) -> PResult<Expr> {
        self.enter()?;
        let e = self.primary_inner()?;
        self.depth -= 1;
        Ok(e)
    }

    fn primary_inner(&mut self) -> PResult<Expr> {
        let offset = self.toks[self.pos].offset;
        Ok(match self.advance() {
            Tok::Number(n) => Expr::Num(n),
            Tok::Str(s) => Expr::Str(s.into()),
            Tok::Regex(r) => match ere::compile(&r) {
                Ok(re) => Expr::Regex(Rc::new(re)),
                Err(message) => return Err(SyntaxError { offset, message }),
            },
            Tok::Dollar => Expr::Field(Box::new(self.field_operand()?)),
            Tok::Incr | Tok::Decr => {
                let delta = if self.toks[self.pos - 1].tok == Tok::Incr {
                    1.0
                } else {
                    -1.0
                };
                let lv = self.lvalue()?;
                Expr::PreIncr(delta, Box::new(lv))
            }
            Tok::Minus => Expr::Neg(Box::new(self.unary()?)),
            Tok::Plus => Expr::Pos(Box::new(self.unary()?)),
            Tok::Not => Expr::Not(Box::new(self.unary()?)),
            Tok::LParen => {
                let list = self.expr_list(false)?;
                self.expect(&Tok::RParen)?;
                if list.len() == 1 {
                    let mut list = list;
                    list.pop().unwrap_or(Expr::Num(0.0))
                } else if *self.peek() == Tok::In {
                    self.advance();
                    let Tok::Name(name) = self.advance() else {
                        self.pos -= 1;
                        return self.unexpected();
                    };
                    Expr::In(list, self.var(&name)?)
                } else {
                    Expr::Group(list)
                }
            }
            Tok::Name(name) => {
                let var = self.var(&name)?;
                if self.eat(&Tok::LBracket) {
                    let subs = self.expr_list(false)?;
                    self.expect(&Tok::RBracket)?;
                    Expr::Index(var, subs)
                } else {
                    Expr::Var(var)
                }
            }
            Tok::FuncName(name) => {
                self.advance();
                let slot = self.func_slot(&name);
                self.calls.push((slot, offset));
                let args = self.call_args()?;
                Expr::Call(slot, args)
            }
            Tok::Builtin(b) => self.builtin(b)?,
            Tok::Getline => {
                let target = self.getline_target()?;
                if self.eat(&Tok::Lt) {
                    let file = self.postfix_no_concat()?;
                    Expr::Getline(GetlineSrc::File(Box::new(file)), target)
                } else {
                    Expr::Getline(GetlineSrc::Main, target)
                }
            }
            _ => {
                self.pos -= 1;
                return self.unexpected();
            }
        })
    }

    /// The file after `getline <`: a primary (concatenation needs parentheses, as in gawk).
    fn postfix_no_concat(&mut self) -> PResult<Expr> {
        self.postfix()
    }

    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        self.newlines();
        if self.eat(&Tok::RParen) {
            return Ok(Vec::new());
        }
        let args = self.expr_list(false)?;
        self.newlines();
        self.expect(&Tok::RParen)?;
        Ok(args)
    }

    fn builtin(&mut self, b: Builtin) -> PResult<Expr> {
        let name_offset = self.toks[self.pos - 1].offset;
        let args = if *self.peek() == Tok::LParen {
            self.advance();
            self.call_args()?
        } else if b == Builtin::Length {
            Vec::new()
        } else {
            return self.unexpected();
        };
        let (min, max) = b.arity();
        if args.len() < min || args.len() > max {
            return Err(SyntaxError {
                offset: name_offset,
                message: format!(
                    "{} called with {} arguments",
                    format!("{b:?}").to_lowercase(),
                    args.len()
                ),
            });
        }
        Ok(Expr::Builtin(b, args))
    }
}

fn to_lvalue(e: Expr) -> Option<LValue> {
    match e {
        Expr::Var(v) => Some(LValue::Var(v)),
        Expr::Index(v, subs) => Some(LValue::Index(v, subs)),
        Expr::Field(e) => Some(LValue::Field(e)),
        _ => None,
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Name(n) | Tok::FuncName(n) => n.clone(),
        Tok::Number(n) => n.to_string(),
        Tok::Str(s) => format!("\"{}\"", String::from_utf8_lossy(s)),
        Tok::Regex(r) => format!("/{}/", String::from_utf8_lossy(r)),
        Tok::Builtin(b) => format!("{b:?}").to_lowercase(),
        other => {
            let s = match other {
                Tok::LBrace => "{",
                Tok::RBrace => "}",
                Tok::LParen => "(",
                Tok::RParen => ")",
                Tok::LBracket => "[",
                Tok::RBracket => "]",
                Tok::Semi => ";",
                Tok::Comma => ",",
                Tok::Plus => "+",
                Tok::Minus => "-",
                Tok::Star => "*",
                Tok::Slash => "/",
                Tok::Percent => "%",
                Tok::Caret => "^",
                Tok::Not => "!",
                Tok::Gt => ">",
                Tok::Lt => "<",
                Tok::Pipe => "|",
                Tok::Question => "?",
                Tok::Colon => ":",
                Tok::Tilde => "~",
                Tok::NoMatch => "!~",
                Tok::Dollar => "$",
                Tok::Le => "<=",
                Tok::Ge => ">=",
                Tok::Eq => "==",
                Tok::Ne => "!=",
                Tok::Incr => "++",
                Tok::Decr => "--",
                Tok::Append => ">>",
                Tok::And => "&&",
                Tok::Or => "||",
                Tok::Assign => "=",
                Tok::AddAssign => "+=",
                Tok::SubAssign => "-=",
                Tok::MulAssign => "*=",
                Tok::DivAssign => "/=",
                Tok::ModAssign => "%=",
                Tok::PowAssign => "^=",
                Tok::Begin => "BEGIN",
                Tok::End => "END",
                Tok::Function => "function",
                Tok::If => "if",
                Tok::Else => "else",
                Tok::While => "while",
                Tok::For => "for",
                Tok::Do => "do",
                Tok::Break => "break",
                Tok::Continue => "continue",
                Tok::Next => "next",
                Tok::NextFile => "nextfile",
                Tok::Exit => "exit",
                Tok::Return => "return",
                Tok::Delete => "delete",
                Tok::In => "in",
                Tok::Getline => "getline",
                Tok::Print => "print",
                Tok::Printf => "printf",
                _ => "?",
            };
            s.to_string()
        }
    }
}
