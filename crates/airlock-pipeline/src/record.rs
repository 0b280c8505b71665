//! What a run reports about its tool calls, and the structured refusal a call carries until it
//! is encoded for the script.

use std::time::Duration;

use serde_json::Value;

/// Bytes of arguments and results a run's records keep in all; past it they keep only names
/// and outcomes, so a script making many large calls cannot grow host memory without bound.
const RECORD_BYTES: usize = 16 * 1024 * 1024;

/// One tool call a run made, in the order the script made them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolCall {
    /// The tool's name as configured.
    pub tool: String,
    /// The arguments (`None` once the run's record budget is spent).
    pub args: Option<Value>,
    /// The policy rule that allowed the call (`allow[0]`), if rules are configured.
    pub rule: Option<String>,
    /// The result (`None` for a failed call, or once the record budget is spent).
    pub result: Option<Value>,
    /// Why the call failed: a denial, an invalid argument, the tool's own error.
    pub error: Option<ToolCallError>,
    /// How long the tool took (zero for calls that never reached it).
    pub duration: Duration,
    /// The script line that made the call, when known.
    pub line: Option<u32>,
    /// What the tool noted beside its result (a component's output, refused requests).
    pub log: Option<String>,
}

/// A failed tool call, as the script saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolCallError {
    /// `EPOLICY`, `EINVAL`, `ENOENT`, `E2BIG`, `ETOOL`, `ETIMEDOUT`, `EUNAVAILABLE`,
    /// `EAPPROVAL`, `EDENIED` (see [`Code`]).
    pub code: String,
    pub message: String,
    /// Structured detail of a tool's error (a component's `err` payload); the script's error
    /// carries it as `data`.
    pub data: Option<Value>,
}

impl ToolCallError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
            data: None,
        }
    }
}

/// Why a call did not produce a result: the code the script's error carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `EPOLICY`: the capability policy refused the call.
    Policy,
    /// `EINVAL`: the arguments are malformed or break the tool's input schema.
    Invalid,
    /// `ENOENT`: no such tool.
    NotFound,
    /// `E2BIG`: a size, depth or count bound.
    TooBig,
    /// `ETOOL`: the tool failed or broke its output schema.
    Tool,
    /// `ETIMEDOUT`: the tool did not answer in time.
    Timeout,
    /// `EUNAVAILABLE`: the tool, the runtime or the journal cannot serve calls.
    Unavailable,
    /// `EAPPROVAL`: a human declined the call, gave a wrong code, or did not answer in time.
    Approval,
    /// `EDENIED`: a layer refused the call, or failed (layers fail closed).
    Denied,
    /// A code read back from a journal that this version does not know.
    Recorded(String),
}

impl Code {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Policy => "EPOLICY",
            Self::Invalid => "EINVAL",
            Self::NotFound => "ENOENT",
            Self::TooBig => "E2BIG",
            Self::Tool => "ETOOL",
            Self::Timeout => "ETIMEDOUT",
            Self::Unavailable => "EUNAVAILABLE",
            Self::Approval => "EAPPROVAL",
            Self::Denied => "EDENIED",
            Self::Recorded(code) => code,
        }
    }

    /// The code of a journaled error.
    pub fn from_journal(code: &str) -> Self {
        [
            Self::Policy,
            Self::Invalid,
            Self::NotFound,
            Self::TooBig,
            Self::Tool,
            Self::Timeout,
            Self::Unavailable,
            Self::Approval,
            Self::Denied,
        ]
        .into_iter()
        .find(|c| c.as_str() == code)
        .unwrap_or_else(|| Self::Recorded(code.to_string()))
    }

    /// The code of a tool's own error.
    pub fn of_tool_error(kind: airlock_tools::ToolErrorKind) -> Self {
        use airlock_tools::ToolErrorKind as K;
        match kind {
            K::Timeout => Self::Timeout,
            K::Unavailable => Self::Unavailable,
            K::Refused => Self::Policy,
            _ => Self::Tool,
        }
    }

    /// Whether the call was refused before reaching the tool by the policy or a layer: the
    /// journal records such a call as denied.
    pub fn is_denial(&self) -> bool {
        matches!(self, Self::Policy | Self::Approval | Self::Denied)
    }
}

/// A call that produced no result: its code and the message the script sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
    /// Structured detail a tool gave with its error.
    pub data: Option<Value>,
}

impl Refusal {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    #[must_use]
    pub fn with_data(mut self, data: Option<Value>) -> Self {
        self.data = data;
        self
    }

    /// The refusal as a run's records report it.
    pub fn to_error(&self) -> ToolCallError {
        let mut error = ToolCallError::new(self.code.as_str(), self.message.clone());
        error.data.clone_from(&self.data);
        error
    }
}

/// A run's call records, within [`RECORD_BYTES`].
#[derive(Debug, Default)]
pub struct Records {
    pub calls: Vec<ToolCall>,
    bytes: usize,
}

impl Records {
    /// Keeps `call`, dropping its arguments and result if they no longer fit.
    pub(crate) fn push(&mut self, mut call: ToolCall, args_bytes: usize, result_bytes: usize) {
        let wanted = args_bytes + result_bytes;
        if self.bytes + wanted > RECORD_BYTES {
            call.args = None;
            call.result = None;
        } else {
            self.bytes += wanted;
        }
        self.calls.push(call);
    }
}
