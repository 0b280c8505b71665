//! What the sandbox and the model know about a tool: its name, description and schemas.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// The public description of one tool.
///
/// A name is one or more segments separated by `/` or `.` (`weather`, `stripe/charges/create`,
/// `github.issues.list`); each segment is an identifier (`[A-Za-z_][A-Za-z0-9_-]*`). In
/// JavaScript a tool is reachable both as a namespace path (`stripe.charges.create(...)`) and as
/// one flat function whose name joins the segments with `_` (`stripe_charges_create(...)`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    /// JSON Schema of the one object argument.
    pub input_schema: Value,
    /// JSON Schema of the result, when the tool declares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// How long one call may take; `None` leaves it to the sandbox's default.
    #[serde(skip)]
    pub timeout: Option<Duration>,
}

impl ToolSpec {
    /// A tool taking any object, with no output schema.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: description.into(),
            input_schema: serde_json::json!({ "type": "object" }),
            output_schema: None,
            timeout: None,
        }
    }

    pub fn with_input_schema(mut self, schema: Value) -> Self {
        self.input_schema = schema;
        self
    }

    pub fn with_output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The name's segments: `stripe/charges/create` and `stripe.charges.create` both give
    /// `["stripe", "charges", "create"]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.name.split(['/', '.'])
    }

    /// The flat JavaScript function name: segments joined with `_`, `-` replaced by `_`.
    pub fn flat_name(&self) -> String {
        self.segments()
            .map(|s| s.replace('-', "_"))
            .collect::<Vec<_>>()
            .join("_")
    }
}
