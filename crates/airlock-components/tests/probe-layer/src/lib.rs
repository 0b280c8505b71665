//! The probe layer: a test fixture of airlock-components' layer tests. One component, loaded
//! several times with different environment grants, whose hooks do what `PROBE` says (see the
//! README). Every `before` and `after` first logs `before {tool}` / `after {tool} ok|err {code}`
//! at level info, so tests can see the order the layers ran in.

mod http;

wit_bindgen::generate!({
    // The repository's WIT, not a copy: the package's own folder is four levels down.
    path: "../../../../wit/layer",
    world: "airlock:layer/layer@0.1.0",
});

use std::hint::black_box;

use airlock::layer::log::{self, Level};
use airlock::layer::store;
use airlock::layer::types::{
    AfterAnswer, Approval, ApprovalMethod, BeforeAnswer, Call, Denial, ToolError,
};
use exports::airlock::layer::hooks::Guest;

/// The bytes the `memory` mode allocates (and writes) per step.
const MEMORY_STEP: usize = 64 << 20;

/// The store key of the `store` mode's counter.
const COUNTER: &str = "n";

struct Probe;

export!(Probe);

impl Guest for Probe {
    fn before(call: Call) -> BeforeAnswer {
        log::log(Level::Info, &format!("before {}", call.tool));
        match mode().as_str() {
            "pass" | "replace" | "fail" => BeforeAnswer::Allow,
            "deny" => BeforeAnswer::Deny(Denial {
                reason: "probe says no".into(),
                hint: Some("ask the probe".into()),
            }),
            "rewrite" => BeforeAnswer::Rewrite(var("PROBE_ARGS")),
            "garbage" => BeforeAnswer::Rewrite("{not json".into()),
            "approve" => BeforeAnswer::Approve(Approval {
                prompt: format!("Probe asks: run {}?", call.tool),
                method: ApprovalMethod::Confirm,
            }),
            "code" => BeforeAnswer::Approve(Approval {
                prompt: format!("Code for {}", call.tool),
                method: ApprovalMethod::Code,
            }),
            "trap" => {
                eprintln!("probe stderr line");
                panic!("probe trapped on purpose");
            }
            "loop" => spin(),
            "memory" => hog(),
            "http" => {
                match http::get_status(&var("PROBE_URL")) {
                    Ok(status) => log::log(Level::Warn, &format!("http {status}")),
                    Err(e) => log::log(Level::Warn, &format!("http error: {e}")),
                }
                BeforeAnswer::Allow
            }
            "env" => {
                let name = var("PROBE_ENV_NAME");
                // Only whether it is there: the value is never logged.
                let present = if std::env::var_os(&name).is_some() {
                    "present"
                } else {
                    "absent"
                };
                log::log(Level::Info, &format!("env {name}={present}"));
                BeforeAnswer::Allow
            }
            "store" => {
                match count() {
                    Ok(n) => log::log(Level::Info, &format!("store n={n}")),
                    Err(e) => log::log(Level::Error, &format!("store error: {e}")),
                }
                BeforeAnswer::Allow
            }
            other => BeforeAnswer::Deny(Denial {
                reason: format!("unknown PROBE mode {other}"),
                hint: None,
            }),
        }
    }

    fn after(call: Call, outcome: Result<String, ToolError>) -> AfterAnswer {
        let message = match &outcome {
            Ok(_) => format!("after {} ok", call.tool),
            Err(e) => format!("after {} err {}", call.tool, e.code),
        };
        log::log(Level::Info, &message);
        match mode().as_str() {
            "replace" => AfterAnswer::Replace(var("PROBE_RESULT")),
            "fail" => AfterAnswer::Fail(Denial {
                reason: "probe failed it".into(),
                hint: None,
            }),
            _ => AfterAnswer::Pass,
        }
    }

    fn verify_code(_call: Call, code: String) -> Result<(), Denial> {
        if mode() != "code" {
            return Err(Denial {
                reason: "the probe asks for no codes".into(),
                hint: None,
            });
        }
        // A missing PROBE_CODE accepts no code at all, not the empty one.
        match std::env::var("PROBE_CODE") {
            Ok(expected) if expected == code => Ok(()),
            _ => Err(Denial {
                reason: "wrong code".into(),
                hint: None,
            }),
        }
    }
}

/// `PROBE`, or `pass` without it.
fn mode() -> String {
    std::env::var("PROBE").unwrap_or_else(|_| "pass".into())
}

/// An environment variable's value, or the empty string without it.
fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Burns CPU until the host stops it.
fn spin() -> ! {
    let mut counter = 0u64;
    loop {
        // black_box keeps the loop (and so the CPU time it burns) in the optimised build.
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Allocates and writes [`MEMORY_STEP`] bytes at a time until an allocation is refused, then
/// traps (if the host has not already trapped the failed `memory.grow`).
fn hog() -> ! {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = Vec::new();
        // try_reserve: a refused memory.grow ends the loop instead of aborting in the allocator.
        if chunk.try_reserve_exact(MEMORY_STEP).is_err() || chunks.try_reserve(1).is_err() {
            let mib = black_box(&chunks).len() * (MEMORY_STEP >> 20);
            panic!("probe ran out of memory after {mib} MiB");
        }
        // Non-zero bytes, so every page is really written.
        chunk.resize(MEMORY_STEP, 0xa5);
        chunks.push(black_box(chunk));
    }
}

/// Adds one to the counter in the store with a compare-and-swap and returns its new value.
fn count() -> Result<u64, String> {
    let old = store::get(COUNTER)?;
    let n = match &old {
        None => 0,
        Some(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .ok_or_else(|| format!("key {COUNTER} is not a decimal number"))?,
    };
    let new = n + 1;
    let new_text = new.to_string();
    if store::compare_and_swap(COUNTER, old.as_deref(), Some(new_text.as_bytes()))? {
        Ok(new)
    } else {
        Err(format!("key {COUNTER} changed while it was counted"))
    }
}
