//! Process metrics, rendered as Prometheus text at `GET /metrics`.
//!
//! Plain atomics: recording is a few relaxed increments per request, with no lock and no
//! allocation on the request path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::graph::KnowledgeGraph;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Executed without errors.
    Ok,
    /// Executed; the response holds GraphQL errors.
    GraphqlError,
    /// Refused before execution (bad request, media type, a document or argument limit).
    Rejected,
    /// Refused because the server was at its concurrency cap.
    Overloaded,
    /// Stopped at the request deadline.
    Timeout,
}

const OUTCOMES: [(Outcome, &str); 5] = [
    (Outcome::Ok, "ok"),
    (Outcome::GraphqlError, "graphql_error"),
    (Outcome::Rejected, "rejected"),
    (Outcome::Overloaded, "overloaded"),
    (Outcome::Timeout, "timeout"),
];

/// The limits a rejection can name.
pub const LIMITS: [&str; 16] = [
    "body_bytes",
    "body_read",
    "document_bytes",
    "tokens",
    "nesting",
    "expanded_fields",
    "depth",
    "aliases",
    "directives",
    "traversals",
    "cost",
    "validation",
    "argument_or_budget",
    "concurrency",
    "deadline",
    "media_type",
];

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    outcomes: [AtomicU64; OUTCOMES.len()],
    rejections: [AtomicU64; LIMITS.len()],
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros_sum: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_reload_ok: AtomicU64,
    last_reload_problems: AtomicU64,
    last_reload_unix: AtomicU64,
    last_reload_version: AtomicU64,
}

/// The outcome of the last data reload, as `/readyz` and `/metrics` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastReload {
    /// Whether the new data was swapped in.
    pub ok: bool,
    /// When the reload ended, in seconds since the Unix epoch.
    pub unix_seconds: u64,
    /// The fingerprint of the data served after it (`stats.dataVersion`): the new data's on
    /// success, the still-served previous data's on failure.
    pub data_version: u64,
    /// Problems found (0 on success).
    pub problems: usize,
}

impl Metrics {
    /// Records one finished GraphQL request.
    pub fn record(&self, outcome: Outcome, elapsed: Duration) {
        if let Some(i) = OUTCOMES.iter().position(|(o, _)| *o == outcome) {
            self.outcomes[i].fetch_add(1, Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.buckets[i].fetch_add(1, Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Relaxed);
        self.latency_micros_sum.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Relaxed,
        );
    }

    /// Records a rejection by the named limit (one of [`LIMITS`]).
    pub fn reject(&self, limit: &str) {
        if let Some(i) = LIMITS.iter().position(|l| *l == limit) {
            self.rejections[i].fetch_add(1, Relaxed);
        }
    }

    /// Records the result of a data reload: whether it was swapped in, the fingerprint of the
    /// data served after it, and the problems found. Reloads run one at a time (the reloader
    /// serializes them), so the fields of one record are not interleaved with another's; the
    /// counter is bumped last so a reader that sees it also sees the fields.
    pub fn record_reload(&self, ok: bool, data_version: u64, problems: usize) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.last_reload_ok.store(u64::from(ok), Relaxed);
        self.last_reload_problems
            .store(u64::try_from(problems).unwrap_or(u64::MAX), Relaxed);
        self.last_reload_unix.store(now, Relaxed);
        self.last_reload_version.store(data_version, Relaxed);
        if ok {
            self.reloads_ok
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        } else {
            self.reloads_failed
                .fetch_add(1, std::sync::atomic::Ordering::Release);
        }
    }

    /// The outcome of the last reload; `None` before the first.
    pub fn last_reload(&self) -> Option<LastReload> {
        let acquire = std::sync::atomic::Ordering::Acquire;
        if self.reloads_ok.load(acquire) + self.reloads_failed.load(acquire) == 0 {
            return None;
        }
        Some(LastReload {
            ok: self.last_reload_ok.load(Relaxed) == 1,
            unix_seconds: self.last_reload_unix.load(Relaxed),
            data_version: self.last_reload_version.load(Relaxed),
            problems: usize::try_from(self.last_reload_problems.load(Relaxed))
                .unwrap_or(usize::MAX),
        })
    }

    /// Renders every metric in the Prometheus text format (`traversal_visits` from the schema).
    pub fn render(&self, graph: &KnowledgeGraph, traversal_visits: u64) -> String {
        let mut out = String::with_capacity(4096);
        let _ = self.write(&mut out, graph, traversal_visits);
        out
    }

