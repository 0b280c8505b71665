//! The raw policy documents, exactly as written in TOML. [`Policy::compile`]
//! validates them; nothing here is checked beyond its TOML type.
//!
//! Values that compilation may reject are [`Spanned`] so its errors can name
//! their line.
//!
//! [`Policy::compile`]: crate::Policy::compile

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use toml::Spanned;

/// A policy: `[[allow]]` and `[[deny]]` rules.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyDoc {
    /// Rules that let calls through; the first one that matches a call governs it.
    #[serde(default)]
    pub allow: Vec<AllowRuleDoc>,
    /// Rules that stop calls by tool name; they win over every allow rule.
    #[serde(default)]
    pub deny: Vec<DenyRuleDoc>,
}

/// One `[[allow]]` rule.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowRuleDoc {
    /// The tools this rule covers: segments split by `/` or `.`; `*` is one
    /// segment, `**` any number of segments, `*` inside a segment any run of characters.
    #[schemars(with = "String")]
    pub tools: Spanned<String>,
    /// How many calls this rule allows per session.
    #[serde(default)]
    pub max_calls: Option<u64>,
    /// How many calls this rule allows per run.
    #[serde(default)]
    pub per_run: Option<u64>,
    /// A sliding-window rate limit such as `"10/min"`, `"5/s"` or `"100/10s"`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub rate: Option<Spanned<String>>,
    /// Why the rule exists; shown by `describe`.
    #[serde(default)]
    pub description: Option<String>,
    /// Constraints on the call's arguments, keyed by argument path.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, ConstraintDoc>")]
    pub args: ArgsDoc,
    /// Session-wide limits on the sum of numeric arguments, keyed by argument path.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, SumDoc>")]
    pub sum: SumsDoc,
}

/// One `[[deny]]` rule.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DenyRuleDoc {
    /// The tools this rule stops, in the same pattern syntax as `[[allow]]`.
    #[schemars(with = "String")]
    pub tools: Spanned<String>,
    /// Why; included in the denial message.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The checks on one argument. Every check given must pass.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstraintDoc {
    /// The value must be a number `>=` this.
    pub min: Option<serde_json::Number>,
    /// The value must be a number `<=` this.
    pub max: Option<serde_json::Number>,
    /// The value must be a number `<` this.
    pub lt: Option<serde_json::Number>,
    /// The value must be a number `>` this.
    pub gt: Option<serde_json::Number>,
    /// The value must equal this (numbers compare numerically).
    pub eq: Option<serde_json::Value>,
    /// The value must not equal this.
    pub ne: Option<serde_json::Value>,
    /// The value must equal one of these.
    #[serde(rename = "in")]
    pub one_of: Option<Vec<serde_json::Value>>,
    /// The value must equal none of these.
    #[serde(rename = "not_in")]
    pub none_of: Option<Vec<serde_json::Value>>,
    /// The value must be a string starting with this.
    pub starts_with: Option<String>,
    /// The value must be a string ending with this.
    pub ends_with: Option<String>,
    /// The value must be a string containing this.
    pub contains: Option<String>,
    /// The value must be a string the regex matches as a whole (anchored at both ends).
    pub matches: Option<String>,
    /// A string must have at least this many characters, a list this many elements.
    pub min_len: Option<u64>,
    /// A string must have at most this many characters, a list this many elements.
    pub max_len: Option<u64>,
    /// When true, a missing argument passes; a present one is still checked.
    #[serde(default)]
    pub optional: bool,
}

/// One `[allow.sum]` entry.
#[derive(Clone, Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SumDoc {
    /// The most the argument may add up to over the session's allowed calls.
    pub max: serde_json::Number,
}

/// `[allow.args]`: argument path -> constraint, in the order written, so the
/// first failing constraint reported is the first one in the file.
#[derive(Clone, Debug, Default)]
pub struct ArgsDoc(pub Vec<(String, Spanned<ConstraintDoc>)>);

/// `[allow.sum]`: argument path -> limit, in the order written.
#[derive(Clone, Debug, Default)]
pub struct SumsDoc(pub Vec<(String, Spanned<SumDoc>)>);

impl<'de> Deserialize<'de> for ArgsDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(OrderedMap::default()).map(ArgsDoc)
    }
}

impl<'de> Deserialize<'de> for SumsDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(OrderedMap::default()).map(SumsDoc)
    }
}

/// Reads a table into a list of entries, keeping their order (a `BTreeMap`
/// would sort them, a `HashMap` would shuffle them).
struct OrderedMap<V>(std::marker::PhantomData<V>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedMap<V> {
    type Value = Vec<(String, V)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table keyed by argument path")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, V>()? {
            entries.push(entry);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_keep_file_order() {
        let doc: PolicyDoc = toml::from_str(
            r#"
            [[allow]]
            tools = "t"
            [allow.args]
            zeta = { min = 1 }
            alpha = { eq = "x" }
            "#,
        )
        .unwrap();
        let keys: Vec<_> = doc.allow[0]
            .args
            .0
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(keys, ["zeta", "alpha"]);
    }

    #[test]
    fn unknown_keys_are_rejected_everywhere() {
        for text in [
            "[[allow]]\ntools = \"t\"\nmax = 3\n",
            "[[deny]]\ntools = \"t\"\nwhy = \"x\"\n",
            "[[allow]]\ntools = \"t\"\nargs = { a = { maximum = 3 } }\n",
            "[[allow]]\ntools = \"t\"\nsum = { a = { max = 3, min = 0 } }\n",
            "[[permit]]\ntools = \"t\"\n",
        ] {
            let err = toml::from_str::<PolicyDoc>(text).unwrap_err();
            assert!(err.message().contains("unknown field"), "{text}: {err}");
        }
    }

    #[test]
    fn schema_lists_the_fields() {
        let schema = serde_json::to_string(&schemars::schema_for!(PolicyDoc)).unwrap();
        for key in ["tools", "max_calls", "not_in", "starts_with", "optional"] {
            assert!(schema.contains(key), "{key} missing from {schema}");
        }
    }
}
