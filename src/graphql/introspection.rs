//! `__Type.interfaces` for interface types, which async-graphql 7.2.1 answers with null.
//!
//! Since the 2021 spec an interface may implement interfaces, and introspection lists them in
//! `interfaces` (a list, empty when there are none) for INTERFACE types as for OBJECT types.
//! async-graphql writes `interface Entity implements Node` in the SDL, but its `__Type.interfaces`
//! (`model/type.rs`) answers only for object types, so tools that rebuild the schema from
//! introspection lose `implements Node`. This pass fills the gap on the finished response: for
//! each `__Type` of an interface whose `interfaces` came back null, it answers the client's own
//! sub-selection for each implemented interface with a second introspection query
//! (`__type(name:)`), and an empty list when there is none. It runs only for documents that
//! mention `interfaces`.
//!
//! Architecture invariant: knows GraphQL introspection and documents only.

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;

use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::{Name, ObjectType, PathSegment, Schema, SubscriptionType, Value};

use super::propagate::{Executed, OutputTypes, Walk};

/// An interface's `__Type` whose `interfaces` must be filled in.
struct Gap<'a> {
    /// Where its `interfaces` value sits in the response.
    path: Vec<PathSegment>,
    /// The interface it describes.
    type_name: String,
    /// The client's selection under `interfaces`.
    selection: Vec<&'a SelectionSet>,
}

/// Fills in `interfaces` of interface types in an introspection response (see the module doc).
pub(crate) fn complete<'a, Q, M, S>(
    schema: &'a Schema<Q, M, S>,
    types: &'a OutputTypes,
    executed: &'a Executed,
    response: &'a mut async_graphql::Response,
) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Box::pin(async move {
        if !executed.query().contains("interfaces") || matches!(response.data, Value::Null) {
            return;
        }
        let Some(document) = executed.parse() else {
            return;
        };
        let Some(walk) = Walk::new(types, &document, executed) else {
            return;
        };
        let mut gaps = Vec::new();
        let root = vec![walk.root()];
        find_gaps(
            &walk,
            &response.data,
            &root,
            "Query",
            None,
            &mut Vec::new(),
            &mut gaps,
        );
        for gap in gaps {
            let mut selection = String::new();
            for set in &gap.selection {
                print_set(&walk, set, &mut selection);
            }
            let mut list = Vec::new();
            for interface in types.implemented_by(&gap.type_name) {
                let query = format!("{{ __type(name: \"{interface}\") {selection} }}");
                let second = Executed::new(query.clone());
                let mut answer = schema.execute(async_graphql::Request::new(query)).await;
                complete(schema, types, &second, &mut answer).await;
                if let Value::Object(mut data) = answer.data
                    && let Some(ty) = data.shift_remove("__type")
                {
                    list.push(ty);
                }
            }
            if let Some(slot) = slot(&mut response.data, &gap.path) {
                *slot = Value::List(list);
            }
        }
    })
}

/// The introspection type of a field of an introspection type (or of the root's `__schema` and
/// `__type`).
fn child_type(parent: &str, field: &str) -> Option<&'static str> {
    Some(match (parent, field) {
        ("Query", "__schema") => "__Schema",
        ("Query", "__type")
        | ("__Schema", "types" | "queryType" | "mutationType" | "subscriptionType")
        | ("__Type", "interfaces" | "possibleTypes" | "ofType")
        | ("__Field" | "__InputValue", "type") => "__Type",
        ("__Schema", "directives") => "__Directive",
        ("__Directive" | "__Field", "args") | ("__Type", "inputFields") => "__InputValue",
        ("__Type", "fields") => "__Field",
        _ => return None,
    })
}

