//! The filter indexes over a delta (issue 16): on the random worlds of `filter_props`, writes
//! are applied over the built graph (entities added of every kind, with ids and names that sort
//! anywhere; base and added entities changed; entities retracted, their relations first;
//! relations added, changed and retracted), in two rounds; then `matcher`, `count_matching`,
//! `page_matching` (paged to the end through positions, in random orders, the default one and
//! by name), `count_groups`, `count_groups_of`, `relation_list` and `count_relation_groups` must
//! answer as they do on a graph rebuilt from the live records (`to_dataset`), keys mapped to ids.
//! Deterministic (fixed seed) unless `PROPTEST_RNG_SEED` is set.

use std::collections::BTreeSet;

use proptest::prelude::*;
use reegraph::graph::{
    Direction, Edits, EntityKey, GroupBy, GroupKey, KindSet, KnowledgeGraph, ListSpec, Order,
    OrderField, Predicate, RelationFilter,
};
use reegraph::model::{Entity, EntityId, Relation, RelationType};

use crate::filter_props::{
    EntitySpec, GRADES, KINDS, World, citation, config, entity, order, predicate, world,
};

/// One round of writes, as picks that [`edits`] resolves against the graph at hand.
#[derive(Debug, Clone)]
struct Round {
    /// Entities added: their attributes and the slot their id sorts at.
    added: Vec<(EntitySpec, usize)>,
    /// Live entities changed (picked by position), with new attributes (their kind kept).
    changed: Vec<(usize, EntitySpec)>,
    /// Live entities retracted (by position).
    retracted: Vec<usize>,
    /// Live relations retracted (by position).
    relations_retracted: Vec<usize>,
    /// Relations written: endpoints (by position among the entities live after the round),
    /// type pick, grade pick. An existing (type, from, to) is changed.
    relations: Vec<(usize, usize, u8, usize)>,
}

fn spec() -> impl Strategy<Value = EntitySpec> {
    (
        0..4usize,
        0..5usize,
        0..7usize,
        any::<u8>(),
        0..7usize,
        0..3usize,
    )
}

fn round() -> impl Strategy<Value = Round> {
    (
        proptest::collection::vec((spec(), 0..31usize), 0..8),
        proptest::collection::vec((any::<usize>(), spec()), 0..6),
        proptest::collection::vec(any::<usize>(), 0..4),
        proptest::collection::vec(any::<usize>(), 0..4),
        proptest::collection::vec(
            (any::<usize>(), any::<usize>(), any::<u8>(), 0..3usize),
            0..12,
        ),
    )
        .prop_map(
            |(added, changed, retracted, relations_retracted, relations)| Round {
                added,
                changed,
                retracted,
                relations_retracted,
                relations,
            },
        )
}

/// A relation as the (type, from, to) an edit names it by.
fn triple(r: &Relation) -> (RelationType, EntityId, EntityId) {
    (r.relation_type, r.from.clone(), r.to.clone())
}

