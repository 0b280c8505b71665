//! What grep looks for: one literal (searched with `memmem`) or a regular expression built from
//! every pattern, searched over a whole block of lines at once.

use memchr::memmem;
use regex::bytes::{Regex, RegexBuilder};

use super::regex_compat::{bre_to_rust, ere_to_rust};

/// How patterns are read (`-G`, `-E`, `-F`, `-P`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Basic,
    Extended,
    Fixed,
    /// `-P`: the `regex` crate's own syntax, close to PCRE without look-around.
    Perl,
}

/// Options that change what a match is.
#[derive(Debug, Clone, Copy)]
pub(super) struct MatchOptions {
    pub syntax: Syntax,
    pub ignore_case: bool,
    pub word: bool,
    pub line: bool,
    /// The line terminator (`\n`, or NUL with `-z`).
    pub eol: u8,
}

#[derive(Debug)]
pub(super) enum Matcher {
    /// No patterns at all (`-f /dev/null`): nothing matches.
    Nothing,
    Literal(Box<memmem::Finder<'static>>),
    Regex(Regex),
}

/// Characters that make a BRE or ERE more than a literal.
const SPECIAL: &[u8] = b"\\.[]*^$+?(){}|";

impl Matcher {
    /// Compiles `patterns`; the error is GNU's wording where we have it.
    pub fn new(patterns: &[String], o: MatchOptions) -> Result<Self, String> {
        if patterns.is_empty() {
            return Ok(Self::Nothing);
        }
        if let [one] = patterns {
            let plain = match o.syntax {
                Syntax::Fixed => true,
                Syntax::Basic | Syntax::Extended => !one.bytes().any(|b| SPECIAL.contains(&b)),
                Syntax::Perl => false,
            };
            if plain && !o.ignore_case && !o.word && !o.line {
                let finder = memmem::Finder::new(one.as_bytes()).into_owned();
                return Ok(Self::Literal(Box::new(finder)));
            }
        }
        let mut alternatives = Vec::with_capacity(patterns.len());
        for p in patterns {
            alternatives.push(match o.syntax {
                Syntax::Basic => bre_to_rust(p)?,
                Syntax::Extended => ere_to_rust(p)?,
                Syntax::Fixed => regex::escape(p),
                Syntax::Perl => p.clone(),
            });
        }
        let mut body = if let [one] = alternatives.as_slice() {
            one.clone()
        } else {
            let wrapped: Vec<String> = alternatives.iter().map(|a| format!("(?:{a})")).collect();
            wrapped.join("|")
        };
        if o.line {
            body = format!("^(?:{body})$");
        } else if o.word {
            // GNU -w: no word character just before or just after the match.
            body = format!(r"\b{{start-half}}(?:{body})\b{{end-half}}");
        }
        RegexBuilder::new(&body)
            .multi_line(true)
            .line_terminator(o.eol)
            .case_insensitive(o.ignore_case)
            .build()
            .map(Self::Regex)
            .map_err(|e| regex_error(&e))
    }

    /// The first match in `hay` at or after `at` (the search sees the text before `at`, so `^`
    /// still means a line start).
    pub fn find_at(&self, hay: &[u8], at: usize) -> Option<(usize, usize)> {
        match self {
            Self::Nothing => None,
            Self::Literal(f) => f
                .find(&hay[at..])
                .map(|i| (at + i, at + i + f.needle().len())),
            Self::Regex(re) => re.find_at(hay, at).map(|m| (m.start(), m.end())),
        }
    }

    /// Whether one line (without its terminator) matches.
    pub fn is_match(&self, line: &[u8]) -> bool {
        match self {
            Self::Nothing => false,
            Self::Literal(f) => f.find(line).is_some(),
            Self::Regex(re) => re.is_match(line),
        }
    }

    /// The non-empty matches in one line, for `-o`.
    pub fn matches(&self, line: &[u8]) -> Vec<(usize, usize)> {
        match self {
            Self::Nothing => Vec::new(),
            Self::Literal(f) if f.needle().is_empty() => Vec::new(),
            Self::Literal(f) => {
                let n = f.needle().len();
                f.find_iter(line).map(|i| (i, i + n)).collect()
            }
            Self::Regex(re) => re
                .find_iter(line)
                .filter(|m| !m.is_empty())
                .map(|m| (m.start(), m.end()))
                .collect(),
        }
    }
}

/// The `regex` crate's error, cut to its last line (the first lines repeat the pattern).
fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => "regular expression is too big".to_string(),
        _ => {
            let text = e.to_string();
            let last = text.lines().rev().find(|l| !l.trim().is_empty());
            last.unwrap_or("invalid regular expression")
                .trim_start_matches("error: ")
                .to_string()
        }
    }
}
