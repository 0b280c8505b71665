use super::{Fs, NOW, check};

/// The tree the GNU outputs were taken from (GNU lists in disk order; this `find` in name order).
fn project() -> Fs {
    Fs::with(&[
        ("src/main.rs", "fn main(){}"),
        ("src/lib.rs", "pub mod util;\n"),
        ("src/util/mod.rs", "//\n"),
        ("README.md", "# readme\n"),
        (".git/config", "[core]\n"),
        ("empty.txt", ""),
        ("emptydir/", ""),
    ])
}

fn lines(v: &[&str]) -> String {
    v.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn walks_everything_from_dot_by_default() {
    let all = lines(&[
        ".",
        "./.git",
        "./.git/config",
        "./README.md",
        "./empty.txt",
        "./emptydir",
        "./src",
        "./src/lib.rs",
        "./src/main.rs",
        "./src/util",
        "./src/util/mod.rs",
    ]);
    check(project().run("find", &[]), &all, "", 0);
    check(project().run("find", &["."]), &all, "", 0);
}

#[test]
fn name_and_type() {
    let fs = project();
    check(
        fs.run("find", &[".", "-name", "*.rs"]),
        &lines(&["./src/lib.rs", "./src/main.rs", "./src/util/mod.rs"]),
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "d"]),
        &lines(&[".", "./.git", "./emptydir", "./src", "./src/util"]),
        "",
        0,
    );
    check(
        fs.run("find", &["-iname", "readme*"]),
        "./README.md\n",
        "",
        0,
    );
    check(
        fs.run("find", &["src", "-name", "mod.rs"]),
        "src/util/mod.rs\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "f,d", "-name", "e*"]),
        "./empty.txt\n./emptydir\n",
        "",
        0,
    );
}

#[test]
fn operators_and_parentheses() {
    let fs = project();
    check(
        fs.run(
            "find",
            &["-type", "f", "-name", "*.md", "-o", "-name", "*.txt"],
        ),
        &lines(&["./README.md", "./empty.txt"]),
        "",
        0,
    );
    check(
        fs.run("find", &["-not", "-name", "*.rs", "-type", "f"]),
        &lines(&["./.git/config", "./README.md", "./empty.txt"]),
        "",
        0,
    );
    check(
        fs.run(
            "find",
            &[
                "!", "(", "-name", "*.rs", "-o", "-name", "*.md", ")", "-type", "f",
            ],
        ),
        &lines(&["./.git/config", "./empty.txt"]),
        "",
        0,
    );
}

#[test]
fn prune_skips_a_directory() {
    check(
        project().run(
            "find",
            &["-name", ".git", "-prune", "-o", "-type", "f", "-print"],
        ),
        &lines(&[
            "./README.md",
            "./empty.txt",
            "./src/lib.rs",
            "./src/main.rs",
            "./src/util/mod.rs",
        ]),
        "",
        0,
    );
    check(
        project().run(
            "find",
            &["-path", "./src", "-prune", "-o", "-name", "*.rs", "-print"],
        ),
        "",
        "",
        0,
    );
}

#[test]
fn depth_limits() {
    let fs = project();
    check(
        fs.run("find", &["-maxdepth", "1"]),
        &lines(&[
            ".",
            "./.git",
            "./README.md",
            "./empty.txt",
            "./emptydir",
            "./src",
        ]),
        "",
        0,
    );
    check(
        fs.run("find", &["-mindepth", "2"]),
        &lines(&[
            "./.git/config",
            "./src/lib.rs",
            "./src/main.rs",
            "./src/util",
            "./src/util/mod.rs",
        ]),
        "",
        0,
    );
    // A global option after a test still applies, as in GNU.
    check(
        fs.run("find", &["-name", "*.md", "-maxdepth", "1"]),
        "./README.md\n",
        "",
        0,
    );
    check(
        fs.run("find", &["src/", "-maxdepth", "1"]),
        &lines(&["src/", "src/lib.rs", "src/main.rs", "src/util"]),
        "",
        0,
    );
}

