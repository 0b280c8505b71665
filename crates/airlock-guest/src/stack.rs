//! A stack limit for QuickJS, so deep recursion is a catchable
//! `RangeError: Maximum call stack size exceeded` as in Node instead of a trap that ends the run.
//!
//! QuickJS checks its stack on every call and in every recursive C routine (the parser,
//! `JSON.stringify`, regexps) against `rt->stack_limit`, but on WASI it forces that limit to
//! zero (no limit): the field is private and no API sets it there. The guest sets it once, at
//! initialisation (the value is snapshotted with the heap): it finds the runtime's
//! `stack_size`, `stack_top`, `stack_limit` words by setting a sentinel stack size through the
//! public API, then writes the limit itself. The shadow stack QuickJS measures (C locals and
//! arguments in linear memory) is 4 MiB (see .cargo/config.toml); the limit leaves room below
//! it, and is reached before the host's native wasm stack limit for ordinary JavaScript
//! recursion, which therefore stays the backstop (exit 139) for what QuickJS does not check.

use rquickjs::{Ctx, qjs};

/// Bytes of shadow stack JavaScript may use below where the runtime was created.
pub const JS_STACK_BYTES: usize = 2560 * 1024;

/// A stack size no runtime would be given, to find the field by.
const SENTINEL: usize = 0x5AFE_57AC;

/// How far into the runtime structure the words are looked for.
const SCAN_WORDS: usize = 1024;

/// Sets the limit; `false` if the runtime's layout was not recognised (the limit stays off).
pub fn limit(ctx: &Ctx<'_>) -> bool {
    // SAFETY: `ctx` is live; JS_GetRuntime and JS_SetMaxStackSize only read and write the
    // runtime it belongs to.
    let rt = unsafe { qjs::JS_GetRuntime(ctx.as_raw().as_ptr()) };
    unsafe { qjs::JS_SetMaxStackSize(rt, SENTINEL as qjs::size_t) };
    let words = rt.cast::<usize>();
    for i in 0..SCAN_WORDS - 2 {
        // SAFETY: the runtime structure is larger than the words up to its stack fields, which
        // come long before SCAN_WORDS; reads stop at the first match, within the structure.
        // Linear memory cannot fault on a read in any case.
        let (size, top, lim) = unsafe {
            (
                words.add(i).read_volatile(),
                words.add(i + 1).read_volatile(),
                words.add(i + 2).read_volatile(),
            )
        };
        if size == SENTINEL && lim == 0 && top > JS_STACK_BYTES {
            // SAFETY: the three words are the runtime's `stack_size`, `stack_top` and
            // `stack_limit` (found above); writing them is what JS_SetMaxStackSize does on
            // other targets.
            unsafe {
                words.add(i).write_volatile(JS_STACK_BYTES);
                words.add(i + 2).write_volatile(top - JS_STACK_BYTES);
            }
            return true;
        }
    }
    // Not found: put the size back as it was (no limit), and say so.
    unsafe { qjs::JS_SetMaxStackSize(rt, 0) };
    false
}
