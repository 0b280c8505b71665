//! The otp layer against a fixed clock, RFC 6238's test vectors and Python's `pyotp` as an
//! independent implementation.

// `allow-unwrap-in-tests` covers `#[test]` functions only; the helpers here fail the test too.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use airlock_layers::otp::{self, OtpConfig, OtpError, OtpLayer};
use airlock_pipeline::{ApprovalMethod, Before, Deny, Layer, LayerCall};
use serde_json::json;
use totp_rs::{Builder, Secret, Totp};

/// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890", in base32.
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

/// A fixed time in the middle of a step (step 56_666_666 starts at 1_699_999_980).
const T: u64 = 1_699_999_995;

/// Polls a future to completion; the layer's hooks answer at once.
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// A fresh directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("airlock-otp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A clock tests move by hand, in Unix seconds.
#[derive(Clone)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn at(secs: u64) -> Self {
        Self(Arc::new(AtomicU64::new(secs * 1000)))
    }

    fn set(&self, secs: u64) {
        self.0.store(secs * 1000, Ordering::SeqCst);
    }

    fn set_ms(&self, ms: u64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.load(Ordering::SeqCst))
    }
}

fn write_secret(dir: &TempDir, contents: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.path("otp.secret");
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

#[test]
fn a_secret_other_users_may_read_is_refused_with_a_hint() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("readable");
    let path = write_secret(&dir, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = OtpLayer::new(OtpConfig::new(&path))
        .unwrap_err()
        .to_string();
    assert!(err.contains("readable by other users (mode 0644)"), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    assert!(
        !err.contains("JBSWY3DP"),
        "the secret is never quoted: {err}"
    );
}

fn config(secret_file: &Path, clock: &TestClock) -> OtpConfig {
    let clock = clock.clone();
    OtpConfig::new(secret_file)
        .with_throttle(Duration::ZERO)
        .with_clock(move || clock.now())
}

fn layer(secret_file: &Path, clock: &TestClock) -> OtpLayer {
    OtpLayer::new(config(secret_file, clock)).unwrap()
}

fn reference(secret_b32: &str) -> Totp {
    Builder::new()
        .with_secret(Secret::try_from_base32(secret_b32).unwrap())
        .build()
        .unwrap()
}

fn code_at(secret_b32: &str, secs: u64) -> String {
    reference(secret_b32).generate(secs).to_string()
}

fn call() -> LayerCall {
    LayerCall::new(0, 0, "pay", json!({"to": "ada"}))
}

fn verify(layer: &OtpLayer, code: &str) -> Result<(), Deny> {
    block_on(layer.verify_code(&call(), code))
}

fn before(layer: &OtpLayer) -> Before {
    block_on(layer.before(&call())).unwrap()
}

fn wrong_code(secret_b32: &str, secs: u64) -> String {
    let valid: Vec<String> = [secs - 30, secs, secs + 30]
        .iter()
        .map(|&t| code_at(secret_b32, t))
        .collect();
    (0..1_000_000u32)
        .map(|n| format!("{n:06}"))
        .find(|c| !valid.contains(c))
        .unwrap()
}

fn assert_no_leak(deny: &Deny, secret_b32: &str, now: u64) {
    let text = format!("{} {}", deny.reason, deny.hint.clone().unwrap_or_default());
    assert!(!text.contains(secret_b32), "secret in {text}");
    for t in [now - 30, now, now + 30] {
        assert!(
            !text.contains(&code_at(secret_b32, t)),
            "expected code in {text}"
        );
    }
}

#[test]
fn rfc6238_test_vectors_are_accepted_at_their_times() {
    let dir = TempDir::new("rfc");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(0);
    let layer = layer(&secret, &clock);
    // Appendix B, SHA-1, last 6 of the 8 digits.
    for (t, code) in [
        (59, "287082"),
        (1_111_111_109, "081804"),
        (1_111_111_111, "050471"),
        (1_234_567_890, "005924"),
        (2_000_000_000, "279037"),
        (20_000_000_000, "353130"),
    ] {
        clock.set(t);
        assert_eq!(verify(&layer, code), Ok(()), "at {t}");
    }
}

#[test]
fn code_for_now_and_one_step_either_way_is_accepted() {
    let dir = TempDir::new("window");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    // One step back first: accepting a later step refuses every earlier one.
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T - 30)), Ok(()));
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T)), Ok(()));
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T + 30)), Ok(()));
}

