//! Tool-call throughput and batching.

use std::time::{Duration, Instant};

use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Language, Sandbox, SandboxConfig, Toolset};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SEQUENTIAL_CALLS: u32 = 20_000;

fn sandbox() -> Result<Sandbox> {
    let mut toolbox = Toolbox::new();
    toolbox.add(tool_fn(ToolSpec::new("noop", "Does nothing"), |_| async {
        Ok(Value::Null)
    }))?;
    toolbox.add(tool_fn(
        ToolSpec::new("echo", "Returns its arguments"),
        |args| async move { Ok(json!({ "echoed": args })) },
    ))?;
    toolbox.add(tool_fn(ToolSpec::new("nap", "Sleeps 100 ms"), |_| async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(Value::Null)
    }))?;
    let policy = Policy::from_toml(
        "[[allow]]\ntools = \"noop\"\n[[allow]]\ntools = \"echo\"\n[allow.args]\nn = { min = 0 }\n[[allow]]\ntools = \"nap\"\n",
        "bench.toml",
    )?;
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(toolbox, policy);
    config.limits.tool_calls_per_run = u64::from(SEQUENTIAL_CALLS) * 2;
    config.limits.timeout = Some(Duration::from_secs(120));
    Ok(Sandbox::new(config)?)
}

/// Runs `code` `n` times and returns the median wall time of the runs.
pub(crate) fn median_run(session: &mut airlock::Session, code: &str, n: usize) -> Result<Duration> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let out = session.run(Language::JavaScript, code)?;
        if !out.success() {
            return Err(out.stderr_text().into());
        }
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[n / 2])
}

pub fn run() -> Result<()> {
    let sandbox = sandbox()?;
    let mut session = sandbox.session();
    let empty = format!("for (let i = 0; i < {SEQUENTIAL_CALLS}; i++) await Promise.resolve(i);");
    let noop = format!("for (let i = 0; i < {SEQUENTIAL_CALLS}; i++) await noop({{}});");
    let echo = format!("for (let i = 0; i < {SEQUENTIAL_CALLS}; i++) await echo({{ n: i }});");
    let base = median_run(&mut session, &empty, 5)?;
    for (name, code) in [
        ("no-op tool", &noop),
        ("echo tool, 1 constrained arg", &echo),
    ] {
        let t = median_run(&mut session, code, 5)?;
        let per_call = t.saturating_sub(base) / SEQUENTIAL_CALLS;
        println!(
            "{:<52} {:>10.0} /s   ({:.2} us per call beyond the loop; run {:.0} ms)   {}",
            format!("sequential {name} calls from JS"),
            f64::from(SEQUENTIAL_CALLS) / t.as_secs_f64(),
            per_call.as_secs_f64() * 1e6,
            t.as_secs_f64() * 1e3,
            if name == "no-op tool" {
                "target >= 50,000/s"
            } else {
                ""
            }
        );
    }
    let t = median_run(
        &mut session,
        "await Promise.all(Array.from({ length: 10 }, () => nap({})))",
        7,
    )?;
    println!(
        "{:<52} {:>10.1} ms   target about 100 ms",
        "Promise.all of 10 calls to a 100 ms tool",
        t.as_secs_f64() * 1e3
    );
    let t = median_run(&mut session, "for (let i = 0; i < 3; i++) await nap({})", 3)?;
    println!(
        "{:<52} {:>10.1} ms   (reference: sequential)",
        "3 sequential calls to a 100 ms tool",
        t.as_secs_f64() * 1e3
    );
    Ok(())
}
