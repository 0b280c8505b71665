//! `uniq`: collapse adjacent equal lines, streaming with one line held back.

use super::{Body, OutBuf, chomp, open, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const UNIQ: Utility = Utility {
    name: "uniq",
    help: "Usage: uniq [OPTION]... [INPUT [OUTPUT]]
Filter adjacent matching lines from INPUT (or standard input), writing to OUTPUT (or standard output).
  -c, --count           prefix lines by the number of occurrences
  -d, --repeated        only print duplicate lines, one for each group
  -D, --all-repeated    print all duplicate lines
  -f, --skip-fields=N   avoid comparing the first N fields
  -i, --ignore-case     ignore differences in case when comparing
  -s, --skip-chars=N    avoid comparing the first N characters
  -u, --unique          only print unique lines
  -w, --check-chars=N   compare no more than N characters in lines
  -z, --zero-terminated line delimiter is NUL, not newline
",
    run: uniq,
};

#[derive(Debug, Default)]
struct Compare {
    skip_fields: usize,
    skip_chars: usize,
    check_chars: Option<usize>,
    ignore_case: bool,
}

impl Compare {
    /// The part of a line that is compared.
    fn key<'l>(&self, line: &'l [u8]) -> &'l [u8] {
        let mut p = 0;
        for _ in 0..self.skip_fields {
            while p < line.len() && super::is_blank(line[p]) {
                p += 1;
            }
            while p < line.len() && !super::is_blank(line[p]) {
                p += 1;
            }
        }
        p = (p + self.skip_chars).min(line.len());
        let end = self
            .check_chars
            .map_or(line.len(), |n| (p + n).min(line.len()));
        &line[p..end]
    }

    fn same(&self, a: &[u8], b: &[u8]) -> bool {
        let (a, b) = (self.key(a), self.key(b));
        if self.ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }
}

#[derive(Debug, Default)]
struct Show {
    count: bool,
    repeated: bool,
    all_repeated: bool,
    unique: bool,
}

fn uniq<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(uniq_body(cx).await) })
}

async fn uniq_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "cdDf:is:uw:z",
        long: &[
            ("count", 'c', false),
            ("repeated", 'd', false),
            ("all-repeated", 'D', false),
            ("skip-fields", 'f', true),
            ("ignore-case", 'i', false),
            ("skip-chars", 's', true),
            ("unique", 'u', false),
            ("check-chars", 'w', true),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut cmp = Compare::default();
    let mut show = Show::default();
    let mut delim = b'\n';
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        let number = |what: &str| {
            value
                .parse::<usize>()
                .map_err(|_| format!("{value}: invalid number of {what}"))
        };
        let parsed = match opt.flag {
            'f' => number("fields to skip").map(|n| cmp.skip_fields = n),
            's' => number("bytes to skip").map(|n| cmp.skip_chars = n),
            'w' => number("bytes to compare").map(|n| cmp.check_chars = Some(n)),
            flag => {
                match flag {
                    'c' => show.count = true,
                    'd' => show.repeated = true,
                    'D' => show.all_repeated = true,
                    'u' => show.unique = true,
                    'i' => cmp.ignore_case = true,
                    'z' => delim = 0,
                    _ => {}
                }
                Ok(())
            }
        };
        if let Err(m) = parsed {
            return Ok(cx.fail(1, m).await);
        }
    }
    if show.count && show.all_repeated {
        return Ok(cx
            .usage("printing all duplicated lines and repeat counts is meaningless")
            .await);
    }
    if operands.len() > 2 {
        return Ok(cx.usage(format!("extra operand '{}'", operands[2])).await);
    }
    let input_name = operands.first().cloned().unwrap_or_else(|| "-".to_string());
    let mut source = match open(cx, &input_name).await {
        Ok(s) => s,
        Err(e) => return Ok(cx.fail_fs(&input_name, &e).await),
    };
    let to_file = operands
        .get(1)
        .filter(|o| o.as_str() != "-")
        .map(|o| (o.clone(), cx.path(o)));
    let mut out = OutBuf::new();
    let mut file_text = Vec::new();
    let input = source.input(cx.stdin);
    let mut held: Vec<u8> = Vec::new();
    let mut held_count: u64 = 0;
    while let Some(line) = input.until(delim).await {
        let line = chomp(line, delim);
        if held_count > 0 && cmp.same(&held, line) {
            held_count += 1;
            if show.all_repeated {
                if held_count == 2 {
                    emit(&mut out.buf, &held, 0, delim);
                }
                emit(&mut out.buf, line, 0, delim);
            }
        } else {
            if held_count > 0 && !show.all_repeated {
                group(&mut out.buf, &held, held_count, &show, delim);
            }
            held.clear();
            held.extend_from_slice(line);
            held_count = 1;
        }
        if to_file.is_some() {
            file_text.append(&mut out.buf);
        } else {
            out.drain(cx.stdout).await?;
        }
    }
    if held_count > 0 && !show.all_repeated {
        group(&mut out.buf, &held, held_count, &show, delim);
    }
    if let Some((name, path)) = to_file {
        file_text.append(&mut out.buf);
        if let Err(e) = cx.sys.write_file(&path, &file_text, false) {
            return Ok(cx.fail_fs(&name, &e).await);
        }
    }
    out.flush(cx.stdout).await?;
    Ok(0)
}

