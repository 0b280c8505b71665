//! `airlock serve`: the sandbox as a code-mode MCP server.
//!
//! The server offers one tool, `run`, taking `{code, language}` and answering with the run's
//! stdout, stderr, exit code and return value. Its description carries the TypeScript
//! declarations of every tool the policy may allow, so a model writes correct calls on the
//! first try. With more tools than [`ServerOptions::discovery_threshold`], the description
//! lists only their names, and `search_tools` and `describe_tool` give the declarations on
//! demand.
//!
//! One MCP session is one airlock [`Session`]: files written by one `run` are there for the
//! next, and call budgets are counted across runs. Over stdio there is one session per
//! process; over HTTP, one per `Mcp-Session-Id`, and requests without one (the stateless
//! protocol) share one session per server.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use airlock::tool::{ToolSpec, dts};
use std::collections::HashMap;

use airlock::pipeline::{Answer, Answered};
use airlock::{Approvals, Language, RunOutput, Sandbox, Session, Unattended};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InputRequiredResult, InputResponses, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::McpError;

/// Default of [`ServerOptions::discovery_threshold`].
pub const DEFAULT_DISCOVERY_THRESHOLD: usize = 16;

/// How the server presents the sandbox.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerOptions {
    /// With more visible tools than this, `run`'s description lists names only and the
    /// `search_tools` and `describe_tool` tools appear.
    pub discovery_threshold: usize,
    /// How long a call waits for a person's approval. Default 5 minutes.
    pub approval_timeout: std::time::Duration,
    /// The token of the approvals endpoint (`GET /approvals`, `POST /approvals/{id}`) of the
    /// HTTP transport. Without one there is no endpoint, and an approval the MCP client cannot
    /// give through elicitation is declined at once.
    pub approvals_token: Option<String>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            discovery_threshold: DEFAULT_DISCOVERY_THRESHOLD,
            approval_timeout: airlock::pipeline::DEFAULT_APPROVAL_TIMEOUT,
            approvals_token: None,
        }
    }
}

/// The arguments of `run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunArgs {
    /// The script. JavaScript may use top-level `await` and `return`; the returned value is
    /// printed and also given as `value`.
    pub code: String,
    /// The script's language (default javascript).
    #[serde(default)]
    pub language: RunLanguage,
}

/// The languages `run` accepts.
#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunLanguage {
    #[default]
    Javascript,
    Shell,
}

