//! What a utility gets when it runs: its arguments, its streams, the filesystem, and a way to
//! run other commands (for `xargs`, `find -exec`, `timeout`).

use crate::exec::LocalBoxFuture;
use crate::io::{Input, Output};
use crate::system::{FsError, System};

/// Exit status of a command stopped because its output's reader went away (128 + SIGPIPE).
pub const STATUS_BROKEN_PIPE: i32 = 141;
/// Exit status of a usage error.
pub const STATUS_USAGE: i32 = 2;

/// Runs a command line (a utility, a function or a shell builtin) with the given streams.
pub trait Spawn {
    fn spawn<'s>(
        &'s self,
        argv: Vec<String>,
        stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32>;

    /// Like [`Spawn::spawn`], with `env` as the command's whole environment (`env -i`,
    /// `env NAME=value cmd`). The default ignores it.
    fn spawn_env<'s>(
        &'s self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        let _ = env;
        self.spawn(argv, stdin, stdout, stderr)
    }
}

/// One utility invocation.
pub struct Cmd<'a> {
    /// The name it was called by (`grep`).
    pub name: &'a str,
    /// The arguments after the name.
    pub args: Vec<String>,
    pub stdin: &'a mut Input,
    pub stdout: &'a mut Output,
    pub stderr: &'a mut Output,
    pub sys: &'a dyn System,
    /// The working directory (absolute).
    pub cwd: &'a str,
    /// Exported variables, in order.
    pub env: &'a [(String, String)],
    /// Runs other commands.
    pub spawn: &'a dyn Spawn,
}

impl std::fmt::Debug for Cmd<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cmd")
            .field("name", &self.name)
            .field("args", &self.args)
            .finish_non_exhaustive()
    }
}

impl Cmd<'_> {
    /// `path` made absolute against the working directory and normalised (`.`/`..` folded).
    pub fn path(&self, path: &str) -> String {
        crate::path::absolute(self.cwd, path)
    }

    /// Prints `NAME: message` on stderr and returns `status`.
    pub async fn fail(&mut self, status: i32, message: impl AsRef<str>) -> i32 {
        let line = format!("{}: {}\n", self.name, message.as_ref());
        let _ = self.stderr.write(line.as_bytes()).await;
        status
    }

    /// Prints `NAME: OPERAND: No such file or directory` for a failed file operation.
    pub async fn fail_fs(&mut self, operand: &str, error: &FsError) -> i32 {
        self.fail(1, format!("{operand}: {}", error.describe()))
            .await
    }

    /// A usage error: the message, then `Try 'NAME --help'`, status 2.
    pub async fn usage(&mut self, message: impl AsRef<str>) -> i32 {
        let text = format!(
            "{name}: {}\nTry '{name} --help' for more information.\n",
            message.as_ref(),
            name = self.name
        );
        let _ = self.stderr.write(text.as_bytes()).await;
        STATUS_USAGE
    }

    /// Reads a file operand whole (`-` is stdin).
    pub async fn read_operand(&mut self, operand: &str) -> Result<Vec<u8>, FsError> {
        if operand == "-" {
            return Ok(self.stdin.read_all().await);
        }
        let path = self.path(operand);
        if self.sys.stat(&path).is_ok_and(|i| i.is_dir) {
            return Err(FsError::new(
                "EISDIR",
                format!("EISDIR: illegal operation on a directory, read '{path}'"),
            ));
        }
        self.sys.read_file(&path)
    }
}

/// Utilities that treat `--help` as an ordinary argument (`echo --help` prints it).
pub const OWN_HELP: &[&str] = &["echo", "printf", "test", "[", "true", "false"];

/// A utility: its name, a one-screen `--help` text, and its code. `NAME --help` prints the text
/// without running the code (except for [`OWN_HELP`]).
#[derive(Clone, Copy)]
pub struct Utility {
    pub name: &'static str,
    /// Shown by `NAME --help`: a usage line, a sentence, the options.
    pub help: &'static str,
    pub run: for<'a, 'b> fn(&'a mut Cmd<'b>) -> LocalBoxFuture<'a, i32>,
}

impl std::fmt::Debug for Utility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}
