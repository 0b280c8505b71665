//! The interpreter: runs a parsed script against the shell's [`State`], with commands'
//! streams wired as [`Io`].

mod arith;
mod curl;
mod expand;
mod glob;
mod redirect;
mod run;
mod special;
pub mod state;
mod test;
mod tool;

use std::cell::RefCell;
use std::rc::Rc;

use crate::io::{Input, Output};
use crate::system::System;

pub use state::State;

/// How a command ended besides its status: normally, or by `break`, `continue`, `return` or
/// `exit`, which unwind the constructs around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Normal,
    Break(usize),
    Continue(usize),
    Return,
    Exit,
}

/// The streams a command runs with.
#[derive(Debug)]
pub struct Io<'a> {
    pub stdin: &'a mut Input,
    pub stdout: &'a mut Output,
    pub stderr: &'a mut Output,
}

/// Deepest function recursion before the shell gives up (bash's FUNCNEST, bounded so a
/// runaway script fails cleanly instead of exhausting the stack).
pub(crate) const MAX_CALL_DEPTH: usize = 200;

/// What runs scripts: the outside world, and the shell's own stderr for messages that arise
/// outside any command (an expansion error inside `$(...)`).
pub struct Interp {
    pub(crate) sys: Rc<dyn System>,
    pub(crate) started_ms: u64,
    pub(crate) stderr: RefCell<Option<Output>>,
}

impl std::fmt::Debug for Interp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interp").finish_non_exhaustive()
    }
}

impl Interp {
    pub fn new(sys: Rc<dyn System>) -> Self {
        let started_ms = sys.now_ms();
        Self {
            sys,
            started_ms,
            stderr: RefCell::new(None),
        }
    }

    /// An output for the shell's own messages.
    pub(crate) fn shell_stderr(&self) -> Output {
        self.stderr
            .borrow()
            .as_ref()
            .map_or_else(Output::null, Output::share)
    }
}
