//! The cost model: a worst-case estimate of the work a document asks for, computed on the
//! parsed document before validation, so that a request whose answer would explode is refused
//! before anything runs.
//!
//! Each selected field costs 1 plus its selection's cost times a multiplier:
//! - the product of its count arguments (`first`, `limit`, `maxHops`) as given, from the
//!   request's variables, or from the schema's defaults; `ids` counts its length;
//! - otherwise, for a field returning a list, [`CostModel::list_estimate`];
//! - otherwise 1.
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
const COUNT_ARGUMENTS: [&str; 3] = ["first", "limit", "maxHops"];

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
    fields: HashMap<(String, String), FieldInfo>,
    /// The assumed length of a list field without count arguments.
    pub list_estimate: u64,
}

impl CostModel {
    /// Reads field types and argument defaults from the schema's SDL.
    pub fn from_sdl(sdl: &str, list_estimate: u64) -> Self {
        let mut fields = HashMap::new();
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
                                .and_then(|v| count(&v.node.clone().into_value(), None))
                                .unwrap_or(1);
                            (a.node.name.node.to_string(), default)
                        })
                        .collect();
                    let ids = field.arguments.iter().any(|a| a.node.name.node == "ids");
                    fields.insert(
                        (def.name.node.to_string(), field.name.node.to_string()),
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
        let mut total: u64 = 0;
        for (_, op) in doc.operations.iter() {
            let mut merged = variables.as_object().cloned().unwrap_or_default();
            for definition in &op.node.variable_definitions {
                let name = definition.node.name.node.as_str();
                if let Some(default) = &definition.node.default_value
                    && !merged.contains_key(name)
                    && let Ok(json) = default.node.clone().into_json()
                {
                    merged.insert(name.to_owned(), json);
                }
            }
            let merged = serde_json::Value::Object(merged);
            let mut costing = Costing {
                model: self,
                doc,
                variables: &merged,
                memo: HashMap::new(),
            };
            total = total.saturating_add(costing.set(&op.node.selection_set.node, "Query"));
        }
        total
    }
}

fn named(base: &BaseType) -> (String, bool) {
    match base {
        BaseType::Named(name) => (name.to_string(), false),
        BaseType::List(inner) => (named(&inner.base).0, true),
    }
}

/// A non-negative integer from a literal or a variable; negative counts weigh 1.
fn count(value: &Value, variables: Option<&serde_json::Value>) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_i64().map(|n| u64::try_from(n).unwrap_or(1)),
        Value::Variable(name) => variables
            .and_then(|v| v.get(name.as_str()))
            .and_then(serde_json::Value::as_i64)
            .map(|n| u64::try_from(n).unwrap_or(1)),
        _ => None,
    }
}

struct Costing<'a> {
    model: &'a CostModel,
    doc: &'a ExecutableDocument,
    variables: &'a serde_json::Value,
    /// Fragment costs; `None` while one is being costed (a cycle, which validation rejects).
    memo: HashMap<Name, Option<u64>>,
}

impl Costing<'_> {
    fn set(&mut self, set: &SelectionSet, ty: &str) -> u64 {
        let mut total: u64 = 0;
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let key = (ty.to_owned(), f.name.node.to_string());
                    // Unknown fields (and __typename) cost 1; validation rejects the unknown.
                    let Some(info) = self.model.fields.get(&key).cloned() else {
                        total = total.saturating_add(1);
                        continue;
                    };
                    let children = if f.selection_set.node.items.is_empty() {
                        0
                    } else {
                        self.set(&f.selection_set.node, &info.ty)
                    };
                    let multiplier = self.multiplier(f, &info);
                    children.saturating_mul(multiplier).saturating_add(1)
                }
                Selection::InlineFragment(i) => {
                    let i = &i.node;
                    let on = i
                        .type_condition
                        .as_ref()
                        .map_or(ty, |c| c.node.on.node.as_str());
                    let on = on.to_owned();
                    self.set(&i.selection_set.node, &on)
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
        let Some(fragment) = self.doc.fragments.get(name) else {
            return 0;
        };
        self.memo.insert(name.clone(), None);
        let on = fragment.node.type_condition.node.on.node.to_string();
        let cost = self.set(&fragment.node.selection_set.node, &on);
        self.memo.insert(name.clone(), Some(cost));
        cost
    }

    fn multiplier(&self, field: &async_graphql::parser::types::Field, info: &FieldInfo) -> u64 {
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
            let given = argument(name).and_then(|v| count(v, Some(self.variables)));
            multiplier = multiplier.saturating_mul(given.unwrap_or(*default).max(1));
            counted = true;
        }
        if info.ids {
            let len = match argument("ids") {
                Some(Value::List(items)) => items.len() as u64,
                Some(Value::Variable(v)) => self
                    .variables
                    .get(v.as_str())
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
