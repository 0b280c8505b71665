//! `cut`: selected fields, bytes or characters of each line. As in GNU, `-c` counts bytes.

use super::{Body, OutBuf, chomp, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const CUT: Utility = Utility {
    name: "cut",
    help: "Usage: cut OPTION... [FILE]...
Print selected parts of lines from each FILE to standard output.
  -b, --bytes=LIST        select only these bytes
  -c, --characters=LIST   select only these characters (bytes, as in GNU)
  -d, --delimiter=DELIM   use DELIM instead of TAB for field delimiter
  -f, --fields=LIST       select only these fields; also print any line without a delimiter, unless -s
  -n                      (ignored)
      --complement        complement the set of selected bytes, characters or fields
  -s, --only-delimited    do not print lines not containing delimiters
      --output-delimiter=STRING  use STRING as the output delimiter
  -z, --zero-terminated   line delimiter is NUL, not newline
LIST is one or more ranges separated by commas: N, N-, N-M, -M.
",
    run: cut,
};

/// A parsed LIST: sorted spans of 1-based positions, overlapping ones merged (adjacent ones
/// stay apart: the output delimiter goes between them, as in GNU).
#[derive(Debug, Clone)]
pub(super) struct Ranges {
    /// Inclusive; `usize::MAX` for an open end (`N-`).
    spans: Vec<(usize, usize)>,
    /// `picked[i]`: position i is selected, for positions up to the last finite bound.
    picked: Vec<bool>,
    /// Every position from here on is selected.
    open_from: Option<usize>,
}

impl Ranges {
    /// Parses `1,3-5,7-` the way GNU does, with its messages.
    pub(super) fn parse(list: &str) -> Result<Self, String> {
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for part in list.split([',', ' ']) {
            if part.is_empty() {
                return Err("fields and positions are numbered from 1".into());
            }
            let number = |s: &str| -> Result<usize, String> {
                match s.parse::<usize>() {
                    Ok(0) => Err("fields and positions are numbered from 1".into()),
                    Ok(n) => Ok(n),
                    Err(_) => Err(format!("invalid field value '{s}'")),
                }
            };
            let span = match part.split_once('-') {
                None => {
                    let n = number(part)?;
                    (n, n)
                }
                Some(("", "")) => return Err("invalid range with no endpoint: -".into()),
                Some(("", hi)) => (1, number(hi)?),
                Some((lo, "")) => (number(lo)?, usize::MAX),
                Some((lo, hi)) => {
                    let (lo, hi) = (number(lo)?, number(hi)?);
                    if hi < lo {
                        return Err("invalid decreasing range".into());
                    }
                    (lo, hi)
                }
            };
            spans.push(span);
        }
        Ok(Self::from_spans(spans))
    }

    fn from_spans(mut spans: Vec<(usize, usize)>) -> Self {
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            match merged.last_mut() {
                Some(last) if last.1 >= lo => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        let open_from = merged.last().filter(|s| s.1 == usize::MAX).map(|s| s.0);
        let finite_max = merged
            .iter()
            .filter(|s| s.1 != usize::MAX)
            .map(|s| s.1)
            .max()
            .unwrap_or(0);
        let mut picked = vec![false; finite_max + 1];
        for &(lo, hi) in &merged {
            if hi != usize::MAX {
                picked[lo..=hi].iter_mut().for_each(|p| *p = true);
            }
        }
        Self {
            spans: merged,
            picked,
            open_from,
        }
    }

    /// The positions not selected (`--complement`).
    pub(super) fn complement(&self) -> Self {
        let mut spans = Vec::new();
        let mut next = 1;
        for &(lo, hi) in &self.spans {
            if lo > next {
                spans.push((next, lo - 1));
            }
            next = hi.saturating_add(1);
        }
        if next != usize::MAX && self.spans.last().is_none_or(|s| s.1 != usize::MAX) {
            spans.push((next, usize::MAX));
        }
        Self::from_spans(spans)
    }

    pub(super) fn contains(&self, pos: usize) -> bool {
        self.open_from.is_some_and(|from| pos >= from)
            || self.picked.get(pos).copied().unwrap_or(false)
    }

    /// No position past this one is selected (`None`: unbounded).
    fn last(&self) -> Option<usize> {
        match self.open_from {
            Some(_) => None,
            None => Some(self.picked.len().saturating_sub(1)),
        }
    }
}

#[derive(Debug)]
enum Mode {
    Bytes,
    Fields { delim: u8, only_delimited: bool },
}

#[derive(Debug)]
struct Cut {
    mode: Mode,
    ranges: Ranges,
    out_delim: Vec<u8>,
}

impl Cut {
    /// Appends the line's selected parts to `out`; `false` when the line is suppressed (`-s`).
    fn line(&self, line: &[u8], out: &mut Vec<u8>) -> bool {
        match self.mode {
            Mode::Bytes => {
                let mut first = true;
                for &(lo, hi) in &self.ranges.spans {
                    if lo > line.len() {
                        break;
                    }
                    if !first {
                        out.extend_from_slice(&self.out_delim);
                    }
                    out.extend_from_slice(&line[lo - 1..hi.min(line.len())]);
                    first = false;
                }
                true
            }
            Mode::Fields {
                delim,
                only_delimited,
            } => {
                if memchr::memchr(delim, line).is_none() {
                    if !only_delimited {
                        out.extend_from_slice(line);
                    }
                    return !only_delimited;
                }
                let limit = self.ranges.last();
                let mut first = true;
                for (i, field) in line.split(|&b| b == delim).enumerate() {
                    if limit.is_some_and(|l| i >= l) {
                        break;
                    }
                    if self.ranges.contains(i + 1) {
                        if !first {
                            out.extend_from_slice(&self.out_delim);
                        }
                        out.extend_from_slice(field);
                        first = false;
                    }
                }
                true
            }
        }
    }
}

fn cut<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(cut_body(cx).await) })
}

