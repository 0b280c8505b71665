//! A minimal `wasi_snapshot_preview1`: exactly what the guest's libc needs, nothing ambient.
//!
//! The guest needs output, clocks, randomness and exit from WASI; it gets no filesystem,
//! environment, arguments or sockets (files go through the `airlock` imports to the host VFS).
//! Writing these few functions by hand gives the host full control over each one (bounded
//! output, host clocks, seeded randomness) and keeps `wasmtime-wasi` out of the build. Any other
//! WASI function the guest imports answers `ENOSYS`.

use wasmtime::{Caller, FuncType, Linker, Module, Val, ValType};

use crate::state::{HostExit, RunState, guest_memory, guest_slice};

const MODULE: &str = "wasi_snapshot_preview1";

const ERRNO_SUCCESS: i32 = 0;
const ERRNO_BADF: i32 = 8;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;
const ERRNO_NOSYS: i32 = 52;
const ERRNO_SPIPE: i32 = 70;

/// `fd_write` gathers at most this many buffers per call (Linux's IOV_MAX), so a hostile iovec
/// count cannot make the host loop for long.
const MAX_IOVS: u32 = 1024;

/// Bytes `random_get` fills per call; libc asks for a few bytes at a time.
const MAX_RANDOM_BYTES: u32 = 64 * 1024;

fn write_bytes(caller: &mut Caller<'_, RunState>, ptr: i32, bytes: &[u8]) -> i32 {
    let Some(mem) = guest_memory(caller) else {
        return ERRNO_FAULT;
    };
    match mem.write(caller, ptr as u32 as usize, bytes) {
        Ok(()) => ERRNO_SUCCESS,
        Err(_) => ERRNO_FAULT,
    }
}

/// The functions [`add_to_linker`] implements.
const DEFINED: &[&str] = &[
    "fd_write",
    "clock_time_get",
    "random_get",
    "proc_exit",
    "sched_yield",
    "environ_sizes_get",
    "args_sizes_get",
    "environ_get",
    "args_get",
    "fd_close",
    "fd_seek",
    "fd_fdstat_get",
];

/// Adds the WASI functions the guest uses to `linker`, and `ENOSYS` stubs for any other WASI
/// import `module` has.
pub(crate) fn add_to_linker(
    linker: &mut Linker<RunState>,
    module: &Module,
) -> wasmtime::Result<()> {
    linker.func_wrap(MODULE, "fd_write", fd_write)?;
    linker.func_wrap(MODULE, "clock_time_get", clock_time_get)?;
    linker.func_wrap(MODULE, "random_get", random_get)?;
    linker.func_wrap(MODULE, "proc_exit", |code: i32| -> wasmtime::Result<()> {
        Err(HostExit::Exit(code).into())
    })?;
    linker.func_wrap(MODULE, "sched_yield", || ERRNO_SUCCESS)?;
    for sizes in ["environ_sizes_get", "args_sizes_get"] {
        linker.func_wrap(
            MODULE,
            sizes,
            |mut caller: Caller<'_, RunState>, count: i32, size: i32| match write_bytes(
                &mut caller,
                count,
                &0u32.to_le_bytes(),
            ) {
                ERRNO_SUCCESS => write_bytes(&mut caller, size, &0u32.to_le_bytes()),
                errno => errno,
            },
        )?;
    }
    for get in ["environ_get", "args_get"] {
        linker.func_wrap(MODULE, get, |_: i32, _: i32| ERRNO_SUCCESS)?;
    }
    linker.func_wrap(MODULE, "fd_close", |_: i32| ERRNO_BADF)?;
    linker.func_wrap(MODULE, "fd_seek", |fd: i32, _: i64, _: i32, _: i32| {
        if (0..=2).contains(&fd) {
            ERRNO_SPIPE
        } else {
            ERRNO_BADF
        }
    })?;
    linker.func_wrap(MODULE, "fd_fdstat_get", fd_fdstat_get)?;
    define_missing_as_nosys(linker, module)
}

