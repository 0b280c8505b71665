//! The `--config` file: strict TOML, unknown keys are errors that name the line.
//!
//! ```toml
//! [limits]
//! timeout = "10s"
//! memory = "256M"
//! stdout = "1M"
//! stderr = "1M"
//! source = "1M"
//! fuel = 1000000000
//!
//! [vfs]
//! max_bytes = "256M"
//! max_files = 50000
//!
//! [[tool]]
//! name = "weather"                       # segments separated by / or .
//! description = "Current weather for a city"
//! command = ["python3", "tools/weather.py"]   # JSON args on stdin, JSON result on stdout
//! timeout = "5s"
//! input_schema = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }
//! # or input_schema_file = "schemas/weather.json"; likewise output_schema / output_schema_file
//!
//! [mcp_servers.everything]               # an upstream MCP server: its tools become everything/NAME
//! command = ["npx", "-y", "@modelcontextprotocol/server-everything"]   # or url = "http://..."
//! env = { }
//! tools = "**"                            # which of its tools to import
//! timeout = "30s"                         # each call (default: [limits] tool_timeout)
//!
//! [[allow]]                               # the capability policy: see the airlock-policy crate
//! tools = "weather"
//! max_calls = 100
//!
//! [[layer]]                               # layers around allowed calls, in order
//! use = "approve"                         # trace | redact | approve | otp
//! tools = "bank/**"                       # default: every tool
//! prompt = "Send {amount} {currency} to {to}?"
//!
//! [approvals]
//! timeout = "5m"                          # how long a call waits for a person
//!
//! [network]                               # fetch and curl: the built-in tool http/fetch
//! allow = ["api.github.com", "*.example.org:8443"]   # default: nothing
//! methods = ["GET", "HEAD"]               # the default
//! max_response = "8M"
//! timeout = "20s"
//! max_redirects = 10
//! [[network.secret]]                      # added by the host; the script never sees it
//! host = "api.github.com"
//! header = "Authorization"
//! value = "Bearer {env:GITHUB_TOKEN}"
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::units::parse_size;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub vfs: VfsSection,
    /// The tools, in the order the script and the model see them.
    #[serde(default)]
    pub tool: Vec<ToolDoc>,
    /// WebAssembly components whose exported functions are tools.
    #[serde(default)]
    pub component: Vec<ComponentDoc>,
    /// Upstream MCP servers whose tools the sandbox imports, by name.
    #[serde(default)]
    pub mcp_servers: std::collections::BTreeMap<String, McpServerDoc>,
    #[serde(default)]
    pub allow: Vec<airlock::policy::AllowRuleDoc>,
    #[serde(default)]
    pub deny: Vec<airlock::policy::DenyRuleDoc>,
    /// Layers around every allowed call, in order (see `layers.rs`).
    #[serde(default)]
    pub layer: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    pub approvals: ApprovalsSection,
    /// Whose signatures a component from a registry must carry, by reference pattern.
    #[serde(default)]
    pub trust: Vec<TrustDoc>,
    /// Where WIT package names (`namespace:name@version`) are published, as `wkg` maps them.
    #[serde(default)]
    pub registry: RegistrySection,
    /// How `airlock serve --http` guards and bounds itself.
    #[serde(default)]
    pub serve: ServeSection,
    /// What `fetch` and `curl` may reach; without it, the sandbox has no network.
    pub network: Option<toml::Spanned<NetworkSection>>,
}

/// `[network]`: the hosts, methods and bounds of the built-in `http/fetch` tool.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// Hosts requests may reach: `host`, `host:port`, `*.domain`, `host:*`, or an address.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Default `["GET", "HEAD"]`.
    pub methods: Option<Vec<String>>,
    /// The largest response body, e.g. "8M".
    pub max_response: Option<String>,
    /// How long one request may take, redirects included, e.g. "20s".
    pub timeout: Option<String>,
    pub max_redirects: Option<u32>,
    /// Headers the host adds to requests to a host.
    #[serde(default)]
    pub secret: Vec<NetworkSecretDoc>,
}

impl NetworkSection {
    /// `max_response` in bytes, or the default.
    pub fn max_response(&self) -> Result<u64, String> {
        self.max_response
            .as_deref()
            .map_or(Ok(airlock::net::Network::DEFAULT_MAX_RESPONSE), parse_size)
    }
}

