//! The shell's own builtins: the commands that read or change its state (`cd`, `export`,
//! `read`, `set`, `eval`...) or run other commands (`command`, `xargs`, `timeout`, `sh -c`).

use super::state::State;
use super::{Flow, Interp, Io};
use crate::io::Input;

/// Names `type` and `command -v` report as shell builtins.
pub const SHELL_BUILTINS: &[&str] = &[
    ":", ".", "[", "break", "cd", "command", "continue", "declare", "eval", "exec", "exit",
    "export", "false", "getopts", "hash", "let", "local", "printf", "pwd", "read", "readonly",
    "return", "set", "shift", "source", "test", "timeout", "trap", "true", "type", "typeset",
    "umask", "unset", "wait", "xargs", "sh", "bash", "tool", "readlink", "curl",
];

impl Interp {
    /// Runs `argv` if it names a shell builtin; `None` otherwise.
    pub(crate) async fn special(
        &self,
        st: &mut State,
        argv: &[String],
        temporary: &[(String, String)],
        io: &mut Io<'_>,
    ) -> Option<Flow> {
        let args = &argv[1..];
        let status = match argv[0].as_str() {
            ":" | "true" => 0,
            "false" => 1,
            "exit" => {
                st.status = match args.first() {
                    Some(n) => match n.parse::<i64>() {
                        Ok(n) => (n & 0xff) as i32,
                        Err(_) => {
                            self.error(io.stderr, &format!("exit: {n}: numeric argument required"))
                                .await;
                            2
                        }
                    },
                    None => st.status,
                };
                return Some(Flow::Exit);
            }
            "return" => {
                if st.depth == 0 {
                    self.error(
                        io.stderr,
                        "return: can only `return' from a function or sourced script",
                    )
                    .await;
                    1
                } else {
                    st.status = match args.first().map(|n| n.parse::<i64>()) {
                        Some(Ok(n)) => (n & 0xff) as i32,
                        Some(Err(_)) => 2,
                        None => st.status,
                    };
                    return Some(Flow::Return);
                }
            }
            "break" | "continue" => {
                let n = match args.first().map(|n| n.parse::<usize>()) {
                    None => 1,
                    Some(Ok(n)) if n > 0 => n,
                    _ => {
                        self.error(
                            io.stderr,
                            &format!("{}: {}: loop count out of range", argv[0], args[0]),
                        )
                        .await;
                        st.status = 1;
                        return Some(Flow::Normal);
                    }
                };
                if st.loops == 0 {
                    // bash warns and carries on.
                    st.status = 0;
                    return Some(Flow::Normal);
                }
                st.status = 0;
                let n = n.min(st.loops);
                return Some(if argv[0] == "break" {
                    Flow::Break(n)
                } else {
                    Flow::Continue(n)
                });
            }
            "cd" => self.cd(st, args, io).await,
            "pwd" => {
                let _ = io.stdout.write(format!("{}\n", st.cwd).as_bytes()).await;
                0
            }
            "export" | "readonly" | "declare" | "typeset" | "local" => {
                self.declare(st, &argv[0], args, io).await
            }
            "unset" => {
                let mut status = 0;
                for name in args.iter().filter(|a| !a.starts_with('-')) {
                    if args.iter().any(|a| a == "-f") {
                        st.functions.remove(name);
                    } else if let Err(e) = st.unset(name) {
                        self.error(io.stderr, &format!("unset: {e}")).await;
                        status = 1;
                    }
                }
                status
            }
            "shift" => {
                let n = args
                    .first()
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1);
                if n > st.positional.len() {
                    1
                } else {
                    st.positional.drain(..n);
                    0
                }
            }
            "set" => self.set(st, args, io).await,
            "eval" => {
                let script = args.join(" ");
                let mut sub_status = self.run_script_in(st, &script, io).await;
                if script.trim().is_empty() {
                    sub_status = 0;
                }
                sub_status
            }
            "source" | "." => {
                let Some(file) = args.first() else {
                    self.error(
                        io.stderr,
                        &format!("{}: filename argument required", argv[0]),
                    )
                    .await;
                    st.status = 2;
                    return Some(Flow::Normal);
                };
                let path = crate::path::absolute(&st.cwd, file);
                match self.sys.read_file(&path) {
                    Ok(bytes) => {
                        let script = String::from_utf8_lossy(&bytes).into_owned();
                        let saved = (!args[1..].is_empty())
                            .then(|| std::mem::replace(&mut st.positional, args[1..].to_vec()));
                        st.depth += 1;
                        let status = self.run_script_in(st, &script, io).await;
                        st.depth -= 1;
                        if let Some(saved) = saved {
                            st.positional = saved;
                        }
                        status
                    }
                    Err(e) => {
                        self.error(io.stderr, &format!("{file}: {}", e.describe()))
                            .await;
                        1
                    }
                }
            }
            "read" => self.read(st, args, io).await,
            "test" | "[" => self.test_builtin(&argv[0], args, st, io).await,
            "let" => {
                let mut last = 0;
                for expr in args {
                    match super::arith::eval_str(st, expr) {
                        Ok(v) => last = v,
                        Err(e) => {
                            self.error(io.stderr, &format!("let: {e}")).await;
                            st.status = 1;
                            return Some(Flow::Normal);
                        }
                    }
                }
                i32::from(last == 0)
            }
            "type" | "command" | "hash" | "wait" | "umask" | "exec" => {
                return self.misc(st, argv, temporary, io).await;
            }
            "sh" | "bash" => self.sh(st, args, io).await,
            "xargs" => self.xargs(st, args, io).await,
            "tool" => self.tool(args, io).await,
            "curl" => self.curl(st, args, io).await,
            "getopts" => self.getopts(st, args, io).await,
            "trap" => self.trap(st, args, io).await,
            "readlink" => self.readlink(st, args, io).await,
            "printf" if args.first().is_some_and(|a| a == "-v") => {
                self.printf_v(st, args, io).await
            }
            "timeout" => return self.timeout(st, args, io).await,
            _ => return None,
        };
        st.status = status;
        Some(Flow::Normal)
    }

    async fn cd(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let args: Vec<&String> = args.iter().filter(|a| *a != "-L" && *a != "-P").collect();
        let target = match args.first().map(|s| s.as_str()) {
            None | Some("~") => st.get("HOME").unwrap_or("/workspace").to_string(),
            Some("-") => match st.get("OLDPWD") {
                Some(old) => {
                    let _ = io.stdout.write(format!("{old}\n").as_bytes()).await;
                    old.to_string()
                }
                None => {
                    self.error(io.stderr, "cd: OLDPWD not set").await;
                    return 1;
                }
            },
            Some(dir) => dir.to_string(),
        };
        let path = crate::path::absolute(&st.cwd, &target);
        match self.sys.stat(&path) {
            Ok(info) if info.is_dir => {
                let old = std::mem::replace(&mut st.cwd, path.clone());
                let _ = st.set("OLDPWD", old);
                let _ = st.set("PWD", path);
                0
            }
            Ok(_) => {
                self.error(io.stderr, &format!("cd: {target}: Not a directory"))
                    .await;
                1
            }
            Err(e) => {
                self.error(io.stderr, &format!("cd: {target}: {}", e.describe()))
                    .await;
                1
            }
        }
    }

    async fn declare(&self, st: &mut State, name: &str, args: &[String], io: &mut Io<'_>) -> i32 {
        let local = name == "local" || ((name == "declare" || name == "typeset") && st.depth > 0);
        if name == "local" && st.depth == 0 {
            self.error(io.stderr, "local: can only be used in a function")
                .await;
            return 1;
        }
        let mut export = name == "export";
        let mut unexport = false;
        let mut readonly = name == "readonly";
        let mut print = false;
        let mut status = 0;
        let mut names = Vec::new();
        for arg in args {
            match arg.as_str() {
                "-x" => export = true,
                "-n" if name == "export" => unexport = true,
                "-r" => readonly = true,
                "-p" => print = true,
                "-g" | "-i" | "-l" | "-u" | "-n" | "--" => {}
                a if a.starts_with('-') && a.len() > 1 => {
                    self.error(io.stderr, &format!("{name}: {a}: option not supported"))
                        .await;
                    return 2;
                }
                a => names.push(a),
            }
        }
        if names.is_empty() || print {
            let mut vars: Vec<(String, String)> = st
                .globals
                .iter()
                .filter(|(_, v)| (!export || v.exported) && (!readonly || v.readonly))
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect();
            vars.sort();
            let prefix = match name {
                "export" => "declare -x ",
                "readonly" => "declare -r ",
                _ => "declare -- ",
            };
            for (k, v) in vars {
                let line = format!(
                    "{prefix}{k}=\"{}\"\n",
                    v.replace('\\', "\\\\").replace('"', "\\\"")
                );
                let _ = io.stdout.write(line.as_bytes()).await;
            }
            return 0;
        }
        for item in names {
            let (var, value) = match item.split_once('=') {
                Some((k, v)) => (k, Some(v.to_string())),
                None => (item, None),
            };
            if !is_name(var) {
                self.error(
                    io.stderr,
                    &format!("{name}: `{item}': not a valid identifier"),
                )
                .await;
                status = 1;
                continue;
            }
            if local {
                // `local x` declares it local and unset; `local x=1` also sets it.
                st.declare_local(var, value);
            } else if let Some(value) = value
                && let Err(e) = st.set(var, value)
            {
                self.error(io.stderr, &e).await;
                status = 1;
                continue;
            }
            if unexport {
                if st.var(var).is_some() {
                    st.var_mut(var).exported = false;
                }
            } else if export || readonly {
                let v = st.var_mut(var);
                v.exported |= export;
                v.readonly |= readonly;
            }
        }
        status
    }

    async fn set(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        if args.is_empty() {
            let mut vars: Vec<(String, String)> = st
                .globals
                .iter()
                .map(|(k, v)| (k.clone(), v.value.clone()))
                .collect();
            vars.sort();
            for (k, v) in vars {
                let _ = io
                    .stdout
                    .write(format!("{k}='{}'\n", v.replace('\'', "'\\''")).as_bytes())
                    .await;
            }
            return 0;
        }
        let mut i = 0;
        while i < args.len() {
            let arg = &args[i];
            if arg == "--" {
                st.positional = args[i + 1..].to_vec();
                return 0;
            }
            let (on, body) = match arg.chars().next() {
                Some('-') => (true, &arg[1..]),
                Some('+') => (false, &arg[1..]),
                _ => {
                    st.positional = args[i..].to_vec();
                    return 0;
                }
            };
            if body.len() > 1 && body.ends_with('o') {
                // `-eo pipefail`: the flags, then `-o NAME`.
                let flags = format!("{}{}", if on { '-' } else { '+' }, &body[..body.len() - 1]);
                let mut rest = vec![flags, format!("{}o", if on { '-' } else { '+' })];
                rest.extend(args[i + 1..].iter().cloned());
                return Box::pin(self.set(st, &rest, io)).await;
            }
            if body == "o" {
                i += 1;
                let Some(name) = args.get(i) else {
                    let o = st.options;
                    for (n, v) in [
                        ("errexit", o.errexit),
                        ("noglob", o.noglob),
                        ("nounset", o.nounset),
                        ("pipefail", o.pipefail),
                        ("xtrace", o.xtrace),
                    ] {
                        let _ = io
                            .stdout
                            .write(
                                format!("{n:<15}\t{}\n", if v { "on" } else { "off" }).as_bytes(),
                            )
                            .await;
                    }
                    return 0;
                };
                let o = &mut st.options;
                match name.as_str() {
                    "errexit" => o.errexit = on,
                    "nounset" => o.nounset = on,
                    "xtrace" => o.xtrace = on,
                    "pipefail" => o.pipefail = on,
                    "noglob" => o.noglob = on,
                    "noclobber" => o.noclobber = on,
                    "posix" | "nounset-ignored" | "emacs" | "vi" | "monitor" | "notify"
                    | "hashall" | "braceexpand" => {}
                    other => {
                        self.error(io.stderr, &format!("set: {other}: invalid option name"))
                            .await;
                        return 2;
                    }
                }
                i += 1;
                continue;
            }
            for c in body.chars() {
                let o = &mut st.options;
                match c {
                    'e' => o.errexit = on,
                    'u' => o.nounset = on,
                    'x' => o.xtrace = on,
                    'f' => o.noglob = on,
                    'C' => o.noclobber = on,
                    'h' | 'm' | 'B' | 'H' | 'v' | 'b' | 'a' => {}
                    other => {
                        self.error(io.stderr, &format!("set: -{other}: invalid option"))
                            .await;
                        return 2;
                    }
                }
            }
            i += 1;
        }
        0
    }

    async fn read(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let mut raw = false;
        let mut delim = b'\n';
        let mut names = Vec::new();
        let mut count: Option<usize> = None;
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "-r" => raw = true,
                "-s" => {}
                "-p" | "-t" | "-u" => i += 1,
                "-d" => {
                    i += 1;
                    delim = args.get(i).and_then(|d| d.bytes().next()).unwrap_or(0);
                }
                "-n" | "-N" => {
                    i += 1;
                    count = args.get(i).and_then(|n| n.parse().ok());
                }
                "-a" => {
                    self.error(io.stderr, "read: -a: arrays are not supported")
                        .await;
                    return 2;
                }
                a if a.starts_with('-') && a.len() > 1 && names.is_empty() => {
                    // Combined flags like -rs.
                    if a[1..].chars().all(|c| matches!(c, 'r' | 's')) {
                        raw |= a.contains('r');
                    } else {
                        self.error(io.stderr, &format!("read: {a}: invalid option"))
                            .await;
                        return 2;
                    }
                }
                name => names.push(name.to_string()),
            }
            i += 1;
        }
        if names.is_empty() {
            names.push("REPLY".to_string());
        }
        let (line, found) = match count {
            Some(n) => match io.stdin.take_until(delim, n).await {
                None => (Vec::new(), false),
                Some(chunk) => (chunk.to_vec(), true),
            },
            None => match io.stdin.until(delim).await {
                None => (Vec::new(), false),
                Some(chunk) => (chunk.to_vec(), true),
            },
        };
        let mut text = String::from_utf8_lossy(&line).into_owned();
        let complete = text.ends_with(char::from(delim));
        if complete {
            text.pop();
        }
        if !raw {
            // Backslash escapes the next character; a trailing backslash joins lines.
            let mut out = String::new();
            let mut chars = text.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            text = out;
        }
        let ifs = st.ifs();
        let values = split_read(
            &text,
            &ifs,
            names.len(),
            names[0] == "REPLY" && names.len() == 1,
        );
        for (name, value) in names
            .iter()
            .zip(values.into_iter().chain(std::iter::repeat(String::new())))
        {
            if let Err(e) = st.set(name, value) {
                self.error(io.stderr, &format!("read: {e}")).await;
                return 1;
            }
        }
        i32::from(!found || (!complete && count.is_none()))
    }

    async fn sh(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let mut sub = st.clone();
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') && args[i] != "-c" {
            if let Some(flags) = args[i].strip_prefix('-') {
                for c in flags.chars() {
                    match c {
                        'e' => sub.options.errexit = true,
                        'u' => sub.options.nounset = true,
                        'x' => sub.options.xtrace = true,
                        _ => {}
                    }
                }
            }
            i += 1;
        }
        let script = if args.get(i).is_some_and(|a| a == "-c") {
            let Some(script) = args.get(i + 1) else {
                self.error(io.stderr, "sh: -c: option requires an argument")
                    .await;
                return 2;
            };
            if let Some(name) = args.get(i + 2) {
                sub.arg0 = name.clone();
            }
            sub.positional = args
                .get(i + 3..)
                .map(<[String]>::to_vec)
                .unwrap_or_default();
            script.clone()
        } else if let Some(file) = args.get(i) {
            let path = crate::path::absolute(&st.cwd, file);
            match self.sys.read_file(&path) {
                Ok(bytes) => {
                    sub.arg0 = file.clone();
                    sub.positional = args[i + 1..].to_vec();
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                Err(e) => {
                    self.error(io.stderr, &format!("{file}: {}", e.describe()))
                        .await;
                    return 127;
                }
            }
        } else {
            String::from_utf8_lossy(&io.stdin.read_all().await).into_owned()
        };
        sub.depth = 0;
        sub.frames.clear();
        self.run_script_in(&mut sub, &script, io).await
    }

    async fn xargs(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let mut max_args: Option<usize> = None;
        let mut replace: Option<String> = None;
        let mut null = false;
        let mut delimiter: Option<u8> = None;
        let mut no_run_empty = false;
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') && args[i].len() > 1 {
            let a = args[i].as_str();
            match a {
                "-0" | "--null" => null = true,
                "-r" | "--no-run-if-empty" => no_run_empty = true,
                "-t" | "-x" => {}
                "-n" | "-L" | "-P" | "-I" | "-d" | "-s" => {
                    i += 1;
                    let Some(v) = args.get(i) else {
                        self.error(
                            io.stderr,
                            &format!("xargs: option requires an argument -- '{}'", &a[1..]),
                        )
                        .await;
                        return 1;
                    };
                    match a {
                        "-n" | "-L" => max_args = v.parse().ok(),
                        "-I" => replace = Some(v.clone()),
                        "-d" => delimiter = super::expand::ansi_c(v).bytes().next(),
                        _ => {}
                    }
                }
                _ if a.starts_with("-n") => max_args = a[2..].parse().ok(),
                _ if a.starts_with("-I") => replace = Some(a[2..].to_string()),
                _ if a.starts_with("-P") || a.starts_with("-s") => {}
                _ => {
                    self.error(
                        io.stderr,
                        &format!("xargs: invalid option -- '{}'", &a[1..]),
                    )
                    .await;
                    return 1;
                }
            }
            i += 1;
        }
        let command: Vec<String> = if i < args.len() {
            args[i..].to_vec()
        } else {
            vec!["echo".to_string()]
        };
        let input = io.stdin.read_all().await;
        let text = String::from_utf8_lossy(&input);
        let items: Vec<String> = if null {
            text.split('\0')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        } else if let Some(d) = delimiter {
            text.split(char::from(d))
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        } else if replace.is_some() {
            text.lines()
                .map(|l| l.trim_start().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        } else {
            xargs_words(&text)
        };
        if items.is_empty() && (no_run_empty || replace.is_some()) {
            return 0;
        }
        let batches: Vec<Vec<String>> = if let Some(r) = &replace {
            items
                .iter()
                .map(|item| {
                    command
                        .iter()
                        .map(|c| c.replace(r.as_str(), item))
                        .collect()
                })
                .collect()
        } else {
            let per = max_args.unwrap_or(usize::MAX).max(1);
            let mut batches = Vec::new();
            if items.is_empty() {
                batches.push(command.clone());
            }
            for chunk in items.chunks(per.min(items.len().max(1))) {
                let mut argv = command.clone();
                argv.extend(chunk.iter().cloned());
                batches.push(argv);
            }
            batches
        };
        let mut status = 0;
        for argv in batches {
            let mut sub = st.clone();
            let mut empty = Input::empty();
            let mut inner = Io {
                stdin: &mut empty,
                stdout: &mut *io.stdout,
                stderr: &mut *io.stderr,
            };
            let _ = self.run_argv(&mut sub, argv, Vec::new(), &mut inner).await;
            let _ = inner.stdout.flush().await;
            match sub.status {
                0 => {}
                127 => return 127,
                255 => return 124,
                _ => status = 123,
            }
        }
        status
    }

    async fn timeout(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> Option<Flow> {
        // The sandbox cannot preempt a command; its own deadline bounds the whole run. The
        // command still runs, so scripts written for `timeout 5 cmd` work.
        let mut i = 0;
        while i < args.len() && args[i].starts_with('-') {
            if matches!(args[i].as_str(), "-s" | "-k" | "--signal" | "--kill-after") {
                i += 1;
            }
            i += 1;
        }
        if args.len() < i + 2 {
            self.error(
                io.stderr,
                "timeout: missing operand\nTry 'timeout --help' for more information.",
            )
            .await;
            st.status = 125;
            return Some(Flow::Normal);
        }
        let argv = args[i + 1..].to_vec();
        let flow = self.run_argv(st, argv, Vec::new(), io).await;
        Some(flow)
    }

    async fn misc(
        &self,
        st: &mut State,
        argv: &[String],
        temporary: &[(String, String)],
        io: &mut Io<'_>,
    ) -> Option<Flow> {
        let args = &argv[1..];
        let status = match argv[0].as_str() {
            "type" => {
                let mut status = 0;
                for name in args.iter().filter(|a| !a.starts_with('-')) {
                    let line = if st.functions.contains_key(name) {
                        format!("{name} is a function\n")
                    } else if SHELL_BUILTINS.contains(&name.as_str())
                        || crate::builtins::find(name).is_some()
                    {
                        format!("{name} is a shell builtin\n")
                    } else {
                        status = 1;
                        let _ = io
                            .stderr
                            .write(format!("sh: type: {name}: not found\n").as_bytes())
                            .await;
                        continue;
                    };
                    let _ = io.stdout.write(line.as_bytes()).await;
                }
                status
            }
            "command" => {
                let verbose = args.first().is_some_and(|a| a == "-v" || a == "-V");
                if verbose {
                    let mut status = 0;
                    for name in &args[1..] {
                        if st.functions.contains_key(name)
                            || SHELL_BUILTINS.contains(&name.as_str())
                            || crate::builtins::find(name).is_some()
                        {
                            let _ = io.stdout.write(format!("{name}\n").as_bytes()).await;
                        } else {
                            status = 1;
                        }
                    }
                    status
                } else {
                    let rest: Vec<String> =
                        args.iter().skip_while(|a| *a == "-p").cloned().collect();
                    if rest.is_empty() {
                        0
                    } else {
                        // `command name`: skip functions of that name.
                        let saved = st.functions.remove(&rest[0]);
                        let flow = self
                            .run_argv(st, rest.clone(), temporary.to_vec(), io)
                            .await;
                        if let Some(f) = saved {
                            st.functions.insert(rest[0].clone(), f);
                        }
                        return Some(flow);
                    }
                }
            }
            "exec" => {
                if args.is_empty() {
                    0
                } else {
                    let flow = self
                        .run_argv(st, args.to_vec(), temporary.to_vec(), io)
                        .await;
                    return Some(if flow == Flow::Normal {
                        Flow::Exit
                    } else {
                        flow
                    });
                }
            }
            "getopts" => {
                self.error(
                    io.stderr,
                    "getopts: not supported; parse options with a `while`/`case` loop over \"$@\"",
                )
                .await;
                2
            }
            // Accepted and ignored: there are no signals, jobs or file modes to manage.
            _ => 0,
        };
        st.status = status;
        Some(Flow::Normal)
    }
}

