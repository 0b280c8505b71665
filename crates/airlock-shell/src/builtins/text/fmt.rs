//! `fmt`: refill paragraphs with GNU's line-breaking costs (lines near the goal width, breaks
//! after sentences preferred), keeping indentation and the spacing between words.

use super::{Body, OutBuf, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const FMT: Utility = Utility {
    name: "fmt",
    help: "Usage: fmt [-WIDTH] [OPTION]... [FILE]...
Reformat each paragraph in the FILE(s), writing to standard output.
  -s, --split-only          split long lines, but do not refill
  -u, --uniform-spacing     one space between words, two after sentences
  -w, --width=WIDTH         maximum line width (default of 75 columns)
  -g, --goal=WIDTH          goal width (default of 93% of width)
",
    run: fmt,
};

fn fmt<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(fmt_body(cx).await) })
}

#[derive(Debug, Clone, Copy)]
struct Opts {
    width: usize,
    goal: usize,
    split_only: bool,
    uniform: bool,
}

async fn fmt_body(cx: &mut Cmd<'_>) -> Body {
    cx.args = cx
        .args
        .iter()
        .flat_map(|a| match a.strip_prefix('-') {
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                vec!["-w".to_string(), n.to_string()]
            }
            _ => vec![a.clone()],
        })
        .collect();
    let spec = Spec {
        short: "suw:g:",
        long: &[
            ("split-only", 's', false),
            ("uniform-spacing", 'u', false),
            ("width", 'w', true),
            ("goal", 'g', true),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let (mut width, mut goal) = (75usize, None);
    let (mut split_only, mut uniform) = (false, false);
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            's' => split_only = true,
            'u' => uniform = true,
            'w' | 'g' => match value.parse::<usize>() {
                Ok(n) if opt.flag == 'w' => width = n,
                Ok(n) => goal = Some(n),
                Err(_) => return Ok(cx.fail(1, format!("invalid width: '{value}'")).await),
            },
            _ => {}
        }
    }
    // GNU's goal: 93.5% of the width.
    let goal = goal.unwrap_or(width * 187 / 200).min(width);
    let o = Opts {
        width,
        goal,
        split_only,
        uniform,
    };
    let mut status = 0;
    let mut out = OutBuf::new();
    for operand in super::operands_or_stdin(operands) {
        let data = match cx.read_operand(&operand).await {
            Ok(d) => d,
            Err(e) => {
                let msg = format!("cannot open '{operand}' for reading: {}", e.describe());
                status = cx.fail(1, msg).await;
                continue;
            }
        };
        let text = String::from_utf8_lossy(&data);
        format_text(&text, o, &mut out.buf);
        out.drain(cx.stdout).await?;
    }
    out.flush(cx.stdout).await?;
    Ok(status)
}

/// Columns a tab advances to.
const TAB: usize = 8;

/// The column after `text` starting at `column`, tabs expanded.
fn advance(mut column: usize, text: &str) -> usize {
    for c in text.chars() {
        column = if c == '\t' {
            (column / TAB + 1) * TAB
        } else {
            column + 1
        };
    }
    column
}

fn indent_of(line: &str) -> usize {
    let blank = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
    advance(0, blank)
}

fn format_text(text: &str, o: Opts, out: &mut Vec<u8>) {
    let lines: Vec<&str> = text.lines().collect();
    // GNU starts using tabs for spacing once it has read one.
    let mut tabs = false;
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            out.push(b'\n');
            i += 1;
            continue;
        }
        // A paragraph: the following non-blank lines with the same indentation.
        let indent = indent_of(lines[i]);
        let mut end = i + 1;
        while !o.split_only
            && end < lines.len()
            && !lines[end].trim().is_empty()
            && indent_of(lines[end]) == indent
        {
            end += 1;
        }
        tabs |= lines[i..end].iter().any(|l| l.contains('\t'));
        let mut words = words_of(&lines[i..end], indent, o.uniform);
        // As in GNU, a paragraph's last word ends a sentence.
        if let Some(w) = words.last_mut() {
            (w.period, w.last) = (true, true);
        }
        put_paragraph(&words, indent, tabs, o, out);
        i = end;
    }
}

/// A word as GNU fmt sees it.
#[derive(Debug)]
struct Word<'t> {
    text: &'t str,
    length: usize,
    /// Columns of space after it in the output.
    space: usize,
    paren: bool,
    punct: bool,
    period: bool,
    /// Ends a sentence: a period followed by a line end or two spaces.
    last: bool,
}

