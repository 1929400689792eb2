//! Graph algorithms against naive references, on random small graphs.
//!
//! Each property builds a [`Dataset`] directly (random entities of a few kinds, random relations
//! whose endpoint kinds their type allows: cycles, reverse edges and parallel edges of different
//! types included), turns it into a [`KnowledgeGraph`], and compares `neighborhood`, `paths`,
//! `related`, `incident`/`linked` and `search` with deliberately simple implementations written
//! here over plain index lists. Runs are deterministic (a fixed seed) unless `PROPTEST_RNG_SEED`
//! is set, and write no regression files.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use reegraph::dataset::Dataset;
use reegraph::graph::{
    Budget, Direction, EntityKey, KnowledgeGraph, Path, RelatedQuery, RelationFilter, RelationKey,
    SUBGRAPH_RELATIONS_PER_ENTITY,
};
use reegraph::model::{
    ApplicationDetails, Details, DirectiveDetails, DirectiveType, Entity, EntityId, EntityKind,
    EventDetails, EventType, LocationDetails, LocationType, MineralDetails, MineralForm,
    OfficialDetails, OrganizationDetails, OrganizationType, Relation, RelationType, SourceDetails,
    SourceType, StandardBatchDetails, StandardDetails, StandardLevel, StandardStatus,
    SupplyChainStageDetails,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

mod petgraph_algos;
mod trust_time;

/// A budget no test graph can exhaust.
const BIG_BUDGET: Budget = Budget(1_000_000);
/// A limit or `first` no test graph can reach.
const BIG: usize = 100_000;

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x5eed_9a7b);
    }
    config
}

// ------------------------------------------------------------------------------------------------
// Random graphs
// ------------------------------------------------------------------------------------------------

/// Only minerals: every ordered pair allows COMPOSED_OF and PRODUCED_FROM.
const MINERALS: &[EntityKind] = &[EntityKind::Mineral];
/// Domain kinds, no SOURCE.
const DOMAIN: &[EntityKind] = &[
    EntityKind::Organization,
    EntityKind::Official,
    EntityKind::Event,
    EntityKind::Directive,
    EntityKind::Standard,
    EntityKind::StandardBatch,
    EntityKind::Mineral,
    EntityKind::Application,
    EntityKind::SupplyChainStage,
    EntityKind::Location,
];
/// Organizations, events, minerals and sources: sources link to everything.
const WITH_SOURCES: &[EntityKind] = &[
    EntityKind::Organization,
    EntityKind::Event,
    EntityKind::Mineral,
    EntityKind::Source,
    EntityKind::Source,
];

/// A random graph as plain lists: entity `i` has `kinds[i]` and `names[i]`; relation `j` is
/// `relations[j] = (from, type, to)`.
#[derive(Debug, Clone)]
struct Spec {
    kinds: Vec<EntityKind>,
    names: Vec<String>,
    relations: Vec<(usize, RelationType, usize)>,
}

/// The types allowed from `a` to `b`, in declaration order.
fn allowed(a: EntityKind, b: EntityKind) -> Vec<RelationType> {
    RelationType::ALL
        .into_iter()
        .filter(|t| t.allows(a, b))
        .collect()
}

/// Turns raw random triples into valid relations: no self-relations, endpoint kinds allowed,
/// no two with the same (from, type, to) (all as the loader demands). `extra` adds a parallel
/// relation of another type, or the reverse relation, to make multigraphs and 2-cycles common.
fn build_spec(
    kinds: Vec<EntityKind>,
    names: Vec<String>,
    raw: Vec<(usize, usize, u8, u8)>,
) -> Spec {
    let mut relations = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |a: usize, b: usize, pick: usize| {
        if a == b {
            return;
        }
        let types = allowed(kinds[a], kinds[b]);
        if types.is_empty() {
            return;
        }
        let t = types[pick % types.len()];
        if seen.insert((a, t, b)) {
            relations.push((a, t, b));
        }
    };
    for (a, b, pick, extra) in raw {
        let pick = usize::from(pick);
        add(a, b, pick);
        match extra % 4 {
            0 => add(a, b, pick + 1),
            1 => add(b, a, pick),
            _ => {}
        }
    }
    Spec {
        kinds,
        names,
        relations,
    }
}

fn spec_from(pool: &'static [EntityKind], max_relations: usize) -> impl Strategy<Value = Spec> {
    (2..25usize)
        .prop_flat_map(move |n| {
            (
                proptest::collection::vec(proptest::sample::select(pool), n),
                proptest::collection::vec(0..5usize, n),
                proptest::collection::vec(
                    (0..n, 0..n, any::<u8>(), any::<u8>()),
                    0..=max_relations,
                ),
            )
        })
        .prop_map(|(kinds, name_picks, raw)| {
            // Few distinct names, so that ties in `related` are broken by name and then by key.
            const NAMES: [&str; 5] = ["Alpha", "Beta", "Gamma", "Beta", "Delta"];
            let names = name_picks.iter().map(|&p| NAMES[p].to_owned()).collect();
            build_spec(kinds, names, raw)
        })
}

/// Any graph: minerals only (dense, two types), domain kinds, or with sources.
fn any_spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        spec_from(MINERALS, 60),
        spec_from(DOMAIN, 90),
        spec_from(WITH_SOURCES, 90)
    ]
}

/// A graph without SOURCE entities.
fn sourceless_spec() -> impl Strategy<Value = Spec> {
    prop_oneof![spec_from(MINERALS, 60), spec_from(DOMAIN, 90)]
}

/// A relation-type filter as the tests see it: `None` follows all types.
type Filter = Option<Vec<RelationType>>;

