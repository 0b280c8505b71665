//! TypeScript declarations of the sandbox API as a script sees it, tools included.
//!
//! [`declarations`] gives one self-contained `.d.ts` file: the fixed API (`console`, timers, `fs`,
//! `tools`, the tool error) followed by, for each tool, its input and output types (generated from
//! its JSON Schemas) and its two spellings, the flat function (`stripe_charges_create`) and the
//! namespace path (`stripe.charges.create`). It is meant for `tsc --lib es2023` (no DOM).

mod schema;
mod text;

use serde_json::Value;

use crate::ToolSpec;
pub use schema::short_json;
pub(crate) use schema::{Layout, Renderer, doc_lines};
pub(crate) use text::{doc_comment, is_identifier};
use text::{is_binding, pascal_case, quote};

/// The fixed part of the sandbox API.
const SANDBOX_API: &str = include_str!("dts/sandbox.d.ts");

/// Type names the fixed API declares.
const API_TYPES: &[&str] = &[
    "Console",
    "TimerHandle",
    "FsEncoding",
    "FsBinary",
    "FsStats",
    "AirlockFs",
    "ToolInfo",
    "ToolCallError",
];

/// Global values a tool's flat function or namespace must not redeclare: the sandbox's own and
/// ES2023's. TypeScript rejects a namespace or function merged with a variable.
const GLOBALS: &[&str] = &[
    // sandbox
    "__airlock",
    "console",
    "shell",
    "fetch",
    "Headers",
    "Request",
    "Response",
    "AbortController",
    "AbortSignal",
    "DOMException",
    "Buffer",
    "process",
    "setTimeout",
    "clearTimeout",
    "setInterval",
    "clearInterval",
    "setImmediate",
    "clearImmediate",
    "queueMicrotask",
    "fs",
    "path",
    "require",
    "tools",
    "URL",
    "URLSearchParams",
    "TextEncoder",
    "TextDecoder",
    "atob",
    "btoa",
    "structuredClone",
    "crypto",
    "performance",
    // ES2023 and QuickJS's newer builtins
    "globalThis",
    "undefined",
    "eval",
    "Iterator",
    "DisposableStack",
    "AsyncDisposableStack",
    "SuppressedError",
    "Float16Array",
    "InternalError",
    "NaN",
    "Infinity",
    "isNaN",
    "isFinite",
    "parseInt",
    "parseFloat",
    "encodeURI",
    "encodeURIComponent",
    "decodeURI",
    "decodeURIComponent",
    "escape",
    "unescape",
    "Object",
    "Function",
    "Array",
    "Number",
    "Boolean",
    "String",
    "Symbol",
    "BigInt",
    "Math",
    "JSON",
    "Date",
    "RegExp",
    "Error",
    "AggregateError",
    "EvalError",
    "RangeError",
    "ReferenceError",
    "SyntaxError",
    "TypeError",
    "URIError",
    "Promise",
    "Proxy",
    "Reflect",
    "Map",
    "Set",
    "WeakMap",
    "WeakSet",
    "WeakRef",
    "FinalizationRegistry",
    "ArrayBuffer",
    "SharedArrayBuffer",
    "DataView",
    "Atomics",
    "Int8Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "Int16Array",
    "Uint16Array",
    "Int32Array",
    "Uint32Array",
    "Float32Array",
    "Float64Array",
    "BigInt64Array",
    "BigUint64Array",
    "Intl",
];

/// Type-only names of the ES2023 lib that a generated type name could otherwise shadow.
const LIB_TYPES: &[&str] = &[
    "PropertyKey",
    "Partial",
    "Required",
    "Readonly",
    "Pick",
    "Omit",
    "Record",
    "Exclude",
    "Extract",
    "NonNullable",
    "Parameters",
    "ReturnType",
    "InstanceType",
    "Awaited",
    "ArrayLike",
    "PromiseLike",
    "Iterable",
    "Iterator",
    "IterableIterator",
    "AsyncIterable",
    "AsyncIterator",
    "Generator",
    "AsyncGenerator",
    "TemplateStringsArray",
    "PropertyDescriptor",
    "ReadonlyArray",
    "ReadonlyMap",
    "ReadonlySet",
    "ArrayBufferLike",
    "ArrayBufferView",
    "ThisType",
    "Uppercase",
    "Lowercase",
    "Capitalize",
    "Uncapitalize",
    "NoInfer",
];

