//! [`Toolbox`]: the tools of a sandbox, by name, with their schemas compiled.

use std::collections::HashMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::error::ToolsetError;
use crate::spec::ToolSpec;
use crate::tool::Tool;

/// Longest tool name, in bytes.
const MAX_NAME_BYTES: usize = 128;
/// Validation problems listed in one error message; the rest are counted.
const MAX_REPORTED: usize = 3;

/// One tool with its schemas compiled.
pub struct RegisteredTool {
    tool: Arc<dyn Tool>,
    input: Validator,
    output: Option<Validator>,
}

impl std::fmt::Debug for RegisteredTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisteredTool")
            .field("name", &self.spec().name)
            .finish_non_exhaustive()
    }
}

impl RegisteredTool {
    pub fn spec(&self) -> &ToolSpec {
        self.tool.spec()
    }

    pub fn tool(&self) -> &Arc<dyn Tool> {
        &self.tool
    }

    /// Checks arguments against the input schema; the error names each failing argument.
    pub fn check_input(&self, args: &Value) -> Result<(), String> {
        describe_errors(&self.input, args, "argument")
    }

    /// Checks a result against the output schema, when the tool has one.
    pub fn check_output(&self, result: &Value) -> Result<(), String> {
        match &self.output {
            Some(v) => describe_errors(v, result, "result"),
            None => Ok(()),
        }
    }
}

fn describe_errors(validator: &Validator, value: &Value, what: &str) -> Result<(), String> {
    if validator.is_valid(value) {
        return Ok(());
    }
    let mut parts = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(value) {
        if parts.len() == MAX_REPORTED {
            more += 1;
            continue;
        }
        // A JSON pointer like `/body/role` reads as `body.role`.
        let path = error
            .instance_path()
            .as_str()
            .trim_start_matches('/')
            .replace('/', ".");
        parts.push(if path.is_empty() {
            format!("{what}s: {error}")
        } else {
            format!("{what} {path}: {error}")
        });
    }
    if more > 0 {
        parts.push(format!("and {more} more"));
    }
    Err(parts.join("; "))
}

/// The tools a sandbox offers, looked up by name. `stripe/charges/create` and
/// `stripe.charges.create` name the same tool.
#[derive(Default)]
pub struct Toolbox {
    tools: Vec<RegisteredTool>,
    index: HashMap<String, usize>,
}

impl std::fmt::Debug for Toolbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.tools.iter().map(|t| &t.spec().name))
            .finish()
    }
}

/// Whether a toolbox would take a tool with this spec (its name and schemas), for backends
/// that import many tools and would rather skip one than fail them all.
///
/// # Errors
/// What [`Toolbox::add`] would report, but for a name already taken.
pub fn check_spec(spec: &ToolSpec) -> Result<(), ToolsetError> {
    compile(spec).map(drop)
}

/// Checks the name and compiles the input and output schemas.
fn compile(spec: &ToolSpec) -> Result<(Validator, Option<Validator>), ToolsetError> {
    check_name(&spec.name)?;
    let compile = |schema: &Value, which: &str| {
        jsonschema::validator_for(schema).map_err(|e| {
            ToolsetError::new(format!(
                "tool '{}': the {which} schema is not valid JSON Schema: {e}",
                spec.name
            ))
        })
    };
    if !spec.input_schema.is_object() {
        return Err(ToolsetError::new(format!(
            "tool '{}': the input schema must be a JSON object, like {{\"type\": \"object\", \"properties\": {{...}}}}",
            spec.name
        )));
    }
    let input = compile(&spec.input_schema, "input")?;
    let output = spec
        .output_schema
        .as_ref()
        .map(|s| compile(s, "output"))
        .transpose()?;
    Ok((input, output))
}

/// The lookup key: both separators mean the same.
fn key(name: &str) -> String {
    name.replace('.', "/")
}

impl Toolbox {
    /// Whether any tool wants the session's files with its calls.
    pub fn wants_files(&self) -> bool {
        self.tools.iter().any(|t| t.tool.wants_files())
    }

    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a tool, compiling its schemas.
    ///
    /// # Errors
    /// An invalid name, a name already taken, or a schema that is not valid JSON Schema.
    pub fn add(&mut self, tool: Arc<dyn Tool>) -> Result<(), ToolsetError> {
        let spec = tool.spec();
        let (input, output) = compile(spec)?;
        let k = key(&spec.name);
        if self.index.contains_key(&k) {
            return Err(ToolsetError::new(format!(
                "tool '{}' is defined twice",
                spec.name
            )));
        }
        self.index.insert(k, self.tools.len());
        self.tools.push(RegisteredTool {
            tool,
            input,
            output,
        });
        Ok(())
    }

