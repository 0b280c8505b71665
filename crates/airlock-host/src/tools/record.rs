//! What a run reports about its tool calls ([`crate::RunOutput::calls`]).

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
}

/// A failed tool call, as the script saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolCallError {
    /// `EPOLICY`, `EINVAL`, `ENOENT`, `E2BIG`, `ETOOL`, `ETIMEDOUT`, `EUNAVAILABLE`.
    pub code: String,
    pub message: String,
}

impl ToolCallError {
    pub(crate) fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

/// A run's call records, within [`RECORD_BYTES`].
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub(crate) calls: Vec<ToolCall>,
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
