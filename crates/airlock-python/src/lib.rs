//! `airlock._native`: the sandbox as a CPython extension module. The Python package
//! (`python/airlock`) is the public API; this module gives it a sandbox, sessions and runs,
//! and takes Python tools in the calling conventions of `tools.rs`.
//!
//! Every call that may wait (a run, a session's lock) releases the GIL, so Python tools can run
//! while a script waits for them and sessions in different threads run in parallel.

mod tools;
mod workers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use airlock::policy::Policy;
use airlock::tool::prompt::system_prompt;
use airlock::tool::{Tool, ToolSpec, Toolbox, dts};
use airlock::{
    Interrupt, KnobInput, Language, OutputStream, Replay, RunOutput, Sandbox, SandboxConfig,
    Session, Termination, Toolset, journal,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{Value, json};

use crate::tools::{PyTool, Reply};

/// Raises `airlock.<class>` (see `_errors.py`) with `message`, a machine `code` and a hint.
fn raise(py: Python<'_>, class: &str, code: &str, message: &str, hint: Option<&str>) -> PyErr {
    let made = py
        .import("airlock._errors")
        .and_then(|m| m.getattr(class))
        .and_then(|cls| cls.call1((message, code, hint)));
    match made {
        Ok(err) => PyErr::from_value(err),
        Err(e) => e,
    }
}

fn config_error(py: Python<'_>, message: &str, hint: Option<&str>) -> PyErr {
    raise(py, "ConfigError", "EINVAL", message, hint)
}

fn policy_error(py: Python<'_>, err: &airlock::policy::PolicyError) -> PyErr {
    let text = err.to_string();
    match text.split_once("\nhint: ") {
        Some((message, hint)) => config_error(py, message, Some(hint)),
        None => config_error(py, &text, None),
    }
}

/// An error of the host library as the matching Python exception.
fn host_error(py: Python<'_>, err: &airlock::Error) -> PyErr {
    use airlock::ErrorKind;
    let text = err.to_string();
    let message = text.split("\nhint: ").next().unwrap_or(&text);
    let (class, code) = match err.kind() {
        ErrorKind::InvalidConfig | ErrorKind::UnsupportedLanguage => ("ConfigError", "EINVAL"),
        ErrorKind::SourceTooLarge => ("ScriptError", "E2BIG"),
        ErrorKind::Busy => ("AirlockError", "EBUSY"),
        ErrorKind::Io => ("AirlockError", "EIO"),
        _ => ("AirlockError", "EENGINE"),
    };
    raise(py, class, code, message, err.hint())
}

fn lock(session: &Mutex<Session>) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One tool as the Python side describes it.
#[derive(FromPyObject)]
struct ToolArgs {
    name: String,
    description: String,
    input_schema: String,
    output_schema: Option<String>,
    timeout: Option<f64>,
    handler: Py<PyAny>,
    is_async: bool,
}

fn make_tool(py: Python<'_>, t: ToolArgs) -> PyResult<Arc<dyn Tool>> {
    let schema = |text: &str, what: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| {
            config_error(
                py,
                &format!("tool '{}': the {what} is not JSON: {e}", t.name),
                None,
            )
        })
    };
    let mut spec = ToolSpec::new(&t.name, &t.description)
        .with_input_schema(schema(&t.input_schema, "input schema")?);
    if let Some(out) = &t.output_schema {
        spec = spec.with_output_schema(schema(out, "output schema")?);
    }
    if let Some(secs) = t.timeout {
        if !(secs.is_finite() && secs > 0.0) {
            return Err(config_error(
                py,
                &format!(
                    "tool '{}': timeout must be a positive number of seconds, got {secs}",
                    t.name
                ),
                None,
            ));
        }
        spec = spec.with_timeout(std::time::Duration::from_secs_f64(secs));
    }
    Ok(Arc::new(PyTool {
        spec,
        handler: Arc::new(t.handler),
        is_async: t.is_async,
    }))
}