fn fd_write(mut caller: Caller<'_, RunState>, fd: i32, iovs: i32, count: i32, written: i32) -> i32 {
    if fd != 1 && fd != 2 {
        return ERRNO_BADF;
    }
    let count = count as u32;
    if count > MAX_IOVS {
        return ERRNO_INVAL;
    }
    let Some(mem) = guest_memory(&mut caller) else {
        return ERRNO_FAULT;
    };
    let (data, state) = mem.data_and_store_mut(&mut caller);
    let mut total: u32 = 0;
    for i in 0..count {
        let Some(iov) = (iovs as u32)
            .checked_add(i * 8)
            .and_then(|at| guest_slice(data, at, 8))
        else {
            return ERRNO_FAULT;
        };
        let ptr = u32::from_le_bytes([iov[0], iov[1], iov[2], iov[3]]);
        let len = u32::from_le_bytes([iov[4], iov[5], iov[6], iov[7]]);
        let Some(bytes) = guest_slice(data, ptr, len) else {
            return ERRNO_FAULT;
        };
        let sink = if fd == 1 {
            &mut state.stdout
        } else {
            &mut state.stderr
        };
        sink.push(bytes);
        total = total.saturating_add(len);
    }
    write_bytes(&mut caller, written, &total.to_le_bytes())
}

fn clock_time_get(mut caller: Caller<'_, RunState>, id: i32, _precision: i64, out: i32) -> i32 {
    let clock = &caller.data().tools.session.clock;
    let nanos = match id {
        0 => clock.unix().as_nanos() as u64,
        1..=3 => clock.monotonic().as_nanos() as u64,
        _ => return ERRNO_INVAL,
    };
    write_bytes(&mut caller, out, &nanos.to_le_bytes())
}

fn random_get(mut caller: Caller<'_, RunState>, buf: i32, len: i32) -> i32 {
    let len = len as u32;
    if len > MAX_RANDOM_BYTES {
        return ERRNO_INVAL;
    }
    let mut bytes = Vec::with_capacity(len as usize + 8);
    while bytes.len() < len as usize {
        let state = caller.data_mut();
        state.rng = splitmix64(state.rng);
        bytes.extend_from_slice(&state.rng.to_le_bytes());
    }
    bytes.truncate(len as usize);
    write_bytes(&mut caller, buf, &bytes)
}

/// One step of splitmix64: a fast, well-mixed generator for seeding.
pub(crate) fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fd_fdstat_get(mut caller: Caller<'_, RunState>, fd: i32, out: i32) -> i32 {
    if !(0..=2).contains(&fd) {
        return ERRNO_BADF;
    }
    // struct fdstat { u8 filetype; u16 flags; u64 rights_base; u64 rights_inheriting }:
    // a character device that can be read (stdin) or written (stdout, stderr).
    let mut stat = [0u8; 24];
    stat[0] = 2;
    let rights: u64 = if fd == 0 { 1 << 1 } else { 1 << 6 };
    stat[8..16].copy_from_slice(&rights.to_le_bytes());
    write_bytes(&mut caller, out, &stat)
}

fn define_missing_as_nosys(linker: &mut Linker<RunState>, module: &Module) -> wasmtime::Result<()> {
    let engine = module.engine().clone();
    for import in module.imports() {
        if import.module() != MODULE {
            continue;
        }
        let Some(ty) = import.ty().func().cloned() else {
            continue;
        };
        if DEFINED.contains(&import.name()) {
            continue;
        }
        let returns_errno =
            ty.results().len() == 1 && matches!(ty.results().next(), Some(ValType::I32));
        let ty = FuncType::new(&engine, ty.params(), ty.results());
        let name = import.name().to_string();
        linker.func_new(MODULE, import.name(), ty, move |_, _, results| {
            if returns_errno {
                results[0] = Val::I32(ERRNO_NOSYS);
                Ok(())
            } else {
                wasmtime::bail!("the sandbox does not provide WASI `{name}`")
            }
        })?;
    }
    Ok(())
}