/// What `run` answers, as structured content.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    /// The JavaScript return value (null when none, or for shell scripts).
    pub value: Value,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SearchArgs {
    /// Words to look for in tool names and descriptions (all must appear; case ignored).
    query: String,
    /// At most this many tools (default 10).
    #[serde(default)]
    limit: Option<usize>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct DescribeArgs {
    /// The tool's name, as `search_tools` or `run`'s description gives it.
    name: String,
}

/// What the server shows of the sandbox, computed once per server.
#[derive(Debug)]
struct Catalog {
    tools: Vec<Tool>,
    specs: Vec<ToolSpec>,
}

impl Catalog {
    fn new(sandbox: &Sandbox, options: &ServerOptions) -> Self {
        let specs: Vec<ToolSpec> = sandbox.config().tools.visible().cloned().collect();
        let discovery = specs.len() > options.discovery_threshold;
        let mut tools = vec![rmcp_tool::<RunArgs>(
            "run",
            run_description(&specs, discovery),
            Some(schema_object::<RunResult>()),
        )];
        if discovery {
            tools.push(rmcp_tool::<SearchArgs>(
                "search_tools",
                "Find the sandbox tools whose name or description contains every word of the query; gives each one's name, description and TypeScript signature.".to_string(),
                None,
            ));
            tools.push(rmcp_tool::<DescribeArgs>(
                "describe_tool",
                "The full TypeScript declaration of one sandbox tool: its input and result types and how to call it from `run`.".to_string(),
                None,
            ));
        }
        Self { tools, specs }
    }

    fn search(&self, args: &SearchArgs) -> String {
        let words: Vec<String> = args
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let limit = args.limit.unwrap_or(10).clamp(1, 100);
        let hits: Vec<&ToolSpec> = self
            .specs
            .iter()
            .filter(|spec| {
                let text = format!("{} {}", spec.name, spec.description).to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .take(limit)
            .collect();
        if hits.is_empty() {
            return format!(
                "no tool matches {:?}; {} tools in all, e.g. {}",
                args.query,
                self.specs.len(),
                self.specs
                    .iter()
                    .take(5)
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        hits.iter()
            .map(|spec| {
                format!(
                    "{}: {}\n  {}(args: {}): Promise<{}>",
                    spec.name,
                    first_line(&spec.description),
                    spec.flat_name(),
                    dts::type_of(&spec.input_schema),
                    spec.output_schema
                        .as_ref()
                        .map_or_else(|| "unknown".to_string(), dts::type_of),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn describe(&self, name: &str) -> Result<String, String> {
        let wanted = name.replace('.', "/");
        let spec = self
            .specs
            .iter()
            .find(|s| s.name.replace('.', "/") == wanted || s.flat_name() == name)
            .ok_or_else(|| {
                format!("no tool named {name:?}\nhint: search_tools finds tools by words in their name or description")
            })?;
        Ok(format!(
            "{}\n{}",
            spec.description,
            dts::tool_declarations(std::slice::from_ref(spec))
        ))
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn run_description(specs: &[ToolSpec], discovery: bool) -> String {
    let mut text = String::from(
        "Run a script in a sandbox (WebAssembly, no network, a private filesystem at /workspace that \
         persists across calls of this session) and get its stdout, stderr, exit code and return value.\n\
         language \"javascript\" (default): QuickJS with top-level await and return; console, fs \
         (Node-style, sync and promises), fetch is absent. Every tool below is an async function \
         taking one object; call many in one script and use Promise.all for independent calls. \
         Errors are thrown as Error with .code (EPOLICY when the policy denies a call). \
         `await shell(\"grep -c x f.txt\")` runs a shell command.\n\
         language \"shell\": a POSIX shell with grep, sed, awk, jq, sort, find and more; \
         `tool NAME --key value` calls a tool.\n",
    );
    if specs.is_empty() {
        text.push_str("No tools are configured.\n");
    } else if discovery {
        text.push_str(&format!(
            "{} tools; use search_tools and describe_tool for their declarations. Names: {}\n",
            specs.len(),
            specs
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    } else {
        text.push_str("Tools (TypeScript):\n");
        text.push_str(&dts::tool_declarations(specs));
    }
    text
}

fn schema_object<T: JsonSchema>() -> Map<String, Value> {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
        map.remove("title");
    }
    match schema {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn rmcp_tool<A: JsonSchema>(
    name: &'static str,
    description: String,
    output: Option<Map<String, Value>>,
) -> Tool {
    let mut tool = Tool::new(name, description, Arc::new(schema_object::<A>()));
    if let Some(output) = output {
        tool = tool.with_raw_output_schema(Arc::new(output));
    }
    tool
}

/// The sessions of one server: each handler owns one, except that requests without an MCP
/// session (stateless HTTP) share `shared`.
#[derive(Debug)]
struct Shared {
    sandbox: Sandbox,
    catalog: Catalog,
    stateless: OnceLock<Arc<SessionCell>>,
    /// Runs waiting for a client's answers to the approvals they asked (MCP's multi-round-trip
    /// requests), by the `requestState` the client echoes back.
    in_flight: Mutex<HashMap<String, InFlight>>,
    /// Every session's approvals, for the HTTP approvals endpoint.
    registry: Arc<crate::approvals::Registry>,
    options: ServerOptions,
}

/// The MCP handler: one per MCP session.
#[derive(Debug, Clone)]
pub struct AirlockServer {
    shared: Arc<Shared>,
    session: Arc<OnceLock<Arc<SessionCell>>>,
}

/// A sandbox session and its approvals (kept beside it: a running run holds the session's
/// lock, and its approvals are answered meanwhile).
#[derive(Debug)]
struct SessionCell {
    session: Mutex<Session>,
    approvals: Approvals,
}

type RunTask = tokio::task::JoinHandle<Result<RunOutput, airlock::Error>>;

/// A run waiting for the answers to the approvals a client was asked for.
#[derive(Debug)]
struct InFlight {
    task: RunTask,
    approvals: Approvals,
}

/// Runs that may wait for a client's answers at once, per server.
const MAX_IN_FLIGHT: usize = 256;

/// How often a running `run` looks for approvals to hand to the client.
const APPROVAL_POLL: std::time::Duration = std::time::Duration::from_millis(20);

impl AirlockServer {
    /// A server over `sandbox`; each MCP session gets a new sandbox session.
    pub fn new(sandbox: Sandbox, options: &ServerOptions) -> Self {
        let catalog = Catalog::new(&sandbox, options);
        Self {
            shared: Arc::new(Shared {
                sandbox,
                catalog,
                stateless: OnceLock::new(),
                in_flight: Mutex::default(),
                registry: Arc::default(),
                options: options.clone(),
            }),
            session: Arc::new(OnceLock::new()),
        }
    }

    /// A handler for a new MCP session of the same server.
    fn fork(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            session: Arc::new(OnceLock::new()),
        }
    }

    /// The tools the server lists.
    pub fn tools(&self) -> &[Tool] {
        &self.shared.catalog.tools
    }

    fn session_for(&self, context: &RequestContext<RoleServer>) -> Arc<SessionCell> {
        let stateless_http = context
            .extensions
            .get::<http::request::Parts>()
            .is_some_and(|parts| !parts.headers.contains_key("mcp-session-id"));
        let cell = if stateless_http {
            &self.shared.stateless
        } else {
            &*self.session
        };
        Arc::clone(cell.get_or_init(|| {
            let mut session = self.shared.sandbox.session();
            let options = &self.shared.options;
            // A client that takes approvals as multi-round-trip input requests answers them
            // on its retry: the run waits for it.
            let unattended = if options.approvals_token.is_some() || asks_by_input_request(context)
            {
                Unattended::Wait
            } else {
                Unattended::Decline
            };
            let approvals = Approvals::new()
                .with_timeout(options.approval_timeout)
                .with_unattended(unattended);
            let number = self.shared.registry.reserve();
            let pages = options
                .approvals_token
                .is_some()
                .then(|| (Arc::clone(&self.shared.registry), number));
            let approvals = approvals.with_approver(Arc::new(crate::approvals::Elicitation {
                peer: context.peer.clone(),
                pages,
            }));
            self.shared.registry.set(number, approvals.clone());
            session.set_approvals(approvals.clone());
            Arc::new(SessionCell {
                session: Mutex::new(session),
                approvals,
            })
        }))
    }

    /// The HTTP approvals endpoint over this server's sessions, if it has a token.
    pub(crate) fn endpoint(&self) -> Option<crate::approvals::Endpoint> {
        let token = self.shared.options.approvals_token.clone()?;
        Some(crate::approvals::Endpoint {
            token,
            registry: Arc::clone(&self.shared.registry),
        })
    }

    /// Starts `run` in `cell`'s session on a blocking thread.
    fn start(args: RunArgs, cell: Arc<SessionCell>, traceparent: Option<String>) -> RunTask {
        let language = match args.language {
            RunLanguage::Javascript => Language::JavaScript,
            RunLanguage::Shell => Language::Shell,
        };
        let name = match language {
            Language::Shell => "run.sh",
            _ => "run.js",
        };
        tokio::task::spawn_blocking(move || {
            let mut session = cell.session.lock().unwrap_or_else(|e| e.into_inner());
            session.set_traceparent(traceparent);
            session.run_named(language, &args.code, name)
        })
    }

    /// Waits for a run. A client that takes input requests is handed the approvals the run
    /// waits on (confirmations only: one-time passwords never travel in a form), and the run
    /// goes on when the client retries with the answers.
    async fn finish(
        &self,
        mut task: RunTask,
        approvals: Approvals,
        by_input_request: bool,
    ) -> CallToolResponse {
        loop {
            tokio::select! {
                ran = &mut task => return ran_result(ran).into(),
                () = tokio::time::sleep(APPROVAL_POLL), if by_input_request => {
                    let asks: Vec<_> = approvals
                        .pending()
                        .into_iter()
                        .filter(|r| !r.wants_code())
                        .collect();
                    if asks.is_empty() {
                        continue;
                    }
                    let requests = asks
                        .iter()
                        .map(|r| (r.id.clone(), crate::approvals::input_request(r)))
                        .collect();
                    let state = crate::approvals::fresh_token();
                    let mut in_flight = self
                        .shared
                        .in_flight
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    in_flight.retain(|_, f| !f.task.is_finished());
                    if in_flight.len() >= MAX_IN_FLIGHT {
                        // Nobody could keep track of more: let the approvals time out.
                        continue;
                    }
                    in_flight.insert(state.clone(), InFlight { task, approvals });
                    return InputRequiredResult::new(Some(requests), Some(state)).into();
                }
            }
        }
    }

    /// A client's retry: its answers to the approvals it was asked, and the run they belong to.
    async fn resume(&self, state: &str, responses: Option<&InputResponses>) -> CallToolResponse {
        let found = self
            .shared
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(state);
        let Some(flight) = found else {
            return error_result(
                "airlock: run: unknown or expired requestState; the run it belonged to has finished"
                    .to_string(),
            )
            .into();
        };
        for (id, answer) in responses.into_iter().flatten() {
            let accepted = answer.get("action").and_then(Value::as_str) == Some("accept");
            let answer = if accepted {
                Answer::approve()
            } else {
                Answer::decline(Some("declined in the MCP client".into()))
            };
            // An approval that timed out meanwhile is gone; the run has its refusal already.
            let _ = flight.approvals.answer(id, Answered::new(answer, "mcp"));
        }
        self.finish(flight.task, flight.approvals, true).await
    }
}

/// Whether the client takes elicitations as multi-round-trip input requests: it declared
/// elicitation in the request's own metadata (the stateless protocol), where the server
/// cannot send it requests in the middle of a call.
fn asks_by_input_request(context: &RequestContext<RoleServer>) -> bool {
    context
        .meta
        .client_capabilities()
        .is_some_and(|c| c.elicitation.is_some())
}

fn ran_result(
    ran: Result<Result<RunOutput, airlock::Error>, tokio::task::JoinError>,
) -> CallToolResult {
    match ran {
        Ok(Ok(output)) => run_result(output),
        Ok(Err(e)) => CallToolResult::error(vec![ContentBlock::text(format!("airlock: {e}"))]),
        Err(e) => CallToolResult::error(vec![ContentBlock::text(format!(
            "airlock: the run did not finish: {e}"
        ))]),
    }
}

fn run_result(output: RunOutput) -> CallToolResult {
    let result = RunResult {
        stdout: output.stdout_text(),
        stderr: output.stderr_text(),
        exit_code: output.exit_code,
        value: output.value.clone().unwrap_or(Value::Null),
    };
    let mut text = result.stdout.clone();
    if !result.stderr.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str("[stderr]\n");
        text.push_str(&result.stderr);
    }
    if result.exit_code != 0 {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("[exit code {}]", result.exit_code));
    }
    let structured = serde_json::to_value(&result).unwrap_or(Value::Null);
    let mut answer = if result.exit_code == 0 {
        CallToolResult::success(vec![ContentBlock::text(text)])
    } else {
        CallToolResult::error(vec![ContentBlock::text(text)])
    };
    answer.structured_content = Some(structured);
    answer
}

/// The arguments of `tool` as `T`, or the error text naming what is wrong with them.
fn parse<T: serde::de::DeserializeOwned + JsonSchema>(
    tool: &str,
    args: Option<Map<String, Value>>,
) -> Result<T, String> {
    serde_json::from_value(Value::Object(args.unwrap_or_default())).map_err(|e| {
        format!(
            "{tool}: invalid arguments: {e}\nhint: the input schema is {}",
            Value::Object(schema_object::<T>())
        )
    })
}

/// The trace a `run` belongs to: the request's `_meta.traceparent`, else the HTTP
/// `traceparent` header.
fn traceparent(
    request: &CallToolRequestParams,
    context: &RequestContext<RoleServer>,
) -> Option<String> {
    let from_meta = request
        .meta
        .as_ref()
        .and_then(|m| m.get_traceparent())
        .or_else(|| context.meta.get_traceparent());
    let from_header = || {
        context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.headers.get("traceparent"))
            .and_then(|v| v.to_str().ok())
    };
    from_meta.or_else(from_header).map(str::to_string)
}

fn error_result(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl ServerHandler for AirlockServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("airlock", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Call `run` with a JavaScript or shell script; the script calls the sandbox's tools \
                 (declared in run's description) under the host's policy.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools().to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let catalog = &self.shared.catalog;
        let text = |t: String| CallToolResult::success(vec![ContentBlock::text(t)]);
        let result = match &*request.name {
            "run" => {
                if let Some(state) = &request.request_state {
                    return Ok(self.resume(state, request.input_responses.as_ref()).await);
                }
                match parse::<RunArgs>("run", request.arguments.clone()) {
                    Ok(args) => {
                        let traceparent = traceparent(&request, &context);
                        let cell = self.session_for(&context);
                        let approvals = cell.approvals.clone();
                        let task = Self::start(args, cell, traceparent);
                        let by_input_request = asks_by_input_request(&context);
                        return Ok(self.finish(task, approvals, by_input_request).await);
                    }
                    Err(e) => error_result(e),
                }
            }
            "search_tools" if catalog.tools.len() > 1 => {
                match parse::<SearchArgs>("search_tools", request.arguments) {
                    Ok(args) => text(catalog.search(&args)),
                    Err(e) => error_result(e),
                }
            }
            "describe_tool" if catalog.tools.len() > 1 => {
                match parse::<DescribeArgs>("describe_tool", request.arguments) {
                    Ok(args) => match catalog.describe(&args.name) {
                        Ok(t) => text(t),
                        Err(e) => error_result(e),
                    },
                    Err(e) => error_result(e),
                }
            }
            other => {
                return Err(ErrorData::invalid_params(
                    format!(
                        "unknown tool {other:?}; this server has {}",
                        catalog
                            .tools
                            .iter()
                            .map(|t| t.name.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None,
                ));
            }
        };
        Ok(result.into())
    }
}

/// Serves MCP on stdin and stdout until the client closes the connection.
///
/// # Errors
/// The handshake or the transport failed.
pub async fn serve_stdio(server: AirlockServer) -> Result<(), McpError> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| McpError::Serve(format!("the MCP handshake on stdio failed: {e}")))?;
    running
        .waiting()
        .await
        .map_err(|e| McpError::Serve(format!("serving MCP on stdio failed: {e}")))?;
    Ok(())
}

/// A bound streamable-HTTP MCP endpoint, ready to serve. It answers on every path; clients
/// are usually given `http://ADDR/mcp`.
#[derive(Debug)]
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    server: AirlockServer,
}

impl HttpServer {
    /// Binds `addr` (use port 0 for any free port).
    ///
    /// # Errors
    /// The address cannot be bound.
    pub async fn bind(server: AirlockServer, addr: SocketAddr) -> Result<Self, McpError> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| McpError::Serve(format!("cannot listen on {addr}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| McpError::Serve(format!("cannot listen on {addr}: {e}")))?;
        Ok(Self {
            listener,
            addr,
            server,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves connections until the process ends.
    ///
    /// # Errors
    /// Accepting connections failed.
    pub async fn serve(self) -> Result<(), McpError> {
        let base = self.server;
        let _ = base
            .shared
            .registry
            .base
            .set(format!("http://{}", self.addr));
        let endpoint = base.endpoint().map(Arc::new);
        let mut config = StreamableHttpServerConfig::default();
        if !self.addr.ip().is_loopback() {
            // Bound on purpose to a non-loopback address: accept its Host headers too.
            config = config.disable_allowed_hosts();
        }
        let service = StreamableHttpService::new(
            move || Ok(base.fork()),
            Arc::new(LocalSessionManager::default()),
            config,
        );
        loop {
            let (stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| McpError::Serve(format!("accept failed: {e}")))?;
            let service = service.clone();
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let mcp = hyper_util::service::TowerToHyperService::new(service);
                let routed = hyper::service::service_fn(move |req| {
                    let mcp = mcp.clone();
                    let endpoint = endpoint.clone();
                    async move {
                        let path = req.uri().path();
                        match endpoint {
                            Some(ep) if path == "/approvals" || path.starts_with("/approvals/") => {
                                Ok(crate::approvals::serve(&ep, req).await)
                            }
                            _ => hyper::service::Service::call(&mcp, req).await,
                        }
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, routed)
                    .await;
            });
        }
    }
}
