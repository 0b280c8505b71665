//! Running commands: lists, and-or lists, pipelines, simple and compound commands, functions.

use std::rc::Rc;

use brush_parser::ast::{
    AndOr, AndOrList, Assignment, AssignmentName, AssignmentValue, CaseItemPostAction, Command,
    CommandPrefixOrSuffixItem, CompoundCommand, CompoundList, FunctionBody, IoRedirect, Pipeline,
    SimpleCommand,
};

use super::expand::ExpandError;
use super::state::State;
use super::{Flow, Interp, Io, MAX_CALL_DEPTH};
use crate::builtins::glob::glob_match;
use crate::cmd::{Cmd, Spawn};
use crate::exec::{LocalBoxFuture, join_all};
use crate::io::{Input, Output, pipe};

/// Status of a command that was not found.
pub const STATUS_NOT_FOUND: i32 = 127;

/// Runs `$body` with `$redirects` applied (the streams as `$inner`); a redirection error
/// fails the command without running it; files are written when it ends.
macro_rules! redirected {
    ($this:expr, $st:expr, $redirects:expr, $io:expr, |$inner:ident| $body:expr) => {{
        if $redirects.is_empty() {
            let $inner = &mut *$io;
            $body
        } else {
            match $this.redirect($st, $redirects, $io).await {
                Err(e) => {
                    $this.error($io.stderr, &e.message).await;
                    $st.status = 1;
                    Flow::Normal
                }
                Ok(mut r) => {
                    let flow = {
                        let mut streams = r.io($io);
                        let $inner = &mut streams;
                        $body
                    };
                    if !r.finish($this, $io.stderr).await {
                        $st.status = 1;
                    }
                    flow
                }
            }
        }
    }};
}

impl Interp {
    /// Prints a shell error (`sh: message`) on `stderr`.
    pub(crate) async fn error(&self, stderr: &mut Output, message: &str) {
        let _ = stderr.write(format!("sh: {message}\n").as_bytes()).await;
        let _ = stderr.flush().await;
    }

