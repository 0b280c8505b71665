//! The `airlock` host imports: output, host calls, the run request and sleeping.
//!
//! The guest passes (pointer, length) pairs into its own memory. Every length is bounded here
//! before anything is read, and a pointer outside the guest's memory ends the run as a crash
//! (only a corrupted or hostile guest does that).

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Caller, Linker, Memory};

use airlock_vfs::FileData;

use crate::fsops;
use crate::state::{HostExit, RunState, guest_memory, guest_slice};
use airlock_pipeline as tools;

const MODULE: &str = "airlock";

/// Longest operation name a guest may send; real ones are like `fs.readFile`.
const MAX_OP_BYTES: usize = 64;
/// Largest JSON argument of a host call. Arguments are paths and flags; 1 MiB is far above any
/// honest one while keeping a hostile guest from making the host parse gigabytes.
pub(crate) const MAX_ARG_BYTES: usize = 1024 * 1024;

fn memory(caller: &mut Caller<'_, RunState>) -> wasmtime::Result<Memory> {
    guest_memory(caller).ok_or_else(|| wasmtime::format_err!("the guest exports no memory"))
}

fn out_of_bounds(what: &str) -> wasmtime::Error {
    wasmtime::format_err!("guest {what} pointer out of bounds")
}

pub(crate) fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    linker.func_wrap(MODULE, "write", write)?;
    linker.func_wrap(MODULE, "call", call)?;
    linker.func_wrap(MODULE, "result", result)?;
    linker.func_wrap(
        MODULE,
        "request",
        |mut caller: Caller<'_, RunState>| -> i64 {
            let state = caller.data_mut();
            state.pending = Arc::new(state.request.clone());
            state.pending.len() as i64
        },
    )?;
    linker.func_wrap(MODULE, "sleep", sleep)?;
    linker.func_wrap(MODULE, "deadline", deadline)?;
    Ok(())
}

/// The guest's deadline check (see deadline.rs): called by QuickJS's interrupt handler every
/// few thousand jumps and calls, and by every other loop once the ticker raised the flag.
/// Ends the run if it was interrupted or its deadline has passed.
fn deadline(caller: Caller<'_, RunState>) -> wasmtime::Result<()> {
    let state = caller.data();
    // Unraised (between ticks, or an engine without deadlines): nothing to look at.
    let Some(flag) = state.flag.filter(|f| f.is_raised()) else {
        return Ok(());
    };
    flag.lower();
    if state.tools.interrupt.is_set() {
        return Err(HostExit::Interrupted.into());
    }
    // Read from the state: a human's wait for an approval moves the deadline.
    match state.deadline {
        Some(d) if Instant::now() >= d => Err(wasmtime::Trap::Interrupt.into()),
        _ => Ok(()),
    }
}

