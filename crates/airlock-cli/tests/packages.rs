//! The bundled npm packages against real Node: for each package a script can `import` in the
//! sandbox (lodash, date-fns, zod, papaparse, yaml, marked, with Node's `fs` and `path`), a
//! realistic agent-style snippet prints exactly the same stdout in `airlock run` as under Node
//! with the same package versions. A last snippet is a whole agent script in TypeScript that
//! reads a CSV from the workspace with four of them and `fs`. One more compares the numbers
//! `JSON.parse` reads, bit for bit (the guest converts them with its own `strtod`).
//!
//! Node runs each snippet from a temporary directory whose `node_modules` links to the pinned
//! packages `scripts/libs.sh` installs: `$AIRLOCK_LIBS_MODULES`, else
//! `$AIRLOCK_LIBS_CACHE/node_modules`, else `~/.cache/airlock-libs/node_modules`. Without them
//! (or without `node`) the tests fail; they never skip. Node runs with `TZ=UTC` and an en-US
//! locale, as the sandbox does. Snippets print with `console.log` of strings and
//! `JSON.stringify`, never a returned value, since the sandbox prints a script's result and
//! formats bare objects its own way.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The versions the sandbox bundles (`crates/airlock-guest/libs/package.json`): its
/// dependencies, and the CommonJS `lodash` Node imports for `import _ from "lodash"`.
fn pinned_versions() -> Vec<(String, String)> {
    let manifest = Path::new(&manifest_dir()).join("../airlock-guest/libs/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut pinned: Vec<(String, String)> = json["dependencies"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, version)| (name.clone(), version.as_str().unwrap().to_owned()))
        .collect();
    let lodash = json["devDependencies"]["lodash"].as_str().unwrap();
    pinned.push(("lodash".to_owned(), lodash.to_owned()));
    pinned
}

/// The `node_modules` with the pinned packages, checked once: present, and each package at
/// the version the sandbox bundles.
fn libs_modules() -> &'static Path {
    static MODULES: OnceLock<PathBuf> = OnceLock::new();
    MODULES.get_or_init(|| {
        let dir = match (
            std::env::var_os("AIRLOCK_LIBS_MODULES"),
            std::env::var_os("AIRLOCK_LIBS_CACHE"),
        ) {
            (Some(modules), _) => PathBuf::from(modules),
            (None, Some(cache)) => PathBuf::from(cache).join("node_modules"),
            (None, None) => {
                let home = std::env::var_os("HOME").expect("HOME is not set");
                PathBuf::from(home).join(".cache/airlock-libs/node_modules")
            }
        };
        assert!(
            dir.is_dir(),
            "the npm packages for comparing the sandbox with Node are missing at {}: \
             run `bash scripts/libs.sh` (or point AIRLOCK_LIBS_MODULES at a node_modules \
             holding them)",
            dir.display()
        );
        for (name, want) in pinned_versions() {
            let manifest = dir.join(&name).join("package.json");
            let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; run `bash scripts/libs.sh` to install the pinned packages",
                    manifest.display()
                )
            });
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            let have = json["version"].as_str().unwrap_or("?");
            assert_eq!(
                have,
                want,
                "{name} in {} is {have}, the sandbox bundles {want}: run `bash scripts/libs.sh`",
                dir.display()
            );
        }
        dir
    })
}

/// Stdout of a process that must have succeeded; on failure, its status and stderr.
fn success(what: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stderr ---\n{stderr}\n--- stdout ---\n{stdout}",
        out.status
    );
    assert!(
        !stdout.is_empty(),
        "{what} printed nothing\n--- stderr ---\n{stderr}"
    );
    stdout
}

/// Runs `dir/file` in the sandbox, with `dir/data` (if any) mounted at `/workspace/data`.
fn sandbox(dir: &Path, file: &str) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_airlock"));
    cmd.arg("run");
    let data = dir.join("data");
    if data.is_dir() {
        cmd.arg("--mount")
            .arg(format!("{}:/workspace/data", data.display()));
    }
    let out = cmd
        .arg(dir.join(file))
        .stdin(Stdio::null())
        .output()
        .expect("spawn airlock");
    success(&format!("airlock run {file}"), &out)
}

/// Runs `dir/file` under Node from `dir`, in UTC and en-US like the sandbox.
fn node(dir: &Path, file: &str) -> String {
    let out = Command::new("node")
        .arg(file)
        .current_dir(dir)
        .env("TZ", "UTC")
        .env("LC_ALL", "en_US.UTF-8")
        .env("LANG", "en_US.UTF-8")
        .env_remove("NODE_OPTIONS")
        .env_remove("NODE_PATH")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("spawn node ({e}): Node 20 must be on PATH"));
    success(&format!("node {file}"), &out)
}

