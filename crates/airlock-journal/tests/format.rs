//! The line format: exact serialisation, strict parsing, canonical JSON,
//! result fields and timestamps.

mod common;

use airlock_journal::{
    Entry, GENESIS, Journal, canonical, canonical_string, result_fields, rfc3339_millis, sha256_hex,
};
use serde_json::json;

#[test]
fn every_entry_kind_round_trips() {
    let (bytes, _) = common::sample();
    let written: Vec<Entry> = common::sample_entries();
    let lines = common::lines(&bytes);
    assert_eq!(lines.len(), written.len());
    for (line, original) in lines.iter().zip(&written) {
        let parsed: Entry = serde_json::from_str(line).unwrap();
        // Only the chain fields, which the writer fills in, may differ.
        let mut expected = original.clone();
        let mut reparsed = parsed.clone();
        for entry in [&mut expected, &mut reparsed] {
            match entry {
                Entry::Start(e) => (e.seq, e.prev) = (0, String::new()),
                Entry::Call(e) => {
                    (e.seq, e.prev) = (0, String::new());
                    e.args = canonical(&e.args);
                }
                Entry::End(e) => (e.seq, e.prev) = (0, String::new()),
            }
        }
        assert_eq!(reparsed, expected);
        assert_eq!(serde_json::to_string(&parsed).unwrap(), *line);
    }
}

#[test]
fn lines_have_a_fixed_field_order_and_omit_absent_fields() {
    let (bytes, _) = common::write(vec![
        common::start(0),
        common::failed_call(0, 0, airlock_journal::Decision::Deny),
        common::end(0, 1),
    ]);
    let lines = common::lines(&bytes);
    assert_eq!(
        lines[0],
        format!(
            r#"{{"kind":"start","seq":0,"prev":"{GENESIS}","time":"2026-11-24T20:01:02.345Z","run":0,"language":"javascript","name":"agent.js","script":"const r = await tools.search({{q: \"rust\"}});\nconsole.log(r);\n","seed":42,"deterministic":true,"tools":[{{"name":"search","description":"Searches the web","input_schema":{{"type":"object","properties":{{"q":{{"type":"string"}}}}}}}}]}}"#
        )
    );
    let prev = sha256_hex(lines[0].as_bytes());
    assert_eq!(
        lines[1],
        format!(
            r#"{{"kind":"call","seq":1,"prev":"{prev}","time":"2026-11-24T20:01:02.500Z","run":0,"call":0,"tool":"delete","args":{{"path":"/etc/passwd"}},"decision":"deny","rule":"deny[1]","error":{{"code":"denied","message":"deleting files is not allowed"}},"duration_us":3,"line":7}}"#
        )
    );
    let prev = sha256_hex(lines[1].as_bytes());
    assert_eq!(
        lines[2],
        format!(
            r#"{{"kind":"end","seq":2,"prev":"{prev}","time":"2026-11-24T20:01:03.000Z","run":0,"exit_code":0,"calls":1}}"#
        )
    );
}

