//! Calls: each in a fresh store and instance of its own (so no call sees another's memory, and a
//! trap leaves nothing behind), bounded by the component's limits.

use std::sync::Arc;

use airlock_tools::{CallContext, Tool, ToolError, ToolErrorKind, ToolFuture, ToolSpec};
use serde_json::Value;
use wasmtime::component::Val;
use wasmtime::{Store, Trap};

use crate::capture::Capture;
use crate::component::{Function, Inner, LoadedComponent};
use crate::files::CallFiles;
use crate::state::State;
use crate::types;

/// Bytes of stderr quoted in the error of a call that trapped.
const STDERR_TAIL: usize = 2048;

impl LoadedComponent {
    /// The component's functions as tools, those whose name within the component (`function`
    /// or `interface/function`) `offer` accepts. Each tool's timeout is the component's.
    pub fn tools(&self, offer: impl Fn(&str) -> bool) -> Vec<Arc<dyn Tool>> {
        let prefix = format!("{}/", self.inner.name);
        let files = self.inner.grants.files_note();
        self.inner
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| offer(f.tool.strip_prefix(&prefix).unwrap_or(&f.tool)))
            .map(|(at, f)| {
                let description = match &files {
                    Some(note) => format!("{}\n{note}", f.description),
                    None => f.description.clone(),
                };
                let mut spec = ToolSpec::new(f.tool.clone(), description)
                    .with_input_schema(f.input_schema.clone())
                    .with_timeout(self.inner.limits.timeout);
                if let Some(output) = &f.output_schema {
                    spec = spec.with_output_schema(output.clone());
                }
                Arc::new(ComponentTool {
                    spec,
                    inner: Arc::clone(&self.inner),
                    at,
                }) as Arc<dyn Tool>
            })
            .collect()
    }
}

struct ComponentTool {
    spec: ToolSpec,
    inner: Arc<Inner>,
    at: usize,
}

impl Tool for ComponentTool {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, cx: CallContext) -> ToolFuture {
        let inner = Arc::clone(&self.inner);
        let at = self.at;
        Box::pin(async move { call(&inner, &inner.functions[at], &args, &cx).await })
    }

    fn wants_files(&self) -> bool {
        !self.inner.grants.files.is_empty()
    }
}

/// Why a call stopped before the function returned.
enum Stop {
    Timeout,
    Failed(wasmtime::Error),
    /// Its writable folders outgrew the session's file limits.
    Files(String),
}

/// How often the writable folders of a running call are measured.
const FILES_WATCH: std::time::Duration = std::time::Duration::from_millis(20);

