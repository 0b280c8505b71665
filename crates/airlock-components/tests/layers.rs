//! Layer components: the probe fixture (`tests/probe-layer`, Rust) and the example layers
//! (`examples/components/tracer`, JavaScript; `otp-gate`, Rust), all built from source by
//! `scripts/components.sh`, called through the pipeline's `Layer` interface.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use airlock_components::layer::{LayerSpec, LogSink};
use airlock_components::{ComponentHost, ComponentLayer, Grants, Limits};
use airlock_pipeline::{After, ApprovalMethod, Before, Layer, LayerCall, ToolCallError};
use serde_json::{Value, json};

fn components_dir() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("probe-layer.wasm").exists(),
        "the layer components are not built in {}: run `bash scripts/components.sh`",
        dir.display()
    );
    dir
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

/// Log lines of every layer, in the order they were written: `(layer, level, line)`.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<(String, String, String)>>>);

impl Lines {
    fn sink(&self) -> LogSink {
        let lines = Arc::clone(&self.0);
        Arc::new(move |layer: &str, level: &str, line: &str| {
            lines
                .lock()
                .unwrap()
                .push((layer.to_string(), level.to_string(), line.to_string()));
        })
    }

    fn of(&self, layer: &str) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(l, _, _)| l == layer)
            .map(|(_, level, line)| format!("{level}: {line}"))
            .collect()
    }
}

fn env(pairs: &[(&str, &str)]) -> Grants {
    let mut grants = Grants::default();
    grants.env = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    grants
}

/// The probe in `mode`, with more environment, logging to `lines`.
fn probe(name: &str, mode: &str, more: &[(&str, &str)], lines: &Lines) -> ComponentLayer {
    let mut pairs = vec![("PROBE", mode)];
    pairs.extend_from_slice(more);
    load(
        "probe-layer.wasm",
        LayerSpec::new(name)
            .with_grants(env(&pairs))
            .with_log(Some(lines.sink())),
    )
}

