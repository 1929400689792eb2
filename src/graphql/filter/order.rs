//! `orderBy`: its input, the graph's order for it, and the cursors of ordered pages.

use async_graphql::{Enum, InputObject};

use super::bad;
use crate::graph::{Order, OrderField, Position, SortValue};

/// What orders `entities`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum EntityOrderField {
    /// Kind, then id (the default).
    Kind,
    /// Name, in Unicode code point order.
    Name,
    /// The kind's code: a standard's or organization's code, a directive's number, a
    /// location's division code.
    Code,
    /// The kind's date: a standard's or directive's issue date, an event's first day, a batch's
    /// decision, a source's publication (`2018` sorts before `2018-07`).
    Date,
    /// Number of relations.
    Degree,
}

/// A sort direction.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// An order for `entities`. Entities without a value for the field come last in both
/// directions; ties go to the smaller id.
#[derive(InputObject)]
pub struct EntityOrder {
    /// What to sort by.
    field: EntityOrderField,
    /// ASC or DESC.
    #[graphql(default)]
    direction: OrderDirection,
}

/// The graph's order for an `orderBy` (kind then id when omitted).
pub(crate) fn order(order: Option<&EntityOrder>) -> Order {
    match order {
        None => Order::default(),
        Some(o) => Order {
            field: match o.field {
                EntityOrderField::Kind => OrderField::Kind,
                EntityOrderField::Name => OrderField::Name,
                EntityOrderField::Code => OrderField::Code,
                EntityOrderField::Date => OrderField::Date,
                EntityOrderField::Degree => OrderField::Degree,
            },
            descending: o.direction == OrderDirection::Desc,
        },
    }
}

/// An ordered page's cursor: `[order, value, id]` as JSON (opaque to clients).
pub(crate) fn encode_cursor(order: Order, position: &Position) -> String {
    let value = match &position.value {
        None => serde_json::Value::Null,
        Some(SortValue::Int(n)) => serde_json::Value::from(*n),
        Some(SortValue::Date(d)) => serde_json::Value::from(d.to_string()),
        Some(SortValue::Text(t)) => serde_json::Value::from(t.as_str()),
    };
    serde_json::json!([order_name(order), value, position.id]).to_string()
}

fn order_name(order: Order) -> String {
    let field = match order.field {
        OrderField::Kind => "KIND",
        OrderField::Name => "NAME",
        OrderField::Code => "CODE",
        OrderField::Date => "DATE",
        OrderField::Degree => "DEGREE",
    };
    format!("{field} {}", if order.descending { "DESC" } else { "ASC" })
}

/// The position after which an ordered page starts: BAD_USER_INPUT for a string that is not
/// a cursor of this API, or a cursor issued for another order.
pub(crate) fn decode_cursor(order: Order, after: &str) -> async_graphql::Result<Position> {
    let not_ours = || bad(format!("`after` is not a cursor from this API: {after:?}"));
    if !after.starts_with('[') {
        // An entity id: a cursor of the default order.
        return Err(bad(format!(
            "`after` is a cursor of the order KIND ASC (the default), but this page is ordered \
             by {}; start again without `after`",
            order_name(order)
        )));
    }
    let parsed: (String, serde_json::Value, String) =
        serde_json::from_str(after).map_err(|_| not_ours())?;
    let (name, value, id) = parsed;
    if name != order_name(order) {
        return Err(bad(format!(
            "`after` is a cursor of the order {name}, but this page is ordered by {}; start \
             again without `after`",
            order_name(order)
        )));
    }
    let value = match (&value, order.field) {
        (serde_json::Value::Null, _) => None,
        (serde_json::Value::Number(n), OrderField::Kind | OrderField::Degree) => {
            Some(SortValue::Int(n.as_u64().ok_or_else(not_ours)?))
        }
        (serde_json::Value::String(s), OrderField::Date) => {
            Some(SortValue::Date(s.parse().map_err(|_| not_ours())?))
        }
        (serde_json::Value::String(s), OrderField::Name | OrderField::Code) => {
            Some(SortValue::Text(s.clone()))
        }
        _ => return Err(not_ours()),
    };
    Ok(Position { value, id })
}
