//! Cutting input into records by `RS`, over a buffer that a stream refills.

use std::rc::Rc;

use regex::bytes::Regex;

/// How `RS` ends a record.
#[derive(Debug, Clone)]
pub(super) enum RsMode {
    /// A single character (the default `\n`).
    Byte(u8),
    /// `RS = ""`: records are separated by blank lines.
    Paragraph,
    /// A longer `RS` is a regular expression (gawk).
    Regex(Rc<Regex>),
}

/// What a scan of the buffer found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// A record at `buf[start..end]`, its terminator ending at `next`.
    Record {
        start: usize,
        end: usize,
        next: usize,
    },
    /// The buffer holds no complete record yet: feed more, or mark the end.
    NeedMore,
    /// No more records.
    End,
}

/// Unconsumed bytes kept in front of the buffer before they are dropped.
const COMPACT_AT: usize = 64 * 1024;

/// Input being cut into records: a whole file, or a stream fed chunk by chunk.
#[derive(Debug, Default)]
pub(super) struct Reader {
    pub(super) buf: Vec<u8>,
    pos: usize,
    /// How far a search for the terminator has already looked (so a long record split over
    /// many chunks is not searched again from its start).
    scanned: usize,
    pub(super) eof: bool,
    /// The exit status of the command that produced it (for `close` of `cmd | getline`).
    pub(super) status: i32,
}

impl Reader {
    pub(super) fn from_bytes(buf: Vec<u8>) -> Reader {
        Reader {
            buf,
            eof: true,
            ..Reader::default()
        }
    }

    pub(super) fn stream() -> Reader {
        Reader::default()
    }

    pub(super) fn feed(&mut self, chunk: &[u8]) {
        if self.pos > COMPACT_AT && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.scanned = self.scanned.saturating_sub(self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Drops the rest of the input (`nextfile`).
    pub(super) fn skip_rest(&mut self) {
        self.pos = self.buf.len();
        self.scanned = self.pos;
    }

    fn found(&mut self, start: usize, end: usize, next: usize) -> Scan {
        self.pos = next;
        self.scanned = next;
        Scan::Record { start, end, next }
    }

    /// The rest of the buffer as the last record, or the end.
    fn last(&mut self, end: usize) -> Scan {
        if self.pos < self.buf.len() {
            let start = self.pos;
            let len = self.buf.len();
            self.found(start, end, len)
        } else {
            Scan::End
        }
    }

    pub(super) fn scan(&mut self, rs: &RsMode) -> Scan {
        let len = self.buf.len();
        match rs {
            RsMode::Byte(c) => {
                let from = self.scanned.max(self.pos);
                match memchr::memchr(*c, &self.buf[from..]) {
                    Some(i) => self.found(self.pos, from + i, from + i + 1),
                    None if self.eof => self.last(len),
                    None => {
                        self.scanned = len;
                        Scan::NeedMore
                    }
                }
            }
            RsMode::Paragraph => {
                while self.pos < len && self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                if self.pos == len {
                    return if self.eof { Scan::End } else { Scan::NeedMore };
                }
                let from = self.scanned.max(self.pos);
                match memchr::memmem::find(&self.buf[from..], b"\n\n") {
                    Some(i) => {
                        let end = from + i;
                        let mut next = end;
                        while next < len && self.buf[next] == b'\n' {
                            next += 1;
                        }
                        if next == len && !self.eof {
                            // More newlines may follow; they belong to this terminator.
                            self.scanned = end;
                            return Scan::NeedMore;
                        }
                        self.found(self.pos, end, next)
                    }
                    None if self.eof => {
                        let mut end = len;
                        while end > self.pos && self.buf[end - 1] == b'\n' {
                            end -= 1;
                        }
                        self.last(end)
                    }
                    None => {
                        self.scanned = len.saturating_sub(1).max(self.pos);
                        Scan::NeedMore
                    }
                }
            }
            RsMode::Regex(re) => {
                let mut at = self.pos;
                loop {
                    match re.find_at(&self.buf, at) {
                        Some(m) if m.is_empty() => {
                            at = m.start() + 1;
                            if at > len {
                                break;
                            }
                        }
                        // A match touching the end might grow with more input.
                        Some(m) if m.end() == len && !self.eof => return Scan::NeedMore,
                        Some(m) => return self.found(self.pos, m.start(), m.end()),
                        None => break,
                    }
                }
                if self.eof {
                    self.last(len)
                } else {
                    Scan::NeedMore
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(input: &str, rs: &RsMode) -> Vec<String> {
        let mut r = Reader::from_bytes(input.as_bytes().to_vec());
        let mut out = Vec::new();
        while let Scan::Record { start, end, .. } = r.scan(rs) {
            out.push(input[start..end].to_string());
        }
        out
    }

    #[test]
    fn record_separators() {
        assert_eq!(records("a\nb\n", &RsMode::Byte(b'\n')), ["a", "b"]);
        assert_eq!(records("a\nb", &RsMode::Byte(b'\n')), ["a", "b"]);
        assert_eq!(records("a;b;", &RsMode::Byte(b';')), ["a", "b"]);
        assert_eq!(
            records("\n\na\nb\n\n\nc\n", &RsMode::Paragraph),
            ["a\nb", "c"]
        );
        let re = RsMode::Regex(Rc::new(Regex::new("-+").unwrap()));
        assert_eq!(records("a--b-c", &re), ["a", "b", "c"]);
    }

    #[test]
    fn streamed_records_wait_for_their_end() {
        let mut r = Reader::stream();
        r.feed(b"ab");
        assert_eq!(r.scan(&RsMode::Byte(b'\n')), Scan::NeedMore);
        r.feed(b"c\nd");
        assert_eq!(
            r.scan(&RsMode::Byte(b'\n')),
            Scan::Record {
                start: 0,
                end: 3,
                next: 4
            }
        );
        assert_eq!(r.scan(&RsMode::Byte(b'\n')), Scan::NeedMore);
        r.eof = true;
        assert_eq!(
            r.scan(&RsMode::Byte(b'\n')),
            Scan::Record {
                start: 4,
                end: 5,
                next: 5
            }
        );
        assert_eq!(r.scan(&RsMode::Byte(b'\n')), Scan::End);
    }
}
