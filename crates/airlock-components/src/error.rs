//! Errors of loading components.

use std::fmt;

/// Why a component could not be loaded, or the host could not start.
#[derive(Debug)]
pub struct Error {
    message: String,
}

impl Error {
    pub(crate) fn config(message: String) -> Self {
        Self { message }
    }

    pub(crate) fn engine(what: &str, e: impl fmt::Display) -> Self {
        Self {
            message: format!("{what}: {e:#}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
