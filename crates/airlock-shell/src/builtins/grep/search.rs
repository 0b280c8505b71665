//! One file's search: blocks of whole lines go in, selected lines (with their context) come out.
//!
//! The matcher runs over the whole block and jumps from match to match; lines between matches
//! are only looked at when something needs them (`-v`, context, line numbers), so `grep -c`
//! over a large file costs one regex scan.

use std::collections::VecDeque;

use memchr::{memchr, memchr_iter, memrchr};

use super::matcher::Matcher;
use crate::io::{Broken, Output};

/// What grep prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Lines,
    /// `-c`
    Count,
    /// `-l`
    FilesWith,
    /// `-L`
    FilesWithout,
    /// `-q`
    Quiet,
}

#[derive(Debug)]
pub(super) struct Config {
    pub mode: Mode,
    pub invert: bool,
    pub only_matching: bool,
    pub line_number: bool,
    pub before: usize,
    pub after: usize,
    pub max_count: Option<u64>,
    /// `-b`: the byte offset of each line (or match) before it.
    pub byte_offset: bool,
    pub eol: u8,
}

impl Config {
    fn context(&self) -> bool {
        self.mode == Mode::Lines && !self.only_matching && (self.before > 0 || self.after > 0)
    }

    /// Whether line numbers must be counted (they cost a scan of every line).
    fn tracks_lines(&self) -> bool {
        self.mode == Mode::Lines && (self.line_number || self.context())
    }
}

#[derive(Debug)]
pub(super) struct Searcher<'a> {
    matcher: &'a Matcher,
    cfg: &'a Config,
    /// `name:` before each line, when file names are shown.
    name: Option<&'a [u8]>,
    /// Lines before the current position (counted only when [`Config::tracks_lines`]).
    lineno: u64,
    pub selected: u64,
    /// Set when nothing more is needed from this file.
    pub done: bool,
    /// Whether a context group was printed already (in this or an earlier file): the next
    /// group starts with `--`.
    pub group_printed: bool,
    /// The last line number printed from this file.
    last_printed: Option<u64>,
    after_left: usize,
    /// The last non-selected lines, for `-B`: number, byte offset, text.
    before: VecDeque<(u64, u64, Vec<u8>)>,
    /// Bytes of the file before the current block (for `-b`).
    base: u64,
}

impl<'a> Searcher<'a> {
    pub fn new(
        matcher: &'a Matcher,
        cfg: &'a Config,
        name: Option<&'a [u8]>,
        group_printed: bool,
    ) -> Self {
        Self {
            matcher,
            cfg,
            name,
            lineno: 0,
            selected: 0,
            done: false,
            group_printed,
            last_printed: None,
            after_left: 0,
            before: VecDeque::new(),
            base: 0,
        }
    }

    fn max_reached(&self) -> bool {
        self.cfg.max_count.is_some_and(|m| self.selected >= m)
    }

    /// Searches `block`: whole lines, except that the last block of a file may end without a
    /// terminator.
    pub async fn block(&mut self, block: &[u8], out: &mut Output) -> Result<(), Broken> {
        self.search(block, out).await?;
        self.base += block.len() as u64;
        Ok(())
    }

    async fn search(&mut self, block: &[u8], out: &mut Output) -> Result<(), Broken> {
        let eol = self.cfg.eol;
        let mut pos = 0;
        while pos < block.len() && !self.done {
            if self.max_reached() {
                // GNU still prints the trailing context of the last selected line.
                while pos < block.len() && self.after_left > 0 {
                    let end = line_end(block, pos, eol);
                    self.lineno += 1;
                    self.after_left -= 1;
                    let at = self.base + pos as u64;
                    self.emit(b'-', &block[pos..end], at, out).await?;
                    pos = end;
                }
                if self.after_left == 0 {
                    self.done = true;
                }
                break;
            }
            let (ls, le) = self
                .next_match(block, pos)
                .unwrap_or((block.len(), block.len()));
            if self.cfg.invert {
                while pos < ls && !self.done && !self.max_reached() {
                    let end = line_end(block, pos, eol);
                    let at = self.base + pos as u64;
                    self.select(&block[pos..end], at, out).await?;
                    pos = end;
                }
                if pos < ls || self.done {
                    continue;
                }
                self.reject(block, ls, le, out).await?;
            } else {
                self.reject(block, pos, ls, out).await?;
                if ls < le {
                    let at = self.base + ls as u64;
                    self.select(&block[ls..le], at, out).await?;
                }
            }
            pos = le;
        }
        Ok(())
    }

    /// The line (start, end after its terminator) holding the next match at or after `pos`.
    fn next_match(&self, block: &[u8], pos: usize) -> Option<(usize, usize)> {
        let eol = self.cfg.eol;
        let mut from = pos;
        loop {
            let (s, e) = self.matcher.find_at(block, from)?;
            if s >= block.len() {
                return None;
            }
            let ls = memrchr(eol, &block[from..s]).map_or(from, |i| from + i + 1);
            let text_end = memchr(eol, &block[s..]).map_or(block.len(), |i| s + i);
            let le = (text_end + 1).min(block.len());
            // A regex may run across a line end (`\s`, `[^a]`); then the line alone decides.
            if e <= text_end || self.matcher.is_match(&block[ls..text_end]) {
                return Some((ls, le));
            }
            if le >= block.len() {
                return None;
            }
            from = le;
        }
    }

