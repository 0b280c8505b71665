//! The tamper-evident call journal of airlock.
//!
//! Every tool call a sandboxed script makes is recorded here, together with
//! what is needed to replay the run deterministically: the script itself, its
//! seed, the tools it could see, and each call's arguments, decision and
//! result.
//!
//! # Format
//!
//! A journal is a file of JSON lines: one object per line, each line ending in
//! `\n` (never `\r\n`). Each object is an [`Entry`] whose `kind` is `start`,
//! `call` or `end`; fields appear in a fixed order and unknown fields or kinds
//! are rejected. Every entry carries:
//!
//! - `seq`: its 0-based position in the file;
//! - `prev`: the lowercase hex SHA-256 of the previous line's exact bytes
//!   (without the newline); 64 zeros for the first entry.
//!
//! A run is a `start` entry, its `call` entries (numbered from 0 in `call`),
//! and an `end` entry whose `calls` counts them. Runs do not overlap. Call
//! arguments and results are [canonical] JSON, so their hashes are
//! stable; a result larger than the writer's threshold is recorded only by
//! `result_size` and `result_sha256` (see [`result_fields`]). A call that changed
//! the session's files (a component with a read-write grant) lists the changes
//! in `files` ([`FileEntry`]); a write's contents are kept up to the same
//! threshold (see [`file_fields`]), and always its size and hash.
//!
//! # What verification detects
//!
//! Changing any byte of a line changes its hash, so the next line's `prev`
//! no longer matches; removing, inserting, duplicating or reordering lines
//! breaks `seq` or the chain; cutting the file inside a run leaves a `start`
//! without its `end`, which [`verify`] reports as incomplete. Two changes
//! leave the chain itself intact: an edit of the last line, and removing
//! whole runs from the end. The final hash, the *head*, anchors those: keep the
//! head the writer reports ([`Journal::head`]) and check it with
//! [`verify_with_head`]. Someone able to rewrite the whole file can recompute
//! every hash; only a head kept elsewhere defeats that.
//!
//! # Example
//!
//! ```
//! use airlock_journal::{
//!     CallEntry, Decision, EndEntry, Entry, Journal, StartEntry, read, result_fields,
//!     rfc3339_millis, verify, verify_with_head,
//! };
//! use serde_json::json;
//!
//! let mut journal = Journal::new(Vec::new());
//! let time = rfc3339_millis(1_795_550_462_345);
//! assert_eq!(time, "2026-11-24T20:01:02.345Z");
//! journal.append(Entry::Start(StartEntry {
//!     time: time.clone(),
//!     name: "agent.js".into(),
//!     script: "await tools.search({q: 'rust'})".into(),
//!     ..StartEntry::default()
//! }))?;
//! let (result, size, sha) = result_fields(&json!({"hits": 3}), 4096);
//! journal.append(Entry::Call(CallEntry {
//!     time: time.clone(),
//!     tool: "search".into(),
//!     args: json!({"q": "rust"}),
//!     decision: Decision::Allow,
//!     rule: Some("allow[0]".into()),
//!     result,
//!     result_size: Some(size),
//!     result_sha256: Some(sha),
//!     duration_us: 1200,
//!     line: Some(1),
//!     ..CallEntry::default()
//! }))?;
//! journal.append(Entry::End(EndEntry { time, calls: 1, ..EndEntry::default() }))?;
//! let head = journal.head().to_owned();
//! let bytes = journal.into_inner();
//!
//! let report = verify(bytes.as_slice())?;
//! assert_eq!((report.runs, report.calls, report.entries), (1, 1, 3));
//! assert!(report.to_string().starts_with("ok: 1 run, 1 call, 3 entries; head "));
//! verify_with_head(bytes.as_slice(), &head)?;
//!
//! // Replay reads the entries back.
//! let entries = read(bytes.as_slice())?;
//! assert!(matches!(&entries[1], Entry::Call(call) if call.tool == "search"));
//!
//! // Any edit is caught.
//! let tampered = String::from_utf8(bytes)?.replace(r#""hits":3"#, r#""hits":4"#);
//! let err = verify(tampered.as_bytes()).unwrap_err();
//! assert_eq!(err.line, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod canonical;
mod chain;
mod entry;
mod error;
mod line;
mod time;
mod verify;
mod writer;

pub use canonical::{canonical, canonical_string, file_fields, result_fields, sha256_hex};
pub use chain::GENESIS;
pub use entry::{
    ApprovalEntry, CallEntry, CallError, Decision, EndEntry, Entry, FileEntry, Language,
    LayerEntry, StartEntry,
};
pub use error::{VerifyError, VerifyErrorKind};
pub use line::MAX_LINE_BYTES;
pub use time::rfc3339_millis;
pub use verify::{VerifyReport, read, verify, verify_lenient, verify_with_head};
pub use writer::{Journal, close_interrupted, resume};
