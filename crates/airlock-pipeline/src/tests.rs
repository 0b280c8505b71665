//! The tool pipeline fed raw bytes, as a hostile guest that skips the JS stubs would send them
//! through `call("tool.call", json)`: every check (shape, resolution, bounds, schema, policy,
//! budgets, replay) must hold on the host alone, and nothing a guest sends may panic it.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use airlock_journal::{CallEntry, CallError, Decision, EndEntry, Entry, StartEntry, canonical};
use airlock_policy::Policy;
use airlock_tools::{ToolSpec, Toolbox, tool_fn};
use serde_json::{Value, json};

use super::{
    JOURNAL_RESULT_THRESHOLD, Replay, RunTools, SessionJournal, SessionTools, Toolset, call_batch,
};
use crate::{BatchExit, ToolLimits};

/// The host's limit knobs these tests turn, under the host's names.
#[derive(Clone)]
struct Limits {
    tool_calls_per_run: u64,
    tool_args_bytes: usize,
    tool_json_depth: usize,
    tool_result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let t = ToolLimits::default();
        Self {
            tool_calls_per_run: t.calls_per_run,
            tool_args_bytes: t.args_bytes,
            tool_json_depth: t.depth,
            tool_result_bytes: t.result_bytes,
        }
    }
}

impl Limits {
    fn tool_limits(&self) -> ToolLimits {
        ToolLimits {
            calls_per_run: self.tool_calls_per_run,
            args_bytes: self.tool_args_bytes,
            depth: self.tool_json_depth,
            result_bytes: self.tool_result_bytes,
            ..ToolLimits::default()
        }
    }
}

/// What a test tool answers, from its arguments.
type Reply = fn(Value) -> Value;

/// `pay` checks `amount` in its schema, `note` takes any object (so type confusion reaches the
/// policy), `a/b` has a two-segment name, `echo` returns its arguments.
const POLICY: &str = r#"
[[allow]]
tools = "pay"
[allow.args]
amount = { min = 1, max = 100 }

[[allow]]
tools = "note"
[allow.args]
amount = { max = 100, optional = true }

[[allow]]
tools = "a/b"

[[allow]]
tools = "echo"
[allow.args]
amount = { max = 100, optional = true }
"#;

fn pay_schema() -> Value {
    json!({
        "type": "object",
        "properties": { "amount": { "type": "number" } },
        "required": ["amount"]
    })
}

fn default_tools() -> Vec<(ToolSpec, Reply)> {
    vec![
        (
            ToolSpec::new("pay", "pays").with_input_schema(pay_schema()),
            |_| json!({ "paid": true }),
        ),
        (ToolSpec::new("note", "notes"), |_| json!("noted")),
        (ToolSpec::new("a/b", "nested"), |_| json!(1)),
        (ToolSpec::new("echo", "echoes"), |args| args),
    ]
}

/// A run's tools, built the way a session builds them, with a call counter per tool.
struct World {
    tools: RunTools,
    counters: Vec<(String, Arc<AtomicUsize>)>,
}

impl World {
    fn new(policy: &str, limits: Limits) -> Self {
        Self::with(default_tools(), policy, limits)
    }

    fn standard() -> Self {
        Self::new(POLICY, Limits::default())
    }

    fn with(specs: Vec<(ToolSpec, Reply)>, policy: &str, limits: Limits) -> Self {
        let mut toolbox = Toolbox::new();
        let mut counters = Vec::new();
        for (spec, reply) in specs {
            let count = Arc::new(AtomicUsize::new(0));
            counters.push((spec.name.clone(), Arc::clone(&count)));
            let tool = tool_fn(spec, move |args| {
                let count = Arc::clone(&count);
                async move {
                    count.fetch_add(1, Ordering::SeqCst);
                    Ok(reply(args))
                }
            });
            toolbox.add(tool).unwrap();
        }
        let policy = Policy::from_toml(policy, "test.toml").unwrap();
        let set = Toolset::new(toolbox, policy);
        let session = SessionTools::new(&set);
        Self {
            tools: RunTools::new(set, session, limits.tool_limits(), 0),
            counters,
        }
    }

    /// Times the tool called `name` (as configured) actually ran.
    fn count(&self, name: &str) -> usize {
        let (_, n) = self.counters.iter().find(|(n, _)| n == name).unwrap();
        n.load(Ordering::SeqCst)
    }

    fn total(&self) -> usize {
        self.counters
            .iter()
            .map(|(_, n)| n.load(Ordering::SeqCst))
            .sum()
    }

    /// Sends raw bytes as the guest would and parses the answer.
    fn send(&mut self, raw: impl AsRef<[u8]>) -> Value {
        let answer = call_batch(&mut self.tools, raw.as_ref(), &mut None).unwrap();
        serde_json::from_slice(&answer).unwrap()
    }

    /// Sends a batch and returns one code per outcome (`"ok"` for a success), checking that
    /// the answer has exactly one outcome per call sent.
    fn codes(&mut self, batch: &Value) -> Vec<String> {
        let sent = batch.as_array().unwrap().len();
        let answer = self.send(batch.to_string());
        let codes = codes(&answer);
        assert_eq!(codes.len(), sent, "outcomes for {batch}: {answer}");
        codes
    }

    /// `(tool, code)` of every recorded call, in order.
    fn records(&self) -> Vec<(String, String)> {
        self.tools
            .records
            .calls
            .iter()
            .map(|c| {
                let code = c.error.as_ref().map_or("ok", |e| e.code.as_str());
                (c.tool.clone(), code.to_string())
            })
            .collect()
    }
}

