//! Writes one generated entity: its kind's fields (enum values spelled with the model's own
//! serde names), its name, aliases, description and citations, one writer per kind.
//!
//! Architecture invariant: draws only from the entity's own generator, in a fixed order: the
//! same seed writes the same bytes.

use serde::Serialize;

use super::plan::Plan;
use super::render::push_citations;
use super::rng::Rng;
use super::toml_out::Toml;
use super::words::{self, capitalized};
use super::{CITY, COUNTRY, PROVINCE, STREAM_ENTITY};
use crate::model::{
    ClassificationScheme, DirectiveType, EntityKind, EventType, LocationType, MineralForm,
    OrganizationType, RareEarthGroup, Sector, SourceType, StandardLevel, StandardStatus,
    variant_name,
};

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
pub(super) fn data_name(value: impl Serialize) -> &'static str {
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

pub(super) fn write_entity(plan: &Plan, out: &mut String, i: usize) {
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
        // Not drawn by `standard` (the generated mix keeps its three levels, so its output is
        // unchanged); an association standard's code, should a caller ask.
        StandardLevel::Association | StandardLevel::NotStated => {
            format!("T/CNIA {number}-{year}")
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
            // An edition older than any generated standard (years start at 1995): were it one
            // of them, the loader would require its SUPERSEDES relation.
            let old = code.replace(&format!("-{year}"), &format!("-{}", year - 40));
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
