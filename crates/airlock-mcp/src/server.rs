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
//! process; over HTTP, one per `Mcp-Session-Id`. Requests without one (the stateless protocol)
//! name their session by the handle `run` answered with (its `session` argument and result);
//! a `run` without one starts a new session. A handle serves only the bearer token that made it.
//!
//! Runs take a slot of the sandbox's instance pool; a run beyond the pool waits its turn in a
//! bounded queue (the wait is reported as `queuedMs` and is not counted against the run's own
//! time limit).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use airlock::tool::{ToolSpec, dts};
use std::collections::HashMap;

use airlock::pipeline::{Answer, Answered};
use airlock::{Approvals, Language, Limits, RunOutput, Sandbox, Session, Toolset, Unattended};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InputRequiredResult, InputResponses, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// How long a session lives unused (HTTP). Default 30 minutes.
    pub session_idle: Duration,
    /// How many sessions may be live at once (HTTP). Default 10,000.
    pub max_sessions: usize,
    /// How many runs may wait for a free slot of the instance pool; past it the HTTP transport
    /// answers 503 with `Retry-After`. Default 1,024.
    pub max_queued: usize,
    /// Write one journal per session into this folder (`<session id>.jsonl`), each verifiable
    /// and replayable with `airlock journal`. With an approvals token, a run waiting for a
    /// person is kept there too, and the HTTP server started again over the folder resumes it
    /// (its `DIR/<session id>.waiting.json` holds the script and the session as the run began).
    pub journal_dir: Option<std::path::PathBuf>,
    /// Results up to this size are journaled in full; larger ones by hash. Default 64 KiB.
    pub journal_results: usize,
    /// Write one JSON line per run to stderr: time, session id, identity, language, outcome,
    /// duration, wait, tool calls and denials, trace id.
    pub log_runs: bool,
}

/// Default of [`ServerOptions::max_queued`].
pub const DEFAULT_MAX_QUEUED: usize = 1024;

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            discovery_threshold: DEFAULT_DISCOVERY_THRESHOLD,
            approval_timeout: airlock::pipeline::DEFAULT_APPROVAL_TIMEOUT,
            approvals_token: None,
            session_idle: crate::sessions::DEFAULT_IDLE,
            max_sessions: crate::sessions::DEFAULT_MAX_SESSIONS,
            max_queued: DEFAULT_MAX_QUEUED,
            journal_dir: None,
            journal_results: 64 * 1024,
            log_runs: false,
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
    /// The session to run in: the `session` a previous result gave, to find its files again.
    /// Without it, a client that has no MCP session starts a new one.
    #[serde(default)]
    pub session: Option<String>,
}

