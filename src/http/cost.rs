//! The cost model: a worst-case estimate of the work a document asks for, computed on the
//! parsed document before validation, so that a request whose answer would explode is refused
//! before anything runs.
//!
//! Each selected field costs 1 plus its selection's cost times a multiplier:
//! - the product of its count arguments (`first`, `limit`) as given, from the request's
//!   variables, or from the schema's defaults; `ids` counts its length;
//! - otherwise, for a field returning a list, [`CostModel::list_estimate`];
//! - otherwise 1.
//!
//! `maxHops` does not multiply: `paths` and `related` return at most `first` results whatever
//! it is, and what it bounds inside each (a path's `hops`) is a list, counted at the list
//! estimate, which the HTTP layer keeps at least the schema's largest `maxHops`. The traversal
//! work itself is bounded by the traversal budget, not by this model.
//!
//! Field types come from the schema's own SDL, so interface fields (`Entity.relations`) are
//! weighed like object fields (async-graphql's complexity check cannot weigh interface fields).
//! Fragments are costed once each (memoized), so fragment bombs cost nothing to measure.

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::parser::types::{
    BaseType, ExecutableDocument, Selection, SelectionSet, TypeKind, TypeSystemDefinition,
};
use async_graphql_value::Value;

/// Arguments whose value multiplies the cost of a field's selection.
const COUNT_ARGUMENTS: [&str; 2] = ["first", "limit"];

#[derive(Debug, Clone)]
struct FieldInfo {
    /// The named type the field returns (lists unwrapped).
    ty: String,
    list: bool,
    /// Defaults of the count arguments it takes.
    defaults: Vec<(String, u64)>,
    /// Whether it takes an `ids` list.
    ids: bool,
}

/// The schema's fields, for costing documents.
#[derive(Debug, Clone, Default)]
pub struct CostModel {
    /// Type name, then field name (two levels, so a lookup borrows and allocates nothing).
    fields: HashMap<String, HashMap<String, FieldInfo>>,
    /// The assumed length of a list field without count arguments.
    pub list_estimate: u64,
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
                for field in defs {
                    let field = field.node;
                    let (ty, list) = named(&field.ty.node.base);
                    let defaults = field
                        .arguments
                        .iter()
                        .filter(|a| COUNT_ARGUMENTS.contains(&a.node.name.node.as_str()))
                        .map(|a| {
                            let default = a
                                .node
                                .default_value
                                .as_ref()
                                .and_then(|v| count(&v.node.clone().into_value()))
                                .unwrap_or(1);
                            (a.node.name.node.to_string(), default)
                        })
                        .collect();
                    let ids = field.arguments.iter().any(|a| a.node.name.node == "ids");
                    fields.entry(def.name.node.to_string()).or_default().insert(
                        field.name.node.to_string(),
                        FieldInfo {
                            ty,
                            list,
                            defaults,
                            ids,
                        },
                    );
                }
            }
        }
        CostModel {
            fields,
            list_estimate,
        }
    }

    /// The estimated cost of every operation in `doc` (summed), saturating. A variable's value
    /// comes from the request, else from its default in the operation.
    pub fn cost(&self, doc: &ExecutableDocument, variables: &serde_json::Value) -> u64 {
        self.cost_and_dependence(doc, variables).0
    }

    /// [`CostModel::cost`], and whether it read any variable: when it did not, the cost is the
    /// same for every request carrying this document, whatever its variables.
    pub fn cost_and_dependence(
        &self,
        doc: &ExecutableDocument,
        variables: &serde_json::Value,
    ) -> (u64, bool) {
        let mut total: u64 = 0;
        let mut read_variables = false;
        for (_, op) in doc.operations.iter() {
            // Defaults of the operation's variables, for names the request leaves out.
            let defaults: Vec<(&str, serde_json::Value)> = op
                .node
                .variable_definitions
                .iter()
                .filter_map(|definition| {
                    let default = definition.node.default_value.as_ref()?;
                    let json = default.node.clone().into_json().ok()?;
                    Some((definition.node.name.node.as_str(), json))
                })
                .collect();
            let mut costing = Costing {
                model: self,
                doc,
                variables: variables.as_object(),
                defaults: &defaults,
                read_variables: false,
                memo: HashMap::new(),
            };
            total = total.saturating_add(costing.set(&op.node.selection_set.node, "Query"));
            read_variables |= costing.read_variables;
        }
        (total, read_variables)
    }
}

