//! A deterministic synthetic dataset generator, for benchmarks and scale tests.
//!
//! [`generate`] writes a dataset in the exact format of `data/` (it passes `reegraph check`), of
//! any size, from a seed: the same `(entities, seed)` always gives the same bytes, whatever the
//! number of threads used to render it. It needs no `rand`: a SplitMix64 generator is derived
//! per entity and per relation, so rendering is parallel and still deterministic.
//!
//! # Shape
//!
//! * **Kinds** (shares of the generated entities): standards 26%, minerals 20%, applications
//!   15%, sources 12%, organizations 6%, officials 5%, events 5%, locations 5%, directives 3%,
//!   standard batches 2%, supply-chain stages 1%. Locations are ~1% countries (3 to 200),
//!   10% provinces, 35% cities, the rest counties, each `PART_OF` the level above. A few hub
//!   organizations (0.1% of organizations, 3 to 50: agencies, committees, states) are created
//!   first, with the countries, and start with extra attachment weight.
//! * **Relations**: each generated entity links to earlier ones: first a forced link for most
//!   kinds (an official's organization, a standard's administering organization, a source's
//!   publisher, a place's parent, an organization's or event's place), then 0 to 5 more (at least
//!   1 for kinds without a forced link), drawn from per-kind templates that only ever pair kinds
//!   the relation type allows. That is ~2.6 relations per entity, a mean degree of ~5.2. Partners
//!   are chosen by preferential attachment within their kind (probability 3/4 proportional to
//!   degree + 1, else uniform), so degrees are heavy-tailed and the distribution does not depend
//!   on size: median 3, p90 9, p99 33, p99.9 ~140, a handful of isolated entities; only the
//!   maximum grows (~2,500 at 100K, ~5,600 at 1M: the oldest stages and hub organizations;
//!   countries sit at ~100). All 25 relation types are used. No self-loops, no duplicate
//!   `(from, type, to)`. Relations carry a role, `since` and `until` where they make sense.
//! * **Citations**: every entity and relation has one citation (entities sometimes two), of one
//!   of the eight `source:synth-corpus-N` entities, all of which have
//!   `text = "sources/synth-corpus.txt"`; every quote is one short line of that text (see
//!   [`CORPUS_PATH`]), a few of which need TOML escapes or are not ASCII. Grades vary.
//! * **Names** are made of pseudo-words ("Koralin neodymium oxide", "Wang Venshu") so that search
//!   sees many distinct terms and a few very common ones; some aliases are Chinese, a few
//!   descriptions hold quotes, backslashes or tabs. Standard codes are well formed
//!   (`GB/T 12345-2020`, `XB/T 617.2-2014`, `ISO 22444-1:2020`).
//! * **Local shape**: a fixed core of 43 entities and 55 relations (ids `*:synth-*-0`) around
//!   [`MAGNETS`] (`application:synth-magnets-0`): its materials, stages, six standards, their
//!   committee, a meeting, an export control, places and the corpus sources. It is identical at
//!   every size and seed; generated entities never attach to it, and only four bridge relations
//!   join it to the generated graph, at core entities 3 or more hops from [`MAGNETS`]. So a
//!   depth-2 neighborhood of [`MAGNETS`], `related(MAGNETS, [STANDARD], maxHops: 3)` and
//!   `paths(MAGNETS, DY_METAL_STANDARD)` give the same answer at 10K and at 1M.
//!
//! # Files
//!
//! `core.toml` (the local shape and the bridges), then `entities-NN.toml` (10,000 entities each,
//! grouped by kind, ~4 MB) and `relations-NN.toml` (20,000 relations each, ~4 MB), then
//! [`CORPUS_PATH`]. `entities` counts every entity, the core included (smaller values give the
//! core alone).

mod entity;
mod local_shape;
mod plan;
mod render;
mod rng;
pub(crate) mod toml_out;
mod words;

pub use local_shape::{DY_METAL_STANDARD, MAGNET_STANDARD_CODE, MAGNETS};
pub use words::CORPUS_PATH;