/// The lines where two outputs differ, for a failure message a person can read.
fn line_diff(node: &str, sandbox: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (node.lines().collect(), sandbox.lines().collect());
    let mut diff = String::new();
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        if x != y {
            let show =
                |line: Option<&&str>| line.map_or("(no line)".to_owned(), |l| format!("{l:?}"));
            diff += &format!(
                "line {}:\n  node:    {}\n  sandbox: {}\n",
                i + 1,
                show(x),
                show(y)
            );
        }
    }
    if diff.is_empty() {
        diff = "(same lines; the outputs differ in a trailing newline)\n".to_owned();
    }
    diff
}

/// Writes the data files (paths relative to the directory, e.g. `data/sales.csv`), the
/// sandbox's script `sandbox_file` and Node's `snippet.mjs`, runs both and compares stdout.
fn compare(files: &[(&str, &str)], sandbox_file: &str, sandbox_src: &str, node_src: &str) {
    let dir = TempDir::new().unwrap();
    std::os::unix::fs::symlink(libs_modules(), dir.path().join("node_modules")).unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::write(dir.path().join(sandbox_file), sandbox_src).unwrap();
    std::fs::write(dir.path().join("snippet.mjs"), node_src).unwrap();
    let expected = node(dir.path(), "snippet.mjs");
    let actual = sandbox(dir.path(), sandbox_file);
    assert!(
        expected == actual,
        "the sandbox's stdout differs from Node's\n{}--- node ---\n{expected}--- sandbox ---\n{actual}",
        line_diff(&expected, &actual)
    );
}

/// A JavaScript snippet, the same file for both.
fn compare_js(files: &[(&str, &str)], src: &str) {
    compare(files, "snippet.mjs", src, src);
}

/// lodash: grouping, sorting and summing orders, a chain, string helpers, a template.
const LODASH: &str = r#"import _ from "lodash";

const orders = [
  { id: 1, customer: "acme", region: "eu", total: 120.5, items: ["bolt", "nut"], placed: "2024-03-02" },
  { id: 2, customer: "globex", region: "us", total: 80, items: ["gear"], placed: "2024-03-01" },
  { id: 3, customer: "acme", region: "eu", total: 42.25, items: ["nut", "washer"], placed: "2024-03-05" },
  { id: 4, customer: "initech", region: "us", total: 300, items: ["bolt", "gear", "spring"], placed: "2024-02-28" },
  { id: 5, customer: "globex", region: "apac", total: 15.75, items: [], placed: "2024-03-03" },
  { id: 6, customer: "umbrella", region: "eu", total: 99.99, items: ["spring"], placed: "2024-03-04" },
];

const byRegion = _.groupBy(orders, "region");
console.log(JSON.stringify(_.mapValues(byRegion, (rows) => _.round(_.sumBy(rows, "total"), 2))));
console.log(JSON.stringify(_.map(_.sortBy(orders, ["placed"]), "id")));
console.log(JSON.stringify(_.orderBy(orders, ["region", "total"], ["asc", "desc"]).map((o) => `${o.region}:${o.id}`)));
console.log(JSON.stringify(_.chunk(_.range(1, 11), 4)));
console.log(JSON.stringify(_.uniqBy(orders, "customer").map((o) => o.customer)));
console.log(JSON.stringify(_.keyBy(orders, (o) => `order-${o.id}`)["order-4"]));
console.log(JSON.stringify(_.countBy(_.flatMap(orders, "items"))));
const top = _.chain(orders)
  .filter((o) => o.total > 40)
  .map((o) => ({ customer: _.startCase(o.customer), total: o.total }))
  .orderBy(["total"], ["desc"])
  .take(3)
  .value();
console.log(JSON.stringify(top));
console.log(JSON.stringify(_.pick(_.merge({ a: { b: 1, c: [1, 2] } }, { a: { d: 2, c: [3] } }), ["a"])));
console.log(JSON.stringify(_.partition(orders, (o) => o.region === "eu").map((part) => part.length)));
console.log(JSON.stringify([_.camelCase("Total Order-count"), _.kebabCase("fooBarBaz"), _.snakeCase("Hello World"), _.padStart("7", 3, "0"), _.truncate("a long sentence to shorten", { length: 12 })]));
console.log(JSON.stringify(_.zipObject(["a", "b", "c"], [1, 2, 3])), JSON.stringify(_.difference([1, 2, 3, 4], [2, 4])), JSON.stringify(_.intersection([1, 2, 3], [2, 3, 4])));
console.log(JSON.stringify(_.get({ a: [{ b: { c: 3 } }] }, "a[0].b.c")), JSON.stringify(_.set({}, "x.y[1].z", 5)));
console.log(_.isEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), JSON.stringify(_.cloneDeep({ n: [1, [2]] })));
const tpl = _.template("Hello <%= user %>! You have <%- count %> new <% if (count === 1) { %>message<% } else { %>messages<% } %>.");
console.log(tpl({ user: "Ada", count: 3 }));
console.log(JSON.stringify(_.mean([1, 2, 3, 4])), JSON.stringify(_.maxBy(orders, "total").id), JSON.stringify(_.minBy(orders, "total").id));
"#;

