//! The shell inside the sandbox: `Language::Shell` runs, JavaScript's `shell()`, the shell's
//! `tool` command under the policy, and streaming pipes on large data.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Language, Sandbox, SandboxConfig, Session, Toolset};
use serde_json::json;

fn sh(session: &mut Session, script: &str) -> (String, String, i32) {
    let out = session
        .run(Language::Shell, script)
        .expect("the run starts");
    (out.stdout_text(), out.stderr_text(), out.exit_code)
}

#[test]
fn a_pipeline_runs_and_its_exit_status_is_the_runs() {
    let mut session = common::sandbox().session();
    let (out, _, code) = sh(&mut session, "echo hi | tr a-z A-Z; exit 3");
    assert_eq!((out.as_str(), code), ("HI\n", 3));
}

#[test]
fn the_shell_and_javascript_share_the_filesystem() {
    let mut session = common::sandbox().session();
    let (_, err, code) = sh(
        &mut session,
        "mkdir -p data && printf 'b\\na\\nc\\n' > data/x.txt",
    );
    assert_eq!(code, 0, "{err}");
    let out = session
        .run(
            Language::JavaScript,
            r#"
            const sorted = await shell.run('sort data/x.txt | head -n 2');
            const r = await shell('cat nope.txt');
            await fs.writeFile('from-js.txt', sorted);
            return { sorted, code: r.exitCode, err: r.stderr.trim() };
            "#,
        )
        .expect("the run starts");
    assert_eq!(
        out.value,
        Some(
            json!({ "sorted": "a\nb\n", "code": 1, "err": "cat: nope.txt: No such file or directory" })
        )
    );
    let (out, _, _) = sh(&mut session, "cat from-js.txt | wc -l");
    assert_eq!(out.trim(), "2");
}

#[test]
fn shell_run_rejects_with_the_exit_code() {
    let mut session = common::sandbox().session();
    let out = session
        .run(
            Language::JavaScript,
            "try { await shell.run('echo partial; exit 4') } catch (e) { return [e.code, e.exitCode, e.stdout] }",
        )
        .expect("the run starts");
    assert_eq!(out.value, Some(json!(["ESHELL", 4, "partial\n"])));
}

#[test]
fn large_data_streams_through_pipes_without_loss() {
    let mut session = common::sandbox().session();
    let (out, err, code) = sh(
        &mut session,
        "seq 1 300000 > big.txt; cat big.txt | awk '{s+=$1} END {print s}'; \
         yes | head -n 200000 | wc -l; cat big.txt | sort -rn | head -n 1",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "45000150000\n200000\n300000\n");
}

#[test]
fn a_syntax_error_names_the_line_and_runs_nothing() {
    let mut session = common::sandbox().session();
    let (_, err, code) = sh(&mut session, "touch made.txt\nif true; then\n  echo x\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("syntax error") && err.contains("line"),
        "{err}"
    );
    assert!(!session.vfs().exists("/workspace/made.txt"), "nothing runs");
}

#[test]
fn unknown_commands_exit_127() {
    let mut session = common::sandbox().session();
    let (_, err, code) = sh(&mut session, "frobnicate --now");
    assert_eq!(
        (err.as_str(), code),
        ("frobnicate: command not found\n", 127)
    );
}

fn tool_session(calls: &Arc<AtomicUsize>) -> Session {
    let mut toolbox = Toolbox::new();
    let counter = Arc::clone(calls);
    let spec = ToolSpec::new("bank/transfer", "Move money").with_input_schema(json!({
        "type": "object",
        "properties": { "amount": { "type": "number" }, "to": { "type": "string" } },
        "required": ["amount"]
    }));
    toolbox
        .add(tool_fn(spec, move |args| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { Ok(json!({ "sent": args["amount"], "to": args["to"] })) }
        }))
        .expect("the tool registers");
    let policy = Policy::from_toml(
        "[[allow]]\ntools = \"bank/*\"\n[allow.args]\namount = { min = 1, max = 1000 }",
        "airlock.toml",
    )
    .expect("the policy compiles");
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(toolbox, policy);
    Sandbox::new(config).expect("the sandbox builds").session()
}

#[test]
fn the_tool_command_coerces_by_schema_and_obeys_the_policy() {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut session = tool_session(&calls);
    // `--to 5` stays a string (the schema says string); `--amount 5` becomes a number.
    let (out, err, code) = sh(
        &mut session,
        "tool bank/transfer --amount 5 --to 5 | jq -c .",
    );
    assert_eq!(
        (out.as_str(), code),
        ("{\"sent\":5,\"to\":\"5\"}\n", 0),
        "{err}"
    );
    let (_, err, code) = sh(&mut session, "tool bank.transfer --amount 5000");
    assert_eq!(code, 126);
    assert!(
        err.contains("PolicyDenied: bank/transfer: amount = 5000")
            && err.contains("allow[0] in airlock.toml"),
        "{err}"
    );
    let (_, err, code) = sh(&mut session, "tool bank/transfer --amount lots");
    assert_eq!(code, 2, "{err}");
    let (out, _, code) = sh(
        &mut session,
        "tool --list; tool bank/transfer --help | head -n 1",
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("bank/transfer\tMove money\nUsage: tool bank/transfer"),
        "{out}"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "denied and invalid calls never reach the tool"
    );
}
