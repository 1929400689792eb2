//! The API contract on the real data, through `schema.execute` (no HTTP): every root field, the
//! Relay connections, the traversals' invariants and the exact error codes.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Value, json};

use crate::common::{self, data, error_codes, run};

/// The fields of a `Path` that [`check_path`] needs.
const PATH: &str = "length explanation
    entities { id name kind }
    relations { type from { id } to { id } }
    hops {
        forward reading from { id } to { id }
        relation { type label inverseLabel from { id } to { id } citations { grade quote source { id kind } } }
    }";

/// The ids of a list of objects that have an `id`.
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a string, got {value}"))
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("an integer, got {value}"))
}

/// Asserts the error codes of a query's response.
async fn assert_codes(query: &str, variables: Value, expected: &[&str]) {
    let response = run(query, variables).await;
    assert_eq!(error_codes(&response), expected, "response: {response:#}");
}

/// Checks one path: lengths agree, no entity repeats, each hop's relation joins the entities it
/// connects (in the direction the hop says), readings follow the direction, and every hop is
/// cited.
fn check_path(path: &Value, from: &str, to: &str) {
    let entities = ids(&path["entities"]);
    let hops = path["hops"].as_array().expect("hops");
    let length = usize::try_from(int(&path["length"])).expect("a length");
    assert_eq!(hops.len(), length, "{path:#}");
    assert_eq!(entities.len(), length + 1, "{path:#}");
    assert_eq!(entities.first().map(String::as_str), Some(from), "{path:#}");
    assert_eq!(entities.last().map(String::as_str), Some(to), "{path:#}");
    let distinct: HashSet<&String> = entities.iter().collect();
    assert_eq!(
        distinct.len(),
        entities.len(),
        "a path repeats an entity: {entities:?}"
    );
    let relations = path["relations"].as_array().expect("relations");
    assert_eq!(relations.len(), length);
    for (i, hop) in hops.iter().enumerate() {
        let (a, b) = (&entities[i], &entities[i + 1]);
        assert_eq!(text(&hop["from"]["id"]), a);
        assert_eq!(text(&hop["to"]["id"]), b);
        let relation = &hop["relation"];
        let (rf, rt) = (text(&relation["from"]["id"]), text(&relation["to"]["id"]));
        if hop["forward"] == json!(true) {
            assert_eq!((rf, rt), (a.as_str(), b.as_str()), "hop {i} of {path:#}");
            assert_eq!(hop["reading"], relation["label"]);
        } else {
            assert_eq!((rf, rt), (b.as_str(), a.as_str()), "hop {i} of {path:#}");
            assert_eq!(hop["reading"], relation["inverseLabel"]);
        }
        assert_eq!(relations[i]["type"], relation["type"]);
        assert_eq!(relations[i]["from"]["id"], relation["from"]["id"]);
        assert_eq!(relations[i]["to"]["id"], relation["to"]["id"]);
        let citations = relation["citations"].as_array().expect("citations");
        assert!(!citations.is_empty(), "hop {i} has no citation: {path:#}");
        for citation in citations {
            assert_eq!(citation["source"]["kind"], "SOURCE");
        }
    }
    let explanation = text(&path["explanation"]);
    let names: Vec<&str> = path["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|e| text(&e["name"]))
        .collect();
    assert!(explanation.starts_with(names[0]), "{explanation}");
    assert!(
        explanation.ends_with(names[names.len() - 1]),
        "{explanation}"
    );
    for hop in hops {
        assert!(
            explanation.contains(&format!(" —{}→ ", text(&hop["reading"]))),
            "{explanation}"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// node, nodes, entity
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn node_resolves_a_standard_through_fragments() {
    let d = data(
        r#"query($id: ID!) {
            node(id: $id) {
                __typename id
                ... on Entity { kind name }
                ... on Standard { code level status title issued effective replaces
                                  administeredBy { id } }
            }
        }"#,
        json!({ "id": "standard:gb-t-13560-2017" }),
    )
    .await;
    insta::assert_json_snapshot!("node_standard_gb_t_13560_2017", d);
    assert_eq!(d["node"]["code"], "GB/T 13560-2017");
    assert_eq!(d["node"]["__typename"], "Standard");
}

#[tokio::test]
async fn node_is_null_for_an_unknown_id() {
    let d = data(
        "{ node(id: \"standard:no-such-standard\") { id } }",
        json!({}),
    )
    .await;
    assert_eq!(d["node"], Value::Null);
    let d = data("{ node(id: \"not an id at all\") { id } }", json!({})).await;
    assert_eq!(d["node"], Value::Null);
}

/// One entity of each kind, through its concrete type: every kind's type carries the shared
/// entity fields (a kind missing `id` or `name` would fail validation of this query).
#[tokio::test]
async fn every_kind_type_has_the_shared_entity_fields() {
    let samples = [
        ("organization:sac-tc-229", "Organization"),
        ("official:cao-yiding", "Official"),
        ("event:tc229-2025-annual-meeting", "Event"),
        (
            "directive:tonglu-2025-1-align-with-industrial-policy",
            "Directive",
        ),
        ("standard:gb-t-16476-2018", "Standard"),
        (
            "standard-batch:tc229-2025-11-13-approved-12",
            "StandardBatch",
        ),
        ("mineral:scandium", "Mineral"),
        ("application:defense-grade-magnets", "Application"),
        ("stage:mining", "SupplyChainStage"),
        ("location:tonglu-county", "Location"),
        ("source:reex-2025-tonglu", "Source"),
    ];
    let shared = "id kind name aliases description citations { grade quote source { id } } \
                  relations(first: 1) { totalCount edges { direction reading } }";
    let fragments: String = samples
        .iter()
        .map(|(_, t)| format!("... on {t} {{ {shared} }}\n"))
        .collect();
    let query = format!("query($ids: [ID!]!) {{ nodes(ids: $ids) {{ __typename {fragments} }} }}");
    let d = data(
        &query,
        json!({ "ids": samples.iter().map(|(id, _)| *id).collect::<Vec<_>>() }),
    )
    .await;
    let nodes = d["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), samples.len());
    for (node, (id, typename)) in nodes.iter().zip(samples) {
        assert_eq!(node["__typename"], typename);
        assert_eq!(node["id"], id);
        assert!(!text(&node["name"]).is_empty(), "{node:#}");
        assert!(
            !node["citations"].as_array().expect("citations").is_empty(),
            "{node:#}"
        );
        assert!(int(&node["relations"]["totalCount"]) >= 1, "{node:#}");
    }
}

#[tokio::test]
async fn nodes_keeps_order_and_gives_null_for_unknown_ids() {
    let d = data(
        r#"{ nodes(ids: ["mineral:scandium", "mineral:unobtainium", "official:cao-yiding", "mineral:scandium"]) {
                id ... on Entity { name }
        } }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d["nodes"],
        json!([
            { "id": "mineral:scandium", "name": "Scandium" },
            null,
            { "id": "official:cao-yiding", "name": "Cao Yiding" },
            { "id": "mineral:scandium", "name": "Scandium" },
        ])
    );
}

#[tokio::test]
async fn nodes_accepts_100_ids_and_rejects_101() {
    let query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
    let hundred: Vec<String> = (0..100).map(|i| format!("mineral:x{i}")).collect();
    let d = data(query, json!({ "ids": hundred })).await;
    assert_eq!(d["nodes"].as_array().expect("nodes").len(), 100);
    let too_many: Vec<String> = (0..101).map(|i| format!("mineral:x{i}")).collect();
    assert_codes(query, json!({ "ids": too_many }), &["LIMIT_EXCEEDED"]).await;
}

#[tokio::test]
async fn entity_returns_the_typed_entity_or_null() {
    let d = data(
        r#"{
            known: entity(id: "official:cao-yiding") { __typename id kind name aliases }
            unknown: entity(id: "official:nobody") { id }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(
        d["known"],
        json!({ "__typename": "Official", "id": "official:cao-yiding", "kind": "OFFICIAL",
                "name": "Cao Yiding", "aliases": ["曹一丁"] })
    );
    assert_eq!(d["unknown"], Value::Null);
}

// ------------------------------------------------------------------------------------------------
// entities (Relay)
// ------------------------------------------------------------------------------------------------

const ENTITIES_PAGE: &str = r#"query($kinds: [EntityKind!], $first: Int!, $after: String) {
    entities(kinds: $kinds, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id kind } }
        nodes { id }
    }
}"#;

