//! `[[layer]]` in the config file, and the approval channels of the command line.
//!
//! ```toml
//! [[layer]]
//! use = "trace"                  # OpenTelemetry spans (OTEL_EXPORTER_OTLP_* variables)
//! include_args = false           # also: include_results, endpoint, headers, service_name
//! [[layer]]
//! use = "redact"                 # secrets out of the journal, spans, prompts (and results)
//! values = []                    # also: from_env, patterns, builtin = true, results = false
//! [[layer]]
//! use = "approve"                # a person confirms each call
//! tools = "bank/**"              # every layer: which tools (default all); timeout = "10s"
//! prompt = "Send {amount} {currency} to {to}?"
//! [[layer]]
//! use = "otp"                    # a person types a one-time password
//! tools = "bank/transfer"
//! secret_file = "~/.config/airlock/otp/bank"   # never inside the sandbox
//! [[layer]]
//! component = "layers/tracer.wasm"   # a layer component (wit/layer), with its own grants
//! [layer.grants]
//! network = ["127.0.0.1:4318"]
//! ```

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use airlock::LayerStack;
use airlock::components::ComponentHost;
use airlock::components::layer::{LayerSpec, hook_timeout};
use airlock::pipeline::{Answer, Answered, ApprovalRequest, Approvals, Approver, Unattended};
use airlock::policy::ToolPattern;
use airlock_layers::approve::{ApproveConfig, ApproveLayer};
use airlock_layers::otp::{OtpConfig, OtpLayer};
use airlock_layers::redact::{RedactConfig, RedactLayer};
use airlock_layers::trace::{TraceConfig, TraceLayer};
use anyhow::{Context, anyhow, bail};

use crate::config::Loaded;
use crate::toolset::line_of;
use crate::units::parse_duration;

/// Trace layers built in this process, flushed before it exits.
static TRACES: Mutex<Vec<Arc<TraceLayer>>> = Mutex::new(Vec::new());

/// Sends the spans still buffered; export failures are reported, never fatal.
pub fn flush_traces() {
    let traces = TRACES.lock().map(|t| t.clone()).unwrap_or_default();
    for trace in traces {
        if let Err(e) = trace.shutdown() {
            eprintln!("airlock: trace export: {e}");
        }
    }
}

/// The layer stack of the config file, in order.
pub fn build(loaded: &Loaded, dir: &Path) -> anyhow::Result<LayerStack> {
    let name = loaded.path.display().to_string();
    // Redaction applies to everything that leaves for people, whichever layer writes it, so
    // the redactor is built first.
    let mut redactor = None;
    for doc in &loaded.file.layer {
        if kind(doc.get_ref()) == Some("redact") {
            let at = format!("{name}:{}", line_of(&loaded.text, doc.span().start));
            let config: RedactConfig = options(doc.get_ref(), &at)?;
            redactor = Some(
                RedactLayer::new(&config).map_err(|e| anyhow!("{at}: [[layer]] redact: {e}"))?,
            );
            break;
        }
    }
    let mut stack = LayerStack::new();
    if let Some(layer) = &redactor {
        stack = stack.with_redactor(layer.redactor());
    }
    let mut component_names = std::collections::BTreeSet::new();
    for doc in &loaded.file.layer {
        let at = format!("{name}:{}", line_of(&loaded.text, doc.span().start));
        let table = doc.get_ref();
        if table.contains_key("component") || table.contains_key("ref") {
            let (tools, layer, timeout) =
                component_layer(table, &at, dir, &mut component_names, &loaded.file.trust)?;
            stack = stack.with_timeout(tools, layer, timeout);
            continue;
        }
        let kind = kind(table).ok_or_else(|| {
            anyhow!("{at}: [[layer]] needs `use` (a built-in layer) or `component` (a layer component file)\nhint: use = \"trace\", \"redact\", \"approve\" or \"otp\"; or component = \"layers/tracer.wasm\"")
        })?;
        let tools = match table.get("tools") {
            None => None,
            Some(toml::Value::String(p)) => Some(
                ToolPattern::compile(p)
                    .map_err(|e| anyhow!("{at}: [[layer]] {kind}: tools: {e}"))?,
            ),
            Some(_) => {
                bail!("{at}: [[layer]] {kind}: `tools` must be a pattern string like \"bank/**\"")
            }
        };
        let timeout = match table.get("timeout") {
            None => airlock::pipeline::DEFAULT_LAYER_TIMEOUT,
            Some(toml::Value::String(t)) => {
                parse_duration(t).map_err(|e| anyhow!("{at}: [[layer]] {kind}: timeout: {e}"))?
            }
            Some(_) => bail!("{at}: [[layer]] {kind}: `timeout` must be a duration like \"10s\""),
        };
        let layer: Arc<dyn airlock::pipeline::Layer> = match kind {
            "trace" => {
                let config: TraceConfig = options(table, &at)?;
                let shared = redactor
                    .as_ref()
                    .map(|r| r.redactor() as Arc<dyn airlock::pipeline::Redact>);
                let layer = Arc::new(
                    TraceLayer::from_env(config, shared)
                        .map_err(|e| anyhow!("{at}: [[layer]] trace: {e}"))?,
                );
                if let Ok(mut traces) = TRACES.lock() {
                    traces.push(Arc::clone(&layer));
                }
                layer
            }
            "redact" => match &redactor {
                Some(layer) => Arc::new(layer.clone()),
                None => unreachable!("the redact layer was built above"),
            },
            "approve" => Arc::new(ApproveLayer::new(&options::<ApproveConfig>(table, &at)?)),
            "otp" => Arc::new(otp(table, &at, dir)?),
            other => bail!(
                "{at}: [[layer]]: unknown layer {other:?}\nhint: use = \"trace\", \"redact\", \"approve\" or \"otp\""
            ),
        };
        stack = stack.with_timeout(tools, layer, timeout);
    }
    Ok(stack)
}

