//! Expected outputs come from bash 5.2's builtin `printf`.

use crate::testing::run;

fn printf(args: &[&str]) -> String {
    let r = run("printf", args, "");
    assert_eq!(r.status, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

#[test]
fn strings_with_width_and_precision() {
    assert_eq!(
        printf(&["%s|%5s|%-5s|%.2s|\n", "abc", "de", "fg", "hijk"]),
        "abc|   de|fg   |hi|\n"
    );
    assert_eq!(printf(&["%10.4s|\n", "abcdefg"]), "      abcd|\n");
    assert_eq!(
        printf(&["%05s|%+s|%#s\n", "ab", "cd", "ef"]),
        "   ab|cd|ef\n"
    );
    assert_eq!(printf(&["%s\n", "a\\nb"]), "a\\nb\n");
}

#[test]
fn integers() {
    assert_eq!(
        printf(&[
            "%d %i %u %x %X %o %c\n",
            "42",
            "-3",
            "-1",
            "255",
            "255",
            "8",
            "hello"
        ]),
        "42 -3 18446744073709551615 ff FF 10 h\n"
    );
    assert_eq!(
        printf(&[
            "%#x %#o %+d % d %05d %-5d| %x\n",
            "255",
            "8",
            "5",
            "5",
            "42",
            "42",
            "'a"
        ]),
        "0xff 010 +5  5 00042 42   | 61\n"
    );
    assert_eq!(
        printf(&["%-+5d|%+-5d|%+05d|% 05d|%- 5d|\n", "3", "3", "3", "3", "3"]),
        "+3   |+3   |+0003| 0003| 3   |\n"
    );
    assert_eq!(
        printf(&["%5.0d|%.0d|%#x|%#.0o\n", "0", "0", "0", "0"]),
        "     ||0|0\n"
    );
    assert_eq!(
        printf(&["%d\n", "0x1F", "010", "-0x10", "+7", " 5"]),
        "31\n8\n-16\n7\n5\n"
    );
    assert_eq!(
        printf(&["%lu %ld %hd %lld\n", "5", "6", "7", "8"]),
        "5 6 7 8\n"
    );
}

#[test]
fn floats() {
    assert_eq!(
        printf(&[
            "%5.2f|%e|%g|%g|%g|%G\n",
            "3.14159",
            "12345.678",
            "0.0001",
            "123456789",
            "100",
            "1e-10"
        ]),
        " 3.14|1.234568e+04|0.0001|1.23457e+08|100|1E-10\n"
    );
    assert_eq!(
        printf(&[
            "%.3d|%8.3f|%-8.3e|%08.3f\n",
            "5",
            "3.14159",
            "3.14159",
            "-3.14159"
        ]),
        "005|   3.142|3.142e+00|-003.142\n"
    );
    assert_eq!(
        printf(&["%.0f %.0f %.0f\n", "0.5", "1.5", "2.5"]),
        "0 2 2\n"
    );
    assert_eq!(printf(&["%.2f %.3f\n", "0x10", "1e2"]), "16.00 100.000\n");
    assert_eq!(printf(&["%f %e\n", "inf", "nan"]), "inf nan\n");
}

#[test]
fn star_width_and_precision() {
    assert_eq!(
        printf(&["%*d|%-*d|\n", "5", "1", "4", "2"]),
        "    1|2   |\n"
    );
    assert_eq!(
        printf(&["%*s|%.*f|\n", "-4", "a", "2", "3.14159"]),
        "a   |3.14|\n"
    );
}

#[test]
fn format_is_reused_and_missing_args_are_empty() {
    assert_eq!(printf(&["%s\n", "a", "b", "c"]), "a\nb\nc\n");
    assert_eq!(printf(&["%s %s\n", "a", "b", "c"]), "a b\nc \n");
    assert_eq!(printf(&["x\n", "a", "b"]), "x\n");
    assert_eq!(printf(&["%d %s|\n"]), "0 |\n");
    assert_eq!(printf(&["%s %d\n", "1", "2", "3"]), "1 2\n3 0\n");
    assert_eq!(printf(&["%s|%10s|%.s|\n"]), "|          ||\n");
}

#[test]
fn escapes_and_percent_b() {
    assert_eq!(printf(&["A\\101\\x42\\c q\\n"]), "AAB\\c q\n");
    assert_eq!(printf(&["%b\n", "a\\tb\\101\\0102"]), "a\tbAB\n");
    assert_eq!(printf(&["%b|", "x\\cy", "z"]), "x");
    assert_eq!(printf(&["%5b|%-4b|\n", "a\\n", "x"]), "   a\n|x   |\n");
    assert_eq!(printf(&["100%%\n"]), "100%\n");
    assert_eq!(printf(&["\\u263a\n"]), "☺\n");
}

#[test]
fn percent_q() {
    assert_eq!(printf(&["%q\n", "a b", "it's", ""]), "a\\ b\nit\\'s\n''\n");
    assert_eq!(printf(&["%-5q|%5q|\n", "a b", "x"]), "a\\ b |    x|\n");
}

#[test]
fn invalid_numbers_print_what_parsed_and_fail() {
    let r = run("printf", &["%d\n", "abc"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("0\n", 1));
    assert_eq!(r.stderr, "printf: abc: invalid number\n");
    let r = run("printf", &["%d\n", "12abc"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("12\n", 1));
    let r = run("printf", &["%x\n", "1.5"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("1\n", 1));
    let r = run("printf", &["%d\n", "99999999999999999999"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("9223372036854775807\n", 0));
    assert_eq!(
        r.stderr,
        "printf: warning: 99999999999999999999: Numerical result out of range\n"
    );
}

#[test]
fn bad_formats_and_usage() {
    let r = run("printf", &["ab%yc"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("ab", 1));
    assert_eq!(r.stderr, "printf: `y': invalid format character\n");
    let r = run("printf", &["a%5"], "");
    assert_eq!((r.stdout.as_str(), r.status), ("a", 1));
    assert_eq!(r.stderr, "printf: `%5': missing format character\n");
    let r = run("printf", &[], "");
    assert_eq!(r.status, 2);
    assert_eq!(
        r.stderr,
        "printf: usage: printf [-v var] format [arguments]\n"
    );
    let r = run("printf", &["-x"], "");
    assert_eq!(r.status, 2);
    assert!(r.stderr.starts_with("printf: -x: invalid option\n"));
    assert_eq!(printf(&["--", "%s\n", "x"]), "x\n");
    let r = run("printf", &["--help"], "");
    assert!(r.stdout.starts_with("Usage: printf"));
}
