//! `cat`, `tac` and `rev`: whole streams forwards, backwards, and each line mirrored.

use super::{Body, OutBuf, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const CAT: Utility = Utility {
    name: "cat",
    help: "Usage: cat [OPTION]... [FILE]...
Concatenate FILE(s) to standard output; with no FILE, or when FILE is -, read standard input.
  -A, --show-all           equivalent to -vET
  -b, --number-nonblank    number nonempty output lines, overrides -n
  -e                       equivalent to -vE
  -E, --show-ends          display $ at end of each line
  -n, --number             number all output lines
  -s, --squeeze-blank      suppress repeated empty output lines
  -t                       equivalent to -vT
  -T, --show-tabs          display TAB characters as ^I
  -u                       (ignored)
  -v, --show-nonprinting   use ^ and M- notation, except for LFD and TAB
",
    run: cat,
};

pub(super) const TAC: Utility = Utility {
    name: "tac",
    help: "Usage: tac [OPTION]... [FILE]...
Write each FILE to standard output, last line first.
  -b, --before             attach the separator before instead of after
  -s, --separator=STRING   use STRING as the separator instead of newline
",
    run: tac,
};

pub(super) const REV: Utility = Utility {
    name: "rev",
    help: "Usage: rev [FILE]...
Reverse the characters of each line of the files (or standard input).
",
    run: rev,
};

#[derive(Debug, Default, Clone, Copy)]
struct CatOpts {
    number: bool,
    nonblank: bool,
    squeeze: bool,
    ends: bool,
    tabs: bool,
    nonprinting: bool,
}

impl CatOpts {
    fn plain(&self) -> bool {
        !(self.number
            || self.nonblank
            || self.squeeze
            || self.ends
            || self.tabs
            || self.nonprinting)
    }
}

/// Line numbering and blank squeezing carry over from one file to the next, as in GNU.
#[derive(Debug)]
struct CatState {
    line_no: u64,
    at_line_start: bool,
    blank_run: u32,
}

fn cat<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(cat_body(cx).await) })
}

async fn cat_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "AbeEnstTuv",
        long: &[
            ("show-all", 'A', false),
            ("number-nonblank", 'b', false),
            ("show-ends", 'E', false),
            ("number", 'n', false),
            ("squeeze-blank", 's', false),
            ("show-tabs", 'T', false),
            ("show-nonprinting", 'v', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut o = CatOpts::default();
    for opt in &opts {
        match opt.flag {
            'A' => (o.nonprinting, o.ends, o.tabs) = (true, true, true),
            'b' => o.nonblank = true,
            'e' => (o.nonprinting, o.ends) = (true, true),
            'E' => o.ends = true,
            'n' => o.number = true,
            's' => o.squeeze = true,
            't' => (o.nonprinting, o.tabs) = (true, true),
            'T' => o.tabs = true,
            'v' => o.nonprinting = true,
            _ => {}
        }
    }
    if o.nonblank {
        o.number = false;
    }
    let mut state = CatState {
        line_no: 0,
        at_line_start: true,
        blank_run: 0,
    };
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
        if o.plain() {
            while let Some(chunk) = input.chunk().await {
                cx.stdout.write(chunk).await?;
            }
            continue;
        }
        while let Some(line) = input.line().await {
            cat_line(line, &o, &mut state, &mut out);
            out.drain(cx.stdout).await?;
        }
    }
    out.flush(cx.stdout).await?;
    Ok(status)
}

fn cat_line(line: &[u8], o: &CatOpts, st: &mut CatState, out: &mut OutBuf) {
    let (body, newline) = match line.split_last() {
        Some((b'\n', body)) => (body, true),
        _ => (line, false),
    };
    let starts = st.at_line_start;
    st.at_line_start = newline;
    let blank = starts && body.is_empty() && newline;
    if blank {
        st.blank_run += 1;
        if o.squeeze && st.blank_run > 1 {
            return;
        }
    } else if starts {
        st.blank_run = 0;
    }
    if starts && (o.number || (o.nonblank && !blank)) {
        st.line_no += 1;
        out.push(format!("{:>6}\t", st.line_no).as_bytes());
    }
    if o.nonprinting || o.tabs {
        for &b in body {
            show_byte(b, o, out);
        }
    } else {
        out.push(body);
    }
    if newline {
        if o.ends {
            out.push(b"$");
        }
        out.push(b"\n");
    }
}

/// `-v`/`-T` notation: `^X` for controls, `M-` for high bytes, `^?` for DEL.
fn show_byte(b: u8, o: &CatOpts, out: &mut OutBuf) {
    if b == b'\t' {
        out.push(if o.tabs { b"^I" } else { b"\t" });
        return;
    }
    if !o.nonprinting {
        out.push(&[b]);
        return;
    }
    let mut c = b;
    if c >= 128 {
        out.push(b"M-");
        c -= 128;
    }
    match c {
        0..=31 => out.push(&[b'^', c + 64]),
        127 => out.push(b"^?"),
        _ => out.push(&[c]),
    }
}

fn tac<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(tac_body(cx).await) })
}

