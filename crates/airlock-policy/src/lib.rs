//! The capability policy of airlock: which tool calls a sandboxed script may
//! make, with which arguments, how often.
//!
//! The stages are raw -> compiled -> running: a [`PolicyDoc`] (TOML) is
//! compiled once into a [`Policy`] (immutable, shareable), and each session
//! keeps its budgets in a [`PolicyState`]. [`Policy::decide`] answers one call
//! with a [`Grant`] or a [`Denial`] worded for the script.
//!
//! # The language
//!
//! ```toml
//! [[allow]]
//! tools = "stripe/charges/*"    # the tools this rule covers
//! max_calls = 100               # per session
//! per_run = 10                  # per run (PolicyState::begin_run)
//! rate = "10/min"               # sliding window: N/s, N/min, N/h, N/day, N/10s ...
//! description = "why"           # shown by describe()
//! [allow.args]
//! amount = { min = 1, max = 10000 }
//! currency = { in = ["USD", "EUR"] }
//! sql = { starts_with = "SELECT" }
//! "body/role" = { eq = "viewer" }
//! "items/*/price" = { lt = 100 }
//! note = { max_len = 200, optional = true }
//! [allow.sum]
//! amount = { max = 50000 }      # session total over the allowed calls of this rule
//!
//! [[deny]]
//! tools = "stripe/charges/refund/**"
//! reason = "refunds need a human"
//! ```
//!
//! **Patterns.** Tool names and patterns are split into segments at `/` or
//! `.`, interchangeably. In a pattern `*` is one whole segment, `**` any
//! number of segments (zero too), and `*` inside a segment (`get_*`) any run
//! of characters within it. Anything else is literal.
//!
//! **Decisions.** Deny rules are checked first and always win. With no allow
//! rules every other call is allowed; with some, a call must match one. The
//! first allow rule whose pattern matches and whose argument constraints all
//! pass governs the call, and its budgets (`max_calls`, `per_run`, `rate`,
//! `sum`) decide: a used-up budget denies the call, with no fall-through to
//! later rules. If rules match the name but all fail on arguments, the
//! denial reports the first of them.
//!
//! **Constraints.** Numeric bounds `min max gt lt`; exact `eq ne in not_in`
//! (JSON equality, numbers by value: `1 == 1.0`); string checks `starts_with
//! ends_with contains matches` (`matches` is a regex that must match the
//! whole value); `min_len max_len` for strings (characters) and lists.
//! Types are strict: `true` and `"500"` are not numbers, and `null` fails
//! every bound. A missing argument is denied unless its constraint says
//! `optional = true`. Paths go into objects and lists with `/` (`items/0/price`);
//! a `*` segment means every element must pass (an empty list passes).
//!
//! **Budgets.** An allowed call is counted when it is decided, so the decision
//! is the reservation; a denied call counts nothing.
//!
//! **Errors.** Unknown keys and invalid values (a bad pattern, rate or regex,
//! `min > max`, an empty `in`, a negative sum, a constraint that checks
//! nothing) are [`PolicyError`]s naming the line.
//!
//! ```
//! use std::time::Duration;
//! use airlock_policy::{Policy, PolicyState};
//! use serde_json::json;
//!
//! let policy = Policy::from_toml(r#"
//!     [[allow]]
//!     tools = "transfer"
//!     max_calls = 2
//!     [allow.args]
//!     amount = { min = 1, max = 1000 }
//! "#, "airlock.toml")?;
//! let mut state = PolicyState::new(&policy);
//! let now = Duration::ZERO;
//!
//! let grant = policy.decide(&mut state, "transfer", &json!({"amount": 10}), now)?;
//! assert_eq!(grant.rule.as_deref(), Some("allow[0]"));
//!
//! let denial = policy.decide(&mut state, "transfer", &json!({"amount": 5000}), now).unwrap_err();
//! assert_eq!(
//!     denial.message,
//!     "PolicyDenied: transfer: amount = 5000 violates max 1000 (allow[0] in airlock.toml); \
//!      allowed range 1..1000"
//! );
//! assert!(!policy.may_allow("delete_all"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod budget;
mod constraint;
mod decide;
mod denial;
mod describe;
mod doc;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod index;
mod path;
mod pattern;
mod policy;
mod rate;
mod value;

pub use budget::{BudgetImage, PolicyState, RuleImage};
pub use denial::{Denial, Grant};
pub use doc::{AllowRuleDoc, ArgsDoc, ConstraintDoc, DenyRuleDoc, PolicyDoc, SumDoc, SumsDoc};
pub use error::{ErrorKind, PolicyError};
pub use pattern::{PatternError, ToolPattern};
pub use policy::{Policy, Source};
