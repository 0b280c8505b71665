//! The `files` grant: subtrees of the session's filesystem shown to a component as preopened
//! directories. For each call the granted subtrees of the snapshot the pipeline hands over are
//! written to a private temporary folder and removed when the call ends; the session's
//! filesystem stays the one source of truth.
//!
//! A read-only grant's folder is preopened read-only. A read-write grant's folder is
//! preopened writable; while the call runs its size is watched against the session's file
//! limits, and when the call succeeds it is compared with the snapshot: what the component
//! created, replaced or removed goes back to the pipeline as [`FileChange`]s, which it applies
//! to the session (all or none), journals and serves again on replay.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use airlock_tools::FileChange;
use airlock_vfs::{NodeKind, Vfs, VfsLimits};

use crate::grants::FileGrant;

/// One preopened folder of a call.
pub(crate) struct Preopen {
    /// Where it is on the host.
    pub(crate) host: PathBuf,
    /// The path the component sees it at.
    pub(crate) guest: String,
    pub(crate) writable: bool,
    /// The folder of the session's files it shows.
    from: String,
}

/// The folders of one call, removed on drop.
pub(crate) struct CallFiles {
    root: PathBuf,
    pub(crate) preopens: Vec<Preopen>,
}

impl CallFiles {
    /// Writes the granted subtrees of `snapshot` out. A granted folder that does not exist (yet)
    /// is an empty folder.
    pub(crate) fn write(
        grants: &BTreeMap<String, FileGrant>,
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
            files.preopens.push(Preopen {
                host: dir,
                guest: at.clone(),
                writable: grant.writable,
                from: grant.from.trim_end_matches('/').to_string(),
            });
        }
        Ok(files)
    }

    /// Whether the call may change files (so its folders are watched and compared).
    pub(crate) fn writable(&self) -> bool {
        self.preopens.iter().any(|p| p.writable)
    }

    /// Why the writable folders no longer fit `limits`, if they do not: checked while the call
    /// runs, so a component cannot fill the host's disk.
    pub(crate) fn over(&self, limits: &VfsLimits) -> Option<String> {
        let mut usage = Usage::default();
        for preopen in self.preopens.iter().filter(|p| p.writable) {
            if let Err(why) = usage.add_tree(&preopen.host, limits) {
                return Some(why);
            }
        }
        None
    }

    /// What the component changed in its writable folders, against `snapshot`: removals first,
    /// then new folders and written files, parents before children. Symbolic links and other
    /// special files are not taken over; `notes` says so.
    pub(crate) fn changes(
        &self,
        snapshot: &Vfs,
        notes: &mut Vec<String>,
    ) -> Result<Vec<FileChange>, String> {
        if let Some(why) = self.over(snapshot.limits()) {
            return Err(why);
        }
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for preopen in self.preopens.iter().filter(|p| p.writable) {
            diff(preopen, snapshot, &mut removed, &mut added, notes)
                .map_err(|e| format!("reading back what it wrote under {}: {e}", preopen.guest))?;
        }
        removed.extend(added);
        Ok(removed)
    }
}

fn copy_subtree(snapshot: &Vfs, from: &str, to: &Path) -> std::io::Result<()> {
    let Ok(entries) = snapshot.walk(from) else {
        return Ok(());
    };
    let base = from.trim_end_matches('/');
    for (path, kind) in entries {
        let Some(rel) = relative(base, &path) else {
            continue;
        };
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

/// `path` below `base`, without the leading slash; `None` for a name no host path should take.
fn relative<'a>(base: &str, path: &'a str) -> Option<&'a str> {
    let rel = path.strip_prefix(base)?.trim_start_matches('/');
    (!rel.split('/').any(|part| part == ".." || part == ".")).then_some(rel)
}

/// The session path of `rel` under a grant's folder.
fn session_path(from: &str, rel: &str) -> String {
    if rel.is_empty() {
        from.to_string()
    } else if from == "/" || from.is_empty() {
        format!("/{rel}")
    } else {
        format!("{from}/{rel}")
    }
}

