//! The `airlock` command end to end: a real process, real files, real exit codes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn airlock() -> Command {
    Command::new(env!("CARGO_BIN_EXE_airlock"))
}

fn run_cmd(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("spawn airlock")
}

fn airlock_run(args: &[&str]) -> Output {
    run_cmd(airlock().arg("run").args(args))
}

/// Fills the compiled-guest cache once, so tests that time a run measure the run and not the
/// first compilation of the guest (tens of seconds in a debug build on a cold cache).
fn warm_module_cache() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| assert_eq!(code(&airlock_run(&["-e", "0"])), 0));
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

fn write_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn help_lists_the_run_command_and_exit_codes() {
    let out = run_cmd(airlock().arg("--help"));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("run"), "{text}");
    assert!(text.contains("airlock run -e"), "{text}");
    for exit in ["124", "137", "152", "134", "2"] {
        assert!(
            text.contains(exit),
            "help does not mention exit code {exit}: {text}"
        );
    }
}

#[test]
fn help_lists_every_exit_code() {
    let text = stdout(&run_cmd(airlock().arg("--help")));
    assert!(text.contains("139"), "{text}");
    assert!(text.contains("13 "), "{text}");
}

#[test]
fn run_help_documents_every_flag() {
    let out = run_cmd(airlock().args(["run", "--help"]));
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for flag in [
        "--eval",
        "--lang",
        "--timeout",
        "--memory",
        "--fuel",
        "--mount",
        "--out",
        "--config",
    ] {
        assert!(text.contains(flag), "run --help lacks {flag}: {text}");
    }
}

#[test]
fn version_prints_the_package_version() {
    let out = run_cmd(airlock().arg("--version"));
    assert_eq!(code(&out), 0);
    assert_eq!(
        stdout(&out).trim(),
        format!("airlock {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn no_subcommand_is_a_usage_error() {
    let out = run_cmd(&mut airlock());
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("Usage"), "{}", stderr(&out));
}

#[test]
fn eval_prints_the_scripts_output_and_return_value() {
    let out = airlock_run(&[
        "-e",
        "console.log('hi'); console.error('to stderr'); return { n: 1 }",
    ]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "hi\n{\"n\":1}\n");
    assert_eq!(stderr(&out), "to stderr\n");
}

#[test]
fn uncaught_error_exits_1_with_the_trace_on_stderr() {
    let out = airlock_run(&[
        "-e",
        "function f() {\n  throw new TypeError('nope');\n}\nf()",
    ]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.starts_with("TypeError: nope"), "{err}");
    assert!(err.contains("at f (eval.js:2:"), "{err}");
}

#[test]
fn script_file_runs_and_its_name_appears_in_traces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_file(
        dir.path(),
        "agent.js",
        "console.log('from file');\nnull.boom;\n",
    );
    let out = airlock_run(&[script.to_str().expect("utf8")]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "from file\n");
    assert!(stderr(&out).contains("agent.js:2:"), "{}", stderr(&out));
}

#[test]
fn a_ts_file_runs_as_typescript_and_its_errors_keep_their_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_file(
        dir.path(),
        "agent.ts",
        "interface P { n: number }\nconst p: P = { n: 2 };\nconsole.log(p.n as number * 21);\nnull!.boom;\n",
    );
    let out = airlock_run(&[script.to_str().expect("utf8")]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), "42\n");
    assert!(stderr(&out).contains("agent.ts:4:"), "{}", stderr(&out));
    let out = airlock_run(&["--lang", "ts", "-e", "const s: string = 'typed'; return s"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "typed\n");
}

#[test]
fn file_without_a_known_extension_runs_as_javascript() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_file(dir.path(), "task.txt", "return 1 + 1");
    let out = airlock_run(&[script.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "2\n");
}

#[test]
fn dash_reads_the_script_from_stdin() {
    let mut child = airlock()
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"const x = await Promise.resolve(41);\nreturn x + 1\n")
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "42\n");
}