impl Interp {
    /// `getopts OPTSTRING NAME [ARG...]`, with `OPTIND` and `OPTARG` as in POSIX.
    async fn getopts(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let (Some(spec), Some(name)) = (args.first(), args.get(1)) else {
            self.error(
                io.stderr,
                "getopts: usage: getopts optstring name [arg ...]",
            )
            .await;
            return 2;
        };
        let list: Vec<String> = if args.len() > 2 {
            args[2..].to_vec()
        } else {
            st.positional.clone()
        };
        let silent = spec.starts_with(':');
        let mut optind: usize = st
            .get("OPTIND")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
            .max(1);
        let finish = |st: &mut State, optind: usize, value: &str| {
            let _ = st.set("OPTIND", optind.to_string());
            let _ = st.set(name, value.to_string());
        };
        let Some(arg) = list.get(optind - 1).cloned() else {
            st.optchar = 0;
            finish(st, optind, "?");
            return 1;
        };
        if st.optchar == 0 {
            if arg == "--" {
                st.optchar = 0;
                finish(st, optind + 1, "?");
                return 1;
            }
            if !arg.starts_with('-') || arg == "-" {
                finish(st, optind, "?");
                return 1;
            }
            st.optchar = 1;
        }
        let chars: Vec<char> = arg.chars().collect();
        let c = chars.get(st.optchar).copied().unwrap_or('?');
        st.optchar += 1;
        let at_end = st.optchar >= chars.len();
        let known = c != ':' && spec.contains(c);
        let takes = known
            && spec
                .split(c)
                .nth(1)
                .is_some_and(|rest| rest.starts_with(':'));
        let _ = st.unset("OPTARG");
        if !known {
            if silent {
                let _ = st.set("OPTARG", c.to_string());
            } else {
                let _ = io
                    .stderr
                    .write(format!("{}: illegal option -- {c}\n", st.arg0).as_bytes())
                    .await;
            }
            if at_end {
                optind += 1;
                st.optchar = 0;
            }
            finish(st, optind, "?");
            return 0;
        }
        if takes {
            let value = if !at_end {
                Some(chars[st.optchar..].iter().collect::<String>())
            } else {
                optind += 1;
                list.get(optind - 1).cloned()
            };
            optind += 1;
            st.optchar = 0;
            match value {
                Some(v) => {
                    let _ = st.set("OPTARG", v);
                }
                None => {
                    if silent {
                        let _ = st.set("OPTARG", c.to_string());
                        finish(st, optind - 1, ":");
                    } else {
                        let _ = io
                            .stderr
                            .write(
                                format!("{}: option requires an argument -- {c}\n", st.arg0)
                                    .as_bytes(),
                            )
                            .await;
                        finish(st, optind - 1, "?");
                    }
                    return 0;
                }
            }
        } else if at_end {
            optind += 1;
            st.optchar = 0;
        }
        finish(st, optind, &c.to_string());
        0
    }

