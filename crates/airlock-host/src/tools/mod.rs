//! The tool pipeline: every call a script makes passes, on the host, through
//! resolve -> size and depth bounds -> input schema -> policy -> the tool -> result bounds ->
//! journal. The guest's stubs are a convenience; the raw host import gets the same checks.

mod batch;
mod journal;
mod record;
mod replay;
mod wait;

#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use airlock_policy::{Policy, PolicyState};
use airlock_tools::{ToolSpec, Toolbox};
use tokio::runtime::Runtime;

pub(crate) use batch::{MAX_BATCH_BYTES, call_batch, list_tools};
pub use journal::DEFAULT_RESULT_THRESHOLD as JOURNAL_RESULT_THRESHOLD;
pub(crate) use journal::SessionJournal;
pub use record::{ToolCall, ToolCallError};
pub use replay::Replay;

use crate::clock::Clock;
use crate::limits::Limits;

/// Worker threads of the runtime that runs tool calls (exec tools, async Rust tools, batches).
const TOOL_THREADS: usize = 2;

/// The tools a sandbox offers and the policy over them. Cheap to clone; shared by every session.
#[derive(Clone, Default)]
pub struct Toolset {
    inner: Arc<Inner>,
}

struct Inner {
    toolbox: Toolbox,
    policy: Policy,
    /// Started on the first tool call, so sandboxes without tools start no threads.
    runtime: OnceLock<Result<Runtime, String>>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            toolbox: Toolbox::new(),
            policy: Policy::allow_all(),
            runtime: OnceLock::new(),
        }
    }
}

impl Drop for Inner {
    /// Stops the tool runtime without waiting for its threads: a sandbox may be dropped from
    /// inside an async context (an MCP server's task, an embedder's runtime), where a blocking
    /// shutdown would panic. Calls still running are abandoned, as a timed-out call is.
    fn drop(&mut self) {
        if let Some(Ok(runtime)) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for Toolset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Toolset")
            .field("tools", &self.inner.toolbox)
            .field("rules", &self.inner.policy.rule_count())
            .finish()
    }
}

impl Toolset {
    /// Tools and the policy every call to them must pass.
    pub fn new(toolbox: Toolbox, policy: Policy) -> Self {
        Self {
            inner: Arc::new(Inner {
                toolbox,
                policy,
                runtime: OnceLock::new(),
            }),
        }
    }

    pub fn toolbox(&self) -> &Toolbox {
        &self.inner.toolbox
    }

    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The tools the policy could allow some call of, in order: what a script (and a model) is
    /// shown. Others are still resolved if called, and denied.
    pub fn visible(&self) -> impl Iterator<Item = &ToolSpec> {
        self.inner
            .toolbox
            .specs()
            .filter(|s| self.inner.policy.may_allow(&s.name))
    }

    pub(crate) fn runtime(&self) -> Result<&Runtime, String> {
        self.inner
            .runtime
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(TOOL_THREADS)
                    .thread_name("airlock-tools")
                    .enable_all()
                    .build()
                    .map_err(|e| format!("cannot start the tool runtime: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Bounds on tool calls, copied from [`Limits`] for the run.
#[derive(Debug, Clone)]
pub(crate) struct ToolLimits {
    pub(crate) calls_per_run: u64,
    pub(crate) timeout: Duration,
    pub(crate) concurrency: usize,
    pub(crate) args_bytes: usize,
    pub(crate) result_bytes: usize,
    pub(crate) depth: usize,
}

impl From<&Limits> for ToolLimits {
    fn from(l: &Limits) -> Self {
        Self {
            calls_per_run: l.tool_calls_per_run,
            timeout: l.tool_timeout,
            concurrency: l.tool_concurrency,
            args_bytes: l.tool_args_bytes,
            result_bytes: l.tool_result_bytes,
            depth: l.tool_json_depth,
        }
    }
}

/// What a session keeps between runs about tools: budgets, the journal, the clock.
#[derive(Debug)]
pub(crate) struct SessionTools {
    pub(crate) policy: PolicyState,
    pub(crate) journal: Option<SessionJournal>,
    pub(crate) replay: Option<Replay>,
    pub(crate) clock: Clock,
}

impl SessionTools {
    pub(crate) fn new(set: &Toolset) -> Self {
        Self {
            policy: PolicyState::new(set.policy()),
            journal: None,
            replay: None,
            clock: Clock::Real,
        }
    }
}

/// A run's view of the tools: the session's state lent to it, and what the run did.
#[derive(Debug)]
pub(crate) struct RunTools {
    pub(crate) set: Toolset,
    pub(crate) session: SessionTools,
    pub(crate) limits: ToolLimits,
    /// The session's run index.
    pub(crate) run: u64,
    /// Calls made so far in this run.
    pub(crate) calls: u64,
    pub(crate) records: record::Records,
    /// Why a replay stopped the run, if it did.
    pub(crate) divergence: Option<String>,
}

impl RunTools {
    /// No tools and no session: for pre-initialising the guest.
    pub(crate) fn idle(limits: &Limits) -> Self {
        let set = Toolset::default();
        let session = SessionTools::new(&set);
        Self::new(set, session, limits, 0)
    }

    pub(crate) fn new(set: Toolset, session: SessionTools, limits: &Limits, run: u64) -> Self {
        Self {
            set,
            session,
            limits: ToolLimits::from(limits),
            run,
            calls: 0,
            records: record::Records::default(),
            divergence: None,
        }
    }
}
