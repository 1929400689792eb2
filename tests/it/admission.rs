//! Admission: the cost estimate against the largest answer a query can give, the ordinary
//! screens a frontend asks for (accepted with the default limits through every entry point:
//! the library, HTTP and `reegraph query`), and refusals that say what to cut.
//!
//! "The largest answer" is measured, not modelled: each screen runs on a graph where every list
//! it reads is full (every entity has at least 54 relations, every entity and relation 10
//! citations, a depth-2 ball holds more than 200 entities), and its answer's fields are counted
//! (every key of every object, a list counting each of its elements' keys). The GraphiQL
//! examples name entities of the real data, so they run there, on the real data with every
//! record's citations filled to 10, the estimate's assumption for a list nothing bounds.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use reegraph::dataset::DataFile;
use reegraph::graph::KnowledgeGraph;
use reegraph::graphql::{self, ReeSchema};
use reegraph::http::{AppState, HttpConfig, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{real_graph, run_on, schema};

/// Organizations in the full graph.
const ORGANIZATIONS: usize = 260;
/// Each organization is `PART_OF` the ones at these distances ahead (mod the count), so each
/// has 54 relations and a depth-2 ball of more than 200 entities.
const OFFSETS: [usize; 27] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 51,
    102,
];
/// Citations on every record of the full graph: the cost model's list estimate.
const CITATIONS: usize = 10;

fn citations(out: &mut String) {
    out.push_str("citations = [\n");
    for k in 0..CITATIONS {
        let _ = writeln!(
            out,
            "  {{ source = \"source:full\", quote = \"claim {k}\", grade = \"REPORTED\" }},"
        );
    }
    out.push_str("]\n");
}

/// The text of `source:full`, holding every quote [`citations`] writes.
fn source_text() -> DataFile {
    DataFile {
        name: "full.txt".to_owned(),
        text: (0..CITATIONS).map(|k| format!("claim {k}\n")).collect(),
    }
}

/// The graph where every list a screen reads is full.
fn full_graph() -> Arc<KnowledgeGraph> {
    static GRAPH: OnceLock<Arc<KnowledgeGraph>> = OnceLock::new();
    Arc::clone(GRAPH.get_or_init(|| {
        let mut entities = String::from(
            "[[source]]\nid = \"source:full\"\nname = \"Full\"\nsource_type = \"REPORT\"\ntext = \"full.txt\"\n",
        );
        citations(&mut entities);
        for i in 0..ORGANIZATIONS {
            let _ = write!(
                entities,
                "\n[[organization]]\nid = \"organization:o{i:03}\"\nname = \"Organization {i}\"\n\
                 org_type = \"OTHER\"\n"
            );
            citations(&mut entities);
        }
        let mut relations = String::new();
        for i in 0..ORGANIZATIONS {
            for d in OFFSETS {
                let _ = write!(
                    relations,
                    "\n[[relation]]\nfrom = \"organization:o{i:03}\"\ntype = \"PART_OF\"\n\
                     to = \"organization:o{:03}\"\n",
                    (i + d) % ORGANIZATIONS
                );
                citations(&mut relations);
            }
        }
        let files = [
            DataFile {
                name: "full/entities.toml".to_owned(),
                text: entities,
            },
            DataFile {
                name: "full/relations.toml".to_owned(),
                text: relations,
            },
            source_text(),
        ];
        let ds = reegraph::synth::load(&files).unwrap_or_else(|e| panic!("the full graph: {e}"));
        Arc::new(KnowledgeGraph::new(ds))
    }))
}

/// The screens a frontend shows, with an entity id of the real data and one of the full graph.
const SCREENS: [(&str, &str); 4] = [
    (
        "50 entities x 20 relations, both endpoints' names",
        "{ entities(first: 50) { edges { node { relations(first: 20) { edges { node { type \
         from { id name } to { id name } } } } } } } }",
    ),
    (
        "100 entities with their citations",
        "{ entities(first: 100) { nodes { id name citations { quote grade source { id name } } \
         } } }",
    ),
    (
        "one entity, 50 relations with citations",
        "query($id: ID!) { entity(id: $id) { id name relations(first: 50) { totalCount nodes { \
         type from { id name } to { id name } citations { quote grade source { name } } } } } }",
    ),
    (
        "neighborhood depth 2, limit 200, relation citations",
        "query($id: ID!) { neighborhood(id: $id, depth: 2, limit: 200) { truncated entities { \
         id name kind } relations { type from { id } to { id } citations { quote grade source { \
         name } } } } }",
    ),
];

