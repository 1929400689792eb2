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

mod local_shape;
mod rng;
mod toml_out;
mod words;

use std::sync::atomic::{AtomicUsize, Ordering};

pub use local_shape::{DY_METAL_STANDARD, MAGNET_STANDARD_CODE, MAGNETS};
pub use words::CORPUS_PATH;

use crate::dataset::{DataFile, Dataset, LoadError, SourceTexts, TextError, load_files};
use serde::Serialize;

use crate::model::{
    ClassificationScheme, DirectiveType, EntityKind, EventType, Grade, LocationType, MineralForm,
    OrganizationType, RareEarthGroup, RelationType, Sector, SourceType, StandardLevel,
    StandardStatus, variant_name,
};
use local_shape::{BRIDGES, CORE, CORE_RELATIONS, CORPUS_SOURCES};
use rng::Rng;
use toml_out::{Toml, push_num, push_str_lit};
use words::{capitalized, stem};

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

/// A generated relation, by entity index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edge {
    from: u32,
    to: u32,
    t: RelationType,
}

/// Who the other end of a template is.
#[derive(Debug, Clone, Copy)]
enum Other {
    /// An entity of this kind (not a location).
    Kind(EntityKind),
    /// A place to be located in: a city, province or country.
    Place,
}

/// A way for a new entity to link to an earlier one.
#[derive(Debug, Clone, Copy)]
struct Template {
    t: RelationType,
    other: Other,
    /// Whether the new entity is the relation's `from`.
    new_is_from: bool,
    weight: u32,
}

const fn out(t: RelationType, k: EntityKind, weight: u32) -> Template {
    Template {
        t,
        other: Other::Kind(k),
        new_is_from: true,
        weight,
    }
}

const fn inc(t: RelationType, k: EntityKind, weight: u32) -> Template {
    Template {
        t,
        other: Other::Kind(k),
        new_is_from: false,
        weight,
    }
}

const PLACE: Template = Template {
    t: RelationType::LocatedIn,
    other: Other::Place,
    new_is_from: true,
    weight: 10,
};

/// The link every new entity of a kind makes first, if any (locations: their parent, below).
fn forced(kind: EntityKind) -> Option<Template> {
    use EntityKind::*;
    use RelationType::*;
    match kind {
        Organization | Event => Some(PLACE),
        Official => Some(out(AffiliatedWith, Organization, 1)),
        Source => Some(out(PublishedBy, Organization, 1)),
        Standard | StandardBatch => Some(inc(Administers, Organization, 1)),
        Directive => Some(inc(Issued, Organization, 1)),
        _ => None,
    }
}

/// The further links a new entity of a kind may make (each pair allowed by its type).
fn templates(kind: EntityKind) -> &'static [Template] {
    use EntityKind::*;
    use RelationType::*;
    const ORGANIZATION: &[Template] = &[
        PLACE,
        out(ActiveIn, Application, 30),
        out(ActiveIn, Mineral, 30),
        out(ActiveIn, SupplyChainStage, 20),
        out(PartOf, Organization, 10),
        out(ParticipatedIn, Event, 20),
        out(Organized, Event, 10),
        out(HoldsSecretariatOf, Organization, 3),
        out(MirrorOf, Organization, 2),
        out(Administers, Organization, 3),
        out(Issued, Source, 5),
    ];
    const OFFICIAL: &[Template] = &[
        out(ParticipatedIn, Event, 40),
        out(AffiliatedWith, Organization, 20),
        out(Issued, Directive, 15),
        out(Issued, Source, 5),
    ];
    const EVENT: &[Template] = &[
        out(PartOf, Event, 10),
        inc(Organized, Organization, 30),
        inc(ParticipatedIn, Organization, 20),
        inc(ParticipatedIn, Official, 20),
        out(Concerns, Mineral, 15),
        out(Concerns, Application, 10),
        out(Concerns, SupplyChainStage, 5),
    ];
    const DIRECTIVE: &[Template] = &[
        inc(Issued, Official, 15),
        out(Targets, SupplyChainStage, 10),
        out(Targets, Application, 10),
        out(Targets, Mineral, 15),
        out(Targets, Standard, 5),
        out(Targets, Organization, 5),
        out(Restricts, Mineral, 20),
        out(Restricts, SupplyChainStage, 5),
        out(Restricts, Application, 5),
        out(AnnouncedAt, Event, 10),
        out(Suspends, Directive, 2),
    ];
    const STANDARD: &[Template] = &[
        out(Concerns, Mineral, 35),
        out(Concerns, Application, 20),
        out(Concerns, SupplyChainStage, 10),
        out(IncludedIn, StandardBatch, 15),
        out(AnnouncedAt, Event, 5),
        inc(Issued, Organization, 10),
        inc(Administers, Organization, 5),
        inc(Drafted, Organization, 3),
        out(Excludes, Mineral, 2),
    ];
    const BATCH: &[Template] = &[
        out(AnnouncedAt, Event, 30),
        out(Concerns, Mineral, 20),
        out(Concerns, Application, 10),
        out(Concerns, SupplyChainStage, 5),
        inc(IncludedIn, Standard, 20),
    ];
    const MINERAL: &[Template] = &[
        out(ComposedOf, Mineral, 15),
        out(ProducedFrom, Mineral, 20),
        out(UsedIn, Application, 35),
        out(ProducedAt, SupplyChainStage, 20),
        inc(ActiveIn, Organization, 10),
    ];
    const APPLICATION: &[Template] = &[
        out(ComposedOf, Mineral, 35),
        out(UsedIn, Application, 15),
        inc(UsedIn, Mineral, 15),
        inc(ActiveIn, Organization, 10),
        inc(Concerns, Standard, 10),
    ];
    const STAGE: &[Template] = &[
        out(Precedes, SupplyChainStage, 30),
        out(PartOf, SupplyChainStage, 20),
        inc(ProducedAt, Mineral, 30),
        inc(ActiveIn, Organization, 20),
    ];
    const SOURCE: &[Template] = &[
        out(ReportsOn, Organization, 15),
        out(ReportsOn, Event, 15),
        out(ReportsOn, Directive, 10),
        out(ReportsOn, Standard, 15),
        out(ReportsOn, Mineral, 10),
        out(ReportsOn, Application, 10),
        out(ReportsOn, Official, 10),
        out(ReportsOn, Location, 5),
        out(ReportsOn, StandardBatch, 5),
        out(ReportsOn, SupplyChainStage, 5),
    ];
    match kind {
        Organization => ORGANIZATION,
        Official => OFFICIAL,
        Event => EVENT,
        Directive => DIRECTIVE,
        Standard => STANDARD,
        StandardBatch => BATCH,
        Mineral => MINERAL,
        Application => APPLICATION,
        SupplyChainStage => STAGE,
        Source => SOURCE,
        Location => &[],
    }
}

