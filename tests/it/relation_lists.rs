//! Relationship lists' `where`, `orderBy`, `minGrade` and `asOf` through GraphQL on the real
//! data: the typed lists (`Directive.restricts`, ...) and the `relations` connection, its
//! ordered cursors, and each refusal with its code.

use serde_json::{Value, json};

use crate::common::{data, error_codes, run};

const NO_57: &str = "directive:mofcom-gacc-2025-57";

const RESTRICTS: &str = r#"query($id: ID!, $where: EntityWhere, $orderBy: [EntityOrder!], $minGrade: VerificationGrade, $asOf: String) {
    node(id: $id) { ... on Directive {
        restricts(where: $where, orderBy: $orderBy, minGrade: $minGrade, asOf: $asOf) { id name }
    } }
}"#;

async fn restricted(args: Value) -> Vec<String> {
    let mut vars = json!({ "id": NO_57 });
    if let (Some(vars), Some(args)) = (vars.as_object_mut(), args.as_object()) {
        vars.extend(args.clone());
    }
    let d = data(RESTRICTS, vars).await;
    d["node"]["restricts"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test]
async fn typed_lists_filter_order_and_date_their_relations() {
    // No. 57 restricts five elements from 2025-11-08 (its relations' `since`).
    let all = restricted(json!({})).await;
    assert_eq!(all.len(), 5, "{all:?}");
    assert_eq!(restricted(json!({ "asOf": "2025-11-08" })).await, all);
    assert_eq!(
        restricted(json!({ "asOf": "2025-11" })).await,
        all,
        "reduced precision counts in the fact's favour"
    );
    assert!(restricted(json!({ "asOf": "2025-10-31" })).await.is_empty());
    // A filter on the entity at the other end, and an order by it.
    assert_eq!(
        restricted(json!({ "where": { "mineral": { "symbol": { "in": ["Ho", "Er"] } } } })).await,
        ["mineral:holmium", "mineral:erbium"]
    );
    let by_name = restricted(json!({ "orderBy": { "field": "NAME", "direction": "DESC" } })).await;
    let mut sorted = all.clone();
    sorted.sort_by_key(|id| std::cmp::Reverse(id.clone()));
    assert_eq!(
        by_name, sorted,
        "the minerals' names are their ids' slugs, capitalized"
    );
    // Their best citations are VERIFIED_SECONDARY.
    assert!(
        restricted(json!({ "minGrade": "VERIFIED" }))
            .await
            .is_empty()
    );
    assert_eq!(
        restricted(json!({ "minGrade": "VERIFIED_SECONDARY" })).await,
        all
    );
}

#[tokio::test]
async fn typed_lists_refuse_what_cannot_apply() {
    let r = run(
        RESTRICTS,
        json!({ "id": NO_57, "where": { "event": { "startDate": { "gte": "2025" } } } }),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    let message = r["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("EVENT") && message.contains("RESTRICTS OUTGOING"),
        "{message}"
    );
    let r = run(RESTRICTS, json!({ "id": NO_57, "asOf": "2025-13" })).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("`asOf`"),
        "{r:#}"
    );
}

const RELATIONS: &str = r#"query($id: ID!, $where: EntityWhere, $orderBy: [EntityOrder!], $asOf: String, $first: Int = 20, $after: String) {
    node(id: $id) { ... on Entity {
        relations(where: $where, orderBy: $orderBy, asOf: $asOf, first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges { direction node { type from { id } to { id } } }
        }
    } }
}"#;

fn edges(d: &Value) -> Vec<Value> {
    d["node"]["relations"]["edges"]
        .as_array()
        .expect("edges")
        .clone()
}

