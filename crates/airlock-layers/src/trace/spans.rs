//! Reports to spans. Every span is built after the fact, with the start and end times the
//! reports carry, so the calling thread only fills in attributes and queues the span; the
//! batch span processor encodes and sends it from its own thread.

use std::io;
use std::time::SystemTime;

use airlock_pipeline::{ApprovalReport, CallReport, LayerDecision, Redact};
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceId,
    TraceState, Tracer as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, Span};
use serde_json::Value;

use super::{MAX_ATTRIBUTE_BYTES, TraceParent};

/// The name of a run's span. Not GenAI's `invoke_agent`: a run executes a script an agent
/// wrote, with no model in it; the agent's own span is the run's parent when the caller passes
/// a `traceparent`.
pub const RUN_SPAN: &str = "airlock.run";
/// The name of a human's wait for an approval.
pub const APPROVAL_SPAN: &str = "airlock.approval";

/// What ends a value cut to [`MAX_ATTRIBUTE_BYTES`].
pub const CUT_MARKER: &str = "…[cut]";

/// What the span builders need besides the report.
pub(crate) struct Options<'a> {
    pub(crate) include_args: bool,
    pub(crate) include_results: bool,
    pub(crate) redactor: Option<&'a dyn Redact>,
}

/// A context whose active span is `parent` (a remote caller's or the open run span's).
pub(crate) fn parent_context(parent: SpanContext) -> Context {
    Context::new().with_remote_span_context(parent)
}

/// The remote span a `traceparent` names.
pub(crate) fn remote_parent(parent: TraceParent) -> SpanContext {
    SpanContext::new(
        TraceId::from(parent.trace_id),
        SpanId::from(parent.parent_id),
        TraceFlags::new(parent.flags),
        true,
        TraceState::NONE,
    )
}

/// Opens a run's span at `at`; it is ended by [`end_run`].
pub(crate) fn start_run(
    tracer: &SdkTracer,
    parent: &Context,
    run: u64,
    language: &str,
    at: SystemTime,
) -> Span {
    tracer
        .span_builder(RUN_SPAN)
        .with_kind(SpanKind::Internal)
        .with_start_time(at)
        .with_attributes([
            KeyValue::new("airlock.run.index", as_i64(run)),
            KeyValue::new("airlock.run.language", language.to_string()),
        ])
        .start_with_context(tracer, parent)
}

/// Ends a run's span. A non-zero exit code is recorded but is not an error status: a script's
/// exit code is its answer (like `grep`'s 1), not a failure of airlock.
pub(crate) fn end_run(mut span: Span, exit_code: i32, calls: u64, at: SystemTime) {
    span.set_attributes([
        KeyValue::new("airlock.run.exit_code", i64::from(exit_code)),
        KeyValue::new("airlock.run.calls", as_i64(calls)),
    ]);
    span.end_with_timestamp(at);
}

/// Emits a call's `execute_tool` span with a child per layer decision and per approval.
pub(crate) fn emit_call(
    tracer: &SdkTracer,
    parent: &Context,
    report: &CallReport,
    options: &Options<'_>,
) {
    let call = &report.call;
    let mut attributes = Vec::with_capacity(12);
    attributes.extend([
        KeyValue::new("gen_ai.operation.name", "execute_tool"),
        KeyValue::new("gen_ai.tool.name", call.tool.clone()),
        KeyValue::new("gen_ai.tool.call.id", call.id.clone()),
        KeyValue::new("gen_ai.tool.type", "function"),
        KeyValue::new("airlock.decision", decision(report)),
        KeyValue::new("airlock.run.index", as_i64(call.run)),
        KeyValue::new("airlock.call.index", as_i64(call.index)),
        KeyValue::new(
            "airlock.tool.duration_us",
            as_i64(report.tool_took.as_micros()),
        ),
    ]);
    if let Some(rule) = &call.rule {
        attributes.push(KeyValue::new("airlock.policy.rule", rule.clone()));
    }
    if let Some(line) = call.line {
        attributes.push(KeyValue::new("code.line.number", i64::from(line)));
    }
    if let (true, Some(redactor)) = (options.include_args, options.redactor) {
        let args = bounded_json(&call.args, redactor);
        attributes.push(KeyValue::new("gen_ai.tool.call.arguments", args));
    }
    let status = match &report.outcome {
        Ok(result) => {
            if let (true, Some(redactor)) = (options.include_results, options.redactor) {
                let result = bounded_json(result, redactor);
                attributes.push(KeyValue::new("gen_ai.tool.call.result", result));
            }
            Status::Unset
        }
        Err(error) => {
            attributes.push(KeyValue::new("error.type", error.code.clone()));
            // The message may quote arguments: only a redactor lets it leave the sandbox.
            Status::error(match options.redactor {
                Some(redactor) => bounded_text(&redactor.redact_text(&error.message)),
                None => error.code.clone(),
            })
        }
    };
    let mut span = tracer
        .span_builder(format!("execute_tool {}", call.tool))
        .with_kind(SpanKind::Internal)
        .with_start_time(report.started)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    span.set_status(status);
    let inner = parent_context(span.span_context().clone());
    for decision in &report.layers {
        emit_layer(tracer, &inner, decision, options);
    }
    for approval in &report.approvals {
        emit_approval(tracer, &inner, approval);
    }
    span.end_with_timestamp(report.started + report.took);
}

