//! [`LoadedComponent`]: a component compiled and linked, its exports sorted into the functions
//! offered as tools and those skipped (with the reason), and its imports classified by the grant
//! they need.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker, ResourceType};

use crate::cache;
use crate::error::Error;
use crate::grants::{Grants, Limits, Network};
use crate::host::ComponentHost;
use crate::state::State;
use crate::types;

/// What the operator says about one component (`[[component]]` in `airlock.toml`).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ComponentSpec {
    /// The prefix of its tools: `NAME/function`, `NAME/interface/function`.
    pub name: String,
    pub grants: Grants,
    pub limits: Limits,
    /// Descriptions by function name (or `interface/function`), for binaries without doc comments.
    pub describe: BTreeMap<String, String>,
}

impl ComponentSpec {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn with_grants(mut self, grants: Grants) -> Self {
        self.grants = grants;
        self
    }

    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    #[must_use]
    pub fn describe(mut self, function: impl Into<String>, text: impl Into<String>) -> Self {
        self.describe.insert(function.into(), text.into());
        self
    }
}

/// One exported function offered as a tool.
#[derive(Debug, Clone)]
pub struct Function {
    /// The tool's name: `component/function` or `component/interface/function`.
    pub tool: String,
    /// Where it is exported: `function`, or `package:name/interface@version#function`.
    pub export: String,
    pub description: String,
    pub signature: String,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    pub(crate) index: ComponentExportIndex,
    pub(crate) params: Vec<(String, Type)>,
    pub(crate) result: Option<Type>,
}

impl Function {
    /// Whether the function returns `result<T, E>`: its `err` is a tool error carrying `E`.
    pub(crate) fn returns_result(&self) -> bool {
        matches!(self.result, Some(Type::Result(_)))
    }
}

/// An export that is not offered, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub export: String,
    pub reason: String,
}

/// An import of the component, and what provides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub name: String,
    pub provided: Provided,
}

/// How the host answers an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provided {
    /// Always there (clocks, randomness, stdio, `wasi:http` types).
    Always,
    /// There, but it only reaches what the named grant allows.
    ByGrant(&'static str),
    /// Linked, with every use refused (sockets, filesystem without preopens).
    Denied(&'static str),
    /// Not provided by this host: the component loads, and calling the import traps.
    Traps,
}

impl Provided {
    pub fn describe(self) -> String {
        match self {
            Self::Always => "provided".into(),
            Self::ByGrant(g) => format!("provided, within the `{g}` grant"),
            Self::Denied(why) => format!("linked, every use refused: {why}"),
            Self::Traps => "not provided by this host: calling it traps".into(),
        }
    }
}

/// A component ready to be called: compiled, linked, its tools typed.
#[derive(Debug, Clone)]
pub struct LoadedComponent {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) host: Arc<ComponentHost>,
    pub(crate) name: String,
    pub(crate) digest: String,
    pub(crate) size: usize,
    pub(crate) pre: InstancePre<State>,
    pub(crate) network: Arc<Network>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) grants: Grants,
    pub(crate) limits: Limits,
    pub(crate) functions: Vec<Function>,
    pub(crate) skipped: Vec<Skipped>,
    pub(crate) imports: Vec<Import>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("name", &self.name)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

