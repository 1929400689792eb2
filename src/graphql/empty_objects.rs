//! Objects whose selection collects no field for their runtime type are `{}`, not null.
//!
//! `{ relations { edges { node { from { ... on Mineral { symbol } } } } } }` selects nothing of
//! a `from` that is a Standard. The spec answers `"from": {}`; async-graphql 7.2.1
//! (`resolver_utils/container.rs`, `do_resolve_container`) answers `null` for an object that
//! resolved no field, even in a non-null position (`from: Entity!`), and the client cannot tell
//! it from "no such entity". The guard: before execution, each selection set whose every field
//! depends on a type condition or a directive gets one more field, `__typename` under a reserved
//! alias, so that no object resolves empty; after execution, that key is taken out again. Other
//! documents are not touched, and only documents with a fragment or a directive are parsed here.
//!
//! Architecture invariant: knows GraphQL documents and responses only.

use async_graphql::parser::types::{DocumentOperations, Field, Selection, SelectionSet};
use async_graphql::{Name, Positioned, Value};

/// The alias of the added `__typename`.
const KEY: &str = "reegraphGuardTypename";

/// Adds the guard field where a selection set could collect nothing; whether it added any.
pub(crate) fn guard(request: &mut async_graphql::Request) -> bool {
    if !(request.query.contains("...") || request.query.contains('@')) {
        return false;
    }
    let Ok(document) = request.parsed_query() else {
        return false; // execution reports the parse error
    };
    let mut document = document.clone();
    let mut added = false;
    match &mut document.operations {
        DocumentOperations::Single(op) => added |= guard_set(&mut op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => {
            for op in ops.values_mut() {
                added |= guard_set(&mut op.node.selection_set.node);
            }
        }
    }
    for fragment in document.fragments.values_mut() {
        // A fragment's own set is part of its parent's, which gets the guard if it needs one.
        for item in &mut fragment.node.selection_set.node.items {
            added |= guard_below(&mut item.node);
        }
    }
    if added {
        request.set_parsed_query(document);
    }
    added
}

/// Takes the guard field out of every object of a response.
pub(crate) fn strip(value: &mut Value) {
    match value {
        Value::Object(object) => {
            object.shift_remove(KEY);
            object.values_mut().for_each(strip);
        }
        Value::List(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

fn guard_set(set: &mut SelectionSet) -> bool {
    let mut added = false;
    for item in &mut set.items {
        added |= guard_below(&mut item.node);
    }
    let unconditional = set
        .items
        .iter()
        .any(|item| matches!(&item.node, Selection::Field(f) if f.node.directives.is_empty()));
    if !unconditional {
        set.items.push(at(Selection::Field(at(Field {
            alias: Some(at(Name::new(KEY))),
            name: at(Name::new("__typename")),
            arguments: Vec::new(),
            directives: Vec::new(),
            selection_set: at(SelectionSet::default()),
        }))));
        added = true;
    }
    added
}

fn at<T>(node: T) -> Positioned<T> {
    Positioned::new(node, Default::default())
}

/// Guards the object selection sets under a selection.
fn guard_below(selection: &mut Selection) -> bool {
    match selection {
        Selection::Field(field) if !field.node.selection_set.node.items.is_empty() => {
            guard_set(&mut field.node.selection_set.node)
        }
        Selection::InlineFragment(inline) => {
            let mut added = false;
            for item in &mut inline.node.selection_set.node.items {
                added |= guard_below(&mut item.node);
            }
            added
        }
        Selection::Field(_) | Selection::FragmentSpread(_) => false,
    }
}
