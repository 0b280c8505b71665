//! The data a run's wasmtime `Store` carries: everything the host imports touch.

use std::sync::Arc;
use std::time::Instant;

use airlock_vfs::Vfs;

use airlock_pipeline::{BatchExit, RunTools};
use wasmtime::{Caller, Extern, Memory, ResourceLimiter};

/// The guest's exported linear memory.
pub(crate) fn guest_memory(caller: &mut Caller<'_, RunState>) -> Option<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Some(m),
        _ => None,
    }
}

/// The `len` bytes at `ptr` in guest memory `data`, if they lie inside it.
pub(crate) fn guest_slice(data: &[u8], ptr: u32, len: u32) -> Option<&[u8]> {
    let start = ptr as usize;
    data.get(start..start.checked_add(len as usize)?)
}

/// Why the host itself ended a run from inside an import (as opposed to a wasm trap).
#[derive(Debug)]
pub(crate) enum HostExit {
    /// The guest called `proc_exit`.
    Exit(i32),
    /// A sleep, timer or tool call reached the run's deadline.
    Timeout,
    /// A replayed script made a call the recording did not (see `RunTools::stopped`).
    Diverged,
    /// A call waits for an approval nobody can give now (see `RunTools::stopped`).
    Pending,
    /// The session's [`airlock_pipeline::Interrupt`] fired.
    Interrupted,
}

impl From<BatchExit> for HostExit {
    fn from(exit: BatchExit) -> Self {
        match exit {
            BatchExit::Timeout => Self::Timeout,
            BatchExit::Diverged => Self::Diverged,
            _ => Self::Pending,
        }
    }
}

impl std::fmt::Display for HostExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exit(code) => write!(f, "exit({code})"),
            Self::Timeout => f.write_str("deadline reached"),
            Self::Diverged => f.write_str("replay diverged"),
            Self::Pending => f.write_str("approval pending"),
            Self::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for HostExit {}

/// A bounded output stream: keeps the first `limit` bytes, remembers how much was cut, and
/// hands every kept byte to the session's output handler as it is written.
#[derive(Debug)]
pub(crate) struct OutputSink {
    pub(crate) bytes: Vec<u8>,
    limit: usize,
    pub(crate) dropped: u64,
    stream: OutputStream,
    handler: Option<OutputHandler>,
}

impl OutputSink {
    pub(crate) fn new(limit: usize, stream: OutputStream, handler: Option<OutputHandler>) -> Self {
        Self {
            bytes: Vec::new(),
            limit,
            dropped: 0,
            stream,
            handler,
        }
    }

    /// An empty sink standing in for one taken out of a finished run.
    pub(crate) fn detached() -> Self {
        Self::new(0, OutputStream::Stdout, None)
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        let room = self.limit.saturating_sub(self.bytes.len());
        let keep = data.len().min(room);
        if keep > 0
            && let Some(handler) = &self.handler
        {
            (handler.0)(self.stream, &data[..keep]);
        }
        self.bytes.extend_from_slice(&data[..keep]);
        self.dropped += (data.len() - keep) as u64;
    }

    /// The kept bytes, with a marker line when some were cut.
    pub(crate) fn finish(mut self, name: &str) -> Vec<u8> {
        if self.dropped > 0 {
            if !self.bytes.ends_with(b"\n") && !self.bytes.is_empty() {
                self.bytes.push(b'\n');
            }
            let marker = format!(
                "[airlock: {name} truncated: {} bytes kept, {} dropped]\n",
                self.limit, self.dropped
            );
            self.bytes.extend_from_slice(marker.as_bytes());
        }
        self.bytes
    }
}

/// Which output stream bytes were written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputStream {
    /// The script's standard output.
    Stdout,
    /// The script's standard error.
    Stderr,
}

/// The shape of an output callback: which stream, and the bytes written to it.
pub(crate) type OutputFn = dyn Fn(OutputStream, &[u8]) + Send + Sync;

/// A callback that sees a run's output as it is written (see [`crate::Session::on_output`]).
#[derive(Clone)]
pub(crate) struct OutputHandler(pub(crate) Arc<OutputFn>);

impl std::fmt::Debug for OutputHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutputHandler")
    }
}

/// Caps the guest's memory and remembers whether it asked for more than allowed.
#[derive(Debug)]
pub(crate) struct MemoryCap {
    pub(crate) limit: usize,
    pub(crate) denied: bool,
}

/// Table elements a guest may grow to. QuickJS's function table is fixed at build time; this
/// only bounds a hostile module.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// Per-run state.
#[derive(Debug)]
pub(crate) struct RunState {
    pub(crate) stdout: OutputSink,
    pub(crate) stderr: OutputSink,
    pub(crate) memory: MemoryCap,
    /// The session's filesystem, lent to the run and handed back after it.
    pub(crate) vfs: Vfs,
    /// The encoded run request (see the guest's `host::request`).
    pub(crate) request: Vec<u8>,
    /// The result of the last host call, waiting for the guest to copy it out.
    pub(crate) pending: airlock_vfs::FileData,
    /// When the run must end, if it has a deadline.
    pub(crate) deadline: Option<Instant>,
    /// The instance's deadline flag, while the ticker raises it (see deadline.rs).
    pub(crate) flag: Option<crate::deadline::Flag>,
    /// The script's return value, as the guest reported it.
    pub(crate) value: Option<serde_json::Value>,
    /// Host-chosen randomness for the WASI `random_get` import.
    pub(crate) rng: u64,
    /// The session's tools, budgets, journal and clock, lent to the run.
    pub(crate) tools: RunTools,
    /// The packages' bytecode, by name, as a compiling instance hands it over (snapshot time
    /// only; `None` in runs, where the `package.*` operations do not exist).
    pub(crate) compiled_packages: Option<Vec<(String, Vec<u8>)>>,
    /// The largest script the host parses for the guest: a module file it imports, or a
    /// `node` script whose imports it rewrites (the run's source limit).
    pub(crate) source_bytes: usize,
}

impl RunState {
    pub(crate) fn new(
        vfs: Vfs,
        limits: &crate::Limits,
        request: Vec<u8>,
        handler: Option<OutputHandler>,
        tools: RunTools,
    ) -> Self {
        Self {
            stdout: OutputSink::new(limits.stdout_bytes, OutputStream::Stdout, handler.clone()),
            stderr: OutputSink::new(limits.stderr_bytes, OutputStream::Stderr, handler),
            memory: MemoryCap {
                limit: usize::try_from(limits.memory).unwrap_or(usize::MAX),
                denied: false,
            },
            vfs,
            request,
            pending: airlock_vfs::FileData::default(),
            deadline: None,
            flag: None,
            value: None,
            rng: 0,
            tools,
            compiled_packages: None,
            source_bytes: limits.source_bytes,
        }
    }
}
