//! Layers as WebAssembly components through the `airlock` binary: `[[layer]] component = ...`
//! composed with tools in the config, in order, failing closed, re-validating rewrites, and the
//! example bank walk-through with the tracer (JavaScript) and the OTP gate (Rust) components,
//! with codes from `pyotp`.
//!
//! The components are built from source by `scripts/components.sh` (the test command runs it).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use tempfile::TempDir;

fn examples() -> String {
    format!("{}/../../examples", manifest_dir())
}

fn components() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("probe-layer.wasm").exists() && dir.join("otp-gate.wasm").exists(),
        "the layer components are not built in {}\nhint: `bash scripts/components.sh` builds them",
        dir.display()
    );
    dir
}

fn wasm(name: &str) -> String {
    components().join(name).display().to_string()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs airlock in `dir` with `env` added and OTP_SECRET unset unless given.
fn airlock(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("OTP_SECRET")
        .env("XDG_STATE_HOME", dir.join("state"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("airlock runs")
}

/// A `[[layer]]` of the probe fixture in `mode`, over `tools`, logging.
fn probe(name: &str, mode: &str, tools: &str, more: &str) -> String {
    format!(
        r#"
[[layer]]
component = "{}"
name = "{name}"
tools = "{tools}"
[layer.grants]
env = {{ PROBE = "{mode}"{more} }}
log = true
[layer.limits]
timeout = "500ms"
"#,
        wasm("probe-layer.wasm")
    )
}

const TOOLS: &str = r#"
[[tool]]
name = "echo"
description = "Echoes its arguments."
command = ["python3", "-c", "import sys; sys.stdout.write(sys.stdin.read())"]

[[tool]]
name = "pay"
description = "Pays."
command = ["python3", "-c", "import sys, json; a = json.load(sys.stdin); print(json.dumps({'paid': a['amount']}))"]
input_schema = { type = "object", properties = { amount = { type = "number" } }, required = ["amount"] }

[[allow]]
tools = "echo"

[[allow]]
tools = "pay"
[allow.args]
amount = { max = 100 }
"#;

fn config(dir: &Path, layers: &str) {
    std::fs::write(dir.join("airlock.toml"), format!("{TOOLS}{layers}")).unwrap();
}

fn run_js(dir: &Path, code: &str) -> Output {
    std::fs::write(dir.join("agent.js"), code).unwrap();
    airlock(dir, &["run", "agent.js", "--config", "airlock.toml"], &[])
}

#[test]
fn component_layers_run_in_order_before_and_in_reverse_after() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    config(
        dir,
        &format!(
            "{}{}",
            probe("outer", "pass", "**", ""),
            probe("inner", "pass", "**", "")
        ),
    );
    let out = run_js(dir, "console.log(JSON.stringify(await echo({ n: 1 })));");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(text(&out.stdout).trim(), r#"{"n":1}"#);
    let order: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("airlock: layer "))
        .collect();
    assert_eq!(
        order,
        [
            "airlock: layer outer: info: before echo",
            "airlock: layer inner: info: before echo",
            "airlock: layer inner: info: after echo ok",
            "airlock: layer outer: info: after echo ok",
        ],
        "{stderr}"
    );
}

#[test]
fn a_broken_layer_denies_its_calls_names_itself_and_the_session_goes_on() {
    for mode in ["trap", "loop", "garbage"] {
        let tmp = TempDir::new().unwrap();
        let dir = tmp.path();
        config(dir, &probe("broken", mode, "pay", ""));
        let out = run_js(
            dir,
            r#"
try { await pay({ amount: 5 }); console.log("paid"); }
catch (e) { console.log(e.code + " " + e.message); }
console.log(JSON.stringify(await echo({ after: true })));
"#,
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
        let mut lines = stdout.lines();
        let denied = lines.next().unwrap_or_default();
        assert!(
            denied.starts_with("EDENIED pay: layer broken failed"),
            "{mode}: {stdout}"
        );
        assert!(
            denied.contains("never lets a call through"),
            "{mode}: {denied}"
        );
        assert_eq!(lines.next(), Some(r#"{"after":true}"#), "{mode}: {stdout}");
    }
}

#[test]
fn a_deny_stops_the_chain_and_a_rewrite_is_checked_against_the_policy_again() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    config(
        dir,
        &format!(
            "{}{}",
            probe("no", "deny", "pay", ""),
            probe("after-no", "pass", "pay", "")
        ),
    );
    let out = run_js(
        dir,
        "try { await pay({ amount: 5 }) } catch (e) { console.log(e.code, e.message) }",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("EDENIED pay: denied by layer no: probe says no"),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("layer after-no: info: before"), "{stderr}");

    // A rewrite past the policy's bound is refused; one within it reaches the tool.
    for (amount, expect) in [
        (
            "500",
            "EDENIED pay: layer raise rewrote the arguments into a call that is refused",
        ),
        ("7", r#"{"paid":7}"#),
    ] {
        let more = format!(r#", PROBE_ARGS = "{{\"amount\":{amount}}}""#);
        config(dir, &probe("raise", "rewrite", "pay", &more));
        let out = run_js(
            dir,
            "try { console.log(JSON.stringify(await pay({ amount: 5 }))) } catch (e) { console.log(e.code, e.message) }",
        );
        let stdout = text(&out.stdout);
        assert!(
            stdout.starts_with(expect),
            "{amount}: {stdout}\n{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn layer_config_errors_name_the_layer_and_the_fix() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let cases = [
        (
            format!("[[layer]]\ncomponent = \"{}\"\n", wasm("inventory.wasm")),
            "not a layer",
        ),
        (
            "[[layer]]\ncomponent = \"missing.wasm\"\n".to_string(),
            "cannot read the layer component file",
        ),
        (
            format!(
                "[[layer]]\ncomponent = \"{}\"\n[layer.grants]\nnetwork = [\"x\"]\nsocket = true\n",
                wasm("probe-layer.wasm")
            ),
            "unknown field `socket`",
        ),
        (
            format!(
                "[[layer]]\ncomponent = \"{}\"\n[layer.grants]\nfiles = {{ \"/w\" = \"ro\" }}\n",
                wasm("probe-layer.wasm")
            ),
            "layers cannot be granted files",
        ),
        (
            format!(
                "[[layer]]\ncomponent = \"{0}\"\n[[layer]]\ncomponent = \"{0}\"\n",
                wasm("probe-layer.wasm")
            ),
            "another [[layer]] component is named \"probe-layer\"",
        ),
    ];
    for (layers, expect) in cases {
        config(dir, &layers);
        let out = airlock(dir, &["check", "airlock.toml"], &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{expect}: {stderr}");
        assert!(stderr.contains(expect), "{expect}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn inspect_shows_a_layer_s_hooks_and_the_grants_it_can_use() {
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["component", "inspect", &wasm("otp-gate.wasm"), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["kind"], "layer");
    assert_eq!(
        report["hooks"],
        serde_json::json!(["before", "after", "verify-code"])
    );
    assert_eq!(
        report["grants_asked"],
        serde_json::json!(["env", "log", "store"])
    );
}

/// An HTTP collector on loopback keeping the bodies it receives.
fn collector() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
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
            keep.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&body).into_owned());
            let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        }
    });
    (port, bodies)
}

fn pyotp_now(secret: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).now())",
            secret,
        ])
        .output()
        .expect("python3 with pyotp (scripts/peers.sh installs it)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

#[test]
fn the_bank_walk_through_traces_every_call_and_gates_the_transfer_on_a_code() {
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let (port, records) = collector();
    let tools = std::fs::canonicalize(format!("{}/tools/bank.py", examples())).unwrap();
    let config = std::fs::read_to_string(format!("{}/bank/airlock.components.toml", examples()))
        .unwrap()
        .replace("../components/build/tracer.wasm", &wasm("tracer.wasm"))
        .replace("../components/build/otp-gate.wasm", &wasm("otp-gate.wasm"))
        .replace("127.0.0.1:4318", &format!("127.0.0.1:{port}"))
        .replace("../tools/bank.py", &tools.display().to_string());
    std::fs::write(dir.join("airlock.toml"), config).unwrap();
    std::fs::copy(format!("{}/bank/pay.js", examples()), dir.join("pay.js")).unwrap();
    let secret = [("OTP_SECRET", SECRET)];

    let run = airlock(
        dir,
        &[
            "run",
            "pay.js",
            "--config",
            "airlock.toml",
            "--journal",
            "run.jsonl",
        ],
        &secret,
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(75), "{stderr}");
    let list = airlock(dir, &["approvals", "list", "run.jsonl", "--json"], &secret);
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&list.stderr)));
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert_eq!(listed[0]["layer"], "otp-gate");
    assert_eq!(listed[0]["method"], "code");

    let approve = |code: &str| {
        airlock(
            dir,
            &["approvals", "approve", "run.jsonl", &id, "--code", code],
            &secret,
        )
    };
    let code = pyotp_now(SECRET);
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let refused = approve(wrong);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("wrong one-time password"),
        "{}",
        text(&refused.stderr)
    );
    let accepted = approve(&code);
    assert!(accepted.status.success(), "{}", text(&accepted.stderr));
    let reused = approve(&code);
    assert_eq!(reused.status.code(), Some(2), "a code is accepted once");

    let done = airlock(dir, &["resume", "run.jsonl"], &secret);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert!(
        text(&done.stdout).starts_with("sent 250 EUR to ada (tx-"),
        "{}",
        text(&done.stdout)
    );
    let journal = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert!(!journal.contains(&code), "the code is never journaled");
    assert!(!journal.contains(SECRET));

    // One record per call that ran, at the collector: the balance, then the transfer.
    let records: Vec<serde_json::Value> = records
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let tools: Vec<&str> = records.iter().filter_map(|r| r["tool"].as_str()).collect();
    assert!(tools.contains(&"bank/balance"), "{records:?}");
    assert!(tools.contains(&"bank/transfer"), "{records:?}");
    assert!(records.iter().all(|r| r["ok"] == true), "{records:?}");
}

