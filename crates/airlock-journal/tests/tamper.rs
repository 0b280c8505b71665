//! Every way of changing a journal after it was written is detected.

mod common;

use airlock_journal::{
    Journal, VerifyError, VerifyErrorKind, read, sha256_hex, verify, verify_lenient,
    verify_with_head,
};

fn verify_err(bytes: &[u8]) -> VerifyError {
    verify(bytes).expect_err("tampered journal verified")
}

#[test]
fn the_sample_verifies() {
    let (bytes, head) = common::sample();
    let report = verify(bytes.as_slice()).unwrap();
    assert_eq!((report.entries, report.runs, report.calls), (8, 2, 4));
    assert!(report.complete);
    assert_eq!(report.head, head);
    assert_eq!(
        report.to_string(),
        format!("ok: 2 runs, 4 calls, 8 entries; head {head}")
    );
    assert_eq!(verify_with_head(bytes.as_slice(), &head).unwrap(), report);
    assert_eq!(read(bytes.as_slice()).unwrap().len(), 8);
}

#[test]
fn an_empty_file_is_a_valid_empty_journal() {
    let report = verify(&b""[..]).unwrap();
    assert_eq!((report.entries, report.runs, report.calls), (0, 0, 0));
    assert_eq!(report.head, Journal::new(Vec::new()).head());
    assert!(report.complete);
    assert!(read(&b""[..]).unwrap().is_empty());
}

#[test]
fn changing_any_byte_before_the_last_line_is_detected() {
    let (bytes, _) = common::sample();
    let last_line_start = bytes[..bytes.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    for at in 0..last_line_start {
        // Two flips per byte: one that keeps letters letters (case), one
        // that keeps digits digits.
        for mask in [0x01, 0x20] {
            let mut tampered = bytes.clone();
            tampered[at] ^= mask;
            assert!(
                verify(tampered.as_slice()).is_err(),
                "byte {at} ^ {mask:#x} went unnoticed"
            );
        }
    }
}

#[test]
fn changing_any_byte_at_all_is_detected_with_the_head() {
    let (bytes, head) = common::sample();
    for at in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[at] ^= 0x01;
        assert!(
            verify_with_head(tampered.as_slice(), &head).is_err(),
            "byte {at} went unnoticed"
        );
    }
}

#[test]
fn an_edit_of_the_last_line_needs_the_head_to_be_caught() {
    let (bytes, head) = common::sample();
    let mut lines = common::lines(&bytes);
    let last = lines.pop().unwrap();
    lines.push(last.replace(r#""exit_code":0"#, r#""exit_code":1"#));
    let tampered = common::join(&lines);
    assert_ne!(tampered, bytes);
    // The chain alone cannot see it: nothing follows the last line.
    verify(tampered.as_slice()).unwrap();
    let err = verify_with_head(tampered.as_slice(), &head).unwrap_err();
    assert_eq!(err.line, 8);
    assert!(matches!(err.kind, VerifyErrorKind::HeadMismatch { .. }));
    assert!(err.to_string().contains("hint: the last entry was edited"));
}

#[test]
fn an_edit_in_the_middle_breaks_the_chain_at_the_next_line() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    lines[2] = lines[2].replace("deleting files", "removing files");
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 4);
    let VerifyErrorKind::BrokenChain { expected, found } = &err.kind else {
        panic!("{err}");
    };
    let (expected, found) = (expected.clone(), found.clone());
    assert_eq!(expected, sha256_hex(lines[2].as_bytes()));
    assert_eq!(found, sha256_hex(common::lines(&bytes)[2].as_bytes()));
    assert_eq!(
        err.in_file("journal.jsonl").to_string(),
        format!(
            "journal.jsonl:4: prev is {found}, but the line before hashes to {expected}\n\
             hint: line 3 was edited, or lines were inserted, removed or reordered just \
             before line 4"
        )
    );
}

#[test]
fn an_edited_result_is_caught_on_its_own_line() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    lines[1] = lines[1].replace(r#""hits":3"#, r#""hits":4"#);
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 2);
    assert!(matches!(
        err.kind,
        VerifyErrorKind::ResultHashMismatch { .. }
    ));
}

