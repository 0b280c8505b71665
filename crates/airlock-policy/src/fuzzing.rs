//! Entry points for the fuzz targets in `fuzz/`, and a generator of inputs
//! for them, so the same code runs under cargo-fuzz and as a normal test.
//!
//! An input is `POLICY \0 TOOL \0 ARGS \0 TOOL \0 ARGS ...`: a TOML policy,
//! then calls, each a tool name and its arguments as JSON (anything that is
//! not JSON counts as `null`). Calls are 250 ms apart, with a new run every
//! fourth call, so rates and per-run budgets come into play.

use std::time::Duration;

use crate::{Policy, PolicyState};

/// Most calls replayed from one input; enough to exhaust small budgets
/// without letting one input run for long.
const MAX_CALLS: usize = 64;

/// Parses and compiles the policy part of `data`, and describes it.
pub fn parse(data: &[u8]) {
    let policy_bytes = data.split(|&b| b == 0).next().unwrap_or_default();
    let Ok(text) = std::str::from_utf8(policy_bytes) else {
        return;
    };
    if let Ok(policy) = Policy::from_toml(text, "fuzz.toml") {
        let described = policy.describe();
        assert!(described.starts_with("policy from fuzz.toml"));
    }
}

/// Compiles the policy part of `data` and replays its calls, checking that
/// every decision is well formed.
pub fn decide(data: &[u8]) {
    let mut parts = data.split(|&b| b == 0);
    let Some(Ok(text)) = parts.next().map(std::str::from_utf8) else {
        return;
    };
    let Ok(policy) = Policy::from_toml(text, "fuzz.toml") else {
        return;
    };
    let mut state = PolicyState::default();
    let mut now = Duration::ZERO;
    for i in 0..MAX_CALLS {
        let Some(tool) = parts.next() else {
            break;
        };
        let tool = String::from_utf8_lossy(tool);
        let args = parts
            .next()
            .and_then(|a| serde_json::from_slice(a).ok())
            .unwrap_or_default();
        if i % 4 == 3 {
            state.begin_run();
        }
        now += Duration::from_millis(250);
        match policy.decide(&mut state, &tool, &args, now) {
            Ok(grant) => {
                assert_eq!(
                    grant.rule.is_some(),
                    policy.rule_count() > policy.deny.len()
                );
                assert!(
                    policy.may_allow(&tool),
                    "allowed {tool:?} but may_allow says no"
                );
            }
            Err(denial) => {
                assert!(denial.message.starts_with("PolicyDenied: "));
                if let Some(hint) = &denial.hint {
                    assert!(denial.message.ends_with(hint.as_str()));
                }
            }
        }
    }
}

/// Structured, mostly valid inputs for both entry points, the same on every call.
pub fn corpus() -> Vec<Vec<u8>> {
    let mut rng = Rng(0x5eed_a1c0_ffee);
    (0..300).map(|_| input(&mut rng)).collect()
}

/// `data` with a few random bytes flipped, inserted, removed or cut, chosen by `seed`.
pub fn mutate(data: &[u8], seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut out = data.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        let byte = *rng.pick(b"\0\"'[]{}=*/.,\n#\\x9-");
        match rng.below(4) {
            0 if at < out.len() => out[at] = byte,
            1 => out.insert(at, byte),
            2 if at < out.len() => {
                out.remove(at);
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// splitmix64: tiny, deterministic, and good enough to vary test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SEGMENTS: &[&str] = &[
    "stripe", "charges", "refund", "db", "get_*", "*", "**", "a", "x*y",
];
const TOOLS: &[&str] = &[
    "stripe/charges/create",
    "stripe.charges.refund",
    "stripe/charges/refund/full",
    "db/get_user",
    "db.query",
    "a",
    "",
    "a//b",
    "xzy/a",
];
const RATES: &[&str] = &["1/s", "10/min", "2/10s", "3/h", "0/s", "fast"];
const CONSTRAINTS: &[&str] = &[
    "amount = { min = 1, max = 1000 }",
    "amount = { gt = 0, lt = 100.5 }",
    "currency = { in = [\"USD\", \"EUR\"] }",
    "currency = { not_in = [\"GBP\"], optional = true }",
    "sql = { starts_with = \"SELECT\", ends_with = \";\" }",
    "sql = { matches = \"SELECT [a-z ]+\" }",
    "\"body/role\" = { eq = \"viewer\" }",
    "\"items/*/price\" = { max = 10 }",
    "\"items/0\" = { ne = 0 }",
    "note = { max_len = 5, min_len = 1, optional = true }",
    "q = { contains = \"x\" }",
    "bad = { min = 5, max = 1 }",
    "bad = { optional = true }",
    "bad = { matches = \"(\" }",
];
const ARGS: &[&str] = &[
    "{\"amount\": 10}",
    "{\"amount\": 5000}",
    "{\"amount\": \"500\"}",
    "{\"amount\": true}",
    "{\"amount\": null}",
    "{\"amount\": -3, \"currency\": \"USD\"}",
    "{\"currency\": \"GBP\"}",
    "{\"sql\": \"SELECT a from b;\"}",
    "{\"body\": {\"role\": \"viewer\"}}",
    "{\"items\": [{\"price\": 3}, {\"price\": 30}]}",
    "{\"items\": []}",
    "{\"note\": \"hello!\", \"q\": \"xx\"}",
    "null",
    "[1, 2]",
    "{}",
];

fn pattern(rng: &mut Rng) -> String {
    let n = 1 + rng.below(3);
    let mut out = String::new();
    for i in 0..n {
        if i > 0 {
            out.push(if rng.chance(50) { '/' } else { '.' });
        }
        out.push_str(rng.pick::<&str>(SEGMENTS));
    }
    out
}

fn input(rng: &mut Rng) -> Vec<u8> {
    let mut policy = String::new();
    for _ in 0..rng.below(3) {
        policy.push_str(&format!("[[deny]]\ntools = {:?}\n", pattern(rng)));
        if rng.chance(50) {
            policy.push_str("reason = \"because\"\n");
        }
    }
    for _ in 0..rng.below(5) {
        policy.push_str(&format!("[[allow]]\ntools = {:?}\n", pattern(rng)));
        if rng.chance(30) {
            policy.push_str(&format!("max_calls = {}\n", rng.below(5)));
        }
        if rng.chance(30) {
            policy.push_str(&format!("per_run = {}\n", rng.below(4)));
        }
        if rng.chance(30) {
            policy.push_str(&format!("rate = {:?}\n", rng.pick(RATES)));
        }
        if rng.chance(60) {
            policy.push_str("[allow.args]\n");
            for _ in 0..=rng.below(2) {
                policy.push_str(rng.pick::<&str>(CONSTRAINTS));
                policy.push('\n');
            }
        }
        if rng.chance(30) {
            let max = rng.below(3000) as i64 - 100;
            policy.push_str(&format!("[allow.sum]\namount = {{ max = {max} }}\n"));
        }
    }
    let mut out = policy.into_bytes();
    for _ in 0..rng.below(10) {
        out.push(0);
        out.extend_from_slice(rng.pick(TOOLS).as_bytes());
        out.push(0);
        out.extend_from_slice(rng.pick(ARGS).as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_and_mostly_valid() {
        let corpus = corpus();
        assert_eq!(corpus, super::corpus());
        let valid = corpus
            .iter()
            .filter(|input| {
                let text = input.split(|&b| b == 0).next().unwrap_or_default();
                Policy::from_toml(std::str::from_utf8(text).unwrap(), "t").is_ok()
            })
            .count();
        assert!(valid * 3 > corpus.len(), "only {valid} valid policies");
    }
}
