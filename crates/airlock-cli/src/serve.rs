//! `airlock serve` (the sandbox as an MCP server) and `airlock mcp list` (the tools of the
//! configured upstream MCP servers).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use airlock::{Sandbox, SandboxConfig};
use airlock_mcp::{AirlockServer, HttpOptions, HttpServer, ServerOptions, Token};
use anyhow::Context;
use clap::{Args, Subcommand};

use crate::config::{self, FileConfig};
use crate::toolset::{self, Upstreams};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Limits, tools, MCP servers and policy from a TOML file (default: ./airlock.toml if
    /// present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Serve streamable HTTP on ADDR (e.g. 127.0.0.1:8931) instead of stdio; the endpoint is
    /// http://ADDR/mcp. A bare port binds loopback.
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    http: Option<SocketAddr>,
    /// With more tools than this, `run` lists tool names only and the search_tools and
    /// describe_tool tools give their declarations.
    #[arg(long, value_name = "N", default_value_t = airlock_mcp::server::DEFAULT_DISCOVERY_THRESHOLD)]
    discovery_threshold: usize,
    /// With --http: serve GET /approvals and POST /approvals/{id} for the approvals the MCP
    /// client cannot give through elicitation, guarded by the bearer token in FILE (its first
    /// line). Without it such approvals are declined at once.
    #[arg(long, value_name = "FILE", requires = "http")]
    approvals_token_file: Option<PathBuf>,
    /// With --http: accept only requests carrying one of the bearer tokens in FILE (one per
    /// line; `#` starts a comment). Required to bind anything but loopback. Tokens can also be
    /// given hashed in the config's [[serve.token]].
    #[arg(long, value_name = "FILE", requires = "http")]
    token_file: Option<PathBuf>,
    /// With --http: a browser origin allowed besides the local ones (repeatable), e.g.
    /// https://app.example.com. Requests with any other Origin header are refused (403).
    #[arg(long = "allow-origin", value_name = "ORIGIN", requires = "http")]
    allow_origins: Vec<String>,
    /// With --http: a Host header value accepted besides loopback (repeatable), e.g.
    /// airlock.internal:8931. On a non-loopback bind without any, every host is accepted.
    #[arg(long = "allow-host", value_name = "HOST", requires = "http")]
    allow_hosts: Vec<String>,
    /// With --http: at most N live sessions (default 10000); past it a new session gets 503.
    #[arg(long, value_name = "N", requires = "http")]
    max_sessions: Option<usize>,
    /// With --http: a session unused this long ends (default 30m).
    #[arg(long, value_name = "DURATION", value_parser = crate::units::parse_duration, requires = "http")]
    session_idle: Option<std::time::Duration>,
    /// With --http: at most N runs wait for a free slot (default 1024); past it, 503 with
    /// Retry-After.
    #[arg(long, value_name = "N", requires = "http")]
    max_queued: Option<usize>,
    /// With --http: the largest request body (default 4M); larger gets 413.
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size, requires = "http")]
    max_body: Option<u64>,
    /// With --http: how long a client may take to send a request's headers, and again its body
    /// (default 10s and 30s); a slower one is cut off (408 for a body).
    #[arg(long, value_name = "DURATION", value_parser = crate::units::parse_duration, requires = "http")]
    client_timeout: Option<std::time::Duration>,
    /// With --http: keep sessions in Redis at URL (redis://HOST:PORT[/DB]) instead of this
    /// process, so that several servers sharing it serve any session in turn: a run takes the
    /// session's lease, loads it, runs and writes it back.
    #[arg(long, value_name = "URL", requires = "http")]
    store: Option<String>,
    /// Write one journal per session into DIR (`<session id>.jsonl`), each verifiable and
    /// replayable with `airlock journal`. With an approvals token, a run waiting for a person
    /// is kept there too (`<session id>.waiting.json`), and a server started again over DIR
    /// resumes it.
    #[arg(long, value_name = "DIR")]
    journal: Option<PathBuf>,
    /// Results up to this size are journaled in full (replayable); larger ones by hash.
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size, default_value = "64K")]
    journal_results: u64,
    /// `json`: one JSON line per run on stderr (time, session and run ids, identity, language,
    /// outcome, duration, wait, tool calls, trace id).
    #[arg(long, value_name = "FORMAT", value_parser = ["json"])]
    log: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Start the configured MCP servers and print the tools airlock imports from them.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Config file with [mcp_servers.NAME] sections (default: ./airlock.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| {
        format!("{text:?} is not an address\nhint: 127.0.0.1:8931, or a bare port for loopback")
    })
}

