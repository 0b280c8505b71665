//! TOTP (RFC 6238) with the parameters every authenticator app uses: HMAC-SHA-1, 6 digits,
//! 30 second steps. Pure: no clock, no store, no environment.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

/// Digits of a code.
pub const DIGITS: usize = 6;

/// Seconds of one time step.
pub const STEP_SECS: u64 = 30;

/// The shortest secret accepted, in bytes (128 bits, as RFC 4226 requires).
pub const MIN_SECRET_BYTES: usize = 16;

/// A secret longer than this is not a TOTP secret (apps use 20 to 64 bytes).
const MAX_SECRET_TEXT_BYTES: usize = 4096;

/// A code: six ASCII digits.
pub type Code = [u8; DIGITS];

/// The shared secret. Its `Debug` output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

/// Why a secret's text is not usable. Never quotes the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretError {
    /// Nothing but whitespace.
    Empty,
    /// Longer than any TOTP secret.
    TooLong,
    /// Characters outside base32 (A-Z, 2-7, with spaces, dashes and `=` ignored).
    NotBase32,
    /// Fewer than [`MIN_SECRET_BYTES`] bytes.
    TooShort { bits: usize },
    /// An `otpauth://` URI this gate cannot use.
    Uri(&'static str),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong => write!(
                f,
                "it is longer than {MAX_SECRET_TEXT_BYTES} bytes: not a TOTP secret"
            ),
            Self::NotBase32 => f.write_str(
                "it is neither a base32 secret (letters A-Z, digits 2-7) nor an otpauth:// URI",
            ),
            Self::TooShort { bits } => write!(
                f,
                "the secret has {bits} bits; at least {} are needed",
                MIN_SECRET_BYTES * 8
            ),
            Self::Uri(why) => write!(f, "it is an otpauth:// URI this gate cannot use: {why}"),
        }
    }
}

impl Secret {
    /// A secret of raw bytes, at least [`MIN_SECRET_BYTES`] long.
    ///
    /// # Errors
    /// [`SecretError::TooShort`] for a shorter one.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort {
                bits: bytes.len() * 8,
            });
        }
        Ok(Self(bytes.to_vec()))
    }

    /// A secret as authenticator apps show it: base32, in any case, with spaces, dashes and `=`
    /// padding ignored; or an `otpauth://totp/...` URI with SHA1, 6 digits and 30 s steps
    /// (the defaults). Surrounding whitespace is trimmed.
    ///
    /// # Errors
    /// A [`SecretError`] saying what is wrong, never quoting the text.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        if text.len() > MAX_SECRET_TEXT_BYTES {
            return Err(SecretError::TooLong);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(SecretError::Empty);
        }
        if text
            .get(..10)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("otpauth://"))
        {
            return Self::from_uri(&text[10..]);
        }
        Self::from_bytes(&decode_base32(text)?)
    }

    /// `rest` is what follows `otpauth://`: `totp/LABEL?secret=...&algorithm=...`.
    fn from_uri(rest: &str) -> Result<Self, SecretError> {
        let (kind, rest) = rest.split_once('/').unwrap_or((rest, ""));
        if !kind.eq_ignore_ascii_case("totp") {
            return Err(SecretError::Uri("only otpauth://totp/ URIs are time-based"));
        }
        let query = rest.split_once('?').map_or("", |(_, query)| query);
        let query = query.split_once('#').map_or(query, |(query, _)| query);
        let mut secret = None;
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            let supported = match key.to_ascii_lowercase().as_str() {
                "secret" => {
                    secret = Some(value);
                    true
                }
                "algorithm" => value.eq_ignore_ascii_case("SHA1"),
                "digits" => value == "6",
                "period" => value == "30",
                _ => true,
            };
            if !supported {
                return Err(SecretError::Uri(
                    "only SHA1, 6 digits and 30 s steps are supported (what authenticator apps use)",
                ));
            }
        }
        let secret = secret.ok_or(SecretError::Uri("it has no secret= parameter"))?;
        Self::from_bytes(&decode_base32(&secret)?)
    }

    /// The code of time step `step` (Unix seconds / 30), as ASCII digits.
    pub fn code_at_step(&self, step: u64) -> Code {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(&step.to_be_bytes());
        let hash = mac.finalize().into_bytes();
        // RFC 4226 dynamic truncation.
        let offset = usize::from(hash[hash.len() - 1] & 0x0f);
        let bin = u32::from_be_bytes([
            hash[offset] & 0x7f,
            hash[offset + 1],
            hash[offset + 2],
            hash[offset + 3],
        ]);
        let mut value = bin % 1_000_000;
        let mut code = [b'0'; DIGITS];
        for digit in code.iter_mut().rev() {
            // value % 10 < 10: the cast cannot truncate.
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
        code
    }

    /// The code of the time step that `unix_secs` falls in.
    pub fn code_at(&self, unix_secs: u64) -> Code {
        self.code_at_step(unix_secs / STEP_SECS)
    }
}