/// Pages through `entities(kinds)` `first` at a time; returns every id in order and the
/// `totalCount` every page reported.
async fn page_all(kinds: Value, first: i64) -> (Vec<String>, i64) {
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    for page_number in 0.. {
        assert!(page_number < 1_000, "paging does not end");
        let d = data(
            ENTITIES_PAGE,
            json!({ "kinds": kinds, "first": first, "after": after }),
        )
        .await;
        let connection = &d["entities"];
        let page_total = int(&connection["totalCount"]);
        assert_eq!(
            *total.get_or_insert(page_total),
            page_total,
            "totalCount changed between pages"
        );
        let edges = connection["edges"].as_array().expect("edges");
        assert!(edges.len() as i64 <= first);
        let page_ids: Vec<String> = edges
            .iter()
            .map(|e| text(&e["node"]["id"]).to_owned())
            .collect();
        assert_eq!(
            ids(&connection["nodes"]),
            page_ids,
            "nodes and edges disagree"
        );
        let info = &connection["pageInfo"];
        assert_eq!(info["hasPreviousPage"], json!(page_number > 0));
        if let (Some(first_edge), Some(last_edge)) = (edges.first(), edges.last()) {
            assert_eq!(info["startCursor"], first_edge["cursor"]);
            assert_eq!(info["endCursor"], last_edge["cursor"]);
        }
        seen.extend(page_ids);
        if info["hasNextPage"] != json!(true) {
            break;
        }
        assert_eq!(edges.len() as i64, first, "a short page claims a next page");
        after = info["endCursor"].clone();
    }
    (seen, total.expect("at least one page"))
}

#[tokio::test]
async fn entities_pages_through_every_standard_exactly_once() {
    let (seen, total) = page_all(json!(["STANDARD"]), 4).await;
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(
        distinct.len(),
        seen.len(),
        "an entity was visited twice: {seen:?}"
    );
    assert_eq!(seen.len() as i64, total);
    assert!(
        seen.iter().all(|id| id.starts_with("standard:")),
        "{seen:?}"
    );
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "standards are ordered by id");
    for expected in [
        "standard:gb-t-13560-2017",
        "standard:gb-t-16476-2018",
        "standard:xb-t-513-2020",
    ] {
        assert!(seen.iter().any(|id| id == expected), "{expected} missing");
    }
    let stats = data("{ stats { byKind { kind count } } }", json!({})).await;
    let standards = stats["stats"]["byKind"]
        .as_array()
        .expect("byKind")
        .iter()
        .find(|k| k["kind"] == "STANDARD")
        .map(|k| int(&k["count"]))
        .expect("a STANDARD count");
    assert_eq!(total, standards);
}

#[tokio::test]
async fn entities_pages_through_everything_ordered_by_kind_then_id() {
    let (seen, total) = page_all(Value::Null, 100).await;
    let stats = data("{ stats { entities } }", json!({})).await;
    assert_eq!(total, int(&stats["stats"]["entities"]));
    assert_eq!(seen.len() as i64, total);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
    // Kinds come in the schema's order, ids sorted within a kind.
    let order = [
        "organization",
        "official",
        "event",
        "directive",
        "standard",
        "standard-batch",
        "mineral",
        "application",
        "stage",
        "location",
        "source",
    ];
    let key = |id: &String| {
        let (prefix, _) = id.split_once(':').expect("a prefixed id");
        (
            order
                .iter()
                .position(|p| *p == prefix)
                .expect("a known prefix"),
            id.clone(),
        )
    };
    let keys: Vec<_> = seen.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn entities_filters_by_kinds() {
    let d = data(
        r#"{
            two: entities(kinds: [DIRECTIVE, STANDARD_BATCH], first: 100) { totalCount nodes { kind } }
            batches: entities(kinds: [STANDARD_BATCH]) { totalCount }
            directives: entities(kinds: [DIRECTIVE]) { totalCount }
        }"#,
        json!({}),
    )
    .await;
    let total = int(&d["two"]["totalCount"]);
    assert_eq!(
        total,
        int(&d["batches"]["totalCount"]) + int(&d["directives"]["totalCount"])
    );
    let nodes = d["two"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len() as i64, total);
    assert!(
        nodes
            .iter()
            .all(|n| n["kind"] == "DIRECTIVE" || n["kind"] == "STANDARD_BATCH")
    );
    assert_eq!(int(&d["batches"]["totalCount"]), 3);
}

