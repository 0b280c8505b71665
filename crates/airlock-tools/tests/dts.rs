//! TypeScript declarations generated from tool schemas.
//!
//! Set `AIRLOCK_TSC` to a `tsc` binary to also type-check the output (see `tsc_accepts_output`).

use airlock_tools::ToolSpec;
use airlock_tools::dts::{declarations, type_of};
use serde_json::{Value, json};

fn tool(name: &str, input: Value) -> ToolSpec {
    ToolSpec::new(name, format!("The {name} tool.")).with_input_schema(input)
}

/// The declarations of one tool, without the fixed API in front.
fn tool_part(tools: &[ToolSpec]) -> String {
    let all = declarations(tools);
    let start = all.find("// Tool ").expect("tool section");
    all[start..].to_owned()
}

/// The `interface`/`type` declaration named `name`, up to its closing line.
fn decl(text: &str, name: &str) -> String {
    let start = text
        .find(&format!("interface {name} "))
        .or_else(|| text.find(&format!("type {name} = ")))
        .unwrap_or_else(|| panic!("no declaration of {name} in:\n{text}"));
    let rest = &text[start..];
    let end = rest
        .find("\n}")
        .map_or_else(|| rest.find('\n').unwrap_or(rest.len()), |e| e + 3);
    rest[..end].trim_end().to_owned()
}

#[test]
fn required_and_optional_properties() {
    let t = tool(
        "weather",
        json!({
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"]
        }),
    );
    assert_eq!(
        decl(&tool_part(&[t]), "WeatherInput"),
        "interface WeatherInput {\n  city: string;\n  days?: number;\n}"
    );
}

#[test]
fn primitive_types_and_type_arrays() {
    assert_eq!(type_of(&json!({"type": "string"})), "string");
    assert_eq!(type_of(&json!({"type": "integer"})), "number");
    assert_eq!(type_of(&json!({"type": "number"})), "number");
    assert_eq!(type_of(&json!({"type": "boolean"})), "boolean");
    assert_eq!(type_of(&json!({"type": "null"})), "null");
    assert_eq!(
        type_of(&json!({"type": ["string", "null"]})),
        "string | null"
    );
    assert_eq!(type_of(&json!({"type": ["integer", "number"]})), "number");
    assert_eq!(
        type_of(&json!({"type": "string", "nullable": true})),
        "string | null"
    );
    assert_eq!(type_of(&json!({})), "unknown");
    assert_eq!(type_of(&json!(true)), "unknown");
    assert_eq!(type_of(&json!(false)), "never");
    assert_eq!(type_of(&json!({"type": "martian"})), "unknown");
}

