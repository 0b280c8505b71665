//! Sandbox sessions named by a handle, for clients without an MCP session (the stateless
//! protocol): a `run` without `session` starts one and answers with its handle; passing the
//! handle back continues it. A handle belongs to the identity (the bearer token) that made it,
//! is unguessable, and ends after a while unused. The table is bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Default of how long a session lives unused.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(30 * 60);
/// Default of how many sessions may be live at once.
pub const DEFAULT_MAX_SESSIONS: usize = 10_000;

#[derive(Debug)]
struct Entry<T> {
    value: Arc<T>,
    owner: Option<String>,
    last_used: Instant,
}

/// Why a handle did not name a session.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No such session for this identity: never made, made by another identity, or expired.
    Unknown,
    /// The table is full of sessions in use.
    Full(usize),
}

/// Sessions by handle.
#[derive(Debug)]
pub struct Handles<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
    idle: Duration,
    max: usize,
}

impl<T> Handles<T> {
    pub fn new(idle: Duration, max: usize) -> Self {
        Self {
            entries: Mutex::default(),
            idle,
            max: max.max(1),
        }
    }

    /// The session `handle` names, for `owner`; marks it used.
    pub fn get(&self, handle: &str, owner: Option<&str>) -> Result<Arc<T>, Refused> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match entries.get_mut(handle) {
            // A session a run still holds is live, however long that run takes.
            Some(e)
                if e.owner.as_deref() == owner
                    && (now - e.last_used < self.idle || Arc::strong_count(&e.value) > 1) =>
            {
                e.last_used = now;
                Ok(Arc::clone(&e.value))
            }
            _ => Err(Refused::Unknown),
        }
    }

    /// Keeps `value` under a new handle for `owner`, first letting go of the sessions unused
    /// for longer than the idle time.
    pub fn insert(&self, value: Arc<T>, owner: Option<&str>) -> Result<String, Refused> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if entries.len() >= self.max {
            // A session some run still holds is not idle, whatever its clock says.
            entries.retain(|_, e| now - e.last_used < self.idle || Arc::strong_count(&e.value) > 1);
        }
        if entries.len() >= self.max {
            return Err(Refused::Full(self.max));
        }
        let handle = crate::approvals::fresh_token();
        entries.insert(
            handle.clone(),
            Entry {
                value,
                owner: owner.map(str::to_string),
                last_used: now,
            },
        );
        Ok(handle)
    }

    /// Keeps `value` under `handle`, which it had before (a session taken up after a
    /// restart).
    pub fn insert_as(
        &self,
        handle: &str,
        value: Arc<T>,
        owner: Option<&str>,
    ) -> Result<(), Refused> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.contains_key(handle) {
            return Err(Refused::Unknown);
        }
        if entries.len() >= self.max {
            return Err(Refused::Full(self.max));
        }
        entries.insert(
            handle.to_string(),
            Entry {
                value,
                owner: owner.map(str::to_string),
                last_used: Instant::now(),
            },
        );
        Ok(())
    }

    /// Ends every session unused for longer than the idle time; returns how many are live.
    pub fn sweep(&self) -> usize {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        entries.retain(|_, e| now - e.last_used < self.idle || Arc::strong_count(&e.value) > 1);
        entries.len()
    }

    /// How long a session lives unused.
    pub fn idle(&self) -> Duration {
        self.idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_serves_its_owner_only_and_ends_when_idle() {
        let handles = Handles::new(Duration::from_millis(50), 2);
        let a = handles.insert(Arc::new(1), Some("team-a")).unwrap();
        assert_eq!(*handles.get(&a, Some("team-a")).unwrap(), 1);
        assert_eq!(handles.get(&a, Some("team-b")), Err(Refused::Unknown));
        assert_eq!(handles.get(&a, None), Err(Refused::Unknown));
        assert_eq!(handles.get("guess", Some("team-a")), Err(Refused::Unknown));
        assert_ne!(a, handles.insert(Arc::new(2), Some("team-a")).unwrap());

        // Full: a third waits until the others have been idle long enough.
        let held = handles.get(&a, Some("team-a")).unwrap();
        assert_eq!(handles.insert(Arc::new(3), None), Err(Refused::Full(2)));
        std::thread::sleep(Duration::from_millis(60));
        handles.insert(Arc::new(3), None).unwrap();
        // The one a run still held survived the sweep; the idle one did not.
        assert_eq!(handles.sweep(), 2);
        assert!(handles.get(&a, Some("team-a")).is_ok());
        drop(held);
    }
}
