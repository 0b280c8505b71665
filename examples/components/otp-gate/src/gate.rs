//! The gate's decisions: which secret, whether it is locked, whether a code is accepted. Pure:
//! the store is behind [`Store`] and the time is an argument, so all of it is tested natively.
//!
//! What is kept in the store (decimal text):
//!
//! - `last-step`: the time step (Unix seconds / 30) of the last accepted code. A code of that
//!   step or an earlier one is never accepted again (replay protection, RFC 6238 section 5.2).
//! - `failures`: wrong codes in a row. At [`MAX_FAILURES`] the gate is locked and refuses
//!   every code, a right one too, until someone removes the layer's store file.
//!
//! Every attempt is counted as a wrong code *before* the code is checked (a compare-and-swap on
//! `failures`), and a right code then sets the count back to 0. So calls racing each other, in
//! this host or another process, cannot check more than [`MAX_FAILURES`] wrong codes between
//! them before the gate locks.

use std::ffi::OsStr;

use crate::totp::{self, Code, DIGITS, STEP_SECS, Secret};

/// The store key of the last accepted time step.
pub const LAST_STEP: &str = "last-step";

/// The store key of the count of wrong codes in a row.
pub const FAILURES: &str = "failures";

/// Wrong codes in a row before the gate locks. Five leaves room for typos while keeping the odds
/// of guessing a 6-digit code (3 are valid at a time) at 15 in a million per lockout.
pub const MAX_FAILURES: u64 = 5;

/// Compare-and-swap retries before giving up on a store other calls keep changing.
const MAX_RETRIES: usize = 64;

/// A code is read only up to this many bytes; a longer answer is refused unread.
const MAX_CODE_INPUT_BYTES: usize = 64;

/// The environment variable holding the secret.
pub const SECRET_VAR: &str = "OTP_SECRET";

/// What the gate needs of the layer's store: the `airlock:layer/store` import, or a fake.
pub trait Store {
    /// The value of `key`, if it has one.
    ///
    /// # Errors
    /// The store's error, e.g. when the layer has no `store` grant.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String>;

    /// Sets `key` to `value`.
    ///
    /// # Errors
    /// As [`Store::get`].
    fn set(&self, key: &str, value: &[u8]) -> Result<(), String>;

    /// Sets `key` to `new` only if its value is `expected`; whether it did.
    ///
    /// # Errors
    /// As [`Store::get`].
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<bool, String>;
}

/// Why the gate refuses: a denial's reason and hint. Never holds a code or the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub hint: Option<String>,
}

impl Refusal {
    fn new(reason: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            hint: Some(hint.into()),
        }
    }
}

/// The secret from the value of `OTP_SECRET` (`None`: not set). The refusal never quotes it.
///
/// # Errors
/// A [`Refusal`] naming what is wrong, with a hint to grant the variable.
pub fn secret_from_env(value: Option<&OsStr>) -> Result<Secret, Refusal> {
    let grant = format!("env_from_host = [\"{SECRET_VAR}\"] in the layer's [layer.grants]");
    let Some(value) = value else {
        return Err(Refusal::new(
            format!(
                "{SECRET_VAR} is not set in the layer's environment, so no code can be checked"
            ),
            format!(
                "set {SECRET_VAR} on the host to the base32 secret your authenticator app was \
                 enrolled with, and pass it to the layer with {grant}"
            ),
        ));
    };
    let hint = format!(
        "set {SECRET_VAR} on the host to a base32 secret of at least 128 bits (e.g. the content \
         of a file written by `airlock otp enroll FILE`), passed to the layer with {grant}"
    );
    let Some(text) = value.to_str() else {
        return Err(Refusal::new(
            format!("{SECRET_VAR} is not usable: it is not UTF-8 text"),
            hint,
        ));
    };
    Secret::parse(text).map_err(|e| Refusal::new(format!("{SECRET_VAR} is not usable: {e}"), hint))
}