#[test]
fn enum_and_const_become_literals() {
    assert_eq!(
        type_of(&json!({"enum": ["a", "b\"c", 1, null, true]})),
        r#""a" | "b\"c" | 1 | null | true"#
    );
    assert_eq!(type_of(&json!({"type": "string", "enum": ["x"]})), r#""x""#);
    assert_eq!(type_of(&json!({"const": "fixed"})), r#""fixed""#);
    assert_eq!(type_of(&json!({"const": -2.5})), "-2.5");
    assert_eq!(
        type_of(&json!({"const": {"a": [1, "b"]}})),
        r#"{ a: [1, "b"] }"#
    );
    assert_eq!(type_of(&json!({"enum": []})), "never");
}

#[test]
fn nested_objects_are_indented() {
    let t = tool(
        "n",
        json!({
            "type": "object",
            "properties": {
                "outer": {
                    "type": "object",
                    "properties": {"inner": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
                    "required": ["inner"]
                }
            }
        }),
    );
    assert_eq!(
        decl(&tool_part(&[t]), "NInput"),
        "interface NInput {\n  outer?: {\n    inner: {\n      x: number;\n    };\n  };\n}"
    );
    assert_eq!(
        type_of(
            &json!({"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}}})
        ),
        "{ a?: { b?: string } }"
    );
}

#[test]
fn empty_and_open_objects() {
    assert_eq!(
        type_of(&json!({"type": "object"})),
        "Record<string, unknown>"
    );
    assert_eq!(
        type_of(&json!({"type": "object", "additionalProperties": false})),
        "Record<string, never>"
    );
    assert_eq!(
        type_of(&json!({"type": "object", "additionalProperties": {"type": "number"}})),
        "{ [key: string]: number }"
    );
    assert_eq!(
        type_of(&json!({"type": "object", "patternProperties": {"^x": {"type": "string"}}})),
        "{ [key: string]: string }"
    );
    // Properties must fit the index signature, so it widens.
    assert_eq!(
        type_of(&json!({
            "type": "object",
            "properties": {"id": {"type": "integer"}},
            "additionalProperties": {"type": "string"}
        })),
        "{ id?: number; [key: string]: string | number | undefined }"
    );
    let t = ToolSpec::new("plain", "Any object.");
    assert_eq!(
        decl(&tool_part(&[t]), "PlainInput"),
        "interface PlainInput {\n  [key: string]: unknown;\n}"
    );
}

#[test]
fn arrays_and_tuples() {
    assert_eq!(
        type_of(&json!({"type": "array", "items": {"type": "string"}})),
        "string[]"
    );
    assert_eq!(type_of(&json!({"type": "array"})), "unknown[]");
    assert_eq!(
        type_of(&json!({"type": "array", "items": {"type": ["string", "number"]}})),
        "(string | number)[]"
    );
    assert_eq!(
        type_of(
            &json!({"type": "array", "items": {"type": "array", "items": {"type": "boolean"}}})
        ),
        "boolean[][]"
    );
    assert_eq!(
        type_of(&json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]})),
        "[string, number]"
    );
    assert_eq!(
        type_of(&json!({"prefixItems": [{"type": "string"}], "items": {"type": "boolean"}})),
        "[string, ...boolean[]]"
    );
    // Draft 7 tuples.
    assert_eq!(
        type_of(
            &json!({"type": "array", "items": [{"type": "string"}, {"const": 1}], "additionalItems": false})
        ),
        "[string, 1]"
    );
}

#[test]
fn refs_become_named_types_emitted_once() {
    let t = tool(
        "shop/order",
        json!({
            "type": "object",
            "properties": {
                "billing": {"$ref": "#/$defs/address"},
                "shipping": {"$ref": "#/$defs/address"},
                "legacy": {"$ref": "#/definitions/Money"},
                "remote": {"$ref": "https://example.com/schema.json"},
                "dangling": {"$ref": "#/$defs/nope"},
                "self": {"$ref": "#"}
            },
            "$defs": {
                "address": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "parent": {"$ref": "#/$defs/address"}}
                }
            },
            "definitions": {"Money": {"type": "integer", "description": "Cents."}}
        }),
    );
    let out = tool_part(&[t]);
    assert_eq!(
        decl(&out, "ShopOrderInput"),
        "interface ShopOrderInput {\n  billing?: ShopOrderAddress;\n  shipping?: ShopOrderAddress;\n  \
         legacy?: ShopOrderMoney;\n  remote?: unknown;\n  dangling?: unknown;\n  self?: ShopOrderInput;\n}"
    );
    assert_eq!(out.matches("type ShopOrderAddress = ").count(), 1, "{out}");
    assert_eq!(
        decl(&out, "ShopOrderAddress"),
        "type ShopOrderAddress = {\n  street?: string;\n  parent?: ShopOrderAddress;\n};"
    );
    assert!(
        out.contains("/** Cents. */\ntype ShopOrderMoney = number;\n"),
        "{out}"
    );
}

#[test]
fn ref_chains_are_followed_and_cycles_are_unknown() {
    let t = tool(
        "r",
        json!({
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/alias"}, "loop": {"$ref": "#/$defs/l1"}},
            "$defs": {
                "alias": {"$ref": "#/$defs/target", "description": "just a name"},
                "target": {"type": "string"},
                "l1": {"$ref": "#/$defs/l2"},
                "l2": {"$ref": "#/$defs/l1"}
            }
        }),
    );
    let out = tool_part(&[t]);
    assert!(out.contains("  a?: RTarget;\n"), "{out}");
    assert!(out.contains("  loop?: unknown;\n"), "{out}");
    assert!(!out.contains("type RAlias"), "{out}");
}

