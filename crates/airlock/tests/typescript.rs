//! TypeScript scripts: they run as the JavaScript their types leave, call tools, keep their
//! line numbers in errors, and replay from a journal as written.
#![allow(clippy::unwrap_used)]

mod common;

use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{JOURNAL_RESULT_THRESHOLD, Language, Replay, Termination, Toolset};
use common::sandbox;
use serde_json::json;

const SCRIPT: &str = r#"interface Order { id: number; total: number; status?: string }
enum Status { Open = "open", Paid = "paid" }
type Totals = Record<string, number>;
function sum<T extends Order>(orders: T[]): number {
  return orders.reduce((acc: number, o: T) => acc + o.total, 0);
}
const orders = (await shop.orders({ status: Status.Open })) as Order[];
const byId: Totals = {};
for (const o of orders) byId[String(o.id)] = o.total!;
return { total: sum(orders), byId, paid: Status.Paid satisfies string };
"#;

fn shop() -> Toolset {
    let mut toolbox = Toolbox::new();
    toolbox
        .add(tool_fn(ToolSpec::new("shop/orders", "Orders"), |args| async move {
            Ok(json!([{ "id": 1, "total": 5, "status": args["status"] }, { "id": 2, "total": 7 }]))
        }))
        .unwrap();
    Toolset::new(toolbox, Policy::allow_all())
}

#[test]
fn a_typescript_script_calls_tools_and_returns_its_value() {
    let mut session = sandbox().session();
    session.set_toolset(shop());
    let out = session.run(Language::TypeScript, SCRIPT).unwrap();
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    assert_eq!(
        out.value,
        Some(json!({ "total": 12, "byId": { "1": 5, "2": 7 }, "paid": "paid" }))
    );
    assert_eq!(out.calls[0].args, Some(json!({ "status": "open" })));
}

#[test]
fn an_error_points_at_the_line_the_script_was_written_on() {
    let mut session = sandbox().session();
    let code = "type A = { n: number };\nconst a: A = { n: 1 };\n\nthrow new Error(`bad ${a.n as number}`);\n";
    let out = session.run(Language::TypeScript, code).unwrap();
    assert_eq!(out.exit_code, 1);
    let stderr = out.stderr_text();
    assert!(stderr.contains("Error: bad 1"), "{stderr}");
    assert!(stderr.contains("script.ts:4"), "{stderr}");
}

#[test]
fn a_script_that_does_not_parse_is_a_syntax_error_naming_its_line() {
    let mut session = sandbox().session();
    let out = session
        .run(
            Language::TypeScript,
            "const a: number = 1;\nconst b: = 2;\n",
        )
        .unwrap();
    assert_eq!(out.termination, Termination::Exited(1));
    let stderr = out.stderr_text();
    assert!(stderr.starts_with("SyntaxError: "), "{stderr}");
    assert!(stderr.contains("script.ts:2:"), "{stderr}");
    let out = session
        .run(
            Language::TypeScript,
            "class P { constructor(private x: number) {} }",
        )
        .unwrap();
    assert!(
        out.stderr_text().contains("hint: "),
        "{}",
        out.stderr_text()
    );
    assert_eq!(session.runs(), 0, "a script that never ran is not a run");
}

#[test]
fn a_journaled_typescript_run_replays_as_written() {
    let path = std::env::temp_dir().join(format!("airlock-ts-{}.jsonl", std::process::id()));
    let mut session = sandbox().session();
    session.set_toolset(shop());
    session.set_journal(
        std::fs::File::create(&path).unwrap(),
        JOURNAL_RESULT_THRESHOLD,
    );
    let recorded = session.run(Language::TypeScript, SCRIPT).unwrap();
    drop(session);
    let entries =
        airlock::journal::read(std::io::BufReader::new(std::fs::File::open(&path).unwrap()))
            .unwrap();
    let airlock::journal::Entry::Start(start) = &entries[0] else {
        panic!("the journal starts with a start entry");
    };
    assert_eq!(start.language, airlock::journal::Language::TypeScript);
    assert_eq!(start.script, SCRIPT);
    let mut replaying = sandbox().session();
    replaying.set_toolset(shop());
    replaying.set_replay(Replay::new(entries.clone()).unwrap());
    let replayed = replaying
        .run(Language::from(start.language), &start.script)
        .unwrap();
    assert_eq!(replayed.value, recorded.value);
    std::fs::remove_file(&path).ok();
}

