//! Layers in the pipeline, driven by raw batches as the guest sends them: denials, order,
//! rewrites, results replaced or failed, layers that break, human approvals (by callback, from
//! another thread, by code, stopped and resumed) and the redaction of the journal.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use airlock_journal::{
    CallEntry, Decision, EndEntry, Entry, StartEntry, canonical_string, sha256_hex,
};
use airlock_policy::{Policy, ToolPattern};
use airlock_tools::{ToolSpec, Toolbox, tool_fn};
use serde_json::{Value, json};

use crate::{
    After, Answer, Answered, ApprovalAsk, ApprovalError, ApprovalMethod, ApprovalRequest,
    Approvals, BatchExit, Before, Deny, JOURNAL_RESULT_THRESHOLD, Layer, LayerCall, LayerError,
    LayerFuture, LayerResult, LayerStack, Redact, Replay, RunTools, SessionJournal, SessionTools,
    ToolCallError, ToolLimits, Toolset, Unattended, approver_fn, call_batch, ready,
};

/// `pay` takes a numeric `amount` (at most 100 by the policy); the others take anything.
const POLICY: &str = r#"
[[allow]]
tools = "pay"
[allow.args]
amount = { max = 100 }

[[allow]]
tools = "echo"

[[allow]]
tools = "bank/**"

[[allow]]
tools = "mail/**"
"#;

/// `pay` may run once per session.
const PAY_ONCE: &str = r#"
[[allow]]
tools = "pay"
max_calls = 1

[[allow]]
tools = "echo"
"#;

/// What happened, in order, shared by the tools and the layers that log.
type Log = Arc<Mutex<Vec<String>>>;

/// What a test tool answers, from its arguments.
type Reply = fn(Value) -> Value;

fn tools() -> Vec<(ToolSpec, Reply)> {
    let pay = json!({
        "type": "object",
        "properties": { "amount": { "type": "number" } },
        "required": ["amount"]
    });
    vec![
        (
            ToolSpec::new("pay", "pays").with_input_schema(pay),
            |args| json!({ "paid": args["amount"] }),
        ),
        (ToolSpec::new("echo", "echoes"), |args| args),
        (ToolSpec::new("bank/transfer", "moves money"), |_| {
            json!("moved")
        }),
        (ToolSpec::new("mail/send", "sends mail"), |_| json!("sent")),
    ]
}

use crate::tests::Shared;

/// A run's tools with layers, built the way a session builds them, remembering what each tool
/// was called with.
struct World {
    tools: RunTools,
    ran: Arc<Mutex<Vec<(String, Value)>>>,
    journal: Option<Shared>,
}

impl World {
    fn new(policy: &str, layers: LayerStack) -> Self {
        Self::logged(policy, layers, &Log::default())
    }

    /// Tools push `tool:NAME` to `log` when they run.
    fn logged(policy: &str, layers: LayerStack, log: &Log) -> Self {
        let mut toolbox = Toolbox::new();
        let ran: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
        for (spec, reply) in tools() {
            let name = spec.name.clone();
            let ran = Arc::clone(&ran);
            let log = Arc::clone(log);
            let tool = tool_fn(spec, move |args: Value| {
                let (name, ran, log) = (name.clone(), Arc::clone(&ran), Arc::clone(&log));
                async move {
                    // A real async tool: it is not ready on its first poll.
                    tokio::task::yield_now().await;
                    log.lock().unwrap().push(format!("tool:{name}"));
                    ran.lock().unwrap().push((name, args.clone()));
                    Ok(reply(args))
                }
            });
            toolbox.add(tool).unwrap();
        }
        let policy = Policy::from_toml(policy, "test.toml").unwrap();
        let set = Toolset::with_layers(toolbox, policy, layers);
        let session = SessionTools::new(&set);
        Self {
            tools: RunTools::new(set, session, ToolLimits::default(), 0),
            ran,
            journal: None,
        }
    }

    /// Journals the session, run 0 started.
    fn journaled(mut self) -> Self {
        let out = Shared::default();
        let mut journal = SessionJournal::new(Box::new(out.clone()), JOURNAL_RESULT_THRESHOLD);
        journal.start(StartEntry::default());
        self.tools.session.journal = Some(journal);
        self.journal = Some(out);
        self
    }

    fn approvals(mut self, approvals: Approvals) -> Self {
        self.tools.session.approvals = approvals;
        self
    }

    fn send_by(
        &mut self,
        batch: &Value,
        deadline: &mut Option<Instant>,
    ) -> Result<Value, BatchExit> {
        let answer = call_batch(&mut self.tools, batch.to_string().as_bytes(), deadline)?;
        Ok(serde_json::from_slice(&answer).unwrap())
    }

    fn try_send(&mut self, batch: &Value) -> Result<Value, BatchExit> {
        self.send_by(batch, &mut None)
    }

    /// Sends a batch that must not end the run, and checks there is one outcome per call.
    fn send(&mut self, batch: &Value) -> Value {
        let answer = self
            .try_send(batch)
            .unwrap_or_else(|e| panic!("{batch}: {e}: {:?}", self.tools.stopped));
        assert_eq!(
            answer.as_array().map(Vec::len),
            batch.as_array().map(Vec::len),
            "{batch}: {answer}"
        );
        answer
    }

