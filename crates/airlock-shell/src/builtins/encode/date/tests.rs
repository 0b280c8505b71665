//! Expected outputs from GNU coreutils 9.1 `date` with TZ=UTC; the test clock is
//! 2025-01-01 00:00:00 UTC.

use crate::system::MemSystem;
use crate::testing::{run, run_on};

fn date(args: &[&str]) -> String {
    let r = run("date", args, "");
    assert_eq!(r.status, 0, "date {args:?}: {}", r.stderr);
    r.stdout
}

#[test]
fn output_formats() {
    assert_eq!(date(&[]), "Wed Jan  1 00:00:00 UTC 2025\n");
    assert_eq!(date(&["-R"]), "Wed, 01 Jan 2025 00:00:00 +0000\n");
    assert_eq!(date(&["-I"]), "2025-01-01\n");
    assert_eq!(date(&["-Iseconds"]), "2025-01-01T00:00:00+00:00\n");
    assert_eq!(date(&["--iso-8601=minutes"]), "2025-01-01T00:00+00:00\n");
    assert_eq!(date(&["-Ins"]), "2025-01-01T00:00:00,000000000+00:00\n");
    assert_eq!(date(&["--iso-8601=hours"]), "2025-01-01T00+00:00\n");
    assert_eq!(date(&["--rfc-3339=seconds"]), "2025-01-01 00:00:00+00:00\n");
    assert_eq!(
        date(&["--rfc-3339=ns"]),
        "2025-01-01 00:00:00.000000000+00:00\n"
    );
    assert_eq!(date(&["-u", "+%s"]), "1735689600\n");
    assert_eq!(date(&["+%F %T"]), "2025-01-01 00:00:00\n");
    assert_eq!(date(&["+%Y%m%d-%H%M%S"]), "20250101-000000\n");
    assert_eq!(date(&["+%s%3N"]), "1735689600000\n");
}

#[test]
fn dates_from_strings_and_files() {
    assert_eq!(
        date(&["-d", "@1700000000"]),
        "Tue Nov 14 22:13:20 UTC 2023\n"
    );
    assert_eq!(
        date(&["--date=2024-02-29T12:34:56+02:00", "-u"]),
        "Thu Feb 29 10:34:56 UTC 2024\n"
    );
    assert_eq!(date(&["-d", "yesterday", "+%F"]), "2024-12-31\n");
    assert_eq!(date(&["-d", "2 days ago", "+%A"]), "Monday\n");
    let sys = MemSystem::default();
    sys.set_now_ms(1_000_000);
    assert_eq!(run_on(&sys, "date", &["+%s"], "").stdout, "1000\n");
}

#[test]
fn errors() {
    let r = run("date", &["-d", "foo"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "date: invalid date 'foo'\n")
    );
    let r = run("date", &["foo"], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "date: invalid date 'foo'\n")
    );
    let r = run("date", &["-s", "2020-01-01"], "");
    assert_eq!(r.status, 1);
    assert_eq!(run("date", &["--bogus"], "").status, 1);
    assert_eq!(
        run("date", &["-r", "nofile"], "").stderr,
        "date: nofile: No such file or directory\n"
    );
    assert_eq!(run("date", &["+%s", "+%F"], "").status, 1);
}
