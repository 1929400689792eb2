//! The response cache across writes (`graph::reads`): a kept answer is served on a later data
//! version only while no write since touched what it read, and then it equals a fresh
//! execution, for every root field and every kind of write.
//!
//! Each step warms the cache with every query of the corpus (each sent until kept), makes one
//! write over HTTP, then asks every query twice: as sent (the cache may answer) and with an
//! unused variable (a key of its own, so executed afresh); the two answers must be equal. The
//! cache's own counters (`reegraph_response_cache_total`) show that answers the write did not
//! touch were served from the cache, and that the ones it touched were made again.

use serde_json::{Value, json};

use crate::auth::{config, fixture};
use crate::writes_http::{post, serve_with_store};

/// Read-only documents covering every root field of `Query`, type-specific fields, filters,
/// orders, counts and traversals; several name entities the writes below create or change.
const CORPUS: &[&str] = &[
    r#"{ entity(id: "mineral:scandium") { id name description aliases
        citations { grade quote source { id name } } } }"#,
    r#"{ entity(id: "application:defense-grade-magnets") { name relations(first: 50) {
        totalCount edges { reading node { type label from { id name } to { id name } grade
        citations { quote } } } } } }"#,
    r#"{ entity(id: "mineral:scandium") { relationCounts(groupBy: [RELATION_TYPE, KIND]) {
        total groupCount groups { count } } } }"#,
    r#"{ entity(id: "application:ev-motors") { id name aliases description } }"#,
    r#"{ entity(id: "application:cache-probe") { id name citations { quote } } }"#,
    r#"{ entity(id: "application:cache-probe") { relations { totalCount nodes { type
        from { id } } } } }"#,
    r#"{ nodes(ids: ["mineral:scandium", "application:cache-probe"]) { id } }"#,
    r#"{ node(id: "application:ev-motors") { id } }"#,
    r#"{ entities(kinds: [APPLICATION], first: 50) { edges { cursor node { id name } }
        pageInfo { hasNextPage } } }"#,
    r#"{ entities(kinds: [STANDARD], first: 5) { edges { node { id name } } } }"#,
    r#"{ entities(kinds: [APPLICATION], where: { name: { contains: "motor" } },
        orderBy: [{ field: NAME }], first: 10) { edges { node { id name } } } }"#,
    r#"{ entities(kinds: [MINERAL], orderBy: [{ field: DEGREE, direction: DESC }], first: 5) {
        edges { node { id } } } }"#,
    r#"{ entities(kinds: [MINERAL], where: { relation: { type: USED_IN,
        to: { kind: { eq: APPLICATION } } } }, first: 50) { edges { node { id } } } }"#,
    r#"{ entityCounts(kinds: [APPLICATION, STANDARD], groupBy: [KIND]) { total groups {
        count } } }"#,
    r#"{ entityCounts(kinds: [MINERAL], groupBy: [RELATED], related: { type: USED_IN,
        kinds: [APPLICATION] }) { total groupCount groups { count } } }"#,
    r#"{ search(query: "motor") { score entity { id name } } }"#,
    r#"{ search(query: "scandium", kinds: [MINERAL]) { entity { id } } }"#,
    r#"{ neighborhood(id: "mineral:scandium", depth: 2, limit: 100) { truncated
        entities { id name } relations { type from { id } to { id } } } }"#,
    r#"{ neighborhood(id: "organization:sac-tc-229", depth: 1) { entities { id } } }"#,
    r#"{ paths(from: "mineral:scandium", to: "application:defense-grade-magnets", maxHops: 3) {
        length explanation hops { reading } } }"#,
    r#"{ related(to: "application:defense-grade-magnets", kinds: [STANDARD], maxHops: 3,
        first: 10) { distance entity { id name } path { explanation } } }"#,
    r#"{ related(to: "mineral:scandium", kinds: [APPLICATION], maxHops: 2) { entity { id } } }"#,
    r#"{ stats { entities relations hubDegree byKind { kind count } dataVersion } }"#,
    r#"{ relationTypes { type label fromKinds } }"#,
    r#"{ history(id: "mineral:scandium") { version changeSets { version } } }"#,
    r#"{ changes(since: 0) { version changeSets { version changes { op target } } } }"#,
    r#"{ entity(id: "standard:gb-t-13560-2017") { ... on Standard { code level status
        issuedBy { id } minerals { id } applications { id } } } }"#,
    r#"{ entity(id: "mineral:scandium") { ... on Mineral { applications { id } standards {
        id } components { id } } } }"#,
    r#"{ entity(id: "mineral:scandium") { relations(where: { kind: { in: [APPLICATION] } },
        orderBy: [{ field: NAME }]) { edges { node { to { id name } } } } } }"#,
];

