//! What verifying a bearer token costs, per request: an API token (SHA-256 and a
//! constant-time scan of the stored hashes), and JWTs signed HS256, RS256 and ES256 (with the
//! test-only keys of tests/fixtures/auth): `jwt_first` a token never seen (each sample signs a
//! new one, untimed), `jwt_remembered` one verified before (see `auth::jwt`). An anonymous
//! request pays none of it.
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

/// One authenticator per public key, a signing key per algorithm, and a token of each kind.
struct Fixture {
    _dir: tempfile::TempDir,
    rsa: Authenticator,
    ec: Authenticator,
    api_token: String,
    keys: [(Algorithm, EncodingKey); 3],
}

impl Fixture {
    fn authenticator(&self, algorithm: Algorithm) -> &Authenticator {
        if algorithm == Algorithm::ES256 {
            &self.ec
        } else {
            &self.rsa
        }
    }

    /// A new token signed with `algorithm` (a new `sub` each time: never seen before).
    fn sign(&self, algorithm: Algorithm) -> String {
        static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let exp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs()
            + 3_600;
        let claims =
            serde_json::json!({"sub": format!("user{n}"), "roles": ["editor"], "exp": exp});
        let key = &self
            .keys
            .iter()
            .find(|(a, _)| *a == algorithm)
            .expect("a key")
            .1;
        let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, key).expect("signs");
        format!("Bearer {token}")
    }
}

fn algorithm(name: &str) -> Algorithm {
    name.parse().expect("an algorithm")
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
        let pem = |name| std::fs::read(key(name)).expect("key");
        let keys = [
            (
                Algorithm::HS256,
                EncodingKey::from_secret(SECRET).expect("key"),
            ),
            (
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(&pem("test-only-rsa-private.pem")).expect("key"),
            ),
            (
                Algorithm::ES256,
                EncodingKey::from_ec_pem(&pem("test-only-ec-private.pem")).expect("key"),
            ),
        ];
        Fixture {
            rsa: load("test-only-rsa-public.pem"),
            ec: load("test-only-ec-public.pem"),
            _dir: dir,
            api_token,
            keys,
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
fn jwt_first(bencher: Bencher, name: &str) {
    let (f, algorithm) = (fixture(), algorithm(name));
    bencher
        .with_inputs(|| f.sign(algorithm))
        .bench_refs(|credentials| {
            f.authenticator(algorithm)
                .verify_bearer(black_box(credentials))
                .expect("verifies")
        });
}

#[divan::bench(args = ["HS256", "RS256", "ES256"])]
fn jwt_remembered(bencher: Bencher, name: &str) {
    let (f, algorithm) = (fixture(), algorithm(name));
    let credentials = f.sign(algorithm);
    let authenticator = f.authenticator(algorithm);
    bencher.bench(|| {
        authenticator
            .verify_bearer(black_box(&credentials))
            .expect("verifies")
    });
}