#[tokio::test]
async fn entities_after_the_last_cursor_is_an_empty_page() {
    let vars = |after: Value| json!({ "kinds": ["STANDARD_BATCH"], "first": 10, "after": after });
    let all = data(ENTITIES_PAGE, vars(Value::Null)).await;
    let last = all["entities"]["pageInfo"]["endCursor"].clone();
    let d = data(ENTITIES_PAGE, vars(last)).await;
    assert_eq!(d["entities"]["edges"], json!([]));
    assert_eq!(d["entities"]["pageInfo"]["hasNextPage"], json!(false));
    assert_eq!(int(&d["entities"]["totalCount"]), 3);
}

#[tokio::test]
async fn entities_argument_errors_have_exact_codes() {
    let vars = |first: i64, after: Value| json!({ "kinds": null, "first": first, "after": after });
    assert_codes(
        ENTITIES_PAGE,
        vars(10, json!("not-a-cursor")),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(ENTITIES_PAGE, vars(10, json!("-3")), &["BAD_USER_INPUT"]).await;
    assert_codes(
        ENTITIES_PAGE,
        vars(10, json!("18446744073709551615")),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(ENTITIES_PAGE, vars(101, Value::Null), &["LIMIT_EXCEEDED"]).await;
    assert_codes(ENTITIES_PAGE, vars(-1, Value::Null), &["BAD_USER_INPUT"]).await;
    let d = data(ENTITIES_PAGE, vars(100, Value::Null)).await;
    assert_eq!(d["entities"]["edges"].as_array().expect("edges").len(), 100);
    let d = data(ENTITIES_PAGE, vars(0, Value::Null)).await;
    assert_eq!(d["entities"]["edges"], json!([]));
    assert_eq!(d["entities"]["pageInfo"]["hasNextPage"], json!(true));
}

// ------------------------------------------------------------------------------------------------
// Entity.relations (Relay)
// ------------------------------------------------------------------------------------------------

const RELATIONS_PAGE: &str = r#"query($id: ID!, $types: [RelationType!], $direction: Direction!, $first: Int!, $after: String) {
    entity(id: $id) {
        id
        relations(relationTypes: $types, direction: $direction, first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage endCursor }
            edges { cursor direction reading node { type label inverseLabel from { id } to { id } citations { grade } } }
        }
    }
}"#;

/// Every relation edge of an entity, paging `first` at a time, and the total reported.
async fn all_relation_edges(
    id: &str,
    types: Value,
    direction: &str,
    first: i64,
) -> (Vec<Value>, i64) {
    let mut edges = Vec::new();
    let mut after = Value::Null;
    let mut total = None;
    loop {
        let d = data(
            RELATIONS_PAGE,
            json!({ "id": id, "types": types, "direction": direction, "first": first, "after": after }),
        )
        .await;
        let connection = &d["entity"]["relations"];
        let page_total = int(&connection["totalCount"]);
        assert_eq!(*total.get_or_insert(page_total), page_total);
        let page = connection["edges"].as_array().expect("edges");
        assert!(page.len() as i64 <= first);
        edges.extend(page.iter().cloned());
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        assert!(!page.is_empty(), "an empty page claims a next page");
        after = connection["pageInfo"]["endCursor"].clone();
    }
    (edges, total.expect("a page"))
}

fn relation_key(edge: &Value) -> (String, String, String) {
    let node = &edge["node"];
    (
        text(&node["type"]).to_owned(),
        text(&node["from"]["id"]).to_owned(),
        text(&node["to"]["id"]).to_owned(),
    )
}

#[tokio::test]
async fn relations_connection_pages_consistently_with_total_count() {
    let id = "organization:sac-tc-229";
    let (both, total) = all_relation_edges(id, Value::Null, "BOTH", 4).await;
    assert_eq!(both.len() as i64, total);
    let keys: BTreeSet<_> = both.iter().map(relation_key).collect();
    assert_eq!(keys.len(), both.len(), "a relation was listed twice");
    let (outgoing, out_total) = all_relation_edges(id, Value::Null, "OUTGOING", 100).await;
    let (incoming, in_total) = all_relation_edges(id, Value::Null, "INCOMING", 100).await;
    assert_eq!(out_total + in_total, total);
    // Outgoing first, then incoming.
    let listed: Vec<_> = both.iter().map(relation_key).collect();
    let expected: Vec<_> = outgoing.iter().chain(&incoming).map(relation_key).collect();
    assert_eq!(listed, expected);
    for edge in &both {
        let node = &edge["node"];
        assert!(!node["citations"].as_array().expect("citations").is_empty());
        match text(&edge["direction"]) {
            "OUTGOING" => {
                assert_eq!(node["from"]["id"], id);
                assert_eq!(edge["reading"], node["label"]);
            }
            "INCOMING" => {
                assert_eq!(node["to"]["id"], id);
                assert_eq!(edge["reading"], node["inverseLabel"]);
            }
            other => panic!("edge direction {other}"),
        }
    }
    assert!(outgoing.iter().all(|e| e["direction"] == "OUTGOING"));
    assert!(incoming.iter().all(|e| e["direction"] == "INCOMING"));
}

