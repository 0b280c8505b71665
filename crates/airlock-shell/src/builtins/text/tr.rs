//! `tr`: translate, delete or squeeze bytes. Sets are byte sets, as in GNU.

use super::{Body, OutBuf, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const TR: Utility = Utility {
    name: "tr",
    help: "Usage: tr [OPTION]... STRING1 [STRING2]
Translate, squeeze, and/or delete characters from standard input, writing to standard output.
  -c, -C, --complement    use the complement of STRING1
  -d, --delete            delete characters in STRING1, do not translate
  -s, --squeeze-repeats   replace each sequence of a repeated character that is listed in the
                          last specified STRING with a single occurrence of that character
  -t, --truncate-set1     first truncate STRING1 to length of STRING2
STRINGs hold characters, ranges (a-z), escapes (\\n \\t \\\\ \\NNN), classes ([:alpha:] [:digit:]
[:space:] [:upper:] [:lower:] [:alnum:] [:punct:] [:blank:] [:cntrl:] [:graph:] [:print:]
[:xdigit:]), [c*] and [c*N] repeats, and [=c=].
",
    run: tr,
};

/// One piece of a parsed set; `Fill` is `[c*]` (only meaningful in STRING2).
#[derive(Debug, Clone)]
enum Piece {
    Bytes(Vec<u8>),
    Fill(u8),
}

/// Parses a STRING into its pieces.
fn parse_set(text: &str) -> Result<Vec<Piece>, String> {
    let s = text.as_bytes();
    // First unescape into (byte, was_escaped) so `\-` and `\[` are literal.
    let mut chars: Vec<(u8, bool)> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            i += 1;
            let c = s[i];
            let byte = match c {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'a' => 0x07,
                b'b' => 0x08,
                b'f' => 0x0C,
                b'v' => 0x0B,
                b'0'..=b'7' => {
                    let mut v: u32 = 0;
                    let mut n = 0;
                    while n < 3 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                        v = v * 8 + u32::from(s[i] - b'0');
                        i += 1;
                        n += 1;
                    }
                    i -= 1;
                    u8::try_from(v).unwrap_or(u8::MAX)
                }
                other => other,
            };
            chars.push((byte, true));
        } else {
            chars.push((s[i], false));
        }
        i += 1;
    }
    let mut pieces = Vec::new();
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (c, escaped) = chars[i];
        if c == b'['
            && !escaped
            && let Some((piece, used)) = bracket(&chars[i..])?
        {
            match piece {
                Piece::Bytes(b) => bytes.extend(b),
                fill => {
                    pieces.push(Piece::Bytes(std::mem::take(&mut bytes)));
                    pieces.push(fill);
                }
            }
            i += used;
            continue;
        }
        if i + 2 < chars.len() && chars[i + 1] == (b'-', false) {
            let hi = chars[i + 2].0;
            if hi < c {
                return Err(format!(
                    "range-endpoints of '{}-{}' are in reverse collating sequence order",
                    char::from(c),
                    char::from(hi)
                ));
            }
            bytes.extend(c..=hi);
            i += 3;
            continue;
        }
        bytes.push(c);
        i += 1;
    }
    pieces.push(Piece::Bytes(bytes));
    Ok(pieces)
}

/// A `[:class:]`, `[=c=]`, `[c*N]` or `[c*]` at the start of `chars`, with its length.
fn bracket(chars: &[(u8, bool)]) -> Result<Option<(Piece, usize)>, String> {
    let raw: Vec<u8> = chars.iter().map(|c| c.0).collect();
    if raw.get(1) == Some(&b':')
        && let Some(end) = raw[2..].windows(2).position(|w| w == b":]")
    {
        let name = String::from_utf8_lossy(&raw[2..2 + end]).into_owned();
        let test: fn(&u8) -> bool = match name.as_str() {
            "alpha" => u8::is_ascii_alphabetic,
            "digit" => u8::is_ascii_digit,
            "alnum" => u8::is_ascii_alphanumeric,
            "upper" => u8::is_ascii_uppercase,
            "lower" => u8::is_ascii_lowercase,
            "space" => |b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C),
            "blank" => |b| matches!(b, b' ' | b'\t'),
            "punct" => u8::is_ascii_punctuation,
            "cntrl" => u8::is_ascii_control,
            "graph" => u8::is_ascii_graphic,
            "print" => |b| b.is_ascii_graphic() || *b == b' ',
            "xdigit" => u8::is_ascii_hexdigit,
            _ => return Err(format!("invalid character class '{name}'")),
        };
        let bytes = (0..=255u8).filter(test).collect();
        return Ok(Some((Piece::Bytes(bytes), end + 4)));
    }
    if raw.get(1) == Some(&b'=') && raw.get(3) == Some(&b'=') && raw.get(4) == Some(&b']') {
        return Ok(Some((Piece::Bytes(vec![raw[2]]), 5)));
    }
    if raw.len() >= 4 && raw[2] == b'*' {
        let Some(close) = raw[3..].iter().position(|&b| b == b']') else {
            return Ok(None);
        };
        let count = &raw[3..3 + close];
        let c = raw[1];
        if count.is_empty() {
            return Ok(Some((Piece::Fill(c), close + 4)));
        }
        let text = String::from_utf8_lossy(count);
        // A leading 0 means octal, as in GNU.
        let n = if text.starts_with('0') {
            usize::from_str_radix(&text, 8)
        } else {
            text.parse()
        };
        let Ok(n) = n else {
            return Err(format!("invalid repeat count '{text}' in [c*n] construct"));
        };
        let piece = if n == 0 {
            Piece::Fill(c)
        } else {
            Piece::Bytes(vec![c; n])
        };
        return Ok(Some((piece, close + 4)));
    }
    Ok(None)
}

