//! `sort`: GNU's keys and orders over byte comparison (`LC_ALL=C`). Keys are located once per
//! line before sorting, so a comparison only compares.

mod key;
mod numbers;

use std::cmp::Ordering;

use super::{Body, OutBuf, operands_or_stdin, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, STATUS_USAGE, Utility};
use crate::exec::LocalBoxFuture;
use key::{Key, Order};

pub(in super::super) const SORT: Utility = Utility {
    name: "sort",
    help: "Usage: sort [OPTION]... [FILE]...
Write sorted concatenation of all FILE(s) to standard output (byte order, as with LC_ALL=C).
  -b, --ignore-leading-blanks  ignore leading blanks
  -d, --dictionary-order      consider only blanks and alphanumeric characters
  -f, --ignore-case           fold lower case to upper case characters
  -g, --general-numeric-sort  compare according to general numerical value
  -i, --ignore-nonprinting    consider only printable characters
  -M, --month-sort            compare (unknown) < 'JAN' < ... < 'DEC'
  -h, --human-numeric-sort    compare human readable numbers (e.g., 2K 1G)
  -n, --numeric-sort          compare according to string numerical value
  -R, --random-sort           shuffle, but group identical keys
  -r, --reverse               reverse the result of comparisons
  -V, --version-sort          natural sort of (version) numbers within text
      --sort=WORD             general-numeric -g, human-numeric -h, month -M, numeric -n, random -R, version -V
  -c, --check                 check for sorted input; do not sort
  -C                          like -c, but do not report first bad line
  -k, --key=KEYDEF            sort via a key; KEYDEF is F[.C][OPTS][,F[.C][OPTS]]
  -m, --merge                 merge already sorted files (sorted all the same here)
  -o, --output=FILE           write result to FILE instead of standard output
  -s, --stable                stabilize sort by disabling last-resort comparison
  -t, --field-separator=SEP   use SEP instead of non-blank to blank transition
  -u, --unique                output only the first of an equal run
  -z, --zero-terminated       line delimiter is NUL, not newline
  -S, -T, --parallel          accepted and ignored
",
    run: sort,
};

/// A validated invocation.
#[derive(Debug)]
struct Config {
    keys: Vec<Key>,
    tab: Option<u8>,
    reverse: bool,
    unique: bool,
    stable: bool,
    /// `-c` (`Some(false)`) or `-C` (`Some(true)`, quiet).
    check: Option<bool>,
    output: Option<String>,
    delim: u8,
    seed: u64,
}

impl Config {
    /// Orders two lines given their key ranges.
    fn compare(
        &self,
        a: &[u8],
        ka: &[(usize, usize)],
        b: &[u8],
        kb: &[(usize, usize)],
    ) -> Ordering {
        for (k, (ra, rb)) in self.keys.iter().zip(ka.iter().zip(kb)) {
            let r = key::compare(&a[ra.0..ra.1], &b[rb.0..rb.1], &k.order, self.seed);
            if r != Ordering::Equal {
                return r;
            }
        }
        if self.unique || self.stable {
            return Ordering::Equal;
        }
        let r = a.cmp(b);
        if self.reverse { r.reverse() } else { r }
    }

    fn key_ranges(&self, line: &[u8], out: &mut Vec<(usize, usize)>) {
        out.extend(self.keys.iter().map(|k| k.range(line, self.tab)));
    }
}

fn sort<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(sort_body(cx).await) })
}

async fn sort_body(cx: &mut Cmd<'_>) -> Body {
    let (config, operands) = match configure(cx).await {
        Ok(c) => c,
        Err(status) => return Ok(status),
    };
    let operands = operands_or_stdin(operands);
    if config.check.is_some() && operands.len() > 1 {
        let msg = format!("extra operand '{}' not allowed with -c", operands[1]);
        return Ok(cx.usage(msg).await);
    }
    let mut data = Vec::new();
    for operand in &operands {
        match cx.read_operand(operand).await {
            Ok(d) => {
                data.extend_from_slice(&d);
                if data.last().is_some_and(|&b| b != config.delim) {
                    data.push(config.delim);
                }
            }
            Err(e) => {
                return Ok(cx
                    .fail(2, format!("cannot read: {operand}: {}", e.describe()))
                    .await);
            }
        }
    }
    let mut lines: Vec<&[u8]> = data.split(|&b| b == config.delim).collect();
    // The terminator of the last line leaves an empty piece behind.
    lines.pop();
    if let Some(quiet) = config.check {
        return Ok(check(cx, &config, &lines, &operands[0], quiet).await);
    }
    let sorted = sort_lines(&config, lines);
    match &config.output {
        None => {
            let mut out = OutBuf::new();
            for line in sorted {
                out.push(line);
                out.buf.push(config.delim);
                out.drain(cx.stdout).await?;
            }
            out.flush(cx.stdout).await?;
        }
        Some(file) => {
            let mut text = Vec::with_capacity(data.len());
            for line in sorted {
                text.extend_from_slice(line);
                text.push(config.delim);
            }
            let path = cx.path(file);
            if let Err(e) = cx.sys.write_file(&path, &text, false) {
                return Ok(cx
                    .fail(2, format!("open failed: {file}: {}", e.describe()))
                    .await);
            }
        }
    }
    Ok(0)
}