#[test]
fn code_two_steps_away_is_refused() {
    let dir = TempDir::new("far");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    for t in [T - 60, T + 60, T - 3600] {
        let code = code_at(RFC_SECRET, t);
        let deny = verify(&layer, &code).unwrap_err();
        assert!(deny.reason.contains("wrong"), "{deny:?}");
        assert_no_leak(&deny, RFC_SECRET, T);
    }
    assert_eq!(layer.status().unwrap().failures, 3);
}

#[test]
fn surrounding_whitespace_is_trimmed() {
    let dir = TempDir::new("trim");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    let code = format!("  {}\n", code_at(RFC_SECRET, T));
    assert_eq!(verify(&layer, &code), Ok(()));
}

#[test]
fn malformed_codes_are_refused_and_not_counted() {
    let dir = TempDir::new("malformed");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = OtpLayer::new(config(&secret, &clock).with_max_failures(1)).unwrap();
    let good = code_at(RFC_SECRET, T);
    let long = "1".repeat(10_000);
    for code in [
        "",
        "12345",
        "1234567",
        "12 345",
        "+12345",
        "-12345",
        "abcdef",
        "１２３４５６",
        &format!("{good}0"),
        &format!("0{good}"),
        &long,
    ] {
        let deny = verify(&layer, code).unwrap_err();
        assert!(deny.reason.contains("6 digits"), "{code:?}: {deny:?}");
    }
    assert_eq!(layer.status().unwrap().failures, 0);
    assert_eq!(verify(&layer, &good), Ok(()));
}

#[test]
fn a_code_is_accepted_once_even_across_a_restart() {
    let dir = TempDir::new("replay");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let first = layer(&secret, &clock);
    let code = code_at(RFC_SECRET, T);
    assert_eq!(verify(&first, &code), Ok(()));
    let deny = verify(&first, &code).unwrap_err();
    assert!(deny.reason.contains("used already"), "{deny:?}");
    // An earlier step's code, valid by the clock, is refused too once a later one was used.
    let deny = verify(&first, &code_at(RFC_SECRET, T - 30)).unwrap_err();
    assert!(deny.reason.contains("used already"), "{deny:?}");

    // A restart: a new layer over the same files remembers.
    drop(first);
    let second = layer(&secret, &clock);
    let deny = verify(&second, &code).unwrap_err();
    assert!(deny.reason.contains("used already"), "{deny:?}");
    assert_no_leak(&deny, RFC_SECRET, T);
    // A replay is not a guess: it does not count towards the lock.
    assert_eq!(second.status().unwrap().failures, 0);
    // The next step's code works.
    clock.set(T + 30);
    assert_eq!(verify(&second, &code_at(RFC_SECRET, T + 30)), Ok(()));
}

#[test]
fn lockout_after_max_failures_then_reset() {
    let dir = TempDir::new("lockout");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = OtpLayer::new(config(&secret, &clock).with_max_failures(3)).unwrap();
    let wrong = wrong_code(RFC_SECRET, T);
    for left in [2, 1] {
        let deny = verify(&layer, &wrong).unwrap_err();
        assert!(deny.reason.contains(&format!("{left} more")), "{deny:?}");
    }
    let deny = verify(&layer, &wrong).unwrap_err();
    assert!(deny.reason.contains("locked after 3"), "{deny:?}");
    assert!(layer.status().unwrap().locked);

    // Locked: the right code is refused, and calls are denied before a person is asked.
    let good = code_at(RFC_SECRET, T);
    let deny = verify(&layer, &good).unwrap_err();
    assert!(deny.reason.contains("locked"), "{deny:?}");
    assert_no_leak(&deny, RFC_SECRET, T);
    let Before::Deny(deny) = before(&layer) else {
        panic!("a locked gate must deny")
    };
    assert!(deny.reason.contains("locked after 3"), "{deny:?}");
    let hint = deny.hint.unwrap();
    assert!(hint.contains("airlock otp reset"), "{hint}");
    assert!(
        hint.contains(&layer.state_file().display().to_string()),
        "{hint}"
    );

    // The lock survives a restart.
    let restarted = OtpLayer::new(config(&secret, &clock).with_max_failures(3)).unwrap();
    assert!(matches!(before(&restarted), Before::Deny(_)));

    otp::reset(layer.state_file()).unwrap();
    assert!(matches!(before(&layer), Before::Approve(_)));
    assert_eq!(verify(&restarted, &good), Ok(()));
    assert_eq!(layer.status().unwrap().failures, 0);
}

