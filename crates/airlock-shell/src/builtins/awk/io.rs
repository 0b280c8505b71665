//! Redirections and other commands: `print > file`, `print | cmd`, `getline < file`,
//! `cmd | getline`, `system`, `close` and `fflush`.
//!
//! Files are written through the `System` in buffered appends. A command fed by
//! `print | cmd` runs when it is closed (or at exit) with everything printed to it as its
//! input; `cmd | getline` runs the command to completion and then serves its output. Both are
//! as awk scripts use them; only interleaving with a still-running command differs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{GetlineSrc, LValue, Redirect};
use super::interp::{Flow, Interp, R, fail};
use super::stream::Reader;
use super::value::Value;
use crate::io::{Input, Output};

/// Bytes buffered for an output file before they are appended to it.
const FILE_FLUSH_AT: usize = 64 * 1024;

#[derive(Debug)]
enum Dest {
    File(String),
    Null,
    Pipe(String),
    Stdout,
    Stderr,
}

#[derive(Debug)]
struct OutStream {
    dest: Dest,
    buf: Vec<u8>,
}

/// Open inputs and outputs.
#[derive(Debug, Default)]
pub(super) struct Streams {
    /// The main input now being read.
    pub(super) main: Option<Reader>,
    pub(super) main_is_stdin: bool,
    /// The next ARGV index to open.
    pub(super) argi: usize,
    /// Whether any file operand was seen (if none, the main input is stdin).
    pub(super) used_operand: bool,
    outputs: HashMap<Vec<u8>, OutStream>,
    /// Output names in the order opened (commands run in that order at exit).
    order: Vec<Vec<u8>>,
    /// `getline < file`: the reader and whether it reads standard input.
    files: HashMap<Vec<u8>, (Reader, bool)>,
    /// `cmd | getline`.
    cmds: HashMap<Vec<u8>, Reader>,
}

fn sh(cmd: &[u8]) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        String::from_utf8_lossy(cmd).into_owned(),
    ]
}

impl<'p> Interp<'p, '_, '_> {
    pub(super) async fn write_to(&mut self, kind: Redirect, name: &[u8], data: &[u8]) -> R<()> {
        if !self.io.outputs.contains_key(name) {
            let dest = match (name, kind) {
                (b"/dev/stdout" | b"-", _) => Dest::Stdout,
                (b"/dev/stderr", _) => Dest::Stderr,
                (b"/dev/null", _) => Dest::Null,
                (_, Redirect::Pipe) => Dest::Pipe(String::from_utf8_lossy(name).into_owned()),
                _ => {
                    let path = self.cx.path(&String::from_utf8_lossy(name));
                    let append = kind == Redirect::Append;
                    if let Err(e) = self.cx.sys.write_file(&path, b"", append) {
                        return fail(format!(
                            "can't redirect to `{}' ({})",
                            String::from_utf8_lossy(name),
                            e.describe()
                        ));
                    }
                    Dest::File(path)
                }
            };
            self.io.outputs.insert(
                name.to_vec(),
                OutStream {
                    dest,
                    buf: Vec::new(),
                },
            );
            self.io.order.push(name.to_vec());
        }
        let Some(out) = self.io.outputs.get_mut(name) else {
            return Ok(());
        };
        match &out.dest {
            Dest::Stdout => self.cx.stdout.write(data).await.map_err(|_| Flow::Broken),
            Dest::Stderr => {
                let _ = self.cx.stderr.write(data).await;
                Ok(())
            }
            Dest::File(path) => {
                out.buf.extend_from_slice(data);
                if out.buf.len() >= FILE_FLUSH_AT {
                    let r = self.cx.sys.write_file(path, &out.buf, true);
                    out.buf.clear();
                    if let Err(e) = r {
                        return fail(format!("write to `{path}' failed ({})", e.describe()));
                    }
                }
                Ok(())
            }
            Dest::Pipe(_) => {
                out.buf.extend_from_slice(data);
                Ok(())
            }
            Dest::Null => Ok(()),
        }
    }

    /// Appends what output files hold to them, so a command or a reader sees it.
    fn flush_files(&mut self) {
        for out in self.io.outputs.values_mut() {
            if let Dest::File(path) = &out.dest
                && !out.buf.is_empty()
            {
                let _ = self.cx.sys.write_file(path, &out.buf, true);
                out.buf.clear();
            }
        }
    }

    /// Finishes an output: writes a file's rest, or runs a command on what it was given.
    async fn finish(&mut self, out: OutStream) -> R<i32> {
        match out.dest {
            Dest::File(path) => {
                if !out.buf.is_empty()
                    && let Err(e) = self.cx.sys.write_file(&path, &out.buf, true)
                {
                    return fail(format!("write to `{path}' failed ({})", e.describe()));
                }
                Ok(0)
            }
            Dest::Pipe(cmd) => {
                self.flush_files();
                let spawn = self.cx.spawn;
                let status = spawn
                    .spawn(
                        sh(cmd.as_bytes()),
                        Input::from_bytes(out.buf),
                        self.cx.stdout,
                        self.cx.stderr,
                    )
                    .await;
                if self.cx.stdout.is_broken() {
                    return Err(Flow::Broken);
                }
                Ok(status)
            }
            Dest::Stdout | Dest::Stderr | Dest::Null => Ok(0),
        }
    }

