//! Fuzzing the HTTP surface through the router (`oneshot`, no socket): arbitrary strings, token
//! soups, plausible documents over the real schema, arbitrary JSON bodies and variables, and
//! arbitrary query strings on GET. Whatever arrives, the router answers: no panic, a status
//! from a short list, a JSON body with `data` or `errors`, only known error codes, and no Rust
//! internals in any message.
//!
//! Bounded and deterministic: fixed seeds (override with `PROPTEST_RNG_SEED`), a few hundred
//! cases per property, no failure files.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngSeed, TestCaseError, TestRunner};
use reegraph::http::{AppState, HttpConfig, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::common::{real_graph, schema};

// ------------------------------------------------------------------------------------------------
// The harness: one router for the binary, one runtime per test thread, and the invariants every
// reply keeps.

fn config(cases: u32, seed: u64) -> ProptestConfig {
    let mut config = ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..ProptestConfig::default()
    };
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(seed);
    }
    config
}

/// The router over the real data with the default settings, built once (clones share state, so
/// the response cache and the persisted-query store see every case, as in a real server).
fn router() -> axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER
        .get_or_init(|| app(AppState::new(schema(), real_graph(), HttpConfig::default())))
        .clone()
}

thread_local! {
    static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
}

/// Error codes the server may send.
const KNOWN_CODES: &[&str] = &[
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "LIMIT_EXCEEDED",
    "STALE_CURSOR",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "BAD_REQUEST",
    "PERSISTED_QUERY_NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "UNSUPPORTED_MEDIA_TYPE",
];

/// Statuses a GraphQL request may be answered with.
const STATUSES: &[u16] = &[200, 400, 405, 413, 415, 503];

/// Text that would betray Rust internals in a message (unless the client sent it itself).
const INTERNALS: &[&str] = &[
    "panicked",
    "src/",
    ".rs:",
    "RUST_BACKTRACE",
    "Error {",
    "Some(",
];

/// `Accept` headers a client may send; each allows a JSON media type.
const ACCEPTS: &[Option<&str>] = &[
    None,
    Some("application/json"),
    Some("application/graphql-response+json"),
    Some("*/*"),
    Some("application/graphql-response+json;q=0.9, application/json;q=0.8"),
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "Application/JSON",
];

/// What the fuzzed requests got, summed per test (printed with `--nocapture`).
#[derive(Debug, Default)]
struct Tally {
    statuses: BTreeMap<u16, u32>,
    codes: BTreeMap<String, u32>,
    uncoded: u32,
    /// Responses with non-null `data` and no errors.
    clean: u32,
    /// Responses with non-null `data` and errors.
    partial: u32,
}

struct Reply {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    body: Vec<u8>,
}

fn send(request: Request<Body>) -> Reply {
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let response = router()
                .oneshot(request)
                .await
                .expect("the router is infallible");
            let status = response.status();
            let header_text = |name| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let content_type = header_text(header::CONTENT_TYPE).unwrap_or_default();
            let allow = header_text(header::ALLOW);
            let body = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes()
                .to_vec();
            Reply {
                status,
                content_type,
                allow,
                body,
            }
        })
    })
}

fn post(body: impl Into<Vec<u8>>, content_type: &str, accept: Option<&str>) -> Request<Body> {
    let mut r = Request::post("/graphql").header(header::CONTENT_TYPE, content_type);
    if let Some(a) = accept {
        r = r.header(header::ACCEPT, a);
    }
    r.body(Body::from(body.into())).expect("a request")
}

/// Checks the invariants of one reply; `sent` is everything the client sent (a message may
/// echo it, so a suspicious pattern in it is not held against the server).
fn check(
    reply: &Reply,
    sent: &str,
    accept: Option<&str>,
    tally: &mut Tally,
) -> Result<Value, TestCaseError> {
    let status = reply.status.as_u16();
    *tally.statuses.entry(status).or_default() += 1;
    let text = String::from_utf8_lossy(&reply.body);
    prop_assert!(STATUSES.contains(&status), "status {}: {}", status, text);
    let graphql_media = accept.is_some_and(|a| a.contains("graphql-response+json"));
    let expected_media = if graphql_media {
        "application/graphql-response+json"
    } else {
        "application/json"
    };
    prop_assert!(
        reply.content_type.starts_with(expected_media),
        "Content-Type {:?} for Accept {:?} (status {}): {}",
        reply.content_type,
        accept,
        status,
        text
    );
    let body: Value = serde_json::from_slice(&reply.body)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}), status {status}: {text}")))?;
    let object = body
        .as_object()
        .ok_or_else(|| TestCaseError::fail(format!("not a JSON object: {text}")))?;
    prop_assert!(
        object
            .keys()
            .all(|k| ["data", "errors", "extensions"].contains(&k.as_str())),
        "unexpected top-level keys: {}",
        text
    );
    prop_assert!(
        object.contains_key("data") || object.contains_key("errors"),
        "neither data nor errors: {}",
        text
    );
    if status != 200 {
        prop_assert!(
            !object.contains_key("data"),
            "status {} with a data entry: {}",
            status,
            text
        );
    } else if graphql_media {
        // Under graphql-response+json, a request that did not execute is not 200.
        prop_assert!(
            object.contains_key("data"),
            "200 without data under graphql-response+json: {}",
            text
        );
    }
    if status == 405 {
        prop_assert_eq!(reply.allow.as_deref(), Some("POST"));
    }
    let errors = match object.get("errors") {
        None => &[][..],
        Some(Value::Array(errors)) => {
            prop_assert!(!errors.is_empty(), "an empty errors list: {}", text);
            errors.as_slice()
        }
        Some(_) => return Err(TestCaseError::fail(format!("errors is not a list: {text}"))),
    };
    if !object.contains_key("data") {
        prop_assert!(!errors.is_empty(), "no data and no errors: {}", text);
    }
    match object.get("data") {
        Some(Value::Null) | None => {}
        Some(Value::Object(_)) if errors.is_empty() => tally.clean += 1,
        Some(Value::Object(_)) => tally.partial += 1,
        Some(other) => return Err(TestCaseError::fail(format!("data is {other}"))),
    }
    for error in errors {
        let message = error["message"]
            .as_str()
            .ok_or_else(|| TestCaseError::fail(format!("an error without a message: {text}")))?;
        prop_assert!(!message.is_empty(), "an empty message: {}", text);
        for pattern in INTERNALS {
            prop_assert!(
                !message.contains(pattern) || sent.contains(pattern),
                "message shows internals ({:?}): {:?}",
                pattern,
                message
            );
        }
        if let Some(locations) = error.get("locations") {
            let locations = locations
                .as_array()
                .ok_or_else(|| TestCaseError::fail(format!("locations not a list: {text}")))?;
            for l in locations {
                prop_assert!(
                    l["line"].as_u64().is_some_and(|n| n >= 1)
                        && l["column"].as_u64().is_some_and(|n| n >= 1),
                    "bad location {}",
                    l
                );
            }
        }
        if let Some(path) = error.get("path") {
            prop_assert!(
                path.as_array()
                    .is_some_and(|p| p.iter().all(|s| s.is_string() || s.is_u64())),
                "bad path {}",
                path
            );
        }
        match error.get("extensions").and_then(|x| x.get("code")) {
            None => tally.uncoded += 1,
            Some(code) => {
                let code = code
                    .as_str()
                    .ok_or_else(|| TestCaseError::fail(format!("a non-string code: {text}")))?;
                *tally.codes.entry(code.to_owned()).or_default() += 1;
                prop_assert!(
                    KNOWN_CODES.contains(&code),
                    "unknown code {:?}: {}",
                    code,
                    text
                );
            }
        }
    }
    Ok(body)
}

