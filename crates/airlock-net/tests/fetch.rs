//! `http/fetch` against a real HTTP server on loopback (allowed by its exact address, as an
//! operator would allow an internal service): methods, bodies, redirects, bounds, the address
//! rules, and secrets.

// The test server's helpers unwrap: a failure there is a broken test, not a case to handle.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use airlock_net::{Network, Secret, fetch_tool};
use airlock_tools::{CallContext, Tool, ToolError};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use serde_json::{Value, json};

/// Starts the test server on 127.0.0.1 (an ephemeral port) for the rest of the process.
async fn server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, hyper::service::service_fn(route))
                    .await;
            });
        }
    });
    addr
}

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%3A", ":").replace("%2F", "/")))
        .collect()
}

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let q = query(&req);
    let path = req.uri().path().to_string();
    let reply = |status: u16, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header("x-served-by", "test")
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    };
    Ok(match path.as_str() {
        "/text" => reply(200, b"hello".to_vec()),
        "/echo" => {
            let method = req.method().to_string();
            let headers: serde_json::Map<String, Value> = req
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").into()))
                .collect();
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let out = json!({"method": method, "headers": headers,
                "body": String::from_utf8_lossy(&body)});
            reply(200, out.to_string().into_bytes())
        }
        "/redirect" => Response::builder()
            .status(q.get("code").map_or(302, |c| c.parse().unwrap()))
            .header("location", q.get("to").cloned().unwrap_or("/text".into()))
            .body(Full::new(Bytes::new()))
            .unwrap(),
        "/loop" => Response::builder()
            .status(302)
            .header("location", "/loop")
            .body(Full::new(Bytes::new()))
            .unwrap(),
        "/bytes" => {
            let n: usize = q.get("n").map_or(16, |n| n.parse().unwrap());
            reply(200, (0..n).map(|i| (i % 256) as u8).collect())
        }
        "/slow" => {
            let ms: u64 = q.get("ms").map_or(1000, |n| n.parse().unwrap());
            tokio::time::sleep(Duration::from_millis(ms)).await;
            reply(200, b"late".to_vec())
        }
        "/missing" => reply(404, b"no such thing".to_vec()),
        _ => reply(500, b"unknown route".to_vec()),
    })
}

fn allowing(addr: SocketAddr) -> Network {
    Network::default()
        .allow(&addr.to_string())
        .unwrap()
        .with_methods(["GET", "HEAD", "POST", "PUT"])
        .unwrap()
}

