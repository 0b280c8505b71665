//! `--mount` (copy a host directory into the session's filesystem) and `--out` (copy the
//! session's /workspace back out). The sandbox never sees the host filesystem itself.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use airlock::vfs::{NodeKind, Vfs};

/// A parsed `HOST:GUEST[:ro]`.
#[derive(Clone, Debug)]
pub struct Mount {
    pub host: PathBuf,
    pub guest: String,
    pub readonly: bool,
}

impl Mount {
    pub fn parse(text: &str) -> Result<Self, String> {
        let (rest, readonly) = match text.strip_suffix(":ro") {
            Some(rest) => (rest, true),
            None => (text.strip_suffix(":rw").unwrap_or(text), false),
        };
        let Some((host, guest)) = rest.rsplit_once(':') else {
            return Err(format!(
                "invalid mount '{text}'\nhint: use HOST_DIR:/workspace/NAME[:ro]"
            ));
        };
        if !(guest.starts_with("/workspace") || guest.starts_with("/tmp")) || host.is_empty() {
            return Err(format!(
                "invalid mount '{text}': the sandbox path must be under /workspace or /tmp\nhint: use HOST_DIR:/workspace/NAME[:ro]"
            ));
        }
        Ok(Self {
            host: host.into(),
            guest: guest.into(),
            readonly,
        })
    }
}

/// Copies the host directory (or file) into the VFS. Symbolic links are skipped so a mount
/// never reaches outside the directory the user named.
pub fn copy_in(vfs: &mut Vfs, mount: &Mount) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(&mount.host)
        .with_context(|| format!("cannot mount {}", mount.host.display()))?;
    if meta.is_file() {
        let data = std::fs::read(&mount.host)?;
        if let Some((parent, _)) = mount.guest.rsplit_once('/')
            && !parent.is_empty()
        {
            vfs.mkdir(parent, true)?;
        }
        vfs.write(&mount.guest, &data)?;
    } else if meta.is_dir() {
        vfs.mkdir(&mount.guest, true)?;
        copy_dir(vfs, &mount.host, &mount.guest)
            .with_context(|| format!("cannot mount {} at {}", mount.host.display(), mount.guest))?;
    } else {
        bail!(
            "cannot mount {}: not a file or directory",
            mount.host.display()
        );
    }
    if mount.readonly {
        vfs.set_readonly(&mount.guest)?;
    }
    Ok(())
}

fn copy_dir(vfs: &mut Vfs, host: &Path, guest: &str) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(host)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let target = format!("{guest}/{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            vfs.mkdir(&target, true)?;
            copy_dir(vfs, &entry.path(), &target)?;
        } else if kind.is_file() {
            vfs.write(&target, &std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

/// Writes the VFS subtree at `root` into the host directory `dir`.
pub fn copy_out(vfs: &Vfs, root: &str, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (path, kind) in vfs.walk(root)? {
        let Some(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel.trim_start_matches('/');
        let target = dir.join(rel);
        match kind {
            NodeKind::Dir => std::fs::create_dir_all(&target)?,
            NodeKind::File => std::fs::write(&target, vfs.read(&path)?.as_slice())
                .with_context(|| format!("cannot write {}", target.display()))?,
        }
    }
    Ok(())
}
