//! The line matching: Myers' O(ND) algorithm in linear space (bisect at the middle snake),
//! then GNU's `shift_boundaries` so changes sit where GNU diff puts them.

/// Edit distance beyond which one bisection gives up minimality and marks its whole range
/// changed: keeps wildly different large inputs from costing O(N·D) time without bound.
const MAX_COST: usize = 4096;

/// Which lines of `a` are deleted and which of `b` are inserted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Changes {
    pub a: Vec<bool>,
    pub b: Vec<bool>,
}

/// Lines are compared as ids: equal lines have equal ids.
pub(super) fn diff(a: &[u32], b: &[u32]) -> Changes {
    // A line with no equal in the other file is changed whatever the alignment, so it is
    // marked at once and left out of the search: files that share few lines (a rewrite)
    // then cost little, and the result stays minimal.
    let ids = a.iter().chain(b).max().map_or(0, |&m| m as usize + 1);
    let (mut in_a, mut in_b) = (vec![false; ids], vec![false; ids]);
    a.iter().for_each(|&x| in_a[x as usize] = true);
    b.iter().for_each(|&x| in_b[x as usize] = true);
    let keep_a: Vec<usize> = (0..a.len()).filter(|&i| in_b[a[i] as usize]).collect();
    let keep_b: Vec<usize> = (0..b.len()).filter(|&j| in_a[b[j] as usize]).collect();
    let fa: Vec<u32> = keep_a.iter().map(|&i| a[i]).collect();
    let fb: Vec<u32> = keep_b.iter().map(|&j| b[j]).collect();
    let mut kept = Changes {
        a: vec![false; fa.len()],
        b: vec![false; fb.len()],
    };
    compare(&fa, &fb, 0, 0, &mut kept);
    let mut changes = Changes {
        a: vec![true; a.len()],
        b: vec![true; b.len()],
    };
    for (k, &i) in keep_a.iter().enumerate() {
        changes.a[i] = kept.a[k];
    }
    for (k, &j) in keep_b.iter().enumerate() {
        changes.b[j] = kept.b[k];
    }
    shift_boundaries(a, &mut changes.a, &changes.b);
    shift_boundaries(b, &mut changes.b, &changes.a);
    changes
}

/// Marks the changes between `a` and `b`, which start at `a0` and `b0` in the whole files.
fn compare(mut a: &[u32], mut b: &[u32], mut a0: usize, mut b0: usize, c: &mut Changes) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    a = &a[prefix..];
    b = &b[prefix..];
    a0 += prefix;
    b0 += prefix;
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    a = &a[..a.len() - suffix];
    b = &b[..b.len() - suffix];
    if a.is_empty() || b.is_empty() {
        c.a[a0..a0 + a.len()].fill(true);
        c.b[b0..b0 + b.len()].fill(true);
        return;
    }
    match bisect(a, b) {
        Some((x, y)) => {
            compare(&a[..x], &b[..y], a0, b0, c);
            compare(&a[x..], &b[y..], a0 + x, b0 + y, c);
        }
        None => {
            c.a[a0..a0 + a.len()].fill(true);
            c.b[b0..b0 + b.len()].fill(true);
        }
    }
}

/// A point on an optimal edit path where the forward and backward searches meet, so that
/// both halves cost less than the whole; `None` past [`MAX_COST`].
fn bisect(a: &[u32], b: &[u32]) -> Option<(usize, usize)> {
    let n = a.len() as isize;
    let m = b.len() as isize;
    let max_d = (n + m + 1) / 2;
    let offset = max_d + 1;
    let len = (2 * max_d + 3) as usize;
    let mut v1 = vec![-1isize; len];
    let mut v2 = vec![-1isize; len];
    v1[(offset + 1) as usize] = 0;
    v2[(offset + 1) as usize] = 0;
    let delta = n - m;
    // With an odd delta the paths meet while extending forward, otherwise backward.
    let front = delta % 2 != 0;
    let (mut k1start, mut k1end, mut k2start, mut k2end) = (0, 0, 0, 0);
    for d in 0..max_d {
        if d as usize > MAX_COST {
            return None;
        }
        let mut k1 = -d + k1start;
        while k1 <= d - k1end {
            let i = (offset + k1) as usize;
            let mut x1 = if k1 == -d || (k1 != d && v1[i - 1] < v1[i + 1]) {
                v1[i + 1]
            } else {
                v1[i - 1] + 1
            };
            let mut y1 = x1 - k1;
            while x1 < n && y1 < m && a[x1 as usize] == b[y1 as usize] {
                x1 += 1;
                y1 += 1;
            }
            v1[i] = x1;
            if x1 > n {
                k1end += 2;
            } else if y1 > m {
                k1start += 2;
            } else if front {
                let j = offset + delta - k1;
                if j >= 0 && (j as usize) < len && v2[j as usize] != -1 && x1 >= n - v2[j as usize]
                {
                    return Some((x1 as usize, y1 as usize));
                }
            }
            k1 += 2;
        }
        let mut k2 = -d + k2start;
        while k2 <= d - k2end {
            let i = (offset + k2) as usize;
            let mut x2 = if k2 == -d || (k2 != d && v2[i - 1] < v2[i + 1]) {
                v2[i + 1]
            } else {
                v2[i - 1] + 1
            };
            let mut y2 = x2 - k2;
            while x2 < n && y2 < m && a[(n - x2 - 1) as usize] == b[(m - y2 - 1) as usize] {
                x2 += 1;
                y2 += 1;
            }
            v2[i] = x2;
            if x2 > n {
                k2end += 2;
            } else if y2 > m {
                k2start += 2;
            } else if !front {
                let j = offset + delta - k2;
                if j >= 0 && (j as usize) < len && v1[j as usize] != -1 {
                    let x1 = v1[j as usize];
                    let y1 = x1 - (j - offset);
                    if x1 >= n - x2 {
                        return Some((x1 as usize, y1 as usize));
                    }
                }
            }
            k2 += 2;
        }
    }
    None
}

