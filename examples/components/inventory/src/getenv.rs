//! The `getenv` export, lifted and lowered by hand.
//!
//! wit-bindgen gives a world-level export the core symbol of its own name, and a core symbol
//! `getenv` takes the place of C's `getenv` in the linked module: std's `env::var` (and the
//! panic hook's `RUST_BACKTRACE` look-up) then call this export with C's arguments and recurse
//! until the stack runs out. The component model's standard name mangling (`cm32p2||getenv`),
//! which wit-component accepts export by export, avoids the clash.
//!
//! Canonical ABI of `getenv: func(name: string) -> option<string>`: the name arrives as
//! (pointer, length) in memory the caller allocated with `cabi_realloc`; the result is returned
//! through a pointer to 12 bytes: the discriminant (byte 0), then the string's pointer and
//! length (bytes 4 and 8). The post-return function frees both.

/// Discriminant, pointer and length, in the option<string> layout (the tag's high bytes are 0).
type RetArea = [u32; 3];

#[unsafe(export_name = "cm32p2||getenv")]
unsafe extern "C" fn export_getenv(ptr: *mut u8, len: usize) -> *mut RetArea {
    // SAFETY: the caller lowered the string into `len` bytes it allocated with cabi_realloc at
    // alignment 1 (the allocation a Vec<u8> of capacity `len` has) and hands them over to us.
    let name = unsafe { Vec::from_raw_parts(ptr, len, len) };
    let value = String::from_utf8(name)
        .ok()
        .and_then(|name| std::env::var(name).ok());
    let area = match value {
        None => [0, 0, 0],
        Some(text) => {
            let bytes = text.into_bytes().into_boxed_slice();
            let len = bytes.len() as u32;
            [1, Box::into_raw(bytes).cast::<u8>() as u32, len]
        }
    };
    Box::into_raw(Box::new(area))
}

#[unsafe(export_name = "cm32p2||getenv_post")]
unsafe extern "C" fn post_return_getenv(area: *mut RetArea) {
    // SAFETY: `area` is the box export_getenv returned; post-return runs once per call.
    let [tag, ptr, len] = *unsafe { Box::from_raw(area) };
    if tag == 1 {
        let bytes = std::ptr::slice_from_raw_parts_mut(ptr as *mut u8, len as usize);
        // SAFETY: (ptr, len) is the boxed slice export_getenv leaked for this call.
        drop(unsafe { Box::from_raw(bytes) });
    }
}
