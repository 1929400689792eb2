//! TOML text -> raw records with byte spans. Each record is deserialized on its own, so one bad
//! record does not hide the problems of the others.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use super::RawProblem;
use crate::model::{
    ApplicationDetails, Date, Details, DirectiveDetails, EntityKind, EventDetails, Grade,
    LocationDetails, MineralDetails, OfficialDetails, OrganizationDetails, RelationType,
    SourceDetails, StandardBatchDetails, StandardDetails, SupplyChainStageDetails,
};

/// The fields every entity table has; the rest are its kind's details.
const COMMON_FIELDS: [&str; 5] = ["id", "name", "aliases", "description", "citations"];
/// The kind-specific fields that validation may report a problem at; others are reported at
/// their table. Keeping only these saves an allocation per record on large datasets.
const LOCATED_FIELDS: [&str; 4] = ["atomic_number", "classifications", "code", "text"];

/// Everything parsed from all files, not yet cross-checked.
#[derive(Debug, Default)]
pub(crate) struct RawDataset {
    pub(crate) entities: Vec<RawEntity>,
    pub(crate) relations: Vec<RawRelation>,
    /// Entities whose record has a problem but whose id could be read: they exist, so
    /// references to them must not be reported as dangling.
    pub(crate) unparsed: Vec<UnparsedEntity>,
}

/// The id of an entity whose record could not be read, and the table it is in.
#[derive(Debug)]
pub(crate) struct UnparsedEntity {
    pub(crate) table_kind: EntityKind,
    pub(crate) id: Spanned<String>,
}

/// A citation as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCitation {
    pub(crate) source: Spanned<String>,
    #[serde(default)]
    pub(crate) quote: Option<Spanned<String>>,
    pub(crate) grade: Grade,
    #[serde(default)]
    pub(crate) note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommon {
    id: Spanned<String>,
    name: Spanned<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    citations: Vec<RawCitation>,
}

/// An entity as written, with where it was written.
#[derive(Debug)]
pub(crate) struct RawEntity {
    pub(crate) file: usize,
    /// The span of the whole table.
    pub(crate) span: Range<usize>,
    /// The kind named by the table (`[[standard]]`).
    pub(crate) table_kind: EntityKind,
    pub(crate) id: Spanned<String>,
    pub(crate) name: Spanned<String>,
    pub(crate) aliases: Vec<String>,
    pub(crate) description: Option<String>,
    pub(crate) citations: Vec<RawCitation>,
    pub(crate) details: Details,
    /// Where the value of each kind-specific field starts, for problems about one field.
    pub(crate) field_offsets: Vec<(&'static str, usize)>,
}

impl RawEntity {
    /// Where the value of the kind-specific `field` starts, or the table's start without it.
    pub(crate) fn field_offset(&self, field: &str) -> usize {
        debug_assert!(LOCATED_FIELDS.contains(&field), "`{field}` is not kept");
        self.field_offsets
            .iter()
            .find(|(name, _)| *name == field)
            .map_or(self.span.start, |(_, offset)| *offset)
    }
}

/// A relation as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRelationFields {
    pub(crate) from: Spanned<String>,
    #[serde(rename = "type")]
    pub(crate) relation_type: RelationType,
    pub(crate) to: Spanned<String>,
    #[serde(default)]
    pub(crate) role: Option<String>,
    #[serde(default)]
    pub(crate) since: Option<Date>,
    #[serde(default)]
    pub(crate) until: Option<Date>,
    #[serde(default)]
    pub(crate) citations: Vec<RawCitation>,
}

/// A relation as written, with where it was written.
#[derive(Debug)]
pub(crate) struct RawRelation {
    pub(crate) file: usize,
    pub(crate) span: Range<usize>,
    pub(crate) fields: RawRelationFields,
}

