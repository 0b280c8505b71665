//! Quota enforcement and snapshots (clones).

mod common;

use airlock_vfs::{ErrorCode, Usage, Vfs, VfsLimits};
use common::{assert_err, read_str, vfs, vfs_with};

fn limits(max_bytes: u64, max_files: u64) -> VfsLimits {
    VfsLimits {
        max_bytes,
        max_files,
    }
}

#[test]
fn defaults() {
    let vfs = Vfs::new(VfsLimits::default());
    assert_eq!(vfs.limits(), &limits(256 * 1024 * 1024, 50_000));
    assert_eq!(vfs.usage(), Usage::default());
}

#[test]
fn byte_quota_leaves_prior_content_intact() {
    let mut vfs = vfs_with(limits(10, 100));
    vfs.write("a", b"123456").expect("write");
    let err = vfs.write("a", b"12345678901").expect_err("too big");
    assert_eq!(
        err.to_string(),
        "ENOSPC: no space left on device, write '/workspace/a'"
    );
    assert_eq!(read_str(&vfs, "a"), "123456");
    // Replacing counts the difference: 6 -> 10 fits although 6 + 10 would not.
    vfs.write("a", b"1234567890").expect("exactly at the limit");
    assert_err(
        vfs.append("a", b"x"),
        ErrorCode::NoSpc,
        "write",
        "/workspace/a",
    );
    assert_err(
        vfs.write("b", b"x"),
        ErrorCode::NoSpc,
        "write",
        "/workspace/b",
    );
    assert!(!vfs.exists("b"), "a refused create leaves nothing behind");
    assert_eq!(read_str(&vfs, "a"), "1234567890");
    vfs.write("a", b"").expect("shrink");
    vfs.append("a", b"12345").expect("append fits again");
    assert_eq!(vfs.usage(), Usage { bytes: 5, files: 1 });
}

#[test]
fn copies_count_toward_bytes() {
    let mut vfs = vfs_with(limits(10, 100));
    vfs.write("a", b"123456").expect("write");
    assert_err(
        vfs.copy_file("a", "b"),
        ErrorCode::NoSpc,
        "copyfile",
        "/workspace/b",
    );
    assert!(!vfs.exists("b"));
}

#[test]
fn file_count_quota_covers_files_and_dirs() {
    let mut vfs = vfs_with(limits(1000, 3));
    vfs.write("a", b"keep").expect("write");
    vfs.mkdir("d", false).expect("mkdir");
    assert_err(
        vfs.mkdir("x/y/z", true),
        ErrorCode::NoSpc,
        "mkdir",
        "/workspace/x/y/z",
    );
    assert!(!vfs.exists("x"), "mkdir -p is all or nothing");
    vfs.write("d/b", b"").expect("third entry");
    assert_err(
        vfs.write("c", b""),
        ErrorCode::NoSpc,
        "write",
        "/workspace/c",
    );
    assert_err(
        vfs.mkdir("e", false),
        ErrorCode::NoSpc,
        "mkdir",
        "/workspace/e",
    );
    assert_err(
        vfs.copy_file("a", "c"),
        ErrorCode::NoSpc,
        "copyfile",
        "/workspace/c",
    );
    assert_err(
        vfs.append("c", b""),
        ErrorCode::NoSpc,
        "write",
        "/workspace/c",
    );
    // Overwriting and renaming add no entries.
    vfs.write("a", b"changed").expect("overwrite");
    vfs.rename("d", "moved").expect("rename");
    assert_eq!(vfs.usage(), Usage { bytes: 7, files: 3 });
    vfs.remove("moved", true, false).expect("rm");
    vfs.write("c", b"").expect("room again");
}

#[test]
fn builtins_do_not_count() {
    let vfs = vfs_with(limits(0, 0));
    assert_eq!(vfs.usage(), Usage::default());
    let mut vfs = vfs;
    vfs.write("/dev/null", b"anything").expect("null is free");
    assert_err(
        vfs.write("a", b""),
        ErrorCode::NoSpc,
        "write",
        "/workspace/a",
    );
}

#[test]
fn snapshots_are_isolated_and_share_contents() {
    let mut live = vfs();
    live.write("a", b"original").expect("write");
    live.append("log", b"1").expect("append");
    let snapshot = live.clone();
    assert!(std::sync::Arc::ptr_eq(
        &live.read("a").expect("live"),
        &snapshot.read("a").expect("snapshot")
    ));

    live.write("a", b"changed").expect("write");
    live.append("log", b"2")
        .expect("append in place must not leak");
    live.write("new", b"").expect("write");
    live.mkdir("/tmp/d", false).expect("mkdir");

    assert_eq!(read_str(&snapshot, "a"), "original");
    assert_eq!(read_str(&snapshot, "log"), "1");
    assert!(!snapshot.exists("new") && !snapshot.exists("/tmp/d"));
    assert_eq!(snapshot.usage(), Usage { bytes: 9, files: 2 });
    assert_eq!(read_str(&live, "log"), "12");
}

#[test]
fn is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Vfs>();
}

#[test]
fn debug_omits_contents() {
    let mut vfs = vfs();
    vfs.write("secret", b"hunter2").expect("write");
    let debug = format!("{vfs:?}");
    assert!(debug.contains("/workspace") && !debug.contains("hunter2"));
}
