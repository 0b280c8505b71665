//! TypeScript to JavaScript by blanking: each construct, that lines and columns stay, enums, and
//! the errors for what has no blank-space form.
#![allow(clippy::unwrap_used)]

use airlock_typescript::strip;

/// Strips `ts` and checks the result is `js` exactly (same length per line: columns kept).
fn same(ts: &str, js: &str) {
    let out = strip(ts).unwrap();
    assert_eq!(out, js, "\n{ts}\n=>\n{out}");
    for (a, b) in ts.lines().zip(out.lines()) {
        assert_eq!(a.chars().count(), b.chars().count(), "{a:?} vs {b:?}");
    }
}

#[test]
fn annotations_and_type_declarations_become_spaces() {
    same(
        "const n: number = 1;\nfunction f(a: string, b?: number): string { return a; }\n",
        "const n         = 1;\nfunction f(a        , b         )         { return a; }\n",
    );
    same(
        "interface A { x: number }\ntype B = A | null;\nlet c = 1;",
        "                         \n                  \nlet c = 1;",
    );
    same(
        "const x = y as unknown as string;\nconst z = w!;\nconst o = {} satisfies object;",
        "const x = y                     ;\nconst z = w ;\nconst o = {}                 ;",
    );
    same(
        "const id = <T,>(x: T): T => x;\nid<number>(1);",
        "const id =     (x   )    => x;\nid        (1);",
    );
}

#[test]
fn classes_keep_their_code_and_lose_their_types() {
    same(
        "class A<T> extends B implements C, D {\n  private x: T;\n  declare y: number;\n  z?: string;\n  w!: number;\n  public get v(): T { return this.x; }\n  m(): void;\n  m() {}\n}",
        "class A    extends B                 {\n          x   ;\n                    \n  z         ;\n  w         ;\n         get v()    { return this.x; }\n            \n  m() {}\n}",
    );
    same(
        "abstract class S { abstract area(): number; f(this: S, k: number) { return k; } }",
        "         class S {                          f(         k        ) { return k; } }",
    );
}

#[test]
fn overloads_declares_and_type_only_exports_vanish() {
    same(
        "function f(x: number): number;\nfunction f(x: any) { return x; }\ndeclare const g: number;\nexport type T = 1;",
        "                              \nfunction f(x     ) { return x; }\n                        \n                  ",
    );
}

#[test]
fn enums_become_objects_on_the_same_lines() {
    let ts = "enum Color {\n  Red,\n  Green = 5,\n  Blue,\n}\nenum Dir { Up = 'UP', Down = Up + '!' }\nconst after = 1;";
    let js = strip(ts).unwrap();
    assert_eq!(js.lines().count(), ts.lines().count(), "{js}");
    assert_eq!(js.lines().last(), Some("const after = 1;"));
    assert!(js.starts_with("var Color; (function (Color) {"), "{js}");
    assert!(js.contains("var Down = __v = (Up + '!')"), "{js}");
}

#[test]
fn what_cannot_be_blanked_is_refused_with_where_and_a_hint() {
    let e = strip("const a = 1;\nclass P { constructor(private x: number) {} }").unwrap_err();
    assert_eq!((e.line, e.column), (2, 23), "{e}");
    assert!(e.message.contains("parameter properties"), "{e}");
    assert!(e.hint.unwrap().contains("this.x = x"));
    let e = strip("namespace N { export const a = 1; }").unwrap_err();
    assert!(e.message.contains("namespace"), "{e}");
    let e = strip("const x: = 1;").unwrap_err();
    assert_eq!(e.line, 1, "{e}");
}

#[test]
fn top_level_await_and_return_stay_allowed() {
    same(
        "const r: number = await f();\nreturn r as number;",
        "const r         = await f();\nreturn r          ;",
    );
}

#[test]
fn static_imports_become_dynamic_on_their_own_lines() {
    let ts = "import _ from \"lodash\";\nimport { format, addDays as add } from 'date-fns';\n\
              import * as z from \"zod\";\nimport YAML, * as Y from \"yaml\";\nimport \"./setup.js\";\n\
              import type { T } from \"./types\";\nimport { type U, parse } from \"papaparse\";\n\
              import { type V } from \"./types\";\nconst n: number = 1;\nreturn n;";
    let js = strip(ts).unwrap();
    let lines: Vec<&str> = js.lines().collect();
    assert_eq!(lines[0], "const { default: _ } = await import(\"lodash\");");
    assert_eq!(
        lines[1],
        "const { format, addDays: add } = await import(\"date-fns\");"
    );
    assert_eq!(lines[2], "const z = await import(\"zod\");");
    assert_eq!(
        lines[3],
        "const Y = await import(\"yaml\"), { default: YAML } = Y;"
    );
    assert_eq!(lines[4], "await import(\"./setup.js\");");
    assert_eq!(lines[5].trim(), "");
    assert_eq!(lines[6], "const { parse } = await import(\"papaparse\");");
    assert_eq!(lines[7].trim(), "");
    assert_eq!(lines[8], "const n         = 1;");
    assert_eq!(lines[9], "return n;");
}

#[test]
fn javascript_imports_are_rewritten_only_when_there_are_some() {
    use airlock_typescript::imports;
    assert_eq!(imports("return 1"), None);
    assert_eq!(imports("const m = await import('x'); return m"), None);
    assert_eq!(
        imports("return import.meta.url").as_deref(),
        Some("return __airlock.importMeta.url")
    );
    assert_eq!(
        imports("import { join } from \"node:path\"\nreturn join('a', 'b')").as_deref(),
        Some("const { join } = await import(\"node:path\");\nreturn join('a', 'b')")
    );
    // A string-named import and a multi-line one keep the lines after them where they were.
    let js = imports("import {\n  \"a-b\" as ab,\n  c,\n} from \"m\";\nthrow 1").unwrap();
    assert_eq!(
        js,
        "const { \"a-b\": ab, c } = await import(\"m\");\n\n\n\nthrow 1"
    );
    // What does not parse is the guest's to report.
    assert_eq!(imports("import { from 'x'"), None);
}
