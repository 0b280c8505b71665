//! The tree-walking interpreter: variables, expressions, statements and the main loop.
//!
//! It is async because input (`getline`, the next record), output (a pipe with a slow reader)
//! and other commands (`system`, `cmd | getline`) are. Recursion goes through boxed futures;
//! leaves (constants, variables, `$n`) are evaluated without one, so the common per-record
//! work (`{ s += $3 }`) allocates nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use regex::bytes::Regex;

use super::array::Array;
use super::ast::*;
use super::parser::{ARGC, ARGV, ENVIRON, PROCINFO};
use super::record::{FieldSep, Record};
use super::stream::RsMode;
use super::value::{Value, compare};
use crate::cmd::Cmd;
use crate::exec::LocalBoxFuture;

/// How deeply user functions may recurse: each level is several nested futures polled on the
/// stack, and the sandbox's stack is small. Unoptimized builds (tests) use far bigger frames
/// (about 30 KiB a level against a 2 MiB test thread), hence their lower bound.
const MAX_CALL_DEPTH: usize = if cfg!(debug_assertions) { 40 } else { 200 };
/// Dynamic regexes kept compiled (a program matching against many different strings would
/// otherwise grow the cache without bound).
const MAX_REGEX_CACHE: usize = 256;
/// The highest field number a program may assign (`$1e9 = 1` would otherwise allocate GBs).
pub(super) const MAX_FIELD: usize = 1 << 20;

/// How evaluation stops early: control flow, or an error.
#[derive(Debug)]
pub(super) enum Flow {
    Next,
    NextFile,
    Exit,
    Return(Value),
    Break,
    Continue,
    Error(String),
    /// An error not tied to a line of the program (an input file that cannot be read).
    Fatal(String),
    /// Standard output's reader went away.
    Broken,
}

pub(super) type R<T> = Result<T, Flow>;

pub(super) fn fail<T>(message: impl Into<String>) -> R<T> {
    Err(Flow::Error(message.into()))
}

/// A variable's storage: a scalar, or an array (shared, so array arguments are by reference).
#[derive(Debug, Clone)]
pub(super) enum Cell {
    Val(Value),
    Arr(Rc<RefCell<Array>>),
}

/// Where an assignment goes.
pub(super) enum Place {
    Var(Var),
    Elem(Rc<RefCell<Array>>, Vec<u8>),
    Field(usize),
}

pub(super) fn bool_val(b: bool) -> Value {
    Value::Num(if b { 1.0 } else { 0.0 })
}

/// How the program was invoked: what `-v`, `-F` and the operands say.
#[derive(Debug, Default)]
pub(super) struct Invocation {
    pub assigns: Vec<(String, Vec<u8>)>,
    pub fs: Option<Vec<u8>>,
    pub operands: Vec<String>,
}

pub(super) struct Interp<'p, 'c, 'b> {
    pub(super) prog: &'p Program,
    pub(super) cx: &'c mut Cmd<'b>,
    pub(super) globals: Vec<Cell>,
    pub(super) frames: Vec<Vec<Cell>>,
    pub(super) rec: Record,
    pub(super) nr: f64,
    pub(super) fnr: f64,
    pub(super) specials: Vec<Value>,
    pub(super) ofs: Vec<u8>,
    pub(super) ors: Vec<u8>,
    pub(super) subsep: Vec<u8>,
    pub(super) convfmt: Vec<u8>,
    pub(super) ofmt: Vec<u8>,
    pub(super) fs: FieldSep,
    pub(super) rs: RsMode,
    pub(super) paragraph: bool,
    /// The text that ended the last record (gawk's RT).
    pub(super) rt: Vec<u8>,
    pub(super) regexes: HashMap<Vec<u8>, Rc<Regex>>,
    pub(super) io: super::io::Streams,
    pub(super) ranges: Vec<bool>,
    pub(super) rng: u64,
    pub(super) seed: f64,
    pub(super) exit_code: i32,
    pub(super) line: u32,
    pub(super) line_buf: Vec<u8>,
}

impl std::fmt::Debug for Interp<'_, '_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interp")
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

