//! Replay: serving a run's tool results from a journal instead of calling the tools.

use airlock_journal::{CallEntry, Entry, FileEntry, StartEntry, canonical};
use airlock_tools::{FileChange, ToolSpec};
use serde_json::Value;

use airlock_journal::Decision;

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
    /// The session run index of `runs[0]`.
    base: u64,
    /// Which recorded call the current run expects next.
    cursor: usize,
    /// A resume: where the recording stops (at the pending call, or at its end) the run goes
    /// on live instead of diverging.
    resume: bool,
    /// The current run has gone live.
    live: bool,
}

/// The journal cannot be replayed or resumed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReplayError {
    pub message: String,
    pub hint: Option<String>,
}

/// What the replay serves for one call.
pub(crate) enum Served {
    /// The recorded outcome: the result, or the error code and message.
    /// A call that succeeded comes with the changes it made to the session's files.
    Outcome(
        Result<Value, (String, String, Option<Value>)>,
        Option<String>,
        Vec<FileChange>,
    ),
    /// The script diverged from the recording.
    Diverged(String),
    /// The recording stopped at a pending approval here (a plain replay stops the run too).
    Pending(String),
    /// A resumed run reached the end of what was recorded: this call and the rest run live.
    Live,
}

impl Replay {
    /// Loads the entries of a verified journal (see `airlock_journal::read`).
    ///
    /// # Errors
    /// [`ReplayError`] if the journal records no run.
    pub fn new(entries: Vec<Entry>) -> Result<Self, ReplayError> {
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
            return Err(ReplayError {
                message: "the journal records no run".into(),
                hint: Some("record one with `airlock run --journal FILE`".into()),
            });
        }
        Ok(Self {
            runs,
            base: 0,
            cursor: 0,
            resume: false,
            live: false,
        })
    }

    /// For `airlock resume`: serves the journal's last run (which stopped at a pending
    /// approval) to a session whose next run has that run's index; where the recording stops,
    /// the run goes on live.
    ///
    /// # Errors
    /// [`ReplayError`] if the journal records no run.
    pub fn resume(entries: Vec<Entry>) -> Result<Self, ReplayError> {
        let mut all = Self::new(entries)?;
        let last = all
            .runs
            .pop()
            .unwrap_or_else(|| unreachable!("new() refuses no runs"));
        let base = last.start.run;
        Ok(Self {
            runs: vec![last],
            base,
            cursor: 0,
            resume: true,
            live: false,
        })
    }

    /// Whether calls are still served from the recording (false once a resumed run went live).
    pub fn serving(&self) -> bool {
        !self.live
    }

    /// Whether served calls count against the budgets (a resume: the live part must see the
    /// budgets the recorded run left).
    pub fn counts_budgets(&self) -> bool {
        self.resume
    }

    fn recorded(&self, run: u64) -> Option<&RecordedRun> {
        self.runs.get(self.index(run)?)
    }

    /// Where run `run` of the session is in `runs`.
    fn index(&self, run: u64) -> Option<usize> {
        let k = usize::try_from(run.checked_sub(self.base)?).ok()?;
        (k < self.runs.len()).then_some(k)
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

    /// The start entry recorded for the session's run `run` (for a resume, the run it
    /// continues).
    pub fn start_of_run(&self, run: u64) -> Option<&StartEntry> {
        self.recorded(run).map(|r| &r.start)
    }

    pub fn begin_run(&mut self) {
        self.cursor = 0;
        self.live = false;
    }

    /// Serves call `call` of run `run`, checking it is the call the recording made next.
    pub(crate) fn serve(&mut self, run: u64, tool: &str, args: &Value) -> Served {
        let resume = self.resume;
        let Some(k) = self.index(run) else {
            if resume {
                self.live = true;
                return Served::Live;
            }
            return Served::Diverged(format!(
                "run {run} makes a tool call, but the journal records only {} run(s)",
                self.runs.len()
            ));
        };
        let recorded = &self.runs[k];
        let n = self.cursor;
        let Some(expected) = recorded.calls.get(n) else {
            if resume {
                self.live = true;
                return Served::Live;
            }
            return Served::Diverged(format!(
                "call #{n} of run {run}: the script calls {tool} {}, but the recording made only {n} call(s)",
                short(&canonical(args))
            ));
        };
        // The recorded run stopped at this batch: its pending call stands at the batch's
        // place, whichever call of the batch comes first.
        if expected.decision == Decision::Pending {
            if resume {
                self.live = true;
                return Served::Live;
            }
            let ids: Vec<&str> = expected.approvals.iter().map(|a| a.id.as_str()).collect();
            let id = ids.join(", ");
            return Served::Pending(format!(
                "call #{n} of run {run} stopped at approval {id}, pending in the recording"
            ));
        }
        let args = canonical(args);
        let same_args = expected.args == args
            || expected.args_sha256.as_deref().is_some_and(|sha| {
                sha == airlock_journal::sha256_hex(
                    airlock_journal::canonical_string(&args).as_bytes(),
                )
            });
        if expected.tool != tool || !same_args {
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
                Err((
                    error.code.clone(),
                    error.message.clone(),
                    error.data.clone(),
                )),
                expected.rule.clone(),
                Vec::new(),
            );
        }
        let files = match recorded_files(&expected.files) {
            Ok(files) => files,
            Err(why) => return Served::Diverged(format!("call #{n} of run {run} ({tool}): {why}")),
        };
        match &expected.result {
            Some(result) => Served::Outcome(Ok(result.clone()), expected.rule.clone(), files),
            None if expected.result_size.is_none() => {
                Served::Outcome(Ok(Value::Null), expected.rule.clone(), files)
            }
            None => Served::Diverged(format!(
                "call #{n} of run {run} ({tool}): its result ({} bytes) was journaled only by its hash, so it cannot be served; record with a higher result threshold",
                expected.result_size.unwrap_or(0)
            )),
        }
    }

    /// At the end of run `run`: the divergence if the script made fewer calls than recorded.
    pub fn finish_run(&self, run: u64) -> Option<String> {
        if self.resume {
            return None;
        }
        let recorded = self.recorded(run)?;
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

pub(crate) use airlock_tools::dts::short_json as short;

/// The file changes a call recorded, as the pipeline applies them.
fn recorded_files(entries: &[FileEntry]) -> Result<Vec<FileChange>, String> {
    use base64::Engine as _;
    entries
        .iter()
        .map(|e| {
            let path = e.path.clone();
            Ok(match e.op.as_str() {
                "mkdir" => FileChange::Mkdir { path },
                "remove" => FileChange::Remove { path },
                "write" => {
                    let Some(data) = &e.data else {
                        return Err(format!(
                            "the contents it wrote to {path} ({} bytes) were journaled only by their hash, so they cannot be served; record with a higher result threshold",
                            e.size.unwrap_or(0)
                        ));
                    };
                    let data = base64::engine::general_purpose::STANDARD
                        .decode(data)
                        .map_err(|err| format!("the contents it wrote to {path} are not base64: {err}"))?;
                    FileChange::Write {
                        path,
                        data: std::sync::Arc::new(data),
                    }
                }
                other => return Err(format!("unknown file change \"{other}\" on {path}")),
            })
        })
        .collect()
}
