//! airlock's benchmarks. Run with
//!
//! ```sh
//! cargo build --release -p airlock-cli -p airlock-bench
//! target/release/airlock-bench            # or: cargo run --release -p airlock-bench
//! target/release/airlock-bench mcp shell  # only these groups (js, tools, layers, fetch, components, policy, shell, mcp;
//!                                         # serve: the HTTP server under 100 clients;
//!                                         # `startup`, only when named, loops trivial runs)
//! ```
//!
//! Every figure is the median of repeated measurements, printed with the spread (min..max).

use std::process::Command;
use std::time::{Duration, Instant};

use airlock::{Language, Sandbox, SandboxConfig};

mod components;
mod layers;
mod mcp;
mod net;
mod policy;
mod registry;
mod serve;
mod shell;
mod tools;

const LOOP: &str = "let s = 0; for (let i = 0; i < 3e6; i++) s += i; return s";

/// The groups of benchmarks; `airlock-bench GROUP...` runs only those named.
const GROUPS: &[&str] = &[
    "js",
    "startup",
    "tools",
    "layers",
    "fetch",
    "components",
    "registry",
    "policy",
    "shell",
    "mcp",
    "serve",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let chosen: Vec<String> = std::env::args().skip(1).collect();
    // The child process of the `components` group's cold-start measurement.
    if chosen.first().map(String::as_str) == Some("component-first-call") {
        return components::first_call(chosen.get(1).map_or("", String::as_str));
    }
    if let Some(bad) = chosen.iter().find(|g| !GROUPS.contains(&g.as_str())) {
        return Err(format!(
            "unknown group {bad:?}; the groups are {}",
            GROUPS.join(", ")
        )
        .into());
    }
    let wanted = |group: &str| chosen.is_empty() || chosen.iter().any(|g| g == group);
    println!("airlock benchmarks (medians; min..max)\n");
    if wanted("js") {
        let sandbox = Sandbox::new(SandboxConfig::default())?;
        let new = measure(20, || {
            Sandbox::new(SandboxConfig::default())
                .map(drop)
                .map_err(Into::into)
        })?;
        report("Sandbox::new, module cache warm", &new, "");
        process_start()?;
        warm_run(&sandbox)?;
        loop_speed(&sandbox)?;
        timeout_overshoot(&sandbox)?;
        json_round_trip(&sandbox)?;
        idle_sessions(&sandbox)?;
        typescript(&sandbox)?;
        packages(&sandbox)?;
    }
    if chosen.iter().any(|g| g == "startup") {
        startup()?;
    }
    if wanted("tools") {
        tools::run()?;
    }
    if wanted("layers") {
        layers::run()?;
    }
    if wanted("fetch") {
        net::run()?;
    }
    if wanted("components") {
        components::run()?;
    }
    if wanted("registry") {
        registry::run()?;
    }
    if wanted("policy") {
        println!(
            "{:<52} {:>10.3} us   target < 2 us",
            "policy decision, 100 rules (last one matches)",
            policy::bench_decide().as_secs_f64() * 1e6
        );
    }
    if wanted("shell") {
        shell::run()?;
    }
    if wanted("mcp") {
        mcp::run()?;
    }
    if wanted("serve") {
        let python = mcp::peers().join("venv/bin/python");
        if python.is_file() {
            serve::run(&python)?;
        } else {
            println!(
                "(skipping serve: the Python MCP SDK is not installed; `bash scripts/peers.sh`)"
            );
        }
    }
    Ok(())
}

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn measure(
    n: usize,
    mut f: impl FnMut() -> Result<(), Box<dyn std::error::Error>>,
) -> Result<Stats, Box<dyn std::error::Error>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(Stats {
        median: times[n / 2],
        min: times[0],
        max: times[n - 1],
    })
}

