//! petgraph's own walkers and algorithms run on `KnowledgeGraph` itself (its visit traits, no
//! copy into a petgraph type), and agree with the graph's traversals and with the naive
//! references of `graph_props`: `Bfs` (visit order included, one way) and `Dfs` with `neighborhood` in
//! each direction (`Reversed`, `UndirectedAdaptor`, `EdgeFiltered` for the relation filter),
//! `has_path_connecting` with the directed reach, `dijkstra` with the distances of `paths` and
//! of the naive breadth-first search, `tarjan_scc` and `kosaraju_scc` with mutual reach, and
//! the edge references with `endpoints` and `incident`.

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::{dijkstra, has_path_connecting, kosaraju_scc, tarjan_scc};
use petgraph::visit::{
    Bfs, Dfs, EdgeCount, EdgeFiltered, EdgeRef, IntoEdgeReferences, IntoEdgesDirected,
    IntoNeighborsDirected, NodeCount, Reversed, UndirectedAdaptor,
};
use proptest::prelude::*;
use reegraph::graph::{Direction, EntityKey, KnowledgeGraph, RelationFilter, RelationRef};

use super::{
    BIG, BIG_BUDGET, Filter, Fixture, any_filter, any_spec, config, passes, relation_filter,
};

/// The entities `neighborhood` reaches from `start` with no depth or size limit, in its order.
fn reach(
    graph: &KnowledgeGraph,
    start: EntityKey,
    filter: &RelationFilter,
    direction: Direction,
) -> Vec<EntityKey> {
    graph
        .neighborhood(start, BIG, filter, direction, BIG, BIG_BUDGET)
        .entities
}

