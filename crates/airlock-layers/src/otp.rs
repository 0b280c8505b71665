//! The `otp` layer: a tool call runs only once a person types the one-time password their
//! authenticator app shows (TOTP, RFC 6238).
//!
//! The parameters are the ones every authenticator app uses: HMAC-SHA-1, 6 digits, 30 second
//! steps, and a code from one step before or after the host's clock is accepted too (a phone's
//! clock drifts, and a person takes a few seconds to type).
//!
//! What the layer adds on top of the bare algorithm, all persisted in a small state file next to
//! the secret so that it survives a restart:
//!
//! - **Replay protection**: a code is accepted at most once, and never a code of a time step at
//!   or before the last accepted one (RFC 6238 section 5.2). Someone who saw a code over a
//!   shoulder or in a log cannot use it again.
//! - **Lockout**: after [`OtpConfig::max_failures`] wrong codes in a row the gate locks and
//!   refuses every code, a right one too, until a person runs [`reset`] (`airlock otp reset`).
//!   A million codes cannot be tried five at a time.
//! - **Throttle**: a wrong code makes the next attempt wait [`OtpConfig::throttle`].
//!
//! The secret never leaves the layer: it is not in `Debug` output, errors or denials, and codes
//! are never logged or echoed back.
//!
//! | Limit | Default | When exceeded |
//! |---|---|---|
//! | [`OtpConfig::max_failures`] | 5 | the gate locks until [`reset`] |
//! | [`OtpConfig::throttle`] | 1 s | the attempt is refused, not counted |
//! | [`MAX_SECRET_FILE_BYTES`] | 4 KiB | [`OtpError::SecretFile`] |
//! | [`MAX_STATE_FILE_BYTES`] | 4 KiB | [`OtpError::StateFile`]; calls are denied |

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use airlock_pipeline::{
    ApprovalAsk, ApprovalMethod, Before, Deny, Layer, LayerCall, LayerFuture, LayerResult, ready,
};
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Wrong codes in a row before the gate locks. Five leaves room for typos while keeping the
/// odds of guessing a 6-digit code (3 are valid at a time) at 15 in a million per lockout.
pub const DEFAULT_MAX_FAILURES: u32 = 5;

/// How long a wrong code makes the next attempt wait.
pub const DEFAULT_THROTTLE: Duration = Duration::from_secs(1);

/// A secret file holds 32 base32 letters or an `otpauth://` URI of a few hundred bytes; anything
/// larger is not a secret file, and is not read whole.
pub const MAX_SECRET_FILE_BYTES: u64 = 4096;

/// The state file is a few numbers in JSON; anything larger is not ours.
pub const MAX_STATE_FILE_BYTES: u64 = 4096;

/// Account and issuer names go into an enrollment URI a phone shows; longer is a mistake.
const MAX_LABEL_BYTES: usize = 256;

/// A code is read only up to this many bytes; a longer answer is refused unread.
const MAX_CODE_INPUT_BYTES: usize = 64;

/// RFC 6238 step, in seconds, as authenticator apps use it.
const STEP_SECS: u64 = 30;

/// Digits of a code, as authenticator apps use them.
const DIGITS: usize = 6;

/// The layer's name when the configuration does not give one.
pub const DEFAULT_NAME: &str = "otp";

/// The issuer written into an enrollment URI when none is given.
pub const DEFAULT_ISSUER: &str = "airlock";

/// The account written into an enrollment URI when none is given.
pub const DEFAULT_ACCOUNT: &str = "agent";

/// Version of the state file format written by this module.
const STATE_VERSION: u32 = 1;

