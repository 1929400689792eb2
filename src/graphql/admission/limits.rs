//! Cheap checks on a GraphQL document, run before async-graphql parses and validates it (the
//! first steps of the admission pipeline, see [`super`]).
//!
//! Two passes, both linear in the document's size:
//! 1. A lexical scan (before parsing) bounds the byte length, the token count and the nesting
//!    depth of brackets. The parser is recursive, so a deeply nested document must be refused
//!    before it reaches it.
//! 2. After parsing, the *expanded* size: how many fields the operations select once every
//!    fragment spread is inlined, computed with one memoized pass over the fragments. Fragments
//!    that spread each other twice, 24 deep, are 1 KB of text but 2^24 fields; async-graphql's
//!    own complexity check would spend seconds expanding them. The selection depth (fields
//!    nested in fields, through fragments), aliases and directives are counted too.
//!
//! Architecture invariant: knows GraphQL syntax only, not the schema, HTTP or the graph.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

use super::Limit;
use crate::graphql::ErrorCode;

/// Bounds on a GraphQL document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Longest document, in bytes.
    pub max_bytes: usize,
    /// Most lexical tokens.
    pub max_tokens: usize,
    /// Deepest nesting of `{`, `[` and `(`.
    pub max_nesting: usize,
    /// Most fields selected once fragments are expanded.
    pub max_expanded_fields: u64,
    /// Most aliased fields (counted as written).
    pub max_aliases: usize,
    /// Most directives (counted as written).
    pub max_directives: usize,
    /// Deepest nesting of selections (fields within fields, fragments expanded).
    pub max_depth: usize,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        DocumentLimits {
            max_bytes: 32 * 1024,
            max_tokens: 5_000,
            max_nesting: 48,
            max_expanded_fields: 5_000,
            max_aliases: 100,
            max_directives: 50,
            max_depth: 16,
        }
    }
}

/// Which limit a document broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Too long.
    #[error("the document is {got} bytes, above the limit of {max}")]
    TooLong {
        /// Its size.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// Too many tokens.
    #[error("the document has more than {max} tokens")]
    TooManyTokens {
        /// The limit.
        max: usize,
    },
    /// Nested too deep.
    #[error("the document nests brackets deeper than {max} levels")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// Too many fields once fragments are expanded.
    #[error("the document selects more than {max} fields once fragments are expanded")]
    TooManyFields {
        /// The limit.
        max: u64,
    },
    /// Selections nested too deep.
    #[error("the query nests selections deeper than the limit of {max}")]
    TooDeepSelection {
        /// The limit.
        max: usize,
    },
    /// Too many aliases.
    #[error("the document has {got} aliases, above the limit of {max}")]
    TooManyAliases {
        /// How many.
        got: usize,
        /// The limit.
        max: usize,
    },
    /// Too many directives.
    #[error("the document has {got} directives, above the limit of {max}")]
    TooManyDirectives {
        /// How many.
        got: usize,
        /// The limit.
        max: usize,
    },
}

impl DocumentError {
    /// The error `code` sent to clients.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::LimitExceeded
    }

    /// The limit it broke.
    pub fn limit(&self) -> Limit {
        match self {
            DocumentError::TooLong { .. } => Limit::DocumentBytes,
            DocumentError::TooManyTokens { .. } => Limit::Tokens,
            DocumentError::TooDeep { .. } => Limit::Nesting,
            DocumentError::TooManyFields { .. } => Limit::ExpandedFields,
            DocumentError::TooDeepSelection { .. } => Limit::Depth,
            DocumentError::TooManyAliases { .. } => Limit::Aliases,
            DocumentError::TooManyDirectives { .. } => Limit::Directives,
        }
    }
}

impl DocumentLimits {
    /// The lexical checks, before parsing.
    pub fn check(&self, doc: &str) -> Result<(), DocumentError> {
        if doc.len() > self.max_bytes {
            return Err(DocumentError::TooLong {
                got: doc.len(),
                max: self.max_bytes,
            });
        }
        let (tokens, nesting) = scan(doc, self.max_tokens, self.max_nesting);
        if tokens > self.max_tokens {
            return Err(DocumentError::TooManyTokens {
                max: self.max_tokens,
            });
        }
        if nesting > self.max_nesting {
            return Err(DocumentError::TooDeep {
                max: self.max_nesting,
            });
        }
        Ok(())
    }