#[test]
fn parsing_rejects_unknown_fields_kinds_and_values() {
    let (bytes, _) = common::sample();
    let end = common::lines(&bytes).pop().unwrap();
    let bad = [
        end.replace(r#""calls":1"#, r#""calls":1,"extra":true"#),
        end.replace(r#""kind":"end""#, r#""kind":"stop""#),
        end.replace(r#""kind":"end","#, ""),
        end.replace(r#","calls":1"#, ""),
        end.replace(r#""calls":1"#, r#""calls":-1"#),
    ];
    for line in bad {
        assert!(serde_json::from_str::<Entry>(&line).is_err(), "{line}");
    }
    let denied = &common::lines(&bytes)[2];
    let nested = denied.replace(r#""code":"#, r#""extra":1,"code":"#);
    assert_ne!(nested, *denied);
    assert!(serde_json::from_str::<Entry>(&nested).is_err());
    let language = common::lines(&bytes)[0].replace("javascript", "python");
    assert!(serde_json::from_str::<Entry>(&language).is_err());
}

#[test]
fn canonical_sorts_keys_recursively_and_keeps_arrays_and_text() {
    let value = json!({
        "zeta": [3, 1, {"b": 1, "a": [{"y": 2, "x": 1}]}],
        "alpha": {"é": "ünïcode ✓", "e": "\u{1F600}", "E": "\"quoted\"\n"},
        "mid": null,
    });
    let text = canonical_string(&value);
    assert_eq!(
        text,
        "{\"alpha\":{\"E\":\"\\\"quoted\\\"\\n\",\"e\":\"\u{1F600}\",\"é\":\"ünïcode ✓\"},\
         \"mid\":null,\"zeta\":[3,1,{\"a\":[{\"x\":1,\"y\":2}],\"b\":1}]}"
    );
    // Canonical form is a fixed point and does not depend on insertion order.
    assert_eq!(canonical_string(&canonical(&value)), text);
    let reordered: serde_json::Value = serde_json::from_str(
        r#"{"mid":null,"alpha":{"e":"😀","E":"\"quoted\"\n","é":"ünïcode ✓"},"zeta":[3,1,{"a":[{"x":1,"y":2}],"b":1}]}"#,
    )
    .unwrap();
    assert_eq!(canonical_string(&reordered), text);
}

#[test]
fn result_fields_keep_the_result_up_to_the_threshold() {
    let result = json!({"b": 1, "a": "xy"});
    let text = r#"{"a":"xy","b":1}"#;
    let size = text.len() as u64;
    let sha = sha256_hex(text.as_bytes());

    let (kept, got_size, got_sha) = result_fields(&result, text.len());
    assert_eq!(canonical_string(&kept.unwrap()), text);
    assert_eq!((got_size, got_sha.as_str()), (size, sha.as_str()));

    let (dropped, got_size, got_sha) = result_fields(&result, text.len() - 1);
    assert_eq!(dropped, None);
    assert_eq!((got_size, got_sha), (size, sha));
}

#[test]
fn floats_survive_the_trip_through_the_journal() {
    // A recorded result is checked by re-serialising what was parsed, so
    // every float must parse back to exactly the value written.
    let result = json!([
        0.1,
        1.2345678901234567e-100,
        5e-324,
        1.7976931348623157e308,
        -0.0
    ]);
    let (bytes, _) = common::write(vec![
        common::start(0),
        common::call(0, 0, &result),
        common::end(0, 1),
    ]);
    airlock_journal::verify(bytes.as_slice()).unwrap();
}

#[test]
fn rfc3339_formats_known_instants() {
    let cases = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (946_684_799_000, "1999-12-31T23:59:59.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_704_024_000_000, "2023-12-31T12:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (1_795_550_462_345, "2026-11-24T20:01:02.345Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (253_402_300_800_000, "10000-01-01T00:00:00.000Z"),
    ];
    for (millis, expected) in cases {
        assert_eq!(rfc3339_millis(millis), expected, "{millis}");
    }
    // The largest input does not overflow.
    assert!(rfc3339_millis(u64::MAX).ends_with('Z'));
}

#[test]
fn an_empty_journal_has_the_genesis_head() {
    let journal = Journal::new(Vec::new());
    assert_eq!(journal.head(), GENESIS);
    assert!(journal.is_empty());
    assert_eq!(GENESIS, "0".repeat(64));
}

#[test]
fn a_null_result_and_file_changes_round_trip_and_verify() {
    use airlock_journal::{CallEntry, FileEntry, file_fields};
    let (data, size, sha) = file_fields(b"made", 1024);
    let (result, result_size, result_sha256) = result_fields(&json!(null), 1024);
    let mut call = CallEntry {
        tool: "t".into(),
        args: json!({}),
        result,
        result_size: Some(result_size),
        result_sha256: Some(result_sha256),
        files: vec![
            FileEntry {
                op: "mkdir".into(),
                path: "/workspace/out".into(),
                ..FileEntry::default()
            },
            FileEntry {
                op: "write".into(),
                path: "/workspace/out/a.txt".into(),
                data,
                size: Some(size),
                sha256: Some(sha),
            },
        ],
        ..CallEntry::default()
    };
    assert_eq!(call.result, Some(json!(null)));
    let (bytes, _) = common::write(vec![
        common::start(0),
        Entry::Call(call.clone()),
        common::end(0, 1),
    ]);
    let line = common::lines(&bytes)[1].to_string();
    assert!(line.contains(r#""result":null"#), "{line}");
    assert!(line.contains(r#""data":"bWFkZQ==""#), "{line}");
    let Entry::Call(parsed) = serde_json::from_str::<Entry>(&line).unwrap() else {
        panic!("{line}");
    };
    assert_eq!(
        parsed.result,
        Some(json!(null)),
        "a null result is a result"
    );
    assert_eq!(parsed.files, call.files);
    airlock_journal::verify(bytes.as_slice()).expect("verifies");
    // Contents that do not match their hash are refused.
    call.files[1].data = Some("bm9wZQ==".into());
    let mut journal = Journal::new(Vec::new());
    journal.append(common::start(0)).unwrap();
    let err = journal.append(Entry::Call(call)).unwrap_err();
    assert!(err.to_string().contains("/workspace/out/a.txt"), "{err}");
}
