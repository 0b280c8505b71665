//! `touch`. The filesystem has no call to set a time, so an existing file is rewritten with its
//! own contents, which stamps it with the current time; a directory is left as it is.

use super::common::{self, quote};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const TOUCH: Utility = Utility {
    name: "touch",
    help: "Usage: touch [OPTION]... FILE...
Update the modification time of each FILE to the current time, creating it empty if missing.

  -a, -m               accepted (there is only one time per file)
  -c, --no-create      do not create any files
Setting a given time (-d, -t, -r) is not supported: the filesystem stamps the current time.
",
    run: touch,
};

fn touch<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "acmfd:t:r:",
            long: &[
                ("no-create", 'c', false),
                ("date", 'd', true),
                ("reference", 'r', true),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut no_create = false;
        for opt in &opts {
            match opt.flag {
                'c' => no_create = true,
                c @ ('d' | 't' | 'r') => {
                    let message = format!(
                        "option -{c} is not supported: files can only take the current time"
                    );
                    return cx.usage(message).await;
                }
                _ => {}
            }
        }
        if operands.is_empty() {
            return cx.usage("missing file operand").await;
        }
        let mut status = 0;
        for op in &operands {
            if let Err(reason) = touch_one(cx, op, no_create) {
                status = cx
                    .fail(1, format!("cannot touch {}: {reason}", quote(op)))
                    .await;
            }
        }
        status
    })
}

fn touch_one(cx: &Cmd<'_>, op: &str, no_create: bool) -> Result<(), &'static str> {
    let path = cx.path(op);
    match cx.sys.stat(&path) {
        Ok(info) if info.is_dir => Ok(()),
        Ok(info) if info.readonly => Err("Permission denied"),
        Ok(_) => {
            let data = cx.sys.read_file(&path).map_err(|e| e.describe())?;
            cx.sys
                .write_file(&path, &data, false)
                .map_err(|e| e.describe())
        }
        Err(_) if no_create => Ok(()),
        Err(_) => {
            if op.ends_with('/') {
                return Err("No such file or directory");
            }
            cx.sys
                .write_file(&path, b"", false)
                .map_err(|e| e.describe())
        }
    }
}
