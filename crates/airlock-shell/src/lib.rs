//! A POSIX-style shell for the airlock sandbox: the grammar agents use (parsed by
//! `brush-parser`), an interpreter, and the usual text tools as built-in utilities. Pure Rust:
//! it runs natively (and is tested that way) and inside the sandbox's WebAssembly guest, where a
//! [`System`] implementation reaches the host.
//!
//! Commands are async and the stages of a pipeline run concurrently on one thread, joined by
//! bounded pipes: data streams with back-pressure, and `head` closing early stops its upstream.

pub mod builtins;
pub mod cmd;
pub mod exec;
pub mod io;
pub mod path;
pub mod system;
#[cfg(test)]
pub(crate) mod testing;

pub use cmd::{Cmd, Spawn, Utility};
pub use io::{Broken, Input, Output};
pub use system::{DirEntry, FileInfo, FsError, JsOutput, MemSystem, System};
