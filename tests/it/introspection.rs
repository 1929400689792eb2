//! Introspection tells the same story as the SDL, and documents everything: every type, field,
//! argument and enum value has a description (the docs explorer of GraphiQL and of every client
//! tool shows them).

use std::collections::{BTreeMap, BTreeSet};

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::{Value, json};

use crate::common::data;

const FULL: &str = r#"{ __schema { types {
    name kind description
    fields(includeDeprecated: true) { name description args { name description } }
    inputFields { name description }
    enumValues(includeDeprecated: true) { name description }
    interfaces { name }
    possibleTypes { name kind }
} } }"#;

fn described(value: &Value) -> bool {
    value["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_has_a_description() {
    let schema = data(FULL, json!({})).await;
    let mut missing = Vec::new();
    for ty in schema["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("a name");
        if name.starts_with("__") {
            continue; // GraphQL's own introspection types
        }
        if !described(ty) {
            missing.push(format!("type {name}"));
        }
        for field in ty["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"].as_str().unwrap_or("?");
            if !described(field) {
                missing.push(format!("field {name}.{field_name}"));
            }
            for arg in field["args"].as_array().into_iter().flatten() {
                if !described(arg) {
                    missing.push(format!(
                        "argument {name}.{field_name}({})",
                        arg["name"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
        for list in ["inputFields", "enumValues"] {
            for item in ty[list].as_array().into_iter().flatten() {
                if !described(item) {
                    missing.push(format!(
                        "{list} {name}.{}",
                        item["name"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// `implements` of every object and interface type in an SDL document.
fn sdl_implements(sdl: &str) -> BTreeMap<String, BTreeSet<String>> {
    let document = async_graphql::parser::parse_schema(sdl).expect("the SDL parses");
    let mut out = BTreeMap::new();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let implements = match &ty.node.kind {
            TypeKind::Object(object) => &object.implements,
            TypeKind::Interface(interface) => &interface.implements,
            _ => continue,
        };
        out.insert(
            ty.node.name.node.to_string(),
            implements.iter().map(|i| i.node.to_string()).collect(),
        );
    }
    out
}

fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn introspection_says_what_the_committed_sdl_says_about_interfaces() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/reegraph.graphql");
    let sdl = std::fs::read_to_string(path).expect("the committed SDL");
    let implements = sdl_implements(&sdl);
    assert_eq!(
        implements["Entity"],
        BTreeSet::from(["Node".to_owned()]),
        "the SDL says `interface Entity implements Node`"
    );
    let schema = data(FULL, json!({})).await;
    let types = schema["__schema"]["types"].as_array().expect("types");
    for ty in types {
        let name = ty["name"].as_str().expect("a name");
        let kind = ty["kind"].as_str().expect("a kind");
        if kind == "OBJECT" || kind == "INTERFACE" {
            // OBJECT and INTERFACE types list their interfaces, an empty list when none.
            let expected = implements.get(name).cloned().unwrap_or_default();
            assert_eq!(names(&ty["interfaces"]), expected, "{name}.interfaces");
        } else {
            assert_eq!(ty["interfaces"], Value::Null, "{name} ({kind}).interfaces");
        }
        if kind == "INTERFACE" {
            // Possible types are object types only: those that implement the interface.
            let possible = ty["possibleTypes"].as_array().expect("possibleTypes");
            for p in possible {
                assert_eq!(p["kind"], "OBJECT", "{name}.possibleTypes: {p}");
            }
            let implementers: BTreeSet<String> = types
                .iter()
                .filter(|t| t["kind"] == "OBJECT")
                .filter(|t| {
                    implements
                        .get(t["name"].as_str().unwrap_or(""))
                        .is_some_and(|i| i.contains(name))
                })
                .map(|t| t["name"].as_str().unwrap_or("").to_owned())
                .collect();
            assert_eq!(names(&ty["possibleTypes"]), implementers, "{name}");
            assert_eq!(implementers.len(), 11, "{name}: one object type per kind");
        }
    }
}

#[tokio::test]
async fn interfaces_of_an_interface_answer_the_clients_own_selection() {
    let d = data(
        r#"query ($deprecated: Boolean = false) {
            entity: __type(name: "Entity") { kind is: interfaces { ...Ref fields(includeDeprecated: $deprecated) { name }
                possibleTypes { name } interfaces { name } } }
            node: __type(name: "Node") { interfaces { name } } }
           fragment Ref on __Type { kind name ofType { name } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d,
        json!({
            "entity": { "kind": "INTERFACE", "is": [{
                "kind": "INTERFACE", "name": "Node", "ofType": null,
                "fields": [{ "name": "id" }],
                "possibleTypes": d["entity"]["is"][0]["possibleTypes"],
                "interfaces": [],
            }]},
            "node": { "interfaces": [] },
        })
    );
    assert_eq!(names(&d["entity"]["is"][0]["possibleTypes"]).len(), 11);
}

/// async-graphql 7.2.1 on its own: `interface Inner implements Outer` in the SDL, but
/// `__type(name: "Inner") { interfaces }` is null. When an upgrade makes this test fail,
/// check whether `src/graphql/introspection.rs` is still needed.
#[tokio::test]
async fn async_graphql_7_2_answers_interfaces_of_an_interface_with_null() {
    use async_graphql::{EmptyMutation, EmptySubscription, Interface, Object, Schema};

    struct Thing;
    #[Object]
    impl Thing {
        async fn id(&self) -> i32 {
            1
        }
    }
    #[derive(Interface)]
    #[graphql(field(name = "id", ty = "i32"))]
    enum Inner {
        Thing(Thing),
    }
    #[derive(Interface)]
    #[graphql(field(name = "id", ty = "i32"))]
    enum Outer {
        Inner(Inner),
    }
    struct Root;
    #[Object]
    impl Root {
        async fn outer(&self) -> Outer {
            Outer::Inner(Inner::Thing(Thing))
        }
    }
    let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
    assert!(schema.sdl().contains("interface Inner implements Outer"));
    let response = schema
        .execute(r#"{ __type(name: "Inner") { interfaces { name } } }"#)
        .await;
    let response = serde_json::to_value(response).expect("serializes");
    assert_eq!(
        response["data"]["__type"]["interfaces"],
        Value::Null,
        "{response:#}"
    );
}
