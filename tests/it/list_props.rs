//! Relationship lists (`where`, `orderBy`, `minGrade`, `asOf` on `relations` and the typed
//! lists) at the graph level against a naive oracle, on the random worlds of `filter_props`
//! (relations with random grades and `since`/`until` windows): `relation_list` must keep and
//! order what the oracle keeps and orders, and paging by keyset must walk the same list.

use std::cmp::Ordering;

use proptest::prelude::*;
use reegraph::graph::{Direction, KindSet, ListSpec, Position, RelationFilter};
use reegraph::model::{Date, Grade, RelationType};

use crate::filter_props::{GRADES, World, config, date, order, predicate, world};

/// A reduced-precision date's first and last day as (year, month, day); months taken as 31
/// days long, which orders the generated dates (days 13 and 2) as real lengths would.
fn days(d: Date) -> ((i32, u8, u8), (i32, u8, u8)) {
    let y = i32::from(d.year());
    match (d.month(), d.day()) {
        (Some(m), Some(day)) => ((y, m, day), (y, m, day)),
        (Some(m), None) => ((y, m, 1), (y, m, 31)),
        _ => ((y, 1, 1), (y, 12, 31)),
    }
}

/// The documented rule: skipped only when `on` is known to fall outside `[since, until)`.
fn holds(window: (Option<Date>, Option<Date>), on: Date) -> bool {
    let (first, last) = days(on);
    let started = window.0.is_none_or(|s| days(s).0 <= last);
    let ended = window.1.is_some_and(|u| first >= days(u).1);
    started && !ended
}

impl World {
    /// (relation index, outgoing) of the list at `i`, kept and ordered naively.
    #[expect(clippy::too_many_arguments, reason = "one per list argument")]
    fn list(
        &self,
        i: usize,
        types: Option<RelationType>,
        direction: Direction,
        other: &reegraph::graph::Predicate,
        orders: &[reegraph::graph::Order],
        min_grade: Option<Grade>,
        as_of: Option<Date>,
    ) -> Vec<(usize, bool)> {
        let mut out: Vec<(usize, bool)> = Vec::new();
        for outgoing in [true, false] {
            if (outgoing && direction == Direction::Incoming)
                || (!outgoing && direction == Direction::Outgoing)
            {
                continue;
            }
            for (r, &(a, t, b, g)) in self.relations.iter().enumerate() {
                let end = if outgoing {
                    (a == i).then_some(b)
                } else {
                    (b == i).then_some(a)
                };
                let Some(o) = end else { continue };
                if types.is_some_and(|x| x != t)
                    || min_grade.is_some_and(|m| !g.at_least(m))
                    || as_of.is_some_and(|d| !holds(self.windows[r], d))
                    || !self.eval(other, o)
                {
                    continue;
                }
                out.push((r, outgoing));
            }
        }
        if !orders.is_empty() {
            let other_end = |(r, outgoing): (usize, bool)| {
                let (a, _, b, _) = self.relations[r];
                if outgoing { b } else { a }
            };
            out.sort_by(|x, y| {
                self.compare(orders, other_end(*x), other_end(*y))
                    .then_with(|| {
                        (self.relations[x.0].1.name(), x.1)
                            .cmp(&(self.relations[y.0].1.name(), y.1))
                    })
            });
        }
        out
    }
}

