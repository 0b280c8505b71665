//! The `trace` layer: OpenTelemetry spans of every run and tool call, exported over OTLP
//! HTTP/protobuf, following the GenAI semantic conventions.
//!
//! | span | parent | attributes |
//! |------|--------|------------|
//! | `airlock.run` | the caller's `traceparent`, if valid | `airlock.run.index`, `.language`, `.exit_code`, `.calls` |
//! | `execute_tool {tool}` | the run | `gen_ai.operation.name` = `execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.type` = `function`, `airlock.policy.rule`, `airlock.decision`, `error.type` (status Error) when the call failed, `gen_ai.tool.call.arguments` / `.result` when opted in |
//! | `airlock.layer {name}` | the call | `airlock.layer.name`, `.stage`, `.decision`, `.reason` (only with a redactor) |
//! | `airlock.approval` | the call | `airlock.approval.id`, `.layer`, `.method`, `.outcome`, `.channel` |
//!
//! Spans are built after the fact from the reports the pipeline hands to
//! [`Layer::observe_run`] and [`Layer::observe_call`], with the times those carry; the SDK's
//! batch span processor exports them from its own thread. Export failures are dropped (after
//! the exporter's bounded retries): tracing never fails or slows a run.
//!
//! | limit | default | when reached |
//! |-------|---------|--------------|
//! | [`MAX_ATTRIBUTE_BYTES`] | 4 KiB | arguments, results, messages cut, ending in [`CUT_MARKER`] |
//! | [`MAX_OPEN_RUNS`] | 1024 | a run that starts beyond it gets no run span (its calls become roots) |
//! | [`EXPORT_TIMEOUT`] | 3 s | one export (with retries) gives up; its spans are lost |
//! | [`FLUSH_TIMEOUT`] | 5 s | [`TraceLayer::flush`] / [`TraceLayer::shutdown`] return an error |
//! | queue (`OTEL_BSP_MAX_QUEUE_SIZE`) | 2048 spans | further spans are dropped until the queue drains |
//!
//! A failed call's status message is its error message, redacted, when a redactor is given,
//! and only its code otherwise (a message may quote arguments). A `traceparent` whose sampled
//! flag is off keeps the run's spans unsampled (not exported), as the caller decided.
//!
//! An enabled layer runs two threads: the batch span processor's and the blocking HTTP
//! client's. Run indexes key the open run spans: one layer should serve one session.

mod config;
mod spans;
mod traceparent;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use airlock_pipeline::{CallReport, Layer, Redact, RunEvent};
use opentelemetry::Context;
use opentelemetry::trace::{Span as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracer, SdkTracerProvider, Span};

pub use config::{
    DEFAULT_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_SERVICE_NAME,
    TraceConfig, TraceError,
};
pub use spans::{APPROVAL_SPAN, CUT_MARKER, RUN_SPAN};
pub use traceparent::{TraceParent, parse_traceparent};

use config::Settings;

/// Bytes of an argument, result or message put on a span: backends reject or truncate large
/// attributes, and the copy is made on the run's thread.
pub const MAX_ATTRIBUTE_BYTES: usize = 4 * 1024;
/// Runs whose span is open at once; a run that never reports its end would otherwise keep its
/// span in memory for the session's life.
pub const MAX_OPEN_RUNS: usize = 1024;
/// How long one export (including the exporter's retries) may take before its spans are
/// dropped, so a dead collector cannot hold spans (or a flush) for long.
pub const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long [`TraceLayer::flush`] and [`TraceLayer::shutdown`] wait for pending spans.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// The `trace` layer (see the [module docs](self)).
pub struct TraceLayer {
    settings: Settings,
    redactor: Option<Arc<dyn Redact>>,
    /// `None` when no endpoint is configured: every hook returns at once.
    export: Option<Export>,
}

struct Export {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// The spans of runs that started and have not ended, by run index.
    runs: Mutex<HashMap<u64, Span>>,
}

impl TraceLayer {
    /// The layer `config` describes, ignoring the environment's `OTEL_*` variables for the
    /// endpoint, headers and service name (the OTLP exporter still reads its own variables
    /// such as `OTEL_EXPORTER_OTLP_TIMEOUT` and the header variables). Exports nothing when
    /// `config.endpoint` is unset.
    pub fn new(config: TraceConfig, redactor: Option<Arc<dyn Redact>>) -> Result<Self, TraceError> {
        Self::with_env(config, redactor, |_| None)
    }

    /// The layer `config` describes, with what it leaves unset taken from the standard
    /// variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, `OTEL_SERVICE_NAME`.
    /// Exports nothing (and costs nothing) when no endpoint is set anywhere.
    pub fn from_env(
        config: TraceConfig,
        redactor: Option<Arc<dyn Redact>>,
    ) -> Result<Self, TraceError> {
        Self::with_env(config, redactor, |name| std::env::var(name).ok())
    }