    /// `trap CMD EXIT` runs CMD when the shell ends; other signals never arrive here.
    async fn trap(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        match args {
            [] => {
                if let Some(cmd) = &st.exit_trap {
                    let line = format!("trap -- '{}' EXIT\n", cmd.replace('\'', "'\\''"));
                    let _ = io.stdout.write(line.as_bytes()).await;
                }
                0
            }
            [action, signals @ ..] => {
                for signal in signals {
                    if matches!(signal.as_str(), "EXIT" | "0" | "SIGEXIT") {
                        st.exit_trap = match action.as_str() {
                            "-" | "" => None,
                            cmd => Some(cmd.to_string()),
                        };
                    }
                }
                0
            }
        }
    }

    /// `readlink`: there are no symbolic links, so only the `-f`/`-e`/`-m` forms print.
    async fn readlink(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let canonical = args
            .iter()
            .any(|a| matches!(a.as_str(), "-f" | "-e" | "-m" | "--canonicalize"));
        let must_exist = args.iter().any(|a| a == "-e");
        let mut status = 0;
        for path in args.iter().filter(|a| !a.starts_with('-')) {
            let abs = crate::path::absolute(&st.cwd, path);
            if !canonical || (must_exist && self.sys.stat(&abs).is_err()) {
                status = 1;
                continue;
            }
            let _ = io.stdout.write(format!("{abs}\n").as_bytes()).await;
        }
        status
    }

