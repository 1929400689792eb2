//! The value types of traversal answers: relations, citations, hops, paths, subgraphs, search
//! hits, stats.

use async_graphql::{ID, Object, SimpleObject};

use super::entity::{Entity, EntityBase};
use super::enums::{Direction, EntityKind, Grade, RelationType};
use super::{ErrorCode, error};
use crate::graph::{self, EntityKey, KnowledgeGraph, RelationKey};
use crate::model;

/// A cited source for a fact: the SOURCE entity, the passage quoted, and how far to trust it.
pub struct Citation<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) citation: &'a model::Citation,
    /// The list it belongs to: a conflict names another citation of the same fact.
    pub(crate) list: &'a [model::Citation],
}

/// A cited source for a fact: the SOURCE entity, the passage quoted, and how far to trust it.
#[Object]
impl<'a> Citation<'a> {
    /// The SOURCE entity cited.
    async fn source(&self) -> async_graphql::Result<Entity<'a>> {
        let key = self
            .graph
            .lookup(self.citation.source.as_str())
            .ok_or_else(|| {
                error(
                    ErrorCode::Internal,
                    "a citation names a source missing from this snapshot",
                )
            })?;
        Ok(Entity::of(EntityBase::new(self.graph, key)))
    }

    /// A passage that appears verbatim in the source.
    async fn quote(&self) -> Option<&str> {
        self.citation.quote.as_deref()
    }

    /// How far the fact can be trusted.
    async fn grade(&self) -> Grade {
        self.citation.grade.into()
    }

    /// Why the grade is what it is, when that needs saying (e.g. what an UNVERIFIED fact rests on).
    async fn note(&self) -> Option<&'a str> {
        self.citation.note.as_deref()
    }

    /// Set when this source contradicts another citation of the same fact: what it claims
    /// instead, and the citation the fact follows. Conflicting sources stay cited side by side;
    /// null when this citation contradicts none.
    async fn conflict(&self) -> Option<CitationConflict<'a>> {
        CitationConflict::of(self.graph, self.citation, self.list)
    }
}

/// How one citation's source contradicts another citation of the same fact.
pub struct CitationConflict<'a> {
    graph: &'a KnowledgeGraph,
    claim: &'a str,
    /// The citation that makes the claim.
    citation: &'a model::Citation,
    /// The citation the fact follows.
    with: &'a model::Citation,
    list: &'a [model::Citation],
}

impl<'a> CitationConflict<'a> {
    fn of(
        graph: &'a KnowledgeGraph,
        citation: &'a model::Citation,
        list: &'a [model::Citation],
    ) -> Option<Self> {
        let conflict = citation.conflict.as_ref()?;
        // The loader checked that exactly one other citation of the list has this source.
        let with = list
            .iter()
            .find(|c| !std::ptr::eq(*c, citation) && c.source == conflict.with)?;
        Some(CitationConflict {
            graph,
            claim: &conflict.claim,
            citation,
            with,
            list,
        })
    }
}

/// How one citation's source contradicts another citation of the same fact: the fact is
/// recorded as `with` has it, and `claimedBy` stays cited, with what it claims instead.
#[Object]
impl<'a> CitationConflict<'a> {
    /// What the contradicting source claims instead, in a sentence.
    async fn claim(&self) -> &'a str {
        self.claim
    }

    /// The citation that makes the claim, with its own source, quote and grade.
    async fn claimed_by(&self) -> Citation<'a> {
        Citation {
            graph: self.graph,
            citation: self.citation,
            list: self.list,
        }
    }

    /// The citation it contradicts, which the fact follows, with its own source and quote.
    async fn with(&self) -> Citation<'a> {
        Citation {
            graph: self.graph,
            citation: self.with,
            list: self.list,
        }
    }
}

pub(crate) fn citations<'a>(
    graph: &'a KnowledgeGraph,
    list: &'a [model::Citation],
) -> Vec<Citation<'a>> {
    list.iter()
        .map(|citation| Citation {
            graph,
            citation,
            list,
        })
        .collect()
}

