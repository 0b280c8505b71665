//! Word expansion: tilde, parameters, command substitution, arithmetic, then field splitting
//! on IFS, then pathname expansion (globbing) against the filesystem.

use brush_parser::ParserOptions;
use brush_parser::word::{
    self, Parameter, ParameterExpr, ParameterTestType, SpecialParameter, SubstringMatchKind,
    WordPiece, WordPieceWithSource,
};

use super::Interp;
use super::state::State;
use crate::builtins::glob::glob_match;
use crate::exec::LocalBoxFuture;

/// Why an expansion failed; the shell prints it and the command fails. A fatal one (`${x:?}`,
/// `set -u`) also ends a non-interactive shell, with status 127 as bash does; an arithmetic
/// error (`$((1/0))`) fails only the command.
#[derive(Debug, Clone)]
pub struct ExpandError {
    pub message: String,
    pub fatal: bool,
}

impl ExpandError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fatal: true,
        }
    }

    pub fn soft(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            fatal: false,
        }
    }
}

type Result<T> = std::result::Result<T, ExpandError>;

/// A piece of a field: its text and whether it was quoted (quoted text is neither split nor
/// globbed) or is the unquoted result of an expansion (which is split).
#[derive(Debug, Clone)]
struct Seg {
    text: String,
    quoted: bool,
    split: bool,
}

/// Fields being built. A field exists once anything (even an empty quoted string) was added.
#[derive(Debug, Default)]
struct Fields {
    fields: Vec<Vec<Seg>>,
    /// `"$@"` with no parameters removes even the field it is in, unless other text is there.
    open: bool,
}

impl Fields {
    fn push(&mut self, text: String, quoted: bool, split: bool) {
        if !self.open {
            self.fields.push(Vec::new());
            self.open = true;
        }
        if let Some(f) = self.fields.last_mut() {
            f.push(Seg {
                text,
                quoted,
                split,
            });
        }
    }

    /// Ends the current field (between the elements of `"$@"`).
    fn break_field(&mut self) {
        self.open = false;
    }
}

pub(crate) fn parser_options() -> ParserOptions {
    ParserOptions {
        tilde_expansion_at_word_start: true,
        ..ParserOptions::default()
    }
}

fn parse(text: &str) -> Result<Vec<WordPieceWithSource>> {
    word::parse(text, &parser_options())
        .map_err(|e| ExpandError::new(format!("{text}: bad substitution ({e})")))
}

/// How a word is used, which decides the steps after expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Assignments, redirection targets, `case` words: one string, no splitting.
    Single,
    /// Patterns (`case`, `${x#pat}`, `[[ == ]]`): one string where quoted characters are
    /// escaped so they match literally.
    Pattern,
}

impl Interp {
    /// Expands a command word into fields.
    pub(crate) async fn expand_fields(&self, st: &mut State, text: &str) -> Result<Vec<String>> {
        let mut fields = Fields::default();
        self.expand_into(st, &parse(text)?, false, &mut fields)
            .await?;
        Ok(self.finish_fields(st, fields))
    }

    /// Expands a word to one string, without splitting or globbing.
    pub(crate) async fn expand_single(&self, st: &mut State, text: &str) -> Result<String> {
        self.expand_mode(st, text, Mode::Single).await
    }

    /// Expands the text of an arithmetic expression: parameters, commands, nested arithmetic,
    /// but no tilde (`~0` is bitwise not).
    pub(crate) async fn expand_arith_text(&self, st: &mut State, text: &str) -> Result<String> {
        let options = ParserOptions {
            tilde_expansion_at_word_start: false,
            tilde_expansion_after_colon: false,
            ..ParserOptions::default()
        };
        let pieces = word::parse(text, &options)
            .map_err(|e| ExpandError::soft(format!("{text}: bad substitution ({e})")))?;
        let mut fields = Fields::default();
        self.expand_into(st, &pieces, true, &mut fields).await?;
        Ok(fields
            .fields
            .iter()
            .flat_map(|f| f.iter().map(|s| s.text.as_str()))
            .collect())
    }

