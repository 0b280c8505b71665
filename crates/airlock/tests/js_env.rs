//! The JavaScript environment agents' scripts see: return values, console, errors, timers and
//! the web-style globals.

mod common;

use std::time::{Duration, Instant};

use airlock::{Language, Termination, exit_code};
use common::*;
use serde_json::json;

#[test]
fn returned_object_is_printed_as_compact_json_and_exposed_as_value() {
    let out = run("return { a: 1, b: [true, null, 'x'] }");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "{\"a\":1,\"b\":[true,null,\"x\"]}\n");
    assert_eq!(out.value, Some(json!({ "a": 1, "b": [true, null, "x"] })));
    assert_eq!(out.termination, Termination::Exited(0));
}

#[test]
fn returned_string_is_printed_raw_and_undefined_prints_nothing() {
    let out = run("return 'plain text'");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "plain text\n");
    assert_eq!(out.value, Some(json!("plain text")));

    let out = run("const x = 1; return undefined");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "");
    assert_eq!(out.value, None);

    let out = run("const x = 1");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "");
    assert_eq!(out.value, None);
}

#[test]
fn top_level_await_works() {
    let value = value_of(
        "const x = await Promise.resolve(20);
         const y = await new Promise(r => setTimeout(() => r(22), 5));
         return x + y",
    );
    assert_eq!(value, json!(42));
}

#[test]
fn console_log_info_debug_go_to_stdout_and_warn_error_to_stderr() {
    let out = run(
        "console.log('log'); console.info('info'); console.debug('debug');
         console.warn('warn'); console.error('error');",
    );
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "log\ninfo\ndebug\n");
    assert_eq!(out.stderr_text(), "warn\nerror\n");
}

