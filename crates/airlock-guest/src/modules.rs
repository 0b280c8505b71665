//! ES modules for scripts: `import` of Node's builtins, of the bundled npm packages and of the
//! session's own files. The host rewrites a script's static imports into `await import(...)`
//! (a script is not a module: it keeps top-level `return`), so every import arrives here through
//! QuickJS's dynamic import and this resolver and loader.
//!
//! - `fs`, `node:path`, ...: what `require` gives, as a module with a default export and one
//!   named export per property.
//! - `lodash`, `date-fns`, `zod`, ...: the bundles in `libs/dist` (built from npm by
//!   `scripts/libs.sh`; the host embeds them). When the host snapshots the guest it first has a
//!   throwaway instance compile them to QuickJS bytecode ([`compile_packages`]), then places
//!   the bytecode past the end of the snapshot's heap ([`packages_at`]). A run that imports a
//!   package reads its bytecode in place and evaluates it; a run that imports none pays nothing,
//!   and the heap a run starts from is the one it had without packages. `lodash/groupBy` and
//!   `date-fns/format` give one export as the default, as the packages' own sub-paths do.
//! - `./lib.js`, `/workspace/lib.ts`, `./data.json`: files of the session's filesystem, resolved
//!   from the importing module's directory (a script's is `/workspace`). TypeScript files are
//!   stripped by the host. As in TypeScript projects, `./lib.js` finds `lib.ts` when there is no
//!   `lib.js`, and a name without an extension tries `.js`, `.mjs`, `.ts`, `.json` and `index`.
//!
//! Anything else fails as in Node, with `code = "ERR_MODULE_NOT_FOUND"`, and the message lists
//! what the sandbox has.

use std::cell::{Cell, RefCell};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::{Declared, WriteOptions};
use rquickjs::{Context, Ctx, Error, Exception, Function, Module, Object, Result, Runtime, Value};

use crate::host;

/// Node's modules the sandbox has (the prelude's `require` knows the same names).
const BUILTINS: &[&str] = &[
    "buffer",
    "crypto",
    "events",
    "fs",
    "fs/promises",
    "path",
    "path/posix",
    "process",
    "timers/promises",
    "url",
    "util",
];

/// Other names the same packages go by.
const ALIASES: &[(&str, &str)] = &[("lodash-es", "lodash")];

/// Where a script's relative imports start.
const WORKSPACE: &str = "/workspace";

/// The host's packing of packages, sources or bytecode: `count u32`, then per package
/// `name_len u32 | name | flags u8 | len u32 | bytes`, little-endian. Flag 1: `require` gives
/// the default export (lodash, papaparse) rather than the namespace.
struct Pack<'a>(&'a [u8]);

struct Package<'a> {
    name: &'a str,
    require_default: bool,
    bytes: &'a [u8],
}

impl<'a> Pack<'a> {
    fn entries(&self) -> Vec<Package<'a>> {
        let mut out = Vec::new();
        let mut at = 4;
        let count = self.u32_at(0).unwrap_or(0);
        for _ in 0..count {
            let Some(entry) = self.entry(&mut at) else {
                break;
            };
            out.push(entry);
        }
        out
    }

    fn u32_at(&self, at: usize) -> Option<usize> {
        let bytes = self.0.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes(bytes.try_into().ok()?) as usize)
    }

    fn entry(&self, at: &mut usize) -> Option<Package<'a>> {
        let name_len = self.u32_at(*at)?;
        let name_at = *at + 4;
        let name =
            std::str::from_utf8(self.0.get(name_at..name_at.checked_add(name_len)?)?).ok()?;
        let flags = *self.0.get(name_at + name_len)?;
        let len = self.u32_at(name_at + name_len + 1)?;
        let bytes_at = name_at + name_len + 5;
        let bytes = self.0.get(bytes_at..bytes_at.checked_add(len)?)?;
        *at = bytes_at + len;
        Some(Package {
            name,
            require_default: flags & 1 != 0,
            bytes,
        })
    }
}

