//! Word lists for names, and the text of the synthetic source that every quote comes from.

use super::rng::Rng;

/// Syllables of made-up proper names ("Koralin", "Venshuta"): 48^2 + 48^3 distinct stems, so
/// names are varied enough for search to behave as on real data (many distinct terms, a few
/// shared ones such as "oxide").
const SYLLABLES: [&str; 48] = [
    "ka", "lo", "ri", "ven", "dor", "mi", "sa", "tel", "nor", "ba", "zu", "qu", "lin", "han",
    "shu", "yang", "xi", "feng", "ta", "ro", "el", "an", "mar", "cor", "del", "fi", "gra", "hel",
    "jo", "kel", "lu", "mo", "ne", "pa", "ras", "si", "tor", "ul", "va", "wen", "yo", "zan", "bri",
    "cha", "dun", "ek", "gor", "ith",
];

/// A lowercase made-up word (2 or 3 syllables) drawn from `rng`.
pub(crate) fn stem(rng: &mut Rng, out: &mut String) {
    let n = if rng.below(4) == 0 { 3 } else { 2 };
    for _ in 0..n {
        out.push_str(rng.pick(&SYLLABLES));
    }
}

/// `word` with its first letter in upper case.
pub(crate) fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The 17 rare-earth elements: name, symbol, Chinese name.
pub(crate) const ELEMENTS: [(&str, &str, &str); 17] = [
    ("lanthanum", "La", "镧"),
    ("cerium", "Ce", "铈"),
    ("praseodymium", "Pr", "镨"),
    ("neodymium", "Nd", "钕"),
    ("promethium", "Pm", "钷"),
    ("samarium", "Sm", "钐"),
    ("europium", "Eu", "铕"),
    ("gadolinium", "Gd", "钆"),
    ("terbium", "Tb", "铽"),
    ("dysprosium", "Dy", "镝"),
    ("holmium", "Ho", "钬"),
    ("erbium", "Er", "铒"),
    ("thulium", "Tm", "铥"),
    ("ytterbium", "Yb", "镱"),
    ("lutetium", "Lu", "镥"),
    ("scandium", "Sc", "钪"),
    ("yttrium", "Y", "钇"),
];

pub(crate) const APPLICATION_NOUNS: [&str; 16] = [
    "permanent magnets",
    "polishing powder",
    "phosphors",
    "fluid cracking catalysts",
    "battery alloys",
    "laser crystals",
    "servo motors",
    "radar systems",
    "sputtering targets",
    "hydrogen storage alloys",
    "contrast agents",
    "fibre amplifiers",
    "traction motors",
    "wind turbine generators",
    "guidance actuators",
    "traceability systems",
];

pub(crate) const STANDARD_ASPECTS: [&str; 10] = [
    "Determination of total rare-earth content",
    "Chemical analysis methods",
    "Technical specification",
    "Product carbon footprint category rules",
    "Sampling and sample preparation",
    "Traceability coding rules",
    "Determination of impurity elements",
    "Test method for magnetic properties",
    "Packaging, marking and transport",
    "Green factory evaluation requirements",
];

pub(crate) const STAGE_WORDS: [&str; 8] = [
    "mining",
    "beneficiation",
    "cracking",
    "solvent extraction separation",
    "metal reduction",
    "alloy casting",
    "magnet sintering",
    "recycling",
];

pub(crate) const COMPANY_SUFFIXES: [&str; 5] = [
    "Rare Earth Group Co., Ltd.",
    "New Materials Co., Ltd.",
    "Magnetics Inc.",
    "Rare Metals Corporation",
    "Smelting and Separation Co.",
];

pub(crate) const INSTITUTE_TOPICS: [&str; 5] = [
    "Rare Earth Metallurgy",
    "Magnetic Materials",
    "Nonferrous Metals Research",
    "Standardization",
    "Applied Rare Earth Chemistry",
];