/// Runs `cases` cases of `strategy` through `test`, then prints and returns the tally.
fn fuzz<S: Strategy>(
    name: &str,
    cases: u32,
    seed: u64,
    strategy: S,
    test: impl Fn(S::Value, &mut Tally) -> Result<(), TestCaseError>,
) -> Tally
where
    S::Value: std::fmt::Debug,
{
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config(cases, seed));
    let result = runner.run(&strategy, |value| test(value, &mut tally.borrow_mut()));
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let tally = tally.into_inner();
    eprintln!("{name}: {tally:?}");
    tally
}

/// Every string a JSON value holds, keys included, joined: what a message might echo.
fn strings_of(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| strings_of(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push('\n');
                strings_of(v, out);
            }
        }
        _ => {}
    }
}

fn sent_text(body: &[u8]) -> String {
    let mut sent = String::from_utf8_lossy(body).into_owned();
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        strings_of(&value, &mut sent);
    }
    sent
}

/// Percent-encodes everything outside the unreserved set.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-decodes (lossily), `+` as space: what a message about a query string might echo.
fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ------------------------------------------------------------------------------------------------
// Plausible documents: real fields of the schema, with arguments good and bad, fragments,
// aliases, directives, variables and several operations, built from a tape of random choices
// (so proptest shrinks the tape, and a shorter tape gives a smaller document).

struct Tape<'a> {
    tape: &'a [u32],
    at: usize,
    /// Whether the document may be invalid; a friendly one only meets the limits.
    hostile: bool,
    fragments: usize,
    /// The fragments spread so far (a friendly document defines only those).
    spread: std::collections::BTreeSet<usize>,
    /// The variables used so far (a friendly document declares only those).
    vars: std::collections::BTreeSet<&'static str>,
    aliases: usize,
    /// Whether the document has had its one fan-out.
    fanned: bool,
    /// Bytes of selections written so far: past a budget, selections stay small.
    written: usize,
}

impl Tape<'_> {
    fn next(&mut self) -> u32 {
        let v = self.tape.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.next() % 100 < percent
    }

    /// A chance of a mistake, in hostile documents only.
    fn bad(&mut self, percent: u32) -> bool {
        self.hostile && self.chance(percent)
    }
}

