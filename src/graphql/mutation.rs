//! The mutation root: `applyChanges`, one change set of any number of changes (up to
//! [`MAX_CHANGES`]), applied all or none. Every change goes through the store's validation,
//! the data files' own (`store::plan`); a failure is one error VALIDATION_FAILED listing every
//! problem in `extensions.problems` (`path`, `message`), a stale `baseVersion` is CONFLICT, a
//! server without `--store` answers WRITES_DISABLED. Every write needs the editor role
//! ([`super::require_role`]); its principal's subject is the change set's author.
//!
//! `history.rs` holds the reads of the store (`history`, `changes`); `writes.rs` the writer.
//!
//! Invariant: the store is called off the async workers, and only after the role check.

mod history;
mod writes;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use async_graphql::types::Json;
use async_graphql::{
    Context, Enum, ErrorExtensions, ID, InputObject, Object, OneofObject, SimpleObject,
};

use super::{ErrorCode, error};
use crate::auth::Role;
use crate::store::{Change, ChangeSet, Committed, WriteError};

pub use history::{ChangeSetPage, changes, history};
pub use writes::{BaseTexts, DEFAULT_FOLD_AFTER, Writes, fold_threshold};

/// Most changes in one change set.
pub const MAX_CHANGES: usize = 100;

/// The mutation root.
pub struct Mutation;

/// One change: exactly one of its fields. Records are JSON objects with the data file's fields
/// (data/README.md), `id` first-class: `{"id": "organization:x", "name": ..., "org_type": ...,
/// "citations": [{"source": "source:y", "quote": "...", "grade": "VERIFIED"}]}`.
#[derive(OneofObject)]
pub enum ChangeInput {
    /// A new entity (its kind is its id's prefix).
    CreateEntity(Json<serde_json::Value>),
    /// An existing entity's whole new record.
    UpdateEntity(Json<serde_json::Value>),
    /// A new relation (`from`, `type`, `to`, `role`?, `since`?, `until`?, `citations`).
    AddRelation(Json<serde_json::Value>),
    /// One more citation of an entity or a relation.
    AddCitation(AddCitationInput),
    /// Retracts an entity (with no relation left) or a relation (`TYPE:from->to`); history keeps
    /// it, the change set's reason says why.
    Retract(ID),
    /// A new SOURCE with the text its quotes are checked against.
    AddSource(AddSourceInput),
}

/// A citation to add.
#[derive(InputObject)]
pub struct AddCitationInput {
    /// An entity id, or a relation id `TYPE:from->to` (e.g.
    /// `ADMINISTERS:organization:sac->organization:sac-tc229`).
    pub target: ID,
    /// `{"source": "source:...", "quote": "...", "grade": "VERIFIED", "note"?: "..."}`.
    pub citation: Json<serde_json::Value>,
}

/// A SOURCE and its text.
#[derive(InputObject)]
pub struct AddSourceInput {
    /// The source's record, without `text`.
    pub record: Json<serde_json::Value>,
    /// The text quotes of it are checked against (verbatim, runs of whitespace equal).
    pub text: String,
}

/// What a change did.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ChangeOp {
    /// `createEntity`.
    CreateEntity,
    /// `updateEntity`.
    UpdateEntity,
    /// `addRelation`.
    AddRelation,
    /// `addCitation`.
    AddCitation,
    /// `retract`.
    Retract,
    /// `addSource`.
    AddSource,
}

/// One change of a stored change set.
#[derive(SimpleObject)]
pub struct ChangeRecord {
    /// What it did.
    pub op: ChangeOp,
    /// The entity or relation (`TYPE:from->to`) it is about.
    pub target: String,
    /// The record written, or the citation added (JSON, as sent).
    pub record: Option<Json<serde_json::Value>>,
}

/// A stored change set: who, when, why, what.
pub struct ChangeSetObject(pub Arc<Committed>);

/// A stored change set: who made it, when, why, and its changes, with the graph version it
/// produced.
#[Object(name = "ChangeSet")]
impl ChangeSetObject {
    /// The graph version it produced (1 for the first change set).
    async fn version(&self) -> u64 {
        self.0.version
    }
    /// Who made it (the token's subject).
    async fn author(&self) -> &str {
        &self.0.set.author
    }
    /// When it was committed (RFC 3339, UTC).
    async fn at(&self) -> String {
        rfc3339(self.0.set.at_ms)
    }
    /// Why.
    async fn reason(&self) -> &str {
        &self.0.set.reason
    }
    /// The version it was based on, if the author named one.
    async fn base_version(&self) -> Option<u64> {
        self.0.set.base_version
    }
    /// Its changes, in order.
    async fn changes(&self) -> Vec<ChangeRecord> {
        self.0
            .set
            .changes
            .iter()
            .zip(&self.0.touched)
            .map(|(change, target)| {
                let (op, record) = match change {
                    Change::CreateEntity { record } => (ChangeOp::CreateEntity, Some(record)),
                    Change::UpdateEntity { record } => (ChangeOp::UpdateEntity, Some(record)),
                    Change::AddRelation { record } => (ChangeOp::AddRelation, Some(record)),
                    Change::AddCitation { citation, .. } => (ChangeOp::AddCitation, Some(citation)),
                    Change::Retract { .. } => (ChangeOp::Retract, None),
                    Change::AddSource { record, .. } => (ChangeOp::AddSource, Some(record)),
                };
                ChangeRecord {
                    op,
                    target: target.clone(),
                    record: record.cloned().map(Json),
                }
            })
            .collect()
    }
}

