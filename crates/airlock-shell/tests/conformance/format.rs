//! The `.case` format (described in `tests/cases/README.md`): parsing, and rendering back to the
//! same text, so bless mode can rewrite expectations without disturbing anything else.

use std::fmt::Write as _;

/// One `.case` file: free text before the first case, then the cases in order.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub preamble: Vec<String>,
    pub cases: Vec<Case>,
}

/// One case: `=== name`, free-text notes, then its sections in file order.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// 1-based line of the `=== name` header, for messages.
    pub line: usize,
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Script,
    Stdin,
    Files,
    Stdout,
    Stderr,
    /// `--- status: N`: a one-line section.
    Status(i32),
    /// `--- bash: skip ...`: the rest of the line, kept verbatim (a reason may follow `skip`).
    Bash(String),
    /// `--- known gap: REASON`: a behaviour the shell does not have yet. The case still runs;
    /// its failure is reported as a gap, and its passing as an error (remove the marker).
    Gap(String),
}

/// How a body section's lines turn into bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every line ends with `\n`.
    Lines,
    /// As `Lines`, but the last line has no `\n`: `(no final newline)`.
    NoFinalNewline,
    /// Stderr only: each non-empty line must occur somewhere in the actual stderr: `(contains)`.
    Contains,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub kind: Kind,
    pub mode: Mode,
    /// The content lines, unescaped.
    pub body: Vec<String>,
}

/// A file to create in the workspace before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixture {
    File { path: String, data: Vec<u8> },
    Dir { path: String },
}

const NO_FINAL_NEWLINE: &str = "(no final newline)";
const CONTAINS: &str = "(contains)";

fn is_header(line: &str) -> bool {
    line.starts_with("===") || line.starts_with("---")
}

/// Content lines that would read as headers are written with one more leading backslash.
fn escape(line: &str) -> String {
    if is_header(line.trim_start_matches('\\')) {
        format!("\\{line}")
    } else {
        line.to_string()
    }
}

fn unescape(line: &str) -> String {
    match line.strip_prefix('\\') {
        Some(rest) if is_header(rest.trim_start_matches('\\')) => rest.to_string(),
        _ => line.to_string(),
    }
}

fn parse_header(text: &str) -> Result<(Kind, Mode), String> {
    if let Some(n) = text.strip_prefix("status: ") {
        let n = n.trim().parse().map_err(|_| format!("bad status {n:?}"))?;
        return Ok((Kind::Status(n), Mode::Lines));
    }
    if let Some(reason) = text.strip_prefix("known gap: ") {
        return Ok((Kind::Gap(reason.to_string()), Mode::Lines));
    }
    if let Some(rest) = text.strip_prefix("bash: ") {
        if !rest.starts_with("skip") {
            return Err(format!("unknown bash directive {rest:?} (only `skip`)"));
        }
        return Ok((Kind::Bash(rest.to_string()), Mode::Lines));
    }
    let (name, mode) = match text.split_once(' ') {
        None => (text, Mode::Lines),
        Some((name, NO_FINAL_NEWLINE)) => (name, Mode::NoFinalNewline),
        Some(("stderr", CONTAINS)) => ("stderr", Mode::Contains),
        Some((_, other)) => return Err(format!("unknown modifier {other:?}")),
    };
    let kind = match name {
        "script" => Kind::Script,
        "stdin" => Kind::Stdin,
        "files" => Kind::Files,
        "stdout" => Kind::Stdout,
        "stderr" => Kind::Stderr,
        _ => return Err(format!("unknown section {name:?}")),
    };
    if kind == Kind::Files && mode != Mode::Lines {
        return Err("`files` takes no modifier".into());
    }
    Ok((kind, mode))
}