#[test]
fn generated_names_avoid_taken_ones() {
    // `Array` + `Buffer` would shadow the global `ArrayBuffer`.
    let t = tool(
        "array",
        json!({"properties": {"b": {"$ref": "#/$defs/Buffer"}}, "$defs": {"Buffer": {"type": "string"}}}),
    );
    let out = tool_part(&[t]);
    assert!(out.contains("type ArrayBuffer_2 = string;"), "{out}");
    assert!(out.contains("b?: ArrayBuffer_2;"), "{out}");
}

#[test]
fn combinators() {
    assert_eq!(
        type_of(
            &json!({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
        ),
        "string | string[]"
    );
    assert_eq!(
        type_of(&json!({"oneOf": [{"const": "a"}, {"const": "b"}]})),
        r#""a" | "b""#
    );
    assert_eq!(
        type_of(&json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"b": {"type": "number"}}}
        ]})),
        "{ a?: string } & { b?: number }"
    );
    assert_eq!(
        type_of(&json!({
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "anyOf": [{"type": "object", "properties": {"b": {"type": "number"}}}, {"type": "null"}]
        })),
        "{ a?: string } & ({ b?: number } | null)"
    );
    // Members that only constrain say nothing about the type.
    assert_eq!(
        type_of(&json!({
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}]
        })),
        "{ a?: string; b?: string }"
    );
    assert_eq!(
        type_of(
            &json!({"type": "array", "items": {"allOf": [{"type": "string"}, {"minLength": 1}]}})
        ),
        "string[]"
    );
    assert_eq!(
        type_of(&json!({"type": "array", "items": {"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}},
            {"type": "object", "properties": {"b": {"type": "string"}}}
        ]}})),
        "({ a?: string } & { b?: string })[]"
    );
}

#[test]
fn descriptions_and_annotations_become_jsdoc() {
    let t = ToolSpec::new("pay", "Pays someone.\n\nMoney leaves the account.").with_input_schema(json!({
        "type": "object",
        "description": "Payment arguments.",
        "properties": {
            "amount": {"type": "integer", "description": "In cents.", "minimum": 1},
            "currency": {"type": "string", "default": "USD"},
            "when": {"type": "string", "format": "date-time"},
            "memo": {
                "type": "string",
                "description": "A memo that is long enough to need more than one line of comment, really.",
                "maxLength": 140,
                "pattern": "^[a-z]+$",
                "deprecated": true
            }
        },
        "required": ["amount"]
    }));
    let out = tool_part(&[t]);
    assert_eq!(
        decl(&out, "PayInput"),
        "interface PayInput {\n  /** In cents. @minimum 1 */\n  amount: number;\n  \
         /** @default \"USD\" */\n  currency?: string;\n  /** @format date-time */\n  when?: string;\n  \
         /**\n   * A memo that is long enough to need more than one line of comment, really.\n   \
         * @pattern ^[a-z]+$\n   * @maxLength 140\n   * @deprecated\n   */\n  memo?: string;\n}"
    );
    assert!(
        out.contains("/** Payment arguments. */\ninterface PayInput {"),
        "{out}"
    );
    assert!(
        out.contains(
            "/**\n * Pays someone.\n *\n * Money leaves the account.\n */\ndeclare function pay(args: PayInput): Promise<unknown>;\n"
        ),
        "{out}"
    );
}

