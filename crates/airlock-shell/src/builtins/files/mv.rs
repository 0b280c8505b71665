//! `mv`.

use super::common::{self, quote};
use super::copy::{Pair, fail, is_within, plan, say};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const MV: Utility = Utility {
    name: "mv",
    help: "Usage: mv [OPTION]... SOURCE... DEST
Rename SOURCE to DEST, or move SOURCE(s) to directory DEST.

  -f, --force                  do not prompt before overwriting (the default)
  -n, --no-clobber             do not overwrite an existing file
  -t, --target-directory=DIR   move all SOURCE arguments into DIR
  -T, --no-target-directory    treat DEST as a normal file
  -u, --update                 move only when SOURCE is newer than DEST or DEST is missing
  -v, --verbose                explain what is being done
",
    run: mv,
};

#[derive(Debug, Clone, Copy)]
struct Options {
    no_clobber: bool,
    update: bool,
    verbose: bool,
}

fn mv<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "fnt:Tuv",
            long: &[
                ("force", 'f', false),
                ("no-clobber", 'n', false),
                ("target-directory", 't', true),
                ("no-target-directory", 'T', false),
                ("update", 'u', false),
                ("verbose", 'v', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            no_clobber: false,
            update: false,
            verbose: false,
        };
        let mut target_dir = None;
        let mut no_target_dir = false;
        for opt in opts {
            match opt.flag {
                // The last of -f and -n wins, as in GNU.
                'f' => o.no_clobber = false,
                'n' => o.no_clobber = true,
                'u' => o.update = true,
                'v' => o.verbose = true,
                't' => target_dir = opt.value,
                'T' => no_target_dir = true,
                _ => {}
            }
        }
        let pairs = match plan(cx, operands, target_dir, no_target_dir).await {
            Ok(pairs) => pairs,
            Err(status) => return status,
        };
        let mut status = 0;
        for pair in &pairs {
            match move_one(cx, pair, o).await {
                Ok(true) => {}
                Ok(false) => status = 1,
                Err(broken) => return broken,
            }
        }
        status
    })
}

/// Moves one source: `Ok(false)` after reporting a failure, `Err` when output broke.
async fn move_one(cx: &mut Cmd<'_>, pair: &Pair, o: Options) -> Result<bool, i32> {
    let (src_shown, dst_shown) = (quote(&pair.src), quote(&pair.dst));
    let src = cx.path(&pair.src);
    let dst = cx.path(&pair.dst);
    let info = match cx.sys.stat(&src) {
        Ok(info) => info,
        Err(e) => return fail(cx, format!("cannot stat {src_shown}: {}", e.describe())).await,
    };
    if src == dst {
        return fail(cx, format!("{src_shown} and {dst_shown} are the same file")).await;
    }
    if info.is_dir && is_within(&dst, &src) {
        let message = format!("cannot move {src_shown} to a subdirectory of itself, {dst_shown}");
        return fail(cx, message).await;
    }
    if let Ok(existing) = cx.sys.stat(&dst) {
        if o.no_clobber || (o.update && info.mtime_ms <= existing.mtime_ms) {
            return Ok(true);
        }
        let mismatch = match (info.is_dir, existing.is_dir) {
            (true, false) => Some(format!(
                "cannot overwrite non-directory {dst_shown} with directory {src_shown}"
            )),
            (false, true) => Some(format!(
                "cannot overwrite directory {dst_shown} with non-directory"
            )),
            _ => None,
        };
        if let Some(message) = mismatch {
            return fail(cx, message).await;
        }
    }
    if let Err(e) = cx.sys.rename(&src, &dst) {
        let message = format!("cannot move {src_shown} to {dst_shown}: {}", e.describe());
        return fail(cx, message).await;
    }
    if o.verbose {
        say(cx, format!("renamed {src_shown} -> {dst_shown}\n")).await?;
    }
    Ok(true)
}
