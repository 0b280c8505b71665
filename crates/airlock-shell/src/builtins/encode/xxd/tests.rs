//! Expected outputs come from xxd 2022-01-14 on the same bytes.

use super::reverse::reverse;
use crate::system::{MemSystem, System};
use crate::testing::{run, run_on};

const INPUT: &[u8] = b"Hello, World!\n\x00\x01\xff\x7f abc";

fn check(args: &[&str], want: &str) {
    let sys = MemSystem::default();
    sys.write_file("/workspace/od.in", INPUT, false).unwrap();
    let mut argv = args.to_vec();
    argv.push("od.in");
    let r = run_on(&sys, "xxd", &argv, "");
    assert_eq!(r.stdout, want, "xxd {args:?}");
    assert_eq!(r.status, 0);
}

#[test]
fn dumps_match_xxd() {
    check(
        &[],
        "00000000: 4865 6c6c 6f2c 2057 6f72 6c64 210a 0001  Hello, World!...\n00000010: ff7f 2061 6263                           .. abc\n",
    );
    check(&["-p"], "48656c6c6f2c20576f726c64210a0001ff7f20616263\n");
    check(
        &["-g1", "-c8"],
        "00000000: 48 65 6c 6c 6f 2c 20 57  Hello, W\n00000008: 6f 72 6c 64 21 0a 00 01  orld!...\n00000010: ff 7f 20 61 62 63        .. abc\n",
    );
    check(
        &["-g", "4"],
        "00000000: 48656c6c 6f2c2057 6f726c64 210a0001  Hello, World!...\n00000010: ff7f2061 6263                        .. abc\n",
    );
    check(
        &["-l", "5", "-s", "2"],
        "00000002: 6c6c 6f2c 20                             llo, \n",
    );
    check(
        &["-u"],
        "00000000: 4865 6C6C 6F2C 2057 6F72 6C64 210A 0001  Hello, World!...\n00000010: FF7F 2061 6263                           .. abc\n",
    );
    check(
        &["-c", "5", "-g", "3"],
        "00000000: 48656c 6c6f  Hello\n00000005: 2c2057 6f72  , Wor\n0000000a: 6c6421 0a00  ld!..\n0000000f: 01ff7f 2061  ... a\n00000014: 6263         bc\n",
    );
    check(
        &["-g", "0"],
        "00000000: 48656c6c6f2c20576f726c64210a0001  Hello, World!...\n00000010: ff7f20616263                      .. abc\n",
    );
    check(
        &["-s", "-3"],
        "00000013: 6162 63                                  abc\n",
    );
    check(
        &["-c", "40"],
        "00000000: 4865 6c6c 6f2c 2057 6f72 6c64 210a 0001 ff7f 2061 6263                                               Hello, World!..... abc\n",
    );
    check(
        &["-b", "-c4"],
        "00000000: 01001000 01100101 01101100 01101100  Hell\n00000004: 01101111 00101100 00100000 01010111  o, W\n00000008: 01101111 01110010 01101100 01100100  orld\n0000000c: 00100001 00001010 00000000 00000001  !...\n00000010: 11111111 01111111 00100000 01100001  .. a\n00000014: 01100010 01100011                    bc\n",
    );
    check(
        &["-i"],
        "unsigned char od_in[] = {\n  0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x57, 0x6f, 0x72, 0x6c, 0x64,\n  0x21, 0x0a, 0x00, 0x01, 0xff, 0x7f, 0x20, 0x61, 0x62, 0x63\n};\nunsigned int od_in_len = 22;\n",
    );
    check(
        &["-l", "0x3"],
        "00000000: 4865 6c                                  Hel\n",
    );
    check(
        &["-cols", "6", "-len", "7"],
        "00000000: 4865 6c6c 6f2c  Hello,\n00000006: 20               \n",
    );
    check(
        &["-ps", "-c", "4"],
        "48656c6c\n6f2c2057\n6f726c64\n210a0001\nff7f2061\n6263\n",
    );
}

#[test]
fn stdin_include_has_no_name() {
    assert_eq!(run("xxd", &["-i"], "AB").stdout, "  0x41, 0x42\n");
    assert_eq!(run("xxd", &[], "").stdout, "");
}

#[test]
fn reverses_plain_and_normal_dumps() {
    let dump = run_on(
        &MemSystem::default(),
        "xxd",
        &[],
        "Hello, World!\nagain and again\n",
    )
    .stdout;
    assert_eq!(
        reverse(dump.as_bytes(), false, None, 0).unwrap(),
        b"Hello, World!\nagain and again\n"
    );
    let grouped = "00000000: 48 65 6c 6c 6f 2c 20 57  Hello, W\n00000008: 6f 72  or\n";
    assert_eq!(
        reverse(grouped.as_bytes(), false, Some(8), 0).unwrap(),
        b"Hello, Wor"
    );
    // Gaps between offsets are zero-filled.
    assert_eq!(
        reverse(b"00000004: 4142\n", false, None, 0).unwrap(),
        b"\0\0\0\0AB"
    );
    // In plain mode whitespace is skipped and garbage ends the line.
    assert_eq!(reverse(b"4142 43zz44\n45", true, None, 0).unwrap(), b"ABCE");
    assert_eq!(run("xxd", &["-r", "-p"], "68656c6c6f0a").stdout, "hello\n");
    assert_eq!(run("xxd", &["-rp"], "6869").stdout, "hi");
}

#[test]
fn round_trip_through_files() {
    let sys = MemSystem::default();
    let data: Vec<u8> = (0..=255u8).collect();
    sys.write_file("/workspace/bin", &data, false).unwrap();
    assert_eq!(run_on(&sys, "xxd", &["bin", "dump"], "").status, 0);
    assert_eq!(run_on(&sys, "xxd", &["-r", "dump", "back"], "").status, 0);
    assert_eq!(sys.read_file("/workspace/back").unwrap(), data);
}

#[test]
fn errors() {
    let r = run("xxd", &["nofile"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (2, "xxd: nofile: No such file or directory\n")
    );
    let r = run("xxd", &["-c", "300"], "x");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "xxd: invalid number of columns (max. 256).\n")
    );
    assert_eq!(run("xxd", &["-Z"], "").status, 1);
    assert_eq!(run("xxd", &["-l", "zz"], "").status, 1);
}