/// A field: its name, its arguments, and its type (`""` for a leaf).
type Field = (&'static str, &'static [&'static str], &'static str);

const CONCRETE: &[&str] = &[
    "Standard",
    "Mineral",
    "Organization",
    "Location",
    "Official",
    "Event",
    "Directive",
    "StandardBatch",
    "SupplyChainStage",
    "Application",
    "Source",
];

fn fields(ty: &str) -> &'static [Field] {
    const RELATIONS: &[&str] = &["relationTypes", "direction", "first", "after"];
    match ty {
        "Query" => &[
            ("entity", &["id"], "Entity"),
            ("node", &["id"], "Node"),
            ("nodes", &["ids"], "Node"),
            ("entities", &["kinds", "first", "after"], "EntityConnection"),
            ("search", &["query", "kinds", "first"], "SearchHit"),
            (
                "neighborhood",
                &["id", "depth", "relationTypes", "direction", "limit"],
                "Subgraph",
            ),
            (
                "paths",
                &["from", "to", "maxHops", "relationTypes", "first"],
                "Path",
            ),
            (
                "related",
                &[
                    "to",
                    "kinds",
                    "maxHops",
                    "relationTypes",
                    "first",
                    "maxIntermediateDegree",
                ],
                "RelatedEntity",
            ),
            ("stats", &[], "GraphStats"),
            ("relationTypes", &[], "RelationTypeInfo"),
        ],
        "Entity" => &[
            ("id", &[], ""),
            ("name", &[], ""),
            ("kind", &[], ""),
            ("aliases", &[], ""),
            ("description", &[], ""),
            ("citations", &[], "Citation"),
            ("relations", RELATIONS, "RelationConnection"),
        ],
        "Node" => &[("id", &[], "")],
        "EntityConnection" => &[
            ("totalCount", &[], ""),
            ("pageInfo", &[], "PageInfo"),
            ("edges", &[], "EntityEdge"),
            ("nodes", &[], "Entity"),
        ],
        "EntityEdge" => &[("cursor", &[], ""), ("node", &[], "Entity")],
        "PageInfo" => &[
            ("hasNextPage", &[], ""),
            ("hasPreviousPage", &[], ""),
            ("startCursor", &[], ""),
            ("endCursor", &[], ""),
        ],
        "SearchHit" => &[("score", &[], ""), ("entity", &[], "Entity")],
        "Subgraph" => &[
            ("truncated", &[], ""),
            ("entities", &[], "Entity"),
            ("relations", &[], "Relation"),
        ],
        "Path" => &[
            ("length", &[], ""),
            ("explanation", &[], ""),
            ("hops", &[], "Hop"),
            ("entities", &[], "Entity"),
            ("relations", &[], "Relation"),
        ],
        "Hop" => &[
            ("forward", &[], ""),
            ("reading", &[], ""),
            ("from", &[], "Entity"),
            ("to", &[], "Entity"),
            ("relation", &[], "Relation"),
        ],
        "Relation" => &[
            ("type", &[], ""),
            ("label", &[], ""),
            ("inverseLabel", &[], ""),
            ("role", &[], ""),
            ("since", &[], ""),
            ("until", &[], ""),
            ("from", &[], "Entity"),
            ("to", &[], "Entity"),
            ("citations", &[], "Citation"),
        ],
        "RelationConnection" => &[
            ("totalCount", &[], ""),
            ("pageInfo", &[], "PageInfo"),
            ("edges", &[], "RelationEdge"),
            ("nodes", &[], "Relation"),
        ],
        "RelationEdge" => &[
            ("cursor", &[], ""),
            ("direction", &[], ""),
            ("reading", &[], ""),
            ("node", &[], "Relation"),
        ],
        "Citation" => &[
            ("grade", &[], ""),
            ("quote", &[], ""),
            ("note", &[], ""),
            ("source", &[], "Entity"),
        ],
        "RelatedEntity" => &[
            ("distance", &[], ""),
            ("specificityCost", &[], ""),
            ("entity", &[], "Entity"),
            ("path", &[], "Path"),
        ],
        "GraphStats" => &[
            ("entities", &[], ""),
            ("relations", &[], ""),
            ("hubDegree", &[], ""),
            ("dataVersion", &[], ""),
            ("byKind", &[], "KindCount"),
        ],
        "KindCount" => &[("kind", &[], ""), ("count", &[], "")],
        "RelationTypeInfo" => &[
            ("type", &[], ""),
            ("label", &[], ""),
            ("inverseLabel", &[], ""),
            ("fromKinds", &[], ""),
            ("toKinds", &[], ""),
        ],
        "ElementClassification" => &[("scheme", &[], ""), ("group", &[], "")],
        "Standard" => &[
            ("code", &[], ""),
            ("level", &[], ""),
            ("status", &[], ""),
            ("title", &[], ""),
            ("replaces", &[], ""),
            ("minerals", &[], "Mineral"),
            ("issuedBy", &[], "Entity"),
            ("batches", &[], "StandardBatch"),
        ],
        "Mineral" => &[
            ("symbol", &[], ""),
            ("atomicNumber", &[], ""),
            ("formula", &[], ""),
            ("form", &[], ""),
            ("rareEarth", &[], ""),
            ("standards", &[], "Standard"),
            ("components", &[], "Mineral"),
            ("classifications", &[], "ElementClassification"),
        ],
        "Organization" => &[
            ("orgType", &[], ""),
            ("code", &[], ""),
            ("url", &[], ""),
            ("members", &[], "Official"),
            ("parts", &[], "Organization"),
            ("administers", &[], "Entity"),
            ("locatedIn", &[], "Location"),
        ],
        "Location" => &[
            ("locationType", &[], ""),
            ("divisionCode", &[], ""),
            ("parts", &[], "Location"),
            ("partOf", &[], "Location"),
            ("locationOf", &[], "Entity"),
        ],
        "Official" => &[
            ("title", &[], ""),
            ("organizations", &[], "Organization"),
            ("directives", &[], "Directive"),
            ("events", &[], "Event"),
            ("affiliations", &[], "Relation"),
        ],
        "Event" => &[
            ("eventType", &[], ""),
            ("startDate", &[], ""),
            ("endDate", &[], ""),
            ("participants", &[], "Entity"),
            ("locations", &[], "Location"),
            ("organizers", &[], "Organization"),
        ],
        "Directive" => &[
            ("directiveType", &[], ""),
            ("number", &[], ""),
            ("issued", &[], ""),
            ("issuedBy", &[], "Entity"),
            ("targets", &[], "Entity"),
            ("restricts", &[], "Entity"),
        ],
        "StandardBatch" => &[
            ("count", &[], ""),
            ("status", &[], ""),
            ("standards", &[], "Standard"),
            ("subjects", &[], "Entity"),
        ],
        "SupplyChainStage" => &[
            ("position", &[], ""),
            ("precedes", &[], "SupplyChainStage"),
            ("follows", &[], "SupplyChainStage"),
            ("minerals", &[], "Mineral"),
        ],
        "Application" => &[
            ("sector", &[], ""),
            ("uses", &[], "Entity"),
            ("usedIn", &[], "Application"),
            ("components", &[], "Mineral"),
        ],
        "Source" => &[
            ("sourceType", &[], ""),
            ("url", &[], ""),
            ("publisher", &[], ""),
            ("reportsOn", &[], "Entity"),
        ],
        _ => &[("__typename", &[], "")],
    }
}