/// The selected fields of a scope, grouped by response key in selection order.
fn grouped<'a>(walk: &Walk<'a>, sets: &[&'a SelectionSet]) -> Vec<(Name, Vec<&'a Field>)> {
    fn collect<'a>(walk: &Walk<'a>, set: &'a SelectionSet, out: &mut Vec<(Name, Vec<&'a Field>)>) {
        for selection in &set.items {
            if !walk.included(selection) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, fields)) => fields.push(&field.node),
                        None => out.push((key, vec![&field.node])),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(set) = walk.fragment(&spread.node.fragment_name.node) {
                        collect(walk, set, out);
                    }
                }
                Selection::InlineFragment(inline) => {
                    collect(walk, &inline.node.selection_set.node, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for set in sets {
        collect(walk, set, &mut out);
    }
    out
}

fn find_gaps<'a>(
    walk: &Walk<'a>,
    value: &Value,
    sets: &[&'a SelectionSet],
    ty: &str,
    known_name: Option<String>,
    path: &mut Vec<PathSegment>,
    gaps: &mut Vec<Gap<'a>>,
) {
    let object = match value {
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                find_gaps(walk, item, sets, ty, known_name.clone(), path, gaps);
                path.pop();
            }
            return;
        }
        Value::Object(object) => object,
        _ => return,
    };
    let fields = grouped(walk, sets);
    let name = fields
        .iter()
        .find(|(_, f)| f[0].name.node == "name")
        .and_then(|(key, _)| match object.get(key) {
            Some(Value::String(name)) => Some(name.clone()),
            _ => None,
        })
        .or(known_name);
    for (key, group) in &fields {
        let field = group[0];
        let Some(child) = object.get(key) else {
            continue;
        };
        if ty == "__Type" && field.name.node == "interfaces" && *child == Value::Null {
            if let Some(name) = name.as_deref().filter(|n| walk.types().is_interface(n)) {
                let mut at = path.clone();
                at.push(PathSegment::Field(key.to_string()));
                gaps.push(Gap {
                    path: at,
                    type_name: name.to_owned(),
                    selection: group.iter().map(|f| &f.selection_set.node).collect(),
                });
            }
            continue;
        }
        let Some(child_ty) = child_type(ty, &field.name.node) else {
            continue;
        };
        let child_name = (ty == "Query" && field.name.node == "__type")
            .then(|| walk.argument(field, "name"))
            .flatten()
            .and_then(|v| match v {
                Value::String(s) => Some(s),
                _ => None,
            });
        let child_sets: Vec<&'a SelectionSet> =
            group.iter().map(|f| &f.selection_set.node).collect();
        path.push(PathSegment::Field(key.to_string()));
        find_gaps(walk, child, &child_sets, child_ty, child_name, path, gaps);
        path.pop();
    }
}

/// Writes a selection set as GraphQL text: fragments inlined, variables replaced by their values,
/// `@skip`/`@include` already applied.
fn print_set(walk: &Walk<'_>, set: &SelectionSet, out: &mut String) {
    out.push_str("{ ");
    for selection in &set.items {
        if !walk.included(selection) {
            continue;
        }
        match &selection.node {
            Selection::Field(field) => {
                let field = &field.node;
                if let Some(alias) = &field.alias {
                    let _ = write!(out, "{}: ", alias.node);
                }
                out.push_str(&field.name.node);
                let arguments: Vec<String> = field
                    .arguments
                    .iter()
                    .filter_map(|(name, _)| {
                        walk.argument(field, &name.node)
                            .map(|value| format!("{}: {value}", name.node))
                    })
                    .collect();
                if !arguments.is_empty() {
                    let _ = write!(out, "({})", arguments.join(", "));
                }
                out.push(' ');
                if !field.selection_set.node.items.is_empty() {
                    print_set(walk, &field.selection_set.node, out);
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(set) = walk.fragment(&spread.node.fragment_name.node) {
                    out.push_str("... ");
                    print_set(walk, set, out);
                }
            }
            Selection::InlineFragment(inline) => {
                out.push_str("... ");
                print_set(walk, &inline.node.selection_set.node, out);
            }
        }
    }
    out.push_str("} ");
}

fn slot<'v>(data: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    let mut value = data;
    for segment in path {
        value = match (segment, value) {
            (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str())?,
            (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}