#[tokio::test]
async fn relations_connection_filters_by_type_and_direction() {
    let (edges, total) = all_relation_edges(
        "organization:sac-tc-229",
        json!(["ADMINISTERS"]),
        "OUTGOING",
        3,
    )
    .await;
    assert_eq!(edges.len() as i64, total);
    for edge in &edges {
        assert_eq!(edge["node"]["type"], "ADMINISTERS");
        assert_eq!(edge["reading"], "administers");
    }
    let administered: BTreeSet<&str> = edges.iter().map(|e| text(&e["node"]["to"]["id"])).collect();
    for id in ["standard:gb-t-16476-2018", "standard:gb-t-13560-2017"] {
        assert!(
            administered.contains(id),
            "SAC/TC 229 should administer {id}: {administered:?}"
        );
    }
    let (incoming, _) = all_relation_edges(
        "standard:gb-t-16476-2018",
        json!(["ADMINISTERS"]),
        "INCOMING",
        10,
    )
    .await;
    assert!(incoming.iter().all(|e| e["reading"] == "administered by"));
    assert!(
        incoming
            .iter()
            .any(|e| e["node"]["from"]["id"] == "organization:sac-tc-229")
    );
    let (none, total) = all_relation_edges("mineral:scandium", json!([]), "BOTH", 10).await;
    assert!(none.is_empty());
    assert_eq!(total, 0);
}

#[tokio::test]
async fn relations_connection_argument_errors_have_exact_codes() {
    let vars = |first: i64, after: Value| json!({ "id": "organization:sac-tc-229", "types": null, "direction": "BOTH", "first": first, "after": after });
    assert_codes(RELATIONS_PAGE, vars(101, Value::Null), &["LIMIT_EXCEEDED"]).await;
    assert_codes(RELATIONS_PAGE, vars(-5, Value::Null), &["BAD_USER_INPUT"]).await;
    assert_codes(
        RELATIONS_PAGE,
        vars(5, json!("cursor?")),
        &["BAD_USER_INPUT"],
    )
    .await;
}

// ------------------------------------------------------------------------------------------------
// search
// ------------------------------------------------------------------------------------------------

async fn search(query: &str, kinds: Value, first: i64) -> Vec<(String, f64)> {
    let d = data(
        "query($q: String!, $kinds: [EntityKind!], $first: Int!) { search(query: $q, kinds: $kinds, first: $first) { score entity { id kind } } }",
        json!({ "q": query, "kinds": kinds, "first": first }),
    )
    .await;
    let hits: Vec<(String, f64)> = d["search"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            (
                text(&h["entity"]["id"]).to_owned(),
                h["score"].as_f64().expect("a score"),
            )
        })
        .collect();
    assert!(hits.len() as i64 <= first);
    for pair in hits.windows(2) {
        assert!(
            pair[0].1 >= pair[1].1,
            "{query}: hits are not ranked: {hits:?}"
        );
    }
    for (_, score) in &hits {
        assert!(
            *score > 0.0 && *score <= 1.0,
            "{query}: score out of (0, 1]: {hits:?}"
        );
    }
    hits
}

async fn top_hit(query: &str) -> String {
    search(query, Value::Null, 5)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no hit for {query:?}"))
        .0
}

#[tokio::test]
async fn search_is_case_and_accent_insensitive() {
    for query in ["scandium", "SCANDIUM", "ScAnDiUm", "Scàndíum"] {
        assert_eq!(top_hit(query).await, "mineral:scandium", "{query}");
    }
    for query in ["dysprosium", "DYSPRÓSIUM", "Dysprösium"] {
        assert_eq!(top_hit(query).await, "mineral:dysprosium", "{query}");
    }
}

#[tokio::test]
async fn search_finds_chinese_aliases_and_parts_of_them() {
    for query in [
        "全国稀土标准化技术委员会",
        "全国稀土标准化",
        "稀土标准化技术委员会",
        "稀土标准",
    ] {
        assert_eq!(top_hit(query).await, "organization:sac-tc-229", "{query}");
    }
    for query in ["曹一丁", "一丁"] {
        assert_eq!(top_hit(query).await, "official:cao-yiding", "{query}");
    }
    let hits = search("金属钪", Value::Null, 10).await;
    let found: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
    assert!(found.contains(&"standard:gb-t-16476-2018"), "{found:?}");
    assert!(found.contains(&"mineral:scandium-metal"), "{found:?}");
}

#[tokio::test]
async fn search_matches_loosely_written_standard_codes() {
    for query in [
        "GB/T 13560-2017",
        "GB/T 13560",
        "gbt13560-2017",
        "GBT13560 2017",
        "gb t 13560",
    ] {
        assert_eq!(top_hit(query).await, "standard:gb-t-13560-2017", "{query}");
    }
    assert_eq!(top_hit("xbt 513").await, "standard:xb-t-513-2020");
    assert_eq!(top_hit("ISO/TS 22451").await, "standard:iso-ts-22451-2021");
    assert_eq!(top_hit("SAC/TC229").await, "organization:sac-tc-229");
}

#[tokio::test]
async fn search_tolerates_a_small_typo() {
    assert_eq!(top_hit("scandum").await, "mineral:scandium");
    assert_eq!(top_hit("dysprosuim").await, "mineral:dysprosium");
}

#[tokio::test]
async fn search_ranks_an_exact_name_first() {
    let hits = search("Dysprosium", Value::Null, 10).await;
    assert_eq!(hits[0], ("mineral:dysprosium".to_owned(), 1.0));
    assert!(hits[1..].iter().all(|(_, s)| *s < 1.0), "{hits:?}");
    let hits = search("Scandium oxide", Value::Null, 10).await;
    assert_eq!(hits[0], ("mineral:scandium-oxide".to_owned(), 1.0));
    let hits = search("gbt135602017", Value::Null, 10).await;
    assert_eq!(hits[0], ("standard:gb-t-13560-2017".to_owned(), 1.0));
}

