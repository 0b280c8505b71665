//! The tools feature through the `airlock` binary: exec tools, the policy, strict config files,
//! `check`/`tools`/`prompt`, journals, deterministic runs and replay.
//!
//! Every test works in its own temp directory, which is also the binary's working directory
//! (the CLI auto-loads `./airlock.toml`), and passes `--config` explicitly. The tools are the
//! python3 scripts in `tests/fixtures/tools/`; they run with the config file's folder as their
//! working directory, so the files they write (`calls.log`, markers) land in the temp directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// Where the tool scripts live.
fn fixtures() -> String {
    format!("{}/tests/fixtures/tools", manifest_dir())
}

/// The tools most tests use; `@` stands for [`fixtures`].
const TOOLS: &str = r#"
[[tool]]
name = "weather/current"
description = "Current weather for a city"
command = ["python3", '@/weather.py']
input_schema = { type = "object", properties = { city = { type = "string" } }, required = ["city"] }

[[tool]]
name = "fail"
description = "Always fails"
command = ["python3", '@/fail.py']

[[tool]]
name = "not_json"
description = "Prints text instead of JSON"
command = ["python3", '@/not_json.py']

[[tool]]
name = "sleep"
description = "Sleeps, then answers"
command = ["python3", '@/sleep.py']
timeout = "10s"

[[tool]]
name = "hang"
description = "Sleeps past its timeout"
command = ["python3", '@/sleep.py']
timeout = "300ms"
"#;

/// Tests that measure wall-clock time take this lock for writing, every other command for
/// reading: on a 2-core machine, parallel tests starting python would otherwise skew timings.
static TIMING: RwLock<()> = RwLock::new(());

fn shared() -> RwLockReadGuard<'static, ()> {
    TIMING.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive() -> RwLockWriteGuard<'static, ()> {
    warm_module_cache();
    TIMING.write().unwrap_or_else(|e| e.into_inner())
}

/// Fills the compiled-guest cache once, so timed tests measure their run and not the first
/// compilation of the guest (tens of seconds in a debug build on a cold cache).
fn warm_module_cache() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(["run", "-e", "0"])
            .stdin(Stdio::null())
            .output()
            .expect("spawn airlock");
        assert!(out.status.success(), "{out:?}");
    });
}

/// A temp directory to hold configs, scripts and journals, and to run the binary in.
struct Dir(TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().expect("tempdir"))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Writes a config file: [`TOOLS`] followed by `extra` (policy, limits).
    fn config(&self, name: &str, extra: &str) -> String {
        let text = format!("{TOOLS}\n{extra}").replace('@', &fixtures());
        arg(&self.write(name, &text))
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).expect("read")
    }

    /// Lines the weather tool logged: one per real call.
    fn tool_calls(&self) -> usize {
        std::fs::read_to_string(self.path().join("calls.log")).map_or(0, |t| t.lines().count())
    }

    /// Runs `airlock ARGS` in this directory, without the timing lock.
    fn airlock_unlocked(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_airlock"))
            .args(args)
            .current_dir(self.path())
            .stdin(Stdio::null())
            .output()
            .expect("spawn airlock")
    }

    fn airlock(&self, args: &[&str]) -> Output {
        let _guard = shared();
        self.airlock_unlocked(args)
    }
}

fn arg(path: &Path) -> String {
    path.to_str().expect("utf-8 path").to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// Asserts the exit code, showing both streams when it differs.
#[track_caller]
fn assert_exit(out: &Output, expected: i32) {
    assert_eq!(
        code(out),
        expected,
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

const ALLOW_ALL: &str = "[[allow]]\ntools = \"**\"\n";

// ---------------------------------------------------------------------------------------------
// Exec tools
// ---------------------------------------------------------------------------------------------

#[test]
fn exec_tool_result_reaches_the_script_with_its_key_order() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "console.log(await weather.current({ city: 'Oslo' }));
         console.log(await weather_current({ city: 'Bergen' }));",
    ]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "{\"z\":\"last key first\",\"a\":\"Oslo\"}\n{\"z\":\"last key first\",\"a\":\"Bergen\"}\n"
    );
    assert_eq!(stderr(&out), "");
    assert_eq!(dir.tool_calls(), 2);
}

