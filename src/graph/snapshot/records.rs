//! The dataset section's records (entity numbers for references, citation lists by number) and
//! their decoding: record by record straight into the [`Dataset`], every invariant the graph
//! relies on checked as each record arrives. `encode.rs` writes them. The record types and their
//! decoding share this module on purpose: with the types in another module, their derived
//! `Deserialize` code was compiled apart from the decoder, and loading a 1M-entity snapshot took
//! about 20% more CPU.

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{SnapshotError, invalid};
use crate::dataset::Dataset;
use crate::model::{
    Citation, Conflict, Date, Details, Entity, EntityId, EntityKind, Grade, Relation, RelationType,
};

#[derive(Serialize, Deserialize)]
pub(super) struct SnapEntity<'a> {
    pub(super) id: &'a str,
    pub(super) name: &'a str,
    #[serde(borrow)]
    pub(super) aliases: Vec<&'a str>,
    #[serde(borrow)]
    pub(super) description: Option<&'a str>,
    /// Index into `citation_lists`.
    pub(super) citations: u32,
    pub(super) details: Details,
}

#[derive(Serialize, Deserialize)]
pub(super) struct SnapCitation<'a> {
    /// Index into `entities`.
    pub(super) source: u32,
    #[serde(borrow)]
    pub(super) quote: Option<&'a str>,
    pub(super) grade: Grade,
    /// The note, with the conflict appended after [`CONFLICT_MARK`] when there is one.
    #[serde(borrow)]
    pub(super) note: Option<Cow<'a, str>>,
}

/// Separates a citation's note from its conflict in [`SnapCitation::note`]; [`CLAIM_MARK`]
/// separates the conflicting source's id from the claim.
pub(super) const CONFLICT_MARK: char = '\u{1e}';
/// See [`CONFLICT_MARK`].
pub(super) const CLAIM_MARK: char = '\u{1f}';

/// Splits a stored note (see [`CONFLICT_MARK`]) into the note and, when there is one, the
/// conflicting source's id and the claim.
pub(super) fn split_note(stored: &str) -> (Option<&str>, Option<(&str, &str)>) {
    match stored.split_once(CONFLICT_MARK) {
        None => (Some(stored), None),
        Some((note, conflict)) => {
            let note = (!note.is_empty()).then_some(note);
            (
                note,
                Some(conflict.split_once(CLAIM_MARK).unwrap_or((conflict, ""))),
            )
        }
    }
}

#[derive(Serialize, Deserialize)]
pub(super) struct SnapRelation<'a> {
    pub(super) relation_type: RelationType,
    pub(super) from: u32,
    pub(super) to: u32,
    #[serde(borrow)]
    pub(super) role: Option<&'a str>,
    pub(super) since: Option<Date>,
    pub(super) until: Option<Date>,
    pub(super) citations: u32,
}

/// Whether decoding checks that entity ids are unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ids {
    Check,
    /// The caller does ([`super::Sections::dataset_and_unchecked_ids`]).
    CallerChecks,
}

/// Decodes and checks a dataset section record by record, straight into the dataset: no
/// decoded copy of the whole section is held beside it.
pub(super) fn decode_dataset(records: &[u8], ids: Ids) -> Result<Dataset, SnapshotError> {
    let mut problem = None;
    let mut de = postcard::Deserializer::from_bytes(records);
    let seed = DatasetSeed {
        ids,
        section_len: records.len(),
        problem: &mut problem,
    };
    let dataset = match seed.deserialize(&mut de) {
        Ok(dataset) => dataset,
        // A broken invariant stops decoding as postcard's custom error, and is kept aside.
        Err(e) => return Err(problem.unwrap_or(SnapshotError::Decode(e))),
    };
    let trailing = de.finalize()?.len();
    if trailing != 0 {
        return Err(invalid(format!(
            "{trailing} bytes after the dataset section"
        )));
    }
    Ok(dataset)
}

/// Keeps `problem` aside, and gives the error that stops decoding.
fn fail<E: de::Error>(slot: &mut Option<SnapshotError>, problem: SnapshotError) -> E {
    *slot = Some(problem);
    E::custom("inconsistent snapshot")
}

/// Room to reserve for `hint` records of type `T` (a count read from the file) in a section
/// of `section_len` bytes: never more than four bytes of memory per byte of the section, so a
/// damaged count cannot reserve much more than the file could hold. An honest count of records
/// of at least a few bytes each is reserved in full.
fn room<T>(hint: Option<usize>, section_len: usize) -> usize {
    hint.unwrap_or(0)
        .min(section_len.saturating_mul(4) / std::mem::size_of::<T>().max(1))
}