/// Resolves a round against `graph` (`tag` keeps the ids it adds apart from other rounds').
fn edits(graph: &KnowledgeGraph, round: &Round, tag: &str) -> Edits {
    let live: Vec<Entity> = graph.keys().map(|k| graph.entity(k).clone()).collect();
    let mut edits = Edits::default();
    if live.is_empty() {
        return edits;
    }
    let mut retracted: BTreeSet<EntityId> = BTreeSet::new();
    for &i in &round.retracted {
        retracted.insert(live[i % live.len()].id.clone());
    }
    // Their relations first, then the relations picked.
    let relations: Vec<Relation> = graph
        .relation_keys()
        .map(|r| graph.relation(r).clone())
        .collect();
    let mut gone: Vec<(RelationType, EntityId, EntityId)> = relations
        .iter()
        .filter(|r| retracted.contains(&r.from) || retracted.contains(&r.to))
        .map(triple)
        .collect();
    if !relations.is_empty() {
        for &i in &round.relations_retracted {
            let t = triple(&relations[i % relations.len()]);
            if !gone.contains(&t) {
                gone.push(t);
            }
        }
    }
    edits.retract_relations = gone;
    edits.retract_entities = retracted.iter().cloned().collect();
    let mut changed: BTreeSet<EntityId> = BTreeSet::new();
    for &(i, spec) in &round.changed {
        let old = &live[i % live.len()];
        if retracted.contains(&old.id) || !changed.insert(old.id.clone()) {
            continue;
        }
        let kind = KINDS
            .iter()
            .position(|k| *k == old.kind())
            .expect("a world's kind");
        let mut new = entity(0, (kind, spec.1, spec.2, spec.3, spec.4, spec.5));
        new.id = old.id.clone();
        edits.entities.push(new);
    }
    for (j, &(spec, slot)) in round.added.iter().enumerate() {
        let mut new = entity(0, spec);
        // `e05{tag}{j}` sorts between the world's `e05` and `e06`; slot 30 after them all.
        new.id = EntityId::parse(&format!("{}:e{slot:02}{tag}{j}", new.kind().prefix()))
            .expect("a valid id")
            .0;
        edits.entities.push(new);
    }
    // The entities live after the round, each with its record as written.
    let mut after: Vec<Entity> = live
        .into_iter()
        .filter(|e| !retracted.contains(&e.id))
        .collect();
    after.extend(edits.entities.iter().cloned());
    let mut written: BTreeSet<(RelationType, EntityId, EntityId)> = BTreeSet::new();
    for &(a, b, pick, grade) in &round.relations {
        if after.is_empty() {
            break;
        }
        let (a, b) = (&after[a % after.len()], &after[b % after.len()]);
        let types: Vec<RelationType> = RelationType::ALL
            .into_iter()
            .filter(|t| t.allows(a.kind(), b.kind()))
            .collect();
        if a.id == b.id || types.is_empty() {
            continue;
        }
        let t = types[usize::from(pick) % types.len()];
        if !written.insert((t, a.id.clone(), b.id.clone())) {
            continue;
        }
        edits.relations.push(Relation {
            relation_type: t,
            from: a.id.clone(),
            to: b.id.clone(),
            role: None,
            since: None,
            until: None,
            citations: vec![citation(GRADES[grade])].into(),
        });
    }
    edits
}

/// The world's graph with both rounds applied over its base.
fn written(world: &World, rounds: &[Round]) -> KnowledgeGraph {
    let mut graph = world.graph.clone();
    for (i, round) in rounds.iter().enumerate() {
        let e = edits(&graph, round, ["a", "b", "c"][i % 3]);
        graph = graph
            .apply(&e, i as u64 + 1)
            .expect("edits resolved on this graph");
    }
    graph
}

fn ids(graph: &KnowledgeGraph, keys: &[EntityKey]) -> Vec<String> {
    keys.iter()
        .map(|k| graph.entity(*k).id.as_str().to_owned())
        .collect()
}

/// Groups with their related entity named by id.
fn named(graph: &KnowledgeGraph, groups: Vec<(GroupKey, usize)>) -> Vec<(String, usize)> {
    groups
        .into_iter()
        .map(|(g, n)| {
            let related = g.related.map(|k| graph.entity(k).id.as_str().to_owned());
            (
                format!("{:?}", GroupKey { related: None, ..g }) + &format!("{related:?}"),
                n,
            )
        })
        .collect()
}

/// Pages `p` in `orders` through positions on both graphs (to the end or `max_pages`): the same ids, the same
/// `more`, the same positions.
fn pages_agree(
    graph: &KnowledgeGraph,
    rebuilt: &KnowledgeGraph,
    p: &Predicate,
    kinds: KindSet,
    orders: &[Order],
    page: usize,
    max_pages: usize,
) -> Result<(), TestCaseError> {
    let (m, r) = (graph.matcher(p, kinds), rebuilt.matcher(p, kinds));
    prop_assert_eq!(graph.count_matching(&m), rebuilt.count_matching(&r));
    let (mut after, mut after_r) = (None, None);
    let mut pages = 0;
    while pages < max_pages {
        let (keys, more) = graph.page_matching(&m, orders, after.as_ref(), page);
        let (keys_r, more_r) = rebuilt.page_matching(&r, orders, after_r.as_ref(), page);
        prop_assert_eq!(ids(graph, &keys), ids(rebuilt, &keys_r), "page {}", pages);
        prop_assert_eq!(more, more_r, "more after page {}", pages);
        pages += 1;
        match (keys.last(), keys_r.last()) {
            (Some(last), Some(last_r)) if more => {
                let (pos, pos_r) = (
                    graph.position(orders, *last),
                    rebuilt.position(orders, *last_r),
                );
                prop_assert_eq!(&pos, &pos_r);
                after = Some(pos);
                after_r = Some(pos_r);
            }
            _ => break,
        }
    }
    Ok(())
}

