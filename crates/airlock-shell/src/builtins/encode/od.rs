//! `od`: dump bytes in octal, hex, decimal or as characters, 16 to a line, with GNU's column
//! alignment when several formats are shown and `*` for repeated lines.

use std::io::Write as _;

use super::usage;
use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const OD: Utility = Utility {
    name: "od",
    help: "Usage: od [OPTION]... [FILE]...\n\
Dump files (or standard input) in octal and other formats.\n\
\n\
\x20 -A, --address-radix=R   offsets in d, o, x or n (none); default o\n\
\x20 -j, --skip-bytes=N      skip N input bytes first\n\
\x20 -N, --read-bytes=N      dump at most N bytes\n\
\x20 -t, --format=TYPE       a[z], c[z], d|o|u|x[1|2|4|8|C|S|I|L][z]; z adds >text<\n\
\x20 -v, --output-duplicates do not use * for repeated lines\n\
\x20 -w, --width=N           N bytes per line (default 16)\n\
\x20 -b -c -d -o -s -x -i -l same as -t o1, c, u2, o2, d2, x2, d4, d8\n",
    run: od,
};

const SPEC: Spec<'static> = Spec {
    short: "A:j:N:t:vw:bcdosxil",
    long: &[
        ("address-radix", 'A', true),
        ("skip-bytes", 'j', true),
        ("read-bytes", 'N', true),
        ("format", 't', true),
        ("output-duplicates", 'v', false),
        ("width", 'w', true),
    ],
    stop_at_operand: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Octal,
    Hex,
    Signed,
    Unsigned,
    /// `c`: characters, C escapes, octal.
    Char,
    /// `a`: named characters (`nl`, `sp`), high bit ignored.
    Named,
}

/// One output format (`-t x2z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Format {
    kind: Kind,
    size: usize,
    /// `z`: the printable bytes after the fields, between `>` and `<`.
    text: bool,
}

impl Format {
    /// Characters of the widest value, without the separating space.
    fn width(&self) -> usize {
        let i = self.size.trailing_zeros() as usize;
        match self.kind {
            Kind::Octal => [3, 6, 11, 22][i],
            Kind::Hex => self.size * 2,
            Kind::Signed => [4, 6, 11, 20][i],
            Kind::Unsigned => [3, 5, 10, 20][i],
            Kind::Char | Kind::Named => 3,
        }
    }
}

/// Parses a `-t` type string into `formats`; `Err` is the message.
fn parse_type(s: &str, formats: &mut Vec<Format>) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let kind = match b[i] {
            b'o' => Kind::Octal,
            b'x' => Kind::Hex,
            b'd' => Kind::Signed,
            b'u' => Kind::Unsigned,
            b'c' => Kind::Char,
            b'a' => Kind::Named,
            c => {
                return Err(format!(
                    "invalid character '{}' in type string '{s}'",
                    c as char
                ));
            }
        };
        i += 1;
        let mut size = 1;
        if !matches!(kind, Kind::Char | Kind::Named) {
            size = 4;
            let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 {
                let n: usize = s[i..i + digits].parse().unwrap_or(0);
                if !matches!(n, 1 | 2 | 4 | 8) {
                    return Err(format!(
                        "invalid type string '{s}';\nthis system doesn't provide a {n}-byte integral type"
                    ));
                }
                size = n;
                i += digits;
            } else if let Some(n) = b.get(i).and_then(|c| match c {
                b'C' => Some(1),
                b'S' => Some(2),
                b'I' => Some(4),
                b'L' => Some(8),
                _ => None,
            }) {
                size = n;
                i += 1;
            }
        }
        let text = b.get(i) == Some(&b'z');
        if text {
            i += 1;
        }
        formats.push(Format { kind, size, text });
    }
    Ok(())
}

