//! The threads sync Python tools run on.
//!
//! A call is handed from the run's thread to a worker and its answer handed back. Waking a
//! sleeping thread costs tens of microseconds on a virtual machine, more than a trivial tool
//! itself, so a worker that finished a call stays awake for [`SPIN`] before it sleeps: in a
//! script's loop of sequential calls the next call comes well within that, and the run's thread
//! spins likewise while it waits for the answer (see the pipeline's `block_on`).
//!
//! Threads are started as calls need them (a batch of `Promise.all` gets one each, up to the
//! pipeline's `tool_concurrency`) and end after [`IDLE_EXIT`] without work. They are Python's
//! own (daemon) threads running [`tool_worker`]: each keeps its Python thread state for its
//! whole life, so taking the GIL for a call is cheap, and the interpreter knows them when it
//! exits (the package's `atexit` hook waits for calls in flight, then [`close`]s the pool).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;

pub(crate) type Job = Box<dyn FnOnce() + Send>;

/// How long a worker waits awake for the next call before it sleeps.
const SPIN: Duration = Duration::from_micros(100);

/// How long a sleeping worker waits for work before its thread ends.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// Threads at most; past them calls wait their turn (only calls that outlived their timeout
/// and still run can fill them).
const MAX_THREADS: usize = 512;

struct Workers {
    state: Mutex<State>,
    wake: Condvar,
    /// Jobs in the queue, read without the lock while spinning.
    queued: AtomicUsize,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Waiting workers no job has been promised to.
    idle: usize,
    threads: usize,
    /// The interpreter is exiting: no new calls, and workers end.
    closed: bool,
}

static WORKERS: LazyLock<Workers> = LazyLock::new(|| Workers {
    state: Mutex::new(State::default()),
    wake: Condvar::new(),
    queued: AtomicUsize::new(0),
});

impl Workers {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Runs `job` on a worker thread.
///
/// # Errors
/// A new worker thread was needed and Python could not start one (the interpreter is
/// shutting down).
pub(crate) fn submit(job: Job) -> Result<(), String> {
    let workers = &*WORKERS;
    let mut state = workers.lock();
    if state.closed {
        return Err("the Python interpreter is shutting down".into());
    }
    if state.idle > 0 {
        // Promised to a waiting worker: a spinning one sees the queue, a sleeping one wakes.
        state.idle -= 1;
        state.jobs.push_back(job);
        workers.queued.fetch_add(1, Ordering::SeqCst);
        workers.wake.notify_one();
        return Ok(());
    }
    if state.threads >= MAX_THREADS {
        state.jobs.push_back(job);
        workers.queued.fetch_add(1, Ordering::SeqCst);
        return Ok(());
    }
    state.threads += 1;
    state.jobs.push_back(job);
    workers.queued.fetch_add(1, Ordering::SeqCst);
    drop(state);
    let started = Python::try_attach(|py| {
        let worker = py.import("airlock._native")?.getattr("_tool_worker")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("target", worker)?;
        kwargs.set_item("name", "airlock-tool")?;
        kwargs.set_item("daemon", true)?;
        let thread = py
            .import("threading")?
            .getattr("Thread")?
            .call((), Some(&kwargs))?;
        thread.call_method0("start").map(drop)
    });
    match started {
        Some(Ok(())) => Ok(()),
        failed => {
            let mut state = workers.lock();
            state.threads -= 1;
            if state.threads == 0 {
                // Nobody will ever run what is queued.
                state.jobs.clear();
                workers.queued.store(0, Ordering::SeqCst);
            }
            Err(match failed {
                Some(Err(e)) => format!("cannot start a thread for the tool: {e}"),
                _ => "the Python interpreter is shutting down".into(),
            })
        }
    }
}

/// The body of a worker thread: runs calls until the pool closes or the thread idles out.
#[pyfunction]
pub(crate) fn _tool_worker(py: Python<'_>) {
    let workers = &*WORKERS;
    loop {
        let Some(job) = py.detach(|| next_job(workers)) else {
            return;
        };
        // The job takes the GIL itself, for as long as the tool's Python code runs.
        py.detach(job);
        workers.lock().idle += 1;
    }
}

/// Ends every worker once it has nothing to do; later calls fail. For the interpreter's exit.
pub(crate) fn close() {
    let workers = &*WORKERS;
    workers.lock().closed = true;
    workers.wake.notify_all();
}

/// The next job, or `None` when the thread should end.
fn next_job(workers: &Workers) -> Option<Job> {
    let spin_until = Instant::now() + SPIN;
    while workers.queued.load(Ordering::SeqCst) == 0 && Instant::now() < spin_until {
        std::hint::spin_loop();
    }
    let mut state = workers.lock();
    loop {
        if let Some(job) = state.jobs.pop_front() {
            workers.queued.fetch_sub(1, Ordering::SeqCst);
            return Some(job);
        }
        if state.closed {
            state.threads -= 1;
            return None;
        }
        let (guard, waited) = workers
            .wake
            .wait_timeout(state, IDLE_EXIT)
            .unwrap_or_else(PoisonError::into_inner);
        state = guard;
        // Only an idle worker may leave: one that a job was promised to stays for it.
        if waited.timed_out() && state.jobs.is_empty() && state.idle > 0 {
            state.idle -= 1;
            state.threads -= 1;
            return None;
        }
    }
}
