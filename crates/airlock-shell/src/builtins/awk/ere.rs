//! POSIX extended regular expressions (with awk's escapes and gawk's `\y \< \> \s \w`)
//! translated to the `regex` crate's syntax.
//!
//! Differences kept: the `regex` crate matches leftmost-first, not POSIX leftmost-longest, so
//! an alternation like `a|ab` can match less than awk would. `\b` is a word boundary (as agents
//! used to Perl expect) rather than gawk's backspace.

use regex::bytes::Regex;

/// Compiles an awk regular expression.
pub(super) fn compile(src: &[u8]) -> Result<Regex, String> {
    let pattern = translate(src)?;
    regex::bytes::RegexBuilder::new(&pattern)
        .build()
        .map_err(|e| {
            let first = e.to_string();
            let last = first
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .trim()
                .to_string();
            format!(
                "invalid regular expression /{}/: {}",
                String::from_utf8_lossy(src),
                last.trim_start_matches("error: ")
            )
        })
}

/// Appends one literal character, escaped when the `regex` crate gives it a meaning.
fn push_literal(out: &mut String, c: char) {
    if c.is_ascii() && !c.is_ascii_alphanumeric() && c != '_' && !c.is_ascii_whitespace() {
        out.push('\\');
    }
    out.push(c);
}

/// Decodes the character at `i`: (char, byte length); a stray byte comes back as U+FFFD
/// with length 1, and its raw value is emitted as `\xHH` by the callers.
fn char_at(src: &[u8], i: usize) -> (Option<char>, usize) {
    let end = (i + 4).min(src.len());
    for len in 1..=end - i {
        if let Ok(s) = std::str::from_utf8(&src[i..i + len]) {
            return (s.chars().next(), len);
        }
    }
    (None, 1)
}

