//! [`ComponentHost`]: the engine every component of a process runs on, with the linker that
//! gives them WASI and `wasi:http`, the epoch ticker that bounds their time, and the compile cache.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use wasmtime::component::Linker;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::component::{ComponentSpec, LoadedComponent};
use crate::error::Error;
use crate::grants::MAX_MEMORY;
use crate::state::State;

/// How often running components are interrupted to check their deadline and let other tasks run.
const TICK: Duration = Duration::from_millis(5);

/// Settings of a [`ComponentHost`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HostConfig {
    /// Where compiled components are cached (with the compiled guest). Default: the guest's
    /// cache folder (`$AIRLOCK_CACHE_DIR`, else `$XDG_CACHE_HOME/airlock`, else
    /// `$HOME/.cache/airlock`); `None` compiles in memory every time.
    pub cache_dir: Option<PathBuf>,
    /// Whether calls can be metered with fuel (`limits.fuel`). Metering slows every component
    /// of the host a little, so it is on only when asked for.
    pub fuel: bool,
    /// Component instances alive at once (calls in flight, all components together).
    pub max_instances: u32,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self {
            cache_dir: default_cache_dir(),
            fuel: false,
            max_instances: 256,
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

/// The engine components run on. One per process is the intent ([`ComponentHost::shared`]);
/// each call gets a store of its own.
pub struct ComponentHost {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<State>,
    /// The tools' linker plus the `airlock:layer` imports.
    pub(crate) layer_linker: Linker<State>,
    cache_dir: Option<PathBuf>,
    pub(crate) fuel: bool,
    pub(crate) ticker: Ticker,
}

impl std::fmt::Debug for ComponentHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentHost")
            .field("cache_dir", &self.cache_dir)
            .field("fuel", &self.fuel)
            .finish_non_exhaustive()
    }
}

impl ComponentHost {
    /// Starts a host.
    ///
    /// # Errors
    /// The engine could not be configured (no virtual memory for the instance pool, say).
    pub fn new(config: HostConfig) -> Result<Arc<Self>, Error> {
        let max = config.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::default();
        // Toolchains differ in shape: a componentize-py component has a dozen core instances and
        // tables of tens of thousands of functions.
        pool.total_component_instances(max)
            .total_core_instances(max * 8)
            .total_memories(max * 2)
            .total_tables(max * 8)
            .total_stacks(max)
            .max_core_instances_per_component(64)
            .max_memories_per_component(8)
            .max_tables_per_component(64)
            .max_core_instance_size(8 << 20)
            .max_component_instance_size(8 << 20)
            .table_elements(200_000)
            .max_memory_size(usize::try_from(MAX_MEMORY).unwrap_or(usize::MAX));
        let mut c = Config::new();
        c.cranelift_opt_level(OptLevel::Speed)
            .wasm_component_model(true)
            .concurrency_support(false)
            .epoch_interruption(true)
            .consume_fuel(config.fuel)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine =
            Engine::new(&c).map_err(|e| Error::engine("starting the component engine", e))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| Error::engine("linking WASI", e))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| Error::engine("linking wasi:http", e))?;
        let mut layer_linker = linker.clone();
        crate::layer::add_to_linker(&mut layer_linker)
            .map_err(|e| Error::engine("linking the layer interfaces", e))?;
        Ok(Arc::new(Self {
            ticker: Ticker::start(engine.clone()),
            engine,
            linker,
            layer_linker,
            cache_dir: config.cache_dir,
            fuel: config.fuel,
        }))
    }

    /// The process's host with default settings, started on first use; `fuel` picks the one
    /// that meters fuel.
    ///
    /// # Errors
    /// What [`ComponentHost::new`] reports.
    pub fn shared(fuel: bool) -> Result<Arc<Self>, Error> {
        static PLAIN: OnceLock<Result<Arc<ComponentHost>, String>> = OnceLock::new();
        static FUELED: OnceLock<Result<Arc<ComponentHost>, String>> = OnceLock::new();
        let cell = if fuel { &FUELED } else { &PLAIN };
        cell.get_or_init(|| {
            Self::new(HostConfig {
                fuel,
                ..HostConfig::default()
            })
            .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::config)
    }

    /// Where compiled components are cached.
    pub fn cache_dir(&self) -> Option<&Path> {
        self.cache_dir.as_deref()
    }

    /// Loads a component file: compiled once into the cache, then mapped.
    ///
    /// # Errors
    /// The file cannot be read, is not a component, or uses what this host cannot run.
    pub fn load_file(
        self: &Arc<Self>,
        path: &Path,
        spec: ComponentSpec,
    ) -> Result<LoadedComponent, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::config(format!(
                "cannot read the component file {}: {e}",
                path.display()
            ))
        })?;
        self.load(&bytes, spec)
    }

    /// Loads a component from its bytes.
    ///
    /// # Errors
    /// As [`ComponentHost::load_file`].
    pub fn load(
        self: &Arc<Self>,
        bytes: &[u8],
        spec: ComponentSpec,
    ) -> Result<LoadedComponent, Error> {
        LoadedComponent::load(self, bytes, spec)
    }
}

/// Advances the engine's epoch every [`TICK`] while a call is running, and sleeps otherwise.
pub(crate) struct Ticker {
    shared: Arc<TickerShared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct TickerShared {
    active: AtomicUsize,
    stop: AtomicBool,
}

impl Ticker {
    fn start(engine: Engine) -> Self {
        let shared = Arc::new(TickerShared::default());
        let s = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("airlock-component-epoch".into())
            .spawn(move || {
                while !s.stop.load(Ordering::Acquire) {
                    if s.active.load(Ordering::Acquire) == 0 {
                        thread::park();
                        continue;
                    }
                    thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Self { shared, thread }
    }

    /// Marks a call running until the guard drops.
    pub(crate) fn activate(&self) -> TickGuard {
        if self.shared.active.fetch_add(1, Ordering::AcqRel) == 0
            && let Some(t) = &self.thread
        {
            t.thread().unpark();
        }
        TickGuard(Arc::clone(&self.shared))
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

/// A running call; the ticker sleeps when none is left.
pub(crate) struct TickGuard(Arc<TickerShared>);

impl Drop for TickGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}
