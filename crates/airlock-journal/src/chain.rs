//! The rules an entry must satisfy given the entries before it.
//!
//! The writer and the verifier share this one state machine, so the writer
//! refuses exactly what the verifier would reject: anything it writes verifies.

use crate::canonical::{canonical_string, sha256_hex};
use crate::entry::{CallEntry, Decision, Entry};
use crate::error::VerifyErrorKind;

/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Where a journal stands after the entries seen so far.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    /// Entries seen; also the `seq` the next one must carry.
    pub entries: u64,
    /// Hash of the last line, or [`GENESIS`].
    pub head: String,
    /// `start` entries seen.
    pub runs: u64,
    /// `call` entries seen.
    pub calls: u64,
    /// The run that has started but not ended, if any.
    pub open: Option<OpenRun>,
}

/// A run whose `end` has not been seen yet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpenRun {
    pub run: u64,
    /// Calls seen in this run.
    pub calls: u64,
    /// The 1-based line of the run's `start`, for the incomplete-run error.
    pub start_line: u64,
}

impl Chain {
    pub fn new() -> Self {
        Self {
            entries: 0,
            head: GENESIS.to_owned(),
            runs: 0,
            calls: 0,
            open: None,
        }
    }

    /// Checks that `entry` may come next. Does not change the state.
    pub fn check(&self, entry: &Entry) -> Result<(), VerifyErrorKind> {
        if entry.seq() != self.entries {
            return Err(VerifyErrorKind::BadSequence {
                expected: self.entries,
                found: entry.seq(),
            });
        }
        if entry.prev() != self.head {
            return Err(VerifyErrorKind::BrokenChain {
                expected: self.head.clone(),
                found: entry.prev().to_owned(),
            });
        }
        match (entry, self.open) {
            (Entry::Start(_), Some(open)) => {
                Err(VerifyErrorKind::StartInsideRun { open: open.run })
            }
            (Entry::Start(_), None) => Ok(()),
            (Entry::Call(_) | Entry::End(_), None) => {
                Err(VerifyErrorKind::OutsideRun { kind: entry.kind() })
            }
            (_, Some(open)) if entry.run() != open.run => Err(VerifyErrorKind::RunMismatch {
                expected: open.run,
                found: entry.run(),
            }),
            (Entry::Call(call), Some(open)) => check_call(call, open.calls),
            (Entry::End(end), Some(open)) if end.calls != open.calls => {
                Err(VerifyErrorKind::CallCountMismatch {
                    expected: open.calls,
                    found: end.calls,
                })
            }
            (Entry::End(_), Some(_)) => Ok(()),
        }
    }

    /// Records `entry`, already checked, whose line hashes to `hash`.
    pub fn commit(&mut self, entry: &Entry, hash: String, line: u64) {
        self.entries += 1;
        self.head = hash;
        match entry {
            Entry::Start(start) => {
                self.runs += 1;
                self.open = Some(OpenRun {
                    run: start.run,
                    calls: 0,
                    start_line: line,
                });
            }
            Entry::Call(_) => {
                self.calls += 1;
                if let Some(open) = &mut self.open {
                    open.calls += 1;
                }
            }
            Entry::End(_) => self.open = None,
        }
    }
}

/// The rules a call entry follows on its own, given the calls before it in its run.
fn check_call(call: &CallEntry, calls_before: u64) -> Result<(), VerifyErrorKind> {
    if call.call != calls_before {
        return Err(VerifyErrorKind::BadCallIndex {
            expected: calls_before,
            found: call.call,
        });
    }
    check_files(call)?;
    let (size, sha) = match (call.result_size, &call.result_sha256) {
        (None, None) if call.result.is_none() => return Ok(()),
        (Some(size), Some(sha)) => (size, sha),
        _ => return Err(VerifyErrorKind::PartialResult),
    };
    if call.decision == Decision::Deny {
        return Err(VerifyErrorKind::DeniedWithResult);
    }
    // A result left out for its size can only be checked by whoever holds it.
    let Some(result) = &call.result else {
        return Ok(());
    };
    let text = canonical_string(result);
    let actual_size = text.len() as u64;
    if size != actual_size {
        return Err(VerifyErrorKind::ResultSizeMismatch {
            recorded: size,
            actual: actual_size,
        });
    }
    let actual_sha = sha256_hex(text.as_bytes());
    if *sha != actual_sha {
        return Err(VerifyErrorKind::ResultHashMismatch {
            recorded: sha.clone(),
            actual: actual_sha,
        });
    }
    Ok(())
}

/// A call's file changes: only a call that succeeded has any, each op is known, and a write's
/// recorded contents match its size and hash.
fn check_files(call: &CallEntry) -> Result<(), VerifyErrorKind> {
    use base64::Engine as _;
    if call.files.is_empty() {
        return Ok(());
    }
    let bad = |path: &str, why: &str| VerifyErrorKind::BadFileChange {
        path: path.to_string(),
        why: why.to_string(),
    };
    if call.decision != Decision::Allow || call.error.is_some() {
        return Err(bad(
            &call.files[0].path,
            "only a call that succeeded changes files",
        ));
    }
    for file in &call.files {
        match file.op.as_str() {
            "mkdir" | "remove" => {
                if file.data.is_some() || file.size.is_some() || file.sha256.is_some() {
                    return Err(bad(&file.path, "only a write carries contents"));
                }
            }
            "write" => {
                let (Some(size), Some(sha)) = (file.size, &file.sha256) else {
                    return Err(bad(&file.path, "a write needs its size and sha256"));
                };
                let Some(data) = &file.data else {
                    continue;
                };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(data)
                    .map_err(|e| bad(&file.path, &format!("its data is not base64: {e}")))?;
                if bytes.len() as u64 != size || sha256_hex(&bytes) != *sha {
                    return Err(bad(
                        &file.path,
                        "its data does not match its size and sha256",
                    ));
                }
            }
            other => return Err(bad(&file.path, &format!("unknown op \"{other}\""))),
        }
    }
    Ok(())
}
