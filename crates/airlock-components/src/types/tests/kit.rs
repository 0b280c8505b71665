//! Real `Type`s from real components: WIT text -> a core module whose exports only trap ->
//! a component (wit-component) -> compiled by wasmtime -> its exported functions' types.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use wasm_encoder::{
    CodeSection, ExportKind, ExportSection, Function, FunctionSection, MemorySection, MemoryType,
    Module, TypeSection, ValType,
};
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Type};
use wasmtime::{Config, Engine};
use wit_component::{ComponentEncoder, StringEncoding, embed_component_metadata};
use wit_parser::abi::{AbiVariant, WasmType};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve, WasmExport, WasmExportKind, WorldItem};

/// One exported function's parameters and result, as the host sees them.
#[derive(Debug, Clone)]
pub struct Func {
    pub params: Vec<(String, Type)>,
    pub result: Option<Type>,
}

impl Func {
    /// The type of the one parameter.
    pub fn param(&self) -> &Type {
        &self.params[0].1
    }

    pub fn result(&self) -> &Type {
        self.result.as_ref().expect("the function returns a value")
    }
}

pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .wasm_component_model_map(true)
            .wasm_component_model_fixed_length_lists(true)
            .wasm_component_model_async(true)
            .wasm_component_model_error_context(true);
        Engine::new(&config).expect("engine")
    })
}

/// The functions of the interface `api` whose body is `wit`, exported by a component, by name.
pub fn funcs(wit: &str) -> BTreeMap<String, Func> {
    let source =
        format!("package test:types;\ninterface api {{\n{wit}\n}}\nworld w {{ export api; }}\n");
    let mut resolve = Resolve::default();
    let package = resolve.push_str("test.wit", &source).expect("WIT parses");
    let world = resolve.select_world(&[package], Some("w")).expect("world");

    let mut core = core_module(&resolve, world);
    embed_component_metadata(&mut core, &resolve, world, StringEncoding::UTF8).expect("embed");
    let bytes = ComponentEncoder::default()
        .module(&core)
        .expect("module")
        .validate(true)
        .encode()
        .expect("component encodes");
    let component = Component::new(engine(), &bytes).expect("component compiles");

    let mut out = BTreeMap::new();
    for (_, item) in component.component_type().exports(engine()) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        for (name, item) in instance.exports(engine()) {
            if let ComponentItem::ComponentFunc(f) = item.ty {
                let params = f.params().map(|(n, t)| (n.to_owned(), t)).collect();
                let result = f.results().next();
                out.insert(name.to_owned(), Func { params, result });
            }
        }
    }
    out
}

/// A core module exporting every function of `world` (each body traps), a memory and a
/// `cabi_realloc`: all a component needs to be encoded and compiled.
fn core_module(resolve: &Resolve, world: wit_parser::WorldId) -> Vec<u8> {
    let mangling = ManglingAndAbi::Legacy(LiftLowerAbi::Sync);
    let mut exports = Vec::new();
    for (key, item) in &resolve.worlds[world].exports {
        let WorldItem::Interface { id, .. } = item else {
            continue;
        };
        for func in resolve.interfaces[*id].functions.values() {
            let sig = resolve.wasm_signature(AbiVariant::GuestExport, func);
            let name = resolve.wasm_export_name(
                mangling,
                WasmExport::Func {
                    interface: Some(key),
                    func,
                    kind: WasmExportKind::Normal,
                },
            );
            exports.push((name, core_types(&sig.params), core_types(&sig.results)));
        }
    }
    let realloc = resolve.wasm_export_name(mangling, WasmExport::Realloc);
    exports.push((realloc, vec![ValType::I32; 4], vec![ValType::I32]));

    let (mut types, mut functions, mut export_section, mut code) = (
        TypeSection::new(),
        FunctionSection::new(),
        ExportSection::new(),
        CodeSection::new(),
    );
    for (index, (name, params, results)) in exports.into_iter().enumerate() {
        let index = u32::try_from(index).expect("few functions");
        types.ty().function(params, results);
        functions.function(index);
        export_section.export(&name, ExportKind::Func, index);
        let mut body = Function::new([]);
        body.instructions().unreachable().end();
        code.function(&body);
    }
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 0,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let memory = resolve.wasm_export_name(mangling, WasmExport::Memory);
    export_section.export(&memory, ExportKind::Memory, 0);

    let mut module = Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&memories)
        .section(&export_section)
        .section(&code);
    module.finish()
}

fn core_types(types: &[WasmType]) -> Vec<ValType> {
    types
        .iter()
        .map(|t| match t {
            WasmType::I32 | WasmType::Pointer | WasmType::Length => ValType::I32,
            WasmType::I64 | WasmType::PointerOrI64 => ValType::I64,
            WasmType::F32 => ValType::F32,
            WasmType::F64 => ValType::F64,
        })
        .collect()
}
