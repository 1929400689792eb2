//! Benchmarks of `KnowledgeGraph` queries over synthetic graphs (`reegraph::synth`) of 10K and
//! 100K entities (and 1M with `REEGRAPH_BENCH_1M=1`, which takes a minute or more to build).
//!
//! Each size's graph is generated, loaded and built once (cached in a `OnceLock`); the fixed
//! local shape around `application:synth-magnets-0` gives questions whose answers do not change
//! with size, and seeded random entities give the rest. The `bare_petgraph` group runs the same
//! depth-2 BFS as `neighborhood` on a plain petgraph `DiGraph<(), ()>` of the same topology, so
//! the cost of our layers shows as a ratio; `petgraph_walk` runs petgraph's own `Bfs` on our graph
//! (through its visit traits) and on that bare graph.
//!
//! The `over_delta` group runs `neighborhood` and `related` over the same graphs with 10,000
//! records written over them as a delta (no fold): against `neighborhood` and `related`, the
//! cost of reading through a delta.
//!
//! Sample sizes are set by hand: left to itself, divan sometimes timed sub-microsecond calls
//! one per sample, where the per-sample overhead (~1 µs here) swamped them.
//!
//! Under `cargo test --all-targets` each benchmark runs once, on a 2,000-entity graph.
//!
//! Run: `cargo bench --bench graph` (a filter narrows it: `cargo bench --bench graph -- paths`).

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Instant;

use divan::{Bencher, black_box};
use petgraph::Direction as PgDirection;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::{Bfs, EdgeRef, IntoNeighborsDirected, UndirectedAdaptor, Visitable};
use reegraph::dataset::DataFile;
use reegraph::graph::{Budget, Direction, EntityKey, KnowledgeGraph, RelationFilter};
use reegraph::model::{Details, EntityKind};
use reegraph::synth::{self, SynthConfig};

fn main() {
    // Build every size's graph before divan starts timing: a build inside a benchmark function
    // counts against its time limits and upsets divan's choice of sample size.
    let listing = std::env::args().any(|a| a == "--list");
    if !listing {
        for size in sizes() {
            fixture(size);
            delta_graph(size);
        }
    }
    divan::main();
}

const SEED: u64 = 1;
/// The server's default traversal budget.
const BUDGET: Budget = Budget(20_000);
/// The server's default neighborhood limit.
const LIMIT: usize = 200;
/// How many random entities (and pairs) queries cycle through.
const RANDOM: usize = 64;

/// Whether divan runs benchmarks (`cargo bench`) rather than testing them once each
/// (`cargo test --all-targets`, which passes no `--bench`): tests use one small graph.
fn benchmarking() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Sizes every query benchmark runs at.
fn sizes() -> Vec<usize> {
    if !benchmarking() {
        return vec![2_000];
    }
    let mut sizes = vec![10_000, 100_000];
    if std::env::var("REEGRAPH_BENCH_1M").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    sizes
}

/// Sizes the load benchmarks run at.
fn load_sizes() -> Vec<usize> {
    if benchmarking() {
        vec![10_000, 100_000]
    } else {
        vec![2_000]
    }
}

fn slot(size: usize) -> usize {
    match size {
        10_000 => 0,
        100_000 => 1,
        1_000_000 => 2,
        _ => 3,
    }
}

static DELTAS: [OnceLock<KnowledgeGraph>; 4] = [const { OnceLock::new() }; 4];

/// How many records the `over_delta` graphs have written over their base.
const DELTA_RECORDS: usize = 10_000;

