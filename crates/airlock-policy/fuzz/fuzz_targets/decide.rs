//! Replays arbitrary calls against an arbitrary policy; see `airlock_policy::fuzzing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| airlock_policy::fuzzing::decide(data));
