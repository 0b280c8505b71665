//! Builds the sandbox's tools and policy from the config file.

use std::path::{Path, PathBuf};

use airlock::Toolset;
use airlock::policy::{Policy, PolicyDoc, Source};
use airlock::tool::{ExecCommand, ToolSpec, Toolbox, exec_tool};
use anyhow::{Context, anyhow};
use serde_json::Value;

use crate::config::{Loaded, ToolDoc};
use crate::units::parse_duration;

/// The tools of `loaded` (exec backends, started from the config file's folder) and its policy.
pub fn build(loaded: &Loaded) -> anyhow::Result<Toolset> {
    let dir = loaded
        .path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = loaded.path.display().to_string();
    // Denials name the rule "in airlock.toml": the file name is what the script's author
    // recognises, without the folders of the machine it runs on.
    let short = loaded
        .path
        .file_name()
        .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
    let mut toolbox = Toolbox::new();
    for doc in &loaded.file.tool {
        let at = format!("{name}:{}", line_of(&loaded.text, doc.name.span().start));
        let tool =
            tool(doc, &dir).with_context(|| format!("{at}: tool '{}'", doc.name.get_ref()))?;
        toolbox.add(tool).map_err(|e| anyhow!("{at}: {e}"))?;
    }
    let doc = PolicyDoc {
        allow: loaded.file.allow.clone(),
        deny: loaded.file.deny.clone(),
    };
    let policy = Policy::compile(
        &doc,
        Source {
            name: &short,
            text: Some(&loaded.text),
        },
    )
    .map_err(|e| anyhow!("{}", e.in_file(&name)))?;
    Ok(Toolset::new(toolbox, policy))
}

fn tool(doc: &ToolDoc, dir: &Path) -> anyhow::Result<std::sync::Arc<dyn airlock::tool::Tool>> {
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
