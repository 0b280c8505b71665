//! One batch of tool calls from the guest, through the whole pipeline.
//!
//! The guest sends `[{"tool": NAME, "args": {...}, "line": N}, ...]`: every call its script
//! started before it had to wait (one for `await t()`, many for `Promise.all`). Decisions are
//! taken one call at a time, in order, so budgets are exact; the allowed calls then run
//! concurrently; the answer is one outcome per call, in order.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use airlock_journal::{CallEntry, CallError, Decision, canonical, rfc3339_millis};
use airlock_tools::CallContext;
use serde::Deserialize;
use serde_json::Value;

use super::record::{ToolCall, ToolCallError};
use super::replay::{Served, short};
use super::wait::{Pending, run_all};
use super::{RunTools, Toolset};
use crate::state::HostExit;

/// Largest batch, in bytes of JSON: several calls' worth of the per-call argument limit. The
/// guest splits bigger batches.
pub(crate) const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCall {
    tool: String,
    /// Missing means no arguments; anything but an object (`null` included) is refused.
    #[serde(default = "no_args")]
    args: Value,
    #[serde(default)]
    line: Option<u32>,
}

/// A call on its way through the pipeline.
struct Call {
    tool: String,
    args: Value,
    args_bytes: usize,
    line: Option<u32>,
    rule: Option<String>,
    /// When the decision was taken, on the session's clock (unix time).
    at: Duration,
    outcome: Option<Result<Value, ToolCallError>>,
    duration: Duration,
}

fn no_args() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Serves one batch. Errors end the run: the deadline passed while tools were running, or a
/// replay diverged.
pub(crate) fn call_batch(
    tools: &mut RunTools,
    arg: &[u8],
    deadline: Option<Instant>,
) -> Result<Vec<u8>, HostExit> {
    let raw: Vec<RawCall> = match serde_json::from_slice(arg) {
        Ok(raw) => raw,
        Err(e) => {
            return Ok(batch_error(
                "EINVAL",
                &format!("malformed tool call batch: {e}"),
            ));
        }
    };
    let mut calls: Vec<Call> = raw.into_iter().map(|r| admit(tools, r)).collect();
    let ran = if tools.session.replay.is_some() {
        serve_replay(tools, &mut calls)
    } else {
        execute(tools, &mut calls, deadline)
    };
    match ran {
        Ok(()) => Ok(finish(tools, calls)),
        // Calls the deadline cut off are still journaled and reported, as failed.
        Err(HostExit::Timeout) => {
            finish(tools, calls);
            Err(HostExit::Timeout)
        }
        Err(exit) => Err(exit),
    }
}

/// Resolution and the bounds that do not depend on the tool: the per-run cap, the tool's
/// existence, sizes, depth, shape.
fn admit(tools: &mut RunTools, raw: RawCall) -> Call {
    let args = raw.args;
    let args_bytes = json_len(&args);
    let at = tools.session.clock.unix();
    // Journal, records and policy see the configured name, whichever separator the script used.
    let known = tools
        .set
        .toolbox()
        .get(&raw.tool)
        .map(|t| t.spec().name.clone());
    let mut call = Call {
        tool: known.clone().unwrap_or(raw.tool),
        args,
        args_bytes,
        line: raw.line,
        rule: None,
        at,
        outcome: None,
        duration: Duration::ZERO,
    };
    let limits = &tools.limits;
    let refusal = if tools.calls >= limits.calls_per_run {
        Some((
            "E2BIG",
            format!(
                "{}: this run already made {} tool calls, the limit per run",
                call.tool, limits.calls_per_run
            ),
        ))
    } else if known.is_none() && tools.session.replay.is_none() {
        Some(("ENOENT", unknown_tool(&tools.set, &call.tool).message))
    } else if call.args_bytes > limits.args_bytes {
        Some((
            "E2BIG",
            format!(
                "{}: arguments of {} bytes exceed the limit of {} bytes",
                call.tool, call.args_bytes, limits.args_bytes
            ),
        ))
    } else if depth(&call.args) > limits.depth {
        Some((
            "E2BIG",
            format!(
                "{}: arguments nest deeper than {} levels",
                call.tool, limits.depth
            ),
        ))
    } else if !call.args.is_object() {
        Some((
            "EINVAL",
            format!(
                "{}: a tool takes one object argument, got {}",
                call.tool,
                kind_of(&call.args)
            ),
        ))
    } else {
        None
    };
    tools.calls += 1;
    if let Some((code, message)) = refusal {
        call.outcome = Some(Err(ToolCallError::new(code, message)));
    }
    call
}