    /// Lines `[a, b)` that are not selected: after-context, before-context, line counting.
    async fn reject(
        &mut self,
        block: &[u8],
        mut a: usize,
        b: usize,
        out: &mut Output,
    ) -> Result<(), Broken> {
        if a >= b || !self.cfg.tracks_lines() {
            return Ok(());
        }
        let eol = self.cfg.eol;
        if self.cfg.context() {
            while a < b && self.after_left > 0 {
                let end = line_end(block, a, eol);
                self.lineno += 1;
                self.after_left -= 1;
                let at = self.base + a as u64;
                self.emit(b'-', &block[a..end], at, out).await?;
                a = end;
            }
        }
        if a >= b {
            return Ok(());
        }
        let region = &block[a..b];
        let lines =
            memchr_iter(eol, region).count() as u64 + u64::from(region.last() != Some(&eol));
        self.lineno += lines;
        let keep = self.cfg.before.min(lines as usize);
        if self.cfg.context() && keep > 0 {
            // The last `keep` lines of the region, oldest first.
            let mut starts = Vec::with_capacity(keep);
            let mut end = region.len() - usize::from(region.last() == Some(&eol));
            for _ in 0..keep {
                let start = memrchr(eol, &region[..end]).map_or(0, |i| i + 1);
                starts.push(start);
                end = start.saturating_sub(1);
            }
            let mut number = self.lineno + 1 - keep as u64;
            let mut bounds = starts.iter().rev().peekable();
            while let Some(&start) = bounds.next() {
                let stop = bounds.peek().map_or(region.len(), |&&n| n);
                let at = self.base + (a + start) as u64;
                self.before
                    .push_back((number, at, region[start..stop].to_vec()));
                number += 1;
            }
            while self.before.len() > self.cfg.before {
                self.before.pop_front();
            }
        }
        Ok(())
    }

    /// A selected line starting at byte `at` of the file.
    async fn select(&mut self, line: &[u8], at: u64, out: &mut Output) -> Result<(), Broken> {
        if self.cfg.tracks_lines() {
            self.lineno += 1;
        }
        self.selected += 1;
        match self.cfg.mode {
            Mode::Lines => {}
            Mode::Count => return Ok(()),
            Mode::FilesWith | Mode::FilesWithout | Mode::Quiet => {
                self.done = true;
                return Ok(());
            }
        }
        if self.cfg.only_matching {
            if !self.cfg.invert {
                let text = strip_eol(line, self.cfg.eol);
                for (s, e) in self.matcher.matches(text) {
                    self.prefix(b':', at + s as u64, out).await?;
                    out.write(&text[s..e]).await?;
                    out.write(&[self.cfg.eol]).await?;
                }
            }
            return Ok(());
        }
        while let Some((number, offset, text)) = self.before.pop_front() {
            if self.last_printed.is_none_or(|l| number > l) {
                let saved = self.lineno;
                self.lineno = number;
                self.emit(b'-', &text, offset, out).await?;
                self.lineno = saved;
            }
        }
        self.emit(b':', line, at, out).await?;
        self.after_left = self.cfg.after;
        Ok(())
    }

    /// Prints line number `self.lineno` with separator `sep` (`:` selected, `-` context),
    /// starting a new group with `--` when it does not follow the last printed line.
    async fn emit(
        &mut self,
        sep: u8,
        line: &[u8],
        at: u64,
        out: &mut Output,
    ) -> Result<(), Broken> {
        if self.cfg.context() {
            let follows = self.last_printed.is_some_and(|l| l + 1 == self.lineno);
            if self.group_printed && !follows {
                out.write(b"--\n").await?;
            }
            self.group_printed = true;
            self.last_printed = Some(self.lineno);
        }
        self.prefix(sep, at, out).await?;
        out.write(line).await?;
        if line.last() != Some(&self.cfg.eol) {
            out.write(&[self.cfg.eol]).await?;
        }
        Ok(())
    }

    async fn prefix(&self, sep: u8, at: u64, out: &mut Output) -> Result<(), Broken> {
        if let Some(name) = self.name {
            out.write(name).await?;
            out.write(&[sep]).await?;
        }
        if self.cfg.line_number {
            let mut buf = [0u8; 24];
            let digits = format_decimal(self.lineno, &mut buf);
            out.write(digits).await?;
            out.write(&[sep]).await?;
        }
        if self.cfg.byte_offset {
            let mut buf = [0u8; 24];
            out.write(format_decimal(at, &mut buf)).await?;
            out.write(&[sep]).await?;
        }
        Ok(())
    }
}

/// The end of the line starting at `pos` (after its terminator, or the block's end).
fn line_end(block: &[u8], pos: usize, eol: u8) -> usize {
    memchr(eol, &block[pos..]).map_or(block.len(), |i| pos + i + 1)
}

fn strip_eol(line: &[u8], eol: u8) -> &[u8] {
    line.strip_suffix(&[eol]).unwrap_or(line)
}

/// `n` in decimal, written into `buf` without allocating (once per printed line with `-n`).
fn format_decimal(mut n: u64, buf: &mut [u8; 24]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}
