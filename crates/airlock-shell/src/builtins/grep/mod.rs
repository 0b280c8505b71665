//! `grep`: GNU grep's options over files, directories (`-r`) and stdin, streaming stdin in
//! blocks of whole lines.

mod matcher;
mod search;
#[cfg(test)]
pub(super) mod tests;

// The regex translator is shared with sed and awk; it lives beside the utilities.
#[path = "../regex_compat.rs"]
pub(crate) mod regex_compat;

use memchr::memrchr;

use self::matcher::{MatchOptions, Matcher, Syntax};
use self::search::{Config, Mode, Searcher};
use super::args::{self, Spec};
use super::glob::glob_match;
use crate::cmd::{Cmd, STATUS_BROKEN_PIPE, Utility};
use crate::exec::LocalBoxFuture;
use crate::io::Broken;

pub(crate) const UTILITIES: &[Utility] = &[Utility {
    name: "grep",
    help: HELP,
    run: grep,
}];

const HELP: &str = "\
Usage: grep [OPTION]... PATTERNS [FILE]...
Search for PATTERNS in each FILE (or standard input) and print the matching lines.

  -E, --extended-regexp     PATTERNS are extended regular expressions
  -F, --fixed-strings       PATTERNS are strings
  -G, --basic-regexp        PATTERNS are basic regular expressions (default)
  -P, --perl-regexp         PATTERNS use Rust regex syntax (Perl-like, no look-around)
  -e, --regexp=PATTERNS     use PATTERNS for matching (repeatable)
  -f, --file=FILE           take PATTERNS from FILE
  -i, -y, --ignore-case     ignore case distinctions
  -w, --word-regexp         match only whole words
  -x, --line-regexp         match only whole lines
  -v, --invert-match        select non-matching lines
  -c, --count               print only a count of selected lines per FILE
  -l, --files-with-matches  print only names of FILEs with selected lines
  -L, --files-without-match print only names of FILEs with no selected lines
  -m, --max-count=NUM       stop after NUM selected lines
  -o, --only-matching       show only the matching parts of lines
  -q, --quiet, --silent     print nothing; exit 0 on the first match
  -s, --no-messages         suppress messages about unreadable files
  -n, --line-number         print line numbers
  -b, --byte-offset         print the byte offset of each line (or match with -o)
  -H, --with-filename       print the file name for each match
  -h, --no-filename         suppress the file name prefix
  -A, --after-context=NUM   print NUM lines of trailing context
  -B, --before-context=NUM  print NUM lines of leading context
  -C, --context=NUM, -NUM   print NUM lines of context
  -r, -R, --recursive       search directories recursively
      --include=GLOB        search only files whose base name matches GLOB
      --exclude=GLOB        skip files whose base name matches GLOB
      --exclude-dir=GLOB    skip directories whose base name matches GLOB
  -a, --text                accepted (binary files are searched as text)
  -I                        skip files that contain NUL bytes
  -z, --null-data           lines end with NUL, not newline
  -Z, --null                print NUL after file names
      --color[=WHEN]        accepted; output is never coloured

Exit status: 0 if a line is selected, 1 if none, 2 on error (0 with -q on a match).
";

const USAGE_LINE: &str = "Usage: grep [OPTION]... PATTERNS [FILE]...";
/// What stdin is called in output.
const STDIN_NAME: &str = "(standard input)";

// Long-only options get private flag characters.
const INCLUDE: char = '\u{1}';
const EXCLUDE: char = '\u{2}';
const EXCLUDE_DIR: char = '\u{3}';
const IGNORED: char = '\u{4}';