impl<'p, 'c, 'b> Interp<'p, 'c, 'b> {
    pub(super) fn new(prog: &'p Program, cx: &'c mut Cmd<'b>) -> Self {
        let mut specials = vec![Value::Uninit; Special::ALL.len()];
        let defaults: [(Special, &[u8]); 8] = [
            (Special::Fs, b" "),
            (Special::Ofs, b" "),
            (Special::Ors, b"\n"),
            (Special::Rs, b"\n"),
            (Special::Subsep, b"\x1c"),
            (Special::Convfmt, b"%.6g"),
            (Special::Ofmt, b"%.6g"),
            (Special::Filename, b""),
        ];
        for (s, v) in defaults {
            specials[s as usize] = Value::str(v);
        }
        specials[Special::Rstart as usize] = Value::Num(0.0);
        specials[Special::Rlength as usize] = Value::Num(-1.0);
        Interp {
            prog,
            cx,
            globals: vec![Cell::Val(Value::Uninit); prog.globals.len()],
            frames: Vec::new(),
            rec: Record::default(),
            nr: 0.0,
            fnr: 0.0,
            specials,
            ofs: b" ".to_vec(),
            ors: b"\n".to_vec(),
            subsep: b"\x1c".to_vec(),
            convfmt: b"%.6g".to_vec(),
            ofmt: b"%.6g".to_vec(),
            fs: FieldSep::Blank,
            rs: RsMode::Byte(b'\n'),
            paragraph: false,
            rt: Vec::new(),
            regexes: HashMap::new(),
            io: super::io::Streams::default(),
            ranges: vec![false; prog.ranges],
            rng: 0,
            seed: 0.0,
            exit_code: 0,
            line: 0,
            line_buf: Vec::new(),
        }
    }

    /// Sets up ARGV, ENVIRON, `-F` and `-v` before BEGIN runs.
    pub(super) fn init(&mut self, inv: &Invocation) -> R<()> {
        let mut argv = Array::default();
        argv.set(b"0", Value::str(b"awk"));
        for (i, op) in inv.operands.iter().enumerate() {
            argv.set(
                (i + 1).to_string().as_bytes(),
                Value::from_input(op.as_bytes()),
            );
        }
        self.globals[ARGV] = Cell::Arr(Rc::new(RefCell::new(argv)));
        self.globals[ARGC] = Cell::Val(Value::Num((inv.operands.len() + 1) as f64));
        let mut env = Array::default();
        for (k, v) in self.cx.env {
            env.set(k.as_bytes(), Value::from_input(v.as_bytes()));
        }
        self.globals[ENVIRON] = Cell::Arr(Rc::new(RefCell::new(env)));
        let mut procinfo = Array::default();
        procinfo.set(b"version", Value::str(b"5.2.1"));
        self.globals[PROCINFO] = Cell::Arr(Rc::new(RefCell::new(procinfo)));
        if let Some(fs) = &inv.fs {
            self.set_special(Special::Fs, Value::str(fs))?;
        }
        for (name, value) in &inv.assigns {
            self.assign_by_name(name, value)?;
        }
        Ok(())
    }

    /// `name=value` from `-v` or an operand: the value is a strnum, escapes processed.
    pub(super) fn assign_by_name(&mut self, name: &str, value: &[u8]) -> R<()> {
        let value = Value::from_input(&super::lexer::unescape(value));
        if let Some(s) = Special::from_name(name) {
            return self.set_special(s, value);
        }
        if let Some(slot) = self.prog.globals.iter().position(|g| g == name) {
            if matches!(self.globals[slot], Cell::Arr(_)) {
                return fail(format!("cannot assign to array `{name}'"));
            }
            self.globals[slot] = Cell::Val(value);
        }
        Ok(())
    }

    // ----- variables -----

    fn var_name(&self, v: Var) -> String {
        match v {
            Var::Global(i) => self.prog.globals[i].clone(),
            Var::Local(i) => format!("parameter #{}", i + 1),
            Var::Special(s) => s.name().to_string(),
        }
    }

    fn cell_mut(&mut self, v: Var) -> &mut Cell {
        match v {
            Var::Local(i) => match self.frames.last_mut() {
                Some(frame) => &mut frame[i],
                None => &mut self.globals[0],
            },
            Var::Global(i) => &mut self.globals[i],
            // Specials never reach here (callers handle them first).
            Var::Special(_) => &mut self.globals[0],
        }
    }

