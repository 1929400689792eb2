//! Writes (issue 16): change sets validated like data files, committed durably to an embedded
//! journal, and folded into the served graph.
//!
//! The parts: `change` (the [`Change`] and [`ChangeSet`] model, relation ids), `record` (records
//! as data files write them, from JSON or from the model), `plan` (validation through the
//! loader), `working` (the records a write looks up and changes), `journal` (redb), `export`
//! (the graph back to data files). [`Store`] ties them: [`Store::open`] replays the journal on
//! the base graph, [`Store::write`] checks the base version, validates, appends durably, then
//! commits and builds the new graph.
//!
//! The change path rebuilds the graph (`KnowledgeGraph::new`, O(entities + relations)) once per
//! write; validation costs only what the change set refers to. See ARCHITECTURE.md.
//!
//! Invariant: a change set is in the journal before its graph is returned (and so before any
//! reader can see it), and it is in the journal only if it validated; knows nothing of GraphQL
//! or HTTP.

mod change;
mod export;
mod journal;
mod plan;
mod record;
mod working;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub use change::{Change, ChangeSet, Committed, RelationId};
pub use export::export;
pub use journal::JournalError;
pub use plan::{ChangeProblem, stored_text_path};
pub use working::{Touched, Working};

use crate::dataset::SourceTexts;
use crate::graph::KnowledgeGraph;
use journal::Journal;

/// Why the store cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The journal cannot be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// A stored change set no longer validates against the base data (it changed under the
    /// store): start-up stops rather than drop it.
    #[error(
        "stored change set {version} (by {author}: {reason}) no longer applies to the base data:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    )]
    Replay {
        /// Its version.
        version: u64,
        /// Its author.
        author: String,
        /// Its reason.
        reason: String,
        /// What is wrong now.
        problems: Vec<ChangeProblem>,
    },
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The write was based on another version than the current one.
    #[error(
        "the graph is at version {current}, not {base}: read the changes since {base} and retry"
    )]
    Conflict {
        /// The version the write named.
        base: u64,
        /// The version now.
        current: u64,
    },
    /// The change set does not validate; every problem is listed.
    #[error("{} problem(s) in the changes", .0.len())]
    Invalid(Vec<ChangeProblem>),
    /// The journal could not be written: nothing was applied.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// A committed write: the change set, the new graph, what it touched.
#[derive(Debug)]
pub struct Written {
    /// The change set as stored.
    pub committed: Arc<Committed>,
    /// The graph with it.
    pub graph: KnowledgeGraph,
    /// The entities it touched.
    pub touched: Touched,
}

/// The journal, the log of change sets in memory (for `changes` and `history`) and the
/// working records. One writer at a time: callers hold it behind a mutex.
///
/// With no change set stored, the base graph is served as it is (no rebuild at start-up), and
/// the working records are made from it only when first needed (the first write, an export).
#[derive(Debug)]
pub struct Store {
    journal: Journal,
    log: Vec<Arc<Committed>>,
    /// Versions touching each id, ascending.
    history: HashMap<String, Vec<u64>>,
    /// The graph served while no change set is on it: the working records are made from it
    /// when first needed, and it is let go after the first write.
    base: Option<Arc<KnowledgeGraph>>,
    /// The working records, once made.
    working: Option<Working>,
}

impl Store {
    /// Opens the journal at `path` and replays it on `base`: the store and the graph to serve.
    pub fn open(
        path: &Path,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
    ) -> Result<(Store, Arc<KnowledgeGraph>), StoreError> {
        let journal = Journal::open(path)?;
        let log = journal.read_all()?.into_iter().map(Arc::new).collect();
        let mut store = Store {
            journal,
            log,
            history: HashMap::new(),
            base: None,
            working: None,
        };
        for committed in &store.log {
            index_history(&mut store.history, committed);
        }
        let graph = store.rebase(base, texts)?;
        Ok((store, graph))
    }