/// Sets limit knobs from `(name, value)` pairs; a value is text (`"10s"`, `"256M"`, `"off"`)
/// or a whole number.
fn apply_limits(
    py: Python<'_>,
    limits: &mut airlock::Limits,
    given: &[(String, Bound<'_, PyAny>)],
) -> PyResult<()> {
    for (name, value) in given {
        let Some(knob) = airlock::knob(name) else {
            let names: Vec<&str> = airlock::KNOBS.iter().map(|k| k.name).collect();
            return Err(config_error(
                py,
                &format!("unknown limit `{name}`"),
                Some(&format!("the limits are {}", names.join(", "))),
            ));
        };
        let result = if let Ok(n) = value.extract::<i64>() {
            knob.set(limits, KnobInput::Number(n))
        } else if let Ok(text) = value.extract::<String>() {
            knob.set(limits, KnobInput::Text(&text))
        } else {
            Err(format!(
                "{name}: expected a whole number or text like \"10s\" or \"256M\", got {}",
                value.get_type().name()?
            ))
        };
        result.map_err(|e| config_error(py, &format!("limit {e}"), None))?;
    }
    Ok(())
}

/// The instance slots of a sandbox, as a counting semaphore: a run beyond them waits for one
/// (Python callers expect threads to queue, not to fail with "busy").
#[derive(Debug)]
struct Slots {
    free: Mutex<u32>,
    freed: std::sync::Condvar,
}

impl Slots {
    fn new(n: u32) -> Arc<Self> {
        Arc::new(Self {
            free: Mutex::new(n),
            freed: std::sync::Condvar::new(),
        })
    }

    /// Waits for a slot; the guard gives it back.
    fn acquire(self: &Arc<Self>) -> Slot {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Slot(Arc::clone(self))
    }
}

struct Slot(Arc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}

/// A sandbox: one engine and compiled guest, and the tools, policy and limits its sessions get.
#[pyclass(frozen, module = "airlock._native")]
struct NativeSandbox {
    sandbox: Sandbox,
    /// The config file the tools came from, for journals.
    config_path: Option<String>,
    slots: Arc<Slots>,
}

#[pymethods]
impl NativeSandbox {
    #[new]
    #[pyo3(signature = (tools, policy_toml, policy_name, limits, config_path, cache_dir, mcp_toml=None, max_concurrent_runs=16))]
    #[expect(
        clippy::too_many_arguments,
        reason = "one private constructor, called only by airlock.Sandbox"
    )]
    fn new(
        py: Python<'_>,
        tools: Vec<ToolArgs>,
        policy_toml: Option<String>,
        policy_name: String,
        limits: Vec<(String, Bound<'_, PyAny>)>,
        config_path: Option<PathBuf>,
        cache_dir: Option<PathBuf>,
        mcp_toml: Option<String>,
        max_concurrent_runs: u32,
    ) -> PyResult<Self> {
        let made: Vec<Arc<dyn Tool>> = tools
            .into_iter()
            .map(|t| make_tool(py, t))
            .collect::<PyResult<_>>()?;
        let (mut config, path) = match &config_path {
            Some(path) => {
                if policy_toml.is_some() {
                    return Err(config_error(
                        py,
                        "a policy was given beside a config file",
                        Some("put the [[allow]] and [[deny]] rules in the config file"),
                    ));
                }
                let profile = py
                    .detach(|| airlock_cli::profile::load(path, made))
                    .map_err(|e| config_error(py, &format!("{e:#}"), None))?;
                (profile.config, Some(profile.path))
            }
            None if mcp_toml.is_some() => {
                // Upstream MCP servers start as `airlock.toml`'s [mcp_servers] would: the policy
                // (checked on its own first, for its own messages) and the servers become one
                // config document, anchored in the current folder.
                if let Some(text) = &policy_toml {
                    Policy::from_toml(text, &policy_name).map_err(|e| policy_error(py, &e))?;
                }
                let text = format!(
                    "{}\n{}",
                    policy_toml.as_deref().unwrap_or_default(),
                    mcp_toml.as_deref().unwrap_or_default()
                );
                let here = std::env::current_dir().unwrap_or_default();
                let anchor = here.join(&policy_name);
                let profile = py
                    .detach(|| airlock_cli::profile::from_text(text, &anchor, made))
                    .map_err(|e| config_error(py, &format!("{e:#}"), None))?;
                (profile.config, None)
            }
            None => {
                let mut toolbox = Toolbox::new();
                for tool in made {
                    toolbox
                        .add(tool)
                        .map_err(|e| config_error(py, &e.to_string(), None))?;
                }
                let policy = match &policy_toml {
                    Some(text) => {
                        Policy::from_toml(text, &policy_name).map_err(|e| policy_error(py, &e))?
                    }
                    None => Policy::allow_all(),
                };
                let mut config = SandboxConfig::default();
                config.tools = Toolset::new(toolbox, policy);
                (config, None)
            }
        };
        apply_limits(py, &mut config.limits, &limits)?;
        config.fuel = config.limits.fuel.is_some();
        config.max_concurrent_runs = max_concurrent_runs;
        if cache_dir.is_some() {
            config.cache_dir = cache_dir;
        }
        let sandbox = py
            .detach(|| Sandbox::new(config))
            .map_err(|e| host_error(py, &e))?;
        Ok(Self {
            sandbox,
            config_path: path,
            slots: Slots::new(max_concurrent_runs),
        })
    }

    /// A new session with an empty filesystem.
    fn session(&self) -> NativeSession {
        let mut session = self.sandbox.session();
        if let Some(path) = &self.config_path {
            session.set_journal_config(path.clone());
        }
        NativeSession::new(session, Arc::clone(&self.slots))
    }

    /// The tools a script sees, as a JSON list of `{name, description, input_schema, ...}`.
    fn tools_json(&self) -> String {
        let specs: Vec<&ToolSpec> = self.sandbox.config().tools.visible().collect();
        serde_json::to_string(&specs).unwrap_or_else(|_| "[]".to_string())
    }

    /// TypeScript declarations of the tools a script sees.
    fn typescript(&self) -> String {
        dts::declarations(&self.visible())
    }

    /// A system-prompt section describing the sandbox, its limits and its tools.
    fn system_prompt(&self) -> String {
        let env = self
            .sandbox
            .config()
            .prompt_env(&["javascript", "typescript", "shell"]);
        system_prompt(&env, &self.visible())
    }

    /// The effective limits, each as `airlock check` shows it: `[(name, value, doc)]`.
    fn limits(&self) -> Vec<(&'static str, String, &'static str)> {
        let limits = &self.sandbox.config().limits;
        airlock::KNOBS
            .iter()
            .map(|k| (k.name, k.show(limits), k.doc))
            .collect()
    }

    /// Re-runs the runs recorded in the journal at `path` in a new session, serving every tool
    /// result from the recording; `code` replaces each run's script. Returns each run's
    /// outcome as `run` does; a run whose calls differ from the recording ends `diverged`.
    #[pyo3(signature = (path, code=None))]
    fn replay(
        &self,
        py: Python<'_>,
        path: PathBuf,
        code: Option<String>,
    ) -> PyResult<Vec<(String, String, String)>> {
        let entries = read_journal(py, &path)?;
        let replay = Replay::new(entries.clone()).map_err(|e| {
            raise(
                py,
                "JournalError",
                "EJOURNAL",
                &format!("{}: {e}", path.display()),
                None,
            )
        })?;
        let starts: Vec<journal::StartEntry> = entries
            .into_iter()
            .filter_map(|e| match e {
                journal::Entry::Start(s) => Some(s),
                _ => None,
            })
            .collect();
        let mut session = self.sandbox.session();
        if starts.first().is_some_and(|s| s.deterministic) {
            session.set_deterministic(0);
        }
        session.set_replay(replay);
        let mut outs = Vec::with_capacity(starts.len());
        for start in &starts {
            let language = Language::from(start.language);
            let script = code.as_deref().unwrap_or(&start.script);
            let out = py
                .detach(|| {
                    let _slot = self.slots.acquire();
                    session.run_named(language, script, &start.name)
                })
                .map_err(|e| host_error(py, &e))?;
            let diverged = matches!(out.termination, Termination::Diverged(_));
            outs.push(encode_output(&out));
            if diverged {
                break;
            }
        }
        Ok(outs)
    }
}

impl NativeSandbox {
    fn visible(&self) -> Vec<ToolSpec> {
        self.sandbox.config().tools.visible().cloned().collect()
    }
}

/// Opens a journal for reading; the name its errors use.
fn open_journal(py: Python<'_>, path: &Path) -> PyResult<(std::fs::File, String)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| {
        raise(
            py,
            "JournalError",
            "EJOURNAL",
            &format!("cannot open {name}: {e}"),
            None,
        )
    })?;
    Ok((file, name))
}

