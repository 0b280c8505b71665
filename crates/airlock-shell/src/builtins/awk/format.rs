//! `printf`/`sprintf` formatting, following C's printf for the conversions awk has.

use super::value::{Value, char_len, char_offset};

/// `%e` with C's exponent form (`1.500000e+02`).
pub(super) fn format_e(x: f64, prec: usize, upper: bool) -> String {
    if !x.is_finite() {
        return non_finite(x, upper);
    }
    let s = format!("{x:.prec$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{:02}", exp.abs())
}

pub(super) fn format_f(x: f64, prec: usize) -> String {
    if !x.is_finite() {
        return non_finite(x, false);
    }
    format!("{x:.prec$}")
}

fn non_finite(x: f64, upper: bool) -> String {
    let s = if x.is_nan() {
        if x.is_sign_negative() { "-nan" } else { "nan" }
    } else if x < 0.0 {
        "-inf"
    } else {
        "inf"
    };
    if upper {
        s.to_uppercase()
    } else {
        s.to_string()
    }
}

/// `%g`: `%e` or `%f`, whichever is shorter for the precision, trailing zeros dropped unless
/// `alt` (`#`).
pub(super) fn format_g(x: f64, prec: usize, alt: bool, upper: bool) -> String {
    if !x.is_finite() {
        return non_finite(x, upper);
    }
    let p = prec.max(1);
    let e_form = format_e(x, p - 1, upper);
    let exp: i32 = e_form
        .rsplit(['e', 'E'])
        .next()
        .and_then(|e| e.parse().ok())
        .unwrap_or(0);
    let mut s = if exp < -4 || exp >= p as i32 {
        e_form
    } else {
        format_f(x, (p as i32 - 1 - exp).max(0) as usize)
    };
    if !alt {
        // Drop trailing zeros of the fraction (and a bare point), keeping any exponent.
        let (num, exp_part) = match s.find(['e', 'E']) {
            Some(i) => (s[..i].to_string(), s[i..].to_string()),
            None => (s.clone(), String::new()),
        };
        if num.contains('.') {
            let trimmed = num.trim_end_matches('0').trim_end_matches('.');
            s = format!("{trimmed}{exp_part}");
        }
    }
    s
}

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    prec: Option<usize>,
}

impl Spec {
    /// Pads `body` (already signed) to the width; zero padding goes after the sign.
    fn pad(&self, out: &mut Vec<u8>, body: &[u8], numeric: bool) {
        let len = char_len(body);
        if len >= self.width {
            out.extend_from_slice(body);
            return;
        }
        let fill = self.width - len;
        if self.left {
            out.extend_from_slice(body);
            out.extend(std::iter::repeat_n(b' ', fill));
        } else if self.zero && numeric {
            let sign = usize::from(matches!(body.first(), Some(b'-' | b'+' | b' ')));
            let prefix = if body[sign..].starts_with(b"0x") || body[sign..].starts_with(b"0X") {
                sign + 2
            } else {
                sign
            };
            out.extend_from_slice(&body[..prefix]);
            out.extend(std::iter::repeat_n(b'0', fill));
            out.extend_from_slice(&body[prefix..]);
        } else {
            out.extend(std::iter::repeat_n(b' ', fill));
            out.extend_from_slice(body);
        }
    }

    fn sign(&self, negative: bool) -> &'static str {
        if negative {
            "-"
        } else if self.plus {
            "+"
        } else if self.space {
            " "
        } else {
            ""
        }
    }
}

