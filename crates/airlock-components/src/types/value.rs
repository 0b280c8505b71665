//! JSON values as WIT values, and WIT values as JSON.

use serde_json::{Map, Number, Value, json};
use wasmtime::component::{Type, Val};

use super::{MAX_SAFE_INTEGER, TypeError, field_path, index_path, needs_some_wrapper};

/// How much of a mismatched value an error message quotes.
const QUOTE_MAX_CHARS: usize = 40;

/// A JSON value as a WIT value of type `ty`; `path` names the value in errors (`""` for none).
pub fn to_val(value: &Value, ty: &Type, path: &str) -> Result<Val, TypeError> {
    Ok(match ty {
        Type::Bool => Val::Bool(
            value
                .as_bool()
                .ok_or_else(|| mismatch(path, "a boolean", value))?,
        ),
        Type::U8 => Val::U8(int(value, path, "u8")?),
        Type::U16 => Val::U16(int(value, path, "u16")?),
        Type::U32 => Val::U32(int(value, path, "u32")?),
        Type::U64 => Val::U64(int(value, path, "u64")?),
        Type::S8 => Val::S8(int(value, path, "s8")?),
        Type::S16 => Val::S16(int(value, path, "s16")?),
        Type::S32 => Val::S32(int(value, path, "s32")?),
        Type::S64 => Val::S64(int(value, path, "s64")?),
        Type::Float32 => {
            let v = float(value, path, "f32")?;
            // The nearest f32, as any decimal number is rounded to the nearest float; a finite
            // value beyond f32's range is refused below rather than turned into infinity.
            let narrowed = v as f32;
            if v.is_finite() && narrowed.is_infinite() {
                return Err(TypeError::new(
                    path,
                    format!("{v} is out of range for f32 (at most ±{:e})", f32::MAX),
                ));
            }
            Val::Float32(narrowed)
        }
        Type::Float64 => Val::Float64(float(value, path, "f64")?),
        Type::Char => {
            let s = value
                .as_str()
                .ok_or_else(|| mismatch(path, "a one-character string", value))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(mismatch(path, "a string of exactly one character", value)),
            }
        }
        Type::String => Val::String(
            value
                .as_str()
                .ok_or_else(|| mismatch(path, "a string", value))?
                .to_owned(),
        ),
        Type::List(l) => Val::List(items(array(value, path, None)?, &l.ty(), path)?),
        Type::FixedLengthList(l) => {
            let len = usize::try_from(l.len()).unwrap_or(usize::MAX);
            Val::FixedLengthList(items(array(value, path, Some(len))?, &l.ty(), path)?)
        }
        Type::Map(m) => {
            let (key, val) = (m.key(), m.value());
            let mut pairs = Vec::new();
            for (i, pair) in array(value, path, None)?.iter().enumerate() {
                let at = index_path(path, i);
                let pair = array(pair, &at, Some(2))?;
                let (k, v) = (&pair[0], &pair[1]);
                pairs.push((
                    to_val(k, &key, &index_path(&at, 0))?,
                    to_val(v, &val, &index_path(&at, 1))?,
                ));
            }
            Val::Map(pairs)
        }
        Type::Tuple(t) => {
            let types: Vec<Type> = t.types().collect();
            let values = array(value, path, Some(types.len()))?;
            let mut out = Vec::with_capacity(types.len());
            for (i, (v, ty)) in values.iter().zip(&types).enumerate() {
                out.push(to_val(v, ty, &index_path(path, i))?);
            }
            Val::Tuple(out)
        }
        Type::Record(r) => {
            let object = value
                .as_object()
                .ok_or_else(|| mismatch(path, "an object", value))?;
            let fields = r.fields().map(|f| (f.name.to_owned(), f.ty));
            Val::Record(named(object, fields, path, "field")?)
        }
        Type::Variant(v) => {
            let (tag, payload) = tagged(value, path)?;
            let case = v.cases().find(|c| c.name == tag).ok_or_else(|| {
                let cases: Vec<&str> = v.cases().map(|c| c.name).collect();
                TypeError::new(
                    &field_path(path, "tag"),
                    format!("unknown case {tag:?}; cases are: {}", cases.join(", ")),
                )
            })?;
            let payload = match (&case.ty, payload) {
                (Some(ty), Some(p)) => Some(Box::new(to_val(p, ty, &field_path(path, "val"))?)),
                (None, None) => None,
                (Some(_), None) => {
                    return Err(TypeError::new(
                        &field_path(path, "val"),
                        format!("case {tag:?} carries a value: missing \"val\""),
                    ));
                }
                (None, Some(_)) => {
                    return Err(TypeError::new(
                        &field_path(path, "val"),
                        format!("case {tag:?} carries no value: remove \"val\""),
                    ));
                }
            };
            Val::Variant(tag.to_owned(), payload)
        }
        Type::Enum(e) => {
            let s = value
                .as_str()
                .ok_or_else(|| mismatch(path, "a string", value))?;
            if !e.names().any(|n| n == s) {
                let names: Vec<&str> = e.names().collect();
                return Err(TypeError::new(
                    path,
                    format!("unknown value {s:?}; values are: {}", names.join(", ")),
                ));
            }
            Val::Enum(s.to_owned())
        }
        Type::Option(o) => {
            let inner = o.ty();
            match value {
                Value::Null => Val::Option(None),
                v if needs_some_wrapper(&inner) => {
                    let some = v
                        .as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("some"))
                        .ok_or_else(|| mismatch(path, "null or {\"some\": value}", value))?;
                    Val::Option(Some(Box::new(to_val(
                        some,
                        &inner,
                        &field_path(path, "some"),
                    )?)))
                }
                v => Val::Option(Some(Box::new(to_val(v, &inner, path)?))),
            }
        }
        Type::Result(r) => {
            let expected = "{\"ok\": value} or {\"err\": value}";
            let (key, payload) = value
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
                .ok_or_else(|| mismatch(path, expected, value))?;
            let ty = match key.as_str() {
                "ok" => r.ok(),
                "err" => r.err(),
                _ => return Err(mismatch(path, expected, value)),
            };
            let at = field_path(path, key);
            let payload = match ty {
                Some(ty) => Some(Box::new(to_val(payload, &ty, &at)?)),
                None if payload.is_null() => None,
                None => return Err(mismatch(&at, "null (this case carries no value)", payload)),
            };
            Val::Result(if key == "ok" {
                Ok(payload)
            } else {
                Err(payload)
            })
        }
        Type::Flags(f) => {
            let mut set = Vec::new();
            for (i, name) in array(value, path, None)?.iter().enumerate() {
                let at = index_path(path, i);
                let name = name
                    .as_str()
                    .ok_or_else(|| mismatch(&at, "a flag name", name))?;
                if !f.names().any(|n| n == name) {
                    let names: Vec<&str> = f.names().collect();
                    return Err(TypeError::new(
                        &at,
                        format!("unknown flag {name:?}; flags are: {}", names.join(", ")),
                    ));
                }
                if set.iter().any(|s| s == name) {
                    return Err(TypeError::new(&at, format!("flag {name:?} given twice")));
                }
                set.push(name.to_owned());
            }
            // Declaration order, so the same set always reads the same.
            Val::Flags(
                f.names()
                    .filter(|n| set.iter().any(|s| s == n))
                    .map(str::to_owned)
                    .collect(),
            )
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            let what = super::unsupported(ty).unwrap_or_default();
            return Err(TypeError::new(
                path,
                format!("a {what} cannot be passed as JSON"),
            ));
        }
    })
}

