//! The `redact` layer: replaces secrets with markers such as `[REDACTED:github-token]`.
//!
//! A [`Redactor`] is compiled once from a [`RedactConfig`] and then used everywhere text
//! leaves the sandbox for people and systems: the journal, spans, logs and approval prompts
//! (through [`airlock_pipeline::Redact`]), and, with `results = true`, the tool results the
//! script itself sees (through [`RedactLayer`]).
//!
//! Secrets come from three sources:
//!
//! | source | config | marker |
//! |---|---|---|
//! | literal values | `values`, and the values of the host variables named in `from_env` | `[REDACTED:secret]` |
//! | built-in token formats | `builtin` (default `true`) | one name per format, see [`BUILTIN_NAMES`] |
//! | your regexes | `patterns` | `[REDACTED:pattern]` |
//!
//! A pattern with a capture group named `secret` replaces only that group, so
//! `token=(?P<secret>\w+)` keeps `token=` readable.
//!
//! Limits and failure modes, all checked by [`Redactor::new`]:
//!
//! | limit | default | when exceeded |
//! |---|---|---|
//! | a literal's length | [`MIN_SECRET_BYTES`]..=[`MAX_SECRET_BYTES`] | [`RedactError::TooShort`] / [`RedactError::TooLong`] |
//! | literals (values + env) | [`MAX_VALUES`] | [`RedactError::TooMany`] |
//! | user patterns | [`MAX_PATTERNS`] | [`RedactError::TooMany`] |
//! | compiled size of each regex | [`REGEX_SIZE_LIMIT`] | [`RedactError::TooBig`] / [`RedactError::InvalidPattern`] |
//! | a variable in `from_env` unset | - | [`RedactError::EnvUnset`] |
//!
//! Redaction itself has no size limit to enforce: the regex crate runs in time linear in the
//! text, and a string is scanned once by a [`RegexSet`] of every rule before any single rule
//! runs, so text without secrets (the common case) costs one pass. Every built-in pattern
//! starts with a literal (`AKIA`, `ghp_`, `://`...), which lets that pass skip ahead with a
//! literal search. For scale: a 1.5 KB JSON result without secrets takes about 5 us as text
//! and under 20 us as a value of 70 strings (debug build of this crate, loaded 2-core
//! machine); `cargo test -p airlock-layers --test redact -- --ignored --nocapture
//! redact_speed` prints the numbers on yours.

mod builtin;
mod error;
mod layer;

use std::borrow::Cow;
use std::fmt;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;
use serde_json::{Map, Value};

pub use error::{RedactError, ValueSource};
pub use layer::RedactLayer;

/// The shortest literal secret accepted: shorter ones (`abc`) would be replaced inside
/// ordinary words everywhere and make every log unreadable.
pub const MIN_SECRET_BYTES: usize = 4;
/// The longest literal secret accepted; a PEM private key is about 3.3 KB, so this leaves
/// room for any real credential while keeping the compiled program small.
pub const MAX_SECRET_BYTES: usize = 16 * 1024;
/// The most literal secrets (`values` plus `from_env`). They compile into one alternation
/// (an Aho-Corasick search inside the regex crate), so thousands are fine; the cap keeps a
/// config mistake (a whole file split into lines) from building a huge automaton.
pub const MAX_VALUES: usize = 4096;
/// The most user patterns: each is a regex of its own in the set.
pub const MAX_PATTERNS: usize = 256;
/// The compiled size limit of each regex (the regex crate's `size_limit`), so a pattern such
/// as `\w{1000}{1000}` is refused at build instead of using gigabytes.
pub const REGEX_SIZE_LIMIT: usize = 16 * 1024 * 1024;

/// The marker names of the built-in formats, in priority order (for two matches of the same
/// text, the earlier name is used).
pub const BUILTIN_NAMES: &[&str] = &[
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "github-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "anthropic-key",
    "openai-key",
    "google-api-key",
    "jwt",
    "private-key",
    "authorization",
    "bearer-token",
    "url-credentials",
];

