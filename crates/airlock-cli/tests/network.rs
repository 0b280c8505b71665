//! The network through the `airlock` binary: `fetch` in JavaScript and `curl` in the shell,
//! against a real HTTP server on loopback (tests/fixtures/http_server.py), allowed by its exact
//! address in `[network]`. Denials, secrets the script never sees, the journal and replay.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use tempfile::TempDir;

fn server() -> String {
    format!("{}/tests/fixtures/http_server.py", manifest_dir())
}

/// The fixture server: killed when dropped.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Self {
        let log = dir.join("server.log");
        let mut child = Command::new("python3")
            .arg(server())
            .arg(&log)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 http server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read port");
        let port = line.trim().parse().expect("port");
        Self { child, port, log }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What reached the server, one JSON line per request.
    fn requests(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Dir(TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("tempdir"))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.to_str().expect("utf-8").to_string()
    }

    fn airlock(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .expect("spawn airlock")
    }

    fn js(&self, config: &str, code: &str) -> Output {
        self.airlock(&["run", "--config", config, "-e", code], &[])
    }

    fn sh(&self, config: &str, code: &str) -> Output {
        self.airlock(
            &["run", "--config", config, "--lang", "sh", "-e", code],
            &[],
        )
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn network(server: &Server, extra: &str) -> String {
    format!(
        "[network]\nallow = [\"127.0.0.1:{}\"]\nmethods = [\"GET\", \"HEAD\", \"POST\"]\n{extra}",
        server.port
    )
}

#[test]
fn fetch_gets_and_posts_with_the_web_api_shapes() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let config = dir.write("airlock.toml", &network(&server, ""));
    let code = format!(
        r#"
        const r = await fetch("{json}");
        console.log(r.status, r.ok, r.statusText, r.headers.get("content-type"), r.url === "{json}");
        const data = await r.json();
        try {{ await r.text(); }} catch (e) {{ console.log(e.name, e.message); }}
        const post = await fetch(new Request("{echo}", {{
          method: "post",
          headers: {{ "Content-Type": "application/json", "X-Trace": "t1" }},
          body: JSON.stringify({{ n: data.items.length }}),
        }}));
        const echoed = await post.json();
        console.log(echoed.method, echoed.headers["x-trace"], echoed.body);
        const bytes = new Uint8Array(await (await fetch("{bytes}")).arrayBuffer());
        console.log(bytes.length, bytes[0], bytes[255]);
        // 6 MB of bytes (8 MB as base64) fit: [network] raises tool_result to max_response.
        const big = new Uint8Array(await (await fetch("{bytes}?n=24000")).arrayBuffer());
        console.log(big.length, big[256 * 23999 + 7]);
        const moved = await fetch("{redirect}");
        console.log(moved.redirected, moved.url.endsWith("/json"), (await moved.json()).name);
        const missing = await fetch("{missing}");
        console.log(missing.status, missing.ok, await missing.text());
        const form = await fetch("{echo}", {{ method: "POST", body: new URLSearchParams({{ a: "1 2" }}) }});
        const f = await form.json();
        console.log(f.headers["content-type"], f.body);
        return data.name;
        "#,
        json = server.url("/json"),
        echo = server.url("/echo"),
        bytes = server.url("/bytes"),
        redirect = server.url("/redirect?to=/json"),
        missing = server.url("/nothing"),
    );
    let out = ok(&dir.js(&config, &code));
    assert_eq!(
        out,
        "200 true OK application/json true\n\
         TypeError Body is unusable: Body has already been read\n\
         POST t1 {\"n\":3}\n\
         256 0 255\n\
         6144000 7\n\
         true true airlock\n\
         404 false not found: /nothing\n\
         application/x-www-form-urlencoded;charset=UTF-8 a=1+2\n\
         airlock\n"
    );
}

