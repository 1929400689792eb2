//! The committed SDL must match the code. To update it after a deliberate schema change:
//! `cargo run -- schema > schema/reegraph.graphql`.

#[test]
fn committed_sdl_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/reegraph.graphql");
    let committed = std::fs::read_to_string(&path).expect("schema/reegraph.graphql exists");
    let current = reegraph::graphql::sdl();
    assert!(
        committed == current,
        "schema/reegraph.graphql is out of date: run `cargo run -- schema > schema/reegraph.graphql` and commit it"
    );
}

#[test]
fn sdl_keeps_the_client_contract() {
    // Descriptions left out and the text on one line, so that an argument list documented
    // argument by argument reads as one signature.
    let mut sdl = String::new();
    for (i, part) in reegraph::graphql::sdl().split("\"\"\"").enumerate() {
        if i % 2 == 0 {
            sdl.push_str(part);
        }
    }
    let sdl = sdl
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    for needle in [
        "interface Entity implements Node",
        "interface Node",
        "node(id: ID!): Node",
        "nodes(ids: [ID!]!): [Node]!",
        "entity(id: ID!): Entity",
        "type RelationConnection",
        "type EntityConnection",
        "enum VerificationGrade",
        "enum Direction",
        "enum EntityKind",
        "enum RelationType",
        "type Citation",
        "type SearchHit",
        "type Subgraph",
        "type Path",
        "type RelatedEntity",
        "type GraphStats",
    ] {
        assert!(sdl.contains(needle), "the SDL lost `{needle}`");
    }
}
