//! jq's inputs: the JSON texts (or, with `-R`, the lines) of the files in turn, or of stdin as
//! it arrives. A resumable scanner cuts the bytes into single values, so stdin streams (`... |
//! jq -c . | head -1` stops early) and a value split across pipe chunks is scanned once; each
//! cut value is then parsed by jaq-json's parser. The scanner also gives jq's positions: the
//! line count in `jq: error (at <stdin>:N)` and the line and column of a syntax error.

use std::collections::VecDeque;

use jaq_json::Val;

/// Deepest nesting accepted in an input value. jaq-json's parser recurses once per level and
/// the guest's stack is 1 MiB; jq's own limit is far higher, but real documents stay far below.
pub(super) const MAX_DEPTH: usize = 512;

/// Consumed stdin bytes kept before the buffer is compacted.
const COMPACT_AFTER: usize = 64 * 1024;

/// What [`Feed::next`] found.
#[derive(Debug)]
pub(super) enum Next {
    Value(Val),
    /// Not JSON: jq's message (`Unfinished JSON term at EOF at line 2, column 0`). Nothing is
    /// read after it.
    Invalid(String),
    /// stdin has no complete value yet: [`Feed::push_stdin`] more or [`Feed::finish_stdin`].
    NeedMore,
    /// A file operand could not be read: the message for `jq: error: ...`.
    Unreadable(String),
    End,
}

#[derive(Debug)]
struct Source {
    /// The operand (`<stdin>` for standard input).
    name: String,
    data: Vec<u8>,
    /// No more bytes will come: a file, or stdin once it ended.
    complete: bool,
    /// Why the file could not be read.
    error: Option<String>,
}

/// How far the scanner got into the value it is cutting.
#[derive(Debug, Default, Clone, Copy)]
struct Cut {
    start: usize,
    /// Where scanning resumes.
    at: usize,
    /// A number or literal, ended by a delimiter rather than a closing bracket or quote.
    scalar: bool,
    depth: usize,
    in_str: bool,
    /// The last byte seen was the backslash of an escape.
    escaped: bool,
}

enum Scan {
    Complete(usize),
    Partial,
    TooDeep(usize),
}

/// The stream of inputs.
#[derive(Debug)]
pub(super) struct Feed {
    sources: VecDeque<Source>,
    /// `-R`: each line is a string.
    raw: bool,
    /// Start of the unread bytes of the current source.
    pos: usize,
    cut: Option<Cut>,
    /// Newlines in `data[..counted]` of the current source, plus those compacted away.
    newlines: usize,
    counted: usize,
    /// Where the last value came from (operand and line), for error messages.
    at: Option<(String, usize)>,
}

impl Feed {
    pub(super) fn new(raw: bool) -> Self {
        Self {
            sources: VecDeque::new(),
            raw,
            pos: 0,
            cut: None,
            newlines: 0,
            counted: 0,
            at: None,
        }
    }