/// Entities that can be picked as partners: all of them, and one entry per relation end (plus
/// one each) for preferential attachment.
#[derive(Debug, Default)]
struct Pool {
    all: Vec<u32>,
    weighted: Vec<u32>,
}

/// The pool of an entity: one per kind, and one per location level.
fn pool_of(kind: EntityKind, sub: u8) -> usize {
    if kind == EntityKind::Location {
        EntityKind::ALL.len() + usize::from(sub)
    } else {
        kind.index()
    }
}

/// The topology of the dataset: every entity's kind and level, and every generated relation.
/// Entities `0..CORE.len()` are the core; the rest are generated, in creation order.
struct Plan {
    seed: u64,
    kinds: Vec<EntityKind>,
    /// Location level (COUNTRY...COUNTY), or 1 for a hub organization, else 0.
    subs: Vec<u8>,
    /// Generated relations (bridges included), in creation order.
    edges: Vec<Edge>,
    /// How many of `edges` (at the end) are bridges to the core, written in `core.toml`.
    bridges: usize,
}

impl Plan {
    fn new(config: &SynthConfig) -> Self {
        let core = CORE.len();
        let total = config.entities.max(core);
        assert!(
            u32::try_from(total).is_ok(),
            "at most {} entities",
            u32::MAX
        );
        let generated = total - core;
        let mut rng = Rng::new(config.seed);

        // How many of each kind, and the order they are created in: countries and hub
        // organizations first, then everything else shuffled.
        let mut counts = [0usize; EntityKind::ALL.len()];
        for (kind, share) in SHARES {
            counts[kind.index()] = generated * share / 1000;
        }
        let assigned: usize = counts.iter().sum();
        counts[EntityKind::Standard.index()] += generated - assigned;
        let locations = counts[EntityKind::Location.index()];
        let countries = (locations / 100).clamp(3, 200).min(locations);
        let provinces = (locations / 10).min(locations - countries);
        let cities = (locations * 35 / 100).min(locations - countries - provinces);
        let organizations = counts[EntityKind::Organization.index()];
        let hub_orgs = (organizations / 1000).clamp(3, 50).min(organizations);

        let mut kinds: Vec<EntityKind> = Vec::with_capacity(total);
        let mut subs: Vec<u8> = Vec::with_capacity(total);
        for c in &CORE {
            kinds.push(c.kind());
            subs.push(0);
        }
        kinds.extend(std::iter::repeat_n(EntityKind::Location, countries));
        subs.extend(std::iter::repeat_n(COUNTRY, countries));
        kinds.extend(std::iter::repeat_n(EntityKind::Organization, hub_orgs));
        subs.extend(std::iter::repeat_n(1, hub_orgs));
        let head = kinds.len();
        counts[EntityKind::Location.index()] -= countries;
        counts[EntityKind::Organization.index()] -= hub_orgs;
        for kind in EntityKind::ALL {
            kinds.extend(std::iter::repeat_n(kind, counts[kind.index()]));
        }
        for i in (head + 1..kinds.len()).rev() {
            let j = head + rng.below(i - head + 1);
            kinds.swap(i, j);
        }
        let mut nth_location = 0;
        for &kind in &kinds[head..] {
            let sub = if kind == EntityKind::Location {
                nth_location += 1;
                if nth_location <= provinces {
                    PROVINCE
                } else if nth_location <= provinces + cities {
                    CITY
                } else {
                    COUNTY
                }
            } else {
                0
            };
            subs.push(sub);
        }

        let mut plan = Plan {
            seed: config.seed,
            kinds,
            subs,
            edges: Vec::with_capacity(generated * 3),
            bridges: 0,
        };
        plan.attach(&mut rng, core);
        plan.bridge(core);
        plan
    }

