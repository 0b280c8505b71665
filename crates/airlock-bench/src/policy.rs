//! How long one policy decision takes: 100 allow rules, the last one matching,
//! with argument constraints. All patterns share the tool's first segment, so
//! the rule index narrows nothing and every pattern is tried in turn.

use std::hint::black_box;
use std::time::{Duration, Instant};

use airlock_policy::{Policy, PolicyState};

/// Decisions timed together in one sample: one decision is far below the
/// clock's resolution.
const BATCH: u32 = 10_000;
/// Samples taken; the median of them is reported.
const SAMPLES: usize = 31;

/// The median time of one allowed decision.
pub fn bench_decide() -> Duration {
    let mut text = String::new();
    for i in 0..99 {
        text.push_str(&format!(
            "[[allow]]\ntools = \"stripe/svc{i}/*\"\n[allow.args]\namount = {{ min = 1, max = 1000 }}\n\n"
        ));
    }
    text.push_str(
        "[[allow]]\ntools = \"stripe/charges/*\"\n[allow.args]\n\
         amount = { min = 1, max = 10000 }\ncurrency = { in = [\"USD\", \"EUR\"] }\n",
    );
    let policy = match Policy::from_toml(&text, "bench.toml") {
        Ok(policy) => policy,
        Err(e) => panic!("the benchmark policy must compile: {e}"),
    };
    let args = serde_json::json!({"amount": 500, "currency": "EUR"});
    let mut state = PolicyState::new(&policy);
    let mut times: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..BATCH {
                let grant = policy.decide(
                    &mut state,
                    black_box("stripe/charges/create"),
                    &args,
                    Duration::ZERO,
                );
                assert!(black_box(grant).is_ok());
            }
            start.elapsed() / BATCH
        })
        .collect();
    times.sort();
    times[SAMPLES / 2]
}