fn write(mut caller: Caller<'_, RunState>, fd: i32, ptr: u32, len: u32) -> wasmtime::Result<()> {
    let mem = memory(&mut caller)?;
    let (data, state) = mem.data_and_store_mut(&mut caller);
    let bytes = guest_slice(data, ptr, len).ok_or_else(|| out_of_bounds("output"))?;
    // The sinks keep at most their limit; the rest is only counted.
    match fd {
        1 => state.stdout.push(bytes),
        _ => state.stderr.push(bytes),
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn call(
    mut caller: Caller<'_, RunState>,
    op_ptr: u32,
    op_len: u32,
    arg_ptr: u32,
    arg_len: u32,
    data_ptr: u32,
    data_len: u32,
) -> wasmtime::Result<i64> {
    if op_len as usize > MAX_OP_BYTES {
        wasmtime::bail!("guest sent an operation name of {op_len} bytes (limit {MAX_OP_BYTES})");
    }
    let mem = memory(&mut caller)?;
    let op = guest_slice(mem.data(&caller), op_ptr, op_len)
        .ok_or_else(|| out_of_bounds("operation name"))?;
    let op = String::from_utf8_lossy(op).into_owned();
    // Oversized arguments and data are the script's mistake, not the guest's: they come back
    // as errors the script can catch, and nothing is copied.
    let max_data = usize::try_from(caller.data().vfs.limits().max_bytes).unwrap_or(usize::MAX);
    // A batch of tool calls carries several calls' arguments; the pipeline bounds each one.
    let max_arg = if op == "tool.call" {
        tools::MAX_BATCH_BYTES
    } else {
        MAX_ARG_BYTES
    };
    let refusal = if arg_len as usize > max_arg {
        // Filesystem arguments are paths and flags, so an oversized one is an over-long path.
        let code = if op.starts_with("fs.") {
            "ENAMETOOLONG"
        } else {
            "E2BIG"
        };
        let message = format!(
            "{code}: arguments of {} bytes exceed the limit of {max_arg} bytes, {op}",
            arg_len
        );
        Some(fsops::error_json(code, &message, "", &op))
    } else if data_len as usize > max_data {
        let message = format!(
            "ENOSPC: no space left on device, write of {data_len} bytes exceeds the filesystem quota of {max_data} bytes"
        );
        Some(fsops::error_json("ENOSPC", &message, "", "write"))
    } else {
        None
    };
    let (ok, payload) = match refusal {
        Some(error) => (false, Arc::new(error)),
        None => {
            // Both were bounded above; they are read in place, never copied.
            let (memory, state) = mem.data_and_store_mut(&mut caller);
            let arg = guest_slice(memory, arg_ptr, arg_len)
                .ok_or_else(|| out_of_bounds("call argument"))?;
            let data = guest_slice(memory, data_ptr, data_len)
                .ok_or_else(|| out_of_bounds("data buffer"))?;
            dispatch(state, &op, arg, data)?
        }
    };
    let state = caller.data_mut();
    let len = payload.len() as i64;
    state.pending = payload;
    Ok(if ok { len } else { -len })
}

/// Routes one host call by its operation name. An `Err` ends the run.
fn dispatch(
    state: &mut RunState,
    op: &str,
    arg: &[u8],
    data: &[u8],
) -> Result<(bool, FileData), HostExit> {
    if op.starts_with("fs.") {
        return Ok(fsops::dispatch(&mut state.vfs, op, arg, data));
    }
    let (ok, payload) = match op {
        "run.value" => {
            // The script's return value, already JSON-encoded by the guest.
            state.value = serde_json::from_slice(arg).ok();
            (true, Vec::new())
        }
        "tool.call" => {
            // The session's files go to the pipeline for the batch (the script is paused until
            // it ends): tools granted them see them as the batch began, and the changes those
            // calls make (or a replay serves) are applied to them. Moved, not copied.
            let lend = state.tools.set.wants_files() || state.tools.session.replay.is_some();
            if lend {
                let placeholder = airlock_vfs::Vfs::new(state.vfs.limits().clone());
                state.tools.vfs = Some(std::mem::replace(&mut state.vfs, placeholder));
            }
            let answer = tools::call_batch(&mut state.tools, arg, &mut state.deadline);
            if let Some(vfs) = state.tools.vfs.take() {
                state.vfs = vfs;
            }
            (true, answer?)
        }
        "tool.list" => (true, tools::list_tools(&state.tools.set)),
        "module.source" => module_source(&state.vfs, arg, state.source_bytes),
        // Snapshot time only: the instance that compiles the bundled packages.
        "package.sources" if state.compiled_packages.is_some() => {
            (true, crate::packages::sources())
        }
        "package.bytecode" if state.compiled_packages.is_some() => {
            let name = String::from_utf8_lossy(arg).into_owned();
            if let Some(compiled) = &mut state.compiled_packages {
                compiled.push((name, data.to_vec()));
            }
            (true, Vec::new())
        }
        // A `node` script's static imports made dynamic; empty when there is nothing to change.
        "script.imports" => (
            true,
            std::str::from_utf8(data)
                .ok()
                .filter(|script| script.len() <= state.source_bytes)
                .and_then(airlock_typescript::imports)
                .map(String::into_bytes)
                .unwrap_or_default(),
        ),
        op => (
            false,
            fsops::error_json(
                "ENOSYS",
                &format!("ENOSYS: unknown host operation '{op}'"),
                "",
                "call",
            ),
        ),
    };
    Ok((ok, Arc::new(payload)))
}

/// The text of a module file the script imports (`import { f } from "./lib.ts"`), as
/// JavaScript: a TypeScript file is stripped here, as a TypeScript script is. A failure is a
/// JSON error with Node's code, which the guest throws at the `import`.
fn module_source(vfs: &airlock_vfs::Vfs, arg: &[u8], limit: usize) -> (bool, Vec<u8>) {
    let Some(path) = serde_json::from_slice::<serde_json::Value>(arg)
        .ok()
        .and_then(|arg| arg["path"].as_str().map(str::to_string))
    else {
        return (
            false,
            fsops::error_json("EINVAL", "module.source needs a path", "", "import"),
        );
    };
    let failure =
        |code: &str, message: String| (false, fsops::error_json(code, &message, &path, "import"));
    let bytes = match vfs.read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return failure(
                "ERR_MODULE_NOT_FOUND",
                format!("Cannot load module '{path}': {e}"),
            );
        }
    };
    if bytes.len() > limit {
        return failure(
            "ERR_MODULE_TOO_LARGE",
            format!(
                "the module {path} is {} bytes, over the source limit of {limit} bytes\nhint: split it into smaller modules, or raise the source limit",
                bytes.len()
            ),
        );
    }
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return failure(
            "ERR_INVALID_MODULE",
            format!("the module {path} is not UTF-8 text"),
        );
    };
    let typescript = [".ts", ".mts", ".cts"]
        .iter()
        .any(|ext| path.ends_with(ext));
    if !typescript {
        return (true, bytes.to_vec());
    }
    match airlock_typescript::strip(text) {
        Ok(js) => (true, js.into_bytes()),
        Err(e) => {
            let mut message = format!(
                "SyntaxError: {} ({path}:{}:{})",
                e.message, e.line, e.column
            );
            if let Some(hint) = &e.hint {
                message.push_str(&format!("\nhint: {hint}"));
            }
            failure("ERR_INVALID_TYPESCRIPT_SYNTAX", message)
        }
    }
}

