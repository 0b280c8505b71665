//! `mkdir`, `rm`, `rmdir`.

use super::{Fs, System, check};

#[test]
fn mkdir_creates_and_reports_existing() {
    let fs = Fs::new();
    check(fs.run("mkdir", &["d"]), "", "", 0);
    assert!(fs.exists("d"));
    check(
        fs.run("mkdir", &["d", "e"]),
        "",
        "mkdir: cannot create directory 'd': File exists\n",
        1,
    );
    assert!(fs.exists("e"));
    check(
        fs.run("mkdir", &["x/y/z"]),
        "",
        "mkdir: cannot create directory 'x/y/z': No such file or directory\n",
        1,
    );
}

#[test]
fn mkdir_parents_verbose() {
    let fs = Fs::with(&[("n1/", "")]);
    check(
        fs.run("mkdir", &["-pv", "n1/n2/n3", "q"]),
        "mkdir: created directory 'n1/n2'\nmkdir: created directory 'n1/n2/n3'\nmkdir: created directory 'q'\n",
        "",
        0,
    );
    check(fs.run("mkdir", &["-p", "n1/n2", "/tmp/a/b//c/"]), "", "", 0);
    assert!(fs.sys.read_dir("/tmp/a/b/c").is_ok());
}

#[test]
fn mkdir_parents_through_a_file() {
    let fs = Fs::with(&[("f", "")]);
    check(
        fs.run("mkdir", &["-p", "f/x"]),
        "",
        "mkdir: cannot create directory 'f': Not a directory\n",
        1,
    );
    check(
        fs.run("mkdir", &["-p", "f"]),
        "",
        "mkdir: cannot create directory 'f': File exists\n",
        1,
    );
}

#[test]
fn mkdir_usage() {
    check(
        Fs::new().run("mkdir", &[]),
        "",
        "mkdir: missing operand\nTry 'mkdir --help' for more information.\n",
        2,
    );
    check(Fs::new().run("mkdir", &["-m", "700", "d"]), "", "", 0);
}

#[test]
fn rm_files_and_refuses_directories() {
    let fs = Fs::with(&[("a", "1"), ("b", "2"), ("d/x", "")]);
    check(fs.run("rm", &["a"]), "", "", 0);
    assert!(!fs.exists("a"));
    check(
        fs.run("rm", &["d"]),
        "",
        "rm: cannot remove 'd': Is a directory\n",
        1,
    );
    check(
        fs.run("rm", &["nope", "b"]),
        "",
        "rm: cannot remove 'nope': No such file or directory\n",
        1,
    );
    assert!(!fs.exists("b"));
    check(fs.run("rm", &["-f", "nope"]), "", "", 0);
    check(fs.run("rm", &["-f"]), "", "", 0);
    check(
        fs.run("rm", &[]),
        "",
        "rm: missing operand\nTry 'rm --help' for more information.\n",
        2,
    );
}

#[test]
fn rm_recursive_and_verbose() {
    let fs = Fs::with(&[("d/x", ""), ("d/sub/y", ""), ("f", "")]);
    check(
        fs.run("rm", &["-rv", "d", "f"]),
        "removed 'd/sub/y'\nremoved directory 'd/sub'\nremoved 'd/x'\nremoved directory 'd'\nremoved 'f'\n",
        "",
        0,
    );
    assert!(!fs.exists("d"));
    let fs = Fs::with(&[("d/x", "")]);
    check(fs.run("rm", &["-rf", "d", "nope"]), "", "", 0);
    assert!(!fs.exists("d"));
}

#[test]
fn rm_dir_flag_removes_only_empty_directories() {
    let fs = Fs::with(&[("e/", ""), ("d/x", "")]);
    check(fs.run("rm", &["-d", "e"]), "", "", 0);
    check(
        fs.run("rm", &["-d", "d"]),
        "",
        "rm: cannot remove 'd': Directory not empty\n",
        1,
    );
}

#[test]
fn rm_refuses_dot_and_root_and_readonly() {
    let fs = Fs::with(&[("ro", "x")]);
    check(
        fs.run("rm", &["-rf", "."]),
        "",
        "rm: refusing to remove '.' or '..' directory: skipping '.'\n",
        1,
    );
    check(
        fs.run("rm", &["-rf", "/"]),
        "",
        "rm: it is dangerous to operate recursively on '/'\nrm: use --no-preserve-root to override this failsafe\n",
        1,
    );
    fs.sys.vfs_mut().set_readonly("/workspace/ro").unwrap();
    check(
        fs.run("rm", &["-f", "ro"]),
        "",
        "rm: cannot remove 'ro': Permission denied\n",
        1,
    );
}

#[test]
fn rmdir_empty_only() {
    let fs = Fs::with(&[("e/", ""), ("d/x", ""), ("f", "")]);
    check(fs.run("rmdir", &["e"]), "", "", 0);
    assert!(!fs.exists("e"));
    check(
        fs.run("rmdir", &["d", "f", "nope"]),
        "",
        "rmdir: failed to remove 'd': Directory not empty\nrmdir: failed to remove 'f': Not a directory\nrmdir: failed to remove 'nope': No such file or directory\n",
        1,
    );
    check(
        fs.run("rmdir", &["--ignore-fail-on-non-empty", "d"]),
        "",
        "",
        0,
    );
}

#[test]
fn rmdir_parents() {
    let fs = Fs::with(&[("a/b/c/", ""), ("keep/b/", ""), ("keep/f", "")]);
    check(fs.run("rmdir", &["-p", "a/b/c"]), "", "", 0);
    assert!(!fs.exists("a"));
    check(
        fs.run("rmdir", &["-pv", "keep/b/"]),
        "rmdir: removing directory, 'keep/b'\nrmdir: removing directory, 'keep'\n",
        "rmdir: failed to remove 'keep': Directory not empty\n",
        1,
    );
    assert!(fs.exists("keep/f"));
}
