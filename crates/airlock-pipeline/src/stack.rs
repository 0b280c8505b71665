//! The ordered stack of layers, each over the tools its pattern names.

use std::sync::Arc;
use std::time::Duration;

use airlock_policy::ToolPattern;

use crate::layer::{Layer, Redact};

/// Time one layer hook may take before the call is denied (fail closed). A human's wait is
/// bounded by the approval timeout instead.
pub const DEFAULT_LAYER_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone)]
struct Entry {
    /// `None`: every tool.
    tools: Option<ToolPattern>,
    layer: Arc<dyn Layer>,
    timeout: Duration,
}

/// Layers in the order they see a call before the tool (and in reverse after it), with the
/// redaction applied to what leaves the sandbox for people (journal, spans, approval prompts).
#[derive(Clone, Default)]
pub struct LayerStack {
    entries: Arc<Vec<Entry>>,
    redactor: Option<Arc<dyn Redact>>,
}

impl std::fmt::Debug for LayerStack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| {
                (
                    e.layer.name().to_string(),
                    e.tools.as_ref().map(|p| p.as_str().to_string()),
                )
            }))
            .finish()
    }
}

impl LayerStack {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `layer` at the end (innermost, nearest the tool), over the tools `tools` matches
    /// (all tools when `None`), with [`DEFAULT_LAYER_TIMEOUT`].
    #[must_use]
    pub fn with(self, tools: Option<ToolPattern>, layer: Arc<dyn Layer>) -> Self {
        self.with_timeout(tools, layer, DEFAULT_LAYER_TIMEOUT)
    }

    /// Like [`LayerStack::with`], with the time each hook of this layer may take.
    #[must_use]
    pub fn with_timeout(
        mut self,
        tools: Option<ToolPattern>,
        layer: Arc<dyn Layer>,
        timeout: Duration,
    ) -> Self {
        Arc::make_mut(&mut self.entries).push(Entry {
            tools,
            layer,
            timeout,
        });
        self
    }

    /// Redacts the journal, spans and approval prompts with `redactor`.
    #[must_use]
    pub fn with_redactor(mut self, redactor: Arc<dyn Redact>) -> Self {
        self.redactor = Some(redactor);
        self
    }

    pub fn redactor(&self) -> Option<&Arc<dyn Redact>> {
        self.redactor.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Every layer, in order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Layer>> {
        self.entries.iter().map(|e| &e.layer)
    }

    /// The layers over `tool`, in order, with their position in the stack and their timeout.
    pub(crate) fn over<'a>(
        &'a self,
        tool: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Arc<dyn Layer>, Duration)> + 'a {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.tools.as_ref().is_none_or(|p| p.matches(tool)))
            .map(|(i, e)| (i, &e.layer, e.timeout))
    }

    /// Names and patterns, for `airlock check`.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|e| {
                (
                    e.layer.name().to_string(),
                    e.tools
                        .as_ref()
                        .map_or_else(|| "**".to_string(), |p| p.as_str().to_string()),
                )
            })
            .collect()
    }
}
