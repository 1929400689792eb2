//! Text tests and the folding `startsWith` and `contains` compare with.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A test of a text value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextTest {
    /// Exactly this text.
    Eq(String),
    /// Exactly one of these texts.
    In(Vec<String>),
    /// Starts with this text, folded (build with [`TextTest::starts_with`]).
    StartsWith(String),
    /// Contains this text, folded (build with [`TextTest::contains`]).
    Contains(String),
}

impl TextTest {
    /// Starts with `text`, ignoring case and accents.
    pub fn starts_with(text: &str) -> Self {
        TextTest::StartsWith(fold(text))
    }

    /// Contains `text`, ignoring case and accents.
    pub fn contains(text: &str) -> Self {
        TextTest::Contains(fold(text))
    }

    pub(super) fn holds(&self, value: &str) -> bool {
        match self {
            TextTest::Eq(t) => value == t,
            TextTest::In(ts) => ts.iter().any(|t| t == value),
            TextTest::StartsWith(t) => folded_starts_with(value, t),
            TextTest::Contains(t) => folded_contains(value, t),
        }
    }
}

/// Text folded for `startsWith` and `contains`: NFKD, combining marks dropped, lowercased.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn folded_starts_with(value: &str, folded: &str) -> bool {
    if value.is_ascii() {
        // ASCII folds to its lowercase, byte for byte: no allocation on the common path.
        return folded.is_ascii()
            && value.len() >= folded.len()
            && value.as_bytes()[..folded.len()].eq_ignore_ascii_case(folded.as_bytes());
    }
    fold(value).starts_with(folded)
}

fn folded_contains(value: &str, folded: &str) -> bool {
    if value.is_ascii() {
        if !folded.is_ascii() {
            return false;
        }
        let needle = folded.as_bytes();
        return needle.is_empty()
            || value
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle));
    }
    fold(value).contains(folded)
}
