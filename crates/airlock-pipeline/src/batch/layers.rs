//! The layer stages of a call: the layers before the tool (in order), the approvals they ask
//! for, and the layers after it (in reverse). Every hook is bounded and caught, so a layer
//! that errors, panics or hangs denies the call (fail closed).

use std::time::{Duration, Instant, SystemTime};

use airlock_journal::{ApprovalEntry, canonical_string, sha256_hex};
use serde_json::Value;

use super::{Call, MAX_APPROVALS_PER_RUN, decide, json_len, release};
use crate::approval::{Answer, ApprovalRequest, Waited, unix_ms};
use crate::layer::{After, ApprovalReport, Before, LayerCall, LayerDecision, Stage, call_id};
use crate::record::{Code, Refusal};
use crate::replay::short;
use crate::wait::block_on;
use crate::{BatchExit, RunTools, Toolset};

pub(super) fn layer_call(tools: &RunTools, call: &Call) -> LayerCall {
    let mut view = LayerCall::new(tools.run, call.index, call.tool.clone(), call.args.clone());
    view.rule.clone_from(&call.rule);
    view.line = call.line;
    view.traceparent.clone_from(&tools.traceparent);
    view
}

/// The layers before the call, in order. Sets the call's outcome when one refuses it; returns
/// how long humans were waited for.
pub(super) fn before_layers(
    set: &Toolset,
    tools: &mut RunTools,
    call: &mut Call,
) -> Result<Duration, BatchExit> {
    let mut waited = Duration::ZERO;
    let mut stopping = None;
    let stack = set.layers().clone();
    let tool = call.tool.clone();
    for (pos, layer, timeout) in stack.over(&tool) {
        let view = layer_call(tools, call);
        let started = SystemTime::now();
        let clock = Instant::now();
        let answer = hook(tools, || layer.before(&view), timeout);
        let (decision, reason, refusal) = match answer {
            Err(why) => {
                let refusal = layer_failed(layer.name(), &call.tool, &why);
                ("error", Some(why), Some(refusal))
            }
            Ok(Before::Allow) => ("allow", None, None),
            Ok(Before::Deny(deny)) => {
                let refusal =
                    denied_by(layer.name(), &call.tool, &deny.reason, deny.hint.as_deref());
                ("deny", Some(deny.reason), Some(refusal))
            }
            Ok(Before::Rewrite(args)) => (
                "rewrite",
                None,
                rewrite(set, tools, call, layer.name(), args).err(),
            ),
            Ok(Before::Approve(ask)) => {
                let gate = (pos, layer.as_ref(), timeout);
                match approve(tools, call, gate, ask, view) {
                    Ok((None, human)) => {
                        waited += human;
                        ("approved", None, None)
                    }
                    Ok((Some(r), human)) => {
                        waited += human;
                        ("declined", Some(r.message.clone()), Some(r))
                    }
                    Err(exit) => {
                        // Nobody can answer now: the run stops. The gates after this one are
                        // asked too, so one round of answers lets the call through on resume.
                        stopping = Some(exit);
                        ("pending", None, None)
                    }
                }
            }
        };
        // The time includes a person's wait, if the layer asked for one.
        call.decisions.push(LayerDecision {
            layer: layer.name().to_string(),
            stage: Stage::Before,
            decision,
            reason,
            started,
            took: clock.elapsed(),
        });
        if let Some(refusal) = refusal {
            if stopping.is_some() {
                // A later gate refuses outright: the pending ones are moot, but the run stops
                // all the same and the refusal comes again on resume.
                break;
            }
            release(set, tools, call);
            call.outcome = Some(Err(refusal));
            return Ok(waited);
        }
        if stopping.is_some() && decision == "rewrite" {
            // What later gates would see depends on this rewrite: they are asked on resume.
            break;
        }
        call.passed.push(pos);
    }
    match stopping {
        Some(exit) => {
            let ids: Vec<&str> = call
                .asked
                .iter()
                .filter(|a| a.status == "pending")
                .map(|a| a.id.as_str())
                .collect();
            let prompts: Vec<&str> = call
                .asked
                .iter()
                .filter(|a| a.status == "pending")
                .map(|a| a.prompt.as_str())
                .collect();
            tools.stopped = Some(format!(
                "approval {} pending: {} {}: {}",
                ids.join(", "),
                call.tool,
                short(&call.args),
                prompts.join(" / ")
            ));
            // finish_pending gives back the budgets of the whole batch.
            Err(exit)
        }
        None => Ok(waited),
    }
}

