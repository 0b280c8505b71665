//! Streams between commands: bounded in-memory pipes with back-pressure, and the `Input` and
//! `Output` every command reads and writes.
//!
//! Commands are async and the stages of a pipeline run as futures on one thread (see
//! [`crate::exec`]). A write to a full pipe waits until the reader has taken some; a read from
//! an empty pipe waits until the writer has put some or closed it. When the reader goes away
//! (`head` has its lines), writes fail with [`Broken`] and the writer stops quietly, as with
//! SIGPIPE.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

/// Bytes a pipe holds before its writer waits.
pub const PIPE_CAPACITY: usize = 64 * 1024;
/// Bytes an [`Output`] gathers before passing them on.
const OUTPUT_BUFFER: usize = 8 * 1024;
/// Bytes an [`Input`] asks for at once.
const READ_CHUNK: usize = 64 * 1024;

/// The reader of a pipe went away: stop writing (the shell's SIGPIPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Broken;

/// What a write returns.
pub type WriteResult = Result<(), Broken>;

#[derive(Debug, Default)]
struct PipeState {
    buf: VecDeque<u8>,
    /// Live writers; at zero the reader sees end of stream.
    writers: usize,
    read_closed: bool,
}

/// Makes a pipe: what is written to the [`Output`] is read from the [`Input`].
pub fn pipe() -> (Output, Input) {
    let state = Rc::new(RefCell::new(PipeState {
        writers: 1,
        ..PipeState::default()
    }));
    (
        Output::new(Sink::Pipe(PipeWriter(Rc::clone(&state)))),
        Input::new(Source::Pipe(PipeReader(state))),
    )
}

/// The writing end of a pipe.
#[derive(Debug)]
pub struct PipeWriter(Rc<RefCell<PipeState>>);

impl PipeWriter {
    async fn write(&self, mut data: &[u8]) -> WriteResult {
        while !data.is_empty() {
            let n = poll_fn(|_| {
                let mut state = self.0.borrow_mut();
                if state.read_closed {
                    return Poll::Ready(Err(Broken));
                }
                let room = PIPE_CAPACITY.saturating_sub(state.buf.len());
                if room == 0 {
                    return Poll::Pending;
                }
                let n = room.min(data.len());
                state.buf.extend(&data[..n]);
                Poll::Ready(Ok(n))
            })
            .await?;
            data = &data[n..];
        }
        Ok(())
    }
}

impl Clone for PipeWriter {
    fn clone(&self) -> Self {
        self.0.borrow_mut().writers += 1;
        Self(Rc::clone(&self.0))
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut state = self.0.borrow_mut();
        state.writers = state.writers.saturating_sub(1);
    }
}

#[derive(Debug)]
struct PipeReader(Rc<RefCell<PipeState>>);

impl PipeReader {
    /// Appends what the pipe holds (at most `max` bytes) to `out`; `false` at end of stream.
    async fn read_into(&self, out: &mut Vec<u8>, max: usize) -> bool {
        poll_fn(|_| {
            let mut state = self.0.borrow_mut();
            if state.buf.is_empty() {
                return if state.writers == 0 {
                    Poll::Ready(false)
                } else {
                    Poll::Pending
                };
            }
            let n = max.min(state.buf.len());
            let (a, b) = state.buf.as_slices();
            let from_a = n.min(a.len());
            out.extend_from_slice(&a[..from_a]);
            out.extend_from_slice(&b[..n - from_a]);
            state.buf.drain(..n);
            Poll::Ready(true)
        })
        .await
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut state = self.0.borrow_mut();
        state.read_closed = true;
        state.buf.clear();
    }
}

#[derive(Debug)]
enum Source {
    /// Everything is already in the buffer (a file, a here-document, nothing).
    Done,
    Pipe(PipeReader),
}

/// A command's input: a byte stream, read in chunks or lines.
#[derive(Debug)]
pub struct Input {
    source: Source,
    buf: Vec<u8>,
    pos: usize,
}