proptest! {
    #![proptest_config(config(300))]

    /// `relation_list` keeps and orders what the oracle does, and a keyset position after any
    /// item starts the rest of the list.
    #[test]
    fn relation_lists_equal_the_oracle(
        world in world(),
        at in 0..30usize,
        other in predicate(),
        orders in order(),
        types in proptest::option::of(0..RelationType::ALL.len()),
        direction in 0..3usize,
        min_grade in proptest::option::of(0..3usize),
        as_of in proptest::option::of(0..6usize),
    ) {
        let graph = &world.graph;
        let i = at % world.entities.len();
        let key = graph.lookup(world.entities[i].id.as_str()).expect("an entity");
        let types = types.map(|t| RelationType::ALL[t]);
        let direction = [Direction::Outgoing, Direction::Incoming, Direction::Both][direction];
        let min_grade = min_grade.map(|g| GRADES[g]);
        let as_of = as_of.and_then(date);
        let matcher = graph.matcher(&other, KindSet::ALL);
        let spec = ListSpec { other: Some(&matcher), orders: &orders };
        let filter = types
            .map_or_else(RelationFilter::all, |t| RelationFilter::only([t]))
            .with_min_grade(min_grade)
            .with_as_of(as_of);
        let items = graph.relation_list(key, &filter, direction, &spec);
        let got: Vec<(usize, bool)> = items
            .iter()
            .map(|item| {
                let r = graph.relation(item.relation);
                let index = world
                    .relations
                    .iter()
                    .position(|&(a, t, b, _)| {
                        t == r.relation_type
                            && world.entities[a].id == r.from
                            && world.entities[b].id == r.to
                    })
                    .expect("a relation of the world");
                (index, item.outgoing)
            })
            .collect();
        prop_assert_eq!(&got, &world.list(i, types, direction, &other, &orders, min_grade, as_of));
        if !orders.is_empty() {
            for (n, item) in items.iter().enumerate() {
                let position: Position = graph.position(&orders, item.other);
                let tie = graph.tie(item);
                let start = items.partition_point(|x| {
                    graph.compare_item(&orders, x, &position, tie) != Ordering::Greater
                });
                prop_assert_eq!(start, n + 1, "the keyset after item {} starts the rest", n);
            }
        }
    }
}

proptest! {
    #![proptest_config(config(200))]

    /// Grouped relation counts (`relationCounts`) equal the oracle's tally of the same list by
    /// relation type, direction, grade and the other end's kind and id.
    #[test]
    fn relation_groups_equal_the_oracle(
        world in world(),
        at in 0..30usize,
        dims in proptest::collection::vec(0..5usize, 0..4),
        as_of in proptest::option::of(0..6usize),
    ) {
        use std::collections::BTreeMap;
        use reegraph::graph::GroupBy;
        let graph = &world.graph;
        let i = at % world.entities.len();
        let key = graph.lookup(world.entities[i].id.as_str()).expect("an entity");
        let as_of = as_of.and_then(date);
        let by: Vec<GroupBy> = dims
            .iter()
            .map(|d| match d {
                0 => GroupBy::RelationType,
                1 => GroupBy::Direction,
                2 => GroupBy::Grade,
                3 => GroupBy::Kind,
                _ => GroupBy::Related {
                    types: RelationFilter::all(),
                    direction: Direction::Both,
                    kinds: KindSet::ALL,
                    min_grade: Grade::Unverified,
                },
            })
            .collect();
        let filter = RelationFilter::all().with_as_of(as_of);
        let items = graph.relation_list(key, &filter, Direction::Both, &ListSpec::default());
        type Key = (Option<&'static str>, Option<bool>, Option<u8>, Option<usize>, Option<String>);
        let mut got: BTreeMap<Key, usize> = BTreeMap::new();
        for (k, n) in graph.count_relation_groups(&items, &by) {
            let entry = (
                k.relation_type.map(RelationType::name),
                k.outgoing,
                k.grade.map(Grade::strength),
                k.kind.map(|k| k.index()),
                k.related.map(|r| graph.entity(r).id.as_str().to_owned()),
            );
            *got.entry(entry).or_default() += n;
        }
        let truth = world.list(i, None, Direction::Both, &reegraph::graph::Predicate::True, &[], None, as_of);
        let mut expected: BTreeMap<Key, usize> = BTreeMap::new();
        for (r, outgoing) in truth {
            let (a, t, b, g) = world.relations[r];
            let other = if outgoing { b } else { a };
            let has = |d: usize| dims.contains(&d);
            let entry = (
                has(0).then(|| t.name()),
                has(1).then_some(outgoing),
                has(2).then(|| g.strength()),
                has(3).then(|| world.entities[other].kind().index()),
                has(4).then(|| world.entities[other].id.as_str().to_owned()),
            );
            *expected.entry(entry).or_default() += 1;
        }
        prop_assert_eq!(got, expected);
    }
}