fn any_filter() -> impl Strategy<Value = Filter> {
    prop_oneof![
        Just(None),
        any::<u32>().prop_map(|mask| {
            Some(
                RelationType::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, t)| t)
                    .collect(),
            )
        }),
    ]
}

fn any_direction() -> impl Strategy<Value = Direction> {
    proptest::sample::select(vec![
        Direction::Outgoing,
        Direction::Incoming,
        Direction::Both,
    ])
}

/// Kinds to look for in `related`: empty (all kinds) or a random subset.
fn any_kinds() -> impl Strategy<Value = Vec<EntityKind>> {
    any::<u16>().prop_map(|mask| {
        EntityKind::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, k)| k)
            .collect()
    })
}

fn relation_filter(filter: &Filter) -> RelationFilter {
    match filter {
        None => RelationFilter::all(),
        Some(types) => RelationFilter::only(types.clone()),
    }
}

fn passes(filter: &Filter, t: RelationType) -> bool {
    filter.as_ref().is_none_or(|types| types.contains(&t))
}

fn details(kind: EntityKind) -> Details {
    match kind {
        EntityKind::Organization => Details::Organization(OrganizationDetails {
            org_type: OrganizationType::Other,
            code: None,
            url: None,
        }),
        EntityKind::Official => Details::Official(OfficialDetails { title: None }),
        EntityKind::Event => Details::Event(EventDetails {
            event_type: EventType::Meeting,
            start_date: None,
            end_date: None,
            attendance: None,
            attendees_at_least: None,
        }),
        EntityKind::Directive => Details::Directive(DirectiveDetails {
            directive_type: DirectiveType::PolicyDirective,
            ordinal: None,
            number: None,
            issued: None,
            effective: None,
        }),
        EntityKind::Standard => Details::Standard(StandardDetails {
            code: None,
            level: StandardLevel::National,
            status: StandardStatus::Published,
            title: None,
            issued: None,
            effective: None,
            withdrawn: None,
            replaces: Vec::new(),
        }),
        EntityKind::StandardBatch => Details::StandardBatch(StandardBatchDetails {
            count: 1,
            status: StandardStatus::Proposed,
            decided: None,
            plan_year: None,
        }),
        EntityKind::Mineral => Details::Mineral(MineralDetails {
            form: MineralForm::Element,
            symbol: None,
            atomic_number: None,
            formula: None,
            rare_earth: false,
            classifications: Vec::new(),
        }),
        EntityKind::Application => Details::Application(ApplicationDetails { sector: None }),
        EntityKind::SupplyChainStage => {
            Details::SupplyChainStage(SupplyChainStageDetails { position: None })
        }
        EntityKind::Location => Details::Location(LocationDetails {
            location_type: LocationType::Country,
            division_code: None,
        }),
        EntityKind::Source => Details::Source(SourceDetails {
            source_type: SourceType::Report,
            url: None,
            publisher: None,
            published: None,
            caveat: None,
            text: None,
        }),
    }
}

fn entity_id(kind: EntityKind, i: usize) -> EntityId {
    EntityId::parse(&format!("{}:e{i}", kind.prefix()))
        .expect("generated ids are valid")
        .0
}

/// The graph built from a spec, with the maps between spec indices and graph keys.
struct Fixture {
    spec: Spec,
    graph: KnowledgeGraph,
    keys: Vec<EntityKey>,
    index: HashMap<EntityKey, usize>,
    rel_keys: Vec<RelationKey>,
    rel_index: HashMap<RelationKey, usize>,
    degree: Vec<usize>,
}

/// The ids and entities of a spec, in its order.
fn spec_entities(spec: &Spec) -> (Vec<EntityId>, Vec<Entity>) {
    let ids: Vec<EntityId> = spec
        .kinds
        .iter()
        .enumerate()
        .map(|(i, k)| entity_id(*k, i))
        .collect();
    let entities = spec
        .kinds
        .iter()
        .enumerate()
        .map(|(i, k)| Entity {
            id: ids[i].clone(),
            name: spec.names[i].clone(),
            aliases: Vec::new(),
            description: None,
            citations: Vec::new().into(),
            details: details(*k),
        })
        .collect();
    (ids, entities)
}

impl Fixture {
    fn new(spec: Spec) -> Self {
        let (ids, entities) = spec_entities(&spec);
        let relations = spec
            .relations
            .iter()
            .map(|&(a, t, b)| Relation {
                relation_type: t,
                from: ids[a].clone(),
                to: ids[b].clone(),
                role: None,
                since: None,
                until: None,
                citations: Vec::new().into(),
            })
            .collect();
        let graph = KnowledgeGraph::new(Dataset {
            entities,
            relations,
            fingerprint: 0,
        });
        let keys: Vec<EntityKey> = ids
            .iter()
            .map(|id| {
                graph
                    .lookup(id.as_str())
                    .expect("every entity is in the graph")
            })
            .collect();
        let index = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let rel_keys: Vec<RelationKey> = graph.relation_keys().collect();
        assert_eq!(
            rel_keys.len(),
            spec.relations.len(),
            "every relation is in the graph"
        );
        for (j, &(a, t, b)) in spec.relations.iter().enumerate() {
            assert_eq!(graph.endpoints(rel_keys[j]), (keys[a], keys[b]));
            assert_eq!(graph.relation(rel_keys[j]).relation_type, t);
        }
        let rel_index = rel_keys.iter().enumerate().map(|(j, k)| (*k, j)).collect();
        let mut degree = vec![0; spec.kinds.len()];
        for &(a, _, b) in &spec.relations {
            degree[a] += 1;
            degree[b] += 1;
        }
        for (i, &d) in degree.iter().enumerate() {
            assert_eq!(graph.degree(keys[i]), d, "degree of entity {i}");
        }
        Fixture {
            spec,
            graph,
            keys,
            index,
            rel_keys,
            rel_index,
            degree,
        }
    }

