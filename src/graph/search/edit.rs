//! Bounded edit distance, for typos: whether two words are within a few edits (Levenshtein,
//! over a diagonal band). Knows nothing of the index.

use super::MAX_EDITS;

pub(super) fn typo_allowance(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => MAX_EDITS,
    }
}

/// Whether the Levenshtein distance between `a` and `b` is at most `max` (and `max > 0`).
/// Does not allocate for ASCII text or for words of up to 32 characters.
pub(super) fn within_edits(a: &str, b: &str, max: usize) -> bool {
    if max == 0 {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        return within_edits_of(a.as_bytes(), b.as_bytes(), max);
    }
    const N: usize = 32;
    let (mut ca, mut cb) = (['\0'; N], ['\0'; N]);
    let (mut na, mut nb) = (0, 0);
    for c in a.chars() {
        if na == N {
            break;
        }
        ca[na] = c;
        na += 1;
    }
    for c in b.chars() {
        if nb == N {
            break;
        }
        cb[nb] = c;
        nb += 1;
    }
    if na < N && nb < N {
        within_edits_of(&ca[..na], &cb[..nb], max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        within_edits_of(&a, &b, max)
    }
}

/// Bounded Levenshtein distance over a diagonal band of width `2 * max + 1` (Ukkonen), with an
/// early exit once a whole row exceeds `max`. Distances are capped at `max + 1`.
fn within_edits_of<T: PartialEq>(a: &[T], b: &[T], max: usize) -> bool {
    const W: usize = 2 * MAX_EDITS + 1;
    let k = max.min(MAX_EDITS);
    if max > MAX_EDITS || a.len().abs_diff(b.len()) > k {
        // Never asked for (allowances are at most MAX_EDITS); keep the answer exact anyway.
        return max > MAX_EDITS && plain_distance(a, b) <= max;
    }
    let width = 2 * k + 1;
    let inf = k + 1;
    // Row i holds D[i][j] for j = i + d - k, d in 0..width.
    let mut prev = [inf; W];
    for (d, cell) in prev.iter_mut().enumerate().take(width) {
        if d >= k && d - k <= b.len() {
            *cell = d - k;
        }
    }
    for i in 1..=a.len() {
        let mut cur = [inf; W];
        let mut row_min = inf;
        for d in 0..width {
            let Some(j) = (i + d).checked_sub(k) else {
                continue;
            };
            if j > b.len() {
                break;
            }
            let v = if j == 0 {
                i
            } else {
                let mut v = prev[d] + usize::from(a[i - 1] != b[j - 1]);
                if d + 1 < width {
                    v = v.min(prev[d + 1] + 1);
                }
                if d >= 1 {
                    v = v.min(cur[d - 1] + 1);
                }
                v
            };
            cur[d] = v.min(inf);
            row_min = row_min.min(cur[d]);
        }
        if row_min > k {
            return false;
        }
        prev = cur;
    }
    prev[b.len() + k - a.len()] <= k
}

/// Full Levenshtein distance (for allowances beyond the band; not used by search itself).
fn plain_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_is_bounded() {
        assert!(within_edits("scandium", "scandum", 1));
        assert!(within_edits("dysprosium", "dysprosuim", 2));
        assert!(!within_edits("terbium", "erbium", 0));
        assert!(!within_edits("magnet", "market", 1));
    }

    #[test]
    fn banded_edit_distance_agrees_with_the_full_one() {
        // Every pair of words of up to 5 letters over a 3-letter alphabet, at every allowance.
        let mut words = vec![String::new()];
        for len in 1..=5 {
            let mut next = Vec::new();
            for w in words.iter().filter(|w| w.len() == len - 1) {
                for c in ['a', 'b', 'c'] {
                    next.push(format!("{w}{c}"));
                }
            }
            words.extend(next);
        }
        for a in &words {
            for b in &words {
                let full = plain_distance(a.as_bytes(), b.as_bytes());
                for max in 0..=3 {
                    let expected = max > 0 && full <= max;
                    assert_eq!(within_edits(a, b, max), expected, "{a:?} {b:?} {max}");
                }
            }
        }
        assert!(within_edits("稀土标准化", "稀土標准化", 1));
        assert!(!within_edits("稀土标准化", "土标准化委", 1));
    }
}
