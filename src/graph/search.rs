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
//!
//! Candidates are the entities with a term that starts with a query token or with the whole
//! compact query, and those with every bigram of a Chinese token; each prefix (and each Chinese
//! token) brings in at most [`MAX_PREFIX_CANDIDATES`] of them, in term then entity order, which
//! bounds the cost of very short or very common words on large graphs (where an entity beyond
//! the cap is not seen, even if it would have ranked first). For a query token whose prefix has
//! fewer postings than the hits asked for, or for every token when all the candidates are fewer
//! than that, the entities with a key token within a typo of it are added, at most
//! [`MAX_TYPO_CANDIDATES`] per token.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::EntityKey;
use super::stored::{self, check_offsets, le_u32, le_u32_pairs};
use crate::dataset::snapshot::{IndexSection, SnapshotError};
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
const MAX_PREFIX_CANDIDATES: usize = 2_000;
/// How many entities the typos of one query token may pull in as candidates.
const MAX_TYPO_CANDIDATES: usize = 2_000;
/// Longest query, in characters, that is scored; longer ones are cut (search is for names).
const MAX_QUERY_CHARS: usize = 200;
/// The largest typo allowance ([`typo_allowance`]); bounds the edit-distance band.
const MAX_EDITS: usize = 2;
/// The weights of the kinds of key (name or code, alias, id slug), by their tag in `keys`.
const WEIGHTS: [f64; 3] = [1.0, 0.95, 0.9];

/// The inverted index: sorted folded terms -> entities, plus each entity's folded keys for
/// scoring. Everything lives in a few flat arrays (no per-term or per-entity allocation).
/// Snapshots store it as it is (see `super::stored`), after [`SearchIndex::check`].
#[derive(Debug, Default, Serialize)]
pub(super) struct SearchIndex {
    /// Every distinct term (key tokens, compact keys, Chinese bigrams), concatenated in sorted
    /// order; term `r` is `term_text[term_start[r]..term_start[r + 1]]`.
    term_text: String,
    #[serde(with = "le_u32")]
    term_start: Vec<u32>,
    /// Term `r`'s entities, sorted: `postings[post_start[r]..post_start[r + 1]]`. A prefix's
    /// terms are a run of ranks, so its postings are one contiguous slice.
    #[serde(with = "le_u32")]
    postings: Vec<u32>,
    #[serde(with = "le_u32")]
    post_start: Vec<u32>,
    /// The ranks of the key tokens of two or more characters, sorted by (first character, length
    /// in characters, rank): the typo dictionary, searched by first character and length.
    /// Compact forms of several tokens are left out: scoring compares query tokens with key
    /// tokens, so a typo of one scores nothing unless the query is also a substring of it; and
    /// at scale they are most of the terms (one per id slug and per name).
    #[serde(with = "le_u32")]
    typo_terms: Vec<u32>,
    /// Each entity's record, `keys[key_span[e].0..key_span[e].1]`: its name's length in
    /// characters (ties go to the shorter name), then each folded key as its weight tag (an
    /// index in [`WEIGHTS`]), its token count, its tokens' lengths in bytes, and its compact
    /// form (the tokens, concatenated). Numbers are LEB128 varints. One record is read per
    /// candidate, with one cache miss or two.
    keys: Vec<u8>,
    #[serde(with = "le_u32_pairs")]
    key_span: Vec<(u32, u32)>,
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).expect("the search index stays under 4 GiB")
}

