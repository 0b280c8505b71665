//! `find -printf FORMAT`: the directives scripts use (`%p %P %f %h %s %d %y %m %M %k %t %T@`
//! and `%TY`-style time fields), with field widths, and the backslash escapes.

use super::super::common::{OWNER, OWNER_ID, apparent_size, kib_used, mode_bits, mode_string};
use super::super::time::{civil, full_time};
use crate::system::FileInfo;

/// One part of a compiled format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Text(String),
    /// A directive: its letter (with the time field letter after `T`), `-` flag and width.
    Field {
        kind: char,
        time: char,
        left: bool,
        width: usize,
    },
}

/// What a directive may show about an entry.
#[derive(Debug)]
pub(super) struct Subject<'a> {
    pub path: &'a str,
    pub start: &'a str,
    pub depth: usize,
    pub info: &'a FileInfo,
}

/// Compiles `format`; the error names a bad directive.
pub(super) fn compile(format: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => text.push('\n'),
                Some('t') => text.push('\t'),
                Some('0') => text.push('\0'),
                Some('r') => text.push('\r'),
                Some('a') => text.push('\x07'),
                Some('\\') | None => text.push('\\'),
                Some(other) => {
                    text.push('\\');
                    text.push(other);
                }
            },
            '%' => {
                let left = chars.next_if_eq(&'-').is_some();
                let mut width = 0usize;
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    width = width
                        .saturating_mul(10)
                        .saturating_add(d as usize - '0' as usize);
                }
                let Some(kind) = chars.next() else {
                    return Err("warning: format directive '%' is incomplete".into());
                };
                if kind == '%' {
                    text.push('%');
                    continue;
                }
                let time = if matches!(kind, 'T' | 'A' | 'C') {
                    chars
                        .next()
                        .ok_or_else(|| format!("missing time field after '%{kind}'"))?
                } else {
                    ' '
                };
                if !"pPfhsdymMkugUGntaciT".contains(kind) && !matches!(kind, 'A' | 'C') {
                    return Err(format!("unsupported -printf directive '%{kind}'"));
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Field {
                    kind,
                    time,
                    left,
                    width,
                });
            }
            _ => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Renders the compiled `pieces` for one entry into `out`.
pub(super) fn render(pieces: &[Piece], s: &Subject<'_>, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Field {
                kind,
                time,
                left,
                width,
            } => {
                let value = field(*kind, *time, s);
                if *left {
                    out.push_str(&format!("{value:<width$}"));
                } else {
                    out.push_str(&format!("{value:>width$}"));
                }
            }
        }
    }
}

fn field(kind: char, time: char, s: &Subject<'_>) -> String {
    let base = crate::path::base_name(s.path);
    match kind {
        'p' => s.path.to_string(),
        'P' => s
            .path
            .strip_prefix(s.start)
            .map(|rest| rest.trim_start_matches('/'))
            .unwrap_or(s.path)
            .to_string(),
        'f' => base.to_string(),
        'h' => {
            // GNU: the path without its last component, or `.` when there is no `/`.
            let trimmed = s.path.trim_end_matches('/');
            match trimmed.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => trimmed[..i].to_string(),
                None => ".".to_string(),
            }
        }
        's' => apparent_size(s.info).to_string(),
        'k' => kib_used(s.info).to_string(),
        'd' => s.depth.to_string(),
        'y' | 'Y' => if s.info.is_dir { "d" } else { "f" }.to_string(),
        'm' => format!("{:o}", mode_bits(s.info)),
        'M' => mode_string(s.info).to_string(),
        'u' | 'g' => OWNER.to_string(),
        'U' | 'G' => OWNER_ID.to_string(),
        'n' => "1".to_string(),
        't' | 'a' | 'c' => ctime(s.info.mtime_ms),
        _ => time_field(time, s.info.mtime_ms),
    }
}

/// `%t`: the C `ctime` form, `Wed Jan  1 00:00:00.0000000000 2025` without the fraction.
fn ctime(ms: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let c = civil(ms);
    let weekday = DAYS[usize::try_from(ms / 86_400_000 % 7).unwrap_or(0)];
    let month = MONTHS[(c.month as usize).saturating_sub(1) % 12];
    format!(
        "{weekday} {month} {:>2} {:02}:{:02}:{:02} {}",
        c.day, c.hour, c.minute, c.second, c.year
    )
}

/// `%T` followed by a field letter, as `strftime` (and `@` for epoch seconds).
fn time_field(letter: char, ms: u64) -> String {
    let c = civil(ms);
    match letter {
        '@' => format!("{}.{:03}0000000", ms / 1000, ms % 1000),
        'Y' => c.year.to_string(),
        'm' => format!("{:02}", c.month),
        'd' => format!("{:02}", c.day),
        'H' => format!("{:02}", c.hour),
        'M' => format!("{:02}", c.minute),
        'S' => format!("{:02}", c.second),
        'T' => format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second),
        'F' => format!("{:04}-{:02}-{:02}", c.year, c.month, c.day),
        'D' => format!("{:02}/{:02}/{:02}", c.month, c.day, c.year % 100),
        '+' => full_time(ms)[..29].replace(' ', "+"),
        _ => format!("%T{letter}"),
    }
}
