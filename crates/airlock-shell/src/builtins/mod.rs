//! The utilities: commands that read their input and write their output but do not change the
//! shell's own state (those, like `cd` and `export`, live in the interpreter).

pub mod args;
mod awk;
mod encode;
mod files;
pub mod glob;
mod grep;
mod jq;
mod node;
mod sed;
mod text;

use crate::cmd::Utility;

/// Every utility, by group.
const GROUPS: &[&[Utility]] = &[
    text::UTILITIES,
    encode::UTILITIES,
    grep::UTILITIES,
    sed::UTILITIES,
    awk::UTILITIES,
    jq::UTILITIES,
    files::UTILITIES,
    node::UTILITIES,
];

/// The utility called `name`.
pub fn find(name: &str) -> Option<&'static Utility> {
    GROUPS
        .iter()
        .flat_map(|g| g.iter())
        .find(|u| u.name == name)
}

/// Every utility's name, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<_> = GROUPS
        .iter()
        .flat_map(|g| g.iter())
        .map(|u| u.name)
        .collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--help` texts show options indented under their heading, as GNU's do; a string
    /// continuation (`\n\`) that swallowed the indentation would put them at the margin.
    #[test]
    fn every_help_text_indents_its_options() {
        for name in names() {
            let help = find(name).expect("listed").help;
            for line in help.lines() {
                assert!(
                    !line.starts_with('-'),
                    "{name} --help has an option at the margin: {line:?}"
                );
            }
        }
    }
}
