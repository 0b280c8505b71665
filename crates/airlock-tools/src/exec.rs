//! The exec backend: a host program serves the tool, JSON in on stdin, JSON out on stdout.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use crate::error::{ToolError, ToolErrorKind};
use crate::spec::ToolSpec;
use crate::tool::{CallContext, Tool, ToolFuture};

/// Bytes of a tool's stderr kept for its error message; the rest is read and dropped so the
/// program never blocks on a full pipe.
const STDERR_KEEP: usize = 16 * 1024;
/// Default bound on what an exec tool may print; the host applies its own result limit after.
const DEFAULT_MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// How to start an exec tool's program. The sandbox never starts programs: only the host does,
/// for tools its operator configured.
#[derive(Debug, Clone)]
pub struct ExecCommand {
    /// The program and its arguments, e.g. `["python3", "tools/weather.py"]`.
    pub argv: Vec<String>,
    /// Working directory (default: the host process's).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables, on top of the host's environment.
    pub env: Vec<(String, String)>,
    /// Host environment variables the program does not inherit: those granted by name to a
    /// component or a layer (a gate's secret) are theirs alone.
    pub env_remove: Vec<String>,
    /// Most bytes read from stdout before the call fails.
    pub max_output: usize,
}

impl ExecCommand {
    pub fn new(argv: Vec<String>) -> Self {
        Self {
            argv,
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }
}

struct ExecTool {
    spec: ToolSpec,
    command: Arc<ExecCommand>,
}

/// A tool served by a program: each call starts it, writes the arguments as JSON to its stdin,
/// and reads the result as JSON from its stdout. A non-zero exit is a tool error carrying the
/// program's stderr. The process is killed if the call is abandoned (timeout, run stopped).
pub fn exec_tool(spec: ToolSpec, command: ExecCommand) -> Arc<dyn Tool> {
    Arc::new(ExecTool {
        spec,
        command: Arc::new(command),
    })
}

impl Tool for ExecTool {
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn call(&self, args: Value, _cx: CallContext) -> ToolFuture {
        let command = Arc::clone(&self.command);
        let name = self.spec.name.clone();
        Box::pin(async move { run(&name, &command, &args).await })
    }
}

async fn run(name: &str, command: &ExecCommand, args: &Value) -> Result<Value, ToolError> {
    let Some((program, rest)) = command.argv.split_first() else {
        return Err(ToolError::new(
            ToolErrorKind::Unavailable,
            format!("{name}: the tool has an empty command"),
        ));
    };
    let mut cmd = Command::new(program);
    for name in &command.env_remove {
        cmd.env_remove(name);
    }
    cmd.args(rest)
        .envs(command.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(dir) = &command.cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn().map_err(|e| {
        ToolError::new(
            ToolErrorKind::Unavailable,
            format!("{name}: cannot start `{program}`: {e}"),
        )
        .with_hint("check the tool's `command` in the config; relative paths start from the config file's folder")
    })?;
    let input = serde_json::to_vec(args).unwrap_or_default();
    let (Some(mut stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(ToolError::new(
            ToolErrorKind::Unavailable,
            format!("{name}: the tool's pipes could not be opened"),
        ));
    };
    // Written and read at once: a program that prints before reading all its input must not
    // deadlock against us.
    let write = async move {
        // A program that exits without reading its input is not an error by itself.
        let _ = stdin.write_all(&input).await;
        drop(stdin);
    };
    let (_, out, err) = tokio::join!(
        write,
        read_bounded(stdout, command.max_output),
        read_bounded(stderr, STDERR_KEEP)
    );
    let status = child.wait().await.map_err(|e| {
        ToolError::new(
            ToolErrorKind::Unavailable,
            format!("{name}: waiting for the tool failed: {e}"),
        )
    })?;
    let (out, out_cut) =
        out.map_err(|e| ToolError::failed(format!("{name}: reading stdout: {e}")))?;
    let (err, _) = err.unwrap_or_default();
    let err = String::from_utf8_lossy(&err);
    if !status.success() {
        let why = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        let detail = err.trim();
        let message = if detail.is_empty() {
            format!("{name}: the tool {why}")
        } else {
            format!("{name}: the tool {why}: {detail}")
        };
        return Err(ToolError::failed(message));
    }
    if out_cut {
        return Err(ToolError::new(
            ToolErrorKind::BadResult,
            format!(
                "{name}: the tool printed more than {} bytes",
                command.max_output
            ),
        ));
    }
    if out.iter().all(u8::is_ascii_whitespace) {
        // A tool with nothing to say succeeded with no value.
        return Ok(Value::Null);
    }
    serde_json::from_slice(&out).map_err(|e| {
        let shown = String::from_utf8_lossy(&out[..out.len().min(120)]).into_owned();
        ToolError::new(
            ToolErrorKind::BadResult,
            format!("{name}: the tool's output is not JSON ({e}): {shown:?}"),
        )
        .with_hint("an exec tool must print exactly one JSON value on stdout; log to stderr")
    })
}

/// Reads everything, keeping at most `keep` bytes; says whether anything was dropped.
async fn read_bounded(
    mut from: impl AsyncRead + Unpin,
    keep: usize,
) -> std::io::Result<(Vec<u8>, bool)> {
    let mut kept = Vec::new();
    let mut cut = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok((kept, cut));
        }
        let room = keep.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
        cut |= n > room;
    }
}