    /// The arguments `tool` ran with, in order.
    fn ran(&self, tool: &str) -> Vec<Value> {
        self.ran
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| t == tool)
            .map(|(_, a)| a.clone())
            .collect()
    }

    fn total(&self) -> usize {
        self.ran.lock().unwrap().len()
    }

    fn journal_text(&self) -> String {
        let out = self.journal.as_ref().expect("a journaled world");
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    /// Ends run 0 with `exit_code` and reads the journal back, verified.
    fn close(&mut self, exit_code: i32) -> Vec<Entry> {
        let calls = self.tools.end(exit_code);
        let journal = self.tools.session.journal.as_mut().unwrap();
        assert!(journal.failure().is_none());
        journal.end(EndEntry {
            exit_code,
            calls,
            ..EndEntry::default()
        });
        airlock_journal::read(self.journal_text().as_bytes()).unwrap()
    }
}

/// One code per outcome, `"ok"` for a success.
fn codes(answer: &Value) -> Vec<&str> {
    answer
        .as_array()
        .unwrap_or_else(|| panic!("not an array of outcomes: {answer}"))
        .iter()
        .map(|o| {
            if o["ok"] == json!(true) {
                "ok"
            } else {
                o["code"].as_str().unwrap()
            }
        })
        .collect()
}

fn message(answer: &Value, i: usize) -> &str {
    answer[i]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("outcome {i} has no message: {answer}"))
}

fn calls_of(entries: &[Entry]) -> Vec<&CallEntry> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// `(layer, stage, decision, reason)` of each layer entry.
fn layers_of(call: &CallEntry) -> Vec<(&str, &str, &str, Option<&str>)> {
    call.layers
        .iter()
        .map(|l| {
            (
                l.layer.as_str(),
                l.stage.as_str(),
                l.decision.as_str(),
                l.reason.as_deref(),
            )
        })
        .collect()
}

fn digest(args: &Value) -> String {
    sha256_hex(canonical_string(args).as_bytes())
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

type BeforeFn = dyn Fn(&LayerCall) -> LayerResult<Before> + Send + Sync;
type AfterFn =
    dyn Fn(&LayerCall, Result<&Value, &ToolCallError>) -> LayerResult<After> + Send + Sync;

/// A layer made of closures. They are called inside the hooks' futures, so a closure that
/// panics panics while the future is polled. Logs `NAME:before:TOOL` and `NAME:after:TOOL`.
struct Hooks {
    name: &'static str,
    before: Box<BeforeFn>,
    after: Box<AfterFn>,
    log: Log,
    /// The one code `verify_code` accepts.
    code: Option<&'static str>,
}

impl Hooks {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            before: Box::new(|_| Ok(Before::Allow)),
            after: Box::new(|_, _| Ok(After::Pass)),
            log: Log::default(),
            code: None,
        }
    }

    fn on_before(
        mut self,
        f: impl Fn(&LayerCall) -> LayerResult<Before> + Send + Sync + 'static,
    ) -> Self {
        self.before = Box::new(f);
        self
    }

    fn on_after(
        mut self,
        f: impl Fn(&LayerCall, Result<&Value, &ToolCallError>) -> LayerResult<After>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.after = Box::new(f);
        self
    }

    fn log(mut self, log: &Log) -> Self {
        self.log = Arc::clone(log);
        self
    }

    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    fn arc(self) -> Arc<dyn Layer> {
        Arc::new(self)
    }
}

impl Layer for Hooks {
    fn name(&self) -> &str {
        self.name
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        Box::pin(async move {
            let entry = format!("{}:before:{}", self.name, call.tool);
            self.log.lock().unwrap().push(entry);
            (self.before)(call)
        })
    }

    fn after<'a>(
        &'a self,
        call: &'a LayerCall,
        outcome: Result<&'a Value, &'a ToolCallError>,
    ) -> LayerFuture<'a, LayerResult<After>> {
        Box::pin(async move {
            let entry = format!("{}:after:{}", self.name, call.tool);
            self.log.lock().unwrap().push(entry);
            (self.after)(call, outcome)
        })
    }

    fn verify_code<'a>(
        &'a self,
        _call: &'a LayerCall,
        code: &'a str,
    ) -> LayerFuture<'a, Result<(), Deny>> {
        ready(if self.code == Some(code) {
            Ok(())
        } else {
            Err(Deny::new("that is not the code"))
        })
    }
}

/// Whether the script asked a test layer to break on this call.
fn breaks(call: &LayerCall) -> bool {
    call.args.get("break").is_some()
}

/// Never answers a call that asks it to break.
struct Silent;

impl Layer for Silent {
    fn name(&self) -> &str {
        "silent"
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        if breaks(call) {
            Box::pin(std::future::pending())
        } else {
            ready(Ok(Before::Allow))
        }
    }
}

/// Panics in `before` itself, before it returns a future, on a call that asks it to break.
struct PanicsEarly;

impl Layer for PanicsEarly {
    fn name(&self) -> &str {
        "hasty"
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        assert!(!breaks(call), "a bug in the layer, outside its future");
        ready(Ok(Before::Allow))
    }
}

/// Asks a human before every `pay`; accepts the code `123456`.
fn gate(method: ApprovalMethod) -> Arc<dyn Layer> {
    Hooks::new("gate")
        .on_before(move |call| {
            Ok(if call.tool == "pay" {
                Before::Approve(ApprovalAsk {
                    prompt: format!("Pay {}?", call.args["amount"]),
                    method,
                })
            } else {
                Before::Allow
            })
        })
        .code("123456")
        .arc()
}

fn gated(policy: &str, approvals: Approvals) -> World {
    World::new(
        policy,
        LayerStack::new().with(None, gate(ApprovalMethod::Confirm)),
    )
    .journaled()
    .approvals(approvals)
}

// ---------------------------------------------------------------------------------------------
// Denials, order, rewrites, results
// ---------------------------------------------------------------------------------------------