async fn tac_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "brs:",
        long: &[
            ("before", 'b', false),
            ("regex", 'r', false),
            ("separator", 's', true),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut before = false;
    let mut sep = b"\n".to_vec();
    for opt in opts {
        match opt.flag {
            'b' => before = true,
            'r' => return Ok(cx.usage("option -r (--regex) is not supported").await),
            's' => sep = opt.value.unwrap_or_default().into_bytes(),
            _ => {}
        }
    }
    if sep.is_empty() {
        return Ok(cx.fail(1, "separator cannot be empty").await);
    }
    let mut status = 0;
    for operand in operands_or_stdin(operands) {
        let data = match cx.read_operand(&operand).await {
            Ok(d) => d,
            Err(e) => {
                let msg = format!("failed to open '{operand}' for reading: {}", e.describe());
                status = cx.fail(1, msg).await;
                continue;
            }
        };
        let mut out = OutBuf::new();
        for record in tac_records(&data, &sep, before).into_iter().rev() {
            out.push(record);
            out.drain(cx.stdout).await?;
        }
        out.flush(cx.stdout).await?;
    }
    Ok(status)
}

/// The records of `data`, each with its separator (after it, or before it with `before`).
fn tac_records<'d>(data: &'d [u8], sep: &[u8], before: bool) -> Vec<&'d [u8]> {
    let mut records = Vec::new();
    let mut start = 0;
    for at in memchr::memmem::find_iter(data, sep) {
        if before {
            if at > start {
                records.push(&data[start..at]);
            }
            start = at;
        } else {
            records.push(&data[start..at + sep.len()]);
            start = at + sep.len();
        }
    }
    if start < data.len() {
        records.push(&data[start..]);
    }
    records
}

fn rev<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(rev_body(cx).await) })
}

async fn rev_body(cx: &mut Cmd<'_>) -> Body {
    let (_, operands) = parse_args!(
        cx,
        Spec {
            short: "",
            long: &[],
            stop_at_operand: false
        }
    );
    let mut status = 0;
    let mut out = OutBuf::new();
    for operand in operands_or_stdin(operands) {
        let mut source = match open(cx, &operand).await {
            Ok(s) => s,
            Err(e) => {
                out.flush(cx.stdout).await?;
                status = cx
                    .fail(1, format!("cannot open {operand}: {}", e.describe()))
                    .await;
                continue;
            }
        };
        let input = source.input(cx.stdin);
        while let Some(line) = input.line().await {
            let (body, newline) = match line.split_last() {
                Some((b'\n', body)) => (body, true),
                _ => (line, false),
            };
            match std::str::from_utf8(body) {
                Ok(text) => {
                    let mut tmp = [0u8; 4];
                    for c in text.chars().rev() {
                        out.push(c.encode_utf8(&mut tmp).as_bytes());
                    }
                }
                // Not UTF-8: mirror the bytes rather than mangle them.
                Err(_) => out.buf.extend(body.iter().rev()),
            }
            if newline {
                out.push(b"\n");
            }
            out.drain(cx.stdout).await?;
        }
    }
    out.flush(cx.stdout).await?;
    Ok(status)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    #[test]
    fn cat_concatenates_files_and_stdin() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/a", b"one\n", false).unwrap();
        let r = run_on(&sys, "cat", &["a", "-", "a"], "in\n");
        assert_eq!(r.stdout, "one\nin\none\n");
        assert_eq!(r.status, 0);
    }

    #[test]
    fn cat_missing_file_continues() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/a", b"one\n", false).unwrap();
        let r = run_on(&sys, "cat", &["x", "a"], "");
        assert_eq!(r.stdout, "one\n");
        assert_eq!(r.stderr, "cat: x: No such file or directory\n");
        assert_eq!(r.status, 1);
    }

    #[test]
    fn cat_numbering_and_squeeze_match_gnu() {
        let input = "a\n\n\n\tb\nc";
        assert_eq!(
            run("cat", &["-n"], input).stdout,
            "     1\ta\n     2\t\n     3\t\n     4\t\tb\n     5\tc"
        );
        assert_eq!(
            run("cat", &["-b"], input).stdout,
            "     1\ta\n\n\n     2\t\tb\n     3\tc"
        );
        assert_eq!(run("cat", &["-s"], input).stdout, "a\n\n\tb\nc");
        assert_eq!(
            run("cat", &["-A"], "a\tb\x01\x7f\u{e9}\n").stdout,
            "a^Ib^A^?M-CM-)$\n"
        );
        assert_eq!(run("cat", &["-ET"], "a\tb\n").stdout, "a^Ib$\n");
    }

    #[test]
    fn cat_bad_option_is_a_usage_error() {
        let r = run("cat", &["-z"], "");
        assert_eq!(r.status, 2);
        assert!(r.stderr.starts_with("cat: invalid option -- 'z'\n"));
    }

    #[test]
    fn tac_reverses_records() {
        assert_eq!(run("tac", &[], "a\nb\nc\n").stdout, "c\nb\na\n");
        assert_eq!(run("tac", &[], "a\nb").stdout, "ba\n");
        assert_eq!(run("tac", &["-s", ","], "a,b,c,").stdout, "c,b,a,");
        assert_eq!(run("tac", &["-b", "-s", ","], ",a,b").stdout, ",b,a");
        let r = run("tac", &["x"], "");
        assert_eq!(
            r.stderr,
            "tac: failed to open 'x' for reading: No such file or directory\n"
        );
    }

    #[test]
    fn rev_mirrors_characters() {
        assert_eq!(run("rev", &[], "abc\nhé!\nx").stdout, "cba\n!éh\nx");
        let r = run("rev", &["nope"], "");
        assert_eq!(
            r.stderr,
            "rev: cannot open nope: No such file or directory\n"
        );
        assert_eq!(r.status, 1);
    }
}