/// The languages `run` accepts.
#[derive(Debug, Default, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunLanguage {
    #[default]
    Javascript,
    Shell,
    /// TypeScript: types are stripped (not checked), lines and columns kept.
    Typescript,
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
    /// The session the run ran in; pass it as `session` to the next `run` to keep its files
    /// (absent when the MCP session itself keeps them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// How long the run waited for a free slot before it started, in milliseconds.
    pub queued_ms: u64,
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
    fn new(toolset: &Toolset, options: &ServerOptions) -> Self {
        let specs: Vec<ToolSpec> = toolset.visible().cloned().collect();
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
    let network = specs.iter().any(|s| s.name == "http/fetch");
    let mut text = format!(
        "Run a script in a sandbox (WebAssembly, {}, a private filesystem at /workspace that \
         persists across calls of this session) and get its stdout, stderr, exit code and return value. \
         A result's `session`, passed back as `session`, continues that session.\n\
         language \"javascript\" (default): QuickJS with top-level await and return; console, fs \
         (Node-style, sync and promises), path, Buffer, Intl and toLocaleString (en-US, UTC); \
         `import` (or require) of Node's fs, path, crypto, events, util, url and the npm packages {}, \
         and of the session's files (\"./lib.ts\"); nothing else can be installed; {} Every tool below is an async function \
         taking one object; call many in one script and use Promise.all for independent calls. \
         Errors are thrown as Error with .code (EPOLICY when the policy denies a call). \
         `await shell(\"grep -c x f.txt\")` runs a shell command.\n\
         language \"typescript\": the same, written in TypeScript (types are stripped, not \
         checked; enums work; lines keep their numbers).\n\
         language \"shell\": a POSIX shell with grep, sed, awk, jq, sort, find{} and more; \
         `tool NAME --key value` calls a tool.\n",
        if network {
            "network only through the http/fetch tool"
        } else {
            "no network"
        },
        airlock::tool::packages::package_list(),
        if network {
            "fetch(url, init) as in Node, to the hosts http/fetch lists (credentials are added by the host)."
        } else {
            "fetch is absent."
        },
        if network { ", curl" } else { "" },
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

/// The sessions of one server: each handler owns one, and requests without an MCP session
/// (stateless HTTP) find theirs by handle.
#[derive(Debug)]
struct Shared {
    sandbox: Sandbox,
    catalog: Catalog,
    /// What the sessions of each profile get instead of the sandbox's tools and limits.
    profiles: HashMap<String, (Profile, Catalog)>,
    handles: crate::sessions::Handles<SessionCell>,
    /// Every session made, for the gauges of `/metrics`.
    cells: Mutex<Vec<Weak<SessionCell>>>,
    /// One permit per slot of the sandbox's instance pool.
    slots: Arc<Semaphore>,
    metrics: Arc<crate::metrics::Metrics>,
    /// Runs waiting for a client's answers to the approvals they asked (MCP's multi-round-trip
    /// requests), by the `requestState` the client echoes back.
    in_flight: Mutex<HashMap<String, InFlight>>,
    /// Every session's approvals, for the HTTP approvals endpoint.
    registry: Arc<crate::approvals::Registry>,
    options: ServerOptions,
    /// Where sessions live between runs when several servers share them.
    store: Option<crate::store::RedisStore>,
    /// With a store: the sessions this server loaded, by store key, each at the version it
    /// last loaded or saved (a cache: the store is the truth).
    stored: Mutex<HashMap<String, (Arc<SessionCell>, Instant)>>,
    /// This server's name among those sharing the store (in approval ids).
    replica: String,
}

/// The MCP handler: one per MCP session.
#[derive(Debug, Clone)]
pub struct AirlockServer {
    shared: Arc<Shared>,
    session: Arc<OnceLock<Arc<SessionCell>>>,
}

/// What the sessions of one kind of client get: their tools (with the policy and layers the
/// toolset carries) and their limits. A bearer token names its profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub toolset: Toolset,
    pub limits: Limits,
}

/// A sandbox session and its approvals (kept beside it: a running run holds the session's
/// lock, and its approvals are answered meanwhile).
#[derive(Debug)]
struct SessionCell {
    session: Mutex<Session>,
    approvals: Approvals,
    /// The bytes of its files after its last run.
    files_bytes: AtomicU64,
    /// What logs and journal files call it (not its handle, which is a secret).
    id: String,
    /// Who made it.
    owner: Option<String>,
    /// The profile it has its tools and limits from.
    profile: Option<String>,
    /// With a journal and an approvals endpoint: the file that keeps a run waiting for a
    /// person beyond the server's life.
    durable: Option<Arc<crate::durable::Durable>>,
    /// With a store: its key there, the version this server holds, and what it knows of the
    /// contents stored.
    key: Option<String>,
    version: AtomicU64,
    stored: Mutex<crate::store::Stored>,
}

/// Who a new session is for and how it reaches its client.
struct NewCell {
    key: Option<String>,
    id: Option<String>,
    owner: Option<String>,
    profile: Option<String>,
    /// The MCP client, to ask for approvals by elicitation (none for a resumed run: its
    /// client is gone).
    peer: Option<rmcp::service::Peer<RoleServer>>,
    /// The client answers approvals as multi-round-trip input requests.
    input_requests: bool,
    /// Start the session's journal (a resumed session continues its own).
    new_journal: bool,
}

/// A finished run and what the answer says of how it ran.
#[derive(Debug)]
struct Ran {
    result: Result<RunOutput, airlock::Error>,
    session: Option<String>,
    queued: Duration,
    /// Why the run's changes to a stored session were not saved.
    unsaved: Option<String>,
}

type RunTask = tokio::task::JoinHandle<Ran>;

/// A run counted as waiting for a slot while it lives (a client that gives up stops waiting).
struct Waiting<'a>(&'a crate::metrics::Metrics);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.queued.dec();
    }
}