#[test]
fn console_methods_work_when_called_unbound() {
    let out = run("const log = console.log; const err = console.error;
         log('a', 1); err('b', 2);
         [1, 2].forEach(console.log);");
    assert_ok(&out);
    assert!(
        out.stdout_text().starts_with("a 1\n"),
        "stdout: {}",
        out.stdout_text()
    );
    assert!(
        out.stdout_text().contains("1 0 [1,2]\n2 1 [1,2]\n"),
        "stdout: {}",
        out.stdout_text()
    );
    assert_eq!(out.stderr_text(), "b 2\n");
}

#[test]
fn console_formats_data_as_json_and_other_values_like_node() {
    let stdout = run_ok(
        "console.log({ a: 1, b: 'x' });
         console.log([1, 'two', null]);
         console.log(new Map([['a', 1]]));
         console.log(new Set([1, 2]));
         console.log(10n);
         console.log(function f() {});
         console.log('multiple', 'args', 3, true);",
    );
    assert_eq!(
        stdout,
        "{\"a\":1,\"b\":\"x\"}\n[1,\"two\",null]\nMap(1) { 'a' => 1 }\nSet(2) { 1, 2 }\n10n\n[Function: f]\nmultiple args 3 true\n"
    );
}

#[test]
fn console_survives_circular_structures() {
    let out = run("const o = { name: 'o' }; o.self = o;
         const a = [1]; a.push(a);
         console.log(o); console.log(a);
         const m = new Map(); m.set('me', m); console.log(m);
         return 'done'");
    assert_ok(&out);
    let stdout = out.stdout_text();
    assert!(stdout.contains("[Circular"), "stdout: {stdout}");
    assert!(stdout.ends_with("done\n"), "stdout: {stdout}");
}

#[test]
fn uncaught_error_prints_type_message_and_user_line_numbers_and_exits_1() {
    let out = run("const a = 1;\n\nfunction f() {\n  null.x;\n}\nf();\n");
    assert_eq!(out.exit_code, exit_code::ERROR);
    assert_eq!(out.termination, Termination::Exited(1));
    let stderr = out.stderr_text();
    assert!(stderr.starts_with("TypeError: "), "stderr: {stderr}");
    assert!(
        stderr.contains("    at f (script.js:4:"),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("(script.js:6:"), "stderr: {stderr}");
    assert!(
        !stderr.contains("airlock:prelude"),
        "prelude frames leak: {stderr}"
    );
}

#[test]
fn run_named_shows_the_given_file_name_in_stack_traces() {
    let mut session = sandbox().session();
    let out = session
        .run_named(
            Language::JavaScript,
            "function boom() {\n  throw new RangeError('bad range');\n}\nboom();",
            "agent.js",
        )
        .expect("run");
    assert_eq!(out.exit_code, 1);
    let stderr = out.stderr_text();
    assert!(
        stderr.starts_with("RangeError: bad range"),
        "stderr: {stderr}"
    );
    assert!(stderr.contains("at boom (agent.js:2:"), "stderr: {stderr}");
}

#[test]
fn output_written_before_an_uncaught_error_is_kept() {
    let out = run("console.log('before'); throw new Error('after')");
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stdout_text(), "before\n");
    assert!(
        out.stderr_text().starts_with("Error: after"),
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn thrown_non_error_value_is_reported_and_exits_1() {
    let out = run("throw 'boom'");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr_text().contains("boom"),
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn syntax_error_reports_location_and_exits_1() {
    let out = run("const ok = 1;\nlet x = ;\n");
    assert_eq!(out.exit_code, 1);
    let stderr = out.stderr_text();
    assert!(stderr.starts_with("SyntaxError:"), "stderr: {stderr}");
    assert!(stderr.contains("script.js:2:"), "stderr: {stderr}");
    assert_eq!(out.stdout_text(), "");
}

#[test]
fn unhandled_rejection_fails_the_run() {
    let out = run("Promise.reject(new Error('nobody caught me')); console.log('after')");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr_text().contains("nobody caught me"),
        "stderr: {}",
        out.stderr_text()
    );
}

#[test]
fn never_settling_top_level_promise_exits_13() {
    let out = run("await new Promise(() => {})");
    assert_eq!(out.exit_code, exit_code::UNSETTLED);
    assert_eq!(out.termination, Termination::Exited(13));
    assert!(
        !out.stderr_text().is_empty(),
        "expected an explanation on stderr"
    );
}

#[test]
fn set_timeout_really_waits() {
    let started = Instant::now();
    let out = run(
        "const t0 = Date.now(); await new Promise(r => setTimeout(r, 200)); return Date.now() - t0",
    );
    assert_ok(&out);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "run took {:?}",
        started.elapsed()
    );
    assert!(
        out.usage.wall >= Duration::from_millis(200),
        "usage.wall {:?}",
        out.usage.wall
    );
    let waited = out.value.and_then(|v| v.as_f64()).expect("number");
    assert!(waited >= 195.0, "Date.now() saw only {waited} ms");
}

#[test]
fn timers_microtasks_intervals_and_clear_timeout_run_in_order() {
    let value = value_of(
        "const log = [];
         setTimeout(() => log.push('timeout'), 0);
         queueMicrotask(() => log.push('microtask'));
         Promise.resolve().then(() => log.push('then'));
         log.push('sync');
         const cancelled = setTimeout(() => log.push('cancelled'), 1);
         clearTimeout(cancelled);
         let ticks = 0;
         await new Promise(resolve => {
           const id = setInterval(() => { if (++ticks === 3) { clearInterval(id); resolve(); } }, 5);
         });
         await new Promise(r => setTimeout(r, 20));
         return { log, ticks }",
    );
    assert_eq!(
        value,
        json!({ "log": ["sync", "microtask", "then", "timeout"], "ticks": 3 })
    );
}

#[test]
fn base64_and_text_codecs_round_trip() {
    let value = value_of(
        "const bytes = new TextEncoder().encode('héllo €');
         return {
           btoa: btoa('hello'),
           atob: atob('aGVsbG8='),
           len: bytes.length,
           back: new TextDecoder().decode(bytes),
         }",
    );
    assert_eq!(
        value,
        json!({ "btoa": "aGVsbG8=", "atob": "hello", "len": 10, "back": "héllo €" })
    );
}

#[test]
fn structured_clone_makes_a_deep_copy() {
    let value = value_of(
        "const original = { list: [1, { deep: true }], when: 'x' };
         const copy = structuredClone(original);
         copy.list[1].deep = false;
         const m = structuredClone(new Map([['k', 1]]));
         return { original: original.list[1].deep, copy: copy.list[1].deep, map: m.get('k') }",
    );
    assert_eq!(value, json!({ "original": true, "copy": false, "map": 1 }));
}

#[test]
fn url_and_url_search_params_parse_and_serialize() {
    let value = value_of(
        "const u = new URL('../x?y=1#h', 'https://example.com/a/b/c');
         const p = new URLSearchParams('a=1&b=two');
         p.append('c', 'x y');
         return { href: u.href, host: u.hostname, path: u.pathname, y: u.searchParams.get('y'),
                  b: p.get('b'), qs: p.toString() }",
    );
    assert_eq!(
        value,
        json!({ "href": "https://example.com/a/x?y=1#h", "host": "example.com", "path": "/a/x",
                "y": "1", "b": "two", "qs": "a=1&b=two&c=x+y" })
    );
}

#[test]
fn crypto_get_random_values_fills_the_array() {
    let value = value_of(
        "const a = crypto.getRandomValues(new Uint8Array(64));
         const b = crypto.getRandomValues(new Uint8Array(64));
         return { len: a.length, differ: a.some((x, i) => x !== b[i]), nonzero: a.some(x => x !== 0) }",
    );
    assert_eq!(value, json!({ "len": 64, "differ": true, "nonzero": true }));
}

#[test]
fn math_random_differs_between_runs() {
    let mut session = sandbox().session();
    let a = js(&mut session, "return [Math.random(), Math.random()]").value;
    let b = js(&mut session, "return [Math.random(), Math.random()]").value;
    let c = run("return [Math.random(), Math.random()]").value;
    assert!(a.is_some() && b.is_some() && c.is_some());
    assert_ne!(a, b, "two runs of one session saw the same random numbers");
    assert_ne!(a, c, "two sessions saw the same random numbers");
}

#[test]
fn date_now_is_the_real_time() {
    let value = value_of("return Date.now()");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as f64;
    let seen = value.as_f64().expect("number");
    assert!(
        (now_ms - seen).abs() < 60_000.0,
        "guest time {seen} vs host {now_ms}"
    );
}

#[test]
fn require_of_unknown_module_throws_module_not_found() {
    let value = value_of(
        "try { require('child_process'); return 'loaded' } catch (e) { return [e.code, e.message] }",
    );
    assert_eq!(value[0], "MODULE_NOT_FOUND");
    let message = value[1].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "Cannot find module 'child_process'\nThe sandbox has Node's buffer, crypto"
        ) && message.contains("lodash")
            && message.contains("no other package can be installed"),
        "{message}"
    );
}

