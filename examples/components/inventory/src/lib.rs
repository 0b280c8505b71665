//! The `inventory` example component: a fixed stock catalogue, plus one function for each
//! thing a host grants or limits (clocks, outgoing HTTP, environment, files, stdio, CPU time,
//! memory, traps), so a host's tests can call each in isolation.
//!
//! A host makes a fresh instance per call, so nothing here persists between calls.

mod catalogue;
mod getenv;
mod http;

wit_bindgen::generate!({
    world: "inventory",
    path: "wit",
    // Exported by hand, under another core name: see getenv.rs.
    skip: ["getenv"],
});

use std::hint::black_box;
use std::io::Write;

use wasi::clocks::monotonic_clock;

struct Inventory;

export!(Inventory);

const MIB: usize = 1 << 20;

impl Guest for Inventory {
    fn find(query: Lookup, limit: Option<u32>) -> Vec<Item> {
        let limit = limit.map_or(usize::MAX, |n| n as usize);
        catalogue::items()
            .into_iter()
            .filter(|item| catalogue::matches(item, &query))
            .take(limit)
            .collect()
    }

    fn restock(sku: String, amount: u32) -> Result<Item, String> {
        let mut item = catalogue::items()
            .into_iter()
            .find(|item| item.sku == sku)
            .ok_or_else(|| format!("unknown SKU: {sku}"))?;
        item.quantity = item.quantity.checked_add(amount).ok_or_else(|| {
            format!(
                "restocking {sku} by {amount} overflows its quantity ({})",
                item.quantity
            )
        })?;
        Ok(item)
    }

    fn checksum(data: Vec<u8>) -> u64 {
        const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0100_0000_01b3;
        data.iter().fold(OFFSET_BASIS, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        })
    }

    fn echo(n: u32) -> u32 {
        n
    }

    /// Returns the milliseconds that really passed on the monotonic clock (at least `ms`).
    fn nap(ms: u32) -> u32 {
        let start = monotonic_clock::now();
        let timer = monotonic_clock::subscribe_duration(u64::from(ms) * 1_000_000);
        // Blocks in the host until the timer fires; no guest CPU is spent waiting.
        wasi::io::poll::poll(&[&timer]);
        let elapsed_ns = monotonic_clock::now().saturating_sub(start);
        u32::try_from(elapsed_ns / 1_000_000).unwrap_or(u32::MAX)
    }

    fn fetch_text(url: String) -> Result<(u16, String), String> {
        http::get_text(&url)
    }

    fn read_text(path: String) -> Result<String, String> {
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))
    }

    fn write_text(path: String, text: String) -> Result<(), String> {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {path}: {e}"))
    }

    fn spin() {
        let mut counter = 0u64;
        loop {
            // black_box keeps the loop (and so the CPU time it burns) in the optimised build.
            counter = black_box(counter.wrapping_add(1));
        }
    }

    fn hog(mb: u32) -> u32 {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        for _ in 0..mb {
            let mut chunk = Vec::new();
            // try_reserve: a refused memory.grow ends the loop instead of aborting.
            if chunk.try_reserve_exact(MIB).is_err() || chunks.try_reserve(1).is_err() {
                break;
            }
            // Non-zero bytes, so every page is really written.
            chunk.resize(MIB, 0xa5);
            chunks.push(black_box(chunk));
        }
        u32::try_from(black_box(&chunks).len()).unwrap_or(u32::MAX)
    }

    fn shout(text: String) {
        // Errors writing to a closed stream are ignored: there is nowhere to report them.
        let _ = writeln!(std::io::stdout(), "{text}");
        let _ = writeln!(std::io::stderr(), "{text}");
    }

    fn divide(a: i64, b: i64) -> i64 {
        if b == 0 {
            panic!("division by zero: {a} / 0");
        }
        // i64::MIN / -1 saturates rather than overflowing.
        a.saturating_div(b)
    }
}
