//! The filter indexes ([`FilterIndex`]), built with the graph: a row of bytes per entity (its
//! kind, its enum attributes, the grade of its own citations), so enum tests and grouped counts
//! read four bytes and never an `Entity`; for the code-like text attributes, the entities'
//! folded values in sorted order, so `startsWith`, `eq` and `in` on a code are binary-searched
//! ranges rather than scans; and each kind's entities in name order, so a page by name stops
//! after the page as the default order does.
//!
//! Built from the records in O(entities log entities), both when a graph is
//! built from a dataset and when it is loaded from a snapshot, beside the other work of each
//! (rebuilt, not stored: about 0.23 s of CPU at 1M entities, on the thread that does not build
//! or check the search index; the snapshot format is unchanged; see docs/performance.md).
//!
//! Invariant: a range is a superset of the entities its test holds for (exactly the set for
//! `startsWith`), because it compares the same folding the test compares ([`fold`]); a row holds
//! exactly what [`EnumField::value`] and the kind read from the entity.

use super::text::fold;
use super::{EnumField, TextField, TextTest};
use crate::graph::{EntityKey, KnowledgeGraph};
use crate::model::{Entity, EntityKind, Grade};

/// No value, in a row's byte.
const NONE: u8 = u8::MAX;

/// One entity's bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row {
    kind: u8,
    /// Its kind's first enum attribute (a standard's level, a mineral's form, ...).
    first: u8,
    /// Its kind's second (a standard's status).
    second: u8,
    /// The strength of its strongest citation ([`Grade::strength`]).
    grade: u8,
}

impl Row {
    /// The row of one record (what the index holds for it).
    fn of(e: &Entity) -> Row {
        let kind = e.kind();
        let (first, second) = EnumField::of_kind(kind);
        let read = |f: Option<EnumField>| f.and_then(|f| f.value(e)).unwrap_or(NONE);
        Row {
            kind: kind.index() as u8,
            first: read(first),
            second: read(second),
            grade: e
                .citations
                .iter()
                .map(|c| c.grade.strength())
                .min()
                .unwrap_or(NONE),
        }
    }

    /// The entity's kind.
    pub(super) fn kind(self) -> EntityKind {
        EntityKind::ALL[usize::from(self.kind)]
    }

    /// The variant number of the entity's value of `field` (as [`EnumField::value`]).
    pub(super) fn enum_value(self, field: EnumField) -> Option<u8> {
        if usize::from(self.kind) != field.kind().index() {
            return None;
        }
        let byte = match EnumField::of_kind(field.kind()) {
            (_, Some(second)) if second == field => self.second,
            _ => self.first,
        };
        (byte != NONE).then_some(byte)
    }

    /// The strongest grade among the entity's own citations.
    pub(super) fn grade(self) -> Option<Grade> {
        Grade::BY_STRENGTH.get(usize::from(self.grade)).copied()
    }
}

/// The text attributes with a sorted index: codes, numbers and symbols, short and selective.
const INDEXED: [TextField; 5] = [
    TextField::StandardCode,
    TextField::OrganizationCode,
    TextField::DirectiveNumber,
    TextField::LocationDivisionCode,
    TextField::MineralSymbol,
];

/// One text attribute's folded values, sorted (then by key), in one buffer.
#[derive(Debug, Default)]
struct SortedText {
    text: String,
    /// Value `i` is `text[ends[i - 1]..ends[i]]` (`0` before the first).
    ends: Vec<u32>,
    keys: Vec<EntityKey>,
}

impl SortedText {
    fn build(field: TextField, entities: &[Entity]) -> Self {
        let mut values: Vec<(String, EntityKey)> = entities
            .iter()
            .enumerate()
            .filter_map(|(k, e)| Some((fold(field.value(e)?), EntityKey(k as u32))))
            .collect();
        values.sort_unstable();
        let mut index = SortedText {
            text: String::with_capacity(values.iter().map(|(v, _)| v.len()).sum()),
            ends: Vec::with_capacity(values.len()),
            keys: Vec::with_capacity(values.len()),
        };
        for (value, key) in values {
            index.text.push_str(&value);
            index.ends.push(index.text.len() as u32);
            index.keys.push(key);
        }
        index
    }