/// A size's graph with a delta of writes over it (no fold): half the records are added
/// relations between seeded random entities (each a copy of a random existing relation, with
/// new ends), half rewrites of random entities as they are. Queries over it read the delta's
/// maps: an added relation's entity has extra adjacency, a rewritten one a record of the delta's.
fn delta_graph(size: usize) -> &'static KnowledgeGraph {
    DELTAS[slot(size)].get_or_init(|| {
        let graph = &fixture(size).graph;
        let keys: Vec<EntityKey> = graph.keys().collect();
        let relations: Vec<_> = graph.relation_keys().collect();
        let mut rng = Rng(SEED ^ 0xde17a);
        let mut edits = reegraph::graph::Edits::default();
        for _ in 0..DELTA_RECORDS / 2 {
            let mut relation = graph
                .relation(relations[rng.below(relations.len())])
                .clone();
            relation.from = graph.entity(keys[rng.below(keys.len())]).id.clone();
            relation.to = graph.entity(keys[rng.below(keys.len())]).id.clone();
            edits.relations.push(relation);
            edits
                .entities
                .push(graph.entity(keys[rng.below(keys.len())]).clone());
        }
        graph
            .apply(&edits, 1)
            .expect("edits over the graph's own ids apply")
    })
}

static FILES: [OnceLock<Vec<DataFile>>; 4] = [const { OnceLock::new() }; 4];
static FIXTURES: [OnceLock<Fixture>; 4] = [const { OnceLock::new() }; 4];

/// The generated files of a size (kept only for the sizes `load` measures).
fn files(size: usize) -> &'static [DataFile] {
    FILES[slot(size)].get_or_init(|| {
        synth::generate(&SynthConfig {
            entities: size,
            seed: SEED,
        })
    })
}

fn fixture(size: usize) -> &'static Fixture {
    FIXTURES[slot(size)].get_or_init(|| Fixture::build(size))
}

/// SplitMix64, for picking random entities.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((u128::from(z) * n as u128) >> 64) as usize
    }
}

/// One size's graph, the entities and queries the benchmarks use, and the bare baseline.
struct Fixture {
    graph: KnowledgeGraph,
    hub_degree: usize,
    magnets: EntityKey,
    dy_standard: EntityKey,
    /// An entity of degree 8 (about the 90th percentile).
    mid: EntityKey,
    ids: Vec<String>,
    random: Vec<EntityKey>,
    pairs: Vec<(EntityKey, EntityKey)>,
    name_query: String,
    code_query: String,
    typo_query: String,
    bare: DiGraph<(), (), u32>,
    bare_magnets: NodeIndex,
    bare_mid: NodeIndex,
}

