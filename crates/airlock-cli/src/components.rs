//! `[[component]]`: WebAssembly components loaded into the process's component host, their
//! functions offered as tools.

use std::path::Path;
use std::sync::Arc;

use std::collections::BTreeMap;

use airlock::components::layer::{HOOKS_INTERFACE, LayerSpec};
use airlock::components::{
    ComponentHost, ComponentSpec, FileGrant, Grants, Limits, LoadedComponent,
};
use airlock::policy::ToolPattern;
use anyhow::{Context, anyhow};

use crate::config::{ComponentDoc, ComponentLimitsDoc, GrantsDoc, Loaded};
use crate::toolset::line_of;
use crate::units::{parse_duration, parse_size};

/// Loads every `[[component]]` of the config; relative paths are resolved against `dir`.
pub fn load_all(
    loaded: &Loaded,
    dir: &Path,
) -> anyhow::Result<Vec<(LoadedComponent, ToolPattern)>> {
    let docs = &loaded.file.component;
    if docs.is_empty() {
        return Ok(Vec::new());
    }
    let fuel = docs.iter().any(|d| d.limits.fuel.is_some());
    let host = ComponentHost::shared(fuel).map_err(|e| anyhow!("{e}"))?;
    let name = loaded.path.display().to_string();
    docs.iter()
        .map(|doc| {
            let at = format!("{name}:{}", line_of(&loaded.text, doc.name.span().start));
            load(&host, doc, dir, &loaded.file.trust)
                .with_context(|| format!("{at}: component '{}'", doc.name.get_ref()))
        })
        .collect()
}

fn load(
    host: &Arc<ComponentHost>,
    doc: &ComponentDoc,
    dir: &Path,
    trust: &[crate::config::TrustDoc],
) -> anyhow::Result<(LoadedComponent, ToolPattern)> {
    let spec = spec(doc)?;
    let pattern_text = doc.tools.as_deref().unwrap_or("**");
    let pattern =
        ToolPattern::compile(pattern_text).map_err(|e| anyhow!("tools = {pattern_text:?}: {e}"))?;
    let (bytes, source) = match (&doc.path, &doc.reference) {
        (Some(path), None) => {
            let path = dir.join(path);
            let bytes = std::fs::read(&path)
                .map_err(|e| anyhow!("cannot read the component file {}: {e}", path.display()))?;
            (bytes, path.display().to_string())
        }
        (None, Some(reference)) => (
            crate::registry::resolve(reference, trust)?,
            reference.clone(),
        ),
        _ => anyhow::bail!(
            "give the component either `path` (a file) or `ref` (REGISTRY/REPOSITORY@sha256:...), not both or neither"
        ),
    };
    let component = host
        .load(&bytes, spec)
        .map_err(|e| anyhow!("{source}: {e}"))?;
    for skipped in component.skipped() {
        // Toolchain hooks are skipped by design; only real functions left out are worth a line.
        if !skipped.reason.contains("initialisation hook") {
            eprintln!(
                "airlock: component '{}': `{}` left out: {}",
                component.name(),
                skipped.export,
                skipped.reason
            );
        }
    }
    for key in doc.describe.keys() {
        let known = component.functions().iter().any(|f| {
            f.tool
                .strip_prefix(&format!("{}/", component.name()))
                .is_some_and(|local| local == key || local.rsplit('/').next() == Some(key.as_str()))
        });
        if !known {
            anyhow::bail!(
                "[component.describe] names `{key}`, which the component does not export as a tool\nhint: `airlock component inspect` lists its functions"
            );
        }
    }
    Ok((component, pattern))
}

/// `files = { "/reports" = "ro", "/data" = { from = "/workspace/in", mode = "ro" } }`: the key is
/// where the component sees the folder; `from` (default: the same path) is the session's folder.
fn file_grants(value: &toml::Value) -> anyhow::Result<BTreeMap<String, FileGrant>> {
    let hint = "hint: files = { \"/workspace/reports\" = \"ro\", \"/data\" = { from = \"/workspace/in\", mode = \"ro\" } }";
    let table = value
        .as_table()
        .ok_or_else(|| anyhow!("files must be a table of paths\n{hint}"))?;
    let mut grants = BTreeMap::new();
    for (at, entry) in table {
        let (from, mode) = match entry {
            toml::Value::String(mode) => (at.clone(), mode.clone()),
            toml::Value::Table(t) => {
                if let Some(key) = t.keys().find(|k| *k != "from" && *k != "mode") {
                    anyhow::bail!("files \"{at}\": unknown key `{key}` (from, mode)\n{hint}");
                }
                let text = |key: &str, default: &str| match t.get(key) {
                    None => Ok(default.to_string()),
                    Some(toml::Value::String(s)) => Ok(s.clone()),
                    Some(_) => Err(anyhow!("files \"{at}\": `{key}` must be a string\n{hint}")),
                };
                (text("from", at)?, text("mode", "ro")?)
            }
            _ => anyhow::bail!("files \"{at}\": expected \"ro\" or a table\n{hint}"),
        };
        let mut grant = FileGrant::read_only(from);
        match mode.as_str() {
            "ro" => {}
            "rw" => grant.writable = true,
            other => {
                anyhow::bail!("files \"{at}\": mode {other:?} is neither \"ro\" nor \"rw\"\n{hint}")
            }
        }
        grants.insert(at.clone(), grant);
    }
    Ok(grants)
}

