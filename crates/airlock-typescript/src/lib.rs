//! TypeScript for airlock's scripts, without a type checker: [`strip`] parses a script as
//! TypeScript (oxc) and replaces every type-only piece of it with spaces, so what remains is the
//! JavaScript the guest runs, with every line and column where the model wrote them (an error's
//! stack points at the script's own line).
//!
//! Blanked: type annotations (`: T`, return types, `this` parameters), type parameters and
//! arguments (`<T>`), `interface`, `type`, `declare` statements and members, function overload
//! signatures, `as T`, `satisfies T`, `<T>x` assertions, non-null `!`, definite `!`, optional `?`
//! of parameters and class members, `implements` clauses, and the modifiers `public`,
//! `private`, `protected`, `readonly`, `override`, `abstract` (with abstract members).
//!
//! Rewritten: an `enum` becomes the object TypeScript makes of it (numbers map both ways,
//! strings one way; members may refer to earlier ones), written where the enum starts and
//! followed by as many line breaks as the enum took, so later lines keep their numbers.
//!
//! Refused, with the reason and a way around: namespaces with code, parameter properties
//! (`constructor(private x: number)`), `import x = require()` and `export =`.
//!
//! Scripts keep airlock's top-level `await` and `return`. A script is not an ES module (a
//! module could not `return`), so its static imports become dynamic ones where they stand:
//! `import _, { map as m } from "lodash"` is `const { default: _, map: m } = await import("lodash");`
//! on the same line, and `import type` and type-only names vanish. `import.meta` becomes the
//! script's own (`url`, `filename`, `dirname`, `resolve`), which the guest's prelude keeps as
//! `__airlock.importMeta`. [`imports`] does the same for a JavaScript script.

use std::ops::Range;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    BindingPattern, Class, ClassElement, Declaration, ExportDeclaration, ExportNamedDeclaration,
    FormalParameter, ImportDeclaration, ImportDeclarationSpecifier, ImportMeta, ImportOrExportKind,
    MethodDefinition, ModuleExportName, PropertyDefinition, PropertyKey, Statement, TSAsExpression,
    TSEnumDeclaration, TSEnumMemberName, TSInstantiationExpression, TSNonNullExpression,
    TSSatisfiesExpression, TSThisParameter, TSTypeAnnotation, TSTypeAssertion,
    TSTypeParameterDeclaration, TSTypeParameterInstantiation, VariableDeclarator,
};
use oxc_ast_visit::{Visit, walk};
use oxc_parser::{ParseOptions, Parser};
use oxc_span::{GetSpan, SourceType, Span};

/// Why a script could not be turned into JavaScript: a syntax error, or TypeScript that needs
/// more than blanking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripError {
    /// What is wrong, in words.
    pub message: String,
    /// 1-based line and column of where it is.
    pub line: u32,
    pub column: u32,
    /// How to write it instead, when there is a simple way.
    pub hint: Option<String>,
}

impl std::fmt::Display for StripError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}:{})", self.message, self.line, self.column)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StripError {}

/// The JavaScript of a TypeScript script: types replaced by spaces, enums by objects.
///
/// # Errors
/// A syntax error, or a construct that has no blank-space form (see the crate's docs).
pub fn strip(source: &str) -> Result<String, StripError> {
    transform(source, SourceType::ts().with_module(true))
}

/// A JavaScript script with its static `import` declarations made dynamic (see the crate's
/// docs), or `None` when it has none, or does not parse (the guest then reports the syntax
/// error, as for any script). Cheap for a script that never says `import`: it is not parsed.
pub fn imports(source: &str) -> Option<String> {
    if !may_import(source) {
        return None;
    }
    transform(source, SourceType::mjs()).ok()
}

/// Whether `import` appears other than as `import(`.
fn may_import(source: &str) -> bool {
    source.match_indices("import").any(|(at, word)| {
        let next = source[at + word.len()..].trim_start().chars().next();
        next != Some('(')
    })
}