fn header_text(s: &Section) -> String {
    let name = match &s.kind {
        Kind::Script => "script",
        Kind::Stdin => "stdin",
        Kind::Files => "files",
        Kind::Stdout => "stdout",
        Kind::Stderr => "stderr",
        Kind::Status(n) => return format!("--- status: {n}"),
        Kind::Bash(rest) => return format!("--- bash: {rest}"),
        Kind::Gap(reason) => return format!("--- known gap: {reason}"),
    };
    match s.mode {
        Mode::Lines => format!("--- {name}"),
        Mode::NoFinalNewline => format!("--- {name} {NO_FINAL_NEWLINE}"),
        Mode::Contains => format!("--- {name} {CONTAINS}"),
    }
}

impl CaseFile {
    /// Parses a file's text; errors name the 1-based line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut file = CaseFile {
            preamble: Vec::new(),
            cases: Vec::new(),
        };
        // `str::lines` would hide whether the file ends with a newline; every line must.
        let Some(text) = text.strip_suffix('\n') else {
            return Err(if text.is_empty() {
                "empty file".into()
            } else {
                "the file must end with a newline".into()
            });
        };
        for (i, line) in text.split('\n').enumerate() {
            let at = |e: String| format!("line {}: {e}", i + 1);
            if let Some(name) = line.strip_prefix("=== ") {
                let name = name.trim();
                if name.is_empty() {
                    return Err(at("a case needs a name".into()));
                }
                if file.cases.iter().any(|c| c.name == name) {
                    return Err(at(format!("duplicate case name {name:?}")));
                }
                file.cases.push(Case {
                    name: name.to_string(),
                    line: i + 1,
                    notes: Vec::new(),
                    sections: Vec::new(),
                });
            } else if let Some(h) = line.strip_prefix("--- ") {
                let Some(case) = file.cases.last_mut() else {
                    return Err(at("a section before the first `=== name`".into()));
                };
                let (kind, mode) = parse_header(h).map_err(at)?;
                let same =
                    |s: &Section| std::mem::discriminant(&s.kind) == std::mem::discriminant(&kind);
                if case.sections.iter().any(same) {
                    return Err(at(format!("a second `{h}` section in {:?}", case.name)));
                }
                case.sections.push(Section {
                    kind,
                    mode,
                    body: Vec::new(),
                });
            } else if is_header(line) {
                return Err(at(format!(
                    "malformed header {line:?} (`=== name` or `--- section`)"
                )));
            } else {
                match file.cases.last_mut() {
                    None => file.preamble.push(line.to_string()),
                    Some(case) => match case.sections.last_mut() {
                        None => case.notes.push(line.to_string()),
                        Some(s)
                            if matches!(s.kind, Kind::Status(_) | Kind::Bash(_) | Kind::Gap(_)) =>
                        {
                            return Err(at(
                                "one-line sections (`status`, `bash`, `known gap`) take no body"
                                    .into(),
                            ));
                        }
                        Some(s) => s.body.push(unescape(line)),
                    },
                }
            }
        }
        for case in &file.cases {
            case.validate()
                .map_err(|e| format!("line {}: case {:?}: {e}", case.line, case.name))?;
        }
        Ok(file)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.preamble {
            let _ = writeln!(out, "{line}");
        }
        for case in &self.cases {
            let _ = writeln!(out, "=== {}", case.name);
            for line in &case.notes {
                let _ = writeln!(out, "{line}");
            }
            for s in &case.sections {
                let _ = writeln!(out, "{}", header_text(s));
                for line in &s.body {
                    let _ = writeln!(out, "{}", escape(line));
                }
            }
        }
        out
    }
}

impl Section {
    /// The body as bytes (for `Contains`, the lines as if `Lines`).
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = self.body.join("\n").into_bytes();
        if !self.body.is_empty() && self.mode != Mode::NoFinalNewline {
            out.push(b'\n');
        }
        out
    }

    /// A section holding `data` exactly (lossy where it is not UTF-8).
    pub fn from_bytes(kind: Kind, data: &[u8]) -> Self {
        let text = String::from_utf8_lossy(data);
        let (text, mode) = match text.strip_suffix('\n') {
            Some(t) => (t, Mode::Lines),
            None => (&*text, Mode::NoFinalNewline),
        };
        let body = if data.is_empty() {
            Vec::new()
        } else {
            text.split('\n').map(str::to_string).collect()
        };
        let mode = if data.is_empty() { Mode::Lines } else { mode };
        Section { kind, mode, body }
    }
}

