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

/// Returns the pre-initialised guest module (wasm bytes).
pub(crate) fn preinitialize(guest: &[u8], state: RunState) -> wasmtime::Result<Vec<u8>> {
    // A plain engine: the snapshot is compiled again by the sandbox's own engine afterwards,
    // and initialisation needs neither pooling, fuel nor epochs.
    let engine = Engine::default();
    let mut wizer = Wizer::new();
    wizer.init_func(INIT_FUNC);
    let (cx, instrumented) = wizer.instrument(guest)?;
    let module = Module::new(&engine, &instrumented)?;
    let mut linker = Linker::new(&engine);
    wasi::add_to_linker(&mut linker, &module)?;
    imports::add_to_linker(&mut linker)?;
    let mut store = Store::new(&engine, state);
    let instance = linker.instantiate(&mut store, &module)?;
    if let Ok(reactor_init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
        reactor_init.call(&mut store, ())?;
    }
    instance
        .get_typed_func::<(), ()>(&mut store, INIT_FUNC)?
        .call(&mut store, ())?;
    let complaints = &store.data().stderr.bytes;
    if !complaints.is_empty() {
        wasmtime::bail!(
            "the guest failed to initialise: {}",
            String::from_utf8_lossy(complaints).trim_end()
        );
    }
    block_on(wizer.snapshot(
        &cx,
        &mut Snapshotter {
            store: &mut store,
            instance,
        },
    ))
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
