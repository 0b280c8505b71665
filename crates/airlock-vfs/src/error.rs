//! Error codes and the error type, rendered the way Node.js renders `fs` errors
//! so that guest programs see familiar messages.

/// The POSIX error a failed operation maps to.
///
/// Only the codes this filesystem can actually produce are listed; the enum is
/// non-exhaustive so more can be added without breaking callers.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `ENOENT`: the path (or one of its parents) does not exist.
    NoEnt,
    /// `EACCES`: the location is read-only.
    Acces,
    /// `EISDIR`: a file operation was attempted on a directory.
    IsDir,
    /// `ENOTDIR`: a directory was expected but a file was found.
    NotDir,
    /// `EEXIST`: the path already exists.
    Exist,
    /// `ENOSPC`: the byte or file-count quota would be exceeded.
    NoSpc,
    /// `ENOTEMPTY`: the directory still has entries.
    NotEmpty,
    /// `EINVAL`: the argument is malformed (e.g. contains NUL, or a directory
    /// would be moved into itself).
    Inval,
    /// `ENAMETOOLONG`: the path, a component of it, or its depth is too large.
    NameTooLong,
}

impl ErrorCode {
    /// The symbolic name, e.g. `"ENOENT"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NoEnt => "ENOENT",
            Self::Acces => "EACCES",
            Self::IsDir => "EISDIR",
            Self::NotDir => "ENOTDIR",
            Self::Exist => "EEXIST",
            Self::NoSpc => "ENOSPC",
            Self::NotEmpty => "ENOTEMPTY",
            Self::Inval => "EINVAL",
            Self::NameTooLong => "ENAMETOOLONG",
        }
    }

    /// The human-readable description, worded as libuv (and so Node) words it.
    pub fn description(&self) -> &'static str {
        match self {
            Self::NoEnt => "no such file or directory",
            Self::Acces => "permission denied",
            Self::IsDir => "illegal operation on a directory",
            Self::NotDir => "not a directory",
            Self::Exist => "file already exists",
            Self::NoSpc => "no space left on device",
            Self::NotEmpty => "directory not empty",
            Self::Inval => "invalid argument",
            Self::NameTooLong => "name too long",
        }
    }

    /// The errno as Node reports it in `err.errno`: negated Linux values.
    pub fn errno(&self) -> i32 {
        match self {
            Self::NoEnt => -2,
            Self::Acces => -13,
            Self::IsDir => -21,
            Self::NotDir => -20,
            Self::Exist => -17,
            Self::NoSpc => -28,
            Self::NotEmpty => -39,
            Self::Inval => -22,
            Self::NameTooLong => -36,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed filesystem operation.
///
/// Displays in Node's style:
/// `ENOENT: no such file or directory, open '/workspace/x'`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}, {} '{}'", code.as_str(), code.description(), syscall, path)]
pub struct VfsError {
    /// What went wrong.
    pub code: ErrorCode,
    /// The system call Node would name for the operation (`"open"`, `"mkdir"`,
    /// `"scandir"`, ...).
    pub syscall: &'static str,
    /// The path the error concerns: normalized and absolute when the input
    /// could be normalized, otherwise the input exactly as given.
    pub path: String,
}

impl VfsError {
    /// Builds an error.
    pub fn new(code: ErrorCode, syscall: &'static str, path: impl Into<String>) -> Self {
        Self {
            code,
            syscall,
            path: path.into(),
        }
    }
}
