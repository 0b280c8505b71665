//! The [`Vfs`] type: construction, path resolution and the read-only
//! operations. Mutations live in `write.rs` and `remove.rs`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{ErrorCode, VfsError};
use crate::limits::{Usage, VfsLimits};
use crate::node::{Body, DirEntry, FileData, Metadata, Node, NodeKind};
use crate::path::{self, Subtree};

/// Source of modification times, in milliseconds since the Unix epoch.
pub(crate) type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The directory relative paths resolve against until [`Vfs::set_cwd`].
const DEFAULT_CWD: &str = "/workspace";

/// An in-memory filesystem.
///
/// Every path argument may be relative; it is resolved against [`Vfs::cwd`]
/// with [`crate::normalize`]. Cloning takes a snapshot: the tree is copied
/// but file contents are shared, and the two copies evolve independently.
#[derive(Clone)]
pub struct Vfs {
    /// Every node keyed by normalized absolute path. Sorted keys make a
    /// directory's descendants one contiguous range (see [`Subtree`]).
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) cwd: String,
    pub(crate) limits: VfsLimits,
    pub(crate) usage: Usage,
    pub(crate) clock: Clock,
}

impl fmt::Debug for Vfs {
    // Contents are deliberately left out: they can be hundreds of MiB.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vfs")
            .field("cwd", &self.cwd)
            .field("limits", &self.limits)
            .field("usage", &self.usage)
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

fn system_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

impl Vfs {
    /// Creates a filesystem holding `/`, `/workspace`, `/tmp`, `/dev` and
    /// `/dev/null`.
    ///
    /// `/` and `/dev` are read-only; `/workspace` and `/tmp` are writable but
    /// cannot themselves be removed or renamed.
    pub fn new(limits: VfsLimits) -> Self {
        let clock: Clock = Arc::new(system_clock);
        let mut vfs = Self {
            nodes: BTreeMap::new(),
            cwd: DEFAULT_CWD.to_owned(),
            limits,
            usage: Usage::default(),
            clock,
        };
        vfs.install_builtins();
        vfs
    }

    /// Replaces the source of modification times (milliseconds since the Unix
    /// epoch), e.g. for deterministic runs. The built-in entries are
    /// re-stamped with the new clock.
    pub fn with_clock(mut self, clock: Arc<dyn Fn() -> u64 + Send + Sync>) -> Self {
        self.clock = clock;
        let now = self.now();
        for node in self.nodes.values_mut().filter(|node| node.builtin) {
            node.mtime_ms = now;
        }
        self
    }

    fn install_builtins(&mut self) {
        let now = self.now();
        let builtins = [
            ("/", Body::Dir, true),
            ("/workspace", Body::Dir, false),
            ("/tmp", Body::Dir, false),
            ("/dev", Body::Dir, true),
            ("/dev/null", Body::Null, false),
        ];
        for (path, body, readonly) in builtins {
            let node = Node {
                body,
                mtime_ms: now,
                readonly,
                builtin: true,
            };
            self.nodes.insert(path.to_owned(), node);
        }
    }

    /// The current time according to the configured clock.
    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
    }

    /// The directory relative paths resolve against; `/workspace` initially.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// Changes the directory relative paths resolve against.
    ///
    /// # Errors
    ///
    /// Syscall `"chdir"`: `ENOENT` if missing, `ENOTDIR` if not a directory,
    /// plus any path error of [`crate::normalize`].
    pub fn set_cwd(&mut self, path: &str) -> Result<(), VfsError> {
        let abs = self.resolve(path, "chdir")?;
        if !self.node(&abs, "chdir")?.is_dir() {
            return Err(VfsError::new(ErrorCode::NotDir, "chdir", abs));
        }
        self.cwd = abs;
        Ok(())
    }

    /// The quota this filesystem enforces.
    pub fn limits(&self) -> &VfsLimits {
        &self.limits
    }

    /// What the user has stored so far.
    pub fn usage(&self) -> Usage {
        self.usage
    }

    /// Reads a whole file. `/dev/null` reads as empty.
    ///
    /// # Errors
    ///
    /// Syscall `"open"`: `ENOENT`, `ENOTDIR` (a parent is a file), `EISDIR`.
    pub fn read(&self, path: &str) -> Result<FileData, VfsError> {
        let abs = self.resolve(path, "open")?;
        match &self.node(&abs, "open")?.body {
            Body::File(data) => Ok(Arc::clone(data)),
            Body::Null => Ok(FileData::default()),
            Body::Dir => Err(VfsError::new(ErrorCode::IsDir, "open", abs)),
        }
    }

    /// Whether `path` exists; `false` for paths that are invalid.
    pub fn exists(&self, path: &str) -> bool {
        path::normalize_code(&self.cwd, path).is_ok_and(|abs| self.nodes.contains_key(&abs))
    }

