//! Builds the sandbox's tools and policy from the config file, starting its upstream MCP
//! servers.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use airlock::Toolset;
use airlock::policy::{Policy, PolicyDoc, Source};
use airlock::tool::{ExecCommand, ToolSpec, Toolbox, exec_tool};
use airlock_mcp::{Upstream, UpstreamConfig, UpstreamTransport};
use anyhow::{Context, anyhow};
use serde_json::Value;

use crate::config::{Loaded, McpServerDoc, ToolDoc};
use crate::units::parse_duration;

/// What to do with the config's upstream MCP servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upstreams {
    /// Start them and import their tools; a server that fails to start is an error.
    Require,
    /// Start them; one that fails to start is reported on stderr and left out.
    Tolerate,
    /// Leave them alone (their tools are absent).
    Skip,
}

/// The runtime upstream MCP connections live on, for the rest of the process; `airlock serve`
/// serves on it too.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("airlock-mcp")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}

/// The tools of `loaded` (exec backends started from the config file's folder, and the tools
/// of its MCP servers) and its policy.
pub fn build(loaded: &Loaded, upstreams: Upstreams) -> anyhow::Result<Toolset> {
    build_with(loaded, upstreams, Vec::new())
}

/// [`build`], with `extra` tools of the embedder's (a Python caller's functions) added after
/// the config's own, under the same policy and layers.
pub fn build_with(
    loaded: &Loaded,
    upstreams: Upstreams,
    extra: Vec<std::sync::Arc<dyn airlock::tool::Tool>>,
) -> anyhow::Result<Toolset> {
    let dir = config_dir(loaded);
    let name = loaded.path.display().to_string();
    // Denials name the rule "in airlock.toml": the file name is what the script's author
    // recognises, without the folders of the machine it runs on.
    let short = loaded
        .path
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    let mut toolbox = Toolbox::new();
    let granted = granted_host_env(loaded);
    for doc in &loaded.file.tool {
        let at = format!("{name}:{}", line_of(&loaded.text, doc.name.span().start));
        let tool = tool(doc, &dir, &granted)
            .with_context(|| format!("{at}: tool '{}'", doc.name.get_ref()))?;
        toolbox.add(tool).map_err(|e| anyhow!("{at}: {e}"))?;
    }
    for (component, pattern) in crate::components::load_all(loaded, &dir)? {
        for tool in component.tools(|local| pattern.matches(local)) {
            toolbox
                .add(tool)
                .map_err(|e| anyhow!("{name}: component '{}': {e}", component.name()))?;
        }
    }
    if upstreams != Upstreams::Skip {
        for upstream in connect(loaded, upstreams)? {
            for tool in upstream.tools() {
                toolbox
                    .add(std::sync::Arc::clone(tool))
                    .map_err(|e| anyhow!("{name}: [mcp_servers.{}]: {e}", upstream.name()))?;
            }
        }
    }
    for tool in extra {
        let tool_name = tool.spec().name.clone();
        toolbox
            .add(tool)
            .map_err(|e| anyhow!("tool '{tool_name}' (given beside {name}): {e}"))?;
    }
    let fetch = crate::network::tool(loaded)?;
    let network = fetch.is_some();
    if let Some(fetch) = fetch {
        toolbox
            .add(fetch)
            .map_err(|e| anyhow!("{name}: [network]: {e}"))?;
    }
    let mut doc = PolicyDoc {
        allow: loaded.file.allow.clone(),
        deny: loaded.file.deny.clone(),
    };
    let source = Source {
        name: &short,
        text: Some(&loaded.text),
    };
    let mut policy = Policy::compile(&doc, source).map_err(|e| anyhow!("{}", e.in_file(&name)))?;
    // `[network]` is the one line that turns fetch on: where [[allow]] rules list the tools
    // and none names http/fetch, the section allows it (a [[deny]] still wins).
    if network && !policy.may_allow(airlock::net::FETCH_TOOL) {
        doc.allow.push(network_rule());
        let with_fetch =
            Policy::compile(&doc, source).map_err(|e| anyhow!("{}", e.in_file(&name)))?;
        if with_fetch.may_allow(airlock::net::FETCH_TOOL) {
            policy = with_fetch;
        }
    }
    let layers = crate::layers::build(loaded, &dir)?;
    Ok(Toolset::with_layers(toolbox, policy, layers))
}

/// The allow rule `[network]` stands for.
fn network_rule() -> airlock::policy::AllowRuleDoc {
    airlock::policy::AllowRuleDoc {
        tools: toml::Spanned::new(0..0, airlock::net::FETCH_TOOL.to_string()),
        max_calls: None,
        per_run: None,
        rate: None,
        description: Some("[network]: fetch and curl".into()),
        args: Default::default(),
        sum: Default::default(),
    }
}

