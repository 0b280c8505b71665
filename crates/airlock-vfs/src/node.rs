//! What the tree stores per path, and the public views of it.

use std::sync::Arc;

/// File contents. Reference-counted so that cloning a [`crate::Vfs`] (a
/// snapshot) and `copy_file` share bytes instead of duplicating them.
pub type FileData = Arc<Vec<u8>>;

/// Whether a path is a file or a directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A regular file (also reported for `/dev/null`).
    File,
    /// A directory.
    Dir,
}

/// What [`crate::Vfs::stat`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// File or directory.
    pub kind: NodeKind,
    /// Length in bytes for files; 0 for directories.
    pub size: u64,
    /// Last modification, in milliseconds since the Unix epoch.
    pub mtime_ms: u64,
    /// Whether writes, creations and removals here fail with `EACCES`.
    pub readonly: bool,
}

/// One entry of [`crate::Vfs::read_dir`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name within its directory.
    pub name: String,
    /// File or directory.
    pub kind: NodeKind,
}

/// What a path holds.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    File(FileData),
    Dir,
    /// `/dev/null`: reads empty, swallows writes.
    Null,
}

/// One entry of the tree.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) body: Body,
    pub(crate) mtime_ms: u64,
    pub(crate) readonly: bool,
    /// Created by [`crate::Vfs::new`] rather than the user: never removed,
    /// renamed or replaced, and not counted against the quota.
    pub(crate) builtin: bool,
}

impl Node {
    pub(crate) fn file(data: FileData, mtime_ms: u64) -> Self {
        Self {
            body: Body::File(data),
            mtime_ms,
            readonly: false,
            builtin: false,
        }
    }

    pub(crate) fn dir(mtime_ms: u64) -> Self {
        Self {
            body: Body::Dir,
            mtime_ms,
            readonly: false,
            builtin: false,
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        matches!(self.body, Body::Dir)
    }

    pub(crate) fn kind(&self) -> NodeKind {
        if self.is_dir() {
            NodeKind::Dir
        } else {
            NodeKind::File
        }
    }

    /// Bytes this node counts toward the quota.
    pub(crate) fn size(&self) -> u64 {
        match &self.body {
            Body::File(data) => len_u64(data),
            Body::Dir | Body::Null => 0,
        }
    }
}

/// A buffer length as the quota's unit. `usize` is at most 64 bits on every
/// target Rust supports, so this never saturates in practice.
pub(crate) fn len_u64(data: &[u8]) -> u64 {
    u64::try_from(data.len()).unwrap_or(u64::MAX)
}
