//! The on-disk cache of compiled components, beside the compiled guest: `component-DIGEST-ENGINE.cwasm`
//! (wasmtime's serialized component, mapped straight from the page cache on load) and its seal
//! `...cwasm.b3` (`MAGIC | blake3(cwasm)`), each written to a temporary file and renamed into
//! place. An entry whose seal is missing or does not match is recompiled, never loaded.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::Error;

const MAGIC: &[u8; 8] = b"AIRLOCK1";

/// Loads the component whose bytes hash to `digest` from `dir`, or compiles, stores and loads it.
pub(crate) fn load_or_compile(
    engine: &Engine,
    dir: Option<&Path>,
    digest: &str,
    bytes: &[u8],
) -> Result<Component, Error> {
    let path = dir.map(|d| {
        d.join(format!(
            "component-{}-{}.cwasm",
            &digest[..32],
            engine_key(engine)
        ))
    });
    if let Some(component) = path.as_deref().and_then(|p| load(engine, p)) {
        return Ok(component);
    }
    let compiled = engine
        .precompile_component(bytes)
        .map_err(|e| Error::engine("compiling the component", e))?;
    if let (Some(dir), Some(path)) = (dir, path.as_deref()) {
        // A cache that cannot be written only costs the next process a compile.
        let _ = store(dir, path, &compiled);
    }
    // SAFETY: `compiled` was just produced by `Engine::precompile_component` on this engine.
    unsafe { Component::deserialize(engine, &compiled) }
        .map_err(|e| Error::engine("loading the compiled component", e))
}

fn engine_key(engine: &Engine) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn seal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".b3");
    PathBuf::from(name)
}

fn seal(hash: &blake3::Hash) -> Vec<u8> {
    let mut seal = MAGIC.to_vec();
    seal.extend_from_slice(hash.as_bytes());
    seal
}

fn load(engine: &Engine, path: &Path) -> Option<Component> {
    let expected = fs::read(seal_path(path)).ok()?;
    let file = File::open(path).ok()?;
    // SAFETY: read-only map, dropped before the file is handed to wasmtime; entries are
    // replaced by rename, never rewritten in place.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_rayon(&map);
    drop(map);
    if seal(&hasher.finalize()) != expected {
        return None;
    }
    // SAFETY: the bytes match the seal written when this engine configuration compiled them
    // (the name carries the configuration, and wasmtime checks its own header again).
    unsafe { Component::deserialize_file(engine, path) }.ok()
}

fn store(dir: &Path, path: &Path, payload: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    write_atomically(dir, path, payload)?;
    write_atomically(dir, &seal_path(path), &seal(&blake3::hash(payload)))
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let tmp = dir.join(format!(
        ".tmp-component-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