/// `[[layer]] component = "PATH"`: a layer component with its own grants and limits.
///
/// ```toml
/// [[layer]]
/// component = "layers/otp-gate.wasm"   # relative to the config file
/// name = "otp-gate"                    # default: the file name without .wasm
/// tools = "bank/transfer"
/// [layer.grants]                       # as [component.grants], plus:
/// env_from_host = ["OTP_SECRET"]
/// store = true                         # or a file; default $XDG_STATE_HOME/airlock/layers/NAME.json
/// approvals = true                     # may ask a person
/// log = true                           # its log lines reach stderr
/// [layer.limits]                       # as [component.limits]
/// timeout = "2s"
/// ```
fn component_layer(
    table: &toml::Table,
    at: &str,
    dir: &Path,
    names: &mut std::collections::BTreeSet<String>,
    trust: &[crate::config::TrustDoc],
) -> anyhow::Result<(
    Option<ToolPattern>,
    Arc<dyn airlock::pipeline::Layer>,
    std::time::Duration,
)> {
    let plan = plan(table, at, dir)?;
    let at = format!("{at}: [[layer]] {}", plan.spec.name);
    if !names.insert(plan.spec.name.clone()) {
        bail!(
            "{at}: another [[layer]] component is named {:?}\nhint: give each a `name`; a layer's store is kept by its name",
            plan.spec.name
        );
    }
    let limits = plan.spec.limits.clone();
    let host = ComponentHost::shared(limits.fuel.is_some()).map_err(|e| anyhow!("{e}"))?;
    let bytes = match &plan.source {
        Source::File(path) => std::fs::read(path).map_err(|e| {
            anyhow!(
                "{at}: cannot read the layer component file {}: {e}",
                path.display()
            )
        })?,
        Source::Ref(reference) => {
            crate::registry::resolve(reference, trust).map_err(|e| anyhow!("{at}: {e:#}"))?
        }
    };
    let layer = host
        .load_layer(&bytes, plan.spec)
        .map_err(|e| anyhow!("{at}: {}: {e}", plan.source))?;
    Ok((plan.tools, Arc::new(layer), hook_timeout(&limits)))
}

/// Where a layer component comes from.
enum Source {
    File(PathBuf),
    /// `REGISTRY/REPOSITORY@sha256:...`, through the local store.
    Ref(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Ref(reference) => f.write_str(reference),
        }
    }
}

/// A `[[layer]] component = ...` (or `ref = ...`) read and checked, not yet loaded.
struct Plan {
    source: Source,
    tools: Option<ToolPattern>,
    spec: LayerSpec,
}

