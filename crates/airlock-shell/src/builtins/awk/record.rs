//! The current record and its fields. Fields are split lazily and kept as byte ranges into
//! `$0` until one is assigned, so `{ s += $3 }` allocates nothing per field.

use std::rc::Rc;

use regex::bytes::Regex;

use super::value::{Value, str_to_num};

/// How `FS` (or `split`'s separator) divides a record.
#[derive(Debug, Clone)]
pub(super) enum FieldSep {
    /// `" "`: runs of blanks and newlines, leading and trailing ones ignored.
    Blank,
    /// Any other single character, taken literally (`,`, `\t`, `|`).
    Byte(u8),
    /// Anything longer: a regular expression.
    Regex(Rc<Regex>),
    /// `""`: every character is a field (gawk).
    Chars,
}

impl FieldSep {
    /// The separator for `fs`; `compile` makes a regex of longer separators.
    pub(super) fn new(
        fs: &[u8],
        compile: impl FnOnce(&[u8]) -> Result<Rc<Regex>, String>,
    ) -> Result<FieldSep, String> {
        Ok(match fs {
            b" " => FieldSep::Blank,
            b"" => FieldSep::Chars,
            [c] if *c != b'\\' => FieldSep::Byte(*c),
            _ => FieldSep::Regex(compile(fs)?),
        })
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\n'
}

/// Splits `text` into field ranges, appended to `out`. In paragraph mode (`RS = ""`) a
/// newline also separates fields, whatever FS is.
pub(super) fn split(text: &[u8], sep: &FieldSep, paragraph: bool, out: &mut Vec<(usize, usize)>) {
    if paragraph && !matches!(sep, FieldSep::Blank) {
        let mut start = 0;
        for line in text.split(|&b| b == b'\n') {
            split_one(line, sep, start, out);
            start += line.len() + 1;
        }
        return;
    }
    split_one(text, sep, 0, out);
}

fn split_one(text: &[u8], sep: &FieldSep, base: usize, out: &mut Vec<(usize, usize)>) {
    match sep {
        FieldSep::Blank => {
            let mut i = 0;
            let n = text.len();
            loop {
                while i < n && is_blank(text[i]) {
                    i += 1;
                }
                if i == n {
                    break;
                }
                let start = i;
                while i < n && !is_blank(text[i]) {
                    i += 1;
                }
                out.push((base + start, base + i));
            }
        }
        _ if text.is_empty() => {}
        FieldSep::Byte(c) => {
            let mut start = 0;
            for i in memchr::memchr_iter(*c, text) {
                out.push((base + start, base + i));
                start = i + 1;
            }
            out.push((base + start, base + text.len()));
        }
        FieldSep::Regex(re) => {
            let mut start = 0;
            let mut at = 0;
            while at <= text.len() {
                let Some(m) = re.find_at(text, at) else { break };
                if m.is_empty() {
                    // An empty match separates nothing; look further on.
                    at = m.start() + 1;
                    continue;
                }
                out.push((base + start, base + m.start()));
                start = m.end();
                at = m.end();
            }
            out.push((base + start, base + text.len()));
        }
        FieldSep::Chars => {
            let mut i = 0;
            while i < text.len() {
                let mut j = i + 1;
                while j < text.len() && (text[j] & 0xC0) == 0x80 {
                    j += 1;
                }
                out.push((base + i, base + j));
                i = j;
            }
        }
    }
}

/// `$0` and its fields.
#[derive(Debug, Default)]
pub(super) struct Record {
    text: Vec<u8>,
    /// Field ranges into `text`, valid when `split` and not `owned`.
    ranges: Vec<(usize, usize)>,
    split: bool,
    /// The fields as values, authoritative once a field (or NF) has been assigned.
    fields: Vec<Value>,
    owned: bool,
    /// `$0` must be rebuilt from `fields` (joined with OFS) before it is read.
    stale: bool,
}

impl Record {
    pub(super) fn set_text(&mut self, bytes: &[u8]) {
        self.text.clear();
        self.text.extend_from_slice(bytes);
        self.split = false;
        self.owned = false;
        self.stale = false;
    }

    /// `$0`, rebuilt with `ofs` if a field was assigned since.
    pub(super) fn text(&mut self, ofs: &[u8], convfmt: &[u8]) -> &[u8] {
        if self.stale {
            self.text.clear();
            for (i, f) in self.fields.iter().enumerate() {
                if i > 0 {
                    self.text.extend_from_slice(ofs);
                }
                self.text.extend_from_slice(&f.to_str(convfmt));
            }
            self.stale = false;
        }
        &self.text
    }