#[test]
fn exec_tool_exiting_non_zero_is_a_catchable_etool_with_its_stderr() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "try { await fail({}); } catch (e) { console.log(e.code, e.tool, e.message); }",
    ]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "ETOOL fail fail: the tool exited with status 3: upstream service exploded\n"
    );
}

#[test]
fn uncaught_tool_failure_exits_1_with_the_message_on_stderr() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&["run", "--config", &config, "-e", "await fail({})"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("upstream service exploded"), "{err}");
    assert!(err.contains("ETOOL"), "{err}");
}

#[test]
fn exec_tool_printing_non_json_is_an_etool_with_a_hint() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "try { await not_json({}); } catch (e) { console.log(e.code); console.log(e.message); }",
    ]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("ETOOL\nnot_json: "), "{text}");
    assert!(text.contains("not JSON"), "{text}");
    assert!(text.contains("this is not json"), "{text}");
    assert!(
        text.contains("hint: an exec tool must print exactly one JSON value"),
        "{text}"
    );
}

#[test]
fn arguments_breaking_the_input_schema_are_einval_and_the_tool_does_not_run() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "try { await weather.current({ city: 42 }); } catch (e) { console.log(e.code); }",
    ]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "EINVAL\n");
    assert_eq!(dir.tool_calls(), 0);
}

#[test]
fn exec_tool_past_its_timeout_is_etimedout_and_its_process_is_killed() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let started = Instant::now();
    let out = {
        let _guard = exclusive();
        dir.airlock_unlocked(&[
            "run",
            "--config",
            &config,
            "-e",
            "try { await hang({ seconds: 2, marker: 'marker' }); }
             catch (e) { console.log(e.code); console.log(e.message); }",
        ])
    };
    let took = started.elapsed();
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("ETIMEDOUT\nhang: "), "{text}");
    assert!(text.contains("300ms"), "{text}");
    assert!(took < Duration::from_millis(1800), "took {took:?}");
    // Had the program survived, it would write the marker about 2 s after it started.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !dir.path().join("marker").exists(),
        "the timed-out tool kept running"
    );
}

#[test]
fn run_timeout_during_a_tool_call_exits_124_and_kills_the_tool() {
    let dir = Dir::new();
    let config = dir.config(
        "airlock.toml",
        &format!("[limits]\ntimeout = \"1s\"\n\n{ALLOW_ALL}"),
    );
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "await sleep({ seconds: 2, marker: 'marker' }); console.log('unreachable')",
    ]);
    assert_exit(&out, 124);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("after 1s"), "{}", stderr(&out));
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        !dir.path().join("marker").exists(),
        "the tool outlived the run"
    );
}

#[test]
fn promise_all_runs_exec_tool_calls_concurrently() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let _guard = exclusive();
    let started = Instant::now();
    let out = dir.airlock_unlocked(&[
        "run",
        "--config",
        &config,
        "-e",
        "return await Promise.all([1, 2, 3, 4, 5].map(() => sleep({ seconds: 0.3 })))",
    ]);
    let took = started.elapsed();
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!("[{}]\n", ["{\"slept\":0.3}"; 5].join(","))
    );
    // One after another they would take at least 5 x 0.3 s.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

const CITY_POLICY: &str = r#"
[[allow]]
tools = "weather/**"
[allow.args]
city = { in = ["Oslo", "Bergen"] }

[[allow]]
tools = "fail"
"#;