#[test]
fn depth_first_lists_contents_before_directories() {
    check(
        project().run("find", &["-depth", "-type", "d"]),
        &lines(&["./.git", "./emptydir", "./src/util", "./src", "."]),
        "",
        0,
    );
}

#[test]
fn empty_and_size() {
    let fs = project();
    check(
        fs.run("find", &["-empty"]),
        &lines(&["./empty.txt", "./emptydir"]),
        "",
        0,
    );
    // GNU rounds up to whole units: only an empty file is under one 512-byte block.
    check(fs.run("find", &["-size", "-1"]), "./empty.txt\n", "", 0);
    check(
        fs.run("find", &["-size", "+0c", "-size", "-12c"]),
        &lines(&[
            "./.git/config",
            "./README.md",
            "./src/main.rs",
            "./src/util/mod.rs",
        ]),
        "",
        0,
    );
    check(fs.run("find", &["-type", "f", "-size", "+1k"]), "", "", 0);
    let big = Fs::with(&[("big", &"x".repeat(2 * 1024 * 1024)), ("small", "x")]);
    check(big.run("find", &["-size", "+1M"]), "./big\n", "", 0);
}

#[test]
fn times() {
    let fs = Fs::new();
    fs.at(NOW - 10 * 86_400_000);
    fs.add("old", "x");
    fs.at(NOW - 90_000);
    fs.add("recent", "x");
    fs.at(NOW);
    check(
        fs.run("find", &["-type", "f", "-mtime", "+7"]),
        "./old\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "f", "-mtime", "-1"]),
        "./recent\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "f", "-mtime", "10"]),
        "./old\n",
        "",
        0,
    );
    // Minutes are exact, as in GNU: 90 seconds is under 2 minutes, over 1, and "2".
    check(
        fs.run("find", &["-type", "f", "-mmin", "-2"]),
        "./recent\n",
        "",
        0,
    );
    check(fs.run("find", &["-type", "f", "-mmin", "-1"]), "", "", 0);
    check(
        fs.run("find", &["-type", "f", "-mmin", "+1"]),
        "./old\n./recent\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "f", "-mmin", "2"]),
        "./recent\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-type", "f", "-newer", "old"]),
        "./recent\n",
        "",
        0,
    );
    check(
        fs.run("find", &["-newer", "nope"]),
        "",
        "find: 'nope': No such file or directory\n",
        1,
    );
}

#[test]
fn regex_in_emacs_and_extended_syntax() {
    let fs = project();
    check(
        fs.run("find", &["-regex", r".*\.\(rs\|md\)"]),
        &lines(&[
            "./README.md",
            "./src/lib.rs",
            "./src/main.rs",
            "./src/util/mod.rs",
        ]),
        "",
        0,
    );
    check(
        fs.run(
            "find",
            &[
                "-regextype",
                "posix-extended",
                "-regex",
                r".*/(lib|mod)\.rs",
            ],
        ),
        &lines(&["./src/lib.rs", "./src/util/mod.rs"]),
        "",
        0,
    );
}

#[test]
fn printf_directives() {
    check(
        project().run("find", &["-type", "f", "-printf", "%f:%s:%d:%h:%P\\n"]),
        &lines(&[
            "config:7:2:./.git:.git/config",
            "README.md:9:1:.:README.md",
            "empty.txt:0:1:.:empty.txt",
            "lib.rs:14:2:./src:src/lib.rs",
            "main.rs:11:2:./src:src/main.rs",
            "mod.rs:3:3:./src/util:src/util/mod.rs",
        ]),
        "",
        0,
    );
    check(
        project().run(
            "find",
            &["src/util", "-printf", "%y %m %-8f|%TY-%Tm-%Td %T@\\n"],
        ),
        "d 755 util    |2025-01-01 1735689600.0000000000\nf 644 mod.rs  |2025-01-01 1735689600.0000000000\n",
        "",
        0,
    );
}

#[test]
fn print0_separates_with_nul() {
    check(
        project().run("find", &["src", "-name", "*.rs", "-print0"]),
        "src/lib.rs\0src/main.rs\0src/util/mod.rs\0",
        "",
        0,
    );
}

