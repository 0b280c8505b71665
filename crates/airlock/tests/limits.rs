//! Every limit stops a runaway script cleanly, reports why, and leaves the session (and its
//! files) usable.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use airlock::{ErrorKind, Language, Limits, Sandbox, SandboxConfig, Termination, exit_code};
use common::*;
use serde_json::json;

const MEMORY_BOMB: &str = "let a = []; while (true) a.push(new Array(1e6).fill(1));";

/// A session of `sandbox` holding `/workspace/keep.txt` = "kept", with a 1 s timeout.
fn prepared_session(sandbox: &Sandbox) -> airlock::Session {
    let mut session = sandbox.session();
    assert_ok(&js(&mut session, "await fs.writeFile('keep.txt', 'kept')"));
    let mut limits = session.limits().clone();
    limits.timeout = Some(Duration::from_secs(1));
    session.set_limits(limits).expect("set limits");
    session
}

/// Like [`prepared_session`] but keeping the sandbox's generous default timeout, for tests whose
/// scripts do real work that a loaded machine may slow down.
fn prepared_session_without_short_timeout(sandbox: &Sandbox) -> airlock::Session {
    let mut session = sandbox.session();
    assert_ok(&js(&mut session, "await fs.writeFile('keep.txt', 'kept')"));
    session
}

fn assert_limit_message(stderr: &str, needle: &str) {
    assert!(
        stderr.contains(&format!("airlock: {needle}")),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("\nhint: "), "no hint in stderr: {stderr}");
}

#[test]
fn timeout_stops_infinite_loop_and_session_survives() {
    let mut session = prepared_session(sandbox());
    let started = Instant::now();
    let out = js(&mut session, "console.log('spinning'); while (true) {}");
    let elapsed = started.elapsed();
    assert_eq!(out.termination, Termination::Timeout);
    assert_eq!(out.exit_code, exit_code::TIMEOUT);
    assert!(
        elapsed >= Duration::from_millis(900),
        "stopped too early: {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(
        out.stdout_text(),
        "spinning\n",
        "output before the timeout is kept"
    );
    assert_limit_message(&out.stderr_text(), "the run was stopped after 1s");
    assert_session_survives(&mut session, "keep.txt", "kept");
}

/// The interpreter's loop is checked by QuickJS's own polls, every other loop by the checks the
/// host compiles in: a run busy inside one native call (a regular expression backtracking, the
/// shell's interpreter, awk's) is stopped as promptly as a JavaScript loop.
#[test]
fn timeout_stops_a_run_busy_inside_native_code() {
    let sandbox = sandbox();
    let cases = [
        (
            Language::JavaScript,
            "console.log('matching'); /^(a+)+$/.test('a'.repeat(64) + '!')",
        ),
        (
            Language::JavaScript,
            "console.log('sorting'); new Array(2e6).fill(0).map((_, i) => -i).sort((a, b) => { while (true) {} })",
        ),
        (Language::Shell, "echo looping; while true; do :; done"),
        (Language::Shell, "echo awk; awk 'BEGIN { while (1) n++ }'"),
    ];
    for (language, code) in cases {
        let mut session = prepared_session(sandbox);
        let mut limits = session.limits().clone();
        limits.timeout = Some(Duration::from_millis(500));
        session.set_limits(limits).expect("set limits");
        let _watch = watchdog(code, Duration::from_secs(60));
        let started = Instant::now();
        let out = session.run(language, code).expect("run");
        let elapsed = started.elapsed();
        assert_eq!(out.termination, Termination::Timeout, "{code}: {out:?}");
        assert!(elapsed < Duration::from_secs(5), "{code}: took {elapsed:?}");
        assert!(
            !out.stdout_text().is_empty(),
            "{code}: the output before the timeout is kept"
        );
        assert_session_survives(&mut session, "keep.txt", "kept");
    }
}

