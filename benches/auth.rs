//! What verifying a bearer token costs, per request: an API token (SHA-256 and a
//! constant-time scan of the stored hashes), and JWTs signed HS256, RS256 and ES256 (with the
//! test-only keys of tests/fixtures/auth). An anonymous request pays none of it.
//!
//! Under `cargo test --all-targets` each benchmark runs once.
//!
//! Run: `cargo bench --bench auth`.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use divan::{Bencher, black_box};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reegraph::auth::jwt::JwtSettings;
use reegraph::auth::{AuthSettings, Authenticator, Role, api_tokens};

fn main() {
    divan::main();
}

const SECRET: &[u8] = b"bench-only HS256 secret, 32 bytes or more";

fn key(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/auth")
        .join(name)
}

/// One authenticator per public key, and a token of each kind.
struct Fixture {
    _dir: tempfile::TempDir,
    rsa: Authenticator,
    ec: Authenticator,
    api_token: String,
    tokens: [(Algorithm, String); 3],
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, SECRET).expect("secret");
        let file = dir.path().join("tokens");
        // A file of 100 tokens: the scan compares with every one.
        let mut api_token = String::new();
        for n in 0..100 {
            api_token = api_tokens::create(&file, &format!("t{n}"), &[Role::Editor]).expect("t");
        }
        let load = |public_key: &str| {
            Authenticator::load(&AuthSettings {
                jwt: JwtSettings {
                    hs256_secret_file: Some(secret.clone()),
                    public_key_file: Some(key(public_key)),
                    ..JwtSettings::default()
                },
                api_tokens_file: Some(file.clone()),
            })
            .expect("loads")
        };
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
            + 3_600;
        let claims = serde_json::json!({"sub": "alice", "roles": ["editor"], "exp": exp});
        let sign = |algorithm, key: EncodingKey| {
            let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, &key).expect("s");
            (algorithm, token)
        };
        let pem = |name| std::fs::read(key(name)).expect("key");
        let tokens = [
            sign(
                Algorithm::HS256,
                EncodingKey::from_secret(SECRET).expect("key"),
            ),
            sign(
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(&pem("test-only-rsa-private.pem")).expect("key"),
            ),
            sign(
                Algorithm::ES256,
                EncodingKey::from_ec_pem(&pem("test-only-ec-private.pem")).expect("key"),
            ),
        ];
        Fixture {
            rsa: load("test-only-rsa-public.pem"),
            ec: load("test-only-ec-public.pem"),
            _dir: dir,
            api_token,
            tokens,
        }
    })
}

#[divan::bench]
fn api_token_of_100(bencher: Bencher) {
    let f = fixture();
    let credentials = format!("Bearer {}", f.api_token);
    bencher.bench(|| {
        f.rsa
            .verify_bearer(black_box(&credentials))
            .expect("verifies")
    });
}

#[divan::bench(args = ["HS256", "RS256", "ES256"])]
fn jwt(bencher: Bencher, algorithm: &str) {
    let f = fixture();
    let (algorithm, token) = f
        .tokens
        .iter()
        .find(|(a, _)| format!("{a:?}") == algorithm)
        .expect("a token");
    let authenticator = if *algorithm == Algorithm::ES256 {
        &f.ec
    } else {
        &f.rsa
    };
    let credentials = format!("Bearer {token}");
    bencher.bench(|| {
        authenticator
            .verify_bearer(black_box(&credentials))
            .expect("verifies")
    });
}
