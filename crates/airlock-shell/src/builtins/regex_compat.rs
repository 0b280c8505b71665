//! POSIX regular expressions, GNU flavour, translated to the `regex` crate's syntax: grep's and
//! sed's basic (BRE) and extended (ERE) expressions, reusable by awk.
//!
//! The output is neutral about flags: callers add `(?m)` (grep: `^`/`$` at every line) or
//! `(?s)` (sed: `.` matches the newlines `N` puts in the pattern space) as they need. The
//! `regex` crate has no back-references, so `\1`..`\9` in a pattern are an error, not a
//! silent mismatch.

/// Translates a POSIX basic regular expression (GNU extensions `\+ \? \| \{m,n\}` included).
pub fn bre_to_rust(pattern: &str) -> Result<String, String> {
    Translator::new(pattern, false).run()
}

/// Translates a POSIX extended regular expression (`grep -E`, `sed -E`, awk).
pub fn ere_to_rust(pattern: &str) -> Result<String, String> {
    Translator::new(pattern, true).run()
}

/// The message for a pattern that uses a back-reference.
const NO_BACKREFS: &str = "back-references (\\1..\\9) are not supported by this regex engine";

/// POSIX character class names valid inside `[[:name:]]`.
const CLASSES: &[&str] = &[
    "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
    "upper", "xdigit",
];

struct Translator {
    chars: Vec<char>,
    pos: usize,
    ere: bool,
    out: String,
    /// Output offsets of the groups still open.
    groups: Vec<usize>,
    /// Output offset where the last quantifiable item starts (`None` right after an anchor, an
    /// alternation or the start).
    last_atom: Option<usize>,
    /// Whether the last item already carries a quantifier: a second one wraps it in a group,
    /// because the `regex` crate reads `a*?` as a lazy star where POSIX means `(a*)?`.
    quantified: bool,
    /// At the start of the expression, a group or an alternative, where `*` is literal (BRE)
    /// or ignored (ERE, as GNU does) and `^` is an anchor (BRE).
    at_start: bool,
}

