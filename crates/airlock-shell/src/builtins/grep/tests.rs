//! grep against GNU grep 3.8's output.

use crate::system::{MemSystem, System};
use crate::testing::{Ran, run, run_on};

fn out(ran: &Ran) -> &str {
    &ran.stdout
}

fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

fn sys_with(files: &[(&str, &str)]) -> MemSystem {
    let sys = MemSystem::default();
    for (path, data) in files {
        let path = format!("/workspace/{path}");
        let dir = crate::path::dir_name(&path).to_string();
        sys.mkdir(&dir, true).unwrap();
        sys.write_file(&path, data.as_bytes(), false).unwrap();
    }
    sys
}

#[test]
fn basic_match_and_status() {
    let r = run("grep", &["b"], "abc\nxyz\nbb\n");
    assert_eq!((out(&r), r.status), ("abc\nbb\n", 0));
    let r = run("grep", &["q"], "abc\n");
    assert_eq!((out(&r), r.status), ("", 1));
}

#[test]
fn last_line_without_newline_gets_one() {
    assert_eq!(out(&run("grep", &["x"], "a\nx")), "x\n");
}

#[test]
fn bre_and_ere() {
    let input = "a+b\naab\nab\n(x)\n";
    assert_eq!(out(&run("grep", &["a+b"], input)), "a+b\n");
    assert_eq!(out(&run("grep", &["a\\+b"], input)), "aab\nab\n");
    assert_eq!(out(&run("grep", &["-E", "^a+b$"], input)), "aab\nab\n");
    assert_eq!(out(&run("grep", &["(x)"], input)), "(x)\n");
    assert_eq!(out(&run("grep", &["-E", "a{2}"], input)), "aab\n");
    assert_eq!(out(&run("grep", &["a\\{2\\}"], input)), "aab\n");
    assert_eq!(out(&run("grep", &["-c", "[[:punct:]]"], input)), "2\n");
    assert_eq!(out(&run("grep", &["-P", r"\d+"], "x1\ny\n")), "x1\n");
}

#[test]
fn fixed_strings_and_several_patterns() {
    let input = "a.c\nabc\nx*y\n";
    assert_eq!(out(&run("grep", &["-F", "a.c"], input)), "a.c\n");
    assert_eq!(
        out(&run("grep", &["-F", "-e", "x*", "-e", "a.c"], input)),
        "a.c\nx*y\n"
    );
    assert_eq!(
        out(&run("grep", &["-e", "abc", "-e", "^x"], input)),
        "abc\nx*y\n"
    );
    assert_eq!(out(&run("grep", &["-F", "b\nx"], input)), "abc\nx*y\n");
    assert_eq!(out(&run("grep", &["-Fi", "ABC"], input)), "abc\n");
}

#[test]
fn case_invert_count() {
    let input = "Apple\nbanana\napple pie\n";
    assert_eq!(
        out(&run("grep", &["-i", "APPLE"], input)),
        "Apple\napple pie\n"
    );
    assert_eq!(
        out(&run("grep", &["-v", "apple"], input)),
        "Apple\nbanana\n"
    );
    assert_eq!(out(&run("grep", &["-c", "a"], input)), "2\n");
    assert_eq!(out(&run("grep", &["-vc", "an"], input)), "2\n");
    let r = run("grep", &["-vc", "[ap]"], input);
    assert_eq!((out(&r), r.status), ("0\n", 1));
}

#[test]
fn words_and_lines() {
    assert_eq!(out(&run("grep", &["-ow", "foo"], "foo_bar foo\n")), "foo\n");
    let r = run("grep", &["-w", "foo"], "foobar\n");
    assert_eq!(r.status, 1);
    assert_eq!(out(&run("grep", &["-x", "ab"], "ab\nabc\n")), "ab\n");
    assert_eq!(out(&run("grep", &["-xF", "a.b"], "a.b\na.bc\n")), "a.b\n");
    assert_eq!(
        out(&run("grep", &["-w", "a.c"], "xa.c abc\nzabc\n")),
        "xa.c abc\n"
    );
}

