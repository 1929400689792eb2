//! What a write is: a [`Change`] (create or update an entity, add a relation, add a citation,
//! retract, add a SOURCE with its text), a [`ChangeSet`] of them (who, when, why, on which
//! version) and the [`Committed`] change set the store keeps, numbered by the graph version it
//! produced. Relations have no id of their own: a [`RelationId`] is `TYPE:from->to`, unique
//! because the loader refuses two relations of one type between the same two entities.
//!
//! Invariant: plain serde values; the journal stores them as JSON and replays them through the
//! same path as a live write.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{EntityId, RelationType};

/// One change, as a client sends it: records are JSON objects of the data file's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "op")]
pub enum Change {
    /// A new entity (its `id` must be new).
    CreateEntity {
        /// The entity's record.
        record: serde_json::Value,
    },
    /// An existing entity's whole new record (same `id`).
    UpdateEntity {
        /// The entity's record.
        record: serde_json::Value,
    },
    /// A new relation.
    AddRelation {
        /// The relation's record.
        record: serde_json::Value,
    },
    /// One more citation of an existing entity or relation.
    AddCitation {
        /// An entity id or a relation id (`TYPE:from->to`).
        target: String,
        /// The citation (`{ source, quote, grade, note?, conflict? }`).
        citation: serde_json::Value,
    },
    /// Removes an entity (with no relations left) or a relation; history keeps it.
    Retract {
        /// An entity id or a relation id.
        target: String,
    },
    /// A new SOURCE and the text its quotes are checked against.
    AddSource {
        /// The source's record (without `text`: the store keeps the text).
        record: serde_json::Value,
        /// The source's text.
        text: String,
    },
}

impl Change {
    /// The operation's name, as the API shows it.
    pub fn op(&self) -> &'static str {
        match self {
            Change::CreateEntity { .. } => "CREATE_ENTITY",
            Change::UpdateEntity { .. } => "UPDATE_ENTITY",
            Change::AddRelation { .. } => "ADD_RELATION",
            Change::AddCitation { .. } => "ADD_CITATION",
            Change::Retract { .. } => "RETRACT",
            Change::AddSource { .. } => "ADD_SOURCE",
        }
    }
}

/// A batch of changes, applied all or none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeSet {
    /// Who: the principal's subject.
    pub author: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Why (required, never empty).
    pub reason: String,
    /// The version the author saw, if they named one (optimistic concurrency).
    pub base_version: Option<u64>,
    /// What, in order.
    pub changes: Vec<Change>,
}

/// A change set the store holds: the graph version it produced (1 for the first), and the ids
/// it touched (entities and relations), for `history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Committed {
    /// The graph version after it.
    pub version: u64,
    /// The change set.
    pub set: ChangeSet,
    /// Each change's target id, in change order.
    pub touched: Vec<String>,
}

/// A relation's stable id: `TYPE:from->to`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RelationId {
    /// Its type.
    pub relation_type: RelationType,
    /// Where it starts.
    pub from: EntityId,
    /// Where it ends.
    pub to: EntityId,
}

impl RelationId {
    /// Parses `TYPE:from->to`; `None` when it is not one.
    pub fn parse(text: &str) -> Option<RelationId> {
        let (name, ends) = text.split_once(':')?;
        let relation_type = RelationType::ALL.into_iter().find(|t| t.name() == name)?;
        let (from, to) = ends.split_once("->")?;
        Some(RelationId {
            relation_type,
            from: EntityId::parse(from).ok()?.0,
            to: EntityId::parse(to).ok()?.0,
        })
    }
}

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}->{}",
            self.relation_type.name(),
            self.from,
            self.to
        )
    }
}

#[cfg(test)]
mod tests {
    use super::RelationId;

    #[test]
    fn a_relation_id_reads_back_as_written_and_refuses_other_text() {
        let text = "ADMINISTERS:organization:sac->organization:sac-tc229";
        let id = RelationId::parse(text).expect("parses");
        assert_eq!(id.to_string(), text);
        assert_eq!(id.from.as_str(), "organization:sac");
        for bad in [
            "organization:sac",
            "NOPE:organization:a->organization:b",
            "ADMINISTERS:organization:a-organization:b",
            "ADMINISTERS:organization:a->nothing",
        ] {
            assert!(RelationId::parse(bad).is_none(), "{bad}");
        }
    }
}
