//! The executed operation walked against the schema's output types: which field a response
//! position came from, its type, and where a null lands (see the parent module's doc).

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet, Type,
};
use async_graphql::{Name, PathSegment, Pos, Positioned, Value, Variables};

use super::{Executed, OutputTypes, operation};

/// The executed operation, read against the schema's types.
pub(crate) struct Walk<'a> {
    types: &'a OutputTypes,
    document: &'a ExecutableDocument,
    variables: &'a Variables,
    operation: &'a OperationDefinition,
}

/// Selection sets that apply at one response position, each with the type to look fields up in.
type Scope<'a> = Vec<(&'a SelectionSet, String)>;

impl<'a> Walk<'a> {
    /// The operation `executed` ran, in its parsed `document`.
    pub(crate) fn new(
        types: &'a OutputTypes,
        document: &'a ExecutableDocument,
        executed: &'a Executed,
    ) -> Option<Self> {
        Some(Walk {
            types,
            document,
            variables: &executed.variables,
            operation: operation(document, executed.operation_name.as_deref())?,
        })
    }

    /// The schema's types.
    pub(crate) fn types(&self) -> &'a OutputTypes {
        self.types
    }

    /// The operation's selection set.
    pub(crate) fn root(&self) -> &'a SelectionSet {
        &self.operation.selection_set.node
    }

    /// A fragment's selection set.
    pub(crate) fn fragment(&self, name: &Name) -> Option<&'a SelectionSet> {
        self.document
            .fragments
            .get(name)
            .map(|f| &f.node.selection_set.node)
    }

    /// A field's argument, with variables replaced by their values.
    pub(crate) fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        field
            .get_argument(name)
            .and_then(|v| v.node.clone().into_const_with(|n| self.variable(&n)).ok())
    }

    /// The fields with response key `key` in a scope, each with the type that declares it.
    fn fields_with_key(&self, scope: &Scope<'a>, key: &str) -> Vec<(&'a Field, String)> {
        let mut found = Vec::new();
        for (set, ty) in scope {
            self.collect_key(set, ty, key, &mut found);
        }
        found
    }

    fn collect_key(
        &self,
        set: &'a SelectionSet,
        ty: &str,
        key: &str,
        found: &mut Vec<(&'a Field, String)>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.response_key().node == key {
                        found.push((&field.node, ty.to_owned()));
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        let on = fragment.node.type_condition.node.on.node.to_string();
                        self.collect_key(&fragment.node.selection_set.node, &on, key, found);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or_else(|| ty.to_owned(), |c| c.node.on.node.to_string());
                    self.collect_key(&inline.node.selection_set.node, &on, key, found);
                }
            }
        }
    }

    /// The response keys of a scope, in selection order (the order of a response object).
    fn key_order(&self, scope: &Scope<'a>) -> Vec<Name> {
        fn walk<'a>(w: &Walk<'a>, set: &'a SelectionSet, out: &mut Vec<Name>) {
            for selection in &set.items {
                match &selection.node {
                    Selection::Field(field) => {
                        let key = &field.node.response_key().node;
                        if !out.contains(key) {
                            out.push(key.clone());
                        }
                    }
                    Selection::FragmentSpread(spread) => {
                        if let Some(f) = w.document.fragments.get(&spread.node.fragment_name.node) {
                            walk(w, &f.node.selection_set.node, out);
                        }
                    }
                    Selection::InlineFragment(inline) => {
                        walk(w, &inline.node.selection_set.node, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (set, _) in scope {
            walk(self, set, &mut out);
        }
        out
    }

    /// Follows a response path through the document: for each position, its declared type, and
    /// for object positions the scope below them. `None` when a step names no selected field.
    fn positions(&self, path: &[PathSegment]) -> Option<Vec<(Type, Scope<'a>)>> {
        let mut out: Vec<(Type, Scope<'a>)> = Vec::with_capacity(path.len());
        let mut scope: Scope<'a> = vec![(&self.operation.selection_set.node, "Query".to_owned())];
        let mut current: Option<Type> = None;
        for segment in path {
            match segment {
                PathSegment::Field(key) => {
                    let fields = self.fields_with_key(&scope, key);
                    let (field, parent) = fields.first()?;
                    let ty = self.types.field(parent, &field.name.node)?;
                    let named = base_name(&ty).to_owned();
                    scope = fields
                        .iter()
                        .map(|(f, _)| (&f.selection_set.node, named.clone()))
                        .collect();
                    current = Some(ty);
                }
                PathSegment::Index(_) => {
                    let BaseType::List(item) = current?.base else {
                        return None;
                    };
                    current = Some(*item);
                }
            }
            out.push((current.clone()?, scope.clone()));
        }
        Some(out)
    }

    /// The position that must become null for an error at `path`: the path itself, or its
    /// nearest nullable ancestor; the empty path when that is the whole `data`.
    pub(super) fn null_target(&self, path: &[PathSegment]) -> Option<Vec<PathSegment>> {
        let positions = self.positions(path)?;
        let mut end = path.len();
        while end > 0 && !positions[end - 1].0.nullable {
            end -= 1;
        }
        Some(path[..end].to_vec())
    }

    /// Gives each path-less error that points at a field (by its location) the response path of
    /// that field: the places where the field is missing from an object that selected it, in
    /// document order (or, when the whole object came back null, that object's place).
    pub(super) fn assign_paths(&self, data: &Value, errors: &mut [async_graphql::ServerError]) {
        let mut by_location: HashMap<Pos, Vec<usize>> = HashMap::new();
        for (i, error) in errors.iter().enumerate() {
            if error.path.is_empty()
                && let Some(pos) = error.locations.first()
            {
                by_location.entry(*pos).or_default().push(i);
            }
        }
        for (pos, indexes) in by_location {
            let mut missing = Vec::new();
            let mut under_null = Vec::new();
            let mut path = Vec::new();
            self.find(
                data,
                &self.operation.selection_set.node,
                pos,
                &mut path,
                &mut missing,
                &mut under_null,
            );
            let candidates = missing.into_iter().chain(under_null);
            for (i, path) in indexes.into_iter().zip(candidates) {
                errors[i].path = path;
            }
        }
    }

    /// Collects where the field at `pos` is missing under `value` (an object of the scope `set`).
    fn find(
        &self,
        value: &Value,
        set: &'a SelectionSet,
        pos: Pos,
        path: &mut Vec<PathSegment>,
        missing: &mut Vec<Vec<PathSegment>>,
        under_null: &mut Vec<Vec<PathSegment>>,
    ) {
        for selection in &set.items {
            if !self.included(selection) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.to_string();
                    match value {
                        Value::Object(object) => match object.get(key.as_str()) {
                            None if field.pos == pos => {
                                let mut at = path.clone();
                                at.push(PathSegment::Field(key));
                                missing.push(at);
                            }
                            Some(child) if !field.node.selection_set.node.items.is_empty() => {
                                path.push(PathSegment::Field(key));
                                self.find_in(
                                    child,
                                    &field.node.selection_set.node,
                                    pos,
                                    path,
                                    missing,
                                    under_null,
                                );
                                path.pop();
                            }
                            _ => {}
                        },
                        Value::Null if field.pos == pos => {
                            let mut at = path.clone();
                            at.push(PathSegment::Field(key));
                            under_null.push(at);
                        }
                        _ => {}
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) =
                        self.document.fragments.get(&spread.node.fragment_name.node)
                    {
                        self.find(
                            value,
                            &fragment.node.selection_set.node,
                            pos,
                            path,
                            missing,
                            under_null,
                        );
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.find(
                        value,
                        &inline.node.selection_set.node,
                        pos,
                        path,
                        missing,
                        under_null,
                    );
                }
            }
        }
    }

    /// [`Walk::find`] through the list levels of a field's value.
    fn find_in(
        &self,
        value: &Value,
        set: &'a SelectionSet,
        pos: Pos,
        path: &mut Vec<PathSegment>,
        missing: &mut Vec<Vec<PathSegment>>,
        under_null: &mut Vec<Vec<PathSegment>>,
    ) {
        match value {
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathSegment::Index(i));
                    self.find_in(item, set, pos, path, missing, under_null);
                    path.pop();
                }
            }
            _ => self.find(value, set, pos, path, missing, under_null),
        }
    }

    /// Whether `@skip`/`@include` let a selection run.
    pub(crate) fn included(&self, selection: &Positioned<Selection>) -> bool {
        let directives = match &selection.node {
            Selection::Field(f) => &f.node.directives,
            Selection::FragmentSpread(s) => &s.node.directives,
            Selection::InlineFragment(i) => &i.node.directives,
        };
        directives.iter().all(|d| {
            let condition = || {
                d.node.get_argument("if").and_then(|v| {
                    v.node
                        .clone()
                        .into_const_with(|name| self.variable(&name))
                        .ok()
                })
            };
            match d.node.name.node.as_str() {
                "skip" => condition() != Some(Value::Boolean(true)),
                "include" => condition() != Some(Value::Boolean(false)),
                _ => true,
            }
        })
    }

    fn variable(&self, name: &Name) -> Result<Value, ()> {
        if let Some(value) = self.variables.get(name) {
            return Ok(value.clone());
        }
        self.operation
            .variable_definitions
            .iter()
            .find(|d| d.node.name.node == *name)
            .and_then(|d| d.node.default_value.as_ref())
            .map(|v| v.node.clone())
            .ok_or(())
    }
}

