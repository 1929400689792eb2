//! Writes (issue 16): change sets validated like data files, committed durably to an embedded
//! journal, and folded into the served graph.
//!
//! The parts: `change` (the [`Change`] and [`ChangeSet`] model, relation ids), `record` (records
//! as data files write them, from JSON or from the model), `plan` (validation through the
//! loader), `working` (the records a write looks up and changes), `journal` (redb), `export`
//! (the graph back to data files). [`Store`] ties them: [`Store::open`] replays the journal on
//! the base graph, [`Store::write`] checks the base version, validates, appends durably, then
//! commits and applies the change set to the served graph as a delta over its base.
//!
//! A write costs what its change set refers to plus a (persistent, cheap) copy of the delta,
//! never a rebuild; a fold
//! ([`Store::fold_due`], [`Store::adopt`]) builds a new base off the writer's lock once the
//! delta has grown. See ARCHITECTURE.md ("Writes").
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
use crate::graph::{Edits, KnowledgeGraph};
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
    pub graph: Arc<KnowledgeGraph>,
    /// The entities it touched.
    pub touched: Touched,
}

/// A journal opened and read whole, waiting for its base ([`Store::read_journal`]).
#[derive(Debug)]
pub struct ReadJournal {
    journal: Journal,
    log: Vec<Committed>,
    resolved: Vec<journal::Resolved>,
}

/// A fold under way ([`Store::fold_due`]): the graph to fold and where the store stood.
#[derive(Debug)]
pub struct FoldTicket {
    /// The graph to fold ([`KnowledgeGraph::fold`], off the writer's lock).
    pub graph: Arc<KnowledgeGraph>,
    version: u64,
    epoch: u64,
}

/// The edits of one committed change set, kept until a fold takes them into a base.
#[derive(Debug)]
struct Unfolded {
    version: u64,
    fingerprint: u64,
    edits: Arc<Edits>,
    texts: Vec<(String, String)>,
}

/// The making of the working records off the store's lock ([`Store::working_job`]).
#[derive(Debug)]
pub struct WorkingJob {
    graph: Arc<KnowledgeGraph>,
    base_fingerprint: u64,
    version: u64,
    texts: Vec<(String, Arc<str>)>,
    /// The store's epoch when the job was made.
    pub epoch: u64,
}

impl WorkingJob {
    /// Makes the working records (O(entities + relations)).
    pub fn run(self) -> Working {
        Working::of_graph_at(&self.graph, self.base_fingerprint, self.version, self.texts)
    }
}

/// The journal, the log of change sets in memory (for `changes` and `history`), the working
/// records (for validation) and the graph served. One writer at a time: callers hold it behind
/// a mutex.
///
/// A write applies its change set to the served graph as a delta over its base
/// ([`KnowledgeGraph::apply`]); once the delta has grown, a fold builds a new
/// base off the lock ([`Store::fold_due`], [`Store::adopt`]). With no change set stored, the
/// base graph is served as it is, and the working records are made from it only when first
/// needed (the first write, an export).
#[derive(Debug)]
pub struct Store {
    journal: Journal,
    log: Vec<Arc<Committed>>,
    /// Versions touching each id, ascending.
    history: HashMap<String, Vec<u64>>,
    /// The graph served: the base with every change set on it.
    graph: Arc<KnowledgeGraph>,
    /// The working records, once made.
    working: Option<Working>,
    /// The base data's fingerprint, and the texts the store holds: what the working records
    /// are made from when the store was replayed without them.
    base_fingerprint: u64,
    texts: Vec<(String, Arc<str>)>,
    /// The change sets the served graph's base does not hold (they are in its delta).
    unfolded: Vec<Unfolded>,
    /// Moved by every rebase, so a fold started before one is dropped.
    epoch: u64,
    folding: bool,
}

impl Store {
    /// Opens the journal at `path` and replays it on `base`: the store and the graph to serve.
    pub fn open(
        path: &Path,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
    ) -> Result<(Store, Arc<KnowledgeGraph>), StoreError> {
        Store::open_read(Store::read_journal(path)?, base, texts)
    }

    /// Opens the journal at `path` and reads it whole, before the base is at hand (start-up
    /// reads it while the base loads).
    pub fn read_journal(path: &Path) -> Result<ReadJournal, StoreError> {
        let journal = Journal::open(path)?;
        let log = journal.read_all()?;
        let resolved = journal.read_resolved_all()?;
        Ok(ReadJournal {
            journal,
            log,
            resolved,
        })
    }

    /// A journal read ([`Store::read_journal`]) replayed on `base`: the store and the graph to
    /// serve.
    pub fn open_read(
        read: ReadJournal,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
    ) -> Result<(Store, Arc<KnowledgeGraph>), StoreError> {
        let ReadJournal {
            journal,
            log,
            resolved,
        } = read;
        let log = log.into_iter().map(Arc::new).collect();
        let mut store = Store {
            journal,
            log,
            history: HashMap::new(),
            graph: Arc::clone(&base),
            working: None,
            base_fingerprint: base.fingerprint(),
            texts: Vec::new(),
            unfolded: Vec::new(),
            epoch: 0,
            folding: false,
        };
        for committed in &store.log {
            index_history(&mut store.history, committed);
        }
        let graph = store.rebase_with(base, texts, Some(resolved))?;
        Ok((store, graph))
    }

