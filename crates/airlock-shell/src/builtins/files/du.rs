//! `du`: space used, counted as an ext4 filesystem would (4 KiB blocks, 4096-byte
//! directories) so the numbers match GNU `du` on a typical Linux machine; `--apparent-size`
//! and `-b` count bytes instead.

use super::common::{self, apparent_size, human, kib_used, quote};
use crate::builtins::args::Spec;
use crate::builtins::glob::glob_match;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const DU: Utility = Utility {
    name: "du",
    help: "Usage: du [OPTION]... [FILE]...
Summarize the space used by each FILE (the current directory by default), recursively for directories.

  -a, --all             write counts for all files, not just directories
      --apparent-size   print apparent sizes rather than space used
  -b, --bytes           equivalent to --apparent-size in bytes
  -c, --total           produce a grand total
  -d, --max-depth=N     print the total for a directory only if it is N or fewer levels below
  -h, --human-readable  print sizes in human readable format (e.g., 1K 234M 2G)
  -k                    sizes in 1024-byte blocks (the default)
  -m                    sizes in 1048576-byte blocks
  -s, --summarize       display only a total for each argument
      --exclude=PATTERN exclude files whose name matches PATTERN
",
    run: du,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Kib,
    Mib,
    Bytes,
    Human,
}

#[derive(Debug)]
struct Options {
    all: bool,
    apparent: bool,
    total: bool,
    max_depth: usize,
    unit: Unit,
    exclude: Vec<String>,
}

/// Work on the walk's stack.
#[derive(Debug)]
enum Step {
    Enter {
        shown: String,
        abs: String,
        depth: usize,
    },
    File {
        shown: String,
        abs: String,
        depth: usize,
    },
    Leave,
}

fn du<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "abcd:hkmsxLS",
            long: &[
                ("all", 'a', false),
                ("apparent-size", 'A', false),
                ("bytes", 'b', false),
                ("total", 'c', false),
                ("max-depth", 'd', true),
                ("human-readable", 'h', false),
                ("summarize", 's', false),
                ("exclude", 'E', true),
                ("one-file-system", 'x', false),
                ("dereference", 'L', false),
            ],
            stop_at_operand: false,
        };
        let (opts, mut operands) = match common::parse(cx, spec).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            all: false,
            apparent: false,
            total: false,
            max_depth: usize::MAX,
            unit: Unit::Kib,
            exclude: Vec::new(),
        };
        let mut summarize = false;
        for opt in opts {
            match opt.flag {
                'a' => o.all = true,
                'A' => o.apparent = true,
                'b' => (o.apparent, o.unit) = (true, Unit::Bytes),
                'c' => o.total = true,
                'h' => o.unit = Unit::Human,
                'k' => o.unit = Unit::Kib,
                'm' => o.unit = Unit::Mib,
                's' => summarize = true,
                'E' => o.exclude.extend(opt.value),
                'd' => {
                    let value = opt.value.unwrap_or_default();
                    match value.parse() {
                        Ok(n) => o.max_depth = n,
                        Err(_) => {
                            return cx
                                .usage(format!("invalid maximum depth {}", quote(&value)))
                                .await;
                        }
                    }
                }
                _ => {}
            }
        }
        if summarize {
            if o.all {
                return cx.usage("cannot both summarize and show all entries").await;
            }
            o.max_depth = 0;
        }
        if operands.is_empty() {
            operands.push(".".to_string());
        }
        let mut status = 0;
        let mut grand = 0;
        for op in &operands {
            let (bytes, text, ok) = walk(cx, op, &o);
            grand += bytes;
            emit!(cx, text.as_bytes());
            for message in ok {
                status = cx.fail(1, message).await;
            }
        }
        if o.total {
            let line = format!("{}\ttotal\n", show(grand, o.unit));
            emit!(cx, line.as_bytes());
        }
        status
    })
}

/// Sizes the tree at `op`: its total in bytes, the lines to print and the error messages.
fn walk(cx: &Cmd<'_>, op: &str, o: &Options) -> (u64, String, Vec<String>) {
    let size = |info: &crate::system::FileInfo| {
        if o.apparent {
            apparent_size(info)
        } else {
            kib_used(info) * 1024
        }
    };
    let mut out = String::new();
    let mut errors = Vec::new();
    let abs = cx.path(op);
    let info = match cx.sys.stat(&abs) {
        Ok(info) => info,
        Err(e) => {
            errors.push(format!("cannot access {}: {}", quote(op), e.describe()));
            return (0, out, errors);
        }
    };
    if !info.is_dir {
        let bytes = size(&info);
        out.push_str(&format!("{}\t{op}\n", show(bytes, o.unit)));
        return (bytes, out, errors);
    }
    let excluded = |name: &str| o.exclude.iter().any(|p| glob_match(p, name));
    let mut stack = vec![Step::Enter {
        shown: op.to_string(),
        abs,
        depth: 0,
    }];
    // Directories being summed: shown path, depth, bytes so far.
    let mut open: Vec<(String, usize, u64)> = Vec::new();
    let mut grand = 0;
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter { shown, abs, depth } => {
                let own = cx.sys.stat(&abs).map(|i| size(&i)).unwrap_or(0);
                let children = match cx.sys.read_dir(&abs) {
                    Ok(children) => children,
                    Err(e) => {
                        errors.push(format!(
                            "cannot read directory {}: {}",
                            quote(&shown),
                            e.describe()
                        ));
                        Vec::new()
                    }
                };
                stack.push(Step::Leave);
                for child in children.into_iter().rev() {
                    if excluded(&child.name) {
                        continue;
                    }
                    let (shown, abs) = (
                        common::join(&shown, &child.name),
                        common::join(&abs, &child.name),
                    );
                    let depth = depth + 1;
                    stack.push(if child.is_dir {
                        Step::Enter { shown, abs, depth }
                    } else {
                        Step::File { shown, abs, depth }
                    });
                }
                open.push((shown, depth, own));
            }
            Step::File { shown, abs, depth } => {
                let bytes = cx.sys.stat(&abs).map(|i| size(&i)).unwrap_or(0);
                if let Some(parent) = open.last_mut() {
                    parent.2 += bytes;
                }
                if o.all && depth <= o.max_depth {
                    out.push_str(&format!("{}\t{shown}\n", show(bytes, o.unit)));
                }
            }
            Step::Leave => {
                let Some((shown, depth, bytes)) = open.pop() else {
                    continue;
                };
                match open.last_mut() {
                    Some(parent) => parent.2 += bytes,
                    None => grand = bytes,
                }
                if depth <= o.max_depth {
                    out.push_str(&format!("{}\t{shown}\n", show(bytes, o.unit)));
                }
            }
        }
    }
    (grand, out, errors)
}

/// A size in the chosen unit, rounded up as GNU does.
fn show(bytes: u64, unit: Unit) -> String {
    match unit {
        Unit::Kib => bytes.div_ceil(1024).to_string(),
        Unit::Mib => bytes.div_ceil(1024 * 1024).to_string(),
        Unit::Bytes => bytes.to_string(),
        Unit::Human => human(bytes),
    }
}