fn transform(source: &str, source_type: SourceType) -> Result<String, StripError> {
    let allocator = Allocator::default();
    let options = ParseOptions {
        allow_return_outside_function: true,
        ..ParseOptions::default()
    };
    let parsed = Parser::new(&allocator, source, source_type)
        .with_options(options)
        .parse();
    if let Some(error) = parsed.diagnostics.first() {
        let at = error.labels.first().map_or(0, |label| label.offset());
        return Err(error_at(
            source,
            at as usize,
            error.message.to_string(),
            None,
        ));
    }
    let mut blanker = Blanker {
        source,
        edits: Vec::new(),
        error: None,
    };
    blanker.visit_program(&parsed.program);
    if let Some(error) = blanker.error {
        return Err(error);
    }
    Ok(apply(source, blanker.edits))
}

/// One change to the source: a range blanked, or replaced by text (then blanked after it).
struct Edit {
    range: Range<usize>,
    text: Option<String>,
}

struct Blanker<'s> {
    source: &'s str,
    edits: Vec<Edit>,
    error: Option<StripError>,
}

impl Blanker<'_> {
    fn blank(&mut self, span: Span) {
        self.blank_range(span.start as usize..span.end as usize);
    }

    fn blank_range(&mut self, range: Range<usize>) {
        if range.start < range.end {
            self.edits.push(Edit { range, text: None });
        }
    }

    fn refuse(&mut self, at: u32, message: &str, hint: &str) {
        if self.error.is_none() {
            self.error = Some(error_at(
                self.source,
                at as usize,
                message.to_string(),
                Some(hint.to_string()),
            ));
        }
    }

    /// Blanks the first `?` or `!` between `from` and `to` (an optional or definite marker).
    fn blank_marker(&mut self, from: u32, to: u32, marker: char) {
        let (from, to) = (from as usize, (to as usize).min(self.source.len()));
        if let Some(offset) = self.source.get(from..to).and_then(|s| s.find(marker)) {
            self.blank_range(from + offset..from + offset + 1);
        }
    }

    /// Blanks the TypeScript-only modifier keywords between `from` and `to` (the start of a
    /// class member and its key).
    fn blank_modifiers(&mut self, from: u32, to: u32) {
        const MODIFIERS: [&str; 7] = [
            "public",
            "private",
            "protected",
            "readonly",
            "override",
            "abstract",
            "declare",
        ];
        let (from, to) = (from as usize, (to as usize).min(self.source.len()));
        let Some(text) = self.source.get(from..to) else {
            return;
        };
        let mut at = 0;
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')) {
            if MODIFIERS.contains(&word) {
                self.blank_range(from + at..from + at + word.len());
            }
            at += word.len() + 1;
        }
    }

    fn enum_declaration(&mut self, it: &TSEnumDeclaration<'_>) {
        let name = it.id.name.as_str();
        let mut code = format!("var {name}; (function ({name}) {{ let __v; ");
        for member in &it.body.members {
            let key = match &member.id {
                TSEnumMemberName::Identifier(id) => id.name.to_string(),
                TSEnumMemberName::String(s) | TSEnumMemberName::ComputedString(s) => {
                    s.value.to_string()
                }
                TSEnumMemberName::ComputedTemplateString(t) => {
                    self.refuse(
                        t.span.start,
                        "an enum member named by a template string is not supported",
                        "name the member with an identifier or a plain string",
                    );
                    return;
                }
            };
            let quoted = quote(&key);
            let value = match &member.initializer {
                Some(init) => {
                    let span = init.span();
                    format!("({})", &self.source[span.start as usize..span.end as usize])
                }
                None => "(__v === undefined ? 0 : __v + 1)".to_string(),
            };
            // Later members may refer to earlier ones by name, as in TypeScript.
            let local = is_identifier(&key).then(|| format!("var {key} = "));
            code.push_str(&format!(
                "{}__v = {value}; {name}[{quoted}] = __v; if (typeof __v === \"number\") {name}[__v] = {quoted}; ",
                local.unwrap_or_default()
            ));
        }
        code.push_str(&format!("}})({name} || ({name} = {{}}));"));
        self.edits.push(Edit {
            range: it.span.start as usize..it.span.end as usize,
            text: Some(code),
        });
    }

    fn type_only_declaration(&mut self, declaration: &Declaration<'_>) -> bool {
        match declaration {
            Declaration::TSTypeAliasDeclaration(_) | Declaration::TSInterfaceDeclaration(_) => true,
            Declaration::VariableDeclaration(d) => d.declare,
            Declaration::FunctionDeclaration(f) => f.declare || f.body.is_none(),
            Declaration::ClassDeclaration(c) => c.declare,
            Declaration::TSEnumDeclaration(e) => e.declare,
            Declaration::TSExternalModuleDeclaration(m) => m.declare,
            Declaration::TSNamespaceDeclaration(n) => n.declare,
            Declaration::TSGlobalDeclaration(g) => g.declare,
            Declaration::TSImportEqualsDeclaration(_) => false,
        }
    }
}