const SPEC: Spec<'static> = Spec {
    short: "EFGPe:f:iywxvclLm:oqsnbHhA:B:C:rRaIzZU0123456789",
    long: &[
        ("extended-regexp", 'E', false),
        ("fixed-strings", 'F', false),
        ("basic-regexp", 'G', false),
        ("perl-regexp", 'P', false),
        ("regexp", 'e', true),
        ("file", 'f', true),
        ("ignore-case", 'i', false),
        ("word-regexp", 'w', false),
        ("line-regexp", 'x', false),
        ("invert-match", 'v', false),
        ("count", 'c', false),
        ("files-with-matches", 'l', false),
        ("files-without-match", 'L', false),
        ("max-count", 'm', true),
        ("only-matching", 'o', false),
        ("quiet", 'q', false),
        ("silent", 'q', false),
        ("no-messages", 's', false),
        ("line-number", 'n', false),
        ("byte-offset", 'b', false),
        ("with-filename", 'H', false),
        ("no-filename", 'h', false),
        ("after-context", 'A', true),
        ("before-context", 'B', true),
        ("context", 'C', true),
        ("recursive", 'r', false),
        ("dereference-recursive", 'R', false),
        ("text", 'a', false),
        ("null-data", 'z', false),
        ("null", 'Z', false),
        ("binary", 'U', false),
        ("include", INCLUDE, true),
        ("exclude", EXCLUDE, true),
        ("exclude-dir", EXCLUDE_DIR, true),
        ("line-buffered", IGNORED, false),
    ],
    stop_at_operand: false,
};

/// Validated options.
#[derive(Debug)]
struct Options {
    match_opts: MatchOptions,
    config: Config,
    /// `-e` and `-f` patterns (`None`: the first operand is the pattern).
    patterns: Option<Vec<String>>,
    pattern_files: Vec<String>,
    no_messages: bool,
    with_filename: Option<bool>,
    recursive: bool,
    includes: Vec<String>,
    excludes: Vec<String>,
    exclude_dirs: Vec<String>,
    skip_binary: bool,
    null_after_name: bool,
}

fn grep<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        match run(cx).await {
            Ok(status) => status,
            Err(Broken) => STATUS_BROKEN_PIPE,
        }
    })
}

/// A usage error with GNU's three lines.
async fn usage(cx: &mut Cmd<'_>, message: &str) -> i32 {
    let mut text = String::new();
    if !message.is_empty() {
        text.push_str(&format!("grep: {message}\n"));
    }
    text.push_str(&format!(
        "{USAGE_LINE}\nTry 'grep --help' for more information.\n"
    ));
    let _ = cx.stderr.write(text.as_bytes()).await;
    2
}

/// `--color` takes an optional value, which the getopt cannot express: drop it beforehand.
fn without_color(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut options_over = false;
    for a in args {
        if a == "--" {
            options_over = true;
        }
        let color = ["--color", "--colour"]
            .iter()
            .any(|c| a == c || a.starts_with(&format!("{c}=")));
        if options_over || !color {
            out.push(a.clone());
        }
    }
    out
}

/// Why the command line was refused.
#[derive(Debug)]
enum OptError {
    /// A bad option: the message and GNU's usage lines.
    Usage(String),
    /// A bad option value: the message alone.
    Value(String),
}

/// `-m NUM`: a negative count means no limit, as in GNU.
fn max_count(value: &str) -> Result<Option<u64>, OptError> {
    match value.trim().parse::<i64>() {
        Ok(n) => Ok(u64::try_from(n).ok()),
        Err(_) => Err(OptError::Value("invalid max count".to_string())),
    }
}

fn context_length(value: &str) -> Result<usize, OptError> {
    value
        .trim()
        .parse()
        .map_err(|_| OptError::Value(format!("{value}: invalid context length argument")))
}