impl Fixture {
    fn build(size: usize) -> Fixture {
        let started = Instant::now();
        let dataset = if size <= 100_000 {
            synth::load(files(size))
        } else {
            synth::load(&synth::generate(&SynthConfig {
                entities: size,
                seed: SEED,
            }))
        }
        .expect("generated data is valid");
        let graph = KnowledgeGraph::new(dataset);
        let built = started.elapsed();

        let keys: Vec<EntityKey> = graph.keys().collect();
        let mut rng = Rng(SEED ^ size as u64);
        let random: Vec<EntityKey> = (0..RANDOM).map(|_| keys[rng.below(keys.len())]).collect();
        let pairs = (0..RANDOM)
            .map(|_| (keys[rng.below(keys.len())], keys[rng.below(keys.len())]))
            .collect();
        let ids = (0..1024)
            .map(|_| graph.entity(keys[rng.below(keys.len())]).id.to_string())
            .collect();
        let mid = keys
            .iter()
            .copied()
            .skip(keys.len() / 2)
            .find(|k| graph.degree(*k) == 8)
            .expect("an entity of degree 8");
        let pick_kind = |rng: &mut Rng, kind: EntityKind| loop {
            let k = keys[rng.below(keys.len())];
            if graph.entity(k).kind() == kind && !graph.entity(k).id.as_str().contains(":synth-") {
                break k;
            }
        };
        let name_query = graph
            .entity(pick_kind(&mut rng, EntityKind::Application))
            .name
            .clone();
        let code_query = loop {
            if let Details::Standard(s) = &graph
                .entity(pick_kind(&mut rng, EntityKind::Standard))
                .details
                && let Some(code) = &s.code
            {
                // Loosely written: lower case, no slash, no space ("gbt26304-2005").
                break code.to_lowercase().replace(['/', ' '], "");
            }
        };
        // One substituted letter in the first word of another application's name.
        let typo_query = {
            let name = &graph
                .entity(pick_kind(&mut rng, EntityKind::Application))
                .name;
            let mut chars: Vec<char> = name.chars().collect();
            let c = chars[2];
            chars[2] = if c == 'e' { 'a' } else { 'e' };
            chars.into_iter().collect::<String>()
        };

        // The same topology in a bare petgraph: node i is the i-th key.
        let index: std::collections::HashMap<EntityKey, u32> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        let mut bare = DiGraph::<(), (), u32>::with_capacity(keys.len(), 0);
        for _ in &keys {
            bare.add_node(());
        }
        for r in graph.relation_keys() {
            let (a, b) = graph.endpoints(r);
            bare.add_edge(
                NodeIndex::new(index[&a] as usize),
                NodeIndex::new(index[&b] as usize),
                (),
            );
        }
        let magnets = graph.lookup(synth::MAGNETS).expect("the magnets entity");
        let fixture = Fixture {
            hub_degree: graph.stats().hub_degree,
            magnets,
            dy_standard: graph
                .lookup(synth::DY_METAL_STANDARD)
                .expect("the standard"),
            mid,
            ids,
            random,
            pairs,
            name_query,
            code_query,
            typo_query,
            bare_magnets: NodeIndex::new(index[&magnets] as usize),
            bare_mid: NodeIndex::new(index[&mid] as usize),
            bare,
            graph,
        };
        fixture.describe(size, built);
        fixture
    }

    /// Prints what the benchmarks run on (to stderr, above divan's table).
    fn describe(&self, size: usize, built: std::time::Duration) {
        let g = &self.graph;
        let stats = g.stats();
        let filter = RelationFilter::all();
        let (mut found, mut none, mut exhausted) = (0, 0, 0);
        for (a, b) in &self.pairs {
            match g.paths(*a, *b, 4, &filter, 3, BUDGET) {
                Ok(p) if p.is_empty() => none += 1,
                Ok(_) => found += 1,
                Err(_) => exhausted += 1,
            }
        }
        let related_exhausted = self
            .random
            .iter()
            .filter(|k| {
                g.related(
                    **k,
                    &[EntityKind::Standard],
                    3,
                    &filter,
                    20,
                    self.hub_degree,
                    BUDGET,
                )
                .is_err()
            })
            .count();
        let timer = Instant::now();
        let rounds: u32 = 200_000;
        let hits = (0..rounds)
            .filter(|i| {
                g.lookup(black_box(&self.ids[*i as usize % self.ids.len()]))
                    .is_some()
            })
            .count();
        let lookup_ns = timer.elapsed().as_nanos() as f64 / f64::from(rounds);
        assert_eq!(hits, rounds as usize);
        let nb = |k: EntityKey, d: usize| {
            let s = g.neighborhood(k, d, &filter, Direction::Both, LIMIT, BUDGET);
            format!(
                "{} entities, {} relations{}",
                s.entities.len(),
                s.relations.len(),
                if s.truncated { ", truncated" } else { "" }
            )
        };
        eprintln!(
            "[{size}] generated+loaded+built in {:.2?}: {} entities, {} relations, hub degree {}; \
             mid entity {} (degree {}): depth 2 = {}; magnets depth 2 = {}; \
             random paths: {found} found, {none} none, {exhausted} over budget; \
             random related: {related_exhausted}/{RANDOM} over budget; \
             lookup in a plain loop: {lookup_ns:.0} ns; \
             queries: name {:?}, code {:?}, typo {:?}",
            built,
            stats.entities,
            stats.relations,
            self.hub_degree,
            g.entity(self.mid).id,
            g.degree(self.mid),
            nb(self.mid, 2),
            nb(self.magnets, 2),
            self.name_query,
            self.code_query,
            self.typo_query,
        );
    }

