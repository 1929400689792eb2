//! `entities(where, orderBy)` at the graph level against a naive oracle: on random graphs with
//! random attributes, random predicates (every test, `And`/`Or`/`Not`, nested relationship
//! tests) are evaluated over a plain list of entities and relations, sorted, and paged; the
//! graph's `count_matching`, `page_matching` (paged to the end through positions, as cursors
//! do) and `count_groups` must agree. Deterministic (fixed seed) unless `PROPTEST_RNG_SEED` is set.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use reegraph::dataset::Dataset;
use reegraph::graph::{
    Comparison, DateField, Direction, EnumField, GroupBy, IntField, KindSet, KnowledgeGraph, Order,
    OrderField, Predicate, RelationFilter, TextField, TextTest, enum_bit,
};
use reegraph::model::{
    Citation, Date, Details, Entity, EntityId, EntityKind, EventDetails, EventType, Grade,
    MineralDetails, MineralForm, Relation, RelationType, StandardDetails, StandardLevel,
    StandardStatus, SupplyChainStageDetails,
};

const KINDS: [EntityKind; 4] = [
    EntityKind::Standard,
    EntityKind::Mineral,
    EntityKind::Event,
    EntityKind::SupplyChainStage,
];
const CODES: [&str; 4] = ["GB/T 1-2018", "gb/t 22", "ISO 9", "XB/T 5"];
const NAMES: [&str; 5] = ["Alpha", "beta", "Gämma", "Beta", "alpha"];
const DATES: [&str; 6] = [
    "2018",
    "2018-07",
    "2018-07-13",
    "2019-01-02",
    "2017-12",
    "2020",
];
const GRADES: [Grade; 3] = [Grade::Verified, Grade::Reported, Grade::Unverified];

fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x0f17_7e25);
    }
    config
}

fn date(i: usize) -> Option<Date> {
    DATES.get(i).map(|d| d.parse().expect("a date"))
}

/// One random entity: (kind, name, code/symbol pick, enum pick, date pick, grade pick).
type EntitySpec = (usize, usize, usize, u8, usize, usize);

fn entity(i: usize, (kind, name, text, pick, day, grade): EntitySpec) -> Entity {
    let kind = KINDS[kind % KINDS.len()];
    let details = match kind {
        EntityKind::Standard => Details::Standard(StandardDetails {
            code: CODES.get(text).map(|c| (*c).to_owned()),
            level: [StandardLevel::National, StandardLevel::Industry][usize::from(pick % 2)],
            status: [StandardStatus::Published, StandardStatus::Proposed]
                [usize::from(pick / 2 % 2)],
            title: None,
            issued: date(day),
            effective: None,
            withdrawn: None,
            replaces: Vec::new(),
        }),
        EntityKind::Mineral => Details::Mineral(MineralDetails {
            form: [MineralForm::Element, MineralForm::Oxide, MineralForm::Metal]
                [usize::from(pick % 3)],
            symbol: ["Sc", "Nd"].get(text).map(|s| (*s).to_owned()),
            atomic_number: (pick % 4 != 0).then_some(u32::from(pick % 8)),
            formula: None,
            rare_earth: pick % 2 == 0,
            classifications: Vec::new(),
        }),
        EntityKind::Event => Details::Event(EventDetails {
            event_type: EventType::Meeting,
            start_date: date(day),
            end_date: None,
            attendance: None,
            attendees_at_least: None,
        }),
        _ => Details::SupplyChainStage(SupplyChainStageDetails {
            position: (pick % 3 != 0).then_some(u32::from(pick % 5)),
        }),
    };
    Entity {
        id: EntityId::parse(&format!("{}:e{i:02}", kind.prefix()))
            .expect("a valid id")
            .0,
        name: NAMES[name % NAMES.len()].to_owned(),
        aliases: Vec::new(),
        description: None,
        citations: vec![citation(GRADES[grade % GRADES.len()])].into(),
        details,
    }
}

fn citation(grade: Grade) -> Citation {
    Citation {
        source: EntityId::parse("source:s").expect("a valid id").0,
        quote: None,
        grade,
        note: None,
        conflict: None,
    }
}

#[derive(Debug)]
struct World {
    entities: Vec<Entity>,
    /// (from, type, to, grade).
    relations: Vec<(usize, RelationType, usize, Grade)>,
    graph: KnowledgeGraph,
}

