//! `ls`: lists directories one name per line, as GNU `ls` does when its output is not a
//! terminal (the sandbox has none), sorted bytewise as in the C locale.

use std::cmp::Ordering;

use super::common::{self, OWNER, OWNER_ID, apparent_size, human, kib_used, mode_string, quote};
use super::time::{full_time, ls_time};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;
use crate::system::FileInfo;

pub(super) const LS: Utility = Utility {
    name: "ls",
    help: "Usage: ls [OPTION]... [FILE]...
List information about the FILEs (the current directory by default), one per line, sorted by name.

  -a, --all                  do not ignore entries starting with .
  -A, --almost-all           do not list implied . and ..
  -d, --directory            list directories themselves, not their contents
  -F, --classify             append / to directories
  -p                         append / to directories
  -g                         like -l, but do not list owner
  -G, --no-group             in a long listing, don't print group names
  -h, --human-readable       with -l and -s, print sizes like 1K 234M 2G
  -l                         use a long listing format
  -n, --numeric-uid-gid      like -l, but list numeric user and group IDs
  -o                         like -l, but do not list group information
  -r, --reverse              reverse order while sorting
  -R, --recursive            list subdirectories recursively
  -s, --size                 print the allocated size of each file, in blocks
  -S                         sort by file size, largest first
  -t                         sort by time, newest first
  -U                         do not sort; list entries in directory order
  -1                         list one file per line (always the case here)
      --full-time            like -l with full timestamps
      --group-directories-first  list directories before files
      --color[=WHEN]         accepted and ignored: output is never colored
",
    run: ls,
};

const SPEC: Spec<'static> = Spec {
    short: "aAdFpgGhlnorRsStU1LHCxm",
    long: &[
        ("all", 'a', false),
        ("almost-all", 'A', false),
        ("directory", 'd', false),
        ("classify", 'F', false),
        ("no-group", 'G', false),
        ("human-readable", 'h', false),
        ("numeric-uid-gid", 'n', false),
        ("reverse", 'r', false),
        ("recursive", 'R', false),
        ("size", 's', false),
        ("dereference", 'L', false),
        ("full-time", 'T', false),
        ("group-directories-first", 'D', false),
    ],
    stop_at_operand: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    Name,
    Time,
    Size,
    Unsorted,
}

#[derive(Debug, Clone, Copy)]
struct Options {
    all: bool,
    almost_all: bool,
    directory: bool,
    slash: bool,
    long: bool,
    owner: bool,
    group: bool,
    numeric: bool,
    full_time: bool,
    human: bool,
    reverse: bool,
    recursive: bool,
    blocks: bool,
    sort: Sort,
    dirs_first: bool,
}

/// One line of a listing.
#[derive(Debug)]
struct Item {
    /// As shown: the name in a directory, the operand as given on the command line.
    name: String,
    /// Absolute path.
    path: String,
    info: FileInfo,
}

