//! Shared helpers: the real data loaded once, a schema, and a query runner.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use reegraph::graph::KnowledgeGraph;
use reegraph::graphql::{self, ReeSchema, SchemaOptions};
use serde_json::Value;

/// The repository's `data/` directory.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// A fixture directory under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The graph built from `data/`, loaded once per test binary.
pub fn real_graph() -> Arc<KnowledgeGraph> {
    static GRAPH: OnceLock<Arc<KnowledgeGraph>> = OnceLock::new();
    Arc::clone(GRAPH.get_or_init(|| {
        let ds = reegraph::dataset::load_dir(&data_dir())
            .unwrap_or_else(|e| panic!("data/ must load: {e}"));
        Arc::new(KnowledgeGraph::new(ds))
    }))
}

/// The schema with default options.
pub fn schema() -> ReeSchema {
    graphql::build_schema(SchemaOptions::default())
}

/// Runs a query with variables against a graph; returns the response as JSON
/// (`{"data": ..., "errors": [...]}`).
pub async fn run_on(graph: Arc<KnowledgeGraph>, query: &str, variables: Value) -> Value {
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    let response = schema().execute(graphql::with_graph(request, graph)).await;
    serde_json::to_value(&response).expect("responses serialize")
}

/// Runs a query against the real data.
pub async fn run(query: &str, variables: Value) -> Value {
    run_on(real_graph(), query, variables).await
}

/// The `data` of a response that must have no errors.
pub async fn data(query: &str, variables: Value) -> Value {
    let response = run(query, variables).await;
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response:#}"
    );
    response["data"].clone()
}

/// The `extensions.code` of every error in a response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
