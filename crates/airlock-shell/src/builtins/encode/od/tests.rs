//! Expected outputs come from GNU coreutils 9.1 `od` on the same bytes.

use crate::system::{MemSystem, System};
use crate::testing::{run, run_on};

const INPUT: &[u8] = b"Hello, World!\n\x00\x01\xff\x7f abc";

fn check(args: &[&str], want: &str) {
    let sys = MemSystem::default();
    sys.write_file("/workspace/od.in", INPUT, false).unwrap();
    let mut argv = args.to_vec();
    argv.push("od.in");
    let r = run_on(&sys, "od", &argv, "");
    assert_eq!(r.stdout, want, "od {args:?}");
    assert_eq!(r.status, 0);
}

#[test]
fn formats_match_gnu() {
    check(
        &[],
        "0000000 062510 066154 026157 053440 071157 062154 005041 000400\n0000020 077777 060440 061542\n0000026\n",
    );
    check(
        &["-c"],
        "0000000   H   e   l   l   o   ,       W   o   r   l   d   !  \\n  \\0 001\n0000020 377 177       a   b   c\n0000026\n",
    );
    check(
        &["-t", "x1"],
        "0000000 48 65 6c 6c 6f 2c 20 57 6f 72 6c 64 21 0a 00 01\n0000020 ff 7f 20 61 62 63\n0000026\n",
    );
    check(
        &["-A", "x", "-t", "x1z"],
        "000000 48 65 6c 6c 6f 2c 20 57 6f 72 6c 64 21 0a 00 01  >Hello, World!...<\n000010 ff 7f 20 61 62 63                                >.. abc<\n000016\n",
    );
    check(
        &["-t", "d1", "-t", "c"],
        "0000000   72  101  108  108  111   44   32   87  111  114  108  100   33   10    0    1\n           H    e    l    l    o    ,         W    o    r    l    d    !   \\n   \\0  001\n0000020   -1  127   32   97   98   99\n         377  177         a    b    c\n0000026\n",
    );
    check(
        &["-t", "x2", "-t", "o1", "-A", "d"],
        "0000000    6548    6c6c    2c6f    5720    726f    646c    0a21    0100\n        110 145 154 154 157 054 040 127 157 162 154 144 041 012 000 001\n0000016    7fff    6120    6362\n        377 177 040 141 142 143\n0000022\n",
    );
    check(
        &["-t", "a"],
        "0000000   H   e   l   l   o   ,  sp   W   o   r   l   d   !  nl nul soh\n0000020 del del  sp   a   b   c\n0000026\n",
    );
    check(
        &["-An", "-t", "u1", "-N", "5", "-j", "2"],
        " 108 108 111  44  32\n",
    );
    check(
        &["-t", "d2", "-t", "x4"],
        "0000000  25928  27756  11375  22304  29295  25708   2593    256\n             6c6c6548      57202c6f      646c726f      01000a21\n0000020  32767  24864  25442\n             61207fff      00006362\n0000026\n",
    );
    check(
        &["-x"],
        "0000000 6548 6c6c 2c6f 5720 726f 646c 0a21 0100\n0000020 7fff 6120 6362\n0000026\n",
    );
    check(
        &["-t", "x8"],
        "0000000 57202c6f6c6c6548 01000a21646c726f\n0000020 0000636261207fff\n0000026\n",
    );
    check(
        &["-t", "u2", "-t", "d4"],
        "0000000 25928 27756 11375 22304 29295 25708  2593   256\n         1819043144  1461726319  1684828783    16779809\n0000020 32767 24864 25442\n         1629519871       25442\n0000026\n",
    );
    check(
        &["-An", "-t", "x1", "-w8"],
        " 48 65 6c 6c 6f 2c 20 57\n 6f 72 6c 64 21 0a 00 01\n ff 7f 20 61 62 63\n",
    );
    check(&["-b", "-N", "3"], "0000000 110 145 154\n0000003\n");
    check(
        &["-s", "-i"],
        "0000000  25928  27756  11375  22304  29295  25708   2593    256\n           1819043144    1461726319    1684828783      16779809\n0000020  32767  24864  25442\n           1629519871         25442\n0000026\n",
    );
}

#[test]
fn repeated_lines_collapse_unless_v() {
    let input = format!("{}b", "a".repeat(69));
    let r = run("od", &["-c"], &input);
    assert_eq!(
        r.stdout,
        "0000000   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a   a\n\
         *\n\
         0000100   a   a   a   a   a   b\n\
         0000106\n"
    );
    let r = run("od", &["-v", "-An", "-c"], &"a".repeat(33));
    assert_eq!(r.stdout.lines().count(), 3);
}

#[test]
fn empty_input_and_errors() {
    assert_eq!(run("od", &[], "").stdout, "0000000\n");
    let r = run("od", &["-t", "z"], "");
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr, "od: invalid character 'z' in type string 'z'\n");
    let r = run("od", &["-j", "5"], "abc");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "od: cannot skip past end of combined input\n")
    );
    let r = run("od", &["nofile"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "od: nofile: No such file or directory\n")
    );
    assert_eq!(run("od", &["--bogus"], "").status, 1);
}

#[test]
fn large_input_streams() {
    let input = (0..100_000).map(|i| format!("{i}\n")).collect::<String>();
    let r = run("od", &["-An", "-v", "-t", "x1"], &input);
    assert_eq!(r.stdout.lines().count(), input.len().div_ceil(16));
}