/// An entity of the real data with many relations.
const REAL_ID: &str = "organization:sac-tc-229";
/// An entity of the full graph.
const FULL_ID: &str = "organization:o000";

/// The fields of an answer: every key of every object (a list counts its elements' keys).
fn fields(value: &Value) -> u64 {
    match value {
        Value::Object(map) => map.values().map(|v| 1 + fields(v)).sum(),
        Value::Array(items) => items.iter().map(fields).sum(),
        _ => 0,
    }
}

fn estimate(schema: &ReeSchema, query: &str, variables: &Value) -> u64 {
    let doc = async_graphql::parser::parse_query(query).expect("parses");
    let variables = async_graphql::Variables::from_json(variables.clone());
    schema.cost_model().estimate(&doc, None, &variables).cost
}

/// Runs `query` on `graph` and returns its `data`, which must come without errors.
async fn answer(graph: Arc<KnowledgeGraph>, query: &str, variables: Value) -> Value {
    let response = run_on(graph, query, variables).await;
    assert!(response.get("errors").is_none(), "{query}\n{response:#}");
    response["data"].clone()
}

/// Every screen's estimate is within 3x of its answer on a graph where every list is full,
/// and within the default cost limit.
#[tokio::test]
async fn screens_are_estimated_within_3x_of_their_largest_answer() {
    let schema = schema();
    let max = schema.admission_limits().max_cost;
    let mut table = String::new();
    for (name, query) in SCREENS {
        let variables = json!({ "id": FULL_ID });
        let estimated = estimate(&schema, query, &variables);
        let data = answer(full_graph(), query, variables).await;
        let largest = fields(&data);
        let _ = writeln!(
            table,
            "{name}: estimate {estimated}, largest answer {largest}"
        );
        assert!(estimated <= max, "{name}: {estimated} > {max}");
        // Tight (within 3x) and an upper bound: the largest answer never exceeds it.
        assert!(
            largest <= estimated && estimated <= 3 * largest,
            "{name}: estimated {estimated}, largest answer {largest}"
        );
    }
    eprintln!("{table}");
}

/// The examples GraphiQL offers (its tabs).
pub fn graphiql_examples() -> Vec<&'static str> {
    reegraph::http::playground::EXAMPLES.to_vec()
}

/// A graph where every list the GraphiQL examples read is full, under the examples' ids: 21
/// standards two hops from the defense-grade magnets (through three minerals used in them);
/// ten directives, each issued by the same 10 officials (each affiliated with 10
/// organizations; the first is `official:cao-yiding`), announced at 10 events (each in 10
/// places) and targeting 10 stages; 10
/// citations on every record. The examples that name other entities (search, paths) run on the
/// real data, where their lists are full already.
fn examples_graph() -> Arc<KnowledgeGraph> {
    let official = |i: usize| {
        if i == 0 {
            "official:cao-yiding".to_owned()
        } else {
            format!("official:p{i}")
        }
    };
    static GRAPH: OnceLock<Arc<KnowledgeGraph>> = OnceLock::new();
    Arc::clone(GRAPH.get_or_init(|| {
        let mut out = String::from(
            "[[source]]\nid = \"source:full\"\nname = \"Full\"\nsource_type = \"REPORT\"\ntext = \"full.txt\"\n",
        );
        citations(&mut out);
        let entity = |out: &mut String, table: &str, id: &str, extra: &str| {
            let _ = write!(
                out,
                "\n[[{table}]]\nid = \"{id}\"\nname = \"{id}\"\n{extra}"
            );
            citations(out);
        };
        let mut relations = Vec::new();
        entity(
            &mut out,
            "application",
            "application:defense-grade-magnets",
            "",
        );
        for m in 0..3 {
            let mineral = format!("mineral:m{m}");
            entity(
                &mut out,
                "mineral",
                &mineral,
                "form = \"ELEMENT\"\nrare_earth = true\n",
            );
            relations.push((mineral.clone(), "USED_IN", "application:defense-grade-magnets".to_owned()));
            for s in 0..7 {
                let standard = format!("standard:s{m}-{s}");
                entity(
                    &mut out,
                    "standard",
                    &standard,
                    "level = \"NATIONAL\"\nstatus = \"PUBLISHED\"\n",
                );
                relations.push((standard, "CONCERNS", mineral.clone()));
            }
        }
        for i in 0..10 {
            entity(&mut out, "official", &official(i), "");
            entity(
                &mut out,
                "organization",
                &format!("organization:g{i}"),
                "org_type = \"OTHER\"\n",
            );
            entity(
                &mut out,
                "event",
                &format!("event:e{i}"),
                "event_type = \"MEETING\"\nstart_date = \"2025-11-12\"\nend_date = \"2025-11-13\"\n",
            );
            entity(
                &mut out,
                "location",
                &format!("location:l{i}"),
                "location_type = \"CITY\"\n",
            );
            entity(&mut out, "stage", &format!("stage:t{i}"), "");
            for j in 0..10 {
                relations.push((official(i), "AFFILIATED_WITH", format!("organization:g{j}")));
                relations.push((format!("event:e{i}"), "LOCATED_IN", format!("location:l{j}")));
            }
        }
        for d in 1..=10 {
            let directive = format!("directive:d{d}");
            entity(
                &mut out,
                "directive",
                &directive,
                &format!("directive_type = \"POLICY_DIRECTIVE\"\nordinal = {d}\n"),
            );
            for i in 0..10 {
                relations.push((official(i), "ISSUED", directive.clone()));
                relations.push((directive.clone(), "ANNOUNCED_AT", format!("event:e{i}")));
                relations.push((directive.clone(), "TARGETS", format!("stage:t{i}")));
            }
        }
        for (from, ty, to) in relations {
            let _ = write!(
                out,
                "\n[[relation]]\nfrom = \"{from}\"\ntype = \"{ty}\"\nto = \"{to}\"\n"
            );
            citations(&mut out);
        }
        let files = [
            DataFile {
                name: "examples/full.toml".to_owned(),
                text: out,
            },
            source_text(),
        ];
        let ds = reegraph::synth::load(&files).unwrap_or_else(|e| panic!("the examples' graph: {e}"));
        Arc::new(KnowledgeGraph::new(ds))
    }))
}

