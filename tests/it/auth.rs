//! Authentication over a real socket on 127.0.0.1: every outcome of a bearer token (missing,
//! malformed, expired, not yet valid, wrong audience, wrong issuer, wrong signature, HS256,
//! RS256 and ES256 good, API token good and unknown), reads that need the reader role, and
//! `require_role` against a tiny schema. The WebSocket, the logs and the CLI: `auth_ws.rs`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reegraph::auth::jwt::JwtSettings;
use reegraph::auth::{AuthSettings, Authenticator, Principal, Role, api_tokens};
use reegraph::http::{ConnectionLimits, HttpConfig};
use serde_json::{Value, json};

use crate::subscriptions::server;

/// The test-only key pairs (tests/fixtures/auth/README.md).
pub(crate) fn key(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/auth")
        .join(name)
}

pub(crate) const SECRET: &[u8] = b"test-only HS256 secret, 32 bytes or more";
pub(crate) const AUDIENCE: &str = "reegraph-test";
pub(crate) const ISSUER: &str = "https://issuer.test";

/// Keys and tokens on disk for one server: the HS256 secret, an API tokens file with an
/// editor (`bot`) and a reader (`viewer`).
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) settings: AuthSettings,
    pub(crate) editor_token: String,
    pub(crate) reader_token: String,
}

pub(crate) fn fixture(public_key: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, SECRET).expect("write the secret");
    let tokens = dir.path().join("tokens");
    let editor_token = api_tokens::create(&tokens, "bot", &[Role::Editor]).expect("token");
    let reader_token = api_tokens::create(&tokens, "viewer", &[Role::Reader]).expect("token");
    Fixture {
        settings: AuthSettings {
            jwt: JwtSettings {
                hs256_secret_file: Some(secret),
                public_key_file: Some(key(public_key)),
                algorithm: None,
                audiences: vec![AUDIENCE.to_owned()],
                issuers: vec![ISSUER.to_owned()],
            },
            api_tokens_file: Some(tokens),
        },
        _dir: dir,
        editor_token,
        reader_token,
    }
}