/// A code as a person typed it: six ASCII digits, surrounding whitespace trimmed.
///
/// # Errors
/// A [`Refusal`] for anything else; it is not counted as a wrong code.
pub fn parse_code(code: &str) -> Result<Code, Refusal> {
    let refuse = || {
        Refusal::new(
            "not a 6-digit code",
            "type the 6-digit code your authenticator app shows, digits only",
        )
    };
    if code.len() > MAX_CODE_INPUT_BYTES {
        return Err(refuse());
    }
    let code = code.trim().as_bytes();
    if code.len() != DIGITS || !code.iter().all(u8::is_ascii_digit) {
        return Err(refuse());
    }
    let mut out = [0u8; DIGITS];
    out.copy_from_slice(code);
    Ok(out)
}

/// Whether the gate takes codes at all: refused when locked, or when the store is unusable.
///
/// # Errors
/// The lockout, or the store's problem, as a [`Refusal`].
pub fn check_open(store: &(impl Store + ?Sized)) -> Result<(), Refusal> {
    let (_, failures) = read_number(store, FAILURES)?;
    let failures = failures.unwrap_or(0);
    if failures >= MAX_FAILURES {
        return Err(locked(failures));
    }
    Ok(())
}

/// Checks `code` at `unix_secs` and, when it is accepted, records its time step, which is
/// returned.
///
/// # Errors
/// A [`Refusal`]: a wrong code (counted), a code used before (not counted), the gate locked, or
/// the store unusable. Never says which code was expected.
pub fn verify(
    store: &(impl Store + ?Sized),
    secret: &Secret,
    code: &Code,
    unix_secs: u64,
) -> Result<u64, Refusal> {
    let now = unix_secs / STEP_SECS;
    // Every candidate is computed and compared before anything is decided, so the time taken
    // does not say which one matched.
    let candidates = [now.saturating_sub(1), now, now.saturating_add(1)]
        .map(|step| (step, totp::codes_equal(&secret.code_at_step(step), code)));
    let failures = reserve_attempt(store)?;
    match claim_step(store, &candidates)? {
        Claim::Accepted(step) => {
            store.set(FAILURES, b"0").map_err(store_error)?;
            Ok(step)
        }
        Claim::Used => {
            release_attempt(store)?;
            Err(Refusal::new(
                "this code was already used; wait for the next one",
                "authenticator apps show a new code every 30 s; a code is accepted only once",
            ))
        }
        Claim::Wrong if failures >= MAX_FAILURES => Err(locked(failures)),
        Claim::Wrong => {
            let left = MAX_FAILURES - failures;
            let codes = if left == 1 { "code" } else { "codes" };
            Err(Refusal::new(
                format!(
                    "wrong one-time password; {left} more wrong {codes} in a row will lock the gate"
                ),
                "type the 6-digit code your authenticator app shows now",
            ))
        }
    }
}

/// What a code is, against the last accepted step.
#[derive(Debug, PartialEq, Eq)]
enum Claim {
    /// Right and fresh: its step is now the last accepted one.
    Accepted(u64),
    /// Right, but of a step at or before the last accepted one.
    Used,
    /// Not the code of any step around now.
    Wrong,
}

/// Records the earliest fresh step whose code matched, with a compare-and-swap on `last-step`;
/// when another call changed it meanwhile, decides again on its new value.
fn claim_step(store: &(impl Store + ?Sized), candidates: &[(u64, bool)]) -> Result<Claim, Refusal> {
    for _ in 0..MAX_RETRIES {
        let (raw, last) = read_number(store, LAST_STEP)?;
        let mut fresh = None;
        let mut used = false;
        for &(step, matched) in candidates {
            if !matched {
                continue;
            }
            if last.is_some_and(|last| step <= last) {
                used = true;
            } else if fresh.is_none() {
                fresh = Some(step);
            }
        }
        let Some(step) = fresh else {
            return Ok(if used { Claim::Used } else { Claim::Wrong });
        };
        let new = step.to_string();
        if store
            .compare_and_swap(LAST_STEP, raw.as_deref(), Some(new.as_bytes()))
            .map_err(store_error)?
        {
            return Ok(Claim::Accepted(step));
        }
    }
    Err(busy())
}

