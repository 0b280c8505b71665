//! The guest's deadline checks, compiled into the guest module in place of wasmtime's epoch
//! interruption.
//!
//! Epoch interruption puts a check at the head of every loop of every function. QuickJS's
//! interpreter is one loop that goes round once per bytecode instruction, so there that check
//! cost 20-28% of CPU-bound JavaScript. The interpreter already polls at every jump and call,
//! and every few thousand polls its interrupt handler calls the `airlock.deadline` import (the
//! guest's run.rs). So [`instrument`] gives every loop of every *other* function the check
//! epochs would have given it, and leaves the interpreter's own loop to QuickJS:
//!
//! - the module gets a one-page memory of its own, exported as [`FLAG_EXPORT`] for the host.
//!   The guest's code cannot address it (all of its loads and stores name memory 0), so not
//!   even a corrupted guest can clear the flag;
//! - the head of each loop gets `if (flag) airlock.deadline()`, and so does the entry of each
//!   function that calls another: recursion without a loop (a matcher trying two branches, say)
//!   can take exponential time within a bounded depth. A function that calls nothing can only
//!   take long in a loop, so its entry goes without.
//!
//! The sandbox's ticker raises the flag of every running guest once per tick
//! ([`crate::sandbox`]); `airlock.deadline` lowers it, then ends the run if its deadline has
//! passed or it was interrupted ([`crate::imports`]).

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, Ordering};

use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{BlockType, CodeSection, ExportKind, Function, Instruction, MemArg};
use wasmparser::{KnownCustom, Name, Operator, Parser, Payload, TypeRef};

/// Names what [`instrument`] makes, in the compiled guest's cache key: change it with any change
/// to the instrumented module.
pub(crate) const VERSION: &str = "deadline-v1";
/// The name under which the instrumented module exports the flag's memory.
pub(crate) const FLAG_EXPORT: &str = "airlock.deadline";
/// The import every check calls: module and name.
const CHECK_IMPORT: (&str, &str) = ("airlock", "deadline");
/// Functions left without checks: QuickJS's interpreter, which polls its interrupt handler at
/// every jump and call itself. Every loop in it either goes back through the dispatch (and so
/// through those polls) or is bounded by the size of something already in memory (copying a
/// call's arguments, closing over variables).
const UNCHECKED: &[&str] = &["JS_CallInternal"];

/// What [`instrument`] did, for tests and the benchmark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Report {
    /// Loops given a check.
    pub(crate) checked_loops: usize,
    /// Functions given a check at their entry.
    pub(crate) checked_entries: usize,
    /// The [`UNCHECKED`] functions found in the module's name section.
    pub(crate) unchecked: Vec<String>,
}

/// Why a module cannot be instrumented: a broken or unexpected guest build.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InstrumentError {
    #[error("reading the guest module: {0}")]
    Parse(#[from] wasmparser::BinaryReaderError),
    #[error("re-encoding the guest module: {0}")]
    Encode(String),
    #[error("the guest module does not import `{}.{}`", CHECK_IMPORT.0, CHECK_IMPORT.1)]
    NoCheckImport,
    #[error("the guest module defines no memory")]
    NoMemory,
    #[error("the guest module has no exports")]
    NoExports,
}

/// Returns `wasm` with the deadline checks compiled in (see the module docs).
pub(crate) fn instrument(wasm: &[u8]) -> Result<(Vec<u8>, Report), InstrumentError> {
    let scan = Scan::of(wasm)?;
    let check = scan.check.ok_or(InstrumentError::NoCheckImport)?;
    let mut pass = Pass {
        flag_memory: scan.memories,
        check,
        unchecked: scan.unchecked.iter().map(|(i, _)| *i).collect(),
        next_function: scan.imported_functions,
        memory_added: false,
        exported: false,
        checked_loops: 0,
        checked_entries: 0,
    };
    let mut module = wasm_encoder::Module::new();
    pass.parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| InstrumentError::Encode(e.to_string()))?;
    if !pass.memory_added {
        return Err(InstrumentError::NoMemory);
    }
    if !pass.exported {
        return Err(InstrumentError::NoExports);
    }
    let mut unchecked: Vec<String> = scan.unchecked.into_iter().map(|(_, n)| n).collect();
    unchecked.sort();
    let report = Report {
        checked_loops: pass.checked_loops,
        checked_entries: pass.checked_entries,
        unchecked,
    };
    Ok((module.finish(), report))
}

/// What the rewrite needs to know before it starts: index spaces and names.
struct Scan {
    imported_functions: u32,
    memories: u32,
    check: Option<u32>,
    unchecked: Vec<(u32, String)>,
}