    /// Expands a word into a glob pattern: quoted characters are escaped.
    pub(crate) async fn expand_pattern(&self, st: &mut State, text: &str) -> Result<String> {
        self.expand_mode(st, text, Mode::Pattern).await
    }

    async fn expand_mode(&self, st: &mut State, text: &str, mode: Mode) -> Result<String> {
        let mut fields = Fields::default();
        self.expand_into(st, &parse(text)?, false, &mut fields)
            .await?;
        let mut out = String::new();
        for (i, field) in fields.fields.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            for seg in field {
                if mode == Mode::Pattern && seg.quoted {
                    out.push_str(&escape_glob(&seg.text));
                } else {
                    out.push_str(&seg.text);
                }
            }
        }
        Ok(out)
    }

    /// Expands a here-document body: parameters, commands and arithmetic, no quote removal.
    pub(crate) async fn expand_heredoc(&self, st: &mut State, text: &str) -> Result<String> {
        let pieces = word::parse_heredoc(text, &parser_options())
            .map_err(|e| ExpandError::new(format!("here-document: bad substitution ({e})")))?;
        let mut fields = Fields::default();
        self.expand_into(st, &pieces, true, &mut fields).await?;
        Ok(fields
            .fields
            .iter()
            .flat_map(|f| f.iter().map(|s| s.text.as_str()))
            .collect())
    }

    fn expand_into<'a>(
        &'a self,
        st: &'a mut State,
        pieces: &'a [WordPieceWithSource],
        quoted: bool,
        out: &'a mut Fields,
    ) -> LocalBoxFuture<'a, Result<()>> {
        Box::pin(async move {
            for piece in pieces {
                match &piece.piece {
                    WordPiece::Text(t) => out.push(t.clone(), quoted, false),
                    WordPiece::SingleQuotedText(t) => out.push(t.clone(), true, false),
                    WordPiece::AnsiCQuotedText(t) => out.push(ansi_c(t), true, false),
                    WordPiece::EscapeSequence(e) => {
                        // `\x` outside quotes is `x`, quoted; inside double quotes only
                        // `\$ \` \" \\` and newline lose the backslash.
                        let c = e.strip_prefix('\\').unwrap_or(e);
                        if quoted && !matches!(c, "$" | "`" | "\"" | "\\" | "\n") {
                            out.push(e.clone(), true, false);
                        } else if c == "\n" {
                            out.push(String::new(), quoted, false);
                        } else {
                            out.push(c.to_string(), true, false);
                        }
                    }
                    WordPiece::DoubleQuotedSequence(inner)
                    | WordPiece::GettextDoubleQuotedSequence(inner) => {
                        // `""` is an empty field, but `"$@"` with no parameters is none.
                        if !is_quoted_at(inner) {
                            out.push(String::new(), true, false);
                        }
                        self.expand_into(st, inner, true, out).await?;
                    }
                    WordPiece::TildeExpansion(t) => {
                        let value = match t {
                            word::TildeExpr::Home => {
                                st.get("HOME").unwrap_or("/workspace").to_string()
                            }
                            word::TildeExpr::WorkingDir => st.cwd.clone(),
                            word::TildeExpr::OldWorkingDir => {
                                st.get("OLDPWD").unwrap_or("").to_string()
                            }
                            word::TildeExpr::UserHome(user) => format!("~{user}"),
                            _ => String::from("~"),
                        };
                        out.push(value, true, false);
                    }
                    WordPiece::ParameterExpansion(expr) => {
                        self.expand_parameter(st, expr, quoted, out).await?;
                    }
                    WordPiece::CommandSubstitution(script)
                    | WordPiece::BackquotedCommandSubstitution(script) => {
                        let text = self.command_substitution(st, script).await;
                        out.push(text, quoted, !quoted);
                    }
                    WordPiece::ArithmeticExpression(expr) => {
                        let text = self.expand_arith_text(st, &expr.value).await?;
                        let value = super::arith::eval_str(st, &text).map_err(ExpandError::soft)?;
                        out.push(value.to_string(), quoted, !quoted);
                    }
                }
            }
            Ok(())
        })
    }

    /// The value of a parameter: `None` when unset. `$@`/`$*` give the positional
    /// parameters joined by a space (callers that need fields handle them first).
    fn param_value(&self, st: &State, p: &Parameter) -> Option<String> {
        match p {
            Parameter::Positional(0) => Some(st.arg0.clone()),
            Parameter::Positional(n) => st.positional.get(*n as usize - 1).cloned(),
            Parameter::Named(name) => match name.as_str() {
                "RANDOM" => Some((self.sys.random_u64() % 32768).to_string()),
                "PWD" => Some(st.cwd.clone()),
                "SECONDS" => {
                    Some(((self.sys.now_ms().saturating_sub(self.started_ms)) / 1000).to_string())
                }
                _ => st.get(name).map(str::to_string),
            },
            Parameter::NamedWithIndex { name, index } => match index.trim() {
                "0" | "@" | "*" => st.get(name).map(str::to_string),
                // Element n of the arrays the shell itself fills (`BASH_REMATCH`).
                i => st.get(&format!("{name}[{i}]")).map(str::to_string),
            },
            Parameter::NamedWithAllIndices { name, .. } => st.get(name).map(str::to_string),
            Parameter::Special(s) => Some(match s {
                SpecialParameter::AllPositionalParameters { concatenate } => {
                    let sep = if *concatenate {
                        st.ifs()
                            .chars()
                            .next()
                            .map(String::from)
                            .unwrap_or_default()
                    } else {
                        " ".to_string()
                    };
                    st.positional.join(&sep)
                }
                SpecialParameter::PositionalParameterCount => st.positional.len().to_string(),
                SpecialParameter::LastExitStatus => st.status.to_string(),
                SpecialParameter::CurrentOptionFlags => option_flags(st),
                SpecialParameter::ProcessId => "1".to_string(),
                SpecialParameter::LastBackgroundProcessId => String::new(),
                SpecialParameter::ShellName => st.arg0.clone(),
            }),
        }
    }

    fn check_unset(&self, st: &State, p: &Parameter, value: &Option<String>) -> Result<()> {
        if value.is_none()
            && st.options.nounset
            && !matches!(
                p,
                Parameter::Special(SpecialParameter::AllPositionalParameters { .. })
            )
        {
            return Err(ExpandError::new(format!(
                "{}: unbound variable",
                param_name(p)
            )));
        }
        Ok(())
    }

    async fn expand_parameter(
        &self,
        st: &mut State,
        expr: &ParameterExpr,
        quoted: bool,
        out: &mut Fields,
    ) -> Result<()> {
        match expr {
            ParameterExpr::Parameter {
                parameter,
                indirect,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                if let Parameter::Special(SpecialParameter::AllPositionalParameters { concatenate }) =
                    &parameter
                    && (!*concatenate || !quoted)
                {
                    // "$@" gives one field per parameter; unquoted $@ and $* each split.
                    let params = st.positional.clone();
                    for (i, p) in params.into_iter().enumerate() {
                        if i > 0 {
                            out.break_field();
                        }
                        out.push(p, quoted, !quoted);
                    }
                    if !quoted || st.positional.is_empty() {
                        // An empty "$@" contributes no field of its own.
                    }
                    return Ok(());
                }
                let value = self.param_value(st, &parameter);
                self.check_unset(st, &parameter, &value)?;
                out.push(value.unwrap_or_default(), quoted, !quoted);
            }
            ParameterExpr::UseDefaultValues {
                parameter,
                indirect,
                test_type,
                default_value,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let value = self.param_value(st, &parameter);
                if is_missing(&value, test_type) {
                    let pieces = parse(default_value.as_deref().unwrap_or(""))?;
                    self.expand_into(st, &pieces, quoted, out).await?;
                } else {
                    out.push(value.unwrap_or_default(), quoted, !quoted);
                }
            }
            ParameterExpr::AssignDefaultValues {
                parameter,
                indirect,
                test_type,
                default_value,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let value = self.param_value(st, &parameter);
                if is_missing(&value, test_type) {
                    let new = self
                        .expand_single(st, default_value.as_deref().unwrap_or(""))
                        .await?;
                    let Parameter::Named(name) = &parameter else {
                        return Err(ExpandError::new(format!(
                            "{}: cannot assign in this way",
                            param_name(&parameter)
                        )));
                    };
                    st.set(name, new.clone()).map_err(ExpandError::new)?;
                    out.push(new, quoted, !quoted);
                } else {
                    out.push(value.unwrap_or_default(), quoted, !quoted);
                }
            }
            ParameterExpr::IndicateErrorIfNullOrUnset {
                parameter,
                indirect,
                test_type,
                error_message,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let value = self.param_value(st, &parameter);
                if is_missing(&value, test_type) {
                    let message = match error_message {
                        Some(m) if !m.is_empty() => self.expand_single(st, m).await?,
                        _ => "parameter null or not set".to_string(),
                    };
                    return Err(ExpandError::new(format!(
                        "{}: {message}",
                        param_name(&parameter)
                    )));
                }
                out.push(value.unwrap_or_default(), quoted, !quoted);
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                indirect,
                test_type,
                alternative_value,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let value = self.param_value(st, &parameter);
                if !is_missing(&value, test_type) {
                    let pieces = parse(alternative_value.as_deref().unwrap_or(""))?;
                    self.expand_into(st, &pieces, quoted, out).await?;
                } else if quoted {
                    out.push(String::new(), true, false);
                }
            }
            ParameterExpr::ParameterLength {
                parameter,
                indirect,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let len = match &parameter {
                    Parameter::Special(SpecialParameter::AllPositionalParameters { .. }) => {
                        st.positional.len()
                    }
                    _ => {
                        let value = self.param_value(st, &parameter);
                        self.check_unset(st, &parameter, &value)?;
                        value.map_or(0, |v| v.chars().count())
                    }
                };
                out.push(len.to_string(), quoted, !quoted);
            }
            ParameterExpr::RemoveSmallestSuffixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveLargestSuffixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveSmallestPrefixPattern {
                parameter,
                indirect,
                pattern,
            }
            | ParameterExpr::RemoveLargestPrefixPattern {
                parameter,
                indirect,
                pattern,
            } => {
                let value = self.checked_value(st, parameter, *indirect)?;
                let value = value.unwrap_or_default();
                let pat = self
                    .expand_pattern(st, pattern.as_deref().unwrap_or(""))
                    .await?;
                let result = match expr {
                    ParameterExpr::RemoveSmallestSuffixPattern { .. } => {
                        strip_suffix(&value, &pat, false)
                    }
                    ParameterExpr::RemoveLargestSuffixPattern { .. } => {
                        strip_suffix(&value, &pat, true)
                    }
                    ParameterExpr::RemoveSmallestPrefixPattern { .. } => {
                        strip_prefix(&value, &pat, false)
                    }
                    _ => strip_prefix(&value, &pat, true),
                };
                out.push(result, quoted, !quoted);
            }
            ParameterExpr::Substring {
                parameter,
                indirect,
                offset,
                length,
            } => {
                let value = self.checked_value(st, parameter, *indirect)?;
                let chars: Vec<char> = value.unwrap_or_default().chars().collect();
                let len = chars.len() as i64;
                let off_text = self.expand_arith_text(st, &offset.value).await?;
                let mut start = super::arith::eval_str(st, &off_text).map_err(ExpandError::soft)?;
                if start < 0 {
                    start = (len + start).max(0);
                }
                let start = start.min(len);
                let end = match length {
                    None => len,
                    Some(l) => {
                        let l_text = self.expand_arith_text(st, &l.value).await?;
                        let l = super::arith::eval_str(st, &l_text).map_err(ExpandError::soft)?;
                        if l < 0 {
                            (len + l).max(start)
                        } else {
                            (start + l).min(len)
                        }
                    }
                };
                let piece: String = chars[start as usize..end.max(start) as usize]
                    .iter()
                    .collect();
                out.push(piece, quoted, !quoted);
            }
            ParameterExpr::UppercasePattern {
                parameter,
                indirect,
                ..
            }
            | ParameterExpr::LowercasePattern {
                parameter,
                indirect,
                ..
            }
            | ParameterExpr::UppercaseFirstChar {
                parameter,
                indirect,
                ..
            }
            | ParameterExpr::LowercaseFirstChar {
                parameter,
                indirect,
                ..
            } => {
                let value = self.checked_value(st, parameter, *indirect)?;
                let value = value.unwrap_or_default();
                let result = match expr {
                    ParameterExpr::UppercasePattern { .. } => value.to_uppercase(),
                    ParameterExpr::LowercasePattern { .. } => value.to_lowercase(),
                    ParameterExpr::UppercaseFirstChar { .. } => first_char(&value, true),
                    _ => first_char(&value, false),
                };
                out.push(result, quoted, !quoted);
            }
            ParameterExpr::ReplaceSubstring {
                parameter,
                indirect,
                pattern,
                replacement,
                match_kind,
            } => {
                let value = self.checked_value(st, parameter, *indirect)?;
                let value = value.unwrap_or_default();
                let pat = self.expand_pattern(st, pattern).await?;
                let rep = self
                    .expand_single(st, replacement.as_deref().unwrap_or(""))
                    .await?;
                out.push(replace(&value, &pat, &rep, match_kind), quoted, !quoted);
            }
            ParameterExpr::Transform {
                parameter,
                indirect,
                op,
            } => {
                let parameter = self.indirect(st, parameter, *indirect)?;
                let value = self.param_value(st, &parameter).unwrap_or_default();
                let result = match op {
                    word::ParameterTransformOp::ToUpperCase => value.to_uppercase(),
                    word::ParameterTransformOp::ToLowerCase => value.to_lowercase(),
                    word::ParameterTransformOp::CapitalizeInitial => first_char(&value, true),
                    word::ParameterTransformOp::Quoted => {
                        format!("'{}'", value.replace('\'', "'\\''"))
                    }
                    word::ParameterTransformOp::ExpandEscapeSequences => ansi_c(&value),
                    _ => value,
                };
                out.push(result, quoted, !quoted);
            }
            ParameterExpr::VariableNames {
                prefix,
                concatenate,
            } => {
                let mut names: Vec<String> = st
                    .globals
                    .keys()
                    .filter(|n| n.starts_with(prefix.as_str()))
                    .cloned()
                    .collect();
                names.sort();
                if quoted && !*concatenate {
                    for (i, n) in names.into_iter().enumerate() {
                        if i > 0 {
                            out.break_field();
                        }
                        out.push(n, true, false);
                    }
                } else {
                    out.push(names.join(" "), quoted, !quoted);
                }
            }
            ParameterExpr::MemberKeys { variable_name, .. } => {
                let keys = if st.get(variable_name).is_some() {
                    "0"
                } else {
                    ""
                };
                out.push(keys.to_string(), quoted, !quoted);
            }
        }
        Ok(())
    }

    /// The parameter's value (after `${!name}` indirection), refusing an unset one under
    /// `set -u`.
    fn checked_value(&self, st: &State, p: &Parameter, indirect: bool) -> Result<Option<String>> {
        let parameter = self.indirect(st, p, indirect)?;
        let value = self.param_value(st, &parameter);
        self.check_unset(st, &parameter, &value)?;
        Ok(value)
    }

    /// `${!name}`: the parameter named by `name`'s value.
    fn indirect(&self, st: &State, p: &Parameter, indirect: bool) -> Result<Parameter> {
        if !indirect {
            return Ok(p.clone());
        }
        let target = self.param_value(st, p).unwrap_or_default();
        word::parse_parameter(&target, &parser_options())
            .map_err(|_| ExpandError::new(format!("{target}: invalid indirect expansion")))
    }

    /// Splits on IFS, drops empty unquoted fields, and globs.
    fn finish_fields(&self, st: &State, fields: Fields) -> Vec<String> {
        let ifs = st.ifs();
        let mut out = Vec::new();
        for field in fields.fields {
            for pieces in split_field(field, &ifs) {
                let has_glob = !st.options.noglob
                    && pieces
                        .iter()
                        .any(|s| !s.quoted && s.text.contains(['*', '?', '[']));
                if has_glob {
                    let pattern: String = pieces
                        .iter()
                        .map(|s| {
                            if s.quoted {
                                escape_glob(&s.text)
                            } else {
                                s.text.clone()
                            }
                        })
                        .collect();
                    let matches = super::glob::expand(self.sys.as_ref(), &st.cwd, &pattern);
                    if !matches.is_empty() {
                        out.extend(matches);
                        continue;
                    }
                }
                out.push(pieces.iter().map(|s| s.text.as_str()).collect());
            }
        }
        out
    }
}