    fn generated(&self) -> usize {
        self.kinds.len() - CORE.len()
    }

    /// Creates the relations of every generated entity, in creation order, each to earlier ones.
    fn attach(&mut self, rng: &mut Rng, core: usize) {
        let mut pools: Vec<Pool> = (0..EntityKind::ALL.len() + 4)
            .map(|_| Pool::default())
            .collect();
        let mut mine: Vec<Edge> = Vec::with_capacity(8);
        for e in core..self.kinds.len() {
            let kind = self.kinds[e];
            let sub = self.subs[e];
            let e32 = e as u32;
            mine.clear();
            if kind == EntityKind::Location {
                // The parent: the nearest level above that has any place yet.
                let parent = (0..sub)
                    .rev()
                    .find_map(|level| choose(rng, &pools[pool_of(kind, level)]));
                if let Some(p) = parent {
                    mine.push(Edge {
                        from: e32,
                        to: p,
                        t: RelationType::PartOf,
                    });
                }
            } else {
                let list = templates(kind);
                let mut extra = rng.weighted(EXTRA_WEIGHTS.iter().copied());
                if forced(kind).is_none() {
                    // Kinds without a forced link start at least one, so few entities are isolated.
                    extra = extra.max(1);
                }
                let firsts = forced(kind).into_iter().map(Some);
                for template in firsts.chain(std::iter::repeat_n(None, extra)) {
                    for _attempt in 0..3 {
                        let tpl = template
                            .unwrap_or_else(|| list[rng.weighted(list.iter().map(|t| t.weight))]);
                        let pool = match tpl.other {
                            Other::Kind(k) => pool_of(k, 0),
                            Other::Place => {
                                let level = [CITY, PROVINCE, COUNTRY]
                                    [rng.weighted([55, 25, 20].into_iter())];
                                pool_of(EntityKind::Location, level)
                            }
                        };
                        let Some(p) = choose(rng, &pools[pool]).or_else(|| {
                            matches!(tpl.other, Other::Place)
                                .then(|| choose(rng, &pools[pool_of(EntityKind::Location, 0)]))
                                .flatten()
                        }) else {
                            continue;
                        };
                        let edge = if tpl.new_is_from {
                            Edge {
                                from: e32,
                                to: p,
                                t: tpl.t,
                            }
                        } else {
                            Edge {
                                from: p,
                                to: e32,
                                t: tpl.t,
                            }
                        };
                        if p != e32 && !mine.contains(&edge) {
                            mine.push(edge);
                            break;
                        }
                    }
                }
            }
            for edge in &mine {
                debug_assert!(
                    edge.t
                        .allows(self.kinds[edge.from as usize], self.kinds[edge.to as usize])
                );
                let other = if edge.from == e32 { edge.to } else { edge.from };
                let o = other as usize;
                pools[pool_of(self.kinds[o], self.subs[o])]
                    .weighted
                    .push(other);
                pools[pool_of(kind, sub)].weighted.push(e32);
            }
            self.edges.extend_from_slice(&mine);
            let boost = if (kind == EntityKind::Location && sub == COUNTRY)
                || (kind == EntityKind::Organization && sub == 1)
            {
                HUB_BOOST
            } else {
                1
            };
            let pool = &mut pools[pool_of(kind, sub)];
            pool.all.push(e32);
            pool.weighted.extend(std::iter::repeat_n(e32, boost));
        }
    }

    /// Adds the bridges between the core and the generated graph: each to the first generated
    /// entity of the right kind from the middle of the creation order on.
    fn bridge(&mut self, core: usize) {
        let generated = self.generated();
        if generated == 0 {
            return;
        }
        for (b, (core_id, t, kind, core_is_from)) in BRIDGES.into_iter().enumerate() {
            let Some(c) = CORE.iter().position(|c| c.id == core_id) else {
                continue;
            };
            let start = generated / 2 + b;
            let found = (0..generated)
                .map(|k| core + (start + k) % generated)
                .find(|&g| self.kinds[g] == kind);
            if let Some(g) = found {
                let (from, to) = if core_is_from { (c, g) } else { (g, c) };
                self.edges.push(Edge {
                    from: from as u32,
                    to: to as u32,
                    t,
                });
                self.bridges += 1;
            }
        }
    }

