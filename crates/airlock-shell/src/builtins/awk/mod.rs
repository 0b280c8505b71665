//! `awk`: a real awk (lexer, parser, interpreter): POSIX awk plus the gawk extensions
//! scripts commonly use (`gensub`, `match` with an array, `length(array)`, `tolower`,
//! `systime`, `PROCINFO["sorted_in"]`, regex `RS`, `FS = ""`, `\y \< \>` in regexes).
//!
//! Source -> tokens ([`lexer`]) -> a program with resolved variables ([`parser`], [`ast`], [`infer`]) ->
//! the interpreter ([`interp`], statements and the main loop in [`exec`], with fields in [`record`], input in [`stream`], redirections
//! in [`io`], functions in [`funcs`], `printf` in [`format`], regexes via [`ere`]).
//!
//! `for (k in a)` visits keys in insertion order (see [`array`]).

mod array;
mod ast;
mod ere;
mod exec;
mod format;
mod funcs;
mod infer;
mod interp;
mod io;
mod lexer;
mod parser;
mod record;
mod stream;
mod value;

#[cfg(test)]
mod tests;

use crate::builtins::args::{self, Spec};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

const HELP: &str = "\
Usage: awk [-F fs] [-v var=value]... 'program' [var=value | file]...
   or: awk [-F fs] [-v var=value]... -f progfile [var=value | file]...
Scan files (or standard input) for patterns and run the actions of those that match.

  -F fs           field separator (a character, ' ' for blank runs, or a regex; 't' is tab)
  -v var=value    assign a variable before the program starts
  -f progfile     read the program from a file (may be repeated)
      --version   print the version
  --              end of options

POSIX awk with common gawk extensions: gensub, match(s, re, arr), length(arr),
systime, PROCINFO[\"sorted_in\"], regex RS and FS. for-in visits keys in insertion order.
";

pub(crate) const UTILITIES: &[Utility] = &[
    Utility {
        name: "awk",
        help: HELP,
        run: awk,
    },
    Utility {
        name: "gawk",
        help: HELP,
        run: awk,
    },
];

/// `name=value` if `arg` is a variable assignment (a valid name before the `=`).
pub(super) fn split_assignment(arg: &str) -> Option<(&str, &str)> {
    let (name, value) = arg.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    let valid = (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    valid.then_some((name, value))
}

/// The syntax error as gawk shows it: the source line, then a caret under the place.
fn syntax_error(src: &str, err: &lexer::SyntaxError) -> String {
    let offset = err.offset.min(src.len());
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let line_no = src[..offset].matches('\n').count() + 1;
    let prefix = format!("awk: line {line_no}: ");
    let column = src[line_start..offset].chars().count();
    format!(
        "{prefix}{}\n{prefix}{}^ {}\n",
        &src[line_start..line_end],
        " ".repeat(column),
        err.message
    )
}

fn awk<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "F:v:f:",
            long: &[("version", 'V', false)],
            stop_at_operand: true,
        };
        let (opts, mut operands) = match args::parse(&cx.args, spec) {
            Ok(parsed) => parsed,
            Err(message) => return cx.usage(message).await,
        };
        let mut inv = interp::Invocation::default();
        let mut program = String::new();
        let mut from_files = false;
        for opt in opts {
            let value = opt.value.unwrap_or_default();
            match opt.flag {
                'V' => {
                    let text = "awk (airlock) 1.0: POSIX awk with common gawk extensions\n";
                    return match cx.stdout.write_str(text).await {
                        Ok(()) => 0,
                        Err(_) => crate::cmd::STATUS_BROKEN_PIPE,
                    };
                }
                'F' => {
                    inv.fs = Some(match value.as_str() {
                        "t" => b"\t".to_vec(),
                        v => lexer::unescape(v.as_bytes()),
                    })
                }
                'v' => match split_assignment(&value) {
                    Some((name, val)) => inv
                        .assigns
                        .push((name.to_string(), val.as_bytes().to_vec())),
                    None => {
                        return cx
                            .fail(
                                2,
                                format!("`{value}' argument to `-v' not in var=value form"),
                            )
                            .await;
                    }
                },
                _ => {
                    from_files = true;
                    match cx.read_operand(&value).await {
                        Ok(text) => {
                            program.push_str(&String::from_utf8_lossy(&text));
                            program.push('\n');
                        }
                        Err(e) => {
                            return cx
                                .fail(
                                    2,
                                    format!(
                                        "can't open source file `{value}' for reading: {}",
                                        e.describe()
                                    ),
                                )
                                .await;
                        }
                    }
                }
            }
        }
        if !from_files {
            if operands.is_empty() {
                return cx.usage("no program given").await;
            }
            program = operands.remove(0);
        }
        let prog = match parser::parse(&program) {
            Ok(p) => p,
            Err(e) => {
                let text = syntax_error(&program, &e);
                let _ = cx.stderr.write(text.as_bytes()).await;
                return 2;
            }
        };
        inv.operands = operands;
        let mut interp = interp::Interp::new(&prog, cx);
        if let Err(interp::Flow::Error(message)) = interp.init(&inv) {
            let text = format!("awk: {message}\n");
            let _ = interp.cx.stderr.write(text.as_bytes()).await;
            return 2;
        }
        interp.run().await
    })
}
