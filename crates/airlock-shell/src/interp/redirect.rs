//! Redirections: `< > >> 2> 2>&1 &> <<EOF <<<` turned into the streams a command runs with.

use std::cell::RefCell;
use std::rc::Rc;

use brush_parser::ast::{IoFileRedirectKind, IoFileRedirectTarget, IoRedirect};

use super::expand::ExpandError;
use super::state::State;
use super::{Interp, Io};
use crate::io::{Input, Output};

/// Streams a command's redirections replaced, and the files to write when it ends.
#[derive(Debug, Default)]
pub struct Redirected {
    pub stdin: Option<Input>,
    pub stdout: Option<Output>,
    pub stderr: Option<Output>,
    /// Output files: each written (appended, since `>` truncated it already) when the command
    /// ends.
    files: Vec<(String, Rc<RefCell<Vec<u8>>>)>,
}

impl Redirected {
    /// The streams to run with: the replaced ones, else the caller's.
    pub fn io<'a>(&'a mut self, io: &'a mut Io<'_>) -> Io<'a> {
        Io {
            stdin: match &mut self.stdin {
                Some(i) => i,
                None => &mut *io.stdin,
            },
            stdout: match &mut self.stdout {
                Some(o) => o,
                None => &mut *io.stdout,
            },
            stderr: match &mut self.stderr {
                Some(o) => o,
                None => &mut *io.stderr,
            },
        }
    }

    /// Flushes the replaced outputs and writes the files. Errors (a full filesystem) are
    /// reported on `stderr`.
    pub async fn finish(mut self, interp: &Interp, stderr: &mut Output) -> bool {
        if let Some(o) = &mut self.stdout {
            let _ = o.flush().await;
        }
        if let Some(o) = &mut self.stderr {
            let _ = o.flush().await;
        }
        let mut ok = true;
        for (path, data) in self.files {
            let data = std::mem::take(&mut *data.borrow_mut());
            if data.is_empty() {
                continue;
            }
            if let Err(e) = interp.sys.write_file(&path, &data, true) {
                let _ = stderr
                    .write(format!("sh: {path}: {}\n", e.describe()).as_bytes())
                    .await;
                ok = false;
            }
        }
        ok
    }
}

/// The fd a redirection applies to (default 0 for input, 1 for output).
fn fd_of(fd: Option<i32>, default: i32) -> i32 {
    fd.unwrap_or(default)
}

impl Interp {
    /// Applies `redirects` in order. An error (no such file, bad descriptor) is reported by the
    /// caller, and the command does not run.
    pub(crate) async fn redirect(
        &self,
        st: &mut State,
        redirects: &[&IoRedirect],
        io: &mut Io<'_>,
    ) -> Result<Redirected, ExpandError> {
        let mut r = Redirected::default();
        for redirect in redirects {
            match redirect {
                IoRedirect::File(fd, kind, target) => {
                    self.redirect_file(st, &mut r, io, *fd, kind, target)
                        .await?;
                }
                IoRedirect::HereDocument(fd, doc) => {
                    let body = if doc.requires_expansion {
                        self.expand_heredoc(st, &doc.doc.value).await?
                    } else {
                        doc.doc.value.clone()
                    };
                    let body = if doc.remove_tabs {
                        body.lines()
                            .map(|l| l.trim_start_matches('\t'))
                            .collect::<Vec<_>>()
                            .join("\n")
                            + if body.ends_with('\n') { "\n" } else { "" }
                    } else {
                        body
                    };
                    self.set_input(&mut r, fd_of(*fd, 0), Input::from_bytes(body.into_bytes()))?;
                }
                IoRedirect::HereString(fd, word) => {
                    let mut text = self.expand_single(st, &word.value).await?;
                    text.push('\n');
                    self.set_input(&mut r, fd_of(*fd, 0), Input::from_bytes(text.into_bytes()))?;
                }
                IoRedirect::OutputAndError(word, append) => {
                    let path = self.target_path(st, &word.value).await?;
                    let out = self.open_output(&mut r, &path, *append)?;
                    r.stderr = Some(out.share());
                    r.stdout = Some(out);
                }
            }
        }
        Ok(r)
    }

    async fn target_path(&self, st: &mut State, word: &str) -> Result<String, ExpandError> {
        let name = self.expand_single(st, word).await?;
        if name.is_empty() {
            return Err(ExpandError::new("ambiguous redirect".to_string()));
        }
        Ok(crate::path::absolute(&st.cwd, &name))
    }

    fn set_input(&self, r: &mut Redirected, fd: i32, input: Input) -> Result<(), ExpandError> {
        if fd != 0 {
            return Err(ExpandError::new(format!(
                "{fd}: input redirection of this descriptor is not supported"
            )));
        }
        r.stdin = Some(input);
        Ok(())
    }

