//! `diff`: compare two files line by line. Exit 0 if the same, 1 if different, 2 on trouble.

mod myers;
mod output;

use std::collections::HashMap;

use super::calendar::full_time;
use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const DIFF: Utility = Utility {
    name: "diff",
    help: "Usage: diff [OPTION]... FILE1 FILE2\n\
Compare two files line by line (`-` is standard input). Exit status: 0 if the same,\n\
1 if different, 2 on trouble.\n\
\n\
\x20 -u, -U NUM, --unified[=NUM]  unified format with NUM (default 3) lines of context\n\
\x20 -q, --brief                  only say whether the files differ\n\
\x20 -s, --report-identical-files say when the files are the same\n\
\x20 -i, --ignore-case            ignore case differences\n\
\x20 -b, --ignore-space-change    ignore changes in the amount of white space\n\
\x20 -w, --ignore-all-space       ignore all white space\n\
\x20     --strip-trailing-cr      strip a carriage return at the end of lines\n\
\x20 -a, --text                   compare binary files as text\n\
\x20 -L, --label=LABEL            use LABEL instead of a file name in headers (twice: both)\n",
    run: diff,
};

const SPEC: Spec<'static> = Spec {
    short: "uU:qsibwaL:rcCyN",
    long: &[
        ("unified", 'U', false),
        ("brief", 'q', false),
        ("report-identical-files", 's', false),
        ("ignore-case", 'i', false),
        ("ignore-space-change", 'b', false),
        ("ignore-all-space", 'w', false),
        ("strip-trailing-cr", 'R', false),
        ("text", 'a', false),
        ("label", 'L', true),
        ("recursive", 'r', false),
        ("context", 'c', false),
        ("side-by-side", 'y', false),
        ("new-file", 'N', false),
    ],
    stop_at_operand: false,
};

/// How lines are compared.
#[derive(Debug, Default, Clone, Copy)]
struct Compare {
    case: bool,
    space_change: bool,
    all_space: bool,
    strip_cr: bool,
}

impl Compare {
    fn is_exact(&self) -> bool {
        !(self.case || self.space_change || self.all_space || self.strip_cr)
    }

    /// The form of `line` that equality is decided on.
    fn key(&self, line: &[u8]) -> Vec<u8> {
        let mut l = line;
        if self.strip_cr {
            if let Some(body) = l.strip_suffix(b"\r\n") {
                let mut v = body.to_vec();
                v.push(b'\n');
                return self.normalise(&v);
            }
            l = l.strip_suffix(b"\r").unwrap_or(l);
        }
        self.normalise(l)
    }

    fn normalise(&self, line: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(line.len());
        let mut in_space = false;
        for &c in line {
            let c = if self.case { c.to_ascii_lowercase() } else { c };
            let space = c.is_ascii_whitespace() && c != b'\n';
            if space && self.all_space {
                continue;
            }
            if space && self.space_change {
                in_space = true;
                continue;
            }
            if in_space {
                // `-b`: a run of blanks counts as one, and trailing blanks not at all.
                if c != b'\n' {
                    out.push(b' ');
                }
                in_space = false;
            }
            out.push(c);
        }
        out
    }
}

