//! `-c`: verify the files a checksum list names, with GNU's messages and summary.

use super::{Algo, Options, digest};
use crate::cmd::{Cmd, STATUS_BROKEN_PIPE};

/// Tallies for the closing warnings.
#[derive(Debug, Default)]
struct Tally {
    improper: usize,
    unreadable: usize,
    mismatched: usize,
    verified: usize,
    proper: usize,
}

/// Checks every line of one checksum list; `Err(141)` when stdout is gone.
pub(super) async fn check_file(
    cx: &mut Cmd<'_>,
    algo: Algo,
    o: &Options,
    list: &str,
) -> Result<i32, i32> {
    let text = match cx.read_operand(list).await {
        Ok(t) => t,
        Err(e) => return Ok(cx.fail_fs(list, &e).await),
    };
    let shown = if list == "-" { "standard input" } else { list };
    let mut tally = Tally::default();
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    for (n, line) in body.split(|&b| b == b'\n').enumerate() {
        let Some((name, want)) = parse_line(line, algo) else {
            tally.improper += 1;
            if o.warn {
                let message = format!(
                    "{shown}: {}: improperly formatted {} checksum line",
                    n + 1,
                    algo.tag()
                );
                let _ = cx.fail(0, message).await;
            }
            continue;
        };
        tally.proper += 1;
        let verdict = match digest(cx, algo, &name).await {
            Ok(got) if got.eq_ignore_ascii_case(&want) => {
                tally.verified += 1;
                (!o.quiet).then_some("OK")
            }
            Ok(_) => {
                tally.verified += 1;
                tally.mismatched += 1;
                Some("FAILED")
            }
            Err(message) => {
                let missing = cx.sys.stat(&cx.path(&name)).is_err();
                if o.ignore_missing && missing {
                    continue;
                }
                tally.unreadable += 1;
                if !o.status {
                    let _ = cx.fail(0, message).await;
                }
                Some("FAILED open or read")
            }
        };
        if let Some(verdict) = verdict.filter(|_| !o.status) {
            let line = format!("{name}: {verdict}\n");
            if cx.stdout.write(line.as_bytes()).await.is_err() {
                return Err(STATUS_BROKEN_PIPE);
            }
        }
    }
    Ok(summary(cx, o, shown, &tally).await)
}

/// The closing warnings on stderr, and the exit status.
async fn summary(cx: &mut Cmd<'_>, o: &Options, shown: &str, t: &Tally) -> i32 {
    if t.proper == 0 {
        return cx
            .fail(
                1,
                format!("{shown}: no properly formatted checksum lines found"),
            )
            .await;
    }
    if !o.status {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("WARNING: 1 {one}")
            } else {
                format!("WARNING: {n} {many}")
            }
        };
        if t.improper > 0 {
            let m = plural(
                t.improper,
                "line is improperly formatted",
                "lines are improperly formatted",
            );
            let _ = cx.fail(0, m).await;
        }
        if t.unreadable > 0 {
            let m = plural(
                t.unreadable,
                "listed file could not be read",
                "listed files could not be read",
            );
            let _ = cx.fail(0, m).await;
        }
        if t.mismatched > 0 {
            let m = plural(
                t.mismatched,
                "computed checksum did NOT match",
                "computed checksums did NOT match",
            );
            let _ = cx.fail(0, m).await;
        }
    }
    if o.ignore_missing && t.verified == 0 && t.unreadable == 0 {
        return cx.fail(1, format!("{shown}: no file was verified")).await;
    }
    let bad = t.mismatched > 0 || t.unreadable > 0 || (o.strict && t.improper > 0);
    i32::from(bad)
}

/// `HASH  name`, `HASH *name` or `ALGO (name) = HASH`; a leading `\` means the name is escaped.
fn parse_line(line: &[u8], algo: Algo) -> Option<(String, String)> {
    let line = String::from_utf8_lossy(line);
    let line = line.strip_suffix('\r').unwrap_or(&line);
    let (escaped, line) = match line.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, line),
    };
    let (name, hash) = if let Some(rest) = line.strip_prefix(algo.tag()) {
        let rest = rest.strip_prefix(" (")?;
        let (name, hash) = rest.rsplit_once(") = ")?;
        (name, hash)
    } else {
        let hash = line.get(..algo.hex_len())?;
        let rest = &line[algo.hex_len()..];
        let name = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))?;
        (name, hash)
    };
    if hash.len() != algo.hex_len() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    if name.is_empty() {
        return None;
    }
    let name = if escaped {
        unescape(name)?
    } else {
        name.to_string()
    };
    Some((name, hash.to_string()))
}

/// Undoes `\\` and `\n` in a name; other escapes make the line improper.
fn unescape(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next()? {
                '\\' => out.push('\\'),
                'n' => out.push('\n'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}