#[test]
fn only_matching_and_line_numbers() {
    assert_eq!(
        out(&run("grep", &["-on", "b"], "ab ab\nc\nb\n")),
        "1:b\n1:b\n3:b\n"
    );
    assert_eq!(
        out(&run("grep", &["-oE", "[0-9]+"], "a12b345\n")),
        "12\n345\n"
    );
    let r = run("grep", &["-ov", "a"], "a\nb\n");
    assert_eq!((out(&r), r.status), ("", 0));
    assert_eq!(out(&run("grep", &["-o", ""], "abc\n")), "");
    assert_eq!(out(&run("grep", &["-n", ""], "a\n\nb\n")), "1:a\n2:\n3:b\n");
    assert_eq!(
        out(&run("grep", &["-vn", "a"], "a\nb\na\nc\n")),
        "2:b\n4:c\n"
    );
}

#[test]
fn context_groups_like_gnu() {
    let r = run("grep", &["-n", "-C1", "-e", "5", "-e", "9"], &numbers(20));
    let want =
        "4-4\n5:5\n6-6\n--\n8-8\n9:9\n10-10\n--\n14-14\n15:15\n16-16\n--\n18-18\n19:19\n20-20\n";
    assert_eq!(out(&r), want);
    assert_eq!(
        out(&run("grep", &["-A1", "-e", "2", "-e", "3"], &numbers(10))),
        "2\n3\n4\n"
    );
    assert_eq!(out(&run("grep", &["-A5", "a"], "a\nb\na\n")), "a\nb\na\n");
    assert_eq!(out(&run("grep", &["-B2", "5"], &numbers(6))), "3\n4\n5\n");
    assert_eq!(
        out(&run("grep", &["-2", "5"], &numbers(9))),
        "3\n4\n5\n6\n7\n"
    );
    assert_eq!(
        out(&run("grep", &["-B1", "-v", "[0-8]"], &numbers(9))),
        "8\n9\n"
    );
}

#[test]
fn max_count_keeps_trailing_context() {
    let input: String = (10..=20).map(|i| format!("{i}\n")).collect();
    assert_eq!(
        out(&run("grep", &["-m1", "-A2", "1"], &input)),
        "10\n11\n12\n"
    );
    assert_eq!(
        out(&run("grep", &["-m2", "-A1", "-n", "1"], &input)),
        "1:10\n2:11\n3-12\n"
    );
    assert_eq!(out(&run("grep", &["-c", "-m3", "1"], &numbers(20))), "3\n");
    assert_eq!(out(&run("grep", &["-m1", "-v", "1"], &numbers(20))), "2\n");
}

#[test]
fn quiet_and_lists() {
    let sys = sys_with(&[("n", &numbers(20)), ("s", "a*b\nb\n")]);
    let r = run_on(&sys, "grep", &["-q", "1", "n"], "");
    assert_eq!((out(&r), r.status), ("", 0));
    let r = run_on(&sys, "grep", &["-q", "1", "nope", "n"], "");
    assert_eq!(r.status, 0);
    assert_eq!(
        out(&run_on(&sys, "grep", &["-l", "1", "n", "s"], "")),
        "n\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-L", "1", "n", "s"], "")),
        "s\n"
    );
    assert_eq!(out(&run_on(&sys, "grep", &["-lc", "1", "n"], "")), "n\n");
    assert_eq!(
        out(&run_on(&sys, "grep", &["-c", "1", "n", "s"], "")),
        "n:11\ns:0\n"
    );
    assert_eq!(out(&run_on(&sys, "grep", &["-lZ", "1", "n"], "")), "n\0");
}

#[test]
fn file_names_and_stdin() {
    let sys = sys_with(&[("a", "x\n"), ("b", "y\nx\n")]);
    assert_eq!(
        out(&run_on(&sys, "grep", &["x", "a", "b"], "")),
        "a:x\nb:x\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-h", "x", "a", "b"], "")),
        "x\nx\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-Hn", "x", "b"], "")),
        "b:2:x\n"
    );
    assert_eq!(
        out(&run("grep", &["-H", "1"], "1\n")),
        "(standard input):1\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-c", "x", "-", "a"], "x\n")),
        "(standard input):1\na:1\n"
    );
}

