//! Operations that create or change content: `write`, `append`, `copy_file`,
//! `mkdir`. Each validates everything, quota included, before changing
//! anything, so a failed call leaves the filesystem exactly as it was.

use std::sync::Arc;

use crate::Vfs;
use crate::error::{ErrorCode, VfsError};
use crate::node::{Body, FileData, Node, len_u64};
use crate::path;

/// Where a file write lands, as established by [`Vfs::file_slot`].
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// `/dev/null`: accept and discard.
    Sink,
    /// An existing file of this many bytes is replaced.
    Existing(u64),
    /// A new file is created.
    New,
}

impl Vfs {
    /// Creates or truncates the file at `path` with `data`. Writes to
    /// `/dev/null` are discarded.
    ///
    /// # Errors
    ///
    /// Syscall `"open"`: `ENOENT` (parent missing), `ENOTDIR` (a parent is a
    /// file), `EISDIR`, `EACCES` (read-only location). Syscall `"write"`:
    /// `ENOSPC` when the quota would be exceeded; the old content is kept.
    pub fn write(&mut self, path: &str, data: &[u8]) -> Result<(), VfsError> {
        let abs = self.resolve(path, "open")?;
        let slot = self.file_slot(&abs, "open")?;
        self.charge(slot, len_u64(data), "write", &abs)?;
        self.commit_file(abs, slot, Arc::new(data.to_vec()));
        Ok(())
    }

    /// [`Vfs::write`] of contents already shared: the file holds `data` itself, not a copy.
    ///
    /// # Errors
    ///
    /// As [`Vfs::write`].
    pub fn write_shared(&mut self, path: &str, data: FileData) -> Result<(), VfsError> {
        let abs = self.resolve(path, "open")?;
        let slot = self.file_slot(&abs, "open")?;
        self.charge(slot, len_u64(&data), "write", &abs)?;
        self.commit_file(abs, slot, data);
        Ok(())
    }

    /// Appends `data` to the file at `path`, creating it if missing.
    ///
    /// # Errors
    ///
    /// As [`Vfs::write`].
    pub fn append(&mut self, path: &str, data: &[u8]) -> Result<(), VfsError> {
        let abs = self.resolve(path, "open")?;
        let slot = self.file_slot(&abs, "open")?;
        let new_len = match slot {
            Slot::Existing(old) => old.saturating_add(len_u64(data)),
            Slot::Sink | Slot::New => len_u64(data),
        };
        self.charge(slot, new_len, "write", &abs)?;
        if !matches!(slot, Slot::Existing(_)) {
            self.commit_file(abs, slot, Arc::new(data.to_vec()));
            return Ok(());
        }
        let now = self.now();
        if let Some(node) = self.nodes.get_mut(&abs)
            && let Body::File(contents) = &mut node.body
        {
            // Extends in place unless a snapshot shares the buffer, so a
            // stream of small appends stays amortized O(1) per byte.
            Arc::make_mut(contents).extend_from_slice(data);
            node.mtime_ms = now;
            self.usage.bytes = self.usage.bytes.saturating_add(len_u64(data));
        }
        Ok(())
    }

    /// Copies the file `from` to `to`, replacing a file already there. The
    /// copy shares its bytes with the original but counts toward the quota.
    ///
    /// # Errors
    ///
    /// Syscall `"copyfile"`: `ENOENT`, `ENOTDIR`, `EISDIR` (either end is a
    /// directory), `EACCES`, `ENOSPC`.
    pub fn copy_file(&mut self, from: &str, to: &str) -> Result<(), VfsError> {
        let src = self.resolve(from, "copyfile")?;
        let dst = self.resolve(to, "copyfile")?;
        let data = match &self.node(&src, "copyfile")?.body {
            Body::File(data) => Arc::clone(data),
            Body::Null => FileData::default(),
            Body::Dir => return Err(VfsError::new(ErrorCode::IsDir, "copyfile", src)),
        };
        if src == dst {
            // As libuv: copying a file onto itself succeeds and changes nothing.
            return Ok(());
        }
        let slot = self.file_slot(&dst, "copyfile")?;
        self.charge(slot, len_u64(&data), "copyfile", &dst)?;
        self.commit_file(dst, slot, data);
        Ok(())
    }

    /// Creates the directory `path`; with `recursive`, also its missing
    /// parents, and an existing directory is not an error.
    ///
    /// # Errors
    ///
    /// Syscall `"mkdir"`: `EEXIST` (exists, and not `recursive` or not a
    /// directory), `ENOENT` (parent missing, not `recursive`), `ENOTDIR` (a
    /// parent is a file), `EACCES`, `ENOSPC` (file-count quota).
    pub fn mkdir(&mut self, path: &str, recursive: bool) -> Result<(), VfsError> {
        let abs = self.resolve(path, "mkdir")?;
        if let Some(node) = self.nodes.get(&abs) {
            if recursive && node.is_dir() {
                return Ok(());
            }
            return Err(VfsError::new(ErrorCode::Exist, "mkdir", abs));
        }
        let missing = if recursive {
            self.missing_dirs(&abs)?
        } else {
            self.check_create(&abs, "mkdir")?;
            vec![abs.clone()]
        };
        let added = u64::try_from(missing.len()).unwrap_or(u64::MAX);
        self.reserve(0, 0, added, "mkdir", &abs)?;
        let now = self.now();
        if let Some(top) = missing.first() {
            self.touch_parent(top, now);
        }
        for dir in missing {
            self.nodes.insert(dir, Node::dir(now));
        }
        self.usage.files = self.usage.files.saturating_add(added);
        Ok(())
    }