/// Prints a finished group of `count` equal lines, if the filters want it.
fn group(out: &mut Vec<u8>, line: &[u8], count: u64, show: &Show, delim: u8) {
    let repeated = count > 1;
    if (show.repeated && !repeated) || (show.unique && repeated) {
        return;
    }
    emit(out, line, if show.count { count } else { 0 }, delim);
}

fn emit(out: &mut Vec<u8>, line: &[u8], count: u64, delim: u8) {
    if count > 0 {
        out.extend_from_slice(format!("{count:>7} ").as_bytes());
    }
    out.extend_from_slice(line);
    out.push(delim);
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    #[test]
    fn uniq_collapses_and_counts() {
        let input = "a\na\nb\nc\nc\nc\na";
        assert_eq!(run("uniq", &[], input).stdout, "a\nb\nc\na\n");
        assert_eq!(
            run("uniq", &["-c"], input).stdout,
            "      2 a\n      1 b\n      3 c\n      1 a\n"
        );
        assert_eq!(run("uniq", &["-d"], input).stdout, "a\nc\n");
        assert_eq!(
            run("uniq", &["-cd"], input).stdout,
            "      2 a\n      3 c\n"
        );
        assert_eq!(run("uniq", &["-u"], input).stdout, "b\na\n");
        assert_eq!(run("uniq", &["-D"], input).stdout, "a\na\nc\nc\nc\n");
        assert_eq!(run("uniq", &["-i"], "A\na\nb\n").stdout, "A\nb\n");
    }

    #[test]
    fn uniq_skips_fields_and_chars() {
        assert_eq!(
            run("uniq", &["-f1"], "1 x\n2 x\n3 y\n").stdout,
            "1 x\n3 y\n"
        );
        assert_eq!(
            run("uniq", &["-s2"], "aax\nbbx\nccy\n").stdout,
            "aax\nccy\n"
        );
        assert_eq!(run("uniq", &["-w2"], "abx\naby\nac\n").stdout, "abx\nac\n");
        let r = run("uniq", &["-f", "x"], "");
        assert_eq!(r.stderr, "uniq: x: invalid number of fields to skip\n");
        assert_eq!(r.status, 1);
    }

    #[test]
    fn uniq_files() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/in", b"a\na\n", false).unwrap();
        let r = run_on(&sys, "uniq", &["in", "out"], "");
        assert_eq!(r.stdout, "");
        assert_eq!(sys.read_file("/workspace/out").unwrap(), b"a\n");
        let r = run_on(&sys, "uniq", &["nope"], "");
        assert_eq!(r.stderr, "uniq: nope: No such file or directory\n");
        assert_eq!(r.status, 1);
    }

    #[test]
    fn uniq_large_input() {
        let input: String = (0..100_000).map(|i| format!("{}\n", i / 3)).collect();
        let r = run("uniq", &["-c"], &input);
        assert_eq!(r.stdout.lines().count(), 33_334);
        assert!(r.stdout.starts_with("      3 0\n"));
    }
}
