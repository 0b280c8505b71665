//! The shell's conformance suite: every case under `tests/cases/**/*.case` (format in
//! `tests/cases/README.md`) runs on a fresh [`MemSystem`] and must print and exit as recorded.
//!
//! - `BLESS=1` rewrites each case's `stdout`, `status` and (exact) `stderr` from the actual run;
//!   `BLESS=bash` records them from the real bash instead (cases marked `bash: skip` keep theirs).
//! - `AIRLOCK_SHELL_DIFF=1` also runs every case not marked `--- bash: skip` under the real
//!   bash and reports where bash's stdout or status differs from the expectation (a report for
//!   keeping the expectations honest, not a failure).
//! - `AIRLOCK_SHELL_CASE=text` runs only the cases whose `area/file.case: name` contains `text`.
//! - `AIRLOCK_SHELL_TIMEOUT=secs` changes the per-case time limit (default 60).

#[path = "conformance/bash.rs"]
mod bash;
#[path = "conformance/diff.rs"]
mod diff;
#[path = "conformance/format.rs"]
mod format;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use airlock_shell::{MemSystem, Shell, System};
use format::{Case, CaseFile, Fixture, Kind, Mode, Section};

/// What a run printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
}

/// The interpreter may recurse deeply on nested constructs; give it room beyond the test
/// thread's default 2 MiB.
const CASE_STACK: usize = 64 << 20;
const DEFAULT_TIMEOUT_SECS: u64 = 60;

fn cases_dir() -> PathBuf {
    Path::new(&manifest_dir()).join("tests/cases")
}

fn case_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            case_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "case") {
            out.push(path);
        }
    }
}

fn env_flag(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

fn timeout() -> Duration {
    let secs = std::env::var("AIRLOCK_SHELL_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    Duration::from_secs(secs)
}

/// Runs `script` on a fresh `MemSystem` holding `fixtures`, on its own thread so a hang or a
/// panic becomes one failed case instead of the end of the suite.
fn run_ours(script: &str, stdin: &[u8], fixtures: &[Fixture]) -> Result<Outcome, String> {
    let (script, stdin, fixtures) = (script.to_string(), stdin.to_vec(), fixtures.to_vec());
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .stack_size(CASE_STACK)
        .spawn(move || {
            let result = std::panic::catch_unwind(move || {
                let sys = MemSystem::default();
                for f in &fixtures {
                    create(&sys, f)?;
                }
                let mut shell = Shell::new(Rc::new(sys));
                let c = shell.run_captured(&script, &stdin);
                Ok(Outcome {
                    stdout: c.stdout,
                    stderr: c.stderr,
                    status: c.status,
                })
            });
            let _ = tx.send(result.unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(format!("the shell panicked: {msg}"))
            }));
        })
        .map_err(|e| format!("spawning the case thread: {e}"))?;
    let limit = timeout();
    rx.recv_timeout(limit)
        .map_err(|_| format!("did not finish within {limit:?}"))?
}

fn create(sys: &MemSystem, f: &Fixture) -> Result<(), String> {
    let (Fixture::File { path, .. } | Fixture::Dir { path }) = f;
    let full = format!("/workspace/{path}");
    let parent = match f {
        Fixture::Dir { .. } => Some(full.as_str()),
        Fixture::File { .. } => full.rsplit_once('/').map(|(p, _)| p),
    };
    if let Some(parent) = parent.filter(|p| *p != "/workspace") {
        sys.mkdir(parent, true)
            .map_err(|e| format!("files: mkdir {parent}: {e}"))?;
    }
    if let Fixture::File { data, .. } = f {
        sys.write_file(&full, data, false)
            .map_err(|e| format!("files: {full}: {e}"))?;
    }
    Ok(())
}

