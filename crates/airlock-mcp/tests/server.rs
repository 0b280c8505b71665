//! The code-mode server in process, over an in-memory duplex pipe: what it lists, how `run`
//! answers, discovery above the threshold, and one sandbox session per MCP session.

use std::sync::Arc;

use airlock::policy::Policy;
use airlock::tool::{Tool, ToolError, ToolSpec, Toolbox, tool_fn};
use airlock::{Sandbox, SandboxConfig, Toolset};
use airlock_mcp::{AirlockServer, ServerOptions};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};

fn tool(name: &str, description: &str) -> Arc<dyn Tool> {
    let spec = ToolSpec::new(name, description).with_input_schema(json!({
        "type": "object",
        "properties": { "amount": { "type": "number" } },
        "required": ["amount"]
    }));
    tool_fn(spec, |args: Value| async move {
        let amount = args["amount"]
            .as_f64()
            .ok_or_else(|| ToolError::failed("no amount"))?;
        Ok(json!({ "charged": amount }))
    })
}

fn sandbox(tools: Vec<Arc<dyn Tool>>, policy: &str) -> Sandbox {
    let mut toolbox = Toolbox::new();
    for t in tools {
        toolbox.add(t).expect("tool registers");
    }
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(
        toolbox,
        Policy::from_toml(policy, "airlock.toml").expect("policy"),
    );
    Sandbox::new(config).expect("sandbox")
}

async fn connect(server: AirlockServer) -> RunningService<RoleClient, ()> {
    connect_with_task(server).await.0
}

/// A client of `server`, and the task serving it (it ends when the client goes).
async fn connect_with_task(
    server: AirlockServer,
) -> (RunningService<RoleClient, ()>, tokio::task::JoinHandle<()>) {
    let (client_io, server_io) = tokio::io::duplex(1 << 20);
    let task = tokio::spawn(async move {
        if let Ok(running) = server.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    (().serve(client_io).await.expect("client connects"), task)
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .expect("the call is answered")
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

async fn run(client: &RunningService<RoleClient, ()>, code: &str) -> Value {
    call(client, "run", json!({ "code": code }))
        .await
        .structured_content
        .expect("run answers with structured content")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_few_tools_are_declared_in_runs_description() {
    let sandbox = sandbox(
        vec![
            tool("payments/charge", "Charge a card"),
            tool("hidden", "Never allowed"),
        ],
        "[[allow]]\ntools = \"payments/**\"\n",
    );
    let client = connect(AirlockServer::new(sandbox, &ServerOptions::default())).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| &*t.name).collect();
    assert_eq!(names, ["run"]);
    let description = tools[0].description.as_deref().unwrap_or_default();
    assert!(description.contains("payments_charge"), "{description}");
    assert!(description.contains("amount: number"), "{description}");
    assert!(
        !description.contains("hidden"),
        "a tool the policy never allows is declared: {description}"
    );
    assert!(tools[0].output_schema.is_some());

    let answer = run(&client, "return await payments.charge({ amount: 5 })").await;
    assert_eq!(answer["value"], json!({ "charged": 5 }));
    assert_eq!(answer["exitCode"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn above_the_threshold_tools_are_found_by_search_and_describe() {
    let sandbox = sandbox(
        vec![
            tool("stripe/charges/create", "Create a charge"),
            tool("stripe/refunds/create", "Refund a charge"),
            tool("crm/contacts/find", "Find a contact by email"),
        ],
        "",
    );
    let mut options = ServerOptions::default();
    options.discovery_threshold = 2;
    let client = connect(AirlockServer::new(sandbox, &options)).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| &*t.name).collect();
    assert_eq!(names, ["run", "search_tools", "describe_tool"]);
    let description = tools[0].description.as_deref().unwrap_or_default();
    assert!(description.contains("crm/contacts/find"), "{description}");
    assert!(!description.contains("amount: number"), "{description}");

    let found = call(&client, "search_tools", json!({ "query": "REFUND charge" })).await;
    let found = text(&found);
    assert!(
        found.starts_with("stripe/refunds/create: Refund a charge"),
        "{found}"
    );
    assert!(!found.contains("crm"), "{found}");

    let described = call(
        &client,
        "describe_tool",
        json!({ "name": "stripe.refunds.create" }),
    )
    .await;
    assert!(
        text(&described).contains("amount: number"),
        "{}",
        text(&described)
    );

    let missing = call(&client, "describe_tool", json!({ "name": "nope" })).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(
        text(&missing).contains("hint: search_tools"),
        "{}",
        text(&missing)
    );

    let nothing = call(&client, "search_tools", json!({ "query": "weather" })).await;
    assert!(
        text(&nothing).starts_with("no tool matches"),
        "{}",
        text(&nothing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_mcp_session_is_its_own_sandbox_session() {
    let sandbox = sandbox(
        vec![tool("charge", "Charge")],
        "[[allow]]\ntools = \"charge\"\nmax_calls = 1\n",
    );
    let options = ServerOptions::default();
    let first = connect(AirlockServer::new(sandbox.clone(), &options)).await;
    let second = connect(AirlockServer::new(sandbox, &options)).await;

    run(&first, "await fs.writeFile('a.txt', 'first')").await;
    assert_eq!(
        run(&first, "return await fs.readFile('a.txt', 'utf8')").await["value"],
        "first"
    );
    let other = run(&second, "return require('fs').existsSync('a.txt')").await;
    assert_eq!(other["value"], false);

    // The budget is the session's: spent by one run, it stays spent for the next.
    assert_eq!(
        run(&first, "return (await charge({ amount: 1 })).charged").await["value"],
        1
    );
    let denied = run(
        &first,
        "try { await charge({ amount: 1 }) } catch (e) { return e.code }",
    )
    .await;
    assert_eq!(denied["value"], "EPOLICY");
    assert_eq!(
        run(&second, "return (await charge({ amount: 2 })).charged").await["value"],
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_and_unknown_tools_are_clear_errors() {
    let client = connect(AirlockServer::new(
        sandbox(vec![], ""),
        &ServerOptions::default(),
    ))
    .await;
    let result = call(&client, "run", json!({ "code": "1", "language": "python" })).await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("python"), "{}", text(&result));
    assert!(text(&result).contains("hint:"), "{}", text(&result));

    let Value::Object(args) = json!({}) else {
        unreachable!()
    };
    let unknown = client
        .call_tool(CallToolRequestParams::new("search_tools").with_arguments(args))
        .await;
    let err = unknown.expect_err("search_tools is not offered below the threshold");
    assert!(err.to_string().contains("run"), "{err}");

    let failed = call(
        &client,
        "run",
        json!({ "code": "exit 3", "language": "shell" }),
    )
    .await;
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(
        failed.structured_content.as_ref().expect("structured")["exitCode"],
        3
    );
    assert!(
        text(&failed).ends_with("[exit code 3]"),
        "{}",
        text(&failed)
    );
}

/// A sandbox whose tool runtime has started can be dropped inside async code, as a server's
/// handlers are when a connection ends.
#[tokio::test]
async fn a_sandbox_with_a_running_tool_runtime_drops_inside_async_code() {
    let sandbox = sandbox(vec![tool("charge", "Charge")], "");
    let mut session = sandbox.session();
    let out = session
        .run(
            airlock::Language::JavaScript,
            "return (await charge({ amount: 3 })).charged",
        )
        .expect("runs");
    assert_eq!(out.value, Some(json!(3)));
    drop(session);
    drop(sandbox);
}
