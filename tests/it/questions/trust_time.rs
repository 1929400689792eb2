//! The questions of trust and time (issue 15): traversals that walk only well-sourced
//! relations (`minGrade`), the weakest grade on each path, and what held on a date (`asOf`).
//! Each query is a GraphiQL tab, run here as users see it.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{BY_STRENGTH, data, id_set, list, text};

fn strength(grade: &Value) -> usize {
    BY_STRENGTH
        .iter()
        .position(|g| *g == text(grade))
        .unwrap_or_else(|| panic!("an unknown grade {grade}"))
}

fn entity_ids(results: &Value) -> BTreeSet<String> {
    list(results)
        .iter()
        .map(|r| text(&r["entity"]["id"]).to_owned())
        .collect()
}

/// "Which standards touch defense-grade magnets through VERIFIED or VERIFIED_SECONDARY
/// relations only, and how does that differ from also trusting REPORTED facts?" Walking only
/// well-sourced relations finds fewer standards, every one of them on a path no weaker than
/// VERIFIED_SECONDARY; the standards known only through the article (the Tonglu oxide
/// standard, the proposed ISO PrNd metal standard) and GB/T 13219-2018 (reached only through a
/// REPORTED link) drop out, and some standards are farther away.
#[tokio::test]
async fn standards_for_defense_magnets_through_verified_relations_only() {
    let query =
        include_str!("../../../src/http/playground/trusted-standards-for-defense-magnets.graphql");
    let d = data(query, json!({})).await;
    let verified = &d["verified"];
    let reported = &d["withReported"];
    for r in list(verified) {
        assert!(strength(&r["weakestGrade"]) <= 1, "{r}");
    }
    let (strong, all) = (entity_ids(verified), entity_ids(reported));
    assert!(strong.is_subset(&all), "{strong:?} ⊄ {all:?}");
    let only_reported: BTreeSet<&str> = all.difference(&strong).map(String::as_str).collect();
    assert_eq!(
        only_reported,
        BTreeSet::from([
            "standard:ce-pr-nd-oxide-tonglu-2025",
            "standard:gb-t-13219-2018",
            "standard:iso-prnd-metal-product-standard",
        ])
    );
    // Trusting REPORTED facts brings ISO 23597:2023 one hop nearer, on a REPORTED path.
    let distance = |results: &Value, id: &str| {
        list(results)
            .iter()
            .find(|r| r["entity"]["id"] == id)
            .map(|r| (r["distance"].clone(), r["weakestGrade"].clone()))
    };
    assert_eq!(
        distance(verified, "standard:iso-23597-2023"),
        Some((json!(3), json!("VERIFIED_SECONDARY")))
    );
    assert_eq!(
        distance(reported, "standard:iso-23597-2023"),
        Some((json!(2), json!("REPORTED")))
    );
    // The unfiltered walk trusts everything: it finds at least what REPORTED finds.
    let everything = data(
        r#"{ related(to: "application:defense-grade-magnets", kinds: [STANDARD], maxHops: 4, first: 50) { entity { id } } }"#,
        json!({}),
    )
    .await;
    assert!(all.is_subset(&entity_ids(&everything["related"])));
}

/// "Which directives target magnet manufacturing, and the weakest grade on each path": MOFCOM
/// announcement No. 62 restricts its technologies (VERIFIED_SECONDARY) and the first Tonglu
/// directive targets it (REPORTED, the article only); the stronger path ranks first.
#[tokio::test]
async fn directives_targeting_magnet_manufacturing_with_their_weakest_grade() {
    let query = include_str!(
        "../../../src/http/playground/directives-targeting-magnet-manufacturing.graphql"
    );
    let d = data(query, json!({})).await;
    let found: Vec<(&str, &str)> = list(&d["related"])
        .iter()
        .map(|r| (text(&r["entity"]["id"]), text(&r["weakestGrade"])))
        .collect();
    assert_eq!(
        found,
        [
            ("directive:mofcom-2025-62", "VERIFIED_SECONDARY"),
            (
                "directive:tonglu-2025-1-align-with-industrial-policy",
                "REPORTED"
            ),
        ]
    );
    for r in list(&d["related"]) {
        let weakest = list(&r["path"]["hops"])
            .iter()
            .map(|h| strength(&h["relation"]["grade"]))
            .max();
        assert_eq!(weakest, Some(strength(&r["weakestGrade"])), "{r}");
    }
}