    /// Writes entity `i`'s id.
    fn push_id(&self, out: &mut String, i: usize) {
        if let Some(c) = CORE.get(i) {
            out.push_str(c.id);
            return;
        }
        out.push_str(self.kinds[i].prefix());
        out.push(':');
        self.push_stem(out, i);
        out.push('-');
        push_num(out, i);
    }

    /// Writes entity `i`'s made-up word, which its id and name share.
    fn push_stem(&self, out: &mut String, i: usize) {
        stem(&mut Rng::derive(self.seed, STREAM_STEM, i as u64), out);
    }

    fn stem(&self, i: usize) -> String {
        let mut s = String::with_capacity(12);
        self.push_stem(&mut s, i);
        s
    }
}

/// A partner from `pool`: by degree with probability [`PREFERENTIAL`], else uniformly.
fn choose(rng: &mut Rng, pool: &Pool) -> Option<u32> {
    if pool.all.is_empty() {
        None
    } else if rng.chance(PREFERENTIAL) {
        Some(rng.pick(&pool.weighted))
    } else {
        Some(rng.pick(&pool.all))
    }
}

/// One output file to render.
#[derive(Debug, Clone, Copy)]
enum Task {
    Core,
    Entities(usize),
    Relations(usize),
}

/// Renders every task, on as many threads as there are cores; the output does not depend on
/// which thread rendered what.
fn render_all(
    plan: &Plan,
    tasks: &[Task],
    entity_files: usize,
    relation_files: usize,
) -> Vec<DataFile> {
    let width = |n: usize| n.saturating_sub(1).max(1).to_string().len().max(2);
    let (ew, rw) = (width(entity_files), width(relation_files));
    let render = |task: Task| match task {
        Task::Core => DataFile {
            name: "core.toml".to_owned(),
            text: render_core(plan),
        },
        Task::Entities(n) => DataFile {
            name: format!("entities-{n:0ew$}.toml"),
            text: render_entities(plan, n),
        },
        Task::Relations(n) => DataFile {
            name: format!("relations-{n:0rw$}.toml"),
            text: render_relations(plan, n),
        },
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(tasks.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, DataFile)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let t = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&task) = tasks.get(t) else {
                            break;
                        };
                        mine.push((t, render(task)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(t, _)| *t);
    done.into_iter().map(|(_, f)| f).collect()
}

fn render_core(plan: &Plan) -> String {
    let mut text = String::with_capacity(64 * 1024);
    let mut w = Toml(&mut text);
    w.comment(
        "Generated by `reegraph generate`: the fixed local shape around application:synth-magnets-0,\n\
         identical at every size and seed, and the bridges that join it to the generated graph.",
    );
    for (i, c) in CORE.iter().enumerate() {
        let mut rng = Rng::derive(0, STREAM_CORE, i as u64);
        w.table(c.kind().prefix())
            .str("id", c.id)
            .str("name", c.name)
            .str_array("aliases", c.aliases);
        if !c.description.is_empty() {
            w.str("description", c.description);
        }
        for line in c.fields {
            w.raw(line);
        }
        push_citations(w.0, &mut rng, 1);
    }
    for (i, (from, t, to, role)) in CORE_RELATIONS.iter().enumerate() {
        let mut rng = Rng::derive(0, STREAM_CORE, (CORE.len() + i) as u64);
        w.table("relation")
            .str("from", from)
            .str("type", t.name())
            .str("to", to)
            .opt_str("role", *role);
        push_citations(w.0, &mut rng, 1);
    }
    w.0.push('\n');
    w.comment("Bridges to the generated graph.");
    let first_bridge = plan.edges.len() - plan.bridges;
    for j in first_bridge..plan.edges.len() {
        write_relation(plan, w.0, j);
    }
    text
}

fn render_entities(plan: &Plan, n: usize) -> String {
    let start = CORE.len() + n * ENTITIES_PER_FILE;
    let end = (start + ENTITIES_PER_FILE).min(plan.kinds.len());
    let mut order: Vec<usize> = (start..end).collect();
    order.sort_by_key(|&i| plan.kinds[i]);
    let mut text = String::with_capacity((end - start) * 480);
    Toml(&mut text).comment(&format!(
        "Generated by `reegraph generate --seed {}`: entities {start} to {} of {}, by kind.",
        plan.seed,
        end - 1,
        plan.kinds.len()
    ));
    for i in order {
        write_entity(plan, &mut text, i);
    }
    text
}

fn render_relations(plan: &Plan, n: usize) -> String {
    let start = n * RELATIONS_PER_FILE;
    let end = (start + RELATIONS_PER_FILE).min(plan.edges.len() - plan.bridges);
    let mut text = String::with_capacity((end.saturating_sub(start)) * 230);
    Toml(&mut text).comment(&format!(
        "Generated by `reegraph generate --seed {}`: relations {start} to {}.",
        plan.seed,
        end.saturating_sub(1)
    ));
    for j in start..end {
        write_relation(plan, &mut text, j);
    }
    text
}

fn write_relation(plan: &Plan, out: &mut String, j: usize) {
    use RelationType::*;
    let edge = plan.edges[j];
    let mut rng = Rng::derive(plan.seed, STREAM_RELATION, j as u64);
    let mut w = Toml(out);
    w.table("relation");
    w.id("from", &|o| plan.push_id(o, edge.from as usize));
    w.str("type", edge.t.name());
    w.id("to", &|o| plan.push_id(o, edge.to as usize));
    let (role, since_p) = match edge.t {
        AffiliatedWith => (Some(rng.pick(&words::ROLES)), 0.6),
        ParticipatedIn => (
            rng.chance(0.2)
                .then(|| rng.pick(&["delegate", "host", "speaker"])),
            0.0,
        ),
        HoldsSecretariatOf | MirrorOf | ActiveIn | PartOf => (None, 0.3),
        _ => (None, 0.05),
    };
    w.opt_str("role", role);
    if rng.chance(since_p) {
        let since = rng.range(2000, 2024);
        w.str("since", &since.to_string());
        if rng.chance(0.15) {
            w.str("until", &rng.range(since, 2025).to_string());
        }
    }
    push_citations(w.0, &mut rng, 1);
}

/// `citations = [...]` with `count` citations of corpus sources, each quoting a corpus line.
fn push_citations(out: &mut String, rng: &mut Rng, count: usize) {
    const GRADES: [Grade; 4] = [
        Grade::Verified,
        Grade::VerifiedSecondary,
        Grade::Reported,
        Grade::Unverified,
    ];
    out.push_str("citations = [\n");
    for _ in 0..count {
        out.push_str("  { source = \"");
        out.push_str(CORE[rng.below(CORPUS_SOURCES)].id);
        out.push_str("\", quote = ");
        push_str_lit(out, rng.pick(&words::CORPUS));
        let grade = GRADES[rng.weighted([35, 25, 30, 10].into_iter())];
        out.push_str(", grade = \"");
        out.push_str(data_name(grade));
        out.push('"');
        if grade == Grade::Unverified {
            out.push_str(", note = \"Synthetic: nothing confirms this.\"");
        }
        out.push_str(" },\n");
    }
    out.push_str("]\n");
}

/// A date of `precision` parts (1 to 3) between `lo` and `hi` (years); days stop at 25 so a
/// few days can be added.
fn date(rng: &mut Rng, lo: u32, hi: u32, precision: u32) -> (u32, u32, u32, u32) {
    (
        rng.range(lo, hi),
        rng.range(1, 12),
        rng.range(1, 25),
        precision,
    )
}

fn fmt_date((y, m, d, precision): (u32, u32, u32, u32)) -> String {
    match precision {
        1 => format!("{y}"),
        2 => format!("{y}-{m:02}"),
        _ => format!("{y}-{m:02}-{d:02}"),
    }
}

fn some_date(rng: &mut Rng, lo: u32, hi: u32) -> String {
    let precision = [3, 3, 3, 2, 1][rng.below(5)];
    fmt_date(date(rng, lo, hi, precision))
}

/// Chinese alias: two to four characters and a suffix.
fn cjk_alias(rng: &mut Rng, suffix: &str) -> String {
    let n = rng.range(2, 4);
    let mut s: String = (0..n).map(|_| rng.pick(&words::CJK)).collect();
    s.push_str(suffix);
    s
}

/// A description, sometimes; rarely with characters that need escaping.
fn description(rng: &mut Rng, what: &str, stem: &str) -> Option<String> {
    if !rng.chance(0.5) {
        return None;
    }
    Some(match rng.below(400) {
        0 => format!("{what} described as \"strategic\" by the {stem} group."),
        1 => format!("{what}; data kept under C:\\synth\\{stem}.\tTab-separated notes."),
        _ => format!("A synthetic {what} ({stem})."),
    })
}

/// The name a data file spells a model enum value with, from the model's own serde names, so
/// the generator cannot drift from what the loader reads. Every value passed here is a unit
/// variant; an empty name would fail validation, which the generator's tests run.
fn data_name(value: impl Serialize) -> &'static str {
    variant_name(&value).unwrap_or_default()
}