    /// The structural checks, after parsing and before validation.
    pub fn check_parsed(&self, doc: &ExecutableDocument) -> Result<(), DocumentError> {
        let mut counts = Counts::default();
        let mut memo: HashMap<&str, Option<u64>> = HashMap::new();
        let mut depths: HashMap<&str, Option<usize>> = HashMap::new();
        let cap = self.max_expanded_fields;
        let mut total: u64 = 0;
        let mut deepest = 0;
        for (name, fragment) in &doc.fragments {
            counts.directives += fragment.node.directives.len();
            count_written(&fragment.node.selection_set.node, &mut counts);
            fragment_size(name.as_str(), doc, &mut memo, cap);
        }
        for (_, op) in doc.operations.iter() {
            counts.directives += op.node.directives.len();
            count_written(&op.node.selection_set.node, &mut counts);
            total =
                total.saturating_add(expanded(&op.node.selection_set.node, doc, &mut memo, cap));
            deepest = deepest.max(depth(&op.node.selection_set.node, doc, &mut depths));
        }
        if deepest > self.max_depth {
            return Err(DocumentError::TooDeepSelection {
                max: self.max_depth,
            });
        }
        if counts.aliases > self.max_aliases {
            return Err(DocumentError::TooManyAliases {
                got: counts.aliases,
                max: self.max_aliases,
            });
        }
        if counts.directives > self.max_directives {
            return Err(DocumentError::TooManyDirectives {
                got: counts.directives,
                max: self.max_directives,
            });
        }
        if total > cap {
            return Err(DocumentError::TooManyFields { max: cap });
        }
        Ok(())
    }
}

#[derive(Default)]
struct Counts {
    aliases: usize,
    directives: usize,
}

fn count_written(set: &SelectionSet, counts: &mut Counts) {
    for item in &set.items {
        match &item.node {
            Selection::Field(f) => {
                counts.aliases += usize::from(f.node.alias.is_some());
                counts.directives += f.node.directives.len();
                count_written(&f.node.selection_set.node, counts);
            }
            Selection::FragmentSpread(s) => counts.directives += s.node.directives.len(),
            Selection::InlineFragment(i) => {
                counts.directives += i.node.directives.len();
                count_written(&i.node.selection_set.node, counts);
            }
        }
    }
}

/// Fields in `set` with spreads inlined, saturating at `cap + 1`.
fn expanded<'d>(
    set: &'d SelectionSet,
    doc: &'d ExecutableDocument,
    memo: &mut HashMap<&'d str, Option<u64>>,
    cap: u64,
) -> u64 {
    let mut total: u64 = 0;
    for item in &set.items {
        let add = match &item.node {
            Selection::Field(f) => 1 + expanded(&f.node.selection_set.node, doc, memo, cap),
            Selection::InlineFragment(i) => expanded(&i.node.selection_set.node, doc, memo, cap),
            Selection::FragmentSpread(s) => {
                fragment_size(s.node.fragment_name.node.as_str(), doc, memo, cap)
            }
        };
        total = total.saturating_add(add).min(cap + 1);
    }
    total
}

/// A fragment's expanded size, memoized; a fragment that spreads itself (a cycle, which
/// validation rejects) or an unknown fragment counts as 0 here.
fn fragment_size<'d>(
    name: &'d str,
    doc: &'d ExecutableDocument,
    memo: &mut HashMap<&'d str, Option<u64>>,
    cap: u64,
) -> u64 {
    match memo.get(name) {
        Some(Some(size)) => return *size,
        Some(None) => return 0, // in progress: a cycle
        None => {}
    }
    let Some((key, fragment)) = doc.fragments.get_key_value(name) else {
        return 0;
    };
    memo.insert(key.as_str(), None);
    let size = expanded(&fragment.node.selection_set.node, doc, memo, cap);
    memo.insert(key.as_str(), Some(size));
    size
}