/// The declaration file for a sandbox offering `tools`.
pub fn declarations(tools: &[ToolSpec]) -> String {
    let mut out = String::from(SANDBOX_API);
    out.push_str(&module_declarations());
    out.push_str(&tool_declarations(tools));
    out
}

/// The modules a script can import, as shorthand ambient modules (their exports are `any`
/// here; each package's line says how it is used).
fn module_declarations() -> String {
    let mut out = String::from(
        "\n// What a script can import (or require). Node's modules, also as node:NAME:\n",
    );
    for name in crate::packages::NODE_MODULES {
        out.push_str(&format!(
            "declare module \"{name}\";\ndeclare module \"node:{name}\";\n"
        ));
    }
    out.push_str("// npm packages, bundled; no others can be installed:\n");
    for p in crate::packages::packages() {
        out.push_str(&format!(
            "/** {} {} (npm {}, {}). {} */\ndeclare module \"{}\";\ndeclare module \"{}/*\";\n",
            p.name, p.version, p.package, p.license, p.about, p.name, p.name
        ));
    }
    out
}

/// The declarations of `tools` alone, without the sandbox's fixed API (console, fs, `shell`,
/// `tools`): for a model that is told about the environment in prose, such as the MCP `run`
/// tool's description.
pub fn tool_declarations(tools: &[ToolSpec]) -> String {
    let mut out = String::new();
    let mut renderer = Renderer::new(&reserved_type_names());
    let mut tree = Namespace::default();
    for tool in tools {
        out.push('\n');
        let (block, input, output) = tool_block(&mut renderer, tool);
        out.push_str(&block);
        if let Err(why) = tree.insert(tool, &input, &output) {
            out.push_str(&format!(
                "// {} has no namespace form ({why}); call {}(...).\n",
                quote(&tool.name),
                tool.flat_name()
            ));
        }
    }
    if !tree.is_empty() {
        out.push_str("\n// Tools by their path: `stripe.charges.create(...)` is `stripe_charges_create(...)`.\n");
        tree.emit(&mut out, 0);
    }
    out
}

/// Whether `name` is a global value of the sandbox (its own, such as `fetch` or `fs`, or the
/// language's, such as `Object`): a tool cannot take it as its function's or namespace's name.
pub fn is_sandbox_global(name: &str) -> bool {
    GLOBALS.contains(&name)
}

/// Whether `name` can be a function's name in a script: an identifier, not a reserved word.
pub fn is_binding_name(name: &str) -> bool {
    is_binding(name)
}

/// The TypeScript type of one JSON Schema, on one line (`{ amount: number; currency?: string }`),
/// for short summaries. A `$ref` is shown as its definition's name (`#/$defs/money` -> `Money`),
/// which this does not declare.
pub fn type_of(schema: &Value) -> String {
    let mut renderer = Renderer::summaries();
    let root = renderer.add_root(schema, "", None);
    renderer.render(root, schema, Layout::Inline).text
}

/// Every name a generated type must avoid.
pub(crate) fn reserved_type_names() -> Vec<&'static str> {
    [API_TYPES, GLOBALS, LIB_TYPES].concat()
}

/// The type-name stem of a tool: its flat name in PascalCase (`stripe/charges/create` ->
/// `StripeChargesCreate`).
pub(crate) fn type_stem(tool: &ToolSpec) -> String {
    let stem = pascal_case(&tool.flat_name());
    if stem.is_empty() || stem.starts_with(|c: char| c.is_ascii_digit()) {
        format!("Tool{stem}")
    } else {
        stem
    }
}

