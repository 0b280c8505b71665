//! The trace layer against a real OTLP/HTTP receiver (`otlp_receiver.py`, built on the official
//! `opentelemetry-proto` package). Tests that need it skip, with a note, when python3 or the
//! package is missing.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use airlock_layers::trace::{
    CUT_MARKER, MAX_ATTRIBUTE_BYTES, TraceConfig, TraceError, TraceLayer, parse_traceparent,
};
use airlock_pipeline::testing::{approval_report, call_report, layer_decision, tool_error};
use airlock_pipeline::{ApprovalMethod, CallReport, Layer, LayerCall, Redact, RunEvent, Stage};
use serde_json::{Value, json};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// A running `otlp_receiver.py`, killed on drop.
struct Receiver {
    child: Child,
    port: u16,
    out: PathBuf,
    _dir: TempDir,
}

impl Receiver {
    /// Starts the receiver, or prints why it cannot and returns `None`.
    fn start(test: &str) -> Option<Self> {
        let dir = TempDir::new(test);
        let out = dir.0.join("spans.jsonl");
        let script = format!("{}/tests/otlp_receiver.py", manifest_dir());
        let spawned = Command::new("python3")
            .arg(script)
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!("note: skipping {test}: cannot start python3 ({e})");
                return None;
            }
        };
        let mut line = String::new();
        let stdout = child.stdout.take().expect("receiver stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the receiver's port");
        let Some(port) = line.trim().strip_prefix("PORT ") else {
            let status = child.wait().expect("receiver exit");
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                std::io::Read::read_to_string(&mut stderr, &mut err).ok();
            }
            assert_eq!(status.code(), Some(3), "receiver failed: {err}");
            eprintln!("note: skipping {test}: {}", err.trim());
            return None;
        };
        Some(Self {
            port: port.parse().expect("port number"),
            child,
            out,
            _dir: dir,
        })
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The spans received so far.
    fn spans(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("receiver JSON line"))
            .collect()
    }

    /// Waits until `n` spans have arrived (flush returns once the export is answered, so this
    /// rarely waits).
    fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let spans = self.spans();
            if spans.len() >= n || Instant::now() > deadline {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "airlock-trace-{test}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Replaces `s3cret` everywhere.
struct Secrets;

impl Redact for Secrets {
    fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.redact_text(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut v) in old {
                    self.redact_value(&mut v);
                    map.insert(self.redact_text(&k), v);
                }
            }
            _ => {}
        }
    }

    fn redact_text(&self, text: &str) -> String {
        text.replace("s3cret", "[REDACTED]")
    }
}

fn env_of(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect();
    move |name| map.get(name).cloned()
}

fn start(run: u64, traceparent: Option<&str>, at: SystemTime) -> RunEvent {
    RunEvent::Start {
        run,
        language: "javascript",
        traceparent: traceparent.map(str::to_string),
        at,
    }
}

fn end(run: u64, exit_code: i32, calls: u64, at: SystemTime) -> RunEvent {
    RunEvent::End {
        run,
        exit_code,
        calls,
        at,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A successful call of `pay` with a rule, two layer decisions and an approval.
fn paid_call(t0: SystemTime) -> CallReport {
    let mut call = LayerCall::new(0, 0, "pay", json!({"to": "ada", "token": "s3cret"}));
    call.rule = Some("allow[0]".into());
    call.line = Some(3);
    call.traceparent = Some(TRACEPARENT.into());
    let mut report = call_report(call, Ok(json!({"paid": true})), t0 + ms(10), ms(50));
    report.tool_took = ms(5);
    report.layers = vec![
        layer_decision("approve", Stage::Before, "approved", t0 + ms(11), ms(30)),
        layer_decision("redact", Stage::After, "pass", t0 + ms(55), ms(1)),
    ];
    let mut approval = approval_report(
        "a1",
        "approve",
        ApprovalMethod::Confirm,
        "approved",
        t0 + ms(12),
        ms(28),
    );
    approval.channel = Some("tty".into());
    report.approvals = vec![approval];
    report
}

fn failed_call(t0: SystemTime) -> CallReport {
    let call = LayerCall::new(0, 1, "fetch", json!({"url": "http://x"}));
    call_report(
        call,
        Err(tool_error("ETOOL", "upstream said s3cret")),
        t0 + ms(70),
        ms(5),
    )
}

fn named<'a>(spans: &'a [Value], name: &str) -> &'a Value {
    spans
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
}