/// Runs one layer hook on this thread, bounded by `timeout`; a panic or a timeout is an error.
fn hook<'a, T>(
    tools: &RunTools,
    make: impl FnOnce() -> crate::layer::LayerFuture<'a, crate::layer::LayerResult<T>>,
    timeout: Duration,
) -> Result<T, String> {
    // A layer may panic building its future as well as polling it.
    let mut fut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(make))
        .map_err(|_| "the layer panicked".to_string())?;
    // Most hooks answer at once (tracing, redaction, an approval ask): one poll here, without
    // a timer or the runtime. Only a hook that waits takes the bounded path below.
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))) {
        Ok(std::task::Poll::Ready(result)) => return result.map_err(|e| e.0),
        Ok(std::task::Poll::Pending) => {}
        Err(_) => return Err("the layer panicked".to_string()),
    }
    let rt = tools.set.runtime()?;
    let bounded = async move {
        match tokio::time::timeout(timeout, fut).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.0),
            Err(_) => Err(format!("no answer within {timeout:?}")),
        }
    };
    let caught = std::panic::AssertUnwindSafe(bounded);
    match block_on(rt, catch_unwind(caught), None, &tools.interrupt) {
        Some(Ok(result)) => result,
        Some(Err(())) => Err("the layer panicked".to_string()),
        None => Err("the layer gave no answer".to_string()),
    }
}

/// A future's output, or `Err` if polling it panicked: a broken layer must deny the call, not
/// take the host down.
async fn catch_unwind<F: std::future::Future>(
    fut: std::panic::AssertUnwindSafe<F>,
) -> Result<F::Output, ()> {
    let mut fut = std::pin::pin!(fut.0);
    std::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(out)) => std::task::Poll::Ready(Ok(out)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    })
    .await
}

/// A layer's new arguments: checked against the schema and the policy again, as if the script
/// had sent them.
fn rewrite(
    set: &Toolset,
    tools: &mut RunTools,
    call: &mut Call,
    layer: &str,
    args: Value,
) -> Result<(), Refusal> {
    release(set, tools, call);
    let old = std::mem::replace(&mut call.args, args);
    if call.sent.is_none() {
        call.sent = Some(old.clone());
    }
    call.args_bytes = json_len(&call.args);
    let checked = if call.args_bytes > tools.limits.args_bytes || !call.args.is_object() {
        Err(Refusal::new(
            Code::Invalid,
            format!(
                "{}: the rewritten arguments are not an object within the size limit",
                call.tool
            ),
        ))
    } else {
        decide(set, tools, call).map(|_| ())
    };
    checked.map_err(|r| {
        call.args = old;
        Refusal::new(
            Code::Denied,
            format!(
                "{}: layer {layer} rewrote the arguments into a call that is refused: {}",
                call.tool, r.message
            ),
        )
    })
}

