//! `xxd`: a hex dump (`00000000: 4865 6c6c  Hel`), plain hex (`-p`), a C array (`-i`), and
//! the reverse (`-r`, `-r -p`). xxd parses its own options: `-c8`, `-c 8`, `-cols 8`, `-ps`.

mod reverse;

use std::io::Write as _;

use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const XXD: Utility = Utility {
    name: "xxd",
    help: "Usage: xxd [OPTION]... [INFILE [OUTFILE]]\n\
Make a hex dump of INFILE (or standard input), or turn a dump back into bytes.\n\
\n\
\x20 -b        bits instead of hex\n\
\x20 -c COLS   bytes per line (default 16; -p: 30; -i: 12; -b: 6)\n\
\x20 -g BYTES  bytes per group (default 2; -b: 1; 0: no groups)\n\
\x20 -i        output a C include file (an unsigned char array)\n\
\x20 -l LEN    stop after LEN bytes\n\
\x20 -p        plain hex, no offsets or text (also -ps, -plain, -postscript)\n\
\x20 -r        reverse: hex dump (or with -p plain hex) to bytes\n\
\x20 -s [+-]N  start at byte N (negative: from the end)\n\
\x20 -u        upper-case hex\n",
    run: xxd,
};

/// Longest line xxd accepts (`-c`), as in xxd itself.
const MAX_COLS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    Bits,
    Plain,
    Include,
}

#[derive(Debug)]
struct Options {
    mode: Mode,
    reverse: bool,
    upper: bool,
    cols: Option<usize>,
    group: Option<usize>,
    len: Option<u64>,
    /// `-s`: `(from_end, n)`.
    seek: (bool, u64),
    files: Vec<String>,
}

/// A number as xxd reads it (`strtol` base 0: `0x10`, `010`, `16`).
fn number(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        mode: Mode::Normal,
        reverse: false,
        upper: false,
        cols: None,
        group: None,
        len: None,
        seek: (false, 0),
        files: Vec::new(),
    };
    let mut i = 0;
    let mut options_done = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if options_done || !arg.starts_with('-') || arg == "-" {
            o.files.push(arg.clone());
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        let name = &arg[1..];
        match name {
            "p" | "ps" | "plain" | "postscript" => {
                o.mode = Mode::Plain;
                continue;
            }
            "r" | "revert" => {
                o.reverse = true;
                continue;
            }
            "rp" | "pr" | "rps" => {
                o.reverse = true;
                o.mode = Mode::Plain;
                continue;
            }
            "u" => {
                o.upper = true;
                continue;
            }
            "i" | "include" => {
                o.mode = Mode::Include;
                continue;
            }
            "b" | "bits" => {
                o.mode = Mode::Bits;
                continue;
            }
            _ => {}
        }
        let Some(letter) = name.chars().next().filter(|c| "cgls".contains(*c)) else {
            return Err(format!("invalid option: '{arg}'"));
        };
        let long = match letter {
            'c' => "cols",
            'g' => "groupsize",
            'l' => "len",
            _ => "seek",
        };
        let inline = &name[1..];
        let value = if !inline.is_empty() && !long[1..].starts_with(inline) {
            inline.to_string()
        } else if let Some(v) = args.get(i) {
            i += 1;
            v.clone()
        } else {
            return Err(format!("option '-{letter}' requires an argument"));
        };
        let bad = || format!("invalid number for -{letter}: '{value}'");
        match letter {
            'c' => o.cols = Some(number(&value).ok_or_else(bad)? as usize),
            'g' => o.group = Some(number(&value).ok_or_else(bad)? as usize),
            'l' => o.len = Some(number(&value).ok_or_else(bad)?),
            _ => {
                let (from_end, body) = match value.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, value.strip_prefix('+').unwrap_or(&value)),
                };
                o.seek = (from_end, number(body).ok_or_else(bad)?);
            }
        }
    }
    Ok(o)
}

