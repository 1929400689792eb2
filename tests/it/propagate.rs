//! Field errors as the GraphQL spec says ("Handling Field Errors"): every field error carries
//! the `path` of its field, the field is null, and a null in a non-null position propagates to
//! the nearest nullable parent (to `data: null` when there is none).
//!
//! The first two tests show async-graphql's own behaviour on a tiny schema, without reegraph's
//! workaround (`src/graphql/propagate.rs`). When an upgrade of async-graphql makes them fail,
//! async-graphql has changed: check whether the workaround is still needed.

use async_graphql::{EmptyMutation, EmptySubscription, Interface, Object, Schema};
use serde_json::{Value, json};

use crate::common::{run, schema};

struct Root;

#[Object]
impl Root {
    async fn thing(&self) -> Option<Thing> {
        Some(Thing)
    }

    async fn shape(&self) -> Option<Shape> {
        Some(Shape::Square(Square))
    }
}

struct Thing;

#[Object]
impl Thing {
    async fn fine(&self) -> i32 {
        1
    }

    async fn broken(&self) -> async_graphql::Result<i32> {
        Err("broken".into())
    }
}

struct Square;

#[Object]
impl Square {
    async fn broken(&self) -> async_graphql::Result<i32> {
        Err("broken".into())
    }
}

#[derive(Interface)]
#[graphql(field(name = "broken", ty = "i32"))]
enum Shape {
    Square(Square),
}

async fn bare(query: &str) -> Value {
    let schema = Schema::new(Root, EmptyMutation, EmptySubscription);
    serde_json::to_value(schema.execute(query).await).expect("responses serialize")
}

#[tokio::test]
async fn async_graphql_7_2_leaves_an_errored_non_null_field_out_instead_of_propagating_null() {
    // The spec's answer is {"thing": null}: `broken` is Int!, so its null reaches `thing`.
    let response = bare("{ thing { fine broken } }").await;
    assert_eq!(
        response["data"],
        json!({"thing": {"fine": 1}}),
        "{response:#}"
    );
    assert_eq!(response["errors"][0]["path"], json!(["thing", "broken"]));
}

#[tokio::test]
async fn async_graphql_7_2_gives_no_path_to_errors_of_fields_selected_on_an_interface() {
    let response = bare("{ shape { broken } }").await;
    assert_eq!(response["errors"][0]["message"], "broken", "{response:#}");
    assert!(
        response["errors"][0].get("path").is_none(),
        "async-graphql now sets the path: {response:#}"
    );
    // Through a fragment on the object type, the same field has its path.
    let response = bare("{ shape { ... on Square { broken } } }").await;
    assert_eq!(response["errors"][0]["path"], json!(["shape", "broken"]));
}

/// The paths of a response's errors, sorted (fields resolve concurrently).
fn paths(response: &Value) -> Vec<Value> {
    let mut paths: Vec<Value> = response["errors"]
        .as_array()
        .map(|errors| errors.iter().map(|e| e["path"].clone()).collect())
        .unwrap_or_default();
    paths.sort_by_key(Value::to_string);
    paths
}

