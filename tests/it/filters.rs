//! `entities(where, orderBy)` and `entityCounts` through GraphQL on the real data: each
//! operator, ordered cursors, and each refusal with its code.

use serde_json::{Value, json};

use crate::common::{data, error_codes, run};

const PAGE: &str = r#"query($where: EntityWhere, $kinds: [EntityKind!], $orderBy: EntityOrder, $first: Int = 20, $after: String) {
    entities(kinds: $kinds, where: $where, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage endCursor }
        nodes { id name ... on Standard { code issued } }
    }
}"#;

async fn ids(filter: Value) -> Vec<String> {
    let d = data(PAGE, json!({ "where": filter, "first": 100 })).await;
    let nodes = d["entities"]["nodes"].as_array().expect("nodes").clone();
    assert_eq!(
        d["entities"]["totalCount"].as_u64(),
        Some(nodes.len() as u64),
        "{d:#}"
    );
    nodes
        .iter()
        .map(|n| n["id"].as_str().expect("an id").to_owned())
        .collect()
}

async fn refused(filter: Value, kinds: Value) -> (Vec<String>, String) {
    let r = run(PAGE, json!({ "where": filter, "kinds": kinds })).await;
    let message = r["errors"][0]["message"].as_str().unwrap_or("").to_owned();
    (error_codes(&r), message)
}

#[tokio::test]
async fn text_operators() {
    let exact = ids(json!({ "mineral": { "symbol": { "eq": "Sc" } } })).await;
    assert_eq!(exact, ["mineral:scandium"]);
    assert!(
        ids(json!({ "mineral": { "symbol": { "eq": "sc" } } }))
            .await
            .is_empty()
    );
    let listed = ids(json!({ "mineral": { "symbol": { "in": ["Sc", "Nd"] } } })).await;
    assert_eq!(listed, ["mineral:neodymium", "mineral:scandium"]);
    // startsWith and contains ignore case.
    let gbt = ids(json!({ "standard": { "code": { "startsWith": "gb/t" } } })).await;
    assert!(gbt.len() > 5, "{gbt:?}");
    assert!(gbt.contains(&"standard:gb-t-13560-2017".to_owned()));
    let contains = ids(json!({ "standard": { "code": { "contains": "13560" } } })).await;
    assert_eq!(
        contains,
        ["standard:gb-t-13560-2009", "standard:gb-t-13560-2017"]
    );
    let named = ids(json!({ "name": { "contains": "SCANDIUM OX" } })).await;
    assert!(
        named.contains(&"mineral:scandium-oxide".to_owned()),
        "{named:?}"
    );
    let by_id =
        ids(json!({ "id": { "in": ["mineral:scandium", "stage:mining", "nope:x"] } })).await;
    assert_eq!(by_id, ["mineral:scandium", "stage:mining"]);
}

#[tokio::test]
async fn enum_int_and_boolean_operators() {
    let oxides = ids(json!({ "mineral": { "form": { "eq": "OXIDE" } } })).await;
    assert!(oxides.contains(&"mineral:scandium-oxide".to_owned()));
    let rare =
        ids(json!({ "mineral": { "rareEarth": true, "atomicNumber": { "lte": 21 } } })).await;
    assert_eq!(rare, ["mineral:scandium"]);
    let heavy = ids(json!({ "mineral": { "atomicNumber": { "gt": 70 } } })).await;
    assert_eq!(heavy, ["mineral:lutetium"]);
    let some = ids(json!({ "mineral": { "atomicNumber": { "in": [21, 39] } } })).await;
    assert_eq!(some, ["mineral:scandium", "mineral:yttrium"]);
    let iso = ids(json!({ "standard": { "level": { "in": ["INTERNATIONAL"] }, "status": { "eq": "PUBLISHED" } } })).await;
    assert!(iso.iter().all(|i| i.starts_with("standard:iso")), "{iso:?}");
    let hubs = ids(json!({ "degree": { "gte": 18 } })).await;
    assert!(
        hubs.contains(&"organization:iso-tc-298".to_owned()),
        "{hubs:?}"
    );
    assert!(hubs.len() < 10, "{hubs:?}");
}

