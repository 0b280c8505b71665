//! What a script can import: Node's modules the sandbox has and the npm packages the guest
//! bundles (`crates/airlock-guest/libs`, built by `scripts/libs.sh`). The prompt, the MCP `run`
//! description and the declarations read them from here, so they say what the guest has.

use std::sync::OnceLock;

use serde::Deserialize;

/// The bundles' manifest, written by `libs/build.mjs` next to the bundles the guest embeds.
const MANIFEST: &str = include_str!("../../airlock-guest/libs/dist/manifest.json");

/// Node's modules a script can import or require (also as `node:NAME`); the guest's resolver
/// (`src/modules.rs`) and the prelude's `require` know the same names.
pub const NODE_MODULES: &[&str] = &[
    "buffer",
    "crypto",
    "events",
    "fs",
    "fs/promises",
    "path",
    "path/posix",
    "process",
    "timers/promises",
    "url",
    "util",
];

/// One bundled npm package.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    /// What a script imports: `lodash`.
    pub name: String,
    /// The npm package bundled: `lodash-es`.
    pub package: String,
    pub version: String,
    /// SPDX license of the package.
    pub license: String,
    /// One line on how a script uses it.
    pub about: String,
    /// What `require(name)` gives: `default` (the default export) or `namespace`.
    pub require: String,
}

impl Package {
    /// Whether `require(name)` gives the default export (lodash, papaparse) rather than the
    /// module's namespace, as Node's `require` of the package does.
    pub fn require_default(&self) -> bool {
        self.require == "default"
    }
}

/// The bundled packages, in the manifest's order.
pub fn packages() -> &'static [Package] {
    static PACKAGES: OnceLock<Vec<Package>> = OnceLock::new();
    // The manifest is generated and checked by the tests; a broken one lists nothing rather
    // than failing every prompt.
    PACKAGES.get_or_init(|| serde_json::from_str(MANIFEST).unwrap_or_default())
}

/// `lodash 4.18.1, date-fns 4.4.0, ...`
pub fn package_list() -> String {
    packages()
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_lists_the_packages_with_versions_and_licenses() {
        let names: Vec<&str> = packages().iter().map(|p| p.name.as_str()).collect();
        for wanted in ["lodash", "date-fns", "zod", "papaparse", "yaml"] {
            assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
        }
        for p in packages() {
            assert!(
                !p.version.is_empty() && !p.license.is_empty() && !p.about.is_empty(),
                "{p:?}"
            );
        }
    }
}