/// The component's spec from its config section.
pub fn spec(doc: &ComponentDoc) -> anyhow::Result<ComponentSpec> {
    let mut spec = ComponentSpec::new(doc.name.get_ref().clone())
        .with_grants(grants(&doc.grants, "component")?)
        .with_limits(limits(&doc.limits, "component")?);
    for (function, text) in &doc.describe {
        spec = spec.describe(function.clone(), text.clone());
    }
    Ok(spec)
}

/// `[SECTION.grants]` (of a component or a layer) as grants.
pub fn grants(g: &GrantsDoc, section: &str) -> anyhow::Result<Grants> {
    let mut grants = Grants::default();
    if let Some(files) = &g.files {
        grants.files = file_grants(files).map_err(|e| anyhow!("[{section}.grants] {e}"))?;
    }
    grants.network.clone_from(&g.network);
    grants.methods.clone_from(&g.methods);
    grants.env.clone_from(&g.env);
    grants.env_from_host.clone_from(&g.env_from_host);
    Ok(grants)
}

/// `[SECTION.limits]` (of a component or a layer) as limits.
pub fn limits(l: &ComponentLimitsDoc, section: &str) -> anyhow::Result<Limits> {
    let mut limits = Limits::default();
    if let Some(t) = &l.timeout {
        limits.timeout =
            parse_duration(t).map_err(|e| anyhow!("[{section}.limits] timeout: {e}"))?;
    }
    if let Some(m) = &l.memory {
        limits.memory = parse_size(m).map_err(|e| anyhow!("[{section}.limits] memory: {e}"))?;
    }
    limits.fuel = l.fuel;
    if let Some(b) = &l.http_response_bytes {
        limits.http_response_bytes =
            parse_size(b).map_err(|e| anyhow!("[{section}.limits] http_response_bytes: {e}"))?;
    }
    if let Some(b) = &l.output {
        let bytes = parse_size(b).map_err(|e| anyhow!("[{section}.limits] output: {e}"))?;
        limits.output_bytes = usize::try_from(bytes).unwrap_or(usize::MAX);
    }
    Ok(limits)
}

/// `airlock component ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ComponentCommand {
    /// Show a component file: the imports it needs (and so the grants it asks for), each
    /// function it offers as a tool with its input and output schema, and what it leaves out.
    Inspect(InspectArgs),
    /// Publish a component file to an OCI registry (the wasm OCI layout, as `wkg` uses it);
    /// prints the pinned reference REGISTRY/REPOSITORY@sha256:... Credentials come from
    /// AIRLOCK_REGISTRY_USERNAME/PASSWORD or the Docker config file's `auths`.
    Publish(crate::registry::PublishArgs),
    /// Pull a component from an OCI registry into the local store, checking its digests;
    /// prints its path in the store.
    Pull(crate::registry::PullArgs),
    /// Sign a published component (REGISTRY/REPOSITORY@sha256:...) with a minisign secret key,
    /// or attach a signature made elsewhere (`minisign -S` of a file holding the digest), and
    /// keep it beside the component in the registry.
    Sign(crate::registry::SignArgs),
    /// Remove from the local store every component the given configs do not pin.
    Gc(crate::registry::GcArgs),
}

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The component file (.wasm).
    pub file: std::path::PathBuf,
    /// The name its tools would get (default: the file name without `.wasm`).
    #[arg(long)]
    pub name: Option<String>,
    /// Print the whole report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn execute(command: ComponentCommand) -> anyhow::Result<i32> {
    match command {
        ComponentCommand::Inspect(args) => inspect(&args),
        ComponentCommand::Publish(args) => crate::registry::publish(&args),
        ComponentCommand::Pull(args) => crate::registry::pull(&args),
        ComponentCommand::Sign(args) => crate::registry::sign(&args),
        ComponentCommand::Gc(args) => crate::registry::gc(&args),
    }
}