/// Whether two codes are equal, in time that does not depend on where they differ.
pub fn codes_equal(a: &Code, b: &Code) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// RFC 4648 base32, case-insensitive, with whitespace, dashes and `=` ignored. Trailing bits
/// that do not make a whole byte are dropped, as authenticator apps do.
fn decode_base32(text: &str) -> Result<Vec<u8>, SecretError> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in text.chars() {
        if c.is_whitespace() || c == '-' || c == '=' {
            continue;
        }
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return Err(SecretError::NotBase32),
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            // Masked to 8 bits: the cast cannot truncate.
            out.push(((buffer >> bits) & 0xff) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if out.is_empty() && bits == 0 {
        return Err(SecretError::Empty);
    }
    Ok(out)
}

/// `%XX` escapes decoded; a malformed escape is kept as it is (and then fails base32).
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = value.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret: the ASCII bytes of "12345678901234567890".
    fn rfc_secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        // Appendix B gives 8 digits; authenticator apps show the last 6.
        let vectors = [
            (59, b"287082"),
            (1_111_111_109, b"081804"),
            (1_111_111_111, b"050471"),
            (1_234_567_890, b"005924"),
            (2_000_000_000, b"279037"),
            (20_000_000_000, b"353130"),
        ];
        let secret = rfc_secret();
        for (time, expected) in vectors {
            assert_eq!(&secret.code_at(time), expected, "at {time}");
        }
    }

    #[test]
    fn base32_as_apps_show_it() {
        // "12345678901234567890" in base32.
        let canonical = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(Secret::parse(canonical).unwrap(), rfc_secret());
        assert_eq!(
            Secret::parse("  gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n").unwrap(),
            rfc_secret()
        );
        assert_eq!(
            Secret::parse("GEZDGNBV-GY3TQOJQ-GEZDGNBV-GY3TQOJQ").unwrap(),
            rfc_secret()
        );
        // 26 letters: 130 bits, of which 128 make 16 bytes.
        let secret = Secret::parse("JBSWY3DPEHPK3PXPJBSWY3DPEH").unwrap();
        assert_eq!(secret.0.len(), 16);
    }

    #[test]
    fn bad_secrets_are_refused_without_quoting_them() {
        assert_eq!(Secret::parse(""), Err(SecretError::Empty));
        assert_eq!(Secret::parse(" \n"), Err(SecretError::Empty));
        assert_eq!(Secret::parse("----"), Err(SecretError::Empty));
        assert_eq!(
            Secret::parse("JBSWY3DPEHPK3PXP"),
            Err(SecretError::TooShort { bits: 80 })
        );
        let bad = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1";
        let err = Secret::parse(bad).unwrap_err();
        assert_eq!(err, SecretError::NotBase32);
        assert!(!err.to_string().contains(bad));
        assert_eq!(Secret::parse(&"A".repeat(5000)), Err(SecretError::TooLong));
        assert!(!format!("{:?}", rfc_secret()).contains("1234"));
    }

    #[test]
    fn otpauth_uris() {
        let uri = "otpauth://totp/airlock:agent?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
                   &issuer=airlock&algorithm=SHA1&digits=6&period=30";
        assert_eq!(Secret::parse(uri).unwrap(), rfc_secret());
        let padded = "OTPAUTH://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ%3D%3D";
        assert_eq!(Secret::parse(padded).unwrap(), rfc_secret());
        for bad in [
            "otpauth://hotp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256",
            "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
            "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=60",
            "otpauth://totp/x?issuer=airlock",
        ] {
            let err = Secret::parse(bad).unwrap_err();
            assert!(matches!(err, SecretError::Uri(_)), "{bad}: {err:?}");
            assert!(!err.to_string().contains("GEZD"));
        }
    }

    #[test]
    fn codes_compare_by_value() {
        assert!(codes_equal(b"123456", b"123456"));
        assert!(!codes_equal(b"123456", b"123457"));
        assert!(!codes_equal(b"123456", b"023456"));
    }
}
