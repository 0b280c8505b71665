//! `basename`, `dirname`, `realpath`: path names taken apart and resolved. The sandbox's
//! filesystem has no symbolic links, so resolving a path is folding `.` and `..` and
//! checking which components exist.

use super::usage;
use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::path::{base_name, dir_name};

pub(super) const BASENAME: Utility = Utility {
    name: "basename",
    help: "Usage: basename NAME [SUFFIX]\n  or:  basename OPTION... NAME...\n\
Print NAME without its leading directories, and without SUFFIX if it ends with it.\n\
\n\
\x20 -a, --multiple       take several NAMEs\n\
\x20 -s, --suffix=SUFFIX  remove SUFFIX; implies -a\n\
\x20 -z, --zero           end each output line with NUL, not newline\n",
    run: basename,
};

pub(super) const DIRNAME: Utility = Utility {
    name: "dirname",
    help: "Usage: dirname [OPTION] NAME...\n\
Print each NAME without its last component (`.` if it has no slash).\n\
\n\
\x20 -z, --zero  end each output line with NUL, not newline\n",
    run: dirname,
};

pub(super) const REALPATH: Utility = Utility {
    name: "realpath",
    help: "Usage: realpath [OPTION]... FILE...\n\
Print the absolute, normalised name of each FILE. All but the last component must exist.\n\
\n\
\x20 -e, --canonicalize-existing  all components must exist\n\
\x20 -m, --canonicalize-missing   no component need exist\n\
\x20 -q, --quiet                  don't print messages about missing files\n\
\x20     --relative-to=DIR        print the name relative to DIR\n\
\x20     --relative-base=DIR      print names under DIR relative to it, others absolute\n\
\x20 -s, -L, -P                   accepted; there are no symbolic links here\n\
\x20 -z, --zero                   end each output line with NUL, not newline\n",
    run: realpath,
};

fn basename<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "as:z",
            long: &[
                ("multiple", 'a', false),
                ("suffix", 's', true),
                ("zero", 'z', false),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match parse(&cx.args, spec) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        let mut multiple = false;
        let mut suffix = None;
        let mut end = b'\n';
        for opt in opts {
            match opt.flag {
                'a' => multiple = true,
                's' => {
                    multiple = true;
                    suffix = opt.value;
                }
                _ => end = 0,
            }
        }
        let names: &[String] = match operands.as_slice() {
            [] => return usage(cx, "missing operand", 1).await,
            all if multiple => all,
            [one] => std::slice::from_ref(one),
            [one, s] => {
                suffix = Some(s.clone());
                std::slice::from_ref(one)
            }
            [_, _, extra, ..] => return usage(cx, format!("extra operand '{extra}'"), 1).await,
        };
        let mut buf = Vec::new();
        for name in names {
            let base = base_name(name);
            let base = match &suffix {
                Some(s) if !s.is_empty() && base != s.as_str() => {
                    base.strip_suffix(s.as_str()).unwrap_or(base)
                }
                _ => base,
            };
            buf.extend_from_slice(base.as_bytes());
            buf.push(end);
        }
        out!(cx, &buf);
        0
    })
}

fn dirname<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "z",
            long: &[("zero", 'z', false)],
            stop_at_operand: false,
        };
        let (opts, operands) = match parse(&cx.args, spec) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        if operands.is_empty() {
            return usage(cx, "missing operand", 1).await;
        }
        let end = if opts.is_empty() { b'\n' } else { 0 };
        let mut buf = Vec::new();
        for name in &operands {
            buf.extend_from_slice(dir_name(name).as_bytes());
            buf.push(end);
        }
        out!(cx, &buf);
        0
    })
}

/// How much of a path must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    All,
    AllButLast,
    None,
}

fn realpath<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "emqsLPz",
            long: &[
                ("canonicalize-existing", 'e', false),
                ("canonicalize-missing", 'm', false),
                ("quiet", 'q', false),
                ("strip", 's', false),
                ("no-symlinks", 's', false),
                ("logical", 'L', false),
                ("physical", 'P', false),
                ("zero", 'z', false),
                ("relative-to", 'R', true),
                ("relative-base", 'B', true),
            ],
            stop_at_operand: false,
        };
        let (opts, operands) = match parse(&cx.args, spec) {
            Ok(p) => p,
            Err(e) => return usage(cx, e, 1).await,
        };
        let mut existing = Existing::AllButLast;
        let (mut quiet, mut end) = (false, b'\n');
        let (mut relative_to, mut relative_base) = (None, None);
        for opt in opts {
            match opt.flag {
                'e' => existing = Existing::All,
                'm' => existing = Existing::None,
                'q' => quiet = true,
                'z' => end = 0,
                'R' => relative_to = opt.value,
                'B' => relative_base = opt.value,
                _ => {}
            }
        }
        if operands.is_empty() {
            return usage(cx, "missing operand", 1).await;
        }
        let relative_to = relative_to.map(|d: String| cx.path(&d));
        let relative_base = relative_base.map(|d: String| cx.path(&d));
        let mut status = 0;
        let mut buf = Vec::new();
        for operand in &operands {
            let path = cx.path(operand);
            if let Err(problem) = check(cx, &path, existing) {
                status = 1;
                if !quiet {
                    let _ = cx.fail(1, format!("{operand}: {problem}")).await;
                }
                continue;
            }
            let shown = match (&relative_to, &relative_base) {
                (Some(to), Some(base)) if within(&path, base) && within(to, base) => {
                    relative(&path, to)
                }
                (Some(to), None) => relative(&path, to),
                (None, Some(base)) if within(&path, base) => relative(&path, base),
                _ => path,
            };
            buf.extend_from_slice(shown.as_bytes());
            buf.push(end);
        }
        out!(cx, &buf);
        status
    })
}

