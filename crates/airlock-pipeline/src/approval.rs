//! Approvals: one broker of pending approvals per session, reachable only from the host.
//!
//! A layer asks for an approval ([`crate::Before::Approve`]); the pipeline turns the ask into
//! an [`ApprovalRequest`] bound to the call (its id and a digest of its arguments) and hands it
//! to the session's [`Approvals`]. An answer comes from the first of:
//!
//! - an answer prepared before the run ([`Approvals::prepare`]: `airlock resume` after
//!   `airlock approvals approve`), used once;
//! - the interactive channel ([`Approver`]: a terminal prompt, a Rust callback, MCP
//!   elicitation), if it can answer;
//! - [`Approvals::answer`] from anywhere else on the host (an HTTP endpoint, another thread)
//!   while the call waits.
//!
//! What happens when nobody is there to answer is [`Unattended`]: wait until the approval's
//! timeout, stop the run with the approval pending (a journaled run then exits 75 and can be
//! resumed), or decline at once. Nothing inside the sandbox can reach the broker: the guest's
//! only way out is a tool call, and tool calls never see it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::oneshot;

use crate::layer::{ApprovalMethod, LayerFuture};

/// How long a call waits for a human by default: five minutes.
pub const DEFAULT_APPROVAL_TIMEOUT: Duration = Duration::from_secs(300);

/// Pending approvals one session may hold at once. Each is a call its script is blocked on, so
/// honest scripts hold a handful (a batch of gated calls); this only bounds a flood.
pub const MAX_PENDING: usize = 256;

/// What a human is shown: the call, the layer's prompt and the (redacted) arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApprovalRequest {
    /// The approval's id: the call's id and the asking layer's position, `r0c3.1`.
    pub id: String,
    /// The layer that asked.
    pub layer: String,
    pub tool: String,
    /// The rendered prompt.
    pub prompt: String,
    /// `confirm` or `code`.
    pub method: String,
    /// The arguments as a human may see them (secrets redacted).
    pub args: Value,
    /// SHA-256 of the call's canonical arguments: the approval holds for exactly these.
    pub args_sha256: String,
    /// The policy rule that allowed the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The script line that made the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// When the approval was asked for, milliseconds since the Unix epoch.
    pub asked_at_ms: u64,
}

impl ApprovalRequest {
    /// Whether a human answers with a code.
    pub fn wants_code(&self) -> bool {
        self.method == ApprovalMethod::Code.as_str()
    }
}

/// A human's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Answer {
    /// Go ahead; `code` is the one-time password for a `code` approval.
    Approve {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        /// The code was already checked by the layer when the answer was given (`airlock
        /// approvals approve --code` checks it at once, since a TOTP code expires in a minute).
        #[serde(default)]
        verified: bool,
    },
    /// Do not run the call.
    Decline {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
}

impl Answer {
    pub fn approve() -> Self {
        Self::Approve {
            code: None,
            verified: false,
        }
    }

    pub fn code(code: impl Into<String>) -> Self {
        Self::Approve {
            code: Some(code.into()),
            verified: false,
        }
    }

    pub fn decline(reason: Option<String>) -> Self {
        Self::Decline { reason }
    }
}

/// An answer and the channel it came through (`tty`, `callback`, `mcp`, `http`, `cli`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub answer: Answer,
    pub channel: String,
}

impl Answered {
    pub fn new(answer: Answer, channel: impl Into<String>) -> Self {
        Self {
            answer,
            channel: channel.into(),
        }
    }
}

/// An interactive channel: asks a human and returns the answer, or `None` when it cannot ask
/// (no terminal, a client without elicitation), so the broker falls back to [`Unattended`].
pub trait Approver: Send + Sync + 'static {
    fn ask(&self, request: &ApprovalRequest) -> LayerFuture<'static, Option<Answered>>;
}

/// An [`Approver`] from a closure, for the Rust API.
pub fn approver_fn<F>(f: F) -> Arc<dyn Approver>
where
    F: Fn(&ApprovalRequest) -> Option<Answer> + Send + Sync + 'static,
{
    struct FnApprover<F>(F);
    impl<F> Approver for FnApprover<F>
    where
        F: Fn(&ApprovalRequest) -> Option<Answer> + Send + Sync + 'static,
    {
        fn ask(&self, request: &ApprovalRequest) -> LayerFuture<'static, Option<Answered>> {
            let answer = (self.0)(request).map(|a| Answered::new(a, "callback"));
            Box::pin(std::future::ready(answer))
        }
    }
    Arc::new(FnApprover(f))
}

/// What the broker does when no channel answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unattended {
    /// Keep the call pending until [`Approvals::answer`] or the approval's timeout (a server
    /// with an approvals endpoint).
    #[default]
    Wait,
    /// Stop the run with the approval pending, to be answered and resumed later (a journaled
    /// run: exit 75).
    Stop,
    /// Decline at once: nobody could ever answer.
    Decline,
}

/// How an approval ended, for the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Waited {
    Answered(Answered),
    TimedOut,
    /// Nobody answered and the broker is set to [`Unattended::Stop`].
    Stopped,
    /// Too many approvals pending already.
    Flooded,
}