/// date-fns on fixed UTC dates: format patterns, arithmetic, intervals, distances, parsing.
const DATE_FNS: &str = r#"import {
  addDays, addMonths, differenceInCalendarDays, differenceInBusinessDays, eachDayOfInterval,
  endOfMonth, format, formatDistance, formatDistanceStrict, formatISO, getISOWeek, isValid,
  isWeekend, parse, parseISO, startOfWeek, subHours, compareAsc, intervalToDuration, formatDuration,
} from "date-fns";

const start = parseISO("2024-02-27T09:30:00Z");
const end = parseISO("2024-03-04T18:05:00Z");
console.log(format(start, "yyyy-MM-dd HH:mm:ss"));
console.log(format(start, "EEEE, MMMM do yyyy 'at' h:mm a"));
console.log(format(end, "EEE dd MMM yy, QQQ, 'week' I"));
console.log(formatISO(addDays(start, 3)));
console.log(format(addMonths(parseISO("2024-01-31"), 1), "yyyy-MM-dd"));
console.log(format(endOfMonth(start), "yyyy-MM-dd"), getISOWeek(end));
console.log(differenceInCalendarDays(end, start), differenceInBusinessDays(end, start));
console.log(format(startOfWeek(end, { weekStartsOn: 1 }), "yyyy-MM-dd (EEE)"));
console.log(JSON.stringify(eachDayOfInterval({ start, end }).map((d) => format(d, "MM/dd") + (isWeekend(d) ? "*" : ""))));
console.log(formatDistance(start, end), "|", formatDistance(start, end, { addSuffix: true }), "|", formatDistanceStrict(end, start, { unit: "hour" }));
console.log(formatDistance(subHours(end, 30), end), "|", formatDistance(parseISO("2021-01-01"), end));
console.log(isValid(parseISO("2024-02-30")), isValid(parseISO("2024-02-29")), isValid(new Date("nope")));
console.log(format(parse("03/15/2024 14:07", "MM/dd/yyyy HH:mm", new Date(Date.UTC(2000, 0, 1))), "yyyy-MM-dd'T'HH:mm"));
console.log(formatDuration(intervalToDuration({ start, end })));
const dates = ["2024-05-01", "2023-12-25", "2024-01-15"].map((s) => parseISO(s));
console.log(JSON.stringify(dates.sort(compareAsc).map((d) => format(d, "PPP"))));
"#;

/// zod: an order schema with defaults, refine and transform; the issues of a bad order; coercion, unions, JSON Schema.
const ZOD: &str = r#"import { z } from "zod";

const Item = z.object({
  sku: z.string().regex(/^[A-Z]{3}-\d{3}$/, "sku must look like ABC-123"),
  qty: z.number().int().positive(),
  price: z.number().nonnegative(),
});
const Order = z.object({
  id: z.string().uuid(),
  email: z.string().email(),
  status: z.enum(["pending", "paid", "shipped"]),
  note: z.string().max(20).optional(),
  priority: z.number().int().min(1).max(5).default(3),
  tags: z.array(z.string()).default([]),
  items: z.array(Item).min(1),
  placedAt: z.string().datetime(),
}).refine((o) => o.status !== "shipped" || o.items.length > 1, { message: "shipped orders need 2+ items", path: ["items"] })
  .transform((o) => ({ ...o, total: o.items.reduce((sum, i) => sum + i.qty * i.price, 0) }));

const good = Order.safeParse({
  id: "3f2b8c1e-9a4d-4e6b-8f1a-2c3d4e5f6a7b",
  email: "ada@example.com",
  status: "paid",
  items: [{ sku: "ABC-123", qty: 2, price: 9.5 }, { sku: "XYZ-999", qty: 1, price: 0 }],
  placedAt: "2024-03-01T12:00:00Z",
});
console.log(good.success, JSON.stringify(good.data));

const bad = Order.safeParse({
  id: "not-a-uuid",
  email: "ada@",
  status: "lost",
  note: "this note is definitely far too long",
  priority: 9,
  items: [{ sku: "abc", qty: 0, price: -1 }, { sku: "DEF-456", qty: 1.5 }],
  placedAt: "yesterday",
  extra: true,
});
console.log(bad.success);
console.log(JSON.stringify(bad.error.issues, null, 2));
console.log(z.prettifyError(bad.error));
console.log(JSON.stringify(z.flattenError(bad.error)));

const refined = Order.safeParse({
  id: "3f2b8c1e-9a4d-4e6b-8f1a-2c3d4e5f6a7b",
  email: "ada@example.com",
  status: "shipped",
  items: [{ sku: "ABC-123", qty: 1, price: 1 }],
  placedAt: "2024-03-01T12:00:00Z",
});
console.log(JSON.stringify(refined.error.issues));

