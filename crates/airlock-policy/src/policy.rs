//! The compiled policy: [`PolicyDoc`] validated into ready matchers.

use std::ops::Range;

use serde_json::Number;

use crate::constraint::Constraint;
use crate::doc::{AllowRuleDoc, DenyRuleDoc, PolicyDoc};
use crate::error::{ErrorKind, PolicyError};
use crate::index::RuleIndex;
use crate::path::ArgPath;
use crate::pattern::{ToolPattern, ToolSegments};
use crate::rate::Rate;

/// Where a policy came from: its name appears in messages (`allow[0] in
/// airlock.toml`), and its text, when given, turns spans into line numbers.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// E.g. the file name.
    pub name: &'a str,
    /// The text the [`PolicyDoc`] was parsed from, if any.
    pub text: Option<&'a str>,
}

/// A compiled policy: immutable, `Send + Sync`, cheap to share in an `Arc`.
///
/// Budgets are not kept here but in a [`PolicyState`](crate::PolicyState) per session.
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) source: Box<str>,
    pub(crate) allow: Box<[AllowRule]>,
    /// Narrows the allow rules to try for a tool, so deciding stays fast with many rules.
    pub(crate) allow_index: RuleIndex,
    pub(crate) deny: Box<[DenyRule]>,
}

#[derive(Clone, Debug)]
pub(crate) struct AllowRule {
    /// `allow[N]`, made once so granting a call formats nothing.
    pub(crate) label: String,
    pub(crate) pattern: ToolPattern,
    pub(crate) max_calls: Option<u64>,
    pub(crate) per_run: Option<u64>,
    pub(crate) rate: Option<Rate>,
    pub(crate) description: Option<String>,
    pub(crate) constraints: Box<[Constraint]>,
    pub(crate) sums: Box<[SumLimit]>,
}

#[derive(Clone, Debug)]
pub(crate) struct SumLimit {
    pub(crate) path: ArgPath,
    pub(crate) max: f64,
    /// `max` as written, for messages.
    pub(crate) max_text: Number,
}

#[derive(Clone, Debug)]
pub(crate) struct DenyRule {
    pub(crate) label: String,
    pub(crate) pattern: ToolPattern,
    pub(crate) reason: Option<String>,
}

const ALLOWED_KEYS_HINT: &str = "[[allow]] takes tools, max_calls, per_run, rate, description, \
     [allow.args] and [allow.sum]; [[deny]] takes tools and reason";

impl Policy {
    /// Validates `doc` into a policy; errors name the rule and, when
    /// `source.text` is given, the line.
    pub fn compile(doc: &PolicyDoc, source: Source<'_>) -> Result<Policy, PolicyError> {
        let deny = doc
            .deny
            .iter()
            .enumerate()
            .map(|(i, rule)| compile_deny(i, rule, source))
            .collect::<Result<_, _>>()?;
        let allow: Box<[AllowRule]> = doc
            .allow
            .iter()
            .enumerate()
            .map(|(i, rule)| compile_allow(i, rule, source))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            source: source.name.into(),
            allow_index: RuleIndex::new(allow.iter().map(|r| &r.pattern)),
            allow,
            deny,
        })
    }

    /// Parses and compiles a file that holds only `[[allow]]` and `[[deny]]` rules.
    pub fn from_toml(text: &str, name: &str) -> Result<Policy, PolicyError> {
        let doc: PolicyDoc = toml::from_str(text).map_err(|e| {
            PolicyError::new(ErrorKind::Syntax, name, e.message().trim_end())
                .with_hint(ALLOWED_KEYS_HINT)
                .at(Some(text), e.span())
        })?;
        Policy::compile(
            &doc,
            Source {
                name,
                text: Some(text),
            },
        )
    }

    /// The policy with no rules: every tool is allowed, without budgets.
    pub fn allow_all() -> Policy {
        Policy {
            source: "the default allow-all policy".into(),
            allow: Box::default(),
            allow_index: RuleIndex::default(),
            deny: Box::default(),
        }
    }

    /// Whether some call of this tool could be allowed: no deny rule matches
    /// its name, and some allow rule's pattern does (or there are no allow
    /// rules). Arguments and budgets are not considered.
    pub fn may_allow(&self, tool: &str) -> bool {
        let segments = ToolSegments::split(tool);
        let segs = segments.as_slice();
        !self.deny.iter().any(|r| r.pattern.matches_segments(segs))
            && (self.allow.is_empty()
                || (self.allow_index.candidates(segments.first()))
                    .any(|i| self.allow[i].pattern.matches_segments(segs)))
    }

    /// The number of rules, allow and deny together.
    pub fn rule_count(&self) -> usize {
        self.allow.len() + self.deny.len()
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::allow_all()
    }
}

fn error_at(
    kind: ErrorKind,
    source: Source<'_>,
    rule: &str,
    span: Option<Range<usize>>,
    message: String,
) -> PolicyError {
    PolicyError::new(kind, source.name, message)
        .with_rule(rule)
        .at(source.text, span)
}

fn compile_pattern(
    tools: &toml::Spanned<String>,
    source: Source<'_>,
    rule: &str,
) -> Result<ToolPattern, PolicyError> {
    ToolPattern::compile(tools.get_ref()).map_err(|e| {
        error_at(
            ErrorKind::Pattern,
            source,
            rule,
            Some(tools.span()),
            e.message,
        )
        .with_hint(e.hint)
    })
}