fn ls<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        // `--color` takes an optional value, which the shared parser cannot express.
        cx.args
            .retain(|a| !(a.starts_with("--color") || a.starts_with("--colour")));
        let (opts, mut operands) = match common::parse(cx, SPEC).await {
            Ok(parsed) => parsed,
            Err(status) => return status,
        };
        let mut o = Options {
            all: false,
            almost_all: false,
            directory: false,
            slash: false,
            long: false,
            owner: true,
            group: true,
            numeric: false,
            full_time: false,
            human: false,
            reverse: false,
            recursive: false,
            blocks: false,
            sort: Sort::Name,
            dirs_first: false,
        };
        for opt in &opts {
            match opt.flag {
                'a' => o.all = true,
                'A' => o.almost_all = true,
                'd' => o.directory = true,
                'F' | 'p' => o.slash = true,
                'l' => o.long = true,
                'g' => (o.long, o.owner) = (true, false),
                'o' => (o.long, o.group) = (true, false),
                'G' => o.group = false,
                'n' => (o.long, o.numeric) = (true, true),
                'T' => (o.long, o.full_time) = (true, true),
                'h' => o.human = true,
                'r' => o.reverse = true,
                'R' => o.recursive = true,
                's' => o.blocks = true,
                'S' => o.sort = Sort::Size,
                't' => o.sort = Sort::Time,
                'U' => o.sort = Sort::Unsorted,
                'D' => o.dirs_first = true,
                c @ ('C' | 'x' | 'm') => {
                    return cx
                        .usage(format!(
                            "option -{c} is not supported: output is one name per line"
                        ))
                        .await;
                }
                // -1, and -L/-H (there are no symbolic links to follow).
                _ => {}
            }
        }
        if operands.is_empty() {
            operands.push(".".to_string());
        }
        let headers = operands.len() > 1 || o.recursive;
        let mut status = 0;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for op in &operands {
            let path = cx.path(op);
            match cx.sys.stat(&path) {
                Ok(info) => {
                    let item = Item {
                        name: op.clone(),
                        path,
                        info,
                    };
                    if info.is_dir && !o.directory {
                        dirs.push(item);
                    } else {
                        files.push(item);
                    }
                }
                Err(e) => {
                    cx.fail(2, format!("cannot access {}: {}", quote(op), e.describe()))
                        .await;
                    status = 2;
                }
            }
        }
        let mut wrote = false;
        if !files.is_empty() {
            sort(&mut files, &o);
            let text = render(cx, &files, &dirs, &o);
            emit!(cx, text.as_bytes());
            wrote = true;
        }
        sort(&mut dirs, &o);
        // Depth-first: a directory's subdirectories are listed right after it, in order.
        dirs.reverse();
        while let Some(dir) = dirs.pop() {
            let mut text = String::new();
            if wrote {
                text.push('\n');
            }
            if headers {
                text.push_str(&dir.name);
                text.push_str(":\n");
            }
            wrote = true;
            let items = match entries(cx, &dir, &o) {
                Ok(items) => items,
                Err(e) => {
                    emit!(cx, text.as_bytes());
                    let message = format!("cannot open directory {}: {}", quote(&dir.name), e);
                    status = status.max(cx.fail(1, message).await);
                    continue;
                }
            };
            if o.long || o.blocks {
                let total: u64 = items.iter().map(|i| kib_used(&i.info)).sum();
                let total = if o.human {
                    human(total * 1024)
                } else {
                    total.to_string()
                };
                text.push_str(&format!("total {total}\n"));
            }
            text.push_str(&render(cx, &items, &[], &o));
            emit!(cx, text.as_bytes());
            if o.recursive {
                let subdirs = items
                    .into_iter()
                    .filter(|i| i.info.is_dir && i.name != "." && i.name != "..")
                    .map(|i| Item {
                        name: common::join(&dir.name, &i.name),
                        ..i
                    });
                let mut subdirs: Vec<Item> = subdirs.collect();
                subdirs.reverse();
                dirs.extend(subdirs);
            }
        }
        status
    })
}

