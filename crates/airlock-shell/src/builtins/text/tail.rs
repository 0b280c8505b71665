//! `tail`: the last lines or bytes, or everything from a line or byte on (`+N`).

use super::{Body, Source, expand_count_shorthand, open, operands_or_stdin, parse_size, status};
use crate::builtins::args::{self, Spec};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::{Broken, Input, Output};

pub(super) const TAIL: Utility = Utility {
    name: "tail",
    help: "Usage: tail [OPTION]... [FILE]...
Print the last 10 lines of each FILE to standard output; with more than one FILE, precede each with a header.
  -c, --bytes=[+]NUM       output the last NUM bytes; or use -c +NUM to output starting with byte NUM
  -n, --lines=[+]NUM       output the last NUM lines; or use -n +NUM to output starting with line NUM
  -NUM, +NUM               same as -n NUM, -n +NUM
  -q, --quiet, --silent    never output headers giving file names
  -v, --verbose            always output headers giving file names
  -z, --zero-terminated    line delimiter is NUL, not newline
",
    run: tail,
};

#[derive(Debug, Clone, Copy)]
enum Mode {
    LastLines(u64),
    FromLine(u64),
    LastBytes(u64),
    FromByte(u64),
}

/// Bytes of a stream kept beyond what the last lines need before trimming: a tail of a long
/// pipe holds roughly its answer, not the whole stream.
const TRIM_SLACK: usize = 1 << 20;

fn tail<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(tail_body(cx).await) })
}