    fn write(
        &self,
        out: &mut String,
        graph: &KnowledgeGraph,
        traversal_visits: u64,
    ) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP reegraph_requests_total GraphQL requests by outcome."
        )?;
        writeln!(out, "# TYPE reegraph_requests_total counter")?;
        for (i, (_, name)) in OUTCOMES.iter().enumerate() {
            writeln!(
                out,
                "reegraph_requests_total{{outcome=\"{name}\"}} {}",
                self.outcomes[i].load(Relaxed)
            )?;
        }
        writeln!(
            out,
            "# HELP reegraph_rejections_total Requests refused, by the limit they hit."
        )?;
        writeln!(out, "# TYPE reegraph_rejections_total counter")?;
        for (i, name) in LIMITS.iter().enumerate() {
            writeln!(
                out,
                "reegraph_rejections_total{{limit=\"{name}\"}} {}",
                self.rejections[i].load(Relaxed)
            )?;
        }
        writeln!(
            out,
            "# HELP reegraph_request_duration_seconds GraphQL request latency."
        )?;
        writeln!(out, "# TYPE reegraph_request_duration_seconds histogram")?;
        for (i, bound) in BUCKETS.iter().enumerate() {
            writeln!(
                out,
                "reegraph_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                self.buckets[i].load(Relaxed)
            )?;
        }
        let count = self.latency_count.load(Relaxed);
        writeln!(
            out,
            "reegraph_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        )?;
        writeln!(
            out,
            "reegraph_request_duration_seconds_sum {}",
            self.latency_micros_sum.load(Relaxed) as f64 / 1e6
        )?;
        writeln!(out, "reegraph_request_duration_seconds_count {count}")?;
        writeln!(
            out,
            "# HELP reegraph_traversal_visits_total Entities visited by traversals (work done)."
        )?;
        writeln!(out, "# TYPE reegraph_traversal_visits_total counter")?;
        writeln!(out, "reegraph_traversal_visits_total {traversal_visits}")?;
        let stats = graph.stats();
        writeln!(
            out,
            "# HELP reegraph_graph_entities Entities in the served snapshot."
        )?;
        writeln!(out, "# TYPE reegraph_graph_entities gauge")?;
        writeln!(out, "reegraph_graph_entities {}", stats.entities)?;
        writeln!(
            out,
            "# HELP reegraph_graph_relations Relations in the served snapshot."
        )?;
        writeln!(out, "# TYPE reegraph_graph_relations gauge")?;
        writeln!(out, "reegraph_graph_relations {}", stats.relations)?;
        writeln!(
            out,
            "# HELP reegraph_data_version_info Fingerprint of the served data files."
        )?;
        writeln!(out, "# TYPE reegraph_data_version_info gauge")?;
        writeln!(
            out,
            "reegraph_data_version_info{{version=\"{:016x}\"}} 1",
            graph.fingerprint()
        )?;
        writeln!(out, "# HELP reegraph_reloads_total Data reloads by result.")?;
        writeln!(out, "# TYPE reegraph_reloads_total counter")?;
        writeln!(
            out,
            "reegraph_reloads_total{{result=\"ok\"}} {}",
            self.reloads_ok.load(Relaxed)
        )?;
        writeln!(
            out,
            "reegraph_reloads_total{{result=\"failed\"}} {}",
            self.reloads_failed.load(Relaxed)
        )?;
        let last = self.last_reload();
        writeln!(
            out,
            "# HELP reegraph_last_reload_ok 1 if the last reload succeeded (or none happened), 0 if it failed."
        )?;
        writeln!(out, "# TYPE reegraph_last_reload_ok gauge")?;
        writeln!(
            out,
            "reegraph_last_reload_ok {}",
            u8::from(last.is_none_or(|l| l.ok))
        )?;
        writeln!(
            out,
            "# HELP reegraph_last_reload_timestamp_seconds When the last reload ended (Unix seconds; 0 before the first)."
        )?;
        writeln!(out, "# TYPE reegraph_last_reload_timestamp_seconds gauge")?;
        writeln!(
            out,
            "reegraph_last_reload_timestamp_seconds {}",
            last.map_or(0, |l| l.unix_seconds)
        )?;
        writeln!(
            out,
            "# HELP reegraph_last_reload_problems Problems found by the last reload (0 if it succeeded)."
        )?;
        writeln!(out, "# TYPE reegraph_last_reload_problems gauge")?;
        writeln!(
            out,
            "reegraph_last_reload_problems {}",
            last.map_or(0, |l| l.problems)
        )?;
        if let Some(l) = last {
            writeln!(
                out,
                "# HELP reegraph_last_reload_info The last reload: its result and the data version served after it."
            )?;
            writeln!(out, "# TYPE reegraph_last_reload_info gauge")?;
            writeln!(
                out,
                "reegraph_last_reload_info{{result=\"{}\",version=\"{:016x}\"}} 1",
                if l.ok { "ok" } else { "failed" },
                l.data_version
            )?;
        }
        Ok(())
    }
}