/// How deep fields nest in `set`, fragments expanded (memoized; a cycle counts 0 here, and
/// validation rejects it).
fn depth<'d>(
    set: &'d SelectionSet,
    doc: &'d ExecutableDocument,
    memo: &mut HashMap<&'d str, Option<usize>>,
) -> usize {
    let mut deepest = 0;
    for item in &set.items {
        let d = match &item.node {
            Selection::Field(f) => 1 + depth(&f.node.selection_set.node, doc, memo),
            Selection::InlineFragment(i) => depth(&i.node.selection_set.node, doc, memo),
            Selection::FragmentSpread(s) => {
                let name = s.node.fragment_name.node.as_str();
                match memo.get(name) {
                    Some(d) => d.unwrap_or(0),
                    None => match doc.fragments.get_key_value(name) {
                        Some((key, fragment)) => {
                            memo.insert(key.as_str(), None);
                            let d = depth(&fragment.node.selection_set.node, doc, memo);
                            memo.insert(key.as_str(), Some(d));
                            d
                        }
                        None => 0,
                    },
                }
            }
        };
        deepest = deepest.max(d);
    }
    deepest
}

/// Counts tokens and the deepest bracket nesting, stopping once either passes its limit.
fn scan(doc: &str, max_tokens: usize, max_nesting: usize) -> (usize, usize) {
    let bytes = doc.as_bytes();
    let (mut i, mut tokens, mut depth, mut deepest) = (0, 0usize, 0usize, 0usize);
    while i < bytes.len() {
        if tokens > max_tokens || deepest > max_nesting {
            break;
        }
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                // A comment ends at a line terminator: `\n` or `\r`, as in the GraphQL grammar.
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => {
                tokens += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => {
                tokens += 1;
                depth += 1;
                deepest = deepest.max(depth);
                i += 1;
            }
            b'}' | b']' | b')' => {
                tokens += 1;
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                tokens += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    (tokens, deepest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment_bomb(levels: usize) -> String {
        let mut doc = String::from("query { stats { ...F0 } }\n");
        for i in 0..levels {
            doc.push_str(&format!(
                "fragment F{i} on GraphStats {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        doc.push_str(&format!(
            "fragment F{levels} on GraphStats {{ entities }}\n"
        ));
        doc
    }

    #[test]
    fn fragment_bomb_is_refused_cheaply() {
        let doc = fragment_bomb(26);
        let limits = DocumentLimits::default();
        limits.check(&doc).expect("lexically small");
        let parsed = async_graphql::parser::parse_query(&doc).expect("parses");
        assert!(matches!(
            limits.check_parsed(&parsed),
            Err(DocumentError::TooManyFields { .. })
        ));
    }

    #[test]
    fn selection_depth_counts_through_fragments() {
        let limits = DocumentLimits {
            max_depth: 3,
            ..DocumentLimits::default()
        };
        let check = |doc: &str| {
            limits.check_parsed(&async_graphql::parser::parse_query(doc).expect("parses"))
        };
        check("{ a { b { c } } }").expect("3 deep");
        check("{ a { ...F } } fragment F on T { b { ... on T { c } } }").expect("3 deep");
        assert_eq!(
            check("{ a { ...F } } fragment F on T { b { c { d } } }"),
            Err(DocumentError::TooDeepSelection { max: 3 })
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let doc = format!("{}{}", "{a".repeat(10_000), "}".repeat(10_000));
        assert!(matches!(
            DocumentLimits::default().check(&doc),
            Err(DocumentError::TooDeep { .. })
        ));
    }

    #[test]
    fn a_comment_ends_at_a_carriage_return_too() {
        let doc = format!("#\r{}{}", "{a".repeat(100), "}".repeat(100));
        assert!(matches!(
            DocumentLimits::default().check(&doc),
            Err(DocumentError::TooDeep { .. })
        ));
    }

    #[test]
    fn strings_and_comments_do_not_count_as_nesting() {
        let doc = "# {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\n{ search(query: \"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\") { score } }";
        DocumentLimits::default().check(doc).expect("ok");
    }

    #[test]
    fn ordinary_queries_pass() {
        let doc = "query Q($id: ID!) { a: entity(id: $id) { name } b: entity(id: $id) { ...N } } fragment N on Entity { id name }";
        let limits = DocumentLimits::default();
        limits.check(doc).expect("ok");
        limits
            .check_parsed(&async_graphql::parser::parse_query(doc).expect("parses"))
            .expect("ok");
    }
}
