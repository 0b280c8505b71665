//! Path arithmetic on the shell's side (the filesystem itself lives elsewhere).

/// `path` resolved against `cwd` with `.` and `..` folded; never climbs above `/`.
pub fn absolute(cwd: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The last component (`basename`), ignoring trailing slashes.
pub fn base_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "" } else { "/" };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Everything before the last component (`dirname`).
pub fn dir_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.starts_with('/') { "/" } else { "." };
    }
    match trimmed.rfind('/') {
        None => ".",
        Some(0) => "/",
        Some(i) => {
            let d = trimmed[..i].trim_end_matches('/');
            if d.is_empty() { "/" } else { d }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_folds_dots() {
        assert_eq!(absolute("/workspace", "a/./b/../c"), "/workspace/a/c");
        assert_eq!(absolute("/workspace", "/tmp/x"), "/tmp/x");
        assert_eq!(absolute("/", "../.."), "/");
        assert_eq!(absolute("/workspace", "."), "/workspace");
    }

    #[test]
    fn base_and_dir_names_follow_coreutils() {
        assert_eq!(base_name("/a/b/"), "b");
        assert_eq!(base_name("/"), "/");
        assert_eq!(base_name("x"), "x");
        assert_eq!(dir_name("/a/b"), "/a");
        assert_eq!(dir_name("a"), ".");
        assert_eq!(dir_name("/a"), "/");
        assert_eq!(dir_name("a//b//"), "a");
    }
}
