//! `fold` (wrap long lines) and `expand` (tabs to spaces). Columns count characters: UTF-8
//! continuation bytes take no column, so a character is never split.

use super::{Body, OutBuf, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const FOLD: Utility = Utility {
    name: "fold",
    help: "Usage: fold [OPTION]... [FILE]...
Wrap input lines in each FILE, writing to standard output.
  -b, --bytes         count bytes rather than columns
  -s, --spaces        break at spaces
  -w, --width=WIDTH   use WIDTH columns instead of 80
",
    run: fold,
};

pub(super) const EXPAND: Utility = Utility {
    name: "expand",
    help: "Usage: expand [OPTION]... [FILE]...
Convert tabs in each FILE to spaces, writing to standard output.
  -i, --initial       do not convert tabs after non blanks
  -t, --tabs=N        have tabs N characters apart, not 8
  -t, --tabs=LIST     use comma separated list of tab positions
",
    run: expand,
};

fn fold<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(fold_body(cx).await) })
}

/// `-WIDTH` (obsolete `fold -60`) as `-w WIDTH`.
fn width_shorthand(args: &[String]) -> Vec<String> {
    args.iter()
        .flat_map(|a| match a.strip_prefix('-') {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                vec!["-w".to_string(), n.to_string()]
            }
            _ => vec![a.clone()],
        })
        .collect()
}

async fn fold_body(cx: &mut Cmd<'_>) -> Body {
    cx.args = width_shorthand(&cx.args);
    let spec = Spec {
        short: "bsw:",
        long: &[
            ("bytes", 'b', false),
            ("spaces", 's', false),
            ("width", 'w', true),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let (mut bytes, mut spaces, mut width) = (false, false, 80usize);
    for opt in opts {
        match opt.flag {
            'b' => bytes = true,
            's' => spaces = true,
            'w' => {
                let value = opt.value.unwrap_or_default();
                match value.parse::<usize>() {
                    Ok(n) if n > 0 => width = n,
                    Ok(_) => {
                        let msg = format!(
                            "invalid number of columns: '{value}': Numerical result out of range"
                        );
                        return Ok(cx.fail(1, msg).await);
                    }
                    Err(_) => {
                        return Ok(cx
                            .fail(1, format!("invalid number of columns: '{value}'"))
                            .await);
                    }
                }
            }
            _ => {}
        }
    }
    let mut status = 0;
    let mut out = OutBuf::new();
    let mut pending = Vec::new();
    for operand in operands_or_stdin(operands) {
        let mut source = match open(cx, &operand).await {
            Ok(s) => s,
            Err(e) => {
                out.flush(cx.stdout).await?;
                status = cx.fail_fs(&operand, &e).await;
                continue;
            }
        };
        let input = source.input(cx.stdin);
        while let Some(line) = input.line().await {
            fold_line(line, width, bytes, spaces, &mut pending, &mut out.buf);
            out.drain(cx.stdout).await?;
        }
    }
    out.flush(cx.stdout).await?;
    Ok(status)
}

fn advance(column: usize, c: u8, bytes: bool) -> usize {
    if bytes {
        return column + 1;
    }
    match c {
        b'\x08' => column.saturating_sub(1),
        b'\r' => 0,
        b'\t' => column + 8 - column % 8,
        c if (c & 0xC0) == 0x80 => column,
        _ => column + 1,
    }
}

/// GNU's fold loop over one line: a character that would pass `width` starts a new line;
/// with `-s` the break goes after the last blank instead.
fn fold_line(
    line: &[u8],
    width: usize,
    bytes: bool,
    spaces: bool,
    buf: &mut Vec<u8>,
    out: &mut Vec<u8>,
) {
    buf.clear();
    let mut column = 0;
    for &c in line {
        if c == b'\n' {
            out.extend_from_slice(buf);
            out.push(b'\n');
            buf.clear();
            return;
        }
        loop {
            let next = advance(column, c, bytes);
            if next <= width || (c & 0xC0) == 0x80 && !bytes {
                column = next;
                buf.push(c);
                break;
            }
            if spaces && let Some(blank) = buf.iter().rposition(|&b| b == b' ' || b == b'\t') {
                out.extend_from_slice(&buf[..=blank]);
                out.push(b'\n');
                buf.drain(..=blank);
                column = buf.iter().fold(0, |col, &b| advance(col, b, bytes));
                continue;
            }
            if buf.is_empty() {
                column = next;
                buf.push(c);
                break;
            }
            out.extend_from_slice(buf);
            out.push(b'\n');
            buf.clear();
            column = 0;
        }
    }
    out.extend_from_slice(buf);
}

fn expand<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(expand_body(cx).await) })
}

