//! The Relay `Node` interface as the root fields return it, registered so that the schema says
//! `interface Entity implements Node` while `Node.possibleTypes` lists only object types.
//!
//! async-graphql's `#[derive(Interface)]` has no option for an interface that implements another,
//! and its variants are what it lists as possible types. So `Node`'s variants are the kinds'
//! object types only, and [`NodeValue`], the type `node` and `nodes` return, registers the
//! `Entity` interface and its `implements Node` before `Node` itself. Registering `Entity` first
//! matters for another reason: a kind's type copies the fields of `EntityBase`, and a copy taken
//! while `EntityBase` is still being registered (as when a kind is first reached from `Node`,
//! through `EntityBase.relations` -> `Relation.from` -> `Entity`) comes out empty, leaving kinds
//! without `id`, `name`, `citations` and the other shared fields. The committed SDL and
//! `tests/it/introspection.rs` catch either mistake.
//!
//! Architecture invariant: registration and delegation only; no resolver logic.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};

use super::entity::{Entity, Node};

/// A `Node` as returned by `node` and `nodes`; resolves exactly as the `Node` it holds.
pub struct NodeValue<'a>(pub(crate) Node<'a>);

impl OutputType for NodeValue<'_> {
    fn type_name() -> Cow<'static, str> {
        <Node<'static> as OutputType>::type_name()
    }

    fn introspection_type_name(&self) -> Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Entity<'static> as OutputType>::create_type_info(registry);
        let entity = <Entity<'static> as OutputType>::type_name();
        let node = <Node<'static> as OutputType>::type_name();
        registry.add_implements(&entity, &node);
        <Node<'static> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        self.0.resolve(ctx, field).await
    }
}
