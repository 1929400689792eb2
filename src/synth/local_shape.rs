//! The fixed "local shape": a small, hand-made neighborhood around
//! `application:synth-magnets-0` that is the same at every size and seed, so that benchmarks can
//! ask the same local questions of a 10K and of a 1M graph.
//!
//! Generated entities never pick a core entity as a partner. The only links between the core and
//! the generated graph are the [`BRIDGES`], which all leave core entities at least 3 hops from
//! the magnets entity: a depth-2 neighborhood of it, and `related` from it with `maxHops` 3, see
//! only core entities.

mod relations;

pub(crate) use relations::{BRIDGES, CORE_RELATIONS};

use crate::model::EntityKind;

/// A core entity: everything but its citation, as TOML.
pub(crate) struct CoreEntity {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) aliases: &'static [&'static str],
    pub(crate) description: &'static str,
    /// Kind-specific fields, as TOML lines.
    pub(crate) fields: &'static [&'static str],
}

impl CoreEntity {
    pub(crate) fn kind(&self) -> EntityKind {
        let prefix = self.id.split_once(':').map_or("", |(p, _)| p);
        EntityKind::from_prefix(prefix).unwrap_or(EntityKind::Source)
    }
}

/// The id that benchmarks start their local questions from.
pub const MAGNETS: &str = "application:synth-magnets-0";
/// A standard 2 hops from [`MAGNETS`] (through dysprosium): the fixed target of `paths`.
pub const DY_METAL_STANDARD: &str = "standard:synth-dy-metal-std-0";
/// The code of the core magnet standard, for code searches.
pub const MAGNET_STANDARD_CODE: &str = "GB/T 90001-2021";

const fn e(
    id: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    description: &'static str,
    fields: &'static [&'static str],
) -> CoreEntity {
    CoreEntity {
        id,
        name,
        aliases,
        description,
        fields,
    }
}

/// Number of corpus sources: every citation in the generated data cites one of them.
pub(crate) const CORPUS_SOURCES: usize = 8;

