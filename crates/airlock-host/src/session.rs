//! [`Session`]: the state an agent's runs share, and [`Session::run`].

use std::time::{Duration, Instant};

use airlock_vfs::{Vfs, VfsLimits};
use wasmtime::{InstancePre, Store, Trap};

use crate::deadline::{self, Flag};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::output::{Language, RunOutput, Termination, Usage};
use crate::sandbox::{Sandbox, Ticker};
use crate::state::{HostExit, OutputHandler, OutputSink, OutputStream, RunState};
use crate::{exit_code, wasi};
use airlock_journal::{self as journal, EndEntry, StartEntry, rfc3339_millis};
use airlock_pipeline::{
    Approvals, Clock, Interrupt, Replay, RunTools, SessionJournal, SessionTools, Toolset,
};

/// What a session keeps between runs, as plain data (see [`Session::image`]).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionImage {
    /// Runs made so far.
    pub runs: u64,
    /// The seed of the script's randomness, if one was set.
    pub seed: Option<u64>,
    /// Every file and folder the scripts made.
    pub files: Vec<airlock_vfs::ImageEntry>,
    /// The working directory.
    pub cwd: String,
    /// The policy's counters (calls, rate windows, sums).
    pub budgets: airlock_policy::BudgetImage,
}

/// The file name stack traces show for code that did not come from a file.
const DEFAULT_FILENAME: &str = "script.js";

/// One agent's sandbox: owns the virtual filesystem (which persists across runs) and the limits
/// its runs are held to. Every run gets a fresh guest instance, so a run that traps, times out or
/// runs out of memory leaves the session and its files intact.
#[derive(Debug)]
pub struct Session {
    sandbox: Sandbox,
    vfs: Vfs,
    limits: Limits,
    runs: u64,
    output: Option<OutputHandler>,
    /// Budgets, journal and clock; lent to each run like the filesystem.
    tools: Option<SessionTools>,
    /// A fixed seed for the guest's randomness, if one was set.
    seed: Option<u64>,
    /// The tools, policy and layers this session's runs get.
    toolset: Toolset,
    /// The W3C `traceparent` runs belong to, handed to layers (tracing).
    traceparent: Option<String>,
    /// The config file named in the journal's start entries, for `airlock resume`.
    journal_config: Option<String>,
    /// The `seq` of the start entry of the run a resumed session continues.
    resumes: Option<u64>,
    /// Stops the running run from another thread.
    interrupt: Interrupt,
}

impl Session {
    /// A session with the sandbox's default limits and an empty filesystem.
    pub fn new(sandbox: &Sandbox) -> Self {
        let config = sandbox.config();
        Self {
            sandbox: sandbox.clone(),
            vfs: Vfs::new(config.vfs.clone()),
            limits: config.limits.clone(),
            runs: 0,
            output: None,
            tools: Some(SessionTools::new(&config.tools)),
            seed: None,
            toolset: config.tools.clone(),
            traceparent: None,
            journal_config: None,
            resumes: None,
            interrupt: Interrupt::new(),
        }
    }

    /// A handle that stops this session's run from another thread: the guest stops at once
    /// (a tool, timer or approval it waits for is abandoned), the run ends with
    /// [`Termination::Interrupted`], and the session and its files stay usable. Fired while no
    /// run is in progress, it stops the next run before it starts.
    pub fn interrupter(&self) -> Interrupt {
        self.interrupt.clone()
    }

    /// Gives this session its own tools, policy and layers instead of the sandbox's (one
    /// engine, many sets of tools: a server's profiles, an embedder's per-user tools). Budgets
    /// start afresh under the new policy; the journal, replay, clock and approvals stay.
    pub fn set_toolset(&mut self, toolset: Toolset) {
        if let Some(tools) = &mut self.tools {
            tools.policy = airlock_policy::PolicyState::new(toolset.policy());
        }
        self.toolset = toolset;
    }

    /// The tools, policy and layers this session's runs get.
    pub fn toolset(&self) -> &Toolset {
        &self.toolset
    }

    /// Where this session's approvals are asked and answered (see [`Approvals`]). Keep a clone
    /// to answer them from elsewhere on the host while a run waits.
    pub fn set_approvals(&mut self, approvals: Approvals) {
        if let Some(tools) = &mut self.tools {
            tools.approvals = approvals;
        }
    }

    /// The session's approvals broker (a clone shares its pending approvals).
    pub fn approvals(&self) -> Approvals {
        self.tools
            .as_ref()
            .map(|t| t.approvals.clone())
            .unwrap_or_default()
    }