pub fn serve(args: ServeArgs) -> anyhow::Result<i32> {
    let mut sandbox_config = SandboxConfig::default();
    let mut options = ServerOptions::default();
    options.discovery_threshold = args.discovery_threshold;
    if let Some(file) = &args.approvals_token_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the approvals token {}", file.display()))?;
        let token = text.lines().next().unwrap_or("").trim().to_string();
        if token.len() < 16 {
            anyhow::bail!(
                "the approvals token in {} is shorter than 16 characters\nhint: head -c 24 /dev/urandom | base64 > {}",
                file.display(),
                file.display()
            );
        }
        options.approvals_token = Some(token);
    }
    let mut section = config::ServeSection::default();
    let mut config_dir = PathBuf::from(".");
    if let Some(path) = config::locate(args.config.as_deref()) {
        config_dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let loaded = FileConfig::load(&path)?;
        options.approval_timeout = crate::layers::approval_timeout(Some(&loaded))?;
        config::apply(
            &loaded.file,
            &mut sandbox_config.limits,
            &mut sandbox_config.vfs,
        )?;
        // A server that cannot start is reported and left out: the other tools still serve.
        sandbox_config.tools = toolset::build(&loaded, Upstreams::Tolerate)?;
        section = loaded.file.serve.clone();
    }
    let http = http_options(&args, &section, &mut options)?;
    if let Some(dir) = &args.journal {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the journal folder {}", dir.display()))?;
        options.journal_dir = Some(dir.clone());
        options.journal_results = usize::try_from(args.journal_results).unwrap_or(usize::MAX);
    }
    options.log_runs = args.log.is_some();
    let profiles = load_profiles(&section, &config_dir, &sandbox_config.limits)?;
    sandbox_config.fuel = sandbox_config.limits.fuel.is_some()
        || profiles.iter().any(|(_, p)| p.limits.fuel.is_some());
    let sandbox = Sandbox::new(sandbox_config)?;
    let mut server = AirlockServer::new(sandbox, &options);
    for (name, profile) in profiles {
        server = server.with_profile(&name, profile)?;
    }
    let store = args.store.clone().or_else(|| section.store.clone());
    anyhow::ensure!(
        store.is_none() || args.http.is_some(),
        "[serve] store: sessions are kept in a store only by the HTTP server\nhint: add --http ADDR"
    );
    let runtime = toolset::runtime();
    match args.http {
        None => {
            let served = runtime.block_on(airlock_mcp::serve_stdio(server));
            crate::layers::flush_traces();
            served?;
        }
        Some(addr) => runtime.block_on(async {
            if let Some(url) = &store {
                let store = airlock_mcp::RedisStore::connect(url, options.session_idle).await?;
                server = server.with_store(store)?;
            }
            let guarded = !http.tokens.is_empty();
            let bound = HttpServer::bind(server, addr, http).await?;
            let at = bound.local_addr();
            note(&format!("serving MCP on http://{at}/mcp"));
            if let Some(url) = &store {
                note(&format!("sessions in {}", redact_url(url)));
            }
            if options.approvals_token.is_some() {
                note(&format!(
                    "approvals on http://{at}/approvals (bearer token)"
                ));
            }
            note(&format!(
                "health on http://{at}/healthz and /readyz, metrics on /metrics{}",
                if guarded { " (bearer token)" } else { "" }
            ));
            let served = bound.serve(shutdown_signal()).await;
            note("stopped");
            crate::layers::flush_traces();
            served
        })?,
    }
    Ok(0)
}

