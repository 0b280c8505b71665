//! The redact layer: every built-in format, literal and env secrets, user patterns, config
//! errors, no false positives on ordinary text, and an independent check with Yelp's
//! `detect-secrets`.
//!
//! Every fake token is assembled at run time from pieces (a prefix split in two plus
//! pseudo-random characters), so this file does not itself look like it holds secrets to a
//! scanner, and the tokens have realistic entropy.

#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use airlock_layers::redact::{
    BUILTIN_NAMES, RedactConfig, RedactError, RedactLayer, Redactor, ValueSource,
};
use airlock_pipeline::{After, Layer, LayerCall, Redact};
use serde_json::{Value, json};

/// Deterministic pseudo-random characters (xorshift), so failures reproduce.
struct Chars(u64);

impl Chars {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn from(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }

    fn alnum(&mut self, n: usize) -> String {
        self.from(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            n,
        )
    }

    fn upper_digits(&mut self, n: usize) -> String {
        self.from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", n)
    }

    fn digits(&mut self, n: usize) -> String {
        self.from("0123456789", n)
    }

    fn base64(&mut self, n: usize) -> String {
        self.from(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            n,
        )
    }
}

fn b64url(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// One fake secret per built-in format: (marker name, text around it, the secret part).
fn fakes() -> Vec<(&'static str, String, String)> {
    let mut r = Chars::new(0x5eed);
    let mut v = Vec::new();
    let mut add = |name, before: &str, secret: String, after: &str| {
        v.push((name, format!("{before}{secret}{after}"), secret));
    };
    add(
        "aws-access-key-id",
        "key id ",
        format!("AK{}{}", "IA", r.upper_digits(16)),
        " in use",
    );
    add(
        "aws-access-key-id",
        "",
        format!("AS{}{}", "IA", r.upper_digits(16)),
        "",
    );
    add(
        "aws-secret-access-key",
        "aws_secret_access_key = ",
        r.base64(40),
        "\n",
    );
    add(
        "aws-secret-access-key",
        "{\"SecretAccessKey\": \"",
        r.base64(40),
        "\"}",
    );
    add("aws-session-token", "AWS_SESSION_TOKEN=", r.base64(300), "");
    for p in ["p", "o", "u", "s", "r"] {
        add(
            "github-token",
            "token: ",
            format!("gh{p}_{}", r.alnum(36)),
            ".",
        );
    }
    add(
        "github-token",
        "",
        format!("github{}_{}_{}", "_pat", r.alnum(22), r.alnum(59)),
        "",
    );
    for p in ["b", "p", "a", "r", "s"] {
        add(
            "slack-token",
            "SLACK=",
            format!(
                "xox{p}-{}-{}-{}",
                r.digits(12),
                r.digits(13),
                r.alnum(24).to_lowercase()
            ),
            "",
        );
    }
    add(
        "slack-webhook",
        "post to ",
        format!(
            "https://hooks.slack.com/{}/T{}/B{}/{}",
            "services",
            r.upper_digits(8),
            r.upper_digits(10),
            r.alnum(24)
        ),
        " now",
    );
    for p in ["sk_live_", "rk_live_", "sk_test_", "pk_live_"] {
        add("stripe-key", "", format!("{}{}", p, r.alnum(24)), "");
    }
    add(
        "openai-key",
        "OPENAI_API_KEY=",
        format!("sk-{}{}FJ{}", r.alnum(20), "T3Blbk", r.alnum(20)),
        "",
    );
    add(
        "openai-key",
        "",
        format!("sk-{}-{}_{}", "proj", r.alnum(60), r.alnum(40)),
        "",
    );
    add(
        "anthropic-key",
        "x-api-key: ",
        format!("sk-{}-api03-{}-{}AA", "ant", r.alnum(86), r.alnum(6)),
        "",
    );
    add(
        "google-api-key",
        "?key=",
        format!("AI{}{}", "za", r.alnum(35)),
        "&q=1",
    );
    let jwt = format!(
        "{}.{}.{}",
        b64url(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(br#"{"sub":"1234567890","name":"Ada","iat":1516239022}"#),
        b64url(r.alnum(32).as_bytes())
    );
    add("jwt", "session=", jwt, "; Path=/");
    add(
        "private-key",
        "key:\n",
        format!(
            "-----BEGIN RSA {}-----\n{}\n{}\n-----END RSA {}-----",
            "PRIVATE KEY",
            r.base64(64),
            r.base64(40),
            "PRIVATE KEY"
        ),
        "\nend",
    );
    add(
        "private-key",
        "",
        format!(
            "-----BEGIN OPENSSH {}-----\n{}",
            "PRIVATE KEY",
            r.base64(70)
        ),
        "",
    );
    add(
        "bearer-token",
        "Authorization: Bearer ",
        r.alnum(40),
        "\r\n",
    );
    add(
        "authorization",
        "Authorization: ",
        format!("Basic {}", r.base64(24)),
        "",
    );
    add(
        "url-credentials",
        "git clone https://deploy:",
        r.alnum(20),
        "@git.example.com/repo.git",
    );
    v
}

fn redactor() -> Redactor {
    Redactor::new(&RedactConfig::default()).unwrap()
}

#[test]
fn every_builtin_format_is_caught() {
    let r = redactor();
    let mut names_seen = std::collections::BTreeSet::new();
    for (name, text, secret) in fakes() {
        let out = r.redact_text(&text);
        assert!(
            !out.contains(&secret),
            "{name}: secret left in {out:?} (input {text:?})"
        );
        assert!(
            out.contains(&format!("[REDACTED:{name}]")),
            "{name}: wrong marker in {out:?}"
        );
        names_seen.insert(name);
    }
    for name in BUILTIN_NAMES {
        assert!(names_seen.contains(name), "no test for {name}");
    }
}

#[test]
fn context_is_kept_around_the_secret() {
    let r = redactor();
    let mut c = Chars::new(7);
    let token = c.alnum(40);
    assert_eq!(
        r.redact_text(&format!("Authorization: Bearer {token}")),
        "Authorization: Bearer [REDACTED:bearer-token]"
    );
    assert_eq!(
        r.redact_text(&format!("https://ada:{token}@example.com/x?y=1")),
        "https://ada:[REDACTED:url-credentials]@example.com/x?y=1"
    );
    let gh = format!("gh{}_{}", "p", c.alnum(36));
    assert_eq!(
        r.redact_text(&format!("a {gh} b {gh}")),
        "a [REDACTED:github-token] b [REDACTED:github-token]"
    );
}

#[test]
fn secrets_in_serialized_json_are_caught() {
    // The journal and logs are often serialized JSON: escaped quotes and newlines.
    let r = redactor();
    for (name, text, secret) in fakes() {
        let doc = serde_json::to_string(&json!({ "out": text })).unwrap();
        let out = r.redact_text(&doc);
        let escaped = serde_json::to_string(&secret).unwrap();
        let escaped = escaped.trim_matches('"');
        assert!(!out.contains(escaped), "{name}: left in {out}");
        assert!(serde_json::from_str::<Value>(&out).is_ok(), "{name}: {out}");
    }
}

#[test]
fn nested_values_and_keys() {
    let r = redactor();
    let mut c = Chars::new(11);
    let gh = format!("gh{}_{}", "s", c.alnum(36));
    let aws = format!("AK{}{}", "IA", c.upper_digits(16));
    let aws_secret = c.base64(40);
    let mut v = json!({
        "a": [1, true, null, {"b": [format!("x {gh} y")]}],
        gh.clone(): "key is a token",
        aws.clone(): 1,
        "creds": {
            "AccessKeyId": aws.clone(),
            "SecretAccessKey": aws_secret.clone(),
            "Expiration": "2030-01-01T00:00:00Z",
        },
        "headers": {"Authorization": format!("Basic {}", c.base64(16))},
        "plain": "nothing here",
    });
    let before = v.clone();
    r.redact_value(&mut v);
    let text = v.to_string();
    for secret in [&gh, &aws, &aws_secret] {
        assert!(!text.contains(secret.as_str()), "{secret} left in {text}");
    }
    assert_eq!(v["a"][3]["b"][0], "x [REDACTED:github-token] y");
    assert_eq!(v["[REDACTED:github-token]"], "key is a token");
    assert_eq!(v["[REDACTED:aws-access-key-id]"], 1);
    assert_eq!(v["creds"]["AccessKeyId"], "[REDACTED:aws-access-key-id]");
    assert_eq!(
        v["creds"]["SecretAccessKey"],
        "[REDACTED:aws-secret-access-key]"
    );
    assert_eq!(v["creds"]["Expiration"], "2030-01-01T00:00:00Z");
    assert_eq!(v["headers"]["Authorization"], "[REDACTED:authorization]");
    assert_eq!(v["plain"], "nothing here");
    // Member order is kept when keys are rewritten.
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    let old: Vec<_> = before.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), old.len());
    assert_eq!(keys[0], "a");
    assert_eq!(keys[1], "[REDACTED:github-token]");
}

#[test]
fn keys_that_redact_alike_are_both_kept() {
    let r = redactor();
    let mut c = Chars::new(12);
    let a = format!("gh{}_{}", "p", c.alnum(36));
    let b = format!("gh{}_{}", "p", c.alnum(36));
    let mut v = json!({ a: 1, b: 2 });
    r.redact_value(&mut v);
    assert_eq!(v["[REDACTED:github-token]"], 1);
    assert_eq!(v["[REDACTED:github-token]#2"], 2);
}

#[test]
fn deeply_nested_values_do_not_overflow() {
    let r = redactor();
    let mut v = Value::String(format!("gh{}_{}", "o", Chars::new(3).alnum(36)));
    for _ in 0..100_000 {
        v = Value::Array(vec![v]);
    }
    r.redact_value(&mut v);
    let mut inner = &v;
    while let Value::Array(a) = inner {
        inner = &a[0];
    }
    assert_eq!(inner, "[REDACTED:github-token]");
    // Dropping a 100 000-deep value recurses in serde_json; unwind it by hand.
    let mut cur = v;
    while let Value::Array(mut a) = cur {
        cur = a.pop().unwrap_or(Value::Null);
    }
}

#[test]
fn literal_values() {
    let config = RedactConfig {
        values: vec!["hunter2-pass".into(), "hunter2-password".into()],
        builtin: false,
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config).unwrap();
    assert_eq!(
        r.redact_text("pw hunter2-password and hunter2-pass."),
        "pw [REDACTED:secret] and [REDACTED:secret]."
    );
    // A secret with a newline, as it appears in serialized JSON.
    let config = RedactConfig {
        values: vec!["line one\nline \"two\"".into()],
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config).unwrap();
    let doc = json!({ "x": "line one\nline \"two\"" }).to_string();
    assert_eq!(r.redact_text(&doc), r#"{"x":"[REDACTED:secret]"}"#);
}

#[test]
fn env_values() {
    let config = RedactConfig {
        from_env: vec!["MY_TOKEN".into()],
        ..RedactConfig::default()
    };
    let env = |name: &str| (name == "MY_TOKEN").then(|| "  s3cr3t-value\n".to_owned());
    let r = Redactor::with_env(&config, env).unwrap();
    assert_eq!(r.redact_text("v=s3cr3t-value;"), "v=[REDACTED:secret];");

    // The process environment, through Redactor::new: PATH is set wherever tests run.
    let path = std::env::var("PATH").unwrap();
    if path.trim().len() >= 4 {
        let config = RedactConfig {
            from_env: vec!["PATH".into()],
            ..RedactConfig::default()
        };
        let r = Redactor::new(&config).unwrap();
        assert_eq!(
            r.redact_text(&format!("path is {}", path.trim())),
            "path is [REDACTED:secret]"
        );
    }
}

#[test]
fn unset_env_variable_is_an_error_naming_it() {
    let config = RedactConfig {
        from_env: vec!["AIRLOCK_REDACT_TEST_SURELY_UNSET".into()],
        ..RedactConfig::default()
    };
    let err = Redactor::new(&config).unwrap_err();
    assert_eq!(
        err,
        RedactError::EnvUnset {
            name: "AIRLOCK_REDACT_TEST_SURELY_UNSET".into()
        }
    );
    let text = err.to_string();
    assert!(text.contains("AIRLOCK_REDACT_TEST_SURELY_UNSET"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

#[test]
fn short_literal_is_refused_without_echoing_it() {
    let config = RedactConfig {
        values: vec!["longenough".into(), "abc".into()],
        ..RedactConfig::default()
    };
    let err = Redactor::new(&config).unwrap_err();
    assert_eq!(
        err,
        RedactError::TooShort {
            source: ValueSource::Literal { index: 1 },
            len: 3
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("values[1]") && !text.contains("abc"),
        "{text}"
    );

    let config = RedactConfig {
        from_env: vec!["SHORT".into()],
        ..RedactConfig::default()
    };
    let err = Redactor::with_env(&config, |_| Some(" ab ".into())).unwrap_err();
    assert!(
        matches!(err, RedactError::TooShort { source: ValueSource::Env { ref name }, len: 2 } if name == "SHORT")
    );
}

#[test]
fn user_patterns() {
    let config = RedactConfig {
        patterns: vec![
            r"ACME-[0-9]{6}".into(),
            r"session=(?P<secret>[a-f0-9]{16})".into(),
        ],
        builtin: false,
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config).unwrap();
    assert_eq!(
        r.redact_text("id ACME-123456, session=0123456789abcdef;"),
        "id [REDACTED:pattern], session=[REDACTED:pattern];"
    );
}

#[test]
fn invalid_regex_is_an_error_naming_the_pattern() {
    let config = RedactConfig {
        patterns: vec!["ok".into(), "tok(en".into()],
        ..RedactConfig::default()
    };
    let err = Redactor::new(&config).unwrap_err();
    assert!(
        matches!(&err, RedactError::InvalidPattern { index: 1, pattern, .. } if pattern == "tok(en")
    );
    let text = err.to_string();
    assert!(
        text.contains("patterns[1]") && text.contains("tok(en"),
        "{text}"
    );
    assert!(text.contains("hint:"), "{text}");

    // Too big is refused at build, not at use.
    let config = RedactConfig {
        patterns: vec![r"\w{1000}{1000}".into()],
        ..RedactConfig::default()
    };
    assert!(matches!(
        Redactor::new(&config),
        Err(RedactError::InvalidPattern { .. })
    ));
}

#[test]
fn builtin_can_be_turned_off() {
    let config = RedactConfig {
        builtin: false,
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config).unwrap();
    let (_, text, _) = fakes().remove(0);
    assert_eq!(r.redact_text(&text), text);
}

#[test]
fn no_false_positives_on_ordinary_text() {
    let r = redactor();
    let mut c = Chars::new(99);
    let samples = [
        "550e8400-e29b-41d4-a716-446655440000".to_owned(),
        "commit 3ed0b18a7c2f4e1d9b0a6c5e8f7d2b1a0c9e8d7f".to_owned(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_owned(),
        "aGVsbG8gd29ybGQ=".to_owned(),
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
            .to_owned(),
        "The quick brown fox jumps over the lazy dog. Skip the askew task-list.".to_owned(),
        "Bearer authentication is described in RFC 6750; the bearer of bad news.".to_owned(),
        "Use an Authorization header with a bearer token.".to_owned(),
        "See https://example.com/path?q=1&r=2#frag and http://localhost:8080/x".to_owned(),
        "ssh://git@github.com/rust-lang/regex.git and mailto:ada@example.com".to_owned(),
        "sk-learn-compatible-estimators-and-pipelines are fine".to_owned(),
        "task-ant-colony-optimisation".to_owned(),
        "AKIA is the prefix of an AWS key id".to_owned(),
        "the ghp_ prefix marks a GitHub personal token".to_owned(),
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----".to_owned(),
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----".to_owned(),
        "version 1.2.3, 2024-05-01T12:00:00Z, 192.168.0.1:443, eyJ alone".to_owned(),
        r#"{"id": 42, "name": "Ada Lovelace", "tags": ["a", "b"], "ok": true}"#.to_owned(),
        format!("random hex {}", c.from("0123456789abcdef", 40)),
        "a.b.c and x.y.z are dotted names; so is com.example.app".to_owned(),
        "Grüße, 世界: unicode text with ümlauts".to_owned(),
    ];
    for s in &samples {
        assert_eq!(r.redact_text(s), *s, "false positive");
        assert!(!r.contains_secret(s));
    }
    let mut v = json!({ "samples": samples });
    assert!(!r.json_contains_secret(&v));
    let before = v.clone();
    r.redact_value(&mut v);
    assert_eq!(v, before);
}

#[test]
fn config_is_strict_and_defaults_are_documented() {
    let c: RedactConfig = serde_json::from_value(json!({})).unwrap();
    assert_eq!(c, RedactConfig::default());
    assert!(c.builtin && !c.results);
    let c: RedactConfig =
        serde_json::from_value(json!({"values": ["abcd"], "results": true, "builtin": false}))
            .unwrap();
    assert!(c.results && !c.builtin);
    let err = serde_json::from_value::<RedactConfig>(json!({"value": ["abcd"]})).unwrap_err();
    assert!(err.to_string().contains("unknown field"), "{err}");
}

#[test]
fn debug_output_does_not_leak_literals() {
    let config = RedactConfig {
        values: vec!["do-not-print-me".into()],
        ..RedactConfig::default()
    };
    let r = Redactor::new(&config).unwrap();
    assert!(!format!("{config:?}").contains("do-not-print-me"));
    assert!(!format!("{r:?}").contains("do-not-print-me"));
}

/// Polls a future that must be ready at once (the layer's hooks are).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the layer's hook was not ready"),
    }
}

#[test]
fn layer_replaces_results_only_when_configured_and_needed() {
    let gh = format!("gh{}_{}", "p", Chars::new(5).alnum(36));
    let secret = json!({ "token": gh });
    let clean = json!({ "ok": true });
    let call = LayerCall::new(0, 0, "fetch", json!({}));

    let on = RedactLayer::new(&RedactConfig {
        results: true,
        ..RedactConfig::default()
    })
    .unwrap();
    assert_eq!(on.name(), "redact");
    assert_eq!(
        now(on.after(&call, Ok(&secret))).unwrap(),
        After::Replace(json!({ "token": "[REDACTED:github-token]" }))
    );
    assert_eq!(now(on.after(&call, Ok(&clean))).unwrap(), After::Pass);

    let off = RedactLayer::new(&RedactConfig::default()).unwrap();
    assert_eq!(now(off.after(&call, Ok(&secret))).unwrap(), After::Pass);

    // The pipeline redacts the journal with the same rules, through the trait object.
    let shared: Arc<dyn Redact> = off.redactor();
    assert_eq!(
        shared.redact_text(&format!("t={gh}")),
        "t=[REDACTED:github-token]"
    );
}

/// A typical 1 KB tool result without secrets: redaction must leave it alone. Not timed
/// here; run `cargo test --release -p airlock-layers --test redact -- --ignored --nocapture
/// redact_speed` for a number (a few microseconds per KB on a laptop).
fn typical_result() -> Value {
    let items: Vec<Value> = (0..8)
        .map(|i| {
            json!({
                "id": format!("550e8400-e29b-41d4-a716-44665544000{i}"),
                "title": "Quarterly report for the northern region",
                "url": format!("https://example.com/reports/{i}?page=2"),
                "updated": "2024-05-01T12:00:00Z",
                "size": 1024 * i,
            })
        })
        .collect();
    json!({ "items": items, "next": null })
}

#[test]
fn typical_result_is_left_alone() {
    let r = redactor();
    let mut v = typical_result();
    let len = v.to_string().len();
    assert!((800..2000).contains(&len), "{len}");
    assert!(!r.json_contains_secret(&v));
    let before = v.clone();
    r.redact_value(&mut v);
    assert_eq!(v, before);
}

#[test]
#[ignore = "prints a timing; run by hand"]
fn redact_speed() {
    let r = redactor();
    let v = typical_result();
    let text = v.to_string();
    let n = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.json_contains_secret(std::hint::black_box(&v)));
    }
    let value = start.elapsed() / n;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.redact_text(std::hint::black_box(&text)));
    }
    let flat = start.elapsed() / n;
    println!("{} bytes: value walk {value:?}, text {flat:?}", text.len());
}

/// A directory of its own under the system temp dir, removed when dropped. (Made by hand to
/// keep the crate free of a dev-dependency only this test would use.)
struct ScratchDir(std::path::PathBuf);

impl ScratchDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "airlock-redact-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `detect-secrets scan` on `path`; `None` if it cannot run here.
///
/// It runs in the file's directory on its bare name: given an absolute path under a hidden
/// directory (a temp dir such as `/tmp/.tmpAbC`), detect-secrets silently scans nothing.
fn detect_secrets(path: &std::path::Path) -> Option<Vec<String>> {
    let dir = path.parent()?;
    let name = path.file_name()?;
    let out = std::process::Command::new("detect-secrets")
        .arg("scan")
        .arg(name)
        .current_dir(dir)
        .output()
        .or_else(|_| {
            std::process::Command::new("python3")
                .args(["-m", "detect_secrets", "scan"])
                .arg(name)
                .current_dir(dir)
                .output()
        })
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "detect-secrets failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let report: Value = serde_json::from_slice(&out.stdout).ok()?;
    let found = report["results"]
        .as_object()?
        .values()
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .map(|f| format!("line {}: {}", f["line_number"], f["type"]))
        .collect();
    Some(found)
}

#[test]
fn detect_secrets_finds_nothing_after_redaction() {
    let fakes = fakes();
    let doc = Value::Object(
        fakes
            .iter()
            .enumerate()
            .map(|(i, (name, text, _))| (format!("{name}-{i}"), Value::String(text.clone())))
            .collect(),
    );
    let dir = ScratchDir::new();
    let raw = dir.path().join("raw.json");
    std::fs::write(&raw, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let Some(before) = detect_secrets(&raw) else {
        eprintln!("note: skipped, detect-secrets is not available (pip install detect-secrets)");
        return;
    };
    eprintln!("detect-secrets on the fakes: {before:?}");
    // The fakes must look real to an independent scanner, or the second scan proves nothing.
    for kind in [
        "AWS Access Key",
        "GitHub Token",
        "Slack Token",
        "Stripe Access Key",
        "OpenAI Token",
        "JSON Web Token",
        "Private Key",
        "Basic Auth Credentials",
    ] {
        assert!(
            before.iter().any(|f| f.contains(kind)),
            "detect-secrets did not take the fakes for a {kind}: {before:?}"
        );
    }

    let r = redactor();
    let mut value = doc.clone();
    r.redact_value(&mut value);
    let redacted = dir.path().join("redacted.json");
    std::fs::write(&redacted, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    let after = detect_secrets(&redacted).unwrap();
    assert!(after.is_empty(), "left after redact_value: {after:?}");

    // The same document redacted as text (a serialized journal line).
    let text = r.redact_text(&serde_json::to_string_pretty(&doc).unwrap());
    let flat = dir.path().join("flat.json");
    std::fs::write(&flat, &text).unwrap();
    let after = detect_secrets(&flat).unwrap();
    assert!(after.is_empty(), "left after redact_text: {after:?}");
}
