//! [`Working`]: the graph's records in a form a write can look up and change in O(1) per
//! record (entities and relations by id, each entity's live relation count, the stored source
//! texts), from which each new [`KnowledgeGraph`] is built. A [`Plan`] (a validated change set,
//! `plan.rs`) is committed into it in place.
//!
//! Invariant: it only ever holds records that passed the loader's validation as a whole (the
//! base) or a change set's validation against it (each commit).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::change::RelationId;
use crate::dataset::Dataset;
use crate::graph::{Edits, KnowledgeGraph};
use crate::model::{Details, Entity, EntityId, EntityKind, Relation};

/// The records being served, for writes (see the module doc).
#[derive(Debug, Default)]
pub struct Working {
    pub(super) entities: Vec<Option<Entity>>,
    pub(super) ids: HashMap<EntityId, usize>,
    pub(super) relations: Vec<Option<Relation>>,
    pub(super) relation_ids: HashMap<RelationId, usize>,
    /// Live relations touching each entity (both directions).
    pub(super) degree: HashMap<EntityId, u32>,
    /// Texts of the SOURCEs written through the store, by their `text` path.
    pub(super) texts: HashMap<String, Arc<str>>,
    /// The base data's fingerprint.
    base_fingerprint: u64,
    /// Change sets committed on top of the base.
    pub(super) version: u64,
}

/// What a committed change set did to the entities, for subscribers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Entities created.
    pub added: Vec<(EntityKind, EntityId)>,
    /// Entities retracted.
    pub removed: Vec<(EntityKind, EntityId)>,
    /// Entities updated, or whose relations changed.
    pub changed: Vec<(EntityKind, EntityId)>,
}

/// A validated change set, ready to commit (made by [`Working::plan`]).
#[derive(Debug, Default)]
pub struct Plan {
    /// Entities to write: at their index when they replace one, else new.
    pub(super) entities: Vec<(Option<usize>, Entity)>,
    /// Relations to write, likewise.
    pub(super) relations: Vec<(Option<usize>, Relation)>,
    /// Entities to retract, by index.
    pub(super) retract_entities: Vec<usize>,
    /// Relations to retract, by index.
    pub(super) retract_relations: Vec<usize>,
    /// Source texts to keep, by path.
    pub(super) texts: Vec<(String, Arc<str>)>,
    /// Each change's target id.
    pub(super) touched: Vec<String>,
}

impl Working {
    /// The records of `graph` (the base: no change set committed yet). O(entities + relations).
    pub fn of_graph(graph: &KnowledgeGraph) -> Working {
        Working::of_graph_at(graph, graph.fingerprint(), 0, Vec::new())
    }

    /// The records of `graph`, which is `version` change sets over a base of fingerprint
    /// `base_fingerprint`, with the source texts those stored. O(entities + relations).
    pub fn of_graph_at(
        graph: &KnowledgeGraph,
        base_fingerprint: u64,
        version: u64,
        texts: Vec<(String, Arc<str>)>,
    ) -> Working {
        let mut working = Working {
            base_fingerprint,
            version,
            texts: texts.into_iter().collect(),
            ..Working::default()
        };
        for key in graph.keys() {
            let entity = graph.entity(key);
            working
                .ids
                .insert(entity.id.clone(), working.entities.len());
            working.entities.push(Some(entity.clone()));
        }
        for key in graph.relation_keys() {
            working.push_relation(graph.relation(key).clone());
        }
        working
    }

    /// The graph version: how many change sets are committed on the base.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The data version of these records: the base's fingerprint mixed with the version.
    pub fn fingerprint(&self) -> u64 {
        mix(self.base_fingerprint, self.version)
    }

    /// What `plan` (made against this very state) writes, as records the served graph can take
    /// ([`KnowledgeGraph::apply`]): call it before [`Working::commit`].
    pub fn edits(&self, plan: &Plan) -> Edits {
        Edits {
            retract_relations: plan
                .retract_relations
                .iter()
                .filter_map(|&i| self.relations.get(i)?.as_ref())
                .map(|r| (r.relation_type, r.from.clone(), r.to.clone()))
                .collect(),
            retract_entities: plan
                .retract_entities
                .iter()
                .filter_map(|&i| self.entities.get(i)?.as_ref())
                .map(|e| e.id.clone())
                .collect(),
            entities: plan.entities.iter().map(|(_, e)| e.clone()).collect(),
            relations: plan.relations.iter().map(|(_, r)| r.clone()).collect(),
        }
    }