#[test]
fn uncaught_denial_prints_the_denial_line_and_exits_1_without_running_the_tool() {
    let dir = Dir::new();
    let config = dir.config("policy.toml", CITY_POLICY);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "await weather.current({ city: 'Paris' }); console.log('unreachable')",
    ]);
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("PolicyDenied: weather/current: "),
        "{err}"
    );
    assert!(first.contains("Paris"), "{err}");
    assert!(
        first.contains("(allow[0] in ") && first.contains("policy.toml)"),
        "{err}"
    );
    assert_eq!(dir.tool_calls(), 0, "a denied call must not reach the tool");
}

#[test]
fn caught_denial_has_code_epolicy_and_the_run_goes_on() {
    let dir = Dir::new();
    let config = dir.config("policy.toml", CITY_POLICY);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "try { await weather.current({ city: 'Paris' }); } catch (e) { console.log(e.code, e.name); }
         console.log((await weather.current({ city: 'Oslo' })).a);",
    ]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "EPOLICY PolicyDenied\nOslo\n");
    assert_eq!(dir.tool_calls(), 1);
}

#[test]
fn tools_no_rule_allows_are_hidden_from_the_script() {
    let dir = Dir::new();
    let config = dir.config("policy.toml", CITY_POLICY);
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "return [typeof weather_current, typeof fail, typeof not_json, typeof sleep]",
    ]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "[\"function\",\"function\",\"undefined\",\"undefined\"]\n"
    );
}

#[test]
fn max_calls_budget_denies_the_call_past_it() {
    let dir = Dir::new();
    let config = dir.config(
        "budget.toml",
        "[[allow]]\ntools = \"weather/current\"\nmax_calls = 2\n",
    );
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "-e",
        "const codes = [];
         for (const city of ['a', 'b', 'c']) {
           try { await weather.current({ city }); codes.push('ok'); } catch (e) { codes.push(e.code); }
         }
         return codes",
    ]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), "[\"ok\",\"ok\",\"EPOLICY\"]\n");
    assert_eq!(dir.tool_calls(), 2);
}

// ---------------------------------------------------------------------------------------------
// Strict config files
// ---------------------------------------------------------------------------------------------

/// A bad config: its file name, its text, and what the error must say.
struct BadConfig {
    file: &'static str,
    text: &'static str,
    says: &'static [&'static str],
}

const BAD_CONFIGS: &[BadConfig] = &[
    BadConfig {
        file: "tool_key.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\nbogus = 1\n",
        says: &["bogus", "line 4"],
    },
    BadConfig {
        file: "allow_key.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[allow]]\ntools = \"a\"\nmax_call = 1\n",
        says: &["max_call", "line 7"],
    },
    BadConfig {
        file: "limits_key.toml",
        text: "[limits]\ntool_timeout = \"1s\"\ntool_bogus = 1\n",
        says: &["tool_bogus", "line 3"],
    },
    BadConfig {
        file: "schema.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\ninput_schema = { type = \"objekt\" }\n",
        says: &["schema.toml:2:", "tool 'a'", "schema"],
    },
    BadConfig {
        file: "pattern.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[allow]]\ntools = \"a//b\"\n",
        says: &["pattern.toml:6:", "allow[0]", "a//b", "hint:"],
    },
    BadConfig {
        file: "deny_pattern.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[deny]]\ntools = \"**x\"\n",
        says: &["deny_pattern.toml:6:", "deny[0]", "**x"],
    },
    BadConfig {
        file: "rate.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[allow]]\ntools = \"a\"\nrate = \"10/fortnight\"\n",
        says: &["rate.toml:7:", "10/fortnight", "hint:"],
    },
    BadConfig {
        file: "regex.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[allow]]\ntools = \"a\"\n[allow.args]\ncity = { matches = \"([a-z\" }\n",
        says: &["regex.toml:8:", "city", "regex"],
    },
    BadConfig {
        file: "empty_command.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = []\n",
        says: &["empty_command.toml:2:", "command", "hint:"],
    },
    BadConfig {
        file: "tool_timeout.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\ntimeout = \"soon\"\n",
        says: &["tool_timeout.toml:2:", "soon"],
    },
    BadConfig {
        file: "twice.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n",
        says: &["twice.toml:6:", "twice"],
    },
    BadConfig {
        file: "schema_file.toml",
        text: "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\ninput_schema_file = \"missing.json\"\n",
        says: &["schema_file.toml:2:", "missing.json"],
    },
];

