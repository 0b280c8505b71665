//! `airlock component publish` and `pull`: components on OCI registries, through the local
//! content-addressed store.

use std::path::PathBuf;

use airlock::components::ComponentHost;
use airlock_registry::{ComponentMeta, Digest, Store, auth, parse_reference};
use anyhow::{Context, anyhow};

use crate::toolset::runtime;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The component file (.wasm).
    pub file: PathBuf,
    /// Where to publish it: REGISTRY/REPOSITORY:TAG, e.g. ghcr.io/acme/weather:1.2.0.
    pub reference: String,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// What to pull: REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@sha256:...
    pub reference: String,
    /// Also write the component to this file.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Allow plain HTTP to a registry that is not on this machine.
    #[arg(long)]
    pub insecure: bool,
}

fn store() -> anyhow::Result<Store> {
    Store::default_location().ok_or_else(|| {
        anyhow!("no folder for the component store: set AIRLOCK_CACHE_DIR, XDG_CACHE_HOME or HOME")
    })
}

pub fn publish(args: &PublishArgs) -> anyhow::Result<i32> {
    let reference = parse_reference(&args.reference)?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read the component file {}", args.file.display()))?;
    let host = ComponentHost::shared(false).map_err(|e| anyhow!("{e}"))?;
    let (imports, exports) = host
        .interfaces(&bytes)
        .map_err(|e| anyhow!("{}: {e}", args.file.display()))?;
    let meta = ComponentMeta { imports, exports };
    let credentials = auth::credentials(reference.resolve_registry())?;
    let published = runtime().block_on(airlock_registry::publish(
        &bytes,
        &reference,
        &meta,
        &credentials,
        args.insecure,
    ))?;
    let store = store()?;
    store.put(&bytes)?;
    store.note_manifest(&Digest::parse(&published.manifest)?, &published.layer)?;
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
    let reference = parse_reference(&args.reference)?;
    let credentials = auth::credentials(reference.resolve_registry())?;
    let pulled = runtime().block_on(airlock_registry::pull(
        &reference,
        &credentials,
        args.insecure,
    ))?;
    let store = store()?;
    let digest: Digest = store.put(&pulled.bytes)?;
    store.note_manifest(&Digest::parse(&pulled.manifest)?, &digest)?;
    if let Some(out) = &args.output {
        std::fs::write(out, &pulled.bytes)
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    println!("{}", store.path(&digest).display());
    eprintln!(
        "airlock: pulled {} (manifest {}, component {}, {} bytes)",
        reference.whole(),
        pulled.manifest,
        digest,
        pulled.bytes.len()
    );
    Ok(0)
}

/// The bytes of a `[[component]] ref = "REGISTRY/REPOSITORY@sha256:..."`: from the local store
/// when it is there (no network at all), else pulled, checked against the pin, and stored.
pub fn resolve(text: &str) -> anyhow::Result<Vec<u8>> {
    let reference = parse_reference(text)?;
    let Some(pin) = reference.digest() else {
        anyhow::bail!(
            "ref {text:?} is not pinned to a digest, so what runs could change under you\nhint: use the REGISTRY/REPOSITORY@sha256:... that `airlock component publish` or `pull` prints"
        );
    };
    let manifest = Digest::parse(pin)?;
    let store = store()?;
    if let Some(layer) = store.layer_of(&manifest)?
        && store.contains(&layer)
    {
        return Ok(store.get(&layer)?);
    }
    let credentials = auth::credentials(reference.resolve_registry())?;
    let pulled = runtime().block_on(airlock_registry::pull(&reference, &credentials, false))?;
    let layer = store.put(&pulled.bytes)?;
    store.note_manifest(&manifest, &layer)?;
    Ok(pulled.bytes)
}
