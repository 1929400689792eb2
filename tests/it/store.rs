//! Writes (issue 16): every mutation, each class of validation failure with its place, the
//! conflict error, authorization, atomic batches (a concurrent reader never sees half of one),
//! history and `changes`, restart replay (and a base that no longer fits), export round-trip.

use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use reegraph::auth::{Principal, Role};
use reegraph::dataset::DirTexts;
use reegraph::graph::KnowledgeGraph;
use reegraph::graphql::mutation::BaseTexts;
use reegraph::graphql::{self, ChangeFeed, Writes};
use reegraph::store::Store;
use serde_json::{Value, json};

use crate::common::{data_dir, error_codes, real_graph, schema};
use crate::reload::temp_dir;

/// A server's write side over `data/` and a fresh store.
pub(crate) struct Server {
    pub(crate) graph: Arc<ArcSwap<KnowledgeGraph>>,
    pub(crate) writes: Arc<Writes>,
    pub(crate) feed: Arc<ChangeFeed>,
    pub(crate) dir: PathBuf,
}

pub(crate) fn texts() -> BaseTexts {
    Arc::new(DirTexts {
        dir: data_dir(),
        limits: Default::default(),
    })
}

impl Server {
    pub(crate) fn new(name: &str) -> Server {
        let dir = temp_dir(name);
        std::fs::create_dir_all(&dir).expect("mkdir");
        Server::open(dir)
    }

    /// Opens (or reopens) the store in `dir` on `data/`.
    pub(crate) fn open(dir: PathBuf) -> Server {
        Server::open_folding_after(dir, graphql::DEFAULT_FOLD_AFTER)
    }

    /// The same, folding once the delta holds `records` records.
    pub(crate) fn open_folding_after(dir: PathBuf, records: usize) -> Server {
        let (store, graph) =
            Store::open(&dir.join("store.redb"), real_graph(), texts().as_ref()).expect("opens");
        let graph = Arc::new(ArcSwap::new(graph));
        let feed = Arc::new(ChangeFeed::new(16));
        let writes = Arc::new(
            Writes::new(store, Arc::clone(&graph), Arc::clone(&feed), texts())
                .with_fold_after(records),
        );
        Server {
            graph,
            writes,
            feed,
            dir,
        }
    }

    /// Runs a document as `who` (an editor named `ed` by default).
    pub(crate) async fn run_as(
        &self,
        who: Option<Principal>,
        query: &str,
        variables: Value,
    ) -> Value {
        let mut request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        if let Some(p) = who {
            request = request.data(p);
        }
        let request = graphql::with_writes(
            graphql::with_graph(request, self.graph.load_full()),
            Some(Arc::clone(&self.writes)),
        );
        serde_json::to_value(schema().execute(request).await).expect("serializes")
    }

    pub(crate) async fn run(&self, query: &str, variables: Value) -> Value {
        self.run_as(Some(editor()), query, variables).await
    }

    /// Applies `changes` with `reason`; the response.
    pub(crate) async fn apply(&self, changes: Value) -> Value {
        self.run(APPLY, json!({ "reason": "test", "changes": changes }))
            .await
    }

    pub(crate) fn close(self) -> PathBuf {
        self.dir
    }
}

pub(crate) fn editor() -> Principal {
    Principal {
        subject: "ed".into(),
        roles: vec![Role::Editor],
    }
}

pub(crate) const APPLY: &str = "mutation($base: Int, $reason: String!, $changes: [ChangeInput!]!) {
  applyChanges(baseVersion: $base, reason: $reason, changes: $changes) {
    version author reason baseVersion changes { op target record } } }";

pub(crate) fn cite(quote: &str) -> Value {
    json!([{ "source": "source:reex-2025-tonglu", "quote": quote, "grade": "REPORTED" }])
}

pub(crate) fn probe_app(slug: &str) -> Value {
    json!({ "createEntity": {
        "id": format!("application:{slug}"), "name": format!("Probe {slug}"),
        "citations": cite("NdPr magnets") } })
}

pub(crate) fn probe_relation(slug: &str) -> Value {
    json!({ "addRelation": {
        "from": "mineral:scandium", "type": "USED_IN", "to": format!("application:{slug}"),
        "citations": cite("scandium") } })
}