/// The core entities. The corpus sources come first, so their indices are `0..CORPUS_SOURCES`.
pub(crate) const CORE: [CoreEntity; 43] = [
    e(
        "source:synth-corpus-0",
        "Synthetic corpus: committee minutes",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"OFFICIAL_PAGE\"",
            "publisher = \"Synthetic Standards Committee\"",
            "published = \"2025-11\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-1",
        "Synthetic corpus: trade press",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"NEWS_ARTICLE\"",
            "url = \"https://example.org/synth/trade-press\"",
            "publisher = \"Synthetic Metals Daily\"",
            "published = \"2025-11-14\"",
            "caveat = \"Synthetic text: not a real article.\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-2",
        "Synthetic corpus: standard catalogue",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"STANDARD_TEXT\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-3",
        "Synthetic corpus: industry report",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"REPORT\"",
            "published = \"2024\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-4",
        "Synthetic corpus: reference glossary",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"REFERENCE\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-5",
        "Synthetic corpus: research notes",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"RESEARCH_NOTES\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-6",
        "Synthetic corpus: ministry announcement",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"OFFICIAL_PAGE\"",
            "url = \"https://example.org/synth/announcement\"",
            "published = \"2025-10-09\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        "source:synth-corpus-7",
        "Synthetic corpus: conference digest",
        &[],
        "A synthetic source; its text is the shared corpus.",
        &[
            "source_type = \"NEWS_ARTICLE\"",
            "published = \"2025-11-20\"",
            "text = \"sources/synth-corpus.txt\"",
        ],
    ),
    e(
        MAGNETS,
        "Sintered NdFeB permanent magnets",
        &["NdFeB magnets", "钕铁硼永磁体"],
        "The fixed centre of the local shape.",
        &["sector = \"TRANSPORT\""],
    ),
    e(
        "application:synth-ev-motors-0",
        "Electric-vehicle traction motors",
        &["EV motors"],
        "",
        &["sector = \"TRANSPORT\""],
    ),
    e(
        "application:synth-wind-turbines-0",
        "Direct-drive wind turbine generators",
        &[],
        "",
        &["sector = \"ENERGY\""],
    ),
    e(
        "mineral:synth-neodymium-0",
        "Neodymium (synthetic)",
        &["Nd"],
        "",
        &[
            "form = \"ELEMENT\"",
            "symbol = \"Nd\"",
            "atomic_number = 60",
            "rare_earth = true",
            "classifications = [{ scheme = \"USGS\", group = \"LIGHT\" }, { scheme = \"CHINA\", group = \"LIGHT\" }]",
        ],
    ),
    e(
        "mineral:synth-praseodymium-0",
        "Praseodymium (synthetic)",
        &["Pr"],
        "",
        &[
            "form = \"ELEMENT\"",
            "symbol = \"Pr\"",
            "atomic_number = 59",
            "rare_earth = true",
        ],
    ),
    e(
        "mineral:synth-dysprosium-0",
        "Dysprosium (synthetic)",
        &["Dy", "镝"],
        "",
        &[
            "form = \"ELEMENT\"",
            "symbol = \"Dy\"",
            "atomic_number = 66",
            "rare_earth = true",
            "classifications = [{ scheme = \"USGS\", group = \"HEAVY\" }]",
        ],
    ),
    e(
        "mineral:synth-terbium-0",
        "Terbium (synthetic)",
        &["Tb"],
        "",
        &[
            "form = \"ELEMENT\"",
            "symbol = \"Tb\"",
            "atomic_number = 65",
            "rare_earth = true",
        ],
    ),
    e(
        "mineral:synth-ndfeb-alloy-0",
        "NdFeB magnet alloy",
        &[],
        "",
        &[
            "form = \"ALLOY\"",
            "formula = \"Nd2Fe14B\"",
            "rare_earth = false",
        ],
    ),
    e(
        "mineral:synth-prnd-oxide-0",
        "Praseodymium-neodymium oxide",
        &["PrNd oxide"],
        "",
        &["form = \"OXIDE\"", "formula = \"(Pr,Nd)2O3\""],
    ),
    e(
        "mineral:synth-bastnaesite-0",
        "Bastnäsite ore (synthetic)",
        &[],
        "",
        &["form = \"ORE\""],
    ),
    e(
        "stage:synth-mining-0",
        "Mining (synthetic)",
        &[],
        "",
        &["position = 1"],
    ),
    e(
        "stage:synth-separation-0",
        "Separation (synthetic)",
        &[],
        "",
        &["position = 2"],
    ),
    e(
        "stage:synth-metal-making-0",
        "Metal making (synthetic)",
        &[],
        "",
        &["position = 3"],
    ),
    e(
        "stage:synth-magnet-making-0",
        "Magnet making (synthetic)",
        &[],
        "",
        &["position = 4"],
    ),
    e(
        "standard:synth-magnet-std-0",
        "Sintered neodymium-iron-boron permanent magnets",
        &[],
        "",
        &[
            "code = \"GB/T 90001-2021\"",
            "level = \"NATIONAL\"",
            "status = \"PUBLISHED\"",
            "issued = \"2021-03-09\"",
            "effective = \"2021-10-01\"",
            "replaces = [\"GB/T 90001-2010\"]",
        ],
    ),
    e(
        "standard:synth-magnet-test-std-0",
        "Test method for magnetic properties of NdFeB magnets",
        &[],
        "",
        &[
            "code = \"ISO 90002-1:2022\"",
            "level = \"INTERNATIONAL\"",
            "status = \"PUBLISHED\"",
        ],
    ),
    e(
        "standard:synth-prnd-oxide-std-0",
        "Praseodymium-neodymium oxide",
        &[],
        "",
        &[
            "code = \"XB/T 90003.1-2020\"",
            "level = \"INDUSTRY\"",
            "status = \"PUBLISHED\"",
        ],
    ),
    e(
        DY_METAL_STANDARD,
        "Dysprosium metal",
        &[],
        "",
        &[
            "code = \"GB/T 90004-2019\"",
            "level = \"NATIONAL\"",
            "status = \"SUPERSEDED\"",
        ],
    ),
    e(
        "standard:synth-ndfeb-alloy-std-0",
        "NdFeB alloy strip",
        &[],
        "",
        &[
            "code = \"YS/T 90005-2023\"",
            "level = \"INDUSTRY\"",
            "status = \"APPROVED\"",
        ],
    ),
    e(
        "standard:synth-magnet-recycling-std-0",
        "Recycling of NdFeB magnet scrap (number not known)",
        &[],
        "",
        &["level = \"INDUSTRY\"", "status = \"PROPOSED\""],
    ),
    e(
        "standard-batch:synth-batch-0",
        "12 standards approved at the synthetic annual meeting",
        &[],
        "",
        &[
            "count = 12",
            "status = \"APPROVED\"",
            "decided = \"2025-11\"",
        ],
    ),
    e(
        "organization:synth-tc-0",
        "Synthetic Technical Committee on Rare Earths",
        &["SAC/TC 900", "稀土标准委员会"],
        "",
        &[
            "org_type = \"STANDARDS_COMMITTEE\"",
            "code = \"SAC/TC 900\"",
        ],
    ),
    e(
        "organization:synth-iso-tc-0",
        "Synthetic ISO committee on rare earths",
        &["ISO/TC 900"],
        "",
        &[
            "org_type = \"STANDARDS_COMMITTEE\"",
            "code = \"ISO/TC 900\"",
        ],
    ),
    e(
        "organization:synth-institute-0",
        "Synthetic Rare Earth Standards Institute",
        &[],
        "",
        &["org_type = \"RESEARCH_INSTITUTE\""],
    ),
    e(
        "organization:synth-magnet-maker-0",
        "Synthetic Magnetics Co., Ltd.",
        &[],
        "",
        &[
            "org_type = \"COMPANY\"",
            "url = \"https://example.org/synth/magnetics\"",
        ],
    ),
    e(
        "organization:synth-ministry-0",
        "Synthetic Ministry of Commerce",
        &[],
        "",
        &["org_type = \"GOVERNMENT_AGENCY\""],
    ),
    e(
        "organization:synth-publisher-0",
        "Synthetic Metals Daily",
        &[],
        "",
        &["org_type = \"MEDIA\""],
    ),
    e(
        "official:synth-chair-0",
        "Synth Chair",
        &[],
        "",
        &["title = \"Chair\""],
    ),
    e(
        "official:synth-minister-0",
        "Synth Minister",
        &[],
        "",
        &["title = \"Minister\""],
    ),
    e(
        "event:synth-annual-meeting-0",
        "Synthetic committee annual meeting 2025",
        &[],
        "",
        &[
            "event_type = \"MEETING\"",
            "start_date = \"2025-11-12\"",
            "end_date = \"2025-11-13\"",
            "attendance = \"more than 150 experts\"",
            "attendees_at_least = 150",
        ],
    ),
    e(
        "event:synth-plenary-0",
        "Synthetic ISO plenary 2025",
        &[],
        "",
        &["event_type = \"PLENARY\"", "start_date = \"2025-06\""],
    ),
    e(
        "directive:synth-export-control-0",
        "Synthetic export control on magnet technology",
        &[],
        "",
        &[
            "directive_type = \"EXPORT_CONTROL\"",
            "number = \"Synthetic Announcement No. 1 [2025]\"",
            "issued = \"2025-10-09\"",
            "effective = \"2025-12-01\"",
        ],
    ),
    e(
        "location:synth-country-0",
        "Synthland",
        &[],
        "",
        &["location_type = \"COUNTRY\""],
    ),
    e(
        "location:synth-province-0",
        "Synth Province",
        &[],
        "",
        &["location_type = \"PROVINCE\"", "division_code = \"900000\""],
    ),
    e(
        "location:synth-city-0",
        "Synth City",
        &[],
        "",
        &["location_type = \"CITY\"", "division_code = \"900100\""],
    ),
];
