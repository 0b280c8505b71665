//! A small line diff for failure reports: `-` expected, `+` actual, two lines of context.

use std::fmt::Write as _;

/// Outputs longer than this many lines are compared but not diffed line by line: an LCS table
/// over two 100k-line outputs would dwarf the test itself.
const MAX_DIFF_LINES: usize = 2000;
/// At most this many diff lines are printed per stream.
const MAX_SHOWN: usize = 60;

/// Splits bytes into display lines, marking a missing final newline the way `diff` does.
fn lines(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = text
        .split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l).to_string())
        .collect();
    if !text.is_empty()
        && !text.ends_with('\n')
        && let Some(last) = out.last_mut()
    {
        last.push_str("⏎ (no final newline)");
    }
    out
}

/// A readable diff of `expected` against `actual`, indented for a failure report.
pub fn render(expected: &[u8], actual: &[u8]) -> String {
    let (a, b) = (lines(expected), lines(actual));
    let mut out = String::new();
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        let first = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let _ = writeln!(
            out,
            "      ({} expected lines, {} actual; first difference at line {})",
            a.len(),
            b.len(),
            first + 1
        );
        let _ = writeln!(
            out,
            "      - {}",
            a.get(first).map_or("<end>", String::as_str)
        );
        let _ = writeln!(
            out,
            "      + {}",
            b.get(first).map_or("<end>", String::as_str)
        );
        return out;
    }
    let ops = lcs_ops(&a, &b);
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(_)))
        .map(|(i, _)| i)
        .collect();
    let near = |i: usize| changed.iter().any(|&c| c.abs_diff(i) <= 2);
    let mut shown = 0;
    let mut skipped = false;
    for (i, op) in ops.iter().enumerate() {
        if !near(i) {
            skipped = true;
            continue;
        }
        if skipped {
            out.push_str("      ...\n");
            skipped = false;
        }
        if shown == MAX_SHOWN {
            out.push_str("      (more differences not shown)\n");
            break;
        }
        shown += 1;
        let (sign, text) = match op {
            Op::Same(l) => (' ', l),
            Op::Del(l) => ('-', l),
            Op::Add(l) => ('+', l),
        };
        let _ = writeln!(out, "      {sign} {text}");
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

fn lcs_ops<'a>(a: &'a [String], b: &'a [String]) -> Vec<Op<'a>> {
    // table[i][j]: the LCS length of a[i..] and b[j..].
    let mut table = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] {
                table[i + 1][j + 1] + 1
            } else {
                table[i + 1][j].max(table[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push(Op::Same(&a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || table[i + 1][j] >= table[i][j + 1]) {
            ops.push(Op::Del(&a[i]));
            i += 1;
        } else {
            ops.push(Op::Add(&b[j]));
            j += 1;
        }
    }
    ops
}
