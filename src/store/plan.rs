//! Validating a change set against the [`Working`] records: each change becomes a data-file
//! record (`record.rs`), and the records pass through the loader itself (`dataset::load_files`),
//! beside a context file holding the existing records they refer to (and the sources those
//! cite, closed over), so every check and every message is the data files' own. A problem is
//! placed by the change and key it is about (`changes[2].citations`) instead of
//! `file:line:column`. Checks the loader cannot make from the records alone (an update of an
//! unknown entity, a retraction that would leave dangling references) are made here.
//!
//! Invariant: costs O(the change set and the records it refers to), plus O(records) only to
//! retract a SOURCE (every citation is looked at); never touches the state it checks.

use std::collections::HashSet;
use std::sync::Arc;

use super::change::{Change, ChangeSet, RelationId};
use super::record::{Record, Rendered, entity_table};
use super::working::{Plan, Working, relation_id};
use crate::dataset::{DataFile, LoadError, SourceTexts, TextError, load_files};
use crate::model::{EntityId, EntityKind};

/// One thing wrong with a change set: where (`changes[2].citations`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeProblem {
    /// The change and key it is about; `changes` for the set as a whole.
    pub path: String,
    /// The loader's message, or this module's.
    pub message: String,
}

impl std::fmt::Display for ChangeProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The name of the context file in the loader's messages.
const CONTEXT: &str = "graph";

/// Where the text of a SOURCE added through the store is kept, relative to the data directory.
pub fn stored_text_path(slug: &str) -> String {
    format!("sources/store/{slug}.txt")
}

/// A change turned into what the loader checks.
enum Item {
    /// A record to validate, replacing the live record at this index (entities or relations).
    Record {
        record: Record,
        replaces: Option<usize>,
    },
    /// A retraction.
    Retract,
}

/// What the change set does, gathered before the loader runs.
#[derive(Default)]
struct Batch {
    items: Vec<(usize, Item)>,
    /// Ids (entity or relation) replaced or retracted: not context.
    gone: HashSet<String>,
    retract_entities: Vec<usize>,
    retract_relations: Vec<usize>,
    texts: Vec<(String, Arc<str>)>,
    touched: Vec<String>,
    problems: Vec<ChangeProblem>,
}

impl Working {
    /// Validates `set` against these records: a [`Plan`] to commit, or every problem found.
    /// `base_texts` reads the base data's source texts (quotes of those sources are checked
    /// against them).
    pub fn plan(
        &self,
        set: &ChangeSet,
        base_texts: &dyn SourceTexts,
    ) -> Result<Plan, Vec<ChangeProblem>> {
        let mut batch = Batch::default();
        if set.reason.trim().is_empty() {
            batch.problem("reason", "a change set needs a reason".to_owned());
        }
        if set.changes.is_empty() {
            batch.problem(
                "changes",
                "a change set needs at least one change".to_owned(),
            );
        }
        for (i, change) in set.changes.iter().enumerate() {
            self.gather(i, change, &mut batch);
        }
        self.check_retractions(set, &mut batch);
        if !batch.problems.is_empty() {
            return Err(batch.problems);
        }
        let (files, rendered) = self.files(&batch);
        let texts = BatchTexts {
            batch: &batch.texts,
            working: self,
            base: base_texts,
        };
        let dataset = load_files(&files, &texts).map_err(|e| placed(e, &rendered))?;
        let mut plan = Plan {
            retract_entities: batch.retract_entities,
            retract_relations: batch.retract_relations,
            texts: batch.texts,
            touched: batch.touched,
            ..Plan::default()
        };
        // The loader's values of the batch's records (the context's are dropped).
        let mut wanted_entities = std::collections::HashMap::new();
        let mut wanted_relations = std::collections::HashMap::new();
        for (_, item) in &batch.items {
            if let Item::Record { record, replaces } = item {
                match record_relation_id(record) {
                    Some(id) if record.table == "relation" => {
                        wanted_relations.insert(id, *replaces);
                    }
                    _ => {
                        if let Some(id) = record.str("id") {
                            wanted_entities.insert(id.to_owned(), *replaces);
                        }
                    }
                }
            }
        }
        for e in dataset.entities {
            if let Some(at) = wanted_entities.remove(e.id.as_str()) {
                plan.entities.push((at, e));
            }
        }
        for r in dataset.relations {
            if let Some(at) = wanted_relations.remove(&relation_id(&r)) {
                plan.relations.push((at, r));
            }
        }
        Ok(plan)
    }