/// What a model writes when the prompt says TypeScript, packages and tools: imports lodash,
/// date-fns and zod, reads a CSV from the workspace, calls a tool per customer and returns a
/// typed result. It runs as written, and replays from its journal.
const AGENT: &str = r#"import _ from "lodash";
import { format, parseISO, differenceInCalendarDays } from "date-fns";
import { z } from "zod";
import Papa from "papaparse";

const Row = z.object({ id: z.number().int(), customer: z.string(), total: z.number(), date: z.string() });
type Row = z.infer<typeof Row>;
interface Summary { customer: string; orders: number; spent: number; lastOrder: string; status: string }

const csv: string = await fs.readFile("orders.csv", "utf8");
const rows: Row[] = z.array(Row).parse(Papa.parse(csv, { header: true, dynamicTyping: true, skipEmptyLines: true }).data);
const byCustomer = _.groupBy(rows, (r: Row) => r.customer);
const summaries: Summary[] = await Promise.all(Object.entries(byCustomer).map(async ([customer, orders]) => {
  const last = _.maxBy(orders, (o: Row) => o.date)!;
  const open = (await shop.orders({ status: "open" })) as { id: number }[];
  return {
    customer,
    orders: orders.length,
    spent: _.round(_.sumBy(orders, "total"), 2),
    lastOrder: format(parseISO(last.date), "MMM d, yyyy"),
    status: open.some((o) => o.id === last.id) ? "open" : "closed",
  } satisfies Summary;
}));
const span = differenceInCalendarDays(parseISO(_.maxBy(rows, "date")!.date), parseISO(_.minBy(rows, "date")!.date));
return { span, top: _.orderBy(summaries, ["spent"], ["desc"]) };
"#;

const ORDERS: &[u8] =
    b"id,customer,total,date\n1,ann,30.5,2024-01-03\n3,bob,7.25,2024-01-01\n2,ann,12,2024-01-31\n";

#[test]
fn an_agent_script_with_packages_files_and_tools_runs_as_written_and_replays() {
    let path = std::env::temp_dir().join(format!("airlock-ts-agent-{}.jsonl", std::process::id()));
    let expected = json!({
        "span": 30,
        "top": [
            { "customer": "ann", "orders": 2, "spent": 42.5, "lastOrder": "Jan 31, 2024", "status": "open" },
            { "customer": "bob", "orders": 1, "spent": 7.25, "lastOrder": "Jan 1, 2024", "status": "closed" },
        ]
    });
    let mut session = sandbox().session();
    session.set_toolset(shop());
    session.set_journal(
        std::fs::File::create(&path).unwrap(),
        JOURNAL_RESULT_THRESHOLD,
    );
    session
        .vfs_mut()
        .write("/workspace/orders.csv", ORDERS)
        .unwrap();
    let out = session.run(Language::TypeScript, AGENT).unwrap();
    drop(session);
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    assert_eq!(out.value, Some(expected.clone()));
    assert_eq!(out.calls.len(), 2);

    let entries =
        airlock::journal::read(std::io::BufReader::new(std::fs::File::open(&path).unwrap()))
            .unwrap();
    let mut replaying = sandbox().session();
    replaying.set_toolset(shop());
    replaying.set_replay(Replay::new(entries).unwrap());
    replaying
        .vfs_mut()
        .write("/workspace/orders.csv", ORDERS)
        .unwrap();
    let replayed = replaying.run(Language::TypeScript, AGENT).unwrap();
    assert_eq!(replayed.exit_code, 0, "{}", replayed.stderr_text());
    assert_eq!(replayed.value, Some(expected));
    std::fs::remove_file(&path).ok();
}
