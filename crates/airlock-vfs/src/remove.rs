//! Operations that remove, move or lock existing entries: `remove`, `rmdir`,
//! `unlink`, `rename`, `set_readonly`. Like the writers, each validates the
//! whole operation before changing anything.

use crate::Vfs;
use crate::error::{ErrorCode, VfsError};
use crate::node::Node;
use crate::path::{self, MAX_DEPTH, MAX_PATH_BYTES};

impl Vfs {
    /// Removes a file, or with `recursive` a directory and everything in it,
    /// like Node's `fs.rm`. With `force` a missing path is not an error.
    ///
    /// # Errors
    ///
    /// Syscall `"rm"`: `ENOENT` (unless `force`), `ENOTDIR`, `EISDIR` (a
    /// directory without `recursive`), `EACCES` (a built-in entry such as
    /// `/workspace`, or anything read-only in or around the subtree).
    pub fn remove(&mut self, path: &str, recursive: bool, force: bool) -> Result<(), VfsError> {
        let abs = self.resolve(path, "rm")?;
        let Some(node) = self.nodes.get(&abs) else {
            let code = self.missing_cause(&abs);
            if force && code == ErrorCode::NoEnt {
                return Ok(());
            }
            return Err(VfsError::new(code, "rm", abs));
        };
        self.check_detachable(&abs, node, "rm")?;
        if node.is_dir() {
            if !recursive {
                return Err(VfsError::new(ErrorCode::IsDir, "rm", abs));
            }
            self.check_subtree_movable(&abs, "rm")?;
        }
        self.discard_subtree(&abs);
        Ok(())
    }

    /// Removes an empty directory.
    ///
    /// # Errors
    ///
    /// Syscall `"rmdir"`: `ENOENT`, `ENOTDIR`, `EACCES`, `ENOTEMPTY`.
    pub fn rmdir(&mut self, path: &str) -> Result<(), VfsError> {
        let abs = self.resolve(path, "rmdir")?;
        let node = self.node(&abs, "rmdir")?;
        if !node.is_dir() {
            return Err(VfsError::new(ErrorCode::NotDir, "rmdir", abs));
        }
        self.check_detachable(&abs, node, "rmdir")?;
        if self.descendants(&abs).next().is_some() {
            return Err(VfsError::new(ErrorCode::NotEmpty, "rmdir", abs));
        }
        self.discard_subtree(&abs);
        Ok(())
    }

    /// Removes a file.
    ///
    /// # Errors
    ///
    /// Syscall `"unlink"`: `ENOENT`, `ENOTDIR`, `EISDIR`, `EACCES`.
    pub fn unlink(&mut self, path: &str) -> Result<(), VfsError> {
        let abs = self.resolve(path, "unlink")?;
        let node = self.node(&abs, "unlink")?;
        if node.is_dir() {
            return Err(VfsError::new(ErrorCode::IsDir, "unlink", abs));
        }
        self.check_detachable(&abs, node, "unlink")?;
        self.discard_subtree(&abs);
        Ok(())
    }

