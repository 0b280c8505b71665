//! Python callables as airlock tools.
//!
//! The Python side (`airlock/_tools.py`) wraps every tool in one of two calling conventions,
//! so this file never interprets Python values beyond strings:
//!
//! - sync: `invoke(args_json, run_context) -> result_json`, called on one of the sandbox's
//!   worker threads (`workers.rs`; never on the run's own thread, so a tool's timeout and an
//!   interrupt still end the wait; the pipeline bounds how many of a batch run at once by
//!   `tool_concurrency`);
//! - async: `submit(args_json, reply, run_context)`, which schedules the coroutine on an event
//!   loop and answers through `reply.ok(result_json)` or `reply.error(type, message)`.
//!
//! `run_context` is the object the caller passed to `Session.run` (its event loop and
//! `contextvars` context), so a tool runs in the caller's context even though the call
//! arrives on another thread.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use airlock::tool::{CallContext, Tool, ToolError, ToolFuture, ToolSpec};
use pyo3::prelude::*;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::workers;

thread_local! {
    /// The run context of the run on this thread: tool calls are created on the thread that
    /// runs the guest, and take it from here.
    static RUN_CONTEXT: RefCell<Option<Arc<Py<PyAny>>>> = const { RefCell::new(None) };
}

/// Makes `context` the run context of tool calls created on this thread until the guard drops.
pub(crate) fn enter_run(context: Option<Py<PyAny>>) -> RunGuard {
    RUN_CONTEXT.with(|c| *c.borrow_mut() = context.map(Arc::new));
    RunGuard
}

/// Clears the thread's run context when dropped.
pub(crate) struct RunGuard;

impl Drop for RunGuard {
    fn drop(&mut self) {
        RUN_CONTEXT.with(|c| c.borrow_mut().take());
    }
}

fn current_context() -> Option<Arc<Py<PyAny>>> {
    RUN_CONTEXT.with(|c| c.borrow().clone())
}

/// A tool served by a Python callable.
pub(crate) struct PyTool {
    pub(crate) spec: ToolSpec,
    pub(crate) handler: Arc<Py<PyAny>>,
    pub(crate) is_async: bool,
}

impl Tool for PyTool {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, _cx: CallContext) -> ToolFuture {
        let args = args.to_string();
        let handler = Arc::clone(&self.handler);
        let context = current_context();
        if self.is_async {
            Box::pin(call_async(handler, args, context))
        } else {
            Box::pin(async move {
                let (tx, rx) = oneshot::channel();
                workers::submit(Box::new(move || {
                    // The run may have stopped waiting (a timeout); the answer is then dropped.
                    let _ = tx.send(call_sync(&handler, &args, context.as_deref()));
                }))
                .map_err(ToolError::failed)?;
                rx.await.unwrap_or_else(|_| {
                    Err(ToolError::failed(
                        "the tool's thread ended without an answer",
                    ))
                })
            })
        }
    }
}

/// Sync calls running now, so that the interpreter's exit can wait for them (see
/// [`wait_for_tools`]): a thread that is not Python's must not be inside Python code when the
/// interpreter finalizes.
static IN_FLIGHT: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

struct InFlight;

impl InFlight {
    fn enter() -> Self {
        *IN_FLIGHT.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut count = IN_FLIGHT.0.lock().unwrap_or_else(PoisonError::into_inner);
        *count -= 1;
        if *count == 0 {
            IN_FLIGHT.1.notify_all();
        }
    }
}

/// Waits until no sync tool call is running, then closes the worker threads; registered with
/// `atexit` by the package, so a tool still running after its call timed out finishes before
/// the interpreter goes away.
#[pyfunction]
pub(crate) fn wait_for_tools(py: Python<'_>) {
    py.detach(|| {
        let mut count = IN_FLIGHT.0.lock().unwrap_or_else(PoisonError::into_inner);
        while *count > 0 {
            count = IN_FLIGHT
                .1
                .wait(count)
                .unwrap_or_else(PoisonError::into_inner);
        }
    });
    workers::close();
}

fn call_sync(
    handler: &Py<PyAny>,
    args: &str,
    context: Option<&Py<PyAny>>,
) -> Result<Value, ToolError> {
    let _running = InFlight::enter();
    Python::try_attach(|py| {
        let context = context.map_or_else(|| py.None(), |c| c.clone_ref(py));
        let answer = handler
            .call1(py, (args, context))
            .and_then(|r| r.extract::<String>(py));
        match answer {
            Ok(json) => parse_result(&json),
            Err(e) => Err(tool_error(py, &e)),
        }
    })
    .unwrap_or_else(|| Err(shutting_down()))
}

fn shutting_down() -> ToolError {
    ToolError::failed("the Python interpreter is shutting down")
}

async fn call_async(
    handler: Arc<Py<PyAny>>,
    args: String,
    context: Option<Arc<Py<PyAny>>>,
) -> Result<Value, ToolError> {
    let (tx, rx) = oneshot::channel::<Answer>();
    let submitted = Python::try_attach(|py| {
        let reply = Py::new(
            py,
            Reply {
                tx: Mutex::new(Some(tx)),
            },
        )?;
        let context = context.map_or_else(|| py.None(), |c| c.clone_ref(py));
        handler.call1(py, (args, reply, context)).map(drop)
    });
    match submitted {
        None => return Err(shutting_down()),
        Some(Err(e)) => {
            return Err(Python::try_attach(|py| tool_error(py, &e)).unwrap_or_else(shutting_down));
        }
        Some(Ok(())) => {}
    }
    match rx.await {
        Ok(Ok(json)) => parse_result(&json),
        Ok(Err((kind, message))) => Err(ToolError::failed(format!("{kind}: {message}"))),
        Err(_) => Err(ToolError::failed(
            "the tool's event loop dropped the call without an answer (was the loop closed?)",
        )),
    }
}

fn parse_result(json: &str) -> Result<Value, ToolError> {
    serde_json::from_str(json)
        .map_err(|e| ToolError::failed(format!("the tool's result is not JSON: {e}")))
}

/// A Python exception as the script sees it: `ETOOL`, with the exception's type and message,
/// never a traceback (which would show host paths).
fn tool_error(py: Python<'_>, err: &PyErr) -> ToolError {
    let kind = err
        .get_type(py)
        .name()
        .map_or_else(|_| "Exception".to_string(), |n| n.to_string());
    let message = err
        .value(py)
        .str()
        .map_or_else(|_| String::new(), |s| s.to_string());
    if message.is_empty() {
        ToolError::failed(kind)
    } else {
        ToolError::failed(format!("{kind}: {message}"))
    }
}

/// An async call's answer: the result's JSON, or an exception's type name and message.
type Answer = Result<String, (String, String)>;

/// The answer slot of one async call, handed to Python.
#[pyclass(frozen, module = "airlock._native")]
pub(crate) struct Reply {
    tx: Mutex<Option<oneshot::Sender<Answer>>>,
}

impl Reply {
    fn send(&self, answer: Answer) {
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(tx) = tx {
            // The run may have stopped waiting (a timeout); the answer then has nowhere to go.
            let _ = tx.send(answer);
        }
    }
}

#[pymethods]
impl Reply {
    /// Answers the call with a JSON text.
    fn ok(&self, result_json: String) {
        self.send(Ok(result_json));
    }

    /// Fails the call with an exception's type name and message.
    fn error(&self, kind: String, message: String) {
        self.send(Err((kind, message)));
    }

    /// Whether the run still waits for this answer.
    #[getter]
    fn waiting(&self) -> bool {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|tx| !tx.is_closed())
    }
}