#[tokio::test]
async fn search_respects_kinds_first_and_its_limits() {
    let hits = search("scandium", json!(["STANDARD"]), 10).await;
    assert!(!hits.is_empty());
    assert!(
        hits.iter().all(|(id, _)| id.starts_with("standard:")),
        "{hits:?}"
    );
    assert_eq!(search("scandium", Value::Null, 2).await.len(), 2);
    assert!(search("zzzzqqqq", Value::Null, 10).await.is_empty());
    assert!(search("   ", Value::Null, 10).await.is_empty());
    let query = "query($q: String!, $first: Int!) { search(query: $q, first: $first) { score } }";
    assert_codes(
        query,
        json!({ "q": "scandium", "first": 101 }),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        query,
        json!({ "q": "scandium", "first": -1 }),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(
        query,
        json!({ "q": "x".repeat(201), "first": 10 }),
        &["LIMIT_EXCEEDED"],
    )
    .await;
}

// ------------------------------------------------------------------------------------------------
// neighborhood
// ------------------------------------------------------------------------------------------------

const NEIGHBORHOOD: &str = r#"query($id: ID!, $depth: Int!, $limit: Int!, $types: [RelationType!], $direction: Direction!) {
    neighborhood(id: $id, depth: $depth, limit: $limit, relationTypes: $types, direction: $direction) {
        truncated
        entities { id }
        relations { type from { id } to { id } }
    }
}"#;

async fn neighborhood(id: &str, depth: i64, limit: i64) -> Value {
    let d = data(
        NEIGHBORHOOD,
        json!({ "id": id, "depth": depth, "limit": limit, "types": null, "direction": "BOTH" }),
    )
    .await;
    let sub = d["neighborhood"].clone();
    check_subgraph(&sub, id);
    sub
}

/// The start comes first, no entity repeats, no relation repeats, every relation joins two
/// returned entities.
fn check_subgraph(sub: &Value, start: &str) {
    let entities = ids(&sub["entities"]);
    if let Some(first) = entities.first() {
        assert_eq!(first, start);
    }
    let set: HashSet<&String> = entities.iter().collect();
    assert_eq!(set.len(), entities.len(), "an entity repeats: {entities:?}");
    let relations = sub["relations"].as_array().expect("relations");
    let mut seen = HashSet::new();
    for relation in relations {
        let (from, to) = (
            text(&relation["from"]["id"]).to_owned(),
            text(&relation["to"]["id"]).to_owned(),
        );
        assert!(
            set.contains(&from) && set.contains(&to),
            "{from} -> {to} leaves the subgraph"
        );
        assert!(
            seen.insert((text(&relation["type"]).to_owned(), from, to)),
            "a relation repeats"
        );
    }
}

#[tokio::test]
async fn neighborhood_depth_zero_is_the_entity_alone() {
    let sub = neighborhood("event:tc229-2025-annual-meeting", 0, 200).await;
    assert_eq!(ids(&sub["entities"]), ["event:tc229-2025-annual-meeting"]);
    assert_eq!(sub["relations"], json!([]));
    assert_eq!(sub["truncated"], json!(false));
}

#[tokio::test]
async fn neighborhood_depth_one_is_exactly_the_neighbors() {
    let id = "event:tc229-2025-annual-meeting";
    let sub = neighborhood(id, 1, 200).await;
    assert_eq!(sub["truncated"], json!(false));
    let (edges, total) = all_relation_edges(id, Value::Null, "BOTH", 100).await;
    let relations = sub["relations"].as_array().expect("relations");
    assert_eq!(
        relations.len() as i64,
        total,
        "depth 1 returns every relation of the entity"
    );
    let mut expected: BTreeSet<String> = edges
        .iter()
        .map(|e| {
            let node = &e["node"];
            if e["direction"] == "OUTGOING" {
                text(&node["to"]["id"])
            } else {
                text(&node["from"]["id"])
            }
            .to_owned()
        })
        .collect();
    expected.insert(id.to_owned());
    let got: BTreeSet<String> = ids(&sub["entities"]).into_iter().collect();
    assert_eq!(got, expected);
    for relation in relations {
        assert!(relation["from"]["id"] == id || relation["to"]["id"] == id);
    }
    for must in [
        "official:cao-yiding",
        "location:tonglu-county",
        "organization:sac-tc-229",
    ] {
        assert!(got.contains(must), "{must} is next to the meeting: {got:?}");
    }
}

#[tokio::test]
async fn neighborhood_depth_two_extends_depth_one() {
    let id = "official:cao-yiding";
    let one: BTreeSet<String> = ids(&neighborhood(id, 1, 1000).await["entities"])
        .into_iter()
        .collect();
    let two = neighborhood(id, 2, 1000).await;
    assert_eq!(two["truncated"], json!(false));
    let two_ids = ids(&two["entities"]);
    // Breadth first: the depth-1 entities come first, then the new ones.
    let prefix: BTreeSet<String> = two_ids[..one.len()].iter().cloned().collect();
    assert_eq!(prefix, one);
    assert!(two_ids.len() > one.len());
    assert!(
        two_ids.contains(&"location:tonglu-county".to_owned()),
        "{two_ids:?}"
    );
}

#[tokio::test]
async fn neighborhood_limit_truncates() {
    let full = neighborhood("organization:sac-tc-229", 2, 1000).await;
    assert_eq!(full["truncated"], json!(false));
    let full_len = full["entities"].as_array().expect("entities").len();
    assert!(full_len > 5);
    let cut = neighborhood("organization:sac-tc-229", 2, 5).await;
    assert_eq!(cut["truncated"], json!(true));
    assert_eq!(cut["entities"].as_array().expect("entities").len(), 5);
    let exact = neighborhood(
        "organization:sac-tc-229",
        2,
        i64::try_from(full_len).expect("small"),
    )
    .await;
    assert_eq!(exact["entities"], full["entities"]);
}

