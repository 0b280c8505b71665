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
//! ```

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::units::{parse_duration, parse_size};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub vfs: VfsSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub timeout: Option<String>,
    pub memory: Option<String>,
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub source: Option<String>,
    pub fuel: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VfsSection {
    pub max_bytes: Option<String>,
    pub max_files: Option<u64>,
}

impl FileConfig {
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "invalid config file {}: {e}\nhint: allowed sections are [limits] (timeout, memory, \
                 stdout, stderr, source, fuel) and [vfs] (max_bytes, max_files)",
                path.display()
            )
        })
    }
}

/// Applies the file's values onto `limits` and `vfs` (command-line flags are applied after).
pub fn apply(
    file: &FileConfig,
    limits: &mut airlock::Limits,
    vfs: &mut airlock::vfs::VfsLimits,
) -> anyhow::Result<()> {
    let l = &file.limits;
    let size =
        |name: &str, v: &str| parse_size(v).map_err(|e| anyhow::anyhow!("[limits] {name}: {e}"));
    if let Some(t) = &l.timeout {
        limits.timeout =
            Some(parse_duration(t).map_err(|e| anyhow::anyhow!("[limits] timeout: {e}"))?);
    }
    if let Some(v) = &l.memory {
        limits.memory = size("memory", v)?;
    }
    if let Some(v) = &l.stdout {
        limits.stdout_bytes = size("stdout", v)? as usize;
    }
    if let Some(v) = &l.stderr {
        limits.stderr_bytes = size("stderr", v)? as usize;
    }
    if let Some(v) = &l.source {
        limits.source_bytes = size("source", v)? as usize;
    }
    if l.fuel.is_some() {
        limits.fuel = l.fuel;
    }
    if let Some(v) = &file.vfs.max_bytes {
        vfs.max_bytes = parse_size(v).map_err(|e| anyhow::anyhow!("[vfs] max_bytes: {e}"))?;
    }
    if let Some(n) = file.vfs.max_files {
        vfs.max_files = n;
    }
    Ok(())
}