    fn value(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    /// The positions of the values that start with `prefix` (folded).
    fn prefix(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.first_where(|v| v >= prefix);
        let hi = self.first_where(|v| v > prefix && !v.starts_with(prefix));
        lo..hi.max(lo)
    }

    /// The positions of the values equal to `value` (folded).
    fn equal(&self, value: &str) -> std::ops::Range<usize> {
        let lo = self.first_where(|v| v >= value);
        let hi = self.first_where(|v| v > value);
        lo..hi.max(lo)
    }

    /// The first position whose value satisfies `p` (monotone: false, then true).
    fn first_where(&self, p: impl Fn(&str) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.keys.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if p(self.value(mid)) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }
}

/// The filter indexes of one graph (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct FilterIndex {
    rows: Vec<Row>,
    texts: [SortedText; INDEXED.len()],
    /// Each kind's entities sorted by name, then id (`orderBy: NAME`'s order).
    by_name: [Vec<EntityKey>; EntityKind::ALL.len()],
}

/// A name's first eight bytes, zero-padded, as a big-endian number: unequal numbers order as
/// their names do (bytewise, which is code point order), so a sort compares whole names only
/// between names that share their first eight bytes.
fn name_prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = name.len().min(8);
    bytes[..n].copy_from_slice(&name.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

/// Each kind's entities sorted by (name, id).
fn name_lists(entities: &[Entity]) -> [Vec<EntityKey>; EntityKind::ALL.len()] {
    let mut lists: [Vec<(u64, EntityKey)>; EntityKind::ALL.len()] = Default::default();
    for (k, e) in entities.iter().enumerate() {
        lists[e.kind().index()].push((name_prefix(&e.name), EntityKey(k as u32)));
    }
    lists.map(|mut list| {
        list.sort_unstable_by(|(pa, a), (pb, b)| {
            pa.cmp(pb).then_with(|| {
                let (a, b) = (&entities[a.0 as usize], &entities[b.0 as usize]);
                (&a.name, &a.id).cmp(&(&b.name, &b.id))
            })
        });
        list.into_iter().map(|(_, k)| k).collect()
    })
}

impl FilterIndex {
    /// Builds the indexes of these records. O(entities + n log n).
    pub(crate) fn build(entities: &[Entity]) -> Self {
        let rows = entities.iter().map(Row::of).collect();
        FilterIndex {
            rows,
            texts: INDEXED.map(|f| SortedText::build(f, entities)),
            by_name: name_lists(entities),
        }
    }

    /// The entities of `kind` sorted by name, then id.
    pub(super) fn by_name(&self, kind: EntityKind) -> &[EntityKey] {
        &self.by_name[kind.index()]
    }

    /// The base entity's row.
    pub(super) fn row(&self, key: EntityKey) -> Row {
        self.rows[key.0 as usize]
    }

    /// The entities a text test can hold for, when `field` has an index and the test is one it
    /// answers (`startsWith`, `eq`, `in`): how many, and the keys, sorted, if there are at most
    /// `most` of them (a larger set is left to a scan).
    pub(super) fn text_candidates(
        &self,
        field: TextField,
        test: &TextTest,
        most: usize,
    ) -> Option<Result<Vec<EntityKey>, usize>> {
        let index = &self.texts[INDEXED.iter().position(|f| *f == field)?];
        let ranges: Vec<std::ops::Range<usize>> = match test {
            TextTest::StartsWith(folded) => vec![index.prefix(folded)],
            TextTest::Eq(value) => vec![index.equal(&fold(value))],
            TextTest::In(values) => values.iter().map(|v| index.equal(&fold(v))).collect(),
            TextTest::Contains(_) => return None,
        };
        let total: usize = ranges.iter().map(ExactSizeIterator::len).sum();
        if total > most {
            return Some(Err(total));
        }
        let mut keys: Vec<EntityKey> = ranges
            .into_iter()
            .flat_map(|r| index.keys[r].iter().copied())
            .collect();
        keys.sort_unstable();
        keys.dedup();
        Some(Ok(keys))
    }
}

/// Whether the sorted index of `field` selects this record for `test` (`startsWith`, `eq`,
/// `in`): what [`FilterIndex::text_candidates`] would answer for it.
fn selects(field: TextField, test: &TextTest, e: &Entity) -> bool {
    let Some(value) = field.value(e) else {
        return false;
    };
    let value = fold(value);
    match test {
        TextTest::StartsWith(folded) => value.starts_with(folded.as_str()),
        TextTest::Eq(x) => value == fold(x),
        TextTest::In(xs) => xs.iter().any(|x| value == fold(x)),
        TextTest::Contains(_) => true,
    }
}

impl KnowledgeGraph {
    /// The filter row of `key`: the base index's, or, when the base's entry is stale (the
    /// entity changed since the base, or was added), built from its record.
    #[inline]
    pub(super) fn filter_row(&self, key: EntityKey) -> Row {
        crate::graph::reads::entity(key);
        if self.differs_from_base(key) {
            Row::of(self.entity(key))
        } else {
            self.base.filter_index.row(key)
        }
    }

    /// The entity's kind, from its filter row.
    #[inline]
    pub(super) fn kind_of(&self, key: EntityKey) -> EntityKind {
        self.filter_row(key).kind()
    }

    /// [`FilterIndex::text_candidates`] over this graph: over a delta, the base's candidates
    /// without the stale ones, with the delta's own entities the index would select.
    pub(super) fn text_candidates(
        &self,
        field: TextField,
        test: &TextTest,
        most: usize,
    ) -> Option<Result<Vec<EntityKey>, usize>> {
        let base = self.base.filter_index.text_candidates(field, test, most)?;
        if self.delta.is_none() {
            return Some(base);
        }
        let own: Vec<EntityKey> = self
            .delta_keys()
            .iter()
            .copied()
            .filter(|k| selects(field, test, self.entity(*k)))
            .collect();
        let mut keys = match base {
            Err(total) => return Some(Err(total + own.len())),
            Ok(keys) => keys,
        };
        keys.retain(|k| !self.differs_from_base(*k));
        keys.extend(own);
        if keys.len() > most {
            return Some(Err(keys.len()));
        }
        keys.sort_unstable();
        Some(Ok(keys))
    }
}

impl EnumField {
    /// A kind's enum attributes that rows hold: its first, and its second if it has two.
    fn of_kind(kind: EntityKind) -> (Option<EnumField>, Option<EnumField>) {
        use EntityKind as K;
        let first = match kind {
            K::Standard => EnumField::StandardLevel,
            K::StandardBatch => EnumField::BatchStatus,
            K::Mineral => EnumField::MineralForm,
            K::Organization => EnumField::OrganizationType,
            K::Event => EnumField::EventType,
            K::Directive => EnumField::DirectiveType,
            K::Application => EnumField::Sector,
            K::Location => EnumField::LocationType,
            K::Source => EnumField::SourceType,
            K::Official | K::SupplyChainStage => return (None, None),
        };
        let second = (kind == K::Standard).then_some(EnumField::StandardStatus);
        (Some(first), second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_field_has_a_place_in_its_kinds_row() {
        let all = [
            EnumField::StandardLevel,
            EnumField::StandardStatus,
            EnumField::BatchStatus,
            EnumField::MineralForm,
            EnumField::OrganizationType,
            EnumField::EventType,
            EnumField::DirectiveType,
            EnumField::Sector,
            EnumField::LocationType,
            EnumField::SourceType,
        ];
        for f in all {
            let (first, second) = EnumField::of_kind(f.kind());
            assert!(first == Some(f) || second == Some(f), "{f:?}");
        }
    }

    #[test]
    fn prefix_and_equal_ranges_are_binary_searched() {
        let mut index = SortedText::default();
        for (k, v) in ["a", "ab", "ab", "b", "bb", "c"].into_iter().enumerate() {
            index.text.push_str(v);
            index.ends.push(index.text.len() as u32);
            index.keys.push(EntityKey(k as u32));
        }
        assert_eq!(index.value(4), "bb");
        assert_eq!(index.prefix("a"), 0..3);
        assert_eq!(index.prefix("ab"), 1..3);
        assert_eq!(index.prefix("b"), 3..5);
        assert_eq!(index.prefix("abc"), 3..3);
        assert_eq!(index.prefix("z"), 6..6);
        assert_eq!(index.prefix(""), 0..6);
        assert_eq!(index.equal("ab"), 1..3);
        assert_eq!(index.equal("aa"), 1..1);
    }
}
