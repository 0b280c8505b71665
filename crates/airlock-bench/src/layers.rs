//! What layers add to a tool call: sequential no-op calls from JavaScript with no layers, with
//! `trace` (exporting to a local sink) and `redact`, and with an `approve` layer whose person is
//! a callback that approves at once. One engine serves every variant: each session gets its own
//! toolset (`Session::set_toolset`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use airlock::pipeline::{Answer, Redact};
use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Approvals, LayerStack, Sandbox, SandboxConfig, Toolset, approver_fn};
use airlock_layers::approve::{ApproveConfig, ApproveLayer};
use airlock_layers::redact::{RedactConfig, RedactLayer};
use airlock_layers::trace::{TraceConfig, TraceLayer};
use serde_json::Value;

use crate::tools::median_run;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const CALLS: u32 = 20_000;

/// An OTLP/HTTP endpoint that accepts every export and keeps nothing, on loopback.
fn sink() -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if reader.get_mut().write_all(reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(format!("http://{addr}"))
}

fn toolset(layers: LayerStack) -> Result<Toolset> {
    let mut toolbox = Toolbox::new();
    toolbox.add(tool_fn(ToolSpec::new("noop", "Does nothing"), |_| async {
        Ok(Value::Null)
    }))?;
    Ok(Toolset::with_layers(toolbox, Policy::allow_all(), layers))
}

pub fn run() -> Result<()> {
    let mut config = SandboxConfig::default();
    config.limits.tool_calls_per_run = u64::from(CALLS) * 2;
    config.limits.timeout = Some(Duration::from_secs(120));
    let sandbox = Sandbox::new(config)?;
    let noop = format!("for (let i = 0; i < {CALLS}; i++) await noop({{}});");

    let redact = RedactLayer::new(&RedactConfig::default())?;
    let redactor: Arc<dyn Redact> = redact.redactor();
    let trace_config = TraceConfig {
        endpoint: Some(sink()?),
        ..TraceConfig::default()
    };
    let trace = Arc::new(TraceLayer::new(trace_config, Some(Arc::clone(&redactor)))?);
    let traced = LayerStack::new()
        .with(
            None,
            Arc::clone(&trace) as Arc<dyn airlock::pipeline::Layer>,
        )
        .with(None, Arc::new(redact))
        .with_redactor(redactor);
    // The same stack with nothing to export to: the layers' plumbing and redaction, without
    // building and shipping spans.
    let quiet_redact = RedactLayer::new(&RedactConfig::default())?;
    let quiet_redactor: Arc<dyn Redact> = quiet_redact.redactor();
    let quiet = LayerStack::new()
        .with(
            None,
            Arc::new(TraceLayer::new(TraceConfig::default(), None)?),
        )
        .with(None, Arc::new(quiet_redact))
        .with_redactor(quiet_redactor);
    let approved =
        LayerStack::new().with(None, Arc::new(ApproveLayer::new(&ApproveConfig::default())));
    // A run asks at most MAX_APPROVALS_PER_RUN approvals: the approve layer is measured over
    // runs of that many calls, against the same runs with no layers.
    let gated_calls = airlock::pipeline::MAX_APPROVALS_PER_RUN as u32;
    let few = format!("for (let i = 0; i < {gated_calls}; i++) await noop({{}});");
    let auto_approve = || Approvals::new().with_approver(approver_fn(|_| Some(Answer::approve())));
    let variants = [
        ("no layers", LayerStack::new(), None, &noop, CALLS),
        ("trace (no endpoint) + redact", quiet, None, &noop, CALLS),
        ("trace (exporting) + redact", traced, None, &noop, CALLS),
        (
            "no layers (short runs)",
            LayerStack::new(),
            None,
            &few,
            gated_calls,
        ),
        (
            "approve, answered by a callback (short runs)",
            approved,
            Some(auto_approve()),
            &few,
            gated_calls,
        ),
    ];
    let mut base = None;
    let mut full_base = 0.0;
    for (name, layers, approvals, code, calls) in variants {
        let mut session = sandbox.session();
        session.set_toolset(toolset(layers)?);
        if let Some(approvals) = approvals {
            session.set_approvals(approvals);
        }
        let t = median_run(&mut session, code, if calls == CALLS { 5 } else { 201 })?;
        let per_call = t.as_secs_f64() * 1e6 / f64::from(calls);
        let added = match base {
            Some(b) if !name.starts_with("no layers") => {
                format!("   (+{:.2} us per call)", per_call - b)
            }
            _ => String::new(),
        };
        if name.starts_with("no layers") {
            base = Some(per_call);
        }
        if name == "no layers" {
            full_base = per_call;
        }
        println!(
            "{:<60} {:>10.0} /s   {:.2} us per call{added}",
            format!("sequential no-op calls, {name}"),
            f64::from(calls) / t.as_secs_f64(),
            per_call,
        );
    }
    trace.shutdown()?;
    component_layer(&sandbox, &noop, full_base)
}

/// A pass-through layer component (the probe fixture, `PROBE=pass`): both hooks run in a
/// reused instance of the layer's own, with the WIT records built and lifted each time.
fn component_layer(sandbox: &Sandbox, code: &str, base: f64) -> Result<()> {
    let dir = crate::components::dir()?;
    let host = airlock::components::ComponentHost::shared(false)?;
    let mut grants = airlock::components::Grants::default();
    grants.env.insert("PROBE".into(), "pass".into());
    let layer = host.load_layer_file(
        &dir.join("probe-layer.wasm"),
        airlock::components::LayerSpec::new("probe").with_grants(grants),
    )?;
    let mut session = sandbox.session();
    session.set_toolset(toolset(LayerStack::new().with(None, Arc::new(layer)))?);
    let t = median_run(&mut session, code, 5)?;
    let per_call = t.as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "{:<60} {:>10.0} /s   {:.2} us per call   (+{:.2} us per call; target <= 30 us)",
        "sequential no-op calls, a pass-through layer component",
        f64::from(CALLS) / t.as_secs_f64(),
        per_call,
        per_call - base,
    );
    Ok(())
}