#[test]
fn globals_do_not_leak_between_runs_of_a_session() {
    let mut session = sandbox().session();
    let out = js(&mut session, "globalThis.leak = 42; return typeof leak");
    assert_eq!(out.value, Some(json!("number")));
    let out = js(&mut session, "return typeof globalThis.leak");
    assert_eq!(out.value, Some(json!("undefined")));
}

#[test]
fn the_shell_language_runs_on_the_same_session() {
    let mut session = sandbox().session();
    let out = js(&mut session, "await fs.writeFile('n.txt', '3\\n1\\n2\\n')");
    assert_eq!(out.exit_code, 0);
    let out = session
        .run(Language::Shell, "sort -n n.txt | tr '\\n' ,")
        .expect("runs");
    assert_eq!(out.stdout_text(), "1,2,3,");
}

#[test]
fn line_numbers_stay_correct_after_top_level_await() {
    let out = run(
        "await fs.writeFile('a.txt', 'x');\nawait null;\nfunction g() { throw new Error('line three') }\ng();\n",
    );
    assert_eq!(out.exit_code, 1);
    let stderr = out.stderr_text();
    assert!(stderr.starts_with("Error: line three"), "stderr: {stderr}");
    assert!(stderr.contains("at g (script.js:3:"), "stderr: {stderr}");
    assert!(stderr.contains("(script.js:4:"), "stderr: {stderr}");
}

#[test]
fn error_thrown_in_a_timer_callback_fails_the_run() {
    let out = run("await null;\nsetTimeout(() => { throw new Error('in timer') }, 0);\n");
    assert_eq!(out.exit_code, 1);
    let stderr = out.stderr_text();
    assert!(stderr.starts_with("Error: in timer"), "stderr: {stderr}");
    assert!(stderr.contains("script.js:2:"), "stderr: {stderr}");
}

#[test]
fn console_log_of_an_error_shows_its_message_and_stack() {
    let out = run("function make() {\n  return new Error('shown');\n}\nconsole.log(make());\n");
    assert_ok(&out);
    let stdout = out.stdout_text();
    assert!(stdout.starts_with("Error: shown\n"), "stdout: {stdout}");
    assert!(stdout.contains("at make (script.js:2:"), "stdout: {stdout}");
}