#[test]
fn reset_keeps_replay_protection() {
    let dir = TempDir::new("reset-replay");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    let good = code_at(RFC_SECRET, T);
    assert_eq!(verify(&layer, &good), Ok(()));
    otp::reset(layer.state_file()).unwrap();
    assert!(verify(&layer, &good).is_err());
}

#[test]
fn a_right_code_clears_the_failure_count() {
    let dir = TempDir::new("clears");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = OtpLayer::new(config(&secret, &clock).with_max_failures(3)).unwrap();
    let wrong = wrong_code(RFC_SECRET, T + 30);
    verify(&layer, &wrong).unwrap_err();
    verify(&layer, &wrong).unwrap_err();
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T)), Ok(()));
    verify(&layer, &wrong).unwrap_err();
    verify(&layer, &wrong).unwrap_err();
    assert!(!layer.status().unwrap().locked);
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T + 30)), Ok(()));
}

#[test]
fn a_wrong_code_throttles_the_next_attempt() {
    let dir = TempDir::new("throttle");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer =
        OtpLayer::new(config(&secret, &clock).with_throttle(Duration::from_secs(1))).unwrap();
    verify(&layer, &wrong_code(RFC_SECRET, T)).unwrap_err();
    clock.set_ms(T * 1000 + 500);
    let good = code_at(RFC_SECRET, T);
    let deny = verify(&layer, &good).unwrap_err();
    assert!(deny.reason.contains("too soon"), "{deny:?}");
    // Throttled attempts are not counted.
    assert_eq!(layer.status().unwrap().failures, 1);
    clock.set_ms(T * 1000 + 1000);
    assert_eq!(verify(&layer, &good), Ok(()));
}

#[test]
fn before_asks_for_a_code_with_the_prompt() {
    let dir = TempDir::new("prompt");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let Before::Approve(ask) = before(&layer(&secret, &clock)) else {
        panic!("expected an approval")
    };
    assert_eq!(ask.method, ApprovalMethod::Code);
    assert_eq!(ask.prompt, "Enter the one-time password to run pay");

    let custom = OtpLayer::new(
        config(&secret, &clock)
            .with_prompt("OTP for {tool}, please")
            .with_name("otp-pay"),
    )
    .unwrap();
    assert_eq!(custom.name(), "otp-pay");
    let Before::Approve(ask) = before(&custom) else {
        panic!("expected an approval")
    };
    assert_eq!(ask.prompt, "OTP for pay, please");
}

#[test]
fn state_file_is_private_and_next_to_the_secret() {
    let dir = TempDir::new("state");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    assert_eq!(layer.state_file(), dir.path("otp.secret.state"));
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T)), Ok(()));
    let meta = std::fs::metadata(layer.state_file()).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layer.state_file()).unwrap()).unwrap();
    assert_eq!(state["version"], 1);
    assert_eq!(state["last_step"], T / 30);
    assert_eq!(state["failures"], 0);

    let custom =
        OtpLayer::new(config(&secret, &clock).with_state_file(dir.path("elsewhere"))).unwrap();
    assert_eq!(custom.state_file(), dir.path("elsewhere"));
    // Another state file knows nothing of the code used above.
    assert_eq!(verify(&custom, &code_at(RFC_SECRET, T)), Ok(()));
}

#[test]
fn a_corrupt_state_file_fails_closed_until_reset() {
    let dir = TempDir::new("corrupt");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let layer = layer(&secret, &clock);
    std::fs::write(layer.state_file(), "{not json").unwrap();
    let Before::Deny(deny) = before(&layer) else {
        panic!("a corrupt state must deny")
    };
    assert!(deny.reason.contains("corrupt"), "{deny:?}");
    assert!(deny.hint.unwrap().contains("airlock otp reset"));
    assert!(verify(&layer, &code_at(RFC_SECRET, T)).is_err());
    otp::reset(layer.state_file()).unwrap();
    assert_eq!(verify(&layer, &code_at(RFC_SECRET, T)), Ok(()));
}