/// The call's JSON arguments object as the function's parameters, in order. A missing
/// `option`-typed parameter is `none`; `null` arguments are an empty object.
pub fn args_to_vals(args: &Value, params: &[(String, Type)]) -> Result<Vec<Val>, TypeError> {
    let empty = Map::new();
    let object = match args {
        Value::Object(o) => o,
        Value::Null => &empty,
        other => return Err(mismatch("", "an object of named arguments", other)),
    };
    let params = params.iter().map(|(n, t)| (n.clone(), t.clone()));
    Ok(named(object, params, "", "parameter")?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// A WIT value as JSON. Resources, futures, streams and error contexts (which no offered
/// function carries) are `null`.
pub fn from_val(val: &Val) -> Value {
    match val {
        Val::Bool(b) => Value::Bool(*b),
        Val::U8(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::S8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::U64(n) if *n <= MAX_SAFE_INTEGER => json!(n),
        Val::S64(n) if n.unsigned_abs() <= MAX_SAFE_INTEGER => json!(n),
        Val::U64(n) => Value::String(n.to_string()),
        Val::S64(n) => Value::String(n.to_string()),
        // The shortest decimal that reads back as the same f32 (`0.1`, not
        // `0.10000000149011612`), carried as the f64 nearest to it.
        Val::Float32(f) => match format!("{f:e}").parse::<f64>() {
            Ok(wide) if f.is_finite() => float_json(wide),
            _ => float_json(f64::from(*f)),
        },
        Val::Float64(f) => float_json(*f),
        Val::Char(c) => Value::String(c.to_string()),
        Val::String(s) => Value::String(s.clone()),
        Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => {
            Value::Array(items.iter().map(from_val).collect())
        }
        Val::Map(pairs) => Value::Array(
            pairs
                .iter()
                .map(|(k, v)| json!([from_val(k), from_val(v)]))
                .collect(),
        ),
        Val::Record(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, v)| (name.clone(), from_val(v)))
                .collect(),
        ),
        Val::Variant(tag, None) => json!({ "tag": tag }),
        Val::Variant(tag, Some(payload)) => json!({ "tag": tag, "val": from_val(payload) }),
        Val::Enum(name) => Value::String(name.clone()),
        Val::Option(None) => Value::Null,
        Val::Option(Some(inner)) => match &**inner {
            nested @ Val::Option(_) => json!({ "some": from_val(nested) }),
            other => from_val(other),
        },
        Val::Result(Ok(payload)) => {
            json!({ "ok": payload.as_deref().map_or(Value::Null, from_val) })
        }
        Val::Result(Err(payload)) => {
            json!({ "err": payload.as_deref().map_or(Value::Null, from_val) })
        }
        Val::Flags(names) => Value::Array(names.iter().cloned().map(Value::String).collect()),
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => Value::Null,
    }
}

/// A function's result as its output schema ([`super::result_schema`]) describes it: a
/// top-level `result`'s `ok` payload as `Ok` and its `err` payload as `Err` (`null` when the
/// case has none), any other value as `Ok`.
pub fn result_to_json(val: &Val) -> Result<Value, Value> {
    match val {
        Val::Result(Ok(payload)) => Ok(payload.as_deref().map_or(Value::Null, from_val)),
        Val::Result(Err(payload)) => Err(payload.as_deref().map_or(Value::Null, from_val)),
        other => Ok(from_val(other)),
    }
}

/// A finite float as a number, the others as the strings the schema allows.
fn float_json(f: f64) -> Value {
    match Number::from_f64(f) {
        Some(n) => Value::Number(n),
        None if f.is_nan() => Value::String("NaN".to_owned()),
        None if f > 0.0 => Value::String("Infinity".to_owned()),
        None => Value::String("-Infinity".to_owned()),
    }
}

/// An integer of any WIT width, before its range is checked: a JSON integer, a number with no
/// fraction (`3.0`, `1e3`) up to [`MAX_SAFE_INTEGER`], or for the 64-bit types a decimal string.
fn integer(value: &Value, path: &str, wit: &str) -> Result<i128, TypeError> {
    let wide = matches!(wit, "u64" | "s64");
    let expected = if wide {
        format!("{wit} (an integer, or a decimal string)")
    } else {
        format!("{wit} (an integer)")
    };
    match value {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(i128::from(u));
            }
            if let Some(i) = n.as_i64() {
                return Ok(i128::from(i));
            }
            let f = n.as_f64().unwrap_or(f64::NAN);
            if !f.is_finite() || f.fract() != 0.0 {
                return Err(mismatch(path, &expected, value));
            }
            // A whole number of at most 2^53 - 1: the cast is exact.
            if f.abs() <= MAX_SAFE_INTEGER as f64 {
                return Ok(f as i128);
            }
            Err(TypeError::new(
                path,
                format!(
                    "{n} may have been rounded (a number written with a fraction or an exponent \
                     is exact only up to 2^53 - 1); write it as a plain integer{}",
                    if wide { " or a decimal string" } else { "" }
                ),
            ))
        }
        Value::String(s) if wide => {
            let digits = s.strip_prefix('-').filter(|_| wit == "s64").unwrap_or(s);
            let max_digits = if wit == "u64" { 20 } else { 19 };
            if digits.is_empty()
                || digits.len() > max_digits
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(mismatch(path, &expected, value));
            }
            // At most 20 digits: always fits an i128.
            s.parse::<i128>()
                .map_err(|_| mismatch(path, &expected, value))
        }
        _ => Err(mismatch(path, &expected, value)),
    }
}