#[test]
fn a_layer_denial_is_edenied_names_the_layer_and_gives_the_budget_back() {
    let guard = Hooks::new("guard")
        .on_before(|call| {
            Ok(if call.args["amount"] == json!(66) {
                Before::Deny(Deny::new("the amount looks wrong").with_hint("ask for less"))
            } else {
                Before::Allow
            })
        })
        .arc();
    let mut w = World::new(PAY_ONCE, LayerStack::new().with(None, guard)).journaled();
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 66 } }]));
    assert_eq!(codes(&answer), ["EDENIED"]);
    let why = message(&answer, 0);
    assert!(why.contains("layer guard"), "{why}");
    assert!(why.contains("the amount looks wrong"), "{why}");
    assert!(why.contains("ask for less"), "{why}");
    assert_eq!(w.total(), 0);
    // The denied call's budget was given back: the one call `max_calls` allows still runs,
    // and only that one.
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 6 } }]));
    assert_eq!(codes(&answer), ["EPOLICY"]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 5 })]);

    let entries = w.close(0);
    let calls = calls_of(&entries);
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].decision, Decision::Deny);
    assert_eq!(calls[0].error.as_ref().unwrap().code, "EDENIED");
    assert!(calls[0].result.is_none());
    assert_eq!(
        layers_of(calls[0]),
        [("guard", "before", "deny", Some("the amount looks wrong"))]
    );
    assert_eq!(calls[1].decision, Decision::Allow);
    assert_eq!(
        layers_of(calls[1]),
        [
            ("guard", "before", "allow", None),
            ("guard", "after", "pass", None)
        ]
    );
    // The policy refused the third before any layer saw it.
    assert_eq!(calls[2].decision, Decision::Deny);
    assert!(calls[2].layers.is_empty());
}

#[test]
fn layers_run_in_order_before_the_tool_and_in_reverse_after_it() {
    let log = Log::default();
    let refuse = |call: &LayerCall| {
        Ok(if call.args.get("refuse").is_some() {
            Before::Deny(Deny::new("refused"))
        } else {
            Before::Allow
        })
    };
    let stack = LayerStack::new()
        .with(None, Hooks::new("outer").log(&log).arc())
        .with(
            Some(ToolPattern::compile("bank/**").unwrap()),
            Hooks::new("bank").log(&log).arc(),
        )
        .with(None, Hooks::new("inner").log(&log).on_before(refuse).arc());
    let mut w = World::logged(POLICY, stack, &log);

    let answer = w.send(&json!([{ "tool": "bank.transfer" }]));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(
        take(&log),
        [
            "outer:before:bank/transfer",
            "bank:before:bank/transfer",
            "inner:before:bank/transfer",
            "tool:bank/transfer",
            "inner:after:bank/transfer",
            "bank:after:bank/transfer",
            "outer:after:bank/transfer",
        ]
    );

    // The bank layer sees only the bank's tools.
    let answer = w.send(&json!([{ "tool": "mail/send" }]));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(
        take(&log),
        [
            "outer:before:mail/send",
            "inner:before:mail/send",
            "tool:mail/send",
            "inner:after:mail/send",
            "outer:after:mail/send",
        ]
    );

    // A layer that refuses: the tool does not run, its own `after` does not either, and the
    // layers it came after see the refusal on the way out.
    let answer = w.send(&json!([{ "tool": "bank/transfer", "args": { "refuse": true } }]));
    assert_eq!(codes(&answer), ["EDENIED"]);
    assert_eq!(
        take(&log),
        [
            "outer:before:bank/transfer",
            "bank:before:bank/transfer",
            "inner:before:bank/transfer",
            "bank:after:bank/transfer",
            "outer:after:bank/transfer",
        ]
    );
    assert_eq!(w.total(), 2);
}

/// Rewrites `pay`'s arguments by the amount the script asked for: 1 into a valid call, 2 into
/// one the schema refuses, 3 into one the policy refuses, 4 into no object at all.
fn fixer() -> Arc<dyn Layer> {
    Hooks::new("fixer")
        .on_before(|call| {
            Ok(match call.args["amount"].as_i64() {
                Some(1) => Before::Rewrite(json!({ "amount": 7 })),
                Some(2) => Before::Rewrite(json!({ "amount": "lots" })),
                Some(3) => Before::Rewrite(json!({ "amount": 500 })),
                Some(4) => Before::Rewrite(json!("seven")),
                _ => Before::Allow,
            })
        })
        .arc()
}

#[test]
fn a_rewrite_reaches_the_tool_and_a_rewrite_into_a_refused_call_is_denied() {
    let seen = Log::default();
    let seen_by_later = Arc::clone(&seen);
    let later = Hooks::new("later")
        .on_before(move |call| {
            seen_by_later.lock().unwrap().push(call.args.to_string());
            Ok(Before::Allow)
        })
        .arc();
    let policy = r#"
        [[allow]]
        tools = "pay"
        max_calls = 2
        [allow.args]
        amount = { max = 100 }
    "#;
    let stack = LayerStack::new().with(None, fixer()).with(None, later);
    let mut w = World::new(policy, stack);

    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 1 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(answer[0]["value"], json!({ "paid": 7 }));
    assert_eq!(w.ran("pay"), [json!({ "amount": 7 })]);
    assert_eq!(take(&seen), [json!({ "amount": 7 }).to_string()]);

    for amount in [2, 3, 4] {
        let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": amount } }]));
        assert_eq!(codes(&answer), ["EDENIED"], "amount {amount}");
        let why = message(&answer, 0);
        assert!(why.contains("layer fixer"), "amount {amount}: {why}");
    }
    assert_eq!(w.ran("pay").len(), 1, "a refused rewrite reached the tool");
    assert!(
        take(&seen).is_empty(),
        "a later layer saw a refused rewrite"
    );

    // The refused rewrites used up no budget: `max_calls = 2` still has one call left.
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    assert_eq!(codes(&answer), ["EPOLICY"]);
    assert_eq!(w.ran("pay").len(), 2);
}

