//! Every limit knob, described once: its name in a config file's `[limits]`, what it bounds,
//! its unit, its default, and how to read and set it on [`Limits`]. The CLI's config parser,
//! `airlock check`, and the tests of the documentation all read this table, so a knob added
//! here is parsed, shown and documented everywhere, and a knob documented nowhere fails a test.

use std::time::Duration;

use crate::limits::Limits;
use crate::units::{parse_duration, parse_size};

/// How a knob's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KnobUnit {
    /// A duration: `"10s"`, `"500ms"`, `"2m"`.
    Duration,
    /// A size in bytes: `"256M"`, `"1G"`, or a number of bytes.
    Bytes,
    /// A plain number.
    Count,
}

/// One limit: see [`KNOBS`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Knob {
    /// The key in a config file's `[limits]`.
    pub name: &'static str,
    pub unit: KnobUnit,
    /// What it bounds and what happens past it, in one line.
    pub doc: &'static str,
    /// The smallest value that makes sense (a zero concurrency would never run a call).
    pub min: u64,
    /// The value on `limits`, in base units (milliseconds, bytes, a count); `None` is off.
    get: fn(&Limits) -> Option<u64>,
    set: fn(&mut Limits, u64),
}

impl Knob {
    /// The knob's value on `limits`, as a person writes it (`10s`, `256M`, `off`).
    pub fn show(&self, limits: &Limits) -> String {
        match (self.get)(limits) {
            None => "off".to_string(),
            Some(v) => match self.unit {
                KnobUnit::Duration => show_duration(v),
                KnobUnit::Bytes => show_bytes(v),
                KnobUnit::Count => v.to_string(),
            },
        }
    }

    /// The default value, as [`Knob::show`] writes it.
    pub fn default_text(&self) -> String {
        self.show(&Limits::default())
    }

    /// Sets the knob on `limits` from its text (a duration or size) or number.
    ///
    /// # Errors
    /// A value that does not parse, is of the wrong kind, or is below [`Knob::min`]; the
    /// message names the knob.
    pub fn set(&self, limits: &mut Limits, value: KnobInput<'_>) -> Result<(), String> {
        let name = self.name;
        let parsed = match (self.unit, value) {
            (KnobUnit::Duration, KnobInput::Text(t)) => {
                parse_duration(t).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            }
            (KnobUnit::Bytes, KnobInput::Text(t)) => parse_size(t),
            (KnobUnit::Bytes | KnobUnit::Count, KnobInput::Number(n)) => {
                u64::try_from(n).map_err(|_| format!("{n} is negative"))
            }
            (KnobUnit::Duration, KnobInput::Number(_)) => {
                Err("a duration is written as text, e.g. \"10s\" or \"500ms\"".to_string())
            }
            (KnobUnit::Count, KnobInput::Text(t)) => {
                Err(format!("{t:?} is text; this limit is a number"))
            }
        }
        .map_err(|e| format!("[limits] {name}: {e}"))?;
        if parsed < self.min {
            return Err(format!("[limits] {name}: must be at least {}", self.min));
        }
        (self.set)(limits, parsed);
        Ok(())
    }
}

