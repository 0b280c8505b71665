//! Differential mode: runs a case under the real `bash --norc --noprofile` (with this machine's
//! GNU tools) in a fresh temporary directory standing in for `/workspace`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::Outcome;
use crate::format::Fixture;

/// Whether `bash` is on PATH.
pub fn available() -> bool {
    Command::new("bash")
        .args(["--norc", "--noprofile", "-c", "exit 0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("airlock-conf-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        // The script sees the canonical path (`pwd -P`), so rewrite that one.
        Ok(TempDir(std::fs::canonicalize(&path)?))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn materialize(dir: &Path, fixtures: &[Fixture]) -> std::io::Result<()> {
    for f in fixtures {
        match f {
            Fixture::Dir { path } => std::fs::create_dir_all(dir.join(path))?,
            Fixture::File { path, data } => {
                let full = dir.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(full, data)?;
            }
        }
    }
    Ok(())
}

/// Runs `script` under bash with `stdin`; `/workspace` in the script becomes the temporary
/// directory, and the directory's path in the output becomes `/workspace` again, so cases that
/// name their working directory compare too.
pub fn run(
    script: &str,
    stdin: &[u8],
    fixtures: &[Fixture],
    timeout: Duration,
) -> Result<Outcome, String> {
    let dir = TempDir::new().map_err(|e| format!("temporary directory: {e}"))?;
    materialize(&dir.0, fixtures).map_err(|e| format!("creating files: {e}"))?;
    let root = dir.0.to_string_lossy().into_owned();
    let script = script.replace("/workspace", &root);
    let mut child = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &script])
        .current_dir(&dir.0)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &dir.0)
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting bash: {e}"))?;
    let mut input = child.stdin.take().ok_or("no stdin pipe")?;
    let stdin = stdin.to_vec();
    // Writer and readers on their own threads, so no pipe fills up and blocks bash.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("bash did not finish within {timeout:?}"));
            }
            Err(e) => return Err(format!("waiting for bash: {e}")),
        }
    };
    let _ = writer.join();
    let unroot = |b: Vec<u8>| replace_bytes(&b, root.as_bytes(), b"/workspace");
    let stdout = unroot(out.join().unwrap_or_default());
    let stderr = unroot(err.join().unwrap_or_default());
    Ok(Outcome {
        stdout,
        stderr,
        status: exit_code(status),
    })
}

/// The status as a shell reports it: a signal's death is 128 + its number.
fn exit_code(status: std::process::ExitStatus) -> i32 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    status.code().unwrap_or(-1)
}

/// `data` with every `from` replaced by `to`, byte-wise (the output need not be UTF-8).
fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(to);
        rest = &rest[i + from.len()..];
    }
    out.extend_from_slice(rest);
    out
}