/// Parses one file into `out`, adding a problem for each record that cannot be read.
pub(crate) fn parse_file(
    file: usize,
    text: &str,
    out: &mut RawDataset,
    problems: &mut Vec<RawProblem>,
) {
    // The parsed tables come back grouped by name (`[[mineral]]` before `[[source]]`, whatever
    // their place); the entities are put back in file order at the end.
    let first_entity = out.entities.len();
    let mut problem = |offset: usize, message: String| {
        problems.push(RawProblem {
            file,
            offset,
            message,
            first_defined: None,
        });
    };
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            problem(offset, format!("invalid TOML: {}", e.message().trim_end()));
            return;
        }
    };
    for (key, value) in root {
        let table = key.get_ref().as_ref();
        let kind = if table == "relation" {
            None
        } else if let Some(kind) = EntityKind::from_prefix(table) {
            Some(kind)
        } else {
            let known = EntityKind::ALL.map(EntityKind::prefix).join("]], [[");
            problem(
                key.span().start,
                format!("unknown table `{table}`: expected [[{known}]] or [[relation]]"),
            );
            continue;
        };
        let span = value.span();
        let DeValue::Array(items) = value.into_inner() else {
            problem(
                span.start,
                format!("`{table}` must be an array of tables: write [[{table}]]"),
            );
            continue;
        };
        for item in items {
            let span = item.span();
            let DeValue::Table(fields) = item.into_inner() else {
                problem(span.start, format!("each `{table}` entry must be a table"));
                continue;
            };
            let parsed = match kind {
                Some(kind) => {
                    let id =
                        fields
                            .iter()
                            .find(|(k, _)| *k.get_ref() == "id")
                            .and_then(|(_, v)| {
                                v.get_ref()
                                    .as_str()
                                    .map(|s| Spanned::new(v.span(), s.to_owned()))
                            });
                    match parse_entity(file, kind, span.clone(), fields) {
                        Ok(e) => {
                            out.entities.push(e);
                            Ok(())
                        }
                        Err(errors) => {
                            if let Some(id) = id {
                                out.unparsed.push(UnparsedEntity {
                                    table_kind: kind,
                                    id,
                                });
                            }
                            Err(errors)
                        }
                    }
                }
                None => deserialize::<RawRelationFields>(span.clone(), fields).map(|fields| {
                    out.relations.push(RawRelation {
                        file,
                        span: span.clone(),
                        fields,
                    })
                }),
            };
            if let Err(errors) = parsed {
                for e in errors {
                    let offset = e.span().map_or(span.start, |s| s.start);
                    problem(
                        offset,
                        format!("in [[{table}]]: {}", e.message().trim_end()),
                    );
                }
            }
        }
    }
    out.entities[first_entity..].sort_by_key(|e| e.span.start);
}

fn parse_entity(
    file: usize,
    kind: EntityKind,
    span: Range<usize>,
    fields: DeTable<'_>,
) -> Result<RawEntity, Vec<toml::de::Error>> {
    let (common, rest): (DeTable<'_>, DeTable<'_>) = fields
        .into_iter()
        .partition(|(k, _)| COMMON_FIELDS.contains(&k.get_ref().as_ref()));
    let field_offsets = rest
        .iter()
        .filter_map(|(k, v)| {
            let name = LOCATED_FIELDS
                .iter()
                .find(|f| **f == k.get_ref().as_ref())?;
            Some((*name, v.span().start))
        })
        .collect();
    let common = deserialize::<RawCommon>(span.clone(), common);
    let details = deserialize_details(kind, span.clone(), rest);
    match (common, details) {
        (Ok(c), Ok(details)) => Ok(RawEntity {
            file,
            span,
            table_kind: kind,
            id: c.id,
            name: c.name,
            aliases: c.aliases,
            description: c.description,
            citations: c.citations,
            details,
            field_offsets,
        }),
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

fn deserialize_details(
    kind: EntityKind,
    span: Range<usize>,
    rest: DeTable<'_>,
) -> Result<Details, Vec<toml::de::Error>> {
    Ok(match kind {
        EntityKind::Organization => {
            Details::Organization(deserialize::<OrganizationDetails>(span, rest)?)
        }
        EntityKind::Official => Details::Official(deserialize::<OfficialDetails>(span, rest)?),
        EntityKind::Event => Details::Event(deserialize::<EventDetails>(span, rest)?),
        EntityKind::Directive => Details::Directive(deserialize::<DirectiveDetails>(span, rest)?),
        EntityKind::Standard => Details::Standard(deserialize::<StandardDetails>(span, rest)?),
        EntityKind::StandardBatch => {
            Details::StandardBatch(deserialize::<StandardBatchDetails>(span, rest)?)
        }
        EntityKind::Mineral => Details::Mineral(deserialize::<MineralDetails>(span, rest)?),
        EntityKind::Application => {
            Details::Application(deserialize::<ApplicationDetails>(span, rest)?)
        }
        EntityKind::SupplyChainStage => {
            Details::SupplyChainStage(deserialize::<SupplyChainStageDetails>(span, rest)?)
        }
        EntityKind::Location => Details::Location(deserialize::<LocationDetails>(span, rest)?),
        EntityKind::Source => Details::Source(deserialize::<SourceDetails>(span, rest)?),
    })
}

fn deserialize<T: for<'de> Deserialize<'de>>(
    span: Range<usize>,
    table: DeTable<'_>,
) -> Result<T, Vec<toml::de::Error>> {
    T::deserialize(ValueDeserializer::from(Spanned::new(
        span,
        DeValue::Table(table),
    )))
    .map_err(|e| vec![e])
}
