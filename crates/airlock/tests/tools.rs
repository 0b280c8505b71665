//! Tools from a script's point of view: Rust tools called from JavaScript through the schema
//! checks, the capability policy, the budgets, the concurrent batches, the journal and replay.
//!
//! The async tools here sleep with [`sleep`] (a timer thread, no runtime needed), and the typed
//! tool uses types `schemars` already implements `JsonSchema` for rather than a derived struct
//! (the facade does not depend on `schemars`' derive).

mod common;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use airlock::journal::{Decision, Entry};
use airlock::policy::Policy;
use airlock::tool::{Tool, ToolError, ToolSpec, Toolbox, tool_fn, typed_tool};
use airlock::{
    JOURNAL_RESULT_THRESHOLD, Language, Limits, Replay, RunOutput, Sandbox, SandboxConfig, Session,
    Termination, Toolset, VIRTUAL_EPOCH_UNIX_MS, exit_code,
};
use common::{assert_ok, js};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A session of a sandbox offering `tools` under `policy` (TOML, named `airlock.toml`).
fn session_with(tools: Vec<Arc<dyn Tool>>, policy: &str) -> Session {
    let mut toolbox = Toolbox::new();
    for tool in tools {
        toolbox.add(tool).expect("tool registers");
    }
    let policy = Policy::from_toml(policy, "airlock.toml").expect("policy compiles");
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(toolbox, policy);
    Sandbox::new(config).expect("sandbox builds").session()
}

/// Runs `code`, asserts it exited 0, and returns its stdout.
fn run_ok(session: &mut Session, code: &str) -> String {
    let out = js(session, code);
    assert_ok(&out);
    out.stdout_text()
}

/// Changes some of `session`'s limits.
fn tweak_limits(session: &mut Session, change: impl FnOnce(&mut Limits)) {
    let mut limits = session.limits().clone();
    change(&mut limits);
    session.set_limits(limits).expect("limits accepted");
}

/// A tool taking any object that counts its calls and answers `answer(args)`.
fn counting(
    name: &str,
    calls: &Arc<AtomicUsize>,
    answer: impl Fn(Value) -> Value + Send + Sync + 'static,
) -> Arc<dyn Tool> {
    let calls = Arc::clone(calls);
    tool_fn(ToolSpec::new(name, "test tool"), move |args| {
        calls.fetch_add(1, Ordering::SeqCst);
        let result = answer(args);
        async move { Ok(result) }
    })
}

/// A tool that must never run (for replays and denials): it counts the attempt and fails.
fn forbidden(name: &str, calls: &Arc<AtomicUsize>) -> Arc<dyn Tool> {
    let calls = Arc::clone(calls);
    tool_fn(ToolSpec::new(name, "must not be called"), move |_| {
        calls.fetch_add(1, Ordering::SeqCst);
        async { Err(ToolError::failed("this tool must not be called")) }
    })
}

/// A tool that sleeps `delay` (without blocking a runtime thread), then answers `{}`.
fn sleeper(name: &str, delay: Duration) -> Arc<dyn Tool> {
    tool_fn(ToolSpec::new(name, "sleeps"), move |_| async move {
        sleep(delay).await;
        Ok(json!({}))
    })
}

/// An async sleep that needs no runtime: a timer thread wakes the task. The tokio runtime the
/// host runs tools on drops the future on a timeout, which abandons the timer harmlessly.
fn sleep(delay: Duration) -> Sleep {
    Sleep {
        until: Instant::now() + delay,
        waker: Arc::new(Mutex::new(None)),
        started: false,
    }
}

struct Sleep {
    until: Instant,
    waker: Arc<Mutex<Option<Waker>>>,
    started: bool,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if Instant::now() >= self.until {
            return Poll::Ready(());
        }
        *lock(&self.waker) = Some(cx.waker().clone());
        if !self.started {
            self.started = true;
            let (until, waker) = (self.until, Arc::clone(&self.waker));
            std::thread::spawn(move || {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
                if let Some(waker) = lock(&waker).take() {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

/// Locks `m`, ignoring poisoning: a panicking test thread must not hide its own message.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A journal sink the test can read back while the session still owns the writer.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn bytes(&self) -> Vec<u8> {
        lock(&self.0).clone()
    }

    fn entries(&self) -> Vec<Entry> {
        airlock::journal::read(&self.bytes()[..]).expect("journal reads back")
    }
}

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        lock(&self.0).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The call entries of a journal as `(tool, args, decision, error code)`.
fn journaled_calls(entries: &[Entry]) -> Vec<(String, Value, Decision, Option<String>)> {
    entries
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) => Some((
                c.tool.clone(),
                c.args.clone(),
                c.decision,
                c.error.as_ref().map(|e| e.code.clone()),
            )),
            _ => None,
        })
        .collect()
}

/// JavaScript that awaits `call` and prints the error's `code` and `message` (or `ok`).
fn print_outcome(call: &str) -> String {
    format!(
        "try {{ await {call}; console.log('ok'); }} \
         catch (e) {{ console.log(e.code + ' ' + e.message); }}"
    )
}

// ---------------------------------------------------------------------------------------------
// Calling Rust tools from JavaScript
// ---------------------------------------------------------------------------------------------

/// `stripe/charges/create`: echoes its arguments after two keys in a non-sorted order.
fn charges_create() -> Arc<dyn Tool> {
    let spec =
        ToolSpec::new("stripe/charges/create", "Creates a charge").with_input_schema(json!({
            "type": "object",
            "properties": { "amount": { "type": "integer" } },
            "required": ["amount"]
        }));
    tool_fn(spec, |args| async move {
        Ok(json!({ "z": 1, "a": 2, "echo": args }))
    })
}

