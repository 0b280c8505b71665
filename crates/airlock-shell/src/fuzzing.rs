//! Entry points for the fuzzer (`fuzz/`) and the generator whose output also runs as a normal
//! test, so CI exercises the same code without cargo-fuzz.

use std::rc::Rc;

use crate::{MemSystem, Shell};

/// Parses arbitrary bytes as a script: must return, never panic.
pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::parse::parse(&text);
}

/// Parses and, when it parses, runs a script on an empty filesystem. Scripts that loop forever
/// are the fuzzer's problem (it has a timeout); the generator below makes none.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if crate::parse::parse(&text).is_err() {
        return;
    }
    let mut shell = Shell::new(Rc::new(MemSystem::default()));
    let _ = shell.run_captured(&text, b"");
}

/// A small deterministic generator (xorshift), so no `rand` dependency.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "echo",
    "x",
    "\"$x\"",
    "'a b'",
    "$((1+2))",
    "$(echo hi)",
    "${x:-d}",
    "${#x}",
    "${x%.*}",
    "*",
    "?",
    "[ab]",
    "$'\\t'",
    "\\$",
    "$@",
    "\"$@\"",
    "$?",
    "~",
    "a\\ b",
    "`echo b`",
];
const COMMANDS: &[&str] = &[
    "x=1",
    "true",
    "false",
    ":",
    "echo W",
    "test W = W",
    "[ -n W ]",
    "[[ W == a* ]]",
    "read a b <<< W",
    "set -- W W",
    "shift",
    "local y=W",
    "export x",
    "unset x",
];
const SHAPES: &[&str] = &[
    "C",
    "C; C",
    "C && C",
    "C || C",
    "! C",
    "C | C",
    "{ C; }",
    "( C )",
    "if C; then C; else C; fi",
    "for i in W W; do C; done",
    "while false; do C; done",
    "case W in a*) C;; *) C;; esac",
    "f() { C; return 0; }; f W",
    "C > /tmp/o; C < /tmp/o",
    "C 2>&1 >/dev/null",
    "cat <<EOF\nW $x\nEOF",
];

fn expand(g: &mut Gen, template: &str, depth: usize) -> String {
    let mut out = String::new();
    for c in template.chars() {
        match c {
            'C' if depth < 3 => {
                let shape = g.pick(SHAPES);
                if g.next().is_multiple_of(2) {
                    let command = g.pick(COMMANDS);
                    out.push_str(&expand(g, command, depth + 1));
                } else {
                    out.push_str(&expand(g, shape, depth + 1));
                }
            }
            'C' => out.push_str("true"),
            'W' => out.push_str(g.pick(WORDS)),
            c => out.push(c),
        }
    }
    out
}

/// Scripts built from the grammar's shapes, plus every prefix of a few, which cut constructs
/// at every point (unclosed quotes, `if` without `fi`).
pub fn corpus() -> Vec<Vec<u8>> {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    for _ in 0..200 {
        out.push(expand(&mut g, "C", 0).into_bytes());
    }
    for script in out.clone().iter().take(20) {
        for end in 0..script.len() {
            out.push(script[..end].to_vec());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_generated_corpus_parses_and_runs_without_panicking() {
        for script in super::corpus() {
            super::parse(&script);
            super::run(&script);
        }
    }
}
