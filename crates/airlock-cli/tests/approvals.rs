//! The example bank end to end: a payment gated by a person's approval and a one-time password
//! (codes from `pyotp`, an independent implementation), redacted in the journal, stopped with
//! exit 75 when nobody is there, answered from "another terminal", and resumed to completion.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

fn examples() -> String {
    format!("{}/../../examples", manifest_dir())
}

fn airlock(dir: &Path, args: &[&str]) -> Output {
    airlock_traced(dir, args, None)
}

/// Runs airlock, exporting spans to `endpoint` when given (else nowhere).
fn airlock_traced(dir: &Path, args: &[&str], endpoint: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("TRACEPARENT");
    if let Some(endpoint) = endpoint {
        command
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            .env("OTEL_SERVICE_NAME", "bank-agent")
            .env("TRACEPARENT", TRACEPARENT);
    }
    command.output().expect("airlock runs")
}

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The OTLP receiver of the layer tests (on the official `opentelemetry-proto`), writing the
/// spans it receives to `out` as JSON lines; `None` when it cannot run here.
fn receiver(out: &Path) -> Option<(std::process::Child, String)> {
    use std::io::BufRead as _;
    let script = format!(
        "{}/../airlock-layers/tests/otlp_receiver.py",
        manifest_dir()
    );
    let mut child = Command::new("python3")
        .arg(script)
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let port = line.trim().strip_prefix("PORT ")?.to_string();
    Some((child, format!("http://127.0.0.1:{port}")))
}

