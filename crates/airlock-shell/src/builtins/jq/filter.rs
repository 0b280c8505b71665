//! Compiling a jq program with jaq: jaq's core, std and JSON definitions and natives, minus
//! those replaced by jq's (see [`super::natives`] and `DEFS` here) and those that would reach
//! the process rather than the shell (environment, clock, local time zone, stderr).

use std::cell::{Cell, RefCell};

use jaq_core::data::HasLut;
use jaq_core::load::{Arena, File, Loader, parse::Def};
use jaq_core::native::Fun;
use jaq_core::{DataT, Lut};
use jaq_json::Val;

use super::feed::Feed;
use super::natives::natives;
use super::report;
use super::value::V;

/// The kind of data our filters run on.
#[derive(Debug)]
pub(super) struct Jq;

impl DataT for Jq {
    type V<'a> = V;
    type Data<'a> = &'a Globals<'a>;
}

/// What natives can reach while a filter runs.
pub(super) struct Globals<'a> {
    pub lut: &'a Lut<Jq>,
    pub feed: RefCell<Feed>,
    /// `env` and `$ENV`: the shell's exported variables.
    pub env: Val,
    /// `now`, in seconds.
    pub now: f64,
    /// What `stderr`, `debug` and `input`'s read errors print, passed on after each output.
    pub stderr: RefCell<Vec<u8>>,
    /// An input file could not be read (exit status 2).
    pub unreadable: Cell<bool>,
}

impl<'a> HasLut<'a, Jq> for &'a Globals<'a> {
    fn lut(&self) -> &'a Lut<Jq> {
        self.lut
    }
}

/// A compiled program.
pub(super) type Program = jaq_core::Filter<Jq>;

/// Upstream definitions replaced (every arity) by `DEFS` or by natives.
const REPLACED_DEFS: &[&str] = &[
    "infinite",
    "nan",
    "del",
    "delpaths",
    "join",
    "walk",
    "from_entries",
    "with_entries",
    "tonumber",
    "@html",
    "@sh",
    "halt_error",
    "ltrimstr",
    "rtrimstr",
];

/// Upstream natives replaced by ours: the ones that reach the process, `keys_unsorted` for
/// jq's message, and the `*trimstr`s, which jq lets through non-strings.
const REPLACED_NATIVES: &[&str] = &[
    "keys_unsorted",
    "ltrimstr",
    "rtrimstr",
    "env",
    "now",
    "localtime",
    "strflocaltime",
    "stderr_empty",
    "debug_empty",
];

/// jq's definitions, after upstream ones (nothing upstream refers to the names they replace).
const DEFS: &str = r#"
def join($x): reduce .[] as $i (null;
  (if . == null then "" else . + $x end) +
  ($i | if isboolean or isnumber then tostring else . // "" end)) // "";
def del(f): delpaths([path(f)]);
def walk(f): def w: if isobject then map_values(w) elif isarray then map(w) else . end | f; w;
def from_entries: reduce .[] as $x ({};
  . + { ($x | if .key == null then .k // .name // .Name // .K // .Key else .key end
           | if isstring then . else tojson end):
        ($x | if has("value") then .value elif has("v") then .v else .Value end) });
def with_entries(f): to_entries | map(f) | from_entries;
def leaf_paths: paths(scalars);
def ltrimstr($x): if isstring and ($x | isstring) and startswith($x) then .[$x | length:] end;
def rtrimstr($x):
  if isstring and ($x | isstring) and ($x | length) > 0 and endswith($x)
  then .[:length - ($x | length)] end;
def toarray: if isarray then . else [.] end;
def IN(s): any(s == .; .);
def IN(src; s): any(src == s; .);
def INDEX(stream; idx_expr): reduce stream as $row ({}; .[$row | idx_expr | tostring] |= $row);
def INDEX(idx_expr): INDEX(.[]; idx_expr);
def localtime: gmtime;
def strflocaltime(f): strftime(f);
def date: todate;
def halt_error($code): halt_error_print_, halt($code);
def halt_error: halt_error(5);
def tostream: path(def r: (.[]? | r), .; r) as $p | getpath($p)
  | reduce path(.[]?) as $q ([$p, .]; [$p + $q]);
def fromstream(f): { x: null, e: false } as $init
  | foreach f as $i ($init;
      if .e then $init else . end
      | if $i | length == 2
        then setpath(["e"]; $i[0] | length == 0) | setpath(["x"] + $i[0]; $i[1])
        else setpath(["e"]; $i[0] | length == 1) end;
      if .e then .x else empty end);
def truncate_stream(stream): . as $n | null | stream
  | if (.[0] | length) > $n then setpath([0]; .[0][$n:]) else empty end;
"#;

fn defs() -> impl Iterator<Item = Def<&'static str>> {
    let upstream = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .filter(|d| !REPLACED_DEFS.contains(&d.name));
    // `DEFS` is fixed text, checked by the tests; were it not to parse, the upstream
    // definitions alone still load.
    let ours = jaq_core::load::parse(DEFS, |p| p.defs()).unwrap_or_default();
    upstream.chain(ours)
}

fn funs() -> impl Iterator<Item = Fun<Jq>> {
    let upstream = jaq_core::funs::<Jq>()
        .chain(jaq_std::funs::<Jq>())
        .filter(|(name, _, _)| !REPLACED_NATIVES.contains(name));
    upstream.chain(natives().into_iter().map(jaq_core::native::run::<Jq>))
}

/// Compiles `code` with global variables `vars` (each `$name`); the error is jq's report.
pub(super) fn compile(code: &str, vars: &[String]) -> Result<Program, String> {
    let arena = Arena::default();
    let modules = Loader::new(defs())
        .load(&arena, File { code, path: () })
        .map_err(|errs| report::load_errors(code, errs))?;
    jaq_core::load::import(&modules, |_| Err("module loading is not supported".into()))
        .map_err(|errs| report::load_errors(code, errs))?;
    jaq_core::compile::Compiler::default()
        .with_funs(funs())
        .with_global_vars(vars.iter().map(String::as_str))
        .compile(modules)
        .map_err(|errs| report::compile_errors(code, errs))
}

/// Where the slice `part` of `whole` starts.
pub(super) fn offset_in(whole: &str, part: &str) -> Option<usize> {
    (part.as_ptr() as usize)
        .checked_sub(whole.as_ptr() as usize)
        .filter(|o| o + part.len() <= whole.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_definitions_parse() {
        let parsed = jaq_core::load::parse(DEFS, |p| p.defs());
        assert!(parsed.is_some_and(|d: Vec<_>| !d.is_empty()));
    }
}
