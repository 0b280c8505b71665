//! sed against GNU sed 4.9's output.

use crate::system::{MemSystem, System};
use crate::testing::{Ran, run, run_on};

fn out(ran: &Ran) -> &str {
    &ran.stdout
}

fn sed(args: &[&str], input: &str) -> String {
    let r = run("sed", args, input);
    assert_eq!(r.stderr, "", "stderr of sed {args:?}");
    r.stdout
}

fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

fn sys_with(files: &[(&str, &str)]) -> MemSystem {
    let sys = MemSystem::default();
    sys.mkdir("/workspace", true).unwrap();
    for (path, data) in files {
        sys.write_file(&format!("/workspace/{path}"), data.as_bytes(), false)
            .unwrap();
    }
    sys
}

fn read(sys: &MemSystem, path: &str) -> String {
    String::from_utf8(sys.read_file(&format!("/workspace/{path}")).unwrap()).unwrap()
}

#[test]
fn substitute_basics() {
    assert_eq!(sed(&["s/a/b/"], "aaa\n"), "baa\n");
    assert_eq!(sed(&["s/a/b/g"], "aaa\n"), "bbb\n");
    assert_eq!(sed(&["s/a/b/2"], "aaa\n"), "aba\n");
    assert_eq!(sed(&["s/a/b/2g"], "aaaa\n"), "abbb\n");
    assert_eq!(sed(&["s|/usr|/opt|"], "/usr/bin\n"), "/opt/bin\n");
    assert_eq!(sed(&["s/\\//:/g"], "a/b/c\n"), "a:b:c\n");
    assert_eq!(sed(&["s/x*/-/g"], "abc\n"), "-a-b-c-\n");
    assert_eq!(sed(&["s/a*/x/g"], "baaac\n"), "xbxcx\n");
    assert_eq!(sed(&["s/A/b/I"], "xa\n"), "xb\n");
    assert_eq!(sed(&["-n", "s/a/b/p"], "a\nc\n"), "b\n");
}

#[test]
fn replacement_escapes_and_groups() {
    assert_eq!(sed(&["s/\\(a\\)\\(b\\)/\\2\\1/"], "ab\n"), "ba\n");
    assert_eq!(sed(&["-E", "s/(a)(b)/\\2\\1/"], "ab\n"), "ba\n");
    assert_eq!(sed(&["s/b/[&]/"], "abc\n"), "a[b]c\n");
    assert_eq!(sed(&["s/b/\\&/"], "abc\n"), "a&c\n");
    assert_eq!(sed(&["s/o/\\n/"], "foo\n"), "f\no\n");
    assert_eq!(sed(&["s/b/\\t|/"], "ab\n"), "a\t|\n");
    assert_eq!(sed(&["s/b/x\\\ny/"], "abc\n"), "ax\nyc\n");
}

#[test]
fn case_conversion_like_gnu() {
    assert_eq!(
        sed(&["s/\\w\\+/\\u&/g; s/o/\\U&x\\E!/"], "hello world\n"),
        "HellOX! World\n"
    );
    assert_eq!(
        sed(&["-E", "s/(\\w+) (\\w+)/\\L\\1 \\U\\2/"], "Foo Bar\n"),
        "foo BAR\n"
    );
    assert_eq!(sed(&["s/.*/\\L\\u&/"], "hELLO\n"), "Hello\n");
}

#[test]
fn print_delete_quit() {
    assert_eq!(sed(&["-n", "2p"], "a\nb\nc\n"), "b\n");
    assert_eq!(sed(&["2d"], "a\nb\nc\n"), "a\nc\n");
    assert_eq!(sed(&["2q"], "a\nb\nc\n"), "a\nb\n");
    assert_eq!(sed(&["2Q"], "a\nb\nc\n"), "a\n");
    let r = run("sed", &["q5"], "a\nb\n");
    assert_eq!((out(&r), r.status), ("a\n", 5));
    assert_eq!(sed(&["-n", "$p"], "a\nb\nc\n"), "c\n");
    assert_eq!(sed(&["$!d"], "a\nb\n"), "b\n");
    assert_eq!(sed(&["-n", "$="], "a\nb\nc\n"), "3\n");
    assert_eq!(sed(&["="], "a\nb\n"), "1\na\n2\nb\n");
}