impl Case {
    fn validate(&self) -> Result<(), String> {
        if self.section(&Kind::Script).is_none() {
            return Err("no `--- script` section".into());
        }
        if self.section(&Kind::Stdout).is_none() {
            return Err("no `--- stdout` section (leave it empty for no output)".into());
        }
        for s in &self.sections {
            if s.mode == Mode::NoFinalNewline && s.body.is_empty() {
                return Err("`(no final newline)` on an empty section".into());
            }
        }
        self.fixtures().map(|_| ())
    }

    /// The section of `kind`'s variant (the value inside `Status`/`Bash` is ignored).
    pub fn section(&self, kind: &Kind) -> Option<&Section> {
        let want = std::mem::discriminant(kind);
        self.sections
            .iter()
            .find(|s| std::mem::discriminant(&s.kind) == want)
    }

    pub fn section_mut(&mut self, kind: &Kind) -> Option<&mut Section> {
        let want = std::mem::discriminant(kind);
        self.sections
            .iter_mut()
            .find(|s| std::mem::discriminant(&s.kind) == want)
    }

    pub fn script(&self) -> String {
        let bytes = self
            .section(&Kind::Script)
            .map(Section::bytes)
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    pub fn stdin(&self) -> Vec<u8> {
        self.section(&Kind::Stdin)
            .map(Section::bytes)
            .unwrap_or_default()
    }

    pub fn status(&self) -> i32 {
        match self.section(&Kind::Status(0)) {
            Some(Section {
                kind: Kind::Status(n),
                ..
            }) => *n,
            _ => 0,
        }
    }

    /// Whether differential mode leaves this case out.
    pub fn bash_skip(&self) -> bool {
        self.section(&Kind::Bash(String::new())).is_some()
    }

    /// The reason of a `known gap` marker.
    pub fn gap(&self) -> Option<&str> {
        match &self.section(&Kind::Gap(String::new()))?.kind {
            Kind::Gap(reason) => Some(reason),
            _ => None,
        }
    }

    /// The `files` section, parsed: `path: text` (text plus `\n`), `path:` (empty),
    /// `dir/` (a directory), or `path <<END` ... `END` (the lines between, each with `\n`).
    pub fn fixtures(&self) -> Result<Vec<Fixture>, String> {
        let Some(section) = self.section(&Kind::Files) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut lines = section.body.iter();
        while let Some(line) = lines.next() {
            if line.trim().is_empty() {
                continue;
            }
            if let Some((path, end)) = line.split_once(" <<") {
                let mut data = Vec::new();
                loop {
                    let Some(l) = lines.next() else {
                        return Err(format!("files: `{path}` has no closing `{end}`"));
                    };
                    if l == end {
                        break;
                    }
                    data.extend_from_slice(l.as_bytes());
                    data.push(b'\n');
                }
                out.push(Fixture::File {
                    path: path.to_string(),
                    data,
                });
            } else if let Some((path, text)) = line.split_once(": ") {
                out.push(Fixture::File {
                    path: path.to_string(),
                    data: format!("{text}\n").into_bytes(),
                });
            } else if let Some(path) = line.strip_suffix(':') {
                out.push(Fixture::File {
                    path: path.to_string(),
                    data: Vec::new(),
                });
            } else if let Some(path) = line.strip_suffix('/') {
                out.push(Fixture::Dir {
                    path: path.to_string(),
                });
            } else {
                return Err(format!(
                    "files: cannot read {line:?} (`path: text`, `path:`, `dir/` or `path <<END`)"
                ));
            }
        }
        for f in &out {
            let (Fixture::File { path, .. } | Fixture::Dir { path }) = f;
            if path.starts_with('/') || path.split('/').any(|p| p == ".." || p.is_empty()) {
                return Err(format!("files: {path:?} must be a plain relative path"));
            }
        }
        Ok(out)
    }
}
