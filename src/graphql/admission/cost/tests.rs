use super::*;

fn model() -> CostModel {
    CostModel::from_sdl(&crate::graphql::sdl(), 10)
}

fn cost(query: &str, variables: serde_json::Value) -> u64 {
    let doc = async_graphql::parser::parse_query(query).expect("parses");
    model().cost(&doc, &Variables::from_json(variables))
}

#[test]
fn counts_multiply_and_defaults_apply() {
    let one_page = cost(
        "{ entities(first: 10) { nodes { id } } }",
        serde_json::json!({}),
    );
    let default_page = cost("{ entities { nodes { id } } }", serde_json::json!({}));
    assert!(
        one_page < default_page,
        "{one_page} vs {default_page} (default first is 20)"
    );
    let nested = cost(
        "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
         relations(first: 100) { nodes { id } } } } } } } }",
        serde_json::json!({}),
    );
    // Interface fields (`Entity.relations`) are weighed too: 100 x 100 x 100 ids.
    assert_eq!(nested, 2 + 100 * (2 + 100 * (3 + 100)));
}

/// A connection counts once; its `edges` and `nodes` count at its `first` (not at the list
/// estimate on top of it); a subgraph's entities at its `limit`, its relations at twice that.
#[test]
fn pages_count_their_lists_at_first_and_limit() {
    let screen = "{ entities(first: 50) { edges { node { relations(first: 20) { edges { node { \
                  type from { id name } to { id name } } } } } } } }";
    // entities + edges + 50 x (node + relations + edges + 20 x (node type from(2) to(2))).
    assert_eq!(
        cost(screen, serde_json::json!({})),
        2 + 50 * (3 + 20 * (2 + 3 + 3))
    );
    let both = "{ entities(first: 7) { totalCount pageInfo { hasNextPage } edges { cursor } \
                nodes { id } } }";
    assert_eq!(
        cost(both, serde_json::json!({})),
        1 + 1 + 2 + (1 + 7) + (1 + 7)
    );
    let ball = "{ neighborhood(id: \"x\", depth: 2, limit: 200) { truncated entities { id } \
                relations { type citations { grade } } } }";
    // neighborhood + truncated + entities(1 + 200) + relations(1 + 2 x 200 x (type +
    // citations (1 + 10 x grade))).
    assert_eq!(
        cost(ball, serde_json::json!({})),
        1 + 1 + 201 + 1 + 2 * 200 * (1 + 11)
    );
}

/// Traversals are counted through fragments and aliases, so a document cannot hide how many
/// it runs.
#[test]
fn traversals_are_counted_through_fragments() {
    let m = model();
    let count = |q: &str| {
        let doc = async_graphql::parser::parse_query(q).expect("parses");
        m.estimate(&doc, None, &Variables::default()).traversals
    };
    assert_eq!(count("{ stats { entities } }"), 0);
    assert_eq!(
        count(
            "{ a: neighborhood(id: \"x\") { truncated } b: paths(from: \"x\", to: \"y\") { length } }"
        ),
        2
    );
    let spread = "{ ...T ...T ...U } fragment U on Query { ...T ...T } \
                  fragment T on Query { related(to: \"x\", kinds: [STANDARD]) { distance } }";
    assert_eq!(count(spread), 4);
}

/// An entity list that filters, orders or groups passes over the graph, so it counts as a
/// traversal (for the traversal limit and for where a request runs); a plain page does not.
#[test]
fn filtered_ordered_and_grouped_lists_count_as_traversals() {
    let m = model();
    let count = |q: &str| {
        let doc = async_graphql::parser::parse_query(q).expect("parses");
        m.estimate(&doc, None, &Variables::default()).traversals
    };
    assert_eq!(count("{ entities(first: 5) { totalCount } }"), 0);
    assert_eq!(
        count("{ entities(where: { name: { contains: \"oxide\" } }) { totalCount } }"),
        1
    );
    assert_eq!(
        count("{ entities(orderBy: { field: NAME }) { totalCount } }"),
        1
    );
    assert_eq!(count("{ entityCounts(groupBy: [KIND]) { total } }"), 1);
    // Relationship lists: a `where` or `orderBy` prepares a filter (a scan at worst); their
    // other arguments walk only the entity's own relations.
    let typed = |args: &str| {
        format!("{{ node(id: \"x\") {{ ... on Directive {{ restricts{args} {{ id }} }} }} }}")
    };
    assert_eq!(count(&typed("")), 0);
    assert_eq!(count(&typed("(minGrade: VERIFIED, asOf: \"2020\")")), 0);
    assert_eq!(count(&typed("(where: { kind: { eq: MINERAL } })")), 1);
    assert_eq!(count(&typed("(orderBy: { field: NAME })")), 1);
    assert_eq!(
        count(
            "{ node(id: \"x\") { ... on Entity { relations(orderBy: [{ field: NAME }]) { totalCount } } } }"
        ),
        1
    );
    assert_eq!(
        count(
            "{ node(id: \"x\") { ... on Entity { relationCounts(groupBy: [RELATION_TYPE]) { total } } } }"
        ),
        1
    );
    // Under a list, once per item the list can hold.
    assert_eq!(
        count(
            "{ entities(first: 10) { nodes { ... on Directive { restricts(where: { kind: { eq: MINERAL } }) { id } } } } }"
        ),
        10
    );
}