    /// Runs belong to the trace `traceparent` (W3C format): layers such as `trace` make their
    /// spans its children.
    pub fn set_traceparent(&mut self, traceparent: Option<String>) {
        self.traceparent = traceparent;
    }

    /// Names `path` in the journal's start entries as the config the tools came from, so that
    /// `airlock resume` can rebuild them.
    pub fn set_journal_config(&mut self, path: impl Into<String>) {
        self.journal_config = Some(path.into());
    }

    /// Continues the journal whose contents so far are `existing`, writing to `out` (which
    /// should append to the same file), so the journal stays one hash chain; the next run is
    /// numbered `next_run` and resumes the run whose start entry has `seq` `resumes`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] if `existing` does not verify.
    pub fn resume_journal(
        &mut self,
        existing: &[u8],
        out: impl std::io::Write + Send + 'static,
        result_threshold: usize,
        next_run: u64,
        resumes: u64,
    ) -> Result<(), Error> {
        let journal = SessionJournal::resume(existing, Box::new(out), result_threshold)
            .map_err(|e| Error::new(ErrorKind::InvalidConfig, format!("the journal: {e}")))?;
        if let Some(tools) = &mut self.tools {
            tools.journal = Some(journal);
        }
        self.runs = next_run;
        self.resumes = Some(resumes);
        Ok(())
    }

