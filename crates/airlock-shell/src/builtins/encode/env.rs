//! `env` and `printenv`: show the exported variables, or run a command.

use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, STATUS_USAGE, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::Input;

pub(super) const ENV: Utility = Utility {
    name: "env",
    help: "Usage: env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]\n\
Print the environment changed by the assignments, or run COMMAND.\n\
\n\
\x20 -i, --ignore-environment  start with an empty environment\n\
\x20 -u, --unset=NAME          remove NAME from the environment\n\
\x20 -0, --null                end each output line with NUL, not newline\n\
",
    run: env,
};

pub(super) const PRINTENV: Utility = Utility {
    name: "printenv",
    help: "Usage: printenv [OPTION] [VARIABLE]...\n\
Print the values of the VARIABLEs, or all NAME=value pairs. Exit 1 if one is not set.\n\
\n\
\x20 -0, --null  end each output line with NUL, not newline\n",
    run: printenv,
};

/// GNU's status when `env` itself fails (as opposed to the command it runs).
const ENV_FAILURE: i32 = 125;

fn env<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "iu:0",
            long: &[
                ("ignore-environment", 'i', false),
                ("unset", 'u', true),
                ("null", '0', false),
            ],
            stop_at_operand: true,
        };
        let (opts, mut operands) = match parse(&cx.args, spec) {
            Ok(p) => p,
            Err(e) => return super::usage(cx, e, ENV_FAILURE).await,
        };
        let mut vars: Vec<(String, String)> = cx.env.to_vec();
        let mut changed = false;
        let mut end = b'\n';
        for opt in opts {
            match opt.flag {
                'i' => {
                    vars.clear();
                    changed = true;
                }
                'u' => {
                    let name = opt.value.unwrap_or_default();
                    vars.retain(|(n, _)| *n != name);
                    changed = true;
                }
                _ => end = 0,
            }
        }
        if operands.first().is_some_and(|o| o == "-") {
            operands.remove(0);
            vars.clear();
            changed = true;
        }
        let assignments = operands.iter().take_while(|o| o.contains('=')).count();
        for a in operands.drain(..assignments) {
            let (name, value) = a.split_once('=').unwrap_or((&a, ""));
            match vars.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.to_string(),
                None => vars.push((name.to_string(), value.to_string())),
            }
            changed = true;
        }
        if operands.is_empty() {
            let mut buf = Vec::new();
            for (name, value) in &vars {
                buf.extend_from_slice(name.as_bytes());
                buf.push(b'=');
                buf.extend_from_slice(value.as_bytes());
                buf.push(end);
            }
            out!(cx, &buf);
            return 0;
        }
        // The command reads what `env` would have read.
        let stdin = std::mem::replace(cx.stdin, Input::empty());
        if changed {
            return cx
                .spawn
                .spawn_env(operands, vars, stdin, cx.stdout, cx.stderr)
                .await;
        }
        cx.spawn.spawn(operands, stdin, cx.stdout, cx.stderr).await
    })
}

fn printenv<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "0",
            long: &[("null", '0', false)],
            stop_at_operand: false,
        };
        let (opts, names) = match parse(&cx.args, spec) {
            Ok(p) => p,
            Err(e) => return super::usage(cx, e, STATUS_USAGE).await,
        };
        let end = if opts.is_empty() { b'\n' } else { 0 };
        let mut buf = Vec::new();
        let mut status = 0;
        if names.is_empty() {
            for (name, value) in cx.env {
                buf.extend_from_slice(name.as_bytes());
                buf.push(b'=');
                buf.extend_from_slice(value.as_bytes());
                buf.push(end);
            }
        }
        for name in &names {
            match cx.env.iter().find(|(n, _)| n == name) {
                Some((_, value)) if !name.contains('=') => {
                    buf.extend_from_slice(value.as_bytes());
                    buf.push(end);
                }
                _ => status = 1,
            }
        }
        out!(cx, &buf);
        status
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::cmd::Cmd;
    use crate::exec::block_on;
    use crate::io::{Input, Output};
    use crate::system::MemSystem;
    use crate::testing::{Ran, UtilitySpawn};

    /// Runs `name` with an environment (the shared test helper passes none).
    fn run_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> Ran {
        let sys = MemSystem::default();
        let spawn = UtilitySpawn {
            sys: &sys,
            cwd: "/workspace",
        };
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        let (out, err) = (
            Rc::new(RefCell::new(Vec::new())),
            Rc::new(RefCell::new(Vec::new())),
        );
        let (mut stdout, mut stderr) = (
            Output::buffer(Rc::clone(&out)),
            Output::buffer(Rc::clone(&err)),
        );
        let mut stdin = Input::from_bytes(b"piped\n".to_vec());
        let utility = crate::builtins::find(name).unwrap();
        let mut cmd = Cmd {
            name,
            args: args.iter().map(|s| s.to_string()).collect(),
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
            sys: &sys,
            cwd: "/workspace",
            env: &env,
            spawn: &spawn,
        };
        let status = block_on((utility.run)(&mut cmd));
        block_on(async {
            let _ = stdout.flush().await;
            let _ = stderr.flush().await;
        });
        let text = |b: &Rc<RefCell<Vec<u8>>>| String::from_utf8_lossy(&b.borrow()).into_owned();
        Ran {
            stdout: text(&out),
            stderr: text(&err),
            status,
        }
    }

    const ENV: &[(&str, &str)] = &[("HOME", "/home/agent"), ("PATH", "/bin")];

    #[test]
    fn env_prints_the_changed_environment() {
        assert_eq!(
            run_env("env", &[], ENV).stdout,
            "HOME=/home/agent\nPATH=/bin\n"
        );
        assert_eq!(
            run_env("env", &["-i", "A=1", "B=2"], ENV).stdout,
            "A=1\nB=2\n"
        );
        assert_eq!(
            run_env("env", &["-u", "HOME", "PATH=/x"], ENV).stdout,
            "PATH=/x\n"
        );
        assert_eq!(run_env("env", &["-"], ENV).stdout, "");
        assert_eq!(run_env("env", &["-0", "-i", "A=1"], ENV).stdout, "A=1\0");
    }

    #[test]
    fn env_runs_a_command_with_its_stdin() {
        let r = run_env("env", &["base64"], ENV);
        assert_eq!((r.stdout.as_str(), r.status), ("cGlwZWQK\n", 0));
        let r = run_env("env", &["A=1", "printenv", "A"], ENV);
        assert_eq!((r.stdout.as_str(), r.status), ("1\n", 0));
        let r = run_env("env", &["-i", "printenv", "HOME"], ENV);
        assert_eq!(r.status, 1);
        assert_eq!(run_env("env", &["--bogus"], ENV).status, 125);
    }

    #[test]
    fn printenv_all_or_named() {
        assert_eq!(
            run_env("printenv", &[], ENV).stdout,
            "HOME=/home/agent\nPATH=/bin\n"
        );
        let r = run_env("printenv", &["PATH", "NOPE", "HOME"], ENV);
        assert_eq!((r.stdout.as_str(), r.status), ("/bin\n/home/agent\n", 1));
        assert_eq!(
            run_env("printenv", &["-0", "HOME"], ENV).stdout,
            "/home/agent\0"
        );
        assert_eq!(run_env("printenv", &["--bogus"], ENV).status, 2);
    }
}
