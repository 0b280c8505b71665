//! `airlock serve --http` as a service an operator can expose, driven by the official Python
//! MCP SDK and raw HTTP (`crates/airlock-mcp/tests/peers/service.py`): tokens, Origin and Host
//! checks, private sessions, bounded bodies and queue, a load of 100 clients, health and
//! metrics, and a graceful shutdown.
//!
//! Then three `airlock serve --store redis://...` servers over one real `redis-server` on
//! loopback: a session moves between servers with its files and budgets, two servers racing
//! for one session take turns, an MCP session is taken over, an approval waiting on one server
//! is answered on another, a server killed in the middle of a run loses nothing committed, and
//! Redis restarted from its append-only file keeps the sessions.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const TOKEN_A: &str = "team-a-0123456789abcdef";
const TOKEN_B: &str = "team-b-fedcba9876543210";

fn python() -> PathBuf {
    let peers = std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/airlock-peers")
        },
        PathBuf::from,
    );
    let python = peers.join("venv/bin/python");
    assert!(
        python.is_file(),
        "the Python MCP SDK is missing from {}\nhint: `bash scripts/peers.sh` installs it",
        peers.display()
    );
    python
}

fn service(args: &[&str]) -> Output {
    Command::new(python())
        .arg(Path::new(&manifest_dir()).join("../airlock-mcp/tests/peers/service.py"))
        .args(args)
        .output()
        .expect("run service.py")
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

/// `airlock serve --http` with two tokens, stopped on drop.
struct Serve {
    child: Child,
    url: String,
    log: Log,
    dir: TempDir,
}

impl Serve {
    fn start(extra: &[&str]) -> Self {
        Self::start_with(extra, "[limits]\ntimeout = \"20s\"\n", &[])
    }

    /// With `config` as airlock.toml and `files` beside it.
    fn start_with(extra: &[&str], config: &str, files: &[(&str, &str)]) -> Self {
        let dir = TempDir::new().unwrap();
        std::fs::write(
            dir.path().join("tokens"),
            format!("# the teams\n{TOKEN_A}\n\n{TOKEN_B}   # team b\n"),
        )
        .unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::write(dir.path().join("airlock.toml"), config).unwrap();
        let (child, url, log) = spawn_serve(dir.path(), extra);
        Self {
            child,
            url,
            log,
            dir,
        }
    }
}

/// What a server wrote to stderr after its first line.
type Log = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// `airlock serve --http` on a free loopback port in `dir`, with the `tokens` there: the
/// process, its MCP URL (from its first line) and the rest of its stderr as it comes.
fn spawn_serve(dir: &Path, extra: &[&str]) -> (Child, String, Log) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0", "--token-file", "tokens"])
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn airlock serve");
    let mut line = String::new();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    stderr.read_line(&mut line).unwrap();
    // Keep reading, so the server never writes to a closed pipe.
    let log = Log::default();
    let kept = std::sync::Arc::clone(&log);
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            kept.lock().unwrap().push(line);
        }
    });
    let url = line
        .trim()
        .strip_prefix("airlock: serving MCP on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    (child, url, log)
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sessions_are_private_to_their_client_and_token_and_journaled_and_logged() {
    let server = Serve::start(&["--journal", "journals", "--log", "json"]);
    assert_passed(&service(&["private", &server.url, TOKEN_A, TOKEN_B]));

    // One JSON line per run, naming the session (not its secret handle) and the token.
    let log = server.log.lock().unwrap().clone();
    let runs: Vec<serde_json::Value> = log
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["event"] == "run")
        .collect();
    assert!(runs.len() >= 5, "{log:#?}");
    for run in &runs {
        assert!(run["ts"].is_string() && run["session"].is_string() && run["run"].is_u64());
        assert!(run["duration_ms"].is_number() && run["language"] == "javascript");
    }
    assert!(
        runs.iter().any(|r| r["identity"] == "tokens:2"),
        "{runs:#?}"
    );
    assert!(
        runs.iter().any(|r| r["identity"] == "tokens:4"),
        "{runs:#?}"
    );

    // One journal per session, each verifiable.
    let journals: Vec<PathBuf> = std::fs::read_dir(server.dir.path().join("journals"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let sessions: std::collections::HashSet<_> =
        runs.iter().map(|r| r["session"].clone()).collect();
    assert_eq!(journals.len(), sessions.len(), "{journals:?}");
    for journal in &journals {
        let verified = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["journal", "verify"])
            .arg(journal)
            .output()
            .unwrap();
        assert!(verified.status.success(), "{}", text(&verified.stderr));
    }
}

const WEATHER_PY: &str = include_str!("fixtures/tools/city_weather.py");

const TEAM_A: &str = r#"
[[tool]]
name = "weather"
description = "Current weather for a city"
command = ["python3", "weather.py"]
input_schema = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }

