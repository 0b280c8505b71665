//! The effective policy in readable text, for `airlock check`.

use std::fmt::Write;

use crate::Policy;

impl Policy {
    /// The effective policy, one block per rule, deny rules first as they are checked.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        let plural =
            |n: usize, what: &str| format!("{n} {what} rule{}", if n == 1 { "" } else { "s" });
        let _ = writeln!(
            out,
            "policy from {}: {}, {}",
            self.source,
            plural(self.deny.len(), "deny"),
            plural(self.allow.len(), "allow")
        );
        if self.allow.is_empty() {
            out.push_str("no [[allow]] rules: every tool that no deny rule matches is allowed\n");
        } else {
            out.push_str(
                "deny rules win; otherwise the first allow rule whose tools and args match governs \
                 the call, and its budgets decide\n",
            );
        }
        for rule in &*self.deny {
            let _ = write!(
                out,
                "\n{}  tools = {:?}\n",
                rule.label,
                rule.pattern.as_str()
            );
            if let Some(reason) = &rule.reason {
                let _ = writeln!(out, "  reason: {reason}");
            }
        }
        for rule in &*self.allow {
            let _ = write!(
                out,
                "\n{}  tools = {:?}\n",
                rule.label,
                rule.pattern.as_str()
            );
            if let Some(description) = &rule.description {
                let _ = writeln!(out, "  why: {description}");
            }
            let mut budgets = Vec::new();
            if let Some(n) = rule.max_calls {
                budgets.push(format!("max_calls {n} per session"));
            }
            if let Some(n) = rule.per_run {
                budgets.push(format!("per_run {n}"));
            }
            if let Some(rate) = &rule.rate {
                budgets.push(format!("rate {rate}"));
            }
            if !budgets.is_empty() {
                let _ = writeln!(out, "  budget: {}", budgets.join(", "));
            }
            for c in &*rule.constraints {
                let checks: Vec<String> = c.checks.iter().map(ToString::to_string).collect();
                let optional = if c.optional { " (optional)" } else { "" };
                let _ = writeln!(
                    out,
                    "  arg {}{optional}: {}",
                    c.path.as_str(),
                    checks.join(", ")
                );
            }
            for s in &*rule.sums {
                let _ = writeln!(
                    out,
                    "  sum {}: max {} per session",
                    s.path.as_str(),
                    s.max_text
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::Policy;

    #[test]
    fn describes_every_rule() {
        let p = Policy::from_toml(
            r#"
[[allow]]
tools = "stripe/charges/*"
max_calls = 100
per_run = 10
rate = "10/min"
description = "charges within limits"
[allow.args]
amount = { min = 1, max = 10000 }
note = { max_len = 200, optional = true }
[allow.sum]
amount = { max = 50000 }

[[deny]]
tools = "stripe/charges/refund/**"
reason = "refunds need a human"
"#,
            "airlock.toml",
        )
        .unwrap();
        let expected = "\
policy from airlock.toml: 1 deny rule, 1 allow rule
deny rules win; otherwise the first allow rule whose tools and args match governs the call, and its budgets decide

deny[0]  tools = \"stripe/charges/refund/**\"
  reason: refunds need a human

allow[0]  tools = \"stripe/charges/*\"
  why: charges within limits
  budget: max_calls 100 per session, per_run 10, rate 10/min
  arg amount: min 1, max 10000
  arg note (optional): max_len 200
  sum amount: max 50000 per session
";
        assert_eq!(p.describe(), expected);
    }

    #[test]
    fn describes_allow_all() {
        let d = Policy::allow_all().describe();
        assert!(
            d.contains("every tool that no deny rule matches is allowed"),
            "{d}"
        );
    }
}
