//! Why a policy could not be compiled, pointing at the line that says so.

use std::fmt;
use std::ops::Range;

/// What is wrong with a policy. Match on it; the message says the details.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The text is not valid TOML, has an unknown key, or a value of the wrong type.
    Syntax,
    /// A `tools` pattern is malformed: empty, an empty segment (`a//b`), or `**`
    /// not standing as a whole segment (`***`, `a**`).
    Pattern,
    /// A `rate` is not `N/unit` with a known unit, or its count is zero or too large.
    Rate,
    /// An argument path is empty or has an empty segment (`body//role`).
    ArgPath,
    /// `matches` is not a valid regular expression, or compiles too large.
    Regex,
    /// The bounds leave no value allowed: `min > max`, `gt >= lt`, `min_len > max_len`.
    EmptyRange,
    /// `in` or `not_in` is an empty list.
    EmptyList,
    /// A constraint checks nothing (at most `optional` is given).
    NoCheck,
    /// A `[allow.sum]` entry is invalid: `max` negative, or a `*` in its path.
    Sum,
}

/// A policy that cannot be compiled.
///
/// `Display` renders `NAME:LINE: RULE: MESSAGE` followed by a `hint:` line when
/// there is one; the line is known when the source text was given to
/// [`Policy::compile`](crate::Policy::compile).
#[derive(Clone, Debug)]
pub struct PolicyError {
    kind: ErrorKind,
    source_name: String,
    line: Option<usize>,
    rule: Option<String>,
    message: String,
    hint: Option<String>,
}

impl PolicyError {
    pub(crate) fn new(kind: ErrorKind, source_name: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            source_name: source_name.to_owned(),
            line: None,
            rule: None,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn with_rule(mut self, rule: &str) -> Self {
        self.rule = Some(rule.to_owned());
        self
    }

    /// Sets the line from a byte span, when the text is at hand.
    pub(crate) fn at(mut self, text: Option<&str>, span: Option<Range<usize>>) -> Self {
        if let (Some(text), Some(span)) = (text, span) {
            self.line = line_of(text, span.start);
        }
        self
    }

    /// What kind of mistake this is.
    /// The same error, naming the policy's file as `name` (e.g. its full path, where the
    /// policy itself was compiled under a short name for its denial messages).
    #[must_use]
    pub fn in_file(mut self, name: &str) -> Self {
        self.source_name = name.into();
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The 1-based line of the offending value, when the source text was known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The rule at fault, e.g. `"allow[2]"`; `None` for errors in the file as a whole.
    pub fn rule(&self) -> Option<&str> {
        self.rule.as_deref()
    }

    /// What is wrong, without location or hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How to fix it, when there is a likely fix.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source_name)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(rule) = &self.rule {
            write!(f, "{rule}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// The 1-based line holding byte `offset`, or `None` past the end of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> Option<usize> {
    let before = text.as_bytes().get(..offset)?;
    Some(before.iter().filter(|&&b| b == b'\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_counts_newlines_before_the_offset() {
        let text = "a\nb\nc";
        assert_eq!(line_of(text, 0), Some(1));
        assert_eq!(line_of(text, 2), Some(2));
        assert_eq!(line_of(text, 4), Some(3));
        assert_eq!(line_of(text, 99), None);
    }

    #[test]
    fn display_names_source_line_rule_and_hint() {
        let e = PolicyError::new(ErrorKind::Rate, "airlock.toml", "bad rate \"x\"")
            .with_rule("allow[1]")
            .with_hint("write it as N/min")
            .at(Some("\n\nrate = \"x\""), Some(2..3));
        assert_eq!(
            e.to_string(),
            "airlock.toml:3: allow[1]: bad rate \"x\"\nhint: write it as N/min"
        );
        assert_eq!(e.kind(), ErrorKind::Rate);
        assert_eq!(e.line(), Some(3));
    }

    #[test]
    fn display_without_text_has_no_line() {
        let e = PolicyError::new(ErrorKind::Syntax, "cfg", "oops").at(None, Some(0..1));
        assert_eq!(e.to_string(), "cfg: oops");
    }
}
