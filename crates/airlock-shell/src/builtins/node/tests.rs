use std::cell::RefCell;
use std::rc::Rc;

use super::{Invocation, Source, mentions_stdin, parse_args};
use crate::system::{DirEntry, FileInfo, FsError, JsOutput, JsRun, MemSystem, System};
use crate::testing::{run, run_on};
use crate::{Input, Output, Shell};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn parsed(list: &[&str]) -> (Source, bool, Vec<String>) {
    match parse_args(&args(list)) {
        Ok(Invocation::Run {
            source,
            print,
            args,
        }) => (source, print, args),
        other => panic!("{list:?}: {other:?}"),
    }
}

#[test]
fn options_stop_at_the_script_and_after_eval_at_the_first_argument() {
    let eval = |c: &str| Source::Eval(c.to_string());
    assert_eq!(
        parsed(&["-e", "1", "a", "-x"]),
        (eval("1"), false, args(&["a", "-x"]))
    );
    assert_eq!(parsed(&["-p", "6*7"]), (eval("6*7"), true, args(&[])));
    assert_eq!(parsed(&["-pe", "1", "b"]), (eval("1"), true, args(&["b"])));
    assert_eq!(parsed(&["-p", "-e", "3"]), (eval("3"), true, args(&[])));
    assert_eq!(parsed(&["--eval=x()"]), (eval("x()"), false, args(&[])));
    assert_eq!(
        parsed(&["-e", "1", "--", "--x"]),
        (eval("1"), false, args(&["--x"]))
    );
    assert_eq!(
        parsed(&["--no-warnings", "s.js", "-e", "q"]),
        (Source::File("s.js".into()), false, args(&["-e", "q"]))
    );
    assert_eq!(
        parsed(&["-", "a"]),
        (Source::Stdin { dash: true }, false, args(&["a"]))
    );
    assert_eq!(
        parsed(&["-p"]),
        (Source::Stdin { dash: false }, true, args(&[]))
    );
    assert_eq!(parse_args(&args(&["-h"])), Ok(Invocation::Help));
    assert_eq!(
        parse_args(&args(&["-e"])),
        Err("-e requires an argument".to_string())
    );
    assert_eq!(
        parse_args(&args(&["--bogus", "x.js"])),
        Err("bad option: --bogus".to_string())
    );
}

#[test]
fn stdin_is_read_only_for_scripts_that_mention_it() {
    for code in [
        "process.stdin.on('data', f)",
        "fs.readFileSync(0, 'utf8')",
        "require('fs').readFileSync( 0 )",
        "fs.readFile(0, cb)",
        "fs.readFileSync('/dev/stdin')",
        "fs.readFileSync('/dev/fd/0')",
    ] {
        assert!(mentions_stdin(code), "{code}");
    }
    for code in [
        "console.log(1)",
        "fs.readFileSync(0x1)",
        "readFileSync(00)",
        "readFile(f0)",
    ] {
        assert!(!mentions_stdin(code), "{code}");
    }
}

#[test]
fn without_javascript_node_says_so_and_exits_127() {
    let ran = run("node", &["-e", "console.log(1)"], "");
    assert_eq!(ran.status, 127);
    assert_eq!(
        ran.stderr,
        "node: JavaScript is not available in this shell\n"
    );
}

#[test]
fn a_bad_option_is_a_usage_error_with_nodes_status() {
    let ran = run("node", &["--inspect", "x.js"], "");
    assert_eq!(ran.status, 9);
    assert!(
        ran.stderr
            .starts_with("node: bad option: --inspect\nTry 'node --help'")
    );
}

/// What the stub saw of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    code: String,
    filename: String,
    argv: Vec<String>,
    cwd: String,
    stdin: Option<Vec<u8>>,
    main: bool,
    print: bool,
    env_x: Option<String>,
}

/// A system with "JavaScript" that records each run and answers with `reply`.
struct Stub {
    mem: MemSystem,
    seen: RefCell<Vec<Seen>>,
    reply: JsOutput,
}

impl Stub {
    fn new(reply: JsOutput) -> Self {
        Self {
            mem: MemSystem::default(),
            seen: RefCell::new(Vec::new()),
            reply,
        }
    }
}

impl System for Stub {
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FsError> {
        self.mem.read_file(path)
    }
    fn write_file(&self, path: &str, data: &[u8], append: bool) -> Result<(), FsError> {
        self.mem.write_file(path, data, append)
    }
    fn stat(&self, path: &str) -> Result<FileInfo, FsError> {
        self.mem.stat(path)
    }
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        self.mem.read_dir(path)
    }
    fn mkdir(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        self.mem.mkdir(path, recursive)
    }
    fn remove(&self, path: &str, recursive: bool) -> Result<(), FsError> {
        self.mem.remove(path, recursive)
    }
    fn rename(&self, from: &str, to: &str) -> Result<(), FsError> {
        self.mem.rename(from, to)
    }
    fn copy_file(&self, from: &str, to: &str) -> Result<(), FsError> {
        self.mem.copy_file(from, to)
    }
    fn now_ms(&self) -> u64 {
        self.mem.now_ms()
    }
    fn sleep_ms(&self, ms: u64) {
        self.mem.sleep_ms(ms);
    }
    fn call_tool(&self, name: &str, args_json: &str) -> Result<String, (String, String)> {
        self.mem.call_tool(name, args_json)
    }
    fn run_js(&self, run: &JsRun<'_>) -> Option<JsOutput> {
        self.seen.borrow_mut().push(Seen {
            code: run.code.to_string(),
            filename: run.filename.to_string(),
            argv: run.argv.to_vec(),
            cwd: run.cwd.to_string(),
            stdin: run.stdin.map(<[u8]>::to_vec),
            main: run.main,
            print: run.print,
            env_x: run
                .env
                .iter()
                .find(|(k, _)| k == "X")
                .map(|(_, v)| v.clone()),
        });
        Some(self.reply.clone())
    }
    fn random_u64(&self) -> u64 {
        self.mem.random_u64()
    }
}

