//! One batch of tool calls from the guest, through the whole pipeline.
//!
//! The guest sends `[{"tool": NAME, "args": {...}, "line": N}, ...]`: every call its script
//! started before it had to wait (one for `await t()`, many for `Promise.all`). Decisions
//! (schema, policy, layers before the call) are taken one call at a time, in order, so budgets
//! are exact; the allowed calls then run concurrently; the layers after the call and the result
//! bounds follow; the answer is one outcome per call, in order.

use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

use airlock_journal::{
    ApprovalEntry, CallEntry, CallError, Decision, FileEntry, LayerEntry, canonical,
    canonical_string, rfc3339_millis, sha256_hex,
};
use airlock_policy::Grant;
use airlock_tools::{CallContext, CallLog, FileChange, FileChanges, apply_changes};
use serde::Deserialize;
use serde_json::Value;

use crate::layer::{ApprovalReport, CallReport, LayerDecision};
use crate::record::{Code, Refusal, ToolCall};
use crate::replay::{Served, short};
use crate::wait::{Pending, run_all};
use crate::{RunTools, Toolset};

/// Approvals one run may ask for. Each waits for a person and does not count against the
/// run's time, so a script calling a gated tool in a loop could otherwise keep a run (and a
/// person) busy for as long as it likes; honest scripts ask a handful.
pub const MAX_APPROVALS_PER_RUN: u64 = 64;

/// Largest batch, in bytes of JSON: several calls' worth of the per-call argument limit. The
/// guest splits bigger batches.
pub const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// Why the pipeline ended a run from inside a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchExit {
    /// The run's deadline passed while tools were running.
    Timeout,
    /// A replayed script made a call the recording did not (the reason is in
    /// [`RunTools::stopped`]).
    Diverged,
    /// A call waits for a human and nobody can answer now: the run stops with the approval
    /// pending, to be resumed (the reason is in [`RunTools::stopped`]).
    Pending,
}

impl std::fmt::Display for BatchExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Timeout => "deadline reached",
            Self::Diverged => "replay diverged",
            Self::Pending => "approval pending",
        })
    }
}

impl std::error::Error for BatchExit {}

mod layers;

use layers::{after_layers, before_layers, layer_call};

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
    /// The call's index in its run.
    index: u64,
    /// The arguments the script sent, when a layer rewrote them: the journal keeps these, so a
    /// replay (which sees only what the script sends) matches the call.
    sent: Option<Value>,
    rule: Option<String>,
    /// What the policy counted, released if a layer refuses the call.
    grant: Option<Grant>,
    /// When the decision was taken, on the session's clock (unix time).
    at: Duration,
    started: SystemTime,
    began: Instant,
    outcome: Option<Result<Value, Refusal>>,
    /// How long the tool ran.
    duration: Duration,
    /// Positions of the layers whose `before` let the call on: their `after` runs.
    passed: Vec<usize>,
    decisions: Vec<LayerDecision>,
    approvals: Vec<ApprovalReport>,
    /// The approvals asked, as journaled.
    asked: Vec<ApprovalEntry>,
    /// What the tool noted beside its result.
    log: CallLog,
    /// Where the tool hands back the changes it made to the session's files.
    changes: FileChanges,
    /// The changes applied to the session's files (a call that succeeded), as journaled.
    applied: Vec<FileChange>,
}

fn no_args() -> Value {
    Value::Object(serde_json::Map::new())
}

