//! jq's error messages from jaq's errors: compile errors (`jq: error: syntax error, ... at
//! <top-level>, line 1:` then `jq: 1 compile error`) and runtime errors (`Cannot index number
//! with "a"`, `Cannot iterate over null (null)`, `number (1) and string ("a") cannot be added`).
//!
//! jaq builds its runtime messages from text and values (`cannot index 1 with "a"`) without
//! exposing the parts, so they are taken apart again here: a split is accepted only where
//! both sides read back as values.

use jaq_core::compile::Undefined;
use jaq_core::load;
use jaq_json::Val;

use super::feed::{Feed, Next};
use super::filter::offset_in;
use super::value::{V, describe, kind};
use super::write;

/// jq's report of load (syntax) errors in `code`.
pub(super) fn load_errors(code: &str, errs: load::Errors<&str, ()>) -> String {
    let mut report = Report::new(code);
    for (_file, err) in errs {
        match err {
            load::Error::Io(items) => {
                for (path, msg) in items {
                    report.add(&format!("{msg}: {path}"), None);
                }
            }
            load::Error::Lex(items) => {
                for (expect, at) in items {
                    report.syntax(at, expect.as_str());
                }
            }
            load::Error::Parse(items) => {
                for (expect, at) in items {
                    report.syntax(at, expect.as_str());
                }
            }
        }
    }
    report.finish()
}

/// jq's report of undefined names.
pub(super) fn compile_errors(code: &str, errs: jaq_core::compile::Errors<&str, ()>) -> String {
    let mut report = Report::new(code);
    for (_file, items) in errs {
        for (name, undefined) in items {
            let what = match undefined {
                Undefined::Filter(arity) => format!("{name}/{arity}"),
                Undefined::Var if name.starts_with('$') => name.to_string(),
                Undefined::Var => format!("${name}"),
                Undefined::Label => format!("$*label-{name}"),
                Undefined::Mod => format!("module {name}"),
                _ => name.to_string(),
            };
            report.add(&format!("{what} is not defined"), Some(name));
        }
    }
    report.finish()
}

struct Report<'a> {
    code: &'a str,
    text: String,
    count: usize,
}

impl<'a> Report<'a> {
    fn new(code: &'a str) -> Self {
        Self {
            code,
            text: String::new(),
            count: 0,
        }
    }

    fn syntax(&mut self, at: &str, expected: &str) {
        let found = match first_token(at) {
            "" => "end of file".to_string(),
            t => format!("'{t}'"),
        };
        self.add(
            &format!(
                "syntax error, unexpected {found}, expecting {expected} (Unix shell quoting issues?)"
            ),
            Some(at),
        );
    }

    /// One error, located at the slice `at` of the program.
    fn add(&mut self, message: &str, at: Option<&str>) {
        self.count += 1;
        let offset = at.and_then(|at| offset_in(self.code, at));
        let line = offset.map_or(1, |o| 1 + self.code[..o].matches('\n').count());
        let source = self.code.lines().nth(line - 1).unwrap_or(self.code);
        self.text.push_str(&format!(
            "jq: error: {message} at <top-level>, line {line}:\n{source}\n"
        ));
    }

    fn finish(mut self) -> String {
        let plural = if self.count == 1 { "" } else { "s" };
        self.text.push_str(&format!(
            "jq: {} compile error{plural}\n",
            self.count.max(1)
        ));
        self.text
    }
}

/// The token at the start of `rest` (a word or number, else one character).
fn first_token(rest: &str) -> &str {
    let rest = rest.trim_start();
    let word = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '@'))
        .unwrap_or(rest.len());
    match word {
        0 => rest.char_indices().nth(1).map_or(rest, |(i, _)| &rest[..i]),
        n => &rest[..n],
    }
}

/// What follows `jq: error (at <stdin>:N)` for a runtime error: `: message`, or for an error
/// value that is not a string ` (not a string): {"a":1}`.
pub(super) fn runtime(err: jaq_core::Error<V>) -> String {
    match err.into_val().0 {
        Val::TStr(s) | Val::BStr(s) => format!(": {}", jq_message(&String::from_utf8_lossy(&s))),
        other => format!(
            " (not a string): {}",
            String::from_utf8_lossy(&write::compact(&other))
        ),
    }
}