/// A byte count: decimal, `0x` hex or `0` octal, with an optional `b`, `k` or `m` multiplier.
fn parse_count(s: &str) -> Option<u64> {
    let (body, unit) = match s.as_bytes().last() {
        Some(b'b') if !s.starts_with("0x") => (&s[..s.len() - 1], 512),
        Some(b'k') => (&s[..s.len() - 1], 1024),
        Some(b'm') => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    let n = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        u64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    n.checked_mul(unit)
}

fn od<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let (opts, mut operands) = match parse(&cx.args, SPEC) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        let mut dump = Dump::new();
        let mut formats = Vec::new();
        for opt in opts {
            let value = opt.value.unwrap_or_default();
            let traditional = match opt.flag {
                'b' => "o1",
                'c' => "c",
                'd' => "u2",
                'o' => "o2",
                's' => "d2",
                'x' => "x2",
                'i' => "d4",
                'l' => "d8",
                _ => "",
            };
            let result = match opt.flag {
                'A' => match value.as_str() {
                    "o" | "x" | "d" | "n" => {
                        dump.radix = value.as_bytes()[0];
                        Ok(())
                    }
                    _ => Err(format!(
                        "invalid output address radix '{value}'; it must be one character from [doxn]"
                    )),
                },
                'j' | 'N' | 'w' => match parse_count(&value) {
                    Some(n) if opt.flag == 'j' => {
                        dump.skip = n;
                        Ok(())
                    }
                    Some(n) if opt.flag == 'N' => {
                        dump.limit = Some(n);
                        Ok(())
                    }
                    Some(n) if n > 0 && n <= 4096 => {
                        dump.per_line = n as usize;
                        Ok(())
                    }
                    _ => Err(format!("invalid argument '{value}'")),
                },
                't' => parse_type(&value, &mut formats),
                'v' => {
                    dump.all = true;
                    Ok(())
                }
                _ => parse_type(traditional, &mut formats),
            };
            if let Err(message) = result {
                return cx.fail(1, message).await;
            }
        }
        if formats.is_empty() {
            formats.push(Format {
                kind: Kind::Octal,
                size: 2,
                text: false,
            });
        }
        let widest = formats.iter().map(|f| f.size).max().unwrap_or(1);
        if !dump.per_line.is_multiple_of(widest) {
            return cx
                .fail(
                    1,
                    format!(
                        "invalid line width {}; it must be a multiple of {widest}",
                        dump.per_line
                    ),
                )
                .await;
        }
        dump.set_formats(formats);
        if operands.is_empty() {
            operands.push("-".to_string());
        }
        let mut out = Vec::new();
        let mut status = 0;
        for operand in &operands {
            if operand == "-" {
                while let Some(chunk) = cx.stdin.chunk().await {
                    dump.feed(chunk, &mut out);
                    out!(cx, &out);
                    out.clear();
                    if dump.done() {
                        break;
                    }
                }
            } else {
                match cx.read_operand(operand).await {
                    Ok(data) => dump.feed(&data, &mut out),
                    Err(e) => status = cx.fail_fs(operand, &e).await,
                }
                out!(cx, &out);
                out.clear();
            }
        }
        if dump.skip > 0 {
            let _ = cx.fail(1, "cannot skip past end of combined input").await;
            return 1;
        }
        dump.finish(&mut out);
        out!(cx, &out);
        status
    })
}

/// The dumping state: options, the partial line, the previous line for `*`.
#[derive(Debug)]
struct Dump {
    radix: u8,
    skip: u64,
    limit: Option<u64>,
    all: bool,
    per_line: usize,
    formats: Vec<Format>,
    /// Padding per format so the columns of all formats line up.
    pads: Vec<usize>,
    /// Offset of the next byte of `line`'s start.
    offset: u64,
    line: Vec<u8>,
    previous: Option<Vec<u8>>,
    starred: bool,
}

impl Dump {
    fn new() -> Self {
        Self {
            radix: b'o',
            skip: 0,
            limit: None,
            all: false,
            per_line: 16,
            formats: Vec::new(),
            pads: Vec::new(),
            offset: 0,
            line: Vec::new(),
            previous: None,
            starred: false,
        }
    }

    /// GNU lines up the formats: each gets the room of the widest, spread between fields.
    fn set_formats(&mut self, formats: Vec<Format>) {
        let room = formats
            .iter()
            .map(|f| (f.width() + 1) * (self.per_line / f.size))
            .max()
            .unwrap_or(0);
        self.pads = formats
            .iter()
            .map(|f| room - f.width() * (self.per_line / f.size))
            .collect();
        self.formats = formats;
    }

    fn done(&self) -> bool {
        self.limit == Some(0)
    }

