//! Who is asking: the [`Principal`] a request carries once its credentials are verified, and
//! the [`Role`]s it holds. The HTTP layer (and the WebSocket's `connection_init`) verifies a
//! bearer token and puts the principal into the GraphQL request's data; resolvers that need a
//! role ask [`crate::graphql::require_role`].
//!
//! Verification is [`Authenticator::verify`]: a bearer token is an API token ([`api_tokens`],
//! `rgt_...`, its hash looked up in a file) or a JWT ([`jwt`]); the keys and files are read
//! once, at start-up ([`Authenticator::load`]), and a malformed one fails it with its path
//! (and line).
//!
//! Architecture invariant: this module knows nothing of GraphQL or HTTP; a principal never
//! holds the token it was made from, so it can be logged; no error message holds a token.

pub mod api_tokens;
pub mod jwt;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// May read the graph when reads are not public.
    Reader,
    /// May write: mutations (and read).
    Editor,
}

impl Role {
    /// The role's name in tokens and messages (`reader`, `editor`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
        }
    }

    /// The role named `name`, if any.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "reader" => Some(Role::Reader),
            "editor" => Some(Role::Editor),
            _ => None,
        }
    }
}

/// A verified caller: who (the author recorded with each change) and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's subject (a JWT's `sub`, an API token's name).
    pub subject: Arc<str>,
    /// The roles it holds. An editor may also read.
    pub roles: Vec<Role>,
}

impl Principal {
    /// What tells principals apart (for a cache partition): the roles, a newline, the
    /// subject. Never empty, and unambiguous (role names hold no newline).
    pub fn identity(&self) -> String {
        let roles: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
        format!("{}\n{}", roles.join(","), self.subject)
    }

    /// Whether it holds `role` (an editor holds reader too).
    pub fn has(&self, role: Role) -> bool {
        self.roles
            .iter()
            .any(|&r| r == role || (r == Role::Editor && role == Role::Reader))
    }
}

/// Why a bearer token was refused. The messages say what was wrong, never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not `Bearer <token>`.
    #[error("the credentials must be `Bearer <token>`")]
    NotBearer,
    /// Neither a well-formed JWT nor an API token.
    #[error("the bearer token is malformed (neither a JWT nor an API token)")]
    Malformed,
    /// A kind of token this server has no key or file for.
    #[error("this server accepts no {0} (none is configured)")]
    NotAccepted(&'static str),
    /// `exp` (unix seconds) has passed, beyond the leeway.
    #[error("the token expired at {0} (unix seconds)")]
    Expired(u64),
    /// `nbf` (unix seconds) is still ahead, beyond the leeway.
    #[error("the token is not valid before {0} (unix seconds)")]
    NotYetValid(u64),
    /// `aud` names none of the configured audiences.
    #[error("the token's audience (aud) is not one this server accepts")]
    WrongAudience,
    /// `iss` is not a configured issuer.
    #[error("the token's issuer (iss) is not one this server accepts")]
    WrongIssuer,
    /// The signature does not verify with the key of its algorithm.
    #[error("the token's signature does not verify")]
    BadSignature,
    /// A required claim is absent.
    #[error("the token has no `{0}` claim, which this server requires")]
    MissingClaim(String),
    /// A claim of the wrong type.
    #[error("the token's `{0}` claim is malformed")]
    BadClaim(String),
    /// Claims that do not parse (`sub` not a string, `roles` not a list of strings).
    #[error("the token's claims are malformed (`sub` must be a string, `roles` a list of strings)")]
    BadClaims,
    /// Signed with an algorithm no configured key is bound to.
    #[error("tokens signed with {0} are not accepted here")]
    AlgorithmNotAccepted(String),
    /// An API token whose hash is not in the tokens file.
    #[error("the API token is not known here")]
    UnknownApiToken,
}

/// A key or tokens file that cannot be used: where, and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The line (1-based), for a line-oriented file.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    fn new(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// What [`Authenticator::load`] reads.
#[derive(Debug, Clone, Default)]
pub struct AuthSettings {
    /// JWT keys and claim checks.
    pub jwt: jwt::JwtSettings,
    /// The API tokens file.
    pub api_tokens_file: Option<PathBuf>,
}

/// Verifies bearer tokens against the configured keys and tokens file. The default accepts
/// no token (every caller is anonymous).
#[derive(Debug, Default)]
pub struct Authenticator {
    jwt: Option<jwt::JwtVerifier>,
    api_tokens: Option<api_tokens::ApiTokens>,
}

impl Authenticator {
    /// Reads the key and tokens files `settings` name.
    pub fn load(settings: &AuthSettings) -> Result<Authenticator, ConfigError> {
        Ok(Authenticator {
            jwt: jwt::JwtVerifier::load(&settings.jwt)?,
            api_tokens: match &settings.api_tokens_file {
                Some(path) => Some(api_tokens::ApiTokens::load(path)?),
                None => None,
            },
        })
    }

    /// Whether any kind of token is accepted.
    pub fn accepts_tokens(&self) -> bool {
        self.jwt.is_some() || self.api_tokens.is_some()
    }

    /// The principal of credentials `Bearer <token>` (RFC 6750; the scheme's case is free).
    pub fn verify_bearer(&self, credentials: &str) -> Result<Principal, AuthError> {
        let (scheme, token) = credentials
            .trim()
            .split_once(' ')
            .ok_or(AuthError::NotBearer)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::NotBearer);
        }
        self.verify(token.trim())
    }

    /// The principal a bearer token names.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        if token.starts_with(api_tokens::PREFIX) {
            return match &self.api_tokens {
                Some(tokens) => tokens.verify(token),
                None => Err(AuthError::NotAccepted("API tokens")),
            };
        }
        if token.split('.').count() != 3 {
            return Err(AuthError::Malformed);
        }
        match &self.jwt {
            Some(jwt) => jwt.verify(token),
            None => Err(AuthError::NotAccepted("JWTs")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{AuthError, Authenticator, Principal, Role};

    #[test]
    fn credentials_must_be_a_bearer_token_of_a_configured_kind() {
        let none = Authenticator::default();
        assert_eq!(none.verify_bearer("Basic abc"), Err(AuthError::NotBearer));
        assert_eq!(none.verify_bearer("Bearer"), Err(AuthError::NotBearer));
        assert_eq!(none.verify_bearer("bearer a.b"), Err(AuthError::Malformed));
        assert_eq!(
            none.verify_bearer("Bearer a.b.c"),
            Err(AuthError::NotAccepted("JWTs"))
        );
        assert_eq!(
            none.verify("rgt_00"),
            Err(AuthError::NotAccepted("API tokens"))
        );
    }

    #[test]
    fn an_editor_may_read_and_a_reader_may_not_write() {
        let editor = Principal {
            subject: "ed".into(),
            roles: vec![Role::Editor],
        };
        let reader = Principal {
            subject: "re".into(),
            roles: vec![Role::Reader],
        };
        assert!(editor.has(Role::Reader) && editor.has(Role::Editor));
        assert!(reader.has(Role::Reader) && !reader.has(Role::Editor));
        assert_eq!(Role::parse(Role::Editor.as_str()), Some(Role::Editor));
        assert_eq!(Role::parse("admin"), None);
    }
}
