//! The cost model: a worst-case estimate of the size of the answer a document asks for,
//! computed on the parsed document before validation, so that a request whose answer would
//! explode is refused before anything runs. It is the only complexity system: async-graphql's
//! own (`limit_complexity`) is not used, as it cannot weigh interface fields and spends seconds
//! on fragment bombs.
//!
//! The estimate counts the fields of the response when every list is full. Each selected field
//! costs 1 plus its selection's cost times its length:
//! - a field returning a list costs its selection times its count arguments (`first`, `limit`,
//!   as given, from the request's variables, or from the schema's defaults); `ids` counts its
//!   length;
//! - a field returning a page object (a Relay connection, a `Subgraph`) costs its selection
//!   once, and the page's lists (`edges`, `nodes`; `entities`, `relations`) cost their selection
//!   times the count the page was asked with: `first: 20` is 20 edges, not 20 connections of
//!   some guessed number of edges each;
//! - a path's lists (`hops`, `relations`, `entities`) count at the `maxHops` of the `paths` or
//!   `related` that returned it (`maxHops` + 1 for the entities);
//! - any other list field (citations, typed relationship lists) counts at
//!   [`CostModel::list_estimate`]: nothing bounds those lists but the data.
//!
//! The traversal work itself is bounded by the traversal budget, not by this model. Field types
//! come from the schema's own SDL, so interface fields (`Entity.relations`) are weighed like
//! object fields. Fragments are costed once each (memoized), so fragment bombs cost nothing to
//! measure. Only the operation that runs is costed.
//!
//! Architecture invariant: knows the schema's shape (its SDL and the names of its page types),
//! nothing of HTTP or the graph.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Field, OperationDefinition, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, Variables};
use async_graphql_value::{ConstValue, Value};

/// Arguments whose value multiplies the cost of a field's selection.
const COUNT_ARGUMENTS: [&str; 2] = ["first", "limit"];

use crate::graph::SUBGRAPH_RELATIONS_PER_ENTITY;

/// The argument bounding a path's length.
const MAX_HOPS: &str = "maxHops";

/// Types whose list fields are one page of what the field that returned them was asked for.
const PAGES: [(&str, &[&str]); 3] = [
    ("EntityConnection", &["edges", "nodes"]),
    ("RelationConnection", &["edges", "nodes"]),
    ("Subgraph", &["entities", "relations"]),
];

/// A path's lists, bounded by `maxHops` (its entities by `maxHops` + 1).
const PATH: (&str, [&str; 3]) = ("Path", ["hops", "relations", "entities"]);

/// How a field's list length is bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// Not a list, or an ordinary list (counts or the list estimate).
    Plain,
    /// A page's list: the count its page was asked with.
    Page {
        /// How many items per item asked for (a subgraph's relations: see
        /// [`SUBGRAPH_RELATIONS_PER_ENTITY`]).
        factor: u64,
    },
    /// A path's list: `maxHops`, plus `extra`.
    Hops { extra: u64 },
}

#[derive(Debug, Clone)]
struct FieldInfo {
    /// The named type the field returns (lists unwrapped).
    ty: String,
    list: bool,
    /// Defaults of the count arguments it takes.
    defaults: Vec<(String, u64)>,
    /// The default of its `maxHops`, if it takes one.
    max_hops: Option<u64>,
    /// Whether it takes an `ids` list.
    ids: bool,
    /// Whether it returns a page object (its counts bound the page's lists).
    page: bool,
    /// Whether it is a traversal (`neighborhood`, `paths`, `related`): its work is bounded by
    /// the traversal budget, not by its answer's size.
    traversal: bool,
    bound: Bound,
}

/// The schema's fields, for costing documents.
#[derive(Debug, Clone, Default)]
pub struct CostModel {
    /// Type name, then field name (two levels, so a lookup borrows and allocates nothing).
    fields: HashMap<String, HashMap<String, FieldInfo>>,
    /// The assumed length of a list field nothing else bounds.
    pub list_estimate: u64,
}

/// A field whose count argument multiplies part of the estimate, for saying what to cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multiplier {
    /// The field's path in the document (aliases as written), e.g. `entities.edges.node.relations`.
    pub path: String,
    /// The count argument (`first`, `limit`, `ids`).
    pub argument: &'static str,
    /// Its value.
    pub count: u64,
    /// The part of the estimate it multiplies (its occurrences' selections, all counted).
    pub share: u64,
}

