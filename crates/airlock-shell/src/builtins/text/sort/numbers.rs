//! The special orders of `sort`: numeric (`-n`), human sizes (`-h`), general numbers (`-g`),
//! months (`-M`) and versions (`-V`), each following GNU's algorithm.

use std::cmp::Ordering;

fn skip_blanks(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &s[n..]
}

/// A number split into sign, integer digits (no leading zeros), fraction digits (no trailing
/// zeros), and what follows it.
struct Parts<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    rest: &'a [u8],
}

fn parts(s: &[u8]) -> Parts<'_> {
    let s = skip_blanks(s);
    let (negative, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let zeros = s[..digits].iter().take_while(|&&b| b == b'0').count();
    let int = &s[zeros..digits];
    let mut rest = &s[digits..];
    let mut frac: &[u8] = &[];
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        frac = &rest[1..1 + n];
        rest = &rest[1 + n..];
        let trailing = frac.iter().rev().take_while(|&&b| b == b'0').count();
        frac = &frac[..frac.len() - trailing];
    }
    Parts {
        negative,
        int,
        frac,
        rest,
    }
}

/// `-n`: exact decimal comparison of the leading numbers (no float rounding); anything that is
/// not a number counts as zero.
pub(super) fn numeric(a: &[u8], b: &[u8]) -> Ordering {
    numeric_parts(&parts(a), &parts(b))
}

fn numeric_parts(a: &Parts<'_>, b: &Parts<'_>) -> Ordering {
    let sign = |p: &Parts<'_>| -> i8 {
        if p.int.is_empty() && p.frac.is_empty() {
            0
        } else if p.negative {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(a), sign(b));
    if sa != sb {
        return sa.cmp(&sb);
    }
    let magnitude = a
        .int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(b.int))
        .then_with(|| a.frac.cmp(b.frac));
    if sa < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// `-h`: the unit suffix (K, M, G...) decides first, then the number.
pub(super) fn human(a: &[u8], b: &[u8]) -> Ordering {
    let (pa, pb) = (parts(a), parts(b));
    let order = |p: &Parts<'_>| -> i32 {
        let unit = match p.rest.first() {
            Some(b'k' | b'K') => 1,
            Some(b'M') => 2,
            Some(b'G') => 3,
            Some(b'T') => 4,
            Some(b'P') => 5,
            Some(b'E') => 6,
            Some(b'Z') => 7,
            Some(b'Y') => 8,
            Some(b'R') => 9,
            Some(b'Q') => 10,
            _ => 0,
        };
        if p.negative { -unit } else { unit }
    };
    order(&pa)
        .cmp(&order(&pb))
        .then_with(|| numeric_parts(&pa, &pb))
}

/// The leading floating-point number, as `strtod` would read it.
fn leading_float(s: &[u8]) -> Option<f64> {
    let s = skip_blanks(s);
    let text = String::from_utf8_lossy(&s[..s.len().min(64)]);
    let bytes = text.as_bytes();
    let mut end = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        end = 1;
    }
    let lower = text[end..].to_ascii_lowercase();
    for word in ["infinity", "inf", "nan"] {
        if lower.starts_with(word) {
            return text[..end + word.len()].parse().ok();
        }
    }
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int = digits(end);
    end += int;
    let mut frac = 0;
    if bytes.get(end) == Some(&b'.') {
        frac = digits(end + 1);
        end += 1 + frac;
    }
    if int + frac == 0 {
        return None;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut e = end + 1;
        if matches!(bytes.get(e), Some(b'+' | b'-')) {
            e += 1;
        }
        let exp = digits(e);
        if exp > 0 {
            end = e + exp;
        }
    }
    text[..end].trim_end_matches('.').parse().ok().or(Some(0.0))
}