[[allow]]
tools = "weather"
[allow.args]
city = { in = ["Paris", "Berlin"] }
"#;

#[test]
fn each_token_can_bring_its_own_profile() {
    // Token A is in the config, hashed, with a profile; token B only in the token file.
    let hash = airlock_registry::Digest::of(TOKEN_A.as_bytes())
        .hex()
        .to_string();
    let config = format!(
        "[[serve.token]]\nname = \"team-a\"\nsha256 = \"{hash}\"\nprofile = \"team-a.toml\"\n"
    );
    let server = Serve::start_with(
        &[],
        &config,
        &[
            ("team-a.toml", TEAM_A),
            ("weather.py", WEATHER_PY),
            ("tokens", &format!("{TOKEN_B}\n")),
        ],
    );
    assert_passed(&service(&["profiles", &server.url, TOKEN_A, TOKEN_B]));
}

#[test]
fn tokens_origins_hosts_and_bodies_are_checked_at_the_door() {
    let server = Serve::start(&["--max-body", "64K", "--client-timeout", "1s"]);
    assert_passed(&service(&["doors", &server.url, TOKEN_A, TOKEN_B]));
}

#[test]
fn a_bind_beyond_loopback_needs_tokens() {
    let dir = TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "0.0.0.0:0"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("without tokens") && stderr.contains("--token-file"),
        "{stderr}"
    );
    // Short tokens are refused too.
    std::fs::write(dir.path().join("tokens"), "short\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "0.0.0.0:0", "--token-file", "tokens"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("shorter than 16"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_hundred_clients_see_no_failed_run() {
    let server = Serve::start(&[]);
    let out = service(&["load", &server.url, TOKEN_A, "100", "10"]);
    eprintln!("{}", text(&out.stdout));
    assert_passed(&out);
}

#[test]
fn live_sessions_are_bounded() {
    let server = Serve::start(&["--max-sessions", "2"]);
    assert_passed(&service(&["cap", &server.url, TOKEN_A]));
}

#[test]
fn past_the_queue_runs_get_503_with_retry_after() {
    let server = Serve::start(&["--max-queued", "2"]);
    assert_passed(&service(&["flood", &server.url, TOKEN_A, "40"]));
}

