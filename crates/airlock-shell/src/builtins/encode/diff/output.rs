//! The two output formats: GNU's default ("normal": `2c2`, `< a`, `---`, `> b`) and unified
//! (`@@ -1,3 +1,3 @@` hunks with context).

use std::io::Write as _;

use super::myers::Changes;

/// One run of changes: `del` lines of `a` from `a`, replaced by `ins` lines of `b` from `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Change {
    pub a: usize,
    pub del: usize,
    pub b: usize,
    pub ins: usize,
}

/// The runs of changes, in order.
pub(super) fn changes(c: &Changes) -> Vec<Change> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < c.a.len() || j < c.b.len() {
        let ai = c.a.get(i).copied().unwrap_or(false);
        let bj = c.b.get(j).copied().unwrap_or(false);
        if !ai && !bj {
            i += 1;
            j += 1;
            continue;
        }
        let (a, b) = (i, j);
        while c.a.get(i).copied().unwrap_or(false) {
            i += 1;
        }
        while c.b.get(j).copied().unwrap_or(false) {
            j += 1;
        }
        out.push(Change {
            a,
            del: i - a,
            b,
            ins: j - b,
        });
    }
    out
}

/// A file's lines, each with its `\n` (the last one may lack it).
pub(super) type Lines<'a> = [&'a [u8]];

/// Writes one line with its marker, then GNU's note if the file ends without a newline.
fn line(out: &mut Vec<u8>, marker: &[u8], text: &[u8]) {
    out.extend_from_slice(marker);
    out.extend_from_slice(text);
    if !text.ends_with(b"\n") {
        out.extend_from_slice(b"\n\\ No newline at end of file\n");
    }
}

/// `3`, or `3,5` for lines 3 to 5 (1-based, inclusive).
fn range(out: &mut Vec<u8>, start: usize, count: usize) {
    if count > 1 {
        let _ = write!(out, "{},{}", start + 1, start + count);
    } else {
        let _ = write!(out, "{}", start + 1);
    }
}

/// The normal format.
pub(super) fn normal(a: &Lines<'_>, b: &Lines<'_>, changes: &[Change], out: &mut Vec<u8>) {
    for ch in changes {
        match (ch.del, ch.ins) {
            (0, _) => {
                let _ = write!(out, "{}a", ch.a);
                range(out, ch.b, ch.ins);
            }
            (_, 0) => {
                range(out, ch.a, ch.del);
                let _ = write!(out, "d{}", ch.b);
            }
            _ => {
                range(out, ch.a, ch.del);
                out.push(b'c');
                range(out, ch.b, ch.ins);
            }
        }
        out.push(b'\n');
        for text in &a[ch.a..ch.a + ch.del] {
            line(out, b"< ", text);
        }
        if ch.del > 0 && ch.ins > 0 {
            out.extend_from_slice(b"---\n");
        }
        for text in &b[ch.b..ch.b + ch.ins] {
            line(out, b"> ", text);
        }
    }
}

/// `-3,4`: the start (the line before, for an empty range) and the length (omitted if 1).
fn hunk_range(out: &mut Vec<u8>, start: usize, len: usize) {
    match len {
        0 => {
            let _ = write!(out, "{start},0");
        }
        1 => {
            let _ = write!(out, "{}", start + 1);
        }
        _ => {
            let _ = write!(out, "{},{len}", start + 1);
        }
    }
}

/// The unified format's hunks (the `---`/`+++` header is the caller's).
pub(super) fn unified(
    a: &Lines<'_>,
    b: &Lines<'_>,
    changes: &[Change],
    context: usize,
    out: &mut Vec<u8>,
) {
    let mut k = 0;
    while k < changes.len() {
        // Changes whose context would touch or overlap share a hunk.
        let mut last = k;
        while last + 1 < changes.len() {
            let gap = changes[last + 1].a - (changes[last].a + changes[last].del);
            if gap > 2 * context {
                break;
            }
            last += 1;
        }
        let first = changes[k];
        let end = changes[last];
        let a_start = first.a.saturating_sub(context);
        let b_start = first.b - (first.a - a_start);
        let a_end = (end.a + end.del + context).min(a.len());
        let b_end = b.len().min(end.b + end.ins + (a_end - (end.a + end.del)));
        out.extend_from_slice(b"@@ -");
        hunk_range(out, a_start, a_end - a_start);
        out.extend_from_slice(b" +");
        hunk_range(out, b_start, b_end - b_start);
        out.extend_from_slice(b" @@\n");
        let mut i = a_start;
        for ch in &changes[k..=last] {
            for text in &a[i..ch.a] {
                line(out, b" ", text);
            }
            for text in &a[ch.a..ch.a + ch.del] {
                line(out, b"-", text);
            }
            for text in &b[ch.b..ch.b + ch.ins] {
                line(out, b"+", text);
            }
            i = ch.a + ch.del;
        }
        for text in &a[i..a_end] {
            line(out, b" ", text);
        }
        k = last + 1;
    }
}
