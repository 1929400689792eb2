//! reegraph: a GraphQL knowledge-graph server over the rare-earth supply chain and the standards
//! that govern it.
//!
//! Module map (dependencies flow one way, top to bottom):
//! - [`auth`]: the verified caller ([`auth::Principal`]) and its roles.
//! - [`model`]: entity kinds, relation types, citations, ids, dates. No petgraph, no GraphQL.
//! - [`dataset`]: data files -> validated model, every problem with `file:line:column`.
//! - [`graph`]: [`graph::KnowledgeGraph`], petgraph plus indexes; pure, bounded queries.
//! - [`graphql`]: async-graphql types over graph records; one graph call per resolver; the
//!   admission pipeline (document limits, cost) every request goes through.
//! - [`http`]: axum router, GraphQL-over-HTTP, GraphiQL, health, body and concurrency limits,
//!   CORS. No domain logic.
//! - [`synth`]: a deterministic synthetic dataset generator (benchmarks, scale tests).
//! - [`cli`]: the command line (clap); `main.rs` only parses it and calls [`cli::run`].

pub mod auth;
pub mod cli;
pub mod dataset;
pub mod graph;
pub mod graphql;
pub mod http;

pub mod model;
pub mod store;
pub mod synth;