#[test]
fn bad_configs_are_usage_errors_that_point_at_the_line() {
    let dir = Dir::new();
    for case in BAD_CONFIGS {
        let path = arg(&dir.write(case.file, case.text));
        for args in [
            vec!["check", path.as_str()],
            vec!["run", "--config", path.as_str(), "-e", "console.log('ran')"],
            vec!["tools", "--config", path.as_str()],
        ] {
            let out = dir.airlock(&args);
            assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
            assert_eq!(stdout(&out), "", "{args:?} printed to stdout");
            let err = stderr(&out);
            for needle in case.says {
                assert!(err.contains(needle), "{args:?}: no {needle:?} in:\n{err}");
            }
        }
    }
}

#[test]
fn policy_error_names_the_config_file_once() {
    let dir = Dir::new();
    let path = arg(&dir.write(
        "once.toml",
        "[[tool]]\nname = \"a\"\ncommand = [\"true\"]\n\n[[allow]]\ntools = \"a//b\"\n",
    ));
    let out = dir.airlock(&["check", &path]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("airlock: {path}:6: allow[0]: ")),
        "{err}"
    );
}

#[test]
fn check_prints_the_tools_limits_and_policy_of_a_good_config() {
    let dir = Dir::new();
    let config = dir.config(
        "good.toml",
        r#"
[limits]
tool_timeout = "7s"

[[allow]]
tools = "weather/**"
max_calls = 5
[allow.args]
city = { in = ["Oslo", "Bergen"] }

[[allow]]
tools = "fail"

[[deny]]
tools = "fail"
reason = "it never works"
"#,
    );
    let out = dir.airlock(&["check", &config]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{config}: ok\n")), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("  tool_timeout ") && l.contains(" 7s (default 30s)  ")),
        "{text}"
    );
    assert!(text.contains("tools (5):"), "{text}");
    assert!(
        text.contains("  weather/current  Current weather for a city\n"),
        "{text}"
    );
    assert!(
        text.contains("  fail  Always fails  [never allowed by the policy]"),
        "{text}"
    );
    assert!(
        text.contains("  sleep  Sleeps, then answers  [never allowed by the policy]"),
        "{text}"
    );
    assert!(text.contains("2 allow rules"), "{text}");
    assert!(text.contains("allow[0]  tools = \"weather/**\""), "{text}");
    assert!(text.contains("deny[0]  tools = \"fail\""), "{text}");
    assert!(text.contains("it never works"), "{text}");
    assert!(text.contains("city"), "{text}");
    assert_eq!(stderr(&out), "");
}

#[test]
fn check_without_a_file_reads_airlock_toml_in_the_current_directory() {
    let dir = Dir::new();
    let out = dir.airlock(&["check"]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("airlock.toml"), "{}", stderr(&out));

    dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&["check"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("weather/current"), "{}", stdout(&out));
}

// ---------------------------------------------------------------------------------------------
// tools and prompt
// ---------------------------------------------------------------------------------------------

#[test]
fn tools_lists_the_names_and_descriptions_the_script_gets() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", CITY_POLICY);
    let out = dir.airlock(&["tools", "--config", &config]);
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "weather/current  Current weather for a city\nfail  Always fails\n"
    );
}

#[test]
fn tools_without_any_config_says_there_are_none() {
    let dir = Dir::new();
    let out = dir.airlock(&["tools"]);
    assert_exit(&out, 0);
    assert!(stdout(&out).starts_with("no tools"), "{}", stdout(&out));
}