    pub(crate) fn exec_list<'a>(
        &'a self,
        st: &'a mut State,
        list: &'a CompoundList,
        io: &'a mut Io<'_>,
    ) -> LocalBoxFuture<'a, Flow> {
        Box::pin(async move {
            // Background jobs (`cmd &`) run to completion in place: the sandbox has no
            // processes, and scripts that `wait` for them still see their results.
            for item in &list.0 {
                let flow = self.exec_and_or(st, &item.0, io).await;
                if flow != Flow::Normal {
                    return flow;
                }
            }
            Flow::Normal
        })
    }

    async fn exec_and_or(&self, st: &mut State, list: &AndOrList, io: &mut Io<'_>) -> Flow {
        // Every pipeline but the last is a condition: `set -e` ignores its failure.
        let total = 1 + list.additional.len();
        if total > 1 {
            st.in_condition += 1;
        }
        let flow = self.exec_pipeline(st, &list.first, io).await;
        if total > 1 {
            st.in_condition -= 1;
        }
        if flow != Flow::Normal {
            return flow;
        }
        let mut last_ran = 0;
        let mut negated = list.first.bang;
        for (i, next) in list.additional.iter().enumerate() {
            let (run, pipeline) = match next {
                AndOr::And(p) => (st.status == 0, p),
                AndOr::Or(p) => (st.status != 0, p),
            };
            if !run {
                continue;
            }
            let is_final = i + 2 == total;
            if !is_final {
                st.in_condition += 1;
            }
            let flow = self.exec_pipeline(st, pipeline, io).await;
            if !is_final {
                st.in_condition -= 1;
            }
            if flow != Flow::Normal {
                return flow;
            }
            last_ran = i + 1;
            negated = pipeline.bang;
        }
        // `set -e`: a failure of the list's final pipeline (not negated, not inside a
        // condition) ends the shell; `false && x` does not, `x || false` does.
        if st.options.errexit
            && st.in_condition == 0
            && st.status != 0
            && !negated
            && last_ran + 1 == total
        {
            return Flow::Exit;
        }
        Flow::Normal
    }

    pub(crate) fn exec_pipeline<'a>(
        &'a self,
        st: &'a mut State,
        pipeline: &'a Pipeline,
        io: &'a mut Io<'_>,
    ) -> LocalBoxFuture<'a, Flow> {
        Box::pin(async move {
            let flow = if pipeline.seq.len() == 1 {
                if pipeline.bang {
                    st.in_condition += 1;
                }
                let flow = self.exec_command(st, &pipeline.seq[0], io).await;
                if pipeline.bang {
                    st.in_condition -= 1;
                }
                flow
            } else {
                let statuses = self.exec_stages(st, &pipeline.seq, io).await;
                st.status = if st.options.pipefail {
                    statuses
                        .iter()
                        .rev()
                        .find(|&&s| s != 0)
                        .copied()
                        .unwrap_or(0)
                } else {
                    statuses.last().copied().unwrap_or(0)
                };
                Flow::Normal
            };
            if pipeline.bang {
                st.status = i32::from(st.status == 0);
            }
            // `exit` inside a pipeline stage ends only that stage.
            flow
        })
    }

    /// Runs the stages of a pipeline concurrently, each in a subshell, joined by pipes.
    async fn exec_stages(&self, st: &mut State, seq: &[Command], io: &mut Io<'_>) -> Vec<i32> {
        let n = seq.len();
        let Io {
            stdin,
            stdout,
            stderr,
        } = io;
        let mut first_in = Some(&mut **stdin);
        let mut last_out = Some(&mut **stdout);
        let mut next_in: Option<Input> = None;
        let mut stages: Vec<LocalBoxFuture<'_, i32>> = Vec::with_capacity(n);
        for (i, command) in seq.iter().enumerate() {
            let mut sub = st.clone();
            let own_in = if i == 0 { None } else { next_in.take() };
            let (own_out, read_end) = if i + 1 < n {
                let (w, r) = pipe();
                (Some(w), Some(r))
            } else {
                (None, None)
            };
            next_in = read_end;
            let borrowed_in = if i == 0 { first_in.take() } else { None };
            let borrowed_out = if i + 1 == n { last_out.take() } else { None };
            let mut err = stderr.share();
            stages.push(Box::pin(async move {
                let mut own_in = own_in;
                let mut own_out = own_out;
                let mut empty = Input::empty();
                let mut null = Output::null();
                let stage_in: &mut Input = match (borrowed_in, own_in.as_mut()) {
                    (Some(b), _) => b,
                    (None, Some(o)) => o,
                    (None, None) => &mut empty,
                };
                let stage_out: &mut Output = match (borrowed_out, own_out.as_mut()) {
                    (Some(b), _) => b,
                    (None, Some(o)) => o,
                    (None, None) => &mut null,
                };
                let mut stage_io = Io {
                    stdin: stage_in,
                    stdout: stage_out,
                    stderr: &mut err,
                };
                let _ = self.exec_command(&mut sub, command, &mut stage_io).await;
                let _ = stage_io.stdout.flush().await;
                let _ = stage_io.stderr.flush().await;
                sub.status
            }));
        }
        join_all(stages).await
    }

    pub(crate) fn exec_command<'a>(
        &'a self,
        st: &'a mut State,
        command: &'a Command,
        io: &'a mut Io<'_>,
    ) -> LocalBoxFuture<'a, Flow> {
        Box::pin(async move {
            match command {
                Command::Simple(simple) => self.exec_simple(st, simple, io).await,
                Command::Compound(compound, redirects) => {
                    let list: Vec<&IoRedirect> =
                        redirects.iter().flat_map(|r| r.0.iter()).collect();
                    redirected!(self, st, &list, io, |inner| self
                        .exec_compound(st, compound, inner)
                        .await)
                }
                Command::Function(def) => {
                    st.functions
                        .insert(def.fname.value.clone(), Rc::new(def.body.clone()));
                    st.status = 0;
                    Flow::Normal
                }
                Command::ExtendedTest(test, redirects) => {
                    let list: Vec<&IoRedirect> =
                        redirects.iter().flat_map(|r| r.0.iter()).collect();
                    redirected!(self, st, &list, io, |inner| {
                        match self.extended_test(st, &test.expr).await {
                            Ok(true) => st.status = 0,
                            Ok(false) => st.status = 1,
                            Err(e) => {
                                self.error(inner.stderr, &e.message).await;
                                st.status = 2;
                            }
                        }
                        Flow::Normal
                    })
                }
            }
        })
    }

    async fn exec_compound(
        &self,
        st: &mut State,
        compound: &CompoundCommand,
        io: &mut Io<'_>,
    ) -> Flow {
        match compound {
            CompoundCommand::BraceGroup(group) => self.exec_list(st, &group.list, io).await,
            CompoundCommand::Subshell(sub) => {
                let mut inner = st.clone();
                let _ = self.exec_list(&mut inner, &sub.list, io).await;
                st.status = inner.status;
                Flow::Normal
            }
            CompoundCommand::IfClause(clause) => {
                st.in_condition += 1;
                let flow = self.exec_list(st, &clause.condition, io).await;
                st.in_condition -= 1;
                if flow != Flow::Normal {
                    return flow;
                }
                if st.status == 0 {
                    return self.exec_list(st, &clause.then, io).await;
                }
                for branch in clause.elses.iter().flatten() {
                    if let Some(condition) = &branch.condition {
                        st.in_condition += 1;
                        let flow = self.exec_list(st, condition, io).await;
                        st.in_condition -= 1;
                        if flow != Flow::Normal {
                            return flow;
                        }
                        if st.status != 0 {
                            continue;
                        }
                    }
                    return self.exec_list(st, &branch.body, io).await;
                }
                st.status = 0;
                Flow::Normal
            }
            CompoundCommand::WhileClause(w) | CompoundCommand::UntilClause(w) => {
                let until = matches!(compound, CompoundCommand::UntilClause(_));
                let mut last = 0;
                st.loops += 1;
                let flow = loop {
                    st.in_condition += 1;
                    let flow = self.exec_list(st, &w.0, io).await;
                    st.in_condition -= 1;
                    if flow != Flow::Normal {
                        break flow;
                    }
                    if (st.status == 0) == until {
                        break Flow::Normal;
                    }
                    let flow = self.exec_list(st, &w.1.list, io).await;
                    last = st.status;
                    if let Some(end) = loop_exit(flow) {
                        break end;
                    }
                };
                st.loops -= 1;
                if flow == Flow::Normal {
                    st.status = last;
                }
                flow
            }
            CompoundCommand::ForClause(f) => {
                let values = match &f.values {
                    Some(words) => {
                        let mut values = Vec::new();
                        for w in words {
                            match self.expand_fields(st, &w.value).await {
                                Ok(v) => values.extend(v),
                                Err(e) => {
                                    self.error(io.stderr, &e.message).await;
                                    st.status = 1;
                                    return Flow::Exit;
                                }
                            }
                        }
                        values
                    }
                    None => st.positional.clone(),
                };
                st.status = 0;
                st.loops += 1;
                let mut flow = Flow::Normal;
                for value in values {
                    if let Err(e) = st.set(&f.variable_name, value) {
                        self.error(io.stderr, &e).await;
                        st.status = 1;
                        break;
                    }
                    if let Some(end) = loop_exit(self.exec_list(st, &f.body.list, io).await) {
                        flow = end;
                        break;
                    }
                }
                st.loops -= 1;
                flow
            }
            CompoundCommand::ArithmeticForClause(f) => {
                st.loops += 1;
                let mut flow = Flow::Normal;
                if let Some(init) = &f.initializer
                    && let Err(e) = self.arith(st, &init.value).await
                {
                    self.error(io.stderr, &e).await;
                    st.loops -= 1;
                    st.status = 1;
                    return Flow::Normal;
                }
                loop {
                    if let Some(cond) = &f.condition {
                        match self.arith(st, &cond.value).await {
                            Ok(0) => break,
                            Ok(_) => {}
                            Err(e) => {
                                self.error(io.stderr, &e).await;
                                st.status = 1;
                                break;
                            }
                        }
                    }
                    if let Some(end) = loop_exit(self.exec_list(st, &f.body.list, io).await) {
                        flow = end;
                        break;
                    }
                    if let Some(update) = &f.updater
                        && let Err(e) = self.arith(st, &update.value).await
                    {
                        self.error(io.stderr, &e).await;
                        st.status = 1;
                        break;
                    }
                }
                st.loops -= 1;
                flow
            }
            CompoundCommand::Arithmetic(a) => {
                match self.arith(st, &a.expr.value).await {
                    Ok(v) => st.status = i32::from(v == 0),
                    Err(e) => {
                        self.error(io.stderr, &e).await;
                        st.status = 1;
                    }
                }
                Flow::Normal
            }
            CompoundCommand::CaseClause(case) => {
                let word = match self.expand_single(st, &case.value.value).await {
                    Ok(w) => w,
                    Err(e) => {
                        self.error(io.stderr, &e.message).await;
                        st.status = 1;
                        return Flow::Normal;
                    }
                };
                st.status = 0;
                let mut fall_through = false;
                for item in &case.cases {
                    let mut matched = fall_through;
                    if !matched {
                        for pattern in &item.patterns {
                            match self.expand_pattern(st, &pattern.value).await {
                                Ok(p) if glob_match(&p, &word) => {
                                    matched = true;
                                    break;
                                }
                                Ok(_) => {}
                                Err(e) => {
                                    self.error(io.stderr, &e.message).await;
                                    st.status = 1;
                                    return Flow::Normal;
                                }
                            }
                        }
                    }
                    if !matched {
                        continue;
                    }
                    if let Some(cmd) = &item.cmd {
                        let flow = self.exec_list(st, cmd, io).await;
                        if flow != Flow::Normal {
                            return flow;
                        }
                    }
                    match item.post_action {
                        CaseItemPostAction::ExitCase => break,
                        CaseItemPostAction::UnconditionallyExecuteNextCaseItem => {
                            fall_through = true
                        }
                        CaseItemPostAction::ContinueEvaluatingCases => fall_through = false,
                    }
                }
                Flow::Normal
            }
            CompoundCommand::Coprocess(_) => {
                self.error(io.stderr, "coproc: not supported").await;
                st.status = 2;
                Flow::Normal
            }
        }
    }

    /// Evaluates an arithmetic expression after expanding it.
    pub(crate) async fn arith(&self, st: &mut State, text: &str) -> Result<i64, String> {
        let expanded = self
            .expand_arith_text(st, text)
            .await
            .map_err(|e| e.message)?;
        super::arith::eval_str(st, &expanded)
    }

    async fn exec_simple(&self, st: &mut State, cmd: &SimpleCommand, io: &mut Io<'_>) -> Flow {
        let mut assignments: Vec<&Assignment> = Vec::new();
        let mut redirects: Vec<&IoRedirect> = Vec::new();
        let mut words: Vec<&str> = Vec::new();
        for item in cmd.prefix.iter().flat_map(|p| p.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::AssignmentWord(a, _) => assignments.push(a),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirects.push(r),
                CommandPrefixOrSuffixItem::Word(w) => words.push(&w.value),
                CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {}
            }
        }
        if let Some(w) = &cmd.word_or_name {
            words.push(&w.value);
        }
        for item in cmd.suffix.iter().flat_map(|s| s.0.iter()) {
            match item {
                CommandPrefixOrSuffixItem::Word(w) => words.push(&w.value),
                CommandPrefixOrSuffixItem::IoRedirect(r) => redirects.push(r),
                CommandPrefixOrSuffixItem::AssignmentWord(_, w) => words.push(&w.value),
                CommandPrefixOrSuffixItem::ProcessSubstitution(..) => {
                    self.error(io.stderr, "process substitution is not supported")
                        .await;
                    st.status = 2;
                    return Flow::Normal;
                }
            }
        }
        st.last_subst = None;
        let mut argv = Vec::new();
        for w in &words {
            match self.expand_fields(st, w).await {
                Ok(fields) => argv.extend(fields),
                Err(e) => return self.expansion_failed(st, io, e).await,
            }
        }
        // Assignments' values, expanded now (before the command, after the words).
        let mut values = Vec::with_capacity(assignments.len());
        for a in &assignments {
            match self.assignment_value(st, a).await {
                Ok(v) => values.push(v),
                Err(e) => return self.expansion_failed(st, io, e).await,
            }
        }
        if st.options.xtrace {
            let mut line = "+".repeat(st.subshell + 1);
            for (a, v) in assignments.iter().zip(&values) {
                line.push_str(&format!(" {}={}", assignment_name(a), trace_quote(v)));
            }
            for arg in &argv {
                line.push(' ');
                line.push_str(&trace_quote(arg));
            }
            line.push('\n');
            let _ = io.stderr.write(line.as_bytes()).await;
            let _ = io.stderr.flush().await;
        }
        if argv.is_empty() {
            for (a, v) in assignments.iter().zip(values) {
                if let Err(e) = st.set(&assignment_name(a), v) {
                    self.error(io.stderr, &e).await;
                    st.status = 1;
                    return if st.options.errexit {
                        Flow::Exit
                    } else {
                        Flow::Normal
                    };
                }
            }
            let status = st.last_subst.unwrap_or(0);
            if redirects.is_empty() {
                st.status = status;
                return Flow::Normal;
            }
            return redirected!(self, st, &redirects, io, |_inner| {
                st.status = status;
                Flow::Normal
            });
        }
        let temporary: Vec<(String, String)> = assignments
            .iter()
            .map(|a| assignment_name(a))
            .zip(values)
            .collect();
        redirected!(self, st, &redirects, io, |inner| self
            .run_argv(st, argv, temporary, inner)
            .await)
    }

    async fn expansion_failed(&self, st: &mut State, io: &mut Io<'_>, e: ExpandError) -> Flow {
        self.error(io.stderr, &e.message).await;
        if e.fatal {
            // A non-interactive bash exits on `${x:?}` and `set -u` errors, with 127.
            st.status = 127;
            Flow::Exit
        } else {
            st.status = 1;
            Flow::Normal
        }
    }

    async fn assignment_value(
        &self,
        st: &mut State,
        a: &Assignment,
    ) -> Result<String, ExpandError> {
        let value = match &a.value {
            AssignmentValue::Scalar(w) => self.expand_single(st, &w.value).await?,
            AssignmentValue::Array(items) => {
                let mut parts = Vec::new();
                for (_, w) in items {
                    parts.extend(self.expand_fields(st, &w.value).await?);
                }
                parts.join(" ")
            }
        };
        if a.append {
            let name = assignment_name(a);
            return Ok(format!("{}{value}", st.get(&name).unwrap_or("")));
        }
        Ok(value)
    }

    /// Runs an expanded command line: a function, a shell builtin or a utility. `temporary`
    /// assignments (`X=1 cmd`) apply to this command only.
    pub(crate) fn run_argv<'a>(
        &'a self,
        st: &'a mut State,
        argv: Vec<String>,
        temporary: Vec<(String, String)>,
        io: &'a mut Io<'_>,
    ) -> LocalBoxFuture<'a, Flow> {
        Box::pin(async move {
            let name = argv[0].clone();
            if let Some(body) = st.functions.get(&name).cloned() {
                let saved = set_temporary(st, &temporary);
                let flow = self.call_function(st, &body, argv, io).await;
                restore_temporary(st, saved);
                return flow;
            }
            if super::special::SHELL_BUILTINS.contains(&name.as_str())
                || name == "tool"
                || name == "readlink"
            {
                // `IFS= read`: the assignments hold while the builtin runs.
                let saved = set_temporary(st, &temporary);
                let flow = self.special(st, &argv, &temporary, io).await;
                restore_temporary(st, saved);
                if let Some(flow) = flow {
                    let _ = io.stdout.flush().await;
                    let _ = io.stderr.flush().await;
                    return flow;
                }
            }
            if name.contains('/') {
                return self.run_path(st, argv, io).await;
            }
            if let Some(utility) = crate::builtins::find(&name) {
                st.status = self.run_utility(st, utility, argv, &temporary, io).await;
                return Flow::Normal;
            }
            let _ = io
                .stderr
                .write(format!("{name}: command not found\n").as_bytes())
                .await;
            let _ = io.stderr.flush().await;
            st.status = STATUS_NOT_FOUND;
            Flow::Normal
        })
    }

    /// `./script.sh args`: a script file runs in a subshell; a directory is not a command.
    async fn run_path(&self, st: &mut State, argv: Vec<String>, io: &mut Io<'_>) -> Flow {
        let name = &argv[0];
        let path = crate::path::absolute(&st.cwd, name);
        let (status, message) = match self.sys.stat(&path) {
            Ok(info) if info.is_dir => (126, format!("{name}: Is a directory")),
            Ok(_) => match self.sys.read_file(&path) {
                Ok(bytes) => {
                    let mut sub = st.clone();
                    sub.arg0 = name.clone();
                    sub.positional = argv[1..].to_vec();
                    sub.depth = 0;
                    sub.frames.clear();
                    let script = String::from_utf8_lossy(&bytes).into_owned();
                    st.status = self.run_script_in(&mut sub, &script, io).await;
                    return Flow::Normal;
                }
                Err(e) => (126, format!("{name}: {}", e.describe())),
            },
            Err(_) => (127, format!("{name}: No such file or directory")),
        };
        self.error(io.stderr, &message).await;
        st.status = status;
        Flow::Normal
    }

    pub(crate) async fn run_utility(
        &self,
        st: &mut State,
        utility: &'static crate::cmd::Utility,
        argv: Vec<String>,
        temporary: &[(String, String)],
        io: &mut Io<'_>,
    ) -> i32 {
        let mut env = st.environment();
        for (k, v) in temporary {
            match env.iter_mut().find(|(name, _)| name == k) {
                Some(slot) => slot.1 = v.clone(),
                None => env.push((k.clone(), v.clone())),
            }
        }
        let args = argv[1..].to_vec();
        if args.len() == 1 && args[0] == "--help" && !crate::cmd::OWN_HELP.contains(&utility.name) {
            let _ = io.stdout.write(utility.help.as_bytes()).await;
            let _ = io.stdout.flush().await;
            return 0;
        }
        let spawner = Spawner {
            interp: self,
            state: st.clone(),
        };
        let cwd = st.cwd.clone();
        let mut cmd = Cmd {
            name: utility.name,
            args,
            stdin: io.stdin,
            stdout: io.stdout,
            stderr: io.stderr,
            sys: self.sys.as_ref(),
            cwd: &cwd,
            env: &env,
            spawn: &spawner,
        };
        let status = (utility.run)(&mut cmd).await;
        let flushed = cmd.stdout.flush().await;
        let _ = cmd.stderr.flush().await;
        if flushed.is_err() && status == 0 {
            return crate::cmd::STATUS_BROKEN_PIPE;
        }
        status
    }

    async fn call_function(
        &self,
        st: &mut State,
        body: &Rc<FunctionBody>,
        argv: Vec<String>,
        io: &mut Io<'_>,
    ) -> Flow {
        if st.depth >= MAX_CALL_DEPTH {
            self.error(
                io.stderr,
                &format!(
                    "{}: maximum function nesting level exceeded ({MAX_CALL_DEPTH})",
                    argv[0]
                ),
            )
            .await;
            st.status = 1;
            return Flow::Exit;
        }
        let saved_args = std::mem::replace(&mut st.positional, argv[1..].to_vec());
        let saved_loops = std::mem::replace(&mut st.loops, 0);
        st.depth += 1;
        st.frames.push(Default::default());
        let redirects: Vec<&IoRedirect> = body.1.iter().flat_map(|r| r.0.iter()).collect();
        let compound = &body.0;
        let flow = redirected!(self, st, &redirects, io, |inner| self
            .exec_compound(st, compound, inner)
            .await);
        st.frames.pop();
        st.depth -= 1;
        st.loops = saved_loops;
        st.positional = saved_args;
        match flow {
            Flow::Return | Flow::Break(_) | Flow::Continue(_) => Flow::Normal,
            other => other,
        }
    }

    /// Runs `script` in a subshell and returns its output without trailing newlines (`$(...)`).
    pub(crate) async fn command_substitution(&self, st: &mut State, script: &str) -> String {
        // `$(< file)` is the file's contents.
        if let Some(file) = script.trim().strip_prefix('<')
            && !file.trim().is_empty()
            && !file.contains(['<', '>', '|', ';', '&', '\n'])
        {
            let name = self
                .expand_single(st, file.trim())
                .await
                .unwrap_or_default();
            let path = crate::path::absolute(&st.cwd, &name);
            return match self.sys.read_file(&path) {
                Ok(bytes) => {
                    st.status = 0;
                    let mut text = String::from_utf8_lossy(&bytes).into_owned();
                    while text.ends_with('\n') {
                        text.pop();
                    }
                    text
                }
                Err(e) => {
                    let mut err = self.shell_stderr();
                    self.error(&mut err, &format!("{name}: {}", e.describe()))
                        .await;
                    st.status = 1;
                    String::new()
                }
            };
        }
        let mut sub = st.clone();
        sub.subshell += 1;
        let buffer = Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut out = Output::buffer(Rc::clone(&buffer));
        let mut err = self.shell_stderr();
        let mut input = Input::empty();
        let mut io = Io {
            stdin: &mut input,
            stdout: &mut out,
            stderr: &mut err,
        };
        let status = self.run_script_in(&mut sub, script, &mut io).await;
        let _ = err.flush().await;
        st.status = status;
        st.last_subst = Some(status);
        let bytes = buffer.borrow();
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        while text.ends_with('\n') {
            text.pop();
        }
        text
    }

    /// Parses and runs `script` with `st` (a subshell's or `eval`'s); returns its status.
    pub(crate) async fn run_script_in(&self, st: &mut State, script: &str, io: &mut Io<'_>) -> i32 {
        let program = match super::super::parse::parse(script) {
            Ok(p) => p,
            Err(e) => {
                self.error(io.stderr, &e.to_string()).await;
                st.status = 2;
                return 2;
            }
        };
        for command in &program.complete_commands {
            match self.exec_list(st, command, io).await {
                Flow::Normal => {}
                Flow::Exit => break,
                Flow::Return | Flow::Break(_) | Flow::Continue(_) => break,
            }
        }
        st.status
    }
}