/// One entity being written: what its kind's writer draws on, and where the fields after its
/// name and its aliases go.
struct Draft<'f> {
    /// The entity's number.
    i: usize,
    /// Its sub-kind (hub organization, location level).
    sub: u8,
    /// Its own generator.
    rng: Rng,
    /// Its pseudo-word and the same capitalized.
    stem: String,
    cap: String,
    /// Its element's index in `words::ELEMENTS`, and the element's name, symbol and Chinese.
    element: usize,
    el_name: &'static str,
    el_symbol: &'static str,
    el_cjk: &'static str,
    aliases: Vec<String>,
    /// The fields after `name`, written first since the name depends on them.
    f: Toml<'f>,
}

fn write_entity(plan: &Plan, out: &mut String, i: usize) {
    use EntityKind::*;
    let kind = plan.kinds[i];
    let mut rng = Rng::derive(plan.seed, STREAM_ENTITY, i as u64);
    let stem = plan.stem(i);
    let cap = capitalized(&stem);
    let element = rng.below(words::ELEMENTS.len());
    let (el_name, el_symbol, el_cjk) = words::ELEMENTS[element];
    let mut w = Toml(out);
    w.table(kind.prefix());
    w.id("id", &|o| plan.push_id(o, i));
    let mut fields = String::with_capacity(256);
    let mut d = Draft {
        i,
        sub: plan.subs[i],
        rng,
        stem,
        cap,
        element,
        el_name,
        el_symbol,
        el_cjk,
        aliases: Vec::new(),
        f: Toml(&mut fields),
    };
    let name = match kind {
        Organization => organization(&mut d),
        Official => official(&mut d),
        Event => event(&mut d),
        Directive => directive(&mut d),
        Standard => standard(&mut d),
        StandardBatch => standard_batch(&mut d),
        Mineral => mineral(&mut d),
        Application => application(&mut d),
        SupplyChainStage => supply_chain_stage(&mut d),
        Location => location(&mut d),
        Source => source(&mut d),
    };
    let Draft {
        mut rng,
        stem,
        aliases,
        ..
    } = d;
    w.str("name", &name);
    w.str_array("aliases", &aliases);
    if let Some(d) = description(&mut rng, kind.prefix(), &stem) {
        w.str("description", &d);
    }
    w.0.push_str(&fields);
    let count = if rng.chance(0.2) { 2 } else { 1 };
    push_citations(w.0, &mut rng, count);
}