/// A clock: the current time. Injected by tests; the system clock otherwise.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Something the otp layer could not set up or keep up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtpError {
    /// The secret file is missing, unreadable or holds no usable secret.
    #[error("OTP secret file {}: {reason}\nhint: {hint}", path.display())]
    SecretFile {
        path: PathBuf,
        reason: String,
        hint: String,
    },
    /// [`enroll`] would overwrite an existing secret file.
    #[error(
        "OTP secret file {} exists already\nhint: every authenticator enrolled with it would \
         stop working; delete it first to replace it, or enroll into another file",
        path.display()
    )]
    SecretExists { path: PathBuf },
    /// The state file (replay and failure counters) is unreadable, corrupt or cannot be written.
    #[error("OTP state file {}: {reason}\nhint: {hint}", path.display())]
    StateFile {
        path: PathBuf,
        reason: String,
        hint: String,
    },
    /// The configuration or an enrollment argument is invalid.
    #[error("{reason}\nhint: {hint}")]
    Invalid { reason: String, hint: String },
}

impl OtpError {
    /// The error as a layer denial (fail closed), message and hint apart.
    fn to_deny(&self) -> Deny {
        let text = self.to_string();
        match text.split_once("\nhint: ") {
            Some((reason, hint)) => Deny::new(reason).with_hint(hint),
            None => Deny::new(text),
        }
    }
}

/// How an [`OtpLayer`] is set up. Build with [`OtpConfig::new`] and the `with_` methods.
#[non_exhaustive]
pub struct OtpConfig {
    /// The file holding the shared secret: base32 (spaces, dashes, padding and case ignored) or
    /// an `otpauth://totp/...` URI, with surrounding whitespace trimmed. Created by [`enroll`].
    pub secret_file: PathBuf,
    /// Where replay and failure counters are kept. Default: `<secret_file>.state`.
    pub state_file: Option<PathBuf>,
    /// Wrong codes in a row before the gate locks (default [`DEFAULT_MAX_FAILURES`]; 0 is
    /// invalid).
    pub max_failures: u32,
    /// How long after a wrong code further attempts are refused, without being counted
    /// (default [`DEFAULT_THROTTLE`]).
    pub throttle: Duration,
    /// What the person is asked, a template as the `approve` layer's (`{tool}`, `{ARGUMENT}`).
    /// Default: "Enter the one-time password to run {tool}".
    pub prompt: Option<String>,
    /// The layer's name in denials, the journal and spans (default [`DEFAULT_NAME`]).
    pub name: String,
    /// The account [`OtpConfig::enroll`] writes into the URI (default [`DEFAULT_ACCOUNT`]).
    pub account: String,
    /// The issuer [`OtpConfig::enroll`] writes into the URI (default [`DEFAULT_ISSUER`]).
    pub issuer: String,
    /// The clock codes are checked against (default: the system clock).
    pub clock: Option<Clock>,
}

