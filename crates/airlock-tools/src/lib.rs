//! Tools an airlock sandbox can call: what a tool is ([`ToolSpec`], [`Tool`]), the backends
//! that serve calls (Rust closures with [`tool_fn`] and [`typed_tool`], host programs with
//! [`exec_tool`]), the [`Toolbox`] that holds them with their schemas compiled, and the
//! TypeScript declarations and prompt text generated from them.

mod changes;
pub mod dts;
mod error;
mod exec;
pub mod packages;
pub mod prompt;
mod registry;
mod spec;
mod tool;

pub use changes::{FileChange, FileChanges, apply_changes};
pub use error::{ToolError, ToolErrorKind, ToolsetError};
pub use exec::{ExecCommand, exec_tool};
pub use registry::{RegisteredTool, Toolbox, check_spec};
pub use spec::ToolSpec;
pub use tool::{CallContext, CallLog, Tool, ToolFuture, tool_fn, typed_tool};
