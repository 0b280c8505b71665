//! `sleep`: wait on the sandbox's clock for the sum of the given intervals.

use crate::builtins::args::{Spec, parse};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const SLEEP: Utility = Utility {
    name: "sleep",
    help: "Usage: sleep NUMBER[SUFFIX]...\n\
Pause for the sum of the intervals. NUMBER may have decimals; SUFFIX is s (seconds, the\n\
default), m (minutes), h (hours) or d (days).\n",
    run: sleep,
};

/// Milliseconds in `arg` (`1.5`, `2m`, `0.5h`), or `None` if it is not an interval.
fn interval(arg: &str) -> Option<f64> {
    let (number, unit) = match arg.as_bytes().last()? {
        b's' => (&arg[..arg.len() - 1], 1.0),
        b'm' => (&arg[..arg.len() - 1], 60.0),
        b'h' => (&arg[..arg.len() - 1], 3600.0),
        b'd' => (&arg[..arg.len() - 1], 86_400.0),
        _ => (arg, 1.0),
    };
    // Rust's float parser also takes `inf`, `nan` and `1e3`; only plain decimals are intervals.
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    Some(value * unit * 1000.0)
}

fn sleep<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let spec = Spec {
            short: "",
            long: &[],
            stop_at_operand: false,
        };
        let operands = match parse(&cx.args, spec) {
            Ok((_, operands)) => operands,
            Err(e) => return super::usage(cx, e, 1).await,
        };
        if operands.is_empty() {
            return super::usage(cx, "missing operand", 1).await;
        }
        let mut total = 0.0;
        for arg in &operands {
            if arg.starts_with("inf") {
                return cx
                    .fail(
                        1,
                        format!("'{arg}': sleeping forever is not supported here"),
                    )
                    .await;
            }
            match interval(arg) {
                Some(ms) => total += ms,
                None => return super::usage(cx, format!("invalid time interval '{arg}'"), 1).await,
            }
        }
        // Rounded up, as a sleep must not end early.
        cx.sys.sleep_ms(total.ceil() as u64);
        0
    })
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    #[test]
    fn sums_intervals_on_the_clock() {
        let sys = MemSystem::default();
        let start = sys.now_ms();
        let r = run_on(&sys, "sleep", &["1", "0.5", "2m", "0.001h", ".25s"], "");
        assert_eq!(r.status, 0);
        assert_eq!(sys.now_ms() - start, 1000 + 500 + 120_000 + 3600 + 250);
        run_on(&sys, "sleep", &["1d"], "");
        assert_eq!(sys.now_ms() - start, 125_350 + 86_400_000);
    }

    #[test]
    fn errors_like_gnu() {
        let r = run("sleep", &[], "");
        assert_eq!(
            (r.status, r.stderr.as_str()),
            (
                1,
                "sleep: missing operand\nTry 'sleep --help' for more information.\n"
            )
        );
        let r = run("sleep", &["1x"], "");
        assert_eq!(r.status, 1);
        assert_eq!(
            r.stderr,
            "sleep: invalid time interval '1x'\nTry 'sleep --help' for more information.\n"
        );
        assert_eq!(
            run("sleep", &["-1"], "").stderr,
            "sleep: invalid option -- '1'\nTry 'sleep --help' for more information.\n"
        );
        assert_eq!(run("sleep", &["infinity"], "").status, 1);
    }
}
