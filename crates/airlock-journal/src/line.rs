//! Reading one journal line without trusting the file to be small.

use std::io::{self, BufRead, Read};

/// The longest line (without its newline) a journal may contain: 64 MiB.
///
/// A verifier reads files it must not trust, so a line cannot be allowed to
/// grow without bound in memory. What the host writes stays far below this:
/// scripts are limited to 1 MiB of source, and large results are recorded by
/// size and hash only (see [`result_fields`](crate::result_fields)). The
/// writer refuses lines above the bound, so everything it writes verifies.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// What one bounded read found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A complete line is in the buffer, newline removed.
    Complete,
    /// The file ended after some bytes but before a newline.
    Unterminated,
    /// The line is longer than the limit; the buffer holds its first bytes.
    TooLong,
    /// The file ended; the buffer is empty.
    Eof,
}

/// Reads the next line into `buf` (cleared first), reading at most
/// `limit + 1` bytes whatever the input holds.
pub(crate) fn read_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Line> {
    buf.clear();
    // One byte more than the limit, to leave room for the newline itself.
    let budget = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.by_ref().take(budget).read_until(b'\n', buf)?;
    if buf.last() == Some(&b'\n') {
        buf.pop();
        Ok(Line::Complete)
    } else if buf.len() > limit {
        Ok(Line::TooLong)
    } else if buf.is_empty() {
        Ok(Line::Eof)
    } else {
        Ok(Line::Unterminated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<(Line, Vec<u8>)> {
        let mut reader = input;
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            let line = read_line(&mut reader, &mut buf, limit).unwrap();
            let stop = matches!(line, Line::Eof | Line::TooLong);
            out.push((line, buf));
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn splits_on_newlines_and_reports_the_unterminated_tail() {
        let got = lines(b"ab\n\ncd", 10);
        assert_eq!(
            got,
            vec![
                (Line::Complete, b"ab".to_vec()),
                (Line::Complete, Vec::new()),
                (Line::Unterminated, b"cd".to_vec()),
                (Line::Eof, Vec::new()),
            ]
        );
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_accepted() {
        let got = lines(b"abcd\n", 4);
        assert_eq!(got[0], (Line::Complete, b"abcd".to_vec()));
    }

    #[test]
    fn a_longer_line_stops_reading_at_the_limit() {
        let got = lines(b"abcde\nxy\n", 4);
        assert_eq!(got, vec![(Line::TooLong, b"abcde".to_vec())]);
    }
}