fn plan(table: &toml::Table, at: &str, dir: &Path) -> anyhow::Result<Plan> {
    let doc: ComponentLayerDoc = toml::Value::Table(table.clone())
        .try_into()
        .map_err(|e| anyhow!("{at}: [[layer]] component: {e}"))?;
    let source = match (&doc.component, &doc.reference) {
        (Some(path), None) => Source::File(host_path(path, dir)),
        (None, Some(reference)) => Source::Ref(reference.clone()),
        _ => bail!(
            "{at}: [[layer]] takes `component` (a file) or `ref` (REGISTRY/REPOSITORY@sha256:...), not both"
        ),
    };
    let name = doc.name.clone().unwrap_or_else(|| match &source {
        Source::File(path) => path
            .file_stem()
            .map_or_else(|| "layer".to_string(), |s| s.to_string_lossy().into_owned()),
        Source::Ref(reference) => {
            // `registry:port/acme/tracer@sha256:...` -> `tracer`.
            let repository = reference.split('@').next().unwrap_or(reference);
            let last = repository.rsplit('/').next().unwrap_or("layer");
            last.split(':').next().unwrap_or(last).to_string()
        }
    });
    let at = format!("{at}: [[layer]] {name}");
    let tools = doc
        .tools
        .as_deref()
        .map(ToolPattern::compile)
        .transpose()
        .map_err(|e| anyhow!("{at}: tools: {e}"))?;
    let mut grants_table = doc.grants.clone();
    let store = grants_table.remove("store");
    let approvals = flag(&mut grants_table, "approvals", &at)?;
    let log = flag(&mut grants_table, "log", &at)?;
    let base: crate::config::GrantsDoc = toml::Value::Table(grants_table)
        .try_into()
        .map_err(|e| anyhow!("{at}: [layer.grants]: {e}\nhint: network, methods, env, env_from_host, store, approvals, log"))?;
    let grants = crate::components::grants(&base, "layer").map_err(|e| anyhow!("{at}: {e}"))?;
    let limits =
        crate::components::limits(&doc.limits, "layer").map_err(|e| anyhow!("{at}: {e}"))?;
    let mut spec = LayerSpec::new(name.clone())
        .with_grants(grants)
        .with_limits(limits);
    match store {
        None | Some(toml::Value::Boolean(false)) => {}
        Some(toml::Value::Boolean(true)) => spec = spec.with_store(default_store(&name)?),
        Some(toml::Value::String(p)) => spec = spec.with_store(host_path(Path::new(&p), dir)),
        Some(_) => bail!(
            "{at}: [layer.grants] store must be true or a file path\nhint: store = true keeps it in $XDG_STATE_HOME/airlock/layers/{name}.json"
        ),
    }
    if approvals {
        spec = spec.with_approvals();
    }
    if log {
        spec = spec.with_log(None);
    }
    Ok(Plan {
        source,
        tools,
        spec,
    })
}

/// `airlock check`'s lines for the config's layer components: file, tools, grants and limits.
pub fn describe_components(loaded: &Loaded, dir: &Path) -> anyhow::Result<Vec<String>> {
    let name = loaded.path.display().to_string();
    let mut lines = Vec::new();
    for doc in &loaded.file.layer {
        let table = doc.get_ref();
        if !table.contains_key("component") && !table.contains_key("ref") {
            continue;
        }
        let at = format!("{name}:{}", line_of(&loaded.text, doc.span().start));
        let plan = plan(table, &at, dir)?;
        let spec = &plan.spec;
        let mut more = Vec::new();
        if let Some(store) = &spec.store {
            more.push(format!("store {}", store.display()));
        }
        if spec.approvals {
            more.push("approvals".to_string());
        }
        if spec.log {
            more.push("log".to_string());
        }
        lines.push(format!(
            "  {}  {}  (tools {})\n      grants: {}\n      limits: {}",
            spec.name,
            plan.source,
            table
                .get("tools")
                .and_then(toml::Value::as_str)
                .unwrap_or("**"),
            crate::components::grants_text(&spec.grants, more),
            crate::components::limits_text(&spec.limits),
        ));
    }
    Ok(lines)
}

/// `[[layer]]` with `component = ...`.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentLayerDoc {
    component: Option<PathBuf>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    name: Option<String>,
    tools: Option<String>,
    #[serde(default)]
    grants: toml::Table,
    #[serde(default)]
    limits: crate::config::ComponentLimitsDoc,
}

/// A boolean grant, removed from the table.
fn flag(table: &mut toml::Table, key: &str, at: &str) -> anyhow::Result<bool> {
    match table.remove(key) {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(b),
        Some(_) => bail!("{at}: [layer.grants] {key} must be true or false"),
    }
}

/// Where `store = true` keeps a layer's store: `$XDG_STATE_HOME/airlock/layers/NAME.json`, else
/// `~/.local/state/airlock/layers/NAME.json`.
fn default_store(name: &str) -> anyhow::Result<PathBuf> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || name.starts_with('.')
    {
        bail!(
            "layer name {name:?} cannot name a store file\nhint: use letters, digits, '-', '_' and '.', or give store = \"PATH\""
        );
    }
    let var = |k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = var("XDG_STATE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/state")))
        .ok_or_else(|| {
            anyhow!("neither XDG_STATE_HOME nor HOME is set\nhint: give store = \"PATH\"")
        })?;
    Ok(base.join("airlock/layers").join(format!("{name}.json")))
}

fn kind(table: &toml::Table) -> Option<&str> {
    table.get("use").and_then(toml::Value::as_str)
}

