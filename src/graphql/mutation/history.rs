//! The store's reads: `history(id)` (the change sets that touched an entity or a relation) and
//! `changes(since)` (every change set after a version, for a client catching up), both pages
//! of at most `Limits::max_first` change sets, oldest first, with the current version.
//!
//! Invariant: reads hold the store's lock only to copy a page out (`Arc`s).

use std::sync::Arc;

use async_graphql::{Context, SimpleObject};

use super::super::{ErrorCode, Limits, error};
use super::{ChangeSetObject, writes};

/// A page of change sets.
#[derive(SimpleObject)]
pub struct ChangeSetPage {
    /// The graph version now (how many change sets the store holds).
    pub version: u64,
    /// The change sets, oldest first.
    pub change_sets: Vec<ChangeSetObject>,
    /// Whether more follow (ask again after the last one's version).
    pub has_more: bool,
}

/// `first` checked against the limits.
fn page_size(ctx: &Context<'_>, first: usize) -> async_graphql::Result<usize> {
    let max = ctx.data::<Limits>().map_or(100, |l| l.max_first);
    if first > max {
        return Err(error(
            ErrorCode::LimitExceeded,
            format!("`first` is {first}; at most {max}"),
        ));
    }
    Ok(first)
}

/// `changes(since, first)`.
pub fn changes(
    ctx: &Context<'_>,
    since: u64,
    first: usize,
) -> async_graphql::Result<ChangeSetPage> {
    let first = page_size(ctx, first)?;
    let store = writes(ctx)?.store();
    let page = store.changes_since(since, first.saturating_add(1));
    let has_more = page.len() > first;
    Ok(ChangeSetPage {
        version: store.version(),
        change_sets: page
            .iter()
            .take(first)
            .map(|c| ChangeSetObject(Arc::clone(c)))
            .collect(),
        has_more,
    })
}

/// `history(id, after, first)`.
pub fn history(
    ctx: &Context<'_>,
    id: &str,
    after: u64,
    first: usize,
) -> async_graphql::Result<ChangeSetPage> {
    let first = page_size(ctx, first)?;
    let store = writes(ctx)?.store();
    let (page, has_more) = store.history(id, after, first);
    Ok(ChangeSetPage {
        version: store.version(),
        change_sets: page.into_iter().map(ChangeSetObject).collect(),
        has_more,
    })
}
