//! The writer: it keeps the chain, refuses entries that would not verify,
//! and continues existing journals.

mod common;

use std::io::{self, Write};

use airlock_journal::{
    CallEntry, Decision, Entry, Journal, VerifyErrorKind, close_interrupted, read, resume,
    sha256_hex, verify, verify_with_head,
};
use serde_json::json;

#[test]
fn the_writer_sets_seq_and_prev_itself() {
    let mut start = common::start(0);
    if let Entry::Start(s) = &mut start {
        s.seq = 99;
        s.prev = "forged".into();
    }
    let mut journal = Journal::new(Vec::new());
    let hash = journal.append(start).unwrap();
    assert_eq!(journal.head(), hash);
    assert_eq!(journal.len(), 1);
    let bytes = journal.into_inner();
    assert_eq!(hash, sha256_hex(&bytes[..bytes.len() - 1]));
    let entries = read_open(&bytes);
    assert_eq!(entries[0].seq(), 0);
    assert_eq!(entries[0].prev(), "0".repeat(64));
}

fn read_open(bytes: &[u8]) -> Vec<Entry> {
    common::lines(bytes)
        .iter()
        .map(|l| serde_json::from_str(l).expect("written lines parse"))
        .collect()
}

#[test]
fn the_writer_canonicalises_args_but_keeps_the_result_order() {
    let mut journal = Journal::new(Vec::new());
    journal.append(common::start(0)).unwrap();
    let mut call = common::call(0, 0, &json!({"b": 1, "a": 2}));
    if let Entry::Call(c) = &mut call {
        c.args = json!({"z": {"d": 1, "c": 2}, "y": 0});
    }
    journal.append(call).unwrap();
    let bytes = journal.into_inner();
    let line = &common::lines(&bytes)[1];
    assert!(
        line.contains(r#""args":{"y":0,"z":{"c":2,"d":1}}"#),
        "{line}"
    );
    // A replay serves the result as recorded: in the order the script saw.
    assert!(line.contains(r#""result":{"b":1,"a":2}"#), "{line}");
}

#[test]
fn the_writer_refuses_entries_that_would_not_verify() {
    let mut journal = Journal::new(Vec::new());
    let refused = |journal: &mut Journal<Vec<u8>>, entry: Entry, what: &str| {
        let err = journal.append(entry).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{what}: {err}");
    };
    refused(
        &mut journal,
        common::call(0, 0, &json!(1)),
        "call before start",
    );
    refused(&mut journal, common::end(0, 0), "end before start");
    journal.append(common::start(0)).unwrap();
    refused(&mut journal, common::start(1), "start inside a run");
    refused(&mut journal, common::call(0, 1, &json!(1)), "call index");
    refused(&mut journal, common::call(1, 0, &json!(1)), "other run");
    let mut wrong_hash = common::call(0, 0, &json!(1));
    if let Entry::Call(c) = &mut wrong_hash {
        c.result_sha256 = Some(sha256_hex(b"2"));
    }
    refused(&mut journal, wrong_hash, "result hash");
    let denied_with_result = Entry::Call(CallEntry {
        decision: Decision::Deny,
        result_size: Some(1),
        result_sha256: Some(sha256_hex(b"1")),
        ..CallEntry::default()
    });
    refused(
        &mut journal,
        denied_with_result,
        "denied call with a result",
    );
    refused(&mut journal, common::end(0, 1), "call count");
    // Nothing refused was written, and the journal goes on.
    assert_eq!(journal.len(), 1);
    journal.append(common::call(0, 0, &json!(1))).unwrap();
    journal.append(common::end(0, 1)).unwrap();
    let head = journal.head().to_owned();
    verify_with_head(journal.into_inner().as_slice(), &head).unwrap();
}

#[test]
fn resume_continues_the_chain() {
    let (bytes, head) = common::sample();
    let mut journal = resume(&bytes, Vec::new()).unwrap();
    assert_eq!(journal.head(), head);
    assert_eq!(journal.len(), 8);
    journal.append(common::start(0)).unwrap();
    journal.append(common::call(0, 0, &json!([1, 2]))).unwrap();
    journal.append(common::end(0, 1)).unwrap();
    let new_head = journal.head().to_owned();
    let mut whole = bytes.clone();
    whole.extend(journal.into_inner());

    let report = verify_with_head(whole.as_slice(), &new_head).unwrap();
    assert_eq!((report.entries, report.runs, report.calls), (11, 3, 5));
    assert_eq!(read(whole.as_slice()).unwrap()[8].prev(), head);
}

#[test]
fn resume_refuses_a_journal_that_does_not_verify() {
    let (bytes, _) = common::sample();
    let lines = common::lines(&bytes);
    let err = resume(&common::join(&lines[..6]), Vec::new()).unwrap_err();
    assert!(matches!(err.kind, VerifyErrorKind::Incomplete { run: 1 }));
    let mut edited = bytes.clone();
    edited[10] ^= 1;
    assert!(resume(&edited, Vec::new()).is_err());
}

#[test]
fn a_run_cut_short_is_closed_before_the_journal_goes_on() {
    let (bytes, _) = common::sample();
    let lines = common::lines(&bytes);
    // The host died inside run 1, after its first call.
    let cut = common::join(&lines[..7]);
    let (mut journal, closed) =
        close_interrupted(&cut, Vec::new(), 75, "2026-01-01T00:00:00.000Z".into()).unwrap();
    assert_eq!(closed, Some(1));
    journal.append(common::start(2)).unwrap();
    journal.append(common::end(2, 0)).unwrap();
    let mut whole = cut.clone();
    whole.extend(journal.into_inner());
    let entries = read(whole.as_slice()).unwrap();
    let Entry::End(end) = &entries[7] else {
        panic!("an end entry closes the run: {:?}", entries[7]);
    };
    assert_eq!((end.run, end.exit_code, end.calls), (1, 75, 1));

    // A whole journal is continued as it is; a tampered one is refused.
    let (journal, closed) = close_interrupted(&bytes, Vec::new(), 75, String::new()).unwrap();
    assert_eq!((closed, journal.len()), (None, 8));
    let mut edited = cut;
    edited[10] ^= 1;
    assert!(close_interrupted(&edited, Vec::new(), 75, String::new()).is_err());
}

#[test]
fn resume_of_an_empty_journal_starts_a_new_one() {
    let journal = resume(b"", Vec::new()).unwrap();
    assert!(journal.is_empty());
    assert_eq!(journal.head(), Journal::new(Vec::new()).head());
}

/// Accepts `budget` bytes, then fails every write.
struct FailingWriter {
    written: Vec<u8>,
    budget: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.budget == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.budget);
        self.budget -= n;
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_makes_the_journal_refuse_further_entries() {
    let mut journal = Journal::new(FailingWriter {
        written: Vec::new(),
        budget: 10,
    });
    assert_eq!(
        journal.append(common::start(0)).unwrap_err().to_string(),
        "disk full"
    );
    // The output now ends in a partial line; appending after it would only
    // produce a journal that can never verify.
    let err = journal.append(common::start(0)).unwrap_err();
    assert!(err.to_string().contains("earlier write"), "{err}");
    assert_eq!(journal.len(), 0);
    let partial = journal.into_inner().written;
    assert!(verify(partial.as_slice()).is_err());
}
