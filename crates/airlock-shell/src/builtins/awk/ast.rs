//! The parsed program. Variables are resolved to slots while parsing, so the interpreter
//! never looks a name up.

use std::rc::Rc;

use regex::bytes::Regex;

use super::value::Str;

/// Built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Builtin {
    Length,
    Substr,
    Index,
    Split,
    Sub,
    Gsub,
    Gensub,
    Match,
    Sprintf,
    Sin,
    Cos,
    Atan2,
    Exp,
    Log,
    Sqrt,
    Int,
    Rand,
    Srand,
    Tolower,
    Toupper,
    System,
    Close,
    Fflush,
    Systime,
    Asort,
    Asorti,
}

impl Builtin {
    pub(super) fn from_name(name: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match name {
            "length" => Length,
            "substr" => Substr,
            "index" => Index,
            "split" => Split,
            "sub" => Sub,
            "gsub" => Gsub,
            "gensub" => Gensub,
            "match" => Match,
            "sprintf" => Sprintf,
            "sin" => Sin,
            "cos" => Cos,
            "atan2" => Atan2,
            "exp" => Exp,
            "log" => Log,
            "sqrt" => Sqrt,
            "int" => Int,
            "rand" => Rand,
            "srand" => Srand,
            "tolower" => Tolower,
            "toupper" => Toupper,
            "system" => System,
            "close" => Close,
            "fflush" => Fflush,
            "systime" => Systime,
            "asort" => Asort,
            "asorti" => Asorti,
            _ => return None,
        })
    }

    /// The fewest and most arguments it takes.
    pub(super) fn arity(self) -> (usize, usize) {
        use Builtin::*;
        match self {
            Length => (0, 1),
            Substr => (2, 3),
            Index | Atan2 => (2, 2),
            Split => (2, 3),
            Sub | Gsub => (2, 3),
            Gensub => (3, 4),
            Match => (2, 3),
            Sprintf => (1, usize::MAX),
            Sin | Cos | Exp | Log | Sqrt | Int | Tolower | Toupper | System | Close => (1, 1),
            Rand | Systime => (0, 0),
            Srand | Fflush => (0, 1),
            Asort | Asorti => (1, 2),
        }
    }
}

/// Variables the interpreter keeps itself, because reading or setting them does more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Special {
    Nf,
    Nr,
    Fnr,
    Fs,
    Ofs,
    Ors,
    Rs,
    Subsep,
    Filename,
    Rstart,
    Rlength,
    Convfmt,
    Ofmt,
    Rt,
}

impl Special {
    pub(super) const ALL: [Special; 14] = [
        Special::Nf,
        Special::Nr,
        Special::Fnr,
        Special::Fs,
        Special::Ofs,
        Special::Ors,
        Special::Rs,
        Special::Subsep,
        Special::Filename,
        Special::Rstart,
        Special::Rlength,
        Special::Convfmt,
        Special::Ofmt,
        Special::Rt,
    ];

    pub(super) fn from_name(name: &str) -> Option<Special> {
        Special::ALL.into_iter().find(|s| s.name() == name)
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Special::Nf => "NF",
            Special::Nr => "NR",
            Special::Fnr => "FNR",
            Special::Fs => "FS",
            Special::Ofs => "OFS",
            Special::Ors => "ORS",
            Special::Rs => "RS",
            Special::Subsep => "SUBSEP",
            Special::Filename => "FILENAME",
            Special::Rstart => "RSTART",
            Special::Rlength => "RLENGTH",
            Special::Convfmt => "CONVFMT",
            Special::Ofmt => "OFMT",
            Special::Rt => "RT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Var {
    Global(usize),
    /// A function parameter (or extra parameter used as a local).
    Local(usize),
    Special(Special),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug)]
pub(super) enum LValue {
    Var(Var),
    Index(Var, Vec<Expr>),
    Field(Box<Expr>),
}

#[derive(Debug)]
pub(super) enum GetlineSrc {
    /// The main input (`getline`).
    Main,
    File(Box<Expr>),
    Cmd(Box<Expr>),
}

#[derive(Debug)]
pub(super) enum Expr {
    Num(f64),
    Str(Str),
    /// A regex literal: as a value it matches `$0`; as an argument of `~`, `split`, `sub`...
    /// it is the regex itself.
    Regex(Rc<Regex>),
    Var(Var),
    Field(Box<Expr>),
    Index(Var, Vec<Expr>),
    Assign(Box<LValue>, Box<Expr>),
    AugAssign(BinOp, Box<LValue>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    /// Unary plus: the value as a number.
    Pos(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    /// `a ~ b` (or `!~` when negated).
    Match(bool, Box<Expr>, Box<Expr>),
    In(Vec<Expr>, Var),
    /// `++x`/`--x` (+1/-1), returning the new value.
    PreIncr(f64, Box<LValue>),
    /// `x++`/`x--`, returning the old value.
    PostIncr(f64, Box<LValue>),
    Call(usize, Vec<Expr>),
    Builtin(Builtin, Vec<Expr>),
    Getline(GetlineSrc, Option<Box<LValue>>),
    /// `(a, b)`: only valid as the argument list of `print`/`printf`.
    Group(Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Redirect {
    Write,
    Append,
    Pipe,
}

#[derive(Debug)]
pub(super) enum StmtKind {
    Expr(Expr),
    Print(Vec<Expr>, Option<(Redirect, Expr)>),
    Printf(Vec<Expr>, Option<(Redirect, Expr)>),
    If(Expr, Block, Block),
    While(Expr, Block),
    Do(Block, Expr),
    For(Option<Expr>, Option<Expr>, Option<Expr>, Block),
    ForIn(Var, Var, Block),
    Block(Block),
    Next,
    NextFile,
    Exit(Option<Expr>),
    Return(Option<Expr>),
    Break,
    Continue,
    /// `delete a[k]`, or `delete a` (no subscripts).
    Delete(Var, Option<Vec<Expr>>),
}

#[derive(Debug)]
pub(super) struct Stmt {
    pub kind: StmtKind,
    pub line: u32,
}

pub(super) type Block = Vec<Stmt>;

#[derive(Debug)]
pub(super) enum Pattern {
    All,
    Expr(Expr),
    /// `p1, p2`; the index is the range's slot in the interpreter's on/off table.
    Range(Expr, Expr, usize),
}

#[derive(Debug)]
pub(super) struct Rule {
    pub pattern: Pattern,
    /// `None`: the default action, `print $0`.
    pub action: Option<Block>,
}

#[derive(Debug)]
pub(super) struct Func {
    pub name: String,
    pub params: usize,
    /// Which parameters the body uses as arrays (so an unset variable passed there becomes
    /// an array the caller sees).
    pub array_params: Vec<bool>,
    pub body: Block,
}

#[derive(Debug)]
pub(super) struct Program {
    pub begin: Vec<Block>,
    pub rules: Vec<Rule>,
    pub end: Vec<Block>,
    pub funcs: Vec<Func>,
    /// Global variable names, by slot.
    pub globals: Vec<String>,
    pub ranges: usize,
}
