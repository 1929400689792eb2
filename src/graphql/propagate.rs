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
    BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Type, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Value, Variables};

mod walk;

pub(crate) use walk::Walk;
use walk::set_null;

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
