//! The component host of airlock: WebAssembly components as tools.
//!
//! A component file becomes a set of tools (one per exported function the host can offer), typed
//! by its WIT: arguments and results cross as JSON checked against schemas derived from the WIT
//! ([`types`]). Every call runs in a store of its own, with no ambient authority: only the grants
//! of its `[[component]]` (hosts it may reach over `wasi:http`, environment values) and bounded by
//! its limits (time, memory, fuel, output).

pub mod types;
