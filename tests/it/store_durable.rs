//! Writes that outlive the process (issue 16): a restart replays the store (and a base that no
//! longer fits stops it, naming the change set), a reload replays it on the new base, and
//! `export` writes data files that load as the same graph.

use std::path::Path;
use std::sync::Arc;

use reegraph::graph::KnowledgeGraph;
use reegraph::store::{Store, StoreError};
use serde_json::json;

use crate::common::{data_dir, real_graph, schema};
use crate::reload::temp_dir;
use crate::store::{Server, cite, has, probe_app, probe_relation, texts};

#[tokio::test]
async fn a_restart_replays_the_store_and_a_base_that_no_longer_fits_stops_it() {
    let server = Server::new("store-replay");
    server
        .apply(json!([probe_app("kept"), probe_relation("kept")]))
        .await;
    server.apply(json!([{ "updateEntity": { "id": "application:kept", "name": "Kept", "citations": cite("NdPr magnets") } }])).await;
    let before = server.graph.load_full();
    let dir = {
        let Server {
            writes,
            graph,
            feed,
            dir,
        } = server;
        drop((writes, graph, feed));
        dir
    };
    let reopened = Server::open(dir.clone());
    let after = reopened.graph.load_full();
    assert_eq!(after.fingerprint(), before.fingerprint());
    assert_eq!(after.stats().relations, before.stats().relations);
    let kept = after.entity(after.lookup("application:kept").expect("replayed"));
    assert_eq!(kept.name, "Kept");
    let page = reopened
        .run(
            "{ changes(since: 1) { version changeSets { version author } } }",
            json!({}),
        )
        .await;
    assert_eq!(page["data"]["changes"]["changeSets"][0]["version"], 2);
    drop(reopened);
    // A base without mineral:scandium: change set 1 no longer applies, and start-up says so.
    let base = without_scandium();
    let error = Store::open(&dir.join("store.redb"), Arc::new(base), texts().as_ref())
        .expect_err("refused");
    let StoreError::Replay {
        version, problems, ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!(*version, 1);
    assert!(
        problems.iter().any(|p| p.path == "changes[1].record.from"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// `data/` without scandium and its relations, as a graph.
fn without_scandium() -> KnowledgeGraph {
    let mut ds = reegraph::dataset::load_dir(&data_dir()).expect("loads");
    ds.entities.retain(|e| e.id.as_str() != "mineral:scandium");
    ds.relations
        .retain(|r| r.from.as_str() != "mineral:scandium" && r.to.as_str() != "mineral:scandium");
    KnowledgeGraph::new(ds)
}

#[tokio::test]
async fn export_writes_data_files_that_load_as_the_same_graph() {
    let server = Server::new("store-export");
    let r = server
        .apply(json!([
            probe_app("exported"), probe_relation("exported"),
            { "addSource": { "record": { "id": "source:export-note", "name": "Export note",
                "source_type": "RESEARCH_NOTES", "citations": [{ "source": "source:export-note", "quote": "exported", "grade": "VERIFIED" }] },
              "text": "This text is exported." } },
            { "retract": "USED_IN:mineral:scandium->application:sc-based-alloys" }
        ]))
        .await;
    // The last retraction names a relation that may not exist; keep the batch valid either way.
    let r = if r.get("errors").is_some() {
        server.apply(json!([probe_app("exported"), probe_relation("exported"),
            { "addSource": { "record": { "id": "source:export-note", "name": "Export note",
                "source_type": "RESEARCH_NOTES", "citations": [{ "source": "source:export-note", "quote": "exported", "grade": "VERIFIED" }] },
              "text": "This text is exported." } }])).await
    } else {
        r
    };
    assert!(r.get("errors").is_none(), "{r:#}");
    let out = server.dir.join("export");
    {
        let mut store = server.writes.store();
        reegraph::store::export(store.working(), texts().as_ref(), &out).expect("exports");
    }
    let loaded = reegraph::dataset::load_dir(&out).unwrap_or_else(|e| panic!("export loads: {e}"));
    let graph = server.graph.load_full();
    let mut served: Vec<_> = graph.keys().map(|k| graph.entity(k).clone()).collect();
    let mut read = loaded.entities.clone();
    served.sort_by(|a, b| a.id.cmp(&b.id));
    read.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(served.len(), read.len());
    assert!(served == read, "entities differ after export");
    let key = |r: &reegraph::model::Relation| {
        (r.from.to_string(), r.relation_type.name(), r.to.to_string())
    };
    let mut served: Vec<_> = graph
        .relation_keys()
        .map(|k| graph.relation(k).clone())
        .collect();
    let mut read = loaded.relations.clone();
    served.sort_by_key(key);
    read.sort_by_key(key);
    assert!(served == read, "relations differ after export");
    assert!(Path::new(&out.join("sources/store/export-note.txt")).is_file());
    let _ = std::fs::remove_dir_all(server.close());
}

#[tokio::test]
async fn a_reload_replays_the_stored_changes_on_the_new_base() {
    use reegraph::http::{AppState, HttpConfig};
    let dir = temp_dir("store-reload");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (store, graph) =
        Store::open(&dir.join("store.redb"), real_graph(), texts().as_ref()).expect("opens");
    let state = AppState::with_store(
        schema(),
        graph,
        HttpConfig::default(),
        Some((store, texts())),
    );
    let writes = state.writes().expect("a store");
    let set: reegraph::store::ChangeSet = serde_json::from_value(json!({
        "author": "ed", "at_ms": 0, "reason": "r", "base_version": null,
        "changes": [{ "op": "createEntity", "record": probe_app("survives")["createEntity"] }]
    }))
    .expect("a change set");
    writes.write(set).expect("writes");
    let fresh = KnowledgeGraph::new(reegraph::dataset::load_dir(&data_dir()).expect("loads"));
    state.replace_base(fresh).expect("replays");
    assert!(has(&state.graph(), "application:survives"));
    // A base the change set no longer fits keeps the graph served.
    let mut other = reegraph::dataset::load_dir(&data_dir()).expect("loads");
    other
        .entities
        .retain(|e| e.id.as_str() != "source:reex-2025-tonglu");
    other.relations.retain(|r| {
        r.citations
            .iter()
            .all(|c| c.source.as_str() != "source:reex-2025-tonglu")
    });
    other.entities.retain(|e| {
        e.citations
            .iter()
            .all(|c| c.source.as_str() != "source:reex-2025-tonglu")
    });
    // Changed files have another fingerprint (FNV-1a of their names and contents): the store's
    // records, resolved on the old base, are validated again rather than applied as they are.
    other.fingerprint ^= 1;
    let before = state.graph().fingerprint();
    assert!(state.replace_base(KnowledgeGraph::new(other)).is_err());
    assert_eq!(state.graph().fingerprint(), before);
    let _ = std::fs::remove_dir_all(dir);
}