    /// Seeds the script's randomness (`Math.random`, `crypto`): each run's sequence then
    /// depends only on the seed and the run's index in the session.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = Some(seed);
    }

    /// Makes runs deterministic: randomness seeded with `seed`, and a virtual clock that starts
    /// at [`crate::VIRTUAL_EPOCH_UNIX_MS`] and moves only when the script sleeps or waits for a
    /// timer (which then fire at once). The same script with the same tool results then gives
    /// byte-identical output and journal.
    pub fn set_deterministic(&mut self, seed: u64) {
        self.seed = Some(seed);
        if let Some(tools) = &mut self.tools {
            tools.clock = Clock::Virtual {
                elapsed: Duration::ZERO,
            };
        }
    }

    /// What the session keeps between runs, as plain data (file contents shared, not copied):
    /// for a store that lets another process continue it (`airlock serve --store`).
    pub fn image(&self) -> SessionImage {
        let (files, cwd) = self.vfs.image();
        let budgets = self
            .tools
            .as_ref()
            .map(|t| t.policy.image(t.clock.monotonic()))
            .unwrap_or_default();
        SessionImage {
            runs: self.runs,
            seed: self.seed,
            files,
            cwd,
            budgets,
        }
    }

    /// Continues the session an [`image`](Self::image) was taken of: its files (under this
    /// session's limits), budgets, run count and seed. Deterministic sessions are not carried
    /// over (their virtual clock is not part of the image).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when the files do not fit this session's limits or the
    /// image is malformed; the session is unchanged then.
    pub fn restore_image(&mut self, image: &SessionImage) -> Result<(), Error> {
        if self.is_deterministic() {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "a deterministic session cannot be restored from an image",
            ));
        }
        let vfs =
            Vfs::from_image(self.vfs.limits().clone(), &image.files, &image.cwd).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidConfig,
                    format!("the session's saved files do not load: {e}"),
                )
                .with_hint("the files exceed this session's [vfs] limits, or the image was damaged")
            })?;
        self.vfs = vfs;
        self.runs = image.runs;
        self.seed = image.seed;
        if let Some(tools) = &mut self.tools {
            tools.policy =
                airlock_policy::PolicyState::from_image(&image.budgets, tools.clock.monotonic());
        }
        Ok(())
    }

    /// Whether runs use the virtual clock (see [`Session::set_deterministic`]).
    pub fn is_deterministic(&self) -> bool {
        self.tools.as_ref().is_some_and(|t| t.clock.is_virtual())
    }

    /// Journals every run and tool call of this session to `out` as hash-chained JSON lines
    /// (see the `airlock-journal` crate). Results up to `result_threshold` bytes of JSON are
    /// kept in full, so a replay can serve them; larger ones by size and SHA-256 only. If
    /// writing fails, further tool calls are refused, so that no call goes unrecorded.
    pub fn set_journal(
        &mut self,
        out: impl std::io::Write + Send + 'static,
        result_threshold: usize,
    ) {
        if let Some(tools) = &mut self.tools {
            tools.journal = Some(SessionJournal::new(Box::new(out), result_threshold));
        }
    }

    /// The hash of the journal's last entry: keep it to detect a cut or edited tail later.
    pub fn journal_head(&self) -> Option<String> {
        let journal = self.tools.as_ref()?.journal.as_ref()?;
        Some(journal.head().to_string())
    }

    /// Why the journal stopped being written, if it did.
    pub fn journal_failure(&self) -> Option<String> {
        let journal = self.tools.as_ref()?.journal.as_ref()?;
        journal.failure().map(str::to_string)
    }

    /// Serves this session's tool calls from a recording instead of calling the tools: run
    /// `k` of the session gets the results recorded for run `k`, and a call that differs from
    /// the recording (tool, arguments or order) ends the run with
    /// [`Termination::Diverged`].
    pub fn set_replay(&mut self, replay: Replay) {
        if let Some(tools) = &mut self.tools {
            tools.replay = Some(replay);
        }
    }

    /// Replaces this session's limits.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] if `limits.memory` exceeds the sandbox's memory limit (the
    /// instance pool is sized by it) or fuel is asked for on a sandbox built without it.
    pub fn set_limits(&mut self, limits: Limits) -> Result<(), Error> {
        let config = self.sandbox.config();
        if limits.memory > config.limits.memory {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                format!(
                    "session memory limit {} exceeds the sandbox's {}",
                    limits.memory, config.limits.memory
                ),
            )
            .with_hint("raise SandboxConfig::limits.memory when building the Sandbox"));
        }
        if limits.fuel.is_some() && !config.fuel {
            return Err(Error::new(
                ErrorKind::InvalidConfig,
                "fuel limit set but fuel metering is off",
            )
            .with_hint("build the Sandbox with SandboxConfig::fuel = true"));
        }
        self.limits = limits;
        Ok(())
    }

    /// Calls `handler` with the script's output as it is written, during the run, instead of
    /// only returning it at the end (for live display). The handler sees exactly the bytes kept
    /// in [`RunOutput::stdout`] and [`RunOutput::stderr`]; what those hold beyond them (a
    /// truncation marker, airlock's message when a limit ended the run) is added afterwards.
    /// It runs on the guest's stack, so it should be quick.
    pub fn on_output(&mut self, handler: impl Fn(OutputStream, &[u8]) + Send + Sync + 'static) {
        self.output = Some(OutputHandler(std::sync::Arc::new(handler)));
    }

    /// This session's limits.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The session's filesystem.
    pub fn vfs(&self) -> &Vfs {
        &self.vfs
    }

    /// The session's filesystem, to seed it or read results back.
    pub fn vfs_mut(&mut self) -> &mut Vfs {
        &mut self.vfs
    }

    /// How many runs this session has made.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Runs `code` and returns what it produced. A script that fails, times out or runs out of
    /// memory is not an error: see [`RunOutput::termination`].
    ///
    /// # Errors
    /// [`ErrorKind::SourceTooLarge`], [`ErrorKind::UnsupportedLanguage`], [`ErrorKind::Busy`]
    /// when every instance slot is taken, [`ErrorKind::Engine`] for host failures.
    pub fn run(&mut self, language: Language, code: &str) -> Result<RunOutput, Error> {
        let name = match language {
            Language::Shell => "script.sh",
            Language::TypeScript => "script.ts",
            _ => DEFAULT_FILENAME,
        };
        self.run_named(language, code, name)
    }

    /// Like [`Session::run`], naming the script `filename` in stack traces.
    pub fn run_named(
        &mut self,
        language: Language,
        source: &str,
        filename: &str,
    ) -> Result<RunOutput, Error> {
        if source.len() > self.limits.source_bytes {
            return Err(Error::new(
                ErrorKind::SourceTooLarge,
                format!(
                    "the script is {} bytes, over the source limit of {} bytes",
                    source.len(),
                    self.limits.source_bytes
                ),
            )
            .with_hint("split the work into smaller scripts, or keep data in files and read it from the script"));
        }
        // TypeScript runs as the JavaScript its types leave; a script that does not parse ends
        // here as a JavaScript syntax error would, without a run.
        let stripped;
        let code = if language == Language::TypeScript {
            match airlock_typescript::strip(source) {
                Ok(js) => {
                    stripped = js;
                    stripped.as_str()
                }
                Err(e) => return Ok(strip_failure(&e, filename)),
            }
        } else if let Some(js) = airlock_typescript::imports(source) {
            // A JavaScript script's static imports become dynamic ones, as a TypeScript one's do.
            stripped = js;
            stripped.as_str()
        } else {
            source
        };
        let run = self.runs;
        self.runs += 1;
        let started = Instant::now();
        let sandbox = self.sandbox.clone();
        let inner = &sandbox.inner;
        let set = self.toolset.clone();
        let mut session_tools = self.tools.take().unwrap_or_else(|| SessionTools::new(&set));
        // A replayed run gets the seed its recording had, so it draws the same random numbers.
        let recorded = session_tools
            .replay
            .as_ref()
            .and_then(|r| r.start_of_run(run))
            .map(|start| start.seed);
        let seed = match (recorded, self.seed) {
            (Some(seed), _) => seed,
            (None, Some(seed)) => wasi::splitmix64(seed ^ run),
            (None, None) => fresh_seed(self.runs),
        };
        session_tools.policy.begin_run();
        if let Some(replay) = &mut session_tools.replay {
            replay.begin_run();
        }
        let names: Vec<&str> = set.visible().map(|s| s.name.as_str()).collect();
        let mut flags = if session_tools.journal.is_some() {
            FLAG_CALL_LINES
        } else {
            0
        };
        if language == Language::Shell {
            flags |= FLAG_SHELL;
        }
        if let Some(journal) = &mut session_tools.journal {
            let mut entry = start_entry(
                &set,
                &session_tools.clock,
                run,
                language,
                filename,
                source,
                seed,
            );
            entry.config.clone_from(&self.journal_config);
            entry.resumes = self.resumes.take();
            journal.start(entry);
        }
        let request = encode_request(&Request {
            seed,
            memory: self.limits.memory,
            flags,
            filename,
            tools: &names,
            code,
        });
        let vfs = std::mem::replace(&mut self.vfs, Vfs::new(VfsLimits::default()));
        let mut tools = RunTools::new(set.clone(), session_tools, self.limits.tool_limits(), run);
        tools.traceparent.clone_from(&self.traceparent);
        tools.interrupt = self.interrupt.clone();
        tools.begin(match language {
            Language::Shell => "shell",
            Language::TypeScript => "typescript",
            _ => "javascript",
        });
        let mut state = RunState::new(vfs, &self.limits, request, self.output.clone(), tools);
        state.rng = wasi::splitmix64(seed);
        let deadline = self
            .limits
            .timeout
            .filter(|_| inner.config.interruptible)
            .map(|t| started + t);
        state.deadline = deadline;

        let mut store = Store::new(&inner.engine, state);
        store.limiter(|s| &mut s.memory);
        // Without a fuel limit the budget is effectively unbounded but still counted.
        if inner.config.fuel
            && let Err(e) = store.set_fuel(self.limits.fuel.unwrap_or(u64::MAX))
        {
            self.restore(store.into_data());
            return Err(Error::engine("setting fuel", e));
        }
        let ticker = inner.config.interruptible.then_some(&inner.ticker);
        let outcome = match execute(&inner.pre, &mut store, ticker) {
            Ok(outcome) => outcome,
            Err(e) => {
                self.restore(store.into_data());
                return Err(e);
            }
        };
        let fuel = inner
            .config
            .fuel
            .then(|| store.get_fuel().ok())
            .flatten()
            .map(|left| self.limits.fuel.unwrap_or(u64::MAX) - left);
        let (result, peak_memory) = outcome;
        let memory_denied = store.data().memory.denied;
        let mut state = store.into_data();
        let mut termination = classify(result, memory_denied, &mut state.tools);
        // A wait cut short by the interrupt ends like a deadline; say what really happened.
        if self.interrupt.is_set() {
            if matches!(termination, Termination::Timeout) {
                termination = Termination::Interrupted;
            }
            self.interrupt.clear();
        }
        let tools = &mut state.tools;
        if let Some(replay) = &tools.session.replay
            && matches!(termination, Termination::Exited(_))
            && let Some(why) = replay.finish_run(run)
        {
            termination = Termination::Diverged(why);
        }
        let exit = termination.exit_code();
        let calls = tools.calls;
        let journaled = tools.end(exit);
        if let Some(journal) = &mut tools.session.journal {
            journal.end(EndEntry {
                time: rfc3339_millis(tools.session.clock.unix().as_millis() as u64),
                run,
                exit_code: exit,
                calls: journaled,
                ..EndEntry::default()
            });
        }
        let records = std::mem::take(&mut tools.records.calls);
        let value = state.value.take();
        let stdout = std::mem::replace(&mut state.stdout, OutputSink::detached()).finish("stdout");
        let stderr_sink = std::mem::replace(&mut state.stderr, OutputSink::detached());
        self.restore(state);

        let mut stderr = stderr_sink.finish("stderr");
        if let Some(message) = limit_message(&termination, &self.limits) {
            stderr.extend_from_slice(message.as_bytes());
        }
        Ok(RunOutput {
            stdout,
            stderr,
            exit_code: exit,
            termination,
            value,
            usage: Usage {
                wall: started.elapsed(),
                fuel,
                peak_memory,
                tool_calls: calls,
            },
            calls: records,
        })
    }

    /// Takes back what the session lent a run.
    fn restore(&mut self, state: RunState) {
        self.vfs = state.vfs;
        self.tools = Some(state.tools.session);
    }
}

