//! The sed script language: text -> [`Program`], with GNU's error messages.

use std::rc::Rc;

use regex::bytes::{Regex, RegexBuilder};

use super::replace::{Piece, parse_replacement};
use crate::builtins::grep::regex_compat::{bre_to_rust, ere_to_rust};

/// A compiled script.
#[derive(Debug, Default)]
pub(super) struct Program {
    pub cmds: Vec<Command>,
    /// Files named by `w` commands and the `w` flag: created (emptied) before the run, as GNU.
    pub wfiles: Vec<String>,
    /// The script starts with `#n` on its own line: as `-n`.
    pub quiet: bool,
}

#[derive(Debug)]
pub(super) struct Command {
    pub a1: Option<Addr>,
    pub a2: Option<Addr2>,
    pub negate: bool,
    pub kind: Kind,
}

/// A regex in an address or `s`; `None` is the empty regex: the last one used.
pub(super) type Re = Option<Rc<Regex>>;

#[derive(Debug)]
pub(super) enum Addr {
    Line(u64),
    Last,
    Re(Re),
    /// `first~step`
    Step(u64, u64),
    /// `0` in `0,/re/`: the range is open before line 1.
    Zero,
}

#[derive(Debug)]
pub(super) enum Addr2 {
    Line(u64),
    Last,
    Re(Re),
    /// `addr1,+N`
    Plus(u64),
    /// `addr1,~N`: up to the next line that is a multiple of N.
    Multiple(u64),
}

#[derive(Debug)]
pub(super) enum Kind {
    /// `{`: where to go when the address does not match (after the matching `}`).
    Block(usize),
    EndBlock,
    Subst(Box<Subst>),
    Translate(Box<Translit>),
    /// `a`, `i`, `c` and their text (ending in a newline).
    Append(Vec<u8>),
    Insert(Vec<u8>),
    Change(Vec<u8>),
    /// `b`, `t`, `T`: the command index to go to (`None`: the end of the script).
    Branch(Option<usize>),
    BranchIfSub(Option<usize>),
    BranchUnlessSub(Option<usize>),
    Label,
    Print,
    PrintFirst,
    Delete,
    DeleteFirst,
    Next,
    AppendNext,
    Hold,
    HoldAppend,
    Get,
    GetAppend,
    Exchange,
    LineNumber,
    List(Option<usize>),
    Quit(i32),
    QuitSilent(i32),
    Zap,
    FileName,
    ReadFile(String),
    ReadLine(String),
    WriteFile(String),
    WriteFirst(String),
}

/// The map of `y`.
#[derive(Debug)]
pub(super) struct Translit {
    /// Byte to byte, when every character is ASCII (the usual case, and the fast one).
    pub ascii: Option<[u8; 256]>,
    pub pairs: Vec<(char, char)>,
}

impl Translit {
    fn new(pairs: Vec<(char, char)>) -> Self {
        let ascii = pairs
            .iter()
            .all(|(a, b)| a.is_ascii() && b.is_ascii())
            .then(|| {
                let mut table = [0u8; 256];
                for (i, slot) in table.iter_mut().enumerate() {
                    *slot = i as u8;
                }
                // The first mapping of a character wins, as in GNU.
                for &(a, b) in pairs.iter().rev() {
                    table[a as usize] = b as u8;
                }
                table
            });
        Self { ascii, pairs }
    }
}

#[derive(Debug)]
pub(super) struct Subst {
    pub re: Re,
    pub replacement: Vec<Piece>,
    pub global: bool,
    /// Replace the Nth match (1 by default; with `global`, the Nth and later).
    pub nth: usize,
    pub print: bool,
    pub write: Option<String>,
}

/// One piece of script text and where it came from, for error messages.
#[derive(Debug, Clone)]
pub(super) enum Origin {
    /// The Nth `-e` (or the script operand, #1).
    Expression(usize),
    /// A `-f` file.
    File(String),
}

