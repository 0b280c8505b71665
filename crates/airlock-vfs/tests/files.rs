//! File operations: write, append, read, stat, exists, copy_file, /dev/null.

mod common;

use airlock_vfs::{ErrorCode, Metadata, NodeKind, Vfs};
use common::{assert_err, read_str, vfs};

#[test]
fn write_creates_and_truncates() {
    let mut vfs = vfs();
    vfs.write("a.txt", b"hello world").expect("create");
    assert_eq!(read_str(&vfs, "/workspace/a.txt"), "hello world");
    vfs.write("a.txt", b"bye").expect("truncate");
    assert_eq!(read_str(&vfs, "a.txt"), "bye");
    assert_eq!(vfs.usage().bytes, 3);
    assert_eq!(vfs.usage().files, 1);
}

#[test]
fn write_errors() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    vfs.mkdir("d", false).expect("mkdir");
    assert_err(
        vfs.write("no/x", b""),
        ErrorCode::NoEnt,
        "open",
        "/workspace/no/x",
    );
    assert_err(
        vfs.write("f/x", b""),
        ErrorCode::NotDir,
        "open",
        "/workspace/f/x",
    );
    assert_err(
        vfs.write("f/x/y", b""),
        ErrorCode::NotDir,
        "open",
        "/workspace/f/x/y",
    );
    assert_err(
        vfs.write("d", b""),
        ErrorCode::IsDir,
        "open",
        "/workspace/d",
    );
    assert_err(vfs.write("/", b""), ErrorCode::IsDir, "open", "/");
    assert_err(vfs.write("/dev/x", b""), ErrorCode::Acces, "open", "/dev/x");
    let err = vfs.write("/etc/x", b"").expect_err("read-only");
    assert_eq!(err.to_string(), "EACCES: permission denied, open '/etc/x'");
}

#[test]
fn append_creates_then_extends() {
    let mut vfs = vfs();
    vfs.append("log", b"one ").expect("create");
    vfs.append("log", b"two").expect("extend");
    assert_eq!(read_str(&vfs, "log"), "one two");
    assert_eq!(vfs.usage().bytes, 7);
    assert_eq!(vfs.usage().files, 1);
    assert_err(
        vfs.append("/workspace", b"x"),
        ErrorCode::IsDir,
        "open",
        "/workspace",
    );
    assert_err(vfs.append("/x", b"x"), ErrorCode::Acces, "open", "/x");
    assert_err(
        vfs.append("no/x", b"x"),
        ErrorCode::NoEnt,
        "open",
        "/workspace/no/x",
    );
}

#[test]
fn read_errors() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    let err = vfs.read("missing.txt").expect_err("missing");
    assert_eq!(
        err.to_string(),
        "ENOENT: no such file or directory, open '/workspace/missing.txt'"
    );
    assert_err(vfs.read("/tmp"), ErrorCode::IsDir, "open", "/tmp");
    assert_err(vfs.read("f/g"), ErrorCode::NotDir, "open", "/workspace/f/g");
}

#[test]
fn stat_reports_kind_size_mtime_and_readonly() {
    let mut vfs = vfs();
    vfs.write("f", b"12345").expect("write");
    let file = vfs.stat("f").expect("stat");
    assert_eq!(
        (file.kind, file.size, file.readonly),
        (NodeKind::File, 5, false)
    );
    assert!(file.mtime_ms >= 1000);
    vfs.write("f", b"1").expect("rewrite");
    assert!(vfs.stat("f").expect("stat").mtime_ms > file.mtime_ms);

    let root = vfs.stat("/").expect("stat root");
    assert_eq!(
        (root.kind, root.size, root.readonly),
        (NodeKind::Dir, 0, true)
    );
    assert!(!vfs.stat("/workspace").expect("stat").readonly);
    assert_err(
        vfs.stat("nope"),
        ErrorCode::NoEnt,
        "stat",
        "/workspace/nope",
    );
    assert_err(vfs.stat("f/x"), ErrorCode::NotDir, "stat", "/workspace/f/x");
}

