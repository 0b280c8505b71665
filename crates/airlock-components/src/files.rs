//! The `files` grant: subtrees of the session's filesystem shown to a component as preopened
//! directories. For each call the granted subtrees of the snapshot the pipeline hands over are
//! written to a private temporary folder, preopened read-only (so the component cannot grow it),
//! and removed when the call ends. The session's filesystem stays the one source of truth.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use airlock_vfs::{NodeKind, Vfs};

use crate::grants::FileGrant;

/// The folders of one call, removed on drop.
pub(crate) struct CallFiles {
    root: PathBuf,
    /// Host folder and the path the component sees it at.
    pub(crate) preopens: Vec<(PathBuf, String)>,
}

impl CallFiles {
    /// Writes the granted subtrees of `snapshot` out. A granted folder that does not exist (yet)
    /// is an empty folder.
    pub(crate) fn write(
        grants: &std::collections::BTreeMap<String, FileGrant>,
        snapshot: &Vfs,
    ) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let root = std::env::temp_dir().join(format!(
            "airlock-component-files-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let mut files = Self {
            root,
            preopens: Vec::new(),
        };
        std::fs::create_dir_all(&files.root)?;
        for (i, (at, grant)) in grants.iter().enumerate() {
            let dir = files.root.join(i.to_string());
            std::fs::create_dir(&dir)?;
            copy_subtree(snapshot, &grant.from, &dir)?;
            files.preopens.push((dir, at.clone()));
        }
        Ok(files)
    }
}

fn copy_subtree(snapshot: &Vfs, from: &str, to: &Path) -> std::io::Result<()> {
    let Ok(entries) = snapshot.walk(from) else {
        return Ok(());
    };
    let base = from.trim_end_matches('/');
    for (path, kind) in entries {
        let rel = path
            .strip_prefix(base)
            .unwrap_or("")
            .trim_start_matches('/');
        if rel.split('/').any(|part| part == "..") {
            continue;
        }
        let target = to.join(rel);
        match kind {
            NodeKind::Dir => std::fs::create_dir_all(&target)?,
            NodeKind::File => {
                if let Ok(data) = snapshot.read(&path) {
                    std::fs::write(&target, data.as_slice())?;
                }
            }
        }
    }
    Ok(())
}

impl Drop for CallFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