fn compile_deny(i: usize, doc: &DenyRuleDoc, source: Source<'_>) -> Result<DenyRule, PolicyError> {
    let label = format!("deny[{i}]");
    Ok(DenyRule {
        pattern: compile_pattern(&doc.tools, source, &label)?,
        reason: doc.reason.clone(),
        label,
    })
}

fn compile_allow(
    i: usize,
    doc: &AllowRuleDoc,
    source: Source<'_>,
) -> Result<AllowRule, PolicyError> {
    let label = format!("allow[{i}]");
    let pattern = compile_pattern(&doc.tools, source, &label)?;
    let rate = match &doc.rate {
        Some(text) => Some(Rate::parse(text.get_ref()).map_err(|m| {
            error_at(ErrorKind::Rate, source, &label, Some(text.span()), m).with_hint(
                "write a rate as N/unit or N/Kunit, with unit s, min, h or day: \"10/min\", \"100/10s\"",
            )
        })?),
        None => None,
    };
    let mut constraints = Vec::with_capacity(doc.args.0.len());
    for (path, spanned) in &doc.args.0 {
        let c = Constraint::compile(path, spanned.get_ref()).map_err(|e| {
            let err = error_at(e.kind, source, &label, Some(spanned.span()), e.message);
            match e.hint {
                Some(h) => err.with_hint(h),
                None => err,
            }
        })?;
        constraints.push(c);
    }
    let mut sums = Vec::with_capacity(doc.sum.0.len());
    for (path, spanned) in &doc.sum.0 {
        let at = |m: String| error_at(ErrorKind::Sum, source, &label, Some(spanned.span()), m);
        let parsed = ArgPath::parse(path)
            .map_err(|m| error_at(ErrorKind::ArgPath, source, &label, Some(spanned.span()), m))?;
        if parsed.has_each() {
            return Err(at(format!(
                "sum path {path:?} uses *, which sum does not support"
            ))
            .with_hint("sum one argument per call, such as amount or body/amount"));
        }
        let max_text = spanned.get_ref().max.clone();
        let max = max_text.as_f64().filter(|m| *m >= 0.0).ok_or_else(|| {
            at(format!("sum max {max_text} for {path:?} is negative"))
                .with_hint("a sum limit is the most the session may spend; use 0 or more")
        })?;
        sums.push(SumLimit {
            path: parsed,
            max,
            max_text,
        });
    }
    Ok(AllowRule {
        label,
        pattern,
        max_calls: doc.max_calls,
        per_run: doc.per_run,
        rate,
        description: doc.description.clone(),
        constraints: constraints.into(),
        sums: sums.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> PolicyError {
        Policy::from_toml(text, "airlock.toml").unwrap_err()
    }

    #[test]
    fn errors_name_the_line_and_rule() {
        let e = error("[[allow]]\ntools = \"a\"\n\n[[allow]]\ntools = \"a//b\"\n");
        assert_eq!(e.kind(), ErrorKind::Pattern);
        assert_eq!(e.line(), Some(5));
        assert!(
            e.to_string()
                .starts_with("airlock.toml:5: allow[1]: tools pattern \"a//b\""),
            "{e}"
        );
        assert!(e.hint().is_some());

        let e = error("[[allow]]\ntools = \"a\"\nrate = \"ten a minute\"\n");
        assert_eq!((e.kind(), e.line()), (ErrorKind::Rate, Some(3)));

        let e = error("[[allow]]\ntools = \"a\"\n[allow.args]\nx = { min = 3, max = 1 }\n");
        assert_eq!((e.kind(), e.line()), (ErrorKind::EmptyRange, Some(4)));

        let e = error("[[allow]]\ntools = \"a\"\n[allow.sum]\nx = { max = -1 }\n");
        assert_eq!((e.kind(), e.line()), (ErrorKind::Sum, Some(4)));

        let e = error("[[deny]]\ntools = \"***\"\n");
        assert_eq!(
            (e.kind(), e.line(), e.rule()),
            (ErrorKind::Pattern, Some(2), Some("deny[0]"))
        );
    }

    #[test]
    fn syntax_errors_name_the_line_and_list_the_keys() {
        let e = error("[[allow]]\ntools = \"a\"\nmax_call = 3\n");
        assert_eq!((e.kind(), e.line()), (ErrorKind::Syntax, Some(3)));
        assert!(e.message().contains("unknown field `max_call`"), "{e}");
        assert!(
            e.to_string().contains("\nhint: [[allow]] takes tools"),
            "{e}"
        );
    }

    #[test]
    fn compile_without_text_still_names_rule() {
        let doc: PolicyDoc = toml::from_str("[[allow]]\ntools = \"\"\n").unwrap();
        let e = Policy::compile(
            &doc,
            Source {
                name: "cfg",
                text: None,
            },
        )
        .unwrap_err();
        assert_eq!(e.line(), None);
        assert!(e.to_string().starts_with("cfg: allow[0]: "), "{e}");
    }

    #[test]
    fn may_allow_considers_names_only() {
        let p = Policy::from_toml(
            "[[allow]]\ntools = \"db/*\"\n[allow.args]\nx = { eq = 1 }\n[[deny]]\ntools = \"db/drop\"\n",
            "p",
        )
        .unwrap();
        assert!(p.may_allow("db/get"));
        assert!(!p.may_allow("db/drop"));
        assert!(!p.may_allow("fs/read"));
        assert_eq!(p.rule_count(), 2);
        assert!(Policy::allow_all().may_allow("anything"));
    }

    #[test]
    fn policy_is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Policy>();
        assert_send_sync::<crate::PolicyState>();
    }
}