#[test]
fn errors() {
    let sys = sys_with(&[("n", "1\n"), ("d/f", "x\n")]);
    let r = run_on(&sys, "grep", &["1", "nope", "n"], "");
    assert_eq!(r.stderr, "grep: nope: No such file or directory\n");
    assert_eq!((out(&r), r.status), ("n:1\n", 2));
    let r = run_on(&sys, "grep", &["-s", "1", "nope"], "");
    assert_eq!((r.stderr.as_str(), r.status), ("", 2));
    let r = run_on(&sys, "grep", &["x", "d"], "");
    assert_eq!(
        (r.stderr.as_str(), r.status),
        ("grep: d: Is a directory\n", 2)
    );
    let r = run("grep", &["-j", "x"], "");
    assert_eq!(r.status, 2);
    assert_eq!(
        r.stderr,
        "grep: invalid option -- 'j'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"
    );
    let r = run("grep", &[], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.starts_with("Usage: grep"));
    let r = run("grep", &["a\\{1"], "");
    assert_eq!((r.stderr.as_str(), r.status), ("grep: Unmatched \\{\n", 2));
    let r = run("grep", &["\\(a\\)\\1"], "aa\n");
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("back-references"));
    let r = run("grep", &["-m", "x", "a"], "");
    assert_eq!(
        (r.stderr.as_str(), r.status),
        ("grep: invalid max count\n", 2)
    );
    let r = run("grep", &["-A", "x", "a"], "");
    assert_eq!(
        (r.stderr.as_str(), r.status),
        ("grep: x: invalid context length argument\n", 2)
    );
    assert_eq!(out(&run("grep", &["-m", "-1", "a"], "a\na\n")), "a\na\n");
}

#[test]
fn recursive_search() {
    let sys = sys_with(&[
        ("d/e/f.c", "hello\n"),
        ("d/g.h", "hello\n"),
        ("top.txt", "hello\n"),
    ]);
    assert_eq!(
        out(&run_on(&sys, "grep", &["-r", "hello", "d"], "")),
        "d/e/f.c:hello\nd/g.h:hello\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-r", "hello"], "")),
        "d/e/f.c:hello\nd/g.h:hello\ntop.txt:hello\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-r", "hello", "."], "")),
        "./d/e/f.c:hello\n./d/g.h:hello\n./top.txt:hello\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-rl", "hello", "d/"], "")),
        "d/e/f.c\nd/g.h\n"
    );
    assert_eq!(
        out(&run_on(
            &sys,
            "grep",
            &["-r", "--include=*.c", "hello", "d"],
            ""
        )),
        "d/e/f.c:hello\n"
    );
    assert_eq!(
        out(&run_on(
            &sys,
            "grep",
            &["-r", "--exclude=*.c", "hello", "d"],
            ""
        )),
        "d/g.h:hello\n"
    );
    assert_eq!(
        out(&run_on(
            &sys,
            "grep",
            &["-r", "--exclude-dir=e", "hello", "d"],
            ""
        )),
        "d/g.h:hello\n"
    );
    assert_eq!(
        out(&run_on(&sys, "grep", &["-r", "hello", "d/g.h"], "")),
        "hello\n"
    );
    let r = run_on(&sys, "grep", &["--include=*.c", "hello", "d/g.h"], "");
    assert_eq!((out(&r), r.status), ("", 1));
}

#[test]
fn pattern_file() {
    let sys = sys_with(&[("pats", "foo\nba.\n"), ("empty", "")]);
    assert_eq!(
        out(&run_on(&sys, "grep", &["-f", "pats"], "foo\nbar\nqux\n")),
        "foo\nbar\n"
    );
    let r = run_on(&sys, "grep", &["-f", "empty"], "foo\n");
    assert_eq!(r.status, 1);
    let r = run_on(&sys, "grep", &["-f", "missing"], "foo\n");
    assert_eq!(
        (r.stderr.as_str(), r.status),
        ("grep: missing: No such file or directory\n", 2)
    );
}

#[test]
fn byte_offsets() {
    assert_eq!(
        out(&run("grep", &["-bo", "b\\|d"], "ab\ncd\n")),
        "1:b\n4:d\n"
    );
    assert_eq!(
        out(&run("grep", &["-b", "-n", "-A1", "a"], "ab\ncd\n")),
        "1:0:ab\n2-3-cd\n"
    );
}