    fn neighborhood(&self, start: EntityKey, depth: usize) -> reegraph::graph::Subgraph {
        self.neighborhood_through(start, depth, &RelationFilter::all())
    }

    fn neighborhood_through(
        &self,
        start: EntityKey,
        depth: usize,
        filter: &RelationFilter,
    ) -> reegraph::graph::Subgraph {
        self.graph
            .neighborhood(start, depth, filter, Direction::Both, LIMIT, BUDGET)
    }
}

/// `paths` between the fixture's random pairs in turn (maxHops 4, first 3), through `filter`.
fn bench_random_pairs(bencher: Bencher, fx: &Fixture, filter: RelationFilter) {
    let mut next = cycle(&fx.pairs);
    bencher.bench_local(|| {
        let (a, b) = next();
        fx.graph.paths(black_box(a), b, 4, &filter, 3, BUDGET)
    });
}

/// `paths` from the magnets to a standard 2 hops away (maxHops 4), through `filter`.
fn bench_magnets_to_standard(bencher: Bencher, fx: &Fixture, first: usize, filter: RelationFilter) {
    bencher.bench_local(|| {
        fx.graph.paths(
            black_box(fx.magnets),
            fx.dy_standard,
            4,
            &filter,
            first,
            BUDGET,
        )
    });
}

/// `related` standards (maxHops 3, first 20) of `starts` in turn, through `filter`.
fn bench_related(bencher: Bencher, fx: &Fixture, starts: &[EntityKey], filter: RelationFilter) {
    let mut next = cycle(starts);
    bencher.bench_local(|| {
        fx.graph.related(
            black_box(next()),
            &[EntityKind::Standard],
            3,
            &filter,
            20,
            fx.hub_degree,
            BUDGET,
        )
    });
}

/// Cycles through `items`, one per call.
fn cycle<T: Copy>(items: &[T]) -> impl FnMut() -> T + '_ {
    let mut i = 0;
    move || {
        i = (i + 1) % items.len();
        items[i]
    }
}

mod lookup {
    use super::*;

    /// Cycling through 1024 seeded random ids (mostly cache-cold).
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn by_id(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let mut i = 0;
        bencher.bench_local(|| {
            i = (i + 1) % fx.ids.len();
            fx.graph.lookup(black_box(&fx.ids[i]))
        });
    }
    /// The same id every time: hashing and probing with warm caches.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn by_id_warm(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let id = fx.ids[0].as_str();
        bencher.bench_local(|| fx.graph.lookup(black_box(id)));
    }
}

mod search {
    use super::*;

    #[divan::bench(args = sizes(), sample_count = 30)]
    fn name(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box(&fx.name_query), &[], 10));
    }

    #[divan::bench(args = sizes(), sample_count = 30)]
    fn code_loose(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box(&fx.code_query), &[], 10));
    }

    #[divan::bench(args = sizes(), sample_count = 30)]
    fn typo(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box(&fx.typo_query), &[], 10));
    }

    /// A two-letter prefix of many made-up words (and ids): the prefix cap's worst case.
    #[divan::bench(args = sizes(), sample_count = 30)]
    fn short_prefix(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box("ka"), &[], 10));
    }

    /// Two words that each name thousands of entities at 1M.
    #[divan::bench(args = sizes(), sample_count = 30)]
    fn two_common_words(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box("permanent magnets"), &[], 10));
    }

    /// A Chinese bigram in a fifth of the organizations' aliases ("group").
    #[divan::bench(args = sizes(), sample_count = 30)]
    fn cjk_common(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box("集团"), &[], 10));
    }

    /// A common word with a typo: no prefix matches, so the typo pass pulls in its thousands.
    #[divan::bench(args = sizes(), sample_count = 30)]
    fn typo_common_word(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.search(black_box("permanant"), &[], 10));
    }
}