impl fmt::Debug for OtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpConfig")
            .field("secret_file", &self.secret_file)
            .field("state_file", &self.state_file)
            .field("max_failures", &self.max_failures)
            .field("throttle", &self.throttle)
            .field("prompt", &self.prompt)
            .field("name", &self.name)
            .field("account", &self.account)
            .field("issuer", &self.issuer)
            .field("clock", &self.clock.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl OtpConfig {
    /// A configuration with every default, for the secret in `secret_file`.
    pub fn new(secret_file: impl Into<PathBuf>) -> Self {
        Self {
            secret_file: secret_file.into(),
            state_file: None,
            max_failures: DEFAULT_MAX_FAILURES,
            throttle: DEFAULT_THROTTLE,
            prompt: None,
            name: DEFAULT_NAME.to_string(),
            account: DEFAULT_ACCOUNT.to_string(),
            issuer: DEFAULT_ISSUER.to_string(),
            clock: None,
        }
    }

    #[must_use]
    pub fn with_state_file(mut self, state_file: impl Into<PathBuf>) -> Self {
        self.state_file = Some(state_file.into());
        self
    }

    #[must_use]
    pub fn with_max_failures(mut self, max_failures: u32) -> Self {
        self.max_failures = max_failures;
        self
    }

    #[must_use]
    pub fn with_throttle(mut self, throttle: Duration) -> Self {
        self.throttle = throttle;
        self
    }

    #[must_use]
    pub fn with_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The account and issuer [`OtpConfig::enroll`] writes into the URI.
    #[must_use]
    pub fn with_enrollment(
        mut self,
        account: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Self {
        self.account = account.into();
        self.issuer = issuer.into();
        self
    }

    /// Checks codes against `clock` instead of the system clock (tests, simulations).
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The state file in use: [`OtpConfig::state_file`] or `<secret_file>.state`.
    pub fn state_file_path(&self) -> PathBuf {
        self.state_file
            .clone()
            .unwrap_or_else(|| default_state_file(&self.secret_file))
    }

    /// [`enroll`] with this configuration's secret file, account and issuer.
    ///
    /// # Errors
    /// As [`enroll`].
    pub fn enroll(&self) -> Result<String, OtpError> {
        enroll(&self.secret_file, &self.account, &self.issuer)
    }
}

/// `<secret_file>.state`: the default state file of a secret file.
pub fn default_state_file(secret_file: &Path) -> PathBuf {
    let mut name = OsString::from(secret_file.as_os_str());
    name.push(".state");
    PathBuf::from(name)
}

/// What the state file says, for `airlock otp status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OtpStatus {
    /// Wrong codes in a row since the last accepted one (or reset).
    pub failures: u32,
    /// Whether the gate refuses every code until [`reset`].
    pub locked: bool,
    /// The time step (Unix seconds / 30) of the last accepted code.
    pub last_step: Option<u64>,
}

/// The `otp` layer. See the [module docs](self).
pub struct OtpLayer {
    name: String,
    /// Holds the secret: never printed (see the `Debug` impl).
    totp: Totp,
    secret_file: PathBuf,
    store: StateStore,
    max_failures: u32,
    throttle: Duration,
    prompt: Option<String>,
    clock: Option<Clock>,
}

impl fmt::Debug for OtpLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtpLayer")
            .field("name", &self.name)
            .field("secret_file", &self.secret_file)
            .field("state_file", &self.store.path)
            .field("max_failures", &self.max_failures)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

impl OtpLayer {
    /// Reads the secret and checks the configuration. The state file is read on every call, so
    /// a reset from another process takes effect at once.
    ///
    /// # Errors
    /// [`OtpError::SecretFile`] if the secret file is missing, unreadable or invalid;
    /// [`OtpError::Invalid`] if `max_failures` is 0.
    pub fn new(config: OtpConfig) -> Result<Self, OtpError> {
        if config.max_failures == 0 {
            return Err(OtpError::Invalid {
                reason: "otp: max_failures is 0, so the gate would be locked from the start".into(),
                hint: format!("use at least 1; the default is {DEFAULT_MAX_FAILURES}"),
            });
        }
        let totp = load_secret(&config.secret_file)?;
        let store = StateStore::new(config.state_file_path());
        Ok(Self {
            name: config.name,
            totp,
            secret_file: config.secret_file,
            store,
            max_failures: config.max_failures,
            throttle: config.throttle,
            prompt: config.prompt,
            clock: config.clock,
        })
    }

    /// The state file this layer keeps its counters in.
    pub fn state_file(&self) -> &Path {
        &self.store.path
    }

    /// The counters as they stand.
    ///
    /// # Errors
    /// [`OtpError::StateFile`] if the state file is unreadable or corrupt.
    pub fn status(&self) -> Result<OtpStatus, OtpError> {
        let state = self.store.read()?;
        Ok(OtpStatus {
            failures: state.failures,
            locked: state.failures >= self.max_failures,
            last_step: state.last_step,
        })
    }

    /// Checks a code a person typed, now. This is what [`Layer::verify_code`] does; the CLI
    /// calls it directly to check a code at once (`airlock approvals approve --code`).
    ///
    /// # Errors
    /// A [`Deny`] saying why the code was refused; never the expected code.
    pub fn verify(&self, code: &str) -> Result<(), Deny> {
        let code = parse_code(code)?;
        let now = self.now()?;
        self.store
            .transact(|state| self.decide(state, &code, now))
            .unwrap_or_else(|e| Err(e.to_deny()))
    }

    /// The decision on `code` at `now`, updating the counters in `state`.
    fn decide(&self, state: &mut State, code: &[u8; DIGITS], now: Duration) -> Result<(), Deny> {
        if state.failures >= self.max_failures {
            return Err(self.locked(state.failures));
        }
        let now_ms = u64::try_from(now.as_millis()).unwrap_or(u64::MAX);
        let throttle_ms = u64::try_from(self.throttle.as_millis()).unwrap_or(u64::MAX);
        if let Some(failed_at) = state.last_failure_ms {
            let until = failed_at.saturating_add(throttle_ms);
            if now_ms < until {
                // Not counted: a person who typed twice too fast should not lose an attempt.
                return Err(Deny::new(format!(
                    "too soon after a wrong one-time password: wait {} ms",
                    until - now_ms
                ))
                .with_hint("type the code again in a moment"));
            }
        }
        let step = now.as_secs() / STEP_SECS;
        let mut matched_old = false;
        // Every candidate is computed and compared, so the time taken does not say which matched.
        let mut fresh = None;
        for candidate in step.saturating_sub(1)..=step.saturating_add(1) {
            if !self.matches(candidate, code) {
                continue;
            }
            if state.last_step.is_some_and(|last| candidate <= last) {
                matched_old = true;
            } else if fresh.is_none() {
                fresh = Some(candidate);
            }
        }
        if let Some(candidate) = fresh {
            state.last_step = Some(candidate);
            state.failures = 0;
            state.last_failure_ms = None;
            return Ok(());
        }
        if matched_old {
            // A right code, used before: not a guess, so not counted, but never accepted twice.
            return Err(Deny::new("this one-time password was used already")
                .with_hint("wait for the next code in your authenticator app (every 30 s)"));
        }
        state.failures = state.failures.saturating_add(1);
        state.last_failure_ms = Some(now_ms);
        if state.failures >= self.max_failures {
            return Err(self.locked(state.failures));
        }
        let left = self.max_failures - state.failures;
        Err(Deny::new(format!(
            "wrong one-time password ({left} more wrong in a row locks the gate)"
        ))
        .with_hint("type the 6-digit code your authenticator app shows now"))
    }

    /// Whether `code` is the code of time step `step`, compared in constant time.
    fn matches(&self, step: u64, code: &[u8; DIGITS]) -> bool {
        let expected = self
            .totp
            .generate(step.saturating_mul(STEP_SECS))
            .to_string();
        let expected = expected.as_bytes();
        if expected.len() != DIGITS {
            return false;
        }
        let diff = expected
            .iter()
            .zip(code)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        diff == 0
    }

    fn locked(&self, failures: u32) -> Deny {
        Deny::new(format!(
            "the one-time password gate is locked after {failures} wrong codes in a row"
        ))
        .with_hint(format!(
            "someone with access to the host unlocks it: airlock otp reset {}",
            self.store.path.display()
        ))
    }

    fn now(&self) -> Result<Duration, Deny> {
        let now = self.clock.as_ref().map_or_else(SystemTime::now, |c| c());
        now.duration_since(UNIX_EPOCH).map_err(|_| {
            Deny::new("the host clock is before 1970: one-time passwords cannot be checked")
                .with_hint("set the host's clock")
        })
    }

    fn ask(&self, call: &LayerCall) -> Before {
        match self.status() {
            Err(e) => Before::Deny(e.to_deny()),
            Ok(status) if status.locked => Before::Deny(self.locked(status.failures)),
            Ok(_) => {
                let prompt = match &self.prompt {
                    Some(p) => crate::approve::render(p, call),
                    None => format!("Enter the one-time password to run {}", call.tool),
                };
                Before::Approve(ApprovalAsk {
                    prompt,
                    method: ApprovalMethod::Code,
                })
            }
        }
    }
}

impl Layer for OtpLayer {
    fn name(&self) -> &str {
        &self.name
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        ready(Ok(self.ask(call)))
    }

    fn verify_code<'a>(
        &'a self,
        call: &'a LayerCall,
        code: &'a str,
    ) -> LayerFuture<'a, Result<(), Deny>> {
        let _ = call;
        ready(self.verify(code))
    }
}

