//! Layers as components: a component targeting `airlock:layer/layer@0.1.0` (the WIT package in
//! `wit/layer`) becomes a [`Layer`] of the tool pipeline.
//!
//! Each layer runs in stores of its own, with only its own grants: the network, environment and
//! limits of [`Grants`] and [`Limits`] as a component tool has them, plus what only a layer can
//! be given: a private key-value store kept in a file (`store`), the right to ask a person for an
//! approval (`approvals`), and log lines for the operator (`log`). It never sees another layer's
//! grants, the tool's, or the script's files.
//!
//! A layer fails closed: a trap, a timeout, an answer the host cannot use (malformed JSON, an
//! oversized prompt, an approval it is not granted) is a [`LayerError`], and the pipeline denies
//! the call naming the layer.
//!
//! Instances are reused: a hook runs in an idle instance of the layer when there is one, and the
//! instance goes back to the idle set when the hook answered. An instance that trapped or timed
//! out is dropped, and each is retired after [`MAX_USES`] hooks, so nothing a layer leaks lasts.

mod bindings;
pub mod store;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use airlock_pipeline::{
    After, ApprovalAsk, ApprovalMethod, Before, Deny, Layer, LayerCall, LayerError, LayerFuture,
    LayerResult, ToolCallError,
};
use serde_json::{Value, json};
use wasmtime::component::Linker;
use wasmtime::{Store, Trap};

use crate::capture::{Capture, tail};
use crate::component::{Import, Kind, Prepared, prepare, stub_missing};
use crate::error::Error;
use crate::grants::{Grants, Limits, Network};
use crate::host::ComponentHost;
use crate::state::{State, arm_deadline};

pub(crate) use bindings::LayerCtx;
use bindings::{AfterAnswer, BeforeAnswer, Level};
pub use store::KvStore;

/// The interface a layer exports, without its version.
pub const HOOKS_INTERFACE: &str = "airlock:layer/hooks";

/// Hooks one instance serves before it is retired.
pub const MAX_USES: u32 = 10_000;

/// Idle instances kept per layer.
const MAX_IDLE: usize = 8;

/// Bytes of a reason, hint or prompt a layer may give; reasons and hints are cut there, a
/// longer prompt is refused (a person must see what they approve, whole).
pub const MAX_TEXT_BYTES: usize = 4096;

/// Bytes of JSON a layer may answer with (a rewrite or a replacement result). The pipeline's own
/// argument and result bounds apply after this.
pub const MAX_JSON_BYTES: usize = 16 << 20;

/// Bytes of stderr quoted in the error of a hook that trapped.
const STDERR_TAIL: usize = 2048;

/// Where a layer's log lines go: the layer's name, the level (`info`, `warn`, ...) and the line.
pub type LogSink = Arc<dyn Fn(&str, &str, &str) + Send + Sync>;

/// What a component layer is given: its name, grants and limits.
#[derive(Clone)]
#[non_exhaustive]
pub struct LayerSpec {
    /// The name denials, the journal and spans show.
    pub name: String,
    /// Network, environment: as for a component tool. Files cannot be granted to a layer.
    pub grants: Grants,
    pub limits: Limits,
    /// The file of the layer's key-value store (the `store` grant).
    pub store: Option<PathBuf>,
    /// Whether the layer may ask a person for an approval (the `approvals` grant).
    pub approvals: bool,
    /// Whether the layer's log lines (and its stdout and stderr) reach the operator (`log`).
    pub log: bool,
    /// Where log lines go; the default is the host's stderr, as `airlock: layer NAME: LEVEL: LINE`.
    pub sink: Option<LogSink>,
}

impl std::fmt::Debug for LayerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LayerSpec")
            .field("name", &self.name)
            .field("grants", &self.grants)
            .field("limits", &self.limits)
            .field("store", &self.store)
            .field("approvals", &self.approvals)
            .field("log", &self.log)
            .finish_non_exhaustive()
    }
}

