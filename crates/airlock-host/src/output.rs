//! What a run produces.

use std::fmt;
use std::time::Duration;

use crate::exit_code;

/// The language of a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Language {
    /// JavaScript (QuickJS, ES2023), with top-level `await` and `return`.
    JavaScript,
    /// POSIX shell.
    Shell,
    /// TypeScript: types are blanked out on the host (see the `airlock-typescript` crate), so
    /// the JavaScript that runs keeps every line and column of the script.
    TypeScript,
}

impl Language {
    /// Infers the language from a file name's extension (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`,
    /// `.cts`, `.sh`, `.bash`).
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        match path.extension()?.to_str()? {
            "js" | "mjs" | "cjs" => Some(Self::JavaScript),
            "ts" | "mts" | "cts" => Some(Self::TypeScript),
            "sh" | "bash" => Some(Self::Shell),
            _ => None,
        }
    }
}

impl From<airlock_journal::Language> for Language {
    /// The language a journal recorded a run in.
    fn from(language: airlock_journal::Language) -> Self {
        match language {
            airlock_journal::Language::Shell => Self::Shell,
            airlock_journal::Language::TypeScript => Self::TypeScript,
            _ => Self::JavaScript,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::JavaScript => "js",
            Self::Shell => "sh",
            Self::TypeScript => "ts",
        })
    }
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The script finished by itself with this exit code (0 success, 1 uncaught error, ...).
    Exited(i32),
    /// The wall-clock timeout expired.
    Timeout,
    /// The memory limit was reached.
    OutOfMemory,
    /// The fuel budget ran out.
    OutOfFuel,
    /// The script recursed past the stack limit.
    StackOverflow,
    /// The guest trapped for another reason (the message says which).
    Crashed(String),
    /// A replayed script made a different tool call than the recording (the message says
    /// which call and how it differs).
    Diverged(String),
    /// A call waits for a human's approval that nobody could give during the run (the message
    /// names the approval); resume the run once it is answered.
    Pending(String),
    /// The host stopped the run through the session's [`crate::Interrupt`] (a caller's
    /// cancellation).
    Interrupted,
}

impl Termination {
    /// The process-style exit code of this termination (see [`crate::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Exited(code) => *code,
            Self::Timeout => exit_code::TIMEOUT,
            Self::OutOfMemory => exit_code::OUT_OF_MEMORY,
            Self::OutOfFuel => exit_code::OUT_OF_FUEL,
            Self::StackOverflow => exit_code::STACK_OVERFLOW,
            Self::Crashed(_) => exit_code::CRASH,
            Self::Diverged(_) => exit_code::DIVERGED,
            Self::Pending(_) => exit_code::PENDING,
            Self::Interrupted => exit_code::INTERRUPTED,
        }
    }
}

/// Resources a run used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Usage {
    /// Wall-clock time of the run, instantiation included.
    pub wall: Duration,
    /// Fuel burnt, when fuel metering is on.
    pub fuel: Option<u64>,
    /// Peak guest linear memory in bytes.
    pub peak_memory: u64,
    /// Tool calls the script made, denied and failed ones included.
    pub tool_calls: u64,
}

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RunOutput {
    /// What the script wrote to stdout (cut at [`crate::Limits::stdout_bytes`]).
    pub stdout: Vec<u8>,
    /// What the script wrote to stderr, followed by airlock's own message when a limit ended the
    /// run (cut at [`crate::Limits::stderr_bytes`]).
    pub stderr: Vec<u8>,
    /// The process-style exit code: the script's own, or one of [`crate::exit_code`].
    pub exit_code: i32,
    /// Why the run ended.
    pub termination: Termination,
    /// The script's return value as JSON, when it returned one JSON can represent.
    pub value: Option<serde_json::Value>,
    /// Resources used.
    pub usage: Usage,
    /// The run's tool calls, in the order the script made them.
    pub calls: Vec<crate::ToolCall>,
}

impl RunOutput {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Whether the run exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }
}