fn base_name(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => base_name(item),
    }
}

/// Sets the value at `path` to null (the whole `data` for the empty path). A path that runs into
/// a null on the way is already covered. A missing key is inserted where the selection orders it.
pub(super) fn set_null(data: &mut Value, path: &[PathSegment], walk: &Walk<'_>) {
    let Some((last, parents)) = path.split_last() else {
        *data = Value::Null;
        return;
    };
    let mut value = data;
    for segment in parents {
        let next = match (segment, value) {
            (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str()),
            (PathSegment::Index(i), Value::List(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(next) => value = next,
            None => return,
        }
    }
    match (last, value) {
        (PathSegment::Index(i), Value::List(items)) => {
            if let Some(item) = items.get_mut(*i) {
                *item = Value::Null;
            }
        }
        (PathSegment::Field(key), Value::Object(object)) => {
            let name = Name::new(key);
            if let Some(slot) = object.get_mut(&name) {
                *slot = Value::Null;
                return;
            }
            let order = walk
                .positions(parents)
                .and_then(|p| p.last().map(|(_, scope)| walk.key_order(scope)))
                .unwrap_or_else(|| {
                    walk.key_order(&vec![(
                        &walk.operation.selection_set.node,
                        "Query".to_owned(),
                    )])
                });
            let rank = |k: &Name| order.iter().position(|o| o == k).unwrap_or(usize::MAX);
            let mine = rank(&name);
            let index = object.keys().take_while(|k| rank(k) < mine).count();
            object.shift_insert(index, name, Value::Null);
        }
        _ => {}
    }
}