/// Formats `fmt` with `args` into `out` (missing arguments count as empty/zero, as in gawk).
pub(super) fn sprintf(out: &mut Vec<u8>, fmt: &[u8], args: &[Value], convfmt: &[u8]) {
    let mut args = args.iter();
    let mut i = 0;
    while i < fmt.len() {
        let Some(pct) = memchr::memchr(b'%', &fmt[i..]) else {
            out.extend_from_slice(&fmt[i..]);
            return;
        };
        out.extend_from_slice(&fmt[i..i + pct]);
        i += pct + 1;
        let start = i - 1;
        let mut spec = Spec::default();
        while i < fmt.len() {
            match fmt[i] {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        if fmt.get(i) == Some(&b'*') {
            let w = args.next().map_or(0.0, Value::to_num) as i64;
            if w < 0 {
                spec.left = true;
            }
            spec.width = w.unsigned_abs() as usize;
            i += 1;
        } else {
            while let Some(d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                spec.width = spec.width * 10 + usize::from(d - b'0');
                i += 1;
            }
        }
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            let mut p = 0usize;
            if fmt.get(i) == Some(&b'*') {
                let v = args.next().map_or(0.0, Value::to_num);
                p = if v < 0.0 { 0 } else { v as usize };
                i += 1;
            } else {
                while let Some(d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                    p = p * 10 + usize::from(d - b'0');
                    i += 1;
                }
            }
            spec.prec = Some(p);
        }
        // Length modifiers mean nothing in awk; C programmers write them anyway.
        while matches!(
            fmt.get(i),
            Some(b'h' | b'l' | b'L' | b'q' | b'j' | b'z' | b't')
        ) {
            i += 1;
        }
        let Some(&conv) = fmt.get(i) else {
            out.extend_from_slice(&fmt[start..]);
            return;
        };
        i += 1;
        let uninit = Value::Uninit;
        match conv {
            b'%' => out.push(b'%'),
            b'c' => {
                let arg = args.next().unwrap_or(&uninit);
                // A number (or numeric input like a field "65") is a character code.
                let body: Vec<u8> = match arg {
                    Value::Num(n) | Value::StrNum(_, n) => {
                        let code = *n as u32;
                        match char::from_u32(code) {
                            Some(c) if code >= 128 => c.to_string().into_bytes(),
                            _ => vec![code as u8],
                        }
                    }
                    other => {
                        let s = other.to_str(convfmt);
                        s[..char_offset(&s, 1)].to_vec()
                    }
                };
                spec.pad(out, &body, false);
            }
            b's' => {
                let arg = args.next().unwrap_or(&uninit);
                let s = match arg {
                    Value::Num(n) => super::value::num_to_str(*n, convfmt).into(),
                    other => other.to_str(convfmt),
                };
                let s = match spec.prec {
                    Some(p) => &s[..char_offset(&s, p)],
                    None => &s[..],
                };
                spec.pad(out, s, false);
            }
            b'd' | b'i' => {
                let n = args.next().map_or(0.0, Value::to_num);
                let digits = if !n.is_finite() {
                    non_finite(n.abs(), false)
                } else {
                    format!("{:.0}", n.trunc().abs())
                };
                let digits = match spec.prec {
                    Some(0) if n.trunc() == 0.0 => String::new(),
                    Some(p) if digits.len() < p => format!("{digits:0>p$}"),
                    _ => digits,
                };
                let body = format!(
                    "{}{digits}",
                    spec.sign(n.trunc() < 0.0 || (n.is_nan() && n.is_sign_negative()))
                );
                spec.zero &= spec.prec.is_none();
                spec.pad(out, body.as_bytes(), true);
            }
            b'o' | b'x' | b'X' | b'u' => {
                let n = args.next().map_or(0.0, Value::to_num);
                // Negative values wrap like C's unsigned conversion of a 64-bit integer.
                let v = if n < 0.0 { (n as i64) as u64 } else { n as u64 };
                let mut digits = match conv {
                    b'o' => format!("{v:o}"),
                    b'x' => format!("{v:x}"),
                    b'X' => format!("{v:X}"),
                    _ => v.to_string(),
                };
                if let Some(p) = spec.prec {
                    if p == 0 && v == 0 {
                        digits.clear();
                    } else if digits.len() < p {
                        digits = format!("{digits:0>p$}");
                    }
                }
                if spec.alt && v != 0 {
                    match conv {
                        b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                        b'x' => digits.insert_str(0, "0x"),
                        b'X' => digits.insert_str(0, "0X"),
                        _ => {}
                    }
                }
                spec.zero &= spec.prec.is_none();
                spec.pad(out, digits.as_bytes(), true);
            }
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' => {
                let n = args.next().map_or(0.0, Value::to_num);
                let prec = spec.prec.unwrap_or(6);
                let upper = conv.is_ascii_uppercase();
                let mut body = match conv {
                    b'e' | b'E' => format_e(n.abs(), prec, upper),
                    b'f' | b'F' => format_f(n.abs(), prec),
                    _ => format_g(n.abs(), prec, spec.alt, upper),
                };
                if conv == b'F' {
                    body = body.to_uppercase();
                }
                if spec.alt && prec == 0 && !body.contains('.') && matches!(conv, b'f' | b'F') {
                    body.push('.');
                }
                let body = format!("{}{body}", spec.sign(n.is_sign_negative()));
                let numeric = n.is_finite();
                spec.pad(out, body.as_bytes(), numeric);
            }
            _ => {
                // Not a conversion: printed as written, like gawk.
                out.extend_from_slice(&fmt[start..i]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: &[Value]) -> String {
        let mut out = Vec::new();
        sprintf(&mut out, fmt.as_bytes(), args, b"%.6g");
        String::from_utf8(out).unwrap()
    }

    fn n(x: f64) -> Value {
        Value::Num(x)
    }

    fn s(x: &str) -> Value {
        Value::str(x.as_bytes())
    }

    #[test]
    fn floats_follow_c() {
        assert_eq!(
            f(
                "%5.2f|%e|%g|%G",
                &[n(1.23456), n(1234.5), n(0.0001), n(1e-5)]
            ),
            " 1.23|1.234500e+03|0.0001|1E-05"
        );
        assert_eq!(
            f("%g %g %g", &[n(100000.0), n(1000000.0), n(123456789.0)]),
            "100000 1e+06 1.23457e+08"
        );
        assert_eq!(
            f("%.3g|%#g|%+.1f|% f", &[n(2.0), n(2.0), n(2.25), n(1.0)]),
            "2|2.00000|+2.2| 1.000000"
        );
        assert_eq!(
            f("%08.3f|%-8.2f|", &[n(-3.5), n(2.0)]),
            "-003.500|2.00    |"
        );
    }

    #[test]
    fn integers_and_strings() {
        assert_eq!(
            f(
                "%d %i %5d %-5d| %05d %+d",
                &[n(3.9), n(-3.9), n(42.0), n(42.0), n(-42.0), n(7.0)]
            ),
            "3 -3    42 42   | -0042 +7"
        );
        assert_eq!(
            f(
                "%x %X %o %#x %#o %u",
                &[n(255.0), n(255.0), n(8.0), n(255.0), n(8.0), n(-1.0)]
            ),
            "ff FF 10 0xff 010 18446744073709551615"
        );
        assert_eq!(
            f(
                "%s|%10s|%-10s|%.2s",
                &[s("hi"), s("right"), s("left"), s("abc")]
            ),
            "hi|     right|left      |ab"
        );
        assert_eq!(f("%c%c%c", &[n(65.0), s("hello"), n(233.0)]), "Ahé");
        assert_eq!(
            f(
                "%*d|%-*d|%.*f",
                &[n(5.0), n(42.0), n(4.0), n(1.0), n(2.0), n(1.23456)]
            ),
            "   42|1   |1.23"
        );
        assert_eq!(f("%d%%", &[n(50.0)]), "50%");
        assert_eq!(f("%s %s", &[s("one")]), "one ");
        assert_eq!(f("%d", &[s("12abc")]), "12");
        assert_eq!(f("%.3d", &[n(7.0)]), "007");
    }
}