/// The problems of a VALIDATION_FAILED response, as `path: message` lines.
fn problems(response: &Value) -> Vec<String> {
    assert_eq!(error_codes(response), ["VALIDATION_FAILED"], "{response:#}");
    response["errors"][0]["extensions"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["path"].as_str().unwrap_or(""),
                p["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

pub(crate) fn has(graph: &KnowledgeGraph, id: &str) -> bool {
    graph.lookup(id).is_some()
}

#[tokio::test]
async fn a_batch_creates_an_entity_and_its_relation_and_history_records_it() {
    let server = Server::new("store-create");
    let before = server.graph.load_full();
    // An empty store serves the base graph itself: nothing is rebuilt at start-up.
    assert!(Arc::ptr_eq(&before, &real_graph()));
    let response = server
        .apply(json!([
            probe_app("write-probe"),
            probe_relation("write-probe")
        ]))
        .await;
    assert!(response.get("errors").is_none(), "{response:#}");
    let set = &response["data"]["applyChanges"];
    assert_eq!(set["version"], 1);
    assert_eq!(set["author"], "ed");
    assert_eq!(set["changes"][0]["op"], "CREATE_ENTITY");
    assert_eq!(
        set["changes"][1]["target"],
        "USED_IN:mineral:scandium->application:write-probe"
    );
    let after = server.graph.load_full();
    assert!(has(&after, "application:write-probe") && !has(&before, "application:write-probe"));
    assert_eq!(after.stats().relations, before.stats().relations + 1);
    assert_ne!(after.fingerprint(), before.fingerprint());
    let read = server
        .run(
            r#"{ entity(id: "application:write-probe") { name }
                 history(id: "USED_IN:mineral:scandium->application:write-probe") { version changeSets { version reason author at } hasMore }
                 changes(since: 0) { version changeSets { version } hasMore } }"#,
            json!({}),
        )
        .await;
    assert!(read.get("errors").is_none(), "{read:#}");
    assert_eq!(read["data"]["entity"]["name"], "Probe write-probe");
    assert_eq!(read["data"]["history"]["changeSets"][0]["version"], 1);
    assert_eq!(read["data"]["history"]["changeSets"][0]["reason"], "test");
    assert!(
        read["data"]["history"]["changeSets"][0]["at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );
    assert_eq!(read["data"]["changes"]["version"], 1);
    assert_eq!(read["data"]["changes"]["hasMore"], false);
}

#[tokio::test]
async fn update_add_citation_add_source_and_retract_each_apply() {
    let server = Server::new("store-each");
    assert!(
        server
            .apply(json!([probe_app("p"), probe_relation("p")]))
            .await
            .get("errors")
            .is_none()
    );
    // Update: a whole new record.
    let update = json!([{ "updateEntity": {
        "id": "application:p", "name": "Probe renamed", "sector": "DEFENSE", "citations": cite("NdPr magnets") } }]);
    let r = server.apply(update).await;
    assert!(r.get("errors").is_none(), "{r:#}");
    assert_eq!(
        server
            .graph
            .load()
            .entity(server.graph.load().lookup("application:p").expect("p"))
            .name,
        "Probe renamed"
    );
    // A new SOURCE with its text, cited in the same batch by a citation added to a relation.
    let r = server
        .apply(json!([
            { "addSource": { "record": { "id": "source:editor-note", "name": "An editor's note",
                "source_type": "RESEARCH_NOTES", "citations": [{ "source": "source:editor-note",
                "quote": "Scandium is used in the probe.", "grade": "VERIFIED" }] },
              "text": "Notes.\nScandium is used in   the probe.\n" } },
            { "addCitation": { "target": "USED_IN:mineral:scandium->application:p",
              "citation": { "source": "source:editor-note", "quote": "Scandium is used in the probe.", "grade": "VERIFIED" } } }
        ]))
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let graph = server.graph.load_full();
    let cited = graph
        .relation_keys()
        .map(|k| graph.relation(k))
        .find(|r| r.to.as_str() == "application:p")
        .expect("relation");
    assert_eq!(cited.citations.len(), 2);
    // An entity with a relation cannot be retracted alone; with its relation it can.
    let alone = server.apply(json!([{ "retract": "application:p" }])).await;
    assert_eq!(
        problems(&alone),
        [
            "changes[0].target: `application:p` still has 1 relation(s): retract them first (in this change set or an earlier one)"
        ]
    );
    let both = server
        .apply(json!([{ "retract": "USED_IN:mineral:scandium->application:p" }, { "retract": "application:p" }]))
        .await;
    assert!(both.get("errors").is_none(), "{both:#}");
    assert!(!has(&server.graph.load(), "application:p"));
    // A source still cited cannot be retracted.
    let cited = server
        .apply(json!([{ "retract": "source:reex-2025-tonglu" }]))
        .await;
    let found = problems(&cited);
    assert!(
        found
            .iter()
            .any(|p| p
                .starts_with("changes[0].target: `source:reex-2025-tonglu` is still cited, by ")),
        "{found:#?}"
    );
    // History keeps the retracted entity's whole story, its relation's changes included.
    let h = server
        .run(
            r#"{ history(id: "application:p") { changeSets { version changes { op target } } } }"#,
            json!({}),
        )
        .await;
    let versions: Vec<u64> = h["data"]["history"]["changeSets"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["version"].as_u64())
        .collect();
    assert_eq!(versions, [1, 2, 3, 4]);
}

#[tokio::test]
async fn every_class_of_invalid_change_is_refused_with_its_place_and_the_loaders_message() {
    let server = Server::new("store-invalid");
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "createEntity": { "id": "gadget:x", "name": "X", "citations": cite("scandium") } }),
            "changes[0].record: id `gadget:x` has unknown kind prefix `gadget`",
        ),
        (
            json!({ "createEntity": { "id": "application:x", "name": "X", "colour": "red", "citations": cite("scandium") } }),
            "changes[0].record",
        ),
        (
            json!({ "createEntity": { "id": "application:x", "name": "X" } }),
            "changes[0].record",
        ),
        (
            json!({ "createEntity": { "id": "application:x", "name": "X", "citations": [{ "source": "source:nowhere", "quote": "q", "grade": "REPORTED" }] } }),
            "changes[0].record.citations: ",
        ),
        (
            json!({ "createEntity": { "id": "application:x", "name": "X", "citations": cite("words that are nowhere in the article") } }),
            "changes[0].record.citations: ",
        ),
        (
            json!({ "createEntity": { "id": "application:defense-grade-magnets", "name": "X", "citations": cite("scandium") } }),
            "changes[0].record.id: duplicate id `application:defense-grade-magnets` (already in the graph)",
        ),
        (
            json!({ "addRelation": { "from": "application:defense-grade-magnets", "type": "USED_IN", "to": "mineral:scandium", "citations": cite("scandium") } }),
            "changes[0].record: USED_IN cannot go from APPLICATION to MINERAL",
        ),
        (
            json!({ "addRelation": { "from": "mineral:scandium", "type": "USED_IN", "to": "application:defense-grade-magnets", "since": "2025-13", "citations": cite("scandium") } }),
            "changes[0].record.since: ",
        ),
        (
            json!({ "updateEntity": { "id": "application:not-there", "name": "X", "citations": cite("scandium") } }),
            "changes[0].record.id: no entity `application:not-there` to update (create it instead)",
        ),
        (
            json!({ "addCitation": { "target": "USED_IN:mineral:scandium->application:nope", "citation": { "source": "source:reex-2025-tonglu", "grade": "REPORTED" } } }),
            "changes[0].target: no entity or relation",
        ),
        (
            json!({ "retract": "application:not-there" }),
            "changes[0].target: no entity or relation",
        ),
    ];
    for (change, expected) in cases {
        let response = server.apply(json!([change])).await;
        let found = problems(&response);
        assert!(
            found.iter().any(|p| p.starts_with(expected)),
            "{change}: expected a problem starting with {expected:?}, got {found:#?}"
        );
    }
    // A duplicate relation, and two problems at once (each listed).
    let existing = server.graph.load_full();
    let r = existing.relation(existing.relation_keys().next().expect("a relation"));
    let duplicate = json!({ "addRelation": { "from": r.from.as_str(), "type": r.relation_type.name(), "to": r.to.as_str(), "citations": cite("scandium") } });
    let response = server
        .apply(json!([duplicate, probe_relation("absent")]))
        .await;
    let found = problems(&response);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("changes[0].record: duplicate relation")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("changes[1].record.to: ")),
        "{found:#?}"
    );
    // Nothing was applied by any of them.
    let page = server
        .run("{ changes(since: 0) { version } }", json!({}))
        .await;
    assert_eq!(page["data"]["changes"]["version"], 0);
    assert_eq!(
        server.graph.load().fingerprint(),
        real_graph().fingerprint()
    );
    // An empty reason is refused.
    let r = server
        .run(APPLY, json!({ "reason": " ", "changes": [probe_app("r")] }))
        .await;
    assert_eq!(problems(&r), ["reason: a change set needs a reason"]);
}

