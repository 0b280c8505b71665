//! The npm packages a script can import (`crates/airlock-guest/libs/dist`, bundled by
//! `scripts/libs.sh`): their sources, embedded here rather than in the guest, and the packing
//! the guest reads them and their bytecode in (see the guest's `src/modules.rs`).
//!
//! At snapshot time a throwaway guest instance asks for the sources (`package.sources`),
//! compiles them and hands the bytecode back (`package.bytecode`); the host then writes the
//! packed bytecode past the end of the snapshot instance's heap.

use airlock_tools::packages::packages;

/// Each bundle, by the name a script imports.
const SOURCES: &[(&str, &str)] = &[
    (
        "lodash",
        include_str!("../../airlock-guest/libs/dist/lodash.js"),
    ),
    (
        "date-fns",
        include_str!("../../airlock-guest/libs/dist/date-fns.js"),
    ),
    ("zod", include_str!("../../airlock-guest/libs/dist/zod.js")),
    (
        "papaparse",
        include_str!("../../airlock-guest/libs/dist/papaparse.js"),
    ),
    (
        "yaml",
        include_str!("../../airlock-guest/libs/dist/yaml.js"),
    ),
    (
        "marked",
        include_str!("../../airlock-guest/libs/dist/marked.js"),
    ),
];

/// `count u32`, then per package `name_len u32 | name | flags u8 | len u32 | bytes`,
/// little-endian; flag 1: `require` gives the default export. The guest's `Pack` reads it.
pub(crate) fn pack<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let entries: Vec<(&str, &[u8])> = entries.into_iter().collect();
    let mut out = Vec::with_capacity(
        4 + entries
            .iter()
            .map(|(n, b)| n.len() + b.len() + 9)
            .sum::<usize>(),
    );
    out.extend_from_slice(&u32_le(entries.len()));
    for (name, bytes) in entries {
        let require_default = packages()
            .iter()
            .any(|p| p.name == name && p.require_default());
        out.extend_from_slice(&u32_le(name.len()));
        out.extend_from_slice(name.as_bytes());
        out.push(u8::from(require_default));
        out.extend_from_slice(&u32_le(bytes.len()));
        out.extend_from_slice(bytes);
    }
    out
}

fn u32_le(n: usize) -> [u8; 4] {
    u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes()
}

/// The packed sources, for the compiling instance.
pub(crate) fn sources() -> Vec<u8> {
    pack(
        SOURCES
            .iter()
            .map(|(name, source)| (*name, source.as_bytes())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_package_of_the_manifest_has_its_source_and_no_other() {
        let mut embedded: Vec<&str> = SOURCES.iter().map(|(name, _)| *name).collect();
        let mut listed: Vec<&str> = packages().iter().map(|p| p.name.as_str()).collect();
        embedded.sort_unstable();
        listed.sort_unstable();
        assert_eq!(embedded, listed);
    }

    #[test]
    fn the_packing_names_each_package_and_its_require_kind() {
        let packed = pack([("lodash", &b"ab"[..]), ("zod", &b"c"[..])]);
        let mut expected = vec![2, 0, 0, 0, 6, 0, 0, 0];
        expected.extend_from_slice(b"lodash");
        expected.extend_from_slice(&[1, 2, 0, 0, 0]);
        expected.extend_from_slice(b"ab");
        expected.extend_from_slice(&[3, 0, 0, 0]);
        expected.extend_from_slice(b"zod");
        expected.extend_from_slice(&[0, 1, 0, 0, 0]);
        expected.extend_from_slice(b"c");
        assert_eq!(packed, expected);
    }
}
