//! `column` (util-linux): a table with `-t`, else entries filled into tab-aligned columns.

use super::{Body, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const COLUMN: Utility = Utility {
    name: "column",
    help: "Usage: column [OPTION]... [FILE]...
Columnate lists: fill entries into columns, or with -t align a table.
  -t, --table                      create a table
  -s, --separator STRING           possible table delimiters (default: whitespace)
  -o, --output-separator STRING    columns separator for table output (default: two spaces)
  -c, --output-width WIDTH         width of output in number of characters (default: $COLUMNS or 80)
  -x, --fillrows                   fill rows before columns
",
    run: column,
};

/// Columns a tab advances to.
const TAB: usize = 8;

fn column<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(column_body(cx).await) })
}

async fn column_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "ts:o:c:x",
        long: &[
            ("table", 't', false),
            ("separator", 's', true),
            ("output-separator", 'o', true),
            ("output-width", 'c', true),
            ("fillrows", 'x', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let (mut table, mut fill_rows) = (false, false);
    let mut separators: Option<String> = None;
    let mut out_sep = "  ".to_string();
    let env_width = cx
        .env
        .iter()
        .find(|(k, _)| k == "COLUMNS")
        .and_then(|(_, v)| v.parse().ok());
    let mut width: usize = env_width.unwrap_or(80);
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        match opt.flag {
            't' => table = true,
            'x' => fill_rows = true,
            's' => separators = Some(value),
            'o' => out_sep = value,
            'c' => match value.parse() {
                Ok(w) => width = w,
                Err(_) => {
                    return Ok(cx
                        .fail(1, format!("invalid columns argument: '{value}'"))
                        .await);
                }
            },
            _ => {}
        }
    }
    let mut text = String::new();
    let mut status = 0;
    for operand in super::operands_or_stdin(operands) {
        match cx.read_operand(&operand).await {
            Ok(d) => text.push_str(&String::from_utf8_lossy(&d)),
            Err(e) => status = cx.fail_fs(&operand, &e).await,
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
    }
    // Empty lines are left out, as util-linux does.
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let output = if table {
        format_table(&lines, separators.as_deref(), &out_sep)
    } else {
        fill(&lines, width, fill_rows)
    };
    cx.stdout.write_str(&output).await?;
    Ok(status)
}

fn width_of(s: &str) -> usize {
    s.chars().count()
}

fn format_table(lines: &[&str], separators: Option<&str>, out_sep: &str) -> String {
    let rows: Vec<Vec<&str>> = lines
        .iter()
        .map(|line| match separators {
            // Explicit separators keep empty cells; whitespace runs count as one.
            Some(seps) => line.split(|c| seps.contains(c)).collect(),
            None => line.split_whitespace().collect(),
        })
        .collect();
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; ncols];
    for row in &rows {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(width_of(cell));
        }
    }
    let mut out = String::new();
    for row in &rows {
        for (c, &w) in widths.iter().enumerate() {
            let cell = row.get(c).copied().unwrap_or("");
            out.push_str(cell);
            if c + 1 < ncols {
                out.extend(std::iter::repeat_n(' ', w - width_of(cell)));
                out.push_str(out_sep);
            }
        }
        out.push('\n');
    }
    out
}

/// util-linux's `columnate_fillcols`/`columnate_fillrows`: entries in cells a multiple of 8
/// wide, padded with tabs.
fn fill(entries: &[&str], width: usize, by_rows: bool) -> String {
    let mut out = String::new();
    let longest = entries.iter().map(|e| width_of(e)).max().unwrap_or(0);
    if entries.is_empty() {
        return out;
    }
    if longest >= width {
        for e in entries {
            out.push_str(e);
            out.push('\n');
        }
        return out;
    }
    let cell = (longest + TAB) & !(TAB - 1);
    let ncols = (width / cell).max(1);
    let pad = |out: &mut String, used: &mut usize, end: usize| {
        loop {
            let next = (*used + TAB) & !(TAB - 1);
            if next > end {
                break;
            }
            out.push('\t');
            *used = next;
        }
    };
    if by_rows {
        let (mut used, mut col, mut end) = (0, 0, cell);
        for (i, e) in entries.iter().enumerate() {
            out.push_str(e);
            used += width_of(e);
            if i + 1 == entries.len() {
                break;
            }
            col += 1;
            if col == ncols {
                (used, col, end) = (0, 0, cell);
                out.push('\n');
            } else {
                pad(&mut out, &mut used, end);
                end += cell;
            }
        }
        if used > 0 {
            out.push('\n');
        }
        return out;
    }
    let nrows = entries.len().div_ceil(ncols);
    for row in 0..nrows {
        let (mut used, mut end, mut base) = (0, cell, row);
        for _ in 0..ncols {
            out.push_str(entries[base]);
            used += width_of(entries[base]);
            base += nrows;
            if base >= entries.len() {
                break;
            }
            pad(&mut out, &mut used, end);
            end += cell;
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing::run;

    #[test]
    fn column_table_like_util_linux() {
        assert_eq!(
            run("column", &["-t"], "a b c\nlonger x y\n").stdout,
            "a       b  c\nlonger  x  y\n"
        );
        assert_eq!(
            run("column", &["-t", "-s:", "-o", " | "], "a:b:c\nlonger:x:y\n").stdout,
            "a      | b | c\nlonger | x | y\n"
        );
        assert_eq!(
            run("column", &["-t"], "a  b\n\nc d\n").stdout,
            "a  b\nc  d\n"
        );
        assert_eq!(
            run("column", &["-t", "-s:"], "a::b\nc:d:e\n").stdout,
            "a     b\nc  d  e\n"
        );
        assert_eq!(
            run("column", &["-t"], "a b c\nd\n").stdout,
            "a  b  c\nd     \n"
        );
    }

    #[test]
    fn column_fills_like_util_linux() {
        assert_eq!(
            run("column", &["-c", "30"], "a\nbb\nccc\nd\ne\nf\ng\nh\n").stdout,
            "a\td\tg\nbb\te\th\nccc\tf\n"
        );
        assert_eq!(
            run(
                "column",
                &["-x", "-c", "20"],
                "one\ntwo\nthree\nfour\nfive\nsix\nseven\n"
            )
            .stdout,
            "one\ttwo\nthree\tfour\nfive\tsix\nseven\n"
        );
        assert_eq!(
            run("column", &["nope"], "").stderr,
            "column: nope: No such file or directory\n"
        );
    }
}
