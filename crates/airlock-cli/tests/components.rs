//! WebAssembly components as tools through the `airlock` binary: `[[component]]` in the config,
//! called from JavaScript, from the shell and over MCP (the official Python SDK), under the
//! policy and the journal; `component inspect`, `check` and `tools --dts`.
//!
//! The components are the examples of `examples/components/`, built from source in Rust,
//! JavaScript and Python by `scripts/components.sh` (the test command runs it).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

fn components() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("stats.wasm").exists(),
        "the example components are not built in {}\nhint: `bash scripts/components.sh` builds them",
        dir.display()
    );
    dir
}

fn peers_python() -> PathBuf {
    let peers = std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/airlock-peers"),
        PathBuf::from,
    );
    let python = peers.join("venv/bin/python");
    assert!(
        python.is_file(),
        "the MCP peers are missing\nhint: `bash scripts/setup.sh`"
    );
    python
}

fn airlock() -> &'static str {
    env!("CARGO_BIN_EXE_airlock")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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

/// Serves `GET` on loopback with a body naming the path.
fn serve_http() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = format!("served {path}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

struct Dir(TempDir);

impl Dir {
    fn new(port: u16) -> Self {
        let dir = Self(tempfile::tempdir().expect("tempdir"));
        let c = components();
        let config = format!(
            r#"
[[component]]
name = "inventory"
path = "{c}/inventory.wasm"
[component.grants]
network = ["127.0.0.1:{port}"]
env = {{ UNITS = "metric" }}
files = {{ "/data" = {{ from = "/workspace/in", mode = "ro" }} }}
[component.limits]
timeout = "2s"
memory = "64M"

[[component]]
name = "textkit"
path = "{c}/textkit.wasm"
tools = "text/*"

[[component]]
name = "stats"
path = "{c}/stats.wasm"
[component.describe]
describe = "Summary statistics of a list of numbers."

[[allow]]
tools = "inventory/restock"
[allow.args]
amount = {{ max = 100 }}

[[allow]]
tools = "inventory/find"

[[allow]]
tools = "inventory/fetch-text"

[[allow]]
tools = "inventory/getenv"

[[allow]]
tools = "inventory/read-text"

[[allow]]
tools = "inventory/divide"

[[allow]]
tools = "textkit/**"

[[allow]]
tools = "stats/**"
"#,
            c = c.display()
        );
        std::fs::write(dir.0.path().join("airlock.toml"), config).expect("write");
        dir
    }

    fn config(&self) -> String {
        self.path("airlock.toml").display().to_string()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn airlock(&self, args: &[&str]) -> Output {
        Command::new(airlock())
            .args(args)
            .current_dir(self.0.path())
            .stdin(Stdio::null())
            .output()
            .expect("spawn airlock")
    }
}

const SCRIPT: &str = r#"
const items = await inventory.find({query: {tag: "all"}});
const restocked = await inventory.restock({sku: items[0].sku, amount: 5});
let err;
try { await inventory.restock({sku: "NOPE-1", amount: 1}); } catch (e) { err = e; }
let denied;
try { await inventory.restock({sku: items[0].sku, amount: 1000}); } catch (e) { denied = e.code; }
const [status, body] = await inventory.fetch_text({url: "http://127.0.0.1:PORT/report"});
const words = await textkit.text.convert({text: "shout this", style: "upper"});
const summary = await stats.describe({values: [1, 2, 3, 10]});
await fs.mkdir("/workspace/in", {recursive: true});
await fs.writeFile("/workspace/in/note.txt", "from the script");
const note = await inventory.read_text({path: "/data/note.txt"});
console.log(JSON.stringify({
  count: items.length, grew: restocked.quantity - items[0].quantity,
  code: err.code, data: err.data, denied, status, body, words, median: summary.median,
  units: await inventory.getenv({name: "UNITS"}), note,
}));
"#;

#[test]
fn a_script_calls_components_of_three_languages_under_the_policy_and_the_journal() {
    let port = serve_http();
    let dir = Dir::new(port);
    let journal = dir.path("calls.jsonl");
    let script = SCRIPT.replace("PORT", &port.to_string());
    let out = dir.airlock(&[
        "run",
        "--config",
        &dir.config(),
        "--journal",
        &journal.display().to_string(),
        "-e",
        &script,
    ]);
    assert_success(&out);
    let line: serde_json::Value =
        serde_json::from_str(text(&out.stdout).trim()).expect("JSON line");
    assert!(line["count"].as_u64().unwrap() >= 3, "{line}");
    assert_eq!(line["grew"], 5);
    assert_eq!(line["code"], "ETOOL");
    assert!(line["data"].as_str().unwrap().contains("NOPE-1"), "{line}");
    assert_eq!(line["denied"], "EPOLICY");
    assert_eq!(line["status"], 200);
    assert_eq!(line["body"], "served /report");
    assert_eq!(line["words"], "SHOUT THIS");
    assert_eq!(line["median"], 2.5);
    assert_eq!(line["units"], "metric");
    assert_eq!(
        line["note"], "from the script",
        "the component reads what the script wrote"
    );
    // The journal holds every component call, the denial included, and verifies.
    let recorded = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        recorded.contains("\"tool\":\"textkit/text/convert\""),
        "{recorded}"
    );
    assert!(recorded.contains("\"decision\":\"deny\""), "{recorded}");
    let verify = dir.airlock(&["journal", "verify", &journal.display().to_string()]);
    assert_success(&verify);
}

/// `inventory` with a read-write grant on `/workspace/out` (seen at `/out`) and a read-only
/// one on `/workspace/in` (seen at `/in`), under session file limits of `vfs_bytes`.
fn writing_config(dir: &Dir, vfs_bytes: &str) -> String {
    let config = format!(
        r#"
[vfs]
max_bytes = "{vfs_bytes}"

[[component]]
name = "inventory"
path = "{c}/inventory.wasm"
[component.grants]
files = {{ "/out" = {{ from = "/workspace/out", mode = "rw" }}, "/in" = {{ from = "/workspace/in", mode = "ro" }} }}

[[allow]]
tools = "inventory/**"
"#,
        c = components().display()
    );
    std::fs::write(dir.path("writing.toml"), config).expect("write");
    dir.path("writing.toml").display().to_string()
}

#[test]
fn a_read_write_grant_brings_what_the_component_wrote_back_to_the_session_and_the_replay() {
    let dir = Dir::new(1);
    let config = writing_config(&dir, "1M");
    let journal = dir.path("writes.jsonl").display().to_string();
    let script = r#"
await fs.mkdir("/workspace/in", {recursive: true});
await fs.writeFile("/workspace/in/source.txt", "input");
await inventory.write_text({path: "/out/report.txt", text: "made by the component"});
const seen = await fs.readFile("/workspace/out/report.txt", "utf8");
await Promise.all([
  inventory.write_text({path: "/out/a.txt", text: "first"}),
  inventory.write_text({path: "/out/b.txt", text: "second"}),
]);
const again = await inventory.read_text({path: "/out/report.txt"});
let outside, readOnly;
try { await inventory.write_text({path: "/elsewhere.txt", text: "no"}); } catch (e) { outside = e.code; }
try { await inventory.write_text({path: "/in/source.txt", text: "no"}); } catch (e) { readOnly = e.code; }
console.log(JSON.stringify({
  seen, again, outside, readOnly,
  out: (await fs.readdir("/workspace/out")).sort(),
  source: await fs.readFile("/workspace/in/source.txt", "utf8"),
}));
"#;
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "--journal",
        &journal,
        "-e",
        script,
    ]);
    assert_success(&out);
    let line: serde_json::Value =
        serde_json::from_str(text(&out.stdout).trim()).expect("JSON line");
    assert_eq!(line["seen"], "made by the component", "{line}");
    assert_eq!(line["again"], "made by the component", "{line}");
    assert_eq!(line["outside"], "ETOOL", "{line}");
    assert_eq!(line["readOnly"], "ETOOL", "{line}");
    assert_eq!(
        line["out"],
        serde_json::json!(["a.txt", "b.txt", "report.txt"])
    );
    assert_eq!(line["source"], "input", "a read-only grant changes nothing");
    // The journal records each write with its contents, verifies, and replays with no
    // component at all: the files come from the recording.
    let recorded = std::fs::read_to_string(&journal).expect("journal");
    assert!(
        recorded.contains(
            r#""files":[{"op":"mkdir","path":"/workspace/out"},{"op":"write","path":"/workspace/out/report.txt","data":"bWFkZSBieSB0aGUgY29tcG9uZW50""#
        ),
        "the granted folder did not exist, so the component's write made it: {recorded}"
    );
    assert_success(&dir.airlock(&["journal", "verify", &journal]));
    // The model is told where the component sees the files.
    let prompt = dir.airlock(&["prompt", "--config", &config]);
    assert!(
        text(&prompt.stdout).contains(
            "it sees the session's /workspace/in as /in (read-only), /workspace/out as /out (read-write: what it writes there appears in /workspace/out)"
        ),
        "{}",
        text(&prompt.stdout)
    );
    std::fs::remove_file(&config).expect("remove config");
    let replayed = dir.airlock(&["replay", &journal]);
    assert_success(&replayed);
    assert_eq!(text(&replayed.stdout), text(&out.stdout));
}