/// A set with no `[c*]`: its bytes in order.
fn flatten(pieces: &[Piece]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Bytes(b) => out.extend_from_slice(b),
            Piece::Fill(c) => out.push(*c),
        }
    }
    out
}

/// STRING2 stretched to `len`: `[c*]` fills the gap, else the last byte repeats.
fn stretch(pieces: &[Piece], len: usize) -> Vec<u8> {
    let fixed: usize = pieces
        .iter()
        .map(|p| match p {
            Piece::Bytes(b) => b.len(),
            Piece::Fill(_) => 0,
        })
        .sum();
    let mut out = Vec::new();
    let mut filled = false;
    for p in pieces {
        match p {
            Piece::Bytes(b) => out.extend_from_slice(b),
            Piece::Fill(c) if !filled => {
                out.extend(std::iter::repeat_n(*c, len.saturating_sub(fixed)));
                filled = true;
            }
            Piece::Fill(_) => {}
        }
    }
    if let Some(&last) = out.last() {
        while out.len() < len {
            out.push(last);
        }
    }
    out
}

fn tr<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(tr_body(cx).await) })
}

async fn tr_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "cCdst",
        long: &[
            ("complement", 'c', false),
            ("delete", 'd', false),
            ("squeeze-repeats", 's', false),
            ("truncate-set1", 't', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let (mut complement, mut delete, mut squeeze, mut truncate) = (false, false, false, false);
    for opt in &opts {
        match opt.flag {
            'c' | 'C' => complement = true,
            'd' => delete = true,
            's' => squeeze = true,
            't' => truncate = true,
            _ => {}
        }
    }
    let translating = !delete && operands.len() >= 2;
    let wanted = if delete && squeeze || translating {
        2
    } else {
        1
    };
    match operands.len() {
        0 => return Ok(cx.usage("missing operand").await),
        1 if wanted == 2 || !delete && !squeeze => {
            let msg = if delete {
                "Two strings must be given when both deleting and squeezing repeats."
            } else {
                "Two strings must be given when translating."
            };
            let op = &operands[0];
            return Ok(cx
                .usage(format!("missing operand after '{op}'\n{msg}"))
                .await);
        }
        n if n > wanted => {
            let extra = &operands[wanted];
            let msg = if delete {
                "\nOnly one string may be given when deleting without squeezing repeats."
            } else {
                ""
            };
            return Ok(cx.usage(format!("extra operand '{extra}'{msg}")).await);
        }
        _ => {}
    }
    let set1 = match parse_set(&operands[0]) {
        Ok(p) => flatten(&p),
        Err(m) => return Ok(cx.fail(1, m).await),
    };
    let set2_pieces = match operands.get(1).map(|s| parse_set(s)).transpose() {
        Ok(p) => p,
        Err(m) => return Ok(cx.fail(1, m).await),
    };
    let mut in_set1 = [false; 256];
    for &b in &set1 {
        in_set1[usize::from(b)] = true;
    }
    if complement {
        in_set1.iter_mut().for_each(|x| *x = !*x);
    }
    // The bytes of SET1 in order: with -c, the complement in ascending order.
    let set1_order: Vec<u8> = if complement {
        (0..=255u8).filter(|&b| in_set1[usize::from(b)]).collect()
    } else {
        set1
    };
    let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut squeeze_set = [false; 256];
    if translating {
        let Some(pieces) = &set2_pieces else {
            return Ok(1);
        };
        let mut set1_order = set1_order;
        let set2 = if truncate {
            let s2 = flatten(pieces);
            set1_order.truncate(s2.len());
            s2
        } else {
            stretch(pieces, set1_order.len())
        };
        if set2.is_empty() && !set1_order.is_empty() {
            return Ok(cx
                .fail(1, "when not truncating set1, string2 must be non-empty")
                .await);
        }
        for (i, &from) in set1_order.iter().enumerate() {
            map[usize::from(from)] = set2[i];
        }
        for &b in &set2 {
            squeeze_set[usize::from(b)] = true;
        }
    } else if delete {
        if let Some(pieces) = &set2_pieces {
            for b in flatten(pieces) {
                squeeze_set[usize::from(b)] = true;
            }
        }
    } else {
        squeeze_set = in_set1;
    }
    let mut out = OutBuf::new();
    let mut last: Option<u8> = None;
    while let Some(chunk) = cx.stdin.chunk().await {
        if !delete && !squeeze {
            out.buf.extend(chunk.iter().map(|&b| map[usize::from(b)]));
            out.drain(cx.stdout).await?;
            continue;
        }
        for &b in chunk {
            if delete && in_set1[usize::from(b)] {
                continue;
            }
            let c = map[usize::from(b)];
            if squeeze && squeeze_set[usize::from(c)] && last == Some(c) {
                continue;
            }
            last = Some(c);
            out.buf.push(c);
        }
        out.drain(cx.stdout).await?;
    }
    out.flush(cx.stdout).await?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::testing::run;

    #[test]
    fn tr_translates_with_ranges_and_classes() {
        assert_eq!(
            run("tr", &["a-z", "A-Z"], "hello, World\n").stdout,
            "HELLO, WORLD\n"
        );
        assert_eq!(
            run("tr", &["[:lower:]", "[:upper:]"], "abc\n").stdout,
            "ABC\n"
        );
        assert_eq!(run("tr", &["abc", "xy"], "abc\n").stdout, "xyy\n");
        assert_eq!(run("tr", &["-t", "abc", "xy"], "abc\n").stdout, "xyc\n");
        assert_eq!(run("tr", &["\\n", " "], "a\nb\n").stdout, "a b ");
        assert_eq!(run("tr", &[",", "\\t"], "a,b").stdout, "a\tb");
        assert_eq!(run("tr", &["a-c", "[x*]"], "abcd").stdout, "xxxd");
        assert_eq!(run("tr", &["\\\\", "/"], "a\\b").stdout, "a/b");
    }

    #[test]
    fn tr_deletes_squeezes_and_complements() {
        assert_eq!(run("tr", &["-d", "[:digit:]"], "a1b22c\n").stdout, "abc\n");
        assert_eq!(run("tr", &["-d", "\\r"], "a\r\nb\r\n").stdout, "a\nb\n");
        assert_eq!(run("tr", &["-s", " "], "a   b  c\n").stdout, "a b c\n");
        assert_eq!(run("tr", &["-s", "a "], "aaa  bbb\n").stdout, "a bbb\n");
        assert_eq!(run("tr", &["-c", "a-z", "X"], "hello\n").stdout, "helloX");
        assert_eq!(run("tr", &["-cd", "[:alnum:]"], "a-b c!\n").stdout, "abc");
        assert_eq!(run("tr", &["-ds", "h", "i"], "hhiii\n").stdout, "i\n");
        assert_eq!(
            run("tr", &["-s", "[:space:]", "\\n"], "a  b\t\tc\n").stdout,
            "a\nb\nc\n"
        );
        assert_eq!(run("tr", &["-d", "[:punct:]"], "a.b,c!").stdout, "abc");
    }

    #[test]
    fn tr_errors_read_like_gnu() {
        let r = run("tr", &[], "");
        assert!(r.stderr.starts_with("tr: missing operand\n"));
        assert_eq!(r.status, 2);
        let r = run("tr", &["a"], "");
        assert!(r.stderr.starts_with(
            "tr: missing operand after 'a'\nTwo strings must be given when translating.\n"
        ));
        let r = run("tr", &["-d", "a", "x"], "");
        assert!(r.stderr.starts_with("tr: extra operand 'x'\n"));
        assert_eq!(run("tr", &["-z", "a"], "").status, 2);
        assert_eq!(run("tr", &["[:nope:]", "a"], "").status, 1);
    }

    #[test]
    fn tr_large_input() {
        let input = "abc\n".repeat(100_000);
        assert_eq!(
            run("tr", &["a-z", "A-Z"], &input).stdout,
            "ABC\n".repeat(100_000)
        );
    }
}
