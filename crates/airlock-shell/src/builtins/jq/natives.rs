//! Filters written in Rust: those of jaq-json (which only runs on its own value type), the
//! ones that reach the shell instead of the process (`env`, `now`, `input`, `inputs`,
//! `input_filename`, `stderr`, `debug`), and jq's versions of `keys`, `delpaths`, `tojson`,
//! `fromjson`, `tonumber`, `@csv`, `@tsv`, `@sh`, `@html`, `@base32`, `@base32d`.

use jaq_core::box_iter::box_once;
use jaq_core::native::{Filter, bome, v};
use jaq_core::{Error, Exn, RunPtr, ValR, ValX};
use jaq_json::Val;

use super::feed::{Feed, Next};
use super::filter::{Globals, Jq};
use super::value::{V, describe, fail, int, kind};
use super::{base32, paths, write};

fn string(bytes: Vec<u8>) -> V {
    V(Val::utf8_str(bytes))
}

pub(super) fn natives() -> Vec<Filter<RunPtr<Jq>>> {
    vec![
        ("length", v(0), |cv| bome(length(&cv.1.0))),
        ("contains", v(1), |mut cv| {
            let other = cv.0.pop_var();
            bome(contains(&cv.1.0, &other.0).map(V::from))
        }),
        ("has", v(1), |mut cv| {
            let key = cv.0.pop_var();
            bome(has(&cv.1.0, &key.0))
        }),
        ("indices", v(1), |mut cv| {
            let x = cv.0.pop_var();
            bome(indices(&cv.1.0, &x.0))
        }),
        ("bsearch", v(1), |mut cv| {
            let x = cv.0.pop_var();
            bome(bsearch(&cv.1.0, &x.0))
        }),
        ("keys_unsorted", v(0), |cv| bome(keys(&cv.1.0))),
        // Natives, not jaq's `1 / 0`: division by zero is an error here, as in jq.
        ("infinite", v(0), |_| bome(Ok(V::from(f64::INFINITY)))),
        ("nan", v(0), |_| bome(Ok(V::from(f64::NAN)))),
        ("delpaths", v(1), |mut cv| {
            let paths = cv.0.pop_var();
            bome(paths::delpaths(cv.1.0, paths.0).map(V))
        }),
        ("tojson", v(0), |cv| {
            bome(Ok(string(write::compact(&cv.1.0))))
        }),
        ("fromjson", v(0), |cv| bome(fromjson(&cv.1.0))),
        ("tonumber", v(0), |cv| bome(tonumber(cv.1))),
        ("@csv", v(0), |cv| bome(csv(&cv.1.0))),
        ("@tsv", v(0), |cv| bome(tsv(&cv.1.0))),
        ("@sh", v(0), |cv| bome(sh(&cv.1.0))),
        ("@html", v(0), |cv| {
            bome(Ok(string(html(&write::text(&cv.1.0)))))
        }),
        ("@base32", v(0), |cv| {
            bome(Ok(string(base32::encode(&write::text(&cv.1.0)))))
        }),
        ("@base32d", v(0), |cv| {
            bome(base32::decode(&write::text(&cv.1.0)).map(string))
        }),
        ("env", v(0), |cv| bome(Ok(V(cv.0.data().env.clone())))),
        ("now", v(0), |cv| bome(Ok(V::from(cv.0.data().now)))),
        ("input", v(0), |cv| {
            let g: &Globals = cv.0.data();
            let next = next_input(g);
            box_once(next.unwrap_or_else(|| Err(Exn::from(fail("No more inputs".into())))))
        }),
        ("inputs", v(0), |cv| {
            let g: &Globals = cv.0.data();
            Box::new(std::iter::from_fn(move || next_input(g)))
        }),
        ("input_line_number", v(0), |cv| {
            bome(Ok(V::from(cv.0.data().feed.borrow().line())))
        }),
        ("input_filename", v(0), |cv| {
            let feed = cv.0.data().feed.borrow();
            let name = feed.filename().map(|n| V::from(n.to_string()));
            bome(Ok(name.unwrap_or_default()))
        }),
        ("stderr_empty", v(0), |cv| {
            let text = write::text(&cv.1.0);
            cv.0.data().stderr.borrow_mut().extend_from_slice(&text);
            Box::new(std::iter::empty())
        }),
        ("debug_empty", v(0), |cv| {
            let mut line = b"[\"DEBUG:\",".to_vec();
            line.extend_from_slice(&write::compact(&cv.1.0));
            line.extend_from_slice(b"]\n");
            cv.0.data().stderr.borrow_mut().extend_from_slice(&line);
            Box::new(std::iter::empty())
        }),
        ("halt_error_print_", v(0), |cv| {
            // jq prints a string as it is, anything else as JSON on a line.
            let mut text = write::text(&cv.1.0);
            if !matches!(cv.1.0, Val::TStr(_) | Val::BStr(_)) {
                text.push(b'\n');
            }
            cv.0.data().stderr.borrow_mut().extend_from_slice(&text);
            Box::new(std::iter::empty())
        }),
    ]
}

