//! `cp`, and what `cp`, `mv` and `ln` share: working out each source's destination.

use super::common::{self, quote};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const CP: Utility = Utility {
    name: "cp",
    help: "Usage: cp [OPTION]... SOURCE... DEST
Copy SOURCE to DEST, or multiple SOURCE(s) into directory DEST.

  -a, --archive                same as -R (times and modes cannot be preserved here)
  -f, --force                  if a destination cannot be opened, remove it and try again
  -n, --no-clobber             do not overwrite an existing file
  -p, --preserve               accepted; nothing more than the contents can be preserved
  -r, -R, --recursive          copy directories recursively
  -t, --target-directory=DIR   copy all SOURCE arguments into DIR
  -T, --no-target-directory    treat DEST as a normal file
  -u, --update                 copy only when SOURCE is newer than DEST or DEST is missing
  -v, --verbose                explain what is being done
",
    run: cp,
};

/// A source and where it goes, both as the user would write them.
#[derive(Debug)]
pub(super) struct Pair {
    pub src: String,
    pub dst: String,
}

/// The destination of each source: into the directory of `-t DIR` or of the last operand when
/// it is one, else the last operand itself (a single source only). Reports usage errors.
pub(super) async fn plan(
    cx: &mut Cmd<'_>,
    mut operands: Vec<String>,
    target_dir: Option<String>,
    no_target_dir: bool,
) -> Result<Vec<Pair>, i32> {
    if operands.is_empty() {
        return Err(cx.usage("missing file operand").await);
    }
    let into = |dir: &str, srcs: Vec<String>| {
        srcs.into_iter()
            .map(|src| Pair {
                dst: common::join(dir, crate::path::base_name(&src)),
                src,
            })
            .collect()
    };
    if let Some(dir) = target_dir {
        return match cx.sys.stat(&cx.path(&dir)) {
            Ok(info) if info.is_dir => Ok(into(&dir, operands)),
            Ok(_) => Err(cx
                .fail(1, format!("target {} is not a directory", quote(&dir)))
                .await),
            Err(e) => Err(cx
                .fail(
                    1,
                    format!("target directory {}: {}", quote(&dir), e.describe()),
                )
                .await),
        };
    }
    if operands.len() == 1 {
        let message = format!(
            "missing destination file operand after {}",
            quote(&operands[0])
        );
        return Err(cx.usage(message).await);
    }
    let Some(target) = operands.pop() else {
        return Ok(Vec::new());
    };
    if no_target_dir {
        if operands.len() > 1 {
            return Err(cx.usage(format!("extra operand {}", quote(&target))).await);
        }
        let src = operands.remove(0);
        return Ok(vec![Pair { src, dst: target }]);
    }
    match cx.sys.stat(&cx.path(&target)) {
        Ok(info) if info.is_dir => Ok(into(&target, operands)),
        _ if operands.len() == 1 => {
            let src = operands.remove(0);
            Ok(vec![Pair { src, dst: target }])
        }
        Ok(_) => Err(cx
            .fail(1, format!("target {} is not a directory", quote(&target)))
            .await),
        Err(e) => Err(cx
            .fail(1, format!("target {}: {}", quote(&target), e.describe()))
            .await),
    }
}

/// Whether `path` is `dir` or inside it (both absolute).
pub(super) fn is_within(path: &str, dir: &str) -> bool {
    path == dir
        || dir == "/"
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[derive(Debug, Clone, Copy)]
struct Options {
    recursive: bool,
    force: bool,
    no_clobber: bool,
    update: bool,
    verbose: bool,
}

fn cp<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "afnprRt:TuvLPHd",
            long: &[
                ("archive", 'a', false),
                ("force", 'f', false),
                ("no-clobber", 'n', false),
                ("preserve", 'p', false),
                ("recursive", 'r', false),
                ("target-directory", 't', true),
                ("no-target-directory", 'T', false),
                ("update", 'u', false),
                ("verbose", 'v', false),
                ("dereference", 'L', false),
                ("no-dereference", 'P', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            recursive: false,
            force: false,
            no_clobber: false,
            update: false,
            verbose: false,
        };
        let mut target_dir = None;
        let mut no_target_dir = false;
        for opt in opts {
            match opt.flag {
                'a' | 'r' | 'R' => o.recursive = true,
                'f' => o.force = true,
                'n' => o.no_clobber = true,
                'u' => o.update = true,
                'v' => o.verbose = true,
                't' => target_dir = opt.value,
                'T' => no_target_dir = true,
                // -p, -d, -L, -P, -H: links, modes and times do not exist or cannot be set.
                _ => {}
            }
        }
        let pairs = match plan(cx, operands, target_dir, no_target_dir).await {
            Ok(pairs) => pairs,
            Err(status) => return status,
        };
        let mut status = 0;
        for pair in &pairs {
            match copy_operand(cx, pair, o).await {
                Ok(true) => {}
                Ok(false) => status = 1,
                Err(broken) => return broken,
            }
        }
        status
    })
}