fn nanos(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).expect("clock").as_nanos()).expect("ns")
}

#[test]
fn parse_traceparent_accepts_valid_headers() {
    let parsed = parse_traceparent(TRACEPARENT).expect("valid");
    assert_eq!(format!("{:032x}", parsed.trace_id), TRACE_ID);
    assert_eq!(format!("{:016x}", parsed.parent_id), PARENT_ID);
    assert!(parsed.sampled());
    assert_eq!(parsed.to_string(), TRACEPARENT);
    let unsampled = parse_traceparent(&TRACEPARENT.replace("-01", "-00")).expect("valid");
    assert!(!unsampled.sampled());
    // A later version may add fields.
    let future = format!("cc{}-what-ever", &TRACEPARENT[2..]);
    assert_eq!(
        parse_traceparent(&future).map(|p| p.trace_id),
        Some(parsed.trace_id)
    );
    assert_eq!(
        parse_traceparent(&format!(" {TRACEPARENT}\n")),
        Some(parsed)
    );
}

#[test]
fn parse_traceparent_rejects_invalid_headers() {
    let zero_trace = format!("00-{}-{PARENT_ID}-01", "0".repeat(32));
    let zero_parent = format!("00-{TRACE_ID}-{}-01", "0".repeat(16));
    for bad in [
        "",
        "garbage",
        &TRACEPARENT[..54],                           // short
        &format!("{TRACEPARENT}-extra"),              // version 00 has exactly four fields
        &format!("{TRACEPARENT}x"),                   // a later field needs a dash
        &TRACEPARENT.replace("00-", "ff-"),           // version ff is forbidden
        &TRACEPARENT.to_uppercase(),                  // uppercase hex
        &TRACEPARENT.replace("4bf9", "4bg9"),         // not hex
        &TRACEPARENT.replace("-00f0", "+00f0"),       // wrong separator
        &TRACEPARENT.replace("4bf92f35", "+bf92f35"), // a sign from_str_radix would take
        &zero_trace,
        &zero_parent,
    ] {
        assert_eq!(parse_traceparent(bad), None, "{bad:?}");
    }
}