#[test]
fn comment_terminators_in_text_are_escaped() {
    let t = ToolSpec::new("evil", "Ends here */ declare const pwned: 1; /*").with_input_schema(json!({
        "type": "object",
        "properties": {"p": {"type": "string", "description": "x */ y", "pattern": "a*/b", "default": "*/"}}
    }));
    let out = tool_part(&[t]);
    // Every comment that opens is closed by its own `*/` and nothing else.
    for line in out.lines() {
        let closes = line.matches("*/").count();
        assert!(
            closes <= 1 && (closes == 0 || line.trim_end().ends_with("*/")),
            "{line}"
        );
    }
    assert!(
        out.contains(r"Ends here *\/ declare const pwned: 1; /*"),
        "{out}"
    );
    assert!(out.contains(r"x *\/ y"), "{out}");
    assert!(out.contains(r"@pattern a*\/b"), "{out}");
}

#[test]
fn non_identifier_keys_are_quoted() {
    assert_eq!(
        type_of(&json!({"type": "object", "properties": {
            "ok_name": {"type": "string"},
            "$also": {"type": "string"},
            "with-dash": {"type": "string"},
            "2fa": {"type": "string"},
            "has \"quote\"": {"type": "string"},
            "": {"type": "string"},
            "class": {"type": "string"}
        }})),
        r#"{ ok_name?: string; $also?: string; "with-dash"?: string; "2fa"?: string; "has \"quote\""?: string; ""?: string; class?: string }"#
    );
}

#[test]
fn depth_is_bounded() {
    let mut schema = json!({"type": "string"});
    for _ in 0..40 {
        schema = json!({"type": "object", "properties": {"x": schema}});
    }
    let one_line = type_of(&schema);
    assert!(one_line.contains("x?: unknown"), "{one_line}");
    assert!(!one_line.contains("string"), "{one_line}");
    assert!(one_line.matches('{').count() <= 17, "{one_line}");
    let out = declarations(&[tool("deep", schema)]);
    assert!(out.contains("x?: unknown;"));
}

#[test]
fn output_type_when_declared_else_unknown() {
    let with = tool("a", json!({"type": "object"})).with_output_schema(json!({
        "type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]
    }));
    let without = tool("b", json!({"type": "object"}));
    let scalar = tool("c", json!({"type": "string"}))
        .with_output_schema(json!({"type": "array", "items": {"type": "string"}}));
    let out = tool_part(&[with, without, scalar]);
    assert_eq!(
        decl(&out, "AOutput"),
        "interface AOutput {\n  ok: boolean;\n}"
    );
    assert!(
        out.contains("declare function a(args: AInput): Promise<AOutput>;"),
        "{out}"
    );
    assert!(
        out.contains("declare function b(args: BInput): Promise<unknown>;"),
        "{out}"
    );
    assert!(!out.contains("BOutput"), "{out}");
    assert!(out.contains("type CInput = string;"), "{out}");
    assert!(out.contains("type COutput = string[];"), "{out}");
}

#[test]
fn namespaces_merge_shared_prefixes() {
    let tools = [
        ToolSpec::new("a/b/c", "C."),
        ToolSpec::new("x.y", "Y."),
        ToolSpec::new("a/b/d", "D.").with_output_schema(json!({"type": "string"})),
        ToolSpec::new("a/e", "E."),
        ToolSpec::new("solo", "Solo."),
    ];
    let out = declarations(&tools);
    let ns = &out[out.find("declare namespace a ").expect("namespaces")..];
    assert_eq!(
        ns,
        "declare namespace a {\n  namespace b {\n    /** C. */\n    function c(args: ABCInput): Promise<unknown>;\n    \
         /** D. */\n    function d(args: ABDInput): Promise<ABDOutput>;\n  }\n  \
         /** E. */\n  function e(args: AEInput): Promise<unknown>;\n}\n\
         declare namespace x {\n  /** Y. */\n  function y(args: XYInput): Promise<unknown>;\n}\n"
    );
    for flat in ["a_b_c", "a_b_d", "a_e", "x_y", "solo"] {
        assert!(
            out.contains(&format!("declare function {flat}(args: ")),
            "{flat}"
        );
    }
    // A one-segment tool has no namespace form besides its function.
    assert!(!ns.contains("solo"));
}