/// How to read regexes.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Dialect {
    pub extended: bool,
    /// `--sandbox`: no `r`, `w` or `R`/`W`.
    pub sandbox: bool,
}

/// Parses `pieces` (joined by newlines, as GNU does with several `-e`).
pub(super) fn parse(pieces: &[(Origin, String)], dialect: Dialect) -> Result<Program, String> {
    let mut text = String::new();
    let mut starts = Vec::with_capacity(pieces.len());
    for (i, (_, piece)) in pieces.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        starts.push(text.chars().count());
        text.push_str(piece);
    }
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        dialect,
        prog: Program::default(),
        blocks: Vec::new(),
        labels: Vec::new(),
        jumps: Vec::new(),
        seen_regex: false,
    };
    p.prog.quiet = text.starts_with("#n\n") || text == "#n";
    match p.program() {
        Ok(()) => Ok(p.prog),
        Err(e) => Err(match e {
            Fail::At(pos, msg) => locate(pieces, &starts, &p.chars, pos, &msg),
            Fail::Plain(msg) => msg,
        }),
    }
}

/// GNU's prefix: `-e expression #2, char 5: ` or `file x.sed line 3: `.
fn locate(
    pieces: &[(Origin, String)],
    starts: &[usize],
    chars: &[char],
    pos: usize,
    msg: &str,
) -> String {
    let index = starts.iter().rposition(|&s| s <= pos).unwrap_or(0);
    let start = starts.get(index).copied().unwrap_or(0);
    match pieces.get(index).map(|p| &p.0) {
        Some(Origin::File(name)) => {
            let upto = pos.min(chars.len());
            let line = 1 + chars[start..upto].iter().filter(|&&c| c == '\n').count();
            format!("file {name} line {line}: {msg}")
        }
        Some(Origin::Expression(n)) => {
            format!("-e expression #{n}, char {}: {msg}", pos - start)
        }
        None => format!("-e expression #1, char {pos}: {msg}"),
    }
}

enum Fail {
    /// An error at a character position of the script.
    At(usize, String),
    /// An error without a position (a missing label).
    Plain(String),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    dialect: Dialect,
    prog: Program,
    /// Indices of the open `{`.
    blocks: Vec<usize>,
    /// Label names and the command index they stand before.
    labels: Vec<(String, usize)>,
    /// Branch commands waiting for their label to be resolved.
    jumps: Vec<(usize, String)>,
    /// Whether a regex was seen: an empty regex before any is an error.
    seen_regex: bool,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, Fail> {
        Err(Fail::At(self.pos, msg.into()))
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(|c| c == ' ' || c == '\t') {
            self.pos += 1;
        }
    }

