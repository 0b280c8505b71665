//! Printing values the way jq 1.7 does: 2-space pretty printing (or compact, tabs, N spaces),
//! integers without `.0`, floats in jq's shortest form (`1e+17`, `1e-05`), infinities clamped
//! to ±1.7976931348623157e+308, NaN as `null`, control characters and DEL escaped.

use jaq_json::{Num, Val};

/// Nesting deeper than this prints as `<skipped: too deep>`, as jq's printer does; it also
/// bounds the printer's recursion, which matters on the guest's small stack.
const MAX_PRINT_DEPTH: usize = 256;

/// How values are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Indent {
    /// `-c` (and `--indent 0`): everything on one line.
    Compact,
    /// `--indent N` (2 by default).
    Spaces(usize),
    /// `--tab`.
    Tab,
}

/// Output options that shape a single value.
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    pub indent: Indent,
    /// `-S`: object keys sorted, at every level.
    pub sort_keys: bool,
    /// `-a`: non-ASCII characters as `\uXXXX` escapes.
    pub ascii: bool,
}

impl Style {
    /// Compact and unsorted: what `tojson`, `tostring` and error messages use.
    pub const COMPACT: Style = Style {
        indent: Indent::Compact,
        sort_keys: false,
        ascii: false,
    };
}

/// Appends `v` as JSON text to `out`.
pub(super) fn value(out: &mut Vec<u8>, v: &Val, style: &Style) {
    write_val(out, v, style, 0);
}

/// `v` as compact JSON text.
pub(super) fn compact(v: &Val) -> Vec<u8> {
    let mut out = Vec::new();
    value(&mut out, v, &Style::COMPACT);
    out
}

/// What `tostring` and string interpolation make of a value: strings as they are, anything
/// else as compact JSON.
pub(super) fn text(v: &Val) -> Vec<u8> {
    match v {
        Val::TStr(s) | Val::BStr(s) => s.to_vec(),
        _ => compact(v),
    }
}

fn newline(out: &mut Vec<u8>, style: &Style, level: usize) {
    match style.indent {
        Indent::Compact => {}
        Indent::Spaces(n) => {
            out.push(b'\n');
            out.resize(out.len() + n * level, b' ');
        }
        Indent::Tab => {
            out.push(b'\n');
            out.resize(out.len() + level, b'\t');
        }
    }
}

fn write_val(out: &mut Vec<u8>, v: &Val, style: &Style, level: usize) {
    match v {
        Val::Null => out.extend_from_slice(b"null"),
        Val::Bool(true) => out.extend_from_slice(b"true"),
        Val::Bool(false) => out.extend_from_slice(b"false"),
        Val::Num(n) => number(out, n),
        Val::TStr(s) | Val::BStr(s) => string(out, s, style.ascii),
        Val::Arr(a) if a.is_empty() => out.extend_from_slice(b"[]"),
        Val::Obj(o) if o.is_empty() => out.extend_from_slice(b"{}"),
        _ if level >= MAX_PRINT_DEPTH => out.extend_from_slice(b"<skipped: too deep>"),
        Val::Arr(a) => {
            out.push(b'[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, style, level + 1);
                write_val(out, x, style, level + 1);
            }
            newline(out, style, level);
            out.push(b']');
        }
        Val::Obj(o) => {
            out.push(b'{');
            let mut entries: Vec<(&Val, &Val)> = o.iter().collect();
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, style, level + 1);
                match k {
                    Val::TStr(s) | Val::BStr(s) => string(out, s, style.ascii),
                    // jaq allows other keys (`{(1): 2}`); JSON does not, so print them quoted.
                    other => string(out, &compact(other), style.ascii),
                }
                out.push(b':');
                if style.indent != Indent::Compact {
                    out.push(b' ');
                }
                write_val(out, x, style, level + 1);
            }
            newline(out, style, level);
            out.push(b'}');
        }
    }
}