#[test]
fn hyphens_become_underscores() {
    let out = declarations(&[ToolSpec::new("my-org/list-repos", "Lists.")]);
    assert!(out.contains("interface MyOrgListReposInput {"), "{out}");
    assert!(
        out.contains("declare function my_org_list_repos(args: MyOrgListReposInput)"),
        "{out}"
    );
    assert!(
        out.contains("declare namespace my_org {\n  /** Lists. */\n  function list_repos(args: MyOrgListReposInput)"),
        "{out}"
    );
}

#[test]
fn unusable_paths_fall_back_to_the_flat_function() {
    let out = declarations(&[
        ToolSpec::new("github/issues/delete", "Deletes."),
        ToolSpec::new("fs/extra", "Extra."),
        ToolSpec::new("new", "Reserved."),
    ]);
    assert!(out.contains("declare function github_issues_delete(args: GithubIssuesDeleteInput)"));
    assert!(
        out.contains(
            r#"// "github/issues/delete" has no namespace form ("delete" is not an identifier)"#
        ),
        "{out}"
    );
    assert!(
        out.contains(r#"// "fs/extra" has no namespace form ("fs" is a global of the sandbox)"#),
        "{out}"
    );
    assert!(
        out.contains(r#"// "new" cannot be declared as a function"#),
        "{out}"
    );
    assert!(!out.contains("declare namespace github"));
    assert!(!out.contains("declare namespace fs"));
    assert!(!out.contains("declare function new("));
}

#[test]
fn fixed_api_is_declared() {
    let out = declarations(&[]);
    for needle in [
        "top-level `await`",
        "/workspace",
        "declare var console: Console;",
        "declare function setTimeout",
        "declare function queueMicrotask",
        "readFile(path: string, encoding?: FsEncoding",
        "existsSync(path: string): boolean;",
        "rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;",
        "declare var fs: AirlockFs;",
        "function list(): ToolInfo[];",
        "function describe(name: string): ToolInfo | undefined;",
        "interface ToolCallError extends Error {",
        "\"EPOLICY\"",
        "\"E2BIG\"",
    ] {
        assert!(out.contains(needle), "missing {needle}");
    }
    assert!(!out.contains("// Tool "));
}

#[test]
fn output_is_deterministic_and_keeps_property_order() {
    let t = tool(
        "order",
        json!({"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"}, "mid": {"type": "string"}}}),
    );
    let a = declarations(std::slice::from_ref(&t));
    assert_eq!(a, declarations(std::slice::from_ref(&t)));
    let (z, al, m) = (
        a.find("zeta?").unwrap(),
        a.find("alpha?").unwrap(),
        a.find("mid?").unwrap(),
    );
    assert!(z < al && al < m);
}

