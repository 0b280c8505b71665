//! Waiting for tool calls from inside a host import: the guest is blocked anyway, so the host
//! thread waits too, but never past the run's deadline.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use airlock_tools::{ToolError, ToolErrorKind, ToolFuture};
use serde_json::Value;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

use crate::Interrupt;

/// The outcome of one call and how long it ran.
pub(crate) type Finished = (Result<Value, ToolError>, Duration);

/// Wakes the waiting thread, and tells it so while it spins.
struct Unpark {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// How long a waiting run spins before it parks. A tool served on another thread (a Python
/// function, a component) often answers within tens of microseconds; a parked thread takes
/// about as long again to be scheduled back, which would double the cost of each call.
const SPIN: Duration = Duration::from_micros(50);

/// Polls `fut` on this thread until it completes, or gives up at `deadline` or when `stop`
/// fires.
///
/// Not tokio's `block_on`: that refuses to run inside another runtime, and a host embedding
/// airlock may well run a session from one. The tool runtime is entered so that
/// tokio's timers and processes work; its worker threads drive them and wake this one.
pub(crate) fn block_on<F: Future>(
    rt: &Runtime,
    fut: F,
    deadline: Option<Instant>,
    stop: &Interrupt,
) -> Option<F::Output> {
    let _entered = rt.enter();
    let _watch = stop.watch();
    let mut fut = pin!(fut);
    let unpark = Arc::new(Unpark {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(Arc::clone(&unpark));
    let mut cx = Context::from_waker(&waker);
    loop {
        unpark.woken.store(false, Ordering::Release);
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        if stop.is_set() {
            return None;
        }
        let spin_until = Instant::now() + SPIN;
        while !unpark.woken.load(Ordering::Acquire) && Instant::now() < spin_until {
            std::hint::spin_loop();
        }
        if unpark.woken.load(Ordering::Acquire) {
            continue;
        }
        match deadline {
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    return None;
                }
                thread::park_timeout(deadline - now);
            }
            None => thread::park(),
        }
    }
}

/// One call bounded by its timeout, timed from when it starts.
async fn timed(name: String, fut: ToolFuture, limit: Duration) -> Finished {
    let started = Instant::now();
    let result = match tokio::time::timeout(limit, fut).await {
        Ok(result) => result,
        Err(_) => Err(ToolError::new(
            ToolErrorKind::Timeout,
            format!("{name}: no answer within {limit:?}, the call was abandoned"),
        )
        .with_hint("raise the tool's `timeout` in the config, or ask it for less")),
    };
    (result, started.elapsed())
}

/// A call ready to run: the tool's name, its future and its time limit.
pub(crate) struct Pending {
    pub(crate) name: String,
    pub(crate) future: ToolFuture,
    pub(crate) timeout: Duration,
}

/// Runs the calls of one batch, at most `concurrency` at a time, and returns their outcomes in
/// order; `None` if the run's deadline (or an interrupt) came first (every call still running is dropped, which
/// kills exec tools' processes).
pub(crate) fn run_all(
    rt: &Runtime,
    calls: Vec<Pending>,
    concurrency: usize,
    deadline: Option<Instant>,
    stop: &Interrupt,
) -> Option<Vec<Finished>> {
    if calls.len() <= 1 {
        // The common case, `await tool(...)`: polled right here, no thread hop, so a tool that
        // answers at once costs no more than a function call.
        return calls
            .into_iter()
            .map(|c| block_on(rt, timed(c.name, c.future, c.timeout), deadline, stop))
            .collect();
    }
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut handles: Vec<_> = calls
        .into_iter()
        .map(|c| {
            let permits = Arc::clone(&permits);
            rt.spawn(async move {
                // The semaphore is never closed, so acquiring only waits.
                let _permit = permits.acquire_owned().await;
                timed(c.name, c.future, c.timeout).await
            })
        })
        .collect();
    let joined = block_on(
        rt,
        async {
            let mut out = Vec::with_capacity(handles.len());
            for handle in handles.iter_mut() {
                out.push(match handle.await {
                    Ok(finished) => finished,
                    Err(e) => (
                        Err(ToolError::failed(format!("the tool panicked: {e}"))),
                        Duration::ZERO,
                    ),
                });
            }
            out
        },
        deadline,
        stop,
    );
    if joined.is_none() {
        for handle in &handles {
            handle.abort();
        }
    }
    joined
}
