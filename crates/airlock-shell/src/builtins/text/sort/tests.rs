//! `sort` against outputs recorded from GNU sort 9 with `LC_ALL=C`.

use crate::system::{MemSystem, System};
use crate::testing::{run, run_on};

const S1: &str = "b 2\na 10\nc 1\nB 3\na 2\n";

fn sorted(args: &[&str], input: &str) -> String {
    run("sort", args, input).stdout.replace('\n', "|")
}

#[test]
fn sort_orders_like_gnu() {
    let cases: &[(&[&str], &str)] = &[
        (&[], "B 3|a 10|a 2|b 2|c 1|"),
        (&["-r"], "c 1|b 2|a 2|a 10|B 3|"),
        (&["-f"], "a 10|a 2|b 2|B 3|c 1|"),
        (&["-k2n"], "c 1|a 2|b 2|B 3|a 10|"),
        (&["-k2,2nr"], "a 10|B 3|a 2|b 2|c 1|"),
        (&["-k1,1", "-k2n"], "B 3|a 2|a 10|b 2|c 1|"),
        (&["-u", "-k1,1"], "B 3|a 10|b 2|c 1|"),
        (&["-n"], "B 3|a 10|a 2|b 2|c 1|"),
        (&["-t:", "-k2"], "B 3|a 10|a 2|b 2|c 1|"),
        (&["-fu"], "a 10|a 2|b 2|B 3|c 1|"),
        (&["-b", "-k2"], "c 1|a 10|a 2|b 2|B 3|"),
    ];
    for (args, want) in cases {
        assert_eq!(sorted(args, S1), *want, "sort {args:?}");
    }
}

#[test]
fn sort_special_orders() {
    assert_eq!(sorted(&["-h"], "1K\n2M\n512\n1G\n3K\n"), "512|1K|3K|2M|1G|");
    assert_eq!(
        sorted(&["-V"], "v1.10\nv1.2\nv1.9.1\nv1.9\n"),
        "v1.2|v1.9|v1.9.1|v1.10|"
    );
    assert_eq!(
        sorted(&["-t:", "-k2,2n"], "x:3:z\ny:1:w\nz:2:v\n"),
        "y:1:w|z:2:v|x:3:z|"
    );
    assert_eq!(sorted(&["-k2"], "a b\na  a\n"), "a  a|a b|");
    assert_eq!(
        sorted(&["-k1,1n", "-k2r"], "10 b\n9 a\n10 a\n"),
        "9 a|10 b|10 a|"
    );
    assert_eq!(sorted(&["-M"], "Mar\nxx\nJan\nfeb\n"), "xx|Jan|feb|Mar|");
    assert_eq!(sorted(&["-g"], "1e2\n5\n-1.5\n"), "-1.5|5|1e2|");
    assert_eq!(sorted(&["-nr"], "1\n10\n2\n"), "10|2|1|");
    assert_eq!(sorted(&["-un"], "1\n01\n2\n"), "1|2|");
    assert_eq!(sorted(&[], "a\n\nb"), "|a|b|");
    assert_eq!(
        sorted(&["-s", "-k1,1"], "b 2\na 9\nb 1\na 1\n"),
        "a 9|a 1|b 2|b 1|"
    );
    assert_eq!(sorted(&["-z"], "b\0a\0").replace('\0', "0"), "a0b0");
    let shuffled = sorted(&["-R"], "a\nb\na\nc\n");
    assert_eq!(shuffled.len(), 8);
}

#[test]
fn sort_files_output_and_check() {
    let sys = MemSystem::default();
    sys.write_file("/workspace/a", b"3\n1", false).unwrap();
    sys.write_file("/workspace/b", b"2\n", false).unwrap();
    let r = run_on(&sys, "sort", &["-n", "a", "b"], "");
    assert_eq!(r.stdout, "1\n2\n3\n");
    let r = run_on(&sys, "sort", &["-o", "a", "a"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("", 0));
    assert_eq!(sys.read_file("/workspace/a").unwrap(), b"1\n3\n");
    let r = run("sort", &["-c"], "a\nc\nb\n");
    assert_eq!(r.stderr, "sort: -:3: disorder: b\n");
    assert_eq!(r.status, 1);
    assert_eq!(run("sort", &["-C"], "a\nc\nb\n").stderr, "");
    assert_eq!(run("sort", &["-c"], "a\nb\n").status, 0);
    assert_eq!(run("sort", &["-cu"], "a\na\n").status, 1);
}

#[test]
fn sort_errors() {
    let r = run("sort", &["nope"], "");
    assert_eq!(
        r.stderr,
        "sort: cannot read: nope: No such file or directory\n"
    );
    assert_eq!(r.status, 2);
    let r = run("sort", &["-k", "abc"], "");
    assert_eq!(
        r.stderr,
        "sort: invalid number at field start: invalid count at start of 'abc'\n"
    );
    assert_eq!(r.status, 2);
    assert_eq!(
        run("sort", &["-t", "ab"], "").stderr,
        "sort: multi-character tab 'ab'\n"
    );
    assert_eq!(run("sort", &["-nM"], "").status, 2);
    assert_eq!(run("sort", &["-Q"], "").status, 2);
}

#[test]
fn sort_large_input() {
    let input: String = (0..100_000)
        .rev()
        .map(|i| format!("{i}\tx{}\n", i % 7))
        .collect();
    let r = run("sort", &["-n"], &input);
    assert!(r.stdout.starts_with("0\tx0\n1\tx1\n"));
    let r = run("sort", &["-t", "\t", "-k2,2", "-k1,1nr"], &input);
    assert!(r.stdout.starts_with("99995\tx0\n"));
    assert_eq!(r.stdout.len(), input.len());
}
