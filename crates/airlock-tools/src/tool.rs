//! The [`Tool`] trait every backend implements, and tools made from Rust closures.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ToolError;
use crate::spec::ToolSpec;

/// The future a tool call returns. It is `'static` and `Send` so the host can run the calls of a
/// batch concurrently on its tool runtime.
pub type ToolFuture = Pin<Box<dyn Future<Output = Result<Value, ToolError>> + Send + 'static>>;

/// What a tool is told about the call it serves.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallContext {
    /// Which run of the session made the call (0-based).
    pub run: u64,
    /// The call's index within its run (0-based).
    pub call: u64,
    /// Where the tool notes what the call's record should keep beside its result (a
    /// component's stdout and stderr, the requests its grants refused). The script never sees it.
    pub log: CallLog,
    /// A snapshot of the session's files as the batch of calls began, for tools that asked for
    /// them ([`Tool::wants_files`]); `None` for the others.
    pub files: Option<std::sync::Arc<airlock_vfs::Vfs>>,
    /// Where the tool hands back the changes it made to those files (a component with a
    /// read-write grant). The pipeline applies them when the call succeeds, all or none.
    pub changes: crate::FileChanges,
}

/// The notes of one call, shared between the tool and the pipeline; at most [`CallLog::MAX_BYTES`].
#[derive(Debug, Clone, Default)]
pub struct CallLog(std::sync::Arc<std::sync::Mutex<String>>);

impl CallLog {
    /// Bytes kept; what is written past them is dropped, with a note saying so.
    pub const MAX_BYTES: usize = 16 << 10;

    /// Adds a line (or several).
    pub fn write(&self, text: &str) {
        let mut log = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if log.len() >= Self::MAX_BYTES {
            return;
        }
        if !log.is_empty() {
            log.push('\n');
        }
        let room = Self::MAX_BYTES - log.len();
        if text.len() <= room {
            log.push_str(text);
        } else {
            let mut end = room;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            log.push_str(&text[..end]);
            log.push_str(" [log truncated]");
        }
    }

    /// What was written, if anything.
    pub fn text(&self) -> Option<String> {
        let log = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (!log.is_empty()).then(|| log.clone())
    }
}

/// A tool: a spec the sandbox and the model see, and a way to call it.
///
/// Arguments reach [`Tool::call`] only after they passed the input schema and the policy, so
/// an implementation can rely on their shape. Backends (Rust closures, external programs, MCP
/// servers, WebAssembly components) all implement this one trait.
pub trait Tool: Send + Sync + 'static {
    /// The tool's name, description and schemas.
    fn spec(&self) -> &ToolSpec;

    /// Serves one call. The host bounds its time with the spec's timeout and drops the future
    /// when that passes, so an implementation should release what it holds on drop.
    fn call(&self, args: Value, cx: CallContext) -> ToolFuture;

    /// Whether calls need a snapshot of the session's files in [`CallContext::files`] (a
    /// component with a `files` grant). Taking one costs a copy of the file tree per batch, so
    /// only tools that say so get it.
    fn wants_files(&self) -> bool {
        false
    }
}

impl std::fmt::Debug for dyn Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool")
            .field("name", &self.spec().name)
            .finish_non_exhaustive()
    }
}

/// A tool made from an async closure over JSON values.
struct FnTool<F> {
    spec: ToolSpec,
    f: F,
}

impl<F, Fut> Tool for FnTool<F>
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
{
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, _cx: CallContext) -> ToolFuture {
        Box::pin((self.f)(args))
    }
}

/// A tool from a spec and an async closure taking the JSON arguments.
///
/// ```
/// use airlock_tools::{ToolSpec, tool_fn};
/// use serde_json::json;
///
/// let echo = tool_fn(ToolSpec::new("echo", "Returns its arguments"), |args| async move {
///     Ok(json!({ "echoed": args }))
/// });
/// assert_eq!(echo.spec().name, "echo");
/// ```
pub fn tool_fn<F, Fut>(spec: ToolSpec, f: F) -> Arc<dyn Tool>
where
    F: Fn(Value) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Value, ToolError>> + Send + 'static,
{
    Arc::new(FnTool { spec, f })
}

/// A tool whose input and output are Rust types; both schemas are derived with `schemars`.
///
/// ```
/// use airlock_tools::{ToolError, typed_tool};
/// use schemars::JsonSchema;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Add { a: f64, b: f64 }
/// #[derive(Serialize, JsonSchema)]
/// struct Sum { sum: f64 }
///
/// let add = typed_tool("math/add", "Adds two numbers", |x: Add| async move {
///     Ok::<_, ToolError>(Sum { sum: x.a + x.b })
/// });
/// assert_eq!(add.spec().input_schema["required"], serde_json::json!(["a", "b"]));
/// ```
pub fn typed_tool<A, R, F, Fut>(
    name: impl Into<String>,
    description: impl Into<String>,
    f: F,
) -> Arc<dyn Tool>
where
    A: DeserializeOwned + JsonSchema + Send + 'static,
    R: Serialize + JsonSchema + 'static,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
{
    let spec = ToolSpec::new(name, description)
        .with_input_schema(schema_value::<A>())
        .with_output_schema(schema_value::<R>());
    let f = Arc::new(f);
    tool_fn(spec, move |args: Value| {
        let f = Arc::clone(&f);
        async move {
            // The schema was checked already; this only fails if the schema and the type
            // disagree (a `#[serde(...)]` attribute schemars does not model, say).
            let input: A = serde_json::from_value(args).map_err(|e| {
                ToolError::failed(format!("arguments do not fit the tool's input type: {e}"))
            })?;
            let output = f(input).await?;
            serde_json::to_value(output)
                .map_err(|e| ToolError::failed(format!("the result is not JSON: {e}")))
        }
    })
}

fn schema_value<T: JsonSchema>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).unwrap_or(Value::Null);
    // The `$schema` and `title` keys only add noise to the declarations shown to the model.
    if let Some(map) = schema.as_object_mut() {
        map.remove("$schema");
        map.remove("title");
    }
    schema
}