/// Six ASCII digits, surrounding whitespace trimmed; anything else is refused before the secret
/// is touched, and is not counted as a wrong code.
fn parse_code(code: &str) -> Result<[u8; DIGITS], Deny> {
    let refuse = || {
        Deny::new("a one-time password is 6 digits")
            .with_hint("type the 6-digit code your authenticator app shows, digits only")
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

/// Reads and checks the secret in `path`. Errors never quote the file's content.
fn load_secret(path: &Path) -> Result<Totp, OtpError> {
    let err = |reason: String| OtpError::SecretFile {
        path: path.to_path_buf(),
        reason,
        hint: format!(
            "create one with `airlock otp enroll {}` and add it to your authenticator app",
            path.display()
        ),
    };
    let bytes = read_bounded(path, MAX_SECRET_FILE_BYTES).map_err(|e| err(io_reason(&e)))?;
    // Like ssh with a private key: a secret others may read is no longer a secret.
    let mode = fs::metadata(path)
        .map_err(|e| err(io_reason(&e)))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(OtpError::SecretFile {
            path: path.to_path_buf(),
            reason: format!("readable by other users (mode {:04o})", mode & 0o7777),
            hint: format!("chmod 600 {}", path.display()),
        });
    }
    let Some(bytes) = bytes else {
        return Err(err(format!(
            "larger than {MAX_SECRET_FILE_BYTES} bytes: not a secret file"
        )));
    };
    let text = String::from_utf8(bytes).map_err(|_| err("not UTF-8 text".into()))?;
    let text = text.trim();
    if text.is_empty() {
        return Err(err("empty".into()));
    }
    if text
        .get(..10)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("otpauth://"))
    {
        let totp =
            Totp::from_url(text).map_err(|e| err(format!("not a usable otpauth:// URI ({e})")))?;
        if totp.algorithm() != Algorithm::SHA1
            || usize::from(totp.digits()) != DIGITS
            || totp.step() != STEP_SECS
        {
            return Err(err(format!(
                "the URI asks for {}, {} digits, {} s steps; only SHA1, 6 digits, 30 s are \
                 supported (what authenticator apps use)",
                totp.algorithm(),
                totp.digits(),
                totp.step()
            )));
        }
        return Ok(totp);
    }
    // Apps show secrets in groups ("abcd efgh ..."), some with dashes or padding.
    let normalized: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if !normalized
        .bytes()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    {
        return Err(err(
            "neither a base32 secret (letters A-Z, digits 2-7) nor an otpauth:// URI".into(),
        ));
    }
    let secret = Secret::try_from_base32(&normalized)
        .map_err(|_| err("not a valid base32 secret".into()))?;
    let bits = secret.as_bytes().len() * 8;
    Builder::new().with_secret(secret).build().map_err(|_| {
        err(format!(
            "the secret has {bits} bits; at least 128 are needed"
        ))
    })
}

