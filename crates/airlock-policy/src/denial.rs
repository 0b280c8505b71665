//! The outcome of a decision: a [`Grant`], or a [`Denial`] worded for the script.

/// Longest tool name shown in a denial message, in characters; the script
/// chooses the name, and a huge one must not flood its error output.
const MAX_TOOL_SHOWN: usize = 200;

/// A call the policy allowed. Its budgets are already counted; hand the
/// grant to [`Policy::release`](crate::Policy::release) to give them back if
/// the call does not happen after all (a later layer refused it).
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    /// The allow rule that governs the call, e.g. `"allow[0]"`; `None` when
    /// the policy has no allow rules.
    pub rule: Option<String>,
    /// What the decision counted, to be released.
    pub(crate) reservation: Option<Reservation>,
}

/// The budget a grant counted: the rule, the time recorded in its rate
/// window, and the amounts added to its sums.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Reservation {
    pub(crate) rule: usize,
    pub(crate) at: Option<std::time::Duration>,
    pub(crate) sums: Vec<f64>,
}

/// A call the policy refused. It consumed no budget.
///
/// `message` is the whole line the script sees:
/// `PolicyDenied: TOOL: WHAT (RULE in SOURCE); HINT`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Denial {
    /// The tool the script called.
    pub tool: String,
    /// The rule that refused it (`"deny[0]"`, `"allow[2]"`); `None` when no rule
    /// matched the tool at all.
    pub rule: Option<String>,
    /// The argument path at fault, concrete (`items/2/price`), if any.
    pub argument: Option<String>,
    /// The value found there, if any.
    pub actual: Option<serde_json::Value>,
    /// The full message, including the hint.
    pub message: String,
    /// How the call could pass, when there is something to say.
    pub hint: Option<String>,
}

/// Why a governing rule refused a call, before it is placed in a rule and source.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Failure {
    pub(crate) argument: Option<String>,
    pub(crate) actual: Option<serde_json::Value>,
    /// E.g. `amount = 5000 violates max 1000`.
    pub(crate) what: String,
    pub(crate) hint: Option<String>,
}

impl Failure {
    pub(crate) fn budget(what: String, hint: Option<String>) -> Box<Self> {
        Box::new(Self {
            argument: None,
            actual: None,
            what,
            hint,
        })
    }
}

fn shown(tool: &str) -> String {
    match tool.char_indices().nth(MAX_TOOL_SHOWN) {
        Some((cut, _)) => format!("{}...", &tool[..cut]),
        None => tool.to_owned(),
    }
}

impl Denial {
    /// An allow rule governed or was the first to match the name, and refused.
    pub(crate) fn by_rule(tool: &str, rule: &str, source: &str, f: Failure) -> Self {
        let mut message = format!(
            "PolicyDenied: {}: {} ({rule} in {source})",
            shown(tool),
            f.what
        );
        if let Some(hint) = &f.hint {
            message.push_str("; ");
            message.push_str(hint);
        }
        Self {
            tool: tool.to_owned(),
            rule: Some(rule.to_owned()),
            argument: f.argument,
            actual: f.actual,
            message,
            hint: f.hint,
        }
    }

    /// A `[[deny]]` rule matched the tool.
    pub(crate) fn by_deny(
        tool: &str,
        rule: &str,
        pattern: &str,
        reason: Option<&str>,
        source: &str,
    ) -> Self {
        let mut message = format!(
            "PolicyDenied: {}: denied by {rule} (tools = {pattern:?}) in {source}",
            shown(tool)
        );
        if let Some(reason) = reason {
            message.push_str(": ");
            message.push_str(reason);
        }
        Self {
            tool: tool.to_owned(),
            rule: Some(rule.to_owned()),
            argument: None,
            actual: None,
            message,
            hint: None,
        }
    }

    /// No allow rule's pattern matches the tool.
    pub(crate) fn unmatched(tool: &str, allow_rules: usize, source: &str) -> Self {
        let rules = if allow_rules == 1 { "rule" } else { "rules" };
        let hint = format!("add one with tools = {:?}", shown(tool));
        Self {
            tool: tool.to_owned(),
            rule: None,
            argument: None,
            actual: None,
            message: format!(
                "PolicyDenied: {}: no [[allow]] rule matches this tool ({allow_rules} {rules} in {source}); {hint}",
                shown(tool)
            ),
            hint: Some(hint),
        }
    }
}