/// The `redact` section of a config, as written. Compile it with [`Redactor::new`].
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct RedactConfig {
    /// Literal secrets, replaced by `[REDACTED:secret]`. Default: none.
    pub values: Vec<String>,
    /// Names of host environment variables whose values are secrets (leading and trailing
    /// whitespace trimmed). An unset variable fails the build. Default: none.
    pub from_env: Vec<String>,
    /// Regexes (Rust `regex` syntax) replaced by `[REDACTED:pattern]`. Default: none.
    pub patterns: Vec<String>,
    /// Whether the built-in token formats are on. Default: `true`.
    pub builtin: bool,
    /// Whether tool results are redacted before the script sees them (not only the journal,
    /// spans and logs). Default: `false`.
    pub results: bool,
}

impl Default for RedactConfig {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            from_env: Vec::new(),
            patterns: Vec::new(),
            builtin: true,
            results: false,
        }
    }
}

/// Never prints the literal values: a config dumped into a log must not leak them.
impl fmt::Debug for RedactConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactConfig")
            .field("values", &format_args!("[{} hidden]", self.values.len()))
            .field("from_env", &self.from_env)
            .field("patterns", &self.patterns)
            .field("builtin", &self.builtin)
            .field("results", &self.results)
            .finish()
    }
}

/// One text rule: where it matches, and the marker that replaces it.
struct Rule {
    marker: String,
    regex: Regex,
    /// The index of the group named `secret`, if only that group is replaced.
    group: Option<usize>,
    check: Option<fn(&str) -> bool>,
}

/// One JSON-member rule: a key that makes its string value a secret.
struct KeyedRule {
    marker: String,
    key: Regex,
    value: Regex,
    /// The shortest value `value` can match: shorter values are not looked at.
    value_min: usize,
}

/// A compiled set of redaction rules. Cheap to share (`Arc<Redactor>`); all methods take
/// `&self`.
pub struct Redactor {
    /// Every rule in `rules`, in the same order: one pass tells which rules to run.
    set: RegexSet,
    rules: Vec<Rule>,
    keyed: Vec<KeyedRule>,
    literals: usize,
    /// The shortest text any rule can match: shorter strings (most of a typical result's
    /// keys and values) are skipped without running the set.
    min_len: usize,
}

/// Never prints the rules: the literal alternation contains the secrets themselves.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("rules", &self.rules.len())
            .field("literals", &self.literals)
            .finish_non_exhaustive()
    }
}

impl Redactor {
    /// Compiles `config`, reading `from_env` from the process environment.
    pub fn new(config: &RedactConfig) -> Result<Self, RedactError> {
        Self::with_env(config, |name| {
            std::env::var_os(name).and_then(|v| v.into_string().ok())
        })
    }

