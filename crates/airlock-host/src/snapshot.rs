//! Pre-initialisation: run the guest's `wizer.initialize` once (QuickJS runtime, context and
//! prelude) and snapshot the resulting memory into a new module, so every run starts from a
//! ready heap instead of building one.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use wasmtime::{Engine, Instance, Linker, Module, Store};
use wasmtime_wizer::{InstanceState, SnapshotVal, Wizer};

use crate::state::RunState;
use crate::{imports, wasi};

const INIT_FUNC: &str = "wizer.initialize";
const COMPILE_FUNC: &str = "airlock.compile_packages";
const PLACE_FUNC: &str = "airlock.packages_at";
const PAGE: usize = 65536;

/// Returns the pre-initialised guest module (wasm bytes). `state` makes the state of each of
/// the two instances involved.
pub(crate) fn preinitialize(
    guest: &[u8],
    state: impl Fn() -> RunState,
) -> wasmtime::Result<Vec<u8>> {
    // A plain engine: the snapshot is compiled again by the sandbox's own engine afterwards,
    // and initialisation needs neither pooling, fuel nor deadline checks.
    let engine = Engine::default();
    let mut wizer = Wizer::new();
    wizer.init_func(INIT_FUNC);
    let (cx, instrumented) = wizer.instrument(guest)?;
    let module = Module::new(&engine, &instrumented)?;
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &module)?;
    imports::add_to_linker(&mut linker)?;

    // The bundled packages are compiled by a throwaway instance, so that compiling them leaves
    // nothing in the snapshot's heap (a heap full of freed holes spreads every run's small
    // allocations over more pages, and made trivial runs 2.5 times slower).
    let bytecode = {
        let mut compiling = state();
        compiling.compiled_packages = Some(Vec::new());
        let mut store = Store::new(&engine, compiling);
        let instance = start(&linker, &mut store, &module)?;
        instance
            .get_typed_func::<(), ()>(&mut store, COMPILE_FUNC)?
            .call(&mut store, ())?;
        complaints(&store)?;
        let compiled = store
            .data_mut()
            .compiled_packages
            .take()
            .unwrap_or_default();
        crate::packages::pack(compiled.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
    };

    let mut store = Store::new(&engine, state());
    let instance = start(&linker, &mut store, &module)?;
    instance
        .get_typed_func::<(), ()>(&mut store, INIT_FUNC)?
        .call(&mut store, ())?;
    complaints(&store)?;
    place_packages(&mut store, instance, &bytecode)?;
    block_on(wizer.snapshot(
        &cx,
        &mut Snapshotter {
            store: &mut store,
            instance,
        },
    ))
}

fn start(
    linker: &Linker<RunState>,
    store: &mut Store<RunState>,
    module: &Module,
) -> wasmtime::Result<Instance> {
    let instance = linker.instantiate(&mut *store, module)?;
    if let Ok(reactor_init) = instance.get_typed_func::<(), ()>(&mut *store, "_initialize") {
        reactor_init.call(&mut *store, ())?;
    }
    Ok(instance)
}

/// What the guest wrote to stderr while initialising is why it failed.
fn complaints(store: &Store<RunState>) -> wasmtime::Result<()> {
    let complaints = &store.data().stderr.bytes;
    if !complaints.is_empty() {
        wasmtime::bail!(
            "the guest failed to initialise: {}",
            String::from_utf8_lossy(complaints).trim_end()
        );
    }
    Ok(())
}

/// Writes the packages' bytecode into pages added past the end of the instance's memory (the
/// allocator's heap ends there; it takes later pages above these) and tells the guest where.
fn place_packages(
    store: &mut Store<RunState>,
    instance: Instance,
    bytecode: &[u8],
) -> wasmtime::Result<()> {
    let memory = instance
        .get_memory(&mut *store, "memory")
        .ok_or_else(|| wasmtime::format_err!("the guest exports no memory"))?;
    let pages = u64::try_from(bytecode.len().div_ceil(PAGE))?;
    let start = memory.grow(&mut *store, pages)?;
    let address = usize::try_from(start)? * PAGE;
    memory.write(&mut *store, address, bytecode)?;
    instance
        .get_typed_func::<(u32, u32), ()>(&mut *store, PLACE_FUNC)?
        .call(
            &mut *store,
            (u32::try_from(address)?, u32::try_from(bytecode.len())?),
        )?;
    Ok(())
}

struct Snapshotter<'a> {
    store: &'a mut Store<RunState>,
    instance: Instance,
}

impl InstanceState for Snapshotter<'_> {
    async fn global_get(&mut self, name: &str, _hint: wasmtime_wizer::ValType) -> SnapshotVal {
        let global = self.instance.get_global(&mut *self.store, name);
        match global.map(|g| g.get(&mut *self.store)) {
            Some(wasmtime::Val::I32(x)) => SnapshotVal::I32(x),
            Some(wasmtime::Val::I64(x)) => SnapshotVal::I64(x),
            Some(wasmtime::Val::F32(x)) => SnapshotVal::F32(x),
            Some(wasmtime::Val::F64(x)) => SnapshotVal::F64(x),
            Some(wasmtime::Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            // The instrumented module exports exactly the globals wizer asks for, all numeric.
            _ => SnapshotVal::I32(0),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        match self.instance.get_memory(&mut *self.store, name) {
            Some(memory) => contents(memory.data(&*self.store)),
            None => contents(&[]),
        }
    }
}

/// Drives a future that never waits: wizer's snapshot API and `call_async` are async, but with
/// only synchronous host functions every step completes immediately.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::yield_now();
    }
}