/// Ends the test process if the run of `code` is still going after `limit`: a deadline check
/// that never fires would otherwise hang the test run instead of failing it. Dropping the
/// returned sender stands the watchdog down.
fn watchdog(code: &str, limit: Duration) -> mpsc::Sender<()> {
    let (done, wait) = mpsc::channel::<()>();
    let code = code.to_owned();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
            eprintln!("{code}: still running after {limit:?}; the timeout did not stop it");
            std::process::exit(1);
        }
    });
    done
}

#[test]
fn timeout_covers_timers_that_would_fire_after_the_deadline() {
    let mut session = prepared_session(sandbox());
    let started = Instant::now();
    let out = js(
        &mut session,
        "await new Promise(r => setTimeout(r, 60000)); console.log('never')",
    );
    let elapsed = started.elapsed();
    assert_eq!(out.termination, Termination::Timeout);
    assert_eq!(out.exit_code, 124);
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(out.stdout_text(), "");
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn timeout_stops_a_busy_loop_inside_timers_and_intervals() {
    let mut session = prepared_session(sandbox());
    let started = Instant::now();
    let out = js(
        &mut session,
        "setInterval(() => { for (let i = 0; i < 1e5; i++); }, 0);",
    );
    assert_eq!(out.termination, Termination::Timeout);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn memory_bomb_is_stopped_as_out_of_memory_and_session_survives() {
    let mut session = prepared_session_without_short_timeout(small_memory_sandbox());
    let started = Instant::now();
    let out = js(&mut session, MEMORY_BOMB);
    assert_eq!(
        out.termination,
        Termination::OutOfMemory,
        "stderr: {}",
        out.stderr_text()
    );
    assert_eq!(out.exit_code, exit_code::OUT_OF_MEMORY);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_limit_message(
        &out.stderr_text(),
        "the run ran out of memory (limit 64 MiB)",
    );
    assert!(
        out.usage.peak_memory <= 64 * MIB,
        "peak {} over the limit",
        out.usage.peak_memory
    );
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn out_of_memory_in_the_shell_says_only_airlocks_message() {
    let mut session = prepared_session_without_short_timeout(small_memory_sandbox());
    let out = session
        .run(
            Language::Shell,
            "x=$(yes abcdefghij | head -c 200000000); echo ${#x}",
        )
        .expect("run");
    assert_eq!(
        out.termination,
        Termination::OutOfMemory,
        "stderr: {}",
        out.stderr_text()
    );
    let err = out.stderr_text();
    assert!(
        err.starts_with("airlock: the run ran out of memory (limit 64 MiB)"),
        "{err}"
    );
    assert!(
        !err.contains("memory allocation of") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn out_of_memory_is_catchable_in_javascript() {
    let mut session = prepared_session_without_short_timeout(small_memory_sandbox());
    let out = js(
        &mut session,
        &format!("try {{ {MEMORY_BOMB} }} catch (e) {{ a = null; return e.message }}"),
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!("out of memory")));
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn session_memory_limit_below_the_sandbox_is_enforced() {
    let mut session = sandbox().session();
    let mut limits = Limits::default();
    limits.memory = 48 * MIB;
    session
        .set_limits(limits)
        .expect("lower memory limit is allowed");
    let out = js(&mut session, MEMORY_BOMB);
    assert_eq!(out.termination, Termination::OutOfMemory);
    assert!(
        out.usage.peak_memory <= 48 * MIB,
        "peak {}",
        out.usage.peak_memory
    );
    assert!(
        out.stderr_text().contains("limit 48 MiB"),
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn unbounded_recursion_is_a_catchable_range_error_as_in_node() {
    let mut session = prepared_session_without_short_timeout(sandbox());
    // Caught: the script goes on, with its stack unwound.
    let out = js(
        &mut session,
        "let depth = 0;\nfunction f(n) { depth = n; return f(n + 1) + 1 }\n\
         try { f(0) } catch (e) { console.log(e instanceof RangeError, e.message, depth > 5000) }\n\
         return [1, 2].map((x) => x * 2)",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    assert_eq!(
        out.stdout_text(),
        "true Maximum call stack size exceeded true\n[2,4]\n"
    );
    // Uncaught: the error and a short stack, exit 1, as Node.
    let out = js(&mut session, "function f() { return f() + 1 }\nf()");
    assert_eq!(out.exit_code, 1, "{}", out.stderr_text());
    let err = out.stderr_text();
    assert!(
        err.starts_with("RangeError: Maximum call stack size exceeded\n    at f (")
            && err.len() < 2000,
        "{err}"
    );
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn absurdly_nested_code_is_a_catchable_range_error_and_the_session_survives() {
    // The parser recurses natively on nested literals; QuickJS's stack check must come first.
    let mut session = prepared_session_without_short_timeout(sandbox());
    for code in [
        "eval('['.repeat(50000) + ']'.repeat(50000))",
        "eval('('.repeat(200000) + '1' + ')'.repeat(200000))",
        "JSON.parse('['.repeat(1000000) + ']'.repeat(1000000))",
    ] {
        let out = js(
            &mut session,
            &format!("try {{ {code} }} catch (e) {{ console.log(e.name) }}"),
        );
        assert_eq!(out.exit_code, 0, "{code}: {}", out.stderr_text());
        assert_eq!(out.stdout_text(), "RangeError\n", "{code}");
    }
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn a_shell_script_nested_too_deeply_is_a_syntax_error_and_the_session_survives() {
    let mut session = prepared_session_without_short_timeout(sandbox());
    let script = format!("{}true{}", "(".repeat(100_000), ")".repeat(100_000));
    let out = session.run(Language::Shell, &script).unwrap();
    assert_eq!(out.exit_code, 2, "{}", out.stderr_text());
    assert!(
        out.stderr_text().contains("nest 100000 levels deep"),
        "{}",
        out.stderr_text()
    );
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn moderately_deep_recursion_is_fine() {
    let value =
        value_of("function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1) } return depth(2000)");
    assert_eq!(value, json!(2000));
}

#[test]
fn stdout_past_the_limit_is_cut_with_a_marker() {
    let out =
        run("const chunk = 'x'.repeat(1024); for (let i = 0; i < 2048; i++) console.log(chunk);");
    assert_ok(&out);
    let stdout = out.stdout_text();
    let limit = 1024 * 1024;
    assert!(
        stdout.len() >= limit && stdout.len() < limit + 200,
        "stdout is {} bytes",
        stdout.len()
    );
    let last = stdout.trim_end().rsplit('\n').next().expect("a last line");
    assert!(
        last.starts_with("[airlock: stdout truncated: 1048576 bytes kept, ")
            && last.ends_with(" dropped]"),
        "marker line: {last}"
    );
    let dropped: u64 = last
        .trim_start_matches("[airlock: stdout truncated: 1048576 bytes kept, ")
        .trim_end_matches(" dropped]")
        .parse()
        .expect("dropped count");
    assert_eq!(dropped, 2048 * 1025 - 1024 * 1024);
}

#[test]
fn stderr_past_its_limit_is_cut_and_stdout_is_unaffected() {
    let mut session = sandbox().session();
    let mut limits = Limits::default();
    limits.stderr_bytes = 100;
    session.set_limits(limits).expect("set limits");
    let out = js(
        &mut session,
        "console.error('e'.repeat(500)); console.log('fine')",
    );
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "fine\n");
    let stderr = out.stderr_text();
    assert!(stderr.starts_with(&"e".repeat(100)), "stderr: {stderr}");
    assert!(
        stderr.contains("[airlock: stderr truncated: 100 bytes kept, 401 dropped]"),
        "stderr: {stderr}"
    );
}

#[test]
fn source_larger_than_the_limit_is_refused_before_running() {
    let mut session = sandbox().session();
    let mut limits = Limits::default();
    limits.source_bytes = 1000;
    session.set_limits(limits).expect("set limits");
    let code = format!(
        "await fs.writeFile('ran.txt', 'yes'); // {}",
        "x".repeat(2000)
    );
    let err = session
        .run(Language::JavaScript, &code)
        .expect_err("source over the limit");
    assert_eq!(err.kind(), ErrorKind::SourceTooLarge);
    assert!(err.hint().is_some(), "expected a hint: {err}");
    assert!(
        err.to_string().contains("1000"),
        "message names the limit: {err}"
    );
    assert!(
        !session.vfs().exists("/workspace/ran.txt"),
        "the script must not have run"
    );
    // Code right at the limit still runs.
    let ok = format!("return 1 //{}", "y".repeat(1000 - "return 1 //".len()));
    assert_eq!(ok.len(), 1000);
    assert_ok(&js(&mut session, &ok));
}

#[test]
fn default_source_limit_is_one_mebibyte() {
    let code = format!("return 1 // {}", "z".repeat(1024 * 1024));
    let err = sandbox()
        .session()
        .run(Language::JavaScript, &code)
        .expect_err("over 1 MiB");
    assert_eq!(err.kind(), ErrorKind::SourceTooLarge);
}

#[test]
fn fuel_budget_stops_a_long_loop_and_session_survives() {
    let mut session = fuel_sandbox().session();
    assert_ok(&js(&mut session, "await fs.writeFile('keep.txt', 'kept')"));
    let mut limits = Limits::default();
    limits.fuel = Some(1_000_000);
    session
        .set_limits(limits)
        .expect("fuel is allowed on a fuel sandbox");
    let started = Instant::now();
    let out = js(&mut session, "let i = 0; while (true) i++;");
    assert_eq!(
        out.termination,
        Termination::OutOfFuel,
        "stderr: {}",
        out.stderr_text()
    );
    assert_eq!(out.exit_code, exit_code::OUT_OF_FUEL);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let fuel = out.usage.fuel.expect("fuel usage is reported");
    assert!(fuel >= 900_000, "burnt only {fuel} of 1,000,000");
    assert_limit_message(
        &out.stderr_text(),
        "the run used up its fuel budget (1000000 units)",
    );

    let mut limits = Limits::default();
    limits.fuel = Some(1_000_000_000);
    session.set_limits(limits).expect("set limits");
    assert_session_survives(&mut session, "keep.txt", "kept");
}

#[test]
fn fuel_usage_is_reported_and_grows_with_work() {
    let mut session = fuel_sandbox().session();
    let small = js(
        &mut session,
        "let s = 0; for (let i = 0; i < 1000; i++) s += i; return s",
    );
    let large = js(
        &mut session,
        "let s = 0; for (let i = 0; i < 1000000; i++) s += i; return s",
    );
    assert_ok(&small);
    assert_ok(&large);
    let (small, large) = (
        small.usage.fuel.expect("fuel"),
        large.usage.fuel.expect("fuel"),
    );
    assert!(small > 0 && large > small, "small {small}, large {large}");
    assert_eq!(
        run("return 1").usage.fuel,
        None,
        "no fuel figure without metering"
    );
}

#[test]
fn usage_reports_wall_time_and_peak_memory() {
    let out = run("const big = new Array(1e6).fill(7); return big.length");
    assert_ok(&out);
    assert!(out.usage.wall > Duration::ZERO);
    assert!(
        out.usage.peak_memory > 8 * MIB,
        "peak {}",
        out.usage.peak_memory
    );
    assert!(
        out.usage.peak_memory <= 256 * MIB,
        "peak {}",
        out.usage.peak_memory
    );
}

#[test]
fn set_limits_rejects_memory_above_the_sandbox_limit() {
    let mut session = small_memory_sandbox().session();
    let mut limits = Limits::default(); // 256 MiB > 64 MiB
    limits.timeout = Some(Duration::from_secs(3));
    let err = session
        .set_limits(limits)
        .expect_err("memory above the sandbox's");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.hint().is_some(), "{err}");
    assert_eq!(
        session.limits().memory,
        64 * MIB,
        "limits unchanged after a rejected set_limits"
    );
}

#[test]
fn set_limits_rejects_fuel_without_metering() {
    let mut session = sandbox().session();
    let mut limits = Limits::default();
    limits.fuel = Some(1000);
    let err = session
        .set_limits(limits)
        .expect_err("fuel without SandboxConfig::fuel");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.to_string().contains("hint: "), "{err}");
}

#[test]
fn sandbox_rejects_impossible_configurations() {
    let mut config = SandboxConfig::default();
    config.limits.memory = 1024 * 1024;
    let err = Sandbox::new(config).expect_err("1 MiB is too small");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.hint().is_some());

    let mut config = SandboxConfig::default();
    config.max_concurrent_runs = 0;
    let err = Sandbox::new(config).expect_err("no run slots");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
}

#[test]
fn concurrent_sessions_on_one_shared_sandbox_all_succeed() {
    let sandbox = sandbox().clone();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let sandbox = sandbox.clone();
            std::thread::spawn(move || {
                let mut session = sandbox.session();
                for round in 0..3 {
                    let code = format!(
                        "await fs.writeFile('id.txt', '{i}-{round}');
                         await new Promise(r => setTimeout(r, 20));
                         let s = 0; for (let k = 0; k < 100000; k++) s += k;
                         return [await fs.readFile('id.txt'), s]"
                    );
                    let out = js(&mut session, &code);
                    assert_ok(&out);
                    assert_eq!(
                        out.value,
                        Some(json!([format!("{i}-{round}"), 4999950000u64]))
                    );
                }
                session.vfs().read("id.txt").expect("id").to_vec()
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        let last = handle.join().expect("thread panicked");
        assert_eq!(
            last,
            format!("{i}-2").into_bytes(),
            "sessions must not share files"
        );
    }
}

#[test]
fn a_full_instance_pool_reports_busy() {
    let mut config = SandboxConfig::default();
    config.max_concurrent_runs = 1;
    let sandbox = Sandbox::new(config).expect("sandbox");
    let busy_holder = {
        let sandbox = sandbox.clone();
        std::thread::spawn(move || {
            let mut session = sandbox.session();
            // The main thread's probes may hold the slot for a moment: retry until this run gets it.
            loop {
                match session.run(
                    Language::JavaScript,
                    "await new Promise(r => setTimeout(r, 3000))",
                ) {
                    Err(e) if e.kind() == ErrorKind::Busy => {
                        std::thread::sleep(Duration::from_millis(2))
                    }
                    other => return other.expect("holder run"),
                }
            }
        })
    };
    // Retry until the other run holds the only slot; a run that wins the race just succeeds.
    let mut saw_busy = None;
    while !busy_holder.is_finished() {
        match sandbox.session().run(Language::JavaScript, "return 1") {
            Err(e) => {
                saw_busy = Some(e);
                break;
            }
            Ok(out) => assert_ok(&out),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let err = saw_busy.expect("a run while the only slot is taken must fail with Busy");
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    assert!(err.hint().is_some(), "{err}");
    assert_ok(&busy_holder.join().expect("holder thread"));
    // Once the slot is free again, runs work.
    assert_ok(&js(&mut sandbox.session(), "return 2"));
}

#[test]
fn one_sessions_limits_do_not_affect_another() {
    let mut strict = sandbox().session();
    strict
        .set_limits(limits_with_timeout(Duration::from_millis(300)))
        .expect("set limits");
    let out = js(
        &mut strict,
        "await new Promise(r => setTimeout(r, 800)); return 'late'",
    );
    assert_eq!(out.termination, Termination::Timeout);
    let out = run("await new Promise(r => setTimeout(r, 800)); return 'on time'");
    assert_ok(&out);
    assert_eq!(out.value, Some(json!("on time")));
}

#[test]
fn a_sandbox_built_without_interruption_ignores_the_timeout() {
    let mut config = SandboxConfig::default();
    config.interruptible = false;
    config.limits.timeout = Some(Duration::from_millis(200));
    let sandbox = Sandbox::new(config).expect("sandbox without epochs");
    let out = js(
        &mut sandbox.session(),
        "await new Promise(r => setTimeout(r, 600)); return 'finished'",
    );
    assert_ok(&out);
    assert_eq!(out.value, Some(json!("finished")));
    assert!(
        out.usage.wall >= Duration::from_millis(600),
        "wall {:?}",
        out.usage.wall
    );
}
