//! One run: evaluate the user's script, drive the event loop, print the result.

use std::cell::RefCell;

use rquickjs::context::EvalOptions;
use rquickjs::promise::PromiseState;
use rquickjs::{Context, Ctx, Function, Object, Persistent, Promise, Runtime, Value};

use crate::{host, natives, node};

/// The prelude: console, timers, fs, encoders, URL and the formatting helpers.
const PRELUDE: &str = include_str!("prelude.js");
const PRELUDE_NAME: &str = "airlock:prelude";

/// The user's code runs inside an async function, so top-level `await` and `return` both work.
/// The prefix stays on the user's first line so that line numbers in traces are theirs.
const PREFIX: &str = "(async () => {";
const SUFFIX: &str = "\n})()";

/// Linear memory kept back from the JS heap limit for the Rust side (buffers, host results),
/// so that running out of JS heap is a catchable `out of memory` error rather than a trap.
const RESERVE_BYTES: u64 = 2 * 1024 * 1024;

/// Exit codes decided by the guest (the host adds its own for traps).
pub(crate) const EXIT_ERROR: i32 = 1;
pub(crate) const EXIT_UNSETTLED: i32 = 13;
const EXIT_OOM: i32 = 137;

/// Request flag: report the script line of each tool call.
const FLAG_CALL_LINES: u32 = 1;
/// Request flag: the script is a shell script.
const FLAG_SHELL: u32 = 2;

struct Engine {
    runtime: Runtime,
    context: Context,
    helpers: Persistent<Object<'static>>,
}

/// A rejected promise nobody handled (yet), with its reason and the `node` depth it was
/// rejected at (0 outside `node`): a nested run answers only for its own.
type Rejection = (
    Persistent<Value<'static>>,
    Persistent<Value<'static>>,
    usize,
);

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// Rejections without a handler; like Node, one still unhandled once the microtasks have
    /// run ends the script with exit code 1 instead of vanishing silently.
    static UNHANDLED: RefCell<Vec<Rejection>> = const { RefCell::new(Vec::new()) };
}

fn track_rejection<'js>(ctx: Ctx<'js>, promise: Value<'js>, reason: Value<'js>, handled: bool) {
    UNHANDLED.with(|list| {
        let mut list = list.borrow_mut();
        if handled {
            list.retain(|(p, _, _)| {
                p.clone()
                    .restore(&ctx)
                    .map(|p| p != promise)
                    .unwrap_or(false)
            });
        } else {
            list.push((
                Persistent::save(&ctx, promise),
                Persistent::save(&ctx, reason),
                node::depth(),
            ));
        }
    });
}

/// The reason of the oldest rejection still unhandled at `depth` or deeper, if any.
fn take_unhandled<'js>(ctx: &Ctx<'js>, depth: usize) -> Option<Value<'js>> {
    let first = UNHANDLED.with(|list| {
        let mut list = list.borrow_mut();
        let at = list.iter().position(|r| r.2 >= depth)?;
        Some(list.remove(at))
    })?;
    first.1.restore(ctx).ok()
}

/// Drops the unhandled rejections of a `node` run at `depth` that has ended.
pub(crate) fn forget_unhandled(depth: usize) {
    UNHANDLED.with(|list| list.borrow_mut().retain(|r| r.2 < depth));
}

pub fn initialize() {
    let Ok(runtime) = Runtime::new() else {
        host::write(2, b"airlock: could not create the JavaScript runtime\n");
        return;
    };
    runtime.set_host_promise_rejection_tracker(Some(Box::new(track_rejection)));
    // The interpreter's deadline check: the host ends the run from inside the call when its
    // time is up, so the handler never has to ask QuickJS to throw.
    runtime.set_interrupt_handler(Some(Box::new(|| {
        host::deadline();
        false
    })));
    let Ok(context) = Context::full(&runtime) else {
        host::write(2, b"airlock: could not create the JavaScript context\n");
        return;
    };
    let helpers = context.with(|ctx| -> rquickjs::Result<_> {
        // Deep recursion becomes a catchable RangeError; without it (an unknown runtime layout)
        // the host's wasm stack limit still ends such a run, with exit code 139.
        if !crate::stack::limit(&ctx) {
            host::write(
                2,
                b"airlock: warning: no JavaScript stack limit; deep recursion ends the run\n",
            );
        }
        natives::install(&ctx)?;
        let mut opts = EvalOptions::default();
        opts.global = true;
        opts.filename = Some(PRELUDE_NAME.into());
        ctx.eval_with_options::<(), _>(PRELUDE, opts)
            .map_err(|e| report_init_error(&ctx, "prelude", e))?;
        let helpers: Object = ctx.globals().get("__airlock")?;
        Ok(Persistent::save(&ctx, helpers))
    });
    crate::modules::install(&runtime);
    match helpers {
        Ok(helpers) => ENGINE.with(|e| {
            *e.borrow_mut() = Some(Engine {
                runtime,
                context,
                helpers,
            });
        }),
        Err(_) => host::write(2, b"airlock: the prelude failed to load\n"),
    }
}