fn words_of<'t>(lines: &[&'t str], indent: usize, uniform: bool) -> Vec<Word<'t>> {
    let mut words = Vec::new();
    for line in lines {
        let mut column = indent;
        let mut rest = line.trim_start_matches([' ', '\t']);
        while !rest.is_empty() {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            let text = &rest[..end];
            let after = &rest[end..];
            let gap_text = &after[..after.len() - after.trim_start_matches([' ', '\t']).len()];
            let length = text.chars().count();
            column += length;
            let space = advance(column, gap_text) - column;
            column += space;
            rest = &after[gap_text.len()..];
            let first = text.chars().next().unwrap_or(' ');
            let trimmed = text.trim_end_matches([')', ']', '\'', '"']);
            let period = trimmed.ends_with(['.', '?', '!']) && !trimmed.is_empty();
            let at_end = rest.is_empty();
            let last = period && (at_end || space > 1);
            let space = if at_end || uniform {
                if last { 2 } else { 1 }
            } else {
                space
            };
            words.push(Word {
                text,
                length,
                space,
                paren: "(['`\"".contains(first),
                punct: text
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_punctuation()),
                period,
                last,
            });
        }
    }
    words
}

type Cost = i64;

fn equiv(n: i64) -> Cost {
    n * n
}

fn short_cost(n: i64) -> Cost {
    equiv(n * 10)
}

fn ragged_cost(n: i64) -> Cost {
    short_cost(n) / 2
}

/// GNU fmt's cost of starting a line at word `i`.
fn base_cost(words: &[Word<'_>], i: usize) -> Cost {
    let mut cost = equiv(70);
    if i > 0 {
        let prev = &words[i - 1];
        if prev.period {
            cost += if prev.last { -equiv(50) } else { equiv(600) };
        } else if prev.punct {
            cost -= equiv(40);
        } else if i > 1 && words[i - 2].last {
            cost += equiv(200) / (prev.length as i64 + 2);
        }
    }
    let w = &words[i];
    if w.paren {
        cost -= equiv(40);
    } else if w.last {
        cost += equiv(150) / (w.length as i64 + 2);
    }
    cost
}

/// GNU fmt's dynamic programme: for each word, the cheapest way to lay out the paragraph
/// from it on, lines no longer than the maximum and close to the goal.
fn put_paragraph(words: &[Word<'_>], indent: usize, tabs: bool, o: Opts, out: &mut Vec<u8>) {
    let n = words.len();
    let goal = o.goal as i64;
    let max = o.width;
    let mut best_cost: Vec<Cost> = vec![0; n + 1];
    let mut next_break = vec![n; n + 1];
    let mut line_length = vec![0usize; n + 1];
    for start in (0..n).rev() {
        let mut best = Cost::MAX;
        let mut len = indent + words[start].length;
        let mut w = start;
        loop {
            w += 1;
            let line_cost = if w == n {
                0
            } else {
                let mut c = short_cost(goal - len as i64);
                if next_break[w] != n {
                    c += ragged_cost(len as i64 - line_length[w] as i64);
                }
                c
            };
            let cost = line_cost.saturating_add(best_cost[w]);
            if cost < best {
                best = cost;
                next_break[start] = w;
                line_length[start] = len;
            }
            if w == n {
                break;
            }
            len += words[w - 1].space + words[w].length;
            if len >= max {
                break;
            }
        }
        best_cost[start] = best.saturating_add(base_cost(words, start));
    }
    let mut start = 0;
    while start < n {
        let end = next_break[start];
        let mut column = 0;
        put_space(&mut column, indent, tabs, out);
        for (k, word) in words[start..end].iter().enumerate() {
            out.extend_from_slice(word.text.as_bytes());
            column += word.length;
            if start + k + 1 < end {
                put_space(&mut column, word.space, tabs, out);
            }
        }
        out.push(b'\n');
        start = end;
    }
}

/// Spacing as GNU prints it: once the input has shown a tab, tabs as far as they reach.
fn put_space(column: &mut usize, space: usize, tabs: bool, out: &mut Vec<u8>) {
    let target = *column + space;
    if tabs {
        let tab_target = target / TAB * TAB;
        if *column + 1 < tab_target {
            while *column < tab_target {
                out.push(b'\t');
                *column = (*column / TAB + 1) * TAB;
            }
        }
    }
    while *column < target {
        out.push(b' ');
        *column += 1;
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::run;

    #[test]
    fn fmt_fills_paragraphs_like_gnu() {
        let input = "The quick brown fox jumps over the lazy dog.  It was fun.\nMore text here\n\n  Second para with indent that is long enough to wrap around\n";
        assert_eq!(
            run("fmt", &["-w", "30"], input).stdout,
            "The quick brown fox jumps\nover the lazy dog.  It was\nfun.  More text here\n\n  Second para with indent\n  that is long enough to\n  wrap around\n"
        );
        assert_eq!(run("fmt", &[], "a\nb\nc\n").stdout, "a b c\n");
        let r = run("fmt", &["nope"], "");
        assert_eq!(
            r.stderr,
            "fmt: cannot open 'nope' for reading: No such file or directory\n"
        );
    }
}
