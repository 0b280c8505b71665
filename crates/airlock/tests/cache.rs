//! The on-disk module cache: written on first use, reused after, and rebuilt transparently
//! when the file is damaged.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use airlock::{Language, Sandbox, SandboxConfig};
use common::*;

const MAGIC: &[u8] = b"AIRLOCK1";
const HEADER: usize = 8 + 32;

fn config_with_cache(dir: Option<&Path>) -> SandboxConfig {
    let mut config = SandboxConfig::default();
    config.cache_dir = dir.map(Path::to_path_buf);
    config
}

fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("guest-") && name.ends_with(".cwasm")
        })
        .collect();
    files.sort();
    files
}

fn assert_runs(sandbox: &Sandbox) {
    let out = sandbox
        .session()
        .run(Language::JavaScript, "return 6 * 7")
        .expect("run");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "42\n");
}

/// A cache directory populated once by a fresh build: (file name, its bytes).
fn pristine_cache() -> &'static (String, Vec<u8>) {
    static PRISTINE: OnceLock<(String, Vec<u8>)> = OnceLock::new();
    PRISTINE.get_or_init(|| {
        let dir = unique_temp_dir("cache-pristine");
        let sandbox = Sandbox::new(config_with_cache(Some(&dir)))
            .expect("sandbox builds with an empty cache");
        assert_runs(&sandbox);
        let files = cache_files(&dir);
        assert_eq!(files.len(), 1, "exactly one cache file: {files:?}");
        let name = files[0]
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let bytes = std::fs::read(&files[0]).expect("read cache file");
        let _ = std::fs::remove_dir_all(&dir);
        (name, bytes)
    })
}

/// Writes `bytes` as the cache file in a fresh directory, builds a sandbox from it, and checks
/// the sandbox works and the file was replaced by a sound one.
fn assert_rebuilt_from(tag: &str, bytes: &[u8]) {
    let (name, pristine) = pristine_cache();
    let dir = unique_temp_dir(tag);
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write damaged cache file");
    let sandbox = Sandbox::new(config_with_cache(Some(&dir)))
        .expect("a damaged cache is rebuilt, not an error");
    assert_runs(&sandbox);
    let rebuilt = std::fs::read(&path).expect("cache file rewritten");
    assert_ne!(rebuilt, bytes, "the damaged file must be replaced");
    assert_eq!(&rebuilt[..MAGIC.len()], MAGIC);
    assert!(
        rebuilt.len() > pristine.len() / 2,
        "rebuilt file is only {} bytes",
        rebuilt.len()
    );
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn first_build_writes_a_cache_file_with_the_documented_header() {
    let (name, bytes) = pristine_cache();
    assert!(
        name.starts_with("guest-") && name.ends_with(".cwasm"),
        "{name}"
    );
    let key = &name["guest-".len()..name.len() - ".cwasm".len()];
    assert!(
        !key.is_empty() && key.chars().all(|c| c.is_ascii_hexdigit()),
        "key {key}"
    );
    assert!(
        bytes.len() > HEADER + 1024,
        "cache file is only {} bytes",
        bytes.len()
    );
    assert_eq!(&bytes[..8], MAGIC);
}

#[test]
fn a_valid_cache_file_is_reused_unchanged() {
    let (name, pristine) = pristine_cache();
    let dir = unique_temp_dir("cache-reuse");
    let path = dir.join(name);
    std::fs::write(&path, pristine).expect("seed cache");
    let before = std::fs::metadata(&path)
        .expect("meta")
        .modified()
        .expect("mtime");
    let sandbox = Sandbox::new(config_with_cache(Some(&dir))).expect("sandbox from cache");
    assert_runs(&sandbox);
    assert_eq!(&std::fs::read(&path).expect("read")[..], &pristine[..]);
    assert_eq!(
        std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime"),
        before
    );
    assert_eq!(cache_files(&dir).len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary files left behind: {leftovers:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cache_file_with_a_flipped_payload_byte_is_rebuilt() {
    let (_, pristine) = pristine_cache();
    let mut damaged = pristine.clone();
    let middle = HEADER + (damaged.len() - HEADER) / 2;
    damaged[middle] ^= 0x55;
    assert_rebuilt_from("cache-flipped", &damaged);
}

#[test]
fn truncated_cache_file_is_rebuilt() {
    let (_, pristine) = pristine_cache();
    assert_rebuilt_from("cache-truncated", &pristine[..pristine.len() / 3]);
}

#[test]
fn cache_file_with_garbage_or_a_bad_header_is_rebuilt() {
    let (_, pristine) = pristine_cache();
    let mut bad_magic = pristine.clone();
    bad_magic[..8].copy_from_slice(b"NOTMAGIC");
    assert_rebuilt_from("cache-badmagic", &bad_magic);
    assert_rebuilt_from("cache-empty", b"");
}

#[test]
fn sandbox_works_without_a_cache_dir() {
    let sandbox = Sandbox::new(config_with_cache(None)).expect("in-memory compile");
    assert_runs(&sandbox);
}