use crate::dataset::{DataFile, Dataset, LoadError, SourceTexts, TextError, load_files};
use crate::model::EntityKind;
use plan::Plan;
use render::{Task, render_all};

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// How many entities.
    pub entities: usize,
    /// Seed of the pseudo-random generator: the same seed gives the same files.
    pub seed: u64,
}

/// Entities per `entities-NN.toml` file.
const ENTITIES_PER_FILE: usize = 10_000;
/// Relations per `relations-NN.toml` file.
const RELATIONS_PER_FILE: usize = 20_000;
/// Probability that a partner is chosen in proportion to degree + 1 rather than uniformly.
const PREFERENTIAL: f64 = 0.75;
/// Extra attachment weight a hub (country, hub organization) starts with.
const HUB_BOOST: usize = 32;

/// Shares of the generated entities, in permille (they sum to 1000).
const SHARES: [(EntityKind, usize); 11] = [
    (EntityKind::Standard, 260),
    (EntityKind::Mineral, 200),
    (EntityKind::Application, 150),
    (EntityKind::Source, 120),
    (EntityKind::Organization, 60),
    (EntityKind::Official, 50),
    (EntityKind::Event, 50),
    (EntityKind::Location, 50),
    (EntityKind::Directive, 30),
    (EntityKind::StandardBatch, 20),
    (EntityKind::SupplyChainStage, 10),
];

/// Weights of the number of extra relations (0 to 5) a generated entity starts.
const EXTRA_WEIGHTS: [u32; 6] = [10, 30, 28, 17, 10, 5];

/// Location levels, the `sub` of a LOCATION.
const COUNTRY: u8 = 0;
const PROVINCE: u8 = 1;
const CITY: u8 = 2;
const COUNTY: u8 = 3;

/// Streams of derived generators.
const STREAM_STEM: u64 = 1;
const STREAM_ENTITY: u64 = 2;
const STREAM_RELATION: u64 = 3;
const STREAM_CORE: u64 = 4;

/// Generates a valid dataset (the same format and validation as `data/`), as data files plus
/// the source texts they quote from (file names relative to the output directory). The `*.toml`
/// files come first, in load order, then the texts.
///
/// # Panics
/// When `config.entities` exceeds `u32::MAX` (the graph's index type).
pub fn generate(config: &SynthConfig) -> Vec<DataFile> {
    let plan = Plan::new(config);
    let entity_files = plan.generated().div_ceil(ENTITIES_PER_FILE);
    let relation_files = (plan.edges.len() - plan.bridges).div_ceil(RELATIONS_PER_FILE);
    let mut tasks = vec![Task::Core];
    tasks.extend((0..entity_files).map(Task::Entities));
    tasks.extend((0..relation_files).map(Task::Relations));
    let mut files = render_all(&plan, &tasks, entity_files, relation_files);
    files.push(DataFile {
        name: CORPUS_PATH.to_owned(),
        text: words::corpus_text(),
    });
    files
}

/// The texts of generated files, looked up by file name (for [`load_files`]).
#[derive(Debug, Clone, Copy)]
pub struct GeneratedTexts<'a>(pub &'a [DataFile]);

impl SourceTexts for GeneratedTexts<'_> {
    fn read(&self, path: &str) -> Result<String, TextError> {
        self.0
            .iter()
            .find(|f| f.name == path)
            .map(|f| f.text.clone())
            .ok_or_else(|| TextError::Missing {
                path: path.to_owned(),
            })
    }
}

/// Parses and validates generated files in memory: the `*.toml` files as data, the others as
/// source texts. Equivalent to writing them out and calling [`crate::dataset::load_dir`].
pub fn load(files: &[DataFile]) -> Result<Dataset, LoadError> {
    let is_data = |f: &DataFile| f.name.ends_with(".toml");
    let leading = files.iter().take_while(|f| is_data(f)).count();
    if files[leading..].iter().any(is_data) {
        let data: Vec<DataFile> = files.iter().filter(|f| is_data(f)).cloned().collect();
        return load_files(&data, &GeneratedTexts(files));
    }
    load_files(&files[..leading], &GeneratedTexts(files))
}

#[cfg(test)]
mod tests;