/// The spans in `out`, once at least one named `name` arrived (waits up to 10 s).
fn spans_with(out: &Path, name: &str) -> Vec<serde_json::Value> {
    for _ in 0..200 {
        let spans: Vec<serde_json::Value> = std::fs::read_to_string(out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if spans.iter().any(|s| s["name"] == name) {
            return spans;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no span {name} arrived in {}", out.display());
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The example bank config and script in `dir`, with its secret in `dir` and its tool found
/// from anywhere.
fn bank(dir: &Path) {
    let config = std::fs::read_to_string(format!("{}/bank/airlock.toml", examples())).unwrap();
    let secret = dir.join("bank.secret");
    let tools = std::fs::canonicalize(format!("{}/tools/bank.py", examples())).unwrap();
    let config = config
        .replace("~/.config/airlock/otp/bank", &secret.display().to_string())
        .replace("../tools/bank.py", &tools.display().to_string());
    std::fs::write(dir.join("airlock.toml"), config).unwrap();
    std::fs::copy(format!("{}/bank/pay.js", examples()), dir.join("pay.js")).unwrap();
}

/// The example bank in `dir` with a freshly enrolled secret; returns the secret's path.
fn enrolled_bank(dir: &Path) -> PathBuf {
    bank(dir);
    let secret = dir.join("bank.secret");
    let enrolled = airlock(dir, &["otp", "enroll", secret.to_str().unwrap()]);
    assert!(enrolled.status.success(), "{}", text(&enrolled.stderr));
    assert!(text(&enrolled.stdout).starts_with("otpauth://totp/"));
    secret
}

/// The TOTP code for `secret_file` now, from pyotp.
fn pyotp_code(secret_file: &Path) -> Option<String> {
    let secret = std::fs::read_to_string(secret_file).ok()?;
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, pyotp; print(pyotp.TOTP(sys.argv[1]).now())",
            secret.trim(),
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| text(&out.stdout).trim().to_string())
}

#[test]
fn a_gated_payment_stops_is_approved_elsewhere_and_resumes_to_completion() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let secret = enrolled_bank(dir);

    // Nobody at a terminal: the run stops with both gates of the transfer pending.
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
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(75), "{stderr}");
    assert!(
        stderr.contains("approval r0c1.2, r0c1.3 pending: bank/transfer"),
        "{stderr}"
    );

    let list = airlock(dir, &["approvals", "list", "run.jsonl", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(listed[0]["id"], "r0c1.2");
    assert_eq!(listed[0]["prompt"], "Send 250 EUR to ada?");
    assert_eq!(listed[0]["args"]["amount"], 250);
    assert_eq!(listed[1]["id"], "r0c1.3");
    assert_eq!(listed[1]["method"], "code");

    // Resuming before anyone answered is refused, and says what to do.
    let early = airlock(dir, &["resume", "run.jsonl"]);
    assert_eq!(early.status.code(), Some(2));
    assert!(
        text(&early.stderr).contains("approvals approve"),
        "{}",
        text(&early.stderr)
    );

    let approved = airlock(dir, &["approvals", "approve", "run.jsonl", "r0c1.2"]);
    assert!(approved.status.success(), "{}", text(&approved.stderr));
    // The confirmation alone is not enough: the code is still missing.
    let early = airlock(dir, &["resume", "run.jsonl"]);
    assert_eq!(early.status.code(), Some(2));
    assert!(
        text(&early.stderr).contains("approval r0c1.3 has no answer"),
        "{}",
        text(&early.stderr)
    );

    let wrong = airlock(
        dir,
        &[
            "approvals",
            "approve",
            "run.jsonl",
            "r0c1.3",
            "--code",
            "000000",
        ],
    );
    let right = pyotp_code(&secret);
    let Some(code) = right.filter(|c| c != "000000") else {
        eprintln!("skipped the code half: python3 with pyotp is not available");
        return;
    };
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong.stderr));
    // A wrong code throttles the next attempt for a second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let approved = airlock(
        dir,
        &[
            "approvals",
            "approve",
            "run.jsonl",
            "r0c1.3",
            "--code",
            &code,
        ],
    );
    assert!(approved.status.success(), "{}", text(&approved.stderr));
    // A code is accepted once.
    let reused = airlock(
        dir,
        &[
            "approvals",
            "approve",
            "run.jsonl",
            "r0c1.3",
            "--code",
            &code,
        ],
    );
    assert_eq!(reused.status.code(), Some(2));
    assert!(
        text(&reused.stderr).contains("refused"),
        "{}",
        text(&reused.stderr)
    );

    // The finishing run is traced into a real OTLP receiver, under the agent's own trace.
    let spans_file = dir.join("spans.jsonl");
    let collector = receiver(&spans_file);
    let endpoint = collector.as_ref().map(|(_, url)| url.as_str());
    let done = airlock_traced(dir, &["resume", "run.jsonl"], endpoint);
    let stdout = text(&done.stdout);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert!(stdout.starts_with("sent 250 EUR to ada (tx-"), "{stdout}");
    // The receipt's token never reached the script (redact: results = true)...
    assert!(stdout.contains("[REDACTED:github-token]"), "{stdout}");
    // ...nor the journal, which is still one verifiable chain.
    let journal = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert!(!journal.contains("R3ce1ptT0ken"));
    assert!(!journal.contains(&code), "the code is never journaled");
    let verify = airlock(dir, &["journal", "verify", "run.jsonl"]);
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(
        text(&verify.stdout).contains("2 runs"),
        "{}",
        text(&verify.stdout)
    );
    if let Some((mut child, _)) = collector {
        let spans = spans_with(&spans_file, "execute_tool bank/transfer");
        let _ = child.kill();
        let transfer = spans
            .iter()
            .find(|s| s["name"] == "execute_tool bank/transfer")
            .unwrap();
        assert_eq!(transfer["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(transfer["service_name"], "bank-agent");
        let attributes = &transfer["attributes"];
        assert_eq!(attributes["gen_ai.operation.name"], "execute_tool");
        assert_eq!(attributes["gen_ai.tool.name"], "bank/transfer");
        assert!(
            spans.iter().any(|s| s["name"] == "airlock.approval"),
            "the wait for the person has its span: {spans:?}"
        );
        let text = std::fs::read_to_string(&spans_file).unwrap();
        assert!(!text.contains("R3ce1ptT0ken"), "no secret in the spans");
        assert!(!text.contains(&code), "no code in the spans");
    } else {
        eprintln!("skipped the trace half: python3 with opentelemetry-proto is not available");
    }
    // The whole session replays from the journal: the stop, then the payment.
    let replay = airlock(dir, &["replay", "run.jsonl"]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));
    assert!(
        text(&replay.stdout).contains("sent 250 EUR to ada"),
        "{}",
        text(&replay.stdout)
    );
}

#[test]
fn a_declined_approval_is_eapproval_in_the_script_when_the_run_resumes() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    enrolled_bank(dir);
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
    );
    assert_eq!(run.status.code(), Some(75));
    let denied = airlock(
        dir,
        &[
            "approvals",
            "deny",
            "run.jsonl",
            "r0c1.2",
            "--reason",
            "not this month",
        ],
    );
    assert!(denied.status.success(), "{}", text(&denied.stderr));
    // The finishing run is traced into a real OTLP receiver, under the agent's own trace.
    let spans_file = dir.join("spans.jsonl");
    let collector = receiver(&spans_file);
    let endpoint = collector.as_ref().map(|(_, url)| url.as_str());
    let done = airlock_traced(dir, &["resume", "run.jsonl"], endpoint);
    let stdout = text(&done.stdout);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    assert!(
        stdout.contains(
            "not sent: EAPPROVAL: bank/transfer: declined by a human (approve): not this month"
        ),
        "{stdout}"
    );
}

#[test]
fn without_a_journal_or_a_terminal_a_gated_call_is_declined_at_once() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    enrolled_bank(dir);
    let run = airlock(dir, &["run", "pay.js", "--config", "airlock.toml"]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(stdout.contains("not sent: EAPPROVAL"), "{stdout}");
    assert!(stdout.contains("no approval channel"), "{stdout}");
}

#[test]
fn a_missing_otp_secret_is_a_config_error_with_a_hint() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    bank(dir);
    let run = airlock(dir, &["run", "pay.js", "--config", "airlock.toml"]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[[layer]] otp"), "{stderr}");
    assert!(stderr.contains("airlock otp enroll"), "{stderr}");
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
