//! `minGrade` and `asOf` traversals against an oracle: the same traversal, unfiltered, on the
//! subgraph of the relations that pass (same entities in the same order, the passing relations
//! in data order), so every answer must be the same entities and relations in the same order.
//! `related`'s specificity and hub rule read degrees, which differ between the two graphs, so
//! it is compared as the set of entities at their distances (no hub rule), and each of its
//! paths must pass the filter.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use proptest::prelude::*;
use reegraph::dataset::Dataset;
use reegraph::graph::{Budget, KnowledgeGraph, RelationFilter, RelationKey};
use reegraph::model::{Citation, Date, Grade, Relation, RelationType};

use super::{BIG, BIG_BUDGET, Spec, any_direction, any_filter, any_kinds, any_spec, config};

/// What each relation of a spec is known by: its best grade and its `since`/`until`.
#[derive(Debug, Clone)]
struct Facts {
    grade: Grade,
    since: Option<Date>,
    until: Option<Date>,
}

fn any_date() -> impl Strategy<Value = Date> {
    (
        2000u16..2006,
        prop::option::of((1u8..13, prop::option::of(1u8..29))),
    )
        .prop_map(|(y, md)| {
            let text = match md {
                None => format!("{y}"),
                Some((m, None)) => format!("{y}-{m:02}"),
                Some((m, Some(d))) => format!("{y}-{m:02}-{d:02}"),
            };
            text.parse().expect("a generated date is valid")
        })
}

fn any_grade() -> impl Strategy<Value = Grade> {
    prop::sample::select(Grade::BY_STRENGTH.to_vec())
}

