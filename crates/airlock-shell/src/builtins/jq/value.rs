//! The value our filters run on: a jaq-json value with jq's behaviour where jaq's differs.
//!
//! jaq runs on any type implementing its `ValT` traits, so jq's semantics go here rather than
//! into a fork: updates through `null` create the object or array (`null | .a.b = 1`, which
//! jaq rejects), assigning past the end of an array pads it with nulls, deleting a key keeps
//! the order of the others, `{} | .[0]` is an error, object keys must be strings, values turn
//! into text with jq's number format (`"\(6/2)"` is `"3"`, not jaq's `"3.0"`), and jaq's error
//! messages get jq's wording (so `try ... catch .` sees jq's message too).

use core::fmt;
use std::rc::Rc;

use jaq_core::box_iter::BoxIter;
use jaq_core::path::Opt;
use jaq_core::{Error, Exn, ValR, ValX, val};
use jaq_json::{Num, Val};

use super::{report, write};

/// A jq value.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct V(pub Val);

/// A jaq-json error as ours, in jq's words.
pub(super) fn lift(e: Error<Val>) -> Error<V> {
    match e.into_val() {
        Val::TStr(s) => Error::new(V(Val::from(report::jq_message(&String::from_utf8_lossy(
            &s,
        ))))),
        other => Error::new(V(other)),
    }
}

/// An error with message `msg`.
pub(super) fn fail(msg: String) -> Error<V> {
    Error::new(V(Val::from(msg)))
}

/// `number (5)`: jq's way of naming a value in messages.
pub(super) fn describe(v: &Val) -> String {
    format!("{} ({})", kind(v), report::truncated(&write::compact(v)))
}

pub(super) fn kind(v: &Val) -> &'static str {
    match v {
        Val::Null => "null",
        Val::Bool(_) => "boolean",
        Val::Num(_) => "number",
        Val::TStr(_) | Val::BStr(_) => "string",
        Val::Arr(_) => "array",
        Val::Obj(_) => "object",
    }
}

/// A number used as an index: integers as they are, others rounded down, as jq does.
pub(super) fn int(n: &Num) -> Option<isize> {
    n.as_isize().or_else(|| {
        let f = n.to_string().parse::<f64>().ok()?.floor();
        (f.is_finite() && f.abs() < isize::MAX as f64).then_some(f as isize)
    })
}

fn unwrap_rc<T: Clone>(rc: Rc<T>) -> T {
    Rc::try_unwrap(rc).unwrap_or_else(|rc| (*rc).clone())
}

impl fmt::Display for V {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&write::compact(&self.0)))
    }
}

impl From<bool> for V {
    fn from(b: bool) -> Self {
        V(Val::from(b))
    }
}

impl From<isize> for V {
    fn from(i: isize) -> Self {
        V(Val::from(i))
    }
}

impl From<usize> for V {
    fn from(i: usize) -> Self {
        V(Val::from(i))
    }
}

impl From<f64> for V {
    fn from(f: f64) -> Self {
        V(Val::from(f))
    }
}

impl From<String> for V {
    fn from(s: String) -> Self {
        V(Val::from(s))
    }
}

impl From<val::Range<V>> for V {
    fn from(r: val::Range<V>) -> Self {
        V(Val::from(r.start.map(|v| v.0)..r.end.map(|v| v.0)))
    }
}

impl FromIterator<V> for V {
    fn from_iter<T: IntoIterator<Item = V>>(iter: T) -> Self {
        V(iter.into_iter().map(|v| v.0).collect())
    }
}

macro_rules! binary {
    ($trait:ident, $method:ident) => {
        impl core::ops::$trait for V {
            type Output = ValR<V>;
            fn $method(self, rhs: V) -> ValR<V> {
                core::ops::$trait::$method(self.0, rhs.0)
                    .map(V)
                    .map_err(lift)
            }
        }
    };
}
binary!(Add, add);
binary!(Sub, sub);
binary!(Mul, mul);

fn divisor_is_zero(l: &Val, r: &Val) -> Error<V> {
    fail(format!(
        "{} and {} cannot be divided because the divisor is zero",
        describe(l),
        describe(r)
    ))
}

/// jq makes division by zero an error (jaq gives infinity).
impl core::ops::Div for V {
    type Output = ValR<V>;
    fn div(self, rhs: V) -> ValR<V> {
        if let (Val::Num(_), Val::Num(r)) = (&self.0, &rhs.0)
            && *r == Num::Int(0)
        {
            return Err(divisor_is_zero(&self.0, &rhs.0));
        }
        (self.0 / rhs.0).map(V).map_err(lift)
    }
}