/// An integer of a WIT width, or an out-of-range error (never wrapped or clamped).
fn int<T: TryFrom<i128>>(value: &Value, path: &str, wit: &str) -> Result<T, TypeError> {
    let v = integer(value, path, wit)?;
    T::try_from(v).map_err(|_| {
        let (min, max) = range(wit);
        TypeError::new(
            path,
            format!("{v} is out of range for {wit} ({min} to {max})"),
        )
    })
}

/// The range of an integer WIT type, for messages.
fn range(wit: &str) -> (i128, i128) {
    match wit {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" => (0, u64::MAX.into()),
        "s8" => (i8::MIN.into(), i8::MAX.into()),
        "s16" => (i16::MIN.into(), i16::MAX.into()),
        "s32" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    }
}

/// A float: a JSON number, or one of the strings for the values JSON has no number for.
fn float(value: &Value, path: &str, wit: &str) -> Result<f64, TypeError> {
    match value {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| mismatch(path, &format!("{wit} (a number)"), value)),
        Value::String(s) if s == "NaN" => Ok(f64::NAN),
        Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
        _ => Err(mismatch(
            path,
            &format!("{wit} (a number, or \"NaN\", \"Infinity\", \"-Infinity\")"),
            value,
        )),
    }
}

/// The items of an array, of exactly `len` when given.
fn array<'v>(value: &'v Value, path: &str, len: Option<usize>) -> Result<&'v [Value], TypeError> {
    let items = value
        .as_array()
        .ok_or_else(|| mismatch(path, "an array", value))?;
    match len {
        Some(n) if items.len() != n => Err(TypeError::new(
            path,
            format!(
                "expected an array of exactly {n} items, got {}",
                items.len()
            ),
        )),
        _ => Ok(items),
    }
}