#[test]
fn missing_script_file_is_a_usage_error_naming_the_file() {
    let out = airlock_run(&["/definitely/not/here.js"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("/definitely/not/here.js"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn no_script_at_all_is_a_usage_error_with_a_hint() {
    let out = airlock_run(&[]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn unparsable_timeout_is_a_usage_error() {
    let out = airlock_run(&["--timeout", "soon", "-e", "1"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("--timeout") && err.contains("soon"), "{err}");
}

#[test]
fn unparsable_memory_is_a_usage_error() {
    let out = airlock_run(&["--memory", "12Q", "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("12Q"), "{}", stderr(&out));
}

#[test]
fn too_small_memory_is_a_usage_error_with_a_hint() {
    let out = airlock_run(&["--memory", "1M", "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn timeout_flag_stops_an_infinite_loop_with_exit_124() {
    warm_module_cache();
    let started = Instant::now();
    let out = airlock_run(&["--timeout", "1s", "-e", "while (true) {}"]);
    assert_eq!(code(&out), 124);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    let err = stderr(&out);
    assert!(
        err.contains("airlock: the run was stopped after 1s"),
        "{err}"
    );
    assert!(err.contains("hint:") && err.contains("--timeout"), "{err}");
}

#[test]
fn memory_flag_limits_memory_with_exit_137() {
    let out = airlock_run(&[
        "--memory",
        "64M",
        "-e",
        "let a = []; while (true) a.push(new Array(1e6).fill(1))",
    ]);
    assert_eq!(code(&out), 137);
    assert!(stderr(&out).contains("out of memory"), "{}", stderr(&out));
}

#[test]
fn fuel_flag_limits_work_with_exit_152() {
    let out = airlock_run(&["--fuel", "1000000", "-e", "let i = 0; while (true) i++"]);
    assert_eq!(code(&out), 152);
    assert!(stderr(&out).contains("fuel"), "{}", stderr(&out));
}

#[test]
fn deep_recursion_and_deeply_nested_literals_are_range_errors() {
    let out = airlock_run(&["-e", "function f() { return f() + 1 } f()"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("RangeError: Maximum call stack size exceeded"),
        "{}",
        stderr(&out)
    );
    let out = airlock_run(&["-e", "eval('['.repeat(50000) + ']'.repeat(50000))"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).starts_with("RangeError: Maximum call stack size exceeded"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn never_settling_promise_exits_13() {
    let out = airlock_run(&["-e", "await new Promise(() => {})"]);
    assert_eq!(code(&out), 13);
}

#[test]
fn config_file_sets_limits_and_vfs_quota() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(
        dir.path(),
        "airlock.toml",
        "[limits]\ntimeout = \"1s\"\nmemory = \"64M\"\nstdout = \"1M\"\nstderr = \"1M\"\nsource = \"1M\"\n\n[vfs]\nmax_bytes = \"1K\"\nmax_files = 100\n",
    );
    let config = config.to_str().expect("utf8");
    let out = airlock_run(&[
        "--config",
        config,
        "-e",
        "await fs.writeFile('a', 'x'.repeat(600));
         try { await fs.writeFile('b', 'y'.repeat(600)); } catch (e) { console.log(e.code); }",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "ENOSPC\n");

    let out = airlock_run(&["--config", config, "-e", "while (true) {}"]);
    assert_eq!(code(&out), 124);
    assert!(stderr(&out).contains("after 1s"), "{}", stderr(&out));
}

#[test]
fn config_fuel_is_enforced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(dir.path(), "fuel.toml", "[limits]\nfuel = 1000000\n");
    let out = airlock_run(&[
        "--config",
        config.to_str().expect("utf8"),
        "-e",
        "while (true) {}",
    ]);
    assert_eq!(code(&out), 152);
}

#[test]
fn command_line_flags_override_the_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(dir.path(), "slow.toml", "[limits]\ntimeout = \"60s\"\n");
    warm_module_cache();
    let started = Instant::now();
    let out = airlock_run(&[
        "--config",
        config.to_str().expect("utf8"),
        "--timeout",
        "500ms",
        "-e",
        "while (true) {}",
    ]);
    assert_eq!(code(&out), 124);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn unknown_config_key_is_an_error_naming_the_key_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(
        dir.path(),
        "bad.toml",
        "[limits]\ntimeout = \"1s\"\nbogus_knob = 3\n",
    );
    let out = airlock_run(&[
        "--config",
        config.to_str().expect("utf8"),
        "-e",
        "console.log('ran')",
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "", "the script must not run");
    let err = stderr(&out);
    assert!(err.contains("bogus_knob"), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn unknown_config_section_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(dir.path(), "bad.toml", "[network]\nallow = true\n");
    let out = airlock_run(&["--config", config.to_str().expect("utf8"), "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("network"), "{}", stderr(&out));
}

#[test]
fn bad_config_values_and_missing_config_files_are_usage_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_file(dir.path(), "bad.toml", "[limits]\ntimeout = \"forever\"\n");
    let out = airlock_run(&["--config", config.to_str().expect("utf8"), "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("timeout"), "{}", stderr(&out));

    let missing = dir.path().join("missing.toml");
    let out = airlock_run(&["--config", missing.to_str().expect("utf8"), "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));

    let config = write_file(dir.path(), "syntax.toml", "this is = = not toml");
    let out = airlock_run(&["--config", config.to_str().expect("utf8"), "-e", "1"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn mount_copies_a_host_directory_into_the_sandbox() {
    let host = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(host.path().join("sub")).expect("mkdir");
    write_file(host.path(), "a.txt", "alpha");
    write_file(&host.path().join("sub"), "b.txt", "beta");
    let mount = format!("{}:/workspace/data", host.path().display());
    let out = airlock_run(&[
        "--mount",
        &mount,
        "-e",
        "return [await fs.readdir('data'), await fs.readFile('data/a.txt'), await fs.readFile('/workspace/data/sub/b.txt')]",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "[[\"a.txt\",\"sub\"],\"alpha\",\"beta\"]\n");
}

#[test]
fn writes_inside_a_mount_never_touch_the_host_directory() {
    let host = tempfile::tempdir().expect("tempdir");
    write_file(host.path(), "a.txt", "original");
    let mount = format!("{}:/workspace/data", host.path().display());
    let out = airlock_run(&[
        "--mount",
        &mount,
        "-e",
        "await fs.writeFile('data/a.txt', 'changed'); await fs.writeFile('data/new', 'n')",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(host.path().join("a.txt")).expect("read"),
        "original"
    );
    assert!(!host.path().join("new").exists());
}

#[test]
fn read_only_mount_makes_writes_fail_with_eacces() {
    let host = tempfile::tempdir().expect("tempdir");
    write_file(host.path(), "a.txt", "alpha");
    let mount = format!("{}:/workspace/in:ro", host.path().display());
    let out = airlock_run(&[
        "--mount",
        &mount,
        "-e",
        "const codes = [];
         for (const f of [() => fs.writeFile('in/new.txt', 'x'), () => fs.writeFile('in/a.txt', 'x'),
                          () => fs.rm('in/a.txt'), () => fs.mkdir('in/d')]) {
           try { await f(); codes.push('ok'); } catch (e) { codes.push(e.code); }
         }
         return [codes, await fs.readFile('in/a.txt')]",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "[[\"EACCES\",\"EACCES\",\"EACCES\",\"EACCES\"],\"alpha\"]\n"
    );
}

#[cfg(unix)]
#[test]
fn mount_does_not_follow_symlinks_out_of_the_directory() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = write_file(outside.path(), "secret.txt", "top secret");
    let host = tempfile::tempdir().expect("tempdir");
    write_file(host.path(), "visible.txt", "ok");
    std::os::unix::fs::symlink(&secret, host.path().join("link.txt")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), host.path().join("linkdir")).expect("symlink");
    let mount = format!("{}:/workspace/m", host.path().display());
    let out = airlock_run(&["--mount", &mount, "-e", "return await fs.readdir('m')"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "[\"visible.txt\"]\n");
}

#[test]
fn mount_outside_workspace_or_tmp_is_rejected() {
    let host = tempfile::tempdir().expect("tempdir");
    let mount = format!("{}:/etc/x", host.path().display());
    let out = airlock_run(&["--mount", &mount, "-e", "1"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("/workspace") && err.contains("hint:"), "{err}");
}

#[test]
fn mount_of_a_missing_host_directory_is_a_usage_error() {
    let out = airlock_run(&["--mount", "/no/such/dir:/workspace/x", "-e", "1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("/no/such/dir"), "{}", stderr(&out));
}

#[test]
fn out_writes_the_workspace_back_to_the_host() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let target = out_dir.path().join("results");
    let out = airlock_run(&[
        "--out",
        target.to_str().expect("utf8"),
        "-e",
        "await fs.mkdir('r/deep', { recursive: true });
         await fs.writeFile('r/deep/x.txt', 'X');
         await fs.writeFile('top.json', '{}');
         await fs.writeFile('/tmp/scratch', 'not exported');",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(target.join("r/deep/x.txt")).expect("x.txt"),
        "X"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("top.json")).expect("top.json"),
        "{}"
    );
    assert!(
        !target.join("scratch").exists() && !target.join("tmp").exists(),
        "/tmp is not exported"
    );
}

#[test]
fn out_is_written_even_when_the_script_throws() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = airlock_run(&[
        "--out",
        out_dir.path().to_str().expect("utf8"),
        "-e",
        "await fs.writeFile('partial.txt', 'saved'); throw new Error('late failure')",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("late failure"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(out_dir.path().join("partial.txt")).expect("partial"),
        "saved"
    );
}

#[test]
fn mount_and_out_round_trip_a_processing_job() {
    let input = tempfile::tempdir().expect("tempdir");
    write_file(input.path(), "numbers.txt", "1\n2\n3\n");
    let output = tempfile::tempdir().expect("tempdir");
    let mount = format!("{}:/workspace/in:ro", input.path().display());
    let out = airlock_run(&[
        "--mount",
        &mount,
        "--out",
        output.path().to_str().expect("utf8"),
        "-e",
        "const nums = (await fs.readFile('in/numbers.txt')).trim().split('\\n').map(Number);
         await fs.writeFile('sum.txt', String(nums.reduce((a, b) => a + b)));",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(output.path().join("sum.txt")).expect("sum"),
        "6"
    );
    assert_eq!(
        std::fs::read_to_string(output.path().join("in/numbers.txt")).expect("copy"),
        "1\n2\n3\n"
    );
}

#[test]
fn shell_scripts_run_by_flag_and_by_extension() {
    let out = airlock_run(&["--lang", "sh", "-e", "echo hi | tr a-z A-Z; exit 3"]);
    assert_eq!(
        (stdout(&out).as_str(), code(&out)),
        ("HI\n", 3),
        "{}",
        stderr(&out)
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_file(
        dir.path(),
        "job.sh",
        "set -e\necho start\nfalse\necho never\n",
    );
    let out = airlock_run(&[script.to_str().expect("utf8")]);
    assert_eq!(
        (stdout(&out).as_str(), code(&out)),
        ("start\n", 1),
        "a .sh file is shell: {}",
        stderr(&out)
    );

    let out = airlock_run(&["--lang", "sh", "-e", "if true; then"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("syntax error at line 1"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lang_js_overrides_the_file_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = write_file(dir.path(), "actually.sh", "return 'js after all'");
    let out = airlock_run(&["--lang", "js", script.to_str().expect("utf8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "js after all\n");
}

#[test]
fn large_stdout_is_truncated_with_a_marker() {
    let out = airlock_run(&["-e", "console.log('x'.repeat(2 * 1024 * 1024))"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.len() < 1024 * 1024 + 200, "{} bytes", text.len());
    assert!(
        text.contains("[airlock: stdout truncated: 1048576 bytes kept,"),
        "{}",
        &text[text.len() - 100..]
    );
}