/// jq's `%` works on integers: non-integers are truncated first.
impl core::ops::Rem for V {
    type Output = ValR<V>;
    fn rem(self, rhs: V) -> ValR<V> {
        let (Val::Num(l), Val::Num(r)) = (&self.0, &rhs.0) else {
            return (self.0 % rhs.0).map(V).map_err(lift);
        };
        if l.as_isize().is_some() && r.as_isize().is_some() {
            if *r == Num::Int(0) {
                return Err(divisor_is_zero(&self.0, &rhs.0));
            }
            return (self.0 % rhs.0).map(V).map_err(lift);
        }
        let float = |n: &Num| n.to_string().parse::<f64>().unwrap_or(f64::NAN);
        let (a, b) = (float(l), float(r));
        if a.is_nan() || b.is_nan() {
            return Ok(V::from(f64::NAN));
        }
        // `as` saturates, like jq's conversion to intmax_t.
        let (a, b) = (a as i64, b as i64);
        if b == 0 {
            return Err(divisor_is_zero(&self.0, &rhs.0));
        }
        let r = if b == -1 { 0 } else { a % b };
        Ok(V::from(r as isize))
    }
}

impl core::ops::Neg for V {
    type Output = ValR<V>;
    fn neg(self) -> ValR<V> {
        (-self.0).map(V).map_err(lift)
    }
}

impl jaq_core::ValT for V {
    fn from_num(n: &str) -> ValR<Self> {
        Val::from_num(n).map(V).map_err(lift)
    }

    fn from_map<I: IntoIterator<Item = (Self, Self)>>(iter: I) -> ValR<Self> {
        let mut map = jaq_json::Map::default();
        for (k, v) in iter {
            if !matches!(k.0, Val::TStr(_) | Val::BStr(_)) {
                return Err(fail(format!(
                    "Object keys must be strings, not {}",
                    describe(&k.0)
                )));
            }
            map.insert(k.0, v.0);
        }
        Ok(V(Val::obj(map)))
    }

    fn key_values(self) -> BoxIter<'static, ValR<(Self, Self), Self>> {
        Box::new(
            self.0
                .key_values()
                .map(|r| r.map(|(k, v)| (V(k), V(v))).map_err(lift)),
        )
    }

    fn values(self) -> Box<dyn Iterator<Item = ValR<Self>>> {
        Box::new(self.0.values().map(|r| r.map(V).map_err(lift)))
    }

    fn index(self, index: &Self) -> ValR<Self> {
        match (&self.0, &index.0) {
            (Val::Obj(_), Val::Num(_) | Val::Null | Val::Bool(_) | Val::Arr(_)) => {
                Err(fail(format!("Cannot index object with {}", kind(&index.0))))
            }
            _ => self.0.index(&index.0).map(V).map_err(lift),
        }
    }

    fn range(self, range: val::Range<&Self>) -> ValR<Self> {
        let range = range.start.map(|v| &v.0)..range.end.map(|v| &v.0);
        self.0.range(range).map(V).map_err(lift)
    }

    fn map_values<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        match self.0 {
            // Each element becomes the first output of `f`, or goes if there is none.
            Val::Arr(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in unwrap_rc(a) {
                    if let Some(y) = f(V(x)).next() {
                        out.push(y?.0);
                    }
                }
                Ok(V(Val::Arr(Rc::new(out))))
            }
            Val::Obj(o) => {
                let mut out = jaq_json::Map::default();
                for (k, x) in unwrap_rc(o) {
                    if let Some(y) = f(V(x)).next() {
                        out.insert(k, y?.0);
                    }
                }
                Ok(V(Val::obj(out)))
            }
            v => opt.fail(V(v), |v| {
                Exn::from(fail(format!("Cannot iterate over {}", describe(&v.0))))
            }),
        }
    }

    fn map_index<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        index: &Self,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        if let (Val::Arr(_) | Val::Null, Val::Obj(o)) = (&self.0, &index.0) {
            let bound = |name: &str| o.get(&Val::from(name.to_string())).cloned().map(V);
            let (start, end) = (bound("start"), bound("end"));
            return self.map_range(start.as_ref()..end.as_ref(), opt, f);
        }
        match (self.0, &index.0) {
            (Val::Null, Val::TStr(_) | Val::BStr(_)) => {
                update_key(jaq_json::Map::default(), &index.0, f)
            }
            (Val::Obj(o), Val::TStr(_) | Val::BStr(_)) => update_key(unwrap_rc(o), &index.0, f),
            (Val::Null, Val::Num(n)) => update_at(Vec::new(), n, f),
            (Val::Arr(a), Val::Num(n)) => update_at(unwrap_rc(a), n, f),
            (v, i) => {
                let msg = match i {
                    Val::TStr(s) | Val::BStr(s) => format!(
                        "Cannot index {} with \"{}\"",
                        kind(&v),
                        String::from_utf8_lossy(s)
                    ),
                    i => format!("Cannot index {} with {}", kind(&v), kind(i)),
                };
                opt.fail(V(v), |_| Exn::from(fail(msg)))
            }
        }
    }

    fn map_range<'a, I: Iterator<Item = ValX<'a, Self>>>(
        self,
        range: val::Range<&Self>,
        opt: Opt,
        f: impl Fn(Self) -> I,
    ) -> ValX<'a, Self> {
        let mut a = match self.0 {
            Val::Null => Vec::new(),
            Val::Arr(a) => unwrap_rc(a),
            v => {
                let msg = format!("Cannot update field at object index of {}", kind(&v));
                return opt.fail(V(v), |_| Exn::from(fail(msg)));
            }
        };
        let len = a.len();
        let bound = |b: Option<&V>, default: usize| match b.map(|v| &v.0) {
            Some(Val::Num(n)) => int(n).map_or(default, |i| clamp(i, len)),
            _ => default,
        };
        let start = bound(range.start, 0);
        let end = bound(range.end, len).max(start);
        let slice: Val = a[start..end].iter().cloned().collect();
        let replacement = match f(V(slice)).next().transpose()? {
            None => Vec::new(),
            Some(V(Val::Arr(r))) => unwrap_rc(r),
            Some(_) => {
                return Err(Exn::from(fail(
                    "A slice of an array can only be assigned another array".into(),
                )));
            }
        };
        a.splice(start..end, replacement);
        Ok(V(Val::Arr(Rc::new(a))))
    }

    fn as_bool(&self) -> bool {
        self.0.as_bool()
    }

    fn into_string(self) -> Self {
        match self.0 {
            s @ Val::TStr(_) => V(s),
            v => V(Val::utf8_str(write::text(&v))),
        }
    }
}

