//! Orders of a page: the sort value of an entity, comparisons, positions for cursors, and
//! the page of matches in an order.

use std::cmp::Ordering;

use super::matcher::Candidates;
use super::{EnumField, Matcher};
use crate::graph::{EntityKey, KnowledgeGraph};
use crate::model::{Date, Details};

/// What orders a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderField {
    /// Kind, then id: the default, the order of the per-kind lists.
    Kind,
    /// Name (Unicode code point order).
    Name,
    /// The kind's code: a standard's or organization's code, a directive's number, a
    /// location's division code.
    Code,
    /// The kind's date: a standard's or directive's issue date, an event's first day, a batch's
    /// decision, a source's publication (reduced precision: `2018` before `2018-07`).
    Date,
    /// Number of relations.
    Degree,
    /// A standard's level (in the order of its values: NATIONAL, INDUSTRY, INTERNATIONAL,
    /// ASSOCIATION, NOT_STATED).
    Level,
    /// A standard's or batch's status (in the order of its values).
    Status,
}

/// One key of an order: a field and a direction; entities without a value come last either
/// way. An order is a list of keys, compared in turn, ties going to the smaller id; the empty
/// list is the default order (kind, then id), as is `[Kind ASC]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// The field.
    pub field: OrderField,
    /// Largest first.
    pub descending: bool,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            field: OrderField::Kind,
            descending: false,
        }
    }
}

/// A value an order sorts by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SortValue {
    /// A number (kind index, degree).
    Int(u64),
    /// A date.
    Date(Date),
    /// A text.
    Text(String),
}

/// A place in an order: after the entity with these sort values (one per key of the order;
/// `None`: no value) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Its sort values, one per key.
    pub values: Vec<Option<SortValue>>,
    /// Its id (which need not exist in this graph).
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SortRef<'a> {
    Int(u64),
    Date(Date),
    Text(&'a str),
}

impl SortValue {
    fn as_ref(&self) -> SortRef<'_> {
        match self {
            SortValue::Int(n) => SortRef::Int(*n),
            SortValue::Date(d) => SortRef::Date(*d),
            SortValue::Text(t) => SortRef::Text(t),
        }
    }
}

impl SortRef<'_> {
    fn to_owned(self) -> SortValue {
        match self {
            SortRef::Int(n) => SortValue::Int(n),
            SortRef::Date(d) => SortValue::Date(d),
            SortRef::Text(t) => SortValue::Text(t.to_owned()),
        }
    }
}

/// Name, ascending: the order of the filter index's name lists.
const BY_NAME: Order = Order {
    field: OrderField::Name,
    descending: false,
};

/// Whether `orders` is the default order (kind, then id).
fn is_default(orders: &[Order]) -> bool {
    orders.is_empty() || orders == [Order::default()]
}

/// Two sort values of one key: values before no value, in the key's direction.
fn compare_values(order: Order, a: Option<SortRef<'_>>, b: Option<SortRef<'_>>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(a), Some(b)) if order.descending => b.cmp(&a),
        (Some(a), Some(b)) => a.cmp(&b),
    }
}

impl KnowledgeGraph {
    /// The first `first` matches after `after` in `orders` (see [`Order`]), and whether more
    /// follow. In the default order or by name (ascending) over a scan of kinds, O(page) when
    /// most candidates match (it stops after the page), O(candidates) at worst; otherwise
    /// O(candidates + page log page) (the page is selected, not the matches sorted).
    pub fn page_matching(
        &self,
        matcher: &Matcher<'_>,
        orders: &[Order],
        after: Option<&Position>,
        first: usize,
    ) -> (Vec<EntityKey>, bool) {
        let default = [Order::default()];
        let orders = if orders.is_empty() { &default } else { orders };
        let is_after =
            |k: EntityKey| after.is_none_or(|p| self.compare_to(orders, k, p) == Ordering::Greater);
        let want = first.saturating_add(1);
        let mut page = Vec::with_capacity(want.min(1024));
        match &matcher.candidates {
            // Over a delta, the same two orders: each kind's list (without its stale entries)
            // holds its first `want` matches but for the delta's own, which join them.
            Candidates::Scan(kinds)
                if self.delta.is_some() && (is_default(orders) || orders == [BY_NAME]) =>
            {
                let default = is_default(orders);
                let own = self.delta_keys();
                let compare = |a: &EntityKey, b: &EntityKey| self.compare_entities(orders, *a, *b);
                for kind in kinds.iter() {
                    if default && page.len() >= want {
                        break;
                    }
                    let list = if default {
                        &self.base.by_kind[kind.index()][..]
                    } else {
                        self.base.filter_index.by_name(kind)
                    };
                    // The lists are sorted by the base's records: so is the search.
                    let start = list.partition_point(|k| {
                        after.is_some_and(|p| {
                            self.compare_base_to(orders, *k, p) != Ordering::Greater
                        })
                    });
                    let mut chunk: Vec<EntityKey> = list[start..]
                        .iter()
                        .copied()
                        .filter(|k| !self.differs_from_base(*k) && matcher.test(*k))
                        .take(want)
                        .collect();
                    chunk.extend(
                        own.iter().copied().filter(|k| {
                            self.kind_of(*k) == kind && is_after(*k) && matcher.test(*k)
                        }),
                    );
                    chunk.sort_unstable_by(compare);
                    chunk.truncate(want);
                    page.extend(chunk);
                }
                // Each kind's chunk is in order; by name, the chunks interleave.
                if !default {
                    page.sort_unstable_by(compare);
                }
                page.truncate(want);
            }
            // The default order is the per-kind lists' own: the page stops after `want`.
            Candidates::Scan(kinds) if is_default(orders) => {
                for kind in kinds.iter() {
                    let list = &self.base.by_kind[kind.index()];
                    let start = list.partition_point(|k| !is_after(*k));
                    for &k in &list[start..] {
                        if page.len() >= want {
                            break;
                        }
                        if matcher.test(k) {
                            page.push(k);
                        }
                    }
                }
            }
            // By name: each kind's name-ordered list holds its first `want` matches; the page
            // is the first `want` of theirs.
            Candidates::Scan(kinds) if orders == [BY_NAME] => {
                for kind in kinds.iter() {
                    let list = self.base.filter_index.by_name(kind);
                    let start = list.partition_point(|k| !is_after(*k));
                    page.extend(
                        list[start..]
                            .iter()
                            .copied()
                            .filter(|k| matcher.test(*k))
                            .take(want),
                    );
                }
                page.sort_unstable_by(|a, b| self.compare_entities(orders, *a, *b));
                page.truncate(want);
            }
            _ => {
                matcher.for_each(|k| {
                    if is_after(k) {
                        page.push(k);
                    }
                    true
                });
                let compare = |a: &EntityKey, b: &EntityKey| self.compare_entities(orders, *a, *b);
                if page.len() > want {
                    page.select_nth_unstable_by(want, compare);
                    page.truncate(want);
                }
                page.sort_unstable_by(compare);
            }
        }
        let more = page.len() > first;
        page.truncate(first);
        (page, more)
    }