/// What a loop does after its body ended with `flow`: `None` to go on, or the flow the loop
/// itself ends with (`break` and `continue` lose one level of their count).
fn loop_exit(flow: Flow) -> Option<Flow> {
    match flow {
        Flow::Normal | Flow::Continue(1) => None,
        Flow::Break(1) => Some(Flow::Normal),
        Flow::Break(n) => Some(Flow::Break(n - 1)),
        Flow::Continue(n) => Some(Flow::Continue(n - 1)),
        other => Some(other),
    }
}

/// Sets `X=1 cmd` assignments for the command's duration; returns the old values.
fn set_temporary(st: &mut State, temporary: &[(String, String)]) -> Vec<(String, Option<String>)> {
    let saved = temporary
        .iter()
        .map(|(k, _)| (k.clone(), st.get(k).map(str::to_string)))
        .collect();
    for (k, v) in temporary {
        let _ = st.set(k, v.clone());
    }
    saved
}

/// Puts back what [`set_temporary`] replaced.
fn restore_temporary(st: &mut State, saved: Vec<(String, Option<String>)>) {
    for (k, old) in saved {
        let _ = match old {
            Some(v) => st.set(&k, v),
            None => st.unset(&k),
        };
    }
}

fn assignment_name(a: &Assignment) -> String {
    match &a.name {
        AssignmentName::VariableName(n) => n.clone(),
        AssignmentName::ArrayElementName(n, _) => n.clone(),
    }
}