impl LayerSpec {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            grants: Grants::default(),
            limits: Limits::default(),
            store: None,
            approvals: false,
            log: false,
            sink: None,
        }
    }

    #[must_use]
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Grants a key-value store kept in the file `path`.
    #[must_use]
    pub fn with_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    #[must_use]
    pub fn with_approvals(mut self) -> Self {
        self.approvals = true;
        self
    }

    /// Grants logging, to `sink` (or the host's stderr).
    #[must_use]
    pub fn with_log(mut self, sink: Option<LogSink>) -> Self {
        self.log = true;
        self.sink = sink;
        self
    }
}

/// Adds the `airlock:layer` imports to a linker that has WASI.
pub(crate) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    bindings::airlock::layer::store::add_to_linker::<State, bindings::LayerData>(linker, |s| {
        &mut s.layer
    })?;
    bindings::airlock::layer::log::add_to_linker::<State, bindings::LayerData>(linker, |s| {
        &mut s.layer
    })?;
    bindings::airlock::layer::types::add_to_linker::<State, bindings::LayerData>(linker, |s| {
        &mut s.layer
    })
}

/// Whether a component's exports make it a layer.
pub(crate) fn is_layer(
    component: &wasmtime::component::Component,
    engine: &wasmtime::Engine,
) -> bool {
    component
        .component_type()
        .exports(engine)
        .any(|(name, _)| hooks_version(name).is_some())
}

/// `0.1.0` for `airlock:layer/hooks@0.1.0`.
fn hooks_version(export: &str) -> Option<&str> {
    export
        .strip_prefix(HOOKS_INTERFACE)?
        .strip_prefix('@')
        .filter(|v| v.starts_with("0.1."))
}

/// A layer component, loaded and linked: the pipeline's [`Layer`].
#[derive(Clone)]
pub struct ComponentLayer {
    inner: Arc<Inner>,
}

struct Inner {
    host: Arc<ComponentHost>,
    name: String,
    digest: String,
    size: usize,
    pre: bindings::LayerPre<State>,
    network: Arc<Network>,
    env: Vec<(String, String)>,
    spec: LayerSpec,
    imports: Vec<Import>,
    store: Option<Arc<KvStore>>,
    idle: Mutex<Vec<Warm>>,
}

/// An instance of the layer between hooks.
struct Warm {
    store: Store<State>,
    hooks: bindings::Layer,
    stdout: Capture,
    stderr: Capture,
    uses: u32,
}

impl std::fmt::Debug for ComponentLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentLayer")
            .field("name", &self.inner.name)
            .field("digest", &self.inner.digest)
            .finish_non_exhaustive()
    }
}