fn organization(d: &mut Draft) -> String {
    use OrganizationType as O;
    let org_type = if d.sub == 1 {
        d.rng
            .pick(&[O::GovernmentAgency, O::StandardsCommittee, O::State])
    } else {
        [
            O::Company,
            O::ResearchInstitute,
            O::GovernmentAgency,
            O::StandardsCommittee,
            O::Media,
            O::State,
            O::Other,
        ][d.rng.weighted([55, 15, 10, 8, 7, 2, 3].into_iter())]
    };
    d.f.str("org_type", data_name(org_type));
    let cap = &d.cap;
    let name = match org_type {
        O::Company => format!("{cap} {}", d.rng.pick(&words::COMPANY_SUFFIXES)),
        O::ResearchInstitute => {
            format!(
                "{cap} Institute of {}",
                d.rng.pick(&words::INSTITUTE_TOPICS)
            )
        }
        O::GovernmentAgency => format!("{cap} {}", d.rng.pick(&words::AGENCY_NAMES)),
        O::StandardsCommittee => {
            let code = format!("SAC/TC {}", 100 + d.i % 9000);
            d.f.str("code", &code);
            d.aliases.push(code);
            format!("{cap} Technical Committee on Rare Earths")
        }
        O::Media => format!("{cap} {}", d.rng.pick(&words::MEDIA_NAMES)),
        O::State => format!("Republic of {cap}"),
        O::Other => format!("{cap} Rare Earth Industry Association"),
    };
    if d.rng.chance(0.3) {
        d.f.str("url", &format!("https://{}.example.com/", d.stem));
    }
    if d.rng.chance(0.2) {
        d.aliases.push(cjk_alias(&mut d.rng, "集团"));
    }
    name
}

fn official(d: &mut Draft) -> String {
    let title = d.rng.chance(0.8).then(|| d.rng.pick(&words::TITLES));
    d.f.opt_str("title", title);
    format!("{} {}", d.rng.pick(&words::FAMILY_NAMES), d.cap)
}

