//! Directory operations: mkdir, read_dir, walk, rmdir, remove, unlink.

mod common;

use airlock_vfs::{DirEntry, ErrorCode, NodeKind};
use common::{assert_err, vfs};

fn names(entries: &[DirEntry]) -> Vec<&str> {
    entries.iter().map(|entry| entry.name.as_str()).collect()
}

#[test]
fn mkdir_plain_and_recursive() {
    let mut vfs = vfs();
    vfs.mkdir("a", false).expect("mkdir");
    vfs.mkdir("a/b/c/d", true).expect("mkdir -p");
    vfs.mkdir("a/b", true).expect("mkdir -p on existing dir");
    vfs.mkdir("/workspace", true).expect("mkdir -p on builtin");
    assert_eq!(vfs.stat("a/b/c/d").expect("stat").kind, NodeKind::Dir);
    assert_eq!(vfs.usage().files, 4);
    assert_eq!(vfs.usage().bytes, 0);
}

#[test]
fn mkdir_errors() {
    let mut vfs = vfs();
    vfs.mkdir("a", false).expect("mkdir");
    vfs.write("f", b"").expect("write");
    assert_err(
        vfs.mkdir("a", false),
        ErrorCode::Exist,
        "mkdir",
        "/workspace/a",
    );
    assert_err(
        vfs.mkdir("f", true),
        ErrorCode::Exist,
        "mkdir",
        "/workspace/f",
    );
    assert_err(vfs.mkdir("/", false), ErrorCode::Exist, "mkdir", "/");
    assert_err(
        vfs.mkdir("x/y", false),
        ErrorCode::NoEnt,
        "mkdir",
        "/workspace/x/y",
    );
    assert_err(
        vfs.mkdir("f/y", false),
        ErrorCode::NotDir,
        "mkdir",
        "/workspace/f/y",
    );
    assert_err(
        vfs.mkdir("f/y/z", true),
        ErrorCode::NotDir,
        "mkdir",
        "/workspace/f/y/z",
    );
    assert_err(vfs.mkdir("/opt", false), ErrorCode::Acces, "mkdir", "/opt");
    assert_err(
        vfs.mkdir("/opt/x", true),
        ErrorCode::Acces,
        "mkdir",
        "/opt/x",
    );
    assert_err(
        vfs.mkdir("/dev/x", false),
        ErrorCode::Acces,
        "mkdir",
        "/dev/x",
    );
    assert!(!vfs.exists("/opt"));
    assert_eq!(vfs.usage().files, 2);
}

#[test]
fn read_dir_lists_children_sorted() {
    let mut vfs = vfs();
    // Names chosen so bytewise key order interleaves them with descendants:
    // "b" < "b.txt" < "b/..." because '.' sorts before '/'.
    vfs.mkdir("b/inner/deeper", true).expect("mkdir");
    vfs.write("b/inner/deeper/x", b"").expect("write");
    vfs.write("b.txt", b"").expect("write");
    vfs.mkdir("b.txt.d", false).expect("mkdir");
    vfs.write("b.txt.d/y", b"").expect("write");
    vfs.write("a", b"").expect("write");
    vfs.write("c", b"").expect("write");
    let entries = vfs.read_dir(".").expect("read_dir");
    assert_eq!(names(&entries), ["a", "b", "b.txt", "b.txt.d", "c"]);
    assert_eq!(entries[1].kind, NodeKind::Dir);
    assert_eq!(entries[2].kind, NodeKind::File);
    assert_eq!(names(&vfs.read_dir("b").expect("read_dir")), ["inner"]);
    assert!(vfs.read_dir("/tmp").expect("read_dir").is_empty());
    assert_eq!(
        names(&vfs.read_dir("/").expect("read_dir")),
        ["dev", "tmp", "workspace"]
    );
    assert_eq!(names(&vfs.read_dir("/dev").expect("read_dir")), ["null"]);
}

#[test]
fn read_dir_errors() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    assert_err(
        vfs.read_dir("f"),
        ErrorCode::NotDir,
        "scandir",
        "/workspace/f",
    );
    assert_err(
        vfs.read_dir("nope"),
        ErrorCode::NoEnt,
        "scandir",
        "/workspace/nope",
    );
}

