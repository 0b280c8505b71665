//! What can go wrong setting up MCP, in words that name the server and suggest a fix.

/// An error starting an upstream server or serving MCP.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    /// The configuration of an upstream server is wrong.
    #[error("MCP server '{server}': {message}")]
    Config { server: String, message: String },
    /// An upstream server could not be started or did not answer.
    #[error(
        "MCP server '{server}' did not start: {message}\nhint: run its command by hand to see what it prints; `airlock mcp list` retries"
    )]
    Start { server: String, message: String },
    /// Serving MCP failed (the transport, the listening socket).
    #[error("{0}")]
    Serve(String),
}

impl McpError {
    pub(crate) fn config(server: &str, message: String) -> Self {
        Self::Config {
            server: server.to_string(),
            message,
        }
    }

    pub(crate) fn start(server: &str, message: String) -> Self {
        Self::Start {
            server: server.to_string(),
            message,
        }
    }
}
