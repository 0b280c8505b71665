//! The decision: deny rules, then the first allow rule that matches governs.

use std::time::Duration;

use serde_json::Value;

use crate::denial::{Denial, Failure, Grant};
use crate::pattern::ToolSegments;
use crate::{Policy, PolicyState};

impl Policy {
    /// Decides one call and, if it is allowed, counts it against the budgets
    /// of the rule that governs it.
    ///
    /// Deny rules are checked first; any match denies. Then the first allow
    /// rule whose pattern matches `tool` and whose argument constraints all
    /// pass governs the call. If one of its budgets is used up the call is
    /// denied: later rules are not tried, so a rule's budget cannot be
    /// side-stepped by a looser rule below it. With no allow rules at all,
    /// every call that no deny rule stops is allowed.
    ///
    /// `now` is the time since a fixed origin, used only by `rate`.
    #[expect(
        clippy::result_large_err,
        reason = "the host matches on Denial's fields; denials are the cold path, grants stay small"
    )]
    pub fn decide(
        &self,
        state: &mut PolicyState,
        tool: &str,
        args: &Value,
        now: Duration,
    ) -> Result<Grant, Denial> {
        let segments = ToolSegments::split(tool);
        let segs = segments.as_slice();
        if let Some(rule) = self.deny.iter().find(|r| r.pattern.matches_segments(segs)) {
            return Err(Denial::by_deny(
                tool,
                &rule.label,
                rule.pattern.as_str(),
                rule.reason.as_deref(),
                &self.source,
            ));
        }
        if self.allow.is_empty() {
            return Ok(Grant {
                rule: None,
                reservation: None,
            });
        }
        // The failure of the first rule whose name matched, reported if none governs.
        let mut first_failure: Option<(usize, Box<Failure>)> = None;
        for index in self.allow_index.candidates(segments.first()) {
            let rule = &self.allow[index];
            if !rule.pattern.matches_segments(segs) {
                continue;
            }
            match rule.constraints.iter().try_for_each(|c| c.check(args)) {
                Ok(()) => {
                    return match state.rule(index).reserve(rule, args, now) {
                        Ok(reservation) => Ok(Grant {
                            rule: Some(rule.label.clone()),
                            reservation: Some(reservation.at_rule(index)),
                        }),
                        Err(f) => Err(Denial::by_rule(tool, &rule.label, &self.source, *f)),
                    };
                }
                Err(f) => {
                    first_failure.get_or_insert((index, f));
                }
            }
        }
        Err(match first_failure {
            Some((index, f)) => Denial::by_rule(tool, &self.allow[index].label, &self.source, *f),
            None => Denial::unmatched(tool, self.allow.len(), &self.source),
        })
    }

    /// Gives back what `grant` counted: the call did not happen after all (a
    /// layer after the policy refused it, a human declined it). Its call
    /// counts, rate window entry and sum amounts are released, so a refused
    /// call costs no budget, as a denied one does not.
    pub fn release(&self, state: &mut PolicyState, grant: &Grant) {
        let Some(r) = &grant.reservation else {
            return;
        };
        state.rule(r.rule).release(r);
    }
}
