//! The network of airlock sandboxes.
//!
//! The guest has no sockets. A script's `fetch` (and the shell's `curl`) is a call of the
//! built-in tool [`FETCH_TOOL`] (`http/fetch`), so every request passes the same pipeline as
//! any tool call (schema, policy, layers, journal, replay) before the host makes it. The host
//! then checks each hop itself against [`Network`]: only http and https, only allowed hosts
//! and methods, no loopback, private, link-local or metadata address unless that exact address
//! is allowed (checked after resolving the name, and connected to as checked), bounded in size
//! and time. [`Secret`]s are headers the host adds to matching requests; the script never has
//! them, and they are scrubbed from the responses it gets back.
//!
//! A response travels back as the call's JSON result (bytes as base64, a third larger), so the
//! sandbox's `tool_result` limit must hold `max_response`'s worth: the CLI raises it to fit;
//! an embedder sets `Limits::tool_result_bytes` itself.
//!
//! ```no_run
//! use airlock_net::{Network, fetch_tool};
//!
//! let network = Network::default().allow("api.github.com")?;
//! let tool = fetch_tool(network)?;
//! assert_eq!(tool.spec().name, "http/fetch");
//! # Ok::<(), airlock_net::NetError>(())
//! ```

mod config;
mod fetch;
mod rules;

pub use config::{NetError, Network, REDACTED, Secret};
pub use fetch::{FETCH_TOOL, Fetch, fetch_tool};
pub use rules::{
    HostRule, HostRuleError, OutOfReach, canonical, listed, parse_method, special_use, within_reach,
};