/// Updates `map[key]` with the first output of `f` (from `null` if absent), or removes the
/// key (keeping the others in order) if `f` has none.
fn update_key<'a, I: Iterator<Item = ValX<'a, V>>>(
    mut map: jaq_json::Map,
    key: &Val,
    f: impl Fn(V) -> I,
) -> ValX<'a, V> {
    // Taken, not cloned: a shared value would be copied whole by the next change to it.
    let old = map.get_mut(key).map(std::mem::take).unwrap_or_default();
    match f(V(old)).next().transpose()? {
        Some(y) => {
            map.insert(key.clone(), y.0);
        }
        None => {
            map.shift_remove(key);
        }
    }
    Ok(V(Val::obj(map)))
}

/// Updates `a[n]` like jq: past the end the array is padded with nulls; a negative index
/// before the start is an error; no output removes the element.
fn update_at<'a, I: Iterator<Item = ValX<'a, V>>>(
    mut a: Vec<Val>,
    n: &Num,
    f: impl Fn(V) -> I,
) -> ValX<'a, V> {
    let Some(i) = int(n) else {
        return Err(Exn::from(fail("Array index too large".into())));
    };
    let i = if i < 0 {
        match a.len().checked_sub(i.unsigned_abs()) {
            Some(i) => i,
            None => return Err(Exn::from(fail("Out of bounds negative array index".into()))),
        }
    } else {
        i as usize
    };
    let old = a.get_mut(i).map(std::mem::take).unwrap_or_default();
    match f(V(old)).next().transpose()? {
        Some(y) => {
            if i >= a.len() {
                a.resize(i + 1, Val::Null);
            }
            a[i] = y.0;
        }
        None if i < a.len() => {
            a.remove(i);
        }
        None => {}
    }
    Ok(V(Val::Arr(Rc::new(a))))
}

/// A slice bound (negative from the end), clamped to `0..=len`.
pub(super) fn clamp(i: isize, len: usize) -> usize {
    if i < 0 {
        len.saturating_sub(i.unsigned_abs())
    } else {
        (i as usize).min(len)
    }
}

impl jaq_std::ValT for V {
    fn into_seq<S: FromIterator<Self>>(self) -> Result<S, Self> {
        match self.0 {
            Val::Arr(a) => Ok(unwrap_rc(a).into_iter().map(V).collect()),
            v => Err(V(v)),
        }
    }

    fn is_int(&self) -> bool {
        self.0.is_int()
    }

    fn as_isize(&self) -> Option<isize> {
        self.0.as_isize()
    }

    fn as_f64(&self) -> Option<f64> {
        self.0.as_f64()
    }

    fn is_utf8_str(&self) -> bool {
        self.0.is_utf8_str()
    }

    fn as_bytes(&self) -> Option<&[u8]> {
        jaq_std::ValT::as_bytes(&self.0)
    }

    fn as_sub_str(&self, sub: &[u8]) -> Self {
        V(self.0.as_sub_str(sub))
    }

    fn from_utf8_bytes(b: impl AsRef<[u8]> + Send + 'static) -> Self {
        V(Val::from_utf8_bytes(b))
    }
}