impl<'a> Visit<'a> for Blanker<'_> {
    fn visit_import_meta(&mut self, it: &ImportMeta) {
        self.edits.push(Edit {
            range: it.span.start as usize..it.span.end as usize,
            text: Some("__airlock.importMeta".to_string()),
        });
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        let specifiers = it.specifiers.as_ref();
        let values: Vec<&ImportDeclarationSpecifier<'a>> = specifiers
            .into_iter()
            .flatten()
            .filter(|s| {
                !matches!(s, ImportDeclarationSpecifier::ImportSpecifier(s)
                    if s.import_kind == ImportOrExportKind::Type)
            })
            .collect();
        // Type-only imports have no code; so has an import all of whose names are types, as
        // TypeScript elides it.
        let types_only = specifiers.is_some_and(|s| !s.is_empty()) && values.is_empty();
        if it.import_kind == ImportOrExportKind::Type || types_only {
            self.blank(it.span);
            return;
        }
        let module = format!("await import({})", quote(it.source.value.as_str()));
        let mut namespace = None;
        let mut fields = Vec::new();
        for specifier in values {
            match specifier {
                ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                    namespace = Some(s.local.name.as_str());
                }
                ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                    fields.push(format!("default: {}", s.local.name));
                }
                ImportDeclarationSpecifier::ImportSpecifier(s) => {
                    let key = match &s.imported {
                        ModuleExportName::StringLiteral(name) => quote(name.value.as_str()),
                        name => name.name().to_string(),
                    };
                    if key == s.local.name.as_str() {
                        fields.push(key);
                    } else {
                        fields.push(format!("{key}: {}", s.local.name));
                    }
                }
            }
        }
        let fields = (!fields.is_empty()).then(|| format!("{{ {} }}", fields.join(", ")));
        let code = match (namespace, fields) {
            (Some(ns), Some(fields)) => format!("const {ns} = {module}, {fields} = {ns};"),
            (Some(ns), None) => format!("const {ns} = {module};"),
            (None, Some(fields)) => format!("const {fields} = {module};"),
            (None, None) => format!("{module};"),
        };
        self.edits.push(Edit {
            range: it.span.start as usize..it.span.end as usize,
            text: Some(code),
        });
    }

    fn visit_statement(&mut self, it: &Statement<'a>) {
        if let Some(declaration) = it.as_declaration()
            && self.type_only_declaration(declaration)
        {
            self.blank(it.span());
            return;
        }
        walk::walk_statement(self, it);
    }

    fn visit_declaration(&mut self, it: &Declaration<'a>) {
        match it {
            Declaration::TSEnumDeclaration(e) => self.enum_declaration(e),
            Declaration::TSNamespaceDeclaration(n) => self.refuse(
                n.span.start,
                "a namespace with code is not supported",
                "use a plain object (`const utils = { ... }`) or top-level functions",
            ),
            Declaration::TSExternalModuleDeclaration(m) => self.refuse(
                m.span.start,
                "a module declaration is not supported",
                "declare only what the script itself defines",
            ),
            Declaration::TSGlobalDeclaration(g) => self.refuse(
                g.span.start,
                "`global { ... }` is not supported",
                "use `declare global { ... }` for types only",
            ),
            Declaration::TSImportEqualsDeclaration(i) => self.refuse(
                i.span.start,
                "`import x = require(...)` is not supported",
                "the script's modules come from `require(...)` or the sandbox's globals",
            ),
            _ => walk::walk_declaration(self, it),
        }
    }

    fn visit_export_declaration(&mut self, it: &ExportDeclaration<'a>) {
        if self.type_only_declaration(&it.declaration) {
            self.blank(it.span);
            return;
        }
        walk::walk_export_declaration(self, it);
    }

    fn visit_export_named_declaration(&mut self, it: &ExportNamedDeclaration<'a>) {
        if it.export_kind == ImportOrExportKind::Type {
            self.blank(it.span);
            return;
        }
        walk::walk_export_named_declaration(self, it);
    }

    fn visit_ts_type_annotation(&mut self, it: &TSTypeAnnotation<'a>) {
        self.blank(it.span);
    }

    fn visit_ts_type_parameter_declaration(&mut self, it: &TSTypeParameterDeclaration<'a>) {
        self.blank(it.span);
    }

    fn visit_ts_type_parameter_instantiation(&mut self, it: &TSTypeParameterInstantiation<'a>) {
        self.blank(it.span);
    }

    fn visit_ts_this_parameter(&mut self, it: &TSThisParameter<'a>) {
        // `this: T` and the comma after it, if any.
        let end = it.span.end as usize;
        let rest = &self.source[end..];
        let comma = rest
            .find(|c: char| !c.is_whitespace())
            .filter(|&i| rest[i..].starts_with(','))
            .map_or(end, |i| end + i + 1);
        self.blank_range(it.span.start as usize..comma);
    }

    fn visit_ts_as_expression(&mut self, it: &TSAsExpression<'a>) {
        self.blank_range(it.expression.span().end as usize..it.span.end as usize);
        self.visit_expression(&it.expression);
    }

    fn visit_ts_satisfies_expression(&mut self, it: &TSSatisfiesExpression<'a>) {
        self.blank_range(it.expression.span().end as usize..it.span.end as usize);
        self.visit_expression(&it.expression);
    }

    fn visit_ts_type_assertion(&mut self, it: &TSTypeAssertion<'a>) {
        self.blank_range(it.span.start as usize..it.expression.span().start as usize);
        self.visit_expression(&it.expression);
    }

    fn visit_ts_non_null_expression(&mut self, it: &TSNonNullExpression<'a>) {
        self.blank_range(it.span.end as usize - 1..it.span.end as usize);
        self.visit_expression(&it.expression);
    }

    fn visit_ts_instantiation_expression(&mut self, it: &TSInstantiationExpression<'a>) {
        self.blank(it.type_arguments.span);
        self.visit_expression(&it.expression);
    }

    fn visit_formal_parameter(&mut self, it: &FormalParameter<'a>) {
        if it.accessibility.is_some() || it.readonly || it.r#override {
            self.refuse(
                it.span.start,
                "parameter properties (`constructor(private x: T)`) are not supported",
                "declare the field in the class and assign it in the constructor: `this.x = x`",
            );
            return;
        }
        if it.optional {
            let end = it
                .type_annotation
                .as_ref()
                .map_or(it.span.end, |t| t.span.start);
            self.blank_marker(it.pattern.span().end, end, '?');
        }
        walk::walk_formal_parameter(self, it);
    }

    fn visit_variable_declarator(&mut self, it: &VariableDeclarator<'a>) {
        if it.definite
            && let Some(annotation) = &it.type_annotation
        {
            self.blank_marker(pattern_end(&it.id), annotation.span.start, '!');
        }
        walk::walk_variable_declarator(self, it);
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        if it.r#abstract {
            self.blank_modifiers(it.span.start, it.body.span.start.min(class_name_end(it)));
        }
        if let (Some(first), Some(last)) = (it.implements.first(), it.implements.last()) {
            let from = first.span.start as usize;
            let keyword = self.source[..from].rfind("implements").unwrap_or(from);
            self.blank_range(keyword..last.span.end as usize);
        }
        walk::walk_class(self, it);
    }

    fn visit_class_element(&mut self, it: &ClassElement<'a>) {
        match it {
            ClassElement::TSIndexSignature(s) => self.blank(s.span),
            ClassElement::PropertyDefinition(p) => self.property(p),
            ClassElement::MethodDefinition(m) => self.method(m),
            _ => walk::walk_class_element(self, it),
        }
    }
}

