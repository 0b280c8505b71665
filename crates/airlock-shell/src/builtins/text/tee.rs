//! `tee`: copy standard input to standard output and to files, as it arrives.

use super::{Body, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const TEE: Utility = Utility {
    name: "tee",
    help: "Usage: tee [OPTION]... [FILE]...
Copy standard input to each FILE, and also to standard output.
  -a, --append              append to the given FILEs, do not overwrite
  -i, --ignore-interrupts   (ignored)
  -p                        (ignored)
",
    run: tee,
};

fn tee<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(tee_body(cx).await) })
}

async fn tee_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "aip",
        long: &[("append", 'a', false), ("ignore-interrupts", 'i', false)],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let append = opts.iter().any(|o| o.flag == 'a');
    let mut status = 0;
    // Files that could be opened; each chunk is appended to them.
    let mut files: Vec<(String, String)> = Vec::new();
    for operand in operands {
        let path = cx.path(&operand);
        let opened = if cx.sys.stat(&path).is_ok_and(|i| i.is_dir) {
            Err(crate::system::FsError::new("EISDIR", "is a directory"))
        } else {
            cx.sys.write_file(&path, b"", append)
        };
        match opened {
            Ok(()) => files.push((operand, path)),
            Err(e) => status = cx.fail_fs(&operand, &e).await,
        }
    }
    let mut stdout_open = true;
    while let Some(chunk) = cx.stdin.chunk().await {
        let mut failed = Vec::new();
        for (i, (_, path)) in files.iter().enumerate() {
            if let Err(e) = cx.sys.write_file(path, chunk, true) {
                failed.push((i, e));
            }
        }
        if stdout_open && cx.stdout.write(chunk).await.is_err() {
            // GNU tee dies of SIGPIPE when its standard output goes away.
            stdout_open = false;
        }
        for (i, e) in failed.into_iter().rev() {
            let (operand, _) = files.remove(i);
            let msg = format!("{operand}: {}", e.describe());
            let _ = cx.stderr.write_str(&format!("tee: {msg}\n")).await;
            status = 1;
        }
        if !stdout_open {
            return Err(crate::io::Broken);
        }
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::run_on;

    #[test]
    fn tee_writes_files_and_stdout() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/old", b"keep\n", false).unwrap();
        let r = run_on(&sys, "tee", &["a", "b"], "x\ny\n");
        assert_eq!(r.stdout, "x\ny\n");
        assert_eq!(sys.read_file("/workspace/a").unwrap(), b"x\ny\n");
        assert_eq!(sys.read_file("/workspace/b").unwrap(), b"x\ny\n");
        run_on(&sys, "tee", &["-a", "old"], "z\n");
        assert_eq!(sys.read_file("/workspace/old").unwrap(), b"keep\nz\n");
        run_on(&sys, "tee", &["old"], "w\n");
        assert_eq!(sys.read_file("/workspace/old").unwrap(), b"w\n");
    }

    #[test]
    fn tee_reports_unwritable_files_and_goes_on() {
        let sys = MemSystem::default();
        let r = run_on(&sys, "tee", &["nodir/a", "ok"], "a\n");
        assert_eq!(r.stdout, "a\n");
        assert_eq!(r.stderr, "tee: nodir/a: No such file or directory\n");
        assert_eq!(r.status, 1);
        assert_eq!(sys.read_file("/workspace/ok").unwrap(), b"a\n");
    }
}
