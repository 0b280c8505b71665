//! The world outside the shell: files, clocks, tools and JavaScript. In the sandbox every call
//! goes to the host; natively (tests, tools) [`MemSystem`] keeps files in an `airlock-vfs` tree.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use airlock_vfs::{NodeKind, Vfs, VfsLimits};

/// A failed filesystem call, with the errno-style code (`ENOENT`) and a Node-like message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FsError {
    pub code: String,
    pub message: String,
}

impl FsError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// The error as a command prints it: `No such file or directory` for `ENOENT`.
    pub fn describe(&self) -> &'static str {
        match self.code.as_str() {
            "ENOENT" => "No such file or directory",
            "EEXIST" => "File exists",
            "EISDIR" => "Is a directory",
            "ENOTDIR" => "Not a directory",
            "ENOTEMPTY" => "Directory not empty",
            "EACCES" | "EPERM" | "EROFS" => "Permission denied",
            "ENOSPC" => "No space left on device",
            "EINVAL" => "Invalid argument",
            "ENAMETOOLONG" => "File name too long",
            _ => "Input/output error",
        }
    }
}

/// What `stat` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    pub is_dir: bool,
    pub size: u64,
    /// Modification time, milliseconds since the Unix epoch.
    pub mtime_ms: u64,
    pub readonly: bool,
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
}

/// A JavaScript run the `node` command asks for.
#[derive(Debug, Clone, Copy)]
pub struct JsRun<'a> {
    /// The script's source.
    pub code: &'a str,
    /// The name stack traces show: `[eval]`, `[stdin]` or the script's absolute path.
    pub filename: &'a str,
    /// `process.argv`: `node`, then the script's path (not for `-e`/`-p`), then its arguments.
    pub argv: &'a [String],
    /// `process.env`: the command's exported variables.
    pub env: &'a [(String, String)],
    /// The working directory: `process.cwd()`, and what relative paths in `fs` resolve against.
    pub cwd: &'a str,
    /// Standard input for the script (`fs.readFileSync(0)`, `process.stdin`); `None` when the
    /// shell did not read it (the script's source never mentions it).
    pub stdin: Option<&'a [u8]>,
    /// Whether `FILE` was run (`require.main === module`, `__filename` is the path).
    pub main: bool,
    /// Print the script's value (`node -p`).
    pub print: bool,
}

/// What a JavaScript run (`node -e`) produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

/// The shell's access to the outside world. Paths are absolute and normalised by the caller.
pub trait System {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError>;
    /// Writes (or with `append`, extends) a file, creating it.
    fn write_file(&self, path: &str, data: &[u8], append: bool) -> Result<(), FsError>;
    fn stat(&self, path: &str) -> Result<FileInfo, FsError>;
    /// Entries sorted by name.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError>;
    fn mkdir(&self, path: &str, recursive: bool) -> Result<(), FsError>;
    /// Removes a file, or a directory (with `recursive` also a non-empty one).
    fn remove(&self, path: &str, recursive: bool) -> Result<(), FsError>;
    fn rename(&self, from: &str, to: &str) -> Result<(), FsError>;
    fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError>;
    /// Wall-clock time, milliseconds since the Unix epoch (virtual in deterministic runs).
    fn now_ms(&self) -> u64;
    fn sleep_ms(&self, ms: u64);
    /// Calls a tool: the result JSON, or the error's code and message.
    fn call_tool(&self, name: &str, args_json: &str) -> Result<String, (String, String)>;
    /// The tools the script may call, as the JSON array `tools.list()` gives JavaScript.
    fn list_tools(&self) -> String {
        "[]".to_string()
    }
    /// Runs JavaScript on the same filesystem (`node`); `None` where there is none.
    fn run_js(&self, run: &JsRun<'_>) -> Option<JsOutput>;
    /// A random number (for `$RANDOM`, `mktemp`).
    fn random_u64(&self) -> u64;
}

/// A [`System`] over an in-memory `airlock-vfs` tree: for native use and tests. Tools and
/// JavaScript are absent; the clock is fixed unless moved with [`MemSystem::set_now_ms`].
#[derive(Debug)]
pub struct MemSystem {
    vfs: RefCell<Vfs>,
    /// The clock `now_ms` reads and the filesystem stamps files with.
    now: Arc<AtomicU64>,
    rng: std::cell::Cell<u64>,
}

impl Default for MemSystem {
    fn default() -> Self {
        Self::new(Vfs::new(VfsLimits::default()))
    }
}

impl MemSystem {
    /// A system over `vfs`, whose clock (2025-01-01T00:00:00Z, the sandbox's deterministic
    /// epoch, until moved) also stamps the files it writes.
    pub fn new(vfs: Vfs) -> Self {
        let now = Arc::new(AtomicU64::new(1_735_689_600_000));
        let clock = Arc::clone(&now);
        Self {
            vfs: RefCell::new(vfs.with_clock(Arc::new(move || clock.load(Ordering::Relaxed)))),
            now,
            rng: std::cell::Cell::new(0x2545_F491_4F6C_DD1D),
        }
    }

