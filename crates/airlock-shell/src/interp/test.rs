//! `test`, `[` and `[[ ]]`.

use brush_parser::ast::{BinaryPredicate, ExtendedTestExpr, TestExpr, UnaryPredicate};

use super::expand::ExpandError;
use super::state::State;
use super::{Interp, Io};
use crate::exec::LocalBoxFuture;

impl Interp {
    pub(crate) async fn test_builtin(
        &self,
        name: &str,
        args: &[String],
        st: &mut State,
        io: &mut Io<'_>,
    ) -> i32 {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        if name == "[" {
            if args.last() != Some(&"]") {
                self.error(io.stderr, "[: missing `]'").await;
                return 2;
            }
            args.pop();
        }
        if args.is_empty() {
            return 1;
        }
        let expr = match brush_parser::test_command::parse(&args) {
            Ok(e) => e,
            Err(_) => {
                self.error(
                    io.stderr,
                    &format!(
                        "{name}: {}: unary operator expected or too many arguments",
                        args.join(" ")
                    ),
                )
                .await;
                return 2;
            }
        };
        match self.eval_test(st, &expr) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(e) => {
                self.error(io.stderr, &format!("{name}: {e}")).await;
                2
            }
        }
    }

    fn eval_test(&self, st: &mut State, expr: &TestExpr) -> Result<bool, String> {
        Ok(match expr {
            TestExpr::False => false,
            TestExpr::Literal(s) => !s.is_empty(),
            TestExpr::And(a, b) => self.eval_test(st, a)? && self.eval_test(st, b)?,
            TestExpr::Or(a, b) => self.eval_test(st, a)? || self.eval_test(st, b)?,
            TestExpr::Not(e) => !self.eval_test(st, e)?,
            TestExpr::Parenthesized(e) => self.eval_test(st, e)?,
            TestExpr::UnaryTest(p, s) => self.unary(st, p, s),
            TestExpr::BinaryTest(p, a, b) => self.binary(st, p, a, b, false)?,
        })
    }

    fn unary(&self, st: &State, p: &UnaryPredicate, s: &str) -> bool {
        let path = crate::path::absolute(&st.cwd, s);
        let stat = || {
            if s.is_empty() {
                None
            } else {
                self.sys.stat(&path).ok()
            }
        };
        match p {
            UnaryPredicate::StringHasZeroLength => s.is_empty(),
            UnaryPredicate::StringHasNonZeroLength => !s.is_empty(),
            UnaryPredicate::FileExists | UnaryPredicate::FileExistsAndIsReadable => {
                stat().is_some()
            }
            UnaryPredicate::FileExistsAndIsDir => stat().is_some_and(|i| i.is_dir),
            UnaryPredicate::FileExistsAndIsRegularFile => stat().is_some_and(|i| !i.is_dir),
            UnaryPredicate::FileExistsAndIsNotZeroLength => stat().is_some_and(|i| i.size > 0),
            UnaryPredicate::FileExistsAndIsWritable => stat().is_some_and(|i| !i.readonly),
            UnaryPredicate::FileExistsAndIsExecutable => stat().is_some_and(|i| i.is_dir),
            UnaryPredicate::FileExistsAndOwnedByEffectiveUserId
            | UnaryPredicate::FileExistsAndOwnedByEffectiveGroupId => stat().is_some(),
            UnaryPredicate::ShellVariableIsSetAndAssigned => st.var(s).is_some(),
            UnaryPredicate::ShellOptionEnabled => match s {
                "errexit" => st.options.errexit,
                "nounset" => st.options.nounset,
                "xtrace" => st.options.xtrace,
                "pipefail" => st.options.pipefail,
                _ => false,
            },
            _ => false,
        }
    }

    fn binary(
        &self,
        st: &mut State,
        p: &BinaryPredicate,
        a: &str,
        b: &str,
        pattern: bool,
    ) -> Result<bool, String> {
        let num = |s: &str| -> Result<i64, String> {
            let t = s.trim();
            t.parse::<i64>()
                .map_err(|_| format!("{s}: integer expression expected"))
        };
        Ok(match p {
            BinaryPredicate::StringExactlyMatchesPattern
            | BinaryPredicate::StringExactlyMatchesString => {
                if pattern {
                    crate::builtins::glob::glob_match(b, a)
                } else {
                    a == b
                }
            }
            BinaryPredicate::StringDoesNotExactlyMatchPattern
            | BinaryPredicate::StringDoesNotExactlyMatchString => {
                if pattern {
                    !crate::builtins::glob::glob_match(b, a)
                } else {
                    a != b
                }
            }
            BinaryPredicate::StringContainsSubstring => a.contains(b),
            BinaryPredicate::LeftSortsBeforeRight => a < b,
            BinaryPredicate::LeftSortsAfterRight => a > b,
            BinaryPredicate::ArithmeticEqualTo => {
                self.int(st, a, pattern, &num)? == self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::ArithmeticNotEqualTo => {
                self.int(st, a, pattern, &num)? != self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::ArithmeticLessThan => {
                self.int(st, a, pattern, &num)? < self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::ArithmeticLessThanOrEqualTo => {
                self.int(st, a, pattern, &num)? <= self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::ArithmeticGreaterThan => {
                self.int(st, a, pattern, &num)? > self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::ArithmeticGreaterThanOrEqualTo => {
                self.int(st, a, pattern, &num)? >= self.int(st, b, pattern, &num)?
            }
            BinaryPredicate::StringMatchesRegex => {
                let re = regex::Regex::new(b)
                    .map_err(|e| format!("{b}: invalid regular expression: {e}"))?;
                match re.captures(a) {
                    Some(caps) => {
                        let all: Vec<String> = caps
                            .iter()
                            .map(|m| m.map_or_else(String::new, |m| m.as_str().to_string()))
                            .collect();
                        let _ = st.set("BASH_REMATCH", all.first().cloned().unwrap_or_default());
                        for (i, group) in all.iter().enumerate() {
                            let _ = st.set(&format!("BASH_REMATCH[{i}]"), group.clone());
                        }
                        true
                    }
                    None => {
                        let _ = st.set("BASH_REMATCH", String::new());
                        false
                    }
                }
            }
            BinaryPredicate::LeftFileIsNewerOrExistsWhenRightDoesNot => {
                let m = |s: &str| {
                    self.sys
                        .stat(&crate::path::absolute(&st.cwd, s))
                        .ok()
                        .map(|i| i.mtime_ms)
                };
                match (m(a), m(b)) {
                    (Some(x), Some(y)) => x > y,
                    (Some(_), None) => true,
                    _ => false,
                }
            }
            BinaryPredicate::LeftFileIsOlderOrDoesNotExistWhenRightDoes => {
                let m = |s: &str| {
                    self.sys
                        .stat(&crate::path::absolute(&st.cwd, s))
                        .ok()
                        .map(|i| i.mtime_ms)
                };
                match (m(a), m(b)) {
                    (Some(x), Some(y)) => x < y,
                    (None, Some(_)) => true,
                    _ => false,
                }
            }
            BinaryPredicate::FilesReferToSameDeviceAndInodeNumbers => {
                crate::path::absolute(&st.cwd, a) == crate::path::absolute(&st.cwd, b)
            }
        })
    }

    /// An integer operand: `[[ ]]` evaluates arithmetic, `test` wants a number.
    fn int(
        &self,
        st: &mut State,
        s: &str,
        arithmetic: bool,
        num: &dyn Fn(&str) -> Result<i64, String>,
    ) -> Result<i64, String> {
        if arithmetic {
            super::arith::eval_str(st, s)
        } else {
            num(s)
        }
    }

    /// `[[ expr ]]`: words are expanded without splitting or globbing; the right side of
    /// `==`/`!=` is a pattern, of `=~` a regex.
    pub(crate) fn extended_test<'a>(
        &'a self,
        st: &'a mut State,
        expr: &'a ExtendedTestExpr,
    ) -> LocalBoxFuture<'a, Result<bool, ExpandError>> {
        Box::pin(async move {
            Ok(match expr {
                ExtendedTestExpr::And(a, b) => {
                    self.extended_test(st, a).await? && self.extended_test(st, b).await?
                }
                ExtendedTestExpr::Or(a, b) => {
                    self.extended_test(st, a).await? || self.extended_test(st, b).await?
                }
                ExtendedTestExpr::Not(e) => !self.extended_test(st, e).await?,
                ExtendedTestExpr::Parenthesized(e) => self.extended_test(st, e).await?,
                ExtendedTestExpr::UnaryTest(p, w) => {
                    let s = self.expand_single(st, &w.value).await?;
                    self.unary(st, p, &s)
                }
                ExtendedTestExpr::BinaryTest(p, a, b) => {
                    let left = self.expand_single(st, &a.value).await?;
                    let right = match p {
                        BinaryPredicate::StringExactlyMatchesPattern
                        | BinaryPredicate::StringDoesNotExactlyMatchPattern
                        | BinaryPredicate::StringExactlyMatchesString
                        | BinaryPredicate::StringDoesNotExactlyMatchString => {
                            self.expand_pattern(st, &b.value).await?
                        }
                        BinaryPredicate::StringMatchesRegex => {
                            regex_word(&self.expand_pattern(st, &b.value).await?)
                        }
                        _ => self.expand_single(st, &b.value).await?,
                    };
                    self.binary(st, p, &left, &right, true)
                        .map_err(ExpandError::new)?
                }
            })
        })
    }
}

/// A `=~` right side: quoted parts (escaped as for globs) match literally.
fn regex_word(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) => out.push_str(&regex::escape(&n.to_string())),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
