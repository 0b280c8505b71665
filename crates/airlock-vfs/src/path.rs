//! Lexical path handling: normalization and the helpers the tree uses to
//! address parents and subtrees by key.

use std::ops::Bound;

use crate::error::{ErrorCode, VfsError};

/// Longest accepted path, in bytes, both as given and once normalized.
///
/// Matches Linux `PATH_MAX`; it bounds the work a single call can cause and
/// the size of every key the tree stores.
pub const MAX_PATH_BYTES: usize = 4096;

/// Longest accepted path component, in bytes. Matches Linux `NAME_MAX`, so
/// anything the guest creates can be exported to a real host directory.
pub const MAX_NAME_BYTES: usize = 255;

/// Most components a normalized path may have.
///
/// Bounds ancestor walks and keeps exported trees within what host
/// filesystems and tools handle comfortably.
pub const MAX_DEPTH: usize = 64;

/// Resolves `path` against `cwd` into a normalized absolute path.
///
/// Resolution is purely lexical: empty and `.` components are dropped, `..`
/// removes the previous component and stays at `/` when there is nothing
/// above. `cwd` only matters for relative paths and should itself be absolute.
///
/// # Errors
///
/// Reported with syscall `"open"`: `ENOENT` for an empty path (as Node does),
/// `EINVAL` for a NUL byte, `ENAMETOOLONG` when the path or result exceeds
/// [`MAX_PATH_BYTES`], a component exceeds [`MAX_NAME_BYTES`] or the result
/// has more than [`MAX_DEPTH`] components.
pub fn normalize(cwd: &str, path: &str) -> Result<String, VfsError> {
    normalize_code(cwd, path).map_err(|code| VfsError::new(code, "open", path))
}

/// [`normalize`] without the error decoration, so each operation can report
/// its own syscall.
pub(crate) fn normalize_code(cwd: &str, path: &str) -> Result<String, ErrorCode> {
    if path.is_empty() {
        return Err(ErrorCode::NoEnt);
    }
    let mut parts = Vec::new();
    if !path.starts_with('/') {
        push_components(&mut parts, cwd)?;
    }
    push_components(&mut parts, path)?;
    if parts.len() > MAX_DEPTH {
        return Err(ErrorCode::NameTooLong);
    }
    let len: usize = parts.iter().map(|part| part.len() + 1).sum();
    if len > MAX_PATH_BYTES {
        return Err(ErrorCode::NameTooLong);
    }
    if parts.is_empty() {
        return Ok("/".to_owned());
    }
    let mut out = String::with_capacity(len);
    for part in parts {
        out.push('/');
        out.push_str(part);
    }
    Ok(out)
}

/// Validates `path` and applies its components to the stack `parts`.
fn push_components<'a>(parts: &mut Vec<&'a str>, path: &'a str) -> Result<(), ErrorCode> {
    // Checked before splitting so an oversized input costs no more than a scan.
    if path.len() > MAX_PATH_BYTES {
        return Err(ErrorCode::NameTooLong);
    }
    if path.contains('\0') {
        return Err(ErrorCode::Inval);
    }
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name if name.len() > MAX_NAME_BYTES => return Err(ErrorCode::NameTooLong),
            name => parts.push(name),
        }
    }
    Ok(())
}

/// The parent of a normalized path; `None` for `/`.
pub(crate) fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        _ if path == "/" => None,
        Some(0) => Some("/"),
        Some(index) => Some(&path[..index]),
        None => None,
    }
}

/// Number of components of a normalized path (`/` has none).
pub(crate) fn depth(path: &str) -> usize {
    path.bytes().filter(|&byte| byte == b'/').count() - usize::from(path == "/")
}

/// Whether `path` lies strictly below the directory `dir`.
pub(crate) fn is_below(path: &str, dir: &str) -> bool {
    path != dir && path.starts_with(&child_prefix(dir))
}

