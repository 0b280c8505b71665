//! Turns awk source into tokens. A `/` starts a regular expression unless the token before it
//! ends an operand (then it divides), which is how every awk tells the two apart.

use super::ast::Builtin;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Newline,
    Eof,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Semi,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Not,
    Gt,
    Lt,
    Pipe,
    Question,
    Colon,
    Tilde,
    NoMatch,
    Dollar,
    Le,
    Ge,
    Eq,
    Ne,
    Incr,
    Decr,
    Append,
    And,
    Or,
    Assign,
    AddAssign,
    SubAssign,
    MulAssign,
    DivAssign,
    ModAssign,
    PowAssign,
    Begin,
    End,
    Function,
    If,
    Else,
    While,
    For,
    Do,
    Break,
    Continue,
    Next,
    NextFile,
    Exit,
    Return,
    Delete,
    In,
    Getline,
    Print,
    Printf,
    Number(f64),
    Str(Vec<u8>),
    Regex(Vec<u8>),
    Name(String),
    /// A name directly followed by `(`: a user function call.
    FuncName(String),
    Builtin(Builtin),
}

impl Tok {
    /// Whether this token can end an operand (so a following `/` divides).
    fn ends_operand(&self) -> bool {
        matches!(
            self,
            Tok::Name(_)
                | Tok::Number(_)
                | Tok::Str(_)
                | Tok::Regex(_)
                | Tok::RParen
                | Tok::RBracket
                | Tok::Dollar
                | Tok::Incr
                | Tok::Decr
                | Tok::Builtin(_)
        )
    }
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    /// 1-based line.
    pub line: u32,
    /// Byte offset in the source (for the caret under a syntax error).
    pub offset: usize,
}

/// A lexical or syntax error at a byte offset of the source.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub offset: usize,
    pub message: String,
}

fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "BEGIN" => Tok::Begin,
        "END" => Tok::End,
        "function" | "func" => Tok::Function,
        "if" => Tok::If,
        "else" => Tok::Else,
        "while" => Tok::While,
        "for" => Tok::For,
        "do" => Tok::Do,
        "break" => Tok::Break,
        "continue" => Tok::Continue,
        "next" => Tok::Next,
        "nextfile" => Tok::NextFile,
        "exit" => Tok::Exit,
        "return" => Tok::Return,
        "delete" => Tok::Delete,
        "in" => Tok::In,
        "getline" => Tok::Getline,
        "print" => Tok::Print,
        "printf" => Tok::Printf,
        _ => return Builtin::from_name(word).map(Tok::Builtin),
    })
}