#[tokio::test]
async fn the_relations_connection_filters_orders_and_pages_by_keyset() {
    let vars = |extra: Value| {
        let mut v = json!({ "id": NO_57, "first": 100 });
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        v
    };
    let all = data(RELATIONS, vars(json!({}))).await;
    let total = all["node"]["relations"]["totalCount"]
        .as_u64()
        .expect("a count");
    // The suspension by No. 70 runs from 2025-11-07 until 2026-11-10.
    let suspended = |d: &Value| edges(d).iter().any(|e| e["node"]["type"] == "SUSPENDS");
    assert!(suspended(&all));
    let later = data(RELATIONS, vars(json!({ "asOf": "2027" }))).await;
    assert!(!suspended(&later), "{later:#}");
    // Only the minerals at the other end.
    let minerals = data(
        RELATIONS,
        vars(json!({ "where": { "kind": { "eq": "MINERAL" } } })),
    )
    .await;
    assert_eq!(minerals["node"]["relations"]["totalCount"], 5);

    // Ordered by the other end's name, paged two at a time through keyset cursors.
    let order = json!([{ "field": "KIND" }, { "field": "NAME" }]);
    let ordered = data(RELATIONS, vars(json!({ "orderBy": order }))).await;
    assert_eq!(edges(&ordered).len() as u64, total);
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = data(
            RELATIONS,
            vars(json!({ "orderBy": order, "first": 2, "after": after })),
        )
        .await;
        paged.extend(edges(&d));
        if d["node"]["relations"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["node"]["relations"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, edges(&ordered));
    // An ordered cursor is refused without its order, and a page cursor under an order.
    let r = run(RELATIONS, vars(json!({ "after": after }))).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    let page = data(RELATIONS, vars(json!({ "first": 1 }))).await;
    let page_cursor = page["node"]["relations"]["pageInfo"]["endCursor"].clone();
    let r = run(
        RELATIONS,
        vars(json!({ "orderBy": order, "after": page_cursor })),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
}

const RELATION_COUNTS: &str = r#"query($id: ID!, $groupBy: [EntityGroupField!]!, $asOf: String, $where: EntityWhere) {
    node(id: $id) { ... on Entity {
        relationCounts(groupBy: $groupBy, asOf: $asOf, where: $where) {
            total groupCount groups { count key { relationType direction kind grade related { id } } }
        }
        relations(asOf: $asOf, where: $where, first: 100) {
            totalCount
            edges { direction node { type grade to { id kind } from { id kind } } }
        }
    } }
}"#;

#[tokio::test]
async fn relation_counts_group_what_the_relations_connection_lists() {
    for (group_by, as_of, filter) in [
        (json!(["RELATION_TYPE"]), Value::Null, Value::Null),
        (
            json!(["RELATION_TYPE", "DIRECTION", "KIND"]),
            Value::Null,
            Value::Null,
        ),
        (json!(["GRADE", "KIND"]), json!("2027"), Value::Null),
        (
            json!(["RELATED"]),
            Value::Null,
            json!({ "kind": { "eq": "MINERAL" } }),
        ),
    ] {
        let d = data(
            RELATION_COUNTS,
            json!({ "id": NO_57, "groupBy": group_by, "asOf": as_of, "where": filter }),
        )
        .await;
        let counts = &d["node"]["relationCounts"];
        let edges = d["node"]["relations"]["edges"].as_array().expect("edges");
        assert_eq!(
            counts["total"], d["node"]["relations"]["totalCount"],
            "{d:#}"
        );
        // Tally the connection's edges by the same dimensions.
        let mut expected: std::collections::BTreeMap<String, u64> = Default::default();
        for e in edges {
            let outgoing = e["direction"] == "OUTGOING";
            let other = if outgoing {
                &e["node"]["to"]
            } else {
                &e["node"]["from"]
            };
            let mut key = json!({});
            for g in group_by.as_array().expect("a list") {
                let (field, value) = match g.as_str().expect("a name") {
                    "RELATION_TYPE" => ("relationType", e["node"]["type"].clone()),
                    "DIRECTION" => ("direction", e["direction"].clone()),
                    "KIND" => ("kind", other["kind"].clone()),
                    "GRADE" => ("grade", e["node"]["grade"].clone()),
                    _ => ("related", json!({ "id": other["id"] })),
                };
                key[field] = value;
            }
            *expected.entry(key.to_string()).or_default() += 1;
        }
        let got: std::collections::BTreeMap<String, u64> = counts["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                let mut key = json!({});
                if let Some(k) = g["key"].as_object() {
                    for (field, value) in k.iter().filter(|(_, v)| !v.is_null()) {
                        key[field.as_str()] = value.clone();
                    }
                }
                (key.to_string(), g["count"].as_u64().expect("a count"))
            })
            .collect();
        assert_eq!(got, expected, "{group_by}");
    }
    // RELATION_TYPE counts relations, not entities.
    let r = run(
        "{ entityCounts(groupBy: [RELATION_TYPE]) { total } }",
        json!({}),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
}

#[tokio::test]
async fn a_neighborhood_counts_its_entities() {
    let d = data(
        r#"{ neighborhood(id: "directive:mofcom-gacc-2025-57", depth: 2, limit: 50) {
            entities { kind }
            counts(groupBy: [KIND]) { total groups { count key { kind } } }
        } }"#,
        json!({}),
    )
    .await;
    let n = &d["neighborhood"];
    let entities = n["entities"].as_array().expect("entities");
    assert_eq!(n["counts"]["total"].as_u64(), Some(entities.len() as u64));
    for g in n["counts"]["groups"].as_array().expect("groups") {
        let kind = &g["key"]["kind"];
        let listed = entities.iter().filter(|e| e["kind"] == *kind).count() as u64;
        assert_eq!(g["count"].as_u64(), Some(listed), "{kind}");
    }
}