    pub fn set_now_ms(&self, ms: u64) {
        self.now.store(ms, Ordering::Relaxed);
    }

    pub fn vfs(&self) -> std::cell::Ref<'_, Vfs> {
        self.vfs.borrow()
    }

    pub fn vfs_mut(&self) -> std::cell::RefMut<'_, Vfs> {
        self.vfs.borrow_mut()
    }
}

fn fs_error(e: airlock_vfs::VfsError) -> FsError {
    FsError::new(e.code.as_str(), e.to_string())
}

impl System for MemSystem {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError> {
        self.vfs
            .borrow()
            .read(path)
            .map(|d| d.as_ref().clone())
            .map_err(fs_error)
    }

    fn write_file(&self, path: &str, data: &[u8], append: bool) -> Result<(), FsError> {
        let mut vfs = self.vfs.borrow_mut();
        if append {
            vfs.append(path, data)
        } else {
            vfs.write(path, data)
        }
        .map_err(fs_error)
    }

    fn stat(&self, path: &str) -> Result<FileInfo, FsError> {
        let m = self.vfs.borrow().stat(path).map_err(fs_error)?;
        Ok(FileInfo {
            is_dir: m.kind == NodeKind::Dir,
            size: m.size,
            mtime_ms: m.mtime_ms,
            readonly: m.readonly,
        })
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let entries = self.vfs.borrow().read_dir(path).map_err(fs_error)?;
        Ok(entries
            .into_iter()
            .map(|e| DirEntry {
                is_dir: e.kind == NodeKind::Dir,
                name: e.name,
            })
            .collect())
    }

    fn mkdir(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        self.vfs
            .borrow_mut()
            .mkdir(path, recursive)
            .map_err(fs_error)
    }

    fn remove(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        self.vfs
            .borrow_mut()
            .remove(path, recursive, false)
            .map_err(fs_error)
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), FsError> {
        self.vfs.borrow_mut().rename(from, to).map_err(fs_error)
    }

    fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        self.vfs.borrow_mut().copy_file(from, to).map_err(fs_error)
    }

    fn now_ms(&self) -> u64 {
        self.now.load(Ordering::Relaxed)
    }

    fn sleep_ms(&self, ms: u64) {
        self.now.fetch_add(ms, Ordering::Relaxed);
    }

    fn call_tool(&self, name: &str, _args_json: &str) -> Result<String, (String, String)> {
        Err((
            "ENOENT".to_string(),
            format!("{name}: unknown tool; this shell has no tools"),
        ))
    }

    fn run_js(&self, _run: &JsRun<'_>) -> Option<JsOutput> {
        None
    }

    fn random_u64(&self) -> u64 {
        // xorshift64*: enough for $RANDOM and temporary names.
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}