#[test]
fn default_clock_is_wall_time() {
    let vfs = Vfs::new(Default::default());
    // 2020-01-01 in ms; anything earlier means the clock is broken.
    assert!(vfs.stat("/").expect("stat").mtime_ms > 1_577_836_800_000);
}

#[test]
fn creating_an_entry_touches_its_directory() {
    let mut vfs = vfs();
    let before = vfs.stat("/workspace").expect("stat").mtime_ms;
    vfs.write("f", b"").expect("write");
    assert!(vfs.stat("/workspace").expect("stat").mtime_ms > before);
}

#[test]
fn exists() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    assert!(vfs.exists("f"));
    assert!(vfs.exists("/"));
    assert!(vfs.exists("/dev/null"));
    assert!(!vfs.exists("g"));
    assert!(!vfs.exists("f/g"));
    assert!(!vfs.exists(""));
}

#[test]
fn copy_file_shares_bytes_but_counts_them() {
    let mut vfs = vfs();
    vfs.write("a", b"abc").expect("write");
    vfs.copy_file("a", "/tmp/b").expect("copy");
    assert_eq!(read_str(&vfs, "/tmp/b"), "abc");
    assert!(std::sync::Arc::ptr_eq(
        &vfs.read("a").expect("a"),
        &vfs.read("/tmp/b").expect("b")
    ));
    assert_eq!(vfs.usage().bytes, 6);
    assert_eq!(vfs.usage().files, 2);

    vfs.write("c", b"longer content").expect("write");
    vfs.copy_file("a", "c").expect("overwrite");
    assert_eq!(read_str(&vfs, "c"), "abc");
    assert_eq!(vfs.usage().bytes, 9);

    vfs.copy_file("a", "a").expect("onto itself");
    assert_eq!(read_str(&vfs, "a"), "abc");

    // The copy is independent of later writes to the source.
    vfs.append("a", b"def").expect("append");
    assert_eq!(read_str(&vfs, "/tmp/b"), "abc");
}

#[test]
fn copy_file_errors() {
    let mut vfs = vfs();
    vfs.write("a", b"abc").expect("write");
    vfs.mkdir("d", false).expect("mkdir");
    assert_err(
        vfs.copy_file("nope", "b"),
        ErrorCode::NoEnt,
        "copyfile",
        "/workspace/nope",
    );
    assert_err(
        vfs.copy_file("d", "b"),
        ErrorCode::IsDir,
        "copyfile",
        "/workspace/d",
    );
    assert_err(
        vfs.copy_file("a", "d"),
        ErrorCode::IsDir,
        "copyfile",
        "/workspace/d",
    );
    assert_err(vfs.copy_file("a", "/a"), ErrorCode::Acces, "copyfile", "/a");
    assert_err(
        vfs.copy_file("a", "x/y"),
        ErrorCode::NoEnt,
        "copyfile",
        "/workspace/x/y",
    );
    assert_err(
        vfs.copy_file("a", "a/y"),
        ErrorCode::NotDir,
        "copyfile",
        "/workspace/a/y",
    );
}

#[test]
fn dev_null_swallows_writes_and_reads_empty() {
    let mut vfs = vfs();
    vfs.write("/dev/null", b"discarded").expect("write");
    vfs.append("/dev/null", b"discarded").expect("append");
    vfs.write("f", b"data").expect("write");
    vfs.copy_file("f", "/dev/null").expect("copy into");
    assert!(vfs.read("/dev/null").expect("read").is_empty());
    vfs.copy_file("/dev/null", "empty").expect("copy from");
    assert!(vfs.read("empty").expect("read").is_empty());
    assert_eq!(vfs.usage().bytes, 4);
    assert_eq!(
        vfs.stat("/dev/null").expect("stat"),
        Metadata {
            kind: NodeKind::File,
            size: 0,
            mtime_ms: 1000,
            readonly: false
        }
    );
    assert_err(
        vfs.unlink("/dev/null"),
        ErrorCode::Acces,
        "unlink",
        "/dev/null",
    );
    assert_err(
        vfs.remove("/dev/null", false, true),
        ErrorCode::Acces,
        "rm",
        "/dev/null",
    );
}