/// Schema, policy and the tools themselves.
fn execute(
    tools: &mut RunTools,
    calls: &mut [Call],
    deadline: Option<Instant>,
) -> Result<(), HostExit> {
    let set = tools.set.clone();
    let mut pending = Vec::new();
    let mut waiting = Vec::new();
    for (i, call) in calls.iter_mut().enumerate() {
        if call.outcome.is_some() {
            continue;
        }
        if let Some(why) = tools.session.journal.as_ref().and_then(|j| j.failure()) {
            call.outcome = Some(Err(ToolCallError::new(
                "EUNAVAILABLE",
                format!(
                    "{}: {why}; tool calls are refused so that none goes unrecorded",
                    call.tool
                ),
            )));
            continue;
        }
        match decide(&set, tools, call) {
            Err(error) => call.outcome = Some(Err(error)),
            Ok(timeout) => {
                let Some(entry) = set.toolbox().get(&call.tool) else {
                    continue;
                };
                let cx = CallContext::default();
                let mut cx = cx;
                cx.run = tools.run;
                cx.call = i as u64;
                pending.push(Pending {
                    name: entry.spec().name.clone(),
                    future: entry.tool().call(call.args.clone(), cx),
                    timeout,
                });
                waiting.push(i);
            }
        }
    }
    if pending.is_empty() {
        return Ok(());
    }
    let rt = match set.runtime() {
        Ok(rt) => rt,
        Err(why) => {
            for &i in &waiting {
                calls[i].outcome = Some(Err(ToolCallError::new("EUNAVAILABLE", why.clone())));
            }
            return Ok(());
        }
    };
    let Some(finished) = run_all(rt, pending, tools.limits.concurrency, deadline) else {
        for &i in &waiting {
            calls[i].outcome = Some(Err(ToolCallError::new(
                "ETIMEDOUT",
                "the run's time limit ended the call",
            )));
        }
        return Err(HostExit::Timeout);
    };
    for (&i, (result, took)) in waiting.iter().zip(finished) {
        let call = &mut calls[i];
        call.duration = took;
        call.outcome = Some(match result {
            Ok(value) => check_result(
                &set,
                tools.limits.result_bytes,
                tools.limits.depth,
                call,
                value,
            ),
            Err(e) => Err(ToolCallError::new(e.code(), e.to_string())),
        });
    }
    Ok(())
}

/// Resolves the tool, checks the arguments against its schema, and asks the policy. Returns
/// the call's time limit.
fn decide(set: &Toolset, tools: &mut RunTools, call: &mut Call) -> Result<Duration, ToolCallError> {
    let Some(entry) = set.toolbox().get(&call.tool) else {
        return Err(unknown_tool(set, &call.tool));
    };
    entry
        .check_input(&call.args)
        .map_err(|why| ToolCallError::new("EINVAL", format!("{}: {why}", call.tool)))?;
    let now = tools.session.clock.monotonic();
    let grant = set
        .policy()
        .decide(&mut tools.session.policy, &call.tool, &call.args, now)
        .map_err(|denial| ToolCallError::new("EPOLICY", denial.message))?;
    call.rule = grant.rule;
    Ok(entry.spec().timeout.unwrap_or(tools.limits.timeout))
}

fn unknown_tool(set: &Toolset, name: &str) -> ToolCallError {
    let similar = set.toolbox().similar(name);
    let hint = if !similar.is_empty() {
        format!("did you mean {}?", similar.join(", "))
    } else if set.toolbox().is_empty() {
        "this sandbox has no tools".to_string()
    } else {
        let names: Vec<_> = set.visible().map(|s| s.name.as_str()).take(20).collect();
        format!("available tools: {}", names.join(", "))
    };
    ToolCallError::new("ENOENT", format!("{name}: unknown tool; {hint}"))
}

/// Bounds a result and checks it against the tool's output schema.
fn check_result(
    set: &Toolset,
    max_bytes: usize,
    max_depth: usize,
    call: &Call,
    value: Value,
) -> Result<Value, ToolCallError> {
    let bytes = json_len(&value);
    if bytes > max_bytes {
        return Err(ToolCallError::new(
            "E2BIG",
            format!(
                "{}: the result is {bytes} bytes, over the limit of {max_bytes} bytes",
                call.tool
            ),
        ));
    }
    if depth(&value) > max_depth {
        return Err(ToolCallError::new(
            "E2BIG",
            format!(
                "{}: the result nests deeper than {max_depth} levels",
                call.tool
            ),
        ));
    }
    if let Some(entry) = set.toolbox().get(&call.tool) {
        entry.check_output(&value).map_err(|why| {
            ToolCallError::new(
                "ETOOL",
                format!("{}: the tool broke its output schema: {why}", call.tool),
            )
        })?;
    }
    Ok(value)
}

