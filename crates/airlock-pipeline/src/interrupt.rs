//! [`Interrupt`]: stopping a run from another thread, whatever it is doing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// A handle that stops a session's run from another thread (a caller's cancellation, a
/// shutdown): the guest is stopped at its next deadline check, and a wait for tools, a timer or
/// an approval ends at once. Cheap to clone; every clone fires the same interrupt.
#[derive(Clone, Debug, Default)]
pub struct Interrupt(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    fired: AtomicBool,
    /// The thread waiting on the host's side of the run, to wake when the interrupt fires.
    waiter: Mutex<Option<Thread>>,
}

impl Interrupt {
    /// A fresh handle, not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops the run this handle belongs to, or the next one if none is running.
    pub fn interrupt(&self) {
        self.0.fired.store(true, Ordering::SeqCst);
        let waiter = self.0.waiter.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(thread) = waiter.as_ref() {
            thread.unpark();
        }
    }

    /// Whether the interrupt has fired (and was not cleared since).
    pub fn is_set(&self) -> bool {
        self.0.fired.load(Ordering::SeqCst)
    }

    /// Re-arms the handle once the run it stopped is over.
    pub fn clear(&self) {
        self.0.fired.store(false, Ordering::SeqCst);
    }

    /// Registers this thread as the one to wake while the guard lives.
    pub(crate) fn watch(&self) -> Watch<'_> {
        *self.0.waiter.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread::current());
        Watch(self)
    }

    /// Sleeps for `wanted`, or less if the interrupt fires; returns whether it fired.
    pub fn sleep(&self, wanted: Duration) -> bool {
        let _watch = self.watch();
        let until = Instant::now() + wanted;
        loop {
            if self.is_set() {
                return true;
            }
            let now = Instant::now();
            if now >= until {
                return false;
            }
            thread::park_timeout(until - now);
        }
    }
}

/// While alive, an interrupt unparks the thread that created it.
pub(crate) struct Watch<'a>(&'a Interrupt);

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        *self
            .0
            .0
            .waiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_ends_when_the_interrupt_fires() {
        let interrupt = Interrupt::new();
        let other = interrupt.clone();
        let started = Instant::now();
        let firing = thread::spawn(move || {
            thread::sleep(Duration::from_millis(30));
            other.interrupt();
        });
        assert!(interrupt.sleep(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
        firing.join().unwrap();
        interrupt.clear();
        assert!(!interrupt.sleep(Duration::from_millis(1)));
    }
}
