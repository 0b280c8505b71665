//! `wc`: lines, words, characters, bytes and the longest line, in GNU's columns.

use super::{Body, open, operands_or_stdin, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const WC: Utility = Utility {
    name: "wc",
    help: "Usage: wc [OPTION]... [FILE]...
Print newline, word, and byte counts for each FILE, and a total line if more than one FILE is specified.
  -c, --bytes            print the byte counts
  -m, --chars            print the character counts
  -l, --lines            print the newline counts
  -L, --max-line-length  print the maximum display width
  -w, --words            print the word counts
",
    run: wc,
};

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    chars: u64,
    bytes: u64,
    max_line: u64,
}

/// Counting state that spans chunk boundaries.
#[derive(Debug, Default)]
struct Counter {
    counts: Counts,
    in_word: bool,
    column: u64,
}

impl Counter {
    fn feed(&mut self, chunk: &[u8], words: bool, chars: bool, longest: bool) {
        let c = &mut self.counts;
        c.bytes += chunk.len() as u64;
        c.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        if chars {
            // Every byte that does not continue a UTF-8 sequence starts a character.
            c.chars += chunk.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64;
        }
        if words {
            for &b in chunk {
                let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C);
                if !space && !self.in_word {
                    c.words += 1;
                }
                self.in_word = !space;
            }
        }
        if longest {
            for &b in chunk {
                match b {
                    b'\n' | b'\r' | 0x0C => {
                        c.max_line = c.max_line.max(self.column);
                        self.column = 0;
                    }
                    b'\t' => self.column = (self.column / 8 + 1) * 8,
                    _ if (b & 0xC0) == 0x80 => {}
                    _ if b < 0x20 || b == 0x7F => {}
                    _ => self.column += 1,
                }
            }
            c.max_line = c.max_line.max(self.column);
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Show {
    lines: bool,
    words: bool,
    chars: bool,
    bytes: bool,
    longest: bool,
}

impl Show {
    fn count(&self) -> usize {
        [self.lines, self.words, self.chars, self.bytes, self.longest]
            .iter()
            .filter(|&&b| b)
            .count()
    }

    fn format(&self, c: &Counts, width: usize, name: Option<&str>) -> String {
        let values = [
            (self.lines, c.lines),
            (self.words, c.words),
            (self.chars, c.chars),
            (self.bytes, c.bytes),
            (self.longest, c.max_line),
        ];
        let mut line = values
            .iter()
            .filter(|(shown, _)| *shown)
            .map(|(_, v)| format!("{v:>width$}"))
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(name) = name {
            line.push(' ');
            line.push_str(name);
        }
        line.push('\n');
        line
    }
}

fn wc<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(wc_body(cx).await) })
}

async fn wc_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "clLmw",
        long: &[
            ("bytes", 'c', false),
            ("chars", 'm', false),
            ("lines", 'l', false),
            ("max-line-length", 'L', false),
            ("words", 'w', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut show = Show {
        lines: false,
        words: false,
        chars: false,
        bytes: false,
        longest: false,
    };
    for opt in &opts {
        match opt.flag {
            'c' => show.bytes = true,
            'm' => show.chars = true,
            'l' => show.lines = true,
            'L' => show.longest = true,
            'w' => show.words = true,
            _ => {}
        }
    }
    if show.count() == 0 {
        (show.lines, show.words, show.bytes) = (true, true, true);
    }
    let named = !operands.is_empty();
    let operands = operands_or_stdin(operands);
    let width = column_width(cx, &operands, show.count());
    let mut total = Counts::default();
    let mut status = 0;
    for operand in &operands {
        let mut source = match open(cx, operand).await {
            Ok(s) => s,
            Err(e) => {
                status = cx.fail_fs(operand, &e).await;
                continue;
            }
        };
        let mut counter = Counter::default();
        let input = source.input(cx.stdin);
        while let Some(chunk) = input.chunk().await {
            counter.feed(chunk, show.words, show.chars, show.longest);
        }
        let c = counter.counts;
        total.lines += c.lines;
        total.words += c.words;
        total.chars += c.chars;
        total.bytes += c.bytes;
        total.max_line = total.max_line.max(c.max_line);
        let name = named.then_some(operand.as_str());
        cx.stdout.write_str(&show.format(&c, width, name)).await?;
    }
    if operands.len() > 1 {
        cx.stdout
            .write_str(&show.format(&total, width, Some("total")))
            .await?;
    }
    Ok(status)
}

/// GNU's column width: wide enough for the total size of the regular files, at least 7 when
/// one input is a stream, and 1 for a single count of a single input.
fn column_width(cx: &Cmd<'_>, operands: &[String], shown: usize) -> usize {
    if shown == 1 && operands.len() == 1 {
        return 1;
    }
    let mut minimum = 1;
    let mut size_total: u64 = 0;
    for (i, operand) in operands.iter().enumerate() {
        if operand == "-" {
            minimum = 7;
            continue;
        }
        match cx.sys.stat(&cx.path(operand)) {
            Ok(info) if !info.is_dir => size_total += info.size,
            Ok(_) => minimum = 7,
            // GNU only looks at the first input's failure.
            Err(_) if i == 0 => return 1,
            Err(_) => {}
        }
    }
    let digits = size_total.max(1).ilog10() as usize + 1;
    digits.max(minimum)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    #[test]
    fn wc_counts_stdin_in_gnu_columns() {
        assert_eq!(
            run("wc", &[], "a b\nccc\n").stdout,
            "      2       3       8\n"
        );
        assert_eq!(run("wc", &["-l"], "a b\nccc\n").stdout, "2\n");
        assert_eq!(run("wc", &["-lw"], "x\n").stdout, "      1       1\n");
        assert_eq!(run("wc", &["-w"], "  one\ttwo  \n\nthree").stdout, "3\n");
        assert_eq!(run("wc", &["-m"], "héllo\n").stdout, "6\n");
        assert_eq!(run("wc", &["-c"], "héllo\n").stdout, "7\n");
        assert_eq!(run("wc", &["-L"], "x\ty\nab\n").stdout, "9\n");
        assert_eq!(run("wc", &["-l"], "no newline").stdout, "0\n");
    }

    #[test]
    fn wc_files_and_total() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/f1", b"a b\nccc\n", false)
            .unwrap();
        assert_eq!(run_on(&sys, "wc", &["f1"], "").stdout, "2 3 8 f1\n");
        assert_eq!(run_on(&sys, "wc", &["-l", "f1"], "").stdout, "2 f1\n");
        assert_eq!(
            run_on(&sys, "wc", &["-l", "f1", "f1"], "").stdout,
            " 2 f1\n 2 f1\n 4 total\n"
        );
        assert_eq!(
            run_on(&sys, "wc", &["-l", "-", "f1"], "x\n").stdout,
            "      1 -\n      2 f1\n      3 total\n"
        );
        let r = run_on(&sys, "wc", &["nonexist", "f1"], "");
        assert_eq!(r.stdout, "2 3 8 f1\n2 3 8 total\n");
        assert_eq!(r.stderr, "wc: nonexist: No such file or directory\n");
        assert_eq!(r.status, 1);
    }

    #[test]
    fn wc_large_input() {
        let input: String = (0..100_000).map(|i| format!("word{i} x\n")).collect();
        assert_eq!(run("wc", &["-lw"], &input).stdout, " 100000  200000\n");
    }
}