fn any_facts() -> impl Strategy<Value = Facts> {
    (
        any_grade(),
        prop::option::of(any_date()),
        prop::option::of(any_date()),
    )
        .prop_map(|(grade, a, b)| {
            // A window, never reversed (the loader refuses since after until).
            let (since, until) = match (a, b) {
                (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
                other => other,
            };
            Facts {
                grade,
                since,
                until,
            }
        })
}

/// A graph with a grade and a window on every relation.
fn any_graph() -> impl Strategy<Value = (Spec, Vec<Facts>)> {
    any_spec().prop_flat_map(|spec| {
        let n = spec.relations.len();
        (Just(spec), prop::collection::vec(any_facts(), n))
    })
}

/// The graph of `spec` with the relations `keep` holds (in data order), and each kept
/// relation's index in the spec, by key.
fn build(
    spec: &Spec,
    facts: &[Facts],
    keep: impl Fn(usize) -> bool,
) -> (KnowledgeGraph, HashMap<RelationKey, usize>) {
    let (ids, entities) = super::spec_entities(spec);
    let source = super::entity_id(reegraph::model::EntityKind::Source, usize::MAX);
    let kept: Vec<usize> = (0..spec.relations.len()).filter(|j| keep(*j)).collect();
    let relations = kept
        .iter()
        .map(|&j| {
            let (a, t, b) = spec.relations[j];
            let f = &facts[j];
            let cite = |grade| Citation {
                source: source.clone(),
                quote: None,
                grade,
                note: None,
                conflict: None,
            };
            // The best citation decides: a weaker one beside it changes nothing.
            let citations: Arc<[Citation]> = vec![cite(Grade::Unverified), cite(f.grade)].into();
            Relation {
                relation_type: t,
                from: ids[a].clone(),
                to: ids[b].clone(),
                role: None,
                since: f.since,
                until: f.until,
                citations,
            }
        })
        .collect();
    let graph = KnowledgeGraph::new(Dataset {
        entities,
        relations,
        fingerprint: 0,
    });
    let index = graph.relation_keys().zip(kept).collect();
    (graph, index)
}

/// A filter of types, grade and date, and the test it stands for on relation `j` of the spec.
#[derive(Debug, Clone)]
struct EdgeTest {
    types: Option<Vec<RelationType>>,
    min_grade: Option<Grade>,
    as_of: Option<Date>,
}

impl EdgeTest {
    fn filter(&self) -> RelationFilter {
        let types = match &self.types {
            None => RelationFilter::all(),
            Some(t) => RelationFilter::only(t.clone()),
        };
        types.with_min_grade(self.min_grade).with_as_of(self.as_of)
    }

    /// The naive test: read straight from the facts, not through the graph.
    fn passes(&self, spec: &Spec, facts: &[Facts], j: usize) -> bool {
        let f = &facts[j];
        let window = Relation {
            relation_type: spec.relations[j].1,
            from: super::entity_id(spec.kinds[spec.relations[j].0], spec.relations[j].0),
            to: super::entity_id(spec.kinds[spec.relations[j].2], spec.relations[j].2),
            role: None,
            since: f.since,
            until: f.until,
            citations: Vec::new().into(),
        };
        self.types
            .as_ref()
            .is_none_or(|t| t.contains(&spec.relations[j].1))
            && self.min_grade.is_none_or(|g| f.grade.at_least(g))
            && self.as_of.is_none_or(|d| window.holds_on(d))
    }
}

fn any_edge_test() -> impl Strategy<Value = EdgeTest> {
    (
        any_filter(),
        prop::option::of(any_grade()),
        prop::option::of(any_date()),
    )
        .prop_map(|(types, min_grade, as_of)| EdgeTest {
            types,
            min_grade,
            as_of,
        })
}

proptest! {
    #![proptest_config(config(192))]

    /// `neighborhood` and `paths` with a filter equal the unfiltered traversals on the
    /// subgraph of the passing relations, entity for entity and relation for relation.
    #[test]
    fn filtered_neighborhood_and_paths_equal_the_unfiltered_ones_on_the_passing_subgraph(
        (spec, facts) in any_graph(),
        test in any_edge_test(),
        start in any::<prop::sample::Index>(),
        end in any::<prop::sample::Index>(),
        depth in 0..4usize,
        max_hops in 0..5usize,
        direction in any_direction(),
    ) {
        let (full, full_index) = build(&spec, &facts, |_| true);
        let (sub, sub_index) = build(&spec, &facts, |j| test.passes(&spec, &facts, j));
        let n = spec.kinds.len();
        // Same entities in the same order: the same keys in both graphs.
        let (start, end) = (full.keys().nth(start.index(n)), full.keys().nth(end.index(n)));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(TestCaseError::fail("no entity"));
        };
        let filter = test.filter();

        let a = full.neighborhood(start, depth, &filter, direction, BIG, BIG_BUDGET);
        let b = sub.neighborhood(start, depth, &RelationFilter::all(), direction, BIG, BIG_BUDGET);
        prop_assert_eq!(&a.entities, &b.entities);
        let rels = |rs: &[RelationKey], index: &HashMap<RelationKey, usize>| {
            rs.iter().map(|r| index[r]).collect::<Vec<_>>()
        };
        prop_assert_eq!(rels(&a.relations, &full_index), rels(&b.relations, &sub_index));

        let a = full.paths(start, end, max_hops, &filter, 8, BIG_BUDGET).expect("big budget");
        let b = sub.paths(start, end, max_hops, &RelationFilter::all(), 8, BIG_BUDGET).expect("big budget");
        prop_assert_eq!(a.len(), b.len());
        for (p, q) in a.iter().zip(&b) {
            prop_assert_eq!(&p.entities, &q.entities);
            let hops = |path: &reegraph::graph::Path, index: &HashMap<RelationKey, usize>| {
                path.hops.iter().map(|h| (index[&h.relation], h.forward)).collect::<Vec<_>>()
            };
            prop_assert_eq!(hops(p, &full_index), hops(q, &sub_index));
        }
    }

    /// `related` with a filter finds the entities the unfiltered search finds on the passing
    /// subgraph, at the same distances, each on a path of passing relations; its ranking never
    /// puts a weaker path before a stronger one at the same distance unless an EVENT decides.
    #[test]
    fn filtered_related_equals_the_unfiltered_one_on_the_passing_subgraph(
        (spec, facts) in any_graph(),
        test in any_edge_test(),
        to in any::<prop::sample::Index>(),
        kinds in any_kinds(),
        max_hops in 0..5usize,
    ) {
        let (full, full_index) = build(&spec, &facts, |_| true);
        let (sub, _) = build(&spec, &facts, |j| test.passes(&spec, &facts, j));
        let Some(to) = full.keys().nth(to.index(spec.kinds.len())) else {
            return Err(TestCaseError::fail("no entity"));
        };
        let filter = test.filter();
        let a = full.related(to, &kinds, max_hops, &filter, BIG, usize::MAX, BIG_BUDGET).expect("big budget");
        let b = sub.related(to, &kinds, max_hops, &RelationFilter::all(), BIG, usize::MAX, BIG_BUDGET).expect("big budget");
        let found = |rs: &[reegraph::graph::Related]| {
            rs.iter().map(|r| (r.entity, r.distance)).collect::<BTreeSet<_>>()
        };
        prop_assert_eq!(found(&a), found(&b));
        for r in &a {
            for h in &r.path.hops {
                prop_assert!(test.passes(&spec, &facts, full_index[&h.relation]), "{:?}", h);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// A filter narrows what a traversal walks, never its budget: with `minGrade` and `asOf`
    /// each traversal still visits at most its budget, and one that runs out says so with the
    /// budget as its count.
    #[test]
    fn filtered_traversals_stay_within_their_budget(
        (spec, facts) in any_graph(),
        test in any_edge_test(),
        budget in 0..6usize,
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
    ) {
        let (graph, _) = build(&spec, &facts, |_| true);
        let n = spec.kinds.len();
        let (Some(a), Some(b)) = (graph.keys().nth(a.index(n)), graph.keys().nth(b.index(n))) else {
            return Err(TestCaseError::fail("no entity"));
        };
        let filter = test.filter();
        let within = |r: Result<usize, reegraph::graph::BudgetExhausted>| match r {
            Ok(visited) => visited <= budget,
            Err(e) => e.visited == budget,
        };
        let sub = graph.neighborhood(a, 4, &filter, reegraph::graph::Direction::Both, BIG, Budget(budget));
        prop_assert!(sub.visited <= budget);
        let paths = graph.paths_counted(a, b, 6, &filter, 3, Budget(budget)).map(|c| c.visited);
        prop_assert!(within(paths));
        let query = reegraph::graph::RelatedQuery {
            to: a,
            kinds: &[],
            max_hops: 6,
            filter: &filter,
            first: BIG,
            max_intermediate_degree: usize::MAX,
        };
        let related = graph.related_counted(&query, Budget(budget)).map(|c| c.visited);
        prop_assert!(within(related));
    }
}

/// At equal distance, the stronger path wins: as a parent (the path through the VERIFIED
/// mineral, though the REPORTED one, as specific, is reached first) and in the ranking (the
/// VERIFIED result first, though its name sorts last).
#[test]
fn related_prefers_the_stronger_path_at_equal_distance() {
    use reegraph::model::EntityKind::{Application, Mineral, Standard};
    use reegraph::model::RelationType::{Concerns, UsedIn};
    // 0: the application asked about; 1, 2: minerals used in it; 3: a standard concerning
    // both; 4, 5: standards concerning the application directly.
    let spec = Spec {
        kinds: vec![Application, Mineral, Mineral, Standard, Standard, Standard],
        names: ["App", "Weak", "Strong", "Std", "Alpha", "Zulu"]
            .map(str::to_owned)
            .to_vec(),
        relations: vec![
            (1, UsedIn, 0),
            (2, UsedIn, 0),
            (3, Concerns, 1),
            (3, Concerns, 2),
            (4, Concerns, 0),
            (5, Concerns, 0),
        ],
    };
    let grades = [
        Grade::Reported,
        Grade::Verified,
        Grade::Verified,
        Grade::Verified,
        Grade::Reported,
        Grade::Verified,
    ];
    let facts: Vec<Facts> = grades
        .iter()
        .map(|&grade| Facts {
            grade,
            since: None,
            until: None,
        })
        .collect();
    let standards = |facts: &[Facts]| {
        let (graph, _) = build(&spec, facts, |_| true);
        let keys: Vec<_> = graph.keys().collect();
        let related = graph
            .related(
                keys[0],
                &[Standard],
                2,
                &RelationFilter::all(),
                10,
                usize::MAX,
                Budget(1000),
            )
            .expect("a small graph");
        let order: Vec<_> = related.iter().map(|r| r.entity).collect();
        (keys, order, related)
    };
    let (keys, order, related) = standards(&facts);
    assert_eq!(order, [keys[5], keys[4], keys[3]], "{related:#?}");
    assert_eq!(
        related[2].path.entities,
        [keys[0], keys[2], keys[3]],
        "the VERIFIED mineral is the parent"
    );
    // Without grades to tell them apart, the name decides (and the first parent found).
    let equal: Vec<Facts> = facts
        .iter()
        .map(|f| Facts {
            grade: Grade::Verified,
            ..f.clone()
        })
        .collect();
    let (keys, order, related) = standards(&equal);
    assert_eq!(order, [keys[4], keys[5], keys[3]]);
    assert_eq!(related[2].path.entities, [keys[0], keys[1], keys[3]]);
}