#[test]
fn walk_is_depth_first_and_sorted() {
    let mut vfs = vfs();
    vfs.mkdir("b/c", true).expect("mkdir");
    vfs.write("b/c/z", b"").expect("write");
    vfs.write("b.txt", b"").expect("write");
    vfs.write("a", b"").expect("write");
    let walked = vfs.walk("/workspace").expect("walk");
    let expected = [
        ("/workspace", NodeKind::Dir),
        ("/workspace/a", NodeKind::File),
        ("/workspace/b", NodeKind::Dir),
        ("/workspace/b/c", NodeKind::Dir),
        ("/workspace/b/c/z", NodeKind::File),
        ("/workspace/b.txt", NodeKind::File),
    ];
    let walked: Vec<(&str, NodeKind)> = walked.iter().map(|(p, k)| (p.as_str(), *k)).collect();
    assert_eq!(walked, expected);
    assert_eq!(
        vfs.walk("a").expect("walk file"),
        [("/workspace/a".to_owned(), NodeKind::File)]
    );
    // 5 built-ins plus the 5 entries above.
    assert_eq!(vfs.walk("/").expect("walk root").len(), 10);
    assert_err(
        vfs.walk("nope"),
        ErrorCode::NoEnt,
        "scandir",
        "/workspace/nope",
    );
    assert_err(
        vfs.walk("a/x"),
        ErrorCode::NotDir,
        "scandir",
        "/workspace/a/x",
    );
}

#[test]
fn rmdir_removes_empty_dirs_only() {
    let mut vfs = vfs();
    vfs.mkdir("d/e", true).expect("mkdir");
    vfs.write("f", b"").expect("write");
    assert_err(vfs.rmdir("d"), ErrorCode::NotEmpty, "rmdir", "/workspace/d");
    vfs.rmdir("d/e").expect("rmdir");
    vfs.rmdir("d").expect("rmdir");
    assert!(!vfs.exists("d"));
    assert_eq!(vfs.usage().files, 1);
    assert_err(vfs.rmdir("d"), ErrorCode::NoEnt, "rmdir", "/workspace/d");
    assert_err(vfs.rmdir("f"), ErrorCode::NotDir, "rmdir", "/workspace/f");
    assert_err(
        vfs.rmdir("/workspace"),
        ErrorCode::Acces,
        "rmdir",
        "/workspace",
    );
    assert_err(vfs.rmdir("/"), ErrorCode::Acces, "rmdir", "/");
}

#[test]
fn unlink_removes_files_only() {
    let mut vfs = vfs();
    vfs.write("f", b"abc").expect("write");
    vfs.mkdir("d", false).expect("mkdir");
    assert_err(vfs.unlink("d"), ErrorCode::IsDir, "unlink", "/workspace/d");
    vfs.unlink("f").expect("unlink");
    assert!(!vfs.exists("f"));
    assert_eq!(vfs.usage().bytes, 0);
    assert_err(vfs.unlink("f"), ErrorCode::NoEnt, "unlink", "/workspace/f");
    assert_err(
        vfs.unlink("/etc/passwd"),
        ErrorCode::NoEnt,
        "unlink",
        "/etc/passwd",
    );
}

#[test]
fn remove_files_and_trees() {
    let mut vfs = vfs();
    vfs.write("f", b"abc").expect("write");
    vfs.mkdir("d/e", true).expect("mkdir");
    vfs.write("d/e/g", b"12").expect("write");
    vfs.write("d.keep", b"1").expect("write");
    vfs.remove("f", false, false).expect("rm file");
    assert_err(
        vfs.remove("d", false, false),
        ErrorCode::IsDir,
        "rm",
        "/workspace/d",
    );
    vfs.remove("d", true, false).expect("rm -r");
    assert!(!vfs.exists("d/e/g"));
    assert!(vfs.exists("d.keep"), "siblings sharing a prefix survive");
    assert_eq!((vfs.usage().bytes, vfs.usage().files), (1, 1));
}

#[test]
fn remove_missing_and_force() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    assert_err(
        vfs.remove("nope", false, false),
        ErrorCode::NoEnt,
        "rm",
        "/workspace/nope",
    );
    vfs.remove("nope", true, true)
        .expect("force ignores ENOENT");
    assert_err(
        vfs.remove("f/x", false, true),
        ErrorCode::NotDir,
        "rm",
        "/workspace/f/x",
    );
}

#[test]
fn remove_refuses_builtins_but_empties_them() {
    let mut vfs = vfs();
    for builtin in ["/", "/workspace", "/tmp", "/dev", "/dev/null"] {
        assert_err(
            vfs.remove(builtin, true, true),
            ErrorCode::Acces,
            "rm",
            builtin,
        );
    }
    vfs.write("/tmp/a", b"").expect("write");
    vfs.mkdir("/tmp/b", false).expect("mkdir");
    for entry in vfs.read_dir("/tmp").expect("read_dir") {
        vfs.remove(&format!("/tmp/{}", entry.name), true, false)
            .expect("rm");
    }
    assert!(vfs.read_dir("/tmp").expect("read_dir").is_empty());
    assert_eq!(vfs.usage().files, 0);
}