/// A knob's value as written in a config file.
#[derive(Debug, Clone, Copy)]
pub enum KnobInput<'a> {
    Text(&'a str),
    Number(i64),
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn usize_of(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn show_duration(ms: u64) -> String {
    if ms.is_multiple_of(60_000) && ms >= 60_000 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

fn show_bytes(b: u64) -> String {
    for (unit, scale) in [("G", 1u64 << 30), ("M", 1 << 20), ("K", 1 << 10)] {
        if b >= scale && b.is_multiple_of(scale) {
            return format!("{}{unit}", b / scale);
        }
    }
    b.to_string()
}

/// Every limit a run is held to, in the order they are shown.
pub const KNOBS: &[Knob] = &[
    Knob {
        name: "timeout",
        unit: KnobUnit::Duration,
        doc: "wall-clock time of a run, timers included; past it the run stops with exit 124",
        min: 1,
        get: |l| l.timeout.map(ms),
        set: |l, v| l.timeout = Some(Duration::from_millis(v)),
    },
    Knob {
        name: "memory",
        unit: KnobUnit::Bytes,
        doc: "guest memory; JavaScript sees a catchable out-of-memory error, uncaught it ends the run with exit 137",
        // Too small a value is refused when the sandbox is built, with its own hint.
        min: 0,
        get: |l| Some(l.memory),
        set: |l, v| l.memory = v,
    },
    Knob {
        name: "stdout",
        unit: KnobUnit::Bytes,
        doc: "stdout kept; the rest is cut, with a marker line",
        min: 0,
        get: |l| Some(l.stdout_bytes as u64),
        set: |l, v| l.stdout_bytes = usize_of(v),
    },
    Knob {
        name: "stderr",
        unit: KnobUnit::Bytes,
        doc: "stderr kept; the rest is cut, with a marker line",
        min: 0,
        get: |l| Some(l.stderr_bytes as u64),
        set: |l, v| l.stderr_bytes = usize_of(v),
    },
    Knob {
        name: "source",
        unit: KnobUnit::Bytes,
        doc: "size of a script; a larger one is refused before it runs",
        min: 1,
        get: |l| Some(l.source_bytes as u64),
        set: |l, v| l.source_bytes = usize_of(v),
    },
    Knob {
        name: "fuel",
        unit: KnobUnit::Count,
        doc: "deterministic CPU budget (about one unit per wasm instruction); past it the run stops with exit 152",
        min: 1,
        get: |l| l.fuel,
        set: |l, v| l.fuel = Some(v),
    },
    Knob {
        name: "tool_calls_per_run",
        unit: KnobUnit::Count,
        doc: "tool calls one run may make; each further call fails with E2BIG",
        min: 0,
        get: |l| Some(l.tool_calls_per_run),
        set: |l, v| l.tool_calls_per_run = v,
    },
    Knob {
        name: "tool_timeout",
        unit: KnobUnit::Duration,
        doc: "time of one tool call, for tools without their own timeout; past it ETIMEDOUT",
        min: 1,
        get: |l| Some(ms(l.tool_timeout)),
        set: |l, v| l.tool_timeout = Duration::from_millis(v),
    },
    Knob {
        name: "tool_concurrency",
        unit: KnobUnit::Count,
        doc: "calls of one batch (Promise.all) running at once; the rest wait",
        min: 1,
        get: |l| Some(l.tool_concurrency as u64),
        set: |l, v| l.tool_concurrency = usize_of(v),
    },
    Knob {
        name: "tool_args",
        unit: KnobUnit::Bytes,
        doc: "JSON arguments of one call; larger ones fail with E2BIG",
        min: 0,
        get: |l| Some(l.tool_args_bytes as u64),
        set: |l, v| l.tool_args_bytes = usize_of(v),
    },
    Knob {
        name: "tool_result",
        unit: KnobUnit::Bytes,
        doc: "JSON result of one call; a larger one fails the call with E2BIG",
        min: 0,
        get: |l| Some(l.tool_result_bytes as u64),
        set: |l, v| l.tool_result_bytes = usize_of(v),
    },
    Knob {
        name: "tool_json_depth",
        unit: KnobUnit::Count,
        doc: "nesting depth of arguments and results; deeper ones fail with E2BIG",
        min: 1,
        get: |l| Some(l.tool_json_depth as u64),
        set: |l, v| l.tool_json_depth = usize_of(v),
    },
];

/// The knob named `name` in `[limits]`.
pub fn knob(name: &str) -> Option<&'static Knob> {
    KNOBS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_knob_round_trips_its_default_through_its_own_text() {
        for k in KNOBS {
            let mut limits = Limits::default();
            if (k.get)(&limits).is_none() {
                continue;
            }
            let text = k.default_text();
            let input = match k.unit {
                KnobUnit::Count => KnobInput::Number(text.parse().expect("a count")),
                _ => KnobInput::Text(&text),
            };
            k.set(&mut limits, input).expect("its own text parses");
            assert_eq!(limits, Limits::default(), "{}", k.name);
        }
    }

    #[test]
    fn values_of_the_wrong_kind_or_too_small_name_the_knob() {
        let mut l = Limits::default();
        let err = knob("tool_concurrency")
            .unwrap()
            .set(&mut l, KnobInput::Number(0));
        assert_eq!(
            err,
            Err("[limits] tool_concurrency: must be at least 1".into())
        );
        let err = knob("timeout").unwrap().set(&mut l, KnobInput::Number(5));
        assert!(
            err.unwrap_err()
                .starts_with("[limits] timeout: a duration is written as text")
        );
        let err = knob("tool_json_depth")
            .unwrap()
            .set(&mut l, KnobInput::Text("deep"));
        assert!(err.unwrap_err().contains("tool_json_depth"));
    }

    #[test]
    fn values_show_as_people_write_them() {
        let l = Limits::default();
        let shown: Vec<_> = KNOBS.iter().map(|k| (k.name, k.show(&l))).collect();
        assert!(shown.contains(&("timeout", "10s".to_string())));
        assert!(shown.contains(&("memory", "256M".to_string())));
        assert!(shown.contains(&("fuel", "off".to_string())));
        assert!(shown.contains(&("tool_timeout", "30s".to_string())));
    }
}