/// An approval the broker could not take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApprovalError {
    #[error("no pending approval {0}")]
    NotPending(String),
}

struct Slot {
    request: ApprovalRequest,
    reply: oneshot::Sender<Answered>,
}

#[derive(Default)]
struct Inner {
    pending: BTreeMap<String, Slot>,
    /// Answers given before the run asks (resume), by approval id, with the digest they hold for.
    prepared: HashMap<String, (String, Answered)>,
}

/// The session's pending approvals. Cheap to clone; every clone is the same broker, so a
/// server can keep one to answer approvals while the session's run waits on them.
#[derive(Clone)]
pub struct Approvals {
    inner: Arc<Mutex<Inner>>,
    approver: Option<Arc<dyn Approver>>,
    timeout: Duration,
    unattended: Unattended,
}

impl Default for Approvals {
    fn default() -> Self {
        Self {
            inner: Arc::default(),
            approver: None,
            timeout: DEFAULT_APPROVAL_TIMEOUT,
            unattended: Unattended::default(),
        }
    }
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approvals")
            .field("interactive", &self.approver.is_some())
            .field("timeout", &self.timeout)
            .field("unattended", &self.unattended)
            .field("pending", &self.lock().pending.len())
            .finish()
    }
}

impl Approvals {
    /// A broker with no interactive channel that waits [`DEFAULT_APPROVAL_TIMEOUT`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks `approver` first for every approval.
    #[must_use]
    pub fn with_approver(mut self, approver: Arc<dyn Approver>) -> Self {
        self.approver = Some(approver);
        self
    }

    /// How long a call waits for an answer; past it the call is declined (`EAPPROVAL`).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    #[must_use]
    pub fn with_unattended(mut self, unattended: Unattended) -> Self {
        self.unattended = unattended;
        self
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub fn unattended(&self) -> Unattended {
        self.unattended
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The approvals waiting for an answer, oldest id first.
    pub fn pending(&self) -> Vec<ApprovalRequest> {
        self.lock()
            .pending
            .values()
            .map(|s| s.request.clone())
            .collect()
    }

    /// Answers a pending approval. Single use: the approval is gone once answered.
    ///
    /// # Errors
    /// [`ApprovalError::NotPending`] if no call waits on `id` (answered already, timed out,
    /// or never asked).
    pub fn answer(&self, id: &str, answered: Answered) -> Result<(), ApprovalError> {
        let slot = self
            .lock()
            .pending
            .remove(id)
            .ok_or_else(|| ApprovalError::NotPending(id.to_string()))?;
        // The call may have stopped waiting just now (timeout, deadline); then nobody is told.
        let _ = slot.reply.send(answered);
        Ok(())
    }

    /// An answer for approval `id` of a later run, valid only for arguments whose digest is
    /// `args_sha256` and only once (see `airlock resume`).
    pub fn prepare(&self, id: &str, args_sha256: &str, answered: Answered) {
        self.lock()
            .prepared
            .insert(id.to_string(), (args_sha256.to_string(), answered));
    }

    /// Waits for an answer to `request`.
    pub(crate) async fn wait(&self, request: ApprovalRequest) -> Waited {
        let prepared = self.lock().prepared.remove(&request.id);
        // An answer prepared for other arguments does not hold for this call.
        if let Some((digest, answered)) = prepared
            && digest == request.args_sha256
        {
            return Waited::Answered(answered);
        }
        let (tx, rx) = oneshot::channel();
        {
            let mut inner = self.lock();
            if inner.pending.len() >= MAX_PENDING {
                return Waited::Flooded;
            }
            inner.pending.insert(
                request.id.clone(),
                Slot {
                    request: request.clone(),
                    reply: tx,
                },
            );
        }
        let id = request.id.clone();
        let outcome = self.wait_for(request, rx).await;
        self.lock().pending.remove(&id);
        outcome
    }

    async fn wait_for(
        &self,
        request: ApprovalRequest,
        mut rx: oneshot::Receiver<Answered>,
    ) -> Waited {
        let timeout = tokio::time::sleep(self.timeout);
        tokio::pin!(timeout);
        if let Some(approver) = &self.approver {
            // Answers from elsewhere (an HTTP endpoint, the Rust API) count while the
            // interactive channel asks; the first answer wins.
            tokio::select! {
                asked = approver.ask(&request) => {
                    if let Some(answered) = asked {
                        return Waited::Answered(answered);
                    }
                }
                answered = &mut rx => {
                    return answered.map_or(Waited::TimedOut, Waited::Answered);
                }
                () = &mut timeout => return Waited::TimedOut,
            }
        }
        match self.unattended {
            Unattended::Stop => Waited::Stopped,
            Unattended::Decline => Waited::Answered(Answered::new(
                Answer::decline(Some("no approval channel could answer".into())),
                "none",
            )),
            Unattended::Wait => tokio::select! {
                answered = &mut rx => answered.map_or(Waited::TimedOut, Waited::Answered),
                () = &mut timeout => Waited::TimedOut,
            },
        }
    }
}

/// Milliseconds since the Unix epoch of `t`.
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
