//! The built-in layers of airlock (see `airlock_pipeline::Layer`).

pub mod otp;
pub mod redact;
pub mod trace;