    /// Adds a file operand: its contents, or why it could not be read.
    pub(super) fn push_file(&mut self, name: &str, data: Result<Vec<u8>, String>) {
        let (data, error) = match data {
            Ok(d) => (d, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        self.sources.push_back(Source {
            name: name.to_string(),
            data,
            complete: true,
            error,
        });
    }

    /// Adds stdin, whose bytes arrive through [`Feed::push_stdin`].
    pub(super) fn open_stdin(&mut self) {
        self.sources.push_back(Source {
            name: "<stdin>".to_string(),
            data: Vec::new(),
            complete: false,
            error: None,
        });
    }

    /// More bytes of stdin (the last source).
    pub(super) fn push_stdin(&mut self, bytes: &[u8]) {
        if let Some(src) = self.sources.back_mut() {
            src.data.extend_from_slice(bytes);
        }
    }

    /// stdin has ended.
    pub(super) fn finish_stdin(&mut self) {
        if let Some(src) = self.sources.back_mut() {
            src.complete = true;
        }
    }

    /// `<stdin>:3` for jq's `error (at ...)`, `<unknown>` before any input was read.
    pub(super) fn location(&self) -> String {
        match &self.at {
            Some((name, line)) => format!("{name}:{line}"),
            None => "<unknown>".to_string(),
        }
    }

    /// Lines read so far (`input_line_number`).
    pub(super) fn line(&self) -> usize {
        self.at.as_ref().map_or(0, |(_, line)| *line)
    }

    /// The file the last input came from (`input_filename`): `None` for stdin.
    pub(super) fn filename(&self) -> Option<&str> {
        self.at
            .as_ref()
            .map(|(name, _)| name.as_str())
            .filter(|n| *n != "<stdin>")
    }

    /// The next input.
    pub(super) fn next(&mut self) -> Next {
        loop {
            let Some(src) = self.sources.front() else {
                return Next::End;
            };
            if let Some(error) = &src.error {
                let error = error.clone();
                self.next_source();
                return Next::Unreadable(error);
            }
            let step = if self.raw {
                self.next_line()
            } else {
                self.next_json()
            };
            match step {
                Some(Next::Invalid(msg)) => {
                    self.sources.clear();
                    return Next::Invalid(msg);
                }
                Some(next) => return next,
                None => self.next_source(),
            }
        }
    }

    /// Every input that is left, for `-s` (stdin must be complete).
    pub(super) fn rest(&mut self) -> Result<Vec<Val>, Next> {
        let mut all = Vec::new();
        loop {
            match self.next() {
                Next::Value(v) => all.push(v),
                Next::End | Next::NeedMore => return Ok(all),
                other => return Err(other),
            }
        }
    }

    /// Every byte that is left, for `-Rs` (stdin must be complete).
    pub(super) fn rest_raw(&mut self) -> Result<Vec<u8>, String> {
        let mut all = Vec::new();
        while let Some(src) = self.sources.pop_front() {
            if let Some(e) = src.error {
                return Err(e);
            }
            all.extend_from_slice(&src.data[self.pos.min(src.data.len())..]);
            self.pos = 0;
        }
        Ok(all)
    }

    fn next_source(&mut self) {
        self.sources.pop_front();
        self.pos = 0;
        self.cut = None;
        self.newlines = 0;
        self.counted = 0;
    }

    /// Counts newlines up to `end` of the current source.
    fn count_to(&mut self, data_end: usize) {
        let Some(src) = self.sources.front() else {
            return;
        };
        if data_end > self.counted {
            self.newlines += memchr::memchr_iter(b'\n', &src.data[self.counted..data_end]).count();
            self.counted = data_end;
        }
    }

    /// Records jq's line for a value ending at `end`: the lines read so far, where the line
    /// holding the end counts once its newline has been read.
    fn mark(&mut self, end: usize) {
        self.count_to(end);
        let Some(src) = self.sources.front() else {
            return;
        };
        let finished = memchr::memchr(b'\n', &src.data[end..]).is_some();
        self.at = Some((src.name.clone(), self.newlines + usize::from(finished)));
    }

    /// Drops consumed stdin bytes so a long stream keeps a bounded buffer.
    fn compact(&mut self) {
        if self.pos < COMPACT_AFTER {
            return;
        }
        let pos = self.pos;
        self.count_to(pos);
        let Some(src) = self.sources.front_mut() else {
            return;
        };
        src.data.drain(..pos);
        self.counted -= pos;
        self.pos = 0;
        if let Some(cut) = &mut self.cut {
            cut.start -= pos;
            cut.at -= pos;
        }
    }

    fn next_line(&mut self) -> Option<Next> {
        let src = self.sources.front()?;
        let rest = &src.data[self.pos..];
        let line = match memchr::memchr(b'\n', rest) {
            Some(n) => {
                let line = rest[..n].to_vec();
                self.pos += n + 1;
                line
            }
            None if !src.complete => {
                self.compact();
                return Some(Next::NeedMore);
            }
            None if rest.is_empty() => return None,
            None => {
                let line = rest.to_vec();
                self.pos = src.data.len();
                line
            }
        };
        self.mark(self.pos);
        Some(Next::Value(Val::utf8_str(line)))
    }

    fn next_json(&mut self) -> Option<Next> {
        let src = self.sources.front()?;
        let data = &src.data;
        let mut cut = match self.cut {
            Some(cut) => cut,
            None => {
                let mut i = self.pos;
                if i == 0 && data.starts_with(b"\xef\xbb\xbf") {
                    i = 3;
                }
                while i < data.len() && matches!(data[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                self.pos = i;
                if i == data.len() {
                    if src.complete {
                        return None;
                    }
                    self.compact();
                    return Some(Next::NeedMore);
                }
                Cut::begin(i, data[i])
            }
        };
        let end = match cut.resume(data) {
            Scan::Complete(end) => end,
            Scan::Partial if cut.scalar && src.complete => data.len(),
            Scan::Partial if src.complete => {
                let (line, column) = line_column(data, data.len());
                self.mark(data.len());
                return Some(Next::Invalid(format!(
                    "Unfinished JSON term at EOF at line {line}, column {column}"
                )));
            }
            Scan::Partial => {
                self.cut = Some(cut);
                self.compact();
                return Some(Next::NeedMore);
            }
            Scan::TooDeep(at) => {
                let (line, column) = line_column(data, at);
                self.mark(at);
                return Some(Next::Invalid(format!(
                    "Exceeds depth limit for parsing at line {line}, column {column}"
                )));
            }
        };
        self.cut = None;
        self.pos = end;
        let parsed = jaq_json::read::parse_single(&data[cut.start..end]);
        Some(match parsed {
            Ok(v) => {
                self.mark(end);
                Next::Value(v)
            }
            Err(e) => {
                let (offset, message) = parse_error(&e.to_string(), &data[cut.start..end]);
                let at = cut.start + offset;
                let (line, column) = line_column(data, at);
                self.mark(at.min(data.len()));
                Next::Invalid(format!("{message} at line {line}, column {column}"))
            }
        })
    }
}

impl Cut {
    fn begin(start: usize, first: u8) -> Self {
        let mut cut = Cut {
            start,
            at: start + 1,
            ..Cut::default()
        };
        match first {
            b'{' | b'[' => cut.depth = 1,
            b'"' => cut.in_str = true,
            _ => {
                cut.scalar = true;
                cut.at = start;
            }
        }
        cut
    }

    /// Scans on from `self.at` to the end of the value, if `data` holds it all.
    fn resume(&mut self, data: &[u8]) -> Scan {
        let mut i = self.at;
        if self.scalar {
            while i < data.len() && !is_delimiter(data[i]) {
                i += 1;
            }
            self.at = i;
            return match i {
                _ if i == data.len() => Scan::Partial,
                // A delimiter where a value should start (`]`, `,`): cut it alone, so the
                // parser reports it.
                _ if i == self.start => Scan::Complete(i + 1),
                _ => Scan::Complete(i),
            };
        }
        loop {
            if self.in_str {
                if self.escaped {
                    if i >= data.len() {
                        break;
                    }
                    i += 1;
                    self.escaped = false;
                }
                let Some(k) = memchr::memchr2(b'"', b'\\', &data[i.min(data.len())..]) else {
                    i = data.len();
                    break;
                };
                i += k + 1;
                if data[i - 1] == b'\\' {
                    self.escaped = true;
                    continue;
                }
                self.in_str = false;
                if self.depth == 0 {
                    return Scan::Complete(i);
                }
                continue;
            }
            let Some(&b) = data.get(i) else {
                break;
            };
            i += 1;
            match b {
                b'"' => self.in_str = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Scan::TooDeep(i - 1);
                    }
                }
                b']' | b'}' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Scan::Complete(i);
                    }
                }
                _ => {}
            }
        }
        self.at = i;
        Scan::Partial
    }
}

fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b'[' | b']' | b'{' | b'}' | b'"' | b',' | b':'
    )
}

/// jq's 1-based line and the column (bytes since the line's start) of `offset`.
fn line_column(data: &[u8], offset: usize) -> (usize, usize) {
    let before = &data[..offset.min(data.len())];
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let column = match memchr::memrchr(b'\n', before) {
        Some(nl) => before.len() - nl - 1,
        None => before.len(),
    };
    (line, column)
}

/// The offset and jq's wording of a jaq-json parse error, whose text reads `byte offset N: msg`.
fn parse_error(text: &str, segment: &[u8]) -> (usize, String) {
    let (offset, msg) = text
        .strip_prefix("byte offset ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(n, msg)| Some((n.parse::<usize>().ok()?, msg)))
        .unwrap_or((0, text));
    let at = segment.get(offset).copied();
    let message = match msg {
        "expected digit" => "Invalid numeric literal",
        "comma or end of sequence expected" => "Expected separator between values",
        "colon expected" => "Objects must consist of key:value pairs",
        "string expected" => "Object keys must be strings",
        "value expected" | "value or end of sequence expected"
            if at.is_some_and(|b| b.is_ascii_alphanumeric()) =>
        {
            "Invalid literal"
        }
        "value expected" | "value or end of sequence expected" => "Expected JSON value",
        "invalid string control character" => {
            "Invalid string: control characters from U+0000 through U+001F must be escaped"
        }
        m if m.starts_with("invalid escape")
            || m.starts_with("invalid hexadecimal")
            || m.starts_with("invalid character")
            || m == "expected low surrogate" =>
        {
            "Invalid escape"
        }
        m => return (offset, capitalized(m)),
    };
    (offset, message.to_string())
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
