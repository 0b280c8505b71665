//! Reading a journal back and checking every rule of the format.

use std::fmt;
use std::io::BufRead;

use crate::canonical::sha256_hex;
use crate::chain::Chain;
use crate::entry::Entry;
use crate::error::{VerifyError, VerifyErrorKind};
use crate::line::{Line, MAX_LINE_BYTES, read_line};

/// What a journal that verified contains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Number of entries (lines).
    pub entries: u64,
    /// Number of runs (`start` entries).
    pub runs: u64,
    /// Number of tool calls (`call` entries).
    pub calls: u64,
    /// Hash of the last line (64 zeros for an empty journal). Compare it with
    /// the head printed when the journal was written: only that detects an
    /// edit of the last line.
    pub head: String,
    /// Whether the last run has its `end` entry. Always true from [`verify`];
    /// [`verify_lenient`] also reports journals whose last run is still open.
    pub complete: bool,
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = if self.complete {
            "ok"
        } else {
            "incomplete (the last run has no end)"
        };
        write!(
            f,
            "{status}: {}, {}, {}; head {}",
            plural(self.runs, "run"),
            plural(self.calls, "call"),
            plural(self.entries, "entry"),
            self.head
        )
    }
}

fn plural(n: u64, noun: &str) -> String {
    match (n, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "entry") => format!("{n} entries"),
        _ => format!("{n} {noun}s"),
    }
}

/// Verifies a whole journal: every line parses, `seq` counts up from 0, each
/// `prev` is the hash of the line before, runs nest properly, recorded results
/// match their size and hash, and the last run has ended.
///
/// This detects any change to the file except an edit of its last line, which
/// nothing follows; [`verify_with_head`] detects that too.
pub fn verify(reader: impl BufRead) -> Result<VerifyReport, VerifyError> {
    let chain = scan(reader, MAX_LINE_BYTES, |_| ())?;
    require_complete(&chain)?;
    Ok(report(chain))
}

/// Like [`verify`], but a last run without its `end` (the host crashed, or is
/// still writing) is reported through [`VerifyReport::complete`] instead of
/// failing. Everything before it is verified in full.
pub fn verify_lenient(reader: impl BufRead) -> Result<VerifyReport, VerifyError> {
    let chain = scan(reader, MAX_LINE_BYTES, |_| ())?;
    Ok(report(chain))
}

/// Like [`verify`], and also checks that the last line hashes to
/// `expected_head`: the head recorded when the journal was written (for
/// example the one `airlock run --journal` prints). This anchors the tail, so
/// an edit of the last line or a cut after a complete run is detected too.
pub fn verify_with_head(
    reader: impl BufRead,
    expected_head: &str,
) -> Result<VerifyReport, VerifyError> {
    let chain = scan(reader, MAX_LINE_BYTES, |_| ())?;
    require_complete(&chain)?;
    if chain.head != expected_head {
        let kind = VerifyErrorKind::HeadMismatch {
            expected: expected_head.to_owned(),
            found: chain.head,
        };
        return Err(VerifyError::new(chain.entries, kind));
    }
    Ok(report(chain))
}

/// Verifies a journal as [`verify`] does and returns its entries, for replay.
pub fn read(reader: impl BufRead) -> Result<Vec<Entry>, VerifyError> {
    let mut entries = Vec::new();
    let chain = scan(reader, MAX_LINE_BYTES, |entry| entries.push(entry))?;
    require_complete(&chain)?;
    Ok(entries)
}

/// Fails if the journal ends inside a run.
pub(crate) fn require_complete(chain: &Chain) -> Result<(), VerifyError> {
    match chain.open {
        Some(open) => Err(VerifyError::new(
            open.start_line,
            VerifyErrorKind::Incomplete { run: open.run },
        )),
        None => Ok(()),
    }
}

fn report(chain: Chain) -> VerifyReport {
    VerifyReport {
        entries: chain.entries,
        runs: chain.runs,
        calls: chain.calls,
        complete: chain.open.is_none(),
        head: chain.head,
    }
}

/// Reads every line, checks it against the ones before, and hands each entry
/// to `visit`. Returns where the chain stands at the end of the file.
pub(crate) fn scan(
    mut reader: impl BufRead,
    limit: usize,
    mut visit: impl FnMut(Entry),
) -> Result<Chain, VerifyError> {
    let mut chain = Chain::new();
    let mut buf = Vec::new();
    loop {
        let line_no = chain.entries + 1;
        let fail = |kind| VerifyError::new(line_no, kind);
        match read_line(&mut reader, &mut buf, limit).map_err(|e| fail(VerifyErrorKind::Io(e)))? {
            Line::Eof => return Ok(chain),
            Line::TooLong => return Err(fail(VerifyErrorKind::LineTooLong { limit })),
            Line::Unterminated => return Err(fail(VerifyErrorKind::Unterminated)),
            Line::Complete => {}
        }
        let entry = parse_line(&buf).map_err(fail)?;
        chain.check(&entry).map_err(fail)?;
        chain.commit(&entry, sha256_hex(&buf), line_no);
        visit(entry);
    }
}

/// Parses one line (without its newline) into an entry.
fn parse_line(bytes: &[u8]) -> Result<Entry, VerifyErrorKind> {
    match bytes.last() {
        None => Err(VerifyErrorKind::EmptyLine),
        Some(b'\r') => Err(VerifyErrorKind::CrLf),
        Some(_) => serde_json::from_slice(bytes).map_err(VerifyErrorKind::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_over_the_limit_is_rejected_without_reading_it_all() {
        let input = format!("{}\n", "x".repeat(100));
        let err = scan(input.as_bytes(), 10, |_| ()).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(matches!(
            err.kind,
            VerifyErrorKind::LineTooLong { limit: 10 }
        ));
    }

    #[test]
    fn report_counts_are_pluralised() {
        let report = VerifyReport {
            entries: 1,
            runs: 0,
            calls: 1,
            head: "ab".into(),
            complete: true,
        };
        assert_eq!(report.to_string(), "ok: 0 runs, 1 call, 1 entry; head ab");
    }
}