    fn n(&self) -> usize {
        self.spec.kinds.len()
    }

    /// The steps out of `node`: (relation, other end, walked forward), outgoing first, each side
    /// in data order.
    fn steps(
        &self,
        node: usize,
        filter: &Filter,
        direction: Direction,
    ) -> Vec<(usize, usize, bool)> {
        let out = matches!(direction, Direction::Outgoing | Direction::Both);
        let inc = matches!(direction, Direction::Incoming | Direction::Both);
        let rels = || {
            self.spec
                .relations
                .iter()
                .enumerate()
                .filter(|(_, r)| passes(filter, r.1))
        };
        let mut steps: Vec<(usize, usize, bool)> = Vec::new();
        if out {
            steps.extend(
                rels()
                    .filter(|(_, r)| r.0 == node)
                    .map(|(j, r)| (j, r.2, true)),
            );
        }
        if inc {
            steps.extend(
                rels()
                    .filter(|(_, r)| r.2 == node)
                    .map(|(j, r)| (j, r.0, false)),
            );
        }
        steps
    }

    /// Breadth-first distances from `start` within `depth`, walking `direction`.
    fn bfs(
        &self,
        start: usize,
        depth: usize,
        filter: &Filter,
        direction: Direction,
    ) -> HashMap<usize, usize> {
        let mut dist = HashMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(u) = queue.pop_front() {
            if dist[&u] == depth {
                continue;
            }
            for (_, v, _) in self.steps(u, filter, direction) {
                if !dist.contains_key(&v) {
                    dist.insert(v, dist[&u] + 1);
                    queue.push_back(v);
                }
            }
        }
        dist
    }

    /// Every loop-free path (as (relation, forward) steps) from `from` to `to` of at most
    /// `max_hops` hops, walking relations both ways; parallel relations give distinct paths.
    fn all_paths(
        &self,
        from: usize,
        to: usize,
        max_hops: usize,
        filter: &Filter,
    ) -> Vec<Vec<(usize, bool)>> {
        struct Enumeration<'a> {
            fx: &'a Fixture,
            to: usize,
            max_hops: usize,
            filter: &'a Filter,
            on_path: Vec<usize>,
            steps: Vec<(usize, bool)>,
            out: Vec<Vec<(usize, bool)>>,
        }
        impl Enumeration<'_> {
            fn go(&mut self, node: usize) {
                if node == self.to {
                    self.out.push(self.steps.clone());
                    return;
                }
                if self.steps.len() == self.max_hops {
                    return;
                }
                for (j, v, forward) in self.fx.steps(node, self.filter, Direction::Both) {
                    if self.on_path.contains(&v) {
                        continue;
                    }
                    self.on_path.push(v);
                    self.steps.push((j, forward));
                    self.go(v);
                    self.steps.pop();
                    self.on_path.pop();
                }
            }
        }
        let mut e = Enumeration {
            fx: self,
            to,
            max_hops,
            filter,
            on_path: vec![from],
            steps: Vec::new(),
            out: Vec::new(),
        };
        e.go(from);
        e.out
    }

    /// Whether `related` may walk through `node` (as an intermediate).
    fn passable(&self, node: usize, max_intermediate_degree: usize) -> bool {
        self.spec.kinds[node] != EntityKind::Source && self.degree[node] <= max_intermediate_degree
    }

    /// `related`'s distances, naively: BFS from `to` in both directions that never expands a
    /// SOURCE or an entity of degree above `max_intermediate_degree` (other than `to` itself) and
    /// never walks EXCLUDES; with each entity's best (passes through an EVENT, sum of
    /// ln(1 + degree) over the intermediates) of a shortest path, paths avoiding events first.
    /// Entities that EXCLUDE `to` are left out, as `related` never returns them.
    fn related_distances(
        &self,
        to: usize,
        max_hops: usize,
        filter: &Filter,
        max_intermediate_degree: usize,
    ) -> HashMap<usize, (usize, f64)> {
        let mut best: HashMap<usize, (usize, bool, f64)> = HashMap::from([(to, (0, false, 0.0))]);
        let mut layer = vec![to];
        for d in 1..=max_hops {
            let mut next: BTreeMap<usize, (bool, f64)> = BTreeMap::new();
            for &u in &layer {
                if u != to && !self.passable(u, max_intermediate_degree) {
                    continue;
                }
                let (through_event, through) = if u == to {
                    (false, 0.0)
                } else {
                    (
                        best[&u].1 || self.spec.kinds[u] == EntityKind::Event,
                        best[&u].2 + (1.0 + self.degree[u] as f64).ln(),
                    )
                };
                for (j, v, _) in self.steps(u, filter, Direction::Both) {
                    if best.contains_key(&v) || self.spec.relations[j].1 == RelationType::Excludes {
                        continue;
                    }
                    let entry = next.entry(v).or_insert((true, f64::INFINITY));
                    if (through_event, through) < *entry {
                        *entry = (through_event, through);
                    }
                }
            }
            for (&v, &(event, cost)) in &next {
                best.insert(v, (d, event, cost));
            }
            layer = next.into_keys().collect();
        }
        best.into_iter()
            .filter(|(v, _)| {
                !self
                    .spec
                    .relations
                    .iter()
                    .any(|r| r.0 == *v && r.1 == RelationType::Excludes && r.2 == to)
            })
            .map(|(v, (d, _, cost))| (v, (d, cost)))
            .collect()
    }

    /// Checks that `path` is a well-formed, loop-free walk over relations passing `filter`, and
    /// returns it as (relation index, forward) steps.
    fn check_path(&self, path: &Path, filter: &Filter) -> Vec<(usize, bool)> {
        assert_eq!(path.entities.len(), path.hops.len() + 1, "{path:?}");
        let distinct: HashSet<EntityKey> = path.entities.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            path.entities.len(),
            "path has a loop: {path:?}"
        );
        let mut steps = Vec::new();
        for (i, hop) in path.hops.iter().enumerate() {
            assert_eq!(hop.from, path.entities[i], "{path:?}");
            assert_eq!(hop.to, path.entities[i + 1], "{path:?}");
            let j = self.rel_index[&hop.relation];
            let (a, t, b) = self.spec.relations[j];
            assert!(passes(filter, t), "hop over filtered-out {t:?}: {path:?}");
            let (ka, kb) = (self.keys[a], self.keys[b]);
            if hop.forward {
                assert_eq!(
                    (hop.from, hop.to),
                    (ka, kb),
                    "forward hop against the relation: {path:?}"
                );
            } else {
                assert_eq!(
                    (hop.from, hop.to),
                    (kb, ka),
                    "backward hop along the relation: {path:?}"
                );
            }
            steps.push((j, hop.forward));
        }
        steps
    }
}