/// Reads at most `limit` bytes of `path`; `None` if the file is larger.
fn read_bounded(path: &Path, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "does not exist".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => format!("cannot be read ({e})"),
    }
}

/// The state file's content (JSON):
/// `{"version":1,"last_step":N|null,"failures":N,"last_failure_ms":N|null}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    version: u32,
    /// Time step (Unix seconds / 30) of the last accepted code: no code of this step or an
    /// earlier one is accepted again.
    #[serde(default)]
    last_step: Option<u64>,
    /// Wrong codes in a row.
    #[serde(default)]
    failures: u32,
    /// When the last wrong code came, milliseconds since the Unix epoch (for the throttle).
    #[serde(default)]
    last_failure_ms: Option<u64>,
}

impl State {
    fn fresh() -> Self {
        Self {
            version: STATE_VERSION,
            ..Self::default()
        }
    }
}

/// The state file and the locks that make read-modify-write on it exclusive: a mutex for the
/// threads of this process (one per file, shared by every layer over it) and an advisory lock on
/// `<state>.lock` for other processes (the CLI checking a code while a server runs).
struct StateStore {
    path: PathBuf,
    mutex: Arc<Mutex<()>>,
}

impl StateStore {
    fn new(path: PathBuf) -> Self {
        let mutex = path_mutex(&path);
        Self { path, mutex }
    }

