//! Building the search index from the entities, in four steps: each entity's keys are folded,
//! interned and written as its key record ([`Keys`]); the terms are ranked in byte order
//! ([`Ranks`]); the postings are laid out by a counting sort on the rank ([`postings`]); the
//! typo dictionary is sorted ([`typo_terms`]).
//!
//! Knows the index's layout; nothing of queries or snapshots.

use super::fold::{cjk_bigrams_into, fold_into};
use super::{SearchIndex, to_u32};
use crate::graph::{EntityKey, varint};
use crate::model::{Details, Entity};

impl SearchIndex {
    /// Indexes `entities`' names, aliases, standard codes and id slugs. O(text + terms log terms).
    pub(in crate::graph) fn build<'a>(
        entities: impl Iterator<Item = (EntityKey, &'a Entity)>,
    ) -> Self {
        let mut keys = Keys::default();
        for (key, entity) in entities {
            keys.add(key, entity);
        }
        let Keys {
            interner,
            pairs,
            blob,
            key_span,
            is_token,
            ..
        } = keys;
        let ranks = Ranks::new(&interner, &is_token);
        drop(is_token);
        drop(interner);
        let (post_start, postings) = postings(pairs, &ranks.rank);
        let mut index = SearchIndex {
            term_text: ranks.term_text,
            term_start: ranks.term_start,
            postings,
            post_start,
            typo_terms: Vec::new(),
            keys: blob,
            key_span,
        };
        index.typo_terms = typo_terms(&index, &ranks.token_rank);
        index
    }
}

/// Step one: every entity's keys, folded and interned, and its key record.
#[derive(Default)]
struct Keys {
    interner: Interner,
    /// (term id, entity), entities in the order given (keys increase in practice).
    pairs: Vec<(u32, u32)>,
    /// The key records, as [`SearchIndex::keys`] describes them.
    blob: Vec<u8>,
    key_span: Vec<(u32, u32)>,
    /// By term id: whether the term is a key token (not only a compact key or a bigram).
    is_token: Vec<bool>,
    // Scratch space, reused from entity to entity.
    folded: String,
    compact: String,
    bigrams: Vec<String>,
    ids: Vec<u32>,
}

impl Keys {
    fn add(&mut self, key: EntityKey, entity: &Entity) {
        let e = key.0 as usize;
        if self.key_span.len() <= e {
            self.key_span.resize(e + 1, (0, 0));
        }
        let start = self.blob.len();
        varint::push(&mut self.blob, entity.name.chars().count() as u64);
        let code = match &entity.details {
            Details::Standard(s) => s.code.as_deref(),
            _ => None,
        };
        let slug = entity.id.as_str().split_once(':').map_or("", |(_, s)| s);
        let keys = std::iter::once((entity.name.as_str(), 0u8))
            .chain(entity.aliases.iter().map(|a| (a.as_str(), 1)))
            .chain(code.map(|c| (c, 0)))
            .chain(std::iter::once((slug, 2)));
        self.ids.clear();
        for (text, tag) in keys {
            self.add_key(text, tag);
        }
        self.key_span[e] = (to_u32(start), to_u32(self.blob.len()));
        self.ids.sort_unstable();
        self.ids.dedup();
        self.pairs.extend(self.ids.iter().map(|&t| (t, key.0)));
    }

    /// One key of the entity at hand: its record's part, and its terms' ids into `ids`.
    fn add_key(&mut self, text: &str, tag: u8) {
        self.folded.clear();
        fold_into(text, &mut self.folded);
        if self.folded.split_whitespace().next().is_none() {
            return;
        }
        self.compact.clear();
        self.blob.push(tag);
        let count = self.folded.split_whitespace().count();
        varint::push(&mut self.blob, count as u64);
        for token in self.folded.split_whitespace() {
            varint::push(&mut self.blob, token.len() as u64);
            self.compact.push_str(token);
            let id = self.interner.id(token);
            if self.is_token.len() <= id as usize {
                self.is_token.resize(id as usize + 1, false);
            }
            self.is_token[id as usize] = true;
            self.ids.push(id);
            cjk_bigrams_into(token, &mut self.bigrams);
            self.ids
                .extend(self.bigrams.iter().map(|b| self.interner.id(b)));
        }
        self.blob.extend_from_slice(self.compact.as_bytes());
        self.ids.push(self.interner.id(&self.compact));
        cjk_bigrams_into(&self.compact, &mut self.bigrams);
        self.ids
            .extend(self.bigrams.iter().map(|b| self.interner.id(b)));
    }
}

/// Step two: the terms in byte order (as a `BTreeMap<str>` would rank them).
struct Ranks {
    /// By term id: its rank.
    rank: Vec<u32>,
    term_text: String,
    term_start: Vec<u32>,
    /// By rank: whether the term is a key token.
    token_rank: Vec<bool>,
}

impl Ranks {
    /// Sorts on an 8-byte prefix first, so that most comparisons are of integers.
    fn new(interner: &Interner, is_token: &[bool]) -> Self {
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
        Ranks {
            rank,
            term_text,
            term_start,
            token_rank,
        }
    }
}

/// Step three: the postings of each rank, by counting sort on the rank (stable, so each list
/// keeps the entities' order), as (`post_start`, `postings`).
fn postings(pairs: Vec<(u32, u32)>, rank: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let terms = rank.len();
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
    (post_start, postings)
}

/// Step four: the typo dictionary, the ranks of the key tokens of two or more characters
/// sorted by (first character, length in characters, rank).
fn typo_terms(index: &SearchIndex, token_rank: &[bool]) -> Vec<u32> {
    let mut typo: Vec<(char, u32, u32)> = (0..token_rank.len())
        .filter(|r| token_rank[*r])
        .filter_map(|r| {
            let term = index.term(r);
            let len = term.chars().count();
            let first = term.chars().next()?;
            (len >= 2).then(|| (first, to_u32(len), to_u32(r)))
        })
        .collect();
    typo.sort_unstable();
    typo.into_iter().map(|(_, _, r)| r).collect()
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
