//! Spelling things as TypeScript: identifiers, names, string literals, doc comments.

use serde_json::Value;

/// Words that cannot name a function or a namespace (JavaScript's reserved words, strict mode's
/// and the global values TypeScript will not let a declaration shadow).
const RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Whether `s` is an ASCII JavaScript identifier (reserved words included: they are fine as
/// property names).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Whether `s` can name a declared function or namespace.
pub(crate) fn is_binding(s: &str) -> bool {
    is_identifier(s) && !RESERVED.contains(&s)
}

/// `stripe_charges-create` -> `StripeChargesCreate`: split at anything but ASCII letters and
/// digits, each part's first letter upper-cased.
pub(crate) fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A TypeScript string literal (JSON's escaping is valid TypeScript).
pub(crate) fn quote(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

/// A `/** ... */` comment of `lines`, indented by `level`, ending in a newline; empty for no
/// lines. Short comments stay on one line. `*/` in the text cannot end the comment.
pub(crate) fn doc_comment(lines: &[String], level: usize) -> String {
    const ONE_LINE: usize = 90;
    let pad = "  ".repeat(level);
    let lines: Vec<String> = lines
        .iter()
        .map(|l| l.trim_end().replace("*/", "*\\/"))
        .collect();
    if lines.iter().all(|l| l.trim().is_empty()) {
        return String::new();
    }
    let joined = lines.join(" ");
    if lines.len() == 1 || (joined.len() <= ONE_LINE && lines.iter().all(|l| !l.trim().is_empty()))
    {
        return format!("{pad}/** {} */\n", joined.trim());
    }
    let mut out = format!("{pad}/**\n");
    for line in &lines {
        if line.is_empty() {
            out.push_str(&format!("{pad} *\n"));
        } else {
            out.push_str(&format!("{pad} * {line}\n"));
        }
    }
    out.push_str(&format!("{pad} */\n"));
    out
}