fn named(base: &BaseType) -> (String, bool) {
    match base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named(&inner.base).0, true),
    }
}

/// A non-negative integer from a literal (variables are resolved by [`Costing::count`]);
/// negative counts weigh 1.
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| u64::try_from(n).unwrap_or(1)),
        _ => None,
    }
}

fn json_count(value: &serde_json::Value) -> Option<u64> {
    value.as_i64().map(|n| u64::try_from(n).unwrap_or(1))
}

struct Costing<'a> {
    model: &'a CostModel,
    doc: &'a ExecutableDocument,
    /// The request's variables.
    variables: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// The operation's variable defaults, used for names the request leaves out.
    defaults: &'a [(&'a str, serde_json::Value)],
    /// Whether a variable was read (then the cost depends on the request's variables).
    read_variables: bool,
    /// Fragment costs; `None` while one is being costed (a cycle, which validation rejects).
    memo: HashMap<Name, Option<u64>>,
}

impl<'a> Costing<'a> {
    /// A variable's value: the request's (even `null`), else the operation's default.
    fn variable(&mut self, name: &str) -> Option<&'a serde_json::Value> {
        self.read_variables = true;
        let defaults = self.defaults;
        match self.variables.and_then(|v| v.get(name)) {
            Some(value) => Some(value),
            None => defaults.iter().find(|(n, _)| *n == name).map(|(_, v)| v),
        }
    }

    /// A count argument's value, from a literal or a variable.
    fn count(&mut self, value: &Value) -> Option<u64> {
        match value {
            Value::Variable(name) => self.variable(name.as_str()).and_then(json_count),
            _ => count(value),
        }
    }

    fn set(&mut self, set: &SelectionSet, ty: &str) -> u64 {
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
                    let children = if f.selection_set.node.items.is_empty() {
                        0
                    } else {
                        self.set(&f.selection_set.node, &info.ty)
                    };
                    let multiplier = self.multiplier(f, info);
                    children.saturating_mul(multiplier).saturating_add(1)
                }
                Selection::InlineFragment(i) => {
                    let i = &i.node;
                    let on = i
                        .type_condition
                        .as_ref()
                        .map_or(ty, |c| c.node.on.node.as_str());
                    self.set(&i.selection_set.node, on)
                }
                Selection::FragmentSpread(s) => self.fragment(&s.node.fragment_name.node),
            };
            total = total.saturating_add(cost);
        }
        total
    }

    fn fragment(&mut self, name: &Name) -> u64 {
        match self.memo.get(name) {
            Some(Some(cost)) => return *cost,
            Some(None) => return 0,
            None => {}
        }
        let doc = self.doc;
        let Some(fragment) = doc.fragments.get(name) else {
            return 0;
        };
        self.memo.insert(name.clone(), None);
        let on = fragment.node.type_condition.node.on.node.as_str();
        let cost = self.set(&fragment.node.selection_set.node, on);
        self.memo.insert(name.clone(), Some(cost));
        cost
    }

    fn multiplier(&mut self, field: &async_graphql::parser::types::Field, info: &FieldInfo) -> u64 {
        let argument = |name: &str| {
            field
                .arguments
                .iter()
                .find(|(n, _)| n.node == name)
                .map(|(_, v)| &v.node)
        };
        let mut multiplier: u64 = 1;
        let mut counted = false;
        for (name, default) in &info.defaults {
            let given = argument(name).and_then(|v| self.count(v));
            multiplier = multiplier.saturating_mul(given.unwrap_or(*default).max(1));
            counted = true;
        }
        if info.ids {
            let len = match argument("ids") {
                Some(Value::List(items)) => items.len() as u64,
                Some(Value::Variable(v)) => self
                    .variable(v.as_str())
                    .and_then(serde_json::Value::as_array)
                    .map_or(1, |a| a.len() as u64),
                _ => 1,
            };
            multiplier = multiplier.saturating_mul(len.max(1));
            counted = true;
        }
        if !counted && info.list {
            multiplier = self.model.list_estimate;
        }
        multiplier
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CostModel {
        CostModel::from_sdl(&crate::graphql::sdl(), 10)
    }

    fn cost(query: &str, variables: serde_json::Value) -> u64 {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        model().cost(&doc, &variables)
    }

    #[test]
    fn counts_multiply_and_defaults_apply() {
        let one_page = cost(
            "{ entities(first: 10) { nodes { id } } }",
            serde_json::json!({}),
        );
        let default_page = cost("{ entities { nodes { id } } }", serde_json::json!({}));
        assert!(
            one_page < default_page,
            "{one_page} vs {default_page} (default first is 20)"
        );
        let nested = cost(
            "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
             relations(first: 100) { totalCount } } } } } } }",
            serde_json::json!({}),
        );
        assert!(
            nested > 1_000_000,
            "interface fields are weighed too: {nested}"
        );
    }

    #[test]
    fn variable_defaults_count_when_the_request_omits_them() {
        let q = "query($l: Int! = 1000) { neighborhood(id: \"x\", limit: $l) { entities { id } } }";
        let literal = "{ neighborhood(id: \"x\", limit: 1000) { entities { id } } }";
        assert_eq!(
            cost(q, serde_json::json!({})),
            cost(literal, serde_json::json!({}))
        );
    }

    #[test]
    fn dependence_on_variables_is_reported() {
        let m = model();
        let doc = |q| async_graphql::parser::parse_query(q).expect("parses");
        let vars = serde_json::json!({"n": 3, "id": "x"});
        let fixed = doc(
            "query($id: ID!) { entity(id: $id) { name } search(query: \"x\", first: 5) { score } }",
        );
        assert!(!m.cost_and_dependence(&fixed, &vars).1);
        let varying = doc("query($n: Int!) { search(query: \"x\", first: $n) { score } }");
        assert_eq!(
            m.cost_and_dependence(&varying, &vars),
            (m.cost(&varying, &vars), true)
        );
        let ids = doc("query($ids: [ID!]!) { nodes(ids: $ids) { id } }");
        assert!(m.cost_and_dependence(&ids, &vars).1);
    }

    /// A path's hops are a list bounded by `maxHops`; `maxHops` itself does not multiply.
    #[test]
    fn max_hops_bounds_hops_rather_than_multiplying() {
        let related = |hops: u32| {
            cost(
                &format!(
                    "{{ related(to: \"x\", kinds: [STANDARD], maxHops: {hops}, first: 50) {{ \
                     entity {{ id }} path {{ hops {{ reading }} }} }} }}"
                ),
                serde_json::json!({}),
            )
        };
        assert_eq!(related(1), related(6));
        // related: 1 + 50 x (entity (1 + id) + path (1 + hops (1 + 10 x reading))).
        assert_eq!(related(3), 1 + 50 * (2 + (1 + (1 + 10))));
    }

    #[test]
    fn variables_are_read() {
        let q = "query($n: Int!) { search(query: \"x\", first: $n) { score } }";
        assert!(cost(q, serde_json::json!({"n": 100})) > cost(q, serde_json::json!({"n": 2})));
    }

    #[test]
    fn fragments_are_costed_once_and_bombs_stay_cheap_to_measure() {
        let mut doc = String::from("query { stats { ...F0 } }\n");
        for i in 0..40 {
            doc.push_str(&format!(
                "fragment F{i} on GraphStats {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        doc.push_str("fragment F40 on GraphStats { entities }\n");
        assert_eq!(cost(&doc, serde_json::json!({})), 1 + (1 << 40));
    }
}