/// Real ids, hubs among them.
const IDS: &[&str] = &[
    "location:china",
    "official:cao-yiding",
    "organization:sac-tc-229",
    "organization:miit",
    "standard:gb-t-13560-2017",
    "mineral:neodymium",
    "mineral:dysprosium",
    "application:defense-grade-magnets",
    "stage:mining",
    "event:tc229-2025-annual-meeting",
    "directive:mofcom-gacc-2025-57",
    "source:research-notes",
    "standard-batch:tc229-2025-final-review-26",
];

const KINDS: &[&str] = &[
    "ORGANIZATION",
    "OFFICIAL",
    "EVENT",
    "DIRECTIVE",
    "STANDARD",
    "STANDARD_BATCH",
    "MINERAL",
    "APPLICATION",
    "SUPPLY_CHAIN_STAGE",
    "LOCATION",
    "SOURCE",
];

const RELATION_TYPES: &[&str] = &[
    "PART_OF",
    "ADMINISTERS",
    "AFFILIATED_WITH",
    "ISSUED",
    "ANNOUNCED_AT",
    "ORGANIZED",
    "PARTICIPATED_IN",
    "LOCATED_IN",
    "TARGETS",
    "CONCERNS",
    "INCLUDED_IN",
    "COMPOSED_OF",
    "PRODUCED_FROM",
    "USED_IN",
    "PRODUCED_AT",
    "PRECEDES",
    "RESTRICTS",
    "PUBLISHED_BY",
    "REPORTS_ON",
    "HOLDS_SECRETARIAT_OF",
    "MIRROR_OF",
    "ACTIVE_IN",
];

/// Values of the wrong kind, out of range or odd, for any argument.
const ODD_VALUES: &[&str] = &[
    "null",
    "-1",
    "0",
    "2147483647",
    "2147483648",
    "-2147483649",
    "99999999999999999999999999",
    "1.5",
    "1e308",
    "-0.0",
    "true",
    "\"10\"",
    "\"\"",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "\"\"\"block\nstring\"\"\"",
    "[]",
    "[null]",
    "[1, \"a\", true]",
    "{a: 1}",
    "{}",
    "BOTH",
    "NOPE",
    "$id",
    "$n",
    "$b",
    "$k",
    "$undeclared",
];

fn ids_list(t: &mut Tape<'_>) -> String {
    let n = if t.bad(10) {
        101 + t.below(60)
    } else {
        t.below(6)
    };
    let ids: Vec<String> = (0..n).map(|_| format!("\"{}\"", t.pick(IDS))).collect();
    format!("[{}]", ids.join(", "))
}

fn enum_list(t: &mut Tape<'_>, values: &[&str]) -> String {
    if t.chance(15) {
        // A single value where a list is expected: coerced, valid.
        return t.pick(values).to_owned();
    }
    let n = t.below(4);
    let items: Vec<&str> = (0..n).map(|_| t.pick(values)).collect();
    format!("[{}]", items.join(", "))
}

fn long_string(t: &mut Tape<'_>) -> String {
    let len = t.pick(&[1usize, 199, 200, 201, 1_000, 4_000]);
    let unit = t.pick(&["a", "é", "钕", "\\\"", "\\n", "e\u{301}"]);
    format!("\"{}\"", unit.repeat(len))
}

/// A value for an argument: valid for it in a friendly document, now and then not in a hostile
/// one (edge numbers just past the maximums, odd values, long strings).
fn arg_value(t: &mut Tape<'_>, arg: &str) -> String {
    if t.bad(20) {
        return if t.chance(15) {
            long_string(t)
        } else {
            t.pick(ODD_VALUES).to_owned()
        };
    }
    let edge = t.bad(25);
    if !t.hostile && t.chance(10) {
        let var = match arg {
            "id" | "from" | "to" => Some("id"),
            "first" | "depth" | "maxHops" => Some("n"),
            "kinds" => Some("k"),
            _ => None,
        };
        if let Some(var) = var {
            t.vars.insert(var);
            return format!("${var}");
        }
    }
    match arg {
        "id" | "from" | "to" => {
            if edge {
                t.pick(&[
                    "\"nope:x\"",
                    "\"\"",
                    "\"LOCATION:CHINA\"",
                    "\" location:china\"",
                ])
                .to_owned()
            } else {
                format!("\"{}\"", t.pick(IDS))
            }
        }
        "ids" => ids_list(t),
        "kinds" => enum_list(t, KINDS),
        "relationTypes" => enum_list(t, RELATION_TYPES),
        "direction" => t.pick(&["OUTGOING", "INCOMING", "BOTH"]).to_owned(),
        "first" if edge => t.pick(&[-1, 101, 1000]).to_string(),
        "first" => t.pick(&[0, 1, 3, 20, 100]).to_string(),
        "depth" if edge => t.pick(&[-1, 5, 100]).to_string(),
        "depth" => t.pick(&[0, 1, 2, 3, 4]).to_string(),
        "limit" if edge => t.pick(&[-1, 1001]).to_string(),
        "limit" => t.pick(&[0, 1, 200, 1000]).to_string(),
        "maxHops" if edge => t.pick(&[-1, 7, 1000]).to_string(),
        "maxHops" => t.pick(&[0, 1, 2, 4, 6]).to_string(),
        "maxIntermediateDegree" if edge => t.pick(&[-1, -2147483648]).to_string(),
        "maxIntermediateDegree" => t.pick(&[0, 1, 20, 1000, 2147483647]).to_string(),
        "after" if edge => t
            .pick(&[
                "\"-1\"",
                "\"abc\"",
                "\"99999999999999999999\"",
                "\"1e3\"",
                "\"5\"",
                "\"0000000000000000:5\"",
            ])
            .to_owned(),
        // Relation cursors are `<data version>:<position>`, entity cursors are entity ids (see
        // src/graphql/cursor.rs).
        "after" if t.chance(50) => t
            .pick(&[
                "\"mineral:scandium\"",
                "\"standard:\"",
                "\"application:m\"",
                "\"source:zzz\"",
            ])
            .to_owned(),
        "after" => format!(
            "\"{:016x}:{}\"",
            real_graph().fingerprint(),
            t.pick(&[0, 5, 176, 177, 5000])
        ),
        "query" if edge => long_string(t),
        "query" => t
            .pick(&[
                "\"magnet\"",
                "\"nd\"",
                "\"gbt13560-2017\"",
                "\"钕\"",
                "\"Cao\"",
                "\"\"",
                "\"   \"",
                "\"*\"",
            ])
            .to_owned(),
        _ => "1".to_owned(),
    }
}

