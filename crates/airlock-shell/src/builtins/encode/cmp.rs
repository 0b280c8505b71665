//! `cmp`: compare two files byte by byte; exit 0 same, 1 different, 2 trouble.

use std::io::Write as _;

use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const CMP: Utility = Utility {
    name: "cmp",
    help: "Usage: cmp [OPTION]... FILE1 [FILE2 [SKIP1 [SKIP2]]]\n\
Compare two files byte by byte (FILE2 defaults to standard input). Exit status: 0 if\n\
the same, 1 if different, 2 on trouble.\n\
\n\
\x20 -b, --print-bytes          print the differing bytes\n\
\x20 -i, --ignore-initial=SKIP  skip SKIP bytes of both inputs (or SKIP1:SKIP2)\n\
\x20 -l, --verbose              print the byte number and octal values of every difference\n\
\x20 -n, --bytes=LIMIT          compare at most LIMIT bytes\n\
\x20 -s, --quiet, --silent      print nothing; only the exit status tells\n",
    run: cmp,
};

const SPEC: Spec<'static> = Spec {
    short: "bi:ln:s",
    long: &[
        ("print-bytes", 'b', false),
        ("ignore-initial", 'i', true),
        ("verbose", 'l', false),
        ("bytes", 'n', true),
        ("quiet", 's', false),
        ("silent", 's', false),
    ],
    stop_at_operand: false,
};

/// A byte count with GNU's suffixes (`kB` = 1000, `K`/`KiB` = 1024, ...).
fn count(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = s[..digits].parse().ok()?;
    let unit: u64 = match &s[digits..] {
        "" => 1,
        "kB" => 1000,
        "K" | "KiB" => 1024,
        "MB" => 1_000_000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "G" | "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(unit)
}

fn cmp<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let (opts, operands) = match parse(&cx.args, SPEC) {
            Ok(p) => p,
            Err(e) => return usage(cx, &e).await,
        };
        let (mut bytes, mut verbose, mut quiet) = (false, false, false);
        let mut limit = None;
        let mut skip = [0u64; 2];
        for opt in opts {
            let value = opt.value.unwrap_or_default();
            match opt.flag {
                'b' => bytes = true,
                'l' => verbose = true,
                's' => quiet = true,
                'n' => match count(&value) {
                    Some(n) => limit = Some(n),
                    None => return usage(cx, &format!("invalid --bytes value '{value}'")).await,
                },
                _ => {
                    let (s1, s2) = value.split_once(':').unwrap_or((&value, &value));
                    match (count(s1), count(s2)) {
                        (Some(a), Some(b)) => skip = [a, b],
                        _ => {
                            return usage(cx, &format!("invalid --ignore-initial value '{value}'"))
                                .await;
                        }
                    }
                }
            }
        }
        if operands.is_empty() {
            return usage(cx, "missing operand after 'cmp'").await;
        }
        if operands.len() > 4 {
            return usage(cx, &format!("extra operand '{}'", operands[4])).await;
        }
        for (k, extra) in operands.iter().skip(2).enumerate() {
            match count(extra) {
                Some(n) => skip[k] = n,
                None => {
                    return usage(cx, &format!("invalid --ignore-initial value '{extra}'")).await;
                }
            }
        }
        let names = [
            operands[0].clone(),
            operands.get(1).cloned().unwrap_or_else(|| "-".into()),
        ];
        let mut data = Vec::new();
        for name in &names {
            match cx.read_operand(name).await {
                Ok(d) => data.push(d),
                Err(e) => {
                    let _ = cx.fail_fs(name, &e).await;
                    return 2;
                }
            }
        }
        let view = |k: usize| {
            let d = &data[k];
            let start = (skip[k].min(d.len() as u64)) as usize;
            let end = limit.map_or(d.len(), |l| (start as u64 + l).min(d.len() as u64) as usize);
            &d[start..end]
        };
        let (a, b) = (view(0), view(1));
        let common = a.len().min(b.len());
        let mut out = Vec::new();
        let mut differ = false;
        if verbose {
            let width = (common.max(1)).to_string().len();
            for (i, (&x, &y)) in a.iter().zip(b).enumerate() {
                if x != y {
                    differ = true;
                    if quiet {
                        break;
                    }
                    if bytes {
                        let _ = writeln!(
                            out,
                            "{:>width$} {x:3o} {:<4} {y:3o} {}",
                            i + 1,
                            show(x),
                            show(y)
                        );
                    } else {
                        let _ = writeln!(out, "{:>width$} {x:3o} {y:3o}", i + 1);
                    }
                }
            }
        } else if let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) {
            if !quiet {
                let line = 1 + memchr::memchr_iter(b'\n', &a[..i]).count();
                let _ = write!(
                    out,
                    "{} {} differ: byte {}, line {line}",
                    names[0],
                    names[1],
                    i + 1
                );
                if bytes {
                    let _ = write!(
                        out,
                        " is {:3o} {} {:3o} {}",
                        a[i],
                        show(a[i]),
                        b[i],
                        show(b[i])
                    );
                }
                out.push(b'\n');
            }
            out!(cx, &out);
            return 1;
        }
        out!(cx, &out);
        if a.len() != b.len() {
            if !quiet {
                let short = if a.len() < b.len() {
                    &names[0]
                } else {
                    &names[1]
                };
                let message = if common == 0 {
                    format!("EOF on {short} which is empty")
                } else if verbose {
                    format!("EOF on {short} after byte {common}")
                } else {
                    let line = 1 + memchr::memchr_iter(b'\n', &a[..common]).count();
                    format!("EOF on {short} after byte {common}, in line {line}")
                };
                let _ = cx.fail(1, message).await;
            }
            return 1;
        }
        i32::from(differ)
    })
}