impl<'a> Blanker<'_> {
    fn property(&mut self, it: &PropertyDefinition<'a>) {
        let abstract_member = it.r#type.is_abstract();
        if it.declare || abstract_member {
            self.blank(it.span);
            return;
        }
        self.blank_modifiers(it.span.start, it.key.span().start);
        if it.optional || it.definite {
            let end = it
                .type_annotation
                .as_ref()
                .map_or(it.span.end, |t| t.span.start);
            let marker = if it.optional { '?' } else { '!' };
            self.blank_marker(key_end(&it.key, it.computed, self.source), end, marker);
        }
        walk::walk_property_definition(self, it);
    }

    fn method(&mut self, it: &MethodDefinition<'a>) {
        if it.value.body.is_none() {
            // An overload signature or an abstract method: no code at all.
            self.blank(it.span);
            return;
        }
        self.blank_modifiers(it.span.start, it.key.span().start);
        if it.optional {
            self.blank_marker(
                key_end(&it.key, it.computed, self.source),
                it.value.params.span.start,
                '?',
            );
        }
        walk::walk_method_definition(self, it);
    }
}

/// Where a binding's name ends (before its `!` or `: T`).
fn pattern_end(pattern: &BindingPattern<'_>) -> u32 {
    pattern.span().end
}