#[test]
fn exports_run_call_layer_and_approval_spans() {
    let Some(receiver) = Receiver::start("spans") else {
        return;
    };
    let env = env_of(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "x-api-key=k%20ey,authorization=Bearer abc".into(),
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "x-api-key=traces".into(),
        ),
        ("OTEL_SERVICE_NAME", "svc-test".into()),
    ]);
    let layer = TraceLayer::with_env(TraceConfig::default(), None, env).expect("layer");
    assert!(layer.is_enabled());
    assert_eq!(layer.name(), "trace");
    let t0 = SystemTime::now();
    layer.observe_run(&start(0, Some(TRACEPARENT), t0));
    layer.observe_call(&paid_call(t0));
    layer.observe_call(&failed_call(t0));
    layer.observe_run(&end(0, 0, 2, t0 + ms(100)));
    layer.flush().expect("flush");

    let spans = receiver.wait_for(6);
    assert_eq!(spans.len(), 6, "{spans:#?}");
    let run = named(&spans, "airlock.run");
    let pay = named(&spans, "execute_tool pay");
    let fetch = named(&spans, "execute_tool fetch");
    let approve = named(&spans, "airlock.layer approve");
    let redact = named(&spans, "airlock.layer redact");
    let approval = named(&spans, "airlock.approval");

    // One trace, the caller's; the run hangs off the caller's span, the rest off the run.
    assert!(
        spans.iter().all(|s| s["trace_id"] == TRACE_ID),
        "{spans:#?}"
    );
    assert_eq!(run["parent_span_id"], PARENT_ID);
    assert_eq!(pay["parent_span_id"], run["span_id"]);
    assert_eq!(fetch["parent_span_id"], run["span_id"]);
    assert_eq!(approve["parent_span_id"], pay["span_id"]);
    assert_eq!(redact["parent_span_id"], pay["span_id"]);
    assert_eq!(approval["parent_span_id"], pay["span_id"]);

    assert_eq!(run["attributes"]["airlock.run.index"], 0);
    assert_eq!(run["attributes"]["airlock.run.language"], "javascript");
    assert_eq!(run["attributes"]["airlock.run.exit_code"], 0);
    assert_eq!(run["attributes"]["airlock.run.calls"], 2);
    assert_eq!(run["start_ns"], nanos(t0));
    assert_eq!(run["end_ns"], nanos(t0 + ms(100)));

    let a = &pay["attributes"];
    assert_eq!(pay["kind"], 1, "SPAN_KIND_INTERNAL");
    assert_eq!(a["gen_ai.operation.name"], "execute_tool");
    assert_eq!(a["gen_ai.tool.name"], "pay");
    assert_eq!(a["gen_ai.tool.call.id"], "r0c0");
    assert_eq!(a["gen_ai.tool.type"], "function");
    assert_eq!(a["airlock.policy.rule"], "allow[0]");
    assert_eq!(a["airlock.decision"], "allow");
    assert_eq!(a["code.line.number"], 3);
    assert!(a.get("error.type").is_none());
    assert!(
        a.get("gen_ai.tool.call.arguments").is_none(),
        "args off by default"
    );
    assert!(
        a.get("gen_ai.tool.call.result").is_none(),
        "results off by default"
    );
    assert_eq!(pay["status"]["code"], 0);
    assert_eq!(pay["start_ns"], nanos(t0 + ms(10)));
    assert_eq!(pay["end_ns"], nanos(t0 + ms(60)));

    assert_eq!(approve["attributes"]["airlock.layer.stage"], "before");
    assert_eq!(approve["attributes"]["airlock.layer.decision"], "approved");
    assert_eq!(redact["attributes"]["airlock.layer.stage"], "after");
    assert_eq!(redact["attributes"]["airlock.layer.decision"], "pass");
    assert_eq!(
        approval["attributes"]["airlock.approval.outcome"],
        "approved"
    );
    assert_eq!(approval["attributes"]["airlock.approval.channel"], "tty");
    assert_eq!(approval["attributes"]["airlock.approval.method"], "confirm");
    assert_eq!(approval["end_ns"], nanos(t0 + ms(40)));

    // A failed call: error.type and an Error status, whose message (unredacted without a
    // redactor) is left out.
    assert_eq!(fetch["attributes"]["error.type"], "ETOOL");
    assert_eq!(fetch["attributes"]["airlock.decision"], "allow");
    assert_eq!(fetch["status"]["code"], 2, "STATUS_CODE_ERROR");
    assert_eq!(fetch["status"]["message"], "ETOOL");

    for span in &spans {
        assert_eq!(span["service_name"], "svc-test");
        assert_eq!(span["headers"]["authorization"], "Bearer abc");
        assert_eq!(
            span["headers"]["x-api-key"], "traces",
            "the traces var wins"
        );
        assert_eq!(span["headers"]["content-type"], "application/x-protobuf");
    }
}

#[test]
fn arguments_and_results_are_redacted_and_bounded_when_opted_in() {
    let Some(receiver) = Receiver::start("args") else {
        return;
    };
    let config: TraceConfig = serde_json::from_value(json!({
        "include_args": true,
        "include_results": true,
        "endpoint": format!("{}/v1/traces", receiver.endpoint()),
        "headers": {"x-team": "airlock"},
    }))
    .expect("config");
    let layer = TraceLayer::new(config, Some(Arc::new(Secrets))).expect("layer");
    assert_eq!(layer.service_name(), "airlock");
    let t0 = SystemTime::now();
    layer.observe_call(&paid_call(t0));
    layer.observe_call(&failed_call(t0));
    let big = LayerCall::new(
        0,
        2,
        "write",
        json!({"text": "é".repeat(MAX_ATTRIBUTE_BYTES)}),
    );
    layer.observe_call(&call_report(big, Ok(json!(null)), t0, ms(1)));
    layer.flush().expect("flush");

    let spans = receiver.wait_for(6);
    let pay = named(&spans, "execute_tool pay");
    // No run span seen: the call hangs off its traceparent directly.
    assert_eq!(pay["trace_id"], TRACE_ID);
    assert_eq!(pay["parent_span_id"], PARENT_ID);
    let args = pay["attributes"]["gen_ai.tool.call.arguments"]
        .as_str()
        .expect("args attribute");
    assert_eq!(
        serde_json::from_str::<Value>(args).expect("args JSON"),
        json!({"to": "ada", "token": "[REDACTED]"})
    );
    assert_eq!(
        pay["attributes"]["gen_ai.tool.call.result"],
        r#"{"paid":true}"#
    );
    assert_eq!(pay["headers"]["x-team"], "airlock");

    let fetch = named(&spans, "execute_tool fetch");
    assert_eq!(fetch["status"]["message"], "upstream said [REDACTED]");
    assert!(fetch["attributes"].get("gen_ai.tool.call.result").is_none());

    let write = named(&spans, "execute_tool write");
    let args = write["attributes"]["gen_ai.tool.call.arguments"]
        .as_str()
        .expect("args attribute");
    assert!(args.ends_with(CUT_MARKER), "{args}");
    assert!(args.len() <= MAX_ATTRIBUTE_BYTES + CUT_MARKER.len());
    assert!(
        args.len() >= MAX_ATTRIBUTE_BYTES - 1,
        "cut on a char boundary only"
    );
}