fn diff<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let args = expand_unified(&cx.args);
        let (opts, operands) = match parse(&args, SPEC) {
            Ok(p) => p,
            Err(e) => return usage(cx, &e).await,
        };
        let mut context = None;
        let mut brief = false;
        let mut identical = false;
        let mut text = false;
        let mut cmp = Compare::default();
        let mut labels = Vec::new();
        for opt in opts {
            match opt.flag {
                'u' => context = Some(context.unwrap_or(3)),
                'U' => {
                    let value = opt.value.unwrap_or_else(|| "3".to_string());
                    let Ok(n) = value.parse::<usize>() else {
                        return usage(cx, &format!("invalid context length '{value}'")).await;
                    };
                    context = Some(n);
                }
                'q' => brief = true,
                's' => identical = true,
                'i' => cmp.case = true,
                'b' => cmp.space_change = true,
                'w' => cmp.all_space = true,
                'R' => cmp.strip_cr = true,
                'a' => text = true,
                'L' => labels.push(opt.value.unwrap_or_default()),
                c => {
                    let what = match c {
                        'r' => "-r (comparing directories)",
                        'c' | 'C' => "-c (context format; use -u)",
                        'y' => "-y (side by side; use -u)",
                        _ => "-N (absent files as empty)",
                    };
                    return cx.fail(2, format!("{what} is not supported")).await;
                }
            }
        }
        let [first, second] = operands.as_slice() else {
            let message = match operands.len() {
                0 => "missing operand after 'diff'".to_string(),
                1 => format!("missing operand after '{}'", operands[0]),
                _ => format!("extra operand '{}'", operands[2]),
            };
            return usage(cx, &message).await;
        };
        let mut names = [first.clone(), second.clone()];
        if let Some(status) = resolve_directories(cx, &mut names).await {
            return status;
        }
        let mut files = Vec::new();
        let mut stamps = Vec::new();
        for name in &names {
            match cx.read_operand(name).await {
                Ok(data) => files.push(data),
                Err(e) => {
                    let _ = cx.fail_fs(name, &e).await;
                    return 2;
                }
            }
            let ms = if name == "-" {
                cx.sys.now_ms()
            } else {
                cx.sys.stat(&cx.path(name)).map_or(0, |i| i.mtime_ms)
            };
            stamps.push(full_time(ms as i64));
        }
        let binary = !text && files.iter().any(|f| is_binary(f));
        let changes = if files[0] == files[1] {
            Vec::new()
        } else if binary || (brief && cmp.is_exact()) {
            // Different bytes are all these need to know.
            vec![output::Change {
                a: 0,
                del: 0,
                b: 0,
                ins: 0,
            }]
        } else {
            let (ia, ib) = intern(&cmp, &split_lines(&files[0]), &split_lines(&files[1]));
            output::changes(&myers::diff(&ia, &ib))
        };
        if changes.is_empty() {
            if identical {
                let line = format!("Files {} and {} are identical\n", names[0], names[1]);
                out!(cx, line.as_bytes());
            }
            return 0;
        }
        if brief || binary {
            let kind = if binary { "Binary files" } else { "Files" };
            let line = format!("{kind} {} and {} differ\n", names[0], names[1]);
            out!(cx, line.as_bytes());
            return 1;
        }
        let a = split_lines(&files[0]);
        let b = split_lines(&files[1]);
        let mut buf = Vec::new();
        match context {
            Some(n) => {
                for (k, (mark, name)) in [("---", &names[0]), ("+++", &names[1])].iter().enumerate()
                {
                    let label = labels
                        .get(k)
                        .cloned()
                        .unwrap_or_else(|| format!("{name}\t{}", stamps[k]));
                    buf.extend_from_slice(format!("{mark} {label}\n").as_bytes());
                }
                output::unified(&a, &b, &changes, n, &mut buf);
            }
            None => output::normal(&a, &b, &changes, &mut buf),
        }
        out!(cx, &buf);
        1
    })
}

/// GNU's `Try 'diff --help'` line carries the program name too; usage errors exit 2.
async fn usage(cx: &mut Cmd<'_>, message: &str) -> i32 {
    cx.fail(
        2,
        format!("{message}\ndiff: Try 'diff --help' for more information."),
    )
    .await
}

/// `-U3`, `-U 3`, `--unified=3` take a value, but `-u` and `--unified` alone do not: the
/// shared parser has no optional values, so `--unified` alone is rewritten to `-u`.
fn expand_unified(args: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| {
            if a == "--unified" {
                "-u".to_string()
            } else if let Some(n) = a.strip_prefix("--unified=") {
                format!("-U{n}")
            } else {
                a.clone()
            }
        })
        .collect()
}

/// `diff FILE DIR` compares FILE with DIR/FILE, as GNU does; two directories are refused.
async fn resolve_directories(cx: &mut Cmd<'_>, names: &mut [String; 2]) -> Option<i32> {
    let is_dir =
        |cx: &Cmd<'_>, n: &str| n != "-" && cx.sys.stat(&cx.path(n)).is_ok_and(|i| i.is_dir);
    let dirs = [is_dir(cx, &names[0]), is_dir(cx, &names[1])];
    match dirs {
        [true, true] => Some(
            cx.fail(2, "comparing directories (-r) is not supported")
                .await,
        ),
        [true, false] | [false, true] => {
            let (d, f) = if dirs[0] { (0, 1) } else { (1, 0) };
            let base = crate::path::base_name(&names[f]).to_string();
            names[d] = format!("{}/{base}", names[d].trim_end_matches('/'));
            None
        }
        _ => None,
    }
}

/// GNU's test: a NUL byte early in the file.
fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(32 * 1024)]).is_some()
}

fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', data) {
        lines.push(&data[start..=end]);
        start = end + 1;
    }
    if start < data.len() {
        lines.push(&data[start..]);
    }
    lines
}

/// Numbers the distinct lines (by their comparison key) so the algorithm compares integers.
fn intern<'a>(cmp: &Compare, a: &[&'a [u8]], b: &[&'a [u8]]) -> (Vec<u32>, Vec<u32>) {
    let mut next = 0u32;
    let mut fresh = || {
        next += 1;
        next - 1
    };
    if cmp.is_exact() {
        // Keyed by the lines themselves: no copy per line in the common case.
        let mut ids: HashMap<&'a [u8], u32> = HashMap::new();
        let mut id = |l: &'a [u8]| *ids.entry(l).or_insert_with(&mut fresh);
        let ia = a.iter().map(|l| id(l)).collect();
        let ib = b.iter().map(|l| id(l)).collect();
        return (ia, ib);
    }
    let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
    let mut id = |l: &[u8]| *ids.entry(cmp.key(l)).or_insert_with(&mut fresh);
    let ia = a.iter().map(|l| id(l)).collect();
    let ib = b.iter().map(|l| id(l)).collect();
    (ia, ib)
}

#[cfg(test)]
mod tests;