fn stub_shell(reply: JsOutput) -> (Rc<Stub>, Shell) {
    let stub = Rc::new(Stub::new(reply));
    let shell = Shell::new(Rc::clone(&stub) as Rc<dyn System>);
    (stub, shell)
}

fn sh(shell: &mut Shell, script: &str) -> (String, String, i32) {
    let out = Rc::new(RefCell::new(Vec::new()));
    let err = Rc::new(RefCell::new(Vec::new()));
    let status = shell.run(
        script,
        Input::empty(),
        Output::buffer(Rc::clone(&out)),
        Output::buffer(Rc::clone(&err)),
    );
    let text = |b: &Rc<RefCell<Vec<u8>>>| String::from_utf8_lossy(&b.borrow()).into_owned();
    (text(&out), text(&err), status)
}

#[test]
fn a_file_runs_with_its_absolute_path_in_argv_and_the_shells_cwd_and_env() {
    let (stub, mut shell) = stub_shell(JsOutput {
        stdout: b"out\n".to_vec(),
        stderr: b"err\n".to_vec(),
        status: 3,
    });
    let (out, err, status) = sh(
        &mut shell,
        "mkdir -p /tmp/w/sub && printf '\\xef\\xbb\\xbfconsole.log(1)' > /tmp/w/sub/s.js && cd /tmp/w && \
         X=7 node sub/s.js a 'b c'",
    );
    assert_eq!((out.as_str(), err.as_str(), status), ("out\n", "err\n", 3));
    let seen = stub.seen.borrow();
    assert_eq!(
        seen[0],
        Seen {
            code: "console.log(1)".into(),
            filename: "/tmp/w/sub/s.js".into(),
            argv: args(&["node", "/tmp/w/sub/s.js", "a", "b c"]),
            cwd: "/tmp/w".into(),
            stdin: None,
            main: true,
            print: false,
            env_x: Some("7".into()),
        }
    );
}

#[test]
fn a_missing_script_fails_before_any_javascript_runs() {
    let (stub, mut shell) = stub_shell(JsOutput::default());
    let (_, err, status) = sh(&mut shell, "node nope.js");
    assert_eq!(status, 1);
    assert_eq!(
        err,
        "node: cannot find module '/workspace/nope.js': No such file or directory\n"
    );
    assert!(stub.seen.borrow().is_empty());
}

#[test]
fn piped_input_reaches_a_script_that_reads_it_and_not_one_that_does_not() {
    let (stub, mut shell) = stub_shell(JsOutput::default());
    let (_, err, status) = sh(
        &mut shell,
        "echo '{\"a\":1}' | node -e 'JSON.parse(fs.readFileSync(0))'; \
         printf 'l1\\nl2\\n' | while read l; do node -p \"'$l'\"; done",
    );
    assert_eq!(status, 0, "{err}");
    let seen = stub.seen.borrow();
    assert_eq!(seen.len(), 3, "node ran once per line: {seen:?}");
    assert_eq!(seen[0].stdin.as_deref(), Some(&b"{\"a\":1}\n"[..]));
    assert_eq!(seen[0].argv, args(&["node"]));
    assert_eq!((seen[1].code.as_str(), seen[1].print), ("'l1'", true));
    assert_eq!(seen[1].stdin, None);
}

#[test]
fn a_script_on_stdin_gets_an_empty_stdin_and_its_own_name() {
    let (stub, mut shell) = stub_shell(JsOutput::default());
    sh(
        &mut shell,
        "echo 'console.log(2)' | node - x; echo '1+1' | node -p",
    );
    let seen = stub.seen.borrow();
    assert_eq!(
        (seen[0].code.as_str(), seen[0].filename.as_str()),
        ("console.log(2)\n", "[stdin]")
    );
    assert_eq!(seen[0].argv, args(&["node", "-", "x"]));
    assert_eq!(seen[0].stdin.as_deref(), Some(&b""[..]));
    assert_eq!((seen[1].code.as_str(), seen[1].print), ("1+1\n", true));
    assert_eq!(seen[1].argv, args(&["node"]));
}

#[test]
fn help_is_the_usage_text() {
    let sys = MemSystem::default();
    let ran = run_on(&sys, "node", &["-h"], "");
    assert_eq!(ran.status, 0);
    assert!(ran.stdout.starts_with("Usage: node [OPTION]..."));
}
