//! The arguments of a relationship list: `where` (a filter on the entity at the other end, the
//! `EntityWhere` that `entities` takes), `orderBy` (by that entity, one key or several),
//! `minGrade` and `asOf`, shared by `Entity.relations` and the kinds' typed relationship lists
//! (`Standard.minerals`, ...), checked and translated to the graph's `ListSpec`.
//!
//! An ordered list's cursor is a keyset cursor, as `entities`' ordered cursors are: the order,
//! the other end's sort values and id, and the relation's type and direction (the graph's
//! `Tie`). So it survives a reload and is refused on a list of another order; an unordered list
//! keeps the data order and its version-bound `PageCursor`.
//!
//! Invariant: a list's work is O(degree log degree) plus, given a `where`, one preparation of
//! its filter (bounded like `entities`' filters, and counted as a scan by the cost model).

use std::cmp::Ordering;

use async_graphql::connection::CursorType;

use super::super::cursor::{EntityCursor, PageCursor, position_after};
use super::super::edges;
use super::super::enums::Grade;
use super::super::filter::{self, EntityOrder, EntityWhere};
use super::super::{ErrorCode, error};
use crate::graph::{
    Direction, EntityKey, IncidentRelation, KindSet, KnowledgeGraph, ListSpec, Matcher, Order,
    RelationFilter,
};
use crate::model;

/// The arguments of a relationship list, as the resolver received them.
#[derive(Default)]
pub(crate) struct ListArgs {
    pub(crate) filter: Option<EntityWhere>,
    pub(crate) order_by: Option<Vec<EntityOrder>>,
    pub(crate) min_grade: Option<Grade>,
    pub(crate) as_of: Option<String>,
}

/// A relationship list's arguments, checked and prepared for one graph.
pub(crate) struct ListFilter<'g> {
    graph: &'g KnowledgeGraph,
    matcher: Option<Matcher<'g>>,
    orders: Vec<Order>,
    min_grade: Option<model::Grade>,
    as_of: Option<model::Date>,
}

impl<'g> ListFilter<'g> {
    /// Checks `args` for a list whose other ends can be of `reach` (described by `context` in
    /// errors): BAD_USER_INPUT for a filter that cannot apply or a malformed date,
    /// LIMIT_EXCEEDED for a filter or order over its limits. `min_grade` applies when
    /// `minGrade` is omitted.
    pub(crate) fn new(
        graph: &'g KnowledgeGraph,
        reach: KindSet,
        context: &str,
        args: &ListArgs,
        min_grade: Option<model::Grade>,
    ) -> async_graphql::Result<Self> {
        let matcher = match &args.filter {
            Some(w) => Some(graph.matcher(&filter::predicate(w, reach, context)?, reach)),
            None => None,
        };
        Ok(ListFilter {
            graph,
            matcher,
            orders: filter::order(args.order_by.as_deref())?,
            min_grade: args.min_grade.map(model::Grade::from).or(min_grade),
            as_of: edges::date("asOf", args.as_of.as_deref())?,
        })
    }

    /// The relations of `types` in `direction` at `key` that the list keeps, in its order.
    pub(crate) fn items(
        &self,
        key: EntityKey,
        types: &RelationFilter,
        direction: Direction,
    ) -> Vec<IncidentRelation> {
        let spec = ListSpec {
            other: self.matcher.as_ref(),
            orders: &self.orders,
        };
        // The list's grade and date join the types in the graph's one edge test.
        let edges = types.with_min_grade(self.min_grade).with_as_of(self.as_of);
        self.graph.relation_list(key, &edges, direction, &spec)
    }

    /// Where the page after `after` starts in `items`: after the cursor's keyset in an ordered
    /// list, else after a `PageCursor`'s position.
    pub(crate) fn start(
        &self,
        items: &[IncidentRelation],
        after: Option<&str>,
    ) -> async_graphql::Result<usize> {
        let Some(after) = after.filter(|_| !self.orders.is_empty()) else {
            return position_after(self.graph, after);
        };
        let (position, tie) = filter::decode_list_cursor(&self.orders, after)?;
        let not_ours = || {
            error(
                ErrorCode::BadUserInput,
                format!("`after` is not a cursor from this API: {after:?}"),
            )
        };
        let (name, side) = tie.split_once(' ').ok_or_else(not_ours)?;
        let outgoing = match side {
            "OUTGOING" => true,
            "INCOMING" => false,
            _ => return Err(not_ours()),
        };
        Ok(items.partition_point(|i| {
            self.graph
                .compare_item(&self.orders, i, &position, (name, outgoing))
                != Ordering::Greater
        }))
    }

    /// The cursor of the item at `index` of the list.
    pub(crate) fn cursor(&self, index: usize, i: &IncidentRelation) -> EntityCursor {
        if self.orders.is_empty() {
            return EntityCursor::ordered(PageCursor::new(self.graph, index).encode_cursor());
        }
        let (name, outgoing) = self.graph.tie(i);
        let side = if outgoing { "OUTGOING" } else { "INCOMING" };
        let position = self.graph.position(&self.orders, i.other);
        EntityCursor::ordered(filter::encode_list_cursor(
            &self.orders,
            &position,
            &format!("{name} {side}"),
        ))
    }
}

/// Writes a kind's fields object: its own fields as written, then one resolver per typed
/// relationship list (`name: Type = RELATION_TYPE, In | Out;`), each taking `where`,
/// `orderBy`, `minGrade` and `asOf` (see `EntityBase::linked`).
macro_rules! kind_fields {
    (
        $fields:ident { $($own:tt)* }
        lists {
            $( $(#[$doc:meta])* $name:ident: $ty:ident = $rt:ident, $dir:ident; )*
        }
    ) => {
        #[async_graphql::Object]
        impl<'a> $fields<'a> {
            $($own)*
            $(
                $(#[$doc])*
                async fn $name(
                    &self,
                    #[graphql(
                        name = "where",
                        desc = "Only entities matching this filter (the `EntityWhere` of `entities`; its kind filters must name kinds this list can reach)."
                    )]
                    filter: Option<$crate::graphql::filter::EntityWhere>,
                    #[graphql(
                        desc = "The order: one key, or a list of keys compared in turn (at most 4); entities without a value for a key come last, ties go to the smaller id. Data order when omitted."
                    )]
                    order_by: Option<Vec<$crate::graphql::filter::EntityOrder>>,
                    #[graphql(
                        desc = "Walk only relations with at least one citation of this grade or better. REPORTED when omitted."
                    )]
                    min_grade: Option<$crate::graphql::enums::Grade>,
                    #[graphql(
                        desc = "Only facts valid on this date (YYYY, YYYY-MM or YYYY-MM-DD): relations outside their since/until window are left out."
                    )]
                    as_of: Option<String>,
                ) -> async_graphql::Result<Vec<$ty<'a>>> {
                    let args = $crate::graphql::entity::lists::ListArgs {
                        filter,
                        order_by,
                        min_grade,
                        as_of,
                    };
                    self.base.linked($crate::model::RelationType::$rt, $dir, &args)
                }
            )*
        }
    };
}
pub(crate) use kind_fields;
