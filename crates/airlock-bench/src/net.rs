//! `fetch`: the host's overhead over a direct request from Rust, and concurrent requests.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use airlock::net::{Network, fetch_tool};
use airlock::tool::{CallContext, Toolbox};
use airlock::{Sandbox, SandboxConfig, Toolset};
use bytes::Bytes;
use http_body_util::Full;
use serde_json::json;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SEQUENTIAL: usize = 2000;
const IN_SCRIPT: usize = 500;
const CONCURRENT: usize = 100;

/// A loopback server: `/` answers "hello"; `/slow` after 100 ms.
async fn server() -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req: hyper::Request<_>| async move {
                    if req.uri().path() == "/slow" {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"hello",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

fn per(total: Duration, n: usize) -> f64 {
    total.as_secs_f64() * 1e6 / n as f64
}

pub fn run() -> Result<()> {
    // The server has a runtime of its own, as it would be another process; the direct client
    // another, as the sandbox's tool runtime is.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let addr = server_rt.block_on(server())?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let url = format!("http://{addr}/");
    let network = || -> Result<Network> { Ok(Network::default().allow(&addr.to_string())?) };

    // A direct request from Rust: reqwest with keep-alive, as the tool uses it.
    let client = reqwest::Client::builder().no_proxy().build()?;
    let direct = rt.block_on(async {
        for _ in 0..100 {
            client.get(&url).send().await?.bytes().await?;
        }
        let t = Instant::now();
        for _ in 0..SEQUENTIAL {
            client.get(&url).send().await?.bytes().await?;
        }
        Ok::<_, reqwest::Error>(t.elapsed())
    })?;
    let direct_us = per(direct, SEQUENTIAL);

    // The tool on its own: argument reading, host and address checks, the response's shape.
    let tool = fetch_tool(network()?)?;
    let args = json!({ "url": url });
    let tool_time = rt.block_on(async {
        for _ in 0..100 {
            tool.call(args.clone(), CallContext::default()).await?;
        }
        let t = Instant::now();
        for _ in 0..SEQUENTIAL {
            tool.call(args.clone(), CallContext::default()).await?;
        }
        Ok::<_, airlock::tool::ToolError>(t.elapsed())
    })?;
    let tool_us = per(tool_time, SEQUENTIAL);

    // Through a script: each `await fetch(url)` is a tool call through the whole pipeline.
    let sandbox = |concurrency: usize| -> Result<Sandbox> {
        let mut toolbox = Toolbox::new();
        toolbox.add(fetch_tool(network()?)?)?;
        let mut config = SandboxConfig::default();
        config.tools = Toolset::new(toolbox, airlock::policy::Policy::allow_all());
        config.limits.tool_calls_per_run = 100_000;
        config.limits.tool_concurrency = concurrency;
        config.limits.timeout = Some(Duration::from_secs(120));
        Ok(Sandbox::new(config)?)
    };
    let sb = sandbox(16)?;
    let mut session = sb.session();
    let sequential = format!(
        "for (let i = 0; i < {IN_SCRIPT}; i++) {{ const r = await fetch({url:?}); await r.text(); }}"
    );
    let empty = format!("for (let i = 0; i < {IN_SCRIPT}; i++) await Promise.resolve(i);");
    let base = crate::tools::median_run(&mut session, &empty, 3)?;
    let script = crate::tools::median_run(&mut session, &sequential, 5)?;
    let script_us = per(script.saturating_sub(base), IN_SCRIPT);
    // The same script against a canned `http/fetch` answering at once: what the guest's
    // fetch and the pipeline cost without the network's waiting.
    let canned = {
        let mut toolbox = Toolbox::new();
        toolbox.add(airlock::tool::tool_fn(
            airlock::tool::ToolSpec::new("http/fetch", "A canned response"),
            |_| async {
                Ok(json!({"url": "http://127.0.0.1/", "status": 200, "statusText": "OK",
                    "redirected": false, "headers": [["content-length", "5"], ["content-type", "text/plain"]],
                    "body": "hello", "bodyEncoding": "utf8"}))
            },
        ))?;
        let mut config = SandboxConfig::default();
        config.tools = Toolset::new(toolbox, airlock::policy::Policy::allow_all());
        config.limits.tool_calls_per_run = 100_000;
        let sb = Sandbox::new(config)?;
        let mut session = sb.session();
        let t = crate::tools::median_run(&mut session, &sequential, 5)?;
        per(t.saturating_sub(base), IN_SCRIPT)
    };

    println!(
        "{:<52} {:>10.1} us",
        "direct GET from Rust (reqwest, keep-alive), loopback", direct_us
    );
    println!(
        "{:<52} {:>10.1} us   (+{:.1} us over direct)",
        "http/fetch tool called from Rust",
        tool_us,
        tool_us - direct_us
    );
    println!(
        "{:<52} {:>10.1} us   (+{:.1} us over direct)   target <= 100 us",
        "fetch() in a script, per sequential request",
        script_us,
        script_us - direct_us
    );
    println!(
        "{:<52} {:>10.1} us   (the guest's fetch and the pipeline, no network)",
        "fetch() in a script against a canned http/fetch", canned
    );

    let slow = format!("http://{addr}/slow");
    let all = format!(
        "await Promise.all(Array.from({{ length: {CONCURRENT} }}, () => fetch({slow:?}).then((r) => r.text())));"
    );
    for concurrency in [16, CONCURRENT] {
        let sb = sandbox(concurrency)?;
        let mut session = sb.session();
        let wall = crate::tools::median_run(&mut session, &all, 3)?;
        println!(
            "{:<52} {:>10.1} ms   (each takes 100 ms; tool_concurrency {concurrency})",
            format!("{CONCURRENT} concurrent fetches, wall time"),
            wall.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