fn emit_layer(tracer: &SdkTracer, parent: &Context, d: &LayerDecision, options: &Options<'_>) {
    let mut attributes = vec![
        KeyValue::new("airlock.layer.name", d.layer.clone()),
        KeyValue::new("airlock.layer.stage", d.stage.as_str()),
        KeyValue::new("airlock.layer.decision", d.decision),
    ];
    if let (Some(reason), Some(redactor)) = (&d.reason, options.redactor) {
        let reason = bounded_text(&redactor.redact_text(reason));
        attributes.push(KeyValue::new("airlock.layer.reason", reason));
    }
    let mut span = tracer
        .span_builder(format!("airlock.layer {}", d.layer))
        .with_kind(SpanKind::Internal)
        .with_start_time(d.started)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    if d.decision == "error" {
        span.set_status(Status::error("layer error"));
    }
    span.end_with_timestamp(d.started + d.took);
}

fn emit_approval(tracer: &SdkTracer, parent: &Context, a: &ApprovalReport) {
    let mut attributes = vec![
        KeyValue::new("airlock.approval.id", a.id.clone()),
        KeyValue::new("airlock.approval.layer", a.layer.clone()),
        KeyValue::new("airlock.approval.method", a.method.as_str()),
        KeyValue::new("airlock.approval.outcome", a.outcome),
    ];
    if let Some(channel) = &a.channel {
        attributes.push(KeyValue::new("airlock.approval.channel", channel.clone()));
    }
    let mut span = tracer
        .span_builder(APPROVAL_SPAN)
        .with_kind(SpanKind::Internal)
        .with_start_time(a.started)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    span.end_with_timestamp(a.started + a.waited);
}

/// The call's verdict: the first layer that refused (or broke) decides; otherwise a policy
/// denial is `deny`, and anything else was allowed (a tool's own failure shows in
/// `error.type`).
fn decision(report: &CallReport) -> &'static str {
    let refused = report.layers.iter().find(|d| {
        matches!(
            d.decision,
            "deny" | "declined" | "pending" | "fail" | "error"
        )
    });
    match (refused, &report.outcome) {
        (Some(d), _) => d.decision,
        (None, Err(e)) if e.code == "EPOLICY" || e.code == "EDENIED" => "deny",
        (None, Err(e)) if e.code == "EAPPROVAL" => "declined",
        _ => "allow",
    }
}

fn as_i64(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// `value`, redacted, as JSON of at most [`MAX_ATTRIBUTE_BYTES`] (plus [`CUT_MARKER`]).
/// Redacts before cutting, so a cut cannot split a secret past the redactor.
pub(crate) fn bounded_json(value: &Value, redactor: &dyn Redact) -> String {
    let mut value = value.clone();
    redactor.redact_value(&mut value);
    let mut out = Bounded(Vec::with_capacity(128));
    // Serialising stops at the bound, so a large value costs no more than a small one here.
    let cut = serde_json::to_writer(&mut out, &value).is_err();
    finish(out.0, cut)
}

/// `text` cut to [`MAX_ATTRIBUTE_BYTES`].
pub(crate) fn bounded_text(text: &str) -> String {
    let cut = text.len() > MAX_ATTRIBUTE_BYTES;
    let end = if cut { MAX_ATTRIBUTE_BYTES } else { text.len() };
    finish(text.as_bytes()[..end].to_vec(), cut)
}

fn finish(mut bytes: Vec<u8>, cut: bool) -> String {
    if let Err(e) = std::str::from_utf8(&bytes) {
        bytes.truncate(e.valid_up_to()); // the cut fell inside a character
    }
    let mut text = String::from_utf8(bytes).unwrap_or_default();
    if cut {
        text.push_str(CUT_MARKER);
    }
    text
}

/// A writer that takes [`MAX_ATTRIBUTE_BYTES`] and then fails.
struct Bounded(Vec<u8>);

impl io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = MAX_ATTRIBUTE_BYTES - self.0.len();
        if data.len() > room {
            self.0.extend_from_slice(&data[..room]);
            return Err(io::Error::other("attribute bound reached"));
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
