//! Changes a tool made to the session's files: what a component with a read-write `files` grant
//! hands back. The pipeline applies a call's changes to the session (all or none), journals them
//! and serves them again on replay, so the tool itself never holds the session's filesystem.

use std::sync::{Arc, Mutex, PoisonError};

use airlock_vfs::{FileData, Vfs, VfsError};

/// One change to the session's files, by absolute path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileChange {
    /// The file now holds `data` (created or replaced). Its folder exists or is created by an
    /// earlier [`FileChange::Mkdir`].
    Write { path: String, data: FileData },
    /// A folder was created (with its missing parents).
    Mkdir { path: String },
    /// The file or folder was removed, with everything under it.
    Remove { path: String },
}

impl FileChange {
    /// The path the change is about.
    pub fn path(&self) -> &str {
        match self {
            Self::Write { path, .. } | Self::Mkdir { path } | Self::Remove { path } => path,
        }
    }

    /// `"write"`, `"mkdir"` or `"remove"`.
    pub fn op(&self) -> &'static str {
        match self {
            Self::Write { .. } => "write",
            Self::Mkdir { .. } => "mkdir",
            Self::Remove { .. } => "remove",
        }
    }

    fn apply(&self, vfs: &mut Vfs) -> Result<(), VfsError> {
        match self {
            Self::Write { path, data } => vfs.write_shared(path, FileData::clone(data)),
            Self::Mkdir { path } => vfs.mkdir(path, true),
            Self::Remove { path } => vfs.remove(path, true, true),
        }
    }
}

/// Applies `changes` in order, all or none: on an error `vfs` is left as it was and the error
/// names the change that failed.
///
/// # Errors
/// The first change the filesystem refused (over its quota, a read-only place, a file where a
/// folder is needed).
pub fn apply_changes(vfs: &mut Vfs, changes: &[FileChange]) -> Result<(), VfsError> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut next = vfs.clone();
    for change in changes {
        change.apply(&mut next)?;
    }
    *vfs = next;
    Ok(())
}

/// Where a tool leaves the changes of one call, shared between the tool and the pipeline.
#[derive(Debug, Clone, Default)]
pub struct FileChanges(Arc<Mutex<Vec<FileChange>>>);

impl FileChanges {
    /// Hands over the call's changes, replacing any handed over before.
    pub fn set(&self, changes: Vec<FileChange>) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = changes;
    }

    /// Takes what was handed over.
    pub fn take(&self) -> Vec<FileChange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airlock_vfs::VfsLimits;

    fn write(path: &str, data: &[u8]) -> FileChange {
        FileChange::Write {
            path: path.into(),
            data: Arc::new(data.to_vec()),
        }
    }

    #[test]
    fn changes_apply_in_order() {
        let mut vfs = Vfs::new(VfsLimits::default());
        vfs.write("/workspace/old.txt", b"old").unwrap();
        apply_changes(
            &mut vfs,
            &[
                FileChange::Remove {
                    path: "/workspace/old.txt".into(),
                },
                FileChange::Mkdir {
                    path: "/workspace/out/deep".into(),
                },
                write("/workspace/out/deep/a.txt", b"new"),
            ],
        )
        .unwrap();
        assert!(!vfs.exists("/workspace/old.txt"));
        assert_eq!(
            vfs.read("/workspace/out/deep/a.txt").unwrap().as_slice(),
            b"new"
        );
    }

    #[test]
    fn a_refused_change_leaves_the_files_as_they_were() {
        let mut vfs = Vfs::new(VfsLimits {
            max_bytes: 10,
            max_files: 100,
        });
        vfs.write("/workspace/keep.txt", b"keep").unwrap();
        let err = apply_changes(
            &mut vfs,
            &[
                FileChange::Remove {
                    path: "/workspace/keep.txt".into(),
                },
                write("/workspace/a.txt", b"12345"),
                write("/workspace/b.txt", b"123456789"),
            ],
        )
        .unwrap_err();
        assert_eq!(err.code, airlock_vfs::ErrorCode::NoSpc, "{err}");
        assert_eq!(vfs.read("/workspace/keep.txt").unwrap().as_slice(), b"keep");
        assert!(!vfs.exists("/workspace/a.txt"));
        let err = apply_changes(&mut vfs, &[write("/etc/x", b"x")]).unwrap_err();
        assert!(err.to_string().contains("/etc"), "{err}");
    }

    #[test]
    fn the_sink_hands_over_once() {
        let sink = FileChanges::default();
        sink.clone().set(vec![write("/workspace/a", b"a")]);
        assert_eq!(sink.take().len(), 1);
        assert!(sink.take().is_empty());
    }
}