#[test]
fn replaying_a_session_with_a_rewriting_layer_agrees() {
    let batch = json!([{ "tool": "pay", "args": { "amount": 1 } }]);
    let mut w = World::new(POLICY, LayerStack::new().with(None, fixer())).journaled();
    assert_eq!(codes(&w.send(&batch)), ["ok"]);
    let entries = w.close(0);

    let mut r = World::new(POLICY, LayerStack::new().with(None, fixer()));
    r.tools.session.replay = Some(Replay::new(entries).unwrap());
    let answer = r.try_send(&batch);
    assert!(answer.is_ok(), "diverged: {:?}", r.tools.stopped);
    assert_eq!(answer.unwrap()[0]["value"], json!({ "paid": 7 }));
    assert_eq!(r.total(), 0);
}

#[test]
fn after_replace_changes_the_result_and_after_fail_turns_a_success_into_edenied() {
    let mask = Hooks::new("mask")
        .on_after(|call, _| {
            Ok(match call.args["do"].as_str() {
                Some("replace") => After::Replace(json!("replaced")),
                Some("fail") => After::Fail(Deny::new("the result leaks")),
                _ => After::Pass,
            })
        })
        .arc();
    let mut w = World::new(POLICY, LayerStack::new().with(None, mask));
    let answer = w.send(&json!([
        { "tool": "echo", "args": { "do": "replace" } },
        { "tool": "echo", "args": { "do": "fail" } },
        { "tool": "echo", "args": { "do": "pass" } },
    ]));
    assert_eq!(codes(&answer), ["ok", "EDENIED", "ok"]);
    assert_eq!(answer[0]["value"], json!("replaced"));
    let why = message(&answer, 1);
    assert!(why.contains("layer mask"), "{why}");
    assert!(why.contains("the result leaks"), "{why}");
    assert_eq!(answer[2]["value"], json!({ "do": "pass" }));
    // The tools ran; the layer changed what the script saw, and what was recorded.
    assert_eq!(w.total(), 3);
    let records = &w.tools.records.calls;
    assert_eq!(records[0].result, Some(json!("replaced")));
    assert!(records[1].result.is_none());
    assert_eq!(records[1].error.as_ref().unwrap().code, "EDENIED");
}

// ---------------------------------------------------------------------------------------------
// Fail closed
// ---------------------------------------------------------------------------------------------

#[test]
fn a_layer_that_errs_panics_or_never_answers_denies_the_call() {
    let failing = Hooks::new("failing")
        .on_before(|call| {
            if breaks(call) {
                Err(LayerError("its backend is down".into()))
            } else {
                Ok(Before::Allow)
            }
        })
        .arc();
    let panicking = Hooks::new("panicking")
        .on_before(|call| {
            assert!(!breaks(call), "a bug in the layer");
            Ok(Before::Allow)
        })
        .arc();
    let cases: [(&str, Arc<dyn Layer>, &str); 3] = [
        ("failing", failing, "its backend is down"),
        ("panicking", panicking, "panicked"),
        ("silent", Arc::new(Silent), "no answer"),
    ];
    for (name, layer, why) in cases {
        let stack = LayerStack::new().with_timeout(None, layer, Duration::from_millis(50));
        let mut w = World::new(POLICY, stack).journaled();
        let answer = w.send(&json!([{ "tool": "echo", "args": { "break": true } }]));
        assert_eq!(codes(&answer), ["EDENIED"], "{name}");
        let message = message(&answer, 0);
        assert!(message.contains(&format!("layer {name}")), "{message}");
        assert!(message.contains(why), "{name}: {message}");
        assert_eq!(w.total(), 0, "{name}: the tool ran");
        // The layer is still asked, and still lets the next call through.
        let answer = w.send(&json!([{ "tool": "echo", "args": { "n": 1 } }]));
        assert_eq!(codes(&answer), ["ok"], "{name}");
        assert_eq!(w.ran("echo"), [json!({ "n": 1 })], "{name}");
        let entries = w.close(0);
        let calls = calls_of(&entries);
        assert_eq!(calls[0].decision, Decision::Deny, "{name}");
        assert_eq!(layers_of(calls[0])[0].2, "error", "{name}");
    }
}

#[test]
fn a_layer_that_errs_after_the_call_fails_it() {
    let sour = Hooks::new("sour")
        .on_after(|call, _| {
            if breaks(call) {
                Err(LayerError("cannot read the result".into()))
            } else {
                Ok(After::Pass)
            }
        })
        .arc();
    let mut w = World::new(POLICY, LayerStack::new().with(None, sour));
    let answer = w.send(&json!([
        { "tool": "echo", "args": { "break": true } },
        { "tool": "echo", "args": { "n": 1 } },
    ]));
    assert_eq!(codes(&answer), ["EDENIED", "ok"]);
    let why = message(&answer, 0);
    assert!(why.contains("layer sour"), "{why}");
    assert!(!answer.to_string().contains("\"break\":true}}"), "{answer}");
}

#[test]
fn a_layer_that_panics_before_returning_its_future_denies_the_call() {
    let stack = LayerStack::new().with(None, Arc::new(PanicsEarly) as Arc<dyn Layer>);
    let mut w = World::new(POLICY, stack);
    let answer = w.send(&json!([{ "tool": "echo", "args": { "break": true } }]));
    assert_eq!(codes(&answer), ["EDENIED"]);
    assert!(message(&answer, 0).contains("layer hasty"), "{answer}");
    assert_eq!(w.total(), 0);
    let answer = w.send(&json!([{ "tool": "echo" }]));
    assert_eq!(codes(&answer), ["ok"]);
}

