//! The native functions the prelude builds on, installed as `globalThis.__airlock_host`.
//!
//! The prelude captures the object and deletes the global, so user code never sees it. Each
//! function is a thin bridge to a host import or to fast Rust code (UTF-8, randomness).

use std::cell::Cell;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rquickjs::{Array, ArrayBuffer, Ctx, Exception, Function, Object, Result, Value};

use crate::host;

thread_local! {
    /// splitmix64 state; reseeded by the host at the start of every run, because a pre-initialised
    /// snapshot would otherwise give every run the same sequence.
    static RNG: Cell<u64> = const { Cell::new(0x9E37_79B9_7F4A_7C15) };
    /// Origin of the monotonic clock, reset per run.
    static ORIGIN: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Reseeds the generator and restarts the monotonic clock for a new run.
pub fn reset(seed: u64) {
    RNG.with(|r| r.set(seed));
    ORIGIN.with(|o| o.set(Some(Instant::now())));
}

pub fn next_u64() -> u64 {
    RNG.with(|r| {
        let mut z = r.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        r.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

/// Borrows the bytes of an ArrayBuffer, a typed array or a DataView.
pub fn bytes_of<'js>(value: &Value<'js>) -> Option<Vec<u8>> {
    let obj = value.as_object()?;
    if let Some(ab) = ArrayBuffer::from_object(obj.clone()) {
        // SAFETY: the bytes are copied out before any JS code can run and detach the buffer.
        return unsafe { ab.as_bytes() }.map(<[u8]>::to_vec);
    }
    // Typed arrays and DataView: a view (buffer, byteOffset, byteLength) on an ArrayBuffer.
    let buffer: ArrayBuffer = obj.get("buffer").ok()?;
    let offset: usize = obj.get("byteOffset").ok()?;
    let len: usize = obj.get("byteLength").ok()?;
    // SAFETY: as above, copied out at once.
    unsafe { buffer.as_bytes() }?
        .get(offset..offset.checked_add(len)?)
        .map(<[u8]>::to_vec)
}

/// Installs `__airlock_host` on the global object.
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let host_obj = Object::new(ctx.clone())?;

    host_obj.set(
        "write",
        Function::new(
            ctx.clone(),
            |fd: i32, text: rquickjs::String| -> Result<()> {
                crate::node::write(fd, text.to_string()?.as_bytes());
                Ok(())
            },
        )?,
    )?;

    host_obj.set("call", Function::new(ctx.clone(), call)?)?;
    host_obj.set(
        "requirePackage",
        Function::new(ctx.clone(), crate::modules::require)?,
    )?;
    host_obj.set("callText", Function::new(ctx.clone(), call_text)?)?;
    host_obj.set("shell", Function::new(ctx.clone(), shell)?)?;
    host_obj.set(
        "exit",
        Function::new(ctx.clone(), |ctx: Ctx<'_>, id: u32, status: i32| {
            crate::node::exit(ctx, id, status)
        })?,
    )?;

    host_obj.set("utf8Encode", Function::new(ctx.clone(), utf8_encode)?)?;

    host_obj.set(
        "utf8Decode",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'_>, buf: Value<'_>, fatal: rquickjs::function::Opt<bool>| {
                let Some(bytes) = bytes_of(&buf) else {
                    return Err(Exception::throw_type(
                        &ctx,
                        "The \"input\" argument must be an ArrayBuffer or ArrayBufferView",
                    ));
                };
                if fatal.0.unwrap_or(false) {
                    String::from_utf8(bytes).map_err(|_| {
                        Exception::throw_type(
                            &ctx,
                            "The encoded data was not valid for encoding utf-8",
                        )
                    })
                } else {
                    Ok(String::from_utf8_lossy(&bytes).into_owned())
                }
            },
        )?,
    )?;

    host_obj.set(
        "random",
        Function::new(ctx.clone(), || {
            (next_u64() >> 11) as f64 / (1u64 << 53) as f64
        })?,
    )?;

    host_obj.set("randomBytes", Function::new(ctx.clone(), random_bytes)?)?;
    host_obj.set("hash", Function::new(ctx.clone(), hash)?)?;

    host_obj.set(
        "now",
        Function::new(ctx.clone(), || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        })?,
    )?;

    host_obj.set(
        "monotonic",
        Function::new(ctx.clone(), || {
            ORIGIN.with(|o| {
                o.get()
                    .map(|t| t.elapsed().as_secs_f64() * 1000.0)
                    .unwrap_or(0.0)
            })
        })?,
    )?;

    ctx.globals().set("__airlock_host", host_obj)
}