pub(crate) const AGENCY_NAMES: [&str; 5] = [
    "Ministry of Industry",
    "Bureau of Natural Resources",
    "Customs Administration",
    "Standardization Administration",
    "Ministry of Commerce",
];

pub(crate) const MEDIA_NAMES: [&str; 4] = [
    "Metals Daily",
    "Mining Review",
    "Rare Earth Weekly",
    "Industry Observer",
];

pub(crate) const FAMILY_NAMES: [&str; 16] = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Müller",
    "García", "O'Neil", "Sánchez", "Nakamura", "Okafor",
];

pub(crate) const TITLES: [&str; 6] = [
    "Director",
    "Deputy Director",
    "Chair",
    "Secretary-General",
    "Chief Engineer",
    "Vice Minister",
];

pub(crate) const ROLES: [&str; 6] = [
    "director",
    "deputy director",
    "chair",
    "secretary-general",
    "member",
    "division director",
];

/// Characters for Chinese aliases.
pub(crate) const CJK: [char; 24] = [
    '稀', '土', '永', '磁', '材', '料', '标', '准', '委', '员', '会', '研', '究', '院', '集', '团',
    '氧', '化', '物', '合', '金', '矿', '冶', '炼',
];

/// Where the synthetic corpus is written, relative to the output directory.
pub const CORPUS_PATH: &str = "sources/synth-corpus.txt";

/// The lines of the synthetic corpus. Every quote is one of these lines (all short); some hold
/// characters that need escaping in TOML (`"`, `\`) or are not ASCII.
pub(crate) const CORPUS: [&str; 40] = [
    "The committee reviewed draft standards for rare-earth oxides.",
    "Delegates approved the plan for magnet material standards.",
    "Export controls apply to medium and heavy rare-earth items.",
    "Sintered NdFeB magnets drive electric vehicle traction motors.",
    "Dysprosium and terbium raise the coercivity of magnets.",
    "The meeting was attended by more than 150 experts.",
    "Separation plants convert concentrate into high-purity oxides.",
    "The standard specifies chemical analysis methods.",
    "The institute holds the secretariat of the committee.",
    "Licences are required for exports of the listed items.",
    "The report calls these figures \"indicative only\".",
    "稀土永磁材料 标准 审查会议",
    "Praseodymium-neodymium oxide is the main magnet feedstock.",
    "The batch covers national and industry standards.",
    "Mining output is concentrated in a few provinces.",
    "A new edition replaces the earlier standard.",
    "The company announced an investment in magnet capacity.",
    "Traceability rules cover the whole supply chain.",
    "The directive targets smelting and separation technology.",
    "Recycled magnet scrap is a growing source of neodymium.",
    "The plenary approved a new work item on product standards.",
    "Carbon-footprint rules were reviewed for magnet materials.",
    "The ministry issued the announcement with customs.",
    "Yttrium and scandium are counted among the rare earths.",
    "Ore is cracked and leached before solvent extraction.",
    "Alloy strip is cast before hydrogen decrepitation.",
    "Officials stressed compliance and quality control.",
    "The mirror committee follows the international work.",
    "Wind turbines use direct-drive permanent magnet generators.",
    "Polishing powder is made from cerium oxide.",
    "The figures in the table are given as C:\\data\\re-2025.",
    "Phosphors use europium, terbium and yttrium.",
    "Fluid cracking catalysts consume lanthanum.",
    "The committee plans thirty standards for next year.",
    "Sputtering targets are made of high-purity metals.",
    "The article does not name the members of the batch.",
    "Quotas set the annual output of each group.",
    "The standard was approved on the second day.",
    "Heavy rare earths come mainly from ionic clays.",
    "Delegates completed final reviews of new standards.",
];

/// The text of the corpus file: a header line, then the corpus lines.
pub(crate) fn corpus_text() -> String {
    let mut text = String::from(
        "Synthetic corpus written by `reegraph generate`: every quote in the generated data is one of these lines.\n",
    );
    for line in CORPUS {
        text.push_str(line);
        text.push('\n');
    }
    text
}
