//! Connection cursors across a data reload, never a silent shift: an `entities` cursor is keyed
//! on its entity's id and still points after the same entity; a `relations` cursor (data order,
//! no stable key) from an older version of the data is refused with STALE_CURSOR and a message
//! that says the data changed. The snapshot a cursor came from still honours it, and a reload of
//! identical data keeps every cursor valid.

use std::path::Path;
use std::sync::Arc;

use reegraph::graph::KnowledgeGraph;
use serde_json::{Value, json};

use crate::common::run_on;
use crate::reload::{copy_data, temp_dir};

fn load(dir: &Path) -> Arc<KnowledgeGraph> {
    let dataset = reegraph::dataset::load_dir(dir).unwrap_or_else(|e| panic!("loads: {e}"));
    Arc::new(KnowledgeGraph::new(dataset))
}

const ENTITIES: &str = r#"query($after: String) {
    entities(kinds: [APPLICATION], first: 3, after: $after) {
        edges { cursor node { id } } pageInfo { endCursor }
    }
}"#;

const RELATIONS: &str = r#"query($after: String) {
    entity(id: "mineral:dysprosium") {
        relations(first: 2, after: $after) { edges { cursor node { type } } pageInfo { endCursor } }
    }
}"#;

fn end_cursor(response: &Value, connection: &[&str]) -> Value {
    let mut value = &response["data"];
    for key in connection {
        value = &value[*key];
    }
    assert!(value["pageInfo"]["endCursor"].is_string(), "{response:#}");
    value["pageInfo"]["endCursor"].clone()
}

fn assert_stale(response: &Value) {
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], "STALE_CURSOR", "{response:#}");
    let message = error["message"].as_str().unwrap_or("");
    assert!(message.contains("the data changed"), "{message}");
    assert!(message.contains("without `after`"), "{message}");
}

#[tokio::test]
async fn cursors_from_before_a_reload_point_at_the_same_place_or_are_refused() {
    let dir = temp_dir("cursors");
    copy_data(&dir);
    let before = load(&dir);

    // A reload of the same files: same data version, the cursors stay valid.
    let same = load(&dir);
    assert_eq!(same.fingerprint(), before.fingerprint());

    let first = run_on(before.clone(), ENTITIES, json!({})).await;
    let entities_cursor = end_cursor(&first, &["entities"]);
    let first = run_on(before.clone(), RELATIONS, json!({})).await;
    let relations_cursor = end_cursor(&first, &["entity", "relations"]);
    let next_before = run_on(before.clone(), ENTITIES, json!({"after": entities_cursor})).await;
    assert!(next_before.get("errors").is_none(), "{next_before:#}");
    let on_same = run_on(same, ENTITIES, json!({"after": entities_cursor})).await;
    assert_eq!(on_same, next_before);

    // The data changes: an application that sorts first, and a relation of dysprosium. With
    // bare positions, the next page of applications would repeat the previous page's last one:
    // a silent shift.
    std::fs::write(
        dir.join("zz-cursor.toml"),
        r#"[[application]]
id = "application:aaa-cursor-probe"
name = "Cursor probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]

[[relation]]
from = "mineral:dysprosium"
type = "USED_IN"
to = "application:aaa-cursor-probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]
"#,
    )
    .expect("write");
    let after = load(&dir);
    assert_ne!(after.fingerprint(), before.fingerprint());

    let next_after = run_on(after.clone(), ENTITIES, json!({"after": entities_cursor})).await;
    assert_eq!(
        next_after, next_before,
        "the same next page after the reload"
    );
    assert_stale(&run_on(after.clone(), RELATIONS, json!({"after": relations_cursor})).await);

    // The snapshot the cursors came from still pages on as before.
    let again = run_on(before, ENTITIES, json!({"after": entities_cursor})).await;
    assert_eq!(again, next_before);

    // A fresh walk over the new data works and includes the new entity.
    let fresh = run_on(after, ENTITIES, json!({})).await;
    assert_eq!(
        fresh["data"]["entities"]["edges"][0]["node"]["id"], "application:aaa-cursor-probe",
        "{fresh:#}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn strings_that_are_not_cursors_are_bad_user_input() {
    let graph = crate::common::real_graph();
    for after in [
        "garbage",
        "5",
        "-1",
        "0000000000000000:x",
        "00:1",
        ":",
        "mineral:",
    ] {
        let response = run_on(graph.clone(), ENTITIES, json!({"after": after})).await;
        assert_eq!(
            response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{after}: {response:#}"
        );
    }
}

#[tokio::test]
async fn an_entity_cursor_need_not_name_an_existing_entity() {
    // The cursor of a removed entity still says where the page starts: after its id.
    let page = |after: &str| {
        run_on(
            crate::common::real_graph(),
            ENTITIES,
            json!({"after": after}),
        )
    };
    let no_slug = page("application:").await;
    assert_eq!(
        no_slug["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{no_slug:#}"
    );
    let response = page("application:m").await;
    let ids: Vec<&str> = response["data"]["entities"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("an id"))
        .collect();
    assert!(!ids.is_empty(), "{response:#}");
    assert!(ids.iter().all(|id| *id > "application:m"), "{ids:?}");
    let before = run_on(
        crate::common::real_graph(),
        r#"{ entities(kinds: [APPLICATION], first: 100) { edges { node { id } } } }"#,
        json!({}),
    )
    .await;
    let first_after: Vec<&str> = before["data"]["entities"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["id"].as_str().expect("an id"))
        .filter(|id| *id > "application:m")
        .take(3)
        .collect();
    assert_eq!(ids, first_after);
}