fn parse_options(args: &[String]) -> Result<(Options, Vec<String>), OptError> {
    let (opts, operands) = args::parse(&without_color(args), SPEC).map_err(OptError::Usage)?;
    let mut o = Options {
        match_opts: MatchOptions {
            syntax: Syntax::Basic,
            ignore_case: false,
            word: false,
            line: false,
            eol: b'\n',
        },
        config: Config {
            mode: Mode::Lines,
            invert: false,
            only_matching: false,
            line_number: false,
            before: 0,
            after: 0,
            max_count: None,
            byte_offset: false,
            eol: b'\n',
        },
        patterns: None,
        pattern_files: Vec::new(),
        no_messages: false,
        with_filename: None,
        recursive: false,
        includes: Vec::new(),
        excludes: Vec::new(),
        exclude_dirs: Vec::new(),
        skip_binary: false,
        null_after_name: false,
    };
    // `-5` is `-C 5`; digits given together (`-15`) form one number.
    let mut digits: Option<usize> = None;
    let (mut before, mut after): (Option<usize>, Option<usize>) = (None, None);
    let mut context: Option<usize> = None;
    let mut modes = Vec::new();
    for opt in opts {
        let value = opt.value.as_deref().unwrap_or("");
        if let Some(d) = opt.flag.to_digit(10) {
            let n = digits
                .unwrap_or(0)
                .saturating_mul(10)
                .saturating_add(d as usize);
            digits = Some(n);
            context = Some(n);
            continue;
        }
        digits = None;
        match opt.flag {
            'E' => o.match_opts.syntax = Syntax::Extended,
            'F' => o.match_opts.syntax = Syntax::Fixed,
            'G' => o.match_opts.syntax = Syntax::Basic,
            'P' => o.match_opts.syntax = Syntax::Perl,
            'e' => o
                .patterns
                .get_or_insert_with(Vec::new)
                .extend(value.split('\n').map(str::to_string)),
            'f' => {
                o.patterns.get_or_insert_with(Vec::new);
                o.pattern_files.push(value.to_string());
            }
            'i' | 'y' => o.match_opts.ignore_case = true,
            'w' => o.match_opts.word = true,
            'x' => o.match_opts.line = true,
            'v' => o.config.invert = true,
            'c' | 'l' | 'L' | 'q' => modes.push(opt.flag),
            'm' => o.config.max_count = max_count(value)?,
            'o' => o.config.only_matching = true,
            's' => o.no_messages = true,
            'n' => o.config.line_number = true,
            'b' => o.config.byte_offset = true,
            'H' => o.with_filename = Some(true),
            'h' => o.with_filename = Some(false),
            'A' => after = Some(context_length(value)?),
            'B' => before = Some(context_length(value)?),
            'C' => context = Some(context_length(value)?),
            'r' | 'R' => o.recursive = true,
            'I' => o.skip_binary = true,
            'z' => {
                o.match_opts.eol = b'\0';
                o.config.eol = b'\0';
            }
            'Z' => o.null_after_name = true,
            INCLUDE => o.includes.push(value.to_string()),
            EXCLUDE => o.excludes.push(value.to_string()),
            EXCLUDE_DIR => o.exclude_dirs.push(value.to_string()),
            // -a, -U, --line-buffered: nothing to do here.
            _ => {}
        }
    }
    o.config.before = before.or(context).unwrap_or(0);
    o.config.after = after.or(context).unwrap_or(0);
    // Quiet wins over listing, listing over counting (as GNU), whatever the order given.
    o.config.mode = if modes.contains(&'q') {
        Mode::Quiet
    } else if let Some(&last) = modes.iter().rev().find(|&&m| m == 'l' || m == 'L') {
        if last == 'l' {
            Mode::FilesWith
        } else {
            Mode::FilesWithout
        }
    } else if modes.contains(&'c') {
        Mode::Count
    } else {
        Mode::Lines
    };
    Ok((o, operands))
}