fn codes(answer: &Value) -> Vec<String> {
    answer
        .as_array()
        .unwrap_or_else(|| panic!("not an array of outcomes: {answer}"))
        .iter()
        .map(|o| {
            if o["ok"] == json!(true) {
                "ok".to_string()
            } else {
                assert_eq!(o["ok"], json!(false), "{o}");
                assert!(o["message"].is_string(), "{o}");
                o["code"].as_str().unwrap().to_string()
            }
        })
        .collect()
}

fn codes_of(w: &mut World, raw: &str) -> Vec<String> {
    codes(&w.send(raw))
}

/// The answer to a batch the host could not read: one EINVAL for all its calls, nothing run,
/// nothing recorded.
fn assert_malformed(world: &mut World, raw: impl AsRef<[u8]>) {
    let raw = raw.as_ref();
    let before = world.tools.records.calls.len();
    let ran = world.total();
    let answer = world.send(raw);
    let shown = String::from_utf8_lossy(&raw[..raw.len().min(80)]).into_owned();
    assert_eq!(answer["ok"], json!(false), "{shown}: {answer}");
    assert_eq!(answer["code"], json!("EINVAL"), "{shown}: {answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed tool call batch"),
        "{answer}"
    );
    assert_eq!(world.total(), ran, "{shown}: a tool ran");
    assert_eq!(world.tools.records.calls.len(), before, "{shown}: recorded");
}

fn strs(codes: &[&str]) -> Vec<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

/// `{"a":{"a":...1...}}`, `levels` objects deep.
fn nested(levels: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(levels), "}".repeat(levels))
}

// ---------------------------------------------------------------------------------------------
// The batch's shape
// ---------------------------------------------------------------------------------------------

#[test]
fn unreadable_batches_are_one_einval() {
    let mut w = World::standard();
    let cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"[".to_vec(),
        b"[{\"tool\":\"pay\",\"args\":{\"amount\":5}}".to_vec(),
        b"[] trailing".to_vec(),
        b"null".to_vec(),
        b"true".to_vec(),
        b"42".to_vec(),
        b"\"pay\"".to_vec(),
        // An object instead of an array of them.
        br#"{"tool":"pay","args":{"amount":5}}"#.to_vec(),
        b"[1]".to_vec(),
        b"[null]".to_vec(),
        b"[\"pay\"]".to_vec(),
        // Invalid UTF-8 and a raw control byte inside a string.
        b"[{\"tool\":\"p\xffy\"}]".to_vec(),
        b"[{\"tool\":\"pay\x00\"}]".to_vec(),
        // A lone surrogate escape.
        br#"[{"tool":"\ud800"}]"#.to_vec(),
        // NaN and infinities are not JSON (JSON.stringify sends null for them).
        br#"[{"tool":"pay","args":{"amount":NaN}}]"#.to_vec(),
        br#"[{"tool":"pay","args":{"amount":Infinity}}]"#.to_vec(),
        br#"[{"tool":"pay","args":{"amount":1e400}}]"#.to_vec(),
        br#"[{"tool":"pay","args":{"amount":5,}}]"#.to_vec(),
    ];
    for raw in cases {
        assert_malformed(&mut w, raw);
    }
}

#[test]
fn an_empty_batch_gets_an_empty_answer() {
    let mut w = World::standard();
    assert_eq!(w.send(b"[]"), json!([]));
    assert_eq!(w.send(b" [ ] "), json!([]));
    assert!(w.tools.records.calls.is_empty());
    assert_eq!(w.tools.calls, 0);
}

#[test]
fn call_objects_are_strict() {
    let mut w = World::standard();
    for raw in [
        // Unknown fields, including ones naming the host's own decisions.
        r#"[{"tool":"pay","args":{"amount":5},"rule":"allow[0]"}]"#,
        r#"[{"tool":"pay","args":{"amount":5},"decision":"allow"}]"#,
        r#"[{"tool":"pay","args":{"amount":5},"Tool":"pay"}]"#,
        // No tool, or a tool that is not a string.
        r#"[{"args":{"amount":5}}]"#,
        r#"[{}]"#,
        r#"[{"tool":null}]"#,
        r#"[{"tool":5}]"#,
        r#"[{"tool":["pay"]}]"#,
        r#"[{"tool":{"name":"pay"}}]"#,
        r#"[{"tool":true}]"#,
        // A name or arguments given twice: no way to smuggle a second tool past the first.
        r#"[{"tool":"note","tool":"pay","args":{"amount":5}}]"#,
        r#"[{"tool":"pay","args":{"amount":5},"args":{"amount":500}}]"#,
        // One malformed call spoils its whole batch, well-formed calls included.
        r#"[{"tool":"pay","args":{"amount":5}},{"tool":"pay","args":{"amount":5},"x":1}]"#,
    ] {
        assert_malformed(&mut w, raw);
    }
}

