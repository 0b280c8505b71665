//! `touch`, `stat`, `du`, `mktemp`.

use super::{Fs, NOW, System, check};

#[test]
fn touch_creates_and_updates_the_time() {
    let fs = Fs::with(&[("old", "keep")]);
    fs.at(NOW + 60_000);
    check(fs.run("touch", &["old", "new"]), "", "", 0);
    assert_eq!(fs.read("old"), "keep");
    assert_eq!(fs.read("new"), "");
    let info = fs.sys.stat("/workspace/old").unwrap();
    assert_eq!(info.mtime_ms, NOW + 60_000);
}

#[test]
fn touch_no_create_and_errors() {
    let fs = Fs::with(&[("ro", "")]);
    check(fs.run("touch", &["-c", "nope"]), "", "", 0);
    assert!(!fs.exists("nope"));
    check(
        fs.run("touch", &["nodir/x"]),
        "",
        "touch: cannot touch 'nodir/x': No such file or directory\n",
        1,
    );
    fs.sys.vfs_mut().set_readonly("/workspace/ro").unwrap();
    check(
        fs.run("touch", &["ro"]),
        "",
        "touch: cannot touch 'ro': Permission denied\n",
        1,
    );
    let ran = fs.run("touch", &["-d", "yesterday", "x"]);
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.starts_with("touch: option -d is not supported"));
    check(
        fs.run("touch", &[]),
        "",
        "touch: missing file operand\nTry 'touch --help' for more information.\n",
        2,
    );
}

#[test]
fn stat_default_format() {
    let fs = Fs::with(&[("a", "hello\n")]);
    let ran = fs.run("stat", &["a"]);
    assert_eq!(ran.status, 0);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines[0], "  File: a");
    assert_eq!(
        lines[1],
        "  Size: 6         \tBlocks: 8          IO Block: 4096   regular file"
    );
    assert!(lines[2].starts_with("Device: 0,0\tInode: "));
    assert!(lines[2].ends_with("  Links: 1"));
    assert_eq!(
        lines[3],
        "Access: (0644/-rw-r--r--)  Uid: ( 1000/ sandbox)   Gid: ( 1000/ sandbox)"
    );
    assert_eq!(lines[4], "Access: 2025-01-01 00:00:00.000000000 +0000");
    assert_eq!(lines[5], "Modify: 2025-01-01 00:00:00.000000000 +0000");
    assert_eq!(lines[6], "Change: 2025-01-01 00:00:00.000000000 +0000");
    assert_eq!(lines[7], " Birth: -");
}

#[test]
fn stat_formats() {
    let fs = Fs::with(&[("a", "hello\n"), ("e", ""), ("d/sub/", "")]);
    check(
        fs.run("stat", &["-c", "%n %s %F %Y %a %A %U %h %b", "a", "e", "d"]),
        "a 6 regular file 1735689600 644 -rw-r--r-- sandbox 1 8\ne 0 regular empty file 1735689600 644 -rw-r--r-- sandbox 1 0\nd 4096 directory 1735689600 755 drwxr-xr-x sandbox 3 8\n",
        "",
        0,
    );
    check(
        fs.run("stat", &["--format=%y|%N|%-4s|%04a|%Q", "a"]),
        "2025-01-01 00:00:00.000000000 +0000|'a'|6   |0644|?\n",
        "",
        0,
    );
    check(
        fs.run("stat", &["--printf=%s\\t%n\\n", "a"]),
        "6\ta\n",
        "",
        0,
    );
    let a = fs.run("stat", &["-c", "%i", "a"]).stdout;
    let e = fs.run("stat", &["-c", "%i", "e"]).stdout;
    assert_ne!(a, e);
}

#[test]
fn stat_errors() {
    let fs = Fs::with(&[("a", "")]);
    check(
        fs.run("stat", &["nope", "a", "-c", "%n"]),
        "a\n",
        "stat: cannot statx 'nope': No such file or directory\n",
        1,
    );
    check(
        fs.run("stat", &[]),
        "",
        "stat: missing operand\nTry 'stat --help' for more information.\n",
        2,
    );
}