    /// [`TraceLayer::from_env`] with the variables looked up by `env` instead of in the
    /// process environment (for embedders with their own settings, and for tests).
    pub fn with_env(
        config: TraceConfig,
        redactor: Option<Arc<dyn Redact>>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, TraceError> {
        let settings = Settings::resolve(config, &env)?;
        if (settings.include_args || settings.include_results) && redactor.is_none() {
            return Err(TraceError::NoRedactor);
        }
        let export = match &settings.endpoint {
            Some(endpoint) => Some(Export::start(endpoint, &settings)?),
            None => None,
        };
        Ok(Self {
            settings,
            redactor,
            export,
        })
    }

    /// Whether spans are exported (an endpoint is configured).
    pub fn is_enabled(&self) -> bool {
        self.export.is_some()
    }

    /// The traces URL spans go to, if any.
    pub fn endpoint(&self) -> Option<&str> {
        self.settings.endpoint.as_deref()
    }

    /// The `service.name` of the spans.
    pub fn service_name(&self) -> &str {
        &self.settings.service_name
    }

    /// Sends the spans queued so far, waiting at most [`FLUSH_TIMEOUT`]. Spans of runs still
    /// open are sent when their run ends.
    pub fn flush(&self) -> Result<(), TraceError> {
        let Some(export) = &self.export else {
            return Ok(());
        };
        let provider = export.provider.clone();
        bounded(FLUSH_TIMEOUT, move || provider.force_flush())
    }

    /// Ends the spans of runs still open (at the current time), sends everything queued and
    /// stops the exporter, waiting at most [`FLUSH_TIMEOUT`]. Later reports are ignored.
    /// The CLI calls this at exit.
    pub fn shutdown(&self) -> Result<(), TraceError> {
        let Some(export) = &self.export else {
            return Ok(());
        };
        let now = SystemTime::now();
        for (_, mut span) in lock(&export.runs).drain() {
            span.end_with_timestamp(now);
        }
        export
            .provider
            .shutdown_with_timeout(FLUSH_TIMEOUT)
            .map_err(|e| TraceError::Export(e.to_string()))
    }
}

impl Export {
    fn start(endpoint: &str, settings: &Settings) -> Result<Self, TraceError> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(endpoint)
            .with_timeout(EXPORT_TIMEOUT)
            .with_headers(settings.headers.clone().into_iter().collect())
            .build()
            .map_err(|e| TraceError::Exporter(e.to_string()))?;
        let resource = Resource::builder_empty()
            .with_service_name(settings.service_name.clone())
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(exporter).build())
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("airlock");
        Ok(Self {
            provider,
            tracer,
            runs: Mutex::new(HashMap::new()),
        })
    }

    fn run_started(&self, run: u64, language: &str, traceparent: Option<&str>, at: SystemTime) {
        let mut runs = lock(&self.runs);
        if runs.len() >= MAX_OPEN_RUNS && !runs.contains_key(&run) {
            return;
        }
        let parent = match traceparent.and_then(parse_traceparent) {
            Some(parent) => spans::parent_context(spans::remote_parent(parent)),
            None => Context::new(),
        };
        let span = spans::start_run(&self.tracer, &parent, run, language, at);
        if let Some(mut stale) = runs.insert(run, span) {
            stale.end_with_timestamp(at); // the same index again: the old run is over
        }
    }

    fn run_ended(&self, run: u64, exit_code: i32, calls: u64, at: SystemTime) {
        let span = lock(&self.runs).remove(&run);
        if let Some(span) = span {
            spans::end_run(span, exit_code, calls, at);
        }
    }

    fn call(&self, report: &CallReport, options: &spans::Options<'_>) {
        let run = lock(&self.runs)
            .get(&report.call.run)
            .map(|span| span.span_context().clone());
        let parent = match run {
            Some(run) => spans::parent_context(run),
            // No run span (its start was not seen): hang the call off the caller's span.
            None => match report
                .call
                .traceparent
                .as_deref()
                .and_then(parse_traceparent)
            {
                Some(parent) => spans::parent_context(spans::remote_parent(parent)),
                None => Context::new(),
            },
        };
        spans::emit_call(&self.tracer, &parent, report, options);
    }
}

impl Layer for TraceLayer {
    fn name(&self) -> &str {
        "trace"
    }

    fn observe_run(&self, event: &RunEvent) {
        let Some(export) = &self.export else { return };
        match event {
            RunEvent::Start {
                run,
                language,
                traceparent,
                at,
            } => export.run_started(*run, language, traceparent.as_deref(), *at),
            RunEvent::End {
                run,
                exit_code,
                calls,
                at,
            } => export.run_ended(*run, *exit_code, *calls, *at),
            _ => {}
        }
    }

    fn observe_call(&self, report: &CallReport) {
        let Some(export) = &self.export else { return };
        let options = spans::Options {
            include_args: self.settings.include_args,
            include_results: self.settings.include_results,
            redactor: self.redactor.as_deref(),
        };
        export.call(report, &options);
    }
}

impl std::fmt::Debug for TraceLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Headers are left out: they usually carry credentials.
        f.debug_struct("TraceLayer")
            .field("endpoint", &self.settings.endpoint)
            .field("service_name", &self.settings.service_name)
            .field("include_args", &self.settings.include_args)
            .field("include_results", &self.settings.include_results)
            .field("redactor", &self.redactor.is_some())
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the map leaves it usable: the worst is a lost span.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `work` on its own thread and waits at most `timeout` for it, so a stuck exporter
/// cannot hold the caller (the CLI at exit) past the bound.
fn bounded(
    timeout: Duration,
    work: impl FnOnce() -> opentelemetry_sdk::error::OTelSdkResult + Send + 'static,
) -> Result<(), TraceError> {
    let (done, wait) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("airlock-trace-flush".into())
        .spawn(move || {
            let _ = done.send(work());
        })
        .map_err(|e| TraceError::Export(format!("cannot start the flush thread: {e}")))?;
    match wait.recv_timeout(timeout) {
        Ok(result) => result.map_err(|e| TraceError::Export(e.to_string())),
        Err(_) => Err(TraceError::Export(format!(
            "spans not sent within {timeout:?}"
        ))),
    }
}
