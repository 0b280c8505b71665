//! Shell pattern matching (`fnmatch` without flags): `*`, `?`, bracket expressions (`[a-z]`,
//! `[!0-9]`, `[^x]`, `[[:alpha:]]`) and backslash escapes. Used by `find -name`, and by the
//! interpreter for pathname expansion and `case`.
//!
//! The matcher walks the pattern and the name once, remembering only the last `*` to retry
//! from: no allocation, and O(pattern × name) in the worst case rather than exponential.
//! `*` and `?` match any character, `/` and a leading `.` included: callers that need
//! pathname rules (expansion) split on `/` and check leading dots themselves.

/// Whether `name` matches the shell pattern `pattern`.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    matches(pattern, name, false)
}

/// [`glob_match`] ignoring case (`find -iname`).
pub(crate) fn glob_match_fold(pattern: &str, name: &str) -> bool {
    matches(pattern, name, true)
}

fn matches(pattern: &str, name: &str, fold: bool) -> bool {
    let p = pattern.as_bytes();
    let n = name.as_bytes();
    let (mut pi, mut ni) = (0, 0);
    // Where to resume after a mismatch: the pattern just past the last `*`, and the name
    // position that `*` has been extended to.
    let mut retry: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            if p[pi] == b'*' {
                while pi < p.len() && p[pi] == b'*' {
                    pi += 1;
                }
                if pi == p.len() {
                    return true;
                }
                retry = Some((pi, ni));
                continue;
            }
            if ni < n.len() {
                let c = char_at(name, ni);
                let step = match p[pi] {
                    b'?' => Some(pi + 1),
                    b'[' => match bracket(pattern, pi + 1, c, fold) {
                        Some((hit, end)) => hit.then_some(end),
                        None => literal(pattern, pi, c, fold),
                    },
                    b'\\' if pi + 1 < p.len() => literal(pattern, pi + 1, c, fold),
                    _ => literal(pattern, pi, c, fold),
                };
                if let Some(next) = step {
                    pi = next;
                    ni += c.len_utf8();
                    continue;
                }
            }
        } else if ni == n.len() {
            return true;
        }
        match retry {
            Some((rp, rn)) if rn < n.len() => {
                let rn = rn + char_at(name, rn).len_utf8();
                retry = Some((rp, rn));
                pi = rp;
                ni = rn;
            }
            _ => return false,
        }
    }
}

/// The character starting at byte `i` (a char boundary by construction).
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or('\0')
}

/// If the pattern character at `pi` equals `c`, the position after it.
fn literal(pattern: &str, pi: usize, c: char, fold: bool) -> Option<usize> {
    let pc = char_at(pattern, pi);
    same(pc, c, fold).then_some(pi + pc.len_utf8())
}

fn same(a: char, b: char, fold: bool) -> bool {
    a == b || (fold && fold_char(a) == fold_char(b))
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// Matches `c` against the bracket expression whose body starts at `start` (just past `[`):
/// whether it matched and the position past the closing `]`, or `None` when the bracket is
/// not closed (then `[` is an ordinary character).
fn bracket(pattern: &str, start: usize, c: char, fold: bool) -> Option<(bool, usize)> {
    let p = pattern.as_bytes();
    let mut i = start;
    let negate = matches!(p.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let &b = p.get(i)?;
        if b == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if b == b'['
            && p.get(i + 1) == Some(&b':')
            && let Some(len) = pattern[i + 2..].find(":]")
        {
            let class = &pattern[i + 2..i + 2 + len];
            hit |= in_class(class, c) || (fold && in_class(class, fold_char(c)));
            i += 2 + len + 2;
            continue;
        }
        let (lo, after) = bracket_char(pattern, i)?;
        i = after;
        // A range `lo-hi`, unless the `-` is the last thing before `]`.
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&x| x != b']') {
            let (hi, after) = bracket_char(pattern, i + 1)?;
            i = after;
            hit |= (lo..=hi).contains(&c)
                || (fold && {
                    let (l, u) = (fold_char(c), c.to_uppercase().next().unwrap_or(c));
                    (lo..=hi).contains(&l) || (lo..=hi).contains(&u)
                });
        } else {
            hit |= same(lo, c, fold);
        }
    }
}

