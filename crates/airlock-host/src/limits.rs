//! The limits every run is held to, each a named knob with a documented default.

use std::path::PathBuf;
use std::time::Duration;

use airlock_vfs::VfsLimits;

use airlock_pipeline::{ToolLimits, Toolset};

/// Per-run limits. Every size the guest controls is bounded by one of these on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Wall-clock time a run may take, sleeps and timers included. Default 10 s. `None` runs
    /// without a deadline. When it expires the run ends with [`crate::Termination::Timeout`]
    /// (exit code 124), within about a millisecond.
    pub timeout: Option<Duration>,
    /// Bytes of guest linear memory. Default 256 MiB. JavaScript sees a catchable
    /// `InternalError: out of memory` first; an uncaught one ends the run with
    /// [`crate::Termination::OutOfMemory`] (exit code 137).
    pub memory: u64,
    /// Bytes of stdout kept. Default 1 MiB; past it the output is cut and a marker line added.
    pub stdout_bytes: usize,
    /// Bytes of stderr kept. Default 1 MiB; past it the output is cut and a marker line added.
    pub stderr_bytes: usize,
    /// Bytes of source code accepted. Default 1 MiB; larger code is refused before it runs.
    pub source_bytes: usize,
    /// Fuel (roughly, wasm instructions) a run may burn: a deterministic CPU budget. Default
    /// `None` (off). Needs [`SandboxConfig::fuel`] on; when it runs out the run ends with
    /// [`crate::Termination::OutOfFuel`] (exit code 152).
    pub fuel: Option<u64>,
    /// Tool calls one run may make. Default 10,000; past it each call fails with `E2BIG`
    /// (a script looping over a tool by mistake stops costing anything).
    pub tool_calls_per_run: u64,
    /// Default time one tool call may take, for tools that set no timeout of their own.
    /// Default 30 s; past it the call fails with `ETIMEDOUT` and its work is abandoned.
    pub tool_timeout: Duration,
    /// Tool calls of one batch (`Promise.all`) run at the same time. Default 16; the rest wait.
    pub tool_concurrency: usize,
    /// Bytes of one call's JSON arguments. Default 1 MiB; larger ones fail with `E2BIG`.
    pub tool_args_bytes: usize,
    /// Bytes of one call's JSON result. Default 4 MiB; a larger result fails the call with
    /// `E2BIG` instead of reaching the script.
    pub tool_result_bytes: usize,
    /// Nesting depth of arguments and results. Default 64; deeper values fail with `E2BIG`.
    pub tool_json_depth: usize,
}

impl Limits {
    /// The bounds on tool calls, for the pipeline.
    pub fn tool_limits(&self) -> ToolLimits {
        let mut t = ToolLimits::default();
        t.calls_per_run = self.tool_calls_per_run;
        t.timeout = self.tool_timeout;
        t.concurrency = self.tool_concurrency;
        t.args_bytes = self.tool_args_bytes;
        t.result_bytes = self.tool_result_bytes;
        t.depth = self.tool_json_depth;
        t
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Some(Duration::from_secs(10)),
            memory: 256 * 1024 * 1024,
            stdout_bytes: 1024 * 1024,
            stderr_bytes: 1024 * 1024,
            source_bytes: 1024 * 1024,
            fuel: None,
            tool_calls_per_run: 10_000,
            tool_timeout: Duration::from_secs(30),
            tool_concurrency: 16,
            tool_args_bytes: 1024 * 1024,
            tool_result_bytes: 4 * 1024 * 1024,
            tool_json_depth: 64,
        }
    }
}

/// How a [`crate::Sandbox`] is built. The engine-level choices here change the compiled code, so
/// they are fixed for the sandbox's lifetime (and are part of the module cache key).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Default limits for sessions. [`Limits::memory`] here is also the most any session may use.
    pub limits: Limits,
    /// Quotas of each session's virtual filesystem. Default 256 MiB and 50,000 files.
    pub vfs: VfsLimits,
    /// Compile fuel metering in (costs some speed). Default `false`.
    pub fuel: bool,
    /// Compile the deadline checks in, which timeouts and interrupts need. Default `true`;
    /// turning it off makes every run ignore [`Limits::timeout`].
    pub interruptible: bool,
    /// Runs that may execute at the same time (size of the instance pool). Default 16; one more
    /// fails with [`crate::ErrorKind::Busy`].
    pub max_concurrent_runs: u32,
    /// Where the compiled guest is cached. Default `$AIRLOCK_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/airlock`, else `$HOME/.cache/airlock`; `None` after resolution means the
    /// guest is compiled in memory on every start (about a second).
    pub cache_dir: Option<PathBuf>,
    /// The tools sessions get unless they are given their own ([`crate::Session::set_toolset`]),
    /// with the policy and layers over them. Default: none.
    pub tools: Toolset,
}

impl SandboxConfig {
    /// What the system prompt says of a sandbox built with this config whose scripts may be
    /// written in `languages`: its limits, its storage and, when it has rules, its policy.
    pub fn prompt_env(&self, languages: &[&str]) -> airlock_tools::prompt::PromptEnv {
        let policy = self.tools.policy();
        airlock_tools::prompt::PromptEnv {
            languages: languages.iter().map(ToString::to_string).collect(),
            timeout: self.limits.timeout,
            memory_bytes: self.limits.memory,
            stdout_bytes: self.limits.stdout_bytes as u64,
            vfs_bytes: self.vfs.max_bytes,
            vfs_files: self.vfs.max_files,
            mounts: Vec::new(),
            policy_summary: (policy.rule_count() > 0).then(|| policy.describe()),
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            vfs: VfsLimits::default(),
            fuel: false,
            interruptible: true,
            max_concurrent_runs: 16,
            cache_dir: default_cache_dir(),
            tools: Toolset::default(),
        }
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("AIRLOCK_CACHE_DIR")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("airlock")))
        .or_else(|| var("HOME").map(|d| d.join(".cache/airlock")))
}
