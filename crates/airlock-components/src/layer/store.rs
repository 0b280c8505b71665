//! A layer's private key-value store: one JSON file per layer, changed only under a lock (a
//! mutex within the process, an advisory file lock across processes) and replaced atomically,
//! so that what a layer wrote survives a crash and two calls never both win a
//! compare-and-swap.
//!
//! The file: `{"version":1,"entries":{"KEY":"HEX OF THE VALUE",...}}`.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 64 << 10;
/// Keys and values of one store together, in bytes.
pub const MAX_STORE_BYTES: usize = 1 << 20;
/// Keys in one store.
pub const MAX_KEYS: usize = 4096;

/// The file is hex, so twice the data, plus JSON around it; a larger file is not ours.
const MAX_FILE_BYTES: u64 = (2 * MAX_STORE_BYTES + 64 * MAX_KEYS + 4096) as u64;
const VERSION: u32 = 1;

#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Content {
    version: u32,
    entries: BTreeMap<String, String>,
}

/// One layer's store, at `path`.
#[derive(Debug)]
pub struct KvStore {
    path: PathBuf,
    mutex: Arc<Mutex<()>>,
}

impl KvStore {
    /// The store kept at `path`; the file and its folder are made on the first write.
    pub fn new(path: PathBuf) -> Self {
        let mutex = path_mutex(&path);
        Self { path, mutex }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        check_key(key)?;
        let _guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        let content = self.read()?;
        content.entries.get(key).map(|hex| unhex(hex)).transpose()
    }

    /// Sets `key` to `new` (removes it for `None`) if `expected` is `None` or matches the
    /// current value (`Some(None)`: no value); returns whether it did.
    pub fn swap(
        &self,
        key: &str,
        expected: Option<Option<Vec<u8>>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, String> {
        check_key(key)?;
        if let Some(value) = &new
            && value.len() > MAX_VALUE_BYTES
        {
            return Err(format!(
                "the value for {key:?} is {} bytes; a value may have at most {MAX_VALUE_BYTES}",
                value.len()
            ));
        }
        let _guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        let _lock = self.lock_file()?;
        let mut content = self.read()?;
        let current = content.entries.get(key).map(|h| unhex(h)).transpose()?;
        if let Some(expected) = expected
            && expected != current
        {
            return Ok(false);
        }
        if current == new {
            return Ok(true);
        }
        match new {
            Some(value) => {
                content.entries.insert(key.to_string(), hex(&value));
            }
            None => {
                content.entries.remove(key);
            }
        }
        let size: usize = content
            .entries
            .iter()
            .map(|(k, v)| k.len() + v.len() / 2)
            .sum();
        if content.entries.len() > MAX_KEYS || size > MAX_STORE_BYTES {
            return Err(format!(
                "the store is full: at most {MAX_KEYS} keys and {MAX_STORE_BYTES} bytes; delete keys the layer no longer needs"
            ));
        }
        self.write(&content)?;
        Ok(true)
    }

    fn err(&self, what: impl std::fmt::Display) -> String {
        format!("the layer's store {}: {what}", self.path.display())
    }

    fn read(&self) -> Result<Content, String> {
        let mut bytes = Vec::new();
        match File::open(&self.path) {
            Ok(file) => file
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| self.err(e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Content {
                    version: VERSION,
                    ..Content::default()
                });
            }
            Err(e) => return Err(self.err(e)),
        };
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(self.err(format!("is larger than {MAX_FILE_BYTES} bytes")));
        }
        let content: Content =
            serde_json::from_slice(&bytes).map_err(|e| self.err(format!("is corrupt ({e})")))?;
        if content.version != VERSION {
            return Err(self.err(format!(
                "has format {}, this host reads {VERSION}",
                content.version
            )));
        }
        Ok(content)
    }

    /// Replaces the file: a temporary sibling, synced, renamed over it, and the folder synced.
    fn write(&self, content: &Content) -> Result<(), String> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| self.err(format!("cannot make its folder: {e}")))?;
        let tmp = sibling(&self.path, ".tmp");
        let text = serde_json::to_vec(content).map_err(|e| self.err(e))?;
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| self.err(e))?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.err(e))?;
        fs::rename(&tmp, &self.path).map_err(|e| self.err(e))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn lock_file(&self) -> Result<File, String> {
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir)
                .map_err(|e| self.err(format!("cannot make its folder: {e}")))?;
        }
        let path = sibling(&self.path, ".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| self.err(format!("cannot open its lock file: {e}")))?;
        file.lock()
            .map_err(|e| self.err(format!("cannot lock it: {e}")))?;
        Ok(file)
    }
}

fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(format!(
            "a key has 1 to {MAX_KEY_BYTES} bytes; this one has {}",
            key.len()
        ));
    }
    Ok(())
}

/// One mutex per store file in this process, shared by every layer over it.
fn path_mutex(path: &Path) -> Arc<Mutex<()>> {
    static MUTEXES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut map = MUTEXES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Arc::clone(map.entry(path.to_path_buf()).or_default())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
    let bad = || {
        "the layer's store holds a value that is not hex; the file was edited by hand?".to_string()
    };
    if !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> (tempfile::TempDir, KvStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = KvStore::new(dir.path().join("layers/gate.json"));
        (dir, store)
    }

    #[test]
    fn values_survive_a_new_store_over_the_same_file() {
        let (_dir, store) = temp();
        assert_eq!(store.get("k").unwrap(), None);
        assert!(store.swap("k", None, Some(b"\x00\xffv".to_vec())).unwrap());
        let again = KvStore::new(store.path().to_path_buf());
        assert_eq!(again.get("k").unwrap().as_deref(), Some(&b"\x00\xffv"[..]));
        assert!(again.swap("k", None, None).unwrap());
        assert_eq!(store.get("k").unwrap(), None);
    }

    #[test]
    fn compare_and_swap_wins_only_against_the_value_it_expected() {
        let (_dir, store) = temp();
        assert!(store.swap("step", Some(None), Some(b"1".to_vec())).unwrap());
        assert!(!store.swap("step", Some(None), Some(b"2".to_vec())).unwrap());
        assert!(
            !store
                .swap("step", Some(Some(b"0".to_vec())), Some(b"2".to_vec()))
                .unwrap()
        );
        assert!(
            store
                .swap("step", Some(Some(b"1".to_vec())), Some(b"2".to_vec()))
                .unwrap()
        );
        assert_eq!(store.get("step").unwrap().as_deref(), Some(&b"2"[..]));
    }

    #[test]
    fn concurrent_swaps_from_one_value_have_exactly_one_winner() {
        let (_dir, store) = temp();
        let store = Arc::new(store);
        let wins: usize = (0..8)
            .map(|i| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || store.swap("used", Some(None), Some(vec![i])).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(wins, 1);
    }

    #[test]
    fn sizes_are_bounded_with_errors_that_name_the_bound() {
        let (_dir, store) = temp();
        assert!(store.get("").unwrap_err().contains("1 to 256 bytes"));
        assert!(
            store
                .get(&"k".repeat(257))
                .unwrap_err()
                .contains("1 to 256 bytes")
        );
        let big = vec![0; MAX_VALUE_BYTES + 1];
        assert!(
            store
                .swap("k", None, Some(big))
                .unwrap_err()
                .contains("at most")
        );
        // Fifteen full values and their keys fit in 1 MiB; a sixteenth does not.
        for i in 0..15 {
            store
                .swap(&format!("k{i}"), None, Some(vec![7; MAX_VALUE_BYTES]))
                .unwrap();
        }
        let full = store
            .swap("more", None, Some(vec![1; MAX_VALUE_BYTES]))
            .unwrap_err();
        assert!(full.contains("the store is full"), "{full}");
        // The refused write left the file as it was.
        assert_eq!(store.get("more").unwrap(), None);
        assert_eq!(store.get("k0").unwrap().unwrap().len(), MAX_VALUE_BYTES);
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it_not_an_empty_store() {
        let (_dir, store) = temp();
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        fs::write(store.path(), "{not json").unwrap();
        let e = store.get("k").unwrap_err();
        assert!(e.contains("gate.json") && e.contains("corrupt"), "{e}");
        assert!(store.swap("k", None, Some(vec![1])).is_err());
        assert_eq!(fs::read_to_string(store.path()).unwrap(), "{not json");
    }
}