fn xxd<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let o = match parse_options(&cx.args) {
            Ok(o) => o,
            Err(e) => return super::usage(cx, e, 1).await,
        };
        if o.files.len() > 2 {
            return super::usage(cx, format!("too many arguments: '{}'", o.files[2]), 1).await;
        }
        if o.cols.is_some_and(|c| c > MAX_COLS) && o.mode != Mode::Plain {
            return cx.fail(1, "invalid number of columns (max. 256).").await;
        }
        let infile = o.files.first().map_or("-", String::as_str).to_string();
        let outfile = o.files.get(1).cloned();
        let mut data = match cx.read_operand(&infile).await {
            Ok(d) => d,
            Err(e) => {
                let _ = cx.fail_fs(&infile, &e).await;
                return 2;
            }
        };
        let result = if o.reverse {
            match reverse::reverse(&data, o.mode == Mode::Plain, o.cols, o.seek.1) {
                Ok(bytes) => bytes,
                Err(message) => return cx.fail(1, message).await,
            }
        } else {
            let start = if o.seek.0 {
                (data.len() as u64).saturating_sub(o.seek.1)
            } else {
                o.seek.1.min(data.len() as u64)
            };
            let end = o
                .len
                .map_or(data.len() as u64, |l| (start + l).min(data.len() as u64));
            data.truncate(end as usize);
            let name = (infile != "-").then_some(infile.as_str());
            dump(&o, name, &data[start as usize..], start)
        };
        match outfile {
            Some(path) if path != "-" => {
                if let Err(e) = cx.sys.write_file(&cx.path(&path), &result, false) {
                    let _ = cx.fail_fs(&path, &e).await;
                    return 2;
                }
            }
            _ => out!(cx, &result),
        }
        0
    })
}

/// The dump of `data`, which starts at `offset` in the input.
fn dump(o: &Options, name: Option<&str>, data: &[u8], offset: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 5);
    match o.mode {
        Mode::Plain => {
            let cols = o.cols.filter(|&c| c > 0).unwrap_or(30);
            for line in data.chunks(cols) {
                for b in line {
                    hex_byte(*b, o.upper, &mut out);
                }
                out.push(b'\n');
            }
        }
        Mode::Include => include(o, name, data, &mut out),
        Mode::Normal | Mode::Bits => {
            let bits = o.mode == Mode::Bits;
            let cols = o
                .cols
                .filter(|&c| c > 0)
                .unwrap_or(if bits { 6 } else { 16 });
            let group = match o.group {
                Some(0) => cols,
                Some(g) => g,
                None if bits => 1,
                None => 2,
            };
            let digits = if bits { 8 } else { 2 };
            let hex_width = cols * digits + (cols - 1) / group;
            for (n, line) in data.chunks(cols).enumerate() {
                let _ = write!(out, "{:08x}: ", offset + (n * cols) as u64);
                let hex_start = out.len();
                for (i, &b) in line.iter().enumerate() {
                    if i > 0 && i % group == 0 {
                        out.push(b' ');
                    }
                    if bits {
                        let _ = write!(out, "{b:08b}");
                    } else {
                        hex_byte(b, o.upper, &mut out);
                    }
                }
                let used = out.len() - hex_start;
                out.resize(out.len() + hex_width - used + 2, b' ');
                out.extend(
                    line.iter()
                        .map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'.' }),
                );
                out.push(b'\n');
            }
        }
    }
    out
}

fn hex_byte(b: u8, upper: bool, out: &mut Vec<u8>) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    out.push(digits[usize::from(b >> 4)]);
    out.push(digits[usize::from(b & 15)]);
}

/// `-i`: `unsigned char NAME[] = { 0x48, ... };` (just the bytes when reading stdin).
fn include(o: &Options, name: Option<&str>, data: &[u8], out: &mut Vec<u8>) {
    let cols = o.cols.filter(|&c| c > 0).unwrap_or(12);
    let var: Option<String> = name.map(|n| {
        let v: String = n
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            format!("__{v}")
        } else {
            v
        }
    });
    if let Some(v) = &var {
        let _ = writeln!(out, "unsigned char {v}[] = {{");
    }
    let prefix: &[u8] = if o.upper { b"0X" } else { b"0x" };
    for (n, line) in data.chunks(cols).enumerate() {
        if n > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(b"  ");
        for (i, &b) in line.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(prefix);
            hex_byte(b, o.upper, out);
        }
    }
    if !data.is_empty() {
        out.push(b'\n');
    }
    if let Some(v) = &var {
        let _ = write!(out, "}};\nunsigned int {v}_len = {};\n", data.len());
    }
}

#[cfg(test)]
mod tests;