fn load(file: &str, spec: LayerSpec) -> ComponentLayer {
    let host = ComponentHost::shared(false).expect("the component host starts");
    host.load_layer_file(&components_dir().join(file), spec)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn call(tool: &str, args: Value) -> LayerCall {
    LayerCall::new(0, 0, tool, args)
}

fn before(layer: &ComponentLayer, call: &LayerCall) -> Result<Before, String> {
    runtime().block_on(layer.before(call)).map_err(|e| e.0)
}

fn after(
    layer: &ComponentLayer,
    call: &LayerCall,
    outcome: Result<&Value, &ToolCallError>,
) -> Result<After, String> {
    runtime()
        .block_on(layer.after(call, outcome))
        .map_err(|e| e.0)
}

#[test]
fn a_pass_through_layer_allows_and_passes_and_logs_only_when_granted() {
    let lines = Lines::default();
    let layer = probe("probe", "pass", &[], &lines);
    let c = call("bank/transfer", json!({ "amount": 5 }));
    assert_eq!(before(&layer, &c), Ok(Before::Allow));
    assert_eq!(after(&layer, &c, Ok(&json!({ "id": 1 }))), Ok(After::Pass));
    let err = ToolCallError::new("ETOOL", "the bank is closed");
    assert_eq!(after(&layer, &c, Err(&err)), Ok(After::Pass));
    assert_eq!(
        lines.of("probe"),
        [
            "info: before bank/transfer",
            "info: after bank/transfer ok",
            "info: after bank/transfer err ETOOL"
        ]
    );

    // The same component without the log grant: its lines go nowhere.
    let quiet = Lines::default();
    let mut spec = LayerSpec::new("quiet").with_grants(env(&[("PROBE", "pass")]));
    spec.sink = Some(quiet.sink());
    let unlogged = load("probe-layer.wasm", spec);
    assert_eq!(before(&unlogged, &c), Ok(Before::Allow));
    assert!(quiet.of("quiet").is_empty());
}

#[test]
fn answers_cross_as_the_pipeline_s_decisions() {
    let lines = Lines::default();
    let c = call("bank/transfer", json!({ "amount": 5 }));
    let Ok(Before::Deny(deny)) = before(&probe("d", "deny", &[], &lines), &c) else {
        panic!("deny")
    };
    assert_eq!(deny.reason, "probe says no");
    assert_eq!(deny.hint.as_deref(), Some("ask the probe"));

    let rewrite = probe("r", "rewrite", &[("PROBE_ARGS", r#"{"amount":1}"#)], &lines);
    assert_eq!(
        before(&rewrite, &c),
        Ok(Before::Rewrite(json!({ "amount": 1 })))
    );

    let replace = probe(
        "x",
        "replace",
        &[("PROBE_RESULT", r#"{"masked":true}"#)],
        &lines,
    );
    assert_eq!(
        after(&replace, &c, Ok(&json!(1))),
        Ok(After::Replace(json!({ "masked": true })))
    );
    let Ok(After::Fail(deny)) = after(&probe("f", "fail", &[], &lines), &c, Ok(&json!(1))) else {
        panic!("fail")
    };
    assert_eq!(deny.reason, "probe failed it");
}

#[test]
fn a_layer_that_traps_loops_or_answers_garbage_fails_closed_and_the_next_hook_works() {
    let lines = Lines::default();
    let c = call("t", json!({}));

    let trap = probe("trap", "trap", &[], &lines);
    let e = before(&trap, &c).unwrap_err();
    assert!(e.contains("trapped"), "{e}");
    assert!(
        e.contains("probe stderr line"),
        "the stderr tail is quoted: {e}"
    );

    let mut limits = Limits::default();
    limits.timeout = Duration::from_millis(300);
    let looping = load(
        "probe-layer.wasm",
        LayerSpec::new("loop")
            .with_grants(env(&[("PROBE", "loop")]))
            .with_limits(limits),
    );
    let started = Instant::now();
    let e = before(&looping, &c).unwrap_err();
    assert!(e.contains("time limit of 300ms"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let mut limits = Limits::default();
    limits.memory = 32 << 20;
    let hungry = load(
        "probe-layer.wasm",
        LayerSpec::new("memory")
            .with_grants(env(&[("PROBE", "memory")]))
            .with_limits(limits),
    );
    let e = before(&hungry, &c).unwrap_err();
    assert!(e.contains("memory limit"), "{e}");

    let garbage = probe("garbage", "garbage", &[], &lines);
    let e = before(&garbage, &c).unwrap_err();
    assert!(e.contains("rewrite is not valid JSON"), "{e}");
    let array = probe("array", "rewrite", &[("PROBE_ARGS", "[1,2]")], &lines);
    let e = before(&array, &c).unwrap_err();
    assert!(e.contains("not a JSON object"), "{e}");

    // Each failure dropped its instance; a layer that works keeps working after them.
    let fine = probe("fine", "pass", &[], &lines);
    for _ in 0..3 {
        assert_eq!(before(&fine, &c), Ok(Before::Allow));
    }
}

#[test]
fn an_approval_needs_the_approvals_grant_and_a_code_goes_back_to_the_layer() {
    let lines = Lines::default();
    let c = call("bank/transfer", json!({ "amount": 5 }));
    let ungranted = probe("asker", "approve", &[], &lines);
    let e = before(&ungranted, &c).unwrap_err();
    assert!(e.contains("not granted approvals"), "{e}");

    let granted = load(
        "probe-layer.wasm",
        LayerSpec::new("coder")
            .with_grants(env(&[("PROBE", "code"), ("PROBE_CODE", "424242")]))
            .with_approvals(),
    );
    let Ok(Before::Approve(ask)) = before(&granted, &c) else {
        panic!("an approval")
    };
    assert_eq!(ask.method, ApprovalMethod::Code);
    assert_eq!(ask.prompt, "Code for bank/transfer");
    assert_eq!(
        runtime().block_on(granted.verify_code(&c, "424242")),
        Ok(())
    );
    let wrong = runtime().block_on(granted.verify_code(&c, "000000"));
    assert_eq!(wrong.unwrap_err().reason, "wrong code");
}

#[test]
fn the_store_is_private_persistent_and_only_there_when_granted() {
    let dir = tempfile::tempdir().unwrap();
    let lines = Lines::default();
    let c = call("t", json!({}));
    let counter = |name: &str, file: &str| {
        load(
            "probe-layer.wasm",
            LayerSpec::new(name)
                .with_grants(env(&[("PROBE", "store")]))
                .with_store(dir.path().join(file))
                .with_log(Some(lines.sink())),
        )
    };
    let a = counter("a", "a.json");
    for _ in 0..3 {
        assert_eq!(before(&a, &c), Ok(Before::Allow));
    }
    // A second layer has its own store; a reloaded one (a restart) finds its values again.
    let b = counter("b", "b.json");
    assert_eq!(before(&b, &c), Ok(Before::Allow));
    let again = counter("a-again", "a.json");
    assert_eq!(before(&again, &c), Ok(Before::Allow));
    let counts = |name: &str| -> Vec<String> {
        lines
            .of(name)
            .into_iter()
            .filter(|l| l.contains("store"))
            .collect()
    };
    assert_eq!(
        counts("a"),
        ["info: store n=1", "info: store n=2", "info: store n=3"]
    );
    assert_eq!(counts("b"), ["info: store n=1"]);
    assert_eq!(counts("a-again"), ["info: store n=4"]);

    let unstored = probe("nostore", "store", &[], &lines);
    assert_eq!(before(&unstored, &c), Ok(Before::Allow));
    let logged = lines.of("nostore");
    assert!(
        logged
            .iter()
            .any(|l| l.starts_with("error: store error:") && l.contains("store = true")),
        "{logged:?}"
    );
}

#[test]
fn a_layer_sees_only_its_own_environment() {
    let lines = Lines::default();
    let c = call("t", json!({}));
    let asks = |name: &str, grants: Grants| {
        let layer = load(
            "probe-layer.wasm",
            LayerSpec::new(name)
                .with_grants(grants)
                .with_log(Some(lines.sink())),
        );
        assert_eq!(before(&layer, &c), Ok(Before::Allow));
        lines.of(name)
    };
    let secret_holder = asks(
        "holder",
        env(&[
            ("PROBE", "env"),
            ("PROBE_ENV_NAME", "OTP_SECRET"),
            ("OTP_SECRET", "JBSWY3DPEHPK3PXP"),
        ]),
    );
    assert!(secret_holder.contains(&"info: env OTP_SECRET=present".to_string()));
    let other = asks(
        "other",
        env(&[("PROBE", "env"), ("PROBE_ENV_NAME", "OTP_SECRET")]),
    );
    assert!(other.contains(&"info: env OTP_SECRET=absent".to_string()));
}

/// A one-shot HTTP server on loopback that records request lines; answers 200.
fn server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            record.lock().unwrap().push(format!(
                "{} {}",
                first.trim(),
                String::from_utf8_lossy(&body)
            ));
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        }
    });
    (port, seen)
}

#[test]
fn a_layer_reaches_only_the_hosts_it_is_granted() {
    let (port, seen) = server();
    let lines = Lines::default();
    let c = call("t", json!({}));
    let url = format!("http://127.0.0.1:{port}/probe");
    let mut grants = env(&[("PROBE", "http"), ("PROBE_URL", &url)]);
    let ungranted = load(
        "probe-layer.wasm",
        LayerSpec::new("nonet")
            .with_grants(grants.clone())
            .with_log(Some(lines.sink())),
    );
    assert_eq!(before(&ungranted, &c), Ok(Before::Allow));
    let logged = lines.of("nonet").join("\n");
    assert!(logged.contains("http error"), "{logged}");
    assert!(
        logged.contains("network grant"),
        "the refusal names the grant: {logged}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the server"
    );

    grants.network = vec![format!("127.0.0.1:{port}")];
    let granted = load(
        "probe-layer.wasm",
        LayerSpec::new("net")
            .with_grants(grants)
            .with_log(Some(lines.sink())),
    );
    assert_eq!(before(&granted, &c), Ok(Before::Allow));
    assert!(lines.of("net").contains(&"warn: http 200".to_string()));
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn the_tracer_posts_one_record_per_call_to_its_collector_only() {
    let (collector, records) = server();
    let (elsewhere, strays) = server();
    let lines = Lines::default();
    let tracer = |name: &str, url: String| {
        let mut grants = env(&[("TRACE_URL", &url)]);
        grants.network = vec![format!("127.0.0.1:{collector}")];
        grants.methods = vec!["POST".into()];
        load(
            "tracer.wasm",
            LayerSpec::new(name)
                .with_grants(grants)
                .with_log(Some(lines.sink())),
        )
    };
    let layer = tracer("tracer", format!("http://127.0.0.1:{collector}/calls"));
    let mut c = call("bank/transfer", json!({ "amount": 5 }));
    c.rule = Some("allow[1]".into());
    assert_eq!(before(&layer, &c), Ok(Before::Allow));
    assert_eq!(after(&layer, &c, Ok(&json!({ "id": 7 }))), Ok(After::Pass));
    let err = ToolCallError::new("ETOOL", "closed");
    assert_eq!(after(&layer, &c, Err(&err)), Ok(After::Pass));
    let got = records.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].starts_with("POST /calls"), "{got:?}");
    let body = &got[0][got[0].find('{').unwrap()..];
    let record: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {got:?}"));
    assert_eq!(record["tool"], "bank/transfer");
    assert_eq!(record["ok"], true);
    assert_eq!(record["rule"], "allow[1]");
    assert!(
        record.get("args").is_none(),
        "arguments only when asked for"
    );
    assert!(got[1].contains("\"ETOOL\""), "{got:?}");

    // Pointed at a host it is not granted, the tracer cannot reach it, and the call goes on.
    let stray = tracer("stray", format!("http://127.0.0.1:{elsewhere}/calls"));
    assert_eq!(after(&stray, &c, Ok(&json!(1))), Ok(After::Pass));
    assert!(strays.lock().unwrap().is_empty());
    let warned = lines.of("stray").join("\n");
    assert!(warned.contains("warn"), "{warned}");

    // And the other way round: a tool component granted its own host cannot reach the
    // tracer's collector.
    let mut grants = Grants::default();
    grants.network = vec![format!("127.0.0.1:{elsewhere}")];
    let host = ComponentHost::shared(false).unwrap();
    let inventory = host
        .load_file(
            &components_dir().join("inventory.wasm"),
            airlock_components::ComponentSpec::new("inventory").with_grants(grants),
        )
        .unwrap();
    let fetch = inventory
        .tools(|n| n == "fetch-text")
        .pop()
        .expect("inventory/fetch-text");
    let before_count = records.lock().unwrap().len();
    let url = format!("http://127.0.0.1:{collector}/calls");
    let refused = runtime().block_on(fetch.call(json!({ "url": url }), Default::default()));
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(records.lock().unwrap().len(), before_count);
}

/// The TOTP code of `secret` now, from pyotp (an independent implementation).
fn pyotp_now(secret: &str) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).now())",
            secret,
        ])
        .output()
        .expect("python3 runs (scripts/peers.sh installs pyotp)");
    assert!(
        out.status.success(),
        "pyotp: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_otp_gate_takes_pyotp_codes_once_as_the_built_in_otp_layer_does() {
    use airlock_layers::otp::{OtpConfig, OtpLayer};

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, SECRET).unwrap();
    let owner_only = std::os::unix::fs::PermissionsExt::from_mode(0o600);
    std::fs::set_permissions(&secret_file, owner_only).unwrap();
    let builtin = OtpLayer::new(
        OtpConfig::new(secret_file).with_state_file(dir.path().join("builtin.state")),
    )
    .unwrap();
    let lines = Lines::default();
    let gate = load(
        "otp-gate.wasm",
        LayerSpec::new("otp-gate")
            .with_grants(env(&[("OTP_SECRET", SECRET)]))
            .with_store(dir.path().join("gate.json"))
            .with_approvals()
            .with_log(Some(lines.sink())),
    );
    let c = call("bank/transfer", json!({ "amount": 250, "to": "ada" }));
    let layers: [(&str, &dyn Layer); 2] = [("built-in", &builtin), ("component", &gate)];
    for (what, layer) in layers {
        let asked = runtime().block_on(layer.before(&c));
        let Ok(Before::Approve(ask)) = asked else {
            panic!("{what}: {asked:?}")
        };
        assert_eq!(ask.method, ApprovalMethod::Code, "{what}");
    }
    let code = pyotp_now(SECRET);
    let wrong = if code == "123456" { "654321" } else { "123456" };
    // A right code once, then the same code again, then a wrong one: both refuse the same.
    for (what, layer) in layers {
        let verdicts: Vec<bool> = [code.as_str(), code.as_str(), wrong]
            .iter()
            .map(|attempt| runtime().block_on(layer.verify_code(&c, attempt)).is_ok())
            .collect();
        assert_eq!(verdicts, [true, false, false], "{what}");
    }
    let logged = lines.of("otp-gate").join("\n");
    assert!(!logged.contains(&code), "codes are never logged: {logged}");
    assert!(!logged.contains(SECRET), "nor the secret: {logged}");
}
