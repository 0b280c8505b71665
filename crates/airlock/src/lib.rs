//! airlock runs the one script an AI agent wrote — JavaScript today — inside WebAssembly, over a
//! virtual filesystem, with time, memory and output limits enforced by the host, and every tool
//! call checked by a capability policy and journaled on the host.
//!
//! ```
//! use airlock::{Language, Sandbox, SandboxConfig};
//!
//! # fn main() -> Result<(), airlock::Error> {
//! // Built once per process and shared: compiles the guest or loads it from the cache.
//! let sandbox = Sandbox::new(SandboxConfig::default())?;
//!
//! // A session owns a filesystem that persists across its runs.
//! let mut session = sandbox.session();
//! session.run(Language::JavaScript, "await fs.writeFile('notes.txt', 'hello')")?;
//!
//! let out = session.run(
//!     Language::JavaScript,
//!     "const text = await fs.readFile('notes.txt'); return { text, length: text.length }",
//! )?;
//! assert_eq!(out.exit_code, 0);
//! assert_eq!(out.stdout_text(), "{\"text\":\"hello\",\"length\":5}\n");
//! assert_eq!(out.value, Some(serde_json::json!({ "text": "hello", "length": 5 })));
//!
//! // Runaway code is stopped cleanly; the session and its files survive.
//! let mut limits = session.limits().clone();
//! limits.timeout = Some(std::time::Duration::from_millis(200));
//! session.set_limits(limits)?;
//! let out = session.run(Language::JavaScript, "while (true) {}")?;
//! assert_eq!(out.termination, airlock::Termination::Timeout);
//! assert_eq!(out.exit_code, airlock::exit_code::TIMEOUT);
//! assert!(session.vfs().exists("/workspace/notes.txt"));
//! # Ok(())
//! # }
//! ```
//!
//! # Tools and the policy
//!
//! A script calls the host only through tools; each call passes the tool's JSON Schema, the
//! capability policy and its budgets on the host, and is recorded.
//!
//! ```
//! use airlock::policy::Policy;
//! use airlock::tool::{ToolSpec, Toolbox, tool_fn};
//! use airlock::{Language, Sandbox, SandboxConfig, Toolset};
//! use serde_json::json;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut toolbox = Toolbox::new();
//! let transfer = ToolSpec::new("bank/transfer", "Move money").with_input_schema(json!({
//!     "type": "object",
//!     "properties": { "amount": { "type": "number" } },
//!     "required": ["amount"]
//! }));
//! toolbox.add(tool_fn(transfer, |args| async move { Ok(json!({ "sent": args["amount"] })) }))?;
//! let policy = Policy::from_toml(
//!     "[[allow]]\ntools = \"bank/*\"\n[allow.args]\namount = { min = 1, max = 1000 }",
//!     "airlock.toml",
//! )?;
//! let mut config = SandboxConfig::default();
//! config.tools = Toolset::new(toolbox, policy);
//! let mut session = Sandbox::new(config)?.session();
//!
//! let out = session.run(Language::JavaScript, r#"
//!     const ok = await bank.transfer({ amount: 10 });
//!     try { await bank_transfer({ amount: 5000 }); } catch (e) { console.log(e.code, String(e)); }
//!     return ok;
//! "#)?;
//! assert_eq!(out.stdout_text(), "EPOLICY PolicyDenied: bank/transfer: amount = 5000 violates \
//!     max 1000 (allow[0] in airlock.toml); allowed range 1..1000\n{\"sent\":10}\n");
//! assert_eq!(out.calls.len(), 2);
//! assert_eq!(out.calls[1].error.as_ref().map(|e| e.code.as_str()), Some("EPOLICY"));
//! # Ok(())
//! # }
//! ```
//!
//! # Limits and their defaults
//!
//! | knob | default | when exceeded |
//! |---|---|---|
//! | [`Limits::timeout`] | 10 s | run stopped, exit 124 |
//! | [`Limits::memory`] | 256 MiB | catchable `out of memory`; uncaught: exit 137 |
//! | [`Limits::stdout_bytes`] / [`Limits::stderr_bytes`] | 1 MiB each | cut, with a marker line |
//! | [`Limits::source_bytes`] | 1 MiB | refused before running |
//! | [`Limits::fuel`] | off | run stopped, exit 152 |
//! | [`vfs::VfsLimits`] | 256 MiB, 50,000 files | `ENOSPC` error in the script |
//! | stack depth | about 9,000 nested calls | a catchable `RangeError`, as in Node (exit 139 only for native recursion QuickJS does not check) |
//! | [`Limits::tool_calls_per_run`] | 10,000 | `E2BIG` for each further call |
//! | [`Limits::tool_timeout`] | 30 s | `ETIMEDOUT` |
//! | [`Limits::tool_concurrency`] | 16 per batch | the rest wait |
//! | [`Limits::tool_args_bytes`] / [`Limits::tool_result_bytes`] | 1 MiB / 4 MiB | `E2BIG` |
//! | [`Limits::tool_json_depth`] | 64 | `E2BIG` |
//!
//! # How it works
//!
//! [`Sandbox`] holds one wasmtime engine and the guest (QuickJS built for `wasm32-wasip1`),
//! pre-initialised with its runtime, context and prelude snapshotted into the module and
//! compiled once into an on-disk cache. Each [`Session::run`] instantiates a fresh copy-on-write
//! instance from a pooling allocator, so a run that traps leaves nothing behind, while the
//! session's filesystem lives on the host.

pub use airlock_host::{
    Answer, ApprovalRequest, Approvals, Approver, Error, ErrorKind, Interrupt,
    JOURNAL_RESULT_THRESHOLD, Language, LayerStack, Limits, OutputStream, Replay, RunOutput,
    Sandbox, SandboxConfig, Session, SessionImage, Termination, ToolCall, ToolCallError, Toolset,
    Unattended, Usage, VIRTUAL_EPOCH_UNIX_MS, approver_fn, exit_code, journal, pipeline, policy,
    tool, vfs,
};
pub use airlock_host::{KNOBS, Knob, KnobInput, KnobUnit, knob, units};

/// WebAssembly components as tools: the component host, grants and limits, and the WIT <-> JSON
/// mapping.
pub use airlock_components as components;

/// The network, as the built-in tool `http/fetch` behind `fetch` and `curl`: host and address
/// rules, bounds, and secrets the host adds to requests without the script seeing them.
pub use airlock_net as net;