    /// Closes every output, in the order they were opened.
    pub(super) async fn close_all(&mut self) -> R<()> {
        let mut result = Ok(());
        for name in std::mem::take(&mut self.io.order) {
            if let Some(out) = self.io.outputs.remove(&name)
                && let Err(e) = self.finish(out).await
                && result.is_ok()
            {
                result = Err(e);
            }
        }
        result
    }

    /// `close(name)`: the command's exit status, 0 for a file, -1 if nothing was open.
    pub(super) async fn close_stream(&mut self, name: &[u8]) -> R<f64> {
        if let Some(out) = self.io.outputs.remove(name) {
            self.io.order.retain(|n| n != name);
            return Ok(f64::from(self.finish(out).await?));
        }
        if self.io.files.remove(name).is_some() {
            return Ok(0.0);
        }
        if let Some(r) = self.io.cmds.remove(name) {
            return Ok(f64::from(r.status));
        }
        Ok(-1.0)
    }

    /// `fflush()` flushes everything; `fflush(name)` one output.
    pub(super) async fn fflush(&mut self, name: Option<&[u8]>) -> R<f64> {
        match name {
            None => self.flush_files(),
            Some(name) => match self.io.outputs.get_mut(name) {
                Some(out) => {
                    if let Dest::File(path) = &out.dest
                        && !out.buf.is_empty()
                    {
                        let _ = self.cx.sys.write_file(path, &out.buf, true);
                        out.buf.clear();
                    }
                }
                None if name == b"/dev/stdout" || name == b"-" => {}
                None => return Ok(-1.0),
            },
        }
        self.cx.stdout.flush().await.map_err(|_| Flow::Broken)?;
        Ok(0.0)
    }

    /// `system(cmd)`: runs it with awk's output streams; its exit status.
    pub(super) async fn system(&mut self, cmd: &[u8]) -> R<f64> {
        self.flush_files();
        let spawn = self.cx.spawn;
        let status = spawn
            .spawn(sh(cmd), Input::empty(), self.cx.stdout, self.cx.stderr)
            .await;
        if self.cx.stdout.is_broken() {
            return Err(Flow::Broken);
        }
        Ok(f64::from(status))
    }

    /// The `getline` forms: 1 for a record, 0 at the end, -1 if the input cannot be opened.
    pub(super) async fn getline(
        &mut self,
        src: &'p GetlineSrc,
        target: Option<&'p LValue>,
    ) -> R<Value> {
        let record: Option<Value> = match src {
            GetlineSrc::Main => {
                let Some(v) = self.next_main(target.is_none()).await? else {
                    return Ok(Value::Num(0.0));
                };
                if let Some(lv) = target {
                    let place = self.place(lv).await?;
                    self.set_place(&place, v)?;
                }
                return Ok(Value::Num(1.0));
            }
            GetlineSrc::File(e) => {
                let name = self.text(e).await?;
                if !self.io.files.contains_key(&name) {
                    let opened = if name == b"-" || name == b"/dev/stdin" {
                        (Reader::stream(), true)
                    } else if name == b"/dev/null" {
                        (Reader::from_bytes(Vec::new()), false)
                    } else {
                        self.flush_files();
                        let path = self.cx.path(&String::from_utf8_lossy(&name));
                        match self.cx.sys.read_file(&path) {
                            Ok(data) => (Reader::from_bytes(data), false),
                            Err(_) => return Ok(Value::Num(-1.0)),
                        }
                    };
                    self.io.files.insert(name.clone(), opened);
                }
                let Some((mut reader, stdin)) = self.io.files.remove(&name) else {
                    return Ok(Value::Num(-1.0));
                };
                let found = self.read_record(&mut reader, stdin).await;
                let v = found.map(|(a, b)| Value::from_input(&reader.buf[a..b]));
                self.io.files.insert(name, (reader, stdin));
                v
            }
            GetlineSrc::Cmd(e) => {
                let cmd = self.text(e).await?;
                if !self.io.cmds.contains_key(&cmd) {
                    self.flush_files();
                    let captured = Rc::new(RefCell::new(Vec::new()));
                    let mut out = Output::buffer(Rc::clone(&captured));
                    let spawn = self.cx.spawn;
                    let status = spawn
                        .spawn(sh(&cmd), Input::empty(), &mut out, self.cx.stderr)
                        .await;
                    let _ = out.flush().await;
                    drop(out);
                    let data = std::mem::take(&mut *captured.borrow_mut());
                    let mut reader = Reader::from_bytes(data);
                    reader.status = status;
                    self.io.cmds.insert(cmd.clone(), reader);
                }
                let Some(mut reader) = self.io.cmds.remove(&cmd) else {
                    return Ok(Value::Num(-1.0));
                };
                let found = self.read_record(&mut reader, false).await;
                let v = found.map(|(a, b)| Value::from_input(&reader.buf[a..b]));
                self.io.cmds.insert(cmd, reader);
                if v.is_some() {
                    self.nr += 1.0;
                }
                v
            }
        };
        let Some(v) = record else {
            return Ok(Value::Num(0.0));
        };
        match target {
            Some(lv) => {
                let place = self.place(lv).await?;
                self.set_place(&place, v)?;
            }
            None => self.set_field(0, v),
        }
        Ok(Value::Num(1.0))
    }
}
