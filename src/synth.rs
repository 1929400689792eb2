//! A deterministic synthetic dataset generator, for benchmarks and scale tests.
//! (Being written; see `generate`.)

use crate::dataset::DataFile;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthConfig {
    /// How many entities.
    pub entities: usize,
    /// Seed of the pseudo-random generator: the same seed gives the same files.
    pub seed: u64,
}

/// Generates a valid dataset (the same format and validation as `data/`), as data files plus
/// the source texts they quote from (file names relative to the output directory).
pub fn generate(config: &SynthConfig) -> Vec<DataFile> {
    let _ = config;
    Vec::new()
}
