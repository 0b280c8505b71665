//! `nl`: number lines (one logical page; section delimiters are ordinary text).

use super::{Body, OutBuf, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const NL: Utility = Utility {
    name: "nl",
    help: "Usage: nl [OPTION]... [FILE]...
Write each FILE to standard output, with line numbers added.
  -b, --body-numbering=STYLE      use STYLE for numbering body lines (a: all, t: nonempty, n: none,
                                  pREGEX: lines matching REGEX)
  -i, --line-increment=NUMBER     line number increment at each line
  -n, --number-format=FORMAT      insert line numbers according to FORMAT (ln, rn, rz)
  -s, --number-separator=STRING   add STRING after (possible) line number
  -v, --starting-line-number=NUMBER  first line number for each section
  -w, --number-width=NUMBER       use NUMBER columns for line numbers
",
    run: nl,
};

#[derive(Debug)]
enum Style {
    All,
    NonEmpty,
    None,
    Matching(regex::bytes::Regex),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Left,
    Right,
    RightZeros,
}

fn nl<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(nl_body(cx).await) })
}

async fn nl_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "b:i:n:s:v:w:h:f:",
        long: &[
            ("body-numbering", 'b', true),
            ("line-increment", 'i', true),
            ("number-format", 'n', true),
            ("number-separator", 's', true),
            ("starting-line-number", 'v', true),
            ("number-width", 'w', true),
            ("header-numbering", 'h', true),
            ("footer-numbering", 'f', true),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut style = Style::NonEmpty;
    let mut format = Format::Right;
    let mut separator = "\t".to_string();
    let (mut number, mut increment, mut width): (i64, i64, usize) = (1, 1, 6);
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            'b' => {
                style = match value.as_str() {
                    "a" => Style::All,
                    "t" => Style::NonEmpty,
                    "n" => Style::None,
                    p if p.starts_with('p') => match regex::bytes::Regex::new(&p[1..]) {
                        Ok(re) => Style::Matching(re),
                        Err(_) => {
                            return Ok(cx
                                .fail(1, format!("invalid regular expression: '{}'", &p[1..]))
                                .await);
                        }
                    },
                    _ => {
                        return Ok(cx
                            .usage(format!("invalid body numbering style: '{value}'"))
                            .await);
                    }
                }
            }
            'n' => {
                format = match value.as_str() {
                    "ln" => Format::Left,
                    "rn" => Format::Right,
                    "rz" => Format::RightZeros,
                    _ => {
                        return Ok(cx
                            .usage(format!("invalid line numbering format: '{value}'"))
                            .await);
                    }
                }
            }
            's' => separator = value,
            'i' | 'v' => match value.parse::<i64>() {
                Ok(n) if opt.flag == 'i' => increment = n,
                Ok(n) => number = n,
                Err(_) => {
                    let what = if opt.flag == 'i' {
                        "line number increment"
                    } else {
                        "starting line number"
                    };
                    return Ok(cx.usage(format!("invalid {what}: '{value}'")).await);
                }
            },
            'w' => match value.parse::<usize>() {
                Ok(n) if n > 0 => width = n,
                _ => {
                    return Ok(cx
                        .usage(format!("invalid line number field width: '{value}'"))
                        .await);
                }
            },
            // Header and footer sections are never entered: there are no section delimiters.
            _ => {}
        }
    }
    let blank_prefix = " ".repeat(width + separator.len());
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
            let body = super::chomp(line, b'\n');
            let numbered = match &style {
                Style::All => true,
                Style::NonEmpty => !body.is_empty(),
                Style::None => false,
                Style::Matching(re) => re.is_match(body),
            };
            if numbered {
                let text = match format {
                    Format::Left => format!("{number:<width$}"),
                    Format::Right => format!("{number:>width$}"),
                    Format::RightZeros => format!("{number:0width$}"),
                };
                out.push(text.as_bytes());
                out.push(separator.as_bytes());
                number += increment;
            } else {
                out.push(blank_prefix.as_bytes());
            }
            out.push(body);
            out.push(b"\n");
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
    fn nl_numbers_like_gnu() {
        assert_eq!(
            run("nl", &[], "a\n\nb\n").stdout,
            "     1\ta\n       \n     2\tb\n"
        );
        assert_eq!(
            run("nl", &["-ba"], "a\n\nb\n").stdout,
            "     1\ta\n     2\t\n     3\tb\n"
        );
        assert_eq!(
            run("nl", &["-n", "ln", "-w3", "-s", ": "], "a\n").stdout,
            "1  : a\n"
        );
        assert_eq!(run("nl", &["-nrz", "-w3"], "a\n").stdout, "001\ta\n");
        assert_eq!(
            run("nl", &["-v", "10", "-i", "5"], "a\nb\n").stdout,
            "    10\ta\n    15\tb\n"
        );
        assert_eq!(run("nl", &["-bn"], "a\n").stdout, "       a\n");
        assert_eq!(
            run("nl", &["-bp^x"], "xa\nb\n").stdout,
            "     1\txa\n       b\n"
        );
    }

    #[test]
    fn nl_errors() {
        let r = run("nl", &["nope"], "");
        assert_eq!(r.stderr, "nl: nope: No such file or directory\n");
        assert_eq!(r.status, 1);
        assert_eq!(run("nl", &["-b", "q"], "").status, 2);
    }
}