/// A byte as `cmp -b` shows it: itself if printable, else `^X` / `M-x` notation.
fn show(b: u8) -> String {
    let (meta, c) = if b >= 128 { ("M-", b - 128) } else { ("", b) };
    match c {
        0..=31 => format!("{meta}^{}", (c + 64) as char),
        127 => format!("{meta}^?"),
        _ => format!("{meta}{}", c as char),
    }
}

async fn usage(cx: &mut Cmd<'_>, message: &str) -> i32 {
    cx.fail(
        2,
        format!("{message}\ncmp: Try 'cmp --help' for more information."),
    )
    .await
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::run_on;

    fn sys() -> MemSystem {
        let sys = MemSystem::default();
        for (name, text) in [
            ("1", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"),
            ("2", "a\nB\nc\nd\ne\nf\ng\nh\nX\ni\nj\n"),
            ("c1", "abc"),
            ("c2", "abcdef"),
            ("e", ""),
        ] {
            sys.write_file(&format!("/workspace/{name}"), text.as_bytes(), false)
                .unwrap();
        }
        sys
    }

    /// `(stdout, stderr, status)` of `cmp args`.
    fn cmp(args: &[&str], stdin: &str) -> (String, String, i32) {
        let r = run_on(&sys(), "cmp", args, stdin);
        (r.stdout, r.stderr, r.status)
    }

    #[test]
    fn first_difference_like_gnu() {
        // Expected outputs from GNU diffutils 3.8.
        assert_eq!(cmp(&["1", "2"], "").0, "1 2 differ: byte 3, line 2\n");
        assert_eq!(cmp(&["1", "2"], "").2, 1);
        assert_eq!(cmp(&["1", "1"], ""), (String::new(), String::new(), 0));
        assert_eq!(
            cmp(&["-s", "1", "2"], ""),
            (String::new(), String::new(), 1)
        );
        assert_eq!(
            cmp(&["-b", "1", "2"], "").0,
            "1 2 differ: byte 3, line 2 is 142 b 102 B\n"
        );
        assert_eq!(cmp(&["-", "2"], "a\nb\n").0, "- 2 differ: byte 3, line 2\n");
        assert_eq!(
            cmp(&["-i", "2", "1", "2"], "").0,
            "1 2 differ: byte 1, line 1\n"
        );
        assert_eq!(
            cmp(&["1", "2", "2", "3"], "").0,
            "1 2 differ: byte 1, line 1\n"
        );
        assert_eq!(cmp(&["-n", "1", "1", "2"], "").2, 0);
    }

    #[test]
    fn verbose_lists_every_difference() {
        assert_eq!(
            cmp(&["-l", "1", "2"], "").0,
            " 3 142 102\n17 151 130\n19 152 151\n21 153 152\n"
        );
        assert_eq!(
            cmp(&["-lb", "1", "2"], "").0,
            " 3 142 b    102 B\n17 151 i    130 X\n19 152 j    151 i\n21 153 k    152 j\n"
        );
    }

    #[test]
    fn eof_messages() {
        let (out, err, status) = cmp(&["c1", "c2"], "");
        assert_eq!(
            (out.as_str(), err.as_str(), status),
            ("", "cmp: EOF on c1 after byte 3, in line 1\n", 1)
        );
        assert_eq!(
            cmp(&["c2", "c1"], "").1,
            "cmp: EOF on c1 after byte 3, in line 1\n"
        );
        assert_eq!(
            cmp(&["-l", "c1", "c2"], "").1,
            "cmp: EOF on c1 after byte 3\n"
        );
        assert_eq!(cmp(&["e", "c1"], "").1, "cmp: EOF on e which is empty\n");
        assert_eq!(cmp(&["-s", "e", "c1"], "").1, "");
    }

    #[test]
    fn trouble_is_status_2() {
        assert_eq!(
            cmp(&["1", "nofile"], "").1,
            "cmp: nofile: No such file or directory\n"
        );
        assert_eq!(cmp(&["1", "nofile"], "").2, 2);
        let (_, err, status) = cmp(&[], "");
        assert_eq!(status, 2);
        assert_eq!(
            err,
            "cmp: missing operand after 'cmp'\ncmp: Try 'cmp --help' for more information.\n"
        );
        assert_eq!(cmp(&["--nope", "1"], "").2, 2);
    }
}
