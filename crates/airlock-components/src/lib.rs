//! The component host of airlock: WebAssembly components as tools.
//!
//! A component file becomes a set of tools (one per exported function the host can offer), typed
//! by its WIT: arguments and results cross as JSON checked against schemas derived from the WIT
//! ([`types`]). Every call runs in a fresh instance in a store of its own, with no ambient
//! authority: only the grants of its `[[component]]` (hosts it may reach over `wasi:http`,
//! environment values) and bounded by its limits (time, memory, fuel, output).
//!
//! ```no_run
//! use airlock_components::{ComponentHost, ComponentSpec};
//!
//! let host = ComponentHost::shared(false)?;
//! let weather = host.load_file("weather.wasm".as_ref(), ComponentSpec::new("weather"))?;
//! let tools = weather.tools(|_| true); // weather/get-forecast, ...
//! # Ok::<(), airlock_components::Error>(())
//! ```

mod cache;
mod capture;
mod component;
mod error;
mod files;
mod grants;
mod host;
pub mod layer;
mod state;
mod tool;
pub mod types;

pub use component::{ComponentSpec, Function, Import, LoadedComponent, Provided, Skipped};
pub use error::Error;
pub use grants::{FileGrant, Grants, Limits, MAX_MEMORY};
pub use host::{ComponentHost, HostConfig};
pub use layer::{ComponentLayer, LayerSpec};
