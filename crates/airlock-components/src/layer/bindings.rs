//! The host side of `airlock:layer@0.1.0` (the WIT package in `wit/layer`): typed bindings of
//! the hooks a layer exports, and the `store` and `log` imports it may use, each only if granted.

use std::sync::Arc;

use wasmtime::component::HasData;

use super::store::KvStore;

wasmtime::component::bindgen!({
    path: "../../wit/layer",
    world: "airlock:layer/layer",
    exports: { default: async },
});

pub(crate) use airlock::layer::log::Level;
pub(crate) use airlock::layer::types::{
    AfterAnswer, ApprovalMethod, BeforeAnswer, Call, Denial, ToolError,
};

/// Bytes of one log line kept; the rest is cut.
pub(crate) const MAX_LOG_LINE: usize = 4096;
/// Log lines kept per hook call; later ones are counted and dropped.
pub(crate) const MAX_LOG_LINES: usize = 64;

/// What a layer's store holds beyond WASI: its key-value store and its log, if granted.
#[derive(Default)]
pub(crate) struct LayerCtx {
    pub(crate) store: Option<Arc<KvStore>>,
    /// Whether log lines are kept (the `log` grant).
    pub(crate) log: bool,
    /// This hook call's log lines.
    pub(crate) lines: Vec<(Level, String)>,
    /// Lines dropped past [`MAX_LOG_LINES`].
    pub(crate) dropped: usize,
}

/// Selects the [`LayerCtx`] of a store's data for the generated `add_to_linker`.
pub(crate) struct LayerData;

impl HasData for LayerData {
    type Data<'a> = &'a mut LayerCtx;
}

const NO_STORE: &str =
    "this layer is not granted a store; add `store = true` to its [layer.grants]";

impl LayerCtx {
    fn kv(&self) -> Result<&KvStore, String> {
        self.store.as_deref().ok_or_else(|| NO_STORE.to_string())
    }
}

impl airlock::layer::types::Host for LayerCtx {}

impl airlock::layer::store::Host for LayerCtx {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, String> {
        self.kv()?.get(&key)
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), String> {
        self.kv()?.swap(&key, None, Some(value)).map(drop)
    }

    fn delete(&mut self, key: String) -> Result<(), String> {
        self.kv()?.swap(&key, None, None).map(drop)
    }

    fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, String> {
        self.kv()?.swap(&key, Some(expected), new)
    }
}

impl airlock::layer::log::Host for LayerCtx {
    fn log(&mut self, level: Level, message: String) {
        if !self.log {
            return;
        }
        if self.lines.len() >= MAX_LOG_LINES {
            self.dropped += 1;
            return;
        }
        let mut message = message;
        if message.len() > MAX_LOG_LINE {
            let mut cut = MAX_LOG_LINE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str(" [cut]");
        }
        self.lines.push((level, message));
    }
}

impl Level {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}
