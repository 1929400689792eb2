//! Full-text search over names, aliases, standard codes and id slugs.
//!
//! Text is folded before indexing and querying: Unicode NFKD, combining marks dropped (so
//! "Sánchez" = "sanchez"), lowercased, and every non-alphanumeric character treated as a space.
//! Each key also has a *compact* form with no spaces, so codes written loosely match
//! ("GB/T 13560", "gbt13560-2017" and "GBT13560 2017" all fold to a prefix of
//! `gbt135602017`). Chinese text is indexed by character bigrams, so any two-character run of a
//! Chinese name finds it.
//!
//! Scoring, per key, best key wins (1.0 is an exact match of the whole name):
//! exact compact match 1.0; compact prefix 0.85-0.95; compact substring 0.7; otherwise 0.75 times
//! the mean per-token match (exact 1, prefix 0.8, CJK substring 0.7, typo 0.6). A typo is an
//! edit distance of 1 for tokens of 4-7 characters and 2 for longer ones; the first character
//! must match. Aliases weigh 0.95, id slugs 0.9. Ties go to the shorter name, then the id.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::EntityKey;
use crate::model::{Details, Entity};

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    /// The entity found.
    pub entity: EntityKey,
    /// Relevance in (0, 1]; 1 is an exact match of the name, a code or an alias.
    pub score: f64,
}

/// How many entities one prefix may pull in as candidates; bounds the cost of short queries.
const MAX_PREFIX_CANDIDATES: usize = 5_000;
/// How many entities the typos of one query token may pull in as candidates.
const MAX_TYPO_CANDIDATES: usize = 5_000;
/// Longest query, in characters, that is scored; longer ones are cut (search is for names).
const MAX_QUERY_CHARS: usize = 200;
/// The largest typo allowance ([`typo_allowance`]); bounds the edit-distance band.
const MAX_EDITS: usize = 2;
/// The weights of the kinds of key (name or code, alias, id slug), by their tag in `key_text`.
const WEIGHTS: [f64; 3] = [1.0, 0.95, 0.9];

/// The inverted index: sorted folded terms -> entities, plus each entity's folded keys for
/// scoring. Everything lives in a few flat arrays (no per-term or per-entity allocation).
#[derive(Debug, Default)]
pub(super) struct SearchIndex {
    /// Every distinct term (key tokens, compact keys, Chinese bigrams), concatenated in sorted
    /// order; term `r` is `term_text[term_start[r]..term_start[r + 1]]`.
    term_text: String,
    term_start: Vec<u32>,
    /// Term `r`'s entities, sorted: `postings[post_start[r]..post_start[r + 1]]`. A prefix's
    /// terms are a run of ranks, so its postings are one contiguous slice.
    postings: Vec<u32>,
    post_start: Vec<u32>,
    /// The ranks of the terms of two or more characters, sorted by (first character, length in
    /// characters, rank): the typo dictionary, searched by first character and length.
    typo_terms: Vec<u32>,
    /// Each entity's folded keys: `key_text[key_span[e].0..key_span[e].1]`, one key a line, a
    /// line being the weight tag (`0`, `1`, `2`: see [`WEIGHTS`]) then the tokens joined by
    /// spaces.
    key_text: String,
    key_span: Vec<(u32, u32)>,
    /// Each entity's name length in characters (ties go to the shorter name).
    name_len: Vec<u32>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("the search index stays under 4 GiB")
}

