//! Sort keys: `-k POS1[,POS2][OPTS]`, where a key's text starts and ends in a line (GNU's
//! `begfield`/`limfield`), and how two keys compare.

use std::cmp::Ordering;

use super::numbers;

/// How a key's text is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Order {
    pub(super) numeric: bool,
    pub(super) general: bool,
    pub(super) human: bool,
    pub(super) month: bool,
    pub(super) version: bool,
    pub(super) random: bool,
    pub(super) reverse: bool,
    /// `-f`: lower case folded to upper.
    pub(super) fold: bool,
    /// `-d`: only blanks and alphanumerics count.
    pub(super) dictionary: bool,
    /// `-i`: only printable characters count.
    pub(super) printable: bool,
    /// `-b` on the start position.
    pub(super) blanks_start: bool,
    /// `-b` on the end position.
    pub(super) blanks_end: bool,
}

impl Order {
    /// Applies one option letter; `false` if it is not one.
    pub(super) fn set(&mut self, letter: char, at_end: bool) -> bool {
        match letter {
            'b' if at_end => self.blanks_end = true,
            'b' => self.blanks_start = true,
            'd' => self.dictionary = true,
            'f' => self.fold = true,
            'g' => self.general = true,
            'h' => self.human = true,
            'i' => self.printable = true,
            'M' => self.month = true,
            'n' => self.numeric = true,
            'R' => self.random = true,
            'r' => self.reverse = true,
            'V' => self.version = true,
            _ => return false,
        }
        true
    }

    /// GNU's `default_key_compare`: nothing but plain byte order (reverse aside).
    pub(super) fn is_plain(&self) -> bool {
        *self
            == Self {
                reverse: self.reverse,
                ..Self::default()
            }
    }

    /// The one special order the key asks for, or a message naming the clash.
    pub(super) fn check(&self) -> Result<(), String> {
        let named = [
            (self.numeric, 'n'),
            (self.general, 'g'),
            (self.human, 'h'),
            (self.month, 'M'),
            (self.version, 'V'),
            (self.random, 'R'),
        ];
        let on: String = named
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| *c)
            .collect();
        if on.len() > 1 {
            return Err(format!("options '-{on}' are incompatible"));
        }
        Ok(())
    }
}

/// A `-k` key (fields and characters 0-based here).
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub(super) start_field: usize,
    pub(super) start_char: usize,
    /// The end field (0-based); `None`: to the end of the line.
    pub(super) end_field: Option<usize>,
    /// Characters into the end field; 0: all of it.
    pub(super) end_char: usize,
    pub(super) order: Order,
}

impl Key {
    /// The whole line, with the global order (when no `-k` is given).
    pub(super) fn whole(order: Order) -> Self {
        Self {
            start_field: 0,
            start_char: 0,
            end_field: None,
            end_char: 0,
            order,
        }
    }

    /// Parses `F[.C][OPTS][,F[.C][OPTS]]` with GNU's messages.
    pub(super) fn parse(spec: &str) -> Result<Self, String> {
        let bad = |what: &str| format!("invalid number {what}: invalid count at start of '{spec}'");
        let mut order = Order::default();
        let (start, end) = match spec.split_once(',') {
            Some((s, e)) => (s, Some(e)),
            None => (spec, None),
        };
        let (field, chars, opts) = split_pos(start);
        let start_field = match field.parse::<usize>() {
            Ok(0) => {
                return Err(format!(
                    "field number is zero: invalid field specification '{spec}'"
                ));
            }
            Ok(n) => n - 1,
            Err(_) => return Err(bad("at field start")),
        };
        let start_char = match chars {
            None => 0,
            Some(c) => match c.parse::<usize>() {
                Ok(0) => {
                    return Err(format!(
                        "character offset is zero: invalid field specification '{spec}'"
                    ));
                }
                Ok(n) => n - 1,
                Err(_) => return Err(bad("after '.'")),
            },
        };
        for letter in opts.chars() {
            if !order.set(letter, false) {
                return Err(format!("invalid option -- '{letter}'"));
            }
        }
        let mut key = Self {
            start_field,
            start_char,
            end_field: None,
            end_char: 0,
            order,
        };
        if let Some(end) = end {
            let (field, chars, opts) = split_pos(end);
            key.end_field = match field.parse::<usize>() {
                Ok(0) => {
                    return Err(format!(
                        "field number is zero: invalid field specification '{spec}'"
                    ));
                }
                Ok(n) => Some(n - 1),
                Err(_) => return Err(bad("after ','")),
            };
            key.end_char = match chars {
                None => 0,
                Some(c) => c.parse().map_err(|_| bad("after '.'"))?,
            };
            for letter in opts.chars() {
                if !key.order.set(letter, true) {
                    return Err(format!("invalid option -- '{letter}'"));
                }
            }
        }
        Ok(key)
    }

    /// The key's byte range in `line` (which has no line terminator).
    pub(super) fn range(&self, line: &[u8], tab: Option<u8>) -> (usize, usize) {
        let start = self.begin(line, tab);
        let end = self.limit(line, tab);
        (start, end.max(start))
    }

