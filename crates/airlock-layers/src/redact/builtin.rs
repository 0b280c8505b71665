//! The built-in patterns: common token formats, each with the marker name it is replaced by.
//!
//! Each pattern is written to be specific (a vendor prefix, a fixed length, or a keyword next
//! to the value) because a redactor that fires on ordinary text (UUIDs, git SHAs, base64 of
//! small data) makes journals useless and teaches people to turn it off.
//!
//! Word boundaries are ASCII-only (`(?-u:\b)`): a Unicode `\b` stops the regex crate's lazy
//! DFA on non-ASCII text and falls back to a slower engine, and tokens are ASCII anyway.

/// A pattern matched anywhere in a string.
pub(super) struct TextPattern {
    /// The marker name: the text becomes `[REDACTED:{name}]`.
    pub(super) name: &'static str,
    /// If the regex has a group named `secret`, only that group is replaced (the keyword that
    /// gave the context stays, so a reader still sees what was there).
    pub(super) regex: &'static str,
    /// An extra check on the replaced text, for patterns a regex alone cannot make specific.
    pub(super) check: Option<fn(&str) -> bool>,
}

/// A JSON object member whose key says its string value is a secret, for the formats that are
/// only recognisable by their context: in a JSON value the key and the value are separate
/// strings, so the text pattern for `aws_secret_access_key=...` never sees both.
pub(super) struct KeyedPattern {
    pub(super) name: &'static str,
    /// Matched against the whole key.
    pub(super) key: &'static str,
    /// Matched against the whole string value.
    pub(super) value: &'static str,
}

/// Separators between a keyword and its value: `key=v`, `key: v`, `"key": "v"`, and the same
/// with the quotes JSON-escaped (`\"key\": \"v\"`) as in a serialized journal line.
macro_rules! kv {
    ($key:literal, $value:literal) => {
        concat!(
            $key,
            r#"[\\"']{0,2}\s*[:=]\s*[\\"']{0,2}(?P<secret>"#,
            $value,
            ")"
        )
    };
}

pub(super) const TEXT: &[TextPattern] = &[
    TextPattern {
        // Long-term (AKIA) and temporary (ASIA) access key ids.
        name: "aws-access-key-id",
        regex: r"(?-u:\b)(?:AKIA|ASIA)[0-9A-Z]{16}(?-u:\b)",
        check: None,
    },
    TextPattern {
        // 40 base64 characters look like any other base64: only the keyword makes them a key.
        name: "aws-secret-access-key",
        regex: kv!(
            r"(?i)(?:aws[_-]?)?secret[_-]?access[_-]?key",
            r"[A-Za-z0-9/+]{40}"
        ),
        check: None,
    },
    TextPattern {
        name: "aws-session-token",
        regex: kv!(
            r"(?i)(?:aws[_-]?)?session[_-]?token",
            r"[A-Za-z0-9/+=]{100,}"
        ),
        check: None,
    },
    TextPattern {
        // Classic tokens: ghp_ (personal), gho_ (OAuth), ghu_ (user-to-server), ghs_
        // (server-to-server), ghr_ (refresh); fine-grained tokens: github_pat_.
        name: "github-token",
        regex: r"(?-u:\b)(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{36,244})(?-u:\b)",
        check: None,
    },
    TextPattern {
        name: "slack-token",
        regex: r"(?-u:\b)xox[abprs]-[0-9A-Za-z][0-9A-Za-z-]{8,250}",
        check: None,
    },
    TextPattern {
        name: "slack-webhook",
        regex: r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{10,}",
        check: None,
    },
    TextPattern {
        // Publishable test keys (pk_test_) are meant to be public; the others are not.
        name: "stripe-key",
        regex: r"(?-u:\b)(?:(?:sk|rk)_(?:live|test)|pk_live)_[0-9A-Za-z]{10,247}(?-u:\b)",
        check: None,
    },
    TextPattern {
        // Listed before openai-key, which also matches `sk-ant-...`: for equal spans the
        // earlier pattern names the marker.
        name: "anthropic-key",
        regex: r"(?-u:\b)sk-ant-[A-Za-z0-9_-]{32,}",
        check: None,
    },
    TextPattern {
        // Project, service-account and admin keys carry `_` and `-`; legacy keys are plain
        // alphanumerics, which keeps `sk-learn-compatible-...` in prose from matching.
        name: "openai-key",
        regex: r"(?-u:\b)sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}|[A-Za-z0-9]{32,})",
        check: None,
    },
    TextPattern {
        name: "google-api-key",
        regex: r"(?-u:\b)AIza[0-9A-Za-z_-]{35}",
        check: None,
    },
    TextPattern {
        // Header `{"` is `eyJ` in base64url; the signature may be empty (`alg: none`).
        name: "jwt",
        regex: r"(?-u:\b)eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*",
        check: None,
    },
    TextPattern {
        // A block cut off before its END line (a truncated result) is still redacted, up to
        // the first quote or backslash other than a JSON escape of a newline or slash: a
        // key body never holds one, and stopping there keeps serialized JSON valid. The
        // second branch only wins when no END line follows.
        name: "private-key",
        regex: r#"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|[^"\\]*(?:\\[nr/][^"\\]*)*)"#,
        check: None,
    },
    TextPattern {
        name: "authorization",
        regex: kv!(
            r"(?i)(?:proxy-)?authorization",
            r"(?:basic|token|digest)\s+[A-Za-z0-9._~+/=-]{6,}"
        ),
        check: None,
    },
    TextPattern {
        name: "bearer-token",
        regex: r"(?i)(?-u:\b)bearer\s+(?P<secret>[A-Za-z0-9._~+/=-]{8,})",
        check: Some(looks_like_token),
    },
    TextPattern {
        // Only the password goes: the scheme, user and host stay readable. The scheme is
        // not matched: starting at the literal `://` lets the regex crate scan for literal
        // prefixes of every built-in pattern at once instead of running its automaton over
        // every byte (a pattern starting with a class would rule that out for the set).
        name: "url-credentials",
        regex: r#"://[^\s:/?#@"'<>\\]+:(?P<secret>[^\s/?#@"'<>\\]+)@"#,
        check: None,
    },
];

pub(super) const KEYED: &[KeyedPattern] = &[
    KeyedPattern {
        name: "aws-secret-access-key",
        key: r"(?i)^(?:aws[_-]?)?secret[_-]?access[_-]?key$",
        value: r"^[A-Za-z0-9/+]{40}$",
    },
    KeyedPattern {
        name: "aws-session-token",
        key: r"(?i)^(?:aws[_-]?)?session[_-]?token$",
        value: r"^[A-Za-z0-9/+=]{100,}$",
    },
    KeyedPattern {
        // A header map: `{"Authorization": "Basic dXNlcjpwYXNz"}`.
        name: "authorization",
        key: r"(?i)^(?:proxy-)?authorization$",
        value: r"^\S+\s+\S{6,}$",
    },
];

/// Whether the word after `Bearer` is a token rather than English ("Bearer authentication is
/// described in RFC 6750"): tokens carry a digit, or several capitals among lower-case letters.
fn looks_like_token(word: &str) -> bool {
    let digits = word.bytes().any(|b| b.is_ascii_digit());
    let upper = word.bytes().filter(u8::is_ascii_uppercase).count();
    let lower = word.bytes().any(|b| b.is_ascii_lowercase());
    digits || (upper >= 2 && lower && word.len() >= 20)
}
