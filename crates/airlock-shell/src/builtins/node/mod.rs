//! `node`: runs JavaScript with the sandbox's own runtime (QuickJS and airlock's Node-like
//! globals) on the shell's filesystem and tools. The [`System`](crate::System) runs it; where
//! there is no JavaScript (the native [`MemSystem`](crate::MemSystem)) the command says so.
//!
//! The script runs to the end before its output moves on (the pipeline waits meanwhile), and
//! it gets standard input only when its source mentions it: a script cannot pull more input
//! while it runs, and `node -e ...` inside `while read` must not swallow the loop's input.

use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, Utility};
use crate::exec::LocalBoxFuture;
use crate::system::JsRun;

pub(crate) const UTILITIES: &[Utility] = &[NODE];

const NODE: Utility = Utility {
    name: "node",
    help: HELP,
    run: node,
};

const HELP: &str = "\
Usage: node [OPTION]... [-e CODE | -p CODE | FILE | -] [ARG]...
Run JavaScript in the sandbox's runtime (QuickJS with airlock's globals: console, fs,
require('fs'), timers, tools, shell()) on the shell's filesystem, in its working directory.

  -e, --eval CODE    run CODE (top-level await works)
  -p, --print CODE   run CODE and print its value (strings as they are, others inspected)
  FILE               run the script FILE
  -                  read the script from standard input (also when no script is given)
  -h, --help         show this help

process.argv is ['node', FILE, ARG...], or ['node', ARG...] for -e and -p, as in Node.
The script gets standard input (fs.readFileSync(0), '/dev/stdin', process.stdin) when its
source mentions stdin. Its output comes out when it ends.
Exit status: process.exit(N) or process.exitCode, else 0; 1 after an uncaught error or a
syntax error; 9 for a bad option; 127 where this shell has no JavaScript.
This is not Node.js: require() knows Node's fs, path, buffer, crypto, events, util, url,
process and timers/promises, and the bundled packages (lodash, date-fns, zod, papaparse,
yaml, marked), by import or require(); a script's static imports become await import().
";

/// Bytes of standard input handed to a script. It is held in memory twice (the shell's copy
/// and the script's), so it is bounded well below the guest's default memory (256 MiB).
const MAX_STDIN_BYTES: usize = 32 * 1024 * 1024;

/// Node's exit status for a bad option.
const STATUS_BAD_OPTION: i32 = 9;
/// The exit status when there is no JavaScript, as for a command that is not there.
const STATUS_NO_JS: i32 = 127;

/// Node options that change nothing here and are accepted so that copied command lines run.
const IGNORED: &[&str] = &[
    "--no-warnings",
    "--no-deprecation",
    "--enable-source-maps",
    "--trace-uncaught",
    "--input-type=commonjs",
];
/// Ignored options that take a value after `=`.
const IGNORED_VALUED: &[&str] = &["--max-old-space-size=", "--stack-size="];

/// Where the script comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// `-e CODE` or `-p CODE`.
    Eval(String),
    /// A script file, as given.
    File(String),
    /// Standard input: `-` (`dash`), or no script at all.
    Stdin { dash: bool },
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Invocation {
    Help,
    Run {
        source: Source,
        print: bool,
        args: Vec<String>,
    },
}

/// Parses Node's command line: options up to the script (or, after `-e`, up to the first
/// argument that is not an option); everything after belongs to the script.
fn parse_args(args: &[String]) -> Result<Invocation, String> {
    let mut eval: Option<String> = None;
    let mut print = false;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        i += 1;
        match arg {
            "--" => break,
            "-h" | "--help" => return Ok(Invocation::Help),
            "-e" | "--eval" | "-pe" | "-ep" => {
                print |= matches!(arg, "-pe" | "-ep");
                let Some(code) = args.get(i) else {
                    return Err(format!("{arg} requires an argument"));
                };
                eval = Some(code.clone());
                i += 1;
            }
            "-p" | "--print" => {
                print = true;
                // The code is optional (`echo 1+1 | node -p`), so an option stays an option.
                if eval.is_none()
                    && let Some(code) = args.get(i).filter(|a| !a.starts_with('-'))
                {
                    eval = Some(code.clone());
                    i += 1;
                }
            }
            "-" => {
                return Ok(Invocation::Run {
                    source: Source::Stdin { dash: true },
                    print,
                    args: args[i..].to_vec(),
                });
            }
            _ if arg.starts_with("--eval=") || arg.starts_with("--print=") => {
                print |= arg.starts_with("--print=");
                eval = arg.split_once('=').map(|(_, code)| code.to_string());
            }
            _ if IGNORED.contains(&arg) || IGNORED_VALUED.iter().any(|o| arg.starts_with(o)) => {}
            _ if arg.starts_with('-') && arg.len() > 1 => return Err(format!("bad option: {arg}")),
            _ => {
                i -= 1;
                break;
            }
        }
    }
    let rest = args[i..].to_vec();
    Ok(match eval {
        Some(code) => Invocation::Run {
            source: Source::Eval(code),
            print,
            args: rest,
        },
        None => match rest.split_first() {
            Some((file, args)) => Invocation::Run {
                source: Source::File(file.clone()),
                print,
                args: args.to_vec(),
            },
            None => Invocation::Run {
                source: Source::Stdin { dash: false },
                print,
                args: Vec::new(),
            },
        },
    })
}

