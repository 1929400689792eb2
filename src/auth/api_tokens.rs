//! Static API tokens: a file that stores only their SHA-256 hashes, one token a line:
//!
//! ```text
//! # name   roles          sha256 of the token (hex)
//! ci-bot   editor         9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```
//!
//! A token is `rgt_` and 64 hex digits (256 random bits from the OS): with that much entropy
//! one SHA-256 is as good as a slow password hash, and a leaked file reveals no token. A token
//! presented is hashed and compared with every stored hash in constant time.
//!
//! Invariant: no token is ever stored or logged; a malformed file is refused whole, with its
//! path and line.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{AuthError, ConfigError, Principal, Role};

/// What every API token starts with, so a bearer token is told from a JWT at a glance.
pub const PREFIX: &str = "rgt_";

/// One stored token: who it is and the hash of its text.
#[derive(Clone)]
struct Entry {
    name: String,
    roles: Vec<Role>,
    hash: [u8; 32],
}

/// The tokens of one file.
#[derive(Clone)]
pub struct ApiTokens {
    entries: Vec<Entry>,
}

impl std::fmt::Debug for ApiTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiTokens")
            .field("tokens", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl ApiTokens {
    /// Reads and checks a tokens file.
    pub fn load(path: &Path) -> Result<ApiTokens, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new(path, None, e.to_string()))?;
        ApiTokens::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<ApiTokens, ConfigError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fail = |message: String| ConfigError::new(path, Some(n + 1), message);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, roles, hash] = fields[..] else {
                return Err(fail(format!(
                    "expected `name role[,role] sha256-hex`, found {} fields",
                    fields.len()
                )));
            };
            let roles = parse_roles(roles).map_err(fail)?;
            let hash = parse_hash(hash).map_err(fail)?;
            if entries.iter().any(|e| e.name == name) {
                return Err(fail(format!("the name `{name}` is used twice")));
            }
            entries.push(Entry {
                name: name.to_owned(),
                roles,
                hash,
            });
        }
        Ok(ApiTokens { entries })
    }

    /// The principal a token names: its entry's name and roles.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Every entry is compared, match or not, each in constant time.
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.hash.ct_eq(&hash)) {
                found = Some(entry);
            }
        }
        let entry = found.ok_or(AuthError::UnknownApiToken)?;
        Ok(Principal {
            subject: entry.name.as_str().into(),
            roles: entry.roles.clone(),
        })
    }
}

/// Roles separated by commas, each known.
pub fn parse_roles(text: &str) -> Result<Vec<Role>, String> {
    text.split(',')
        .map(|r| {
            Role::parse(r.trim())
                .ok_or_else(|| format!("unknown role `{r}` (the roles are reader and editor)"))
        })
        .collect()
}

fn parse_hash(text: &str) -> Result<[u8; 32], String> {
    let bad = || format!("`{text}` is not a SHA-256 hash (64 hex digits)");
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(hash)
}

/// A new token: [`PREFIX`] and 256 random bits in hex.
pub fn generate() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(format!("{PREFIX}{}", hex(&bytes)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a token for `name` with `roles`, appends its hash to `file` (created if absent,
/// checked first: a malformed file or a name already there is refused) and returns the token,
/// which is shown once and kept nowhere.
pub fn create(file: &PathBuf, name: &str, roles: &[Role]) -> Result<String, ConfigError> {
    if name.is_empty() || name.contains(char::is_whitespace) || name.starts_with('#') {
        return Err(ConfigError::new(
            file,
            None,
            format!("`{name}` cannot be a token's name (no spaces, not starting with #)"),
        ));
    }
    if roles.is_empty() {
        return Err(ConfigError::new(
            file,
            None,
            "a token needs at least one role",
        ));
    }
    let existing = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(ConfigError::new(file, None, e.to_string())),
    };
    let tokens = ApiTokens::parse(file, &existing)?;
    if tokens.entries.iter().any(|e| e.name == name) {
        return Err(ConfigError::new(
            file,
            None,
            format!("a token named `{name}` is there already"),
        ));
    }
    let io = |e: std::io::Error| ConfigError::new(file, None, e.to_string());
    let token = generate().map_err(io)?;
    let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let hash = hex(&Sha256::digest(token.as_bytes()));
    let separator = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    let line = format!("{separator}{name} {} {hash}\n", roles.join(","));
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(io)?;
    out.write_all(line.as_bytes()).map_err(io)?;
    out.sync_all().map_err(io)?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::{ApiTokens, PREFIX, Role, create};
    use crate::auth::AuthError;

    #[test]
    fn a_created_token_verifies_and_only_its_hash_is_stored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("tokens");
        let token = create(&file, "ci-bot", &[Role::Editor]).expect("created");
        assert!(token.starts_with(PREFIX) && token.len() == PREFIX.len() + 64);
        let other = create(&file, "viewer", &[Role::Reader]).expect("created");
        let text = std::fs::read_to_string(&file).expect("file");
        assert!(!text.contains(&token[PREFIX.len()..]) && !text.contains(&other[4..]));
        let tokens = ApiTokens::load(&file).expect("loads");
        let p = tokens.verify(&token).expect("verifies");
        assert_eq!(
            (&*p.subject, p.roles.as_slice()),
            ("ci-bot", &[Role::Editor][..])
        );
        assert_eq!(&*tokens.verify(&other).expect("verifies").subject, "viewer");
        assert!(matches!(
            tokens.verify("rgt_00"),
            Err(AuthError::UnknownApiToken)
        ));
        let again = create(&file, "ci-bot", &[Role::Reader]).map_err(|e| e.to_string());
        assert!(again.is_err_and(|e| e.contains("there already")));
    }

    #[test]
    fn a_malformed_line_is_refused_with_its_path_and_line() {
        let path = std::path::Path::new("tokens.txt");
        let bad = [
            ("# c\n\nbot editor\n", "tokens.txt:3:", "fields"),
            ("bot admin 00\n", "tokens.txt:1:", "unknown role `admin`"),
            ("bot editor abc\n", "tokens.txt:1:", "not a SHA-256 hash"),
        ];
        for (text, at, what) in bad {
            let e = ApiTokens::parse(path, text).expect_err(text).to_string();
            assert!(e.starts_with(at) && e.contains(what), "{e}");
        }
    }
}
