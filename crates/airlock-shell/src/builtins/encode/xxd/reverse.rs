//! `xxd -r`: hex back to bytes, with xxd's own tolerance for what surrounds the hex.

/// Decodes a dump. `plain`: hex digits anywhere, whitespace ignored; otherwise each line is
/// `OFFSET: HEX...  text`, where the text column is skipped and gaps between offsets are
/// filled with zeros. `base` is added to the offsets (`-s`).
pub(super) fn reverse(
    input: &[u8],
    plain: bool,
    cols: Option<usize>,
    base: u64,
) -> Result<Vec<u8>, String> {
    let cols = cols
        .filter(|&c| c > 0)
        .unwrap_or(if plain { 30 } else { 16 });
    let mut out = Vec::new();
    // Follows xxd.c's `huntype`: n1..n3 are the last three nibbles (-1: not hex).
    let mut n1: i32 = -1;
    let mut n2: i32 = -1;
    let mut ignore = true;
    let mut p = cols;
    let mut want: u64 = 0;
    let mut have: u64 = 0;
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        i += 1;
        if c == b'\r' || (plain && matches!(c, b' ' | b'\n' | b'\t')) {
            continue;
        }
        let n3 = n2;
        n2 = n1;
        n1 = (c as char).to_digit(16).map_or(-1, |d| d as i32);
        if n1 == -1 && ignore {
            if c == b'\n' {
                p = cols;
            }
            continue;
        }
        ignore = false;
        if p >= cols {
            if !plain {
                if n1 < 0 {
                    p = 0;
                    continue;
                }
                want = (want << 4) | n1 as u64;
                continue;
            }
            p = 0;
        }
        let target = base + want;
        if target < have {
            return Err("Sorry, cannot seek backwards.".to_string());
        }
        if target > have {
            let gap = usize::try_from(target - have).map_err(|_| "offset too large".to_string())?;
            out.resize(out.len() + gap, 0);
            have = target;
        }
        let mut skip_line = false;
        if n2 >= 0 && n1 >= 0 {
            out.push(((n2 << 4) | n1) as u8);
            have += 1;
            want += 1;
            n1 = -1;
            p += 1;
            skip_line = !plain && p >= cols;
        } else if n1 < 0 && n2 < 0 && n3 < 0 {
            skip_line = true;
        }
        let mut at = c;
        if skip_line && c != b'\n' {
            match memchr::memchr(b'\n', &input[i..]) {
                Some(k) => {
                    i += k + 1;
                    at = b'\n';
                }
                None => i = input.len(),
            }
        }
        if at == b'\n' {
            if !plain {
                want = 0;
            }
            p = cols;
            ignore = true;
        }
    }
    Ok(out)
}