    fn err(&self, reason: String) -> OtpError {
        OtpError::StateFile {
            path: self.path.clone(),
            reason,
            hint: format!(
                "check the file's directory and permissions; `airlock otp reset {}` starts it afresh",
                self.path.display()
            ),
        }
    }

    /// The state; a missing file is a fresh state.
    fn read(&self) -> Result<State, OtpError> {
        let bytes = match read_bounded(&self.path, MAX_STATE_FILE_BYTES) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Err(self.err(format!("larger than {MAX_STATE_FILE_BYTES} bytes")));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(State::fresh()),
            Err(e) => return Err(self.err(io_reason(&e))),
        };
        let state: State =
            serde_json::from_slice(&bytes).map_err(|e| self.err(format!("corrupt ({e})")))?;
        if state.version != STATE_VERSION {
            return Err(self.err(format!(
                "written by another version (format {}, expected {STATE_VERSION})",
                state.version
            )));
        }
        Ok(state)
    }

    /// Runs `f` on the state under both locks and writes the state back if `f` changed it.
    fn transact<T>(&self, f: impl FnOnce(&mut State) -> T) -> Result<T, OtpError> {
        let _guard = self.lock()?;
        let before = self.read()?;
        let mut state = before.clone();
        let out = f(&mut state);
        if state != before {
            self.write(&state)?;
        }
        Ok(out)
    }

    fn lock(&self) -> Result<(MutexGuard<'_, ()>, File), OtpError> {
        // A panic while holding the mutex leaves nothing half-done in memory: the file is the
        // state, and it is replaced atomically.
        let guard = self.mutex.lock().unwrap_or_else(|e| e.into_inner());
        let lock_path = sibling(&self.path, ".lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| {
                self.err(format!(
                    "cannot open lock file {}: {e}",
                    lock_path.display()
                ))
            })?;
        file.lock()
            .map_err(|e| self.err(format!("cannot lock {}: {e}", lock_path.display())))?;
        Ok((guard, file))
    }

    /// Replaces the state file atomically (a temporary file, then a rename), mode 0600.
    fn write(&self, state: &State) -> Result<(), OtpError> {
        let json =
            serde_json::to_vec(state).map_err(|e| self.err(format!("cannot encode: {e}")))?;
        write_atomic(&self.path, &json).map_err(|e| self.err(format!("cannot be written: {e}")))
    }
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so readers see the old or
/// the new content, never a part; the file is private to its owner (0600).
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, ".tmp");
    // Left over from a crash: remove it, since `mode` applies only to a file being created.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        // The umask may have taken bits away, never added any; make it exactly 0600.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    // Make the rename itself durable; not every filesystem lets a directory be synced.
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// The process-wide mutex of a state file, shared by every layer and [`reset`] over it.
fn path_mutex(path: &Path) -> Arc<Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    // The same file under two spellings must get the same mutex; the file itself may not exist
    // yet, so its directory is resolved.
    let key = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            fs::canonicalize(dir).map_or_else(|_| path.to_path_buf(), |d| d.join(name))
        }
        _ => path.to_path_buf(),
    };
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Arc::clone(locks.entry(key).or_default())
}