/// Every filter answer of `graph` equals the rebuilt graph's.
fn agrees_with_a_rebuild(
    graph: &KnowledgeGraph,
    p: &Predicate,
    kinds: KindSet,
    orders: &[Order],
    page: usize,
) -> Result<(), TestCaseError> {
    let rebuilt = KnowledgeGraph::new(graph.to_dataset());
    let to_rebuilt = |k: EntityKey| {
        rebuilt
            .lookup(graph.entity(k).id.as_str())
            .expect("the rebuild holds every live entity")
    };
    let by_name = [Order {
        field: OrderField::Name,
        descending: false,
    }];
    for orders in [orders, &[], &by_name] {
        pages_agree(graph, &rebuilt, p, kinds, orders, page, usize::MAX)?;
    }
    let (m, r) = (graph.matcher(p, kinds), rebuilt.matcher(p, kinds));
    for k in graph.keys() {
        prop_assert_eq!(m.test(k), r.test(to_rebuilt(k)), "{}", graph.entity(k).id);
    }
    let dims = [
        GroupBy::Kind,
        GroupBy::Status,
        GroupBy::Level,
        GroupBy::Form,
        GroupBy::Grade,
    ];
    prop_assert_eq!(
        named(graph, graph.count_groups(&m, &dims)),
        named(&rebuilt, rebuilt.count_groups(&r, &dims))
    );
    let related = [
        GroupBy::Kind,
        GroupBy::Related {
            types: RelationFilter::all(),
            direction: Direction::Both,
            kinds: KindSet::of(&[KINDS[0], KINDS[1]]),
            min_grade: GRADES[1],
        },
    ];
    prop_assert_eq!(
        named(graph, graph.count_groups(&m, &related)),
        named(&rebuilt, rebuilt.count_groups(&r, &related))
    );
    let all: Vec<EntityKey> = graph.keys().collect();
    let all_r: Vec<EntityKey> = all.iter().map(|k| to_rebuilt(*k)).collect();
    prop_assert_eq!(
        named(graph, graph.count_groups_of(&all, &dims)),
        named(&rebuilt, rebuilt.count_groups_of(&all_r, &dims))
    );
    // Relationship lists filtered by the matcher and ordered, and their grouped counts.
    let relation_dims = [
        GroupBy::Kind,
        GroupBy::Status,
        GroupBy::RelationType,
        GroupBy::Direction,
        GroupBy::Grade,
    ];
    for k in graph.keys() {
        let items = graph.relation_list(
            k,
            &RelationFilter::all(),
            Direction::Both,
            &ListSpec {
                other: Some(&m),
                orders,
            },
        );
        let items_r = rebuilt.relation_list(
            to_rebuilt(k),
            &RelationFilter::all(),
            Direction::Both,
            &ListSpec {
                other: Some(&r),
                orders,
            },
        );
        let seen = |g: &KnowledgeGraph, items: &[reegraph::graph::IncidentRelation]| {
            items
                .iter()
                .map(|i| (g.entity(i.other).id.as_str().to_owned(), g.tie(i)))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(seen(graph, &items), seen(&rebuilt, &items_r));
        prop_assert_eq!(
            named(graph, graph.count_relation_groups(&items, &relation_dims)),
            named(
                &rebuilt,
                rebuilt.count_relation_groups(&items_r, &relation_dims)
            )
        );
    }
    Ok(())
}

fn kind_set() -> impl Strategy<Value = KindSet> {
    prop_oneof![
        Just(KindSet::ALL),
        proptest::collection::vec(0..4usize, 1..3)
            .prop_map(|ks| KindSet::of(&ks.iter().map(|k| KINDS[*k]).collect::<Vec<_>>())),
    ]
}

proptest! {
    #![proptest_config(config(300))]

    /// Over one or two rounds of writes, every filter answer equals a rebuild's.
    #[test]
    fn filters_over_a_delta_answer_as_a_rebuild(
        world in world(),
        rounds in proptest::collection::vec(round(), 1..3),
        p in predicate(),
        kinds in kind_set(),
        orders in order(),
        page in 1..6usize,
    ) {
        let graph = written(&world, &rounds);
        agrees_with_a_rebuild(&graph, &p, kinds, &orders, page)?;
    }
}

/// A hand-picked case: a standard added whose code and name sort first, a base standard renamed
/// to sort last and re-coded, one renamed that keeps its code, one retracted; the code index,
/// the name lists and the kind lists answer for them.
#[test]
fn added_changed_and_retracted_entities_are_found_where_a_rebuild_finds_them() {
    use reegraph::graph::{TextField, TextTest};
    use reegraph::model::{Details, EntityKind};
    // Enough standards that a code range of a few leads (the index's candidates, not a scan).
    let specs: Vec<EntitySpec> = (0..40).map(|i| (0, i % 5, i % 6, 0, 0, 0)).collect();
    let entities: Vec<Entity> = specs
        .into_iter()
        .enumerate()
        .map(|(i, s)| entity(i, s))
        .collect();
    let base = KnowledgeGraph::new(reegraph::dataset::Dataset {
        entities: entities.clone(),
        relations: Vec::new(),
        fingerprint: 0,
    });
    let mut first = entity(0, (0, 0, 0, 0, 0, 0));
    first.id = EntityId::parse("standard:a").expect("an id").0;
    first.name = "Aaa".into();
    let mut renamed = entities[3].clone();
    renamed.name = "zzz".into();
    if let Details::Standard(d) = &mut renamed.details {
        d.code = Some("GB/T 0-renamed".into());
    }
    // Keeps its code (in the `GB/T 1-2018` range) and its kind's place: its base entries are
    // stale all the same.
    let mut kept = entities[0].clone();
    kept.name = "zz".into();
    let graph = base
        .apply(
            &Edits {
                // In the `GB/T 1-2018` range too.
                retract_entities: vec![entities[6].id.clone()],
                entities: vec![first, renamed, kept],
                ..Edits::default()
            },
            1,
        )
        .expect("edits resolved");
    let standards = KindSet::one(EntityKind::Standard);
    for p in [
        Predicate::True,
        Predicate::Text(TextField::StandardCode, TextTest::starts_with("gb/t 0")),
        Predicate::Text(TextField::StandardCode, TextTest::starts_with("gb/t")),
        Predicate::Text(TextField::StandardCode, TextTest::Eq("GB/T 1-2018".into())),
    ] {
        for page in [1, 2, 5, 20] {
            for orders in [
                vec![],
                vec![Order {
                    field: OrderField::Name,
                    descending: false,
                }],
                vec![Order {
                    field: OrderField::Code,
                    descending: true,
                }],
            ] {
                if let Err(e) = agrees_with_a_rebuild(&graph, &p, standards, &orders, page) {
                    panic!("{p:?}, page {page}, {orders:?}: {e}");
                }
            }
        }
    }
}

/// A synthetic graph of 3,000 entities (where code ranges lead and kind lists are long) with
/// entities changed (renamed to sort first, re-coded, their status moved), added beside the
/// entities they copy (ids just after theirs) with relations, retracted with their relations,
/// and relations regraded: counts, the first pages in several orders, tests and grouped counts
/// equal a rebuild's.
#[test]
fn a_synthetic_graph_with_writes_answers_as_its_rebuild() {
    use reegraph::graph::{EnumField, TextField, TextTest};
    use reegraph::model::{Details, EntityKind, StandardStatus};
    let files = reegraph::synth::generate(&reegraph::synth::SynthConfig {
        entities: 3_000,
        seed: 11,
    });
    let base = KnowledgeGraph::new(reegraph::synth::load(&files).expect("a valid dataset"));
    let live: Vec<Entity> = base.keys().map(|k| base.entity(k).clone()).collect();
    let relations: Vec<Relation> = base
        .relation_keys()
        .map(|r| base.relation(r).clone())
        .collect();
    let mut edits = Edits::default();
    let retracted: BTreeSet<EntityId> = live
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 97 == 5)
        .map(|(_, e)| e.id.clone())
        .collect();
    for r in &relations {
        if retracted.contains(&r.from) || retracted.contains(&r.to) {
            edits.retract_relations.push(triple(r));
        }
    }
    edits.retract_entities = retracted.iter().cloned().collect();
    let statuses = [
        StandardStatus::Published,
        StandardStatus::Proposed,
        StandardStatus::Superseded,
    ];
    for (i, e) in live.iter().enumerate() {
        if retracted.contains(&e.id) {
            continue;
        }
        if i % 41 == 3 {
            let mut changed = e.clone();
            changed.name = format!("AAA {}", e.name);
            if let Details::Standard(d) = &mut changed.details {
                d.code = Some(format!("GB/T {i}"));
                d.status = statuses[i % statuses.len()];
            }
            edits.entities.push(changed);
        }
        if i % 53 == 7 {
            let mut added = e.clone();
            added.id = EntityId::parse(&format!("{}-new", e.id.as_str()))
                .expect("a valid id")
                .0;
            if i % 2 == 0 {
                added.name = format!("aaa {}", e.name);
            }
            if let Details::Standard(d) = &mut added.details {
                d.code = Some(format!("GB/T 1{i}"));
            }
            // A few of its model's relations, from the copy.
            for r in relations
                .iter()
                .filter(|r| r.from == e.id && !retracted.contains(&r.to))
                .take(3)
            {
                edits.relations.push(Relation {
                    from: added.id.clone(),
                    ..r.clone()
                });
            }
            edits.entities.push(added);
        }
    }
    for (i, r) in relations.iter().enumerate() {
        if i % 29 == 1 && !retracted.contains(&r.from) && !retracted.contains(&r.to) {
            edits.relations.push(Relation {
                citations: vec![citation(GRADES[i % GRADES.len()])].into(),
                ..r.clone()
            });
        }
    }
    let graph = base.apply(&edits, 1).expect("edits resolved");
    let rebuilt = KnowledgeGraph::new(graph.to_dataset());
    let to_rebuilt = |k: EntityKey| {
        rebuilt
            .lookup(graph.entity(k).id.as_str())
            .expect("the rebuild holds every live entity")
    };
    let code = |t: TextTest| Predicate::Text(TextField::StandardCode, t);
    let some_codes: Vec<String> = graph
        .keys()
        .filter_map(|k| match &graph.entity(k).details {
            Details::Standard(d) => d.code.clone(),
            _ => None,
        })
        .step_by(7)
        .take(12)
        .collect();
    let predicates = [
        Predicate::True,
        Predicate::Kinds(KindSet::one(EntityKind::Standard)),
        code(TextTest::starts_with("gb/t 1")),
        code(TextTest::starts_with("gb/t 3")),
        code(TextTest::starts_with("gb")),
        code(TextTest::Eq(some_codes[0].clone())),
        code(TextTest::In(some_codes.clone())),
        Predicate::Enum(EnumField::StandardStatus, 0b101),
        Predicate::Text(TextField::Name, TextTest::starts_with("a")),
        Predicate::Related {
            types: RelationFilter::all(),
            direction: Direction::Both,
            min_grade: GRADES[1],
            other: Box::new(Predicate::Kinds(KindSet::one(EntityKind::Organization))),
        },
        Predicate::And(vec![
            Predicate::Kinds(KindSet::one(EntityKind::Standard)),
            Predicate::Not(Box::new(code(TextTest::starts_with("gb")))),
        ]),
    ];
    let order = |field, descending| Order { field, descending };
    let orders = [
        vec![],
        vec![order(OrderField::Name, false)],
        vec![order(OrderField::Code, true)],
        vec![
            order(OrderField::Status, false),
            order(OrderField::Name, true),
        ],
        vec![order(OrderField::Degree, true)],
    ];
    let dims = [
        GroupBy::Kind,
        GroupBy::Status,
        GroupBy::Level,
        GroupBy::Form,
        GroupBy::Grade,
    ];
    for p in &predicates {
        for kinds in [
            KindSet::ALL,
            KindSet::of(&[EntityKind::Standard, EntityKind::Mineral]),
        ] {
            for orders in &orders {
                if let Err(e) = pages_agree(&graph, &rebuilt, p, kinds, orders, 40, 4) {
                    panic!("{p:?}, {orders:?}: {e}");
                }
            }
            let (m, r) = (graph.matcher(p, kinds), rebuilt.matcher(p, kinds));
            for k in graph.keys() {
                assert_eq!(
                    m.test(k),
                    r.test(to_rebuilt(k)),
                    "{p:?}: {}",
                    graph.entity(k).id
                );
            }
            assert_eq!(
                named(&graph, graph.count_groups(&m, &dims)),
                named(&rebuilt, rebuilt.count_groups(&r, &dims)),
                "{p:?}"
            );
        }
    }
}
