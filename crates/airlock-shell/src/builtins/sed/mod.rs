//! `sed`: GNU sed's stream editor. The script is parsed once into a program; input streams line
//! by line (one line read ahead, for `$`), so `sed -n 1,10p` on a large pipe holds one line at
//! a time and `q` stops reading.

mod exec;
mod input;
mod parse;
mod replace;
#[cfg(test)]
mod tests;

use self::exec::{DEFAULT_WRAP, Exec, Settings};
use self::input::Reader;
use self::parse::{Dialect, Origin, Program};
use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::{Broken, Output};

pub(crate) const UTILITIES: &[Utility] = &[Utility {
    name: "sed",
    help: HELP,
    run: sed,
}];

const HELP: &str = "\
Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...
Edit each line of the input files (or standard input) with a script.

  -n, --quiet, --silent    suppress automatic printing of pattern space
  -e script, --expression=script
                           add the script to the commands to be executed
  -f script-file, --file=script-file
                           add the contents of script-file to the commands
  -i[SUFFIX], --in-place[=SUFFIX]
                           edit files in place (makes backup if SUFFIX supplied)
  -l N, --line-length=N    line-wrap length for the `l' command
  -E, -r, --regexp-extended
                           use extended regular expressions in the script
  -s, --separate           consider files as separate rather than as a single
                           continuous long stream
  -z, --null-data          separate lines by NUL characters
  -u, --unbuffered, --posix, --follow-symlinks
                           accepted, no effect
      --sandbox            reject the r and w commands

Commands: s y p P d D n N g G h H x a i c = l q Q b t T : { } ! r R w W z F, with
addresses N, $, /re/, \\cREc, first~step, addr1,addr2, addr1,+N, addr1,~N, 0,/re/.
Regular expressions have no back-references (\\1 in a pattern is an error).
";

const USAGE_LINE: &str = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...";

/// Exit status of a bad script or usage (GNU's).
const STATUS_BAD_USAGE: i32 = 1;
/// Exit status when an input file could not be read.
const STATUS_BAD_INPUT: i32 = 2;
/// Exit status of an I/O error (an output file that cannot be written).
const STATUS_IO: i32 = 4;

/// Options as given.
#[derive(Debug, Default)]
struct Options {
    scripts: Vec<Source>,
    quiet: bool,
    extended: bool,
    separate: bool,
    null_data: bool,
    sandbox: bool,
    /// `-i`, with its backup suffix (empty: no backup).
    in_place: Option<String>,
    wrap: Option<usize>,
    operands: Vec<String>,
}

/// Where a piece of script comes from.
#[derive(Debug)]
enum Source {
    Expression(String),
    File(String),
}

fn sed<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        match run(cx).await {
            Ok(status) => status,
            Err(Broken) => STATUS_BROKEN_PIPE,
        }
    })
}

async fn usage(cx: &mut Cmd<'_>, message: &str) -> i32 {
    let mut text = String::new();
    if !message.is_empty() {
        text.push_str(&format!("sed: {message}\n"));
    }
    text.push_str(&format!(
        "{USAGE_LINE}\nTry 'sed --help' for more information.\n"
    ));
    let _ = cx.stderr.write(text.as_bytes()).await;
    STATUS_BAD_USAGE
}

/// GNU's option syntax, by hand: `-i` takes an optional suffix glued to it (`-i.bak`; so
/// `-ie` means suffix `e`, as in GNU), which the shared getopt cannot express.
fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    let value_of = |i: &mut usize, rest: &str, flag: &str| -> Result<String, String> {
        if !rest.is_empty() {
            return Ok(rest.to_string());
        }
        let v = args.get(*i).cloned().ok_or_else(|| flag.to_string())?;
        *i += 1;
        Ok(v)
    };
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            o.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            const LONG: &[&str] = &[
                "expression",
                "file",
                "quiet",
                "silent",
                "regexp-extended",
                "in-place",
                "separate",
                "null-data",
                "zero-terminated",
                "line-length",
                "posix",
                "unbuffered",
                "follow-symlinks",
                "sandbox",
            ];
            let candidates: Vec<&&str> = LONG.iter().filter(|l| l.starts_with(name)).collect();
            let full = match (LONG.iter().find(|l| **l == name), candidates.as_slice()) {
                (Some(exact), _) => *exact,
                (None, [one]) => **one,
                (None, []) => return Err(format!("unrecognized option '--{name}'")),
                (None, _) => return Err(format!("option '--{name}' is ambiguous")),
            };
            let needs = |i: &mut usize| -> Result<String, String> {
                match inline {
                    Some(v) => Ok(v.to_string()),
                    None => value_of(i, "", &format!("option '--{full}' requires an argument")),
                }
            };
            match full {
                "expression" => o.scripts.push(Source::Expression(needs(&mut i)?)),
                "file" => o.scripts.push(Source::File(needs(&mut i)?)),
                "quiet" | "silent" => o.quiet = true,
                "regexp-extended" => o.extended = true,
                "in-place" => o.in_place = Some(inline.unwrap_or("").to_string()),
                "separate" => o.separate = true,
                "null-data" | "zero-terminated" => o.null_data = true,
                "line-length" => o.wrap = Some(parse_wrap(&needs(&mut i)?)?),
                "sandbox" => o.sandbox = true,
                _ => {}
            }
            continue;
        }
        if arg.len() < 2 || !arg.starts_with('-') {
            o.operands.push(arg.clone());
            continue;
        }
        let body = &arg[1..];
        for (at, c) in body.char_indices() {
            let rest = &body[at + c.len_utf8()..];
            let missing = format!("option requires an argument -- '{c}'");
            match c {
                'n' => o.quiet = true,
                'E' | 'r' => o.extended = true,
                's' => o.separate = true,
                'z' => o.null_data = true,
                'u' => {}
                'i' => {
                    o.in_place = Some(rest.to_string());
                    break;
                }
                'e' => {
                    o.scripts
                        .push(Source::Expression(value_of(&mut i, rest, &missing)?));
                    break;
                }
                'f' => {
                    o.scripts
                        .push(Source::File(value_of(&mut i, rest, &missing)?));
                    break;
                }
                'l' => {
                    o.wrap = Some(parse_wrap(&value_of(&mut i, rest, &missing)?)?);
                    break;
                }
                _ => return Err(format!("invalid option -- '{c}'")),
            }
        }
    }
    Ok(o)
}

fn parse_wrap(value: &str) -> Result<usize, String> {
    value
        .parse()
        .map_err(|_| format!("invalid line length: {value}"))
}

async fn run(cx: &mut Cmd<'_>) -> Result<i32, Broken> {
    let mut o = match parse_options(&cx.args) {
        Ok(o) => o,
        Err(message) => return Ok(usage(cx, &message).await),
    };
    if o.scripts.is_empty() {
        if o.operands.is_empty() {
            return Ok(usage(cx, "").await);
        }
        o.scripts.push(Source::Expression(o.operands.remove(0)));
    }
    let mut pieces = Vec::new();
    let mut expressions = 0;
    for source in std::mem::take(&mut o.scripts) {
        match source {
            Source::Expression(text) => {
                expressions += 1;
                pieces.push((Origin::Expression(expressions), text));
            }
            Source::File(name) => {
                let data = match cx.read_operand(&name).await {
                    Ok(d) => d,
                    Err(e) => {
                        let msg = format!("couldn't open file {name}: {}", e.describe());
                        return Ok(cx.fail(STATUS_BAD_USAGE, msg).await);
                    }
                };
                let text = String::from_utf8_lossy(&data);
                let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
                pieces.push((Origin::File(name), text));
            }
        }
    }
    let dialect = Dialect {
        extended: o.extended,
        sandbox: o.sandbox,
    };
    let prog = match parse::parse(&pieces, dialect) {
        Ok(p) => p,
        Err(message) => return Ok(cx.fail(STATUS_BAD_USAGE, message).await),
    };
    for name in &prog.wfiles {
        if name.starts_with("/dev/std") {
            continue;
        }
        if let Err(e) = cx.sys.write_file(&cx.path(name), b"", false) {
            let msg = format!("couldn't open file {name}: {}", e.describe());
            return Ok(cx.fail(STATUS_IO, msg).await);
        }
    }
    let set = Settings {
        quiet: o.quiet || prog.quiet,
        separate: o.separate || o.in_place.is_some(),
        eol: if o.null_data { b'\0' } else { b'\n' },
        wrap: o.wrap.unwrap_or(DEFAULT_WRAP),
    };
    let (status, wfiles) = match o.in_place.take() {
        Some(suffix) => in_place(cx, &prog, set, &o.operands, &suffix).await?,
        None => stream(cx, &prog, set, std::mem::take(&mut o.operands)).await?,
    };
    for (name, data) in wfiles {
        if name == "/dev/stdout" {
            continue;
        }
        if name == "/dev/stderr" {
            let _ = cx.stderr.write(&data).await;
            continue;
        }
        if let Err(e) = cx.sys.write_file(&cx.path(&name), &data, false) {
            let msg = format!("couldn't write file {name}: {}", e.describe());
            return Ok(cx.fail(STATUS_IO, msg).await);
        }
    }
    Ok(status)
}

/// The exit status and the contents of the `w` files.
type Outcome = (i32, Vec<(String, Vec<u8>)>);

/// The ordinary run: all operands as one stream (or separate with `-s`) to stdout.
async fn stream(
    cx: &mut Cmd<'_>,
    prog: &Program,
    set: Settings,
    mut operands: Vec<String>,
) -> Result<Outcome, Broken> {
    if operands.is_empty() {
        operands.push("-".to_string());
    }
    let mut exec = Exec::new(prog, set, cx.sys, cx.cwd);
    let mut reader = Reader::new(cx.stdin, cx.stderr, cx.sys, cx.cwd, operands, set.eol);
    exec.run(&mut reader, cx.stdout).await?;
    let status = match exec.quit {
        Some(code) if code != 0 => code,
        _ if reader.bad_input => STATUS_BAD_INPUT,
        _ => 0,
    };
    Ok((status, std::mem::take(&mut exec.wfiles)))
}

/// `-i`: each file is edited on its own and written back (after a backup with a suffix).
async fn in_place(
    cx: &mut Cmd<'_>,
    prog: &Program,
    set: Settings,
    operands: &[String],
    suffix: &str,
) -> Result<Outcome, Broken> {
    if operands.is_empty() {
        return Ok((
            cx.fail(STATUS_BAD_USAGE, "no input files").await,
            Vec::new(),
        ));
    }
    let mut exec = Exec::new(prog, set, cx.sys, cx.cwd);
    let mut bad_input = false;
    for operand in operands {
        let path = cx.path(operand);
        match cx.sys.stat(&path) {
            Ok(info) if info.is_dir => {
                let msg = format!("couldn't edit {operand}: not a regular file");
                cx.fail(STATUS_IO, msg).await;
                bad_input = true;
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                cx.fail(
                    STATUS_BAD_INPUT,
                    format!("can't read {operand}: {}", e.describe()),
                )
                .await;
                bad_input = true;
                continue;
            }
        }
        let original = match cx.sys.read_file(&path) {
            Ok(d) => d,
            Err(e) => {
                cx.fail(
                    STATUS_BAD_INPUT,
                    format!("can't read {operand}: {}", e.describe()),
                )
                .await;
                bad_input = true;
                continue;
            }
        };
        if !suffix.is_empty() {
            let backup = backup_name(&path, suffix);
            if let Err(e) = cx.sys.write_file(&backup, &original, false) {
                let msg = format!("couldn't open file {backup}: {}", e.describe());
                return Ok((cx.fail(STATUS_IO, msg).await, Vec::new()));
            }
        }
        let edited = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut out = Output::buffer(std::rc::Rc::clone(&edited));
        let mut input = crate::io::Input::from_bytes(original);
        {
            let mut reader = Reader::new(
                &mut input,
                cx.stderr,
                cx.sys,
                cx.cwd,
                vec!["-".to_string()],
                set.eol,
            );
            exec.run(&mut reader, &mut out).await?;
        }
        out.flush().await?;
        let data = edited.take();
        if let Err(e) = cx.sys.write_file(&path, &data, false) {
            let msg = format!("couldn't edit {operand}: {}", e.describe());
            return Ok((cx.fail(STATUS_IO, msg).await, Vec::new()));
        }
        if exec.quit.is_some() {
            break;
        }
    }
    let status = match exec.quit {
        Some(code) if code != 0 => code,
        _ if bad_input => STATUS_BAD_INPUT,
        _ => 0,
    };
    Ok((status, std::mem::take(&mut exec.wfiles)))
}

/// The backup file for `-iSUFFIX`: `*` in the suffix stands for the file's base name.
fn backup_name(path: &str, suffix: &str) -> String {
    if !suffix.contains('*') {
        return format!("{path}{suffix}");
    }
    let base = crate::path::base_name(path);
    let name = suffix.replace('*', base);
    if name.contains('/') {
        name
    } else {
        format!("{}/{name}", crate::path::dir_name(path))
    }
}