#[test]
fn tools_dts_declares_each_tool_as_a_function_and_a_namespace() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let out = dir.airlock(&["tools", "--config", &config, "--dts"]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("declare function weather_current("), "{text}");
    assert!(text.contains("declare namespace weather {"), "{text}");
    assert!(text.contains("city: string"), "{text}");
    assert!(text.contains("declare function not_json("), "{text}");
    assert!(text.contains("/** Current weather for a city */"), "{text}");
}

#[test]
fn prompt_describes_the_tools_the_policy_and_the_limits() {
    let dir = Dir::new();
    let config = dir.config(
        "airlock.toml",
        &format!("[limits]\ntimeout = \"20s\"\n\n{CITY_POLICY}"),
    );
    let out = dir.airlock(&["prompt", "--config", &config]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("weather_current"), "{text}");
    assert!(text.contains("weather.current("), "{text}");
    assert!(text.contains("Current weather for a city"), "{text}");
    assert!(text.contains("20 s"), "{text}");
    assert!(text.contains("EPOLICY"), "{text}");
    assert!(text.contains("allow[0]  tools = \"weather/**\""), "{text}");
    assert!(
        !text.contains("not_json"),
        "a tool never allowed is not offered: {text}"
    );

    let out = dir.airlock(&["prompt", "--config", &dir.config("plain.toml", ALLOW_ALL)]);
    assert_exit(&out, 0);
    assert!(stdout(&out).contains("10 s"), "{}", stdout(&out));
}

// ---------------------------------------------------------------------------------------------
// Journals
// ---------------------------------------------------------------------------------------------

/// A journal of one run with three calls: start, call, call, call, end (5 lines). Returns its
/// path, its lines and the head the run printed.
fn recorded_journal(dir: &Dir) -> (String, Vec<String>, String) {
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let journal = arg(&dir.path().join("j.jsonl"));
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "--journal",
        &journal,
        "-e",
        "for (const city of ['a', 'b', 'c']) await weather.current({ city });",
    ]);
    assert_exit(&out, 0);
    let err = stderr(&out);
    let head = err
        .split("head ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no head in stderr: {err}"))
        .to_string();
    assert_eq!(head.len(), 64, "{err}");
    let lines: Vec<String> = dir.read("j.jsonl").lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 5, "{lines:#?}");
    (journal, lines, head)
}

/// Writes `lines` as a journal named `name` and verifies it; returns the output.
fn verify_lines(dir: &Dir, name: &str, lines: &[String]) -> Output {
    let path = arg(&dir.write(name, &format!("{}\n", lines.join("\n"))));
    dir.airlock(&["journal", "verify", &path])
}

#[track_caller]
fn assert_rejected_at(out: &Output, name: &str, line: usize) {
    assert_exit(out, 1);
    assert_eq!(stdout(out), "");
    let err = stderr(out);
    assert!(err.contains(&format!("{name}:{line}:")), "{err}");
}

#[test]
fn journal_written_by_run_verifies_ok_and_run_prints_its_head() {
    let dir = Dir::new();
    let (journal, _, head) = recorded_journal(&dir);
    let out = dir.airlock(&["journal", "verify", &journal]);
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.contains(": ok"), "{text}");
    assert!(text.contains("1 run, 3 calls, 5 entries"), "{text}");
    assert!(text.contains(&head), "{text}");

    let out = dir.airlock(&["journal", "verify", &journal, "--head", &head]);
    assert_exit(&out, 0);
}

#[test]
fn journal_records_the_calls_and_results() {
    let dir = Dir::new();
    let (_, lines, _) = recorded_journal(&dir);
    let call: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(call["kind"], "call");
    assert_eq!(call["tool"], "weather/current");
    assert_eq!(call["args"], serde_json::json!({ "city": "b" }));
    assert_eq!(call["decision"], "allow");
    assert_eq!(call["result"]["a"], "b");
    let end: serde_json::Value = serde_json::from_str(&lines[4]).unwrap();
    assert_eq!(end["kind"], "end");
    assert_eq!(end["exit_code"], 0);
    assert_eq!(end["calls"], 3);
}

