//! Statements, `print`, and the main loop that feeds records to the rules.

use std::cell::RefCell;
use std::rc::Rc;

use super::array::Array;
use super::ast::*;
use super::interp::{Cell, Flow, Interp, MAX_FIELD, R, fail};
use super::parser::{ARGC, ARGV, PROCINFO};
use super::stream::Reader;
use super::value::{Value, compare, num_to_str};
use crate::exec::LocalBoxFuture;

impl<'p> Interp<'p, '_, '_> {
    // ----- statements -----

    pub(super) fn exec<'s>(&'s mut self, b: &'p [Stmt]) -> LocalBoxFuture<'s, R<()>> {
        Box::pin(self.exec_stmts(b))
    }

    /// Runs a loop body: `Ok(true)` to go on, `Ok(false)` on `break`.
    async fn body(&mut self, b: &'p [Stmt]) -> R<bool> {
        match self.exec(b).await {
            Ok(()) | Err(Flow::Continue) => Ok(true),
            Err(Flow::Break) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn exec_stmts(&mut self, b: &'p [Stmt]) -> R<()> {
        for s in b {
            self.line = s.line;
            match &s.kind {
                StmtKind::Expr(e) => {
                    if self.leaf(e)?.is_none() {
                        self.eval_node(e).await?;
                    }
                }
                StmtKind::Print(args, redirect) => self.print(args, redirect.as_ref()).await?,
                StmtKind::Printf(args, redirect) => self.printf(args, redirect.as_ref()).await?,
                StmtKind::If(c, a, b) => {
                    if self.cond(c).await? {
                        self.exec(a).await?;
                    } else if !b.is_empty() {
                        self.exec(b).await?;
                    }
                }
                StmtKind::While(c, body) => {
                    while self.cond(c).await? {
                        if !self.body(body).await? {
                            break;
                        }
                    }
                }
                StmtKind::Do(body, c) => loop {
                    if !self.body(body).await? || !self.cond(c).await? {
                        break;
                    }
                },
                StmtKind::For(init, cond, step, body) => {
                    if let Some(init) = init {
                        self.cond(init).await?;
                    }
                    loop {
                        if let Some(c) = cond
                            && !self.cond(c).await?
                        {
                            break;
                        }
                        if !self.body(body).await? {
                            break;
                        }
                        if let Some(step) = step {
                            self.cond(step).await?;
                        }
                    }
                }
                StmtKind::ForIn(k, arr, body) => {
                    let a = self.array(*arr)?;
                    let keys = self.ordered_keys(&a);
                    for key in keys {
                        if !a.borrow().contains(&key) {
                            continue;
                        }
                        self.set_var(*k, Value::from_input(&key))?;
                        if !self.body(body).await? {
                            break;
                        }
                    }
                }
                StmtKind::Block(b) => self.exec(b).await?,
                StmtKind::Next => return Err(Flow::Next),
                StmtKind::NextFile => return Err(Flow::NextFile),
                StmtKind::Break => return Err(Flow::Break),
                StmtKind::Continue => return Err(Flow::Continue),
                StmtKind::Exit(e) => {
                    if let Some(e) = e {
                        self.exit_code = (self.num(e).await? as i64 & 0xff) as i32;
                    }
                    return Err(Flow::Exit);
                }
                StmtKind::Return(e) => {
                    let v = match e {
                        Some(e) => self.operand(e).await?,
                        None => Value::Uninit,
                    };
                    return Err(Flow::Return(v));
                }
                StmtKind::Delete(v, subs) => {
                    let arr = self.array(*v)?;
                    match subs {
                        None => arr.borrow_mut().clear(),
                        Some(subs) => {
                            let key = self.key(subs).await?;
                            arr.borrow_mut().remove(&key);
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The keys of `a` for `for (k in a)`: insertion order, or the order gawk's
    /// `PROCINFO["sorted_in"]` asks for.
    fn ordered_keys(&self, a: &Rc<RefCell<Array>>) -> Vec<super::value::Str> {
        let arr = a.borrow();
        let mut keys = arr.keys();
        let order = match &self.globals[PROCINFO] {
            Cell::Arr(p) => p
                .borrow()
                .get(b"sorted_in")
                .map(|v| v.to_str(&self.convfmt).into_owned()),
            Cell::Val(_) => None,
        };
        let Some(order) = order else { return keys };
        let num = |k: &[u8]| super::value::str_to_num(k);
        let val = |k: &[u8]| arr.get(k).cloned().unwrap_or(Value::Uninit);
        match order.as_slice() {
            b"@ind_str_asc" => keys.sort(),
            b"@ind_str_desc" => keys.sort_by(|x, y| y.cmp(x)),
            b"@ind_num_asc" => {
                keys.sort_by(|x, y| num(x).total_cmp(&num(y)).then_with(|| x.cmp(y)))
            }
            b"@ind_num_desc" => {
                keys.sort_by(|x, y| num(y).total_cmp(&num(x)).then_with(|| y.cmp(x)))
            }
            b"@val_num_asc" => keys.sort_by(|x, y| {
                val(x)
                    .to_num()
                    .total_cmp(&val(y).to_num())
                    .then_with(|| x.cmp(y))
            }),
            b"@val_num_desc" => keys.sort_by(|x, y| {
                val(y)
                    .to_num()
                    .total_cmp(&val(x).to_num())
                    .then_with(|| y.cmp(x))
            }),
            b"@val_str_asc" | b"@val_type_asc" => {
                keys.sort_by(|x, y| compare(&val(x), &val(y), &self.convfmt).then_with(|| x.cmp(y)))
            }
            b"@val_str_desc" | b"@val_type_desc" => {
                keys.sort_by(|x, y| compare(&val(y), &val(x), &self.convfmt).then_with(|| y.cmp(x)))
            }
            _ => {}
        }
        keys
    }

    async fn print(&mut self, args: &'p [Expr], redirect: Option<&'p (Redirect, Expr)>) -> R<()> {
        let mut line = std::mem::take(&mut self.line_buf);
        line.clear();
        if args.is_empty() {
            line.extend_from_slice(self.rec.text(&self.ofs, &self.convfmt));
        }
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                line.extend_from_slice(&self.ofs);
            }
            if let Expr::Field(f) = a
                && let Expr::Num(n) = **f
                && n >= 1.0
                && n < MAX_FIELD as f64
            {
                self.rec.write_field(
                    n as usize,
                    &self.fs,
                    self.paragraph,
                    &self.convfmt,
                    &mut line,
                );
                continue;
            }
            match self.operand(a).await? {
                Value::Num(n) => line.extend_from_slice(&num_to_str(n, &self.ofmt)),
                v => line.extend_from_slice(&v.to_str(&self.convfmt)),
            }
        }
        line.extend_from_slice(&self.ors);
        let r = self.emit(redirect, &line).await;
        self.line_buf = line;
        r
    }

    async fn printf(&mut self, args: &'p [Expr], redirect: Option<&'p (Redirect, Expr)>) -> R<()> {
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.operand(a).await?);
        }
        let fmt = values[0].to_str(&self.convfmt).into_owned();
        let mut out = Vec::new();
        super::format::sprintf(&mut out, &fmt, &values[1..], &self.convfmt);
        self.emit(redirect, &out).await
    }

    async fn emit(&mut self, redirect: Option<&'p (Redirect, Expr)>, data: &[u8]) -> R<()> {
        match redirect {
            None => self.cx.stdout.write(data).await.map_err(|_| Flow::Broken),
            Some((kind, target)) => {
                let name = self.text(target).await?;
                self.write_to(*kind, &name, data).await
            }
        }
    }

    // ----- the main loop -----

    /// Runs BEGIN, the records, END; returns the exit status.
    pub(super) async fn run(&mut self) -> i32 {
        let result = self.run_all().await;
        let closed = self.close_all().await;
        match result.and(closed) {
            Ok(()) => self.exit_code,
            Err(Flow::Broken) => crate::cmd::STATUS_BROKEN_PIPE,
            Err(Flow::Error(message)) => {
                let text = format!("awk: line {}: {message}\n", self.line);
                let _ = self.cx.stderr.write(text.as_bytes()).await;
                2
            }
            Err(Flow::Fatal(message)) => {
                let text = format!("awk: {message}\n");
                let _ = self.cx.stderr.write(text.as_bytes()).await;
                2
            }
            Err(_) => self.exit_code,
        }
    }

    async fn run_all(&mut self) -> R<()> {
        let prog = self.prog;
        let mut exiting = false;
        for b in &prog.begin {
            match self.exec(b).await {
                Ok(()) => {}
                Err(Flow::Exit) => {
                    exiting = true;
                    break;
                }
                Err(Flow::Next | Flow::NextFile) => return fail("`next' used in BEGIN action"),
                Err(e) => return Err(Self::stray(e)),
            }
        }
        if !exiting && (!prog.rules.is_empty() || !prog.end.is_empty()) {
            while self.next_main(true).await?.is_some() {
                match self.run_rules().await {
                    Ok(()) | Err(Flow::Next) => {}
                    Err(Flow::NextFile) => self.skip_main_file(),
                    Err(Flow::Exit) => break,
                    Err(e) => return Err(Self::stray(e)),
                }
            }
        }
        for b in &prog.end {
            match self.exec(b).await {
                Ok(()) => {}
                Err(Flow::Exit) => break,
                Err(Flow::Next | Flow::NextFile) => return fail("`next' used in END action"),
                Err(e) => return Err(Self::stray(e)),
            }
        }
        Ok(())
    }

    /// Control flow that escaped where it means nothing.
    fn stray(e: Flow) -> Flow {
        match e {
            Flow::Break | Flow::Continue => Flow::Error("break or continue outside a loop".into()),
            Flow::Return(_) => Flow::Error("return outside a function".into()),
            e => e,
        }
    }

    async fn run_rules(&mut self) -> R<()> {
        let prog = self.prog;
        for rule in &prog.rules {
            let matched = match &rule.pattern {
                Pattern::All => true,
                Pattern::Expr(e) => self.cond(e).await?,
                Pattern::Range(a, b, i) => {
                    if self.ranges[*i] {
                        if self.cond(b).await? {
                            self.ranges[*i] = false;
                        }
                        true
                    } else if self.cond(a).await? {
                        self.ranges[*i] = !self.cond(b).await?;
                        true
                    } else {
                        false
                    }
                }
            };
            if matched {
                match &rule.action {
                    Some(b) => self.exec(b).await?,
                    None => {
                        let mut line = std::mem::take(&mut self.line_buf);
                        line.clear();
                        line.extend_from_slice(self.rec.text(&self.ofs, &self.convfmt));
                        line.extend_from_slice(&self.ors);
                        let r = self.cx.stdout.write(&line).await;
                        self.line_buf = line;
                        r.map_err(|_| Flow::Broken)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Evaluates `e` for its truth (or only its effect), without a boxed future at the top.
    async fn cond(&mut self, e: &'p Expr) -> R<bool> {
        Ok(match self.leaf(e)? {
            Some(v) => v.to_bool(),
            None => self.eval_node(e).await?.to_bool(),
        })
    }

    /// Reads the next record of the main input into `$0` (`into_record`) or returns it as a
    /// value; counts NR and FNR. `None` at the end of all input.
    pub(super) async fn next_main(&mut self, into_record: bool) -> R<Option<Value>> {
        loop {
            if self.io.main.is_none() && !self.open_next_main().await? {
                return Ok(None);
            }
            let Some(mut reader) = self.io.main.take() else {
                return Ok(None);
            };
            let stdin = self.io.main_is_stdin;
            let found = self.read_record(&mut reader, stdin).await;
            let value = found.map(|(start, end)| {
                if into_record {
                    self.rec.set_text(&reader.buf[start..end]);
                    Value::Uninit
                } else {
                    Value::from_input(&reader.buf[start..end])
                }
            });
            if let Some(v) = value {
                self.io.main = Some(reader);
                self.nr += 1.0;
                self.fnr += 1.0;
                return Ok(Some(v));
            }
        }
    }

    fn skip_main_file(&mut self) {
        if let Some(r) = &mut self.io.main {
            r.skip_rest();
            r.eof = true;
        }
        if self.io.main_is_stdin {
            self.cx.stdin.close();
        }
        self.io.main = None;
    }

    /// Opens the next input operand, running `var=value` operands on the way; with no file
    /// operands at all, standard input.
    async fn open_next_main(&mut self) -> R<bool> {
        loop {
            let argc = self.global_num(ARGC).max(0.0) as usize;
            if self.io.argi == 0 {
                self.io.argi = 1;
            }
            if self.io.argi >= argc {
                if self.io.used_operand {
                    return Ok(false);
                }
                self.io.used_operand = true;
                // gawk names standard input "-" while it reads it.
                self.open_stdin_main("-");
                return Ok(true);
            }
            let i = self.io.argi;
            self.io.argi += 1;
            let argv = self.array(Var::Global(ARGV))?;
            let arg = argv
                .borrow()
                .get(i.to_string().as_bytes())
                .map(|v| v.to_str(&self.convfmt).into_owned());
            let Some(arg) = arg.filter(|a| !a.is_empty()) else {
                continue;
            };
            let arg = String::from_utf8_lossy(&arg).into_owned();
            if let Some((name, value)) = super::split_assignment(&arg) {
                self.assign_by_name(name, value.as_bytes())?;
                continue;
            }
            self.io.used_operand = true;
            if arg == "-" || arg == "/dev/stdin" {
                self.open_stdin_main(&arg);
                return Ok(true);
            }
            let path = self.cx.path(&arg);
            if self.cx.sys.stat(&path).is_ok_and(|s| s.is_dir) {
                let text = format!(
                    "awk: warning: command line argument `{arg}' is a directory: skipped\n"
                );
                let _ = self.cx.stderr.write(text.as_bytes()).await;
                continue;
            }
            match self.cx.sys.read_file(&path) {
                Ok(data) => {
                    self.io.main = Some(Reader::from_bytes(data));
                    self.io.main_is_stdin = false;
                    self.specials[Special::Filename as usize] = Value::from_input(arg.as_bytes());
                    self.fnr = 0.0;
                    return Ok(true);
                }
                Err(e) => {
                    return Err(Flow::Fatal(format!(
                        "cannot open file `{arg}' for reading: {}",
                        e.describe()
                    )));
                }
            }
        }
    }

    fn open_stdin_main(&mut self, name: &str) {
        self.io.main = Some(Reader::stream());
        self.io.main_is_stdin = true;
        self.specials[Special::Filename as usize] = Value::str(name.as_bytes());
        self.fnr = 0.0;
    }

    /// The next record of `reader` by the current RS, pulling from standard input if it is a
    /// stream; its range in `reader.buf`.
    pub(super) async fn read_record(
        &mut self,
        reader: &mut Reader,
        stdin: bool,
    ) -> Option<(usize, usize)> {
        loop {
            match reader.scan(&self.rs) {
                super::stream::Scan::Record { start, end, next } => {
                    self.rt.clear();
                    self.rt.extend_from_slice(&reader.buf[end..next]);
                    return Some((start, end));
                }
                super::stream::Scan::End => return None,
                super::stream::Scan::NeedMore => {
                    if !stdin {
                        reader.eof = true;
                        continue;
                    }
                    match self.cx.stdin.chunk().await {
                        Some(chunk) => reader.feed(chunk),
                        None => reader.eof = true,
                    }
                }
            }
        }
    }
}