    /// Replays every stored change set on a new base (start-up, reload): the graph to serve.
    /// On an error the store keeps its previous records.
    pub fn rebase(
        &mut self,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
    ) -> Result<Arc<KnowledgeGraph>, StoreError> {
        if self.log.is_empty() {
            self.base = Some(Arc::clone(&base));
            self.working = None;
            return Ok(base);
        }
        let mut working = Working::of_graph(&base);
        for committed in &self.log {
            let plan =
                working
                    .plan(&committed.set, texts)
                    .map_err(|problems| StoreError::Replay {
                        version: committed.version,
                        author: committed.set.author.clone(),
                        reason: committed.set.reason.clone(),
                        problems,
                    })?;
            working.commit(plan);
        }
        let graph = Arc::new(KnowledgeGraph::new(working.to_dataset()));
        self.base = None;
        self.working = Some(working);
        Ok(graph)
    }

    /// Validates `set`, appends it to the journal (synced), commits it: the new graph to swap
    /// in. Refused with nothing changed when its base version is not the current one, when it
    /// does not validate, or when the journal cannot be written.
    pub fn write(
        &mut self,
        set: ChangeSet,
        texts: &dyn SourceTexts,
    ) -> Result<Written, WriteError> {
        let current = self.version();
        if let Some(base) = set.base_version
            && base != current
        {
            return Err(WriteError::Conflict { base, current });
        }
        let plan = self
            .working_mut()
            .plan(&set, texts)
            .map_err(WriteError::Invalid)?;
        let committed = Arc::new(Committed {
            version: current + 1,
            touched: plan_touched(&plan),
            set,
        });
        self.journal.append(&committed)?;
        let touched = self.working_mut().commit(plan);
        self.base = None;
        index_history(&mut self.history, &committed);
        self.log.push(Arc::clone(&committed));
        let graph = KnowledgeGraph::new(self.working().to_dataset());
        Ok(Written {
            committed,
            graph,
            touched,
        })
    }

    /// The graph version: how many change sets the store holds.
    pub fn version(&self) -> u64 {
        self.log.len() as u64
    }

    /// The change sets after version `since`, at most `first`.
    pub fn changes_since(&self, since: u64, first: usize) -> &[Arc<Committed>] {
        let start = usize::try_from(since)
            .unwrap_or(usize::MAX)
            .min(self.log.len());
        let end = start.saturating_add(first).min(self.log.len());
        &self.log[start..end]
    }

    /// The change sets touching `id` (an entity id or a relation id) after version `after`,
    /// oldest first, at most `first`; and whether more follow.
    pub fn history(&self, id: &str, after: u64, first: usize) -> (Vec<Arc<Committed>>, bool) {
        let versions = self.history.get(id).map_or(&[][..], Vec::as_slice);
        let start = versions.partition_point(|&v| v <= after);
        let page: Vec<_> = versions[start..]
            .iter()
            .take(first)
            .filter_map(|&v| {
                self.log
                    .get(usize::try_from(v).ok()?.checked_sub(1)?)
                    .cloned()
            })
            .collect();
        let more = versions.len() - start > first;
        (page, more)
    }

    /// The working records (for export), made from the base graph if not yet.
    pub fn working(&mut self) -> &Working {
        self.working_mut()
    }

    fn working_mut(&mut self) -> &mut Working {
        let base = &self.base;
        self.working
            .get_or_insert_with(|| base.as_deref().map(Working::of_graph).unwrap_or_default())
    }
}

/// Adds a change set to the history index: under each id it touched and, for a relation, under
/// both its entities too (an entity's history shows its relations' changes), once per id.
fn index_history(history: &mut HashMap<String, Vec<u64>>, committed: &Committed) {
    let mut ids: Vec<String> = Vec::new();
    for id in &committed.touched {
        ids.push(id.clone());
        if let Some(relation) = RelationId::parse(id) {
            ids.push(relation.from.to_string());
            ids.push(relation.to.to_string());
        }
    }
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        history.entry(id).or_default().push(committed.version);
    }
}

fn plan_touched(plan: &working::Plan) -> Vec<String> {
    plan.touched.clone()
}