#[test]
fn journal_with_a_byte_edited_in_a_middle_line_fails_verify() {
    let dir = Dir::new();
    let (_, mut lines, _) = recorded_journal(&dir);
    assert!(lines[2].contains("{\"city\":\"b\"}"), "{}", lines[2]);
    lines[2] = lines[2].replacen("{\"city\":\"b\"}", "{\"city\":\"B\"}", 1);
    let out = verify_lines(&dir, "edited.jsonl", &lines);
    // The edit shows in the next line, whose `prev` no longer matches.
    assert_rejected_at(&out, "edited.jsonl", 4);
    assert!(stderr(&out).contains("line 3"), "{}", stderr(&out));
}

#[test]
fn journal_with_a_line_deleted_fails_verify() {
    let dir = Dir::new();
    let (_, mut lines, _) = recorded_journal(&dir);
    lines.remove(2);
    assert_rejected_at(
        &verify_lines(&dir, "deleted.jsonl", &lines),
        "deleted.jsonl",
        3,
    );
}

#[test]
fn journal_with_the_last_line_deleted_fails_verify() {
    let dir = Dir::new();
    let (_, mut lines, _) = recorded_journal(&dir);
    lines.pop();
    let out = verify_lines(&dir, "cut.jsonl", &lines);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("cut.jsonl:"), "{err}");
    assert!(err.contains("no end entry"), "{err}");
}

#[test]
fn journal_with_two_lines_swapped_fails_verify() {
    let dir = Dir::new();
    let (_, mut lines, _) = recorded_journal(&dir);
    lines.swap(2, 3);
    assert_rejected_at(
        &verify_lines(&dir, "swapped.jsonl", &lines),
        "swapped.jsonl",
        3,
    );
}

#[test]
fn journal_with_a_copied_line_inserted_fails_verify() {
    let dir = Dir::new();
    let (_, mut lines, _) = recorded_journal(&dir);
    let copy = lines[2].clone();
    lines.insert(3, copy);
    assert_rejected_at(
        &verify_lines(&dir, "inserted.jsonl", &lines),
        "inserted.jsonl",
        4,
    );
}

#[test]
fn journal_verify_with_a_wrong_head_fails() {
    let dir = Dir::new();
    let (journal, _, head) = recorded_journal(&dir);
    // The right length and alphabet, one digit off.
    let last = if head.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &head[..63]);
    let out = dir.airlock(&["journal", "verify", &journal, "--head", &wrong]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains(&wrong) && err.contains(&head), "{err}");
}

#[test]
fn journal_with_its_tail_edited_passes_alone_but_fails_against_the_head() {
    let dir = Dir::new();
    let (_, mut lines, head) = recorded_journal(&dir);
    let last = lines.len() - 1;
    lines[last] = lines[last].replacen("\"exit_code\":0", "\"exit_code\":1", 1);
    let path = arg(&dir.write("tail.jsonl", &format!("{}\n", lines.join("\n"))));
    let out = dir.airlock(&["journal", "verify", &path, "--head", &head]);
    assert_rejected_at(&out, "tail.jsonl", 5);
}

