//! `jq`, on the jaq engine (jaq-core, jaq-std, jaq-json): jq 1.7's command line, output format,
//! messages and exit statuses. The program is compiled once; inputs stream from stdin (see
//! [`feed`]) unless the program reads them itself (`input`, `inputs`) or `-s` gathers them.

mod base32;
mod feed;
mod filter;
mod natives;
mod opts;
mod paths;
mod report;
#[cfg(test)]
mod tests;
mod value;
mod write;

use std::cell::{Cell, RefCell};

use jaq_core::{Ctx, ValT as _, Vars};
use jaq_json::Val;

use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, STATUS_USAGE, Utility};
use crate::exec::LocalBoxFuture;
use feed::{Feed, Next};
use filter::{Globals, Jq, Program};
use opts::{Named, Opts};
use value::V;

pub(crate) const UTILITIES: &[Utility] = &[Utility {
    name: "jq",
    help: HELP,
    run: jq,
}];

const HELP: &str = "\
Usage: jq [OPTIONS] FILTER [FILES...]
Run the jq program FILTER over the JSON values in FILES (or standard input).

  -n, --null-input          use null as the only input (read others with input/inputs)
  -R, --raw-input           each input line is a string
  -s, --slurp               read all inputs into one array (with -R: one string)
  -r, --raw-output          print strings without quotes
  -j, --join-output         like -r, without a newline after each output
      --raw-output0         like -r, with a NUL after each output
  -a, --ascii-output        escape non-ASCII characters
  -c, --compact-output      one line per output
      --tab                 indent with tabs
      --indent N            indent with N spaces (0-7, default 2)
  -S, --sort-keys           sort object keys
  -e, --exit-status         status 1 if the last output is false or null, 4 if none
  -f, --from-file FILE      read the program from FILE
      --arg NAME VALUE      $NAME is the string VALUE
      --argjson NAME JSON   $NAME is the value JSON
      --slurpfile NAME FILE $NAME is the array of values in FILE
      --rawfile NAME FILE   $NAME is the text of FILE
      --args, --jsonargs    remaining operands are $ARGS.positional (strings / JSON)
  -M                        no colour (the default)
  -V, --version             print the version
Exit status: 0, 1 (-e), 2 usage or input error, 3 compile error, 4 no output (-e),
5 runtime error.
";

/// The version jq behaviour follows.
const VERSION: &str = "jq-1.7.1";
/// Status of a program that does not compile.
const STATUS_COMPILE: i32 = 3;
/// Status of a runtime error.
const STATUS_RUNTIME: i32 = 5;
/// Output gathered before it is passed to stdout.
const FLUSH_AT: usize = 64 * 1024;

fn jq<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let opts = match opts::parse(&cx.args) {
            Ok(o) => o,
            Err(msg) => return cx.fail(STATUS_USAGE, msg).await,
        };
        if opts.help {
            return match cx.stdout.write_str(HELP).await {
                Ok(()) => 0,
                Err(_) => STATUS_BROKEN_PIPE,
            };
        }
        if opts.version {
            return match cx.stdout.write_str(&format!("{VERSION}\n")).await {
                Ok(()) => 0,
                Err(_) => STATUS_BROKEN_PIPE,
            };
        }
        match run(cx, &opts).await {
            Ok(status) | Err(status) => status,
        }
    })
}