/// Parses the options into a [`Config`]; `Err` holds the status after a message.
async fn configure(cx: &mut Cmd<'_>) -> Result<(Config, Vec<String>), i32> {
    let spec = Spec {
        short: "bcCdfghik:mMno:rRsS:t:T:uVz",
        long: &[
            ("ignore-leading-blanks", 'b', false),
            ("check", 'c', false),
            ("dictionary-order", 'd', false),
            ("ignore-case", 'f', false),
            ("general-numeric-sort", 'g', false),
            ("human-numeric-sort", 'h', false),
            ("ignore-nonprinting", 'i', false),
            ("key", 'k', true),
            ("merge", 'm', false),
            ("month-sort", 'M', false),
            ("numeric-sort", 'n', false),
            ("output", 'o', true),
            ("reverse", 'r', false),
            ("random-sort", 'R', false),
            ("stable", 's', false),
            ("buffer-size", 'S', true),
            ("field-separator", 't', true),
            ("temporary-directory", 'T', true),
            ("unique", 'u', false),
            ("version-sort", 'V', false),
            ("zero-terminated", 'z', false),
            ("parallel", 'P', true),
            ("sort", 'W', true),
        ],
        stop_at_operand: false,
    };
    let fail = |status: i32| -> Result<(Config, Vec<String>), i32> { Err(status) };
    let (opts, operands) = match crate::builtins::args::parse(&cx.args, spec) {
        Ok(parsed) => parsed,
        Err(message) => return fail(cx.usage(message).await),
    };
    let mut global = Order::default();
    let mut config = Config {
        keys: Vec::new(),
        tab: None,
        reverse: false,
        unique: false,
        stable: false,
        check: None,
        output: None,
        delim: b'\n',
        seed: cx.sys.random_u64(),
    };
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            'c' => config.check = Some(false),
            'C' => config.check = Some(true),
            'k' => match Key::parse(&value) {
                Ok(k) => config.keys.push(k),
                Err(m) => return fail(cx.fail(STATUS_USAGE, m).await),
            },
            'o' => config.output = Some(value),
            's' => config.stable = true,
            'u' => config.unique = true,
            'z' => config.delim = 0,
            't' => {
                let tab = match value.as_bytes() {
                    [b] => *b,
                    b"\\0" => 0,
                    [] => return fail(cx.fail(STATUS_USAGE, "empty tab").await),
                    _ => {
                        return fail(
                            cx.fail(STATUS_USAGE, format!("multi-character tab '{value}'"))
                                .await,
                        );
                    }
                };
                if config.tab.is_some_and(|t| t != tab) {
                    return fail(cx.fail(STATUS_USAGE, "incompatible tabs").await);
                }
                config.tab = Some(tab);
            }
            'W' => {
                let letter = match value.as_str() {
                    "general-numeric" => 'g',
                    "human-numeric" => 'h',
                    "month" => 'M',
                    "numeric" => 'n',
                    "random" => 'R',
                    "version" => 'V',
                    _ => {
                        let msg = format!("invalid argument '{value}' for '--sort'");
                        return fail(cx.usage(msg).await);
                    }
                };
                global.set(letter, false);
            }
            'm' | 'S' | 'T' | 'P' => {}
            letter => {
                global.set(letter, false);
                if letter == 'b' {
                    global.blanks_end = true;
                }
            }
        }
    }
    if let Err(m) = global.check() {
        return fail(cx.fail(STATUS_USAGE, m).await);
    }
    for key in &mut config.keys {
        // A key with no ordering options of its own takes the global ones, as in GNU.
        if key.order.is_plain() && !key.order.reverse {
            key.order = global;
        }
        if let Err(m) = key.order.check() {
            return fail(cx.fail(STATUS_USAGE, m).await);
        }
    }
    if config.keys.is_empty() && !global.is_plain() {
        config.keys.push(Key::whole(global));
    }
    config.reverse = global.reverse;
    Ok((config, operands))
}

/// The lines in order (and with `-u`, the first of each equal run).
fn sort_lines<'d>(config: &Config, mut lines: Vec<&'d [u8]>) -> Vec<&'d [u8]> {
    if config.keys.is_empty() {
        // Plain byte order: equal lines are identical, so stability cannot show.
        if config.reverse {
            lines.sort_unstable_by(|a, b| b.cmp(a));
        } else {
            lines.sort_unstable();
        }
        if config.unique {
            lines.dedup();
        }
        return lines;
    }
    let n = config.keys.len();
    let mut ranges = Vec::with_capacity(lines.len() * n);
    for line in &lines {
        config.key_ranges(line, &mut ranges);
    }
    let mut order: Vec<usize> = (0..lines.len()).collect();
    let cmp = |&i: &usize, &j: &usize| {
        config.compare(
            lines[i],
            &ranges[i * n..(i + 1) * n],
            lines[j],
            &ranges[j * n..(j + 1) * n],
        )
    };
    if config.stable || config.unique {
        order.sort_by(cmp);
    } else {
        order.sort_unstable_by(cmp);
    }
    if config.unique {
        order.dedup_by(|later, kept| cmp(kept, later) == Ordering::Equal);
    }
    order.into_iter().map(|i| lines[i]).collect()
}

/// `-c`/`-C`: status 1 at the first line out of order.
async fn check(cx: &mut Cmd<'_>, config: &Config, lines: &[&[u8]], name: &str, quiet: bool) -> i32 {
    let n = config.keys.len();
    let mut prev_ranges = Vec::with_capacity(n);
    let mut ranges = Vec::with_capacity(n);
    for (i, line) in lines.iter().enumerate() {
        ranges.clear();
        config.key_ranges(line, &mut ranges);
        if i > 0 {
            let r = config.compare(lines[i - 1], &prev_ranges, line, &ranges);
            if r == Ordering::Greater || (config.unique && r == Ordering::Equal) {
                if !quiet {
                    let text = String::from_utf8_lossy(line);
                    cx.fail(1, format!("{name}:{}: disorder: {text}", i + 1))
                        .await;
                }
                return 1;
            }
        }
        std::mem::swap(&mut prev_ranges, &mut ranges);
    }
    0
}

#[cfg(test)]
mod tests;