// ---------------------------------------------------------------------------------------------
// Approvals
// ---------------------------------------------------------------------------------------------

#[test]
fn an_approved_call_runs_and_the_journal_records_who_approved_it() {
    let asked: Arc<Mutex<Vec<ApprovalRequest>>> = Arc::default();
    let seen = Arc::clone(&asked);
    let approver = approver_fn(move |request| {
        seen.lock().unwrap().push(request.clone());
        Some(Answer::approve())
    });
    let mut w = gated(POLICY, Approvals::new().with_approver(approver));
    let answer = w.send(&json!([
        { "tool": "pay", "args": { "amount": 5 }, "line": 3 },
        { "tool": "echo", "args": { "n": 1 } },
    ]));
    assert_eq!(codes(&answer), ["ok", "ok"]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 5 })]);

    let asked = take_requests(&asked);
    assert_eq!(asked.len(), 1, "only pay is gated");
    let request = &asked[0];
    assert_eq!(request.id, "r0c0.0");
    assert_eq!(request.layer, "gate");
    assert_eq!(request.tool, "pay");
    assert_eq!(request.prompt, "Pay 5?");
    assert_eq!(request.method, "confirm");
    assert_eq!(request.args, json!({ "amount": 5 }));
    assert_eq!(request.args_sha256, digest(&json!({ "amount": 5 })));
    assert_eq!(request.line, Some(3));

    let entries = w.close(0);
    let calls = calls_of(&entries);
    assert_eq!(calls[0].decision, Decision::Allow);
    let approval = calls[0]
        .approvals
        .first()
        .expect("the approval is journaled");
    assert_eq!(approval.id, "r0c0.0");
    assert_eq!(approval.layer, "gate");
    assert_eq!(approval.prompt, "Pay 5?");
    assert_eq!(approval.method, "confirm");
    assert_eq!(approval.status, "approved");
    assert_eq!(approval.channel.as_deref(), Some("callback"));
    assert_eq!(approval.args_sha256, digest(&json!({ "amount": 5 })));
    assert_eq!(
        layers_of(calls[0]),
        [
            ("gate", "before", "approved", None),
            ("gate", "after", "pass", None)
        ]
    );
    assert!(calls[1].approvals.is_empty());
}

fn take_requests(asked: &Arc<Mutex<Vec<ApprovalRequest>>>) -> Vec<ApprovalRequest> {
    std::mem::take(&mut *asked.lock().unwrap())
}

#[test]
fn a_declined_approval_is_eapproval_and_gives_the_budget_back() {
    let approver = approver_fn(|request| {
        Some(if request.args["amount"] == json!(1) {
            Answer::decline(Some("not today".into()))
        } else {
            Answer::approve()
        })
    });
    let mut w = gated(PAY_ONCE, Approvals::new().with_approver(approver));
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 1 } }]));
    assert_eq!(codes(&answer), ["EAPPROVAL"]);
    let why = message(&answer, 0);
    assert!(why.contains("declined"), "{why}");
    assert!(why.contains("not today"), "{why}");
    assert_eq!(w.total(), 0);
    // `max_calls = 1`: the declined call did not use the one call.
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 2 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 3 } }]));
    assert_eq!(codes(&answer), ["EPOLICY"]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 2 })]);

    let entries = w.close(0);
    let calls = calls_of(&entries);
    assert_eq!(calls[0].decision, Decision::Deny);
    assert_eq!(calls[0].error.as_ref().unwrap().code, "EAPPROVAL");
    let approval = calls[0].approvals.first().unwrap();
    assert_eq!(approval.status, "declined");
    assert_eq!(approval.channel.as_deref(), Some("callback"));
    assert_eq!(calls[1].approvals.first().unwrap().status, "approved");
}

#[test]
fn with_nobody_to_ask_unattended_decline_is_eapproval() {
    let mut w = gated(
        POLICY,
        Approvals::new().with_unattended(Unattended::Decline),
    );
    let answer = w.send(&json!([
        { "tool": "pay", "args": { "amount": 5 } },
        { "tool": "echo", "args": { "n": 1 } },
    ]));
    assert_eq!(codes(&answer), ["EAPPROVAL", "ok"]);
    assert!(w.ran("pay").is_empty());
    assert!(w.tools.session.approvals.pending().is_empty());
    let entries = w.close(0);
    let approval = calls_of(&entries)[0].approvals.first().cloned().unwrap();
    assert_eq!(approval.status, "declined");
}

#[test]
fn an_approval_nobody_answers_times_out_as_eapproval() {
    let approvals = Approvals::new()
        .with_unattended(Unattended::Wait)
        .with_timeout(Duration::from_millis(100));
    let mut w = gated(POLICY, approvals);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    assert_eq!(codes(&answer), ["EAPPROVAL"]);
    let why = message(&answer, 0);
    assert!(why.contains("r0c0.0"), "{why}");
    assert!(why.contains("no answer"), "{why}");
    assert_eq!(w.total(), 0);
    // The approval is no longer pending: answering it now is refused.
    assert!(w.tools.session.approvals.pending().is_empty());
    let late = w
        .tools
        .session
        .approvals
        .answer("r0c0.0", Answered::new(Answer::approve(), "http"));
    assert_eq!(late, Err(ApprovalError::NotPending("r0c0.0".into())));
    let entries = w.close(0);
    let approval = calls_of(&entries)[0].approvals.first().cloned().unwrap();
    assert_eq!(approval.status, "timeout");
    assert_eq!(approval.channel, None);
}