/// Every item of a list as `ty`.
fn items(values: &[Value], ty: &Type, path: &str) -> Result<Vec<Val>, TypeError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| to_val(v, ty, &index_path(path, i)))
        .collect()
}

/// A variant's `{"tag": case}` or `{"tag": case, "val": payload}`.
fn tagged<'v>(value: &'v Value, path: &str) -> Result<(&'v str, Option<&'v Value>), TypeError> {
    let expected = "{\"tag\": case} or {\"tag\": case, \"val\": value}";
    let object = value
        .as_object()
        .ok_or_else(|| mismatch(path, expected, value))?;
    if let Some(key) = object.keys().find(|k| *k != "tag" && *k != "val") {
        return Err(TypeError::new(
            &field_path(path, key),
            format!("unknown key; expected {expected}"),
        ));
    }
    let tag = match object.get("tag") {
        Some(Value::String(tag)) => tag,
        Some(other) => return Err(mismatch(&field_path(path, "tag"), "a case name", other)),
        None => {
            return Err(TypeError::new(
                path,
                format!("missing \"tag\"; expected {expected}"),
            ));
        }
    };
    Ok((tag, object.get("val")))
}

/// The members of an object as named values, in declaration order: an unknown name is an
/// error, a missing `option`-typed one is `none`, any other missing one is an error.
fn named(
    object: &Map<String, Value>,
    fields: impl Iterator<Item = (String, Type)>,
    path: &str,
    noun: &str,
) -> Result<Vec<(String, Val)>, TypeError> {
    let fields: Vec<(String, Type)> = fields.collect();
    // An unknown name first: it is often the misspelling of a missing one.
    if let Some(unknown) = object.keys().find(|k| !fields.iter().any(|(n, _)| n == *k)) {
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        let known = if names.is_empty() {
            format!("there are no {noun}s")
        } else {
            format!("{noun}s are: {}", names.join(", "))
        };
        return Err(TypeError::new(
            &field_path(path, unknown),
            format!("unknown {noun}; {known}"),
        ));
    }
    fields
        .into_iter()
        .map(|(name, ty)| {
            let at = field_path(path, &name);
            let val = match object.get(&name) {
                Some(v) => to_val(v, &ty, &at)?,
                None if matches!(ty, Type::Option(_)) => Val::Option(None),
                None => return Err(TypeError::new(&at, format!("missing required {noun}"))),
            };
            Ok((name, val))
        })
        .collect()
}

/// "expected WHAT, got VALUE".
fn mismatch(path: &str, expected: &str, got: &Value) -> TypeError {
    TypeError::new(path, format!("expected {expected}, got {}", describe(got)))
}

/// A short rendering of a JSON value for a message.
fn describe(value: &Value) -> String {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::String(s) if s.chars().count() <= QUOTE_MAX_CHARS => format!("the string {s:?}"),
        Value::String(s) => {
            let head: String = s.chars().take(QUOTE_MAX_CHARS).collect();
            format!("the string \"{}…\"", head.escape_debug())
        }
        Value::Array(a) => format!("an array of {} items", a.len()),
        Value::Object(_) => "an object".to_owned(),
    }
}