/// Checks the components of the absolute `path` that must exist.
fn check(cx: &Cmd<'_>, path: &str, existing: Existing) -> Result<(), &'static str> {
    if existing == Existing::None || path == "/" {
        return Ok(());
    }
    let parts: Vec<&str> = path[1..].split('/').collect();
    let mut prefix = String::new();
    for (i, part) in parts.iter().enumerate() {
        prefix.push('/');
        prefix.push_str(part);
        let last = i + 1 == parts.len();
        match cx.sys.stat(&prefix) {
            Ok(info) if !last && !info.is_dir => return Err("Not a directory"),
            Ok(_) => {}
            Err(_) if last && existing == Existing::AllButLast => {}
            Err(_) => return Err("No such file or directory"),
        }
    }
    Ok(())
}

/// Whether the absolute `path` is `base` or under it.
fn within(path: &str, base: &str) -> bool {
    base == "/" || path == base || path.strip_prefix(base).is_some_and(|r| r.starts_with('/'))
}

/// The absolute `path` relative to the absolute directory `from`.
fn relative(path: &str, from: &str) -> String {
    let parts = |p: &str| -> Vec<String> {
        p.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (p, f) = (parts(path), parts(from));
    let common = p.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; f.len() - common];
    out.extend(p[common..].iter().map(String::as_str));
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    fn out(name: &str, args: &[&str]) -> String {
        let r = run(name, args, "");
        assert_eq!(r.status, 0, "{name} {args:?}: {}", r.stderr);
        r.stdout
    }

    #[test]
    fn basename_like_gnu() {
        assert_eq!(out("basename", &["/a/b.txt", ".txt"]), "b\n");
        assert_eq!(out("basename", &["-a", "a/b", "c/d"]), "b\nd\n");
        assert_eq!(out("basename", &["-s", ".c", "x.c", "y/z.c"]), "x\nz\n");
        assert_eq!(out("basename", &[".txt", ".txt"]), ".txt\n");
        assert_eq!(out("basename", &["/"]), "/\n");
        assert_eq!(out("basename", &[""]), "\n");
        assert_eq!(out("basename", &["-z", "a/b"]), "b\0");
        let r = run("basename", &["a", "b", "c"], "");
        assert_eq!(r.status, 1);
        assert_eq!(
            r.stderr,
            "basename: extra operand 'c'\nTry 'basename --help' for more information.\n"
        );
        assert_eq!(run("basename", &[], "").status, 1);
    }

    #[test]
    fn dirname_like_gnu() {
        assert_eq!(out("dirname", &["a/b", "/c", "d", ""]), "a\n/\n.\n.\n");
        assert_eq!(out("dirname", &["/usr/lib/"]), "/usr\n");
        let r = run("dirname", &[], "");
        assert_eq!(
            (r.status, r.stderr.as_str()),
            (
                1,
                "dirname: missing operand\nTry 'dirname --help' for more information.\n"
            )
        );
    }

    #[test]
    fn realpath_checks_existence_like_gnu() {
        let sys = MemSystem::default();
        sys.mkdir("/workspace/x", true).unwrap();
        sys.write_file("/workspace/f", b"", false).unwrap();
        let r = |args: &[&str]| run_on(&sys, "realpath", args, "");
        assert_eq!(
            r(&["x", "nope", "./x/../f"]).stdout,
            "/workspace/x\n/workspace/nope\n/workspace/f\n"
        );
        let e = r(&["nope/more"]);
        assert_eq!(
            (e.status, e.stderr.as_str()),
            (1, "realpath: nope/more: No such file or directory\n")
        );
        assert_eq!(
            r(&["-e", "nope"]).stderr,
            "realpath: nope: No such file or directory\n"
        );
        assert_eq!(r(&["f/x"]).stderr, "realpath: f/x: Not a directory\n");
        assert_eq!(r(&["-m", "nope/more/../z"]).stdout, "/workspace/nope/z\n");
        assert_eq!(r(&["-q", "nope/more"]).stderr, "");
        assert_eq!(
            r(&["--relative-to=/workspace/x", "/workspace"]).stdout,
            "..\n"
        );
        assert_eq!(r(&["--relative-to=/", "x"]).stdout, "workspace/x\n");
        assert_eq!(r(&["--relative-to", ".", "x"]).stdout, "x\n");
        assert_eq!(
            r(&["--relative-base=/workspace", "x", "/usr"]).stdout,
            "x\n/usr\n"
        );
        assert_eq!(r(&["/"]).stdout, "/\n");
        assert_eq!(r(&[]).status, 1);
    }
}
