//! The built-in layers of airlock (see `airlock_pipeline::Layer`): `trace` (OpenTelemetry spans
//! of runs and calls), `redact` (secrets out of the journal, spans, prompts and, if asked,
//! results), `approve` (a person confirms each call) and `otp` (a person types a one-time
//! password).

pub mod approve;
pub mod otp;
pub mod redact;
pub mod trace;
