//! The shell's `node` command: a script run in the guest's one QuickJS context, from a shell
//! that may itself have been started by JavaScript (`await shell("node -e ...")`).
//!
//! Re-entrancy. rquickjs locks the runtime for the span of `Context::with`, and the lock is a
//! `RefCell`: taking it again while JavaScript runs would abort the guest. So the native
//! behind `shell()` records the context it was called with ([`Reentry`]) and a `node` run
//! under it uses that context; only a run with no JavaScript beneath it (`--lang sh`) takes the
//! lock. The runtime is single-threaded and the outer script is stopped inside that native
//! call until the nested run returns, as with any callback into JavaScript.
//!
//! A nested run drives the event loop itself until its script is done. Its timers are its own
//! (the prelude gives each run a timer scope, dropped when it ends), but the microtask queue
//! and the tool-call queue belong to the context: while a nested script runs, promise
//! callbacks of the enclosing script that become ready may run as well, and what they print
//! goes into the nested run's output.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use airlock_shell::{JsOutput, JsRun};
use rquickjs::context::EvalOptions;
use rquickjs::promise::PromiseState;
use rquickjs::{ArrayBuffer, Ctx, Exception, Function, Object, Promise, Value, qjs};

use crate::host;
use crate::run::{
    EXIT_ERROR, EXIT_UNSETTLED, caught, event_loop, forget_unhandled, mark_handled, print_value,
    uncaught,
};

/// `node` runs nested in one another (a script whose `shell()` runs `node`, and so on). Each
/// level holds the shell's and QuickJS's frames on the wasm stack; a script that runs itself
/// would otherwise end the whole run with a stack overflow.
const MAX_DEPTH: usize = 8;

/// Bytes of stdout, and of stderr, kept from one run; the rest is dropped with a note. The
/// output waits in guest memory until the script ends, outside the JavaScript heap's limit.
const MAX_OUTPUT_BYTES: usize = 32 * 1024 * 1024;

/// The wrapper's parameters: what Node gives a CommonJS script.
const PARAMS: &str = "process, module, exports, __filename, __dirname";

/// One `node` run in progress.
struct Frame {
    id: u32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// Output was dropped past [`MAX_OUTPUT_BYTES`].
    cut: bool,
    /// The status `process.exit` asked for.
    exit: Option<i32>,
}

thread_local! {
    /// The runs in progress, innermost last: where JavaScript's output goes, and how it ended.
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    /// The context of the native `shell()` call in progress, if any (see the module docs).
    static ACTIVE: Cell<Option<NonNull<qjs::JSContext>>> = const { Cell::new(None) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
    /// The status the top-level script's `process.exit` asked for (run id 0, outside `node`).
    static TOP_EXIT: Cell<Option<i32>> = const { Cell::new(None) };
}

/// Takes the status the top-level script's `process.exit` asked for, clearing it.
pub fn take_top_exit() -> Option<i32> {
    TOP_EXIT.take()
}

/// Writes JavaScript's output: into the innermost `node` run's capture, or to the run's own
/// stdout (1) or stderr (2) outside `node`.
pub fn write(fd: i32, bytes: &[u8]) {
    let captured = FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        let Some(frame) = frames.last_mut() else {
            return false;
        };
        let buf = if fd == 2 {
            &mut frame.stderr
        } else {
            &mut frame.stdout
        };
        let room = MAX_OUTPUT_BYTES.saturating_sub(buf.len());
        let take = bytes.len().min(room);
        buf.extend_from_slice(&bytes[..take]);
        frame.cut |= take < bytes.len();
        true
    });
    if !captured {
        host::write(fd, bytes);
    }
}

/// How many `node` runs are in progress (0 outside `node`).
pub fn depth() -> usize {
    FRAMES.with(|frames| frames.borrow().len())
}

/// The status the innermost run's `process.exit` asked for (the top-level script's outside
/// `node`).
fn exit_status() -> Option<i32> {
    FRAMES.with(|frames| match frames.borrow().last() {
        Some(frame) => frame.exit,
        None => TOP_EXIT.get(),
    })
}

/// Whether the innermost run's script called `process.exit` (its event loop must stop).
pub fn exiting() -> bool {
    exit_status().is_some()
}

/// Marks a native call that may run the shell, and so `node`, while JavaScript is running:
/// until it is dropped, nested runs use `ctx` instead of taking the runtime's lock.
#[must_use]
pub struct Reentry(Option<NonNull<qjs::JSContext>>);

impl Reentry {
    pub fn enter(ctx: &Ctx<'_>) -> Self {
        Self(ACTIVE.replace(Some(ctx.as_raw())))
    }
}

impl Drop for Reentry {
    fn drop(&mut self) {
        ACTIVE.set(self.0);
    }
}