fn report(name: &str, s: &Stats, target: &str) {
    println!(
        "{name:<52} {:>10.3} ms   ({:.3}..{:.3})   {target}",
        ms(s.median),
        ms(s.min),
        ms(s.max)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `airlock run -e 'console.log(1)'` as a whole process, module cache warm.
fn process_start() -> Result<(), Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?.with_file_name("airlock");
    if !exe.exists() {
        println!(
            "(skipping process start-up: build the CLI first: cargo build --release -p airlock-cli)"
        );
        return Ok(());
    }
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        let out = Command::new(&exe)
            .args(["run", "-e", "console.log(1)"])
            .output()?;
        if out.stdout != b"1\n" {
            return Err(format!(
                "unexpected output {:?}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(())
    };
    run()?; // warm the module cache
    report(
        "process: airlock run -e 'console.log(1)'",
        &measure(30, run)?,
        "target <= 15 ms",
    );
    Ok(())
}

/// A trivial run on an existing session, in process.
fn warm_run(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let mut session = sandbox.session();
    let run = |code: &'static str| {
        move |session: &mut airlock::Session| -> Result<(), Box<dyn std::error::Error>> {
            let out = session.run(Language::JavaScript, code)?;
            if !out.success() {
                return Err(out.stderr_text().into());
            }
            Ok(())
        }
    };
    let trivial = run("1 + 1");
    for _ in 0..20 {
        trivial(&mut session)?;
    }
    report(
        "in-process: trivial JS run on a Session",
        &measure(500, || trivial(&mut session))?,
        "target <= 0.5 ms",
    );
    let log = run("console.log('hello')");
    report(
        "in-process: console.log run on a Session",
        &measure(500, || log(&mut session))?,
        "",
    );
    Ok(())
}

/// Only when named (for profiling): many trivial runs, JavaScript and shell, on one Session.
fn startup() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::new(SandboxConfig::default())?;
    repeated_runs(
        &mut sandbox.session(),
        3000,
        &[
            (Language::JavaScript, "1 + 1", "startup: trivial JS run"),
            (
                Language::Shell,
                "echo hi | tr a-z A-Z",
                "startup: echo hi | tr a-z A-Z",
            ),
        ],
    )
}

/// Each script `n` times on `session`, reported under its name; a failed run stops the bench.
fn repeated_runs(
    session: &mut airlock::Session,
    n: usize,
    scripts: &[(Language, &str, &str)],
) -> Result<(), Box<dyn std::error::Error>> {
    for &(language, code, name) in scripts {
        let stats = measure(n, || {
            let out = session.run(language, code)?;
            if !out.success() {
                return Err(out.stderr_text().into());
            }
            Ok(())
        })?;
        report(name, &stats, "");
    }
    Ok(())
}

/// A 500-line TypeScript script: ten lines of typical agent code (an interface, a type alias,
/// an enum, annotated and generic functions, casts), fifty times over.
fn typescript_source() -> String {
    (0..50)
        .map(|i| {
            format!(
                "interface Row{i} {{ id: number; name: string; tags?: string[] }}\n\
                 type Key{i} = keyof Row{i};\n\
                 enum Kind{i} {{ A, B = 'b' }}\n\
                 function pick{i}<T extends Row{i}, K extends Key{i}>(rows: T[], key: K): T[K][] {{\n\
                 \x20 return rows.map((r: T) => r[key]);\n\
                 }}\n\
                 const rows{i}: Row{i}[] = [{{ id: {i}, name: 'n{i}' }}];\n\
                 const names{i} = pick{i}(rows{i}, 'name') as string[];\n\
                 const first{i}: string | undefined = names{i}[0]!;\n\
                 console.log(first{i}, Kind{i}.B satisfies string);\n"
            )
        })
        .collect()
}

fn typescript(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let source = typescript_source();
    let strip = measure(200, || {
        airlock_typescript::strip(&source)
            .map(drop)
            .map_err(|e| e.to_string().into())
    })?;
    report(
        &format!("TypeScript: strip {} lines", source.lines().count()),
        &strip,
        "target <= 1 ms",
    );
    repeated_runs(
        &mut sandbox.session(),
        2000,
        &[
            (
                Language::JavaScript,
                "return 1",
                "trivial run: JavaScript `return 1`",
            ),
            (
                Language::TypeScript,
                "return 1 as number",
                "trivial run: TypeScript `return 1 as number`",
            ),
        ],
    )
}

/// Runs that import a bundled package: each run starts from the snapshot, so each pays the
/// package's first import (its bytecode read and evaluated). The first run of a new session
/// and the median of the later ones, against a run that imports nothing.
fn packages(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let imports = [
        (
            "lodash",
            "import _ from \"lodash\"; return _.chunk([1, 2, 3], 2).length",
        ),
        (
            "date-fns",
            "import { format } from \"date-fns\"; return format(new Date(0), \"yyyy\")",
        ),
        (
            "zod",
            "import { z } from \"zod\"; return z.string().parse(\"x\")",
        ),
        (
            "papaparse",
            "import Papa from \"papaparse\"; return Papa.parse(\"a,b\").data.length",
        ),
        (
            "yaml",
            "import YAML from \"yaml\"; return YAML.parse(\"a: 1\").a",
        ),
        (
            "marked",
            "import { marked } from \"marked\"; return marked.parse(\"# x\").length",
        ),
        (
            "lodash + date-fns + zod",
            "import _ from \"lodash\"; import { format } from \"date-fns\"; import { z } from \"zod\"; return 1",
        ),
    ];
    let run = |session: &mut airlock::Session,
               code: &str|
     -> Result<Duration, Box<dyn std::error::Error>> {
        let t = Instant::now();
        let out = session.run(Language::JavaScript, code)?;
        if !out.success() {
            return Err(out.stderr_text().into());
        }
        Ok(t.elapsed())
    };
    for (name, code) in imports {
        let mut session = sandbox.session();
        let first = run(&mut session, code)?;
        let later = measure(50, || run(&mut session, code).map(drop))?;
        let target = if name == "lodash" {
            "target <= 5 ms (whole run)"
        } else {
            ""
        };
        println!(
            "{:<52} {:>10.3} ms   (later runs {:.3}; {:.3}..{:.3})   {target}",
            format!("import {name}: first run of a session"),
            ms(first),
            ms(later.median),
            ms(later.min),
            ms(later.max)
        );
    }
    Ok(())
}

/// The 3e6-iteration loop with the timeout armed, and in a sandbox built without deadline checks.
/// Allocation-heavy JavaScript, the shape of tool results: 14,000 small objects, their JSON
/// (about 770 KB) and the parse back.
const OBJECTS_JSON: &str = "const items = [];\
    for (let i = 0; i < 14000; i++) items.push({ id: i, name: 'item-' + i, tags: ['a', 'b', 'c'], price: i * 1.25, ok: i % 2 === 0, meta: { created: '2024-01-01T00:00:00Z', n: i } });\
    const text = JSON.stringify(items);\
    const back = JSON.parse(text);\
    return [text.length, back.length]";

/// Number-heavy JSON (measurements, prices, coordinates): 200,000 numbers parsed.
const NUMBERS_JSON: &str = "const text = JSON.stringify(Array.from({ length: 200000 }, (_, i) => i * 1.25 + 0.001));\
    const back = JSON.parse(text);\
    return back.length";

fn json_round_trip(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SandboxConfig::default();
    config.interruptible = false;
    let unarmed = Sandbox::new(config)?;
    for (sandbox, code, name) in [
        (
            sandbox,
            OBJECTS_JSON,
            "14,000 objects + JSON.stringify (~1 MB) + JSON.parse",
        ),
        (
            &unarmed,
            OBJECTS_JSON,
            "  the same, without deadline checks",
        ),
        (
            sandbox,
            NUMBERS_JSON,
            "200,000 numbers: JSON.stringify + JSON.parse",
        ),
    ] {
        let mut session = sandbox.session();
        let stats = measure(15, || {
            let out = session.run(Language::JavaScript, code)?;
            if !out.success() {
                return Err(out.stderr_text().into());
            }
            Ok(())
        })?;
        report(name, &stats, "");
    }
    Ok(())
}

/// How long after a 100 ms deadline a busy run is stopped: in QuickJS's interpreter (its
/// interrupt handler), in a native loop (a regular expression backtracking) and in the shell
/// (the checks compiled into every other loop).
fn timeout_overshoot(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    const DEADLINE: Duration = Duration::from_millis(100);
    for (language, code, name) in [
        (
            Language::JavaScript,
            "while (true) {}",
            "JS `while (true) {}`",
        ),
        (
            Language::JavaScript,
            "/^(a+)+$/.test('a'.repeat(64) + '!')",
            "JS regex backtracking",
        ),
        (
            Language::Shell,
            "while true; do :; done",
            "shell `while true`",
        ),
    ] {
        let mut session = sandbox.session();
        let mut limits = session.limits().clone();
        limits.timeout = Some(DEADLINE);
        session.set_limits(limits)?;
        let mut over = Vec::new();
        for _ in 0..9 {
            let out = session.run(language, code)?;
            if out.termination != airlock::Termination::Timeout {
                return Err(format!("{name} ended with {:?}", out.termination).into());
            }
            over.push(out.usage.wall.saturating_sub(DEADLINE));
        }
        over.sort();
        let stats = Stats {
            median: over[over.len() / 2],
            min: over[0],
            max: over[over.len() - 1],
        };
        report(
            &format!("timeout 100 ms, stopped after it: {name}"),
            &stats,
            "",
        );
    }
    Ok(())
}

fn loop_speed(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let mut armed = sandbox.session();
    let mut config = SandboxConfig::default();
    config.interruptible = false;
    let unarmed_sandbox = Sandbox::new(config)?;
    let mut unarmed = unarmed_sandbox.session();
    let run = |s: &mut airlock::Session| -> Result<(), Box<dyn std::error::Error>> {
        let out = s.run(Language::JavaScript, LOOP)?;
        if out.stdout_text().trim() != "4499998500000" {
            return Err(format!("loop printed {:?}", out.stdout_text()).into());
        }
        Ok(())
    };
    // Interleaved, so drift in the machine's speed hits both sides alike; the overhead is the
    // median of the per-round ratios.
    let rounds = 21;
    let (mut a, mut u, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        run(&mut armed)?;
        let ta = t.elapsed();
        let t = Instant::now();
        run(&mut unarmed)?;
        let tu = t.elapsed();
        a.push(ta);
        u.push(tu);
        ratios.push(ta.as_secs_f64() / tu.as_secs_f64());
    }
    let stats = |mut v: Vec<Duration>| {
        v.sort();
        Stats {
            median: v[v.len() / 2],
            min: v[0],
            max: v[v.len() - 1],
        }
    };
    report(
        "loop 3e6, timeout armed (deadline checks)",
        &stats(a),
        "reference: 259 ms",
    );
    report("loop 3e6, no timeout (no deadline checks)", &stats(u), "");
    ratios.sort_by(f64::total_cmp);
    println!(
        "{:<52} {:>10.1} %   (per-round ratios {:.1}..{:.1} %)",
        "deadline check cost (median of interleaved ratios)",
        (ratios[rounds / 2] - 1.0) * 100.0,
        (ratios[0] - 1.0) * 100.0,
        (ratios[rounds - 1] - 1.0) * 100.0
    );
    Ok(())
}

/// Resident memory with 1 and with 100 idle sessions (each has run once).
fn idle_sessions(sandbox: &Sandbox) -> Result<(), Box<dyn std::error::Error>> {
    let base = rss_kib();
    let mut sessions = Vec::new();
    let mut one = None;
    for i in 0..100 {
        let mut s = sandbox.session();
        s.run(Language::JavaScript, "await fs.writeFile('x.txt', 'hello')")?;
        sessions.push(s);
        if i == 0 {
            one = Some(rss_kib());
        }
    }
    let hundred = rss_kib();
    let one = one.unwrap_or(base);
    println!(
        "{:<52} {:>10} KiB",
        "RSS: process with sandbox, 0 sessions", base
    );
    println!("{:<52} {:>10} KiB", "RSS: 1 idle session", one);
    println!("{:<52} {:>10} KiB", "RSS: 100 idle sessions", hundred);
    println!(
        "{:<52} {:>10.1} KiB",
        "RSS per idle session",
        (hundred.saturating_sub(one)) as f64 / 99.0
    );
    drop(sessions);
    Ok(())
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
