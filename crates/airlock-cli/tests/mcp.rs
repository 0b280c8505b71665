//! MCP both ways, tested with real peers: the official Python MCP SDK as a client of
//! `airlock serve`, and `@modelcontextprotocol/server-everything` (npm) plus a small server on
//! the Python SDK as upstream servers.
//!
//! The peers live in `$AIRLOCK_PEERS` (default `~/.cache/airlock-peers`): `venv/` with the
//! `mcp` package and `npm/` with server-everything. `scripts/setup.sh` installs them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

fn peers() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
                .join(".cache/airlock-peers")
        },
        PathBuf::from,
    );
    assert!(
        python(&dir).is_file() && everything(&dir).is_file(),
        "the MCP test peers are missing from {}\nhint: `bash scripts/setup.sh` installs them (Python `mcp` in a venv, server-everything with npm)",
        dir.display()
    );
    dir
}

fn python(peers: &Path) -> PathBuf {
    peers.join("venv/bin/python")
}

fn everything(peers: &Path) -> PathBuf {
    peers.join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
}

fn script(name: &str) -> PathBuf {
    Path::new(&manifest_dir())
        .join("../airlock-mcp/tests/peers")
        .join(name)
}

fn airlock() -> &'static str {
    env!("CARGO_BIN_EXE_airlock")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temp directory with `airlock.toml` and the files it names.
struct Dir(TempDir);

impl Dir {
    fn new(config: &str) -> Self {
        let dir = Self(tempfile::tempdir().expect("tempdir"));
        dir.write("weather.py", WEATHER_PY);
        dir.write("airlock.toml", config);
        dir
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.path().join(name), text).expect("write");
    }

    fn config(&self) -> String {
        self.0.path().join("airlock.toml").display().to_string()
    }

    fn airlock(&self, args: &[&str]) -> Output {
        Command::new(airlock())
            .args(args)
            .current_dir(self.0.path())
            .stdin(Stdio::null())
            .output()
            .expect("spawn airlock")
    }

    fn run_js(&self, code: &str) -> Output {
        self.airlock(&["run", "--config", &self.config(), "-e", code])
    }
}

const WEATHER_PY: &str = include_str!("fixtures/tools/city_weather.py");

const SERVE_CONFIG: &str = r#"
[limits]
timeout = "3s"

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