const Query = z.object({
  page: z.coerce.number().int().min(1),
  active: z.coerce.boolean(),
  since: z.coerce.date(),
  limit: z.string().transform((s) => parseInt(s, 10)).pipe(z.number().max(100)),
});
const q = Query.parse({ page: "2", active: "yes", since: "2024-01-02T00:00:00Z", limit: "50" });
console.log(JSON.stringify(q), q.since instanceof Date);

const Shape = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("circle"), r: z.number() }),
  z.object({ kind: z.literal("rect"), w: z.number(), h: z.number() }),
]);
console.log(JSON.stringify(["circle", "rect", "tri"].map((kind) => Shape.safeParse({ kind, r: 1, w: 2, h: 3 }).success)));
try {
  z.array(z.union([z.string(), z.number()])).parse(["a", 1, null]);
} catch (err) {
  console.log(err.name, err instanceof z.ZodError, err.issues.length, err.issues[0].code);
}
console.log(JSON.stringify(z.toJSONSchema(z.object({ name: z.string(), age: z.number().int().optional() }))));
const Strict = z.strictObject({ a: z.number() });
console.log(JSON.stringify(Strict.safeParse({ a: 1, b: 2 }).error.issues));
console.log(JSON.stringify(z.record(z.string(), z.number()).safeParse({ x: 1, y: "2" }).error.issues));
"#;

/// A CSV with quoted commas, doubled quotes, a newline in a field, a blank line and non-ASCII.
const PEOPLE_CSV: &str = r#"id,name,city,amount,active,joined
1,"Smith, Jane",Berlin,1200.50,true,2024-01-15
2,"O'Brien ""Bob""",Dublin,,false,2023-11-02

3,"Multi
line note",Paris,75,TRUE,2024-02-29
4,Zoë Ünïcode,Köln,-3.5e2,false,
"#;

/// papaparse: the workspace CSV with header, dynamic typing and skipped empty lines; other delimiters and quotes; step; unparse.
const PAPAPARSE: &str = r#"import Papa from "papaparse";
import fs from "node:fs";

const text = fs.readFileSync("data/people.csv", "utf8");
const parsed = Papa.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true });
console.log(JSON.stringify(parsed.data, null, 1));
console.log(JSON.stringify(parsed.errors), JSON.stringify(parsed.meta));

const raw = Papa.parse(text, { skipEmptyLines: "greedy" });
console.log(raw.data.length, JSON.stringify(raw.data[2]));

const tsv = Papa.parse("a\tb\tc\n1\t2\t3\n4\t5", { delimiter: "", header: true });
console.log(JSON.stringify(tsv.data), tsv.meta.delimiter, JSON.stringify(tsv.errors));

const semi = Papa.parse("x;y\n'1;2';3\n", { quoteChar: "'", transformHeader: (h) => h.toUpperCase(), transform: (v, field) => (field === "Y" ? Number(v) * 10 : v) , header: true, skipEmptyLines: true });
console.log(JSON.stringify(semi.data), semi.meta.delimiter);

const rows = [];
Papa.parse("n,sq\n1,1\n2,4\n3,9", { header: true, dynamicTyping: true, step: (r) => rows.push(r.data.n + r.data.sq) });
console.log(JSON.stringify(rows));

console.log(Papa.unparse(parsed.data));
console.log(Papa.unparse({ fields: ["city", "total"], data: [["Berlin", 1], ["Ham,burg", 2.5], ["New\nYork", null], ['Say "hi"', true]] }, { quotes: [true, false], delimiter: ";", newline: "\n" }));
console.log(Papa.unparse([{ a: 1, b: "=SUM(A1)" }, { a: 2, c: "extra" }], { escapeFormulae: true, columns: ["a", "b", "c"] }));
"#;

/// yaml: a config with anchors and merge keys, block scalars and scalar types; several documents; stringify; a Document with comments; an error.
const YAML: &str = r##"import YAML, { parseAllDocuments, Document } from "yaml";

const src = `# deployment config
defaults: &defaults
  replicas: 2
  image: registry.example.com/app:1.4.2
  env:
    LOG_LEVEL: info
    FEATURE_FLAGS: [search, "beta-ui"]
services:
  web:
    <<: *defaults
    replicas: 4
    ports:
      - 80
      - 443
  worker:
    <<: *defaults
    command: >
      node worker.js
      --queue jobs
    script: |
      set -e
      echo "starting"
release: 2024-03-01
ratio: 0.75
enabled: yes
nothing: ~
octal: 0o17
hex: 0x1F
big: 1e3
quoted: "line\\nbreak"
`;
const config = YAML.parse(src, { merge: true });
console.log(JSON.stringify(config, null, 2));

const docs = parseAllDocuments(`---
kind: Service
name: api
---
kind: Deployment
name: api
spec: {replicas: 3, selector: {app: api}}
...
`);
console.log(JSON.stringify(docs.map((d) => d.toJS())));

const out = YAML.stringify({
  name: "report",
  generated: "2024-03-04",
  counts: { ok: 12, failed: 0 },
  items: [{ id: 1, tags: ["a", "b"] }, { id: 2, tags: [] }],
  notes: "multi\nline\ntext",
  empty: null,
  special: "yes: no # not a comment",
  number_string: "0123",
});
console.log(out);