async fn call(
    inner: &Inner,
    f: &Function,
    args: &Value,
    cx: &CallContext,
) -> Result<Value, ToolError> {
    let log = &cx.log;
    let params = types::args_to_vals(args, &f.params)
        .map_err(|e| ToolError::failed(format!("{}: {e}", f.tool)))?;
    let limits = &inner.limits;
    let files = if inner.grants.files.is_empty() {
        None
    } else {
        let snapshot = cx.files.as_ref().ok_or_else(|| {
            ToolError::new(
                ToolErrorKind::Unavailable,
                format!(
                    "{}: the component is granted files, but this call came with no session files",
                    f.tool
                ),
            )
        })?;
        Some(
            CallFiles::write(&inner.grants.files, snapshot).map_err(|e| {
                ToolError::new(
                    ToolErrorKind::Unavailable,
                    format!("{}: could not lay out the granted files: {e}", f.tool),
                )
            })?,
        )
    };
    let preopens = files.as_ref().map_or(&[][..], |f| f.preopens.as_slice());
    let watched = files
        .as_ref()
        .filter(|f| f.writable())
        .zip(cx.files.as_deref());
    let stdout = Capture::new(limits.output_bytes);
    let stderr = Capture::new(limits.output_bytes);
    let mut store = Store::new(
        &inner.host.engine,
        State::new(
            &inner.env,
            &stdout,
            &stderr,
            Arc::clone(&inner.network),
            limits.http_response_bytes,
            limits.memory,
            preopens,
        )
        .map_err(|e| ToolError::new(ToolErrorKind::Unavailable, format!("{}: {e:#}", f.tool)))?,
    );
    store.limiter(|s| &mut s.limiter);
    if let Some(fuel) = limits.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| ToolError::new(ToolErrorKind::Unavailable, e.to_string()))?;
    }
    crate::state::arm_deadline(&mut store, limits.timeout, true);
    let _ticking = inner.host.ticker.activate();
    let n = usize::from(f.result.is_some());
    let mut results = vec![Val::Bool(false); n];
    let run = async {
        let instance = inner
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| e.context("starting an instance"))?;
        let func = instance
            .get_func(&mut store, f.index)
            .ok_or_else(|| wasmtime::Error::msg(format!("the export `{}` is missing", f.export)))?;
        func.call_async(&mut store, &params, &mut results).await
    };
    // A component granted writable folders writes to the host's disk: they are measured while
    // it runs, and the call stops once they outgrow what the session could take.
    let watch = async {
        let Some((files, snapshot)) = watched else {
            return std::future::pending().await;
        };
        loop {
            tokio::time::sleep(FILES_WATCH).await;
            if let Some(why) = files.over(snapshot.limits()) {
                return why;
            }
        }
    };
    let bounded = async {
        tokio::select! {
            done = run => done.map_err(|e| {
                if matches!(e.downcast_ref::<Trap>(), Some(Trap::Interrupt)) {
                    Stop::Timeout
                } else {
                    Stop::Failed(e)
                }
            }),
            why = watch => Err(Stop::Files(why)),
        }
    };
    let outcome = match tokio::time::timeout(limits.timeout, bounded).await {
        Ok(done) => done,
        Err(_) => Err(Stop::Timeout),
    };
    let state = store.data();
    let refused = &state.hooks.refused;
    let memory_hit = state.limiter.hit;
    for (name, stream) in [("stdout", &stdout), ("stderr", &stderr)] {
        let text = stream.text();
        if !text.is_empty() {
            log.write(&format!("{name}: {}", text.trim_end()));
        }
    }
    for why in refused {
        log.write(&format!("network: {why}"));
    }
    match outcome {
        Ok(()) => {
            let value = finish(f, results.pop())?;
            if let Some((files, snapshot)) = watched {
                let mut notes = Vec::new();
                let changes = files
                    .changes(snapshot, &mut notes)
                    .map_err(|why| files_error(f, &why))?;
                for note in notes {
                    log.write(&note);
                }
                cx.changes.set(changes);
            }
            Ok(value)
        }
        Err(Stop::Files(why)) => Err(files_error(f, &why)),
        Err(Stop::Timeout) => Err(ToolError::new(
            ToolErrorKind::Timeout,
            format!(
                "{}: the component did not finish within its time limit of {:?}",
                f.tool, limits.timeout
            ),
        )
        .with_hint("raise [component.limits] timeout if the work is expected to take longer")),
        Err(Stop::Failed(e)) => Err(failure(f, &e, memory_hit, limits, &stderr, refused)),
    }
}

fn files_error(f: &Function, why: &str) -> ToolError {
    ToolError::failed(format!(
        "{}: the component's files outgrew the session's limits: {why}; nothing was changed",
        f.tool
    ))
    .with_hint(
        "a component's writes count against the session's file limits ([vfs] max_bytes, max_files)",
    )
}

/// The function's value as the call's result; a top-level `result`'s `err` is a tool error that
/// carries its payload as data.
fn finish(f: &Function, value: Option<Val>) -> Result<Value, ToolError> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    if !f.returns_result() {
        return Ok(types::from_val(&value));
    }
    types::result_to_json(&value).map_err(|data| {
        let message = match &data {
            Value::String(s) => format!("{}: {s}", f.tool),
            Value::Null => format!("{}: the component returned an error", f.tool),
            other => format!(
                "{}: the component returned an error: {}",
                f.tool,
                short_json(other)
            ),
        };
        ToolError::failed(message).with_data(data)
    })
}

fn failure(
    f: &Function,
    e: &wasmtime::Error,
    memory_hit: bool,
    limits: &crate::grants::Limits,
    stderr: &Capture,
    refused: &[String],
) -> ToolError {
    let trap = e.downcast_ref::<Trap>().copied();
    let mut message = match trap {
        Some(Trap::OutOfFuel) => format!(
            "{}: the component ran out of fuel (limit {})",
            f.tool,
            limits.fuel.unwrap_or_default()
        ),
        _ if memory_hit => format!(
            "{}: the component reached its memory limit of {} MiB",
            f.tool,
            limits.memory >> 20
        ),
        Some(trap) => format!("{}: the component trapped: {trap}", f.tool),
        None => format!("{}: the component failed: {e:#}", f.tool),
    };
    let err = stderr.text();
    if !err.trim().is_empty() {
        let tail = crate::capture::tail(&err, STDERR_TAIL);
        message.push_str(&format!("\nstderr: {}", tail.trim_end()));
    }
    for why in refused {
        message.push_str(&format!("\nnetwork: {why}"));
    }
    ToolError::failed(message)
}

fn short_json(v: &Value) -> String {
    let text = v.to_string();
    if text.len() <= 200 {
        return text;
    }
    let mut end = 200;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