/// The entries of a directory to list, sorted; `.` and `..` first with `-a`.
fn entries(cx: &Cmd<'_>, dir: &Item, o: &Options) -> Result<Vec<Item>, &'static str> {
    let list = cx.sys.read_dir(&dir.path).map_err(|e| e.describe())?;
    let mut items = Vec::with_capacity(list.len() + 2);
    let needs_info = o.long || o.blocks || matches!(o.sort, Sort::Time | Sort::Size);
    if o.all {
        let parent = crate::path::absolute(&dir.path, "..");
        for (name, path) in [(".", dir.path.clone()), ("..", parent)] {
            if let Ok(info) = cx.sys.stat(&path) {
                items.push(Item {
                    name: name.to_string(),
                    path,
                    info,
                });
            }
        }
    }
    for entry in list {
        if entry.name.starts_with('.') && !(o.all || o.almost_all) {
            continue;
        }
        let path = crate::path::absolute(&dir.path, &entry.name);
        // A plain listing needs only the names: spare a host call per entry.
        let info = if needs_info {
            let Ok(info) = cx.sys.stat(&path) else {
                continue;
            };
            info
        } else {
            FileInfo {
                is_dir: entry.is_dir,
                size: 0,
                mtime_ms: 0,
                readonly: false,
            }
        };
        items.push(Item {
            name: entry.name,
            path,
            info,
        });
    }
    sort(&mut items, o);
    Ok(items)
}

fn sort(items: &mut [Item], o: &Options) {
    let by_name = |a: &Item, b: &Item| a.name.as_bytes().cmp(b.name.as_bytes());
    let order = |a: &Item, b: &Item| -> Ordering {
        let ord = match o.sort {
            Sort::Name => by_name(a, b),
            Sort::Time => b
                .info
                .mtime_ms
                .cmp(&a.info.mtime_ms)
                .then_with(|| by_name(a, b)),
            Sort::Size => apparent_size(&b.info)
                .cmp(&apparent_size(&a.info))
                .then_with(|| by_name(a, b)),
            Sort::Unsorted => Ordering::Equal,
        };
        if o.reverse && o.sort != Sort::Unsorted {
            ord.reverse()
        } else {
            ord
        }
    };
    items.sort_by(|a, b| {
        let dirs_first = if o.dirs_first {
            b.info.is_dir.cmp(&a.info.is_dir)
        } else {
            Ordering::Equal
        };
        dirs_first.then_with(|| order(a, b))
    });
}

/// The lines for `items`, with the columns of a long listing aligned over `items` and `also`
/// (GNU sizes the columns of the file operands together with the directory operands).
fn render(cx: &Cmd<'_>, items: &[Item], also: &[Item], o: &Options) -> String {
    let block_text = |i: &Item| {
        let kib = kib_used(&i.info);
        if o.human {
            human(kib * 1024)
        } else {
            kib.to_string()
        }
    };
    let size_text = |i: &Item| {
        let bytes = apparent_size(&i.info);
        if o.human {
            human(bytes)
        } else {
            bytes.to_string()
        }
    };
    let column = |on: bool, text: &dyn Fn(&Item) -> String| -> (Vec<String>, usize) {
        if !on {
            return (Vec::new(), 0);
        }
        let values: Vec<String> = items.iter().map(text).collect();
        let width = values
            .iter()
            .map(String::len)
            .chain(also.iter().map(|i| text(i).len()))
            .max()
            .unwrap_or(0);
        (values, width)
    };
    let (blocks, block_width) = column(o.blocks, &block_text);
    let (links, link_width) = column(o.long, &|i| links(cx, i).to_string());
    let (sizes, size_width) = column(o.long, &size_text);
    let owner = if o.numeric {
        OWNER_ID.to_string()
    } else {
        OWNER.to_string()
    };
    let now = cx.sys.now_ms();
    let mut out = String::new();
    for (k, item) in items.iter().enumerate() {
        if o.blocks {
            out.push_str(&format!("{:>block_width$} ", blocks[k]));
        }
        if o.long {
            out.push_str(mode_string(&item.info));
            out.push_str(&format!(" {:>link_width$} ", links[k]));
            if o.owner {
                out.push_str(&owner);
                out.push(' ');
            }
            if o.group {
                out.push_str(&owner);
                out.push(' ');
            }
            out.push_str(&format!("{:>size_width$} ", sizes[k]));
            let time = if o.full_time {
                full_time(item.info.mtime_ms)
            } else {
                ls_time(item.info.mtime_ms, now)
            };
            out.push_str(&time);
            out.push(' ');
        }
        out.push_str(&item.name);
        if o.slash && item.info.is_dir {
            out.push('/');
        }
        out.push('\n');
    }
    out
}

/// The link count GNU shows: 1 for a file, 2 plus its subdirectories for a directory.
fn links(cx: &Cmd<'_>, item: &Item) -> usize {
    if !item.info.is_dir {
        return 1;
    }
    let subdirs = cx
        .sys
        .read_dir(&item.path)
        .map(|list| list.iter().filter(|e| e.is_dir).count())
        .unwrap_or(0);
    2 + subdirs
}
