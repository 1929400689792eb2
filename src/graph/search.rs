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

use std::collections::{BTreeMap, HashMap};

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

/// A folded key of one entity.
#[derive(Debug)]
struct Key {
    compact: Box<str>,
    tokens: Vec<Box<str>>,
    weight: f64,
}

/// How many entities one prefix may pull in as candidates; bounds the cost of short queries.
const MAX_PREFIX_CANDIDATES: usize = 5_000;
/// Longest query, in characters, that is scored; longer ones are cut (search is for names).
const MAX_QUERY_CHARS: usize = 200;

/// The inverted index: folded terms -> entities, plus each entity's folded keys for scoring.
#[derive(Debug, Default)]
pub(super) struct SearchIndex {
    terms: BTreeMap<Box<str>, Vec<EntityKey>>,
    keys: HashMap<EntityKey, (Vec<Key>, usize)>,
}

impl SearchIndex {
    pub(super) fn build<'a>(entities: impl Iterator<Item = (EntityKey, &'a Entity)>) -> Self {
        let mut index = SearchIndex::default();
        for (key, entity) in entities {
            let mut keys = vec![(entity.name.as_str(), 1.0)];
            keys.extend(entity.aliases.iter().map(|a| (a.as_str(), 0.95)));
            if let Details::Standard(s) = &entity.details
                && let Some(code) = &s.code
            {
                keys.push((code.as_str(), 1.0));
            }
            let slug = entity.id.as_str().split_once(':').map_or("", |(_, s)| s);
            keys.push((slug, 0.9));
            let mut folded = Vec::with_capacity(keys.len());
            for (text, weight) in keys {
                let tokens = tokens(&fold(text));
                if tokens.is_empty() {
                    continue;
                }
                let compact: Box<str> = tokens.concat().into();
                for term in tokens.iter().chain(std::iter::once(&compact)) {
                    index.add(term, key);
                    for bigram in cjk_bigrams(term) {
                        index.add(&bigram, key);
                    }
                }
                folded.push(Key {
                    compact,
                    tokens,
                    weight,
                });
            }
            index
                .keys
                .insert(key, (folded, entity.name.chars().count()));
        }
        for postings in index.terms.values_mut() {
            postings.sort_unstable();
            postings.dedup();
        }
        index
    }

    fn add(&mut self, term: &str, key: EntityKey) {
        match self.terms.get_mut(term) {
            Some(list) => list.push(key),
            None => {
                self.terms.insert(term.into(), vec![key]);
            }
        }
    }

    /// Up to `first` hits for `query` among entities that pass `keep`, best first.
    pub(super) fn search(
        &self,
        query: &str,
        first: usize,
        keep: impl Fn(EntityKey) -> bool,
    ) -> Vec<SearchHit> {
        let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
        let q_tokens = tokens(&fold(&query));
        if q_tokens.is_empty() || first == 0 {
            return Vec::new();
        }
        let q_compact = q_tokens.concat();
        let mut candidates: Vec<EntityKey> = Vec::new();
        for term in q_tokens
            .iter()
            .map(|t| &**t)
            .chain(std::iter::once(q_compact.as_str()))
        {
            self.prefix_candidates(term, &mut candidates);
            let bigrams = cjk_bigrams(term);
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
        let mut hits: Vec<(SearchHit, usize)> = candidates
            .into_iter()
            .filter(|k| keep(*k))
            .filter_map(|k| {
                let (keys, name_len) = self.keys.get(&k)?;
                let score = keys
                    .iter()
                    .map(|key| key.weight * score_key(key, &q_tokens, &q_compact))
                    .fold(0.0, f64::max);
                (score > 0.0).then_some((SearchHit { entity: k, score }, *name_len))
            })
            .collect();
        hits.sort_by(|(a, la), (b, lb)| {
            b.score
                .total_cmp(&a.score)
                .then(la.cmp(lb))
                .then(a.entity.cmp(&b.entity))
        });
        hits.truncate(first);
        hits.into_iter().map(|(h, _)| h).collect()
    }

    fn prefix_candidates(&self, term: &str, out: &mut Vec<EntityKey>) {
        let mut added = 0;
        for (t, postings) in self
            .terms
            .range::<str, _>((std::ops::Bound::Included(term), std::ops::Bound::Unbounded))
        {
            if !t.starts_with(term) || added >= MAX_PREFIX_CANDIDATES {
                break;
            }
            added += postings.len();
            out.extend_from_slice(postings);
        }
    }

    /// Entities that have every bigram of a Chinese query.
    fn cjk_candidates(&self, bigrams: &[String], out: &mut Vec<EntityKey>) {
        let mut lists: Vec<&Vec<EntityKey>> = Vec::with_capacity(bigrams.len());
        for b in bigrams {
            match self.terms.get(b.as_str()) {
                Some(list) => lists.push(list),
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

    fn fuzzy_candidates(&self, token: &str, out: &mut Vec<EntityKey>) {
        let allowed = typo_allowance(token);
        let Some(first) = token.chars().next() else {
            return;
        };
        if allowed == 0 {
            return;
        }
        let start = first.to_string();
        for (t, postings) in self.terms.range::<str, _>((
            std::ops::Bound::Included(start.as_str()),
            std::ops::Bound::Unbounded,
        )) {
            if !t.starts_with(first) {
                break;
            }
            if within_edits(token, t, allowed) {
                out.extend_from_slice(postings);
            }
        }
    }
}

fn score_key(key: &Key, q_tokens: &[Box<str>], q_compact: &str) -> f64 {
    if *key.compact == *q_compact {
        return 1.0;
    }
    let key_len = key.compact.chars().count();
    let q_len = q_compact.chars().count();
    if key.compact.starts_with(q_compact) && key_len > 0 {
        return 0.85 + 0.1 * (q_len as f64 / key_len as f64);
    }
    if q_len >= 2 && key.compact.contains(q_compact) {
        return 0.7;
    }
    let total: f64 = q_tokens
        .iter()
        .map(|q| {
            key.tokens
                .iter()
                .map(|t| token_match(t, q))
                .fold(0.0, f64::max)
        })
        .sum();
    0.75 * total / q_tokens.len() as f64
}

fn token_match(token: &str, q: &str) -> f64 {
    if token == q {
        1.0
    } else if q.chars().count() >= 2 && token.starts_with(q) {
        0.8
    } else if !cjk_bigrams(q).is_empty() && token.contains(q) {
        0.7
    } else if within_edits(q, token, typo_allowance(q)) && token.chars().next() == q.chars().next()
    {
        0.6
    } else {
        0.0
    }
}

fn typo_allowance(token: &str) -> usize {
    match token.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether the Levenshtein distance between `a` and `b` is at most `max` (and `max > 0`).
fn within_edits(a: &str, b: &str, max: usize) -> bool {
    if max == 0 {
        return false;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > max {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()] <= max
}

/// Folds text for matching: NFKD, no combining marks, lowercase, non-alphanumerics as spaces.
pub(crate) fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

fn tokens(folded: &str) -> Vec<Box<str>> {
    folded.split_whitespace().map(Box::from).collect()
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// Two-character windows of the Chinese runs in `text` (a lone character counts as one).
fn cjk_bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
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
