//! Answering a search: candidates from prefixes, Chinese bigrams and typos, then each
//! candidate's key record scored against the folded query (see the parent module for the
//! rules). Knows the index's layout; nothing of how it was built or stored.

use super::edit::{typo_allowance, within_edits};
use super::fold::{cjk_bigrams_into, fold_into, is_cjk};
use super::{
    MAX_PREFIX_CANDIDATES, MAX_QUERY_CHARS, MAX_TYPO_CANDIDATES, SearchHit, SearchIndex, WEIGHTS,
    partition,
};
use crate::graph::{EntityKey, varint};

impl SearchIndex {
    /// Up to `first` hits for `query` among entities that pass `keep`, best first.
    pub(in crate::graph) fn search(
        &self,
        query: &str,
        first: usize,
        keep: impl Fn(EntityKey) -> bool,
    ) -> Vec<SearchHit> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let mut folded = String::new();
        fold_into(&query, &mut folded);
        let q_tokens: Vec<QueryToken<'_>> =
            folded.split_whitespace().map(QueryToken::new).collect();
        if q_tokens.is_empty() || first == 0 {
            return Vec::new();
        }
        let q_compact: String = q_tokens.iter().map(|t| t.text).collect();
        let q = Query {
            compact_chars: q_compact.chars().count(),
            compact: &q_compact,
            tokens: &q_tokens,
        };
        let mut candidates: Vec<u32> = Vec::new();
        let mut bigrams = Vec::new();
        for term in q_tokens
            .iter()
            .map(|t| t.text)
            .chain(std::iter::once(q_compact.as_str()))
        {
            self.prefix_candidates(term, &mut candidates);
            cjk_bigrams_into(term, &mut bigrams);
            if !bigrams.is_empty() {
                self.cjk_candidates(&bigrams, &mut candidates);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let few = candidates.len() < first;
        let before = candidates.len();
        for token in &q_tokens {
            if few || self.prefix_count(token.text) < first {
                self.fuzzy_candidates(token, &mut candidates);
            }
        }
        if candidates.len() > before {
            candidates.sort_unstable();
            candidates.dedup();
        }
        let mut hits: Vec<(SearchHit, usize)> = candidates
            .into_iter()
            .map(EntityKey)
            .filter(|k| keep(*k))
            .filter_map(|k| {
                let (score, name_len) = self.score(k.0 as usize, &q);
                (score > 0.0).then_some((SearchHit { entity: k, score }, name_len))
            })
            .collect();
        let order = |(a, la): &(SearchHit, usize), (b, lb): &(SearchHit, usize)| {
            b.score
                .total_cmp(&a.score)
                .then(la.cmp(lb))
                .then(a.entity.cmp(&b.entity))
        };
        if hits.len() > first {
            hits.select_nth_unstable_by(first - 1, order);
            hits.truncate(first);
        }
        hits.sort_unstable_by(order);
        hits.into_iter().map(|(h, _)| h).collect()
    }

    /// Entity `e`'s best weighted key score, and its name's length in characters.
    fn score(&self, e: usize, q: &Query<'_>) -> (f64, usize) {
        let Some(&(start, end)) = self.key_span.get(e) else {
            return (0.0, 0);
        };
        let mut record = Reader(
            self.keys
                .get(start as usize..end as usize)
                .unwrap_or_default(),
        );
        let name_len = record.varint();
        let mut best = 0.0;
        while let Some(tag) = record.byte() {
            let weight = WEIGHTS[usize::from(tag).min(WEIGHTS.len() - 1)];
            let count = record.varint();
            let lens = record.0;
            let mut total = 0;
            for _ in 0..count {
                total += record.varint();
            }
            let lens = &lens[..lens.len() - record.0.len()];
            let compact = record.take(total);
            best = f64::max(best, weight * score_key(compact, lens, q));
        }
        (best, name_len)
    }

    /// The first [`MAX_PREFIX_CANDIDATES`] postings of the terms starting with `prefix`, in term
    /// then entity order: one contiguous slice.
    fn prefix_candidates(&self, prefix: &str, out: &mut Vec<u32>) {
        let ranks = self.prefix_ranks(prefix);
        if ranks.is_empty() {
            return;
        }
        let base = self.post_start[ranks.start] as usize;
        let end = (self.post_start[ranks.end] as usize).min(base + MAX_PREFIX_CANDIDATES);
        out.extend_from_slice(&self.postings[base..end]);
    }

    /// Entities that have every bigram of a Chinese query: the first [`MAX_PREFIX_CANDIDATES`],
    /// in entity order.
    fn cjk_candidates(&self, bigrams: &[String], out: &mut Vec<u32>) {
        let mut lists: Vec<&[u32]> = Vec::with_capacity(bigrams.len());
        for b in bigrams {
            match self.rank_of(b) {
                Some(r) => lists.push(self.list(r)),
                None => return,
            }
        }
        lists.sort_by_key(|l| l.len());
        if let Some((shortest, rest)) = lists.split_first() {
            out.extend(
                shortest
                    .iter()
                    .filter(|k| rest.iter().all(|l| l.binary_search(k).is_ok()))
                    .take(MAX_PREFIX_CANDIDATES),
            );
        }
    }

    /// Entities with a term within the typo allowance of `token` (same first character), up
    /// to [`MAX_TYPO_CANDIDATES`] postings. Only the dictionary entries with the same first
    /// character and a length within the allowance are compared.
    fn fuzzy_candidates(&self, token: &QueryToken<'_>, out: &mut Vec<u32>) {
        let allowed = token.allowance;
        let Some(first) = token.first else {
            return;
        };
        if allowed == 0 {
            return;
        }
        let key = |i: usize| {
            let term = self.term(self.typo_terms[i] as usize);
            (term.chars().next(), term.chars().count())
        };
        let lo_len = token.chars.saturating_sub(allowed);
        let lo = partition(self.typo_terms.len(), |i| key(i) < (Some(first), lo_len));
        let hi = lo
            + partition(self.typo_terms.len() - lo, |i| {
                key(lo + i) <= (Some(first), token.chars + allowed)
            });
        let mut budget = MAX_TYPO_CANDIDATES;
        for &r in &self.typo_terms[lo..hi] {
            if budget == 0 {
                break;
            }
            if within_edits(token.text, self.term(r as usize), allowed) {
                let list = self.list(r as usize);
                let list = &list[..list.len().min(budget)];
                budget -= list.len();
                out.extend_from_slice(list);
            }
        }
    }
}

/// A folded query token with what matching it needs, computed once.
struct QueryToken<'a> {
    text: &'a str,
    chars: usize,
    first: Option<char>,
    /// The length in bytes of the first character.
    first_len: usize,
    has_cjk: bool,
    allowance: usize,
}