fn read_journal(py: Python<'_>, path: &Path) -> PyResult<Vec<journal::Entry>> {
    let (file, name) = open_journal(py, path)?;
    journal::read(std::io::BufReader::new(file)).map_err(|e| journal_error(py, e, &name))
}

/// A journal that does not read or verify, naming the file and the line.
fn journal_error(py: Python<'_>, e: journal::VerifyError, name: &str) -> PyErr {
    let e = e.in_file(name);
    raise(
        py,
        "JournalError",
        "EJOURNAL",
        &e.to_string(),
        e.hint().as_deref(),
    )
}

/// A session: a filesystem and budgets that persist across runs.
#[pyclass(frozen, module = "airlock._native")]
struct NativeSession {
    session: Mutex<Session>,
    interrupt: Interrupt,
    slots: Arc<Slots>,
}

impl NativeSession {
    fn new(session: Session, slots: Arc<Slots>) -> Self {
        let interrupt = session.interrupter();
        Self {
            session: Mutex::new(session),
            interrupt,
            slots,
        }
    }

    /// Runs `f` on the locked session with the GIL released (a run in another thread may hold
    /// the lock while it waits for a Python tool, which needs the GIL).
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut Session) -> T + Send) -> T {
        py.detach(|| f(&mut lock(&self.session)))
    }
}

