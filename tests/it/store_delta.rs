//! The write path's oracle: the graph a write produces answers every query exactly as a graph
//! rebuilt from scratch would.
//!
//! Each case generates a small valid world (`synth`, 44 to 79 entities, a random seed), opens a
//! [`Store`] on a temporary journal over it, and applies a random sequence of random change sets
//! through [`Store::write`]: entities created (several kinds, names that sort anywhere, codes),
//! updated (renamed, attributes and grades changed), relations added (between old and new
//! entities, dated or not, of every grade), citations added, relations and entities retracted,
//! sources added with their texts, batches mixing them, and now and then an invalid change or a
//! stale base version, which must be refused with the served graph unchanged. After every write
//! the served graph is compared, by ids (keys are per-graph handles), with
//! `KnowledgeGraph::new(store.working().to_dataset())` on the whole public query API of
//! [`KnowledgeGraph`] ([`assert_same_answers`]), petgraph's `Bfs` included; the store is also
//! reopened on its journal (once mid-sequence, once at the end) and the replayed graph compared
//! likewise. Deterministic (a fixed seed) unless `PROPTEST_RNG_SEED` is set; no regression files.
//!
//! Orders are compared, not only sets: storage order (`keys()`, `relation_keys()`: the rebuild's
//! is base order then write order, an updated record in its old place, retracted ones left out)
//! is what ties in `related`, `count_groups` and search fall back to, so a graph built another
//! way must keep it. Scores (`search`, `related`'s specificity cost) are compared exactly.
//! `STORE_DELTA_VERBOSE=1` prints each case's writes accepted and refused, and changes by op.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Debug;
use std::sync::Arc;

use petgraph::visit::{Bfs, EdgeCount, NodeCount};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use reegraph::graph::{
    Budget, Comparison, DateField, Direction, EntityKey, EnumField, GroupBy, GroupKey, IntField,
    KindSet, KnowledgeGraph, ListSpec, Order, OrderField, Path, Position, Predicate,
    RelationFilter, RelationKey, TextField, TextTest, enum_bit,
};
use reegraph::model::{
    Citation, Date, Details, EntityKind, Grade, MineralForm, RelationType, StandardLevel,
    StandardStatus,
};
use reegraph::store::{Change, ChangeSet, Store, WriteError};
use reegraph::synth::{self, GeneratedTexts, SynthConfig};
use serde_json::{Value, json};

/// A budget no test graph can exhaust.
const BUDGET: Budget = Budget(1_000_000);
/// A limit no test graph reaches.
const BIG: usize = 100_000;

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        cases,
        failure_persistence: None,
        // A failure is a panic deep in the comparison: shrinking it replays whole sequences,
        // so keep it short.
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    };
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0xde17_a0ac);
    }
    config
}

// ------------------------------------------------------------------------------------------------
// Answers by ids
// ------------------------------------------------------------------------------------------------

fn eid(g: &KnowledgeGraph, k: EntityKey) -> String {
    g.entity(k).id.as_str().to_owned()
}

/// A relation's id, `TYPE:from->to` (what `RelationId` prints).
fn rid(g: &KnowledgeGraph, r: RelationKey) -> String {
    let relation = g.relation(r);
    format!(
        "{}:{}->{}",
        relation.relation_type.name(),
        relation.from,
        relation.to
    )
}

/// A path as ids: its entities, and each hop's relation, ends and direction.
type PathIds = (Vec<String>, Vec<(String, String, String, bool)>);

fn path_ids(g: &KnowledgeGraph, p: &Path) -> PathIds {
    (
        p.entities.iter().map(|k| eid(g, *k)).collect(),
        p.hops
            .iter()
            .map(|h| (rid(g, h.relation), eid(g, h.from), eid(g, h.to), h.forward))
            .collect(),
    )
}

/// A group key as ids (its related entity by id).
type GroupIds = (
    Option<EntityKind>,
    Option<StandardStatus>,
    Option<StandardLevel>,
    Option<MineralForm>,
    Option<Grade>,
    Option<String>,
    Option<RelationType>,
    Option<bool>,
);

fn group_ids(g: &KnowledgeGraph, groups: Vec<(GroupKey, usize)>) -> Vec<(GroupIds, usize)> {
    groups
        .into_iter()
        .map(|(k, n)| {
            (
                (
                    k.kind,
                    k.status,
                    k.level,
                    k.form,
                    k.grade,
                    k.related.map(|r| eid(g, r)),
                    k.relation_type,
                    k.outgoing,
                ),
                n,
            )
        })
        .collect()
}

/// Runs one query on both graphs and panics, naming it and showing both answers, unless they
/// are equal.
fn same<T: PartialEq + Debug>(
    served: &KnowledgeGraph,
    oracle: &KnowledgeGraph,
    query: impl Fn() -> String,
    answer: impl Fn(&KnowledgeGraph) -> T,
) {
    let (s, o) = (answer(served), answer(oracle));
    if s != o {
        panic!(
            "{}:\n  the served graph answers {s:?}\n  a rebuilt graph answers  {o:?}",
            query()
        );
    }
}

const DATES: [&str; 7] = [
    "2010",
    "2018",
    "2019-06",
    "2020-01-15",
    "2021",
    "2023-03",
    "2026",
];

fn day(i: usize) -> Date {
    DATES[i % DATES.len()].parse().expect("a date")
}

/// The relation filters `incident`, the traversals and `relation_list` are asked with.
fn filters() -> Vec<(String, RelationFilter)> {
    let mut out = vec![("all".to_owned(), RelationFilter::all())];
    for t in [
        RelationType::UsedIn,
        RelationType::PartOf,
        RelationType::Administers,
        RelationType::Supersedes,
    ] {
        out.push((format!("only {}", t.name()), RelationFilter::only([t])));
    }
    for g in [Grade::Verified, Grade::VerifiedSecondary, Grade::Reported] {
        out.push((
            format!("minGrade {g:?}"),
            RelationFilter::all().with_min_grade(Some(g)),
        ));
    }
    for d in [1, 3, 6] {
        out.push((
            format!("asOf {}", DATES[d]),
            RelationFilter::all().with_as_of(Some(day(d))),
        ));
    }
    out.push((
        "minGrade Reported asOf 2020-01-15".to_owned(),
        RelationFilter::all()
            .with_min_grade(Some(Grade::Reported))
            .with_as_of(Some(day(3))),
    ));
    out
}