fn inspect(args: &InspectArgs) -> anyhow::Result<i32> {
    let name = args.name.clone().unwrap_or_else(|| {
        args.file.file_stem().map_or_else(
            || "component".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    let host = ComponentHost::shared(false).map_err(|e| anyhow!("{e}"))?;
    let bytes = std::fs::read(&args.file).map_err(|e| {
        anyhow!(
            "cannot read the component file {}: {e}",
            args.file.display()
        )
    })?;
    if host
        .is_layer(&bytes)
        .map_err(|e| anyhow!("{}: {e}", args.file.display()))?
    {
        return inspect_layer(&host, args, &bytes, name);
    }
    let component = host
        .load(&bytes, ComponentSpec::new(name))
        .map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
    let report = component.report();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(0);
    }
    println!(
        "{}  ({} bytes, {})",
        args.file.display(),
        report["bytes"],
        component_digest(&component)
    );
    println!("\nimports ({}):", component.imports().len());
    for import in component.imports() {
        println!("  {}  {}", import.name, import.provided.describe());
    }
    println!("\ntools ({}):", component.functions().len());
    for f in component.functions() {
        println!("  {}  {}", f.tool, f.signature);
        println!("      {}", f.description);
        println!("      input:  {}", f.input_schema);
        if let Some(output) = &f.output_schema {
            println!("      output: {output}");
        }
    }
    if !component.skipped().is_empty() {
        println!("\nleft out ({}):", component.skipped().len());
        for s in component.skipped() {
            println!("  {}  {}", s.export, s.reason);
        }
    }
    Ok(0)
}

/// `inspect` of a layer component: its hooks, its imports and the grants they ask for.
fn inspect_layer(
    host: &Arc<ComponentHost>,
    args: &InspectArgs,
    bytes: &[u8],
    name: String,
) -> anyhow::Result<i32> {
    let layer = host
        .load_layer(bytes, LayerSpec::new(name))
        .map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
    let report = layer.report();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(0);
    }
    println!(
        "{}  ({} bytes, blake3:{})",
        args.file.display(),
        report["bytes"],
        &layer.digest()[..16]
    );
    println!("\na layer ({HOOKS_INTERFACE}): hooks before, after, verify-code");
    println!(
        "  compose it with [[layer]] component = \"{}\"",
        args.file.display()
    );
    println!("\nimports ({}):", layer.imports().len());
    for import in layer.imports() {
        println!("  {}  {}", import.name, import.provided.describe());
    }
    let asked: Vec<&str> = report["grants_asked"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    println!(
        "\ngrants it can use: {}",
        if asked.is_empty() {
            "none".to_string()
        } else {
            asked.join(", ")
        }
    );
    println!("  (and `approvals`, if it answers `approve`: grant it with approvals = true)");
    Ok(0)
}

fn component_digest(c: &LoadedComponent) -> String {
    format!("blake3:{}", &c.digest()[..16])
}

/// `airlock check`'s lines for the config's components: file, tools, grants and limits.
pub fn describe(loaded: &Loaded) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for doc in &loaded.file.component {
        let spec = spec(doc)?;
        let grants = grants_text(&spec.grants, Vec::new());
        lines.push(format!(
            "  {}  {}  (tools {})\n      grants: {grants}\n      limits: {}",
            doc.name.get_ref(),
            source_of(doc),
            doc.tools.as_deref().unwrap_or("**"),
            limits_text(&spec.limits),
        ));
    }
    Ok(lines)
}

/// Where a `[[component]]` comes from: its file or its reference.
fn source_of(doc: &ComponentDoc) -> String {
    match (&doc.path, &doc.reference) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(reference)) => reference.clone(),
        (None, None) => "(no path or ref)".to_string(),
    }
}

/// A component's or a layer's grants in one line; `more` are grants only layers have.
pub fn grants_text(g: &Grants, more: Vec<String>) -> String {
    let mut grants = Vec::new();
    if !g.network.is_empty() {
        let methods = if g.methods.is_empty() {
            "GET, HEAD".to_string()
        } else {
            g.methods.join(", ")
        };
        grants.push(format!("network {} ({methods})", g.network.join(", ")));
    }
    if !g.env.is_empty() {
        grants.push(format!(
            "env {}",
            g.env.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if !g.env_from_host.is_empty() {
        grants.push(format!("env from host {}", g.env_from_host.join(", ")));
    }
    for (at, f) in &g.files {
        let mode = if f.writable { "rw" } else { "ro" };
        grants.push(format!("files {at} <- {} ({mode})", f.from));
    }
    grants.extend(more);
    if grants.is_empty() {
        "none".to_string()
    } else {
        grants.join("; ")
    }
}

/// A component's or a layer's limits in one line.
pub fn limits_text(l: &Limits) -> String {
    let fuel = l.fuel.map_or(String::new(), |f| format!(", fuel {f}"));
    format!(
        "timeout {:?}, memory {} MiB{fuel}, http response {} KiB, output {} KiB",
        l.timeout,
        l.memory >> 20,
        l.http_response_bytes >> 10,
        l.output_bytes >> 10,
    )
}
