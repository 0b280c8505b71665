//! `mkdir` and `rmdir`.

use super::common::{self, quote};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const MKDIR: Utility = Utility {
    name: "mkdir",
    help: "Usage: mkdir [OPTION]... DIRECTORY...
Create the DIRECTORY(ies), if they do not already exist.

  -m, --mode=MODE   accepted and ignored (there are no permission bits)
  -p, --parents     no error if existing, make parent directories as needed
  -v, --verbose     print a message for each created directory
",
    run: mkdir,
};

pub(super) const RMDIR: Utility = Utility {
    name: "rmdir",
    help: "Usage: rmdir [OPTION]... DIRECTORY...
Remove the DIRECTORY(ies), if they are empty.

      --ignore-fail-on-non-empty  ignore each failure to remove a non-empty directory
  -p, --parents   remove DIRECTORY and its ancestors; 'rmdir -p a/b' is like 'rmdir a/b a'
  -v, --verbose   output a diagnostic for every directory processed
",
    run: rmdir,
};

fn mkdir<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "pvm:",
            long: &[
                ("parents", 'p', false),
                ("verbose", 'v', false),
                ("mode", 'm', true),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let parents = opts.iter().any(|o| o.flag == 'p');
        let verbose = opts.iter().any(|o| o.flag == 'v');
        if operands.is_empty() {
            return cx.usage("missing operand").await;
        }
        let mut status = 0;
        for op in &operands {
            let result = if parents {
                make_parents(cx, op, verbose).await
            } else {
                make_one(cx, op, op, verbose).await
            };
            match result {
                Ok(()) => {}
                Err(Some(s)) => return s,
                Err(None) => status = 1,
            }
        }
        status
    })
}

/// Creates the directory `shown` (the operand's prefix `prefix`): `Err(None)` after reporting
/// a failure, `Err(Some(status))` when output broke.
async fn make_one(
    cx: &mut Cmd<'_>,
    prefix: &str,
    shown: &str,
    verbose: bool,
) -> Result<(), Option<i32>> {
    let path = cx.path(prefix);
    if let Err(e) = cx.sys.mkdir(&path, false) {
        let message = format!("cannot create directory {}: {}", quote(shown), e.describe());
        cx.fail(1, message).await;
        return Err(None);
    }
    if verbose {
        let line = format!("mkdir: created directory {}\n", quote(shown));
        if cx.stdout.write(line.as_bytes()).await.is_err() {
            return Err(Some(crate::cmd::STATUS_BROKEN_PIPE));
        }
    }
    Ok(())
}

/// `mkdir -p`: each missing prefix of `op` in turn, so `-v` can name every one.
async fn make_parents(cx: &mut Cmd<'_>, op: &str, verbose: bool) -> Result<(), Option<i32>> {
    let ends = op
        .char_indices()
        .filter(|&(i, c)| c == '/' && i > 0 && !op[..i].ends_with('/'))
        .map(|(i, _)| i)
        .chain(std::iter::once(op.len()));
    for end in ends {
        let prefix = op[..end].trim_end_matches('/');
        if prefix.is_empty() {
            continue;
        }
        match cx.sys.stat(&cx.path(prefix)) {
            Ok(info) if info.is_dir => continue,
            Ok(_) => {
                let message = format!("cannot create directory {}: Not a directory", quote(prefix));
                let message = if end == op.len() {
                    format!("cannot create directory {}: File exists", quote(prefix))
                } else {
                    message
                };
                cx.fail(1, message).await;
                return Err(None);
            }
            Err(_) => make_one(cx, prefix, prefix, verbose).await?,
        }
    }
    Ok(())
}

fn rmdir<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "pv",
            long: &[
                ("parents", 'p', false),
                ("verbose", 'v', false),
                ("ignore-fail-on-non-empty", 'I', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let parents = opts.iter().any(|o| o.flag == 'p');
        let verbose = opts.iter().any(|o| o.flag == 'v');
        let ignore_non_empty = opts.iter().any(|o| o.flag == 'I');
        if operands.is_empty() {
            return cx.usage("missing operand").await;
        }
        let mut status = 0;
        for op in &operands {
            let mut target = op.trim_end_matches('/').to_string();
            if target.is_empty() {
                target = op.clone();
            }
            loop {
                if verbose {
                    let line = format!("rmdir: removing directory, {}\n", quote(&target));
                    emit!(cx, line.as_bytes());
                }
                if let Err(reason) = remove_empty(cx, &target) {
                    if !(ignore_non_empty && reason == "Directory not empty") {
                        let message = format!("failed to remove {}: {reason}", quote(&target));
                        status = cx.fail(1, message).await;
                    }
                    break;
                }
                if !parents {
                    break;
                }
                let parent = crate::path::dir_name(&target);
                if parent == "." || parent == "/" || parent == target {
                    break;
                }
                target = parent.to_string();
            }
        }
        status
    })
}

/// Removes the empty directory `op`, or says why not.
fn remove_empty(cx: &Cmd<'_>, op: &str) -> Result<(), &'static str> {
    let path = cx.path(op);
    let info = cx.sys.stat(&path).map_err(|e| e.describe())?;
    if !info.is_dir {
        return Err("Not a directory");
    }
    if !cx.sys.read_dir(&path).map_err(|e| e.describe())?.is_empty() {
        return Err("Directory not empty");
    }
    cx.sys.remove(&path, true).map_err(|e| e.describe())
}
