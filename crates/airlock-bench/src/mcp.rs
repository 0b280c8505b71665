//! MCP: the `run` round trip from the official Python SDK over stdio, and the overhead of a
//! call through airlock to an upstream MCP tool compared with calling it directly. Needs the
//! peers `scripts/peers.sh` installs (skipped, with a note, without them).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use airlock::policy::Policy;
use airlock::tool::Toolbox;
use airlock::{Language, Sandbox, SandboxConfig, Toolset};
use airlock_mcp::{Upstream, UpstreamConfig};
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const CALLS: u32 = 1000;

pub fn peers() -> PathBuf {
    std::env::var_os("AIRLOCK_PEERS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/airlock-peers"),
        PathBuf::from,
    )
}

pub fn run() -> Result<()> {
    let peers = peers();
    let python = peers.join("venv/bin/python");
    let everything =
        peers.join("npm/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    if !python.is_file() || !everything.is_file() {
        println!(
            "(skipping MCP: the peers are not in {}; `bash scripts/peers.sh` installs them)",
            peers.display()
        );
        return Ok(());
    }
    python_round_trip(&python)?;
    upstream_overhead(&everything)
}

/// `run` with `return 1`, from the Python SDK's client, over stdio.
fn python_round_trip(python: &Path) -> Result<()> {
    let exe = std::env::current_exe()?.with_file_name("airlock");
    if !exe.exists() {
        println!(
            "(skipping the MCP round trip: build the CLI first: cargo build --release -p airlock-cli)"
        );
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("airlock-bench-mcp-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = dir.join("airlock.toml");
    std::fs::write(&config, "")?;
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../airlock-mcp/tests/peers/client.py");
    let out = Command::new(python)
        .arg(client)
        .args(["bench", "stdio"])
        .arg(&exe)
        .arg(&config)
        .arg("500")
        .output()?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        return Err(format!(
            "the Python MCP client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    println!(
        "{:<52} {:>10.3} ms   (p90 {:.3}, min {:.3})   target <= 2 ms",
        "MCP run `return 1`, Python SDK client over stdio",
        figures["median_ms"].as_f64().unwrap_or(f64::NAN),
        figures["p90_ms"].as_f64().unwrap_or(f64::NAN),
        figures["min_ms"].as_f64().unwrap_or(f64::NAN),
    );
    Ok(())
}

/// Sequential `echo` calls to server-everything: directly with an rmcp client, and from a
/// script through airlock's pipeline (schema, policy, journal-free session).
fn upstream_overhead(everything: &Path) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let argv = vec![
        "node".to_string(),
        everything.display().to_string(),
        "stdio".to_string(),
    ];
    let direct = runtime.block_on(async {
        let mut command = tokio::process::Command::new(&argv[0]);
        command.args(&argv[1..]);
        let (transport, _) = TokioChildProcess::builder(command)
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let client = ().serve(transport).await?;
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            for _ in 0..CALLS {
                let serde_json::Value::Object(args) = json!({ "message": "hi" }) else {
                    unreachable!()
                };
                client
                    .call_tool(CallToolRequestParams::new("echo").with_arguments(args))
                    .await?;
            }
            best = best.min(t.elapsed());
        }
        client.cancel().await?;
        Ok::<_, Box<dyn std::error::Error>>(best / CALLS)
    })?;

    let upstream = runtime.block_on(Upstream::connect(UpstreamConfig::command(
        "everything",
        argv,
    )))?;
    let mut toolbox = Toolbox::new();
    for tool in upstream.tools() {
        toolbox.add(Arc::clone(tool))?;
    }
    let policy = Policy::from_toml(
        "[[allow]]\ntools = \"everything/echo\"\n[allow.args]\nmessage = { starts_with = \"hi\" }\n",
        "bench.toml",
    )?;
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(toolbox, policy);
    config.limits.tool_calls_per_run = u64::from(CALLS) * 2;
    config.limits.timeout = Some(Duration::from_secs(120));
    let sandbox = Sandbox::new(config)?;
    let mut session = sandbox.session();
    let code =
        format!("for (let i = 0; i < {CALLS}; i++) await everything.echo({{ message: 'hi' }});");
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let out = session.run(Language::JavaScript, &code)?;
        if !out.success() {
            return Err(out.stderr_text().into());
        }
        best = best.min(t.elapsed());
    }
    let through = best / CALLS;
    println!(
        "{:<52} {:>10.3} ms   (direct {:.3} ms; airlock {:.3} ms)   target <= 1 ms",
        "upstream MCP call: airlock's overhead per call",
        (through.as_secs_f64() - direct.as_secs_f64()) * 1000.0,
        direct.as_secs_f64() * 1000.0,
        through.as_secs_f64() * 1000.0,
    );
    runtime.block_on(upstream.shutdown());
    drop(session);
    drop(sandbox);
    Ok(())
}
