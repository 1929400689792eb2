//! The root `Query` type: lookups, pages, search and the traversals.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, Object};

use super::cursor::{EntityCursor, entity_position_after};
use super::edges::{self, traversal_filter};
use super::entity::{Entity, EntityBase, check_range};
use super::enums::{Direction, EntityKind, Grade, RelationType};
use super::filter::{self, EntityCounts, EntityGroupField, EntityOrder, EntityWhere, RelatedGroup};
use super::node::NodeValue;
use super::types::{
    GraphStats, KindCount, Path, RelatedEntity, RelationTypeInfo, SearchHit, Subgraph, TotalCount,
};
use super::{ErrorCode, Limits, error};
use crate::graph::{
    Budget, BudgetExhausted, EntityKey, GroupBy, KindSet, KnowledgeGraph, Position, Predicate,
    RelatedQuery, SortValue,
};
use crate::model;

/// The root query type.
pub struct Query;

/// A page of `entities` without `where` or `orderBy`: straight from the per-kind lists,
/// O(kinds + page) whatever the offset.
fn kind_id_page<'c>(
    graph: &'c KnowledgeGraph,
    kinds: &[model::EntityKind],
    after: Option<&str>,
    first: usize,
) -> async_graphql::Result<EntityConnection<'c>> {
    let offset = entity_position_after(graph, kinds, after)?;
    let total = graph.count_of_kinds(kinds);
    let page = graph.entities_of_kinds(kinds, offset, first);
    let mut connection = Connection::with_additional_fields(
        offset > 0,
        offset.saturating_add(page.len()) < total,
        TotalCount { total_count: total },
    );
    connection.edges.extend(page.into_iter().map(|k| {
        Edge::new(
            EntityCursor::new(graph, k),
            Entity::of(EntityBase::new(graph, k)),
        )
    }));
    Ok(connection)
}

/// A page of entities.
pub type EntityConnection<'a> = Connection<EntityCursor, Entity<'a>, TotalCount>;

fn graph<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c KnowledgeGraph> {
    ctx.data::<Arc<KnowledgeGraph>>()
        .map(|g| &**g)
        .map_err(|_| error(ErrorCode::Internal, "no graph is loaded"))
}

fn limits<'c>(ctx: &Context<'c>) -> async_graphql::Result<&'c Limits> {
    ctx.data::<Limits>()
        .map_err(|_| error(ErrorCode::Internal, "limits are not configured"))
}

/// Entities visited by a schema's traversals, counted by its resolvers (schema data).
#[derive(Debug, Default)]
pub(super) struct TraversalVisits(AtomicU64);

