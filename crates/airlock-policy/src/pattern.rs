//! Tool-name patterns, compiled into segment matchers so matching a call
//! allocates nothing and needs no regex.

/// Characters that split tool names and patterns into segments;
/// `stripe.charges.*` and `stripe/charges/*` are the same pattern.
fn is_separator(c: char) -> bool {
    c == '/' || c == '.'
}

/// One segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// Exactly this text.
    Literal(Box<str>),
    /// `*`: any one non-empty segment.
    Any,
    /// `**`: zero or more segments.
    AnyDepth,
    /// Text with `*` in it, e.g. `get_*`: the literal parts in order, each `*`
    /// between them standing for any run of characters within the segment.
    Glob(Box<[Box<str>]>),
}

impl Segment {
    fn matches(&self, seg: &str) -> bool {
        match self {
            Segment::Literal(text) => **text == *seg,
            Segment::Any => !seg.is_empty(),
            // Handled by the caller, which knows the neighbouring segments.
            Segment::AnyDepth => false,
            Segment::Glob(parts) => glob_matches(parts, seg),
        }
    }
}

/// Whether `text` is `parts[0]`, then any run, `parts[1]`, ..., any run, `parts[last]`.
/// Taking each middle part at its leftmost place is enough: a later place
/// would only leave less room for the parts after it.
fn glob_matches(parts: &[Box<str>], text: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() < 2 || first.len() + last.len() > text.len() {
        return false;
    }
    if !text.starts_with(&**first) || !text.ends_with(&**last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(&**part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A compiled `tools` pattern: `*` one segment, `**` any number, `get_*` part of a segment,
/// anything else literal; `/` and `.` separate segments interchangeably.
///
/// ```
/// use airlock_policy::ToolPattern;
/// let p = ToolPattern::compile("stripe/*/create").unwrap();
/// assert!(p.matches("stripe.charges.create"));
/// assert!(!p.matches("stripe/charges/refund"));
/// ```
#[derive(Clone, Debug)]
pub struct ToolPattern {
    text: Box<str>,
    segments: Box<[Segment]>,
    /// Segments a tool needs at least: all but the `**`s.
    min_segments: usize,
    /// Whether a `**` lets the tool have more segments than `min_segments`.
    any_depth: bool,
}

/// Why a pattern was rejected; the caller adds where it was written.
#[derive(Debug, PartialEq, Eq)]
pub struct PatternError {
    pub(crate) message: String,
    pub(crate) hint: &'static str,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\nhint: {}", self.message, self.hint)
    }
}

impl std::error::Error for PatternError {}

const PATTERN_HINT: &str = "segments are separated by '/' or '.'; use * for one segment, \
     ** for any number of segments, or get_* for part of a segment";

impl ToolPattern {
    /// Compiles a pattern; an empty segment or a `**` inside a segment is an error.
    pub fn compile(text: &str) -> Result<Self, PatternError> {
        let err = |message: String| PatternError {
            message,
            hint: PATTERN_HINT,
        };
        if text.is_empty() {
            return Err(err("the tools pattern is empty".into()));
        }
        let mut segments = Vec::new();
        for seg in text.split(is_separator) {
            segments.push(match seg {
                "" => return Err(err(format!("tools pattern {text:?} has an empty segment"))),
                "*" => Segment::Any,
                "**" => Segment::AnyDepth,
                _ if seg.contains("**") => {
                    return Err(err(format!(
                        "tools pattern {text:?}: ** must stand alone as a whole segment, not in {seg:?}"
                    )));
                }
                _ if seg.contains('*') => Segment::Glob(seg.split('*').map(Box::from).collect()),
                _ => Segment::Literal(seg.into()),
            });
        }
        let deep = segments.iter().filter(|s| **s == Segment::AnyDepth).count();
        Ok(Self {
            text: text.into(),
            min_segments: segments.len() - deep,
            any_depth: deep > 0,
            segments: segments.into(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first segment, when it is literal: only tools whose first segment
    /// equals it can match.
    pub(crate) fn first_literal(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Literal(text)) => Some(text),
            _ => None,
        }
    }

    /// Whether `tool` matches; decisions split the name once and call
    /// [`matches_segments`](Self::matches_segments) instead.
    pub fn matches(&self, tool: &str) -> bool {
        self.matches_segments(ToolSegments::split(tool).as_slice())
    }

    /// Whether a tool name, already split into segments, matches.
    ///
    /// The classic wildcard walk, with segments for characters: each `**`
    /// remembers where it started, and on a mismatch the most recent `**`
    /// swallows one more segment. This is at most quadratic and never
    /// exponential, whatever the tool name.
    pub(crate) fn matches_segments(&self, tool: &[&str]) -> bool {
        // Cheap rejections first: most rules fail on the count or the first segment.
        if tool.len() < self.min_segments || (!self.any_depth && tool.len() > self.min_segments) {
            return false;
        }
        let pat = &*self.segments;
        let (mut p, mut t) = (0, 0);
        // After the last `**` seen: the pattern index following it, and the
        // number of tool segments consumed before what it swallows ends.
        let mut star: Option<(usize, usize)> = None;
        while let Some(seg) = tool.get(t) {
            match pat.get(p) {
                Some(Segment::AnyDepth) => {
                    star = Some((p + 1, t));
                    p += 1;
                }
                Some(s) if s.matches(seg) => {
                    p += 1;
                    t += 1;
                }
                _ => {
                    let Some((after, swallowed)) = star else {
                        return false;
                    };
                    p = after;
                    t = swallowed + 1;
                    star = Some((after, t));
                }
            }
        }
        pat[p..].iter().all(|s| *s == Segment::AnyDepth)
    }
}

/// Segments kept inline before spilling to the heap; tool names deeper than
/// this are rare, and still work.
const INLINE_SEGMENTS: usize = 16;

/// A tool name split into segments once per decision, without allocating
/// for names of up to [`INLINE_SEGMENTS`] segments.
pub(crate) struct ToolSegments<'a> {
    inline: [&'a str; INLINE_SEGMENTS],
    len: usize,
    spilled: Vec<&'a str>,
}

impl<'a> ToolSegments<'a> {
    pub(crate) fn split(tool: &'a str) -> Self {
        let mut out = Self {
            inline: [""; INLINE_SEGMENTS],
            len: 0,
            spilled: Vec::new(),
        };
        for seg in tool.split(is_separator) {
            match out.inline.get_mut(out.len) {
                Some(slot) if out.spilled.is_empty() => {
                    *slot = seg;
                    out.len += 1;
                }
                _ => {
                    if out.spilled.is_empty() {
                        out.spilled.extend_from_slice(&out.inline);
                    }
                    out.spilled.push(seg);
                }
            }
        }
        out
    }

    pub(crate) fn as_slice(&self) -> &[&'a str] {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }

    /// The first segment, for [`ToolPattern::first_literal`].
    pub(crate) fn first(&self) -> &'a str {
        self.as_slice().first().copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Add;

    use super::*;

    fn m(pattern: &str, tool: &str) -> bool {
        ToolPattern::compile(pattern).unwrap().matches(tool)
    }

    #[test]
    fn literal_and_single_star() {
        assert!(m("stripe/charges/create", "stripe/charges/create"));
        assert!(!m("stripe/charges/create", "stripe/charges"));
        assert!(m("stripe/charges/*", "stripe/charges/create"));
        assert!(!m("stripe/charges/*", "stripe/charges"));
        assert!(!m("stripe/charges/*", "stripe/charges/refund/full"));
        assert!(!m("*", ""));
    }

    #[test]
    fn separators_are_interchangeable() {
        assert!(m("stripe.charges.*", "stripe/charges/create"));
        assert!(m("stripe/charges/*", "stripe.charges.create"));
        assert!(m("a.b/c", "a/b.c"));
    }

    #[test]
    fn double_star_spans_zero_or_more_segments() {
        assert!(m("stripe/**", "stripe"));
        assert!(m("stripe/**", "stripe/a/b/c"));
        assert!(m("**", "anything/at/all"));
        assert!(m("a/**/z", "a/z"));
        assert!(m("a/**/z", "a/b/c/z"));
        assert!(!m("a/**/z", "a/b/c"));
        assert!(m("a/**/b/**/c", "a/x/b/y/b/c"));
        assert!(m("**/refund", "x/y/refund"));
        assert!(!m("**/refund", "x/refund/y"));
        assert!(m("a/**/*/c", "a/b/c"));
        assert!(!m("a/**/*/c", "a/c"));
    }

    #[test]
    fn star_inside_a_segment() {
        assert!(m("db/get_*", "db/get_user"));
        assert!(m("db/get_*", "db/get_"));
        assert!(!m("db/get_*", "db/put_user"));
        assert!(!m("db/get_*", "db/get_user/x"));
        assert!(m("*_id", "user_id"));
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "axxbyyc"));
        assert!(!m("a*b*c", "acb"));
        assert!(!m("ab*ba", "aba"));
    }

    #[test]
    fn deep_tool_names_spill_and_still_match() {
        let tool = "a/".repeat(40) + "z";
        assert_eq!(ToolSegments::split(&tool).as_slice().len(), 41);
        assert!(m("a/**/z", &tool));
        assert!(m(&"*/".repeat(40).to_string().add("z"), &tool));
        assert!(!m(&"*/".repeat(39).to_string().add("z"), &tool));
    }

    #[test]
    fn many_double_stars_stay_fast() {
        let pattern = "**/".repeat(20) + "z";
        let tool = "a/".repeat(2000) + "y";
        assert!(!m(&pattern, &tool));
    }

    #[test]
    fn malformed_patterns_are_rejected() {
        for bad in ["", "a//b", "/a", "a/", "***", "a**", "x/**b", "a..b"] {
            assert!(ToolPattern::compile(bad).is_err(), "{bad:?}");
        }
    }
}
