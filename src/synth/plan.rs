//! The topology of a generated dataset: every entity's kind and level, and every relation,
//! drawn by preferential attachment from per-kind templates that pair only kinds a relation
//! type allows, and the bridges that join the fixed core to it.
//!
//! Architecture invariant: decides the graph's shape and its entities' ids and stems; writes no
//! TOML.

use super::local_shape::{BRIDGES, CORE};
use super::rng::Rng;
use super::toml_out::push_num;
use super::words::stem;
use super::{
    CITY, COUNTRY, COUNTY, EXTRA_WEIGHTS, HUB_BOOST, PREFERENTIAL, PROVINCE, SHARES, STREAM_STEM,
    SynthConfig,
};
use crate::model::{EntityKind, RelationType};

/// A generated relation, by entity index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Edge {
    pub(super) from: u32,
    pub(super) to: u32,
    pub(super) t: RelationType,
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
        out(Supersedes, Standard, 2),
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
pub(super) struct Plan {
    pub(super) seed: u64,
    pub(super) kinds: Vec<EntityKind>,
    /// Location level (COUNTRY...COUNTY), or 1 for a hub organization, else 0.
    pub(super) subs: Vec<u8>,
    /// Generated relations (bridges included), in creation order.
    pub(super) edges: Vec<Edge>,
    /// How many of `edges` (at the end) are bridges to the core, written in `core.toml`.
    pub(super) bridges: usize,
}

impl Plan {
    pub(super) fn new(config: &SynthConfig) -> Self {
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

    pub(super) fn generated(&self) -> usize {
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
                draw_links(rng, &pools, kind, e32, &mut mine);
            }
            self.enter(&mut pools, &mine, e);
        }
    }

    /// Records entity `e` and its new links `mine`: the links as edges, and the entity and
    /// its partners in the pools (a hub with extra weight).
    fn enter(&mut self, pools: &mut [Pool], mine: &[Edge], e: usize) {
        let kind = self.kinds[e];
        let sub = self.subs[e];
        let e32 = e as u32;
        for edge in mine {
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
        self.edges.extend_from_slice(mine);
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
    pub(super) fn push_id(&self, out: &mut String, i: usize) {
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

    pub(super) fn stem(&self, i: usize) -> String {
        let mut s = String::with_capacity(12);
        self.push_stem(&mut s, i);
        s
    }
}

/// The links a new entity `e32` of `kind` (not a location) makes to earlier ones: its forced
/// link, if its kind has one, then 0 to 5 more from its templates, each tried up to three times.
fn draw_links(rng: &mut Rng, pools: &[Pool], kind: EntityKind, e32: u32, mine: &mut Vec<Edge>) {
    let list = templates(kind);
    let mut extra = rng.weighted(EXTRA_WEIGHTS.iter().copied());
    if forced(kind).is_none() {
        // Kinds without a forced link start at least one, so few entities are isolated.
        extra = extra.max(1);
    }
    let firsts = forced(kind).into_iter().map(Some);
    for template in firsts.chain(std::iter::repeat_n(None, extra)) {
        for _attempt in 0..3 {
            let tpl = template.unwrap_or_else(|| list[rng.weighted(list.iter().map(|t| t.weight))]);
            let Some(edge) = link(rng, pools, tpl, e32) else {
                continue;
            };
            // One end is `e32`: equal ends would be a self-loop.
            if edge.from != edge.to && !mine.contains(&edge) {
                mine.push(edge);
                break;
            }
        }
    }
}

/// A link of `e32` by template `tpl` to a partner chosen from the pools (a place falls back to
/// any country); `None` when there is no partner yet.
fn link(rng: &mut Rng, pools: &[Pool], tpl: Template, e32: u32) -> Option<Edge> {
    let pool = match tpl.other {
        Other::Kind(k) => pool_of(k, 0),
        Other::Place => {
            let level = [CITY, PROVINCE, COUNTRY][rng.weighted([55, 25, 20].into_iter())];
            pool_of(EntityKind::Location, level)
        }
    };
    let p = choose(rng, &pools[pool]).or_else(|| {
        matches!(tpl.other, Other::Place)
            .then(|| choose(rng, &pools[pool_of(EntityKind::Location, 0)]))
            .flatten()
    })?;
    Some(if tpl.new_is_from {
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
    })
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
