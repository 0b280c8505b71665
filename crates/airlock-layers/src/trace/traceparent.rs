//! The W3C `traceparent` header: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`.

use std::fmt;

/// A parsed W3C `traceparent` (<https://www.w3.org/TR/trace-context/#traceparent-header>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The trace the run belongs to (never zero).
    pub trace_id: u128,
    /// The caller's span, which becomes the run span's parent (never zero).
    pub parent_id: u64,
    /// The trace flags; bit 0 is "sampled". An unsampled parent keeps its children unsampled.
    pub flags: u8,
}

impl TraceParent {
    /// Whether the caller sampled the trace.
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

impl fmt::Display for TraceParent {
    /// Formats as a version-00 header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.parent_id, self.flags
        )
    }
}

/// Parses a W3C `traceparent`, or `None` if it is not a valid one.
///
/// Follows the spec's rules: lowercase hex only, version `ff` is invalid, an all-zero trace or
/// parent id is invalid, version `00` has exactly four fields, and a later version may carry
/// more fields after a `-`, which are ignored.
pub fn parse_traceparent(header: &str) -> Option<TraceParent> {
    const LEN: usize = 55; // 2 + 1 + 32 + 1 + 16 + 1 + 2
    let header = header.trim();
    let bytes = header.as_bytes();
    if bytes.len() < LEN || [2, 35, 52].iter().any(|&i| bytes[i] != b'-') {
        return None;
    }
    let version = hex(&header[0..2])? as u8;
    if version == 0xff
        || (version == 0 && bytes.len() != LEN)
        || (bytes.len() > LEN && bytes[LEN] != b'-')
    {
        return None;
    }
    let trace_id = hex(&header[3..35])?;
    let parent_id = u64::try_from(hex(&header[36..52])?).ok()?;
    let flags = hex(&header[53..55])? as u8;
    (trace_id != 0 && parent_id != 0).then_some(TraceParent {
        trace_id,
        parent_id,
        flags,
    })
}

/// Lowercase hex digits only (`from_str_radix` alone would take `+` and uppercase).
fn hex(digits: &str) -> Option<u128> {
    digits
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        .then(|| u128::from_str_radix(digits, 16).ok())
        .flatten()
}