#[test]
fn a_result_edited_together_with_its_hash_still_breaks_the_chain() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    let old_sha = sha256_hex(r#"{"hits":3,"title":"Rust ✓"}"#.as_bytes());
    let new_sha = sha256_hex(r#"{"hits":4,"title":"Rust ✓"}"#.as_bytes());
    lines[1] = lines[1]
        .replace(r#""hits":3"#, r#""hits":4"#)
        .replace(&old_sha, &new_sha);
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 3);
    assert!(matches!(err.kind, VerifyErrorKind::BrokenChain { .. }));
}

/// Which line to edit (0-based), the text to replace and its replacement,
/// and the error expected.
type FieldEdit = (
    usize,
    &'static str,
    &'static str,
    fn(&VerifyErrorKind) -> bool,
);

#[test]
fn edits_of_the_structural_fields_name_the_field() {
    let (bytes, _) = common::sample();
    let cases: [FieldEdit; 6] = [
        (2, r#""seq":2"#, r#""seq":7"#, |k| {
            matches!(
                k,
                VerifyErrorKind::BadSequence {
                    expected: 2,
                    found: 7
                }
            )
        }),
        (2, r#""prev":""#, r#""prev":"0"#, |k| {
            matches!(k, VerifyErrorKind::BrokenChain { .. })
        }),
        (2, r#""run":0"#, r#""run":1"#, |k| {
            matches!(
                k,
                VerifyErrorKind::RunMismatch {
                    expected: 0,
                    found: 1
                }
            )
        }),
        (2, r#""call":1"#, r#""call":0"#, |k| {
            matches!(
                k,
                VerifyErrorKind::BadCallIndex {
                    expected: 1,
                    found: 0
                }
            )
        }),
        (4, r#""calls":3"#, r#""calls":2"#, |k| {
            matches!(
                k,
                VerifyErrorKind::CallCountMismatch {
                    expected: 3,
                    found: 2
                }
            )
        }),
        (3, r#""result_size":"#, r#""result_size":1"#, |k| {
            matches!(k, VerifyErrorKind::BrokenChain { .. })
        }),
    ];
    for (index, from, to, check) in cases {
        let mut lines = common::lines(&bytes);
        assert!(lines[index].contains(from), "{from}");
        lines[index] = lines[index].replacen(from, to, 1);
        let err = verify_err(&common::join(&lines));
        assert!(check(&err.kind), "{from} -> {to}: {err}");
    }
}

#[test]
fn an_inserted_valid_looking_line_is_detected() {
    let (bytes, _) = common::sample();
    let lines = common::lines(&bytes);
    // A forger who chains the new line correctly onto the ones before it...
    let mut forger = continue_from(&lines[..2]);
    forger
        .append(common::call(0, 1, &serde_json::json!("forged")))
        .unwrap();
    let mut forged = forger.into_inner();
    forged.extend(common::join(&lines[2..]));
    // ...still cannot make the line after it fit.
    let err = verify_err(&forged);
    assert_eq!(err.line, 4);
    assert!(matches!(
        err.kind,
        VerifyErrorKind::BadSequence {
            expected: 3,
            found: 2
        }
    ));
    assert!(err.to_string().contains("inserted"));
}

/// A writer continuing from `lines`, as a forger would build one.
fn continue_from(lines: &[String]) -> Journal<Vec<u8>> {
    let mut journal = Journal::new(Vec::new());
    for line in lines {
        let entry = serde_json::from_str(line).expect("sample lines parse");
        journal.append(entry).expect("sample entries chain");
    }
    journal
}

#[test]
fn a_deleted_middle_line_is_detected() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    lines.remove(3);
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 4);
    assert!(matches!(
        err.kind,
        VerifyErrorKind::BadSequence {
            expected: 3,
            found: 4
        }
    ));
    assert!(err.to_string().contains("removed"));
}

#[test]
fn a_deleted_first_line_is_detected() {
    let (bytes, _) = common::sample();
    let lines = common::lines(&bytes);
    let err = verify_err(&common::join(&lines[1..]));
    assert_eq!(err.line, 1);
    assert!(matches!(err.kind, VerifyErrorKind::BadSequence { .. }));
}