fn event(d: &mut Draft) -> String {
    use EventType as E;
    let (event_type, noun) = d.rng.pick(&[
        (E::Meeting, "annual meeting"),
        (E::Plenary, "plenary"),
        (E::Announcement, "policy announcement"),
        (E::Investment, "investment in magnet capacity"),
        (E::Appointment, "appointment"),
    ]);
    d.f.str("event_type", data_name(event_type));
    let (y, m, day, _) = date(&mut d.rng, 2010, 2025, 3);
    d.f.str("start_date", &fmt_date((y, m, day, 3)));
    if d.rng.chance(0.5) {
        let end = day + d.rng.range(0, 3);
        d.f.str("end_date", &fmt_date((y, m, end, 3)));
    }
    if event_type == E::Meeting && d.rng.chance(0.5) {
        let n = d.rng.range(2, 40) * 10;
        d.f.str("attendance", &format!("more than {n} experts"));
        d.f.num("attendees_at_least", n);
    }
    format!("{} {y} {noun}", d.cap)
}

fn directive(d: &mut Draft) -> String {
    let year = d.rng.range(2010, 2025);
    let cap = &d.cap;
    let name = if d.rng.chance(0.4) {
        d.f.str("directive_type", data_name(DirectiveType::PolicyDirective));
        let topic = d.rng.pick(&[
            "standard-setting",
            "quality control",
            "traceability",
            "green mining",
        ]);
        format!("{cap} directive on {topic}")
    } else {
        d.f.str("directive_type", data_name(DirectiveType::ExportControl));
        format!("{cap} export control on {} items", d.el_name)
    };
    if d.rng.chance(0.3) {
        d.f.num("ordinal", d.rng.range(1, 4));
    }
    let number = format!("Announcement No. {} [{year}]", d.rng.range(1, 80));
    d.f.str("number", &number);
    let (_, m, day, _) = date(&mut d.rng, year, year, 3);
    d.f.str("issued", &fmt_date((year, m, day, 3)));
    if d.rng.chance(0.6) {
        d.f.str("effective", &fmt_date((year + 1, m, day, 3)));
    }
    name
}

/// A standard code of `level`, e.g. `GB/T 12345-2020`, `XB/T 617.2-2014`, `ISO 22444-1:2020`.
fn standard_code(rng: &mut Rng, level: StandardLevel, number: u32, year: u32) -> String {
    match level {
        StandardLevel::National => {
            let prefix = if rng.chance(0.9) { "GB/T" } else { "GB" };
            format!("{prefix} {number}-{year}")
        }
        StandardLevel::Industry => {
            let prefix = if rng.chance(0.7) { "XB/T" } else { "YS/T" };
            if rng.chance(0.3) {
                format!("{prefix} {number}.{}-{year}", rng.range(1, 9))
            } else {
                format!("{prefix} {number}-{year}")
            }
        }
        StandardLevel::International => {
            let prefix = if rng.chance(0.8) { "ISO" } else { "ISO/TS" };
            format!("{prefix} {number}-{}:{year}", rng.range(1, 5))
        }
    }
}

fn standard(d: &mut Draft) -> String {
    use StandardLevel as L;
    use StandardStatus as S;
    let level =
        [L::National, L::Industry, L::International][d.rng.weighted([50, 35, 15].into_iter())];
    let year = d.rng.range(1995, 2025);
    let number = d.rng.range(1000, 39_999);
    let code = standard_code(&mut d.rng, level, number, year);
    let has_code = d.rng.chance(0.9);
    if has_code {
        d.f.str("code", &code);
    }
    d.f.str("level", data_name(level));
    let status = [
        S::Published,
        S::Superseded,
        S::Approved,
        S::FinalReviewCompleted,
        S::Proposed,
    ][d.rng.weighted([50, 10, 15, 10, 15].into_iter())];
    d.f.str("status", data_name(status));
    let form = d
        .rng
        .pick(&["oxide", "metal", "alloy", "concentrate", "fluoride"]);
    let aspect = d.rng.pick(&words::STANDARD_ASPECTS);
    let title = format!("{aspect} of {} {form} for {} grades", d.el_name, d.cap);
    if d.rng.chance(0.7) {
        d.f.str("title", &title);
    }
    if matches!(status, S::Published | S::Superseded) {
        let (_, m, day, _) = date(&mut d.rng, year, year, 3);
        d.f.str("issued", &fmt_date((year, m, day, 3)));
        let effective = if m == 12 {
            (year + 1, 1)
        } else {
            (year, m + 1)
        };
        d.f.str("effective", &fmt_date((effective.0, effective.1, day, 3)));
        if has_code && d.rng.chance(0.25) && level != L::International {
            let old = code.replace(&format!("-{year}"), &format!("-{}", year - 8));
            d.f.str_array("replaces", &[old]);
        }
    }
    if d.rng.chance(0.15) {
        let alias = format!("{}{}", d.el_cjk, cjk_alias(&mut d.rng, "标准"));
        d.aliases.push(alias);
    }
    format!("{} {form} — {aspect} ({})", capitalized(d.el_name), d.cap)
}

