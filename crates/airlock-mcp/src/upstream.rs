//! Upstream MCP servers as sandbox tools.
//!
//! [`Upstream::connect`] starts a server (a child process speaking MCP on stdio, or a
//! streamable-HTTP endpoint), lists its tools and turns each one the `tools` pattern selects
//! into an [`airlock::tool::Tool`] named `SERVER/TOOL`. Calls then go through the sandbox's
//! pipeline like any other tool's: schema validation, policy, budgets, journal.
//!
//! The connection lives on the runtime `connect` ran on. A server that dies is started again
//! at once, in the background, and the next call waits for it (within its timeout); one that
//! cannot be started again, or dies again within a minute, stays down and its tools fail fast
//! with `EUNAVAILABLE` instead of hanging. Dropping the last [`Upstream`] handle and every tool made from it stops the
//! server (the child process is killed).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use airlock::policy::ToolPattern;
use airlock::tool::{CallContext, Tool, ToolError, ToolErrorKind, ToolFuture, ToolSpec};
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::{Peer, RunningService, ServiceError};
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::McpError;

/// How long a server may take to start and answer `initialize` and `tools/list` by default;
/// `npx -y` fetching a package on first use is the slow case.
pub const DEFAULT_START_TIMEOUT: Duration = Duration::from_secs(60);

/// One `[mcp_servers.NAME]` entry.
#[derive(Debug, Clone)]
pub struct UpstreamConfig {
    /// The name the imported tools are prefixed with (`NAME/TOOL`).
    pub name: String,
    pub transport: UpstreamTransport,
    /// Which of the server's tools to import (`*`, `**`, `get_*`, literal), matched against
    /// the server's own tool names.
    pub tools: String,
    /// Timeout of each call (the sandbox's `tool_timeout` when `None`).
    pub timeout: Option<Duration>,
    /// Timeout of starting the server and listing its tools.
    pub start_timeout: Duration,
}

/// How to reach an upstream server.
#[derive(Debug, Clone)]
pub enum UpstreamTransport {
    /// A child process speaking MCP over its stdin and stdout.
    Command {
        argv: Vec<String>,
        env: BTreeMap<String, String>,
        cwd: Option<PathBuf>,
    },
    /// A streamable-HTTP endpoint (`http://` only).
    Http { url: String },
}

impl UpstreamConfig {
    /// A child-process server, importing all of its tools.
    pub fn command(name: impl Into<String>, argv: Vec<String>) -> Self {
        Self {
            name: name.into(),
            transport: UpstreamTransport::Command {
                argv,
                env: BTreeMap::new(),
                cwd: None,
            },
            tools: "**".into(),
            timeout: None,
            start_timeout: DEFAULT_START_TIMEOUT,
        }
    }

    /// A streamable-HTTP server, importing all of its tools.
    pub fn http(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            transport: UpstreamTransport::Http { url: url.into() },
            tools: "**".into(),
            timeout: None,
            start_timeout: DEFAULT_START_TIMEOUT,
        }
    }
}

/// A server's tool that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub tool: String,
    pub reason: String,
}

/// A connected upstream server.
#[derive(Debug, Clone)]
pub struct Upstream {
    conn: Arc<Conn>,
    tools: Vec<Arc<dyn Tool>>,
    skipped: Vec<Skipped>,
}

type Service = RunningService<RoleClient, ()>;

struct Conn {
    config: UpstreamConfig,
    /// The runtime the connection's tasks run on (calls may come from another one).
    runtime: tokio::runtime::Handle,
    state: Mutex<State>,
    /// When it was last started again: a server that dies again within
    /// [`RESTART_WINDOW`] of that is not started a third time.
    restarted_at: std::sync::Mutex<Option<std::time::Instant>>,
}

/// A server is started again once per this much time; one that keeps dying stays down.
const RESTART_WINDOW: Duration = Duration::from_secs(60);

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("server", &self.config.name)
            .finish_non_exhaustive()
    }
}

enum State {
    Running(Box<Service>),
    /// It died and is being started again; the flag turns true when that is over.
    Restarting(tokio::sync::watch::Receiver<bool>),
    /// It died and could not be started again: calls fail with this message.
    Failed(String),
}