impl SearchIndex {
    pub(super) fn build<'a>(entities: impl Iterator<Item = (EntityKey, &'a Entity)>) -> Self {
        let mut interner = Interner::default();
        // (term id, entity), entities in the order given (keys increase in practice).
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut keys_blob: Vec<u8> = Vec::new();
        let mut key_span: Vec<(u32, u32)> = Vec::new();
        let mut folded = String::new();
        let mut compact = String::new();
        let mut bigrams = Vec::new();
        let mut ids: Vec<u32> = Vec::new();
        // By term id: whether the term is a key token (not only a compact key or a bigram).
        let mut is_token: Vec<bool> = Vec::new();
        for (key, entity) in entities {
            let e = key.0 as usize;
            if key_span.len() <= e {
                key_span.resize(e + 1, (0, 0));
            }
            let start = keys_blob.len();
            push_varint(&mut keys_blob, entity.name.chars().count());
            let code = match &entity.details {
                Details::Standard(s) => s.code.as_deref(),
                _ => None,
            };
            let slug = entity.id.as_str().split_once(':').map_or("", |(_, s)| s);
            let keys = std::iter::once((entity.name.as_str(), 0u8))
                .chain(entity.aliases.iter().map(|a| (a.as_str(), 1)))
                .chain(code.map(|c| (c, 0)))
                .chain(std::iter::once((slug, 2)));
            ids.clear();
            for (text, tag) in keys {
                folded.clear();
                fold_into(text, &mut folded);
                if folded.split_whitespace().next().is_none() {
                    continue;
                }
                compact.clear();
                keys_blob.push(tag);
                push_varint(&mut keys_blob, folded.split_whitespace().count());
                for token in folded.split_whitespace() {
                    push_varint(&mut keys_blob, token.len());
                    compact.push_str(token);
                    let id = interner.id(token);
                    if is_token.len() <= id as usize {
                        is_token.resize(id as usize + 1, false);
                    }
                    is_token[id as usize] = true;
                    ids.push(id);
                    cjk_bigrams_into(token, &mut bigrams);
                    ids.extend(bigrams.iter().map(|b| interner.id(b)));
                }
                keys_blob.extend_from_slice(compact.as_bytes());
                ids.push(interner.id(&compact));
                cjk_bigrams_into(&compact, &mut bigrams);
                ids.extend(bigrams.iter().map(|b| interner.id(b)));
            }
            key_span[e] = (to_u32(start), to_u32(keys_blob.len()));
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
        let mut token_rank = vec![false; terms];
        for (id, is) in is_token.iter().enumerate() {
            if *is {
                token_rank[rank[id] as usize] = true;
            }
        }
        drop(is_token);
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
            keys: keys_blob,
            key_span,
        };
        let mut typo: Vec<(char, u32, u32)> = (0..terms)
            .filter(|r| token_rank[*r])
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

    /// Reads the index from a snapshot, as its serde encoding wrote it (the fields in order),
    /// each array straight into place. Checked afterwards ([`SearchIndex::check`]).
    pub(super) fn read(section: &mut IndexSection<'_>) -> Result<Self, SnapshotError> {
        // Fields are read in the order they are written here.
        Ok(SearchIndex {
            term_text: section.string()?,
            term_start: section.u32s()?,
            postings: section.u32s()?,
            post_start: section.u32s()?,
            typo_terms: section.u32s()?,
            keys: section.bytes()?,
            key_span: stored::read_pairs(section)?,
        })
    }

    /// Checks that every slice a search takes is in range and on character boundaries, and
    /// that every posting names one of `entities`: a decoded index cannot make a search panic.
    /// Not checked: whether it is the index the entities would give. O(index size).
    pub(super) fn check(&self, entities: usize) -> Result<(), String> {
        let terms = self.term_start.len().saturating_sub(1);
        check_offsets("search term starts", &self.term_start, self.term_text.len())?;
        if let Some(&bad) = self
            .term_start
            .iter()
            .find(|&&s| !self.term_text.is_char_boundary(s as usize))
        {
            return Err(format!("search term start {bad} is inside a character"));
        }
        if self.post_start.len() != terms + 1 {
            return Err(format!(
                "{} posting starts for {terms} search terms",
                self.post_start.len()
            ));
        }
        check_offsets(
            "search posting starts",
            &self.post_start,
            self.postings.len(),
        )?;
        for r in 0..terms {
            let list = self.list(r);
            if list.last().is_some_and(|&e| e as usize >= entities)
                || list.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(format!(
                    "search term {r}'s postings are unsorted or out of range"
                ));
            }
        }
        if self.typo_terms.iter().any(|&r| r as usize >= terms) {
            return Err("a search typo term is out of range".to_owned());
        }
        if self.key_span.len() != entities {
            return Err(format!(
                "{} search key records for {entities} entities",
                self.key_span.len()
            ));
        }
        if self
            .key_span
            .iter()
            .any(|&(start, end)| start > end || end as usize > self.keys.len())
        {
            return Err("a search key record is out of range".to_owned());
        }
        Ok(())
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

    /// How many postings the terms starting with `prefix` have (an entity may count twice).
    fn prefix_count(&self, prefix: &str) -> usize {
        let ranks = self.prefix_ranks(prefix);
        (self.post_start[ranks.end] - self.post_start[ranks.start]) as usize
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
    /// Open addressing by hash: a slot holds the high half of its string's hash above the
    /// string's id, so a probe that meets another string seldom reads its text (a cache miss or
    /// two at scale); [`EMPTY`] is empty.
    table: Vec<u64>,
}

/// An empty slot of [`Interner::table`] (no id reaches `u32::MAX`).
const EMPTY: u64 = u64::MAX;

/// A slot of [`Interner::table`]: the high half of `hash`, then `id`.
fn slot_entry(hash: u64, id: u32) -> u64 {
    (hash & 0xffff_ffff_0000_0000) | u64::from(id)
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
        let h = hash(s);
        let mut slot = h as usize & mask;
        loop {
            let entry = self.table[slot];
            if entry == EMPTY {
                let id = to_u32(self.len());
                self.text.push_str(s);
                self.start.push(self.text.len());
                self.table[slot] = slot_entry(h, id);
                return id;
            }
            // The low half is the id (the high half is the hash's).
            let id = entry as u32;
            if entry >> 32 == h >> 32 && self.get(id as usize) == s {
                return id;
            }
            slot = (slot + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.table.len() * 2).max(1024);
        self.table = vec![EMPTY; size];
        let mask = size - 1;
        for id in 0..self.len() {
            let h = hash(self.get(id));
            let mut slot = h as usize & mask;
            while self.table[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = slot_entry(h, to_u32(id));
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

    fn varint(&mut self) -> usize {
        let mut n = 0usize;
        let mut shift = 0;
        while let Some(b) = self.byte() {
            n |= usize::from(b & 0x7f) << shift.min(63);
            shift += 7;
            if b < 0x80 {
                break;
            }
        }
        n
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
}

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n & 0x7f) as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
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

    #[test]
    fn varints_round_trip() {
        let mut buf = Vec::new();
        let values = [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as usize];
        for v in values {
            push_varint(&mut buf, v);
        }
        let mut r = Reader(&buf);
        for v in values {
            assert_eq!(r.varint(), v);
        }
        assert!(r.0.is_empty());
    }

    #[test]
    fn byte_substring_search() {
        assert!(contains(b"gbt135602017", b"13560"));
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
        assert!(contains("全国稀土".as_bytes(), "稀土".as_bytes()));
        assert!(!contains(b"aab", b"ba"));
    }

    #[test]
    fn chinese_bigrams() {
        assert_eq!(cjk_bigrams("稀土标"), vec!["稀土", "土标"]);
        assert_eq!(cjk_bigrams("镝"), vec!["镝"]);
        assert!(cjk_bigrams("abc").is_empty());
    }
}