fn result(mut caller: Caller<'_, RunState>, ptr: u32, len: u32) -> wasmtime::Result<()> {
    let pending = std::mem::take(&mut caller.data_mut().pending);
    let n = pending.len().min(len as usize);
    let mem = memory(&mut caller)?;
    mem.write(&mut caller, ptr as usize, &pending[..n])
        .map_err(|_| out_of_bounds("result"))
}

fn sleep(mut caller: Caller<'_, RunState>, ms: f64) -> wasmtime::Result<()> {
    // NaN, negative and absurd values are clamped; the deadline bounds the rest.
    let ms = if ms.is_finite() {
        ms.clamp(0.0, 1e12)
    } else {
        0.0
    };
    let wanted = Duration::from_secs_f64(ms / 1000.0);
    // A virtual clock just moves: timers fire at once, in order, at the times they asked for.
    let clock = &mut caller.data_mut().tools.session.clock;
    if clock.is_virtual() {
        clock.advance(wanted);
        return Ok(());
    }
    let interrupt = &caller.data().tools.interrupt;
    let (wait, past_deadline) = match caller.data().deadline {
        Some(deadline) => {
            let now = Instant::now();
            if now + wanted >= deadline {
                (deadline.saturating_duration_since(now), true)
            } else {
                (wanted, false)
            }
        }
        None => (wanted, false),
    };
    if interrupt.sleep(wait) {
        return Err(HostExit::Interrupted.into());
    }
    if past_deadline {
        return Err(HostExit::Timeout.into());
    }
    Ok(())
}
