//! ES modules in scripts: static and dynamic `import` of Node's modules, of the bundled npm
//! packages and of the session's own files (TypeScript ones too), `require` of the packages,
//! Node's `ERR_MODULE_NOT_FOUND`, line numbers after the rewrite, and runs that stay isolated.
#![allow(clippy::unwrap_used)]

mod common;

use airlock::{Language, RunOutput, Session};
use common::*;
use serde_json::json;

fn ts(session: &mut Session, code: &str) -> RunOutput {
    session.run(Language::TypeScript, code).unwrap()
}

fn value(out: &RunOutput) -> serde_json::Value {
    assert_ok(out);
    out.value.clone().unwrap_or_default()
}

#[test]
fn static_imports_of_packages_and_builtins_work_with_top_level_await_and_return() {
    let out = run(r##"import _, { chunk } from "lodash";
import * as dates from "date-fns";
import { z } from "zod";
import Papa from "papaparse";
import YAML from "yaml";
import { marked } from "marked";
import fs, { readFileSync } from "node:fs";
import { join } from "path";
import { createHash } from "node:crypto";
await fs.writeFile("t.csv", "id,n\n1,a\n2,b\n");
const rows = Papa.parse(readFileSync("t.csv", "utf8"), { header: true, dynamicTyping: true, skipEmptyLines: true }).data;
const Row = z.object({ id: z.number(), n: z.string() });
return {
  rows: z.array(Row).parse(rows),
  chunks: chunk([1, 2, 3], 2),
  sum: _.sumBy(rows, "id"),
  day: dates.format(dates.addDays(new Date(Date.UTC(2024, 1, 28)), 1), "yyyy-MM-dd"),
  yaml: YAML.stringify({ a: [1] }),
  html: marked.parse("# Hi"),
  path: join("a", "b"),
  sha: createHash("sha256").update("x").digest("hex").slice(0, 8),
};"##);
    assert_eq!(
        value(&out),
        json!({
            "rows": [{ "id": 1, "n": "a" }, { "id": 2, "n": "b" }],
            "chunks": [[1, 2], [3]],
            "sum": 3,
            "day": "2024-02-29",
            "yaml": "a:\n  - 1\n",
            "html": "<h1>Hi</h1>\n",
            "path": "a/b",
            "sha": "2d711642",
        })
    );
}

#[test]
fn typescript_imports_drop_types_and_keep_values() {
    let mut session = sandbox().session();
    let out = ts(
        &mut session,
        r#"import type { ZodType } from "zod";
import { z, type infer as Infer } from "zod";
import { groupBy } from "lodash-es";
const User = z.object({ name: z.string(), team: z.enum(["a", "b"]) });
type User = z.infer<typeof User>;
const users: User[] = [{ name: "x", team: "a" }, { name: "y", team: "b" }, { name: "z", team: "a" }].map((u) => User.parse(u));
return groupBy(users, (u: User) => u.team);"#,
    );
    assert_eq!(
        value(&out),
        json!({ "a": [{ "name": "x", "team": "a" }, { "name": "z", "team": "a" }], "b": [{ "name": "y", "team": "b" }] })
    );
}

#[test]
fn local_modules_from_the_session_files_build_up_across_runs() {
    let mut session = sandbox().session();
    // One run writes helpers (TypeScript and JavaScript, one importing the other) and data...
    let out = js(
        &mut session,
        r#"fs.mkdirSync("lib", { recursive: true });
fs.writeFileSync("lib/money.ts", "export function cents(n: number): number { return Math.round(n * 100); }\nexport default 'money';\n");
fs.writeFileSync("lib/report.js", "import { cents } from './money.js';\nexport const total = (xs) => cents(xs.reduce((a, b) => a + b, 0));\n");
fs.writeFileSync("rates.json", '{"eur": 1.1}');"#,
    );
    assert_ok(&out);
    // ...and a later one imports them: `./money.js` finds money.ts, a name without an
    // extension is tried with one, JSON is its default export.
    let out = ts(
        &mut session,
        r#"import { total } from "./lib/report.js";
import money, { cents } from "./lib/money";
import rates from "./rates.json";
const again = await import("/workspace/lib/report.js");
return [total([1.1, 2.2]), money, cents(rates.eur), again.total === total];"#,
    );
    assert_eq!(value(&out), json!([330, "money", 110, true]));
}

#[test]
fn a_missing_module_is_node_err_module_not_found_listing_what_exists() {
    let out = run(r#"const seen = [];
for (const name of ["left-pad", "./nope.js", "node:child_process", "/lib/nope.js"]) {
  try { await import(name); } catch (e) { seen.push([e.code, e.message.split("\n")[0], e.message.includes("lodash")]); }
}
return seen;"#);
    assert_eq!(
        value(&out),
        json!([
            [
                "ERR_MODULE_NOT_FOUND",
                "Cannot find package 'left-pad' imported from /workspace/script.js",
                true
            ],
            [
                "ERR_MODULE_NOT_FOUND",
                "Cannot find module '/workspace/nope.js' imported from /workspace/script.js",
                true
            ],
            [
                "ERR_MODULE_NOT_FOUND",
                "Cannot find package 'node:child_process' imported from /workspace/script.js",
                true
            ],
            [
                "ERR_MODULE_NOT_FOUND",
                "Cannot find module '/lib/nope.js' imported from /workspace/script.js",
                true
            ],
        ])
    );
    // A static import of a missing package ends the script with that error.
    let out = run("const a = 1;\nimport x from \"leftpad\";\nreturn a;");
    assert_eq!(out.exit_code, 1);
    let err = out.stderr_text();
    assert!(
        err.starts_with(
            "Error: Cannot find package 'leftpad' imported from /workspace/script.js\n"
        ) && err.contains("ERR_MODULE_NOT_FOUND"),
        "{err}"
    );
}

#[test]
fn errors_keep_the_script_line_after_imports_are_rewritten() {
    let mut session = sandbox().session();
    let code = "import {\n  chunk,\n} from \"lodash\";\nconst x: number = chunk([1], 1).length;\nthrow new Error('line five ' + x);";
    let out = ts(&mut session, code);
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr_text().contains("script.ts:5"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn a_module_with_a_syntax_error_names_the_file() {
    let mut session = sandbox().session();
    let out = js(
        &mut session,
        "fs.writeFileSync('bad.ts', 'export const x: number = ;');\nfs.writeFileSync('bad.js', 'export const = 1');\n\
         const seen = [];\nfor (const f of ['./bad.ts', './bad.js']) { try { await import(f); } catch (e) { seen.push(e.name + ': ' + e.message); } }\nreturn seen;",
    );
    let seen = value(&out);
    let seen: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(seen[0].contains("/workspace/bad.ts:1:"), "{seen:?}");
    assert!(seen[1].starts_with("SyntaxError"), "{seen:?}");
}

#[test]
fn require_gives_the_packages_as_node_does() {
    let out = run(r#"const _ = require("lodash");
const { z } = require("zod");
const dates = require("date-fns");
return [typeof _, typeof _.chunk, typeof z.object, typeof dates.format, require("lodash") === _];"#);
    assert_eq!(
        value(&out),
        json!(["function", "function", "function", "function", true])
    );
    let out =
        run("try { require('left-pad') } catch (e) { return [e.code, e.message.includes('zod')] }");
    assert_eq!(value(&out), json!(["MODULE_NOT_FOUND", true]));
}

#[test]
fn package_sub_paths_give_one_export() {
    let out = run(r#"import groupBy from "lodash/groupBy";
import format from "date-fns/format";
let missing;
try { await import("lodash/noSuchThing"); } catch (e) { missing = e.code; }
return [groupBy([1, 2, 3], (n) => n % 2), format(new Date(0), "yyyy"), missing];"#);
    assert_eq!(
        value(&out),
        json!([{ "0": [2], "1": [1, 3] }, "1970", "ERR_MODULE_NOT_FOUND"])
    );
}

#[test]
fn a_run_that_changes_a_package_leaves_the_next_run_a_fresh_one() {
    let mut session = sandbox().session();
    let out = js(
        &mut session,
        "import _ from 'lodash'; _.chunk = () => 'patched'; return _.chunk([1], 1)",
    );
    assert_eq!(value(&out), json!("patched"));
    let out = js(
        &mut session,
        "import _ from 'lodash'; return _.chunk([1], 1)",
    );
    assert_eq!(value(&out), json!([[1]]));
}

#[test]
fn node_in_the_shell_requires_and_imports_packages() {
    let mut session = sandbox().session();
    let out = session
        .run(
            Language::Shell,
            "node -p \"require('lodash').kebabCase('Hello World')\" && \
             node -e \"const { parse } = await import('yaml'); console.log(parse('a: 1').a)\" && \
             printf 'import { chunk } from \"lodash\";\\nconsole.log(chunk([1, 2, 3], 2).length);\\n' > s.mjs && node s.mjs",
        )
        .unwrap();
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "hello-world\n1\n2\n");
}

#[test]
fn import_meta_says_where_the_script_is() {
    let out = run("import { fileURLToPath } from 'node:url';\n\
                   return [import.meta.url, import.meta.dirname, fileURLToPath(import.meta.url), import.meta.resolve('./a.js')]");
    assert_eq!(
        value(&out),
        json!([
            "file:///workspace/script.js",
            "/workspace",
            "/workspace/script.js",
            "file:///workspace/a.js"
        ])
    );
    let mut session = sandbox().session();
    let out = ts(
        &mut session,
        "const u: string = import.meta.url;\nreturn u;",
    );
    assert_eq!(value(&out), json!("file:///workspace/script.ts"));
}

#[test]
fn every_node_module_the_prompt_names_can_be_imported_and_required() {
    // The guest's resolver and the prelude's `require` keep their own lists (the guest cannot
    // depend on the host's crates); the prompt and the declarations read this one.
    let names = airlock::tool::packages::NODE_MODULES;
    let code = format!(
        "const names = {};\nconst out = [];\n\
         for (const n of names) {{ const a = await import(n), b = await import('node:' + n); \
         out.push(a.default === require(n) && b.default === require('node:' + n)); }}\nreturn out;",
        serde_json::to_string(names).unwrap()
    );
    let out = run(&code);
    assert_eq!(value(&out), json!(vec![true; names.len()]), "{names:?}");
}

#[test]
fn a_module_file_over_the_source_limit_is_refused_with_a_hint() {
    let mut session = sandbox().session();
    let out = js(
        &mut session,
        "fs.writeFileSync('big.ts', 'export const x: number = 1;\\n' + '//'.padEnd(1100000, 'x'));\n\
         try { await import('./big.ts'); return 'loaded' } catch (e) { return [e.code, e.message.split('\\n')[1]] }",
    );
    assert_eq!(
        value(&out),
        json!([
            "ERR_MODULE_TOO_LARGE",
            "hint: split it into smaller modules, or raise the source limit"
        ])
    );
}
