//! `printf`, as bash's builtin: the format is parsed once, then applied to the arguments as
//! often as it takes to use them all up.

mod format;
mod number;
mod quote;

use super::escape::{Dialect, expand};
use crate::cmd::{Cmd, STATUS_USAGE, Utility};
use crate::exec::LocalBoxFuture;
use format::Spec;
use number::{Parsed, Problem};

pub(super) const PRINTF: Utility = Utility {
    name: "printf",
    help: "Usage: printf FORMAT [ARGUMENT]...\n\
Print the arguments under control of FORMAT, reusing it while arguments remain.\n\
\n\
Conversions: %s %b (expand escapes) %q (shell-quoted) %c %d %i %u %o %x %X\n\
%f %F %e %E %g %G and %%; flags - + space 0 #, a width and a .precision (either may\n\
be *). Escapes in FORMAT: \\n \\t \\\\ \\\" \\a \\b \\e \\f \\r \\v \\NNN \\xHH \\uHHHH.\n\
Missing arguments count as empty or zero.\n",
    run: printf,
};

/// One piece of a parsed format.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    /// Bytes to print as they are (escapes already expanded).
    Text(Vec<u8>),
    Conversion {
        spec: Spec,
        /// `*` width / precision: taken from the arguments.
        star_width: bool,
        star_precision: bool,
        conv: u8,
    },
    /// A conversion bash rejects: `` `z': invalid format character `` and stop.
    Invalid(String),
}

fn printf<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let all = std::mem::take(&mut cx.args);
        let mut args = all.as_slice();
        match args.first().map(String::as_str) {
            None => return usage(cx, None).await,
            Some("--help") => {
                // bash prints its help and, oddly, returns 2.
                out!(cx, PRINTF.help.as_bytes());
                return STATUS_USAGE;
            }
            Some("--") => args = &args[1..],
            Some("-v") => {
                return cx
                    .fail(
                        STATUS_USAGE,
                        "-v: not supported here; use VAR=$(printf ...)",
                    )
                    .await;
            }
            Some(a) if a.len() > 1 && a.starts_with('-') => {
                let option = a.get(..2).unwrap_or(a).to_string();
                return usage(cx, Some(&option)).await;
            }
            _ => {}
        }
        let Some((format, args)) = args.split_first() else {
            return usage(cx, None).await;
        };
        let (pieces, warnings) = parse_format(format.as_bytes());
        for w in warnings {
            let _ = cx.fail(0, w).await;
        }
        let mut run = Run {
            args,
            next: 0,
            status: 0,
            out: Vec::new(),
            messages: Vec::new(),
        };
        loop {
            let before = run.next;
            let stop = run.pass(&pieces);
            for message in std::mem::take(&mut run.messages) {
                let _ = cx.fail(0, message).await;
            }
            out!(cx, &run.out);
            run.out.clear();
            if stop || run.next == before || run.next >= args.len() {
                break;
            }
        }
        run.status
    })
}

async fn usage(cx: &mut Cmd<'_>, bad: Option<&str>) -> i32 {
    if let Some(option) = bad {
        let _ = cx.fail(0, format!("{option}: invalid option")).await;
    }
    cx.fail(STATUS_USAGE, "usage: printf [-v var] format [arguments]")
        .await
}

/// Splits a format into text and conversions; also returns warnings about bad escapes.
fn parse_format(format: &[u8]) -> (Vec<Piece>, Vec<String>) {
    let mut pieces = Vec::new();
    let mut warnings = Vec::new();
    let mut i = 0;
    while i < format.len() {
        let end = memchr::memchr(b'%', &format[i..]).map_or(format.len(), |o| i + o);
        if end > i {
            let mut text = Vec::new();
            warnings.extend(expand(&format[i..end], Dialect::Format, &mut text).warnings);
            pieces.push(Piece::Text(text));
        }
        if end == format.len() {
            break;
        }
        let (piece, used) = parse_conversion(&format[end..]);
        pieces.push(piece);
        i = end + used;
    }
    (pieces, warnings)
}