/// The next value for `input`/`inputs`; an unreadable file is reported and skipped, as jq does.
fn next_input<'a>(g: &Globals<'_>) -> Option<ValX<'a, V>> {
    loop {
        let next = g.feed.borrow_mut().next();
        match next {
            Next::Value(v) => return Some(Ok(V(v))),
            Next::End | Next::NeedMore => return None,
            Next::Invalid(msg) => return Some(Err(Exn::from(fail(msg)))),
            Next::Unreadable(msg) => {
                g.unreadable.set(true);
                let line = format!("jq: error: {msg}\n");
                g.stderr.borrow_mut().extend_from_slice(line.as_bytes());
            }
        }
    }
}

fn length(v: &Val) -> ValR<V> {
    Ok(match v {
        Val::Null => V::from(0isize),
        Val::Bool(_) => return Err(fail(format!("{} has no length", describe(v)))),
        Val::Num(n) => match n.as_isize() {
            Some(i) => V::from(i.unsigned_abs()),
            None => V::from(n.to_string().parse::<f64>().unwrap_or(f64::NAN).abs()),
        },
        Val::TStr(s) => V::from(String::from_utf8_lossy(s).chars().count()),
        Val::BStr(s) => V::from(s.len()),
        Val::Arr(a) => V::from(a.len()),
        Val::Obj(o) => V::from(o.len()),
    })
}

