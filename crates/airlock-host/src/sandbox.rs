//! [`Sandbox`]: the engine, the compiled guest and the deadline ticker, built once and shared.

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use airlock_vfs::Vfs;
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, InstancePre, Linker, OptLevel,
    PoolingAllocationConfig,
};

use crate::deadline::{self, Flag};
use crate::error::{Error, ErrorKind};
use crate::limits::SandboxConfig;
use crate::state::RunState;
use crate::{Session, cache, imports, snapshot, wasi};
use airlock_pipeline::RunTools;

/// The guest program, built by this crate's build script.
const GUEST_WASM: &[u8] = include_bytes!(env!("AIRLOCK_GUEST_WASM_PATH"));
/// blake3 of [`GUEST_WASM`], computed at build time so start-up does not hash it.
const GUEST_HASH: &str = env!("AIRLOCK_GUEST_HASH");

/// Native stack the guest may use. QuickJS's own limit (2.5 MiB of its shadow stack, about
/// 9,000 nested JavaScript calls; see the guest's stack.rs) comes first for JavaScript, as a
/// catchable RangeError; this one is the backstop, and ends the run with exit code 139. Some
/// recursion uses far more native stack than shadow stack: the parser on nested literals takes
/// about 2 KiB of this per `[` and a few bytes of QuickJS's, so with 16 MiB `eval("[".repeat(8000))`
/// ended the run where QuickJS would have thrown. At 64 MiB QuickJS's check comes first for
/// every nesting tried (literals, parentheses, arrows, JSON, a million levels deep). It is
/// address space: a run's fiber stack only takes memory for the pages it touches, and process
/// start and trivial runs measured the same. Runs execute on a fiber stack of this size (see
/// session.rs), whatever the caller's thread has.
pub(crate) const WASM_STACK: usize = 64 * 1024 * 1024;

/// Fiber stack kept beyond [`WASM_STACK`] for the host functions the guest calls.
const HOST_STACK: usize = 2 * 1024 * 1024;

/// How often the ticker raises the running guests' deadline flags; a deadline or an interrupt
/// is noticed within about one tick.
const TICK: Duration = Duration::from_millis(1);

/// A ready-to-run sandbox: cheap to clone, `Send + Sync`, shared by every session.
///
/// Building one compiles the pre-initialised guest (about a second), or loads it from the
/// module cache (about a millisecond).
#[derive(Clone, Debug)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) engine: Engine,
    pub(crate) pre: InstancePre<RunState>,
    pub(crate) config: SandboxConfig,
    pub(crate) ticker: Ticker,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Builds a sandbox.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] for impossible limits, [`ErrorKind::Engine`] if the guest
    /// cannot be compiled or instantiated (a broken build).
    pub fn new(config: SandboxConfig) -> Result<Self, Error> {
        validate(&config)?;
        let engine = Engine::new(&engine_config(&config))
            .map_err(|e| Error::engine("creating the wasmtime engine", e))?;
        let key = cache_key(&engine, config.interruptible);
        let module = cache::load_or_build(&engine, config.cache_dir.as_deref(), &key, || {
            let guest = guest_module(&config)?.0;
            engine
                .precompile_module(&guest)
                .map_err(|e| Error::engine("compiling the guest", e))
        })?;
        let mut linker = Linker::new(&engine);
        wasi::add_to_linker(&mut linker, &module)
            .and_then(|()| imports::add_to_linker(&mut linker))
            .map_err(|e| Error::engine("linking the guest", e))?;
        let pre = linker
            .instantiate_pre(&module)
            .map_err(|e| Error::engine("preparing the guest", e))?;
        let ticker = Ticker::start();
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                pre,
                config,
                ticker,
            }),
        })
    }

    /// A new session with this sandbox's default limits and an empty filesystem.
    pub fn session(&self) -> Session {
        Session::new(self)
    }

    /// The configuration this sandbox was built with.
    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }
}

/// The guest module a sandbox with `config` runs: pre-initialised, and with the deadline checks
/// compiled in if it is interruptible (with what the pass did).
fn guest_module(config: &SandboxConfig) -> Result<(Vec<u8>, Option<deadline::Report>), Error> {
    let state = || {
        RunState::new(
            Vfs::new(config.vfs.clone()),
            &config.limits,
            Vec::new(),
            None,
            RunTools::idle(),
        )
    };
    let snapshot = snapshot::preinitialize(GUEST_WASM, state)
        .map_err(|e| Error::engine("pre-initialising the guest", e))?;
    if !config.interruptible {
        return Ok((snapshot, None));
    }
    let (guest, report) = deadline::instrument(&snapshot)
        .map_err(|e| Error::engine("compiling the deadline checks in", e))?;
    Ok((guest, Some(report)))
}

fn validate(config: &SandboxConfig) -> Result<(), Error> {
    const MIN_MEMORY: u64 = 16 * 1024 * 1024;
    if config.limits.memory < MIN_MEMORY {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "memory limit of {} bytes is too small",
                config.limits.memory
            ),
        )
        .with_hint("the JavaScript engine alone needs about 10 MiB; use at least 16 MiB"));
    }
    if config.max_concurrent_runs == 0 {
        return Err(Error::new(
            ErrorKind::InvalidConfig,
            "max_concurrent_runs must be at least 1",
        ));
    }
    Ok(())
}

