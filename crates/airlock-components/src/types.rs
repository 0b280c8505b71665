//! WIT types as JSON Schema, and JSON values as WIT values and back.
//!
//! A script passes and gets back plain JSON; this module is the one place that decides how each
//! WIT type looks as JSON ([`schema`]), turns a call's arguments into WIT values ([`to_val`],
//! [`args_to_vals`]) and a WIT result back into JSON ([`from_val`], [`result_to_json`]). The
//! shapes, in short (`docs/components-types.md` has the full table):
//!
//! | WIT | JSON |
//! |-----|------|
//! | `bool`, `string`, `char` | boolean, string, one-character string |
//! | `u8`..`u32`, `s8`..`s32` | integer within the type's range (`3.0` is accepted as `3`) |
//! | `u64`, `s64` | integer; beyond ±(2^53 - 1) a decimal string (both are accepted) |
//! | `f32`, `f64` | number, or `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `list<T>`, `list<T, N>`, `tuple<..>` | array (exact length for the last two) |
//! | `map<K, V>` | array of `[key, value]` pairs |
//! | `record` | object of its fields (kebab-case names); `option` fields may be left out |
//! | `variant` | `{"tag": case}` or `{"tag": case, "val": payload}` |
//! | `enum` | string |
//! | `flags` | array of the names that are set |
//! | `option<T>` | `null` or the value; `option<option<T>>`: `null` or `{"some": ..}` |
//! | `result<T, E>` | `{"ok": ..}` or `{"err": ..}` (a missing payload is `null`) |
//! | resources, `future`, `stream`, `error-context` | not offered ([`unsupported`]) |
//!
//! A value that does not fit is a [`TypeError`] naming where it is; nothing is wrapped, clamped or
//! rounded to make it fit (beyond the nearest-float rounding any decimal number goes through).

mod schema;
mod signature;
mod value;

#[cfg(test)]
mod tests;

use std::fmt;

use wasmtime::component::Type;

pub use schema::{params_schema, result_schema, schema};
pub use signature::signature;
pub use value::{args_to_vals, from_val, result_to_json, to_val};

/// The largest integer a JavaScript number holds without ambiguity (`Number.MAX_SAFE_INTEGER`,
/// 2^53 - 1). A `u64` or `s64` beyond it crosses as a decimal string so a script never sees it
/// rounded, and an integer written with a fraction or an exponent beyond it is refused because
/// the JSON parser may already have rounded it.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a JSON value does not fit a WIT type: where (a dotted path like `query.by-sku` or
/// `items[2].quantity`, empty for the arguments object itself) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub path: String,
    pub message: String,
}

impl TypeError {
    pub(crate) fn new(path: &str, message: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "arguments: {}", self.message)
        } else {
            write!(f, "argument {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for TypeError {}

/// The first part of `ty` the host cannot offer as JSON, named (`"resource handle own<..>"`,
/// `"future<..>"`, ...); `None` when the whole type maps.
///
/// Resource handles only mean something inside one instance's tables, and futures, streams and
/// error contexts are live objects of a running call: none of them has a JSON form. wasmtime
/// does not expose a resource's WIT name, so the handle is named by its kind.
pub fn unsupported(ty: &Type) -> Option<String> {
    match ty {
        Type::Bool
        | Type::S8
        | Type::U8
        | Type::S16
        | Type::U16
        | Type::S32
        | Type::U32
        | Type::S64
        | Type::U64
        | Type::Float32
        | Type::Float64
        | Type::Char
        | Type::String
        | Type::Enum(_)
        | Type::Flags(_) => None,
        Type::List(l) => unsupported(&l.ty()),
        Type::FixedLengthList(l) => unsupported(&l.ty()),
        Type::Map(m) => unsupported(&m.key()).or_else(|| unsupported(&m.value())),
        Type::Option(o) => unsupported(&o.ty()),
        Type::Tuple(t) => t.types().find_map(|t| unsupported(&t)),
        Type::Record(r) => r.fields().find_map(|f| unsupported(&f.ty)),
        Type::Variant(v) => v.cases().find_map(|c| c.ty.as_ref().and_then(unsupported)),
        Type::Result(r) => r
            .ok()
            .and_then(|t| unsupported(&t))
            .or_else(|| r.err().and_then(|t| unsupported(&t))),
        Type::Own(_) => Some("resource handle own<..>".to_owned()),
        Type::Borrow(_) => Some("resource handle borrow<..>".to_owned()),
        Type::Future(_) => Some("future<..>".to_owned()),
        Type::Stream(_) => Some("stream<..>".to_owned()),
        Type::ErrorContext => Some("error-context".to_owned()),
    }
}

/// `parent.name`, or `name` at the top.
fn field_path(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// `parent[index]`.
fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Whether `option<ty>` must wrap its payload as `{"some": ..}`: when the payload's own JSON can
/// be `null` (only an option's can), a bare `null` would not say which level is absent.
fn needs_some_wrapper(ty: &Type) -> bool {
    matches!(ty, Type::Option(_))
}
