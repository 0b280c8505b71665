//! Constructors for the report types, which are `#[non_exhaustive]` and so cannot be built
//! outside this crate: for tests of layers that observe calls. Every field stays public, so a
//! test sets the optional ones after building.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::{
    ApprovalMethod, ApprovalReport, CallReport, LayerCall, LayerDecision, Stage, ToolCallError,
};

/// A failed call's error.
pub fn tool_error(code: &str, message: impl Into<String>) -> ToolCallError {
    ToolCallError::new(code, message)
}

/// A call's report with no layers and no approvals; the tool ran for the whole of `took`.
pub fn call_report(
    call: LayerCall,
    outcome: Result<Value, ToolCallError>,
    started: SystemTime,
    took: Duration,
) -> CallReport {
    CallReport {
        call,
        outcome,
        started,
        took,
        tool_took: took,
        layers: Vec::new(),
        approvals: Vec::new(),
    }
}

/// A layer's decision with no reason.
pub fn layer_decision(
    layer: impl Into<String>,
    stage: Stage,
    decision: &'static str,
    started: SystemTime,
    took: Duration,
) -> LayerDecision {
    LayerDecision {
        layer: layer.into(),
        stage,
        decision,
        reason: None,
        started,
        took,
    }
}

/// A human's answer to an approval, with no channel.
pub fn approval_report(
    id: impl Into<String>,
    layer: impl Into<String>,
    method: ApprovalMethod,
    outcome: &'static str,
    started: SystemTime,
    waited: Duration,
) -> ApprovalReport {
    ApprovalReport {
        id: id.into(),
        layer: layer.into(),
        method,
        outcome,
        channel: None,
        started,
        waited,
    }
}
