//! `tool`: calls the sandbox's tools from the shell, with `--key value` arguments coerced by
//! the tool's input schema (`--amount 5` is a number only where the schema says number).

use serde_json::{Map, Value};

use super::{Interp, Io};

/// Exit status of a call the policy, a layer or a human denied (as "permission denied" for a
/// command).
pub const STATUS_DENIED: i32 = 126;
/// Exit status for an unknown tool (as for an unknown command).
pub const STATUS_UNKNOWN: i32 = 127;

const HELP: &str = "Usage: tool NAME [--KEY VALUE]... [--json '{...}']\n       tool --list\n       tool NAME --help\n\
Call a tool. Arguments become one JSON object: --KEY VALUE sets KEY (a number, boolean, array or\n\
object where the tool's schema says so, else a string), --KEY alone sets it to true, --json merges\n\
an object. The result is printed as JSON. Exit status: 0 success, 1 the tool failed,\n\
2 bad arguments, 126 denied (by the policy, a layer or a human), 127 no such tool.\n";

impl Interp {
    pub(crate) async fn tool(&self, args: &[String], io: &mut Io<'_>) -> i32 {
        let tools: Vec<Value> = serde_json::from_str(&self.sys.list_tools()).unwrap_or_default();
        let Some(name) = args.first() else {
            let _ = io.stderr.write(HELP.as_bytes()).await;
            return 2;
        };
        match name.as_str() {
            "--help" | "-h" => {
                let _ = io.stdout.write(HELP.as_bytes()).await;
                return 0;
            }
            "--list" | "-l" => {
                for t in &tools {
                    let line = format!(
                        "{}\t{}\n",
                        str_of(t, "name"),
                        first_line(str_of(t, "description"))
                    );
                    if io.stdout.write(line.as_bytes()).await.is_err() {
                        return crate::cmd::STATUS_BROKEN_PIPE;
                    }
                }
                return 0;
            }
            _ => {}
        }
        let same = |t: &&Value| str_of(t, "name").replace('.', "/") == name.replace('.', "/");
        let spec = tools.iter().find(same);
        let schema = spec
            .and_then(|t| t.get("inputSchema"))
            .cloned()
            .unwrap_or(Value::Null);
        if args.get(1).is_some_and(|a| a == "--help") {
            let Some(spec) = spec else {
                return self
                    .tool_error(
                        io,
                        STATUS_UNKNOWN,
                        &format!("{name}: unknown tool; `tool --list` shows the tools"),
                    )
                    .await;
            };
            let _ = io.stdout.write(tool_help(spec).as_bytes()).await;
            return 0;
        }
        let arguments = match build_args(&args[1..], &schema) {
            Ok(a) => a,
            Err(e) => return self.tool_error(io, 2, &format!("{name}: {e}")).await,
        };
        match self
            .sys
            .call_tool(name, &Value::Object(arguments).to_string())
        {
            Ok(result) => {
                let mut text = result;
                text.push('\n');
                if io.stdout.write(text.as_bytes()).await.is_err() {
                    return crate::cmd::STATUS_BROKEN_PIPE;
                }
                0
            }
            Err((code, message)) => {
                let status = match code.as_str() {
                    "EPOLICY" | "EAPPROVAL" | "EDENIED" => STATUS_DENIED,
                    "ENOENT" => STATUS_UNKNOWN,
                    "EINVAL" => 2,
                    _ => 1,
                };
                let _ = io
                    .stderr
                    .write(format!("tool: {message}\n").as_bytes())
                    .await;
                status
            }
        }
    }