// ------------------------------------------------------------------------------------------------
// neighborhood
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// With a big limit and budget, `neighborhood` is exactly the naive BFS: same entities (start
    /// first, in non-decreasing distance), exactly the relations followed from entities closer
    /// than `depth`, nothing twice, not truncated.
    #[test]
    fn neighborhood_equals_naive_bfs(
        spec in any_spec(),
        start in any::<prop::sample::Index>(),
        depth in 0..5usize,
        filter in any_filter(),
        direction in any_direction(),
    ) {
        let fx = Fixture::new(spec);
        let start = start.index(fx.n());
        let dist = fx.bfs(start, depth, &filter, direction);
        let sub = fx.graph.neighborhood(fx.keys[start], depth, &relation_filter(&filter), direction, BIG, BIG_BUDGET);

        prop_assert!(!sub.truncated);
        prop_assert_eq!(sub.entities.first(), Some(&fx.keys[start]));
        let got: Vec<usize> = sub.entities.iter().map(|k| fx.index[k]).collect();
        let got_set: HashSet<usize> = got.iter().copied().collect();
        prop_assert_eq!(got_set.len(), got.len(), "an entity twice: {:?}", got);
        prop_assert_eq!(&got_set, &dist.keys().copied().collect::<HashSet<_>>());
        prop_assert!(got.windows(2).all(|w| dist[&w[0]] <= dist[&w[1]]), "not breadth first: {:?}", got);

        // The relations followed: those walked out of an entity closer than `depth`.
        let expected: HashSet<usize> = dist
            .iter()
            .filter(|(_, d)| **d < depth)
            .flat_map(|(u, _)| fx.steps(*u, &filter, direction))
            .map(|(j, _, _)| j)
            .collect();
        let rels: Vec<usize> = sub.relations.iter().map(|k| fx.rel_index[k]).collect();
        let rel_set: HashSet<usize> = rels.iter().copied().collect();
        prop_assert_eq!(rel_set.len(), rels.len(), "a relation twice: {:?}", rels);
        prop_assert_eq!(rel_set, expected);
        for r in &sub.relations {
            let (a, b) = fx.graph.endpoints(*r);
            prop_assert!(got_set.contains(&fx.index[&a]) && got_set.contains(&fx.index[&b]));
        }
    }

    /// With a small limit: at most `limit` entities, the first ones of the full answer, at most
    /// twice as many relations, only among them, and `truncated` exactly when the full answer
    /// is bigger.
    #[test]
    fn neighborhood_limit_truncates_exactly(
        spec in any_spec(),
        start in any::<prop::sample::Index>(),
        depth in 0..5usize,
        filter in any_filter(),
        direction in any_direction(),
        limit in 0..8usize,
    ) {
        let fx = Fixture::new(spec);
        let start = start.index(fx.n());
        let naive = fx.bfs(start, depth, &filter, direction);
        let filter_ = relation_filter(&filter);
        let full = fx.graph.neighborhood(fx.keys[start], depth, &filter_, direction, BIG, BIG_BUDGET);
        let sub = fx.graph.neighborhood(fx.keys[start], depth, &filter_, direction, limit, BIG_BUDGET);

        let cap = limit * SUBGRAPH_RELATIONS_PER_ENTITY;
        prop_assert!(sub.entities.len() <= limit);
        prop_assert!(sub.relations.len() <= cap);
        prop_assert_eq!(&sub.entities[..], &full.entities[..limit.min(full.entities.len())]);
        if naive.len() > limit {
            prop_assert!(sub.truncated, "naive size {}, limit {}", naive.len(), limit);
        } else {
            // Every entity fits: only the relation cap can cut, keeping the first relations.
            prop_assert_eq!(sub.truncated, full.relations.len() > cap);
            prop_assert_eq!(&sub.relations[..], &full.relations[..full.relations.len().min(cap)]);
        }
        let included: HashSet<EntityKey> = sub.entities.iter().copied().collect();
        for r in &sub.relations {
            let (a, b) = fx.graph.endpoints(*r);
            prop_assert!(included.contains(&a) && included.contains(&b), "{:?} leaves the subgraph", r);
        }
    }
}