impl LoadedComponent {
    pub(crate) fn load(
        host: &Arc<ComponentHost>,
        bytes: &[u8],
        spec: ComponentSpec,
    ) -> Result<Self, Error> {
        let prepared = prepare(host, bytes, &spec.grants, &spec.limits, Kind::Tool)?;
        let Prepared {
            component,
            digest,
            imports,
            network,
        } = prepared;
        let ty = component.component_type();
        let mut linker = host.linker.clone();
        stub_missing(&mut linker, &host.engine, &component, &imports)
            .map_err(|e| Error::engine("linking the component's imports", e))?;
        let pre = linker
            .instantiate_pre(&component)
            .map_err(|e| Error::engine("linking the component's imports", e))?;

        let mut functions = Vec::new();
        let mut skipped = Vec::new();
        for (name, item) in ty.exports(&host.engine) {
            match item.ty {
                ComponentItem::ComponentFunc(f) => {
                    if let Some(reason) = toolchain_hook(name) {
                        skipped.push(Skipped {
                            export: name.to_string(),
                            reason: reason.to_string(),
                        });
                        continue;
                    }
                    let Some(index) = component.get_export_index(None, name) else {
                        continue;
                    };
                    offer(
                        &spec,
                        name,
                        name,
                        name,
                        &f,
                        index,
                        &mut functions,
                        &mut skipped,
                    );
                }
                ComponentItem::ComponentInstance(instance) => {
                    if name.starts_with("wasi:") {
                        skipped.push(Skipped {
                            export: name.to_string(),
                            reason: "a WASI world export (a command's `run`, an HTTP handler) is the component's entry point for another host, not a tool".to_string(),
                        });
                        continue;
                    }
                    let Some(at) = component.get_export_index(None, name) else {
                        continue;
                    };
                    let short = interface_name(name);
                    for (fname, item) in instance.exports(&host.engine) {
                        let export = format!("{name}#{fname}");
                        let ComponentItem::ComponentFunc(f) = item.ty else {
                            continue;
                        };
                        if let Some(reason) = instance_hook(name, fname) {
                            skipped.push(Skipped {
                                export,
                                reason: reason.to_string(),
                            });
                            continue;
                        }
                        if fname.starts_with('[') {
                            skipped.push(Skipped {
                                export,
                                reason: "a resource's constructor or method: resources cannot cross as JSON".to_string(),
                            });
                            continue;
                        }
                        let Some(index) = component.get_export_index(Some(&at), fname) else {
                            continue;
                        };
                        let local = format!("{short}/{fname}");
                        offer(
                            &spec,
                            &local,
                            &export,
                            fname,
                            &f,
                            index,
                            &mut functions,
                            &mut skipped,
                        );
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                host: Arc::clone(host),
                name: spec.name,
                digest,
                size: bytes.len(),
                pre,
                network,
                env: spec.grants.environment(),
                grants: spec.grants,
                limits: spec.limits,
                functions,
                skipped,
                imports,
            }),
        })
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// BLAKE3 of the component's bytes, hex.
    pub fn digest(&self) -> &str {
        &self.inner.digest
    }

    pub fn functions(&self) -> &[Function] {
        &self.inner.functions
    }

    pub fn skipped(&self) -> &[Skipped] {
        &self.inner.skipped
    }

    pub fn imports(&self) -> &[Import] {
        &self.inner.imports
    }

    pub fn grants(&self) -> &Grants {
        &self.inner.grants
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Everything `airlock component inspect` shows, as JSON.
    pub fn report(&self) -> Value {
        let i = &self.inner;
        json!({
            "name": i.name,
            "digest": format!("blake3:{}", i.digest),
            "bytes": i.size,
            "imports": i.imports.iter().map(|imp| json!({
                "name": imp.name,
                "provided": imp.provided.describe(),
            })).collect::<Vec<_>>(),
            "tools": i.functions.iter().map(|f| json!({
                "name": f.tool,
                "export": f.export,
                "signature": f.signature,
                "description": f.description,
                "input_schema": f.input_schema,
                "output_schema": f.output_schema,
            })).collect::<Vec<_>>(),
            "skipped": i.skipped.iter().map(|s| json!({
                "export": s.export,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
        })
    }
}

/// What a component is loaded as: its imports are classified by what the kind's linker has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Layer,
}

/// A component checked, compiled (or found in the cache) and its imports classified.
pub(crate) struct Prepared {
    pub(crate) component: wasmtime::component::Component,
    pub(crate) digest: String,
    pub(crate) imports: Vec<Import>,
    pub(crate) network: Arc<Network>,
}

/// The steps every component takes before it is linked: its limits and grants checked, its
/// bytes checked to be a component, compiled once into the cache.
pub(crate) fn prepare(
    host: &Arc<ComponentHost>,
    bytes: &[u8],
    grants: &Grants,
    limits: &Limits,
    kind: Kind,
) -> Result<Prepared, Error> {
    limits.check()?;
    grants.check_files()?;
    if limits.fuel.is_some() && !host.fuel {
        return Err(Error::config(
            "limits.fuel is set but this component host does not meter fuel".to_string(),
        ));
    }
    let network = Arc::new(Network::compile(grants)?);
    if !is_component(bytes) {
        return Err(Error::config(
            "the file is not a WebAssembly component (a core module, or not wasm at all); build it as a component, e.g. with `cargo build --target wasm32-wasip2`, `jco componentize` or `componentize-py`".to_string(),
        ));
    }
    let digest = blake3::hash(bytes).to_hex().to_string();
    let component = cache::load_or_compile(&host.engine, host.cache_dir(), &digest, bytes)?;
    let imports = component
        .component_type()
        .imports(&host.engine)
        .map(|(name, _)| Import {
            name: name.to_string(),
            provided: classify_import(name, kind),
        })
        .collect();
    Ok(Prepared {
        component,
        digest,
        imports,
        network,
    })
}

/// Adds `f` to the offered functions, or to the skipped ones with the reason.
#[allow(clippy::too_many_arguments)]
fn offer(
    spec: &ComponentSpec,
    local: &str,
    export: &str,
    fname: &str,
    f: &ComponentFunc,
    index: ComponentExportIndex,
    functions: &mut Vec<Function>,
    skipped: &mut Vec<Skipped>,
) {
    let skip = |reason: String| Skipped {
        export: export.to_string(),
        reason,
    };
    if f.async_() {
        skipped.push(skip(
            "an async export (component-model async) cannot be called by this host yet".to_string(),
        ));
        return;
    }
    let params: Vec<(String, Type)> = f.params().map(|(n, t)| (n.to_string(), t)).collect();
    let results: Vec<Type> = f.results().collect();
    if results.len() > 1 {
        skipped.push(skip("more than one result".to_string()));
        return;
    }
    let result = results.into_iter().next();
    for (pname, ty) in &params {
        if let Some(what) = types::unsupported(ty) {
            skipped.push(skip(format!(
                "parameter `{pname}` is a {what}, which cannot cross as JSON"
            )));
            return;
        }
    }
    if let Some(what) = result.as_ref().and_then(types::unsupported) {
        skipped.push(skip(format!(
            "the result is a {what}, which cannot cross as JSON"
        )));
        return;
    }
    let signature = types::signature(&params, result.as_ref());
    let description = spec
        .describe
        .get(local)
        .or_else(|| spec.describe.get(fname))
        .cloned()
        .unwrap_or_else(|| {
            // The types are in the schemas (and so in the declarations the model sees); the
            // description only says where the function comes from and how it fails.
            let fails = if matches!(result, Some(Type::Result(_))) {
                "; its error is thrown with code ETOOL and the error value as `data`"
            } else {
                ""
            };
            format!("`{fname}` of the {} component{fails}.", spec.name)
        });
    functions.push(Function {
        tool: format!("{}/{local}", spec.name),
        export: export.to_string(),
        description,
        input_schema: types::params_schema(&params),
        output_schema: types::result_schema(result.as_ref()),
        signature,
        index,
        params,
        result,
    });
}

/// Why a top-level export is a toolchain's hook rather than a function of the component's world
/// (calling it could re-initialise the guest), or `None`.
fn toolchain_hook(name: &str) -> Option<&'static str> {
    let hook = name.contains('#')
        || matches!(
            name,
            "init" | "_initialize" | "_start" | "wizer-initialize" | "wizer.initialize"
        )
        || name.starts_with("cabi_")
        || name.starts_with("componentize-");
    hook.then_some(
        "a toolchain's initialisation hook, never a tool (it could re-initialise the component)",
    )
}

/// The same for a function of an exported instance: componentize-py exports `exports#init`.
fn instance_hook(instance: &str, fname: &str) -> Option<&'static str> {
    let hook = (instance == "exports" && fname == "init") || instance.starts_with("componentize-");
    hook.then_some(
        "a toolchain's initialisation hook, never a tool (it could re-initialise the component)",
    )
}

/// `airlock-examples:textkit/text@0.1.0` -> `text`; a plain instance name stays as it is.
fn interface_name(name: &str) -> &str {
    let tail = name.rsplit_once('/').map_or(name, |(_, t)| t);
    tail.split_once('@').map_or(tail, |(t, _)| t)
}

fn classify_import(name: &str, kind: Kind) -> Provided {
    if kind == Kind::Layer
        && let Some(rest) = name.strip_prefix("airlock:layer/")
    {
        let (iface, version) = rest.split_once('@').unwrap_or((rest, ""));
        if version.starts_with("0.1.") {
            match iface {
                "store" => return Provided::ByGrant("store"),
                "log" => return Provided::ByGrant("log"),
                "types" => return Provided::Always,
                _ => {}
            }
        }
    }
    let Some(rest) = name.strip_prefix("wasi:") else {
        return Provided::Traps;
    };
    let iface = rest.split_once('@').map_or(rest, |(i, _)| i);
    let version = rest.split_once('@').map(|(_, v)| v);
    if version.is_some_and(|v| !v.starts_with("0.2.")) {
        return Provided::Traps;
    }
    match iface {
        "http/outgoing-handler" => Provided::ByGrant("network"),
        "cli/environment" => Provided::ByGrant("env"),
        "http/types"
        | "cli/stdin"
        | "cli/stdout"
        | "cli/stderr"
        | "cli/exit"
        | "cli/terminal-input"
        | "cli/terminal-output"
        | "cli/terminal-stdin"
        | "cli/terminal-stdout"
        | "cli/terminal-stderr"
        | "clocks/monotonic-clock"
        | "clocks/wall-clock"
        | "random/random"
        | "random/insecure"
        | "random/insecure-seed"
        | "io/error"
        | "io/poll"
        | "io/streams" => Provided::Always,
        "filesystem/types" | "filesystem/preopens" => Provided::ByGrant("files"),
        "sockets/network"
        | "sockets/instance-network"
        | "sockets/tcp"
        | "sockets/tcp-create-socket"
        | "sockets/udp"
        | "sockets/udp-create-socket"
        | "sockets/ip-name-lookup" => Provided::Denied(
            "no sockets; outgoing HTTP goes through wasi:http and the network grant",
        ),
        _ => Provided::Traps,
    }
}

/// Defines every import this host does not provide as functions that trap when called (and
/// resources nobody can make), so the component loads and only a call that needs one fails.
/// WASI 0.2 interfaces are left to the linker, which matches any 0.2.x version to its own.
pub(crate) fn stub_missing(
    linker: &mut Linker<State>,
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
    imports: &[Import],
) -> wasmtime::Result<()> {
    let ty = component.component_type();
    for (name, item) in ty.imports(engine) {
        if !imports
            .iter()
            .any(|i| i.name == name && i.provided == Provided::Traps)
        {
            continue;
        }
        match item.ty {
            ComponentItem::ComponentFunc(_) => {
                let what = name.to_string();
                linker.root().func_new(name, move |_, _, _, _| {
                    wasmtime::bail!("`{what}` is not provided by this host")
                })?;
            }
            ComponentItem::ComponentInstance(instance) => {
                let mut inst = linker.instance(name)?;
                for (item_name, export) in instance.exports(engine) {
                    match export.ty {
                        ComponentItem::ComponentFunc(_) => {
                            let what = format!("{name}#{item_name}");
                            inst.func_new(item_name, move |_, _, _, _| {
                                wasmtime::bail!("`{what}` is not provided by this host")
                            })?;
                        }
                        ComponentItem::Resource(_) => {
                            inst.resource(
                                item_name,
                                ResourceType::host::<Unprovided>(),
                                |_, _| Ok(()),
                            )?;
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The host side of a resource of an interface nobody provides; none is ever made.
struct Unprovided;

/// Whether the bytes start with the component preamble (version 0x0d, layer 1).
fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..4] == *b"\0asm" && bytes[6..8] == [1, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_exports_are_named_by_their_short_name() {
        assert_eq!(
            interface_name("airlock-examples:textkit/text@0.1.0"),
            "text"
        );
        assert_eq!(interface_name("local:demo/api"), "api");
        assert_eq!(interface_name("plain"), "plain");
    }

    #[test]
    fn toolchain_hooks_are_never_tools() {
        for hook in [
            "init",
            "exports#init",
            "cabi_realloc",
            "_initialize",
            "componentize-py#CallIndirect",
        ] {
            assert!(toolchain_hook(hook).is_some(), "{hook}");
        }
        assert!(toolchain_hook("initialize-db").is_none());
        assert!(toolchain_hook("find").is_none());
        assert!(instance_hook("exports", "init").is_some());
        assert!(instance_hook("acme:db/exports", "init").is_none());
    }

    #[test]
    fn imports_are_classified_by_the_grant_they_need() {
        assert_eq!(
            classify_import("wasi:http/outgoing-handler@0.2.3", Kind::Tool),
            Provided::ByGrant("network")
        );
        assert_eq!(
            classify_import("wasi:cli/environment@0.2.12", Kind::Tool),
            Provided::ByGrant("env")
        );
        assert_eq!(
            classify_import("wasi:io/streams@0.2.0", Kind::Tool),
            Provided::Always
        );
        assert!(matches!(
            classify_import("wasi:sockets/tcp@0.2.0", Kind::Tool),
            Provided::Denied(_)
        ));
        assert_eq!(
            classify_import("wasi:keyvalue/store@0.2.0-draft", Kind::Tool),
            Provided::Traps
        );
        assert_eq!(
            classify_import("wasi:io/streams@0.3.0", Kind::Tool),
            Provided::Traps
        );
        assert_eq!(
            classify_import("acme:billing/api", Kind::Tool),
            Provided::Traps
        );
        // The layer interfaces are linked for layers only, each by its grant.
        assert_eq!(
            classify_import("airlock:layer/store@0.1.0", Kind::Layer),
            Provided::ByGrant("store")
        );
        assert_eq!(
            classify_import("airlock:layer/log@0.1.2", Kind::Layer),
            Provided::ByGrant("log")
        );
        assert_eq!(
            classify_import("airlock:layer/store@0.1.0", Kind::Tool),
            Provided::Traps
        );
        assert_eq!(
            classify_import("airlock:layer/store@0.2.0", Kind::Layer),
            Provided::Traps
        );
    }
}