#[test]
fn denials_are_catchable_fetch_failures_with_code_epolicy() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let port = server.port;
    let other = port.wrapping_add(1);
    // localhost is allowed by name, but it resolves to loopback, which is not allowed; the
    // policy narrows fetch further, to some paths.
    let config = dir.write(
        "airlock.toml",
        &format!(
            "[network]\nallow = [\"127.0.0.1:{port}\", \"localhost:{other}\"]\n\n\
             [[allow]]\ntools = \"http/fetch\"\n[allow.args]\n\
             url = {{ matches = \"(https://example\\\\.com|http://(10\\\\.|169\\\\.|localhost|127\\\\.0\\\\.0\\\\.1)).*/(json|redirect.*|latest/.*|)$\" }}\n"
        ),
    );
    let urls = [
        "https://example.com/".to_string(),
        "http://10.0.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        format!("http://localhost:{other}/json"),
        server.url("/redirect?to=http://169.254.169.254/"),
        server.url("/forbidden"),
    ];
    let list = urls
        .iter()
        .map(|u| format!("{u:?}"))
        .collect::<Vec<_>>()
        .join(",");
    let code = format!(
        r#"
        for (const url of [{list}]) {{
          try {{ await fetch(url); console.log("fetched", url); }}
          catch (e) {{ console.log(e instanceof TypeError, e.code, e.message.split("\n")[0]); }}
        }}
        try {{ await fetch("{post}", {{ method: "DELETE" }}); }} catch (e) {{ console.log(e.code, e.message.split("\n")[0]); }}
        "#,
        post = server.url("/json"),
    );
    let out = ok(&dir.js(&config, &code));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    for line in &lines[..6] {
        assert!(line.starts_with("true EPOLICY fetch failed: "), "{out}");
    }
    assert!(lines[0].contains("not in [network] allow"), "{out}");
    assert!(lines[1].contains("10.0.0.1"), "{out}");
    assert!(
        lines[3].contains("localhost resolves to") && lines[3].contains("a loopback address"),
        "{out}"
    );
    assert!(lines[4].contains("169.254.169.254"), "{out}");
    assert!(lines[5].contains("allow[0]"), "{out}");
    assert!(
        lines[6].starts_with("EPOLICY") && lines[6].contains("method"),
        "{out}"
    );
    // Nothing refused reached the server: only the redirecting request did.
    let requests = server.requests();
    assert_eq!(requests.lines().count(), 1, "{requests}");
    assert!(requests.contains("/redirect"), "{requests}");
}

#[test]
fn a_secret_reaches_the_server_but_never_the_script_or_the_journal() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let token = "tok-4f9c2e1d-very-secret";
    let config = dir.write(
        "airlock.toml",
        &network(
            &server,
            &format!(
                "[[network.secret]]\nhost = \"127.0.0.1:{}\"\nheader = \"Authorization\"\nvalue = \"Bearer {{env:AIRLOCK_TEST_TOKEN}}\"\n",
                server.port
            ),
        ),
    );
    let code = format!(
        r#"
        const r = await fetch("{echo}", {{ headers: {{ authorization: "mine" }} }});
        const body = await r.text();
        console.log(body);
        console.log(JSON.stringify([...r.headers]));
        console.log(JSON.stringify(typeof process === "object" ? process.env : {{}}));
        await fs.writeFile("seen.txt", body);
        console.log(await shell.run("curl -s {echo}; env; cat seen.txt"));
        "#,
        echo = server.url("/echo"),
    );
    let journal = dir.path().join("run.jsonl");
    let out = dir.airlock(
        &[
            "run",
            "--config",
            &config,
            "--journal",
            journal.to_str().expect("utf-8"),
            "-e",
            &code,
        ],
        &[("AIRLOCK_TEST_TOKEN", token)],
    );
    let printed = ok(&out);
    assert!(
        printed.contains("\"authorization\": \"[REDACTED]\""),
        "{printed}"
    );
    let secret_parts = [token, "4f9c2e1d"];
    for part in secret_parts {
        assert!(
            !printed.contains(part),
            "the script saw the secret:\n{printed}"
        );
        assert!(!stderr(&out).contains(part), "{}", stderr(&out));
        let journal = std::fs::read_to_string(&journal).expect("journal");
        assert!(!journal.contains(part), "the journal holds the secret");
    }
    // The server got it, both times, in place of the script's own header.
    let requests = server.requests();
    assert_eq!(
        requests.matches(&format!("Bearer {token}")).count(),
        2,
        "{requests}"
    );
    assert!(!requests.contains("mine"), "{requests}");
}

#[test]
fn a_recorded_fetch_replays_with_no_network() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let config = dir.write("airlock.toml", &network(&server, ""));
    let journal = dir.path().join("fetch.jsonl");
    let journal = journal.to_str().expect("utf-8");
    let script = dir.write(
        "fetch.js",
        &format!(
            "const r = await fetch({:?});\nconst j = await r.json();\nconsole.log(r.status, j.items.join('+'));\n",
            server.url("/json")
        ),
    );
    let recorded = ok(&dir.airlock(
        &["run", "--config", &config, "--journal", journal, &script],
        &[],
    ));
    assert_eq!(recorded, "200 1+2+3\n");
    drop(server);
    std::fs::remove_file(dir.path().join("airlock.toml")).expect("remove config");
    let replayed = dir.airlock(&["replay", journal], &[]);
    assert_eq!(ok(&replayed), recorded);
    assert!(
        stderr(&replayed).contains("replay matched the recording: 1 run(s), 1 tool call(s)"),
        "{}",
        stderr(&replayed)
    );
}