/// The prefix every key below `dir` starts with.
pub(crate) fn child_prefix(dir: &str) -> String {
    if dir == "/" {
        "/".to_owned()
    } else {
        format!("{dir}/")
    }
}

/// Key bounds covering exactly the strict descendants of a directory.
///
/// Keys sort bytewise, and `'0'` is the byte right after `'/'`, so every key
/// starting with `"{dir}/"` lies in `["{dir}/", "{dir}0")`. That turns a
/// subtree into one contiguous range of the map.
#[derive(Debug)]
pub(crate) struct Subtree {
    low: String,
    high: Option<String>,
}

impl Subtree {
    /// The descendants of the normalized directory path `dir`.
    pub(crate) fn of(dir: &str) -> Self {
        if dir == "/" {
            // Everything but the root itself, which sorts first.
            Self {
                low: "/".to_owned(),
                high: None,
            }
        } else {
            Self {
                low: format!("{dir}/"),
                high: Some(format!("{dir}0")),
            }
        }
    }

    /// Bounds for `BTreeMap::range`.
    pub(crate) fn bounds(&self) -> (Bound<&str>, Bound<&str>) {
        match &self.high {
            None => (Bound::Excluded(self.low.as_str()), Bound::Unbounded),
            Some(high) => (
                Bound::Included(self.low.as_str()),
                Bound::Excluded(high.as_str()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(cwd: &str, path: &str) -> Result<String, ErrorCode> {
        normalize_code(cwd, path)
    }

    #[test]
    fn resolves_relative_and_dots() {
        assert_eq!(
            norm("/workspace", "a/./b//c/../d"),
            Ok("/workspace/a/b/d".into())
        );
        assert_eq!(norm("/workspace", "."), Ok("/workspace".into()));
        assert_eq!(norm("/workspace", "/tmp/"), Ok("/tmp".into()));
        assert_eq!(norm("/", "x"), Ok("/x".into()));
    }

    #[test]
    fn dotdot_stops_at_root() {
        assert_eq!(
            norm("/workspace", "../../etc/passwd"),
            Ok("/etc/passwd".into())
        );
        assert_eq!(norm("/workspace", "/workspace/../.."), Ok("/".into()));
        assert_eq!(norm("/", "../../../.."), Ok("/".into()));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(norm("/", ""), Err(ErrorCode::NoEnt));
        assert_eq!(norm("/", "a\0b"), Err(ErrorCode::Inval));
        assert_eq!(norm("/", &"a".repeat(5000)), Err(ErrorCode::NameTooLong));
        assert_eq!(norm("/", &"a".repeat(256)), Err(ErrorCode::NameTooLong));
        assert_eq!(norm("/", &"a/".repeat(65)), Err(ErrorCode::NameTooLong));
        assert!(norm("/", &"a/".repeat(64)).is_ok());
        assert!(norm("/", &"a".repeat(255)).is_ok());
    }

    #[test]
    fn result_length_is_bounded_even_when_inputs_are_not() {
        let cwd = format!("/{}", vec!["b".repeat(200); 20].join("/"));
        let path = vec!["c".repeat(200); 20].join("/");
        assert_eq!(norm(&cwd, &path), Err(ErrorCode::NameTooLong));
    }

    #[test]
    fn public_normalize_reports_the_input() {
        let err = normalize("/", "a\0").expect_err("NUL is invalid");
        assert_eq!(err.to_string(), "EINVAL: invalid argument, open 'a\0'");
    }

    #[test]
    fn helpers() {
        assert_eq!(parent("/"), None);
        assert_eq!(parent("/a"), Some("/"));
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(depth("/"), 0);
        assert_eq!(depth("/a/b"), 2);
        assert!(is_below("/a/b", "/a"));
        assert!(is_below("/a", "/"));
        assert!(!is_below("/ab", "/a"));
        assert!(!is_below("/a", "/a"));
    }
}