/// The conflicts among the citations of one fact (see [`CitationConflict`]), in list order.
pub(crate) fn conflicts<'a>(
    graph: &'a KnowledgeGraph,
    list: &'a [model::Citation],
) -> Vec<CitationConflict<'a>> {
    list.iter()
        .filter_map(|c| CitationConflict::of(graph, c, list))
        .collect()
}

/// A typed, directed relation between two entities, with its provenance.
#[derive(Clone, Copy)]
pub struct Relation<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) key: RelationKey,
}

impl<'a> Relation<'a> {
    fn record(&self) -> &'a model::Relation {
        self.graph.relation(self.key)
    }
}

/// A typed, directed relation between two entities (`from` -> `to`), with its role, dates and
/// citations.
#[Object]
impl<'a> Relation<'a> {
    /// The relation's type.
    #[graphql(name = "type")]
    async fn relation_type(&self) -> RelationType {
        self.record().relation_type.into()
    }

    /// The grade of its best evidence: the strongest grade among its citations.
    async fn grade(&self) -> Grade {
        self.record().grade().into()
    }

    /// Where it starts.
    async fn from(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(
            self.graph,
            self.graph.endpoints(self.key).0,
        ))
    }

    /// Where it ends.
    async fn to(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(
            self.graph,
            self.graph.endpoints(self.key).1,
        ))
    }

    /// The forward reading, e.g. "administers".
    async fn label(&self) -> &'static str {
        self.record().relation_type.spec().label
    }

    /// The inverse reading, e.g. "administered by".
    async fn inverse_label(&self) -> &'static str {
        self.record().relation_type.spec().inverse_label
    }

    /// The capacity in which `from` relates to `to` (e.g. "Division Director").
    async fn role(&self) -> Option<&'a str> {
        self.record().role.as_deref()
    }

    /// When the fact became true (ISO 8601, reduced precision: 2025, 2025-04, 2025-04-24).
    async fn since(&self) -> Option<String> {
        self.record().since.map(|d| d.to_string())
    }

    /// When the fact stopped being true, if it did.
    async fn until(&self) -> Option<String> {
        self.record().until.map(|d| d.to_string())
    }

    /// Where the fact comes from; at least one.
    async fn citations(&self) -> Vec<Citation<'a>> {
        citations(self.graph, &self.record().citations)
    }

    /// Where its sources contradict one another: each contradicting citation's claim beside the
    /// citation the relation follows. Empty when its sources agree.
    async fn conflicts(&self) -> Vec<CitationConflict<'a>> {
        conflicts(self.graph, &self.record().citations)
    }
}

/// Extra fields on a relation edge: how the relation is seen from the entity listing it.
#[derive(SimpleObject)]
pub struct RelationEdgeFields {
    /// OUTGOING when the entity is the relation's `from`, INCOMING when it is its `to`.
    pub direction: Direction,
    /// The reading from the entity's side: the label when outgoing, the inverse label when incoming.
    pub reading: &'static str,
}

/// Extra fields on a connection.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// How many items the whole connection holds, across all pages.
    pub total_count: usize,
}

/// One step of a path, in walking order.
pub struct Hop<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) hop: graph::Hop,
}

/// One step of a path, in walking order: the relation taken and whether it was walked forward.
#[Object]
impl<'a> Hop<'a> {
    /// The relation taken, with its citations.
    async fn relation(&self) -> Relation<'a> {
        Relation {
            graph: self.graph,
            key: self.hop.relation,
        }
    }

    /// The entity the hop leaves.
    async fn from(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(self.graph, self.hop.from))
    }

    /// The entity the hop reaches.
    async fn to(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(self.graph, self.hop.to))
    }

    /// True when the hop follows the relation's own direction.
    async fn forward(&self) -> bool {
        self.hop.forward
    }

    /// The hop read in walking order, e.g. "administered by".
    async fn reading(&self) -> &'static str {
        reading(self.graph, self.hop)
    }
}