fn world() -> impl Strategy<Value = World> {
    (2..30usize)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(
                    (
                        0..4usize,
                        0..5usize,
                        0..5usize,
                        any::<u8>(),
                        0..7usize,
                        0..3usize,
                    ),
                    n,
                ),
                proptest::collection::vec((0..n, 0..n, any::<u8>(), 0..3usize), 0..60),
            )
        })
        .prop_map(|(specs, raw)| {
            let entities: Vec<Entity> = specs
                .into_iter()
                .enumerate()
                .map(|(i, s)| entity(i, s))
                .collect();
            let mut relations = Vec::new();
            for (a, b, pick, grade) in raw {
                let types: Vec<RelationType> = RelationType::ALL
                    .into_iter()
                    .filter(|t| t.allows(entities[a].kind(), entities[b].kind()))
                    .collect();
                if a == b || types.is_empty() {
                    continue;
                }
                let t = types[usize::from(pick) % types.len()];
                if !relations
                    .iter()
                    .any(|r: &(usize, RelationType, usize, Grade)| (r.0, r.1, r.2) == (a, t, b))
                {
                    relations.push((a, t, b, GRADES[grade]));
                }
            }
            let graph = KnowledgeGraph::new(Dataset {
                entities: entities.clone(),
                relations: relations
                    .iter()
                    .map(|&(a, t, b, g)| Relation {
                        relation_type: t,
                        from: entities[a].id.clone(),
                        to: entities[b].id.clone(),
                        role: None,
                        since: None,
                        until: None,
                        citations: vec![citation(g)].into(),
                    })
                    .collect(),
                fingerprint: 0,
            });
            World {
                entities,
                relations,
                graph,
            }
        })
}

fn comparison() -> impl Strategy<Value = Comparison> {
    prop_oneof![
        Just(Comparison::Eq),
        Just(Comparison::Gt),
        Just(Comparison::Gte),
        Just(Comparison::Lt),
        Just(Comparison::Lte)
    ]
}

fn leaf() -> impl Strategy<Value = Predicate> {
    prop_oneof![
        Just(Predicate::True),
        (0..4usize).prop_map(|k| Predicate::Kinds(KindSet::one(KINDS[k]))),
        (0..5usize).prop_map(|i| Predicate::Text(TextField::Name, TextTest::Eq(NAMES[i].into()))),
        (0..5usize).prop_map(|i| Predicate::Text(
            TextField::Name,
            TextTest::starts_with(&NAMES[i].chars().take(2).collect::<String>())
        )),
        (0..4usize).prop_map(|i| Predicate::Text(
            TextField::StandardCode,
            TextTest::starts_with(&CODES[i][..4])
        )),
        (0..4usize).prop_map(|i| Predicate::Text(
            TextField::StandardCode,
            TextTest::contains(&CODES[i][2..5])
        )),
        (0..30usize, 0..30usize).prop_map(|(a, b)| Predicate::Text(
            TextField::Id,
            TextTest::In(vec![
                format!("standard:e{a:02}"),
                format!("mineral:e{b:02}")
            ])
        )),
        (0..30usize)
            .prop_map(|a| Predicate::Text(TextField::Id, TextTest::Eq(format!("mineral:e{a:02}")))),
        (0..2usize).prop_map(|i| Predicate::Text(
            TextField::MineralSymbol,
            TextTest::In(vec![["Sc", "Nd"][i].into()])
        )),
        (comparison(), 0..6usize).prop_map(|(c, d)| Predicate::Date(
            DateField::StandardIssued,
            c,
            date(d).expect("a date")
        )),
        (comparison(), 0..6usize).prop_map(|(c, d)| Predicate::Date(
            DateField::EventStart,
            c,
            date(d).expect("a date")
        )),
        (comparison(), 0..5u64).prop_map(|(c, n)| Predicate::Int(IntField::Degree, c, n)),
        (comparison(), 0..8u64).prop_map(|(c, n)| Predicate::Int(IntField::AtomicNumber, c, n)),
        (0..5u64).prop_map(|n| Predicate::IntIn(IntField::StagePosition, vec![n, n + 1])),
        (0..4u8).prop_map(|m| Predicate::Enum(EnumField::StandardStatus, u64::from(m))),
        (0..3u8).prop_map(|f| Predicate::Enum(EnumField::MineralForm, enum_bit(f))),
        any::<bool>().prop_map(Predicate::RareEarth),
    ]
}

fn predicate() -> impl Strategy<Value = Predicate> {
    leaf().prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Predicate::And),
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Predicate::Or),
            inner.clone().prop_map(|p| Predicate::Not(Box::new(p))),
            (0..RelationType::ALL.len(), 0..3usize, 0..3usize, inner).prop_map(|(t, d, g, p)| {
                Predicate::Related {
                    types: RelationFilter::only([RelationType::ALL[t]]),
                    direction: [Direction::Outgoing, Direction::Incoming, Direction::Both][d],
                    min_grade: GRADES[g],
                    other: Box::new(p),
                }
            }),
        ]
    })
}

