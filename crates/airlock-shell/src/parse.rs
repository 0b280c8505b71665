//! Parsing scripts with `brush-parser`, and syntax errors that name the line and column.

use brush_parser::ast::Program;
use brush_parser::{ParseError, Parser, ParserOptions};

/// A script that does not parse. Nothing of it runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// 1-based line and column, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// `syntax error at line 3, column 7: near 'fi'`.
    pub message: String,
}

/// The parser's settings: bash's grammar (agents write bash), no extended globs.
fn options() -> ParserOptions {
    ParserOptions {
        tilde_expansion_at_word_start: true,
        ..ParserOptions::default()
    }
}

/// Unclosed `(` and `{` a script may have at once. The parser recurses once per level on the
/// guest's stack; a hundred thousand levels would overflow it and end the run as a crash.
const MAX_NESTING: usize = 1000;

/// How deeply `(` and `{` nest in `script`, counting every one (quoted ones too, which can
/// only make the count larger).
fn nesting(script: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in script.bytes() {
        match b {
            b'(' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses a whole script.
pub fn parse(script: &str) -> Result<Program, SyntaxError> {
    let deepest = nesting(script);
    if deepest > MAX_NESTING {
        return Err(SyntaxError {
            line: None,
            column: None,
            message: format!(
                "syntax error: parentheses and braces nest {deepest} levels deep, more than the {MAX_NESTING} this shell parses"
            ),
        });
    }
    let mut parser = Parser::new(std::io::Cursor::new(script.as_bytes()), &options());
    parser.parse_program().map_err(|e| describe(script, e))
}

fn describe(script: &str, e: ParseError) -> SyntaxError {
    let near = |line: usize, column: usize| -> String {
        let text = script.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let rest: String = text
            .chars()
            .skip(column.saturating_sub(1))
            .take(20)
            .collect();
        let token = rest.split_whitespace().next().unwrap_or("").to_string();
        if token.is_empty() {
            String::new()
        } else {
            format!(": near '{token}'")
        }
    };
    match e {
        ParseError::ParsingNear(pos) => SyntaxError {
            line: Some(pos.line),
            column: Some(pos.column),
            message: format!(
                "syntax error at line {}, column {}{}",
                pos.line,
                pos.column,
                near(pos.line, pos.column)
            ),
        },
        ParseError::ParsingAtEndOfInput => {
            let line = script.lines().count().max(1);
            let column = script.lines().last().map_or(1, |l| l.chars().count() + 1);
            SyntaxError {
                line: Some(line),
                column: Some(column),
                message: format!(
                    "syntax error at line {line}, column {column}: unexpected end of script (an unclosed quote, `if`, `do`, `{{` or `(`?)"
                ),
            }
        }
        ParseError::Tokenizing { inner, position } => match position {
            Some(pos) => SyntaxError {
                line: Some(pos.line),
                column: Some(pos.column),
                message: format!(
                    "syntax error at line {}, column {}: {inner}",
                    pos.line, pos.column
                ),
            },
            None => SyntaxError {
                line: None,
                column: None,
                message: format!("syntax error: {inner}"),
            },
        },
    }
}
