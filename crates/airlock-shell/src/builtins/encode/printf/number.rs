//! Arguments read as numbers the way bash's `printf` reads them (`strtoimax` with base 0,
//! `strtold`), including `'c` for a character's code and the messages for bad input.

/// A parsed argument, and what to complain about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Parsed<T> {
    pub value: T,
    pub problem: Option<Problem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Problem {
    /// `printf: ARG: invalid number`, status 1; the value is what parsed before the garbage.
    Invalid,
    /// `printf: warning: ARG: Numerical result out of range`; the value is clamped.
    Range,
}

/// `'x` or `"x`: the code of the character after the quote.
fn char_code(arg: &str) -> Option<u32> {
    let rest = arg.strip_prefix(['\'', '"'])?;
    Some(rest.chars().next().map_or(0, |c| c as u32))
}

/// Splits off leading blanks and a sign.
fn sign(arg: &str) -> (bool, &str) {
    let s = arg.trim_start_matches([' ', '\t', '\n']);
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

/// Reads an unsigned magnitude with a C base prefix; `(value, overflowed, rest)`.
fn magnitude(s: &str) -> (u64, bool, &str) {
    let (radix, digits) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.starts_with(|c: char| c.is_ascii_hexdigit()) {
            (16, h)
        } else {
            (10, s)
        }
    } else if s.starts_with('0') {
        (8, s)
    } else {
        (10, s)
    };
    let mut value = 0u64;
    let mut overflow = false;
    let mut used = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        used += 1;
    }
    (value, overflow, &digits[used..])
}

/// An argument for `%d` and `%i`.
pub(super) fn signed(arg: &str) -> Parsed<i64> {
    if let Some(code) = char_code(arg) {
        return ok(i64::from(code));
    }
    let (negative, s) = sign(arg);
    let (mag, overflow, rest) = magnitude(s);
    let limit = if negative {
        1u64 << 63
    } else {
        i64::MAX as u64
    };
    let (value, range) = if overflow || mag > limit {
        (if negative { i64::MIN } else { i64::MAX }, true)
    } else if negative {
        ((mag as i64).wrapping_neg(), false)
    } else {
        (mag as i64, false)
    };
    finish(arg, s, rest, value, range)
}

/// An argument for `%u`, `%o`, `%x`, `%X` (`-1` wraps, as `strtoumax` does).
pub(super) fn unsigned(arg: &str) -> Parsed<u64> {
    if let Some(code) = char_code(arg) {
        return ok(u64::from(code));
    }
    let (negative, s) = sign(arg);
    let (mag, overflow, rest) = magnitude(s);
    let (value, range) = if overflow {
        (u64::MAX, true)
    } else if negative {
        (mag.wrapping_neg(), false)
    } else {
        (mag, false)
    };
    finish(arg, s, rest, value, range)
}

fn ok<T>(value: T) -> Parsed<T> {
    Parsed {
        value,
        problem: None,
    }
}

fn finish<T>(arg: &str, body: &str, rest: &str, value: T, range: bool) -> Parsed<T> {
    // No digits at all is an error too (` `, `-`), but an empty argument is a quiet 0.
    let no_digits = !arg.is_empty() && body.len() == rest.len();
    let problem = if !rest.is_empty() || no_digits {
        Some(Problem::Invalid)
    } else if range {
        Some(Problem::Range)
    } else {
        None
    };
    Parsed { value, problem }
}

/// An argument for the floating conversions.
pub(super) fn float(arg: &str) -> Parsed<f64> {
    if let Some(code) = char_code(arg) {
        return ok(f64::from(code));
    }
    let (negative, s) = sign(arg);
    let (value, used) = unsigned_float(s);
    let value = if negative { -value } else { value };
    let rest = &s[used..];
    let problem = if !rest.is_empty() || (used == 0 && !arg.is_empty()) {
        Some(Problem::Invalid)
    } else {
        None
    };
    Parsed { value, problem }
}

/// The longest float at the start of `s` (decimal, hexadecimal, `inf`, `nan`) and its length.
fn unsigned_float(s: &str) -> (f64, usize) {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    if lower.starts_with("infinity") {
        return (f64::INFINITY, 8);
    }
    if lower.starts_with("inf") {
        return (f64::INFINITY, 3);
    }
    if lower.starts_with("nan") {
        return (f64::NAN, 3);
    }
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))
        && h.starts_with(|c: char| c.is_ascii_hexdigit() || c == '.')
    {
        let (v, used) = hex_float(h);
        return (v, used + 2);
    }
    let b = s.as_bytes();
    let mut end = 0;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
    }
    let mut mantissa_digits = end;
    if b.get(end) == Some(&b'.') {
        let start = end + 1;
        let mut e = start;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        mantissa_digits += e - start;
        if mantissa_digits > 0 {
            end = e;
        }
    }
    if mantissa_digits == 0 {
        return (0.0, 0);
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(b.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let digits_start = e;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        if e > digits_start {
            end = e;
        }
    }
    (s[..end].parse().unwrap_or(0.0), end)
}

/// `1f.8p3` after the `0x`: hex digits, a fraction, a binary exponent.
fn hex_float(s: &str) -> (f64, usize) {
    let b = s.as_bytes();
    let mut value = 0f64;
    let mut i = 0;
    while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(16)) {
        value = value * 16.0 + f64::from(d);
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 1.0 / 16.0;
        while let Some(d) = b.get(i).and_then(|&c| (c as char).to_digit(16)) {
            value += f64::from(d) * scale;
            scale /= 16.0;
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'p' | b'P')) {
        let mut e = i + 1;
        let negative = b.get(e) == Some(&b'-');
        if matches!(b.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let start = e;
        let mut exp = 0i32;
        while let Some(d) = b.get(e).and_then(|&c| (c as char).to_digit(10)) {
            exp = exp.saturating_mul(10).saturating_add(d as i32);
            e += 1;
        }
        if e > start {
            value *= 2f64.powi(if negative { -exp } else { exp });
            i = e;
        }
    }
    (value, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_take_c_prefixes_and_char_codes() {
        assert_eq!(signed("0x1F").value, 31);
        assert_eq!(signed("010").value, 8);
        assert_eq!(signed("-0x10").value, -16);
        assert_eq!(signed(" +7").value, 7);
        assert_eq!(signed("'a").value, 97);
        assert_eq!(signed("'é").value, 233);
        assert_eq!(signed("").problem, None);
        assert_eq!(unsigned("-1").value, u64::MAX);
    }

    #[test]
    fn bad_and_out_of_range_numbers() {
        assert_eq!(signed("abc").problem, Some(Problem::Invalid));
        assert_eq!(signed(" ").problem, Some(Problem::Invalid));
        let p = signed("12abc");
        assert_eq!((p.value, p.problem), (12, Some(Problem::Invalid)));
        let p = signed("99999999999999999999");
        assert_eq!((p.value, p.problem), (i64::MAX, Some(Problem::Range)));
        assert_eq!(signed("-9223372036854775808").value, i64::MIN);
        assert_eq!(signed("1.5").problem, Some(Problem::Invalid));
    }

    #[test]
    fn floats_like_strtold() {
        assert_eq!(float("1e2").value, 100.0);
        assert_eq!(float("0x10").value, 16.0);
        assert_eq!(float("0x1p3").value, 8.0);
        assert_eq!(float(".5").value, 0.5);
        assert!(float("-inf").value.is_infinite());
        let p = float("1.5e");
        assert_eq!((p.value, p.problem), (1.5, Some(Problem::Invalid)));
        assert_eq!(float("abc").problem, Some(Problem::Invalid));
    }
}
