use super::{Fs, NOW, check};

fn tree() -> Fs {
    Fs::with(&[
        ("b.txt", "hello\n"),
        ("a", ""),
        ("d/x", "x"),
        ("d/sub/", ""),
        (".hidden", "h"),
    ])
}

#[test]
fn one_name_per_line_sorted_without_hidden() {
    check(tree().run("ls", &[]), "a\nb.txt\nd\n", "", 0);
}

#[test]
fn sorting_is_bytewise_like_the_c_locale() {
    let fs = Fs::with(&[
        ("b", ""),
        ("B", ""),
        ("a", ""),
        ("_x", ""),
        ("10", ""),
        ("9", ""),
    ]);
    check(fs.run("ls", &[]), "10\n9\nB\n_x\na\nb\n", "", 0);
}

#[test]
fn all_and_almost_all() {
    let fs = tree();
    check(
        fs.run("ls", &["-a"]),
        ".\n..\n.hidden\na\nb.txt\nd\n",
        "",
        0,
    );
    check(fs.run("ls", &["-A"]), ".hidden\na\nb.txt\nd\n", "", 0);
}

#[test]
fn long_format_like_gnu() {
    let fs = tree();
    fs.sys.vfs_mut().set_readonly("/workspace/a").unwrap();
    let expected = "total 8
-r--r--r-- 1 sandbox sandbox    0 Jan  1 00:00 a
-rw-r--r-- 1 sandbox sandbox    6 Jan  1 00:00 b.txt
drwxr-xr-x 3 sandbox sandbox 4096 Jan  1 00:00 d
";
    check(fs.run("ls", &["-l"]), expected, "", 0);
}

#[test]
fn long_format_of_old_files_shows_the_year() {
    let fs = Fs::new();
    fs.at(NOW - 400 * 86_400_000);
    fs.add("old", "x");
    fs.at(NOW);
    check(
        fs.run("ls", &["-l", "old"]),
        "-rw-r--r-- 1 sandbox sandbox 1 Nov 28  2023 old\n",
        "",
        0,
    );
}

#[test]
fn long_variants() {
    let fs = Fs::with(&[("f", "abc")]);
    check(
        fs.run("ls", &["-n", "f"]),
        "-rw-r--r-- 1 1000 1000 3 Jan  1 00:00 f\n",
        "",
        0,
    );
    check(
        fs.run("ls", &["-g", "f"]),
        "-rw-r--r-- 1 sandbox 3 Jan  1 00:00 f\n",
        "",
        0,
    );
    check(
        fs.run("ls", &["-lG", "f"]),
        "-rw-r--r-- 1 sandbox 3 Jan  1 00:00 f\n",
        "",
        0,
    );
    check(
        fs.run("ls", &["--full-time", "f"]),
        "-rw-r--r-- 1 sandbox sandbox 3 2025-01-01 00:00:00.000000000 +0000 f\n",
        "",
        0,
    );
}

#[test]
fn human_sizes_and_blocks() {
    let fs = Fs::with(&[("big", &"y".repeat(5000)), ("small", "s")]);
    check(
        fs.run("ls", &["-lh"]),
        "total 12K\n-rw-r--r-- 1 sandbox sandbox 4.9K Jan  1 00:00 big\n-rw-r--r-- 1 sandbox sandbox    1 Jan  1 00:00 small\n",
        "",
        0,
    );
    check(fs.run("ls", &["-s"]), "total 12\n8 big\n4 small\n", "", 0);
}

#[test]
fn sort_by_size_time_and_reverse() {
    let fs = Fs::new();
    fs.at(NOW - 3000);
    fs.add("mid", "12");
    fs.at(NOW - 2000);
    fs.add("new", "1");
    fs.at(NOW - 4000);
    fs.add("old", "123");
    fs.at(NOW);
    check(fs.run("ls", &["-S"]), "old\nmid\nnew\n", "", 0);
    check(fs.run("ls", &["-t"]), "new\nmid\nold\n", "", 0);
    check(fs.run("ls", &["-tr"]), "old\nmid\nnew\n", "", 0);
    check(fs.run("ls", &["-r"]), "old\nnew\nmid\n", "", 0);
}