#[test]
fn deleting_the_last_lines_leaves_an_incomplete_run() {
    let (bytes, head) = common::sample();
    let lines = common::lines(&bytes);
    for keep in [6, 7] {
        let cut = common::join(&lines[..keep]);
        let err = verify_err(&cut);
        // The error points at the start of the run that never ended.
        assert_eq!(err.line, 6);
        assert!(matches!(err.kind, VerifyErrorKind::Incomplete { run: 1 }));
        assert!(err.to_string().contains("hint: the run may have crashed"));
        assert!(read(cut.as_slice()).is_err());

        let lenient = verify_lenient(cut.as_slice()).unwrap();
        assert!(!lenient.complete);
        assert_eq!(lenient.runs, 2);
        assert!(lenient.to_string().starts_with("incomplete"));
        assert!(verify_with_head(cut.as_slice(), &head).is_err());
    }
}

#[test]
fn deleting_whole_runs_from_the_end_needs_the_head_to_be_caught() {
    let (bytes, head) = common::sample();
    let lines = common::lines(&bytes);
    let cut = common::join(&lines[..5]);
    verify(cut.as_slice()).unwrap();
    let err = verify_with_head(cut.as_slice(), &head).unwrap_err();
    assert_eq!(err.line, 5);
    assert!(matches!(err.kind, VerifyErrorKind::HeadMismatch { .. }));
}

#[test]
fn swapped_lines_are_detected() {
    let (bytes, _) = common::sample();
    for (a, b) in [(1, 2), (0, 1), (6, 7), (2, 6)] {
        let mut lines = common::lines(&bytes);
        lines.swap(a, b);
        let err = verify_err(&common::join(&lines));
        assert_eq!(err.line, a as u64 + 1);
        assert!(matches!(err.kind, VerifyErrorKind::BadSequence { .. }));
    }
}

#[test]
fn a_duplicated_line_is_detected() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    lines.insert(3, lines[2].clone());
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 4);
    assert!(matches!(
        err.kind,
        VerifyErrorKind::BadSequence {
            expected: 3,
            found: 2
        }
    ));
}

#[test]
fn a_file_cut_mid_line_is_detected() {
    let (bytes, _) = common::sample();
    let cut = &bytes[..bytes.len() - 10];
    let err = verify_err(cut);
    assert_eq!(err.line, 8);
    assert!(matches!(err.kind, VerifyErrorKind::Unterminated));
    // Even when only the final newline is missing.
    let err = verify_err(&bytes[..bytes.len() - 1]);
    assert!(matches!(err.kind, VerifyErrorKind::Unterminated));
    assert!(verify_lenient(&bytes[..bytes.len() - 1]).is_err());
}

#[test]
fn an_unknown_field_or_kind_is_malformed() {
    let (bytes, _) = common::sample();
    for (from, to) in [
        (r#""seed":42"#, r#""seed":42,"note":"hi""#),
        (r#""kind":"start""#, r#""kind":"begin""#),
    ] {
        let mut lines = common::lines(&bytes);
        lines[0] = lines[0].replace(from, to);
        let err = verify_err(&common::join(&lines));
        assert_eq!(err.line, 1);
        assert!(matches!(err.kind, VerifyErrorKind::Malformed(_)), "{err}");
    }
    let err = verify_err(b"{\"kind\":\"x\"}\n");
    assert_eq!(
        err.to_string(),
        "line 1: not a valid journal entry: unknown variant `x`, expected one of `start`, \
         `call`, `end` (column 11)\n\
         hint: airlock writes one JSON object per line; the line was edited, or the file is \
         not a journal"
    );
}

#[test]
fn crlf_line_endings_are_rejected_with_a_hint() {
    let (bytes, _) = common::sample();
    let crlf = String::from_utf8(bytes).unwrap().replace('\n', "\r\n");
    let err = verify_err(crlf.as_bytes());
    assert_eq!(err.line, 1);
    assert!(matches!(err.kind, VerifyErrorKind::CrLf));
    assert!(err.to_string().contains("autocrlf"));
}

#[test]
fn an_empty_line_is_rejected() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    lines.insert(2, String::new());
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 3);
    assert!(matches!(err.kind, VerifyErrorKind::EmptyLine));
}

#[test]
fn a_result_without_its_hash_is_rejected() {
    let (bytes, _) = common::sample();
    let mut lines = common::lines(&bytes);
    let entry: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    let sha = entry["result_sha256"].as_str().unwrap();
    lines[1] = lines[1].replace(&format!(r#","result_sha256":"{sha}""#), "");
    let err = verify_err(&common::join(&lines));
    assert_eq!(err.line, 2);
    assert!(matches!(err.kind, VerifyErrorKind::PartialResult));
}