#[test]
fn console_log_of_an_error_shows_only_the_users_frames() {
    let out = run("const e = new Error('shown');\nconsole.log(e);");
    assert_ok(&out);
    let stdout = out.stdout_text();
    assert!(!stdout.contains("<eval>"), "stdout: {stdout}");
    assert!(
        !stdout.contains("script.js:3:"),
        "frame past the end of the 2-line script: {stdout}"
    );
}

#[test]
fn a_shebang_line_is_accepted_and_line_numbers_stay_the_users() {
    let out = run("#!/usr/bin/env node\nconsole.log('ran');\nnull.x;");
    assert_eq!(out.stdout_text(), "ran\n");
    assert_eq!(out.exit_code, exit_code::ERROR);
    assert!(
        out.stderr_text().contains("script.js:3:"),
        "stack should point at line 3: {}",
        out.stderr_text()
    );
}

#[test]
fn unhandled_promise_rejection_fails_the_run_like_node() {
    let out =
        run("Promise.reject(new Error('nobody caught me')); await null; console.log('after');");
    assert_eq!(out.exit_code, exit_code::ERROR);
    assert!(
        out.stderr_text().starts_with("Error: nobody caught me"),
        "{}",
        out.stderr_text()
    );

    let out = run("const p = Promise.reject(new Error('handled')); p.catch(() => {}); return 'ok'");
    assert_ok(&out);
    assert_eq!(out.stdout_text(), "ok\n");
}

#[test]
fn output_handler_sees_output_as_it_is_written() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<(airlock::OutputStream, String, Duration)>>> = Arc::default();
    let started = Instant::now();
    let mut session = sandbox().session();
    let sink = Arc::clone(&seen);
    session.on_output(move |stream, bytes| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        sink.lock()
            .expect("lock")
            .push((stream, text, started.elapsed()));
    });
    let out = session
        .run(
            Language::JavaScript,
            "console.log('first'); await new Promise(r => setTimeout(r, 300)); console.error('second')",
        )
        .expect("run");
    assert_ok(&out);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        (seen[0].0, seen[0].1.as_str()),
        (airlock::OutputStream::Stdout, "first\n")
    );
    assert_eq!(
        (seen[1].0, seen[1].1.as_str()),
        (airlock::OutputStream::Stderr, "second\n")
    );
    assert!(
        seen[1].2 >= seen[0].2 + Duration::from_millis(250),
        "the first line arrived before the timer, not at the end: {seen:?}"
    );
    assert_eq!(out.stdout_text(), "first\n");
    assert_eq!(out.stderr_text(), "second\n");
}