/// One `[[network.secret]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSecretDoc {
    /// Which requests get it (a host rule, as in `allow`).
    pub host: String,
    pub header: String,
    /// The header's value; `{env:NAME}` is replaced by the host's environment variable.
    pub value: String,
}

/// `[serve]`: the HTTP server's tokens, origins, hosts and bounds (flags override).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeSection {
    /// Bearer tokens, kept as the SHA-256 of their secret.
    #[serde(default)]
    pub token: Vec<ServeTokenDoc>,
    /// Browser origins allowed besides the local ones, e.g. "https://app.example.com".
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Host header values accepted besides loopback, e.g. "airlock.internal:8931".
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    pub max_sessions: Option<usize>,
    /// How long a session lives unused, e.g. "30m".
    pub session_idle: Option<String>,
    /// Runs that may wait for a slot; past it, 503.
    pub max_queued: Option<usize>,
    /// The largest request body, e.g. "4M".
    pub max_body: Option<String>,
    /// How long runs in flight may take to finish on shutdown, e.g. "30s".
    pub drain: Option<String>,
    /// How long a client may take to send a request's headers, and again its body, e.g. "10s".
    pub client_timeout: Option<String>,
    /// Keep sessions in Redis at this URL, e.g. "redis://redis:6379" (`--store`).
    pub store: Option<String>,
}

/// One `[[serve.token]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeTokenDoc {
    /// What requests made with it go by.
    pub name: String,
    /// `printf %s "$TOKEN" | sha256sum`.
    pub sha256: String,
    /// A config file (relative to this one) whose tools, policy, layers and limits this token's
    /// sessions get instead of this file's.
    pub profile: Option<PathBuf>,
}

/// `[registry]`: `namespace:name@1.2.0` becomes `PREFIX/name:1.2.0`, where PREFIX is
/// `namespaces.NAMESPACE`, else `DEFAULT/namespace`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// The registry of namespaces not listed, e.g. "ghcr.io".
    pub default: Option<String>,
    /// Namespace -> `REGISTRY[/PREFIX]`, e.g. acme = "ghcr.io/acme-org".
    #[serde(default)]
    pub namespaces: std::collections::BTreeMap<String, String>,
}

/// One `[[trust]]`: the minisign public keys trusted for the components whose
/// `REGISTRY/REPOSITORY` matches `refs`, or `allow_unsigned`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustDoc {
    /// A pattern over `REGISTRY/REPOSITORY`, e.g. "ghcr.io/acme/**".
    pub refs: String,
    /// Public keys: the base64 line of a minisign `.pub` file.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Run components these refs match without a signature (with one, it must still verify).
    #[serde(default)]
    pub allow_unsigned: bool,
}

/// `[approvals]`: how long a call waits for a person.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsSection {
    /// Default 5m; past it the call is declined (`EAPPROVAL`).
    pub timeout: Option<String>,
}

/// One `[[tool]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolDoc {
    pub name: toml::Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The exec backend: the program and its arguments.
    pub command: toml::Spanned<Vec<String>>,
    /// Working directory of the program, relative to the config file (default: its folder).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the program.
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    pub timeout: Option<toml::Spanned<String>>,
    pub input_schema: Option<toml::Value>,
    pub input_schema_file: Option<PathBuf>,
    pub output_schema: Option<toml::Value>,
    pub output_schema_file: Option<PathBuf>,
}

/// One `[[component]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentDoc {
    /// The prefix of its tools: `NAME/function`.
    pub name: toml::Spanned<String>,
    /// The component file, relative to the config file.
    pub path: Option<PathBuf>,
    /// Or the component on an OCI registry, pinned: `REGISTRY/REPOSITORY@sha256:...`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Which of its functions to offer, in the policy's pattern syntax (default "**").
    pub tools: Option<String>,
    /// Descriptions by function name, for binaries without WIT doc comments.
    #[serde(default)]
    pub describe: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub grants: GrantsDoc,
    #[serde(default)]
    pub limits: ComponentLimitsDoc,
}

/// `[component.grants]`: deny by default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantsDoc {
    #[serde(default)]
    pub network: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub env_from_host: Vec<String>,
    /// Folders of the session's files the component sees: `{ "/data" = "ro" }` or
    /// `{ "/data" = { from = "/workspace/in", mode = "ro" } }`.
    pub files: Option<toml::Value>,
}

/// `[component.limits]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentLimitsDoc {
    pub timeout: Option<String>,
    pub memory: Option<String>,
    pub fuel: Option<u64>,
    pub http_response_bytes: Option<String>,
    pub output: Option<String>,
}