/// Quotes a word for `set -x` output like bash does.
fn trace_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Runs commands for utilities (`xargs`, `find -exec`): in a copy of the shell's state.
pub(crate) struct Spawner<'i> {
    pub(crate) interp: &'i Interp,
    pub(crate) state: State,
}

impl Spawner<'_> {
    /// Runs `argv` in `st`, a copy of the shell's state.
    fn run_in<'s>(
        &'s self,
        mut st: State,
        argv: Vec<String>,
        mut stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        Box::pin(async move {
            if argv.is_empty() {
                return 0;
            }
            let mut io = Io {
                stdin: &mut stdin,
                stdout,
                stderr,
            };
            let _ = self
                .interp
                .run_argv(&mut st, argv, Vec::new(), &mut io)
                .await;
            let _ = io.stdout.flush().await;
            let _ = io.stderr.flush().await;
            st.status
        })
    }
}

impl Spawn for Spawner<'_> {
    fn spawn_env<'s>(
        &'s self,
        argv: Vec<String>,
        env: Vec<(String, String)>,
        stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        let mut st = self.state.clone();
        // The command sees exactly `env`: other exported variables are gone.
        st.globals
            .retain(|name, var| !var.exported || env.iter().any(|(n, _)| n == name));
        for (name, value) in env {
            let var = st.var_mut(&name);
            var.value = value;
            var.exported = true;
        }
        self.run_in(st, argv, stdin, stdout, stderr)
    }

    fn spawn<'s>(
        &'s self,
        argv: Vec<String>,
        stdin: Input,
        stdout: &'s mut Output,
        stderr: &'s mut Output,
    ) -> LocalBoxFuture<'s, i32> {
        self.run_in(self.state.clone(), argv, stdin, stdout, stderr)
    }
}
