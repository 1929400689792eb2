//! The integration tests: one binary, built once, with the app built in-process.
//!
//! Modules, bottom of the pyramid first: dataset problems on fixtures, graph algorithms against
//! naive references, GraphQL through `schema.execute`, the domain questions on the real data,
//! HTTP through the router and over a real socket, and the SDL drift check.

mod admission;
mod auth;
mod auth_ws;
mod cache_reads;
mod common;
mod cors;
mod cursors;
mod data_quality;
mod dataset_errors;
mod explore;
mod filter_delta;
mod filter_props;
mod filters;
mod fuzz;
mod graph_props;
mod graphql;
mod http;
mod http_faults;
mod introspection;
mod list_props;
mod playground;
mod propagate;
mod questions;
mod relation_lists;
mod reload;
mod sdl;
mod snapshot;
mod store;
mod store_delta;
mod store_durable;
mod subscriptions;
mod writes_http;
