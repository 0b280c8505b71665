//! The `airlock` command's building blocks: the config file, the tools it names, and each
//! subcommand. The binary is thin glue over them; the Python binding reads config files
//! through [`profile`] so that `Sandbox.from_config` gets exactly what `airlock run` would.
//! Not a stable API: embedders use the `airlock-sandbox` facade.

pub mod approvals;
pub mod components;
pub mod config;
pub mod inspect;
pub mod journal;
pub mod layers;
pub mod lockfile;
pub mod mount;
pub mod network;
pub mod profile;
pub mod registry;
pub mod run;
pub mod serve;
pub mod toolset;
pub mod units;