#[tokio::test]
async fn neighborhood_follows_only_the_given_types_and_direction() {
    let d = data(
        NEIGHBORHOOD,
        json!({ "id": "organization:sac-tc-229", "depth": 2, "limit": 200, "types": ["ADMINISTERS"], "direction": "OUTGOING" }),
    )
    .await;
    let sub = &d["neighborhood"];
    check_subgraph(sub, "organization:sac-tc-229");
    let relations = sub["relations"].as_array().expect("relations");
    assert!(!relations.is_empty());
    for relation in relations {
        assert_eq!(relation["type"], "ADMINISTERS");
    }
    assert!(ids(&sub["entities"]).contains(&"standard:gb-t-16476-2018".to_owned()));
}

#[tokio::test]
async fn neighborhood_errors_have_exact_codes() {
    let vars = |id: &str, depth: i64, limit: i64| json!({ "id": id, "depth": depth, "limit": limit, "types": null, "direction": "BOTH" });
    assert_codes(
        NEIGHBORHOOD,
        vars("mineral:unobtainium", 1, 10),
        &["NOT_FOUND"],
    )
    .await;
    assert_codes(
        NEIGHBORHOOD,
        vars("mineral:scandium", 5, 10),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        NEIGHBORHOOD,
        vars("mineral:scandium", -1, 10),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(
        NEIGHBORHOOD,
        vars("mineral:scandium", 1, 1001),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        NEIGHBORHOOD,
        vars("mineral:scandium", 1, -1),
        &["BAD_USER_INPUT"],
    )
    .await;
    let d = data(NEIGHBORHOOD, vars("mineral:scandium", 4, 1000)).await;
    check_subgraph(&d["neighborhood"], "mineral:scandium");
}

// ------------------------------------------------------------------------------------------------
// paths
// ------------------------------------------------------------------------------------------------

fn paths_query() -> String {
    format!(
        "query($from: ID!, $to: ID!, $maxHops: Int!, $first: Int!, $types: [RelationType!]) {{
            paths(from: $from, to: $to, maxHops: $maxHops, first: $first, relationTypes: $types) {{ {PATH} }}
        }}"
    )
}

async fn paths(from: &str, to: &str, max_hops: i64, first: i64, types: Value) -> Vec<Value> {
    let d = data(
        &paths_query(),
        json!({ "from": from, "to": to, "maxHops": max_hops, "first": first, "types": types }),
    )
    .await;
    let list = d["paths"].as_array().expect("paths").clone();
    assert!(list.len() as i64 <= first);
    for path in &list {
        check_path(path, from, to);
        assert!(int(&path["length"]) <= max_hops);
    }
    let lengths: Vec<i64> = list.iter().map(|p| int(&p["length"])).collect();
    assert!(
        lengths.windows(2).all(|w| w[0] <= w[1]),
        "paths are not shortest first: {lengths:?}"
    );
    let distinct: HashSet<String> = list.iter().map(|p| p["hops"].to_string()).collect();
    assert_eq!(distinct.len(), list.len(), "a path is listed twice");
    list
}

#[tokio::test]
async fn paths_are_shortest_first_loop_free_and_cited() {
    let list = paths(
        "official:cao-yiding",
        "location:tonglu-county",
        4,
        20,
        Value::Null,
    )
    .await;
    assert_eq!(list.len(), 20);
    assert_eq!(int(&list[0]["length"]), 2);
    let explanations: Vec<&str> = list.iter().map(|p| text(&p["explanation"])).collect();
    assert!(
        explanations.contains(
            &"Cao Yiding —participated in→ 2025 annual meeting of the National Rare Earth Standardization Technical Committee —located in→ Tonglu County"
        ),
        "{explanations:#?}"
    );
    assert!(list.iter().any(|p| int(&p["length"]) > 2));
}

#[tokio::test]
async fn paths_respect_relation_types() {
    let list = paths(
        "mineral:scandium",
        "standard:gb-t-16476-2018",
        4,
        5,
        json!(["COMPOSED_OF", "CONCERNS"]),
    )
    .await;
    assert!(!list.is_empty());
    assert_eq!(
        text(&list[0]["explanation"]),
        "Scandium —component of→ Scandium metal —subject of→ GB/T 16476-2018 Scandium metal"
    );
    for path in &list {
        for relation in path["relations"].as_array().expect("relations") {
            assert!(relation["type"] == "COMPOSED_OF" || relation["type"] == "CONCERNS");
        }
    }
}

#[tokio::test]
async fn paths_from_an_entity_to_itself_is_one_empty_path() {
    let list = paths("mineral:scandium", "mineral:scandium", 4, 3, Value::Null).await;
    assert_eq!(list.len(), 1);
    assert_eq!(int(&list[0]["length"]), 0);
    assert_eq!(ids(&list[0]["entities"]), ["mineral:scandium"]);
    assert_eq!(list[0]["hops"], json!([]));
    assert_eq!(list[0]["explanation"], "Scandium");
}

#[tokio::test]
async fn paths_beyond_max_hops_are_not_found() {
    assert!(
        paths("official:cao-yiding", "mineral:scandium", 1, 3, Value::Null)
            .await
            .is_empty()
    );
    assert!(
        paths(
            "official:cao-yiding",
            "location:tonglu-county",
            1,
            3,
            Value::Null
        )
        .await
        .is_empty()
    );
    assert!(
        paths(
            "official:cao-yiding",
            "location:tonglu-county",
            4,
            3,
            json!([])
        )
        .await
        .is_empty()
    );
    let direct = paths(
        "official:cao-yiding",
        "event:tc229-2025-annual-meeting",
        1,
        3,
        Value::Null,
    )
    .await;
    assert!(!direct.is_empty());
    assert!(direct.iter().all(|p| int(&p["length"]) == 1));
}

#[tokio::test]
async fn paths_errors_have_exact_codes() {
    let query = paths_query();
    let vars = |from: &str, to: &str, max_hops: i64, first: i64| json!({ "from": from, "to": to, "maxHops": max_hops, "first": first, "types": null });
    assert_codes(
        &query,
        vars("mineral:scandium", "official:cao-yiding", 7, 3),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", "official:cao-yiding", -1, 3),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", "official:cao-yiding", 3, 101),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:nothing", "official:cao-yiding", 3, 3),
        &["NOT_FOUND"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", "official:nobody", 3, 3),
        &["NOT_FOUND"],
    )
    .await;
    paths("mineral:scandium", "official:cao-yiding", 6, 3, Value::Null).await;
}