    /// Compiles `config`, reading `from_env` through `env` (for an embedder whose secrets
    /// live elsewhere than the process environment, and for tests).
    pub fn with_env(
        config: &RedactConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, RedactError> {
        let literals = collect_literals(config, env)?;
        if config.patterns.len() > MAX_PATTERNS {
            return Err(RedactError::TooMany {
                what: "patterns",
                count: config.patterns.len(),
                max: MAX_PATTERNS,
            });
        }
        let mut rules = Vec::new();
        if let Some(rule) = literal_rule(&literals)? {
            rules.push(rule);
        }
        if config.builtin {
            for p in builtin::TEXT {
                let rule = rule(p.name, p.regex, p.check).map_err(|e| RedactError::TooBig {
                    error: e.to_string(),
                })?;
                rules.push(rule);
            }
        }
        for (index, pattern) in config.patterns.iter().enumerate() {
            let rule = rule("pattern", pattern, None).map_err(|e| RedactError::InvalidPattern {
                index,
                pattern: pattern.clone(),
                error: e.to_string(),
            })?;
            rules.push(rule);
        }
        let keyed = if config.builtin {
            builtin::KEYED
                .iter()
                .map(|p| {
                    Ok(KeyedRule {
                        marker: marker(p.name),
                        key: Regex::new(p.key)?,
                        value: Regex::new(p.value)?,
                        value_min: minimum_len(p.value),
                    })
                })
                .collect::<Result<_, regex::Error>>()
                .map_err(|e| RedactError::TooBig {
                    error: e.to_string(),
                })?
        } else {
            Vec::new()
        };
        let set = RegexSetBuilder::new(rules.iter().map(|r| r.regex.as_str()))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(size_error)?;
        let min_len = rules
            .iter()
            .map(|r| minimum_len(r.regex.as_str()))
            .min()
            .unwrap_or(usize::MAX);
        Ok(Self {
            set,
            rules,
            keyed,
            literals: literals.len(),
            min_len,
        })
    }

    /// Whether `text` contains a secret.
    pub fn contains_secret(&self, text: &str) -> bool {
        !self.spans(text).is_empty()
    }

    /// `text` with every secret replaced, borrowed when there is none.
    pub fn redact_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let spans = self.spans(text);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end, rule) in spans {
            out.push_str(&text[at..start]);
            out.push_str(&self.rules[rule].marker);
            at = end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// Replaces every secret inside `value`'s strings, object keys included; returns whether
    /// anything changed.
    ///
    /// The walk uses a heap stack rather than recursion, so a value nested deeper than the
    /// parser's limit (one built in code) cannot overflow the thread's stack.
    pub fn redact_json(&self, value: &mut Value) -> bool {
        let mut changed = false;
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => {
                    if let Cow::Owned(r) = self.redact_str(s) {
                        *s = r;
                        changed = true;
                    }
                }
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => {
                    changed |= self.redact_keys(map);
                    for (key, member) in map.iter_mut() {
                        if let Some(marker) = self.keyed_marker(key, member) {
                            *member = Value::String(marker.to_owned());
                            changed = true;
                        } else {
                            stack.push(member);
                        }
                    }
                }
                Value::Null | Value::Bool(_) | Value::Number(_) => {}
            }
        }
        changed
    }

    /// Whether `value` contains a secret (what [`Redactor::redact_json`] would change),
    /// without copying it.
    pub fn json_contains_secret(&self, value: &Value) -> bool {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) if self.contains_secret(s) => return true,
                Value::Array(items) => stack.extend(items),
                Value::Object(map) => {
                    for (key, member) in map {
                        if self.contains_secret(key) || self.keyed_marker(key, member).is_some() {
                            return true;
                        }
                        stack.push(member);
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// The secrets in `text` as sorted, disjoint byte ranges with the rule that names each.
    /// Overlapping matches of different rules merge into one range (named by the earliest),
    /// so nothing any rule flagged is left half-replaced.
    fn spans(&self, text: &str) -> Vec<(usize, usize, usize)> {
        if text.len() < self.min_len {
            return Vec::new();
        }
        // `is_match` may stop at the first hit and needs no per-rule bookkeeping: the fast
        // path for the common case of text without secrets.
        if !self.set.is_match(text) {
            return Vec::new();
        }
        let mut found = Vec::new();
        for index in self.set.matches(text).iter() {
            let rule = &self.rules[index];
            let keep = |m: &regex::Match<'_>| {
                !m.is_empty() && rule.check.is_none_or(|check| check(m.as_str()))
            };
            match rule.group {
                Some(group) => {
                    for caps in rule.regex.captures_iter(text) {
                        if let Some(m) = caps.get(group).filter(keep) {
                            found.push((m.start(), m.end(), index));
                        }
                    }
                }
                None => {
                    for m in rule.regex.find_iter(text).filter(keep) {
                        found.push((m.start(), m.end(), index));
                    }
                }
            }
        }
        found.sort_unstable_by_key(|&(start, end, index)| (start, std::cmp::Reverse(end), index));
        let mut merged: Vec<(usize, usize, usize)> = Vec::with_capacity(found.len());
        for span in found {
            match merged.last_mut() {
                Some(last) if span.0 < last.1 => last.1 = last.1.max(span.1),
                _ => merged.push(span),
            }
        }
        merged
    }

    /// Redacts the keys of `map` in place, keeping the members' order. Two keys that redact
    /// to the same text get `#2`, `#3`... appended so neither member is lost.
    fn redact_keys(&self, map: &mut Map<String, Value>) -> bool {
        if !map.keys().any(|k| self.contains_secret(k)) {
            return false;
        }
        let old = std::mem::take(map);
        for (key, member) in old {
            let key = match self.redact_str(&key) {
                Cow::Borrowed(_) => key,
                Cow::Owned(redacted) => redacted,
            };
            let mut unique = key.clone();
            let mut n = 2;
            while map.contains_key(&unique) {
                unique = format!("{key}#{n}");
                n += 1;
            }
            map.insert(unique, member);
        }
        true
    }

    /// The marker for `member` if `key` says it is a secret and it has that secret's shape.
    fn keyed_marker(&self, key: &str, member: &Value) -> Option<&str> {
        let Value::String(s) = member else {
            return None;
        };
        self.keyed
            .iter()
            .find(|k| s.len() >= k.value_min && k.key.is_match(key) && k.value.is_match(s))
            .map(|k| k.marker.as_str())
    }
}