fn arguments(t: &mut Tape<'_>, args: &[&str]) -> String {
    let mut written = Vec::new();
    for arg in args {
        let required = matches!(*arg, "id" | "ids" | "from" | "to")
            || (*arg == "kinds" && args.contains(&"maxIntermediateDegree"))
            || (*arg == "query" && args.contains(&"kinds"));
        let include = if required { !t.bad(5) } else { t.chance(50) };
        if include {
            let value = arg_value(t, arg);
            written.push(format!("{arg}: {value}"));
        }
    }
    if t.bad(3) {
        written.push(format!("bogus: {}", arg_value(t, "first")));
    }
    if t.bad(3) && !written.is_empty() {
        // A duplicated argument.
        let again = written[0].clone();
        written.push(again);
    }
    if written.is_empty() {
        String::new()
    } else {
        format!("({})", written.join(", "))
    }
}

fn directive(t: &mut Tape<'_>) -> &'static str {
    const FRIENDLY: &[&str] = &[
        " @include(if: true)",
        " @include(if: false)",
        " @skip(if: true)",
        " @skip(if: false)",
        " @skip(if: true) @include(if: true)",
    ];
    const HOSTILE: &[&str] = &[
        " @skip(if: $b)",
        " @include(if: \"yes\")",
        " @include",
        " @deprecated",
        " @nope",
        " @skip(if: true) @skip(if: false)",
    ];
    if t.bad(50) {
        t.pick(HOSTILE)
    } else if t.chance(20) {
        t.vars.insert("b");
        " @skip(if: $b)"
    } else {
        t.pick(FRIENDLY)
    }
}

/// A selection set on `ty`, `depth` levels left.
fn selection(t: &mut Tape<'_>, ty: &str, depth: usize) -> String {
    if t.written > 16_000 {
        return "{ __typename }".to_owned();
    }
    let fields = fields(ty);
    let count = 1 + t.below(4);
    let mut items = Vec::new();
    // Response keys in this set: a friendly document aliases a repeated field (the same name
    // with other arguments would conflict).
    let mut keys = std::collections::HashSet::new();
    for _ in 0..count {
        let roll = t.below(100);
        let abstract_type = ty == "Entity" || ty == "Node";
        if abstract_type && roll < 12 && depth > 0 {
            let concrete = t.pick(CONCRETE);
            let inner = selection(t, concrete, depth - 1);
            items.push(format!("... on {concrete} {inner}"));
            continue;
        }
        if abstract_type && roll < 18 && t.fragments > 0 {
            // In a hostile document, now and then a fragment that does not exist.
            let n = if t.bad(20) {
                t.fragments
            } else {
                t.below(t.fragments)
            };
            t.spread.insert(n);
            items.push(format!("...F{n}"));
            continue;
        }
        if roll < 20 {
            if t.hostile {
                items.push(
                    t.pick(&[
                        "__typename",
                        "nope",
                        "id",
                        "__schema { queryType { name } types { name } }",
                        "__type(name: \"Query\") { name fields { name } }",
                        "... on Nope { id }",
                        "...Missing",
                    ])
                    .to_owned(),
                );
            } else {
                items.push("__typename".to_owned());
            }
            continue;
        }
        let (name, args, child) = t.pick(fields);
        let mut item = String::new();
        let aliases_before = t.aliases;
        if t.chance(10) || (!keys.insert(name) && !t.hostile) {
            t.aliases += 1;
            item.push_str(&format!("a{}: ", t.aliases));
        }
        item.push_str(name);
        item.push_str(&arguments(t, args));
        if t.chance(5) {
            item.push_str(directive(t));
        }
        if !child.is_empty() {
            if depth == 0 || t.bad(5) {
                // No selection where one is needed (or too little depth left): keep it valid
                // with `__typename` in a friendly document.
                if !t.bad(50) {
                    item.push_str(" { __typename }");
                }
            } else {
                item.push(' ');
                item.push_str(&selection(t, child, depth - 1));
            }
        } else if t.bad(3) {
            item.push_str(" { id }");
        }
        let plain = t.aliases == aliases_before && !item.contains('@');
        if !t.fanned && item.len() < 300 && (plain || t.hostile) && t.chance(3) {
            // Fan-out (once a document): the same field many times under aliases.
            t.fanned = true;
            let copies = if t.hostile {
                t.pick(&[99usize, 101, 150])
            } else {
                t.pick(&[5usize, 50, 99])
            };
            for _ in 0..copies {
                t.aliases += 1;
                let copy = format!("f{}: {item}", t.aliases);
                t.written += copy.len();
                items.push(copy);
            }
        }
        t.written += item.len();
        items.push(item);
    }
    format!("{{ {} }}", items.join(" "))
}

/// A document of one or more operations and some fragments, with an optional operation name.
/// Half the documents are friendly (valid but for the limits they may reach), half hostile.
fn document(tape: &[u32]) -> (String, Option<String>) {
    let mut t = Tape {
        tape,
        at: 0,
        hostile: false,
        fragments: 0,
        spread: std::collections::BTreeSet::new(),
        vars: std::collections::BTreeSet::new(),
        aliases: 0,
        fanned: false,
        written: 0,
    };
    t.hostile = t.chance(50);
    let depth = 1 + t.below(6);
    let fragments = if t.chance(25) { 1 + t.below(3) } else { 0 };
    t.fragments = fragments;
    let body = selection(&mut t, "Query", depth);
    // Fragments, last first: F{i} may spread only fragments before it (no cycles, unless the
    // document is hostile), and a friendly document defines only the fragments it spreads.
    let mut definitions = Vec::new();
    for i in (0..fragments).rev() {
        if !t.hostile && !t.spread.contains(&i) {
            continue;
        }
        let on = if t.bad(30) {
            t.pick(&["Standard", "Node", "Query", "Nope", "String"])
        } else {
            "Entity"
        };
        let inner = if t.bad(20) {
            // A fragment spreading itself or the next one (cycles are validation errors).
            format!("{{ id ...F{} }}", if t.chance(50) { i } else { i + 1 })
        } else {
            t.fragments = i;
            let d = 1 + t.below(3);
            selection(&mut t, "Entity", d)
        };
        definitions.push(format!("\nfragment F{i} on {on} {inner}"));
    }
    let declarations: Vec<&str> = t
        .vars
        .iter()
        .map(|v| match *v {
            "id" => "$id: ID! = \"location:china\"",
            "n" => "$n: Int! = 3",
            "b" => "$b: Boolean! = true",
            _ => "$k: [EntityKind!]! = [STANDARD]",
        })
        .collect();
    let declarations = if declarations.is_empty() {
        String::new()
    } else {
        format!("({})", declarations.join(", "))
    };
    let shape = if t.hostile { t.below(10) } else { t.below(7) };
    let (mut doc, operation_name) = match shape {
        0..=3 if declarations.is_empty() => (body, None),
        0..=3 => (format!("query {declarations} {body}"), None),
        4..=6 if !t.hostile => {
            let name = t.chance(50).then(|| "Q".to_owned());
            (format!("query Q{declarations} {body}"), name)
        }
        4..=6 => {
            let name = t.chance(50).then(|| "Q".to_owned());
            let head = "query Q($id: ID = \"location:china\", $n: Int, $b: Boolean = true, \
                        $k: [EntityKind!])";
            (format!("{head} {body}"), name)
        }
        7 => {
            let name = t.pick(&["A", "B", "C", ""]).to_owned();
            let name = t.chance(80).then_some(name);
            (
                format!("query A {body} query B {{ stats {{ entities }} }}"),
                name,
            )
        }
        8 => {
            let kind = t.pick(&["mutation", "subscription", "mutation M"]);
            let name = t.chance(30).then(|| "M".to_owned());
            (format!("{kind} {body}"), name)
        }
        _ => (format!("query ($id: ID!, $n: Int!) {body}"), None),
    };
    for definition in definitions {
        doc.push_str(&definition);
    }
    // Stay under the body limit (64 KiB) once JSON-escaped: cut (a parse error, still a case).
    if doc.len() > 40_000 {
        let mut end = 40_000;
        while !doc.is_char_boundary(end) {
            end -= 1;
        }
        doc.truncate(end);
    }
    (doc, operation_name)
}

/// Variables for the names the documents use, good and bad.
fn variables() -> impl Strategy<Value = Option<Value>> {
    let id = prop_oneof![
        proptest::sample::select(IDS).prop_map(Value::from),
        Just(json!(null)),
        Just(json!(12)),
        Just(json!(["location:china"])),
        Just(json!("nope")),
    ];
    let n = prop_oneof![
        (-3i64..200).prop_map(Value::from),
        Just(json!(2_147_483_648_i64)),
        Just(json!(-2_147_483_649_i64)),
        Just(json!(1e300)),
        Just(json!(u64::MAX)),
        Just(json!(1.5)),
        Just(json!("7")),
        Just(json!(null)),
    ];
    let b = prop_oneof![
        any::<bool>().prop_map(Value::from),
        Just(json!("true")),
        Just(json!(0))
    ];
    let k = prop_oneof![
        proptest::collection::vec(proptest::sample::select(KINDS), 0..4).prop_map(|v| json!(v)),
        Just(json!("STANDARD")),
        Just(json!(["NOPE"])),
        Just(json!([null])),
        Just(json!({"a": 1})),
    ];
    prop_oneof![
        3 => (
            proptest::option::of(id),
            proptest::option::of(n),
            proptest::option::of(b),
            proptest::option::of(k)
        )
            .prop_map(|(id, n, b, k)| {
                let mut map = serde_json::Map::new();
                for (name, v) in [("id", id), ("n", n), ("b", b), ("k", k)] {
                    if let Some(v) = v {
                        map.insert(name.to_owned(), v);
                    }
                }
                Some(Value::Object(map))
            }),
        1 => Just(None),
        1 => json_value().prop_map(Some),
    ]
}

fn plausible_document() -> impl Strategy<Value = (String, Option<String>)> {
    proptest::collection::vec(any::<u32>(), 0..400).prop_map(|tape| document(&tape))
}

// ------------------------------------------------------------------------------------------------
// Token soups and arbitrary text.

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "=",
    "@",
    "$",
    "!",
    "|",
    "&",
    "...",
    "..",
    ".",
    ",",
    "query",
    "mutation",
    "subscription",
    "fragment",
    "on",
    "true",
    "false",
    "null",
    "schema",
    "type",
    "entity",
    "entities",
    "neighborhood",
    "paths",
    "related",
    "search",
    "stats",
    "node",
    "nodes",
    "id",
    "name",
    "kind",
    "relations",
    "citations",
    "first",
    "depth",
    "limit",
    "maxHops",
    "kinds",
    "__typename",
    "__schema",
    "F",
    "Q",
    "$id",
    "@include",
    "@skip",
    "if",
    "\"location:china\"",
    "\"\"",
    "\"x",
    "\"\"\"",
    "\"\"\"block\"\"\"",
    "\"\\u12\"",
    "\"\\\"",
    "0",
    "-1",
    "1.5",
    "1e999",
    "99999999999999999999",
    ".5",
    "1.",
    "0x10",
    "-",
    "+",
    "# comment\n",
    "#\r",
    "\n",
    "\r",
    "\t",
    "\u{feff}",
    "\u{0}",
    "é",
    "钕",
    "\\",
];