/// Where a class's header ends: the name, or the `class` keyword when it has none.
fn class_name_end(class: &Class<'_>) -> u32 {
    class.id.as_ref().map_or(class.span.start, |id| id.span.end)
}

/// Where a member's key ends, past the `]` of a computed one.
fn key_end(key: &PropertyKey<'_>, computed: bool, source: &str) -> u32 {
    let end = key.span().end;
    if !computed {
        return end;
    }
    source[end as usize..]
        .find(']')
        .map_or(end, |i| end + u32::try_from(i + 1).unwrap_or(0))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The source with the edits applied: blanked text keeps its line breaks (and its width, as
/// spaces); replacement text goes where its range starts, followed by the range's line breaks.
fn apply(source: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.range.start, std::cmp::Reverse(e.range.end)));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for edit in edits {
        // Edits inside one already applied (a type inside a blanked statement) are covered.
        if edit.range.start < at {
            continue;
        }
        out.push_str(&source[at..edit.range.start]);
        let removed = &source[edit.range.clone()];
        match edit.text {
            Some(text) => {
                out.push_str(&text);
                out.extend(removed.chars().filter(|&c| c == '\n'));
            }
            None => out.extend(removed.chars().map(|c| match c {
                '\n' | '\r' => c,
                _ => ' ',
            })),
        }
        at = edit.range.end;
    }
    out.push_str(&source[at..]);
    out
}

fn error_at(source: &str, offset: usize, message: String, hint: Option<String>) -> StripError {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    StripError {
        message,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(column).unwrap_or(u32::MAX),
        hint,
    }
}
