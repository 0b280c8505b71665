//! `airlock serve` (the sandbox as an MCP server) and `airlock mcp list` (the tools of the
//! configured upstream MCP servers).

use std::net::SocketAddr;
use std::path::PathBuf;

use airlock::{Sandbox, SandboxConfig};
use airlock_mcp::{AirlockServer, HttpServer, ServerOptions};
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
    if let Some(path) = config::locate(args.config.as_deref()) {
        let loaded = FileConfig::load(&path)?;
        options.approval_timeout = crate::layers::approval_timeout(Some(&loaded))?;
        config::apply(
            &loaded.file,
            &mut sandbox_config.limits,
            &mut sandbox_config.vfs,
        )?;
        // A server that cannot start is reported and left out: the other tools still serve.
        sandbox_config.tools = toolset::build(&loaded, Upstreams::Tolerate)?;
    }
    sandbox_config.fuel = sandbox_config.limits.fuel.is_some();
    let sandbox = Sandbox::new(sandbox_config)?;
    let server = AirlockServer::new(sandbox, &options);
    let runtime = toolset::runtime();
    match args.http {
        None => {
            let served = runtime.block_on(airlock_mcp::serve_stdio(server));
            crate::layers::flush_traces();
            served?;
        }
        Some(addr) => runtime.block_on(async {
            let http = HttpServer::bind(server, addr).await?;
            eprintln!("airlock: serving MCP on http://{}/mcp", http.local_addr());
            if options.approvals_token.is_some() {
                eprintln!(
                    "airlock: approvals on http://{}/approvals (bearer token)",
                    http.local_addr()
                );
            }
            http.serve().await
        })?,
    }
    Ok(0)
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
