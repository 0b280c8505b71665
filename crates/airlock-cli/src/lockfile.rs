//! `airlock add` and `airlock update`: components from a registry added to the config, pinned in
//! `airlock.lock` with the permissions the user accepted, and moved only with consent when an
//! update asks for more.
//!
//! What a component asks for is what its publisher declared (`publish --permissions FILE`:
//! hosts, environment variables, files) and the kinds of grant its imports can use. The grants
//! themselves stay in the config, deny by default: accepting permissions records what the user
//! reviewed; it grants nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use airlock::components::ComponentHost;
use airlock_registry::{Digest, parse_reference};
use anyhow::{Context, anyhow, bail};
use serde::{Deserialize, Serialize};

/// The key of the publisher's declared permissions in the artifact's config.
pub const PERMISSIONS_KEY: &str = "dev.airlock.permissions";

/// What a component asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Hosts it wants to reach.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub network: BTreeSet<String>,
    /// Environment variables it wants.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub env: BTreeSet<String>,
    /// Folders of the session it wants to see.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub files: BTreeSet<String>,
    /// The kinds of grant its imports can use (network, env, files, ...); found, not declared.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub imports: BTreeSet<String>,
}

impl Permissions {
    /// What `self` asks for beyond `accepted`, one line each.
    pub fn beyond(&self, accepted: &Self) -> Vec<String> {
        let mut more = Vec::new();
        for (kind, now, before) in [
            ("network", &self.network, &accepted.network),
            ("env", &self.env, &accepted.env),
            ("files", &self.files, &accepted.files),
            ("imports able to use", &self.imports, &accepted.imports),
        ] {
            for item in now.difference(before) {
                more.push(format!("+ {kind} {item}"));
            }
        }
        more
    }

    fn lines(&self) -> Vec<String> {
        self.beyond(&Self::default())
            .into_iter()
            .map(|l| l.trim_start_matches("+ ").to_string())
            .collect()
    }
}

/// `airlock.lock`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Lock {
    version: u32,
    #[serde(default)]
    component: Vec<Locked>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Locked {
    name: String,
    /// What was asked for: a tag, which `update` follows, or a digest.
    reference: String,
    /// The manifest digest that runs.
    manifest: String,
    /// The component's own digest.
    component: String,
    /// What the user accepted.
    #[serde(default)]
    permissions: Permissions,
}

const LOCK_HEADER: &str =
    "# Written by `airlock add` and `airlock update`: the components that run, pinned.\n";

fn lock_path(config: &Path) -> PathBuf {
    config.with_file_name("airlock.lock")
}

fn read_lock(path: &Path) -> anyhow::Result<Lock> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lock {
            version: 1,
            ..Lock::default()
        }),
        Err(e) => Err(anyhow!("{}: {e}", path.display())),
    }
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn write_lock(path: &Path, lock: &Lock) -> anyhow::Result<()> {
    let text = format!("{LOCK_HEADER}{}", toml::to_string(lock)?);
    write_atomically(path, &text)
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The component: REGISTRY/REPOSITORY:TAG (followed by `update`) or @sha256:...
    pub reference: String,
    /// Its name in the config (its tools become NAME/function); default: the repository's last part.
    #[arg(long)]
    pub name: Option<String>,
    /// The config file to add it to (created if missing).
    #[arg(long, default_value = "airlock.toml")]
    pub config: PathBuf,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Only this component (default: every one in airlock.lock).
    pub name: Option<String>,
    #[arg(long, default_value = "airlock.toml")]
    pub config: PathBuf,
    /// Accept what an update asks for beyond what was accepted before.
    #[arg(long)]
    pub accept_permissions: bool,
    #[arg(long)]
    pub insecure: bool,
}

/// A pulled, trust-checked component and what it asks for.
struct Fetched {
    manifest: Digest,
    component: Digest,
    permissions: Permissions,
    /// A layer component (world `airlock:layer/layer`) rather than a tool component.
    layer: bool,
}

fn fetch(reference_text: &str, config: &Path, insecure: bool) -> anyhow::Result<Fetched> {
    let reference = parse_reference(reference_text)?;
    let trust = if config.is_file() {
        crate::layers::load(config)?.file.trust
    } else {
        Vec::new()
    };
    let (pulled, manifest, component) =
        crate::registry::pull_trusted(&reference, Some(&trust), insecure)?;
    let mut permissions: Permissions = match pulled.config.get(PERMISSIONS_KEY) {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| {
            anyhow!("{reference_text}: its declared permissions are malformed ({e})")
        })?,
        None => Permissions::default(),
    };
    let host = ComponentHost::shared(false).map_err(|e| anyhow!("{e}"))?;
    let layer = host
        .is_layer(&pulled.bytes)
        .map_err(|e| anyhow!("{reference_text}: {e}"))?;
    permissions.imports = host
        .grants_asked(&pulled.bytes)
        .map_err(|e| anyhow!("{reference_text}: {e}"))?
        .into_iter()
        .map(String::from)
        .collect();
    Ok(Fetched {
        manifest,
        component,
        permissions,
        layer,
    })
}

