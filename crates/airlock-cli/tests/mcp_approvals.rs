//! Approvals over MCP with the official Python MCP SDK as the client: elicitation (accept,
//! decline, cancel) and, for a client without it, the token-guarded HTTP approvals endpoint of
//! `airlock serve --http` (see `crates/airlock-mcp/tests/peers/approvals.py`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use tempfile::TempDir;

const CONFIG: &str = r#"
[[tool]]
name = "bank/transfer"
description = "Send money"
command = ["python3", "-c", "import json, sys; a = json.load(sys.stdin); print(json.dumps({'sent': a['amount']}))"]
input_schema = { type = "object", properties = { amount = { type = "number" }, currency = { type = "string" }, to = { type = "string" } }, required = ["amount", "currency", "to"] }

[[layer]]
use = "approve"
tools = "bank/**"
prompt = "Send {amount} {currency} to {to}?"

[approvals]
timeout = "3s"
"#;

const TOKEN: &str = "s3cr3t-approvals-token-for-tests";

fn peers_python() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/airlock-peers"),
        PathBuf::from,
    );
    let python = dir.join("venv/bin/python");
    assert!(
        python.is_file(),
        "the MCP test peers are missing from {}\nhint: `source scripts/peers.sh` installs them",
        dir.display()
    );
    python
}

/// `airlock serve --http` with the approvals endpoint, killed on drop.
struct Serve(Child, String);

impl Serve {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["serve", "--http", "127.0.0.1:0", "--config", "airlock.toml"])
            .args(["--approvals-token-file", "token"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn airlock serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first
            .strip_prefix("airlock: serving MCP on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
            .to_string();
        let second = lines.next().and_then(Result::ok).unwrap_or_default();
        assert!(second.contains("/approvals"), "{second}");
        Self(child, url)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn python_sdk_client_approves_by_elicitation_and_over_the_endpoint() {
    let python = peers_python();
    let tmp = TempDir::new().expect("tempdir");
    std::fs::write(tmp.path().join("airlock.toml"), CONFIG).expect("config");
    std::fs::write(tmp.path().join("token"), format!("{TOKEN}\n")).expect("token");
    let serve = Serve::start(tmp.path());
    let script = Path::new(&manifest_dir()).join("../airlock-mcp/tests/peers/approvals.py");
    let out = Command::new(python)
        .arg(script)
        .args([&serve.1, TOKEN])
        .output()
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const OTP_CONFIG: &str = r#"
[[tool]]
name = "bank/transfer"
description = "Send money"
command = ["python3", "-c", "import json, sys; a = json.load(sys.stdin); print(json.dumps({'sent': a['amount']}))"]
input_schema = { type = "object", properties = { amount = { type = "number" }, currency = { type = "string" }, to = { type = "string" } }, required = ["amount", "currency", "to"] }

[[layer]]
use = "otp"
tools = "bank/**"
prompt = "Send {amount} {currency} to {to}?"
secret_file = "bank.secret"

[approvals]
timeout = "20s"
"#;

#[test]
fn python_sdk_client_types_a_one_time_password_on_the_url_mode_page() {
    let python = peers_python();
    let tmp = TempDir::new().expect("tempdir");
    std::fs::write(tmp.path().join("airlock.toml"), OTP_CONFIG).expect("config");
    std::fs::write(tmp.path().join("token"), format!("{TOKEN}\n")).expect("token");
    let enrolled = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["otp", "enroll", "bank.secret"])
        .current_dir(tmp.path())
        .output()
        .expect("enroll");
    assert!(enrolled.status.success());
    let serve = Serve::start(tmp.path());
    let script = Path::new(&manifest_dir()).join("../airlock-mcp/tests/peers/approvals.py");
    let secret = tmp.path().join("bank.secret");
    let out = Command::new(python)
        .arg(script)
        .args([&serve.1, TOKEN, "otp", &secret.display().to_string()])
        .output()
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_short_approvals_token_is_refused_with_a_hint() {
    let tmp = TempDir::new().expect("tempdir");
    std::fs::write(tmp.path().join("airlock.toml"), CONFIG).expect("config");
    std::fs::write(tmp.path().join("token"), "short\n").expect("token");
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0", "--config", "airlock.toml"])
        .args(["--approvals-token-file", "token"])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .expect("run airlock serve");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shorter than 16") && stderr.contains("hint:"),
        "{stderr}"
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
