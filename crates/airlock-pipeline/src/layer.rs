//! Layers: what happens around a tool call once the policy has allowed it.
//!
//! A [`Layer`] sees every call it is configured for twice: [`Layer::before`] after the policy
//! (allow, deny, rewrite the arguments, or ask a human), and [`Layer::after`] once the tool has
//! answered (pass, replace the result, or fail the call). Layers run in their configured order
//! before the call and in reverse order after it, like tower's layers or axum's middleware.
//!
//! Layers fail closed: a layer that errors, panics or does not answer within its time denies
//! the call, and the denial names the layer.
//!
//! Layers also observe: [`Layer::observe_run`] and [`Layer::observe_call`] receive each run's
//! start and end and a complete report of each call (timings of every stage, every layer's
//! decision, the human's wait), which is what a tracing layer turns into spans.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::record::ToolCallError;

/// The future a layer hook returns. It may borrow the layer and the call.
pub type LayerFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A ready future: for hooks that answer at once.
pub fn ready<'a, T: Send + 'a>(value: T) -> LayerFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

/// What a layer sees of a call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LayerCall {
    /// The call's id, stable across a resume: `r{run}c{index}`.
    pub id: String,
    /// The session's run index (0-based).
    pub run: u64,
    /// The call's index within its run (0-based).
    pub index: u64,
    /// The tool's configured name.
    pub tool: String,
    /// The arguments as they stand when the layer is called (after earlier rewrites).
    pub args: Value,
    /// The policy rule that allowed the call, if rules are configured.
    pub rule: Option<String>,
    /// The script line that made the call, when known.
    pub line: Option<u32>,
    /// The W3C `traceparent` of the run's caller, if one was given.
    pub traceparent: Option<String>,
}

impl LayerCall {
    /// A call as a test or an embedder builds one.
    pub fn new(run: u64, index: u64, tool: impl Into<String>, args: Value) -> Self {
        Self {
            id: call_id(run, index),
            run,
            index,
            tool: tool.into(),
            args,
            rule: None,
            line: None,
            traceparent: None,
        }
    }
}

/// The id of call `index` of run `run`.
pub fn call_id(run: u64, index: u64) -> String {
    format!("r{run}c{index}")
}

/// A refusal by a layer: why, and how the call could pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deny {
    pub reason: String,
    pub hint: Option<String>,
}

impl Deny {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// How a human answers an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApprovalMethod {
    /// Approve or decline.
    Confirm,
    /// Type a one-time password, which the layer then checks with [`Layer::verify_code`].
    Code,
}

impl ApprovalMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Code => "code",
        }
    }
}

/// A layer's request for a human's approval before the call runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalAsk {
    /// What the human is asked, e.g. "Send 5 EUR to ada?".
    pub prompt: String,
    pub method: ApprovalMethod,
}

/// A layer's answer before the call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Before {
    /// Let the call go on to the next layer.
    Allow,
    /// Refuse the call (`EDENIED` in the script).
    Deny(Deny),
    /// Go on with these arguments instead; they are checked against the tool's schema and the
    /// policy again before the call runs.
    Rewrite(Value),
    /// Go on only once a human approves (`EAPPROVAL` in the script if they decline, or the
    /// approval times out).
    Approve(ApprovalAsk),
}

/// A layer's answer after the call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum After {
    /// Keep the outcome as it is.
    Pass,
    /// Give the script this result instead (also turns a failed call into a success).
    Replace(Value),
    /// Fail the call (`EDENIED` in the script), whatever the tool answered.
    Fail(Deny),
}

/// A layer broke: it is treated as a denial naming the layer (fail closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LayerError(pub String);

/// Result of a layer hook.
pub type LayerResult<T> = Result<T, LayerError>;