#[test]
fn journal_verify_of_a_missing_file_is_a_usage_error() {
    let dir = Dir::new();
    let missing = arg(&dir.path().join("missing.jsonl"));
    let out = dir.airlock(&["journal", "verify", &missing]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("missing.jsonl"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Deterministic runs
// ---------------------------------------------------------------------------------------------

const CLOCKWORK: &str = "const t0 = Date.now();
await new Promise((resolve) => setTimeout(resolve, 1000));
const w = await weather.current({ city: 'Oslo' });
console.log('start', new Date(t0).toISOString());
console.log('elapsed', Date.now() - t0);
console.log('random', Math.random(), Math.random());
console.log('tool', JSON.stringify(w));
";

fn deterministic_run(dir: &Dir, seed: &str, journal: &str) -> Output {
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let script = arg(&dir.write("clockwork.js", CLOCKWORK));
    let journal = arg(&dir.path().join(journal));
    dir.airlock(&[
        "run",
        "--config",
        &config,
        "--deterministic",
        "--seed",
        seed,
        "--journal",
        &journal,
        &script,
    ])
}

fn random_line(out: &Output) -> String {
    stdout(out)
        .lines()
        .find(|l| l.starts_with("random "))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn deterministic_runs_with_one_seed_give_identical_output_and_journals() {
    let dir = Dir::new();
    let first = deterministic_run(&dir, "7", "a.jsonl");
    assert_exit(&first, 0);
    let second = deterministic_run(&dir, "7", "b.jsonl");
    assert_exit(&second, 0);
    assert_eq!(stdout(&first), stdout(&second));
    // The virtual clock moves only by the timer: exactly 1000 ms.
    assert!(
        stdout(&first).contains("\nelapsed 1000\n"),
        "{}",
        stdout(&first)
    );
    let a = std::fs::read(dir.path().join("a.jsonl")).unwrap();
    let b = std::fs::read(dir.path().join("b.jsonl")).unwrap();
    assert!(!a.is_empty());
    assert!(
        a == b,
        "the journals differ:\n{}\n{}",
        dir.read("a.jsonl"),
        dir.read("b.jsonl")
    );
    assert_eq!(dir.tool_calls(), 2, "both runs really called the tool");
}

#[test]
fn deterministic_runs_with_different_seeds_draw_different_random_numbers() {
    let dir = Dir::new();
    let seven = deterministic_run(&dir, "7", "a.jsonl");
    let eight = deterministic_run(&dir, "8", "b.jsonl");
    assert_exit(&seven, 0);
    assert_exit(&eight, 0);
    assert!(
        random_line(&seven).starts_with("random 0."),
        "{}",
        stdout(&seven)
    );
    assert_ne!(random_line(&seven), random_line(&eight));
    // Only the randomness differs.
    let rest = |out: &Output| {
        stdout(out)
            .lines()
            .filter(|l| !l.starts_with("random "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(rest(&seven), rest(&eight));
}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

const TRIP: &str = "const cities = ['Oslo', 'Bergen'];
const answers = await Promise.all(cities.map((city) => weather.current({ city })));
let failure = '';
try { await fail({ why: 'test' }); } catch (e) { failure = e.code + ' ' + e.message; }
console.log(JSON.stringify(answers));
console.log(failure);
console.log('random', Math.random());
";

/// Records [`TRIP`] (seeded, so its `Math.random` is reproducible): the run's output.
fn record_trip(dir: &Dir) -> Output {
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let script = arg(&dir.write("trip.js", TRIP));
    let journal = arg(&dir.path().join("trip.jsonl"));
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "--seed",
        "7",
        "--journal",
        &journal,
        &script,
    ]);
    assert_exit(&out, 0);
    out
}

#[test]
fn replay_reproduces_the_output_without_calling_the_tools() {
    let dir = Dir::new();
    let recorded = record_trip(&dir);
    assert!(
        stdout(&recorded).contains("ETOOL fail: the tool exited with status 3"),
        "{}",
        stdout(&recorded)
    );
    let calls = dir.tool_calls();
    assert_eq!(calls, 2);
    let journal = arg(&dir.path().join("trip.jsonl"));
    // No config in reach of the replay: it must not need one.
    std::fs::remove_file(dir.path().join("airlock.toml")).unwrap();
    let out = dir.airlock(&["replay", &journal]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), stdout(&recorded));
    assert!(
        stderr(&out).contains("replay matched the recording: 1 run(s), 3 tool call(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(dir.tool_calls(), calls, "replay ran the tool");
}

#[test]
fn replay_of_a_deterministic_recording_is_byte_identical() {
    let dir = Dir::new();
    let recorded = deterministic_run(&dir, "7", "a.jsonl");
    assert_exit(&recorded, 0);
    let out = dir.airlock(&["replay", &arg(&dir.path().join("a.jsonl"))]);
    assert_exit(&out, 0);
    assert_eq!(stdout(&out), stdout(&recorded));
    assert_eq!(dir.tool_calls(), 1);
}

#[test]
fn replay_with_a_script_calling_with_other_arguments_diverges_with_125() {
    let dir = Dir::new();
    record_trip(&dir);
    let calls = dir.tool_calls();
    let changed = arg(&dir.write("changed.js", &TRIP.replace("'Bergen'", "'Paris'")));
    let out = dir.airlock(&["replay", &arg(&dir.path().join("trip.jsonl")), &changed]);
    assert_exit(&out, 125);
    let err = stderr(&out);
    assert!(err.contains("replay diverged"), "{err}");
    assert!(
        err.contains("weather/current {\"city\":\"Bergen\"}"),
        "{err}"
    );
    assert!(
        err.contains("weather/current {\"city\":\"Paris\"}"),
        "{err}"
    );
    assert!(!err.contains("matched the recording"), "{err}");
    assert_eq!(dir.tool_calls(), calls, "replay ran the tool");
}

#[test]
fn replay_with_a_script_making_fewer_calls_diverges() {
    let dir = Dir::new();
    record_trip(&dir);
    let fewer = arg(&dir.write("fewer.js", "await weather.current({ city: 'Oslo' });"));
    let out = dir.airlock(&["replay", &arg(&dir.path().join("trip.jsonl")), &fewer]);
    assert_exit(&out, 125);
    assert!(stderr(&out).contains("replay diverged"), "{}", stderr(&out));
}

#[test]
fn replay_of_a_result_journaled_only_by_hash_cannot_be_served() {
    let dir = Dir::new();
    let config = dir.config("airlock.toml", ALLOW_ALL);
    let journal = arg(&dir.path().join("hashed.jsonl"));
    let out = dir.airlock(&[
        "run",
        "--config",
        &config,
        "--journal",
        &journal,
        "--journal-results",
        "4",
        "-e",
        "console.log((await weather.current({ city: 'Oslo' })).a)",
    ]);
    assert_exit(&out, 0);
    let line = dir.read("hashed.jsonl");
    assert!(line.contains("result_sha256"), "{line}");
    let out = dir.airlock(&["replay", &journal]);
    assert_exit(&out, 125);
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("only by its hash"),
        "{}",
        stderr(&out)
    );
}

#[test]

fn replay_exits_with_the_scripts_error_code_when_the_changed_script_throws() {
    let dir = Dir::new();
    record_trip(&dir);
    let broken = arg(&dir.write(
        "broken.js",
        &format!("{TRIP}throw new Error('regression after the calls');\n"),
    ));
    let out = dir.airlock(&["replay", &arg(&dir.path().join("trip.jsonl")), &broken]);
    assert!(
        stderr(&out).contains("regression after the calls"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("matched the recording"),
        "{}",
        stderr(&out)
    );
    assert_exit(&out, 1);
}

#[test]
fn replay_of_a_missing_journal_is_a_usage_error() {
    let dir = Dir::new();
    let out = dir.airlock(&["replay", &arg(&dir.path().join("nope.jsonl"))]);
    assert_exit(&out, 2);
    assert!(stderr(&out).contains("nope.jsonl"), "{}", stderr(&out));
}

/// This crate's directory, as cargo tells the running test: a path baked in at compile time
/// goes stale when a cached test binary is reused from another checkout.
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR")
}
