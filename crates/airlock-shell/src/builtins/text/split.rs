//! `split`: cut the input into files of N lines or N bytes (`xaa`, `xab`, ...).

use super::{Body, open, parse_args, parse_size, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const SPLIT: Utility = Utility {
    name: "split",
    help: "Usage: split [OPTION]... [FILE [PREFIX]]
Output pieces of FILE (or standard input) to PREFIXaa, PREFIXab, ...; default 1000 lines each, prefix 'x'.
  -a, --suffix-length=N   generate suffixes of length N (default 2, growing as needed)
      --additional-suffix=SUFFIX  append an additional SUFFIX to file names
  -b, --bytes=SIZE        put SIZE bytes per output file (K, M, G suffixes)
  -d                      use numeric suffixes starting at 0, not alphabetic
  -l, --lines=NUMBER      put NUMBER lines/records per output file
  -n, --number=N          split into N files of (nearly) equal size
  --verbose               print a diagnostic just before each output file is opened
",
    run: split,
};

#[derive(Debug, Clone, Copy)]
enum Mode {
    Lines(u64),
    Bytes(u64),
    Chunks(u64),
}

/// Output file names: `aa`..`yz`, then `zaaa`..`yzzz` and so on while the length grows (as GNU
/// does when `-a` is not given); with a fixed length, `None` once they run out.
#[derive(Debug)]
struct Names {
    prefix: String,
    suffix: String,
    digits: bool,
    length: usize,
    auto: bool,
}

impl Names {
    fn name(&self, mut index: u64) -> Option<String> {
        let radix: u64 = if self.digits { 10 } else { 26 };
        let last = if self.digits { '9' } else { 'z' };
        let mut grow = String::new();
        let mut width = self.length;
        loop {
            let total = radix.checked_pow(u32::try_from(width).ok()?)?;
            // While growing, names starting with the last symbol are left for the next level.
            let room = if self.auto {
                total / radix * (radix - 1)
            } else {
                total
            };
            if index < room {
                let mut digits = vec![0u8; width];
                for d in digits.iter_mut().rev() {
                    let v = u8::try_from(index % radix).ok()?;
                    *d = if self.digits { b'0' + v } else { b'a' + v };
                    index /= radix;
                }
                let digits = String::from_utf8(digits).ok()?;
                return Some(format!("{}{grow}{digits}{}", self.prefix, self.suffix));
            }
            if !self.auto {
                return None;
            }
            index -= room;
            grow.push(last);
            width += 1;
        }
    }
}

fn split<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(split_body(cx).await) })
}

async fn split_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "a:b:dl:n:",
        long: &[
            ("suffix-length", 'a', true),
            ("additional-suffix", 'A', true),
            ("bytes", 'b', true),
            ("numeric-suffixes", 'd', false),
            ("lines", 'l', true),
            ("number", 'n', true),
            ("verbose", 'V', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut mode = Mode::Lines(1000);
    let mut names = Names {
        prefix: "x".to_string(),
        suffix: String::new(),
        digits: false,
        length: 2,
        auto: true,
    };
    let mut verbose = false;
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        let count = parse_size(&value).filter(|&n| n > 0);
        match (opt.flag, count) {
            ('a', _) => match value.parse::<usize>() {
                Ok(n) if n > 0 => (names.length, names.auto) = (n, false),
                _ => {
                    return Ok(cx
                        .fail(1, format!("invalid suffix length: '{value}'"))
                        .await);
                }
            },
            ('A', _) => names.suffix = value,
            ('d', _) => names.digits = true,
            ('V', _) => verbose = true,
            ('l', Some(n)) => mode = Mode::Lines(n),
            ('b', Some(n)) => mode = Mode::Bytes(n),
            ('n', Some(n)) => mode = Mode::Chunks(n),
            ('l', None) => {
                return Ok(cx
                    .fail(1, format!("invalid number of lines: '{value}'"))
                    .await);
            }
            ('b', None) => {
                return Ok(cx
                    .fail(1, format!("invalid number of bytes: '{value}'"))
                    .await);
            }
            ('n', None) => {
                return Ok(cx
                    .fail(1, format!("invalid number of chunks: '{value}'"))
                    .await);
            }
            _ => {}
        }
    }
    if operands.len() > 2 {
        return Ok(cx.usage(format!("extra operand '{}'", operands[2])).await);
    }
    let input_name = operands.first().cloned().unwrap_or_else(|| "-".to_string());
    if let Some(prefix) = operands.get(1) {
        names.prefix = prefix.clone();
    }
    let mut source = match open(cx, &input_name).await {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("cannot open '{input_name}' for reading: {}", e.describe());
            return Ok(cx.fail(1, msg).await);
        }
    };
    let input = source.input(cx.stdin);
    let mut writer = Writer {
        sys: cx.sys,
        cwd: cx.cwd,
        stdout: cx.stdout,
        stderr: cx.stderr,
        verbose,
        written: 0,
    };
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    let mut piece: Vec<u8> = Vec::new();
    // Pieces are finished one at a time; each is written as soon as it is complete.
    let mut done: Vec<Vec<u8>> = Vec::new();
    match mode {
        Mode::Chunks(n) => {
            let data = input.read_all().await;
            let size = data.len() as u64;
            let each = size / n;
            let mut start = 0usize;
            for i in 0..n {
                let end = if i + 1 == n {
                    data.len()
                } else {
                    start + usize::try_from(each).unwrap_or(0)
                };
                pieces.push(data[start..end].to_vec());
                start = end;
            }
        }
        Mode::Lines(n) => {
            let mut lines = 0u64;
            while let Some(mut chunk) = input.chunk().await {
                while !chunk.is_empty() {
                    let mut take = chunk.len();
                    for at in memchr::memchr_iter(b'\n', chunk) {
                        lines += 1;
                        if lines == n {
                            take = at + 1;
                            break;
                        }
                    }
                    piece.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    if lines == n {
                        done.push(std::mem::take(&mut piece));
                        lines = 0;
                    }
                }
                if let Err(status) = writer.write(&names, &mut done).await {
                    return Ok(status);
                }
            }
        }
        Mode::Bytes(n) => {
            while let Some(mut chunk) = input.chunk().await {
                while !chunk.is_empty() {
                    let room = usize::try_from(n).unwrap_or(usize::MAX) - piece.len();
                    let take = room.min(chunk.len());
                    piece.extend_from_slice(&chunk[..take]);
                    chunk = &chunk[take..];
                    if piece.len() as u64 == n {
                        done.push(std::mem::take(&mut piece));
                    }
                }
                if let Err(status) = writer.write(&names, &mut done).await {
                    return Ok(status);
                }
            }
        }
    }
    if !piece.is_empty() {
        pieces.push(piece);
    }
    done.extend(pieces);
    match writer.write(&names, &mut done).await {
        Ok(()) => Ok(0),
        Err(status) => Ok(status),
    }
}