    /// Moves a file or a whole directory. An existing file target is replaced
    /// by a file, an empty directory target by a directory.
    ///
    /// # Errors
    ///
    /// Syscall `"rename"`, reporting whichever end is at fault: `ENOENT`,
    /// `ENOTDIR`, `EISDIR` (file onto directory), `ENOTEMPTY`, `EINVAL`
    /// (directory into its own subtree), `EACCES` (either end read-only or
    /// built-in), `ENAMETOOLONG` (moved paths would exceed the path limits).
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), VfsError> {
        let src = self.resolve(from, "rename")?;
        let dst = self.resolve(to, "rename")?;
        let node = self.node(&src, "rename")?;
        self.check_detachable(&src, node, "rename")?;
        if src == dst {
            return Ok(());
        }
        let src_is_dir = node.is_dir();
        if src_is_dir && path::is_below(&dst, &src) {
            return Err(VfsError::new(ErrorCode::Inval, "rename", src));
        }
        match self.nodes.get(&dst) {
            Some(target) => self.check_replaceable(&dst, target, src_is_dir)?,
            None => self.check_create(&dst, "rename")?,
        }
        if src_is_dir {
            self.check_subtree_movable(&src, "rename")?;
            self.check_move_fits(&src, &dst)?;
        }

        if self.nodes.contains_key(&dst) {
            self.discard_subtree(&dst);
        }
        let now = self.now();
        self.touch_parent(&src, now);
        self.touch_parent(&dst, now);
        for (key, node) in self.take_subtree(&src) {
            // Every key starts with `src`, by construction of the subtree.
            let suffix = key.get(src.len()..).unwrap_or_default();
            self.nodes.insert(format!("{dst}{suffix}"), node);
        }
        Ok(())
    }

    /// Marks `path` and everything below it read-only, e.g. after copying in
    /// a `:ro` host mount. Writes, creations, removals and renames there then
    /// fail with `EACCES`.
    ///
    /// # Errors
    ///
    /// Syscall `"chmod"`: `ENOENT`, `ENOTDIR`.
    pub fn set_readonly(&mut self, path: &str) -> Result<(), VfsError> {
        let abs = self.resolve(path, "chmod")?;
        self.node(&abs, "chmod")?;
        let keys: Vec<String> = std::iter::once(abs.clone())
            .chain(self.descendants(&abs).map(|(key, _)| key.clone()))
            .collect();
        for key in keys {
            if let Some(node) = self.nodes.get_mut(&key) {
                node.readonly = true;
            }
        }
        Ok(())
    }

    /// Checks that the entry `node` at `abs` may be removed or moved away:
    /// it is neither built-in nor read-only, nor is its directory.
    fn check_detachable(
        &self,
        abs: &str,
        node: &Node,
        syscall: &'static str,
    ) -> Result<(), VfsError> {
        let parent_readonly = path::parent(abs)
            .and_then(|parent| self.nodes.get(parent))
            .is_none_or(|parent| parent.readonly);
        if node.builtin || node.readonly || parent_readonly {
            return Err(VfsError::new(ErrorCode::Acces, syscall, abs));
        }
        Ok(())
    }

    /// Checks that a rename may replace the existing `target` at `dst`.
    fn check_replaceable(
        &self,
        dst: &str,
        target: &Node,
        src_is_dir: bool,
    ) -> Result<(), VfsError> {
        self.check_detachable(dst, target, "rename")?;
        let code = match (src_is_dir, target.is_dir()) {
            (false, true) => ErrorCode::IsDir,
            (true, false) => ErrorCode::NotDir,
            (true, true) if self.descendants(dst).next().is_some() => ErrorCode::NotEmpty,
            _ => return Ok(()),
        };
        Err(VfsError::new(code, "rename", dst))
    }

    /// Checks that nothing below the directory `abs` is read-only, so that the
    /// whole subtree can go (all or nothing).
    fn check_subtree_movable(&self, abs: &str, syscall: &'static str) -> Result<(), VfsError> {
        match self
            .descendants(abs)
            .find(|(_, node)| node.readonly || node.builtin)
        {
            Some((key, _)) => Err(VfsError::new(ErrorCode::Acces, syscall, key.as_str())),
            None => Ok(()),
        }
    }

    /// Checks that moving the directory `src` to `dst` keeps every path in it
    /// within [`MAX_PATH_BYTES`] and [`MAX_DEPTH`], so stored paths always
    /// satisfy the limits `normalize` enforces.
    fn check_move_fits(&self, src: &str, dst: &str) -> Result<(), VfsError> {
        let (src_depth, dst_depth) = (path::depth(src), path::depth(dst));
        let too_long = self.descendants(src).any(|(key, _)| {
            let len = key.len() - src.len() + dst.len();
            let depth = path::depth(key) - src_depth + dst_depth;
            len > MAX_PATH_BYTES || depth > MAX_DEPTH
        });
        if too_long {
            return Err(VfsError::new(ErrorCode::NameTooLong, "rename", dst));
        }
        Ok(())
    }

    /// Removes `abs` and its descendants, releasing their quota.
    fn discard_subtree(&mut self, abs: &str) {
        let now = self.now();
        self.touch_parent(abs, now);
        for (_, node) in self.take_subtree(abs) {
            self.usage.bytes = self.usage.bytes.saturating_sub(node.size());
            self.usage.files = self.usage.files.saturating_sub(1);
        }
    }

    /// Detaches `abs` and its descendants from the map, without touching the
    /// quota accounting.
    fn take_subtree(&mut self, abs: &str) -> Vec<(String, Node)> {
        let mut keys = vec![abs.to_owned()];
        keys.extend(self.descendants(abs).map(|(key, _)| key.clone()));
        keys.into_iter()
            .filter_map(|key| self.nodes.remove_entry(&key))
            .collect()
    }
}
