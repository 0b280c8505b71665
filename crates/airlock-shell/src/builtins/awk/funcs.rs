//! The built-in functions.

use regex::bytes::Regex;

use super::ast::{Builtin, Expr, Special, Var};
use super::interp::{Flow, Interp, Place, R, fail};
use super::record::{FieldSep, split};
use super::value::{Value, char_len, char_offset};

/// The byte length of the character starting at `i`.
fn char_width(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() && (s[j] & 0xC0) == 0x80 {
        j += 1;
    }
    j - i
}

/// Expands a `sub`/`gsub` replacement as gawk does: `&` is the match, `\&` a literal `&`,
/// `\\&` a backslash then the match, `\\\&` a literal `\&`; other backslashes stay.
fn expand_sub(repl: &[u8], matched: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < repl.len() {
        let rest = &repl[i..];
        if rest.starts_with(b"\\\\\\&") {
            out.extend_from_slice(b"\\&");
            i += 4;
        } else if rest.starts_with(b"\\\\&") {
            out.push(b'\\');
            out.extend_from_slice(matched);
            i += 3;
        } else if rest.starts_with(b"\\&") {
            out.push(b'&');
            i += 2;
        } else if rest[0] == b'&' {
            out.extend_from_slice(matched);
            i += 1;
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
}

/// Expands a `gensub` replacement: `\0` and `&` are the match, `\1`..`\9` its groups.
fn expand_gensub(repl: &[u8], caps: &regex::bytes::Captures<'_>, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < repl.len() {
        match repl[i] {
            b'\\' if repl.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let n = usize::from(repl[i + 1] - b'0');
                if let Some(g) = caps.get(n) {
                    out.extend_from_slice(g.as_bytes());
                }
                i += 2;
            }
            b'\\' if matches!(repl.get(i + 1), Some(b'&' | b'\\')) => {
                out.push(repl[i + 1]);
                i += 2;
            }
            b'&' => {
                out.extend_from_slice(caps.get(0).map_or(&b""[..], |m| m.as_bytes()));
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
}

/// Replaces matches of `re` in `s`: all of them, or only the `which`-th (1-based). Empty
/// matches count between characters but not right after a previous match.
fn replace(
    re: &Regex,
    s: &[u8],
    which: Option<usize>,
    mut expand: impl FnMut(&regex::bytes::Captures<'_>, &mut Vec<u8>),
) -> (Vec<u8>, usize) {
    let mut out = Vec::with_capacity(s.len());
    let mut pos = 0;
    let mut at = 0;
    let mut count = 0;
    let mut seen = 0;
    let mut last_end = None;
    while at <= s.len() {
        let Some(caps) = re.captures_at(s, at) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        if m.is_empty() && last_end == Some(m.start()) {
            if m.start() >= s.len() {
                break;
            }
            at = m.start() + char_width(s, m.start());
            continue;
        }
        seen += 1;
        let replace_this = which.is_none_or(|w| w == seen);
        if replace_this {
            out.extend_from_slice(&s[pos..m.start()]);
            expand(&caps, &mut out);
            pos = m.end();
            count += 1;
        }
        if m.is_empty() {
            if m.start() >= s.len() {
                break;
            }
            let next = m.start() + char_width(s, m.start());
            if replace_this {
                out.extend_from_slice(&s[m.start()..next]);
                pos = next;
            }
            at = next;
        } else {
            at = m.end();
            last_end = Some(m.end());
        }
        if which.is_some_and(|w| seen >= w) {
            break;
        }
    }
    out.extend_from_slice(&s[pos.min(s.len())..]);
    (out, count)
}

/// `toupper`/`tolower`: character by character like gawk's `towupper` (so `ß` stays `ß`);
/// bytes that are not UTF-8 are mapped as ASCII.
fn case_map(s: &[u8], upper: bool) -> Vec<u8> {
    match std::str::from_utf8(s) {
        Ok(t) if !t.is_ascii() => {
            let mut out = String::with_capacity(t.len());
            for c in t.chars() {
                let mut mapped = if upper {
                    c.to_uppercase().collect::<Vec<char>>()
                } else {
                    c.to_lowercase().collect::<Vec<char>>()
                };
                if mapped.len() != 1 {
                    mapped = vec![c];
                }
                out.extend(mapped);
            }
            out.into_bytes()
        }
        _ => {
            if upper {
                s.to_ascii_uppercase()
            } else {
                s.to_ascii_lowercase()
            }
        }
    }
}

/// splitmix64, seeded from awk's seed value.
fn next_random(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

impl<'p> Interp<'p, '_, '_> {
    /// Where a `sub`/`gsub` target goes (`None`: not assignable; the result is dropped).
    async fn expr_place(&mut self, e: &'p Expr) -> R<Option<Place>> {
        Ok(match e {
            Expr::Var(v) => Some(Place::Var(*v)),
            Expr::Index(v, subs) => {
                let key = self.key(subs).await?;
                Some(Place::Elem(self.array(*v)?, key))
            }
            Expr::Field(i) => {
                let n = self.num(i).await?;
                if n < 0.0 {
                    return fail(format!("attempt to access field {}", n as i64));
                }
                Some(Place::Field(n as usize))
            }
            _ => None,
        })
    }

    fn array_arg(
        &mut self,
        e: &'p Expr,
        what: &str,
    ) -> R<std::rc::Rc<std::cell::RefCell<super::array::Array>>> {
        match e {
            Expr::Var(v @ (Var::Global(_) | Var::Local(_))) => self.array(*v),
            _ => fail(format!("{what}: argument is not an array")),
        }
    }

    pub(super) async fn builtin(&mut self, b: Builtin, args: &'p [Expr]) -> R<Value> {
        let n = |x: f64| Ok(Value::Num(x));
        match b {
            Builtin::Length => match args.first() {
                None => n(char_len(self.record_text()) as f64),
                Some(Expr::Var(v)) if self.is_array(*v) => {
                    let a = self.array(*v)?;
                    let len = a.borrow().len();
                    n(len as f64)
                }
                Some(a) => n(char_len(&self.text(a).await?) as f64),
            },
            Builtin::Substr => {
                let s = self.text(&args[0]).await?;
                let start = self.num(&args[1]).await?;
                let len = match args.get(2) {
                    Some(e) => Some(self.num(e).await?),
                    None => None,
                };
                Ok(Value::str(substr(&s, start, len)))
            }
            Builtin::Index => {
                let s = self.text(&args[0]).await?;
                let t = self.text(&args[1]).await?;
                n(match memchr::memmem::find(&s, &t) {
                    Some(i) => (char_len(&s[..i]) + 1) as f64,
                    None => 0.0,
                })
            }
            Builtin::Split => {
                let s = self.text(&args[0]).await?;
                let sep = match args.get(2) {
                    None => self.fs.clone(),
                    Some(Expr::Regex(re)) => FieldSep::Regex(re.clone()),
                    Some(e) => {
                        let t = self.text(e).await?;
                        FieldSep::new(&t, |p| self.regex_from(p)).map_err(Flow::Error)?
                    }
                };
                let arr = self.array_arg(&args[1], "split")?;
                let mut ranges = Vec::new();
                split(&s, &sep, self.paragraph && args.len() == 2, &mut ranges);
                let mut a = arr.borrow_mut();
                a.clear();
                for (i, &(x, y)) in ranges.iter().enumerate() {
                    a.set((i + 1).to_string().as_bytes(), Value::from_input(&s[x..y]));
                }
                n(ranges.len() as f64)
            }
            Builtin::Sub | Builtin::Gsub => {
                let re = self.regex_of(&args[0]).await?;
                let repl = self.text(&args[1]).await?;
                let place = match args.get(2) {
                    None => Some(Place::Field(0)),
                    Some(e) => self.expr_place(e).await?,
                };
                let target = match (&place, args.get(2)) {
                    (Some(p), _) => self.get_place(p)?,
                    (None, Some(e)) => self.operand(e).await?,
                    (None, None) => Value::Uninit,
                };
                let target = target.to_str(&self.convfmt).into_owned();
                let which = if b == Builtin::Sub { Some(1) } else { None };
                let (out, count) = replace(&re, &target, which, |c, out| {
                    expand_sub(&repl, c.get(0).map_or(&b""[..], |m| m.as_bytes()), out)
                });
                if count > 0
                    && let Some(p) = place
                {
                    self.set_place(&p, Value::Str(out.into()))?;
                }
                n(count as f64)
            }
            Builtin::Gensub => {
                let re = self.regex_of(&args[0]).await?;
                let repl = self.text(&args[1]).await?;
                let how = self.operand(&args[2]).await?;
                let target = match args.get(3) {
                    Some(e) => self.text(e).await?,
                    None => self.record_text().to_vec(),
                };
                let how_text = how.to_str(&self.convfmt);
                let which = if how_text.first().is_some_and(|c| *c == b'g' || *c == b'G') {
                    None
                } else {
                    Some((how.to_num() as usize).max(1))
                };
                let (out, _) = replace(&re, &target, which, |c, out| expand_gensub(&repl, c, out));
                Ok(Value::Str(out.into()))
            }
            Builtin::Match => {
                let s = self.text(&args[0]).await?;
                let re = self.regex_of(&args[1]).await?;
                let arr = match args.get(2) {
                    Some(e) => Some(self.array_arg(e, "match")?),
                    None => None,
                };
                let (start, len) = match &arr {
                    None => match re.find(&s) {
                        Some(m) => (
                            (char_len(&s[..m.start()]) + 1) as f64,
                            char_len(m.as_bytes()) as f64,
                        ),
                        None => (0.0, -1.0),
                    },
                    Some(arr) => {
                        let mut a = arr.borrow_mut();
                        a.clear();
                        match re.captures(&s) {
                            Some(caps) => {
                                let subsep = self
                                    .get_special(Special::Subsep)
                                    .to_str(b"%.6g")
                                    .into_owned();
                                for (i, g) in caps.iter().enumerate() {
                                    let Some(g) = g else { continue };
                                    let key = i.to_string().into_bytes();
                                    a.set(&key, Value::from_input(g.as_bytes()));
                                    let sub = |what: &[u8]| [&key[..], &subsep, what].concat();
                                    let pos = char_len(&s[..g.start()]) + 1;
                                    a.set(&sub(b"start"), Value::Num(pos as f64));
                                    a.set(
                                        &sub(b"length"),
                                        Value::Num(char_len(g.as_bytes()) as f64),
                                    );
                                }
                                let m = caps.get(0).map_or(0..0, |m| m.range());
                                ((char_len(&s[..m.start]) + 1) as f64, char_len(&s[m]) as f64)
                            }
                            None => (0.0, -1.0),
                        }
                    }
                };
                self.set_special(Special::Rstart, Value::Num(start))?;
                self.set_special(Special::Rlength, Value::Num(len))?;
                n(start)
            }
            Builtin::Sprintf => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.operand(a).await?);
                }
                let fmt = values[0].to_str(&self.convfmt).into_owned();
                let mut out = Vec::new();
                super::format::sprintf(&mut out, &fmt, &values[1..], &self.convfmt);
                Ok(Value::Str(out.into()))
            }
            Builtin::Sin => n(self.num(&args[0]).await?.sin()),
            Builtin::Cos => n(self.num(&args[0]).await?.cos()),
            Builtin::Atan2 => {
                let y = self.num(&args[0]).await?;
                let x = self.num(&args[1]).await?;
                n(y.atan2(x))
            }
            Builtin::Exp => n(self.num(&args[0]).await?.exp()),
            Builtin::Log => n(self.num(&args[0]).await?.ln()),
            Builtin::Sqrt => n(self.num(&args[0]).await?.sqrt()),
            Builtin::Int => n(self.num(&args[0]).await?.trunc()),
            Builtin::Rand => n(next_random(&mut self.rng)),
            Builtin::Srand => {
                let previous = self.seed;
                self.seed = match args.first() {
                    Some(e) => self.num(e).await?,
                    None => (self.cx.sys.now_ms() / 1000) as f64,
                };
                self.rng = self.seed.to_bits();
                n(previous)
            }
            Builtin::Tolower | Builtin::Toupper => {
                let s = self.text(&args[0]).await?;
                Ok(Value::Str(case_map(&s, b == Builtin::Toupper).into()))
            }
            Builtin::System => {
                let cmd = self.text(&args[0]).await?;
                n(self.system(&cmd).await?)
            }
            Builtin::Close => {
                let name = self.text(&args[0]).await?;
                n(self.close_stream(&name).await?)
            }
            Builtin::Fflush => {
                let name = match args.first() {
                    Some(e) => Some(self.text(e).await?),
                    None => None,
                };
                n(self.fflush(name.as_deref()).await?)
            }
            Builtin::Systime => n((self.cx.sys.now_ms() / 1000) as f64),
            Builtin::Asort | Builtin::Asorti => {
                let src = self.array_arg(&args[0], "asort")?;
                let dest = match args.get(1) {
                    Some(e) => self.array_arg(e, "asort")?,
                    None => std::rc::Rc::clone(&src),
                };
                let mut items: Vec<Value> = {
                    let a = src.borrow();
                    let keys = a.keys();
                    if b == Builtin::Asorti {
                        keys.iter().map(|k| Value::Str(k.clone())).collect()
                    } else {
                        keys.iter().filter_map(|k| a.get(k).cloned()).collect()
                    }
                };
                // gawk's order: numbers (numerically) before strings (by bytes).
                items.sort_by(|x, y| match (x.is_numeric(), y.is_numeric()) {
                    (true, true) => x.to_num().total_cmp(&y.to_num()),
                    (true, false) => std::cmp::Ordering::Less,
                    (false, true) => std::cmp::Ordering::Greater,
                    (false, false) => x.to_str(b"%.6g").cmp(&y.to_str(b"%.6g")),
                });
                let count = items.len();
                let mut d = dest.borrow_mut();
                d.clear();
                for (i, v) in items.into_iter().enumerate() {
                    d.set((i + 1).to_string().as_bytes(), v);
                }
                n(count as f64)
            }
        }
    }
}

/// `substr(s, start[, len])` as gawk does it: positions in characters, non-integers
/// truncated, a start before 1 taken as 1.
fn substr(s: &[u8], start: f64, len: Option<f64>) -> &[u8] {
    let total = char_len(s) as f64;
    let mut start = if start.is_nan() { 1.0 } else { start.trunc() };
    if start < 1.0 {
        start = 1.0;
    }
    if start > total {
        return b"";
    }
    let mut end = match len {
        Some(l) if l.is_nan() => return b"",
        Some(l) => start + l.trunc(),
        None => total + 1.0,
    };
    if end > total + 1.0 {
        end = total + 1.0;
    }
    if end <= start {
        return b"";
    }
    let a = char_offset(s, start as usize - 1);
    let b = char_offset(s, end as usize - 1);
    &s[a..b]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substr_like_gawk() {
        assert_eq!(substr(b"hello", 2.0, Some(3.0)), b"ell");
        assert_eq!(substr(b"hello", 0.0, Some(2.0)), b"he");
        assert_eq!(substr(b"hello", -1.0, Some(3.0)), b"hel");
        assert_eq!(substr(b"hello", 1.5, None), b"hello");
        assert_eq!(substr(b"hello", 2.5, Some(1.5)), b"e");
        assert_eq!(substr(b"hello", 9.0, None), b"");
        assert_eq!(substr("héllo".as_bytes(), 2.0, Some(2.0)), "él".as_bytes());
    }

    #[test]
    fn gsub_empty_matches() {
        let re = Regex::new("b*").unwrap();
        let (out, n) = replace(&re, b"abc", None, |_, o| o.push(b'-'));
        assert_eq!((out.as_slice(), n), (&b"-a-c-"[..], 3));
    }
}
