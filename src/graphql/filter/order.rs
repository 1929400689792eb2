//! `orderBy`: its input (one key, or a list of keys compared in turn: GraphQL's input coercion
//! reads a single object as a list of one), the graph's order for it, and the cursors of
//! ordered pages.

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
    /// A standard's level, in the order of `StandardLevel`'s values.
    Level,
    /// A standard's or batch's status, in the order of `StandardStatus`'s values.
    Status,
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

/// Most keys in one `orderBy`.
pub const MAX_ORDER_KEYS: usize = 4;

/// The graph's order for an `orderBy` (kind then id when omitted or empty): LIMIT_EXCEEDED
/// beyond [`MAX_ORDER_KEYS`] keys.
pub(crate) fn order(order: Option<&[EntityOrder]>) -> async_graphql::Result<Vec<Order>> {
    let keys = order.unwrap_or_default();
    if keys.len() > MAX_ORDER_KEYS {
        return Err(crate::graphql::error(
            crate::graphql::ErrorCode::LimitExceeded,
            format!(
                "`orderBy` has {} keys, above its maximum of {MAX_ORDER_KEYS}",
                keys.len()
            ),
        ));
    }
    let orders: Vec<Order> = keys
        .iter()
        .map(|o| Order {
            field: match o.field {
                EntityOrderField::Kind => OrderField::Kind,
                EntityOrderField::Name => OrderField::Name,
                EntityOrderField::Code => OrderField::Code,
                EntityOrderField::Date => OrderField::Date,
                EntityOrderField::Degree => OrderField::Degree,
                EntityOrderField::Level => OrderField::Level,
                EntityOrderField::Status => OrderField::Status,
            },
            descending: o.direction == OrderDirection::Desc,
        })
        .collect();
    Ok(if orders == [Order::default()] {
        Vec::new()
    } else {
        orders
    })
}

fn json_value(value: &Option<SortValue>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(SortValue::Int(n)) => serde_json::Value::from(*n),
        Some(SortValue::Date(d)) => serde_json::Value::from(d.to_string()),
        Some(SortValue::Text(t)) => serde_json::Value::from(t.as_str()),
    }
}

/// An ordered page's cursor: `[order, value, id]` as JSON for one key, `[order, [values],
/// id]` for several (opaque to clients).
pub(crate) fn encode_cursor(orders: &[Order], position: &Position) -> String {
    cursor_parts(orders, position).to_string()
}

/// An ordered relationship list's cursor: an entity cursor of the other end, then what tells
/// the entity's relations to it apart (`tie`).
pub(crate) fn encode_list_cursor(orders: &[Order], position: &Position, tie: &str) -> String {
    let mut parts = cursor_parts(orders, position);
    if let serde_json::Value::Array(parts) = &mut parts {
        parts.push(serde_json::Value::from(tie));
    }
    parts.to_string()
}

fn cursor_parts(orders: &[Order], position: &Position) -> serde_json::Value {
    let value = match position.values.as_slice() {
        [one] => json_value(one),
        values => serde_json::Value::from_iter(values.iter().map(json_value)),
    };
    serde_json::json!([order_name(orders), value, position.id])
}

fn order_name(orders: &[Order]) -> String {
    if orders.is_empty() {
        return order_name(&[Order::default()]);
    }
    let names: Vec<String> = orders
        .iter()
        .map(|o| {
            let field = match o.field {
                OrderField::Kind => "KIND",
                OrderField::Name => "NAME",
                OrderField::Code => "CODE",
                OrderField::Date => "DATE",
                OrderField::Degree => "DEGREE",
                OrderField::Level => "LEVEL",
                OrderField::Status => "STATUS",
            };
            format!("{field} {}", if o.descending { "DESC" } else { "ASC" })
        })
        .collect();
    names.join(", ")
}

/// The position after which an ordered page starts: BAD_USER_INPUT for a string that is not
/// a cursor of this API, or a cursor issued for another order.
pub(crate) fn decode_cursor(orders: &[Order], after: &str) -> async_graphql::Result<Position> {
    let (position, tie) = decode(orders, after)?;
    match tie {
        None => Ok(position),
        Some(_) => Err(not_ours(after)),
    }
}

/// The position and tie of an ordered relationship list's cursor (see
/// [`encode_list_cursor`]); refused like [`decode_cursor`]'s.
pub(crate) fn decode_list_cursor(
    orders: &[Order],
    after: &str,
) -> async_graphql::Result<(Position, String)> {
    match decode(orders, after)? {
        (position, Some(tie)) => Ok((position, tie)),
        (_, None) => Err(not_ours(after)),
    }
}

fn not_ours(after: &str) -> async_graphql::Error {
    bad(format!("`after` is not a cursor from this API: {after:?}"))
}

fn decode(orders: &[Order], after: &str) -> async_graphql::Result<(Position, Option<String>)> {
    let not_ours = || not_ours(after);
    if !after.starts_with('[') {
        // An entity id: a cursor of the default order.
        return Err(bad(format!(
            "`after` is a cursor of the order KIND ASC (the default), but this page is ordered \
             by {}; start again without `after`",
            order_name(orders)
        )));
    }
    let parsed: Vec<serde_json::Value> = serde_json::from_str(after).map_err(|_| not_ours())?;
    let mut parts = parsed.into_iter();
    let (Some(serde_json::Value::String(name)), Some(value), Some(serde_json::Value::String(id))) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(not_ours());
    };
    let tie = match (parts.next(), parts.next()) {
        (None, None) => None,
        (Some(serde_json::Value::String(tie)), None) => Some(tie),
        _ => return Err(not_ours()),
    };
    if name != order_name(orders) {
        return Err(bad(format!(
            "`after` is a cursor of the order {name}, but this page is ordered by {}; start \
             again without `after`",
            order_name(orders)
        )));
    }
    let values = match (orders, value) {
        ([_], value) => vec![value],
        (_, serde_json::Value::Array(values)) if values.len() == orders.len() => values,
        _ => return Err(not_ours()),
    };
    let values = orders
        .iter()
        .zip(values)
        .map(|(o, value)| sort_value(o.field, value).ok_or_else(not_ours))
        .collect::<async_graphql::Result<Vec<_>>>()?;
    Ok((Position { values, id }, tie))
}

/// A cursor's JSON value as a sort value of `field` (`Some(None)`: no value; `None`: not one).
fn sort_value(field: OrderField, value: serde_json::Value) -> Option<Option<SortValue>> {
    Some(match (value, field) {
        (serde_json::Value::Null, _) => None,
        (
            serde_json::Value::Number(n),
            OrderField::Kind | OrderField::Degree | OrderField::Level | OrderField::Status,
        ) => Some(SortValue::Int(n.as_u64()?)),
        (serde_json::Value::String(s), OrderField::Date) => Some(SortValue::Date(s.parse().ok()?)),
        (serde_json::Value::String(s), OrderField::Name | OrderField::Code) => {
            Some(SortValue::Text(s))
        }
        _ => return None,
    })
}
