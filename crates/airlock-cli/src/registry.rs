//! `airlock component publish` and `pull`: components on OCI registries, through the local
//! content-addressed store.

use std::path::PathBuf;

use airlock::components::ComponentHost;
use airlock_registry::{ComponentMeta, Digest, Store, auth, parse_reference};
use anyhow::{Context, anyhow};

use crate::config::TrustDoc;
use crate::toolset::runtime;
use airlock::policy::ToolPattern;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The component file (.wasm).
    pub file: PathBuf,
    /// Where to publish it: REGISTRY/REPOSITORY:TAG, e.g. ghcr.io/acme/weather:1.2.0.
    pub reference: String,
    /// Sign it with this minisign secret key file (an encrypted key takes its password from
    /// AIRLOCK_SIGN_PASSWORD).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// What the component needs, for whoever adds it to review: a TOML file with `network`
    /// (hosts), `env` (variables) and `files` (folders) lists.
    #[arg(long, value_name = "FILE")]
    pub permissions: Option<PathBuf>,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The published component, pinned: REGISTRY/REPOSITORY@sha256:...
    pub reference: String,
    /// Sign with this minisign secret key file.
    #[arg(
        long,
        value_name = "KEY",
        conflicts_with = "signature",
        required_unless_present = "signature"
    )]
    pub key: Option<PathBuf>,
    /// Attach this minisign signature file instead, made by `minisign -S -m FILE` over a file
    /// holding exactly the digest text `sha256:...`.
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, clap::Args)]
pub struct GcArgs {
    /// The configs whose pinned components (`ref = "...@sha256:..."`) are kept; default
    /// ./airlock.toml. Everything else leaves the store and is pulled again when needed.
    #[arg(long = "config")]
    pub configs: Vec<PathBuf>,
    /// Say what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// What to pull: REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:...
    pub reference: String,
    /// Also write the component to this file.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// The config whose [[trust]] entries say whose signature the component must carry
    /// (default ./airlock.toml, if there is one).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Pull it even if it is unsigned or no [[trust]] entry covers it.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

pub(crate) fn store() -> anyhow::Result<Store> {
    Store::default_location().ok_or_else(|| {
        anyhow!("no folder for the component store: set AIRLOCK_CACHE_DIR, XDG_CACHE_HOME or HOME")
    })
}

pub fn publish(args: &PublishArgs) -> anyhow::Result<i32> {
    let reference = parse_reference(&expand(&args.reference, &registry_section(None)?)?)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read the component file {}", args.file.display()))?;
    let host = ComponentHost::shared(false).map_err(|e| anyhow!("{e}"))?;
    let (imports, exports) = host
        .interfaces(&bytes)
        .map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
    let permissions = match &args.permissions {
        None => None,
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let declared: crate::lockfile::Permissions = toml::from_str(&text)
                .map_err(|e| anyhow!("{}: {e}\nhint: network = [\"api.example.com\"], env = [\"API_KEY\"], files = [\"/workspace/data\"]", file.display()))?;
            Some(serde_json::to_value(declared)?)
        }
    };
    let meta = ComponentMeta {
        imports,
        exports,
        permissions,
    };
    let credentials = auth::credentials(reference.resolve_registry())?;
    let published = runtime().block_on(airlock_registry::publish(
        &bytes,
        &reference,
        &meta,
        &credentials,
        args.insecure,
    ))?;
    let store = store()?;
    let manifest = Digest::parse(&published.manifest)?;
    store.keep(&manifest, &bytes)?;
    if let Some(key) = &args.sign {
        let signature = sign_with(&manifest, key)?;
        runtime().block_on(airlock_registry::sign::push_signature(
            &reference,
            &manifest,
            &signature,
            &credentials,
            args.insecure,
        ))?;
        store.put_signature(&manifest, &signature)?;
    }
    // The pinned reference: what `pull` and a config's `ref` take to get exactly this.
    println!(
        "{}/{}@{}",
        reference.registry(),
        reference.repository(),
        published.manifest
    );
    eprintln!(
        "airlock: published {} ({} bytes, component {})",
        reference.whole(),
        bytes.len(),
        published.layer
    );
    Ok(0)
}