/// `-g`: floating-point comparison; non-numbers first, then NaNs, then numbers.
pub(super) fn general(a: &[u8], b: &[u8]) -> Ordering {
    let class = |v: Option<f64>| match v {
        None => 0,
        Some(x) if x.is_nan() => 1,
        Some(_) => 2,
    };
    let (x, y) = (leading_float(a), leading_float(b));
    match (x, y) {
        (Some(x), Some(y)) if !x.is_nan() && !y.is_nan() => {
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        _ => class(x).cmp(&class(y)),
    }
}

/// `-M`: `JAN` < ... < `DEC`; anything else before `JAN`.
pub(super) fn month(a: &[u8], b: &[u8]) -> Ordering {
    month_index(a).cmp(&month_index(b))
}

fn month_index(s: &[u8]) -> usize {
    const MONTHS: [&[u8; 3]; 12] = [
        b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT", b"NOV",
        b"DEC",
    ];
    let s = skip_blanks(s);
    if s.len() < 3 {
        return 0;
    }
    let head = [
        s[0].to_ascii_uppercase(),
        s[1].to_ascii_uppercase(),
        s[2].to_ascii_uppercase(),
    ];
    MONTHS.iter().position(|m| **m == head).map_or(0, |i| i + 1)
}

/// `-V`: gnulib's `filevercmp` (the order of `ls -v`).
pub(super) fn version(a: &[u8], b: &[u8]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    // ".", then "..", then other hidden names, then the rest.
    if a[0] == b'.' {
        if b[0] != b'.' {
            return Ordering::Less;
        }
        for special in [&b"."[..], b".."] {
            match (a == special, b == special) {
                (true, true) => return Ordering::Equal,
                (true, false) => return Ordering::Less,
                (false, true) => return Ordering::Greater,
                _ => {}
            }
        }
    } else if b[0] == b'.' {
        return Ordering::Greater;
    }
    let (ap, bp) = (suffix_start(a), suffix_start(b));
    let first = verrevcmp(&a[..ap], &b[..bp]);
    if first != 0 || (ap == a.len() && bp == b.len()) {
        return first.cmp(&0);
    }
    verrevcmp(a, b).cmp(&0)
}

/// Where a file suffix (`(\.[A-Za-z~][A-Za-z0-9~]*)*$`) begins.
fn suffix_start(s: &[u8]) -> usize {
    let n = s.len();
    let mut prefix = 0;
    let mut i = 0;
    loop {
        if i == n {
            return prefix;
        }
        i += 1;
        prefix = i;
        while i + 1 < n && s[i] == b'.' && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~') {
            i += 2;
            while i < n && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
        }
    }
}

fn verrevcmp(s1: &[u8], s2: &[u8]) -> i32 {
    let order = |s: &[u8], pos: usize| -> i32 {
        match s.get(pos) {
            None => -1,
            Some(c) if c.is_ascii_digit() => 0,
            Some(c) if c.is_ascii_alphabetic() => i32::from(*c),
            Some(b'~') => -2,
            Some(c) => i32::from(*c) + 256,
        }
    };
    let digit = |s: &[u8], pos: usize| s.get(pos).is_some_and(u8::is_ascii_digit);
    let (mut p1, mut p2) = (0, 0);
    while p1 < s1.len() || p2 < s2.len() {
        while (p1 < s1.len() && !digit(s1, p1)) || (p2 < s2.len() && !digit(s2, p2)) {
            let (c1, c2) = (order(s1, p1), order(s2, p2));
            if c1 != c2 {
                return c1 - c2;
            }
            p1 += 1;
            p2 += 1;
        }
        while s1.get(p1) == Some(&b'0') {
            p1 += 1;
        }
        while s2.get(p2) == Some(&b'0') {
            p2 += 1;
        }
        let mut first_diff = 0;
        while digit(s1, p1) && digit(s2, p2) {
            if first_diff == 0 {
                first_diff = i32::from(s1[p1]) - i32::from(s2[p2]);
            }
            p1 += 1;
            p2 += 1;
        }
        if digit(s1, p1) {
            return 1;
        }
        if digit(s2, p2) {
            return -1;
        }
        if first_diff != 0 {
            return first_diff;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    #[test]
    fn numeric_is_exact() {
        assert_eq!(numeric(b"10", b"9"), Greater);
        assert_eq!(numeric(b"-10", b"-9"), Less);
        assert_eq!(numeric(b"  007", b"7"), Equal);
        assert_eq!(numeric(b"-0", b"0"), Equal);
        assert_eq!(numeric(b"1.5", b"1.50"), Equal);
        assert_eq!(numeric(b"1.5", b"1.49"), Greater);
        assert_eq!(numeric(b"abc", b"0"), Equal);
        assert_eq!(
            numeric(b"12345678901234567890", b"12345678901234567891"),
            Less
        );
    }

    #[test]
    fn human_and_general_and_month() {
        assert_eq!(human(b"2K", b"1M"), Less);
        assert_eq!(human(b"1.5G", b"900M"), Greater);
        assert_eq!(human(b"10", b"1K"), Less);
        assert_eq!(general(b"1e3", b"999"), Greater);
        assert_eq!(general(b"abc", b"-5"), Less);
        assert_eq!(month(b" feb", b"JAN"), Greater);
        assert_eq!(month(b"xyz", b"jan"), Less);
    }

    #[test]
    fn version_follows_filevercmp() {
        assert_eq!(version(b"a2", b"a10"), Less);
        assert_eq!(version(b"1.2.10", b"1.2.9"), Greater);
        assert_eq!(version(b"v1.0~rc1", b"v1.0"), Less);
        assert_eq!(version(b"foo.tar.gz", b"foo1.tar.gz"), Less);
        assert_eq!(version(b".hidden", b"a"), Less);
    }
}