fn call<'js>(
    ctx: Ctx<'js>,
    op: String,
    arg: String,
    data: rquickjs::function::Opt<Value<'js>>,
) -> Result<Array<'js>> {
    let data = data.0.as_ref().and_then(bytes_of).unwrap_or_default();
    let (ok, payload) = match host::call(&op, arg.as_bytes(), &data) {
        Ok(p) => (true, p),
        Err(p) => (false, p),
    };
    let out = Array::new(ctx.clone())?;
    out.set(0, ok)?;
    out.set(1, ArrayBuffer::new(ctx, payload)?)?;
    Ok(out)
}

/// A host call whose answer is text (JSON), returned as a string: `[ok, text]`. Saves the
/// ArrayBuffer and the decoding step on the hot path of tool calls.
fn call_text<'js>(ctx: Ctx<'js>, op: String, arg: String) -> Result<Array<'js>> {
    let (ok, payload) = match host::call(&op, arg.as_bytes(), &[]) {
        Ok(p) => (true, p),
        Err(p) => (false, p),
    };
    let text = match String::from_utf8(payload) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let out = Array::new(ctx.clone())?;
    out.set(0, ok)?;
    out.set(1, rquickjs::String::from_str(ctx, &text)?)?;
    Ok(out)
}

/// Runs a shell script on the same filesystem: `[status, stdout, stderr]`.
fn shell<'js>(
    ctx: Ctx<'js>,
    script: String,
    stdin: rquickjs::function::Opt<String>,
) -> Result<Array<'js>> {
    let stdin = stdin.0.unwrap_or_default();
    // The shell may run `node`, which runs JavaScript in this context, which is busy here.
    let reentry = crate::node::Reentry::enter(&ctx);
    let out = crate::shell::capture(&script, stdin.as_bytes());
    drop(reentry);
    let array = Array::new(ctx.clone())?;
    array.set(0, out.status)?;
    array.set(1, String::from_utf8_lossy(&out.stdout).into_owned())?;
    array.set(2, String::from_utf8_lossy(&out.stderr).into_owned())?;
    Ok(array)
}

fn utf8_encode<'js>(ctx: Ctx<'js>, s: rquickjs::String<'js>) -> Result<ArrayBuffer<'js>> {
    ArrayBuffer::new(ctx, s.to_string()?.into_bytes())
}

/// The digest of `data` (an ArrayBuffer or a view) by `algorithm` (md5, sha1, sha224, sha256,
/// sha384, sha512); `null` for an algorithm it does not know.
fn hash<'js>(ctx: Ctx<'js>, algorithm: String, data: Value<'js>) -> Result<Value<'js>> {
    use sha2::Digest as _;
    let Some(bytes) = bytes_of(&data) else {
        return Err(rquickjs::Exception::throw_type(
            &ctx,
            "hash: the data must be an ArrayBuffer or a typed array",
        ));
    };
    let digest: Vec<u8> = match algorithm.as_str() {
        "md5" => md5::Md5::digest(&bytes).to_vec(),
        "sha1" => sha1::Sha1::digest(&bytes).to_vec(),
        "sha224" => sha2::Sha224::digest(&bytes).to_vec(),
        "sha256" => sha2::Sha256::digest(&bytes).to_vec(),
        "sha384" => sha2::Sha384::digest(&bytes).to_vec(),
        "sha512" => sha2::Sha512::digest(&bytes).to_vec(),
        _ => return Ok(Value::new_null(ctx)),
    };
    Ok(ArrayBuffer::new(ctx, digest)?.into_value())
}

fn random_bytes<'js>(ctx: Ctx<'js>, n: usize) -> Result<ArrayBuffer<'js>> {
    // `n` comes from the prelude's typed array length, which QuickJS bounds by the heap limit.
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        out.extend_from_slice(&next_u64().to_le_bytes());
    }
    out.truncate(n);
    ArrayBuffer::new(ctx, out)
}