/// One JSON line on stderr (whoever reads it may have gone: that is no reason to fail a run).
pub(crate) fn log_line(value: &Value) {
    use std::io::Write as _;
    let mut line = value.clone();
    if let Value::Object(map) = &mut line {
        map.insert(
            "ts".to_string(),
            Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        );
    }
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn log_run(
    cell: &SessionCell,
    number: u64,
    language: &str,
    result: &Result<RunOutput, airlock::Error>,
    took: Duration,
    queued: Duration,
    traceparent: Option<&str>,
) {
    let mut line = serde_json::json!({
        "event": "run",
        "session": cell.id,
        "run": number,
        "identity": cell.owner,
        "language": language,
        "duration_ms": took.as_secs_f64() * 1000.0,
        "queued_ms": queued.as_secs_f64() * 1000.0,
        // The W3C traceparent's trace id: version-traceid-parentid-flags.
        "trace_id": traceparent.and_then(|t| t.split('-').nth(1)),
    });
    match result {
        Ok(output) => {
            line["exit_code"] = output.exit_code.into();
            line["termination"] = format!("{:?}", output.termination).into();
            line["calls"] = output.calls.len().into();
            line["failed_calls"] = output
                .calls
                .iter()
                .filter(|c| c.error.is_some())
                .count()
                .into();
        }
        Err(e) => line["error"] = e.to_string().into(),
    }
    log_line(&line);
}

/// What a run carries besides its script.
struct RunContext {
    slot: OwnedSemaphorePermit,
    /// The run's place among those the HTTP transport admitted, held until it ends.
    admission: Option<crate::http::Admission>,
    queued: Duration,
    handle: Option<String>,
    traceparent: Option<String>,
    /// With a store: the run's hold on its session.
    lease: Option<crate::store::Lease>,
}

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
        let catalog = Catalog::new(&sandbox.config().tools, options);
        let slots = Arc::new(Semaphore::new(
            sandbox.config().max_concurrent_runs.try_into().unwrap_or(1),
        ));
        Self {
            shared: Arc::new(Shared {
                sandbox,
                catalog,
                profiles: HashMap::new(),
                handles: crate::sessions::Handles::new(options.session_idle, options.max_sessions),
                cells: Mutex::default(),
                slots,
                metrics: Arc::default(),
                in_flight: Mutex::default(),
                registry: Arc::default(),
                options: options.clone(),
                store: None,
                stored: Mutex::default(),
                replica: format!("r{}", &crate::approvals::fresh_token()[..12]),
            }),
            session: Arc::new(OnceLock::new()),
        }
    }

    /// Where the server is reached (for the approval pages' links).
    pub(crate) fn set_base_url(&self, url: String) {
        let _ = self.shared.registry.base.set(url);
    }

    /// How many sessions may be live at once.
    pub(crate) fn max_sessions(&self) -> usize {
        self.shared.options.max_sessions
    }

    /// A handler for a new MCP session of the same server.
    pub(crate) fn fork(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            session: Arc::new(OnceLock::new()),
        }
    }

    /// Adds the profile `name`: the sessions of a client whose token names it get its tools
    /// and limits. Call before serving.
    ///
    /// # Errors
    /// The server is serving already, or the profile's limits do not fit the sandbox (its
    /// memory limit sizes the instance pool).
    pub fn with_profile(mut self, name: &str, profile: Profile) -> Result<Self, McpError> {
        let mut probe = self.shared.sandbox.session();
        probe
            .set_limits(profile.limits.clone())
            .map_err(|e| McpError::Serve(format!("profile {name:?}: {e}")))?;
        let catalog = Catalog::new(&profile.toolset, &self.shared.options);
        let shared = Arc::get_mut(&mut self.shared).ok_or_else(|| {
            McpError::Serve(format!("profile {name:?}: the server is serving already"))
        })?;
        shared.profiles.insert(name.to_string(), (profile, catalog));
        Ok(self)
    }

    /// Keeps sessions in `store` rather than in this process, so that several servers sharing
    /// it serve any session in turn (see [`crate::store`]). Call before serving.
    ///
    /// # Errors
    /// The server is serving already, or it writes journals (one per server and session: a
    /// session moving between servers would leave its journal in pieces).
    pub fn with_store(mut self, store: crate::store::RedisStore) -> Result<Self, McpError> {
        if self.shared.options.journal_dir.is_some() {
            return Err(McpError::Serve(
                "--journal with --store: each server would hold part of a session's journal\nhint: leave one of them out"
                    .to_string(),
            ));
        }
        let shared = Arc::get_mut(&mut self.shared)
            .ok_or_else(|| McpError::Serve("--store: the server is serving already".to_string()))?;
        shared.store = Some(store);
        Ok(self)
    }

    /// The store sessions live in, if the server has one.
    pub(crate) fn store(&self) -> Option<&crate::store::RedisStore> {
        self.shared.store.as_ref()
    }

    /// The tools the server lists to clients without a profile.
    pub fn tools(&self) -> &[Tool] {
        &self.shared.catalog.tools
    }

    /// The profile of the client that made a request, if it has one.
    fn profile_of(&self, context: &RequestContext<RoleServer>) -> Option<&(Profile, Catalog)> {
        let name = context
            .extensions
            .get::<http::request::Parts>()?
            .extensions
            .get::<crate::http::Identity>()?
            .profile
            .as_deref()?;
        self.shared.profiles.get(name)
    }

    /// What a request's client is shown.
    fn catalog_of(&self, context: &RequestContext<RoleServer>) -> &Catalog {
        self.profile_of(context)
            .map_or(&self.shared.catalog, |(_, catalog)| catalog)
    }

    /// The session a `run` runs in, and its handle when the client names it by one.
    fn session_for(
        &self,
        context: &RequestContext<RoleServer>,
        handle: Option<&str>,
    ) -> Result<(Arc<SessionCell>, Option<String>), String> {
        let parts = context.extensions.get::<http::request::Parts>();
        let owner = parts
            .and_then(|p| p.extensions.get::<crate::http::Identity>())
            .map(|i| i.name.as_str());
        let handles = &self.shared.handles;
        if let Some(handle) = handle {
            return handles
                .get(handle, owner)
                .map(|cell| (cell, Some(handle.to_string())))
                .map_err(|_| {
                    format!(
                        "run: no session {handle:?} here: it ended after {} minutes unused, or it was never this client's\nhint: leave `session` out to start a new session",
                        handles.idle().as_secs() / 60
                    )
                });
        }
        if parts.is_some_and(|p| !p.headers.contains_key("mcp-session-id")) {
            let cell = self.new_cell(context);
            return match handles.insert(Arc::clone(&cell), owner) {
                Ok(handle) => Ok((cell, Some(handle))),
                Err(_) => {
                    self.shared.metrics.refused("sessions");
                    Err(format!(
                        "run: the server has {} live sessions, its limit\nhint: pass the `session` of an earlier result, or try again when idle sessions have ended",
                        self.shared.options.max_sessions
                    ))
                }
            };
        }
        Ok((
            Arc::clone(self.session.get_or_init(|| self.new_cell(context))),
            None,
        ))
    }

    fn new_cell(&self, context: &RequestContext<RoleServer>) -> Arc<SessionCell> {
        self.make_cell(context, None, None)
    }

    /// A new session for the client of `context`; with a store, under `key` and with the `id`
    /// it was stored with.
    fn make_cell(
        &self,
        context: &RequestContext<RoleServer>,
        key: Option<String>,
        id: Option<String>,
    ) -> Arc<SessionCell> {
        let identity = context
            .extensions
            .get::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<crate::http::Identity>());
        self.build_cell(NewCell {
            key,
            id,
            owner: identity.map(|i| i.name.clone()),
            profile: identity.and_then(|i| i.profile.clone()),
            peer: Some(context.peer.clone()),
            input_requests: asks_by_input_request(context),
            new_journal: true,
        })
    }

    fn build_cell(&self, new: NewCell) -> Arc<SessionCell> {
        let mut session = self.shared.sandbox.session();
        let id = new.id.unwrap_or_else(crate::approvals::fresh_token);
        let options = &self.shared.options;
        if new.new_journal
            && let Some(dir) = &options.journal_dir
        {
            let path = dir.join(format!("{id}.jsonl"));
            match std::fs::File::create(&path) {
                Ok(file) => session.set_journal(file, options.journal_results),
                Err(e) => log_line(&serde_json::json!({
                    "event": "journal-failed",
                    "session": id,
                    "path": path.display().to_string(),
                    "error": e.to_string(),
                })),
            }
        }
        let profile = new
            .profile
            .as_deref()
            .and_then(|name| self.shared.profiles.get(name));
        if let Some((profile, _)) = profile {
            session.set_toolset(profile.toolset.clone());
            // Checked against the sandbox when the profile was added.
            let _ = session.set_limits(profile.limits.clone());
        }
        // A client that takes approvals as multi-round-trip input requests answers them
        // on its retry: the run waits for it.
        let unattended = if options.approvals_token.is_some() || new.input_requests {
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
        let durable = self
            .durable_dir()
            .map(|dir| Arc::new(crate::durable::Durable::new(dir, &id)));
        let approvals = approvals.with_approver(Arc::new(crate::approvals::Elicitation {
            peer: new.peer,
            pages,
            durable: durable.clone(),
        }));
        self.shared.registry.set(number, approvals.clone());
        session.set_approvals(approvals.clone());
        let cell = Arc::new(SessionCell {
            session: Mutex::new(session),
            approvals,
            files_bytes: AtomicU64::new(0),
            id,
            owner: new.owner,
            profile: profile.and(new.profile),
            durable,
            key: new.key,
            version: AtomicU64::new(0),
            stored: Mutex::default(),
        });
        let mut cells = self.shared.cells.lock().unwrap_or_else(|e| e.into_inner());
        if cells.len() >= 1024 && cells.len().is_power_of_two() {
            cells.retain(|c| c.strong_count() > 0);
        }
        cells.push(Arc::downgrade(&cell));
        cell
    }

    /// Where runs waiting for a person are written down to outlive the server: the journal
    /// folder, when the approvals endpoint can answer them after a restart (a store keeps no
    /// journals).
    fn durable_dir(&self) -> Option<&std::path::Path> {
        let options = &self.shared.options;
        options
            .journal_dir
            .as_deref()
            .filter(|_| options.approvals_token.is_some() && self.shared.store.is_none())
    }

    /// Takes up the runs a server before this one, over the same journal folder, left waiting
    /// for a person (see [`crate::durable`]): each resumes in the background and asks for its
    /// approval again. What cannot be taken up is logged and left in place.
    pub(crate) fn recover(&self) {
        let Some(dir) = self.durable_dir() else {
            return;
        };
        for (path, found) in crate::durable::scan(dir) {
            let outcome = found.and_then(|run| self.resume_waiting(dir, &path, run));
            let mut line = serde_json::json!({
                "event": "waiting-run",
                "path": path.display().to_string(),
            });
            match outcome {
                Ok(Some(session)) => {
                    line["session"] = session.into();
                    line["resumed"] = true.into();
                }
                Ok(None) => line["ended"] = true.into(),
                Err(e) => line["error"] = e.into(),
            }
            log_line(&line);
        }
    }

    /// Resumes `run`, written down at `path`: its session as it stood when the run began,
    /// under its handle, with its journal closed where the server died and the run going on
    /// from there. `None` if the journal shows the run ended (its file is removed).
    fn resume_waiting(
        &self,
        dir: &std::path::Path,
        path: &std::path::Path,
        run: crate::durable::WaitingRun,
    ) -> Result<Option<String>, String> {
        use airlock::journal::Entry;
        if let Some(name) = &run.profile
            && !self.shared.profiles.contains_key(name)
        {
            return Err(format!(
                "its session has profile {name:?}, which this server does not have"
            ));
        }
        let language: RunLanguage = serde_json::from_value(Value::String(run.language.clone()))
            .map_err(|_| format!("unknown language {:?}", run.language))?;
        let image = run.image.image()?;
        let journal = dir.join(format!("{}.jsonl", run.session));
        let Some(existing) = crate::durable::close_journal(&journal)? else {
            crate::durable::forget(path);
            return Ok(None);
        };
        let name = journal.display().to_string();
        let entries = airlock::journal::read(existing.as_slice())
            .map_err(|e| format!("{}", e.in_file(&name)))?;
        let Some(start) = entries.iter().rev().find_map(|e| match e {
            Entry::Start(start) => Some(start.clone()),
            _ => None,
        }) else {
            return Err(format!("{name} records no run"));
        };
        let cell = self.build_cell(NewCell {
            key: None,
            id: Some(run.session.clone()),
            owner: run.owner.clone(),
            profile: run.profile.clone(),
            peer: None,
            input_requests: false,
            new_journal: false,
        });
        {
            let mut session = cell.session.lock().unwrap_or_else(|e| e.into_inner());
            session.restore_image(&image).map_err(|e| e.to_string())?;
            let out = std::fs::OpenOptions::new()
                .append(true)
                .open(&journal)
                .map_err(|e| format!("cannot append to {name}: {e}"))?;
            session
                .resume_journal(
                    &existing,
                    out,
                    self.shared.options.journal_results,
                    start.run,
                    start.seq,
                )
                .map_err(|e| e.to_string())?;
            let replay = airlock::Replay::resume(entries).map_err(|e| format!("{name}: {e}"))?;
            session.set_replay(replay);
        }
        if let Some(handle) = &run.handle {
            self.shared
                .handles
                .insert_as(handle, Arc::clone(&cell), run.owner.as_deref())
                .map_err(|_| "its session's handle is taken".to_string())?;
        }
        let server = self.clone();
        let id = run.session.clone();
        tokio::spawn(async move {
            let (slot, queued) = match server.slot().await {
                Ok(slot) => slot,
                Err(e) => {
                    log_line(
                        &serde_json::json!({ "event": "resumed-run", "session": id, "error": e }),
                    );
                    return;
                }
            };
            let context = RunContext {
                slot,
                admission: None,
                queued,
                handle: run.handle.clone(),
                traceparent: run.traceparent.clone(),
                lease: None,
            };
            let args = RunArgs {
                code: run.code,
                language,
                session: None,
            };
            let mut line = serde_json::json!({ "event": "resumed-run", "session": id });
            match server.start(args, cell, context).await {
                Ok(Ran {
                    result: Ok(output), ..
                }) => line["exit_code"] = output.exit_code.into(),
                Ok(Ran { result: Err(e), .. }) => line["error"] = e.to_string().into(),
                Err(e) => line["error"] = e.to_string().into(),
            }
            log_line(&line);
        });
        Ok(Some(run.session))
    }

    /// The server's metrics.
    pub(crate) fn metrics(&self) -> &crate::metrics::Metrics {
        &self.shared.metrics
    }

    /// The server's metrics, their gauges brought up to date.
    pub(crate) fn refresh_metrics(&self) -> &crate::metrics::Metrics {
        let metrics = &*self.shared.metrics;
        self.shared.handles.sweep();
        // Stored sessions unused for the idle time leave this server's cache (the store keeps
        // them as long as it does).
        let idle = self.shared.options.session_idle;
        self.shared
            .stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (c, used)| Arc::strong_count(c) > 1 || used.elapsed() < idle);
        let mut cells = self.shared.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.retain(|c| c.strong_count() > 0);
        let (mut live, mut bytes, mut pending) = (0_i64, 0_u64, 0_i64);
        for cell in cells.iter().filter_map(Weak::upgrade) {
            live += 1;
            bytes += cell.files_bytes.load(Ordering::Relaxed);
            pending += i64::try_from(cell.approvals.pending().len()).unwrap_or(i64::MAX);
        }
        metrics.sessions.set(live);
        metrics
            .files_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        metrics.approvals_pending.set(pending);
        metrics
    }

    /// How many runs may be admitted at once: the slots and the queue.
    pub(crate) fn capacity(&self) -> usize {
        usize::try_from(self.shared.sandbox.config().max_concurrent_runs)
            .unwrap_or(1)
            .saturating_add(self.shared.options.max_queued)
    }

    /// Whether runs are running or waiting.
    pub(crate) fn busy(&self) -> bool {
        self.shared.metrics.running.get() > 0 || self.shared.metrics.queued.get() > 0
    }

    /// How many runs wait for a person, written down for the next server (see
    /// [`crate::durable`]), if those are all the runs there are: a stopping server need not
    /// wait for them.
    pub(crate) fn only_waiting_durably(&self, admitted: usize) -> Option<usize> {
        let metrics = &*self.shared.metrics;
        if metrics.queued.get() != 0 {
            return None;
        }
        let cells = self.shared.cells.lock().unwrap_or_else(|e| e.into_inner());
        let waiting = cells
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|cell| {
                cell.durable.as_ref().is_some_and(|d| d.written())
                    && !cell.approvals.pending().is_empty()
            })
            .count();
        let running = usize::try_from(metrics.running.get()).unwrap_or(usize::MAX);
        // Every run is one of them, and so is every request in flight but for answers being
        // sent, which the connections' own graceful end lets out. (A run resumed after a
        // restart came in through no request.)
        (waiting > 0 && running == waiting && admitted <= waiting).then_some(waiting)
    }

    /// A slot of the instance pool for one run, waiting in the queue for one if need be.
    async fn slot(&self) -> Result<(OwnedSemaphorePermit, Duration), String> {
        let slots = &self.shared.slots;
        if let Ok(permit) = Arc::clone(slots).try_acquire_owned() {
            return Ok((permit, Duration::ZERO));
        }
        let metrics = &*self.shared.metrics;
        if usize::try_from(metrics.queued.get()).unwrap_or(0) >= self.shared.options.max_queued {
            metrics.refused("queue");
            return Err(format!(
                "run: the server is busy ({} runs waiting for a slot)\nhint: try again in a moment",
                self.shared.options.max_queued
            ));
        }
        let since = Instant::now();
        metrics.queued.inc();
        let _waiting = Waiting(metrics);
        let permit = Arc::clone(slots)
            .acquire_owned()
            .await
            .map_err(|_| "run: the server is shutting down".to_string())?;
        let waited = since.elapsed();
        metrics.waited(waited);
        Ok((permit, waited))
    }

    /// The HTTP approvals endpoint over this server's sessions, if it has a token.
    pub(crate) fn endpoint(&self) -> Option<crate::approvals::Endpoint> {
        let token = self.shared.options.approvals_token.clone()?;
        Some(crate::approvals::Endpoint {
            token,
            registry: Arc::clone(&self.shared.registry),
            shared: self
                .shared
                .store
                .as_ref()
                .map(|store| crate::approvals::SharedApprovals {
                    store: store.clone(),
                    replica: self.shared.replica.clone(),
                }),
        })
    }

    /// Starts `run` in `cell`'s session on a blocking thread, holding `slot` until it ends.
    fn start(&self, args: RunArgs, cell: Arc<SessionCell>, run: RunContext) -> RunTask {
        let (language, label, name) = match args.language {
            RunLanguage::Javascript => (Language::JavaScript, "javascript", "run.js"),
            RunLanguage::Shell => (Language::Shell, "shell", "run.sh"),
            RunLanguage::Typescript => (Language::TypeScript, "typescript", "run.ts"),
        };
        let metrics = Arc::clone(&self.shared.metrics);
        let log = self.shared.options.log_runs;
        let server = self.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let _slot = run.slot;
            let _admission = run.admission;
            let mut session = cell.session.lock().unwrap_or_else(|e| e.into_inner());
            let trace = run.traceparent.clone();
            if let Some(durable) = &cell.durable {
                let info = crate::durable::RunInfo {
                    session: &cell.id,
                    handle: run.handle.as_deref(),
                    owner: cell.owner.as_deref(),
                    profile: cell.profile.as_deref(),
                    language: label,
                    code: &args.code,
                    traceparent: trace.as_deref(),
                };
                durable.begin(&info, session.image());
            }
            session.set_traceparent(run.traceparent);
            metrics.running.inc();
            let began = Instant::now();
            let result = session.run_named(language, &args.code, name);
            if let Some(durable) = &cell.durable {
                durable.end();
            }
            let took = began.elapsed();
            metrics.running.dec();
            metrics.ran(label, result.as_ref().map_err(|_| ()), took);
            if log {
                let number = session.runs();
                log_run(
                    &cell,
                    number,
                    label,
                    &result,
                    took,
                    run.queued,
                    trace.as_deref(),
                );
            }
            cell.files_bytes
                .store(session.vfs().usage().bytes, Ordering::Relaxed);
            let unsaved = run
                .lease
                .and_then(|lease| runtime.block_on(server.save(&cell, &session, lease)));
            Ran {
                result,
                session: run.handle,
                queued: run.queued,
                unsaved,
            }
        })
    }

    /// Writes a stored session back after a run and lets go of its lease; why it could not,
    /// if it could not (the session then reloads from the store on its next run here).
    async fn save(
        &self,
        cell: &SessionCell,
        session: &Session,
        lease: crate::store::Lease,
    ) -> Option<String> {
        let store = self.store()?;
        let image = session.image();
        let version = cell.version.load(Ordering::Acquire) + 1;
        let record = crate::store::Record {
            version,
            owner: cell.owner.clone(),
            id: cell.id.clone(),
            runs: image.runs,
            seed: image.seed,
            cwd: image.cwd,
            budgets: image.budgets,
            files: Vec::new(),
        };
        let mut stored =
            std::mem::take(&mut *cell.stored.lock().unwrap_or_else(|e| e.into_inner()));
        let saved = store.save(&lease, record, &image.files, &mut stored).await;
        *cell.stored.lock().unwrap_or_else(|e| e.into_inner()) = stored;
        if saved.is_err() {
            store.release(lease).await;
        }
        let why = match saved {
            Ok(true) => {
                cell.version.store(version, Ordering::Release);
                return None;
            }
            Ok(false) => "the session's lease ran out while the run went on, and another run may have changed it since".to_string(),
            Err(e) => e,
        };
        if let Some(key) = &cell.key {
            self.shared
                .stored
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(key);
        }
        Some(why)
    }

    /// The session a `run` runs in when sessions live in the store, with the lease the run
    /// holds on it: named by the handle the client passed, else by its MCP session, else new.
    async fn stored_session(
        &self,
        context: &RequestContext<RoleServer>,
        handle: Option<&str>,
        store: &crate::store::RedisStore,
    ) -> Result<(Arc<SessionCell>, Option<String>, crate::store::Lease), String> {
        let parts = context.extensions.get::<http::request::Parts>();
        let owner = parts
            .and_then(|p| p.extensions.get::<crate::http::Identity>())
            .map(|i| i.name.clone());
        let mcp = parts
            .and_then(|p| p.headers.get("mcp-session-id"))
            .and_then(|v| v.to_str().ok());
        let (key, named, fresh) = match (handle, mcp) {
            (Some(h), _) => (h.to_string(), Some(h.to_string()), false),
            (None, Some(id)) => (format!("mcp:{id}"), None, false),
            (None, None) => {
                let h = crate::approvals::fresh_token();
                (h.clone(), Some(h), true)
            }
        };
        let unknown = || {
            format!(
                "run: no session {key:?}: it ended after {} minutes unused, or it was never this client's\nhint: leave `session` out to start a new session",
                self.shared.options.session_idle.as_secs() / 60
            )
        };
        let (lease, record) = store.lease(&key, crate::store::LEASE_WAIT).await?;
        let found = async {
            let record = if fresh { None } else { record };
            match &record {
                None if handle.is_some() => return Err(unknown()),
                Some(r) if r.owner != owner => return Err(unknown()),
                _ => {}
            }
            let version = record.as_ref().map_or(0, |r| r.version);
            let cached = self
                .shared
                .stored
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_mut(&key)
                .map(|(cell, used)| {
                    *used = Instant::now();
                    Arc::clone(cell)
                });
            if let Some(cell) = cached
                && cell.version.load(Ordering::Acquire) == version
            {
                return Ok(cell);
            }
            let cell = self.make_cell(
                context,
                Some(key.clone()),
                record.as_ref().map(|r| r.id.clone()),
            );
            if let Some(record) = &record {
                let mut stored = crate::store::Stored::default();
                let files = store.files(&key, record, &mut stored).await?;
                let mut image = airlock::SessionImage::default();
                image.runs = record.runs;
                image.seed = record.seed;
                image.files = files;
                image.cwd = record.cwd.clone();
                image.budgets = record.budgets.clone();
                cell.session
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .restore_image(&image)
                    .map_err(|e| format!("run: {e}"))?;
                *cell.stored.lock().unwrap_or_else(|e| e.into_inner()) = stored;
                cell.version.store(version, Ordering::Release);
            }
            let mut cache = self.shared.stored.lock().unwrap_or_else(|e| e.into_inner());
            // Only a cache: sessions no run holds are let go of when idle, or all of them when
            // it is full (the store keeps them).
            let idle = self.shared.options.session_idle;
            cache.retain(|_, (c, used)| Arc::strong_count(c) > 1 || used.elapsed() < idle);
            if cache.len() >= self.shared.options.max_sessions {
                cache.retain(|_, (c, _)| Arc::strong_count(c) > 1);
            }
            cache.insert(key.clone(), (Arc::clone(&cell), Instant::now()));
            Ok(cell)
        }
        .await;
        match found {
            Ok(cell) => Ok((cell, named, lease)),
            Err(e) => {
                store.release(lease).await;
                Err(e)
            }
        }
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

fn ran_result(ran: Result<Ran, tokio::task::JoinError>) -> CallToolResult {
    match ran {
        Ok(Ran {
            result: Ok(output),
            session,
            queued,
            unsaved,
        }) => {
            let mut answer = run_result(output, session, queued);
            if let Some(why) = unsaved {
                answer.content.insert(
                    0,
                    ContentBlock::text(format!(
                        "airlock: the run finished, but its changes to the session were not saved: {why}\nhint: the session is as it was before this run; run it again"
                    )),
                );
                answer.is_error = Some(true);
            }
            answer
        }
        Ok(Ran { result: Err(e), .. }) => {
            CallToolResult::error(vec![ContentBlock::text(format!("airlock: {e}"))])
        }
        Err(e) => CallToolResult::error(vec![ContentBlock::text(format!(
            "airlock: the run did not finish: {e}"
        ))]),
    }
}

fn run_result(output: RunOutput, session: Option<String>, queued: Duration) -> CallToolResult {
    let result = RunResult {
        stdout: output.stdout_text(),
        stderr: output.stderr_text(),
        exit_code: output.exit_code,
        value: output.value.clone().unwrap_or(Value::Null),
        session,
        queued_ms: u64::try_from(queued.as_millis()).unwrap_or(u64::MAX),
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
                "Call `run` with a JavaScript, TypeScript or shell script; the script calls the sandbox's tools \
                 (declared in run's description) under the host's policy.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.catalog_of(&context).tools.clone(),
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.tools().iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let catalog = self.catalog_of(&context);
        let text = |t: String| CallToolResult::success(vec![ContentBlock::text(t)]);
        let result = match &*request.name {
            "run" => {
                if let Some(state) = &request.request_state {
                    return Ok(self.resume(state, request.input_responses.as_ref()).await);
                }
                match parse::<RunArgs>("run", request.arguments.clone()) {
                    Ok(args) => {
                        let traceparent = traceparent(&request, &context);
                        // A slot first: a run waiting for one holds no session's lease.
                        let (slot, queued) = match self.slot().await {
                            Ok(slot) => slot,
                            Err(e) => return Ok(error_result(e).into()),
                        };
                        let (cell, handle, lease) = if let Some(store) = self.store() {
                            match self
                                .stored_session(&context, args.session.as_deref(), store)
                                .await
                            {
                                Ok((cell, handle, lease)) => (cell, handle, Some(lease)),
                                Err(e) => return Ok(error_result(e).into()),
                            }
                        } else {
                            match self.session_for(&context, args.session.as_deref()) {
                                Ok((cell, handle)) => (cell, handle, None),
                                Err(e) => return Ok(error_result(e).into()),
                            }
                        };
                        let approvals = cell.approvals.clone();
                        let admission = context
                            .extensions
                            .get::<http::request::Parts>()
                            .and_then(|p| p.extensions.get::<crate::http::Admission>())
                            .cloned();
                        let run = RunContext {
                            slot,
                            admission,
                            queued,
                            handle,
                            traceparent,
                            lease,
                        };
                        let task = self.start(args, cell, run);
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