fn vfs_error(py: Python<'_>, err: &airlock::vfs::VfsError) -> PyErr {
    use airlock::vfs::ErrorCode;
    let message = err.to_string();
    let class = match err.code {
        ErrorCode::NoEnt => "FileNotFoundError",
        ErrorCode::Exist => "FileExistsError",
        ErrorCode::IsDir => "IsADirectoryError",
        ErrorCode::NotDir => "NotADirectoryError",
        ErrorCode::Acces => "PermissionError",
        _ => "OSError",
    };
    match py
        .import("builtins")
        .and_then(|b| b.getattr(class))
        .and_then(|cls| cls.call1((err.code.errno(), message.clone())))
    {
        Ok(e) => PyErr::from_value(e),
        Err(e) => e,
    }
}

#[pymethods]
impl NativeSession {
    /// Runs `code`; returns `(meta_json, stdout, stderr)`. `context` is handed to the tools
    /// the script calls (see tools.rs).
    #[pyo3(signature = (code, language, filename=None, context=None))]
    fn run(
        &self,
        py: Python<'_>,
        code: String,
        language: &str,
        filename: Option<String>,
        context: Option<Py<PyAny>>,
    ) -> PyResult<(String, String, String)> {
        let language = match language {
            "javascript" | "js" => Language::JavaScript,
            "shell" | "sh" => Language::Shell,
            "typescript" | "ts" => Language::TypeScript,
            other => {
                return Err(config_error(
                    py,
                    &format!("unknown language {other:?}"),
                    Some("use \"javascript\", \"typescript\" or \"shell\""),
                ));
            }
        };
        let name = filename.unwrap_or_else(|| match language {
            Language::Shell => "script.sh".to_string(),
            Language::TypeScript => "script.ts".to_string(),
            _ => "script.js".to_string(),
        });
        let out = self
            .with(py, |s| {
                let _slot = self.slots.acquire();
                let _context = tools::enter_run(context);
                s.run_named(language, &code, &name)
            })
            .map_err(|e| host_error(py, &e))?;
        Ok(encode_output(&out))
    }