#[test]
fn an_answer_from_another_thread_lets_the_waiting_call_run() {
    let approvals = Approvals::new().with_timeout(Duration::from_secs(60));
    let broker = approvals.clone();
    let answerer = std::thread::spawn(move || {
        for _ in 0..6000 {
            if let Some(request) = broker.pending().into_iter().next() {
                broker
                    .answer(&request.id, Answered::new(Answer::approve(), "http"))
                    .unwrap();
                return request;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("no approval was ever pending");
    });
    let mut w = gated(POLICY, approvals);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    let request = answerer.join().unwrap();
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 5 })]);
    assert_eq!(request.id, "r0c0.0");
    assert_eq!(request.tool, "pay");
    assert!(w.tools.session.approvals.pending().is_empty());
    let entries = w.close(0);
    let approval = calls_of(&entries)[0].approvals.first().cloned().unwrap();
    assert_eq!(approval.status, "approved");
    assert_eq!(approval.channel.as_deref(), Some("http"));
}

#[test]
fn a_human_s_wait_moves_the_run_s_deadline() {
    let wait = Duration::from_millis(400);
    let approver = approver_fn(move |_| {
        std::thread::sleep(wait);
        Some(Answer::approve())
    });
    let mut w = gated(POLICY, Approvals::new().with_approver(approver));
    // The human takes longer than the whole run may: only their wait moving the deadline lets
    // the call run.
    let before = Instant::now() + Duration::from_millis(150);
    let mut deadline = Some(before);
    let answer = w
        .send_by(
            &json!([{ "tool": "pay", "args": { "amount": 5 } }]),
            &mut deadline,
        )
        .expect("the human's wait was counted against the run");
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("pay").len(), 1);
    let after = deadline.unwrap();
    assert!(after >= before + wait, "moved by {:?}", after - before);
}

fn code_world(answer: Answer) -> (World, Value) {
    let layers = LayerStack::new().with(None, gate(ApprovalMethod::Code));
    let approvals = Approvals::new().with_approver(approver_fn(move |request| {
        assert!(request.wants_code());
        Some(answer.clone())
    }));
    let mut w = World::new(POLICY, layers).journaled().approvals(approvals);
    let answer = w.send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    (w, answer)
}

#[test]
fn a_code_approval_runs_the_call_only_with_the_right_code() {
    let (mut w, answer) = code_world(Answer::code("123456"));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("pay").len(), 1);
    assert!(
        !w.journal_text().contains("123456"),
        "the code was journaled"
    );
    let entries = w.close(0);
    let approval = calls_of(&entries)[0].approvals.first().cloned().unwrap();
    assert_eq!(
        (approval.method.as_str(), approval.status.as_str()),
        ("code", "approved")
    );

    let refused = [
        Answer::code("654321"),
        Answer::code(""),
        Answer::Approve {
            code: None,
            verified: false,
        },
    ];
    for given in refused {
        let (mut w, answer) = code_world(given.clone());
        assert_eq!(codes(&answer), ["EAPPROVAL"], "{given:?}");
        let why = message(&answer, 0);
        assert!(why.contains("refused the code"), "{given:?}: {why}");
        assert_eq!(w.total(), 0, "{given:?}");
        assert!(
            !w.journal_text().contains("654321"),
            "the code was journaled"
        );
        let entries = w.close(0);
        let approval = calls_of(&entries)[0].approvals.first().cloned().unwrap();
        assert_eq!(approval.status, "declined", "{given:?}");
    }

    // A code the channel already checked (`airlock approvals approve --code`) is not checked
    // again.
    let (_, answer) = code_world(Answer::Approve {
        code: None,
        verified: true,
    });
    assert_eq!(codes(&answer), ["ok"]);
}

// ---------------------------------------------------------------------------------------------
// Stop and resume
// ---------------------------------------------------------------------------------------------

fn stopping() -> World {
    gated(POLICY, Approvals::new().with_unattended(Unattended::Stop))
}

/// A batch of three calls whose second is gated.
fn three() -> Value {
    json!([
        { "tool": "echo", "args": { "n": 1 } },
        { "tool": "pay", "args": { "amount": 5 } },
        { "tool": "echo", "args": { "n": 2 } },
    ])
}

#[test]
fn unattended_stop_ends_the_run_with_the_approval_pending() {
    let mut w = stopping();
    let result = w.try_send(&three());
    assert_eq!(result, Err(BatchExit::Pending));
    let why = w
        .tools
        .stopped
        .clone()
        .expect("the run says why it stopped");
    assert!(why.contains("r0c1.0"), "{why}");
    assert!(why.contains("pay"), "{why}");
    // No call of the batch ran, not even the one before the gated call.
    assert_eq!(w.total(), 0);
    assert!(w.tools.session.approvals.pending().is_empty());

    let entries = w.close(75);
    let calls = calls_of(&entries);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let pending = calls[0];
    assert_eq!(pending.tool, "pay");
    assert_eq!(pending.args, json!({ "amount": 5 }));
    assert_eq!(pending.decision, Decision::Pending);
    assert!(pending.error.is_none() && pending.result.is_none());
    let approval = pending.approvals.first().unwrap();
    assert_eq!(approval.id, "r0c1.0");
    assert_eq!(approval.status, "pending");
    assert_eq!(approval.channel, None);
    assert_eq!(approval.args_sha256, digest(&json!({ "amount": 5 })));
}