/// Splits one field's unquoted expansion results on IFS (POSIX 2.6.5): IFS whitespace
/// separates and collapses, other IFS characters each end a field (with the whitespace around
/// them). A field made only of empty unquoted expansions disappears.
fn split_field(field: Vec<Seg>, ifs: &str) -> Vec<Vec<Seg>> {
    let mut result: Vec<Vec<Seg>> = Vec::new();
    let mut cur: Vec<Seg> = Vec::new();
    let mut nonempty = false;
    // The last thing seen was whitespace that ended a field: a following non-whitespace
    // delimiter belongs to it rather than ending an empty field.
    let mut after_white = false;
    for seg in field {
        if !seg.split || ifs.is_empty() {
            nonempty |= seg.quoted || !seg.text.is_empty();
            if nonempty {
                after_white = false;
            }
            cur.push(seg);
            continue;
        }
        let mut piece = String::new();
        for c in seg.text.chars() {
            if !ifs.contains(c) {
                piece.push(c);
                nonempty = true;
                after_white = false;
                continue;
            }
            if !piece.is_empty() {
                cur.push(Seg {
                    text: std::mem::take(&mut piece),
                    quoted: false,
                    split: true,
                });
            }
            if c.is_whitespace() {
                if nonempty {
                    result.push(std::mem::take(&mut cur));
                    nonempty = false;
                    after_white = true;
                }
            } else {
                if nonempty || !after_white {
                    result.push(std::mem::take(&mut cur));
                }
                cur.clear();
                nonempty = false;
                after_white = false;
            }
        }
        if !piece.is_empty() {
            cur.push(Seg {
                text: piece,
                quoted: false,
                split: true,
            });
        }
    }
    if nonempty {
        result.push(cur);
    }
    result
}

