//! Backslash escapes as bash expands them. Three dialects differ in small ways agents trip
//! over, so each is named: `echo -e`, a `printf` format, and a `printf %b` argument.

/// Which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// `echo -e`: octal only as `\0NNN`; `\c` stops all output.
    Echo,
    /// A `printf` format: octal as `\NNN` (the leading 0 counts as a digit); `\"`, `\'` and
    /// `\?` lose their backslash; `\c` stays literal.
    Format,
    /// A `printf %b` argument: octal as `\0NNN` or `\NNN`; `\c` stops all output.
    PercentB,
}

/// What expanding found besides the bytes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct Expanded {
    /// `\c` was met: print nothing more at all.
    pub stop: bool,
    /// Warnings bash prints (`missing hex digit for \x`), without the `printf: ` prefix.
    pub warnings: Vec<String>,
}

/// Appends `s` with its escapes expanded to `out`.
pub(super) fn expand(s: &[u8], dialect: Dialect, out: &mut Vec<u8>) -> Expanded {
    let mut info = Expanded::default();
    let mut i = 0;
    while i < s.len() {
        let Some(off) = memchr::memchr(b'\\', &s[i..]) else {
            out.extend_from_slice(&s[i..]);
            break;
        };
        out.extend_from_slice(&s[i..i + off]);
        i += off + 1;
        let Some(&c) = s.get(i) else {
            out.push(b'\\');
            break;
        };
        i += 1;
        match c {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'e' | b'E' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'c' if dialect != Dialect::Format => {
                info.stop = true;
                return info;
            }
            b'"' | b'\'' | b'?' if dialect == Dialect::Format => out.push(c),
            b'0' if dialect != Dialect::Format => {
                let (value, used) = digits(&s[i..], 8, 3);
                out.push(value as u8);
                i += used;
            }
            b'0'..=b'7' if dialect != Dialect::Echo => {
                let (value, used) = digits(&s[i - 1..], 8, 3);
                out.push(value as u8);
                i += used - 1;
            }
            b'x' => {
                let (value, used) = digits(&s[i..], 16, 2);
                if used == 0 {
                    if dialect != Dialect::Echo {
                        info.warnings.push("missing hex digit for \\x".to_string());
                    }
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push(value as u8);
                    i += used;
                }
            }
            b'u' | b'U' => {
                let max = if c == b'u' { 4 } else { 8 };
                let (value, used) = digits(&s[i..], 16, max);
                if used == 0 {
                    if dialect != Dialect::Echo {
                        info.warnings
                            .push(format!("missing unicode digit for \\{}", c as char));
                    }
                    out.push(b'\\');
                    out.push(c);
                } else {
                    let ch = char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += used;
                }
            }
            _ => {
                out.push(b'\\');
                out.push(c);
            }
        }
    }
    info
}

/// The value of up to `max` leading digits of `s` in `radix`, and how many there were.
fn digits(s: &[u8], radix: u32, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut used = 0;
    for &b in s.iter().take(max) {
        let Some(d) = (b as char).to_digit(radix) else {
            break;
        };
        value = value * radix + d;
        used += 1;
    }
    (value, used)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, dialect: Dialect) -> (Vec<u8>, bool) {
        let mut out = Vec::new();
        let info = expand(s.as_bytes(), dialect, &mut out);
        (out, info.stop)
    }

    #[test]
    fn octal_rules_differ_by_dialect() {
        // Checked against bash 5.2.
        assert_eq!(run(r"\101\0101", Dialect::Echo).0, b"\\101A");
        assert_eq!(run(r"\101\0101", Dialect::Format).0, b"A\x081");
        assert_eq!(
            run(r"\0\01\0012\08\18", Dialect::PercentB).0,
            b"\0\x01\n\08\x018"
        );
    }

    #[test]
    fn stop_and_quotes() {
        assert_eq!(run(r"a\cb", Dialect::Echo), (b"a".to_vec(), true));
        assert_eq!(run(r"a\cb", Dialect::Format), (b"a\\cb".to_vec(), false));
        assert_eq!(run(r#"\"\'\?\z"#, Dialect::Format).0, b"\"'?\\z");
        assert_eq!(run(r#"\"\'\?\z"#, Dialect::Echo).0, b"\\\"\\'\\?\\z");
    }

    #[test]
    fn hex_and_unicode() {
        assert_eq!(run(r"\x41\x4g\xZ", Dialect::Echo).0, b"A\x04g\\xZ");
        assert_eq!(
            run(r"\u00e9\U1F600\u", Dialect::Echo).0,
            "é😀\\u".as_bytes()
        );
        let mut out = Vec::new();
        let info = expand(br"\x", Dialect::Format, &mut out);
        assert_eq!(info.warnings, ["missing hex digit for \\x"]);
        assert_eq!(out, b"\\x");
    }
}
