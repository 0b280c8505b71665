//! `base64`: encode (wrapped at 76 columns) or decode, streaming from stdin.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::usage;
use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const BASE64: Utility = Utility {
    name: "base64",
    help: "Usage: base64 [OPTION]... [FILE]\n\
Base64 encode or decode FILE, or standard input, to standard output.\n\
\n\
\x20 -d, --decode          decode data\n\
\x20 -i, --ignore-garbage  when decoding, ignore non-alphabet characters\n\
\x20 -w, --wrap=COLS       wrap encoded lines after COLS characters (default 76, 0: no wrap)\n",
    run: base64,
};

const SPEC: Spec<'static> = Spec {
    short: "diw:",
    long: &[
        ("decode", 'd', false),
        ("ignore-garbage", 'i', false),
        ("wrap", 'w', true),
    ],
    stop_at_operand: false,
};

fn base64<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let (opts, operands) = match parse(&cx.args, SPEC) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        let mut decode = false;
        let mut garbage = false;
        let mut wrap = 76;
        for opt in opts {
            match opt.flag {
                'd' => decode = true,
                'i' => garbage = true,
                _ => {
                    let value = opt.value.unwrap_or_default();
                    let Ok(w) = value.parse::<usize>() else {
                        return cx.fail(1, format!("invalid wrap size: '{value}'")).await;
                    };
                    wrap = w;
                }
            }
        }
        if operands.len() > 1 {
            return usage(cx, format!("extra operand '{}'", operands[1]), 1).await;
        }
        let operand = operands.first().map_or("-", String::as_str).to_string();
        let mut buf = Vec::new();
        let ok = if decode {
            let mut decoder = Decoder::new(garbage);
            if operand == "-" {
                let mut ok = true;
                while let Some(chunk) = cx.stdin.chunk().await {
                    ok = decoder.feed(chunk, &mut buf);
                    out!(cx, &buf);
                    buf.clear();
                    if !ok {
                        break;
                    }
                }
                ok && decoder.finish(&mut buf)
            } else {
                let data = match cx.read_operand(&operand).await {
                    Ok(d) => d,
                    Err(e) => return cx.fail_fs(&operand, &e).await,
                };
                decoder.feed(&data, &mut buf) && decoder.finish(&mut buf)
            }
        } else {
            let mut encoder = Encoder::new(wrap);
            if operand == "-" {
                while let Some(chunk) = cx.stdin.chunk().await {
                    encoder.feed(chunk, &mut buf);
                    out!(cx, &buf);
                    buf.clear();
                }
            } else {
                let data = match cx.read_operand(&operand).await {
                    Ok(d) => d,
                    Err(e) => return cx.fail_fs(&operand, &e).await,
                };
                encoder.feed(&data, &mut buf);
            }
            encoder.finish(&mut buf);
            true
        };
        out!(cx, &buf);
        if ok {
            0
        } else {
            cx.fail(1, "invalid input").await
        }
    })
}

/// Encodes in whole groups of three bytes, carrying the rest to the next chunk.
struct Encoder {
    wrap: usize,
    column: usize,
    carry: Vec<u8>,
    text: String,
}

impl Encoder {
    fn new(wrap: usize) -> Self {
        Self {
            wrap,
            column: 0,
            carry: Vec::new(),
            text: String::new(),
        }
    }

    fn feed(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        if !self.carry.is_empty() {
            let take = (3 - self.carry.len()).min(data.len());
            self.carry.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.carry.len() < 3 {
                return;
            }
            let carry = std::mem::take(&mut self.carry);
            self.encode(&carry, out);
        }
        let whole = data.len() / 3 * 3;
        self.encode(&data[..whole], out);
        self.carry.extend_from_slice(&data[whole..]);
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        let carry = std::mem::take(&mut self.carry);
        self.encode(&carry, out);
        if self.wrap > 0 && self.column > 0 {
            out.push(b'\n');
        }
    }

    fn encode(&mut self, data: &[u8], out: &mut Vec<u8>) {
        self.text.clear();
        STANDARD.encode_string(data, &mut self.text);
        if self.wrap == 0 {
            out.extend_from_slice(self.text.as_bytes());
            return;
        }
        let mut text = self.text.as_bytes();
        while !text.is_empty() {
            let take = (self.wrap - self.column).min(text.len());
            out.extend_from_slice(&text[..take]);
            text = &text[take..];
            self.column += take;
            if self.column == self.wrap {
                out.push(b'\n');
                self.column = 0;
            }
        }
    }
}

