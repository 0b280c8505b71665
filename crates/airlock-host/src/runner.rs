//! Threads that execute runs. A run needs a large native stack (deep JavaScript recursion, see
//! `WASM_STACK`), and spawning a thread with one costs more than a whole trivial run, so
//! finished threads wait for the next run instead of exiting.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use crate::error::{Error, ErrorKind};

/// Stack of a run thread; comfortably above the wasm stack limit (`WASM_STACK` in sandbox.rs)
/// plus what the host functions need.
const RUN_THREAD_STACK: usize = 16 * 1024 * 1024;

type Job = Box<dyn FnOnce() + Send>;

/// A pool of idle run threads; grows on demand, one thread per concurrent run.
#[derive(Debug, Default)]
pub(crate) struct Runner {
    idle: Mutex<Vec<Sender<Job>>>,
}

impl Runner {
    /// Runs `job` on a large-stack thread and waits for its result.
    pub(crate) fn run<R: Send + 'static>(
        &self,
        job: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, Error> {
        let worker = match self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            Some(worker) => worker,
            None => spawn_worker()?,
        };
        let (done_tx, done_rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = done_tx.send(job());
        });
        worker
            .send(job)
            .map_err(|_| Error::new(ErrorKind::Engine, "a run thread exited unexpectedly"))?;
        let result = done_rx
            .recv()
            .map_err(|_| Error::new(ErrorKind::Engine, "the run thread panicked"))?;
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(worker);
        }
        Ok(result)
    }
}

fn spawn_worker() -> Result<Sender<Job>, Error> {
    let (tx, rx): (Sender<Job>, Receiver<Job>) = mpsc::channel();
    thread::Builder::new()
        .name("airlock-run".into())
        .stack_size(RUN_THREAD_STACK)
        // The thread ends when the pool (and with it the sender) is dropped.
        .spawn(move || {
            while let Ok(job) = rx.recv() {
                job();
            }
        })
        .map_err(|e| Error::new(ErrorKind::Engine, format!("cannot start a run thread: {e}")))?;
    Ok(tx)
}
