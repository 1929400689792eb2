//! JSON Web Tokens (RFC 7519) verified with `jsonwebtoken`: HS256 with a shared secret, and
//! RS256/ES256 (or another RSA or ECDSA algorithm named explicitly) with a public key, each
//! read from a file at start-up.
//!
//! Checked: the signature, with the one algorithm each key is bound to (a token's `alg`
//! header picks the key, never the algorithm: no HS256-with-the-public-key confusion); `exp`
//! (required) and `nbf` (when present), with [`LEEWAY_SECONDS`] of clock skew; `aud` and
//! `iss` when configured (then required); `sub` (required: the principal's subject). Roles
//! come from the `roles` claim, a list of strings; unknown roles are ignored.
//!
//! A token that verified is remembered by its SHA-256 (never its text) with its principal and
//! `exp`, in a bounded cache ([`VERIFIED_CAPACITY`] tokens): a client sends the same token with
//! every request, and verifying an ES256 signature costs ~270 µs, RS256 ~75 µs (release build,
//! `cargo bench --bench auth`). A remembered token is still refused once `exp` passes.
//!
//! Invariant: no error message holds the token or any part of it.

use std::path::{Path, PathBuf};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{AuthError, ConfigError, Principal, Role};

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;

/// Shortest HS256 secret accepted: 256 bits, as RFC 7518 §3.2 requires of HMAC-SHA-256 keys.
pub const MIN_SECRET_BYTES: usize = 32;

/// Where the JWT keys come from and what the claims must say.
#[derive(Debug, Clone, Default)]
pub struct JwtSettings {
    /// A file holding the HS256 secret (its bytes, a trailing newline dropped).
    pub hs256_secret_file: Option<PathBuf>,
    /// A PEM file holding an RSA or EC public key.
    pub public_key_file: Option<PathBuf>,
    /// The public key's algorithm; by default RS256 for an RSA key, ES256 for an EC key.
    pub algorithm: Option<Algorithm>,
    /// Accepted audiences (`aud` must name one); empty: `aud` is not checked.
    pub audiences: Vec<String>,
    /// Accepted issuers (`iss` must be one); empty: `iss` is not checked.
    pub issuers: Vec<String>,
}

/// One key with the algorithm it is bound to.
struct BoundKey {
    algorithm: Algorithm,
    key: DecodingKey,
    validation: Validation,
}

/// Verified tokens remembered (by hash) at most.
pub const VERIFIED_CAPACITY: usize = 10_000;

/// The configured JWT keys, and the tokens they verified lately.
pub struct JwtVerifier {
    keys: Vec<BoundKey>,
    /// SHA-256 of a verified token → its principal and `exp`.
    verified: quick_cache::sync::Cache<[u8; 32], (Principal, u64)>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algorithms: Vec<_> = self.keys.iter().map(|k| k.algorithm).collect();
        f.debug_struct("JwtVerifier")
            .field("algorithms", &algorithms)
            .finish_non_exhaustive()
    }
}

/// The claims read from a verified token (the rest are checked by `jsonwebtoken`).
#[derive(Deserialize)]
struct Claims {
    /// Required (checked by `jsonwebtoken`).
    exp: u64,
    /// Required (checked by `jsonwebtoken`, after this parses: so optional here).
    sub: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// The time claims, read only to word an error about a token whose signature was verified.
#[derive(Deserialize)]
struct Times {
    exp: Option<u64>,
    nbf: Option<u64>,
}

impl JwtVerifier {
    /// The verifier `settings` describe, or `None` when they name no key file.
    pub fn load(settings: &JwtSettings) -> Result<Option<JwtVerifier>, ConfigError> {
        let mut keys = Vec::new();
        if let Some(path) = &settings.hs256_secret_file {
            let bytes = read(path)?;
            let secret = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            let secret = secret.strip_suffix(b"\r").unwrap_or(secret);
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    path,
                    None,
                    format!(
                        "an HS256 secret must be at least {MIN_SECRET_BYTES} bytes; this one has {}",
                        secret.len()
                    ),
                ));
            }
            let key = DecodingKey::from_secret(secret)
                .map_err(|e| ConfigError::new(path, None, e.to_string()))?;
            keys.push(bound(Algorithm::HS256, key, settings));
        }
        if let Some(path) = &settings.public_key_file {
            let pem = read(path)?;
            let (key, default) = match DecodingKey::from_rsa_pem(&pem) {
                Ok(key) => (key, Algorithm::RS256),
                Err(_) => match DecodingKey::from_ec_pem(&pem) {
                    Ok(key) => (key, Algorithm::ES256),
                    Err(_) => {
                        return Err(ConfigError::new(
                            path,
                            None,
                            "not a PEM RSA or EC public key (`-----BEGIN PUBLIC KEY-----`)",
                        ));
                    }
                },
            };
            let algorithm = settings.algorithm.unwrap_or(default);
            if algorithm.family() != key.family() {
                return Err(ConfigError::new(
                    path,
                    None,
                    format!("the algorithm {algorithm:?} does not fit this key ({default:?} does)"),
                ));
            }
            keys.push(bound(algorithm, key, settings));
        }
        Ok((!keys.is_empty()).then(|| JwtVerifier {
            keys,
            verified: quick_cache::sync::Cache::new(VERIFIED_CAPACITY),
        }))
    }

    /// The principal a token names, once its signature and claims are verified.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((principal, exp)) = self.verified.get(&hash) {
            return if exp.saturating_add(LEEWAY_SECONDS) < jsonwebtoken::get_current_timestamp() {
                Err(AuthError::Expired(exp))
            } else {
                Ok(principal)
            };
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        let Some(bound) = self.keys.iter().find(|k| k.algorithm == header.alg) else {
            return Err(AuthError::AlgorithmNotAccepted(format!("{:?}", header.alg)));
        };
        let data = jsonwebtoken::decode::<Claims>(token, &bound.key, &bound.validation)
            .map_err(|e| explain(e.kind(), token))?;
        let subject = data
            .claims
            .sub
            .ok_or_else(|| AuthError::MissingClaim("sub".to_owned()))?;
        let roles = data
            .claims
            .roles
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect();
        let principal = Principal {
            subject: subject.into(),
            roles,
        };
        self.verified
            .insert(hash, (principal.clone(), data.claims.exp));
        Ok(principal)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|e| ConfigError::new(path, None, e.to_string()))
}