const DIRECTIONS: [Direction; 3] = [Direction::Outgoing, Direction::Incoming, Direction::Both];

/// The predicates the filter API is asked with.
fn predicates(oracle: &KnowledgeGraph) -> Vec<(String, Predicate)> {
    let status = |s: &[StandardStatus]| s.iter().fold(0, |m, s| m | enum_bit(*s as u8));
    let mut out = vec![
        ("true".to_owned(), Predicate::True),
        (
            "kinds STANDARD".to_owned(),
            Predicate::Kinds(KindSet::one(EntityKind::Standard)),
        ),
        (
            "not SOURCE".to_owned(),
            Predicate::Not(Box::new(Predicate::Kinds(KindSet::one(EntityKind::Source)))),
        ),
        (
            "code startsWith gb/t".to_owned(),
            Predicate::Text(TextField::StandardCode, TextTest::starts_with("gb/t")),
        ),
        (
            "code startsWith GB/T 9".to_owned(),
            Predicate::Text(TextField::StandardCode, TextTest::starts_with("GB/T 9")),
        ),
        (
            "code startsWith iso".to_owned(),
            Predicate::Text(TextField::StandardCode, TextTest::starts_with("iso")),
        ),
        (
            "name startsWith a".to_owned(),
            Predicate::Text(TextField::Name, TextTest::starts_with("a")),
        ),
        (
            "name contains oxide".to_owned(),
            Predicate::Text(TextField::Name, TextTest::contains("oxide")),
        ),
        (
            "status PUBLISHED or PROPOSED".to_owned(),
            Predicate::Enum(
                EnumField::StandardStatus,
                status(&[StandardStatus::Published, StandardStatus::Proposed]),
            ),
        ),
        (
            "form OXIDE or METAL".to_owned(),
            Predicate::Enum(
                EnumField::MineralForm,
                enum_bit(MineralForm::Oxide as u8) | enum_bit(MineralForm::Metal as u8),
            ),
        ),
        (
            "level NATIONAL".to_owned(),
            Predicate::Enum(
                EnumField::StandardLevel,
                enum_bit(StandardLevel::National as u8),
            ),
        ),
        (
            "issued >= 2019-06".to_owned(),
            Predicate::Date(DateField::StandardIssued, Comparison::Gte, day(2)),
        ),
        (
            "degree >= 3".to_owned(),
            Predicate::Int(IntField::Degree, Comparison::Gte, 3),
        ),
        (
            "degree = 0".to_owned(),
            Predicate::Int(IntField::Degree, Comparison::Eq, 0),
        ),
        ("rare earth".to_owned(), Predicate::RareEarth(true)),
        ("valid on 2021".to_owned(), Predicate::ValidOn(day(4))),
        (
            "used in an application (REPORTED or better)".to_owned(),
            Predicate::Related {
                types: RelationFilter::only([RelationType::UsedIn]),
                direction: Direction::Outgoing,
                min_grade: Grade::Reported,
                other: Box::new(Predicate::Kinds(KindSet::one(EntityKind::Application))),
            },
        ),
        (
            "standard or mineral, related to anything".to_owned(),
            Predicate::And(vec![
                Predicate::Or(vec![
                    Predicate::Kinds(KindSet::one(EntityKind::Standard)),
                    Predicate::Kinds(KindSet::one(EntityKind::Mineral)),
                ]),
                Predicate::Related {
                    types: RelationFilter::all(),
                    direction: Direction::Both,
                    min_grade: Grade::Unverified,
                    other: Box::new(Predicate::True),
                },
            ]),
        ),
    ];
    // An exact code of the graph, if it has one.
    if let Some(code) = oracle.keys().find_map(|k| match &oracle.entity(k).details {
        Details::Standard(s) => s.code.clone(),
        _ => None,
    }) {
        out.push((
            format!("code eq {code}"),
            Predicate::Text(TextField::StandardCode, TextTest::Eq(code)),
        ));
    }
    out
}

fn orders() -> Vec<Vec<Order>> {
    let o = |field, descending| Order { field, descending };
    vec![
        vec![],
        vec![o(OrderField::Name, false)],
        vec![o(OrderField::Name, true)],
        vec![o(OrderField::Code, false)],
        vec![o(OrderField::Date, true)],
        vec![o(OrderField::Degree, true), o(OrderField::Name, false)],
        vec![o(OrderField::Status, false), o(OrderField::Level, true)],
    ]
}

fn group_bys() -> Vec<Vec<GroupBy>> {
    vec![
        vec![GroupBy::Kind],
        vec![GroupBy::Status, GroupBy::Level],
        vec![GroupBy::Form, GroupBy::Grade],
        vec![GroupBy::Kind, GroupBy::Grade],
        vec![GroupBy::Related {
            types: RelationFilter::all(),
            direction: Direction::Both,
            kinds: KindSet::ALL,
            min_grade: Grade::Unverified,
        }],
    ]
}

/// The entities the per-entity queries start from: a spread of the live ids seen, and the last
/// ones (the most recently created).
fn starts(oracle: &KnowledgeGraph, ids_seen: &[String]) -> Vec<EntityKey> {
    let live: Vec<&String> = ids_seen
        .iter()
        .filter(|id| oracle.lookup(id).is_some())
        .collect();
    let step = (live.len() / 4).max(1);
    let mut picked: Vec<&String> = live.iter().step_by(step).copied().collect();
    picked.extend(live.iter().rev().take(4).copied());
    picked.sort();
    picked.dedup();
    picked
        .into_iter()
        .filter_map(|id| oracle.lookup(id))
        .collect()
}

/// The same entity in the served graph, by id.
fn key_in(g: &KnowledgeGraph, oracle: &KnowledgeGraph, k: EntityKey) -> EntityKey {
    let id = eid(oracle, k);
    g.lookup(&id)
        .unwrap_or_else(|| panic!("lookup({id}): the served graph does not have it"))
}