// ------------------------------------------------------------------------------------------------
// paths
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// `paths` returns valid, loop-free paths, shortest first: as many as asked for or as exist,
    /// the shortest ones, and all of them (each exactly once) when `first` is large enough.
    #[test]
    fn paths_equal_naive_enumeration(
        spec in any_spec(),
        from in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
        same in any::<bool>(),
        max_hops in 0..6usize,
        filter in any_filter(),
        first in prop_oneof![0..6usize, Just(BIG)],
    ) {
        let fx = Fixture::new(spec);
        let from = from.index(fx.n());
        let to = if same { from } else { to.index(fx.n()) };
        let mut naive = fx.all_paths(from, to, max_hops, &filter);
        naive.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let paths = fx
            .graph
            .paths(fx.keys[from], fx.keys[to], max_hops, &relation_filter(&filter), first, BIG_BUDGET)
            .expect("the budget is big");

        prop_assert_eq!(paths.len(), first.min(naive.len()), "naive: {:?}", naive);
        let mut got = Vec::new();
        for p in &paths {
            prop_assert_eq!(p.entities.first(), Some(&fx.keys[from]));
            prop_assert_eq!(p.entities.last(), Some(&fx.keys[to]));
            prop_assert!(p.len() <= max_hops);
            got.push(fx.check_path(p, &filter));
        }
        prop_assert!(paths.windows(2).all(|w| w[0].len() <= w[1].len()), "not shortest first");
        if let (Some(p), Some(n)) = (paths.first(), naive.first()) {
            prop_assert_eq!(p.len(), n.len(), "first path is not a shortest one");
        }
        // Shortest first: the lengths are the smallest naive lengths.
        let lengths: Vec<usize> = got.iter().map(Vec::len).collect();
        let naive_lengths: Vec<usize> = naive.iter().take(got.len()).map(Vec::len).collect();
        prop_assert_eq!(lengths, naive_lengths);
        let mut sorted = got.clone();
        sorted.sort();
        prop_assert!(sorted.windows(2).all(|w| w[0] != w[1]), "a path twice: {:?}", got);
        let naive_set: HashSet<&Vec<(usize, bool)>> = naive.iter().collect();
        prop_assert!(got.iter().all(|p| naive_set.contains(p)), "a path the naive enumeration lacks");
        if first >= naive.len() {
            let mut all = naive.clone();
            all.sort();
            prop_assert_eq!(sorted, all);
        }
    }
}

/// A sparser, larger graph of domain kinds (up to 150 entities, about two relations each), where
/// the two balls of `paths` grow several layers before they meet or give up.
fn sparse_spec() -> impl Strategy<Value = Spec> {
    (20..150usize)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(proptest::sample::select(DOMAIN), n),
                proptest::collection::vec((0..n, 0..n, any::<u8>(), any::<u8>()), 0..=2 * n),
            )
        })
        .prop_map(|(kinds, raw)| {
            let names = vec!["Alpha".to_owned(); kinds.len()];
            build_spec(kinds, names, raw)
        })
}

proptest! {
    #![proptest_config(config(128))]

    /// `paths` is exactly the unpruned depth-first enumeration from `from` (relations outgoing
    /// then incoming, in data order), stably sorted by length and cut at `first`: the same paths
    /// in the same order, whatever its search does to find and prune them.
    #[test]
    fn paths_equal_naive_enumeration_in_order(
        (spec, max_hops) in prop_oneof![(any_spec(), 0..6usize), (sparse_spec(), 0..7usize)],
        from in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
        same in any::<bool>(),
        filter in any_filter(),
        first in prop_oneof![1..6usize, Just(BIG)],
    ) {
        let fx = Fixture::new(spec);
        let from = from.index(fx.n());
        let to = if same { from } else { to.index(fx.n()) };
        let mut naive = fx.all_paths(from, to, max_hops, &filter);
        // Stable: paths of one length keep the depth-first order.
        naive.sort_by_key(Vec::len);
        naive.truncate(first);
        let paths = fx
            .graph
            .paths(fx.keys[from], fx.keys[to], max_hops, &relation_filter(&filter), first, BIG_BUDGET)
            .expect("the budget is big");
        let got: Vec<Vec<(usize, bool)>> = paths.iter().map(|p| fx.check_path(p, &filter)).collect();
        prop_assert_eq!(got, naive);
    }
}

/// A chain `from - a - to` where `to` also touches a hub of 5,000 leaves: the search grows the
/// cheap sides and meets at `a`, so `paths` never expands the hub, however far `max_hops` lets
/// it look (a one-sided search from `to` expanded every leaf).
#[test]
fn paths_do_not_expand_a_hub_they_do_not_need() {
    const LEAVES: usize = 5_000;
    let (from, a, to, hub) = (0, 1, 2, 3);
    let kinds = vec![EntityKind::Mineral; 4 + LEAVES];
    let names = vec!["Alpha".to_owned(); kinds.len()];
    let mut relations = vec![
        (from, RelationType::ComposedOf, a),
        (a, RelationType::ComposedOf, to),
        (to, RelationType::ComposedOf, hub),
    ];
    relations.extend((0..LEAVES).map(|i| (hub, RelationType::ComposedOf, 4 + i)));
    let fx = Fixture::new(Spec {
        kinds,
        names,
        relations,
    });
    let all = RelationFilter::all();
    for (max_hops, first) in [(2, 1), (4, 1), (4, 3), (6, 3)] {
        let paths = fx
            .graph
            .paths(
                fx.keys[from],
                fx.keys[to],
                max_hops,
                &all,
                first,
                Budget(20),
            )
            .expect("a few visits suffice");
        assert_eq!(paths.len(), 1, "maxHops {max_hops}, first {first}");
        assert_eq!(
            paths[0].entities,
            vec![fx.keys[from], fx.keys[a], fx.keys[to]]
        );
    }
    // Pairs that are not connected within maxHops are given up on just as locally.
    let leaf = fx.keys[4];
    let none = fx
        .graph
        .paths(fx.keys[from], leaf, 3, &all, 3, Budget(20))
        .expect("a few visits suffice");
    assert!(none.is_empty());
}