/// Everything but the options: the `Err` is an early exit status.
async fn run(cx: &mut Cmd<'_>, opts: &Opts) -> Result<i32, i32> {
    let code = match &opts.from_file {
        Some(file) => {
            let bytes = read_file(cx, file).await?;
            String::from_utf8_lossy(&bytes).into_owned()
        }
        // Without a filter jq runs `.`.
        None => opts.filter.clone().unwrap_or_else(|| ".".to_string()),
    };
    let (names, values) = globals(cx, opts).await?;
    let program = match filter::compile(&code, &names) {
        Ok(p) => p,
        Err(report) => {
            let _ = cx.stderr.write_str(&report).await;
            return Err(STATUS_COMPILE);
        }
    };
    // `input`/`inputs` read synchronously from inside the program, so stdin is read first.
    let reads_inputs = code.contains("input");
    let mut feed = Feed::new(opts.raw_input);
    if opts.files.is_empty() {
        if !opts.null_input || reads_inputs {
            feed.open_stdin();
        }
    } else {
        for file in &opts.files {
            let data = if file == "-" {
                Ok(cx.stdin.read_all().await)
            } else {
                let path = cx.path(file);
                cx.sys
                    .read_file(&path)
                    .map_err(|e| format!("Could not open {file}: {}", e.describe()))
            };
            feed.push_file(file, data);
        }
    }
    if opts.files.is_empty() && (opts.slurp || reads_inputs) {
        feed.push_stdin(&cx.stdin.read_all().await);
        feed.finish_stdin();
    }
    let globals = Globals {
        lut: &program.lut,
        feed: RefCell::new(feed),
        env: env_object(cx.env),
        now: cx.sys.now_ms() as f64 / 1000.0,
        stderr: RefCell::new(Vec::new()),
        unreadable: Cell::new(false),
    };
    let mut runner = Runner {
        program: &program,
        globals: &globals,
        vars: values,
        opts,
        style: write::Style {
            indent: opts.indent(),
            sort_keys: opts.sort_keys,
            ascii: opts.ascii,
        },
        buf: Vec::new(),
        last: None,
        failed: false,
    };
    let mut status = 0;
    if opts.null_input {
        runner.emit(cx, Val::Null).await?;
    } else if opts.slurp {
        let all = if opts.raw_input {
            let rest = globals.feed.borrow_mut().rest_raw();
            rest.map(Val::utf8_str).map_err(|e| (e, true))
        } else {
            let rest = globals.feed.borrow_mut().rest();
            rest.map(|vs| vs.into_iter().collect())
                .map_err(|n| match n {
                    Next::Unreadable(e) => (e, true),
                    Next::Invalid(e) => (e, false),
                    _ => (String::new(), false),
                })
        };
        match all {
            Ok(v) => runner.emit(cx, v).await?,
            Err((msg, unreadable)) => {
                status = report_input(cx, &globals, &msg, unreadable).await;
            }
        }
    } else {
        loop {
            let next = globals.feed.borrow_mut().next();
            match next {
                Next::Value(v) => runner.emit(cx, v).await?,
                Next::NeedMore => {
                    // Pass on what is printed before waiting for a slow writer.
                    runner.flush(cx).await?;
                    cx.stdout.flush().await.map_err(|_| STATUS_BROKEN_PIPE)?;
                    match cx.stdin.chunk().await {
                        Some(bytes) => globals.feed.borrow_mut().push_stdin(bytes),
                        None => globals.feed.borrow_mut().finish_stdin(),
                    }
                }
                Next::End => break,
                Next::Invalid(msg) => {
                    status = report_input(cx, &globals, &msg, false).await;
                    break;
                }
                Next::Unreadable(msg) => {
                    status = report_input(cx, &globals, &msg, true).await;
                }
            }
        }
    }
    runner.flush(cx).await?;
    if globals.unreadable.get() && status == 0 {
        status = 2;
    }
    Ok(match (status, runner.failed, runner.last) {
        (0, true, _) => STATUS_RUNTIME,
        (0, false, _) if !opts.exit_status => 0,
        (0, false, None) => 4,
        (0, false, Some(truthy)) => i32::from(!truthy),
        (s, _, _) => s,
    })
}

/// Prints an input error (unreadable file or invalid JSON); both give status 2.
async fn report_input(cx: &mut Cmd<'_>, g: &Globals<'_>, msg: &str, unreadable: bool) -> i32 {
    let line = if unreadable {
        format!("jq: error: {msg}\n")
    } else {
        format!("jq: error (at {}): {msg}\n", g.feed.borrow().location())
    };
    let _ = cx.stderr.write_str(&line).await;
    2
}

/// Reads a file named on the command line, or exits with jq's message (status 2).
async fn read_file(cx: &mut Cmd<'_>, file: &str) -> Result<Vec<u8>, i32> {
    if file == "-" {
        return Ok(cx.stdin.read_all().await);
    }
    let path = cx.path(file);
    match cx.sys.read_file(&path) {
        Ok(bytes) => Ok(bytes),
        Err(e) => {
            let msg = format!("jq: error: Could not open {file}: {}\n", e.describe());
            let _ = cx.stderr.write_str(&msg).await;
            Err(2)
        }
    }
}

fn env_object(env: &[(String, String)]) -> Val {
    let map = env
        .iter()
        .map(|(k, v)| (Val::from(k.clone()), Val::from(v.clone())))
        .collect();
    Val::obj(map)
}