#[test]
fn classify_and_directory() {
    let fs = tree();
    check(fs.run("ls", &["-F"]), "a\nb.txt\nd/\n", "", 0);
    check(fs.run("ls", &["-d", "d"]), "d\n", "", 0);
    check(fs.run("ls", &["-d"]), ".\n", "", 0);
    check(
        fs.run("ls", &["-ld", "d"]),
        "drwxr-xr-x 3 sandbox sandbox 4096 Jan  1 00:00 d\n",
        "",
        0,
    );
}

#[test]
fn file_operand_columns_are_sized_with_the_directories() {
    let fs = tree();
    check(
        fs.run("ls", &["-l", "b.txt", "d"]),
        "-rw-r--r-- 1 sandbox sandbox    6 Jan  1 00:00 b.txt\n\nd:\ntotal 8\ndrwxr-xr-x 2 sandbox sandbox 4096 Jan  1 00:00 sub\n-rw-r--r-- 1 sandbox sandbox    1 Jan  1 00:00 x\n",
        "",
        0,
    );
    check(fs.run("ls", &["-dF", "d/"]), "d//\n", "", 0);
}

#[test]
fn recursive_has_headers() {
    let fs = tree();
    check(
        fs.run("ls", &["-R"]),
        ".:\na\nb.txt\nd\n\n./d:\nsub\nx\n\n./d/sub:\n",
        "",
        0,
    );
    check(fs.run("ls", &["-R", "d"]), "d:\nsub\nx\n\nd/sub:\n", "", 0);
}

#[test]
fn several_operands_files_first_then_headed_dirs() {
    let fs = tree();
    check(
        fs.run("ls", &["d", "b.txt", "a"]),
        "a\nb.txt\n\nd:\nsub\nx\n",
        "",
        0,
    );
    check(
        fs.run("ls", &["d/sub", "d"]),
        "d:\nsub\nx\n\nd/sub:\n",
        "",
        0,
    );
}

#[test]
fn missing_operand_is_status_2_and_others_still_listed() {
    let fs = tree();
    check(
        fs.run("ls", &["a", "nope", "d"]),
        "a\n\nd:\nsub\nx\n",
        "ls: cannot access 'nope': No such file or directory\n",
        2,
    );
}

#[test]
fn operands_keep_their_spelling() {
    let fs = tree();
    check(
        fs.run("ls", &["/workspace/a", "./b.txt"]),
        "./b.txt\n/workspace/a\n",
        "",
        0,
    );
}

#[test]
fn dot_entries_in_long_listing() {
    let fs = Fs::with(&[("d/f", "1")]);
    let out = fs.run("ls", &["-la", "d"]).stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "total 12");
    assert!(lines[1].starts_with("drwxr-xr-x 2 sandbox sandbox 4096 ") && lines[1].ends_with(" ."));
    assert!(lines[2].ends_with(" .."));
    assert!(lines[3].ends_with(" f"));
}

#[test]
fn bad_option_and_unsupported_columns() {
    let fs = tree();
    let ran = fs.run("ls", &["-Z"]);
    assert_eq!(ran.status, 2);
    assert_eq!(
        ran.stderr,
        "ls: invalid option -- 'Z'\nTry 'ls --help' for more information.\n"
    );
    let ran = fs.run("ls", &["-C"]);
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.contains("-C is not supported"));
}

#[test]
fn color_and_group_directories_first() {
    let fs = tree();
    check(
        fs.run("ls", &["--color=auto", "--group-directories-first"]),
        "d\na\nb.txt\n",
        "",
        0,
    );
    check(fs.run("ls", &["--color"]), "a\nb.txt\nd\n", "", 0);
}

#[test]
fn a_big_directory() {
    let fs = Fs::new();
    for i in 0..2000 {
        fs.add(&format!("many/f{i:05}"), "x");
    }
    let ran = fs.run("ls", &["-l", "many"]);
    assert_eq!(ran.status, 0);
    assert_eq!(ran.stdout.lines().count(), 2001);
    assert!(ran.stdout.lines().nth(1).unwrap().ends_with(" f00000"));
}
