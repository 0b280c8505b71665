//! A config file read into what a sandbox and its sessions need, for embedders (the Python
//! binding's `Sandbox.from_config`): the same limits, tools, policy and layers `airlock run`
//! would use.

use std::path::Path;
use std::sync::Arc;

use airlock::tool::Tool;
use airlock::{SandboxConfig, Toolset};

use crate::config::{self, FileConfig};
use crate::{approvals, toolset};

/// What a config file configures.
#[derive(Debug)]
pub struct Profile {
    /// Limits, filesystem bounds and the tools, ready for `Sandbox::new`.
    pub config: SandboxConfig,
    /// The config file, absolute, for journals' start entries.
    pub path: String,
}

impl Profile {
    /// The toolset the profile's sessions get.
    pub fn tools(&self) -> &Toolset {
        &self.config.tools
    }
}

/// Reads `path` as `airlock run --config path` would: its limits and bounds, its tools
/// (exec tools, components, MCP servers, `[network]`), policy and layers, plus `extra` tools.
///
/// # Errors
/// The file cannot be read or is invalid, a tool cannot be built, or an MCP server does not
/// start; each message names the file and the line.
pub fn load(path: &Path, extra: Vec<Arc<dyn Tool>>) -> anyhow::Result<Profile> {
    profile(FileConfig::load(path)?, extra)
}

/// [`load`] for a config document given as text; `path` names it and anchors its relative
/// paths (an MCP server's `cwd`).
///
/// # Errors
/// As [`load`].
pub fn from_text(text: String, path: &Path, extra: Vec<Arc<dyn Tool>>) -> anyhow::Result<Profile> {
    profile(FileConfig::parse(text, path)?, extra)
}

fn profile(loaded: crate::config::Loaded, extra: Vec<Arc<dyn Tool>>) -> anyhow::Result<Profile> {
    let path = loaded.path.clone();
    let mut sandbox_config = SandboxConfig::default();
    config::apply(
        &loaded.file,
        &mut sandbox_config.limits,
        &mut sandbox_config.vfs,
    )?;
    sandbox_config.fuel = sandbox_config.limits.fuel.is_some();
    sandbox_config.tools = toolset::build_with(&loaded, toolset::Upstreams::Require, extra)?;
    Ok(Profile {
        config: sandbox_config,
        path: approvals::absolute(&path),
    })
}
