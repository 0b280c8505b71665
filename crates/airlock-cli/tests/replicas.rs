//! Three `airlock serve --http --store redis://...` servers over one real `redis-server` on
//! loopback, driven by the official Python MCP SDK and raw HTTP
//! (`crates/airlock-mcp/tests/peers/service.py`): a session moves between servers with its
//! files and budgets, two servers racing for one session take turns, an MCP session is taken
//! over, a server killed in the middle of a run loses nothing committed, and Redis restarted
//! from its append-only file keeps the sessions.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const TOKEN: &str = "team-a-0123456789abcdef";
const OTHER: &str = "team-b-fedcba9876543210";

/// A weather tool allowed three calls per session: the budget the servers share.
const CONFIG: &str = r#"
[limits]
timeout = "60s"

[[tool]]
name = "weather"
description = "Current weather for a city"
command = ["python3", "weather.py"]
input_schema = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }

[[allow]]
tools = "weather"
max_calls = 3

[[tool]]
name = "bank/transfer"
description = "Send money"
command = ["python3", "-c", "import json, sys; a = json.load(sys.stdin); print(json.dumps({'sent': a['amount']}))"]
input_schema = { type = "object", properties = { amount = { type = "number" }, currency = { type = "string" }, to = { type = "string" } }, required = ["amount", "currency", "to"] }

[[allow]]
tools = "bank/transfer"

[[layer]]
use = "approve"
tools = "bank/**"
prompt = "Send {amount} {currency} to {to}?"

[approvals]
timeout = "30s"
"#;

const APPROVALS_TOKEN: &str = "approvals-0123456789abcdef";

fn peers() -> PathBuf {
    std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap()).join(".cache/airlock-peers"),
        PathBuf::from,
    )
}

fn service(args: &[&str]) -> Output {
    let python = peers().join("venv/bin/python");
    assert!(
        python.is_file(),
        "the Python MCP SDK is missing\nhint: `bash scripts/peers.sh` installs it"
    );
    Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../airlock-mcp/tests/peers/service.py"))
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_passed(out: &Output) {
    assert!(
        out.status.success() && text(&out.stdout).contains("all checks passed"),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `redis-server` on loopback with an append-only file in `dir`, stopped on drop.
struct Redis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Redis {
    fn start(dir: &Path, port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server (Debian's redis-server package; `bash scripts/peers.sh` installs it)",
            );
        let began = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                began.elapsed() < Duration::from_secs(20),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops it as an operator would (SIGTERM: it flushes its file) and starts it again.
    fn restart(mut self) -> Self {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let (dir, port) = (self.dir.clone(), self.port);
        std::mem::forget(self);
        Self::start(&dir, port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `airlock serve` of the three, stopped (or killed) on drop.
struct Replica {
    child: Child,
    url: String,
}

impl Replica {
    fn start(dir: &Path, redis: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["serve", "--http", "127.0.0.1:0", "--token-file", "tokens"])
            .args(["--store", redis])
            .args(["--approvals-token-file", "approvals-token"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        stderr.read_line(&mut line).unwrap();
        std::thread::spawn(move || for _ in stderr.lines().map_while(Result::ok) {});
        let url = line
            .trim()
            .strip_prefix("airlock: serving MCP on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Self { child, url }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn three_servers_share_sessions_through_redis_and_survive_a_death_and_a_restart() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("tokens"), format!("{TOKEN}\n{OTHER}\n")).unwrap();
    std::fs::write(dir.join("airlock.toml"), CONFIG).unwrap();
    std::fs::write(dir.join("approvals-token"), format!("{APPROVALS_TOKEN}\n")).unwrap();
    std::fs::write(
        dir.join("weather.py"),
        include_str!("fixtures/tools/city_weather.py"),
    )
    .unwrap();
    let data = dir.join("redis");
    std::fs::create_dir(&data).unwrap();
    let redis = Redis::start(&data, free_port());
    let mut servers: Vec<Replica> = (0..3).map(|_| Replica::start(dir, &redis.url())).collect();
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();

    let out = service(&["replicas", TOKEN, OTHER, urls[0], urls[1], urls[2]]);
    assert_passed(&out);
    let stdout = text(&out.stdout);
    let handle_line = stdout
        .lines()
        .find(|l| l.starts_with("{\"handle\""))
        .unwrap();
    let handle: serde_json::Value = serde_json::from_str(handle_line).unwrap();
    let handle = handle["handle"].as_str().unwrap().to_string();

    // A run on one server waits for a person, who answers on another.
    assert_passed(&service(&[
        "shared-approvals",
        TOKEN,
        APPROVALS_TOKEN,
        urls[0],
        urls[1],
        urls[2],
    ]));

    // The first server dies in the middle of a run of the session.
    let stalled = Command::new(peers().join("venv/bin/python"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../airlock-mcp/tests/peers/service.py"))
        .args(["stall", &servers[0].url, TOKEN, &handle])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    servers[0].kill();
    let mut stalled = stalled;
    let _ = stalled.wait();
    assert_passed(&service(&["after-kill", &servers[1].url, TOKEN, &handle]));

    // Redis stops and comes back from its append-only file; the servers reconnect.
    let _redis = redis.restart();
    assert_passed(&service(&[
        "after-restart",
        &servers[2].url,
        TOKEN,
        &handle,
    ]));
}

#[test]
fn a_store_that_does_not_answer_or_a_journal_beside_it_is_refused_at_start() {
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .args(["--store", &format!("redis://127.0.0.1:{port}")])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--store redis://127.0.0.1"),
        "{}",
        text(&out.stderr)
    );
    // The same from the config's [serve] section.
    std::fs::write(
        tmp.path().join("airlock.toml"),
        format!("[serve]\nstore = \"redis://127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--store redis://127.0.0.1"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(tmp.path().join("airlock.toml")).unwrap();
    let redis = Redis::start(tmp.path(), free_port());
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0", "--journal", "j"])
        .args(["--store", &redis.url()])
        .current_dir(tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--journal with --store"),
        "{}",
        text(&out.stderr)
    );
}