thread_local! {
    /// Where the host put the packages' bytecode (address, length): past the heap, written
    /// once at snapshot time and only read after.
    static PLACED: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// What `require` returned for each package in this run (runs start from the snapshot, so
    /// this starts empty).
    static REQUIRED: RefCell<Vec<(String, rquickjs::Persistent<Value<'static>>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Records where the host placed the packages' bytecode (see the module's docs).
pub fn packages_at(address: usize, len: usize) {
    PLACED.with(|p| p.set((address, len)));
}

/// The bundled packages, with their bytecode.
fn packages() -> Vec<Package<'static>> {
    let (address, len) = PLACED.with(Cell::get);
    if address == 0 || len == 0 {
        return Vec::new();
    }
    // SAFETY: the host wrote `len` bytes at `address` in this instance's memory, past the
    // allocator's heap, before the snapshot; nothing writes there after, and the memory lives
    // as long as the instance.
    let placed: &'static [u8] = unsafe { std::slice::from_raw_parts(address as *const u8, len) };
    Pack(placed).entries()
}

/// Compiles the packages the host hands over to bytecode and hands that back. Runs in a
/// throwaway instance at snapshot time, so the compiling never touches the snapshot's heap.
pub fn compile_packages() -> Result<()> {
    let sources = host::call("package.sources", &[], &[]).map_err(|_| Error::Unknown)?;
    let runtime = Runtime::new()?;
    let context = Context::full(&runtime)?;
    context.with(|ctx| -> Result<()> {
        for package in Pack(&sources).entries() {
            let name = package.name;
            let bytecode = Module::declare(ctx.clone(), name, package.bytes)
                .and_then(|module| {
                    module.write(WriteOptions {
                        strip_source: true,
                        ..WriteOptions::default()
                    })
                })
                .map_err(|e| {
                    crate::run::report_init_error(&ctx, &format!("the package {name}"), e)
                })?;
            host::call("package.bytecode", name.as_bytes(), &bytecode)
                .map_err(|_| Error::Unknown)?;
        }
        Ok(())
    })
}

/// Installs the resolver and loader on the guest's runtime.
pub fn install(runtime: &Runtime) {
    runtime.set_loader(ModuleResolver, ModuleLoader);
}

/// The bundled package `name` (or an alias) stands for.
fn package(name: &str) -> Option<Package<'static>> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, to)| to);
    packages().into_iter().find(|p| p.name == name)
}

fn builtin(name: &str) -> Option<&'static str> {
    let bare = name.strip_prefix("node:").unwrap_or(name);
    BUILTINS.iter().copied().find(|b| *b == bare)
}

/// A bundled package's sub-path (`lodash/groupBy`): the package and the export.
fn lib_member(name: &str) -> Option<(Package<'static>, &str)> {
    let (lib, member) = name.split_once('/')?;
    let package = package(lib)?;
    let ok = !member.is_empty() && member.chars().all(identifier_char);
    ok.then_some((package, member))
}

/// A character of an ASCII JavaScript identifier.
fn identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The absolute path a module's name stands for (`script.ts` runs in `/workspace`).
fn module_path(base: &str) -> String {
    if base.starts_with('/') {
        base.to_string()
    } else {
        format!("{WORKSPACE}/{base}")
    }
}

fn is_file(path: &str) -> bool {
    let arg = serde_json::json!({ "path": path }).to_string();
    host::call("fs.stat", arg.as_bytes(), &[])
        .ok()
        .and_then(|stat| serde_json::from_slice::<serde_json::Value>(&stat).ok())
        .is_some_and(|stat| stat["type"] == "file")
}

/// The file a relative or absolute import names, trying what TypeScript projects write.
fn find_file(path: &str) -> Option<String> {
    let mut candidates = vec![path.to_string()];
    let ext = path.rsplit('/').next().and_then(|f| f.rsplit_once('.'));
    match ext.map(|(_, ext)| ext) {
        Some("js") => candidates.push(format!("{}.ts", &path[..path.len() - 3])),
        Some("mjs") => candidates.push(format!("{}.mts", &path[..path.len() - 4])),
        Some("cjs") => candidates.push(format!("{}.cts", &path[..path.len() - 4])),
        Some("ts" | "mts" | "cts" | "json") => {}
        _ => {
            for suffix in [
                ".js",
                ".mjs",
                ".ts",
                ".mts",
                ".json",
                "/index.js",
                "/index.ts",
            ] {
                candidates.push(format!("{path}{suffix}"));
            }
        }
    }
    candidates.into_iter().find(|c| is_file(c))
}

/// What the sandbox can import, for the message of a module it cannot find.
pub fn available() -> String {
    let libs: Vec<&str> = packages().iter().map(|p| p.name).collect();
    format!(
        "The sandbox has Node's {} (also as node:NAME), the npm packages {} and the session's \
         files by path (\"./lib.js\"); no other package can be installed.",
        BUILTINS.join(", "),
        libs.join(", ")
    )
}

/// Throws Node's error for a module that is not there; `target` is the path a relative or
/// absolute name stands for.
fn not_found(ctx: &Ctx<'_>, name: &str, target: Option<&str>, base: &str) -> Error {
    let from = module_path(base);
    let what = match target {
        Some(target) => format!("Cannot find module '{target}' imported from {from}"),
        None => format!("Cannot find package '{name}' imported from {from}"),
    };
    throw(
        ctx,
        &format!("{what}\n{}", available()),
        "ERR_MODULE_NOT_FOUND",
    )
}

fn throw(ctx: &Ctx<'_>, message: &str, code: &str) -> Error {
    match Exception::from_message(ctx.clone(), message) {
        Ok(error) => {
            let _ = error.as_object().set("code", code);
            ctx.throw(error.into_value())
        }
        Err(e) => e,
    }
}

struct ModuleResolver;