impl Upstream {
    /// Starts the server, lists its tools and imports those its `tools` pattern selects.
    ///
    /// # Errors
    /// An invalid pattern or name, a server that cannot be started, or one that does not
    /// answer `initialize` and `tools/list` within its start timeout.
    pub async fn connect(config: UpstreamConfig) -> Result<Self, McpError> {
        let pattern = ToolPattern::compile(&config.tools)
            .map_err(|e| McpError::config(&config.name, format!("tools: {e}")))?;
        if ToolSpec::new(config.name.as_str(), "")
            .flat_name()
            .is_empty()
            || config.name.contains(['/', '.'])
        {
            return Err(McpError::config(
                &config.name,
                "a server name is one segment of letters, digits, `_` and `-`".to_string(),
            ));
        }
        let runtime = tokio::runtime::Handle::current();
        let service = start(&config).await?;
        let listed = tokio::time::timeout(config.start_timeout, service.peer().list_all_tools())
            .await
            .map_err(|_| {
                McpError::start(
                    &config.name,
                    format!(
                        "it did not list its tools within {:?}",
                        config.start_timeout
                    ),
                )
            })?
            .map_err(|e| McpError::start(&config.name, format!("tools/list failed: {e}")))?;
        let conn = Arc::new(Conn {
            config,
            runtime,
            state: Mutex::new(State::Running(Box::new(service))),
            restarted_at: std::sync::Mutex::new(None),
        });
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        let mut skipped = Vec::new();
        for tool in listed {
            if !pattern.matches(&tool.name) {
                continue;
            }
            match import(&conn, &tool) {
                Ok(t) => tools.push(t),
                Err(reason) => skipped.push(Skipped {
                    tool: tool.name.to_string(),
                    reason,
                }),
            }
        }
        Ok(Self {
            conn,
            tools,
            skipped,
        })
    }

    /// The server's name, the prefix of its tools.
    pub fn name(&self) -> &str {
        &self.conn.config.name
    }

    /// The imported tools, in the server's order.
    pub fn tools(&self) -> &[Arc<dyn Tool>] {
        &self.tools
    }

    /// Tools the pattern selected but that could not be imported (a name airlock cannot use).
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Stops the server now (the tools made from it then fail with `EUNAVAILABLE`).
    pub async fn shutdown(&self) {
        let mut state = self.conn.state.lock().await;
        if let State::Running(service) = std::mem::replace(
            &mut *state,
            State::Failed("the server was shut down".into()),
        ) {
            let _ = service.cancel().await;
        }
    }
}

/// Starts the server and completes the MCP handshake.
async fn start(config: &UpstreamConfig) -> Result<Service, McpError> {
    let name = &config.name;
    let handshake = async {
        match &config.transport {
            UpstreamTransport::Command { argv, env, cwd } => {
                let Some((program, args)) = argv.split_first() else {
                    return Err(McpError::config(name, "`command` is empty".to_string()));
                };
                let mut command = tokio::process::Command::new(program);
                command.args(args).envs(env).kill_on_drop(true);
                if let Some(cwd) = cwd {
                    command.current_dir(cwd);
                }
                // The server's log lines are not ours to show on the sandbox's terminal.
                let (transport, _stderr) = TokioChildProcess::builder(command)
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .map_err(|e| McpError::start(name, format!("cannot run {program:?}: {e}")))?;
                ().serve(transport)
                    .await
                    .map_err(|e| McpError::start(name, format!("the MCP handshake failed: {e}")))
            }
            UpstreamTransport::Http { url } => {
                if !url.starts_with("http://") {
                    return Err(McpError::config(
                        name,
                        format!(
                            "url {url:?} is not http://; this build speaks plain HTTP to upstream servers (TLS is not built in)"
                        ),
                    ));
                }
                let transport = StreamableHttpClientTransport::from_uri(url.as_str());
                ().serve(transport)
                    .await
                    .map_err(|e| McpError::start(name, format!("the MCP handshake failed: {e}")))
            }
        }
    };
    tokio::time::timeout(config.start_timeout, handshake)
        .await
        .map_err(|_| {
            McpError::start(
                name,
                format!("it did not answer within {:?}", config.start_timeout),
            )
        })?
}

/// The sandbox tool for one of the server's tools.
fn import(conn: &Arc<Conn>, tool: &rmcp::model::Tool) -> Result<Arc<dyn Tool>, String> {
    let server = &conn.config.name;
    let description = tool
        .description
        .as_deref()
        .map(str::to_string)
        .or_else(|| tool.title.clone())
        .unwrap_or_default();
    let mut spec = ToolSpec::new(format!("{server}/{}", tool.name), description)
        .with_input_schema(Value::Object((*tool.input_schema).clone()));
    if let Some(output) = &tool.output_schema {
        spec = spec.with_output_schema(Value::Object((**output).clone()));
    }
    if let Some(timeout) = conn.config.timeout {
        spec = spec.with_timeout(timeout);
    }
    // The same rules as every other tool's name: checked here so one odd name skips one
    // tool rather than failing the whole server.
    airlock::tool::check_spec(&spec).map_err(|e| e.to_string())?;
    Ok(Arc::new(McpTool {
        spec,
        remote: tool.name.to_string(),
        conn: Arc::clone(conn),
    }))
}

/// A tool served by an upstream MCP server.
struct McpTool {
    spec: ToolSpec,
    /// The tool's name on its server.
    remote: String,
    conn: Arc<Conn>,
}