    /// Stops the current run (or the next one) from any thread.
    fn interrupt(&self) {
        self.interrupt.interrupt();
    }

    /// Journals every run and tool call to the file at `path` (created or truncated).
    fn set_journal(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let file = std::fs::File::create(&path).map_err(|e| {
            raise(
                py,
                "JournalError",
                "EJOURNAL",
                &format!("cannot create the journal {}: {e}", path.display()),
                None,
            )
        })?;
        self.with(py, |s| {
            s.set_journal(
                std::io::BufWriter::new(file),
                airlock::JOURNAL_RESULT_THRESHOLD,
            );
        });
        Ok(())
    }

    /// The hash of the journal's last entry, when journaling.
    fn journal_head(&self, py: Python<'_>) -> Option<String> {
        self.with(py, |s| s.journal_head())
    }

    /// Why journaling stopped, if it did.
    fn journal_failure(&self, py: Python<'_>) -> Option<String> {
        self.with(py, |s| s.journal_failure())
    }

    fn set_deterministic(&self, py: Python<'_>, seed: u64) {
        self.with(py, |s| s.set_deterministic(seed));
    }

    fn set_seed(&self, py: Python<'_>, seed: u64) {
        self.with(py, |s| s.set_seed(seed));
    }

    /// Calls `handler(stream, data)` with output as the script writes it (`stream` is
    /// `"stdout"` or `"stderr"`, `data` bytes).
    fn on_output(&self, py: Python<'_>, handler: Py<PyAny>) {
        let handler = Arc::new(handler);
        self.with(py, |s| {
            s.on_output(move |stream, bytes| {
                Python::attach(|py| {
                    let name = match stream {
                        OutputStream::Stdout => "stdout",
                        _ => "stderr",
                    };
                    if let Err(e) = handler.call1(py, (name, PyBytes::new(py, bytes))) {
                        e.write_unraisable(py, None);
                    }
                });
            });
        });
    }

    /// Replaces limit knobs for this session's later runs.
    fn set_limits(&self, py: Python<'_>, limits: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<()> {
        let mut current = self.with(py, |s| s.limits().clone());
        apply_limits(py, &mut current, &limits)?;
        self.with(py, |s| s.set_limits(current))
            .map_err(|e| host_error(py, &e))
    }

