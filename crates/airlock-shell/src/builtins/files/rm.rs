//! `rm`.

use super::common::{self, quote};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const RM: Utility = Utility {
    name: "rm",
    help: "Usage: rm [OPTION]... [FILE]...
Remove (unlink) the FILE(s).

  -f, --force           ignore nonexistent files and arguments, never prompt
  -r, -R, --recursive   remove directories and their contents recursively
  -d, --dir             remove empty directories
  -v, --verbose         explain what is being done
      --preserve-root   do not remove '/' (default)
",
    run: rm,
};

#[derive(Debug, Clone, Copy)]
struct Options {
    force: bool,
    recursive: bool,
    dir: bool,
    verbose: bool,
}

fn rm<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "frRdv",
            long: &[
                ("force", 'f', false),
                ("recursive", 'r', false),
                ("dir", 'd', false),
                ("verbose", 'v', false),
                ("preserve-root", 'P', false),
                ("no-preserve-root", 'N', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            force: false,
            recursive: false,
            dir: false,
            verbose: false,
        };
        for opt in &opts {
            match opt.flag {
                'f' => o.force = true,
                'r' | 'R' => o.recursive = true,
                'd' => o.dir = true,
                'v' => o.verbose = true,
                _ => {}
            }
        }
        if operands.is_empty() {
            if o.force {
                return 0;
            }
            return cx.usage("missing operand").await;
        }
        let mut status = 0;
        for op in &operands {
            match remove_operand(cx, op, o).await {
                Ok(true) => {}
                Ok(false) => status = 1,
                Err(broken) => return broken,
            }
        }
        status
    })
}

/// Removes one operand: `Ok(false)` after reporting a failure, `Err` when output broke.
async fn remove_operand(cx: &mut Cmd<'_>, op: &str, o: Options) -> Result<bool, i32> {
    let base = crate::path::base_name(op);
    if base == "." || base == ".." {
        let message = format!(
            "refusing to remove '.' or '..' directory: skipping {}",
            quote(op)
        );
        cx.fail(1, message).await;
        return Ok(false);
    }
    let path = cx.path(op);
    if path == "/" && o.recursive {
        cx.fail(1, "it is dangerous to operate recursively on '/'")
            .await;
        cx.fail(1, "use --no-preserve-root to override this failsafe")
            .await;
        return Ok(false);
    }
    let info = match cx.sys.stat(&path) {
        Ok(info) => info,
        Err(e) => {
            if o.force && e.code == "ENOENT" {
                return Ok(true);
            }
            return fail(cx, op, e.describe()).await;
        }
    };
    if info.is_dir {
        if !o.recursive {
            let empty = cx.sys.read_dir(&path).is_ok_and(|l| l.is_empty());
            if !o.dir {
                return fail(cx, op, "Is a directory").await;
            }
            if !empty {
                return fail(cx, op, "Directory not empty").await;
            }
        } else if o.verbose {
            return remove_tree_verbose(cx, op).await;
        }
    }
    if let Err(e) = cx.sys.remove(&path, info.is_dir) {
        return fail(cx, op, e.describe()).await;
    }
    if o.verbose {
        say_removed(cx, op, info.is_dir).await?;
    }
    Ok(true)
}

/// `rm -rv DIR`: removes entry by entry, deepest first, naming each as GNU does.
async fn remove_tree_verbose(cx: &mut Cmd<'_>, op: &str) -> Result<bool, i32> {
    // (shown path, absolute path, is_dir, children already queued)
    let mut stack = vec![(op.to_string(), cx.path(op), true, false)];
    let mut ok = true;
    while let Some((shown, path, is_dir, expanded)) = stack.pop() {
        if is_dir && !expanded {
            let children = match cx.sys.read_dir(&path) {
                Ok(children) => children,
                Err(e) => {
                    fail(cx, &shown, e.describe()).await?;
                    ok = false;
                    continue;
                }
            };
            stack.push((shown.clone(), path.clone(), true, true));
            for child in children.into_iter().rev() {
                stack.push((
                    common::join(&shown, &child.name),
                    common::join(&path, &child.name),
                    child.is_dir,
                    false,
                ));
            }
            continue;
        }
        match cx.sys.remove(&path, is_dir) {
            Ok(()) => say_removed(cx, &shown, is_dir).await?,
            Err(e) => {
                fail(cx, &shown, e.describe()).await?;
                ok = false;
            }
        }
    }
    Ok(ok)
}

async fn fail(cx: &mut Cmd<'_>, op: &str, reason: &str) -> Result<bool, i32> {
    cx.fail(1, format!("cannot remove {}: {reason}", quote(op)))
        .await;
    Ok(false)
}

async fn say_removed(cx: &mut Cmd<'_>, shown: &str, is_dir: bool) -> Result<(), i32> {
    let what = if is_dir {
        "removed directory"
    } else {
        "removed"
    };
    let line = format!("{what} {}\n", quote(shown));
    cx.stdout
        .write(line.as_bytes())
        .await
        .map_err(|_| crate::cmd::STATUS_BROKEN_PIPE)
}
