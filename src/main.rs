//! The `reegraph` binary: parse the command line, set up logging, hand over to the library.

use clap::Parser;

fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = reegraph::cli::Cli::parse();
    reegraph::cli::init_tracing(&cli);
    reegraph::cli::run(cli)
}
