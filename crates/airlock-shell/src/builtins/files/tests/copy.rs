//! `cp`, `mv`, `ln`.

use super::{Fs, System, check};

#[test]
fn cp_file_and_into_directory() {
    let fs = Fs::with(&[("a", "A"), ("b", "B"), ("d/", "")]);
    check(fs.run("cp", &["a", "c"]), "", "", 0);
    assert_eq!(fs.read("c"), "A");
    check(fs.run("cp", &["a", "b", "d"]), "", "", 0);
    assert_eq!(fs.read("d/a"), "A");
    assert_eq!(fs.read("d/b"), "B");
    check(fs.run("cp", &["-v", "a", "b"]), "'a' -> 'b'\n", "", 0);
    assert_eq!(fs.read("b"), "A");
    check(fs.run("cp", &["-t", "d", "c"]), "", "", 0);
    assert!(fs.exists("d/c"));
}

#[test]
fn cp_errors_read_like_gnu() {
    let fs = Fs::with(&[("a", "A"), ("b", "B"), ("f", ""), ("d/x", "")]);
    check(
        fs.run("cp", &["d", "z"]),
        "",
        "cp: -r not specified; omitting directory 'd'\n",
        1,
    );
    check(
        fs.run("cp", &["a", "b", "c"]),
        "",
        "cp: target 'c': No such file or directory\n",
        1,
    );
    check(
        fs.run("cp", &["a", "b", "f"]),
        "",
        "cp: target 'f' is not a directory\n",
        1,
    );
    check(
        fs.run("cp", &["a", "a"]),
        "",
        "cp: 'a' and 'a' are the same file\n",
        1,
    );
    check(
        fs.run("cp", &["nope", "x"]),
        "",
        "cp: cannot stat 'nope': No such file or directory\n",
        1,
    );
    check(
        fs.run("cp", &["a", "no/x"]),
        "",
        "cp: cannot create regular file 'no/x': No such file or directory\n",
        1,
    );
    check(
        fs.run("cp", &["a"]),
        "",
        "cp: missing destination file operand after 'a'\nTry 'cp --help' for more information.\n",
        2,
    );
    check(
        fs.run("cp", &[]),
        "",
        "cp: missing file operand\nTry 'cp --help' for more information.\n",
        2,
    );
}

#[test]
fn cp_recursive() {
    let fs = Fs::with(&[("d/x", "X"), ("d/sub/y", "Y"), ("e/", "")]);
    check(
        fs.run("cp", &["-rv", "d", "dd"]),
        "'d' -> 'dd'\n'd/sub' -> 'dd/sub'\n'd/sub/y' -> 'dd/sub/y'\n'd/x' -> 'dd/x'\n",
        "",
        0,
    );
    assert_eq!(fs.read("dd/sub/y"), "Y");
    check(fs.run("cp", &["-R", "d", "e"]), "", "", 0);
    assert_eq!(fs.read("e/d/x"), "X");
    // Into an existing copy: merges.
    check(fs.run("cp", &["-a", "d/.", "e/d"]), "", "", 0);
    check(
        fs.run("cp", &["-r", "d", "d/sub"]),
        "",
        "cp: cannot copy a directory, 'd', into itself, 'd/sub/d'\n",
        1,
    );
}

#[test]
fn cp_no_clobber_and_force() {
    let fs = Fs::with(&[("a", "new"), ("b", "old"), ("ro", "ro")]);
    check(fs.run("cp", &["-n", "a", "b"]), "", "", 0);
    assert_eq!(fs.read("b"), "old");
    fs.sys.vfs_mut().set_readonly("/workspace/ro").unwrap();
    check(
        fs.run("cp", &["a", "ro"]),
        "",
        "cp: cannot create regular file 'ro': Permission denied\n",
        1,
    );
}

