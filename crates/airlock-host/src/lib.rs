//! The wasmtime embedding of airlock.
//!
//! [`Sandbox`] owns the shared, expensive stage (one [`wasmtime::Engine`], the pre-initialised and
//! compiled guest, its `InstancePre` and the deadline ticker); [`Session`] owns the state an agent's
//! runs share (the virtual filesystem and the run history); every [`Session::run`] gets a fresh
//! instance, so a run that traps leaves nothing behind.
//!
//! Most users want the `airlock-sandbox` facade crate, which re-exports this API.

mod cache;
mod deadline;
mod error;
mod fsops;
mod imports;
mod knobs;
mod limits;
mod output;
mod packages;
mod sandbox;
mod session;
mod snapshot;
mod state;
pub mod units;
mod wasi;

pub use airlock_journal as journal;
pub use airlock_pipeline as pipeline;
pub use airlock_pipeline::{
    Answer, ApprovalRequest, Approvals, Approver, Interrupt, JOURNAL_RESULT_THRESHOLD, LayerStack,
    Replay, ToolCall, ToolCallError, Toolset, Unattended, VIRTUAL_EPOCH_UNIX_MS, approver_fn,
};
pub use airlock_policy as policy;
pub use airlock_tools as tool;
pub use airlock_vfs as vfs;
pub use error::{Error, ErrorKind};
pub use knobs::{KNOBS, Knob, KnobInput, KnobUnit, knob};
pub use limits::{Limits, SandboxConfig};
pub use output::{Language, RunOutput, Termination, Usage};
pub use sandbox::Sandbox;
pub use session::{Session, SessionImage};
pub use state::OutputStream;

/// Exit codes a run ends with when a limit stops it; a script's own exit code otherwise.
pub mod exit_code {
    /// The script threw an uncaught error.
    pub const ERROR: i32 = 1;
    /// The script's top-level promise never settled.
    pub const UNSETTLED: i32 = 13;
    /// The wall-clock timeout expired (as GNU `timeout`).
    pub const TIMEOUT: i32 = 124;
    /// The guest crashed (a trap that is not a limit: a host or guest bug).
    pub const CRASH: i32 = 134;
    /// The script recursed so deeply the stack overflowed (as SIGSEGV on a native stack).
    pub const STACK_OVERFLOW: i32 = 139;
    /// The memory limit was reached (as a process killed for memory).
    pub const OUT_OF_MEMORY: i32 = 137;
    /// The fuel budget ran out (as SIGXCPU, CPU time limit exceeded).
    pub const OUT_OF_FUEL: i32 = 152;
    /// A replayed script made a different tool call than the journal recorded.
    pub const DIVERGED: i32 = 125;
    /// A call waits for a human's approval and nobody could answer during the run; the journal
    /// records it pending, and `airlock resume` continues the run once it is answered (as
    /// sysexits' `EX_TEMPFAIL`).
    pub const PENDING: i32 = 75;
    /// The run was interrupted from the host ([`crate::Interrupt`]), as a process stopped by
    /// SIGINT.
    pub const INTERRUPTED: i32 = 130;
}