/// Decodes [`Payload`] (its fields in order) into a [`Dataset`], checking every invariant the
/// graph relies on as each record arrives: ids well formed, unique and of the kind their
/// details say; every reference in range; relation types between the kinds they allow; every
/// record cited, by SOURCE entities.
struct DatasetSeed<'p> {
    ids: Ids,
    /// The section's length in bytes.
    section_len: usize,
    /// The broken invariant, when decoding stopped for one.
    problem: &'p mut Option<SnapshotError>,
}

impl<'de> DeserializeSeed<'de> for DatasetSeed<'_> {
    type Value = Dataset;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Dataset, D::Error> {
        const FIELDS: &[&str] = &["fingerprint", "entities", "citation_lists", "relations"];
        d.deserialize_struct("Payload", FIELDS, self)
    }
}

impl<'de> Visitor<'de> for DatasetSeed<'_> {
    type Value = Dataset;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a snapshot's dataset section")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dataset, A::Error> {
        let missing = |what: &str| de::Error::custom(format!("no {what}"));
        let DatasetSeed {
            ids,
            section_len,
            problem,
        } = self;
        let fingerprint: u64 = seq.next_element()?.ok_or_else(|| missing("fingerprint"))?;
        let (mut entities, entity_lists, kinds) = seq
            .next_element_seed(EntitiesSeed {
                ids,
                section_len,
                problem: &mut *problem,
            })?
            .ok_or_else(|| missing("entities"))?;
        let lists = seq
            .next_element_seed(ListsSeed {
                section_len,
                problem: &mut *problem,
                entities: &entities,
                kinds: &kinds,
            })?
            .ok_or_else(|| missing("citation lists"))?;
        let relations = seq
            .next_element_seed(RelationsSeed {
                section_len,
                problem: &mut *problem,
                entities: &entities,
                kinds: &kinds,
                lists: &lists,
            })?
            .ok_or_else(|| missing("relations"))?;
        for (entity, &n) in entities.iter_mut().zip(&entity_lists) {
            entity.citations = citation_list(&lists, n).map_err(|e| fail(problem, e))?;
        }
        Ok(Dataset {
            entities,
            relations,
            fingerprint,
        })
    }
}

fn citation_list(lists: &[Arc<[Citation]>], n: u32) -> Result<Arc<[Citation]>, SnapshotError> {
    lists
        .get(n as usize)
        .cloned()
        .ok_or_else(|| invalid(format!("reference to citation list #{n}, beyond the last")))
}

/// Entity `n`'s id and kind.
fn entity<'e>(
    entities: &'e [Entity],
    kinds: &[EntityKind],
    n: u32,
) -> Result<(&'e EntityId, EntityKind), SnapshotError> {
    match (entities.get(n as usize), kinds.get(n as usize)) {
        (Some(e), Some(&kind)) => Ok((&e.id, kind)),
        _ => Err(invalid(format!(
            "reference to entity #{n}, beyond the last"
        ))),
    }
}

/// The entities, each with its citation list's number (the lists come later: until then each
/// entity holds an empty list) and its kind.
struct EntitiesSeed<'p> {
    ids: Ids,
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
}

type DecodedEntities = (Vec<Entity>, Vec<u32>, Vec<EntityKind>);

impl<'de> DeserializeSeed<'de> for EntitiesSeed<'_> {
    type Value = DecodedEntities;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<DecodedEntities, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntitiesSeed<'_> {
    type Value = DecodedEntities;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the entities")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DecodedEntities, A::Error> {
        let n = room::<Entity>(seq.size_hint(), self.section_len);
        let (mut entities, mut lists, mut kinds) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut unique = foldhash::HashSet::with_capacity_and_hasher(
            if self.ids == Ids::Check { n } else { 0 },
            Default::default(),
        );
        let pending: Arc<[Citation]> = Arc::new([]);
        while let Some(e) = seq.next_element::<SnapEntity<'de>>()? {
            let (id, kind) = EntityId::parse(e.id)
                .map_err(|err| fail(self.problem, invalid(format!("entity {}: {err}", e.id))))?;
            if kind != e.details.kind() {
                let problem = invalid(format!("entity `{id}` has the details of another kind"));
                return Err(fail(self.problem, problem));
            }
            if self.ids == Ids::Check && !unique.insert(e.id) {
                return Err(fail(self.problem, invalid(format!("duplicate id `{id}`"))));
            }
            entities.push(Entity {
                id,
                name: e.name.to_owned(),
                aliases: e.aliases.into_iter().map(str::to_owned).collect(),
                description: e.description.map(str::to_owned),
                citations: Arc::clone(&pending),
                details: e.details,
            });
            lists.push(e.citations);
            kinds.push(kind);
        }
        Ok((entities, lists, kinds))
    }
}

