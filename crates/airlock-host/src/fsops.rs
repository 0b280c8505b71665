//! The `fs.*` host operations: JSON arguments in, file bytes or JSON out, errors as Node-style
//! codes. The guest's `fs` module is a thin layer over these; a guest that calls the import
//! directly gets exactly the same checks, because they all live in the VFS.

use std::sync::Arc;

use airlock_vfs::{FileData, NodeKind, Vfs, VfsError};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathArg {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MkdirArg {
    path: String,
    #[serde(default)]
    recursive: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RmArg {
    path: String,
    #[serde(default)]
    recursive: bool,
    #[serde(default)]
    force: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FromTo {
    from: String,
    to: String,
}

/// Runs one `fs.*` operation: `(true, payload)` or `(false, error JSON)`.
pub(crate) fn dispatch(vfs: &mut Vfs, op: &str, arg: &[u8], data: &[u8]) -> (bool, FileData) {
    match run(vfs, op, arg, data) {
        Ok(payload) => (true, payload),
        Err(Failure::Vfs(e)) => (false, Arc::new(vfs_error_json(&e))),
        Err(Failure::BadArgument(message)) => {
            (false, Arc::new(error_json("EINVAL", &message, "", op)))
        }
    }
}

enum Failure {
    Vfs(VfsError),
    BadArgument(String),
}

impl From<VfsError> for Failure {
    fn from(e: VfsError) -> Self {
        Self::Vfs(e)
    }
}

fn parse<'a, T: Deserialize<'a>>(op: &str, arg: &'a [u8]) -> Result<T, Failure> {
    serde_json::from_slice(arg)
        .map_err(|e| Failure::BadArgument(format!("invalid arguments for {op}: {e}")))
}

/// Runs one operation; a file's contents are shared with the filesystem, not copied, until
/// the guest fetches them.
fn run(vfs: &mut Vfs, op: &str, arg: &[u8], data: &[u8]) -> Result<FileData, Failure> {
    if op == "fs.readFile" {
        return Ok(vfs.read(&parse::<PathArg>(op, arg)?.path)?);
    }
    run_owned(vfs, op, arg, data).map(Arc::new)
}

fn run_owned(vfs: &mut Vfs, op: &str, arg: &[u8], data: &[u8]) -> Result<Vec<u8>, Failure> {
    let done = Vec::new;
    Ok(match op {
        "fs.writeFile" => {
            vfs.write(&parse::<PathArg>(op, arg)?.path, data)?;
            done()
        }
        "fs.appendFile" => {
            vfs.append(&parse::<PathArg>(op, arg)?.path, data)?;
            done()
        }
        "fs.exists" => json_bytes(&json!(vfs.exists(&parse::<PathArg>(op, arg)?.path))),
        "fs.stat" => {
            let meta = vfs.stat(&parse::<PathArg>(op, arg)?.path)?;
            json_bytes(&json!({
                "type": kind_name(meta.kind),
                "size": meta.size,
                "mtimeMs": meta.mtime_ms,
                "readonly": meta.readonly,
            }))
        }
        "fs.readdir" => {
            let entries = vfs.read_dir(&parse::<PathArg>(op, arg)?.path)?;
            let list: Vec<_> = entries
                .iter()
                .map(|e| json!({"name": e.name, "type": kind_name(e.kind)}))
                .collect();
            json_bytes(&json!(list))
        }
        "fs.mkdir" => {
            let a: MkdirArg = parse(op, arg)?;
            vfs.mkdir(&a.path, a.recursive)?;
            done()
        }
        "fs.rm" => {
            let a: RmArg = parse(op, arg)?;
            vfs.remove(&a.path, a.recursive, a.force)?;
            done()
        }
        "fs.rmdir" => {
            vfs.rmdir(&parse::<PathArg>(op, arg)?.path)?;
            done()
        }
        "fs.unlink" => {
            vfs.unlink(&parse::<PathArg>(op, arg)?.path)?;
            done()
        }
        "fs.rename" => {
            let a: FromTo = parse(op, arg)?;
            vfs.rename(&a.from, &a.to)?;
            done()
        }
        "fs.copyFile" => {
            let a: FromTo = parse(op, arg)?;
            vfs.copy_file(&a.from, &a.to)?;
            done()
        }
        _ => {
            return Err(Failure::BadArgument(format!(
                "unknown filesystem operation '{op}'"
            )));
        }
    })
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::File => "file",
        NodeKind::Dir => "dir",
    }
}

fn json_bytes(value: &serde_json::Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn vfs_error_json(e: &VfsError) -> Vec<u8> {
    json_bytes(&json!({
        "code": e.code.as_str(),
        "message": e.to_string(),
        "path": e.path,
        "syscall": e.syscall,
        "errno": e.code.errno(),
    }))
}

/// An error payload in the shape the guest's `fs` module turns into an `Error`.
pub(crate) fn error_json(code: &str, message: &str, path: &str, syscall: &str) -> Vec<u8> {
    json_bytes(&json!({"code": code, "message": message, "path": path, "syscall": syscall}))
}