#[test]
fn concurrent_verifications_accept_a_code_once() {
    let dir = TempDir::new("concurrent");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let code = code_at(RFC_SECRET, T);
    let accepted: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let layer = layer(&secret, &clock);
                let code = code.clone();
                s.spawn(move || verify(&layer, &code).is_ok())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum()
    });
    assert_eq!(accepted, 1);
}

fn new_err(secret_file: &Path) -> String {
    let clock = TestClock::at(T);
    OtpLayer::new(config(secret_file, &clock))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_secret_files_are_clear_errors() {
    let dir = TempDir::new("bad");
    let missing = dir.path("missing.secret");
    let err = new_err(&missing);
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(
        err.contains(&format!(
            "hint: create one with `airlock otp enroll {}`",
            missing.display()
        )),
        "{err}"
    );

    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("   \n", "empty"),
        ("not a secret!", "neither a base32 secret"),
        // 80 bits: too weak.
        ("GEZDGNBVGY3TQOJQ", "80 bits"),
        (
            "otpauth://totp/x:y?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256",
            "only SHA1, 6 digits, 30 s",
        ),
        (
            "otpauth://totp/x:y?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
            "only SHA1, 6 digits, 30 s",
        ),
        (
            "otpauth://hotp/x:y?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
            "otpauth:// URI",
        ),
    ];
    for (contents, expected) in cases {
        let path = write_secret(&dir, contents);
        let err = new_err(&path);
        assert!(err.contains(expected), "{contents:?}: {err}");
        assert!(err.contains("airlock otp enroll"), "{err}");
        assert!(!err.contains("GEZDGNBVGY3TQOJQ"), "secret leaked: {err}");
        assert!(!err.contains("not a secret!"), "content quoted: {err}");
    }

    let path = write_secret(&dir, &"A".repeat(5000));
    assert!(new_err(&path).contains("larger than 4096 bytes"));

    let path = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let err = OtpLayer::new(config(&path, &clock).with_max_failures(0)).unwrap_err();
    assert!(matches!(err, OtpError::Invalid { .. }), "{err}");
}

#[test]
fn secret_files_in_other_spellings_are_read() {
    let dir = TempDir::new("spellings");
    let clock = TestClock::at(T);
    let good = code_at(RFC_SECRET, T);
    for contents in [
        "  GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ  \n".to_string(),
        "gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n".to_string(),
        format!("otpauth://totp/ACME:ada?secret={RFC_SECRET}&issuer=ACME\n"),
        format!("otpauth://totp/ada?secret={RFC_SECRET}&algorithm=SHA1&digits=6&period=30"),
    ] {
        let path = write_secret(&dir, &contents);
        let layer = OtpLayer::new(
            config(&path, &clock).with_state_file(dir.path(&format!("{}.st", contents.len()))),
        )
        .unwrap();
        assert_eq!(verify(&layer, &good), Ok(()), "{contents:?}");
    }
}

#[test]
fn debug_output_holds_no_secret() {
    let dir = TempDir::new("debug");
    let secret = write_secret(&dir, RFC_SECRET);
    let clock = TestClock::at(T);
    let cfg = config(&secret, &clock);
    assert!(!format!("{cfg:?}").contains("GEZDGNBV"));
    let layer = OtpLayer::new(cfg).unwrap();
    let debug = format!("{layer:?}");
    assert!(debug.contains("OtpLayer"), "{debug}");
    assert!(!debug.contains("GEZDGNBV"), "{debug}");
    assert!(!debug.contains("12345678901234567890"), "{debug}");
    assert!(!debug.contains("49, 50, 51"), "{debug}");
}

