//! What the person typing the code is asked.
//!
//! By default: "Type the one-time password from your authenticator app to run TOOL ARGS", the
//! arguments as compact JSON cut at [`MAX_ARGS_BYTES`]. With `OTP_PROMPT` set, that template
//! instead, as the built-in `approve` and `otp` layers read theirs: `{tool}` is the tool's name,
//! `{KEY}` an argument (strings as they are, anything else as JSON), `{a/b}` a nested one; a
//! placeholder naming no argument stays as written, so a typo shows up instead of hiding.

use serde_json::Value;

/// The environment variable holding a prompt template.
pub const PROMPT_VAR: &str = "OTP_PROMPT";

/// Longest prompt, in bytes: an argument may be large, a person reads a line.
pub const MAX_PROMPT_BYTES: usize = 1024;

/// Longest arguments shown in the default prompt, in bytes.
pub const MAX_ARGS_BYTES: usize = 200;

/// The prompt for a call of `tool` with `args` (a JSON object, as text), from `template` if
/// one is given.
pub fn prompt(template: Option<&str>, tool: &str, args: &str) -> String {
    match template {
        Some(template) if !template.trim().is_empty() => render(template, tool, args),
        _ => default_prompt(tool, args),
    }
}

/// "Type the one-time password from your authenticator app to run TOOL ARGS".
pub fn default_prompt(tool: &str, args: &str) -> String {
    let mut out = format!("Type the one-time password from your authenticator app to run {tool}");
    let args = compact_json(args);
    if !args.is_empty() && args != "{}" {
        out.push(' ');
        out.push_str(&cut(args, MAX_ARGS_BYTES));
    }
    cut(out, MAX_PROMPT_BYTES)
}

/// `template` with `{tool}` and `{ARGUMENT}` placeholders filled, cut to [`MAX_PROMPT_BYTES`].
pub fn render(template: &str, tool: &str, args: &str) -> String {
    let args: Value = serde_json::from_str(args).unwrap_or(Value::Null);
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
        match lookup(key, tool, &args) {
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
    cut(out, MAX_PROMPT_BYTES)
}

fn lookup(key: &str, tool: &str, args: &Value) -> Option<String> {
    if key == "tool" {
        return Some(tool.to_string());
    }
    if key.is_empty() {
        return None;
    }
    let mut value = args;
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

/// JSON text without the whitespace between tokens, keys in their order.
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

/// `text` cut to at most `max` bytes on a character boundary, with "..." when cut.
fn cut(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_prompt_shows_the_tool_and_its_arguments() {
        assert_eq!(
            default_prompt(
                "bank/transfer",
                "{ \"amount\": 5,\n \"to\": \"ada lovelace\" }"
            ),
            "Type the one-time password from your authenticator app to run bank/transfer \
             {\"amount\":5,\"to\":\"ada lovelace\"}"
        );
        assert_eq!(
            default_prompt("bank/balance", "{}"),
            "Type the one-time password from your authenticator app to run bank/balance"
        );
    }

    #[test]
    fn long_arguments_are_cut() {
        let args = format!("{{\"note\":\"{}\"}}", "é".repeat(500));
        let text = default_prompt("t", &args);
        let shown = text.split_once(" run t ").unwrap().1;
        assert!(shown.len() <= MAX_ARGS_BYTES + 3, "{}", shown.len());
        assert!(shown.ends_with("..."));
    }

    #[test]
    fn templates_take_the_tool_and_arguments() {
        let args = r#"{"amount":5,"currency":"EUR","to":"ada","meta":{"ref":"x1"},"ok":true}"#;
        assert_eq!(
            prompt(
                Some("Send {amount} {currency} to {to} with {tool} ({meta/ref}, {ok})?"),
                "bank/transfer",
                args
            ),
            "Send 5 EUR to ada with bank/transfer (x1, true)?"
        );
        assert_eq!(render("{amout} {amount} {", "t", args), "{amout} 5 {");
        assert_eq!(render("{}", "t", args), "{}");
        // A blank template is no template.
        assert!(prompt(Some("  "), "t", args).starts_with("Type the one-time password"));
    }

    #[test]
    fn long_prompts_are_cut_on_a_character_boundary() {
        let args = format!("{{\"note\":\"{}\"}}", "é".repeat(2000));
        let text = render("{note}", "t", &args);
        assert!(text.len() <= MAX_PROMPT_BYTES + 3);
        assert!(text.ends_with("..."));
    }

    #[test]
    fn strings_keep_their_whitespace_and_escapes() {
        assert_eq!(
            compact_json("{ \"a b\" : \"c \\\" d\" , \"e\" : [ 1, 2 ] }"),
            "{\"a b\":\"c \\\" d\",\"e\":[1,2]}"
        );
    }
}
