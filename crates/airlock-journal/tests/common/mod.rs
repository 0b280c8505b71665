//! A sample journal shared by the integration tests.

#![allow(dead_code)] // each test file uses a different part of this module

use airlock_journal::{
    CallEntry, CallError, Decision, EndEntry, Entry, Journal, Language, StartEntry, result_fields,
};
use serde_json::{Value, json};

/// Results above this many bytes of canonical JSON are left out.
pub const THRESHOLD: usize = 64;

pub fn start(run: u64) -> Entry {
    Entry::Start(StartEntry {
        time: "2026-11-24T20:01:02.345Z".into(),
        run,
        language: Language::JavaScript,
        name: "agent.js".into(),
        script: "const r = await tools.search({q: \"rust\"});\nconsole.log(r);\n".into(),
        seed: 42,
        deterministic: true,
        tools: vec![json!({
            "name": "search",
            "description": "Searches the web",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        })],
        ..StartEntry::default()
    })
}

/// An allowed call that returned `result`.
pub fn call(run: u64, index: u64, result: &Value) -> Entry {
    let (result, size, sha) = result_fields(result, THRESHOLD);
    Entry::Call(CallEntry {
        time: "2026-11-24T20:01:02.400Z".into(),
        run,
        call: index,
        tool: "search".into(),
        args: json!({"q": "rust", "limit": 3}),
        decision: Decision::Allow,
        rule: Some("allow[0]".into()),
        result,
        result_size: Some(size),
        result_sha256: Some(sha),
        duration_us: 1500,
        line: Some(1),
        ..CallEntry::default()
    })
}

/// A call that failed: denied by the policy, or allowed with a tool error.
pub fn failed_call(run: u64, index: u64, decision: Decision) -> Entry {
    Entry::Call(CallEntry {
        time: "2026-11-24T20:01:02.500Z".into(),
        run,
        call: index,
        tool: "delete".into(),
        args: json!({"path": "/etc/passwd"}),
        decision,
        rule: Some("deny[1]".into()),
        error: Some(CallError {
            code: "denied".into(),
            message: "deleting files is not allowed".into(),
            data: None,
        }),
        duration_us: 3,
        line: Some(7),
        ..CallEntry::default()
    })
}

pub fn end(run: u64, calls: u64) -> Entry {
    Entry::End(EndEntry {
        time: "2026-11-24T20:01:03.000Z".into(),
        run,
        exit_code: 0,
        calls,
        ..EndEntry::default()
    })
}

/// Two runs, eight entries: run 0 has a small result, a denial and a result
/// too large to keep; run 1 has a tool error.
pub fn sample_entries() -> Vec<Entry> {
    let big = json!({"text": "x".repeat(200)});
    vec![
        start(0),
        call(0, 0, &json!({"hits": 3, "title": "Rust ✓"})),
        failed_call(0, 1, Decision::Deny),
        call(0, 2, &big),
        end(0, 3),
        start(1),
        failed_call(1, 0, Decision::Allow),
        end(1, 1),
    ]
}

/// The sample journal's bytes and head.
pub fn sample() -> (Vec<u8>, String) {
    write(sample_entries())
}

pub fn write(entries: Vec<Entry>) -> (Vec<u8>, String) {
    let mut journal = Journal::new(Vec::new());
    for entry in entries {
        journal.append(entry).expect("sample entries are valid");
    }
    let head = journal.head().to_owned();
    (journal.into_inner(), head)
}

/// The journal's lines, each without its newline.
pub fn lines(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("journals are UTF-8");
    text.lines().map(str::to_owned).collect()
}

/// Joins lines back into a journal, each ending in a newline.
pub fn join(lines: &[String]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|l| format!("{l}\n").into_bytes())
        .collect()
}