#[test]
fn addresses_and_ranges() {
    let ten = numbers(10);
    assert_eq!(sed(&["-n", "0~3p"], &ten), "3\n6\n9\n");
    assert_eq!(sed(&["-n", "1~4p"], &ten), "1\n5\n9\n");
    assert_eq!(sed(&["-n", "2,~4p"], &ten), "2\n3\n4\n");
    assert_eq!(sed(&["-n", "/4/,+2p"], &ten), "4\n5\n6\n");
    assert_eq!(sed(&["-n", "5,3p"], &ten), "5\n");
    assert_eq!(sed(&["-n", "3,5p"], &ten), "3\n4\n5\n");
    assert_eq!(sed(&["-n", "/2/,/4/p"], &ten), "2\n3\n4\n");
    assert_eq!(sed(&["-n", "8,$p"], &ten), "8\n9\n10\n");
    assert_eq!(sed(&["0,/x/d"], "x\ny\nx\n"), "y\nx\n");
    assert_eq!(sed(&["1,/x/d"], "x\ny\nx\n"), "");
    assert_eq!(sed(&["-n", "\\,2,p"], &ten), "2\n");
    assert_eq!(sed(&["-n", "/A/Ip"], "a\nb\n"), "a\n");
    assert_eq!(sed(&["2!d"], "a\nb\nc\n"), "b\n");
    assert_eq!(sed(&["-n", "2,3!p"], "a\nb\nc\nd\n"), "a\nd\n");
    assert_eq!(sed(&["-n", "/a/,/a/p"], "a\nb\na\nc\n"), "a\nb\na\n");
}

#[test]
fn text_commands() {
    let abc = "a\nb\nc\n";
    assert_eq!(sed(&["2a   hello"], abc), "a\nb\nhello\nc\n");
    assert_eq!(sed(&["2a\\  hello"], abc), "a\nb\n  hello\nc\n");
    assert_eq!(sed(&["2a\\\nx\\\ny"], abc), "a\nb\nx\ny\nc\n");
    assert_eq!(
        sed(&["-e", "1i top", "-e", "$c bottom"], abc),
        "top\na\nb\nbottom\n"
    );
    assert_eq!(sed(&["1,2c X"], abc), "X\nc\n");
    assert_eq!(sed(&["2!c X"], abc), "X\nb\nX\n");
    assert_eq!(sed(&["-e", "a\\", "-e", "foo"], "x\n"), "x\nfoo\n");
    assert_eq!(sed(&["1a\\\ttab"], "x\n"), "x\n\ttab\n");
    assert_eq!(sed(&["$a end"], "x\ny"), "x\ny\nend\n");
}

#[test]
fn next_and_multiline() {
    let abc = "a\nb\nc\n";
    assert_eq!(sed(&["n;d"], abc), "a\nc\n");
    assert_eq!(sed(&["$!N;s/\\n/-/"], abc), "a-b\nc\n");
    assert_eq!(sed(&["N;N;N;s/\\n/+/g"], abc), "a\nb\nc\n");
    assert_eq!(sed(&["N;P;D"], "1\n2\n3\n"), "1\n2\n3\n");
    assert_eq!(sed(&["N;s/a.b/X/"], "a\nb\n"), "X\n");
    assert_eq!(sed(&["N;s/a[^x]b/Y/"], "a\nb\n"), "Y\n");
    assert_eq!(sed(&[":a;N;$!ba;s/\\n/,/g"], abc), "a,b,c\n");
    assert_eq!(sed(&["-n", "$!{h;d};x;G;p"], "1\n2\n"), "1\n2\n");
    assert_eq!(sed(&["1!G;h;$!d"], abc), "c\nb\na\n");
    assert_eq!(sed(&["-n", "H;${x;s/\\n/ /g;s/^ //;p}"], abc), "a b c\n");
}

#[test]
fn branches() {
    assert_eq!(sed(&["-n", "/a/{p;b};p"], "a\nb\n"), "a\nb\n");
    assert_eq!(sed(&["-n", "/a/{p;b end};p;:end"], "a\nb\n"), "a\nb\n");
    assert_eq!(sed(&[":a;s/^\\(x*\\)y/\\1x/;ta"], "yyy\n"), "xxx\n");
    assert_eq!(sed(&["s/a/A/;T;s/$/!/"], "a\nb\n"), "A!\nb\n");
    assert_eq!(
        sed(&["-e", ":loop", "-e", "s/ab/b/", "-e", "t loop"], "aaab\n"),
        "b\n"
    );
}

