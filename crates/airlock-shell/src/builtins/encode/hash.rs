//! `md5sum`, `sha1sum`, `sha256sum`: print checksums, or check them (`-c`).

mod check;

use sha2::digest::DynDigest;

use super::usage;
use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

macro_rules! help {
    ($name:literal, $algo:literal) => {
        concat!(
            "Usage: ",
            $name,
            " [OPTION]... [FILE]...\n\
Print or check ",
            $algo,
            " checksums (`-` or no FILE: standard input).\n\
\n\
\x20 -b, --binary          mark files as binary (`*` before the name)\n\
\x20 -c, --check           read checksums from the FILEs and check them\n\
\x20     --tag             print BSD-style lines: ALGO (FILE) = HASH\n\
\x20 -t, --text            read in text mode (the default)\n\
\x20 -z, --zero            end each output line with NUL, not newline\n\
With --check:\n\
\x20     --ignore-missing  don't fail or report status for missing files\n\
\x20     --quiet           don't print OK for each verified file\n\
\x20     --status          print nothing; the exit status tells\n\
\x20     --strict          exit non-zero for improperly formatted lines\n\
\x20 -w, --warn            warn about improperly formatted lines\n"
        )
    };
}

pub(super) const MD5SUM: Utility = Utility {
    name: "md5sum",
    help: help!("md5sum", "MD5 (128-bit)"),
    run: md5sum,
};
pub(super) const SHA1SUM: Utility = Utility {
    name: "sha1sum",
    help: help!("sha1sum", "SHA1 (160-bit)"),
    run: sha1sum,
};
pub(super) const SHA256SUM: Utility = Utility {
    name: "sha256sum",
    help: help!("sha256sum", "SHA256 (256-bit)"),
    run: sha256sum,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Md5,
    Sha1,
    Sha256,
}

impl Algo {
    fn hasher(self) -> Box<dyn DynDigest> {
        match self {
            Self::Md5 => Box::new(md5::Md5::default()),
            Self::Sha1 => Box::new(sha1::Sha1::default()),
            Self::Sha256 => Box::new(sha2::Sha256::default()),
        }
    }

    /// The name in `--tag` lines.
    fn tag(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
        }
    }
}

fn md5sum<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(checksum(cx, Algo::Md5))
}

fn sha1sum<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(checksum(cx, Algo::Sha1))
}

fn sha256sum<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(checksum(cx, Algo::Sha256))
}

const SPEC: Spec<'static> = Spec {
    short: "bctwz",
    long: &[
        ("binary", 'b', false),
        ("check", 'c', false),
        ("text", 't', false),
        ("warn", 'w', false),
        ("zero", 'z', false),
        ("tag", 'T', false),
        ("ignore-missing", 'I', false),
        ("quiet", 'Q', false),
        ("status", 'S', false),
        ("strict", 'X', false),
    ],
    stop_at_operand: false,
};

/// What the options asked for.
#[derive(Debug, Default)]
struct Options {
    binary: bool,
    check: bool,
    tag: bool,
    zero: bool,
    warn: bool,
    ignore_missing: bool,
    quiet: bool,
    status: bool,
    strict: bool,
}

async fn checksum(cx: &mut Cmd<'_>, algo: Algo) -> i32 {
    let (opts, mut operands) = match parse(&cx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return usage(cx, e, 1).await,
    };
    let mut o = Options::default();
    for opt in opts {
        match opt.flag {
            'b' => o.binary = true,
            't' => o.binary = false,
            'c' => o.check = true,
            'w' => o.warn = true,
            'z' => o.zero = true,
            'T' => o.tag = true,
            'I' => o.ignore_missing = true,
            'Q' => o.quiet = true,
            'S' => o.status = true,
            _ => o.strict = true,
        }
    }
    if operands.is_empty() {
        operands.push("-".to_string());
    }
    let mut status = 0;
    for operand in &operands {
        let result = if o.check {
            check::check_file(cx, algo, &o, operand).await
        } else {
            print_sum(cx, algo, &o, operand).await
        };
        match result {
            Ok(s) => status = status.max(s),
            Err(broken) => return broken,
        }
    }
    status
}

/// Hashes a file operand (`-`: stdin, streamed); `Err` holds the message on failure.
async fn digest(cx: &mut Cmd<'_>, algo: Algo, operand: &str) -> Result<String, String> {
    let mut hasher = algo.hasher();
    if operand == "-" {
        while let Some(chunk) = cx.stdin.chunk().await {
            hasher.update(chunk);
        }
    } else {
        let data = cx
            .read_operand(operand)
            .await
            .map_err(|e| format!("{operand}: {}", e.describe()))?;
        hasher.update(&data);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Prints one `HASH  name` line; `Ok(status)`, or `Err(141)` when stdout is gone.
async fn print_sum(cx: &mut Cmd<'_>, algo: Algo, o: &Options, operand: &str) -> Result<i32, i32> {
    let sum = match digest(cx, algo, operand).await {
        Ok(s) => s,
        Err(message) => return Ok(cx.fail(1, message).await),
    };
    // GNU marks a name holding a backslash or newline with a leading `\` and escapes it.
    let escaped = !o.zero && operand.contains(['\\', '\n']);
    let name = if escaped {
        operand.replace('\\', "\\\\").replace('\n', "\\n")
    } else {
        operand.to_string()
    };
    let prefix = if escaped { "\\" } else { "" };
    let end = if o.zero { '\0' } else { '\n' };
    let line = if o.tag {
        format!("{prefix}{} ({name}) = {sum}{end}", algo.tag())
    } else {
        let mode = if o.binary { '*' } else { ' ' };
        format!("{prefix}{sum} {mode}{name}{end}")
    };
    if cx.stdout.write(line.as_bytes()).await.is_err() {
        return Err(crate::cmd::STATUS_BROKEN_PIPE);
    }
    Ok(0)
}

#[cfg(test)]
mod tests;
