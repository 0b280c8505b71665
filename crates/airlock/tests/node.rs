//! The shell's `node` command on the real guest: JavaScript from `--lang sh` runs and from
//! inside JavaScript's own `shell()`, on the same filesystem and tools.

mod common;

use airlock::policy::Policy;
use airlock::tool::{ToolSpec, Toolbox, tool_fn};
use airlock::{Language, Sandbox, SandboxConfig, Session, Toolset};
use serde_json::json;

fn sh(session: &mut Session, script: &str) -> (String, String, i32) {
    let out = session
        .run(Language::Shell, script)
        .expect("the run starts");
    (out.stdout_text(), out.stderr_text(), out.exit_code)
}

fn sh_fresh(script: &str) -> (String, String, i32) {
    sh(&mut common::sandbox().session(), script)
}

#[test]
fn eval_and_print() {
    let (out, err, code) = sh_fresh(
        "node -e 'console.log(1 + 1)'; node -p 6*7; node -p '\"raw\"'; node -p '({ a: [1] })'; \
         node -p 'undefined'; node -p 'x = 2; x * 3'; node -p 'await Promise.resolve(5)'",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "2\n42\nraw\n{\"a\":[1]}\nundefined\n6\n5\n");
}

#[test]
fn a_file_gets_its_path_and_arguments_and_the_shells_cwd_and_env() {
    let (out, err, code) = sh_fresh(
        "mkdir -p app/data && cd app && echo 'in data' > data/x.txt && \
         printf '#!/usr/bin/env node\\nconsole.log(process.argv.slice(1), __filename, __dirname, require.main === module);\\n\
console.log(process.cwd(), process.env.GREETING, fs.readFileSync(\"data/x.txt\", \"utf8\").trim());\\n' > s.js && \
         GREETING=hi node s.js one 'two words'; node -e 'console.log(process.argv)' a b",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "[\"/workspace/app/s.js\",\"one\",\"two words\"] /workspace/app/s.js /workspace/app true\n\
         /workspace/app hi in data\n[\"node\",\"a\",\"b\"]\n"
    );
}

#[test]
fn scripts_from_stdin() {
    let (out, err, code) = sh_fresh(
        "echo 'console.log(process.argv.slice(1))' | node - x; echo '1 + 2' | node -p; \
         printf 'console.log(\"implicit\")' | node",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "[\"-\",\"x\"]\n3\nimplicit\n");
}

#[test]
fn pipes_in_and_out() {
    let (out, err, code) = sh_fresh(
        r#"node -e 'for (let i = 3; i > 0; i--) console.log(i)' | sort | head -n 2
echo '{"a":1}' | node -e "let s = ''; process.stdin.on('data', c => s += c).on('end', () => console.log(JSON.parse(s).a + 1))"
printf 'x\ny\n' | node -e 'console.log(require("fs").readFileSync(0, "utf8").split("\n").length)'
echo piped | node -p 'fs.readFileSync("/dev/stdin", "utf8").trim().toUpperCase()'
node -e 'process.stdout.write("no newline")' | wc -c"#,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\n2\n2\n3\nPIPED\n10\n");
}

#[test]
fn node_in_a_read_loop_leaves_the_loops_input_alone() {
    let (out, err, code) =
        sh_fresh("printf 'a\\nb\\nc\\n' | while read l; do node -p \"'$l'.toUpperCase()\"; done");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "A\nB\nC\n");
}

#[test]
fn exit_statuses() {
    let (out, err, code) = sh_fresh(
        "node -e 'process.exit(3)'; echo \"exit $?\"\n\
         node -e 'process.exitCode = 4'; echo \"exitCode $?\"\n\
         node -e 'try { process.exit(5) } catch { console.log(\"caught\") } finally { console.log(\"finally\") }'; echo \"uncatchable $?\"\n\
         node -e 'process.on(\"exit\", c => console.log(\"bye\", c)); setTimeout(() => process.exit(6), 5); setTimeout(() => console.log(\"never\"), 50)'; echo \"timer $?\"\n\
         node -e 'await new Promise(() => {})'; echo \"unsettled $?\"\n\
         node --bogus; echo \"bad option $?\"",
    );
    assert_eq!(
        out,
        "exit 3\nexitCode 4\nuncatchable 5\nbye 6\ntimer 6\nunsettled 13\nbad option 9\n"
    );
    assert_eq!(code, 0);
    assert!(err.contains("node: bad option: --bogus"), "{err}");
}

