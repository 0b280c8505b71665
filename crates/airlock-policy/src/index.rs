//! Finds the allow rules that may match a tool without trying every pattern:
//! most patterns start with a literal segment (`stripe/...`), so rules are
//! grouped by it, and only the group of the tool's first segment plus the
//! rules starting with a wildcard are tried, still in file order.

use std::collections::HashMap;

use crate::pattern::ToolPattern;

#[derive(Clone, Debug, Default)]
pub(crate) struct RuleIndex {
    /// First literal segment -> indexes of the rules starting with it, ascending.
    by_first: HashMap<Box<str>, Box<[usize]>>,
    /// Indexes of the rules whose pattern starts with a wildcard, ascending.
    wild: Box<[usize]>,
}

impl RuleIndex {
    pub(crate) fn new<'a>(patterns: impl Iterator<Item = &'a ToolPattern>) -> Self {
        let mut by_first: HashMap<Box<str>, Vec<usize>> = HashMap::new();
        let mut wild = Vec::new();
        for (i, pattern) in patterns.enumerate() {
            match pattern.first_literal() {
                Some(first) => by_first.entry(first.into()).or_default().push(i),
                None => wild.push(i),
            }
        }
        Self {
            by_first: by_first.into_iter().map(|(k, v)| (k, v.into())).collect(),
            wild: wild.into(),
        }
    }

    /// Indexes of the rules that may match a tool whose first segment is
    /// `first`, ascending; a superset of those that do, so each pattern must
    /// still be tried.
    pub(crate) fn candidates(&self, first: &str) -> Candidates<'_> {
        let named = self.by_first.get(first).map_or(&[][..], |v| &v[..]);
        Candidates {
            named,
            wild: &self.wild,
        }
    }
}

/// Two ascending lists merged into one, without allocating.
pub(crate) struct Candidates<'a> {
    named: &'a [usize],
    wild: &'a [usize],
}

impl Iterator for Candidates<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let take_named = match (self.named.first(), self.wild.first()) {
            (Some(n), Some(w)) => n < w,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_named {
            &mut self.named
        } else {
            &mut self.wild
        };
        let (&first, rest) = list.split_first()?;
        *list = rest;
        Some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_keep_file_order() {
        let patterns: Vec<_> = ["a/x", "*/y", "b/z", "a/**", "**", "a.q"]
            .iter()
            .map(|p| ToolPattern::compile(p).unwrap())
            .collect();
        let index = RuleIndex::new(patterns.iter());
        assert_eq!(index.candidates("a").collect::<Vec<_>>(), [0, 1, 3, 4, 5]);
        assert_eq!(index.candidates("b").collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(index.candidates("c").collect::<Vec<_>>(), [1, 4]);
    }
}