#[tokio::test]
async fn date_operators_compare_at_common_precision() {
    // GB/T 13219-2018 was issued 2018-07-13, GB/T 16476-2018 in "2018".
    let in_2018 = ids(json!({ "standard": { "issued": { "eq": "2018" } } })).await;
    assert!(in_2018.contains(&"standard:gb-t-13219-2018".to_owned()));
    assert!(in_2018.contains(&"standard:gb-t-16476-2018".to_owned()));
    let after_june = ids(json!({ "standard": { "issued": { "gt": "2018-06" } } })).await;
    assert!(after_june.contains(&"standard:gb-t-13219-2018".to_owned()));
    // "2018" is not known to be after June 2018.
    assert!(!after_june.contains(&"standard:gb-t-16476-2018".to_owned()));
    let before = ids(json!({ "standard": { "issued": { "lt": "2010" } } })).await;
    assert!(
        before.contains(&"standard:gb-t-13560-2009".to_owned()),
        "{before:?}"
    );
    assert!(!before.contains(&"standard:gb-t-13219-2018".to_owned()));
}

#[tokio::test]
async fn and_or_not_and_relations() {
    let either = ids(json!({ "OR": [
        { "id": { "eq": "mineral:scandium" } },
        { "id": { "eq": "stage:mining" } }
    ] }))
    .await;
    assert_eq!(either, ["mineral:scandium", "stage:mining"]);
    let both = ids(json!({ "AND": [
        { "mineral": { "symbol": { "in": ["Sc", "Nd"] } } },
        { "NOT": { "name": { "startsWith": "neo" } } }
    ] }))
    .await;
    assert_eq!(both, ["mineral:scandium"]);
    // Standards concerning a mineral whose form is OXIDE.
    let oxide_standards = ids(json!({
        "relation": { "type": "CONCERNS", "to": { "mineral": { "form": { "eq": "OXIDE" } } } }
    }))
    .await;
    assert!(oxide_standards.contains(&"standard:gb-t-13219-2018".to_owned()));
    assert!(oxide_standards.iter().all(|i| !i.starts_with("mineral:")));
    // INCOMING: minerals some standard concerns.
    let concerned = ids(json!({
        "mineral": {},
        "relation": { "type": "CONCERNS", "direction": "INCOMING", "to": { "id": { "eq": "standard:gb-t-13219-2018" } } }
    }))
    .await;
    assert_eq!(concerned, ["mineral:scandium-oxide"]);
}