impl ComponentHost {
    /// Loads a layer component from its bytes.
    ///
    /// # Errors
    /// The bytes are not a component, the component does not export `airlock:layer/hooks@0.1.x`,
    /// its grants or limits are invalid, or it imports what cannot be linked.
    pub fn load_layer(
        self: &Arc<Self>,
        bytes: &[u8],
        spec: LayerSpec,
    ) -> Result<ComponentLayer, Error> {
        if !spec.grants.files.is_empty() {
            return Err(Error::config(format!(
                "layer {}: layers cannot be granted files; a layer sees the call's arguments and result",
                spec.name
            )));
        }
        let Prepared {
            component,
            digest,
            imports,
            network,
        } = prepare(self, bytes, &spec.grants, &spec.limits, Kind::Layer)?;
        if !is_layer(&component, &self.engine) {
            return Err(Error::config(format!(
                "layer {}: the component does not export {HOOKS_INTERFACE}@0.1.x, so it is not a layer; build it against the world airlock:layer/layer@0.1.0 (wit/layer in the airlock repository), or load it as a [[component]] if it is a tool",
                spec.name
            )));
        }
        let mut linker = self.layer_linker.clone();
        stub_missing(&mut linker, &self.engine, &component, &imports)
            .map_err(|e| Error::engine("linking the layer's imports", e))?;
        let pre = linker
            .instantiate_pre(&component)
            .and_then(bindings::LayerPre::new)
            .map_err(|e| Error::engine("linking the layer's imports and hooks", e))?;
        let store = spec.store.clone().map(|p| Arc::new(KvStore::new(p)));
        Ok(ComponentLayer {
            inner: Arc::new(Inner {
                host: Arc::clone(self),
                name: spec.name.clone(),
                digest,
                size: bytes.len(),
                pre,
                network,
                env: spec.grants.environment(),
                spec,
                imports,
                store,
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Whether the component in `bytes` is a layer (exports `airlock:layer/hooks@0.1.x`). It is
    /// compiled into the cache on the way, so a load that follows is quick.
    ///
    /// # Errors
    /// The bytes are not a component this host can compile.
    pub fn is_layer(self: &Arc<Self>, bytes: &[u8]) -> Result<bool, Error> {
        let prepared = prepare(
            self,
            bytes,
            &Grants::default(),
            &Limits::default(),
            Kind::Layer,
        )?;
        Ok(is_layer(&prepared.component, &self.engine))
    }

    /// The names the component in `bytes` imports and exports (interfaces, and functions of
    /// its world), as a registry artifact's config lists them. It is compiled into the cache
    /// on the way.
    ///
    /// # Errors
    /// The bytes are not a component this host can compile.
    pub fn interfaces(self: &Arc<Self>, bytes: &[u8]) -> Result<(Vec<String>, Vec<String>), Error> {
        let prepared = prepare(
            self,
            bytes,
            &Grants::default(),
            &Limits::default(),
            Kind::Tool,
        )?;
        let ty = prepared.component.component_type();
        let imports = ty
            .imports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let exports = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        Ok((imports, exports))
    }

    /// The kinds of grant the imports of the component in `bytes` can use (`network`, `env`,
    /// `files`; for a layer also `store` and `log`), as `airlock add` shows them.
    ///
    /// # Errors
    /// The bytes are not a component this host can compile.
    pub fn grants_asked(self: &Arc<Self>, bytes: &[u8]) -> Result<Vec<&'static str>, Error> {
        let kind = if self.is_layer(bytes)? {
            Kind::Layer
        } else {
            Kind::Tool
        };
        let prepared = prepare(self, bytes, &Grants::default(), &Limits::default(), kind)?;
        Ok(grants_asked(&prepared.imports))
    }

    /// Loads a layer component file.
    ///
    /// # Errors
    /// As [`ComponentHost::load_layer`], and when the file cannot be read.
    pub fn load_layer_file(
        self: &Arc<Self>,
        path: &std::path::Path,
        spec: LayerSpec,
    ) -> Result<ComponentLayer, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::config(format!(
                "cannot read the layer component file {}: {e}",
                path.display()
            ))
        })?;
        self.load_layer(&bytes, spec)
    }
}

/// The hook to call, with its arguments in WIT form.
enum Hook {
    Before(bindings::Call),
    After(bindings::Call, Result<String, bindings::ToolError>),
    Verify(bindings::Call, String),
}

/// A hook's answer.
enum Answer {
    Before(BeforeAnswer),
    After(AfterAnswer),
    Verify(Result<(), bindings::Denial>),
}

impl ComponentLayer {
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// BLAKE3 of the component's bytes, hex.
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    pub fn imports(&self) -> &[Import] {
        &self.inner.imports
    }

    pub fn spec(&self) -> &LayerSpec {
        &self.inner.spec
    }

    /// What `airlock component inspect` shows of a layer, as JSON.
    pub fn report(&self) -> Value {
        let i = &self.inner;
        json!({
            "name": i.name,
            "kind": "layer",
            "digest": format!("blake3:{}", i.digest),
            "bytes": i.size,
            "hooks": ["before", "after", "verify-code"],
            "imports": i.imports.iter().map(|imp| json!({
                "name": imp.name,
                "provided": imp.provided.describe(),
            })).collect::<Vec<_>>(),
            "grants_asked": grants_asked(&i.imports),
        })
    }

