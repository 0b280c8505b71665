//! [`Session`]: the state an agent's runs share, and [`Session::run`].

use std::time::{Duration, Instant};

use airlock_vfs::{Vfs, VfsLimits};
use wasmtime::{InstancePre, Store, Trap, UpdateDeadline};

use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::output::{Language, RunOutput, Termination, Usage};
use crate::sandbox::Sandbox;
use crate::state::{HostExit, OutputHandler, OutputStream, RunState};
use crate::{exit_code, wasi};

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
        self.run_named(language, code, DEFAULT_FILENAME)
    }

    /// Like [`Session::run`], naming the script `filename` in stack traces.
    pub fn run_named(
        &mut self,
        language: Language,
        code: &str,
        filename: &str,
    ) -> Result<RunOutput, Error> {
        if language != Language::JavaScript {
            return Err(Error::new(
                ErrorKind::UnsupportedLanguage,
                format!("language '{language}' is not available in this build"),
            )
            .with_hint("run the script as JavaScript (--lang js)"));
        }
        if code.len() > self.limits.source_bytes {
            return Err(Error::new(
                ErrorKind::SourceTooLarge,
                format!(
                    "the script is {} bytes, over the source limit of {} bytes",
                    code.len(),
                    self.limits.source_bytes
                ),
            )
            .with_hint("split the work into smaller scripts, or keep data in files and read it from the script"));
        }
        self.runs += 1;
        let started = Instant::now();
        let inner = &self.sandbox.inner;
        let seed = fresh_seed(self.runs);
        let request = encode_request(seed, self.limits.memory, filename, code);
        let vfs = std::mem::replace(&mut self.vfs, Vfs::new(VfsLimits::default()));
        let mut state = RunState::new(vfs, &self.limits, request, self.output.clone());
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
            self.vfs = store.into_data().vfs;
            return Err(Error::engine("setting fuel", e));
        }
        if inner.config.interruptible {
            store.set_epoch_deadline(1);
            store.epoch_deadline_callback(move |_| match deadline {
                Some(d) if Instant::now() >= d => Err(Trap::Interrupt.into()),
                _ => Ok(UpdateDeadline::Continue(1)),
            });
        }

        let _ticking = inner.ticker.activate();
        let outcome = match execute(&inner.pre, &mut store) {
            Ok(outcome) => outcome,
            Err(e) => {
                self.vfs = store.into_data().vfs;
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
        let state = store.into_data();
        self.vfs = state.vfs;

        let termination = classify(result, memory_denied);
        let mut stderr = state.stderr.finish("stderr");
        if let Some(message) = limit_message(&termination, &self.limits) {
            stderr.extend_from_slice(message.as_bytes());
        }
        Ok(RunOutput {
            stdout: state.stdout.finish("stdout"),
            stderr,
            exit_code: termination.exit_code(),
            termination,
            value: state.value,
            usage: Usage {
                wall: started.elapsed(),
                fuel,
                peak_memory,
            },
        })
    }
}

/// Instantiates the guest and calls its `run`: the result and the peak memory.
fn execute(
    pre: &InstancePre<RunState>,
    store: &mut Store<RunState>,
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
    // `call_async` runs the guest on a fiber with a stack of its own (`WASM_STACK`, from the
    // instance pool): deep JavaScript recursion needs native stack, the caller's thread may
    // have little, and a fiber switch costs far less than handing the run to another thread.
    // No host function suspends, so the future completes on its first poll.
    let result = instance
        .get_typed_func::<(), i32>(&mut *store, "run")
        .and_then(|run| crate::snapshot::block_on(run.call_async(&mut *store, ())));
    let peak = instance
        .get_memory(&mut *store, "memory")
        .map(|m| m.data_size(&*store) as u64)
        .unwrap_or(0);
    Ok((result, peak))
}

fn classify(result: wasmtime::Result<i32>, memory_denied: bool) -> Termination {
    let error = match result {
        Ok(exit_code::OUT_OF_MEMORY) => return Termination::OutOfMemory,
        Ok(code) => return Termination::Exited(code),
        Err(e) => e,
    };
    match error.downcast_ref::<HostExit>() {
        Some(HostExit::Exit(code)) => return Termination::Exited(*code),
        Some(HostExit::Timeout) => return Termination::Timeout,
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

/// `seed u64 | memory u64 | name_len u32 | name | code`, little-endian (see the guest).
fn encode_request(seed: u64, memory: u64, filename: &str, code: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + filename.len() + code.len());
    out.extend_from_slice(&seed.to_le_bytes());
    out.extend_from_slice(&memory.to_le_bytes());
    out.extend_from_slice(&(filename.len() as u32).to_le_bytes());
    out.extend_from_slice(filename.as_bytes());
    out.extend_from_slice(code.as_bytes());
    out
}