/// The journal entry that opens a run: everything a replay needs besides the tool results.
fn start_entry(
    set: &Toolset,
    clock: &Clock,
    run: u64,
    language: Language,
    filename: &str,
    code: &str,
    seed: u64,
) -> StartEntry {
    StartEntry {
        time: rfc3339_millis(clock.unix().as_millis() as u64),
        run,
        language: match language {
            Language::Shell => journal::Language::Shell,
            Language::TypeScript => journal::Language::TypeScript,
            _ => journal::Language::JavaScript,
        },
        name: filename.to_string(),
        script: code.to_string(),
        seed,
        deterministic: clock.is_virtual(),
        tools: set
            .visible()
            .filter_map(|s| serde_json::to_value(s).ok())
            .collect(),
        ..StartEntry::default()
    }
}

/// Instantiates the guest and calls its `run`: the result and the peak memory. With a `ticker`,
/// the instance's deadline flag is raised every tick while it runs (see deadline.rs).
fn execute(
    pre: &InstancePre<RunState>,
    store: &mut Store<RunState>,
    ticker: Option<&Ticker>,
) -> Result<(wasmtime::Result<i32>, u64), Error> {
    let instance = pre.instantiate(&mut *store).map_err(|e| {
        let text = format!("{e:#}");
        if text.contains("concurrent") || text.contains("maximum number") {
            Error::new(ErrorKind::Busy, format!("cannot start the run: {text}"))
                .with_hint("too many runs at once; raise SandboxConfig::max_concurrent_runs")
        } else {
            Error::engine("instantiating the guest", text)
        }
    })?;
    let _ticking = match ticker {
        Some(ticker) => {
            let memory = instance
                .get_memory(&mut *store, deadline::FLAG_EXPORT)
                .ok_or_else(|| {
                    Error::engine("preparing the guest", "the guest has no deadline flag")
                })?;
            // SAFETY: the flag's memory is one page that cannot grow, and the pooling
            // allocator never moves a memory; `store` (which owns the instance) outlives the
            // guard, which is dropped at the end of this function.
            let flag = unsafe { Flag::at(memory.data_ptr(&*store)) };
            store.data_mut().flag = Some(flag);
            // SAFETY: as above, the memory outlives the guard.
            Some(unsafe { ticker.watch(flag) })
        }
        None => None,
    };
    // `call_async` runs the guest on a fiber with a stack of its own (`WASM_STACK`, from the
    // instance pool): deep JavaScript recursion needs native stack, the caller's thread may
    // have little, and a fiber switch costs far less than handing the run to another thread.
    // No host function suspends, so the future completes on its first poll.
    let result = instance
        .get_typed_func::<(), i32>(&mut *store, "run")
        .and_then(|run| crate::snapshot::block_on(run.call_async(&mut *store, ())));
    store.data_mut().flag = None;
    let peak = instance
        .get_memory(&mut *store, "memory")
        .map(|m| m.data_size(&*store) as u64)
        .unwrap_or(0);
    Ok((result, peak))
}