pub(crate) fn config(fixture: &Fixture, reads_need_role: bool) -> HttpConfig {
    HttpConfig {
        auth: Arc::new(Authenticator::load(&fixture.settings).expect("loads")),
        reads_need_role,
        ..HttpConfig::default()
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

/// Good claims, with `changes` merged over them (a `null` removes a claim).
pub(crate) fn claims(changes: Value) -> Value {
    let mut claims = json!({
        "sub": "alice", "roles": ["editor"], "aud": AUDIENCE, "iss": ISSUER,
        "exp": now() + 600, "nbf": now() - 10,
    });
    let object = claims.as_object_mut().expect("an object");
    for (k, v) in changes.as_object().expect("an object") {
        match v {
            Value::Null => object.remove(k),
            v => object.insert(k.clone(), v.clone()),
        };
    }
    claims
}

/// A JWT of `claims` signed with `algorithm`: HS256 with `SECRET` (or `secret`), the others
/// with the private half of a test-only key pair.
pub(crate) fn jwt(algorithm: Algorithm, claims: &Value) -> String {
    let key = match algorithm {
        Algorithm::HS256 => EncodingKey::from_secret(SECRET).expect("HS256 key"),
        Algorithm::RS256 => {
            let pem = std::fs::read(key("test-only-rsa-private.pem")).expect("key");
            EncodingKey::from_rsa_pem(&pem).expect("RSA key")
        }
        _ => {
            let pem = std::fs::read(key("test-only-ec-private.pem")).expect("key");
            EncodingKey::from_ec_pem(&pem).expect("EC key")
        }
    };
    jsonwebtoken::encode(&Header::new(algorithm), claims, &key).expect("signs")
}

/// An HTTP/1.1 response read to its end.
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// The header lines, lowercased.
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn code(&self) -> String {
        let body: Value = serde_json::from_str(&self.body).expect("JSON");
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// Sends one request over a new connection to `address` and reads the whole answer.
pub(crate) async fn exchange(
    address: &str,
    get: bool,
    authorization: Option<&str>,
    query: &str,
) -> Reply {
    let auth = authorization.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
    let body = json!({ "query": query }).to_string();
    let request = if get {
        let query: String = query
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!(
            "GET /graphql?query={query} HTTP/1.1\r\nHost: {address}\r\n{auth}Connection: close\r\n\r\n"
        )
    } else {
        format!(
            "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             {auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let raw = crate::http::talk(address, request.as_bytes()).await;
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

pub(crate) const QUERY: &str = "{ stats { entities } }";

/// A 401 with UNAUTHENTICATED, the invalid-token challenge and `what` in the message; the
/// body never holds the token.
fn assert_refused(reply: &Reply, what: &str, token: &str, case: &str) {
    assert_eq!(reply.status, 401, "{case}: {}", reply.body);
    assert_eq!(reply.code(), "UNAUTHENTICATED", "{case}");
    assert!(
        reply
            .head
            .contains("www-authenticate: bearer realm=\"reegraph\", error=\"invalid_token\""),
        "{case}: {}",
        reply.head
    );
    assert!(reply.body.contains(what), "{case}: {}", reply.body);
    assert!(token.len() < 8 || !reply.body.contains(token), "{case}");
}

#[tokio::test]
async fn each_token_outcome_over_http() {
    let fixture = fixture("test-only-rsa-public.pem");
    let (_state, address) = server(config(&fixture, false), ConnectionLimits::default()).await;
    let exp = now() - 3_600;
    let nbf = now() + 3_600;
    let forged = {
        let key = EncodingKey::from_secret(b"another secret of 32 bytes or more!!").expect("key");
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(json!({})), &key)
            .expect("signs")
    };
    let refused = [
        (
            "not a bearer",
            "Basic dXNlcjpwYXNz".to_owned(),
            "Bearer <token>",
        ),
        ("malformed", "Bearer not-a-token".to_owned(), "malformed"),
        ("garbage JWT", "Bearer a.b.c".to_owned(), "malformed"),
        (
            "expired",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"exp": exp})))
            ),
            &format!("expired at {exp}"),
        ),
        (
            "not yet valid",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"nbf": nbf})))
            ),
            &format!("not valid before {nbf}"),
        ),
        (
            "wrong audience",
            format!(
                "Bearer {}",
                jwt(Algorithm::RS256, &claims(json!({"aud": "other"})))
            ),
            "audience",
        ),
        (
            "no audience",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"aud": null})))
            ),
            "no `aud` claim",
        ),
        (
            "wrong issuer",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"iss": "evil"})))
            ),
            "issuer",
        ),
        ("wrong signature", format!("Bearer {forged}"), "signature"),
        (
            "no subject",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"sub": null})))
            ),
            "no `sub` claim",
        ),
        (
            "roles not a list",
            format!(
                "Bearer {}",
                jwt(Algorithm::HS256, &claims(json!({"roles": "editor"})))
            ),
            "claims are malformed",
        ),
        (
            "algorithm without a key",
            format!("Bearer {}", jwt(Algorithm::ES256, &claims(json!({})))),
            "ES256 are not accepted",
        ),
        (
            "unknown API token",
            format!("Bearer {}{}", api_tokens::PREFIX, "0".repeat(64)),
            "not known",
        ),
    ];
    for (case, authorization, what) in &refused {
        for get in [false, true] {
            let reply = exchange(&address, get, Some(authorization), QUERY).await;
            let token = authorization.rsplit(' ').next().unwrap_or("");
            assert_refused(&reply, what, token, case);
        }
    }
    let good = [
        ("anonymous", None),
        ("HS256", Some(jwt(Algorithm::HS256, &claims(json!({}))))),
        ("RS256", Some(jwt(Algorithm::RS256, &claims(json!({}))))),
        ("API token", Some(fixture.editor_token.clone())),
        ("reader API token", Some(fixture.reader_token.clone())),
    ];
    for (case, token) in good {
        let authorization = token.map(|t| format!("bearer {t}"));
        let reply = exchange(&address, false, authorization.as_deref(), QUERY).await;
        assert_eq!(reply.status, 200, "{case}: {}", reply.body);
        assert!(
            reply.body.contains("\"entities\""),
            "{case}: {}",
            reply.body
        );
    }
}