async fn cut_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "b:c:d:f:nsz",
        long: &[
            ("bytes", 'b', true),
            ("characters", 'c', true),
            ("delimiter", 'd', true),
            ("fields", 'f', true),
            ("only-delimited", 's', false),
            ("complement", 'C', false),
            ("output-delimiter", 'O', true),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut list: Option<(char, String)> = None;
    let mut delim: Option<String> = None;
    let (mut only_delimited, mut complement, mut zero) = (false, false, false);
    let mut out_delim: Option<String> = None;
    for opt in opts {
        match opt.flag {
            'b' | 'c' | 'f' => {
                if list.is_some() {
                    return Ok(cx.usage("only one type of list may be specified").await);
                }
                list = Some((opt.flag, opt.value.unwrap_or_default()));
            }
            'd' => delim = opt.value,
            's' => only_delimited = true,
            'C' => complement = true,
            'O' => out_delim = opt.value,
            'z' => zero = true,
            _ => {}
        }
    }
    let Some((kind, list)) = list else {
        return Ok(cx
            .usage("you must specify a list of bytes, characters, or fields")
            .await);
    };
    let ranges = match Ranges::parse(&list) {
        Ok(r) => r,
        Err(message) => return Ok(cx.usage(message).await),
    };
    let mode = if kind == 'f' {
        let d = delim.unwrap_or_else(|| "\t".to_string());
        if d.len() != 1 {
            return Ok(cx.usage("the delimiter must be a single character").await);
        }
        Mode::Fields {
            delim: d.as_bytes()[0],
            only_delimited,
        }
    } else {
        if delim.is_some() {
            return Ok(cx
                .usage("an input delimiter may be specified only when operating on fields")
                .await);
        }
        if only_delimited {
            return Ok(cx
                .usage(
                    "suppressing non-delimited lines makes sense\n\tonly when operating on fields",
                )
                .await);
        }
        Mode::Bytes
    };
    let out_delim = match (&mode, out_delim) {
        (_, Some(d)) => d.into_bytes(),
        (Mode::Fields { delim, .. }, None) => vec![*delim],
        (Mode::Bytes, None) => Vec::new(),
    };
    let ranges = if complement {
        ranges.complement()
    } else {
        ranges
    };
    let cut = Cut {
        mode,
        ranges,
        out_delim,
    };
    let eol = if zero { 0 } else { b'\n' };
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
        while let Some(line) = input.until(eol).await {
            if cut.line(chomp(line, eol), &mut out.buf) {
                out.buf.push(eol);
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
    fn cut_fields() {
        let input = "a:b:c:d\nno delim\ne:f\n";
        assert_eq!(
            run("cut", &["-d:", "-f2"], input).stdout,
            "b\nno delim\nf\n"
        );
        assert_eq!(
            run("cut", &["-d", ":", "-f", "1,3-"], input).stdout,
            "a:c:d\nno delim\ne\n"
        );
        assert_eq!(
            run("cut", &["-d:", "-f-2", "-s"], input).stdout,
            "a:b\ne:f\n"
        );
        assert_eq!(
            run("cut", &["-d:", "-f2", "--complement"], input).stdout,
            "a:c:d\nno delim\ne\n"
        );
        assert_eq!(
            run("cut", &["-d:", "-f1,2", "--output-delimiter= | "], input).stdout,
            "a | b\nno delim\ne | f\n"
        );
        assert_eq!(run("cut", &["-f2"], "x\ty\tz\n").stdout, "y\n");
        assert_eq!(run("cut", &["-d,", "-f3"], "a,b\n").stdout, "\n");
        assert_eq!(run("cut", &["-d", " ", "-f2"], "a  b\n").stdout, "\n");
    }

    #[test]
    fn cut_bytes() {
        assert_eq!(run("cut", &["-c1-3"], "abcdef\nxy\n").stdout, "abc\nxy\n");
        assert_eq!(run("cut", &["-b", "2,4-"], "abcdef\n").stdout, "bdef\n");
        assert_eq!(
            run("cut", &["-c", "-2", "--complement"], "abcdef\n").stdout,
            "cdef\n"
        );
        assert_eq!(
            run("cut", &["-c1,3", "--output-delimiter=,"], "abc\n").stdout,
            "a,c\n"
        );
        assert_eq!(
            run("cut", &["-c1,2", "--output-delimiter=,"], "abcdef\n").stdout,
            "a,b\n"
        );
        assert_eq!(
            run("cut", &["-c1-2,3", "--output-delimiter=,"], "abcdef\n").stdout,
            "ab,c\n"
        );
        assert_eq!(
            run(
                "cut",
                &["-c2,4", "--complement", "--output-delimiter=,"],
                "abcdef\n"
            )
            .stdout,
            "a,c,ef\n"
        );
        assert_eq!(run("cut", &["-c2"], "ab").stdout, "b\n");
    }

    #[test]
    fn cut_errors() {
        let r = run("cut", &[], "");
        assert_eq!(r.status, 2);
        assert!(
            r.stderr
                .starts_with("cut: you must specify a list of bytes, characters, or fields\n")
        );
        assert!(
            run("cut", &["-f", "3-1"], "")
                .stderr
                .starts_with("cut: invalid decreasing range\n")
        );
        assert!(
            run("cut", &["-f", "0"], "")
                .stderr
                .starts_with("cut: fields and positions are numbered from 1\n")
        );
        assert!(
            run("cut", &["-d", "ab", "-f1"], "")
                .stderr
                .starts_with("cut: the delimiter must be a single character\n")
        );
        let sys = MemSystem::default();
        sys.write_file("/workspace/f", b"a\tb\n", false).unwrap();
        let r = run_on(&sys, "cut", &["-f2", "x", "f"], "");
        assert_eq!(r.stdout, "b\n");
        assert_eq!(r.stderr, "cut: x: No such file or directory\n");
        assert_eq!(r.status, 1);
    }

    #[test]
    fn cut_large_input() {
        let input: String = (0..100_000).map(|i| format!("{i},x,{i}\n")).collect();
        let r = run("cut", &["-d,", "-f3"], &input);
        assert_eq!(r.stdout.lines().count(), 100_000);
        assert!(r.stdout.ends_with("99999\n"));
    }
}
