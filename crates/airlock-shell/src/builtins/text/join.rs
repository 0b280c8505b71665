//! `join`: join the lines of two files sorted on a common field.

use std::cmp::Ordering;

use super::comm::{CheckOrder, split_lines};
use super::{Body, OutBuf, parse_args, status};
use crate::builtins::args::Spec;
use crate::cmd::{Cmd, Utility};
use crate::exec::LocalBoxFuture;

pub(super) const JOIN: Utility = Utility {
    name: "join",
    help: "Usage: join [OPTION]... FILE1 FILE2
For each pair of input lines with identical join fields, write a line to standard output.
  -a FILENUM        also print unpairable lines from file FILENUM (1 or 2)
  -e STRING         replace missing (empty) output fields with STRING
  -i, --ignore-case ignore differences in case when comparing fields
  -j FIELD          equivalent to '-1 FIELD -2 FIELD'
  -o FORMAT         obey FORMAT while constructing output line (0, 1.N, 2.N or auto)
  -t CHAR           use CHAR as input and output field separator
  -v FILENUM        like -a FILENUM, but suppress joined output lines
  -1 FIELD          join on this FIELD of file 1
  -2 FIELD          join on this FIELD of file 2
  --check-order, --nocheck-order, --header
  -z, --zero-terminated   line delimiter is NUL, not newline
",
    run: join,
};

/// One output field of `-o`: `0` (the join field) or `FILE.FIELD` (0-based here).
#[derive(Debug, Clone, Copy)]
enum Spot {
    Key,
    Field(usize, usize),
}

#[derive(Debug)]
struct Join {
    tab: Option<u8>,
    key: [usize; 2],
    ignore_case: bool,
    format: Option<Vec<Spot>>,
    empty: Vec<u8>,
}

impl Join {
    fn fields<'l>(&self, line: &'l [u8]) -> Vec<&'l [u8]> {
        match self.tab {
            Some(t) => line.split(move |&b| b == t).collect(),
            None => line
                .split(|&b| b == b' ' || b == b'\t')
                .filter(|f| !f.is_empty())
                .collect(),
        }
    }

    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        if self.ignore_case {
            a.iter()
                .map(u8::to_ascii_lowercase)
                .cmp(b.iter().map(u8::to_ascii_lowercase))
        } else {
            a.cmp(b)
        }
    }

    /// One output line from a line of each file (either may be missing for unpaired lines).
    fn line(&self, sides: [Option<&[&[u8]]>; 2], out: &mut Vec<u8>) {
        let sep: &[u8] = match &self.tab {
            Some(t) => std::slice::from_ref(t),
            None => b" ",
        };
        let key_of = |f: usize| sides[f].and_then(|fs| fs.get(self.key[f]).copied());
        let key = key_of(0).or_else(|| key_of(1)).unwrap_or(&self.empty);
        let mut first = true;
        let mut put = |field: &[u8], out: &mut Vec<u8>| {
            if !first {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(field);
            first = false;
        };
        match &self.format {
            Some(spots) => {
                for spot in spots {
                    let field = match *spot {
                        Spot::Key => key,
                        Spot::Field(f, n) => sides[f]
                            .and_then(|fs| fs.get(n).copied())
                            .unwrap_or(&self.empty),
                    };
                    put(field, out);
                }
            }
            None => {
                put(key, out);
                for (f, side) in sides.iter().enumerate() {
                    for (n, field) in side.iter().flat_map(|fs| fs.iter()).enumerate() {
                        if n != self.key[f] {
                            put(field, out);
                        }
                    }
                }
            }
        }
    }
}

fn parse_format(text: &str, spots: &mut Vec<Spot>) -> Result<(), String> {
    for item in text.split([',', ' ']).filter(|s| !s.is_empty()) {
        if item == "0" {
            spots.push(Spot::Key);
            continue;
        }
        let bad = || format!("invalid field specifier: '{item}'");
        let (file, field) = item.split_once('.').ok_or_else(bad)?;
        let file = match file {
            "1" => 0,
            "2" => 1,
            _ => return Err(format!("invalid file number in field spec: '{item}'")),
        };
        let field: usize = field.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
        spots.push(Spot::Field(file, field - 1));
    }
    Ok(())
}

fn join<'a>(cx: &'a mut Cmd<'_>) -> LocalBoxFuture<'a, i32> {
    Box::pin(async move { status(join_body(cx).await) })
}