#[test]
fn the_gate_s_secret_reaches_neither_the_script_nor_the_tools() {
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let layers = format!(
        r#"
[[component]]
name = "inventory"
path = "{}"

[[allow]]
tools = "inventory/getenv"

[[layer]]
component = "{}"
tools = "pay"
[layer.grants]
env_from_host = ["OTP_SECRET"]
store = true
approvals = true
"#,
        wasm("inventory.wasm"),
        wasm("otp-gate.wasm")
    );
    let peek = r#"
[[tool]]
name = "peek"
description = "What the host environment gives an exec tool."
command = ["python3", "-c", "import os, json; print(json.dumps(os.environ.get('OTP_SECRET')))"]

[[allow]]
tools = "peek"
"#;
    std::fs::write(dir.join("airlock.toml"), format!("{TOOLS}{peek}{layers}")).unwrap();
    std::fs::write(
        dir.join("agent.js"),
        r#"
const env = typeof process === "undefined" ? {} : (process.env ?? {});
console.log("script", JSON.stringify(env.OTP_SECRET ?? null));
console.log("component", JSON.stringify(await inventory.getenv({ name: "OTP_SECRET" })));
console.log("exec", JSON.stringify(await peek({})));
"#,
    )
    .unwrap();
    let out = airlock(
        dir,
        &["run", "agent.js", "--config", "airlock.toml"],
        &[("OTP_SECRET", SECRET)],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stdout, "script null\ncomponent null\nexec null\n");
    let shell = airlock(
        dir,
        &[
            "run",
            "--lang",
            "sh",
            "-e",
            "echo \"[$OTP_SECRET]\"",
            "--config",
            "airlock.toml",
        ],
        &[("OTP_SECRET", SECRET)],
    );
    assert_eq!(text(&shell.stdout), "[]\n", "{}", text(&shell.stderr));
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