async fn run(cx: &mut Cmd<'_>) -> Result<i32, Broken> {
    let (mut o, mut operands) = match parse_options(&cx.args) {
        Ok(parsed) => parsed,
        Err(OptError::Usage(message)) => return Ok(usage(cx, &message).await),
        Err(OptError::Value(message)) => return Ok(cx.fail(2, message).await),
    };
    let mut patterns = match o.patterns.take() {
        Some(p) => p,
        None => {
            if operands.is_empty() {
                return Ok(usage(cx, "").await);
            }
            operands.remove(0).split('\n').map(str::to_string).collect()
        }
    };
    for file in std::mem::take(&mut o.pattern_files) {
        let data = match cx.read_operand(&file).await {
            Ok(d) => d,
            Err(e) => return Ok(cx.fail(2, format!("{file}: {}", e.describe())).await),
        };
        let text = String::from_utf8_lossy(&data);
        let body = text.strip_suffix('\n').unwrap_or(&text);
        if !data.is_empty() {
            patterns.extend(body.split('\n').map(str::to_string));
        }
    }
    let matcher = match Matcher::new(&patterns, o.match_opts) {
        Ok(m) => m,
        Err(message) => return Ok(cx.fail(2, message).await),
    };
    let implicit_dot = operands.is_empty() && o.recursive;
    if operands.is_empty() {
        operands.push(if o.recursive { ".".into() } else { "-".into() });
    }
    let show_names = o.with_filename.unwrap_or_else(|| {
        operands.len() > 1
            || (o.recursive
                && operands[0] != "-"
                && cx.sys.stat(&cx.path(&operands[0])).is_ok_and(|i| i.is_dir))
    });
    let mut run = Run {
        opts: &o,
        matcher: &matcher,
        show_names,
        selected_any: false,
        error: false,
        group_printed: false,
    };
    for operand in &operands {
        let display = if implicit_dot { "" } else { operand.as_str() };
        if run.operand(cx, operand, display).await? {
            return Ok(0);
        }
    }
    Ok(if o.config.mode == Mode::Quiet && run.selected_any {
        0
    } else if run.error {
        2
    } else if run.selected_any {
        0
    } else {
        1
    })
}

/// The state of one grep run across its files.
struct Run<'a> {
    opts: &'a Options,
    matcher: &'a Matcher,
    show_names: bool,
    selected_any: bool,
    error: bool,
    group_printed: bool,
}