// ------------------------------------------------------------------------------------------------
// related
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// Without sources and with no hub rule, `related` is plain BFS from `to`: the same entities of
    /// the asked kinds within `max_hops`, at their BFS distances, nearest first, each explained by a
    /// shortest path that starts at `to` and ends at the entity.
    #[test]
    fn related_equals_naive_bfs_without_hubs(
        spec in sourceless_spec(),
        to in any::<prop::sample::Index>(),
        kinds in any_kinds(),
        max_hops in 0..5usize,
        filter in any_filter(),
        first in prop_oneof![0..6usize, Just(BIG)],
    ) {
        let fx = Fixture::new(spec);
        let to = to.index(fx.n());
        // Plain BFS, except that EXCLUDES is never walked and an entity excluding `to` is never
        // returned (see `related_distances`).
        let dist: HashMap<usize, usize> = fx
            .related_distances(to, max_hops, &filter, usize::MAX)
            .into_iter()
            .map(|(i, (d, _))| (i, d))
            .collect();
        let related = fx
            .graph
            .related(fx.keys[to], &kinds, max_hops, &relation_filter(&filter), first, usize::MAX, BIG_BUDGET)
            .expect("the budget is big");

        let wanted = |i: &usize| *i != to && (kinds.is_empty() || kinds.contains(&fx.spec.kinds[*i]));
        let mut naive: Vec<(usize, usize)> = dist.iter().filter(|(i, _)| wanted(i)).map(|(i, d)| (*d, *i)).collect();
        naive.sort();
        prop_assert_eq!(related.len(), first.min(naive.len()));
        let mut seen = HashSet::new();
        for r in &related {
            let i = fx.index[&r.entity];
            prop_assert!(seen.insert(i), "entity {} twice", i);
            prop_assert!(wanted(&i), "entity {} is `to` or of an unwanted kind", i);
            prop_assert_eq!(Some(&r.distance), dist.get(&i), "distance of {}", i);
            prop_assert_eq!(r.path.len(), r.distance);
            prop_assert_eq!(r.path.entities.first(), Some(&fx.keys[to]));
            prop_assert_eq!(r.path.entities.last(), Some(&r.entity));
            fx.check_path(&r.path, &filter);
        }
        prop_assert!(related.windows(2).all(|w| w[0].distance <= w[1].distance), "not nearest first");
        let distances: Vec<usize> = related.iter().map(|r| r.distance).collect();
        let naive_distances: Vec<usize> = naive.iter().take(related.len()).map(|(d, _)| *d).collect();
        prop_assert_eq!(distances, naive_distances, "not the nearest ones");
        if first >= naive.len() {
            let naive_set: HashSet<usize> = naive.iter().map(|(_, i)| *i).collect();
            prop_assert_eq!(seen, naive_set);
        }
    }

    /// With the hub rule and sources: no path passes through a SOURCE or an entity of degree above
    /// `max_intermediate_degree`; distances and specificity costs equal the naive ones under that
    /// rule; ties are broken by cost, then name.
    #[test]
    fn related_respects_the_hub_rule(
        spec in any_spec(),
        to in any::<prop::sample::Index>(),
        kinds in any_kinds(),
        max_hops in 0..5usize,
        filter in any_filter(),
        first in prop_oneof![0..6usize, Just(BIG)],
        max_intermediate_degree in prop_oneof![0..6usize, Just(usize::MAX)],
    ) {
        let fx = Fixture::new(spec);
        let to = to.index(fx.n());
        let best = fx.related_distances(to, max_hops, &filter, max_intermediate_degree);
        let related = fx
            .graph
            .related(fx.keys[to], &kinds, max_hops, &relation_filter(&filter), first, max_intermediate_degree, BIG_BUDGET)
            .expect("the budget is big");

        let wanted = |i: &usize| *i != to && (kinds.is_empty() || kinds.contains(&fx.spec.kinds[*i]));
        let naive: Vec<usize> = best.keys().copied().filter(wanted).collect();
        prop_assert_eq!(related.len(), first.min(naive.len()));
        for r in &related {
            let i = fx.index[&r.entity];
            prop_assert!(wanted(&i));
            let (d, cost) = best[&i];
            prop_assert_eq!(r.distance, d, "distance of {}", i);
            prop_assert_eq!(r.path.len(), d);
            prop_assert_eq!(r.path.entities.first(), Some(&fx.keys[to]));
            prop_assert_eq!(r.path.entities.last(), Some(&r.entity));
            fx.check_path(&r.path, &filter);
            let intermediates = &r.path.entities[1..r.path.entities.len() - 1];
            let mut path_cost = 0.0;
            for k in intermediates {
                let m = fx.index[k];
                prop_assert!(
                    fx.passable(m, max_intermediate_degree),
                    "path to {} passes through {} ({:?}, degree {})", i, m, fx.spec.kinds[m], fx.degree[m]
                );
                path_cost += (1.0 + fx.degree[m] as f64).ln();
            }
            prop_assert!((r.specificity_cost - path_cost).abs() < 1e-9, "cost is not the path's");
            prop_assert!((r.specificity_cost - cost).abs() < 1e-9, "not the most specific path to {}", i);
        }
        for w in related.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            prop_assert!(a.distance <= b.distance, "not nearest first");
            let through_event = |r: &reegraph::graph::Related| {
                r.path.entities[1..r.path.entities.len() - 1]
                    .iter()
                    .any(|k| fx.spec.kinds[fx.index[k]] == EntityKind::Event)
            };
            if a.distance == b.distance {
                prop_assert!(through_event(a) <= through_event(b), "an event path before a specific one");
            }
            if a.distance == b.distance && through_event(a) == through_event(b) {
                prop_assert!(a.specificity_cost <= b.specificity_cost + 1e-9, "not most specific first");
                if a.specificity_cost == b.specificity_cost {
                    prop_assert!(fx.graph.entity(a.entity).name <= fx.graph.entity(b.entity).name);
                }
            }
        }
        if first >= naive.len() {
            let got: HashSet<usize> = related.iter().map(|r| fx.index[&r.entity]).collect();
            prop_assert_eq!(got, naive.into_iter().collect::<HashSet<_>>());
        }
    }
}

