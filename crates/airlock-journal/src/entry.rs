//! The three kinds of journal entry, exactly as they appear on a line.
//!
//! Field order in the structs is the field order in the JSON, so it is part of
//! the format: reordering fields changes every hash written afterwards.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One line of the journal.
///
/// Every entry carries `seq` (its 0-based position in the file) and `prev`
/// (the hash of the line before it). [`Journal::append`](crate::Journal::append)
/// fills both in, so callers may leave them at their defaults.
// Unboxed on purpose: the variants are matched and built by value all over
// the host and replay, and an entry's few hundred inline bytes are small next
// to the script and JSON it owns on the heap.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Entry {
    /// A run begins.
    Start(StartEntry),
    /// The script called a tool.
    Call(CallEntry),
    /// A run ended.
    End(EndEntry),
}

impl Entry {
    /// The entry's position in the file, 0-based.
    pub fn seq(&self) -> u64 {
        match self {
            Self::Start(e) => e.seq,
            Self::Call(e) => e.seq,
            Self::End(e) => e.seq,
        }
    }

    /// The hash of the previous line (64 zeros for the first entry).
    pub fn prev(&self) -> &str {
        match self {
            Self::Start(e) => &e.prev,
            Self::Call(e) => &e.prev,
            Self::End(e) => &e.prev,
        }
    }

    /// The index of the run the entry belongs to.
    pub fn run(&self) -> u64 {
        match self {
            Self::Start(e) => e.run,
            Self::Call(e) => e.run,
            Self::End(e) => e.run,
        }
    }

    /// The value of the `kind` field: `"start"`, `"call"` or `"end"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Start(_) => "start",
            Self::Call(_) => "call",
            Self::End(_) => "end",
        }
    }

    /// Sets the chain fields; only the writer decides them.
    pub(crate) fn set_chain(&mut self, seq: u64, prev: &str) {
        let (s, p) = match self {
            Self::Start(e) => (&mut e.seq, &mut e.prev),
            Self::Call(e) => (&mut e.seq, &mut e.prev),
            Self::End(e) => (&mut e.seq, &mut e.prev),
        };
        *s = seq;
        prev.clone_into(p);
    }
}

/// The language a run's script is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// `"javascript"`.
    #[default]
    JavaScript,
    /// `"shell"`.
    Shell,
    /// `"typescript"`: the script as written; a replay strips its types again.
    TypeScript,
}

/// The start of a run: everything a replay needs besides the recorded calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartEntry {
    /// Position in the file, 0-based; set by the writer.
    pub seq: u64,
    /// Hash of the previous line; set by the writer.
    pub prev: String,
    /// When the run began, RFC 3339 UTC with milliseconds (see [`rfc3339_millis`](crate::rfc3339_millis)).
    pub time: String,
    /// Index of the run within its session, 0-based.
    pub run: u64,
    /// The script's language.
    pub language: Language,
    /// The script's file name.
    pub name: String,
    /// The full source text, so that a replay needs nothing but the journal.
    pub script: String,
    /// Seed of the run's random number generator.
    pub seed: u64,
    /// Whether clocks and randomness were made deterministic for the run.
    pub deterministic: bool,
    /// The tools the script could call: objects with `name`, `description`,
    /// `input_schema` and optionally `output_schema`. Kept as plain JSON so
    /// that the journal does not depend on the tool crate's types.
    pub tools: Vec<Value>,
    /// The config file the run's tools, policy and layers came from, so that
    /// `airlock resume` can rebuild them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// Present on a run that continues an earlier one stopped at a pending
    /// approval: the `seq` of that run's `start` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumes: Option<u64>,
}

/// Whether the policy let a call through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// `"allow"`: the tool ran.
    #[default]
    Allow,
    /// `"deny"`: the policy or a layer refused the call; the tool did not run.
    Deny,
    /// `"pending"`: the call waits for a human's approval; the run stopped there (exit 75) and
    /// `airlock resume` continues it once the approval is answered.
    Pending,
}