    /// An output collecting into `path` (created or truncated now, as the shell does).
    fn open_output(
        &self,
        r: &mut Redirected,
        path: &str,
        append: bool,
    ) -> Result<Output, ExpandError> {
        if path == "/dev/null" {
            return Ok(Output::null());
        }
        if path == "/dev/stdout" || path == "/dev/stderr" {
            return Err(ExpandError::new(format!("{path}: use >&1 or >&2 instead")));
        }
        let created = if append {
            match self.sys.stat(path) {
                Ok(info) if info.is_dir => Err(crate::system::FsError::new("EISDIR", "")),
                Ok(_) => Ok(()),
                Err(_) => self.sys.write_file(path, b"", false),
            }
        } else {
            match self.sys.stat(path) {
                Ok(info) if info.is_dir => Err(crate::system::FsError::new("EISDIR", "")),
                _ => self.sys.write_file(path, b"", false),
            }
        };
        if let Err(e) = created {
            return Err(ExpandError::new(format!("{path}: {}", e.describe())));
        }
        let buffer = Rc::new(RefCell::new(Vec::new()));
        r.files.push((path.to_string(), Rc::clone(&buffer)));
        Ok(Output::buffer(buffer))
    }

    async fn redirect_file(
        &self,
        st: &mut State,
        r: &mut Redirected,
        io: &mut Io<'_>,
        fd: Option<i32>,
        kind: &IoFileRedirectKind,
        target: &IoFileRedirectTarget,
    ) -> Result<(), ExpandError> {
        match kind {
            IoFileRedirectKind::Read | IoFileRedirectKind::ReadAndWrite => {
                let IoFileRedirectTarget::Filename(word) = target else {
                    return Err(ExpandError::new(
                        "unsupported input redirection".to_string(),
                    ));
                };
                let path = self.target_path(st, &word.value).await?;
                let data = if path == "/dev/null" {
                    Vec::new()
                } else {
                    self.sys.read_file(&path).map_err(|e| {
                        ExpandError::new(format!("{}: {}", word.value, e.describe()))
                    })?
                };
                self.set_input(r, fd_of(fd, 0), Input::from_bytes(data))
            }
            IoFileRedirectKind::Write
            | IoFileRedirectKind::Append
            | IoFileRedirectKind::Clobber => {
                let out = match target {
                    IoFileRedirectTarget::Filename(word) => {
                        let path = self.target_path(st, &word.value).await?;
                        if matches!(kind, IoFileRedirectKind::Write)
                            && st.options.noclobber
                            && self.sys.stat(&path).is_ok()
                        {
                            return Err(ExpandError::new(format!(
                                "{}: cannot overwrite existing file",
                                word.value
                            )));
                        }
                        self.open_output(r, &path, matches!(kind, IoFileRedirectKind::Append))?
                    }
                    IoFileRedirectTarget::Fd(n) => self.dup_output(r, io, *n)?,
                    IoFileRedirectTarget::Duplicate(word) => {
                        let text = self.expand_single(st, &word.value).await?;
                        self.dup_word(r, io, &text)?
                    }
                    IoFileRedirectTarget::ProcessSubstitution(..) => {
                        return Err(ExpandError::new(
                            "process substitution is not supported".to_string(),
                        ));
                    }
                };
                self.set_output(r, fd_of(fd, 1), out)
            }
            IoFileRedirectKind::DuplicateOutput => {
                let out = match target {
                    IoFileRedirectTarget::Fd(n) => self.dup_output(r, io, *n)?,
                    IoFileRedirectTarget::Duplicate(word)
                    | IoFileRedirectTarget::Filename(word) => {
                        let text = self.expand_single(st, &word.value).await?;
                        self.dup_word(r, io, &text)?
                    }
                    IoFileRedirectTarget::ProcessSubstitution(..) => {
                        return Err(ExpandError::new(
                            "process substitution is not supported".to_string(),
                        ));
                    }
                };
                self.set_output(r, fd_of(fd, 1), out)
            }
            IoFileRedirectKind::DuplicateInput => {
                // `<&0` and `<&-` change nothing that matters without real descriptors.
                Ok(())
            }
        }
    }

    fn dup_word(
        &self,
        r: &mut Redirected,
        io: &mut Io<'_>,
        text: &str,
    ) -> Result<Output, ExpandError> {
        if text == "-" {
            return Ok(Output::null());
        }
        let n: i32 = text
            .trim_end_matches('-')
            .parse()
            .map_err(|_| ExpandError::new(format!("{text}: ambiguous redirect")))?;
        self.dup_output(r, io, n)
    }

    /// A handle on what descriptor `n` currently writes to.
    fn dup_output(
        &self,
        r: &mut Redirected,
        io: &mut Io<'_>,
        n: i32,
    ) -> Result<Output, ExpandError> {
        match n {
            1 => Ok(r
                .stdout
                .as_ref()
                .map_or_else(|| io.stdout.share(), Output::share)),
            2 => Ok(r
                .stderr
                .as_ref()
                .map_or_else(|| io.stderr.share(), Output::share)),
            _ => Err(ExpandError::new(format!("{n}: Bad file descriptor"))),
        }
    }

    fn set_output(&self, r: &mut Redirected, fd: i32, out: Output) -> Result<(), ExpandError> {
        match fd {
            1 => r.stdout = Some(out),
            2 => r.stderr = Some(out),
            n => {
                return Err(ExpandError::new(format!(
                    "{n}: redirection of this descriptor is not supported"
                )));
            }
        }
        Ok(())
    }
}