    fn read(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyBytes>> {
        let data = self
            .with(py, |s| s.vfs().read(path))
            .map_err(|e| vfs_error(py, &e))?;
        Ok(PyBytes::new(py, &data).unbind())
    }

    /// Writes a file, creating its parent folders.
    fn write(&self, py: Python<'_>, path: &str, data: &[u8]) -> PyResult<()> {
        self.with(py, |s| {
            let vfs = s.vfs_mut();
            if let Some((parent, _)) = path.rsplit_once('/')
                && !parent.is_empty()
            {
                vfs.mkdir(parent, true)?;
            }
            vfs.write(path, data)
        })
        .map_err(|e| vfs_error(py, &e))
    }

    fn exists(&self, py: Python<'_>, path: &str) -> bool {
        self.with(py, |s| s.vfs().exists(path))
    }

    /// `(name, is_dir)` of each entry of a folder.
    fn listdir(&self, py: Python<'_>, path: &str) -> PyResult<Vec<(String, bool)>> {
        let entries = self
            .with(py, |s| s.vfs().read_dir(path))
            .map_err(|e| vfs_error(py, &e))?;
        Ok(entries
            .into_iter()
            .map(|e| (e.name, e.kind == airlock::vfs::NodeKind::Dir))
            .collect())
    }

    #[pyo3(signature = (path, recursive=false))]
    fn remove(&self, py: Python<'_>, path: &str, recursive: bool) -> PyResult<()> {
        self.with(py, |s| s.vfs_mut().remove(path, recursive, false))
            .map_err(|e| vfs_error(py, &e))
    }

    /// How many runs this session has made.
    fn runs(&self, py: Python<'_>) -> u64 {
        self.with(py, |s| s.runs())
    }
}

/// A run's outcome for the Python side: metadata as JSON, and the two streams as text.
fn encode_output(out: &RunOutput) -> (String, String, String) {
    let (termination, detail) = match &out.termination {
        Termination::Exited(_) => ("exited", None),
        Termination::Timeout => ("timeout", None),
        Termination::OutOfMemory => ("out_of_memory", None),
        Termination::OutOfFuel => ("out_of_fuel", None),
        Termination::StackOverflow => ("stack_overflow", None),
        Termination::Crashed(why) => ("crashed", Some(why.as_str())),
        Termination::Diverged(why) => ("diverged", Some(why.as_str())),
        Termination::Pending(why) => ("pending", Some(why.as_str())),
        Termination::Interrupted => ("interrupted", None),
        _ => ("crashed", None),
    };
    let calls: Vec<Value> = out
        .calls
        .iter()
        .map(|c| {
            json!({
                "tool": c.tool,
                "args": c.args,
                "rule": c.rule,
                "result": c.result,
                "error_code": c.error.as_ref().map(|e| &e.code),
                "error_message": c.error.as_ref().map(|e| &e.message),
                "error_data": c.error.as_ref().and_then(|e| e.data.as_ref()),
                "duration_ms": c.duration.as_secs_f64() * 1000.0,
                "line": c.line,
            })
        })
        .collect();
    let meta = json!({
        "exit_code": out.exit_code,
        "termination": termination,
        "detail": detail,
        "value": out.value,
        "usage": {
            "wall_ms": out.usage.wall.as_secs_f64() * 1000.0,
            "fuel": out.usage.fuel,
            "peak_memory": out.usage.peak_memory,
            "tool_calls": out.usage.tool_calls,
        },
        "calls": calls,
    });
    (meta.to_string(), out.stdout_text(), out.stderr_text())
}

/// Verifies the hash chain of the journal at `path`; returns its report as text.
#[pyfunction]
fn verify_journal(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let (file, name) = open_journal(py, &path)?;
    py.detach(|| journal::verify(std::io::BufReader::new(file)))
        .map(|report| report.to_string())
        .map_err(|e| journal_error(py, e, &name))
}

/// The limit knobs: `[(name, unit, default, doc)]`.
#[pyfunction]
fn knobs() -> Vec<(&'static str, &'static str, String, &'static str)> {
    airlock::KNOBS
        .iter()
        .map(|k| {
            let unit = match k.unit {
                airlock::KnobUnit::Duration => "duration",
                airlock::KnobUnit::Bytes => "bytes",
                _ => "count",
            };
            (k.name, unit, k.default_text(), k.doc)
        })
        .collect()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeSandbox>()?;
    m.add_class::<NativeSession>()?;
    m.add_class::<Reply>()?;
    m.add_function(wrap_pyfunction!(verify_journal, m)?)?;
    m.add_function(wrap_pyfunction!(knobs, m)?)?;
    m.add_function(wrap_pyfunction!(tools::wait_for_tools, m)?)?;
    m.add_function(wrap_pyfunction!(workers::_tool_worker, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
