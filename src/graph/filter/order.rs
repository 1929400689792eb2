//! Orders of a page: the sort value of an entity, comparisons, positions for cursors, and
//! the page of matches in an order.

use std::cmp::Ordering;

use super::Matcher;
use super::matcher::Candidates;
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
}

/// An order: a field and a direction; entities without a value come last either way, and ties
/// go to the smaller id.
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

/// A place in an order: after the entity with this sort value (`None`: no value) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// Its sort value.
    pub value: Option<SortValue>,
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

impl KnowledgeGraph {
    /// The first `first` matches after `after` in `order`, and whether more follow.
    /// In the default order, O(page) over the per-kind lists when most candidates match (it
    /// stops after the page), O(candidates) at worst; in another order O(candidates) (the page
    /// is selected, not the matches sorted).
    pub fn page_matching(
        &self,
        matcher: &Matcher<'_>,
        order: Order,
        after: Option<&Position>,
        first: usize,
    ) -> (Vec<EntityKey>, bool) {
        let after = after.map(|p| (p.value.as_ref().map(SortValue::as_ref), p.id.as_str()));
        let is_after = |k: EntityKey| {
            after.is_none_or(|(value, id)| {
                self.compare_at(
                    order,
                    (self.sort_value(order, k), self.entity(k).id.as_str()),
                    (value, id),
                ) == Ordering::Greater
            })
        };
        let want = first.saturating_add(1);
        let mut page = Vec::with_capacity(want.min(1024));
        if order.field == OrderField::Kind && !order.descending {
            match &matcher.candidates {
                Candidates::Scan(kinds) => {
                    for kind in kinds.iter() {
                        let list = &self.by_kind[kind.index()];
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
                Candidates::Keys(keys) => {
                    let mut keys: Vec<EntityKey> = keys
                        .iter()
                        .copied()
                        .filter(|k| is_after(*k) && matcher.test(*k))
                        .collect();
                    keys.sort_unstable_by(|a, b| self.compare_keys(order, *a, *b));
                    keys.truncate(want);
                    page = keys;
                }
            }
        } else {
            let mut all = Vec::new();
            matcher.for_each(|k| {
                if is_after(k) {
                    all.push(k);
                }
                true
            });
            if all.len() > want {
                all.select_nth_unstable_by(want, |a, b| self.compare_keys(order, *a, *b));
                all.truncate(want);
            }
            all.sort_unstable_by(|a, b| self.compare_keys(order, *a, *b));
            page = all;
        }
        let more = page.len() > first;
        page.truncate(first);
        (page, more)
    }

    /// The position of `key` in `order`, for a cursor.
    pub fn position(&self, order: Order, key: EntityKey) -> Position {
        Position {
            value: self.sort_value(order, key).map(SortRef::to_owned),
            id: self.entity(key).id.as_str().to_owned(),
        }
    }

    fn sort_value(&self, order: Order, key: EntityKey) -> Option<SortRef<'_>> {
        let e = self.entity(key);
        match order.field {
            OrderField::Kind => Some(SortRef::Int(e.kind().index() as u64)),
            OrderField::Name => Some(SortRef::Text(&e.name)),
            OrderField::Degree => Some(SortRef::Int(self.degree(key) as u64)),
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

    fn compare_at(
        &self,
        order: Order,
        (a, a_id): (Option<SortRef<'_>>, &str),
        (b, b_id): (Option<SortRef<'_>>, &str),
    ) -> Ordering {
        let by_value = match (a, b) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(a), Some(b)) if order.descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
        };
        by_value.then_with(|| a_id.cmp(b_id))
    }

    fn compare_keys(&self, order: Order, a: EntityKey, b: EntityKey) -> Ordering {
        self.compare_at(
            order,
            (self.sort_value(order, a), self.entity(a).id.as_str()),
            (self.sort_value(order, b), self.entity(b).id.as_str()),
        )
    }
}
