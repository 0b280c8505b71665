//! JSON Schema -> TypeScript type expressions.
//!
//! The mapping is structural and forgiving: a keyword it does not understand widens the type
//! (ultimately to `unknown`) instead of failing, because a declaration that is too loose is still
//! useful to a script author and one that is wrong is not.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::text::{doc_comment, is_identifier, pascal_case, quote};

/// How deep schemas nest before the rest is typed `unknown`. Tool schemas are written by the host
/// side, but a generated or self-referencing one could otherwise make the output arbitrarily large.
pub(crate) const MAX_DEPTH: usize = 16;

/// How many pure `$ref -> $ref` hops are followed before giving up with `unknown`.
const MAX_REF_HOPS: usize = 32;

/// Binding strength of a rendered type, to know when it needs parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Union,
    Intersection,
    Primary,
}

/// A rendered TypeScript type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ty {
    pub(crate) text: String,
    prec: Prec,
}

impl Ty {
    fn primary(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            prec: Prec::Primary,
        }
    }

    fn unknown() -> Self {
        Self::primary("unknown")
    }

    fn is_unknown(&self) -> bool {
        self.text == "unknown"
    }

    /// The text, parenthesised when it binds looser than `min`.
    fn at(&self, min: Prec) -> String {
        if self.prec < min {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// `A | B | ...`, without repeats; `unknown` absorbs everything, nothing gives `never`.
fn union(members: Vec<Ty>) -> Ty {
    combine(members, " | ", Prec::Union, "never")
}

/// `A & B & ...`, without repeats; nothing gives `unknown`.
fn intersection(members: Vec<Ty>) -> Ty {
    combine(members, " & ", Prec::Intersection, "unknown")
}

fn combine(members: Vec<Ty>, sep: &str, prec: Prec, empty: &str) -> Ty {
    if prec == Prec::Union && members.iter().any(Ty::is_unknown) {
        return Ty::unknown();
    }
    let mut seen = HashSet::new();
    let mut parts: Vec<Ty> = members
        .into_iter()
        .filter(|t| seen.insert(t.text.clone()))
        .collect();
    match parts.len() {
        0 => Ty::primary(empty),
        1 => parts.remove(0),
        _ => Ty {
            text: parts
                .iter()
                .map(|t| t.at(prec))
                .collect::<Vec<_>>()
                .join(sep),
            prec,
        },
    }
}

/// A JSON value as a TypeScript literal type.
fn literal(value: &Value, depth: usize) -> Ty {
    if depth > MAX_DEPTH {
        return Ty::unknown();
    }
    match value {
        Value::Null => Ty::primary("null"),
        Value::Bool(b) => Ty::primary(b.to_string()),
        Value::Number(n) => Ty::primary(n.to_string()),
        Value::String(s) => Ty::primary(quote(s)),
        Value::Array(items) => Ty::primary(format!(
            "[{}]",
            items
                .iter()
                .map(|v| literal(v, depth + 1).text)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Value::Object(map) if map.is_empty() => Ty::primary("Record<string, never>"),
        Value::Object(map) => Ty::primary(format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", property_key(k), literal(v, depth + 1).text))
                .collect::<Vec<_>>()
                .join("; ")
        )),
    }
}

/// A property name as TypeScript accepts it: bare when it is an identifier, quoted otherwise.
fn property_key(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// One schema document that `$ref`s resolve against.
#[derive(Debug)]
struct Root<'a> {
    schema: &'a Value,
    /// Prefix of the names given to its referenced definitions (`StripeChargesCreate`).
    prefix: String,
}

/// Where the rendering goes: several indented lines, or one line for short summaries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Layout {
    /// Multi-line; the number is the indent (in levels) of the line the type starts on.
    Block(usize),
    /// One line, no comments.
    Inline,
}

impl Layout {
    fn nested(self) -> Self {
        match self {
            Layout::Block(n) => Layout::Block(n + 1),
            Layout::Inline => Layout::Inline,
        }
    }
}

fn pad(level: usize) -> String {
    "  ".repeat(level)
}

/// Renders schemas to TypeScript, collecting a named alias for each `$ref` target.
#[derive(Debug)]
pub(crate) struct Renderer<'a> {
    roots: Vec<Root<'a>>,
    /// Type names already taken (by the fixed API, by tools, by definitions).
    taken: HashSet<String>,
    /// `(root, JSON pointer)` -> the name of its alias.
    refs: HashMap<(usize, String), String>,
    /// Emitted `type X = ...;` declarations, in the order their names were first needed.
    aliases: Vec<String>,
    /// Whether a `$ref` becomes a bare name without emitting the alias (for one-line summaries).
    bare_refs: bool,
}

impl<'a> Renderer<'a> {
    /// A renderer whose generated names avoid `reserved`.
    pub(crate) fn new(reserved: &[&str]) -> Self {
        Self {
            roots: Vec::new(),
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
            refs: HashMap::new(),
            aliases: Vec::new(),
            bare_refs: false,
        }
    }

    /// A renderer for one-line summaries: `$ref`s become bare names and nothing is collected.
    pub(crate) fn summaries() -> Self {
        Self {
            bare_refs: true,
            ..Self::new(&[])
        }
    }

    /// Claims a type name, adding `_2`, `_3`, ... while it is taken.
    pub(crate) fn claim(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// Registers a schema document; `self_name` is the type a `{"$ref": "#"}` inside it means.
    pub(crate) fn add_root(
        &mut self,
        schema: &'a Value,
        prefix: &str,
        self_name: Option<&str>,
    ) -> usize {
        let id = self.roots.len();
        self.roots.push(Root {
            schema,
            prefix: prefix.to_owned(),
        });
        if let Some(name) = self_name {
            self.refs.insert((id, String::new()), name.to_owned());
        }
        id
    }

    /// The `type X = ...;` declarations collected so far, emptying the list.
    pub(crate) fn take_aliases(&mut self) -> Vec<String> {
        std::mem::take(&mut self.aliases)
    }

    /// The type of `schema` (inside the document `root`).
    pub(crate) fn render(&mut self, root: usize, schema: &'a Value, layout: Layout) -> Ty {
        self.ty(root, schema, 0, layout)
    }

    /// The member lines of an `interface` body for `schema`, when it is a plain object type
    /// (nothing but properties and an index signature); `None` when it needs a type alias.
    pub(crate) fn interface_body(
        &mut self,
        root: usize,
        schema: &'a Value,
        level: usize,
    ) -> Option<String> {
        let obj = schema.as_object()?;
        let keys = [
            "enum", "const", "$ref", "allOf", "anyOf", "oneOf", "nullable",
        ];
        if keys.iter().any(|k| obj.contains_key(*k)) || !is_object_schema(obj) {
            return None;
        }
        let members = self.members(root, obj, 0, Layout::Block(level + 1));
        let lines = if members.is_empty() {
            // `interface X { [key: string]: unknown }` reads better than an empty interface,
            // which would accept any non-nullish value.
            let value = if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
                "never"
            } else {
                "unknown"
            };
            format!("{}[key: string]: {value};\n", pad(level + 1))
        } else {
            members.concat()
        };
        Some(format!("{{\n{lines}{}}}", pad(level)))
    }

    fn ty(&mut self, root: usize, schema: &'a Value, depth: usize, layout: Layout) -> Ty {
        if depth > MAX_DEPTH {
            return Ty::unknown();
        }
        let obj = match schema {
            Value::Bool(false) => return Ty::primary("never"),
            Value::Object(obj) => obj,
            _ => return Ty::unknown(),
        };
        let mut parts = Vec::new();
        if let Some(values) = obj.get("enum").and_then(Value::as_array) {
            parts.push(union(values.iter().map(|v| literal(v, depth)).collect()));
        } else if let Some(value) = obj.get("const") {
            parts.push(literal(value, depth));
        } else if let Some(t) = self.typed(root, obj, depth, layout) {
            parts.push(t);
        }
        if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
            parts.push(self.reference(root, target));
        }
        if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
            for member in all {
                let t = self.ty(root, member, depth + 1, layout);
                if !t.is_unknown() {
                    parts.push(t);
                }
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(members) = obj.get(key).and_then(Value::as_array) {
                let ts: Vec<Ty> = members
                    .iter()
                    .map(|m| self.ty(root, m, depth + 1, layout))
                    .collect();
                // A member that only constrains (`{"required": ["a"]}`) says nothing about the
                // type, and neither does a union containing it.
                if !ts.is_empty() && !ts.iter().any(Ty::is_unknown) {
                    parts.push(union(ts));
                }
            }
        }
        let ty = intersection(parts);
        if obj.get("nullable") == Some(&Value::Bool(true)) && !ty.is_unknown() {
            // OpenAPI 3.0's spelling of `"type": [..., "null"]`.
            return union(vec![ty, Ty::primary("null")]);
        }
        ty
    }

    /// The type from `type` (or, without it, from the object or array keywords present).
    fn typed(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        depth: usize,
        layout: Layout,
    ) -> Option<Ty> {
        match obj.get("type") {
            Some(Value::String(name)) => Some(self.named_type(root, obj, name, depth, layout)),
            Some(Value::Array(names)) if !names.is_empty() => Some(union(
                names
                    .iter()
                    .map(|n| match n.as_str() {
                        Some(name) => self.named_type(root, obj, name, depth, layout),
                        None => Ty::unknown(),
                    })
                    .collect(),
            )),
            _ if is_object_schema(obj) => Some(self.object(root, obj, depth, layout)),
            _ if obj.contains_key("items") || obj.contains_key("prefixItems") => {
                Some(self.array(root, obj, depth, layout))
            }
            _ => None,
        }
    }

    fn named_type(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        name: &str,
        depth: usize,
        layout: Layout,
    ) -> Ty {
        match name {
            "string" => Ty::primary("string"),
            "number" | "integer" => Ty::primary("number"),
            "boolean" => Ty::primary("boolean"),
            "null" => Ty::primary("null"),
            "array" => self.array(root, obj, depth, layout),
            "object" => self.object(root, obj, depth, layout),
            _ => Ty::unknown(),
        }
    }

    fn array(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        depth: usize,
        layout: Layout,
    ) -> Ty {
        // 2020-12 tuples are `prefixItems` + `items` for the rest; draft 7 spells them
        // `items: [...]` + `additionalItems`.
        let (prefix, rest) = match (obj.get("prefixItems"), obj.get("items")) {
            (Some(Value::Array(prefix)), rest) => (Some(prefix), rest),
            (_, Some(Value::Array(prefix))) => (Some(prefix), obj.get("additionalItems")),
            (_, items) => (None, items),
        };
        let Some(prefix) = prefix else {
            let item = match rest {
                Some(items) => self.ty(root, items, depth + 1, layout),
                None => Ty::unknown(),
            };
            return Ty::primary(format!("{}[]", item.at(Prec::Primary)));
        };
        let mut elements: Vec<String> = prefix
            .iter()
            .map(|s| self.ty(root, s, depth + 1, layout).text)
            .collect();
        // An absent rest is read as a closed tuple: that is what authors of tuples mean.
        match rest {
            None | Some(Value::Bool(false)) => {}
            Some(items) => {
                let item = self.ty(root, items, depth + 1, layout);
                elements.push(format!("...{}[]", item.at(Prec::Primary)));
            }
        }
        Ty::primary(format!("[{}]", elements.join(", ")))
    }

    fn object(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        depth: usize,
        layout: Layout,
    ) -> Ty {
        let members = self.members(root, obj, depth, layout.nested());
        if members.is_empty() {
            return Ty::primary(
                if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
                    "Record<string, never>"
                } else {
                    "Record<string, unknown>"
                },
            );
        }
        match layout {
            Layout::Block(level) => {
                Ty::primary(format!("{{\n{}{}}}", members.concat(), pad(level)))
            }
            Layout::Inline => Ty::primary(format!("{{ {} }}", members.join("; "))),
        }
    }

    /// The members of an object type: one string per property (with its doc comment and `;\n`
    /// in block layout, bare in inline layout), then the index signature if there is one.
    fn members(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        depth: usize,
        layout: Layout,
    ) -> Vec<String> {
        let required: HashSet<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut members = Vec::new();
        let mut prop_types = Vec::new();
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (name, schema) in props {
                let ty = self.ty(root, schema, depth + 1, layout);
                let optional = if required.contains(name.as_str()) {
                    ""
                } else {
                    "?"
                };
                let line = format!("{}{optional}: {}", property_key(name), ty.text);
                members.push(self.member(line, Some(schema), layout));
                prop_types.push(ty);
            }
        }
        if let Some(index) = self.index_type(root, obj, depth, layout) {
            // TypeScript wants every property to fit the index signature's type: widen it by
            // the properties' types when they are short, else to `unknown`.
            let index = if prop_types.is_empty() || index.is_unknown() {
                index
            } else if prop_types.iter().all(|t| !t.text.contains('\n'))
                && !index.text.contains('\n')
            {
                let mut all = vec![index];
                all.extend(prop_types);
                all.push(Ty::primary("undefined"));
                union(all)
            } else {
                Ty::unknown()
            };
            members.push(self.member(format!("[key: string]: {}", index.text), None, layout));
        }
        members
    }

    fn member(&self, line: String, schema: Option<&Value>, layout: Layout) -> String {
        match layout {
            Layout::Inline => line,
            Layout::Block(level) => {
                let doc = schema
                    .map(|s| doc_comment(&doc_lines(s), level))
                    .unwrap_or_default();
                format!("{doc}{}{line};\n", pad(level))
            }
        }
    }

    /// The index signature's type, from `additionalProperties` and `patternProperties` schemas.
    fn index_type(
        &mut self,
        root: usize,
        obj: &'a Map<String, Value>,
        depth: usize,
        layout: Layout,
    ) -> Option<Ty> {
        let mut schemas: Vec<&'a Value> = obj
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|p| p.values().collect())
            .unwrap_or_default();
        match obj.get("additionalProperties") {
            // `true` or `{}` leaves the object open without saying more than `unknown`.
            Some(Value::Object(s)) if !s.is_empty() => {
                schemas.extend(obj.get("additionalProperties"))
            }
            Some(Value::Bool(true)) | Some(Value::Object(_)) if !schemas.is_empty() => {
                return Some(Ty::unknown());
            }
            _ => {}
        }
        if schemas.is_empty() {
            return None;
        }
        Some(union(
            schemas
                .into_iter()
                .map(|s| self.ty(root, s, depth + 1, layout))
                .collect(),
        ))
    }

    /// The named type a `$ref` stands for, emitting its alias the first time.
    fn reference(&mut self, root: usize, target: &str) -> Ty {
        if self.bare_refs {
            return match last_segment(target).map(|s| pascal_case(&s)) {
                Some(name) if !name.is_empty() => Ty::primary(name),
                _ => Ty::unknown(),
            };
        }
        let Some((pointer, schema)) = self.resolve(root, target) else {
            return Ty::unknown();
        };
        if let Some(name) = self.refs.get(&(root, pointer.clone())) {
            return Ty::primary(name.clone());
        }
        let def = last_segment(&format!("#{pointer}"))
            .map(|s| pascal_case(&s))
            .unwrap_or_default();
        let base = format!("{}{}", self.roots[root].prefix, def);
        let name = self.claim(&base);
        // Registered before rendering, so a recursive definition refers to itself by name.
        self.refs.insert((root, pointer), name.clone());
        let body = self.ty(root, schema, 0, Layout::Block(0));
        let doc = doc_comment(&doc_lines(schema), 0);
        self.aliases
            .push(format!("{doc}type {name} = {};\n", body.text));
        Ty::primary(name)
    }

    /// The JSON pointer and schema a local `$ref` leads to, following refs that are nothing but
    /// a ref; `None` for remote refs, anchors, dangling pointers and pure ref cycles.
    fn resolve(&self, root: usize, target: &str) -> Option<(String, &'a Value)> {
        let doc = self.roots.get(root)?.schema;
        let mut pointer = decode_pointer(target)?;
        let mut seen = HashSet::new();
        for _ in 0..MAX_REF_HOPS {
            if !seen.insert(pointer.clone()) {
                return None;
            }
            let schema = doc.pointer(&pointer)?;
            match schema.as_object() {
                Some(obj)
                    if is_pure_ref(obj) && !self.refs.contains_key(&(root, pointer.clone())) =>
                {
                    pointer = decode_pointer(obj.get("$ref")?.as_str()?)?;
                }
                _ => return Some((pointer, schema)),
            }
        }
        None
    }
}

