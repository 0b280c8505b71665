//! Expected outputs come from GNU coreutils 9.1.

use crate::system::{MemSystem, System};
use crate::testing::{run, run_on};

fn files() -> MemSystem {
    let sys = MemSystem::default();
    sys.write_file("/workspace/a", b"hello\n", false).unwrap();
    sys.write_file("/workspace/b c", b"x", false).unwrap();
    sys.write_file("/workspace/n\\l", b"y", false).unwrap();
    sys
}

#[test]
fn prints_sums_of_files_and_stdin() {
    let sys = files();
    let r = run_on(&sys, "md5sum", &["a", "b c", "n\\l", "-"], "hello\n");
    assert_eq!(
        r.stdout,
        "b1946ac92492d2347c6235b4d2611184  a\n\
         9dd4e461268c8034f5c8564e155c67a6  b c\n\
         \\415290769594460e2e485922904f345d  n\\\\l\n\
         b1946ac92492d2347c6235b4d2611184  -\n"
    );
    assert_eq!(
        run("sha1sum", &[], "hello\n").stdout,
        "f572d396fae9206628714fb2ce00f72e94f2258f  -\n"
    );
    assert_eq!(
        run("sha256sum", &[], "hello\n").stdout,
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n"
    );
}

#[test]
fn tag_and_binary_forms() {
    let sys = files();
    assert_eq!(
        run_on(&sys, "md5sum", &["--tag", "a"], "").stdout,
        "MD5 (a) = b1946ac92492d2347c6235b4d2611184\n"
    );
    assert_eq!(
        run_on(&sys, "md5sum", &["-b", "a"], "").stdout,
        "b1946ac92492d2347c6235b4d2611184 *a\n"
    );
}

#[test]
fn missing_files_and_directories() {
    let sys = files();
    let r = run_on(&sys, "md5sum", &["nofile", "a"], "");
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "md5sum: nofile: No such file or directory\n");
    assert_eq!(r.stdout, "b1946ac92492d2347c6235b4d2611184  a\n");
    let r = run_on(&sys, "md5sum", &["."], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "md5sum: .: Is a directory\n")
    );
    assert_eq!(run("md5sum", &["--nope"], "").status, 1);
}

#[test]
fn check_mode_reports_like_gnu() {
    let sys = files();
    let sums = run_on(&sys, "sha256sum", &["a", "b c", "n\\l"], "").stdout;
    sys.write_file("/workspace/sums", sums.as_bytes(), false)
        .unwrap();
    let r = run_on(&sys, "sha256sum", &["-c", "sums"], "");
    assert_eq!(r.stdout, "a: OK\nb c: OK\nn\\l: OK\n");
    assert_eq!((r.status, r.stderr.as_str()), (0, ""));

    sys.write_file("/workspace/a", b"z", false).unwrap();
    let extra = "garbage\n\
        e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  missing\n";
    sys.write_file("/workspace/sums", extra.as_bytes(), true)
        .unwrap();
    let r = run_on(&sys, "sha256sum", &["-c", "sums"], "");
    assert_eq!(
        r.stdout,
        "a: FAILED\nb c: OK\nn\\l: OK\nmissing: FAILED open or read\n"
    );
    assert_eq!(
        r.stderr,
        "sha256sum: missing: No such file or directory\n\
         sha256sum: WARNING: 1 line is improperly formatted\n\
         sha256sum: WARNING: 1 listed file could not be read\n\
         sha256sum: WARNING: 1 computed checksum did NOT match\n"
    );
    assert_eq!(r.status, 1);

    let r = run_on(&sys, "sha256sum", &["-c", "--quiet", "sums"], "");
    assert_eq!(r.stdout, "a: FAILED\nmissing: FAILED open or read\n");
    let r = run_on(&sys, "sha256sum", &["-c", "--status", "sums"], "");
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.status),
        ("", "", 1)
    );
}

#[test]
fn check_reads_tags_stdin_and_rejects_junk() {
    let sys = files();
    let r = run_on(
        &sys,
        "md5sum",
        &["-c"],
        "MD5 (a) = b1946ac92492d2347c6235b4d2611184\n",
    );
    assert_eq!((r.stdout.as_str(), r.status), ("a: OK\n", 0));
    let r = run_on(&sys, "md5sum", &["-c", "-"], "junk\n");
    assert_eq!(r.status, 1);
    assert_eq!(
        r.stderr,
        "md5sum: standard input: no properly formatted checksum lines found\n"
    );
    let r = run_on(
        &sys,
        "md5sum",
        &["-c", "--ignore-missing"],
        "d41d8cd98f00b204e9800998ecf8427e  missing\nb1946ac92492d2347c6235b4d2611184  a\n",
    );
    assert_eq!((r.stdout.as_str(), r.status), ("a: OK\n", 0));
}

#[test]
fn large_stdin_streams() {
    let data = "0123456789abcdef\n".repeat(100_000);
    let r = run("md5sum", &[], &data);
    assert_eq!(r.stdout.len(), 32 + 3 + 1);
    assert_eq!(r.status, 0);
}