/// jq's wording of one of jaq's messages; other messages pass unchanged.
pub(super) fn jq_message(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("cannot index ")
        && let Some((l, r)) = split_values(rest, " with ")
    {
        return match r {
            Val::TStr(s) | Val::BStr(s) => format!(
                "Cannot index {} with \"{}\"",
                kind(&l),
                String::from_utf8_lossy(&s)
            ),
            r => format!("Cannot index {} with {}", kind(&l), kind(&r)),
        };
    }
    if let Some(rest) = msg.strip_prefix("cannot use ")
        && let Some((at, _)) = rest.rmatch_indices(" as ").next()
        && let Some(v) = value(&rest[..at])
    {
        let typ = &rest[at + 4..];
        return if typ.starts_with("iterable") {
            format!("Cannot iterate over {}", describe(&v))
        } else if typ.starts_with("rangeable") {
            format!("Cannot index {} with object", kind(&v))
        } else {
            format!("{} {typ} required", describe(&v))
        };
    }
    if let Some(rest) = msg.strip_prefix("cannot calculate ") {
        for (op, verb) in [
            (" + ", "added"),
            (" - ", "subtracted"),
            (" * ", "multiplied"),
            (" / ", "divided"),
            (" % ", "divided"),
        ] {
            if let Some((l, r)) = split_values(rest, op) {
                let zero = op == " % " && matches!(&r, Val::Num(n) if n.to_string() == "0");
                let why = if zero {
                    " because the divisor is zero"
                } else {
                    ""
                };
                return format!(
                    "{} and {} cannot be {verb}{why}",
                    describe(&l),
                    describe(&r)
                );
            }
        }
    }
    if let Some(v) = msg.strip_suffix(" has no length").and_then(value) {
        return format!("{} has no length", describe(&v));
    }
    if let Some(v) = msg
        .strip_prefix("invalid path expression with input ")
        .and_then(value)
    {
        return format!(
            "Invalid path expression with result {}",
            truncated(&write::compact(&v))
        );
    }
    msg.to_string()
}

/// `text` split at an occurrence of `sep` where both sides are values.
fn split_values(text: &str, sep: &str) -> Option<(Val, Val)> {
    text.match_indices(sep).find_map(|(at, _)| {
        let l = value(&text[..at])?;
        let r = value(&text[at + sep.len()..])?;
        Some((l, r))
    })
}

/// The single value `text` holds (in jaq's printing, which jaq-json reads back).
fn value(text: &str) -> Option<Val> {
    let mut feed = Feed::new(false);
    feed.push_file("", Ok(text.as_bytes().to_vec()));
    let Next::Value(v) = feed.next() else {
        return None;
    };
    matches!(feed.next(), Next::End).then_some(v)
}

/// A value's JSON cut as jq cuts it in messages: at most 11 bytes, then `...`.
pub(super) fn truncated(json: &[u8]) -> String {
    let text = String::from_utf8_lossy(json);
    if text.len() <= 14 {
        return text.into_owned();
    }
    let mut end = 11;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jaq_messages_read_like_jq() {
        let cases = [
            (
                r#"cannot index 1 with "a""#,
                r#"Cannot index number with "a""#,
            ),
            (
                r#"cannot index {"a":1} with 0"#,
                "Cannot index object with number",
            ),
            (
                r#"cannot use "a with b" as iterable (array or object)"#,
                r#"Cannot iterate over string ("a with b")"#,
            ),
            (
                r#"cannot calculate [1,2,3,4,5,6,7,8] + "x""#,
                r#"array ([1,2,3,4,5,...) and string ("x") cannot be added"#,
            ),
            (
                "cannot calculate 1 % 0",
                "number (1) and number (0) cannot be divided because the divisor is zero",
            ),
            ("true has no length", "boolean (true) has no length"),
            ("my own message", "my own message"),
        ];
        for (jaq, jq) in cases {
            assert_eq!(jq_message(jaq), jq, "{jaq}");
        }
    }
}