#[test]
fn the_call_that_stops_is_the_one_journaled_pending() {
    // The first payment is approved at once; nobody can be asked about the second.
    let approver =
        approver_fn(|request| (request.args["amount"] == json!(1)).then(Answer::approve));
    let approvals = Approvals::new()
        .with_approver(approver)
        .with_unattended(Unattended::Stop);
    let mut w = gated(POLICY, approvals);
    let batch = json!([
        { "tool": "pay", "args": { "amount": 1 } },
        { "tool": "pay", "args": { "amount": 2 } },
    ]);
    assert_eq!(w.try_send(&batch), Err(BatchExit::Pending));
    let why = w.tools.stopped.clone().unwrap();
    assert!(why.contains("r0c1.0"), "{why}");
    assert_eq!(w.total(), 0);
    let entries = w.close(75);
    let calls = calls_of(&entries);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].args, json!({ "amount": 2 }));
    let approval = calls[0].approvals.first().unwrap();
    assert_eq!(approval.id, "r0c1.0");
    assert_eq!(approval.status, "pending");
}

/// Runs `batches` in a journaled session that stops at the gate; the last one must stop.
fn record_until_pending(batches: &[Value]) -> Vec<Entry> {
    let mut w = stopping();
    let (last, before) = batches.split_last().unwrap();
    for batch in before {
        assert!(codes(&w.send(batch)).iter().all(|c| *c == "ok"));
    }
    assert_eq!(w.try_send(last), Err(BatchExit::Pending));
    w.close(75)
}

/// A session resuming `entries` with the pending approval approved ahead of time.
fn resuming(entries: Vec<Entry>) -> World {
    let approval = calls_of(&entries)
        .into_iter()
        .find(|c| c.decision == Decision::Pending)
        .and_then(|c| c.approvals.first().cloned())
        .expect("a pending call");
    let approvals = Approvals::new().with_unattended(Unattended::Stop);
    approvals.prepare(
        &approval.id,
        &approval.args_sha256,
        Answered::new(Answer::approve(), "cli"),
    );
    let mut w = gated(POLICY, approvals);
    w.tools.session.replay = Some(Replay::resume(entries).unwrap());
    w
}

#[test]
fn a_resume_serves_what_ran_and_runs_the_stopped_batch_live() {
    let first = json!([{ "tool": "echo", "args": { "n": 0 } }]);
    let entries = record_until_pending(&[first.clone(), three()]);
    let mut w = resuming(entries);

    let answer = w.send(&first);
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(answer[0]["value"], json!({ "n": 0 }));
    assert_eq!(w.total(), 0, "a recorded call ran again");

    let answer = w.try_send(&three());
    let answer = answer.unwrap_or_else(|e| panic!("{e}: {:?}", w.tools.stopped));
    assert_eq!(codes(&answer), ["ok", "ok", "ok"]);
    // The calls of one batch run concurrently: the order they reach the tool is not fixed.
    let mut echoed = w.ran("echo");
    echoed.sort_by_key(|a| a["n"].as_u64());
    assert_eq!(echoed, [json!({ "n": 1 }), json!({ "n": 2 })]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 5 })]);
    let answer = w.send(&json!([{ "tool": "echo", "args": { "n": 3 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("echo").len(), 3);

    let entries = w.close(0);
    let approval = calls_of(&entries)
        .into_iter()
        .find_map(|c| c.approvals.first().cloned())
        .unwrap();
    assert_eq!(approval.status, "approved");
    assert_eq!(approval.channel.as_deref(), Some("cli"));
}

#[test]
fn a_resume_runs_live_from_a_gated_call_that_leads_its_batch() {
    let first = json!([{ "tool": "echo", "args": { "n": 0 } }]);
    let second = json!([
        { "tool": "pay", "args": { "amount": 5 } },
        { "tool": "echo", "args": { "n": 2 } },
    ]);
    let entries = record_until_pending(&[first.clone(), second.clone()]);
    let mut w = resuming(entries);

    let answer = w.send(&first);
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(answer[0]["value"], json!({ "n": 0 }));
    assert_eq!(w.total(), 0, "a recorded call ran again");

    let answer = w.try_send(&second);
    let answer = answer.unwrap_or_else(|e| panic!("{e}: {:?}", w.tools.stopped));
    assert_eq!(codes(&answer), ["ok", "ok"]);
    assert_eq!(w.ran("pay"), [json!({ "amount": 5 })]);
    assert_eq!(w.ran("echo"), [json!({ "n": 2 })]);
    let answer = w.send(&json!([{ "tool": "echo", "args": { "n": 3 } }]));
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("echo").len(), 2);

    let entries = w.close(0);
    let approval = calls_of(&entries)
        .into_iter()
        .find_map(|c| c.approvals.first().cloned())
        .unwrap();
    assert_eq!(approval.status, "approved");
    assert_eq!(approval.channel.as_deref(), Some("cli"));
}

#[test]
fn a_prepared_answer_holds_only_for_the_arguments_it_was_given_for() {
    let approvals = Approvals::new().with_unattended(Unattended::Stop);
    approvals.prepare(
        "r0c0.0",
        &digest(&json!({ "amount": 6 })),
        Answered::new(Answer::approve(), "cli"),
    );
    let mut w = gated(POLICY, approvals);
    let result = w.try_send(&json!([{ "tool": "pay", "args": { "amount": 5 } }]));
    assert_eq!(result, Err(BatchExit::Pending));
    assert_eq!(w.total(), 0);
}

// ---------------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------------

/// Replaces `s3cret` everywhere, keys included.
struct Scrub;

impl Redact for Scrub {
    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.redact_text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => {
                for (key, mut v) in std::mem::take(map) {
                    self.redact_value(&mut v);
                    map.insert(self.redact_text(&key), v);
                }
            }
            _ => {}
        }
    }

    fn redact_text(&self, text: &str) -> String {
        text.replace("s3cret", "[REDACTED]")
    }
}

