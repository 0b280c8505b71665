//! Runs the fuzz entry points over the generated corpus and mutations of it,
//! so CI exercises them without cargo-fuzz.

use airlock_policy::fuzzing;

/// Mutations tried per corpus entry; enough to reach the error paths of the
/// parser and the decision without slowing the test suite.
const MUTATIONS: u64 = 20;

#[test]
fn entry_points_survive_the_corpus() {
    let corpus = fuzzing::corpus();
    assert!(!corpus.is_empty());
    for input in &corpus {
        fuzzing::parse(input);
        fuzzing::decide(input);
    }
}

#[test]
fn entry_points_survive_mutations() {
    for (i, input) in fuzzing::corpus().iter().enumerate() {
        for seed in 0..MUTATIONS {
            let mutated = fuzzing::mutate(input, (i as u64) << 32 | seed);
            fuzzing::parse(&mutated);
            fuzzing::decide(&mutated);
        }
    }
}

#[test]
fn entry_points_survive_odd_bytes() {
    for input in [
        &b""[..],
        b"\0",
        b"\xff\xfe\0\0",
        b"[[allow]]\ntools = \"**\"\nrate = \"1/s\"\n\0a\0{}\0a\0{}\0a\0{}",
        b"[[allow]]\ntools = \"a\"\n[allow.sum]\nx = { max = 1e308 }\n\0a\0{\"x\": 1e308}\0a\0{\"x\": 1e308}",
        b"[[allow]]\ntools = \"a\"\n[allow.args]\n\"x/*/*/*\" = { eq = [[[1]]] }\n\0a\0{\"x\": [[[[1]]]]}",
    ] {
        fuzzing::parse(input);
        fuzzing::decide(input);
    }
}