const doc = new Document({ a: 1, list: [1, 2] });
doc.contents.items[0].comment = " trailing";
doc.commentBefore = " generated";
doc.setIn(["list", 2], 3);
doc.set("nested", doc.createNode({ deep: { value: true } }));
console.log(doc.toString({ indent: 4 }));

try {
  YAML.parse("a: [1, 2\nb: 3");
} catch (err) {
  console.log(err.name, err.code, JSON.stringify(err.linePos));
}
const roundTrip = YAML.parseDocument("# top\nkey: value # keep me\nlist:\n  - x\n");
roundTrip.set("key", "changed");
console.log(String(roundTrip));
"##;

/// marked: a report with headings, nested and task lists, a quote, code, a table, links and an image; its tokens; a custom renderer.
const MARKED: &str = r###"import { marked, Marked } from "marked";

const md = `# Weekly report

Revenue grew **12%** week over week, see [the dashboard](https://example.com/dash "Dashboard") and <https://example.com>.

## Highlights

1. Shipped the *new* importer
2. Fixed ~~three~~ four bugs
   - including \`null\` handling
   - and a race
3. Started Q2 planning

- [x] write summary
- [ ] send email

> Note: numbers are preliminary.
> Second line.

\`\`\`js
const total = rows.reduce((a, b) => a + b.amount, 0);
console.log(\`total: \${total}\`);
\`\`\`

| Region | Sales | Change |
|:-------|------:|:------:|
| EU     | 1,200 | +5%    |
| US     | 3,400 | -2%    |

Line with a hard  
break, an image ![chart](chart.png), and escaped \\*stars\\* & <b>html</b>.

---

Footnote-ish text with a_b_c and 2 < 3.
`;
console.log(marked.parse(md));

const tokens = marked.lexer(md);
console.log(JSON.stringify(tokens.map((t) => t.type)));
console.log(JSON.stringify(tokens.filter((t) => t.type === "heading").map((t) => [t.depth, t.text])));
const table = tokens.find((t) => t.type === "table");
console.log(JSON.stringify(table.header.map((h) => h.text)), JSON.stringify(table.align), JSON.stringify(table.rows.map((r) => r.map((c) => c.text))));

const custom = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    heading({ tokens, depth }) {
      const text = this.parser.parseInline(tokens);
      const id = text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      return `<h${depth} id="${id}">${text}</h${depth}>\n`;
    },
    link({ href, text }) {
      return `<a href="${href}" rel="noopener">${text}</a>`;
    },
  },
});
console.log(custom.parse("## Hello, World!\nfirst\nsecond [x](http://x.test)"));
console.log(marked.parseInline("a **b** _c_ `d`"));
"###;

/// The agent script's CSV: ten orders, three of them invalid, one refunded, and a trailing blank line.
const SALES_CSV: &str = r#"order_id,customer,region,amount,currency,ordered_at,status
A-1001,Acme Corp,EU,1250.00,EUR,2024-03-04T09:15:00Z,paid
A-1002,"Globex, Inc.",US,830.5,USD,2024-03-04T17:40:00Z,paid
A-1003,Initech,US,-20,USD,2024-03-05T08:00:00Z,paid
A-1004,Umbrella,APAC,410.25,USD,2024-03-06T23:59:59Z,refunded
A-1005,Acme Corp,EU,99.99,EUR,not-a-date,paid
A-1006,Stark Industries,US,5000,USD,2024-03-08T12:00:00Z,pending
A-1007,"Wayne ""WE"" Enterprises",EU,720,GBP,2024-03-10T10:30:00Z,paid
A-1008,Initech,US,310.4,USD,2024-03-11T14:45:00Z,paid
A-1009,Hooli,MARS,12,USD,2024-03-11T15:00:00Z,paid
A-1010,Globex,US,1500,USD,2024-03-12T09:00:00Z,shipped

"#;

/// An agent's TypeScript script: reads the CSV with papaparse, validates rows with zod, groups with lodash, formats dates with date-fns and prints a JSON report.
const AGENT_TS: &str = r#"import _ from "lodash";
import { differenceInCalendarDays, format, parseISO, startOfISOWeek } from "date-fns";
import { z } from "zod";
import Papa from "papaparse";
import fs from "node:fs";
import { basename, join } from "node:path";

const Row = z.object({
  order_id: z.string().regex(/^A-\d{4}$/),
  customer: z.string().min(1).transform((s) => s.trim()),
  region: z.enum(["EU", "US", "APAC"]),
  amount: z.coerce.number().positive(),
  currency: z.enum(["EUR", "USD", "GBP"]),
  ordered_at: z.string().datetime().transform((s) => parseISO(s)),
  status: z.enum(["paid", "pending", "refunded", "shipped"]).default("pending"),
});
type Row = z.infer<typeof Row>;