/// Every GraphiQL example's estimate is within 3x of its answer on a graph where every list it
/// reads is full, and within the default cost limit.
#[tokio::test]
async fn graphiql_examples_are_estimated_within_3x_of_their_largest_answer() {
    let schema = schema();
    let max = schema.admission_limits().max_cost;
    let examples = graphiql_examples();
    assert!(examples.len() >= 4, "found {} examples", examples.len());
    let mut table = String::new();
    let mut failures = Vec::new();
    for query in examples {
        let name = query.lines().next().unwrap_or(query);
        let estimated = estimate(&schema, query, &json!({}));
        let on_data = fields(&answer(real_graph(), query, json!({})).await);
        // The examples' entities exist in one graph or the other.
        let full = run_on(examples_graph(), query, json!({})).await;
        let largest = if full.get("errors").is_none() {
            fields(&full["data"]).max(on_data)
        } else {
            on_data
        };
        let _ = writeln!(
            table,
            "{name}: estimate {estimated}, largest answer {largest}, on data/ {on_data}"
        );
        if estimated > max || estimated > 3 * largest || largest > estimated {
            failures.push(name);
        }
    }
    eprintln!("{table}");
    assert!(failures.is_empty(), "{failures:?}\n{table}");
}

fn real_variables() -> Value {
    json!({ "id": REAL_ID })
}

/// The screens run on the real data with the default limits through the library...
#[tokio::test]
async fn screens_are_accepted_through_the_library() {
    for (name, query) in SCREENS {
        let data = answer(real_graph(), query, real_variables()).await;
        assert!(fields(&data) > 1, "{name}: {data}");
    }
}

/// ... over HTTP ...
#[tokio::test]
async fn screens_are_accepted_over_http() {
    let router = app(AppState::new(schema(), real_graph(), HttpConfig::default()));
    for (name, query) in SCREENS {
        let body = json!({ "query": query, "variables": real_variables() }).to_string();
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("answers");
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let v: Value = serde_json::from_slice(&bytes).expect("JSON");
        assert!(v.get("errors").is_none(), "{name}: {v:#}");
        assert!(fields(&v["data"]) > 1, "{name}");
    }
}

/// ... and through `reegraph query`.
#[test]
fn screens_are_accepted_through_reegraph_query() {
    for (name, query) in SCREENS {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_reegraph"))
            .arg("query")
            .arg(query)
            .arg("--variables")
            .arg(real_variables().to_string())
            .arg("--data")
            .arg(crate::common::data_dir())
            .output()
            .expect("reegraph runs");
        let v: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
        assert!(output.status.success(), "{name}: {v:#}");
        assert!(v.get("errors").is_none(), "{name}: {v:#}");
    }
}