/// A refusal says which count to cut, and by how much.
#[test]
fn advice_names_the_count_to_cut() {
    let doc = async_graphql::parser::parse_query(
        "{ entities(first: 100) { nodes { relations(first: 100) { nodes { to { \
         relations(first: 100) { nodes { id } } } } } } } }",
    )
    .expect("parses");
    let estimate = model().estimate(&doc, None, &Variables::default());
    let advice = estimate.advice(100_000).expect("some count can be cut");
    assert!(advice.starts_with("reduce `first` on `"), "{advice}");
    assert!(advice.ends_with("from 100 to 9 (11×)"), "{advice}");
    assert_eq!(estimate.advice(estimate.cost), None);
}

#[test]
fn variable_defaults_count_when_the_request_omits_them() {
    let q = "query($l: Int! = 1000) { neighborhood(id: \"x\", limit: $l) { entities { id } } }";
    let literal = "{ neighborhood(id: \"x\", limit: 1000) { entities { id } } }";
    assert_eq!(
        cost(q, serde_json::json!({})),
        cost(literal, serde_json::json!({}))
    );
}

#[test]
fn dependence_on_variables_is_reported() {
    let m = model();
    let doc = |q| async_graphql::parser::parse_query(q).expect("parses");
    let vars = Variables::from_json(serde_json::json!({"n": 3, "id": "x"}));
    let fixed = doc(
        "query($id: ID!) { entity(id: $id) { name } search(query: \"x\", first: 5) { score } }",
    );
    assert!(!m.estimate(&fixed, None, &vars).read_variables);
    let varying = doc("query($n: Int!) { search(query: \"x\", first: $n) { score } }");
    let estimate = m.estimate(&varying, None, &vars);
    assert_eq!(estimate.cost, m.cost(&varying, &vars));
    assert!(estimate.read_variables);
    let ids = doc("query($ids: [ID!]!) { nodes(ids: $ids) { id } }");
    assert!(m.estimate(&ids, None, &vars).read_variables);
}

/// A path's hops are a list bounded by `maxHops`; `maxHops` multiplies nothing else.
#[test]
fn max_hops_bounds_hops_rather_than_multiplying() {
    let related = |hops: u32| {
        cost(
            &format!(
                "{{ related(to: \"x\", kinds: [STANDARD], maxHops: {hops}, first: 50) {{ \
                 entity {{ id }} path {{ hops {{ reading }} }} }} }}"
            ),
            serde_json::json!({}),
        )
    };
    // related: 1 + 50 x (entity (1 + id) + path (1 + hops (1 + maxHops x reading))).
    assert_eq!(related(3), 1 + 50 * (2 + (1 + (1 + 3))));
    assert_eq!(related(6), 1 + 50 * (2 + (1 + (1 + 6))));
}

#[test]
fn variables_are_read() {
    let q = "query($n: Int!) { search(query: \"x\", first: $n) { score } }";
    assert!(cost(q, serde_json::json!({"n": 100})) > cost(q, serde_json::json!({"n": 2})));
}

#[test]
fn fragments_are_costed_once_and_bombs_stay_cheap_to_measure() {
    let mut doc = String::from("query { stats { ...F0 } }\n");
    for i in 0..40 {
        doc.push_str(&format!(
            "fragment F{i} on GraphStats {{ ...F{} ...F{} }}\n",
            i + 1,
            i + 1
        ));
    }
    doc.push_str("fragment F40 on GraphStats { entities }\n");
    assert_eq!(cost(&doc, serde_json::json!({})), 1 + (1 << 40));
}