    /// Describes the file or directory at `path`.
    ///
    /// # Errors
    ///
    /// Syscall `"stat"`: `ENOENT`, `ENOTDIR`.
    pub fn stat(&self, path: &str) -> Result<Metadata, VfsError> {
        let abs = self.resolve(path, "stat")?;
        let node = self.node(&abs, "stat")?;
        Ok(Metadata {
            kind: node.kind(),
            size: node.size(),
            mtime_ms: node.mtime_ms,
            readonly: node.readonly,
        })
    }

    /// Lists a directory, sorted by name (bytewise).
    ///
    /// # Errors
    ///
    /// Syscall `"scandir"`: `ENOENT`, `ENOTDIR`.
    pub fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, VfsError> {
        let abs = self.resolve(path, "scandir")?;
        if !self.node(&abs, "scandir")?.is_dir() {
            return Err(VfsError::new(ErrorCode::NotDir, "scandir", abs));
        }
        Ok(self.children(&abs))
    }

    /// Lists the subtree at `path`, itself included, depth-first with each
    /// directory's entries sorted by name. Returns absolute paths.
    ///
    /// # Errors
    ///
    /// Syscall `"scandir"`: `ENOENT`, `ENOTDIR`.
    pub fn walk(&self, path: &str) -> Result<Vec<(String, NodeKind)>, VfsError> {
        let abs = self.resolve(path, "scandir")?;
        let kind = self.node(&abs, "scandir")?.kind();
        let mut out = Vec::new();
        // Explicit stack rather than recursion; children are pushed in reverse
        // so they pop in sorted order.
        let mut stack = vec![(abs, kind)];
        while let Some((path, kind)) = stack.pop() {
            if kind == NodeKind::Dir {
                let prefix = path::child_prefix(&path);
                for entry in self.children(&path).into_iter().rev() {
                    stack.push((format!("{prefix}{}", entry.name), entry.kind));
                }
            }
            out.push((path, kind));
        }
        Ok(out)
    }

    /// The immediate children of the directory `dir`, sorted by name.
    ///
    /// Costs O(children · log n) rather than O(subtree): after each child
    /// directory the scan jumps past that directory's descendants.
    pub(crate) fn children(&self, dir: &str) -> Vec<DirEntry> {
        let prefix = path::child_prefix(dir);
        let subtree = Subtree::of(dir);
        let (low, high) = subtree.bounds();
        let mut cursor: Bound<String> = low.map(str::to_owned);
        let mut out = Vec::new();
        loop {
            let range = (cursor.as_ref().map(String::as_str), high);
            let Some((key, node)) = self.nodes.range::<str, _>(range).next() else {
                break;
            };
            // Every key in the subtree range starts with the prefix.
            let rest = key.get(prefix.len()..).unwrap_or_default();
            match rest.find('/') {
                None => {
                    out.push(DirEntry {
                        name: rest.to_owned(),
                        kind: node.kind(),
                    });
                    cursor = Bound::Excluded(key.clone());
                }
                // A grandchild: its parent was listed already, so skip the
                // rest of that parent's subtree (see `Subtree`).
                Some(end) => cursor = Bound::Included(format!("{prefix}{}0", &rest[..end])),
            }
        }
        out
    }

    /// Normalizes a caller's path against the cwd, reporting `syscall`.
    pub(crate) fn resolve(&self, path: &str, syscall: &'static str) -> Result<String, VfsError> {
        path::normalize_code(&self.cwd, path).map_err(|code| VfsError::new(code, syscall, path))
    }

    /// The node at the normalized path `abs`, or why there is none.
    pub(crate) fn node(&self, abs: &str, syscall: &'static str) -> Result<&Node, VfsError> {
        self.nodes
            .get(abs)
            .ok_or_else(|| VfsError::new(self.missing_cause(abs), syscall, abs))
    }

    /// Why `abs` does not exist: `ENOTDIR` if the nearest existing ancestor is
    /// a file (the lookup would have had to pass through it), else `ENOENT`.
    pub(crate) fn missing_cause(&self, abs: &str) -> ErrorCode {
        let mut current = path::parent(abs);
        while let Some(ancestor) = current {
            if let Some(node) = self.nodes.get(ancestor) {
                return if node.is_dir() {
                    ErrorCode::NoEnt
                } else {
                    ErrorCode::NotDir
                };
            }
            current = path::parent(ancestor);
        }
        ErrorCode::NoEnt
    }

    /// Iterates the strict descendants of the directory `abs`.
    pub(crate) fn descendants<'a>(
        &'a self,
        abs: &str,
    ) -> impl Iterator<Item = (&'a String, &'a Node)> + use<'a> {
        let subtree = Subtree::of(abs);
        let (low, high) = subtree.bounds();
        let bounds = (low.map(str::to_owned), high.map(str::to_owned));
        self.nodes.range::<String, _>(bounds)
    }
}
