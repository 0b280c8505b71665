//! Expected outputs come from GNU diffutils 3.8 on the same files, all with the mtime
//! 2025-01-01 00:00:00 UTC.

use std::sync::Arc;

use airlock_vfs::{Vfs, VfsLimits};

use crate::system::{MemSystem, System};
use crate::testing::run_on;

const FILES: &[(&str, &str)] = &[
    ("1", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"),
    ("2", "a\nB\nc\nd\ne\nf\ng\nh\nX\ni\nj\n"),
    (
        "p1",
        "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n",
    ),
    (
        "p2",
        "zero\none\ntwo\nthree\nFOUR\nfive\nsix\nseven\neight\nnine\n",
    ),
    ("n1", "x"),
    ("n2", "y"),
    ("n3", "x\n"),
    ("e", ""),
    ("s1", "x\n}\n\ny\n"),
    ("s2", "x\n}\n\nz\n}\n\ny\n"),
];

fn sys() -> MemSystem {
    let vfs = Vfs::new(VfsLimits::default()).with_clock(Arc::new(|| 1_735_689_600_000));
    let sys = MemSystem::new(vfs);
    for (name, text) in FILES {
        sys.write_file(&format!("/workspace/{name}"), text.as_bytes(), false)
            .unwrap();
    }
    sys
}

fn check(args: &[&str], want: &str, status: i32) {
    let r = run_on(&sys(), "diff", args, "");
    assert_eq!(r.stdout, want, "diff {args:?}");
    assert_eq!(r.status, status, "diff {args:?}: {}", r.stderr);
}

#[test]
fn outputs_match_gnu() {
    check(&["1", "2"], "2c2\n< b\n---\n> B\n8a9\n> X\n11d11\n< k\n", 1);
    check(
        &["-u", "1", "2"],
        "--- 1\t2025-01-01 00:00:00.000000000 +0000\n+++ 2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1,11 +1,11 @@\n a\n-b\n+B\n c\n d\n e\n f\n g\n h\n+X\n i\n j\n-k\n",
        1,
    );
    check(
        &["-U1", "1", "2"],
        "--- 1\t2025-01-01 00:00:00.000000000 +0000\n+++ 2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -8,4 +8,4 @@\n h\n+X\n i\n j\n-k\n",
        1,
    );
    check(
        &["-U0", "1", "2"],
        "--- 1\t2025-01-01 00:00:00.000000000 +0000\n+++ 2\t2025-01-01 00:00:00.000000000 +0000\n@@ -2 +2 @@\n-b\n+B\n@@ -8,0 +9 @@\n+X\n@@ -11 +11,0 @@\n-k\n",
        1,
    );
    check(
        &["p1", "p2"],
        "0a1\n> zero\n4c5\n< four\n---\n> FOUR\n10d10\n< ten\n",
        1,
    );
    check(
        &["-u", "p1", "p2"],
        "--- p1\t2025-01-01 00:00:00.000000000 +0000\n+++ p2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1,10 +1,10 @@\n+zero\n one\n two\n three\n-four\n+FOUR\n five\n six\n seven\n eight\n nine\n-ten\n",
        1,
    );
    check(
        &["--unified=1", "p1", "p2"],
        "--- p1\t2025-01-01 00:00:00.000000000 +0000\n+++ p2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1 +1,2 @@\n+zero\n one\n@@ -3,3 +4,3 @@\n three\n-four\n+FOUR\n five\n@@ -9,2 +10 @@\n nine\n-ten\n",
        1,
    );
    check(
        &["n1", "n2"],
        "1c1\n< x\n\\ No newline at end of file\n---\n> y\n\\ No newline at end of file\n",
        1,
    );
    check(
        &["-u", "n1", "n2"],
        "--- n1\t2025-01-01 00:00:00.000000000 +0000\n+++ n2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n",
        1,
    );
    check(
        &["n1", "n3"],
        "1c1\n< x\n\\ No newline at end of file\n---\n> x\n",
        1,
    );
    check(
        &["-u", "e", "1"],
        "--- e\t2025-01-01 00:00:00.000000000 +0000\n+++ 1\t2025-01-01 00:00:00.000000000 +0000\n@@ -0,0 +1,11 @@\n+a\n+b\n+c\n+d\n+e\n+f\n+g\n+h\n+i\n+j\n+k\n",
        1,
    );
    check(
        &["1", "e"],
        "1,11d0\n< a\n< b\n< c\n< d\n< e\n< f\n< g\n< h\n< i\n< j\n< k\n",
        1,
    );
    check(&["s1", "s2"], "3a4,6\n> z\n> }\n> \n", 1);
    check(
        &["-u", "s1", "s2"],
        "--- s1\t2025-01-01 00:00:00.000000000 +0000\n+++ s2\t2025-01-01 00:00:00.000000000 +0000\n@@ -1,4 +1,7 @@\n x\n }\n \n+z\n+}\n+\n y\n",
        1,
    );
    check(&["-q", "p1", "p2"], "Files p1 and p2 differ\n", 1);
    check(&["-s", "p1", "p1"], "Files p1 and p1 are identical\n", 0);
    check(&["1", "1"], "", 0);
    check(
        &["-U", "2", "p2", "p1"],
        "--- p2\t2025-01-01 00:00:00.000000000 +0000\n+++ p1\t2025-01-01 00:00:00.000000000 +0000\n@@ -1,7 +1,6 @@\n-zero\n one\n two\n three\n-FOUR\n+four\n five\n six\n@@ -9,2 +8,3 @@\n eight\n nine\n+ten\n",
        1,
    );
}

#[test]
fn ignoring_case_and_space() {
    let s = sys();
    s.write_file("/workspace/w1", b"a  b\nC\n", false).unwrap();
    s.write_file("/workspace/w2", b"a b \nc\n", false).unwrap();
    assert_eq!(run_on(&s, "diff", &["w1", "w2"], "").status, 1);
    assert_eq!(run_on(&s, "diff", &["-b", "-i", "w1", "w2"], "").status, 0);
    assert_eq!(
        run_on(&s, "diff", &["-w", "w1", "w2"], "").stdout,
        "2c2\n< C\n---\n> c\n"
    );
    let r = run_on(&s, "diff", &["-bis", "w1", "w2"], "");
    assert_eq!(r.stdout, "Files w1 and w2 are identical\n");
}

#[test]
fn stdin_labels_and_directories() {
    let s = sys();
    let r = run_on(
        &s,
        "diff",
        &["-u", "-L", "old", "-L", "new", "n3", "-"],
        "y\n",
    );
    assert_eq!(r.stdout, "--- old\n+++ new\n@@ -1 +1 @@\n-x\n+y\n");
    s.mkdir("/workspace/d", false).unwrap();
    s.write_file(
        "/workspace/d/1",
        b"a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n",
        false,
    )
    .unwrap();
    assert_eq!(run_on(&s, "diff", &["1", "d"], "").status, 0);
    assert_eq!(run_on(&s, "diff", &["d", "d"], "").status, 2);
}

#[test]
fn binary_and_errors() {
    let s = sys();
    s.write_file("/workspace/bin", b"a\0b", false).unwrap();
    let r = run_on(&s, "diff", &["bin", "1"], "");
    assert_eq!(
        (r.stdout.as_str(), r.status),
        ("Binary files bin and 1 differ\n", 1)
    );
    let r = run_on(&s, "diff", &["1", "nofile"], "");
    assert_eq!(
        (r.stderr.as_str(), r.status),
        ("diff: nofile: No such file or directory\n", 2)
    );
    let r = run_on(&s, "diff", &["1"], "");
    assert_eq!(r.status, 2);
    assert_eq!(
        r.stderr,
        "diff: missing operand after '1'\ndiff: Try 'diff --help' for more information.\n"
    );
    assert_eq!(run_on(&s, "diff", &["--nope", "1", "2"], "").status, 2);
    assert_eq!(run_on(&s, "diff", &["-y", "1", "2"], "").status, 2);
}

#[test]
fn large_files_with_scattered_changes() {
    let s = sys();
    let a: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    let b: String = (0..100_000)
        .map(|i| {
            if i % 10_000 == 5 {
                format!("changed {i}\n")
            } else {
                format!("line {i}\n")
            }
        })
        .collect();
    s.write_file("/workspace/big1", a.as_bytes(), false)
        .unwrap();
    s.write_file("/workspace/big2", b.as_bytes(), false)
        .unwrap();
    let r = run_on(&s, "diff", &["big1", "big2"], "");
    assert_eq!(r.status, 1);
    assert_eq!(r.stdout.matches("---\n").count(), 10);
    assert!(r.stdout.starts_with("6c6\n< line 5\n---\n> changed 5\n"));
}

#[test]
fn wholly_different_large_files_stay_fast() {
    let s = sys();
    let a: String = (0..20_000).map(|i| format!("a{i}\n")).collect();
    let b: String = (0..20_000).map(|i| format!("b{i}\n")).collect();
    s.write_file("/workspace/x", a.as_bytes(), false).unwrap();
    s.write_file("/workspace/y", b.as_bytes(), false).unwrap();
    let r = run_on(&s, "diff", &["x", "y"], "");
    assert!(r.stdout.starts_with("1,20000c1,20000\n"));
}