    fn cell(&self, v: Var) -> &Cell {
        match v {
            Var::Local(i) => match self.frames.last() {
                Some(frame) => &frame[i],
                None => &self.globals[0],
            },
            Var::Global(i) => &self.globals[i],
            Var::Special(_) => &self.globals[0],
        }
    }

    pub(super) fn get_var(&self, v: Var) -> R<Value> {
        if let Var::Special(s) = v {
            return Ok(self.get_special_ro(s));
        }
        match self.cell(v) {
            Cell::Val(x) => Ok(x.clone()),
            Cell::Arr(_) => fail(format!(
                "attempt to use array `{}' in a scalar context",
                self.var_name(v)
            )),
        }
    }

    pub(super) fn set_var(&mut self, v: Var, value: Value) -> R<()> {
        if let Var::Special(s) = v {
            return self.set_special(s, value);
        }
        let name_if_array = matches!(self.cell(v), Cell::Arr(_));
        if name_if_array {
            return fail(format!(
                "attempt to use array `{}' in a scalar context",
                self.var_name(v)
            ));
        }
        *self.cell_mut(v) = Cell::Val(value);
        Ok(())
    }

    /// The array `v` holds, making it one if it was never used.
    pub(super) fn array(&mut self, v: Var) -> R<Rc<RefCell<Array>>> {
        if let Var::Special(s) = v {
            return fail(format!("attempt to use scalar `{}' as an array", s.name()));
        }
        let cell = self.cell_mut(v);
        match cell {
            Cell::Arr(a) => Ok(Rc::clone(a)),
            Cell::Val(Value::Uninit) => {
                let a = Rc::new(RefCell::new(Array::default()));
                *cell = Cell::Arr(Rc::clone(&a));
                Ok(a)
            }
            Cell::Val(_) => fail(format!(
                "attempt to use scalar `{}' as an array",
                self.var_name(v)
            )),
        }
    }

    pub(super) fn is_array(&self, v: Var) -> bool {
        !matches!(v, Var::Special(_)) && matches!(self.cell(v), Cell::Arr(_))
    }

    fn is_unset(&self, v: Var) -> bool {
        !matches!(v, Var::Special(_)) && matches!(self.cell(v), Cell::Val(Value::Uninit))
    }

    pub(super) fn global_num(&self, slot: usize) -> f64 {
        match &self.globals[slot] {
            Cell::Val(v) => v.to_num(),
            Cell::Arr(_) => 0.0,
        }
    }

    fn get_special_ro(&self, s: Special) -> Value {
        match s {
            Special::Nr => Value::Num(self.nr),
            Special::Fnr => Value::Num(self.fnr),
            Special::Rt => Value::str(&self.rt),
            _ => self.specials[s as usize].clone(),
        }
    }

    pub(super) fn get_special(&mut self, s: Special) -> Value {
        match s {
            Special::Nf => Value::Num(self.rec.nf(&self.fs, self.paragraph) as f64),
            _ => self.get_special_ro(s),
        }
    }

    pub(super) fn set_special(&mut self, s: Special, v: Value) -> R<()> {
        match s {
            Special::Nf => {
                let n = v.to_num();
                if n < 0.0 {
                    return fail("NF set to negative value");
                }
                if n as usize > MAX_FIELD {
                    return fail(format!("NF set to {n}: too many fields"));
                }
                self.rec.set_nf(n as usize, &self.fs, self.paragraph);
                return Ok(());
            }
            Special::Nr => self.nr = v.to_num(),
            Special::Fnr => self.fnr = v.to_num(),
            _ => {
                let bytes = v.to_str(&self.convfmt).into_owned();
                match s {
                    Special::Fs => {
                        // The current record keeps the FS it was read with.
                        self.rec.nf(&self.fs, self.paragraph);
                        let sep =
                            FieldSep::new(&bytes, |p| self.regex_from(p)).map_err(Flow::Error)?;
                        self.fs = sep;
                    }
                    Special::Rs => {
                        self.paragraph = bytes.is_empty();
                        self.rs = match bytes.as_slice() {
                            [] => RsMode::Paragraph,
                            [c] => RsMode::Byte(*c),
                            _ => RsMode::Regex(self.regex_from(&bytes).map_err(Flow::Error)?),
                        };
                    }
                    Special::Ofs => self.ofs = bytes,
                    Special::Ors => self.ors = bytes,
                    Special::Subsep => self.subsep = bytes,
                    Special::Convfmt => self.convfmt = bytes,
                    Special::Ofmt => self.ofmt = bytes,
                    _ => {}
                }
            }
        }
        self.specials[s as usize] = v;
        Ok(())
    }