impl SearchIndex {
    pub(super) fn build<'a>(entities: impl Iterator<Item = (EntityKey, &'a Entity)>) -> Self {
        let mut interner = Interner::default();
        // (term id, entity), entities in the order given (keys increase in practice).
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut key_text = String::new();
        let mut key_span: Vec<(u32, u32)> = Vec::new();
        let mut name_len: Vec<u32> = Vec::new();
        let mut folded = String::new();
        let mut compact = String::new();
        let mut bigrams = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        for (key, entity) in entities {
            let e = key.0 as usize;
            if key_span.len() <= e {
                key_span.resize(e + 1, (0, 0));
                name_len.resize(e + 1, 0);
            }
            name_len[e] = to_u32(entity.name.chars().count());
            let start = key_text.len();
            let code = match &entity.details {
                Details::Standard(s) => s.code.as_deref(),
                _ => None,
            };
            let slug = entity.id.as_str().split_once(':').map_or("", |(_, s)| s);
            let keys = std::iter::once((entity.name.as_str(), b'0'))
                .chain(entity.aliases.iter().map(|a| (a.as_str(), b'1')))
                .chain(code.map(|c| (c, b'0')))
                .chain(std::iter::once((slug, b'2')));
            ids.clear();
            for (text, tag) in keys {
                folded.clear();
                fold_into(text, &mut folded);
                if folded.split_whitespace().next().is_none() {
                    continue;
                }
                compact.clear();
                key_text.push(char::from(tag));
                for (i, token) in folded.split_whitespace().enumerate() {
                    if i > 0 {
                        key_text.push(' ');
                    }
                    key_text.push_str(token);
                    compact.push_str(token);
                    ids.push(interner.id(token));
                    cjk_bigrams_into(token, &mut bigrams);
                    ids.extend(bigrams.iter().map(|b| interner.id(b)));
                }
                key_text.push('\n');
                ids.push(interner.id(&compact));
                cjk_bigrams_into(&compact, &mut bigrams);
                ids.extend(bigrams.iter().map(|b| interner.id(b)));
            }
            key_span[e] = (to_u32(start), to_u32(key_text.len()));
            ids.sort_unstable();
            ids.dedup();
            pairs.extend(ids.iter().map(|&t| (t, key.0)));
        }

        // Rank the terms in byte order (as a BTreeMap<str> would), sorting on an 8-byte prefix
        // first so that most comparisons are of integers.
        let terms = interner.len();
        let mut order: Vec<(u64, u32)> = (0..terms)
            .map(|id| (prefix_u64(interner.get(id)), to_u32(id)))
            .collect();
        order.sort_unstable_by(|(pa, a), (pb, b)| {
            pa.cmp(pb)
                .then_with(|| interner.get(*a as usize).cmp(interner.get(*b as usize)))
        });
        let mut rank = vec![0u32; terms];
        let mut term_text = String::with_capacity(interner.text.len());
        let mut term_start = Vec::with_capacity(terms + 1);
        for (r, (_, id)) in order.iter().enumerate() {
            rank[*id as usize] = to_u32(r);
            term_start.push(to_u32(term_text.len()));
            term_text.push_str(interner.get(*id as usize));
        }
        term_start.push(to_u32(term_text.len()));
        drop(order);
        drop(interner);

        // Postings by counting sort on the rank: stable, so each list keeps the entities' order.
        let mut post_start = vec![0u32; terms + 1];
        for (t, _) in &pairs {
            post_start[rank[*t as usize] as usize + 1] += 1;
        }
        for r in 0..terms {
            post_start[r + 1] += post_start[r];
        }
        let mut fill: Vec<u32> = post_start[..terms].to_vec();
        let mut postings = vec![0u32; pairs.len()];
        for (t, e) in &pairs {
            let r = rank[*t as usize] as usize;
            postings[fill[r] as usize] = *e;
            fill[r] += 1;
        }
        drop(pairs);
        drop(fill);
        for r in 0..terms {
            let list = &mut postings[post_start[r] as usize..post_start[r + 1] as usize];
            if !list.is_sorted() {
                list.sort_unstable();
            }
        }

        let mut index = SearchIndex {
            term_text,
            term_start,
            postings,
            post_start,
            typo_terms: Vec::new(),
            key_text,
            key_span,
            name_len,
        };
        let mut typo: Vec<(char, u32, u32)> = (0..terms)
            .filter_map(|r| {
                let term = index.term(r);
                let len = term.chars().count();
                let first = term.chars().next()?;
                (len >= 2).then(|| (first, to_u32(len), to_u32(r)))
            })
            .collect();
        typo.sort_unstable();
        index.typo_terms = typo.into_iter().map(|(_, _, r)| r).collect();
        index
    }

    fn term(&self, rank: usize) -> &str {
        &self.term_text[self.term_start[rank] as usize..self.term_start[rank + 1] as usize]
    }

    fn list(&self, rank: usize) -> &[u32] {
        &self.postings[self.post_start[rank] as usize..self.post_start[rank + 1] as usize]
    }

    /// The ranks of the terms that start with `prefix`.
    fn prefix_ranks(&self, prefix: &str) -> std::ops::Range<usize> {
        let terms = self.term_start.len().saturating_sub(1);
        let lo = partition(terms, |r| self.term(r) < prefix);
        let hi = lo + partition(terms - lo, |i| self.term(lo + i).starts_with(prefix));
        lo..hi
    }

    /// The rank of exactly `term`, if indexed.
    fn rank_of(&self, term: &str) -> Option<usize> {
        let r = self.prefix_ranks(term).start;
        (r < self.term_start.len().saturating_sub(1) && self.term(r) == term).then_some(r)
    }

    /// Up to `first` hits for `query` among entities that pass `keep`, best first.
    pub(super) fn search(
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
        if candidates.len() < first {
            for token in &q_tokens {
                self.fuzzy_candidates(token, &mut candidates);
            }
            candidates.sort_unstable();
            candidates.dedup();
        }
        let mut scratch = String::new();
        let mut hits: Vec<(SearchHit, u32)> = candidates
            .into_iter()
            .map(EntityKey)
            .filter(|k| keep(*k))
            .filter_map(|k| {
                let score = self.score(k.0 as usize, &q, &mut scratch);
                let name_len = *self.name_len.get(k.0 as usize)?;
                (score > 0.0).then_some((SearchHit { entity: k, score }, name_len))
            })
            .collect();
        let order = |(a, la): &(SearchHit, u32), (b, lb): &(SearchHit, u32)| {
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

    /// Entity `e`'s best weighted key score.
    fn score(&self, e: usize, q: &Query<'_>, compact: &mut String) -> f64 {
        let Some(&(start, end)) = self.key_span.get(e) else {
            return 0.0;
        };
        let mut best = 0.0;
        for line in self.key_text[start as usize..end as usize].lines() {
            let Some(tag) = line.bytes().next() else {
                continue;
            };
            let weight = WEIGHTS[usize::from(tag.wrapping_sub(b'0')).min(WEIGHTS.len() - 1)];
            let tokens = &line[1..];
            compact.clear();
            compact.extend(tokens.split(' '));
            best = f64::max(best, weight * score_key(compact, tokens, q));
        }
        best
    }

    /// The postings of the terms starting with `prefix`, whole lists in term order until
    /// [`MAX_PREFIX_CANDIDATES`] is reached (the list that reaches it is included).
    fn prefix_candidates(&self, prefix: &str, out: &mut Vec<u32>) {
        let ranks = self.prefix_ranks(prefix);
        if ranks.is_empty() {
            return;
        }
        let base = self.post_start[ranks.start] as usize;
        let ends = &self.post_start[ranks.start + 1..=ranks.end];
        let within = partition(ends.len(), |i| {
            (ends[i] as usize - base) < MAX_PREFIX_CANDIDATES
        });
        let end = ends[within.min(ends.len() - 1)] as usize;
        out.extend_from_slice(&self.postings[base..end]);
    }

    /// Entities that have every bigram of a Chinese query.
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
                    .filter(|k| rest.iter().all(|l| l.binary_search(k).is_ok())),
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
        let mut added = 0;
        for &r in &self.typo_terms[lo..hi] {
            if added >= MAX_TYPO_CANDIDATES {
                break;
            }
            if within_edits(token.text, self.term(r as usize), allowed) {
                let list = self.list(r as usize);
                added += list.len();
                out.extend_from_slice(list);
            }
        }
    }
}