#[tokio::test]
async fn a_stale_base_version_is_a_conflict_and_a_current_one_applies() {
    let server = Server::new("store-conflict");
    let first = server
        .run(
            APPLY,
            json!({ "base": 0, "reason": "a", "changes": [probe_app("c1")] }),
        )
        .await;
    assert_eq!(first["data"]["applyChanges"]["baseVersion"], 0);
    let stale = server
        .run(
            APPLY,
            json!({ "base": 0, "reason": "b", "changes": [probe_app("c2")] }),
        )
        .await;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    assert_eq!(
        stale["errors"][0]["message"],
        "the graph is at version 1, not 0: read the changes since 0 and retry"
    );
    assert!(!has(&server.graph.load(), "application:c2"));
    let current = server
        .run(
            APPLY,
            json!({ "base": 1, "reason": "b", "changes": [probe_app("c2")] }),
        )
        .await;
    assert_eq!(current["data"]["applyChanges"]["version"], 2, "{current:#}");
}

#[tokio::test]
async fn writes_need_an_editor_and_a_store() {
    let server = Server::new("store-auth");
    let vars = json!({ "reason": "r", "changes": [probe_app("a")] });
    let anonymous = server.run_as(None, APPLY, vars.clone()).await;
    assert_eq!(error_codes(&anonymous), ["UNAUTHENTICATED"]);
    let reader = Principal {
        subject: "re".into(),
        roles: vec![Role::Reader],
    };
    let forbidden = server.run_as(Some(reader), APPLY, vars.clone()).await;
    assert_eq!(error_codes(&forbidden), ["FORBIDDEN"]);
    assert!(!has(&server.graph.load(), "application:a"));
    // Without a store.
    let request = async_graphql::Request::new(APPLY)
        .variables(async_graphql::Variables::from_json(vars))
        .data(editor());
    let response = serde_json::to_value(
        schema()
            .execute(graphql::with_graph(request, real_graph()))
            .await,
    )
    .expect("json");
    assert_eq!(error_codes(&response), ["WRITES_DISABLED"]);
    // Too many changes in one set.
    let many: Vec<Value> = (0..101).map(|i| probe_app(&format!("m{i}"))).collect();
    let response = server.apply(json!(many)).await;
    assert_eq!(error_codes(&response), ["LIMIT_EXCEEDED"]);
}