    // ----- regexes -----

    pub(super) fn regex_from(&mut self, src: &[u8]) -> Result<Rc<Regex>, String> {
        if let Some(re) = self.regexes.get(src) {
            return Ok(Rc::clone(re));
        }
        let re = Rc::new(super::ere::compile(src)?);
        if self.regexes.len() >= MAX_REGEX_CACHE {
            self.regexes.clear();
        }
        self.regexes.insert(src.to_vec(), Rc::clone(&re));
        Ok(re)
    }

    /// The regex an operand stands for: a literal as is, anything else by its string value.
    pub(super) async fn regex_of(&mut self, e: &'p Expr) -> R<Rc<Regex>> {
        if let Expr::Regex(re) = e {
            return Ok(Rc::clone(re));
        }
        let v = self.operand(e).await?;
        let src = v.to_str(&self.convfmt).into_owned();
        self.regex_from(&src).map_err(Flow::Error)
    }

    // ----- fields -----

    fn field_index_of(&self, n: f64) -> R<usize> {
        if n < 0.0 || n.is_nan() {
            return fail(format!("attempt to access field {}", n as i64));
        }
        if n >= MAX_FIELD as f64 {
            return fail(format!("attempt to access field {n}: too many fields"));
        }
        Ok(n as usize)
    }

    pub(super) fn field(&mut self, i: usize) -> Value {
        if i == 0 {
            Value::from_input(self.rec.text(&self.ofs, &self.convfmt))
        } else {
            self.rec.field(i, &self.fs, self.paragraph)
        }
    }

    pub(super) fn set_field(&mut self, i: usize, v: Value) {
        if i == 0 {
            let text = v.to_str(&self.convfmt);
            self.rec.set_text(&text);
        } else {
            self.rec.set_field(i, v, &self.fs, self.paragraph);
        }
    }

    pub(super) fn record_text(&mut self) -> &[u8] {
        self.rec.text(&self.ofs, &self.convfmt)
    }

    // ----- places -----

    pub(super) async fn key(&mut self, subs: &'p [Expr]) -> R<Vec<u8>> {
        if let [one] = subs {
            let v = self.operand(one).await?;
            return Ok(v.to_str(&self.convfmt).into_owned());
        }
        let mut key = Vec::new();
        for (i, s) in subs.iter().enumerate() {
            if i > 0 {
                key.extend_from_slice(&self.subsep);
            }
            let v = self.operand(s).await?;
            key.extend_from_slice(&v.to_str(&self.convfmt));
        }
        Ok(key)
    }

    pub(super) async fn place(&mut self, lv: &'p LValue) -> R<Place> {
        Ok(match lv {
            LValue::Var(v) => Place::Var(*v),
            LValue::Index(v, subs) => {
                let key = self.key(subs).await?;
                Place::Elem(self.array(*v)?, key)
            }
            LValue::Field(e) => {
                let n = self.num(e).await?;
                Place::Field(self.field_index_of(n)?)
            }
        })
    }

    pub(super) fn get_place(&mut self, p: &Place) -> R<Value> {
        match p {
            Place::Var(v) => match v {
                Var::Special(s) => Ok(self.get_special(*s)),
                _ => self.get_var(*v),
            },
            Place::Elem(a, k) => Ok(a.borrow_mut().entry(k).clone()),
            Place::Field(i) => Ok(self.field(*i)),
        }
    }