/// What differs between a case's expectations and an outcome, as report text (empty: none).
fn mismatches(case: &Case, got: &Outcome, check_stderr: bool) -> String {
    let mut out = String::new();
    let want = case
        .section(&Kind::Stdout)
        .map(Section::bytes)
        .unwrap_or_default();
    if want != got.stdout {
        let _ = writeln!(out, "  stdout (- expected, + actual):");
        out.push_str(&diff::render(&want, &got.stdout));
    }
    if case.status() != got.status {
        let _ = writeln!(
            out,
            "  status: expected {}, got {}",
            case.status(),
            got.status
        );
    }
    if let Some(s) = case.section(&Kind::Stderr).filter(|_| check_stderr) {
        if s.mode == Mode::Contains {
            let text = String::from_utf8_lossy(&got.stderr);
            for line in s.body.iter().filter(|l| !l.is_empty()) {
                if !text.contains(line.as_str()) {
                    let _ = writeln!(out, "  stderr does not contain {line:?}:");
                    out.push_str(&diff::render(b"", &got.stderr));
                }
            }
        } else if s.bytes() != got.stderr {
            let _ = writeln!(out, "  stderr (- expected, + actual):");
            out.push_str(&diff::render(&s.bytes(), &got.stderr));
        }
    }
    if !out.is_empty() && case.section(&Kind::Stderr).is_none() && !got.stderr.is_empty() {
        let _ = writeln!(out, "  stderr (not checked):");
        out.push_str(&diff::render(b"", &got.stderr));
    }
    out
}

fn indent_script(case: &Case) -> String {
    let mut out = String::from("  script:\n");
    for line in case.script().lines().take(30) {
        let _ = writeln!(out, "      {line}");
    }
    out
}

/// Rewrites `case`'s expectations from `got`; returns whether anything changed.
fn bless(case: &mut Case, got: &Outcome) -> bool {
    let before = CaseFile {
        preamble: Vec::new(),
        cases: vec![case.clone()],
    }
    .render();
    if let Some(s) = case.section_mut(&Kind::Stdout) {
        *s = Section::from_bytes(Kind::Stdout, &got.stdout);
    }
    if let Some(s) = case
        .section_mut(&Kind::Stderr)
        .filter(|s| s.mode != Mode::Contains)
    {
        *s = Section::from_bytes(Kind::Stderr, &got.stderr);
    }
    if let Some(s) = case.section_mut(&Kind::Status(0)) {
        s.kind = Kind::Status(got.status);
    } else if got.status != 0 {
        let at = case
            .sections
            .iter()
            .position(|s| s.kind == Kind::Stdout)
            .map_or(case.sections.len(), |i| i + 1);
        let status = Section {
            kind: Kind::Status(got.status),
            mode: Mode::Lines,
            body: Vec::new(),
        };
        // Keep `stderr` next to `stdout` when it follows it.
        let at = if case
            .sections
            .get(at)
            .is_some_and(|s| s.kind == Kind::Stderr)
        {
            at + 1
        } else {
            at
        };
        case.sections.insert(at, status);
    }
    let after = CaseFile {
        preamble: Vec::new(),
        cases: vec![case.clone()],
    }
    .render();
    before != after
}

