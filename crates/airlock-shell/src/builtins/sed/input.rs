//! sed's input: the lines of its files (or stdin, streamed), one line ahead so that `$` knows
//! the last line.

use crate::io::{Input, Output};
use crate::system::System;

/// A line read ahead.
#[derive(Debug)]
struct Ahead {
    line: Vec<u8>,
    had_eol: bool,
    /// Index of the operand it came from.
    file: usize,
}

#[derive(Debug)]
enum Source {
    None,
    Mem(Vec<u8>, usize),
    Stdin,
}

/// What [`Reader::next`] says about the line it gave.
#[derive(Debug, Clone, Copy)]
pub(super) struct LineMeta {
    pub had_eol: bool,
    /// The first line of another file than the previous line.
    pub new_file: bool,
}

pub(super) struct Reader<'a> {
    stdin: &'a mut Input,
    stderr: &'a mut Output,
    sys: &'a dyn System,
    cwd: &'a str,
    operands: Vec<String>,
    /// The operand being read (`operands.len()` when all are done).
    opened: usize,
    source: Source,
    eol: u8,
    ahead: Option<Ahead>,
    started: bool,
    /// The operand of the line last given.
    current: usize,
    /// Lines given so far.
    given: u64,
    /// Set when an input file could not be read (sed then exits with 2).
    pub bad_input: bool,
}

impl std::fmt::Debug for Reader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("operands", &self.operands)
            .field("given", &self.given)
            .finish_non_exhaustive()
    }
}

impl<'a> Reader<'a> {
    pub fn new(
        stdin: &'a mut Input,
        stderr: &'a mut Output,
        sys: &'a dyn System,
        cwd: &'a str,
        operands: Vec<String>,
        eol: u8,
    ) -> Self {
        Self {
            stdin,
            stderr,
            sys,
            cwd,
            operands,
            opened: 0,
            source: Source::None,
            eol,
            ahead: None,
            started: false,
            current: 0,
            given: 0,
            bad_input: false,
        }
    }

    /// Moves the next line into `into` (without its terminator).
    pub async fn next(&mut self, into: &mut Vec<u8>) -> Option<LineMeta> {
        if !self.started {
            self.started = true;
            self.ahead = self.fetch(Vec::new()).await;
        }
        let mut ahead = self.ahead.take()?;
        std::mem::swap(into, &mut ahead.line);
        let new_file = self.given == 0 || ahead.file != self.current;
        self.current = ahead.file;
        self.given += 1;
        let meta = LineMeta {
            had_eol: ahead.had_eol,
            new_file,
        };
        // The old pattern space becomes the buffer of the line after.
        self.ahead = self.fetch(ahead.line).await;
        Some(meta)
    }

    /// Whether another line follows (in the same file, with `separate`).
    pub fn has_next(&self, separate: bool) -> bool {
        match &self.ahead {
            None => false,
            Some(a) => !separate || a.file == self.current,
        }
    }

    /// Whether the line last given is the last (of its file, with `separate`).
    pub fn is_last(&self, separate: bool) -> bool {
        match &self.ahead {
            None => true,
            Some(a) => separate && a.file != self.current,
        }
    }

    /// The name of the file the last line came from (`-` for stdin).
    pub fn file_name(&self) -> &str {
        self.operands.get(self.current).map_or("-", String::as_str)
    }

    /// Stops reading stdin (after `q`): the writer upstream sees a broken pipe.
    pub fn close(&mut self) {
        self.stdin.close();
    }

    /// Reads the line after the current one into `buf`.
    async fn fetch(&mut self, mut buf: Vec<u8>) -> Option<Ahead> {
        loop {
            match &mut self.source {
                Source::Mem(data, pos) => {
                    if *pos < data.len() {
                        let rest = &data[*pos..];
                        let (len, had_eol) = match memchr::memchr(self.eol, rest) {
                            Some(i) => (i, true),
                            None => (rest.len(), false),
                        };
                        buf.clear();
                        buf.extend_from_slice(&rest[..len]);
                        *pos += len + usize::from(had_eol);
                        return Some(Ahead {
                            line: buf,
                            had_eol,
                            file: self.opened - 1,
                        });
                    }
                }
                Source::Stdin => {
                    if let Some(line) = self.stdin.until(self.eol).await {
                        let had_eol = line.last() == Some(&self.eol);
                        buf.clear();
                        buf.extend_from_slice(&line[..line.len() - usize::from(had_eol)]);
                        return Some(Ahead {
                            line: buf,
                            had_eol,
                            file: self.opened - 1,
                        });
                    }
                }
                Source::None => {}
            }
            if !self.open_next().await {
                return None;
            }
        }
    }

    /// Opens the next operand that can be read; `false` when none is left.
    async fn open_next(&mut self) -> bool {
        self.source = Source::None;
        while self.opened < self.operands.len() {
            let operand = self.operands[self.opened].clone();
            self.opened += 1;
            if operand == "-" {
                self.source = Source::Stdin;
                return true;
            }
            let path = crate::path::absolute(self.cwd, &operand);
            let failure = match self.sys.stat(&path) {
                Ok(info) if info.is_dir => format!("read error on {operand}: Is a directory"),
                Ok(_) => match self.sys.read_file(&path) {
                    Ok(data) => {
                        self.source = Source::Mem(data, 0);
                        return true;
                    }
                    Err(e) => format!("can't read {operand}: {}", e.describe()),
                },
                Err(e) => format!("can't read {operand}: {}", e.describe()),
            };
            self.bad_input = true;
            let _ = self
                .stderr
                .write(format!("sed: {failure}\n").as_bytes())
                .await;
        }
        false
    }
}