// ------------------------------------------------------------------------------------------------
// budgets
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(128))]

    /// A small budget never panics and never gives a wrong answer: `paths` and `related` either
    /// fail with `BudgetExhausted` or return exactly the unbounded answer; `neighborhood` returns
    /// a prefix of the unbounded answer, marked truncated unless it is the whole. A zero budget
    /// always stops a traversal that has to visit anything.
    #[test]
    fn small_budgets_stop_cleanly(
        spec in any_spec(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        hops in 0..5usize,
        filter in any_filter(),
        direction in any_direction(),
        first in prop_oneof![1..6usize, Just(BIG)],
        budget in 0..6usize,
    ) {
        let fx = Fixture::new(spec);
        let (a, b) = (fx.keys[a.index(fx.n())], fx.keys[b.index(fx.n())]);
        let filter = relation_filter(&filter);
        let small = Budget(budget);

        let full = fx.graph.paths(a, b, hops, &filter, first, BIG_BUDGET).expect("big budget");
        match fx.graph.paths(a, b, hops, &filter, first, small) {
            Ok(paths) => {
                prop_assert_eq!(paths, full);
                prop_assert!(budget > 0 || a == b || hops == 0, "a zero budget let `paths` run");
            }
            Err(e) => prop_assert!(e.visited <= budget),
        }

        let full = fx.graph.related(a, &[], hops, &filter, first, 3, BIG_BUDGET).expect("big budget");
        match fx.graph.related(a, &[], hops, &filter, first, 3, small) {
            Ok(related) => {
                prop_assert_eq!(related, full);
                prop_assert!(budget > 0 || hops == 0, "a zero budget let `related` run");
            }
            Err(e) => prop_assert!(e.visited <= budget),
        }

        let full = fx.graph.neighborhood(a, hops, &filter, direction, BIG, BIG_BUDGET);
        let sub = fx.graph.neighborhood(a, hops, &filter, direction, BIG, small);
        prop_assert_eq!(&sub.entities[..], &full.entities[..sub.entities.len()]);
        prop_assert_eq!(&sub.relations[..], &full.relations[..sub.relations.len()]);
        if !sub.truncated {
            prop_assert_eq!(&sub, &full);
        }
        if budget == 0 && hops > 0 {
            prop_assert!(sub.truncated, "a zero budget let `neighborhood` run");
        }
    }
}

// ------------------------------------------------------------------------------------------------
// incident and linked
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    /// `incident` lists the relations at an entity that pass the filter, outgoing first, each side
    /// in data order; `linked` is its other ends for one type, optionally of one kind.
    #[test]
    fn incident_and_linked_equal_naive(
        spec in any_spec(),
        node in any::<prop::sample::Index>(),
        filter in any_filter(),
        direction in any_direction(),
        t in proptest::sample::select(RelationType::ALL.to_vec()),
        kind in proptest::option::of(proptest::sample::select(EntityKind::ALL.to_vec())),
    ) {
        let fx = Fixture::new(spec);
        let node = node.index(fx.n());
        let got: Vec<(usize, usize, bool)> = fx
            .graph
            .incident(fx.keys[node], &relation_filter(&filter), direction)
            .map(|i| (fx.rel_index[&i.relation], fx.index[&i.other], i.outgoing))
            .collect();
        prop_assert_eq!(got, fx.steps(node, &filter, direction));

        let linked: Vec<usize> = fx.graph.linked(fx.keys[node], t, direction, kind).iter().map(|k| fx.index[k]).collect();
        let naive: Vec<usize> = fx
            .steps(node, &Some(vec![t]), direction)
            .into_iter()
            .map(|(_, v, _)| v)
            .filter(|v| kind.is_none_or(|k| fx.spec.kinds[*v] == k))
            .collect();
        prop_assert_eq!(linked, naive);
        // The keys the graph hands out round-trip.
        prop_assert_eq!(fx.rel_keys.len(), fx.graph.stats().relations);
    }
}

// ------------------------------------------------------------------------------------------------
// search
// ------------------------------------------------------------------------------------------------

/// Names from a small alphabet: case, an accent, punctuation, digits and Chinese characters, so
/// that names often collide once folded.
fn small_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(vec![
            'a', 'b', 'c', 'A', 'B', 'é', '1', ' ', '-', '/', '稀', '土',
        ]),
        1..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// The compact folded form of a `small_name`: what search compares for an exact match.
fn compact(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'A' => Some('a'),
            'B' => Some('b'),
            'é' => Some('e'),
            ' ' | '-' | '/' => None,
            c => Some(c),
        })
        .collect()
}

/// Whether `text` has a letter or digit once folded as search folds it (NFKD, combining marks
/// dropped, lowercased).
fn has_search_text(text: &str) -> bool {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .any(char::is_alphanumeric)
}

fn named_spec(names: impl Strategy<Value = Vec<String>>) -> impl Strategy<Value = Spec> {
    names.prop_map(|names| {
        let kinds = (0..names.len())
            .map(|i| {
                [
                    EntityKind::Mineral,
                    EntityKind::Organization,
                    EntityKind::Location,
                ][i % 3]
            })
            .collect();
        Spec {
            kinds,
            names,
            relations: Vec::new(),
        }
    })
}

