//! What can go wrong between airlock and a registry, each with what to do about it.

use std::path::{Path, PathBuf};

use crate::store::Digest;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A reference, digest or config value that is not valid.
    #[error("{0}")]
    Invalid(String),
    /// The registry could not be reached or refused the request.
    #[error("registry {registry}: {message}\nhint: {hint}")]
    Registry {
        registry: String,
        message: String,
        hint: String,
    },
    /// What was pulled is not what its digest says (a tampered or damaged blob).
    #[error(
        "{what} does not match its digest: expected {expected}, got {found}; it was not stored or loaded"
    )]
    Mismatch {
        what: String,
        expected: String,
        found: String,
    },
    /// The artifact is not a component in the wasm OCI layout.
    #[error("{0}")]
    NotAComponent(String),
    /// The artifact has no signature, and its trust entry does not allow unsigned ones.
    #[error("{0}")]
    Unsigned(String),
    /// Signed, but by a key the trust entry does not list.
    #[error(
        "{0}\nhint: if you trust that publisher, add their minisign public key to the [[trust]] entry's keys"
    )]
    Untrusted(String),
    /// The signature is malformed or does not verify.
    #[error("{0}; the component was not loaded")]
    BadSignature(String),
    #[error("{0} is not in the local store\nhint: `airlock component pull REF` fetches it")]
    NotStored(Digest),
    #[error("{} no longer matches its digest (expected {expected}, found {found}); delete it and pull again", path.display())]
    Corrupt {
        path: PathBuf,
        expected: Digest,
        found: Digest,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