#[test]
fn a_shutdown_lets_the_run_in_flight_finish() {
    let mut server = Serve::start(&[]);
    let url = server.url.clone();
    let run = std::thread::spawn(move || service(&["drain", &url, TOKEN_A]));
    // Stop it once the run is running.
    let metrics = server.url.replace("/mcp", "/metrics");
    let started = Instant::now();
    loop {
        let scraped = Command::new("curl")
            .args([
                "-s",
                "-H",
                &format!("Authorization: Bearer {TOKEN_A}"),
                &metrics,
            ])
            .output()
            .unwrap();
        if text(&scraped.stdout).contains("airlock_runs_running 1") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // While the run finishes, the server says it is not ready and takes no new work.
    let readyz = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}"])
        .arg(server.url.replace("/mcp", "/readyz"))
        .output()
        .unwrap();
    assert_eq!(text(&readyz.stdout), "503");
    assert_passed(&run.join().unwrap());
    let started = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// Several servers sharing sessions in Redis
// ---------------------------------------------------------------------------------------------

/// A weather tool allowed three calls per session: the budget the servers share.
const REPLICAS_CONFIG: &str = r#"
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

/// An `airlock serve` with an approvals endpoint over `dir`, which outlives it: stopped (or
/// killed) on drop.
struct Replica {
    child: Child,
    url: String,
    log: Log,
}

impl Replica {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let args: Vec<&str> = extra
            .iter()
            .copied()
            .chain(["--approvals-token-file", "approvals-token"])
            .collect();
        let (child, url, log) = spawn_serve(dir, &args);
        Self { child, url, log }
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
    std::fs::write(dir.join("tokens"), format!("{TOKEN_A}\n{TOKEN_B}\n")).unwrap();
    std::fs::write(dir.join("airlock.toml"), REPLICAS_CONFIG).unwrap();
    std::fs::write(dir.join("approvals-token"), format!("{APPROVALS_TOKEN}\n")).unwrap();
    std::fs::write(
        dir.join("weather.py"),
        include_str!("fixtures/tools/city_weather.py"),
    )
    .unwrap();
    let data = dir.join("redis");
    std::fs::create_dir(&data).unwrap();
    let redis = Redis::start(&data, free_port());
    let mut servers: Vec<Replica> = (0..3)
        .map(|_| Replica::start(dir, &["--store", &redis.url()]))
        .collect();
    let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();

    let out = service(&["replicas", TOKEN_A, TOKEN_B, urls[0], urls[1], urls[2]]);
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
        TOKEN_A,
        APPROVALS_TOKEN,
        urls[0],
        urls[1],
        urls[2],
    ]));

    // The first server dies in the middle of a run of the session.
    let stalled = Command::new(python())
        .arg(Path::new(&manifest_dir()).join("../airlock-mcp/tests/peers/service.py"))
        .args(["stall", &servers[0].url, TOKEN_A, &handle])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    servers[0].kill();
    let mut stalled = stalled;
    let _ = stalled.wait();
    assert_passed(&service(&["after-kill", &servers[1].url, TOKEN_A, &handle]));

    // Redis stops and comes back from its append-only file; the servers reconnect.
    let _redis = redis.restart();
    assert_passed(&service(&[
        "after-restart",
        &servers[2].url,
        TOKEN_A,
        &handle,
    ]));
}