/// Whether a schema object says it is an object without saying `type`.
fn is_object_schema(obj: &Map<String, Value>) -> bool {
    match obj.get("type") {
        Some(Value::String(t)) => t == "object",
        Some(_) => false,
        None => ["properties", "additionalProperties", "patternProperties"]
            .iter()
            .any(|k| obj.contains_key(*k)),
    }
}

/// A schema that is a `$ref` plus annotations only: an alias of its target.
fn is_pure_ref(obj: &Map<String, Value>) -> bool {
    const ANNOTATIONS: [&str; 6] = [
        "$ref",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
    ];
    obj.contains_key("$ref") && obj.keys().all(|k| ANNOTATIONS.contains(&k.as_str()))
}

/// `#/$defs/A%20B` -> `/$defs/A B`; `None` for anything but a local JSON pointer.
fn decode_pointer(target: &str) -> Option<String> {
    let fragment = target.strip_prefix('#')?;
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return None;
    }
    percent_decode(fragment)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The last reference token of a local `$ref` (`#/$defs/Money` -> `Money`), unescaped.
fn last_segment(target: &str) -> Option<String> {
    let pointer = decode_pointer(target)?;
    let last = pointer.rsplit('/').next()?;
    Some(last.replace("~1", "/").replace("~0", "~"))
}

