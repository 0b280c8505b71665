//! The example components of `examples/components/`, built from source by `scripts/components.sh`
//! (Rust with wit-bindgen, JavaScript with jco componentize, Python with componentize-py), called
//! through the tool interface the pipeline uses.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use airlock_components::{
    ComponentHost, ComponentSpec, FileGrant, Grants, Limits, LoadedComponent, Provided,
};
use airlock_tools::{CallContext, Tool, ToolError};
use serde_json::{Value, json};

fn components_dir() -> PathBuf {
    let dir = std::env::var_os("AIRLOCK_COMPONENTS").map_or_else(
        || {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/airlock-peers/components")
        },
        PathBuf::from,
    );
    assert!(
        dir.join("inventory.wasm").exists(),
        "the example components are not built in {}: run `bash scripts/components.sh`",
        dir.display()
    );
    dir
}

fn host() -> Arc<ComponentHost> {
    ComponentHost::shared(false).expect("the component host starts")
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn load(file: &str, spec: ComponentSpec) -> LoadedComponent {
    host()
        .load_file(&components_dir().join(file), spec)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn tools(c: &LoadedComponent) -> BTreeMap<String, Arc<dyn Tool>> {
    c.tools(|_| true)
        .into_iter()
        .map(|t| (t.spec().name.clone(), t))
        .collect()
}

fn call(
    tools: &BTreeMap<String, Arc<dyn Tool>>,
    name: &str,
    args: Value,
) -> Result<Value, ToolError> {
    let tool = tools
        .get(name)
        .unwrap_or_else(|| panic!("no tool {name}: {:?}", tools.keys()));
    runtime().block_on(tool.call(args, CallContext::default()))
}

fn inventory(spec: ComponentSpec) -> BTreeMap<String, Arc<dyn Tool>> {
    tools(&load("inventory.wasm", spec))
}

#[test]
fn every_world_function_becomes_a_typed_tool() {
    let c = load(
        "inventory.wasm",
        ComponentSpec::new("inventory").describe("echo", "Echoes a number."),
    );
    let names: Vec<&str> = c.functions().iter().map(|f| f.tool.as_str()).collect();
    for expected in [
        "inventory/find",
        "inventory/restock",
        "inventory/checksum",
        "inventory/fetch-text",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let echo = c
        .functions()
        .iter()
        .find(|f| f.tool == "inventory/echo")
        .unwrap();
    assert_eq!(echo.description, "Echoes a number.");
    let find = c
        .functions()
        .iter()
        .find(|f| f.tool == "inventory/find")
        .unwrap();
    assert_eq!(
        find.input_schema["required"],
        json!(["query"]),
        "{}",
        find.input_schema
    );
    assert!(find.signature.contains("option<u32>"), "{}", find.signature);
    // What the component imports, by the grant it needs.
    let http = c
        .imports()
        .iter()
        .find(|i| i.name.starts_with("wasi:http/outgoing-handler"))
        .unwrap();
    assert_eq!(http.provided, Provided::ByGrant("network"));
}

#[test]
fn records_variants_enums_flags_and_options_cross_both_ways() {
    let t = inventory(ComponentSpec::new("inventory"));
    let all = call(&t, "inventory/find", json!({"query": {"tag": "all"}})).unwrap();
    let items = all.as_array().unwrap();
    assert!(items.len() >= 3, "{all}");
    for item in items {
        assert!(
            item["unit"].is_string() && item["tags"].is_array(),
            "{item}"
        );
    }
    assert!(
        items.iter().any(|i| i["price-cents"].is_null()),
        "one item has no price: {all}"
    );
    let limited = call(
        &t,
        "inventory/find",
        json!({"query": {"tag": "all"}, "limit": 1}),
    )
    .unwrap();
    assert_eq!(limited.as_array().unwrap().len(), 1);
    let sku = items[0]["sku"].as_str().unwrap();
    let one = call(
        &t,
        "inventory/find",
        json!({"query": {"tag": "by-sku", "val": sku}}),
    )
    .unwrap();
    assert_eq!(one[0]["sku"], json!(sku));
}

#[test]
fn a_result_err_is_a_tool_error_carrying_its_payload() {
    let t = inventory(ComponentSpec::new("inventory"));
    let items = call(&t, "inventory/find", json!({"query": {"tag": "all"}})).unwrap();
    let sku = items[0]["sku"].as_str().unwrap();
    let before = items[0]["quantity"].as_u64().unwrap();
    let ok = call(&t, "inventory/restock", json!({"sku": sku, "amount": 5})).unwrap();
    assert_eq!(ok["quantity"].as_u64().unwrap(), before + 5, "{ok}");
    let err = call(
        &t,
        "inventory/restock",
        json!({"sku": "NOPE-1", "amount": 1}),
    )
    .unwrap_err();
    assert_eq!(err.code(), "ETOOL");
    assert!(err.message().contains("NOPE-1"), "{err}");
    assert!(
        err.data()
            .is_some_and(|d| d.as_str().is_some_and(|s| s.contains("NOPE-1"))),
        "{err:?}"
    );
}

#[test]
fn integers_are_exact_and_out_of_range_values_are_refused() {
    let t = inventory(ComponentSpec::new("inventory"));
    // FNV-1a 64 of "hello": above 2^53, so it cannot be a JSON number without rounding.
    let sum = call(&t, "inventory/checksum", json!({"data": b"hello".to_vec()})).unwrap();
    let text = sum
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| sum.to_string());
    assert_eq!(
        u64::from_str_radix("a430d84680aabd0b", 16)
            .unwrap()
            .to_string(),
        text
    );
    assert_eq!(
        call(&t, "inventory/echo", json!({"n": 4_294_967_295u64})).unwrap(),
        json!(4_294_967_295u64)
    );
    let err = call(&t, "inventory/echo", json!({"n": 4_294_967_296u64})).unwrap_err();
    assert!(err.message().contains('n'), "{err}");
    assert!(call(&t, "inventory/echo", json!({"n": -1})).is_err());
}

#[test]
fn a_trap_is_a_tool_error_with_the_panic_message_and_the_next_call_works() {
    let t = inventory(ComponentSpec::new("inventory"));
    let err = call(&t, "inventory/divide", json!({"a": 1, "b": 0})).unwrap_err();
    assert_eq!(err.code(), "ETOOL");
    assert!(err.message().contains("trapped"), "{err}");
    assert!(
        err.message().contains("stderr:"),
        "the panic message is quoted: {err}"
    );
    assert_eq!(
        call(&t, "inventory/divide", json!({"a": 9, "b": 3})).unwrap(),
        json!(3)
    );
}

#[test]
fn runaway_components_are_stopped_by_time_and_memory_limits() {
    let mut limits = Limits::default();
    limits.timeout = Duration::from_millis(300);
    limits.memory = 32 << 20;
    let t = inventory(ComponentSpec::new("inventory").with_limits(limits));
    let started = Instant::now();
    let err = call(&t, "inventory/spin", json!({})).unwrap_err();
    assert_eq!(err.code(), "ETIMEDOUT", "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // hog stops at the first refused allocation, so it reports less than it asked for, or traps.
    match call(&t, "inventory/hog", json!({"mb": 256})) {
        Ok(got) => assert!(got.as_u64().unwrap() < 32, "{got}"),
        Err(err) => assert!(err.message().contains("memory limit"), "{err}"),
    }
    assert_eq!(
        call(&t, "inventory/echo", json!({"n": 7})).unwrap(),
        json!(7)
    );
}

#[test]
fn output_is_captured_never_printed() {
    let t = inventory(ComponentSpec::new("inventory"));
    assert_eq!(
        call(&t, "inventory/shout", json!({"text": "hello"})).unwrap(),
        Value::Null
    );
}

#[test]
fn the_environment_holds_only_what_was_granted() {
    let t = inventory(ComponentSpec::new("inventory"));
    assert_eq!(
        call(&t, "inventory/getenv", json!({"name": "HOME"})).unwrap(),
        Value::Null
    );
    let mut grants = Grants::default();
    grants.env.insert("UNITS".into(), "metric".into());
    grants.env_from_host.push("HOME".into());
    let t = inventory(ComponentSpec::new("inventory").with_grants(grants));
    assert_eq!(
        call(&t, "inventory/getenv", json!({"name": "UNITS"})).unwrap(),
        json!("metric")
    );
    assert_eq!(
        call(&t, "inventory/getenv", json!({"name": "HOME"})).unwrap(),
        json!(std::env::var("HOME").unwrap())
    );
    assert_eq!(
        call(&t, "inventory/getenv", json!({"name": "PATH"})).unwrap(),
        Value::Null
    );
}

/// Serves `GET` on loopback with a fixed body, one connection at a time.
fn serve_http() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = format!("served {path}");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

#[test]
fn outgoing_http_reaches_granted_hosts_only() {
    let port = serve_http();
    let url = format!("http://127.0.0.1:{port}/forecast?city=Oslo");
    // No grant: the request fails cleanly inside the component, naming the missing grant.
    let t = inventory(ComponentSpec::new("inventory"));
    let err = call(&t, "inventory/fetch-text", json!({"url": url})).unwrap_err();
    assert!(err.message().contains("no network grant"), "{err}");
    let mut grants = Grants::default();
    grants.network.push(format!("127.0.0.1:{port}"));
    let t = inventory(ComponentSpec::new("inventory").with_grants(grants.clone()));
    let ok = call(&t, "inventory/fetch-text", json!({"url": url})).unwrap();
    assert_eq!(ok, json!([200, "served /forecast?city=Oslo"]));
    // Another host (or port) is refused, naming it.
    let err = call(
        &t,
        "inventory/fetch-text",
        json!({"url": "http://localhost:1/x"}),
    )
    .unwrap_err();
    assert!(err.message().contains("localhost:1"), "{err}");
    // A method outside the grant is refused too (the component only GETs; grant POST only).
    grants.methods = vec!["POST".into()];
    let t = inventory(ComponentSpec::new("inventory").with_grants(grants));
    let err = call(&t, "inventory/fetch-text", json!({"url": url})).unwrap_err();
    assert!(err.message().contains("method is not granted"), "{err}");
}

#[test]
fn concurrent_calls_run_at_once() {
    let c = load("inventory.wasm", ComponentSpec::new("inventory"));
    let nap = c.tools(|n| n == "nap").pop().unwrap();
    let started = Instant::now();
    let results = runtime().block_on(async {
        let calls: Vec<_> = (0..100)
            .map(|_| tokio::spawn(nap.call(json!({"ms": 100}), CallContext::default())))
            .collect();
        let mut out = Vec::new();
        for c in calls {
            out.push(c.await.unwrap());
        }
        out
    });
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    // 100 naps of 100 ms one after another would take 10 s.
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_javascript_component_exports_an_interface() {
    let t = tools(&load("textkit.wasm", ComponentSpec::new("textkit")));
    assert_eq!(
        call(
            &t,
            "textkit/text/convert",
            json!({"text": "hello world", "style": "title"})
        )
        .unwrap(),
        json!("Hello World")
    );
    let stats = call(&t, "textkit/text/analyse", json!({"text": "a bb\nccc"})).unwrap();
    assert_eq!(stats["words"], json!(3));
    assert_eq!(stats["longest"], json!("ccc"));
    let empty = call(&t, "textkit/text/analyse", json!({"text": ""})).unwrap();
    assert_eq!(empty["longest"], Value::Null);
    let err = call(&t, "textkit/text/parse-number", json!({"s": "abc"})).unwrap_err();
    assert!(err.message().contains("abc"), "{err}");
    assert!(
        call(
            &t,
            "textkit/text/convert",
            json!({"text": "x", "style": "shouting"})
        )
        .is_err()
    );
}

#[test]
fn a_python_component_loads_without_its_toolchain_hooks() {
    let c = load("stats.wasm", ComponentSpec::new("stats"));
    assert!(
        c.functions().iter().all(|f| !f.tool.contains("init")),
        "{:?}",
        c.functions()
    );
    assert!(
        c.skipped().iter().any(|s| s.export.contains("init")),
        "{:?}",
        c.skipped()
    );
    let t = tools(&c);
    let summary = call(
        &t,
        "stats/describe",
        json!({"values": [1.0, 2.0, 3.0, 10.0]}),
    )
    .unwrap();
    assert_eq!(summary["count"], json!(4));
    assert_eq!(summary["median"], json!(2.5));
    let err = call(&t, "stats/describe", json!({"values": []})).unwrap_err();
    assert_eq!(err.code(), "ETOOL");
    let area = call(
        &t,
        "stats/area",
        json!({"s": {"tag": "rect", "val": [2.0, 3.5]}}),
    )
    .unwrap();
    assert_eq!(area, json!(7.0));
    assert_eq!(
        call(&t, "stats/area", json!({"s": {"tag": "point"}})).unwrap(),
        json!(0.0)
    );
    let hist = call(
        &t,
        "stats/histogram",
        json!({"values": [0.0, 1.0, 2.0, 3.0], "buckets": 2}),
    )
    .unwrap();
    assert_eq!(hist.as_array().unwrap().len(), 2, "{hist}");
}

#[test]
fn a_file_that_is_not_a_component_is_refused_with_a_hint() {
    let dir = tempdir();
    let module = dir.join("core.wasm");
    std::fs::write(&module, b"\0asm\x01\0\0\0").unwrap();
    let err = host()
        .load_file(&module, ComponentSpec::new("core"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a WebAssembly component"), "{err}");
    let err = host()
        .load_file(&dir.join("missing.wasm"), ComponentSpec::new("m"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read"), "{err}");
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("airlock-components-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn call_with_files(
    tools: &BTreeMap<String, Arc<dyn Tool>>,
    name: &str,
    args: Value,
    files: &airlock_vfs::Vfs,
) -> Result<Value, ToolError> {
    let tool = tools.get(name).expect("tool");
    assert!(tool.wants_files());
    let mut cx = CallContext::default();
    cx.files = Some(Arc::new(files.clone()));
    runtime().block_on(tool.call(args, cx))
}

#[test]
fn a_files_grant_shows_a_folder_of_the_session_read_only() {
    let mut vfs = airlock_vfs::Vfs::new(airlock_vfs::VfsLimits::default());
    vfs.mkdir("/workspace/in/sub", true).expect("mkdir");
    vfs.write("/workspace/in/sub/a.txt", b"written by the script")
        .expect("write");
    vfs.write("/workspace/secret.txt", b"not granted")
        .expect("write");
    let mut grants = Grants::default();
    grants
        .files
        .insert("/data".into(), FileGrant::read_only("/workspace/in"));
    let t = inventory(ComponentSpec::new("inventory").with_grants(grants));
    assert_eq!(
        call_with_files(
            &t,
            "inventory/read-text",
            json!({"path": "/data/sub/a.txt"}),
            &vfs
        )
        .unwrap(),
        json!("written by the script")
    );
    // Nothing outside the granted folder exists for the component, and it cannot write.
    for path in [
        "/workspace/secret.txt",
        "/data/../secret.txt",
        "/etc/passwd",
    ] {
        let err =
            call_with_files(&t, "inventory/read-text", json!({"path": path}), &vfs).unwrap_err();
        assert_eq!(err.code(), "ETOOL", "{path}: {err}");
    }
    let err = call_with_files(
        &t,
        "inventory/write-text",
        json!({"path": "/data/new.txt", "text": "x"}),
        &vfs,
    )
    .unwrap_err();
    assert_eq!(err.code(), "ETOOL", "{err}");
    // Without the grant there are no folders at all.
    let t = inventory(ComponentSpec::new("inventory"));
    assert!(
        call(
            &t,
            "inventory/read-text",
            json!({"path": "/data/sub/a.txt"})
        )
        .is_err()
    );
}

#[test]
fn a_read_write_grant_hands_back_what_the_component_wrote() {
    let mut vfs = airlock_vfs::Vfs::new(airlock_vfs::VfsLimits::default());
    vfs.mkdir("/workspace/out", true).expect("mkdir");
    vfs.write("/workspace/out/old.txt", b"old").expect("write");
    let mut grants = Grants::default();
    let mut grant = FileGrant::read_only("/workspace/out");
    grant.writable = true;
    grants.files.insert("/out".into(), grant);
    let t = inventory(ComponentSpec::new("inventory").with_grants(grants));
    let tool = t.get("inventory/write-text").expect("tool");
    let mut cx = CallContext::default();
    cx.files = Some(Arc::new(vfs.clone()));
    let changes = cx.changes.clone();
    runtime()
        .block_on(tool.call(json!({"path": "/out/new.txt", "text": "new"}), cx))
        .expect("write");
    let changes = changes.take();
    assert_eq!(
        changes,
        [airlock_tools::FileChange::Write {
            path: "/workspace/out/new.txt".into(),
            data: Arc::new(b"new".to_vec()),
        }],
        "only the new file comes back; the session's files are untouched until it is applied"
    );
    assert!(!vfs.exists("/workspace/out/new.txt"));
    // A call that fails hands back nothing.
    let mut cx = CallContext::default();
    cx.files = Some(Arc::new(vfs.clone()));
    let changes = cx.changes.clone();
    let err = runtime()
        .block_on(tool.call(json!({"path": "/elsewhere/x.txt", "text": "x"}), cx))
        .unwrap_err();
    assert_eq!(err.code(), "ETOOL", "{err}");
    assert!(changes.take().is_empty());
}

#[test]
fn a_writable_grant_may_not_overlap_another() {
    let mut grants = Grants::default();
    let mut grant = FileGrant::read_only("/workspace");
    grant.writable = true;
    grants.files.insert("/all".into(), grant);
    grants
        .files
        .insert("/in".into(), FileGrant::read_only("/workspace/in"));
    let err = host()
        .load_file(
            &components_dir().join("inventory.wasm"),
            ComponentSpec::new("inventory").with_grants(grants),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("may not overlap"), "{err}");
}