// ------------------------------------------------------------------------------------------------
// related
// ------------------------------------------------------------------------------------------------

fn related_query() -> String {
    format!(
        "query($to: ID!, $kinds: [EntityKind!]!, $maxHops: Int!, $first: Int!, $maxDegree: Int) {{
            related(to: $to, kinds: $kinds, maxHops: $maxHops, first: $first, maxIntermediateDegree: $maxDegree) {{
                distance specificityCost entity {{ id kind }} path {{ {PATH} }}
            }}
        }}"
    )
}

async fn related(
    to: &str,
    kinds: Value,
    max_hops: i64,
    first: i64,
    max_degree: Value,
) -> Vec<Value> {
    let d = data(
        &related_query(),
        json!({ "to": to, "kinds": kinds, "maxHops": max_hops, "first": first, "maxDegree": max_degree }),
    )
    .await;
    let list = d["related"].as_array().expect("related").clone();
    assert!(list.len() as i64 <= first);
    let allowed: Vec<&str> = kinds.as_array().expect("kinds").iter().map(text).collect();
    let mut seen = HashSet::new();
    for r in &list {
        let entity = text(&r["entity"]["id"]);
        assert!(seen.insert(entity.to_owned()), "{entity} listed twice");
        assert_ne!(entity, to);
        assert!(
            allowed.is_empty() || allowed.contains(&text(&r["entity"]["kind"])),
            "{r:#}"
        );
        check_path(&r["path"], to, entity);
        assert_eq!(r["distance"], r["path"]["length"]);
        assert!((1..=max_hops).contains(&int(&r["distance"])));
    }
    let distances: Vec<i64> = list.iter().map(|r| int(&r["distance"])).collect();
    assert!(
        distances.windows(2).all(|w| w[0] <= w[1]),
        "not nearest first: {distances:?}"
    );
    list
}