/// Whether a script's source shows that it reads standard input: `process.stdin`,
/// `/dev/stdin`, `/dev/fd/0`, or `readFile(0` / `readFileSync(0`.
fn mentions_stdin(code: &str) -> bool {
    if code.contains("stdin") || code.contains("/dev/fd/0") {
        return true;
    }
    ["readFileSync(", "readFile("].iter().any(|call| {
        code.match_indices(call).any(|(at, _)| {
            let rest = code[at + call.len()..].trim_start();
            rest.starts_with('0') && !rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric())
        })
    })
}

/// Reads standard input whole, or fails past [`MAX_STDIN_BYTES`].
async fn read_stdin(cx: &mut Cmd<'_>) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    while let Some(chunk) = cx.stdin.chunk().await {
        if data.len() + chunk.len() > MAX_STDIN_BYTES {
            cx.stdin.close();
            return Err(format!(
                "standard input is larger than {} MiB; write it to a file and read the file instead",
                MAX_STDIN_BYTES >> 20
            ));
        }
        data.extend_from_slice(chunk);
    }
    Ok(data)
}

/// A script file's text: Node drops a byte-order mark.
fn script_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.strip_prefix('\u{feff}').unwrap_or(&text).to_string()
}

fn node<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let (source, print, args) = match parse_args(&cx.args) {
            Ok(Invocation::Help) => {
                if cx.stdout.write(NODE.help.as_bytes()).await.is_err() {
                    return STATUS_BROKEN_PIPE;
                }
                return 0;
            }
            Ok(Invocation::Run {
                source,
                print,
                args,
            }) => (source, print, args),
            Err(message) => {
                let text = format!("node: {message}\nTry 'node --help' for more information.\n");
                let _ = cx.stderr.write(text.as_bytes()).await;
                return STATUS_BAD_OPTION;
            }
        };
        let mut argv = vec!["node".to_string()];
        let (code, filename, main) = match &source {
            Source::Eval(code) => (code.clone(), "[eval]".to_string(), false),
            Source::File(file) => {
                let path = cx.path(file);
                match cx.read_operand(&path).await {
                    Ok(bytes) => {
                        argv.push(path.clone());
                        (script_text(&bytes), path, true)
                    }
                    Err(e) => {
                        return cx
                            .fail(1, format!("cannot find module '{path}': {}", e.describe()))
                            .await;
                    }
                }
            }
            Source::Stdin { dash } => match read_stdin(cx).await {
                Ok(bytes) => {
                    if *dash {
                        argv.push("-".to_string());
                    }
                    (script_text(&bytes), "[stdin]".to_string(), false)
                }
                Err(message) => return cx.fail(1, message).await,
            },
        };
        argv.extend(args);
        let stdin = match source {
            // The script itself came from standard input: nothing is left.
            Source::Stdin { .. } => Some(Vec::new()),
            _ if mentions_stdin(&code) => match read_stdin(cx).await {
                Ok(bytes) => Some(bytes),
                Err(message) => return cx.fail(1, message).await,
            },
            _ => None,
        };
        let run = JsRun {
            code: &code,
            filename: &filename,
            argv: &argv,
            env: cx.env,
            cwd: cx.cwd,
            stdin: stdin.as_deref(),
            main,
            print,
        };
        let Some(out) = cx.sys.run_js(&run) else {
            return cx
                .fail(STATUS_NO_JS, "JavaScript is not available in this shell")
                .await;
        };
        // Output order between the two streams is lost: what the script printed comes first,
        // then its errors (the usual order for a script that fails at the end).
        if cx.stdout.write(&out.stdout).await.is_err() {
            return STATUS_BROKEN_PIPE;
        }
        let _ = cx.stdout.flush().await;
        let _ = cx.stderr.write(&out.stderr).await;
        out.status
    })
}

#[cfg(test)]
mod tests;