#[test]
fn buffer_encodes_and_decodes_as_in_node() {
    // The expected values are what Node 20 prints for the same expressions.
    let out = run("const b = Buffer.from('héllo 😀'); \
         console.log(b); \
         return [b.toString('hex'), b.toString('base64'), b.toString('base64url'), \
                 Buffer.from('aMOpbGxv', 'base64').toString(), Buffer.byteLength('héllo 😀'), \
                 Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]).toString(), \
                 Buffer.from('abc').equals(Buffer.from('abc')), JSON.stringify(Buffer.from('hi')), \
                 Buffer.isBuffer(b), b.slice(0, 2).toString('hex')]");
    assert_eq!(
        out.stdout_text().lines().next(),
        Some("<Buffer 68 c3 a9 6c 6c 6f 20 f0 9f 98 80>")
    );
    assert_eq!(
        out.value,
        Some(json!([
            "68c3a96c6c6f20f09f9880",
            "aMOpbGxvIPCfmIA=",
            "aMOpbGxvIPCfmIA",
            "héllo",
            11,
            "abcd",
            true,
            "{\"type\":\"Buffer\",\"data\":[104,105]}",
            true,
            "68c3"
        ])),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn crypto_hashes_match_node() {
    // The expected digests are what Node 20 gives for the same input.
    let out = run("const c = require('node:crypto'); \
         const web = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc')); \
         return [c.createHash('sha256').update('héllo').digest('hex'), \
                 c.createHash('md5').update('a').update(Buffer.from('bc')).digest('hex'), \
                 c.createHash('sha1').update('abc').digest('base64'), \
                 c.createHash('sha512').update('x').digest('hex').slice(0, 16), \
                 Buffer.from(web).toString('hex'), \
                 c.createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex')]");
    assert_eq!(
        out.value,
        Some(json!([
            "3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179",
            "900150983cd24fb0d6963f7d28e17f72",
            "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",
            "a4abd4448c49562d",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        ])),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn events_and_util_work_as_in_node() {
    let out = run(
        "const EventEmitter = require('node:events'); const util = require('util'); \
         const e = new EventEmitter(); const seen = []; \
         e.on('x', (a) => seen.push(a)); e.once('x', () => seen.push('once')); \
         e.emit('x', 1); e.emit('x', 2); \
         const read = util.promisify((name, cb) => setTimeout(() => cb(null, 'read ' + name), 1)); \
         return [seen, e.listenerCount('x'), util.format('%s=%d', 'n', 42), await read('a.txt')]",
    );
    assert_eq!(
        out.value,
        Some(json!([[1, "once", 2], 1, "n=42", "read a.txt"])),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn a_plain_script_has_process_with_an_empty_env_and_exit_ends_it_with_its_status() {
    let value = value_of(
        "return [process.argv.length, process.env, process.env.HOME ?? null, process.cwd(), process.platform]",
    );
    assert_eq!(value, json!([2, {}, null, "/workspace", "linux"]));

    let out = run("console.log('before'); process.exit(3); console.log('after')");
    assert_eq!(out.exit_code, 3);
    assert_eq!(out.stdout_text(), "before\n");
    // No catch stops it, and a later run starts clean.
    let out = run("try { process.exit(4) } catch { console.log('caught') }");
    assert_eq!(out.exit_code, 4);
    assert_eq!(out.stdout_text(), "");
    let out = run("setTimeout(() => process.exit(0), 5); await new Promise(() => {})");
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    let mut session = sandbox().session();
    let first = session.run(
        Language::JavaScript,
        "process.env.X = 1; process.exitCode = 2; process.exit(5)",
    );
    assert_eq!(first.expect("run").exit_code, 5);
    let second = session
        .run(
            Language::JavaScript,
            "return [process.env, process.exitCode ?? null]",
        )
        .expect("run");
    assert_eq!(second.value, Some(json!([{}, null])));
}

#[test]
fn intl_and_locale_methods_format_as_en_us_in_utc() {
    let value = value_of(
        r#"const d = new Date(Date.UTC(2024, 2, 5, 14, 7, 9));
        return [
          (1234567.891).toLocaleString(),
          (1234.5).toLocaleString('en-US', { style: 'currency', currency: 'USD' }),
          new Intl.NumberFormat('en-US', { notation: 'compact' }).format(1234567),
          (0.256).toLocaleString('en-US', { style: 'percent' }),
          d.toLocaleString(),
          d.toLocaleDateString('en-US', { dateStyle: 'full' }),
          new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' }).format(d),
          ['b', 'a', 'C', 'á', 'A'].sort((x, y) => x.localeCompare(y)),
          ['item10', 'item2'].sort(new Intl.Collator('en', { numeric: true }).compare),
          new Intl.ListFormat('en').format(['x', 'y', 'z']),
          new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-1, 'day'),
          structuredClone(new Map([[1, new Set([new Date(0)])]])).get(1).values().next().value.getTime(),
        ]"#,
    );
    assert_eq!(
        value,
        json!([
            "1,234,567.891",
            "$1,234.50",
            "1.2M",
            "26%",
            "3/5/2024, 2:07:09 PM",
            "Tuesday, March 5, 2024",
            "Mar 5",
            ["a", "A", "á", "b", "C"],
            ["item2", "item10"],
            "x, y, and z",
            "yesterday",
            0
        ])
    );
}

#[test]
fn fetch_without_a_network_is_a_catchable_type_error_with_code_epolicy() {
    let value = value_of(
        "try { await fetch('https://example.com/') } catch (e) { return [e instanceof TypeError, e.code, e.message.includes('no network')] }",
    );
    assert_eq!(value, json!([true, "EPOLICY", true]));
}

#[test]
fn intl_constructors_may_be_called_without_new_and_dates_name_utc() {
    let value = value_of(
        "const d = new Date(Date.UTC(2024, 2, 4, 18, 5));\
         return [Intl.NumberFormat().format(1234.5), Intl.DateTimeFormat().resolvedOptions().timeZone,\
         Intl.Collator().compare('a', 'b'), Intl.NumberFormat() instanceof Intl.NumberFormat,\
         String(d), d.toTimeString()]",
    );
    assert_eq!(
        value,
        json!([
            "1,234.5",
            "UTC",
            -1,
            true,
            "Mon Mar 04 2024 18:05:00 GMT+0000 (Coordinated Universal Time)",
            "18:05:00 GMT+0000 (Coordinated Universal Time)"
        ])
    );
}