/// Asserts that `served` answers every query of [`KnowledgeGraph`]'s public API exactly as
/// `oracle` does, comparing by ids: `ids_seen` are every entity id the case ever mentioned (live
/// and retracted, and refused ones; the ones last written to last: the per-entity queries start
/// from those and a spread of the others).
pub(crate) fn assert_same_answers(
    served: &KnowledgeGraph,
    oracle: &KnowledgeGraph,
    ids_seen: &[String],
) {
    let (s, o) = (served, oracle);
    same(s, o, || "stats()".into(), |g| g.stats());
    same(s, o, || "fingerprint()".into(), |g| g.fingerprint());
    same(s, o, || "hub_degree()".into(), |g| g.hub_degree());
    same(
        s,
        o,
        || "petgraph node_count/edge_count".into(),
        |g| (NodeCount::node_count(&g), EdgeCount::edge_count(&g)),
    );

    // Records, by id, and the storage orders.
    for id in ids_seen {
        same(
            s,
            o,
            || format!("lookup({id}) and entity()"),
            |g| {
                g.lookup(id)
                    .map(|k| (eid(g, k), g.entity(k).clone(), g.degree(k)))
            },
        );
    }
    same(
        s,
        o,
        || "keys() as ids".into(),
        |g| g.keys().map(|k| eid(g, k)).collect::<Vec<_>>(),
    );
    same(
        s,
        o,
        || "relation_keys() as ids".into(),
        |g| g.relation_keys().map(|r| rid(g, r)).collect::<Vec<_>>(),
    );
    same(
        s,
        o,
        || "relation() and endpoints() of every relation".into(),
        |g| {
            g.relation_keys()
                .map(|r| {
                    let (from, to) = g.endpoints(r);
                    (g.relation(r).clone(), eid(g, from), eid(g, to))
                })
                .collect::<Vec<_>>()
        },
    );

    // Per-kind pages.
    let n = o.stats().entities;
    let kind_sets: [&[EntityKind]; 5] = [
        &[],
        &[EntityKind::Standard],
        &[EntityKind::Mineral, EntityKind::Application],
        &[
            EntityKind::Standard,
            EntityKind::Organization,
            EntityKind::Event,
        ],
        &[EntityKind::Source, EntityKind::Location],
    ];
    for kinds in kind_sets {
        same(
            s,
            o,
            || format!("count_of_kinds({kinds:?})"),
            |g| g.count_of_kinds(kinds),
        );
        for offset in [0, 1, 7, n / 3, n / 2, n.saturating_sub(3), n, n + 1] {
            for limit in [1, 3, 10, BIG] {
                same(
                    s,
                    o,
                    || format!("entities_of_kinds({kinds:?}, offset {offset}, limit {limit})"),
                    |g| {
                        g.entities_of_kinds(kinds, offset, limit)
                            .into_iter()
                            .map(|k| eid(g, k))
                            .collect::<Vec<_>>()
                    },
                );
            }
        }
    }

    // Every live entity's relations.
    let filters = filters();
    for k in o.keys() {
        let id = eid(o, k);
        let sk = key_in(s, o, k);
        let at = |g: &KnowledgeGraph| if std::ptr::eq(g, s) { sk } else { k };
        same(s, o, || format!("degree({id})"), |g| g.degree(at(g)));
        for (name, filter) in &filters {
            for direction in DIRECTIONS {
                same(
                    s,
                    o,
                    || format!("incident({id}, {name}, {direction:?})"),
                    |g| {
                        g.incident(at(g), filter, direction)
                            .map(|i| {
                                (
                                    rid(g, i.relation),
                                    i.outgoing,
                                    eid(g, i.other),
                                    i.grade_strength,
                                )
                            })
                            .collect::<Vec<_>>()
                    },
                );
            }
        }
        for t in [
            RelationType::UsedIn,
            RelationType::PartOf,
            RelationType::Concerns,
        ] {
            for direction in DIRECTIONS {
                for kind in [
                    None,
                    Some(EntityKind::Application),
                    Some(EntityKind::Standard),
                ] {
                    same(
                        s,
                        o,
                        || format!("linked({id}, {}, {direction:?}, {kind:?})", t.name()),
                        |g| {
                            g.linked(at(g), t, direction, kind)
                                .into_iter()
                                .map(|k| eid(g, k))
                                .collect::<Vec<_>>()
                        },
                    );
                }
            }
        }
        for (d, date) in DATES.iter().enumerate() {
            same(
                s,
                o,
                || format!("valid_on({id}, {date})"),
                |g| g.valid_on(at(g), day(d)),
            );
        }
    }

    // Search: names of some entities (changed, added, untouched), their prefixes, kind filters.
    let mut queries: Vec<String> = Vec::new();
    for id in ids_seen
        .iter()
        .rev()
        .take(5)
        .chain(ids_seen.iter().step_by(17))
    {
        if let Some(k) = o.lookup(id) {
            let name = o.entity(k).name.clone();
            queries.push(name.chars().take(3).collect());
            queries.push(name.split(' ').next().unwrap_or_default().to_owned());
            if let Details::Standard(d) = &o.entity(k).details
                && let Some(code) = &d.code
            {
                queries.push(code.clone());
            }
            queries.push(name);
        }
    }
    queries.extend(["oxide", "GB/T", "neodymium", "zz", "稀土"].map(str::to_owned));
    queries.sort();
    queries.dedup();
    for q in &queries {
        for (kinds, first) in [
            (&[][..], BIG),
            (&[EntityKind::Standard, EntityKind::Mineral][..], 3),
        ] {
            same(
                s,
                o,
                || format!("search({q:?}, {kinds:?}, first {first})"),
                |g| {
                    g.search(q, kinds, first)
                        .into_iter()
                        .map(|h| (eid(g, h.entity), h.score))
                        .collect::<Vec<_>>()
                },
            );
        }
    }

    // The filter API: counts, whole pages, pages walked by positions, grouped counts.
    let orders = orders();
    let group_bys = group_bys();
    for (i, (name, predicate)) in predicates(o).into_iter().enumerate() {
        for kinds in [
            KindSet::ALL,
            KindSet::of(&[EntityKind::Standard, EntityKind::Mineral]),
        ] {
            same(
                s,
                o,
                || format!("count_matching of `{name}` over {kinds:?}"),
                |g| g.count_matching(&g.matcher(&predicate, kinds)),
            );
        }
        let kinds = KindSet::ALL;
        for by in [&group_bys[0], &group_bys[1 + i % (group_bys.len() - 1)]] {
            same(
                s,
                o,
                || format!("count_groups of `{name}` by {by:?}"),
                |g| group_ids(g, g.count_groups(&g.matcher(&predicate, kinds), by)),
            );
        }
        // Whole pages in the default order and two others, pages of four in a third: each order
        // is asked of several predicates.
        let other = |k: usize| &orders[1 + (i + k) % (orders.len() - 1)];
        for order in [&orders[0], other(0), other(3)] {
            same(
                s,
                o,
                || format!("page_matching of `{name}` in {order:?}"),
                |g| {
                    let (page, more) =
                        g.page_matching(&g.matcher(&predicate, kinds), order, None, BIG);
                    (
                        page.into_iter().map(|k| eid(g, k)).collect::<Vec<_>>(),
                        more,
                    )
                },
            );
        }
        // Walked four at a time, each graph from its own last position.
        let order = other(1);
        same(
            s,
            o,
            || format!("page_matching of `{name}` in {order:?}, pages of 4"),
            |g| {
                let matcher = g.matcher(&predicate, kinds);
                let mut pages = Vec::new();
                let mut after: Option<Position> = None;
                loop {
                    let (page, more) = g.page_matching(&matcher, order, after.as_ref(), 4);
                    after = page.last().map(|k| g.position(order, *k));
                    pages.push((
                        page.into_iter().map(|k| eid(g, k)).collect::<Vec<_>>(),
                        more,
                    ));
                    if !more || pages.len() > BIG {
                        break;
                    }
                }
                pages
            },
        );
    }
    // Pages after positions of entities seen: a live one's own, or, for one retracted or
    // refused, a live entity's values with its id (a position need not exist).
    let live: Vec<EntityKey> = o.keys().collect();
    let positions: Vec<(Vec<Order>, Position)> = orders
        .iter()
        .flat_map(|order| {
            ids_seen
                .iter()
                .enumerate()
                .step_by(9)
                .map(|(i, id)| match o.lookup(id) {
                    Some(k) => (order.clone(), o.position(order, k)),
                    None => {
                        let mut p = o.position(order, live[i % live.len()]);
                        p.id.clone_from(id);
                        (order.clone(), p)
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (order, position) in &positions {
        same(
            s,
            o,
            || format!("page_matching(true, {order:?}, after {position:?}, first 4)"),
            |g| {
                let (page, more) = g.page_matching(
                    &g.matcher(&Predicate::True, KindSet::ALL),
                    order,
                    Some(position),
                    4,
                );
                (
                    page.into_iter().map(|k| eid(g, k)).collect::<Vec<_>>(),
                    more,
                )
            },
        );
    }
    for (order, position) in positions.iter().step_by(4) {
        same(
            s,
            o,
            || format!("position/compare_to of every entity against {position:?} in {order:?}"),
            |g| {
                g.keys()
                    .map(|k| {
                        (
                            eid(g, k),
                            g.position(order, k),
                            g.compare_to(order, k, position),
                        )
                    })
                    .collect::<Vec<_>>()
            },
        );
    }

    // From a few start entities: relationship lists, their grouped counts, traversals, Bfs.
    let starts = starts(o, ids_seen);
    let other = Predicate::Not(Box::new(Predicate::Kinds(KindSet::one(EntityKind::Source))));
    // The traversals' filters: all relations, one type, a grade, a date.
    let walks: Vec<&(String, RelationFilter)> = [0, 1, 6, 9]
        .iter()
        .filter_map(|&i| filters.get(i))
        .collect();
    for &k in &starts {
        let id = eid(o, k);
        let sk = key_in(s, o, k);
        let at = |g: &KnowledgeGraph| if std::ptr::eq(g, s) { sk } else { k };
        for (w, &(name, filter)) in walks.iter().enumerate() {
            for direction in DIRECTIONS {
                for order in [&orders[0], &orders[1], &orders[5]] {
                    same(
                        s,
                        o,
                        || {
                            format!(
                                "relation_list({id}, {name}, {direction:?}, other not SOURCE, {order:?})"
                            )
                        },
                        |g| {
                            let matcher = g.matcher(&other, KindSet::ALL);
                            let spec = ListSpec {
                                other: Some(&matcher),
                                orders: order,
                            };
                            g.relation_list(at(g), filter, direction, &spec)
                                .into_iter()
                                .map(|i| {
                                    (
                                        rid(g, i.relation),
                                        i.outgoing,
                                        eid(g, i.other),
                                        i.grade_strength,
                                    )
                                })
                                .collect::<Vec<_>>()
                        },
                    );
                }
                for depth in [1, 3] {
                    for limit in [5, BIG] {
                        same(
                            s,
                            o,
                            || {
                                format!(
                                    "neighborhood({id}, depth {depth}, {name}, {direction:?}, limit {limit})"
                                )
                            },
                            |g| {
                                let sub =
                                    g.neighborhood(at(g), depth, filter, direction, limit, BUDGET);
                                (
                                    sub.entities.iter().map(|k| eid(g, *k)).collect::<Vec<_>>(),
                                    sub.relations.iter().map(|r| rid(g, *r)).collect::<Vec<_>>(),
                                    sub.truncated,
                                    sub.visited,
                                    group_ids(
                                        g,
                                        g.count_groups_of(
                                            &sub.entities,
                                            &[GroupBy::Kind, GroupBy::Grade],
                                        ),
                                    ),
                                )
                            },
                        );
                    }
                }
            }
            same(
                s,
                o,
                || format!("count_relation_groups({id}, {name})"),
                |g| {
                    let items =
                        g.relation_list(at(g), filter, Direction::Both, &ListSpec::default());
                    group_bys
                        .iter()
                        .chain([&vec![
                            GroupBy::RelationType,
                            GroupBy::Direction,
                            GroupBy::Grade,
                        ]])
                        .map(|by| group_ids(g, g.count_relation_groups(&items, by)))
                        .collect::<Vec<_>>()
                },
            );
            for (kinds, max_intermediate_degree) in [
                (&[][..], o.hub_degree()),
                (&[][..], 3),
                (
                    &[EntityKind::Standard, EntityKind::Application][..],
                    o.hub_degree(),
                ),
            ] {
                same(
                    s,
                    o,
                    || {
                        format!(
                            "related({id}, {kinds:?}, 3 hops, {name}, maxIntermediateDegree {max_intermediate_degree})"
                        )
                    },
                    |g| {
                        g.related(at(g), kinds, 3, filter, 25, max_intermediate_degree, BUDGET)
                            .expect("the budget is big")
                            .iter()
                            .map(|r| {
                                (
                                    eid(g, r.entity),
                                    r.distance,
                                    path_ids(g, &r.path),
                                    r.specificity_cost,
                                )
                            })
                            .collect::<Vec<_>>()
                    },
                );
            }
            for &to in starts.iter().skip(w % 2).step_by(2 + w) {
                let to_id = eid(o, to);
                let sto = key_in(s, o, to);
                let end = |g: &KnowledgeGraph| if std::ptr::eq(g, s) { sto } else { to };
                same(
                    s,
                    o,
                    || format!("paths({id}, {to_id}, 3 hops, {name})"),
                    |g| {
                        g.paths(at(g), end(g), 3, filter, 10, BUDGET)
                            .expect("the budget is big")
                            .iter()
                            .map(|p| path_ids(g, p))
                            .collect::<Vec<_>>()
                    },
                );
            }
        }
        same(
            s,
            o,
            || format!("petgraph Bfs from {id}"),
            |g| {
                let mut bfs = Bfs::new(g, at(g));
                let mut seen = BTreeSet::new();
                while let Some(n) = bfs.next(g) {
                    seen.insert(eid(g, n));
                }
                seen
            },
        );
    }
}

// ------------------------------------------------------------------------------------------------
// Random change sets
// ------------------------------------------------------------------------------------------------

/// One change's random choices: what (`0..100`), and three picks resolved against the state.
type Op = (u8, u32, u32, u32);

#[derive(Debug, Clone)]
struct Scenario {
    entities: usize,
    seed: u64,
    batches: Vec<Vec<Op>>,
    /// Before which batch the store is closed and reopened (past the end: only at the end).
    reopen_at: usize,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        44..80usize,
        any::<u64>(),
        proptest::collection::vec(
            proptest::collection::vec((0..100u8, any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
            1..12,
        ),
        0..14usize,
    )
        .prop_map(|(entities, seed, batches, reopen_at)| Scenario {
            entities,
            seed,
            batches,
            reopen_at,
        })
}

/// Whether a generated change set must validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Valid,
    Invalid,
    /// Validation rules the generator does not model (retracting a SUPERSEDES relation).
    Either,
}

/// The live records, as the generator sees them, updated change by change within a batch.
struct Model {
    /// Live entities: id and kind.
    entities: Vec<(String, EntityKind)>,
    /// Live relations: (type, from, to).
    relations: Vec<(RelationType, String, String)>,
    /// Ids (entity ids and relation ids) this batch already touched: no second change to them.
    touched: HashSet<String>,
    names: Vec<String>,
}

impl Model {
    fn of(g: &KnowledgeGraph) -> Model {
        Model {
            entities: g.keys().map(|k| (eid(g, k), g.entity(k).kind())).collect(),
            relations: g
                .relation_keys()
                .map(|r| {
                    let rel = g.relation(r);
                    (
                        rel.relation_type,
                        rel.from.as_str().to_owned(),
                        rel.to.as_str().to_owned(),
                    )
                })
                .collect(),
            touched: HashSet::new(),
            names: g.keys().map(|k| g.entity(k).name.clone()).collect(),
        }
    }

    fn relation_id((t, from, to): &(RelationType, String, String)) -> String {
        format!("{}:{from}->{to}", t.name())
    }

    fn degree(&self, id: &str) -> usize {
        self.relations
            .iter()
            .filter(|(_, a, b)| a == id || b == id)
            .count()
    }
}

fn citation_json(c: &Citation) -> Value {
    let mut v = json!({ "source": c.source.as_str(), "grade": c.grade });
    if let Some(q) = &c.quote {
        v["quote"] = json!(q);
    }
    if let Some(n) = &c.note {
        v["note"] = json!(n);
    }
    v
}

/// Every citation of the base without a conflict: each one validates anywhere.
fn harvest(g: &KnowledgeGraph) -> Vec<Citation> {
    let mut out: Vec<Citation> = g
        .keys()
        .flat_map(|k| g.entity(k).citations.iter().cloned())
        .chain(
            g.relation_keys()
                .flat_map(|r| g.relation(r).citations.iter().cloned()),
        )
        .filter(|c| c.conflict.is_none() && c.quote.is_some())
        .collect();
    out.sort_by(|a, b| (a.source.as_str(), &a.quote).cmp(&(b.source.as_str(), &b.quote)));
    out.dedup();
    out
}

const GRADES: [Grade; 4] = [
    Grade::Verified,
    Grade::VerifiedSecondary,
    Grade::Reported,
    Grade::Unverified,
];

/// Names that sort anywhere: before, among and after the generated ones, accents, Chinese.
const NAMES: [&str; 10] = [
    "Aardvark alloy",
    "zz last oxide",
    "Neodymium oxide",
    "Ärztliche magnet",
    "稀土 oracle",
    "0-day stage",
    "Mid oxide",
    "koralin",
    "Beta standard",
    "Ωmega",
];

/// Builds the next change set from `ops` against `model`; ids it names go into `ids_seen`.
struct Generator {
    citations: Vec<Citation>,
    /// Citations of the sources committed writes added (JSON).
    added_citations: Vec<Value>,
    /// Those of the sources the batch being built adds: usable once it is committed.
    pending_citations: Vec<Value>,
    next: u32,
}

impl Generator {
    fn citations(&self, pick: u32, n: usize) -> Value {
        let mut list = Vec::new();
        let total = self.citations.len() + self.added_citations.len();
        let mut picked: Vec<usize> = (0..n)
            .map(|i| (pick as usize / 7 + i * 13) % total)
            .collect();
        picked.dedup();
        for (i, j) in picked.into_iter().enumerate() {
            let mut c = if j < self.citations.len() {
                citation_json(&self.citations[j])
            } else {
                self.added_citations[j - self.citations.len()].clone()
            };
            c["grade"] = json!(GRADES[(pick as usize + i) % GRADES.len()]);
            list.push(c);
        }
        Value::Array(list)
    }

    fn name(&self, model: &Model, pick: u32) -> String {
        match pick % 4 {
            0 => model.names[pick as usize / 4 % model.names.len()].clone(),
            1 => format!("{} {}", NAMES[pick as usize / 4 % NAMES.len()], self.next),
            _ => NAMES[pick as usize / 4 % NAMES.len()].to_owned(),
        }
    }

    fn code(&self, pick: u32) -> String {
        let n = 90_100 + self.next;
        match pick % 3 {
            0 => format!("GB/T {n}-{}", 2000 + pick / 3 % 26),
            1 => format!("XB/T {}.{}-2019", n % 1000, pick % 7),
            _ => format!("ISO {n}-1:2021"),
        }
    }

    /// A new entity's record (or, with `id`, an existing one's new record) of `kind`.
    fn record(&self, model: &Model, kind: EntityKind, id: &str, a: u32, b: u32) -> Value {
        let mut r = json!({ "id": id, "name": self.name(model, a), "citations": self.citations(b, 1 + (b % 2) as usize) });
        if a.is_multiple_of(5) {
            r["aliases"] = json!([format!("alias {}", a % 11)]);
        }
        let statuses = ["PROPOSED", "APPROVED", "PUBLISHED", "REVIEWED"];
        let pick = (b / 3) as usize;
        match kind {
            EntityKind::Standard => {
                r["level"] = json!(["NATIONAL", "INDUSTRY", "INTERNATIONAL"][pick % 3]);
                r["status"] = json!(statuses[pick / 3 % statuses.len()]);
                if !pick.is_multiple_of(4) {
                    r["code"] = json!(self.code(b));
                }
                if !pick.is_multiple_of(5) {
                    r["issued"] = json!(DATES[pick % DATES.len()]);
                }
            }
            EntityKind::Mineral => {
                r["form"] = json!(["ELEMENT", "OXIDE", "METAL", "ALLOY"][pick % 4]);
                r["rare_earth"] = json!(pick.is_multiple_of(2));
            }
            EntityKind::Application => {
                if !pick.is_multiple_of(3) {
                    r["sector"] = json!(["DEFENSE", "ENERGY", "DIGITAL"][pick % 3]);
                }
            }
            EntityKind::Organization => {
                r["org_type"] = json!(["COMPANY", "STANDARDS_COMMITTEE", "OTHER"][pick % 3]);
            }
            EntityKind::Event => {
                r["event_type"] = json!(["MEETING", "PLENARY"][pick % 2]);
                r["start_date"] = json!(DATES[pick % DATES.len()]);
            }
            _ => {
                r["position"] = json!(pick % 9);
            }
        }
        r
    }

    /// The change set of `ops`, whether it must validate, and the ids it names.
    fn batch(
        &mut self,
        model: &mut Model,
        ops: &[Op],
        ids_seen: &mut Vec<String>,
    ) -> (Vec<Change>, Expect) {
        let mut changes = Vec::new();
        let mut expect = Expect::Valid;
        const KINDS: [EntityKind; 6] = [
            EntityKind::Standard,
            EntityKind::Mineral,
            EntityKind::Application,
            EntityKind::Organization,
            EntityKind::Event,
            EntityKind::SupplyChainStage,
        ];
        for &(what, a, b, c) in ops {
            self.next += 1;
            let n = self.next;
            match what {
                // Create an entity.
                0..=24 => {
                    let kind = KINDS[a as usize % KINDS.len()];
                    let id = format!("{}:oracle-{n}", kind.prefix());
                    let record = self.record(model, kind, &id, b, c);
                    ids_seen.push(id.clone());
                    model
                        .names
                        .push(record["name"].as_str().unwrap_or_default().to_owned());
                    model.entities.push((id.clone(), kind));
                    model.touched.insert(id);
                    changes.push(Change::CreateEntity { record });
                }
                // Update an entity: a new name, attributes, citations and grades.
                25..=39 => {
                    let candidates: Vec<&(String, EntityKind)> = model
                        .entities
                        .iter()
                        .filter(|(id, k)| KINDS.contains(k) && !model.touched.contains(id))
                        .collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let (id, kind) = candidates[a as usize % candidates.len()].clone();
                    let record = self.record(model, kind, &id, b, c);
                    model
                        .names
                        .push(record["name"].as_str().unwrap_or_default().to_owned());
                    to_the_end(ids_seen, &id);
                    model.touched.insert(id);
                    changes.push(Change::UpdateEntity { record });
                }
                // Add a relation.
                40..=64 => {
                    // One end: half the time among the newest entities (the ones created by
                    // this case, once there are some), else any; the other end: any entity a
                    // relation type allows, either way round.
                    let m = model.entities.len();
                    let x = if a % 2 == 0 {
                        m - 1 - (a as usize / 2) % m.min(6)
                    } else {
                        a as usize % m
                    };
                    let mut pairs: Vec<(usize, usize)> = Vec::new();
                    for y in (0..m).filter(|&y| y != x) {
                        for (f, t) in [(x, y), (y, x)] {
                            let (from, to) = (&model.entities[f], &model.entities[t]);
                            if RelationType::ALL
                                .into_iter()
                                .any(|u| u.allows(from.1, to.1))
                            {
                                pairs.push((f, t));
                            }
                        }
                    }
                    if pairs.is_empty() {
                        continue;
                    }
                    let (f, t) = pairs[b as usize % pairs.len()];
                    let (x, y) = (&model.entities[f], &model.entities[t]);
                    let taken = |t: &RelationType| {
                        model
                            .relations
                            .iter()
                            .any(|(u, f, to)| u == t && *f == x.0 && *to == y.0)
                    };
                    let types: Vec<RelationType> = RelationType::ALL
                        .into_iter()
                        .filter(|t| t.allows(x.1, y.1) && !taken(t))
                        .collect();
                    if types.is_empty() {
                        continue;
                    }
                    let t = types[c as usize % types.len()];
                    let mut record = json!({ "from": x.0, "type": t.name(), "to": y.0, "citations": self.citations(c, 1 + (c % 3 == 0) as usize) });
                    let (i, j) = ((c / 5) as usize % 9, (c / 45) as usize % 9);
                    if i < DATES.len() {
                        record["since"] = json!(DATES[i]);
                    }
                    if j < DATES.len() && (i >= DATES.len() || j > i) {
                        record["until"] = json!(DATES[j]);
                    }
                    if c % 7 == 0 {
                        record["role"] = json!("as an oracle");
                    }
                    let rel = (t, x.0.clone(), y.0.clone());
                    to_the_end(ids_seen, &rel.1);
                    to_the_end(ids_seen, &rel.2);
                    model.touched.insert(Model::relation_id(&rel));
                    model.relations.push(rel);
                    changes.push(Change::AddRelation { record });
                }
                // Add a citation to a relation or an entity.
                65..=74 => {
                    let target = if a % 3 == 0 {
                        let candidates: Vec<&(String, EntityKind)> = model
                            .entities
                            .iter()
                            .filter(|(id, _)| !model.touched.contains(id))
                            .collect();
                        if candidates.is_empty() {
                            continue;
                        }
                        candidates[b as usize % candidates.len()].0.clone()
                    } else {
                        let candidates: Vec<String> = model
                            .relations
                            .iter()
                            .map(Model::relation_id)
                            .filter(|id| !model.touched.contains(id))
                            .collect();
                        if candidates.is_empty() {
                            continue;
                        }
                        candidates[b as usize % candidates.len()].clone()
                    };
                    let citation = self.citations(c, 1)[0].clone();
                    model.touched.insert(target.clone());
                    changes.push(Change::AddCitation { target, citation });
                }
                // Retract a relation.
                75..=84 => {
                    let candidates: Vec<usize> = (0..model.relations.len())
                        .filter(|&i| {
                            !model
                                .touched
                                .contains(&Model::relation_id(&model.relations[i]))
                        })
                        .collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let rel = model
                        .relations
                        .remove(candidates[a as usize % candidates.len()]);
                    if rel.0 == RelationType::Supersedes {
                        expect = expect_either(expect);
                    }
                    let target = Model::relation_id(&rel);
                    model.touched.insert(target.clone());
                    changes.push(Change::Retract { target });
                }
                // Retract an entity with its relations (or, now and then, without them).
                85..=92 => {
                    let candidates: Vec<&(String, EntityKind)> = model
                        .entities
                        .iter()
                        .filter(|(id, k)| {
                            *k != EntityKind::Source
                                && !model.touched.contains(id)
                                && model.relations.iter().all(|r| {
                                    (r.1 != *id && r.2 != *id)
                                        || !model.touched.contains(&Model::relation_id(r))
                                })
                        })
                        .collect();
                    if candidates.is_empty() {
                        continue;
                    }
                    let (id, _) = candidates[a as usize % candidates.len()].clone();
                    if b % 10 == 0 && model.degree(&id) > 0 {
                        expect = Expect::Invalid;
                    } else {
                        let (gone, kept): (Vec<_>, Vec<_>) = model
                            .relations
                            .drain(..)
                            .partition(|r| r.1 == id || r.2 == id);
                        model.relations = kept;
                        for rel in gone {
                            if rel.0 == RelationType::Supersedes {
                                expect = expect_either(expect);
                            }
                            let target = Model::relation_id(&rel);
                            model.touched.insert(target.clone());
                            changes.push(Change::Retract { target });
                        }
                    }
                    model.entities.retain(|(e, _)| *e != id);
                    model.touched.insert(id.clone());
                    changes.push(Change::Retract { target: id });
                }
                // A new source with its text, citing itself.
                93..=95 => {
                    let id = format!("source:oracle-note-{n}");
                    let quote = format!("Oracle note {n} says the relation holds.");
                    let citation = json!({ "source": id, "quote": quote, "grade": GRADES[a as usize % GRADES.len()] });
                    let record = json!({ "id": id, "name": self.name(model, b), "source_type": "RESEARCH_NOTES", "citations": [citation] });
                    ids_seen.push(id.clone());
                    self.pending_citations.push(citation);
                    model.entities.push((id.clone(), EntityKind::Source));
                    model.touched.insert(id);
                    changes.push(Change::AddSource {
                        record,
                        text: format!("Notes {n}.\nOracle note {n} says   the relation holds.\n"),
                    });
                }
                // Something invalid.
                _ => {
                    expect = Expect::Invalid;
                    match a % 3 {
                        0 => changes.push(Change::Retract {
                            target: format!("application:oracle-absent-{n}"),
                        }),
                        1 => {
                            let id = format!("standard:oracle-{n}");
                            let mut record = self.record(model, EntityKind::Standard, &id, b, c);
                            record["code"] = json!("NOT A CODE");
                            ids_seen.push(id);
                            changes.push(Change::CreateEntity { record });
                        }
                        _ => {
                            let (id, kind) =
                                model.entities[b as usize % model.entities.len()].clone();
                            let kind = if KINDS.contains(&kind) {
                                kind
                            } else {
                                EntityKind::Mineral
                            };
                            let record = self.record(model, kind, &id, b, c);
                            changes.push(Change::CreateEntity { record });
                        }
                    }
                }
            }
        }
        if changes.is_empty() {
            expect = expect_either(expect);
        }
        (changes, expect)
    }
}

/// Moves an entity id to the end of `ids_seen`, where the per-entity queries look first (the
/// entities a write changed).
fn to_the_end(ids_seen: &mut Vec<String>, id: &str) {
    if let Some(at) = ids_seen.iter().position(|x| x == id) {
        let id = ids_seen.remove(at);
        ids_seen.push(id);
    }
}

fn expect_either(expect: Expect) -> Expect {
    match expect {
        Expect::Valid => Expect::Either,
        other => other,
    }
}

fn rebuild(store: &mut Store) -> KnowledgeGraph {
    KnowledgeGraph::new(store.working().to_dataset())
}

/// A directory for the journal: in memory where there is one (the journal syncs every write),
/// else the default temporary directory.
fn journal_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("a temp dir")
}

/// Closes the store and opens it again on its journal: the replayed records must be the ones
/// written, and the graph start-up serves must answer as they do.
fn reopen(
    mut store: Store,
    journal: &std::path::Path,
    base: &Arc<KnowledgeGraph>,
    texts: &GeneratedTexts<'_>,
    served: &KnowledgeGraph,
    ids_seen: &[String],
) -> (Store, Arc<KnowledgeGraph>) {
    let version = store.version();
    let written = store.working().to_dataset();
    drop(store);
    let (mut store, graph) = Store::open(journal, Arc::clone(base), texts).expect("reopens");
    assert_eq!(store.version(), version, "the reopened store's version");
    let replayed = store.working().to_dataset();
    assert!(
        replayed.entities == written.entities
            && replayed.relations == written.relations
            && replayed.fingerprint == written.fingerprint,
        "start-up replay gave other records than the writes left"
    );
    assert_same_answers(&graph, &KnowledgeGraph::new(replayed), ids_seen);
    // And the graph served before the restart (equal to the records' rebuild, checked when it
    // was written) is the one served after it.
    same(
        &graph,
        served,
        || {
            "the reopened graph against the one served before the restart (stats, fingerprint, ids)"
                .into()
        },
        |g| {
            (
                g.stats(),
                g.fingerprint(),
                g.keys().map(|k| eid(g, k)).collect::<Vec<_>>(),
                g.relation_keys().map(|r| rid(g, r)).collect::<Vec<_>>(),
            )
        },
    );
    (store, graph)
}

fn run(scenario: &Scenario) {
    let files = synth::generate(&SynthConfig {
        entities: scenario.entities,
        seed: scenario.seed,
    });
    let texts = GeneratedTexts(&files);
    let base = Arc::new(KnowledgeGraph::new(
        synth::load(&files).expect("synth data loads"),
    ));
    let dir = journal_dir();
    let journal = dir.path().join("store.redb");
    let (mut store, mut served) = Store::open(&journal, Arc::clone(&base), &texts).expect("opens");
    let mut ids_seen: Vec<String> = base.keys().map(|k| eid(&base, k)).collect();
    let mut generator = Generator {
        citations: harvest(&base),
        added_citations: Vec::new(),
        pending_citations: Vec::new(),
        next: 0,
    };
    let mut outcomes: HashMap<&'static str, usize> = HashMap::new();
    for (i, ops) in scenario.batches.iter().enumerate() {
        if i == scenario.reopen_at {
            (store, served) = reopen(store, &journal, &base, &texts, &served, &ids_seen);
        }
        let before = store.working().to_dataset();
        let mut model = Model::of(&KnowledgeGraph::new(store.working().to_dataset()));
        let (changes, mut expect) = generator.batch(&mut model, ops, &mut ids_seen);
        let version = store.version();
        let base_version = match ops[0].1 % 8 {
            0 if version > 0 => {
                expect = Expect::Invalid;
                Some(version - 1)
            }
            1 | 2 => Some(version),
            _ => None,
        };
        let set = ChangeSet {
            author: "oracle".into(),
            at_ms: 1_700_000_000_000 + i as u64,
            reason: format!("batch {i}"),
            base_version,
            changes: changes.clone(),
        };
        let added_now: Vec<Value> = generator.pending_citations.drain(..).collect();
        match store.write(set, &texts) {
            Ok(written) => {
                assert_ne!(
                    expect,
                    Expect::Invalid,
                    "batch {i} was accepted: {changes:#?}"
                );
                assert_eq!(store.version(), version + 1);
                *outcomes.entry("accepted").or_default() += 1;
                for change in &changes {
                    let op = match change {
                        Change::Retract { target } if !target.contains("->") => "RETRACT (entity)",
                        other => other.op(),
                    };
                    *outcomes.entry(op).or_default() += 1;
                }
                // Sources added by a committed write may be cited from now on.
                generator.added_citations.extend(added_now);
                let oracle = rebuild(&mut store);
                assert_same_answers(&written.graph, &oracle, &ids_seen);
                served = written.graph;
            }
            Err(e) => {
                assert_ne!(
                    expect,
                    Expect::Valid,
                    "batch {i} was refused: {e:?}\n{changes:#?}"
                );
                if base_version.is_some_and(|b| b != version) {
                    assert!(matches!(e, WriteError::Conflict { .. }), "{e:?}");
                }
                *outcomes.entry("refused").or_default() += 1;
                assert_eq!(
                    store.version(),
                    version,
                    "a refused write moved the version"
                );
                let after = store.working().to_dataset();
                assert!(
                    after.entities == before.entities
                        && after.relations == before.relations
                        && after.fingerprint == before.fingerprint,
                    "a refused write changed the records"
                );
                // Nothing changed: the served graph still answers as the records do.
                assert_same_answers(&served, &KnowledgeGraph::new(after), &ids_seen);
            }
        }
    }
    reopen(store, &journal, &base, &texts, &served, &ids_seen);
    if std::env::var_os("STORE_DELTA_VERBOSE").is_some() {
        eprintln!(
            "{} entities, seed {}: {outcomes:?}",
            scenario.entities, scenario.seed
        );
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// After every write (and after a restart's replay), the served graph answers every public
    /// query as a graph rebuilt from the store's records does.
    #[test]
    fn a_written_graph_answers_as_a_rebuilt_one(scenario in scenario()) {
        run(&scenario);
    }
}

/// Search over a long run of writes, searched after each one: the delta's own entities are
/// searched through an index made on an earlier version plus one over what changed since,
/// which is made whole again once the changes outgrow it (past 64 of them here). Renames,
/// new entities and retractions, some of the same entities again and again, each compared with
/// a rebuild after every write.
#[test]
fn search_after_every_write_of_a_long_run_answers_as_a_rebuild() {
    use reegraph::graph::Edits;
    let files = synth::generate(&SynthConfig {
        entities: 60,
        seed: 7,
    });
    let mut served = Arc::new(KnowledgeGraph::new(
        synth::load(&files).expect("synth data loads"),
    ));
    let ids: Vec<String> = served.keys().map(|k| eid(&served, k)).collect();
    let names = [
        "Neodymium oxide",
        "Neodymium magnet",
        "Oxide of cerium",
        "Scandium",
    ];
    let queries = [
        "neodymium",
        "oxide",
        "neodymium oxide",
        "scandium",
        "magnet",
    ];
    for step in 0..300_usize {
        let mut edits = Edits::default();
        match step % 5 {
            // A new entity, or a rename of one of them.
            0 | 1 => {
                let Some(key) = served.lookup(&ids[step % ids.len()]) else {
                    continue;
                };
                let mut entity = served.entity(key).clone();
                if step % 5 == 0 {
                    let id = format!("{}-w{}", entity.id, step % 40);
                    entity.id = reegraph::model::EntityId::parse(&id).expect("an id").0;
                }
                entity.name = format!("{} {}", names[step % names.len()], step % 7);
                edits.entities.push(entity);
            }
            // A rename of an entity of the base, the same few again and again.
            2 | 3 => {
                let Some(key) = served.lookup(&ids[(step / 5) % 6]) else {
                    continue;
                };
                let mut entity = served.entity(key).clone();
                entity.name = format!("{} {step}", names[(step / 3) % names.len()]);
                edits.entities.push(entity);
            }
            // A retraction of an entity without relations, when there is one.
            _ => {
                let Some(key) = served
                    .keys()
                    .filter(|&k| served.degree(k) == 0)
                    .nth(step % 3)
                else {
                    continue;
                };
                edits.retract_entities.push(served.entity(key).id.clone());
            }
        }
        served = Arc::new(served.apply(&edits, step as u64).expect("the edits apply"));
        let oracle = KnowledgeGraph::new(served.to_dataset());
        for q in queries {
            same(
                &served,
                &oracle,
                || format!("step {step}: search({q:?})"),
                |g| {
                    g.search(q, &[], BIG)
                        .into_iter()
                        .map(|h| (eid(g, h.entity), h.score))
                        .collect::<Vec<_>>()
                },
            );
        }
    }
}