interface Rejected {
  line: number;
  id: string;
  problems: string[];
}

interface RegionSummary {
  orders: number;
  revenue: number;
  customers: string[];
  first: string;
  last: string;
}

const path: string = join("data", "sales.csv");
const csv: string = fs.readFileSync(path, "utf8");
const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });

const valid: Row[] = [];
const rejected: Rejected[] = [];
parsed.data.forEach((raw: Record<string, string>, index: number) => {
  const result = Row.safeParse(raw);
  if (result.success) {
    valid.push(result.data);
  } else {
    rejected.push({
      line: index + 2,
      id: raw.order_id,
      problems: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
    });
  }
});

const paid: Row[] = valid.filter((r: Row): boolean => r.status !== "refunded");
const byRegion: Record<string, RegionSummary> = _.mapValues(
  _.groupBy(paid, (r: Row) => r.region),
  (rows: Row[]): RegionSummary => {
    const sorted = _.sortBy(rows, (r) => r.ordered_at.getTime());
    return {
      orders: rows.length,
      revenue: _.round(_.sumBy(rows, "amount"), 2),
      customers: _.uniq(rows.map((r) => r.customer)).sort(),
      first: format(sorted[0].ordered_at, "yyyy-MM-dd HH:mm"),
      last: format(sorted[sorted.length - 1].ordered_at, "EEE d MMM"),
    };
  },
);

const weekly = _.chain(paid)
  .groupBy((r: Row) => format(startOfISOWeek(r.ordered_at), "'W'II yyyy-MM-dd"))
  .map((rows: Row[], week: string) => ({ week, total: _.round(_.sumBy(rows, "amount"), 2), ids: _.map(rows, "order_id") }))
  .orderBy(["week"], ["asc"])
  .value();

const dates = paid.map((r) => r.ordered_at);
const span: number = differenceInCalendarDays(_.maxBy(dates, (d: Date) => d.getTime())!, _.minBy(dates, (d: Date) => d.getTime())!);
const top = _.orderBy(paid, ["amount"], ["desc"]).slice(0, 3).map(({ order_id, amount, currency }) => `${order_id} ${amount.toFixed(2)} ${currency}`);

const report = {
  source: basename(path),
  rows: parsed.data.length,
  valid: valid.length,
  spanDays: span,
  byRegion,
  weekly,
  top,
  rejected,
};
console.log(JSON.stringify(report, null, 2));
console.log(Papa.unparse(_.map(byRegion, (s: RegionSummary, region: string) => ({ region, orders: s.orders, revenue: s.revenue }))));
"#;

/// `AGENT_TS` without its types, for Node 20 (which cannot run TypeScript).
const AGENT_JS: &str = r#"import _ from "lodash";
import { differenceInCalendarDays, format, parseISO, startOfISOWeek } from "date-fns";
import { z } from "zod";
import Papa from "papaparse";
import fs from "node:fs";
import { basename, join } from "node:path";

const Row = z.object({
  order_id: z.string().regex(/^A-\d{4}$/),
  customer: z.string().min(1).transform((s) => s.trim()),
  region: z.enum(["EU", "US", "APAC"]),
  amount: z.coerce.number().positive(),
  currency: z.enum(["EUR", "USD", "GBP"]),
  ordered_at: z.string().datetime().transform((s) => parseISO(s)),
  status: z.enum(["paid", "pending", "refunded", "shipped"]).default("pending"),
});
const path = join("data", "sales.csv");
const csv = fs.readFileSync(path, "utf8");
const parsed = Papa.parse(csv, { header: true, skipEmptyLines: true });

const valid = [];
const rejected = [];
parsed.data.forEach((raw, index) => {
  const result = Row.safeParse(raw);
  if (result.success) {
    valid.push(result.data);
  } else {
    rejected.push({
      line: index + 2,
      id: raw.order_id,
      problems: result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
    });
  }
});

const paid = valid.filter((r) => r.status !== "refunded");
const byRegion = _.mapValues(
  _.groupBy(paid, (r) => r.region),
  (rows) => {
    const sorted = _.sortBy(rows, (r) => r.ordered_at.getTime());
    return {
      orders: rows.length,
      revenue: _.round(_.sumBy(rows, "amount"), 2),
      customers: _.uniq(rows.map((r) => r.customer)).sort(),
      first: format(sorted[0].ordered_at, "yyyy-MM-dd HH:mm"),
      last: format(sorted[sorted.length - 1].ordered_at, "EEE d MMM"),
    };
  },
);

const weekly = _.chain(paid)
  .groupBy((r) => format(startOfISOWeek(r.ordered_at), "'W'II yyyy-MM-dd"))
  .map((rows, week) => ({ week, total: _.round(_.sumBy(rows, "amount"), 2), ids: _.map(rows, "order_id") }))
  .orderBy(["week"], ["asc"])
  .value();