/// Processes the escapes of a string literal (or a `-v` value): `\n`, `\t`, `\\`, `\"`,
/// `\/`, octal `\ddd`, hex `\xhh`; an unknown escape keeps its character, as gawk does.
pub(super) fn unescape(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len());
    let mut i = 0;
    while i < src.len() {
        if src[i] != b'\\' || i + 1 == src.len() {
            out.push(src[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = src[i];
        i += 1;
        match c {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'/' => out.push(b'/'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'\n' => {}
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                let mut n = 1;
                while n < 3 && i < src.len() && (b'0'..=b'7').contains(&src[i]) {
                    v = v * 8 + u32::from(src[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'x' if i < src.len() && src[i].is_ascii_hexdigit() => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i < src.len() && src[i].is_ascii_hexdigit() {
                    v = v * 16 + (src[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            _ => {
                // gawk keeps the backslash for regex-looking escapes in strings ("\." stays
                // "\." so the string still works as a dynamic regex).
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    out
}

pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, SyntaxError> {
    let s = src.as_bytes();
    let mut toks: Vec<Token> = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    while i < s.len() {
        let c = s[i];
        let start = i;
        let err = |message: &str| SyntaxError {
            offset: start,
            message: message.to_string(),
        };
        let tok = match c {
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'\\' if s.get(i + 1) == Some(&b'\n') => {
                i += 2;
                line += 1;
                continue;
            }
            b'\\' if s.get(i + 1) == Some(&b'\r') && s.get(i + 2) == Some(&b'\n') => {
                i += 3;
                line += 1;
                continue;
            }
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' => {
                i += 1;
                toks.push(Token {
                    tok: Tok::Newline,
                    line,
                    offset: start,
                });
                line += 1;
                continue;
            }
            b'"' => {
                i += 1;
                let body_start = i;
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' && i + 1 < s.len() {
                        if s[i + 1] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    } else if s[i] == b'\n' {
                        return Err(err("unterminated string"));
                    }
                    i += 1;
                }
                if i >= s.len() {
                    return Err(err("unterminated string"));
                }
                i += 1;
                Tok::Str(unescape(&s[body_start..i - 1]))
            }
            b'/' if !toks.last().is_some_and(|t| t.tok.ends_operand()) => {
                i += 1;
                let body_start = i;
                let mut in_bracket = false;
                while i < s.len() {
                    match s[i] {
                        b'\n' => return Err(err("unterminated regexp")),
                        b'\\' if i + 1 < s.len() => i += 1,
                        b'[' if !in_bracket => {
                            in_bracket = true;
                            // A `]` right after `[` or `[^` is a member, not the end.
                            if s.get(i + 1) == Some(&b'^') {
                                i += 1;
                            }
                            if s.get(i + 1) == Some(&b']') {
                                i += 1;
                            }
                        }
                        b'[' if s.get(i + 1) == Some(&b':') => {
                            if let Some(p) = s[i + 2..].windows(2).position(|w| w == b":]") {
                                i += p + 3;
                            }
                        }
                        b']' => in_bracket = false,
                        b'/' if !in_bracket => break,
                        _ => {}
                    }
                    i += 1;
                }
                if i >= s.len() {
                    return Err(err("unterminated regexp"));
                }
                i += 1;
                Tok::Regex(s[body_start..i - 1].to_vec())
            }
            b'0'..=b'9' | b'.' if c != b'.' || s.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                if c == b'0'
                    && matches!(s.get(i + 1), Some(b'x' | b'X'))
                    && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
                {
                    i += 2;
                    let hs = i;
                    while i < s.len() && s[i].is_ascii_hexdigit() {
                        i += 1;
                    }
                    let v = u64::from_str_radix(&src[hs..i], 16).unwrap_or(0);
                    Tok::Number(v as f64)
                } else {
                    while i < s.len() && s[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i < s.len() && s[i] == b'.' {
                        i += 1;
                        while i < s.len() && s[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
                        let mut j = i + 1;
                        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
                            j += 1;
                        }
                        if j < s.len() && s[j].is_ascii_digit() {
                            while j < s.len() && s[j].is_ascii_digit() {
                                j += 1;
                            }
                            i = j;
                        }
                    }
                    let text = &src[start..i];
                    // gawk reads a leading-zero integer of octal digits as octal (011 is 9).
                    let octal = text.len() > 1
                        && text.starts_with('0')
                        && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
                    if octal {
                        Tok::Number(u64::from_str_radix(text, 8).unwrap_or(0) as f64)
                    } else {
                        Tok::Number(text.parse().unwrap_or(0.0))
                    }
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                match keyword(word) {
                    Some(t) => t,
                    None if s.get(i) == Some(&b'(') => Tok::FuncName(word.to_string()),
                    None => Tok::Name(word.to_string()),
                }
            }
            _ => {
                let next = s.get(i + 1).copied();
                let next2 = s.get(i + 2).copied();
                let (tok, len) = match (c, next) {
                    (b'*', Some(b'*')) if next2 == Some(b'=') => (Tok::PowAssign, 3),
                    (b'*', Some(b'*')) => (Tok::Caret, 2),
                    (b'+', Some(b'+')) => (Tok::Incr, 2),
                    (b'-', Some(b'-')) => (Tok::Decr, 2),
                    (b'+', Some(b'=')) => (Tok::AddAssign, 2),
                    (b'-', Some(b'=')) => (Tok::SubAssign, 2),
                    (b'*', Some(b'=')) => (Tok::MulAssign, 2),
                    (b'/', Some(b'=')) => (Tok::DivAssign, 2),
                    (b'%', Some(b'=')) => (Tok::ModAssign, 2),
                    (b'^', Some(b'=')) => (Tok::PowAssign, 2),
                    (b'>', Some(b'=')) => (Tok::Ge, 2),
                    (b'<', Some(b'=')) => (Tok::Le, 2),
                    (b'=', Some(b'=')) => (Tok::Eq, 2),
                    (b'!', Some(b'=')) => (Tok::Ne, 2),
                    (b'!', Some(b'~')) => (Tok::NoMatch, 2),
                    (b'>', Some(b'>')) => (Tok::Append, 2),
                    (b'&', Some(b'&')) => (Tok::And, 2),
                    (b'|', Some(b'|')) => (Tok::Or, 2),
                    (b'{', _) => (Tok::LBrace, 1),
                    (b'}', _) => (Tok::RBrace, 1),
                    (b'(', _) => (Tok::LParen, 1),
                    (b')', _) => (Tok::RParen, 1),
                    (b'[', _) => (Tok::LBracket, 1),
                    (b']', _) => (Tok::RBracket, 1),
                    (b';', _) => (Tok::Semi, 1),
                    (b',', _) => (Tok::Comma, 1),
                    (b'+', _) => (Tok::Plus, 1),
                    (b'-', _) => (Tok::Minus, 1),
                    (b'*', _) => (Tok::Star, 1),
                    (b'/', _) => (Tok::Slash, 1),
                    (b'%', _) => (Tok::Percent, 1),
                    (b'^', _) => (Tok::Caret, 1),
                    (b'!', _) => (Tok::Not, 1),
                    (b'>', _) => (Tok::Gt, 1),
                    (b'<', _) => (Tok::Lt, 1),
                    (b'|', _) => (Tok::Pipe, 1),
                    (b'?', _) => (Tok::Question, 1),
                    (b':', _) => (Tok::Colon, 1),
                    (b'~', _) => (Tok::Tilde, 1),
                    (b'$', _) => (Tok::Dollar, 1),
                    (b'=', _) => (Tok::Assign, 1),
                    _ => {
                        let ch = src[i..].chars().next().unwrap_or('?');
                        return Err(err(&format!("invalid char '{ch}' in expression")));
                    }
                };
                i += len;
                tok
            }
        };
        toks.push(Token {
            tok,
            line,
            offset: start,
        });
    }
    toks.push(Token {
        tok: Tok::Eof,
        line,
        offset: s.len(),
    });
    Ok(toks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn slash_divides_after_an_operand() {
        assert_eq!(
            kinds("a / 2 / 3"),
            vec![
                Tok::Name("a".into()),
                Tok::Slash,
                Tok::Number(2.0),
                Tok::Slash,
                Tok::Number(3.0),
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("/a\\/b[/]/"),
            vec![Tok::Regex(b"a\\/b[/]".to_vec()), Tok::Eof]
        );
        assert_eq!(
            kinds("$1 ~ /x/"),
            vec![
                Tok::Dollar,
                Tok::Number(1.0),
                Tok::Tilde,
                Tok::Regex(b"x".to_vec()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn strings_and_calls() {
        assert_eq!(
            kinds(r#""a\tb\"""#),
            vec![Tok::Str(b"a\tb\"".to_vec()), Tok::Eof]
        );
        assert_eq!(kinds("f(x) g (y)")[0], Tok::FuncName("f".into()));
        assert_eq!(kinds("f(x) g (y)")[4], Tok::Name("g".into()));
        assert_eq!(unescape(b"a\\.b\\101"), b"a\\.bA");
    }
}
