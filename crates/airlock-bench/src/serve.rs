//! `airlock serve --http` under load, driven by the official Python MCP SDK
//! (`crates/airlock-mcp/tests/peers/service.py`): the `return 1` round trip of one client,
//! 100 concurrent clients of 10 runs each, and the memory of 1,000 idle sessions.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const TOKEN: &str = "bench-token-0123456789";

/// A release `airlock serve --http` on loopback, stopped on drop.
struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

/// A `redis-server` on loopback without persistence, stopped on drop.
struct Redis {
    child: Child,
    url: String,
}

impl Redis {
    fn start() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let began = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if began.elapsed() > std::time::Duration::from_secs(20) {
                return Err("redis-server did not start".into());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Ok(Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        })
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(exe: &Path) -> Result<Self> {
        Self::start_with(exe, &[])
    }

    fn start_with(exe: &Path, extra: &[&str]) -> Result<Self> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "airlock-bench-serve-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("tokens"), format!("{TOKEN}\n"))?;
        std::fs::write(dir.join("airlock.toml"), "")?;
        let mut child = Command::new(exe)
            .args(["serve", "--http", "127.0.0.1:0", "--token-file", "tokens"])
            .args(["--config", "airlock.toml"])
            .args(extra)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stderr = BufReader::new(child.stderr.take().ok_or("no stderr")?);
        let mut line = String::new();
        stderr.read_line(&mut line)?;
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        let url = line
            .trim()
            .strip_prefix("airlock: serving MCP on ")
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_string();
        Ok(Self { child, url, dir })
    }

    /// The server's resident memory, in bytes.
    fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or("no VmRSS")?;
        Ok(kb * 1024)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn service(python: &Path, args: &[&str]) -> Result<serde_json::Value> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../airlock-mcp/tests/peers/service.py");
    let out = Command::new(python).arg(script).args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "service.py {}: {}{}",
            args[0],
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .ok_or("no figures")?;
    Ok(serde_json::from_str(line)?)
}

pub fn run(python: &Path) -> Result<()> {
    let exe = std::env::current_exe()?.with_file_name("airlock");
    if !exe.exists() {
        println!("(skipping serve: build the CLI first: cargo build --release -p airlock-cli)");
        return Ok(());
    }
    let server = Server::start(&exe)?;
    let one = service(python, &["latency", &server.url, TOKEN, "500"])?;
    println!(
        "{:<52} {:>10.3} ms   (p99 {:.3})",
        "serve --http: run `return 1`, one client, p50",
        one["p50_ms"].as_f64().unwrap_or(f64::NAN),
        one["p99_ms"].as_f64().unwrap_or(f64::NAN),
    );
    let files = service(python, &["latency", &server.url, TOKEN, "500", "5"])?;
    println!(
        "{:<52} {:>10.3} ms   (p99 {:.3})",
        "  the same, session with 5 small files, in memory",
        files["p50_ms"].as_f64().unwrap_or(f64::NAN),
        files["p99_ms"].as_f64().unwrap_or(f64::NAN),
    );
    // The same session in Redis, measured right after, on a machine as quiet.
    let redis = Redis::start().ok();
    if let Some(redis) = &redis {
        let stored = Server::start_with(&exe, &["--store", redis.url.as_str()])?;
        let files = service(python, &["latency", &stored.url, TOKEN, "500", "5"])?;
        println!(
            "{:<52} {:>10.3} ms   (p99 {:.3})",
            "  the same, session with 5 small files, in Redis",
            files["p50_ms"].as_f64().unwrap_or(f64::NAN),
            files["p99_ms"].as_f64().unwrap_or(f64::NAN),
        );
    }
    let load = service(python, &["load", &server.url, TOKEN, "100", "10"])?;
    println!(
        "{:<52} {:>10.1} /s   (p50 {:.1} ms, p99 {:.1} ms, {} failed)",
        "serve --http: 100 clients x 10 runs",
        load["runs_per_s"].as_f64().unwrap_or(f64::NAN),
        load["p50_ms"].as_f64().unwrap_or(f64::NAN),
        load["p99_ms"].as_f64().unwrap_or(f64::NAN),
        load["failed"],
    );
    drop(server);
    match &redis {
        Some(redis) => stored(&exe, python, redis)?,
        None => println!(
            "(skipping serve --store: no redis-server; `bash scripts/peers.sh` installs it)"
        ),
    }

    let server = Server::start(&exe)?;
    service(python, &["idle", &server.url, TOKEN, "10"])?;
    let before = server.rss()?;
    service(python, &["idle", &server.url, TOKEN, "1000"])?;
    let after = server.rss()?;
    println!(
        "{:<52} {:>10.1} KiB  ({:.1} MiB for 1,000)",
        "serve --http: memory per idle session (one file)",
        after.saturating_sub(before) as f64 / 1000.0 / 1024.0,
        after.saturating_sub(before) as f64 / (1024.0 * 1024.0),
    );
    Ok(())
}

/// Loads with sessions in Redis (`--store`): one server, then three sharing it.
fn stored(exe: &Path, python: &Path, redis: &Redis) -> Result<()> {
    let store = ["--store", redis.url.as_str()];
    let server = Server::start_with(exe, &store)?;
    let load = service(python, &["load", &server.url, TOKEN, "100", "10"])?;
    println!(
        "{:<52} {:>10.1} /s   (p50 {:.1} ms, p99 {:.1} ms, {} failed)",
        "serve --http --store: 100 clients x 10 runs, 1 server",
        load["runs_per_s"].as_f64().unwrap_or(f64::NAN),
        load["p50_ms"].as_f64().unwrap_or(f64::NAN),
        load["p99_ms"].as_f64().unwrap_or(f64::NAN),
        load["failed"],
    );
    drop(server);
    // Three servers on this one machine, each with its own 100 clients, at once.
    let servers = (0..3)
        .map(|_| Server::start_with(exe, &store))
        .collect::<Result<Vec<_>>>()?;
    let began = std::time::Instant::now();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../airlock-mcp/tests/peers/service.py");
    let children = servers
        .iter()
        .map(|s| {
            Command::new(python)
                .arg(&script)
                .args(["load", &s.url, TOKEN, "100", "10"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut failed = 0_u64;
    for child in children {
        let out = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let figures: serde_json::Value = stdout
            .lines()
            .find(|l| l.starts_with('{'))
            .map_or(Ok(serde_json::Value::Null), serde_json::from_str)?;
        failed += figures["failed"].as_u64().unwrap_or(1000);
    }
    let took = began.elapsed().as_secs_f64();
    println!(
        "{:<52} {:>10.1} /s   ({failed} failed; one 2-core machine)",
        "serve --http --store: 3 servers x 100 clients x 10",
        3000.0 / took,
    );
    Ok(())
}
