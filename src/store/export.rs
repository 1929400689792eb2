//! `reegraph export`: the served records (base data and stored changes) written back as data
//! files in today's format, with the source texts they point to, so that editors review and
//! commit the changes in git.
//!
//! Invariant: loading the directory written gives the same entities and relations
//! (tests/it/store.rs holds them equal); files hold at most [`RECORDS_PER_FILE`] records, well
//! under the loader's file size limit.

use std::path::{Component, Path};

use super::record::Record;
use super::working::Working;
use crate::dataset::SourceTexts;
use crate::model::EntityKind;

/// Records per data file written (as `reegraph generate` writes them).
pub const RECORDS_PER_FILE: usize = 10_000;

/// Writes `working`'s records under `out` (created): `entities-<kind>-<n>.toml`,
/// `relations-<n>.toml`, and each SOURCE's text at its `text` path (the store's, else read
/// through `base_texts`). Returns how many data files were written.
pub fn export(
    working: &Working,
    base_texts: &dyn SourceTexts,
    out: &Path,
) -> std::io::Result<usize> {
    std::fs::create_dir_all(out)?;
    let mut files = 0;
    for kind in EntityKind::ALL {
        let records: Vec<Record> = working
            .entities
            .iter()
            .flatten()
            .filter(|e| e.kind() == kind)
            .map(Record::of_entity)
            .collect();
        files += write_chunks(out, &format!("entities-{}", kind.prefix()), &records)?;
    }
    let relations: Vec<Record> = working
        .relations
        .iter()
        .flatten()
        .map(Record::of_relation)
        .collect();
    files += write_chunks(out, "relations", &relations)?;
    for entity in working.entities.iter().flatten() {
        let Some(path) = Working::text_path(entity) else {
            continue;
        };
        let relative = Path::new(path);
        if !relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(std::io::Error::other(format!(
                "text path `{path}` of `{}` leaves the data directory",
                entity.id
            )));
        }
        let text = match working.text(path) {
            Some(text) => text.to_string(),
            None => base_texts
                .read(path)
                .map_err(|e| std::io::Error::other(format!("`{}`: {e}", entity.id)))?,
        };
        let target = out.join(relative);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(target, text)?;
    }
    Ok(files)
}

/// Writes `records` as `<stem>-0001.toml`, ... of [`RECORDS_PER_FILE`] each.
fn write_chunks(out: &Path, stem: &str, records: &[Record]) -> std::io::Result<usize> {
    let mut files = 0;
    for (n, chunk) in records.chunks(RECORDS_PER_FILE).enumerate() {
        let mut text = String::from("# Written by `reegraph export`.\n");
        for record in chunk {
            record.render_into(&mut text);
        }
        std::fs::write(out.join(format!("{stem}-{:04}.toml", n + 1)), text)?;
        files += 1;
    }
    Ok(files)
}