#[test]
fn curl_covers_the_common_flags() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let config = dir.write("airlock.toml", &network(&server, ""));
    let script = format!(
        r#"
        curl -s {json} | jq -r .name
        curl -sS -o out.json -w '%{{http_code}} %{{content_type}}\n' {json}
        jq -c .items out.json
        curl -s -X POST -H 'X-A: 1' -d 'a=1' -d 'b=2' {echo} | jq -c '[.method, .headers["x-a"], .body, .headers["content-type"]]'
        curl -s --json '{{"k":true}}' {echo} | jq -c '[.method, .body, .headers.accept]'
        printf 'line1\nline2\n' > body.txt
        curl -s --data-binary @body.txt {echo} | jq -c .body
        curl -s -d @body.txt {echo} | jq -c .body
        curl -s -G -d q=x --data-urlencode 'w=a b' {echo} | jq -c .query
        curl -s -w '%{{http_code}}\n' {redirect}
        curl -sL {redirect} | jq -r .name
        curl -sI {json} | head -1
        curl -sf {missing}; echo "fail=$?"
        curl -s https://example.com/; echo "denied=$?"
        curl -sS http://10.1.2.3/ 2>&1 | head -c 40; echo
        curl --nope {json}; echo "usage=$?"
        "#,
        json = server.url("/json"),
        echo = server.url("/echo"),
        redirect = server.url("/redirect?to=/json"),
        missing = server.url("/missing"),
    );
    let out = ok(&dir.sh(&config, &script));
    assert_eq!(
        out,
        "airlock\n\
         200 application/json\n\
         [1,2,3]\n\
         [\"POST\",\"1\",\"a=1&b=2\",\"application/x-www-form-urlencoded\"]\n\
         [\"POST\",\"{\\\"k\\\":true}\",\"application/json\"]\n\
         \"line1\\nline2\\n\"\n\
         \"line1line2\"\n\
         {\"q\":\"x\",\"w\":\"a b\"}\n\
         302\n\
         airlock\n\
         HTTP/1.1 200 OK\r\n\
         fail=22\n\
         denied=126\n\
         curl: (126) GET to 10.1.2.3:80 refused: \n\
         usage=2\n"
    );
}

#[test]
fn a_timeout_signal_and_curl_max_time_stop_a_slow_request() {
    let dir = Dir::new();
    let server = Server::start(dir.path());
    let config = dir.write("airlock.toml", &network(&server, ""));
    let code = format!(
        r#"
        const started = Date.now();
        try {{ await fetch("{slow}", {{ signal: AbortSignal.timeout(300) }}); console.log("fetched"); }}
        catch (e) {{ console.log(e.name, e.message, Date.now() - started < 1500); }}
        const c = new AbortController();
        c.abort();
        try {{ await fetch("{slow}", {{ signal: c.signal }}); }} catch (e) {{ console.log(e.name); }}
        console.log(await shell.run("curl -s -m 0.3 {slow}; echo $?"));
        "#,
        slow = server.url("/slow?s=3"),
    );
    // The time is measured inside the script: the process's own start may include compiling
    // the guest on a cold cache.
    let out = ok(&dir.js(&config, &code));
    assert_eq!(
        out,
        "TimeoutError The operation was aborted due to timeout true\nAbortError\n28\n\n"
    );
}

#[test]
fn without_a_network_section_there_is_no_network_and_the_tool_list_says_so() {
    let dir = Dir::new();
    let config = dir.write("airlock.toml", "");
    let out = ok(&dir.js(
        &config,
        "try { await fetch('https://example.com') } catch (e) { console.log(e.code, e.message) }\nconsole.log(tools.list().length)",
    ));
    assert!(
        out.starts_with("EPOLICY fetch failed: this sandbox has no network"),
        "{out}"
    );
    assert!(out.ends_with("\n0\n"), "{out}");

    let server = Server::start(dir.path());
    let config = dir.write("with.toml", &network(&server, ""));
    let listed = ok(&dir.airlock(&["tools", "--config", &config], &[]));
    assert!(listed.contains("http/fetch"), "{listed}");
    // A bad [network] section is an error that names it.
    let bad = dir.write("bad.toml", "[network]\nallow = [\"https://x.com/path\"]\n");
    let out = dir.airlock(&["check", &bad], &[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("[network] network.allow entry 'https://x.com/path'"),
        "{}",
        stderr(&out)
    );
    let unset = dir.write(
        "unset.toml",
        "[network]\nallow = [\"a.com\"]\n[[network.secret]]\nhost = \"a.com\"\nheader = \"X-Key\"\nvalue = \"{env:AIRLOCK_NOT_SET_ANYWHERE}\"\n",
    );
    let out = dir.airlock(&["check", &unset], &[]);
    assert!(
        stderr(&out).contains("AIRLOCK_NOT_SET_ANYWHERE is not set"),
        "{}",
        stderr(&out)
    );
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
