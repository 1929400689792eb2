//! The random worlds the filter and list property tests share: entities with random
//! attributes, relations with random grades and `since`/`until` windows, predicates and orders.

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use reegraph::dataset::Dataset;
use reegraph::graph::{
    Comparison, DateField, Direction, EnumField, IntField, KindSet, KnowledgeGraph, Order,
    OrderField, Predicate, RelationFilter, TextField, TextTest, enum_bit,
};
use reegraph::model::{
    Citation, Date, Details, Entity, EntityId, EntityKind, EventDetails, EventType, Grade,
    MineralDetails, MineralForm, Relation, RelationType, StandardDetails, StandardLevel,
    StandardStatus, SupplyChainStageDetails,
};

pub(crate) const KINDS: [EntityKind; 4] = [
    EntityKind::Standard,
    EntityKind::Mineral,
    EntityKind::Event,
    EntityKind::SupplyChainStage,
];
/// Codes (the sorted index's values): prefixes that differ only in case or accents, one the
/// prefix of another.
const CODES: [&str; 6] = ["GB/T 1-2018", "gb/t 22", "ISO 9", "XB/T 5", "ÉN 4", "en 45"];
/// What code tests look for: the codes' prefixes in other cases and accents, prefixes of
/// nothing (empty ranges, before, between and after every code), the empty prefix.
const CODE_NEEDLES: [&str; 12] = [
    "gb/t",
    "GB/T 2",
    "É",
    "en 4",
    "EN 45",
    "Èn",
    "iso 9",
    "a",
    "h",
    "zz",
    "",
    "gb/t 1-2018",
];
const NAMES: [&str; 5] = ["Alpha", "beta", "Gämma", "Beta", "alpha"];
const DATES: [&str; 6] = [
    "2018",
    "2018-07",
    "2018-07-13",
    "2019-01-02",
    "2017-12",
    "2020",
];
pub(crate) const GRADES: [Grade; 3] = [Grade::Verified, Grade::Reported, Grade::Unverified];

pub(crate) fn config(cases: u32) -> ProptestConfig {
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

pub(crate) fn date(i: usize) -> Option<Date> {
    DATES.get(i).map(|d| d.parse().expect("a date"))
}

/// One random entity: (kind, name, code/symbol pick, enum pick, date pick, grade pick).
pub(crate) type EntitySpec = (usize, usize, usize, u8, usize, usize);

pub(crate) fn entity(i: usize, (kind, name, text, pick, day, grade): EntitySpec) -> Entity {
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

pub(crate) fn citation(grade: Grade) -> Citation {
    Citation {
        source: EntityId::parse("source:s").expect("a valid id").0,
        quote: None,
        grade,
        note: None,
        conflict: None,
    }
}

/// Random entities and relations, as plain lists and as a graph.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) entities: Vec<Entity>,
    /// (from, type, to, grade).
    pub(crate) relations: Vec<(usize, RelationType, usize, Grade)>,
    /// Each relation's `since` and `until`.
    pub(crate) windows: Vec<(Option<Date>, Option<Date>)>,
    pub(crate) graph: KnowledgeGraph,
}

pub(crate) fn world() -> impl Strategy<Value = World> {
    (2..30usize)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(
                    (
                        0..4usize,
                        0..5usize,
                        0..7usize,
                        any::<u8>(),
                        0..7usize,
                        0..3usize,
                    ),
                    n,
                ),
                proptest::collection::vec(
                    (0..n, 0..n, any::<u8>(), 0..3usize, (0..8usize, 0..8usize)),
                    0..60,
                ),
            )
        })
        .prop_map(|(specs, raw)| {
            let entities: Vec<Entity> = specs
                .into_iter()
                .enumerate()
                .map(|(i, s)| entity(i, s))
                .collect();
            let mut relations = Vec::new();
            let mut windows = Vec::new();
            for (a, b, pick, grade, (since, until)) in raw {
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
                    windows.push((date(since), date(until)));
                }
            }
            let graph = KnowledgeGraph::new(Dataset {
                entities: entities.clone(),
                relations: relations
                    .iter()
                    .zip(&windows)
                    .map(|(&(a, t, b, g), &(since, until))| Relation {
                        relation_type: t,
                        from: entities[a].id.clone(),
                        to: entities[b].id.clone(),
                        role: None,
                        since,
                        until,
                        citations: vec![citation(g)].into(),
                    })
                    .collect(),
                fingerprint: 0,
            });
            World {
                entities,
                relations,
                windows,
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
        (0..CODE_NEEDLES.len()).prop_map(|i| Predicate::Text(
            TextField::StandardCode,
            TextTest::starts_with(CODE_NEEDLES[i])
        )),
        (0..CODE_NEEDLES.len(), 0..CODES.len()).prop_map(|(i, c)| Predicate::Text(
            TextField::StandardCode,
            TextTest::Eq([CODE_NEEDLES[i], CODES[c]][c % 2].into())
        )),
        (0..CODES.len(), 0..CODE_NEEDLES.len()).prop_map(|(c, i)| Predicate::Text(
            TextField::StandardCode,
            TextTest::In(vec![
                CODES[c].into(),
                CODE_NEEDLES[i].into(),
                CODES[c].to_lowercase()
            ])
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

pub(crate) fn predicate() -> impl Strategy<Value = Predicate> {
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

/// An order of zero to three keys (zero: the default order).
pub(crate) fn order() -> impl Strategy<Value = Vec<Order>> {
    proptest::collection::vec(
        (0..7usize, any::<bool>()).prop_map(|(f, descending)| Order {
            field: [
                OrderField::Kind,
                OrderField::Name,
                OrderField::Code,
                OrderField::Date,
                OrderField::Degree,
                OrderField::Level,
                OrderField::Status,
            ][f],
            descending,
        }),
        0..4,
    )
}
