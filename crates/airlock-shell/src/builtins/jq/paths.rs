//! `delpaths` (and so `del`) as jq does it: the paths sorted and deleted last first, so array
//! indices stay valid, and objects keep the order of their other keys (jaq's own deletion swaps
//! the last key into the hole).

use std::rc::Rc;

use jaq_core::Error;
use jaq_json::Val;

use super::value::{V, clamp, describe, fail, int, kind};

/// `delpaths(PATHS)` on `v`.
pub(super) fn delpaths(mut v: Val, paths: Val) -> Result<Val, Error<V>> {
    let Val::Arr(paths) = paths else {
        return Err(fail("Paths must be specified as an array".into()));
    };
    let mut paths = paths.to_vec();
    paths.sort();
    for path in paths.iter().rev() {
        let Val::Arr(path) = path else {
            return Err(fail("Path must be specified as an array".into()));
        };
        v = delpath(v, path)?;
    }
    Ok(v)
}

fn delpath(v: Val, path: &[Val]) -> Result<Val, Error<V>> {
    let Some((key, rest)) = path.split_first() else {
        return Ok(Val::Null);
    };
    if matches!(v, Val::Null) {
        return Ok(v);
    }
    if rest.is_empty() {
        return delete(v, key);
    }
    let child = jaq_core::ValT::index(V(v.clone()), &V(key.clone()))?.0;
    if matches!(child, Val::Null) {
        return Ok(v);
    }
    let child = delpath(child, rest)?;
    set(v, key, child)
}

fn delete(v: Val, key: &Val) -> Result<Val, Error<V>> {
    match (v, key) {
        (Val::Obj(mut o), Val::TStr(_) | Val::BStr(_)) => {
            Rc::make_mut(&mut o).shift_remove(key);
            Ok(Val::Obj(o))
        }
        (Val::Arr(mut a), Val::Num(n)) => {
            if let Some(i) = int(n).and_then(|i| position(i, a.len())) {
                Rc::make_mut(&mut a).remove(i);
            }
            Ok(Val::Arr(a))
        }
        (Val::Arr(mut a), Val::Obj(range)) => {
            let bound = |name: &str, default: usize| -> usize {
                match range.get(&Val::from(name.to_string())) {
                    Some(Val::Num(n)) => int(n).map_or(default, |i| clamp(i, a.len())),
                    _ => default,
                }
            };
            let (start, end) = (bound("start", 0), bound("end", a.len()));
            if start < end {
                Rc::make_mut(&mut a).drain(start..end);
            }
            Ok(Val::Arr(a))
        }
        (v, key) => Err(fail(format!(
            "Cannot delete field at {} index of {}",
            kind(key),
            describe(&v)
        ))),
    }
}

fn set(v: Val, key: &Val, child: Val) -> Result<Val, Error<V>> {
    match (v, key) {
        (Val::Obj(mut o), _) => {
            Rc::make_mut(&mut o).insert(key.clone(), child);
            Ok(Val::Obj(o))
        }
        (Val::Arr(mut a), Val::Num(n)) => {
            if let Some(i) = int(n).and_then(|i| position(i, a.len())) {
                Rc::make_mut(&mut a)[i] = child;
            }
            Ok(Val::Arr(a))
        }
        (v, key) => Err(fail(format!(
            "Cannot delete field at {} index of {}",
            kind(key),
            describe(&v)
        ))),
    }
}

/// Index `i` (negative from the end) of a sequence of `len`, if inside it.
fn position(i: isize, len: usize) -> Option<usize> {
    let i = if i < 0 {
        len.checked_sub(i.unsigned_abs())?
    } else {
        i as usize
    };
    (i < len).then_some(i)
}
