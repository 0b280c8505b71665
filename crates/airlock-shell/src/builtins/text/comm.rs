//! `comm`: compare two sorted files line by line, in three columns.

use std::cmp::Ordering;

use super::{Body, OutBuf, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const COMM: Utility = Utility {
    name: "comm",
    help: "Usage: comm [OPTION]... FILE1 FILE2
Compare sorted files FILE1 and FILE2 line by line: lines only in FILE1, only in FILE2, and in both.
  -1                      suppress column 1 (lines unique to FILE1)
  -2                      suppress column 2 (lines unique to FILE2)
  -3                      suppress column 3 (lines that appear in both files)
  --check-order           check that the input is correctly sorted
  --nocheck-order         do not check that the input is correctly sorted
  --output-delimiter=STR  separate columns with STR
  --total                 output a summary
  -z, --zero-terminated   line delimiter is NUL, not newline
",
    run: comm,
};

/// Reads an operand whole and splits it into lines (without terminators).
pub(super) fn split_lines(data: &[u8], eol: u8) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == eol).collect();
    if data.last().is_none_or(|&b| b == eol) {
        lines.pop();
    }
    lines
}

/// GNU's default order check: on when asked, off when told, else only once a line has gone
/// unpaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CheckOrder {
    Default,
    Enabled,
    Disabled,
}

fn comm<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(comm_body(cx).await) })
}

async fn comm_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "123z",
        long: &[
            ("check-order", 'c', false),
            ("nocheck-order", 'C', false),
            ("output-delimiter", 'd', true),
            ("total", 't', false),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut hide = [false; 3];
    let (mut check, mut total, mut eol) = (CheckOrder::Default, false, b'\n');
    let mut delim = b"\t".to_vec();
    for opt in opts {
        match opt.flag {
            '1' => hide[0] = true,
            '2' => hide[1] = true,
            '3' => hide[2] = true,
            'c' => check = CheckOrder::Enabled,
            'C' => check = CheckOrder::Disabled,
            'd' => delim = opt.value.unwrap_or_default().into_bytes(),
            't' => total = true,
            'z' => eol = 0,
            _ => {}
        }
    }
    match operands.len() {
        0 => return Ok(cx.usage("missing operand").await),
        1 => {
            return Ok(cx
                .usage(format!("missing operand after '{}'", operands[0]))
                .await);
        }
        2 => {}
        _ => return Ok(cx.usage(format!("extra operand '{}'", operands[2])).await),
    }
    let mut data = Vec::new();
    for operand in &operands {
        match cx.read_operand(operand).await {
            Ok(d) => data.push(d),
            Err(e) => return Ok(cx.fail_fs(operand, &e).await),
        }
    }
    let files = [split_lines(&data[0], eol), split_lines(&data[1], eol)];
    let prefixes: [Vec<u8>; 3] = [
        Vec::new(),
        if hide[0] { Vec::new() } else { delim.clone() },
        [&delim[..], &delim[..]]
            .iter()
            .zip([hide[0], hide[1]])
            .filter(|(_, hidden)| !hidden)
            .flat_map(|(d, _)| d.iter().copied())
            .collect(),
    ];
    let mut counts = [0u64; 3];
    let mut pos = [0usize; 2];
    let mut seen_unpairable = false;
    let mut warned = [false; 2];
    let mut out = OutBuf::new();
    loop {
        let (a, b) = (files[0].get(pos[0]), files[1].get(pos[1]));
        let (column, advance): (usize, &[usize]) = match (a, b) {
            (None, None) => break,
            (Some(_), None) => (0, &[0]),
            (None, Some(_)) => (1, &[1]),
            (Some(x), Some(y)) => match x.cmp(y) {
                Ordering::Less => (0, &[0]),
                Ordering::Greater => (1, &[1]),
                Ordering::Equal => (2, &[0, 1]),
            },
        };
        if column != 2 {
            seen_unpairable = true;
        }
        counts[column] += 1;
        if !hide[column] {
            let line = if column == 1 { b } else { a };
            out.push(&prefixes[column]);
            out.push(line.map_or(&[][..], |l| l));
            out.buf.push(eol);
        }
        for &f in advance {
            pos[f] += 1;
            let checking =
                check == CheckOrder::Enabled || (check == CheckOrder::Default && seen_unpairable);
            if checking
                && !warned[f]
                && let (Some(prev), Some(cur)) = (files[f].get(pos[f] - 1), files[f].get(pos[f]))
                && prev > cur
            {
                warned[f] = true;
                out.flush(cx.stdout).await?;
                cx.fail(1, format!("file {} is not in sorted order", f + 1))
                    .await;
                if check == CheckOrder::Enabled {
                    return Ok(1);
                }
            }
        }
        out.drain(cx.stdout).await?;
    }
    if total {
        let d = String::from_utf8_lossy(&delim).into_owned();
        out.push(format!("{}{d}{}{d}{}{d}total", counts[0], counts[1], counts[2]).as_bytes());
        out.buf.push(eol);
    }
    out.flush(cx.stdout).await?;
    if warned.iter().any(|&w| w) {
        return Ok(cx.fail(1, "input is not in sorted order").await);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::run_on;

    fn sys() -> MemSystem {
        let sys = MemSystem::default();
        sys.write_file("/workspace/a", b"apple\nbanana\ncherry\n", false)
            .unwrap();
        sys.write_file("/workspace/b", b"banana\ncherry\ndate\n", false)
            .unwrap();
        sys
    }

    #[test]
    fn comm_three_columns() {
        let sys = sys();
        assert_eq!(
            run_on(&sys, "comm", &["a", "b"], "").stdout,
            "apple\n\t\tbanana\n\t\tcherry\n\tdate\n"
        );
        assert_eq!(
            run_on(&sys, "comm", &["-12", "a", "b"], "").stdout,
            "banana\ncherry\n"
        );
        assert_eq!(
            run_on(&sys, "comm", &["-23", "a", "b"], "").stdout,
            "apple\n"
        );
        assert_eq!(
            run_on(&sys, "comm", &["-13", "a", "-"], "banana\nzoo\n").stdout,
            "zoo\n"
        );
        assert_eq!(
            run_on(&sys, "comm", &["-1", "a", "b"], "").stdout,
            "\tbanana\n\tcherry\ndate\n"
        );
        assert_eq!(
            run_on(
                &sys,
                "comm",
                &["--output-delimiter=|", "--total", "a", "b"],
                ""
            )
            .stdout,
            "apple\n||banana\n||cherry\n|date\n1|1|2|total\n"
        );
    }

    #[test]
    fn comm_reports_unsorted_input() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/c1", b"1\n3\n", false).unwrap();
        sys.write_file("/workspace/c2", b"2\n1\n", false).unwrap();
        let r = run_on(&sys, "comm", &["c1", "c2"], "");
        assert_eq!(r.stdout, "1\n\t2\n\t1\n3\n");
        assert_eq!(
            r.stderr,
            "comm: file 2 is not in sorted order\ncomm: input is not in sorted order\n"
        );
        assert_eq!(r.status, 1);
        let r = run_on(&sys, "comm", &["c1", "nope"], "");
        assert_eq!(r.stderr, "comm: nope: No such file or directory\n");
        assert_eq!(run_on(&sys, "comm", &["c1"], "").status, 2);
    }
}