fn order() -> impl Strategy<Value = Order> {
    (0..5usize, any::<bool>()).prop_map(|(f, descending)| Order {
        field: [
            OrderField::Kind,
            OrderField::Name,
            OrderField::Code,
            OrderField::Date,
            OrderField::Degree,
        ][f],
        descending,
    })
}

// ------------------------------------------------------------------------------------------------
// The oracle: written from the documented rules, over the plain lists.
// ------------------------------------------------------------------------------------------------

fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn common_precision(a: Date, b: Date) -> Ordering {
    let cut = |d: Date, month: bool, day: bool| {
        (
            d.year(),
            if month { d.month() } else { None },
            if day { d.day() } else { None },
        )
    };
    let month = a.month().is_some() && b.month().is_some();
    let day = month && a.day().is_some() && b.day().is_some();
    cut(a, month, day).cmp(&cut(b, month, day))
}

fn holds(c: Comparison, o: Ordering) -> bool {
    match c {
        Comparison::Eq => o.is_eq(),
        Comparison::Gt => o.is_gt(),
        Comparison::Gte => o.is_ge(),
        Comparison::Lt => o.is_lt(),
        Comparison::Lte => o.is_le(),
    }
}

impl World {
    fn degree(&self, i: usize) -> usize {
        self.relations
            .iter()
            .filter(|r| r.0 == i || r.2 == i)
            .count()
    }

    fn eval(&self, p: &Predicate, i: usize) -> bool {
        let e = &self.entities[i];
        let text = |t: &TextTest, v: Option<&str>| {
            v.is_some_and(|v| match t {
                TextTest::Eq(x) => v == x,
                TextTest::In(xs) => xs.iter().any(|x| x == v),
                TextTest::StartsWith(x) => fold(v).starts_with(x.as_str()),
                TextTest::Contains(x) => fold(v).contains(x.as_str()),
            })
        };
        match p {
            Predicate::True => true,
            Predicate::And(ps) => ps.iter().all(|p| self.eval(p, i)),
            Predicate::Or(ps) => ps.iter().any(|p| self.eval(p, i)),
            Predicate::Not(p) => !self.eval(p, i),
            Predicate::Kinds(k) => k.contains(e.kind()),
            Predicate::Text(TextField::Name, t) => text(t, Some(&e.name)),
            Predicate::Text(TextField::Id, t) => text(t, Some(e.id.as_str())),
            Predicate::Text(TextField::StandardCode, t) => match &e.details {
                Details::Standard(d) => text(t, d.code.as_deref()),
                _ => false,
            },
            Predicate::Text(TextField::MineralSymbol, t) => match &e.details {
                Details::Mineral(d) => text(t, d.symbol.as_deref()),
                _ => false,
            },
            Predicate::Date(f, c, d) => {
                let v = match (f, &e.details) {
                    (DateField::StandardIssued, Details::Standard(s)) => s.issued,
                    (DateField::EventStart, Details::Event(s)) => s.start_date,
                    _ => None,
                };
                v.is_some_and(|v| holds(*c, common_precision(v, *d)))
            }
            Predicate::Int(f, c, n) => self.int(*f, i).is_some_and(|v| holds(*c, v.cmp(n))),
            Predicate::IntIn(f, ns) => self.int(*f, i).is_some_and(|v| ns.contains(&v)),
            Predicate::Enum(EnumField::StandardStatus, m) => {
                matches!(&e.details, Details::Standard(d) if m & (1 << d.status as u8) != 0)
            }
            Predicate::Enum(EnumField::MineralForm, m) => {
                matches!(&e.details, Details::Mineral(d) if m & (1 << d.form as u8) != 0)
            }
            Predicate::RareEarth(b) => {
                matches!(&e.details, Details::Mineral(d) if d.rare_earth == *b)
            }
            Predicate::Related {
                types,
                direction,
                min_grade,
                other,
            } => self.relations.iter().any(|&(a, t, b, g)| {
                let allowed = RelationType::ALL
                    .into_iter()
                    .any(|x| x == t && RelationFilter::only([x]) == *types);
                let other_end = match direction {
                    Direction::Outgoing => (a == i).then_some(b),
                    Direction::Incoming => (b == i).then_some(a),
                    Direction::Both => {
                        if a == i {
                            Some(b)
                        } else if b == i {
                            Some(a)
                        } else {
                            None
                        }
                    }
                };
                allowed && g.at_least(*min_grade) && other_end.is_some_and(|o| self.eval(other, o))
            }),
            other => panic!("the oracle does not know {other:?}"),
        }
    }