    /// The entity with this id, if live.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.ids.get(id).and_then(|&i| self.entities[i].as_ref())
    }

    /// The relation with this id, if live.
    pub fn relation(&self, id: &RelationId) -> Option<&Relation> {
        self.relation_ids
            .get(id)
            .and_then(|&i| self.relations[i].as_ref())
    }

    /// A text written through the store, by path.
    pub fn text(&self, path: &str) -> Option<&Arc<str>> {
        self.texts.get(path)
    }

    /// Every stored text, by path.
    pub fn texts(&self) -> impl Iterator<Item = (&String, &Arc<str>)> {
        self.texts.iter()
    }

    /// The live records as a dataset, in base order then write order. Its fingerprint is the
    /// base's mixed with the version, so every write moves the data version and the same base
    /// and store give the same one.
    pub fn to_dataset(&self) -> Dataset {
        Dataset {
            entities: self.entities.iter().flatten().cloned().collect(),
            relations: self.relations.iter().flatten().cloned().collect(),
            fingerprint: self.fingerprint(),
        }
    }

    /// Commits a plan made against this very state (by [`Working::plan`], with no commit in
    /// between): all of it. Returns the entities it touched.
    pub fn commit(&mut self, plan: Plan) -> Touched {
        let mut touched = Touched::default();
        let mut changed: HashSet<EntityId> = HashSet::new();
        for i in plan.retract_relations {
            if let Some(r) = self.relations[i].take() {
                self.relation_ids.remove(&relation_id(&r));
                self.count(&r, false);
                changed.extend([r.from, r.to]);
            }
        }
        for i in plan.retract_entities {
            if let Some(e) = self.entities[i].take() {
                self.ids.remove(&e.id);
                self.degree.remove(&e.id);
                touched.removed.push((e.kind(), e.id));
            }
        }
        for (at, entity) in plan.entities {
            match at {
                Some(i) => {
                    changed.insert(entity.id.clone());
                    self.entities[i] = Some(entity);
                }
                None => {
                    touched.added.push((entity.kind(), entity.id.clone()));
                    self.ids.insert(entity.id.clone(), self.entities.len());
                    self.entities.push(Some(entity));
                }
            }
        }
        for (at, relation) in plan.relations {
            changed.extend([relation.from.clone(), relation.to.clone()]);
            match at {
                Some(i) => self.relations[i] = Some(relation),
                None => self.push_relation(relation),
            }
        }
        self.texts.extend(plan.texts);
        self.version += 1;
        let gone: HashSet<&EntityId> = touched
            .added
            .iter()
            .chain(&touched.removed)
            .map(|(_, id)| id)
            .collect();
        touched.changed = changed
            .iter()
            .filter(|id| !gone.contains(id))
            .filter_map(|id| Some((EntityId::kind_of(id.as_str()).ok()?, id.clone())))
            .collect();
        for list in [
            &mut touched.added,
            &mut touched.removed,
            &mut touched.changed,
        ] {
            list.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        }
        touched
    }

    /// Live records citing `source`, at most `max` of them (by id), skipping `skip`.
    pub(super) fn citing(&self, source: &str, skip: &HashSet<String>, max: usize) -> Vec<String> {
        let cites =
            |list: &[crate::model::Citation]| list.iter().any(|c| c.source.as_str() == source);
        let entities = self
            .entities
            .iter()
            .flatten()
            .filter(|e| e.id.as_str() != source && cites(&e.citations))
            .map(|e| e.id.to_string());
        let relations = self
            .relations
            .iter()
            .flatten()
            .filter(|r| cites(&r.citations))
            .map(|r| relation_id(r).to_string());
        entities
            .chain(relations)
            .filter(|id| !skip.contains(id))
            .take(max)
            .collect()
    }

    /// A SOURCE's `text` path, if it has one.
    pub(super) fn text_path(entity: &Entity) -> Option<&str> {
        match &entity.details {
            Details::Source(s) => s.text.as_deref(),
            _ => None,
        }
    }

    fn push_relation(&mut self, relation: Relation) {
        self.count(&relation, true);
        self.relation_ids
            .insert(relation_id(&relation), self.relations.len());
        self.relations.push(Some(relation));
    }

    fn count(&mut self, relation: &Relation, add: bool) {
        for id in [&relation.from, &relation.to] {
            let n = self.degree.entry(id.clone()).or_default();
            *n = if add { *n + 1 } else { n.saturating_sub(1) };
        }
    }
}

/// A relation's id.
pub fn relation_id(r: &Relation) -> RelationId {
    RelationId {
        relation_type: r.relation_type,
        from: r.from.clone(),
        to: r.to.clone(),
    }
}

/// The data version of `version` change sets on a base of fingerprint `base` (splitmix64).
pub(super) fn mix(base: u64, version: u64) -> u64 {
    if version == 0 {
        return base;
    }
    let mut z = base ^ version.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