/// Copies one source: `Ok(false)` after reporting a failure, `Err` when output broke.
async fn copy_operand(cx: &mut Cmd<'_>, pair: &Pair, o: Options) -> Result<bool, i32> {
    let src = cx.path(&pair.src);
    let dst = cx.path(&pair.dst);
    let info = match cx.sys.stat(&src) {
        Ok(info) => info,
        Err(e) => {
            return fail(
                cx,
                format!("cannot stat {}: {}", quote(&pair.src), e.describe()),
            )
            .await;
        }
    };
    if !info.is_dir {
        return copy_file(cx, (&pair.src, &src), (&pair.dst, &dst), o).await;
    }
    if !o.recursive {
        return fail(
            cx,
            format!("-r not specified; omitting directory {}", quote(&pair.src)),
        )
        .await;
    }
    if is_within(&dst, &src) {
        let message = format!(
            "cannot copy a directory, {}, into itself, {}",
            quote(&pair.src),
            quote(&pair.dst)
        );
        return fail(cx, message).await;
    }
    copy_tree(cx, (&pair.src, &src), (&pair.dst, &dst), o).await
}

/// Copies the directory `src` to `dst` (each as shown, and absolute), entry by entry.
async fn copy_tree(
    cx: &mut Cmd<'_>,
    src: (&str, &str),
    dst: (&str, &str),
    o: Options,
) -> Result<bool, i32> {
    let mut ok = true;
    // (source shown, source, destination shown, destination, is_dir)
    let mut stack = vec![(
        src.0.to_string(),
        src.1.to_string(),
        dst.0.to_string(),
        dst.1.to_string(),
        true,
    )];
    while let Some((src_shown, src_abs, dst_shown, dst_abs, is_dir)) = stack.pop() {
        if !is_dir {
            ok &= copy_file(cx, (&src_shown, &src_abs), (&dst_shown, &dst_abs), o).await?;
            continue;
        }
        match cx.sys.stat(&dst_abs) {
            Ok(existing) if existing.is_dir => {}
            Ok(_) => {
                let message = format!(
                    "cannot overwrite non-directory {} with directory {}",
                    quote(&dst_shown),
                    quote(&src_shown)
                );
                ok &= fail(cx, message).await?;
                continue;
            }
            Err(_) => {
                if let Err(e) = cx.sys.mkdir(&dst_abs, false) {
                    let message = format!(
                        "cannot create directory {}: {}",
                        quote(&dst_shown),
                        e.describe()
                    );
                    ok &= fail(cx, message).await?;
                    continue;
                }
                if o.verbose {
                    say(
                        cx,
                        format!("{} -> {}\n", quote(&src_shown), quote(&dst_shown)),
                    )
                    .await?;
                }
            }
        }
        let children = match cx.sys.read_dir(&src_abs) {
            Ok(children) => children,
            Err(e) => {
                let message = format!("cannot access {}: {}", quote(&src_shown), e.describe());
                ok &= fail(cx, message).await?;
                continue;
            }
        };
        for child in children.into_iter().rev() {
            stack.push((
                common::join(&src_shown, &child.name),
                common::join(&src_abs, &child.name),
                common::join(&dst_shown, &child.name),
                common::join(&dst_abs, &child.name),
                child.is_dir,
            ));
        }
    }
    Ok(ok)
}

async fn copy_file(
    cx: &mut Cmd<'_>,
    src: (&str, &str),
    dst: (&str, &str),
    o: Options,
) -> Result<bool, i32> {
    if src.1 == dst.1 {
        return fail(
            cx,
            format!("{} and {} are the same file", quote(src.0), quote(dst.0)),
        )
        .await;
    }
    if let Ok(existing) = cx.sys.stat(dst.1) {
        if existing.is_dir {
            let message = format!(
                "cannot overwrite directory {} with non-directory",
                quote(dst.0)
            );
            return fail(cx, message).await;
        }
        let newer = cx
            .sys
            .stat(src.1)
            .is_ok_and(|s| s.mtime_ms > existing.mtime_ms);
        if o.no_clobber || (o.update && !newer) {
            return Ok(true);
        }
    }
    let mut result = cx.sys.copy_file(src.1, dst.1);
    if o.force
        && result.as_ref().is_err_and(|e| e.code == "EACCES")
        && cx.sys.remove(dst.1, false).is_ok()
    {
        result = cx.sys.copy_file(src.1, dst.1);
    }
    if let Err(e) = result {
        let message = format!(
            "cannot create regular file {}: {}",
            quote(dst.0),
            e.describe()
        );
        return fail(cx, message).await;
    }
    if o.verbose {
        say(cx, format!("{} -> {}\n", quote(src.0), quote(dst.0))).await?;
    }
    Ok(true)
}

/// Reports `message` and gives `Ok(false)`: the operation failed but the command goes on.
pub(super) async fn fail(cx: &mut Cmd<'_>, message: String) -> Result<bool, i32> {
    cx.fail(1, message).await;
    Ok(false)
}

/// Writes a `-v` line; `Err` with the status to return when output broke.
pub(super) async fn say(cx: &mut Cmd<'_>, line: String) -> Result<(), i32> {
    cx.stdout
        .write(line.as_bytes())
        .await
        .map_err(|_| crate::cmd::STATUS_BROKEN_PIPE)
}

/// Copies a directory tree for `ln -s DIR` (there are no symlinks): `Ok(false)` after a
/// reported failure.
pub(super) async fn copy_dir_for_link(
    cx: &mut Cmd<'_>,
    src: (&str, &str),
    dst: (&str, &str),
) -> Result<bool, i32> {
    let o = Options {
        recursive: true,
        force: false,
        no_clobber: false,
        update: false,
        verbose: false,
    };
    copy_tree(cx, src, dst, o).await
}