/// How this run was asked to behave, from the environment.
struct Modes {
    /// `BLESS=1`: rewrite expectations from our shell; `BLESS=bash`: from the real bash (for
    /// cases not marked `bash: skip`), to record new cases' truth.
    bless: Option<Blesser>,
    /// `AIRLOCK_SHELL_DIFF=1` and bash is on PATH.
    differential: bool,
    /// `AIRLOCK_SHELL_CASE`.
    filter: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Blesser {
    Ours,
    Bash,
}

impl Modes {
    fn from_env() -> Self {
        let bless = match std::env::var("BLESS").ok().as_deref() {
            None | Some("" | "0") => None,
            Some("bash") => Some(Blesser::Bash),
            Some(_) => Some(Blesser::Ours),
        };
        let wants_diff = env_flag("AIRLOCK_SHELL_DIFF");
        let needs_bash = wants_diff || bless == Some(Blesser::Bash);
        let has_bash = needs_bash && bash::available();
        if needs_bash && !has_bash {
            eprintln!("no `bash` on PATH: differential mode and BLESS=bash are off");
        }
        Modes {
            bless: bless.filter(|b| *b == Blesser::Ours || has_bash),
            differential: wants_diff && has_bash,
            filter: std::env::var("AIRLOCK_SHELL_CASE")
                .ok()
                .filter(|s| !s.is_empty()),
        }
    }
}

#[derive(Default)]
struct Report {
    ran: usize,
    failures: Vec<String>,
    /// Cases marked `known gap` that fail, as expected.
    gaps: Vec<String>,
    blessed: Vec<String>,
    bash_diffs: Vec<String>,
    bash_skipped: usize,
}

fn check_file(path: &Path, label: &str, modes: &Modes, report: &mut Report) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return report.failures.push(format!("{label}: {e}\n")),
    };
    let mut file = match CaseFile::parse(&text) {
        Ok(f) => f,
        Err(e) => return report.failures.push(format!("{label}: {e}\n")),
    };
    let mut changed = false;
    for case in &mut file.cases {
        let id = format!("{label}:{}: {}", case.line, case.name);
        if let Some(f) = &modes.filter
            && !format!("{label}: {}", case.name).contains(f.as_str())
        {
            continue;
        }
        report.ran += 1;
        let fixtures = case.fixtures().unwrap_or_default();
        let script = case.script();
        let stdin = case.stdin();
        let wants_bash = modes.differential || modes.bless == Some(Blesser::Bash);
        let in_bash = if wants_bash && !case.bash_skip() {
            Some(bash::run(&script, &stdin, &fixtures, timeout()))
        } else {
            None
        };
        if wants_bash && case.bash_skip() {
            report.bash_skipped += 1;
        }
        let ours = run_ours(&script, &stdin, &fixtures);
        let truth = match modes.bless {
            Some(Blesser::Ours) => ours.as_ref().ok(),
            Some(Blesser::Bash) => in_bash.as_ref().and_then(|r| r.as_ref().ok()),
            None => None,
        };
        if let Some(truth) = truth
            && bless(case, truth)
        {
            changed = true;
            report.blessed.push(id.clone());
        }
        match &ours {
            Err(e) => report
                .failures
                .push(format!("FAIL {id}\n{}  {e}\n", indent_script(case))),
            Ok(got) => {
                let problems = mismatches(case, got, true);
                match (problems.is_empty(), case.gap()) {
                    (true, None) => {}
                    (false, None) => report
                        .failures
                        .push(format!("FAIL {id}\n{}{problems}", indent_script(case))),
                    (false, Some(reason)) => report.gaps.push(format!("{id}: {reason}")),
                    (true, Some(_)) => report.failures.push(format!(
                        "FAIL {id}\n  marked `known gap` but passes now: remove the marker\n"
                    )),
                }
            }
        }
        match in_bash.filter(|_| modes.differential) {
            None => {}
            Some(Err(e)) => report.bash_diffs.push(format!("BASH {id}\n  {e}\n")),
            Some(Ok(got)) => {
                let problems = mismatches(case, &got, false);
                if !problems.is_empty() {
                    report
                        .bash_diffs
                        .push(format!("BASH {id}\n{}{problems}", indent_script(case)));
                }
            }
        }
    }
    if changed && let Err(e) = std::fs::write(path, file.render()) {
        report
            .failures
            .push(format!("{label}: writing blessed file: {e}\n"));
    }
}

#[test]
fn conformance() {
    let root = cases_dir();
    let mut files = Vec::new();
    case_files(&root, &mut files);
    assert!(!files.is_empty(), "no .case files under {}", root.display());
    let modes = Modes::from_env();
    let mut report = Report::default();
    for path in &files {
        let label = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        check_file(path, &label, &modes, &mut report);
    }
    if modes.differential {
        let mut text = format!(
            "\n=== differential report: {} case(s) where bash differs from the expectation ({} marked `bash: skip`)\n\n",
            report.bash_diffs.len(),
            report.bash_skipped
        );
        for d in &report.bash_diffs {
            let _ = writeln!(text, "{d}");
        }
        uncaptured(&text);
    }
    if !report.blessed.is_empty() {
        let mut text = format!("\nBLESS rewrote {} case(s):\n", report.blessed.len());
        for b in &report.blessed {
            let _ = writeln!(text, "  {b}");
        }
        uncaptured(&text);
    }
    if !report.gaps.is_empty() {
        let mut text = format!("\n{} known gap(s):\n", report.gaps.len());
        for g in &report.gaps {
            let _ = writeln!(text, "  {g}");
        }
        uncaptured(&text);
    }
    if !report.failures.is_empty() {
        for f in &report.failures {
            eprintln!("{f}");
        }
        panic!(
            "{} of {} conformance case(s) failed (see above; BLESS=1 rewrites expectations)",
            report.failures.len(),
            report.ran
        );
    }
    eprintln!("{} conformance case(s) passed", report.ran);
}

/// Prints past the test harness's output capture (which takes only `print!`/`eprint!`), so the
/// differential and bless reports show even when the test passes.
fn uncaptured(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Parsing then rendering gives back every case file byte for byte, so bless mode only ever
/// changes the expectations it rewrites.
#[test]
fn case_files_round_trip() {
    let root = cases_dir();
    let mut files = Vec::new();
    case_files(&root, &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable case file");
        let file = CaseFile::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            file.render(),
            text,
            "{} does not round-trip",
            path.display()
        );
    }
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
