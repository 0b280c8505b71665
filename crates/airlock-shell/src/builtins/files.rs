//! Utilities of this group; each registers in `UTILITIES`.

use crate::cmd::Utility;

pub(crate) const UTILITIES: &[Utility] = &[];