/// The (possibly backslash-escaped) character at `i` in a bracket, and the position after it.
fn bracket_char(pattern: &str, i: usize) -> Option<(char, usize)> {
    let mut i = i;
    if pattern.as_bytes().get(i) == Some(&b'\\') && i + 1 < pattern.len() {
        i += 1;
    }
    let c = pattern.get(i..)?.chars().next()?;
    Some((c, i + c.len_utf8()))
}

/// POSIX character classes, in the C locale for ASCII and by Unicode category beyond.
fn in_class(class: &str, c: char) -> bool {
    match class {
        "alpha" => c.is_alphabetic(),
        "digit" => c.is_ascii_digit(),
        "alnum" => c.is_alphanumeric(),
        "upper" => c.is_uppercase(),
        "lower" => c.is_lowercase(),
        "space" => c.is_whitespace(),
        "blank" => c == ' ' || c == '\t',
        "punct" => c.is_ascii_punctuation(),
        "xdigit" => c.is_ascii_hexdigit(),
        "cntrl" => c.is_control(),
        "print" => !c.is_control(),
        "graph" => !c.is_control() && c != ' ',
        "word" => c.is_alphanumeric() || c == '_',
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_questions() {
        assert!(glob_match("*.rs", "main.rs"));
        assert!(glob_match("*.rs", ".rs"));
        assert!(!glob_match("*.rs", "main.rsx"));
        assert!(glob_match("a*b*c", "aXXbYYbZc"));
        assert!(!glob_match("a*b*c", "aXXbYYbZ"));
        assert!(glob_match("?", "é"));
        assert!(!glob_match("??", "é"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("?", ""));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "a"));
        assert!(glob_match("**x", "abx"));
        assert!(glob_match("a/*", "a/b/c"));
    }

    #[test]
    fn brackets() {
        assert!(glob_match("[abc]", "b"));
        assert!(!glob_match("[abc]", "d"));
        assert!(glob_match("[a-z]x", "qx"));
        assert!(glob_match("[!a-z]", "Q"));
        assert!(glob_match("[^a-z]", "1"));
        assert!(!glob_match("[!a-z]", "q"));
        assert!(glob_match("[]]", "]"));
        assert!(glob_match("[!]]", "a"));
        assert!(glob_match("[a-]", "-"));
        assert!(glob_match("[[:digit:]][[:alpha:]]", "1z"));
        assert!(!glob_match("[[:upper:]]", "z"));
        assert!(glob_match("[\\]]", "]"));
        assert!(glob_match("file[0-9].txt", "file7.txt"));
    }

    #[test]
    fn unclosed_bracket_is_literal() {
        assert!(glob_match("[abc", "[abc"));
        assert!(!glob_match("[abc", "a"));
        assert!(glob_match("a[", "a["));
    }

    #[test]
    fn escapes() {
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("\\*", "a"));
        assert!(glob_match("a\\?", "a?"));
        assert!(glob_match("\\[x]", "[x]"));
        assert!(glob_match("a\\", "a\\"));
    }

    #[test]
    fn case_folding() {
        assert!(glob_match_fold("*.TXT", "notes.txt"));
        assert!(glob_match_fold("[a-c]*", "Banana"));
        assert!(glob_match_fold("[[:lower:]]", "Q"));
        assert!(!glob_match("*.TXT", "notes.txt"));
    }

    #[test]
    fn pathological_pattern_is_fast() {
        let name = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        let start = std::time::Instant::now();
        assert!(!glob_match(&pattern, &name));
        assert!(start.elapsed().as_secs() < 2);
    }
}