pub fn pull(args: &PullArgs) -> anyhow::Result<i32> {
    let reference = parse_reference(&expand(
        &args.reference,
        &registry_section(args.config.as_deref())?,
    )?)?;
    let trust = match &args.config {
        Some(path) => crate::layers::load(path)?.file.trust,
        None if std::path::Path::new("airlock.toml").is_file() => {
            crate::layers::load(std::path::Path::new("airlock.toml"))?
                .file
                .trust
        }
        None => Vec::new(),
    };
    let trust = (!args.allow_unsigned).then_some(trust.as_slice());
    let (pulled, _, digest) = pull_trusted(&reference, trust, args.insecure)?;
    if let Some(out) = &args.output {
        std::fs::write(out, &pulled.bytes)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    println!("{}", store()?.path(&digest).display());
    eprintln!(
        "airlock: pulled {} (manifest {}, component {}, {} bytes)",
        reference.whole(),
        pulled.manifest,
        digest,
        pulled.bytes.len()
    );
    Ok(0)
}

/// Pulls `reference`, checks its signature against `trust` (`None`: not checked, as
/// `--allow-unsigned` asks), and keeps it in the store: the artifact, its manifest's digest and
/// the component's.
pub(crate) fn pull_trusted(
    reference: &airlock_registry::oci::Reference,
    trust: Option<&[TrustDoc]>,
    insecure: bool,
) -> anyhow::Result<(airlock_registry::Pulled, Digest, Digest)> {
    let credentials = auth::credentials(reference.resolve_registry())?;
    let pulled = runtime().block_on(airlock_registry::pull(reference, &credentials, insecure))?;
    let manifest = Digest::parse(&pulled.manifest)?;
    let store = store()?;
    if let Some(trust) = trust {
        check_trust(reference, &manifest, trust, &store, &credentials, insecure)?;
    }
    let component = store.keep(&manifest, &pulled.bytes)?;
    Ok((pulled, manifest, component))
}

/// A signature of `manifest` made with the minisign secret key file `key`.
fn sign_with(manifest: &Digest, key: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(key)
        .with_context(|| format!("cannot read the secret key {}", key.display()))?;
    let password = std::env::var("AIRLOCK_SIGN_PASSWORD").ok();
    Ok(airlock_registry::sign::sign(manifest, &text, password)?)
}

pub fn sign(args: &SignArgs) -> anyhow::Result<i32> {
    let reference = parse_reference(&args.reference)?;
    let Some(pin) = reference.digest() else {
        anyhow::bail!(
            "{} is not pinned to a digest\nhint: sign REGISTRY/REPOSITORY@sha256:..., as `airlock component publish` prints it",
            args.reference
        );
    };
    let manifest = Digest::parse(pin)?;
    let signature = match (&args.key, &args.signature) {
        (Some(key), _) => sign_with(&manifest, key)?,
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the signature {}", file.display()))?,
        (None, None) => anyhow::bail!("give --key or --signature"),
    };
    // A file that is not a minisign signature is refused here, not found out by whoever pulls
    // (whether it verifies depends on the keys the puller trusts).
    let signed_by = minisign::SignatureBox::from_string(&signature)
        .map_err(|e| anyhow!("not a minisign signature ({e})"))?;
    let credentials = auth::credentials(reference.resolve_registry())?;
    runtime().block_on(airlock_registry::sign::push_signature(
        &reference,
        &manifest,
        &signature,
        &credentials,
        args.insecure,
    ))?;
    eprintln!(
        "airlock: signed {} (key {})",
        args.reference,
        signed_by
            .keynum()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<String>()
    );
    Ok(0)
}

/// Checks the signature of `manifest` (the artifact `reference`) against the first `[[trust]]`
/// entry whose `refs` match, fetching the signature if the store does not have it; keeps it
/// once it verifies.
fn check_trust(
    reference: &airlock_registry::oci::Reference,
    manifest: &Digest,
    trust: &[TrustDoc],
    store: &Store,
    credentials: &auth::RegistryAuth,
    insecure: bool,
) -> anyhow::Result<()> {
    let repository = airlock_registry::sign::repository_of(reference);
    let mut entry = None;
    for t in trust {
        let pattern = ToolPattern::compile(&t.refs)
            .map_err(|e| anyhow!("[[trust]] refs = {:?}: {e}", t.refs))?;
        if pattern.matches(&repository) {
            entry = Some(t);
            break;
        }
    }
    let Some(entry) = entry else {
        anyhow::bail!(
            "no [[trust]] entry covers {repository}: a component from a registry runs only once its signature is checked\nhint: [[trust]]\nrefs = \"{repository}\"\nkeys = [\"RWQ...\"]   # the publisher's minisign public key (or allow_unsigned = true)"
        );
    };
    if entry.allow_unsigned && entry.keys.is_empty() {
        return Ok(());
    }
    let keys = entry
        .keys
        .iter()
        .map(|k| airlock_registry::sign::public_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    // A signature kept in the store that verifies with today's keys settles it offline.
    let kept = store.signature(manifest)?;
    if let Some(kept) = &kept
        && airlock_registry::sign::verify(manifest, kept, &keys).is_ok()
    {
        return Ok(());
    }
    let signatures = match runtime().block_on(airlock_registry::sign::pull_signatures(
        reference,
        manifest,
        credentials,
        insecure,
    )) {
        Ok(signatures) => signatures,
        // Unsigned is allowed: a registry that cannot say whether there is a signature
        // does not stop the run.
        Err(_) if entry.allow_unsigned => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    if signatures.is_empty() {
        if entry.allow_unsigned {
            return Ok(());
        }
        return Err(airlock_registry::Error::Unsigned(format!(
            "{repository}@{manifest} has no signature, and [[trust]] refs = {:?} does not allow unsigned components\nhint: the publisher signs it with `airlock component sign` (or publish --sign)",
            entry.refs
        ))
        .into());
    }
    // Any one signature by a trusted key will do; when none does, a signature by a trusted key
    // that does not verify (something was changed) is the error worth reporting.
    let mut refusal = None;
    for signature in kept.into_iter().chain(signatures) {
        match airlock_registry::sign::verify(manifest, &signature, &keys) {
            Ok(()) => {
                store.put_signature(manifest, &signature)?;
                return Ok(());
            }
            Err(e @ airlock_registry::Error::BadSignature(_)) => refusal = Some(e),
            Err(e) => {
                refusal.get_or_insert(e);
            }
        }
    }
    Err(refusal
        .map(anyhow::Error::from)
        .unwrap_or_else(|| anyhow!("no signature of {repository}@{manifest} verifies")))
}

/// The bytes of a `[[component]] ref = "REGISTRY/REPOSITORY@sha256:..."`: from the local store
/// when it is there (no network at all), else pulled, checked against the pin, and stored; its
/// signature checked against `trust` either way.
pub fn resolve(text: &str, trust: &[TrustDoc]) -> anyhow::Result<Vec<u8>> {
    let reference = parse_reference(text)?;
    let Some(pin) = reference.digest() else {
        anyhow::bail!(
            "ref {text:?} is not pinned to a digest, so what runs could change under you\nhint: use the REGISTRY/REPOSITORY@sha256:... that `airlock component publish` or `pull` prints"
        );
    };
    let manifest = Digest::parse(pin)?;
    let store = store()?;
    let credentials = auth::credentials(reference.resolve_registry())?;
    check_trust(&reference, &manifest, trust, &store, &credentials, false)?;
    if let Some(layer) = store.layer_of(&manifest)?
        && store.contains(&layer)
    {
        return Ok(store.get(&layer)?);
    }
    let pulled = runtime().block_on(airlock_registry::pull(&reference, &credentials, false))?;
    store.keep(&manifest, &pulled.bytes)?;
    Ok(pulled.bytes)
}

/// A WIT package name (`namespace:name@1.2.0`) as the OCI reference `[registry]` maps it to;
/// any other text is returned as it is.
pub fn expand(text: &str, registry: &crate::config::RegistrySection) -> anyhow::Result<String> {
    let (package, version) = text.split_once('@').unwrap_or((text, ""));
    let Some((namespace, name)) = package.split_once(':') else {
        return Ok(text.to_string());
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    // `host:5000/repo` and `host/repo:tag` are references already.
    if text.contains('/') || !word(namespace) || !word(name) {
        return Ok(text.to_string());
    }
    let prefix = match registry.namespaces.get(namespace) {
        Some(prefix) => prefix.trim_end_matches('/').to_string(),
        None => match &registry.default {
            Some(default) => format!("{}/{namespace}", default.trim_end_matches('/')),
            None => anyhow::bail!(
                "{text:?} is a package name, and no [registry] says where namespace {namespace:?} is published\nhint: [registry.namespaces]\n{namespace} = \"ghcr.io/{namespace}\"   # or [registry] default = \"ghcr.io\""
            ),
        },
    };
    let tag = if version.is_empty() {
        "latest"
    } else {
        version
    };
    Ok(format!("{prefix}/{name}:{tag}"))
}

/// The `[registry]` of `config`, or of ./airlock.toml when it exists.
pub fn registry_section(
    config: Option<&std::path::Path>,
) -> anyhow::Result<crate::config::RegistrySection> {
    let path = match config {
        Some(path) => path,
        None if std::path::Path::new("airlock.toml").is_file() => {
            std::path::Path::new("airlock.toml")
        }
        None => return Ok(crate::config::RegistrySection::default()),
    };
    if !path.is_file() {
        return Ok(crate::config::RegistrySection::default());
    }
    Ok(crate::layers::load(path)?.file.registry)
}

/// `airlock component gc`: empties the store of what the given configs do not pin.
pub fn gc(args: &GcArgs) -> anyhow::Result<i32> {
    let configs = if args.configs.is_empty() {
        vec![PathBuf::from("airlock.toml")]
    } else {
        args.configs.clone()
    };
    let mut keep = Vec::new();
    for path in &configs {
        let loaded = crate::layers::load(path)?;
        let layer_refs = loaded.file.layer.iter().filter_map(|l| {
            l.get_ref()
                .get("ref")
                .and_then(toml::Value::as_str)
                .map(String::from)
        });
        let refs = loaded
            .file
            .component
            .iter()
            .filter_map(|c| c.reference.clone())
            .chain(layer_refs);
        for text in refs {
            if let Some(pin) = parse_reference(&text)?.digest() {
                keep.push(Digest::parse(pin)?);
            }
        }
    }
    let store = store()?;
    if args.dry_run {
        println!(
            "would keep {} pinned component(s) of {}; run without --dry-run to remove the rest of {}",
            keep.len(),
            configs
                .iter()
                .map(|c| c.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            store.dir().display()
        );
        return Ok(0);
    }
    let (files, bytes) = store.collect_garbage(&keep)?;
    println!(
        "removed {files} file(s), {} KiB, from {}; kept {} pinned component(s)",
        bytes / 1024,
        store.dir().display(),
        keep.len()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_map_as_wkg_maps_them() {
        let mut registry = crate::config::RegistrySection::default();
        registry
            .namespaces
            .insert("acme".into(), "127.0.0.1:5000/acme-components/".into());
        assert_eq!(
            expand("acme:inventory@1.2.0", &registry).unwrap(),
            "127.0.0.1:5000/acme-components/inventory:1.2.0"
        );
        assert!(expand("wasi:http@0.2.0", &registry).is_err());
        registry.default = Some("ghcr.io".into());
        assert_eq!(
            expand("wasi:http@0.2.0", &registry).unwrap(),
            "ghcr.io/wasi/http:0.2.0"
        );
        assert_eq!(
            expand("acme:inventory", &registry).unwrap(),
            "127.0.0.1:5000/acme-components/inventory:latest"
        );
        for reference in [
            "127.0.0.1:5000/acme/x:1",
            "ghcr.io/acme/x@sha256:00",
            "localhost:5000",
        ] {
            assert_eq!(expand(reference, &registry).unwrap(), reference);
        }
    }
}