fn pinned(reference_text: &str, manifest: &Digest) -> anyhow::Result<String> {
    let reference = parse_reference(reference_text)?;
    Ok(format!(
        "{}/{}@{manifest}",
        reference.registry(),
        reference.repository()
    ))
}

pub fn add(args: &AddArgs) -> anyhow::Result<i32> {
    let expanded = crate::registry::expand(
        &args.reference,
        &crate::registry::registry_section(Some(&args.config))?,
    )?;
    let args = &AddArgs {
        reference: expanded,
        name: args.name.clone(),
        config: args.config.clone(),
        insecure: args.insecure,
    };
    let reference = parse_reference(&args.reference)?;
    let name = args.name.clone().unwrap_or_else(|| {
        reference
            .repository()
            .rsplit('/')
            .next()
            .unwrap_or("component")
            .to_string()
    });
    let lock_file = lock_path(&args.config);
    let mut lock = read_lock(&lock_file)?;
    if lock.component.iter().any(|c| c.name == name) {
        bail!(
            "{} already has a component named {name:?}\nhint: `airlock update {name}` moves it; --name picks another name",
            lock_file.display()
        );
    }
    let fetched = fetch(&args.reference, &args.config, args.insecure)?;
    let pin = pinned(&args.reference, &fetched.manifest)?;
    let mut config = match std::fs::read_to_string(&args.config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => bail!("{}: {e}", args.config.display()),
    };
    if !config.is_empty() && !config.ends_with('\n') {
        config.push('\n');
    }
    // A layer goes around the tool calls ([[layer]]); any other component offers tools.
    let table = if fetched.layer { "layer" } else { "component" };
    config.push_str(&format!(
        "\n[[{table}]]\nname = \"{name}\"\nref = \"{pin}\"   # {} (airlock.lock)\n",
        args.reference
    ));
    write_atomically(&args.config, &config)?;
    lock.component.push(Locked {
        name: name.clone(),
        reference: args.reference.clone(),
        manifest: fetched.manifest.to_string(),
        component: fetched.component.to_string(),
        permissions: fetched.permissions.clone(),
    });
    write_lock(&lock_file, &lock)?;
    println!(
        "added {name}: {pin}{}",
        if fetched.layer { " (a layer)" } else { "" }
    );
    let asks = fetched.permissions.lines();
    if asks.is_empty() {
        println!("it asks for no permissions");
    } else {
        println!("it asks for (none is granted until you add it to [{table}.grants]):");
        for line in asks {
            println!("  {line}");
        }
    }
    Ok(0)
}

pub fn update(args: &UpdateArgs) -> anyhow::Result<i32> {
    let lock_file = lock_path(&args.config);
    let mut lock = read_lock(&lock_file)?;
    if let Some(name) = &args.name
        && !lock.component.iter().any(|c| &c.name == name)
    {
        bail!("{} has no component named {name:?}", lock_file.display());
    }
    let mut config = std::fs::read_to_string(&args.config)
        .with_context(|| format!("cannot read {}", args.config.display()))?;
    let mut refused = 0;
    for locked in &mut lock.component {
        if args.name.as_ref().is_some_and(|n| n != &locked.name) {
            continue;
        }
        let fetched = fetch(&locked.reference, &args.config, args.insecure)?;
        if fetched.manifest.as_str() == locked.manifest {
            println!("{}: up to date ({})", locked.name, locked.manifest);
            continue;
        }
        let more = fetched.permissions.beyond(&locked.permissions);
        if !more.is_empty() && !args.accept_permissions {
            println!(
                "{}: {} asks for more than you accepted; not updated:",
                locked.name, locked.reference
            );
            for line in &more {
                println!("  {line}");
            }
            refused += 1;
            continue;
        }
        let old = pinned(&locked.reference, &Digest::parse(&locked.manifest)?)?;
        let new = pinned(&locked.reference, &fetched.manifest)?;
        if !config.contains(&old) {
            bail!(
                "{}: the config no longer has ref = \"{old}\" for {}\nhint: put it back, or remove the component from airlock.lock and `airlock add` it again",
                args.config.display(),
                locked.name
            );
        }
        config = config.replace(&old, &new);
        println!(
            "{}: {} -> {}",
            locked.name, locked.manifest, fetched.manifest
        );
        for line in &more {
            println!("  accepted {line}");
        }
        locked.manifest = fetched.manifest.to_string();
        locked.component = fetched.component.to_string();
        locked.permissions = fetched.permissions;
    }
    write_atomically(&args.config, &config)?;
    write_lock(&lock_file, &lock)?;
    if refused > 0 {
        eprintln!(
            "airlock: {refused} update(s) ask for more permissions\nhint: review them, then `airlock update --accept-permissions`"
        );
        return Ok(2);
    }
    Ok(0)
}
