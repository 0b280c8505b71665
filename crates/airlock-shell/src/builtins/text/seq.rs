//! `seq` (number sequences) and `yes` (one line forever): the generators.

use super::{Body, OutBuf, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const SEQ: Utility = Utility {
    name: "seq",
    help: "Usage: seq [OPTION]... LAST
  or:  seq [OPTION]... FIRST LAST
  or:  seq [OPTION]... FIRST INCREMENT LAST
Print numbers from FIRST to LAST, in steps of INCREMENT.
  -f, --format=FORMAT      use printf style floating-point FORMAT (%f %e %g, with flags, width, precision)
  -s, --separator=STRING   use STRING to separate numbers (default: \\n)
  -w, --equal-width        equalize width by padding with leading zeroes
",
    run: seq,
};

pub(super) const YES: Utility = Utility {
    name: "yes",
    help: "Usage: yes [STRING]...
Repeatedly output a line with all specified STRING(s), or 'y'.
",
    run: yes,
};

/// An operand: its value and the decimals it was written with.
#[derive(Debug, Clone, Copy)]
struct Number {
    value: f64,
    decimals: usize,
    integer: Option<i64>,
}

fn parse_number(text: &str) -> Option<Number> {
    let t = text.trim_start_matches('+');
    if t.is_empty() || t.starts_with(['+']) {
        return None;
    }
    let value: f64 = t.parse().ok()?;
    if value.is_nan() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (lower.as_str(), 0),
    };
    let frac = mantissa.split_once('.').map_or(0, |(_, f)| f.len());
    let decimals = usize::try_from((frac as i64 - exponent).max(0)).unwrap_or(0);
    let integer = if lower.contains(['.', 'e', 'i', 'n']) {
        None
    } else {
        t.parse().ok()
    };
    Some(Number {
        value,
        decimals,
        integer,
    })
}

fn seq<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(seq_body(cx).await) })
}