mod neighborhood {
    use super::*;

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth1_mid(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.neighborhood(black_box(fx.mid), 1));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_mid(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.neighborhood(black_box(fx.mid), 2));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth1_magnets(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.neighborhood(black_box(fx.magnets), 1));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_magnets(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.neighborhood(black_box(fx.magnets), 2));
    }
}

/// `neighborhood` and `related` over [`delta_graph`] (10,000 records written over the base):
/// against the same groups above, the cost of reading through a delta.
mod over_delta {
    use super::*;

    /// `neighborhood` of `start` at `depth` over the size's delta graph.
    fn bench_neighborhood(
        bencher: Bencher,
        size: usize,
        start: fn(&Fixture) -> EntityKey,
        depth: usize,
    ) {
        let (fx, graph) = (fixture(size), delta_graph(size));
        let filter = RelationFilter::all();
        bencher.bench_local(|| {
            graph.neighborhood(
                black_box(start(fx)),
                depth,
                &filter,
                Direction::Both,
                LIMIT,
                BUDGET,
            )
        });
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth1_mid(bencher: Bencher, size: usize) {
        bench_neighborhood(bencher, size, |fx| fx.mid, 1);
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_mid(bencher: Bencher, size: usize) {
        bench_neighborhood(bencher, size, |fx| fx.mid, 2);
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_magnets(bencher: Bencher, size: usize) {
        bench_neighborhood(bencher, size, |fx| fx.magnets, 2);
    }

    /// `related` standards of the random entities in turn (maxHops 3, first 20).
    #[divan::bench(args = sizes(), sample_size = 16)]
    fn random_standards(bencher: Bencher, size: usize) {
        let (fx, graph) = (fixture(size), delta_graph(size));
        let mut next = cycle(&fx.random);
        bencher.bench_local(|| {
            graph.related(
                black_box(next()),
                &[EntityKind::Standard],
                3,
                &RelationFilter::all(),
                20,
                fx.hub_degree,
                BUDGET,
            )
        });
    }
}

/// The depth-2, limit-200 BFS of `neighborhood` (both directions, each relation once), on a
/// plain petgraph graph, with hash sets as `neighborhood` uses.
fn bare_bfs_hashed(g: &DiGraph<(), (), u32>, start: NodeIndex, depth: usize) -> (usize, usize) {
    let mut included: HashSet<NodeIndex> = HashSet::from([start]);
    let mut seen: HashSet<EdgeIndex> = HashSet::new();
    let (mut entities, mut relations) = (vec![start], Vec::new());
    let mut frontier = vec![start];
    for _ in 0..depth {
        let mut next = Vec::new();
        for &node in &frontier {
            let out = g
                .edges_directed(node, PgDirection::Outgoing)
                .map(|e| (e.id(), e.target()));
            let inc = g
                .edges_directed(node, PgDirection::Incoming)
                .map(|e| (e.id(), e.source()));
            for (edge, other) in out.chain(inc) {
                if !included.contains(&other) {
                    if entities.len() >= LIMIT {
                        continue;
                    }
                    included.insert(other);
                    entities.push(other);
                    next.push(other);
                }
                if seen.insert(edge) {
                    relations.push(edge);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    (entities.len(), relations.len())
}

/// The same BFS with dense visited marks (generation stamps, reused between calls).
struct Dense {
    nodes: Vec<u32>,
    edges: Vec<u32>,
    stamp: u32,
}

impl Dense {
    fn new(g: &DiGraph<(), (), u32>) -> Self {
        Dense {
            nodes: vec![0; g.node_count()],
            edges: vec![0; g.edge_count()],
            stamp: 0,
        }
    }

    fn bfs(&mut self, g: &DiGraph<(), (), u32>, start: NodeIndex, depth: usize) -> (usize, usize) {
        self.stamp += 1;
        let s = self.stamp;
        self.nodes[start.index()] = s;
        let (mut entities, mut relations) = (vec![start], Vec::new());
        let mut frontier = vec![start];
        for _ in 0..depth {
            let mut next = Vec::new();
            for &node in &frontier {
                let out = g
                    .edges_directed(node, PgDirection::Outgoing)
                    .map(|e| (e.id(), e.target()));
                let inc = g
                    .edges_directed(node, PgDirection::Incoming)
                    .map(|e| (e.id(), e.source()));
                for (edge, other) in out.chain(inc) {
                    if self.nodes[other.index()] != s {
                        if entities.len() >= LIMIT {
                            continue;
                        }
                        self.nodes[other.index()] = s;
                        entities.push(other);
                        next.push(other);
                    }
                    if self.edges[edge.index()] != s {
                        self.edges[edge.index()] = s;
                        relations.push(edge);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        (entities.len(), relations.len())
    }
}

mod bare_petgraph {
    use super::*;

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_mid_hashed(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| bare_bfs_hashed(&fx.bare, black_box(fx.bare_mid), 2));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_mid_dense(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let mut dense = Dense::new(&fx.bare);
        bencher.bench_local(|| dense.bfs(&fx.bare, black_box(fx.bare_mid), 2));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_magnets_hashed(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| bare_bfs_hashed(&fx.bare, black_box(fx.bare_magnets), 2));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn depth2_magnets_dense(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let mut dense = Dense::new(&fx.bare);
        bencher.bench_local(|| dense.bfs(&fx.bare, black_box(fx.bare_magnets), 2));
    }
}

/// petgraph's own breadth-first walker over both directions (`UndirectedAdaptor`), stopped
/// after `LIMIT` entities: on our graph through its visit traits (hash-set visit map, sized by
/// the work), and on the bare `DiGraph` (dense bit set of the whole graph).
fn petgraph_bfs<G>(g: G, start: G::NodeId) -> usize
where
    G: IntoNeighborsDirected + Visitable,
{
    let both = UndirectedAdaptor(g);
    let mut bfs = Bfs::new(both, start);
    let mut n = 0;
    while n < LIMIT && bfs.next(both).is_some() {
        n += 1;
    }
    n
}

mod petgraph_walk {
    use super::*;

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn bfs_200_magnets_ours(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| petgraph_bfs(&fx.graph, black_box(fx.magnets)));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn bfs_200_magnets_bare(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| petgraph_bfs(&fx.bare, black_box(fx.bare_magnets)));
    }
}

mod paths {
    use super::*;

    /// Between seeded random pairs (maxHops 4, first 3), cycling through 64 of them; most
    /// random pairs are not within 4 hops, and a few may exhaust the budget through hubs.
    #[divan::bench(args = sizes())]
    fn random_pairs(bencher: Bencher, size: usize) {
        bench_random_pairs(bencher, fixture(size), RelationFilter::all());
    }

    /// From the magnets to a standard 2 hops away, within the fixed local shape.
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn magnets_to_standard(bencher: Bencher, size: usize) {
        bench_magnets_to_standard(bencher, fixture(size), 3, RelationFilter::all());
    }

    /// The same pair, all paths of up to 4 hops (first 20): every length up to 4 is enumerated,
    /// so the balls keep growing; the answer is the same at every size, and so should the cost.
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn magnets_to_standard_all(bencher: Bencher, size: usize) {
        bench_magnets_to_standard(bencher, fixture(size), 20, RelationFilter::all());
    }
}

mod related {
    use super::*;

    /// "Which standards touch the magnets?" (kinds [STANDARD], maxHops 3, first 20).
    #[divan::bench(args = sizes(), sample_size = 16)]
    fn magnets_standards(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bench_related(bencher, fx, &[fx.magnets], RelationFilter::all());
    }

    /// The same question from seeded random entities, cycling through 64 of them.
    #[divan::bench(args = sizes(), sample_size = 16)]
    fn random_standards(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bench_related(bencher, fx, &fx.random, RelationFilter::all());
    }
}

/// The traversals above, walking only relations with a VERIFIED_SECONDARY citation or better
/// (`minGrade`): the grade test reads a byte of the adjacency entry, so the ratio to the
/// unfiltered case above is the cost of the filter (a filtered walk also visits less).
mod min_grade {
    use super::*;
    use reegraph::model::Grade;

    fn filter() -> RelationFilter {
        RelationFilter::all().with_min_grade(Some(Grade::VerifiedSecondary))
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn neighborhood_depth2_mid(bencher: Bencher, size: usize) {
        let (fx, filter) = (fixture(size), filter());
        bencher.bench_local(|| fx.neighborhood_through(black_box(fx.mid), 2, &filter));
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn neighborhood_depth2_magnets(bencher: Bencher, size: usize) {
        let (fx, filter) = (fixture(size), filter());
        bencher.bench_local(|| fx.neighborhood_through(black_box(fx.magnets), 2, &filter));
    }

    #[divan::bench(args = sizes())]
    fn paths_random_pairs(bencher: Bencher, size: usize) {
        bench_random_pairs(bencher, fixture(size), filter());
    }

    #[divan::bench(args = sizes(), sample_size = 32)]
    fn paths_magnets_to_standard_all(bencher: Bencher, size: usize) {
        bench_magnets_to_standard(bencher, fixture(size), 20, filter());
    }

    #[divan::bench(args = sizes(), sample_size = 16)]
    fn related_magnets_standards(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bench_related(bencher, fx, &[fx.magnets], filter());
    }

    #[divan::bench(args = sizes(), sample_size = 16)]
    fn related_random_standards(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bench_related(bencher, fx, &fx.random, filter());
    }
}

mod page {
    use super::*;

    /// A Relay page of 20 entities of every kind, at offset 0.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn first_20(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.entities_of_kinds(&[], black_box(0), 20));
    }

    /// A page of 20 at offset entities/2.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn deep_20(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| fx.graph.entities_of_kinds(&[], black_box(size / 2), 20));
    }

    /// A page of 20 minerals at offset minerals/2.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn deep_minerals_20(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let offset = fx.graph.count_of_kinds(&[EntityKind::Mineral]) / 2;
        bencher.bench_local(|| {
            fx.graph
                .entities_of_kinds(&[EntityKind::Mineral], black_box(offset), 20)
        });
    }
}

mod entities_filter {
    //! `entities(where, orderBy)` and `entityCounts` at the graph level: what their resolvers
    //! call (a matcher, a page, a count).
    use reegraph::graph::{
        Comparison, EnumField, GroupBy, KindSet, Order, OrderField, Predicate, TextField, TextTest,
        enum_bit,
    };
    use reegraph::model::{RelationType, StandardStatus};

    use super::*;

    fn standards() -> KindSet {
        KindSet::one(EntityKind::Standard)
    }

    /// `standard: { code: { startsWith: "GB/T 12" } }` (about 1% of standards, 0.1% of
    /// entities), with `totalCount`: a scan of the standards.
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn selective_code_prefix(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = Predicate::Text(TextField::StandardCode, TextTest::starts_with("GB/T 12"));
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            let page = fx.graph.page_matching(&m, &[], None, 20);
            (page, fx.graph.count_matching(&m))
        });
    }

    /// The same, newest first (`orderBy: { field: DATE, direction: DESC }`).
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn selective_code_prefix_by_date(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = Predicate::Text(TextField::StandardCode, TextTest::starts_with("GB/T 12"));
        let order = Order {
            field: OrderField::Date,
            descending: true,
        };
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            let page = fx.graph.page_matching(&m, &[order], None, 20);
            (page, fx.graph.count_matching(&m))
        });
    }

    /// Standards that CONCERN one entity, by id (the id index, then its relations), newest
    /// first, with `totalCount`.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn selective_related_to_id(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = Predicate::Related {
            types: RelationFilter::only([RelationType::Concerns]),
            direction: Direction::Outgoing,
            min_grade: reegraph::model::Grade::Unverified,
            other: Box::new(Predicate::Text(
                TextField::Id,
                TextTest::Eq(synth::MAGNETS.to_owned()),
            )),
        };
        let order = Order {
            field: OrderField::Date,
            descending: true,
        };
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            let page = fx.graph.page_matching(&m, &[order], None, 20);
            (page, fx.graph.count_matching(&m))
        });
    }

    fn unselective() -> Predicate {
        let mask = [
            StandardStatus::Published,
            StandardStatus::Superseded,
            StandardStatus::Approved,
        ]
        .iter()
        .fold(0, |m, s| m | enum_bit(*s as u8));
        Predicate::Enum(EnumField::StandardStatus, mask)
    }

    /// `standard: { status: { in: [PUBLISHED, SUPERSEDED, APPROVED] } }` (75% of standards),
    /// first page of 20 in the default order, no `totalCount`.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn unselective_first_page(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = unselective();
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            fx.graph.page_matching(&m, &[], None, 20)
        });
    }

    /// The same with `totalCount` (a pass over every standard).
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn unselective_first_page_counted(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = unselective();
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            let page = fx.graph.page_matching(&m, &[], None, 20);
            (page, fx.graph.count_matching(&m))
        });
    }

    /// The same ordered by name (the page is selected from every match).
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn unselective_first_page_by_name(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = unselective();
        let order = Order {
            field: OrderField::Name,
            descending: false,
        };
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            fx.graph.page_matching(&m, &[order], None, 20)
        });
    }

    /// The same, newest first (the page is selected from every match by date).
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn unselective_first_page_by_date(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = unselective();
        let order = Order {
            field: OrderField::Date,
            descending: true,
        };
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), standards());
            fx.graph.page_matching(&m, &[order], None, 20)
        });
    }

    /// `entityCounts(kinds: [STANDARD], groupBy: [STATUS, LEVEL])` over every standard.
    #[divan::bench(args = sizes(), sample_size = 32)]
    fn grouped_count_standards(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&Predicate::True), standards());
            fx.graph
                .count_groups(&m, &[GroupBy::Status, GroupBy::Level])
        });
    }

    /// A comparison on every entity: `degree: { gte: 3 }` over all kinds, first page.
    #[divan::bench(args = sizes(), sample_size = 256)]
    fn degree_first_page(bencher: Bencher, size: usize) {
        let fx = fixture(size);
        let p = Predicate::Int(reegraph::graph::IntField::Degree, Comparison::Gte, 3);
        bencher.bench_local(|| {
            let m = fx.graph.matcher(black_box(&p), KindSet::ALL);
            fx.graph.page_matching(&m, &[], None, 20)
        });
    }
}

mod load {
    use super::*;

    /// `load_files` (parse and validate, in memory) plus `KnowledgeGraph::new`.
    #[divan::bench(args = load_sizes(), sample_count = 3, sample_size = 1)]
    fn load_and_build(bencher: Bencher, size: usize) {
        let files = files(size);
        bencher.bench_local(|| KnowledgeGraph::new(synth::load(files).expect("valid")));
    }

    /// `KnowledgeGraph::new` alone, from an already validated dataset (a fresh copy each time).
    #[divan::bench(args = load_sizes(), sample_count = 3, sample_size = 1)]
    fn build_graph(bencher: Bencher, size: usize) {
        let dataset = synth::load(files(size)).expect("valid");
        bencher
            .with_inputs(|| dataset.clone())
            .bench_local_values(KnowledgeGraph::new);
    }

    /// `synth::generate` alone.
    #[divan::bench(args = load_sizes(), sample_count = 3, sample_size = 1)]
    fn generate(bencher: Bencher, size: usize) {
        bencher.bench_local(|| {
            synth::generate(&SynthConfig {
                entities: size,
                seed: SEED,
            })
        });
    }
}