/// The first index in `0..n` for which `pred` is false (`pred` true then false over `0..n`).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The first 8 bytes of `s`, big-endian, zero-padded: orders as `s` does, up to ties.
fn prefix_u64(s: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = s.len().min(8);
    bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// Distinct strings, each stored once in one buffer, numbered in order of first appearance.
#[derive(Default)]
struct Interner {
    text: String,
    /// String `i` is `text[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    /// Open addressing by hash; `u32::MAX` is empty.
    table: Vec<u32>,
}

impl Interner {
    fn len(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    fn get(&self, id: usize) -> &str {
        &self.text[self.start[id]..self.start[id + 1]]
    }

    fn id(&mut self, s: &str) -> u32 {
        if self.start.is_empty() {
            self.start.push(0);
        }
        if 2 * (self.len() + 1) > self.table.len() {
            self.grow();
        }
        let mask = self.table.len() - 1;
        let mut slot = hash(s) as usize & mask;
        loop {
            let id = self.table[slot];
            if id == u32::MAX {
                let id = to_u32(self.len());
                self.text.push_str(s);
                self.start.push(self.text.len());
                self.table[slot] = id;
                return id;
            }
            if self.get(id as usize) == s {
                return id;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(1024);
        self.table = vec![u32::MAX; size];
        let mask = size - 1;
        for id in 0..self.len() {
            let mut slot = hash(self.get(id)) as usize & mask;
            while self.table[slot] != u32::MAX {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = to_u32(id);
        }
    }
}

/// A fast non-cryptographic string hash (FxHash steps, then a mix of the high bits down).
fn hash(s: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = s.len() as u64;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// A folded query token with what matching it needs, computed once.
struct QueryToken<'a> {
    text: &'a str,
    chars: usize,
    first: Option<char>,
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

/// One key's score: `compact` is its tokens without spaces, `tokens` its tokens joined by
/// spaces.
fn score_key(compact: &str, tokens: &str, q: &Query<'_>) -> f64 {
    if compact == q.compact {
        return 1.0;
    }
    let q_len = q.compact_chars;
    if compact.starts_with(q.compact) && !compact.is_empty() {
        let key_len = compact.chars().count();
        return 0.85 + 0.1 * (q_len as f64 / key_len as f64);
    }
    if q_len >= 2 && compact.contains(q.compact) {
        return 0.7;
    }
    let total: f64 = q
        .tokens
        .iter()
        .map(|qt| {
            tokens
                .split(' ')
                .map(|t| token_match(t, qt))
                .fold(0.0, f64::max)
        })
        .sum();
    0.75 * total / q.tokens.len() as f64
}

fn token_match(token: &str, q: &QueryToken<'_>) -> f64 {
    if token == q.text {
        1.0
    } else if q.chars >= 2 && token.starts_with(q.text) {
        0.8
    } else if q.has_cjk && token.contains(q.text) {
        0.7
    } else if q.allowance > 0
        && token.chars().next() == q.first
        && within_edits(q.text, token, q.allowance)
    {
        0.6
    } else {
        0.0
    }
}

fn typo_allowance(chars: usize) -> usize {
    match chars {
        0..=3 => 0,
        4..=7 => 1,
        _ => MAX_EDITS,
    }
}

/// Whether the Levenshtein distance between `a` and `b` is at most `max` (and `max > 0`).
/// Does not allocate for ASCII text or for words of up to 32 characters.
fn within_edits(a: &str, b: &str, max: usize) -> bool {
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
fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Folds text for matching, into `out`: NFKD, no combining marks, lowercase, non-alphanumerics
/// as spaces.
fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        // Fast path, same result: ASCII is its own NFKD and has no combining marks.
        out.extend(text.bytes().map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b.to_ascii_lowercase())
            } else {
                ' '
            }
        }));
        return;
    }
    out.extend(
        text.nfkd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .map(|c| if c.is_alphanumeric() { c } else { ' ' }),
    );
}

#[cfg(test)]
fn tokens(folded: &str) -> Vec<Box<str>> {
    folded.split_whitespace().map(Box::from).collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Two-character windows of the Chinese runs in `text` (a lone character counts as one), into
/// `out` (cleared first).
fn cjk_bigrams_into(text: &str, out: &mut Vec<String>) {
    out.clear();
    if text.is_ascii() {
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_cjk(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_cjk(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        if run.len() == 1 {
            out.push(run[0].to_string());
        }
        out.extend(run.windows(2).map(|w| w.iter().collect::<String>()));
    }
}

#[cfg(test)]
fn cjk_bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    cjk_bigrams_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_punctuation() {
        assert_eq!(tokens(&fold("GB/T 13560-2017")).concat(), "gbt135602017");
        assert_eq!(tokens(&fold("Ce–Pr–Nd Óxide")).join(" "), "ce pr nd oxide");
    }

    #[test]
    fn edit_distance_is_bounded() {
        assert!(within_edits("scandium", "scandum", 1));
        assert!(within_edits("dysprosium", "dysprosuim", 2));
        assert!(!within_edits("terbium", "erbium", 0));
        assert!(!within_edits("magnet", "market", 1));
    }

    #[test]
    fn chinese_bigrams() {
        assert_eq!(cjk_bigrams("稀土标"), vec!["稀土", "土标"]);
        assert_eq!(cjk_bigrams("镝"), vec!["镝"]);
        assert!(cjk_bigrams("abc").is_empty());
    }
}