#[test]
fn mv_renames_and_moves_into_directories() {
    let fs = Fs::with(&[("a", "A"), ("b", "B"), ("d/", ""), ("t/x", "X")]);
    check(
        fs.run("mv", &["-v", "a", "a2"]),
        "renamed 'a' -> 'a2'\n",
        "",
        0,
    );
    assert!(!fs.exists("a") && fs.read("a2") == "A");
    check(fs.run("mv", &["a2", "b", "d"]), "", "", 0);
    assert_eq!(fs.read("d/b"), "B");
    check(fs.run("mv", &["t", "t2"]), "", "", 0);
    assert_eq!(fs.read("t2/x"), "X");
    check(fs.run("mv", &["t2", "d"]), "", "", 0);
    assert_eq!(fs.read("d/t2/x"), "X");
}

#[test]
fn mv_overwrites_unless_no_clobber() {
    let fs = Fs::with(&[("a", "A"), ("b", "B")]);
    check(fs.run("mv", &["-n", "a", "b"]), "", "", 0);
    assert_eq!(fs.read("b"), "B");
    check(fs.run("mv", &["-f", "a", "b"]), "", "", 0);
    assert_eq!(fs.read("b"), "A");
}

#[test]
fn mv_errors() {
    let fs = Fs::with(&[("a", "A"), ("f", ""), ("d/sub/", ""), ("e/d/x", "")]);
    check(
        fs.run("mv", &["nope", "x"]),
        "",
        "mv: cannot stat 'nope': No such file or directory\n",
        1,
    );
    check(
        fs.run("mv", &["d", "d/sub"]),
        "",
        "mv: cannot move 'd' to a subdirectory of itself, 'd/sub/d'\n",
        1,
    );
    check(
        fs.run("mv", &["a", "a"]),
        "",
        "mv: 'a' and 'a' are the same file\n",
        1,
    );
    check(
        fs.run("mv", &["d", "f"]),
        "",
        "mv: cannot overwrite non-directory 'f' with directory 'd'\n",
        1,
    );
    check(
        fs.run("mv", &["d", "e"]),
        "",
        "mv: cannot move 'd' to 'e/d': Directory not empty\n",
        1,
    );
}

#[test]
fn ln_copies() {
    let fs = Fs::with(&[("a", "A"), ("d/", "")]);
    check(fs.run("ln", &["a", "b"]), "", "", 0);
    assert_eq!(fs.read("b"), "A");
    check(fs.run("ln", &["-sv", "a", "c"]), "'c' -> 'a'\n", "", 0);
    assert_eq!(fs.read("c"), "A");
    check(fs.run("ln", &["-v", "a", "c2"]), "'c2' => 'a'\n", "", 0);
    // A symbolic link's target is relative to the link's directory.
    check(fs.run("ln", &["-s", "../a", "d/up"]), "", "", 0);
    assert_eq!(fs.read("d/up"), "A");
    check(fs.run("ln", &["-s", "/workspace/d", "dlink"]), "", "", 0);
    assert!(fs.exists("dlink/up"));
    fs.sys.write_file("/tmp/t", b"T", false).unwrap();
    check(fs.run("ln", &["/tmp/t"]), "", "", 0);
    assert_eq!(fs.read("t"), "T");
    check(
        fs.run("ln", &["/workspace/a"]),
        "",
        "ln: failed to create hard link './a': File exists\n",
        1,
    );
}

#[test]
fn ln_errors() {
    let fs = Fs::with(&[("a", "A"), ("b", "B"), ("d/", "")]);
    check(
        fs.run("ln", &["a", "b"]),
        "",
        "ln: failed to create hard link 'b': File exists\n",
        1,
    );
    check(
        fs.run("ln", &["-s", "a", "b"]),
        "",
        "ln: failed to create symbolic link 'b': File exists\n",
        1,
    );
    check(fs.run("ln", &["-sf", "a", "b"]), "", "", 0);
    assert_eq!(fs.read("b"), "A");
    check(
        fs.run("ln", &["d", "dl"]),
        "",
        "ln: 'd': hard link not allowed for directory\n",
        1,
    );
    check(
        fs.run("ln", &["nope", "x"]),
        "",
        "ln: failed to access 'nope': No such file or directory\n",
        1,
    );
    let ran = fs.run("ln", &["-s", "nope", "y"]);
    assert_eq!(ran.status, 1);
    assert!(ran.stderr.starts_with(
        "ln: failed to create symbolic link 'y' -> 'nope': No such file or directory"
    ));
}