impl Translator {
    fn new(pattern: &str, ere: bool) -> Self {
        Self {
            chars: pattern.chars().collect(),
            pos: 0,
            ere,
            out: String::with_capacity(pattern.len() + 8),
            groups: Vec::new(),
            last_atom: None,
            quantified: false,
            at_start: true,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn run(mut self) -> Result<String, String> {
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '\\' {
                self.escape()?;
            } else if self.ere {
                self.ere_char(c)?;
            } else {
                self.bre_char(c)?;
            }
        }
        if !self.groups.is_empty() {
            return Err("Unmatched ( or \\(".to_string());
        }
        Ok(self.out)
    }

    fn bre_char(&mut self, c: char) -> Result<(), String> {
        match c {
            '*' if !self.at_start && self.last_atom.is_some() => self.quantify("*"),
            '^' if self.at_start => self.anchor("^"),
            '$' if self.bre_dollar_is_anchor() => self.anchor("$"),
            '[' => self.bracket()?,
            '.' => self.atom("."),
            _ => self.literal(c),
        }
        Ok(())
    }

    /// In a BRE `$` anchors only at the end of the pattern, a group or an alternative.
    fn bre_dollar_is_anchor(&self) -> bool {
        match self.peek() {
            None => true,
            Some('\\') => matches!(self.peek_at(1), Some(')' | '|')),
            _ => false,
        }
    }

    fn ere_char(&mut self, c: char) -> Result<(), String> {
        match c {
            '*' | '+' | '?' => {
                // GNU ignores a repetition with nothing to repeat ("* at start of expression").
                if !self.at_start && self.last_atom.is_some() {
                    self.quantify(&c.to_string());
                }
            }
            '{' => match self.interval(false)? {
                Some(q) if self.last_atom.is_some() && !self.at_start => self.quantify(&q),
                Some(_) => {}
                None => self.literal('{'),
            },
            '(' => self.open_group(),
            ')' if !self.groups.is_empty() => self.close_group(),
            '|' => self.alternate(),
            '^' => self.anchor("^"),
            '$' => self.anchor("$"),
            '[' => self.bracket()?,
            '.' => self.atom("."),
            _ => self.literal(c),
        }
        Ok(())
    }

    fn escape(&mut self) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err("Trailing backslash".to_string());
        };
        self.pos += 1;
        if !self.ere && self.bre_operator(c)? {
            return Ok(());
        }
        match c {
            '1'..='9' => return Err(NO_BACKREFS.to_string()),
            'n' => self.atom("\\n"),
            't' => self.atom("\\t"),
            'w' | 'W' | 's' | 'S' => self.atom(&format!("\\{c}")),
            'b' | 'B' => self.anchor(&format!("\\{c}")),
            '<' => self.anchor("\\b{start}"),
            '>' => self.anchor("\\b{end}"),
            '`' => self.anchor("\\A"),
            '\'' => self.anchor("\\z"),
            _ => self.literal(c),
        }
        Ok(())
    }

    /// The escaped operators of a BRE (`\(`, `\{`, `\|`, `\+`...); `false` if `c` is not one.
    fn bre_operator(&mut self, c: char) -> Result<bool, String> {
        match c {
            '(' => self.open_group(),
            ')' => {
                if self.groups.is_empty() {
                    return Err("Unmatched ) or \\)".to_string());
                }
                self.close_group();
            }
            '|' => self.alternate(),
            '{' => {
                let Some(q) = self.interval(true)? else {
                    return Err("Unmatched \\{".to_string());
                };
                if self.last_atom.is_none() || self.at_start {
                    return Err("Invalid preceding regular expression".to_string());
                }
                self.quantify(&q);
            }
            '+' | '?' if !self.at_start && self.last_atom.is_some() => {
                self.quantify(&c.to_string());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn atom(&mut self, text: &str) {
        self.last_atom = Some(self.out.len());
        self.quantified = false;
        self.at_start = false;
        self.out.push_str(text);
    }

    fn literal(&mut self, c: char) {
        let start = self.out.len();
        push_escaped(&mut self.out, c);
        self.last_atom = Some(start);
        self.quantified = false;
        self.at_start = false;
    }

    /// An assertion (`^`, `\b`): nothing can repeat it. `^` keeps the expression "at start" so
    /// that `^*` reads the star literally, as GNU does.
    fn anchor(&mut self, text: &str) {
        self.out.push_str(text);
        self.last_atom = None;
        self.quantified = false;
        self.at_start = text == "^";
    }

    fn quantify(&mut self, q: &str) {
        let Some(start) = self.last_atom else {
            return;
        };
        if self.quantified {
            self.out.insert_str(start, "(?:");
            self.out.push(')');
        }
        self.out.push_str(q);
        self.quantified = true;
    }

    fn open_group(&mut self) {
        self.groups.push(self.out.len());
        self.out.push('(');
        self.last_atom = None;
        self.at_start = true;
    }

    fn close_group(&mut self) {
        let start = self.groups.pop().unwrap_or(0);
        self.out.push(')');
        self.last_atom = Some(start);
        self.quantified = false;
        self.at_start = false;
    }

    fn alternate(&mut self) {
        self.out.push('|');
        self.last_atom = None;
        self.quantified = false;
        self.at_start = true;
    }

    /// After `{` (or `\{` in a BRE): the interval as the `regex` crate writes it, or `None`
    /// if this is not one (an ERE then reads the brace literally, as GNU does).
    fn interval(&mut self, bre: bool) -> Result<Option<String>, String> {
        let start = self.pos;
        let min = self.number();
        let max = if self.peek() == Some(',') {
            self.pos += 1;
            Some(self.number())
        } else {
            None
        };
        let closed = if bre {
            self.peek() == Some('\\') && self.peek_at(1) == Some('}')
        } else {
            self.peek() == Some('}')
        };
        if !closed {
            self.pos = start;
            return Ok(None);
        }
        self.pos += if bre { 2 } else { 1 };
        let bad = || "Invalid content of \\{\\}".to_string();
        let q = match (min, max) {
            (None, None) => return Err(bad()),
            (Some(m), None) => format!("{{{m}}}"),
            (m, Some(None)) => format!("{{{},}}", m.unwrap_or(0)),
            (m, Some(Some(n))) => {
                let m = m.unwrap_or(0);
                if m > n {
                    return Err(bad());
                }
                format!("{{{m},{n}}}")
            }
        };
        Ok(Some(q))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        let digits: String = self.chars[start..self.pos].iter().collect();
        // Larger counts than this overflow the regex crate's size limit anyway.
        Some(digits.parse().unwrap_or(u32::MAX))
    }

    /// A bracket expression, after its `[`. Backslash is literal inside, as POSIX says, except
    /// `\n` and `\t`, which GNU sed reads as newline and tab (the idiom `[^\n]*`).
    fn bracket(&mut self) -> Result<(), String> {
        let unmatched = || "Unmatched [, [^, [:, [., or [=".to_string();
        let start = self.out.len();
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut first = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(unmatched());
            };
            self.pos += 1;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match (c, self.peek()) {
                ('[', Some(':')) => {
                    self.pos += 1;
                    let name = self.until_close(':').ok_or_else(unmatched)?;
                    if !CLASSES.contains(&name.as_str()) {
                        return Err("Invalid character class name".to_string());
                    }
                    self.out.push_str(&format!("[:{name}:]"));
                    continue;
                }
                ('[', Some(d @ ('=' | '.'))) => {
                    self.pos += 1;
                    let name = self.until_close(d).ok_or_else(unmatched)?;
                    let mut it = name.chars();
                    match (it.next(), it.next()) {
                        (Some(one), None) => one,
                        _ => return Err("Invalid collation character".to_string()),
                    }
                }
                ('\\', Some('n')) => {
                    self.pos += 1;
                    '\n'
                }
                ('\\', Some('t')) => {
                    self.pos += 1;
                    '\t'
                }
                _ => c,
            };
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                self.pos += 1;
                let Some(hi) = self.peek() else {
                    return Err(unmatched());
                };
                self.pos += 1;
                if hi < lo {
                    return Err("Invalid range end".to_string());
                }
                push_class_char(&mut self.out, lo);
                self.out.push('-');
                push_class_char(&mut self.out, hi);
            } else {
                push_class_char(&mut self.out, lo);
            }
        }
        self.out.push(']');
        self.last_atom = Some(start);
        self.quantified = false;
        self.at_start = false;
        Ok(())
    }

    /// The text up to `close` followed by `]` (the end of `[:name:]`), consuming both.
    fn until_close(&mut self, close: char) -> Option<String> {
        let from = self.pos;
        while self.pos + 1 < self.chars.len() {
            if self.chars[self.pos] == close && self.chars[self.pos + 1] == ']' {
                let text = self.chars[from..self.pos].iter().collect();
                self.pos += 2;
                return Some(text);
            }
            self.pos += 1;
        }
        None
    }
}