#[test]
fn opting_in_without_a_redactor_is_refused() {
    let config = TraceConfig {
        include_args: true,
        ..TraceConfig::default()
    };
    let err = TraceLayer::new(config, None).expect_err("refused");
    assert_eq!(err, TraceError::NoRedactor);
    assert!(err.to_string().contains("hint:"), "{err}");
}

#[test]
fn config_is_strict() {
    let err = serde_json::from_value::<TraceConfig>(json!({"include_arg": true}))
        .expect_err("unknown field");
    assert!(err.to_string().contains("include_arg"), "{err}");
    assert_eq!(
        serde_json::from_value::<TraceConfig>(json!({})).expect("empty"),
        TraceConfig::default()
    );
    for endpoint in ["ftp://x", "127.0.0.1:4318", "http://", "http://a b"] {
        let config = TraceConfig {
            endpoint: Some(endpoint.into()),
            ..TraceConfig::default()
        };
        let err = TraceLayer::new(config, None).expect_err(endpoint);
        assert!(
            matches!(err, TraceError::InvalidEndpoint { .. }),
            "{endpoint}: {err}"
        );
    }
    let config = TraceConfig {
        endpoint: Some("http://127.0.0.1:1".into()),
        headers: [("bad name".to_string(), "v".to_string())].into(),
        ..TraceConfig::default()
    };
    assert!(matches!(
        TraceLayer::new(config, None),
        Err(TraceError::InvalidHeader { .. })
    ));
}

#[test]
fn no_endpoint_exports_nothing() {
    let layer = TraceLayer::with_env(TraceConfig::default(), None, |_| None).expect("layer");
    assert!(!layer.is_enabled());
    assert_eq!(layer.endpoint(), None);
    let t0 = SystemTime::now();
    layer.observe_run(&start(0, Some(TRACEPARENT), t0));
    layer.observe_call(&paid_call(t0));
    layer.observe_run(&end(0, 1, 1, t0));
    layer.flush().expect("flush");
    layer.shutdown().expect("shutdown");
}

#[test]
fn invalid_traceparent_starts_a_new_trace() {
    let Some(receiver) = Receiver::start("newtrace") else {
        return;
    };
    let env = env_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())]);
    let layer = TraceLayer::with_env(TraceConfig::default(), None, env).expect("layer");
    let t0 = SystemTime::now();
    layer.observe_run(&start(4, Some("00-nonsense-01"), t0));
    let mut call = LayerCall::new(4, 0, "echo", json!({}));
    call.traceparent = Some("00-nonsense-01".into());
    layer.observe_call(&call_report(call, Ok(json!(1)), t0, ms(1)));
    layer.observe_run(&end(4, 3, 1, t0 + ms(2)));
    // A caller that did not sample its trace: airlock's spans follow its decision.
    let unsampled = TRACEPARENT.replace("-01", "-00");
    layer.observe_run(&start(5, Some(&unsampled), t0));
    layer.observe_call(&call_report(
        LayerCall::new(5, 0, "hidden", json!({})),
        Ok(json!(1)),
        t0,
        ms(1),
    ));
    layer.observe_run(&end(5, 0, 1, t0 + ms(2)));
    layer.shutdown().expect("shutdown");
    layer.observe_call(&paid_call(t0)); // after shutdown: ignored, no panic

    let spans = receiver.wait_for(2);
    assert_eq!(spans.len(), 2, "unsampled spans are not sent: {spans:#?}");
    let run = named(&spans, "airlock.run");
    let call = named(&spans, "execute_tool echo");
    assert_eq!(run["parent_span_id"], "");
    assert_ne!(run["trace_id"], TRACE_ID);
    assert_eq!(call["trace_id"], run["trace_id"]);
    assert_eq!(call["parent_span_id"], run["span_id"]);
    assert_eq!(run["attributes"]["airlock.run.exit_code"], 3);
    assert_eq!(run["status"]["code"], 0, "an exit code is not an error");
    assert_eq!(run["service_name"], "airlock");
}

