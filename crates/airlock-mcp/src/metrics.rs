//! The server's Prometheus metrics (`GET /metrics`, text exposition format): runs by language
//! and outcome, run and queue durations, tool calls by tool and outcome, denials by rule, and
//! the gauges of what is live (sessions, queued and running runs, pending approvals, the bytes
//! of the sessions' files).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicI64;

use airlock::{RunOutput, Termination};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// At most this many distinct tool names are counted apart; the rest count as `other`, so a
/// config with a huge number of tools cannot grow the metrics without bound.
const MAX_TOOL_LABELS: usize = 512;

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    runs: Family<Labels, Counter>,
    run_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    queue_seconds: Histogram,
    calls: Family<Labels, Counter>,
    denials: Family<Labels, Counter>,
    refused: Family<Labels, Counter>,
    /// The tool names and rules counted apart so far.
    named: Mutex<HashSet<String>>,
    pub sessions: Gauge,
    pub queued: Gauge,
    pub running: Gauge,
    pub approvals_pending: Gauge,
    pub files_bytes: Gauge<i64, AtomicI64>,
}

fn seconds() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("airlock");
        let runs = Family::<Labels, Counter>::default();
        registry.register("runs", "Runs, by language and outcome", runs.clone());
        let run_seconds =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(seconds);
        registry.register(
            "run_duration_seconds",
            "How long runs took, by language (the wait for a slot not included)",
            run_seconds.clone(),
        );
        let queue_seconds = seconds();
        registry.register(
            "run_queue_seconds",
            "How long runs waited for a free slot",
            queue_seconds.clone(),
        );
        let calls = Family::<Labels, Counter>::default();
        registry.register(
            "tool_calls",
            "Tool calls, by tool and outcome (ok, or the error code the script saw)",
            calls.clone(),
        );
        let denials = Family::<Labels, Counter>::default();
        registry.register(
            "denials",
            "Tool calls the policy or a layer refused, by rule",
            denials.clone(),
        );
        let refused = Family::<Labels, Counter>::default();
        registry.register(
            "http_refused",
            "HTTP requests refused before reaching a session, by reason",
            refused.clone(),
        );
        let sessions = Gauge::default();
        registry.register("sessions_live", "Live sandbox sessions", sessions.clone());
        let queued = Gauge::default();
        registry.register("runs_queued", "Runs waiting for a slot", queued.clone());
        let running = Gauge::default();
        registry.register("runs_running", "Runs running", running.clone());
        let approvals_pending = Gauge::default();
        registry.register(
            "approvals_pending",
            "Tool calls waiting for an approval",
            approvals_pending.clone(),
        );
        let files_bytes = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "session_files_bytes",
            "Bytes of the files in the live sessions' filesystems",
            files_bytes.clone(),
        );
        Self {
            registry,
            runs,
            run_seconds,
            queue_seconds,
            calls,
            denials,
            refused,
            named: Mutex::default(),
            sessions,
            queued,
            running,
            approvals_pending,
            files_bytes,
        }
    }
}

/// The outcome label of a run.
fn outcome(output: &RunOutput) -> &'static str {
    match &output.termination {
        Termination::Exited(0) => "ok",
        Termination::Exited(_) => "error",
        Termination::Timeout => "timeout",
        Termination::OutOfMemory => "memory",
        Termination::OutOfFuel => "fuel",
        Termination::StackOverflow => "stack",
        Termination::Crashed(_) => "crashed",
        _ => "other",
    }
}

impl Metrics {
    /// Counts a finished run and its tool calls.
    pub fn ran(
        &self,
        language: &'static str,
        ran: Result<&RunOutput, ()>,
        took: std::time::Duration,
    ) {
        let kind = match ran {
            Ok(output) => outcome(output),
            Err(()) => "failed",
        };
        self.runs
            .get_or_create(&vec![
                ("language", language.to_string()),
                ("outcome", kind.to_string()),
            ])
            .inc();
        self.run_seconds
            .get_or_create(&vec![("language", language.to_string())])
            .observe(took.as_secs_f64());
        let Ok(output) = ran else { return };
        for call in &output.calls {
            let code = call
                .error
                .as_ref()
                .map_or_else(|| "ok".to_string(), |e| e.code.clone());
            let tool = self.label(&call.tool);
            self.calls
                .get_or_create(&vec![("tool", tool), ("outcome", code.clone())])
                .inc();
            if matches!(code.as_str(), "EPOLICY" | "EDENIED" | "EAPPROVAL") {
                let rule = call.rule.clone().unwrap_or_else(|| code.to_lowercase());
                self.denials
                    .get_or_create(&vec![("rule", self.label(&rule))])
                    .inc();
            }
        }
    }

    /// `name` as a label value, or `other` once [`MAX_TOOL_LABELS`] names are in use.
    fn label(&self, name: &str) -> String {
        let mut named = self.named.lock().unwrap_or_else(|e| e.into_inner());
        if named.contains(name) {
            return name.to_string();
        }
        if named.len() < MAX_TOOL_LABELS {
            named.insert(name.to_string());
            return name.to_string();
        }
        "other".to_string()
    }

    /// Counts a run's wait for a slot.
    pub fn waited(&self, took: std::time::Duration) {
        self.queue_seconds.observe(took.as_secs_f64());
    }

    /// Counts a request refused at the door (`origin`, `token`, `queue`, `sessions`, ...).
    pub fn refused(&self, reason: &'static str) {
        self.refused
            .get_or_create(&vec![("reason", reason.to_string())])
            .inc();
    }

    /// The text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let _ = encode(&mut text, &self.registry);
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_family() {
        let metrics = Metrics::default();
        let sandbox = airlock::Sandbox::new(airlock::SandboxConfig::default()).unwrap();
        let mut session = sandbox.session();
        let output = session
            .run(airlock::Language::JavaScript, "return 1")
            .unwrap();
        metrics.ran(
            "javascript",
            Ok(&output),
            std::time::Duration::from_millis(3),
        );
        metrics.ran("shell", Err(()), std::time::Duration::from_millis(1));
        metrics.refused("token");
        metrics.sessions.set(3);
        let text = metrics.encode();
        for name in [
            "airlock_runs_total{language=\"javascript\",outcome=\"ok\"} 1",
            "airlock_runs_total{language=\"shell\",outcome=\"failed\"} 1",
            "airlock_run_duration_seconds_count{language=\"javascript\"} 1",
            "airlock_run_queue_seconds",
            "airlock_http_refused_total{reason=\"token\"} 1",
            "airlock_sessions_live 3",
            "airlock_runs_queued",
            "airlock_approvals_pending",
            "airlock_session_files_bytes",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
        assert!(text.ends_with("# EOF\n"));
    }
}