/// The distinct citation lists, each shared by the records that cite it.
struct ListsSeed<'p, 'e> {
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
    entities: &'e [Entity],
    kinds: &'e [EntityKind],
}

impl<'de> DeserializeSeed<'de> for ListsSeed<'_, '_> {
    type Value = Vec<Arc<[Citation]>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListsSeed<'_, '_> {
    type Value = Vec<Arc<[Citation]>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the citation lists")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut lists =
            Vec::with_capacity(room::<Arc<[Citation]>>(seq.size_hint(), self.section_len));
        while let Some(list) = seq.next_element::<Vec<SnapCitation<'de>>>()? {
            if list.is_empty() {
                return Err(fail(
                    self.problem,
                    invalid("an empty citation list".to_owned()),
                ));
            }
            let mut citations = Vec::with_capacity(list.len());
            let mut conflicts = Vec::new();
            for c in list {
                let (source, kind) = entity(self.entities, self.kinds, c.source)
                    .map_err(|e| fail(self.problem, e))?;
                if kind != EntityKind::Source {
                    let problem = invalid(format!("citation of `{source}`, not a source"));
                    return Err(fail(self.problem, problem));
                }
                let (note, conflict) = c.note.as_deref().map_or((None, None), split_note);
                if let Some((with, claim)) = conflict {
                    conflicts.push((citations.len(), with.to_owned(), claim.to_owned()));
                }
                citations.push(Citation {
                    source: source.clone(),
                    quote: c.quote.map(str::to_owned),
                    grade: c.grade,
                    note: note.map(str::to_owned),
                    conflict: None,
                });
            }
            // The contradicted citation is another of the same list, as the loader checked.
            for (i, with, claim) in conflicts {
                let other = citations
                    .iter()
                    .enumerate()
                    .find(|&(j, c)| j != i && c.source.as_str() == with)
                    .map(|(_, c)| c.source.clone())
                    .ok_or_else(|| {
                        let problem =
                            invalid(format!("a conflict names `{with}`, not cited beside it"));
                        fail(self.problem, problem)
                    })?;
                citations[i].conflict = Some(Conflict { claim, with: other });
            }
            lists.push(Arc::<[Citation]>::from(citations));
        }
        Ok(lists)
    }
}

/// The relations.
struct RelationsSeed<'p, 'e> {
    section_len: usize,
    problem: &'p mut Option<SnapshotError>,
    entities: &'e [Entity],
    kinds: &'e [EntityKind],
    lists: &'e [Arc<[Citation]>],
}

impl<'de> DeserializeSeed<'de> for RelationsSeed<'_, '_> {
    type Value = Vec<Relation>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Relation>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RelationsSeed<'_, '_> {
    type Value = Vec<Relation>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the relations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Relation>, A::Error> {
        let mut relations = Vec::with_capacity(room::<Relation>(seq.size_hint(), self.section_len));
        while let Some(r) = seq.next_element::<SnapRelation<'de>>()? {
            let endpoints = entity(self.entities, self.kinds, r.from)
                .and_then(|from| Ok((from, entity(self.entities, self.kinds, r.to)?)));
            let ((from, from_kind), (to, to_kind)) =
                endpoints.map_err(|e| fail(self.problem, e))?;
            if from == to || !r.relation_type.allows(from_kind, to_kind) {
                let problem = invalid(format!(
                    "relation `{from}` {} `{to}` is not allowed",
                    r.relation_type.name()
                ));
                return Err(fail(self.problem, problem));
            }
            relations.push(Relation {
                relation_type: r.relation_type,
                from: from.clone(),
                to: to.clone(),
                role: r.role.map(str::to_owned),
                since: r.since,
                until: r.until,
                citations: citation_list(self.lists, r.citations)
                    .map_err(|e| fail(self.problem, e))?,
            });
        }
        Ok(relations)
    }
}