/// An estimate, with what multiplies it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Estimate {
    /// The estimated cost (saturating).
    pub cost: u64,
    /// Whether a variable was read: when not, the cost is the same for every request carrying
    /// this document, whatever its variables.
    pub read_variables: bool,
    /// The fields with count arguments, in document order.
    pub multipliers: Vec<Multiplier>,
    /// How many traversals (`neighborhood`, `paths`, `related`) the operation runs, fragments
    /// expanded (saturating).
    pub traversals: u64,
}

impl Estimate {
    /// How to bring the estimate under `max`: the single count whose reduction does it with
    /// the least cut, worded for a client, e.g. "reduce `first` on `entities` from 50 to 5
    /// (10×)". `None` when no single count can.
    pub fn advice(&self, max: u64) -> Option<String> {
        let excess = self.cost.checked_sub(max).filter(|e| *e > 0)?;
        let mut best: Option<(u64, &Multiplier)> = None;
        for m in &self.multipliers {
            if m.count <= 1 || m.share <= excess {
                continue;
            }
            // The share scales with the count: the largest count that removes the excess.
            let kept = m.share - excess;
            let to = (u128::from(m.count) * u128::from(kept) / u128::from(m.share)) as u64;
            let to = to.max(1);
            let better = best.is_none_or(|(t, b)| to * b.count > t * m.count);
            if better {
                best = Some((to, m));
            }
        }
        let (to, m) = best?;
        // Whole above 10×; one decimal below, where rounding would say "1×".
        let factor = if m.count >= 10 * to {
            (m.count / to).to_string()
        } else {
            format!("{:.1}", m.count as f64 / to as f64)
        };
        Some(format!(
            "reduce `{}` on `{}` from {} to {to} ({factor}×)",
            m.argument, m.path, m.count
        ))
    }
}

impl CostModel {
    /// Reads field types and argument defaults from the schema's SDL.
    pub fn from_sdl(sdl: &str, list_estimate: u64) -> Self {
        let mut fields: HashMap<String, HashMap<String, FieldInfo>> = HashMap::new();
        if let Ok(doc) = async_graphql::parser::parse_schema(sdl) {
            for def in doc.definitions {
                let TypeSystemDefinition::Type(def) = def else {
                    continue;
                };
                let def = def.node;
                let defs = match def.kind {
                    TypeKind::Object(o) => o.fields,
                    TypeKind::Interface(i) => i.fields,
                    _ => continue,
                };
                let type_name = def.name.node.to_string();
                for field in defs {
                    let field = field.node;
                    let (ty, list) = named(&field.ty.node.base);
                    let default_of = |name: &str| {
                        field
                            .arguments
                            .iter()
                            .find(|a| a.node.name.node == name)
                            .map(|a| {
                                a.node
                                    .default_value
                                    .as_ref()
                                    .and_then(|v| count(&v.node))
                                    .unwrap_or(1)
                            })
                    };
                    let defaults = COUNT_ARGUMENTS
                        .iter()
                        .filter_map(|name| default_of(name).map(|d| ((*name).to_owned(), d)))
                        .collect();
                    let name = field.name.node.to_string();
                    let bound = if PAGES
                        .iter()
                        .any(|(t, lists)| *t == type_name && lists.contains(&name.as_str()))
                    {
                        Bound::Page {
                            factor: if type_name == "Subgraph" && name == "relations" {
                                SUBGRAPH_RELATIONS_PER_ENTITY as u64
                            } else {
                                1
                            },
                        }
                    } else if type_name == PATH.0 && PATH.1.contains(&name.as_str()) {
                        Bound::Hops {
                            extra: u64::from(name == "entities"),
                        }
                    } else {
                        Bound::Plain
                    };
                    let info = FieldInfo {
                        traversal: ty == "Subgraph" || default_of(MAX_HOPS).is_some(),
                        page: !list && PAGES.iter().any(|(t, _)| *t == ty),
                        ty,
                        list,
                        defaults,
                        max_hops: default_of(MAX_HOPS),
                        ids: field.arguments.iter().any(|a| a.node.name.node == "ids"),
                        bound,
                    };
                    fields
                        .entry(type_name.clone())
                        .or_default()
                        .insert(name, info);
                }
            }
        }
        CostModel {
            fields,
            list_estimate,
        }
    }

