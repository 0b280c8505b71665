//! Running a sed [`Program`]: the cycle (read a line, run the commands, print), addresses and
//! ranges, and the commands themselves.

use regex::bytes::Regex;

use super::input::Reader;
use super::parse::{Addr, Addr2, Command, Kind, Program, Re, Subst, Translit};
use super::replace::{expand, has_case};
use crate::io::{Broken, Output};
use crate::system::System;

/// Default wrap width of `l` (GNU's).
pub(super) const DEFAULT_WRAP: usize = 70;

/// Settings from the command line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    pub quiet: bool,
    /// `-s`/`-i`: `$` and line numbers are per file.
    pub separate: bool,
    pub eol: u8,
    /// `-l N`
    pub wrap: usize,
}

/// How a cycle ended.
enum End {
    /// End of script: print the pattern space (unless `-n`).
    Script,
    /// `d`, `c`: nothing printed.
    Delete,
    /// `D` with a newline left: start again without reading.
    Restart,
    Quit(i32),
    QuitSilent(i32),
}

/// Output queued for the end of the cycle (`a`, `r`, `R`).
enum Queued<'p> {
    Text(&'p [u8]),
    File(&'p str),
    Bytes(Vec<u8>),
}

/// A file `R` reads a line at a time: its name, contents and read position.
type LineFile = (String, Vec<u8>, usize);

#[derive(Debug, Clone, Copy, Default)]
struct Range {
    active: bool,
    /// The last line of a numeric end (`N`, `+N`).
    end: u64,
}

pub(super) struct Exec<'p> {
    prog: &'p Program,
    set: Settings,
    sys: &'p dyn System,
    cwd: &'p str,
    ps: Vec<u8>,
    hold: Vec<u8>,
    scratch: Vec<u8>,
    lineno: u64,
    had_eol: bool,
    /// The same for the hold space, which GNU carries along with `h`, `g`, `x`...
    hold_eol: bool,
    /// The last line printed lacked its newline (the input's last line did): it is owed
    /// before anything else goes out, as GNU does.
    owed_eol: bool,
    queue: Vec<Queued<'p>>,
    /// A substitution succeeded since the last input line or `t` (for `t`/`T`).
    substituted: bool,
    ranges: Vec<Range>,
    last_re: Option<&'p Regex>,
    /// Contents for `w` files, written when the run ends.
    pub wfiles: Vec<(String, Vec<u8>)>,
    rfiles: Vec<LineFile>,
    /// Set by `q`/`Q`: the exit status.
    pub quit: Option<i32>,
}

impl std::fmt::Debug for Exec<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exec")
            .field("lineno", &self.lineno)
            .finish_non_exhaustive()
    }
}

impl<'p> Exec<'p> {
    pub fn new(prog: &'p Program, set: Settings, sys: &'p dyn System, cwd: &'p str) -> Self {
        let ranges = prog
            .cmds
            .iter()
            .map(|c| Range {
                active: matches!(c.a1, Some(Addr::Zero)),
                end: 0,
            })
            .collect();
        Self {
            prog,
            set,
            sys,
            cwd,
            ps: Vec::new(),
            hold: Vec::new(),
            scratch: Vec::new(),
            lineno: 0,
            had_eol: true,
            hold_eol: true,
            owed_eol: false,
            queue: Vec::new(),
            substituted: false,
            ranges,
            last_re: None,
            wfiles: prog
                .wfiles
                .iter()
                .map(|n| (n.clone(), Vec::new()))
                .collect(),
            rfiles: Vec::new(),
            quit: None,
        }
    }

    /// Runs the script over every line `reader` gives, until the input ends or `q`.
    pub async fn run(&mut self, reader: &mut Reader<'_>, out: &mut Output) -> Result<(), Broken> {
        self.owed_eol = false;
        let mut restart = false;
        loop {
            if !restart {
                let Some(meta) = reader.next(&mut self.ps).await else {
                    break;
                };
                if meta.new_file && self.set.separate {
                    self.lineno = 0;
                }
                self.lineno += 1;
                self.had_eol = meta.had_eol;
                self.substituted = false;
            }
            restart = false;
            match self.cycle(reader, out).await? {
                End::Script => {
                    self.autoprint(out).await?;
                    self.dump_queue(out).await?;
                }
                End::Delete => self.dump_queue(out).await?,
                End::Restart => {
                    self.dump_queue(out).await?;
                    restart = true;
                }
                End::Quit(code) => {
                    self.autoprint(out).await?;
                    self.dump_queue(out).await?;
                    self.quit = Some(code);
                }
                End::QuitSilent(code) => self.quit = Some(code),
            }
            if self.quit.is_some() {
                reader.close();
                break;
            }
        }
        Ok(())
    }