impl Input {
    fn new(source: Source) -> Self {
        Self {
            source,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// No input at all (`< /dev/null`).
    pub fn empty() -> Self {
        Self::new(Source::Done)
    }

    /// Input from bytes already in memory: a file's contents, a here-document.
    pub fn from_bytes(data: Vec<u8>) -> Self {
        Self {
            source: Source::Done,
            buf: data,
            pos: 0,
        }
    }

    /// Pulls more bytes into the buffer; `false` at end of stream.
    async fn fill(&mut self) -> bool {
        match &self.source {
            Source::Done => false,
            Source::Pipe(reader) => {
                if self.pos > 0 && self.pos == self.buf.len() {
                    self.buf.clear();
                    self.pos = 0;
                } else if self.pos > READ_CHUNK {
                    self.buf.drain(..self.pos);
                    self.pos = 0;
                }
                if reader.read_into(&mut self.buf, READ_CHUNK).await {
                    true
                } else {
                    self.source = Source::Done;
                    false
                }
            }
        }
    }

    /// The next chunk of bytes, `None` at end of stream.
    pub async fn chunk(&mut self) -> Option<&[u8]> {
        if self.pos == self.buf.len() && !self.fill().await {
            return None;
        }
        let start = self.pos;
        self.pos = self.buf.len();
        Some(&self.buf[start..])
    }

    /// The next line including its `\n` (the last line may lack one), `None` at end of stream.
    pub async fn line(&mut self) -> Option<&[u8]> {
        self.until(b'\n').await
    }

    /// The bytes up to and including the next `delim`, or the rest; `None` at end of stream.
    pub async fn until(&mut self, delim: u8) -> Option<&[u8]> {
        let mut searched = self.pos;
        loop {
            if let Some(i) = memchr::memchr(delim, &self.buf[searched..]) {
                let start = self.pos;
                self.pos = searched + i + 1;
                return Some(&self.buf[start..self.pos]);
            }
            let before = self.pos;
            searched = self.buf.len();
            if !self.fill().await {
                if self.pos == self.buf.len() {
                    return None;
                }
                let start = self.pos;
                self.pos = self.buf.len();
                return Some(&self.buf[start..]);
            }
            // `fill` may have moved the unread bytes to the front of the buffer.
            searched -= before - self.pos;
        }
    }

    /// At most `max` bytes, stopping after `delim`; `None` at end of stream (`read -n`).
    pub async fn take_until(&mut self, delim: u8, max: usize) -> Option<&[u8]> {
        if self.pos == self.buf.len() && !self.fill().await {
            return None;
        }
        while self.buf.len() - self.pos < max
            && memchr::memchr(delim, &self.buf[self.pos..]).is_none()
            && self.fill().await
        {}
        let avail = &self.buf[self.pos..];
        let mut n = avail.len().min(max);
        if let Some(i) = memchr::memchr(delim, &avail[..n]) {
            n = i + 1;
        }
        let start = self.pos;
        self.pos += n;
        Some(&self.buf[start..self.pos])
    }

    /// Everything that is left.
    pub async fn read_all(&mut self) -> Vec<u8> {
        while self.fill().await {}
        let rest = self.buf.split_off(self.pos);
        self.buf.clear();
        self.pos = 0;
        rest
    }

    /// Closes the input early: a writer still feeding it sees [`Broken`].
    pub fn close(&mut self) {
        self.source = Source::Done;
        self.buf.clear();
        self.pos = 0;
    }
}

/// A function that takes bytes as they are written.
pub type WriteFn = Rc<dyn Fn(&[u8])>;

/// Where an [`Output`] goes.
pub enum Sink {
    /// Discarded (`> /dev/null`).
    Null,
    Pipe(PipeWriter),
    /// Collected in memory: `$(...)`, a file being written, a test's capture.
    Buffer(Rc<RefCell<Vec<u8>>>),
    /// Handed to a function as it is written (the sandbox's stdout and stderr).
    Func(WriteFn),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Null => "Null",
            Self::Pipe(_) => "Pipe",
            Self::Buffer(_) => "Buffer",
            Self::Func(_) => "Func",
        })
    }
}

/// A command's output. Small writes are gathered; [`Output::flush`] passes them on.
#[derive(Debug)]
pub struct Output {
    sink: Sink,
    buf: Vec<u8>,
    broken: bool,
}

impl Output {
    pub fn new(sink: Sink) -> Self {
        Self {
            sink,
            buf: Vec::new(),
            broken: false,
        }
    }

    pub fn null() -> Self {
        Self::new(Sink::Null)
    }

    /// An output collected into `buffer`.
    pub fn buffer(buffer: Rc<RefCell<Vec<u8>>>) -> Self {
        Self::new(Sink::Buffer(buffer))
    }

    /// An output handed to `f` as it is flushed.
    pub fn func(f: WriteFn) -> Self {
        Self::new(Sink::Func(f))
    }

    /// A second handle on the same destination (`2>&1`, each stage's stderr in a pipeline).
    /// It has its own buffer: flush one before writing through the other to keep the order.
    pub fn share(&self) -> Self {
        let sink = match &self.sink {
            Sink::Null => Sink::Null,
            Sink::Buffer(b) => Sink::Buffer(Rc::clone(b)),
            Sink::Func(f) => Sink::Func(Rc::clone(f)),
            Sink::Pipe(w) => Sink::Pipe(w.clone()),
        };
        let mut out = Self::new(sink);
        out.broken = self.broken;
        out
    }

    /// Whether the reader of this output went away.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    pub async fn write(&mut self, data: &[u8]) -> WriteResult {
        if self.broken {
            return Err(Broken);
        }
        // Memory destinations take the bytes at once: two outputs sharing one (`> f 2>&1`)
        // then keep the order the bytes were written in.
        match &self.sink {
            Sink::Null => return Ok(()),
            Sink::Buffer(b) => {
                b.borrow_mut().extend_from_slice(data);
                return Ok(());
            }
            _ => {}
        }
        if self.buf.len() + data.len() <= OUTPUT_BUFFER {
            self.buf.extend_from_slice(data);
            return Ok(());
        }
        self.flush().await?;
        if data.len() >= OUTPUT_BUFFER {
            return self.send(data).await;
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    pub async fn write_str(&mut self, s: &str) -> WriteResult {
        self.write(s.as_bytes()).await
    }

    /// Passes on what was gathered.
    pub async fn flush(&mut self) -> WriteResult {
        if self.buf.is_empty() {
            return if self.broken { Err(Broken) } else { Ok(()) };
        }
        let data = std::mem::take(&mut self.buf);
        let result = self.send(&data).await;
        self.buf = data;
        self.buf.clear();
        result
    }

    async fn send(&mut self, data: &[u8]) -> WriteResult {
        let result = match &self.sink {
            Sink::Null => Ok(()),
            Sink::Pipe(w) => w.write(data).await,
            Sink::Buffer(b) => {
                b.borrow_mut().extend_from_slice(data);
                Ok(())
            }
            Sink::Func(f) => {
                f(data);
                Ok(())
            }
        };
        if result.is_err() {
            self.broken = true;
        }
        result
    }
}