#[test]
fn enroll_writes_a_private_secret_and_a_uri_that_parses_back() {
    let dir = TempDir::new("enroll");
    let path = dir.path("new.secret");
    let uri = otp::enroll(&path, "ada@example.org", "ACME Corp").unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let secret = std::fs::read_to_string(&path).unwrap().trim().to_string();
    assert_eq!(
        Secret::try_from_base32(&secret).unwrap().as_bytes().len(),
        20
    );

    assert!(
        uri.starts_with("otpauth://totp/ACME%20Corp:ada%40example.org?"),
        "{uri}"
    );
    for param in [
        format!("secret={secret}"),
        "issuer=ACME%20Corp".into(),
        "algorithm=SHA1".into(),
        "digits=6".into(),
        "period=30".into(),
    ] {
        assert!(uri.contains(&param), "{param} not in {uri}");
    }
    let parsed = Totp::from_url(&uri).unwrap();
    assert_eq!(parsed.secret().to_base32(), secret);
    assert_eq!(parsed.issuer(), Some("ACME Corp"));
    assert_eq!(parsed.account_name(), "ada@example.org");

    // The layer takes the new file, and a code from the URI's secret.
    let clock = TestClock::at(T);
    let layer = layer(&path, &clock);
    assert_eq!(verify(&layer, &parsed.generate(T).to_string()), Ok(()));

    // Never overwritten by accident; on purpose, atomically and still private.
    let err = otp::enroll(&path, "ada", "ACME").unwrap_err();
    assert!(matches!(err, OtpError::SecretExists { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), secret);
    let uri2 = otp::enroll_replacing(&path, "ada", "ACME").unwrap();
    let secret2 = std::fs::read_to_string(&path).unwrap().trim().to_string();
    assert_ne!(secret2, secret);
    assert!(uri2.contains(&secret2));
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    for (account, issuer) in [("", "ACME"), ("a:b", "ACME"), ("ada", "AC:ME"), ("ada", "")] {
        let err = otp::enroll(&dir.path("x.secret"), account, issuer).unwrap_err();
        assert!(matches!(err, OtpError::Invalid { .. }), "{err}");
    }
    assert!(!dir.path("x.secret").exists());

    let via_config = OtpConfig::new(dir.path("cfg.secret")).with_enrollment("bob", "Shop");
    let uri = via_config.enroll().unwrap();
    assert!(uri.starts_with("otpauth://totp/Shop:bob?"), "{uri}");
}

/// Runs Python with `pyotp`, or `None` (with a note) if either is missing.
fn python(script: &str, args: &[&str]) -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", "import pyotp"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("note: python3 with pyotp is not available (pip install pyotp); skipping");
        return None;
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn pyotp_codes_are_accepted_at_their_times() {
    let dir = TempDir::new("pyotp-codes");
    let path = dir.path("py.secret");
    otp::enroll(&path, "ada", "airlock").unwrap();
    let secret = std::fs::read_to_string(&path).unwrap().trim().to_string();
    let times: Vec<u64> = vec![
        59,
        1_111_111_109,
        1_234_567_890,
        T,
        2_000_000_000,
        4_102_444_800,
    ];
    let args: Vec<String> = times.iter().map(u64::to_string).collect();
    let mut argv = vec![secret.as_str()];
    argv.extend(args.iter().map(String::as_str));
    let script = "import sys, pyotp\n\
                  totp = pyotp.TOTP(sys.argv[1])\n\
                  for t in sys.argv[2:]:\n    print(totp.at(int(t)))\n";
    let Some(out) = python(script, &argv) else {
        return;
    };
    let codes: Vec<&str> = out.lines().collect();
    assert_eq!(codes.len(), times.len());
    let clock = TestClock::at(0);
    let layer = layer(&path, &clock);
    for (t, code) in times.iter().zip(codes) {
        clock.set(*t);
        assert_eq!(verify(&layer, code), Ok(()), "pyotp code {code} at {t}");
    }
    // And the other way round: RFC 6238's secret gives the same codes in both.
    let Some(out) = python(script, &[RFC_SECRET, "59", "1111111111"]) else {
        return;
    };
    assert_eq!(out, "287082\n050471\n");
}

#[test]
fn pyotp_parses_the_enrollment_uri() {
    let dir = TempDir::new("pyotp-uri");
    let path = dir.path("uri.secret");
    let uri = otp::enroll(&path, "ada@example.org", "ACME Corp").unwrap();
    let secret = std::fs::read_to_string(&path).unwrap().trim().to_string();
    let script = "import sys, pyotp\n\
                  t = pyotp.parse_uri(sys.argv[1])\n\
                  assert isinstance(t, pyotp.TOTP), type(t)\n\
                  print(t.secret); print(t.issuer); print(t.name)\n\
                  print(t.digits); print(t.interval); print(t.digest().name)\n\
                  print(t.at(int(sys.argv[2])))\n";
    let Some(out) = python(script, &[&uri, &T.to_string()]) else {
        return;
    };
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..6],
        [
            secret.as_str(),
            "ACME Corp",
            "ada@example.org",
            "6",
            "30",
            "sha1"
        ]
    );
    let clock = TestClock::at(T);
    assert_eq!(verify(&layer(&path, &clock), lines[6]), Ok(()));
}
