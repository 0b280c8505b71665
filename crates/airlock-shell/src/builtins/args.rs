//! A small getopt: short flags (`-nv`, `-n5`, `-n 5`), long ones (`--lines=5`, `--lines 5`),
//! `--` to end options, and operands (GNU order: options may follow operands).

/// One option as given: its short letter (long options map to one) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub flag: char,
    pub value: Option<String>,
}

/// How a command's options look.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    /// Short options; a letter followed by `:` takes a value (`"nvc:"`).
    pub short: &'a str,
    /// Long options: name, the short letter it stands for, whether it takes a value.
    pub long: &'a [(&'a str, char, bool)],
    /// Stop at the first operand (POSIX order), as `xargs` and `timeout` need.
    pub stop_at_operand: bool,
}

impl Spec<'_> {
    fn takes_value(&self, c: char) -> Option<bool> {
        let mut chars = self.short.chars().peekable();
        while let Some(x) = chars.next() {
            let value = chars.peek() == Some(&':');
            if value {
                chars.next();
            }
            if x == c {
                return Some(value);
            }
        }
        None
    }
}

/// The options and operands of `args`, or a message for a usage error.
pub fn parse(args: &[String], spec: Spec<'_>) -> Result<(Vec<Opt>, Vec<String>), String> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let matches: Vec<_> = spec
                .long
                .iter()
                .filter(|(n, _, _)| n.starts_with(name))
                .collect();
            let exact = spec.long.iter().find(|(n, _, _)| *n == name);
            let &(full, flag, takes) = match (exact, matches.as_slice()) {
                (Some(e), _) => e,
                (None, [one]) => one,
                (None, []) => return Err(format!("unrecognized option '--{name}'")),
                (None, _) => return Err(format!("option '--{name}' is ambiguous")),
            };
            let value = if takes {
                match inline {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => return Err(format!("option '--{full}' requires an argument")),
                }
            } else if inline.is_some() {
                return Err(format!("option '--{full}' doesn't allow an argument"));
            } else {
                None
            };
            opts.push(Opt { flag, value });
            continue;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            let body: Vec<char> = arg[1..].chars().collect();
            let mut k = 0;
            while k < body.len() {
                let c = body[k];
                k += 1;
                match spec.takes_value(c) {
                    None => return Err(format!("invalid option -- '{c}'")),
                    Some(false) => opts.push(Opt {
                        flag: c,
                        value: None,
                    }),
                    Some(true) => {
                        let value = if k < body.len() {
                            let v: String = body[k..].iter().collect();
                            k = body.len();
                            v
                        } else if i < args.len() {
                            i += 1;
                            args[i - 1].clone()
                        } else {
                            return Err(format!("option requires an argument -- '{c}'"));
                        };
                        opts.push(Opt {
                            flag: c,
                            value: Some(value),
                        });
                    }
                }
            }
            continue;
        }
        operands.push(arg.clone());
        if spec.stop_at_operand {
            operands.extend(args[i..].iter().cloned());
            break;
        }
    }
    Ok((opts, operands))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    const SPEC: Spec<'static> = Spec {
        short: "nvc:",
        long: &[("lines", 'c', true), ("invert", 'v', false)],
        stop_at_operand: false,
    };

    #[test]
    fn short_long_and_operands() {
        let (opts, ops) = parse(
            &strings(&["-nv", "a", "-c5", "--lines=7", "--inv", "b", "--", "-x"]),
            SPEC,
        )
        .unwrap();
        let flags: Vec<_> = opts.iter().map(|o| (o.flag, o.value.clone())).collect();
        assert_eq!(
            flags,
            vec![
                ('n', None),
                ('v', None),
                ('c', Some("5".into())),
                ('c', Some("7".into())),
                ('v', None)
            ]
        );
        assert_eq!(ops, strings(&["a", "b", "-x"]));
    }

    #[test]
    fn errors_read_like_gnu() {
        assert_eq!(
            parse(&strings(&["-z"]), SPEC).unwrap_err(),
            "invalid option -- 'z'"
        );
        assert_eq!(
            parse(&strings(&["-c"]), SPEC).unwrap_err(),
            "option requires an argument -- 'c'"
        );
        assert_eq!(
            parse(&strings(&["--nope"]), SPEC).unwrap_err(),
            "unrecognized option '--nope'"
        );
    }

    #[test]
    fn a_lone_dash_is_an_operand() {
        let (_, ops) = parse(&strings(&["-"]), SPEC).unwrap();
        assert_eq!(ops, strings(&["-"]));
    }
}