/// Dirty linear memory a finished run may leave resident in its pool slot (reset in place
/// rather than unmapped); a trivial run dirties well under 1 MiB, a busy one a few MiB.
const KEEP_RESIDENT: usize = 8 << 20;
/// The same for the function table.
const KEEP_RESIDENT_TABLE: usize = 1 << 20;

fn engine_config(config: &SandboxConfig) -> Config {
    let mut pool = PoolingAllocationConfig::default();
    let slots = config.max_concurrent_runs;
    // Two memories an instance: the guest's own, and the page of its deadline flag.
    pool.total_core_instances(slots)
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots)
        .max_memories_per_module(2)
        .max_tables_per_module(1)
        .table_elements(100_000)
        .total_stacks(slots)
        .max_memory_size(usize::try_from(config.limits.memory).unwrap_or(usize::MAX));
    if PoolingAllocationConfig::is_pagemap_scan_available() {
        // Reset a finished run's memory by copying back only the pages it dirtied, and keep
        // them mapped and private: the next run then writes to them without a copy-on-write
        // fault per page. Without the PAGEMAP_SCAN ioctl (Linux before 6.7) keeping memory
        // resident would mean a memset of all of it per run, so the default (madvise) stays.
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT_TABLE);
    }
    let mut c = Config::new();
    c.cranelift_opt_level(OptLevel::Speed)
        .max_wasm_stack(WASM_STACK)
        .async_stack_size(WASM_STACK + HOST_STACK)
        .consume_fuel(config.fuel)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    c
}

/// Names the compiled guest: the guest's own hash plus everything about the engine that changes
/// the compiled code (wasmtime version, target, compiler and tunables such as fuel), and whether
/// the deadline checks are compiled in.
fn cache_key(engine: &Engine, interruptible: bool) -> cache::Key {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    let engine_hash = hasher.finish();
    let mut key = blake3::Hasher::new();
    key.update(&engine_hash.to_le_bytes());
    key.update(b"snapshot-v1");
    key.update(if interruptible {
        deadline::VERSION.as_bytes()
    } else {
        b"no-deadline"
    });
    cache::Key {
        guest: GUEST_HASH[..16].to_string(),
        engine: key.finalize().to_hex()[..16].to_string(),
    }
}

/// Raises the deadline flag of every running guest once per [`TICK`], and sleeps while none
/// runs, so idle sandboxes cost nothing.
#[derive(Debug)]
pub(crate) struct Ticker {
    shared: Arc<TickerShared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct TickerShared {
    /// The flags of the running guests (each lives in its own instance's memory, so a flag
    /// also names its run).
    running: Mutex<Vec<Flag>>,
    stop: AtomicBool,
}

impl TickerShared {
    fn running(&self) -> std::sync::MutexGuard<'_, Vec<Flag>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Ticker {
    fn start() -> Self {
        let shared = Arc::new(TickerShared::default());
        let s = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("airlock-deadline".into())
            .spawn(move || {
                while !s.stop.load(Ordering::Acquire) {
                    if s.running().is_empty() {
                        thread::park();
                        continue;
                    }
                    thread::sleep(TICK);
                    for flag in s.running().iter() {
                        flag.raise();
                    }
                }
            })
            .ok();
        Self { shared, thread }
    }

    /// Raises `flag` every tick until the guard drops.
    ///
    /// # Safety
    /// The memory `flag` points into must outlive the guard.
    pub(crate) unsafe fn watch(&self, flag: Flag) -> TickGuard<'_> {
        let mut running = self.shared.running();
        running.push(flag);
        if running.len() == 1
            && let Some(t) = &self.thread
        {
            t.thread().unpark();
        }
        TickGuard { ticker: self, flag }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

/// Keeps a run's flag raised every tick while alive. Dropping it takes the flag out of the
/// ticker's list under the list's lock, so no raise can reach the memory after that.
pub(crate) struct TickGuard<'a> {
    ticker: &'a Ticker,
    flag: Flag,
}

impl Drop for TickGuard<'_> {
    fn drop(&mut self) {
        self.ticker.shared.running().retain(|f| *f != self.flag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pass finds QuickJS's interpreter by name in the pre-initialised guest. If a build
    /// change lost the name section, every bytecode instruction would pay for a check again
    /// (timeouts would still work, 20-28% slower).
    #[test]
    fn the_guest_gets_checks_everywhere_but_in_the_interpreter() {
        let (_, report) = guest_module(&SandboxConfig::default()).expect("guest module");
        let report = report.expect("an interruptible sandbox instruments its guest");
        assert_eq!(report.unchecked, ["JS_CallInternal"]);
        assert!(
            report.checked_loops > 1000,
            "only {} loops checked",
            report.checked_loops
        );
        let config = SandboxConfig {
            interruptible: false,
            ..SandboxConfig::default()
        };
        assert!(guest_module(&config).expect("guest module").1.is_none());
    }
}
