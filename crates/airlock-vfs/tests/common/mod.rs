//! Shared helpers for the integration tests.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use airlock_vfs::{ErrorCode, Vfs, VfsError, VfsLimits};

/// A filesystem with default limits and a clock that ticks by 1 ms per read,
/// starting at 1000, so mtimes are deterministic and strictly increasing.
pub fn vfs() -> Vfs {
    vfs_with(VfsLimits::default())
}

/// As [`vfs`] with the given limits.
pub fn vfs_with(limits: VfsLimits) -> Vfs {
    let ticks = Arc::new(AtomicU64::new(1000));
    Vfs::new(limits).with_clock(Arc::new(move || ticks.fetch_add(1, Ordering::Relaxed)))
}

/// Asserts `result` failed with `code`, `syscall` and `path`.
#[track_caller]
pub fn assert_err<T: std::fmt::Debug>(
    result: Result<T, VfsError>,
    code: ErrorCode,
    syscall: &str,
    path: &str,
) {
    let err = result.expect_err("operation should fail");
    assert_eq!(
        (err.code, err.syscall, err.path.as_str()),
        (code, syscall, path)
    );
}

/// The contents of `path` as a string.
#[track_caller]
pub fn read_str(vfs: &Vfs, path: &str) -> String {
    String::from_utf8(vfs.read(path).expect("readable").to_vec()).expect("utf-8")
}