/// Counts this attempt as a wrong code, unless the gate is locked; the new count.
fn reserve_attempt(store: &(impl Store + ?Sized)) -> Result<u64, Refusal> {
    for _ in 0..MAX_RETRIES {
        let (raw, failures) = read_number(store, FAILURES)?;
        let failures = failures.unwrap_or(0);
        if failures >= MAX_FAILURES {
            return Err(locked(failures));
        }
        let new = (failures + 1).to_string();
        if store
            .compare_and_swap(FAILURES, raw.as_deref(), Some(new.as_bytes()))
            .map_err(store_error)?
        {
            return Ok(failures + 1);
        }
    }
    Err(busy())
}

/// Takes back the count of an attempt that was no guess (a right code, used before).
fn release_attempt(store: &(impl Store + ?Sized)) -> Result<(), Refusal> {
    for _ in 0..MAX_RETRIES {
        let (raw, failures) = read_number(store, FAILURES)?;
        let failures = failures.unwrap_or(0);
        if failures == 0 {
            // A right code set it back meanwhile.
            return Ok(());
        }
        let new = (failures - 1).to_string();
        if store
            .compare_and_swap(FAILURES, raw.as_deref(), Some(new.as_bytes()))
            .map_err(store_error)?
        {
            return Ok(());
        }
    }
    Err(busy())
}

type RawNumber = (Option<Vec<u8>>, Option<u64>);

/// The raw value of `key` and the number it holds.
fn read_number(store: &(impl Store + ?Sized), key: &str) -> Result<RawNumber, Refusal> {
    let raw = store.get(key).map_err(store_error)?;
    let number = match &raw {
        None => None,
        Some(bytes) => Some(parse_decimal(bytes).ok_or_else(|| {
            Refusal::new(
                format!("the layer's store holds a corrupt `{key}` value (not a decimal number)"),
                "remove the layer's store file to start afresh",
            )
        })?),
    };
    Ok((raw, number))
}

