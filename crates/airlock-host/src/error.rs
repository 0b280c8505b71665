//! The host's error type: what can go wrong before or around a run (a run that fails inside the
//! guest is not an error: it is a [`crate::RunOutput`] with an exit code).

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The source code is larger than [`crate::Limits::source_bytes`].
    SourceTooLarge,
    /// The requested language is not available in this build.
    UnsupportedLanguage,
    /// A configuration value is out of range.
    InvalidConfig,
    /// Every instance slot is in use ([`crate::SandboxConfig::max_concurrent_runs`]).
    Busy,
    /// Compiling or instantiating the guest failed: a host bug or a broken build.
    Engine,
    /// Reading or writing the module cache or host files failed.
    Io,
}

/// An error from the airlock host, with a hint for the user where one helps.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn engine(context: &str, err: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Engine, format!("{context}: {err}"))
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The suggestion attached to this error, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
