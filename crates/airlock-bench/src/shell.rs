//! The shell on a 10 MB, 285,000-line file and a 7 MB JSON array, against GNU coreutils and
//! jq run natively on the same files, in the same run.

use std::process::Command;
use std::time::{Duration, Instant};

use airlock::{Language, Sandbox, SandboxConfig};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const LINES: usize = 285_000;
const RECORDS: usize = 100_000;

/// A log-like text file: about 36 bytes a line, fields separated by spaces.
fn text_file() -> Vec<u8> {
    let verbs = ["GET", "POST", "PUT", "DELETE"];
    let mut out = Vec::with_capacity(LINES * 37);
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..LINES {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let line = format!(
            "{:06} host{:02} {} /api/{} {}\n",
            i,
            x % 40,
            verbs[(x >> 8) as usize % 4],
            (x >> 16) % 5000,
            200 + (x >> 32) % 4 * 100
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

/// A JSON array of records with `id`, `group`, `value` and a name.
fn json_file() -> Vec<u8> {
    let mut out = String::from("[");
    for i in 0..RECORDS {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"id\":{i},\"group\":\"g{}\",\"value\":{},\"name\":\"record-{i:06}\",\"ok\":{}}}",
            i % 7,
            (i * 37) % 1000,
            i % 3 == 0
        ));
    }
    out.push(']');
    out.into_bytes()
}

const CASES: &[(&str, &str)] = &[
    ("wc -l", "wc -l data.txt"),
    ("grep -c", "grep -c POST data.txt"),
    ("sort | uniq -c | wc -l", "sort data.txt | uniq -c | wc -l"),
    (
        "cut -d' ' -f3 | sort | uniq -c",
        "cut -d' ' -f3 data.txt | sort | uniq -c",
    ),
    ("jq length", "jq length data.json"),
    ("jq 'map(.value)|add'", "jq 'map(.value)|add' data.json"),
    (
        "jq '[.[]|select(.group==\"g3\")]|length'",
        "jq '[.[]|select(.group==\"g3\")]|length' data.json",
    ),
];

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn run() -> Result<()> {
    let text = text_file();
    let json = json_file();
    let mut config = SandboxConfig::default();
    config.limits.timeout = Some(Duration::from_secs(120));
    config.limits.stdout_bytes = 64 * 1024 * 1024;
    let sandbox = Sandbox::new(config)?;
    let mut session = sandbox.session();
    session.vfs_mut().write("/workspace/data.txt", &text)?;
    session.vfs_mut().write("/workspace/data.json", &json)?;
    let dir = std::env::temp_dir().join(format!("airlock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("data.txt"), &text)?;
    std::fs::write(dir.join("data.json"), &json)?;
    println!(
        "\nshell on {:.1} MB / {} lines of text and a {:.1} MB JSON array (medians of 5; native = GNU tools, LC_ALL=C)",
        text.len() as f64 / 1e6,
        LINES,
        json.len() as f64 / 1e6
    );
    for (name, script) in CASES {
        let mut ours = Vec::new();
        let mut out_ours = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let out = session.run(Language::Shell, script)?;
            ours.push(t.elapsed());
            out_ours = out.stdout_text();
            if !out.success() {
                println!("{name:<52} failed: {}", out.stderr_text().trim());
                break;
            }
        }
        let mut native = Vec::new();
        let mut out_native = String::new();
        for _ in 0..5 {
            let t = Instant::now();
            let out = Command::new("sh")
                .arg("-c")
                .arg(script)
                .current_dir(&dir)
                .env("LC_ALL", "C")
                .output();
            native.push(t.elapsed());
            match out {
                Ok(o) => out_native = String::from_utf8_lossy(&o.stdout).into_owned(),
                Err(_) => break,
            }
        }
        let (o, n) = (median(ours), median(native));
        let same = if out_ours == out_native {
            ""
        } else {
            "  (outputs differ)"
        };
        println!(
            "{:<52} {:>8.1} ms   native {:>7.1} ms   ratio {:>5.2}x{same}",
            format!("sh: {name}"),
            o.as_secs_f64() * 1e3,
            n.as_secs_f64() * 1e3,
            o.as_secs_f64() / n.as_secs_f64().max(1e-9)
        );
    }
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let out = session.run(Language::Shell, "echo hi | tr a-z A-Z")?;
        times.push(t.elapsed());
        if out.stdout_text() != "HI\n" {
            println!("echo hi | tr a-z A-Z printed {:?}", out.stdout_text());
            break;
        }
    }
    println!(
        "{:<52} {:>8.3} ms   target <= 0.2 ms",
        "sh: echo hi | tr a-z A-Z on a Session",
        median(times).as_secs_f64() * 1e3
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