impl Tool for McpTool {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, _cx: CallContext) -> ToolFuture {
        let conn = Arc::clone(&self.conn);
        let remote = self.remote.clone();
        Box::pin(async move { conn.call(remote, args).await })
    }
}

impl Conn {
    /// A peer to send calls to, waiting for a restart under way, or starting one when the
    /// server died since the last call.
    async fn peer(self: &Arc<Self>) -> Result<Peer<RoleClient>, ToolError> {
        loop {
            let mut state = self.state.lock().await;
            let mut restarted = match &*state {
                State::Running(service)
                    if !service.is_closed() && !service.is_transport_closed() =>
                {
                    return Ok(service.peer().clone());
                }
                State::Running(_) => self.restart(&mut state),
                State::Restarting(done) => done.clone(),
                State::Failed(why) => return Err(self.unavailable(why)),
            };
            drop(state);
            // An error means the restart task is gone; the loop then reads its verdict.
            let _ = restarted.wait_for(|done| *done).await;
        }
    }

    /// Starts the server again, once: in a task of the connection's runtime, so that a call
    /// that gives up waiting (its timeout) does not abandon the restart.
    fn restart(self: &Arc<Self>, state: &mut State) -> tokio::sync::watch::Receiver<bool> {
        let (done, restarted) = tokio::sync::watch::channel(true);
        {
            let mut at = self.restarted_at.lock().unwrap_or_else(|e| e.into_inner());
            let now = std::time::Instant::now();
            if at.is_some_and(|t| now.duration_since(t) < RESTART_WINDOW) {
                *state = State::Failed(format!(
                    "it died again within {}s of being started again",
                    RESTART_WINDOW.as_secs()
                ));
                return restarted;
            }
            *at = Some(now);
        }
        done.send_replace(false);
        *state = State::Restarting(restarted.clone());
        let conn = Arc::clone(self);
        self.runtime.spawn(async move {
            let started = start(&conn.config).await;
            let mut state = conn.state.lock().await;
            *state = match started {
                Ok(service) => State::Running(Box::new(service)),
                Err(e) => State::Failed(format!("it died and could not be started again: {e}")),
            };
            drop(state);
            let _ = done.send(true);
        });
        restarted
    }

    async fn call(self: &Arc<Self>, remote: String, args: Value) -> Result<Value, ToolError> {
        let peer = self.peer().await?;
        let mut params = CallToolRequestParams::new(remote.clone());
        match args {
            Value::Object(map) => params = params.with_arguments(map),
            Value::Null => {}
            other => {
                return Err(ToolError::failed(format!(
                    "arguments must be an object, not {other}"
                )));
            }
        }
        match peer.call_tool(params).await {
            Ok(result) => result_value(&self.config.name, &remote, result),
            Err(ServiceError::TransportClosed | ServiceError::TransportSend(_)) => {
                // Start it again now, while the script goes on.
                let mut state = self.state.lock().await;
                if matches!(*state, State::Running(_)) {
                    self.restart(&mut state);
                }
                Err(ToolError::new(
                    ToolErrorKind::Unavailable,
                    format!(
                        "MCP server '{}' closed the connection during the call",
                        self.config.name
                    ),
                )
                .with_hint("the server is being started again for the next call"))
            }
            Err(ServiceError::McpError(e)) => Err(ToolError::failed(format!(
                "{}/{remote}: {} (MCP error {})",
                self.config.name, e.message, e.code.0
            ))),
            Err(e) => Err(ToolError::failed(format!(
                "{}/{remote}: {e}",
                self.config.name
            ))),
        }
    }

    fn unavailable(&self, why: &str) -> ToolError {
        ToolError::new(
            ToolErrorKind::Unavailable,
            format!("MCP server '{}' is unavailable: {why}", self.config.name),
        )
        .with_hint("check the server's command in the config file; `airlock mcp list` starts it and shows what fails")
    }
}

/// The script's view of a tool result: the structured content when there is some, the text
/// when the result is one text block, else the content blocks as MCP JSON.
fn result_value(server: &str, tool: &str, result: CallToolResult) -> Result<Value, ToolError> {
    if result.is_error == Some(true) {
        let text = texts(&result.content);
        return Err(ToolError::failed(if text.is_empty() {
            format!("{server}/{tool} reported an error")
        } else {
            text
        }));
    }
    if let Some(value) = result.structured_content {
        return Ok(value);
    }
    match result.content.as_slice() {
        [ContentBlock::Text(t)] => Ok(Value::String(t.text.clone())),
        blocks => serde_json::to_value(blocks)
            .map_err(|e| ToolError::failed(format!("{server}/{tool}: unreadable content: {e}"))),
    }
}

fn texts(content: &[ContentBlock]) -> String {
    content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
        .collect::<Vec<_>>()
        .join("\n")
}
