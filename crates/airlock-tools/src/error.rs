//! Errors of tool calls and of building a tool set.

use std::fmt;

/// Why a tool call failed, as the script sees it: an `Error` whose `code` is [`ToolError::code`].
#[derive(Debug, Clone, PartialEq)]
pub struct ToolError {
    kind: ToolErrorKind,
    message: String,
    hint: Option<String>,
    data: Option<Box<serde_json::Value>>,
}

/// The kinds of tool failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ToolErrorKind {
    /// The tool ran and reported a failure (an exec tool exiting non-zero, a Rust tool's `Err`).
    Failed,
    /// The call took longer than the tool's timeout and was abandoned.
    Timeout,
    /// The tool answered with something that is not a valid result (not JSON, too large, not
    /// matching its output schema).
    BadResult,
    /// The tool could not be started or reached.
    Unavailable,
    /// The tool refused the call under rules of its own that the operator configured (a
    /// request to a host outside the `[network]` allow list); the script sees `EPOLICY`.
    Refused,
}

impl ToolError {
    pub fn new(kind: ToolErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
            data: None,
        }
    }

    /// The tool ran and failed; `message` is shown to the script.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ToolErrorKind::Failed, message)
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Structured detail the script's error carries as `data` (a component's `err` payload).
    #[must_use]
    pub fn with_data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(Box::new(data));
        self
    }

    pub fn data(&self) -> Option<&serde_json::Value> {
        self.data.as_deref()
    }

    pub fn kind(&self) -> ToolErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The `code` the script's error carries.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ToolErrorKind::Failed | ToolErrorKind::BadResult => "ETOOL",
            ToolErrorKind::Timeout => "ETIMEDOUT",
            ToolErrorKind::Unavailable => "EUNAVAILABLE",
            ToolErrorKind::Refused => "EPOLICY",
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ToolError {}

/// A tool set could not be built.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ToolsetError {
    message: String,
}

impl ToolsetError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}