    /// Turns change `i` into a record or a retraction, checking what the records cannot show.
    fn gather(&self, i: usize, change: &Change, batch: &mut Batch) {
        let at = |key: &str| format!("changes[{i}].{key}");
        let fail = |batch: &mut Batch, key: &str, message: String| {
            batch.problems.push(ChangeProblem {
                path: at(key),
                message,
            });
        };
        let entity_record = |value: &serde_json::Value| {
            let id = value.get("id").and_then(serde_json::Value::as_str);
            entity_table(id).and_then(|table| Record::from_json(table, value))
        };
        match change {
            Change::CreateEntity { record } | Change::UpdateEntity { record } => {
                let record = match entity_record(record) {
                    Ok(r) => r,
                    Err(message) => return fail(batch, "record", message),
                };
                let id = record.str("id").unwrap_or_default().to_owned();
                let replaces = if matches!(change, Change::UpdateEntity { .. }) {
                    match self
                        .ids
                        .get(id.as_str())
                        .filter(|_| self.entity(&id).is_some())
                    {
                        Some(&index) => Some(index),
                        None => {
                            let message = format!("no entity `{id}` to update (create it instead)");
                            return fail(batch, "record.id", message);
                        }
                    }
                } else {
                    None
                };
                if replaces.is_some() {
                    batch.gone.insert(id.clone());
                }
                batch.touched.push(id);
                batch.items.push((i, Item::Record { record, replaces }));
            }
            Change::AddRelation { record } => match Record::from_json("relation", record) {
                Ok(record) => {
                    let id = record_relation_id(&record).map(|id| id.to_string());
                    batch.touched.push(id.unwrap_or_default());
                    batch.items.push((
                        i,
                        Item::Record {
                            record,
                            replaces: None,
                        },
                    ));
                }
                Err(message) => fail(batch, "record", message),
            },
            Change::AddCitation { target, citation } => {
                let citation = match citation {
                    serde_json::Value::Object(_) => toml::Value::try_from(citation)
                        .map_err(|e| format!("cannot be written as TOML: {e}")),
                    _ => Err("must be a JSON object `{ source, quote, grade }`".to_owned()),
                };
                let citation = match citation {
                    Ok(c) => c,
                    Err(message) => return fail(batch, "citation", message),
                };
                let Some((mut record, replaces)) = self.target_record(target) else {
                    let message =
                        format!("no entity or relation `{target}` (a relation is `TYPE:from->to`)");
                    return fail(batch, "target", message);
                };
                record.push_citation(citation);
                batch.gone.insert(target.clone());
                batch.touched.push(target.clone());
                batch.items.push((
                    i,
                    Item::Record {
                        record,
                        replaces: Some(replaces),
                    },
                ));
            }
            Change::Retract { target } => {
                if let Some(&index) = self
                    .ids
                    .get(target.as_str())
                    .filter(|_| self.entity(target).is_some())
                {
                    batch.retract_entities.push(index);
                } else if let Some(&index) = RelationId::parse(target)
                    .and_then(|id| self.relation_ids.get(&id))
                    .filter(|&&index| self.relations[index].is_some())
                {
                    batch.retract_relations.push(index);
                } else {
                    let message = format!(
                        "no entity or relation `{target}` to retract (a relation is `TYPE:from->to`)"
                    );
                    return fail(batch, "target", message);
                }
                batch.gone.insert(target.clone());
                batch.touched.push(target.clone());
                batch.items.push((i, Item::Retract));
            }
            Change::AddSource { record, text } => {
                let mut record = match entity_record(record) {
                    Ok(r) => r,
                    Err(message) => return fail(batch, "record", message),
                };
                let id = record.str("id").unwrap_or_default().to_owned();
                if record.table != EntityKind::Source.prefix() {
                    return fail(
                        batch,
                        "record.id",
                        format!("`{id}` is no SOURCE (`source:...`)"),
                    );
                }
                if record.fields.contains_key("text") {
                    let message =
                        "leave `text` out: the store keeps the source's text (the `text` argument)"
                            .to_owned();
                    return fail(batch, "record.text", message);
                }
                let slug = id.split_once(':').map_or("", |(_, slug)| slug);
                let path = stored_text_path(slug);
                record.fields.insert("text".into(), path.as_str().into());
                batch.texts.push((path, text.as_str().into()));
                batch.touched.push(id);
                batch.items.push((
                    i,
                    Item::Record {
                        record,
                        replaces: None,
                    },
                ));
            }
        }
    }

    /// The live record of an entity or relation id, and its index.
    fn target_record(&self, target: &str) -> Option<(Record, usize)> {
        if let Some(&index) = self.ids.get(target) {
            return Some((Record::of_entity(self.entities[index].as_ref()?), index));
        }
        let index = *self.relation_ids.get(&RelationId::parse(target)?)?;
        Some((Record::of_relation(self.relations[index].as_ref()?), index))
    }