    pub(super) fn set_place(&mut self, p: &Place, v: Value) -> R<()> {
        match p {
            Place::Var(var) => self.set_var(*var, v),
            Place::Elem(a, k) => {
                a.borrow_mut().set(k, v);
                Ok(())
            }
            Place::Field(i) => {
                self.set_field(*i, v);
                Ok(())
            }
        }
    }

    // ----- expressions -----

    /// Constants, variables and `$n` with a constant or variable `n`: no future needed.
    pub(super) fn leaf(&mut self, e: &'p Expr) -> R<Option<Value>> {
        Ok(Some(match e {
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(Rc::clone(s)),
            Expr::Var(Var::Special(s)) => self.get_special(*s),
            Expr::Var(v) => self.get_var(*v)?,
            Expr::Regex(re) => bool_val(re.is_match(self.rec.text(&self.ofs, &self.convfmt))),
            Expr::Field(i) => {
                let n = match &**i {
                    Expr::Num(n) => *n,
                    Expr::Var(v @ (Var::Global(_) | Var::Local(_))) => self.get_var(*v)?.to_num(),
                    _ => return Ok(None),
                };
                let i = self.field_index_of(n)?;
                self.field(i)
            }
            _ => return Ok(None),
        }))
    }

    pub(super) async fn operand(&mut self, e: &'p Expr) -> R<Value> {
        match self.leaf(e)? {
            Some(v) => Ok(v),
            None => self.eval(e).await,
        }
    }

    /// An operand as a number (`$n` is converted straight from the record's bytes).
    pub(super) async fn num(&mut self, e: &'p Expr) -> R<f64> {
        if let Expr::Field(i) = e
            && let Expr::Num(n) = **i
            && n >= 1.0
            && n < MAX_FIELD as f64
        {
            return Ok(self.rec.field_num(n as usize, &self.fs, self.paragraph));
        }
        Ok(self.operand(e).await?.to_num())
    }

    pub(super) async fn text(&mut self, e: &'p Expr) -> R<Vec<u8>> {
        let v = self.operand(e).await?;
        Ok(v.to_str(&self.convfmt).into_owned())
    }

    pub(super) fn eval<'s>(&'s mut self, e: &'p Expr) -> LocalBoxFuture<'s, R<Value>> {
        Box::pin(self.eval_node(e))
    }