async fn tail_body(cx: &mut Cmd<'_>) -> Body {
    let mut args = expand_count_shorthand(&cx.args, &["-n", "-c", "--lines", "--bytes"]);
    // The obsolete `tail +5` (first argument only, as in GNU).
    if let Some(first) = args.first()
        && let Some(rest) = first.strip_prefix('+')
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        let count = first.clone();
        args.splice(0..1, ["-n".to_string(), count]);
    }
    let spec = Spec {
        short: "c:n:qvzfF",
        long: &[
            ("bytes", 'c', true),
            ("lines", 'n', true),
            ("quiet", 'q', false),
            ("silent", 'q', false),
            ("verbose", 'v', false),
            ("zero-terminated", 'z', false),
            ("follow", 'f', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = match args::parse(&args, spec) {
        Ok(parsed) => parsed,
        Err(message) => return Ok(cx.usage(message).await),
    };
    let mut mode = Mode::LastLines(10);
    let mut headers = None;
    let mut delim = b'\n';
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            'n' | 'c' => {
                let (from, digits) = match value.strip_prefix('+') {
                    Some(rest) => (true, rest),
                    None => (false, value.strip_prefix('-').unwrap_or(&value)),
                };
                let Some(n) = parse_size(digits) else {
                    let what = if opt.flag == 'n' { "lines" } else { "bytes" };
                    return Ok(cx
                        .fail(1, format!("invalid number of {what}: '{value}'"))
                        .await);
                };
                mode = match (opt.flag, from) {
                    ('n', false) => Mode::LastLines(n),
                    ('n', true) => Mode::FromLine(n),
                    (_, false) => Mode::LastBytes(n),
                    (_, true) => Mode::FromByte(n),
                };
            }
            'q' => headers = Some(false),
            'v' => headers = Some(true),
            'z' => delim = 0,
            // Nothing grows a file while a script waits: following would only hang.
            'f' | 'F' => {
                return Ok(cx
                    .usage("option -f (--follow) is not supported in the sandbox")
                    .await);
            }
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
        copy_tail(input, cx.stdout, mode, delim).await?;
    }
    Ok(status)
}

async fn copy_tail(
    input: &mut Input,
    out: &mut Output,
    mode: Mode,
    delim: u8,
) -> Result<(), Broken> {
    match mode {
        Mode::FromLine(n) => {
            // Skip n-1 lines, then copy the rest chunk by chunk.
            let mut skip = n.saturating_sub(1);
            while let Some(chunk) = input.chunk().await {
                if skip == 0 {
                    out.write(chunk).await?;
                    continue;
                }
                let mut start = None;
                for at in memchr::memchr_iter(delim, chunk) {
                    skip -= 1;
                    if skip == 0 {
                        start = Some(at + 1);
                        break;
                    }
                }
                if let Some(start) = start {
                    out.write(&chunk[start..]).await?;
                }
            }
        }
        Mode::FromByte(n) => {
            let mut skip = n.saturating_sub(1);
            while let Some(chunk) = input.chunk().await {
                let from = usize::try_from(skip).unwrap_or(usize::MAX).min(chunk.len());
                skip -= from as u64;
                out.write(&chunk[from..]).await?;
            }
        }
        Mode::LastLines(n) => {
            let mut kept = Vec::new();
            while let Some(chunk) = input.chunk().await {
                kept.extend_from_slice(chunk);
                if kept.len() > 2 * TRIM_SLACK {
                    let start = last_lines_start(&kept, n, delim);
                    kept.drain(..start);
                }
            }
            let start = last_lines_start(&kept, n, delim);
            out.write(&kept[start..]).await?;
        }
        Mode::LastBytes(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            let mut kept = Vec::new();
            while let Some(chunk) = input.chunk().await {
                kept.extend_from_slice(chunk);
                if kept.len() > n.saturating_add(TRIM_SLACK) {
                    kept.drain(..kept.len() - n);
                }
            }
            out.write(&kept[kept.len().saturating_sub(n)..]).await?;
        }
    }
    Ok(())
}

/// Where the last `n` lines of `data` start (an unterminated last line counts).
fn last_lines_start(data: &[u8], n: u64, delim: u8) -> usize {
    if n == 0 {
        return data.len();
    }
    let mut end = data.len();
    if data.last() == Some(&delim) {
        end -= 1;
    }
    let mut left = n;
    while let Some(at) = memchr::memrchr(delim, &data[..end]) {
        left -= 1;
        if left == 0 {
            return at + 1;
        }
        end = at;
    }
    0
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    fn lines(from: usize, to: usize) -> String {
        (from..=to).map(|i| format!("{i}\n")).collect()
    }

    #[test]
    fn tail_last_and_from() {
        let input = lines(1, 20);
        assert_eq!(run("tail", &[], &input).stdout, lines(11, 20));
        assert_eq!(run("tail", &["-n", "3"], &input).stdout, lines(18, 20));
        assert_eq!(run("tail", &["-3"], &input).stdout, lines(18, 20));
        assert_eq!(run("tail", &["-n", "+18"], &input).stdout, lines(18, 20));
        assert_eq!(run("tail", &["+19"], &input).stdout, lines(19, 20));
        assert_eq!(run("tail", &["-n", "1"], "a\nb\nc").stdout, "c");
        assert_eq!(run("tail", &["-c", "3"], "a\nb\nc\n").stdout, "\nc\n");
        assert_eq!(run("tail", &["-c", "+3"], "abcdef").stdout, "cdef");
        assert_eq!(run("tail", &["-n", "0"], "a\n").stdout, "");
        assert_eq!(run("tail", &["-n", "5"], "a\nb\n").stdout, "a\nb\n");
    }

    #[test]
    fn tail_headers_and_errors() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/h1", b"a\nb\n", false).unwrap();
        let r = run_on(&sys, "tail", &["-n", "+2", "h1", "h1"], "");
        assert_eq!(r.stdout, "==> h1 <==\nb\n\n==> h1 <==\nb\n");
        let r = run_on(&sys, "tail", &["nope", "h1"], "");
        assert_eq!(
            r.stderr,
            "tail: cannot open 'nope' for reading: No such file or directory\n"
        );
        assert_eq!(r.stdout, "==> h1 <==\na\nb\n");
        assert_eq!(r.status, 1);
        assert_eq!(run("tail", &["-f"], "").status, 2);
    }

    #[test]
    fn tail_of_a_large_input() {
        let input = lines(1, 300_000);
        assert_eq!(
            run("tail", &["-n", "2"], &input).stdout,
            lines(299_999, 300_000)
        );
        assert_eq!(
            run("tail", &["-n", "+299999"], &input).stdout,
            lines(299_999, 300_000)
        );
    }
}
