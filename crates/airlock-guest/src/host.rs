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
    /// Ends the run here if its deadline has passed or it was interrupted; returns otherwise.
    #[link_name = "deadline"]
    fn host_deadline();
}

/// Lets the host end the run if its time is up. QuickJS's interpreter calls this every few
/// thousand jumps and calls (its interrupt handler); the host compiles the same check into
/// every other loop of this module (airlock-host's deadline.rs).
pub fn deadline() {
    // SAFETY: no memory is shared.
    unsafe { host_deadline() }
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

/// Fetches the pending result, whose length the host has just reported as `len`.
fn take_result(len: usize) -> Vec<u8> {
    let mut buf = Vec::with_capacity(len);
    // SAFETY: `buf` has room for `len` bytes. The host writes exactly the pending result's
    // length, which is `len` (it returned it from the call that made the result pending), so
    // every byte below `len` is initialised before `set_len`. Not zero-filling first saves a
    // pass over large files.
    unsafe {
        host_result(buf.as_mut_ptr(), len);
        buf.set_len(len);
    }
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
    /// Bit 0: report the script line of each tool call.
    pub flags: u32,
    /// The file name shown in stack traces.
    pub filename: String,
    /// The tools the script gets functions for.
    pub tools: Vec<String>,
    /// The user's source code.
    pub code: String,
}

/// Reads the little-endian fields of the run request in order.
struct Reader {
    raw: Vec<u8>,
    at: usize,
}

impl Reader {
    fn bytes(&mut self, n: usize) -> &[u8] {
        let start = self.at.min(self.raw.len());
        let end = start.saturating_add(n).min(self.raw.len());
        self.at = end;
        &self.raw[start..end]
    }

    fn u64(&mut self) -> u64 {
        self.bytes(8)
            .try_into()
            .map(u64::from_le_bytes)
            .unwrap_or(0)
    }

    fn u32(&mut self) -> u32 {
        self.bytes(4)
            .try_into()
            .map(u32::from_le_bytes)
            .unwrap_or(0)
    }

    fn text(&mut self, n: usize) -> String {
        String::from_utf8_lossy(self.bytes(n)).into_owned()
    }
}

/// Fetches and decodes the run request: `seed u64 | memory u64 | flags u32 | name_len u32 |
/// name | tools_len u32 | tools (names joined by newlines) | code`, little-endian. The host
/// encodes it, so a malformed one is a host bug: missing fields read as empty.
pub fn request() -> Request {
    // SAFETY: no memory is shared.
    let n = unsafe { host_request() };
    let mut r = Reader {
        raw: take_result(n.max(0) as usize),
        at: 0,
    };
    let seed = r.u64();
    let memory_limit = r.u64();
    let flags = r.u32();
    let name_len = r.u32() as usize;
    let filename = r.text(name_len);
    let tools_len = r.u32() as usize;
    let tools = r.text(tools_len);
    let code = r.text(usize::MAX);
    Request {
        seed,
        memory_limit,
        flags,
        filename,
        tools: tools
            .split('\n')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        code,
    }
}
