//! `entities(where, orderBy)` at the graph level against a naive oracle: on random graphs with
//! random attributes, random predicates (every test, `And`/`Or`/`Not`, nested relationship
//! tests) are evaluated over a plain list of entities and relations, sorted, and paged; the
//! graph's `count_matching`, `page_matching` (paged to the end through positions, as cursors
//! do) and `count_groups` must agree. Deterministic (fixed seed) unless `PROPTEST_RNG_SEED` is set.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use proptest::prelude::*;
use reegraph::graph::{
    Comparison, DateField, Direction, EnumField, GroupBy, IntField, KindSet, Order, OrderField,
    Predicate, RelationFilter, TextField, TextTest,
};
use reegraph::model::{Date, Details, EntityKind, RelationType};

mod world;

pub(crate) use world::{
    EntitySpec, GRADES, KINDS, World, citation, config, date, entity, order, predicate, world,
};

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

    pub(crate) fn eval(&self, p: &Predicate, i: usize) -> bool {
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

    pub(crate) fn sort_key(&self, order: Order, i: usize) -> Option<(u64, Option<Date>, String)> {
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
            OrderField::Level => match &e.details {
                Details::Standard(d) => Some((d.level as u64, None, String::new())),
                _ => None,
            },
            OrderField::Status => match &e.details {
                Details::Standard(d) => Some((d.status as u64, None, String::new())),
                _ => None,
            },
        }
    }

    /// Two entities in `orders` (kind then id when empty): each key in turn, values before no
    /// value, then the id.
    pub(crate) fn compare(&self, orders: &[Order], a: usize, b: usize) -> Ordering {
        let default = [Order {
            field: OrderField::Kind,
            descending: false,
        }];
        let orders = if orders.is_empty() { &default } else { orders };
        let mut by_values = Ordering::Equal;
        for order in orders {
            by_values = by_values.then_with(|| {
                match (self.sort_key(*order, a), self.sort_key(*order, b)) {
                    (None, None) => Ordering::Equal,
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (Some(x), Some(y)) if order.descending => y.cmp(&x),
                    (Some(x), Some(y)) => x.cmp(&y),
                }
            });
        }
        by_values.then_with(|| self.entities[a].id.cmp(&self.entities[b].id))
    }

    /// Matching entity ids, filtered and sorted naively.
    fn expected(&self, p: &Predicate, kinds: KindSet, orders: &[Order]) -> Vec<String> {
        let mut matching: Vec<usize> = (0..self.entities.len())
            .filter(|&i| kinds.contains(self.entities[i].kind()) && self.eval(p, i))
            .collect();
        matching.sort_by(|&a, &b| self.compare(orders, a, b));
        matching
            .into_iter()
            .map(|i| self.entities[i].id.as_str().to_owned())
            .collect()
    }
}

/// Pages `p` in `order` to the end through positions, and checks them and the count against
/// the oracle.
fn pages_equal_the_oracle(
    world: &World,
    p: &Predicate,
    kinds: KindSet,
    order: &[Order],
    page: usize,
) -> Result<(), TestCaseError> {
    let expected = world.expected(p, kinds, order);
    let graph = &world.graph;
    let matcher = graph.matcher(p, kinds);
    prop_assert_eq!(graph.count_matching(&matcher), expected.len());
    let mut got = Vec::new();
    let mut after = None;
    loop {
        let (keys, more) = graph.page_matching(&matcher, order, after.as_ref(), page);
        prop_assert!(keys.len() <= page);
        got.extend(keys.iter().map(|k| graph.entity(*k).id.as_str().to_owned()));
        prop_assert_eq!(
            more,
            got.len() < expected.len(),
            "hasNextPage after {:?}",
            got
        );
        match keys.last() {
            Some(last) if more => after = Some(graph.position(order, *last)),
            _ => break,
        }
    }
    prop_assert_eq!(got, expected);
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
        pages_equal_the_oracle(&world, &p, kinds, &order, page)?;
    }

    /// The same by name, ascending (the order the filter index's name lists hold).
    #[test]
    fn pages_by_name_equal_the_oracle(
        world in world(),
        p in predicate(),
        kinds in kind_set(),
        page in 1..6usize,
    ) {
        let by_name = [Order { field: OrderField::Name, descending: false }];
        pages_equal_the_oracle(&world, &p, kinds, &by_name, page)?;
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