impl TraversalVisits {
    pub(super) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A traversal stopped by its budget, as a LIMIT_EXCEEDED error; its visits are counted.
fn limit_exceeded(ctx: &Context<'_>, e: BudgetExhausted) -> async_graphql::Error {
    count_visits(ctx, e.visited);
    error(ErrorCode::LimitExceeded, e.to_string())
}

/// Adds a traversal's visits to the schema's count (a schema built without one counts nothing).
fn count_visits(ctx: &Context<'_>, visited: usize) {
    if let Ok(visits) = ctx.data::<Arc<TraversalVisits>>() {
        visits.0.fetch_add(visited as u64, Ordering::Relaxed);
    }
}

fn resolve(graph: &KnowledgeGraph, id: &str) -> async_graphql::Result<EntityKey> {
    graph
        .lookup(id)
        .ok_or_else(|| error(ErrorCode::NotFound, format!("no entity has id `{id}`")))
}

fn kinds(kinds: Option<Vec<EntityKind>>) -> Vec<model::EntityKind> {
    kinds
        .unwrap_or_default()
        .into_iter()
        .map(Into::into)
        .collect()
}

/// The root query type: lookups by id, pages of entities, search, and the traversals
/// (`neighborhood`, `paths`, `related`) that explain how entities are connected.
#[Object]
impl Query {
    /// The entity with this global id (Relay), or null.
    async fn node<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "A global id, e.g. `mineral:dysprosium`.")] id: ID,
    ) -> async_graphql::Result<Option<NodeValue<'c>>> {
        let graph = graph(ctx)?;
        Ok(graph
            .lookup(&id)
            .map(|k| NodeValue(Entity::of(EntityBase::new(graph, k)).into_node())))
    }

    /// The entities with these ids, in order; null for an unknown id.
    async fn nodes<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<NodeValue<'c>>>> {
        let graph = graph(ctx)?;
        let max = limits(ctx)?.max_ids;
        if ids.len() > max {
            return Err(error(
                ErrorCode::LimitExceeded,
                format!("`ids` has {} ids, above its maximum of {max}", ids.len()),
            ));
        }
        Ok(ids
            .iter()
            .map(|id| {
                graph
                    .lookup(id)
                    .map(|k| NodeValue(Entity::of(EntityBase::new(graph, k)).into_node()))
            })
            .collect())
    }

    /// The entity with this id, or null.
    async fn entity<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "A global id, e.g. `standard:gb-t-13560-2017`.")] id: ID,
    ) -> async_graphql::Result<Option<Entity<'c>>> {
        let graph = graph(ctx)?;
        Ok(graph
            .lookup(&id)
            .map(|k| Entity::of(EntityBase::new(graph, k))))
    }

    /// All entities, or those of some kinds, matching `where`, as a Relay connection ordered
    /// by kind then id, or by `orderBy`. Without `where`, `totalCount` costs O(number of kinds);
    /// with it, one pass over the candidates (made only when `totalCount` is selected).
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn entities<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Only entities of these kinds (all kinds when omitted).")] kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(
            name = "where",
            desc = "Only entities matching this filter (see `EntityWhere`)."
        )]
        filter: Option<EntityWhere>,
        #[graphql(
            desc = "The order: one key, or a list of keys compared in turn (at most 4; kind then id when omitted); entities without a value for a key come last, ties go to the smaller id."
        )]
        order_by: Option<Vec<EntityOrder>>,
        #[graphql(default = 20, desc = "Page size, 0 to 100.")] first: i32,
        #[graphql(
            desc = "A cursor from this connection's `pageInfo.endCursor` or an edge's `cursor`: the page starts after that entity in the page's order. In the default order a cursor is the entity's id; in another it holds the order, the entity's sort value and id, and a cursor of another order is refused (BAD_USER_INPUT). Cursors survive a data reload: they still point after the same place, even if the entity was removed."
        )]
        after: Option<String>,
        #[graphql(
            desc = "Only entities valid on this date (`2020`, `2020-01` or `2020-01-01`): a STANDARD in force then (come into force by its `effective`, else `issued`, date; not withdrawn; no standard that SUPERSEDES it in force yet; one with neither date is never in force); other kinds have no validity window and always pass. Reduced precision counts in the entity's favour."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<EntityConnection<'c>> {
        let graph = graph(ctx)?;
        let first = check_range("first", first, limits(ctx)?.max_first)?;
        let kinds = self::kinds(kinds);
        let order = filter::order(order_by.as_deref())?;
        let as_of = edges::date("asOf", as_of.as_deref())?;
        if filter.is_none() && as_of.is_none() && order.is_empty() {
            return kind_id_page(graph, &kinds, after.as_deref(), first);
        }
        let kind_set = KindSet::of(&kinds);
        let predicate = match &filter {
            Some(w) => filter::predicate(w, kind_set, "the `kinds` asked for")?,
            None => Predicate::True,
        };
        let predicate = edges::valid_on(predicate, as_of);
        let position = match (after.as_deref(), order.is_empty()) {
            (None, _) => None,
            (Some(after), true) => {
                let kind = after
                    .split_once(':')
                    .filter(|(_, slug)| !slug.is_empty())
                    .and_then(|(prefix, _)| model::EntityKind::from_prefix(prefix))
                    .ok_or_else(|| {
                        error(
                            ErrorCode::BadUserInput,
                            format!("`after` is not a cursor from this API: {after:?}"),
                        )
                    })?;
                Some(Position {
                    values: vec![Some(SortValue::Int(kind.index() as u64))],
                    id: after.to_owned(),
                })
            }
            (Some(after), false) => Some(filter::decode_cursor(&order, after)?),
        };
        let matcher = graph.matcher(&predicate, kind_set);
        let (page, more) = graph.page_matching(&matcher, &order, position.as_ref(), first);
        // A count is a pass over every candidate: made only when asked for.
        let total = if ctx.look_ahead().field("totalCount").exists() {
            graph.count_matching(&matcher)
        } else {
            0
        };
        let mut connection = Connection::with_additional_fields(
            position.is_some(),
            more,
            TotalCount { total_count: total },
        );
        connection.edges.extend(page.into_iter().map(|k| {
            let cursor = if order.is_empty() {
                EntityCursor::new(graph, k)
            } else {
                EntityCursor::ordered(filter::encode_cursor(&order, &graph.position(&order, k)))
            };
            Edge::new(cursor, Entity::of(EntityBase::new(graph, k)))
        }));
        Ok(connection)
    }

    /// How many entities (of `kinds`, matching `where`) fall in each group of `groupBy`, e.g.
    /// standards by status and level, or by the supply-chain stage they concern (`RELATED`).
    /// Counted in one pass over the candidates, without making entity objects.
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn entity_counts<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Only entities of these kinds (all kinds when omitted).")] kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(
            name = "where",
            desc = "Only entities matching this filter (see `EntityWhere`)."
        )]
        filter: Option<EntityWhere>,
        #[graphql(desc = "The dimensions to group by (none: one group of every match).")]
        group_by: Vec<EntityGroupField>,
        #[graphql(desc = "The relation whose other end `RELATED` groups by.")] related: Option<
            RelatedGroup,
        >,
        #[graphql(
            default = 100,
            desc = "Most groups to list, 0 to 1000 (`groupCount` says how many there are)."
        )]
        first: i32,
        #[graphql(
            desc = "Only entities valid on this date (`2020`, `2020-01` or `2020-01-01`): a STANDARD in force then (come into force by its `effective`, else `issued`, date; not withdrawn; no standard that SUPERSEDES it in force yet; one with neither date is never in force); other kinds have no validity window and always pass. Reduced precision counts in the entity's favour."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<EntityCounts<'c>> {
        let graph = graph(ctx)?;
        let first = check_range("first", first, limits(ctx)?.max_limit)?;
        let kinds = KindSet::of(&self::kinds(kinds));
        let predicate = match &filter {
            Some(w) => filter::predicate(w, kinds, "the `kinds` asked for")?,
            None => Predicate::True,
        };
        let predicate = edges::valid_on(predicate, edges::date("asOf", as_of.as_deref())?);
        let by = filter::group_by(
            &group_by,
            related.as_ref(),
            kinds.and(predicate.kinds()),
            filter::Counted::Entities,
        )?;
        let matcher = graph.matcher(&predicate, kinds);
        let groups = graph.count_groups(&matcher, &by);
        let total = if by.iter().any(|g| matches!(g, GroupBy::Related { .. })) {
            graph.count_matching(&matcher)
        } else {
            groups.iter().map(|(_, n)| n).sum()
        };
        Ok(filter::count_groups(graph, total, groups, first))
    }

    /// Ranked search over names, aliases (including Chinese names) and standard codes; case-
    /// and accent-insensitive, tolerant of loose code spelling ("gbt13560-2017") and small typos.
    async fn search<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "The text to look for, at most 200 characters.")] query: String,
        #[graphql(desc = "Only entities of these kinds (all kinds when omitted).")] kinds: Option<
            Vec<EntityKind>,
        >,
        #[graphql(default = 10, desc = "Most hits to return, 0 to 100.")] first: i32,
    ) -> async_graphql::Result<Vec<SearchHit<'c>>> {
        let graph = graph(ctx)?;
        let first = check_range("first", first, limits(ctx)?.max_first)?;
        if query.chars().count() > 200 {
            return Err(error(
                ErrorCode::LimitExceeded,
                "`query` is longer than its maximum of 200 characters",
            ));
        }
        Ok(graph
            .search(&query, &self::kinds(kinds), first)
            .into_iter()
            .map(|hit| SearchHit { graph, hit })
            .collect())
    }

    /// Entities within `depth` hops of an entity (breadth first, at most `limit`), and the
    /// relations followed among them (at most 2 × `limit`). `truncated` says whether a limit or
    /// the work budget cut it short.
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn neighborhood<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "The start entity's global id.")] id: ID,
        #[graphql(default = 1, desc = "Most hops from the start, 0 to 4.")] depth: i32,
        #[graphql(desc = "Follow only relations of these types (all when omitted).")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(
            default_with = "Direction::Both",
            desc = "Follow relations out of, into, or both ways through each entity."
        )]
        direction: Direction,
        #[graphql(default = 200, desc = "Most entities to return, 0 to 1000.")] limit: i32,
        #[graphql(
            desc = "Walk only relations with at least one citation of this grade or better (VERIFIED, then VERIFIED_SECONDARY, DERIVED, REPORTED, UNVERIFIED; every relation when omitted)."
        )]
        min_grade: Option<Grade>,
        #[graphql(
            desc = "Walk only relations that hold on this date (`2020`, `2020-01` or `2020-01-01`): a relation is left out when the date falls before its `since` or on or after its `until`; reduced precision counts in the relation's favour. Every relation when omitted."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<Subgraph<'c>> {
        let graph = graph(ctx)?;
        let limits = limits(ctx)?;
        let depth = check_range("depth", depth, limits.max_depth)?;
        let limit = check_range("limit", limit, limits.max_limit)?;
        let start = resolve(graph, &id)?;
        let filter = traversal_filter(relation_types, min_grade, as_of.as_deref())?;
        let sub = graph.neighborhood(
            start,
            depth,
            &filter,
            direction.into(),
            limit,
            Budget(limits.traversal_budget),
        );
        count_visits(ctx, sub.visited);
        Ok(Subgraph { graph, sub })
    }

    /// Up to `first` loop-free paths between two entities of at most `maxHops` hops, shortest
    /// first, walking relations either way. Each hop carries its relation and citations: this is
    /// how the server explains why two things are connected.
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn paths<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "Where the paths start (a global id).")] from: ID,
        #[graphql(desc = "Where the paths end (a global id).")] to: ID,
        #[graphql(default = 4, desc = "Most hops in a path, 0 to 6.")] max_hops: i32,
        #[graphql(desc = "Walk only relations of these types (all when omitted).")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(default = 3, desc = "Most paths to return, 0 to 100.")] first: i32,
        #[graphql(
            desc = "Walk only relations with at least one citation of this grade or better (VERIFIED, then VERIFIED_SECONDARY, DERIVED, REPORTED, UNVERIFIED; every relation when omitted)."
        )]
        min_grade: Option<Grade>,
        #[graphql(
            desc = "Walk only relations that hold on this date (`2020`, `2020-01` or `2020-01-01`): a relation is left out when the date falls before its `since` or on or after its `until`; reduced precision counts in the relation's favour. Every relation when omitted."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<Vec<Path<'c>>> {
        let graph = graph(ctx)?;
        let limits = limits(ctx)?;
        let max_hops = check_range("maxHops", max_hops, limits.max_hops)?;
        let first = check_range("first", first, limits.max_first)?;
        let (from, to) = (resolve(graph, &from)?, resolve(graph, &to)?);
        let filter = traversal_filter(relation_types, min_grade, as_of.as_deref())?;
        let paths = graph
            .paths_counted(
                from,
                to,
                max_hops,
                &filter,
                first,
                Budget(limits.traversal_budget),
            )
            .map_err(|e| limit_exceeded(ctx, e))?;
        count_visits(ctx, paths.visited);
        Ok(paths
            .found
            .into_iter()
            .map(|path| Path { graph, path })
            .collect())
    }

    /// Entities of the given kinds within `maxHops` of an entity, nearest first, each with the
    /// path that explains it ("which standards touch defense-grade magnets?").
    ///
    /// Hub rule: paths never pass *through* an entity with more than `maxIntermediateDegree`
    /// relations (default: `stats.hubDegree`) nor through a SOURCE, so a country or a broad
    /// organization does not make everything related to everything. Equally near results are
    /// then ranked by the specificity of their path (lower summed ln(1 + degree) of
    /// intermediates).
    /// Relevance rule: among equally near results, those whose path passes through an EVENT (a
    /// meeting, a funding award) come after those reached through materials, standards, stages
    /// and directives, so `first` cuts them first. A standard whose own scope EXCLUDES the entity asked
    /// about is never returned, and EXCLUDES relations are not walked.
    /// Trust rule: a path is as strong as its weakest relation (`weakestGrade`); among equally
    /// near results, after the event rule and before specificity, the stronger path ranks
    /// first, and each entity's path is chosen the same way. `minGrade` and `asOf` decide which
    /// relations are walked at all.
    #[expect(clippy::too_many_arguments, reason = "GraphQL arguments")]
    async fn related<'c>(
        &self,
        ctx: &Context<'c>,
        #[graphql(desc = "The entity the results relate to (a global id).")] to: ID,
        #[graphql(desc = "The kinds of entity to find.")] kinds: Vec<EntityKind>,
        #[graphql(default = 3, desc = "Most hops from `to`, 0 to 6.")] max_hops: i32,
        #[graphql(desc = "Walk only relations of these types (all when omitted).")]
        relation_types: Option<Vec<RelationType>>,
        #[graphql(default = 20, desc = "Most results to return, 0 to 100.")] first: i32,
        #[graphql(
            desc = "Paths never pass through an entity with more relations than this (default: `stats.hubDegree`)."
        )]
        max_intermediate_degree: Option<i32>,
        #[graphql(
            desc = "Walk only relations with at least one citation of this grade or better (VERIFIED, then VERIFIED_SECONDARY, DERIVED, REPORTED, UNVERIFIED; every relation when omitted)."
        )]
        min_grade: Option<Grade>,
        #[graphql(
            desc = "Walk only relations that hold on this date (`2020`, `2020-01` or `2020-01-01`): a relation is left out when the date falls before its `since` or on or after its `until`; reduced precision counts in the relation's favour. Every relation when omitted."
        )]
        as_of: Option<String>,
    ) -> async_graphql::Result<Vec<RelatedEntity<'c>>> {
        let graph = graph(ctx)?;
        let limits = limits(ctx)?;
        let max_hops = check_range("maxHops", max_hops, limits.max_hops)?;
        let first = check_range("first", first, limits.max_first)?;
        let hub_degree = match max_intermediate_degree {
            Some(d) => check_range("maxIntermediateDegree", d, i32::MAX as usize)?,
            None => graph.hub_degree(),
        };
        let to = resolve(graph, &to)?;
        let filter = traversal_filter(relation_types, min_grade, as_of.as_deref())?;
        let query = RelatedQuery {
            to,
            kinds: &self::kinds(Some(kinds)),
            max_hops,
            filter: &filter,
            first,
            max_intermediate_degree: hub_degree,
        };
        let found = graph
            .related_counted(&query, Budget(limits.traversal_budget))
            .map_err(|e| limit_exceeded(ctx, e))?;
        count_visits(ctx, found.visited);
        Ok(found
            .found
            .into_iter()
            .map(|related| RelatedEntity { graph, related })
            .collect())
    }

    /// The change sets that touched an entity (its relations' changes included) or a relation
    /// (`TYPE:from->to`), oldest first, after version `after`; needs a server with a store
    /// (else WRITES_DISABLED).
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An entity id, or a relation id `TYPE:from->to`.")] id: String,
        #[graphql(default = 0, desc = "Only change sets after this version.")] after: u64,
        #[graphql(default = 20, desc = "At most this many (`maxFirst` at most).")] first: usize,
    ) -> async_graphql::Result<super::mutation::ChangeSetPage> {
        super::mutation::history(ctx, &id, after, first)
    }

    /// Every change set after version `since`, oldest first (a client catching up), and the
    /// version now; needs a server with a store (else WRITES_DISABLED).
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version the client has seen (0: from the start).")] since: u64,
        #[graphql(default = 20, desc = "At most this many (`maxFirst` at most).")] first: usize,
    ) -> async_graphql::Result<super::mutation::ChangeSetPage> {
        super::mutation::changes(ctx, since, first)
    }

    /// Counts for the snapshot being served.
    async fn stats(&self, ctx: &Context<'_>) -> async_graphql::Result<GraphStats> {
        let graph = graph(ctx)?;
        let stats = graph.stats();
        Ok(GraphStats {
            entities: stats.entities,
            relations: stats.relations,
            by_kind: stats
                .by_kind
                .into_iter()
                .map(|(kind, count)| KindCount {
                    kind: kind.into(),
                    count,
                })
                .collect(),
            hub_degree: stats.hub_degree,
            data_version: format!("{:016x}", graph.fingerprint()),
        })
    }

    /// The relation vocabulary: each type's readings and allowed endpoint kinds.
    async fn relation_types(&self) -> Vec<RelationTypeInfo> {
        model::RelationType::ALL
            .into_iter()
            .map(|t| {
                let spec = t.spec();
                RelationTypeInfo {
                    relation_type: t.into(),
                    label: spec.label,
                    inverse_label: spec.inverse_label,
                    from_kinds: spec.from.iter().map(|k| (*k).into()).collect(),
                    to_kinds: spec.to.iter().map(|k| (*k).into()).collect(),
                }
            })
            .collect()
    }
}
