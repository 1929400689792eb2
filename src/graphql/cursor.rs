//! Connection cursors that never shift silently across a data reload.
//!
//! `entities` is ordered by kind then id, a stable key: its cursor is the id of the entity it
//! follows ([`EntityCursor`]), and the next page starts at the first entity after that key in
//! whatever snapshot serves it, so a cursor survives a reload and points at the same place
//! (even when its entity was removed).
//!
//! An entity's `relations` are listed in data order, which has no stable key: their cursor
//! ([`PageCursor`]) names a position *and* the data version (`stats.dataVersion`, the fingerprint
//! of the data files) it was issued for. A reload that adds or removes a relation moves every
//! position after it, so a cursor from another version is refused with STALE_CURSOR, whose
//! message says the data changed and to start again without `after`; a reload of identical data
//! keeps the same version, and its cursors stay valid.
//!
//! Architecture invariant: knows the graph's fingerprint and entity order only, nothing of the
//! connections.

use async_graphql::connection::CursorType;

use super::{ErrorCode, error};
use crate::graph::{EntityKey, KnowledgeGraph};
use crate::model::EntityKind;

/// The cursor of an entity in `entities`: its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntityCursor(String);

impl EntityCursor {
    /// The cursor of `key`.
    pub(crate) fn new(graph: &KnowledgeGraph, key: EntityKey) -> Self {
        EntityCursor(graph.entity(key).id.as_str().to_owned())
    }

    /// A cursor of an ordered page (see `filter::encode_cursor`).
    pub(crate) fn ordered(encoded: String) -> Self {
        EntityCursor(encoded)
    }
}

impl CursorType for EntityCursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        Ok(EntityCursor(s.to_owned()))
    }

    fn encode_cursor(&self) -> String {
        self.0.clone()
    }
}

/// The position in `entities(kinds)` (ordered by kind then id) of the first entity after the
/// cursor `after` (0 without one): BAD_USER_INPUT for a string that is not an entity id of a
/// known kind. The cursor's entity need not exist in this snapshot. O(log n × kinds).
pub(crate) fn entity_position_after(
    graph: &KnowledgeGraph,
    kinds: &[EntityKind],
    after: Option<&str>,
) -> async_graphql::Result<usize> {
    let Some(after) = after else {
        return Ok(0);
    };
    let kind = after
        .split_once(':')
        .filter(|(_, slug)| !slug.is_empty())
        .and_then(|(prefix, _)| EntityKind::from_prefix(prefix))
        .ok_or_else(|| {
            error(
                ErrorCode::BadUserInput,
                format!("`after` is not a cursor from this API: {after:?}"),
            )
        })?;
    let key = (kind, after);
    // Lower bound: the first position whose (kind, id) is above the cursor's.
    let (mut low, mut high) = (0, graph.count_of_kinds(kinds));
    while low < high {
        let middle = low + (high - low) / 2;
        let Some(&at) = graph.entities_of_kinds(kinds, middle, 1).first() else {
            break;
        };
        let entity = graph.entity(at);
        if (entity.kind(), entity.id.as_str()) <= key {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    Ok(low)
}

/// A position in a connection for one data version; encoded as `<version hex>:<position>`,
/// opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageCursor {
    version: u64,
    position: usize,
}

impl PageCursor {
    /// The cursor of `position` in a connection over `graph`.
    pub(crate) fn new(graph: &KnowledgeGraph, position: usize) -> Self {
        PageCursor {
            version: graph.fingerprint(),
            position,
        }
    }
}

impl CursorType for PageCursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let (version, position) = s.split_once(':').ok_or("no `:`")?;
        if version.len() != 16 {
            return Err("not a version");
        }
        Ok(PageCursor {
            version: u64::from_str_radix(version, 16).map_err(|_| "not a version")?,
            position: position.parse().map_err(|_| "not a position")?,
        })
    }

    fn encode_cursor(&self) -> String {
        format!("{:016x}:{}", self.version, self.position)
    }
}

/// The first position after the cursor `after` (0 without one): BAD_USER_INPUT for a string
/// that is not a cursor of this API, STALE_CURSOR for a cursor of another data version.
pub(crate) fn position_after(
    graph: &KnowledgeGraph,
    after: Option<&str>,
) -> async_graphql::Result<usize> {
    let Some(after) = after else {
        return Ok(0);
    };
    let cursor = PageCursor::decode_cursor(after)
        .ok()
        .and_then(|c| c.position.checked_add(1).map(|next| (c, next)));
    let Some((cursor, next)) = cursor else {
        return Err(error(
            ErrorCode::BadUserInput,
            format!("`after` is not a cursor from this API: {after:?}"),
        ));
    };
    if cursor.version != graph.fingerprint() {
        return Err(error(
            ErrorCode::StaleCursor,
            format!(
                "`after` is a cursor from data version {:016x}, but the data changed since (now \
                 {:016x}), so its position may no longer point at the same place; start again \
                 without `after`",
                cursor.version,
                graph.fingerprint()
            ),
        ));
    }
    Ok(next)
}