/// `airlock serve` with `args` in `dir`, which must refuse to start: its stderr.
fn refused(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["serve", "--http", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", text(&out.stderr));
    text(&out.stderr)
}

#[test]
fn a_store_that_does_not_answer_or_a_journal_beside_it_is_refused_at_start() {
    let tmp = TempDir::new().unwrap();
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let stderr = refused(tmp.path(), &["--store", &url]);
    assert!(stderr.contains("--store redis://127.0.0.1"), "{stderr}");
    // The same from the config's [serve] section.
    std::fs::write(
        tmp.path().join("airlock.toml"),
        format!("[serve]\nstore = \"{url}\"\n"),
    )
    .unwrap();
    let stderr = refused(tmp.path(), &[]);
    assert!(stderr.contains("--store redis://127.0.0.1"), "{stderr}");
    std::fs::remove_file(tmp.path().join("airlock.toml")).unwrap();
    let redis = Redis::start(tmp.path(), free_port());
    let stderr = refused(tmp.path(), &["--journal", "j", "--store", &redis.url()]);
    assert!(stderr.contains("--journal with --store"), "{stderr}");
}

/// A run waiting for a person when its server is killed: the server started again over the
/// same journal folder lists the approval again, and once it is given the run finishes where
/// it stopped, the calls it had made served from the journal rather than made twice. A server
/// stopped gracefully leaves such a run to the next one at once.
#[test]
fn a_run_waiting_for_approval_outlives_its_server() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let ledger = dir.join("ledger.txt");
    // Each tool appends to the ledger: what ran live, and how often.
    std::fs::write(
        dir.join("ledger.py"),
        "import json, os, sys\n\
         a = json.load(sys.stdin)\n\
         line = 'transfer ' + a['to'] if sys.argv[1] == 'transfer' else a['entry']\n\
         open(os.path.join(os.path.dirname(__file__), 'ledger.txt'), 'a').write(line + '\\n')\n\
         print(json.dumps({'ok': True}))\n",
    )
    .unwrap();
    let script = dir.join("ledger.py").display().to_string();
    let config = format!(
        r#"[[tool]]
name = "ledger/add"
description = "Add a line to the ledger"
command = ["python3", "{script}", "add"]
input_schema = {{ type = "object", properties = {{ entry = {{ type = "string" }} }}, required = ["entry"] }}

[[tool]]
name = "bank/transfer"
description = "Send money"
command = ["python3", "{script}", "transfer"]
input_schema = {{ type = "object", properties = {{ amount = {{ type = "number" }}, currency = {{ type = "string" }}, to = {{ type = "string" }} }}, required = ["amount", "currency", "to"] }}

[[allow]]
tools = "**"

[[layer]]
use = "approve"
tools = "bank/**"
prompt = "Send {{amount}} {{currency}} to {{to}}?"
"#
    );
    std::fs::write(dir.join("airlock.toml"), config).unwrap();
    std::fs::write(dir.join("tokens"), format!("{TOKEN_A}\n{TOKEN_B}\n")).unwrap();
    std::fs::write(dir.join("approvals-token"), format!("{APPROVALS_TOKEN}\n")).unwrap();
    let journals = dir.join("journals");
    let mut first = Replica::start(dir, &["--journal", "journals"]);

    let mut client = Command::new(python())
        .arg(Path::new(&manifest_dir()).join("../airlock-mcp/tests/peers/service.py"))
        .args(["waiting-run", &first.url, TOKEN_A])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut client_out = BufReader::new(client.stdout.take().unwrap());
    let mut handle_line = String::new();
    while !handle_line.starts_with("{\"handle\"") {
        handle_line.clear();
        assert!(
            client_out.read_line(&mut handle_line).unwrap() > 0,
            "the client ended"
        );
    }
    let handle: serde_json::Value =
        serde_json::from_str(&handle_line).unwrap_or_else(|e| panic!("{e}: {handle_line:?}"));
    let handle = handle["handle"].as_str().unwrap().to_string();
    let waiting_files = || -> Vec<PathBuf> {
        std::fs::read_dir(&journals)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".waiting.json"))
            .collect()
    };
    let began = Instant::now();
    while waiting_files().is_empty() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "no waiting run was written down; server log: {:?}",
            first.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let waiting = waiting_files().remove(0);
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&waiting).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "it holds the session's files");
    }
    first.kill();
    let _ = client.wait();
    assert_eq!(std::fs::read_to_string(&ledger).unwrap(), "before\n");

    // The next server takes the run up, and it waits again; stopped as an operator stops it
    // (SIGTERM), this server does not hold its stop for the run: the one after resumes it.
    let mut second = Replica::start(dir, &["--journal", "journals"]);
    let began = Instant::now();
    while !second
        .log
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains(r#""resumed":true"#))
    {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "{:?}",
            second.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status();
    let stopping = Instant::now();
    let _ = second.child.wait();
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "a run waiting for a person held the stop for {:?}",
        stopping.elapsed()
    );
    assert!(
        second
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(r#""event":"stopping","waiting_runs":1"#)),
        "{:?}",
        second.log.lock().unwrap()
    );
    assert!(waiting.exists());

    let second = Replica::start(dir, &["--journal", "journals"]);
    let out = service(&[
        "after-waiting-restart",
        &second.url,
        TOKEN_A,
        APPROVALS_TOKEN,
        &handle,
    ]);
    assert!(
        out.status.success() && text(&out.stdout).contains("all checks passed"),
        "stdout:\n{}\nstderr:\n{}\nserver log: {:?}",
        text(&out.stdout),
        text(&out.stderr),
        second.log.lock().unwrap()
    );
    // The call made before the restart ran once; the approved one ran after it.
    assert_eq!(
        std::fs::read_to_string(&ledger).unwrap(),
        "before\ntransfer ada\n"
    );
    assert!(!waiting.exists(), "the file goes once the run ended");
    let log = second.log.lock().unwrap().join("\n");
    assert!(
        log.contains(r#""event":"waiting-run""#) && log.contains(r#""resumed":true"#),
        "{log}"
    );
    assert!(
        log.contains(r#""event":"resumed-run""#) && log.contains(r#""exit_code":0"#),
        "{log}"
    );
    // One journal, one hash chain: the interrupted run closed with 75, then its resumption.
    let journal = waiting.to_string_lossy().replace(".waiting.json", ".jsonl");
    let verified = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["journal", "verify", &journal])
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ends: Vec<i64> = entries
        .iter()
        .filter(|e| e["kind"] == "end")
        .map(|e| e["exit_code"].as_i64().unwrap())
        .collect();
    assert_eq!(ends, [0, 75, 75, 0, 0], "{entries:?}");
    assert!(
        entries
            .iter()
            .any(|e| e["kind"] == "start" && e["resumes"].is_u64()),
        "{entries:?}"
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