/// One layer's decision on one call, as journaled and traced.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LayerDecision {
    /// The layer's name (`approve`, `otp`, `trace`, a component's name).
    pub layer: String,
    /// `before` or `after`.
    pub stage: Stage,
    /// `allow`, `deny`, `rewrite`, `approved`, `declined`, `pending`, `pass`, `replace`, `fail`,
    /// `error`.
    pub decision: &'static str,
    /// The reason given for a refusal, if any.
    pub reason: Option<String>,
    /// When the layer was called, and how long it (and any human it asked) took.
    pub started: SystemTime,
    pub took: Duration,
}

/// Which side of the call a hook ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Before,
    After,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// The human side of an approval, as reported to observers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApprovalReport {
    /// The approval's id (what `airlock approvals approve ID` takes).
    pub id: String,
    /// The layer that asked.
    pub layer: String,
    pub method: ApprovalMethod,
    /// `approved`, `declined`, `timeout`, `pending`.
    pub outcome: &'static str,
    /// Which channel answered (`tty`, `callback`, `mcp`, `http`, `cli`, `resume`), if one did.
    pub channel: Option<String>,
    pub started: SystemTime,
    pub waited: Duration,
}

/// Everything that happened to one call, handed to [`Layer::observe_call`] when it is done.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CallReport {
    pub call: LayerCall,
    /// The final outcome the script sees.
    pub outcome: Result<Value, ToolCallError>,
    /// When the call entered the pipeline, and how long the whole pipeline took.
    pub started: SystemTime,
    pub took: Duration,
    /// How long the tool itself ran (zero if it never ran).
    pub tool_took: Duration,
    pub layers: Vec<LayerDecision>,
    pub approvals: Vec<ApprovalReport>,
}

/// A run's start or end, handed to [`Layer::observe_run`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunEvent {
    Start {
        run: u64,
        /// `javascript` or `shell`.
        language: &'static str,
        /// The W3C `traceparent` the run belongs to, if any.
        traceparent: Option<String>,
        at: SystemTime,
    },
    End {
        run: u64,
        exit_code: i32,
        calls: u64,
        at: SystemTime,
    },
}

/// A stage around tool calls. Every hook has a default that lets the call through, so a layer
/// implements only what it needs.
pub trait Layer: Send + Sync + 'static {
    /// The layer's name, shown in denials, the journal and spans.
    fn name(&self) -> &str;

    /// Called before the tool, in the stack's order.
    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        let _ = call;
        ready(Ok(Before::Allow))
    }

    /// Called after the tool (or after a later layer refused the call), in reverse order.
    fn after<'a>(
        &'a self,
        call: &'a LayerCall,
        outcome: Result<&'a Value, &'a ToolCallError>,
    ) -> LayerFuture<'a, LayerResult<After>> {
        let _ = (call, outcome);
        ready(Ok(After::Pass))
    }

    /// Checks the code a human gave for an [`ApprovalMethod::Code`] approval this layer asked
    /// for. The default refuses every code: a layer that asks for one must check it.
    fn verify_code<'a>(
        &'a self,
        call: &'a LayerCall,
        code: &'a str,
    ) -> LayerFuture<'a, Result<(), Deny>> {
        let _ = (call, code);
        ready(Err(Deny::new(format!(
            "layer {} asked for a code but cannot check one",
            self.name()
        ))))
    }

    /// A run started or ended. Called on the run's thread: keep it quick.
    fn observe_run(&self, event: &RunEvent) {
        let _ = event;
    }

    /// A call is done. Called on the run's thread: keep it quick.
    fn observe_call(&self, report: &CallReport) {
        let _ = report;
    }
}

impl std::fmt::Debug for dyn Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layer")
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// Replaces secrets in what leaves the sandbox for people and systems: the journal, spans,
/// logs and approval prompts.
pub trait Redact: Send + Sync + 'static {
    /// Replaces every secret inside `value`'s strings (keys included).
    fn redact_value(&self, value: &mut Value);
    /// `text` with every secret replaced.
    fn redact_text(&self, text: &str) -> String;
}