/// Replay: every call is answered from the recording, refused ones included (the recording
/// holds their refusal too); a different call ends the run.
fn serve_replay(tools: &mut RunTools, calls: &mut [Call]) -> Result<(), HostExit> {
    let run = tools.run;
    let Some(replay) = tools.session.replay.as_mut() else {
        return Ok(());
    };
    for call in calls.iter_mut() {
        match replay.serve(run, &call.tool, &call.args) {
            Served::Outcome(outcome, rule) => {
                call.rule = rule;
                call.outcome =
                    Some(outcome.map_err(|(code, message)| ToolCallError::new(&code, message)));
            }
            Served::Diverged(why) => {
                tools.divergence = Some(why);
                return Err(HostExit::Diverged);
            }
        }
    }
    Ok(())
}

/// Journals and records every call, and encodes the answer for the guest.
fn finish(tools: &mut RunTools, calls: Vec<Call>) -> Vec<u8> {
    journal_all(tools, &calls);
    let mut out = String::from("[");
    for (i, call) in calls.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (result, error) = match call.outcome {
            Some(Ok(value)) => {
                let _ = write!(out, "{{\"ok\":true,\"value\":{value}}}");
                (Some(value), None)
            }
            Some(Err(e)) => {
                let _ = write!(
                    out,
                    "{{\"ok\":false,\"code\":{},\"message\":{}}}",
                    Value::from(e.code.as_str()),
                    Value::from(e.message.as_str())
                );
                (None, Some(e))
            }
            None => {
                out.push_str("{\"ok\":true,\"value\":null}");
                (Some(Value::Null), None)
            }
        };
        let result_bytes = result.as_ref().map_or(0, json_len);
        tools.records.push(
            ToolCall {
                tool: call.tool,
                args: Some(call.args),
                rule: call.rule,
                result,
                error,
                duration: call.duration,
                line: call.line,
            },
            call.args_bytes,
            result_bytes,
        );
    }
    out.push(']');
    out.into_bytes()
}

fn journal_all(tools: &mut RunTools, calls: &[Call]) {
    let virtual_clock = tools.session.clock.is_virtual();
    let run = tools.run;
    let first = tools.calls - calls.len() as u64;
    let Some(journal) = tools.session.journal.as_mut() else {
        return;
    };
    let threshold = journal.result_threshold;
    for (k, call) in calls.iter().enumerate() {
        let (result, result_size, result_sha256, error) = match &call.outcome {
            Some(Ok(value)) => {
                let (result, size, sha) = airlock_journal::result_fields(value, threshold);
                (result, Some(size), Some(sha), None)
            }
            Some(Err(e)) => (
                None,
                None,
                None,
                Some(CallError {
                    code: e.code.clone(),
                    message: e.message.clone(),
                }),
            ),
            None => (None, None, None, None),
        };
        let denied = matches!(&call.outcome, Some(Err(e)) if e.code == "EPOLICY");
        journal.call(CallEntry {
            time: rfc3339_millis(call.at.as_millis() as u64),
            run,
            call: first + k as u64,
            tool: call.tool.clone(),
            args: canonical(&call.args),
            decision: if denied {
                Decision::Deny
            } else {
                Decision::Allow
            },
            rule: call.rule.clone(),
            result,
            result_size,
            result_sha256,
            error,
            // A deterministic journal must not depend on how fast the tools were.
            duration_us: if virtual_clock {
                0
            } else {
                call.duration.as_micros() as u64
            },
            line: call.line,
            ..CallEntry::default()
        });
    }
}

/// The same error for every call of a batch the host could not even read.
fn batch_error(code: &str, message: &str) -> Vec<u8> {
    format!(
        "{{\"ok\":false,\"code\":{},\"message\":{}}}",
        Value::from(code),
        Value::from(message)
    )
    .into_bytes()
}

/// The tools the script may see, for `tools.list()`: name, description and schemas.
pub(crate) fn list_tools(set: &Toolset) -> Vec<u8> {
    let list: Vec<_> = set
        .visible()
        .map(|s| {
            let mut o = serde_json::Map::new();
            o.insert("name".into(), s.name.clone().into());
            o.insert("description".into(), s.description.clone().into());
            o.insert("inputSchema".into(), s.input_schema.clone());
            if let Some(out) = &s.output_schema {
                o.insert("outputSchema".into(), out.clone());
            }
            Value::Object(o)
        })
        .collect();
    serde_json::to_vec(&list).unwrap_or_else(|_| b"[]".to_vec())
}

/// Bytes of `value`'s compact JSON, without building the string.
fn json_len(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

/// Nesting depth: 0 for a scalar, 1 for a flat array or object.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => format!("an object {}", short(value)),
    }
}
