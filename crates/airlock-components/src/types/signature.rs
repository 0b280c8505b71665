//! A WIT-like signature of a function, for generated tool descriptions.

use std::fmt::Write;

use wasmtime::component::Type;

/// How long a signature may grow before nested records, variants, enums and flags are shown as
/// `record { … }`: the signature goes into a tool description a model reads on every turn, and
/// the full types are in the schemas anyway.
const SIGNATURE_MAX_CHARS: usize = 240;

/// How deep into records and variants a signature spells out members, tried in turn until one
/// fits [`SIGNATURE_MAX_CHARS`].
const DETAIL_LEVELS: [usize; 3] = [2, 1, 0];

/// A WIT-like signature, e.g. `func(query: record { sku: string }, limit: option<u32>) ->
/// list<item-record>`. wasmtime does not expose the names of records, variants, enums or flags,
/// so they are written structurally; when that is too long, the inner ones collapse to
/// `record { … }`.
pub fn signature(params: &[(String, Type)], result: Option<&Type>) -> String {
    let mut out = String::new();
    for detail in DETAIL_LEVELS {
        out = render(params, result, detail);
        if out.chars().count() <= SIGNATURE_MAX_CHARS {
            break;
        }
    }
    out
}

fn render(params: &[(String, Type)], result: Option<&Type>, detail: usize) -> String {
    let mut out = String::from("func(");
    for (i, (name, ty)) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push_str(": ");
        write_type(&mut out, ty, detail);
    }
    out.push(')');
    if let Some(ty) = result {
        out.push_str(" -> ");
        write_type(&mut out, ty, detail);
    }
    out
}

/// Writes `ty`, spelling out the members of records, variants, enums and flags `detail` levels
/// deep; wrappers (`list`, `option`, `result`, `tuple`, ...) do not use up a level.
fn write_type(out: &mut String, ty: &Type, detail: usize) {
    if let Some(name) = simple_name(ty) {
        out.push_str(name);
        return;
    }
    match ty {
        Type::List(l) => generic(out, "list", &[l.ty()], detail),
        Type::FixedLengthList(l) => {
            out.push_str("list<");
            write_type(out, &l.ty(), detail);
            let _ = write!(out, ", {}>", l.len());
        }
        Type::Map(m) => generic(out, "map", &[m.key(), m.value()], detail),
        Type::Option(o) => generic(out, "option", &[o.ty()], detail),
        Type::Tuple(t) => generic(out, "tuple", &t.types().collect::<Vec<_>>(), detail),
        Type::Future(f) => generic(
            out,
            "future",
            &f.ty().into_iter().collect::<Vec<_>>(),
            detail,
        ),
        Type::Stream(s) => generic(
            out,
            "stream",
            &s.ty().into_iter().collect::<Vec<_>>(),
            detail,
        ),
        Type::Result(r) => match (r.ok(), r.err()) {
            (None, None) => out.push_str("result"),
            (Some(ok), None) => generic(out, "result", &[ok], detail),
            (ok, Some(err)) => {
                out.push_str("result<");
                match ok {
                    Some(ok) => write_type(out, &ok, detail),
                    None => out.push('_'),
                }
                out.push_str(", ");
                write_type(out, &err, detail);
                out.push('>');
            }
        },
        Type::Record(r) => members(out, "record", detail, r.fields(), |out, f, d| {
            out.push_str(f.name);
            out.push_str(": ");
            write_type(out, &f.ty, d);
        }),
        Type::Variant(v) => members(out, "variant", detail, v.cases(), |out, c, d| {
            out.push_str(c.name);
            if let Some(ty) = &c.ty {
                out.push('(');
                write_type(out, ty, d);
                out.push(')');
            }
        }),
        Type::Enum(e) => members(out, "enum", detail, e.names(), |out, n, _| out.push_str(n)),
        Type::Flags(f) => members(out, "flags", detail, f.names(), |out, n, _| out.push_str(n)),
        _ => {}
    }
}

/// `name<a, b>` (`name` alone without parameters).
fn generic(out: &mut String, name: &str, params: &[Type], detail: usize) {
    out.push_str(name);
    if params.is_empty() {
        return;
    }
    out.push('<');
    for (i, ty) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_type(out, ty, detail);
    }
    out.push('>');
}

/// `kind { a, b }`, or `kind { … }` when out of detail.
fn members<T>(
    out: &mut String,
    kind: &str,
    detail: usize,
    items: impl Iterator<Item = T>,
    mut write_item: impl FnMut(&mut String, T, usize),
) {
    out.push_str(kind);
    if detail == 0 {
        out.push_str(" { … }");
        return;
    }
    out.push_str(" { ");
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_item(out, item, detail - 1);
    }
    out.push_str(" }");
}

/// The WIT name of a type with no parameters or members.
fn simple_name(ty: &Type) -> Option<&'static str> {
    Some(match ty {
        Type::Bool => "bool",
        Type::S8 => "s8",
        Type::U8 => "u8",
        Type::S16 => "s16",
        Type::U16 => "u16",
        Type::S32 => "s32",
        Type::U32 => "u32",
        Type::S64 => "s64",
        Type::U64 => "u64",
        Type::Float32 => "f32",
        Type::Float64 => "f64",
        Type::Char => "char",
        Type::String => "string",
        Type::ErrorContext => "error-context",
        Type::Own(_) => "own<resource>",
        Type::Borrow(_) => "borrow<resource>",
        _ => return None,
    })
}
