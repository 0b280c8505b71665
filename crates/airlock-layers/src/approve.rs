//! The `approve` layer: a person approves or declines each call it covers before it runs.
//!
//! The prompt is a template: `{tool}` is the tool's name, `{KEY}` an argument (strings as they
//! are, anything else as JSON), `{a/b}` a nested one; a placeholder naming no argument stays as
//! written, so a typo shows up in the prompt instead of hiding. The approval itself goes through
//! the session's approval channels (`airlock_pipeline::Approvals`), never through the script.

use airlock_pipeline::{
    ApprovalAsk, ApprovalMethod, Before, Layer, LayerCall, LayerFuture, LayerResult, ready,
};
use serde::Deserialize;
use serde_json::Value;

/// Longest prompt shown, in bytes: an argument may be large, a person reads a line.
pub const MAX_PROMPT_BYTES: usize = 1024;

/// `[[layer]] use = "approve"` options.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ApproveConfig {
    /// The question, e.g. `"Send {amount} {currency} to {to}?"`. Default: `"Run {tool}?"`.
    pub prompt: Option<String>,
}

/// Asks a person to confirm each call.
#[derive(Debug, Clone)]
pub struct ApproveLayer {
    prompt: String,
}

impl ApproveLayer {
    pub fn new(config: &ApproveConfig) -> Self {
        Self {
            prompt: config
                .prompt
                .clone()
                .unwrap_or_else(|| "Run {tool}?".to_string()),
        }
    }
}

impl Layer for ApproveLayer {
    fn name(&self) -> &str {
        "approve"
    }

    fn before<'a>(&'a self, call: &'a LayerCall) -> LayerFuture<'a, LayerResult<Before>> {
        ready(Ok(Before::Approve(ApprovalAsk {
            prompt: render(&self.prompt, call),
            method: ApprovalMethod::Confirm,
        })))
    }
}

/// `template` with `{tool}` and `{ARGUMENT}` placeholders filled from `call`, cut to
/// [`MAX_PROMPT_BYTES`].
pub fn render(template: &str, call: &LayerCall) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let key = &after[..close];
        match lookup(key, call) {
            Some(text) => out.push_str(&text),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    if out.len() > MAX_PROMPT_BYTES {
        let mut end = MAX_PROMPT_BYTES;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
        out.push_str("...");
    }
    out
}

fn lookup(key: &str, call: &LayerCall) -> Option<String> {
    if key == "tool" {
        return Some(call.tool.clone());
    }
    if key.is_empty() {
        return None;
    }
    let mut value = &call.args;
    for part in key.split('/') {
        value = match value {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(args: Value) -> LayerCall {
        LayerCall::new(0, 0, "bank/transfer", args)
    }

    #[test]
    fn placeholders_take_arguments_and_the_tool_name() {
        let c =
            call(json!({ "amount": 5, "currency": "EUR", "to": "ada", "meta": { "ref": "x1" } }));
        assert_eq!(
            render(
                "Send {amount} {currency} to {to} with {tool} ({meta/ref})?",
                &c
            ),
            "Send 5 EUR to ada with bank/transfer (x1)?"
        );
    }

    #[test]
    fn unknown_and_unclosed_placeholders_stay_as_written() {
        let c = call(json!({ "amount": 5 }));
        assert_eq!(render("{amout} {amount} {", &c), "{amout} 5 {");
        assert_eq!(render("{}", &c), "{}");
    }

    #[test]
    fn long_prompts_are_cut_on_a_character_boundary() {
        let c = call(json!({ "note": "é".repeat(2000) }));
        let text = render("{note}", &c);
        assert!(text.len() <= MAX_PROMPT_BYTES + 3);
        assert!(text.ends_with("..."));
    }
}