    /// The position of `key` in `orders`, for a cursor (one value per key; the default
    /// order's, the kind, for an empty list).
    pub fn position(&self, orders: &[Order], key: EntityKey) -> Position {
        let default = [Order::default()];
        let orders = if orders.is_empty() { &default } else { orders };
        Position {
            values: orders
                .iter()
                .map(|o| self.sort_value(o.field, key).map(SortRef::to_owned))
                .collect(),
            id: self.entity(key).id.as_str().to_owned(),
        }
    }

    /// Two entities in `orders` (the default order for an empty list), then by id.
    pub fn compare_entities(&self, orders: &[Order], a: EntityKey, b: EntityKey) -> Ordering {
        let by_kind = [Order::default()];
        let orders = if orders.is_empty() { &by_kind } else { orders };
        orders
            .iter()
            .map(|o| compare_values(*o, self.sort_value(o.field, a), self.sort_value(o.field, b)))
            .find(|c| c.is_ne())
            .unwrap_or_else(|| self.entity(a).id.cmp(&self.entity(b).id))
    }

    /// An entity against a position in `orders` (a position with fewer values than keys
    /// compares as having no value for the rest).
    pub fn compare_to(&self, orders: &[Order], key: EntityKey, position: &Position) -> Ordering {
        orders
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let value = position.values.get(i).and_then(Option::as_ref);
                compare_values(
                    *o,
                    self.sort_value(o.field, key),
                    value.map(SortValue::as_ref),
                )
            })
            .find(|c| c.is_ne())
            .unwrap_or_else(|| self.entity(key).id.as_str().cmp(position.id.as_str()))
    }

    /// An entity against a position in `orders`, as [`KnowledgeGraph::compare_to`] but read
    /// from the base's record of it (what the base's sorted lists are sorted by), stale or not.
    fn compare_base_to(&self, orders: &[Order], key: EntityKey, position: &Position) -> Ordering {
        orders
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let value = position.values.get(i).and_then(Option::as_ref);
                compare_values(
                    *o,
                    self.sort_value_in(o.field, key, true),
                    value.map(SortValue::as_ref),
                )
            })
            .find(|c| c.is_ne())
            .unwrap_or_else(|| {
                self.base.entities[key.0 as usize]
                    .id
                    .as_str()
                    .cmp(position.id.as_str())
            })
    }

    fn sort_value(&self, field: OrderField, key: EntityKey) -> Option<SortRef<'_>> {
        self.sort_value_in(field, key, false)
    }

    /// `key`'s sort value of `field`, read from its record, or from the base's record of it
    /// when `base` (a base key).
    fn sort_value_in(&self, field: OrderField, key: EntityKey, base: bool) -> Option<SortRef<'_>> {
        crate::graph::reads::entity(key);
        let e = if base {
            &self.base.entities[key.0 as usize]
        } else {
            self.entity(key)
        };
        let row = || {
            if base {
                self.base.filter_index.row(key)
            } else {
                self.filter_row(key)
            }
        };
        match field {
            OrderField::Kind => Some(SortRef::Int(row().kind().index() as u64)),
            OrderField::Name => Some(SortRef::Text(&e.name)),
            OrderField::Degree => Some(SortRef::Int(self.degree(key) as u64)),
            OrderField::Level => row()
                .enum_value(EnumField::StandardLevel)
                .map(|v| SortRef::Int(u64::from(v))),
            OrderField::Status => {
                let row = row();
                row.enum_value(EnumField::StandardStatus)
                    .or_else(|| row.enum_value(EnumField::BatchStatus))
                    .map(|v| SortRef::Int(u64::from(v)))
            }
            OrderField::Code => match &e.details {
                Details::Standard(d) => d.code.as_deref(),
                Details::Organization(d) => d.code.as_deref(),
                Details::Directive(d) => d.number.as_deref(),
                Details::Location(d) => d.division_code.as_deref(),
                _ => None,
            }
            .map(SortRef::Text),
            OrderField::Date => match &e.details {
                Details::Standard(d) => d.issued,
                Details::Event(d) => d.start_date,
                Details::Directive(d) => d.issued,
                Details::StandardBatch(d) => d.decided,
                Details::Source(d) => d.published,
                _ => None,
            }
            .map(SortRef::Date),
        }
    }
}
