//! The guest's allocator: the system one, except that an allocation the memory limit refuses
//! stops the run at once, as a trap the host reports as the memory limit with its own message.
//! Rust's default would first print "memory allocation of N bytes failed" and a
//! `RUST_BACKTRACE` note into the script's stderr (the shell's utilities, the VFS, `jq`).
//! QuickJS allocates through libc's `malloc` and handles a refusal itself (a catchable
//! "out of memory" error), so JavaScript is not affected.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct Allocator;

/// Where allocation failed: the memory limit is reached (the host sees that it refused to grow
/// memory, and says so).
#[cold]
fn refused() -> ! {
    core::arch::wasm32::unreachable()
}

// SAFETY: every method forwards to `System` with the same arguments and returns what it
// returned; only a null (refused) allocation is turned into a trap instead of being returned.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (the caller upholds `alloc`'s contract).
        let p = unsafe { System.alloc(layout) };
        if p.is_null() {
            refused();
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if p.is_null() {
            refused();
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`, and the caller upholds `realloc`'s contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if p.is_null() {
            refused();
        }
        p
    }
}