/// The layer's own options: every key but `use`, `tools` and `timeout`, read strictly.
fn options<T: serde::de::DeserializeOwned>(table: &toml::Table, at: &str) -> anyhow::Result<T> {
    let mut rest = table.clone();
    for key in ["use", "tools", "timeout"] {
        rest.remove(key);
    }
    let kind = kind(table).unwrap_or("?");
    toml::Value::Table(rest)
        .try_into()
        .map_err(|e| anyhow!("{at}: [[layer]] {kind}: {e}"))
}

/// `[[layer]] use = "otp"` options.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OtpDoc {
    secret_file: PathBuf,
    state_file: Option<PathBuf>,
    max_failures: Option<u32>,
    prompt: Option<String>,
}

fn otp(table: &toml::Table, at: &str, dir: &Path) -> anyhow::Result<OtpLayer> {
    let doc: OtpDoc = options(table, at)?;
    let mut config = OtpConfig::new(host_path(&doc.secret_file, dir));
    if let Some(state) = &doc.state_file {
        config = config.with_state_file(host_path(state, dir));
    }
    if let Some(n) = doc.max_failures {
        config = config.with_max_failures(n);
    }
    if let Some(prompt) = doc.prompt {
        config = config.with_prompt(prompt);
    }
    OtpLayer::new(config).map_err(|e| anyhow!("{at}: [[layer]] otp: {e}"))
}

/// A host path from the config: `~/` is the home folder, a relative path is the config's
/// folder's.
pub fn host_path(path: &Path, dir: &Path) -> PathBuf {
    if let Ok(rest) = path.strip_prefix("~")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    dir.join(path)
}

/// How long a call waits for a person, from `[approvals] timeout`.
pub fn approval_timeout(loaded: Option<&Loaded>) -> anyhow::Result<std::time::Duration> {
    match loaded.and_then(|l| l.file.approvals.timeout.as_deref()) {
        Some(t) => parse_duration(t).map_err(|e| anyhow!("[approvals] timeout: {e}")),
        None => Ok(airlock::pipeline::DEFAULT_APPROVAL_TIMEOUT),
    }
}

/// The approval channels of a command-line run: the terminal when there is one; otherwise a
/// journaled run stops with the approval pending (exit 75) and one without a journal declines.
pub fn approvals(
    timeout: std::time::Duration,
    journaled: bool,
    stdin_is_script: bool,
) -> Approvals {
    let approvals = Approvals::new().with_timeout(timeout);
    let interactive = !stdin_is_script && std::io::stdin().is_terminal();
    let approvals = if interactive {
        approvals.with_approver(Arc::new(Terminal))
    } else {
        approvals
    };
    approvals.with_unattended(if journaled {
        Unattended::Stop
    } else {
        Unattended::Decline
    })
}

/// Asks on the terminal (`/dev/tty`, so the script's own output streams stay clean).
struct Terminal;

impl Approver for Terminal {
    fn ask(
        &self,
        request: &ApprovalRequest,
    ) -> airlock::pipeline::LayerFuture<'static, Option<Answered>> {
        let request = request.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || ask_terminal(&request))
                .await
                .ok()
                .flatten()
        })
    }
}

fn ask_terminal(request: &ApprovalRequest) -> Option<Answered> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    let mut out = tty.try_clone().ok()?;
    let args = serde_json::to_string(&request.args).unwrap_or_default();
    let _ = writeln!(
        out,
        "\nairlock: approval {} ({}): {}\n  tool {} {args}{}",
        request.id,
        request.layer,
        request.prompt,
        request.tool,
        request
            .rule
            .as_deref()
            .map(|r| format!(" (allowed by {r})"))
            .unwrap_or_default()
    );
    let question = if request.wants_code() {
        "  one-time password (empty to decline): "
    } else {
        "  approve? [y/N] "
    };
    let _ = write!(out, "{question}");
    let _ = out.flush();
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line).ok()?;
    let line = line.trim();
    let answer = if request.wants_code() {
        if line.is_empty() {
            Answer::decline(Some("no code given".into()))
        } else {
            Answer::code(line)
        }
    } else if matches!(line, "y" | "Y" | "yes" | "Yes") {
        Answer::approve()
    } else {
        Answer::decline(None)
    };
    Some(Answered::new(answer, "tty"))
}

/// The config file a journal's run named, for the approvals commands and `resume`.
pub fn config_of_journal(given: Option<&Path>, recorded: Option<&str>) -> Option<PathBuf> {
    given
        .map(Path::to_path_buf)
        .or_else(|| recorded.map(PathBuf::from))
}

/// Reads a config file, naming it in the error.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    crate::config::FileConfig::load(path).with_context(|| format!("the config {}", path.display()))
}