const APPLY: &str = "mutation($changes: [ChangeInput!]!) {
  applyChanges(reason: \"cache test\", changes: $changes) { version } }";

fn cite(quote: &str) -> Value {
    json!([{ "source": "source:reex-2025-tonglu", "quote": quote, "grade": "REPORTED" }])
}

/// The writes, in order: each a different kind of change, most of them to records the corpus
/// reads, one (the first) to nothing it reads.
fn writes() -> Vec<(&'static str, Value)> {
    let ev_motors = json!({
        "id": "application:ev-motors",
        "name": "Electric-vehicle traction motors",
        "aliases": ["EV motors", "permanent-magnet motors"],
        "description": "Renamed by the cache test.",
        "sector": "TRANSPORT",
        "citations": cite("NdPr magnets"),
    });
    vec![
        (
            "a new SOURCE no query reads",
            json!([{ "addSource": { "record": { "id": "source:cache-note", "name": "A note",
                "source_type": "RESEARCH_NOTES", "citations": [{ "source": "source:cache-note",
                "quote": "Scandium is noted.", "grade": "VERIFIED" }] },
                "text": "Scandium is noted.\n" } }]),
        ),
        (
            "a new application that queries looked up before it existed",
            json!([{ "createEntity": { "id": "application:cache-probe", "name": "Cache motor probe",
                "citations": cite("NdPr magnets") } }]),
        ),
        (
            "a new relation between an existing and a new entity",
            json!([{ "addRelation": { "from": "mineral:scandium", "type": "USED_IN",
                "to": "application:cache-probe", "citations": cite("scandium") } }]),
        ),
        (
            "a citation added to that relation",
            json!([{ "addCitation": { "target": "USED_IN:mineral:scandium->application:cache-probe",
                "citation": { "source": "source:cache-note", "quote": "Scandium is noted.",
                "grade": "VERIFIED" } } }]),
        ),
        (
            "a base entity's new record",
            json!([{ "updateEntity": ev_motors }]),
        ),
        (
            "a relation between two base entities inside traversals",
            json!([{ "addRelation": { "from": "mineral:cerium", "type": "USED_IN",
                "to": "application:sintered-ndfeb-magnets", "citations": cite("NdPr magnets") } }]),
        ),
        (
            "the relation retracted",
            json!([{ "retract": "USED_IN:mineral:scandium->application:cache-probe" }]),
        ),
        (
            "the new application retracted",
            json!([{ "retract": "application:cache-probe" }]),
        ),
    ]
}

/// `reegraph_response_cache_total` by outcome.
async fn cache_counts(address: &str) -> (u64, u64, u64) {
    let metrics = crate::http::talk(
        address,
        format!("GET /metrics HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    let count = |outcome: &str| {
        let prefix = format!("reegraph_response_cache_total{{outcome=\"{outcome}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {prefix}in {metrics}"))
    };
    (count("hit"), count("stale"), count("miss"))
}

/// Sends `query` until the cache answers it (at most four times); its answer.
async fn warm(address: &str, query: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..4 {
        let before = cache_counts(address).await;
        let (status, body) = post(address, None, query, json!({})).await;
        assert!(
            status == 200 && body.get("errors").is_none(),
            "{query}: {body}"
        );
        last = body;
        if cache_counts(address).await.0 > before.0 {
            return last;
        }
    }
    panic!("never answered from the cache: {query}: {last}");
}

#[tokio::test]
async fn kept_answers_equal_fresh_ones_across_every_kind_of_write() {
    let fixture = fixture("test-only-ec-public.pem");
    let (_dir, _state, address) = serve_with_store(config(&fixture, false)).await;
    let mut nonce = 0u64;
    let mut held = 0;
    let mut stale = 0;
    for (what, changes) in writes() {
        for query in CORPUS {
            warm(&address, query).await;
        }
        let (status, body) = post(
            &address,
            Some(&fixture.editor_token),
            APPLY,
            json!({ "changes": changes }),
        )
        .await;
        assert!(
            status == 200 && body.get("errors").is_none(),
            "{what}: {body}"
        );
        for query in CORPUS {
            let before = cache_counts(&address).await;
            let (_, kept) = post(&address, None, query, json!({})).await;
            let after = cache_counts(&address).await;
            nonce += 1;
            let (_, fresh) = post(&address, None, query, json!({ "unusedNonce": nonce })).await;
            assert!(fresh.get("errors").is_none(), "{query}: {fresh}");
            assert_eq!(kept, fresh, "after {what}, the answer to {query}");
            if after.0 > before.0 {
                held += 1;
            } else {
                assert_eq!(after.1, before.1 + 1, "a kept answer, stale: {query}");
                stale += 1;
            }
        }
    }
    eprintln!("kept answers that held: {held}; made again: {stale}");
    // Both happened: answers outlived writes that did not touch them, and were made again
    // after writes that did.
    assert!(held > 0 && stale > 0, "held {held}, stale {stale}");
}

/// The bench's shape: an entity, a neighborhood, a path and a `related` answer each outlive a
/// write of a new SOURCE that none of them reads; `stats` (it counts the SOURCE) does not.
#[tokio::test]
async fn a_write_leaves_the_answers_it_does_not_touch_in_the_cache() {
    let fixture = fixture("test-only-ec-public.pem");
    let (_dir, _state, address) = serve_with_store(config(&fixture, false)).await;
    let untouched = [CORPUS[0], CORPUS[17], CORPUS[19], CORPUS[20]];
    let touched = CORPUS[22];
    for query in untouched.iter().chain([&touched]) {
        warm(&address, query).await;
    }
    let (status, body) = post(
        &address,
        Some(&fixture.editor_token),
        APPLY,
        json!({ "changes": writes()[0].1 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for query in untouched {
        let before = cache_counts(&address).await;
        post(&address, None, query, json!({})).await;
        assert_eq!(
            cache_counts(&address).await.0,
            before.0 + 1,
            "a hit: {query}"
        );
    }
    let before = cache_counts(&address).await;
    let (_, body) = post(&address, None, touched, json!({})).await;
    assert_eq!(
        cache_counts(&address).await.1,
        before.1 + 1,
        "stale: {body}"
    );
}