#[test]
fn refused_endpoint_costs_the_run_nothing() {
    // A port nobody listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let config = TraceConfig {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        ..TraceConfig::default()
    };
    let layer = TraceLayer::new(config, None).expect("layer");
    let t0 = SystemTime::now();
    let clock = Instant::now();
    for run in 0..50 {
        layer.observe_run(&start(run, Some(TRACEPARENT), t0));
        layer.observe_call(&paid_call(t0));
        layer.observe_run(&end(run, 0, 1, t0));
    }
    // Generous: the point is that nothing waits for the network on this thread.
    assert!(
        clock.elapsed() < Duration::from_secs(1),
        "{:?}",
        clock.elapsed()
    );
    let clock = Instant::now();
    let flushed = layer.flush();
    assert!(flushed.is_err(), "the export failed, and flush says so");
    let _ = layer.shutdown();
    assert!(
        clock.elapsed() < Duration::from_secs(12),
        "{:?}",
        clock.elapsed()
    );
}

/// Re-runs this binary's `child_reads_the_process_environment` with real `OTEL_*` variables
/// (setting them in this process would race the other tests).
#[test]
fn from_env_reads_the_process_environment() {
    let Some(receiver) = Receiver::start("fromenv") else {
        return;
    };
    let status = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_reads_the_process_environment",
            "--ignored",
            "--nocapture",
        ])
        .env("AIRLOCK_TRACE_CHILD", "1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
        .env("OTEL_EXPORTER_OTLP_HEADERS", "x-from-env=yes")
        .env("OTEL_SERVICE_NAME", "from-env")
        .status()
        .expect("run the child test");
    assert!(status.success());
    let spans = receiver.wait_for(1);
    let run = named(&spans, "airlock.run");
    assert_eq!(run["service_name"], "from-env");
    assert_eq!(run["headers"]["x-from-env"], "yes");
}

#[test]
#[ignore = "run by from_env_reads_the_process_environment"]
fn child_reads_the_process_environment() {
    if std::env::var_os("AIRLOCK_TRACE_CHILD").is_none() {
        return;
    }
    let layer = TraceLayer::from_env(TraceConfig::default(), None).expect("layer");
    assert!(layer.is_enabled());
    let t0 = SystemTime::now();
    layer.observe_run(&start(0, None, t0));
    layer.observe_run(&end(0, 0, 0, t0 + ms(1)));
    layer.shutdown().expect("shutdown");
}

/// The cost on the calling thread of one call report (a call span, two layer spans and an
/// approval span) with export to a local receiver. Not a timed test: run with
/// `cargo test --release -p airlock-layers --test trace -- --ignored --nocapture bench_`.
#[test]
#[ignore = "a measurement, not a test"]
fn bench_observe_call_cost() {
    let Some(receiver) = Receiver::start("bench") else {
        return;
    };
    let env = env_of(&[("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())]);
    let layer = TraceLayer::with_env(TraceConfig::default(), None, env).expect("layer");
    let t0 = SystemTime::now();
    let mut report = paid_call(t0);
    let (rounds, per_round) = (20, 400); // 400 calls = 1600 spans: within the 2048-span queue
    let (mut total, mut best) = (Duration::ZERO, Duration::MAX);
    layer.observe_run(&start(0, Some(TRACEPARENT), t0));
    for round in 0..rounds {
        let clock = Instant::now();
        for i in 0..per_round {
            report.call.index = round * per_round + i;
            layer.observe_call(&report);
        }
        let took = clock.elapsed();
        (total, best) = (total + took, best.min(took));
        layer.flush().expect("flush"); // not timed: the batch processor's thread's work
    }
    let calls = u32::try_from(rounds * per_round).expect("count");
    let per_round = u32::try_from(per_round).expect("count");
    println!(
        "trace: {:.2} µs per call on the calling thread, {:.2} µs in the best round \
         (4 spans per call, {calls} calls)",
        (total / calls).as_secs_f64() * 1e6,
        (best / per_round).as_secs_f64() * 1e6,
    );
    let disabled = TraceLayer::new(TraceConfig::default(), None).expect("layer");
    let clock = Instant::now();
    for _ in 0..calls {
        disabled.observe_call(&report);
    }
    println!(
        "trace: {:.3} µs per call with no endpoint",
        (clock.elapsed() / calls).as_secs_f64() * 1e6
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