fn everything_config(peers: &Path) -> String {
    format!(
        r#"
[mcp_servers.everything]
command = ["node", "{}", "stdio"]

[[allow]]
tools = "everything/echo"
[allow.args]
message = {{ starts_with = "hi" }}

[[allow]]
tools = "everything/get-sum"
[allow.args]
a = {{ max = 100 }}

[[allow]]
tools = "everything/get-structured-content"
"#,
        everything(peers).display()
    )
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn python_sdk_client_over_stdio() {
    let peers = peers();
    let dir = Dir::new(SERVE_CONFIG);
    let out = Command::new(python(&peers))
        .arg(script("client.py"))
        .args(["check", "stdio", airlock(), &dir.config()])
        .current_dir(dir.0.path())
        .output()
        .expect("run the Python client");
    assert_success(&out);
    assert!(text(&out.stdout).contains("all checks passed"));
}

/// `airlock serve --http 127.0.0.1:0`, killed on drop.
struct HttpServe {
    child: Child,
    url: String,
}

impl HttpServe {
    fn start(dir: &Dir) -> Self {
        let mut child = Command::new(airlock())
            .args(["serve", "--http", "127.0.0.1:0", "--config", &dir.config()])
            .current_dir(dir.0.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn airlock serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut line = String::new();
        BufReader::new(stderr)
            .read_line(&mut line)
            .expect("read the address");
        let url = line
            .trim()
            .strip_prefix("airlock: serving MCP on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_string();
        Self { child, url }
    }
}

impl Drop for HttpServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn python_sdk_client_over_streamable_http() {
    let peers = peers();
    let dir = Dir::new(SERVE_CONFIG);
    let server = HttpServe::start(&dir);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    let out = Command::new(python(&peers))
        .arg(script("client.py"))
        .args(["check", "http", &server.url])
        .output()
        .expect("run the Python client");
    assert_success(&out);
    assert!(text(&out.stdout).contains("all checks passed"));
}

#[test]
fn serve_rejects_a_bad_address_with_a_hint() {
    let dir = Dir::new(SERVE_CONFIG);
    let out = dir.airlock(&["serve", "--http", "localhost:port"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("hint:"), "{}", text(&out.stderr));
}

#[test]
fn mcp_list_shows_the_imported_tools_of_server_everything() {
    let peers = peers();
    let dir = Dir::new(&everything_config(&peers));
    let out = dir.airlock(&["mcp", "list", "--config", &dir.config()]);
    assert_success(&out);
    let listed = text(&out.stdout);
    assert!(listed.starts_with("everything ("), "{listed}");
    for tool in [
        "everything/echo",
        "everything/get-sum",
        "everything/get-structured-content",
    ] {
        assert!(
            listed.contains(&format!("  {tool}  ")),
            "{tool} missing:\n{listed}"
        );
    }
}

#[test]
fn javascript_calls_server_everything_under_the_policy() {
    let peers = peers();
    let dir = Dir::new(&everything_config(&peers));
    let out = dir.run_js(
        "console.log(await everything.echo({ message: 'hi there' }));
         console.log(await everything_get_sum({ a: 2, b: 3 }));
         const weather = await everything.get_structured_content({ location: 'Chicago' });
         console.log(typeof weather.temperature, typeof weather.conditions);
         for (const args of [{ message: 'bye' }]) {
           try { await everything.echo(args); } catch (e) { console.log(e.code, e.message); }
         }
         try { await everything_get_sum({ a: 500, b: 1 }); } catch (e) { console.log(e.code); }
         try { await everything_get_sum({ a: 'two', b: 1 }); } catch (e) { console.log(e.code); }
         console.log(typeof everything_get_env);
         try { await tools.call('everything/get-env', {}); } catch (e) { console.log(e.code); }",
    );
    assert_success(&out);
    let lines: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert_eq!(lines[0], "Echo: hi there");
    assert!(lines[1].contains('5'), "{lines:?}");
    assert_eq!(lines[2], "number string");
    assert!(
        lines[3].starts_with("EPOLICY everything/echo: message = \"bye\" violates starts_with"),
        "{lines:?}"
    );
    assert_eq!(lines[4], "EPOLICY");
    assert_eq!(lines[5], "EINVAL");
    // Imported, but no allow rule matches it: not offered to the script, and denied when
    // called by name.
    assert_eq!(lines[6], "undefined");
    assert_eq!(lines[7], "EPOLICY");
}

#[test]
fn shell_calls_server_everything_through_the_tool_command() {
    let peers = peers();
    let dir = Dir::new(&everything_config(&peers));
    let out = dir.airlock(&[
        "run",
        "--config",
        &dir.config(),
        "--lang",
        "sh",
        "-e",
        "tool everything/echo --message 'hi from sh' | tr a-z A-Z
         tool everything/echo --message nope; echo \"exit $?\"",
    ]);
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("HI FROM SH"), "{stdout}");
    assert!(stdout.ends_with("exit 126\n"), "{stdout}");
    assert!(
        text(&out.stderr).contains("PolicyDenied"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn upstream_calls_are_journaled() {
    let peers = peers();
    let dir = Dir::new(&everything_config(&peers));
    let journal = dir.0.path().join("journal.jsonl");
    let out = dir.airlock(&[
        "run",
        "--config",
        &dir.config(),
        "--journal",
        journal.to_str().expect("utf8"),
        "-e",
        "await everything.echo({ message: 'hi journal' })",
    ]);
    assert_success(&out);
    let recorded = std::fs::read_to_string(&journal).expect("journal");
    let call = recorded
        .lines()
        .find(|l| l.contains("\"call\""))
        .expect("a call entry");
    assert!(call.contains("everything/echo"), "{call}");
    assert!(call.contains("Echo: hi journal"), "{call}");
    let verify = dir.airlock(&["journal", "verify", journal.to_str().expect("utf8")]);
    assert_success(&verify);
}

fn flaky_config(peers: &Path) -> String {
    format!(
        r#"
[mcp_servers.flaky]
command = ["{}", "{}"]
timeout = "4s"
"#,
        python(peers).display(),
        script("flaky_server.py").display()
    )
}

#[test]
fn a_server_that_dies_is_restarted_once_and_a_hung_call_times_out() {
    let peers = peers();
    let dir = Dir::new(&flaky_config(&peers));
    // The first run of a cold module cache compiles the guest; that is not what is timed here.
    assert_success(&Dir::new("").run_js("0"));
    let started = Instant::now();
    let out = dir.run_js(
        "const before = (await flaky.pid({})).result;
         try { await flaky.crash({}); } catch (e) { console.log('crash', e.code); }
         const after = (await flaky.pid({})).result;
         console.log('restarted', typeof after === 'number' && after !== before);
         try { await flaky.hang({}); } catch (e) { console.log('hang', e.code); }
         console.log('alive', (await flaky.pid({})).result === after);",
    );
    assert_success(&out);
    assert_eq!(
        text(&out.stdout),
        "crash EUNAVAILABLE\nrestarted true\nhang ETIMEDOUT\nalive true\n"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_server_that_cannot_start_is_a_clear_error_for_run_and_left_out_by_serve() {
    let dir = Dir::new(
        r#"
[mcp_servers.broken]
command = ["python3", "-c", "import sys; sys.exit(4)"]
start_timeout = "10s"
"#,
    );
    let out = dir.run_js("1");
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("MCP server 'broken' did not start"), "{err}");
    assert!(err.contains("hint:"), "{err}");

    let out = dir.airlock(&["mcp", "list", "--config", &dir.config()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_mcp_server_sections_are_config_errors() {
    for (body, needle) in [
        ("[mcp_servers.x]\n", "neither `command` nor `url`"),
        (
            "[mcp_servers.x]\ncommand = [\"a\"]\nurl = \"http://h/mcp\"\n",
            "both `command` and `url`",
        ),
        ("[mcp_servers.x]\ncommand = []\n", "`command` is empty"),
        ("[mcp_servers.x]\ncommand = [\"a\"]\nbogus = 1\n", "bogus"),
        ("[mcp_servers.x]\nurl = \"https://h/mcp\"\n", "not http://"),
        (
            "[mcp_servers.x]\ncommand = [\"a\"]\ntools = \"a/**b\"\n",
            "tools",
        ),
    ] {
        let dir = Dir::new(body);
        let out = dir.run_js("1");
        assert_eq!(out.status.code(), Some(2), "{body}");
        assert!(
            text(&out.stderr).contains(needle),
            "{body}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn check_lists_mcp_servers_without_starting_them() {
    let dir =
        Dir::new("[mcp_servers.never]\ncommand = [\"/nonexistent/server\"]\ntools = \"get_*\"\n");
    let out = dir.airlock(&["check", &dir.config()]);
    assert_success(&out);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("never  /nonexistent/server  (tools get_*)"),
        "{shown}"
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