/// `reegraph query` goes through the same admission as HTTP: a query over the cost limit is
/// refused there too, before it runs, saying what to cut.
#[test]
fn reegraph_query_refuses_what_http_refuses() {
    let costly = "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
                  relations(first: 100) { nodes { id } } } } } } } }";
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_reegraph"))
        .args(["query", costly, "--data"])
        .arg(crate::common::data_dir())
        .output()
        .expect("reegraph runs");
    assert!(!output.status.success());
    let v: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(
        v["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{v:#}"
    );
    let message = v["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("estimated cost is 1,030,202, above the limit of 100,000")
            && message.contains("reduce `first` on"),
        "{message}"
    );
}

/// A refusal names the count to cut and by how much, and the cut it names is accepted.
#[tokio::test]
async fn the_advised_cut_is_accepted() {
    let schema = schema();
    let query = |first: u32| {
        format!(
            "{{ entities(first: 100) {{ edges {{ node {{ relations(first: {first}) {{ edges {{ \
             node {{ citations {{ quote grade source {{ name }} }} }} }} }} }} }} }} }}"
        )
    };
    let refused = schema
        .execute(graphql::with_graph(
            async_graphql::Request::new(query(100)),
            real_graph(),
        ))
        .await;
    let message = refused.errors[0].message.clone();
    assert!(refused.data == async_graphql::Value::Null, "{message}");
    let advice = message
        .split("reduce `first` on `entities.edges.node.relations` from 100 to ")
        .nth(1)
        .unwrap_or_else(|| panic!("{message}"));
    let to: u32 = advice
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{message}"));
    let accepted = schema
        .execute(graphql::with_graph(
            async_graphql::Request::new(query(to)),
            real_graph(),
        ))
        .await;
    assert!(accepted.errors.is_empty(), "{:?}", accepted.errors);
}

/// Each traversal may visit up to the traversal budget whatever the size of its answer, so an
/// operation runs at most 10, counted through aliases and fragments.
#[tokio::test]
async fn traversals_per_operation_are_bounded() {
    let aliased = |n: usize| {
        let fields: Vec<String> = (0..n)
            .map(|i| format!("a{i}: neighborhood(id: \"{REAL_ID}\") {{ entities {{ id }} }}"))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let ten = run_on(real_graph(), &aliased(10), json!({})).await;
    assert!(ten.get("errors").is_none(), "{ten:#}");
    let eleven = run_on(real_graph(), &aliased(11), json!({})).await;
    assert_eq!(eleven["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    let message = eleven["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("runs 11 traversals"), "{message}");
    let spread = "{ ...T ...T ...T ...T } fragment T on Query { a: related(to: \"x\", kinds: \
                  [STANDARD]) { distance } b: paths(from: \"x\", to: \"y\") { length } c: \
                  neighborhood(id: \"x\") { truncated } }";
    let response = run_on(real_graph(), spread, json!({})).await;
    let message = response["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("runs 12 traversals"), "{response:#}");
}

/// Every admission refusal is counted in `/metrics` under its limit's name.
#[tokio::test]
async fn refusals_are_counted_by_limit() {
    let router = app(AppState::new(schema(), real_graph(), HttpConfig::default()));
    let traversals: Vec<String> = (0..11)
        .map(|i| format!("a{i}: neighborhood(id: \"x\") {{ truncated }}"))
        .collect();
    let costly = "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
                  relations(first: 100) { nodes { id } } } } } } } }";
    let nested = "{ a { b { c { d { e { f { g { h { i { j { k { l { m { n { o { p { q \
                  } } } } } } } } } } } } } } } } }";
    for query in [
        nested.to_owned(),
        format!("{{ {} }}", traversals.join(" ")),
        costly.to_owned(),
    ] {
        let body = json!({ "query": query }).to_string();
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .expect("request");
        let response = router.clone().oneshot(request).await.expect("answers");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
    }
    let request = Request::get("/metrics")
        .body(Body::empty())
        .expect("request");
    let response = router.oneshot(request).await.expect("answers");
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let text = String::from_utf8_lossy(&bytes);
    for limit in ["depth", "traversals", "cost"] {
        assert!(
            text.contains(&format!("reegraph_rejections_total{{limit=\"{limit}\"}} 1")),
            "{limit}: {text}"
        );
    }
}