fn parse_decimal(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 20 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

fn locked(failures: u64) -> Refusal {
    Refusal::new(
        format!(
            "the one-time password gate is locked after {failures} wrong codes in a row; it \
             refuses every code until it is unlocked"
        ),
        "someone with access to the host can remove the layer's store file to unlock it",
    )
}

fn busy() -> Refusal {
    Refusal::new(
        "the layer's store kept changing under other calls; the code was not checked",
        "type the code again",
    )
}

fn store_error(error: String) -> Refusal {
    Refusal::new(
        format!("the one-time password gate cannot use its store: {error}"),
        "the gate keeps its replay protection and lockout in a store: grant it with \
         `store = true` in the layer's [layer.grants]",
    )
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use super::*;

    /// RFC 6238's secret; its codes at the times below are known.
    fn secret() -> Secret {
        Secret::from_bytes(b"12345678901234567890").unwrap()
    }

    /// A time in the middle of step 1111111110 / 30 = 37037037 (plus 0.x).
    const NOW: u64 = 1_111_111_111;
    const STEP: u64 = NOW / STEP_SECS;

    fn code_at_step(step: u64) -> Code {
        secret().code_at_step(step)
    }

    /// A code that is none of the steps around `NOW`.
    fn wrong_code() -> Code {
        let near: Vec<Code> = (STEP - 1..=STEP + 1).map(code_at_step).collect();
        (0u32..)
            .map(|n| {
                let text = format!("{n:06}");
                let mut code = [0u8; DIGITS];
                code.copy_from_slice(text.as_bytes());
                code
            })
            .find(|c| !near.contains(c))
            .unwrap()
    }

    type Race = Box<dyn FnOnce(&mut HashMap<String, Vec<u8>>)>;

    /// A store in memory; `race` runs just before the next compare-and-swap on its key, as
    /// another call getting there first would.
    #[derive(Default)]
    struct MemStore {
        values: RefCell<HashMap<String, Vec<u8>>>,
        race: RefCell<Option<(&'static str, Race)>>,
        cas_calls: RefCell<usize>,
    }

    impl MemStore {
        fn with(pairs: &[(&str, &str)]) -> Self {
            let store = Self::default();
            for (k, v) in pairs {
                store
                    .values
                    .borrow_mut()
                    .insert((*k).to_string(), v.as_bytes().to_vec());
            }
            store
        }

        fn value(&self, key: &str) -> Option<String> {
            self.values
                .borrow()
                .get(key)
                .map(|v| String::from_utf8(v.clone()).unwrap())
        }

        fn race_on(
            &self,
            key: &'static str,
            f: impl FnOnce(&mut HashMap<String, Vec<u8>>) + 'static,
        ) {
            *self.race.borrow_mut() = Some((key, Box::new(f)));
        }
    }

    impl Store for MemStore {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(self.values.borrow().get(key).cloned())
        }

        fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
            self.values
                .borrow_mut()
                .insert(key.to_string(), value.to_vec());
            Ok(())
        }

        fn compare_and_swap(
            &self,
            key: &str,
            expected: Option<&[u8]>,
            new: Option<&[u8]>,
        ) -> Result<bool, String> {
            *self.cas_calls.borrow_mut() += 1;
            let race = {
                let mut slot = self.race.borrow_mut();
                if slot.as_ref().is_some_and(|(k, _)| *k == key) {
                    slot.take().map(|(_, f)| f)
                } else {
                    None
                }
            };
            let mut values = self.values.borrow_mut();
            if let Some(race) = race {
                race(&mut values);
            }
            if values.get(key).map(Vec::as_slice) != expected {
                return Ok(false);
            }
            match new {
                Some(v) => values.insert(key.to_string(), v.to_vec()),
                None => values.remove(key),
            };
            Ok(true)
        }
    }

    /// A store the layer was not granted.
    struct NoStore;

    impl Store for NoStore {
        fn get(&self, _: &str) -> Result<Option<Vec<u8>>, String> {
            Err("this layer is not granted a store".into())
        }
        fn set(&self, _: &str, _: &[u8]) -> Result<(), String> {
            Err("this layer is not granted a store".into())
        }
        fn compare_and_swap(
            &self,
            _: &str,
            _: Option<&[u8]>,
            _: Option<&[u8]>,
        ) -> Result<bool, String> {
            Err("this layer is not granted a store".into())
        }
    }

    fn verify_now(store: &MemStore, code: Code) -> Result<u64, Refusal> {
        verify(store, &secret(), &code, NOW)
    }

    #[test]
    fn the_current_code_is_accepted_and_recorded() {
        let store = MemStore::default();
        assert_eq!(verify_now(&store, code_at_step(STEP)), Ok(STEP));
        assert_eq!(store.value(LAST_STEP), Some(STEP.to_string()));
        assert_eq!(store.value(FAILURES), Some("0".into()));
    }

    #[test]
    fn rfc_codes_are_accepted_at_their_times() {
        for (time, code) in [
            (59, b"287082"),
            (1_234_567_890, b"005924"),
            (2_000_000_000, b"279037"),
        ] {
            let store = MemStore::default();
            assert_eq!(verify(&store, &secret(), code, time), Ok(time / STEP_SECS));
        }
    }

    #[test]
    fn one_step_either_way_is_accepted() {
        for step in [STEP - 1, STEP + 1] {
            let store = MemStore::default();
            assert_eq!(verify_now(&store, code_at_step(step)), Ok(step));
        }
    }

    #[test]
    fn two_steps_either_way_are_wrong() {
        for step in [STEP - 2, STEP + 2] {
            let store = MemStore::default();
            let err = verify_now(&store, code_at_step(step)).unwrap_err();
            assert!(err.reason.starts_with("wrong one-time password"), "{err:?}");
            assert_eq!(store.value(FAILURES), Some("1".into()));
            assert_eq!(store.value(LAST_STEP), None);
        }
    }

    #[test]
    fn a_code_is_accepted_once() {
        let store = MemStore::default();
        let code = code_at_step(STEP);
        assert_eq!(verify_now(&store, code), Ok(STEP));
        let err = verify_now(&store, code).unwrap_err();
        assert_eq!(
            err.reason,
            "this code was already used; wait for the next one"
        );
        // Not a guess: not counted.
        assert_eq!(store.value(FAILURES), Some("0".into()));
        // Nor is an older code, once a later one was accepted.
        let store = MemStore::default();
        assert_eq!(verify_now(&store, code_at_step(STEP + 1)), Ok(STEP + 1));
        for step in [STEP - 1, STEP, STEP + 1] {
            let err = verify_now(&store, code_at_step(step)).unwrap_err();
            assert!(err.reason.contains("already used"), "{step}: {err:?}");
        }
        // The next step's code is fresh.
        assert_eq!(
            verify(&store, &secret(), &code_at_step(STEP + 2), NOW + STEP_SECS),
            Ok(STEP + 2)
        );
    }

    #[test]
    fn the_gate_locks_after_five_wrong_codes() {
        let store = MemStore::default();
        for n in 1..MAX_FAILURES {
            let err = verify_now(&store, wrong_code()).unwrap_err();
            let left = MAX_FAILURES - n;
            assert!(
                err.reason.contains(&format!("; {left} more wrong")),
                "{err:?}"
            );
        }
        let err = verify_now(&store, wrong_code()).unwrap_err();
        assert!(err.reason.contains("locked after 5 wrong codes"), "{err:?}");
        assert!(
            err.hint
                .unwrap()
                .contains("remove the layer's store file to unlock it")
        );
        // A right code too is refused now, and not recorded.
        let err = verify_now(&store, code_at_step(STEP)).unwrap_err();
        assert!(err.reason.contains("locked"), "{err:?}");
        assert_eq!(store.value(LAST_STEP), None);
        assert_eq!(store.value(FAILURES), Some("5".into()));
        assert!(check_open(&store).unwrap_err().reason.contains("locked"));
    }

    #[test]
    fn a_right_code_resets_the_count() {
        let store = MemStore::default();
        for _ in 1..MAX_FAILURES {
            verify_now(&store, wrong_code()).unwrap_err();
        }
        assert_eq!(store.value(FAILURES), Some("4".into()));
        assert_eq!(verify_now(&store, code_at_step(STEP)), Ok(STEP));
        assert_eq!(store.value(FAILURES), Some("0".into()));
        let err = verify_now(&store, wrong_code()).unwrap_err();
        assert!(
            err.reason.contains("; 4 more wrong codes in a row"),
            "{err:?}"
        );
        assert!(check_open(&store).is_ok());
    }

    #[test]
    fn a_lost_race_on_the_step_decides_again() {
        // Another call accepts the same code first: this one is a reuse.
        let store = MemStore::default();
        store.race_on(LAST_STEP, |values| {
            values.insert(LAST_STEP.into(), STEP.to_string().into_bytes());
        });
        let err = verify_now(&store, code_at_step(STEP)).unwrap_err();
        assert!(err.reason.contains("already used"), "{err:?}");
        assert_eq!(store.value(LAST_STEP), Some(STEP.to_string()));
        assert_eq!(store.value(FAILURES), Some("0".into()));

        // Another call accepts an older step's code first: this one is still fresh.
        let store = MemStore::with(&[(LAST_STEP, "100")]);
        store.race_on(LAST_STEP, |values| {
            values.insert(LAST_STEP.into(), (STEP - 1).to_string().into_bytes());
        });
        assert_eq!(verify_now(&store, code_at_step(STEP)), Ok(STEP));
        assert_eq!(store.value(LAST_STEP), Some(STEP.to_string()));
    }

    #[test]
    fn a_lost_race_on_the_count_counts_again() {
        // Another wrong code is counted first: both are counted.
        let store = MemStore::with(&[(FAILURES, "3")]);
        store.race_on(FAILURES, |values| {
            values.insert(FAILURES.into(), b"4".to_vec());
        });
        let err = verify_now(&store, wrong_code()).unwrap_err();
        assert!(err.reason.contains("locked after 5"), "{err:?}");
        assert_eq!(store.value(FAILURES), Some("5".into()));

        // The other call locks the gate first: this code, right or not, is not checked.
        let store = MemStore::with(&[(FAILURES, "4")]);
        store.race_on(FAILURES, |values| {
            values.insert(FAILURES.into(), b"5".to_vec());
        });
        let err = verify_now(&store, code_at_step(STEP)).unwrap_err();
        assert!(err.reason.contains("locked"), "{err:?}");
        assert_eq!(store.value(LAST_STEP), None);
    }

    #[test]
    fn a_store_that_never_settles_is_given_up_on() {
        struct Busy;
        impl Store for Busy {
            fn get(&self, _: &str) -> Result<Option<Vec<u8>>, String> {
                Ok(None)
            }
            fn set(&self, _: &str, _: &[u8]) -> Result<(), String> {
                Ok(())
            }
            fn compare_and_swap(
                &self,
                _: &str,
                _: Option<&[u8]>,
                _: Option<&[u8]>,
            ) -> Result<bool, String> {
                Ok(false)
            }
        }
        let err = verify(&Busy, &secret(), &code_at_step(STEP), NOW).unwrap_err();
        assert!(err.reason.contains("kept changing"), "{err:?}");
    }

    #[test]
    fn without_a_store_every_code_is_refused() {
        for err in [
            verify(&NoStore, &secret(), &code_at_step(STEP), NOW).unwrap_err(),
            check_open(&NoStore).unwrap_err(),
        ] {
            assert!(err.reason.contains("not granted a store"), "{err:?}");
            assert!(err.hint.unwrap().contains("store = true"));
        }
    }

    #[test]
    fn corrupt_values_are_refused() {
        for value in ["", "x", "-1", "1.5", "99999999999999999999999"] {
            let store = MemStore::with(&[(FAILURES, value)]);
            let err = verify_now(&store, code_at_step(STEP)).unwrap_err();
            assert!(
                err.reason.contains("corrupt `failures`"),
                "{value}: {err:?}"
            );
        }
        let store = MemStore::with(&[(LAST_STEP, "soon")]);
        let err = verify_now(&store, code_at_step(STEP)).unwrap_err();
        assert!(err.reason.contains("corrupt `last-step`"), "{err:?}");
    }

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(parse_code(" 123456\n"), Ok(*b"123456"));
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "１２３４５６",
            "123 456",
            &"1".repeat(100),
        ] {
            let err = parse_code(bad).unwrap_err();
            assert_eq!(err.reason, "not a 6-digit code", "{bad:?}");
        }
    }

    #[test]
    fn refusals_never_show_codes() {
        let store = MemStore::default();
        let right = code_at_step(STEP);
        let wrong = wrong_code();
        let mut refusals = vec![verify_now(&store, wrong).unwrap_err()];
        verify_now(&store, right).unwrap();
        refusals.push(verify_now(&store, right).unwrap_err());
        for _ in 0..MAX_FAILURES {
            refusals.push(verify_now(&store, wrong).unwrap_err());
        }
        for refusal in refusals {
            let text = format!("{} {}", refusal.reason, refusal.hint.unwrap_or_default());
            for code in [right, wrong] {
                assert!(
                    !text.contains(std::str::from_utf8(&code).unwrap()),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn the_secret_comes_from_the_environment() {
        let ok = secret_from_env(Some(OsStr::new(
            " gezd gnbv gy3t qojq gezd gnbv gy3t qojq ",
        )));
        assert_eq!(ok, Ok(secret()));

        let missing = secret_from_env(None).unwrap_err();
        assert!(
            missing.reason.contains("OTP_SECRET is not set"),
            "{missing:?}"
        );
        assert!(
            missing
                .hint
                .unwrap()
                .contains("env_from_host = [\"OTP_SECRET\"]")
        );

        let short = "JBSWY3DPEHPK3PXP";
        let err = secret_from_env(Some(OsStr::new(short))).unwrap_err();
        assert!(err.reason.contains("80 bits; at least 128"), "{err:?}");
        let hint = err.hint.clone().unwrap();
        assert!(hint.contains("[layer.grants]"), "{hint}");
        assert!(!err.reason.contains(short) && !hint.contains(short));

        let bad = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ!";
        let err = secret_from_env(Some(OsStr::new(bad))).unwrap_err();
        assert!(err.reason.contains("not a base32 secret") || err.reason.contains("neither"));
        assert!(!err.reason.contains("GEZD"));
    }
}