#[test]
fn color_and_null_data() {
    assert_eq!(out(&run("grep", &["--color=never", "a"], "a\nb\n")), "a\n");
    assert_eq!(out(&run("grep", &["--color", "a"], "a\nb\n")), "a\n");
    assert_eq!(out(&run("grep", &["-z", "b"], "a\0b\0")), "b\0");
}

#[test]
fn matches_never_span_lines() {
    assert_eq!(out(&run("grep", &["a\\sb"], "a\nb\na b\n")), "a b\n");
    assert_eq!(out(&run("grep", &["-c", "a[^x]b"], "a\nb\n")), "0\n");
    assert_eq!(out(&run("grep", &["-c", "$"], "a\nb\n")), "2\n");
    assert_eq!(out(&run("grep", &["-c", "^"], "a\nb")), "2\n");
}

#[test]
fn large_input_counts_fast_and_right() {
    let mut input = String::new();
    for i in 0..100_000 {
        input.push_str(&format!("line {i} some text here\n"));
    }
    assert_eq!(out(&run("grep", &["-c", "7"], &input)), "40951\n");
    assert_eq!(
        out(&run("grep", &["-c", "-E", "[0-9]*9 "], &input)),
        "10000\n"
    );
    assert_eq!(out(&run("grep", &["-vc", "line"], &input)), "0\n");
    let r = run("grep", &["-n", "line 99999 "], &input);
    assert_eq!(out(&r), "100000:line 99999 some text here\n");
}

/// Runs grep with its stdin fed through a pipe in `piece`-byte writes (so lines straddle
/// reads); returns grep's stdout, its status, and whether the writer saw the pipe break.
pub(crate) fn run_piped(
    name: &str,
    args: &[&str],
    input: &str,
    piece: usize,
) -> (String, i32, bool) {
    use crate::cmd::Spawn;
    use crate::exec::{LocalBoxFuture, block_on, join_all};
    use crate::io::{Output, pipe};
    use crate::testing::UtilitySpawn;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    let sys = MemSystem::default();
    let spawn = UtilitySpawn {
        sys: &sys,
        cwd: "/workspace",
    };
    let (mut writer, reader) = pipe();
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut stdout = Output::buffer(Rc::clone(&out));
    let mut stderr = Output::null();
    let broke = Rc::new(Cell::new(false));
    let broke_in = Rc::clone(&broke);
    let data = input.as_bytes().to_vec();
    let feed: LocalBoxFuture<'_, i32> = Box::pin(async move {
        for part in data.chunks(piece.max(1)) {
            if writer.write(part).await.is_err() || writer.flush().await.is_err() {
                broke_in.set(true);
                return 141;
            }
        }
        0
    });
    let argv = std::iter::once(name)
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    let run = spawn.spawn(argv, reader, &mut stdout, &mut stderr);
    let statuses = block_on(join_all(vec![feed, run]));
    let text = String::from_utf8_lossy(&out.borrow()).into_owned();
    (text, statuses[1], broke.get())
}

#[test]
fn stdin_streams_in_pieces() {
    let input = numbers(2000);
    let (text, status, _) = run_piped("grep", &["-n", "-C1", "^1[05]00$"], &input, 7);
    assert_eq!(
        (text.as_str(), status),
        (
            "999-999\n1000:1000\n1001-1001\n--\n1499-1499\n1500:1500\n1501-1501\n",
            0
        )
    );
    let (text, _, _) = run_piped("grep", &["-c", "7"], &input, 13);
    assert_eq!(text, "542\n");
    let (text, _, _) = run_piped("grep", &["x"], "a\nbx", 1);
    assert_eq!(text, "bx\n");
}

#[test]
fn max_count_stops_reading_stdin() {
    let input = "y\n".repeat(200_000);
    let (text, status, broke) = run_piped("grep", &["-m1", "y"], &input, 4096);
    assert_eq!((text.as_str(), status, broke), ("y\n", 0, true));
    let (_, status, broke) = run_piped("grep", &["-q", "y"], &input, 4096);
    assert_eq!((status, broke), (0, true));
}