/// Unlocks the gate of `state_file`: clears the wrong-code count and the throttle. Replay
/// protection is kept (a corrupt state file is started afresh). What `airlock otp reset` runs.
///
/// # Errors
/// [`OtpError::StateFile`] if the state file cannot be locked or written.
pub fn reset(state_file: &Path) -> Result<(), OtpError> {
    let store = StateStore::new(state_file.to_path_buf());
    let _guard = store.lock()?;
    let mut state = store.read().unwrap_or_else(|_| State::fresh());
    state.failures = 0;
    state.last_failure_ms = None;
    store.write(&state)
}

/// Creates a new random 160-bit secret in `secret_file` (base32, mode 0600) and returns the
/// `otpauth://totp/...` URI to add to an authenticator app (as text or a QR code). Refuses to
/// overwrite an existing file: that would lock out every app enrolled with it.
///
/// The URI holds the secret: show it to the person enrolling, and nowhere else.
///
/// # Errors
/// [`OtpError::Invalid`] for an empty or too long account or issuer, or one with a `:`;
/// [`OtpError::SecretExists`] if the file exists; [`OtpError::SecretFile`] if it cannot be
/// written.
pub fn enroll(secret_file: &Path, account: &str, issuer: &str) -> Result<String, OtpError> {
    enroll_inner(secret_file, account, issuer, false)
}

/// [`enroll`], replacing an existing secret file (atomically). Every authenticator enrolled
/// with the old secret stops working.
///
/// # Errors
/// As [`enroll`], except that an existing file is no error.
pub fn enroll_replacing(
    secret_file: &Path,
    account: &str,
    issuer: &str,
) -> Result<String, OtpError> {
    enroll_inner(secret_file, account, issuer, true)
}

fn enroll_inner(
    secret_file: &Path,
    account: &str,
    issuer: &str,
    replace: bool,
) -> Result<String, OtpError> {
    check_label("account", account)?;
    check_label("issuer", issuer)?;
    let secret = Secret::generate().to_base32();
    let contents = format!("{secret}\n");
    let written = if replace {
        write_atomic(secret_file, contents.as_bytes())
    } else {
        write_new(secret_file, contents.as_bytes())
    };
    written.map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            OtpError::SecretExists {
                path: secret_file.to_path_buf(),
            }
        } else {
            OtpError::SecretFile {
                path: secret_file.to_path_buf(),
                reason: format!("cannot be written ({e})"),
                hint: "check that its directory exists and is writable".into(),
            }
        }
    })?;
    Ok(format!(
        "otpauth://totp/{issuer_enc}:{account}?secret={secret}&issuer={issuer_enc}\
         &algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        issuer_enc = percent_encode(issuer),
        account = percent_encode(account),
    ))
}

/// Creates `path` (it must not exist) with `bytes`, mode 0600.
fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(fs::Permissions::from_mode(0o600))?;
    let result = file.write_all(bytes).and_then(|()| file.sync_all());
    if result.is_err() {
        // A partial secret file would be worse than none.
        let _ = fs::remove_file(path);
    }
    result
}

/// Account and issuer: what authenticator apps and the otpauth format accept.
fn check_label(what: &str, value: &str) -> Result<(), OtpError> {
    let reason = if value.trim().is_empty() {
        Some("is empty")
    } else if value.len() > MAX_LABEL_BYTES {
        Some("is too long")
    } else if value.contains(':') {
        Some("contains ':', which separates issuer and account in an otpauth URI")
    } else if value.chars().any(char::is_control) {
        Some("contains control characters")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(OtpError::Invalid {
            reason: format!("otp enrollment: the {what} {reason}"),
            hint: format!(
                "use a short name without ':' (at most {MAX_LABEL_BYTES} bytes), e.g. \
                 {DEFAULT_ISSUER} for the issuer"
            ),
        }),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
