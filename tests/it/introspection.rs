//! Introspection tells the same story as the SDL, and documents everything: every type, field,
//! argument and enum value has a description (the docs explorer of GraphiQL and of every client
//! tool shows them).

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