    /// The tool called `name` (either separator).
    pub fn get(&self, name: &str) -> Option<&RegisteredTool> {
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => *self.index.get(&key(name))?,
        };
        self.tools.get(i)
    }

    /// Every tool, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &RegisteredTool> {
        self.tools.iter()
    }

    /// Every tool's spec, in the order added.
    pub fn specs(&self) -> impl Iterator<Item = &ToolSpec> {
        self.tools.iter().map(RegisteredTool::spec)
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    /// Names similar to `name`, for "did you mean" hints.
    pub fn similar(&self, name: &str) -> Vec<&str> {
        let wanted = key(name).to_ascii_lowercase();
        let last = wanted.rsplit('/').next().unwrap_or(&wanted).to_string();
        self.specs()
            .map(|s| s.name.as_str())
            .filter(|n| {
                let k = key(n).to_ascii_lowercase();
                k.contains(&last) || wanted.contains(k.rsplit('/').next().unwrap_or(&k))
            })
            .take(5)
            .collect()
    }
}

/// A name is segments separated by `/` or `.`, each an identifier that may contain `-`.
fn check_name(name: &str) -> Result<(), ToolsetError> {
    let bad = |why: &str| {
        Err(ToolsetError::new(format!(
            "invalid tool name '{name}': {why}; a name is segments like `weather` or `stripe/charges/create`, each made of letters, digits, `_` and `-`, not starting with a digit"
        )))
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > MAX_NAME_BYTES {
        return bad(&format!("it is longer than {MAX_NAME_BYTES} bytes"));
    }
    for segment in name.split(['/', '.']) {
        let mut chars = segment.chars();
        match chars.next() {
            None => return bad("it has an empty segment"),
            Some(c) if !(c.is_ascii_alphabetic() || c == '_') => {
                return bad(&format!(
                    "segment '{segment}' does not start with a letter or `_`"
                ));
            }
            _ => {}
        }
        if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return bad(&format!(
                "segment '{segment}' has a character other than letters, digits, `_` and `-`"
            ));
        }
    }
    // A one-segment tool is a global function of the script; the script's own globals and
    // the language's reserved words would hide it (reachable only through `tools.call`).
    if !name.contains(['/', '.']) {
        let flat = name.replace('-', "_");
        let why = if crate::dts::is_sandbox_global(&flat) {
            Some(format!("`{flat}` is already a global of the script"))
        } else if !crate::dts::is_binding_name(&flat) {
            Some(format!("`{flat}` is a reserved word of JavaScript"))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(ToolsetError::new(format!(
                "tool name '{name}' cannot be called by name: {why}\nhint: put it under a namespace (`my/{name}`, called as `my.{flat}(...)`) or rename it"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::tool_fn;
    use serde_json::json;

    fn noop(name: &str, schema: Value) -> Arc<dyn Tool> {
        tool_fn(
            ToolSpec::new(name, "test").with_input_schema(schema),
            |_| async { Ok(Value::Null) },
        )
    }

    #[test]
    fn names_are_checked() {
        let mut tb = Toolbox::new();
        for bad in ["", "a//b", "1abc", "a b", "a/", "ä"] {
            assert!(tb.add(noop(bad, json!({}))).is_err(), "{bad:?} accepted");
        }
        tb.add(noop("stripe/charges/create", json!({}))).unwrap();
        tb.add(noop("get-weather", json!({}))).unwrap();
        let err = tb
            .add(noop("stripe.charges.create", json!({})))
            .unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
    }

    #[test]
    fn either_separator_finds_the_tool() {
        let mut tb = Toolbox::new();
        tb.add(noop("a/b", json!({}))).unwrap();
        assert!(tb.get("a.b").is_some());
        assert!(tb.get("a/b").is_some());
        assert!(tb.get("a").is_none());
    }

    #[test]
    fn input_errors_name_the_argument() {
        let mut tb = Toolbox::new();
        let schema = json!({
            "type": "object",
            "properties": {
                "amount": { "type": "number" },
                "body": { "type": "object", "properties": { "role": { "type": "string" } } }
            },
            "required": ["amount"]
        });
        tb.add(noop("pay", schema)).unwrap();
        let t = tb.get("pay").unwrap();
        assert!(t.check_input(&json!({ "amount": 5 })).is_ok());
        let err = t.check_input(&json!({ "amount": "5" })).unwrap_err();
        assert!(
            err.contains("argument amount") && err.contains("number"),
            "{err}"
        );
        let err = t
            .check_input(&json!({ "amount": 1, "body": { "role": 3 } }))
            .unwrap_err();
        assert!(err.contains("argument body.role"), "{err}");
        let err = t.check_input(&json!({})).unwrap_err();
        assert!(err.contains("amount"), "{err}");
    }

    #[test]
    fn invalid_schemas_are_refused() {
        let mut tb = Toolbox::new();
        assert!(tb.add(noop("x", json!({ "type": 5 }))).is_err());
        assert!(tb.add(noop("y", json!("string"))).is_err());
    }
}
