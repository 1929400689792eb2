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