impl Run<'_> {
    /// Searches one operand (a file, `-`, or with `-r` a tree). `Ok(true)`: `-q` found a match,
    /// stop now.
    async fn operand(
        &mut self,
        cx: &mut Cmd<'_>,
        operand: &str,
        display: &str,
    ) -> Result<bool, Broken> {
        if operand == "-" {
            return self.stdin(cx).await;
        }
        let path = cx.path(operand);
        let info = match cx.sys.stat(&path) {
            Ok(info) => info,
            Err(e) => {
                self.complain(cx, operand, e.describe()).await;
                return Ok(false);
            }
        };
        if !info.is_dir {
            if self.excluded(operand, false) {
                return Ok(false);
            }
            return self.file(cx, &path, operand).await;
        }
        if !self.opts.recursive {
            self.complain(cx, operand, "Is a directory").await;
            return Ok(false);
        }
        // Depth-first in name order, with an explicit stack (no async recursion).
        let mut stack = vec![(path, display.trim_end_matches('/').to_string(), true)];
        while let Some((path, shown, is_dir)) = stack.pop() {
            if !is_dir {
                if self.file(cx, &path, &shown).await? {
                    return Ok(true);
                }
                continue;
            }
            let entries = match cx.sys.read_dir(&path) {
                Ok(e) => e,
                Err(e) => {
                    let name = if shown.is_empty() { "." } else { &shown };
                    self.complain(cx, name, e.describe()).await;
                    continue;
                }
            };
            for entry in entries.iter().rev() {
                if self.excluded(&entry.name, entry.is_dir) {
                    continue;
                }
                let child = crate::path::absolute(&path, &entry.name);
                let child_shown = if shown.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{shown}/{}", entry.name)
                };
                stack.push((child, child_shown, entry.is_dir));
            }
        }
        Ok(false)
    }

    /// Whether `--include`/`--exclude`/`--exclude-dir` skip this name.
    fn excluded(&self, name: &str, is_dir: bool) -> bool {
        let base = crate::path::base_name(name);
        if is_dir {
            return self.opts.exclude_dirs.iter().any(|g| glob_match(g, base));
        }
        if self.opts.excludes.iter().any(|g| glob_match(g, base)) {
            return true;
        }
        !self.opts.includes.is_empty() && !self.opts.includes.iter().any(|g| glob_match(g, base))
    }

    async fn complain(&mut self, cx: &mut Cmd<'_>, name: &str, what: &str) {
        self.error = true;
        if !self.opts.no_messages {
            let _ = cx.fail(2, format!("{name}: {what}")).await;
        }
    }

    async fn file(&mut self, cx: &mut Cmd<'_>, path: &str, shown: &str) -> Result<bool, Broken> {
        let data = match cx.sys.read_file(path) {
            Ok(d) => d,
            Err(e) => {
                self.complain(cx, shown, e.describe()).await;
                return Ok(false);
            }
        };
        if self.opts.skip_binary && memchr::memchr(0, &data).is_some() {
            return Ok(false);
        }
        let name = self.show_names.then_some(shown.as_bytes());
        let mut s = Searcher::new(self.matcher, &self.opts.config, name, self.group_printed);
        s.block(&data, cx.stdout).await?;
        self.finish(cx, &s, shown).await
    }

    async fn stdin(&mut self, cx: &mut Cmd<'_>) -> Result<bool, Broken> {
        let name = self.show_names.then_some(STDIN_NAME.as_bytes());
        let eol = self.opts.config.eol;
        let mut s = Searcher::new(self.matcher, &self.opts.config, name, self.group_printed);
        // Whole lines go to the searcher; a partial last line waits in `carry`.
        let mut carry: Vec<u8> = Vec::new();
        while let Some(chunk) = cx.stdin.chunk().await {
            match memrchr(eol, chunk) {
                Some(i) if carry.is_empty() => {
                    s.block(&chunk[..=i], cx.stdout).await?;
                    carry.extend_from_slice(&chunk[i + 1..]);
                }
                Some(i) => {
                    let cut = carry.len() + i + 1;
                    carry.extend_from_slice(chunk);
                    s.block(&carry[..cut], cx.stdout).await?;
                    carry.drain(..cut);
                }
                None => carry.extend_from_slice(chunk),
            }
            if s.done {
                // Stop reading: the writer upstream sees a broken pipe, as with GNU.
                cx.stdin.close();
                carry.clear();
                break;
            }
        }
        if !carry.is_empty() {
            s.block(&carry, cx.stdout).await?;
        }
        self.finish(cx, &s, STDIN_NAME).await
    }

    /// Per-file output after the search (`-c`, `-l`, `-L`); `Ok(true)` ends a `-q` run.
    async fn finish(
        &mut self,
        cx: &mut Cmd<'_>,
        s: &Searcher<'_>,
        shown: &str,
    ) -> Result<bool, Broken> {
        self.group_printed = s.group_printed;
        let found = s.selected > 0;
        self.selected_any |= found;
        let name_end: &[u8] = if self.opts.null_after_name {
            b"\0"
        } else {
            b"\n"
        };
        match self.opts.config.mode {
            Mode::Quiet => return Ok(found),
            Mode::Lines => {}
            Mode::Count => {
                if self.show_names {
                    cx.stdout.write(shown.as_bytes()).await?;
                    cx.stdout
                        .write(if self.opts.null_after_name {
                            b"\0"
                        } else {
                            b":"
                        })
                        .await?;
                }
                cx.stdout
                    .write(format!("{}\n", s.selected).as_bytes())
                    .await?;
            }
            Mode::FilesWith | Mode::FilesWithout => {
                if found == (self.opts.config.mode == Mode::FilesWith) {
                    cx.stdout.write(shown.as_bytes()).await?;
                    cx.stdout.write(name_end).await?;
                }
            }
        }
        Ok(false)
    }
}
