//! `date`: print the time (the sandbox's clock, in UTC) or a given one, in a chosen format.

mod format;
mod parse;

use super::calendar::Tm;
use super::usage;
use crate::builtins::args::{Spec, parse as parse_args};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const DATE: Utility = Utility {
    name: "date",
    help: "Usage: date [OPTION]... [+FORMAT]\n\
Print the date and time (always UTC), now or as given by -d, in FORMAT.\n\
\n\
\x20 -d, --date=STRING        show STRING: 2025-01-31, 2025-01-31 10:30, ISO 8601 (T, Z,\n\
\x20                          +02:00), @SECONDS, now, today, yesterday, tomorrow,\n\
\x20                          '3 days ago', '+2 weeks', 'next monday', 'Jan 5 2025'\n\
\x20 -r, --reference=FILE     show FILE's modification time\n\
\x20 -u, --utc, --universal   UTC (the only zone here)\n\
\x20 -I, --iso-8601[=FMT]     ISO 8601; FMT: date (default), hours, minutes, seconds, ns\n\
\x20 -R, --rfc-email          RFC 5322: Wed, 01 Jan 2025 00:00:00 +0000\n\
\x20     --rfc-3339=FMT       FMT: date, seconds, ns\n\
FORMAT conversions: %Y %m %d %H %M %S %s %N %3N %j %a %A %b %B %e %F %T %D %R %Z %z %:z\n\
%u %w %y %p %P %I %l %k %c %x %X %C %g %G %V %U %W %q %n %t %%; flags - _ 0 ^ # and a width.\n",
    run: date,
};

const SPEC: Spec<'static> = Spec {
    short: "d:r:uRs:",
    long: &[
        ("date", 'd', true),
        ("reference", 'r', true),
        ("utc", 'u', false),
        ("universal", 'u', false),
        ("rfc-email", 'R', false),
        ("rfc-2822", 'R', false),
        ("iso-8601", 'I', true),
        ("rfc-3339", 'T', true),
        ("set", 's', true),
    ],
    stop_at_operand: false,
};

/// `-I` and `--iso-8601` take an optional value, which the shared parser cannot express:
/// the bare forms are rewritten to carry the default.
fn expand_iso(args: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| match a.as_str() {
            "-I" | "--iso-8601" => "--iso-8601=date".to_string(),
            _ => match a.strip_prefix("-I") {
                Some(fmt) => format!("--iso-8601={fmt}"),
                None => a.clone(),
            },
        })
        .collect()
}

fn date<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let (opts, operands) = match parse_args(&expand_iso(&cx.args), SPEC) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        let now_ms = cx.sys.now_ms() as i64;
        let now = (
            now_ms.div_euclid(1000),
            (now_ms.rem_euclid(1000) * 1_000_000) as u32,
        );
        let mut when = now;
        let mut format = None::<String>;
        for opt in opts {
            let value = opt.value.unwrap_or_default();
            match opt.flag {
                'd' => match parse::parse(&value, now) {
                    Some(m) => when = m,
                    None => return cx.fail(1, format!("invalid date '{value}'")).await,
                },
                'r' => match cx.sys.stat(&cx.path(&value)) {
                    Ok(info) => {
                        let ms = info.mtime_ms as i64;
                        when = (
                            ms.div_euclid(1000),
                            (ms.rem_euclid(1000) * 1_000_000) as u32,
                        );
                    }
                    Err(e) => return cx.fail_fs(&value, &e).await,
                },
                'u' => {}
                'R' => format = Some("%a, %d %b %Y %H:%M:%S %z".to_string()),
                'I' => {
                    let f = match value.as_str() {
                        "date" => "%F",
                        "hours" => "%FT%H%:z",
                        "minutes" => "%FT%H:%M%:z",
                        "seconds" => "%FT%T%:z",
                        "ns" => "%FT%T,%N%:z",
                        _ => {
                            return usage(
                                cx,
                                format!("invalid argument '{value}' for '--iso-8601'"),
                                1,
                            )
                            .await;
                        }
                    };
                    format = Some(f.to_string());
                }
                'T' => {
                    let f = match value.as_str() {
                        "date" => "%F",
                        "seconds" => "%F %T%:z",
                        "ns" => "%F %T.%N%:z",
                        _ => {
                            return usage(
                                cx,
                                format!("invalid argument '{value}' for '--rfc-3339'"),
                                1,
                            )
                            .await;
                        }
                    };
                    format = Some(f.to_string());
                }
                _ => return cx.fail(1, "cannot set date: Operation not permitted").await,
            }
        }
        for operand in &operands {
            match operand.strip_prefix('+') {
                Some(_) if format.is_some() => {
                    return cx.fail(1, "multiple output formats specified").await;
                }
                Some(f) => format = Some(f.to_string()),
                None if operands.len() > 1 => {
                    return usage(cx, format!("extra operand '{}'", operands[1]), 1).await;
                }
                None if operand.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                    return cx.fail(1, "cannot set date: Operation not permitted").await;
                }
                None => return cx.fail(1, format!("invalid date '{operand}'")).await,
            }
        }
        let format = format.unwrap_or_else(|| "%a %b %e %H:%M:%S %Z %Y".to_string());
        let mut line = format::strftime(&format, &Tm::from_epoch(when.0, when.1));
        line.push('\n');
        out!(cx, line.as_bytes());
        0
    })
}

#[cfg(test)]
mod tests;