/// The GNU numbers for this tree (on ext4: 4 KiB blocks, 4096-byte directories).
fn sized() -> Fs {
    Fs::with(&[
        ("d/x", "x"),
        ("d/sub/y", &"y".repeat(5000)),
        ("d/empty", ""),
        ("top", "t"),
    ])
}

#[test]
fn du_counts_blocks_like_gnu() {
    let fs = sized();
    check(fs.run("du", &["d"]), "12\td/sub\n20\td\n", "", 0);
    check(
        fs.run("du", &["-a", "d"]),
        "0\td/empty\n8\td/sub/y\n12\td/sub\n4\td/x\n20\td\n",
        "",
        0,
    );
    check(fs.run("du", &["-s", "d", "top"]), "20\td\n4\ttop\n", "", 0);
    check(
        fs.run("du", &["-sc", "d", "top"]),
        "20\td\n4\ttop\n24\ttotal\n",
        "",
        0,
    );
    check(fs.run("du", &["-sh", "d"]), "20K\td\n", "", 0);
    check(fs.run("du", &["-d", "0", "."]), "28\t.\n", "", 0);
    check(fs.run("du", &["--max-depth=1"]), "20\t./d\n28\t.\n", "", 0);
}

#[test]
fn du_apparent_sizes() {
    let fs = sized();
    // 4096 (d) + 4096 (sub) + 5000 + 1 bytes, rounded up once.
    check(
        fs.run("du", &["-s", "--apparent-size", "d"]),
        "13\td\n",
        "",
        0,
    );
    check(fs.run("du", &["-sb", "d"]), "13193\td\n", "", 0);
    check(fs.run("du", &["-b", "top"]), "1\ttop\n", "", 0);
}

#[test]
fn du_errors_and_exclude() {
    let fs = sized();
    check(
        fs.run("du", &["nope"]),
        "",
        "du: cannot access 'nope': No such file or directory\n",
        1,
    );
    check(fs.run("du", &["-s", "--exclude=sub", "d"]), "8\td\n", "", 0);
    let ran = fs.run("du", &["-sa"]);
    assert_eq!(ran.status, 2);
}

#[test]
fn mktemp_files_and_directories() {
    let fs = Fs::new();
    let ran = fs.run("mktemp", &[]);
    assert_eq!(ran.status, 0);
    let name = ran.stdout.trim_end();
    assert!(
        name.starts_with("/tmp/tmp.") && name.len() == "/tmp/tmp.".len() + 10,
        "{name}"
    );
    assert!(fs.sys.stat(name).is_ok_and(|i| !i.is_dir));

    let ran = fs.run("mktemp", &["-d"]);
    assert!(fs.sys.stat(ran.stdout.trim_end()).is_ok_and(|i| i.is_dir));

    let ran = fs.run(
        "mktemp",
        &["-p", "/workspace", "job.XXXXXX", "--suffix=.log"],
    );
    let name = ran.stdout.trim_end();
    assert!(
        name.starts_with("/workspace/job.") && name.ends_with(".log"),
        "{name}"
    );
    assert!(fs.sys.stat(name).is_ok());

    let ran = fs.run("mktemp", &["local.XXX"]);
    let name = ran.stdout.trim_end();
    assert!(name.starts_with("local.") && name.len() == 9, "{name}");
    assert!(fs.exists(name));

    let ran = fs.run("mktemp", &["-t", "foo.XXXX"]);
    assert!(ran.stdout.starts_with("/tmp/foo."));

    let ran = fs.run("mktemp", &["-u"]);
    assert!(fs.sys.stat(ran.stdout.trim_end()).is_err());
}

#[test]
fn mktemp_errors() {
    let fs = Fs::new();
    check(
        fs.run("mktemp", &["foo"]),
        "",
        "mktemp: too few X's in template 'foo'\n",
        1,
    );
    check(fs.run("mktemp", &["-q", "foo"]), "", "", 1);
    let ran = fs.run("mktemp", &["nodir/x.XXX"]);
    assert_eq!(ran.status, 1);
    assert!(
        ran.stderr
            .starts_with("mktemp: failed to create file via template 'nodir/x.XXX': No such file")
    );
}
