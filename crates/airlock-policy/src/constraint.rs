//! Argument constraints: compiled from [`ConstraintDoc`], checked against a call's arguments.

use std::cmp::Ordering;
use std::fmt;

use regex::Regex;
use serde_json::{Number, Value};

use crate::denial::Failure;
use crate::doc::ConstraintDoc;
use crate::path::{ArgPath, Found};
use crate::value::{cmp_numbers, json_eq, show, type_name};

/// Largest compiled size of a `matches` regex, in bytes. Matching is linear
/// in the input with the `regex` crate, but a pathological pattern (`a{1000}{1000}`)
/// could still take a lot of memory to compile; this keeps a typo from doing so.
const MAX_REGEX_SIZE: usize = 1 << 20;

/// One check on a value.
#[derive(Clone, Debug)]
pub(crate) enum Check {
    Min(Number),
    Max(Number),
    Gt(Number),
    Lt(Number),
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    /// The pattern as written, and compiled anchored at both ends.
    Matches(String, Regex),
    MinLen(u64),
    MaxLen(u64),
}

impl fmt::Display for Check {
    /// As the check is written in the policy: `max 1000`, `in ["USD","EUR"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Min(n) => write!(f, "min {n}"),
            Check::Max(n) => write!(f, "max {n}"),
            Check::Gt(n) => write!(f, "gt {n}"),
            Check::Lt(n) => write!(f, "lt {n}"),
            Check::Eq(v) => write!(f, "eq {}", show(v)),
            Check::Ne(v) => write!(f, "ne {}", show(v)),
            Check::In(vs) => write!(f, "in {}", show(&Value::Array(vs.clone()))),
            Check::NotIn(vs) => write!(f, "not_in {}", show(&Value::Array(vs.clone()))),
            Check::StartsWith(s) => write!(f, "starts_with {s:?}"),
            Check::EndsWith(s) => write!(f, "ends_with {s:?}"),
            Check::Contains(s) => write!(f, "contains {s:?}"),
            Check::Matches(s, _) => write!(f, "matches {s:?}"),
            Check::MinLen(n) => write!(f, "min_len {n}"),
            Check::MaxLen(n) => write!(f, "max_len {n}"),
        }
    }
}