    fn int(&self, f: IntField, i: usize) -> Option<u64> {
        match (f, &self.entities[i].details) {
            (IntField::Degree, _) => Some(self.degree(i) as u64),
            (IntField::AtomicNumber, Details::Mineral(d)) => d.atomic_number.map(u64::from),
            (IntField::StagePosition, Details::SupplyChainStage(d)) => d.position.map(u64::from),
            _ => None,
        }
    }

    fn sort_key(&self, order: Order, i: usize) -> Option<(u64, Option<Date>, String)> {
        let e = &self.entities[i];
        match order.field {
            OrderField::Kind => Some((e.kind().index() as u64, None, String::new())),
            OrderField::Name => Some((0, None, e.name.clone())),
            OrderField::Degree => Some((self.degree(i) as u64, None, String::new())),
            OrderField::Code => match &e.details {
                Details::Standard(d) => d.code.clone().map(|c| (0, None, c)),
                _ => None,
            },
            OrderField::Date => match &e.details {
                Details::Standard(d) => d.issued.map(|x| (0, Some(x), String::new())),
                Details::Event(d) => d.start_date.map(|x| (0, Some(x), String::new())),
                _ => None,
            },
        }
    }

    /// Matching entity ids, filtered and sorted naively.
    fn expected(&self, p: &Predicate, kinds: KindSet, order: Order) -> Vec<String> {
        let mut matching: Vec<usize> = (0..self.entities.len())
            .filter(|&i| kinds.contains(self.entities[i].kind()) && self.eval(p, i))
            .collect();
        matching.sort_by(|&a, &b| {
            let by_value = match (self.sort_key(order, a), self.sort_key(order, b)) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(x), Some(y)) if order.descending => y.cmp(&x),
                (Some(x), Some(y)) => x.cmp(&y),
            };
            by_value.then_with(|| self.entities[a].id.cmp(&self.entities[b].id))
        });
        matching
            .into_iter()
            .map(|i| self.entities[i].id.as_str().to_owned())
            .collect()
    }
}

fn kind_set() -> impl Strategy<Value = KindSet> {
    prop_oneof![
        Just(KindSet::ALL),
        proptest::collection::vec(0..4usize, 1..3)
            .prop_map(|ks| KindSet::of(&ks.iter().map(|k| KINDS[*k]).collect::<Vec<_>>())),
    ]
}

proptest! {
    #![proptest_config(config(400))]

    /// Filtering, ordering and paging equal the oracle's filter, sort and slices, page after
    /// page through positions (what cursors hold), and the count equals the oracle's.
    #[test]
    fn filter_order_and_pages_equal_the_oracle(
        world in world(),
        p in predicate(),
        kinds in kind_set(),
        order in order(),
        page in 1..6usize,
    ) {
        let expected = world.expected(&p, kinds, order);
        let graph = &world.graph;
        let matcher = graph.matcher(&p, kinds);
        prop_assert_eq!(graph.count_matching(&matcher), expected.len());
        let mut got = Vec::new();
        let mut after = None;
        loop {
            let (keys, more) = graph.page_matching(&matcher, order, after.as_ref(), page);
            prop_assert!(keys.len() <= page);
            got.extend(keys.iter().map(|k| graph.entity(*k).id.as_str().to_owned()));
            prop_assert_eq!(more, got.len() < expected.len(), "hasNextPage after {:?}", got);
            match keys.last() {
                Some(last) if more => after = Some(graph.position(order, *last)),
                _ => break,
            }
        }
        prop_assert_eq!(got, expected);
    }

    /// Grouped counts equal the oracle's tally of its matches.
    #[test]
    fn grouped_counts_equal_the_oracle(world in world(), p in predicate()) {
        let graph = &world.graph;
        let matcher = graph.matcher(&p, KindSet::ALL);
        let groups = graph.count_groups(&matcher, &[GroupBy::Kind, GroupBy::Status, GroupBy::Form]);
        let mut expected: BTreeMap<(EntityKind, Option<u8>, Option<u8>), usize> = BTreeMap::new();
        for i in 0..world.entities.len() {
            if world.eval(&p, i) {
                let e = &world.entities[i];
                let (status, form) = match &e.details {
                    Details::Standard(d) => (Some(d.status as u8), None),
                    Details::Mineral(d) => (None, Some(d.form as u8)),
                    _ => (None, None),
                };
                *expected.entry((e.kind(), status, form)).or_default() += 1;
            }
        }
        let got: BTreeMap<(EntityKind, Option<u8>, Option<u8>), usize> = groups
            .iter()
            .map(|(k, n)| {
                ((k.kind.expect("grouped by kind"), k.status.map(|s| s as u8), k.form.map(|f| f as u8)), *n)
            })
            .collect();
        prop_assert_eq!(got, expected);
        prop_assert!(groups.windows(2).all(|w| w[0].1 >= w[1].1), "largest group first");
    }
}
