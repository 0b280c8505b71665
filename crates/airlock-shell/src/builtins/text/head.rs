//! `head`: the first lines or bytes; stops reading as soon as it has them.

use super::{Body, Source, expand_count_shorthand, open, operands_or_stdin, parse_size, status};
use crate::builtins::args::{self, Spec};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::{Broken, Input, Output};

pub(super) const HEAD: Utility = Utility {
    name: "head",
    help: "Usage: head [OPTION]... [FILE]...
Print the first 10 lines of each FILE to standard output; with more than one FILE, precede each with a header.
  -c, --bytes=[-]NUM       print the first NUM bytes; with -NUM, all but the last NUM bytes
  -n, --lines=[-]NUM       print the first NUM lines; with -NUM, all but the last NUM lines
  -NUM                     same as -n NUM
  -q, --quiet, --silent    never print headers giving file names
  -v, --verbose            always print headers giving file names
  -z, --zero-terminated    line delimiter is NUL, not newline
",
    run: head,
};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Lines(u64),
    AllButLines(u64),
    Bytes(u64),
    AllButBytes(u64),
}

fn head<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(head_body(cx).await) })
}

async fn head_body(cx: &mut Cmd<'_>) -> Body {
    let args = expand_count_shorthand(&cx.args, &["-n", "-c", "--lines", "--bytes"]);
    let spec = Spec {
        short: "c:n:qvz",
        long: &[
            ("bytes", 'c', true),
            ("lines", 'n', true),
            ("quiet", 'q', false),
            ("silent", 'q', false),
            ("verbose", 'v', false),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = match args::parse(&args, spec) {
        Ok(parsed) => parsed,
        Err(message) => return Ok(cx.usage(message).await),
    };
    let mut mode = Mode::Lines(10);
    let mut headers = None;
    let mut delim = b'\n';
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            'n' | 'c' => {
                let (all_but, digits) = match value.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, value.strip_prefix('+').unwrap_or(&value)),
                };
                let Some(n) = parse_size(digits) else {
                    let what = if opt.flag == 'n' { "lines" } else { "bytes" };
                    return Ok(cx
                        .fail(1, format!("invalid number of {what}: '{value}'"))
                        .await);
                };
                mode = match (opt.flag, all_but) {
                    ('n', false) => Mode::Lines(n),
                    ('n', true) => Mode::AllButLines(n),
                    (_, false) => Mode::Bytes(n),
                    (_, true) => Mode::AllButBytes(n),
                };
            }
            'q' => headers = Some(false),
            'v' => headers = Some(true),
            'z' => delim = 0,
            _ => {}
        }
    }
    let operands = operands_or_stdin(operands);
    let headers = headers.unwrap_or(operands.len() > 1);
    let mut status = 0;
    let mut first = true;
    for operand in &operands {
        let mut source = match open(cx, operand).await {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("cannot open '{operand}' for reading: {}", e.describe());
                status = cx.fail(1, msg).await;
                continue;
            }
        };
        if headers {
            let name = if matches!(source, Source::Stdin) {
                "standard input"
            } else {
                operand
            };
            let sep = if first { "" } else { "\n" };
            cx.stdout
                .write_str(&format!("{sep}==> {name} <==\n"))
                .await?;
        }
        first = false;
        let input = source.input(cx.stdin);
        copy_head(input, cx.stdout, mode, delim).await?;
    }
    Ok(status)
}

async fn copy_head(
    input: &mut Input,
    out: &mut Output,
    mode: Mode,
    delim: u8,
) -> Result<(), Broken> {
    match mode {
        Mode::Lines(mut n) => {
            while n > 0 {
                let Some(chunk) = input.chunk().await else {
                    break;
                };
                // Write the chunk up to the n-th delimiter, and no further.
                let mut end = chunk.len();
                for at in memchr::memchr_iter(delim, chunk) {
                    n -= 1;
                    if n == 0 {
                        end = at + 1;
                        break;
                    }
                }
                out.write(&chunk[..end]).await?;
            }
        }
        Mode::Bytes(mut n) => {
            while n > 0 {
                let Some(chunk) = input.chunk().await else {
                    break;
                };
                let take = usize::try_from(n).unwrap_or(usize::MAX).min(chunk.len());
                out.write(&chunk[..take]).await?;
                n -= take as u64;
            }
        }
        Mode::AllButLines(n) => {
            let data = input.read_all().await;
            out.write(&data[..all_but_lines(&data, n, delim)]).await?;
        }
        Mode::AllButBytes(n) => {
            let data = input.read_all().await;
            let keep = data
                .len()
                .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX));
            out.write(&data[..keep]).await?;
        }
    }
    Ok(())
}

/// Where the data ends once its last `n` lines are dropped.
fn all_but_lines(data: &[u8], n: u64, delim: u8) -> usize {
    if n == 0 {
        return data.len();
    }
    // An unterminated last line counts as a line.
    let mut end = data.len();
    let mut to_drop = n;
    if data.last().is_some_and(|&b| b != delim) {
        to_drop -= 1;
        end = memchr::memrchr(delim, data).map_or(0, |i| i + 1);
    }
    while to_drop > 0 && end > 0 {
        end = memchr::memrchr(delim, &data[..end - 1]).map_or(0, |i| i + 1);
        to_drop -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    fn lines(n: usize) -> String {
        (1..=n).map(|i| format!("{i}\n")).collect()
    }

    #[test]
    fn head_counts_lines_and_bytes() {
        let input = lines(20);
        assert_eq!(run("head", &[], &input).stdout, lines(10));
        assert_eq!(run("head", &["-n", "3"], &input).stdout, lines(3));
        assert_eq!(run("head", &["-n3"], &input).stdout, lines(3));
        assert_eq!(run("head", &["-3"], &input).stdout, lines(3));
        assert_eq!(run("head", &["--lines=2"], &input).stdout, lines(2));
        assert_eq!(run("head", &["-n", "-18"], &input).stdout, lines(2));
        assert_eq!(run("head", &["-c", "4"], &input).stdout, "1\n2\n");
        assert_eq!(run("head", &["-c", "-2"], "a\nb\n").stdout, "a\n");
        assert_eq!(run("head", &["-n", "-1"], "a\nb\nc").stdout, "a\nb\n");
        assert_eq!(run("head", &["-n", "-5"], "a\nb\n").stdout, "");
        assert_eq!(run("head", &["-n", "0"], "a\n").stdout, "");
    }

    #[test]
    fn head_headers_for_several_files() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/h1", b"a\nb\n", false).unwrap();
        let r = run_on(&sys, "head", &["-n1", "h1", "-"], "x\ny\n");
        assert_eq!(r.stdout, "==> h1 <==\na\n\n==> standard input <==\nx\n");
        let r = run_on(&sys, "head", &["-q", "-n1", "h1", "h1"], "");
        assert_eq!(r.stdout, "a\na\n");
    }

    #[test]
    fn head_errors_read_like_gnu() {
        let r = run("head", &["nope"], "");
        assert_eq!(
            r.stderr,
            "head: cannot open 'nope' for reading: No such file or directory\n"
        );
        assert_eq!(r.status, 1);
        let r = run("head", &["-n", "abc"], "");
        assert_eq!(r.stderr, "head: invalid number of lines: 'abc'\n");
        assert_eq!(r.status, 1);
        assert_eq!(run("head", &["-x"], "").status, 2);
    }

    #[test]
    fn head_of_a_large_input() {
        let input = lines(100_000);
        let r = run("head", &["-n", "99999"], &input);
        assert_eq!(r.stdout.len(), input.len() - "100000\n".len());
    }
}