/// `url` without its password, for the log.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// The HTTP transport's options: flags first, then the config's `[serve]`.
fn http_options(
    args: &ServeArgs,
    section: &config::ServeSection,
    options: &mut ServerOptions,
) -> anyhow::Result<HttpOptions> {
    let mut http = HttpOptions::default();
    if let Some(file) = &args.token_file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the token file {}", file.display()))?;
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let name = format!("{}:{}", file.display(), number + 1);
            http.tokens.push(Token::from_secret(line, name)?);
        }
        if http.tokens.is_empty() {
            anyhow::bail!(
                "{} has no tokens\nhint: one token per line, e.g. head -c 24 /dev/urandom | base64 >> {}",
                file.display(),
                file.display()
            );
        }
    }
    for token in &section.token {
        let mut made = Token::from_sha256_hex(&token.sha256, token.name.clone())
            .map_err(|e| anyhow::anyhow!("[[serve.token]] {e}"))?;
        if let Some(profile) = &token.profile {
            made = made.with_profile(profile.display().to_string());
        }
        http.tokens.push(made);
    }
    for (i, token) in http.tokens.iter().enumerate() {
        if let Some(twin) = http.tokens[..i].iter().find(|t| t.same_secret(token)) {
            anyhow::bail!(
                "the same token is listed twice, as {} and as {}\nhint: give each client or team a token of its own",
                twin.name,
                token.name
            );
        }
    }
    http.allowed_origins = section.allowed_origins.clone();
    http.allowed_origins
        .extend(args.allow_origins.iter().cloned());
    for origin in &http.allowed_origins {
        if !origin.contains("://") && origin != "null" {
            anyhow::bail!(
                "allowed origin {origin:?} has no scheme\nhint: origins look like https://app.example.com or http://localhost:*"
            );
        }
    }
    http.allowed_hosts = section.allowed_hosts.clone();
    http.allowed_hosts.extend(args.allow_hosts.iter().cloned());
    let duration = |key: &str,
                    text: &Option<String>|
     -> anyhow::Result<Option<std::time::Duration>> {
        text.as_deref()
            .map(|t| {
                crate::units::parse_duration(t).map_err(|e| anyhow::anyhow!("[serve] {key}: {e}"))
            })
            .transpose()
    };
    if let Some(n) = args.max_sessions.or(section.max_sessions) {
        anyhow::ensure!(n > 0, "max_sessions must be at least 1");
        options.max_sessions = n;
    }
    if let Some(idle) = args
        .session_idle
        .or(duration("session_idle", &section.session_idle)?)
    {
        options.session_idle = idle;
    }
    if let Some(n) = args.max_queued.or(section.max_queued) {
        options.max_queued = n;
    }
    let max_body = match (args.max_body, &section.max_body) {
        (Some(n), _) => Some(n),
        (None, Some(text)) => Some(
            crate::units::parse_size(text).map_err(|e| anyhow::anyhow!("[serve] max_body: {e}"))?,
        ),
        (None, None) => None,
    };
    if let Some(n) = max_body {
        http.max_body = usize::try_from(n).unwrap_or(usize::MAX).max(1024);
    }
    if let Some(t) = args
        .client_timeout
        .or(duration("client_timeout", &section.client_timeout)?)
    {
        http.header_timeout = t;
        http.body_timeout = t;
    }
    if let Some(drain) = duration("drain", &section.drain)? {
        http.drain = drain;
    }
    Ok(http)
}

/// The profiles `[[serve.token]] profile = FILE` name, each loaded from its config file: its
/// tools (with their policy and layers) and its limits, which must fit those of the server's
/// own config (its memory limit sizes the instance pool).
fn load_profiles(
    section: &config::ServeSection,
    dir: &Path,
    server_limits: &airlock::Limits,
) -> anyhow::Result<Vec<(String, airlock_mcp::Profile)>> {
    let mut profiles: Vec<(String, airlock_mcp::Profile)> = Vec::new();
    for token in &section.token {
        let Some(file) = &token.profile else { continue };
        let name = file.display().to_string();
        if profiles.iter().any(|(n, _)| n == &name) {
            continue;
        }
        let path = dir.join(file);
        let loaded = FileConfig::load(&path)
            .with_context(|| format!("[[serve.token]] {:?}: profile {name}", token.name))?;
        let mut limits = airlock::Limits::default();
        let mut vfs = airlock::vfs::VfsLimits::default();
        config::apply(&loaded.file, &mut limits, &mut vfs)?;
        if limits.memory > server_limits.memory {
            anyhow::bail!(
                "profile {name}: [limits] memory ({} bytes) is more than the server's ({} bytes)\nhint: raise [limits] memory in the server's own config; it sizes the instance pool every profile shares",
                limits.memory,
                server_limits.memory
            );
        }
        let toolset = toolset::build(&loaded, Upstreams::Tolerate)?;
        profiles.push((name, airlock_mcp::Profile { toolset, limits }));
    }
    Ok(profiles)
}

/// A line on stderr; whoever started the server may have stopped reading it, which is no
/// reason to stop serving.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "airlock: {text}");
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn execute(command: McpCommand) -> anyhow::Result<i32> {
    match command {
        McpCommand::List(args) => list(args),
    }
}

fn list(args: ListArgs) -> anyhow::Result<i32> {
    let path = config::locate(args.config.as_deref()).context(
        "no config file\nhint: pass --config FILE or create ./airlock.toml with [mcp_servers.NAME] sections",
    )?;
    let loaded = FileConfig::load(&path)?;
    if loaded.file.mcp_servers.is_empty() {
        println!("no MCP servers in {}", path.display());
        return Ok(0);
    }
    let upstreams = toolset::connect(&loaded, Upstreams::Require)?;
    for upstream in &upstreams {
        println!("{} ({} tools)", upstream.name(), upstream.tools().len());
        for tool in upstream.tools() {
            let spec = tool.spec();
            println!(
                "  {}  {}",
                spec.name,
                spec.description.lines().next().unwrap_or("")
            );
        }
    }
    Ok(0)
}