fn scrubbed() -> LayerStack {
    let snitch = Hooks::new("snitch")
        .on_before(|call| {
            Ok(if call.args.get("deny").is_some() {
                Before::Deny(Deny::new(format!("saw {}", call.args["token"])))
            } else {
                Before::Allow
            })
        })
        .arc();
    LayerStack::new()
        .with(None, snitch)
        .with_redactor(Arc::new(Scrub))
}

#[test]
fn the_redactor_keeps_secrets_out_of_the_journal_and_replay_still_matches() {
    let batch = json!([
        { "tool": "echo", "args": { "token": "s3cret", "n": 1 } },
        { "tool": "echo", "args": { "n": 2 } },
        { "tool": "echo", "args": { "token": "s3cret", "deny": true } },
    ]);
    let mut w = World::new(POLICY, scrubbed()).journaled();
    let answer = w.send(&batch);
    assert_eq!(codes(&answer), ["ok", "ok", "EDENIED"]);
    // The script sees its own data.
    assert_eq!(answer[0]["value"]["token"], json!("s3cret"));
    let text = w.journal_text();
    assert!(!text.contains("s3cret"), "{text}");

    let entries = w.close(0);
    let calls = calls_of(&entries);
    assert_eq!(calls[0].args, json!({ "n": 1, "token": "[REDACTED]" }));
    assert_eq!(
        calls[0].args_sha256.as_deref(),
        Some(digest(&json!({ "token": "s3cret", "n": 1 })).as_str())
    );
    assert_eq!(
        calls[0].result,
        Some(json!({ "n": 1, "token": "[REDACTED]" }))
    );
    assert_eq!(calls[1].args_sha256, None, "nothing was redacted");
    assert!(calls[2].args_sha256.is_some());
    let denied = calls[2].error.as_ref().unwrap();
    assert!(denied.message.contains("saw \"[REDACTED]\""), "{denied:?}");

    // A replay matches the script's real arguments against the digest.
    let mut r = World::new(POLICY, scrubbed());
    r.tools.session.replay = Some(Replay::new(entries.clone()).unwrap());
    let replayed = r.try_send(&batch);
    let replayed = replayed.unwrap_or_else(|e| panic!("{e}: {:?}", r.tools.stopped));
    assert_eq!(codes(&replayed), ["ok", "ok", "EDENIED"]);
    assert_eq!(r.total(), 0);
    assert!(r.tools.stopped.is_none());

    // Another secret is another call.
    let mut other = batch.clone();
    other[0]["args"]["token"] = json!("0ther");
    let mut r = World::new(POLICY, scrubbed());
    r.tools.session.replay = Some(Replay::new(entries).unwrap());
    assert_eq!(r.try_send(&other), Err(BatchExit::Diverged));
    assert_eq!(r.total(), 0);
}

#[test]
fn a_stop_asks_every_gate_of_the_call_so_one_round_of_answers_resumes_it() {
    // A confirmation, then a code: both are pending after the one stop.
    let layers = LayerStack::new()
        .with(None, gate(ApprovalMethod::Confirm))
        .with(None, gate(ApprovalMethod::Code));
    let mut w = World::new(POLICY, layers)
        .journaled()
        .approvals(Approvals::new().with_unattended(Unattended::Stop));
    let pay = json!([{ "tool": "pay", "args": { "amount": 5 } }]);
    assert_eq!(w.try_send(&pay), Err(BatchExit::Pending));
    let why = w.tools.stopped.clone().unwrap();
    assert!(why.contains("r0c0.0, r0c0.1"), "{why}");
    let entries = w.close(75);
    let calls = calls_of(&entries);
    let ids: Vec<_> = calls[0]
        .approvals
        .iter()
        .map(|a| (a.id.as_str(), a.method.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("r0c0.0", "confirm", "pending"),
            ("r0c0.1", "code", "pending")
        ]
    );

    // Both answered ahead of the resume (the code was checked when it was given).
    let layers = LayerStack::new()
        .with(None, gate(ApprovalMethod::Confirm))
        .with(None, gate(ApprovalMethod::Code));
    let approvals = Approvals::new().with_unattended(Unattended::Stop);
    let digest = digest(&json!({ "amount": 5 }));
    approvals.prepare("r0c0.0", &digest, Answered::new(Answer::approve(), "cli"));
    let verified = Answer::Approve {
        code: None,
        verified: true,
    };
    approvals.prepare("r0c0.1", &digest, Answered::new(verified, "cli"));
    let mut w = World::new(POLICY, layers).journaled().approvals(approvals);
    w.tools.session.replay = Some(Replay::resume(entries).unwrap());
    let answer = w.send(&pay);
    assert_eq!(codes(&answer), ["ok"]);
    assert_eq!(w.ran("pay").len(), 1);
}

#[test]
fn a_run_asks_a_bounded_number_of_approvals() {
    let approver = approver_fn(|_| Some(Answer::approve()));
    let mut w = gated("", Approvals::new().with_approver(approver));
    let n = crate::MAX_APPROVALS_PER_RUN as usize + 5;
    let batch: Vec<Value> = (0..n)
        .map(|i| json!({ "tool": "pay", "args": { "amount": 1 + i % 50 } }))
        .collect();
    let answer = w.send(&Value::Array(batch));
    let codes = codes(&answer);
    assert!(codes[..n - 5].iter().all(|c| *c == "ok"), "{codes:?}");
    assert!(
        codes[n - 5..].iter().all(|c| *c == "EAPPROVAL"),
        "{codes:?}"
    );
    assert!(
        message(&answer, n - 1).contains("too many approvals"),
        "{}",
        message(&answer, n - 1)
    );
    assert_eq!(w.ran("pay").len(), n - 5);
}
