//! Spec-correct field errors: every field error gets its `path`, and its null propagates to the
//! nearest nullable parent (GraphQL spec, "Handling Field Errors").
//!
//! async-graphql 7.2.1 does neither on its own (`tests/it/propagate.rs` shows both with a tiny
//! schema): its executor (`resolver_utils/container.rs`, `do_resolve_container`) reports a
//! field's error and simply leaves the field out of its object, whatever the field's type; and
//! a field declared on an `#[derive(Interface)]` and selected directly on the interface
//! (`entity(id:) { relations(...) }`) reports its error without a path (the derive's resolver
//! converts the error with `into_server_error` but never calls `set_error_path`). This module is
//! the one workaround: a pass over the finished response that reads the executed document and
//! the schema's SDL, gives each path-less field error the path of the field it came from, sets
//! each errored field to null and carries the null up while the position is non-null. It costs
//! nothing when a response has no errors.
//!
//! Architecture invariant: this module knows only GraphQL documents, SDL types and responses;
//! nothing of the graph, HTTP or the resolvers.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection,
    SelectionSet, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Pos, Positioned, Value, Variables};

/// The output types of a schema, as its SDL declares them: enough to know, for any field, its
/// type's nullability and list wrapping.
#[derive(Debug, Default)]
pub(crate) struct OutputTypes {
    /// Field types by type name, then field name.
    fields: HashMap<String, HashMap<String, Type>>,
    /// The interface types, each with the interfaces it implements.
    interfaces: HashMap<String, Vec<String>>,
}

impl OutputTypes {
    /// Reads the object and interface types of an SDL document.
    pub(crate) fn from_sdl(sdl: &str) -> Result<Self, async_graphql::parser::Error> {
        let document = async_graphql::parser::parse_schema(sdl)?;
        let mut fields: HashMap<String, HashMap<String, Type>> = HashMap::new();
        let mut interfaces = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(ty) = definition else {
                continue;
            };
            let ty = ty.node;
            let list = match ty.kind {
                TypeKind::Object(object) => object.fields,
                TypeKind::Interface(interface) => {
                    let implements = interface.implements.iter();
                    interfaces.insert(
                        ty.name.node.to_string(),
                        implements.map(|i| i.node.to_string()).collect(),
                    );
                    interface.fields
                }
                _ => continue,
            };
            fields.entry(ty.name.node.to_string()).or_default().extend(
                list.into_iter()
                    .map(|f| (f.node.name.node.to_string(), f.node.ty.node)),
            );
        }
        Ok(OutputTypes { fields, interfaces })
    }

    /// Whether `name` is an interface type.
    pub(crate) fn is_interface(&self, name: &str) -> bool {
        self.interfaces.contains_key(name)
    }

    /// The interfaces an interface type implements.
    pub(crate) fn implemented_by(&self, name: &str) -> &[String] {
        self.interfaces.get(name).map_or(&[], Vec::as_slice)
    }

    /// Executes a request on `schema` and makes its field errors spec-correct (see [`apply`]).
    pub(crate) async fn execute<Q, M, S>(
        &self,
        schema: &async_graphql::Schema<Q, M, S>,
        request: async_graphql::Request,
    ) -> async_graphql::Response
    where
        Q: async_graphql::ObjectType + 'static,
        M: async_graphql::ObjectType + 'static,
        S: async_graphql::SubscriptionType + 'static,
    {
        let executed = Executed::of(&request);
        let mut request = request;
        let guarded = super::empty_objects::guard(&mut request);
        let mut response = schema.execute(request).await;
        if guarded {
            super::empty_objects::strip(&mut response.data);
        }
        super::introspection::complete(schema, self, &executed, &mut response).await;
        apply(self, &executed, &mut response);
        response
    }

    /// The declared type of `field` on `type_name`; the meta fields every type has included.
    fn field(&self, type_name: &str, field: &str) -> Option<Type> {
        if field == "__typename" {
            return Some(named("String", false));
        }
        if let Some(ty) = self.fields.get(type_name).and_then(|f| f.get(field)) {
            return Some(ty.clone());
        }
        match field {
            "__schema" => Some(named("__Schema", false)),
            "__type" => Some(named("__Type", true)),
            _ => None,
        }
    }
}

fn named(name: &str, nullable: bool) -> Type {
    Type {
        base: BaseType::Named(Name::new(name)),
        nullable,
    }
}

/// What [`apply`] needs of the request, taken before the request is executed.
pub(crate) struct Executed {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
}

impl Executed {
    /// Keeps the parts of a request that say what was executed.
    fn of(request: &async_graphql::Request) -> Self {
        Executed {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
        }
    }

    /// A document without variables, of one operation.
    pub(crate) fn new(query: String) -> Self {
        Executed {
            query,
            operation_name: None,
            variables: Variables::default(),
        }
    }

    /// The document's text.
    pub(crate) fn query(&self) -> &str {
        &self.query
    }

    /// The parsed document (it executed, so it parses; `None` otherwise).
    pub(crate) fn parse(&self) -> Option<ExecutableDocument> {
        async_graphql::parser::parse_query(&self.query).ok()
    }
}

/// Gives every field error a path and propagates its null (see the module doc).
fn apply(types: &OutputTypes, executed: &Executed, response: &mut async_graphql::Response) {
    if response.errors.is_empty() || matches!(response.data, Value::Null) {
        return;
    }
    let Some(document) = executed.parse() else {
        return;
    };
    let Some(walk) = Walk::new(types, &document, executed) else {
        return;
    };
    walk.assign_paths(&response.data, &mut response.errors);
    let mut targets: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|e| !e.path.is_empty())
        .filter_map(|e| walk.null_target(&e.path))
        .collect();
    // Outermost first, so an inner target under an already-nulled one finds null and stops.
    targets.sort_by_key(Vec::len);
    for target in targets {
        set_null(&mut response.data, &target, &walk);
    }
}

fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

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
    fn null_target(&self, path: &[PathSegment]) -> Option<Vec<PathSegment>> {
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
    fn assign_paths(&self, data: &Value, errors: &mut [async_graphql::ServerError]) {
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
fn set_null(data: &mut Value, path: &[PathSegment], walk: &Walk<'_>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_own_sdl_gives_the_types() {
        // ReeSchema falls back to no types (no propagation) if this ever fails.
        let types = OutputTypes::from_sdl(&crate::graphql::sdl()).expect("the SDL parses");
        assert!(types.field("Query", "entity").is_some_and(|t| t.nullable));
        assert!(
            types
                .field("Query", "entities")
                .is_some_and(|t| !t.nullable)
        );
        assert!(types.is_interface("Entity") && types.is_interface("Node"));
        assert_eq!(types.implemented_by("Entity"), ["Node".to_owned()]);
        assert!(types.implemented_by("Node").is_empty());
    }
}
