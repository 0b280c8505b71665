//! The local content-addressed store: every component pulled or published, by the SHA-256 of its
//! bytes, so a run whose pins are here needs no network. A blob is written to a temporary file
//! and renamed into place, and checked against its name whenever it is read: a file changed on
//! disk is an error, never loaded.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::error::Error;

/// A `sha256:<64 hex>` digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        let hash = Sha256::digest(bytes);
        let mut text = String::with_capacity(71);
        text.push_str("sha256:");
        for b in hash {
            text.push_str(&format!("{b:02x}"));
        }
        Self(text)
    }

    /// Parses `sha256:<64 lowercase hex>`.
    ///
    /// # Errors
    /// Any other text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let hex = text.strip_prefix("sha256:").ok_or_else(|| {
            Error::Invalid(format!(
                "{text:?} is not a digest; digests look like sha256:<64 hex digits>"
            ))
        })?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::Invalid(format!(
                "{text:?} is not a digest; digests look like sha256:<64 lowercase hex digits>"
            )));
        }
        Ok(Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Blobs by digest under one folder: `DIR/blobs/sha256/<hex>`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store in `dir` (made on the first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default store: `$AIRLOCK_STORE`, else `components/` in airlock's cache folder
    /// (`$AIRLOCK_CACHE_DIR`, else `$XDG_CACHE_HOME/airlock`, else `~/.cache/airlock`), beside
    /// the compiled components.
    pub fn default_location() -> Option<Self> {
        let var = |name| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(dir) = var("AIRLOCK_STORE") {
            return Some(Self::new(dir));
        }
        var("AIRLOCK_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("airlock")))
            .or_else(|| var("HOME").map(|d| d.join(".cache/airlock")))
            .map(|d| Self::new(d.join("components")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the blob `digest` is (or would be) kept.
    pub fn path(&self, digest: &Digest) -> PathBuf {
        self.dir.join("blobs/sha256").join(digest.hex())
    }

    pub fn contains(&self, digest: &Digest) -> bool {
        self.path(digest).is_file()
    }

    /// Keeps `bytes`; returns their digest. Keeping what is already there is a no-op.
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn put(&self, bytes: &[u8]) -> Result<Digest, Error> {
        let digest = Digest::of(bytes);
        let path = self.path(&digest);
        if path.is_file() {
            return Ok(digest);
        }
        self.replace(&path, bytes)?;
        Ok(digest)
    }

    /// Keeps the component `bytes` of the manifest `manifest`: [`Store::put`], then
    /// [`Store::note_manifest`]. Returns the component's digest.
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn keep(&self, manifest: &Digest, bytes: &[u8]) -> Result<Digest, Error> {
        let layer = self.put(bytes)?;
        self.note_manifest(manifest, &layer)?;
        Ok(layer)
    }

    /// Writes `path` whole or not at all: a temporary sibling, synced, renamed over it.
    fn replace(&self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let dir = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let mut file = fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// The blob `digest`, checked against it.
    ///
    /// # Errors
    /// It is not in the store ([`Error::NotStored`]), cannot be read, or no longer matches its
    /// digest ([`Error::Corrupt`]).
    pub fn get(&self, digest: &Digest) -> Result<Vec<u8>, Error> {
        let path = self.path(digest);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotStored(digest.clone()));
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        let found = Digest::of(&bytes);
        if &found != digest {
            return Err(Error::Corrupt {
                path,
                expected: digest.clone(),
                found,
            });
        }
        Ok(bytes)
    }
}

impl Store {
    /// Notes that the manifest `manifest` (a pinned reference's digest) has the component
    /// `layer`, so a run pinned to it finds the component here without the registry.
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn note_manifest(&self, manifest: &Digest, layer: &Digest) -> Result<(), Error> {
        self.replace(&self.manifest_path(manifest), layer.as_str().as_bytes())
    }

    /// Keeps the verified signature of `manifest`, so a pinned run checks it offline.
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn put_signature(&self, manifest: &Digest, signature: &str) -> Result<(), Error> {
        self.replace(&self.signature_path(manifest), signature.as_bytes())
    }

    /// The signature of `manifest` kept here, if any (checked again by whoever uses it).
    ///
    /// # Errors
    /// It exists but cannot be read.
    pub fn signature(&self, manifest: &Digest) -> Result<Option<String>, Error> {
        let path = self.signature_path(manifest);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }

    fn manifest_path(&self, manifest: &Digest) -> PathBuf {
        self.dir.join("manifests/sha256").join(manifest.hex())
    }

    fn signature_path(&self, manifest: &Digest) -> PathBuf {
        self.dir
            .join("signatures/sha256")
            .join(format!("{}.minisig", manifest.hex()))
    }

    /// Removes everything but the manifests in `keep` and the components they hold: blobs,
    /// manifest notes and signatures. Returns the number of files and bytes removed.
    ///
    /// # Errors
    /// A folder of the store cannot be read or a file removed.
    pub fn collect_garbage(&self, keep: &[Digest]) -> Result<(usize, u64), Error> {
        let mut kept_blobs = std::collections::BTreeSet::new();
        for manifest in keep {
            if let Some(layer) = self.layer_of(manifest)? {
                kept_blobs.insert(layer.hex().to_string());
            }
        }
        let kept_manifests: std::collections::BTreeSet<&str> =
            keep.iter().map(Digest::hex).collect();
        let mut removed = (0usize, 0u64);
        let mut sweep = |dir: PathBuf, keep: &dyn Fn(&str) -> bool| -> Result<(), Error> {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(Error::io(&dir, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| Error::io(&dir, e))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let hex = name.split('.').next().unwrap_or_default();
                if keep(hex) {
                    continue;
                }
                let path = entry.path();
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                removed.0 += 1;
                removed.1 += size;
            }
            Ok(())
        };
        sweep(self.dir.join("blobs/sha256"), &|hex| {
            kept_blobs.contains(hex)
        })?;
        sweep(self.dir.join("manifests/sha256"), &|hex| {
            kept_manifests.contains(hex)
        })?;
        sweep(self.dir.join("signatures/sha256"), &|hex| {
            kept_manifests.contains(hex)
        })?;
        Ok(removed)
    }

    /// The component of the manifest `manifest`, if it was pulled or published here.
    ///
    /// # Errors
    /// The note exists but cannot be read or is not a digest.
    pub fn layer_of(&self, manifest: &Digest) -> Result<Option<Digest>, Error> {
        let path = self.manifest_path(manifest);
        match fs::read_to_string(&path) {
            Ok(text) => Digest::parse(text.trim()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_comes_back_by_its_digest_and_a_changed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let digest = store.put(b"\0asm component").unwrap();
        assert_eq!(digest, Digest::of(b"\0asm component"));
        assert_eq!(store.put(b"\0asm component").unwrap(), digest);
        assert_eq!(store.get(&digest).unwrap(), b"\0asm component");
        std::fs::write(store.path(&digest), b"\0asm tampered").unwrap();
        assert!(matches!(store.get(&digest), Err(Error::Corrupt { .. })));
        let other = Digest::of(b"never stored");
        assert!(matches!(store.get(&other), Err(Error::NotStored(_))));
    }

    #[test]
    fn garbage_collection_keeps_what_the_pins_name_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let kept = store.put(b"kept component").unwrap();
        let dropped = store.put(b"dropped component").unwrap();
        let (m1, m2) = (Digest::of(b"manifest 1"), Digest::of(b"manifest 2"));
        store.note_manifest(&m1, &kept).unwrap();
        store.note_manifest(&m2, &dropped).unwrap();
        store.put_signature(&m1, "sig 1").unwrap();
        store.put_signature(&m2, "sig 2").unwrap();
        let (files, bytes) = store.collect_garbage(std::slice::from_ref(&m1)).unwrap();
        assert_eq!(files, 3);
        assert!(bytes > 0);
        assert!(store.contains(&kept) && !store.contains(&dropped));
        assert_eq!(store.layer_of(&m1).unwrap(), Some(kept));
        assert_eq!(store.layer_of(&m2).unwrap(), None);
        assert_eq!(store.signature(&m1).unwrap().as_deref(), Some("sig 1"));
        assert_eq!(store.signature(&m2).unwrap(), None);
    }

    #[test]
    fn digests_parse_only_in_their_one_form() {
        let d = Digest::of(b"x");
        assert_eq!(Digest::parse(d.as_str()).unwrap(), d);
        for bad in [
            "",
            "sha256:",
            "sha512:00",
            &d.as_str().to_uppercase(),
            "sha256:zz",
        ] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
    }
}
