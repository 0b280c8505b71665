//! Why a [`Redactor`](super::Redactor) could not be built.

use std::fmt;

/// Where a literal secret came from. Errors name the source, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueSource {
    /// `values[index]` in the config.
    Literal { index: usize },
    /// The host environment variable `name`, listed in `from_env`.
    Env { name: String },
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal { index } => write!(f, "values[{index}]"),
            Self::Env { name } => write!(f, "environment variable {name}"),
        }
    }
}

/// A redact config that cannot be compiled. Each variant says when it happens; [`hint`]
/// says how to fix it.
///
/// [`hint`]: RedactError::hint
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedactError {
    /// A literal secret is shorter than [`MIN_SECRET_BYTES`](super::MIN_SECRET_BYTES): it
    /// would be replaced inside ordinary words everywhere.
    TooShort { source: ValueSource, len: usize },
    /// A literal secret is longer than [`MAX_SECRET_BYTES`](super::MAX_SECRET_BYTES).
    TooLong { source: ValueSource, len: usize },
    /// A variable in `from_env` is not set (or is not valid UTF-8). Building fails rather than
    /// skipping it, because a misspelt name would otherwise silently let that secret through.
    EnvUnset { name: String },
    /// More than [`MAX_VALUES`](super::MAX_VALUES) literal secrets or
    /// [`MAX_PATTERNS`](super::MAX_PATTERNS) patterns.
    TooMany {
        what: &'static str,
        count: usize,
        max: usize,
    },
    /// `patterns[index]` is not a valid regular expression.
    InvalidPattern {
        index: usize,
        pattern: String,
        error: String,
    },
    /// The patterns together compile to more than the size limit.
    TooBig { error: String },
}

impl RedactError {
    /// How to fix the config.
    pub fn hint(&self) -> String {
        match self {
            Self::TooShort { .. } => format!(
                "a secret must be at least {} bytes; remove it from the redact config",
                super::MIN_SECRET_BYTES
            ),
            Self::TooLong { .. } => format!(
                "a secret may be at most {} bytes; redact a distinctive part of it, or use a \
                 pattern",
                super::MAX_SECRET_BYTES
            ),
            Self::EnvUnset { name } => {
                format!("set {name} in the host's environment, or remove it from redact.from_env")
            }
            Self::TooMany { what, max, .. } => {
                format!("list at most {max} {what}; merge similar patterns into one regex")
            }
            Self::InvalidPattern { .. } => "patterns use the syntax of Rust's regex crate \
                (https://docs.rs/regex/#syntax); escape literal characters such as . + ( [ \
                with a backslash, and note that look-around and back-references are not \
                supported"
                .to_owned(),
            Self::TooBig { .. } => "use fewer or simpler patterns (large counted repetitions \
                such as {1000} and many literal values make the compiled program big)"
                .to_owned(),
        }
    }
}

impl fmt::Display for RedactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { source, len } => write!(f, "redact: {source} is only {len} bytes")?,
            Self::TooLong { source, len } => write!(f, "redact: {source} is {len} bytes")?,
            Self::EnvUnset { name } => {
                write!(f, "redact: environment variable {name} is not set")?;
            }
            Self::TooMany { what, count, .. } => write!(f, "redact: {count} {what}")?,
            Self::InvalidPattern {
                index,
                pattern,
                error,
            } => write!(
                f,
                "redact: patterns[{index}] {pattern:?} is not a valid regex: {error}"
            )?,
            Self::TooBig { error } => write!(f, "redact: the patterns are too big: {error}")?,
        }
        write!(f, "\nhint: {}", self.hint())
    }
}

impl std::error::Error for RedactError {}
