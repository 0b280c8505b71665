//! The shell inside the guest: its [`System`] reaches the host's filesystem, clock and tools
//! through the same host calls as JavaScript's `fs`, so every check stays on the host.

use std::rc::Rc;

use airlock_shell::{DirEntry, FileInfo, FsError, Input, JsOutput, JsRun, Output, Shell, System};
use serde_json::{Value, json};

use crate::host;

/// The host, as the shell sees it.
#[derive(Debug, Default)]
pub struct GuestSystem;

fn error_of(payload: &[u8]) -> FsError {
    let value: Value = serde_json::from_slice(payload).unwrap_or(Value::Null);
    FsError::new(
        value.get("code").and_then(Value::as_str).unwrap_or("EIO"),
        value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("host call failed"),
    )
}

fn fs_call(op: &str, arg: &Value, data: &[u8]) -> Result<Vec<u8>, FsError> {
    host::call(op, arg.to_string().as_bytes(), data).map_err(|e| error_of(&e))
}

impl System for GuestSystem {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError> {
        fs_call("fs.readFile", &json!({ "path": path }), &[])
    }

    fn write_file(&self, path: &str, data: &[u8], append: bool) -> Result<(), FsError> {
        let op = if append {
            "fs.appendFile"
        } else {
            "fs.writeFile"
        };
        fs_call(op, &json!({ "path": path }), data).map(drop)
    }

    fn stat(&self, path: &str) -> Result<FileInfo, FsError> {
        let bytes = fs_call("fs.stat", &json!({ "path": path }), &[])?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(FileInfo {
            is_dir: v.get("type").and_then(Value::as_str) == Some("dir"),
            size: v.get("size").and_then(Value::as_u64).unwrap_or(0),
            mtime_ms: v.get("mtimeMs").and_then(Value::as_u64).unwrap_or(0),
            readonly: v.get("readonly").and_then(Value::as_bool).unwrap_or(false),
        })
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let bytes = fs_call("fs.readdir", &json!({ "path": path }), &[])?;
        let list: Vec<Value> = serde_json::from_slice(&bytes).unwrap_or_default();
        Ok(list
            .iter()
            .filter_map(|e| {
                Some(DirEntry {
                    name: e.get("name")?.as_str()?.to_string(),
                    is_dir: e.get("type").and_then(Value::as_str) == Some("dir"),
                })
            })
            .collect())
    }

    fn mkdir(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        fs_call(
            "fs.mkdir",
            &json!({ "path": path, "recursive": recursive }),
            &[],
        )
        .map(drop)
    }

    fn remove(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        fs_call(
            "fs.rm",
            &json!({ "path": path, "recursive": recursive }),
            &[],
        )
        .map(drop)
    }

    fn rename(&self, from: &str, to: &str) -> Result<(), FsError> {
        fs_call("fs.rename", &json!({ "from": from, "to": to }), &[]).map(drop)
    }

    fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        fs_call("fs.copyFile", &json!({ "from": from, "to": to }), &[]).map(drop)
    }

    fn now_ms(&self) -> u64 {
        // The WASI clock is the host's (virtual in deterministic runs).
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    }

    fn sleep_ms(&self, ms: u64) {
        host::sleep(ms as f64);
    }

    fn call_tool(&self, name: &str, args_json: &str) -> Result<String, (String, String)> {
        let batch = format!("[{{\"tool\":{},\"args\":{args_json}}}]", Value::from(name));
        let answer = host::call("tool.call", batch.as_bytes(), &[]);
        let payload = match answer {
            Ok(p) => p,
            Err(e) => {
                let err = error_of(&e);
                return Err((err.code, err.message));
            }
        };
        let outcomes: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
        let outcome = outcomes.get(0).unwrap_or(&outcomes);
        if outcome.get("ok").and_then(Value::as_bool) == Some(true) {
            Ok(outcome.get("value").unwrap_or(&Value::Null).to_string())
        } else {
            Err((
                outcome
                    .get("code")
                    .and_then(Value::as_str)
                    .unwrap_or("EIO")
                    .to_string(),
                outcome
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("the tool call failed")
                    .to_string(),
            ))
        }
    }

    fn list_tools(&self) -> String {
        host::call("tool.list", b"", &[])
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_else(|_| "[]".to_string())
    }

    fn run_js(&self, run: &JsRun<'_>) -> Option<JsOutput> {
        Some(crate::node::run(run))
    }

    fn random_u64(&self) -> u64 {
        crate::natives::next_u64()
    }
}

/// Runs a shell script with the run's stdout and stderr; returns its exit status.
pub fn run_script(script: &str, filename: &str) -> i32 {
    let mut shell = Shell::new(Rc::new(GuestSystem));
    shell.set_args(filename, Vec::new());
    let stdout = Output::func(Rc::new(|b: &[u8]| host::write(1, b)));
    let stderr = Output::func(Rc::new(|b: &[u8]| host::write(2, b)));
    shell.run(script, Input::empty(), stdout, stderr)
}

/// Runs a script and captures what it prints (for JavaScript's `shell()`).
pub fn capture(script: &str, stdin: &[u8]) -> airlock_shell::Captured {
    let mut shell = Shell::new(Rc::new(GuestSystem));
    shell.run_captured(script, stdin)
}
