//! A fast reader for the one shape the records of data files have: a `[[table]]` header line,
//! then lines of `key = value` (and blank lines), where a value is a basic string, a boolean,
//! or an array of those and of one-line inline tables of those. It builds the very [`DeTable`]
//! (keys, values and spans) that `toml` builds for such a record, without `toml`'s lexer and
//! parser, which are most of the cost of loading.
//!
//! It declines (returns `None`) on anything else: comments, other string forms, numbers, dates,
//! dotted or quoted keys, duplicate keys, escapes it does not decode, control characters,
//! carriage returns, inline tables over several lines or with a trailing comma, nested arrays.
//! The caller then reads the record with `toml`, which stays the arbiter of what a file means
//! and of every problem reported; the tests compare both readers on generated and mutated
//! records.

use std::borrow::Cow;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// One record read by [`record`]: what `toml` reads for the same text as `[[table]]` with one
/// table, `fields`, whose span is `span` (the header's, as `toml` gives it).
pub(crate) struct Record<'t> {
    pub(crate) table: &'t str,
    pub(crate) span: Range<usize>,
    pub(crate) fields: DeTable<'t>,
}

/// `piece` (a header line up to the next header) read as one record, when it has the plain
/// shape described in the module docs; `None` otherwise.
pub(crate) fn record(piece: &str) -> Option<Record<'_>> {
    let mut at = Cursor {
        text: piece,
        pos: 0,
    };
    if !at.eat_str("[[") {
        return None;
    }
    let table = at.bare_key()?;
    if !at.eat_str("]]") {
        return None;
    }
    let span = 0..at.pos;
    at.blank();
    if !at.end_of_line() {
        return None;
    }
    let mut fields = DeTable::new();
    loop {
        at.blank();
        match at.peek() {
            None => break,
            Some(b'\n') => at.pos += 1,
            Some(_) => {
                let key = at.key()?;
                at.blank();
                if !at.eat(b'=') {
                    return None;
                }
                at.blank();
                let value = at.value(true)?;
                at.blank();
                if !at.end_of_line() || fields.insert(key, value).is_some() {
                    return None;
                }
            }
        }
    }
    Some(Record {
        table: table.into_inner(),
        span,
        fields,
    })
}

struct Cursor<'t> {
    text: &'t str,
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let found = self.rest().starts_with(s);
        if found {
            self.pos += s.len();
        }
        found
    }

    fn rest(&self) -> &'t str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    /// Skips spaces and tabs.
    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Skips spaces, tabs and line feeds.
    fn blank_lines(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n')) {
            self.pos += 1;
        }
    }

    /// Eats a line feed, or nothing at the end of the text.
    fn end_of_line(&mut self) -> bool {
        self.peek().is_none() || self.eat(b'\n')
    }

    /// A bare key: ASCII letters, digits, `_` and `-`.
    fn bare_key(&mut self) -> Option<Spanned<&'t str>> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
        ) {
            self.pos += 1;
        }
        let key = self.text.get(start..self.pos).filter(|k| !k.is_empty())?;
        Some(Spanned::new(start..self.pos, key))
    }

    fn key(&mut self) -> Option<Spanned<Cow<'t, str>>> {
        let key = self.bare_key()?;
        let span = key.span();
        Some(Spanned::new(span, Cow::Borrowed(key.into_inner())))
    }

    /// A basic string, a boolean, an inline table, or (when `array` allows) an array.
    fn value(&mut self, array: bool) -> Option<Spanned<DeValue<'t>>> {
        let start = self.pos;
        let value = match self.peek()? {
            b'"' => DeValue::String(self.string()?),
            b'{' => DeValue::Table(self.inline_table()?),
            b'[' if array => DeValue::Array(self.array()?),
            b't' | b'f' => {
                let value = if self.eat_str("true") {
                    true
                } else if self.eat_str("false") {
                    false
                } else {
                    return None;
                };
                if !matches!(
                    self.peek(),
                    None | Some(b' ' | b'\t' | b'\n' | b',' | b']' | b'}')
                ) {
                    return None;
                }
                DeValue::Boolean(value)
            }
            _ => return None,
        };
        Some(Spanned::new(start..self.pos, value))
    }

    /// A one-line basic string, quotes included; borrowed from the text when it has no escape.
    fn string(&mut self) -> Option<Cow<'t, str>> {
        if self.rest().starts_with("\"\"\"") || !self.eat(b'"') {
            return None;
        }
        let start = self.pos;
        let mut owned: Option<String> = None;
        let mut plain = start;
        loop {
            let byte = self.peek()?;
            match byte {
                b'"' => {
                    let tail = self.text.get(plain..self.pos)?;
                    self.pos += 1;
                    return Some(match owned {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None => Cow::Borrowed(tail),
                    });
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(self.text.get(plain..self.pos)?);
                    self.pos += 1;
                    s.push(self.escape()?);
                    plain = self.pos;
                }
                // Control characters other than tab are not allowed in a basic string.
                0x00..=0x08 | 0x0a..=0x1f | 0x7f => return None,
                _ => self.pos += 1,
            }
        }
    }

    /// The character an escape stands for (the backslash already eaten); `None` for the
    /// escapes left to `toml`.
    fn escape(&mut self) -> Option<char> {
        let byte = self.peek()?;
        self.pos += 1;
        let hex = |this: &mut Self, digits: usize| {
            let code = this.text.get(this.pos..this.pos + digits)?;
            if !code.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            this.pos += digits;
            char::from_u32(u32::from_str_radix(code, 16).ok()?)
        };
        match byte {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'b' => Some('\u{8}'),
            b't' => Some('\t'),
            b'n' => Some('\n'),
            b'f' => Some('\u{c}'),
            b'r' => Some('\r'),
            b'u' => hex(self, 4),
            b'U' => hex(self, 8),
            _ => None,
        }
    }

    /// An array of values, over one line or several, with an optional trailing comma.
    fn array(&mut self) -> Option<DeArray<'t>> {
        self.pos += 1;
        let mut items = DeArray::new();
        loop {
            self.blank_lines();
            if self.eat(b']') {
                return Some(items);
            }
            items.push(self.value(false)?);
            self.blank_lines();
            if self.eat(b']') {
                return Some(items);
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// A one-line inline table without a trailing comma.
    fn inline_table(&mut self) -> Option<DeTable<'t>> {
        self.pos += 1;
        let mut table = DeTable::new();
        self.blank();
        if self.eat(b'}') {
            return Some(table);
        }
        loop {
            let key = self.key()?;
            self.blank();
            if !self.eat(b'=') {
                return None;
            }
            self.blank();
            // Declined before descending: a nested inline table is not the plain shape, and
            // reading it first would recurse once per level of a hostile file's nesting.
            if self.peek() == Some(b'{') {
                return None;
            }
            let value = self.value(false)?;
            if table.insert(key, value).is_some() {
                return None;
            }
            self.blank();
            if self.eat(b'}') {
                return Some(table);
            }
            if !self.eat(b',') {
                return None;
            }
            self.blank();
        }
    }
}

#[cfg(test)]
mod tests;
