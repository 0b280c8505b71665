//! The `otp-gate` example layer: a tool call runs only once a person types the one-time
//! password their authenticator app shows (TOTP, RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps,
//! a code from one step before or after now accepted too). The same gate as airlock's built-in
//! `otp` layer, as a component targeting `airlock:layer/layer@0.1.0`.
//!
//! The secret comes from the layer's environment (`OTP_SECRET`, granted with `env_from_host`);
//! replay protection and the lockout are kept in the layer's store, so they hold across
//! instances, restarts and processes. The decisions are in [`gate`], [`totp`] and [`prompt`],
//! which are plain Rust tested natively (`cargo test`); the bindings are only built for wasm32.

pub mod gate;
pub mod prompt;
pub mod totp;

#[cfg(target_arch = "wasm32")]
mod component;