    /// Runs one hook in an idle instance (or a new one), bounded by the layer's limits.
    async fn invoke(&self, hook: Hook) -> Result<Answer, LayerError> {
        let inner = &*self.inner;
        let limits = &inner.spec.limits;
        let idle = inner
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut warm = match idle {
            Some(warm) => warm,
            None => self.instantiate().await?,
        };
        warm.uses += 1;
        if let Some(fuel) = limits.fuel {
            warm.store
                .set_fuel(fuel)
                .map_err(|e| LayerError(format!("cannot meter it: {e}")))?;
        }
        // Hooks run on the run's own thread: there is nothing to yield to, only a deadline.
        arm_deadline(&mut warm.store, limits.timeout, false);
        let _ticking = inner.host.ticker.activate();
        let hooks = warm.hooks.airlock_layer_hooks();
        let store = &mut warm.store;
        let result = match hook {
            Hook::Before(call) => hooks
                .call_before(&mut *store, &call)
                .await
                .map(Answer::Before),
            Hook::After(call, outcome) => hooks
                .call_after(&mut *store, &call, outcome.as_deref())
                .await
                .map(Answer::After),
            Hook::Verify(call, code) => hooks
                .call_verify_code(&mut *store, &call, &code)
                .await
                .map(Answer::Verify),
        };
        self.drain(&mut warm);
        let stderr = warm.stderr.take();
        match result {
            Ok(answer) => {
                self.log_stderr(&stderr);
                if warm.uses < MAX_USES {
                    let mut idle = inner.idle.lock().unwrap_or_else(PoisonError::into_inner);
                    if idle.len() < MAX_IDLE {
                        idle.push(warm);
                    }
                }
                Ok(answer)
            }
            Err(e) => Err(LayerError(describe_trap(
                &e,
                warm.store.data().limiter.hit,
                limits,
                &stderr,
            ))),
        }
    }

    async fn instantiate(&self) -> Result<Warm, LayerError> {
        let inner = &*self.inner;
        let limits = &inner.spec.limits;
        let stdout = Capture::new(limits.output_bytes);
        let stderr = Capture::new(limits.output_bytes);
        let mut state = State::new(
            &inner.env,
            &stdout,
            &stderr,
            Arc::clone(&inner.network),
            limits.http_response_bytes,
            limits.memory,
            &[],
        )
        .map_err(|e| LayerError(format!("cannot set up its store: {e:#}")))?;
        state.layer.store = inner.store.clone();
        state.layer.log = inner.spec.log;
        let mut store = Store::new(&inner.host.engine, state);
        store.limiter(|s| &mut s.limiter);
        if let Some(fuel) = limits.fuel {
            store
                .set_fuel(fuel)
                .map_err(|e| LayerError(format!("cannot meter it: {e}")))?;
        }
        arm_deadline(&mut store, limits.timeout, false);
        let _ticking = inner.host.ticker.activate();
        match inner.pre.instantiate_async(&mut store).await {
            Ok(hooks) => Ok(Warm {
                store,
                hooks,
                stdout,
                stderr,
                uses: 0,
            }),
            Err(e) => {
                let warm_stderr = stderr.text();
                Err(LayerError(describe_trap(
                    &e.context("starting an instance"),
                    store.data().limiter.hit,
                    limits,
                    &warm_stderr,
                )))
            }
        }
    }

    /// Hands the hook's log lines, stdout and stderr to the sink (if logging is granted), and
    /// notes the requests the network grant refused.
    fn drain(&self, warm: &mut Warm) {
        let inner = &*self.inner;
        let state = warm.store.data_mut();
        let lines = std::mem::take(&mut state.layer.lines);
        let dropped = std::mem::take(&mut state.layer.dropped);
        let refused = std::mem::take(&mut state.hooks.refused);
        let stdout = warm.stdout.take();
        if !inner.spec.log {
            return;
        }
        let sink = |level: &str, line: &str| match &inner.spec.sink {
            Some(sink) => sink(&inner.name, level, line),
            None => eprintln!("airlock: layer {}: {level}: {line}", inner.name),
        };
        for (level, line) in &lines {
            sink(level.as_str(), line);
        }
        if dropped > 0 {
            sink(
                Level::Warn.as_str(),
                &format!("{dropped} more log lines of this hook were dropped"),
            );
        }
        for why in &refused {
            sink(Level::Warn.as_str(), &format!("network: {why}"));
        }
        for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
            sink("stdout", line);
        }
    }

