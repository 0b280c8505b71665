//! `%q`: a word the shell reads back as the argument, quoted the way bash quotes it.

/// Appends `arg` quoted: `''` when empty, `$'...'` when it holds control characters or
/// invalid UTF-8, otherwise with backslashes before the characters the shell would act on.
pub(super) fn shell_quote(arg: &[u8], out: &mut Vec<u8>) {
    if arg.is_empty() {
        out.extend_from_slice(b"''");
        return;
    }
    let valid = std::str::from_utf8(arg).is_ok();
    if !valid || arg.iter().any(|&b| b < 0x20 || b == 0x7f) {
        ansi_c(arg, out);
        return;
    }
    for (i, &b) in arg.iter().enumerate() {
        let escape = match b {
            b' ' | b'\'' | b'"' | b'\\' | b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>' | b'!'
            | b'{' | b'}' | b'*' | b'[' | b'?' | b']' | b'^' | b'$' | b'`' | b',' => true,
            // Tilde expansion happens at the start of a word and after `=` or `:`.
            b'~' => i == 0 || matches!(arg[i - 1], b'=' | b':'),
            b'#' => i == 0,
            _ => false,
        };
        if escape {
            out.push(b'\\');
        }
        out.push(b);
    }
}

/// `$'a\tb'`; bytes that are neither printable nor part of valid UTF-8 as `\NNN`.
fn ansi_c(arg: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b"$'");
    for chunk in arg.utf8_chunks() {
        for &b in chunk.valid().as_bytes() {
            match b {
                0x07 => out.extend_from_slice(b"\\a"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x1b => out.extend_from_slice(b"\\E"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x0b => out.extend_from_slice(b"\\v"),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\'' => out.extend_from_slice(b"\\'"),
                b if b < 0x20 || b == 0x7f => octal(b, out),
                b => out.push(b),
            }
        }
        for &b in chunk.invalid() {
            octal(b, out);
        }
    }
    out.push(b'\'');
}

fn octal(b: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("\\{b:03o}").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &[u8]) -> String {
        let mut out = Vec::new();
        shell_quote(s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_like_bash() {
        // Each pair checked against bash 5.2's `printf %q`.
        let cases: &[(&[u8], &str)] = &[
            (b"a b", r"a\ b"),
            (b"it's", r"it\'s"),
            (b"", "''"),
            (b"a\nb", r"$'a\nb'"),
            (b"x*y", r"x\*y"),
            (b"~a", r"\~a"),
            (b"a~", "a~"),
            (b"#a", r"\#a"),
            (b"a#", "a#"),
            (b"a=b", "a=b"),
            (b"a,b", r"a\,b"),
            ("é".as_bytes(), "é"),
            (b"a\\b", r"a\\b"),
            (b"\x01", r"$'\001'"),
            (b"\xff", r"$'\377'"),
            (b"a\x7fb", r"$'a\177b'"),
        ];
        for (input, want) in cases {
            assert_eq!(q(input), *want, "{input:?}");
        }
    }
}