/// Says on stderr why `what` failed at snapshot time (the host reports what the guest wrote
/// there), and hands the error on.
pub(crate) fn report_init_error(ctx: &Ctx<'_>, what: &str, e: rquickjs::Error) -> rquickjs::Error {
    let msg = if e.is_exception() {
        format!("{:?}", ctx.catch())
    } else {
        e.to_string()
    };
    host::write(2, format!("airlock: {what}: {msg}\n").as_bytes());
    e
}

pub fn run() -> i32 {
    let request = host::request();
    natives::reset(request.seed);
    ENGINE.with(|engine| {
        if let Some(engine) = engine.borrow().as_ref() {
            let heap = js_heap_limit(request.memory_limit);
            engine.runtime.set_memory_limit(heap);
            // QuickJS starts collecting at 256 KiB and then at 1.5x what survived; building a
            // tool result's worth of objects would collect a dozen times on the way. A first
            // threshold of 8 MiB (less under a small memory limit) takes 15-20% off such runs.
            engine.runtime.set_gc_threshold((heap / 8).min(8 << 20));
        }
    });
    if request.flags & FLAG_SHELL != 0 {
        // The shell's `node` runs JavaScript in this run's context: it gets the run's tools.
        let _ = with_engine(|_, helpers| reset(helpers, &request));
        return crate::shell::run_script(&request.code, &request.filename);
    }
    with_engine(|ctx, helpers| execute(ctx, helpers, &request)).unwrap_or_else(|| {
        host::write(2, b"airlock: the guest was not initialised\n");
        EXIT_ERROR
    })
}

/// Runs `f` in the context, with the prelude's control object. Takes the runtime's lock, so it
/// must not be called while JavaScript runs (see [`crate::node`]); `None` if the guest was not
/// initialised.
pub(crate) fn with_engine<R>(f: impl for<'js> FnOnce(&Ctx<'js>, &Object<'js>) -> R) -> Option<R> {
    ENGINE.with(|engine| {
        let engine = engine.borrow();
        let engine = engine.as_ref()?;
        engine.context.with(|ctx| {
            let helpers = engine.helpers.clone().restore(&ctx).ok()?;
            Some(f(&ctx, &helpers))
        })
    })
}

/// The prelude's control object, for a context already in use.
pub(crate) fn helpers<'js>(ctx: &Ctx<'js>) -> Option<Object<'js>> {
    ENGINE.with(|engine| {
        let engine = engine.borrow();
        engine.as_ref()?.helpers.clone().restore(ctx).ok()
    })
}

/// Starts the run's per-run prelude state: script name, tools, timers.
fn reset(helpers: &Object<'_>, request: &host::Request) {
    if let Ok(reset) = helpers.get::<_, Function>("reset") {
        let _ = reset.call::<_, ()>((
            request.filename.as_str(),
            PREFIX.len(),
            request.tools.clone(),
            request.flags & FLAG_CALL_LINES != 0,
        ));
    }
}

/// The JS heap may use what the memory limit leaves after the memory already in use.
fn js_heap_limit(memory_limit: u64) -> usize {
    let in_use = (core::arch::wasm32::memory_size(0) as u64) * 65536;
    let limit = memory_limit
        .saturating_sub(in_use)
        .saturating_sub(RESERVE_BYTES);
    usize::try_from(limit.max(1024 * 1024)).unwrap_or(usize::MAX)
}

fn execute<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>, request: &host::Request) -> i32 {
    reset(helpers, request);
    UNHANDLED.with(|list| list.borrow_mut().clear());
    node::take_top_exit();
    // A `#!` line is valid only at the very start of a script; inside the wrapper it becomes a
    // comment, keeping every line number the user's.
    let (comment, code) = match request.code.strip_prefix("#!") {
        Some(rest) => ("//", rest),
        None => ("", request.code.as_str()),
    };
    let source = format!("{PREFIX}{comment}{code}{SUFFIX}");
    let mut opts = EvalOptions::default();
    opts.global = true;
    opts.strict = false;
    opts.filename = Some(request.filename.clone());
    let promise: Promise = match ctx.eval_with_options(source, opts) {
        Ok(p) => p,
        Err(e) => {
            let reason = caught(ctx, e);
            return node::take_top_exit().unwrap_or_else(|| uncaught(helpers, reason));
        }
    };
    // The top-level promise is inspected below; a handler keeps it off the unhandled list.
    mark_handled(ctx, &promise);
    let stopped = event_loop(ctx, helpers, 0);
    // `process.exit(status)`: the script ends there, with that status and no value.
    if let Some(status) = node::take_top_exit() {
        return status;
    }
    if let Some(reason) = stopped {
        return uncaught(helpers, reason);
    }
    if helpers.get::<_, bool>("failed").unwrap_or(false) {
        return EXIT_ERROR;
    }
    match promise.state() {
        PromiseState::Resolved => {
            let value: Value = promise
                .result()
                .and_then(Result::ok)
                .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            report_value(ctx, &value);
            print_value(helpers, value);
            0
        }
        PromiseState::Rejected => {
            let reason = match promise.result::<Value>() {
                Some(Err(e)) => caught(ctx, e),
                Some(Ok(v)) => v,
                None => Value::new_undefined(ctx.clone()),
            };
            uncaught(helpers, reason)
        }
        PromiseState::Pending => {
            host::write(
                2,
                b"Warning: the script's top-level promise never settled (it awaits something that \
                  can no longer happen)\n",
            );
            EXIT_UNSETTLED
        }
    }
}