/// "The standards in force on 2020-01-01": GB/T 13560-2017 came into force on 2018-05-01 and
/// SUPERSEDES GB/T 13560-2009, which is therefore no longer in force; standards issued or
/// effective later, and drafts with no date, are not either.
#[tokio::test]
async fn standards_in_force_on_2020_01_01() {
    let query = include_str!("../../../src/http/playground/standards-in-force-2020.graphql");
    let d = data(query, json!({})).await;
    let in_force = id_set(&d["entities"]["nodes"]);
    assert_eq!(
        in_force,
        [
            "standard:gb-t-13219-2018",
            "standard:gb-t-13560-2017",
            "standard:gb-t-15071-2008",
            "standard:gb-t-16476-2018",
            "standard:gb-t-20892-2020",
            "standard:iso-22444-1",
            "standard:iso-22444-2",
            "standard:iso-22450-2020",
            "standard:xb-t-617.2-2014",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
    );
    assert_eq!(d["entities"]["totalCount"], 9);
    // Before the 2017 edition came into force, the 2009 edition was.
    let before = data(
        r#"{ entities(kinds: [STANDARD], asOf: "2018-04-30", first: 100) { nodes { id } } }"#,
        json!({}),
    )
    .await;
    let before = id_set(&before["entities"]["nodes"]);
    assert!(before.contains("standard:gb-t-13560-2009"), "{before:?}");
    assert!(!before.contains("standard:gb-t-13560-2017"), "{before:?}");
}

/// `asOf` on a traversal: the SUPERSEDES relation holds from 2018-05-01, so a walk on an
/// earlier date does not take it, and `minGrade` above its grade does not either.
#[tokio::test]
async fn traversals_walk_only_relations_that_hold_on_the_date_and_are_strong_enough() {
    let d = data(
        r#"{
            before: paths(from: "standard:gb-t-13560-2017", to: "standard:gb-t-13560-2009", relationTypes: [SUPERSEDES], maxHops: 1, asOf: "2018-04") { length }
            after: paths(from: "standard:gb-t-13560-2017", to: "standard:gb-t-13560-2009", relationTypes: [SUPERSEDES], maxHops: 1, asOf: "2018-05-01") { length weakestGrade }
            verified: paths(from: "standard:gb-t-13560-2017", to: "standard:gb-t-13560-2009", relationTypes: [SUPERSEDES], maxHops: 1, minGrade: VERIFIED) { length }
            old: neighborhood(id: "standard:gb-t-13560-2009", relationTypes: [SUPERSEDES], asOf: "2017") { entities { id } }
        }"#,
        json!({}),
    )
    .await;
    assert_eq!(d["before"], json!([]));
    assert_eq!(
        d["after"],
        json!([{ "length": 1, "weakestGrade": "VERIFIED_SECONDARY" }])
    );
    assert_eq!(d["verified"], json!([]));
    assert_eq!(
        id_set(&d["old"]["entities"]),
        BTreeSet::from(["standard:gb-t-13560-2009".to_owned()])
    );
}

/// A malformed `asOf` is refused with BAD_USER_INPUT naming the argument, on traversals and on
/// `entities` alike.
#[tokio::test]
async fn a_malformed_as_of_is_bad_user_input() {
    for query in [
        r#"{ related(to: "mineral:scandium", kinds: [STANDARD], asOf: "2020-13") { distance } }"#,
        r#"{ neighborhood(id: "mineral:scandium", asOf: "yesterday") { truncated } }"#,
        r#"{ entities(asOf: "2020-02-30") { totalCount } }"#,
    ] {
        let answer = crate::common::run(query, json!({})).await;
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{answer:#}");
        assert!(text(&error["message"]).starts_with("`asOf`:"), "{answer:#}");
    }
}
