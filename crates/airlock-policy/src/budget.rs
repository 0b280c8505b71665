//! Per-session budgets: call counts, rate windows and sums, reserved at decision time.

use std::collections::VecDeque;
use std::time::Duration;

use serde_json::Value;

use crate::Policy;
use crate::denial::{Failure, Reservation};
use crate::policy::AllowRule;
use crate::rate::Rate;
use crate::value::{show, show_total, type_name};

/// The budget counters of one session. Keep one per session, and use it
/// with one policy only: counters are found by rule index.
///
/// A decision that allows a call counts it at once, so the decision is the
/// reservation and budgets stay exact when calls later run concurrently.
#[derive(Clone, Debug, Default)]
pub struct PolicyState {
    /// Grows to the policy's rule count on first use.
    rules: Vec<RuleState>,
}

/// [`PolicyState`] as plain data.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BudgetImage {
    pub rules: Vec<RuleImage>,
}

/// The counters of one allow rule.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuleImage {
    pub calls: u64,
    pub run_calls: u64,
    /// Ages of the allowed calls still inside the rate window, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_ages_ms: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sums: Vec<f64>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct RuleState {
    calls: u64,
    run_calls: u64,
    /// Times of the allowed calls still inside the rate window, oldest first.
    recent: VecDeque<Duration>,
    /// Running totals, one per `[allow.sum]` entry.
    sums: Vec<f64>,
}

impl PolicyState {
    /// Counters for a fresh session under `policy`.
    pub fn new(policy: &Policy) -> Self {
        Self {
            rules: vec![RuleState::default(); policy.allow.len()],
        }
    }

    /// Starts a new run within the session: resets every `per_run` count.
    pub fn begin_run(&mut self) {
        for rule in &mut self.rules {
            rule.run_calls = 0;
        }
    }

    /// The counters as plain data, for keeping a session elsewhere; the calls in rate windows
    /// by their age at `now` (the session clock's reading), so they carry across clocks.
    pub fn image(&self, now: Duration) -> BudgetImage {
        BudgetImage {
            rules: self
                .rules
                .iter()
                .map(|r| RuleImage {
                    calls: r.calls,
                    run_calls: r.run_calls,
                    recent_ages_ms: r
                        .recent
                        .iter()
                        .map(|&t| {
                            u64::try_from(now.saturating_sub(t).as_millis()).unwrap_or(u64::MAX)
                        })
                        .collect(),
                    sums: r.sums.clone(),
                })
                .collect(),
        }
    }

    /// Counters from an [`image`](Self::image), with `now` the reading of this session's
    /// clock.
    pub fn from_image(image: &BudgetImage, now: Duration) -> Self {
        Self {
            rules: image
                .rules
                .iter()
                .map(|r| RuleState {
                    calls: r.calls,
                    run_calls: r.run_calls,
                    recent: r
                        .recent_ages_ms
                        .iter()
                        .map(|&age| now.saturating_sub(Duration::from_millis(age)))
                        .collect(),
                    sums: r.sums.clone(),
                })
                .collect(),
        }
    }

    pub(crate) fn rule(&mut self, index: usize) -> &mut RuleState {
        if self.rules.len() <= index {
            self.rules.resize_with(index + 1, RuleState::default);
        }
        &mut self.rules[index]
    }
}

impl RuleState {
    /// Checks every budget of `rule` and, only if all have room, counts the call.
    pub(crate) fn reserve(
        &mut self,
        rule: &AllowRule,
        args: &Value,
        now: Duration,
    ) -> Result<Reservation, Box<Failure>> {
        if let Some(max) = rule.max_calls
            && self.calls >= max
        {
            return Err(Failure::budget(
                format!("max_calls {max} per session used up"),
                None,
            ));
        }
        if let Some(max) = rule.per_run
            && self.run_calls >= max
        {
            return Err(Failure::budget(
                format!("per_run {max} per run used up"),
                None,
            ));
        }
        if let Some(rate) = &rule.rate
            && let Some(wait) = rate.wait(&mut self.recent, now)
        {
            return Err(Failure::budget(
                format!("rate {rate} exceeded"),
                Some(format!("next call allowed in {:.1} s", wait.as_secs_f64())),
            ));
        }
        self.sums.resize(rule.sums.len(), 0.0);
        for (limit, total) in rule.sums.iter().zip(&self.sums) {
            add_to_sum(limit, *total, args)?;
        }
        // Every budget has room: count the call.
        self.calls += 1;
        self.run_calls += 1;
        if rule.rate.is_some() {
            Rate::record(&mut self.recent, now);
        }
        let mut added = Vec::with_capacity(rule.sums.len());
        for (limit, total) in rule.sums.iter().zip(&mut self.sums) {
            let new_total = add_to_sum(limit, *total, args)?;
            added.push(new_total - *total);
            *total = new_total;
        }
        Ok(Reservation {
            rule: 0,
            at: rule.rate.is_some().then_some(now),
            sums: added,
        })
    }

    /// Undoes [`RuleState::reserve`].
    pub(crate) fn release(&mut self, r: &Reservation) {
        self.calls = self.calls.saturating_sub(1);
        self.run_calls = self.run_calls.saturating_sub(1);
        if let Some(at) = r.at
            && let Some(i) = self.recent.iter().rposition(|&t| t == at)
        {
            self.recent.remove(i);
        }
        for (total, amount) in self.sums.iter_mut().zip(&r.sums) {
            *total = (*total - amount).max(0.0);
        }
    }
}

impl Reservation {
    pub(crate) fn at_rule(mut self, rule: usize) -> Self {
        self.rule = rule;
        self
    }
}

/// The new total if this call's argument fits under the limit.
///
/// The argument must be present and a number of zero or more: a missing one
/// might be defaulted by the tool itself, and a negative one would buy back budget.
fn add_to_sum(
    limit: &crate::policy::SumLimit,
    total: f64,
    args: &Value,
) -> Result<f64, Box<Failure>> {
    let path = limit.path.as_str();
    let max = &limit.max_text;
    let fail = |actual: Option<&Value>, what: String, hint: Option<String>| {
        Box::new(Failure {
            argument: Some(path.to_owned()),
            actual: actual.cloned(),
            what,
            hint,
        })
    };
    let value = limit.path.get(args);
    let x = match value {
        None => {
            return Err(fail(
                None,
                format!("argument {path} is missing"),
                Some(format!("it is required by sum max {max}")),
            ));
        }
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::INFINITY),
        Some(v) => {
            return Err(fail(
                value,
                format!(
                    "{path} = {} is {}, not a number, for sum max {max}",
                    show(v),
                    type_name(v)
                ),
                None,
            ));
        }
    };
    if x < 0.0 {
        return Err(fail(
            value,
            format!(
                "{path} = {} is negative, and sum max {max} counts only amounts of zero or more",
                value.map(show).unwrap_or_default()
            ),
            Some(format!(
                "add {path} = {{ min = 0 }} to [allow.args] to refuse it up front"
            )),
        ));
    }
    let new_total = total + x;
    if new_total > limit.max {
        return Err(fail(
            value,
            format!(
                "{path} = {} would bring the session total to {}, over sum max {max}",
                value.map(show).unwrap_or_default(),
                show_total(new_total)
            ),
            Some(format!(
                "{} left in this session",
                show_total(limit.max - total)
            )),
        ));
    }
    Ok(new_total)
}