async fn join_body(cx: &mut Cmd<'_>) -> Body {
    let spec = Spec {
        short: "a:e:ij:o:t:v:1:2:z",
        long: &[
            ("ignore-case", 'i', false),
            ("check-order", 'c', false),
            ("nocheck-order", 'C', false),
            ("header", 'H', false),
            ("zero-terminated", 'z', false),
        ],
        stop_at_operand: false,
    };
    let (opts, operands) = parse_args!(cx, spec);
    let mut j = Join {
        tab: None,
        key: [0, 0],
        ignore_case: false,
        format: None,
        empty: Vec::new(),
    };
    let (mut unpaired, mut only_unpaired) = ([false; 2], false);
    let (mut check, mut header, mut auto, mut eol) = (CheckOrder::Default, false, false, b'\n');
    for opt in opts {
        let value = opt.value.unwrap_or_default();
        let field = |v: &str| v.parse::<usize>().ok().filter(|&n| n > 0).map(|n| n - 1);
        match opt.flag {
            'a' | 'v' => {
                let file = match value.as_str() {
                    "1" => 0,
                    "2" => 1,
                    _ => return Ok(cx.usage(format!("invalid file number: '{value}'")).await),
                };
                unpaired[file] = true;
                only_unpaired |= opt.flag == 'v';
            }
            'e' => j.empty = value.into_bytes(),
            'i' => j.ignore_case = true,
            'j' | '1' | '2' => {
                let Some(n) = field(&value) else {
                    return Ok(cx.usage(format!("invalid field number: '{value}'")).await);
                };
                match opt.flag {
                    '1' => j.key[0] = n,
                    '2' => j.key[1] = n,
                    _ => j.key = [n, n],
                }
            }
            'o' if value == "auto" => auto = true,
            'o' => {
                let spots = j.format.get_or_insert_with(Vec::new);
                if let Err(m) = parse_format(&value, spots) {
                    return Ok(cx.usage(m).await);
                }
            }
            't' => match value.as_bytes() {
                [b] => j.tab = Some(*b),
                [] => j.tab = Some(b'\n'),
                _ => return Ok(cx.fail(1, format!("multi-character tab '{value}'")).await),
            },
            'c' => check = CheckOrder::Enabled,
            'C' => check = CheckOrder::Disabled,
            'H' => header = true,
            'z' => eol = 0,
            _ => {}
        }
    }
    match operands.len() {
        0 => return Ok(cx.usage("missing operand").await),
        1 => {
            return Ok(cx
                .usage(format!("missing operand after '{}'", operands[0]))
                .await);
        }
        2 => {}
        _ => return Ok(cx.usage(format!("extra operand '{}'", operands[2])).await),
    }
    let mut data = Vec::new();
    for operand in &operands {
        match cx.read_operand(operand).await {
            Ok(d) => data.push(d),
            Err(e) => return Ok(cx.fail_fs(operand, &e).await),
        }
    }
    let files = [split_lines(&data[0], eol), split_lines(&data[1], eol)];
    let fields: [Vec<Vec<&[u8]>>; 2] = [
        files[0].iter().map(|l| j.fields(l)).collect(),
        files[1].iter().map(|l| j.fields(l)).collect(),
    ];
    if auto && j.format.is_none() {
        // `-o auto`: the fields of each file's first line, join field first.
        let mut spots = vec![Spot::Key];
        for (f, file_fields) in fields.iter().enumerate() {
            let n = file_fields.first().map_or(0, Vec::len);
            spots.extend((0..n).filter(|&i| i != j.key[f]).map(|i| Spot::Field(f, i)));
        }
        j.format = Some(spots);
    }
    let key = |f: usize, i: usize| -> &[u8] { fields[f][i].get(j.key[f]).copied().unwrap_or(b"") };
    let mut out = OutBuf::new();
    let mut pos = [0usize; 2];
    if header && !files[0].is_empty() && !files[1].is_empty() {
        j.line([Some(&fields[0][0]), Some(&fields[1][0])], &mut out.buf);
        out.buf.push(eol);
        pos = [1, 1];
    }
    let mut seen_unpairable = false;
    let mut warned = [false; 2];
    let mut status = 0;
    while pos[0] < files[0].len() || pos[1] < files[1].len() {
        let order = match (pos[0] < files[0].len(), pos[1] < files[1].len()) {
            (true, true) => j.compare(key(0, pos[0]), key(1, pos[1])),
            (true, false) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let mut ends = pos;
        match order {
            Ordering::Less | Ordering::Greater => {
                let f = usize::from(order == Ordering::Greater);
                seen_unpairable = true;
                if unpaired[f] {
                    let mut sides = [None, None];
                    sides[f] = Some(&fields[f][pos[f]][..]);
                    j.line(sides, &mut out.buf);
                    out.buf.push(eol);
                }
                ends[f] += 1;
            }
            Ordering::Equal => {
                for (f, end) in ends.iter_mut().enumerate() {
                    while *end < files[f].len()
                        && j.compare(key(f, *end), key(f, pos[f])) == Ordering::Equal
                    {
                        *end += 1;
                    }
                }
                if !only_unpaired {
                    for a in pos[0]..ends[0] {
                        for b in pos[1]..ends[1] {
                            j.line([Some(&fields[0][a]), Some(&fields[1][b])], &mut out.buf);
                            out.buf.push(eol);
                        }
                    }
                }
            }
        }
        // GNU checks the order of each line it moves past once a line has gone unpaired.
        for (f, lines) in files.iter().enumerate() {
            let checking =
                check == CheckOrder::Enabled || (check == CheckOrder::Default && seen_unpairable);
            if !checking || warned[f] {
                continue;
            }
            for i in (pos[f] + 1..=ends[f]).take_while(|&i| i < lines.len()) {
                if j.compare(key(f, i - 1), key(f, i)) == Ordering::Greater {
                    warned[f] = true;
                    out.flush(cx.stdout).await?;
                    let text = String::from_utf8_lossy(lines[i]);
                    status = cx
                        .fail(
                            1,
                            format!("{}:{}: is not sorted: {text}", operands[f], i + 1),
                        )
                        .await;
                    if check == CheckOrder::Enabled {
                        return Ok(1);
                    }
                    break;
                }
            }
        }
        pos = ends;
        out.drain(cx.stdout).await?;
    }
    out.flush(cx.stdout).await?;
    if status != 0 {
        return Ok(cx.fail(1, "input is not in sorted order").await);
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::system::{MemSystem, System};
    use crate::testing::run_on;

    fn sys() -> MemSystem {
        let sys = MemSystem::default();
        sys.write_file("/workspace/j1", b"a 1\nb 2\nc 3\n", false)
            .unwrap();
        sys.write_file("/workspace/j2", b"a x\nb y y2\nd z\n", false)
            .unwrap();
        sys.write_file("/workspace/k1", b"a,1\nb,2\n", false)
            .unwrap();
        sys.write_file("/workspace/k2", b"a,x\na,y\n", false)
            .unwrap();
        sys
    }

    #[test]
    fn join_matches_gnu() {
        let sys = sys();
        let j = |args: &[&str]| run_on(&sys, "join", args, "").stdout;
        assert_eq!(j(&["j1", "j2"]), "a 1 x\nb 2 y y2\n");
        assert_eq!(j(&["-a1", "j1", "j2"]), "a 1 x\nb 2 y y2\nc 3\n");
        assert_eq!(j(&["-v2", "j1", "j2"]), "d z\n");
        assert_eq!(j(&["-o", "1.2,2.2", "j1", "j2"]), "1 x\n2 y\n");
        assert_eq!(
            j(&["-a1", "-a2", "-o", "0,1.2,2.2", "-e", "NA", "j1", "j2"]),
            "a 1 x\nb 2 y\nc 3 NA\nd NA z\n"
        );
        assert_eq!(j(&["-t,", "k1", "k2"]), "a,1,x\na,1,y\n");
        assert_eq!(
            j(&["-o", "auto", "-a1", "-e", "?", "j1", "j2"]),
            "a 1 x\nb 2 y\nc 3 ?\n"
        );
        assert_eq!(
            run_on(&sys, "join", &["-i", "-", "j1"], "A 1\n").stdout,
            "A 1 1\n"
        );
        assert_eq!(
            run_on(&sys, "join", &["-", "j1"], "  a   1\n").stdout,
            "a 1 1\n"
        );
        assert_eq!(
            run_on(&sys, "join", &["-1", "2", "-2", "1", "-", "j2"], "x a\n").stdout,
            "a x x\n"
        );
    }

    #[test]
    fn join_reports_unsorted_input_and_errors() {
        let sys = MemSystem::default();
        sys.write_file("/workspace/c1", b"1\n3\n", false).unwrap();
        sys.write_file("/workspace/c2", b"2\n1\n", false).unwrap();
        let r = run_on(&sys, "join", &["c1", "c2"], "");
        assert_eq!(r.stdout, "");
        assert_eq!(
            r.stderr,
            "join: c2:2: is not sorted: 1\njoin: input is not in sorted order\n"
        );
        assert_eq!(r.status, 1);
        let r = run_on(&sys, "join", &["c1", "nope"], "");
        assert_eq!(r.stderr, "join: nope: No such file or directory\n");
        assert_eq!(run_on(&sys, "join", &["c1"], "").status, 2);
    }
}
