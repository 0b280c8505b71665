//! The host imports (module `airlock`) and safe wrappers around them.
//!
//! The host owns every resource: output, the virtual filesystem, clocks and sleeping. The guest only
//! ever passes (pointer, length) pairs into its own memory; the host bounds every length it reads.

#[link(wasm_import_module = "airlock")]
unsafe extern "C" {
    /// Appends `len` bytes at `ptr` to the run's stdout (fd 1) or stderr (fd 2).
    #[link_name = "write"]
    fn host_write(fd: i32, ptr: *const u8, len: usize);
    /// Performs operation `op` with a JSON argument and raw data. Returns the length of the
    /// result (>= 0) or minus the length of a JSON error (< 0); fetch either with `result`.
    #[link_name = "call"]
    fn host_call(
        op: *const u8,
        op_len: usize,
        arg: *const u8,
        arg_len: usize,
        data: *const u8,
        data_len: usize,
    ) -> i64;
    /// Copies the pending result of the last `call` (or the run request) into `ptr`.
    #[link_name = "result"]
    fn host_result(ptr: *mut u8, len: usize);
    /// Returns the length of the encoded run request, made pending for `result`.
    #[link_name = "request"]
    fn host_request() -> i64;
    /// Blocks for `ms` milliseconds (virtual time advances instantly in deterministic mode).
    /// The host ends the run if the deadline falls inside the sleep.
    #[link_name = "sleep"]
    fn host_sleep(ms: f64);
}

/// Writes text to stdout (1) or stderr (2).
pub fn write(fd: i32, bytes: &[u8]) {
    // SAFETY: the pointer and length describe a live slice of our own memory.
    unsafe { host_write(fd, bytes.as_ptr(), bytes.len()) }
}

/// Sleeps on the host.
pub fn sleep(ms: f64) {
    // SAFETY: no memory is shared.
    unsafe { host_sleep(ms) }
}

fn take_result(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // SAFETY: `buf` is a writable buffer of exactly `len` bytes.
    unsafe { host_result(buf.as_mut_ptr(), len) };
    buf
}

/// A host call: `Ok(payload)` or `Err(json error payload)`.
pub fn call(op: &str, arg: &[u8], data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    // SAFETY: all three pointers describe live slices of our own memory.
    let n = unsafe {
        host_call(
            op.as_ptr(),
            op.len(),
            arg.as_ptr(),
            arg.len(),
            data.as_ptr(),
            data.len(),
        )
    };
    if n >= 0 {
        Ok(take_result(n as usize))
    } else {
        Err(take_result(n.unsigned_abs() as usize))
    }
}

/// What the host asks this run to do.
pub struct Request {
    /// Host-chosen seed for `Math.random` and `crypto`.
    pub seed: u64,
    /// The run's memory limit in bytes (the whole linear memory).
    pub memory_limit: u64,
    /// The file name shown in stack traces.
    pub filename: String,
    /// The user's source code.
    pub code: String,
}

/// Fetches and decodes the run request: `seed u64 | memory u64 | name_len u32 | name | code`,
/// little-endian. The host encodes it, so a malformed one is a host bug: fall back to empties.
pub fn request() -> Request {
    // SAFETY: no memory is shared.
    let n = unsafe { host_request() };
    let raw = take_result(n.max(0) as usize);
    let u64_at = |at: usize| {
        raw.get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes)
            .unwrap_or(0)
    };
    let name_len = raw
        .get(16..20)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .unwrap_or(0) as usize;
    let name_end = (20 + name_len).min(raw.len());
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Request {
        seed: u64_at(0),
        memory_limit: u64_at(8),
        filename: text(raw.get(20..name_end).unwrap_or_default()),
        code: text(raw.get(name_end..).unwrap_or_default()),
    }
}