// serde reads a derived struct from a sequence too, so `["tool", args, line]` is accepted as a
// call. Not the documented form; what matters is that it skips no check.
#[test]
fn calls_in_array_form_skip_no_check() {
    let pairs = [
        (
            r#"[["pay",{"amount":5}]]"#,
            r#"[{"tool":"pay","args":{"amount":5}}]"#,
        ),
        (
            r#"[["pay",{"amount":500}]]"#,
            r#"[{"tool":"pay","args":{"amount":500}}]"#,
        ),
        (r#"[["pay"]]"#, r#"[{"tool":"pay"}]"#),
        (r#"[["note",[]]]"#, r#"[{"tool":"note","args":[]}]"#),
        (r#"[["nosuch",{}]]"#, r#"[{"tool":"nosuch","args":{}}]"#),
        (
            r#"[["a.b",{},7]]"#,
            r#"[{"tool":"a.b","args":{},"line":7}]"#,
        ),
    ];
    for (array, object) in pairs {
        let mut a = World::standard();
        let mut o = World::standard();
        let answer = a.send(array);
        if answer.is_object() {
            assert_eq!(answer["code"], json!("EINVAL"), "{array}: {answer}");
            assert_eq!(a.total(), 0);
            continue;
        }
        assert_eq!(codes(&answer), codes(&o.send(object)), "{array}");
        assert_eq!(a.total(), o.total(), "{array}");
        assert_eq!(a.records(), o.records(), "{array}");
    }
    let mut w = World::standard();
    assert_malformed(&mut w, r#"[["pay",{"amount":5},7,"extra"]]"#);
    assert_malformed(&mut w, r#"[["pay",{"amount":5},-1]]"#);
    assert_malformed(&mut w, r#"[[]]"#);
}

#[test]
fn line_must_be_a_u32_or_the_batch_is_malformed() {
    let mut w = World::standard();
    for line in [
        "-1",
        "4294967296",
        "18446744073709551616",
        "1.5",
        "\"7\"",
        "true",
        "[]",
        "1e3",
    ] {
        assert_malformed(
            &mut w,
            format!(r#"[{{"tool":"pay","args":{{"amount":5}},"line":{line}}}]"#),
        );
    }
    // Zero, the largest u32 and null are fine.
    let raw = r#"[{"tool":"pay","args":{"amount":5},"line":0},
                  {"tool":"pay","args":{"amount":5},"line":4294967295},
                  {"tool":"pay","args":{"amount":5},"line":null}]"#;
    assert_eq!(codes(&w.send(raw)), strs(&["ok", "ok", "ok"]));
    let lines: Vec<_> = w.tools.records.calls.iter().map(|c| c.line).collect();
    assert_eq!(lines, [Some(0), Some(u32::MAX), None]);
}

// ---------------------------------------------------------------------------------------------
// Tool names
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_and_odd_names_are_enoent_and_reach_no_tool() {
    let mut w = World::standard();
    let long = "p".repeat(10 * 1024);
    let names = [
        long.as_str(),
        "",
        "pay\u{0}",
        "\u{0}pay",
        "../pay",
        "pay/..",
        "./pay",
        "/pay",
        "pay/",
        ".pay",
        "pay.",
        "Pay",
        "PAY",
        " pay",
        "pay ",
        "páy",
        "pay\u{200b}",
        "ｐａｙ",
        "a//b",
        "a..b",
        "a/b/c",
        "a\\b",
        "a",
        "b",
        "*",
        "**",
        "a/*",
    ];
    let batch: Vec<Value> = names
        .iter()
        .map(|n| json!({ "tool": n, "args": { "amount": 5 } }))
        .collect();
    let codes = w.codes(&Value::Array(batch));
    assert!(codes.iter().all(|c| c == "ENOENT"), "{codes:?}");
    assert_eq!(w.total(), 0);
    // Recorded under the name the script used: there is no configured one.
    let recorded: Vec<_> = w.records().into_iter().map(|(t, _)| t).collect();
    assert_eq!(recorded, names);
}

#[test]
fn either_separator_gets_the_same_decision_under_the_configured_name() {
    let mut w = World::new(
        r#"
        [[allow]]
        tools = "a/b"
        max_calls = 3
        "#,
        Limits::default(),
    );
    let batch = json!([
        { "tool": "a.b" },
        { "tool": "a/b" },
        { "tool": "a.b", "args": {} },
        { "tool": "a/b" },
        { "tool": "a.b" },
    ]);
    // One budget, whichever spelling spends it.
    assert_eq!(
        w.codes(&batch),
        strs(&["ok", "ok", "ok", "EPOLICY", "EPOLICY"])
    );
    assert_eq!(w.count("a/b"), 3);
    assert!(
        w.records().iter().all(|(t, _)| t == "a/b"),
        "{:?}",
        w.records()
    );
}

#[test]
fn deny_rules_match_either_separator() {
    for (pattern, called) in [
        ("a/b", "a.b"),
        ("a.b", "a/b"),
        ("a/*", "a.b"),
        ("**", "a.b"),
    ] {
        let mut w = World::new(
            &format!("[[allow]]\ntools = \"**\"\n[[deny]]\ntools = \"{pattern}\"\n"),
            Limits::default(),
        );
        let codes = w.codes(&json!([{ "tool": called }]));
        assert_eq!(codes, strs(&["EPOLICY"]), "deny {pattern}, call {called}");
        assert_eq!(w.count("a/b"), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_args_are_an_empty_object() {
    let mut w = World::standard();
    let answer = w.send(r#"[{"tool":"echo"},{"tool":"pay"}]"#);
    assert_eq!(answer[0], json!({ "ok": true, "value": {} }));
    // `pay` requires `amount`: its schema sees the empty object.
    assert_eq!(answer[1]["code"], json!("EINVAL"));
    assert_eq!(w.count("echo"), 1);
    assert_eq!(w.count("pay"), 0);
}

#[test]
fn args_that_are_not_an_object_are_einval() {
    let mut w = World::standard();
    for args in [
        "[]",
        "[{\"amount\":5}]",
        "\"amount\"",
        "5",
        "0",
        "true",
        "false",
    ] {
        for tool in ["note", "echo", "pay", "a.b"] {
            let raw = format!(r#"[{{"tool":"{tool}","args":{args}}}]"#);
            assert_eq!(codes(&w.send(&raw)), strs(&["EINVAL"]), "{raw}");
        }
    }
    assert_eq!(w.total(), 0);
}

#[test]
fn null_args_are_einval() {
    let mut w = World::standard();
    let answer = w.send(r#"[{"tool":"note","args":null},{"tool":"echo","args":null}]"#);
    assert_eq!(codes(&answer), strs(&["EINVAL", "EINVAL"]), "{answer}");
    assert_eq!(w.total(), 0);
}

#[test]
fn duplicate_keys_in_args_mean_the_same_to_policy_and_tool() {
    let mut w = World::standard();
    // The last value wins for the schema, the policy, the tool and the record alike.
    let answer = w.send(
        r#"[{"tool":"echo","args":{"amount":1,"amount":500}},
            {"tool":"echo","args":{"amount":500,"amount":1}},
            {"tool":"pay","args":{"amount":"5","amount":5}},
            {"tool":"pay","args":{"amount":5,"amount":"5"}}]"#,
    );
    assert_eq!(codes(&answer), strs(&["EPOLICY", "ok", "ok", "EINVAL"]));
    assert_eq!(answer[1]["value"], json!({ "amount": 1 }));
    assert_eq!(w.count("echo"), 1);
    assert_eq!(w.count("pay"), 1);
    let args: Vec<_> = w
        .tools
        .records
        .calls
        .iter()
        .map(|c| c.args.clone())
        .collect();
    assert_eq!(args[0], Some(json!({ "amount": 500 })));
    assert_eq!(args[1], Some(json!({ "amount": 1 })));
}

#[test]
fn type_confusion_is_caught_by_the_schema_or_the_policy() {
    let mut w = World::standard();
    // `pay`'s schema says number: EINVAL before the policy is asked.
    // `note` takes any object: its policy's numeric bounds refuse non-numbers.
    let batch = json!([
        { "tool": "pay", "args": { "amount": "500" } },
        { "tool": "pay", "args": { "amount": "5" } },
        { "tool": "pay", "args": { "amount": true } },
        { "tool": "pay", "args": { "amount": null } },
        { "tool": "pay", "args": { "amount": [5] } },
        { "tool": "pay", "args": { "amount": { "value": 5 } } },
        { "tool": "note", "args": { "amount": "500" } },
        { "tool": "note", "args": { "amount": "5" } },
        { "tool": "note", "args": { "amount": true } },
        { "tool": "note", "args": { "amount": null } },
        { "tool": "note", "args": { "amount": [5] } },
        { "tool": "note", "args": { "amount": 5 } },
    ]);
    let expected = [
        "EINVAL", "EINVAL", "EINVAL", "EINVAL", "EINVAL", "EINVAL", "EPOLICY", "EPOLICY",
        "EPOLICY", "EPOLICY", "EPOLICY", "ok",
    ];
    assert_eq!(w.codes(&batch), strs(&expected));
    assert_eq!(w.count("pay"), 0);
    assert_eq!(w.count("note"), 1);
}

#[test]
fn odd_numbers_are_judged_by_value() {
    let mut w = World::standard();
    let answer = w.send(
        r#"[{"tool":"pay","args":{"amount":1e2}},
            {"tool":"pay","args":{"amount":100.0}},
            {"tool":"pay","args":{"amount":100.0000001}},
            {"tool":"pay","args":{"amount":-0}},
            {"tool":"pay","args":{"amount":0.99999}},
            {"tool":"pay","args":{"amount":100000000000000000000}},
            {"tool":"pay","args":{"amount":-100000000000000000000}},
            {"tool":"pay","args":{"amount":1e-400}}]"#,
    );
    assert_eq!(
        codes(&answer),
        strs(&[
            "ok", "ok", "EPOLICY", "EPOLICY", "EPOLICY", "EPOLICY", "EPOLICY", "EPOLICY"
        ])
    );
    assert_eq!(w.count("pay"), 2);
}

// ---------------------------------------------------------------------------------------------
// Policy and budgets
// ---------------------------------------------------------------------------------------------

#[test]
fn budgets_are_exact_within_one_batch() {
    let mut w = World::new(
        r#"
        [[allow]]
        tools = "pay"
        max_calls = 7
        "#,
        Limits::default(),
    );
    let batch: Vec<Value> = (0..100)
        .map(|_| json!({ "tool": "pay", "args": { "amount": 5 } }))
        .collect();
    let codes = w.codes(&Value::Array(batch));
    let mut expected = vec!["ok"; 7];
    expected.extend(["EPOLICY"; 93]);
    assert_eq!(codes, strs(&expected));
    assert_eq!(w.count("pay"), 7);
    // The budget is the session's: a later batch gets nothing either.
    assert_eq!(
        w.codes(&json!([{ "tool": "pay", "args": { "amount": 5 } }])),
        strs(&["EPOLICY"])
    );
    assert_eq!(w.count("pay"), 7);
}

#[test]
fn refused_calls_consume_no_budget_and_reach_no_tool() {
    let mut w = World::new(
        r#"
        [[allow]]
        tools = "pay"
        max_calls = 2
        [allow.args]
        amount = { min = 1, max = 100 }
        "#,
        Limits::default(),
    );
    let batch = json!([
        { "tool": "pay", "args": { "amount": 500 } },
        { "tool": "pay", "args": { "amount": "5" } },
        { "tool": "pay", "args": [] },
        { "tool": "pay.", "args": { "amount": 5 } },
        { "tool": "pay", "args": { "amount": 5 } },
        { "tool": "pay", "args": { "amount": 0 } },
        { "tool": "pay", "args": { "amount": 5 } },
        { "tool": "pay", "args": { "amount": 5 } },
    ]);
    assert_eq!(
        w.codes(&batch),
        strs(&[
            "EPOLICY", "EINVAL", "EINVAL", "ENOENT", "ok", "EPOLICY", "ok", "EPOLICY"
        ])
    );
    assert_eq!(w.count("pay"), 2);
}

#[test]
fn deny_rules_win_over_allow_rules() {
    let mut w = World::new(
        r#"
        [[allow]]
        tools = "**"
        [[allow]]
        tools = "pay"
        [[deny]]
        tools = "pay"
        reason = "payments need a human"
        "#,
        Limits::default(),
    );
    let answer = w.send(
        r#"[{"tool":"pay","args":{"amount":5}},{"tool":"note"},{"tool":"pay","args":{"amount":5}}]"#,
    );
    assert_eq!(codes(&answer), strs(&["EPOLICY", "ok", "EPOLICY"]));
    assert!(
        answer[0]["message"]
            .as_str()
            .unwrap()
            .contains("payments need a human"),
        "{answer}"
    );
    assert_eq!(w.count("pay"), 0);
}

#[test]
fn spoofed_lines_change_no_decision() {
    let policy = r#"
        [[allow]]
        tools = "pay"
        max_calls = 3
        [allow.args]
        amount = { min = 1, max = 100 }
    "#;
    let call = |amount: i64, line: Option<u32>| {
        let mut c = json!({ "tool": "pay", "args": { "amount": amount } });
        if let Some(line) = line {
            c["line"] = json!(line);
        }
        c
    };
    let amounts = [5, 500, 5, 5, 500, 5, 5];
    let mut seen = Vec::new();
    for lines in [
        [None; 7],
        [Some(0); 7],
        [Some(1); 7],
        [Some(u32::MAX); 7],
        [
            Some(7),
            Some(0),
            Some(u32::MAX),
            Some(1),
            Some(2),
            Some(1),
            Some(3),
        ],
    ] {
        let mut w = World::new(policy, Limits::default());
        let batch: Vec<Value> = amounts
            .iter()
            .zip(lines)
            .map(|(&a, l)| call(a, l))
            .collect();
        seen.push(w.codes(&Value::Array(batch)));
        assert_eq!(w.count("pay"), 3);
        let recorded: Vec<_> = w.tools.records.calls.iter().map(|c| c.line).collect();
        assert_eq!(recorded, lines);
    }
    let expected = strs(&["ok", "EPOLICY", "ok", "ok", "EPOLICY", "EPOLICY", "EPOLICY"]);
    assert!(seen.iter().all(|c| *c == expected), "{seen:?}");
}

// ---------------------------------------------------------------------------------------------
// Bounds
// ---------------------------------------------------------------------------------------------

#[test]
fn calls_per_run_is_exact_within_one_batch() {
    let mut w = World::new(
        POLICY,
        Limits {
            tool_calls_per_run: 3,
            ..Limits::default()
        },
    );
    let batch: Vec<Value> = (0..10).map(|_| json!({ "tool": "note" })).collect();
    let mut expected = vec!["ok"; 3];
    expected.extend(["E2BIG"; 7]);
    assert_eq!(w.codes(&Value::Array(batch)), strs(&expected));
    assert_eq!(w.count("note"), 3);
    // The cap is the run's, not the batch's.
    assert_eq!(w.codes(&json!([{ "tool": "note" }])), strs(&["E2BIG"]));
    assert_eq!(w.count("note"), 3);
}

#[test]
fn args_bytes_are_bounded() {
    let mut w = World::new(
        POLICY,
        Limits {
            tool_args_bytes: 64,
            ..Limits::default()
        },
    );
    // `{"s":"..."}` is 8 bytes around the string.
    let args = |n: usize| json!({ "s": "x".repeat(n) });
    let batch = json!([
        { "tool": "note", "args": args(56) },
        { "tool": "note", "args": args(57) },
        { "tool": "note", "args": args(10_000) },
        { "tool": "nosuch", "args": args(57) },
        { "tool": "note", "args": args(1) },
    ]);
    let codes = w.codes(&batch);
    assert_eq!(codes[0], "ok");
    assert_eq!(codes[1], "E2BIG");
    assert_eq!(codes[2], "E2BIG");
    // Bounds come before resolution: either refusal is right, as long as nothing runs.
    assert!(codes[3] == "E2BIG" || codes[3] == "ENOENT", "{codes:?}");
    assert_eq!(codes[4], "ok");
    assert_eq!(w.count("note"), 2);
    // Whitespace in the raw batch is not the arguments' size.
    let padded = format!(
        r#"[{{"tool":"note","args":{{  "s" :  "{}"   }}}}]"#,
        "x".repeat(56)
    );
    assert_eq!(codes_of(&mut w, &padded), strs(&["ok"]));
}

#[test]
fn args_bytes_default_bound() {
    let mut w = World::standard();
    let big = "x".repeat(Limits::default().tool_args_bytes);
    let batch = json!([{ "tool": "note", "args": { "s": big } }, { "tool": "note" }]);
    assert_eq!(w.codes(&batch), strs(&["E2BIG", "ok"]));
    assert_eq!(w.count("note"), 1);
}

#[test]
fn args_depth_is_bounded() {
    let mut w = World::standard();
    let depth = Limits::default().tool_json_depth;
    let call = |levels: usize| format!(r#"{{"tool":"note","args":{}}}"#, nested(levels));
    let raw = format!(
        "[{},{},{},{}]",
        call(depth),
        call(depth + 1),
        call(100),
        call(1)
    );
    assert_eq!(
        codes_of(&mut w, &raw),
        strs(&["ok", "E2BIG", "E2BIG", "ok"])
    );
    assert_eq!(w.count("note"), 2);
    // Arrays nest too, and depth is checked before the object check.
    let arrays = format!(
        r#"[{{"tool":"note","args":{}1{}}}]"#,
        "[".repeat(100),
        "]".repeat(100)
    );
    let codes = codes_of(&mut w, &arrays);
    assert!(codes == ["E2BIG"] || codes == ["EINVAL"], "{codes:?}");
    // Past serde_json's own recursion limit the batch cannot be read at all: still no panic.
    for levels in [200, 10_000, 1_000_000] {
        assert_malformed(&mut w, format!("[{}]", call(levels)));
        assert_malformed(
            &mut w,
            format!("[{{\"tool\":\"note\",\"args\":{}", "[".repeat(levels)),
        );
        assert_malformed(&mut w, "[".repeat(levels));
    }
    assert_eq!(w.count("note"), 2);
}

#[test]
fn results_are_bounded() {
    let specs: Vec<(ToolSpec, Reply)> = vec![
        (ToolSpec::new("small", "fits"), |_| json!("x".repeat(80))),
        (ToolSpec::new("big", "too many bytes"), |_| {
            json!("x".repeat(2000))
        }),
        (ToolSpec::new("deep", "too deep"), |_| {
            serde_json::from_str(&nested(65)).unwrap()
        }),
        (ToolSpec::new("shallow", "just fits"), |_| {
            serde_json::from_str(&nested(64)).unwrap()
        }),
        (
            ToolSpec::new("liar", "breaks its schema")
                .with_output_schema(json!({ "type": "number" })),
            |_| json!("not a number"),
        ),
    ];
    let mut w = World::with(
        specs,
        "",
        Limits {
            tool_result_bytes: 1000,
            ..Limits::default()
        },
    );
    let answer = w.send(
        r#"[{"tool":"small"},{"tool":"big"},{"tool":"deep"},{"tool":"shallow"},{"tool":"liar"}]"#,
    );
    assert_eq!(
        codes(&answer),
        strs(&["ok", "E2BIG", "E2BIG", "ok", "ETOOL"])
    );
    // The tools ran; their results did not reach the script or the records.
    assert_eq!(w.total(), 5);
    assert!(!answer.to_string().contains(&"x".repeat(2000)));
    let results: Vec<_> = w
        .tools
        .records
        .calls
        .iter()
        .map(|c| c.result.is_some())
        .collect();
    assert_eq!(results, [true, false, false, true, false]);
}

// ---------------------------------------------------------------------------------------------
// Order and records
// ---------------------------------------------------------------------------------------------

#[test]
fn every_call_gets_its_outcome_in_order_and_is_recorded() {
    let mut w = World::new(
        POLICY,
        Limits {
            tool_args_bytes: 1024,
            tool_calls_per_run: 11,
            ..Limits::default()
        },
    );
    let batch = json!([
        { "tool": "pay", "args": { "amount": 5 }, "line": 1 },
        { "tool": "nosuch" },
        { "tool": "pay", "args": { "amount": 500 } },
        { "tool": "note", "args": { "s": "x".repeat(2000) } },
        { "tool": "echo", "args": { "n": 1 } },
        { "tool": "pay", "args": "five" },
        { "tool": "a.b", "args": {} },
        { "tool": "note", "args": serde_json::from_str::<Value>(&nested(80)).unwrap() },
        { "tool": "pay", "args": { "amount": "5" } },
        { "tool": "echo", "args": { "n": 2 } },
        { "tool": "note", "args": { "amount": 1000 } },
        { "tool": "echo", "args": { "n": 3 } },
    ]);
    let answer = w.send(batch.to_string());
    let expected = [
        "ok", "ENOENT", "EPOLICY", "E2BIG", "ok", "EINVAL", "ok", "E2BIG", "EINVAL", "ok",
        "EPOLICY", "E2BIG",
    ];
    assert_eq!(codes(&answer), strs(&expected));
    // Each success is its own call's result, not a neighbour's.
    assert_eq!(answer[0]["value"], json!({ "paid": true }));
    assert_eq!(answer[4]["value"], json!({ "n": 1 }));
    assert_eq!(answer[6]["value"], json!(1));
    assert_eq!(answer[9]["value"], json!({ "n": 2 }));
    let names = [
        "pay", "nosuch", "pay", "note", "echo", "pay", "a/b", "note", "pay", "echo", "note", "echo",
    ];
    let expected_records: Vec<_> = names
        .iter()
        .zip(expected)
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .collect();
    assert_eq!(w.records(), expected_records);
    assert_eq!(w.tools.records.calls[0].line, Some(1));
    assert_eq!(w.tools.records.calls[2].rule, None);
    assert_eq!(w.tools.records.calls[0].rule.as_deref(), Some("allow[0]"));
    assert_eq!(w.total(), 4);
    assert_eq!(w.tools.calls, 12);
}

#[test]
fn calls_refused_before_the_policy_are_recorded_under_the_configured_name() {
    let mut w = World::standard();
    let answer =
        w.send(r#"[{"tool":"a.b","args":[]},{"tool":"a.b","args":5},{"tool":"a/b","args":[]}]"#);
    assert_eq!(codes(&answer), strs(&["EINVAL", "EINVAL", "EINVAL"]));
    assert!(
        w.records().iter().all(|(t, _)| t == "a/b"),
        "{:?}",
        w.records()
    );
}

// ---------------------------------------------------------------------------------------------
// Journal and replay
// ---------------------------------------------------------------------------------------------

/// A journal's bytes, shared with the test that reads them back (the layer tests use it too).
#[derive(Clone, Default)]
pub(crate) struct Shared(pub(crate) Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `batch` as run 0 of a journaled session and returns the journal's entries.
fn record(batch: &str) -> Vec<Entry> {
    let out = Shared::default();
    let mut w = World::standard();
    let mut journal = SessionJournal::new(Box::new(out.clone()), JOURNAL_RESULT_THRESHOLD);
    journal.start(StartEntry::default());
    w.tools.session.journal = Some(journal);
    w.send(batch);
    let calls = w.tools.records.calls.len() as u64;
    let journal = w.tools.session.journal.as_mut().unwrap();
    assert!(journal.failure().is_none());
    journal.end(EndEntry {
        calls,
        ..EndEntry::default()
    });
    let bytes = out.0.lock().unwrap().clone();
    airlock_journal::read(&bytes[..]).unwrap()
}

fn journaled_calls(entries: &[Entry]) -> Vec<&CallEntry> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn the_journal_lists_every_call_under_the_configured_name() {
    let entries = record(
        r#"[{"tool":"a.b","line":3},{"tool":"pay","args":{"amount":500}},
            {"tool":"nosuch"},{"tool":"pay","args":{"amount":5}}]"#,
    );
    let calls = journaled_calls(&entries);
    let summary: Vec<_> = calls
        .iter()
        .map(|c| {
            (
                c.call,
                c.tool.as_str(),
                c.decision,
                c.error.as_ref().map(|e| e.code.as_str()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, "a/b", Decision::Allow, None),
            (1, "pay", Decision::Deny, Some("EPOLICY")),
            (2, "nosuch", Decision::Allow, Some("ENOENT")),
            (3, "pay", Decision::Allow, None),
        ]
    );
    assert_eq!(calls[0].line, Some(3));
    assert_eq!(calls[3].result, Some(json!({ "paid": true })));
}

/// A world replaying `entries`, whose tools must never run.
fn replaying(entries: Vec<Entry>) -> World {
    let mut w = World::standard();
    w.tools.session.replay = Some(Replay::new(entries).unwrap());
    w
}

fn recorded_call(call: u64, tool: &str, args: Value, outcome: Result<Value, &str>) -> Entry {
    let (result, error) = match outcome {
        Ok(value) => (Some(value), None),
        Err(code) => (
            None,
            Some(CallError {
                code: code.to_string(),
                message: format!("{tool}: recorded {code}"),
                data: None,
            }),
        ),
    };
    Entry::Call(CallEntry {
        call,
        tool: tool.to_string(),
        args: canonical(&args),
        result,
        error,
        ..CallEntry::default()
    })
}

fn recording() -> Vec<Entry> {
    vec![
        Entry::Start(StartEntry::default()),
        recorded_call(0, "pay", json!({ "amount": 5 }), Ok(json!("recorded"))),
        recorded_call(1, "pay", json!({ "amount": 500 }), Err("EPOLICY")),
        Entry::End(EndEntry::default()),
    ]
}

#[test]
fn replay_serves_the_recording_without_running_tools() {
    let mut w = replaying(recording());
    let answer = w.send(
        r#"[{"tool":"pay","args":{"amount":5},"line":99},{"tool":"pay","args":{"amount":500}}]"#,
    );
    assert_eq!(codes(&answer), strs(&["ok", "EPOLICY"]));
    assert_eq!(answer[0]["value"], json!("recorded"));
    assert_eq!(w.total(), 0);
    assert!(w.tools.stopped.is_none());
    assert_eq!(
        w.records(),
        [
            ("pay".to_string(), "ok".to_string()),
            ("pay".to_string(), "EPOLICY".to_string())
        ]
    );
}

#[test]
fn a_raw_call_unlike_the_recording_diverges() {
    let cases = [
        // Other arguments, another tool, the same arguments with a different type.
        r#"[{"tool":"pay","args":{"amount":6}}]"#,
        r#"[{"tool":"note","args":{"amount":5}}]"#,
        r#"[{"tool":"pay","args":{"amount":"5"}}]"#,
        r#"[{"tool":"pay","args":{"amount":5,"extra":true}}]"#,
        r#"[{"tool":"pay"}]"#,
        // The right calls in the wrong order.
        r#"[{"tool":"pay","args":{"amount":500}},{"tool":"pay","args":{"amount":5}}]"#,
        // One call more than the recording made.
        r#"[{"tool":"pay","args":{"amount":5}},{"tool":"pay","args":{"amount":500}},{"tool":"pay","args":{"amount":5}}]"#,
    ];
    for raw in cases {
        let mut w = replaying(recording());
        let result = call_batch(&mut w.tools, raw.as_bytes(), &mut None);
        assert!(matches!(result, Err(BatchExit::Diverged)), "{raw}");
        let why = w.tools.stopped.as_deref().unwrap_or_default();
        assert!(why.contains("call #"), "{raw}: {why}");
        assert_eq!(w.total(), 0, "{raw}");
    }
    // Key order is not a difference: arguments are compared canonically.
    let mut w = replaying(vec![
        Entry::Start(StartEntry::default()),
        recorded_call(0, "echo", json!({ "a": 1, "b": 2 }), Ok(json!(0))),
    ]);
    let answer = w.send(r#"[{"tool":"echo","args":{"b":2,"a":1}}]"#);
    assert_eq!(codes(&answer), strs(&["ok"]));
}

#[test]
fn a_malformed_batch_in_replay_is_einval_not_a_divergence() {
    let mut w = replaying(recording());
    assert_malformed(&mut w, r#"[{"tool":"pay","args":{"amount":5},"line":-1}]"#);
    assert!(w.tools.stopped.is_none());
    // The recording is still where it was.
    let answer = w.send(r#"[{"tool":"pay","args":{"amount":5}}]"#);
    assert_eq!(codes(&answer), strs(&["ok"]));
}

#[test]
fn replaying_a_recording_of_the_same_calls_agrees() {
    let batch = r#"[{"tool":"pay","args":{"amount":5}},{"tool":"pay","args":{"amount":500}},
                    {"tool":"nosuch"},{"tool":"echo","args":{"n":1}}]"#;
    let mut w = replaying(record(batch));
    assert_eq!(
        codes_of(&mut w, batch),
        strs(&["ok", "EPOLICY", "ENOENT", "ok"])
    );
    assert_eq!(w.total(), 0);
}

#[test]
fn replaying_calls_refused_by_the_bounds_agrees() {
    let batch = r#"[{"tool":"pay","args":[]},{"tool":"pay","args":{"amount":5}}]"#;
    let entries = record(batch);
    assert_eq!(journaled_calls(&entries).len(), 2);
    let mut w = replaying(entries);
    let result = call_batch(&mut w.tools, batch.as_bytes(), &mut None);
    assert!(result.is_ok(), "diverged: {:?}", w.tools.stopped);
}

#[test]
fn replay_resolves_either_separator_like_the_recording() {
    let batch = r#"[{"tool":"a.b"}]"#;
    let mut w = replaying(record(batch));
    let result = call_batch(&mut w.tools, batch.as_bytes(), &mut None);
    assert!(result.is_ok(), "diverged: {:?}", w.tools.stopped);
}

// ---------------------------------------------------------------------------------------------
// Changes tools make to the session's files
// ---------------------------------------------------------------------------------------------

/// Writes `text` to `path` in the session's files, through the changes it hands back (as a
/// component with a read-write grant does), or fails after handing them back when `fail`.
struct Writer(ToolSpec);

impl airlock_tools::Tool for Writer {
    fn spec(&self) -> &ToolSpec {
        &self.0
    }

    fn call(&self, args: Value, cx: airlock_tools::CallContext) -> airlock_tools::ToolFuture {
        Box::pin(async move {
            assert!(
                cx.files.is_some(),
                "a tool that wants files gets a snapshot"
            );
            let path = args["path"].as_str().unwrap_or_default().to_string();
            let text = args["text"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec();
            cx.changes.set(vec![airlock_tools::FileChange::Write {
                path,
                data: Arc::new(text),
            }]);
            if args["fail"] == json!(true) {
                return Err(airlock_tools::ToolError::failed(
                    "writer: failed after writing",
                ));
            }
            Ok(json!("written"))
        })
    }

    fn wants_files(&self) -> bool {
        true
    }
}

fn writer_world() -> World {
    let mut toolbox = Toolbox::new();
    toolbox
        .add(Arc::new(Writer(ToolSpec::new("write", "writes a file"))))
        .unwrap();
    let policy = Policy::from_toml("[[allow]]\ntools = \"write\"\n", "test.toml").unwrap();
    let set = Toolset::new(toolbox, policy);
    let session = SessionTools::new(&set);
    let mut w = World {
        tools: RunTools::new(set, session, ToolLimits::default(), 0),
        counters: Vec::new(),
    };
    w.tools.vfs = Some(airlock_vfs::Vfs::new(airlock_vfs::VfsLimits {
        max_bytes: 100,
        max_files: 100,
    }));
    w
}

const WRITES: &str = r#"[
    {"tool":"write","args":{"path":"/workspace/a.txt","text":"first"}},
    {"tool":"write","args":{"path":"/workspace/b.txt","text":"lost","fail":true}},
    {"tool":"write","args":{"path":"/workspace/big.txt","text":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}},
    {"tool":"write","args":{"path":"/workspace/a.txt","text":"second"}}
]"#;

fn session_file(w: &World, path: &str) -> Option<String> {
    let vfs = w.tools.vfs.as_ref().unwrap();
    vfs.read(path)
        .ok()
        .map(|d| String::from_utf8_lossy(&d).into_owned())
}

#[test]
fn changes_apply_in_call_order_and_only_for_calls_that_succeed() {
    let mut w = writer_world();
    let out = Shared::default();
    let mut journal = SessionJournal::new(Box::new(out.clone()), JOURNAL_RESULT_THRESHOLD);
    journal.start(StartEntry::default());
    w.tools.session.journal = Some(journal);
    let answer = w.send(WRITES);
    assert_eq!(codes(&answer), ["ok", "ETOOL", "E2BIG", "ok"]);
    assert!(
        answer[2]["message"].as_str().unwrap().contains("none was"),
        "{answer}"
    );
    assert_eq!(
        session_file(&w, "/workspace/a.txt").as_deref(),
        Some("second")
    );
    assert_eq!(
        session_file(&w, "/workspace/b.txt"),
        None,
        "a failed call changes nothing"
    );
    assert_eq!(
        session_file(&w, "/workspace/big.txt"),
        None,
        "over the quota: nothing"
    );
    let log = w.tools.records.calls[1].log.clone().unwrap_or_default();
    assert!(log.contains("discarded"), "{log}");
    // The journal keeps the changes of the calls that succeeded, and a replay applies them to
    // fresh files without running the tool.
    let calls = w.tools.records.calls.len() as u64;
    let journal = w.tools.session.journal.as_mut().unwrap();
    journal.end(EndEntry {
        calls,
        ..EndEntry::default()
    });
    let entries = airlock_journal::read(&out.0.lock().unwrap()[..]).unwrap();
    let files: Vec<usize> = journaled_calls(&entries)
        .iter()
        .map(|c| c.files.len())
        .collect();
    assert_eq!(files, [1, 0, 0, 1]);
    let mut replay = World::standard();
    replay.tools.session.replay = Some(Replay::new(entries).unwrap());
    replay.tools.vfs = Some(airlock_vfs::Vfs::new(airlock_vfs::VfsLimits::default()));
    let answer = replay.send(WRITES);
    assert_eq!(codes(&answer), ["ok", "ETOOL", "E2BIG", "ok"]);
    assert_eq!(
        session_file(&replay, "/workspace/a.txt").as_deref(),
        Some("second")
    );
    assert_eq!(session_file(&replay, "/workspace/big.txt"), None);
}