proptest! {
    #![proptest_config(config(128))]

    /// Searching an entity's exact name finds it with score 1.0, among the exact matches that come
    /// first; asking for as many hits as there are exact matches still finds it.
    #[test]
    fn search_finds_exact_names(spec in named_spec(proptest::collection::vec(small_name(), 1..25))) {
        let fx = Fixture::new(spec);
        for (i, name) in fx.spec.names.iter().enumerate() {
            if compact(name).is_empty() {
                // Only punctuation: nothing to search for.
                prop_assert!(fx.graph.search(name, &[], BIG).is_empty());
                continue;
            }
            let hits = fx.graph.search(name, &[], BIG);
            let at = hits.iter().position(|h| h.entity == fx.keys[i]);
            prop_assert!(at.is_some(), "{:?} not found by its name: {:?}", name, hits);
            let hit = hits[at.unwrap_or_default()];
            prop_assert_eq!(hit.score, 1.0, "{:?}", name);
            prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score), "not best first");
            let exact: Vec<usize> = (0..fx.n()).filter(|j| compact(&fx.spec.names[*j]) == compact(name)).collect();
            for j in &exact {
                prop_assert!(hits.iter().any(|h| h.entity == fx.keys[*j] && h.score == 1.0), "{:?}", name);
            }
            let top = fx.graph.search(name, &[], exact.len());
            prop_assert!(top.iter().any(|h| h.entity == fx.keys[i]), "{:?} not in the top {}", name, exact.len());
            // The kind filter keeps it when its kind is asked for, and drops it otherwise.
            let kind = fx.spec.kinds[i];
            prop_assert!(fx.graph.search(name, &[kind], BIG).iter().any(|h| h.entity == fx.keys[i]));
            let other = if kind == EntityKind::Mineral { EntityKind::Location } else { EntityKind::Mineral };
            prop_assert!(fx.graph.search(name, &[other], BIG).iter().all(|h| h.entity != fx.keys[i]));
        }
    }

    /// Arbitrary Unicode names and queries (up to 300 characters) never panic; hits are distinct,
    /// at most `first`, of the asked kinds, best first, with scores in (0, 1].
    #[test]
    fn search_never_panics_on_arbitrary_unicode(
        spec in named_spec(proptest::collection::vec(
            proptest::collection::vec(any::<char>(), 0..40).prop_map(|c| c.into_iter().collect::<String>()),
            1..12,
        )),
        queries in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<char>(), 0..300).prop_map(|c| c.into_iter().collect::<String>()),
                ".{0,300}",
            ],
            1..6,
        ),
        first in 0..20usize,
        kinds in proptest::collection::vec(proptest::sample::select(EntityKind::ALL.to_vec()), 0..3),
    ) {
        let fx = Fixture::new(spec);
        let names = fx.spec.names.clone();
        // Any name with something to search for finds its entity as an exact match.
        for (i, name) in names.iter().enumerate() {
            let hits = fx.graph.search(name, &[], BIG);
            if has_search_text(name) {
                prop_assert!(
                    hits.iter().any(|h| h.entity == fx.keys[i] && h.score == 1.0),
                    "{:?} not found by its name: {:?}", name, hits
                );
            } else {
                prop_assert!(hits.is_empty(), "{:?} has no letter or digit but found {:?}", name, hits);
            }
        }
        for query in queries.iter().chain(&names) {
            let hits = fx.graph.search(query, &kinds, first);
            prop_assert!(hits.len() <= first);
            let distinct: HashSet<EntityKey> = hits.iter().map(|h| h.entity).collect();
            prop_assert_eq!(distinct.len(), hits.len());
            for h in &hits {
                prop_assert!(h.score > 0.0 && h.score <= 1.0, "score {}", h.score);
                prop_assert!(kinds.is_empty() || kinds.contains(&fx.graph.entity(h.entity).kind()));
            }
            prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// The visits a traversal reports are exactly its work: given them as its budget it gives
    /// the same answer, and given one fewer it runs out.
    #[test]
    fn reported_visits_are_the_budget_a_traversal_needs(
        spec in any_spec(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        hops in 0..5usize,
        filter in any_filter(),
        direction in any_direction(),
        first in prop_oneof![1..6usize, Just(BIG)],
    ) {
        let fx = Fixture::new(spec);
        let (a, b) = (fx.keys[a.index(fx.n())], fx.keys[b.index(fx.n())]);
        let filter = relation_filter(&filter);

        let full = fx.graph.paths_counted(a, b, hops, &filter, first, BIG_BUDGET).expect("big budget");
        let exact = fx.graph.paths(a, b, hops, &filter, first, Budget(full.visited));
        prop_assert_eq!(exact.as_ref(), Ok(&full.found));
        if let Some(fewer) = full.visited.checked_sub(1) {
            prop_assert!(fx.graph.paths(a, b, hops, &filter, first, Budget(fewer)).is_err());
        }

        let query = RelatedQuery { to: a, kinds: &[], max_hops: hops, filter: &filter, first, max_intermediate_degree: 3 };
        let full = fx.graph.related_counted(&query, BIG_BUDGET).expect("big budget");
        let exact = fx.graph.related_counted(&query, Budget(full.visited)).expect("enough");
        prop_assert_eq!(&exact, &full);
        if let Some(fewer) = full.visited.checked_sub(1) {
            prop_assert!(fx.graph.related_counted(&query, Budget(fewer)).is_err());
        }

        let full = fx.graph.neighborhood(a, hops, &filter, direction, BIG, BIG_BUDGET);
        let exact = fx.graph.neighborhood(a, hops, &filter, direction, BIG, Budget(full.visited));
        prop_assert_eq!(&exact, &full);
        if let Some(fewer) = full.visited.checked_sub(1) {
            let cut = fx.graph.neighborhood(a, hops, &filter, direction, BIG, Budget(fewer));
            prop_assert!(cut.truncated && cut.visited == fewer);
        }
    }
}