/// Asks a human through the session's approvals for the layer at `pos` in the stack (whose
/// hooks may take `timeout`). Returns the refusal, if the call may not run, and how long the
/// human took.
fn approve(
    tools: &mut RunTools,
    call: &mut Call,
    (pos, layer, timeout): (usize, &dyn crate::layer::Layer, Duration),
    ask: crate::layer::ApprovalAsk,
    view: LayerCall,
) -> Result<(Option<Refusal>, Duration), BatchExit> {
    let digest = sha256_hex(canonical_string(&call.args).as_bytes());
    let mut shown = call.args.clone();
    let mut prompt = ask.prompt.clone();
    if let Some(redactor) = tools.set.layers().redactor() {
        redactor.redact_value(&mut shown);
        prompt = redactor.redact_text(&prompt);
    }
    let request = ApprovalRequest {
        id: format!("{}.{pos}", call_id(tools.run, call.index)),
        layer: layer.name().to_string(),
        tool: call.tool.clone(),
        prompt,
        method: ask.method.as_str().to_string(),
        args: shown,
        args_sha256: digest.clone(),
        rule: call.rule.clone(),
        line: call.line,
        asked_at_ms: unix_ms(SystemTime::now()),
    };
    let mut entry = ApprovalEntry {
        id: request.id.clone(),
        layer: request.layer.clone(),
        prompt: request.prompt.clone(),
        method: request.method.clone(),
        args_sha256: digest,
        status: String::new(),
        channel: None,
    };
    let started = SystemTime::now();
    let clock = Instant::now();
    let approvals = tools.session.approvals.clone();
    let waited = if tools.approvals_asked >= MAX_APPROVALS_PER_RUN {
        Waited::Flooded
    } else {
        tools.approvals_asked += 1;
        match tools.set.runtime() {
            Ok(rt) => block_on(rt, approvals.wait(request.clone()), None, &tools.interrupt)
                .unwrap_or(Waited::TimedOut),
            Err(why) => return Ok((Some(Refusal::new(Code::Unavailable, why)), Duration::ZERO)),
        }
    };
    let human = clock.elapsed();
    let mut report = |outcome: &'static str, channel: Option<String>| {
        call.approvals.push(ApprovalReport {
            id: request.id.clone(),
            layer: request.layer.clone(),
            method: ask.method,
            outcome,
            channel,
            started,
            waited: human,
        });
    };
    let refusal = match waited {
        Waited::Stopped => {
            report("pending", None);
            entry.status = "pending".into();
            call.asked.push(entry);
            return Err(BatchExit::Pending);
        }
        Waited::TimedOut => {
            report("timeout", None);
            entry.status = "timeout".into();
            Some(Refusal::new(
                Code::Approval,
                format!(
                    "{}: approval {} ({}) got no answer within {:?}",
                    call.tool,
                    request.id,
                    layer.name(),
                    tools.session.approvals.timeout()
                ),
            ))
        }
        Waited::Flooded => {
            report("declined", None);
            entry.status = "declined".into();
            Some(Refusal::new(
                Code::Approval,
                format!(
                    "{}: too many approvals: {} pending at once, or {MAX_APPROVALS_PER_RUN} in this run; the call is declined",
                    call.tool,
                    crate::approval::MAX_PENDING
                ),
            ))
        }
        Waited::Answered(answered) => {
            let channel = Some(answered.channel.clone());
            match answered.answer {
                Answer::Decline { reason } => {
                    report("declined", channel.clone());
                    entry.status = "declined".into();
                    entry.channel = channel;
                    let message = if entry.channel.as_deref() == Some("none") {
                        format!(
                            "{}: approval needed ({}), but no approval channel could answer; run it where a person can answer (a terminal, or with a journal to approve later)",
                            call.tool,
                            layer.name()
                        )
                    } else {
                        format!(
                            "{}: declined by a human ({}){}",
                            call.tool,
                            layer.name(),
                            reason.map(|r| format!(": {r}")).unwrap_or_default()
                        )
                    };
                    Some(Refusal::new(Code::Approval, message))
                }
                Answer::Approve { code, verified } => {
                    let checked = match (ask.method, code) {
                        (crate::layer::ApprovalMethod::Code, _) if verified => Ok(()),
                        (crate::layer::ApprovalMethod::Code, Some(code)) => {
                            hook_code(tools, layer, &view, &code, timeout)
                        }
                        (crate::layer::ApprovalMethod::Code, None) => {
                            Err("no code was given".to_string())
                        }
                        _ => Ok(()),
                    };
                    match checked {
                        Ok(()) => {
                            report("approved", channel.clone());
                            entry.status = "approved".into();
                            entry.channel = channel;
                            None
                        }
                        Err(why) => {
                            report("declined", channel.clone());
                            entry.status = "declined".into();
                            entry.channel = channel;
                            Some(Refusal::new(
                                Code::Approval,
                                format!("{}: {} refused the code: {why}", call.tool, layer.name()),
                            ))
                        }
                    }
                }
            }
        }
    };
    call.asked.push(entry);
    Ok((refusal, human))
}

