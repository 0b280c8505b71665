//! Printing, encoding and comparing: `echo`, `printf`, `base64`, the checksums, `od`, `xxd`,
//! `diff`, `cmp`, `date`, `sleep`, `env`, `printenv`, `basename`, `dirname`, `realpath`.

use crate::cmd::{Cmd, Utility};

/// Writes to stdout, or returns [`crate::cmd::STATUS_BROKEN_PIPE`] from the enclosing
/// function when the reader has gone away.
macro_rules! out {
    ($cx:expr, $data:expr) => {
        if $cx.stdout.write($data).await.is_err() {
            return $crate::cmd::STATUS_BROKEN_PIPE;
        }
    };
}

mod base64;
mod calendar;
mod cmp;
mod date;
mod diff;
mod echo;
mod env;
mod escape;
mod hash;
mod od;
mod paths;
mod printf;
mod sleep;
mod xxd;

pub(crate) const UTILITIES: &[Utility] = &[
    echo::ECHO,
    printf::PRINTF,
    base64::BASE64,
    hash::MD5SUM,
    hash::SHA1SUM,
    hash::SHA256SUM,
    od::OD,
    xxd::XXD,
    diff::DIFF,
    cmp::CMP,
    date::DATE,
    sleep::SLEEP,
    env::ENV,
    env::PRINTENV,
    paths::BASENAME,
    paths::DIRNAME,
    paths::REALPATH,
];

/// A usage error with the exit status the GNU tool uses (most coreutils exit 1, not 2).
async fn usage(cx: &mut Cmd<'_>, message: impl AsRef<str>, status: i32) -> i32 {
    let _ = cx.usage(message).await;
    status
}
