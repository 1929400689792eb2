//! Hand-written TOML output: just what the data format needs (arrays of tables with string,
//! integer, boolean, string-array and inline-table fields), written straight into a `String`.

use std::fmt::Write as _;

/// Appends `s` as a TOML basic string: quoted, with `"`, `\` and control characters escaped.
pub(crate) fn push_str_lit(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        // Only ASCII bytes are escaped, so `start..i` always falls on char boundaries.
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if short.is_empty() {
            out.push_str("\\u00");
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0xf));
        } else {
            out.push_str(short);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn hex_digit(n: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(n & 0xf)])
}

/// Appends a decimal number.
pub(crate) fn push_num(out: &mut String, n: impl std::fmt::Display) {
    // Writing to a String cannot fail.
    let _ = write!(out, "{n}");
}

/// A writer of one `[[table]]` after another.
pub(crate) struct Toml<'a>(pub(crate) &'a mut String);

impl Toml<'_> {
    /// Starts `[[name]]`, after a blank line.
    pub(crate) fn table(&mut self, name: &str) -> &mut Self {
        self.0.push_str("\n[[");
        self.0.push_str(name);
        self.0.push_str("]]\n");
        self
    }

    /// A comment line.
    pub(crate) fn comment(&mut self, text: &str) -> &mut Self {
        for line in text.lines() {
            self.0.push_str("# ");
            self.0.push_str(line);
            self.0.push('\n');
        }
        self
    }

    /// `key = "value"`.
    pub(crate) fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.0.push_str(key);
        self.0.push_str(" = ");
        push_str_lit(self.0, value);
        self.0.push('\n');
        self
    }

    /// `key = "value"` when there is a value.
    pub(crate) fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(key, v);
        }
        self
    }

    /// `key = "<prefix><n>"`, without building the string first.
    pub(crate) fn id(&mut self, key: &str, id: &dyn Fn(&mut String)) -> &mut Self {
        self.0.push_str(key);
        self.0.push_str(" = \"");
        id(self.0);
        self.0.push_str("\"\n");
        self
    }

    /// `key = n`.
    pub(crate) fn num(&mut self, key: &str, n: impl std::fmt::Display) -> &mut Self {
        self.0.push_str(key);
        self.0.push_str(" = ");
        push_num(self.0, n);
        self.0.push('\n');
        self
    }

    /// `key = true|false`.
    pub(crate) fn bool(&mut self, key: &str, b: bool) -> &mut Self {
        self.0.push_str(key);
        self.0.push_str(if b { " = true\n" } else { " = false\n" });
        self
    }

    /// `key = ["a", "b"]` (nothing when empty).
    pub(crate) fn str_array<S: AsRef<str>>(&mut self, key: &str, items: &[S]) -> &mut Self {
        if items.is_empty() {
            return self;
        }
        self.0.push_str(key);
        self.0.push_str(" = [");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.0.push_str(", ");
            }
            push_str_lit(self.0, item.as_ref());
        }
        self.0.push_str("]\n");
        self
    }

    /// A raw line, written as is (for fixed, already valid TOML).
    pub(crate) fn raw(&mut self, line: &str) -> &mut Self {
        self.0.push_str(line);
        self.0.push('\n');
        self
    }
}