/// The global variables: `$ENV`, `$ARGS` and the named ones, with their values.
async fn globals(cx: &mut Cmd<'_>, opts: &Opts) -> Result<(Vec<String>, Vec<Val>), i32> {
    let mut named = Vec::new();
    for n in &opts.named {
        let (name, value) = match n {
            Named::Arg(name, v) => (name, Val::from(v.clone())),
            Named::ArgJson(name, text) => match single_value(text.as_bytes()) {
                Some(v) => (name, v),
                None => {
                    let msg = format!("Invalid JSON text passed to --argjson {name}");
                    return Err(cx.fail(STATUS_USAGE, msg).await);
                }
            },
            Named::SlurpFile(name, file) => {
                let bytes = read_file(cx, file).await?;
                let mut feed = Feed::new(false);
                feed.push_file(file, Ok(bytes));
                match feed.rest() {
                    Ok(vs) => (name, vs.into_iter().collect()),
                    Err(Next::Invalid(e)) => {
                        let msg = format!("Bad JSON in --slurpfile {name} {file}: {e}");
                        return Err(cx.fail(STATUS_USAGE, msg).await);
                    }
                    Err(_) => (name, Val::from_iter(std::iter::empty())),
                }
            }
            Named::RawFile(name, file) => (name, Val::utf8_str(read_file(cx, file).await?)),
        };
        named.push((name.clone(), value));
    }
    let mut positional = Vec::new();
    for p in &opts.positional {
        if !opts.positional_json {
            positional.push(Val::from(p.clone()));
        } else if let Some(v) = single_value(p.as_bytes()) {
            positional.push(v);
        } else {
            let msg = format!("Invalid JSON text passed to --jsonargs: {p}");
            return Err(cx.fail(STATUS_USAGE, msg).await);
        }
    }
    let args = [
        (
            Val::from("positional".to_string()),
            positional.into_iter().collect(),
        ),
        (
            Val::from("named".to_string()),
            Val::obj(
                named
                    .iter()
                    .map(|(n, v)| (Val::from(n.clone()), v.clone()))
                    .collect(),
            ),
        ),
    ];
    let mut names = vec!["$ENV".to_string(), "$ARGS".to_string()];
    let mut values = vec![env_object(cx.env), Val::obj(args.into_iter().collect())];
    for (name, value) in named {
        names.push(format!("${name}"));
        values.push(value);
    }
    Ok((names, values))
}

/// The one JSON value in `text`.
fn single_value(text: &[u8]) -> Option<Val> {
    let mut feed = Feed::new(false);
    feed.push_file("", Ok(text.to_vec()));
    let Next::Value(v) = feed.next() else {
        return None;
    };
    matches!(feed.next(), Next::End).then_some(v)
}

/// Runs the program over inputs and prints what it outputs.
struct Runner<'r, 'g> {
    program: &'r Program,
    globals: &'r Globals<'g>,
    vars: Vec<Val>,
    opts: &'r Opts,
    style: write::Style,
    /// Formatted output not yet passed to stdout.
    buf: Vec<u8>,
    /// Whether the last output was truthy (`-e`).
    last: Option<bool>,
    /// A runtime error happened.
    failed: bool,
}

impl Runner<'_, '_> {
    /// Runs the program on one input. `Err` is the status to exit with now (`halt`, or the
    /// reader of stdout went away).
    async fn emit(&mut self, cx: &mut Cmd<'_>, input: Val) -> Result<(), i32> {
        let vars = Vars::new(self.vars.iter().cloned().map(V));
        let ctx = Ctx::<Jq>::new(self.globals, vars);
        let mut outputs = self.program.id.run((ctx, V(input)));
        loop {
            let next = outputs.next();
            if !self.globals.stderr.borrow().is_empty() {
                self.flush(cx).await?;
                let text = std::mem::take(&mut *self.globals.stderr.borrow_mut());
                let _ = cx.stderr.write(&text).await;
            }
            let exn = match next {
                None => return Ok(()),
                Some(Ok(v)) => {
                    self.print(&v.0);
                    if self.buf.len() >= FLUSH_AT {
                        self.flush(cx).await?;
                    }
                    continue;
                }
                Some(Err(exn)) => exn,
            };
            match exn.get_err() {
                Ok(err) => {
                    self.failed = true;
                    self.flush(cx).await?;
                    let at = self.globals.feed.borrow().location();
                    let line = format!("jq: error (at {at}){}\n", report::runtime(err));
                    let _ = cx.stderr.write_str(&line).await;
                    // Like jq, the rest of this input's outputs are dropped.
                    return Ok(());
                }
                Err(exn) => {
                    self.flush(cx).await?;
                    // `halt` and `halt_error` stop jq at once; nothing else gets here.
                    return Err(exn.get_halt().unwrap_or(STATUS_RUNTIME));
                }
            }
        }
    }

    fn print(&mut self, v: &Val) {
        self.last = Some(v.as_bool());
        match v {
            Val::TStr(s) | Val::BStr(s) if self.opts.raw_output && !self.opts.ascii => {
                self.buf.extend_from_slice(s);
            }
            _ => write::value(&mut self.buf, v, &self.style),
        }
        if self.opts.raw_output0 {
            self.buf.push(0);
        } else if !self.opts.join_output {
            self.buf.push(b'\n');
        }
    }

    async fn flush(&mut self, cx: &mut Cmd<'_>) -> Result<(), i32> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let result = cx.stdout.write(&self.buf).await;
        self.buf.clear();
        result.map_err(|_| STATUS_BROKEN_PIPE)
    }
}
