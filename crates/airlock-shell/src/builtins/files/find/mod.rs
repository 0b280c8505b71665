//! `find`: walks each starting point depth-first (entries in name order, as the filesystem
//! lists them) and evaluates the expression on every entry. Paths print as they were reached
//! from the starting point as given (`./a/b`, `dir/a`).

mod parse;
mod printf;

use parse::{Cmp, Command, Expr};

use super::common::{self, apparent_size};
use crate::builtins::glob::{glob_match, glob_match_fold};
use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::Input;
use crate::system::FileInfo;

pub(super) const FIND: Utility = Utility {
    name: "find",
    help: "Usage: find [-H] [-L] [-P] [PATH...] [EXPRESSION]
Search the directory trees at each PATH (default .) and evaluate EXPRESSION (default -print) on every file.

Operators: ( EXPR )  ! EXPR  -not EXPR  EXPR -a EXPR  EXPR -o EXPR  EXPR , EXPR
Options:   -maxdepth N  -mindepth N  -depth  -regextype TYPE
Tests:     -name PATTERN  -iname PATTERN  -path PATTERN  -ipath PATTERN  -regex RE  -iregex RE
           -type [fd]  -size [+-]N[cwbkMG]  -mtime [+-]N  -mmin [+-]N  -newer FILE
           -empty  -readable  -writable  -executable  -true  -false
Actions:   -print  -print0  -printf FORMAT  -delete  -prune  -quit
           -exec COMMAND ;  -exec COMMAND {} +
There are no symbolic links: -L, -H and -P are accepted and change nothing; -type l matches nothing.
",
    run: find,
};

/// Paths gathered before an `-exec ... {} +` command runs (GNU bounds it by the argument size).
const BATCH_MAX: usize = 4096;

fn find<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let mut command = match parse::parse(&cx.args) {
            Ok(command) => command,
            Err(message) => return cx.fail(1, message).await,
        };
        if let Err(status) = resolve_newer(cx, &mut command.expr).await {
            return status;
        }
        let mut walk = Walk {
            now: cx.sys.now_ms(),
            cx,
            batches: vec![Vec::new(); command.batches],
            status: 0,
            prune: false,
            quit: false,
            broken: false,
        };
        for start in &command.paths {
            walk.start(&command, start).await;
            if walk.quit || walk.broken {
                break;
            }
        }
        if !walk.broken {
            for batch in 0..walk.batches.len() {
                walk.flush_batch(&command.expr, batch).await;
            }
        }
        if walk.broken {
            STATUS_BROKEN_PIPE
        } else {
            walk.status
        }
    })
}

/// Replaces each `-newer FILE` by the file's time; a missing file is an error, as in GNU.
async fn resolve_newer(cx: &mut Cmd<'_>, expr: &mut Expr) -> Result<(), i32> {
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Comma(a, b) => {
                stack.push(a);
                stack.push(b);
            }
            Expr::Not(a) => stack.push(a),
            Expr::Newer(file) => match cx.sys.stat(&cx.path(file)) {
                Ok(info) => *e = Expr::NewerThan(info.mtime_ms),
                Err(err) => {
                    let message = format!("{}: {}", common::quote(file), err.describe());
                    return Err(cx.fail(1, message).await);
                }
            },
            _ => {}
        }
    }
    Ok(())
}

/// One entry reached by the walk.
#[derive(Debug)]
struct Entry {
    /// As printed.
    display: String,
    abs: String,
    depth: usize,
    is_dir: bool,
    /// Fetched when a test needs it.
    info: Option<FileInfo>,
}

/// Work left on the walk's stack.
#[derive(Debug)]
enum Step {
    Visit(Entry),
    /// A directory whose contents are done (`-depth`).
    After(Entry),
}

struct Walk<'c, 'a> {
    cx: &'c mut Cmd<'a>,
    now: u64,
    batches: Vec<Vec<String>>,
    status: i32,
    /// Set by `-prune` for the entry being evaluated.
    prune: bool,
    quit: bool,
    broken: bool,
}

