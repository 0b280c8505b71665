//! `echo`, as bash's builtin: options only while each word is made of `n`, `e`, `E`.

use super::escape::{Dialect, expand};
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const ECHO: Utility = Utility {
    name: "echo",
    help: "Usage: echo [-neE] [ARG]...\n\
Print the arguments separated by spaces, then a newline.\n\
\n\
\x20 -n  do not print the trailing newline\n\
\x20 -e  expand backslash escapes (\\n \\t \\\\ \\a \\b \\e \\f \\r \\v \\c \\0NNN \\xHH \\uHHHH)\n\
\x20 -E  do not expand escapes (the default)\n",
    run: echo,
};

fn echo<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move {
        let mut newline = true;
        let mut escapes = false;
        let mut first = 0;
        for arg in &cx.args {
            let Some(flags) = arg.strip_prefix('-') else {
                break;
            };
            if flags.is_empty() || !flags.bytes().all(|b| matches!(b, b'n' | b'e' | b'E')) {
                break;
            }
            for b in flags.bytes() {
                match b {
                    b'n' => newline = false,
                    b'e' => escapes = true,
                    _ => escapes = false,
                }
            }
            first += 1;
        }
        let mut line = Vec::new();
        for (i, arg) in cx.args[first..].iter().enumerate() {
            if i > 0 {
                line.push(b' ');
            }
            if escapes {
                if expand(arg.as_bytes(), Dialect::Echo, &mut line).stop {
                    out!(cx, &line);
                    return 0;
                }
            } else {
                line.extend_from_slice(arg.as_bytes());
            }
        }
        if newline {
            line.push(b'\n');
        }
        out!(cx, &line);
        0
    })
}

#[cfg(test)]
mod tests {
    use crate::testing::run;

    fn echo(args: &[&str]) -> String {
        run("echo", args, "").stdout
    }

    #[test]
    fn options_and_words() {
        assert_eq!(echo(&["a", "b"]), "a b\n");
        assert_eq!(echo(&[]), "\n");
        assert_eq!(echo(&["-n", "x"]), "x");
        assert_eq!(echo(&["-nx"]), "-nx\n");
        assert_eq!(echo(&["-"]), "-\n");
        assert_eq!(echo(&["--"]), "--\n");
        assert_eq!(echo(&["--help"]), "--help\n");
        assert_eq!(echo(&["-e", "-n", "x"]), "x");
        assert_eq!(echo(&["x", "-n"]), "x -n\n");
    }

    #[test]
    fn escapes_only_with_e() {
        assert_eq!(echo(&[r"a\nb"]), "a\\nb\n");
        assert_eq!(echo(&["-e", r"a\nb\tc"]), "a\nb\tc\n");
        assert_eq!(echo(&["-eE", r"a\n"]), "a\\n\n");
        assert_eq!(echo(&["-e", r"\0101\x42\u00e9"]), "ABé\n");
    }

    #[test]
    fn backslash_c_stops_everything() {
        assert_eq!(echo(&["-e", r"a\cb", "c"]), "a");
    }
}