/// Why a value does not pass a check.
enum Verdict {
    Pass,
    /// The value's type is not one the check applies to.
    WrongType(&'static str),
    Fail,
}

impl Check {
    fn test(&self, v: &Value) -> Verdict {
        let pass = |ok: bool| if ok { Verdict::Pass } else { Verdict::Fail };
        match self {
            Check::Min(b) | Check::Max(b) | Check::Gt(b) | Check::Lt(b) => {
                let Value::Number(n) = v else {
                    return Verdict::WrongType("a number");
                };
                let ord = cmp_numbers(n, b);
                pass(match self {
                    Check::Min(_) => ord.is_some_and(|o| o != Ordering::Less),
                    Check::Max(_) => ord.is_some_and(|o| o != Ordering::Greater),
                    Check::Gt(_) => ord == Some(Ordering::Greater),
                    _ => ord == Some(Ordering::Less),
                })
            }
            Check::Eq(want) => pass(json_eq(v, want)),
            Check::Ne(want) => pass(!json_eq(v, want)),
            Check::In(list) => pass(list.iter().any(|w| json_eq(v, w))),
            Check::NotIn(list) => pass(!list.iter().any(|w| json_eq(v, w))),
            Check::StartsWith(_) | Check::EndsWith(_) | Check::Contains(_) | Check::Matches(..) => {
                let Value::String(s) = v else {
                    return Verdict::WrongType("a string");
                };
                pass(match self {
                    Check::StartsWith(p) => s.starts_with(p.as_str()),
                    Check::EndsWith(p) => s.ends_with(p.as_str()),
                    Check::Contains(p) => s.contains(p.as_str()),
                    Check::Matches(_, re) => re.is_match(s),
                    _ => false,
                })
            }
            Check::MinLen(n) | Check::MaxLen(n) => {
                let len = match v {
                    Value::String(s) => s.chars().count(),
                    Value::Array(items) => items.len(),
                    _ => return Verdict::WrongType("a string or list"),
                };
                let len = u64::try_from(len).unwrap_or(u64::MAX);
                pass(if matches!(self, Check::MinLen(_)) {
                    len >= *n
                } else {
                    len <= *n
                })
            }
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self,
            Check::Min(_) | Check::Max(_) | Check::Gt(_) | Check::Lt(_)
        )
    }
}

/// What went wrong at one place, before it is worded.
enum Fail<'a> {
    Missing,
    NotContainer(&'a Value),
    WrongType(&'a Value, &'a Check, &'static str),
    Value(&'a Value, &'a Check),
}

/// All the checks on one argument path.
#[derive(Clone, Debug)]
pub(crate) struct Constraint {
    pub(crate) path: ArgPath,
    pub(crate) optional: bool,
    pub(crate) checks: Box<[Check]>,
}

/// Why a constraint cannot be compiled; the caller adds where it was written.
#[derive(Debug)]
pub(crate) struct ConstraintError {
    pub(crate) kind: crate::ErrorKind,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Constraint {
    pub(crate) fn compile(path: &str, doc: &ConstraintDoc) -> Result<Self, ConstraintError> {
        use crate::ErrorKind;
        let err = |kind, message: String, hint: Option<&str>| ConstraintError {
            kind,
            message,
            hint: hint.map(str::to_owned),
        };
        let path_parsed = ArgPath::parse(path).map_err(|m| {
            err(
                ErrorKind::ArgPath,
                m,
                Some("write nested paths as body/role or items/0/price"),
            )
        })?;
        let mut checks = Vec::new();
        let nums = [
            (&doc.min, Check::Min as fn(Number) -> Check),
            (&doc.max, Check::Max),
            (&doc.gt, Check::Gt),
            (&doc.lt, Check::Lt),
        ];
        for (bound, make) in nums {
            checks.extend(bound.clone().map(make));
        }
        checks.extend(doc.eq.clone().map(Check::Eq));
        checks.extend(doc.ne.clone().map(Check::Ne));
        for (list, name, make) in [
            (&doc.one_of, "in", Check::In as fn(Vec<Value>) -> Check),
            (&doc.none_of, "not_in", Check::NotIn),
        ] {
            match list {
                Some(l) if l.is_empty() => {
                    return Err(err(
                        ErrorKind::EmptyList,
                        format!("argument {path:?}: `{name}` is an empty list"),
                        Some("list at least one value, or remove the check"),
                    ));
                }
                Some(l) => checks.push(make(l.clone())),
                None => {}
            }
        }
        checks.extend(doc.starts_with.clone().map(Check::StartsWith));
        checks.extend(doc.ends_with.clone().map(Check::EndsWith));
        checks.extend(doc.contains.clone().map(Check::Contains));
        if let Some(pattern) = &doc.matches {
            let re = regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
                .size_limit(MAX_REGEX_SIZE)
                .build()
                .map_err(|e| {
                    err(
                        ErrorKind::Regex,
                        format!("argument {path:?}: invalid `matches` regex {pattern:?}: {e}"),
                        Some("the regex uses Rust regex syntax and must match the whole value"),
                    )
                })?;
            checks.push(Check::Matches(pattern.clone(), re));
        }
        checks.extend(doc.min_len.map(Check::MinLen));
        checks.extend(doc.max_len.map(Check::MaxLen));
        if checks.is_empty() {
            return Err(err(
                ErrorKind::NoCheck,
                format!("argument {path:?} has a constraint that checks nothing"),
                Some("add a check such as min, max, eq, in, starts_with or matches"),
            ));
        }
        check_ranges(doc).map_err(|m| {
            err(
                ErrorKind::EmptyRange,
                format!("argument {path:?}: {m}"),
                Some("no value could pass; check the bounds"),
            )
        })?;
        Ok(Self {
            path: path_parsed,
            optional: doc.optional,
            checks: checks.into(),
        })
    }

    /// Checks every place the path leads to; builds no strings unless one
    /// fails. The failure is boxed to keep the passing path's result small.
    pub(crate) fn check(&self, args: &Value) -> Result<(), Box<Failure>> {
        self.path
            .visit(args, &mut |found| self.check_one(found))
            .map_err(|at| Box::new(self.word(at.error, at.path)))
    }

    fn check_one<'a>(&'a self, found: Found<'a>) -> Result<(), Fail<'a>> {
        let v = match found {
            Found::Value(v) => v,
            Found::Missing if self.optional => return Ok(()),
            Found::Missing => return Err(Fail::Missing),
            Found::NotContainer(v) => return Err(Fail::NotContainer(v)),
        };
        for check in &*self.checks {
            match check.test(v) {
                Verdict::Pass => {}
                Verdict::WrongType(want) => return Err(Fail::WrongType(v, check, want)),
                Verdict::Fail => return Err(Fail::Value(v, check)),
            }
        }
        Ok(())
    }

    fn word(&self, fail: Fail<'_>, argument: String) -> Failure {
        let (actual, what, hint) = match fail {
            Fail::Missing => (
                None,
                format!("argument {argument} is missing"),
                Some(match self.checks.first() {
                    Some(c) => {
                        format!("it is required by {c}, or mark the constraint optional = true")
                    }
                    None => "mark the constraint optional = true".to_owned(),
                }),
            ),
            Fail::NotContainer(v) => (
                Some(v.clone()),
                format!(
                    "{argument} = {} is {}, not a list or object, so {} cannot apply",
                    show(v),
                    type_name(v),
                    self.path.as_str()
                ),
                None,
            ),
            Fail::WrongType(v, check, want) => (
                Some(v.clone()),
                format!(
                    "{argument} = {} is {}, not {want}, for {check}",
                    show(v),
                    type_name(v)
                ),
                self.hint_for(check, v),
            ),
            Fail::Value(v, check) => (
                Some(v.clone()),
                format!("{argument} = {} violates {check}", show(v)),
                self.hint_for(check, v),
            ),
        };
        Failure {
            argument: Some(argument),
            actual,
            what,
            hint,
        }
    }

    fn hint_for(&self, check: &Check, v: &Value) -> Option<String> {
        match check {
            c if c.is_numeric() => Some(self.numeric_range()),
            Check::In(list) => Some(format!(
                "allowed values: {}",
                list.iter().map(show).collect::<Vec<_>>().join(", ")
            )),
            Check::Matches(..) => Some("the regex must match the whole value".to_owned()),
            Check::MinLen(_) | Check::MaxLen(_) => match v {
                Value::String(s) => Some(format!("it has {} characters", s.chars().count())),
                Value::Array(items) => Some(format!("it has {} elements", items.len())),
                _ => None,
            },
            _ => None,
        }
    }

    /// The numeric bounds in words: `allowed range 1..1000`, or
    /// `allowed: more than 0 and at most 10` when `gt`/`lt` are involved.
    fn numeric_range(&self) -> String {
        let (mut min, mut max) = (None, None);
        let mut words = Vec::new();
        for check in &*self.checks {
            match check {
                Check::Min(n) => {
                    min = Some(n);
                    words.push(format!("at least {n}"));
                }
                Check::Max(n) => {
                    max = Some(n);
                    words.push(format!("at most {n}"));
                }
                Check::Gt(n) => words.push(format!("more than {n}")),
                Check::Lt(n) => words.push(format!("less than {n}")),
                _ => {}
            }
        }
        match (min, max) {
            (Some(lo), Some(hi)) if words.len() == 2 => format!("allowed range {lo}..{hi}"),
            _ => format!("allowed: {}", words.join(" and ")),
        }
    }
}

/// Rejects bounds no value could satisfy, such as `min = 10, max = 5`.
fn check_ranges(doc: &ConstraintDoc) -> Result<(), String> {
    let lower = [(&doc.min, "min", true), (&doc.gt, "gt", false)];
    let upper = [(&doc.max, "max", true), (&doc.lt, "lt", false)];
    for (lo, lo_name, lo_incl) in lower {
        for (hi, hi_name, hi_incl) in upper {
            let (Some(lo), Some(hi)) = (lo, hi) else {
                continue;
            };
            let empty = match cmp_numbers(lo, hi) {
                Some(Ordering::Greater) | None => true,
                Some(Ordering::Equal) => !(lo_incl && hi_incl),
                Some(Ordering::Less) => false,
            };
            if empty {
                return Err(format!(
                    "{lo_name} {lo} and {hi_name} {hi} leave no number allowed"
                ));
            }
        }
    }
    if let (Some(lo), Some(hi)) = (doc.min_len, doc.max_len)
        && lo > hi
    {
        return Err(format!("min_len {lo} is above max_len {hi}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn constraint(path: &str, doc: &str) -> Constraint {
        let doc: ConstraintDoc = toml::from_str(doc).unwrap();
        Constraint::compile(path, &doc).unwrap()
    }

    fn what(c: &Constraint, args: Value) -> String {
        c.check(&args).unwrap_err().what
    }

    #[test]
    fn numeric_bounds_are_strict_about_types() {
        let c = constraint("amount", "min = 1\nmax = 1000");
        assert!(c.check(&json!({"amount": 1000})).is_ok());
        assert!(c.check(&json!({"amount": 1.5})).is_ok());
        let f = c.check(&json!({"amount": 5000})).unwrap_err();
        assert_eq!(f.what, "amount = 5000 violates max 1000");
        assert_eq!(f.hint.as_deref(), Some("allowed range 1..1000"));
        assert_eq!(f.actual, Some(json!(5000)));
        assert_eq!(
            what(&c, json!({"amount": "500"})),
            "amount = \"500\" is a string, not a number, for min 1"
        );
        assert_eq!(
            what(&c, json!({"amount": true})),
            "amount = true is a boolean, not a number, for min 1"
        );
        assert_eq!(
            what(&c, json!({"amount": null})),
            "amount = null is null, not a number, for min 1"
        );
    }

    #[test]
    fn exclusive_bounds() {
        let c = constraint("x", "gt = 0\nlt = 10");
        assert!(c.check(&json!({"x": 5})).is_ok());
        let f = c.check(&json!({"x": 0})).unwrap_err();
        assert_eq!(f.what, "x = 0 violates gt 0");
        assert_eq!(
            f.hint.as_deref(),
            Some("allowed: more than 0 and less than 10")
        );
        assert!(c.check(&json!({"x": 10})).is_err());
    }

    #[test]
    fn missing_and_optional() {
        let c = constraint("amount", "min = 1");
        let f = c.check(&json!({})).unwrap_err();
        assert_eq!(f.what, "argument amount is missing");
        assert_eq!(
            f.hint.as_deref(),
            Some("it is required by min 1, or mark the constraint optional = true")
        );
        let c = constraint("note", "max_len = 3\noptional = true");
        assert!(c.check(&json!({})).is_ok());
        assert!(c.check(&json!({"note": "abc"})).is_ok());
        assert_eq!(
            what(&c, json!({"note": "abcd"})),
            "note = \"abcd\" violates max_len 3"
        );
        assert!(
            c.check(&json!({"note": null})).is_err(),
            "present null is checked"
        );
    }

    #[test]
    fn equality_and_membership() {
        let c = constraint("currency", "in = [\"USD\", \"EUR\"]");
        assert!(c.check(&json!({"currency": "EUR"})).is_ok());
        let f = c.check(&json!({"currency": "GBP"})).unwrap_err();
        assert_eq!(f.what, "currency = \"GBP\" violates in [\"USD\",\"EUR\"]");
        assert_eq!(f.hint.as_deref(), Some("allowed values: \"USD\", \"EUR\""));
        let c = constraint("n", "eq = 1");
        assert!(c.check(&json!({"n": 1.0})).is_ok());
        assert!(c.check(&json!({"n": "1"})).is_err());
        assert!(c.check(&json!({"n": true})).is_err());
        let c = constraint("n", "not_in = [0]\nne = 7");
        assert!(c.check(&json!({"n": 0.0})).is_err());
        assert!(c.check(&json!({"n": 7})).is_err());
        assert!(c.check(&json!({"n": 8})).is_ok());
    }

    #[test]
    fn string_checks_and_anchored_regex() {
        let c = constraint(
            "sql",
            "starts_with = \"SELECT\"\nends_with = \";\"\ncontains = \"FROM\"",
        );
        assert!(c.check(&json!({"sql": "SELECT 1 FROM t;"})).is_ok());
        assert!(c.check(&json!({"sql": "DROP t;"})).is_err());
        assert_eq!(
            what(&c, json!({"sql": 5})),
            "sql = 5 is a number, not a string, for starts_with \"SELECT\""
        );
        let c = constraint("id", "matches = \"[a-z]+\"");
        assert!(c.check(&json!({"id": "abc"})).is_ok());
        assert!(
            c.check(&json!({"id": "abc1"})).is_err(),
            "the regex is anchored"
        );
        assert!(
            c.check(&json!({"id": "1abc"})).is_err(),
            "the regex is anchored"
        );
        let c = constraint("id", "matches = \"a|b\"");
        assert!(
            c.check(&json!({"id": "ab"})).is_err(),
            "alternation stays anchored"
        );
    }

    #[test]
    fn lengths_count_characters_and_elements() {
        let c = constraint("v", "min_len = 2\nmax_len = 3");
        assert!(c.check(&json!({"v": "ééé"})).is_ok());
        assert!(c.check(&json!({"v": [1, 2]})).is_ok());
        assert!(c.check(&json!({"v": [1, 2, 3, 4]})).is_err());
        assert_eq!(
            what(&c, json!({"v": 12})),
            "v = 12 is a number, not a string or list, for min_len 2"
        );
    }

    #[test]
    fn every_element_must_pass() {
        let c = constraint("items/*/price", "max = 10");
        assert!(c.check(&json!({"items": []})).is_ok());
        assert!(
            c.check(&json!({"items": [{"price": 1}, {"price": 10}]}))
                .is_ok()
        );
        let f = c
            .check(&json!({"items": [{"price": 1}, {"price": 11}]}))
            .unwrap_err();
        assert_eq!(f.argument.as_deref(), Some("items/1/price"));
        assert_eq!(f.what, "items/1/price = 11 violates max 10");
        assert_eq!(
            what(&c, json!({"items": 3})),
            "items = 3 is a number, not a list or object, so items/*/price cannot apply"
        );
    }

    #[test]
    fn invalid_constraints_are_rejected() {
        use crate::ErrorKind;
        for (doc, kind) in [
            ("min = 5\nmax = 1", ErrorKind::EmptyRange),
            ("gt = 5\nlt = 5", ErrorKind::EmptyRange),
            ("min_len = 5\nmax_len = 1", ErrorKind::EmptyRange),
            ("in = []", ErrorKind::EmptyList),
            ("not_in = []", ErrorKind::EmptyList),
            ("optional = true", ErrorKind::NoCheck),
            ("", ErrorKind::NoCheck),
            ("matches = \"(\"", ErrorKind::Regex),
        ] {
            let parsed: ConstraintDoc = toml::from_str(doc).unwrap();
            let e = Constraint::compile("a", &parsed).unwrap_err();
            assert_eq!(e.kind, kind, "{doc}");
        }
        let e = Constraint::compile(
            "a//b",
            &ConstraintDoc {
                min: Some(1.into()),
                ..Default::default()
            },
        );
        assert_eq!(e.unwrap_err().kind, crate::ErrorKind::ArgPath);
        assert!(
            Constraint::compile("a", &toml::from_str("min = 5\nmax = 5").unwrap()).is_ok(),
            "a single allowed value is fine"
        );
    }
}
