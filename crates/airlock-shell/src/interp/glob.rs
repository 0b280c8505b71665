//! Pathname expansion: `*.txt`, `src/*/mod.rs`, `[ab]?` against the filesystem.

use crate::builtins::glob::glob_match;
use crate::system::System;

/// Most paths one pattern may expand to; a bound on a guest-controlled size.
const MAX_MATCHES: usize = 100_000;

fn has_meta(component: &str) -> bool {
    let mut escaped = false;
    for c in component.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '*' | '?' | '[') {
            return true;
        }
    }
    false
}

fn unescape(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    let mut escaped = false;
    for c in component.chars() {
        if !escaped && c == '\\' {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// The sorted paths matching `pattern` (relative patterns give relative paths), or nothing.
pub fn expand(sys: &dyn System, cwd: &str, pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    // (shown path, absolute path)
    let mut current: Vec<(String, String)> = vec![if absolute {
        (String::new(), String::new())
    } else {
        (String::new(), cwd.trim_end_matches('/').to_string())
    }];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for (shown, abs) in &current {
            let join = |name: &str| {
                let shown = if shown.is_empty() && !absolute {
                    name.to_string()
                } else {
                    format!("{shown}/{name}")
                };
                (shown, format!("{abs}/{name}"))
            };
            if !has_meta(component) {
                let (s, a) = join(&unescape(component));
                if last {
                    if sys.stat(&a).is_ok() {
                        next.push((s, a));
                    }
                } else {
                    next.push((s, a));
                }
                continue;
            }
            let dir = if abs.is_empty() { "/" } else { abs.as_str() };
            let Ok(entries) = sys.read_dir(dir) else {
                continue;
            };
            for entry in entries {
                // Hidden files match only a pattern that starts with a dot.
                if entry.name.starts_with('.') && !component.starts_with('.') {
                    continue;
                }
                if (last || entry.is_dir) && glob_match(component, &entry.name) {
                    next.push(join(&entry.name));
                    if next.len() >= MAX_MATCHES {
                        break;
                    }
                }
            }
        }
        current = next;
        if current.is_empty() {
            return Vec::new();
        }
    }
    let mut out: Vec<String> = current
        .into_iter()
        .map(|(shown, _)| {
            if pattern.ends_with('/') {
                format!("{shown}/")
            } else {
                shown
            }
        })
        .collect();
    out.sort();
    out
}