/// A number as jq prints it.
pub(super) fn number(out: &mut Vec<u8>, n: &Num) {
    match n {
        Num::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Num::BigInt(_) => out.extend_from_slice(n.to_string().as_bytes()),
        Num::Float(f) => float(out, *f),
        // A literal from the input or the program. jq 1.7 keeps plain decimals as written
        // (`1.0`, `1.50`); ones with an exponent go through the double, so `1e1000` clamps.
        Num::Dec(d) => {
            let plain = d
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
            match d.parse::<f64>() {
                Ok(f) if plain && f.is_finite() => out.extend_from_slice(d.as_bytes()),
                Ok(f) => float(out, f),
                Err(_) => out.extend_from_slice(b"null"),
            }
        }
    }
}

/// A double in jq 1.7's format (its `jvp_dtoa_fmt`): the shortest digits that read back the
/// same, positional unless the exponent is below -4 or the digits would need more than 15
/// padding zeros, then `d.ddde±XX`.
pub(super) fn float(out: &mut Vec<u8>, f: f64) {
    if f.is_nan() {
        out.extend_from_slice(b"null");
        return;
    }
    let f = f.clamp(-f64::MAX, f64::MAX);
    if f == 0.0 {
        out.extend_from_slice(if f.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // `{:e}` gives the shortest round-tripping digits: `-1.2345e-7`, `3e0`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: Vec<u8> = mantissa.bytes().filter(|b| *b != b'.').collect();
    let count = digits.len() as i64;
    let point = exp + 1;
    if negative {
        out.push(b'-');
    }
    if point <= -4 || point > count + 15 {
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        let e = point - 1;
        out.push(if e < 0 { b'-' } else { b'+' });
        let e = e.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(e.to_string().as_bytes());
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.resize(out.len() + point.unsigned_abs() as usize, b'0');
        out.extend_from_slice(&digits);
    } else {
        let point = point as usize;
        if digits.len() > point {
            out.extend_from_slice(&digits[..point]);
            out.push(b'.');
            out.extend_from_slice(&digits[point..]);
        } else {
            out.extend_from_slice(&digits);
            out.resize(out.len() + point - digits.len(), b'0');
        }
    }
}

/// A JSON string. Invalid UTF-8 becomes U+FFFD, as jq's reader would have made it.
pub(super) fn string(out: &mut Vec<u8>, bytes: &[u8], ascii: bool) {
    let text = String::from_utf8_lossy(bytes);
    let bytes = text.as_bytes();
    out.push(b'"');
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\t' => b"\\t",
            b'\r' => b"\\r",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f | 0x7f => b"",
            0x80..=0xff if ascii => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        if !escape.is_empty() {
            out.extend_from_slice(escape);
        } else if b < 0x80 {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else if (b & 0xc0) == 0xc0 {
            // The first byte of a character: escape the whole character (its other bytes
            // are skipped below, as continuation bytes).
            let end = (i + 1..bytes.len())
                .find(|&j| bytes[j] & 0xc0 != 0x80)
                .unwrap_or(bytes.len());
            let c = text[i..end].chars().next().unwrap_or('\u{fffd}');
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.extend_from_slice(format!("\\u{unit:04x}").as_bytes());
            }
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> String {
        let mut out = Vec::new();
        float(&mut out, x);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_print_like_jq_1_7() {
        let cases = [
            (3.0, "3"),
            (1.5, "1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e17, "1e+17"),
            (1e16, "1e+16"),
            (123456789012.0, "123456789012"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e300, "1.5e+300"),
            (2.5e-7, "2.5e-07"),
            (f64::INFINITY, "1.7976931348623157e+308"),
            (f64::NEG_INFINITY, "-1.7976931348623157e+308"),
            (f64::NAN, "null"),
            (-0.5, "-0.5"),
            (123456789.123, "123456789.123"),
        ];
        for (x, want) in cases {
            assert_eq!(f(x), want, "{x}");
        }
    }

    #[test]
    fn strings_escape_controls_and_optionally_non_ascii() {
        let mut out = Vec::new();
        string(&mut out, "a\"\\\n\u{1}\u{7f}é😀".as_bytes(), false);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"\\\\\\n\\u0001\\u007fé😀\""
        );
        let mut out = Vec::new();
        string(&mut out, "é😀x".as_bytes(), true);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"\\u00e9\\ud83d\\ude00x\""
        );
    }
}
