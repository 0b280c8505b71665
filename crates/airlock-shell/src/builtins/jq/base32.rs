//! `@base32` and `@base32d` (RFC 4648 alphabet, `=` padding), which jaq lacks.

use jaq_core::Error;

use super::value::{V, fail};

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(super) fn encode(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let bits = block.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        // Characters that carry input bits; the rest of the 8 are padding.
        let used = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < used {
                out.push(ALPHABET[(bits >> (35 - 5 * i) & 31) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

pub(super) fn decode(text: &[u8]) -> Result<Vec<u8>, Error<V>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut bits, mut count) = (0u64, 0u32);
    for &c in text.iter().filter(|&&c| c != b'=') {
        let Some(v) = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase()) else {
            let shown = String::from_utf8_lossy(text);
            return Err(fail(format!(
                "string (\"{shown}\") is not valid base32 data"
            )));
        };
        bits = bits << 5 | v as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, coded) in cases {
            assert_eq!(encode(plain.as_bytes()), coded.as_bytes());
            assert_eq!(decode(coded.as_bytes()).unwrap(), plain.as_bytes());
        }
    }
}
