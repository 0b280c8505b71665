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

#[global_allocator]
static ALLOCATOR: alloc::Allocator = alloc::Allocator;

/// Builds the QuickJS runtime, context and prelude. Called once, at snapshot time.
#[unsafe(export_name = "wizer.initialize")]
pub extern "C" fn initialize() {
    run::initialize();
}

/// Runs the request the host holds and returns the exit code.
#[unsafe(export_name = "run")]
pub extern "C" fn run() -> i32 {
    run::run()
}
