//! Type by type: the schema's shape, JSON -> Val -> JSON round trips, every refusal, and that
//! each schema is valid 2020-12 and accepts what `from_val` produces.

mod kit;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Value, json};
use wasmtime::component::{Type, Val};

use super::*;
use kit::Func;

/// One function per WIT type (`f-<type>: func(v: T) -> T`), plus a few shaped like real tools.
const FIXTURE: &str = r#"
    record point { x: s32, y: s32 }
    record item { sku: string, quantity: u32, note: option<string> }
    variant shape { circle(f64), square(point), empty }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    resource thing;

    f-bool: func(v: bool) -> bool;
    f-u8: func(v: u8) -> u8;
    f-u16: func(v: u16) -> u16;
    f-u32: func(v: u32) -> u32;
    f-u64: func(v: u64) -> u64;
    f-s8: func(v: s8) -> s8;
    f-s16: func(v: s16) -> s16;
    f-s32: func(v: s32) -> s32;
    f-s64: func(v: s64) -> s64;
    f-f32: func(v: f32) -> f32;
    f-f64: func(v: f64) -> f64;
    f-char: func(v: char) -> char;
    f-string: func(v: string) -> string;
    f-list: func(v: list<u32>) -> list<u32>;
    f-bytes: func(v: list<u8>) -> list<u8>;
    f-fixed: func(v: list<u16, 3>) -> list<u16, 3>;
    f-map: func(v: map<string, u32>) -> map<string, u32>;
    f-tuple: func(v: tuple<string, u8, bool>) -> tuple<string, u8, bool>;
    f-record: func(v: item) -> item;
    f-point: func(v: point) -> point;
    f-variant: func(v: shape) -> shape;
    f-enum: func(v: color) -> color;
    f-flags: func(v: perms) -> perms;
    f-option: func(v: option<u32>) -> option<u32>;
    f-option2: func(v: option<option<u32>>) -> option<option<u32>>;
    f-result: func(v: result<u32, string>) -> result<u32, string>;
    f-result-err: func(v: result<_, string>) -> result<_, string>;
    f-result-bare: func(v: result) -> result;
    f-nested: func(v: list<result<option<point>, color>>) -> list<result<option<point>, color>>;

    nothing: func();
    lookup: func(query: item, limit: option<u32>) -> list<item>;
    own-thing: func(v: thing);
    borrow-thing: func(v: borrow<thing>);
    deep-thing: func(v: list<option<tuple<u8, thing>>>);
    fut: func(v: future<u32>);
    strm: func(v: stream<u8>);
    err-ctx: func(v: error-context);
"#;

fn fixture() -> &'static BTreeMap<String, Func> {
    static FUNCS: OnceLock<BTreeMap<String, Func>> = OnceLock::new();
    FUNCS.get_or_init(|| kit::funcs(FIXTURE))
}

fn func(name: &str) -> &'static Func {
    fixture()
        .get(name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// The parameter type of `f-<name>`.
fn ty(name: &str) -> Type {
    func(&format!("f-{name}")).param().clone()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
        panic!("not a valid 2020-12 schema: {e}\n{schema:#}");
    }
    jsonschema::draft202012::new(schema).expect("schema compiles")
}

/// `json` crosses into WIT and back unchanged, and the schema accepts it.
#[track_caller]
fn round_trip(ty: &Type, json: Value) -> Val {
    let val = to_val(&json, ty, "v").unwrap_or_else(|e| panic!("{json} refused: {e}"));
    assert_eq!(from_val(&val), json, "round trip of {json}");
    assert!(
        validator(&schema(ty)).is_valid(&json),
        "schema refuses {json}"
    );
    val
}

/// `json` is refused at `path` with a message containing `needle`, and the schema refuses it too.
#[track_caller]
fn refused(ty: &Type, json: Value, path: &str, needle: &str) {
    let err = to_val(&json, ty, "v").expect_err(&format!("{json} should be refused"));
    assert_eq!(err.path, path, "path of {err}");
    assert!(err.message.contains(needle), "{err:?} lacks {needle:?}");
    assert!(
        !validator(&schema(ty)).is_valid(&json),
        "schema accepts {json} that to_val refuses"
    );
}