async fn seq_body(cx: &mut Cmd<'_>) -> Body {
    // Negative operands (`seq 5 -1 1`) are numbers, not options: operands are picked out in
    // order before the options are parsed.
    let mut option_args = Vec::new();
    let mut operands = Vec::new();
    let mut args = cx.args.iter();
    while let Some(a) = args.next() {
        if a == "--" {
            operands.extend(args.by_ref().cloned());
        } else if a.len() > 1 && a.starts_with('-') && parse_number(a).is_none() {
            option_args.push(a.clone());
            if matches!(a.as_str(), "-f" | "-s" | "--format" | "--separator")
                && let Some(value) = args.next()
            {
                option_args.push(value.clone());
            }
        } else {
            operands.push(a.clone());
        }
    }
    cx.args = option_args;
    let spec = Spec {
        short: "f:s:w",
        long: &[
            ("format", 'f', true),
            ("separator", 's', true),
            ("equal-width", 'w', false),
        ],
        stop_at_operand: false,
    };
    let (opts, _) = parse_args!(cx, spec);
    let (mut format, mut separator, mut equal) = (None, "\n".to_string(), false);
    for opt in opts {
        match opt.flag {
            'f' => format = opt.value,
            's' => separator = opt.value.unwrap_or_default(),
            'w' => equal = true,
            _ => {}
        }
    }
    if operands.is_empty() {
        return Ok(cx.usage("missing operand").await);
    }
    if operands.len() > 3 {
        return Ok(cx.usage(format!("extra operand '{}'", operands[3])).await);
    }
    let mut numbers = Vec::new();
    for op in &operands {
        match parse_number(op) {
            Some(n) => numbers.push(n),
            None => {
                return Ok(cx
                    .usage(format!("invalid floating point argument: '{op}'"))
                    .await);
            }
        }
    }
    let one = Number {
        value: 1.0,
        decimals: 0,
        integer: Some(1),
    };
    let (first, step, last) = match numbers.as_slice() {
        [l] => (one, one, *l),
        [f, l] => (*f, one, *l),
        [f, s, l] => (*f, *s, *l),
        _ => return Ok(1),
    };
    if step.value == 0.0 {
        let op = &operands[1];
        return Ok(cx
            .usage(format!("invalid Zero increment value: '{op}'"))
            .await);
    }
    let spec = match format.as_deref().map(FloatFormat::parse).transpose() {
        Ok(s) => s,
        Err(m) => return Ok(cx.fail(1, m).await),
    };
    if equal && spec.is_some() {
        return Ok(cx
            .usage("format string may not be specified when printing equal width strings")
            .await);
    }
    let mut out = OutBuf::new();
    let mut first_item = true;
    if let (None, Some(a), Some(s), Some(b)) = (&spec, first.integer, step.integer, last.integer) {
        // Integers: exact and fast.
        let width = if equal {
            a.to_string().len().max(b.to_string().len())
        } else {
            0
        };
        let mut x = a;
        while (s > 0 && x <= b) || (s < 0 && x >= b) {
            if !first_item {
                out.push(separator.as_bytes());
            }
            first_item = false;
            push_padded(&mut out.buf, &x.to_string(), width);
            out.drain(cx.stdout).await?;
            let Some(next) = x.checked_add(s) else { break };
            x = next;
        }
    } else {
        let decimals = first.decimals.max(step.decimals);
        let text = |v: f64| match &spec {
            Some(f) => f.format(v),
            None => format!("{v:.decimals$}"),
        };
        let width = if equal {
            text(first.value).len().max(text(last.value).len())
        } else {
            0
        };
        // Tolerance so that 0.1-steps reach LAST despite binary rounding.
        let slack = step.value.abs() * 1e-10;
        let mut i: u64 = 0;
        loop {
            let x = first.value + i as f64 * step.value;
            if (step.value > 0.0 && x > last.value + slack)
                || (step.value < 0.0 && x < last.value - slack)
            {
                break;
            }
            if !first_item {
                out.push(separator.as_bytes());
            }
            first_item = false;
            push_padded(&mut out.buf, &text(x), width);
            out.drain(cx.stdout).await?;
            i += 1;
        }
    }
    if !first_item {
        out.push(b"\n");
    }
    out.flush(cx.stdout).await?;
    Ok(0)
}

/// Zero-pads `text` to `width` after any minus sign.
fn push_padded(out: &mut Vec<u8>, text: &str, width: usize) {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", text),
    };
    out.extend_from_slice(sign.as_bytes());
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(text.len())));
    out.extend_from_slice(digits.as_bytes());
}

/// A `-f` format: literal text around one `%[flags][width][.precision](f|e|g|E|G|F)`.
#[derive(Debug)]
struct FloatFormat {
    before: String,
    after: String,
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    width: usize,
    precision: Option<usize>,
    conv: char,
}