    /// The estimated cost of the operation `operation` names in `doc` (of every operation,
    /// summed, when it names none and there are several: such a request does not run), with
    /// what multiplies it. A variable's value comes from the request, else from its default in
    /// the operation.
    pub fn estimate(
        &self,
        doc: &ExecutableDocument,
        operation: Option<&str>,
        variables: &Variables,
    ) -> Estimate {
        let mut estimate = Estimate::default();
        let chosen: Vec<&OperationDefinition> = match operation {
            Some(name) => doc
                .operations
                .iter()
                .filter(|(n, _)| n.is_some_and(|n| n.as_str() == name))
                .map(|(_, op)| &op.node)
                .collect(),
            None => doc.operations.iter().map(|(_, op)| &op.node).collect(),
        };
        for op in chosen {
            // Defaults of the operation's variables, for names the request leaves out.
            let defaults: Vec<(&str, &ConstValue)> = op
                .variable_definitions
                .iter()
                .filter_map(|definition| {
                    let default = definition.node.default_value.as_ref()?;
                    Some((definition.node.name.node.as_str(), &default.node))
                })
                .collect();
            let mut costing = Costing {
                model: self,
                doc,
                variables,
                defaults: &defaults,
                read_variables: false,
                memo: HashMap::new(),
                path: Vec::new(),
                scale: 1,
                multipliers: Vec::new(),
                traversals: 0,
            };
            let cost = costing.set(&op.selection_set.node, "Query", Bounds::default());
            estimate.cost = estimate.cost.saturating_add(cost);
            estimate.read_variables |= costing.read_variables;
            estimate.multipliers.append(&mut costing.multipliers);
            estimate.traversals = estimate.traversals.saturating_add(costing.traversals);
        }
        estimate
    }

    /// The estimated cost of the whole document (every operation), without variables.
    pub fn cost(&self, doc: &ExecutableDocument, variables: &Variables) -> u64 {
        self.estimate(doc, None, variables).cost
    }
}

fn named(base: &BaseType) -> (String, bool) {
    match base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named(&inner.base).0, true),
    }
}

/// A non-negative integer from a constant; negative counts weigh 1 (the resolver refuses them).
fn count(value: &ConstValue) -> Option<u64> {
    match value {
        ConstValue::Number(n) => n.as_i64().map(|n| u64::try_from(n).unwrap_or(1)),
        _ => None,
    }
}

/// The bounds a selection inherits from the field that returned it.
#[derive(Debug, Clone, Copy, Default)]
struct Bounds {
    /// The count a page was asked with.
    page: Option<u64>,
    /// The `maxHops` of the traversal whose paths are below.
    hops: Option<u64>,
}

/// A fragment under the bounds it inherits (its cost depends on them).
type FragmentKey = (Name, Option<u64>, Option<u64>);

struct Costing<'a> {
    model: &'a CostModel,
    doc: &'a ExecutableDocument,
    /// The request's variables.
    variables: &'a Variables,
    /// The operation's variable defaults, used for names the request leaves out.
    defaults: &'a [(&'a str, &'a ConstValue)],
    /// Whether a variable was read (then the cost depends on the request's variables).
    read_variables: bool,
    /// Fragment costs by bounds; `None` while one is being costed (a cycle, which validation
    /// rejects).
    memo: HashMap<FragmentKey, Option<(u64, u64)>>,
    /// The response path to the field being costed.
    path: Vec<&'a str>,
    /// The product of the multipliers above the field being costed.
    scale: u64,
    multipliers: Vec<Multiplier>,
    /// Traversals counted so far (fragments expanded, through the memo).
    traversals: u64,
}

