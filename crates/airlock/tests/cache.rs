//! The on-disk module cache: written on first use, reused after, and rebuilt transparently
//! when the file is damaged.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use airlock::{Language, Sandbox, SandboxConfig};
use common::*;

const MAGIC: &[u8] = b"AIRLOCK1";
const SEAL_LEN: usize = 8 + 32;

/// One cache entry as found on disk: the module's file name, its bytes, and its seal's bytes.
struct Entry {
    name: String,
    module: Vec<u8>,
    seal: Vec<u8>,
}

fn seal_name(name: &str) -> String {
    format!("{name}.b3")
}

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

/// A cache directory populated once by a fresh build.
fn pristine_cache() -> &'static Entry {
    static PRISTINE: OnceLock<Entry> = OnceLock::new();
    PRISTINE.get_or_init(|| {
        let dir = unique_temp_dir("cache-pristine");
        let sandbox = Sandbox::new(config_with_cache(Some(&dir)))
            .expect("sandbox builds with an empty cache");
        assert_runs(&sandbox);
        let files = cache_files(&dir);
        assert_eq!(files.len(), 1, "exactly one cached module: {files:?}");
        let name = files[0]
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let module = std::fs::read(&files[0]).expect("read cached module");
        let seal = std::fs::read(dir.join(seal_name(&name))).expect("read the seal");
        let _ = std::fs::remove_dir_all(&dir);
        Entry { name, module, seal }
    })
}

/// Writes a (possibly damaged) entry into a fresh directory, builds a sandbox from it, and
/// checks the sandbox works and the entry was replaced by the sound one.
fn assert_rebuilt_from(tag: &str, module: &[u8], seal: Option<&[u8]>) {
    let pristine = pristine_cache();
    let dir = unique_temp_dir(tag);
    let path = dir.join(&pristine.name);
    std::fs::write(&path, module).expect("write damaged module");
    if let Some(seal) = seal {
        std::fs::write(dir.join(seal_name(&pristine.name)), seal).expect("write seal");
    }
    let sandbox = Sandbox::new(config_with_cache(Some(&dir)))
        .expect("a damaged cache is rebuilt, not an error");
    assert_runs(&sandbox);
    let rebuilt = std::fs::read(&path).expect("module rewritten");
    let rebuilt_seal = std::fs::read(dir.join(seal_name(&pristine.name))).expect("seal rewritten");
    assert_eq!(rebuilt_seal.len(), SEAL_LEN);
    assert_eq!(&rebuilt_seal[..MAGIC.len()], MAGIC);
    assert!(
        rebuilt.len() > pristine.module.len() / 2,
        "rebuilt module is only {} bytes",
        rebuilt.len()
    );
    drop(sandbox);
    // The rebuilt entry is sound: a second sandbox loads it without rewriting it.
    let mtime = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_runs(&Sandbox::new(config_with_cache(Some(&dir))).expect("sandbox from rebuilt cache"));
    assert_eq!(
        std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("mtime"),
        mtime
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn first_build_writes_a_module_and_its_seal() {
    let entry = pristine_cache();
    assert!(
        entry.name.starts_with("guest-") && entry.name.ends_with(".cwasm"),
        "{}",
        entry.name
    );
    let key = &entry.name["guest-".len()..entry.name.len() - ".cwasm".len()];
    let parts: Vec<&str> = key.split('-').collect();
    assert_eq!(parts.len(), 2, "key is GUEST-ENGINE: {key}");
    assert!(
        parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_hexdigit())),
        "key {key}"
    );
    assert!(
        entry.module.len() > 1024,
        "module is only {} bytes",
        entry.module.len()
    );
    assert_eq!(entry.seal.len(), SEAL_LEN);
    assert_eq!(&entry.seal[..8], MAGIC);
}

#[test]
fn a_valid_cache_entry_is_reused_unchanged() {
    let entry = pristine_cache();
    let dir = unique_temp_dir("cache-reuse");
    let path = dir.join(&entry.name);
    std::fs::write(&path, &entry.module).expect("seed cache");
    std::fs::write(dir.join(seal_name(&entry.name)), &entry.seal).expect("seed seal");
    let before = std::fs::metadata(&path)
        .expect("meta")
        .modified()
        .expect("mtime");
    let sandbox = Sandbox::new(config_with_cache(Some(&dir))).expect("sandbox from cache");
    assert_runs(&sandbox);
    assert_eq!(std::fs::read(&path).expect("read"), entry.module);
    assert_eq!(
        std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime"),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the module and its seal, no temporary files: {leftovers:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cached_module_with_a_flipped_byte_is_rebuilt() {
    let entry = pristine_cache();
    let mut damaged = entry.module.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    assert_rebuilt_from("cache-flipped", &damaged, Some(&entry.seal));
}

#[test]
fn truncated_cached_module_is_rebuilt() {
    let entry = pristine_cache();
    assert_rebuilt_from(
        "cache-truncated",
        &entry.module[..entry.module.len() / 3],
        Some(&entry.seal),
    );
    assert_rebuilt_from("cache-empty", b"", Some(&entry.seal));
}

#[test]
fn cached_module_with_a_missing_or_bad_seal_is_rebuilt() {
    let entry = pristine_cache();
    assert_rebuilt_from("cache-noseal", &entry.module, None);
    let mut bad_magic = entry.seal.clone();
    bad_magic[..8].copy_from_slice(b"NOTMAGIC");
    assert_rebuilt_from("cache-badmagic", &entry.module, Some(&bad_magic));
    assert_rebuilt_from("cache-shortseal", &entry.module, Some(&entry.seal[..20]));
}

#[test]
fn entries_of_other_guest_builds_are_pruned_when_a_new_one_is_written() {
    let entry = pristine_cache();
    let guest = entry.name["guest-".len()..]
        .split('-')
        .next()
        .expect("guest part");
    let dir = unique_temp_dir("cache-prune");
    let stale = [
        "guest-0000000000000000-1111111111111111.cwasm",
        "guest-0000000000000000-1111111111111111.cwasm.b3",
    ];
    for name in stale {
        std::fs::write(dir.join(name), b"an older airlock's module").expect("seed stale entry");
    }
    let sibling = format!("guest-{guest}-2222222222222222.cwasm");
    std::fs::write(
        dir.join(&sibling),
        b"this guest, another engine configuration",
    )
    .expect("seed sibling entry");
    std::fs::write(dir.join("unrelated.txt"), b"not ours").expect("seed unrelated file");

    assert_runs(&Sandbox::new(config_with_cache(Some(&dir))).expect("sandbox builds"));

    for name in stale {
        assert!(!dir.join(name).exists(), "{name} should have been pruned");
    }
    assert!(
        dir.join(&sibling).exists(),
        "same guest, other config stays"
    );
    assert!(
        dir.join("unrelated.txt").exists(),
        "files that are not cache entries stay"
    );
    assert!(dir.join(&entry.name).exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sandbox_works_without_a_cache_dir() {
    let sandbox = Sandbox::new(config_with_cache(None)).expect("in-memory compile");
    assert_runs(&sandbox);
}