/// `process.exit(status)` of run `id`: records the status and throws an error no `catch` can
/// stop, which unwinds the script back to its run.
pub fn exit(ctx: Ctx<'_>, id: u32, status: i32) -> rquickjs::Result<()> {
    let current = FRAMES.with(|frames| match frames.borrow_mut().last_mut() {
        Some(frame) if frame.id == id => {
            frame.exit = Some(status);
            true
        }
        None if id == 0 => {
            TOP_EXIT.set(Some(status));
            true
        }
        _ => false,
    });
    if !current {
        return Err(Exception::throw_message(
            &ctx,
            "process.exit(): this script's node run is not the one running (it has ended, or runs \
             a nested node)",
        ));
    }
    let error = Exception::from_message(ctx.clone(), "process.exit()")?;
    // SAFETY: the context is live (we are in a call from it) and `error` is an Error object;
    // the call only sets a flag on it and takes no reference.
    unsafe { qjs::JS_SetUncatchableError(ctx.as_raw().as_ptr(), error.as_value().as_raw()) };
    Err(ctx.throw(error.into_value()))
}

fn failure(message: &str) -> JsOutput {
    JsOutput {
        stdout: Vec::new(),
        stderr: message.as_bytes().to_vec(),
        status: EXIT_ERROR,
    }
}

/// Runs a `node` script and returns what it printed and its exit status.
pub fn run(request: &JsRun<'_>) -> JsOutput {
    if depth() >= MAX_DEPTH {
        return failure(&format!(
            "node: more than {MAX_DEPTH} node runs inside one another (a script that runs node \
             through shell() is starting itself again)\n"
        ));
    }
    let done = match ACTIVE.get() {
        Some(raw) => {
            // SAFETY: ACTIVE holds the context of a native call that is still running, so the
            // runtime lock its caller took in `Context::with` is held for as long as we are here.
            let ctx = unsafe { Ctx::from_raw(raw) };
            crate::run::helpers(&ctx).map(|helpers| run_in(&ctx, &helpers, request))
        }
        None => crate::run::with_engine(|ctx, helpers| run_in(ctx, helpers, request)),
    };
    done.unwrap_or_else(|| failure("node: the JavaScript engine is not initialised\n"))
}

fn run_in<'js>(ctx: &Ctx<'js>, helpers: &Object<'js>, request: &JsRun<'_>) -> JsOutput {
    let id = NEXT_ID.get();
    NEXT_ID.set(id.wrapping_add(1));
    FRAMES.with(|frames| {
        frames.borrow_mut().push(Frame {
            id,
            stdout: Vec::new(),
            stderr: Vec::new(),
            cut: false,
            exit: None,
        });
    });
    let depth = depth();
    let (prefix, source) = wrap(request);
    let status = match enter(ctx, helpers, request, id, prefix) {
        Ok(state) => {
            let status = run_script(ctx, helpers, request, &source, &state, depth);
            let status = exit_listeners(ctx, helpers, &state, status);
            if let Ok(leave) = helpers.get::<_, Function>("nodeLeave") {
                let _ = leave.call::<_, ()>((state,));
            }
            status
        }
        Err(e) => {
            let reason = caught(ctx, e);
            uncaught(helpers, reason)
        }
    };
    forget_unhandled(depth);
    if ctx.has_exception() {
        drop(ctx.catch());
    }
    let frame = FRAMES.with(|frames| frames.borrow_mut().pop());
    let Some(mut frame) = frame else {
        return failure("node: lost track of its run\n");
    };
    if frame.cut {
        let note = format!("node: output cut at {} MiB\n", MAX_OUTPUT_BYTES >> 20);
        frame.stderr.extend_from_slice(note.as_bytes());
    }
    JsOutput {
        stdout: frame.stdout,
        stderr: frame.stderr,
        status,
    }
}

/// The script inside an async function (top-level `await` works; with `-p`, the function
/// returns the expression's value), and the length of what precedes the user's first line.
/// A `#!` line becomes a comment of the same length.
fn wrap(request: &JsRun<'_>) -> (usize, String) {
    let mut code = match request.code.strip_prefix("#!") {
        Some(rest) => format!("//{rest}"),
        None => request.code.to_string(),
    };
    // Static imports become `await import(...)` on their own lines, as in a top-level script;
    // the host has the parser (an empty answer: nothing to change).
    if !request.print
        && code.contains("import")
        && let Ok(rewritten) = host::call("script.imports", &[], code.as_bytes())
        && !rewritten.is_empty()
        && let Ok(rewritten) = String::from_utf8(rewritten)
    {
        code = rewritten;
    }
    let prefix = if request.print {
        format!("(async ({PARAMS}) => (")
    } else {
        format!("(async ({PARAMS}) => {{")
    };
    let suffix = if request.print { "\n))" } else { "\n})" };
    (prefix.len(), format!("{prefix}{code}{suffix}"))
}

