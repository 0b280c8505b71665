//! The on-disk cache of the compiled, pre-initialised guest. This is the only module that
//! touches the host filesystem.
//!
//! A cache file is `MAGIC | blake3(payload) | payload`, where the payload is wasmtime's
//! serialized module. It is written to a temporary file and renamed into place, so readers never
//! see half a file; a file whose magic or checksum is wrong (corrupt, truncated, or written by
//! another version) is rebuilt, never loaded. wasmtime additionally refuses payloads compiled
//! for another version, target or configuration, which also triggers a rebuild.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::{Engine, Module};

use crate::error::Error;

const MAGIC: &[u8; 8] = b"AIRLOCK1";
const HEADER: usize = MAGIC.len() + 32;

/// Loads the module cached under `key` in `dir`, or builds, stores and loads it.
pub(crate) fn load_or_build(
    engine: &Engine,
    dir: Option<&Path>,
    key: &str,
    build: impl FnOnce() -> Result<Vec<u8>, Error>,
) -> Result<Module, Error> {
    let path = dir.map(|d| d.join(format!("guest-{key}.cwasm")));
    if let Some(module) = path.as_deref().and_then(|p| load(engine, p)) {
        return Ok(module);
    }
    let payload = build()?;
    if let (Some(dir), Some(path)) = (dir, path.as_deref()) {
        // A cache that cannot be written only costs the next start a compile.
        let _ = store(dir, path, &payload);
    }
    deserialize(engine, &payload)
}

fn load(engine: &Engine, path: &Path) -> Option<Module> {
    let bytes = fs::read(path).ok()?;
    let payload = verified_payload(&bytes)?;
    deserialize(engine, payload).ok()
}

/// The payload of a cache file, if its header and checksum are intact.
fn verified_payload(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let payload = &bytes[HEADER..];
    (blake3::hash(payload).as_bytes() == &bytes[MAGIC.len()..HEADER]).then_some(payload)
}

fn deserialize(engine: &Engine, payload: &[u8]) -> Result<Module, Error> {
    // SAFETY: the payload was produced by `Engine::precompile_module` on an engine with this
    // configuration (the cache key covers it and wasmtime re-checks its own header), and its
    // checksum was verified above, so these are bytes we wrote, intact.
    unsafe { Module::deserialize(engine, payload) }
        .map_err(|e| Error::engine("loading the compiled guest", e))
}

fn store(dir: &Path, path: &Path, payload: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let tmp: PathBuf = dir.join(format!(".tmp-{}-{:x}", std::process::id(), rand_suffix()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(MAGIC)?;
        file.write_all(blake3::hash(payload).as_bytes())?;
        file.write_all(payload)?;
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
    fn verified_payload_rejects_flipped_bytes_and_bad_magic() {
        let payload = b"compiled module".to_vec();
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(blake3::hash(&payload).as_bytes());
        file.extend_from_slice(&payload);
        assert_eq!(verified_payload(&file), Some(&payload[..]));

        let mut flipped = file.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert_eq!(verified_payload(&flipped), None);

        let mut bad_magic = file.clone();
        bad_magic[0] = b'X';
        assert_eq!(verified_payload(&bad_magic), None);
        assert_eq!(verified_payload(&file[..HEADER - 1]), None);
    }
}
