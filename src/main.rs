//! The `reegraph` binary: parse the command line, set up logging, hand over to the library.

use clap::Parser;

/// mimalloc rather than glibc's malloc: loading a large dataset and serving both allocate many
/// small, short-lived values from several threads, where glibc's per-thread arenas fragment
/// (the switch's figures: docs/performance.md, Allocator). Its v2 line, not the crate's
/// default v3: unique queries over HTTP spent ~10% of their CPU in v3's allocation path, about
/// 10% more in all than under v2 (6 interleaved runs each), at the same peak memory when
/// loading.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = reegraph::cli::Cli::parse();
    reegraph::cli::init_tracing(&cli);
    reegraph::cli::run(cli)
}