    /// Replays every stored change set on a new base (start-up, reload): the graph to serve,
    /// the base with a delta of every change set (a fold follows when it is large). When the
    /// journal holds what each change set wrote, resolved on this very base, those records are
    /// applied as they are (O(the records), no validation; the working records are made later,
    /// [`Store::working_job`]); otherwise each change set is validated again (a base that changed
    /// under the store is caught here) and the records it writes now are stored. On an error
    /// the store keeps its previous records.
    pub fn rebase(
        &mut self,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
    ) -> Result<Arc<KnowledgeGraph>, StoreError> {
        self.rebase_with(base, texts, None)
    }

    /// [`Store::rebase`], with the resolved change sets already read (at start-up) or not.
    fn rebase_with(
        &mut self,
        base: Arc<KnowledgeGraph>,
        texts: &dyn SourceTexts,
        resolved: Option<Vec<journal::Resolved>>,
    ) -> Result<Arc<KnowledgeGraph>, StoreError> {
        let base_fingerprint = base.fingerprint();
        if self.log.is_empty() {
            self.install(
                Arc::clone(&base),
                None,
                Vec::new(),
                base_fingerprint,
                Vec::new(),
            );
            return Ok(base);
        }
        let n = self.version();
        let stored = match resolved {
            Some(all) => journal::usable(all, n, base_fingerprint),
            None => self
                .journal
                .read_resolved(n, base_fingerprint)
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "cannot read the resolved change sets; validating again");
                    None
                }),
        };
        if let Some(resolved) = stored {
            let unfolded: Vec<Unfolded> = resolved
                .into_iter()
                .enumerate()
                .map(|(i, r)| Unfolded {
                    version: i as u64 + 1,
                    fingerprint: working::mix(base_fingerprint, i as u64 + 1),
                    edits: Arc::new(r.edits),
                    texts: r.texts,
                })
                .collect();
            match base.apply_all(
                unfolded.iter().map(|u| u.edits.as_ref()),
                working::mix(base_fingerprint, n),
            ) {
                Ok(graph) => {
                    let stored_texts = unfolded
                        .iter()
                        .flat_map(|u| u.texts.iter())
                        .map(|(path, text)| (path.clone(), Arc::from(text.as_str())))
                        .collect();
                    self.install(
                        Arc::new(graph),
                        None,
                        unfolded,
                        base_fingerprint,
                        stored_texts,
                    );
                    return Ok(Arc::clone(&self.graph));
                }
                Err(error) => {
                    tracing::warn!(%error, "stored records do not apply; validating again");
                }
            }
        }
        let mut working = Working::of_graph(&base);
        let mut unfolded = Vec::with_capacity(self.log.len());
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
            let edits = Arc::new(working.edits(&plan));
            let plan_texts = plan_texts(&plan);
            working.commit(plan);
            unfolded.push(Unfolded {
                version: committed.version,
                fingerprint: working.fingerprint(),
                edits,
                texts: plan_texts,
            });
        }
        let graph = match base.apply_all(
            unfolded.iter().map(|u| u.edits.as_ref()),
            working.fingerprint(),
        ) {
            Ok(graph) => graph,
            Err(error) => {
                tracing::error!(%error, "replayed edits do not apply to the base; rebuilding");
                KnowledgeGraph::new(working.to_dataset())
            }
        };
        let resolved: Vec<journal::Resolved> = unfolded
            .iter()
            .map(|u| journal::Resolved {
                base: base_fingerprint,
                edits: u.edits.as_ref().clone(),
                texts: u.texts.clone(),
            })
            .collect();
        if let Err(error) = self.journal.rewrite_resolved(&resolved) {
            tracing::warn!(%error, "cannot store the resolved change sets; the next start validates again");
        }
        self.install(
            Arc::new(graph),
            Some(working),
            unfolded,
            base_fingerprint,
            Vec::new(),
        );
        Ok(Arc::clone(&self.graph))
    }

    fn install(
        &mut self,
        graph: Arc<KnowledgeGraph>,
        working: Option<Working>,
        unfolded: Vec<Unfolded>,
        base_fingerprint: u64,
        texts: Vec<(String, Arc<str>)>,
    ) {
        self.graph = graph;
        self.working = working;
        self.unfolded = unfolded;
        self.base_fingerprint = base_fingerprint;
        self.texts = texts;
        self.epoch += 1;
        self.folding = false;
    }

    /// When the working records are not made yet: what to make them from, so that a thread
    /// can make them off the lock ([`WorkingJob::run`]) and [`Store::set_working`] them.
    pub fn working_job(&self) -> Option<WorkingJob> {
        self.working.is_none().then(|| WorkingJob {
            graph: Arc::clone(&self.graph),
            base_fingerprint: self.base_fingerprint,
            version: self.version(),
            texts: self.texts.clone(),
            epoch: self.epoch,
        })
    }

    /// Takes working records a job made, unless the store moved on meanwhile (a write made
    /// its own, or a rebase).
    pub fn set_working(&mut self, working: Working, epoch: u64) {
        if self.working.is_none() && epoch == self.epoch && working.version() == self.version() {
            self.working = Some(working);
            self.texts = Vec::new();
        }
    }

    /// Validates `set`, appends it to the journal (synced), commits it: the new graph to swap
    /// in. Refused with nothing changed when its base version is not the current one, when it
    /// does not validate, or when the journal cannot be written. O(the change set + the
    /// delta): the graph is not rebuilt.
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
        let working = self.working_mut();
        let plan = working.plan(&set, texts).map_err(WriteError::Invalid)?;
        let edits = Arc::new(working.edits(&plan));
        let committed = Arc::new(Committed {
            version: current + 1,
            touched: plan_touched(&plan),
            set,
        });
        let plan_texts = plan_texts(&plan);
        let resolved = journal::Resolved {
            base: self.base_fingerprint,
            edits: edits.as_ref().clone(),
            texts: plan_texts.clone(),
        };
        self.journal.append(&committed, &resolved)?;
        let working = self.working_mut();
        let touched = working.commit(plan);
        let fingerprint = working.fingerprint();
        let graph = match self.graph.apply(&edits, fingerprint) {
            Ok(graph) => graph,
            Err(error) => {
                // Validated edits always apply; should they not, the records still hold.
                tracing::error!(%error, version = committed.version, "edits do not apply; rebuilding");
                let graph = KnowledgeGraph::new(self.working().to_dataset());
                self.unfolded.clear();
                self.epoch += 1;
                graph
            }
        };
        self.graph = Arc::new(graph);
        self.unfolded.push(Unfolded {
            version: committed.version,
            fingerprint,
            edits,
            texts: plan_texts,
        });
        index_history(&mut self.history, &committed);
        self.log.push(Arc::clone(&committed));
        Ok(Written {
            committed,
            graph: Arc::clone(&self.graph),
            touched,
        })
    }

    /// The graph to fold when its delta holds at least `records` records and no fold is under
    /// way; the caller folds it off the lock and hands the result to [`Store::adopt`].
    pub fn fold_due(&mut self, records: usize) -> Option<FoldTicket> {
        if self.folding || self.graph.pending() < records.max(1) {
            return None;
        }
        self.folding = true;
        Some(FoldTicket {
            graph: Arc::clone(&self.graph),
            version: self.version(),
            epoch: self.epoch,
        })
    }

    /// Takes a fold of `ticket`'s graph: the change sets committed since are applied over it,
    /// and the result, which answers as the graph served does, is the graph to serve now.
    /// `None` (nothing changes) when a rebase came in between.
    pub fn adopt(
        &mut self,
        ticket: FoldTicket,
        folded: KnowledgeGraph,
    ) -> Option<Arc<KnowledgeGraph>> {
        if ticket.epoch != self.epoch {
            return None;
        }
        self.folding = false;
        self.unfolded.retain(|u| u.version > ticket.version);
        let graph = match self.unfolded.last() {
            None => folded,
            Some(last) => folded
                .apply_all(
                    self.unfolded.iter().map(|u| u.edits.as_ref()),
                    last.fingerprint,
                )
                .inspect_err(|error| tracing::error!(%error, "a fold's catch-up failed"))
                .ok()?,
        };
        // The same data version as the graph it replaces: answers kept across the writes
        // before the fold still hold on it (see `graph::reads`).
        self.graph = Arc::new(graph.with_trail_of(&self.graph));
        Some(Arc::clone(&self.graph))
    }

    /// Gives up a fold (its thread failed): another may start.
    pub fn fold_failed(&mut self, ticket: &FoldTicket) {
        if ticket.epoch == self.epoch {
            self.folding = false;
        }
    }

    /// The graph served.
    pub fn graph(&self) -> &Arc<KnowledgeGraph> {
        &self.graph
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

    /// The working records (for export), made from the served graph if not yet.
    pub fn working(&mut self) -> &Working {
        self.working_mut()
    }

    fn working_mut(&mut self) -> &mut Working {
        let (graph, base, version) = (&self.graph, self.base_fingerprint, self.log.len() as u64);
        let texts = &mut self.texts;
        self.working.get_or_insert_with(|| {
            Working::of_graph_at(graph, base, version, std::mem::take(texts))
        })
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

fn plan_texts(plan: &working::Plan) -> Vec<(String, String)> {
    plan.texts
        .iter()
        .map(|(path, text)| (path.clone(), text.to_string()))
        .collect()
}