fn classify(
    result: wasmtime::Result<i32>,
    memory_denied: bool,
    tools: &mut RunTools,
) -> Termination {
    let error = match result {
        Ok(exit_code::OUT_OF_MEMORY) => return Termination::OutOfMemory,
        Ok(code) => return Termination::Exited(code),
        Err(e) => e,
    };
    match error.downcast_ref::<HostExit>() {
        Some(HostExit::Exit(code)) => return Termination::Exited(*code),
        Some(HostExit::Timeout) => return Termination::Timeout,
        Some(HostExit::Diverged) => {
            return Termination::Diverged(tools.stopped.take().unwrap_or_default());
        }
        Some(HostExit::Pending) => {
            return Termination::Pending(tools.stopped.take().unwrap_or_default());
        }
        Some(HostExit::Interrupted) => return Termination::Interrupted,
        None => {}
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Termination::Timeout,
        Some(Trap::OutOfFuel) => Termination::OutOfFuel,
        _ if memory_denied => Termination::OutOfMemory,
        Some(Trap::StackOverflow) => Termination::StackOverflow,
        Some(trap) => Termination::Crashed(format!("the guest trapped: {trap}")),
        None => Termination::Crashed(format!("{error:#}")),
    }
}

/// The outcome of a TypeScript script that does not parse: what the guest says of a JavaScript
/// syntax error, with the script's own line and column.
fn strip_failure(error: &airlock_typescript::StripError, filename: &str) -> RunOutput {
    let mut stderr = format!(
        "SyntaxError: {}\n    at {filename}:{}:{}\n",
        error.message, error.line, error.column
    );
    if let Some(hint) = &error.hint {
        stderr.push_str(&format!("hint: {hint}\n"));
    }
    RunOutput {
        stdout: Vec::new(),
        stderr: stderr.into_bytes(),
        exit_code: exit_code::ERROR,
        termination: Termination::Exited(exit_code::ERROR),
        value: None,
        usage: Usage::default(),
        calls: Vec::new(),
    }
}