#[tokio::test]
async fn a_batch_is_all_or_nothing_and_a_reader_never_sees_half_of_one() {
    let server = Arc::new(Server::new("store-atomic"));
    // One invalid change refuses the whole batch.
    let r = server
        .apply(json!([probe_app("half"), { "retract": "application:absent" }]))
        .await;
    assert_eq!(error_codes(&r), ["VALIDATION_FAILED"]);
    assert!(!has(&server.graph.load(), "application:half"));
    // A reader loop beside a writer of pairs: each pair's two entities are both there or neither.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (server, stop) = (Arc::clone(&server), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut seen = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let graph = server.graph.load_full();
                for i in 0..10 {
                    let (a, b) = (
                        has(&graph, &format!("application:pair-a{i}")),
                        has(&graph, &format!("application:pair-b{i}")),
                    );
                    assert_eq!(a, b, "pair {i} half visible");
                    seen += usize::from(a);
                }
            }
            seen
        })
    };
    for i in 0..10 {
        let r = server
            .apply(json!([
                probe_app(&format!("pair-a{i}")),
                probe_app(&format!("pair-b{i}"))
            ]))
            .await;
        assert!(r.get("errors").is_none(), "{r:#}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    reader.join().expect("the reader saw no half batch");
}

/// What a graph answers, by ids: counts, entities in order, relations in order, and each
/// entity's relations (both directions, in order).
fn answers(graph: &KnowledgeGraph) -> (u64, String, Vec<String>, Vec<String>, Vec<Vec<String>>) {
    use reegraph::graph::{Direction, RelationFilter};
    let ids: Vec<String> = graph
        .keys()
        .map(|k| graph.entity(k).id.to_string())
        .collect();
    let relations = graph
        .relation_keys()
        .map(|r| {
            let r = graph.relation(r);
            format!(
                "{:?}:{}->{}:{}",
                r.relation_type,
                r.from,
                r.to,
                r.citations.len()
            )
        })
        .collect();
    let incident = graph
        .keys()
        .map(|k| {
            graph
                .incident(k, &RelationFilter::all(), Direction::Both)
                .map(|i| format!("{}{}", i.outgoing, graph.entity(i.other).id))
                .collect()
        })
        .collect();
    (
        graph.fingerprint(),
        format!("{:?}", graph.stats()),
        ids,
        relations,
        incident,
    )
}

#[tokio::test]
async fn writes_land_as_a_delta_and_fold_into_a_new_base_with_the_same_answers() {
    let dir = temp_dir("store-fold");
    std::fs::create_dir_all(&dir).expect("mkdir");
    // Every write makes a fold due; one runs at a time, on its own thread, and is swapped in
    // under the writer's lock, caught up with the writes made meanwhile.
    let server = Server::open_folding_after(dir, 1);
    for slug in ["f1", "f2", "f3", "f4"] {
        let r = server
            .apply(json!([probe_app(slug), probe_relation(slug)]))
            .await;
        assert!(r.get("errors").is_none(), "{r:#}");
        // Served at once (over a delta, unless a fold was quicker): the same answers as a
        // rebuild of the records.
        let served = server.graph.load_full();
        let rebuilt = KnowledgeGraph::new(server.writes.store().working().to_dataset());
        assert_eq!(answers(&served), answers(&rebuilt), "after {slug}");
    }
    let r = server
        .apply(
            json!([{ "retract": "USED_IN:mineral:scandium->application:f1" },
            { "retract": "application:f1" }, probe_app("f5")]),
        )
        .await;
    assert!(r.get("errors").is_none(), "{r:#}");
    let served = server.graph.load_full();
    let rebuilt = KnowledgeGraph::new(server.writes.store().working().to_dataset());
    assert_eq!(answers(&served), answers(&rebuilt), "after a retraction");
    // The folds settle: nothing is left pending.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.graph.load().pending() > 0 {
        assert!(std::time::Instant::now() < deadline, "no fold within 30 s");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let served = server.graph.load_full();
    let rebuilt = KnowledgeGraph::new(server.writes.store().working().to_dataset());
    assert_eq!(answers(&served), answers(&rebuilt), "after the fold");
    assert!(!has(&served, "application:f1") && has(&served, "application:f5"));
    // A restart replays the store to the same answers.
    let dir = server.close();
    let reopened = Server::open(dir);
    assert_eq!(answers(&reopened.graph.load_full()), answers(&rebuilt));
}

#[test]
fn a_fold_started_before_a_reload_is_dropped() {
    let dir = temp_dir("store-fold-epoch");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let (mut store, _) =
        Store::open(&dir.join("store.redb"), real_graph(), texts().as_ref()).expect("opens");
    let set = |slug: &str| reegraph::store::ChangeSet {
        author: "ed".into(),
        at_ms: 0,
        reason: "test".into(),
        base_version: None,
        changes: vec![reegraph::store::Change::CreateEntity {
            record: probe_app(slug)["createEntity"].clone(),
        }],
    };
    store.write(set("e1"), texts().as_ref()).expect("writes");
    let ticket = store.fold_due(1).expect("a fold is due");
    assert!(store.fold_due(1).is_none(), "one fold at a time");
    let folded = ticket.graph.fold();
    store
        .rebase(real_graph(), texts().as_ref())
        .expect("rebases");
    assert!(
        store.adopt(ticket, folded).is_none(),
        "a stale fold is dropped"
    );
    let ticket = store.fold_due(1).expect("due again after the reload");
    let folded = ticket.graph.fold();
    store.write(set("e2"), texts().as_ref()).expect("writes");
    let graph = store.adopt(ticket, folded).expect("adopted");
    // The write made during the fold is caught up over the new base.
    assert!(has(&graph, "application:e1") && has(&graph, "application:e2"));
    assert_eq!(graph.pending(), 1);
}

#[test]
fn every_record_of_the_data_round_trips_through_the_journals_json() {
    let graph = real_graph();
    for key in graph.keys() {
        let entity = graph.entity(key);
        let json = serde_json::to_string(entity).expect("serializes");
        let back: reegraph::model::Entity = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(&back, entity, "{json}");
    }
    for key in graph.relation_keys() {
        let relation = graph.relation(key);
        let json = serde_json::to_string(relation).expect("serializes");
        let back: reegraph::model::Relation = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(&back, relation, "{json}");
    }
    // An id deserializes only if valid.
    assert!(serde_json::from_str::<reegraph::model::EntityId>("\"nokind\"").is_err());
}

#[test]
fn a_restart_on_the_same_base_applies_the_stored_records_and_a_changed_base_validates_again() {
    let dir = temp_dir("store-resolved");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let path = dir.join("store.redb");
    let set = |changes: Value| -> reegraph::store::ChangeSet {
        serde_json::from_value(json!({
            "author": "ed", "at_ms": 0, "reason": "r", "base_version": null, "changes": changes
        }))
        .expect("a change set")
    };
    let served = {
        let (mut store, _) = Store::open(&path, real_graph(), texts().as_ref()).expect("opens");
        for slug in ["r1", "r2"] {
            let created = probe_app(slug)["createEntity"].clone();
            let related = probe_relation(slug)["addRelation"].clone();
            store
                .write(
                    set(json!([{ "op": "createEntity", "record": created },
                        { "op": "addRelation", "record": related }])),
                    texts().as_ref(),
                )
                .expect("writes");
        }
        let retract =
            json!([{ "op": "retract", "target": "USED_IN:mineral:scandium->application:r1" }]);
        store.write(set(retract), texts().as_ref()).expect("writes");
        Arc::clone(store.graph())
    };
    // Same base: the stored records are applied (no working records made yet), same answers.
    let (mut store, graph) = Store::open(&path, real_graph(), texts().as_ref()).expect("reopens");
    assert!(store.working_job().is_some(), "replayed without validating");
    assert_eq!(answers(&graph), answers(&served));
    // Writes go on from there, with the same data versions as if it had never stopped.
    let job = store.working_job().expect("a job");
    let epoch = job.epoch;
    store.set_working(job.run(), epoch);
    assert!(store.working_job().is_none());
    let created = probe_app("r3")["createEntity"].clone();
    let written = store
        .write(
            set(json!([{ "op": "createEntity", "record": created }])),
            texts().as_ref(),
        )
        .expect("writes");
    let rebuilt = KnowledgeGraph::new(store.working().to_dataset());
    assert_eq!(answers(&written.graph), answers(&rebuilt));
    drop(store);
    // A base with other files: every change set is validated again (and the records resolved
    // on it are stored for the next start).
    let mut other = reegraph::dataset::load_dir(&data_dir()).expect("loads");
    other.fingerprint ^= 1;
    let (store, graph) = Store::open(
        &path,
        Arc::new(KnowledgeGraph::new(other)),
        texts().as_ref(),
    )
    .expect("reopens");
    assert!(store.working_job().is_none(), "validated again");
    assert!(has(&graph, "application:r3") && !has(&graph, "application:nope"));
    let _ = std::fs::remove_dir_all(dir);
}