/// GNU's `shift_boundaries`: slide each run of changes in one file to merge with its
/// neighbours, then as far down as it goes, then back up to line up with a run of changes in
/// the other file. Runs of identical lines (`}` then blank) end up where GNU shows them.
fn shift_boundaries(ids: &[u32], changed: &mut [bool], other: &[bool]) {
    let end = ids.len();
    // Out-of-range lines count as unchanged, as GNU's sentinels do.
    let is = |v: &[bool], k: isize| k >= 0 && (k as usize) < v.len() && v[k as usize];
    let mut i = 0usize;
    let mut j: isize = 0;
    loop {
        while i < end && !changed[i] {
            while is(other, j) {
                j += 1;
            }
            j += 1;
            i += 1;
        }
        if i == end {
            break;
        }
        let mut start = i;
        i += 1;
        while i < end && changed[i] {
            i += 1;
        }
        while is(other, j) {
            j += 1;
        }
        let mut corresponding;
        loop {
            let run = i - start;
            while start > 0 && ids[start - 1] == ids[i - 1] {
                start -= 1;
                changed[start] = true;
                i -= 1;
                changed[i] = false;
                while start > 0 && changed[start - 1] {
                    start -= 1;
                }
                j -= 1;
                while is(other, j) {
                    j -= 1;
                }
            }
            corresponding = if is(other, j - 1) { i } else { end };
            while i != end && ids[start] == ids[i] {
                changed[start] = false;
                start += 1;
                changed[i] = true;
                i += 1;
                while i < end && changed[i] {
                    i += 1;
                }
                j += 1;
                while is(other, j) {
                    j += 1;
                    corresponding = i;
                }
            }
            if run == i - start {
                break;
            }
        }
        while corresponding < i {
            start -= 1;
            changed[start] = true;
            i -= 1;
            changed[i] = false;
            j -= 1;
            while is(other, j) {
                j -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edit distance the marks imply, checked against an O(NM) LCS.
    fn cost(c: &Changes) -> usize {
        c.a.iter().chain(&c.b).filter(|&&x| x).count()
    }

    fn lcs_cost(a: &[u32], b: &[u32]) -> usize {
        let mut t = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                t[i][j] = if a[i] == b[j] {
                    t[i + 1][j + 1] + 1
                } else {
                    t[i + 1][j].max(t[i][j + 1])
                };
            }
        }
        a.len() + b.len() - 2 * t[0][0]
    }

    /// The unchanged lines of both sides must be the same sequence.
    fn consistent(a: &[u32], b: &[u32], c: &Changes) -> bool {
        let ka: Vec<_> = a
            .iter()
            .zip(&c.a)
            .filter(|(_, x)| !**x)
            .map(|(v, _)| v)
            .collect();
        let kb: Vec<_> = b
            .iter()
            .zip(&c.b)
            .filter(|(_, x)| !**x)
            .map(|(v, _)| v)
            .collect();
        ka == kb
    }

    #[test]
    fn minimal_on_pseudo_random_inputs() {
        let mut seed = 0x1234_5678u64;
        let mut next = |k: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % k) as u32
        };
        for round in 0..300 {
            let alphabet = 2 + round % 5;
            let la = next(30) as usize;
            let lb = next(30) as usize;
            let a: Vec<u32> = (0..la).map(|_| next(alphabet)).collect();
            let b: Vec<u32> = (0..lb).map(|_| next(alphabet)).collect();
            let c = diff(&a, &b);
            assert!(consistent(&a, &b, &c), "{a:?} {b:?}");
            assert_eq!(cost(&c), lcs_cost(&a, &b), "{a:?} {b:?}");
        }
    }

    #[test]
    fn inserted_block_slides_down_like_gnu() {
        // a: x } _ y   b: x } _ z } _ y: GNU diff 3.8 shows `3a4,6` (z } _ inserted).
        let a = [1, 2, 3, 4];
        let b = [1, 2, 3, 5, 2, 3, 4];
        let c = diff(&a, &b);
        assert_eq!(c.b, [false, false, false, true, true, true, false]);
    }
}
