//! Sliding-window rate limits such as `10/min`, `5/s` or `100/10s`.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// Largest count a rate may allow per window. The exact sliding window keeps
/// one timestamp per allowed call in the window, so this bounds that memory
/// (16 bytes each) per rule and session; for more, use a shorter window.
pub(crate) const MAX_RATE_COUNT: u64 = 10_000;

/// A compiled `rate`: at most `count` calls in any `window`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rate {
    text: Box<str>,
    count: u64,
    window: Duration,
}

impl Rate {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("invalid rate {text:?}");
        let (count, per) = text.split_once('/').ok_or_else(bad)?;
        let count: u64 = count.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("rate {text:?} allows no calls at all"));
        }
        if count > MAX_RATE_COUNT {
            return Err(format!(
                "rate {text:?} counts more than {MAX_RATE_COUNT} calls per window"
            ));
        }
        let per = per.trim();
        let digits = per.len() - per.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (times, unit) = per.split_at(digits);
        let times: u64 = if times.is_empty() {
            1
        } else {
            times.parse().map_err(|_| bad())?
        };
        let unit_secs = match unit.trim() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return Err(bad()),
        };
        let secs = times
            .checked_mul(unit_secs)
            .filter(|&s| s > 0)
            .ok_or_else(bad)?;
        Ok(Self {
            text: text.into(),
            count,
            window: Duration::from_secs(secs),
        })
    }

    /// When the window is full at `now`, how long until the oldest call in
    /// it leaves. `calls` holds the times of allowed calls, oldest first.
    pub(crate) fn wait(&self, calls: &mut VecDeque<Duration>, now: Duration) -> Option<Duration> {
        // A clock that goes backwards counts as standing still.
        while calls
            .front()
            .is_some_and(|&t| now.saturating_sub(t) >= self.window)
        {
            calls.pop_front();
        }
        if (calls.len() as u64) < self.count {
            return None;
        }
        let oldest = calls.front().copied().unwrap_or(now);
        let free_at = oldest.checked_add(self.window).unwrap_or(Duration::MAX);
        Some(free_at.saturating_sub(now))
    }

    /// Records an allowed call; the caller has checked [`wait`](Self::wait) first.
    pub(crate) fn record(calls: &mut VecDeque<Duration>, now: Duration) {
        calls.push_back(now);
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn parses_units_and_multiples() {
        for (text, count, window) in [
            ("10/min", 10, 60),
            ("5/s", 5, 1),
            ("5/sec", 5, 1),
            ("1/second", 1, 1),
            ("3/minute", 3, 60),
            ("100/h", 100, 3600),
            ("100/hour", 100, 3600),
            ("100/10s", 100, 10),
            ("7 / 2min", 7, 120),
            ("1/day", 1, 86_400),
        ] {
            let r = Rate::parse(text).unwrap();
            assert_eq!((r.count, r.window), (count, secs(window)), "{text}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for text in [
            "",
            "10",
            "10/",
            "/min",
            "x/min",
            "0/min",
            "10/0s",
            "10/fortnight",
            "-1/s",
            "10001/s",
        ] {
            assert!(Rate::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn window_slides() {
        let r = Rate::parse("2/10s").unwrap();
        let mut calls = VecDeque::new();
        for t in [0, 1] {
            assert_eq!(r.wait(&mut calls, secs(t)), None);
            Rate::record(&mut calls, secs(t));
        }
        assert_eq!(r.wait(&mut calls, secs(5)), Some(secs(5)));
        assert_eq!(r.wait(&mut calls, secs(9)), Some(secs(1)));
        assert_eq!(r.wait(&mut calls, secs(10)), None, "the call at 0 has left");
        Rate::record(&mut calls, secs(10));
        assert_eq!(r.wait(&mut calls, secs(10)), Some(secs(1)));
    }

    #[test]
    fn clock_going_backwards_does_not_panic() {
        let r = Rate::parse("1/s").unwrap();
        let mut calls = VecDeque::new();
        Rate::record(&mut calls, secs(100));
        assert!(r.wait(&mut calls, secs(1)).is_some());
    }
}