    fn feed(&mut self, mut data: &[u8], out: &mut Vec<u8>) {
        if self.skip > 0 {
            let n = self.skip.min(data.len() as u64);
            self.skip -= n;
            self.offset += n;
            data = &data[n as usize..];
        }
        if let Some(limit) = &mut self.limit {
            let n = (*limit).min(data.len() as u64);
            *limit -= n;
            data = &data[..n as usize];
        }
        while !data.is_empty() {
            let take = (self.per_line - self.line.len()).min(data.len());
            self.line.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.line.len() == self.per_line {
                self.emit_line(out);
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.line.is_empty() {
            self.emit_line(out);
        }
        if self.radix != b'n' {
            self.address(self.offset, out);
            out.push(b'\n');
        }
    }

    fn address(&self, offset: u64, out: &mut Vec<u8>) {
        let _ = match self.radix {
            b'x' => write!(out, "{offset:06x}"),
            b'd' => write!(out, "{offset:07}"),
            b'n' => Ok(()),
            _ => write!(out, "{offset:07o}"),
        };
    }

    fn emit_line(&mut self, out: &mut Vec<u8>) {
        let line = std::mem::take(&mut self.line);
        let full = line.len() == self.per_line;
        if !self.all && full && self.previous.as_deref() == Some(line.as_slice()) {
            if !self.starred {
                out.extend_from_slice(b"*\n");
                self.starred = true;
            }
        } else {
            self.starred = false;
            let indent = match self.radix {
                b'n' => 0,
                b'x' => 6,
                _ => 7,
            };
            for (i, format) in self.formats.iter().enumerate() {
                if i == 0 {
                    self.address(self.offset, out);
                } else {
                    out.resize(out.len() + indent, b' ');
                }
                self.fields(format, self.pads[i], &line, out);
                out.push(b'\n');
            }
        }
        self.offset += line.len() as u64;
        self.previous = Some(line);
        self.line = Vec::with_capacity(self.per_line);
    }

    /// One format's fields for `line`, spread over the shared room (GNU's PRINT_FIELDS).
    fn fields(&self, f: &Format, pad: usize, line: &[u8], out: &mut Vec<u8>) {
        let fields = self.per_line / f.size;
        let present = line.len().div_ceil(f.size);
        let width = f.width();
        let mut pad_left = pad;
        for i in 0..present {
            let next_pad = pad * (fields - i - 1) / fields;
            let w = pad_left - next_pad + width;
            pad_left = next_pad;
            let mut bytes = [0u8; 8];
            let chunk = &line[i * f.size..((i + 1) * f.size).min(line.len())];
            bytes[..chunk.len()].copy_from_slice(chunk);
            let v = u64::from_le_bytes(bytes);
            let _ = match f.kind {
                Kind::Octal => write!(out, "{:>w$}", format!("{v:0width$o}")),
                Kind::Hex => write!(out, "{:>w$}", format!("{v:0width$x}")),
                Kind::Unsigned => write!(out, "{v:>w$}"),
                Kind::Signed => {
                    let shift = 64 - 8 * f.size as u32;
                    write!(out, "{:>w$}", ((v << shift) as i64) >> shift)
                }
                Kind::Char => write!(out, "{:>w$}", char_name(chunk[0])),
                Kind::Named => write!(out, "{:>w$}", ascii_name(chunk[0])),
            };
        }
        if f.text {
            let missing = fields - present;
            out.resize(out.len() + missing * (width + 1), b' ');
            out.extend_from_slice(b"  >");
            out.extend(
                line.iter()
                    .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'.' }),
            );
            out.push(b'<');
        }
    }
}

/// `-t c`: the byte itself, a C escape, or three octal digits.
fn char_name(b: u8) -> String {
    match b {
        0 => "\\0".into(),
        7 => "\\a".into(),
        8 => "\\b".into(),
        9 => "\\t".into(),
        10 => "\\n".into(),
        11 => "\\v".into(),
        12 => "\\f".into(),
        13 => "\\r".into(),
        0x20..=0x7e => (b as char).to_string(),
        _ => format!("{b:03o}"),
    }
}

/// `-t a`: ASCII names, the high bit ignored.
fn ascii_name(b: u8) -> String {
    const NAMES: [&str; 33] = [
        "nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "nl", "vt", "ff", "cr",
        "so", "si", "dle", "dc1", "dc2", "dc3", "dc4", "nak", "syn", "etb", "can", "em", "sub",
        "esc", "fs", "gs", "rs", "us", "sp",
    ];
    match b & 0x7f {
        c @ 0..=0x20 => NAMES[c as usize].to_string(),
        0x7f => "del".to_string(),
        c => (c as char).to_string(),
    }
}

#[cfg(test)]
mod tests;
