//! A POSIX-style shell for the airlock sandbox: the grammar agents use (parsed by
//! `brush-parser`), an interpreter, and the usual text tools as built-in utilities. Pure Rust:
//! it runs natively (and is tested that way) and inside the sandbox's WebAssembly guest, where a
//! [`System`] implementation reaches the host.
//!
//! Commands are async and the stages of a pipeline run concurrently on one thread, joined by
//! bounded pipes: data streams with back-pressure, and `head` closing early stops its upstream.

pub mod builtins;
pub mod cmd;
pub mod exec;
pub mod io;
pub mod path;
pub mod system;
#[cfg(test)]
pub(crate) mod testing;

pub use cmd::{Cmd, Spawn, Utility};
pub use io::{Broken, Input, Output};
pub use system::{DirEntry, FileInfo, FsError, JsOutput, JsRun, MemSystem, System};

#[doc(hidden)]
pub mod fuzzing;
mod interp;
pub mod parse;

use std::cell::RefCell;
use std::rc::Rc;

pub use parse::SyntaxError;

/// What a script printed and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

/// A shell session: variables, functions, options and the working directory persist across
/// [`Shell::run`] calls, like commands typed one after another.
pub struct Shell {
    interp: interp::Interp,
    state: interp::State,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("cwd", &self.state.cwd)
            .finish_non_exhaustive()
    }
}

impl Shell {
    /// A shell over `sys`, in `/workspace`, with the usual variables (`HOME`, `PATH`, `PWD`...).
    pub fn new(sys: Rc<dyn System>) -> Self {
        Self {
            interp: interp::Interp::new(sys),
            state: interp::State::new("/workspace"),
        }
    }

    /// Sets a variable, exported to commands when `export` is set.
    pub fn set_var(&mut self, name: &str, value: &str, export: bool) {
        let var = self.state.var_mut(name);
        var.value = value.to_string();
        var.exported |= export;
    }

    /// Sets `$0` and the positional parameters `$1`...
    pub fn set_args(&mut self, arg0: &str, args: Vec<String>) {
        self.state.arg0 = arg0.to_string();
        self.state.positional = args;
    }

    /// Runs `script` with the given streams and returns its exit status. A syntax error is
    /// reported on `stderr` (line and column) and nothing runs (status 2).
    pub fn run(
        &mut self,
        script: &str,
        mut stdin: Input,
        mut stdout: Output,
        mut stderr: Output,
    ) -> i32 {
        *self.interp.stderr.borrow_mut() = Some(stderr.share());
        let status = exec::block_on(async {
            let program = match parse::parse(script) {
                Ok(p) => p,
                Err(e) => {
                    let _ = stderr.write(format!("sh: {e}\n").as_bytes()).await;
                    let _ = stderr.flush().await;
                    return 2;
                }
            };
            let mut io = interp::Io {
                stdin: &mut stdin,
                stdout: &mut stdout,
                stderr: &mut stderr,
            };
            for command in &program.complete_commands {
                let flow = self
                    .interp
                    .exec_list(&mut self.state, command, &mut io)
                    .await;
                if flow == interp::Flow::Exit {
                    break;
                }
            }
            // `trap CMD EXIT`, with the status the script ended with.
            if let Some(trap) = self.state.exit_trap.take() {
                let status = self.state.status;
                let _ = self
                    .interp
                    .run_script_in(&mut self.state, &trap, &mut io)
                    .await;
                self.state.status = status;
            }
            let _ = io.stdout.flush().await;
            let _ = io.stderr.flush().await;
            self.state.status
        });
        *self.interp.stderr.borrow_mut() = None;
        status
    }

    /// Runs `script` with `stdin` and returns what it printed.
    pub fn run_captured(&mut self, script: &str, stdin: &[u8]) -> Captured {
        let out = Rc::new(RefCell::new(Vec::new()));
        let err = Rc::new(RefCell::new(Vec::new()));
        let status = self.run(
            script,
            Input::from_bytes(stdin.to_vec()),
            Output::buffer(Rc::clone(&out)),
            Output::buffer(Rc::clone(&err)),
        );
        Captured {
            stdout: out.take(),
            stderr: err.take(),
            status,
        }
    }
}
