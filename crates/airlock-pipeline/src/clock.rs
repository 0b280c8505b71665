//! The clocks a run sees: the host's, or a virtual one for deterministic runs.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where a deterministic session's wall clock starts: 2025-01-01T00:00:00Z.
pub const VIRTUAL_EPOCH_UNIX_MS: u64 = 1_735_689_600_000;

/// A session's clock. The virtual one starts at [`VIRTUAL_EPOCH_UNIX_MS`] and moves only when
/// the script sleeps or waits for a timer, so the same script sees the same times on every run.
#[derive(Debug, Clone)]
pub enum Clock {
    Real,
    Virtual { elapsed: Duration },
}

impl Clock {
    pub fn is_virtual(&self) -> bool {
        matches!(self, Self::Virtual { .. })
    }

    /// Time since the Unix epoch.
    pub fn unix(&self) -> Duration {
        match self {
            Self::Real => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default(),
            Self::Virtual { elapsed } => Duration::from_millis(VIRTUAL_EPOCH_UNIX_MS) + *elapsed,
        }
    }

    /// A monotonic reading: process-wide for the real clock, session-wide for the virtual one.
    pub fn monotonic(&self) -> Duration {
        match self {
            Self::Real => {
                static ORIGIN: OnceLock<Instant> = OnceLock::new();
                ORIGIN.get_or_init(Instant::now).elapsed()
            }
            Self::Virtual { elapsed } => *elapsed,
        }
    }

    /// Lets `d` pass on a virtual clock; the real one is moved by the host actually sleeping.
    pub fn advance(&mut self, d: Duration) {
        if let Self::Virtual { elapsed } = self {
            *elapsed = elapsed.saturating_add(d);
        }
    }
}