/// Gives `promise` a handler that does nothing, so that its rejection is not reported as
/// unhandled: its owner inspects it.
pub(crate) fn mark_handled<'js>(ctx: &Ctx<'js>, promise: &Promise<'js>) {
    if let Ok(catch) = promise.catch() {
        let noop = Function::new(ctx.clone(), || ());
        if let Ok(noop) = noop {
            let _ = catch.call::<_, Value>((rquickjs::function::This(promise.clone()), noop));
        }
    }
}

/// Runs microtasks until none are left, then hands the queued tool calls to the host as one
/// batch, then fires the earliest timer, until nothing is pending. Stops early with the reason
/// of a promise rejection nobody handled at `depth` (the `node` depth of the run, 0 for the
/// top), or when that `node` run's script called `process.exit`.
pub(crate) fn event_loop<'js>(
    ctx: &Ctx<'js>,
    helpers: &Object<'js>,
    depth: usize,
) -> Option<Value<'js>> {
    let next: Option<Function> = helpers.get("timersNext").ok();
    let fire: Option<Function> = helpers.get("timersRun").ok();
    let flush: Option<Function> = helpers.get("toolsFlush").ok();
    // A call fails only when `process.exit` unwinds through it; the exception is dropped here.
    let call = |f: &Option<Function<'js>>| -> Option<Value<'js>> {
        f.as_ref()?
            .call::<_, Value>(())
            .map_err(|e| caught(ctx, e))
            .ok()
    };
    loop {
        while !node::exiting() && ctx.execute_pending_job() {}
        if node::exiting() {
            return None;
        }
        if let Some(reason) = take_unhandled(ctx, depth) {
            return Some(reason);
        }
        if call(&flush).and_then(|v| v.as_bool()).unwrap_or(false) {
            continue;
        }
        let wait = call(&next).and_then(|v| v.as_number()).unwrap_or(-1.0);
        if wait < 0.0 {
            return None;
        }
        if wait > 0.0 {
            host::sleep(wait);
        }
        call(&fire);
    }
}

pub(crate) fn caught<'js>(ctx: &Ctx<'js>, e: rquickjs::Error) -> Value<'js> {
    if e.is_exception() {
        ctx.catch()
    } else {
        rquickjs::String::from_str(ctx.clone(), &e.to_string())
            .map(|s| s.into_value())
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone()))
    }
}

/// Hands the return value to the host as JSON, when JSON can represent it.
fn report_value<'js>(ctx: &Ctx<'js>, value: &Value<'js>) {
    if value.is_undefined() {
        return;
    }
    if let Ok(Some(json)) = ctx.json_stringify(value.clone())
        && let Ok(json) = json.to_string()
    {
        let _ = host::call("run.value", json.as_bytes(), &[]);
    }
}

/// Prints a value as `console.log` would (strings as they are); nothing for `undefined`.
pub(crate) fn print_value<'js>(helpers: &Object<'js>, value: Value<'js>) {
    let Ok(format) = helpers.get::<_, Function>("format") else {
        return;
    };
    if let Ok(Some(text)) = format.call::<_, Option<String>>((value,)) {
        node::write(1, text.as_bytes());
        if !text.ends_with('\n') {
            node::write(1, b"\n");
        }
    }
}

/// Prints an uncaught error (with its stack) on stderr; returns the exit code it means.
pub(crate) fn uncaught<'js>(helpers: &Object<'js>, reason: Value<'js>) -> i32 {
    let is_oom = reason
        .as_object()
        .and_then(|o| o.get::<_, String>("message").ok())
        .is_some_and(|m| m == "out of memory");
    let text = helpers
        .get::<_, Function>("formatError")
        .and_then(|f| f.call::<_, String>((reason,)))
        .unwrap_or_else(|_| "Uncaught exception".to_string());
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    node::write(2, text.as_bytes());
    if is_oom { EXIT_OOM } else { EXIT_ERROR }
}