    /// An entity may be retracted only with no live relation left (those retracted in the
    /// same set aside), and a SOURCE only when nothing cites it.
    fn check_retractions(&self, set: &ChangeSet, batch: &mut Batch) {
        for (i, change) in set.changes.iter().enumerate() {
            let Change::Retract { target } = change else {
                continue;
            };
            let Some(entity) = self.entity(target) else {
                continue;
            };
            let retracted_here = batch
                .retract_relations
                .iter()
                .filter_map(|&r| self.relations[r].as_ref())
                .filter(|r| r.from.as_str() == target || r.to.as_str() == target)
                .count() as u32;
            let left = self.degree.get(target.as_str()).copied().unwrap_or(0)
                - retracted_here.min(self.degree.get(target.as_str()).copied().unwrap_or(0));
            if left > 0 {
                batch.problem(
                    &format!("changes[{i}].target"),
                    format!("`{target}` still has {left} relation(s): retract them first (in this change set or an earlier one)"),
                );
            }
            if entity.kind() == EntityKind::Source {
                let citing = self.citing(target, &batch.gone, 3);
                if !citing.is_empty() {
                    batch.problem(
                        &format!("changes[{i}].target"),
                        format!("`{target}` is still cited, by {}", citing.join(", ")),
                    );
                }
            }
        }
    }

    /// The context file (existing records the batch refers to, closed over the sources they
    /// cite) and one file per record of the batch.
    fn files(&self, batch: &Batch) -> (Vec<DataFile>, Vec<(String, Rendered)>) {
        let mut context_entities: Vec<usize> = Vec::new();
        let mut seen: HashSet<EntityId> = HashSet::new();
        let mut queue: Vec<EntityId> = Vec::new();
        let mut context = String::new();
        let mut rendered = Vec::new();
        let mut files = Vec::new();
        for (i, item) in &batch.items {
            let Item::Record { record, .. } = item else {
                continue;
            };
            queue.extend(record.mentioned_ids());
            if record.table == "relation"
                && let Some(id) = record_relation_id(record)
                && !batch.gone.contains(&id.to_string())
                && let Some(existing) = self.relation(&id)
            {
                Record::of_relation(existing).render_into(&mut context);
            }
            let name = format!("changes[{i}]");
            let text = record.render();
            files.push(DataFile {
                name: name.clone(),
                text: text.text.clone(),
            });
            rendered.push((name, text));
        }
        while let Some(id) = queue.pop() {
            if batch.gone.contains(id.as_str()) || !seen.insert(id.clone()) {
                continue;
            }
            let Some(&index) = self.ids.get(&id) else {
                continue;
            };
            let Some(entity) = self.entities[index].as_ref() else {
                continue;
            };
            context_entities.push(index);
            for c in entity.citations.iter() {
                queue.push(c.source.clone());
                if let Some(conflict) = &c.conflict {
                    queue.push(conflict.with.clone());
                }
            }
        }
        context_entities.sort_unstable();
        for index in context_entities {
            if let Some(entity) = &self.entities[index] {
                Record::of_entity(entity).render_into(&mut context);
            }
        }
        files.insert(
            0,
            DataFile {
                name: CONTEXT.to_owned(),
                text: context,
            },
        );
        (files, rendered)
    }
}

impl Batch {
    fn problem(&mut self, path: &str, message: String) {
        self.problems.push(ChangeProblem {
            path: path.to_owned(),
            message,
        });
    }
}

/// A relation record's id, when its `from`, `type` and `to` are well-formed.
fn record_relation_id(record: &Record) -> Option<RelationId> {
    RelationId::parse(&format!(
        "{}:{}->{}",
        record.str("type")?,
        record.str("from")?,
        record.str("to")?
    ))
}

/// The loader's problems, each placed by change and key.
fn placed(error: LoadError, rendered: &[(String, Rendered)]) -> Vec<ChangeProblem> {
    let LoadError::Invalid(problems) = error else {
        return vec![ChangeProblem {
            path: "changes".to_owned(),
            message: error.to_string(),
        }];
    };
    problems
        .into_iter()
        .map(|p| {
            let path = match rendered.iter().find(|(name, _)| *name == p.location.file) {
                Some((name, text)) => match text.key_at(p.location.line) {
                    Some(key) => format!("{name}.record.{key}"),
                    None => format!("{name}.record"),
                },
                None => p.location.to_string(),
            };
            ChangeProblem {
                path,
                message: tidy(&p.message),
            }
        })
        .collect()
}

/// A loader message with the context file's places put in words.
fn tidy(message: &str) -> String {
    match message.split_once(" (first defined at ") {
        Some((head, place)) if place.starts_with(CONTEXT) => {
            format!("{head} (already in the graph)")
        }
        Some((head, place)) => {
            let file = place.split(':').next().unwrap_or(place);
            format!("{head} (first defined at {file})")
        }
        None => message.to_owned(),
    }
}

/// Source texts for a batch: its own new texts, then those the store keeps, then the base's.
struct BatchTexts<'a> {
    batch: &'a [(String, Arc<str>)],
    working: &'a Working,
    base: &'a dyn SourceTexts,
}

impl SourceTexts for BatchTexts<'_> {
    fn read(&self, path: &str) -> Result<String, TextError> {
        if let Some((_, text)) = self.batch.iter().find(|(p, _)| p == path) {
            return Ok(text.to_string());
        }
        if let Some(text) = self.working.text(path) {
            return Ok(text.to_string());
        }
        self.base.read(path)
    }
}
