//! Components on OCI registries for airlock: publish and pull in the wasm OCI artifact layout
//! (shared with `wkg` and other component hosts), credentials from where users keep them, and the
//! local content-addressed store that lets pinned runs work offline.

pub mod auth;
mod error;
pub mod oci;
pub mod sign;
pub mod store;

pub use error::Error;
pub use oci::{ComponentMeta, Published, Pulled, parse_reference, publish, pull};
pub use store::{Digest, Store};