fn limit_message(termination: &Termination, limits: &Limits) -> Option<String> {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    Some(match termination {
        Termination::Exited(_) => return None,
        Termination::Timeout => format!(
            "airlock: the run was stopped after {} (the timeout limit)\nhint: make the script do less, or raise the limit with --timeout\n",
            limits.timeout.map(fmt_duration).unwrap_or_default()
        ),
        Termination::OutOfMemory => format!(
            "airlock: the run ran out of memory (limit {:.0} MiB)\nhint: process data in smaller pieces, or raise the limit with --memory\n",
            mib(limits.memory)
        ),
        Termination::OutOfFuel => format!(
            "airlock: the run used up its fuel budget ({} units)\nhint: make the script do less, or raise the fuel limit\n",
            limits.fuel.unwrap_or(0)
        ),
        Termination::StackOverflow => "airlock: the script recursed too deeply and overflowed the stack\nhint: turn deep recursion into a loop or an explicit stack\n".to_string(),
        Termination::Crashed(why) => format!("airlock: the run crashed: {why}\n"),
        Termination::Pending(why) => format!("airlock: {why}\nhint: answer it with `airlock approvals approve JOURNAL ID` (or `deny`), then `airlock resume JOURNAL` finishes the run\n"),
        Termination::Interrupted => "airlock: the run was interrupted by the host\n".to_string(),
        Termination::Diverged(why) => format!("airlock: replay diverged: {why}\nhint: a replay serves only the calls the recording made, in its order; record a new journal if the change is intended\n"),
    })
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A seed for the guest's random generator: fresh per run.
fn fresh_seed(counter: u64) -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one((counter, Instant::now()))
}

/// Request flag: the guest reports the script line of each tool call (for the journal).
const FLAG_CALL_LINES: u32 = 1;
/// Request flag: the script is a shell script.
const FLAG_SHELL: u32 = 2;

/// What the guest is asked to run.
struct Request<'a> {
    seed: u64,
    memory: u64,
    flags: u32,
    filename: &'a str,
    /// Names of the tools the script is given stubs for.
    tools: &'a [&'a str],
    code: &'a str,
}

/// `seed u64 | memory u64 | flags u32 | name_len u32 | name | tools_len u32 | tools | code`,
/// little-endian, where `tools` is the tool names joined by `\n` (see the guest's `host.rs`).
fn encode_request(r: &Request<'_>) -> Vec<u8> {
    let tools = r.tools.join("\n");
    let mut out = Vec::with_capacity(28 + r.filename.len() + tools.len() + r.code.len());
    out.extend_from_slice(&r.seed.to_le_bytes());
    out.extend_from_slice(&r.memory.to_le_bytes());
    out.extend_from_slice(&r.flags.to_le_bytes());
    out.extend_from_slice(&(r.filename.len() as u32).to_le_bytes());
    out.extend_from_slice(r.filename.as_bytes());
    out.extend_from_slice(&(tools.len() as u32).to_le_bytes());
    out.extend_from_slice(tools.as_bytes());
    out.extend_from_slice(r.code.as_bytes());
    out
}