    /// `printf -v NAME FORMAT ARGS...`: the output goes into a variable.
    async fn printf_v(&self, st: &mut State, args: &[String], io: &mut Io<'_>) -> i32 {
        let Some(name) = args.get(1) else {
            self.error(io.stderr, "printf: -v: option requires an argument")
                .await;
            return 2;
        };
        let Some(utility) = crate::builtins::find("printf") else {
            return 127;
        };
        let buffer = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut out = crate::io::Output::buffer(std::rc::Rc::clone(&buffer));
        let mut argv = vec!["printf".to_string()];
        argv.extend(args[2..].iter().cloned());
        let status = {
            let mut inner = Io {
                stdin: &mut *io.stdin,
                stdout: &mut out,
                stderr: &mut *io.stderr,
            };
            self.run_utility(st, utility, argv, &[], &mut inner).await
        };
        let text = String::from_utf8_lossy(&buffer.borrow()).into_owned();
        if let Err(e) = st.set(name, text) {
            self.error(io.stderr, &format!("printf: {e}")).await;
            return 1;
        }
        status
    }
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a line read by `read` into `n` values: IFS-separated, the last taking the rest.
fn split_read(text: &str, ifs: &str, n: usize, keep_whole: bool) -> Vec<String> {
    if keep_whole {
        // `read` with no names keeps the line as is, but trims IFS whitespace... only with
        // names; REPLY keeps leading and trailing blanks.
        return vec![text.to_string()];
    }
    let is_ws = |c: char| ifs.contains(c) && c.is_whitespace();
    let mut values = Vec::new();
    let mut rest = text.trim_start_matches(is_ws);
    while values.len() + 1 < n {
        if rest.is_empty() {
            break;
        }
        match rest.find(|c: char| ifs.contains(c)) {
            Some(i) => {
                values.push(rest[..i].to_string());
                let mut after = &rest[i..];
                let first = after.chars().next().unwrap_or(' ');
                after = &after[first.len_utf8()..];
                after = after.trim_start_matches(is_ws);
                if first.is_whitespace()
                    && let Some(c) = after.chars().next()
                    && ifs.contains(c)
                    && !c.is_whitespace()
                {
                    after = after[c.len_utf8()..].trim_start_matches(is_ws);
                }
                rest = after;
            }
            None => {
                values.push(rest.to_string());
                rest = "";
            }
        }
    }
    if values.len() < n {
        values.push(rest.trim_end_matches(is_ws).to_string());
    }
    values
}

/// Splits xargs input into words: blanks separate, quotes and backslashes group.
fn xargs_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    cur.push(q);
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}