/// The folder relative paths in the config are resolved against.
pub fn config_dir(loaded: &Loaded) -> PathBuf {
    loaded
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// The upstream configuration of each `[mcp_servers.NAME]`.
pub fn upstream_configs(loaded: &Loaded) -> anyhow::Result<Vec<UpstreamConfig>> {
    let dir = config_dir(loaded);
    loaded
        .file
        .mcp_servers
        .iter()
        .map(|(name, doc)| {
            upstream_config(name, doc, &dir)
                .with_context(|| format!("{}: [mcp_servers.{name}]", loaded.path.display()))
        })
        .collect()
}

fn upstream_config(name: &str, doc: &McpServerDoc, dir: &Path) -> anyhow::Result<UpstreamConfig> {
    let mut config = match (&doc.command, &doc.url) {
        (Some(_), Some(_)) => {
            anyhow::bail!(
                "both `command` and `url` are set\nhint: keep one: a command for a server on stdio, a url for one over HTTP"
            )
        }
        (None, None) => anyhow::bail!(
            "neither `command` nor `url` is set\nhint: command = [\"npx\", \"-y\", \"@modelcontextprotocol/server-everything\"] or url = \"http://127.0.0.1:8000/mcp\""
        ),
        (Some(argv), None) => {
            if argv.first().is_none_or(String::is_empty) {
                anyhow::bail!(
                    "`command` is empty\nhint: command = [\"npx\", \"-y\", \"@modelcontextprotocol/server-everything\"]"
                );
            }
            let mut config = UpstreamConfig::command(name, argv.clone());
            config.transport = UpstreamTransport::Command {
                argv: argv.clone(),
                env: doc.env.clone(),
                cwd: Some(match &doc.cwd {
                    Some(cwd) => dir.join(cwd),
                    None => dir.to_path_buf(),
                }),
            };
            config
        }
        (None, Some(url)) => {
            if !doc.env.is_empty() || doc.cwd.is_some() {
                anyhow::bail!("`env` and `cwd` apply to a `command`, not to a `url`");
            }
            UpstreamConfig::http(name, url.clone())
        }
    };
    if let Some(tools) = &doc.tools {
        config.tools.clone_from(tools);
    }
    if let Some(t) = &doc.timeout {
        config.timeout = Some(parse_duration(t).map_err(|e| anyhow!("timeout: {e}"))?);
    }
    if let Some(t) = &doc.start_timeout {
        config.start_timeout = parse_duration(t).map_err(|e| anyhow!("start_timeout: {e}"))?;
    }
    Ok(config)
}

/// Starts every configured MCP server at once; they stay connected for the process.
pub fn connect(loaded: &Loaded, mode: Upstreams) -> anyhow::Result<Vec<Upstream>> {
    let configs = upstream_configs(loaded)?;
    if configs.is_empty() {
        return Ok(Vec::new());
    }
    let results = runtime().block_on(async {
        let tasks: Vec<_> = configs
            .into_iter()
            .map(|c| tokio::spawn(Upstream::connect(c)))
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await);
        }
        results
    });
    let mut upstreams = Vec::new();
    for result in results {
        match result.map_err(|e| anyhow!("starting an MCP server failed: {e}"))? {
            Ok(upstream) => {
                for skipped in upstream.skipped() {
                    eprintln!(
                        "airlock: MCP server '{}': tool {:?} left out: {}",
                        upstream.name(),
                        skipped.tool,
                        skipped.reason
                    );
                }
                upstreams.push(upstream);
            }
            Err(e) if mode == Upstreams::Tolerate => eprintln!("airlock: {e}"),
            Err(e) => return Err(anyhow!("{e}")),
        }
    }
    Ok(upstreams)
}

/// The host environment variables granted by name (`env_from_host`) to a component or a layer:
/// exec tools do not inherit them.
fn granted_host_env(loaded: &Loaded) -> Vec<String> {
    let mut names: Vec<String> = loaded
        .file
        .component
        .iter()
        .flat_map(|c| c.grants.env_from_host.iter().cloned())
        .collect();
    for layer in &loaded.file.layer {
        let listed = layer
            .get_ref()
            .get("grants")
            .and_then(|g| g.get("env_from_host"))
            .and_then(toml::Value::as_array);
        names.extend(
            listed
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from)),
        );
    }
    names.sort();
    names.dedup();
    names
}

fn tool(
    doc: &ToolDoc,
    dir: &Path,
    granted: &[String],
) -> anyhow::Result<std::sync::Arc<dyn airlock::tool::Tool>> {
    let argv = doc.command.get_ref().clone();
    if argv.is_empty() || argv[0].is_empty() {
        anyhow::bail!("`command` is empty\nhint: command = [\"python3\", \"tools/weather.py\"]");
    }
    let mut spec = ToolSpec::new(doc.name.get_ref().clone(), doc.description.clone());
    if let Some(schema) = schema(
        doc.input_schema.as_ref(),
        doc.input_schema_file.as_deref(),
        dir,
        "input",
    )? {
        spec = spec.with_input_schema(schema);
    }
    if let Some(schema) = schema(
        doc.output_schema.as_ref(),
        doc.output_schema_file.as_deref(),
        dir,
        "output",
    )? {
        spec = spec.with_output_schema(schema);
    }
    if let Some(t) = &doc.timeout {
        spec = spec.with_timeout(parse_duration(t.get_ref()).map_err(|e| anyhow!("timeout: {e}"))?);
    }
    let mut command = ExecCommand::new(argv);
    command.cwd = Some(match &doc.cwd {
        Some(cwd) => dir.join(cwd),
        None => dir.to_path_buf(),
    });
    command.env = doc
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    command.env_remove = granted.to_vec();
    Ok(exec_tool(spec, command))
}

/// A schema given inline (TOML) or in a JSON file next to the config.
fn schema(
    inline: Option<&toml::Value>,
    file: Option<&Path>,
    dir: &Path,
    which: &str,
) -> anyhow::Result<Option<Value>> {
    match (inline, file) {
        (Some(_), Some(_)) => {
            anyhow::bail!("both `{which}_schema` and `{which}_schema_file` are set\nhint: keep one")
        }
        (Some(value), None) => Ok(Some(
            serde_json::to_value(value).context(format!("`{which}_schema` is not JSON"))?,
        )),
        (None, Some(path)) => {
            let path: PathBuf = dir.join(path);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {which} schema {}", path.display()))?;
            let value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not valid JSON", path.display()))?;
            Ok(Some(value))
        }
        (None, None) => Ok(None),
    }
}

/// The 1-based line of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(1, |t| t.bytes().filter(|&b| b == b'\n').count() + 1)
}