/// Serves one batch. Errors end the run: the deadline passed while tools were running, a
/// replay diverged, or an approval is pending with nobody to answer it. A human's wait moves
/// `deadline` by its length.
///
/// # Errors
/// [`BatchExit`] when the run must end.
pub fn call_batch(
    tools: &mut RunTools,
    arg: &[u8],
    deadline: &mut Option<Instant>,
) -> Result<Vec<u8>, BatchExit> {
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
    let ran = if tools.session.replay.as_ref().is_some_and(|r| r.serving()) {
        serve_replay(tools, &mut calls)
    } else {
        Ok(())
    };
    let ran = ran.and_then(|()| execute(tools, &mut calls, deadline));
    match ran {
        Ok(()) => Ok(finish(tools, calls)),
        // Calls the deadline cut off are still journaled and reported, as failed.
        Err(BatchExit::Timeout) => {
            finish(tools, calls);
            Err(BatchExit::Timeout)
        }
        Err(BatchExit::Pending) => {
            finish_pending(tools, calls);
            Err(BatchExit::Pending)
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
        index: tools.calls,
        sent: None,
        rule: None,
        grant: None,
        at,
        started: SystemTime::now(),
        began: Instant::now(),
        outcome: None,
        duration: Duration::ZERO,
        passed: Vec::new(),
        decisions: Vec::new(),
        approvals: Vec::new(),
        asked: Vec::new(),
        log: CallLog::default(),
        changes: FileChanges::default(),
        applied: Vec::new(),
    };
    let limits = &tools.limits;
    let replaying = tools.session.replay.as_ref().is_some_and(|r| r.serving());
    let refusal = if tools.calls >= limits.calls_per_run {
        Some(Refusal::new(
            Code::TooBig,
            format!(
                "{}: this run already made {} tool calls, the limit per run",
                call.tool, limits.calls_per_run
            ),
        ))
    } else if known.is_none() && !replaying {
        Some(unknown_tool(&tools.set, &call.tool))
    } else if call.args_bytes > limits.args_bytes {
        Some(Refusal::new(
            Code::TooBig,
            format!(
                "{}: arguments of {} bytes exceed the limit of {} bytes",
                call.tool, call.args_bytes, limits.args_bytes
            ),
        ))
    } else if depth(&call.args) > limits.depth {
        Some(Refusal::new(
            Code::TooBig,
            format!(
                "{}: arguments nest deeper than {} levels",
                call.tool, limits.depth
            ),
        ))
    } else if !call.args.is_object() {
        Some(Refusal::new(
            Code::Invalid,
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
    if let Some(refusal) = refusal {
        call.outcome = Some(Err(refusal));
    }
    call
}

/// Schema, policy, the layers before the call, the tools themselves, and the layers after.
fn execute(
    tools: &mut RunTools,
    calls: &mut [Call],
    deadline: &mut Option<Instant>,
) -> Result<(), BatchExit> {
    let set = tools.set.clone();
    let mut pending = Vec::new();
    let mut waiting = Vec::new();
    // The files the tools that want them see: one snapshot for the whole batch, taken before
    // any call of it changed them.
    let mut snapshot: Option<std::sync::Arc<airlock_vfs::Vfs>> = None;
    #[expect(
        clippy::needless_range_loop,
        reason = "each step borrows `tools` and one call mutably, and `waiting` keeps indexes"
    )]
    for i in 0..calls.len() {
        if calls[i].outcome.is_some() {
            continue;
        }
        if let Some(why) = tools.session.journal.as_ref().and_then(|j| j.failure()) {
            let call = &mut calls[i];
            call.outcome = Some(Err(Refusal::new(
                Code::Unavailable,
                format!(
                    "{}: {why}; tool calls are refused so that none goes unrecorded",
                    call.tool
                ),
            )));
            continue;
        }
        let timeout = match decide(&set, tools, &mut calls[i]) {
            Ok(timeout) => timeout,
            Err(refusal) => {
                calls[i].outcome = Some(Err(refusal));
                continue;
            }
        };
        if !set.layers().is_empty() {
            let waited = before_layers(&set, tools, &mut calls[i])?;
            // A human's wait does not count against the run's own time.
            if let Some(d) = deadline.as_mut() {
                *d += waited;
            }
            if calls[i].outcome.is_some() {
                continue;
            }
        }
        let call = &calls[i];
        let Some(entry) = set.toolbox().get(&call.tool) else {
            continue;
        };
        let mut cx = CallContext::default();
        cx.run = tools.run;
        cx.call = call.index;
        cx.log = call.log.clone();
        if entry.tool().wants_files() {
            if snapshot.is_none() {
                snapshot = tools.vfs.as_ref().map(|v| std::sync::Arc::new(v.clone()));
            }
            cx.files.clone_from(&snapshot);
            cx.changes = call.changes.clone();
        }
        pending.push(Pending {
            name: entry.spec().name.clone(),
            future: entry.tool().call(call.args.clone(), cx),
            timeout,
        });
        waiting.push(i);
    }
    if !pending.is_empty() {
        run_tools(&set, tools, calls, pending, &waiting, *deadline)?;
    }
    if !set.layers().is_empty() {
        for call in calls.iter_mut() {
            after_layers(&set, tools, call);
        }
    }
    for call in calls.iter_mut() {
        if let Some(Ok(value)) = &mut call.outcome {
            let value = std::mem::take(value);
            call.outcome = Some(check_result(&set, tools, call, value));
        }
    }
    for call in calls.iter_mut() {
        apply_file_changes(tools, call);
    }
    Ok(())
}

/// Applies the changes a call made to the session's files, in call order, all or none. A call
/// that failed changes nothing; changes the files cannot take fail the call.
fn apply_file_changes(tools: &mut RunTools, call: &mut Call) {
    let changes = call.changes.take();
    if changes.is_empty() {
        return;
    }
    if !matches!(call.outcome, Some(Ok(_))) {
        call.log.write(&format!(
            "files: {} change(s) discarded because the call failed",
            changes.len()
        ));
        return;
    }
    let Some(vfs) = tools.vfs.as_mut() else {
        call.outcome = Some(Err(Refusal::new(
            Code::Unavailable,
            format!(
                "{}: the call changed files, but the session's files were not lent to this batch",
                call.tool
            ),
        )));
        return;
    };
    match apply_changes(vfs, &changes) {
        Ok(()) => call.applied = changes,
        Err(e) => {
            let code = if e.code == airlock_vfs::ErrorCode::NoSpc {
                Code::TooBig
            } else {
                Code::Tool
            };
            call.outcome = Some(Err(Refusal::new(
                code,
                format!(
                    "{}: its changes to the session's files could not be applied ({e}), so none was; a tool's writes count against the session's file limits and must stay in writable places (/workspace, /tmp)",
                    call.tool
                ),
            )));
        }
    }
}

/// Runs the allowed calls of a batch concurrently, within the run's deadline.
fn run_tools(
    set: &Toolset,
    tools: &RunTools,
    calls: &mut [Call],
    pending: Vec<Pending>,
    waiting: &[usize],
    deadline: Option<Instant>,
) -> Result<(), BatchExit> {
    let rt = match set.runtime() {
        Ok(rt) => rt,
        Err(why) => {
            for &i in waiting {
                calls[i].outcome = Some(Err(Refusal::new(Code::Unavailable, why.clone())));
            }
            return Ok(());
        }
    };
    let Some(finished) = run_all(
        rt,
        pending,
        tools.limits.concurrency,
        deadline,
        &tools.interrupt,
    ) else {
        for &i in waiting {
            calls[i].outcome = Some(Err(Refusal::new(
                Code::Timeout,
                "the run's time limit ended the call",
            )));
        }
        return Err(BatchExit::Timeout);
    };
    for (&i, (result, took)) in waiting.iter().zip(finished) {
        let call = &mut calls[i];
        call.duration = took;
        call.outcome = Some(match result {
            Ok(value) => Ok(value),
            Err(e) => Err(Refusal::new(Code::of_tool_error(e.kind()), e.to_string())
                .with_data(e.data().cloned())),
        });
    }
    Ok(())
}

/// Resolves the tool, checks the arguments against its schema, and asks the policy. Returns
/// the call's time limit.
fn decide(set: &Toolset, tools: &mut RunTools, call: &mut Call) -> Result<Duration, Refusal> {
    let Some(entry) = set.toolbox().get(&call.tool) else {
        return Err(unknown_tool(set, &call.tool));
    };
    entry
        .check_input(&call.args)
        .map_err(|why| Refusal::new(Code::Invalid, format!("{}: {why}", call.tool)))?;
    let now = tools.session.clock.monotonic();
    let grant = set
        .policy()
        .decide(&mut tools.session.policy, &call.tool, &call.args, now)
        .map_err(|denial| Refusal::new(Code::Policy, denial.message))?;
    call.rule.clone_from(&grant.rule);
    call.grant = Some(grant);
    Ok(entry.spec().timeout.unwrap_or(tools.limits.timeout))
}

/// Gives back the budget a call's grant counted: the call will not run.
fn release(set: &Toolset, tools: &mut RunTools, call: &mut Call) {
    if let Some(grant) = call.grant.take() {
        set.policy().release(&mut tools.session.policy, &grant);
    }
}

fn unknown_tool(set: &Toolset, name: &str) -> Refusal {
    let similar = set.toolbox().similar(name);
    let hint = if !similar.is_empty() {
        format!("did you mean {}?", similar.join(", "))
    } else if set.toolbox().is_empty() {
        "this sandbox has no tools".to_string()
    } else {
        let names: Vec<_> = set.visible().map(|s| s.name.as_str()).take(20).collect();
        format!("available tools: {}", names.join(", "))
    };
    Refusal::new(Code::NotFound, format!("{name}: unknown tool; {hint}"))
}

/// Bounds a result and checks it against the tool's output schema.
fn check_result(
    set: &Toolset,
    tools: &RunTools,
    call: &Call,
    value: Value,
) -> Result<Value, Refusal> {
    let max_bytes = tools.limits.result_bytes;
    let max_depth = tools.limits.depth;
    let bytes = json_len(&value);
    if bytes > max_bytes {
        return Err(Refusal::new(
            Code::TooBig,
            format!(
                "{}: the result is {bytes} bytes, over the limit of {max_bytes} bytes",
                call.tool
            ),
        ));
    }
    if depth(&value) > max_depth {
        return Err(Refusal::new(
            Code::TooBig,
            format!(
                "{}: the result nests deeper than {max_depth} levels",
                call.tool
            ),
        ));
    }
    if let Some(entry) = set.toolbox().get(&call.tool) {
        entry.check_output(&value).map_err(|why| {
            Refusal::new(
                Code::Tool,
                format!("{}: the tool broke its output schema: {why}", call.tool),
            )
        })?;
    }
    Ok(value)
}

/// Replay: calls are answered from the recording, refused ones included (the recording holds
/// their refusal too); a different call ends the run. A resumed run goes live where the
/// recording stopped at a pending approval.
fn serve_replay(tools: &mut RunTools, calls: &mut [Call]) -> Result<(), BatchExit> {
    let run = tools.run;
    let set = tools.set.clone();
    let Some(replay) = tools.session.replay.as_mut() else {
        return Ok(());
    };
    for call in calls.iter_mut() {
        if !replay.serving() {
            break;
        }
        match replay.serve(run, &call.tool, &call.args) {
            Served::Outcome(outcome, rule, files) => {
                call.rule = rule;
                call.changes.set(files);
                call.outcome = Some(outcome.map_err(|(code, message, data)| {
                    Refusal::new(Code::from_journal(&code), message).with_data(data)
                }));
                // A resumed run counts what it serves against the budgets, so the live part
                // that follows has what the recorded run had left.
                if replay.counts_budgets() && matches!(call.outcome, Some(Ok(_))) {
                    let now = tools.session.clock.monotonic();
                    let _ =
                        set.policy()
                            .decide(&mut tools.session.policy, &call.tool, &call.args, now);
                }
            }
            Served::Live => break,
            Served::Pending(why) => {
                tools.stopped = Some(why);
                return Err(BatchExit::Pending);
            }
            Served::Diverged(why) => {
                tools.stopped = Some(why);
                return Err(BatchExit::Diverged);
            }
        }
    }
    Ok(())
}

/// The answer for the guest.
fn finish(tools: &mut RunTools, calls: Vec<Call>) -> Vec<u8> {
    journal_all(tools, &calls);
    let mut out = String::from("[");
    for (i, call) in calls.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let outcome = call.outcome.clone().unwrap_or(Ok(Value::Null));
        match &outcome {
            Ok(value) => {
                let _ = write!(out, "{{\"ok\":true,\"value\":{value}}}");
            }
            Err(e) => {
                let _ = write!(
                    out,
                    "{{\"ok\":false,\"code\":{},\"message\":{}",
                    Value::from(e.code.as_str()),
                    Value::from(e.message.as_str())
                );
                if let Some(data) = &e.data {
                    let _ = write!(out, ",\"data\":{data}");
                }
                out.push('}');
            }
        }
        record(tools, call, outcome);
    }
    out.push(']');
    out.into_bytes()
}

/// A batch stopped at a pending approval: only the pending call is journaled (at the batch's
/// place), so a resume serves everything before the batch and runs the whole batch live.
fn finish_pending(tools: &mut RunTools, mut calls: Vec<Call>) {
    let Some(at) = calls
        .iter()
        .position(|c| c.outcome.is_none() && c.asked.iter().any(|a| a.status == "pending"))
    else {
        return;
    };
    let set = tools.set.clone();
    for call in &mut calls {
        release(&set, tools, call);
    }
    let call = calls.swap_remove(at);
    journal_all(tools, std::slice::from_ref(&call));
}

/// Records one finished call in the run's output and tells the layers.
fn record(tools: &mut RunTools, call: Call, outcome: Result<Value, Refusal>) {
    let error = outcome.as_ref().err().map(Refusal::to_error);
    let result = outcome.as_ref().ok().cloned();
    let result_bytes = result.as_ref().map_or(0, json_len);
    if !tools.set.layers().is_empty() {
        let report = CallReport {
            call: layer_call(tools, &call),
            outcome: outcome.map_err(|r| r.to_error()),
            started: call.started,
            took: call.began.elapsed(),
            tool_took: call.duration,
            layers: call.decisions,
            approvals: call.approvals,
        };
        for layer in tools.set.layers().all() {
            layer.observe_call(&report);
        }
    }
    tools.records.push(
        ToolCall {
            tool: call.tool,
            args: Some(call.args),
            rule: call.rule,
            result,
            error,
            duration: call.duration,
            line: call.line,
            log: call.log.text(),
        },
        call.args_bytes,
        result_bytes,
    );
}

fn journal_all(tools: &mut RunTools, calls: &[Call]) {
    let virtual_clock = tools.session.clock.is_virtual();
    let run = tools.run;
    let redactor = tools.set.layers().redactor().cloned();
    let Some(journal) = tools.session.journal.as_mut() else {
        return;
    };
    let threshold = journal.result_threshold;
    for call in calls {
        let (result, result_size, result_sha256, error) = match &call.outcome {
            Some(Ok(value)) => {
                let mut value = value.clone();
                if let Some(r) = &redactor {
                    r.redact_value(&mut value);
                }
                let (result, size, sha) = airlock_journal::result_fields(&value, threshold);
                (result, Some(size), Some(sha), None)
            }
            Some(Err(e)) => (
                None,
                None,
                None,
                Some(CallError {
                    data: e.data.clone(),
                    code: e.code.as_str().to_string(),
                    message: redactor
                        .as_ref()
                        .map_or_else(|| e.message.clone(), |r| r.redact_text(&e.message)),
                }),
            ),
            None => (None, None, None, None),
        };
        let decision = match &call.outcome {
            None if !call.asked.is_empty() => Decision::Pending,
            Some(Err(e)) if e.code.is_denial() => Decision::Deny,
            _ => Decision::Allow,
        };
        let mut args = canonical(call.sent.as_ref().unwrap_or(&call.args));
        let mut args_sha256 = None;
        if let Some(r) = &redactor {
            let before = args.clone();
            r.redact_value(&mut args);
            if args != before {
                args_sha256 = Some(sha256_hex(canonical_string(&before).as_bytes()));
            }
        }
        let index = tools.journaled;
        tools.journaled += 1;
        journal.call(CallEntry {
            time: rfc3339_millis(call.at.as_millis() as u64),
            run,
            call: index,
            tool: call.tool.clone(),
            args,
            args_sha256,
            decision,
            rule: call.rule.clone(),
            layers: call
                .decisions
                .iter()
                .map(|d| LayerEntry {
                    layer: d.layer.clone(),
                    stage: d.stage.as_str().to_string(),
                    decision: d.decision.to_string(),
                    reason: d.reason.as_ref().map(|r| {
                        redactor
                            .as_ref()
                            .map_or_else(|| r.clone(), |red| red.redact_text(r))
                    }),
                })
                .collect(),
            approvals: call.asked.clone(),
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
            log: call.log.text().map(|t| {
                redactor
                    .as_ref()
                    .map_or_else(|| t.clone(), |r| r.redact_text(&t))
            }),
            files: file_entries(&call.applied, threshold),
            ..CallEntry::default()
        });
    }
}

/// The journal's record of a call's file changes. Contents are kept while each file is no
/// larger than `threshold` and the call's kept contents stay within [`FILES_KEPT_PER_CALL`]
/// (one journal line must stay under its bound); past that, only size and hash.
fn file_entries(changes: &[FileChange], threshold: usize) -> Vec<FileEntry> {
    let mut kept = 0usize;
    changes
        .iter()
        .map(|change| {
            let mut entry = FileEntry {
                op: change.op().to_string(),
                path: change.path().to_string(),
                ..FileEntry::default()
            };
            if let FileChange::Write { data, .. } = change {
                let room = threshold.min(FILES_KEPT_PER_CALL.saturating_sub(kept));
                let (data, size, sha) = airlock_journal::file_fields(data, room);
                kept += data.as_ref().map_or(0, String::len);
                entry.data = data;
                entry.size = Some(size);
                entry.sha256 = Some(sha);
            }
            entry
        })
        .collect()
}

/// Bytes of file contents one call's journal entry keeps, at most.
const FILES_KEPT_PER_CALL: usize = 16 << 20;

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
pub fn list_tools(set: &Toolset) -> Vec<u8> {
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