#[tokio::test]
async fn ordered_pages_follow_their_cursors_and_refuse_others() {
    let order = json!({ "field": "DATE", "direction": "DESC" });
    let filter = json!({ "standard": { "code": { "startsWith": "GB/T" } } });
    let all = data(
        PAGE,
        json!({ "where": filter, "orderBy": order, "first": 100 }),
    )
    .await;
    let all: Vec<Value> = all["entities"]["nodes"].as_array().expect("nodes").clone();
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = data(
            PAGE,
            json!({ "where": filter, "orderBy": order, "first": 3, "after": after }),
        )
        .await;
        paged.extend(d["entities"]["nodes"].as_array().expect("nodes").clone());
        assert_eq!(
            d["entities"]["pageInfo"]["hasPreviousPage"],
            !after.is_null()
        );
        if d["entities"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["entities"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, all);
    // Newest first, undated last.
    let dates: Vec<&str> = all
        .iter()
        .map(|n| n["issued"].as_str().unwrap_or(""))
        .collect();
    let dated = dates.iter().take_while(|d| !d.is_empty()).count();
    assert!(dates[dated..].iter().all(|d| d.is_empty()), "{dates:?}");
    assert!(
        dates[..dated].windows(2).all(|w| w[0][..4] >= w[1][..4]),
        "{dates:?}"
    );

    // A cursor of another order, and an id cursor on an ordered page, are refused.
    let name_order = json!({ "field": "NAME" });
    let r = run(PAGE, json!({ "orderBy": name_order, "after": after })).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("DATE DESC"),
        "{r:#}"
    );
    let r = run(
        PAGE,
        json!({ "orderBy": name_order, "after": "mineral:scandium" }),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    let r = run(PAGE, json!({ "orderBy": name_order, "after": "[1,2" })).await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");

    // With a filter and no orderBy, cursors are still entity ids.
    let d = data(PAGE, json!({ "where": filter, "first": 2 })).await;
    let cursor = d["entities"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("a cursor")
        .to_owned();
    assert!(cursor.starts_with("standard:"), "{cursor}");
    let next = data(
        PAGE,
        json!({ "where": filter, "first": 2, "after": cursor }),
    )
    .await;
    assert_ne!(next["entities"]["nodes"][0], d["entities"]["nodes"][0]);
}

#[tokio::test]
async fn orders_by_name_code_and_degree() {
    for field in ["NAME", "CODE", "DEGREE", "KIND"] {
        for direction in ["ASC", "DESC"] {
            let d = data(
                PAGE,
                json!({ "kinds": ["STANDARD"], "orderBy": { "field": field, "direction": direction }, "first": 100 }),
            )
            .await;
            assert_eq!(
                d["entities"]["nodes"].as_array().map(Vec::len),
                d["entities"]["totalCount"].as_u64().map(|n| n as usize),
                "{field} {direction}"
            );
        }
    }
    let d = data(
        PAGE,
        json!({ "kinds": ["MINERAL"], "orderBy": { "field": "NAME" }, "first": 100 }),
    )
    .await;
    let names: Vec<&str> = d["entities"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("a name"))
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
}

#[tokio::test]
async fn filters_that_cannot_apply_are_refused() {
    let (codes, message) = refused(json!({ "standard": {} }), json!(["MINERAL"])).await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    assert!(
        message.contains("where.standard") && message.contains("MINERAL"),
        "{message}"
    );
    let (codes, message) = refused(json!({ "standard": {}, "mineral": {} }), json!(null)).await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    assert!(message.contains("OR"), "{message}");
    // CONCERNS never reaches an event.
    let (codes, message) = refused(
        json!({ "relation": { "type": "CONCERNS", "to": { "event": {} } } }),
        json!(null),
    )
    .await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    assert!(
        message.contains("where.relation.to.event") && message.contains("CONCERNS"),
        "{message}"
    );
    // No CONCERNS relation starts at a mineral.
    let (codes, _) = refused(
        json!({ "relation": { "type": "CONCERNS" } }),
        json!(["MINERAL"]),
    )
    .await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    let (codes, _) = refused(json!({ "kind": { "eq": "EVENT" } }), json!(["MINERAL"])).await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    let (codes, message) = refused(
        json!({ "standard": { "issued": { "gt": "2018-13" } } }),
        json!(null),
    )
    .await;
    assert_eq!(codes, ["BAD_USER_INPUT"]);
    assert!(message.contains("where.standard.issued"), "{message}");
}

#[tokio::test]
async fn filter_limits_are_refused() {
    let deep = json!({ "relation": { "type": "COMPOSED_OF", "to": { "relation": { "type": "COMPOSED_OF", "to": {
        "relation": { "type": "COMPOSED_OF", "to": { "relation": { "type": "COMPOSED_OF" } } } } } } } });
    let (codes, message) = refused(deep, json!(null)).await;
    assert_eq!(codes, ["LIMIT_EXCEEDED"]);
    assert!(message.contains("maximum of 3"), "{message}");
    let many: Vec<String> = (0..101).map(|i| format!("mineral:m{i}")).collect();
    let (codes, message) = refused(json!({ "id": { "in": many } }), json!(null)).await;
    assert_eq!(codes, ["LIMIT_EXCEEDED"]);
    assert!(message.contains("maximum of 100"), "{message}");
    let wide: Vec<Value> = (0..70).map(|_| json!({ "name": { "eq": "x" } })).collect();
    let (codes, _) = refused(json!({ "OR": wide }), json!(null)).await;
    assert_eq!(codes, ["LIMIT_EXCEEDED"]);
}

const COUNTS: &str = r#"query($kinds: [EntityKind!], $where: EntityWhere, $groupBy: [EntityGroupField!]!, $related: RelatedGroup, $first: Int = 100) {
    entityCounts(kinds: $kinds, where: $where, groupBy: $groupBy, related: $related, first: $first) {
        total groupCount groups { count key { kind status level form grade related { id } } }
    }
}"#;

#[tokio::test]
async fn grouped_counts() {
    let d = data(COUNTS, json!({ "groupBy": ["KIND"] })).await;
    let stats = data("{ stats { entities byKind { kind count } } }", json!({})).await;
    let c = &d["entityCounts"];
    assert_eq!(c["total"], stats["stats"]["entities"]);
    assert_eq!(
        c["groupCount"],
        json!(stats["stats"]["byKind"].as_array().map(Vec::len))
    );
    for group in c["groups"].as_array().expect("groups") {
        let kind = &group["key"]["kind"];
        let expected = stats["stats"]["byKind"]
            .as_array()
            .expect("by kind")
            .iter()
            .find(|k| &k["kind"] == kind)
            .map(|k| k["count"].clone());
        assert_eq!(Some(group["count"].clone()), expected, "{kind}");
        assert!(group["key"]["status"].is_null());
    }
    // Standards by status and level, with a filter: the groups sum to the filtered total.
    let d = data(
        COUNTS,
        json!({ "kinds": ["STANDARD"], "where": { "standard": { "code": { "startsWith": "GB/T" } } }, "groupBy": ["STATUS", "LEVEL"] }),
    )
    .await;
    let sum: u64 = d["entityCounts"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["count"].as_u64().expect("a count"))
        .sum();
    let page = data(
        PAGE,
        json!({ "where": { "standard": { "code": { "startsWith": "GB/T" } } }, "first": 0 }),
    )
    .await;
    assert_eq!(json!(sum), page["entities"]["totalCount"]);
    assert_eq!(json!(sum), d["entityCounts"]["total"]);
    // `first` cuts the list, not `groupCount`.
    let d = data(COUNTS, json!({ "groupBy": ["KIND"], "first": 2 })).await;
    assert_eq!(
        d["entityCounts"]["groups"].as_array().map(Vec::len),
        Some(2)
    );
    assert!(d["entityCounts"]["groupCount"].as_u64() > Some(2));
}

#[tokio::test]
async fn grouped_counts_refuse_what_cannot_apply() {
    for (variables, needle) in [
        (
            json!({ "kinds": ["MINERAL"], "groupBy": ["LEVEL"] }),
            "LEVEL",
        ),
        (
            json!({ "kinds": ["STANDARD"], "groupBy": ["FORM"] }),
            "FORM",
        ),
        (json!({ "groupBy": ["RELATED"] }), "related"),
        (
            json!({ "groupBy": ["KIND"], "related": { "type": "CONCERNS" } }),
            "RELATED",
        ),
    ] {
        let r = run(COUNTS, variables).await;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
        let message = r["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains(needle), "{message}");
    }
    let r = run(COUNTS, json!({ "groupBy": ["KIND"], "first": 5000 })).await;
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r:#}");
}

#[tokio::test]
async fn several_order_keys_sort_in_turn_and_page_through_their_cursors() {
    const LEVELS: &str = r#"query($orderBy: [EntityOrder!], $first: Int = 20, $after: String) {
        entities(kinds: [STANDARD], orderBy: $orderBy, first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { id ... on Standard { level issued } }
        }
    }"#;
    let order = json!([{ "field": "LEVEL" }, { "field": "DATE", "direction": "DESC" }]);
    let all = data(LEVELS, json!({ "orderBy": order, "first": 100 })).await;
    let all: Vec<Value> = all["entities"]["nodes"].as_array().expect("nodes").clone();
    assert!(all.len() > 4, "{all:?}");
    let rank = |level: &str| {
        [
            "NATIONAL",
            "INDUSTRY",
            "INTERNATIONAL",
            "ASSOCIATION",
            "NOT_STATED",
        ]
        .iter()
        .position(|l| *l == level)
        .expect("a level")
    };
    for w in all.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let (la, lb) = (
            rank(a["level"].as_str().unwrap_or("")),
            rank(b["level"].as_str().unwrap_or("")),
        );
        assert!(la <= lb, "levels in order: {a} then {b}");
        if la == lb {
            // Within a level, newest first, undated last (years compared: reduced precision).
            let (da, db) = (a["issued"].as_str(), b["issued"].as_str());
            assert!(
                db.is_none() || da.is_some_and(|da| db.is_some_and(|db| da[..4] >= db[..4])),
                "{a} then {b}"
            );
        }
    }
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let d = data(
            LEVELS,
            json!({ "orderBy": order, "first": 4, "after": after }),
        )
        .await;
        paged.extend(d["entities"]["nodes"].as_array().expect("nodes").clone());
        if d["entities"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = d["entities"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, all);
    // The cursor of a two-key order is refused under its first key alone.
    let r = run(
        LEVELS,
        json!({ "orderBy": { "field": "LEVEL" }, "after": after }),
    )
    .await;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r:#}");
    // A single object is a list of one key; more than four keys is LIMIT_EXCEEDED.
    let one = data(
        LEVELS,
        json!({ "orderBy": { "field": "LEVEL" }, "first": 100 }),
    )
    .await;
    assert_eq!(
        one["entities"]["nodes"].as_array().map(Vec::len),
        Some(all.len())
    );
    let five = json!([{ "field": "LEVEL" }, { "field": "DATE" }, { "field": "NAME" }, { "field": "CODE" }, { "field": "DEGREE" }]);
    let r = run(LEVELS, json!({ "orderBy": five })).await;
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r:#}");
}
