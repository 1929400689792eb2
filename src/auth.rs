//! Who is asking: the [`Principal`] a request carries once its credentials are verified, and
//! the [`Role`]s it holds. The HTTP layer (and the WebSocket's `connection_init`) verifies a
//! bearer token and puts the principal into the GraphQL request's data; resolvers that need a
//! role ask [`crate::graphql::require_role`].
//!
//! Architecture invariant: this module knows nothing of GraphQL or HTTP; a principal never
//! holds the token it was made from, so it can be logged.

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
    /// Whether it holds `role` (an editor holds reader too).
    pub fn has(&self, role: Role) -> bool {
        self.roles
            .iter()
            .any(|&r| r == role || (r == Role::Editor && role == Role::Reader))
    }
}

#[cfg(test)]
mod tests {
    use super::{Principal, Role};

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
