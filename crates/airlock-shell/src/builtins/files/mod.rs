//! File utilities: `ls`, `find`, `mkdir`, `rm`, `rmdir`, `cp`, `mv`, `ln`, `touch`, `stat`, `du`,
//! `mktemp`. All go through [`crate::System`], whose filesystem holds only files and
//! directories: no symlinks, owners or permission bits beyond a read-only flag. Where GNU shows
//! those, these utilities show what an ordinary ext4 file would (owner `sandbox`, mode 644 or
//! 755, 444 when read-only, directories of 4096 bytes, 4 KiB blocks) so that output parsed by
//! scripts keeps its usual shape.

/// Writes to stdout, or returns [`crate::cmd::STATUS_BROKEN_PIPE`] when its reader is gone.
macro_rules! emit {
    ($cx:expr, $data:expr) => {
        if $cx.stdout.write($data).await.is_err() {
            return crate::cmd::STATUS_BROKEN_PIPE;
        }
    };
}

mod common;
mod copy;
mod du;
mod find;
mod ln;
mod ls;
mod mkdir;
mod mktemp;
mod mv;
mod rm;
mod stat;
#[cfg(test)]
mod tests;
mod time;
mod touch;

use crate::cmd::Utility;

pub(crate) const UTILITIES: &[Utility] = &[
    ls::LS,
    find::FIND,
    mkdir::MKDIR,
    rm::RM,
    mkdir::RMDIR,
    copy::CP,
    mv::MV,
    ln::LN,
    touch::TOUCH,
    stat::STAT,
    du::DU,
    mktemp::MKTEMP,
];