#[test]
fn transliterate_and_list() {
    assert_eq!(sed(&["y/abc/xyz/"], "aabbcc\n"), "xxyyzz\n");
    assert_eq!(sed(&["y/ll/ab/"], "hello\n"), "heaao\n");
    assert_eq!(sed(&["y/é/e/"], "café\n"), "cafe\n");
    assert_eq!(sed(&["-n", "l"], "a\tb\\c\u{1}\n"), "a\\tb\\\\c\\001$\n");
    assert_eq!(sed(&["-n", "l"], "é\n"), "\\303\\251$\n");
    let zeros = format!("{}\n", "0".repeat(80));
    assert_eq!(
        sed(&["-n", "l"], &zeros),
        format!("{}\\\n{}$\n", "0".repeat(69), "0".repeat(11))
    );
    assert_eq!(
        sed(&["-n", "l 20"], &zeros),
        format!("{z}\\\n{z}\\\n{z}\\\n{z}\\\n0000$\n", z = "0".repeat(19))
    );
    assert_eq!(
        sed(&["-l", "30", "-n", "l"], &zeros),
        format!("{z}\\\n{z}\\\n{}$\n", "0".repeat(22), z = "0".repeat(29))
    );
}

#[test]
fn missing_final_newline_is_kept() {
    assert_eq!(sed(&["s/a/b/"], "a"), "b");
    assert_eq!(sed(&["p"], "a"), "a\na");
    assert_eq!(sed(&["$!d"], "a\nb"), "b");
    assert_eq!(sed(&["$a x"], "a"), "a\nx\n");
}

#[test]
fn files_separate_and_in_place() {
    let sys = sys_with(&[("f1", "l1\nl2\n"), ("f2", "m1\nm2\n")]);
    let r = run_on(&sys, "sed", &["-n", "1p;$p", "f1", "f2"], "");
    assert_eq!(out(&r), "l1\nm2\n");
    let r = run_on(&sys, "sed", &["-s", "-n", "1p;$p", "f1", "f2"], "");
    assert_eq!(out(&r), "l1\nl2\nm1\nm2\n");
    let r = run_on(&sys, "sed", &["-n", "$=", "f1", "f2"], "");
    assert_eq!(out(&r), "4\n");
    let r = run_on(&sys, "sed", &["-n", "F", "f1"], "");
    assert_eq!(out(&r), "f1\nf1\n");
    let r = run_on(&sys, "sed", &["-i", "s/l/L/;1d", "f1", "f2"], "");
    assert_eq!((out(&r), r.status), ("", 0));
    assert_eq!(read(&sys, "f1"), "L2\n");
    assert_eq!(read(&sys, "f2"), "m2\n");
    let r = run_on(&sys, "sed", &["-i.bak", "s/m/M/", "f2"], "");
    assert_eq!(r.status, 0);
    assert_eq!(
        (read(&sys, "f2"), read(&sys, "f2.bak")),
        ("M2\n".into(), "m2\n".into())
    );
    let r = run_on(&sys, "sed", &["--in-place=.orig", "s/M/N/", "f2"], "");
    assert_eq!(r.status, 0);
    assert_eq!(
        (read(&sys, "f2"), read(&sys, "f2.orig")),
        ("N2\n".into(), "M2\n".into())
    );
    let r = run_on(&sys, "sed", &["-i", "s/x/y/"], "");
    assert_eq!((r.stderr.as_str(), r.status), ("sed: no input files\n", 1));
}

#[test]
fn write_and_read_files() {
    let sys = sys_with(&[("ins", "INSERTED\n"), ("lines", "r1\nr2\n")]);
    let r = run_on(&sys, "sed", &["-n", "/a/w out.txt", "-"], "a1\nb\na2\n");
    assert_eq!(out(&r), "");
    assert_eq!(read(&sys, "out.txt"), "a1\na2\n");
    let r = run_on(&sys, "sed", &["s/b/B/w sub.txt"], "a\nb\n");
    assert_eq!(out(&r), "a\nB\n");
    assert_eq!(read(&sys, "sub.txt"), "B\n");
    let r = run_on(&sys, "sed", &["1r ins"], "a\nb\n");
    assert_eq!(out(&r), "a\nINSERTED\nb\n");
    let r = run_on(&sys, "sed", &["R lines"], "a\nb\nc\n");
    assert_eq!(out(&r), "a\nr1\nb\nr2\nc\n");
    let r = run_on(&sys, "sed", &["r nope"], "a\n");
    assert_eq!(out(&r), "a\n");
    let r = run_on(&sys, "sed", &["-n", "w /dev/stdout"], "a\n");
    assert_eq!(out(&r), "a\n");
}

#[test]
fn script_files_and_comments() {
    let sys = sys_with(&[
        ("s.sed", "# comment\ns/a/b/\n/c/d\n"),
        ("q.sed", "#n\n2p\n"),
    ]);
    assert_eq!(out(&run_on(&sys, "sed", &["-f", "s.sed"], "a\nc\n")), "b\n");
    assert_eq!(out(&run_on(&sys, "sed", &["-f", "q.sed"], "a\nc\n")), "c\n");
    assert_eq!(sed(&["p # print twice"], "a\n"), "a\na\n");
    assert_eq!(sed(&["-n", "/x/{\n  s/x/y/\n  p\n}"], "x\nz\n"), "y\n");
}