/// Decodes quads as they complete. Like GNU, newlines are skipped, padded quads may follow
/// one another, and what decoded before an error is still written.
struct Decoder {
    garbage: bool,
    quad: [u8; 4],
    len: usize,
    pad: usize,
}

/// The value of a base64 digit.
fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

impl Decoder {
    fn new(garbage: bool) -> Self {
        Self {
            garbage,
            quad: [0; 4],
            len: 0,
            pad: 0,
        }
    }

    /// Decodes `data` into `out`; `false` on invalid input.
    fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        for &b in data {
            if b == b'=' {
                if self.len < 2 {
                    return false;
                }
                self.pad += 1;
                self.quad[self.len] = 0;
                self.len += 1;
            } else if let Some(v) = sextet(b) {
                if self.pad > 0 {
                    return false;
                }
                self.quad[self.len] = v;
                self.len += 1;
            } else if b == b'\n' || self.garbage {
                continue;
            } else {
                return false;
            }
            if self.len == 4 {
                self.emit(out);
            }
        }
        true
    }

    fn emit(&mut self, out: &mut Vec<u8>) {
        let q = self.quad;
        let bytes = [
            q[0] << 2 | q[1] >> 4,
            q[1] << 4 | q[2] >> 2,
            q[2] << 6 | q[3],
        ];
        let n = (self.len - 1).min(3 - self.pad);
        out.extend_from_slice(&bytes[..n]);
        self.len = 0;
        self.pad = 0;
        self.quad = [0; 4];
    }

    /// Flushes a trailing partial quad (GNU writes its bytes, then reports the error).
    fn finish(&mut self, out: &mut Vec<u8>) -> bool {
        if self.len == 0 {
            return true;
        }
        if self.len >= 2 {
            self.emit(out);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::run;

    #[test]
    fn encodes_and_wraps() {
        assert_eq!(run("base64", &[], "hello\n").stdout, "aGVsbG8K\n");
        assert_eq!(run("base64", &["-w", "2"], "abc").stdout, "YW\nJj\n");
        assert_eq!(run("base64", &["-w0"], "abcd").stdout, "YWJjZA==");
        assert_eq!(run("base64", &[], "").stdout, "");
        let long = "x".repeat(100);
        let r = run("base64", &[], &long);
        let lines: Vec<_> = r.stdout.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 76);
    }

    #[test]
    fn decodes_like_gnu() {
        assert_eq!(run("base64", &["-d"], "YWJj\nZGVm\n").stdout, "abcdef");
        assert_eq!(run("base64", &["-d"], "YQ==YQ==").stdout, "aa");
        assert_eq!(run("base64", &["--decode"], "Y\nQ\n=\n=").stdout, "a");
        let r = run("base64", &["-d"], "YQ");
        assert_eq!((r.stdout.as_str(), r.status), ("a", 1));
        assert_eq!(r.stderr, "base64: invalid input\n");
        let r = run("base64", &["-d"], "YW!Jj");
        assert_eq!((r.stdout.as_str(), r.status), ("", 1));
        assert_eq!(run("base64", &["-di"], "Y Q==").stdout, "a");
    }

    #[test]
    fn round_trips_binary_in_odd_chunks() {
        let data: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let mut encoder = Encoder::new(76);
        let mut text = Vec::new();
        for piece in data.chunks(7) {
            encoder.feed(piece, &mut text);
        }
        encoder.finish(&mut text);
        assert_eq!(text, wrapped(&data));
        let mut decoder = Decoder::new(false);
        let mut back = Vec::new();
        for piece in text.chunks(5) {
            assert!(decoder.feed(piece, &mut back));
        }
        assert!(decoder.finish(&mut back));
        assert_eq!(back, data);
    }

    fn wrapped(data: &[u8]) -> Vec<u8> {
        let text = STANDARD.encode(data);
        let mut out = Vec::new();
        for line in text.as_bytes().chunks(76) {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn errors() {
        let r = run("base64", &["nofile"], "");
        assert_eq!(
            (r.status, r.stderr.as_str()),
            (1, "base64: nofile: No such file or directory\n")
        );
        let r = run("base64", &["-w", "abc"], "");
        assert_eq!(
            (r.status, r.stderr.as_str()),
            (1, "base64: invalid wrap size: 'abc'\n")
        );
        assert_eq!(run("base64", &["a", "b"], "").status, 1);
        assert_eq!(run("base64", &["--nope"], "").status, 1);
    }
}