#[test]
fn uncaught_errors_print_their_stack_and_exit_1() {
    let (out, err, code) = sh_fresh(
        "node -e 'function f() { throw new TypeError(\"bad input\") }\nf()'; echo \"thrown $?\"\n\
         node -e 'Promise.reject(new Error(\"nobody caught me\"))'; echo \"rejected $?\"\n\
         node -e 'setTimeout(() => { throw new RangeError(\"in a timer\") }, 1)'; echo \"timer $?\"\n\
         node -e 'let x = ;'; echo \"syntax $?\"\n\
         node missing.js; echo \"missing $?\"",
    );
    assert_eq!(code, 0);
    assert_eq!(out, "thrown 1\nrejected 1\ntimer 1\nsyntax 1\nmissing 1\n");
    for expected in [
        "TypeError: bad input\n    at f ([eval]:1:",
        "    at <anonymous> ([eval]:2:",
        "Error: nobody caught me\n    at <anonymous> ([eval]:1:",
        "RangeError: in a timer",
        "SyntaxError: ",
        "node: cannot find module '/workspace/missing.js': No such file or directory",
    ] {
        assert!(err.contains(expected), "{expected:?} in:\n{err}");
    }
}

#[test]
fn the_shell_and_node_share_the_filesystem_both_ways() {
    let mut session = common::sandbox().session();
    let (out, err, code) = sh(
        &mut session,
        "seq 3 > nums.txt\n\
         node -e 'const n = fs.readFileSync(\"nums.txt\", \"utf8\").trim().split(\"\\n\").map(Number); \
                  fs.writeFileSync(\"sum.txt\", String(n.reduce((a, b) => a + b)) + \"\\n\")'\n\
         cat sum.txt",
    );
    assert_eq!((out.as_str(), code), ("6\n", 0), "{err}");
    assert_eq!(
        session
            .vfs()
            .read("/workspace/sum.txt")
            .expect("node wrote it")
            .as_slice(),
        b"6\n"
    );
}

fn tool_session() -> Session {
    let mut toolbox = Toolbox::new();
    let spec = ToolSpec::new("math/double", "Double a number").with_input_schema(json!({
        "type": "object",
        "properties": { "n": { "type": "number" } },
        "required": ["n"]
    }));
    toolbox
        .add(tool_fn(spec, |args| async move {
            Ok(json!({ "twice": args["n"].as_f64().unwrap_or(0.0) * 2.0 }))
        }))
        .expect("the tool registers");
    let policy = Policy::from_toml("[[allow]]\ntools = \"math/*\"", "airlock.toml")
        .expect("the policy compiles");
    let mut config = SandboxConfig::default();
    config.tools = Toolset::new(toolbox, policy);
    Sandbox::new(config).expect("the sandbox builds").session()
}

