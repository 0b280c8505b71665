//! The airlock guest: QuickJS wired to the airlock host imports.
//!
//! The host pre-initialises this module once (`wizer.initialize`: runtime, context and prelude
//! are built and snapshotted into the data segments), then calls `run` once per fresh instance.
//! The guest has no filesystem, environment or sockets of its own: everything goes through the
//! `airlock` host imports in [`host`].

mod alloc;
mod host;
mod modules;
mod natives;
mod node;
mod run;
mod shell;
mod stack;
mod strtod;

#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

/// Builds the QuickJS runtime, context and prelude. Called once, at snapshot time.
#[unsafe(export_name = "wizer.initialize")]
pub extern "C" fn initialize() {
    run::initialize();
}

/// Compiles the bundled packages the host hands over and hands their bytecode back. Called
/// once, at snapshot time, in a throwaway instance.
#[unsafe(export_name = "airlock.compile_packages")]
pub extern "C" fn compile_packages() {
    if let Err(e) = modules::compile_packages() {
        host::write(
            2,
            format!("airlock: the bundled packages could not be compiled: {e}\n").as_bytes(),
        );
    }
}

/// Where the host placed the packages' bytecode in this instance's memory (snapshot time,
/// after `wizer.initialize`).
#[unsafe(export_name = "airlock.packages_at")]
pub extern "C" fn packages_at(address: usize, len: usize) {
    modules::packages_at(address, len);
}

/// Runs the request the host holds and returns the exit code.
#[unsafe(export_name = "run")]
pub extern "C" fn run() -> i32 {
    run::run()
}
