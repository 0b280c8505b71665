//! WIT types as JSON Schema, and JSON values as WIT values and back.