const dates = paid.map((r) => r.ordered_at);
const span = differenceInCalendarDays(_.maxBy(dates, (d) => d.getTime()), _.minBy(dates, (d) => d.getTime()));
const top = _.orderBy(paid, ["amount"], ["desc"]).slice(0, 3).map(({ order_id, amount, currency }) => `${order_id} ${amount.toFixed(2)} ${currency}`);

const report = {
  source: basename(path),
  rows: parsed.data.length,
  valid: valid.length,
  spanDays: span,
  byRegion,
  weekly,
  top,
  rejected,
};
console.log(JSON.stringify(report, null, 2));
console.log(Papa.unparse(_.map(byRegion, (s, region) => ({ region, orders: s.orders, revenue: s.revenue }))));
"#;

/// A Date as a string, and date-fns's error for a wrong token (the message names the date).
const DATE_STRING: &str = r#"import { format } from "date-fns";

const when = new Date(Date.UTC(2024, 2, 4, 18, 5));
console.log(String(when));
try {
  format(when, "YYYY-MM-DD");
} catch (err) {
  console.log(`${err.name}: ${err.message}`);
}
"#;

#[test]
fn lodash_collections_strings_and_templates() {
    compare_js(&[], LODASH);
}

#[test]
fn date_fns_formats_parses_and_measures_fixed_dates() {
    compare_js(&[], DATE_FNS);
}

#[test]
fn zod_parses_and_reports_issues() {
    compare_js(&[], ZOD);
}

#[test]
fn papaparse_reads_a_workspace_csv_and_writes_csv() {
    compare_js(&[("data/people.csv", PEOPLE_CSV)], PAPAPARSE);
}

#[test]
fn yaml_parses_anchors_and_documents_and_stringifies() {
    compare_js(&[], YAML);
}

#[test]
fn marked_renders_a_report_to_html() {
    compare_js(&[], MARKED);
}

#[test]
fn typescript_agent_script_reports_on_a_workspace_csv() {
    compare(
        &[("data/sales.csv", SALES_CSV)],
        "agent.ts",
        AGENT_TS,
        AGENT_JS,
    );
}

#[test]
fn date_fns_error_names_the_date_as_node_does() {
    compare_js(&[], DATE_STRING);
}

/// Numbers as `JSON.parse` reads them, bit for bit: rounding at the edges of a double's
/// precision, subnormals, overflow to infinity, underflow to zero, long digit strings, and
/// numbers inside a document.
const JSON_NUMBERS: &str = r#"const cases = [
  "0", "-0", "1", "-12.5e3", "0.1", "0.30000000000000004", "1E+2", "1e-7", "2E-2",
  "1e400", "-1e-400", "9007199254740993", "9007199254740995", "4.9e-324", "5e-324",
  "2.4703282292062327e-324", "2.4703282292062328e-324", "2.2250738585072011e-308",
  "2.2250738585072012e-308", "1.7976931348623157e308", "1.7976931348623158e308",
  "1.7976931348623159e308", "123456789012345678901234567890", "3.14159265358979323846264338327950288",
  "0." + "0".repeat(400) + "1", "1" + "0".repeat(308), "1" + "0".repeat(309),
  "0." + "9".repeat(40), "-" + "7".repeat(25) + "e-30", "100000000000000000000000e-23",
];
const view = new DataView(new ArrayBuffer(8));
for (const text of cases) {
  const value = JSON.parse(text);
  view.setFloat64(0, value);
  console.log(text.slice(0, 40), view.getBigUint64(0).toString(16), String(value));
}
console.log(JSON.stringify(JSON.parse('{"a":[1.5,-2e-3,1e21,123456789.123456789,{"b":-0.0}],"c":7E2}')));
for (const bad of ["01", "1.", ".5", "+1", "1e", "-", "0x10", "Infinity", "NaN", "1e+"]) {
  try { JSON.parse(bad); console.log(bad, "parsed"); } catch (e) { console.log(bad, e.name); }
}
"#;

#[test]
fn json_parse_reads_numbers_bit_for_bit_as_node_does() {
    compare_js(&[], JSON_NUMBERS);
}

/// JSON.stringify's quoting (escapes, lone and paired surrogates, Latin-1 and wide strings, long
/// and concatenated strings, keys), toJSON and replacers with their keys, indentation, boxed
/// values, property lists; JSON.parse's integers, -0 and large numbers, keys (escaped, numeric,
/// repeated, `__proto__`, non-ASCII), revivers and malformed input: all as Node gives them.
const JSON_EDGES: &str = r#"const out = [];
const log = (x) => out.push(typeof x === 'string' ? x : JSON.stringify(x));
const wide = 'wide\u0100';
const strs = ['', 'plain', 'q"uote', 'back\\slash', 'ctl\u0001\u001f\b\f\n\r\t', 'latin\u00e9\u00ff', wide + '"x"\n',
  '\ud83d\ude00 pair', 'lone \ud83d hi', 'lone \ude00 lo', 'end hi \ud83d', '\udc00\ud800', 'a'.repeat(50) + 'b'.repeat(50),
  'x\u2028y\u2029', '\u007f\u0080'];
