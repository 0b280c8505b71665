//! The coreutils text tools (`cat`, `head`, `sort`, `cut`, `tr`...), with GNU's flags and
//! messages. They stream where the tool allows: line by line or chunk by chunk, gathering output
//! in a local buffer so a line costs one copy and not one `write` per field.

use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, Utility};
use crate::io::{Broken, Input, Output};
use crate::system::FsError;

mod cat;
mod column;
mod comm;
mod cut;
mod fmt;
mod fold;
mod head;
mod join;
mod nl;
mod paste;
mod seq;
mod sort;
mod split;
mod tail;
mod tee;
mod tr;
mod uniq;
mod wc;

pub(crate) const UTILITIES: &[Utility] = &[
    cat::CAT,
    cat::TAC,
    cat::REV,
    head::HEAD,
    tail::TAIL,
    wc::WC,
    cut::CUT,
    tr::TR,
    tee::TEE,
    sort::SORT,
    uniq::UNIQ,
    nl::NL,
    fold::FOLD,
    fold::EXPAND,
    fmt::FMT,
    paste::PASTE,
    join::JOIN,
    comm::COMM,
    column::COLUMN,
    split::SPLIT,
    seq::SEQ,
    seq::YES,
];

/// Parses `cx.args` against a spec; a usage error returns from the enclosing body.
macro_rules! parse_args {
    ($cx:expr, $spec:expr) => {
        match crate::builtins::args::parse(&$cx.args, $spec) {
            Ok(parsed) => parsed,
            Err(message) => return Ok($cx.usage(message).await),
        }
    };
}
pub(crate) use parse_args;

/// A body's result: its status, or `Broken` when its reader went away (status 141).
pub(super) type Body = Result<i32, Broken>;

pub(super) fn status(result: Body) -> i32 {
    result.unwrap_or(STATUS_BROKEN_PIPE)
}

/// Where an operand's bytes come from: the shared stdin for `-`, else the file, read whole
/// (the `System` hands files over whole).
#[derive(Debug)]
pub(super) enum Source {
    Stdin,
    File(Input),
}

impl Source {
    pub(super) fn input<'x>(&'x mut self, stdin: &'x mut Input) -> &'x mut Input {
        match self {
            Self::Stdin => stdin,
            Self::File(input) => input,
        }
    }
}

/// Opens an operand (`-` is stdin); a directory is `EISDIR`.
pub(super) async fn open(cx: &mut Cmd<'_>, operand: &str) -> Result<Source, FsError> {
    if operand == "-" {
        return Ok(Source::Stdin);
    }
    cx.read_operand(operand)
        .await
        .map(|data| Source::File(Input::from_bytes(data)))
}

/// The operands, or `-` when there are none.
pub(super) fn operands_or_stdin(operands: Vec<String>) -> Vec<String> {
    if operands.is_empty() {
        vec!["-".to_string()]
    } else {
        operands
    }
}

/// Output gathered locally and handed to an [`Output`] in large pieces.
#[derive(Debug, Default)]
pub(super) struct OutBuf {
    pub(super) buf: Vec<u8>,
}

/// Bytes an [`OutBuf`] gathers before writing.
const OUTBUF_SIZE: usize = 32 * 1024;

impl OutBuf {
    pub(super) fn new() -> Self {
        Self {
            buf: Vec::with_capacity(OUTBUF_SIZE + 1024),
        }
    }

    pub(super) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Writes when enough has gathered.
    pub(super) async fn drain(&mut self, out: &mut Output) -> Result<(), Broken> {
        if self.buf.len() >= OUTBUF_SIZE {
            self.flush(out).await?;
        }
        Ok(())
    }

    pub(super) async fn flush(&mut self, out: &mut Output) -> Result<(), Broken> {
        if !self.buf.is_empty() {
            out.write(&self.buf).await?;
            self.buf.clear();
        }
        Ok(())
    }
}

/// Parses a count with GNU's size suffixes (`10`, `2K`, `1MB`, `512b`).
pub(super) fn parse_size(text: &str) -> Option<u64> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits_end == 0 {
        return None;
    }
    let n: u64 = text[..digits_end].parse().ok()?;
    let multiplier: u64 = match &text[digits_end..] {
        "" => 1,
        "b" => 512,
        "kB" | "KB" => 1000,
        "K" | "k" | "KiB" => 1 << 10,
        "MB" => 1000 * 1000,
        "M" | "MiB" => 1 << 20,
        "GB" => 1000 * 1000 * 1000,
        "G" | "GiB" => 1 << 30,
        "TB" => 1000u64.pow(4),
        "T" | "TiB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(multiplier)
}

/// Rewrites the obsolete count shorthand of `head`/`tail` (`-5`, `-5c`) into `-n 5` / `-c 5`,
/// leaving the values of options that take one alone.
pub(super) fn expand_count_shorthand(args: &[String], takes_value: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            out.extend(args[i - 1..].iter().cloned());
            break;
        }
        if takes_value.contains(&arg.as_str()) {
            out.push(arg.clone());
            if i < args.len() {
                out.push(args[i].clone());
                i += 1;
            }
            continue;
        }
        if let Some(body) = arg.strip_prefix('-') {
            let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            if digits > 0 {
                let (count, unit) = body.split_at(digits);
                let flag = match unit {
                    "" | "l" => Some("-n"),
                    "c" => Some("-c"),
                    _ => None,
                };
                if let Some(flag) = flag {
                    out.push(flag.to_string());
                    out.push(count.to_string());
                    continue;
                }
            }
        }
        out.push(arg.clone());
    }
    out
}

/// GNU's blank: space or tab.
pub(super) fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The line without its trailing `delim`.
pub(super) fn chomp(line: &[u8], delim: u8) -> &[u8] {
    match line.split_last() {
        Some((&last, rest)) if last == delim => rest,
        _ => line,
    }
}