/// Whether a double-quoted sequence is exactly `"$@"`.
fn is_quoted_at(inner: &[WordPieceWithSource]) -> bool {
    matches!(
        inner,
        [WordPieceWithSource {
            piece: WordPiece::ParameterExpansion(ParameterExpr::Parameter {
                parameter: Parameter::Special(SpecialParameter::AllPositionalParameters {
                    concatenate: false
                }),
                ..
            }),
            ..
        }]
    )
}

fn is_missing(value: &Option<String>, test: &ParameterTestType) -> bool {
    match test {
        ParameterTestType::Unset => value.is_none(),
        ParameterTestType::UnsetOrNull => value.as_deref().is_none_or(str::is_empty),
    }
}

fn param_name(p: &Parameter) -> String {
    match p {
        Parameter::Positional(n) => n.to_string(),
        Parameter::Named(n) => n.clone(),
        Parameter::NamedWithIndex { name, .. } | Parameter::NamedWithAllIndices { name, .. } => {
            name.clone()
        }
        Parameter::Special(s) => s.to_string(),
    }
}

fn option_flags(st: &State) -> String {
    let o = st.options;
    let mut s = String::new();
    for (on, c) in [
        (o.errexit, 'e'),
        (o.noglob, 'f'),
        (o.nounset, 'u'),
        (o.xtrace, 'x'),
        (o.noclobber, 'C'),
    ] {
        if on {
            s.push(c);
        }
    }
    s
}

