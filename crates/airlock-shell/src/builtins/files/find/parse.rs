//! `find`'s expression, parsed from its arguments: operators (`!`, `-a`, `-o`, `,`, parentheses)
//! over tests and actions, plus the global options (`-maxdepth`, `-depth`...).

use super::printf::{self, Piece};

/// How a number in `-size`, `-mtime`... compares: `+N`, `-N` or `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmp {
    Less,
    Equal,
    More,
}

impl Cmp {
    pub(super) fn holds(self, value: i64, n: i64) -> bool {
        match self {
            Self::Less => value < n,
            Self::Equal => value == n,
            Self::More => value > n,
        }
    }
}

#[derive(Debug)]
pub(super) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `a , b`: both, the value of `b`.
    Comma(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Const(bool),
    Name {
        pattern: String,
        fold: bool,
    },
    Path {
        pattern: String,
        fold: bool,
    },
    Regex(regex::Regex),
    /// `-type`: whether files and whether directories match.
    Type {
        file: bool,
        dir: bool,
    },
    /// `-size`: the size in `unit`-byte blocks, rounded up, compared with `n`.
    Size {
        cmp: Cmp,
        n: i64,
        unit: u64,
    },
    /// `-mtime`: the age in whole days (rounded down) compared with `n`; `-mmin` (`exact`):
    /// the age compared with `n` minutes, `N` meaning in the minute up to `N`, as GNU does.
    Age {
        cmp: Cmp,
        n: i64,
        unit_ms: u64,
        exact: bool,
    },
    /// `-newer FILE`: the file's path, resolved to its time before the walk.
    Newer(String),
    NewerThan(u64),
    Empty,
    Writable,
    /// `-executable`: directories only (no file has an execute bit here).
    Executable,
    Print,
    Print0,
    Printf(Vec<Piece>),
    Delete,
    /// `-exec ... ;` (`batch` is `None`) or `-exec ... {} +` (the batch's index).
    Exec {
        argv: Vec<String>,
        batch: Option<usize>,
    },
    Prune,
    Quit,
}

/// The parsed command line.
#[derive(Debug)]
pub(super) struct Command {
    pub paths: Vec<String>,
    pub expr: Expr,
    pub max_depth: usize,
    pub min_depth: usize,
    /// Directories after their contents (`-depth`, implied by `-delete`).
    pub depth_first: bool,
    /// How many `-exec ... +` batches there are.
    pub batches: usize,
}

struct Parser<'a> {
    args: &'a [String],
    pos: usize,
    max_depth: usize,
    min_depth: usize,
    depth_first: bool,
    has_action: bool,
    batches: usize,
    /// Whether `-regex` patterns are POSIX extended (`-regextype posix-extended`).
    extended: bool,
}

