//! The hooks the host calls, and the store and log it offers, bound with wit-bindgen.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::gate::{self, Refusal, SECRET_VAR};
use crate::prompt::{self, PROMPT_VAR};
use crate::totp::Secret;

wit_bindgen::generate!({
    // The repository's WIT, not a copy: the package's own folder is three levels down.
    path: "../../../wit/layer",
    world: "airlock:layer/layer@0.1.0",
});

use airlock::layer::log::{self, Level};
use airlock::layer::store;
use airlock::layer::types::{
    AfterAnswer, Approval, ApprovalMethod, BeforeAnswer, Call, Denial, ToolError,
};
use exports::airlock::layer::hooks::Guest;

struct OtpGate;

export!(OtpGate);

impl Guest for OtpGate {
    fn before(call: Call) -> BeforeAnswer {
        // Checked before a person is asked: a gate that cannot check codes, or is locked,
        // refuses at once instead of after someone typed one.
        let checked = secret().and_then(|_| gate::check_open(&HostStore));
        if let Err(refusal) = checked {
            log::log(
                Level::Warn,
                &format!(
                    "refused {} (call {}): {}",
                    call.tool, call.id, refusal.reason
                ),
            );
            return BeforeAnswer::Deny(denial(refusal));
        }
        let template = std::env::var(PROMPT_VAR).ok();
        BeforeAnswer::Approve(Approval {
            prompt: prompt::prompt(template.as_deref(), &call.tool, &call.args),
            method: ApprovalMethod::Code,
        })
    }

    fn after(_call: Call, _outcome: Result<String, ToolError>) -> AfterAnswer {
        AfterAnswer::Pass
    }

    fn verify_code(call: Call, code: String) -> Result<(), Denial> {
        match verify(&code) {
            Ok(step) => {
                log::log(
                    Level::Info,
                    &format!(
                        "accepted a one-time password for {} (call {}, time step {step})",
                        call.tool, call.id
                    ),
                );
                Ok(())
            }
            Err(refusal) => {
                log::log(
                    Level::Warn,
                    &format!(
                        "refused a one-time password for {} (call {}): {}",
                        call.tool, call.id, refusal.reason
                    ),
                );
                Err(denial(refusal))
            }
        }
    }
}

/// The accepted code's time step. The code is looked at before the secret is read.
fn verify(code: &str) -> Result<u64, Refusal> {
    let code = gate::parse_code(code)?;
    let secret = secret()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Refusal {
            reason: "the host clock is before 1970: one-time passwords cannot be checked".into(),
            hint: Some("set the host's clock".into()),
        })?;
    gate::verify(&HostStore, &secret, &code, now.as_secs())
}

fn secret() -> Result<Secret, Refusal> {
    gate::secret_from_env(std::env::var_os(SECRET_VAR).as_deref())
}

fn denial(refusal: Refusal) -> Denial {
    Denial {
        reason: refusal.reason,
        hint: refusal.hint,
    }
}

/// The layer's store, through the `airlock:layer/store` import.
struct HostStore;

impl gate::Store for HostStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        store::get(key)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
        store::set(key, value)
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, String> {
        store::compare_and_swap(key, expected, new)
    }
}
