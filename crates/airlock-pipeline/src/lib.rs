//! The tool pipeline of airlock: every call a script makes passes, on the host, through
//!
//! ```text
//! admit (name, size, depth, shape) -> validate (input schema) -> policy (rules, budgets)
//!   -> layers.before (in order) -> the tool -> layers.after (in reverse) -> bounds -> journal
//! ```
//!
//! This crate knows nothing of wasmtime: the host hands it the bytes of one batch of calls
//! (`[{"tool", "args", "line"}, ...]`, see [`call_batch`]) and copies the answer back into the
//! guest. The guest's stubs are a convenience; the raw host import gets the same checks.
//!
//! Decisions stay structured from end to end: a refusal is a [`Refusal`] with a [`Code`] until
//! it is encoded for the script. Budgets are reserved by the policy and released when a later
//! layer refuses the call. A call waiting for a human does not use up the run's time: the
//! deadline moves by the time spent waiting.
//!
//! What is configured once ([`Toolset`]: tools, policy, layers) is separate from what a session
//! keeps ([`SessionTools`]: budgets, journal, replay, clock, approvals), so one engine serves
//! sessions with different tools.

mod approval;
mod batch;
mod clock;
mod interrupt;
mod journal;
mod layer;
mod record;
mod replay;
mod stack;
pub mod testing;
mod wait;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_layers;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use airlock_policy::{Policy, PolicyState};
use airlock_tools::{ToolSpec, Toolbox};
use tokio::runtime::Runtime;

pub use approval::{
    Answer, Answered, ApprovalError, ApprovalRequest, Approvals, Approver,
    DEFAULT_APPROVAL_TIMEOUT, MAX_PENDING, Unattended, approver_fn,
};
pub use batch::{BatchExit, MAX_APPROVALS_PER_RUN, MAX_BATCH_BYTES, call_batch, list_tools};
pub use clock::{Clock, VIRTUAL_EPOCH_UNIX_MS};
pub use interrupt::Interrupt;
pub use journal::{DEFAULT_RESULT_THRESHOLD as JOURNAL_RESULT_THRESHOLD, SessionJournal};
pub use layer::{
    After, ApprovalAsk, ApprovalMethod, ApprovalReport, Before, CallReport, Deny, Layer, LayerCall,
    LayerDecision, LayerError, LayerFuture, LayerResult, Redact, RunEvent, Stage, call_id, ready,
};
pub use record::{Code, Records, Refusal, ToolCall, ToolCallError};
pub use replay::Replay;
pub use stack::{DEFAULT_LAYER_TIMEOUT, LayerStack};

/// Worker threads of the runtime that runs tool calls (exec tools, async Rust tools, batches).
const TOOL_THREADS: usize = 2;

/// The tools a session offers, the policy over them and the layers around them. Cheap to
/// clone; shared by every session that uses it.
#[derive(Clone, Default)]
pub struct Toolset {
    inner: Arc<Inner>,
}

struct Inner {
    toolbox: Toolbox,
    policy: Policy,
    layers: LayerStack,
    /// Whether a tool wants the session's files with its calls (asked once, not per batch).
    wants_files: bool,
    /// Started on the first tool call, so sandboxes without tools start no threads.
    runtime: OnceLock<Result<Runtime, String>>,
}

impl Default for Inner {
    fn default() -> Self {
        Self {
            toolbox: Toolbox::new(),
            policy: Policy::allow_all(),
            layers: LayerStack::new(),
            wants_files: false,
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
            .field("layers", &self.inner.layers)
            .finish()
    }
}

impl Toolset {
    /// Tools and the policy every call to them must pass, with no layers.
    pub fn new(toolbox: Toolbox, policy: Policy) -> Self {
        Self::with_layers(toolbox, policy, LayerStack::new())
    }

    /// Tools, the policy, and the layers around every allowed call.
    pub fn with_layers(toolbox: Toolbox, policy: Policy, layers: LayerStack) -> Self {
        Self {
            inner: Arc::new(Inner {
                wants_files: toolbox.wants_files(),
                toolbox,
                policy,
                layers,
                runtime: OnceLock::new(),
            }),
        }
    }

    pub fn toolbox(&self) -> &Toolbox {
        &self.inner.toolbox
    }