/// A set of tools exercising every mapping rule, for the type checker.
fn kitchen_sink() -> Vec<ToolSpec> {
    vec![
        ToolSpec::new("stripe/charges/create", "Creates a charge. */ not the end")
            .with_input_schema(json!({
                "type": "object",
                "properties": {
                    "amount": {"type": "integer", "minimum": 1, "description": "Cents."},
                    "currency": {"enum": ["usd", "eur"], "default": "usd"},
                    "customer": {"type": ["string", "null"]},
                    "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                    "mixed": {"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": {"type": "string"}},
                    "mixedDeep": {"type": "object", "properties": {"o": {"type": "object", "properties": {"p": {"type": "string"}}}}, "additionalProperties": {"type": "string"}},
                    "billing": {"$ref": "#/$defs/address"},
                    "tree": {"$ref": "#/$defs/node"},
                    "self": {"$ref": "#"},
                    "pair": {"prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "boolean"}},
                    "either": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": {"type": "string"}}}]},
                    "both": {"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"b": {"type": "string"}}}]},
                    "weird key": {"const": {"nested": [1, "two", null]}},
                    "never": false,
                    "anything": true
                },
                "required": ["amount"],
                "$defs": {
                    "address": {"type": "object", "properties": {"line1": {"type": "string"}}, "required": ["line1"]},
                    "node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}
                }
            }))
            .with_output_schema(json!({"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]})),
        ToolSpec::new("stripe/charges/list", "Lists charges.")
            .with_output_schema(json!({"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}})),
        ToolSpec::new("stripe/balance", "Balance."),
        ToolSpec::new("my-org/do-thing", "Hyphens."),
        ToolSpec::new("github/issues/delete", "Reserved leaf."),
        ToolSpec::new("fs/extra", "Global root."),
        ToolSpec::new("array", "Name collision.").with_input_schema(json!({
            "properties": {"b": {"$ref": "#/$defs/Buffer"}},
            "$defs": {"Buffer": {"type": "string"}}
        })),
        ToolSpec::new("scalar", "Not an object.").with_input_schema(json!({"type": "string"})),
        ToolSpec::new("deep", "Deep.").with_input_schema({
            let mut s = json!({"type": "string"});
            for _ in 0..30 {
                s = json!({"type": "object", "properties": {"x": s}});
            }
            s
        }),
    ]
}

/// A script using the declarations the way an agent would.
const USAGE: &str = r#"
const charge = await stripe_charges_create({ amount: 100, currency: "eur", billing: { line1: "x" } });
const id: string = charge.id;
const same = await stripe.charges.create({ amount: 1, tree: { children: [{ children: [] }] } });
const ids = (await stripe.charges.list({})).map((c) => c.id);
await my_org.do_thing({});
await stripe_balance({ any: 1 });
await scalar("text");
const text: string = await fs.readFile("notes.txt");
const bytes: Uint8Array = fs.readFileSync("blob.bin", null);
await fs.writeFile(path.join("out", "..", "out.json"), JSON.stringify({ id, same, ids, text, size: bytes.length }));
const ext: string = require("node:path").extname(path.posix.basename("/a/b.txt"));
const timer = setTimeout((n: number) => console.log(n), 10, 1);
clearTimeout(timer);
queueMicrotask(() => {});
console.info(tools.list().map((t) => t.name), tools.describe("stripe/balance")?.inputSchema);
try {
  const [balance, list] = await Promise.all([stripe_balance({}), stripe.charges.list({})]);
  console.log(balance, list.length);
} catch (e) {
  const err = e as ToolCallError;
  if (err.code === "EPOLICY") console.error(err.tool, err.message);
}
export {};
"#;

/// Type-checks the declarations and a script using them with the `tsc` at `$AIRLOCK_TSC`
/// (e.g. from `npm i typescript`); skipped when it is not set.
#[test]
fn tsc_accepts_output() {
    let Some(tsc) = std::env::var_os("AIRLOCK_TSC") else {
        eprintln!("AIRLOCK_TSC not set: skipping the tsc check");
        return;
    };
    let dir = std::env::temp_dir().join(format!("airlock-dts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dts = dir.join("airlock.d.ts");
    let script = dir.join("script.ts");
    std::fs::write(&dts, declarations(&kitchen_sink())).unwrap();
    std::fs::write(&script, USAGE).unwrap();
    let status = |extra: &[&str]| {
        let out = std::process::Command::new(&tsc)
            .args([
                "--noEmit", "--strict", "--target", "es2022", "--module", "es2022",
            ])
            .args(extra)
            .arg(&dts)
            .arg(&script)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, log) = status(&["--lib", "es2023"]);
    assert!(ok, "tsc --lib es2023 rejected the declarations:\n{log}");
    // With the default libs (DOM included) the fixed API must still merge cleanly.
    let (ok, log) = status(&[]);
    assert!(
        ok,
        "tsc with default libs rejected the declarations:\n{log}"
    );
    // And a wrong call must be an error, or the check proves nothing.
    std::fs::write(
        &script,
        "await stripe_charges_create({ amount: \"1\" });\nexport {};\n",
    )
    .unwrap();
    let (ok, _) = status(&["--lib", "es2023"]);
    assert!(!ok, "tsc accepted a string amount");
    std::fs::remove_dir_all(&dir).unwrap();
}