fn standard_batch(d: &mut Draft) -> String {
    use StandardStatus as S;
    let count = d.rng.range(5, 40);
    d.f.num("count", count);
    let (status, phrase) = d.rng.pick(&[
        (S::Approved, "approved"),
        (S::FinalReviewCompleted, "that completed final review"),
        (S::Proposed, "proposed"),
        (S::Published, "published"),
    ]);
    d.f.str("status", data_name(status));
    let year = d.rng.range(2015, 2025);
    let decided = format!("{year}-{:02}", d.rng.range(1, 12));
    d.f.str("decided", &decided);
    if status == S::Proposed {
        d.f.num("plan_year", year + 1);
    }
    format!(
        "{count} standards {phrase} at the {} meeting ({year})",
        d.cap
    )
}

fn mineral(d: &mut Draft) -> String {
    use MineralForm as F;
    let form = [
        F::Element,
        F::Oxide,
        F::Metal,
        F::Alloy,
        F::Concentrate,
        F::Ore,
        F::Compound,
    ][d.rng.weighted([5, 30, 20, 15, 10, 10, 10].into_iter())];
    d.f.str("form", data_name(form));
    let symbol = d.el_symbol;
    let (formula, word) = match form {
        F::Oxide => (Some(format!("{symbol}2O3")), "oxide"),
        F::Alloy => (Some(format!("{symbol}Fe")), "alloy"),
        F::Compound => (Some(format!("{symbol}Cl3")), "chloride"),
        F::Metal => (None, "metal"),
        F::Concentrate => (None, "concentrate"),
        F::Ore => (None, "ore"),
        F::Element => (None, "element"),
    };
    if form == F::Element {
        d.f.str("symbol", symbol);
        let z = match d.element {
            15 => 21,
            16 => 39,
            k => 57 + k,
        };
        d.f.num("atomic_number", z);
    }
    d.f.opt_str("formula", formula.as_deref());
    let rare_earth = d.rng.chance(0.7);
    d.f.bool("rare_earth", rare_earth);
    if rare_earth && d.rng.chance(0.3) {
        let group = if d.element <= 6 {
            RareEarthGroup::Light
        } else {
            RareEarthGroup::Heavy
        };
        d.f.raw(&format!(
            "classifications = [{{ scheme = \"{}\", group = \"{}\" }}]",
            data_name(ClassificationScheme::China),
            data_name(group)
        ));
    }
    if d.rng.chance(0.2) {
        let alias = format!("{}{}", d.el_cjk, cjk_alias(&mut d.rng, ""));
        d.aliases.push(alias);
    }
    format!("{} {} {word}", d.cap, d.el_name)
}

fn application(d: &mut Draft) -> String {
    use Sector as S;
    if d.rng.chance(0.85) {
        let sectors = [
            S::Defense,
            S::Aerospace,
            S::Transport,
            S::Energy,
            S::Electronics,
            S::Manufacturing,
            S::Sustainability,
            S::Digital,
        ];
        d.f.str("sector", data_name(d.rng.pick(&sectors)));
    }
    format!("{} {}", d.cap, d.rng.pick(&words::APPLICATION_NOUNS))
}

fn supply_chain_stage(d: &mut Draft) -> String {
    let k = d.rng.below(words::STAGE_WORDS.len());
    d.f.num("position", k + 1);
    format!("{} {}", d.cap, words::STAGE_WORDS[k])
}

fn location(d: &mut Draft) -> String {
    use LocationType as L;
    let cap = &d.cap;
    let (location_type, name) = match d.sub {
        COUNTRY => (L::Country, format!("{cap}ia")),
        PROVINCE => (L::Province, format!("{cap} Province")),
        CITY => (L::City, format!("{cap} City")),
        _ => (L::County, format!("{cap} County")),
    };
    d.f.str("location_type", data_name(location_type));
    if d.sub != COUNTRY {
        d.f.str("division_code", &format!("{:06}", d.rng.below(1_000_000)));
    }
    name
}

fn source(d: &mut Draft) -> String {
    use SourceType as S;
    let source_type = [
        S::NewsArticle,
        S::OfficialPage,
        S::StandardText,
        S::Report,
        S::Reference,
        S::ResearchNotes,
    ][d.rng.weighted([40, 25, 10, 15, 5, 5].into_iter())];
    d.f.str("source_type", data_name(source_type));
    if d.rng.chance(0.8) {
        d.f.str("url", &format!("https://example.org/{}/{}", d.stem, d.i));
    }
    let outlet = d.rng.pick(&words::MEDIA_NAMES);
    d.f.str("publisher", &format!("{} {outlet}", d.cap));
    let published = some_date(&mut d.rng, 2010, 2025);
    d.f.str("published", &published);
    if d.rng.chance(0.05) {
        d.f.str("caveat", "Synthetic: a single outlet's account.");
    }
    format!(
        "{} {outlet}: {} {}",
        d.cap,
        d.el_name,
        d.rng.pick(&words::APPLICATION_NOUNS)
    )
}

#[cfg(test)]
mod tests;
