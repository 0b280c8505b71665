//! A component's stdout or stderr, kept up to a bound: the bytes past it are counted, never
//! stored, and never fail the component's write.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

#[derive(Debug, Default)]
struct Kept {
    bytes: Vec<u8>,
    dropped: u64,
}

/// One output stream of one call.
#[derive(Debug, Clone)]
pub(crate) struct Capture {
    kept: Arc<Mutex<Kept>>,
    limit: usize,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            kept: Arc::default(),
            limit,
        }
    }

    fn push(&self, data: &[u8]) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let room = self.limit.saturating_sub(kept.bytes.len());
        let take = room.min(data.len());
        kept.bytes.extend_from_slice(&data[..take]);
        kept.dropped += (data.len() - take) as u64;
    }

    /// What was written, as text, with a note of how much was dropped.
    pub(crate) fn text(&self) -> String {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let mut text = String::from_utf8_lossy(&kept.bytes).into_owned();
        if kept.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes dropped]", kept.dropped));
        }
        text
    }

    /// What was written, as [`Capture::text`] gives it, and empties the stream for the next
    /// call of a reused instance.
    pub(crate) fn take(&self) -> String {
        let text = self.text();
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = Kept::default();
        text
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        Ok(64 << 10)
    }
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The last `max` bytes of `text` (or all of it), starting on a character boundary.
pub(crate) fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut at = text.len() - max;
    while !text.is_char_boundary(at) {
        at += 1;
    }
    &text[at..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_past_the_limit_is_counted_not_kept() {
        let mut c = Capture::new(5);
        c.write(Bytes::from_static(b"hello world")).unwrap();
        c.write(Bytes::from_static(b"!")).unwrap();
        assert_eq!(c.text(), "hello\n[7 more bytes dropped]");
    }
}