/// Parses `find`'s arguments; the error is the message (after `find: `).
pub(super) fn parse(args: &[String]) -> Result<Command, String> {
    let mut start = 0;
    while start < args.len() && matches!(args[start].as_str(), "-H" | "-L" | "-P") {
        start += 1;
    }
    let args = &args[start..];
    let first_expr = args
        .iter()
        .position(|a| (a.starts_with('-') && a.len() > 1) || a == "(" || a == "!")
        .unwrap_or(args.len());
    let mut paths: Vec<String> = args[..first_expr].to_vec();
    if paths.is_empty() {
        paths.push(".".to_string());
    }
    let mut p = Parser {
        args: &args[first_expr..],
        pos: 0,
        max_depth: usize::MAX,
        min_depth: 0,
        depth_first: false,
        has_action: false,
        batches: 0,
        extended: false,
    };
    let expr = if p.args.is_empty() {
        Expr::Const(true)
    } else {
        p.comma()?
    };
    if let Some(extra) = p.args.get(p.pos) {
        return Err(if extra == ")" {
            "invalid expression; you have too many ')'".to_string()
        } else {
            format!("paths must precede expression: '{extra}'")
        });
    }
    let expr = if p.has_action {
        expr
    } else {
        Expr::And(Box::new(expr), Box::new(Expr::Print))
    };
    Ok(Command {
        paths,
        expr,
        max_depth: p.max_depth,
        min_depth: p.min_depth,
        depth_first: p.depth_first,
        batches: p.batches,
    })
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.args.get(self.pos).map(String::as_str)
    }

    fn comma(&mut self) -> Result<Expr, String> {
        let mut left = self.or()?;
        while self.peek() == Some(",") {
            self.pos += 1;
            let right = self.or()?;
            left = Expr::Comma(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while matches!(self.peek(), Some("-o" | "-or")) {
            self.pos += 1;
            if matches!(
                self.peek(),
                None | Some(")" | "," | "-o" | "-or" | "-a" | "-and")
            ) {
                return Err("invalid expression; '-o' needs an expression after it".into());
            }
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            match self.peek() {
                None | Some(")" | "," | "-o" | "-or") => return Ok(left),
                Some("-a" | "-and") => self.pos += 1,
                Some(_) => {}
            }
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let Some(token) = self.peek().map(str::to_string) else {
            return Err("invalid expression; expected an expression at the end".into());
        };
        match token.as_str() {
            "!" | "-not" => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            "(" => {
                self.pos += 1;
                let inner = self.comma()?;
                if self.peek() != Some(")") {
                    return Err(
                        "invalid expression; I was expecting to find a ')' somewhere but did not see one."
                            .into(),
                    );
                }
                self.pos += 1;
                Ok(inner)
            }
            ")" | "-a" | "-and" | "-o" | "-or" | "," => Err(format!(
                "invalid expression; you have used a binary operator '{token}' with nothing before it."
            )),
            _ => {
                self.pos += 1;
                self.primary(&token)
            }
        }
    }

    /// The argument of `name`.
    fn arg(&mut self, name: &str) -> Result<String, String> {
        let value = self
            .args
            .get(self.pos)
            .ok_or_else(|| format!("missing argument to '{name}'"))?;
        self.pos += 1;
        Ok(value.clone())
    }

    fn primary(&mut self, name: &str) -> Result<Expr, String> {
        let expr = match name {
            "-name" | "-iname" => Expr::Name {
                pattern: self.arg(name)?,
                fold: name == "-iname",
            },
            "-path" | "-ipath" | "-wholename" | "-iwholename" => Expr::Path {
                pattern: self.arg(name)?,
                fold: name.starts_with("-i"),
            },
            "-regex" | "-iregex" => {
                let pattern = self.arg(name)?;
                self.regex(&pattern, name == "-iregex")?
            }
            "-regextype" => {
                let kind = self.arg(name)?;
                self.extended = match kind.as_str() {
                    "emacs" | "posix-basic" | "grep" | "sed" | "findutils-default" => false,
                    "posix-extended" | "egrep" | "posix-egrep" | "awk" | "posix-awk" => true,
                    _ => return Err(format!("Unknown regular expression type '{kind}'")),
                };
                Expr::Const(true)
            }
            "-lname" | "-ilname" => {
                // No symbolic links exist, so nothing matches.
                self.arg(name)?;
                Expr::Const(false)
            }
            "-type" | "-xtype" => self.file_type(name)?,
            "-size" => self.size()?,
            "-mtime" | "-atime" | "-ctime" => self.age(name, 86_400_000)?,
            "-mmin" | "-amin" | "-cmin" => self.age(name, 60_000)?,
            "-newer" | "-anewer" | "-cnewer" => Expr::Newer(self.arg(name)?),
            "-empty" => Expr::Empty,
            "-readable" => Expr::Const(true),
            "-writable" => Expr::Writable,
            "-executable" => Expr::Executable,
            "-true" => Expr::Const(true),
            "-false" => Expr::Const(false),
            "-maxdepth" | "-mindepth" => {
                let value = self.arg(name)?;
                let n: usize = value.parse().map_err(|_| {
                    format!(
                        "Expected a positive decimal integer argument to {name}, but got '{value}'"
                    )
                })?;
                if name == "-maxdepth" {
                    self.max_depth = n;
                } else {
                    self.min_depth = n;
                }
                Expr::Const(true)
            }
            "-depth" => {
                self.depth_first = true;
                Expr::Const(true)
            }
            "-xdev" | "-mount" | "-noleaf" | "-follow" | "-ignore_readdir_race" => {
                Expr::Const(true)
            }
            "-print" => self.action(Expr::Print),
            "-print0" => self.action(Expr::Print0),
            "-printf" => {
                let format = self.arg(name)?;
                let pieces = printf::compile(&format)?;
                self.action(Expr::Printf(pieces))
            }
            "-delete" => {
                self.depth_first = true;
                self.action(Expr::Delete)
            }
            "-exec" => self.exec(name)?,
            "-prune" => Expr::Prune,
            "-quit" => Expr::Quit,
            "-ok" | "-okdir" | "-execdir" => {
                return Err(format!("{name} is not supported here; use -exec"));
            }
            _ if name.starts_with('-') => return Err(format!("unknown predicate '{name}'")),
            _ => return Err(format!("paths must precede expression: '{name}'")),
        };
        Ok(expr)
    }

    fn action(&mut self, expr: Expr) -> Expr {
        self.has_action = true;
        expr
    }

    fn file_type(&mut self, name: &str) -> Result<Expr, String> {
        let value = self.arg(name)?;
        let (mut file, mut dir) = (false, false);
        for kind in value.split(',') {
            match kind {
                "f" => file = true,
                "d" => dir = true,
                // Kinds the filesystem cannot hold: valid, but nothing matches.
                "l" | "p" | "s" | "b" | "c" | "D" => {}
                _ => return Err(format!("Unknown argument to {name}: {kind}")),
            }
        }
        Ok(Expr::Type { file, dir })
    }

    fn size(&mut self) -> Result<Expr, String> {
        let value = self.arg("-size")?;
        let (cmp, rest) = signed(&value);
        let (digits, unit) = match rest.char_indices().last() {
            Some((i, c)) if !c.is_ascii_digit() => (&rest[..i], c),
            _ => (rest, 'b'),
        };
        let unit = match unit {
            'b' => 512,
            'c' => 1,
            'w' => 2,
            'k' => 1024,
            'M' => 1024 * 1024,
            'G' => 1024 * 1024 * 1024,
            _ => return Err(format!("invalid -size type '{unit}'")),
        };
        let n = digits
            .parse()
            .map_err(|_| format!("invalid argument '{value}' to '-size'"))?;
        Ok(Expr::Size { cmp, n, unit })
    }

    fn age(&mut self, name: &str, unit_ms: u64) -> Result<Expr, String> {
        let value = self.arg(name)?;
        let (cmp, rest) = signed(&value);
        let n = rest
            .parse()
            .map_err(|_| format!("invalid argument '{value}' to '{name}'"))?;
        Ok(Expr::Age {
            cmp,
            n,
            unit_ms,
            exact: unit_ms < 86_400_000,
        })
    }

    fn exec(&mut self, name: &str) -> Result<Expr, String> {
        let mut argv = Vec::new();
        loop {
            let Some(token) = self.args.get(self.pos) else {
                return Err(format!("missing argument to '{name}'"));
            };
            self.pos += 1;
            if token == ";" {
                break;
            }
            if token == "+" && argv.last().is_some_and(|a: &String| a == "{}") {
                argv.pop();
                let batch = self.batches;
                self.batches += 1;
                if argv.is_empty() {
                    return Err(format!("missing argument to '{name}'"));
                }
                return Ok(self.action(Expr::Exec {
                    argv,
                    batch: Some(batch),
                }));
            }
            argv.push(token.clone());
        }
        if argv.is_empty() {
            return Err(format!("missing argument to '{name}'"));
        }
        Ok(self.action(Expr::Exec { argv, batch: None }))
    }

    /// A `-regex`, which must match the whole path.
    fn regex(&self, pattern: &str, fold: bool) -> Result<Expr, String> {
        let translated = if self.extended {
            pattern.to_string()
        } else {
            from_emacs(pattern)
        };
        regex::RegexBuilder::new(&format!("^(?:{translated})$"))
            .case_insensitive(fold)
            .build()
            .map(Expr::Regex)
            .map_err(|_| format!("invalid regular expression '{pattern}'"))
    }
}

/// `+N` / `-N` / `N`.
fn signed(value: &str) -> (Cmp, &str) {
    if let Some(rest) = value.strip_prefix('+') {
        (Cmp::More, rest)
    } else if let Some(rest) = value.strip_prefix('-') {
        (Cmp::Less, rest)
    } else {
        (Cmp::Equal, value)
    }
}

/// GNU find's default (Emacs) regex syntax in the `regex` crate's: `\(`, `\)`, `\|` are the
/// group and alternation operators and `(`, `)`, `|`, `{`, `}` are literal.
fn from_emacs(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_bracket = false;
    while let Some(c) = chars.next() {
        if in_bracket {
            out.push(c);
            if c == ']' && !out.ends_with("[]") && !out.ends_with("[^]") {
                in_bracket = false;
            }
            continue;
        }
        match c {
            '[' => {
                in_bracket = true;
                out.push(c);
            }
            '\\' => match chars.next() {
                Some(g @ ('(' | ')' | '|' | '{' | '}')) => out.push(g),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push_str("\\\\"),
            },
            '(' | ')' | '|' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emacs_regex_translation() {
        assert_eq!(from_emacs(r".*\.\(py\|js\)"), r".*\.(py|js)");
        assert_eq!(from_emacs("a(b)|c"), r"a\(b\)\|c");
        assert_eq!(from_emacs("[]a]x"), "[]a]x");
    }
}