impl<'a> Costing<'a> {
    /// A variable's value: the request's (even `null`), else the operation's default.
    fn variable(&mut self, name: &str) -> Option<&'a ConstValue> {
        self.read_variables = true;
        let defaults = self.defaults;
        let variables: &'a Variables = self.variables;
        match variables.get(name) {
            Some(value) => Some(value),
            None => defaults.iter().find(|(n, _)| *n == name).map(|(_, v)| *v),
        }
    }

    /// A count argument's value, from a literal or a variable.
    fn count(&mut self, value: &Value) -> Option<u64> {
        match value {
            Value::Variable(name) => self.variable(name.as_str()).and_then(count),
            Value::Number(n) => n.as_i64().map(|n| u64::try_from(n).unwrap_or(1)),
            _ => None,
        }
    }

    fn set(&mut self, set: &'a SelectionSet, ty: &str, bounds: Bounds) -> u64 {
        let model = self.model;
        let fields = model.fields.get(ty);
        let mut total: u64 = 0;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    // Unknown fields (and __typename) cost 1; validation rejects the unknown.
                    let Some(info) = fields.and_then(|fields| fields.get(f.name.node.as_str()))
                    else {
                        total = total.saturating_add(1);
                        continue;
                    };
                    self.field(f, info, bounds)
                }
                Selection::InlineFragment(i) => {
                    let i = &i.node;
                    let on = i
                        .type_condition
                        .as_ref()
                        .map_or(ty, |c| c.node.on.node.as_str());
                    self.set(&i.selection_set.node, on, bounds)
                }
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node, bounds),
            };
            total = total.saturating_add(cost);
        }
        total
    }

    fn field(&mut self, f: &'a Field, info: &FieldInfo, bounds: Bounds) -> u64 {
        if info.traversal {
            self.traversals = self.traversals.saturating_add(self.scale);
        }
        let (multiplier, counted) = self.counts(f, info);
        let (own, inner) = if info.page {
            // A page object: once, its counts bound its lists.
            (
                1,
                Bounds {
                    page: Some(multiplier),
                    ..bounds
                },
            )
        } else {
            let own = match info.bound {
                Bound::Page { factor } => bounds
                    .page
                    .map_or(self.model.list_estimate, |page| page.saturating_mul(factor)),
                Bound::Hops { extra } => bounds
                    .hops
                    .map_or(self.model.list_estimate, |h| h.saturating_add(extra)),
                Bound::Plain if counted.is_some() => multiplier,
                Bound::Plain if info.list => self.model.list_estimate,
                Bound::Plain => 1,
            };
            (own, bounds)
        };
        let inner = match info.max_hops {
            Some(default) => {
                let given = argument(f, MAX_HOPS).and_then(|v| self.count(v));
                Bounds {
                    hops: Some(given.unwrap_or(default).max(1)),
                    ..inner
                }
            }
            None => inner,
        };
        if f.selection_set.node.items.is_empty() {
            return 1;
        }
        let name = f.alias.as_ref().unwrap_or(&f.name).node.as_str();
        self.path.push(name);
        let outer = self.scale;
        let count = if info.page { multiplier } else { own };
        self.scale = outer.saturating_mul(own);
        let children = self.set(&f.selection_set.node, &info.ty, inner);
        self.scale = outer;
        if let Some(argument) = counted {
            self.multipliers.push(Multiplier {
                path: self.path.join("."),
                argument,
                count,
                // A page's children already count its lists at `count`.
                share: outer.saturating_mul(children.saturating_mul(own)),
            });
        }
        self.path.pop();
        children.saturating_mul(own).saturating_add(1)
    }

    /// The product of a field's count arguments, and the name of the first it takes (`None`
    /// when it takes none).
    fn counts(&mut self, f: &Field, info: &FieldInfo) -> (u64, Option<&'static str>) {
        let mut multiplier: u64 = 1;
        let mut counted = None;
        for (name, default) in &info.defaults {
            let given = argument(f, name).and_then(|v| self.count(v));
            multiplier = multiplier.saturating_mul(given.unwrap_or(*default).max(1));
            counted = counted.or(COUNT_ARGUMENTS.iter().copied().find(|a| a == name));
        }
        if info.ids {
            let len = match argument(f, "ids") {
                Some(Value::List(items)) => items.len() as u64,
                Some(Value::Variable(v)) => match self.variable(v.as_str()) {
                    Some(ConstValue::List(items)) => items.len() as u64,
                    _ => 1,
                },
                _ => 1,
            };
            multiplier = multiplier.saturating_mul(len.max(1));
            counted = counted.or(Some("ids"));
        }
        (multiplier, counted)
    }

    /// A fragment's cost, memoized with the traversals it holds, which count once per spread
    /// times the multipliers above it. (Inside a fragment, shares for [`Estimate::advice`] are
    /// relative to the fragment: the advice is approximate there.)
    fn fragment(&mut self, name: &'a Name, bounds: Bounds) -> u64 {
        let key = (name.clone(), bounds.page, bounds.hops);
        let (cost, traversals) = match self.memo.get(&key) {
            Some(Some(known)) => *known,
            Some(None) => return 0,
            None => {
                let doc = self.doc;
                let Some(fragment) = doc.fragments.get(name) else {
                    return 0;
                };
                self.memo.insert(key.clone(), None);
                let on = fragment.node.type_condition.node.on.node.as_str();
                let (outer_scale, outer_traversals) = (self.scale, self.traversals);
                (self.scale, self.traversals) = (1, 0);
                let cost = self.set(&fragment.node.selection_set.node, on, bounds);
                let known = (cost, self.traversals);
                (self.scale, self.traversals) = (outer_scale, outer_traversals);
                self.memo.insert(key, Some(known));
                known
            }
        };
        self.traversals = self
            .traversals
            .saturating_add(traversals.saturating_mul(self.scale));
        cost
    }
}

/// The value of a field's argument, as written.
fn argument<'f>(field: &'f Field, name: &str) -> Option<&'f Value> {
    field
        .arguments
        .iter()
        .find(|(n, _)| n.node == name)
        .map(|(_, v)| &v.node)
}

#[cfg(test)]
mod tests;