#[test]
fn flat_and_namespace_forms_call_the_same_tool() {
    let mut session = session_with(vec![charges_create()], "");
    let out = run_ok(
        &mut session,
        "console.log(JSON.stringify(await stripe_charges_create({ amount: 5 })));
         console.log(JSON.stringify(await stripe.charges.create({ amount: 6 })));
         console.log(JSON.stringify(await tools.call('stripe/charges/create', { amount: 7 })));
         console.log(JSON.stringify(await tools.call('stripe.charges.create', { amount: 8 })));",
    );
    assert_eq!(
        out,
        "{\"z\":1,\"a\":2,\"echo\":{\"amount\":5}}\n\
         {\"z\":1,\"a\":2,\"echo\":{\"amount\":6}}\n\
         {\"z\":1,\"a\":2,\"echo\":{\"amount\":7}}\n\
         {\"z\":1,\"a\":2,\"echo\":{\"amount\":8}}\n"
    );
}

#[test]
fn path_is_a_global_and_a_path_namespace_keeps_its_flat_names() {
    // `path` is Node's module, as `fs` is `fs`; a tool namespace of that name is reached by its
    // flat names, as under any other global (its declarations say so).
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(
        vec![counting(
            "path/find",
            &calls,
            |args| json!({ "found": args }),
        )],
        "",
    );
    let out = run_ok(
        &mut session,
        "console.log(path.join('/a', '../b', 'c.txt'), path === require('path'), \
         JSON.stringify(await path_find({ to: 'x' })), typeof path.find)",
    );
    assert_eq!(out, "/b/c.txt true {\"found\":{\"to\":\"x\"}} undefined\n");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let mut toolbox = Toolbox::new();
    let refused = toolbox
        .add(counting("path", &calls, |_| json!(null)))
        .unwrap_err()
        .to_string();
    assert!(refused.contains("`path` is already a global"), "{refused}");
}

#[test]
fn result_reaches_the_script_as_a_value_with_key_order_kept() {
    let mut session = session_with(vec![charges_create()], "");
    let out = js(
        &mut session,
        "const r = await stripe_charges_create({ amount: 1 });
         return { keys: Object.keys(r), a: r.a + r.z };",
    );
    assert_ok(&out);
    assert_eq!(
        out.value,
        Some(json!({ "keys": ["z", "a", "echo"], "a": 3 }))
    );
}

#[test]
fn typed_tool_gets_schemas_from_its_types() {
    // `BTreeMap<String, f64>`: an object of numbers; the result is a number.
    let add = typed_tool(
        "math/add",
        "Adds the numbers",
        |terms: BTreeMap<String, f64>| {
            let sum: f64 = terms.values().sum();
            async move { Ok::<_, ToolError>(sum) }
        },
    );
    let mut session = session_with(vec![add], "");
    let out = js(
        &mut session,
        "let invalid;
         try { await math_add({ a: 1, b: 'two' }) } catch (e) { invalid = e.code + ' ' + e.message }
         const { inputSchema, outputSchema } = tools.describe('math/add');
         return { sum: await math.add({ a: 1.5, b: 2 }), invalid, inputSchema, outputSchema };",
    );
    assert_ok(&out);
    let value = out.value.expect("a return value");
    assert_eq!(value["sum"], json!(3.5));
    let number = json!({ "type": "number", "format": "double" });
    assert_eq!(value["inputSchema"]["type"], json!("object"));
    assert_eq!(value["inputSchema"]["additionalProperties"], number);
    assert_eq!(value["outputSchema"], number);
    let invalid = value["invalid"].as_str().unwrap_or_default();
    assert!(
        invalid.starts_with("EINVAL math/add: argument b: "),
        "{invalid}"
    );
}

#[test]
fn tools_list_and_describe_show_what_the_model_sees() {
    let echo = tool_fn(
        ToolSpec::new("echo", "Returns its arguments"),
        |args| async move { Ok(args) },
    );
    let lookup = tool_fn(
        ToolSpec::new("db.lookup", "Finds a row").with_output_schema(json!({ "type": "object" })),
        |_| async { Ok(json!({})) },
    );
    let mut session = session_with(vec![charges_create(), echo, lookup], "");
    let out = js(
        &mut session,
        "const list = tools.list();
         list[0].name = 'mutated';  // a copy: changing it changes nothing
         return {
           names: tools.list().map(t => t.name),
           first: tools.list()[0],
           lookup: tools.describe('db/lookup'),
           echoKeys: Object.keys(tools.describe('echo')),
           missing: tools.describe('nope') === undefined,
         };",
    );
    assert_ok(&out);
    assert_eq!(
        out.value,
        Some(json!({
            "names": ["stripe/charges/create", "echo", "db.lookup"],
            "first": {
                "name": "stripe/charges/create",
                "description": "Creates a charge",
                "inputSchema": {
                    "type": "object",
                    "properties": { "amount": { "type": "integer" } },
                    "required": ["amount"]
                }
            },
            "lookup": {
                "name": "db.lookup",
                "description": "Finds a row",
                "inputSchema": { "type": "object" },
                "outputSchema": { "type": "object" }
            },
            "echoKeys": ["name", "description", "inputSchema"],
            "missing": true
        }))
    );
}

#[test]
fn calling_without_arguments_sends_an_empty_object() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![counting("echo", &calls, |args| args)], "");
    let out = run_ok(&mut session, "console.log(JSON.stringify(await echo()))");
    assert_eq!(out, "{}\n");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------------------------
// Validation: arguments, names, sizes, results, failures and timeouts
// ---------------------------------------------------------------------------------------------