    async fn cycle(&mut self, reader: &mut Reader<'_>, out: &mut Output) -> Result<End, Broken> {
        let prog: &'p Program = self.prog;
        let cmds: &'p [Command] = &prog.cmds;
        let mut pc = 0;
        while pc < cmds.len() {
            let cmd = &cmds[pc];
            if self.matches(pc, cmd, reader) == cmd.negate {
                pc = match cmd.kind {
                    Kind::Block(after) => after,
                    _ => pc + 1,
                };
                continue;
            }
            pc += 1;
            match &cmd.kind {
                Kind::Block(_) | Kind::EndBlock | Kind::Label => {}
                Kind::Subst(s) => self.substitute(s, out).await?,
                Kind::Translate(t) => self.translate(t),
                Kind::Append(text) => self.queue.push(Queued::Text(text)),
                Kind::Insert(text) => self.put(out, text).await?,
                Kind::Change(text) => {
                    // In a range, the text goes out once, at its end.
                    if cmd.a2.is_none() || !self.ranges[pc - 1].active {
                        self.put(out, text).await?;
                    }
                    return Ok(End::Delete);
                }
                Kind::Branch(to) => pc = to.unwrap_or(cmds.len()),
                Kind::BranchIfSub(to) => {
                    if self.substituted {
                        self.substituted = false;
                        pc = to.unwrap_or(cmds.len());
                    }
                }
                Kind::BranchUnlessSub(to) => {
                    if self.substituted {
                        self.substituted = false;
                    } else {
                        pc = to.unwrap_or(cmds.len());
                    }
                }
                Kind::Print => self.print_ps(out).await?,
                Kind::PrintFirst => {
                    let end = memchr::memchr(self.set.eol, &self.ps).unwrap_or(self.ps.len());
                    put_owed(out, &mut self.owed_eol, self.set.eol, &self.ps[..end]).await?;
                    out.write(&[self.set.eol]).await?;
                }
                Kind::Delete => return Ok(End::Delete),
                Kind::DeleteFirst => {
                    let Some(i) = memchr::memchr(self.set.eol, &self.ps) else {
                        return Ok(End::Delete);
                    };
                    self.ps.drain(..=i);
                    return Ok(End::Restart);
                }
                Kind::Next => {
                    // Without a next line GNU prints the pattern space and stops.
                    if !reader.has_next(self.set.separate) {
                        return Ok(End::Script);
                    }
                    self.autoprint(out).await?;
                    self.dump_queue(out).await?;
                    self.read_next(reader, false).await;
                }
                Kind::AppendNext => {
                    if !reader.has_next(self.set.separate) {
                        return Ok(End::Script);
                    }
                    self.dump_queue(out).await?;
                    self.read_next(reader, true).await;
                }
                Kind::Hold => {
                    self.hold.clone_from(&self.ps);
                    self.hold_eol = self.had_eol;
                }
                Kind::HoldAppend => {
                    self.hold.push(self.set.eol);
                    self.hold.extend_from_slice(&self.ps);
                    self.hold_eol = self.had_eol;
                }
                Kind::Get => {
                    self.ps.clone_from(&self.hold);
                    self.had_eol = self.hold_eol;
                }
                Kind::GetAppend => {
                    self.ps.push(self.set.eol);
                    self.ps.extend_from_slice(&self.hold);
                    self.had_eol = self.hold_eol;
                }
                Kind::Exchange => {
                    std::mem::swap(&mut self.ps, &mut self.hold);
                    std::mem::swap(&mut self.had_eol, &mut self.hold_eol);
                }
                Kind::LineNumber => {
                    let text = format!("{}\n", self.lineno);
                    self.put(out, text.as_bytes()).await?;
                }
                Kind::List(width) => {
                    let text = list(&self.ps, width.unwrap_or(self.set.wrap), self.set.eol);
                    self.put(out, &text).await?;
                }
                Kind::Quit(code) => return Ok(End::Quit(*code)),
                Kind::QuitSilent(code) => return Ok(End::QuitSilent(*code)),
                Kind::Zap => self.ps.clear(),
                Kind::FileName => {
                    let text = format!("{}\n", reader.file_name());
                    self.put(out, text.as_bytes()).await?;
                }
                Kind::ReadFile(name) => self.queue.push(Queued::File(name)),
                Kind::ReadLine(name) => {
                    if let Some(line) = self.read_line_of(name) {
                        self.queue.push(Queued::Bytes(line));
                    }
                }
                Kind::WriteFile(name) => {
                    let all = self.ps.len();
                    self.write_to(name, all, out).await?;
                }
                Kind::WriteFirst(name) => {
                    let end = memchr::memchr(self.set.eol, &self.ps).unwrap_or(self.ps.len());
                    self.write_to(name, end, out).await?;
                }
            }
        }
        Ok(End::Script)
    }