/// One tool call made by the script.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallEntry {
    /// Position in the file, 0-based; set by the writer.
    pub seq: u64,
    /// Hash of the previous line; set by the writer.
    pub prev: String,
    /// When the call was made, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// Index of the run the call belongs to.
    pub run: u64,
    /// Index of the call within its run, 0-based.
    pub call: u64,
    /// Name of the tool called.
    pub tool: String,
    /// The arguments, canonical (object keys sorted); the writer canonicalises them.
    pub args: Value,
    /// The policy's decision.
    pub decision: Decision,
    /// The policy rule that decided, e.g. `"allow[0]"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// SHA-256 of the call's canonical arguments, present when `args` was redacted (so a replay
    /// can still match the call it was made with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args_sha256: Option<String>,
    /// What each layer decided about the call, in the order they decided.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<LayerEntry>,
    /// The human approvals the call asked for, one per layer that asked, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalEntry>,
    /// The result in the tool's own key order, present when its canonical JSON is no larger than the
    /// writer's threshold (see [`result_fields`](crate::result_fields)).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub result: Option<Value>,
    /// Size in bytes of the result's canonical JSON; present whenever the tool returned a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_size: Option<u64>,
    /// SHA-256 (lowercase hex) of the result's canonical JSON; present whenever the tool returned a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_sha256: Option<String>,
    /// The tool's error, or the policy's reason for a denial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<CallError>,
    /// How long the call took, in microseconds.
    pub duration_us: u64,
    /// The script line that made the call, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What the tool noted beside its result: a component's stdout and stderr, the requests its
    /// grants refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// The changes the call made to the session's files (a component with a read-write
    /// `files` grant), in the order they were applied. Only a call that succeeded has any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
}

/// One change a call made to the session's files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// `"write"` (the file was created or replaced), `"mkdir"` or `"remove"` (with everything
    /// under it).
    pub op: String,
    /// The absolute path in the session's filesystem.
    pub path: String,
    /// A write's new contents, base64 (standard alphabet, padded), when small enough to keep
    /// (see [`file_fields`](crate::file_fields)); a replay needs them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// A write's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// SHA-256 (lowercase hex) of a write's contents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// One layer's decision on a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerEntry {
    /// The layer's name.
    pub layer: String,
    /// `before` or `after`.
    pub stage: String,
    /// `allow`, `deny`, `rewrite`, `approved`, `declined`, `timeout`, `pending`, `pass`,
    /// `replace`, `fail` or `error`.
    pub decision: String,
    /// The reason given for a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A human approval a call asked for. Codes are never recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalEntry {
    /// The approval's id (`airlock approvals approve FILE ID`).
    pub id: String,
    /// The layer that asked.
    pub layer: String,
    /// What the human was asked.
    pub prompt: String,
    /// `confirm` or `code`.
    pub method: String,
    /// SHA-256 of the canonical arguments the approval holds for.
    pub args_sha256: String,
    /// `approved`, `declined`, `timeout` or `pending`.
    pub status: String,
    /// Which channel answered, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// Why a call failed: a tool error or a policy denial.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallError {
    /// A short machine-readable code.
    pub code: String,
    /// A message for people.
    pub message: String,
    /// Structured detail the tool gave with its error (a component's `err` payload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// The end of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndEntry {
    /// Position in the file, 0-based; set by the writer.
    pub seq: u64,
    /// Hash of the previous line; set by the writer.
    pub prev: String,
    /// When the run ended, RFC 3339 UTC with milliseconds.
    pub time: String,
    /// Index of the run that ended.
    pub run: u64,
    /// The script's exit code.
    pub exit_code: i32,
    /// Number of call entries in the run.
    pub calls: u64,
}

/// A field that is there, `null` included (serde reads a `null` `Option` as `None`): a tool that
/// returned `null` has a result.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}
