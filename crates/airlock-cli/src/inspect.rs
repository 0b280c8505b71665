//! `airlock check`, `airlock tools` and `airlock prompt`: what a config gives a script.

use std::path::PathBuf;

use airlock::tool::prompt::system_prompt;
use airlock::tool::{ToolSpec, dts};
use airlock::{Limits, SandboxConfig, Toolset};
use clap::Args;

use crate::config::{self, FileConfig};
use crate::toolset::{self, Upstreams};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The config file to validate (default: ./airlock.toml).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ToolsArgs {
    /// Config file with the tools (default: ./airlock.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print TypeScript declarations of the sandbox API and every tool.
    #[arg(long)]
    dts: bool,
}

#[derive(Debug, Args)]
pub struct PromptArgs {
    /// Config file with the tools, policy and limits (default: ./airlock.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The effective configuration: defaults, then the file.
struct Effective {
    config: SandboxConfig,
    name: Option<String>,
}

fn load(given: Option<&std::path::Path>, upstreams: Upstreams) -> anyhow::Result<Effective> {
    let mut config = SandboxConfig::default();
    let Some(path) = config::locate(given) else {
        return Ok(Effective { config, name: None });
    };
    let loaded = FileConfig::load(&path)?;
    config::apply(&loaded.file, &mut config.limits, &mut config.vfs)?;
    config.tools = toolset::build(&loaded, upstreams)?;
    Ok(Effective {
        config,
        name: Some(path.display().to_string()),
    })
}

fn visible(tools: &Toolset) -> Vec<ToolSpec> {
    tools.visible().cloned().collect()
}

pub fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let path = args.file.unwrap_or_else(|| PathBuf::from("airlock.toml"));
    // Checking a file starts nothing: upstream MCP servers are listed, not contacted.
    let effective = load(Some(&path), Upstreams::Skip)?;
    let loaded = FileConfig::load(&path)?;
    let servers = toolset::upstream_configs(&loaded)?;
    let tools = &effective.config.tools;
    let name = effective.name.unwrap_or_default();
    println!("{name}: ok\n");
    println!("limits:\n{}", limits_text(&effective.config.limits));
    println!("tools ({}):", tools.toolbox().len());
    for spec in tools.toolbox().specs() {
        let shown = if tools.policy().may_allow(&spec.name) {
            ""
        } else {
            "  [never allowed by the policy]"
        };
        println!("  {}  {}{shown}", spec.name, first_line(&spec.description));
    }
    if !servers.is_empty() {
        println!(
            "\nMCP servers ({}; not started by check, `airlock mcp list` starts them):",
            servers.len()
        );
        for server in &servers {
            let how = match &server.transport {
                airlock_mcp::UpstreamTransport::Command { argv, .. } => argv.join(" "),
                airlock_mcp::UpstreamTransport::Http { url } => url.clone(),
            };
            println!("  {}  {how}  (tools {})", server.name, server.tools);
        }
    }
    let components = crate::components::describe(&loaded)?;
    if !components.is_empty() {
        println!("\ncomponents ({}):", components.len());
        for line in components {
            println!("{line}");
        }
    }
    let layer_components =
        crate::layers::describe_components(&loaded, &toolset::config_dir(&loaded))?;
    if !layer_components.is_empty() {
        println!("\nlayer components ({}):", layer_components.len());
        for line in layer_components {
            println!("{line}");
        }
    }
    println!("\npolicy:\n{}", tools.policy().describe());
    let layers = tools.layers().describe();
    if !layers.is_empty() {
        println!("\nlayers (in order before a call, reversed after it):");
        for (name, pattern) in layers {
            println!("  {name}  tools {pattern}");
        }
    }
    Ok(0)
}

pub fn tools(args: ToolsArgs) -> anyhow::Result<i32> {
    let effective = load(args.config.as_deref(), Upstreams::Require)?;
    let specs = visible(&effective.config.tools);
    if args.dts {
        print!("{}", dts::declarations(&specs));
        return Ok(0);
    }
    if specs.is_empty() {
        println!(
            "no tools{}",
            match &effective.name {
                Some(name) => format!(" in {name}"),
                None =>
                    " (no config file: pass --config FILE or create ./airlock.toml)".to_string(),
            }
        );
    }
    for spec in &specs {
        println!("{}  {}", spec.name, first_line(&spec.description));
    }
    Ok(0)
}

pub fn prompt(args: PromptArgs) -> anyhow::Result<i32> {
    let effective = load(args.config.as_deref(), Upstreams::Require)?;
    let config = &effective.config;
    let env = config.prompt_env(&["javascript", "typescript"]);
    print!("{}", system_prompt(&env, &visible(&config.tools)));
    Ok(0)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Every limit knob: its `[limits]` key, its value, its default when different, what it bounds.
fn limits_text(l: &Limits) -> String {
    let width = airlock::KNOBS
        .iter()
        .map(|k| k.name.len())
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for knob in airlock::KNOBS {
        let value = knob.show(l);
        let default = knob.default_text();
        let changed = if value == default {
            String::new()
        } else {
            format!(" (default {default})")
        };
        let shown = format!("{value}{changed}");
        out.push(format!("  {:<width$}  {shown:<6}  {}", knob.name, knob.doc));
    }
    out.join("\n")
}