#[test]
fn exec_per_file_and_batched() {
    let fs = project();
    check(
        fs.run(
            "find",
            &["src", "-name", "*.rs", "-exec", "ls", "-d", "{}", ";"],
        ),
        &lines(&["src/lib.rs", "src/main.rs", "src/util/mod.rs"]),
        "",
        0,
    );
    check(
        fs.run(
            "find",
            &[
                "src", "-name", "*.rs", "-exec", "stat", "-c", "%n=%s", "{}", "+",
            ],
        ),
        &lines(&["src/lib.rs=14", "src/main.rs=11", "src/util/mod.rs=3"]),
        "",
        0,
    );
    // `-exec ... ;` is a test: true when the command succeeds.
    check(
        fs.run(
            "find",
            &["src", "-type", "f", "-exec", "rm", "{}", ";", "-print"],
        ),
        &lines(&["src/lib.rs", "src/main.rs", "src/util/mod.rs"]),
        "",
        0,
    );
    assert!(!fs.exists("src/lib.rs"));
}

#[test]
fn exec_batch_failure_sets_the_status() {
    let fs = project();
    let ran = fs.run(
        "find",
        &["src", "-name", "*.rs", "-exec", "ls", "nope", "{}", "+"],
    );
    assert_eq!(ran.status, 1);
    assert_eq!(ran.stdout, "src/lib.rs\nsrc/main.rs\nsrc/util/mod.rs\n");
}

#[test]
fn delete_removes_depth_first() {
    let fs = project();
    check(
        fs.run("find", &["src", "-name", "*.rs", "-delete"]),
        "",
        "",
        0,
    );
    check(fs.run("find", &["src"]), "src\nsrc/util\n", "", 0);
    check(fs.run("find", &["src", "-delete"]), "", "", 0);
    assert!(!fs.exists("src"));
    check(
        project().run("find", &["src", "-maxdepth", "0", "-delete"]),
        "",
        "find: cannot delete 'src': Directory not empty\n",
        1,
    );
}

#[test]
fn quit_stops_at_the_first_match() {
    check(
        project().run("find", &["-name", "*.rs", "-print", "-quit"]),
        "./src/lib.rs\n",
        "",
        0,
    );
}

#[test]
fn errors() {
    let fs = project();
    check(
        fs.run("find", &["nope", "src/util"]),
        "src/util\nsrc/util/mod.rs\n",
        "find: 'nope': No such file or directory\n",
        1,
    );
    check(
        fs.run("find", &[".", "-foo"]),
        "",
        "find: unknown predicate '-foo'\n",
        1,
    );
    check(
        fs.run("find", &[".", "-name"]),
        "",
        "find: missing argument to '-name'\n",
        1,
    );
    check(
        fs.run("find", &["-type", "x"]),
        "",
        "find: Unknown argument to -type: x\n",
        1,
    );
    check(
        fs.run("find", &["-name", "a", "b"]),
        "",
        "find: paths must precede expression: 'b'\n",
        1,
    );
    check(
        fs.run("find", &["-exec", "ls"]),
        "",
        "find: missing argument to '-exec'\n",
        1,
    );
    let ran = fs.run("find", &["(", "-name", "a"]);
    assert_eq!(ran.status, 1);
    assert!(ran.stderr.contains("expecting to find a ')'"));
}

#[test]
fn a_large_tree() {
    let fs = Fs::new();
    for d in 0..20 {
        for f in 0..500 {
            fs.add(&format!("t/d{d:02}/f{f:03}.txt"), "x");
        }
    }
    let ran = fs.run("find", &["t", "-name", "f1*.txt"]);
    assert_eq!(ran.status, 0);
    assert_eq!(ran.stdout.lines().count(), 20 * 100);
    let ran = fs.run(
        "find",
        &[
            "t",
            "-type",
            "f",
            "-size",
            "-2c",
            "-newer",
            "t/d00/f000.txt",
        ],
    );
    assert_eq!(ran.stdout, "");
}