/// The root mutation type: `applyChanges`, change sets applied all or none (needs a server with
/// a store and a bearer token with the editor role).
#[Object]
impl Mutation {
    /// Applies a change set: every change or none, visible to readers all at once, durable on
    /// disk before this answers. Needs the editor role. With `baseVersion`, refused (CONFLICT)
    /// unless the graph is still at that version. A change set that does not validate is
    /// refused (VALIDATION_FAILED) with every problem in `extensions.problems`.
    async fn apply_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The graph version the changes were made against (see `changes`).")]
        base_version: Option<u64>,
        #[graphql(desc = "Why: recorded with the change set (retractions need one too).")]
        reason: String,
        #[graphql(desc = "The changes, applied in order, all or none (at most 100).")] changes: Vec<
            ChangeInput,
        >,
    ) -> async_graphql::Result<ChangeSetObject> {
        let principal = super::require_role(ctx, Role::Editor)?;
        let writes = writes(ctx)?;
        if changes.len() > MAX_CHANGES {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!(
                    "{} changes in one change set; at most {MAX_CHANGES}",
                    changes.len()
                ),
            ));
        }
        let set = ChangeSet {
            author: principal.subject.to_string(),
            at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            reason,
            base_version,
            changes: changes.into_iter().map(Change::from).collect(),
        };
        let writes = Arc::clone(writes);
        // From here the write runs to its end whatever happens to this request: the transport
        // must wait for its outcome rather than answer that the request ran out of time.
        if let Ok(started) = ctx.data::<WriteStarted>() {
            started.mark();
        }
        let written = tokio::task::spawn_blocking(move || writes.write(set))
            .await
            .map_err(|_| error(ErrorCode::Internal, "the write could not be run"))?;
        written.map(ChangeSetObject).map_err(write_error)
    }
}

/// Set by a mutation once its write is handed to the writer (which then runs to its end): a
/// transport that puts a deadline on the request waits for the outcome of a write under way
/// instead of answering that it timed out (which would invite a retry of a committed write).
#[derive(Debug, Clone, Default)]
pub struct WriteStarted(Arc<std::sync::atomic::AtomicBool>);

impl WriteStarted {
    fn mark(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a write of this request is under way or done.
    pub fn is_set(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl From<ChangeInput> for Change {
    fn from(input: ChangeInput) -> Self {
        match input {
            ChangeInput::CreateEntity(Json(record)) => Change::CreateEntity { record },
            ChangeInput::UpdateEntity(Json(record)) => Change::UpdateEntity { record },
            ChangeInput::AddRelation(Json(record)) => Change::AddRelation { record },
            ChangeInput::AddCitation(c) => Change::AddCitation {
                target: c.target.0,
                citation: c.citation.0,
            },
            ChangeInput::Retract(target) => Change::Retract { target: target.0 },
            ChangeInput::AddSource(s) => Change::AddSource {
                record: s.record.0,
                text: s.text,
            },
        }
    }
}

/// The server's writer, or WRITES_DISABLED.
pub(super) fn writes<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Arc<Writes>> {
    // What the store holds (history, change sets) is not the graph's: an answer that reads it
    // holds only on its own data version.
    crate::graph::unfollowed();
    ctx.data::<Arc<Writes>>().map_err(|_| {
        error(
            ErrorCode::WritesDisabled,
            "this server has no store: start it with --store FILE to accept writes",
        )
    })
}

/// A refused write as a GraphQL error.
fn write_error(e: WriteError) -> async_graphql::Error {
    match e {
        WriteError::Conflict { .. } => error(ErrorCode::Conflict, e.to_string()),
        WriteError::Invalid(problems) => {
            let list = problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            error(
                ErrorCode::ValidationFailed,
                format!("{} problem(s) in the changes:\n{list}", problems.len()),
            )
            .extend_with(|_, ext| {
                let list: Vec<async_graphql::Value> = problems
                    .iter()
                    .map(|p| {
                        let mut object = async_graphql::indexmap::IndexMap::new();
                        object.insert(async_graphql::Name::new("path"), p.path.clone().into());
                        object.insert(
                            async_graphql::Name::new("message"),
                            p.message.clone().into(),
                        );
                        async_graphql::Value::Object(object)
                    })
                    .collect();
                ext.set("problems", list);
            })
        }
        WriteError::Journal(e) => {
            tracing::error!(error = %e, "a write could not be stored");
            error(
                ErrorCode::Internal,
                "the write could not be stored; nothing was applied",
            )
        }
    }
}

/// Milliseconds since the epoch as RFC 3339 (UTC, millisecond precision).
fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_writes_utc_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_764_806_400_123),
            "2025-12-04T00:00:00.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