    /// Hands a hook's stderr to the sink, if logging is granted.
    fn log_stderr(&self, stderr: &str) {
        let inner = &*self.inner;
        if !inner.spec.log {
            return;
        }
        for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
            match &inner.spec.sink {
                Some(sink) => sink(&inner.name, "stderr", line),
                None => eprintln!("airlock: layer {}: stderr: {line}", inner.name),
            }
        }
    }

    fn call(&self, call: &LayerCall) -> bindings::Call {
        bindings::Call {
            id: call.id.clone(),
            run: call.run,
            index: call.index,
            tool: call.tool.clone(),
            args: call.args.to_string(),
            rule: call.rule.clone(),
            line: call.line,
            traceparent: call.traceparent.clone(),
        }
    }
}

/// Why a hook did not answer, in words: its time, its fuel, its memory, or the trap with the
/// tail of its stderr (where a panic's message is).
fn describe_trap(e: &wasmtime::Error, memory_hit: bool, limits: &Limits, stderr: &str) -> String {
    let mut text = match e.downcast_ref::<Trap>().copied() {
        Some(Trap::Interrupt) => {
            return format!(
                "it did not answer within its time limit of {:?}",
                limits.timeout
            );
        }
        Some(Trap::OutOfFuel) => format!(
            "it ran out of fuel (limit {})",
            limits.fuel.unwrap_or_default()
        ),
        _ if memory_hit => format!("it reached its memory limit of {} MiB", limits.memory >> 20),
        Some(trap) => format!("it trapped: {trap}"),
        None => format!(
            "it failed: {}",
            format!("{e:#}").lines().next().unwrap_or_default()
        ),
    };
    let stderr = stderr.trim();
    if !stderr.is_empty() {
        // One line: the denial is a sentence in the script's error.
        let lines: Vec<&str> = tail(stderr, STDERR_TAIL)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        text.push_str(&format!("; its stderr: {}", lines.join(" / ")));
    }
    text
}

/// The grants the imports call for, by name.
fn grants_asked(imports: &[Import]) -> Vec<&'static str> {
    let mut asked: Vec<&'static str> = imports
        .iter()
        .filter_map(|i| match i.provided {
            crate::component::Provided::ByGrant(g) => Some(g),
            _ => None,
        })
        .collect();
    asked.sort_unstable();
    asked.dedup();
    asked
}

/// `text` cut to [`MAX_TEXT_BYTES`] on a character boundary.
fn bounded(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut cut = MAX_TEXT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(" [cut]");
    }
    text
}

fn deny(d: bindings::Denial) -> Deny {
    let mut deny = Deny::new(bounded(d.reason));
    if let Some(hint) = d.hint {
        deny = deny.with_hint(bounded(hint));
    }
    deny
}

/// A JSON answer of the layer, parsed and bounded.
fn json_answer(what: &str, text: &str) -> Result<Value, LayerError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(LayerError(format!(
            "its {what} is {} bytes of JSON, more than the {MAX_JSON_BYTES} a layer may answer with",
            text.len()
        )));
    }
    serde_json::from_str(text)
        .map_err(|e| LayerError(format!("its {what} is not valid JSON ({e})")))
}

