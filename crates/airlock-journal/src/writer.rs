//! Appending entries to a journal.

use std::io::{self, Write};

use crate::canonical::{canonical, sha256_hex};
use crate::chain::Chain;
use crate::entry::Entry;
use crate::error::VerifyError;
use crate::line::MAX_LINE_BYTES;
use crate::verify::{require_complete, scan};

/// The journal writer: appends entries, keeping `seq` and the hash chain.
///
/// Each [`append`](Self::append) writes one whole line with a single
/// `write_all` and flushes, so a crash loses at most the entry being written.
#[derive(Debug)]
pub struct Journal<W: Write> {
    out: W,
    chain: Chain,
    /// Set when a write failed: the output may hold part of a line, so
    /// anything appended after it could never verify.
    broken: bool,
}

impl<W: Write> Journal<W> {
    /// A writer for a new, empty journal.
    pub fn new(out: W) -> Self {
        Self::with_chain(out, Chain::new())
    }

    fn with_chain(out: W, chain: Chain) -> Self {
        Self {
            out,
            chain,
            broken: false,
        }
    }

    /// Appends one entry and flushes; returns the hash of the line written,
    /// which is now the [`head`](Self::head).
    ///
    /// The writer sets `seq` and `prev` itself (the caller's values are
    /// overwritten) and puts `args` in canonical form. The result keeps its key order, as
    /// the script saw it, so a replay serves exactly what the tool returned; its size and
    /// hash are of the canonical form, so they do not depend on that order.
    ///
    /// # Errors
    ///
    /// `InvalidInput` when the entry breaks the journal's rules (a call outside
    /// a run, a wrong call index or call count, result fields that do not match
    /// the result, a line over [`MAX_LINE_BYTES`]); nothing is written then.
    /// Any error from the output; after one, every later append fails too,
    /// because the output may end in a partial line.
    pub fn append(&mut self, mut entry: Entry) -> io::Result<String> {
        if self.broken {
            return Err(io::Error::other(
                "the journal is unusable: an earlier write to it failed",
            ));
        }
        entry.set_chain(self.chain.entries, &self.chain.head);
        if let Entry::Call(call) = &mut entry {
            call.args = canonical(&call.args);
        }
        self.chain.check(&entry).map_err(invalid)?;
        let mut line = serde_json::to_vec(&entry).map_err(invalid)?;
        if line.len() > MAX_LINE_BYTES {
            return Err(invalid(format!(
                "the entry is {} bytes of JSON, more than the journal's limit of {MAX_LINE_BYTES}",
                line.len()
            )));
        }
        let hash = sha256_hex(&line);
        line.push(b'\n');
        if let Err(err) = self.out.write_all(&line).and_then(|()| self.out.flush()) {
            self.broken = true;
            return Err(err);
        }
        let line_no = self.chain.entries + 1;
        self.chain.commit(&entry, hash.clone(), line_no);
        Ok(hash)
    }

    /// The hash of the last line written (64 zeros when the journal is
    /// empty). Publish it when a session ends: it is what
    /// [`verify_with_head`](crate::verify_with_head) checks the tail against.
    pub fn head(&self) -> &str {
        &self.chain.head
    }

    /// Number of entries in the journal, including those there before
    /// [`resume`].
    pub fn len(&self) -> u64 {
        self.chain.entries
    }

    /// Whether the journal has no entries.
    pub fn is_empty(&self) -> bool {
        self.chain.entries == 0
    }

    /// Gives the output back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// Continues an existing journal: verifies `existing` (the file's contents so
/// far, as [`verify`](crate::verify) does) and returns a writer whose next
/// entry chains onto its last line. `out` should append to the same file.
///
/// # Errors
///
/// The first problem verification finds. An incomplete journal (its last
/// run has no `end`, e.g. after a crash) is refused too: entries appended to
/// it would make the whole file fail to verify.
pub fn resume<W: Write>(existing: &[u8], out: W) -> Result<Journal<W>, VerifyError> {
    let chain = scan(existing, MAX_LINE_BYTES, |_| ())?;
    require_complete(&chain)?;
    Ok(Journal::with_chain(out, chain))
}

/// Continues a journal whose writer stopped in the middle of a run (its host died): verifies
/// `existing` as [`resume`] does, except that the last run may be open, and if it is, first
/// closes it with an `end` entry giving `exit_code`, so that the next run chains onto a whole
/// journal. Returns the writer and the run it closed, if any.
///
/// `existing` must hold whole lines: cut a partial last line (the entry being written when the
/// host died, never part of the chain) before calling this.
///
/// # Errors
///
/// The first problem verification finds, or the `end` entry could not be written.
pub fn close_interrupted<W: Write>(
    existing: &[u8],
    out: W,
    exit_code: i32,
    time: String,
) -> Result<(Journal<W>, Option<u64>), VerifyError> {
    let chain = scan(existing, MAX_LINE_BYTES, |_| ())?;
    let open = chain.open;
    let line = chain.entries + 1;
    let mut journal = Journal::with_chain(out, chain);
    let Some(open) = open else {
        return Ok((journal, None));
    };
    let end = crate::entry::EndEntry {
        seq: 0,
        prev: String::new(),
        time,
        run: open.run,
        exit_code,
        calls: open.calls,
    };
    journal
        .append(Entry::End(end))
        .map_err(|e| VerifyError::new(line, crate::error::VerifyErrorKind::Io(e)))?;
    Ok((journal, Some(open.run)))
}

fn invalid(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, err)
}
