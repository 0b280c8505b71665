//! The replacement of `s`: `&`, `\1`..`\9`, escapes, and GNU's case conversions
//! (`\U \L \E` for what follows, `\u \l` for the next character).

use regex::bytes::Captures;

use super::parse::control_escape;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Literal(Vec<u8>),
    /// `&` (0) or `\N`.
    Group(usize),
    Case(Case),
}

impl Piece {
    /// The group this piece refers to, if any.
    pub fn group(&self) -> Option<usize> {
        match self {
            Self::Group(n) => Some(*n),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    /// `\U`
    Upper,
    /// `\L`
    Lower,
    /// `\E`
    End,
    /// `\u`
    NextUpper,
    /// `\l`
    NextLower,
}

/// Parses the replacement text as written between the delimiters (`\delim` already undone).
pub(super) fn parse_replacement(text: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut lit = Vec::new();
    let mut chars = text.chars();
    let mut buf = [0u8; 4];
    let flush = |lit: &mut Vec<u8>, pieces: &mut Vec<Piece>| {
        if !lit.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(lit)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '&' => {
                flush(&mut lit, &mut pieces);
                pieces.push(Piece::Group(0));
            }
            '\\' => {
                let Some(e) = chars.next() else {
                    lit.push(b'\\');
                    break;
                };
                let case = match e {
                    'U' => Some(Case::Upper),
                    'L' => Some(Case::Lower),
                    'E' => Some(Case::End),
                    'u' => Some(Case::NextUpper),
                    'l' => Some(Case::NextLower),
                    _ => None,
                };
                if let Some(case) = case {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Case(case));
                } else if let Some(d) = e.to_digit(10) {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Group(d as usize));
                } else if let Some(byte) = numeric_escape(e, &mut chars) {
                    lit.push(byte);
                } else {
                    let plain = control_escape(e).unwrap_or(e);
                    lit.extend_from_slice(plain.encode_utf8(&mut buf).as_bytes());
                }
            }
            _ => lit.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    flush(&mut lit, &mut pieces);
    pieces
}

/// After `\x`, `\o` or `\d` (`kind`): the byte its digits give, consuming them.
fn numeric_escape(kind: char, chars: &mut std::str::Chars<'_>) -> Option<u8> {
    let (radix, max) = match kind {
        'x' => (16, 2),
        'o' => (8, 3),
        'd' => (10, 3),
        _ => return None,
    };
    let mut value: u32 = 0;
    let mut digits = 0;
    while digits < max {
        let mut ahead = chars.clone();
        let Some(d) = ahead.next().and_then(|c| c.to_digit(radix)) else {
            break;
        };
        *chars = ahead;
        value = value * radix + d;
        digits += 1;
    }
    if digits == 0 {
        return None;
    }
    u8::try_from(value).ok()
}

/// Whether any piece changes case (the common replacements take the fast path).
pub(super) fn has_case(pieces: &[Piece]) -> bool {
    pieces.iter().any(|p| matches!(p, Piece::Case(_)))
}

/// Appends the replacement for one match to `out`.
pub(super) fn expand(pieces: &[Piece], caps: &Captures<'_>, with_case: bool, out: &mut Vec<u8>) {
    if !with_case {
        for piece in pieces {
            match piece {
                Piece::Literal(l) => out.extend_from_slice(l),
                Piece::Group(n) => {
                    if let Some(m) = caps.get(*n) {
                        out.extend_from_slice(m.as_bytes());
                    }
                }
                Piece::Case(_) => {}
            }
        }
        return;
    }
    let mut conv = Converter::default();
    for piece in pieces {
        match piece {
            Piece::Literal(l) => conv.push(l, out),
            Piece::Group(n) => {
                if let Some(m) = caps.get(*n) {
                    conv.push(m.as_bytes(), out);
                }
            }
            Piece::Case(c) => conv.set(*c),
        }
    }
}

/// The case state while a replacement is expanded.
#[derive(Debug, Default)]
struct Converter {
    /// `Some(true)` upper, `Some(false)` lower, for everything that follows.
    span: Option<bool>,
    /// The same for the next character only.
    next: Option<bool>,
}

impl Converter {
    fn set(&mut self, case: Case) {
        match case {
            Case::Upper => {
                self.span = Some(true);
                self.next = None;
            }
            Case::Lower => {
                self.span = Some(false);
                self.next = None;
            }
            Case::End => {
                self.span = None;
                self.next = None;
            }
            Case::NextUpper => self.next = Some(true),
            Case::NextLower => self.next = Some(false),
        }
    }

    fn push(&mut self, text: &[u8], out: &mut Vec<u8>) {
        if text.is_empty() {
            return;
        }
        if self.span.is_none() && self.next.is_none() {
            out.extend_from_slice(text);
            return;
        }
        match std::str::from_utf8(text) {
            Ok(s) => {
                let mut buf = [0u8; 4];
                for c in s.chars() {
                    let upper = self.next.take().or(self.span);
                    match upper {
                        Some(true) => {
                            for u in c.to_uppercase() {
                                out.extend_from_slice(u.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                        Some(false) => {
                            for l in c.to_lowercase() {
                                out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                            }
                        }
                        None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
                    }
                }
            }
            // Not UTF-8: convert the ASCII letters only.
            Err(_) => {
                for &b in text {
                    out.push(match self.next.take().or(self.span) {
                        Some(true) => b.to_ascii_uppercase(),
                        Some(false) => b.to_ascii_lowercase(),
                        None => b,
                    });
                }
            }
        }
    }
}
