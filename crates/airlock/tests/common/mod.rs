//! Helpers shared by the airlock end-to-end tests: one sandbox per configuration per test
//! binary, and short ways to run a script.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use airlock::vfs::VfsLimits;
use airlock::{Language, Limits, RunOutput, Sandbox, SandboxConfig, Session};

pub const MIB: u64 = 1024 * 1024;

/// The default sandbox, shared by every test in the binary.
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(SandboxConfig::default()).expect("default sandbox builds"))
}

/// A sandbox whose memory limit is 64 MiB, so memory bombs end quickly.
pub fn small_memory_sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let mut config = SandboxConfig::default();
        config.limits.memory = 64 * MIB;
        Sandbox::new(config).expect("64 MiB sandbox builds")
    })
}

/// A sandbox compiled with fuel metering.
pub fn fuel_sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let mut config = SandboxConfig::default();
        config.fuel = true;
        Sandbox::new(config).expect("fuel sandbox builds")
    })
}

/// A sandbox whose sessions get a small filesystem quota.
pub fn sandbox_with_vfs(max_bytes: u64, max_files: u64) -> Sandbox {
    let mut config = SandboxConfig::default();
    config.vfs = VfsLimits {
        max_bytes,
        max_files,
    };
    Sandbox::new(config).expect("sandbox with a small vfs quota builds")
}

/// Runs JavaScript in `session`, panicking only if the host itself fails.
pub fn js(session: &mut Session, code: &str) -> RunOutput {
    session
        .run(Language::JavaScript, code)
        .unwrap_or_else(|e| panic!("run failed on the host: {e}\ncode: {code}"))
}

/// Runs JavaScript in a fresh session of the default sandbox.
pub fn run(code: &str) -> RunOutput {
    js(&mut sandbox().session(), code)
}

/// Runs JavaScript that must succeed; returns its stdout.
pub fn run_ok(code: &str) -> String {
    let out = run(code);
    assert_ok(&out);
    out.stdout_text()
}

/// Panics with the run's output unless it exited 0.
pub fn assert_ok(out: &RunOutput) {
    assert_eq!(
        out.exit_code,
        0,
        "expected success\nstdout: {}\nstderr: {}",
        out.stdout_text(),
        out.stderr_text()
    );
}

/// The script's return value (JSON), asserting the run succeeded.
pub fn value_of(code: &str) -> serde_json::Value {
    let out = run(code);
    assert_ok(&out);
    let stdout = out.stdout_text();
    out.value
        .unwrap_or_else(|| panic!("no return value; stdout: {stdout}"))
}

/// Default limits with a different timeout.
pub fn limits_with_timeout(timeout: Duration) -> Limits {
    let mut limits = Limits::default();
    limits.timeout = Some(timeout);
    limits
}

/// A fresh, unique directory under the system temp dir (removed by the caller if it likes).
pub fn unique_temp_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "airlock-test-{tag}-{}-{nanos}-{n}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Checks that a session still works after a run was stopped: a new run succeeds and a file
/// written before the stop is intact.
pub fn assert_session_survives(session: &mut Session, file: &str, contents: &str) {
    let out = js(session, &format!("return await fs.readFile({file:?})"));
    assert_ok(&out);
    assert_eq!(
        out.value,
        Some(serde_json::Value::String(contents.to_string()))
    );
    let out = js(session, "console.log('still alive'); return 1 + 1");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "still alive\n2\n");
}