    /// `n`/`N`: the next line replaces (or is appended to) the pattern space.
    async fn read_next(&mut self, reader: &mut Reader<'_>, append: bool) {
        if append {
            let mut line = std::mem::take(&mut self.scratch);
            if let Some(meta) = reader.next(&mut line).await {
                self.ps.push(self.set.eol);
                self.ps.extend_from_slice(&line);
                self.had_eol = meta.had_eol;
                self.lineno += 1;
            }
            self.scratch = line;
        } else if let Some(meta) = reader.next(&mut self.ps).await {
            self.had_eol = meta.had_eol;
            self.lineno += 1;
        }
        self.substituted = false;
    }

    /// Whether the command's address selects this line (ranges move on as a side effect).
    fn matches(&mut self, pc: usize, cmd: &'p Command, reader: &Reader<'_>) -> bool {
        let Some(a1) = &cmd.a1 else {
            return true;
        };
        let Some(a2) = &cmd.a2 else {
            return self.match_addr(a1, reader);
        };
        let range = self.ranges[pc];
        if range.active {
            let (close, hit) = match a2 {
                Addr2::Re(re) => (self.match_re(re), true),
                Addr2::Last => (reader.is_last(self.set.separate), true),
                Addr2::Line(_) | Addr2::Plus(_) => {
                    // Past the end already (`n`/`N` skipped it): GNU ends the range unmatched.
                    (self.lineno >= range.end, self.lineno <= range.end)
                }
                Addr2::Multiple(m) => (*m == 0 || self.lineno.is_multiple_of(*m), true),
            };
            if close {
                self.ranges[pc].active = false;
            }
            return hit;
        }
        if !self.match_addr(a1, reader) {
            return false;
        }
        let lineno = self.lineno;
        let (active, end) = match a2 {
            Addr2::Line(n) => (*n > lineno, *n),
            Addr2::Plus(n) => (*n > 0, lineno.saturating_add(*n)),
            Addr2::Multiple(m) => (*m > 0 && !lineno.is_multiple_of(*m), 0),
            Addr2::Last => (!reader.is_last(self.set.separate), 0),
            Addr2::Re(_) => (true, 0),
        };
        self.ranges[pc] = Range { active, end };
        true
    }

    fn match_addr(&mut self, addr: &'p Addr, reader: &Reader<'_>) -> bool {
        match addr {
            Addr::Line(n) => self.lineno == *n,
            Addr::Last => reader.is_last(self.set.separate),
            Addr::Re(re) => self.match_re(re),
            Addr::Step(first, step) => {
                if *step == 0 {
                    self.lineno == *first
                } else {
                    self.lineno >= *first && (self.lineno - first).is_multiple_of(*step)
                }
            }
            Addr::Zero => false,
        }
    }