/// `transfer`: `{ amount: number (required), note?: string }`, counting its calls.
fn transfer(calls: &Arc<AtomicUsize>) -> Arc<dyn Tool> {
    let calls = Arc::clone(calls);
    let spec = ToolSpec::new("transfer", "Moves money").with_input_schema(json!({
        "type": "object",
        "properties": { "amount": { "type": "number" }, "note": { "type": "string" } },
        "required": ["amount"]
    }));
    tool_fn(spec, move |args| {
        calls.fetch_add(1, Ordering::SeqCst);
        async move { Ok(json!({ "sent": args["amount"] })) }
    })
}

#[test]
fn wrong_argument_type_is_einval_naming_the_field() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls)], "");
    let out = run_ok(
        &mut session,
        "try { await transfer({ amount: '5' }) } catch (e) {
           console.log(e.name, e.code, e.tool, e instanceof Error);
           console.log(e.message);
         }",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "ToolError EINVAL transfer true");
    assert!(lines[1].starts_with("transfer: argument amount: "), "{out}");
    assert!(lines[1].contains("number"), "{out}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "an invalid call reached the tool"
    );
}

#[test]
fn missing_required_argument_is_einval() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls)], "");
    let out = run_ok(&mut session, &print_outcome("transfer({ note: 'hi' })"));
    assert!(out.starts_with("EINVAL transfer: "), "{out}");
    assert!(out.contains("amount"), "{out}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn non_object_argument_is_einval() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls)], "");
    let out = run_ok(
        &mut session,
        &[
            print_outcome("transfer([1, 2])"),
            print_outcome("transfer('100')"),
            print_outcome("transfer(100)"),
            print_outcome("transfer(null)"),
        ]
        .join("\n"),
    );
    assert_eq!(
        out,
        "EINVAL transfer: a tool takes one object argument, got an array\n\
         EINVAL transfer: a tool takes one object argument, got a string\n\
         EINVAL transfer: a tool takes one object argument, got a number\n\
         EINVAL transfer: a tool takes one object argument, got null\n"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn unknown_tool_is_enoent_with_a_hint() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls), charges_create()], "");
    let out = run_ok(
        &mut session,
        &[
            print_outcome("tools.call('charges/create', {})"),
            print_outcome("tools.call('weather', {})"),
        ]
        .join("\n"),
    );
    assert_eq!(
        out,
        "ENOENT charges/create: unknown tool; did you mean stripe/charges/create?\n\
         ENOENT weather: unknown tool; available tools: transfer, stripe/charges/create\n"
    );
}

#[test]
fn arguments_over_the_size_limit_are_e2big() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls)], "");
    tweak_limits(&mut session, |l| l.tool_args_bytes = 100);
    let out = run_ok(
        &mut session,
        &[
            print_outcome("transfer({ amount: 1, note: 'x'.repeat(60) })"),
            print_outcome("transfer({ amount: 1, note: 'x'.repeat(200) })"),
        ]
        .join("\n"),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "ok");
    assert!(
        lines[1].starts_with("E2BIG transfer: arguments of ")
            && lines[1].ends_with("bytes exceed the limit of 100 bytes"),
        "{out}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn arguments_nested_too_deep_are_e2big() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![counting("echo", &calls, |_| json!({}))], "");
    tweak_limits(&mut session, |l| l.tool_json_depth = 5);
    let out = run_ok(
        &mut session,
        &[
            // Depth 5: the object, then four arrays.
            print_outcome("echo({ v: [[[[1]]]] })"),
            print_outcome("echo({ v: [[[[[1]]]]] })"),
        ]
        .join("\n"),
    );
    assert_eq!(
        out, "ok\nE2BIG echo: arguments nest deeper than 5 levels\n",
        "{out}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn result_over_the_size_limit_is_e2big() {
    let big = tool_fn(ToolSpec::new("big", "a large result"), |_| async {
        Ok(json!({ "text": "x".repeat(2000) }))
    });
    let mut session = session_with(vec![big], "");
    tweak_limits(&mut session, |l| l.tool_result_bytes = 1000);
    let out = run_ok(&mut session, &print_outcome("big({})"));
    assert_eq!(
        out,
        "E2BIG big: the result is 2011 bytes, over the limit of 1000 bytes\n"
    );
}

#[test]
fn result_breaking_the_output_schema_is_etool() {
    let spec = ToolSpec::new("lookup", "finds a row").with_output_schema(json!({
        "type": "object",
        "properties": { "id": { "type": "integer" } },
        "required": ["id"]
    }));
    let lookup = tool_fn(spec, |args| async move {
        Ok(if args["good"] == json!(true) {
            json!({ "id": 1 })
        } else {
            json!({ "id": "one" })
        })
    });
    let mut session = session_with(vec![lookup], "");
    let out = run_ok(
        &mut session,
        &[
            print_outcome("lookup({ good: true })"),
            print_outcome("lookup({ good: false })"),
        ]
        .join("\n"),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "ok");
    assert!(
        lines[1].starts_with("ETOOL lookup: the tool broke its output schema: result id: "),
        "{out}"
    );
}

#[test]
fn tool_error_is_etool_with_its_message_and_hint() {
    let charge = tool_fn(ToolSpec::new("charge", "charges a card"), |_| async {
        Err(ToolError::failed("card declined").with_hint("try another card"))
    });
    let mut session = session_with(vec![charge], "");
    let out = run_ok(
        &mut session,
        "try { await charge({}) } catch (e) { console.log(JSON.stringify([e.name, e.code, e.tool, e.message])) }",
    );
    assert_eq!(
        out,
        "[\"ToolError\",\"ETOOL\",\"charge\",\"card declined\\nhint: try another card\"]\n"
    );
}

#[test]
fn slow_tool_times_out_with_etimedout_and_the_script_goes_on() {
    let slow = tool_fn(
        ToolSpec::new("slow", "sleeps 5 s").with_timeout(Duration::from_millis(100)),
        |_| async {
            sleep(Duration::from_secs(5)).await;
            Ok(json!({}))
        },
    );
    let mut session = session_with(vec![slow], "");
    let started = Instant::now();
    let out = run_ok(
        &mut session,
        "try { await slow({}) } catch (e) { console.log(e.code, e.tool) } console.log('after')",
    );
    let took = started.elapsed();
    assert_eq!(out, "ETIMEDOUT slow\nafter\n");
    assert!(took < Duration::from_secs(2), "the timeout took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// The policy, enforced through the sandbox
// ---------------------------------------------------------------------------------------------

const TRANSFER_POLICY: &str = r#"
[[allow]]
tools = "transfer"
[allow.args]
amount = { min = 1, max = 1000 }
"#;

#[test]
fn denial_is_a_policy_denied_error_with_the_exact_message() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![transfer(&calls)], TRANSFER_POLICY);
    let out = run_ok(
        &mut session,
        "try { await transfer({ amount: 5000 }) } catch (e) {
           console.log(String(e));
           console.log(e.name, e.code, e.tool, e instanceof Error);
         }
         console.log(JSON.stringify(await transfer({ amount: 1000 })));",
    );
    assert_eq!(
        out,
        "PolicyDenied: transfer: amount = 5000 violates max 1000 (allow[0] in airlock.toml); allowed range 1..1000\n\
         PolicyDenied EPOLICY transfer true\n\
         {\"sent\":1000}\n"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the denied call reached the tool"
    );
}