#[test]
fn bool_is_a_boolean() {
    assert_eq!(schema(&ty("bool")), json!({ "type": "boolean" }));
    round_trip(&ty("bool"), json!(true));
    refused(&ty("bool"), json!(1), "v", "expected a boolean, got 1");
}

#[test]
fn small_integers_have_exact_bounds() {
    for (name, min, max) in [
        ("u8", json!(0), json!(255)),
        ("u16", json!(0), json!(65535)),
        ("u32", json!(0), json!(4_294_967_295_u32)),
        ("s8", json!(-128), json!(127)),
        ("s16", json!(-32768), json!(32767)),
        ("s32", json!(-2_147_483_648_i32), json!(2_147_483_647)),
    ] {
        let t = ty(name);
        assert_eq!(
            schema(&t),
            json!({ "type": "integer", "minimum": min, "maximum": max })
        );
        round_trip(&t, min.clone());
        round_trip(&t, max.clone());
        let above = json!(max.as_i64().expect("int") + 1);
        refused(&t, above, "v", &format!("out of range for {name}"));
        let below = json!(min.as_i64().expect("int") - 1);
        refused(&t, below, "v", &format!("out of range for {name}"));
        refused(&t, json!(1.5), "v", "an integer");
        refused(&t, json!("1"), "v", "an integer");
        refused(&t, json!(null), "v", "got null");
    }
    // Never wrapped: 256 is not 0, -1 is not 255.
    assert!(to_val(&json!(256), &ty("u8"), "v").is_err());
    assert!(to_val(&json!(-1), &ty("u8"), "v").is_err());
}

#[test]
fn a_whole_float_is_an_integer() {
    let val = to_val(&json!(3.0), &ty("u8"), "v").expect("3.0 fits u8");
    assert!(matches!(val, Val::U8(3)));
    let val = to_val(&json!(1e3), &ty("s32"), "v").expect("1e3 fits s32");
    assert!(matches!(val, Val::S32(1000)));
    assert!(validator(&schema(&ty("u8"))).is_valid(&json!(3.0)));
}

#[test]
fn u64_and_s64_cross_exactly_beyond_2_pow_53() {
    let (u, s) = (ty("u64"), ty("s64"));
    assert_eq!(
        schema(&u),
        json!({
            "type": ["integer", "string"],
            "minimum": 0,
            "maximum": u64::MAX,
            "pattern": "^[0-9]{1,20}$",
        })
    );
    // Up to 2^53 - 1 a number, beyond it a string.
    round_trip(&u, json!(MAX_SAFE_INTEGER));
    round_trip(&u, json!((MAX_SAFE_INTEGER + 1).to_string()));
    assert!(matches!(
        round_trip(&u, json!("18446744073709551615")),
        Val::U64(u64::MAX)
    ));
    assert!(matches!(
        round_trip(&s, json!("-9223372036854775808")),
        Val::S64(i64::MIN)
    ));
    round_trip(&s, json!(-(MAX_SAFE_INTEGER as i64)));
    round_trip(&s, json!("9223372036854775807"));
    // A JSON integer is exact at any size; a string is accepted at any size too.
    assert_eq!(
        from_val(&to_val(&json!(u64::MAX), &u, "v").expect("u64::MAX")),
        json!("18446744073709551615")
    );
    assert!(matches!(to_val(&json!("7"), &u, "v"), Ok(Val::U64(7))));
    assert!(matches!(
        to_val(&json!(i64::MIN), &s, "v"),
        Ok(Val::S64(i64::MIN))
    ));

    refused(&u, json!(-1), "v", "out of range for u64");
    refused(&u, json!("-1"), "v", "a decimal string");
    // In range for the pattern, out of range for the type: only the host can tell.
    let err = to_val(&json!("18446744073709551616"), &u, "v").expect_err("u64::MAX + 1");
    assert!(err.message.contains("out of range for u64"), "{err}");
    let err = to_val(&json!("9223372036854775808"), &s, "v").expect_err("i64::MAX + 1");
    assert!(err.message.contains("out of range for s64"), "{err}");
    refused(&u, json!("12x"), "v", "a decimal string");
    refused(&u, json!(""), "v", "a decimal string");
    refused(&u, json!(1.5), "v", "an integer");
    // 2^53 + 1 written with an exponent has already been rounded by the parser: refused.
    let err = to_val(&json!(1e17), &u, "v").expect_err("rounded float");
    assert!(err.message.contains("may have been rounded"), "{err}");
}