async fn call(tool: &Arc<dyn Tool>, args: Value) -> Result<Value, ToolError> {
    tool.call(args, CallContext::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_carry_methods_headers_and_bodies_and_responses_come_back_whole() {
    let addr = server().await;
    let tool = fetch_tool(allowing(addr)).unwrap();
    let base = format!("http://{addr}");

    let r = call(&tool, json!({"url": format!("{base}/text")}))
        .await
        .unwrap();
    assert_eq!(r["status"], 200);
    assert_eq!(r["statusText"], "OK");
    assert_eq!(r["body"], "hello");
    assert_eq!(r["bodyEncoding"], "utf8");
    assert_eq!(r["redirected"], false);
    assert!(
        r["headers"]
            .as_array()
            .unwrap()
            .contains(&json!(["x-served-by", "test"]))
    );

    let r = call(
        &tool,
        json!({"url": format!("{base}/echo"), "method": "post",
            "headers": {"content-type": "application/json", "x-one": "1", "host": "evil.example"},
            "body": "{\"a\":1}"}),
    )
    .await
    .unwrap();
    let echoed: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["body"], "{\"a\":1}");
    assert_eq!(echoed["headers"]["x-one"], "1");
    // A Host header from the script is dropped: the request goes to the host it names.
    assert_eq!(echoed["headers"]["host"], addr.to_string());

    // Bytes that are not UTF-8 come back as base64, exactly.
    let r = call(&tool, json!({"url": format!("{base}/bytes?n=300")}))
        .await
        .unwrap();
    assert_eq!(r["bodyEncoding"], "base64");
    use base64::Engine as _;
    let got = base64::engine::general_purpose::STANDARD
        .decode(r["body"].as_str().unwrap())
        .unwrap();
    assert_eq!(got, (0..300).map(|i| (i % 256) as u8).collect::<Vec<u8>>());

    let r = call(&tool, json!({"url": format!("{base}/missing")}))
        .await
        .unwrap();
    assert_eq!(r["status"], 404);
    assert_eq!(r["body"], "no such thing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_checked_and_bounded() {
    let addr = server().await;
    let tool = fetch_tool(allowing(addr)).unwrap();
    let base = format!("http://{addr}");

    let r = call(&tool, json!({"url": format!("{base}/redirect?to=/text")}))
        .await
        .unwrap();
    assert_eq!(r["body"], "hello");
    assert_eq!(r["redirected"], true);
    assert_eq!(r["url"], format!("{base}/text"));

    // 303 after a POST turns into a GET without the body.
    let r = call(
        &tool,
        json!({"url": format!("{base}/redirect?code=303&to=/echo"), "method": "POST", "body": "x"}),
    )
    .await
    .unwrap();
    let echoed: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "GET");
    assert_eq!(echoed["body"], "");

    let manual = call(
        &tool,
        json!({"url": format!("{base}/redirect?to=/text"), "redirect": "manual"}),
    )
    .await
    .unwrap();
    assert_eq!(manual["status"], 302);
    let refused = call(
        &tool,
        json!({"url": format!("{base}/redirect?to=/text"), "redirect": "error"}),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), "ETOOL");

    let looping = call(&tool, json!({"url": format!("{base}/loop")}))
        .await
        .unwrap_err();
    assert!(
        looping.message().contains("more than 10 redirects"),
        "{looping}"
    );

    // A redirect to an address the network does not allow is refused, as a first request is.
    for to in [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.2:1/",
        "http://example.com/",
        "file:///etc/passwd",
    ] {
        let err = call(&tool, json!({"url": format!("{base}/redirect?to={to}")}))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "EPOLICY", "{to}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_methods_and_private_addresses_are_refused_unless_allowed_exactly() {
    let addr = server().await;
    let port = addr.port();
    let tool = fetch_tool(allowing(addr)).unwrap();

    let refusals = [
        (
            json!({"url": "https://example.com/"}),
            "not in [network] allow",
        ),
        (
            json!({"url": format!("http://{addr}/text"), "method": "DELETE"}),
            "method is not in [network] methods",
        ),
        (
            json!({"url": format!("http://127.0.0.1:{}/", port + 1)}),
            "not in [network] allow",
        ),
        (json!({"url": "ftp://127.0.0.1/"}), "only http and https"),
    ];
    for (args, why) in refusals {
        let err = call(&tool, args.clone()).await.unwrap_err();
        assert_eq!(err.code(), "EPOLICY", "{args}: {err}");
        assert!(err.message().contains(why), "{args}: {err}");
        assert!(err.to_string().contains("hint:"), "{err}");
    }

    // A name that resolves to loopback is refused even when the name is allowed: the
    // address itself must be.
    let by_name = fetch_tool(
        Network::default()
            .allow(&format!("localhost:{port}"))
            .unwrap(),
    )
    .unwrap();
    let err = call(
        &by_name,
        json!({"url": format!("http://localhost:{port}/text")}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "EPOLICY", "{err}");
    assert!(
        err.message().contains("resolves to") && err.message().contains("loopback"),
        "{err}"
    );
    // The address allowed on another port does not open this one.
    let other_port = fetch_tool(
        Network::default()
            .allow(&format!("localhost:{port}"))
            .unwrap()
            .allow(&format!("127.0.0.1:{}", port.wrapping_add(1)))
            .unwrap(),
    )
    .unwrap();
    let err = call(
        &other_port,
        json!({"url": format!("http://localhost:{port}/text")}),
    )
    .await
    .unwrap_err();
    assert!(err.message().contains("resolves to"), "{err}");
    // Allowing the address too lets the name through, to that address.
    let both = fetch_tool(
        Network::default()
            .allow(&format!("localhost:{port}"))
            .unwrap()
            .allow(&format!("127.0.0.1:{port}"))
            .unwrap(),
    )
    .unwrap();
    let r = call(
        &both,
        json!({"url": format!("http://localhost:{port}/text")}),
    )
    .await
    .unwrap();
    assert_eq!(r["body"], "hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_and_time_are_bounded() {
    let addr = server().await;
    let mut net = allowing(addr);
    net.max_response = 1000;
    net.timeout = Duration::from_millis(300);
    let tool = fetch_tool(net).unwrap();
    let base = format!("http://{addr}");

    let ok = call(&tool, json!({"url": format!("{base}/bytes?n=1000")})).await;
    assert!(ok.is_ok(), "{ok:?}");
    let big = call(&tool, json!({"url": format!("{base}/bytes?n=1001")}))
        .await
        .unwrap_err();
    assert!(big.message().contains("larger than 1000 bytes"), "{big}");

    let started = std::time::Instant::now();
    let slow = call(&tool, json!({"url": format!("{base}/slow?ms=2000")}))
        .await
        .unwrap_err();
    assert_eq!(slow.code(), "ETIMEDOUT", "{slow}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    // The script's own, shorter deadline.
    let short = call(
        &tool,
        json!({"url": format!("{base}/slow?ms=2000"), "timeoutMs": 50}),
    )
    .await
    .unwrap_err();
    assert_eq!(short.code(), "ETIMEDOUT");
    assert!(short.message().contains("0.05 s"), "{short}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_reach_their_host_only_and_never_come_back() {
    let addr = server().await;
    let secret = Secret::new(
        &addr.to_string(),
        "Authorization",
        "Bearer {env:TOKEN}",
        |_| Some("tok-SECRET-42".into()),
    )
    .unwrap();
    let tool = fetch_tool(allowing(addr).with_secret(secret)).unwrap();
    let r = call(
        &tool,
        json!({"url": format!("http://{addr}/echo"), "headers": {"authorization": "mine"}}),
    )
    .await
    .unwrap();
    let text = r.to_string();
    // The server got the host's header, not the script's; the echo of it is scrubbed.
    assert!(!text.contains("tok-SECRET-42"), "{text}");
    let echoed: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["headers"]["authorization"], "[REDACTED]");

    // A secret for another host is not sent here.
    let elsewhere = Secret::new("api.example.com", "X-Key", "k-123456789", |_| None).unwrap();
    let tool = fetch_tool(allowing(addr).with_secret(elsewhere)).unwrap();
    let r = call(&tool, json!({"url": format!("http://{addr}/echo")}))
        .await
        .unwrap();
    let echoed: Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
    assert!(echoed["headers"].get("x-key").is_none());
}