/// One tool's declarations (input and output types, the aliases they refer to, the flat
/// function), with the names of its input and output types.
fn tool_block<'a>(renderer: &mut Renderer<'a>, tool: &'a ToolSpec) -> (String, String, String) {
    let stem = type_stem(tool);
    let mut out = format!("// Tool {}\n", quote(&tool.name));
    let input = renderer.claim(&format!("{stem}Input"));
    out.push_str(&named_type(renderer, &input, &stem, &tool.input_schema));
    let output = match &tool.output_schema {
        Some(schema) => {
            let output = renderer.claim(&format!("{stem}Output"));
            out.push_str(&named_type(renderer, &output, &stem, schema));
            output
        }
        None => "unknown".to_owned(),
    };
    for alias in renderer.take_aliases() {
        out.push_str(&alias);
    }
    let flat = tool.flat_name();
    if is_binding(&flat) && !GLOBALS.contains(&flat.as_str()) {
        out.push_str(&doc_comment(&description_lines(tool), 0));
        out.push_str(&format!(
            "declare function {flat}(args: {input}): Promise<{output}>;\n"
        ));
    } else {
        out.push_str(&format!(
            "// {} cannot be declared as a function (a reserved word or a sandbox global).\n",
            quote(&flat)
        ));
    }
    (out, input, output)
}

/// `interface Name { ... }` for a plain object schema, else `type Name = ...;`.
fn named_type<'a>(
    renderer: &mut Renderer<'a>,
    name: &str,
    stem: &str,
    schema: &'a Value,
) -> String {
    let root = renderer.add_root(schema, stem, Some(name));
    let doc = doc_comment(&doc_lines(schema), 0);
    match renderer.interface_body(root, schema, 0) {
        Some(body) => format!("{doc}interface {name} {body}\n"),
        None => {
            let ty = renderer.render(root, schema, Layout::Block(0));
            format!("{doc}type {name} = {};\n", ty.text)
        }
    }
}

/// The doc comment lines of a tool: its description.
pub(crate) fn description_lines(tool: &ToolSpec) -> Vec<String> {
    tool.description.lines().map(str::to_owned).collect()
}

/// Tools grouped by the namespaces of their paths, in the order they first appear.
#[derive(Debug, Default)]
struct Namespace {
    /// Children and functions interleaved, as indexes into the two lists below.
    order: Vec<Item>,
    children: Vec<(String, Namespace)>,
    functions: Vec<Function>,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Child(usize),
    Function(usize),
}

#[derive(Debug)]
struct Function {
    name: String,
    doc: Vec<String>,
    input: String,
    output: String,
}

impl Namespace {
    /// Files `tool` under its path, with the names of its input and output types; an `Err`
    /// says why it has no path. A one-segment tool has none to add: its flat function is it.
    fn insert(&mut self, tool: &ToolSpec, input: &str, output: &str) -> Result<(), String> {
        let segments: Vec<String> = tool.segments().map(|s| s.replace('-', "_")).collect();
        let Some((leaf, path)) = segments.split_last() else {
            return Ok(());
        };
        let Some(first) = path.first() else {
            return Ok(());
        };
        if let Some(bad) = segments.iter().find(|s| !is_binding(s)) {
            return Err(format!("{} is not an identifier", quote(bad)));
        }
        if GLOBALS.contains(&first.as_str()) {
            return Err(format!("{} is a global of the sandbox", quote(first)));
        }
        let mut node = self;
        for segment in path {
            node = node.child(segment);
        }
        node.order.push(Item::Function(node.functions.len()));
        node.functions.push(Function {
            name: leaf.clone(),
            doc: description_lines(tool),
            input: input.to_owned(),
            output: output.to_owned(),
        });
        Ok(())
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    fn child(&mut self, name: &str) -> &mut Namespace {
        let index = match self.children.iter().position(|(n, _)| n == name) {
            Some(index) => index,
            None => {
                self.order.push(Item::Child(self.children.len()));
                self.children.push((name.to_owned(), Namespace::default()));
                self.children.len() - 1
            }
        };
        &mut self.children[index].1
    }

    fn emit(&self, out: &mut String, level: usize) {
        let pad = "  ".repeat(level);
        for item in &self.order {
            match *item {
                Item::Child(i) => {
                    let (name, ns) = &self.children[i];
                    let keyword = if level == 0 {
                        "declare namespace"
                    } else {
                        "namespace"
                    };
                    out.push_str(&format!("{pad}{keyword} {name} {{\n"));
                    ns.emit(out, level + 1);
                    out.push_str(&format!("{pad}}}\n"));
                }
                Item::Function(i) => {
                    let f = &self.functions[i];
                    out.push_str(&doc_comment(&f.doc, level));
                    out.push_str(&format!(
                        "{pad}function {}(args: {}): Promise<{}>;\n",
                        f.name, f.input, f.output
                    ));
                }
            }
        }
    }
}
