//! Records as data files write them: a [`Record`] is one `[[table]]` of TOML, made from a
//! mutation's JSON object or from a model entity or relation, and rendered as text with one key
//! per line (`synth::toml_out`'s writer), so the loader reads it like any data file and a
//! problem's line names the key it is about.
//!
//! Invariant: a record rendered from a model value reads back (through `dataset`) as that very
//! value; `export` and the write path's context both rely on it.

use crate::model::{Citation, Entity, EntityId, EntityKind, Relation};
use crate::synth::toml_out::Toml;

/// One `[[table]]` record: its table name and its keys, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// `relation` or an entity kind's prefix.
    pub table: String,
    /// Its keys and values.
    pub fields: toml::Table,
}

/// A record rendered as text, and which key each line holds (line 1 is the `[[table]]` header).
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The record's TOML.
    pub text: String,
    /// `keys[n]` is the key that starts on line `n + 2` (1-based), in order.
    starts: Vec<(usize, String)>,
}

impl Rendered {
    /// The key whose value holds 1-based `line`, or `None` for the table header.
    pub fn key_at(&self, line: usize) -> Option<&str> {
        self.starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= line)
            .map(|(_, key)| key.as_str())
    }
}

impl Record {
    /// The record of a mutation's JSON object for `table`: its keys and values as given (a
    /// `null` value is the key left out). `Err` says why the value is no record.
    pub fn from_json(table: &str, value: &serde_json::Value) -> Result<Record, String> {
        let serde_json::Value::Object(object) = value else {
            return Err("must be a JSON object of the data file's fields".to_owned());
        };
        let mut fields = toml::Table::new();
        for (key, value) in object {
            if value.is_null() {
                continue;
            }
            let value = toml::Value::try_from(value)
                .map_err(|e| format!("`{key}`: cannot be written as TOML: {e}"))?;
            fields.insert(key.clone(), value);
        }
        Ok(Record {
            table: table.to_owned(),
            fields,
        })
    }

    /// The record of an entity, as its data file holds it.
    pub fn of_entity(entity: &Entity) -> Record {
        let mut fields = toml::Table::new();
        fields.insert("id".into(), entity.id.as_str().into());
        fields.insert("name".into(), entity.name.as_str().into());
        if !entity.aliases.is_empty() {
            fields.insert("aliases".into(), strings(&entity.aliases));
        }
        if let Some(description) = &entity.description {
            fields.insert("description".into(), description.as_str().into());
        }
        // The details serialize as `{ Kind = { field = value, ... } }`; None fields are left out.
        if let Ok(toml::Value::Table(outer)) = toml::Value::try_from(&entity.details)
            && let Some((_, toml::Value::Table(details))) = outer.into_iter().next()
        {
            fields.extend(details);
        }
        fields.insert("citations".into(), citations(&entity.citations));
        Record {
            table: entity.kind().prefix().to_owned(),
            fields,
        }
    }

    /// The record of a relation, as its data file holds it.
    pub fn of_relation(relation: &Relation) -> Record {
        let mut fields = toml::Table::new();
        fields.insert("from".into(), relation.from.as_str().into());
        fields.insert("type".into(), relation.relation_type.name().into());
        fields.insert("to".into(), relation.to.as_str().into());
        if let Some(role) = &relation.role {
            fields.insert("role".into(), role.as_str().into());
        }
        for (key, date) in [("since", &relation.since), ("until", &relation.until)] {
            if let Some(date) = date {
                fields.insert(key.into(), date.to_string().into());
            }
        }
        fields.insert("citations".into(), citations(&relation.citations));
        Record {
            table: "relation".to_owned(),
            fields,
        }
    }

    /// Appends a citation (a TOML inline table) to the record's `citations`.
    pub fn push_citation(&mut self, citation: toml::Value) {
        match self.fields.get_mut("citations") {
            Some(toml::Value::Array(list)) => list.push(citation),
            _ => {
                self.fields
                    .insert("citations".into(), toml::Value::Array(vec![citation]));
            }
        }
    }

    /// Every string in the record that is a well-formed entity id: the entities it may refer to.
    pub fn mentioned_ids(&self) -> Vec<EntityId> {
        let mut ids = Vec::new();
        let mut stack: Vec<&toml::Value> = self.fields.values().collect();
        while let Some(value) = stack.pop() {
            match value {
                toml::Value::String(s) => {
                    if let Ok((id, _)) = EntityId::parse(s) {
                        ids.push(id);
                    }
                }
                toml::Value::Array(items) => stack.extend(items),
                toml::Value::Table(table) => stack.extend(table.values()),
                _ => {}
            }
        }
        ids
    }

    /// A string field's value.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(toml::Value::as_str)
    }

    /// The record as data-file text, one key per line.
    pub fn render(&self) -> Rendered {
        let mut text = String::new();
        self.render_into(&mut text);
        // `render_into` starts with a blank line, then the header: keys start on line 3.
        let mut starts = Vec::with_capacity(self.fields.len());
        let mut line = 3;
        for (key, value) in &self.fields {
            starts.push((line, key.clone()));
            line += value.to_string().matches('\n').count() + 1;
        }
        Rendered { text, starts }
    }

    /// Appends the record's text (a blank line, the header, one line per key) to `out`.
    pub fn render_into(&self, out: &mut String) {
        let mut toml = Toml(out);
        toml.table(&self.table);
        for (key, value) in &self.fields {
            let key = toml::Value::String(key.clone());
            let bare = key.as_str().is_some_and(|k| {
                k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            let key = match (bare, key.as_str()) {
                (true, Some(k)) => k.to_owned(),
                _ => key.to_string(),
            };
            toml.raw(&format!("{key} = {value}"));
        }
    }
}

/// The table an entity id's records go in (its kind's prefix), or why the id names no kind.
pub fn entity_table(id: Option<&str>) -> Result<&'static str, String> {
    let id = id.ok_or("an entity needs an `id` (`kind:slug`)")?;
    EntityId::kind_of(id)
        .map(EntityKind::prefix)
        .map_err(|e| e.to_string())
}

fn strings(items: &[String]) -> toml::Value {
    toml::Value::Array(items.iter().map(|s| s.as_str().into()).collect())
}

fn citations(list: &[Citation]) -> toml::Value {
    toml::Value::Array(list.iter().map(citation).collect())
}

fn citation(c: &Citation) -> toml::Value {
    let mut t = toml::Table::new();
    t.insert("source".into(), c.source.as_str().into());
    if let Some(quote) = &c.quote {
        t.insert("quote".into(), quote.as_str().into());
    }
    if let Ok(grade) = toml::Value::try_from(c.grade) {
        t.insert("grade".into(), grade);
    }
    if let Some(note) = &c.note {
        t.insert("note".into(), note.as_str().into());
    }
    if let Some(conflict) = &c.conflict {
        let mut inner = toml::Table::new();
        inner.insert("claim".into(), conflict.claim.as_str().into());
        inner.insert("with".into(), conflict.with.as_str().into());
        t.insert("conflict".into(), toml::Value::Table(inner));
    }
    toml::Value::Table(t)
}