impl Scan {
    fn of(wasm: &[u8]) -> Result<Self, InstrumentError> {
        let mut scan = Scan {
            imported_functions: 0,
            memories: 0,
            check: None,
            unchecked: Vec::new(),
        };
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        let import = import?;
                        match import.ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => {
                                if (import.module, import.name) == CHECK_IMPORT {
                                    scan.check = Some(scan.imported_functions);
                                }
                                scan.imported_functions += 1;
                            }
                            TypeRef::Memory(_) => scan.memories += 1,
                            _ => {}
                        }
                    }
                }
                Payload::MemorySection(memories) => scan.memories += memories.count(),
                Payload::CustomSection(custom) => {
                    if let KnownCustom::Name(names) = custom.as_known() {
                        for name in names {
                            let Name::Function(functions) = name? else {
                                continue;
                            };
                            for naming in functions {
                                let naming = naming?;
                                if UNCHECKED.contains(&naming.name) {
                                    scan.unchecked.push((naming.index, naming.name.to_owned()));
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(scan)
    }
}

/// The rewrite: everything is copied as it is, except for the added memory and export and the
/// checks at loop heads.
struct Pass {
    /// Index of the added memory (after every imported and defined one).
    flag_memory: u32,
    /// Function index of the `airlock.deadline` import.
    check: u32,
    unchecked: HashSet<u32>,
    /// Index of the function whose body comes next.
    next_function: u32,
    memory_added: bool,
    exported: bool,
    checked_loops: usize,
    checked_entries: usize,
}

impl Pass {
    fn emit_check(&self, f: &mut Function) {
        f.instruction(&Instruction::I32Const(0));
        f.instruction(&Instruction::I32Load(MemArg {
            offset: 0,
            align: 2,
            memory_index: self.flag_memory,
        }));
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::Call(self.check));
        f.instruction(&Instruction::End);
    }
}

type PassError = reencode::Error<Infallible>;

impl Reencode for Pass {
    type Error = Infallible;

    fn parse_memory_section(
        &mut self,
        memories: &mut wasm_encoder::MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), PassError> {
        reencode::utils::parse_memory_section(self, memories, section)?;
        memories.memory(wasm_encoder::MemoryType {
            minimum: 1,
            maximum: Some(1),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        self.memory_added = true;
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), PassError> {
        reencode::utils::parse_export_section(self, exports, section)?;
        exports.export(FLAG_EXPORT, ExportKind::Memory, self.flag_memory);
        self.exported = true;
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), PassError> {
        let index = self.next_function;
        self.next_function += 1;
        if self.unchecked.contains(&index) {
            return reencode::utils::parse_function_body(self, code, body);
        }
        let mut f = self.new_function_with_parsed_locals(&body)?;
        let mut calls = body.get_operators_reader()?;
        let mut makes_calls = false;
        while !calls.eof() {
            if matches!(
                calls.read()?,
                Operator::Call { .. }
                    | Operator::CallIndirect { .. }
                    | Operator::ReturnCall { .. }
                    | Operator::ReturnCallIndirect { .. }
                    | Operator::CallRef { .. }
                    | Operator::ReturnCallRef { .. }
            ) {
                makes_calls = true;
                break;
            }
        }
        if makes_calls {
            self.emit_check(&mut f);
            self.checked_entries += 1;
        }
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let is_loop = matches!(op, Operator::Loop { .. });
            f.instruction(&self.instruction(op)?);
            if is_loop {
                self.emit_check(&mut f);
                self.checked_loops += 1;
            }
        }
        code.function(&f);
        Ok(())
    }
}

/// The flag of one running instance, raised from the ticker's thread.
///
/// Holds the address of the first word of the instance's [`FLAG_EXPORT`] memory. It is only
/// valid while that instance's store lives; the session unregisters it before the store goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flag(*const AtomicU32);

// SAFETY: the pointer is only dereferenced (as an atomic) while the instance it points into is
// alive, which the ticker's registry guarantees (see `Ticker::watch` in sandbox.rs); an atomic
// store from any thread is sound for a live, aligned word.
unsafe impl Send for Flag {}

impl Flag {
    /// The flag in `memory`, the instance's [`FLAG_EXPORT`].
    ///
    /// # Safety
    /// `base` must be the start of a live linear memory of at least 4 bytes that does not move
    /// (the pooling allocator never moves memories, and this one cannot grow) for as long as
    /// the `Flag` is raised.
    pub(crate) unsafe fn at(base: *mut u8) -> Self {
        Self(base.cast::<AtomicU32>().cast_const())
    }

    /// Asks the instance to call `airlock.deadline` at its next loop head.
    pub(crate) fn raise(self) {
        // SAFETY: see `at` and the `Send` impl: the memory is live and page-aligned. Wasm loads
        // of the word race with this store only in the way the engine's own epoch counter
        // does: a plain load of a word another thread stores atomically.
        unsafe { (*self.0).store(1, Ordering::Relaxed) }
    }

    /// Whether the ticker raised the flag since it was last lowered.
    pub(crate) fn is_raised(self) -> bool {
        // SAFETY: as `raise`.
        unsafe { (*self.0).load(Ordering::Relaxed) != 0 }
    }

    /// Lowers the flag (the instance is about to check).
    pub(crate) fn lower(self) {
        // SAFETY: as `raise`.
        unsafe { (*self.0).store(0, Ordering::Relaxed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        CodeSection, ExportSection, FunctionSection, ImportSection, MemorySection, MemoryType,
        Module, NameMap, NameSection, TypeSection,
    };

    /// A module like the guest: imports `airlock.deadline` (function 1), defines a memory, and
    /// has three functions: `run` (2) loops, `JS_CallInternal` (3) loops and calls, `recurse`
    /// (4) calls itself without a loop.
    fn guest_like() -> Vec<u8> {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let mut imports = ImportSection::new();
        imports.import("airlock", "write", wasm_encoder::EntityType::Function(0));
        imports.import("airlock", "deadline", wasm_encoder::EntityType::Function(0));
        m.section(&imports);
        let mut functions = FunctionSection::new();
        functions.function(0).function(0).function(0);
        m.section(&functions);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: None,
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        m.section(&memories);
        let mut exports = ExportSection::new();
        exports.export("memory", ExportKind::Memory, 0);
        exports.export("run", ExportKind::Func, 2);
        m.section(&exports);
        let mut code = CodeSection::new();
        let bodies: [&[Instruction]; 3] = [
            &[Instruction::Loop(BlockType::Empty), Instruction::End],
            &[
                Instruction::Loop(BlockType::Empty),
                Instruction::Call(2),
                Instruction::End,
            ],
            &[Instruction::Call(4)],
        ];
        for body in bodies {
            let mut f = Function::new([]);
            for instruction in body {
                f.instruction(instruction);
            }
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        m.section(&code);
        let mut names = NameSection::new();
        let mut map = NameMap::new();
        map.append(2, "run");
        map.append(3, "JS_CallInternal");
        map.append(4, "recurse");
        names.functions(&map);
        m.section(&names);
        m.finish()
    }

    /// Every function's operators, by defined-function order.
    fn bodies(wasm: &[u8]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(body) = payload.expect("payload") {
                let mut ops = Vec::new();
                let mut reader = body.get_operators_reader().expect("operators");
                while !reader.eof() {
                    ops.push(format!("{:?}", reader.read().expect("operator")));
                }
                out.push(ops);
            }
        }
        out
    }

    #[test]
    fn checks_loops_and_calling_functions_but_not_the_interpreter_and_adds_the_flag_memory() {
        let (wasm, report) = instrument(&guest_like()).expect("instrument");
        wasmparser::Validator::new()
            .validate_all(&wasm)
            .expect("the instrumented module is valid");
        assert_eq!((report.checked_loops, report.checked_entries), (1, 1));
        assert_eq!(report.unchecked, vec!["JS_CallInternal".to_string()]);
        let bodies = bodies(&wasm);
        let check = [
            "I32Const { value: 0 }",
            "I32Load { memarg: MemArg { align: 2, max_align: 2, offset: 0, memory: 1 } }",
            "If { blockty: Empty }",
            "Call { function_index: 1 }",
            "End",
        ];
        let with = |before: &[&str], after: &[&str]| -> Vec<String> {
            before
                .iter()
                .chain(&check)
                .chain(after)
                .map(|s| s.to_string())
                .collect()
        };
        assert_eq!(
            bodies[0],
            with(&["Loop { blockty: Empty }"], &["End", "End"]),
            "run's loop is checked; it calls nothing, so its entry is not"
        );
        assert_eq!(
            bodies[1].join(" "),
            "Loop { blockty: Empty } Call { function_index: 2 } End End",
            "the interpreter is copied as it was"
        );
        assert_eq!(
            bodies[2],
            with(&[], &["Call { function_index: 4 }", "End"]),
            "recurse is checked at its entry"
        );
        let mut exported = false;
        for payload in Parser::new(0).parse_all(&wasm) {
            if let Payload::ExportSection(exports) = payload.expect("payload") {
                for export in exports {
                    let export = export.expect("export");
                    exported |= export.name == FLAG_EXPORT && export.index == 1;
                }
            }
        }
        assert!(exported, "the flag memory is exported as {FLAG_EXPORT}");
    }

    #[test]
    fn a_module_without_the_check_import_is_refused() {
        let mut m = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        m.section(&types);
        let err = instrument(&m.finish()).expect_err("no import");
        assert!(err.to_string().contains("airlock.deadline"), "{err}");
    }
}