fn token_soup() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        8 => proptest::sample::select(TOKENS).prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ];
    let sep = proptest::sample::select(&[" ", " ", "", "\n", ","][..]);
    proptest::collection::vec((token, sep), 0..300).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(token, sep)| format!("{token}{sep}"))
            .collect()
    })
}

fn arbitrary_text() -> impl Strategy<Value = String> {
    let graphql_char = proptest::sample::select(
        &[
            '{', '}', '(', ')', '[', ']', '"', '#', '\\', '\r', '\n', ' ', 'a', 'z', '$', '@', '.',
            ':', '!', '0', '9', '-', '\u{feff}', '\u{0}', 'é',
        ][..],
    );
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(graphql_char, 0..600).prop_map(|c| c.into_iter().collect()),
        // Runs of one bracket, around the nesting limit.
        (
            proptest::sample::select(&["{", "[", "(", "{a", "{a(b:[", "#\r{a"][..]),
            0usize..120
        )
            .prop_map(|(unit, n)| unit.repeat(n)),
        proptest::collection::vec(any::<u8>(), 0..400)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

// ------------------------------------------------------------------------------------------------
// JSON values.

fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        proptest::sample::select(
            &[
                "query",
                "variables",
                "operationName",
                "extensions",
                "persistedQuery",
                "version",
                "sha256Hash",
                "id",
                "n",
                "",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::from),
        proptest::sample::select(
            &[
                "{ stats { entities } }",
                "{ entity(id: \"location:china\") { name } }",
                "query Q($id: ID!) { entity(id: $id) { id } }",
                "mutation { x }",
                "{",
                "location:china",
                "ecf4edb4b7e4d3f3c0f1e3a5b2b7c3d1a7e5f0b9c8d7e6f5a4b3c2d1e0f9a8b7",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A request body: mostly objects with the GraphQL keys, some anything.
fn json_request() -> impl Strategy<Value = Value> {
    let query = prop_oneof![
        plausible_document().prop_map(|(d, _)| Value::from(d)),
        token_soup().prop_map(Value::from),
        json_value(),
    ];
    let extensions = prop_oneof![
        3 => Just(None),
        1 => json_value().prop_map(Some),
        1 => (any::<i64>(), proptest::option::of("[0-9a-f]{64}|[A-Z]{3}"))
            .prop_map(|(version, hash)| Some(json!({"persistedQuery": {"version": version % 3, "sha256Hash": hash}}))),
    ];
    prop_oneof![
        3 => (
            proptest::option::of(query),
            proptest::option::of(json_value()),
            proptest::option::of(json_value()),
            extensions
        )
            .prop_map(|(query, variables, operation_name, extensions)| {
                let mut map = serde_json::Map::new();
                for (k, v) in [
                    ("query", query),
                    ("variables", variables),
                    ("operationName", operation_name),
                    ("extensions", extensions),
                ] {
                    if let Some(v) = v {
                        map.insert(k.to_owned(), v);
                    }
                }
                Value::Object(map)
            }),
        1 => json_value(),
    ]
}

// ------------------------------------------------------------------------------------------------
// The properties.

/// Plausible documents with variables and an operation name, by POST.
#[test]
fn plausible_documents_never_break_the_router() {
    let strategy = (
        plausible_document(),
        variables(),
        proptest::sample::select(ACCEPTS),
        proptest::sample::select(CONTENT_TYPES),
    );
    let tally = fuzz(
        "plausible documents",
        256,
        0xf022_0001,
        strategy,
        |((doc, operation_name), variables, accept, content_type), tally| {
            let mut body = json!({ "query": doc });
            if let Some(v) = variables {
                body["variables"] = v;
            }
            if let Some(name) = operation_name {
                body["operationName"] = Value::from(name);
            }
            let body = body.to_string();
            // Bodies over the limit get a plain-text 413 (see `oversized_bodies_*` below).
            prop_assume!(body.len() <= HttpConfig::default().max_body_bytes);
            let reply = send(post(body.clone(), content_type, accept));
            check(&reply, &sent_text(body.as_bytes()), accept, tally).map(drop)
        },
    );
    // The generator must reach execution, not only the parser and the validator.
    assert!(tally.clean >= 50, "too few clean executions: {tally:?}");
    assert!(tally.statuses.contains_key(&400), "no refusals: {tally:?}");
    assert!(tally.codes.contains_key("LIMIT_EXCEEDED"), "{tally:?}");
    assert!(
        tally.codes.contains_key("GRAPHQL_VALIDATION_FAILED"),
        "no validation errors: {tally:?}"
    );
    assert_eq!(tally.uncoded, 0, "errors without a code: {tally:?}");
}

/// Token soups and arbitrary text as the query, by POST.
#[test]
fn token_soups_and_arbitrary_text_never_break_the_router() {
    let strategy = (
        prop_oneof![token_soup(), arbitrary_text()],
        proptest::sample::select(ACCEPTS),
    );
    let tally = fuzz(
        "token soups",
        256,
        0xf022_0002,
        strategy,
        |(query, accept), tally| {
            let body = json!({ "query": query }).to_string();
            let reply = send(post(body, "application/json", accept));
            check(&reply, &query, accept, tally).map(drop)
        },
    );
    assert!(
        tally.codes.contains_key("GRAPHQL_PARSE_FAILED"),
        "{tally:?}"
    );
}

/// Arbitrary JSON values (and arbitrary bytes) as the body, by POST.
#[test]
fn arbitrary_json_bodies_never_break_the_router() {
    let strategy = (
        prop_oneof![
            4 => json_request().prop_map(|v| v.to_string().into_bytes()),
            1 => proptest::collection::vec(any::<u8>(), 0..300),
        ],
        proptest::sample::select(ACCEPTS),
    );
    let tally = fuzz(
        "JSON bodies",
        256,
        0xf022_0003,
        strategy,
        |(body, accept), tally| {
            let sent = sent_text(&body);
            let reply = send(post(body, "application/json", accept));
            check(&reply, &sent, accept, tally).map(drop)
        },
    );
    assert!(tally.codes.contains_key("BAD_REQUEST"), "{tally:?}");
}

/// Arbitrary bytes as the query string of GET /graphql, and well-formed query strings whose
/// parameters are fuzzed.
#[test]
fn arbitrary_query_strings_never_break_the_router() {
    let raw = proptest::collection::vec(
        prop_oneof![
            3 => any::<u8>().prop_map(|b| vec![b]),
            2 => proptest::sample::select(
                &[
                    "query=", "&", "=", "%", "%7B", "%7D", "%ZZ", "%E9", "%00", "+", "variables=",
                    "operationName=", "extensions=", "%7Bstats%7Bentities%7D%7D", "{", "}",
                    "query=%7B", "query=mutation%7Bx%7D",
                ][..]
            )
            .prop_map(|s| s.as_bytes().to_vec()),
        ],
        0..120,
    )
    .prop_map(|parts| {
        // Bytes a URI may hold go as they are; others are percent-encoded.
        parts
            .concat()
            .into_iter()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    });
    let structured = (
        prop_oneof![plausible_document().prop_map(|(d, _)| d), token_soup()],
        variables(),
        proptest::option::of(proptest::sample::select(&["Q", "A", "B", "M", ""][..])),
        proptest::option::of(json_value()),
    )
        .prop_map(|(doc, variables, operation_name, extensions)| {
            let mut qs = format!("query={}", urlencode(&doc));
            if let Some(v) = variables {
                qs.push_str(&format!("&variables={}", urlencode(&v.to_string())));
            }
            if let Some(name) = operation_name {
                qs.push_str(&format!("&operationName={name}"));
            }
            if let Some(e) = extensions {
                qs.push_str(&format!("&extensions={}", urlencode(&e.to_string())));
            }
            qs
        });
    let strategy = (
        prop_oneof![raw, structured],
        proptest::sample::select(ACCEPTS),
    );
    let tally = fuzz(
        "query strings",
        256,
        0xf022_0004,
        strategy,
        |(qs, accept), tally| {
            let mut request = Request::get(format!("/graphql?{qs}"));
            if let Some(a) = accept {
                request = request.header(header::ACCEPT, a);
            }
            let Ok(request) = request.body(Body::empty()) else {
                // Not a URI hyper would hand over; nothing to test.
                return Ok(());
            };
            let reply = send(request);
            let decoded = urldecode(&qs);
            let mut sent = decoded.clone();
            for (_, v) in form_pairs(&decoded) {
                if let Ok(value) = serde_json::from_str::<Value>(&v) {
                    strings_of(&value, &mut sent);
                }
            }
            check(&reply, &sent, accept, tally).map(drop)
        },
    );
    assert!(tally.clean > 0, "no GET executed: {tally:?}");
    // The same invariants hold for the one GET refusal the fuzzer rarely reaches.
    let mut fixed = Tally::default();
    for accept in ACCEPTS {
        let request = Request::get("/graphql?query=mutation%20M%20%7B%20x%20%7D&operationName=M");
        let request = match accept {
            Some(a) => request.header(header::ACCEPT, *a),
            None => request,
        };
        let reply = send(request.body(Body::empty()).expect("a request"));
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        if let Err(e) = check(&reply, "mutation M { x }", *accept, &mut fixed) {
            panic!("GET mutation: {e}");
        }
    }
}

fn form_pairs(decoded: &str) -> Vec<(String, String)> {
    decoded
        .split('&')
        .filter_map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Regressions: bugs found by fuzzing, fixed in src/.

/// A comment ends at `\r` as well as `\n` (as in GraphQL's grammar), so whatever follows `#\r`
/// is still seen by the nesting and token limits.
#[test]
fn a_comment_ended_by_carriage_return_hides_nothing_from_the_limits() {
    let deep = format!("#\r{}{}", "{a".repeat(100), "}".repeat(100));
    let many = format!(
        "#\rquery($x: [Int] = [{}]) {{ stats {{ entities }} }}",
        "1 ".repeat(6_000)
    );
    for (doc, what) in [(deep, "brackets"), (many, "tokens")] {
        let body = json!({ "query": doc }).to_string();
        let reply = send(post(body, "application/json", None));
        let v: Value = serde_json::from_slice(&reply.body).expect("JSON");
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {v}");
        assert_eq!(
            v["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
            "{what}: {v}"
        );
    }
}

/// A body over `max_body_bytes` is refused with 413 as a GraphQL error document naming the
/// limit, and counted in `/metrics` (`reegraph_rejections_total{limit="body_bytes"}`).
#[test]
fn oversized_bodies_are_a_counted_graphql_error() {
    let state = AppState::new(schema(), real_graph(), HttpConfig::default());
    let metrics = state.metrics();
    let router = app(state);
    let query = format!("{{ stats {{ entities }} }}{}", " ".repeat(70_000));
    let body = json!({ "query": query }).to_string();
    let length = body.len();
    let (status, content_type, text) = RUNTIME.with(|rt| {
        rt.block_on(async {
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, length)
                .body(Body::from(body))
                .expect("a request");
            let response = router.oneshot(request).await.expect("infallible");
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("a body")
                .to_bytes();
            (
                status,
                content_type,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
    });
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(v["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    let rendered = metrics.render(&real_graph(), 0);
    assert!(
        rendered.contains("reegraph_rejections_total{limit=\"body_bytes\"} 1"),
        "{rendered}"
    );
}