#[tokio::test]
async fn an_ec_key_verifies_es256_and_refuses_rs256() {
    let fixture = fixture("test-only-ec-public.pem");
    let (_state, address) = server(config(&fixture, false), ConnectionLimits::default()).await;
    let good = format!("Bearer {}", jwt(Algorithm::ES256, &claims(json!({}))));
    let reply = exchange(&address, false, Some(&good), QUERY).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let other = format!("Bearer {}", jwt(Algorithm::RS256, &claims(json!({}))));
    let reply = exchange(&address, false, Some(&other), QUERY).await;
    assert_refused(&reply, "RS256 are not accepted", "", "RS256 on an EC key");
}

#[tokio::test]
async fn reads_that_need_the_reader_role() {
    let fixture = fixture("test-only-rsa-public.pem");
    let (_state, address) = server(config(&fixture, true), ConnectionLimits::default()).await;
    for get in [false, true] {
        let reply = exchange(&address, get, None, QUERY).await;
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(reply.code(), "UNAUTHENTICATED");
        assert!(reply.body.contains("reader role"), "{}", reply.body);
        // No credentials: a challenge without an error code (RFC 6750 §3.1).
        assert!(
            reply
                .head
                .contains("www-authenticate: bearer realm=\"reegraph\"\r\n")
        );
        let no_role = jwt(Algorithm::HS256, &claims(json!({"roles": ["admin"]})));
        let reply = exchange(&address, get, Some(&format!("Bearer {no_role}")), QUERY).await;
        assert_eq!(reply.status, 403, "{}", reply.body);
        assert_eq!(reply.code(), "FORBIDDEN");
        assert!(reply.body.contains("`alice` does not hold the reader role"));
        assert!(reply.head.contains("error=\"insufficient_scope\""));
        for token in [&fixture.reader_token, &fixture.editor_token] {
            let reply = exchange(&address, get, Some(&format!("Bearer {token}")), QUERY).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
    }
}

#[tokio::test]
async fn credentialed_get_responses_are_private_and_anonymous_ones_public() {
    let fixture = fixture("test-only-rsa-public.pem");
    let (_state, address) = server(config(&fixture, false), ConnectionLimits::default()).await;
    let token = format!("Bearer {}", fixture.reader_token);
    for _ in 0..3 {
        let reply = exchange(&address, true, Some(&token), QUERY).await;
        assert!(
            reply.head.contains("cache-control: private, max-age="),
            "{}",
            reply.head
        );
        let reply = exchange(&address, true, None, QUERY).await;
        assert!(
            reply.head.contains("cache-control: public, max-age="),
            "{}",
            reply.head
        );
    }
}

/// `require_role` against a tiny schema: no principal is UNAUTHENTICATED, a reader is
/// FORBIDDEN from what needs an editor, an editor passes and is named.
#[tokio::test]
async fn require_role_tells_missing_from_wrong_roles() {
    use async_graphql::{Context, EmptySubscription, Object, Schema};
    struct Q;
    #[Object]
    impl Q {
        async fn write(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
            let principal = reegraph::graphql::require_role(ctx, Role::Editor)?;
            Ok(principal.subject.to_string())
        }
    }
    let schema = Schema::new(Q, async_graphql::EmptyMutation, EmptySubscription);
    let principal = |role| Principal {
        subject: "alice".into(),
        roles: vec![role],
    };
    let run = |data: Option<Principal>| {
        let mut request = async_graphql::Request::new("{ write }");
        if let Some(p) = data {
            request = request.data(p);
        }
        let schema = schema.clone();
        async move { serde_json::to_value(schema.execute(request).await).expect("JSON") }
    };
    let code = |v: &Value| v["errors"][0]["extensions"]["code"].clone();
    assert_eq!(code(&run(None).await), json!("UNAUTHENTICATED"));
    assert_eq!(
        code(&run(Some(principal(Role::Reader))).await),
        json!("FORBIDDEN")
    );
    assert_eq!(
        run(Some(principal(Role::Editor))).await["data"],
        json!({"write": "alice"})
    );
}
