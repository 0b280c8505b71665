//! `stat`: GNU's default multi-line report, `-c FORMAT`, `--printf FORMAT` and `-t`.

use super::common::{
    self, OWNER, OWNER_ID, apparent_size, inode, kib_used, mode_bits, mode_string, quote,
};
use super::time::full_time;
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::system::FileInfo;

pub(super) const STAT: Utility = Utility {
    name: "stat",
    help: "Usage: stat [OPTION]... FILE...
Display file status.

  -c, --format=FORMAT   use FORMAT instead of the default, with a newline after each use
      --printf=FORMAT   like --format, but interpret backslash escapes and add no newline
  -t, --terse           print the information in terse form
  -L, --dereference     accepted (there are no links)

FORMAT sequences: %n name, %N quoted name, %s size, %b blocks, %B block unit, %o I/O block,
%F file type, %a octal mode, %A mode string, %f raw mode in hex, %u %U %g %G owner and group,
%h links, %i inode, %d %D device, %m mount point, %x %y %z time as text, %X %Y %Z seconds since
the epoch, %w %W birth (unknown), %% a percent sign.
",
    run: stat,
};

const DEFAULT_FORMAT: &str = "  File: %n\n  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\nDevice: 0,0\tInode: %-10i  Links: %h\nAccess: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\nAccess: %x\nModify: %y\nChange: %z\n Birth: %w\n";
const TERSE_FORMAT: &str = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n";

fn stat<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "c:tLf",
            long: &[
                ("format", 'c', true),
                ("printf", 'p', true),
                ("terse", 't', false),
                ("dereference", 'L', false),
                ("file-system", 'f', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut format = DEFAULT_FORMAT.to_string();
        for opt in opts {
            match (opt.flag, opt.value) {
                ('c', Some(f)) => format = f + "\n",
                ('p', Some(f)) => format = unescape(&f),
                ('t', _) => format = TERSE_FORMAT.to_string(),
                ('f', _) => {
                    return cx
                        .usage("option -f (file system status) is not supported")
                        .await;
                }
                _ => {}
            }
        }
        if operands.is_empty() {
            return cx.usage("missing operand").await;
        }
        let mut status = 0;
        for op in &operands {
            let path = cx.path(op);
            match cx.sys.stat(&path) {
                Ok(info) => {
                    let links = if info.is_dir {
                        let subdirs = cx
                            .sys
                            .read_dir(&path)
                            .map_or(0, |l| l.iter().filter(|e| e.is_dir).count());
                        2 + subdirs as u64
                    } else {
                        1
                    };
                    let file = File {
                        name: op,
                        path: &path,
                        info: &info,
                        links,
                    };
                    let text = render(&format, &file);
                    emit!(cx, text.as_bytes());
                }
                Err(e) => {
                    let message = format!("cannot statx {}: {}", quote(op), e.describe());
                    status = cx.fail(1, message).await;
                }
            }
        }
        status
    })
}

/// What the directives describe.
#[derive(Debug)]
struct File<'a> {
    /// As given.
    name: &'a str,
    path: &'a str,
    info: &'a FileInfo,
    links: u64,
}

/// Expands the `%` directives of `format` for one file.
fn render(format: &str, file: &File<'_>) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(f) = chars.next_if(|c| matches!(c, '-' | '0' | '+' | ' ' | '#')) {
            flags.push(f);
        }
        let mut width = String::new();
        while let Some(d) = chars.next_if(char::is_ascii_digit) {
            width.push(d);
        }
        let mut precision = None;
        if chars.next_if_eq(&'.').is_some() {
            let mut p = String::new();
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                p.push(d);
            }
            precision = p.parse::<usize>().ok();
        }
        let Some(kind) = chars.next() else {
            out.push('%');
            break;
        };
        if kind == '%' {
            out.push('%');
            continue;
        }
        let (mut value, numeric) = field(kind, file);
        if let Some(p) = precision.filter(|_| !numeric) {
            value = value.chars().take(p).collect();
        }
        let width: usize = width.parse().unwrap_or(0);
        let padded = if flags.contains('-') {
            format!("{value:<width$}")
        } else if flags.contains('0') && numeric {
            format!("{value:0>width$}")
        } else {
            format!("{value:>width$}")
        };
        out.push_str(&padded);
    }
    out
}

/// A directive's value and whether it is a number (for `0` padding).
fn field(kind: char, file: &File<'_>) -> (String, bool) {
    let (name, info) = (file.name, file.info);
    let secs = (info.mtime_ms / 1000).to_string();
    let text = |s: &str| (s.to_string(), false);
    let number = |n: u64| (n.to_string(), true);
    match kind {
        'n' => text(name),
        'N' => (quote(name), false),
        's' => number(apparent_size(info)),
        'b' => number(kib_used(info) * 2),
        'B' => number(512),
        'o' => number(4096),
        'F' => text(match (info.is_dir, info.size) {
            (true, _) => "directory",
            (false, 0) => "regular empty file",
            (false, _) => "regular file",
        }),
        'a' => (format!("{:o}", mode_bits(info)), true),
        'A' => text(mode_string(info)),
        'f' => {
            let kind_bits = if info.is_dir { 0o040_000 } else { 0o100_000 };
            (format!("{:x}", kind_bits | mode_bits(info)), false)
        }
        'u' | 'g' => number(u64::from(OWNER_ID)),
        'U' | 'G' => text(OWNER),
        'h' => number(file.links),
        'i' => number(inode(file.path)),
        'd' | 't' | 'T' => number(0),
        'D' => text("0"),
        'm' => text("/"),
        'x' | 'y' | 'z' => text(&full_time(info.mtime_ms)),
        'X' | 'Y' | 'Z' => (secs, true),
        'w' => text("-"),
        'W' => number(0),
        _ => text("?"),
    }
}

/// `--printf`'s backslash escapes.
fn unescape(format: &str) -> String {
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