impl FloatFormat {
    fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("format '{text}' has no % directive");
        let mut before = String::new();
        let mut chars = text.char_indices().peekable();
        let start = loop {
            match chars.next() {
                None => return Err(bad()),
                Some((_, '%')) if chars.peek().map(|c| c.1) == Some('%') => {
                    chars.next();
                    before.push('%');
                }
                Some((i, '%')) => break i + 1,
                Some((_, c)) => before.push(c),
            }
        };
        let spec = &text[start..];
        let flags = spec.len()
            - spec
                .trim_start_matches(['-', '0', '+', ' ', '#', '\''])
                .len();
        let (flag_text, rest) = spec.split_at(flags);
        let w = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let width = rest[..w].parse().unwrap_or(0);
        let mut rest = &rest[w..];
        let mut precision = None;
        if let Some(p) = rest.strip_prefix('.') {
            let n = p.len() - p.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            precision = Some(p[..n].parse().unwrap_or(0));
            rest = &p[n..];
        }
        let Some(conv) = rest.chars().next().filter(|c| "feEgGF".contains(*c)) else {
            return Err(format!(
                "format '{text}' has unknown %{} directive",
                rest.chars().next().unwrap_or(' ')
            ));
        };
        let tail = &rest[conv.len_utf8()..];
        if tail.replace("%%", "").contains('%') {
            return Err(format!("format '{text}' has too many % directives"));
        }
        Ok(Self {
            before,
            after: tail.replace("%%", "%"),
            left: flag_text.contains('-'),
            zero: flag_text.contains('0'),
            plus: flag_text.contains('+'),
            space: flag_text.contains(' '),
            width,
            precision,
            conv,
        })
    }

    fn format(&self, v: f64) -> String {
        let p = self.precision.unwrap_or(6);
        let mut body = match self.conv {
            'f' | 'F' => format!("{:.p$}", v.abs()),
            'e' => exp_format(v.abs(), p),
            'E' => exp_format(v.abs(), p).to_uppercase(),
            'g' => g_format(v.abs(), p),
            _ => g_format(v.abs(), p).to_uppercase(),
        };
        let sign = if v.is_sign_negative() && v != 0.0 {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        };
        let len = sign.len() + body.len();
        if len < self.width {
            let pad = self.width - len;
            if self.left {
                body.extend(std::iter::repeat_n(' ', pad));
            } else if self.zero {
                body.insert_str(0, &"0".repeat(pad));
            } else {
                return format!(
                    "{}{}{sign}{body}{}",
                    self.before,
                    " ".repeat(pad),
                    self.after
                );
            }
        }
        format!("{}{sign}{body}{}", self.before, self.after)
    }
}