#[test]
fn tools_work_inside_node() {
    let mut session = tool_session();
    let (out, err, code) = sh(
        &mut session,
        "node -e 'console.log((await tools.list()).map(t => t.name))'\n\
         node -p '(await Promise.all([math.double({ n: 2 }), math_double({ n: 5 })])).map(r => r.twice)'\n\
         node -e 'await math.double({ n: \"x\" })'; echo \"invalid $?\"",
    );
    assert_eq!(out, "[\"math/double\"]\n[4,10]\ninvalid 1\n", "{err}");
    assert_eq!(code, 0);
    // From JavaScript, through shell(), the same tools.
    let out = common::js(
        &mut session,
        "return (await shell.run(`node -p 'JSON.stringify(await tools.call(\"math/double\", { n: 21 }))'`)).trim()",
    );
    assert_eq!(
        out.value,
        Some(json!("{\"twice\":42}")),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn node_runs_nested_inside_javascripts_shell() {
    let mut session = common::sandbox().session();
    let out = common::js(
        &mut session,
        r#"
        let outerTimer = 0;
        setTimeout(() => outerTimer++, 1);
        const plain = await shell(`node -e 'console.log(6 * 7); console.error("to stderr")'`);
        const waited = await shell(`node -e 'await new Promise(r => setTimeout(r, 20)); console.log("late")'`);
        const exited = await shell(`node -e 'process.exit(7)'; echo "after $?"`);
        const thrown = await shell(`node -e 'throw new Error("inner")'`);
        await fs.writeFile('deep.js', `console.log((await shell.run("echo deep | node -p 'fs.readFileSync(0).trim()'")).trim())`);
        const deeper = await shell('node deep.js');
        await new Promise(r => setTimeout(r, 5));
        return { plain, waited: waited.stdout, exited: exited.stdout, thrown: [thrown.exitCode, thrown.stderr],
                 deeper: deeper.stdout, outerTimer, still: 'running' };
        "#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr_text());
    assert_eq!(
        out.value,
        Some(json!({
            "plain": { "stdout": "42\n", "stderr": "to stderr\n", "exitCode": 0 },
            "waited": "late\n",
            "exited": "after 7\n",
            "thrown": [1, "Error: inner\n    at <anonymous> ([eval]:1:11)\n"],
            "deeper": "deep\n",
            "outerTimer": 1,
            "still": "running",
        }))
    );
}

#[test]
fn a_script_that_runs_itself_stops_at_the_nesting_limit() {
    let mut session = common::sandbox().session();
    let (out, err, code) = sh(
        &mut session,
        "echo 'const d = Number(process.argv[2]); const r = await shell(`node self.js ${d + 1}`); \
         console.log(d + (r.stdout ? \",\" + r.stdout.trim() : \"\")); if (r.stderr) console.error(r.stderr.trim())' > self.js\n\
         node self.js 1",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1,2,3,4,5,6,7,8\n");
    assert!(
        err.contains("node: more than 8 node runs inside one another"),
        "{err}"
    );
}

#[test]
fn node_help() {
    let (out, _, code) = sh_fresh("node --help | head -n 1");
    assert_eq!(
        (out.as_str(), code),
        (
            "Usage: node [OPTION]... [-e CODE | -p CODE | FILE | -] [ARG]...\n",
            0
        )
    );
}

#[test]
fn path_works_as_in_node_and_a_missing_module_names_what_exists() {
    let mut session = common::sandbox().session();
    let out = session
        .run(
            Language::JavaScript,
            "const path = require('node:path'); \
             return [path.join('/workspace', 'a', '../b.txt'), path.extname('x.tar.gz'), \
                     path.relative('/a/b', '/a/c/d'), path.resolve('f'), path.basename('/x/y.js', '.js')]",
        )
        .expect("the run starts");
    assert_eq!(
        out.value,
        Some(json!([
            "/workspace/b.txt",
            ".gz",
            "../c/d",
            "/workspace/f",
            "y"
        ])),
        "{}",
        out.stderr_text()
    );
    // Under `node`, relative paths start where the shell is.
    let (out, err, code) = sh(
        &mut session,
        "mkdir -p /tmp/w && cd /tmp/w && node -p \"require('path').resolve('f')\"",
    );
    assert_eq!((out.as_str(), code), ("/tmp/w/f\n", 0), "{err}");
    let (_, err, code) = sh(&mut session, "node -e \"require('left-pad')\"");
    assert_eq!(code, 1);
    assert!(
        err.contains("Cannot find module 'left-pad'")
            && err.contains("buffer, crypto, events, fs, fs/promises, path")
            && err.contains("lodash"),
        "{err}"
    );
}