#[test]
fn floats_carry_nan_and_infinities_as_strings() {
    let (f, d) = (ty("f32"), ty("f64"));
    assert_eq!(
        schema(&d),
        json!({ "type": ["number", "string"], "pattern": "^(NaN|-?Infinity)$" })
    );
    assert_eq!(schema(&f)["maximum"], json!(3.402_823_5e38));
    for t in [&f, &d] {
        round_trip(t, json!(1.5));
        round_trip(t, json!(-0.25));
        round_trip(t, json!("Infinity"));
        round_trip(t, json!("-Infinity"));
        let nan = round_trip(t, json!("NaN"));
        assert!(
            matches!(nan, Val::Float32(x) if x.is_nan())
                || matches!(nan, Val::Float64(x) if x.is_nan())
        );
        refused(t, json!("nan"), "v", "\"NaN\"");
        refused(t, json!(true), "v", "a number");
    }
    // f32 comes back as its shortest decimal, not the f64 widening of it.
    round_trip(&f, json!(0.1));
    round_trip(&d, json!(0.1));
    round_trip(&d, json!(1e300));
    refused(&f, json!(1e39), "v", "out of range for f32");
    assert_eq!(from_val(&Val::Float64(f64::NAN)), json!("NaN"));
    assert_eq!(
        from_val(&Val::Float32(f32::NEG_INFINITY)),
        json!("-Infinity")
    );
    // An integer given for a float is fine.
    assert!(matches!(to_val(&json!(3), &d, "v"), Ok(Val::Float64(x)) if x == 3.0));
}

#[test]
fn char_is_one_unicode_scalar() {
    let c = ty("char");
    assert_eq!(
        schema(&c),
        json!({ "type": "string", "minLength": 1, "maxLength": 1 })
    );
    round_trip(&c, json!("x"));
    round_trip(&c, json!("🦀"));
    refused(&c, json!(""), "v", "exactly one character");
    refused(&c, json!("ab"), "v", "exactly one character");
    refused(&c, json!(7), "v", "one-character string");
}

#[test]
fn string_is_a_string() {
    round_trip(&ty("string"), json!("héllo"));
    refused(&ty("string"), json!(["a"]), "v", "got an array of 1 items");
}

