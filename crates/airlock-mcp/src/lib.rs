//! MCP both ways for airlock.
//!
//! - [`server`]: the sandbox as a code-mode MCP server (`airlock serve`): one `run` tool whose
//!   description declares every tool the policy may allow, over stdio or streamable HTTP.
//! - [`store`]: sessions kept in Redis, so several servers serve them in turn.
//! - [`upstream`]: tools of other MCP servers imported into the sandbox as `SERVER/TOOL`,
//!   called through the same policy, validation and journal as every other tool.

mod approvals;
mod durable;
mod error;
pub mod http;
mod metrics;
pub mod server;
mod sessions;
pub mod store;
pub mod upstream;

pub use error::McpError;
pub use http::{HttpOptions, HttpServer, Identity, Token};
pub use server::{AirlockServer, Profile, ServerOptions, serve_stdio};
pub use store::RedisStore;
pub use upstream::{Skipped, Upstream, UpstreamConfig, UpstreamTransport};