impl Layer for ComponentLayer {
    fn name(&self) -> &str {
        &self.inner.name
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        in_runtime(async move {
            let Answer::Before(answer) = self.invoke(Hook::Before(self.call(call))).await? else {
                unreachable!("the before hook answers with a before-answer")
            };
            Ok(match answer {
                BeforeAnswer::Allow => Before::Allow,
                BeforeAnswer::Deny(d) => Before::Deny(deny(d)),
                BeforeAnswer::Rewrite(text) => {
                    let args = json_answer("rewrite", &text)?;
                    if !args.is_object() {
                        return Err(LayerError(
                            "its rewrite is not a JSON object of arguments".to_string(),
                        ));
                    }
                    Before::Rewrite(args)
                }
                BeforeAnswer::Approve(ask) => {
                    if !self.inner.spec.approvals {
                        return Err(LayerError(
                            "it asked for a person's approval, but it is not granted approvals; add `approvals = true` to its [layer.grants]".to_string(),
                        ));
                    }
                    if ask.prompt.trim().is_empty() || ask.prompt.len() > MAX_TEXT_BYTES {
                        return Err(LayerError(format!(
                            "its approval prompt must have 1 to {MAX_TEXT_BYTES} bytes (it has {})",
                            ask.prompt.len()
                        )));
                    }
                    Before::Approve(ApprovalAsk {
                        prompt: ask.prompt,
                        method: match ask.method {
                            bindings::ApprovalMethod::Confirm => ApprovalMethod::Confirm,
                            bindings::ApprovalMethod::Code => ApprovalMethod::Code,
                        },
                    })
                }
            })
        })
    }

    fn after<'a>(
        &'a self,
        call: &'a LayerCall,
        outcome: Result<&'a Value, &'a ToolCallError>,
    ) -> LayerFuture<'a, LayerResult<After>> {
        in_runtime(async move {
            let outcome = match outcome {
                Ok(value) => Ok(value.to_string()),
                Err(e) => Err(bindings::ToolError {
                    code: e.code.clone(),
                    message: e.message.clone(),
                    data: e.data.as_ref().map(Value::to_string),
                }),
            };
            let Answer::After(answer) = self.invoke(Hook::After(self.call(call), outcome)).await?
            else {
                unreachable!("the after hook answers with an after-answer")
            };
            Ok(match answer {
                AfterAnswer::Pass => After::Pass,
                AfterAnswer::Replace(text) => After::Replace(json_answer("replacement", &text)?),
                AfterAnswer::Fail(d) => After::Fail(deny(d)),
            })
        })
    }

    fn verify_code<'a>(
        &'a self,
        call: &'a LayerCall,
        code: &'a str,
    ) -> LayerFuture<'a, Result<(), Deny>> {
        in_runtime(async move {
            match self
                .invoke(Hook::Verify(self.call(call), code.to_string()))
                .await
            {
                Ok(Answer::Verify(Ok(()))) => Ok(()),
                Ok(Answer::Verify(Err(d))) => Err(deny(d)),
                Ok(_) => unreachable!("verify-code answers with a result"),
                Err(e) => Err(Deny::new(format!(
                    "layer {} failed checking the code ({}), so the call is denied",
                    self.inner.name, e.0
                ))),
            }
        })
    }
}

/// `fut`, polled inside a Tokio runtime: WASI's clocks and `wasi:http` need one, and the
/// pipeline polls a hook first on the run's own thread, outside any. The caller's runtime when
/// there is one, else the layers' own (one worker, started on first use).
fn in_runtime<'a, T: Send + 'a>(
    fut: impl std::future::Future<Output = T> + Send + 'a,
) -> LayerFuture<'a, T> {
    let handle = tokio::runtime::Handle::try_current().ok().or_else(|| {
        static RT: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
        RT.get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("airlock-layer-io")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .map(|rt| rt.handle().clone())
    });
    Box::pin(Entered {
        handle,
        fut: Box::pin(fut),
    })
}

/// A future polled with its runtime entered.
struct Entered<'a, T> {
    handle: Option<tokio::runtime::Handle>,
    fut: LayerFuture<'a, T>,
}

impl<T> std::future::Future for Entered<'_, T> {
    type Output = T;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<T> {
        let this = &mut *self;
        let _entered = this.handle.as_ref().map(tokio::runtime::Handle::enter);
        this.fut.as_mut().poll(cx)
    }
}

/// The time a hook of a layer with these limits may take in the pipeline: the component's own
/// timeout stops it first, with the clearer message; this bounds waits outside WebAssembly
/// (an HTTP response that never comes).
pub fn hook_timeout(limits: &Limits) -> Duration {
    limits.timeout + Duration::from_millis(250)
}