/// Compares one writable folder with the snapshot.
fn diff(
    preopen: &Preopen,
    snapshot: &Vfs,
    removed: &mut Vec<FileChange>,
    added: &mut Vec<FileChange>,
    notes: &mut Vec<String>,
) -> std::io::Result<()> {
    // What is on disk now, by session path.
    let mut now: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    let mut stack = vec![(preopen.host.clone(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let shown = format!(
                "{}/{}",
                preopen.guest.trim_end_matches('/'),
                name.to_string_lossy()
            );
            let Some(name) = name.to_str() else {
                notes.push(format!(
                    "files: {shown}: a name that is not UTF-8 was not taken over"
                ));
                continue;
            };
            let child = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                now.insert(session_path(&preopen.from, &child), None);
                stack.push((entry.path(), child));
            } else if kind.is_file() {
                let data = std::fs::read(entry.path())?;
                now.insert(session_path(&preopen.from, &child), Some(data));
            } else {
                notes.push(format!(
                    "files: {shown}: only files and folders are taken over, not links or special files"
                ));
            }
        }
    }
    // Removed: in the snapshot, gone (or of another kind) now. Only the topmost of a removed
    // tree is named; removing it takes the rest.
    let before = snapshot.walk(&preopen.from).unwrap_or_default();
    let mut gone: Option<String> = None;
    for (path, kind) in &before {
        if path == &preopen.from || gone.as_ref().is_some_and(|g| within(path, g)) {
            continue;
        }
        let same_kind = matches!(
            (now.get(path), kind),
            (Some(None), NodeKind::Dir) | (Some(Some(_)), NodeKind::File)
        );
        if !same_kind {
            removed.push(FileChange::Remove { path: path.clone() });
            gone = Some(path.clone());
        }
    }
    // Created or replaced. The grant's own folder is created when it did not exist and the
    // component put something in it.
    if !snapshot.exists(&preopen.from) && !now.is_empty() {
        added.push(FileChange::Mkdir {
            path: preopen.from.clone(),
        });
    }
    for (path, data) in now {
        let existed = snapshot.stat(&path).ok().map(|m| m.kind);
        match data {
            None if existed != Some(NodeKind::Dir) => added.push(FileChange::Mkdir { path }),
            None => {}
            Some(data) => {
                let unchanged = existed == Some(NodeKind::File)
                    && snapshot
                        .read(&path)
                        .is_ok_and(|old| old.as_slice() == data.as_slice());
                if !unchanged {
                    added.push(FileChange::Write {
                        path,
                        data: Arc::new(data),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Whether `path` is `dir` or below it.
fn within(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Files and bytes counted on the host, against the session's limits.
#[derive(Default)]
struct Usage {
    bytes: u64,
    files: u64,
}

impl Usage {
    fn add_tree(&mut self, dir: &Path, limits: &VfsLimits) -> Result<(), String> {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                self.files += 1;
                if self.files > limits.max_files {
                    return Err(format!(
                        "it created more than {} files and folders, the session's limit",
                        limits.max_files
                    ));
                }
                let Ok(meta) = entry.path().symlink_metadata() else {
                    continue;
                };
                if meta.is_dir() {
                    stack.push(entry.path());
                } else {
                    self.bytes = self.bytes.saturating_add(meta.len());
                    if self.bytes > limits.max_bytes {
                        return Err(format!(
                            "it wrote more than {} bytes, the session's limit for files",
                            limits.max_bytes
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Drop for CallFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(from: &str, writable: bool) -> FileGrant {
        let mut g = FileGrant::read_only(from);
        g.writable = writable;
        g
    }

    fn summary(changes: &[FileChange]) -> Vec<String> {
        changes
            .iter()
            .map(|c| format!("{} {}", c.op(), c.path()))
            .collect()
    }

    fn session() -> Vfs {
        let mut vfs = Vfs::new(VfsLimits::default());
        vfs.mkdir("/workspace/out/old", true).unwrap();
        vfs.mkdir("/workspace/in", true).unwrap();
        vfs.write("/workspace/out/keep.txt", b"keep").unwrap();
        vfs.write("/workspace/out/edit.txt", b"before").unwrap();
        vfs.write("/workspace/out/old/gone.txt", b"gone").unwrap();
        vfs.write("/workspace/in/data.txt", b"data").unwrap();
        vfs
    }

    #[test]
    fn what_a_component_changed_comes_back_as_changes() {
        let vfs = session();
        let grants = BTreeMap::from([
            ("/out".to_string(), grant("/workspace/out", true)),
            ("/in".to_string(), grant("/workspace/in", false)),
        ]);
        let files = CallFiles::write(&grants, &vfs).unwrap();
        let out = &files
            .preopens
            .iter()
            .find(|p| p.guest == "/out")
            .unwrap()
            .host;
        let input = &files
            .preopens
            .iter()
            .find(|p| p.guest == "/in")
            .unwrap()
            .host;
        std::fs::write(out.join("edit.txt"), "after").unwrap();
        std::fs::remove_dir_all(out.join("old")).unwrap();
        std::fs::create_dir_all(out.join("new/deeper")).unwrap();
        std::fs::write(out.join("new/deeper/made.txt"), "made").unwrap();
        // Changes to a read-only grant's copy never come back.
        std::fs::write(input.join("data.txt"), "changed").unwrap();
        let mut notes = Vec::new();
        let changes = files.changes(&vfs, &mut notes).unwrap();
        let summary = summary(&changes);
        assert_eq!(
            summary,
            [
                "remove /workspace/out/old",
                "write /workspace/out/edit.txt",
                "mkdir /workspace/out/new",
                "mkdir /workspace/out/new/deeper",
                "write /workspace/out/new/deeper/made.txt",
            ]
        );
        assert!(notes.is_empty(), "{notes:?}");
        let mut after = vfs.clone();
        airlock_tools::apply_changes(&mut after, &changes).unwrap();
        assert_eq!(
            after.read("/workspace/out/edit.txt").unwrap().as_slice(),
            b"after"
        );
        assert_eq!(
            after.read("/workspace/out/keep.txt").unwrap().as_slice(),
            b"keep"
        );
        assert!(!after.exists("/workspace/out/old"));
        assert_eq!(
            after.read("/workspace/in/data.txt").unwrap().as_slice(),
            b"data"
        );
        let root = files.root.clone();
        drop(files);
        assert!(!root.exists(), "the call's folders are removed");
    }

    #[test]
    fn a_missing_granted_folder_is_created_when_written_to_and_links_stay_behind() {
        let vfs = session();
        let grants = BTreeMap::from([("/new".to_string(), grant("/workspace/fresh", true))]);
        let files = CallFiles::write(&grants, &vfs).unwrap();
        let dir = &files.preopens[0].host;
        std::fs::write(dir.join("a.txt"), "a").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link")).unwrap();
        let mut notes = Vec::new();
        let changes = files.changes(&vfs, &mut notes).unwrap();
        let summary = summary(&changes);
        assert_eq!(
            summary,
            ["mkdir /workspace/fresh", "write /workspace/fresh/a.txt"]
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("/new/link"), "{notes:?}");
    }

    #[test]
    fn writes_past_the_session_limits_are_caught() {
        let vfs = Vfs::new(VfsLimits {
            max_bytes: 1000,
            max_files: 10,
        });
        let grants = BTreeMap::from([("/out".to_string(), grant("/workspace", true))]);
        let files = CallFiles::write(&grants, &vfs).unwrap();
        let dir = &files.preopens[0].host;
        assert!(files.over(vfs.limits()).is_none());
        std::fs::write(dir.join("big"), vec![0u8; 2000]).unwrap();
        let why = files.over(vfs.limits()).unwrap();
        assert!(why.contains("1000 bytes"), "{why}");
        std::fs::remove_file(dir.join("big")).unwrap();
        for i in 0..11 {
            std::fs::write(dir.join(i.to_string()), "").unwrap();
        }
        let why = files.changes(&vfs, &mut Vec::new()).unwrap_err();
        assert!(why.contains("10 files"), "{why}");
    }
}
