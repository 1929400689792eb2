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

mod edit;
mod fold;
mod index;
mod query;

use serde::Serialize;

use super::EntityKey;
use super::snapshot::{
    IndexSection, SnapshotError, check_offsets, inconsistent, le_u32, le_u32_pairs, read_pairs,
};

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
/// Snapshots store it as it is (see `super::snapshot`), after [`SearchIndex::check`].
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
            key_span: read_pairs(section)?,
        })
    }

    /// Checks that every slice a search takes is in range and on character boundaries, and
    /// that every posting names one of `entities`: a decoded index cannot make a search panic.
    /// Not checked: whether it is the index the entities would give. O(index size).
    pub(super) fn check(&self, entities: usize) -> Result<(), SnapshotError> {
        let terms = self.term_start.len().saturating_sub(1);
        check_offsets("search term starts", &self.term_start, self.term_text.len())?;
        if let Some(&bad) = self
            .term_start
            .iter()
            .find(|&&s| !self.term_text.is_char_boundary(s as usize))
        {
            return Err(inconsistent(format!(
                "search term start {bad} is inside a character"
            )));
        }
        if self.post_start.len() != terms + 1 {
            return Err(inconsistent(format!(
                "{} posting starts for {terms} search terms",
                self.post_start.len()
            )));
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
                return Err(inconsistent(format!(
                    "search term {r}'s postings are unsorted or out of range"
                )));
            }
        }
        if self.typo_terms.iter().any(|&r| r as usize >= terms) {
            return Err(inconsistent(
                "a search typo term is out of range".to_owned(),
            ));
        }
        if self.key_span.len() != entities {
            return Err(inconsistent(format!(
                "{} search key records for {entities} entities",
                self.key_span.len()
            )));
        }
        if self
            .key_span
            .iter()
            .any(|&(start, end)| start > end || end as usize > self.keys.len())
        {
            return Err(inconsistent(
                "a search key record is out of range".to_owned(),
            ));
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
