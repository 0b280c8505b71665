//! JSON Schema (2020-12 vocabulary, no `$schema` key) of WIT types.

use serde_json::{Map, Value, json};
use wasmtime::component::Type;

use super::needs_some_wrapper;

/// What a `u64` or `s64` given as a string must look like (the range is checked on the value).
const U64_PATTERN: &str = "^[0-9]{1,20}$";
const S64_PATTERN: &str = "^-?[0-9]{1,19}$";
/// `f32::MAX` as the shortest decimal that reads back as it, which is what [`super::from_val`]
/// writes (`f64::from(f32::MAX)` is a little below it and would refuse that output).
const F32_MAX_DECIMAL: f64 = 3.402_823_5e38;
/// The strings that stand for the floats JSON has no number for.
const NON_FINITE_PATTERN: &str = "^(NaN|-?Infinity)$";

/// JSON Schema of a WIT type. A type [`super::unsupported`] names gets a schema no value
/// matches (`{"not": {}}`), so the schema stays total.
pub fn schema(ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        Type::U8 => integer(0, u8::MAX),
        Type::U16 => integer(0, u16::MAX),
        Type::U32 => integer(0, u32::MAX),
        Type::S8 => integer(i8::MIN, i8::MAX),
        Type::S16 => integer(i16::MIN, i16::MAX),
        Type::S32 => integer(i32::MIN, i32::MAX),
        // `pattern` applies only to strings and `minimum`/`maximum` only to numbers, so one
        // schema says "an integer in range, or a string of digits".
        Type::U64 => json!({
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": u64::MAX,
            "pattern": U64_PATTERN,
        }),
        Type::S64 => json!({
            "type": ["integer", "string"],
            "minimum": i64::MIN,
            "maximum": i64::MAX,
            "pattern": S64_PATTERN,
        }),
        Type::Float32 => json!({
            "type": ["number", "string"],
            "minimum": -F32_MAX_DECIMAL,
            "maximum": F32_MAX_DECIMAL,
            "pattern": NON_FINITE_PATTERN,
        }),
        Type::Float64 => json!({
            "type": ["number", "string"],
            "pattern": NON_FINITE_PATTERN,
        }),
        // JSON Schema counts string length in Unicode scalar values, as `char` is one.
        Type::Char => json!({ "type": "string", "minLength": 1, "maxLength": 1 }),
        Type::String => json!({ "type": "string" }),
        Type::List(l) => json!({ "type": "array", "items": schema(&l.ty()) }),
        Type::FixedLengthList(l) => json!({
            "type": "array",
            "items": schema(&l.ty()),
            "minItems": l.len(),
            "maxItems": l.len(),
        }),
        Type::Map(m) => json!({
            "type": "array",
            "items": tuple([schema(&m.key()), schema(&m.value())]),
        }),
        Type::Tuple(t) => tuple(t.types().map(|t| schema(&t))),
        Type::Record(r) => object(r.fields().map(|f| (f.name.to_owned(), f.ty))),
        Type::Variant(v) => {
            let cases = v.cases().map(|case| match &case.ty {
                Some(payload) => closed_object(
                    [
                        ("tag", json!({ "const": case.name })),
                        ("val", schema(payload)),
                    ],
                    &["tag", "val"],
                ),
                None => closed_object([("tag", json!({ "const": case.name }))], &["tag"]),
            });
            json!({ "oneOf": cases.collect::<Vec<_>>() })
        }
        Type::Enum(e) => json!({ "type": "string", "enum": e.names().collect::<Vec<_>>() }),
        Type::Option(o) => {
            let inner = o.ty();
            let some = if needs_some_wrapper(&inner) {
                closed_object([("some", schema(&inner))], &["some"])
            } else {
                schema(&inner)
            };
            json!({ "anyOf": [{ "type": "null" }, some] })
        }
        Type::Result(r) => json!({
            "oneOf": [
                closed_object([("ok", payload(r.ok().as_ref()))], &["ok"]),
                closed_object([("err", payload(r.err().as_ref()))], &["err"]),
            ]
        }),
        Type::Flags(f) => json!({
            "type": "array",
            "items": { "type": "string", "enum": f.names().collect::<Vec<_>>() },
            "uniqueItems": true,
        }),
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            let what = super::unsupported(ty).unwrap_or_default();
            json!({ "not": {}, "description": format!("a {what} cannot cross as JSON") })
        }
    }
}

/// Input schema of a function: an object of its parameters by name. A parameter of an `option`
/// type may be left out (it is then `none`), as a record's `option` field may; any other is
/// required, and no other property is allowed.
pub fn params_schema(params: &[(String, Type)]) -> Value {
    object(params.iter().map(|(name, ty)| (name.clone(), ty.clone())))
}

/// Output schema of a function's result: `None` when it returns nothing. A top-level
/// `result<T, E>` is the schema of `T` alone (`{"type": "null"}` without a `T`): the host turns
/// `err` into a tool error carrying `E` (see [`super::result_to_json`]).
pub fn result_schema(result: Option<&Type>) -> Option<Value> {
    Some(match result? {
        Type::Result(r) => payload(r.ok().as_ref()),
        ty => schema(ty),
    })
}

fn integer<T: Into<i64>>(min: T, max: T) -> Value {
    json!({ "type": "integer", "minimum": min.into(), "maximum": max.into() })
}

/// A result case's payload: absent is `null`.
fn payload(ty: Option<&Type>) -> Value {
    ty.map_or_else(|| json!({ "type": "null" }), schema)
}

/// An array of exactly these items, in order.
fn tuple(items: impl IntoIterator<Item = Value>) -> Value {
    let items: Vec<Value> = items.into_iter().collect();
    let n = items.len();
    json!({ "type": "array", "prefixItems": items, "minItems": n, "maxItems": n })
}

/// A record or a parameter list: every named property, required unless `option`-typed.
fn object(fields: impl Iterator<Item = (String, Type)>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, ty) in fields {
        if !matches!(ty, Type::Option(_)) {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, schema(&ty));
    }
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// An object with exactly these properties, the `required` ones required.
fn closed_object<'a>(
    properties: impl IntoIterator<Item = (&'a str, Value)>,
    required: &[&str],
) -> Value {
    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}
