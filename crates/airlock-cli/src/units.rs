//! Durations and sizes as people write them: the host's own parsers, so a flag, a config file
//! and the library read `10s` and `256M` alike.

pub use airlock::units::{parse_duration, parse_size};
