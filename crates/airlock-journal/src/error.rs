//! Why a journal failed verification, and at which line.

use std::fmt;

/// A journal that failed verification: the first problem found.
///
/// Displays as `journal.jsonl:17: <what is wrong>` (or `line 17: ...` when no
/// file name was given with [`VerifyError::in_file`]), followed by a `hint:`
/// line saying what probably happened.
#[derive(Debug)]
pub struct VerifyError {
    /// The 1-based line the problem is on; 0 when it concerns the file as a
    /// whole (a head mismatch on an empty journal).
    pub line: u64,
    /// What is wrong.
    pub kind: VerifyErrorKind,
    file: Option<String>,
}

impl VerifyError {
    pub(crate) fn new(line: u64, kind: VerifyErrorKind) -> Self {
        Self {
            line,
            kind,
            file: None,
        }
    }

    /// Names the file in the message, e.g. `journal.jsonl:17: ...`.
    #[must_use]
    pub fn in_file(mut self, name: impl Into<String>) -> Self {
        self.file = Some(name.into());
        self
    }

    /// What probably caused the problem, for people reading the error.
    pub fn hint(&self) -> Option<String> {
        self.kind.hint(self.line)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}:{}: {}", self.line, self.kind)?,
            None => write!(f, "line {}: {}", self.line, self.kind)?,
        }
        match self.hint() {
            Some(hint) => write!(f, "\nhint: {hint}"),
            None => Ok(()),
        }
    }
}

// The kind's message already includes any underlying error, so no `source`:
// error reporters would otherwise print it twice.
impl std::error::Error for VerifyError {}

/// The kinds of problem verification finds.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum VerifyErrorKind {
    /// Reading the journal failed.
    #[error("could not read the journal: {0}")]
    Io(std::io::Error),
    /// A line is longer than [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES).
    #[error("line is longer than {limit} bytes")]
    LineTooLong {
        /// The bound that was exceeded.
        limit: usize,
    },
    /// The file ends in the middle of a line (no final newline).
    #[error("the last line has no newline")]
    Unterminated,
    /// A line ends with `\r\n`; the format uses `\n` only.
    #[error("line ends with \\r\\n, but journal lines end with \\n alone")]
    CrLf,
    /// A line is empty.
    #[error("empty line")]
    EmptyLine,
    /// A line is not a valid entry: not JSON, an unknown `kind`, an unknown
    /// or missing field, or a value of the wrong type.
    #[error("not a valid journal entry: {}", malformed_message(.0))]
    Malformed(serde_json::Error),
    /// An entry's `seq` is not its position in the file.
    #[error("seq is {found}, expected {expected}")]
    BadSequence {
        /// The position of the line, 0-based.
        expected: u64,
        /// The `seq` the entry carries.
        found: u64,
    },
    /// An entry's `prev` is not the hash of the line before it.
    #[error("prev is {found}, but the line before hashes to {expected}")]
    BrokenChain {
        /// The hash of the previous line (64 zeros for the first entry).
        expected: String,
        /// The `prev` the entry carries.
        found: String,
    },
    /// A `start` entry comes while the previous run has no `end` yet.
    #[error("a run starts while run {open} has not ended")]
    StartInsideRun {
        /// The run that is still open.
        open: u64,
    },
    /// A `call` or `end` entry comes while no run is open.
    #[error("{kind} entry outside a run")]
    OutsideRun {
        /// `"call"` or `"end"`.
        kind: &'static str,
    },
    /// A `call` or `end` entry names another run than the open one.
    #[error("entry is for run {found}, but run {expected} is the one open")]
    RunMismatch {
        /// The open run.
        expected: u64,
        /// The run the entry names.
        found: u64,
    },
    /// A call's index is not its position in the run.
    #[error("call index is {found}, expected {expected}")]
    BadCallIndex {
        /// The number of calls before it in the run.
        expected: u64,
        /// The `call` the entry carries.
        found: u64,
    },
    /// An `end` entry's `calls` is not the number of calls in the run.
    #[error("the run records {found} calls, but {expected} call entries precede its end")]
    CallCountMismatch {
        /// The number of call entries in the run.
        expected: u64,
        /// The `calls` the end entry carries.
        found: u64,
    },
    /// `result_size` and `result_sha256` are not both present, or are
    /// missing although `result` is present.
    #[error("result_size and result_sha256 must both be present when a call has a result")]
    PartialResult,
    /// A denied call records a result, although the tool never ran.
    #[error("a denied call records a result")]
    DeniedWithResult,
    /// `result_size` does not match the recorded result.
    #[error("result_size is {recorded}, but the result is {actual} bytes of canonical JSON")]
    ResultSizeMismatch {
        /// The `result_size` the entry carries.
        recorded: u64,
        /// The size of the recorded result's canonical JSON.
        actual: u64,
    },
    /// `result_sha256` does not match the recorded result.
    #[error("result_sha256 is {recorded}, but the result hashes to {actual}")]
    ResultHashMismatch {
        /// The `result_sha256` the entry carries.
        recorded: String,
        /// The hash of the recorded result's canonical JSON.
        actual: String,
    },
    /// A call's file change breaks the rules: a change on a call that did not succeed, an
    /// unknown op, or a write whose contents do not match its size and hash.
    #[error("the file change of {path}: {why}")]
    BadFileChange {
        /// The path of the change.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// The journal ends while a run is open: its `start` (the error's line)
    /// has no `end`.
    #[error("run {run} has no end entry")]
    Incomplete {
        /// The run that never ended.
        run: u64,
    },
    /// The journal's final hash is not the one expected
    /// (see [`verify_with_head`](crate::verify_with_head)).
    #[error("the journal's head is {found}, expected {expected}")]
    HeadMismatch {
        /// The head the caller expected.
        expected: String,
        /// The hash of the last line.
        found: String,
    },
}