#[test]
fn writes_past_the_session_limits_fail_the_call_and_change_nothing() {
    let dir = Dir::new(1);
    let config = writing_config(&dir, "4K");
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "--lang",
        "sh",
        "-e",
        "mkdir -p /workspace/out && echo kept > /workspace/out/kept.txt
         tool inventory/write-text --path /out/small.txt --text hello; echo \"exit $?\"
         cat /workspace/out/small.txt; echo
         tool inventory/write-text --path /out/big.txt --text \"$(printf '%05000d' 0)\"; echo \"exit $?\"
         ls /workspace/out",
    ]);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        ["null", "exit 0", "hello", "exit 1", "kept.txt", "small.txt"],
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("the session's limit for files"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_shell_calls_components_with_the_tool_command() {
    let dir = Dir::new(serve_http());
    let out = dir.airlock(&[
        "run",
        "--config",
        &dir.config(),
        "--lang",
        "sh",
        "-e",
        "tool inventory/find --json '{\"query\": {\"tag\": \"all\"}}' | jq length
         tool textkit/text/convert --text 'from sh' --style title
         tool inventory/divide --a 1 --b 0; echo \"exit $?\"",
    ]);
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].parse::<u32>().unwrap() >= 3, "{stdout}");
    assert_eq!(lines[1], "\"From Sh\"");
    assert_eq!(lines[2], "exit 1", "{stdout}");
    assert!(
        text(&out.stderr).contains("trapped"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn inspect_shows_imports_tools_schemas_and_what_is_left_out() {
    let dir = Dir::new(1);
    let stats = components().join("stats.wasm");
    let out = dir.airlock(&["component", "inspect", &stats.display().to_string()]);
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("stats/describe  func(values: list<f64>)"),
        "{stdout}"
    );
    assert!(stdout.contains("wasi:sockets/tcp@0.2"), "{stdout}");
    assert!(
        stdout.contains("left out"),
        "the componentize-py init hook: {stdout}"
    );
    let out = dir.airlock(&[
        "component",
        "inspect",
        "--json",
        &components().join("inventory.wasm").display().to_string(),
    ]);
    assert_success(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let http = report["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["name"]
                .as_str()
                .unwrap()
                .starts_with("wasi:http/outgoing-handler")
        })
        .expect("imports wasi:http");
    assert!(
        http["provided"].as_str().unwrap().contains("network"),
        "{http}"
    );
    let err = dir.airlock(&["component", "inspect", "/nonexistent.wasm"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(
        text(&err.stderr).contains("cannot read"),
        "{}",
        text(&err.stderr)
    );
}

#[test]
fn check_lists_components_with_their_grants_and_tools_declares_them() {
    let dir = Dir::new(8080);
    let out = dir.airlock(&["check", &dir.config()]);
    assert_success(&out);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("components (3):"), "{stdout}");
    assert!(
        stdout.contains("network 127.0.0.1:8080 (GET, HEAD)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("stats/describe  Summary statistics"),
        "{stdout}"
    );
    let out = dir.airlock(&["tools", "--config", &dir.config(), "--dts"]);
    assert_success(&out);
    let dts = text(&out.stdout);
    assert!(dts.contains("convert"), "{dts}");
    assert!(
        dts.contains("by-sku"),
        "the variant's cases are declared: {dts}"
    );
}

#[test]
fn bad_component_sections_are_clear_errors() {
    let dir = Dir::new(1);
    let cases = [
        ("path = \"missing.wasm\"", "cannot read the component file"),
        ("path = \"airlock.toml\"", "not a WebAssembly component"),
    ];
    for (path, expected) in cases {
        std::fs::write(
            dir.path("bad.toml"),
            format!("[[component]]\nname = \"x\"\n{path}\n"),
        )
        .unwrap();
        let out = dir.airlock(&["check", &dir.path("bad.toml").display().to_string()]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        let err = text(&out.stderr);
        assert!(
            err.contains(expected) && err.contains("bad.toml:2"),
            "{path}: {err}"
        );
    }
    let c = components().join("inventory.wasm");
    for (extra, expected) in [
        (
            "[component.grants]\nnetwork = [\"https://x.com\"]",
            "not a URL",
        ),
        ("[component.limits]\nmemory = \"9G\"", "over the most"),
        (
            "[component.grants]\nfiles = { \"/a\" = { from = \"/workspace\", mode = \"rw\" }, \"/b\" = { from = \"/workspace/in\", mode = \"ro\" } }",
            "may not overlap",
        ),
        (
            "[component.grants]\nfiles = { \"data\" = \"ro\" }",
            "must be absolute",
        ),
        ("[component.describe]\nnope = \"x\"", "does not export"),
    ] {
        std::fs::write(
            dir.path("bad.toml"),
            format!(
                "[[component]]\nname = \"x\"\npath = \"{}\"\n{extra}\n",
                c.display()
            ),
        )
        .unwrap();
        let out = dir.airlock(&["check", &dir.path("bad.toml").display().to_string()]);
        assert_eq!(out.status.code(), Some(2), "{extra}");
        assert!(
            text(&out.stderr).contains(expected),
            "{extra}: {}",
            text(&out.stderr)
        );
    }
}

const MCP_CLIENT: &str = r#"
import asyncio, json, sys
from mcp import Client
from mcp.client.stdio import StdioServerParameters

async def main():
    server = StdioServerParameters(command=sys.argv[1], args=["serve", "--config", sys.argv[2]])
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        run = next(t for t in tools if t.name == "run")
        assert "inventory" in run.description, run.description
        result = await client.call_tool("run", {"code": "return (await stats.area({s: {tag: 'circle', val: 1}})) > 3.14"})
        text = "".join(getattr(c, "text", "") for c in result.content)
        assert "true" in text, text
        result = await client.call_tool("run", {"code": "tool textkit/text/analyse --text 'a b c'", "language": "shell"})
        text = "".join(getattr(c, "text", "") for c in result.content)
        assert '"words":3' in text.replace(" ", ""), text
        print("all checks passed")

asyncio.run(main())
"#;

#[test]
fn an_mcp_client_gets_component_tools_in_run() {
    let dir = Dir::new(1);
    std::fs::write(dir.path("client.py"), MCP_CLIENT).unwrap();
    let out = Command::new(peers_python())
        .args([
            &dir.path("client.py").display().to_string(),
            airlock(),
            &dir.config(),
        ])
        .current_dir(dir.0.path())
        .output()
        .expect("run the Python client");
    assert_success(&out);
    assert!(text(&out.stdout).contains("all checks passed"));
}
