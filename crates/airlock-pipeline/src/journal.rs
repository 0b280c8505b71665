//! The session's journal: every run's start and end and every call in between, hash-chained.

use std::io::Write;

use airlock_journal::{CallEntry, EndEntry, Entry, Journal, StartEntry};

/// Results up to this many bytes of JSON are journaled in full (so a replay can serve them);
/// larger ones only by size and SHA-256.
pub const DEFAULT_RESULT_THRESHOLD: usize = 64 * 1024;

/// A journal being written, and whether writing has failed.
pub struct SessionJournal {
    journal: Journal<Box<dyn Write + Send>>,
    pub result_threshold: usize,
    failed: Option<String>,
}

impl std::fmt::Debug for SessionJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionJournal")
            .field("entries", &self.journal.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl SessionJournal {
    pub fn new(out: Box<dyn Write + Send>, result_threshold: usize) -> Self {
        Self {
            journal: Journal::new(out),
            result_threshold,
            failed: None,
        }
    }

    /// Continues the journal whose contents so far are `existing` (verified first), writing
    /// to `out`, which should append to the same file.
    ///
    /// # Errors
    /// The first problem verification finds in `existing`.
    pub fn resume(
        existing: &[u8],
        out: Box<dyn Write + Send>,
        result_threshold: usize,
    ) -> Result<Self, airlock_journal::VerifyError> {
        Ok(Self {
            journal: airlock_journal::resume(existing, out)?,
            result_threshold,
            failed: None,
        })
    }

    /// Why the journal can no longer be written, if it cannot. Tool calls are then refused,
    /// so that no call goes unrecorded.
    pub fn failure(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// The hash of the last entry written: anchors the journal's tail.
    pub fn head(&self) -> &str {
        self.journal.head()
    }

    fn append(&mut self, entry: Entry) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.journal.append(entry) {
            self.failed = Some(format!("the journal cannot be written: {e}"));
        }
    }

    pub fn start(&mut self, entry: StartEntry) {
        self.append(Entry::Start(entry));
    }

    pub fn call(&mut self, entry: CallEntry) {
        self.append(Entry::Call(entry));
    }

    pub fn end(&mut self, entry: EndEntry) {
        self.append(Entry::End(entry));
    }
}
