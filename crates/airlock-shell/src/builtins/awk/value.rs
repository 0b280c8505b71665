//! awk's values: numbers, strings, and "strnums" (input that looks numeric), with the
//! conversions between them.

use std::borrow::Cow;
use std::rc::Rc;

/// A string value: bytes (input need not be UTF-8), cheap to clone.
pub(super) type Str = Rc<[u8]>;

#[derive(Debug, Clone)]
pub(super) enum Value {
    /// A variable never assigned: "" as a string, 0 as a number, and compares like a strnum.
    Uninit,
    Num(f64),
    Str(Str),
    /// Text from input (fields, `getline`, `split`, `-v`, ARGV, ENVIRON) that looks like a
    /// number: it compares numerically but prints as written.
    StrNum(Str, f64),
}

impl Value {
    /// A value made from input: a strnum when it looks numeric.
    pub(super) fn from_input(bytes: &[u8]) -> Value {
        match looks_numeric(bytes) {
            Some(n) => Value::StrNum(bytes.into(), n),
            None => Value::Str(bytes.into()),
        }
    }

    pub(super) fn str(bytes: &[u8]) -> Value {
        Value::Str(bytes.into())
    }

    pub(super) fn to_num(&self) -> f64 {
        match self {
            Value::Uninit => 0.0,
            Value::Num(n) | Value::StrNum(_, n) => *n,
            Value::Str(s) => str_to_num(s),
        }
    }

    pub(super) fn to_bool(&self) -> bool {
        match self {
            Value::Uninit => false,
            Value::Num(n) | Value::StrNum(_, n) => *n != 0.0,
            Value::Str(s) => !s.is_empty(),
        }
    }

    /// The string form; numbers are converted with `convfmt` (integers print whole).
    pub(super) fn to_str(&self, convfmt: &[u8]) -> Cow<'_, [u8]> {
        match self {
            Value::Uninit => Cow::Borrowed(b""),
            Value::Str(s) | Value::StrNum(s, _) => Cow::Borrowed(s),
            Value::Num(n) => Cow::Owned(num_to_str(*n, convfmt)),
        }
    }

    /// Whether comparisons treat this value as a number.
    pub(super) fn is_numeric(&self) -> bool {
        !matches!(self, Value::Str(_))
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// The length of the longest numeric prefix of `s` (after `start`), 0 if none.
fn numeric_prefix(s: &[u8], start: usize) -> usize {
    let mut i = start;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let digits_start = i;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < s.len() && s[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return 0;
    }
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i - start
}

fn parse_prefix(s: &[u8]) -> f64 {
    // Plain integers are by far the most common input: add them up without a parse.
    if s.len() < 16 && s.iter().all(u8::is_ascii_digit) {
        return s.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
    }
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// awk's string-to-number: leading blanks, then the longest numeric prefix ("3x" is 3, "x" 0).
pub(super) fn str_to_num(s: &[u8]) -> f64 {
    let start = s.iter().position(|b| !is_blank(*b)).unwrap_or(s.len());
    let len = numeric_prefix(s, start);
    if len == 0 {
        return 0.0;
    }
    parse_prefix(&s[start..start + len])
}

/// The number `s` stands for if it is entirely numeric (blanks around allowed).
pub(super) fn looks_numeric(s: &[u8]) -> Option<f64> {
    let start = s.iter().position(|b| !is_blank(*b))?;
    let len = numeric_prefix(s, start);
    if len == 0 || !s[start + len..].iter().all(|b| is_blank(*b)) {
        return None;
    }
    Some(parse_prefix(&s[start..start + len]))
}

/// A number as awk prints it: integral values whole, others through `fmt` (CONVFMT or OFMT).
pub(super) fn num_to_str(n: f64, fmt: &[u8]) -> Vec<u8> {
    if !n.is_finite() {
        // gawk's spelling, sign always shown.
        let sign = if n.is_sign_negative() { '-' } else { '+' };
        let name = if n.is_nan() { "nan" } else { "inf" };
        return format!("{sign}{name}").into_bytes();
    }
    if n == n.trunc() && n.is_finite() {
        if n.abs() < 1e18 {
            return (n as i64).to_string().into_bytes();
        }
        return format!("{n:.0}").into_bytes();
    }
    if fmt == b"%.6g" {
        return super::format::format_g(n, 6, false, false).into_bytes();
    }
    let mut out = Vec::new();
    super::format::sprintf(&mut out, fmt, &[Value::Num(n)], b"%.6g");
    out
}

/// Compares two values the POSIX way: numerically when both are numeric, else as strings.
pub(super) fn compare(a: &Value, b: &Value, convfmt: &[u8]) -> std::cmp::Ordering {
    if a.is_numeric() && b.is_numeric() {
        let (x, y) = (a.to_num(), b.to_num());
        return x
            .partial_cmp(&y)
            .unwrap_or_else(|| x.is_nan().cmp(&y.is_nan()));
    }
    a.to_str(convfmt).as_ref().cmp(b.to_str(convfmt).as_ref())
}

/// The number of characters in `s` (UTF-8; a stray byte counts as one).
pub(super) fn char_len(s: &[u8]) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

/// The byte offset of character `n` (0-based) in `s`, or `s.len()` past the end.
pub(super) fn char_offset(s: &[u8], n: usize) -> usize {
    if s.is_ascii() {
        return n.min(s.len());
    }
    let mut seen = 0;
    for (i, &b) in s.iter().enumerate() {
        if (b & 0xC0) != 0x80 {
            if seen == n {
                return i;
            }
            seen += 1;
        }
    }
    s.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_strings() {
        assert_eq!(looks_numeric(b" 12 "), Some(12.0));
        assert_eq!(looks_numeric(b"1e3"), Some(1000.0));
        assert_eq!(looks_numeric(b"-.5"), Some(-0.5));
        assert_eq!(looks_numeric(b"1e"), None);
        assert_eq!(looks_numeric(b"12abc"), None);
        assert_eq!(looks_numeric(b""), None);
        assert_eq!(looks_numeric(b"."), None);
        assert_eq!(str_to_num(b"12abc"), 12.0);
        assert_eq!(str_to_num(b"  3.5e1x"), 35.0);
        assert_eq!(str_to_num(b"0x1A"), 0.0);
        assert_eq!(str_to_num(b"abc"), 0.0);
    }

    #[test]
    fn numbers_print_like_awk() {
        assert_eq!(num_to_str(3.0, b"%.6g"), b"3");
        assert_eq!(num_to_str(-0.0, b"%.6g"), b"0");
        assert_eq!(num_to_str(0.1 + 0.2, b"%.6g"), b"0.3");
        assert_eq!(num_to_str(1e20, b"%.6g"), b"100000000000000000000");
        assert_eq!(num_to_str(1.23456789, b"%.2f"), b"1.23");
        assert_eq!(num_to_str(1e-7, b"%.6g"), b"1e-07");
    }
}
