//! set_readonly and the read-only built-in locations.

mod common;

use airlock_vfs::ErrorCode;
use common::{assert_err, read_str, vfs};

/// /workspace/ro (read-only) holding a file and a subdirectory, next to a
/// writable /workspace/rw.
fn mounted() -> airlock_vfs::Vfs {
    let mut vfs = vfs();
    vfs.mkdir("ro/sub", true).expect("mkdir");
    vfs.write("ro/file", b"host").expect("write");
    vfs.write("ro/sub/deep", b"deep").expect("write");
    vfs.mkdir("rw", false).expect("mkdir");
    vfs.write("rw/f", b"").expect("write");
    vfs.set_readonly("ro").expect("set_readonly");
    vfs
}

#[test]
fn stat_reports_the_subtree_readonly() {
    let vfs = mounted();
    for path in ["ro", "ro/file", "ro/sub", "ro/sub/deep"] {
        assert!(vfs.stat(path).expect("stat").readonly, "{path}");
    }
    assert!(!vfs.stat("rw").expect("stat").readonly);
    assert!(!vfs.stat("/workspace").expect("stat").readonly);
    assert_eq!(read_str(&vfs, "ro/file"), "host");
    assert_eq!(vfs.read_dir("ro").expect("read_dir").len(), 2);
}

#[test]
fn writes_inside_fail() {
    let mut vfs = mounted();
    assert_err(
        vfs.write("ro/file", b"x"),
        ErrorCode::Acces,
        "open",
        "/workspace/ro/file",
    );
    assert_err(
        vfs.append("ro/file", b"x"),
        ErrorCode::Acces,
        "open",
        "/workspace/ro/file",
    );
    assert_err(
        vfs.write("ro/new", b"x"),
        ErrorCode::Acces,
        "open",
        "/workspace/ro/new",
    );
    assert_err(
        vfs.mkdir("ro/new", false),
        ErrorCode::Acces,
        "mkdir",
        "/workspace/ro/new",
    );
    assert_err(
        vfs.mkdir("ro/sub/a/b", true),
        ErrorCode::Acces,
        "mkdir",
        "/workspace/ro/sub/a/b",
    );
    assert_err(
        vfs.copy_file("rw/f", "ro/file"),
        ErrorCode::Acces,
        "copyfile",
        "/workspace/ro/file",
    );
    assert_eq!(read_str(&vfs, "ro/file"), "host");
}

#[test]
fn removals_and_renames_inside_fail() {
    let mut vfs = mounted();
    assert_err(
        vfs.unlink("ro/file"),
        ErrorCode::Acces,
        "unlink",
        "/workspace/ro/file",
    );
    assert_err(
        vfs.rmdir("ro/sub"),
        ErrorCode::Acces,
        "rmdir",
        "/workspace/ro/sub",
    );
    assert_err(
        vfs.remove("ro", true, true),
        ErrorCode::Acces,
        "rm",
        "/workspace/ro",
    );
    assert_err(
        vfs.rename("ro/file", "rw/x"),
        ErrorCode::Acces,
        "rename",
        "/workspace/ro/file",
    );
    assert_err(
        vfs.rename("rw/f", "ro/f"),
        ErrorCode::Acces,
        "rename",
        "/workspace/ro/f",
    );
    assert_err(
        vfs.rename("rw/f", "ro/file"),
        ErrorCode::Acces,
        "rename",
        "/workspace/ro/file",
    );
    assert_err(
        vfs.rename("ro", "moved"),
        ErrorCode::Acces,
        "rename",
        "/workspace/ro",
    );
    assert!(vfs.exists("ro/sub/deep"));
}

#[test]
fn enclosing_dirs_of_a_readonly_subtree_are_protected_too() {
    let mut vfs = vfs();
    vfs.mkdir("outer/mount", true).expect("mkdir");
    vfs.write("outer/mount/f", b"").expect("write");
    vfs.write("outer/other", b"").expect("write");
    vfs.set_readonly("outer/mount").expect("set_readonly");
    assert_err(
        vfs.remove("outer", true, false),
        ErrorCode::Acces,
        "rm",
        "/workspace/outer/mount",
    );
    assert_err(
        vfs.rename("outer", "o2"),
        ErrorCode::Acces,
        "rename",
        "/workspace/outer/mount",
    );
    assert!(vfs.exists("outer/other"), "refused rm -r removes nothing");
    vfs.unlink("outer/other")
        .expect("writable sibling still goes");
}

#[test]
fn set_readonly_errors() {
    let mut vfs = vfs();
    assert_err(
        vfs.set_readonly("nope"),
        ErrorCode::NoEnt,
        "chmod",
        "/workspace/nope",
    );
    vfs.write("f", b"").expect("write");
    assert_err(
        vfs.set_readonly("f/x"),
        ErrorCode::NotDir,
        "chmod",
        "/workspace/f/x",
    );
    vfs.set_readonly("f").expect("a single file");
    assert!(vfs.stat("f").expect("stat").readonly);
}

#[test]
fn builtin_layout() {
    let mut vfs = vfs();
    assert!(vfs.stat("/dev").expect("stat").readonly);
    assert!(!vfs.stat("/tmp").expect("stat").readonly);
    assert_err(
        vfs.write("/dev/tty", b""),
        ErrorCode::Acces,
        "open",
        "/dev/tty",
    );
    assert_err(
        vfs.rename("/tmp", "/workspace/t"),
        ErrorCode::Acces,
        "rename",
        "/tmp",
    );
}