impl Walk<'_, '_> {
    async fn start(&mut self, command: &Command, start: &str) {
        let abs = self.cx.path(start);
        let info = match self.cx.sys.stat(&abs) {
            Ok(info) => info,
            Err(e) => {
                let message = format!("{}: {}", common::quote(start), e.describe());
                self.status = self.cx.fail(1, message).await;
                return;
            }
        };
        let mut stack = vec![Step::Visit(Entry {
            display: start.to_string(),
            abs,
            depth: 0,
            is_dir: info.is_dir,
            info: Some(info),
        })];
        while let Some(step) = stack.pop() {
            if self.quit || self.broken {
                return;
            }
            let mut entry = match step {
                Step::After(mut entry) => {
                    self.visit(command, &mut entry).await;
                    continue;
                }
                Step::Visit(entry) => entry,
            };
            self.prune = false;
            if !command.depth_first {
                self.visit(command, &mut entry).await;
            }
            if !entry.is_dir || self.prune || entry.depth >= command.max_depth {
                if command.depth_first {
                    self.visit(command, &mut entry).await;
                }
                continue;
            }
            let children = match self.cx.sys.read_dir(&entry.abs) {
                Ok(children) => children,
                Err(e) => {
                    let message = format!("{}: {}", common::quote(&entry.display), e.describe());
                    self.status = self.cx.fail(1, message).await;
                    continue;
                }
            };
            let depth = entry.depth + 1;
            let (display, abs) = (entry.display.clone(), entry.abs.clone());
            if command.depth_first {
                stack.push(Step::After(entry));
            }
            for child in children.into_iter().rev() {
                stack.push(Step::Visit(Entry {
                    display: common::join(&display, &child.name),
                    abs: common::join(&abs, &child.name),
                    depth,
                    is_dir: child.is_dir,
                    info: None,
                }));
            }
        }
    }

    async fn visit(&mut self, command: &Command, entry: &mut Entry) {
        if entry.depth >= command.min_depth {
            self.eval(&command.expr, entry).await;
        }
    }

    fn info(&self, entry: &mut Entry) -> Option<FileInfo> {
        if entry.info.is_none() {
            entry.info = self.cx.sys.stat(&entry.abs).ok();
        }
        entry.info
    }