    /// The regex itself, or for `//` the last one used.
    fn regex(&mut self, re: &'p Re) -> Option<&'p Regex> {
        let re = match re {
            Some(r) => Some(&**r),
            None => self.last_re,
        };
        if re.is_some() {
            self.last_re = re;
        }
        re
    }

    fn match_re(&mut self, re: &'p Re) -> bool {
        self.regex(re).is_some_and(|r| r.is_match(&self.ps))
    }

    async fn substitute(&mut self, s: &'p Subst, out: &mut Output) -> Result<(), Broken> {
        let Some(re) = self.regex(&s.re) else {
            return Ok(());
        };
        let with_case = has_case(&s.replacement);
        let result = &mut self.scratch;
        result.clear();
        let mut last = 0;
        let mut count = 0;
        let mut replaced = false;
        for caps in re.captures_iter(&self.ps) {
            count += 1;
            if count < s.nth {
                continue;
            }
            let Some(m) = caps.get(0) else {
                continue;
            };
            result.extend_from_slice(&self.ps[last..m.start()]);
            expand(&s.replacement, &caps, with_case, result);
            last = m.end();
            replaced = true;
            if !s.global {
                break;
            }
        }
        if !replaced {
            return Ok(());
        }
        result.extend_from_slice(&self.ps[last..]);
        std::mem::swap(&mut self.ps, &mut self.scratch);
        self.substituted = true;
        if s.print {
            self.print_ps(out).await?;
        }
        if let Some(name) = &s.write {
            let all = self.ps.len();
            self.write_to(name, all, out).await?;
        }
        Ok(())
    }

    fn translate(&mut self, t: &Translit) {
        if let Some(table) = &t.ascii {
            for b in &mut self.ps {
                *b = table[usize::from(*b)];
            }
            return;
        }
        let text = String::from_utf8_lossy(&self.ps);
        let mapped: String = text
            .chars()
            .map(|c| t.pairs.iter().find(|(a, _)| *a == c).map_or(c, |&(_, b)| b))
            .collect();
        self.ps = mapped.into_bytes();
    }

    async fn autoprint(&mut self, out: &mut Output) -> Result<(), Broken> {
        if self.set.quiet {
            return Ok(());
        }
        self.print_ps(out).await
    }

    /// Prints the pattern space and its newline (owed if the input's last line had none).
    async fn print_ps(&mut self, out: &mut Output) -> Result<(), Broken> {
        put_owed(out, &mut self.owed_eol, self.set.eol, &self.ps).await?;
        if self.had_eol {
            out.write(&[self.set.eol]).await
        } else {
            self.owed_eol = true;
            Ok(())
        }
    }

    async fn put(&mut self, out: &mut Output, data: &[u8]) -> Result<(), Broken> {
        put_owed(out, &mut self.owed_eol, self.set.eol, data).await
    }

    async fn dump_queue(&mut self, out: &mut Output) -> Result<(), Broken> {
        for item in std::mem::take(&mut self.queue) {
            match item {
                Queued::Text(text) => self.put(out, text).await?,
                Queued::Bytes(bytes) => self.put(out, &bytes).await?,
                Queued::File(name) => {
                    // A missing file is silently skipped, as POSIX says.
                    let path = crate::path::absolute(self.cwd, name);
                    if let Ok(data) = self.sys.read_file(&path) {
                        self.put(out, &data).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The next line of file `name` for `R`.
    fn read_line_of(&mut self, name: &str) -> Option<Vec<u8>> {
        if !self.rfiles.iter().any(|(n, _, _)| n == name) {
            let path = crate::path::absolute(self.cwd, name);
            let data = self.sys.read_file(&path).unwrap_or_default();
            self.rfiles.push((name.to_string(), data, 0));
        }
        let (_, data, pos) = self.rfiles.iter_mut().find(|(n, _, _)| n == name)?;
        if *pos >= data.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &data[*pos..]).map_or(data.len(), |i| *pos + i + 1);
        let mut line = data[*pos..end].to_vec();
        if line.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        *pos = end;
        Some(line)
    }

    /// `w`: the first `len` bytes of the pattern space and a newline to file `name`.
    async fn write_to(&mut self, name: &str, len: usize, out: &mut Output) -> Result<(), Broken> {
        if name == "/dev/stdout" {
            put_owed(out, &mut self.owed_eol, self.set.eol, &self.ps[..len]).await?;
            return out.write(&[self.set.eol]).await;
        }
        if let Some((_, buf)) = self.wfiles.iter_mut().find(|(n, _)| n == name) {
            buf.extend_from_slice(&self.ps[..len]);
            buf.push(self.set.eol);
        }
        Ok(())
    }
}

/// Writes `data` after the newline owed by a previous line, if any.
async fn put_owed(out: &mut Output, owed: &mut bool, eol: u8, data: &[u8]) -> Result<(), Broken> {
    if *owed {
        *owed = false;
        out.write(&[eol]).await?;
    }
    out.write(data).await
}

/// The pattern space as `l` shows it: C escapes, octal for other unprintable bytes, lines
/// wrapped at `width` (with `\`; 0: never), and a final `$`.
fn list(ps: &[u8], width: usize, eol: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(ps.len() + 8);
    let mut col = 0;
    for &b in ps {
        let mut esc = [0u8; 4];
        let piece: &[u8] = match b {
            b'\\' => b"\\\\",
            0x07 => b"\\a",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x0b => b"\\v",
            0x20..=0x7e => {
                esc[0] = b;
                &esc[..1]
            }
            _ => {
                esc = [
                    b'\\',
                    b'0' + (b >> 6),
                    b'0' + ((b >> 3) & 7),
                    b'0' + (b & 7),
                ];
                &esc
            }
        };
        if width > 0 && col + piece.len() > width - 1 {
            out.extend_from_slice(b"\\\n");
            col = 0;
        }
        out.extend_from_slice(piece);
        col += piece.len();
    }
    out.push(b'$');
    out.push(eol);
    out
}