/// serde_json's message for one line, with the column but without its
/// "line 1": the line that matters is the one in the journal, shown already.
fn malformed_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    match text.strip_suffix(&position) {
        Some(message) => format!("{message} (column {})", err.column()),
        None => text,
    }
}

impl VerifyErrorKind {
    fn hint(&self, line: u64) -> Option<String> {
        let hint = match self {
            Self::Io(_) => return None,
            Self::LineTooLong { .. } => "this does not look like a journal airlock wrote".into(),
            Self::Unterminated => {
                "the journal was cut off mid-line, or its writer stopped while writing it".into()
            }
            Self::CrLf => "the file was probably converted by an editor or git's autocrlf; \
                 converting it back to \\n restores the original bytes"
                .into(),
            Self::EmptyLine | Self::Malformed(_) => "airlock writes one JSON object per line; \
                 the line was edited, or the file is not a journal"
                .into(),
            Self::BadSequence { expected, found } if found < expected => {
                "a line was inserted or duplicated before this one".into()
            }
            Self::BadSequence { .. } => {
                "a line before this one was removed, or lines were reordered".into()
            }
            Self::BrokenChain { .. } if line <= 1 => {
                "the first entry was edited, or the journal does not start at its beginning".into()
            }
            Self::BrokenChain { .. } => format!(
                "line {} was edited, or lines were inserted, removed or reordered just before \
                 line {line}",
                line - 1
            ),
            Self::StartInsideRun { .. } | Self::OutsideRun { .. } => {
                "entries were removed or reordered, or the file is not a journal airlock wrote"
                    .into()
            }
            Self::RunMismatch { .. }
            | Self::BadCallIndex { .. }
            | Self::CallCountMismatch { .. }
            | Self::PartialResult
            | Self::DeniedWithResult
            | Self::ResultSizeMismatch { .. }
            | Self::ResultHashMismatch { .. }
            | Self::BadFileChange { .. } => "the entry was edited".into(),
            Self::Incomplete { .. } => {
                "the run may have crashed, or the end of the journal was cut off".into()
            }
            Self::HeadMismatch { .. } => {
                "the last entry was edited, or entries were removed from or added to the end".into()
            }
        };
        Some(hint)
    }
}