impl Resolver for ModuleResolver {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<String> {
        if let Some(builtin) = builtin(name) {
            return Ok(format!("node:{builtin}"));
        }
        if let Some(package) = package(name) {
            return Ok(package.name.to_string());
        }
        if let Some((package, member)) = lib_member(name) {
            return Ok(format!("{}/{member}", package.name));
        }
        let path = name.strip_prefix("file://").unwrap_or(name);
        if path.starts_with('/') || path.starts_with("./") || path.starts_with("../") {
            let from = module_path(base);
            let dir = &from[..from.rfind('/').unwrap_or(0)];
            let target = airlock_shell::path::absolute(dir, path);
            return find_file(&target).ok_or_else(|| not_found(ctx, name, Some(&target), base));
        }
        Err(not_found(ctx, name, None, base))
    }
}

struct ModuleLoader;

impl Loader for ModuleLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> Result<Module<'js, Declared>> {
        if let Some(builtin) = name.strip_prefix("node:") {
            return Module::declare(ctx.clone(), name, builtin_source(ctx, builtin)?);
        }
        if let Some(package) = package(name) {
            return load_lib(ctx, &package);
        }
        if let Some((package, member)) = lib_member(name) {
            let lib = package.name;
            // The package's own sub-path module: one export, as the default.
            let source = format!(
                "import * as ns from {lib:?};\n\
                 const value = ns[{member:?}] ?? (ns.default == null ? undefined : ns.default[{member:?}]);\n\
                 if (value === undefined) throw Object.assign(new Error(\"Cannot find module '{name}': {lib} has no export named '{member}'\"), {{ code: 'ERR_MODULE_NOT_FOUND' }});\n\
                 export default value;"
            );
            return Module::declare(ctx.clone(), name, source);
        }
        let arg = serde_json::json!({ "path": name }).to_string();
        let source = match host::call("module.source", arg.as_bytes(), &[]) {
            Ok(source) => source,
            Err(error) => {
                let error: serde_json::Value = serde_json::from_slice(&error).unwrap_or_default();
                let message = error["message"]
                    .as_str()
                    .unwrap_or("the module could not be read");
                let code = error["code"].as_str().unwrap_or("ERR_MODULE_NOT_FOUND");
                return Err(throw(ctx, message, code));
            }
        };
        if name.ends_with(".json") {
            if let Err(e) = serde_json::from_slice::<serde_json::Value>(&source) {
                return Err(throw(
                    ctx,
                    &format!("{name}: Unexpected token in JSON: {e}"),
                    "ERR_INVALID_JSON",
                ));
            }
            let mut module = b"export default ".to_vec();
            module.extend_from_slice(&source);
            module.extend_from_slice(b";\n");
            return Module::declare(ctx.clone(), name, module);
        }
        Module::declare(ctx.clone(), name, source)
    }
}

/// A builtin as a module: `require`'s object as the default export, its properties as named
/// exports.
fn builtin_source(ctx: &Ctx<'_>, name: &str) -> Result<String> {
    let helpers = crate::run::helpers(ctx).ok_or(Error::Unknown)?;
    let require: Function = helpers.get("require")?;
    let module: Value = require.call((name,))?;
    let mut names = Vec::new();
    if let Some(object) = module.as_object() {
        for key in object.keys::<String>() {
            let key = key?;
            let identifier = key.chars().next().is_some_and(|c| !c.is_ascii_digit())
                && key.chars().all(identifier_char);
            if identifier && key != "default" {
                names.push(key);
            }
        }
    }
    let mut source = format!("const m = __airlock.require({name:?});\nexport default m;\n");
    if !names.is_empty() {
        source.push_str(&format!("export const {{ {} }} = m;\n", names.join(", ")));
    }
    Ok(source)
}

fn load_lib<'js>(ctx: &Ctx<'js>, package: &Package<'static>) -> Result<Module<'js, Declared>> {
    // SAFETY: the bytes are what `Module::write` of this same QuickJS build made at snapshot
    // time (`compile_packages`), and they live, unchanged, as long as the instance, as
    // read-only data must.
    unsafe { Module::load(ctx.clone(), package.bytes) }
}

/// `require(name)` of a bundled package: what Node's `require` gives (the default export or
/// the namespace). A package both imported and required in one run is evaluated twice, as two
/// instances; each way alone gives one.
pub fn require<'js>(ctx: Ctx<'js>, name: String) -> Result<Value<'js>> {
    let Some(package) = package(&name) else {
        let what = format!("Cannot find module '{name}'\n{}", available());
        return Err(throw(&ctx, &what, "MODULE_NOT_FOUND"));
    };
    let cached = REQUIRED.with(|r| {
        r.borrow()
            .iter()
            .find(|(n, _)| n == package.name)
            .map(|(_, v)| v.clone())
    });
    if let Some(value) = cached {
        return value.restore(&ctx);
    }
    let (module, evaluated) = load_lib(&ctx, &package)?.eval()?;
    if let Some(Err(e)) = evaluated.result::<Value>() {
        return Err(e);
    }
    let namespace: Object = module.namespace()?;
    let value: Value = if package.require_default {
        namespace.get("default")?
    } else {
        namespace.into_value()
    };
    REQUIRED.with(|r| {
        r.borrow_mut().push((
            package.name.to_string(),
            rquickjs::Persistent::save(&ctx, value.clone()),
        ))
    });
    Ok(value)
}