/// Pushes `c` as a literal outside a class.
fn push_escaped(out: &mut String, c: char) {
    if regex_syntax_meta(c) {
        out.push('\\');
    }
    out.push(c);
}

fn regex_syntax_meta(c: char) -> bool {
    matches!(
        c,
        '\\' | '.'
            | '+'
            | '*'
            | '?'
            | '('
            | ')'
            | '|'
            | '['
            | ']'
            | '{'
            | '}'
            | '^'
            | '$'
            | '#'
            | '&'
            | '-'
            | '~'
    )
}

/// Pushes `c` as a literal inside a class, where the `regex` crate also gives meaning to
/// nested `[`, `&&`, `--` and `~~`.
fn push_class_char(out: &mut String, c: char) {
    match c {
        '\\' | '[' | ']' | '^' | '-' | '&' | '~' => {
            out.push('\\');
            out.push(c);
        }
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bre(p: &str) -> String {
        bre_to_rust(p).unwrap()
    }

    fn ere(p: &str) -> String {
        ere_to_rust(p).unwrap()
    }

    #[test]
    fn bre_groups_intervals_and_gnu_extensions() {
        assert_eq!(bre(r"\(ab\)*c"), "(ab)*c");
        assert_eq!(bre(r"a\{2,3\}"), "a{2,3}");
        assert_eq!(bre(r"a\{,3\}"), "a{0,3}");
        assert_eq!(bre(r"a\{2,\}"), "a{2,}");
        assert_eq!(bre(r"a\|b"), "a|b");
        assert_eq!(bre(r"a\+b\?"), "a+b?");
    }

    #[test]
    fn bre_specials_that_are_literal() {
        assert_eq!(bre("a+b?{1}(x)|y"), r"a\+b\?\{1\}\(x\)\|y");
        assert_eq!(bre("*a"), r"\*a");
        assert_eq!(bre("^*a"), r"^\*a");
        assert_eq!(bre(r"\(*a\)"), r"(\*a)");
        assert_eq!(bre("a^b$c"), r"a\^b\$c");
        assert_eq!(bre("^ab$"), "^ab$");
        assert_eq!(bre(r"\(a$\)"), "(a$)");
        assert_eq!(bre(r"a\.b\*"), r"a\.b\*");
        assert_eq!(bre(r"\/x"), "/x");
    }

    #[test]
    fn double_quantifiers_group_instead_of_going_lazy() {
        assert_eq!(bre(r"a*\?"), "(?:a*)?");
        assert_eq!(ere("a+?"), "(?:a+)?");
        assert_eq!(ere("(ab)+*"), "(?:(ab)+)*");
    }

    #[test]
    fn ere_syntax() {
        assert_eq!(ere("(a|b)+c{2}"), "(a|b)+c{2}");
        assert_eq!(ere(r"\(a\)"), r"\(a\)");
        assert_eq!(ere("a{1"), r"a\{1");
        assert_eq!(ere("*b"), "b");
        assert_eq!(ere("a)"), r"a\)");
        assert_eq!(ere("a{,2}"), "a{0,2}");
    }

    #[test]
    fn brackets() {
        assert_eq!(bre("[[:alpha:]_]"), "[[:alpha:]_]");
        assert_eq!(bre("[^]a-]"), r"[^\]a\-]");
        assert_eq!(bre("[]]"), r"[\]]");
        assert_eq!(bre(r"[\.]"), r"[\\.]");
        assert_eq!(bre("[a-z&~]"), r"[a-z\&\~]");
        assert_eq!(bre(r"[^\n]*"), r"[^\n]*");
        assert_eq!(bre("[[.-.]x]"), r"[\-x]");
        assert_eq!(ere("[*+?]"), "[*+?]");
    }

    #[test]
    fn gnu_escapes() {
        assert_eq!(bre(r"\<a\>"), r"\b{start}a\b{end}");
        assert_eq!(bre(r"\w\+\s"), r"\w+\s");
        assert_eq!(bre(r"a\nb\tc"), r"a\nb\tc");
        assert_eq!(ere(r"\`a\'"), r"\Aa\z");
    }

    #[test]
    fn errors_read_like_gnu() {
        assert_eq!(bre_to_rust(r"\(a").unwrap_err(), "Unmatched ( or \\(");
        assert_eq!(ere_to_rust("(a").unwrap_err(), "Unmatched ( or \\(");
        assert_eq!(bre_to_rust(r"a\)").unwrap_err(), "Unmatched ) or \\)");
        assert_eq!(bre_to_rust(r"a\{1").unwrap_err(), "Unmatched \\{");
        assert_eq!(
            bre_to_rust("[a").unwrap_err(),
            "Unmatched [, [^, [:, [., or [="
        );
        assert_eq!(
            bre_to_rust("[[:nope:]]").unwrap_err(),
            "Invalid character class name"
        );
        assert_eq!(bre_to_rust("[z-a]").unwrap_err(), "Invalid range end");
        assert_eq!(bre_to_rust("a\\").unwrap_err(), "Trailing backslash");
        assert!(
            bre_to_rust(r"\(a\)\1")
                .unwrap_err()
                .contains("back-references")
        );
        assert_eq!(
            bre_to_rust(r"a\{3,1\}").unwrap_err(),
            "Invalid content of \\{\\}"
        );
    }

    #[test]
    fn translations_compile() {
        for p in [
            r"\(a*\)*\{2\}",
            "[[:space:][:punct:]]",
            r"^\(.*\)\?$",
            r"x\|^y",
        ] {
            regex::bytes::Regex::new(&bre(p)).unwrap();
        }
        for p in ["(a|)+", "[]x-]{1,}", "^(.*)?$|[[:digit:]]+"] {
            regex::bytes::Regex::new(&ere(p)).unwrap();
        }
    }
}
