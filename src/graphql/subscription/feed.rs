//! The change feed: what a graph swap changed, computed once per swap and broadcast to every
//! subscriber over a bounded channel.
//!
//! A diff compares the old and the new snapshot by entity id: an id only in the new one was
//! added, only in the old one removed, and in both it changed when its record differs or its
//! relations (both directions, in data order, compared record by record) do. It costs
//! O(entities + relations) of both graphs, runs on the caller's thread (the reloader's own,
//! never an async worker), and runs only when someone subscribes and the data version moved.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::broadcast;

use crate::graph::{Direction, EntityKey, KnowledgeGraph, RelationFilter};
use crate::model::{EntityId, EntityKind};

/// One graph swap as every subscriber sees it before its filter: the versions, the new counts,
/// and every id added, removed and changed, each list sorted by id. Shared (`Arc`) by all
/// subscribers and by the channel's slots, so a swap's ids are held once however many listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphDiff {
    /// The data version (fingerprint) served before the swap.
    pub previous_version: u64,
    /// The data version served after it.
    pub version: u64,
    /// Entities in the new graph.
    pub entities: usize,
    /// Relations in the new graph.
    pub relations: usize,
    /// Ids only in the new graph.
    pub added: Vec<(EntityKind, EntityId)>,
    /// Ids only in the old graph.
    pub removed: Vec<(EntityKind, EntityId)>,
    /// Ids in both whose record or relations differ.
    pub changed: Vec<(EntityKind, EntityId)>,
}

impl GraphDiff {
    /// Compares two snapshots by entity id (see the module doc). O(entities + relations).
    pub fn between(old: &KnowledgeGraph, new: &KnowledgeGraph) -> Self {
        let mut removed = Vec::new();
        let mut changed = Vec::new();
        for key in old.keys() {
            let entity = old.entity(key);
            match new.lookup(entity.id.as_str()) {
                None => removed.push((entity.kind(), entity.id.clone())),
                Some(new_key) => {
                    if entity != new.entity(new_key) || !same_relations(old, key, new, new_key) {
                        changed.push((entity.kind(), entity.id.clone()));
                    }
                }
            }
        }
        let mut added: Vec<_> = new
            .keys()
            .map(|key| new.entity(key))
            .filter(|entity| old.lookup(entity.id.as_str()).is_none())
            .map(|entity| (entity.kind(), entity.id.clone()))
            .collect();
        for list in [&mut added, &mut removed, &mut changed] {
            list.sort_unstable_by(|a, b| a.1.cmp(&b.1));
        }
        let stats = new.stats();
        GraphDiff {
            previous_version: old.fingerprint(),
            version: new.fingerprint(),
            entities: stats.entities,
            relations: stats.relations,
            added,
            removed,
            changed,
        }
    }
}

/// Whether an entity has the same relations, record for record and in the same order, in both
/// snapshots. O(degree).
fn same_relations(
    old: &KnowledgeGraph,
    old_key: EntityKey,
    new: &KnowledgeGraph,
    new_key: EntityKey,
) -> bool {
    if old.degree(old_key) != new.degree(new_key) {
        return false;
    }
    let all = RelationFilter::all();
    old.incident(old_key, &all, Direction::Both)
        .zip(new.incident(new_key, &all, Direction::Both))
        .all(|(a, b)| {
            a.outgoing == b.outgoing && old.relation(a.relation) == new.relation(b.relation)
        })
}

/// The broadcast of [`GraphDiff`]s: a bounded `tokio::sync::broadcast` channel. A subscriber
/// that falls more than `capacity` swaps behind loses its place (its stream ends with an
/// error), so no subscriber is ever buffered without bound. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Arc<GraphDiff>>,
    /// Swaps publish one at a time, so subscribers get the diffs in swap order.
    turn: Mutex<()>,
}

impl ChangeFeed {
    /// A feed that keeps at most `capacity` swaps for a subscriber that has not read them yet
    /// (at least 1).
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        ChangeFeed {
            sender,
            turn: Mutex::new(()),
        }
    }

    /// Announces that `new` replaced `old`: computes their diff (on this thread, see the module
    /// doc) and sends it to every subscriber. Nothing is computed when no one subscribes, nor
    /// when the data version did not move (identical files reloaded).
    pub fn publish(&self, old: &KnowledgeGraph, new: &KnowledgeGraph) {
        let _turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        if self.sender.receiver_count() == 0 || old.fingerprint() == new.fingerprint() {
            return;
        }
        let diff = GraphDiff::between(old, new);
        // An error only means every subscriber left meanwhile.
        let _ = self.sender.send(Arc::new(diff));
    }

    /// Sends a diff made elsewhere (a write's own change set: no graph is compared) to every
    /// subscriber.
    pub fn send(&self, diff: GraphDiff) {
        let _turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
        // An error only means no one listens.
        let _ = self.sender.send(Arc::new(diff));
    }

    /// A new subscriber's receiver: it gets the swaps published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<GraphDiff>> {
        self.sender.subscribe()
    }

    /// How many subscribers listen now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}
