//! Replay: serving a run's tool results from a journal instead of calling the tools.

use airlock_journal::{CallEntry, Entry, StartEntry, canonical};
use airlock_tools::ToolSpec;
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// One recorded run: how it started and the calls it made.
#[derive(Debug, Clone)]
struct RecordedRun {
    start: StartEntry,
    calls: Vec<CallEntry>,
}

/// A journal loaded for replay: each run of a session is served the results its recorded run
/// got, and any difference in the calls the script makes (tool, arguments or order) stops the
/// run and is reported as a divergence.
#[derive(Debug, Clone)]
pub struct Replay {
    runs: Vec<RecordedRun>,
    /// Which recorded call the current run expects next.
    cursor: usize,
}

/// What the replay serves for one call.
pub(crate) enum Served {
    /// The recorded outcome: the result, or the error code and message.
    Outcome(Result<Value, (String, String)>, Option<String>),
    /// The script diverged from the recording.
    Diverged(String),
}

impl Replay {
    /// Loads the entries of a verified journal (see `airlock_journal::read`).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] if the journal records no run.
    pub fn new(entries: Vec<Entry>) -> Result<Self, Error> {
        let mut runs: Vec<RecordedRun> = Vec::new();
        for entry in entries {
            match entry {
                Entry::Start(start) => runs.push(RecordedRun {
                    start,
                    calls: Vec::new(),
                }),
                Entry::Call(call) => {
                    if let Some(run) = runs.last_mut() {
                        run.calls.push(call);
                    }
                }
                Entry::End(_) => {}
            }
        }
        if runs.is_empty() {
            return Err(
                Error::new(ErrorKind::InvalidConfig, "the journal records no run")
                    .with_hint("record one with `airlock run --journal FILE`"),
            );
        }
        Ok(Self { runs, cursor: 0 })
    }

    /// How many runs the journal recorded.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The recorded run `run`'s start entry: its script, language, seed and tools.
    pub fn start(&self, run: usize) -> Option<&StartEntry> {
        self.runs.get(run).map(|r| &r.start)
    }

    /// The tools run `run` was given, rebuilt from the journal (their backends are never
    /// called during a replay).
    pub fn tools(&self, run: usize) -> Vec<ToolSpec> {
        let Some(start) = self.start(run) else {
            return Vec::new();
        };
        start
            .tools
            .iter()
            .filter_map(|t| {
                let name = t.get("name")?.as_str()?;
                let description = t.get("description").and_then(Value::as_str).unwrap_or("");
                let mut spec = ToolSpec::new(name, description);
                if let Some(schema) = t.get("input_schema") {
                    spec.input_schema = schema.clone();
                }
                spec.output_schema = t.get("output_schema").cloned();
                Some(spec)
            })
            .collect()
    }

    pub(crate) fn begin_run(&mut self) {
        self.cursor = 0;
    }

    /// Serves call `call` of run `run`, checking it is the call the recording made next.
    pub(crate) fn serve(&mut self, run: u64, tool: &str, args: &Value) -> Served {
        let Some(recorded) = usize::try_from(run).ok().and_then(|r| self.runs.get(r)) else {
            return Served::Diverged(format!(
                "run {run} makes a tool call, but the journal records only {} run(s)",
                self.runs.len()
            ));
        };
        let n = self.cursor;
        let Some(expected) = recorded.calls.get(n) else {
            return Served::Diverged(format!(
                "call #{n} of run {run}: the script calls {tool} {}, but the recording made only {n} call(s)",
                short(&canonical(args))
            ));
        };
        let args = canonical(args);
        if expected.tool != tool || expected.args != args {
            return Served::Diverged(format!(
                "call #{n} of run {run}: expected {} {}, got {tool} {}",
                expected.tool,
                short(&expected.args),
                short(&args)
            ));
        }
        self.cursor += 1;
        if let Some(error) = &expected.error {
            return Served::Outcome(
                Err((error.code.clone(), error.message.clone())),
                expected.rule.clone(),
            );
        }
        match &expected.result {
            Some(result) => Served::Outcome(Ok(result.clone()), expected.rule.clone()),
            None if expected.result_size.is_none() => {
                Served::Outcome(Ok(Value::Null), expected.rule.clone())
            }
            None => Served::Diverged(format!(
                "call #{n} of run {run} ({tool}): its result ({} bytes) was journaled only by its hash, so it cannot be served; record with a higher result threshold",
                expected.result_size.unwrap_or(0)
            )),
        }
    }

    /// At the end of run `run`: the divergence if the script made fewer calls than recorded.
    pub(crate) fn finish_run(&self, run: u64) -> Option<String> {
        let recorded = usize::try_from(run).ok().and_then(|r| self.runs.get(r))?;
        let next = recorded.calls.get(self.cursor)?;
        Some(format!(
            "run {run} ended after {} call(s), but the recording made {}; the next was {} {}",
            self.cursor,
            recorded.calls.len(),
            next.tool,
            short(&next.args)
        ))
    }
}

/// Compact JSON, cut to a readable length.
pub(crate) fn short(value: &Value) -> String {
    const MAX: usize = 120;
    let text = value.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
