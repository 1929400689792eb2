//! Hot reload: a valid edit is swapped in whole; an invalid one leaves the old graph serving and
//! is reported; a request holds one snapshot from start to end.

use std::path::Path;

use reegraph::cli::Reloader;
use reegraph::http::{AppState, HttpConfig};
use serde_json::json;

use crate::common::{real_graph, run_on, schema};

pub(crate) fn copy_data(to: &Path) {
    let from = crate::common::data_dir();
    std::fs::create_dir_all(to.join("sources/web")).expect("mkdir");
    for dir in ["", "sources", "sources/web"] {
        for entry in std::fs::read_dir(from.join(dir)).expect("read data/") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join(dir).join(path.file_name().expect("name")))
                    .expect("copy");
            }
        }
    }
}

pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reegraph-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn invalid_edits_keep_the_old_graph_and_valid_ones_swap_in() {
    let dir = temp_dir("reload");
    copy_data(&dir);
    let state = AppState::new(schema(), real_graph(), HttpConfig::default());
    let reloader = Reloader::new(dir.clone(), &state);
    let before = state.graph();
    let held = before.clone(); // a request in flight holds this snapshot

    // A broken edit: a relation to nowhere. The old graph keeps serving.
    std::fs::write(
        dir.join("zz-extra.toml"),
        "[[relation]]\nfrom = \"mineral:scandium\"\ntype = \"USED_IN\"\nto = \"application:nowhere\"\ncitations = []\n",
    )
    .expect("write");
    let err = reloader
        .reload_now()
        .expect_err("invalid data must be refused");
    assert!(err.to_string().contains("zz-extra.toml:4:6"), "{err}");
    assert!(std::sync::Arc::ptr_eq(&before, &state.graph()));

    // A valid edit: a new application, cited. It is swapped in whole.
    std::fs::write(
        dir.join("zz-extra.toml"),
        r#"[[application]]
id = "application:test-reload"
name = "Reload probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]

[[relation]]
from = "mineral:scandium"
type = "USED_IN"
to = "application:test-reload"
citations = [{ source = "source:reex-2025-tonglu", quote = "scandium", grade = "REPORTED" }]
"#,
    )
    .expect("write");
    reloader.reload_now().expect("valid data reloads");
    let after = state.graph();
    assert!(after.lookup("application:test-reload").is_some());
    assert_eq!(after.stats().entities, before.stats().entities + 1);
    // The snapshot a request started with is untouched.
    assert!(held.lookup("application:test-reload").is_none());
    let answer = run_on(
        after,
        r#"{ entity(id: "application:test-reload") { name } }"#,
        json!({}),
    )
    .await;
    assert_eq!(answer["data"]["entity"]["name"], "Reload probe");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `GET path` through the router of `state`; the body as text.
async fn get_text(state: &AppState, path: &str) -> String {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let reply = reegraph::http::app(state.clone())
        .oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await
        .expect("router answers");
    assert_eq!(reply.status(), axum::http::StatusCode::OK, "{path}");
    let body = reply.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(body.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn readyz_and_metrics_show_the_last_reload() {
    let dir = temp_dir("reload-status");
    copy_data(&dir);
    let state = AppState::new(schema(), real_graph(), HttpConfig::default());
    let reloader = Reloader::new(dir.clone(), &state);
    let served = format!("{:016x}", state.graph().fingerprint());

    let ready = get_text(&state, "/readyz").await;
    assert!(ready.contains("last reload: none"), "{ready}");
    let metrics = get_text(&state, "/metrics").await;
    assert!(
        metrics.contains("reegraph_last_reload_timestamp_seconds 0\n"),
        "{metrics}"
    );

    // A failed reload: shown as failed, with its problem count and the still-served version.
    std::fs::write(
        dir.join("zz-extra.toml"),
        "[[relation]]\nfrom = \"mineral:scandium\"\ntype = \"USED_IN\"\nto = \"application:nowhere\"\ncitations = []\n",
    )
    .expect("write");
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    reloader.reload_now().expect_err("invalid data is refused");
    let last = state.metrics().last_reload().expect("a reload happened");
    assert!(!last.ok);
    assert!(last.problems >= 1);
    assert!(last.unix_seconds >= before);
    let ready = get_text(&state, "/readyz").await;
    assert!(
        ready.contains(&format!(
            "last reload: failed at {} (unix seconds), dataVersion {served}, {} problems",
            last.unix_seconds, last.problems
        )),
        "{ready}"
    );
    let metrics = get_text(&state, "/metrics").await;
    assert!(metrics.contains("reegraph_last_reload_ok 0\n"), "{metrics}");
    assert!(
        metrics.contains(&format!(
            "reegraph_last_reload_problems {}\n",
            last.problems
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "reegraph_last_reload_info{{result=\"failed\",version=\"{served}\"}} 1"
        )),
        "{metrics}"
    );

    // Fixed: shown as ok, with the new data's version and no problems.
    std::fs::remove_file(dir.join("zz-extra.toml")).expect("remove");
    std::fs::write(
        dir.join("zz-extra.toml"),
        "# an edit that changes the files, not the entities\n",
    )
    .expect("write");
    reloader.reload_now().expect("valid data reloads");
    let fresh = format!("{:016x}", state.graph().fingerprint());
    let ready = get_text(&state, "/readyz").await;
    assert!(ready.contains("last reload: ok at "), "{ready}");
    assert!(
        ready.contains(&format!("dataVersion {fresh}, 0 problems")),
        "{ready}"
    );
    let metrics = get_text(&state, "/metrics").await;
    assert!(metrics.contains("reegraph_last_reload_ok 1\n"), "{metrics}");
    assert!(
        metrics.contains("reegraph_last_reload_problems 0\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "reegraph_last_reload_info{{result=\"ok\",version=\"{fresh}\"}} 1"
        )),
        "{metrics}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A data file above `--max-data-file-bytes` fails the reload with its size and the limit, and
/// the previous graph keeps serving (the file, sparse, is never read).
#[tokio::test]
async fn a_data_file_above_the_size_limit_keeps_the_old_graph() {
    let dir = temp_dir("reload-huge");
    copy_data(&dir);
    let state = AppState::new(schema(), real_graph(), HttpConfig::default());
    let reloader = Reloader::new(dir.clone(), &state).with_limits(reegraph::dataset::DataLimits {
        max_file_bytes: 1 << 20,
    });
    let before = state.graph();
    let big = dir.join("big.toml");
    std::fs::File::create(&big)
        .and_then(|f| f.set_len(2 << 20))
        .expect("a sparse file");
    let err = reloader
        .reload_now()
        .expect_err("a file over the limit is refused");
    assert!(
        err.to_string()
            .contains("is 2097152 bytes, above the limit of 1048576 bytes"),
        "{err}"
    );
    assert!(std::sync::Arc::ptr_eq(&before, &state.graph()));
    let ready = get_text(&state, "/readyz").await;
    assert!(ready.contains("last reload: failed"), "{ready}");
    std::fs::remove_file(&big).expect("rm");
    reloader.reload_now().expect("loads again without it");
    let _ = std::fs::remove_dir_all(&dir);
}