#[test]
fn deny_rule_wins_over_an_allow_rule() {
    let (created, refunded) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tools = vec![
        counting("stripe/charges/create", &created, |_| json!({})),
        forbidden("stripe/charges/refund", &refunded),
    ];
    let policy = r#"
        [[allow]]
        tools = "stripe/**"
        [[deny]]
        tools = "stripe/charges/refund"
        reason = "refunds need a human"
    "#;
    let mut session = session_with(tools, policy);
    let out = run_ok(
        &mut session,
        &format!(
            "await stripe.charges.create({{}});
             console.log(typeof stripe_charges_refund, tools.list().map(t => t.name).join());
             {}",
            print_outcome("tools.call('stripe/charges/refund', {})")
        ),
    );
    assert_eq!(
        out,
        "undefined stripe/charges/create\n\
         EPOLICY stripe/charges/refund: denied by deny[0] (tools = \"stripe/charges/refund\") in airlock.toml: refunds need a human\n"
    );
    assert_eq!(created.load(Ordering::SeqCst), 1);
    assert_eq!(refunded.load(Ordering::SeqCst), 0);
}

#[test]
fn without_allow_rules_every_call_not_denied_is_allowed() {
    let calls = Arc::new(AtomicUsize::new(0));
    for policy in ["", "[[deny]]\ntools = \"admin/**\"\n"] {
        let tools = vec![
            counting("a", &calls, |_| json!(1)),
            counting("b/c", &calls, |_| json!(2)),
        ];
        let mut session = session_with(tools, policy);
        let out = run_ok(
            &mut session,
            "console.log(await a({ x: 1 }) + await b.c({}))",
        );
        assert_eq!(out, "3\n", "policy {policy:?}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[test]
fn denied_calls_consume_no_budget() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = r#"
        [[allow]]
        tools = "transfer"
        max_calls = 2
        [allow.args]
        amount = { max = 10 }
    "#;
    let mut session = session_with(vec![transfer(&calls)], policy);
    let out = run_ok(
        &mut session,
        &[
            print_outcome("transfer({ amount: 99 })"),
            print_outcome("transfer({ amount: 99 })"),
            print_outcome("transfer({ amount: 5 })"),
            print_outcome("transfer({ amount: 5 })"),
            print_outcome("transfer({ amount: 5 })"),
        ]
        .join("\n"),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].contains("violates max 10"), "{out}");
    assert_eq!(lines[1], lines[0]);
    assert_eq!(lines[2..4], ["ok", "ok"]);
    assert!(
        lines[4].starts_with("EPOLICY transfer: max_calls 2 per session used up"),
        "{out}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn per_run_resets_each_run_while_max_calls_spans_the_session() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = r#"
        [[allow]]
        tools = "search"
        per_run = 2
        max_calls = 3
    "#;
    let mut session = session_with(vec![counting("search", &calls, |_| json!([]))], policy);
    let script = (0..3)
        .map(|_| print_outcome("search({})"))
        .collect::<Vec<_>>()
        .join("\n");
    let first = run_ok(&mut session, &script);
    assert_eq!(
        first,
        "ok\nok\nEPOLICY search: per_run 2 per run used up (allow[0] in airlock.toml)\n"
    );
    let second = run_ok(&mut session, &script);
    let lines: Vec<&str> = second.lines().collect();
    assert_eq!(lines[0], "ok", "per_run did not reset: {second}");
    assert!(
        lines[1].starts_with("EPOLICY search: max_calls 3 per session used up"),
        "{second}"
    );
    assert!(
        lines[2].contains("max_calls 3 per session used up"),
        "{second}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn sum_bounds_the_session_total_across_calls_and_runs() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = r#"
        [[allow]]
        tools = "transfer"
        [allow.sum]
        amount = { max = 100 }
    "#;
    let mut session = session_with(vec![transfer(&calls)], policy);
    let out = run_ok(
        &mut session,
        &[
            print_outcome("transfer({ amount: 60 })"),
            print_outcome("transfer({ amount: 50 })"),
            print_outcome("transfer({ amount: 40 })"),
        ]
        .join("\n"),
    );
    assert_eq!(
        out,
        "ok\n\
         EPOLICY transfer: amount = 50 would bring the session total to 110, over sum max 100 (allow[0] in airlock.toml); 40 left in this session\n\
         ok\n"
    );
    let out = run_ok(&mut session, &print_outcome("transfer({ amount: 1 })"));
    assert!(out.contains("over sum max 100"), "{out}");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

// ---------------------------------------------------------------------------------------------
// Budgets stay exact under concurrency
// ---------------------------------------------------------------------------------------------

#[test]
fn max_calls_is_exact_over_a_concurrent_batch() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = "[[allow]]\ntools = \"t\"\nmax_calls = 17\n";
    let mut session = session_with(vec![counting("t", &calls, |_| json!(true))], policy);
    let out = js(
        &mut session,
        "const r = await Promise.allSettled(Array.from({ length: 50 }, () => t({})));
         return {
           fulfilled: r.filter(x => x.status === 'fulfilled').length,
           denied: r.filter(x => x.status === 'rejected' && x.reason.code === 'EPOLICY').length,
           firstDenied: r.findIndex(x => x.status === 'rejected'),
         };",
    );
    assert_ok(&out);
    assert_eq!(
        out.value,
        Some(json!({ "fulfilled": 17, "denied": 33, "firstDenied": 17 }))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 17);
    assert_eq!(out.usage.tool_calls, 50);
}

#[test]
fn tool_calls_per_run_limit_gives_e2big_after_n() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![counting("t", &calls, |_| json!(true))], "");
    tweak_limits(&mut session, |l| l.tool_calls_per_run = 5);
    let out = js(
        &mut session,
        "const codes = [];
         for (let i = 0; i < 3; i++) { await t({}); codes.push('ok'); }
         const r = await Promise.allSettled(Array.from({ length: 4 }, () => t({})));
         for (const x of r) codes.push(x.status === 'fulfilled' ? 'ok' : x.reason.code);
         return codes;",
    );
    assert_ok(&out);
    assert_eq!(
        out.value,
        Some(json!(["ok", "ok", "ok", "ok", "ok", "E2BIG", "E2BIG"]))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    let e2big = out.calls[5].error.as_ref().expect("the sixth call failed");
    assert_eq!(
        e2big.message,
        "t: this run already made 5 tool calls, the limit per run"
    );

    // The limit is per run: the next run may call again.
    let out = run_ok(&mut session, &print_outcome("t({})"));
    assert_eq!(out, "ok\n");
}

// ---------------------------------------------------------------------------------------------
// Batches really run concurrently, bounded by tool_concurrency
// ---------------------------------------------------------------------------------------------

/// A tool sleeping `delay` that tracks how many of its calls are in flight at once.
fn tracked_sleeper(name: &str, delay: Duration, peak: &Arc<AtomicUsize>) -> Arc<dyn Tool> {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::clone(peak);
    tool_fn(ToolSpec::new(name, "sleeps"), move |_| {
        let (in_flight, peak) = (Arc::clone(&in_flight), Arc::clone(&peak));
        async move {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            sleep(delay).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(json!({}))
        }
    })
}

#[test]
fn promise_all_runs_calls_concurrently_and_awaits_run_in_sequence() {
    let peak = Arc::new(AtomicUsize::new(0));
    let tool = tracked_sleeper("nap", Duration::from_millis(100), &peak);
    let mut session = session_with(vec![tool], "");

    let started = Instant::now();
    assert_ok(&js(
        &mut session,
        "await Promise.all(Array.from({ length: 10 }, () => nap({})))",
    ));
    let together = started.elapsed();
    // 10 calls of 100 ms at once (or in two waves if the default concurrency were under 10).
    assert!(
        together < Duration::from_millis(600),
        "Promise.all took {together:?}"
    );
    let expected_peak = session.limits().tool_concurrency.min(10);
    assert_eq!(peak.load(Ordering::SeqCst), expected_peak);

    peak.store(0, Ordering::SeqCst);
    let started = Instant::now();
    assert_ok(&js(
        &mut session,
        "for (let i = 0; i < 5; i++) await nap({})",
    ));
    let apart = started.elapsed();
    assert!(apart >= Duration::from_millis(500), "awaits took {apart:?}");
    assert_eq!(peak.load(Ordering::SeqCst), 1);
}

#[test]
fn tool_concurrency_bounds_calls_in_flight() {
    let peak = Arc::new(AtomicUsize::new(0));
    let tool = tracked_sleeper("nap", Duration::from_millis(50), &peak);
    let mut session = session_with(vec![tool], "");
    tweak_limits(&mut session, |l| l.tool_concurrency = 2);
    let started = Instant::now();
    assert_ok(&js(
        &mut session,
        "await Promise.all(Array.from({ length: 6 }, () => nap({})))",
    ));
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

// ---------------------------------------------------------------------------------------------
// RunOutput.calls and usage
// ---------------------------------------------------------------------------------------------

#[test]
fn run_output_records_every_call_in_script_order() {
    let (calls, denied) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tools = vec![
        counting("a", &calls, |args| json!({ "got": args["x"] })),
        forbidden("b", &denied),
    ];
    let policy = "[[allow]]\ntools = \"a\"\n[allow.args]\nx = { max = 10 }\n";
    let mut session = session_with(tools, policy);
    let out = js(
        &mut session,
        "await a({ x: 1 });
         try { await tools.call('b', { y: 2 }) } catch {}
         try { await a({ x: 11 }) } catch {}
         await Promise.all([a({ x: 3 }), a({ x: 4 })]);",
    );
    assert_ok(&out);
    assert_eq!(out.usage.tool_calls, 5, "denied calls count too");

    let summary: Vec<_> = out
        .calls
        .iter()
        .map(|c| {
            (
                c.tool.as_str(),
                c.args.clone(),
                c.rule.as_deref(),
                c.result.clone(),
                c.error.as_ref().map(|e| e.code.as_str()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "a",
                Some(json!({ "x": 1 })),
                Some("allow[0]"),
                Some(json!({ "got": 1 })),
                None
            ),
            ("b", Some(json!({ "y": 2 })), None, None, Some("EPOLICY")),
            ("a", Some(json!({ "x": 11 })), None, None, Some("EPOLICY")),
            (
                "a",
                Some(json!({ "x": 3 })),
                Some("allow[0]"),
                Some(json!({ "got": 3 })),
                None
            ),
            (
                "a",
                Some(json!({ "x": 4 })),
                Some("allow[0]"),
                Some(json!({ "got": 4 })),
                None
            ),
        ]
    );
    assert!(
        out.calls[1]
            .error
            .as_ref()
            .unwrap()
            .message
            .starts_with("PolicyDenied: b: "),
        "{:?}",
        out.calls[1].error
    );
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(denied.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------------------------
// The journal
// ---------------------------------------------------------------------------------------------

#[test]
fn journal_verifies_and_records_calls_in_order_with_decisions() {
    let (calls, denied) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let tools = vec![
        counting("a", &calls, |_| json!("done")),
        forbidden("b", &denied),
    ];
    let mut session = session_with(tools, "[[allow]]\ntools = \"a\"\n");
    let journal = SharedBuf::default();
    session.set_journal(journal.clone(), JOURNAL_RESULT_THRESHOLD);
    let out = js(
        &mut session,
        "await a({ n: 1 });
         try { await tools.call('b', {}) } catch {}
         await a({ n: 2 });",
    );
    assert_ok(&out);
    // With a journal the host learns the script line of each call.
    let lines: Vec<_> = out.calls.iter().map(|c| c.line).collect();
    assert_eq!(lines, [Some(1), Some(2), Some(3)]);
    assert_ok(&js(&mut session, "await a({ n: 3 })"));

    let report = airlock::journal::verify(&journal.bytes()[..]).expect("journal verifies");
    assert_eq!((report.runs, report.calls, report.entries), (2, 4, 8));
    assert!(report.complete);
    assert_eq!(Some(report.head), session.journal_head());

    let allow = Decision::Allow;
    assert_eq!(
        journaled_calls(&journal.entries()),
        [
            ("a".to_string(), json!({ "n": 1 }), allow, None),
            (
                "b".to_string(),
                json!({}),
                Decision::Deny,
                Some("EPOLICY".to_string())
            ),
            ("a".to_string(), json!({ "n": 2 }), allow, None),
            ("a".to_string(), json!({ "n": 3 }), allow, None),
        ]
    );
    let results: Vec<_> = journal
        .entries()
        .iter()
        .filter_map(|e| match e {
            Entry::Call(c) => Some((c.run, c.call, c.line, c.rule.clone(), c.result.clone())),
            _ => None,
        })
        .collect();
    let rule = Some("allow[0]".to_string());
    assert_eq!(
        results,
        [
            (0, 0, Some(1), rule.clone(), Some(json!("done"))),
            (0, 1, Some(2), None, None),
            (0, 2, Some(3), rule.clone(), Some(json!("done"))),
            (1, 0, Some(1), rule, Some(json!("done"))),
        ]
    );
}

/// A script touching every source of nondeterminism a deterministic session pins down.
const NONDETERMINISTIC: &str = "
const t0 = Date.now();
const iso = new Date().toISOString();
await new Promise((resolve) => setTimeout(resolve, 10000));
const t1 = Date.now();
const r = Math.random();
const id = crypto.randomUUID();
const got = await quote({ sym: 'ACME', at: t1, r, id });
console.log(t0, iso, t1 - t0, r, id, JSON.stringify(got));
";

/// Runs [`NONDETERMINISTIC`] in a fresh deterministic session; stdout, journal bytes, wall time.
fn deterministic_run(seed: u64) -> (String, Vec<u8>, Duration) {
    let quote = tool_fn(ToolSpec::new("quote", "a price"), |args| async move {
        Ok(json!({ "sym": args["sym"], "price": 42.5 }))
    });
    let mut session = session_with(vec![quote], "");
    session.set_deterministic(seed);
    let journal = SharedBuf::default();
    session.set_journal(journal.clone(), JOURNAL_RESULT_THRESHOLD);
    let out = js(&mut session, NONDETERMINISTIC);
    assert_ok(&out);
    (out.stdout_text(), journal.bytes(), out.usage.wall)
}

#[test]
fn deterministic_sessions_give_identical_output_and_journal() {
    let (stdout1, journal1, wall) = deterministic_run(7);
    let (stdout2, journal2, _) = deterministic_run(7);
    assert_eq!(stdout1, stdout2);
    assert_eq!(
        String::from_utf8_lossy(&journal1),
        String::from_utf8_lossy(&journal2),
        "journals differ"
    );
    assert_eq!(journal1, journal2);

    // The virtual clock starts at the epoch and the 10 s timer fired at once.
    let fields: Vec<&str> = stdout1.split(' ').collect();
    assert_eq!(fields[0], VIRTUAL_EPOCH_UNIX_MS.to_string());
    assert_eq!(fields[1], "2025-01-01T00:00:00.000Z");
    assert_eq!(fields[2], "10000");
    assert!(
        wall < Duration::from_secs(5),
        "the timer really waited: {wall:?}"
    );

    // Another seed draws other random numbers.
    let (stdout3, _, _) = deterministic_run(8);
    assert_ne!(stdout1, stdout3);
}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

const RECORDED: &str = "
const a = await quote({ sym: 'A' });
const r = Math.random();
const [b, c] = await Promise.all([quote({ sym: 'B' }), quote({ sym: 'C' })]);
let failed = '';
try { await quote({ sym: 'FAIL' }) } catch (e) { failed = e.code + ' ' + e.message }
console.log(JSON.stringify([a, b, c]), r, Date.now(), failed);
";

/// The live `quote` tool: a price per symbol, failing for `FAIL`.
fn live_quote() -> Arc<dyn Tool> {
    tool_fn(ToolSpec::new("quote", "a price"), |args| async move {
        match args["sym"].as_str() {
            Some("FAIL") => Err(ToolError::failed("market closed")),
            Some(sym) => Ok(json!({ "sym": sym, "price": sym.len() * 10 })),
            None => Ok(Value::Null),
        }
    })
}

/// Runs `script` deterministically with the live tools; its output and journal entries.
fn record(script: &str) -> (RunOutput, Vec<Entry>) {
    let mut session = session_with(vec![live_quote()], "");
    session.set_deterministic(3);
    let journal = SharedBuf::default();
    session.set_journal(journal.clone(), JOURNAL_RESULT_THRESHOLD);
    let out = js(&mut session, script);
    (out, journal.entries())
}

/// Replays `entries` with a `quote` tool that must not be called, running `script`.
fn replay(entries: Vec<Entry>, script: &str) -> RunOutput {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![forbidden("quote", &calls)], "");
    session.set_deterministic(0);
    session.set_replay(Replay::new(entries).expect("journal has a run"));
    let out = js(&mut session, script);
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a replay called the tool");
    out
}

#[test]
fn replay_serves_recorded_results_without_calling_tools() {
    let (recorded, entries) = record(RECORDED);
    assert_ok(&recorded);
    assert!(
        recorded.stdout_text().ends_with(" ETOOL market closed\n"),
        "{}",
        recorded.stdout_text()
    );
    let replayed = replay(entries, RECORDED);
    assert_ok(&replayed);
    assert_eq!(replayed.stdout_text(), recorded.stdout_text());
    assert_eq!(replayed.calls.len(), 4);
}

fn assert_diverged(out: &RunOutput, needle: &str) {
    let Termination::Diverged(why) = &out.termination else {
        panic!(
            "expected a divergence, got {:?}\n{}",
            out.termination,
            out.stderr_text()
        );
    };
    assert_eq!(out.exit_code, exit_code::DIVERGED);
    assert!(why.contains(needle), "divergence message: {why}");
    assert!(out.stderr_text().contains("airlock: replay diverged: "));
}

#[test]
fn replay_with_changed_arguments_diverges_naming_both_calls() {
    let (_, entries) = record(RECORDED);
    let changed = RECORDED.replace("sym: 'B'", "sym: 'Z'");
    let out = replay(entries, &changed);
    assert_diverged(
        &out,
        "call #1 of run 0: expected quote {\"sym\":\"B\"}, got quote {\"sym\":\"Z\"}",
    );
}

#[test]
fn replay_of_a_script_making_fewer_calls_diverges() {
    let (_, entries) = record(RECORDED);
    let out = replay(entries, "await quote({ sym: 'A' })");
    assert_diverged(
        &out,
        "run 0 ended after 1 call(s), but the recording made 4; the next was quote {\"sym\":\"B\"}",
    );
}

#[test]
fn replay_of_a_script_making_an_extra_call_diverges() {
    let (_, entries) = record(RECORDED);
    let extra = format!("{RECORDED}\nawait quote({{ sym: 'D' }});");
    let out = replay(entries, &extra);
    assert_diverged(
        &out,
        "call #4 of run 0: the script calls quote {\"sym\":\"D\"}, but the recording made only 4 call(s)",
    );
}

// Regression: the replay compared the name as the script wrote it with the journal's
// configured name, and diverged.
#[test]
fn replay_matches_a_call_made_with_the_other_separator() {
    // Recording and replay call `stripe.charges.create` (dots) for a tool named with slashes.
    let script =
        "console.log(JSON.stringify(await tools.call('stripe.charges.create', { amount: 1 })))";
    let mut session = session_with(vec![charges_create()], "");
    session.set_deterministic(1);
    let journal = SharedBuf::default();
    session.set_journal(journal.clone(), JOURNAL_RESULT_THRESHOLD);
    let recorded = run_ok(&mut session, script);

    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = session_with(vec![forbidden("stripe/charges/create", &calls)], "");
    session.set_deterministic(0);
    session.set_replay(Replay::new(journal.entries()).unwrap());
    let out = js(&mut session, script);
    assert_eq!(
        out.termination,
        Termination::Exited(0),
        "{}",
        out.stderr_text()
    );
    assert_eq!(out.stdout_text(), recorded);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

// Regression: calls refused before the tool was resolved were journaled but skipped by the
// replay, so the call after them diverged.
#[test]
fn replay_of_a_run_with_a_refused_call_reproduces_it() {
    // The first call is refused before the tool is looked at (not an object); the recording
    // journals it, so the replay must account for it too.
    let script = "
        try { await quote([1]) } catch (e) { console.log(e.code) }
        console.log(JSON.stringify(await quote({ sym: 'A' })));
    ";
    let (recorded, entries) = record(script);
    assert_ok(&recorded);
    assert_eq!(
        recorded.stdout_text(),
        "EINVAL\n{\"sym\":\"A\",\"price\":10}\n"
    );
    let out = replay(entries, script);
    assert_eq!(
        out.termination,
        Termination::Exited(0),
        "{}",
        out.stderr_text()
    );
    assert_eq!(out.stdout_text(), recorded.stdout_text());
}

// ---------------------------------------------------------------------------------------------
// A run stopped while waiting on a tool leaves the session usable
// ---------------------------------------------------------------------------------------------

#[test]
fn run_timing_out_on_a_slow_tool_ends_promptly_and_the_session_goes_on() {
    let calls = Arc::new(AtomicUsize::new(0));
    let tools = vec![
        sleeper("slow", Duration::from_secs(5)),
        counting("fast", &calls, |_| json!("quick")),
    ];
    let mut session = session_with(tools, "[[allow]]\ntools = \"*\"\nmax_calls = 2\n");
    tweak_limits(&mut session, |l| {
        l.timeout = Some(Duration::from_millis(300))
    });

    let started = Instant::now();
    let out = js(&mut session, "console.log('calling'); await slow({})");
    let took = started.elapsed();
    assert_eq!(out.termination, Termination::Timeout);
    assert_eq!(out.exit_code, exit_code::TIMEOUT);
    assert_eq!(out.stdout_text(), "calling\n");
    assert!(took < Duration::from_secs(2), "the timeout took {took:?}");

    // The next run works, and the timed-out call still counts against max_calls.
    let out = run_ok(
        &mut session,
        &format!(
            "console.log(await fast({{}}));\n{}",
            print_outcome("fast({})")
        ),
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "quick");
    assert!(
        lines[1].contains("max_calls 2 per session used up"),
        "{out}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn run_timing_out_on_a_tool_is_journaled() {
    let mut session = session_with(vec![sleeper("slow", Duration::from_secs(5))], "");
    tweak_limits(&mut session, |l| {
        l.timeout = Some(Duration::from_millis(300))
    });
    let journal = SharedBuf::default();
    session.set_journal(journal.clone(), JOURNAL_RESULT_THRESHOLD);
    let out = js(&mut session, "await slow({ n: 1 })");
    assert_eq!(out.termination, Termination::Timeout);
    assert_eq!(out.usage.tool_calls, 1);

    let report = airlock::journal::verify(&journal.bytes()[..]).expect("journal verifies");
    assert_eq!(Some(report.head), session.journal_head());
    let entries = journal.entries();
    assert_eq!(
        journaled_calls(&entries),
        [(
            "slow".to_string(),
            json!({ "n": 1 }),
            Decision::Allow,
            Some("ETIMEDOUT".to_string())
        )]
    );
    assert!(
        matches!(entries.last(), Some(Entry::End(end)) if end.exit_code == exit_code::TIMEOUT),
        "{:?}",
        entries.last()
    );
}

#[test]
fn run_timing_out_on_a_tool_still_reports_the_call() {
    let mut session = session_with(vec![sleeper("slow", Duration::from_secs(5))], "");
    tweak_limits(&mut session, |l| {
        l.timeout = Some(Duration::from_millis(300))
    });
    let out = js(&mut session, "await slow({ n: 1 })");
    assert_eq!(out.termination, Termination::Timeout);
    assert_eq!(out.usage.tool_calls, 1);
    assert_eq!(out.calls.len(), 1, "RunOutput::calls misses the call");
    let error = out.calls[0].error.as_ref().expect("the call failed");
    assert_eq!(error.code, "ETIMEDOUT");
}

#[test]
fn every_global_of_the_script_is_known_to_the_tool_name_checks() {
    // A tool named like one of these would be hidden by it: `Toolbox::add` refuses such names
    // and the declarations leave them out, both from the one list this test keeps complete.
    let mut session = common::sandbox().session();
    let out = session
        .run(
            Language::JavaScript,
            "return Object.getOwnPropertyNames(globalThis)",
        )
        .unwrap();
    let names: Vec<String> = serde_json::from_value(out.value.unwrap()).unwrap();
    assert!(names.len() > 80, "{names:?}");
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !airlock::tool::dts::is_sandbox_global(n))
        .collect();
    assert!(
        unknown.is_empty(),
        "globals the checks do not know: {unknown:?}"
    );
    let mut toolbox = Toolbox::new();
    for name in ["fetch", "shell", "Buffer", "process", "fs", "delete"] {
        let err = toolbox
            .add(tool_fn(ToolSpec::new(name, "hidden"), |_| async {
                Ok(json!(1))
            }))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be called by name"), "{name}: {err}");
        assert!(err.contains(&format!("`my/{name}`")), "{err}");
    }
    toolbox
        .add(tool_fn(
            ToolSpec::new("web/fetch", "namespaced"),
            |_| async { Ok(json!(1)) },
        ))
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// A session carried to another session (another server) as an image
// ---------------------------------------------------------------------------------------------

#[test]
fn an_image_carries_files_budgets_and_runs_to_a_fresh_session() {
    let calls = Arc::new(AtomicUsize::new(0));
    let policy = "[[allow]]\ntools = \"ping\"\nmax_calls = 2\n";
    let mut first = session_with(vec![counting("ping", &calls, |_| json!("pong"))], policy);
    run_ok(
        &mut first,
        r#"await fs.mkdir("/workspace/data/deep", {recursive: true});
           await fs.writeFile("/workspace/data/deep/a.txt", "kept");
           await ping({});"#,
    );
    let image = first.image();
    assert_eq!(image.runs, 1);
    assert_eq!(image.budgets.rules[0].calls, 1);

    let mut second = session_with(vec![counting("ping", &calls, |_| json!("pong"))], policy);
    second.restore_image(&image).expect("the image loads");
    assert_eq!(second.runs(), 1);
    let out = run_ok(
        &mut second,
        r#"console.log(await fs.readFile("/workspace/data/deep/a.txt", "utf8"));
           await ping({});
           try { await ping({}); } catch (e) { console.log(e.code); }"#,
    );
    assert_eq!(
        out, "kept\nEPOLICY\n",
        "the budget of 2 counted the first session's call"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // An image too big for the session's limits is refused and leaves the session as it was.
    let mut config = SandboxConfig::default();
    config.vfs.max_bytes = 2;
    let mut tiny = Sandbox::new(config).expect("sandbox").session();
    let err = tiny.restore_image(&image).unwrap_err();
    assert!(err.to_string().contains("do not load"), "{err}");
    assert!(tiny.vfs().image().0.is_empty());
}