#[tokio::test]
async fn a_non_null_field_error_nulls_its_nullable_parent_and_has_its_path() {
    let response = run(
        r#"{ entity(id: "mineral:scandium") { name relations(first: 2, after: "garbage") { totalCount } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], json!({"entity": null}), "{response:#}");
    assert_eq!(paths(&response), [json!(["entity", "relations"])]);
    assert_eq!(
        response["errors"][0]["extensions"]["code"],
        "BAD_USER_INPUT"
    );
}

#[tokio::test]
async fn an_error_with_no_nullable_parent_nulls_data() {
    let response = run(
        r#"{ stats { entities } neighborhood(id: "nothing:here") { truncated } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], Value::Null, "{response:#}");
    assert_eq!(paths(&response), [json!(["neighborhood"])]);
}

#[tokio::test]
async fn an_object_whose_only_field_failed_still_gets_the_error_path() {
    // async-graphql answers an object whose every field failed with null, and without a path.
    let response = run(
        r#"{ entity(id: "mineral:scandium") { relations(after: "garbage") { totalCount } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], json!({"entity": null}), "{response:#}");
    assert_eq!(paths(&response), [json!(["entity", "relations"])]);
}

#[tokio::test]
async fn errors_in_list_items_inside_connections_reach_the_nearest_nullable_parent() {
    // relations -> edges (non-null items) -> node (non-null) -> from (non-null) -> relations
    // (non-null): the nearest nullable parent is `entity`, two levels of lists up.
    let response = run(
        r#"{ entity(id: "mineral:scandium") { name relations(first: 2) {
            edges { node { type from { name relations(first: -1) { totalCount } } } } } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], json!({"entity": null}), "{response:#}");
    let expected: Vec<Value> = (0..2)
        .map(|i| {
            json!([
                "entity",
                "relations",
                "edges",
                i,
                "node",
                "from",
                "relations"
            ])
        })
        .collect();
    assert_eq!(paths(&response), expected);
}

#[tokio::test]
async fn aliases_name_the_path_and_a_non_null_root_field_nulls_data() {
    let response = run(
        r#"{ e: entities(first: 2) { edges { node { id r: relations(first: 1, after: "x") { totalCount } } } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], Value::Null, "{response:#}");
    assert_eq!(
        paths(&response),
        [
            json!(["e", "edges", 0, "node", "r"]),
            json!(["e", "edges", 1, "node", "r"])
        ]
    );
}

#[tokio::test]
async fn nullable_list_items_stop_the_propagation() {
    // `nodes` is [Node]!: each failing item becomes null, the list and its siblings stay.
    let response = run(
        r#"{ stats { entities } nodes(ids: ["mineral:scandium", "nothing:here", "mineral:dysprosium"]) {
            id ... on Entity { name relations(first: 101) { totalCount } } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        response["data"]["nodes"],
        json!([null, null, null]),
        "{response:#}"
    );
    assert!(response["data"]["stats"]["entities"].as_u64() > Some(0));
    assert_eq!(
        paths(&response),
        [
            json!(["nodes", 0, "relations"]),
            json!(["nodes", 2, "relations"])
        ]
    );
}

#[tokio::test]
async fn named_and_inline_fragments_on_interfaces() {
    let response = run(
        r#"query { stats { entities } a: node(id: "mineral:scandium") { ...Rel } b: entity(id: "mineral:dysprosium") { ...Rel }
              c: entity(id: "mineral:scandium") { ... on Entity { name } ... { relations(after: "y") { totalCount } } } }
           fragment Rel on Entity { id relations(first: 2, after: "garbage") { totalCount } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        response["data"],
        json!({"stats": response["data"]["stats"], "a": null, "b": null, "c": null}),
        "{response:#}"
    );
    assert_eq!(
        paths(&response),
        [
            json!(["a", "relations"]),
            json!(["b", "relations"]),
            json!(["c", "relations"])
        ]
    );
}

#[tokio::test]
async fn skipped_fields_are_not_mistaken_for_failed_ones() {
    let response = run(
        r#"query ($skip: Boolean = true) { entity(id: "mineral:scandium") {
            name @skip(if: $skip) id relations(after: "garbage") { totalCount } } }"#,
        json!({}),
    )
    .await;
    assert_eq!(response["data"], json!({"entity": null}), "{response:#}");
    assert_eq!(paths(&response), [json!(["entity", "relations"])]);
    let response = run(
        r#"query ($skip: Boolean!) { entity(id: "mineral:scandium") {
            name relations(after: "garbage") @skip(if: $skip) { totalCount } } }"#,
        json!({"skip": true}),
    )
    .await;
    assert_eq!(response["data"], json!({"entity": {"name": "Scandium"}}));
    assert!(response.get("errors").is_none());
}

#[tokio::test]
async fn errored_nullable_fields_are_null_in_selection_order() {
    // No graph attached: every resolver that needs one fails (INTERNAL). `a` and `b` are
    // nullable, so they are null, in place, and `relationTypes` (no graph needed) survives.
    let request = async_graphql::Request::new(
        r#"{ a: node(id: "x") { id } types: relationTypes { type } b: entity(id: "y") { id } }"#,
    );
    let response = schema().execute(request).await;
    // The response's own map: serde_json's Value would sort the keys.
    let async_graphql::Value::Object(data) = &response.data else {
        panic!("data is an object: {:?}", response.data);
    };
    assert_eq!(
        data.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
        ["a", "types", "b"],
        "{:?}",
        response.data
    );
    assert_eq!(data["a"], async_graphql::Value::Null);
    assert_eq!(data["b"], async_graphql::Value::Null);
    let response = serde_json::to_value(&response).expect("serializes");
    assert_eq!(paths(&response), [json!(["a"]), json!(["b"])]);
}

#[tokio::test]
async fn async_graphql_7_2_answers_an_object_that_selects_no_field_with_null() {
    // The spec's answer is {"shape": {}}: the square exists, it just selects nothing.
    let response = bare("{ shape { ... @skip(if: true) { broken } } }").await;
    assert_eq!(response["data"], json!({"shape": null}), "{response:#}");
}

#[tokio::test]
async fn objects_that_select_no_field_for_their_type_are_empty_not_null() {
    let response = run(
        r#"query ($no: Boolean = false) {
            entity(id: "standard:gb-t-13560-2017") {
                relations(first: 2) { edges { node { from { ... on Mineral { symbol } } } } }
            }
            a: entity(id: "standard:gb-t-13560-2017") { ... on Mineral { symbol } }
            b: entity(id: "nothing:here") { ... on Mineral { symbol } }
            c: entity(id: "mineral:scandium") { ...M name @include(if: $no) }
        }
        fragment M on Mineral { symbol }"#,
        json!({}),
    )
    .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!(
        response["data"],
        json!({
            "entity": { "relations": { "edges": [ { "node": { "from": {} } }, { "node": { "from": {} } } ] } },
            "a": {},
            "b": null,
            "c": { "symbol": "Sc" },
        })
    );
}

#[tokio::test]
async fn http_answers_with_the_same_propagation() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use reegraph::http::{AppState, HttpConfig, app};
    use tower::ServiceExt;

    let router = app(AppState::new(
        schema(),
        crate::common::real_graph(),
        HttpConfig::default(),
    ));
    let body = json!({"query": r#"{ stats { entities } entity(id: "mineral:scandium") { name relations(after: "garbage") { totalCount } } }"#});
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let response = router.oneshot(request).await.expect("the router answers");
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let response: Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(response["data"]["entity"], Value::Null, "{response:#}");
    assert_eq!(paths(&response), [json!(["entity", "relations"])]);
}
