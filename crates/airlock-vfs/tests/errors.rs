//! The error codes themselves and how errors render.

use airlock_vfs::{ErrorCode, VfsError};

const ALL: [(ErrorCode, &str, &str, i32); 9] = [
    (ErrorCode::NoEnt, "ENOENT", "no such file or directory", -2),
    (ErrorCode::Acces, "EACCES", "permission denied", -13),
    (
        ErrorCode::IsDir,
        "EISDIR",
        "illegal operation on a directory",
        -21,
    ),
    (ErrorCode::NotDir, "ENOTDIR", "not a directory", -20),
    (ErrorCode::Exist, "EEXIST", "file already exists", -17),
    (ErrorCode::NoSpc, "ENOSPC", "no space left on device", -28),
    (ErrorCode::NotEmpty, "ENOTEMPTY", "directory not empty", -39),
    (ErrorCode::Inval, "EINVAL", "invalid argument", -22),
    (ErrorCode::NameTooLong, "ENAMETOOLONG", "name too long", -36),
];

#[test]
fn codes_match_node() {
    for (code, name, description, errno) in ALL {
        assert_eq!(code.as_str(), name);
        assert_eq!(code.to_string(), name);
        assert_eq!(code.description(), description);
        assert_eq!(code.errno(), errno);
    }
}

#[test]
fn renders_node_style() {
    let err = VfsError::new(ErrorCode::NotEmpty, "rmdir", "/workspace/d");
    assert_eq!(
        err.to_string(),
        "ENOTEMPTY: directory not empty, rmdir '/workspace/d'"
    );
}

#[test]
fn is_a_std_error() {
    let err: Box<dyn std::error::Error + Send + Sync> =
        Box::new(VfsError::new(ErrorCode::Acces, "open", "/x"));
    assert_eq!(err.to_string(), "EACCES: permission denied, open '/x'");
}
