//! Path normalization and escape attempts through the operations.

mod common;

use airlock_vfs::{ErrorCode, MAX_DEPTH, MAX_NAME_BYTES, MAX_PATH_BYTES, normalize};
use common::{assert_err, vfs};

#[test]
fn normalize_resolves_lexically() {
    assert_eq!(
        normalize("/workspace", "a/b/../c").as_deref(),
        Ok("/workspace/a/c")
    );
    assert_eq!(
        normalize("/workspace", "../../etc/passwd").as_deref(),
        Ok("/etc/passwd")
    );
    assert_eq!(normalize("/tmp", "/workspace/../..").as_deref(), Ok("/"));
    assert_eq!(normalize("/tmp", "//a//./b/").as_deref(), Ok("/a/b"));
}

#[test]
fn normalize_errors() {
    assert_err(normalize("/", ""), ErrorCode::NoEnt, "open", "");
    assert_err(normalize("/", "a\0b"), ErrorCode::Inval, "open", "a\0b");
    let long = "x".repeat(5000);
    assert_err(normalize("/", &long), ErrorCode::NameTooLong, "open", &long);
    let name = "n".repeat(MAX_NAME_BYTES + 1);
    assert_err(normalize("/", &name), ErrorCode::NameTooLong, "open", &name);
    let deep = "d/".repeat(MAX_DEPTH + 1);
    assert_err(normalize("/", &deep), ErrorCode::NameTooLong, "open", &deep);
}

#[test]
fn limits_are_inclusive() {
    let name = "n".repeat(MAX_NAME_BYTES);
    assert!(normalize("/", &name).is_ok());
    let deep = "d/".repeat(MAX_DEPTH);
    assert!(normalize("/", &deep).is_ok());
    // Short components would hit MAX_DEPTH first, so reach exactly
    // MAX_PATH_BYTES with long names.
    let part = "p".repeat(255);
    let mut path = String::new();
    while path.len() + 256 < MAX_PATH_BYTES {
        path.push('/');
        path.push_str(&part);
    }
    path.push('/');
    path.push_str(&"q".repeat(MAX_PATH_BYTES - path.len()));
    assert_eq!(path.len(), MAX_PATH_BYTES);
    assert_eq!(normalize("/", &path).as_deref(), Ok(path.as_str()));
}

#[test]
fn dotdot_cannot_escape_the_root() {
    let mut vfs = vfs();
    assert_err(
        vfs.read("../../etc/passwd"),
        ErrorCode::NoEnt,
        "open",
        "/etc/passwd",
    );
    assert_err(
        vfs.write("../../etc/x", b"x"),
        ErrorCode::Acces,
        "open",
        "/etc/x",
    );
    assert_err(vfs.write("/x", b"x"), ErrorCode::Acces, "open", "/x");
    assert_err(
        vfs.mkdir("/../../etc", true),
        ErrorCode::Acces,
        "mkdir",
        "/etc",
    );
    assert_eq!(vfs.read_dir("/workspace/../..").map(|e| e.len()), Ok(3));
}

#[test]
fn hostile_paths_fail_cleanly_everywhere() {
    let mut vfs = vfs();
    let long = "a".repeat(5000);
    let deep = "a/".repeat(100);
    for bad in ["\0", "a\0", long.as_str(), deep.as_str(), ""] {
        assert!(!vfs.exists(bad));
        assert!(vfs.read(bad).is_err());
        assert!(vfs.write(bad, b"x").is_err());
        assert!(vfs.append(bad, b"x").is_err());
        assert!(vfs.stat(bad).is_err());
        assert!(vfs.read_dir(bad).is_err());
        assert!(vfs.mkdir(bad, true).is_err());
        assert!(vfs.remove(bad, true, true).is_err());
        assert!(vfs.rmdir(bad).is_err());
        assert!(vfs.unlink(bad).is_err());
        assert!(vfs.rename(bad, "x").is_err());
        assert!(vfs.rename("x", bad).is_err());
        assert!(vfs.copy_file(bad, "x").is_err());
        assert!(vfs.set_readonly(bad).is_err());
        assert!(vfs.walk(bad).is_err());
        assert!(vfs.set_cwd(bad).is_err());
    }
    assert_err(
        vfs.write(&deep, b"x"),
        ErrorCode::NameTooLong,
        "open",
        &deep,
    );
    assert_err(vfs.mkdir("a\0", false), ErrorCode::Inval, "mkdir", "a\0");
    assert_eq!(vfs.usage().files, 0);
}

#[test]
fn relative_paths_follow_cwd() {
    let mut vfs = vfs();
    assert_eq!(vfs.cwd(), "/workspace");
    vfs.set_cwd("/tmp").expect("cwd");
    assert_eq!(vfs.cwd(), "/tmp");
    vfs.write("a.txt", b"t").expect("write");
    assert!(vfs.exists("/tmp/a.txt"));
    vfs.set_cwd("..").expect("cwd");
    assert_eq!(vfs.cwd(), "/");
    assert!(vfs.exists("tmp/a.txt"));
}

#[test]
fn set_cwd_errors() {
    let mut vfs = vfs();
    vfs.write("f", b"").expect("write");
    assert_err(
        vfs.set_cwd("missing"),
        ErrorCode::NoEnt,
        "chdir",
        "/workspace/missing",
    );
    assert_err(vfs.set_cwd("f"), ErrorCode::NotDir, "chdir", "/workspace/f");
    assert_eq!(vfs.cwd(), "/workspace");
}
