//! Parses and compiles arbitrary policy text; see `airlock_policy::fuzzing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| airlock_policy::fuzzing::parse(data));
