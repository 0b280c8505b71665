//! The on-disk cache of the compiled, pre-initialised guest. This is the only module that
//! touches the host filesystem.
//!
//! An entry is two files: `guest-GUEST-ENGINE.cwasm`, wasmtime's serialized module as is (so wasmtime
//! can map it straight from the page cache, code and copy-on-write memory image alike), and
//! `guest-KEY.cwasm.b3`, the seal: `MAGIC | blake3(cwasm)`. Each is written to a temporary file
//! and renamed into place, the module first, so readers never see half a file. A module whose
//! seal is missing or does not match (corrupt, truncated, or replaced) is rebuilt, never loaded;
//! wasmtime additionally refuses modules compiled by another version, target or configuration,
//! which also triggers a rebuild.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

use crate::error::Error;

const MAGIC: &[u8; 8] = b"AIRLOCK1";
const SEAL_LEN: usize = MAGIC.len() + 32;

/// Names a cache entry: the guest build and the engine configuration that compiled it.
#[derive(Debug)]
pub(crate) struct Key {
    /// Hex prefix of the guest module's hash.
    pub(crate) guest: String,
    /// Hex prefix of the hash of everything about the engine that changes compiled code.
    pub(crate) engine: String,
}

/// Loads the module cached under `key` in `dir`, or builds, stores and loads it.
pub(crate) fn load_or_build(
    engine: &Engine,
    dir: Option<&Path>,
    key: &Key,
    build: impl FnOnce() -> Result<Vec<u8>, Error>,
) -> Result<Module, Error> {
    let path = dir.map(|d| d.join(format!("guest-{}-{}.cwasm", key.guest, key.engine)));
    if let Some(module) = path.as_deref().and_then(|p| load(engine, p)) {
        return Ok(module);
    }
    let payload = build()?;
    if let (Some(dir), Some(path)) = (dir, path.as_deref()) {
        // A cache that cannot be written only costs the next start a compile.
        if store(dir, path, &payload).is_ok() {
            prune_other_guests(dir, &key.guest);
        }
    }
    // SAFETY: `payload` was just produced by `Engine::precompile_module` on this engine.
    unsafe { Module::deserialize(engine, &payload) }
        .map_err(|e| Error::engine("loading the compiled guest", e))
}

fn seal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".b3");
    PathBuf::from(name)
}

fn seal(payload_hash: &blake3::Hash) -> Vec<u8> {
    let mut seal = MAGIC.to_vec();
    seal.extend_from_slice(payload_hash.as_bytes());
    seal
}

fn load(engine: &Engine, path: &Path) -> Option<Module> {
    let expected = fs::read(seal_path(path)).ok()?;
    if expected.len() != SEAL_LEN {
        return None;
    }
    let file = File::open(path).ok()?;
    // Hashing the page cache in place, on every core, is most of what loading costs: the
    // module is tens of megabytes.
    // SAFETY: the map is read-only and dropped before the file is handed to wasmtime. Cache
    // entries are replaced by rename, never rewritten in place, so the bytes cannot change
    // while mapped.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_rayon(&map);
    drop(map);
    if seal(&hasher.finalize()) != expected {
        return None;
    }
    // SAFETY: the file's contents match the seal written beside it when this engine
    // configuration compiled it (the key names the configuration and wasmtime re-checks its
    // own header), so these are bytes we wrote, intact. The same open file is mapped, so a
    // rename in between cannot swap it.
    unsafe { Module::deserialize_open_file(engine, file) }.ok()
}

fn store(dir: &Path, path: &Path, payload: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    write_atomically(dir, path, payload)?;
    write_atomically(dir, &seal_path(path), &seal(&blake3::hash(payload)))
}

/// Removes the entries of other guest builds: each is megabytes, and once this build has
/// written its own they belong to an older (or newer) airlock. Entries of this guest for other
/// engine configurations (fuel, no timeout) stay.
fn prune_other_guests(dir: &Path, guest: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_entry = name.ends_with(".cwasm") || name.ends_with(".cwasm.b3");
        if let Some(rest) = name.strip_prefix("guest-")
            && is_entry
            && !rest.starts_with(&format!("{guest}-"))
        {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp: PathBuf = dir.join(format!(".tmp-{}-{:x}", std::process::id(), rand_suffix()));
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

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_covers_every_byte() {
        let a = seal(&blake3::hash(b"compiled module"));
        let b = seal(&blake3::hash(b"compiled modulf"));
        assert_eq!(a.len(), SEAL_LEN);
        assert!(a.starts_with(MAGIC));
        assert_ne!(a, b);
    }

    #[test]
    fn seal_path_sits_beside_the_module() {
        assert_eq!(
            seal_path(Path::new("/c/guest-k.cwasm")),
            PathBuf::from("/c/guest-k.cwasm.b3")
        );
    }
}
