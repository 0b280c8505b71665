//! The `strtod` QuickJS calls.
//!
//! QuickJS reads every number of `JSON.parse` with libc's `strtod`, and wasi-libc's (musl's)
//! converts through a big-decimal scanner that made number-heavy JSON twice as slow to parse
//! as it needs to be. The guest's C is compiled with `-Dstrtod=airlock_strtod` (see
//! `.cargo/config.toml`), so QuickJS's calls land here: the same decimal syntax, converted by
//! Rust's float parser (correctly rounded, as musl's is). Nothing else in the guest calls
//! `strtod`.
//!
//! What it takes, as C's `strtod`: leading white space, a sign, then `inf`, `infinity` or
//! `nan` (any case; `nan(...)` too), or decimal digits with an optional fraction and exponent.
//! Hexadecimal floats (`0x1p3`) are not taken: such input reads as `0`, ending at the `x`
//! (QuickJS hands over only JSON numbers, which are decimal).

use std::ffi::c_char;

/// Converts the number at the start of `s` and points `end` (if not null) past it; with no
/// number there, returns 0 and points `end` at `s`.
///
/// # Safety
/// `s` must point to a NUL-terminated string, and `end` be null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn airlock_strtod(s: *const c_char, end: *mut *mut c_char) -> f64 {
    // SAFETY: the string is NUL-terminated, and the scan stops at the first byte outside the
    // number's syntax, which the NUL is: no byte past the terminator is read. The bytes read
    // are copied into a bounded buffer, so the whole (possibly long) rest of the string is
    // never measured.
    let at = |i: usize| unsafe { *s.cast::<u8>().add(i) };
    let (value, used) = parse(at);
    if !end.is_null() {
        // SAFETY: `end` is valid for a write; `used` is within the string just read.
        unsafe { *end = s.add(used).cast_mut() };
    }
    value
}

/// Reads a number through `at` (byte `i` of a NUL-terminated string): its value and how many
/// bytes it took (0 when there is none).
fn parse(at: impl Fn(usize) -> u8) -> (f64, usize) {
    let mut i = 0;
    while matches!(at(i), b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = at(i) == b'-';
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let sign = if negative { -1.0 } else { 1.0 };
    if let Some((value, len)) = special(&at, i) {
        return (sign * value, i + len);
    }
    // The longest prefix in the decimal syntax, into `text` (digits beyond what a double can
    // tell apart still count, for rounding: the buffer grows only for such input).
    let mut text = String::with_capacity(32);
    if negative {
        text.push('-');
    }
    let mut digits = 0;
    while at(i).is_ascii_digit() {
        text.push(char::from(at(i)));
        i += 1;
        digits += 1;
    }
    if at(i) == b'.' {
        text.push('.');
        i += 1;
        while at(i).is_ascii_digit() {
            text.push(char::from(at(i)));
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return (0.0, 0);
    }
    if matches!(at(i), b'e' | b'E') {
        let mut j = i + 1;
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        // An exponent counts only with a digit; otherwise the number ends before the `e`.
        if at(j).is_ascii_digit() {
            for k in i..j {
                text.push(char::from(at(k)));
            }
            while at(j).is_ascii_digit() {
                text.push(char::from(at(j)));
                j += 1;
            }
            i = j;
        }
    }
    // The syntax checked above is a subset of what Rust parses.
    (text.parse().unwrap_or(0.0), i)
}

/// `inf`, `infinity` or `nan` (with an optional `(chars)`) at `i`, any case.
fn special(at: &impl Fn(usize) -> u8, i: usize) -> Option<(f64, usize)> {
    let word = |w: &[u8]| {
        w.iter()
            .enumerate()
            .all(|(k, c)| at(i + k).to_ascii_lowercase() == *c)
    };
    if word(b"infinity") {
        return Some((f64::INFINITY, 8));
    }
    if word(b"inf") {
        return Some((f64::INFINITY, 3));
    }
    if word(b"nan") {
        let mut len = 3;
        if at(i + 3) == b'(' {
            let mut k = i + 4;
            while at(k).is_ascii_alphanumeric() || at(k) == b'_' {
                k += 1;
            }
            if at(k) == b')' {
                len = k + 1 - i;
            }
        }
        return Some((f64::NAN, len));
    }
    None
}