/// The lines of a schema's doc comment: title, description, then `@tags` for the keywords a
/// TypeScript type cannot say.
pub(crate) fn doc_lines(schema: &Value) -> Vec<String> {
    let Some(obj) = schema.as_object() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let title = obj.get("title").and_then(Value::as_str);
    let description = obj.get("description").and_then(Value::as_str);
    for text in [title, description].into_iter().flatten() {
        if title != description || lines.is_empty() {
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    for key in ["format", "pattern"] {
        if let Some(v) = obj.get(key).and_then(Value::as_str) {
            lines.push(format!("@{key} {v}"));
        }
    }
    const NUMERIC: [&str; 11] = [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ];
    for key in NUMERIC {
        if let Some(v) = obj.get(key).filter(|v| v.is_number()) {
            lines.push(format!("@{key} {v}"));
        }
    }
    if obj.get("uniqueItems") == Some(&Value::Bool(true)) {
        lines.push("@uniqueItems".to_owned());
    }
    if let Some(v) = obj.get("default") {
        lines.push(format!("@default {}", short_json(v)));
    }
    let example = obj
        .get("examples")
        .and_then(|e| e.as_array()?.first())
        .or_else(|| obj.get("example"));
    if let Some(v) = example {
        lines.push(format!("@example {}", short_json(v)));
    }
    if obj.get("deprecated") == Some(&Value::Bool(true)) {
        lines.push("@deprecated".to_owned());
    }
    lines
}

/// Compact JSON cut to 120 bytes (on a character boundary, with `...`): one huge value cannot
/// flood a declaration, a denial or a divergence report.
pub fn short_json(value: &Value) -> String {
    const MAX: usize = 120;
    let text = value.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}
