//! `paste`: join corresponding lines of files side by side (or each file's lines, with `-s`).

use super::{Body, OutBuf, Source, chomp, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::Input;

pub(super) const PASTE: Utility = Utility {
    name: "paste",
    help: "Usage: paste [OPTION]... [FILE]...
Write lines consisting of the sequentially corresponding lines from each FILE, separated by TABs.
  -d, --delimiters=LIST   reuse characters from LIST instead of TABs (\\n \\t \\\\ \\0 escapes)
  -s, --serial            paste one file at a time instead of in parallel
  -z, --zero-terminated   line delimiter is NUL, not newline
",
    run: paste,
};

/// The delimiter list with its escapes; `\0` is an empty delimiter.
fn delimiters(list: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        let d = if c == '\\' {
            match chars.next() {
                Some('n') => "\n".to_string(),
                Some('t') => "\t".to_string(),
                Some('0') => String::new(),
                Some(other) => other.to_string(),
                None => "\\".to_string(),
            }
        } else {
            c.to_string()
        };
        out.push(d.into_bytes());
    }
    out
}

fn paste<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(paste_body(cx).await) })
}

async fn paste_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "d:sz",
        long: &[
            ("delimiters", 'd', true),
            ("serial", 's', false),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let (mut delims, mut serial, mut eol) = (vec![b"\t".to_vec()], false, b'\n');
    for opt in opts {
        match opt.flag {
            'd' => delims = delimiters(&opt.value.unwrap_or_default()),
            's' => serial = true,
            'z' => eol = 0,
            _ => {}
        }
    }
    if delims.is_empty() {
        delims.push(Vec::new());
    }
    let mut sources: Vec<Source> = Vec::new();
    for operand in operands_or_stdin(operands) {
        match open(cx, &operand).await {
            Ok(s) => sources.push(s),
            // GNU paste gives up when a file cannot be opened.
            Err(e) => return Ok(cx.fail_fs(&operand, &e).await),
        }
    }
    let mut out = OutBuf::new();
    if serial {
        for source in &mut sources {
            let input = source.input(cx.stdin);
            let mut first = true;
            let mut n = 0;
            while let Some(line) = input.until(eol).await {
                if !first {
                    out.push(&delims[n % delims.len()]);
                    n += 1;
                }
                first = false;
                out.push(chomp(line, eol));
                out.drain(cx.stdout).await?;
            }
            out.buf.push(eol);
        }
        out.flush(cx.stdout).await?;
        return Ok(0);
    }
    let mut done = vec![false; sources.len()];
    loop {
        let mut any = false;
        let line_start = out.buf.len();
        for (i, source) in sources.iter_mut().enumerate() {
            if i > 0 {
                out.push(&delims[(i - 1) % delims.len()]);
            }
            if done[i] {
                continue;
            }
            let input: &mut Input = source.input(cx.stdin);
            match input.until(eol).await {
                Some(line) => {
                    any = true;
                    out.push(chomp(line, eol));
                }
                None => done[i] = true,
            }
        }
        if !any {
            out.buf.truncate(line_start);
            break;
        }
        out.buf.push(eol);
        out.drain(cx.stdout).await?;
    }
    out.flush(cx.stdout).await?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    fn sys() -> MemSystem {
        let sys = MemSystem::default();
        sys.write_file("/workspace/p1", b"a\nb\nc\n", false)
            .unwrap();
        sys.write_file("/workspace/p2", b"1\n2\n", false).unwrap();
        sys
    }

    #[test]
    fn paste_parallel_and_serial() {
        let sys = sys();
        assert_eq!(
            run_on(&sys, "paste", &["p1", "p2"], "").stdout,
            "a\t1\nb\t2\nc\t\n"
        );
        assert_eq!(
            run_on(&sys, "paste", &["-d,", "p1", "p2", "p1"], "").stdout,
            "a,1,a\nb,2,b\nc,,c\n"
        );
        assert_eq!(
            run_on(&sys, "paste", &["-s", "p1", "p2"], "").stdout,
            "a\tb\tc\n1\t2\n"
        );
        assert_eq!(
            run_on(&sys, "paste", &["-s", "-d", ",\\n", "p1"], "").stdout,
            "a,b\nc\n"
        );
        assert_eq!(
            run_on(&sys, "paste", &["-d", "", "p1", "p2"], "").stdout,
            "a1\nb2\nc\n"
        );
        assert_eq!(
            run("paste", &["-", "-"], "x\ny\nz\nw\n").stdout,
            "x\ty\nz\tw\n"
        );
        assert_eq!(run("paste", &["-sd+"], "1\n2\n3\n").stdout, "1+2+3\n");
    }

    #[test]
    fn paste_missing_file() {
        let r = run_on(&sys(), "paste", &["p1", "nope"], "");
        assert_eq!(r.stderr, "paste: nope: No such file or directory\n");
        assert_eq!(r.status, 1);
    }
}