    pub(super) fn arith(op: BinOp, x: f64, y: f64) -> R<f64> {
        Ok(match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => {
                if y == 0.0 {
                    return fail("division by zero attempted");
                }
                x / y
            }
            BinOp::Mod => {
                if y == 0.0 {
                    return fail("division by zero attempted in `%'");
                }
                x % y
            }
            BinOp::Pow => {
                if y == y.trunc() && y.abs() < 1024.0 {
                    x.powi(y as i32)
                } else {
                    x.powf(y)
                }
            }
        })
    }

    pub(super) async fn eval_node(&mut self, e: &'p Expr) -> R<Value> {
        if let Some(v) = self.leaf(e)? {
            return Ok(v);
        }
        Ok(match e {
            Expr::Field(i) => {
                let n = self.num(i).await?;
                let i = self.field_index_of(n)?;
                self.field(i)
            }
            Expr::Index(v, subs) => {
                let key = self.key(subs).await?;
                let arr = self.array(*v)?;
                arr.borrow_mut().entry(&key).clone()
            }
            Expr::Assign(lv, rhs) => {
                let value = self.operand(rhs).await?;
                let place = self.place(lv).await?;
                self.set_place(&place, value.clone())?;
                value
            }
            Expr::AugAssign(op, lv, rhs) => {
                let place = self.place(lv).await?;
                let y = self.num(rhs).await?;
                let x = self.get_place(&place)?.to_num();
                let r = Self::arith(*op, x, y)?;
                self.set_place(&place, Value::Num(r))?;
                Value::Num(r)
            }
            Expr::Cond(c, a, b) => {
                if self.operand(c).await?.to_bool() {
                    self.operand(a).await?
                } else {
                    self.operand(b).await?
                }
            }
            Expr::And(a, b) => {
                bool_val(self.operand(a).await?.to_bool() && self.operand(b).await?.to_bool())
            }
            Expr::Or(a, b) => {
                bool_val(self.operand(a).await?.to_bool() || self.operand(b).await?.to_bool())
            }
            Expr::Not(a) => bool_val(!self.operand(a).await?.to_bool()),
            Expr::Neg(a) => Value::Num(-self.num(a).await?),
            Expr::Pos(a) => Value::Num(self.num(a).await?),
            Expr::Binary(op, a, b) => {
                let x = self.num(a).await?;
                let y = self.num(b).await?;
                Value::Num(Self::arith(*op, x, y)?)
            }
            Expr::Cmp(op, a, b) => {
                let x = self.operand(a).await?;
                let y = self.operand(b).await?;
                let ord = compare(&x, &y, &self.convfmt);
                bool_val(match op {
                    CmpOp::Lt => ord.is_lt(),
                    CmpOp::Le => ord.is_le(),
                    CmpOp::Gt => ord.is_gt(),
                    CmpOp::Ge => ord.is_ge(),
                    CmpOp::Eq => ord.is_eq(),
                    CmpOp::Ne => ord.is_ne(),
                })
            }
            Expr::Concat(a, b) => {
                let x = self.operand(a).await?;
                let y = self.operand(b).await?;
                let (x, y) = (x.to_str(&self.convfmt), y.to_str(&self.convfmt));
                let mut s = Vec::with_capacity(x.len() + y.len());
                s.extend_from_slice(&x);
                s.extend_from_slice(&y);
                Value::Str(s.into())
            }
            Expr::Match(negated, a, re) => {
                let s = self.operand(a).await?;
                let re = self.regex_of(re).await?;
                bool_val(re.is_match(&s.to_str(&self.convfmt)) != *negated)
            }
            Expr::In(subs, v) => {
                let key = self.key(subs).await?;
                let arr = self.array(*v)?;
                let found = arr.borrow().contains(&key);
                bool_val(found)
            }
            Expr::PreIncr(d, lv) => {
                let place = self.place(lv).await?;
                let x = self.get_place(&place)?.to_num() + d;
                self.set_place(&place, Value::Num(x))?;
                Value::Num(x)
            }
            Expr::PostIncr(d, lv) => {
                let place = self.place(lv).await?;
                let x = self.get_place(&place)?.to_num();
                self.set_place(&place, Value::Num(x + d))?;
                Value::Num(x)
            }
            Expr::Call(f, args) => Box::pin(self.call(*f, args)).await?,
            Expr::Builtin(b, args) => Box::pin(self.builtin(*b, args)).await?,
            Expr::Getline(src, target) => Box::pin(self.getline(src, target.as_deref())).await?,
            Expr::Group(_) => {
                return fail("syntax error: a parenthesized list is only valid for print");
            }
            Expr::Num(_) | Expr::Str(_) | Expr::Regex(_) | Expr::Var(_) => Value::Uninit,
        })
    }

    pub(super) async fn call(&mut self, f: usize, args: &'p [Expr]) -> R<Value> {
        let prog = self.prog;
        let func = &prog.funcs[f];
        if args.len() > func.params {
            return fail(format!(
                "function `{}' called with more arguments than declared",
                func.name
            ));
        }
        if self.frames.len() >= MAX_CALL_DEPTH {
            return fail(format!("function `{}': calls nest too deeply", func.name));
        }
        let mut locals = Vec::with_capacity(func.params);
        for (i, a) in args.iter().enumerate() {
            let cell = match a {
                Expr::Var(v @ (Var::Global(_) | Var::Local(_)))
                    if self.is_array(*v) || (func.array_params[i] && self.is_unset(*v)) =>
                {
                    Cell::Arr(self.array(*v)?)
                }
                _ => Cell::Val(self.operand(a).await?),
            };
            locals.push(cell);
        }
        locals.resize(func.params, Cell::Val(Value::Uninit));
        self.frames.push(locals);
        let line = self.line;
        let r = self.exec(&func.body).await;
        self.frames.pop();
        match r {
            Ok(()) => {}
            Err(Flow::Return(v)) => {
                self.line = line;
                return Ok(v);
            }
            Err(Flow::Break | Flow::Continue) => return fail("break or continue outside a loop"),
            Err(e) => return Err(e),
        }
        self.line = line;
        Ok(Value::Uninit)
    }
}