/// jq's `contains`: substrings, every element of an array in some element, every key's value
/// in the same key's; values of different kinds are an error.
fn contains(a: &Val, b: &Val) -> Result<bool, Error<V>> {
    Ok(match (a, b) {
        (Val::TStr(x) | Val::BStr(x), Val::TStr(y) | Val::BStr(y)) => {
            y.is_empty() || memchr::memmem::find(x, y).is_some()
        }
        (Val::Arr(x), Val::Arr(y)) => {
            for y in y.iter() {
                let mut found = false;
                for x in x.iter() {
                    if kind(x) == kind(y) && contains(x, y)? {
                        found = true;
                        break;
                    }
                }
                if !found {
                    return Ok(false);
                }
            }
            true
        }
        (Val::Obj(x), Val::Obj(y)) => {
            for (k, y) in y.iter() {
                match x.get(k) {
                    Some(x) if contains(x, y)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        _ if kind(a) == kind(b) => a == b,
        _ => {
            return Err(fail(format!(
                "{} and {} cannot have their containment checked",
                describe(a),
                describe(b)
            )));
        }
    })
}

fn has(v: &Val, key: &Val) -> ValR<V> {
    match (v, key) {
        (Val::Obj(o), Val::TStr(_) | Val::BStr(_)) => Ok(V::from(o.contains_key(key))),
        (Val::Arr(a), Val::Num(n)) => Ok(V::from(
            int(n).is_some_and(|i| i >= 0 && (i as usize) < a.len()),
        )),
        _ => Err(fail(format!(
            "Cannot check whether {} has a {} key",
            kind(v),
            kind(key)
        ))),
    }
}

fn indices(v: &Val, x: &Val) -> ValR<V> {
    let found: Vec<usize> = match (v, x) {
        (Val::Null, _) => return Ok(V::default()),
        (Val::TStr(s) | Val::BStr(s), Val::TStr(t) | Val::BStr(t)) => {
            // Positions in characters, overlaps included ("aaa" has "aa" at 0 and 1).
            let text = String::from_utf8_lossy(s);
            let pattern = String::from_utf8_lossy(t);
            if pattern.is_empty() {
                return Ok(V::default());
            }
            text.char_indices()
                .enumerate()
                .filter(|(_, (at, _))| text[*at..].starts_with(pattern.as_ref()))
                .map(|(i, _)| i)
                .collect()
        }
        (Val::Arr(_), Val::Arr(b)) if b.is_empty() => return Ok(V::default()),
        (Val::Arr(a), Val::Arr(b)) => a
            .windows(b.len())
            .enumerate()
            .filter(|(_, w)| *w == &b[..])
            .map(|(i, _)| i)
            .collect(),
        (Val::Arr(a), x) => a
            .iter()
            .enumerate()
            .filter(|(_, y)| *y == x)
            .map(|(i, _)| i)
            .collect(),
        _ => {
            return Err(fail(format!(
                "Cannot determine the indices of {} in {}",
                describe(x),
                describe(v)
            )));
        }
    };
    Ok(found.into_iter().map(V::from).collect())
}

fn bsearch(v: &Val, x: &Val) -> ValR<V> {
    let Val::Arr(a) = v else {
        return Err(fail(format!("{} cannot be searched from", describe(v))));
    };
    Ok(match a.binary_search(x) {
        Ok(i) => V::from(i as isize),
        Err(i) => V::from(-1 - i as isize),
    })
}

fn keys(v: &Val) -> ValR<V> {
    match v {
        Val::Obj(o) => Ok(V(o.keys().cloned().collect())),
        Val::Arr(a) => Ok((0..a.len()).map(V::from).collect()),
        _ => Err(fail(format!("{} has no keys", describe(v)))),
    }
}

fn fromjson(v: &Val) -> ValR<V> {
    let (Val::TStr(s) | Val::BStr(s)) = v else {
        return Err(fail(format!("{} only strings can be parsed", describe(v))));
    };
    let shown = String::from_utf8_lossy(s);
    let mut feed = Feed::new(false);
    feed.push_file("", Ok(s.to_vec()));
    let while_parsing = |msg: &str| fail(format!("{msg} (while parsing '{shown}')"));
    let value = match feed.next() {
        Next::Value(v) => v,
        Next::Invalid(msg) => return Err(while_parsing(&msg)),
        _ => return Err(while_parsing("Expected JSON value")),
    };
    match feed.next() {
        Next::End => Ok(V(value)),
        Next::Invalid(msg) => Err(while_parsing(&msg)),
        _ => Err(while_parsing("Unexpected extra JSON values")),
    }
}

fn tonumber(v: V) -> ValR<V> {
    match &v.0 {
        Val::Num(_) => Ok(v),
        Val::TStr(s) | Val::BStr(s) => jaq_json::read::parse_single_num(s.trim_ascii())
            .map(|n| V(Val::Num(n)))
            .ok_or_else(|| {
                fail(format!(
                    "Cannot parse '{}' as JSON",
                    String::from_utf8_lossy(s)
                ))
            }),
        other => Err(fail(format!(
            "{} cannot be parsed as a number",
            describe(other)
        ))),
    }
}

fn row(v: &Val, what: &str) -> Result<Vec<Val>, Error<V>> {
    match v {
        Val::Arr(a) => Ok(a.to_vec()),
        _ => Err(fail(format!(
            "{} cannot be {what}-formatted, only an array can be",
            describe(v)
        ))),
    }
}

fn csv(v: &Val) -> ValR<V> {
    let mut out = Vec::new();
    for (i, x) in row(v, "csv")?.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match x {
            Val::Null => {}
            Val::Bool(_) | Val::Num(_) => out.extend_from_slice(&write::compact(x)),
            Val::TStr(s) | Val::BStr(s) => {
                out.push(b'"');
                for &b in s.iter() {
                    if b == b'"' {
                        out.push(b'"');
                    }
                    out.push(b);
                }
                out.push(b'"');
            }
            _ => return Err(fail(format!("{} is not valid in a csv row", describe(x)))),
        }
    }
    Ok(string(out))
}

fn tsv(v: &Val) -> ValR<V> {
    let mut out = Vec::new();
    for (i, x) in row(v, "tsv")?.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match x {
            Val::Null => {}
            Val::Bool(_) | Val::Num(_) => out.extend_from_slice(&write::compact(x)),
            Val::TStr(s) | Val::BStr(s) => {
                for &b in s.iter() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
            _ => return Err(fail(format!("{} is not valid in a tsv row", describe(x)))),
        }
    }
    Ok(string(out))
}

fn sh(v: &Val) -> ValR<V> {
    let items = match v {
        Val::Arr(a) => a.to_vec(),
        _ => vec![v.clone()],
    };
    let mut out = Vec::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        match x {
            Val::TStr(s) | Val::BStr(s) => {
                out.push(b'\'');
                for &b in s.iter() {
                    if b == b'\'' {
                        out.extend_from_slice(b"'\\''");
                    } else {
                        out.push(b);
                    }
                }
                out.push(b'\'');
            }
            Val::Arr(_) | Val::Obj(_) => {
                return Err(fail(format!(
                    "{} can not be escaped for shell",
                    describe(x)
                )));
            }
            _ => out.extend_from_slice(&write::compact(x)),
        }
    }
    Ok(string(out))
}

fn html(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for &b in s {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            _ => out.push(b),
        }
    }
    out
}