proptest! {
    #![proptest_config(config(96))]

    /// petgraph's breadth-first walk, over the filtered relations in each direction, visits
    /// exactly the entities `neighborhood` returns, in the same order; its depth-first walk
    /// visits the same set; `has_path_connecting` agrees with the directed reach.
    #[test]
    fn walkers_agree_with_neighborhood(
        spec in any_spec(),
        a in any::<prop::sample::Index>(),
        filter in any_filter(),
    ) {
        let fx = Fixture::new(spec);
        let g = &fx.graph;
        let start = fx.keys[a.index(fx.n())];
        let ours = relation_filter(&filter);
        let filter: Filter = filter;
        let filtered = EdgeFiltered::from_fn(g, |e: RelationRef<'_>| passes(&filter, *e.weight()));

        let mut bfs = Bfs::new(&filtered, start);
        let mut order = Vec::new();
        while let Some(k) = bfs.next(&filtered) {
            order.push(k);
        }
        let out = reach(g, start, &ours, Direction::Outgoing);
        prop_assert_eq!(&order, &out);
        let mut dfs = Dfs::new(&filtered, start);
        let mut seen = BTreeSet::new();
        while let Some(k) = dfs.next(&filtered) {
            seen.insert(k);
        }
        prop_assert_eq!(&seen, &out.iter().copied().collect::<BTreeSet<_>>());
        for &b in &fx.keys {
            prop_assert_eq!(has_path_connecting(&filtered, start, b, None), out.contains(&b));
        }

        let reversed = Reversed(&filtered);
        let mut bfs = Bfs::new(reversed, start);
        let mut order = Vec::new();
        while let Some(k) = bfs.next(reversed) {
            order.push(k);
        }
        prop_assert_eq!(&order, &reach(g, start, &ours, Direction::Incoming));

        let both = UndirectedAdaptor(&filtered);
        let mut bfs = Bfs::new(both, start);
        let mut order = Vec::new();
        while let Some(k) = bfs.next(both) {
            order.push(k);
        }
        // The adaptor lists incoming relations first, `incident` outgoing first: same set.
        let set = |keys: Vec<EntityKey>| keys.into_iter().collect::<BTreeSet<_>>();
        prop_assert_eq!(set(order), set(reach(g, start, &ours, Direction::Both)));
    }

    /// `dijkstra` with unit costs, both ways, gives the hop distances of the naive
    /// breadth-first search and the length of the shortest path `paths` finds.
    #[test]
    fn dijkstra_agrees_with_paths(
        spec in any_spec(),
        a in any::<prop::sample::Index>(),
    ) {
        let fx = Fixture::new(spec);
        let g = &fx.graph;
        let start = a.index(fx.n());
        let both = UndirectedAdaptor(g);
        let distances: HashMap<EntityKey, usize> =
            dijkstra(both, fx.keys[start], None, |_| 1usize).into_iter().collect();
        let naive = fx.bfs(start, BIG, &None, Direction::Both);
        let naive: HashMap<EntityKey, usize> =
            naive.into_iter().map(|(i, d)| (fx.keys[i], d)).collect();
        prop_assert_eq!(&distances, &naive);
        for (&b, &d) in &distances {
            let shortest = g
                .paths(fx.keys[start], b, d.max(1), &RelationFilter::all(), 1, BIG_BUDGET)
                .expect("big budget");
            prop_assert_eq!(shortest.first().map(|p| p.len()), Some(d));
        }
    }

    /// Strongly connected components from `tarjan_scc` and `kosaraju_scc` are the classes of
    /// mutual directed reach as `neighborhood` finds it.
    #[test]
    fn strongly_connected_components_agree_with_mutual_reach(spec in any_spec()) {
        let fx = Fixture::new(spec);
        let g = &fx.graph;
        let all = RelationFilter::all();
        let reach: HashMap<EntityKey, BTreeSet<EntityKey>> = fx
            .keys
            .iter()
            .map(|&k| (k, self::reach(g, k, &all, Direction::Outgoing).into_iter().collect()))
            .collect();
        let expected: BTreeSet<BTreeSet<EntityKey>> = fx
            .keys
            .iter()
            .map(|a| {
                reach[a]
                    .iter()
                    .copied()
                    .filter(|b| reach[b].contains(a))
                    .collect()
            })
            .collect();
        let classes = |sccs: Vec<Vec<EntityKey>>| -> BTreeSet<BTreeSet<EntityKey>> {
            sccs.into_iter().map(|c| c.into_iter().collect()).collect()
        };
        prop_assert_eq!(classes(tarjan_scc(g)), expected.clone());
        prop_assert_eq!(classes(kosaraju_scc(g)), expected);
    }

    /// The edge references are the relations: every one once, with its endpoints, its type and
    /// its direction; each entity's sides list its relations as `incident` does.
    #[test]
    fn edge_references_are_the_relations(spec in any_spec()) {
        let fx = Fixture::new(spec);
        let g = &fx.graph;
        prop_assert_eq!(g.node_count(), fx.n());
        prop_assert_eq!(g.edge_count(), fx.spec.relations.len());
        let edges: Vec<_> = g
            .edge_references()
            .map(|e| (e.id(), e.source(), e.target(), *e.weight()))
            .collect();
        let expected: Vec<_> = g
            .relation_keys()
            .map(|r| {
                let (from, to) = g.endpoints(r);
                (r, from, to, g.relation(r).relation_type)
            })
            .collect();
        prop_assert_eq!(edges, expected);
        let all = RelationFilter::all();
        for &k in &fx.keys {
            let sides: Vec<_> = [petgraph::Outgoing, petgraph::Incoming]
                .into_iter()
                .flat_map(|d| g.edges_directed(k, d))
                .map(|e| {
                    let outgoing = e.source() == k && g.endpoints(e.id()).0 == k;
                    let other = if e.source() == k { e.target() } else { e.source() };
                    (e.id(), outgoing, other)
                })
                .collect();
            let incident: Vec<_> = g
                .incident(k, &all, Direction::Both)
                .map(|i| (i.relation, i.outgoing, i.other))
                .collect();
            prop_assert_eq!(&sides, &incident);
            let neighbors: Vec<_> = g.neighbors_directed(k, petgraph::Incoming).collect();
            let incoming: Vec<_> = g
                .incident(k, &all, Direction::Incoming)
                .map(|i| i.other)
                .collect();
            prop_assert_eq!(neighbors, incoming);
        }
    }
}