/// C's `%.pe`: `1.500000e+00`.
fn exp_format(v: f64, p: usize) -> String {
    let s = format!("{v:.p$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exp.abs())
}

/// C's `%.pg`: the shorter of `%e` and `%f`, trailing zeros removed.
fn g_format(v: f64, p: usize) -> String {
    let p = p.max(1);
    if v == 0.0 {
        return "0".to_string();
    }
    let exp = format!("{v:.*e}", p - 1)
        .split_once('e')
        .and_then(|(_, e)| e.parse::<i32>().ok())
        .unwrap_or(0);
    let trim = |s: String| -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let p_i = i32::try_from(p).unwrap_or(i32::MAX);
    if exp < -4 || exp >= p_i {
        let s = exp_format(v, p - 1);
        let (m, e) = s.split_once('e').unwrap_or((&s, ""));
        format!("{}e{e}", trim(m.to_string()))
    } else {
        let decimals = usize::try_from(p_i - 1 - exp).unwrap_or(0);
        trim(format!("{v:.decimals$}"))
    }
}

fn yes<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let line = if cx.args.is_empty() {
            "y".to_string()
        } else {
            cx.args.join(" ")
        };
        let mut block = Vec::with_capacity(8192 + line.len() + 1);
        while block.len() < 8192 {
            block.extend_from_slice(line.as_bytes());
            block.push(b'\n');
        }
        loop {
            if cx.stdout.write(&block).await.is_err() {
                return crate::cmd::STATUS_BROKEN_PIPE;
            }
            // Lets the reader run: a full pipe is the only other place `yes` would wait.
            crate::exec::yield_now().await;
        }
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::testing::run;

    #[test]
    fn seq_integers() {
        assert_eq!(run("seq", &["3"], "").stdout, "1\n2\n3\n");
        assert_eq!(run("seq", &["-s,", "3"], "").stdout, "1,2,3\n");
        assert_eq!(run("seq", &["5", "-2", "1"], "").stdout, "5\n3\n1\n");
        assert_eq!(run("seq", &["10", "-3", "1"], "").stdout, "10\n7\n4\n1\n");
        assert_eq!(run("seq", &["-w", "8", "10"], "").stdout, "08\n09\n10\n");
        assert_eq!(run("seq", &["-w", "-1", "1"], "").stdout, "-1\n00\n01\n");
        assert_eq!(run("seq", &["1", "0"], "").stdout, "");
        assert_eq!(run("seq", &["-s", " ", "1", "3"], "").stdout, "1 2 3\n");
    }

    #[test]
    fn seq_decimals_and_formats() {
        assert_eq!(
            run("seq", &["0", "0.1", "0.5"], "").stdout,
            "0.0\n0.1\n0.2\n0.3\n0.4\n0.5\n"
        );
        assert_eq!(run("seq", &["1.5", "3"], "").stdout, "1.5\n2.5\n");
        assert_eq!(
            run("seq", &["-w", "1", "0.5", "2"], "").stdout,
            "1.0\n1.5\n2.0\n"
        );
        assert_eq!(run("seq", &["1e3", "1e3"], "").stdout, "1000\n");
        assert_eq!(
            run("seq", &["-f", "%03g", "3"], "").stdout,
            "001\n002\n003\n"
        );
        assert_eq!(
            run("seq", &["-f", "n%.2f", "1", "2"], "").stdout,
            "n1.00\nn2.00\n"
        );
        assert_eq!(
            run("seq", &["-f", "%e", "1", "1"], "").stdout,
            "1.000000e+00\n"
        );
        assert_eq!(
            run("seq", &["-f", "%g", "1000000", "1000000"], "").stdout,
            "1e+06\n"
        );
    }

    #[test]
    fn seq_errors() {
        let r = run("seq", &[], "");
        assert!(r.stderr.starts_with("seq: missing operand\n"));
        assert_eq!(r.status, 2);
        let r = run("seq", &["a"], "");
        assert!(
            r.stderr
                .starts_with("seq: invalid floating point argument: 'a'\n")
        );
        let r = run("seq", &["1", "0", "3"], "");
        assert!(
            r.stderr
                .starts_with("seq: invalid Zero increment value: '0'\n")
        );
    }

    #[test]
    fn seq_a_million() {
        let r = run("seq", &["1000000"], "");
        assert_eq!(r.stdout.len(), 6_888_896);
        assert!(r.stdout.ends_with("999999\n1000000\n"));
    }

    #[test]
    fn yes_stops_when_its_reader_goes() {
        // `yes | head -n 3`, run as a pipeline on the single-threaded executor.
        let (mut pipe_out, mut pipe_in) = crate::io::pipe();
        let sink = Rc::new(RefCell::new(Vec::new()));
        let mut head_out = crate::io::Output::buffer(Rc::clone(&sink));
        let sys = crate::system::MemSystem::default();
        let spawn = crate::testing::UtilitySpawn {
            sys: &sys,
            cwd: "/workspace",
        };
        let (sys, spawn) = (&sys, &spawn);
        let statuses = crate::exec::block_on(crate::exec::join_all(vec![
            Box::pin(async move {
                let mut err = crate::io::Output::null();
                let mut cmd = crate::cmd::Cmd {
                    name: "yes",
                    args: vec!["hi".into()],
                    stdin: &mut crate::io::Input::empty(),
                    stdout: &mut pipe_out,
                    stderr: &mut err,
                    sys,
                    cwd: "/workspace",
                    env: &[],
                    spawn,
                };
                let status = super::yes(&mut cmd).await;
                drop(pipe_out);
                status
            }),
            Box::pin(async move {
                let mut err = crate::io::Output::null();
                let mut cmd = crate::cmd::Cmd {
                    name: "head",
                    args: vec!["-n".into(), "3".into()],
                    stdin: &mut pipe_in,
                    stdout: &mut head_out,
                    stderr: &mut err,
                    sys,
                    cwd: "/workspace",
                    env: &[],
                    spawn,
                };
                let status = (crate::builtins::find("head").unwrap().run)(&mut cmd).await;
                let _ = head_out.flush().await;
                drop(pipe_in);
                status
            }),
        ]));
        assert_eq!(statuses, vec![141, 0]);
        assert_eq!(sink.borrow().as_slice(), b"hi\nhi\nhi\n");
    }
}
