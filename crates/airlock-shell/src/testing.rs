//! Helpers for testing utilities in isolation, natively.

use std::cell::RefCell;
use std::rc::Rc;

use crate::cmd::{Cmd, Spawn};
use crate::exec::{LocalBoxFuture, block_on};
use crate::io::{Input, Output};
use crate::system::{MemSystem, System};

/// What a utility printed and returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// A spawner for utilities that run other commands: runs other utilities only.
pub struct UtilitySpawn<'a> {
    pub sys: &'a dyn System,
    pub cwd: &'a str,
}

impl Spawn for UtilitySpawn<'_> {
    fn spawn<'s>(
        &'s self,
        argv: Vec<String>,
        stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        self.spawn_env(argv, Vec::new(), stdin, stdout, stderr)
    }

    fn spawn_env<'s>(
        &'s self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        mut stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        Box::pin(async move {
            let Some((name, args)) = argv.split_first() else {
                return 0;
            };
            let Some(utility) = crate::builtins::find(name) else {
                let _ = stderr
                    .write(format!("{name}: command not found\n").as_bytes())
                    .await;
                return 127;
            };
            if args.len() == 1
                && args[0] == "--help"
                && !crate::cmd::OWN_HELP.contains(&utility.name)
            {
                let _ = stdout.write(utility.help.as_bytes()).await;
                let _ = stdout.flush().await;
                return 0;
            }
            let mut cmd = Cmd {
                name: utility.name,
                args: args.to_vec(),
                stdin: &mut stdin,
                stdout,
                stderr,
                sys: self.sys,
                cwd: self.cwd,
                env: &env,
                spawn: self,
            };
            let status = (utility.run)(&mut cmd).await;
            let _ = cmd.stdout.flush().await;
            let _ = cmd.stderr.flush().await;
            status
        })
    }
}

/// Runs utility `name` with `args` and `stdin` over `sys`, in `/workspace`.
pub fn run_on(sys: &MemSystem, name: &str, args: &[&str], stdin: &str) -> Ran {
    let out = Rc::new(RefCell::new(Vec::new()));
    let err = Rc::new(RefCell::new(Vec::new()));
    let mut stdout = Output::buffer(Rc::clone(&out));
    let mut stderr = Output::buffer(Rc::clone(&err));
    let spawn = UtilitySpawn {
        sys,
        cwd: "/workspace",
    };
    let argv: Vec<String> = std::iter::once(name)
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    let status = block_on(spawn.spawn(
        argv,
        Input::from_bytes(stdin.as_bytes().to_vec()),
        &mut stdout,
        &mut stderr,
    ));
    let text = |b: &Rc<RefCell<Vec<u8>>>| String::from_utf8_lossy(&b.borrow()).into_owned();
    Ran {
        stdout: text(&out),
        stderr: text(&err),
        status,
    }
}

/// Runs utility `name` on an empty filesystem.
pub fn run(name: &str, args: &[&str], stdin: &str) -> Ran {
    run_on(&MemSystem::default(), name, args, stdin)
}