/// The fewest bytes `pattern` can match (0 when it cannot be told, which skips nothing).
fn minimum_len(pattern: &str) -> usize {
    regex_syntax::parse(pattern)
        .ok()
        .and_then(|hir| hir.properties().minimum_len())
        .unwrap_or(0)
}

impl airlock_pipeline::Redact for Redactor {
    fn redact_value(&self, value: &mut Value) {
        self.redact_json(value);
    }

    fn redact_text(&self, text: &str) -> String {
        self.redact_str(text).into_owned()
    }
}

fn marker(name: &str) -> String {
    format!("[REDACTED:{name}]")
}

fn rule(name: &str, pattern: &str, check: Option<fn(&str) -> bool>) -> Result<Rule, regex::Error> {
    let regex = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()?;
    let group = regex.capture_names().position(|n| n == Some("secret"));
    Ok(Rule {
        marker: marker(name),
        regex,
        group,
        check,
    })
}

/// The literal secrets of `values` and `from_env`, checked. Each is also added in its
/// JSON-escaped form when that differs (a secret with a newline or a quote), because the
/// journal and logs are often serialized JSON.
fn collect_literals(
    config: &RedactConfig,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<String>, RedactError> {
    let count = config.values.len() + config.from_env.len();
    if count > MAX_VALUES {
        return Err(RedactError::TooMany {
            what: "literal values (values + from_env)",
            count,
            max: MAX_VALUES,
        });
    }
    let mut out = Vec::with_capacity(count);
    let literal = config
        .values
        .iter()
        .enumerate()
        .map(|(index, v)| Ok((ValueSource::Literal { index }, v.clone())));
    let from_env = config.from_env.iter().map(|name| {
        let value = env(name).ok_or_else(|| RedactError::EnvUnset { name: name.clone() })?;
        Ok((
            ValueSource::Env { name: name.clone() },
            value.trim().to_owned(),
        ))
    });
    for item in literal.chain(from_env) {
        let (source, value) = item?;
        let len = value.len();
        if len < MIN_SECRET_BYTES {
            return Err(RedactError::TooShort { source, len });
        }
        if len > MAX_SECRET_BYTES {
            return Err(RedactError::TooLong { source, len });
        }
        let escaped = serde_json::to_string(&value).unwrap_or_default();
        let escaped = escaped
            .strip_prefix('"')
            .and_then(|e| e.strip_suffix('"'))
            .unwrap_or_default();
        if !escaped.is_empty() && escaped != value {
            out.push(escaped.to_owned());
        }
        out.push(value);
    }
    Ok(out)
}

/// All literals as one alternation, longest first so that of two secrets where one is a
/// prefix of the other, the longer is replaced whole.
fn literal_rule(literals: &[String]) -> Result<Option<Rule>, RedactError> {
    if literals.is_empty() {
        return Ok(None);
    }
    let mut sorted: Vec<&str> = literals.iter().map(String::as_str).collect();
    sorted.sort_unstable_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    sorted.dedup();
    let pattern = sorted
        .iter()
        .map(|l| regex::escape(l))
        .collect::<Vec<_>>()
        .join("|");
    rule("secret", &pattern, None).map(Some).map_err(size_error)
}

/// A size error from compiling rules that include the literal secrets. Only the size limit is
/// reported: the regex crate's syntax errors quote the pattern, which here holds the secrets
/// (and cannot occur anyway, since every literal is escaped and every other pattern compiled
/// alone first).
fn size_error(error: regex::Error) -> RedactError {
    let error = match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("the compiled program exceeds the limit of {limit} bytes")
        }
        _ => "the combined rules could not be compiled".to_owned(),
    };
    RedactError::TooBig { error }
}