/// One `[mcp_servers.NAME]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerDoc {
    /// A server started as a child process speaking MCP on stdio.
    pub command: Option<Vec<String>>,
    /// A streamable-HTTP server.
    pub url: Option<String>,
    /// Extra environment variables for `command`.
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    /// Working directory of `command`, relative to the config file (default: its folder).
    pub cwd: Option<PathBuf>,
    /// Which of the server's tools to import (default all: "**").
    pub tools: Option<String>,
    /// Timeout of each call (default: [limits] tool_timeout).
    pub timeout: Option<String>,
    /// Timeout of starting the server and listing its tools (default 60s).
    pub start_timeout: Option<String>,
}

/// `[limits]`: any of the knobs in `airlock::KNOBS`, by name (checked when the file is loaded).
pub type LimitsSection = std::collections::BTreeMap<String, toml::Spanned<toml::Value>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VfsSection {
    pub max_bytes: Option<String>,
    pub max_files: Option<u64>,
}

/// A config file as read: the parsed document and where it came from.
#[derive(Debug)]
pub struct Loaded {
    pub file: FileConfig,
    pub path: PathBuf,
    pub text: String,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<Loaded> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::parse(text, path)
    }

    /// Reads a config document that came from somewhere other than a file (an embedder builds
    /// one); `path` names it in messages, and relative paths in it are resolved against its
    /// folder.
    pub fn parse(text: String, path: &Path) -> anyhow::Result<Loaded> {
        let file: FileConfig = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "invalid config file {}: {e}\nhint: the sections are [limits], [vfs], [[tool]], \
                 [[component]], [mcp_servers.NAME], [network], [[allow]], [[deny]], [[layer]], [approvals], \
                 [[trust]], [registry] and [serve]; `airlock check {}` explains each",
                path.display(),
                path.display()
            )
        })?;
        for (key, value) in &file.limits {
            if airlock::knob(key).is_none() {
                let names: Vec<&str> = airlock::KNOBS.iter().map(|k| k.name).collect();
                anyhow::bail!(
                    "invalid config file {}: line {}: unknown limit `{key}` in [limits]\nhint: the limits are {}; `airlock check` shows each with its default",
                    path.display(),
                    crate::toolset::line_of(&text, value.span().start),
                    names.join(", ")
                );
            }
        }
        Ok(Loaded {
            file,
            path: path.to_path_buf(),
            text,
        })
    }
}

/// The config to use: the one given, else `./airlock.toml` when it exists.
pub fn locate(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(path) => Some(path.to_path_buf()),
        None => {
            let default = Path::new("airlock.toml");
            default.is_file().then(|| default.to_path_buf())
        }
    }
}

/// Applies the file's values onto `limits` and `vfs` (command-line flags are applied after).
pub fn apply(
    file: &FileConfig,
    limits: &mut airlock::Limits,
    vfs: &mut airlock::vfs::VfsLimits,
) -> anyhow::Result<()> {
    for (key, value) in &file.limits {
        let knob =
            airlock::knob(key).ok_or_else(|| anyhow::anyhow!("[limits] {key}: unknown limit"))?;
        let input = match value.get_ref() {
            toml::Value::String(text) => airlock::KnobInput::Text(text),
            toml::Value::Integer(n) => airlock::KnobInput::Number(*n),
            other => anyhow::bail!(
                "[limits] {key}: expected a number or text like \"10s\" or \"256M\", got {}",
                other.type_str()
            ),
        };
        knob.set(limits, input)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    // A fetch's result carries its body (base64 for bytes, a third larger): [network] raises
    // tool_result to fit max_response, unless [limits] sets tool_result itself.
    if let Some(network) = &file.network
        && !file.limits.contains_key("tool_result")
    {
        let max_response = network
            .get_ref()
            .max_response()
            .map_err(|e| anyhow::anyhow!("[network] max_response: {e}"))?;
        let needed =
            usize::try_from(max_response.saturating_mul(4) / 3 + (64 << 10)).unwrap_or(usize::MAX);
        limits.tool_result_bytes = limits.tool_result_bytes.max(needed);
    }
    if let Some(v) = &file.vfs.max_bytes {
        vfs.max_bytes = parse_size(v).map_err(|e| anyhow::anyhow!("[vfs] max_bytes: {e}"))?;
    }
    if let Some(n) = file.vfs.max_files {
        vfs.max_files = n;
    }
    Ok(())
}