fn reading(graph: &KnowledgeGraph, hop: graph::Hop) -> &'static str {
    let spec = graph.relation(hop.relation).relation_type.spec();
    if hop.forward {
        spec.label
    } else {
        spec.inverse_label
    }
}

/// A loop-free path; each hop carries the relation and its citations, which is how the server
/// explains why two entities are connected.
pub struct Path<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) path: graph::Path,
}

/// A loop-free path between two entities; each hop carries its relation and citations, which is
/// how the server explains why two entities are connected.
#[Object]
impl<'a> Path<'a> {
    /// Number of hops.
    async fn length(&self) -> usize {
        self.path.len()
    }

    /// The entities along the path, start first.
    async fn entities(&self) -> Vec<Entity<'a>> {
        self.path
            .entities
            .iter()
            .map(|k| Entity::of(EntityBase::new(self.graph, *k)))
            .collect()
    }

    /// The relations along the path, in walking order.
    async fn relations(&self) -> Vec<Relation<'a>> {
        self.path
            .hops
            .iter()
            .map(|h| Relation {
                graph: self.graph,
                key: h.relation,
            })
            .collect()
    }

    /// The hops, each with its direction and reading.
    async fn hops(&self) -> Vec<Hop<'a>> {
        self.path
            .hops
            .iter()
            .map(|hop| Hop {
                graph: self.graph,
                hop: *hop,
            })
            .collect()
    }

    /// The path in words, e.g. "Dysprosium —used in→ Defense-grade magnets".
    async fn explanation(&self) -> String {
        explain(self.graph, &self.path)
    }

    /// How far the whole path can be trusted: the weakest of its relations' grades (each
    /// relation's grade is its best citation's). Null for a path of no hops.
    async fn weakest_grade(&self) -> Option<Grade> {
        weakest_grade(self.graph, &self.path).map(Grade::from)
    }
}

/// The weakest of the path's relations' grades, `None` for a path of no hops.
pub(crate) fn weakest_grade(graph: &KnowledgeGraph, path: &graph::Path) -> Option<model::Grade> {
    path.hops
        .iter()
        .map(|hop| graph.relation(hop.relation).grade())
        .max_by_key(|grade| grade.strength())
}

/// Renders a path as "A —reading→ B —reading→ C".
pub(crate) fn explain(graph: &KnowledgeGraph, path: &graph::Path) -> String {
    let mut out = path
        .entities
        .first()
        .map(|k| graph.entity(*k).name.clone())
        .unwrap_or_default();
    for hop in &path.hops {
        out.push_str(" —");
        out.push_str(reading(graph, *hop));
        out.push_str("→ ");
        out.push_str(&graph.entity(hop.to).name);
    }
    out
}

/// Entities and relations reached by a neighborhood query.
pub struct Subgraph<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) sub: graph::Subgraph,
}

/// The entities within some hops of a start entity, and the relations followed among them.
#[Object]
impl<'a> Subgraph<'a> {
    /// Entities in breadth-first order, the start first.
    async fn entities(&self) -> Vec<Entity<'a>> {
        self.sub
            .entities
            .iter()
            .map(|k| Entity::of(EntityBase::new(self.graph, *k)))
            .collect()
    }

    /// Relations followed among them, each once; at most twice the neighborhood's `limit`.
    async fn relations(&self) -> Vec<Relation<'a>> {
        self.sub
            .relations
            .iter()
            .map(|k| Relation {
                graph: self.graph,
                key: *k,
            })
            .collect()
    }

    /// True when `limit` (on entities, or twice it on relations) or the work budget stopped the
    /// traversal before it was complete.
    async fn truncated(&self) -> bool {
        self.sub.truncated
    }

    /// Counts of these entities (the start included), grouped as `entityCounts` groups, read
    /// from the filter index without making the entities into objects. A truncated
    /// neighborhood's counts are those of the entities it returned.
    async fn counts(
        &self,
        ctx: &async_graphql::Context<'_>,
        #[graphql(desc = "The dimensions to group by (none: one group of every entity).")]
        group_by: Vec<super::filter::EntityGroupField>,
        #[graphql(desc = "The relation whose other end `RELATED` groups by.")] related: Option<
            super::filter::RelatedGroup,
        >,
        #[graphql(
            default = 100,
            desc = "Most groups to list, 0 to 1000 (`groupCount` says how many there are)."
        )]
        first: i32,
    ) -> async_graphql::Result<super::filter::EntityCounts<'a>> {
        let limits = ctx.data::<super::Limits>()?;
        let first = super::entity::check_range("first", first, limits.max_limit)?;
        let by = super::filter::group_by(
            &group_by,
            related.as_ref(),
            graph::KindSet::ALL,
            super::filter::Counted::Entities,
        )?;
        let groups = self.graph.count_groups_of(&self.sub.entities, &by);
        let total = self.sub.entities.len();
        Ok(super::filter::count_groups(
            self.graph, total, groups, first,
        ))
    }
}