    /// Whether a tool of the set wants the session's files with its calls.
    pub fn wants_files(&self) -> bool {
        self.inner.wants_files
    }

    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    pub fn layers(&self) -> &LayerStack {
        &self.inner.layers
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

/// Bounds on tool calls for one run (the host copies them from its limits).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ToolLimits {
    /// Calls one run may make; past it each call fails with `E2BIG`.
    pub calls_per_run: u64,
    /// Time one call may take, for tools that set no timeout of their own.
    pub timeout: Duration,
    /// Calls of one batch run at the same time.
    pub concurrency: usize,
    /// Bytes of one call's JSON arguments.
    pub args_bytes: usize,
    /// Bytes of one call's JSON result.
    pub result_bytes: usize,
    /// Nesting depth of arguments and results.
    pub depth: usize,
}

impl Default for ToolLimits {
    fn default() -> Self {
        Self {
            calls_per_run: 10_000,
            timeout: Duration::from_secs(30),
            concurrency: 16,
            args_bytes: 1024 * 1024,
            result_bytes: 4 * 1024 * 1024,
            depth: 64,
        }
    }
}

/// What a session keeps between runs about tools: budgets, the journal, a replay, the clock
/// and the pending approvals.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionTools {
    pub policy: PolicyState,
    pub journal: Option<SessionJournal>,
    pub replay: Option<Replay>,
    pub clock: Clock,
    pub approvals: Approvals,
}

impl SessionTools {
    pub fn new(set: &Toolset) -> Self {
        Self {
            policy: PolicyState::new(set.policy()),
            journal: None,
            replay: None,
            clock: Clock::Real,
            approvals: Approvals::new(),
        }
    }
}

/// A run's view of the tools: the session's state lent to it, and what the run did.
#[derive(Debug)]
#[non_exhaustive]
pub struct RunTools {
    pub set: Toolset,
    pub session: SessionTools,
    pub limits: ToolLimits,
    /// The session's run index.
    pub run: u64,
    /// Calls made so far in this run.
    pub calls: u64,
    /// Calls journaled so far in this run (a batch stopped at a pending approval journals
    /// only the pending call).
    pub(crate) journaled: u64,
    pub records: Records,
    /// The `traceparent` the run belongs to, handed to layers.
    pub traceparent: Option<String>,
    /// Why the pipeline ended the run, if it did (a replay diverged, an approval is pending).
    pub stopped: Option<String>,
    /// Approvals this run has asked for (see [`MAX_APPROVALS_PER_RUN`]).
    pub(crate) approvals_asked: u64,
    /// The session's files, lent by the host for the current batch: tools that want them
    /// (see [`airlock_tools::Tool::wants_files`]) see a snapshot, and the changes calls hand
    /// back are applied here. `None` outside a batch, or when the host keeps its files.
    pub vfs: Option<airlock_vfs::Vfs>,
    /// Fired from another thread to stop the run; waits for tools and approvals end at once.
    pub interrupt: Interrupt,
}

impl RunTools {
    /// No tools and no session: for pre-initialising the guest.
    pub fn idle() -> Self {
        let set = Toolset::default();
        let session = SessionTools::new(&set);
        Self::new(set, session, ToolLimits::default(), 0)
    }

    pub fn new(set: Toolset, session: SessionTools, limits: ToolLimits, run: u64) -> Self {
        Self {
            set,
            session,
            limits,
            run,
            calls: 0,
            journaled: 0,
            records: Records::default(),
            traceparent: None,
            stopped: None,
            approvals_asked: 0,
            vfs: None,
            interrupt: Interrupt::new(),
        }
    }

    /// Tells the layers a run starts.
    pub fn begin(&mut self, language: &'static str) {
        let event = RunEvent::Start {
            run: self.run,
            language,
            traceparent: self.traceparent.clone(),
            at: std::time::SystemTime::now(),
        };
        for layer in self.set.layers().all() {
            layer.observe_run(&event);
        }
    }

    /// Tells the layers the run ended; returns the calls the journal's end entry counts.
    pub fn end(&mut self, exit_code: i32) -> u64 {
        let event = RunEvent::End {
            run: self.run,
            exit_code,
            calls: self.calls,
            at: std::time::SystemTime::now(),
        };
        for layer in self.set.layers().all() {
            layer.observe_run(&event);
        }
        self.journaled
    }
}