for (const s of strs) { log(JSON.stringify(s)); log(JSON.stringify({ [s]: s })); log(JSON.stringify([s, s])); }
let rope = ''; for (let i = 0; i < 200; i++) rope += 'r"' + i; log(JSON.stringify(rope)); log(JSON.stringify({ [rope]: rope }));
log(JSON.stringify([1, 2, { toJSON(k) { return 'k=' + k + ':' + typeof k; } }]));
log(JSON.stringify({ a: { toJSON(k) { return 'k=' + k + ':' + typeof k; } } }));
log(JSON.stringify({ toJSON(k) { return 'root=' + JSON.stringify(k); } }));
log(JSON.stringify([10, [20, 30], { x: [40] }], (k, v) => (typeof k) + ':' + k + '|' + (typeof v === 'object' ? v : v)));
const seen = []; JSON.stringify([5, 6, { y: 7 }], function (k, v) { seen.push([typeof k, k]); return v; }); log(seen);
log(JSON.stringify({ b: 1, a: [1, 'x', null, undefined, () => 1, Symbol('s')], c: undefined }, null, 2));
log(JSON.stringify([new String('s"'), new Number(3), new Boolean(false), Object('x')], null, '--'));
log(JSON.stringify({ 2: 'two', 1: 'one', b: 'b', a: 'a' }, ['a', 1, 'b']));
log(JSON.stringify([NaN, Infinity, -0, 1e21, 1.5, -1e-7, 2 ** 31, -(2 ** 31)]));
try { const c = []; c.push(c); JSON.stringify(c); } catch (e) { log(e.name + ': circular'); }
const cyc = { x: [1, { y: null }] }; cyc.x[1].y = cyc;
try { JSON.stringify(cyc); } catch (e) { log(e.name + ': circular'); }
const shared = { s: 1 }; log(JSON.stringify({ a: shared, b: shared, c: [shared, shared] }));
let deep = {}; let cur = deep; for (let i = 0; i < 500; i++) { cur.n = {}; cur = cur.n; } log(JSON.stringify(deep).length);
const t2 = { v: 1 }; const t1 = { toJSON() { return { inner: t2 }; } }; log(JSON.stringify([t1, t1]));
const viaToJSON = {}; viaToJSON.self = { toJSON() { return viaToJSON; } };
try { JSON.stringify(viaToJSON); } catch (e) { log(e.name + ': circular via toJSON'); }
try { JSON.stringify(1n); } catch (e) { log(e.name); }
const nums = ['0', '-0', '1', '-1', '123456789', '-123456789', '999999999', '-999999999', '1234567890', '-1234567890',
  '2147483647', '2147483648', '-2147483648', '-2147483649', '9007199254740993', '1e5', '1E+2', '-1.5', '0.0', '-0.0', '1.0', '100', '012'.slice(1),
  '[1,-0,0,3]', '{"a":-0}'];
for (const n of nums) { const v = JSON.parse(n); log([n, typeof v, String(v), Object.is(v, -0), JSON.stringify(v)]); }
for (const bad of ['01', '-', '1.', '1e', '+1', '--1', '1-', '.5', '{"a" 1}', '{"a":1,}', '{,}', '{"a\\x":1}', '{"\u0001":1}', '{a:1}', '{"a":1', '"abc', '{"ab']) {
  try { JSON.parse(bad); log('parsed ' + bad); } catch (e) { log('throws ' + e.name + ' for ' + bad); }
}
const keys = '{"id":1,"name":"x","":2,"__proto__":3,"1":4,"01":5,"a\\"b":6,"\\u0061":7,"é":8,"😀":9,"id":10,"4294967295":11,"4294967294":12,"a\\\\b":13, "sp ace" : 14}';
const o = JSON.parse(keys); log(Object.keys(o)); log(Object.values(o)); log(Object.getPrototypeOf(o) === Object.prototype);
log(JSON.parse('[{"k":1},{"k":2},{"k":{"k":[{"k":3}]}}]'));
log(JSON.stringify(JSON.parse(keys, function (k, v) { return typeof v === 'number' ? v * 2 : v; })));
log(JSON.parse(' \t\n\r{ "a" :\n [ 1 , 2 ] } '));
log([JSON.parse('999999999') * 3, JSON.parse('-999999999') - 2, JSON.parse('7') / 2, JSON.parse('[46341]')[0] ** 2, -JSON.parse('0'), 1 / JSON.parse('-0')]);
const big = []; for (let i = 0; i < 1000; i++) big.push({ ['k' + (i % 7)]: i, s: 'v"' + i }); log(JSON.stringify(JSON.parse(JSON.stringify(big))).length);
console.log(out.join('\n'));
"#;

#[test]
fn json_stringify_and_parse_match_node_on_edge_cases() {
    compare_js(&[], JSON_EDGES);
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