/// Where finished pieces go: the file system and the streams for messages (borrowed apart from
/// the `Cmd` because its stdin is being read meanwhile).
struct Writer<'w> {
    sys: &'w dyn crate::system::System,
    cwd: &'w str,
    stdout: &'w mut crate::io::Output,
    stderr: &'w mut crate::io::Output,
    verbose: bool,
    written: u64,
}

impl Writer<'_> {
    /// Writes the finished pieces to the next file names; `Err` holds the exit status.
    async fn write(&mut self, names: &Names, done: &mut Vec<Vec<u8>>) -> Result<(), i32> {
        for data in done.drain(..) {
            let Some(name) = names.name(self.written) else {
                let _ = self
                    .stderr
                    .write_str("split: output file suffixes exhausted\n")
                    .await;
                return Err(1);
            };
            if self.verbose {
                let _ = self
                    .stdout
                    .write_str(&format!("creating file '{name}'\n"))
                    .await;
            }
            let path = crate::path::absolute(self.cwd, &name);
            if let Err(e) = self.sys.write_file(&path, &data, false) {
                let _ = self
                    .stderr
                    .write_str(&format!("split: {name}: {}\n", e.describe()))
                    .await;
                return Err(1);
            }
            self.written += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Names;
    use crate::system::{MemSystem, System};
    use crate::testing::{run, run_on};

    fn read(sys: &MemSystem, name: &str) -> String {
        String::from_utf8(sys.read_file(&format!("/workspace/{name}")).unwrap()).unwrap()
    }

    #[test]
    fn split_by_lines_and_bytes() {
        let sys = MemSystem::default();
        let r = run_on(&sys, "split", &["-l", "2"], "1\n2\n3\n4\n5\n");
        assert_eq!(r.status, 0);
        assert_eq!(read(&sys, "xaa"), "1\n2\n");
        assert_eq!(read(&sys, "xab"), "3\n4\n");
        assert_eq!(read(&sys, "xac"), "5\n");
        assert!(sys.stat("/workspace/xad").is_err());
        sys.write_file("/workspace/in", b"abcdefg", false).unwrap();
        run_on(&sys, "split", &["-b", "3", "-d", "in", "part_"], "");
        assert_eq!(read(&sys, "part_00"), "abc");
        assert_eq!(read(&sys, "part_02"), "g");
        run_on(
            &sys,
            "split",
            &["-n", "2", "-a", "3", "--additional-suffix=.txt", "in", "c"],
            "",
        );
        assert_eq!(read(&sys, "caaa.txt"), "abc");
        assert_eq!(read(&sys, "caab.txt"), "defg");
    }

    #[test]
    fn split_names_grow_like_gnu() {
        let names = Names {
            prefix: "x".into(),
            suffix: String::new(),
            digits: false,
            length: 2,
            auto: true,
        };
        assert_eq!(names.name(0).unwrap(), "xaa");
        assert_eq!(names.name(649).unwrap(), "xyz");
        assert_eq!(names.name(650).unwrap(), "xzaaa");
        let digits = Names {
            digits: true,
            ..names
        };
        assert_eq!(digits.name(89).unwrap(), "x89");
        assert_eq!(digits.name(90).unwrap(), "x9000");
        let fixed = Names {
            auto: false,
            length: 1,
            ..digits
        };
        assert_eq!(fixed.name(10), None);
    }

    #[test]
    fn split_errors() {
        let r = run("split", &["nope"], "");
        assert_eq!(
            r.stderr,
            "split: cannot open 'nope' for reading: No such file or directory\n"
        );
        assert_eq!(r.status, 1);
        let r = run("split", &["-a", "1", "-l", "1"], &"x\n".repeat(27));
        assert_eq!(r.stderr, "split: output file suffixes exhausted\n");
        assert_eq!(r.status, 1);
    }
}