    async fn tool_error(&self, io: &mut Io<'_>, status: i32, message: &str) -> i32 {
        let _ = io
            .stderr
            .write(format!("tool: {message}\n").as_bytes())
            .await;
        status
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn tool_help(spec: &Value) -> String {
    let mut out = format!(
        "Usage: tool {} [--KEY VALUE]...\n{}\n",
        str_of(spec, "name"),
        str_of(spec, "description")
    );
    let schema = spec.get("inputSchema");
    let required: Vec<&str> = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
    {
        out.push_str("\nArguments:\n");
        for (key, prop) in props {
            let ty = prop.get("type").map_or_else(
                || "any".to_string(),
                |t| match t {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
            );
            let req = if required.contains(&key.as_str()) {
                ", required"
            } else {
                ""
            };
            out.push_str(&format!(
                "  --{key} ({ty}{req})  {}\n",
                str_of(prop, "description")
            ));
        }
    }
    out
}

/// The JSON type the schema gives `key`, if it gives one.
fn type_of<'a>(schema: &'a Value, key: &str) -> Option<&'a str> {
    let prop = schema.get("properties")?.get(key)?;
    match prop.get("type")? {
        Value::String(s) => Some(s),
        // ["number", "null"]: the first non-null type.
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null"),
        _ => None,
    }
}

fn coerce(schema: &Value, key: &str, raw: &str) -> Result<Value, String> {
    Ok(match type_of(schema, key) {
        Some("number") if raw.trim().parse::<i64>().is_ok() => {
            Value::from(raw.trim().parse::<i64>().unwrap_or(0))
        }
        Some("number") => {
            let n: f64 = raw
                .trim()
                .parse()
                .map_err(|_| format!("--{key}: '{raw}' is not a number"))?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(|| format!("--{key}: '{raw}' is not a finite number"))?
        }
        Some("integer") => Value::from(
            raw.trim()
                .parse::<i64>()
                .map_err(|_| format!("--{key}: '{raw}' is not an integer"))?,
        ),
        Some("boolean") => match raw {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" => Value::Bool(false),
            _ => return Err(format!("--{key}: '{raw}' is not true or false")),
        },
        Some("array") | Some("object") | Some("null") => {
            serde_json::from_str(raw).map_err(|e| format!("--{key}: not valid JSON ({e})"))?
        }
        _ => Value::String(raw.to_string()),
    })
}

/// `--key value` pairs (and `--json`) into the call's argument object.
fn build_args(args: &[String], schema: &Value) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(format!(
                "unexpected argument '{arg}'; arguments are --KEY VALUE"
            ));
        };
        let (key, inline) = match flag.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (flag.to_string(), None),
        };
        if key == "json" {
            let raw = inline.or_else(|| {
                i += 1;
                args.get(i - 1).cloned()
            });
            let Some(raw) = raw else {
                return Err("--json needs an object".to_string());
            };
            match serde_json::from_str::<Value>(&raw) {
                Ok(Value::Object(map)) => out.extend(map),
                Ok(_) => return Err("--json needs an object like '{\"a\": 1}'".to_string()),
                Err(e) => return Err(format!("--json: not valid JSON ({e})")),
            }
            continue;
        }
        if key.is_empty() {
            return Err("empty option '--'".to_string());
        }
        let value = match inline {
            Some(v) => coerce(schema, &key, &v)?,
            None => {
                let next_is_value = args.get(i).is_some_and(|n| !n.starts_with("--"));
                if type_of(schema, &key) == Some("boolean") && !next_is_value {
                    Value::Bool(true)
                } else if next_is_value {
                    i += 1;
                    coerce(schema, &key, &args[i - 1])?
                } else {
                    Value::Bool(true)
                }
            }
        };
        // A repeated key collects an array.
        match out.get_mut(&key) {
            Some(Value::Array(items)) if type_of(schema, &key) == Some("array") => {
                items.push(value)
            }
            Some(existing) if type_of(schema, &key) != Some("array") => *existing = value,
            _ => {
                out.insert(key, value);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_follow_the_schema() {
        let schema = json!({"properties": {"amount": {"type": "number"}, "n": {"type": "integer"}, "ok": {"type": "boolean"}, "tags": {"type": "array"}, "name": {"type": "string"}}});
        let args = build_args(
            &strings(&[
                "--amount", "5", "--name", "5", "--ok", "--n=3", "--tags", "[1,2]", "--other", "7",
            ]),
            &schema,
        )
        .unwrap();
        assert_eq!(
            Value::Object(args),
            json!({"amount": 5, "name": "5", "ok": true, "n": 3, "tags": [1, 2], "other": "7"})
        );
    }

    #[test]
    fn json_merges_and_errors_name_the_key() {
        let schema = json!({"properties": {"amount": {"type": "number"}}});
        let args = build_args(
            &strings(&["--json", "{\"a\":{\"b\":1}}", "--amount", "2"]),
            &schema,
        )
        .unwrap();
        assert_eq!(Value::Object(args), json!({"a": {"b": 1}, "amount": 2}));
        let err = build_args(&strings(&["--amount", "five"]), &schema).unwrap_err();
        assert!(err.contains("--amount") && err.contains("five"), "{err}");
        assert!(build_args(&strings(&["positional"]), &schema).is_err());
    }
}