    fn begin(&self, line: &[u8], tab: Option<u8>) -> usize {
        let lim = line.len();
        let mut p = skip_fields(line, 0, self.start_field, tab, true);
        if self.order.blanks_start {
            p = skip_blanks(line, p);
        }
        (p + self.start_char).min(lim)
    }

    fn limit(&self, line: &[u8], tab: Option<u8>) -> usize {
        let lim = line.len();
        let Some(end_field) = self.end_field else {
            return lim;
        };
        let fields = if self.end_char == 0 {
            end_field + 1
        } else {
            end_field
        };
        // With a character offset the end field's separator is skipped; without, it is not.
        let mut p = skip_fields(line, 0, fields, tab, self.end_char != 0);
        if self.end_char != 0 {
            if self.order.blanks_end {
                p = skip_blanks(line, p);
            }
            p = (p + self.end_char).min(lim);
        }
        p
    }
}

/// `F`, `.C` and the option letters of one position.
fn split_pos(pos: &str) -> (&str, Option<&str>, &str) {
    let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let f = digits(pos);
    let (field, rest) = pos.split_at(f);
    if let Some(after) = rest.strip_prefix('.') {
        let c = digits(after);
        let (chars, opts) = after.split_at(c);
        (field, Some(chars), opts)
    } else {
        (field, None, rest)
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\n'
}

fn skip_blanks(line: &[u8], mut p: usize) -> usize {
    while p < line.len() && is_blank(line[p]) {
        p += 1;
    }
    p
}

/// Moves past `n` fields: with a separator, to just after the n-th one (`past_last_tab` says
/// whether the last separator is skipped too); without, past blanks then non-blanks, so a field
/// keeps its leading blanks.
fn skip_fields(line: &[u8], mut p: usize, n: usize, tab: Option<u8>, past_last_tab: bool) -> usize {
    let lim = line.len();
    for left in (0..n).rev() {
        if p >= lim {
            break;
        }
        match tab {
            Some(t) => {
                p += memchr::memchr(t, &line[p..]).unwrap_or(lim - p);
                if p < lim && (left > 0 || past_last_tab) {
                    p += 1;
                }
            }
            None => {
                p = skip_blanks(line, p);
                while p < lim && !is_blank(line[p]) {
                    p += 1;
                }
            }
        }
    }
    p
}

/// Compares two keys' texts by the key's order, `reverse` applied.
pub(super) fn compare(a: &[u8], b: &[u8], order: &Order, seed: u64) -> Ordering {
    let result = if order.numeric {
        numbers::numeric(a, b)
    } else if order.general {
        numbers::general(a, b)
    } else if order.human {
        numbers::human(a, b)
    } else if order.month {
        numbers::month(a, b)
    } else if order.version {
        numbers::version(a, b)
    } else if order.random {
        hash(a, seed).cmp(&hash(b, seed)).then_with(|| a.cmp(b))
    } else if order.fold || order.dictionary || order.printable {
        compare_filtered(a, b, order)
    } else {
        a.cmp(b)
    };
    if order.reverse {
        result.reverse()
    } else {
        result
    }
}

/// Byte order over the bytes `-d`/`-i` keep, with `-f` folding.
fn compare_filtered(a: &[u8], b: &[u8], order: &Order) -> Ordering {
    let keep = |c: &&u8| {
        let c = **c;
        (!order.dictionary || c.is_ascii_alphanumeric() || c == b' ' || c == b'\t')
            && (!order.printable || (0x20..0x7F).contains(&c))
    };
    let map = |c: &u8| {
        if order.fold {
            c.to_ascii_uppercase()
        } else {
            *c
        }
    };
    a.iter()
        .filter(keep)
        .map(map)
        .cmp(b.iter().filter(keep).map(map))
}

/// A seeded FNV-1a hash for `-R`.
fn hash(data: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ seed;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'l>(spec: &str, line: &'l str, tab: Option<u8>) -> &'l str {
        let key = Key::parse(spec).unwrap();
        let (s, e) = key.range(line.as_bytes(), tab);
        &line[s..e]
    }

    #[test]
    fn key_ranges_follow_gnu() {
        assert_eq!(text("2", "a  b c", None), "  b c");
        assert_eq!(text("2,2", "a  b c", None), "  b");
        assert_eq!(text("2b,2", "a  b c", None), "b");
        assert_eq!(text("2,2", "a:b:c", Some(b':')), "b");
        assert_eq!(text("2", "a:b:c", Some(b':')), "b:c");
        assert_eq!(text("1.2,1.3", "abcd", None), "bc");
        assert_eq!(text("3,3", "a:b", Some(b':')), "");
        assert_eq!(text("2.2,2.3", "x:abcd", Some(b':')), "bc");
    }

    #[test]
    fn key_parse_errors() {
        assert!(
            Key::parse("abc")
                .unwrap_err()
                .starts_with("invalid number at field start")
        );
        assert!(
            Key::parse("0")
                .unwrap_err()
                .starts_with("field number is zero")
        );
        assert!(Key::parse("1x").is_err());
        let k = Key::parse("2,2nr").unwrap();
        assert!(k.order.numeric && k.order.reverse);
    }
}
