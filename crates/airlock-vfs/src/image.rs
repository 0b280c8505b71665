//! A filesystem as plain data, for saving a session somewhere else and loading it back (a
//! session store shared by several servers).

use crate::error::{ErrorCode, VfsError};
use crate::limits::VfsLimits;
use crate::node::{Body, FileData};
use crate::vfs::Vfs;

/// One entry the user made (the built-in `/`, `/workspace`, `/tmp`, `/dev` are not listed).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageEntry {
    /// Absolute, normalized.
    pub path: String,
    /// The contents of a file; `None` for a folder.
    pub data: Option<FileData>,
    /// Last modification, in milliseconds since the Unix epoch.
    pub mtime_ms: u64,
    /// Whether it was made read-only.
    pub readonly: bool,
}

impl ImageEntry {
    /// A folder.
    pub fn dir(path: impl Into<String>, mtime_ms: u64, readonly: bool) -> Self {
        Self {
            path: path.into(),
            data: None,
            mtime_ms,
            readonly,
        }
    }

    /// A file.
    pub fn file(path: impl Into<String>, data: FileData, mtime_ms: u64, readonly: bool) -> Self {
        Self {
            path: path.into(),
            data: Some(data),
            mtime_ms,
            readonly,
        }
    }
}

impl Vfs {
    /// Everything the user made, parents before children (file contents are shared, not
    /// copied), and the working directory.
    pub fn image(&self) -> (Vec<ImageEntry>, String) {
        let entries = self
            .nodes
            .iter()
            .filter(|(_, node)| !node.builtin)
            .filter_map(|(path, node)| {
                let data = match &node.body {
                    Body::File(data) => Some(FileData::clone(data)),
                    Body::Dir => None,
                    Body::Null => return None,
                };
                Some(ImageEntry {
                    path: path.clone(),
                    data,
                    mtime_ms: node.mtime_ms,
                    readonly: node.readonly,
                })
            })
            .collect();
        (entries, self.cwd.clone())
    }

    /// A filesystem holding `entries` (in any order), under `limits`, in `cwd`. Each entry is
    /// checked as the write that made it was: names, parents, the quota.
    ///
    /// # Errors
    /// The first entry the limits or the tree refuse; a `cwd` that is not a folder.
    pub fn from_image(
        limits: VfsLimits,
        entries: &[ImageEntry],
        cwd: &str,
    ) -> Result<Self, VfsError> {
        let mut vfs = Self::new(limits);
        let mut sorted: Vec<&ImageEntry> = entries.iter().collect();
        // Sorted paths put every folder before what it holds.
        sorted.sort_by(|a, b| a.path.cmp(&b.path));
        for entry in &sorted {
            match &entry.data {
                None => vfs.mkdir(&entry.path, false)?,
                Some(data) => vfs.write_shared(&entry.path, FileData::clone(data))?,
            }
        }
        // Times and read-only marks last: creating a child touches its folder, and a
        // read-only folder takes no children.
        for entry in &sorted {
            if let Some(node) = vfs.nodes.get_mut(&entry.path) {
                node.mtime_ms = entry.mtime_ms;
                node.readonly = entry.readonly;
            }
        }
        vfs.set_cwd(cwd)
            .map_err(|e| VfsError::new(ErrorCode::NotDir, "chdir", e.path))?;
        Ok(vfs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn an_image_rebuilds_the_same_filesystem() {
        let mut vfs = Vfs::new(VfsLimits::default());
        vfs.mkdir("/workspace/a/b", true).unwrap();
        vfs.write("/workspace/a/b/f.txt", b"hello").unwrap();
        vfs.write("/tmp/t", b"").unwrap();
        vfs.mkdir("/workspace/locked", false).unwrap();
        vfs.write("/workspace/locked/in.txt", b"in").unwrap();
        vfs.set_readonly("/workspace/locked").unwrap();
        vfs.set_cwd("/workspace/a").unwrap();
        let (entries, cwd) = vfs.image();
        assert_eq!(cwd, "/workspace/a");
        assert!(entries.iter().all(|e| !e.path.starts_with("/dev")));
        let mut reversed = entries.clone();
        reversed.reverse();
        let back = Vfs::from_image(VfsLimits::default(), &reversed, &cwd).unwrap();
        assert_eq!(back.image(), vfs.image());
        assert_eq!(back.usage(), vfs.usage());
        assert_eq!(back.read("b/f.txt").unwrap().as_slice(), b"hello");
        assert!(back.stat("/workspace/locked").unwrap().readonly);
    }

    #[test]
    fn an_image_over_the_limits_or_with_bad_paths_is_refused() {
        let big = ImageEntry::file("/workspace/big", Arc::new(vec![0; 100]), 0, false);
        let limits = VfsLimits {
            max_bytes: 10,
            max_files: 10,
        };
        let err = Vfs::from_image(limits, &[big], "/workspace").unwrap_err();
        assert_eq!(err.code, ErrorCode::NoSpc);
        let orphan = ImageEntry::file("/workspace/no/such/dir/f", Arc::new(vec![]), 0, false);
        assert!(Vfs::from_image(VfsLimits::default(), &[orphan], "/workspace").is_err());
        let outside = ImageEntry::dir("/etc", 0, false);
        assert!(Vfs::from_image(VfsLimits::default(), &[outside], "/workspace").is_err());
    }
}
