//! Connection cursors that never shift silently across a data reload.
//!
//! A cursor names a position in a connection *and* the data version (`stats.dataVersion`, the
//! fingerprint of the data files) it was issued for. Positions are only meaningful for one
//! version: a reload that adds or removes an entity or a relation moves every position after it.
//! So a cursor from another version is refused with STALE_CURSOR, whose message says the data
//! changed and to start again without `after`; a reload of identical data keeps the same version,
//! and its cursors stay valid.
//!
//! Architecture invariant: knows the graph's fingerprint only, nothing of the connections.

use async_graphql::connection::CursorType;

use super::{ErrorCode, error};
use crate::graph::KnowledgeGraph;

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
