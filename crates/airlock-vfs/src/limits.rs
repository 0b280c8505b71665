//! Quota configuration and accounting.

/// Quota for what the guest may store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VfsLimits {
    /// Sum of all file sizes, in bytes. Default 256 MiB.
    pub max_bytes: u64,
    /// Files plus directories the user created (the built-in `/workspace`,
    /// `/tmp`, `/dev` and `/dev/null` do not count). Default 50 000.
    pub max_files: u64,
}

impl Default for VfsLimits {
    fn default() -> Self {
        Self {
            // Enough for a typical project checkout plus build output, small
            // enough that many sessions fit in host memory at once.
            max_bytes: 256 * 1024 * 1024,
            // Bounds per-node overhead (keys, map entries) independently of
            // bytes, since a flood of empty files costs memory too.
            max_files: 50_000,
        }
    }
}

/// What the filesystem currently holds, in the units of [`VfsLimits`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sum of all file sizes, in bytes (logical: shared contents count once
    /// per file).
    pub bytes: u64,
    /// Files and directories the user created.
    pub files: u64,
}