    fn ensure_split(&mut self, sep: &FieldSep, paragraph: bool) {
        if !self.split && !self.owned {
            self.ranges.clear();
            split(&self.text, sep, paragraph, &mut self.ranges);
            self.split = true;
        }
    }

    pub(super) fn nf(&mut self, sep: &FieldSep, paragraph: bool) -> usize {
        if self.owned {
            return self.fields.len();
        }
        self.ensure_split(sep, paragraph);
        self.ranges.len()
    }

    /// `$i` for `i >= 1`.
    pub(super) fn field(&mut self, i: usize, sep: &FieldSep, paragraph: bool) -> Value {
        if self.owned {
            return self.fields.get(i - 1).cloned().unwrap_or(Value::Uninit);
        }
        self.ensure_split(sep, paragraph);
        match self.ranges.get(i - 1) {
            Some(&(a, b)) => Value::from_input(&self.text[a..b]),
            None => Value::Uninit,
        }
    }

    /// `$i` as a number, without making a value.
    pub(super) fn field_num(&mut self, i: usize, sep: &FieldSep, paragraph: bool) -> f64 {
        if self.owned {
            return self.fields.get(i - 1).map_or(0.0, Value::to_num);
        }
        self.ensure_split(sep, paragraph);
        match self.ranges.get(i - 1) {
            Some(&(a, b)) => str_to_num(&self.text[a..b]),
            None => 0.0,
        }
    }

    /// Appends `$i`'s text to `out` (for `print $i`), without making a value.
    pub(super) fn write_field(
        &mut self,
        i: usize,
        sep: &FieldSep,
        paragraph: bool,
        convfmt: &[u8],
        out: &mut Vec<u8>,
    ) {
        if self.owned {
            if let Some(v) = self.fields.get(i - 1) {
                out.extend_from_slice(&v.to_str(convfmt));
            }
            return;
        }
        self.ensure_split(sep, paragraph);
        if let Some(&(a, b)) = self.ranges.get(i - 1) {
            out.extend_from_slice(&self.text[a..b]);
        }
    }

    fn own(&mut self, sep: &FieldSep, paragraph: bool) {
        if self.owned {
            return;
        }
        self.ensure_split(sep, paragraph);
        self.fields.clear();
        for &(a, b) in &self.ranges {
            self.fields.push(Value::from_input(&self.text[a..b]));
        }
        self.owned = true;
    }

    /// `$i = v` for `i >= 1`: fields past NF are created empty.
    pub(super) fn set_field(&mut self, i: usize, v: Value, sep: &FieldSep, paragraph: bool) {
        self.own(sep, paragraph);
        if self.fields.len() < i {
            self.fields.resize(i, Value::Uninit);
        }
        self.fields[i - 1] = v;
        self.stale = true;
    }

    /// `NF = n`: drops or adds (empty) fields and rebuilds `$0`.
    pub(super) fn set_nf(&mut self, n: usize, sep: &FieldSep, paragraph: bool) {
        self.own(sep, paragraph);
        self.fields.resize(n, Value::Uninit);
        self.stale = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str, sep: &FieldSep) -> Vec<String> {
        let mut out = Vec::new();
        split(text.as_bytes(), sep, false, &mut out);
        out.iter().map(|&(a, b)| text[a..b].to_string()).collect()
    }

    #[test]
    fn splitting_modes() {
        assert_eq!(fields("  a \t b  ", &FieldSep::Blank), ["a", "b"]);
        assert_eq!(fields("a::b", &FieldSep::Byte(b':')), ["a", "", "b"]);
        assert_eq!(fields("", &FieldSep::Byte(b':')), Vec::<String>::new());
        let re = FieldSep::Regex(Rc::new(Regex::new("[,;]+").unwrap()));
        assert_eq!(fields(",a;;b", &re), ["", "a", "b"]);
        assert_eq!(fields("héy", &FieldSep::Chars), ["h", "é", "y"]);
    }

    #[test]
    fn assigning_a_field_rebuilds_the_record() {
        let mut r = Record::default();
        r.set_text(b"a b c");
        r.set_field(2, Value::str(b"X"), &FieldSep::Blank, false);
        assert_eq!(r.text(b"-", b"%.6g"), b"a-X-c");
        r.set_nf(5, &FieldSep::Blank, false);
        assert_eq!(r.text(b"-", b"%.6g"), b"a-X-c--");
    }
}
