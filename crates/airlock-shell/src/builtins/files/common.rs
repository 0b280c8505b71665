//! What the file utilities share: how the sandbox's files look to GNU-shaped output (sizes,
//! blocks, modes), GNU's human-readable sizes and quoting, and option parsing.

use crate::builtins::args::{self, Opt, Spec};
use crate::cmd::Cmd;
use crate::system::FileInfo;

/// The size a directory reports, as on ext4 (the filesystem stores none).
pub(super) const DIR_SIZE: u64 = 4096;
/// The allocation unit sizes are rounded up to for `du`, `ls -s` and `stat`'s blocks, as on ext4.
const BLOCK: u64 = 4096;
/// The owner and group every file shows.
pub(super) const OWNER: &str = "sandbox";
/// The numeric user and group id every file shows.
pub(super) const OWNER_ID: u32 = 1000;

/// Bytes the entry reports (`ls -l`, `stat %s`, `find -size`).
pub(super) fn apparent_size(info: &FileInfo) -> u64 {
    if info.is_dir { DIR_SIZE } else { info.size }
}

/// Space the entry takes, in 1 KiB units (`du`, `ls -s`, `ls -l`'s total).
pub(super) fn kib_used(info: &FileInfo) -> u64 {
    apparent_size(info).div_ceil(BLOCK) * (BLOCK / 1024)
}

/// `drwxr-xr-x`, `-rw-r--r--`, `-r--r--r--`.
pub(super) fn mode_string(info: &FileInfo) -> &'static str {
    match (info.is_dir, info.readonly) {
        (true, false) => "drwxr-xr-x",
        (true, true) => "dr-xr-xr-x",
        (false, false) => "-rw-r--r--",
        (false, true) => "-r--r--r--",
    }
}

/// The permission bits of [`mode_string`] in octal.
pub(super) fn mode_bits(info: &FileInfo) -> u32 {
    match (info.is_dir, info.readonly) {
        (true, false) => 0o755,
        (true, true) => 0o555,
        (false, false) => 0o644,
        (false, true) => 0o444,
    }
}

/// GNU's `-h` size: bytes below 1024 as they are, else one decimal below 10 and none above,
/// always rounded up (`4.9K`, `11K`, `1.1M`).
pub(super) fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["K", "M", "G", "T", "P", "E"];
    if bytes < 1024 {
        return bytes.to_string();
    }
    let bytes = u128::from(bytes);
    let mut scale: u128 = 1024;
    for (i, unit) in UNITS.iter().enumerate() {
        let next = scale * 1024;
        if bytes >= next && i + 1 < UNITS.len() {
            scale = next;
            continue;
        }
        let tenths = (bytes * 10).div_ceil(scale);
        if tenths < 100 {
            return format!("{}.{}{unit}", tenths / 10, tenths % 10);
        }
        let whole = bytes.div_ceil(scale);
        if whole < 1024 || i + 1 == UNITS.len() {
            return format!("{whole}{unit}");
        }
        // Rounding up reached the next unit (1023.5K is 1.0M).
        return format!("1.0{}", UNITS[i + 1]);
    }
    String::new()
}

/// A name quoted for a message, as GNU does in the C locale: `'name'`.
pub(super) fn quote(name: &str) -> String {
    if name.contains('\'') {
        format!("\"{name}\"")
    } else {
        format!("'{name}'")
    }
}

/// `dir/name` as shown to the user, keeping `dir` as they wrote it (`./a`, `d/`, `/`).
pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Parses the options, or prints the usage error and gives the status to return.
pub(super) async fn parse(
    cx: &mut Cmd<'_>,
    spec: Spec<'_>,
) -> Result<(Vec<Opt>, Vec<String>), i32> {
    match args::parse(&cx.args, spec) {
        Ok(parsed) => Ok(parsed),
        Err(message) => Err(cx.usage(message).await),
    }
}

/// A stable stand-in for an inode number (the filesystem has none), so that `stat -c %i`
/// tells files apart: FNV-1a of the path.
pub(super) fn inode(path: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    hash % 100_000_000 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_round_up_like_gnu() {
        assert_eq!(human(0), "0");
        assert_eq!(human(1023), "1023");
        assert_eq!(human(1024), "1.0K");
        assert_eq!(human(2000), "2.0K");
        assert_eq!(human(5000), "4.9K");
        assert_eq!(human(10_300), "11K");
        assert_eq!(human(1_048_577), "1.1M");
        assert_eq!(human(1024 * 1024 - 1), "1.0M");
        assert_eq!(human(3 * 1024 * 1024 * 1024), "3.0G");
    }

    #[test]
    fn blocks_are_4k() {
        let file = |size| FileInfo {
            is_dir: false,
            size,
            mtime_ms: 0,
            readonly: false,
        };
        assert_eq!(kib_used(&file(0)), 0);
        assert_eq!(kib_used(&file(1)), 4);
        assert_eq!(kib_used(&file(4097)), 8);
    }
}