    fn eval<'s>(&'s mut self, expr: &'s Expr, entry: &'s mut Entry) -> LocalBoxFuture<'s, bool> {
        Box::pin(async move {
            match expr {
                Expr::And(a, b) => self.eval(a, entry).await && self.eval(b, entry).await,
                Expr::Or(a, b) => self.eval(a, entry).await || self.eval(b, entry).await,
                Expr::Comma(a, b) => {
                    self.eval(a, entry).await;
                    self.eval(b, entry).await
                }
                Expr::Not(a) => !self.eval(a, entry).await,
                Expr::Print => self.print(&entry.display, b'\n').await,
                Expr::Print0 => self.print(&entry.display, b'\0').await,
                Expr::Printf(pieces) => {
                    let Some(info) = self.info(entry) else {
                        return false;
                    };
                    let mut text = String::new();
                    let start = entry.display.clone();
                    let subject = printf::Subject {
                        path: &entry.display,
                        start: start_of(&start, entry.depth),
                        depth: entry.depth,
                        info: &info,
                    };
                    printf::render(pieces, &subject, &mut text);
                    self.write(text.as_bytes()).await
                }
                Expr::Delete => self.delete(entry).await,
                Expr::Exec { argv, batch } => self.exec(argv, *batch, entry).await,
                Expr::Prune => {
                    self.prune = true;
                    true
                }
                Expr::Quit => {
                    self.quit = true;
                    true
                }
                test => self.test(test, entry),
            }
        })
    }

    /// The tests: no output, no waiting.
    fn test(&self, expr: &Expr, entry: &mut Entry) -> bool {
        match expr {
            Expr::Const(value) => *value,
            Expr::Name { pattern, fold } => {
                let name = crate::path::base_name(&entry.display);
                if *fold {
                    glob_match_fold(pattern, name)
                } else {
                    glob_match(pattern, name)
                }
            }
            Expr::Path { pattern, fold } => {
                if *fold {
                    glob_match_fold(pattern, &entry.display)
                } else {
                    glob_match(pattern, &entry.display)
                }
            }
            Expr::Regex(re) => re.is_match(&entry.display),
            Expr::Type { file, dir } => {
                if entry.is_dir {
                    *dir
                } else {
                    *file
                }
            }
            Expr::Size { cmp, n, unit } => self.info(entry).is_some_and(|info| {
                let blocks = apparent_size(&info).div_ceil(*unit);
                cmp.holds(i64::try_from(blocks).unwrap_or(i64::MAX), *n)
            }),
            Expr::Age {
                cmp,
                n,
                unit_ms,
                exact,
            } => self.info(entry).is_some_and(|info| {
                let age = i128::from(self.now) - i128::from(info.mtime_ms);
                let unit = i128::from(*unit_ms);
                match (exact, cmp) {
                    (true, Cmp::Less) => age < i128::from(*n) * unit,
                    (true, Cmp::More) => age > i128::from(*n) * unit,
                    (true, Cmp::Equal) => (age + unit - 1).div_euclid(unit) == i128::from(*n),
                    (false, _) => {
                        let periods = age.div_euclid(unit);
                        cmp.holds(i64::try_from(periods).unwrap_or(i64::MAX), *n)
                    }
                }
            }),
            Expr::NewerThan(time) => self.info(entry).is_some_and(|info| info.mtime_ms > *time),
            Expr::Empty => {
                if entry.is_dir {
                    self.cx
                        .sys
                        .read_dir(&entry.abs)
                        .is_ok_and(|list| list.is_empty())
                } else {
                    self.info(entry).is_some_and(|info| info.size == 0)
                }
            }
            Expr::Writable => self.info(entry).is_some_and(|info| !info.readonly),
            Expr::Executable => entry.is_dir,
            _ => false,
        }
    }

    async fn write(&mut self, data: &[u8]) -> bool {
        if self.cx.stdout.write(data).await.is_err() {
            self.broken = true;
            return false;
        }
        true
    }

    async fn print(&mut self, path: &str, end: u8) -> bool {
        self.write(path.as_bytes()).await && self.write(&[end]).await
    }

    async fn delete(&mut self, entry: &mut Entry) -> bool {
        // GNU find never removes the starting point `.`.
        if entry.depth == 0 && matches!(entry.display.as_str(), "." | "./") {
            return true;
        }
        if entry.is_dir
            && self
                .cx
                .sys
                .read_dir(&entry.abs)
                .is_ok_and(|list| !list.is_empty())
        {
            let message = format!(
                "cannot delete {}: Directory not empty",
                common::quote(&entry.display)
            );
            self.status = self.cx.fail(1, message).await;
            return false;
        }
        match self.cx.sys.remove(&entry.abs, entry.is_dir) {
            Ok(()) => true,
            Err(e) => {
                let message = format!(
                    "cannot delete {}: {}",
                    common::quote(&entry.display),
                    e.describe()
                );
                self.status = self.cx.fail(1, message).await;
                false
            }
        }
    }

    async fn exec(&mut self, argv: &[String], batch: Option<usize>, entry: &Entry) -> bool {
        if let Some(batch) = batch {
            self.batches[batch].push(entry.display.clone());
            if self.batches[batch].len() >= BATCH_MAX {
                return self.run_batch(argv, batch).await;
            }
            return true;
        }
        let argv: Vec<String> = argv
            .iter()
            .map(|a| a.replace("{}", &entry.display))
            .collect();
        self.run(argv).await == 0
    }

    /// Runs the pending paths of `-exec ... {} +` number `batch`, found in `expr`.
    async fn flush_batch(&mut self, expr: &Expr, batch: usize) {
        let mut stack = vec![expr];
        while let Some(e) = stack.pop() {
            match e {
                Expr::And(a, b) | Expr::Or(a, b) | Expr::Comma(a, b) => {
                    stack.push(a);
                    stack.push(b);
                }
                Expr::Not(a) => stack.push(a),
                Expr::Exec {
                    argv,
                    batch: Some(b),
                } if *b == batch => {
                    self.run_batch(argv, batch).await;
                    return;
                }
                _ => {}
            }
        }
    }

    async fn run_batch(&mut self, argv: &[String], batch: usize) -> bool {
        let paths = std::mem::take(&mut self.batches[batch]);
        if paths.is_empty() {
            return true;
        }
        let mut full = argv.to_vec();
        full.extend(paths);
        if self.run(full).await != 0 {
            self.status = 1;
        }
        true
    }

    async fn run(&mut self, argv: Vec<String>) -> i32 {
        let cx = &mut *self.cx;
        let status = cx
            .spawn
            .spawn(argv, Input::empty(), cx.stdout, cx.stderr)
            .await;
        if cx.stdout.is_broken() {
            self.broken = true;
        }
        status
    }
}

/// The starting point an entry at `depth` was reached from (for `%P`): its path minus the
/// last `depth` components.
fn start_of(path: &str, depth: usize) -> &str {
    let mut end = path.len();
    for _ in 0..depth {
        match path[..end].rfind('/') {
            Some(i) => end = i,
            None => return "",
        }
    }
    &path[..end]
}