impl<'a> QueryToken<'a> {
    fn new(text: &'a str) -> Self {
        let chars = text.chars().count();
        QueryToken {
            text,
            chars,
            first: text.chars().next(),
            first_len: text.chars().next().map_or(0, char::len_utf8),
            has_cjk: text.chars().any(is_cjk),
            allowance: typo_allowance(chars),
        }
    }
}

struct Query<'a> {
    compact: &'a str,
    compact_chars: usize,
    tokens: &'a [QueryToken<'a>],
}

/// One key's score: `compact` is its tokens concatenated, `lens` their lengths in bytes
/// (varints).
fn score_key(compact: &[u8], lens: &[u8], q: &Query<'_>) -> f64 {
    let qc = q.compact.as_bytes();
    if compact == qc {
        return 1.0;
    }
    let q_len = q.compact_chars;
    if compact.starts_with(qc) && !compact.is_empty() {
        let key_len = char_count(compact);
        return 0.85 + 0.1 * (q_len as f64 / key_len as f64);
    }
    if q_len >= 2 && contains(compact, qc) {
        return 0.7;
    }
    let total: f64 = q
        .tokens
        .iter()
        .map(|qt| {
            // Exact, prefix and Chinese matches first: they all beat a typo, so the edit
            // distance is only computed for a query token that matched nothing else.
            let best = key_tokens(compact, lens)
                .map(|t| token_match(t, qt))
                .fold(0.0, f64::max);
            if best > 0.0 || qt.allowance == 0 {
                return best;
            }
            let typo = key_tokens(compact, lens).any(|t| is_typo(t, qt));
            if typo { 0.6 } else { 0.0 }
        })
        .sum();
    0.75 * total / q.tokens.len() as f64
}

/// The tokens of a key, from its compact form and its tokens' lengths.
fn key_tokens<'a>(compact: &'a [u8], lens: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
    let mut lens = Reader(lens);
    let mut rest = compact;
    std::iter::from_fn(move || {
        if lens.0.is_empty() {
            return None;
        }
        let (token, tail) = rest.split_at(lens.varint().min(rest.len()));
        rest = tail;
        Some(token)
    })
}

/// How well one key token matches one query token (both folded, as UTF-8 bytes), short of a
/// typo: exact 1, prefix 0.8, Chinese substring 0.7 (a typo, 0.6, is [`is_typo`]).
fn token_match(token: &[u8], q: &QueryToken<'_>) -> f64 {
    let qt = q.text.as_bytes();
    if token == qt {
        1.0
    } else if q.chars >= 2 && token.starts_with(qt) {
        0.8
    } else if q.has_cjk && contains(token, qt) {
        0.7
    } else {
        0.0
    }
}

/// Whether a key token is within the query token's typo allowance, same first character.
fn is_typo(token: &[u8], q: &QueryToken<'_>) -> bool {
    q.allowance > 0
        && token.starts_with(&q.text.as_bytes()[..q.first_len])
        && char_count(token).abs_diff(q.chars) <= q.allowance
        && std::str::from_utf8(token).is_ok_and(|t| within_edits(q.text, t, q.allowance))
}

/// Whether `needle` occurs in `hay` (bytes; on UTF-8 text a match is whole characters).
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    (0..=hay.len() - needle.len()).any(|i| hay[i] == first && hay[i + 1..i + needle.len()] == *rest)
}

/// The number of characters in UTF-8 `bytes`.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Reads a record of `SearchIndex::keys`.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A varint; 0 for a malformed one (only a damaged snapshot gives one: records are
    /// checked for their bounds, not their content, and a wrong number never panics).
    fn varint(&mut self) -> usize {
        varint::read(|| self.byte())
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_substring_search() {
        assert!(contains(b"gbt135602017", b"13560"));
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
        assert!(contains("全国稀土".as_bytes(), "稀土".as_bytes()));
        assert!(!contains(b"aab", b"ba"));
    }
}