/// Hands the run's details to the prelude, which swaps in the run's state and returns it.
fn enter<'js>(
    ctx: &Ctx<'js>,
    helpers: &Object<'js>,
    request: &JsRun<'_>,
    id: u32,
    prefix: usize,
) -> rquickjs::Result<Object<'js>> {
    let info = Object::new(ctx.clone())?;
    info.set("id", id)?;
    info.set("filename", request.filename)?;
    info.set("prefix", prefix)?;
    info.set("argv", request.argv.to_vec())?;
    let env = Object::new(ctx.clone())?;
    for (name, value) in request.env {
        env.set(name.as_str(), value.as_str())?;
    }
    info.set("env", env)?;
    info.set("cwd", request.cwd)?;
    match request.stdin {
        Some(bytes) => info.set("stdin", ArrayBuffer::new(ctx.clone(), bytes.to_vec())?)?,
        None => info.set("stdin", Value::new_null(ctx.clone()))?,
    }
    info.set("main", request.main)?;
    info.set("code", request.code)?;
    helpers.get::<_, Function>("nodeEnter")?.call((info,))
}

fn compile<'js>(ctx: &Ctx<'js>, source: String, filename: &str) -> rquickjs::Result<Function<'js>> {
    let mut opts = EvalOptions::default();
    opts.global = true;
    opts.strict = false;
    opts.filename = Some(filename.to_string());
    ctx.eval_with_options(source, opts)
}

/// Compiles the wrapped script. `-p` with statements (`x = 1; x + 1`) is not an expression:
/// then the script's completion value comes from a direct `eval` inside the wrapper.
fn compile_script<'js>(
    ctx: &Ctx<'js>,
    request: &JsRun<'_>,
    source: String,
) -> Result<Function<'js>, Value<'js>> {
    match compile(ctx, source, request.filename) {
        Ok(f) => Ok(f),
        Err(e) if request.print => {
            drop(caught(ctx, e));
            let source = format!("(async ({PARAMS}, __code) => eval(__code))");
            compile(ctx, source, request.filename).map_err(|e| caught(ctx, e))
        }
        Err(e) => Err(caught(ctx, e)),
    }
}

/// Runs the script and its event loop. The status, or `None` when the script ended by itself
/// (then `process.exitCode` decides).
fn run_script<'js>(
    ctx: &Ctx<'js>,
    helpers: &Object<'js>,
    request: &JsRun<'_>,
    source: &str,
    state: &Object<'js>,
    depth: usize,
) -> Option<i32> {
    let func = match compile_script(ctx, request, source.to_string()) {
        Ok(f) => f,
        Err(reason) => return Some(uncaught(helpers, reason)),
    };
    let called = helpers
        .get::<_, Function>("nodeCall")
        .and_then(|call| call.call::<_, Promise>((func, state.clone())));
    let promise = match called {
        Ok(p) => p,
        Err(e) => {
            let reason = caught(ctx, e);
            return Some(exit_status().unwrap_or_else(|| uncaught(helpers, reason)));
        }
    };
    mark_handled(ctx, &promise);
    let unhandled = event_loop(ctx, helpers, depth);
    if let Some(status) = exit_status() {
        return Some(status);
    }
    if let Some(reason) = unhandled {
        return Some(uncaught(helpers, reason));
    }
    if helpers.get::<_, bool>("failed").unwrap_or(false) {
        return Some(EXIT_ERROR);
    }
    match promise.state() {
        PromiseState::Resolved => {
            if request.print {
                let value: Value = promise
                    .result()
                    .and_then(Result::ok)
                    .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
                if value.is_undefined() {
                    write(1, b"undefined\n");
                } else {
                    print_value(helpers, value);
                }
            }
            None
        }
        PromiseState::Rejected => {
            let reason = match promise.result::<Value>() {
                Some(Err(e)) => caught(ctx, e),
                Some(Ok(v)) => v,
                None => Value::new_undefined(ctx.clone()),
            };
            Some(uncaught(helpers, reason))
        }
        PromiseState::Pending => {
            write(
                2,
                b"Warning: the script's top-level promise never settled (it awaits something that \
                  can no longer happen)\n",
            );
            Some(EXIT_UNSETTLED)
        }
    }
}

/// Fires the script's `process.on('exit')` listeners, which may change the status.
fn exit_listeners<'js>(
    ctx: &Ctx<'js>,
    helpers: &Object<'js>,
    state: &Object<'js>,
    status: Option<i32>,
) -> i32 {
    let fired = helpers
        .get::<_, Function>("nodeExit")
        .and_then(|f| f.call::<_, i32>((state.clone(), status)));
    match fired {
        Ok(status) => status,
        Err(e) => {
            let reason = caught(ctx, e);
            exit_status().unwrap_or_else(|| uncaught(helpers, reason))
        }
    }
}
