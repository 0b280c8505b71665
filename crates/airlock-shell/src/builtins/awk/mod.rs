//! `awk`: a real awk (lexer, parser, interpreter).

use crate::cmd::Utility;

pub(crate) const UTILITIES: &[Utility] = &[];
