//! Components as tools: the host's overhead of one call to a trivial Rust component export
//! (fresh instance from `InstancePre` and the pooling allocator, JSON to WIT values and back)
//! against a no-op Rust closure tool; 100 concurrent calls to a component that sleeps 100 ms;
//! and a new process's first call to the ~18 MB Python component once it is in the compile cache.
//!
//! The components are the examples built by `scripts/components.sh` (`$AIRLOCK_COMPONENTS`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use airlock::components::{ComponentHost, ComponentSpec};
use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Sandbox, SandboxConfig, Toolset};
use serde_json::Value;

use crate::tools::median_run;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const CALLS: u32 = 5_000;

pub fn dir() -> Result<PathBuf> {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    if !dir.join("stats.wasm").exists() {
        return Err(format!(
            "no example components in {}: run `bash scripts/components.sh`",
            dir.display()
        )
        .into());
    }
    Ok(dir)
}

pub fn run() -> Result<()> {
    let dir = dir()?;
    let host = ComponentHost::shared(false)?;
    let inventory = host.load_file(&dir.join("inventory.wasm"), ComponentSpec::new("inventory"))?;
    let mut toolbox = Toolbox::new();
    for tool in inventory.tools(|n| n == "echo" || n == "nap") {
        toolbox.add(tool)?;
    }
    toolbox.add(tool_fn(ToolSpec::new("noop", "Does nothing"), |_| async {
        Ok(Value::Null)
    }))?;
    let mut config = SandboxConfig::default();
    config.limits.tool_calls_per_run = u64::from(CALLS) * 2;
    config.limits.timeout = Some(Duration::from_secs(120));
    let sandbox_tools = Toolset::new(toolbox, Policy::allow_all());
    config.tools = sandbox_tools.clone();
    let sandbox = Sandbox::new(config)?;
    let mut session = sandbox.session();

    let noop = format!("for (let i = 0; i < {CALLS}; i++) await noop({{}});");
    let echo = format!("for (let i = 0; i < {CALLS}; i++) await inventory.echo({{n: i}});");
    let closure = median_run(&mut session, &noop, 5)?;
    let component = median_run(&mut session, &echo, 5)?;
    let per = |t: Duration| t.as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "{:<52} {:>10.1} us   (no-op closure tool {:.1} us; host overhead {:.1} us)   target <= 50 us",
        "sequential component calls from JS (echo, Rust)",
        per(component),
        per(closure),
        per(component) - per(closure),
    );

    let naps = "await Promise.all(Array.from({length: 100}, () => inventory.nap({ms: 100})));";
    let t = median_run(&mut session, naps, 5)?;
    // The sandbox runs at most `tool_concurrency` calls of a batch at once (16 by default).
    let mut wide = SandboxConfig::default();
    wide.limits.tool_concurrency = 100;
    wide.tools = sandbox_tools;
    let wide = Sandbox::new(wide)?;
    let t_wide = median_run(&mut wide.session(), naps, 5)?;
    println!(
        "{:<52} {:>10.0} ms   (tool_concurrency 16: {:.0} ms)   target about 100 ms",
        "100 concurrent calls, each sleeping 100 ms",
        t_wide.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e3
    );

    // A new process, with the Python component already compiled into the cache.
    let stats = dir.join("stats.wasm");
    let exe = std::env::current_exe()?;
    let first = Command::new(&exe)
        .arg("component-first-call")
        .arg(&stats)
        .output()?;
    if !first.status.success() {
        return Err(String::from_utf8_lossy(&first.stderr).into_owned().into());
    }
    let mut samples = Vec::new();
    for _ in 0..5 {
        let out = Command::new(&exe)
            .arg("component-first-call")
            .arg(&stats)
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        samples.push(
            text.trim()
                .parse::<f64>()
                .map_err(|_| format!("no timing in {text:?}"))?,
        );
    }
    samples.sort_by(f64::total_cmp);
    println!(
        "{:<52} {:>10.1} ms   ({:.1}..{:.1})   target <= 50 ms",
        "new process: load Python component (cached) + 1st call",
        samples[2],
        samples[0],
        samples[4]
    );
    Ok(())
}

/// In a fresh process: loads the component (mapped from the compile cache) and makes its first
/// call; prints the milliseconds both took.
pub fn first_call(path: &str) -> Result<()> {
    let started = Instant::now();
    let host = ComponentHost::shared(false)?;
    let stats = host.load_file(path.as_ref(), ComponentSpec::new("stats"))?;
    let tool = stats
        .tools(|n| n == "describe")
        .pop()
        .ok_or("no stats/describe")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let value = rt.block_on(tool.call(
        serde_json::json!({"values": [1.0, 2.0]}),
        Default::default(),
    ))?;
    let took = started.elapsed();
    if value["count"] != 2 {
        return Err(format!("unexpected result {value}").into());
    }
    println!("{:.3}", took.as_secs_f64() * 1e3);
    Ok(())
}
