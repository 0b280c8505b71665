//! The shell's own state: variables (with `local` scopes), functions, positional parameters,
//! options and the working directory. A subshell is a clone of it.

use std::collections::HashMap;
use std::rc::Rc;

use brush_parser::ast::FunctionBody;

/// One variable.
#[derive(Debug, Clone, Default)]
pub struct Var {
    pub value: String,
    pub exported: bool,
    pub readonly: bool,
}

/// `set -e`, `-u`, `-x`, `-o pipefail`, `-f`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub errexit: bool,
    pub nounset: bool,
    pub xtrace: bool,
    pub pipefail: bool,
    pub noglob: bool,
    pub noclobber: bool,
}

/// Everything a subshell copies.
#[derive(Debug, Clone)]
pub struct State {
    /// Global variables.
    pub globals: HashMap<String, Var>,
    /// `local` frames of the running functions, innermost last.
    pub frames: Vec<HashMap<String, Option<Var>>>,
    pub functions: HashMap<String, Rc<FunctionBody>>,
    /// `$1`, `$2`, ...
    pub positional: Vec<String>,
    /// `$0`.
    pub arg0: String,
    pub options: Options,
    /// `$?`.
    pub status: i32,
    pub cwd: String,
    /// Function call depth, bounded so runaway recursion is an error, not a crash.
    pub depth: usize,
    /// Loop nesting, for `break` and `continue`.
    pub loops: usize,
    /// Set while running a condition (`if`, `while`, `&&`...), where `set -e` does not apply.
    pub in_condition: usize,
    /// The status of the last command substitution of the command being expanded: an
    /// assignment-only command (`x=$(false)`) returns it.
    pub last_subst: Option<i32>,
    /// Command-substitution nesting, for `set -x`'s `++` prefix.
    pub subshell: usize,
    /// `trap CMD EXIT`: run when the shell ends.
    pub exit_trap: Option<String>,
    /// `getopts`'s position inside a cluster of flags (`-ab`).
    pub optchar: usize,
}

impl State {
    pub fn new(cwd: &str) -> Self {
        let mut state = Self {
            globals: HashMap::new(),
            frames: Vec::new(),
            functions: HashMap::new(),
            positional: Vec::new(),
            arg0: "sh".to_string(),
            options: Options::default(),
            status: 0,
            cwd: cwd.to_string(),
            depth: 0,
            loops: 0,
            in_condition: 0,
            last_subst: None,
            subshell: 0,
            exit_trap: None,
            optchar: 0,
        };
        for (name, value) in [
            ("HOME", "/workspace"),
            ("PATH", "/usr/local/bin:/usr/bin:/bin"),
            ("PWD", cwd),
            ("SHELL", "/bin/sh"),
            ("USER", "sandbox"),
            ("LANG", "C.UTF-8"),
            ("TMPDIR", "/tmp"),
        ] {
            state.globals.insert(
                name.to_string(),
                Var {
                    value: value.to_string(),
                    exported: true,
                    readonly: false,
                },
            );
        }
        state.globals.insert(
            "IFS".to_string(),
            Var {
                value: " \t\n".to_string(),
                ..Var::default()
            },
        );
        state
    }

    /// The variable `name`, local frames first.
    pub fn var(&self, name: &str) -> Option<&Var> {
        for frame in self.frames.iter().rev() {
            if let Some(slot) = frame.get(name) {
                return slot.as_ref();
            }
        }
        self.globals.get(name)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.var(name).map(|v| v.value.as_str())
    }

    /// Sets `name`, in the innermost frame that declared it `local`, else globally.
    pub fn set(&mut self, name: &str, value: String) -> Result<(), String> {
        for frame in self.frames.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                let var = slot.get_or_insert_with(Var::default);
                if var.readonly {
                    return Err(format!("{name}: readonly variable"));
                }
                var.value = value;
                return Ok(());
            }
        }
        let var = self.globals.entry(name.to_string()).or_default();
        if var.readonly {
            return Err(format!("{name}: readonly variable"));
        }
        var.value = value;
        Ok(())
    }

    pub fn unset(&mut self, name: &str) -> Result<(), String> {
        if self.var(name).is_some_and(|v| v.readonly) {
            return Err(format!("{name}: cannot unset: readonly variable"));
        }
        for frame in self.frames.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                *slot = None;
                return Ok(());
            }
        }
        self.globals.remove(name);
        Ok(())
    }

    /// The variable itself, to change its attributes (created empty and unset-looking if new).
    pub fn var_mut(&mut self, name: &str) -> &mut Var {
        for frame in self.frames.iter_mut().rev() {
            if let Some(slot) = frame.get_mut(name) {
                return slot.get_or_insert_with(Var::default);
            }
        }
        self.globals.entry(name.to_string()).or_default()
    }

    /// Declares `name` local to the running function.
    pub fn declare_local(&mut self, name: &str, value: Option<String>) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let entry = frame.entry(name.to_string()).or_insert(None);
        if let Some(value) = value {
            let var = entry.get_or_insert_with(Var::default);
            var.value = value;
        }
    }

    /// Exported variables in name order, as a command's environment.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut names: Vec<&String> = self.globals.keys().collect();
        for frame in &self.frames {
            names.extend(frame.keys());
        }
        names.sort();
        names.dedup();
        names
            .into_iter()
            .filter_map(|n| {
                let v = self.var(n)?;
                v.exported.then(|| (n.clone(), v.value.clone()))
            })
            .collect()
    }

    pub fn ifs(&self) -> String {
        self.get("IFS")
            .map_or_else(|| " \t\n".to_string(), str::to_string)
    }
}