    fn program(&mut self) -> Result<(), Fail> {
        loop {
            while self.peek().is_some_and(|c| c.is_whitespace() || c == ';') {
                self.pos += 1;
            }
            let Some(c) = self.peek() else {
                break;
            };
            if c == '#' {
                while self.next().is_some_and(|c| c != '\n') {}
                continue;
            }
            self.command()?;
        }
        if !self.blocks.is_empty() {
            return Err(Fail::At(0, "unmatched `{'".to_string()));
        }
        for (at, label) in std::mem::take(&mut self.jumps) {
            let Some(&(_, target)) = self.labels.iter().find(|(l, _)| *l == label) else {
                return Err(Fail::Plain(format!(
                    "can't find label for jump to `{label}'"
                )));
            };
            match &mut self.prog.cmds[at].kind {
                Kind::Branch(t) | Kind::BranchIfSub(t) | Kind::BranchUnlessSub(t) => {
                    *t = Some(target);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<(), Fail> {
        let a1 = self.address()?;
        let mut a2 = None;
        if a1.is_some() {
            self.skip_spaces();
            if self.peek() == Some(',') {
                self.pos += 1;
                self.skip_spaces();
                a2 = Some(self.address2()?);
            }
        }
        self.skip_spaces();
        let mut negate = false;
        while self.peek() == Some('!') {
            self.pos += 1;
            negate = true;
            self.skip_spaces();
        }
        let Some(c) = self.next() else {
            return self.fail("missing command");
        };
        if matches!(a1, Some(Addr::Zero)) && !matches!(a2, Some(Addr2::Re(_))) {
            return self.fail("invalid usage of line address 0");
        }
        let addresses = usize::from(a1.is_some()) + usize::from(a2.is_some());
        let index = self.prog.cmds.len();
        let kind = match c {
            '{' => {
                self.blocks.push(index);
                Kind::Block(0)
            }
            '}' => {
                if addresses > 0 {
                    return self.fail("} doesn't want any addresses");
                }
                let Some(open) = self.blocks.pop() else {
                    return self.fail("unexpected `}'");
                };
                self.prog.cmds[open].kind = Kind::Block(index + 1);
                self.end_of_command()?;
                Kind::EndBlock
            }
            ':' => {
                if addresses > 0 {
                    return self.fail(": doesn't want any addresses");
                }
                self.skip_spaces();
                let label = self.label();
                if label.is_empty() {
                    return self.fail("\":\" lacks a label");
                }
                self.labels.push((label, index));
                Kind::Label
            }
            'b' | 't' | 'T' => {
                self.skip_spaces();
                let label = self.label();
                if !label.is_empty() {
                    self.jumps.push((index, label));
                }
                self.end_of_command()?;
                match c {
                    'b' => Kind::Branch(None),
                    't' => Kind::BranchIfSub(None),
                    _ => Kind::BranchUnlessSub(None),
                }
            }
            'a' | 'i' | 'c' => {
                let text = self.text()?;
                match c {
                    'a' => Kind::Append(text),
                    'i' => Kind::Insert(text),
                    _ => Kind::Change(text),
                }
            }
            's' => Kind::Subst(Box::new(self.substitute()?)),
            'y' => Kind::Translate(Box::new(Translit::new(self.translate()?))),
            'q' | 'Q' => {
                if addresses > 1 {
                    return self.fail("command only uses one address");
                }
                self.skip_spaces();
                let code = self.number().unwrap_or(0);
                self.end_of_command()?;
                let code = i32::try_from(code).unwrap_or(i32::MAX);
                if c == 'q' {
                    Kind::Quit(code)
                } else {
                    Kind::QuitSilent(code)
                }
            }
            'l' => {
                self.skip_spaces();
                let width = self
                    .number()
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX));
                self.end_of_command()?;
                Kind::List(width)
            }
            'r' | 'R' | 'w' | 'W' => {
                if self.dialect.sandbox {
                    return self.fail("e/r/w commands disabled in sandbox mode");
                }
                let name = self.file_name()?;
                match c {
                    'r' => Kind::ReadFile(name),
                    'R' => Kind::ReadLine(name),
                    'w' => {
                        self.prog.wfiles.push(name.clone());
                        Kind::WriteFile(name)
                    }
                    _ => {
                        self.prog.wfiles.push(name.clone());
                        Kind::WriteFirst(name)
                    }
                }
            }
            'e' => return self.fail("the `e' command (run a shell command) is not supported"),
            'v' => {
                // GNU's version check: the optional version needs nothing from us.
                self.skip_spaces();
                self.label();
                self.end_of_command()?;
                Kind::Label
            }
            _ => {
                let kind = match c {
                    '=' => Kind::LineNumber,
                    'd' => Kind::Delete,
                    'D' => Kind::DeleteFirst,
                    'g' => Kind::Get,
                    'G' => Kind::GetAppend,
                    'h' => Kind::Hold,
                    'H' => Kind::HoldAppend,
                    'n' => Kind::Next,
                    'N' => Kind::AppendNext,
                    'p' => Kind::Print,
                    'P' => Kind::PrintFirst,
                    'x' => Kind::Exchange,
                    'z' => Kind::Zap,
                    'F' => Kind::FileName,
                    _ => return self.fail(format!("unknown command: `{c}'")),
                };
                self.end_of_command()?;
                kind
            }
        };
        self.prog.cmds.push(Command {
            a1,
            a2,
            negate,
            kind,
        });
        Ok(())
    }

    /// After a command: spaces, then `;`, a newline, `#`, `}` or the end.
    fn end_of_command(&mut self) -> Result<(), Fail> {
        self.skip_spaces();
        match self.peek() {
            None | Some('}' | '#') => Ok(()),
            Some(';' | '\n' | '\r') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => {
                self.pos += 1;
                self.fail("extra characters after command")
            }
        }
    }

    fn number(&mut self) -> Option<u64> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        Some(digits.parse().unwrap_or(u64::MAX))
    }

    fn label(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| !matches!(c, ';' | '\n' | '}') && !c.is_whitespace())
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// The file name of `r`/`w`: the rest of the line.
    fn file_name(&mut self) -> Result<String, Fail> {
        self.skip_spaces();
        let start = self.pos;
        while self.peek().is_some_and(|c| c != '\n') {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if name.is_empty() {
            return self.fail("missing filename in r/R/w/W commands");
        }
        Ok(name)
    }

    fn address(&mut self) -> Result<Option<Addr>, Fail> {
        let Some(c) = self.peek() else {
            return Ok(None);
        };
        if c.is_ascii_digit() {
            let n = self.number().unwrap_or(0);
            if self.peek() == Some('~') {
                self.pos += 1;
                let step = self.number().unwrap_or(0);
                return Ok(Some(if n == 0 && step == 0 {
                    Addr::Zero
                } else {
                    Addr::Step(n, step)
                }));
            }
            return Ok(Some(if n == 0 { Addr::Zero } else { Addr::Line(n) }));
        }
        if c == '$' {
            self.pos += 1;
            return Ok(Some(Addr::Last));
        }
        if c == '/' || c == '\\' {
            return Ok(Some(Addr::Re(self.address_regex()?)));
        }
        Ok(None)
    }

    fn address2(&mut self) -> Result<Addr2, Fail> {
        match self.peek() {
            Some('+') | Some('~') => {
                let c = self.next();
                let Some(n) = self.number() else {
                    return self.fail("expected number after `+' or `~'");
                };
                Ok(if c == Some('+') {
                    Addr2::Plus(n)
                } else {
                    Addr2::Multiple(n)
                })
            }
            Some(d) if d.is_ascii_digit() => Ok(Addr2::Line(self.number().unwrap_or(0))),
            Some('$') => {
                self.pos += 1;
                Ok(Addr2::Last)
            }
            Some('/' | '\\') => Ok(Addr2::Re(self.address_regex()?)),
            _ => self.fail("unexpected `,'"),
        }
    }

    /// `/re/` or `\cREc`, then its `I` and `M` flags.
    fn address_regex(&mut self) -> Result<Re, Fail> {
        let mut delim = self.next().unwrap_or('/');
        if delim == '\\' {
            let Some(d) = self.next() else {
                return self.fail("unexpected end of address");
            };
            delim = d;
        }
        let Some(pattern) = self.delimited(delim, true) else {
            return self.fail("unterminated address regex");
        };
        let (mut icase, mut multi) = (false, false);
        loop {
            match self.peek() {
                Some('I') => icase = true,
                Some('M') => multi = true,
                _ => break,
            }
            self.pos += 1;
        }
        self.regex(&pattern, icase, multi)
    }

    /// The text up to an unescaped `delim`, consuming it; `\delim` becomes `delim` and, in a
    /// regex, `\n` stays for the translator while in other parts it becomes a newline.
    fn delimited(&mut self, delim: char, regex: bool) -> Option<String> {
        let mut out = String::new();
        loop {
            let c = self.next()?;
            if c == delim {
                return Some(out);
            }
            if c == '\n' && regex {
                return None;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.next()?;
            if e == delim {
                out.push(e);
            } else if e == '\n' {
                out.push('\n');
            } else if let Some(byte) = self.numeric_escape(e) {
                // GNU puts the character in raw: `\x2e` is `.`, any character.
                out.push(char::from(byte));
            } else {
                out.push('\\');
                out.push(e);
            }
        }
    }

    fn regex(&mut self, pattern: &str, icase: bool, multi: bool) -> Result<Re, Fail> {
        if pattern.is_empty() {
            if !self.seen_regex {
                return self.fail("no previous regular expression");
            }
            return Ok(None);
        }
        self.seen_regex = true;
        let translated = if self.dialect.extended {
            ere_to_rust(pattern)
        } else {
            bre_to_rust(pattern)
        };
        let translated = match translated {
            Ok(t) => t,
            Err(e) => return self.fail(e),
        };
        match RegexBuilder::new(&translated)
            .dot_matches_new_line(!multi)
            .multi_line(multi)
            .case_insensitive(icase)
            .build()
        {
            Ok(re) => Ok(Some(Rc::new(re))),
            Err(e) => {
                let text = e.to_string();
                let last = text
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                self.fail(last.trim_start_matches("error: ").to_string())
            }
        }
    }

    fn substitute(&mut self) -> Result<Subst, Fail> {
        let unterminated = "unterminated `s' command";
        let Some(delim) = self.next().filter(|&d| d != '\n' && d != '\\') else {
            return self.fail(unterminated);
        };
        let Some(pattern) = self.delimited(delim, true) else {
            return self.fail(unterminated);
        };
        let Some(replacement) = self.replacement_text(delim) else {
            return self.fail(unterminated);
        };
        let mut s = Subst {
            re: None,
            replacement: Vec::new(),
            global: false,
            nth: 1,
            print: false,
            write: None,
        };
        let (mut icase, mut multi) = (false, false);
        let mut nth_given = false;
        loop {
            match self.peek() {
                Some(f @ ('g' | 'p')) => {
                    let seen = if f == 'g' {
                        &mut s.global
                    } else {
                        &mut s.print
                    };
                    if *seen {
                        self.pos += 1;
                        return self.fail(format!("multiple `{f}' options to `s' command"));
                    }
                    *seen = true;
                }
                Some('i' | 'I') => icase = true,
                Some('m' | 'M') => multi = true,
                Some('e') => {
                    self.pos += 1;
                    return self.fail("the `e' flag (run a shell command) is not supported");
                }
                Some(d) if d.is_ascii_digit() => {
                    let n = self.number().unwrap_or(0);
                    if n == 0 {
                        return self.fail("number option to `s' command may not be zero");
                    }
                    if nth_given {
                        return self.fail("multiple number options to `s' command");
                    }
                    nth_given = true;
                    s.nth = usize::try_from(n).unwrap_or(usize::MAX);
                    continue;
                }
                Some('w') => {
                    self.pos += 1;
                    if self.dialect.sandbox {
                        return self.fail("e/r/w commands disabled in sandbox mode");
                    }
                    let name = self.file_name()?;
                    self.prog.wfiles.push(name.clone());
                    s.write = Some(name);
                    break;
                }
                None | Some(';' | '\n' | '\r' | '}' | '#' | ' ' | '\t') => {
                    self.end_of_command()?;
                    break;
                }
                Some(_) => {
                    self.pos += 1;
                    return self.fail("unknown option to `s'");
                }
            }
            self.pos += 1;
        }
        s.re = self.regex(&pattern, icase, multi)?;
        s.replacement = parse_replacement(&replacement);
        if let Some(re) = &s.re {
            let groups = re.captures_len() - 1;
            let max = s
                .replacement
                .iter()
                .filter_map(Piece::group)
                .max()
                .unwrap_or(0);
            if max > groups {
                return self.fail(format!("invalid reference \\{max} on `s' command's RHS"));
            }
        }
        Ok(s)
    }

    /// The replacement of `s`, escapes kept (for [`parse_replacement`]) except `\delim`.
    fn replacement_text(&mut self, delim: char) -> Option<String> {
        let mut out = String::new();
        loop {
            let c = self.next()?;
            if c == delim {
                return Some(out);
            }
            if c == '\n' {
                return None;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.next()?;
            if e == delim && e != '&' {
                out.push(e);
            } else {
                out.push('\\');
                out.push(e);
            }
        }
    }

    fn translate(&mut self) -> Result<Vec<(char, char)>, Fail> {
        let unterminated = "unterminated `y' command";
        let Some(delim) = self.next().filter(|&d| d != '\n' && d != '\\') else {
            return self.fail(unterminated);
        };
        let mut sides = [Vec::new(), Vec::new()];
        for side in &mut sides {
            loop {
                let Some(c) = self.next() else {
                    return self.fail(unterminated);
                };
                if c == delim {
                    break;
                }
                if c != '\\' {
                    side.push(c);
                    continue;
                }
                match self.next() {
                    Some('n') => side.push('\n'),
                    Some('t') => side.push('\t'),
                    Some('\\') => side.push('\\'),
                    Some(e) if e == delim => side.push(e),
                    Some('\n') => side.push('\n'),
                    _ => return self.fail("unknown option to `y'"),
                }
            }
        }
        let [from, to] = sides;
        if from.len() != to.len() {
            return self.fail("strings for `y' command are different lengths");
        }
        self.end_of_command()?;
        Ok(from.into_iter().zip(to).collect())
    }

    /// The text of `a`, `i`, `c`: `a text`, `a\` + newline + lines, or `a\text`. A backslash
    /// before a newline continues the text; before another character it is dropped.
    fn text(&mut self) -> Result<Vec<u8>, Fail> {
        self.skip_spaces();
        match self.peek() {
            None | Some('\n') => return self.fail("expected \\ after `a', `c' or `i'"),
            Some('\\') => {
                self.pos += 1;
                self.skip_spaces_if_newline_follows();
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
            }
            Some(_) => {}
        }
        let mut text = String::new();
        let mut ended = true;
        while let Some(c) = self.next() {
            match c {
                '\n' => {
                    ended = false;
                    break;
                }
                '\\' => match self.next() {
                    Some(e) => match self.numeric_escape(e) {
                        Some(byte) => text.push(char::from(byte)),
                        None => text.push(control_escape(e).unwrap_or(e)),
                    },
                    None => break,
                },
                _ => text.push(c),
            }
        }
        // `c\` with nothing after it: GNU prints nothing at all, not an empty line.
        if !(ended && text.is_empty()) {
            text.push('\n');
        }
        Ok(text.into_bytes())
    }

    /// After `\x`, `\o` or `\d` (`kind`): the byte its digits give (`\x41` is `A`), consuming
    /// them; `None` if `kind` is not one or no digit follows.
    fn numeric_escape(&mut self, kind: char) -> Option<u8> {
        let (radix, max) = match kind {
            'x' => (16, 2),
            'o' => (8, 3),
            'd' => (10, 3),
            _ => return None,
        };
        let mut value: u32 = 0;
        let mut digits = 0;
        while digits < max {
            let Some(d) = self.peek().and_then(|c| c.to_digit(radix)) else {
                break;
            };
            value = value * radix + d;
            digits += 1;
            self.pos += 1;
        }
        if digits == 0 {
            return None;
        }
        u8::try_from(value).ok()
    }

    /// `a\   ` + newline: spaces between the backslash and the newline do not count.
    fn skip_spaces_if_newline_follows(&mut self) {
        let mut i = self.pos;
        while self.chars.get(i).is_some_and(|&c| c == ' ' || c == '\t') {
            i += 1;
        }
        if self.chars.get(i) == Some(&'\n') {
            self.pos = i;
        }
    }
}

/// The character of `\a \f \n \r \t \v` (GNU's escapes in text and replacements).
pub(super) fn control_escape(c: char) -> Option<char> {
    Some(match c {
        'a' => '\x07',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        _ => return None,
    })
}
