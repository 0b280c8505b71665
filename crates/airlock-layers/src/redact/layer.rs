//! [`RedactLayer`]: the redactor as a pipeline layer.

use std::sync::Arc;

use airlock_pipeline::{
    After, Deny, Layer, LayerCall, LayerFuture, LayerResult, ToolCallError, ready,
};
use serde_json::Value;

use super::{RedactConfig, RedactError, Redactor};

/// The `redact` layer. It holds the [`Redactor`] the pipeline uses for the journal, spans and
/// logs ([`RedactLayer::redactor`]); with `results = true` it also redacts tool results
/// before the script sees them.
#[derive(Debug, Clone)]
pub struct RedactLayer {
    redactor: Arc<Redactor>,
    results: bool,
}

impl RedactLayer {
    /// Compiles `config` (see [`Redactor::new`]).
    pub fn new(config: &RedactConfig) -> Result<Self, RedactError> {
        Ok(Self::from_redactor(
            Arc::new(Redactor::new(config)?),
            config.results,
        ))
    }

    /// A layer around an already compiled redactor; `results` as in [`RedactConfig`].
    pub fn from_redactor(redactor: Arc<Redactor>, results: bool) -> Self {
        Self { redactor, results }
    }

    /// The rules, to redact the journal, spans and logs the same way.
    pub fn redactor(&self) -> Arc<Redactor> {
        Arc::clone(&self.redactor)
    }

    /// What the script gets instead of `outcome`.
    ///
    /// A failed call cannot be given a replacement error (an [`After::Replace`] would turn it
    /// into a success), so an error message holding a secret fails the call with the
    /// redacted message instead: the script still sees that the tool failed, and why.
    pub fn after_outcome(&self, outcome: Result<&Value, &ToolCallError>) -> After {
        if !self.results {
            return After::Pass;
        }
        match outcome {
            Ok(value) => {
                if !self.redactor.json_contains_secret(value) {
                    return After::Pass;
                }
                let mut value = value.clone();
                self.redactor.redact_json(&mut value);
                After::Replace(value)
            }
            Err(error) => {
                if !self.redactor.contains_secret(&error.message) {
                    return After::Pass;
                }
                let message = self.redactor.redact_str(&error.message);
                After::Fail(
                    Deny::new(format!("{}: {message}", error.code)).with_hint(
                        "the tool's error contained a secret; the redact layer replaced it",
                    ),
                )
            }
        }
    }
}

impl Layer for RedactLayer {
    fn name(&self) -> &str {
        "redact"
    }

    fn after<'a>(
        &'a self,
        call: &'a LayerCall,
        outcome: Result<&'a Value, &'a ToolCallError>,
    ) -> LayerFuture<'a, LayerResult<After>> {
        let _ = call;
        ready(Ok(self.after_outcome(outcome)))
    }
}
