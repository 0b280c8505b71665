//! jq's command line. jq parses it itself rather than with getopt: `--arg NAME VALUE` takes two
//! values, options may follow the filter, and short flags combine (`-rc`).

use super::write::Indent;

/// A named value from `--arg`, `--argjson`, `--slurpfile` or `--rawfile`, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Named {
    Arg(String, String),
    ArgJson(String, String),
    SlurpFile(String, String),
    RawFile(String, String),
}

/// What the command line asked for.
#[derive(Debug, Default)]
pub(super) struct Opts {
    /// The program text, or with `-f` the file it is in.
    pub filter: Option<String>,
    pub from_file: Option<String>,
    pub files: Vec<String>,
    pub null_input: bool,
    pub raw_input: bool,
    pub slurp: bool,
    pub raw_output: bool,
    pub join_output: bool,
    pub raw_output0: bool,
    pub ascii: bool,
    pub compact: bool,
    pub tab: bool,
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub exit_status: bool,
    pub named: Vec<Named>,
    /// `--args` / `--jsonargs`: the operands after the filter, for `$ARGS.positional`.
    pub positional: Vec<String>,
    pub positional_json: bool,
    pub help: bool,
    pub version: bool,
}

impl Opts {
    pub(super) fn indent(&self) -> Indent {
        match (self.compact, self.tab, self.indent) {
            (true, _, _) | (false, false, Some(0)) => Indent::Compact,
            (false, true, _) => Indent::Tab,
            (false, false, n) => Indent::Spaces(n.unwrap_or(2)),
        }
    }
}

/// Widest `--indent` jq accepts.
const MAX_INDENT: usize = 7;

/// Parses jq's arguments; the error is the message to print (status 2).
pub(super) fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    // After `--args`/`--jsonargs`, operands after the filter are values, not files.
    let mut operands_are_args = false;
    let mut only_operands = false;
    let mut i = 0;
    let value = |i: &mut usize, what: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i - 1)
            .cloned()
            .ok_or_else(|| format!("{what} takes a parameter"))
    };
    let pair = |i: &mut usize, what: &str| -> Result<(String, String), String> {
        if *i + 2 > args.len() {
            return Err(format!(
                "{what} takes two parameters (e.g. {what} varname value)"
            ));
        }
        *i += 2;
        Ok((args[*i - 2].clone(), args[*i - 1].clone()))
    };
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if only_operands || arg == "-" || !arg.starts_with('-') {
            if o.filter.is_none() && o.from_file.is_none() {
                o.filter = Some(arg.clone());
            } else if operands_are_args {
                o.positional.push(arg.clone());
            } else {
                o.files.push(arg.clone());
            }
            continue;
        }
        match arg.as_str() {
            "--" => only_operands = true,
            "--null-input" => o.null_input = true,
            "--raw-input" => o.raw_input = true,
            "--slurp" => o.slurp = true,
            "--raw-output" => o.raw_output = true,
            "--join-output" => (o.raw_output, o.join_output) = (true, true),
            "--raw-output0" => (o.raw_output, o.raw_output0) = (true, true),
            "--ascii-output" => o.ascii = true,
            "--compact-output" => o.compact = true,
            "--sort-keys" => o.sort_keys = true,
            "--exit-status" => o.exit_status = true,
            "--tab" => o.tab = true,
            "--monochrome-output" | "--unbuffered" => {}
            "--help" => o.help = true,
            "--version" => o.version = true,
            "--indent" => {
                let n = value(&mut i, "--indent")?;
                let n: usize = n
                    .parse()
                    .map_err(|_| format!("--indent takes a number, not '{n}'"))?;
                if n > MAX_INDENT {
                    return Err(format!("Cannot indent more than {MAX_INDENT} characters"));
                }
                o.indent = Some(n);
            }
            "--arg" => {
                let (n, v) = pair(&mut i, "--arg")?;
                o.named.push(Named::Arg(n, v));
            }
            "--argjson" => {
                let (n, v) = pair(&mut i, "--argjson")?;
                o.named.push(Named::ArgJson(n, v));
            }
            "--slurpfile" => {
                let (n, v) = pair(&mut i, "--slurpfile")?;
                o.named.push(Named::SlurpFile(n, v));
            }
            "--rawfile" => {
                let (n, v) = pair(&mut i, "--rawfile")?;
                o.named.push(Named::RawFile(n, v));
            }
            "--args" => (operands_are_args, o.positional_json) = (true, false),
            "--jsonargs" => (operands_are_args, o.positional_json) = (true, true),
            "--from-file" => o.from_file = Some(value(&mut i, "--from-file")?),
            "--color-output" => return Err(unsupported("-C (--color-output)")),
            "--seq" | "--stream" | "--stream-errors" => return Err(unsupported(arg)),
            long if long.starts_with("--") => return Err(unknown(arg)),
            short => {
                for c in short[1..].chars() {
                    match c {
                        'n' => o.null_input = true,
                        'R' => o.raw_input = true,
                        's' => o.slurp = true,
                        'r' => o.raw_output = true,
                        'j' => (o.raw_output, o.join_output) = (true, true),
                        'a' => o.ascii = true,
                        'c' => o.compact = true,
                        'S' => o.sort_keys = true,
                        'e' => o.exit_status = true,
                        'M' => {}
                        'h' => o.help = true,
                        'V' => o.version = true,
                        'f' => o.from_file = Some(value(&mut i, "-f")?),
                        'C' => return Err(unsupported("-C (--color-output)")),
                        'L' => return Err(unsupported("-L (module search paths)")),
                        _ => return Err(unknown(arg)),
                    }
                }
            }
        }
    }
    // With `-f`, the first operand is an input file like the others.
    if o.from_file.is_some()
        && let Some(first) = o.filter.take()
    {
        o.files.insert(0, first);
    }
    Ok(o)
}

fn unknown(arg: &str) -> String {
    format!("Unknown option: {arg}\nUse jq --help for help with command-line options.")
}

fn unsupported(what: &str) -> String {
    format!("{what} is not supported here\nUse jq --help for help with command-line options.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_may_follow_the_filter_and_combine() {
        let o = parse(&strings(&[
            ".a", "-rc", "f.json", "--arg", "x", "1", "--indent", "4", "g.json",
        ]))
        .unwrap();
        assert_eq!(o.filter.as_deref(), Some(".a"));
        assert_eq!(o.files, strings(&["f.json", "g.json"]));
        assert!(o.raw_output && o.compact);
        assert_eq!(o.named, vec![Named::Arg("x".into(), "1".into())]);
        assert_eq!(o.indent(), Indent::Compact);
    }

    #[test]
    fn args_make_operands_values() {
        let o = parse(&strings(&["-n", "$ARGS", "--args", "a", "b"])).unwrap();
        assert_eq!(o.positional, strings(&["a", "b"]));
        assert!(o.files.is_empty());
    }

    #[test]
    fn bad_options_are_reported() {
        assert!(
            parse(&strings(&["-x"]))
                .unwrap_err()
                .starts_with("Unknown option: -x")
        );
        assert!(
            parse(&strings(&["--arg", "x"]))
                .unwrap_err()
                .contains("two parameters")
        );
        assert!(parse(&strings(&["--indent", "9"])).is_err());
    }
}