fn bound(algorithm: Algorithm, key: DecodingKey, settings: &JwtSettings) -> BoundKey {
    let mut validation = Validation::new(algorithm);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    let mut required = vec!["exp", "sub"];
    if settings.audiences.is_empty() {
        validation.validate_aud = false;
    } else {
        validation.set_audience(&settings.audiences);
        required.push("aud");
    }
    if !settings.issuers.is_empty() {
        validation.set_issuer(&settings.issuers);
        required.push("iss");
    }
    validation.set_required_spec_claims(&required);
    BoundKey {
        algorithm,
        key,
        validation,
    }
}

/// What went wrong, in words that never hold the token. `token` is read again only after its
/// signature was verified (an expired or immature token), for the time it names.
fn explain(kind: &ErrorKind, token: &str) -> AuthError {
    let times = || jsonwebtoken::dangerous::insecure_decode_claims::<Times>(token).ok();
    match kind {
        ErrorKind::ExpiredSignature => {
            AuthError::Expired(times().and_then(|t| t.exp).unwrap_or_default())
        }
        ErrorKind::ImmatureSignature => {
            AuthError::NotYetValid(times().and_then(|t| t.nbf).unwrap_or_default())
        }
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::BadClaim(claim.clone()),
        ErrorKind::Json(_) => AuthError::BadClaims,
        _ => AuthError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::{JwtSettings, JwtVerifier};
    use jsonwebtoken::Algorithm;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/auth")
            .join(name)
    }

    fn load(settings: &JwtSettings) -> String {
        JwtVerifier::load(settings).map_or_else(|e| e.to_string(), |_| "loaded".to_owned())
    }

    /// A remembered token answers from the cache, and is refused once its `exp` (plus the
    /// leeway) has passed, as a fresh verification would refuse it.
    #[test]
    fn a_remembered_token_still_expires() {
        use crate::auth::{AuthError, Principal, Role};
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().expect("temp dir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, [7u8; 32]).expect("write");
        let verifier = JwtVerifier::load(&JwtSettings {
            hs256_secret_file: Some(secret),
            ..JwtSettings::default()
        })
        .expect("loads")
        .expect("a verifier");
        let principal = Principal {
            subject: "alice".into(),
            roles: vec![Role::Editor],
        };
        let remember = |token: &str, exp| {
            let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            verifier.verified.insert(hash, (principal.clone(), exp));
        };
        remember("a.b.c", 1_000);
        assert_eq!(verifier.verify("a.b.c"), Err(AuthError::Expired(1_000)));
        remember("d.e.f", u64::MAX);
        assert_eq!(verifier.verify("d.e.f"), Ok(principal.clone()));
        // Not remembered: verified, and refused (its signature is no signature).
        assert_eq!(verifier.verify("g.h.i"), Err(AuthError::Malformed));
    }

    #[test]
    fn unusable_key_files_are_refused_with_their_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let short = dir.path().join("short");
        std::fs::write(&short, "too short\n").expect("write");
        let e = load(&JwtSettings {
            hs256_secret_file: Some(short.clone()),
            ..JwtSettings::default()
        });
        assert!(e.starts_with(&format!("{}: ", short.display())), "{e}");
        assert!(e.contains("at least 32 bytes; this one has 9"), "{e}");
        let not_pem = load(&JwtSettings {
            public_key_file: Some(short),
            ..JwtSettings::default()
        });
        assert!(
            not_pem.contains("not a PEM RSA or EC public key"),
            "{not_pem}"
        );
        let mismatch = load(&JwtSettings {
            public_key_file: Some(fixture("test-only-rsa-public.pem")),
            algorithm: Some(Algorithm::ES256),
            ..JwtSettings::default()
        });
        assert!(
            mismatch.contains("ES256 does not fit this key (RS256 does)"),
            "{mismatch}"
        );
        let missing = load(&JwtSettings {
            public_key_file: Some(dir.path().join("absent.pem")),
            ..JwtSettings::default()
        });
        assert!(missing.contains("absent.pem: "), "{missing}");
        for key in ["test-only-rsa-public.pem", "test-only-ec-public.pem"] {
            let ok = load(&JwtSettings {
                public_key_file: Some(fixture(key)),
                ..JwtSettings::default()
            });
            assert_eq!(ok, "loaded", "{key}");
        }
        assert!(matches!(
            JwtVerifier::load(&JwtSettings::default()),
            Ok(None)
        ));
    }
}