/// A search result.
pub struct SearchHit<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) hit: graph::SearchHit,
}

/// A search result: an entity and how well it matched.
#[Object]
impl<'a> SearchHit<'a> {
    /// The entity found.
    async fn entity(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(self.graph, self.hit.entity))
    }

    /// Relevance in (0, 1]; 1 is an exact match of a name, alias or code.
    async fn score(&self) -> f64 {
        self.hit.score
    }
}

/// An entity found by `related`, with the path that explains it.
pub struct RelatedEntity<'a> {
    pub(crate) graph: &'a KnowledgeGraph,
    pub(crate) related: graph::Related,
}

/// An entity found by `related`, with its distance and the path that explains it.
#[Object]
impl<'a> RelatedEntity<'a> {
    /// The entity found.
    async fn entity(&self) -> Entity<'a> {
        Entity::of(EntityBase::new(self.graph, self.related.entity))
    }

    /// Hops from the queried entity.
    async fn distance(&self) -> usize {
        self.related.distance
    }

    /// The path from the queried entity to this one, hop by hop with citations.
    async fn path(&self) -> Path<'a> {
        Path {
            graph: self.graph,
            path: self.related.path.clone(),
        }
    }

    /// Sum of ln(1 + degree) over the path's intermediate entities; lower is more specific.
    async fn specificity_cost(&self) -> f64 {
        self.related.specificity_cost
    }

    /// How far the explanation can be trusted: the weakest grade along its path (as
    /// `path { weakestGrade }`).
    async fn weakest_grade(&self) -> Option<Grade> {
        weakest_grade(self.graph, &self.related.path).map(Grade::from)
    }
}

/// How many entities of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// The kind.
    pub kind: EntityKind,
    /// How many.
    pub count: usize,
}

/// Size of the graph snapshot being served.
#[derive(SimpleObject)]
pub struct GraphStats {
    /// Number of entities.
    pub entities: usize,
    /// Number of relations.
    pub relations: usize,
    /// Entities per kind.
    pub by_kind: Vec<KindCount>,
    /// Degree above which an entity is a hub that `related` paths do not pass through.
    pub hub_degree: usize,
    /// Fingerprint of the data files this snapshot was built from (hex).
    pub data_version: String,
}

/// The fixed facts about one relation type: readings and allowed endpoint kinds.
#[derive(SimpleObject)]
pub struct RelationTypeInfo {
    /// The type.
    #[graphql(name = "type")]
    pub relation_type: RelationType,
    /// The forward reading.
    pub label: &'static str,
    /// The inverse reading.
    pub inverse_label: &'static str,
    /// Kinds allowed at the start.
    pub from_kinds: Vec<EntityKind>,
    /// Kinds allowed at the end.
    pub to_kinds: Vec<EntityKind>,
}

/// The GraphQL id of an entity.
pub(crate) fn id_of(graph: &KnowledgeGraph, key: EntityKey) -> ID {
    ID(graph.entity(key).id.to_string())
}