/// Tab stops: every N columns, or a list after which each tab is one space.
#[derive(Debug)]
enum Stops {
    Every(usize),
    List(Vec<usize>),
}

impl Stops {
    fn parse(text: &str) -> Option<Self> {
        let list: Vec<usize> = text
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        match list.as_slice() {
            [] | [0] => None,
            [n] => Some(Self::Every(*n)),
            _ if list.windows(2).all(|w| w[0] < w[1]) => Some(Self::List(list)),
            _ => None,
        }
    }

    fn next(&self, column: usize) -> usize {
        match self {
            Self::Every(n) => column + n - column % n,
            Self::List(l) => l
                .iter()
                .copied()
                .find(|&s| s > column)
                .unwrap_or(column + 1),
        }
    }
}

async fn expand_body(cx: &mut Cmd<'_>) -> Body {
    // `expand -4` is `expand -t 4`.
    cx.args = width_shorthand(&cx.args)
        .into_iter()
        .map(|a| if a == "-w" { "-t".to_string() } else { a })
        .collect();
    let spec = Spec {
        short: "it:",
        long: &[("initial", 'i', false), ("tabs", 't', true)],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut initial = false;
    let mut stops = Stops::Every(8);
    for opt in opts {
        match opt.flag {
            'i' => initial = true,
            't' => {
                let value = opt.value.unwrap_or_default();
                match Stops::parse(&value) {
                    Some(s) => stops = s,
                    None => {
                        return Ok(cx
                            .usage(format!("tab size contains invalid character(s): '{value}'"))
                            .await);
                    }
                }
            }
            _ => {}
        }
    }
    let mut status = 0;
    let mut out = OutBuf::new();
    for operand in operands_or_stdin(operands) {
        let mut source = match open(cx, &operand).await {
            Ok(s) => s,
            Err(e) => {
                out.flush(cx.stdout).await?;
                status = cx.fail_fs(&operand, &e).await;
                continue;
            }
        };
        let input = source.input(cx.stdin);
        while let Some(line) = input.line().await {
            let mut column = 0;
            let mut leading = true;
            for &c in line {
                match c {
                    b'\t' if leading || !initial => {
                        let next = stops.next(column);
                        out.buf.extend(std::iter::repeat_n(b' ', next - column));
                        column = next;
                    }
                    _ => {
                        if c != b' ' && c != b'\t' {
                            leading = false;
                        }
                        column = match c {
                            b'\x08' => column.saturating_sub(1),
                            b'\t' => stops.next(column),
                            c if (c & 0xC0) == 0x80 => column,
                            _ => column + 1,
                        };
                        out.buf.push(c);
                    }
                }
            }
            out.drain(cx.stdout).await?;
        }
    }
    out.flush(cx.stdout).await?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use crate::testing::run;

    #[test]
    fn fold_matches_gnu() {
        assert_eq!(
            run("fold", &["-w", "5"], "abcdefghij klm nop\n").stdout,
            "abcde\nfghij\n klm \nnop\n"
        );
        assert_eq!(
            run("fold", &["-s", "-w", "8"], "abc def ghi jkl\n").stdout,
            "abc def \nghi jkl\n"
        );
        assert_eq!(run("fold", &["-w10"], "a\tb\tc\n").stdout, "a\tb\n\tc\n");
        assert_eq!(run("fold", &["-b", "-w", "2"], "abcde").stdout, "ab\ncd\ne");
        assert_eq!(run("fold", &["-3"], "abcdef\n").stdout, "abc\ndef\n");
        assert_eq!(run("fold", &["-w", "2"], "héllo\n").stdout, "hé\nll\no\n");
        let r = run("fold", &["-w", "0"], "");
        assert_eq!(
            r.stderr,
            "fold: invalid number of columns: '0': Numerical result out of range\n"
        );
    }

    #[test]
    fn expand_matches_gnu() {
        assert_eq!(run("expand", &[], "a\tb\n").stdout, "a       b\n");
        assert_eq!(run("expand", &["-t", "4"], "a\tbc\n").stdout, "a   bc\n");
        assert_eq!(
            run("expand", &["-t", "2,5"], "a\tb\tc\td\n").stdout,
            "a b  c d\n"
        );
        assert_eq!(run("expand", &["-i", "-t2"], "\ta\tb\n").stdout, "  a\tb\n");
        assert_eq!(run("expand", &["-4"], "\tx\n").stdout, "    x\n");
        assert_eq!(run("expand", &["-t", "x"], "").status, 2);
    }
}