/// Parses the conversion at the start of `s` (which begins with `%`); returns its length.
fn parse_conversion(s: &[u8]) -> (Piece, usize) {
    let mut spec = Spec::default();
    let mut i = 1;
    while let Some(&c) = s.get(i) {
        match c {
            b'-' => spec.left = true,
            b'+' => spec.plus = true,
            b' ' => spec.space = true,
            b'0' => spec.zero = true,
            b'#' => spec.alt = true,
            _ => break,
        }
        i += 1;
    }
    let star_width = s.get(i) == Some(&b'*');
    if star_width {
        i += 1;
    } else {
        let (n, used) = leading_number(&s[i..]);
        spec.width = n;
        i += used;
    }
    let mut star_precision = false;
    if s.get(i) == Some(&b'.') {
        i += 1;
        if s.get(i) == Some(&b'*') {
            star_precision = true;
            i += 1;
        } else {
            let (n, used) = leading_number(&s[i..]);
            spec.precision = Some(n);
            i += used;
        }
    }
    // Length modifiers mean nothing here: every integer is 64 bits.
    while matches!(s.get(i), Some(b'h' | b'l' | b'L' | b'j' | b'z' | b't')) {
        i += 1;
    }
    let Some(&conv) = s.get(i) else {
        let text = String::from_utf8_lossy(s);
        return (
            Piece::Invalid(format!("`{text}': missing format character")),
            s.len(),
        );
    };
    let piece = match conv {
        b'%' if i == 1 => Piece::Text(b"%".to_vec()),
        b's' | b'b' | b'q' | b'c' | b'd' | b'i' | b'u' | b'o' | b'x' | b'X' | b'f' | b'F'
        | b'e' | b'E' | b'g' | b'G' => Piece::Conversion {
            spec,
            star_width,
            star_precision,
            conv,
        },
        b'a' | b'A' => Piece::Invalid(format!("%{}: not supported", conv as char)),
        _ => {
            let c = String::from_utf8_lossy(&s[i..=i]).into_owned();
            Piece::Invalid(format!("`{c}': invalid format character"))
        }
    };
    (piece, i + 1)
}

/// The decimal number at the start of `s` and its length (width and precision).
fn leading_number(s: &[u8]) -> (usize, usize) {
    let used = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let n = s[..used].iter().fold(0usize, |n, &d| {
        n.saturating_mul(10).saturating_add(usize::from(d - b'0'))
    });
    (n, used)
}

/// The state of applying a format to the arguments.
struct Run<'s> {
    args: &'s [String],
    next: usize,
    status: i32,
    out: Vec<u8>,
    /// Messages for stderr, printed after each pass (without the `printf: ` prefix).
    messages: Vec<String>,
}

impl Run<'_> {
    fn arg(&mut self) -> Option<&str> {
        let arg = self.args.get(self.next)?;
        self.next += 1;
        Some(arg)
    }

    /// Reads a number argument, reporting problems as bash does.
    fn number<T>(&mut self, parse: fn(&str) -> Parsed<T>, default: T) -> T {
        let Some(arg) = self.arg() else {
            return default;
        };
        let arg = arg.to_string();
        let parsed = parse(&arg);
        match parsed.problem {
            Some(Problem::Invalid) => {
                self.messages.push(format!("{arg}: invalid number"));
                self.status = 1;
            }
            Some(Problem::Range) => self
                .messages
                .push(format!("warning: {arg}: Numerical result out of range")),
            None => {}
        }
        parsed.value
    }

    /// Applies the format once; `true` when output must stop (`\c`, a bad conversion).
    fn pass(&mut self, pieces: &[Piece]) -> bool {
        for piece in pieces {
            match piece {
                Piece::Text(t) => self.out.extend_from_slice(t),
                Piece::Invalid(message) => {
                    self.messages.push(message.clone());
                    self.status = 1;
                    return true;
                }
                Piece::Conversion {
                    spec,
                    star_width,
                    star_precision,
                    conv,
                } => {
                    let mut spec = *spec;
                    if *star_width {
                        let w = self.number(number::signed, 0);
                        spec.left |= w < 0;
                        spec.width = usize::try_from(w.unsigned_abs()).unwrap_or(usize::MAX);
                    }
                    if *star_precision {
                        let p = self.number(number::signed, 0);
                        // A negative precision is taken as none.
                        spec.precision = usize::try_from(p).ok();
                    }
                    if self.convert(spec, *conv) {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// One conversion; `true` when `%b` met `\c`.
    fn convert(&mut self, spec: Spec, conv: u8) -> bool {
        match conv {
            b'd' | b'i' => {
                let v = self.number(number::signed, 0);
                spec.signed(v, &mut self.out);
            }
            b'u' | b'o' | b'x' | b'X' => {
                let v = self.number(number::unsigned, 0);
                spec.unsigned(v, conv, &mut self.out);
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
                let v = self.number(number::float, 0.0);
                spec.float(v, conv, &mut self.out);
            }
            b'c' => {
                // bash prints the first byte; an empty argument gives a NUL.
                let byte = self.arg().map_or(0, |a| a.bytes().next().unwrap_or(0));
                spec.pad(&[byte], &mut self.out);
            }
            _ => {
                let arg = self.arg().unwrap_or("").as_bytes();
                let mut body = Vec::new();
                let mut stop = false;
                match conv {
                    b'b' => {
                        let info = expand(arg, Dialect::PercentB, &mut body);
                        self.messages.extend(info.warnings);
                        stop = info.stop;
                    }
                    b'q' => quote::shell_quote(arg, &mut body),
                    _ => body.extend_from_slice(arg),
                }
                if stop {
                    self.out.extend_from_slice(&body);
                    return true;
                }
                if let Some(p) = spec.precision {
                    body.truncate(p);
                }
                spec.pad(&body, &mut self.out);
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;