/// The value of an escape like `\n`, `\t`, `\101` (octal) or `\x41`, and the bytes it used.
fn escape_value(src: &[u8], i: usize) -> Option<(u8, usize)> {
    let c = *src.get(i)?;
    let simple = match c {
        b'n' => Some(b'\n'),
        b't' => Some(b'\t'),
        b'r' => Some(b'\r'),
        b'f' => Some(b'\x0c'),
        b'v' => Some(b'\x0b'),
        b'a' => Some(b'\x07'),
        b'/' => Some(b'/'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(v) = simple {
        return Some((v, 1));
    }
    if (b'0'..=b'7').contains(&c) {
        let mut v = 0u32;
        let mut n = 0;
        while n < 3 && src.get(i + n).is_some_and(|d| (b'0'..=b'7').contains(d)) {
            v = v * 8 + u32::from(src[i + n] - b'0');
            n += 1;
        }
        return Some((v as u8, n));
    }
    if c == b'x' {
        let mut v = 0u32;
        let mut n = 0;
        while n < 2 && src.get(i + 1 + n).is_some_and(u8::is_ascii_hexdigit) {
            v = v * 16 + (src[i + 1 + n] as char).to_digit(16).unwrap_or(0);
            n += 1;
        }
        if n > 0 {
            return Some((v as u8, n + 1));
        }
    }
    None
}

fn push_byte(out: &mut String, b: u8) {
    if b.is_ascii() {
        push_literal(out, b as char);
    } else {
        out.push_str(&format!("(?-u:\\x{b:02X})"));
    }
}

/// Whether `{` at `i` opens a valid interval (`{n}`, `{n,}`, `{n,m}`).
fn interval_len(src: &[u8], i: usize) -> Option<usize> {
    let close = src[i..].iter().position(|&b| b == b'}')?;
    let body = &src[i + 1..i + close];
    let (a, b) = match body.iter().position(|&b| b == b',') {
        Some(k) => (&body[..k], Some(&body[k + 1..])),
        None => (body, None),
    };
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    let ok = !a.is_empty() && digits(a) && b.is_none_or(digits);
    ok.then_some(close + 1)
}

fn translate(src: &[u8]) -> Result<String, String> {
    let mut out = String::from("(?s)");
    // Whether a quantifier here would have nothing to repeat (POSIX makes it literal).
    let mut at_start = true;
    let mut depth = 0usize;
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        let was_start = at_start;
        at_start = false;
        match c {
            b'\\' => {
                i += 1;
                let Some(&e) = src.get(i) else {
                    out.push_str("\\\\");
                    break;
                };
                match e {
                    b'y' | b'b' => out.push_str("\\b"),
                    b'B' => out.push_str("\\B"),
                    b'<' => out.push_str("\\b{start}"),
                    b'>' => out.push_str("\\b{end}"),
                    b'`' => out.push_str("\\A"),
                    b'\'' => out.push_str("\\z"),
                    b's' | b'S' | b'w' | b'W' => {
                        out.push('\\');
                        out.push(e as char);
                    }
                    _ => {
                        if let Some((v, n)) = escape_value(src, i) {
                            push_byte(&mut out, v);
                            i += n;
                            continue;
                        }
                        let (ch, n) = char_at(src, i);
                        match ch {
                            Some(ch) => push_literal(&mut out, ch),
                            None => push_byte(&mut out, e),
                        }
                        i += n;
                        continue;
                    }
                }
                i += 1;
            }
            b'[' => {
                i = bracket(src, i, &mut out)?;
            }
            b'(' => {
                depth += 1;
                out.push('(');
                at_start = true;
                i += 1;
            }
            b')' if depth > 0 => {
                depth -= 1;
                out.push(')');
                i += 1;
            }
            b'|' => {
                out.push('|');
                at_start = true;
                i += 1;
            }
            b'^' => {
                out.push('^');
                at_start = true;
                i += 1;
            }
            b'*' | b'+' | b'?' if was_start => {
                push_literal(&mut out, c as char);
                i += 1;
            }
            b'{' => match interval_len(src, i) {
                Some(n) if !was_start => {
                    out.push_str(std::str::from_utf8(&src[i..i + n]).unwrap_or("{"));
                    i += n;
                }
                _ => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            b'.' | b'*' | b'+' | b'?' | b'$' => {
                out.push(c as char);
                i += 1;
            }
            _ => {
                let (ch, n) = char_at(src, i);
                match ch {
                    Some(ch) => push_literal(&mut out, ch),
                    None => push_byte(&mut out, c),
                }
                i += n;
            }
        }
    }
    Ok(out)
}

/// Translates the bracket expression starting at `src[start] == '['`; returns the index after
/// its closing `]`.
fn bracket(src: &[u8], start: usize, out: &mut String) -> Result<usize, String> {
    let mut i = start + 1;
    let mut class = String::from("[");
    if src.get(i) == Some(&b'^') {
        class.push('^');
        i += 1;
    }
    let first = i;
    loop {
        let Some(&c) = src.get(i) else {
            return Err(format!(
                "unterminated [ in regular expression /{}/",
                String::from_utf8_lossy(src)
            ));
        };
        match c {
            b']' if i > first => {
                class.push(']');
                out.push_str(&class);
                return Ok(i + 1);
            }
            b'[' if matches!(src.get(i + 1), Some(b':' | b'=' | b'.')) => {
                let kind = src[i + 1];
                let end = src[i + 2..]
                    .windows(2)
                    .position(|w| w[0] == kind && w[1] == b']')
                    .map(|p| i + 2 + p);
                let Some(end) = end else {
                    class.push_str("\\[");
                    i += 1;
                    continue;
                };
                let name = &src[i + 2..end];
                if kind == b':' {
                    class.push_str("[:");
                    class.push_str(&String::from_utf8_lossy(name));
                    class.push_str(":]");
                } else {
                    for &b in name {
                        push_byte(&mut class, b);
                    }
                }
                i = end + 2;
            }
            b'\\' => {
                i += 1;
                match src.get(i) {
                    Some(b's' | b'S' | b'w' | b'W' | b'd' | b'D') => {
                        class.push('\\');
                        class.push(src[i] as char);
                        i += 1;
                    }
                    Some(_) => {
                        if let Some((v, n)) = escape_value(src, i) {
                            push_byte(&mut class, v);
                            i += n;
                        } else {
                            let (ch, n) = char_at(src, i);
                            match ch {
                                Some(ch) => push_literal(&mut class, ch),
                                None => push_byte(&mut class, src[i]),
                            }
                            i += n;
                        }
                    }
                    None => class.push_str("\\\\"),
                }
            }
            b'-' => {
                // A range dash sits between two members; a dash first or last is literal.
                let is_range = i > first && src.get(i + 1).is_some_and(|&n| n != b']');
                class.push_str(if is_range { "-" } else { "\\-" });
                i += 1;
            }
            _ => {
                let (ch, n) = char_at(src, i);
                match ch {
                    Some(ch) => push_literal(&mut class, ch),
                    None => push_byte(&mut class, c),
                }
                i += n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(re: &str, s: &str) -> bool {
        compile(re.as_bytes()).unwrap().is_match(s.as_bytes())
    }

    #[test]
    fn posix_classes_and_literals() {
        assert!(m("^[[:space:]]*$", " \t"));
        assert!(m("[[:digit:]]+", "a1"));
        assert!(!m("^[[:alpha:]]+$", "ab1"));
        assert!(m("a{2}", "aa"));
        assert!(m("{x", "{x"));
        assert!(m("a{", "a{"));
        assert!(m("^*a", "*a"));
        assert!(m("[]x]", "]"));
        assert!(m("[^]x]", "a"));
        assert!(m("[a-]", "-"));
        assert!(m("[/]", "/"));
        assert!(m("\\/", "/"));
        assert!(m("a.b", "a\nb"));
        assert!(m("[&~]", "~"));
        assert!(m("[[]", "["));
        assert!(m("\\.", "."));
        assert!(!m("\\.", "x"));
        assert!(m("\\<foo\\>", "a foo b"));
        assert!(!m("\\yfoo\\y", "afoo"));
        assert!(m("x|", "y"));
        assert!(m("\\t", "\t"));
        assert!(m("[\\t]", "\t"));
    }

    #[test]
    fn errors_name_the_regex() {
        assert!(compile(b"[abc").unwrap_err().contains("unterminated"));
        assert!(compile(b"(a").is_err());
    }
}