fn first_char(value: &str, upper: bool) -> String {
    let mut chars = value.chars();
    match chars.next() {
        None => String::new(),
        Some(c) => {
            let first: String = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            first + chars.as_str()
        }
    }
}

/// Escapes glob metacharacters so the text matches itself.
pub(crate) fn escape_glob(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Char boundaries of `s`, including its end.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

fn strip_prefix(value: &str, pat: &str, largest: bool) -> String {
    let b = boundaries(value);
    let order: Box<dyn Iterator<Item = &usize>> = if largest {
        Box::new(b.iter().rev())
    } else {
        Box::new(b.iter())
    };
    for &i in order {
        if glob_match(pat, &value[..i]) {
            return value[i..].to_string();
        }
    }
    value.to_string()
}

fn strip_suffix(value: &str, pat: &str, largest: bool) -> String {
    let b = boundaries(value);
    let order: Box<dyn Iterator<Item = &usize>> = if largest {
        Box::new(b.iter())
    } else {
        Box::new(b.iter().rev())
    };
    for &i in order {
        if glob_match(pat, &value[i..]) {
            return value[..i].to_string();
        }
    }
    value.to_string()
}

fn replace(value: &str, pat: &str, rep: &str, kind: &SubstringMatchKind) -> String {
    if pat.is_empty() {
        return value.to_string();
    }
    let b = boundaries(value);
    match kind {
        SubstringMatchKind::Prefix => {
            for &end in b.iter().rev() {
                if glob_match(pat, &value[..end]) {
                    return format!("{rep}{}", &value[end..]);
                }
            }
            value.to_string()
        }
        SubstringMatchKind::Suffix => {
            for &start in &b {
                if glob_match(pat, &value[start..]) {
                    return format!("{}{rep}", &value[..start]);
                }
            }
            value.to_string()
        }
        SubstringMatchKind::FirstOccurrence | SubstringMatchKind::Anywhere => {
            let all = matches!(kind, SubstringMatchKind::Anywhere);
            let mut out = String::new();
            let mut k = 0;
            let mut replaced = false;
            while k < b.len() - 1 {
                let start = b[k];
                let found = if replaced && !all {
                    None
                } else {
                    // The longest match starting here.
                    b[k + 1..]
                        .iter()
                        .rev()
                        .find(|&&end| glob_match(pat, &value[start..end]))
                        .copied()
                };
                match found {
                    Some(end) => {
                        out.push_str(rep);
                        replaced = true;
                        k = b.iter().position(|&x| x == end).unwrap_or(b.len() - 1);
                    }
                    None => {
                        out.push_str(&value[start..b[k + 1]]);
                        k += 1;
                    }
                }
            }
            out
        }
    }
}

/// The text of a `$'...'` string with its escapes decoded.
pub(crate) fn ansi_c(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('e') | Some('E') => out.push('\x1b'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('?') => out.push('?'),
            Some('x') => {
                let hex: String = std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .take(2)
                    .collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some('u') | Some('U') => {
                let hex: String = std::iter::from_fn(|| chars.next_if(|c| c.is_ascii_hexdigit()))
                    .take(8)
                    .collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(d @ '0'..='7') => {
                let mut oct = String::from(d);
                while oct.len() < 3 {
                    match chars.next_if(|c| ('0'..='7').contains(c)) {
                        Some(c) => oct.push(c),
                        None => break,
                    }
                }
                if let Some(ch) = u32::from_str_radix(&oct, 8).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}