#[test]
fn lists_are_arrays_and_bytes_too() {
    let l = ty("list");
    assert_eq!(
        schema(&l),
        json!({ "type": "array", "items": { "type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32 } })
    );
    round_trip(&l, json!([]));
    round_trip(&l, json!([1, 2, 3]));
    refused(&l, json!([1, -2]), "v[1]", "out of range for u32");
    refused(&l, json!({}), "v", "an array");
    let b = ty("bytes");
    round_trip(&b, json!([0, 255, 7]));
    refused(&b, json!("AAEC"), "v", "an array");
    refused(&b, json!([256]), "v[0]", "out of range for u8");
}

#[test]
fn fixed_length_lists_have_an_exact_length() {
    let f = ty("fixed");
    assert_eq!(schema(&f)["minItems"], json!(3));
    assert_eq!(schema(&f)["maxItems"], json!(3));
    assert!(matches!(round_trip(&f, json!([1, 2, 3])), Val::FixedLengthList(v) if v.len() == 3));
    refused(&f, json!([1, 2]), "v", "exactly 3 items, got 2");
    refused(&f, json!([1, 2, 3, 4]), "v", "exactly 3 items, got 4");
}

#[test]
fn maps_are_arrays_of_pairs() {
    let m = ty("map");
    round_trip(&m, json!([]));
    round_trip(&m, json!([["a", 1], ["b", 2]]));
    refused(&m, json!({ "a": 1 }), "v", "an array");
    refused(&m, json!([["a"]]), "v[0]", "exactly 2 items");
    refused(&m, json!([["a", "x"]]), "v[0][1]", "u32");
}

#[test]
fn tuples_have_prefix_items_and_an_exact_length() {
    let t = ty("tuple");
    assert_eq!(
        schema(&t),
        json!({
            "type": "array",
            "prefixItems": [
                { "type": "string" },
                { "type": "integer", "minimum": 0, "maximum": 255 },
                { "type": "boolean" },
            ],
            "minItems": 3,
            "maxItems": 3,
        })
    );
    round_trip(&t, json!(["a", 1, false]));
    refused(&t, json!(["a", 1]), "v", "exactly 3 items");
    refused(&t, json!(["a", 1, "no"]), "v[2]", "a boolean");
}

#[test]
fn records_are_closed_objects_with_optional_option_fields() {
    let r = ty("record");
    assert_eq!(
        schema(&r),
        json!({
            "type": "object",
            "properties": {
                "sku": { "type": "string" },
                "quantity": { "type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32 },
                "note": { "anyOf": [{ "type": "null" }, { "type": "string" }] },
            },
            "required": ["sku", "quantity"],
            "additionalProperties": false,
        })
    );
    round_trip(&r, json!({ "sku": "A-1", "quantity": 2, "note": "gift" }));
    round_trip(&r, json!({ "sku": "A-1", "quantity": 2, "note": null }));
    // A left-out option field is none, and comes back as null.
    let val = to_val(&json!({ "sku": "A-1", "quantity": 2 }), &r, "v").expect("note is optional");
    assert_eq!(
        from_val(&val),
        json!({ "sku": "A-1", "quantity": 2, "note": null })
    );
    refused(
        &r,
        json!({ "sku": "A-1" }),
        "v.quantity",
        "missing required field",
    );
    refused(
        &r,
        json!({ "sku": "A-1", "quantity": 2, "qty": 1 }),
        "v.qty",
        "unknown field; fields are: sku, quantity, note",
    );
    refused(
        &r,
        json!({ "sku": "A-1", "quantity": 2.5 }),
        "v.quantity",
        "an integer",
    );
    refused(&r, json!([]), "v", "an object");
}

#[test]
fn variants_are_tag_and_val() {
    let v = ty("variant");
    let s = schema(&v);
    assert_eq!(s["oneOf"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        s["oneOf"][2],
        json!({
            "type": "object",
            "properties": { "tag": { "const": "empty" } },
            "required": ["tag"],
            "additionalProperties": false,
        })
    );
    round_trip(&v, json!({ "tag": "circle", "val": 2.5 }));
    round_trip(&v, json!({ "tag": "square", "val": { "x": 1, "y": -1 } }));
    round_trip(&v, json!({ "tag": "empty" }));
    refused(
        &v,
        json!({ "tag": "hexagon" }),
        "v.tag",
        "unknown case \"hexagon\"; cases are: circle, square, empty",
    );
    refused(&v, json!({ "tag": "circle" }), "v.val", "missing \"val\"");
    refused(
        &v,
        json!({ "tag": "empty", "val": 1 }),
        "v.val",
        "carries no value",
    );
    refused(
        &v,
        json!({ "tag": "circle", "val": 1, "x": 0 }),
        "v.x",
        "unknown key",
    );
    refused(&v, json!({ "val": 1 }), "v", "missing \"tag\"");
    refused(&v, json!("empty"), "v", "expected {\"tag\": case}");
    refused(
        &v,
        json!({ "tag": "square", "val": { "x": 1 } }),
        "v.val.y",
        "missing required field",
    );
}

#[test]
fn enums_are_strings() {
    let e = ty("enum");
    assert_eq!(
        schema(&e),
        json!({ "type": "string", "enum": ["red", "green", "blue"] })
    );
    round_trip(&e, json!("green"));
    refused(
        &e,
        json!("purple"),
        "v",
        "unknown value \"purple\"; values are: red, green, blue",
    );
    refused(&e, json!(0), "v", "a string");
}

#[test]
fn flags_are_arrays_of_names() {
    let f = ty("flags");
    assert_eq!(
        schema(&f),
        json!({
            "type": "array",
            "items": { "type": "string", "enum": ["read", "write", "exec"] },
            "uniqueItems": true,
        })
    );
    round_trip(&f, json!([]));
    round_trip(&f, json!(["read", "exec"]));
    // Given in any order, returned in declaration order.
    let val = to_val(&json!(["exec", "read"]), &f, "v").expect("flags");
    assert_eq!(from_val(&val), json!(["read", "exec"]));
    refused(&f, json!(["read", "fly"]), "v[1]", "unknown flag \"fly\"");
    refused(&f, json!(["read", "read"]), "v[1]", "given twice");
    refused(&f, json!({ "read": true }), "v", "an array");
}

#[test]
fn options_are_null_or_the_value() {
    let o = ty("option");
    assert_eq!(
        schema(&o),
        json!({ "anyOf": [{ "type": "null" }, { "type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32 }] })
    );
    assert!(matches!(round_trip(&o, json!(null)), Val::Option(None)));
    assert!(matches!(round_trip(&o, json!(4)), Val::Option(Some(_))));
    refused(&o, json!("4"), "v", "u32");
}

#[test]
fn nested_options_wrap_the_inner_level_in_some() {
    let o = ty("option2");
    assert!(matches!(round_trip(&o, json!(null)), Val::Option(None)));
    let some_none = round_trip(&o, json!({ "some": null }));
    assert!(matches!(&some_none, Val::Option(Some(inner)) if matches!(**inner, Val::Option(None))));
    round_trip(&o, json!({ "some": 5 }));
    refused(&o, json!(5), "v", "null or {\"some\": value}");
    refused(
        &o,
        json!({ "some": 5, "x": 1 }),
        "v",
        "null or {\"some\": value}",
    );
    refused(&o, json!({ "some": -5 }), "v.some", "out of range for u32");
}

#[test]
fn nested_results_are_ok_or_err_objects() {
    let r = ty("result");
    round_trip(&r, json!({ "ok": 1 }));
    round_trip(&r, json!({ "err": "boom" }));
    refused(
        &r,
        json!({ "ok": 1, "err": "x" }),
        "v",
        "{\"ok\": value} or {\"err\": value}",
    );
    refused(
        &r,
        json!({ "fine": 1 }),
        "v",
        "{\"ok\": value} or {\"err\": value}",
    );
    refused(&r, json!({ "err": 1 }), "v.err", "a string");
    let unit = ty("result-err");
    round_trip(&unit, json!({ "ok": null }));
    round_trip(&unit, json!({ "err": "no" }));
    refused(
        &unit,
        json!({ "ok": 1 }),
        "v.ok",
        "null (this case carries no value)",
    );
    let bare = ty("result-bare");
    round_trip(&bare, json!({ "ok": null }));
    round_trip(&bare, json!({ "err": null }));
}

#[test]
fn nested_types_report_deep_paths() {
    let n = ty("nested");
    round_trip(
        &n,
        json!([{ "ok": { "x": 1, "y": 2 } }, { "ok": null }, { "err": "red" }]),
    );
    refused(
        &n,
        json!([{ "ok": null }, { "ok": { "x": 1, "y": "2" } }]),
        "v[1].ok.y",
        "s32",
    );
}

#[test]
fn params_schema_is_a_closed_object_of_named_params() {
    let f = func("lookup");
    let s = params_schema(&f.params);
    assert_eq!(s["required"], json!(["query"]));
    assert_eq!(s["additionalProperties"], json!(false));
    assert_eq!(s["properties"]["query"], schema(&f.params[0].1));
    validator(&s);
    assert_eq!(
        params_schema(&func("nothing").params),
        json!({ "type": "object", "properties": {}, "required": [], "additionalProperties": false })
    );
}

#[test]
fn args_become_params_in_order() {
    let f = func("lookup");
    let args = json!({ "limit": 3, "query": { "sku": "A", "quantity": 1 } });
    let vals = args_to_vals(&args, &f.params).expect("args");
    assert_eq!(vals.len(), 2);
    assert!(matches!(&vals[0], Val::Record(_)));
    assert!(matches!(&vals[1], Val::Option(Some(v)) if matches!(**v, Val::U32(3))));
    // A left-out option parameter is none.
    let vals = args_to_vals(
        &json!({ "query": { "sku": "A", "quantity": 1 } }),
        &f.params,
    )
    .expect("limit is optional");
    assert!(matches!(&vals[1], Val::Option(None)));

    let err = args_to_vals(&json!({ "limit": 3 }), &f.params).expect_err("query is required");
    assert_eq!(
        err.to_string(),
        "argument query: missing required parameter"
    );
    let err = args_to_vals(
        &json!({ "query": { "sku": "A", "quantity": 1 }, "max": 1 }),
        &f.params,
    )
    .expect_err("unknown parameter");
    assert_eq!(
        err.to_string(),
        "argument max: unknown parameter; parameters are: query, limit"
    );
    let err = args_to_vals(&json!({ "query": { "sku": 1, "quantity": 1 } }), &f.params)
        .expect_err("sku is a string");
    assert_eq!(
        err.to_string(),
        "argument query.sku: expected a string, got 1"
    );
    let err = args_to_vals(&json!([1]), &f.params).expect_err("not an object");
    assert_eq!(
        err.to_string(),
        "arguments: expected an object of named arguments, got an array of 1 items"
    );
    // A function without parameters takes `{}` or null, and nothing else.
    let none = &func("nothing").params;
    assert!(args_to_vals(&json!({}), none).expect("{}").is_empty());
    assert!(args_to_vals(&json!(null), none).expect("null").is_empty());
    let err = args_to_vals(&json!({ "x": 1 }), none).expect_err("no parameters");
    assert_eq!(err.message, "unknown parameter; there are no parameters");
}

#[test]
fn result_schema_unwraps_a_top_level_result() {
    assert_eq!(result_schema(None), None);
    assert_eq!(result_schema(func("nothing").result.as_ref()), None);
    let r = func("f-result").result();
    assert_eq!(
        result_schema(Some(r)),
        Some(json!({ "type": "integer", "minimum": 0, "maximum": 4_294_967_295_u32 }))
    );
    assert_eq!(
        result_schema(Some(func("f-result-err").result())),
        Some(json!({ "type": "null" }))
    );
    assert_eq!(
        result_schema(Some(func("f-result-bare").result())),
        Some(json!({ "type": "null" }))
    );
    let l = func("lookup").result();
    assert_eq!(result_schema(Some(l)), Some(schema(l)));
    // Nested results keep their ok/err shape.
    assert_eq!(
        result_schema(Some(func("f-nested").result())),
        Some(schema(func("f-nested").result()))
    );

    let ok = Val::Result(Ok(Some(Box::new(Val::U32(7)))));
    assert_eq!(result_to_json(&ok), Ok(json!(7)));
    let err = Val::Result(Err(Some(Box::new(Val::String("no".into())))));
    assert_eq!(result_to_json(&err), Err(json!("no")));
    assert_eq!(result_to_json(&Val::Result(Ok(None))), Ok(json!(null)));
    assert_eq!(result_to_json(&Val::Result(Err(None))), Err(json!(null)));
    assert_eq!(result_to_json(&Val::U8(1)), Ok(json!(1)));
}

#[test]
fn resources_futures_streams_and_error_contexts_are_unsupported() {
    for (name, what, value, path) in [
        ("own-thing", "resource handle own<..>", json!(1), "v"),
        ("borrow-thing", "resource handle borrow<..>", json!(1), "v"),
        (
            "deep-thing",
            "resource handle own<..>",
            json!([[1, 2]]),
            "v[0][1]",
        ),
        ("fut", "future<..>", json!(1), "v"),
        ("strm", "stream<..>", json!(1), "v"),
        ("err-ctx", "error-context", json!(1), "v"),
    ] {
        let t = func(name).param();
        assert_eq!(unsupported(t).as_deref(), Some(what), "{name}");
        let err = to_val(&value, t, "v").expect_err("cannot pass");
        assert_eq!(err.path, path);
        assert!(err.message.contains("cannot be passed as JSON"), "{err}");
        validator(&schema(t));
    }
    for (name, f) in fixture() {
        if name.starts_with("f-") || name == "lookup" || name == "nothing" {
            for (_, t) in &f.params {
                assert_eq!(unsupported(t), None, "{name}");
            }
        }
    }
}

#[test]
fn every_schema_is_valid_2020_12() {
    for (name, f) in fixture() {
        validator(&params_schema(&f.params));
        if let Some(s) = result_schema(f.result.as_ref()) {
            validator(&s);
        }
        for (_, t) in &f.params {
            assert!(
                !schema(t)
                    .as_object()
                    .is_some_and(|o| o.contains_key("$schema")),
                "{name}"
            );
        }
    }
}

#[test]
fn signatures_read_like_wit() {
    let f = func("lookup");
    assert_eq!(
        signature(&f.params, f.result.as_ref()),
        "func(query: record { sku: string, quantity: u32, note: option<string> }, limit: option<u32>) -> list<record { sku: string, quantity: u32, note: option<string> }>"
    );
    let f = func("nothing");
    assert_eq!(signature(&f.params, f.result.as_ref()), "func()");
    let f = func("f-result-err");
    assert_eq!(
        signature(&f.params, f.result.as_ref()),
        "func(v: result<_, string>) -> result<_, string>"
    );
    let f = func("f-variant");
    assert_eq!(
        signature(&f.params, None),
        "func(v: variant { circle(f64), square(record { x: s32, y: s32 }), empty })"
    );
    for name in ["f-fixed", "f-map", "f-flags", "own-thing", "fut"] {
        let f = func(name);
        let sig = signature(&f.params, f.result.as_ref());
        assert!(sig.starts_with("func(v: "), "{sig}");
    }
    assert_eq!(
        signature(&func("f-fixed").params, None),
        "func(v: list<u16, 3>)"
    );
    assert_eq!(signature(&func("fut").params, None), "func(v: future<u32>)");
}

#[test]
fn long_signatures_collapse_inner_types() {
    let fields: Vec<String> = (0..30).map(|i| format!("field-number-{i}: u32")).collect();
    let wit = format!(
        "record wide {{ {} }}\nrecord outer {{ inner: wide }}\ntake: func(a: outer, b: outer);",
        fields.join(", ")
    );
    let funcs = kit::funcs(&wit);
    let f = &funcs["take"];
    let sig = signature(&f.params, None);
    assert_eq!(
        sig,
        "func(a: record { inner: record { … } }, b: record { inner: record { … } })"
    );
}

#[test]
fn from_val_output_matches_the_result_schema() {
    // Values as a component would return them, checked against the output schemas.
    let cases = [
        ("f-u64", Val::U64(u64::MAX)),
        ("f-s64", Val::S64(i64::MIN)),
        ("f-f32", Val::Float32(f32::NAN)),
        ("f-f32", Val::Float32(f32::MAX)),
        ("f-f64", Val::Float64(f64::INFINITY)),
        (
            "f-map",
            Val::Map(vec![(Val::String("k".into()), Val::U32(1))]),
        ),
        ("f-option2", Val::Option(Some(Box::new(Val::Option(None))))),
        (
            "f-variant",
            Val::Variant("circle".into(), Some(Box::new(Val::Float64(f64::NAN)))),
        ),
        ("f-flags", Val::Flags(vec!["write".into()])),
        ("f-result", Val::Result(Ok(Some(Box::new(Val::U32(1)))))),
        ("f-result-err", Val::Result(Ok(None))),
    ];
    for (name, val) in cases {
        let f = func(name);
        let out = result_to_json(&val).expect("ok");
        let s = result_schema(f.result.as_ref()).expect("returns");
        assert!(validator(&s).is_valid(&out), "{name}: {out} against {s}");
        // And back: what the host gives a script, the script can pass again.
        let back = to_val(&from_val(&val), f.param(), "v").expect("passes back");
        assert_eq!(from_val(&back), from_val(&val), "{name}");
    }
}

#[test]
fn type_error_displays_path_and_message() {
    let e = TypeError::new("items[2].quantity", "expected u32 (an integer), got -1");
    assert_eq!(
        e.to_string(),
        "argument items[2].quantity: expected u32 (an integer), got -1"
    );
    // With no name at the top, paths start at the first member.
    let err = to_val(&json!({ "sku": 1, "quantity": 1 }), &ty("record"), "").expect_err("sku");
    assert_eq!(err.path, "sku");
    let err = to_val(&json!([1, "x"]), &ty("list"), "").expect_err("x");
    assert_eq!(err.path, "[1]");
}
