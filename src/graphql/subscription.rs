//! The subscription root: `graphChanged`, one event per graph swap (today a reload; writes
//! later), filtered per subscriber by kind and id.
//!
//! Events come from a [`ChangeFeed`] in the request's data (the transport attaches it): the
//! diff is computed once per swap (`feed.rs`), and each subscriber only filters and cuts it.
//! A subscriber that falls behind the feed's capacity gets one error (LIMIT_EXCEEDED) and its
//! stream ends: it is dropped, never buffered.

mod feed;

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::futures_util::stream::{self, Stream};
use async_graphql::{Context, ID, SimpleObject};
use tokio::sync::broadcast::error::RecvError;

use super::enums::EntityKind;
use super::{ErrorCode, Limits, error};
use crate::model::{self, EntityId};

pub use feed::{ChangeFeed, GraphDiff};

/// Most ids in each of an event's lists; beyond it the list is cut and `truncated` is set (the
/// counts stay whole).
pub const MAX_EVENT_IDS: usize = 1_000;

/// The subscription root.
pub struct Subscription;

/// One change of the data as a subscriber sees it: the ids it asked about that were added,
/// removed or changed, the new data version and the new graph's size.
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
pub struct GraphChange {
    /// The data version now served (as `stats.dataVersion`).
    pub data_version: String,
    /// The data version served before this change.
    pub previous_data_version: String,
    /// Entities in the graph now.
    pub entities: usize,
    /// Relations in the graph now.
    pub relations: usize,
    /// Entities added (those the filter selects), sorted by id; at most 1,000.
    pub added: Vec<ID>,
    /// Entities removed (those the filter selects), sorted by id; at most 1,000.
    pub removed: Vec<ID>,
    /// Entities whose record or relations changed (those the filter selects), sorted by id; at
    /// most 1,000.
    pub changed: Vec<ID>,
    /// How many entities the filter selects among those added (all of them, even when `added`
    /// is cut).
    pub added_count: usize,
    /// How many among those removed.
    pub removed_count: usize,
    /// How many among those changed.
    pub changed_count: usize,
    /// Whether a list was cut at 1,000 ids.
    pub truncated: bool,
}

/// What one subscriber asked about: kinds and ids, both optional; an id must pass both.
#[derive(Debug, Clone, Default)]
struct Filter {
    kinds: Vec<model::EntityKind>,
    ids: HashSet<String>,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.kinds.is_empty() && self.ids.is_empty()
    }

    fn selects(&self, kind: model::EntityKind, id: &EntityId) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.ids.is_empty() || self.ids.contains(id.as_str()))
    }

    /// The event this subscriber gets for a swap: `None` when the filter selects none of the
    /// ids it touched (an unfiltered subscriber gets every swap).
    fn view(&self, diff: &GraphDiff) -> Option<GraphChange> {
        let mut truncated = false;
        let mut pick = |list: &[(model::EntityKind, EntityId)]| {
            let mut ids = Vec::new();
            let mut count = 0;
            for (_, id) in list.iter().filter(|(kind, id)| self.selects(*kind, id)) {
                count += 1;
                if ids.len() < MAX_EVENT_IDS {
                    ids.push(ID(id.as_str().to_owned()));
                } else {
                    truncated = true;
                }
            }
            (ids, count)
        };
        let (added, added_count) = pick(&diff.added);
        let (removed, removed_count) = pick(&diff.removed);
        let (changed, changed_count) = pick(&diff.changed);
        if !self.is_empty() && added_count + removed_count + changed_count == 0 {
            return None;
        }
        Some(GraphChange {
            data_version: format!("{:016x}", diff.version),
            previous_data_version: format!("{:016x}", diff.previous_version),
            entities: diff.entities,
            relations: diff.relations,
            added,
            removed,
            changed,
            added_count,
            removed_count,
            changed_count,
            truncated,
        })
    }
}

/// Live events over WebSocket (`graphql-transport-ws` on `GET /graphql`): the data changes.
#[async_graphql::Subscription]
impl Subscription {
    /// One event each time the served data changes (a reload that changed the files), with
    /// the ids added, removed and changed. With `kinds` and/or `ids`, only the changes of those
    /// entities (an id must pass both), and no event for a change that touches none of them.
    /// A subscriber that reads too slowly gets one LIMIT_EXCEEDED error and its stream ends:
    /// subscribe again and re-read what you need.
    async fn graph_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes of entities of these kinds.")] kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(
            desc = "Only changes of these entities (at most 100 ids; they need not exist \
                          yet)."
        )]
        ids: Option<Vec<ID>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<GraphChange>> + use<>> {
        let feed = ctx
            .data::<Arc<ChangeFeed>>()
            .map_err(|_| error(ErrorCode::Internal, "this server sends no change events"))?;
        let max_ids = ctx.data::<Limits>().map_or(100, |l| l.max_ids);
        let ids = ids.unwrap_or_default();
        if ids.len() > max_ids {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!("`ids` has {} ids; at most {max_ids}", ids.len()),
            ));
        }
        for id in &ids {
            EntityId::kind_of(id.as_str())
                .map_err(|e| error(ErrorCode::BadUserInput, e.to_string()))?;
        }
        let filter = Filter {
            kinds: kinds
                .unwrap_or_default()
                .into_iter()
                .map(model::EntityKind::from)
                .collect(),
            ids: ids.into_iter().map(|id| id.0).collect(),
        };
        let receiver = feed.subscribe();
        Ok(stream::unfold(
            Some((receiver, filter)),
            |state| async move {
                let (mut receiver, filter) = state?;
                loop {
                    match receiver.recv().await {
                        Ok(diff) => {
                            if let Some(change) = filter.view(&diff) {
                                return Some((Ok(change), Some((receiver, filter))));
                            }
                        }
                        Err(RecvError::Lagged(missed)) => {
                            let message = format!(
                                "this subscription fell {missed} changes behind (the server keeps \
                                 a few for a slow reader) and was dropped; subscribe again and \
                                 re-read what you need"
                            );
                            return Some((Err(error(ErrorCode::LimitExceeded, message)), None));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