    /// `abs` and its missing ancestors, outermost first, after checking the
    /// nearest existing ancestor is a writable directory.
    fn missing_dirs(&self, abs: &str) -> Result<Vec<String>, VfsError> {
        let mut chain = vec![abs.to_owned()];
        let mut current = path::parent(abs);
        while let Some(ancestor) = current {
            if let Some(node) = self.nodes.get(ancestor) {
                Self::check_container(node, abs, "mkdir")?;
                break;
            }
            chain.push(ancestor.to_owned());
            current = path::parent(ancestor);
        }
        chain.reverse();
        Ok(chain)
    }

    /// Checks that a new entry may be created at the missing path `abs`.
    ///
    /// The nearest existing ancestor decides: a file gives `ENOTDIR`, a
    /// read-only directory `EACCES` (so `/etc/x` is refused as read-only
    /// rather than missing), and a gap below it `ENOENT`.
    pub(crate) fn check_create(&self, abs: &str, syscall: &'static str) -> Result<(), VfsError> {
        let parent = path::parent(abs);
        let mut current = parent;
        while let Some(ancestor) = current {
            if let Some(node) = self.nodes.get(ancestor) {
                Self::check_container(node, abs, syscall)?;
                if current != parent {
                    return Err(VfsError::new(ErrorCode::NoEnt, syscall, abs));
                }
                return Ok(());
            }
            current = path::parent(ancestor);
        }
        // Only `/` has no parent, and `/` always exists.
        Err(VfsError::new(ErrorCode::Exist, syscall, abs))
    }

    /// Checks that `node` is a directory that accepts new entries.
    fn check_container(node: &Node, abs: &str, syscall: &'static str) -> Result<(), VfsError> {
        if !node.is_dir() {
            return Err(VfsError::new(ErrorCode::NotDir, syscall, abs));
        }
        if node.readonly {
            return Err(VfsError::new(ErrorCode::Acces, syscall, abs));
        }
        Ok(())
    }

    /// Decides where a file write to `abs` lands, refusing directories and
    /// read-only locations.
    fn file_slot(&self, abs: &str, syscall: &'static str) -> Result<Slot, VfsError> {
        let Some(node) = self.nodes.get(abs) else {
            self.check_create(abs, syscall)?;
            return Ok(Slot::New);
        };
        match &node.body {
            Body::Dir => Err(VfsError::new(ErrorCode::IsDir, syscall, abs)),
            _ if node.readonly => Err(VfsError::new(ErrorCode::Acces, syscall, abs)),
            Body::Null => Ok(Slot::Sink),
            Body::File(data) => Ok(Slot::Existing(len_u64(data))),
        }
    }

    /// Checks the quota for storing `new_len` bytes into `slot`.
    fn charge(
        &self,
        slot: Slot,
        new_len: u64,
        syscall: &'static str,
        abs: &str,
    ) -> Result<(), VfsError> {
        match slot {
            Slot::Sink => Ok(()),
            Slot::Existing(old) => self.reserve(new_len, old, 0, syscall, abs),
            Slot::New => self.reserve(new_len, 0, 1, syscall, abs),
        }
    }

    /// Fails with `ENOSPC` unless the usage after adding `add_bytes`, removing
    /// `freed_bytes` and adding `add_files` stays within the limits.
    pub(crate) fn reserve(
        &self,
        add_bytes: u64,
        freed_bytes: u64,
        add_files: u64,
        syscall: &'static str,
        abs: &str,
    ) -> Result<(), VfsError> {
        let bytes = self
            .usage
            .bytes
            .saturating_sub(freed_bytes)
            .saturating_add(add_bytes);
        let files = self.usage.files.saturating_add(add_files);
        if bytes > self.limits.max_bytes || files > self.limits.max_files {
            return Err(VfsError::new(ErrorCode::NoSpc, syscall, abs));
        }
        Ok(())
    }

    /// Stores `data` into a slot already validated and charged.
    fn commit_file(&mut self, abs: String, slot: Slot, data: FileData) {
        let now = self.now();
        let new_len = len_u64(&data);
        match slot {
            Slot::Sink => return,
            Slot::Existing(old) => {
                if let Some(node) = self.nodes.get_mut(&abs) {
                    node.body = Body::File(data);
                    node.mtime_ms = now;
                }
                self.usage.bytes = self.usage.bytes.saturating_sub(old);
            }
            Slot::New => {
                self.touch_parent(&abs, now);
                self.nodes.insert(abs, Node::file(data, now));
                self.usage.files = self.usage.files.saturating_add(1);
            }
        }
        self.usage.bytes = self.usage.bytes.saturating_add(new_len);
    }

    /// Updates the mtime of `abs`'s parent, whose entry list just changed.
    pub(crate) fn touch_parent(&mut self, abs: &str, now: u64) {
        if let Some(parent) = path::parent(abs).and_then(|parent| self.nodes.get_mut(parent)) {
            parent.mtime_ms = now;
        }
    }
}