/// The degree and kind of each entity, by id.
async fn degrees(ids: &[String]) -> Vec<(String, i64)> {
    let d = data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Entity { kind relations(first: 0) { totalCount } } } }",
        json!({ "ids": ids }),
    )
    .await;
    d["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                text(&n["kind"]).to_owned(),
                int(&n["relations"]["totalCount"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn related_is_nearest_first_and_respects_kinds() {
    let list = related(
        "application:defense-grade-magnets",
        json!(["STANDARD", "MINERAL"]),
        3,
        50,
        Value::Null,
    )
    .await;
    assert!(list.iter().any(|r| r["entity"]["kind"] == "STANDARD"));
    assert!(list.iter().any(|r| r["entity"]["kind"] == "MINERAL"));
    let found: Vec<&str> = list.iter().map(|r| text(&r["entity"]["id"])).collect();
    assert!(found.contains(&"mineral:dysprosium"), "{found:?}");
    let only = related(
        "application:defense-grade-magnets",
        json!(["STANDARD"]),
        3,
        50,
        Value::Null,
    )
    .await;
    assert!(only.iter().all(|r| r["entity"]["kind"] == "STANDARD"));
    let two = related(
        "application:defense-grade-magnets",
        json!(["STANDARD"]),
        3,
        2,
        Value::Null,
    )
    .await;
    assert_eq!(two.len(), 2);
    assert_eq!(two[..], only[..2], "first cuts the same ranking");
}

#[tokio::test]
async fn related_never_passes_through_a_hub_or_a_source() {
    let stats = data("{ stats { hubDegree } }", json!({})).await;
    let hub_degree = int(&stats["stats"]["hubDegree"]);
    let everything = json!([
        "ORGANIZATION",
        "OFFICIAL",
        "EVENT",
        "DIRECTIVE",
        "STANDARD",
        "STANDARD_BATCH",
        "MINERAL",
        "APPLICATION",
        "SUPPLY_CHAIN_STAGE",
        "LOCATION",
        "SOURCE"
    ]);
    let mut checked = 0;
    let mut hubs_found = 0;
    for to in [
        "organization:sac-tc-229",
        "mineral:scandium",
        "official:cao-yiding",
        "location:tonglu-county",
    ] {
        let list = related(to, everything.clone(), 3, 100, Value::Null).await;
        assert!(!list.is_empty());
        let mut intermediates: Vec<String> = Vec::new();
        for r in &list {
            let entities = ids(&r["path"]["entities"]);
            intermediates.extend(entities[1..entities.len() - 1].iter().cloned());
        }
        intermediates.sort();
        intermediates.dedup();
        for (id, (kind, degree)) in intermediates.iter().zip(degrees(&intermediates).await) {
            assert_ne!(
                kind, "SOURCE",
                "a path from {to} passes through the source {id}"
            );
            assert!(
                degree <= hub_degree,
                "a path from {to} passes through the hub {id} ({degree} relations)"
            );
            checked += 1;
        }
        let found: Vec<String> = list
            .iter()
            .map(|r| text(&r["entity"]["id"]).to_owned())
            .collect();
        hubs_found += degrees(&found)
            .await
            .iter()
            .filter(|(_, d)| *d > hub_degree)
            .count();
    }
    assert!(
        checked > 10,
        "too few intermediates to be a test ({checked})"
    );
    assert!(hubs_found > 0, "hubs may be found, just not passed through");
}

#[tokio::test]
async fn related_max_intermediate_degree_lowers_the_hub_threshold() {
    let list = related("mineral:scandium", json!([]), 3, 100, json!(0)).await;
    assert!(!list.is_empty());
    assert!(
        list.iter().all(|r| int(&r["distance"]) == 1),
        "nothing can be passed through"
    );
    let list = related("mineral:scandium", json!([]), 3, 100, json!(3)).await;
    let intermediates: Vec<String> = list
        .iter()
        .flat_map(|r| {
            let entities = ids(&r["path"]["entities"]);
            entities[1..entities.len() - 1].to_vec()
        })
        .collect();
    for (id, (_, degree)) in intermediates.iter().zip(degrees(&intermediates).await) {
        assert!(degree <= 3, "{id} has {degree} relations");
    }
}

#[tokio::test]
async fn related_errors_have_exact_codes() {
    let query = related_query();
    let vars = |to: &str, max_hops: i64, first: i64, max_degree: Value| json!({ "to": to, "kinds": ["STANDARD"], "maxHops": max_hops, "first": first, "maxDegree": max_degree });
    assert_codes(
        &query,
        vars("mineral:scandium", 7, 10, Value::Null),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", -1, 10, Value::Null),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", 3, 101, Value::Null),
        &["LIMIT_EXCEEDED"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:scandium", 3, 10, json!(-1)),
        &["BAD_USER_INPUT"],
    )
    .await;
    assert_codes(
        &query,
        vars("mineral:nothing", 3, 10, Value::Null),
        &["NOT_FOUND"],
    )
    .await;
    let list = related("mineral:scandium", json!(["STANDARD"]), 6, 100, Value::Null).await;
    assert!(!list.is_empty());
}

// ------------------------------------------------------------------------------------------------
// stats, relationTypes
// ------------------------------------------------------------------------------------------------

#[tokio::test]
async fn stats_add_up() {
    let d = data(
        "{ stats { entities relations hubDegree dataVersion byKind { kind count } } all: entities { totalCount } }",
        json!({}),
    )
    .await;
    let stats = &d["stats"];
    let by_kind = stats["byKind"].as_array().expect("byKind");
    let sum: i64 = by_kind.iter().map(|k| int(&k["count"])).sum();
    assert_eq!(sum, int(&stats["entities"]));
    assert_eq!(int(&d["all"]["totalCount"]), int(&stats["entities"]));
    assert_eq!(by_kind.len(), 11, "every kind is present in the real data");
    assert!(by_kind.iter().all(|k| int(&k["count"]) > 0));
    for k in by_kind {
        let page = data(
            "query($k: EntityKind!) { entities(kinds: [$k]) { totalCount } }",
            json!({ "k": k["kind"] }),
        )
        .await;
        assert_eq!(page["entities"]["totalCount"], k["count"], "{}", k["kind"]);
    }
    let graph = common::real_graph();
    assert_eq!(
        int(&stats["relations"]),
        graph.relation_keys().count() as i64
    );
    assert!(int(&stats["hubDegree"]) >= 16);
    let version = text(&stats["dataVersion"]);
    assert_eq!(version.len(), 16);
    assert!(version.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(version, format!("{:016x}", graph.fingerprint()));
}

#[tokio::test]
async fn relation_types_list_the_vocabulary() {
    let d = data(
        r#"{
            relationTypes { type label inverseLabel fromKinds toKinds }
            __type(name: "RelationType") { enumValues { name } }
        }"#,
        json!({}),
    )
    .await;
    let types = d["relationTypes"].as_array().expect("relationTypes");
    // One entry per value of the RelationType enum, in the enum's order.
    let listed: Vec<&Value> = types.iter().map(|t| &t["type"]).collect();
    let declared: Vec<&Value> = d["__type"]["enumValues"]
        .as_array()
        .expect("enumValues")
        .iter()
        .map(|v| &v["name"])
        .collect();
    assert_eq!(listed, declared);
    let distinct: HashSet<&str> = types.iter().map(|t| text(&t["label"])).collect();
    assert_eq!(distinct.len(), types.len(), "two types share a label");
    let readings: Vec<Value> = types
        .iter()
        .map(|t| json!([t["type"], t["label"], t["inverseLabel"]]))
        .collect();
    insta::assert_json_snapshot!("relation_type_readings", readings);
    for t in types {
        assert!(
            !t["fromKinds"].as_array().expect("fromKinds").is_empty(),
            "{t}"
        );
        assert!(!t["toKinds"].as_array().expect("toKinds").is_empty(), "{t}");
    }
    let administers = types
        .iter()
        .find(|t| t["type"] == "ADMINISTERS")
        .expect("ADMINISTERS");
    assert_eq!(administers["fromKinds"], json!(["ORGANIZATION"]));
    assert_eq!(administers["inverseLabel"], "administered by");
}

// ------------------------------------------------------------------------------------------------
// schema-wide limits

/// Depth and cost refusals (admission, before validation) name the configured limit, with the
/// LIMIT_EXCEEDED code and no `data`, through `schema.execute` as through HTTP; the cost refusal
/// says what to cut.
#[tokio::test]
async fn depth_and_cost_refusals_name_the_limit() {
    use reegraph::graphql::{AdmissionLimits, DocumentLimits};
    let schema = reegraph::graphql::build_schema(reegraph::graphql::SchemaOptions {
        admission: AdmissionLimits {
            document: DocumentLimits {
                max_depth: 5,
                ..DocumentLimits::default()
            },
            max_cost: 50,
            ..AdmissionLimits::default()
        },
        ..reegraph::graphql::SchemaOptions::default()
    });
    let deep = "{ entity(id: \"x\") { relations(first: 1) { nodes { to { relations(first: 1) \
                { nodes { type } } } } } } }";
    let costly = "{ search(query: \"neodymium\", first: 100) { score } }";
    for (query, wording) in [
        (deep, "nests selections deeper than the limit of 5"),
        (
            costly,
            "estimated cost is 101, above the limit of 50; reduce `first` on `search` from 100 \
             to 49 (2.0×)",
        ),
    ] {
        let request =
            reegraph::graphql::with_graph(async_graphql::Request::new(query), common::real_graph());
        let response = serde_json::to_value(schema.execute(request).await).expect("JSON");
        assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"], "{response:#}");
        let message = response["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains(wording), "{message}");
        assert!(response["data"].is_null(), "{response:#}");
    }
    let shallow = "{ search(query: \"neodymium\", first: 5) { score } }";
    let request =
        reegraph::graphql::with_graph(async_graphql::Request::new(shallow), common::real_graph());
    assert!(schema.execute(request).await.errors.is_empty());
}
