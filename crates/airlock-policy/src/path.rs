//! Argument paths: `amount`, `body/role`, `items/0/price`, `items/*/price`.

use serde_json::Value;

/// One step of a path.
#[derive(Clone, Debug)]
enum Step {
    /// An object key; when it is a number, also a list index.
    Key { key: Box<str>, index: Option<usize> },
    /// `*`: every element of a list, or every value of an object.
    Each,
}

impl Step {
    fn text(&self) -> &str {
        match self {
            Step::Key { key, .. } => key,
            Step::Each => "*",
        }
    }
}

/// What a path leads to in one place of the arguments.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Found<'a> {
    Value(&'a Value),
    /// The path leads nowhere: a key or index is absent, or a step goes into a
    /// string, number, boolean or null.
    Missing,
    /// A `*` step met this value, which is neither a list nor an object.
    NotContainer(&'a Value),
}

/// A failure at one place, with the concrete path to it (`items/2/price`).
#[derive(Debug)]
pub(crate) struct AtPath<E> {
    pub(crate) error: E,
    pub(crate) path: String,
}

/// A compiled argument path.
#[derive(Clone, Debug)]
pub(crate) struct ArgPath {
    text: Box<str>,
    steps: Box<[Step]>,
}

impl ArgPath {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("the argument path is empty".into());
        }
        let mut steps = Vec::new();
        for part in text.split('/') {
            steps.push(match part {
                "" => return Err(format!("argument path {text:?} has an empty segment")),
                "*" => Step::Each,
                _ => Step::Key {
                    key: part.into(),
                    index: part.parse().ok(),
                },
            });
        }
        Ok(Self {
            text: text.into(),
            steps: steps.into(),
        })
    }

    /// The path as written.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn has_each(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Each))
    }

    /// The single value at this path; `None` when missing. Meant for paths
    /// without `*`, where there is at most one.
    pub(crate) fn get<'a>(&self, args: &'a Value) -> Option<&'a Value> {
        self.steps.iter().try_fold(args, |v, step| match step {
            Step::Key { key, index } => child(v, key, *index),
            Step::Each => None,
        })
    }

    /// Calls `f` for every place the path leads to, stopping at the first
    /// error. Builds no strings unless `f` fails.
    pub(crate) fn visit<'a, E>(
        &self,
        args: &'a Value,
        f: &mut impl FnMut(Found<'a>) -> Result<(), E>,
    ) -> Result<(), AtPath<E>> {
        let mut trail = Vec::new();
        match self.walk(Some(args), 0, f, &mut trail) {
            Ok(()) => Ok(()),
            Err(error) => {
                trail.reverse();
                Err(AtPath {
                    error,
                    path: trail.join("/"),
                })
            }
        }
    }

    /// `trail` collects, on failure only, the path segments in reverse order.
    fn walk<'a, E>(
        &self,
        value: Option<&'a Value>,
        depth: usize,
        f: &mut impl FnMut(Found<'a>) -> Result<(), E>,
        trail: &mut Vec<String>,
    ) -> Result<(), E> {
        let (Some(step), Some(v)) = (self.steps.get(depth), value) else {
            let found = value.map_or(Found::Missing, Found::Value);
            return f(found).inspect_err(|_| {
                // Name the whole path even where it broke off early.
                let rest = self.steps.get(depth..).unwrap_or_default();
                trail.extend(rest.iter().rev().map(|s| s.text().to_owned()));
            });
        };
        match step {
            Step::Key { key, index } => self
                .walk(child(v, key, *index), depth + 1, f, trail)
                .inspect_err(|_| trail.push(key.to_string())),
            Step::Each => match v {
                Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
                    self.walk(Some(item), depth + 1, f, trail)
                        .inspect_err(|_| trail.push(i.to_string()))
                }),
                Value::Object(map) => map.iter().try_for_each(|(k, item)| {
                    self.walk(Some(item), depth + 1, f, trail)
                        .inspect_err(|_| trail.push(k.clone()))
                }),
                other => f(Found::NotContainer(other)),
            },
        }
    }
}

fn child<'a>(v: &'a Value, key: &str, index: Option<usize>) -> Option<&'a Value> {
    match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => items.get(index?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Every place the path leads to, as (concrete path, what was found).
    fn places(path: &str, args: &Value) -> Vec<(String, String)> {
        let path = ArgPath::parse(path).unwrap();
        let mut seen = Vec::new();
        let mut n = 0;
        loop {
            // Fail at the n-th place to learn its concrete path.
            let mut i = 0;
            let mut what = String::new();
            let r = path.visit(args, &mut |found| {
                i += 1;
                if i > n {
                    what = match found {
                        Found::Value(v) => v.to_string(),
                        Found::Missing => "missing".into(),
                        Found::NotContainer(v) => format!("not container {v}"),
                    };
                    return Err(());
                }
                Ok(())
            });
            match r {
                Ok(()) => return seen,
                Err(at) => seen.push((at.path, what)),
            }
            n += 1;
        }
    }

    #[test]
    fn nested_keys_and_indexes() {
        let args = json!({"body": {"role": "viewer"}, "items": [{"price": 3}]});
        assert_eq!(
            places("body/role", &args),
            [("body/role".into(), "\"viewer\"".into())]
        );
        assert_eq!(
            places("items/0/price", &args),
            [("items/0/price".into(), "3".into())]
        );
        assert_eq!(
            places("items/1/price", &args),
            [("items/1/price".into(), "missing".into())]
        );
        assert_eq!(
            places("body/role/x", &args),
            [("body/role/x".into(), "missing".into())]
        );
        assert_eq!(
            places("nope/a", &args),
            [("nope/a".into(), "missing".into())]
        );
    }

    #[test]
    fn each_visits_every_element_and_none_of_an_empty_list() {
        let args = json!({"items": [{"p": 1}, {"q": 2}], "empty": [], "map": {"a": 1}, "n": 5});
        assert_eq!(
            places("items/*/p", &args),
            [
                ("items/0/p".into(), "1".into()),
                ("items/1/p".into(), "missing".into())
            ]
        );
        assert!(places("empty/*", &args).is_empty());
        assert_eq!(places("map/*", &args), [("map/a".into(), "1".into())]);
        assert_eq!(
            places("n/*", &args),
            [("n".into(), "not container 5".into())]
        );
        assert_eq!(
            places("gone/*/p", &args),
            [("gone/*/p".into(), "missing".into())]
        );
    }

    #[test]
    fn numeric_keys_work_on_objects_too() {
        let args = json!({"m": {"0": "zero"}});
        assert_eq!(places("m/0", &args), [("m/0".into(), "\"zero\"".into())]);
        assert_eq!(
            ArgPath::parse("m/0").unwrap().get(&args),
            Some(&json!("zero"))
        );
    }

    #[test]
    fn malformed_paths_are_rejected() {
        assert!(ArgPath::parse("").is_err());
        assert!(ArgPath::parse("a//b").is_err());
        assert!(ArgPath::parse("/a").is_err());
        assert!(ArgPath::parse("a/*").unwrap().has_each());
    }
}
