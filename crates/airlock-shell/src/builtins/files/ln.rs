//! `ln`. The sandbox's filesystem has no links of either kind, so `ln` and `ln -s` make a
//! copy: the name then holds the target's contents as they are now, and later changes to one
//! do not show in the other. A symbolic link's target is resolved against the link's own
//! directory, as the kernel would, so `ln -s ../a b/c` copies `b/../a`.

use super::common::{self, quote};
use super::copy::{Pair, copy_dir_for_link, fail, plan, say};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const LN: Utility = Utility {
    name: "ln",
    help: "Usage: ln [OPTION]... TARGET [LINK_NAME]
   or: ln [OPTION]... TARGET... DIRECTORY
Make LINK_NAME a copy of TARGET: this filesystem has no hard or symbolic links, so ln copies
(ln -s copies a directory's whole tree). Later changes to one do not show in the other.

  -f, --force                  remove existing destination files
  -n, --no-dereference         accepted (there are no links to dereference)
  -r, --relative               accepted (the copy does not depend on the path)
  -s, --symbolic               resolve TARGET against LINK_NAME's directory, as a symlink would
  -t, --target-directory=DIR   make the copies in DIR
  -T, --no-target-directory    treat LINK_NAME as a normal file always
  -v, --verbose                print the name of each copy made
",
    run: ln,
};

#[derive(Debug, Clone, Copy)]
struct Options {
    symbolic: bool,
    force: bool,
    verbose: bool,
}

fn ln<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "fnrst:TvLP",
            long: &[
                ("force", 'f', false),
                ("no-dereference", 'n', false),
                ("relative", 'r', false),
                ("symbolic", 's', false),
                ("target-directory", 't', true),
                ("no-target-directory", 'T', false),
                ("verbose", 'v', false),
            ],
            stop_at_operand: false,
        };
        let (opts, mut operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            symbolic: false,
            force: false,
            verbose: false,
        };
        let mut target_dir = None;
        let mut no_target_dir = false;
        for opt in opts {
            match opt.flag {
                's' => o.symbolic = true,
                'f' => o.force = true,
                'v' => o.verbose = true,
                't' => target_dir = opt.value,
                'T' => no_target_dir = true,
                _ => {}
            }
        }
        if operands.len() == 1 && target_dir.is_none() {
            // `ln TARGET`: a link of the same name in the current directory.
            operands.push(".".to_string());
        }
        let pairs = match plan(cx, operands, target_dir, no_target_dir).await {
            Ok(pairs) => pairs,
            Err(status) => return status,
        };
        let mut status = 0;
        for pair in &pairs {
            match link(cx, pair, o).await {
                Ok(true) => {}
                Ok(false) => status = 1,
                Err(broken) => return broken,
            }
        }
        status
    })
}

async fn link(cx: &mut Cmd<'_>, pair: &Pair, o: Options) -> Result<bool, i32> {
    let dst = cx.path(&pair.dst);
    let src = if o.symbolic {
        crate::path::absolute(crate::path::dir_name(&dst), &pair.src)
    } else {
        cx.path(&pair.src)
    };
    let kind = if o.symbolic {
        "symbolic link"
    } else {
        "hard link"
    };
    let (src_shown, dst_shown) = (quote(&pair.src), quote(&pair.dst));
    let info = match cx.sys.stat(&src) {
        Ok(info) => info,
        Err(e) if o.symbolic => {
            let message = format!(
                "failed to create {kind} {dst_shown} -> {src_shown}: {} (links are copies here, so the target must exist)",
                e.describe()
            );
            return fail(cx, message).await;
        }
        Err(e) => {
            return fail(
                cx,
                format!("failed to access {src_shown}: {}", e.describe()),
            )
            .await;
        }
    };
    if info.is_dir && !o.symbolic {
        return fail(
            cx,
            format!("{src_shown}: hard link not allowed for directory"),
        )
        .await;
    }
    let exists = cx.sys.stat(&dst).is_ok();
    if exists && !o.force {
        return fail(
            cx,
            format!("failed to create {kind} {dst_shown}: File exists"),
        )
        .await;
    }
    if src == dst {
        return fail(cx, format!("{src_shown} and {dst_shown} are the same file")).await;
    }
    if exists && let Err(e) = cx.sys.remove(&dst, true) {
        return fail(cx, format!("cannot remove {dst_shown}: {}", e.describe())).await;
    }
    if info.is_dir {
        if !copy_dir_for_link(cx, (&pair.src, &src), (&pair.dst, &dst)).await? {
            return Ok(false);
        }
    } else if let Err(e) = cx.sys.copy_file(&src, &dst) {
        let message = format!("failed to create {kind} {dst_shown}: {}", e.describe());
        return fail(cx, message).await;
    }
    if o.verbose {
        let arrow = if o.symbolic { "->" } else { "=>" };
        say(cx, format!("{dst_shown} {arrow} {src_shown}\n")).await?;
    }
    Ok(true)
}
