//! rename of files and directory subtrees.

mod common;

use airlock_vfs::{ErrorCode, MAX_DEPTH};
use common::{assert_err, read_str, vfs};

#[test]
fn renames_a_file_and_replaces_a_file_target() {
    let mut vfs = vfs();
    vfs.write("a", b"new").expect("write");
    vfs.write("b", b"old content").expect("write");
    vfs.rename("a", "b").expect("rename");
    assert!(!vfs.exists("a"));
    assert_eq!(read_str(&vfs, "b"), "new");
    assert_eq!((vfs.usage().bytes, vfs.usage().files), (3, 1));
    vfs.rename("b", "/tmp/c").expect("across dirs");
    assert_eq!(read_str(&vfs, "/tmp/c"), "new");
    vfs.rename("/tmp/c", "/tmp/c").expect("onto itself");
    assert!(vfs.exists("/tmp/c"));
}

#[test]
fn renames_a_directory_subtree() {
    let mut vfs = vfs();
    vfs.mkdir("src/nested", true).expect("mkdir");
    vfs.write("src/nested/x", b"x").expect("write");
    vfs.write("src/y", b"y").expect("write");
    vfs.write("src.txt", b"sibling").expect("write");
    vfs.mkdir("empty", false).expect("mkdir");
    vfs.rename("src", "empty").expect("dir onto empty dir");
    assert!(!vfs.exists("src"));
    assert_eq!(read_str(&vfs, "empty/nested/x"), "x");
    assert_eq!(read_str(&vfs, "empty/y"), "y");
    assert_eq!(read_str(&vfs, "src.txt"), "sibling");
    vfs.rename("empty", "/tmp/moved").expect("across dirs");
    let walked: Vec<String> = vfs
        .walk("/tmp")
        .expect("walk")
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        walked,
        [
            "/tmp",
            "/tmp/moved",
            "/tmp/moved/nested",
            "/tmp/moved/nested/x",
            "/tmp/moved/y"
        ]
    );
    // The replaced empty dir no longer counts; everything else does.
    assert_eq!((vfs.usage().bytes, vfs.usage().files), (9, 5));
}

#[test]
fn rename_errors() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    vfs.mkdir("d/sub", true).expect("mkdir");
    vfs.mkdir("full/x", true).expect("mkdir");
    assert_err(
        vfs.rename("nope", "x"),
        ErrorCode::NoEnt,
        "rename",
        "/workspace/nope",
    );
    assert_err(
        vfs.rename("f/x", "x"),
        ErrorCode::NotDir,
        "rename",
        "/workspace/f/x",
    );
    assert_err(
        vfs.rename("f", "d"),
        ErrorCode::IsDir,
        "rename",
        "/workspace/d",
    );
    assert_err(
        vfs.rename("d", "f"),
        ErrorCode::NotDir,
        "rename",
        "/workspace/f",
    );
    assert_err(
        vfs.rename("d", "full"),
        ErrorCode::NotEmpty,
        "rename",
        "/workspace/full",
    );
    assert_err(
        vfs.rename("d", "d/sub/inside"),
        ErrorCode::Inval,
        "rename",
        "/workspace/d",
    );
    assert_err(
        vfs.rename("f", "no/x"),
        ErrorCode::NoEnt,
        "rename",
        "/workspace/no/x",
    );
    assert_err(
        vfs.rename("f", "f/x"),
        ErrorCode::NotDir,
        "rename",
        "/workspace/f/x",
    );
    assert_err(vfs.rename("f", "/x"), ErrorCode::Acces, "rename", "/x");
    assert_err(
        vfs.rename("f", "/dev/null"),
        ErrorCode::Acces,
        "rename",
        "/dev/null",
    );
    assert_err(
        vfs.rename("/workspace", "/tmp/w"),
        ErrorCode::Acces,
        "rename",
        "/workspace",
    );
    assert_err(vfs.rename("d", "/tmp"), ErrorCode::Acces, "rename", "/tmp");
    assert_err(vfs.rename("d", "/"), ErrorCode::Acces, "rename", "/");
    // Nothing moved.
    assert!(vfs.exists("f") && vfs.exists("d/sub") && vfs.exists("full/x"));
}

#[test]
fn rename_keeps_moved_paths_within_limits() {
    let mut vfs = vfs();
    // /workspace/deep/1/.../n uses all MAX_DEPTH components.
    let deep: String = (1..MAX_DEPTH - 1).map(|i| format!("/{i}")).collect();
    vfs.mkdir(&format!("deep{deep}"), true).expect("mkdir");
    vfs.mkdir("a", false).expect("mkdir");
    assert_err(
        vfs.rename("deep", "a/deep"),
        ErrorCode::NameTooLong,
        "rename",
        "/workspace/a/deep",
    );
    assert!(vfs.exists(&format!("deep{deep}")));
    vfs.rename("deep", "/tmp/deep").expect("same depth is fine");
}
