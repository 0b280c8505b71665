//! C `printf` conversions of numbers and strings: flags, width, precision, and the `%e`/`%g`
//! shapes Rust's own formatting lacks.

/// The flags, width and precision of one conversion.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spec {
    pub left: bool,
    pub plus: bool,
    pub space: bool,
    pub zero: bool,
    pub alt: bool,
    pub width: usize,
    pub precision: Option<usize>,
}

impl Spec {
    /// `body` padded to the width with spaces (a string conversion: no zero padding).
    pub fn pad(&self, body: &[u8], out: &mut Vec<u8>) {
        self.assemble(b"", body, false, out);
    }

    /// `prefix` (sign, `0x`) and `body`, padded to the width; with `zero`, zeros go between.
    fn assemble(&self, prefix: &[u8], body: &[u8], zero: bool, out: &mut Vec<u8>) {
        let len = prefix.len() + body.len();
        let fill = self.width.saturating_sub(len);
        if self.left {
            out.extend_from_slice(prefix);
            out.extend_from_slice(body);
            out.resize(out.len() + fill, b' ');
        } else if zero {
            out.extend_from_slice(prefix);
            out.resize(out.len() + fill, b'0');
            out.extend_from_slice(body);
        } else {
            out.resize(out.len() + fill, b' ');
            out.extend_from_slice(prefix);
            out.extend_from_slice(body);
        }
    }

    fn sign(&self, negative: bool) -> &'static [u8] {
        if negative {
            b"-"
        } else if self.plus {
            b"+"
        } else if self.space {
            b" "
        } else {
            b""
        }
    }

    /// Digits padded to the precision (`%.3d` is `005`; `%.0d` of 0 is nothing).
    fn digits(&self, digits: String) -> String {
        match self.precision {
            Some(0) if digits == "0" => String::new(),
            Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
            _ => digits,
        }
    }

    /// `%d`, `%i`.
    pub fn signed(&self, value: i64, out: &mut Vec<u8>) {
        let digits = self.digits(value.unsigned_abs().to_string());
        let zero = self.zero && self.precision.is_none();
        self.assemble(self.sign(value < 0), digits.as_bytes(), zero, out);
    }

    /// `%u`, `%o`, `%x`, `%X`.
    pub fn unsigned(&self, value: u64, conv: u8, out: &mut Vec<u8>) {
        let mut digits = self.digits(match conv {
            b'o' => format!("{value:o}"),
            b'x' => format!("{value:x}"),
            b'X' => format!("{value:X}"),
            _ => value.to_string(),
        });
        let mut prefix: &[u8] = b"";
        if self.alt {
            match conv {
                b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                b'x' if value != 0 => prefix = b"0x",
                b'X' if value != 0 => prefix = b"0X",
                _ => {}
            }
        }
        let zero = self.zero && self.precision.is_none();
        self.assemble(prefix, digits.as_bytes(), zero, out);
    }

    /// `%f`, `%F`, `%e`, `%E`, `%g`, `%G`.
    pub fn float(&self, value: f64, conv: u8, out: &mut Vec<u8>) {
        let upper = conv.is_ascii_uppercase();
        let sign = self.sign(value.is_sign_negative() && !value.is_nan());
        if !value.is_finite() {
            let body = match (value.is_nan(), upper) {
                (true, false) => "nan",
                (true, true) => "NAN",
                (false, false) => "inf",
                (false, true) => "INF",
            };
            self.assemble(sign, body.as_bytes(), false, out);
            return;
        }
        let magnitude = value.abs();
        let precision = self.precision.unwrap_or(6);
        let mut body = match conv.to_ascii_lowercase() {
            b'e' => exponential(magnitude, precision, self.alt),
            b'g' => general(magnitude, precision, self.alt),
            _ => fixed(magnitude, precision, self.alt),
        };
        if upper {
            body.make_ascii_uppercase();
        }
        self.assemble(sign, body.as_bytes(), self.zero, out);
    }
}

fn fixed(value: f64, precision: usize, alt: bool) -> String {
    let mut s = format!("{value:.precision$}");
    if alt && precision == 0 {
        s.push('.');
    }
    s
}

/// `1.500000e+03`: Rust writes `1.500000e3`, C wants a signed exponent of two digits or more.
fn exponential(value: f64, precision: usize, alt: bool) -> String {
    let s = format!("{value:.precision$e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let dot = if alt && precision == 0 { "." } else { "" };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{dot}e{sign}{:02}", exp.unsigned_abs())
}

/// `%g`: `%e` or `%f` by the exponent, then trailing zeros dropped (unless `#`).
fn general(value: f64, precision: usize, alt: bool) -> String {
    let p = precision.max(1);
    // The exponent after rounding to `p` significant digits decides the shape.
    let e = format!("{value:.prec$e}", prec = p - 1);
    let exp: i64 = e
        .split_once('e')
        .and_then(|(_, x)| x.parse().ok())
        .unwrap_or(0);
    let p = p as i64;
    let mut s = if exp < -4 || exp >= p {
        exponential(value, (p - 1) as usize, alt)
    } else {
        fixed(value, (p - 1 - exp) as usize, alt)
    };
    if !alt {
        let (mantissa, tail) = match s.find('e') {
            Some(i) => s.split_at(i),
            None => (s.as_str(), ""),
        };
        if mantissa.contains('.') {
            let trimmed = mantissa.trim_end_matches('0').trim_end_matches('.');
            s = format!("{trimmed}{tail}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(spec: Spec, value: f64, conv: u8) -> String {
        let mut out = Vec::new();
        spec.float(value, conv, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_match_glibc() {
        let d = Spec::default();
        let p = |n| Spec {
            precision: Some(n),
            ..d
        };
        assert_eq!(f(d, 12345.678, b'e'), "1.234568e+04");
        assert_eq!(f(d, 0.0001, b'g'), "0.0001");
        assert_eq!(f(d, 123456789.0, b'g'), "1.23457e+08");
        assert_eq!(f(d, 100.0, b'g'), "100");
        assert_eq!(f(d, 1e-10, b'G'), "1E-10");
        assert_eq!(f(d, 0.0, b'e'), "0.000000e+00");
        assert_eq!(f(p(0), 0.5, b'f'), "0");
        assert_eq!(f(p(0), 2.5, b'f'), "2");
        assert_eq!(f(p(2), 2.675, b'f'), "2.67");
        assert_eq!(f(Spec { alt: true, ..d }, 1.0, b'g'), "1.00000");
        assert_eq!(f(d, -0.000012345, b'g'), "-1.2345e-05");
        assert_eq!(f(d, f64::INFINITY, b'f'), "inf");
        let w = Spec {
            width: 8,
            zero: true,
            precision: Some(3),
            ..d
        };
        assert_eq!(f(w, -1.23456, b'f'), "-001.235");
    }

    #[test]
    fn integers_with_flags() {
        let mut out = Vec::new();
        let d = Spec::default();
        Spec { alt: true, ..d }.unsigned(255, b'x', &mut out);
        out.push(b'|');
        Spec { alt: true, ..d }.unsigned(8, b'o', &mut out);
        out.push(b'|');
        Spec {
            width: 5,
            precision: Some(0),
            ..d
        }
        .signed(0, &mut out);
        out.push(b'|');
        Spec {
            plus: true,
            zero: true,
            width: 5,
            ..d
        }
        .signed(3, &mut out);
        out.push(b'|');
        Spec {
            precision: Some(3),
            ..d
        }
        .signed(-5, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "0xff|010|     |+0003|-005");
    }
}