/// The layer's check of a one-time code, bounded like its other hooks.
fn hook_code(
    tools: &RunTools,
    layer: &dyn crate::layer::Layer,
    view: &LayerCall,
    code: &str,
    timeout: Duration,
) -> Result<(), String> {
    let make = || {
        let fut = layer.verify_code(view, code);
        let mapped: crate::layer::LayerFuture<'_, crate::layer::LayerResult<Result<(), String>>> =
            Box::pin(async move { Ok(fut.await.map_err(|d| d.reason)) });
        mapped
    };
    hook(tools, make, timeout).and_then(|r| r)
}

/// The layers after the call, in reverse, for every layer whose `before` let it on.
pub(super) fn after_layers(set: &Toolset, tools: &RunTools, call: &mut Call) {
    if call.passed.is_empty() {
        return;
    }
    let stack = set.layers().clone();
    let over: Vec<_> = stack.over(&call.tool).collect();
    let view = layer_call(tools, call);
    for &pos in call.passed.clone().iter().rev() {
        let Some((_, layer, timeout)) = over.iter().find(|(p, _, _)| *p == pos) else {
            continue;
        };
        let Some(outcome) = call.outcome.take() else {
            continue;
        };
        let started = SystemTime::now();
        let clock = Instant::now();
        let error = outcome.as_ref().err().map(Refusal::to_error);
        let answer = {
            let seen = match (&outcome, &error) {
                (Ok(value), _) => Ok(value),
                (Err(_), Some(error)) => Err(error),
                (Err(_), None) => unreachable!("an error outcome has its error"),
            };
            hook(tools, || layer.after(&view, seen), *timeout)
        };
        let (decision, reason, outcome) = match answer {
            Ok(After::Pass) => ("pass", None, outcome),
            Ok(After::Replace(value)) => ("replace", None, Ok(value)),
            Ok(After::Fail(deny)) => (
                "fail",
                Some(deny.reason.clone()),
                Err(denied_by(
                    layer.name(),
                    &call.tool,
                    &deny.reason,
                    deny.hint.as_deref(),
                )),
            ),
            Err(why) => (
                "error",
                Some(why.clone()),
                Err(layer_failed(layer.name(), &call.tool, &why)),
            ),
        };
        call.decisions.push(LayerDecision {
            layer: layer.name().to_string(),
            stage: Stage::After,
            decision,
            reason,
            started,
            took: clock.elapsed(),
        });
        call.outcome = Some(outcome);
    }
}

fn denied_by(layer: &str, tool: &str, reason: &str, hint: Option<&str>) -> Refusal {
    let mut message = format!("{tool}: denied by layer {layer}: {reason}");
    if let Some(hint) = hint {
        message.push_str("; ");
        message.push_str(hint);
    }
    Refusal::new(Code::Denied, message)
}

fn layer_failed(layer: &str, tool: &str, why: &str) -> Refusal {
    Refusal::new(
        Code::Denied,
        format!(
            "{tool}: layer {layer} failed ({why}), so the call is denied; a layer that breaks never lets a call through"
        ),
    )
}