#[test]
fn null_data() {
    assert_eq!(sed(&["-z", "s/a/b/"], "a\0a\0"), "b\0b\0");
    assert_eq!(sed(&["-z", "s/\\n/,/g"], "a\nb\n"), "a,b,");
}

#[test]
fn extended_syntax() {
    assert_eq!(sed(&["-E", "s/a+|c/X/g"], "aabc\n"), "XbX\n");
    assert_eq!(sed(&["-r", "s/(x){2}/y/"], "xxx\n"), "yx\n");
    assert_eq!(sed(&["s/a+/X/"], "a+\n"), "X\n");
    assert_eq!(sed(&["s/a\\{2\\}/X/"], "aaa\n"), "Xa\n");
    assert_eq!(sed(&["s/[[:digit:]]\\+/N/g"], "a12b3\n"), "aNbN\n");
}

#[test]
fn script_errors_read_like_gnu() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["k"],
            "sed: -e expression #1, char 1: unknown command: `k'\n",
        ),
        (
            &["s/a/b"],
            "sed: -e expression #1, char 5: unterminated `s' command\n",
        ),
        (
            &["s/a/b/q"],
            "sed: -e expression #1, char 7: unknown option to `s'\n",
        ),
        (&["{p"], "sed: -e expression #1, char 0: unmatched `{'\n"),
        (&["p}"], "sed: -e expression #1, char 2: unexpected `}'\n"),
        (&["b foo"], "sed: can't find label for jump to `foo'\n"),
        (
            &["-e", "p", "-e", "k"],
            "sed: -e expression #2, char 1: unknown command: `k'\n",
        ),
        (
            &["p x"],
            "sed: -e expression #1, char 3: extra characters after command\n",
        ),
        (
            &["/abc"],
            "sed: -e expression #1, char 4: unterminated address regex\n",
        ),
        (
            &["s/\\(a\\)/\\2/"],
            "sed: -e expression #1, char 11: invalid reference \\2 on `s' command's RHS\n",
        ),
        (
            &["a"],
            "sed: -e expression #1, char 1: expected \\ after `a', `c' or `i'\n",
        ),
        (
            &[",p"],
            "sed: -e expression #1, char 1: unknown command: `,'\n",
        ),
        (
            &["y/ab/c/"],
            "sed: -e expression #1, char 7: strings for `y' command are different lengths\n",
        ),
    ];
    for (args, want) in cases {
        let r = run("sed", args, "a\n");
        assert_eq!((r.stderr.as_str(), r.status), (*want, 1), "sed {args:?}");
        assert_eq!(r.stdout, "");
    }
    let r = run("sed", &["s/\\(a\\)\\1/x/"], "aa\n");
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("back-references"), "{}", r.stderr);
}

#[test]
fn usage_and_input_errors() {
    let r = run("sed", &[], "");
    assert_eq!(r.status, 1);
    assert!(r.stderr.starts_with("Usage: sed"));
    let r = run("sed", &["-k", "p"], "");
    assert_eq!(r.status, 1);
    assert!(r.stderr.starts_with("sed: invalid option -- 'k'\n"));
    let sys = sys_with(&[("f1", "l1\n")]);
    let r = run_on(&sys, "sed", &["p", "nope", "f1"], "");
    assert_eq!(
        r.stderr,
        "sed: can't read nope: No such file or directory\n"
    );
    assert_eq!((out(&r), r.status), ("l1\nl1\n", 2));
}

#[test]
fn large_input_streams() {
    let input = numbers(100_000);
    assert_eq!(sed(&["-n", "1,3p"], &input), "1\n2\n3\n");
    assert_eq!(sed(&["-n", "$p"], &input), "100000\n");
    assert_eq!(sed(&["5q"], &input), "1\n2\n3\n4\n5\n");
    let r = sed(&["s/0/o/g"], &input);
    assert_eq!(r.len(), input.len());
    assert!(r.ends_with("1ooooo\n"));
}

#[test]
fn stdin_streams_and_quit_stops_reading() {
    use crate::builtins::grep::tests::run_piped;
    let input = numbers(300_000);
    let (text, status, broke) = run_piped("sed", &["3q"], &input, 4096);
    assert_eq!((text.as_str(), status, broke), ("1\n2\n3\n", 0, true));
    let (text, _, _) = run_piped("sed", &["-n", "$p;1p"], "a\nb\nc", 1);
    assert_eq!(text, "a\nc");
    let (text, _, _) = run_piped("sed", &["N;s/\\n/+/"], "1\n2\n3\n4\n5\n", 3);
    assert_eq!(text, "1+2\n3+4\n5\n");
}
