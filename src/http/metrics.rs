//! Process metrics, rendered as Prometheus text at `GET /metrics`.
//!
//! Plain atomics: recording is a few relaxed increments per request, with no lock and no
//! allocation on the request path.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use crate::graph::KnowledgeGraph;
use crate::graphql::admission;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Executed without errors.
    Ok,
    /// A mutation executed without errors: a write, never answered from the response cache.
    Written,
    /// Executed; the response holds GraphQL errors.
    GraphqlError,
    /// Refused before execution (bad request, media type, a document or argument limit).
    Rejected,
    /// Refused because the server was at its concurrency cap.
    Overloaded,
    /// Stopped at the request deadline.
    Timeout,
}

const OUTCOMES: [(Outcome, &str); 6] = [
    (Outcome::Ok, "ok"),
    (Outcome::Written, "written"),
    (Outcome::GraphqlError, "graphql_error"),
    (Outcome::Rejected, "rejected"),
    (Outcome::Overloaded, "overloaded"),
    (Outcome::Timeout, "timeout"),
];

/// What the response cache made of a cacheable request (a query with the cache on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Answered from a kept response that still holds (see `cache::Cached::holds_on`).
    Hit,
    /// A kept response was found, but a write since touched what it was made from.
    Stale,
    /// No response was kept.
    Miss,
}

const CACHE_OUTCOMES: [(CacheOutcome, &str); 3] = [
    (CacheOutcome::Hit, "hit"),
    (CacheOutcome::Stale, "stale"),
    (CacheOutcome::Miss, "miss"),
];

/// A limit a rejection counts against in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// The request body's size.
    BodyBytes,
    /// The time to send the request body.
    BodyRead,
    /// A limit of admission (document limits, traversals, cost).
    Admission(admission::Limit),
    /// async-graphql's validation.
    Validation,
    /// An argument maximum or a traversal's work budget, found during execution.
    ArgumentOrBudget,
    /// The concurrent-request cap.
    Concurrency,
    /// The request deadline.
    Deadline,
    /// A media type not accepted or not offered.
    MediaType,
}

/// Every limit, in the order `/metrics` lists them.
const LIMITS: [Limit; 16] = {
    let a = admission::Limit::ALL;
    [
        Limit::BodyBytes,
        Limit::BodyRead,
        Limit::Admission(a[0]),
        Limit::Admission(a[1]),
        Limit::Admission(a[2]),
        Limit::Admission(a[3]),
        Limit::Admission(a[4]),
        Limit::Admission(a[5]),
        Limit::Admission(a[6]),
        Limit::Admission(a[7]),
        Limit::Admission(a[8]),
        Limit::Validation,
        Limit::ArgumentOrBudget,
        Limit::Concurrency,
        Limit::Deadline,
        Limit::MediaType,
    ]
};

impl Limit {
    /// Its label in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Limit::BodyBytes => "body_bytes",
            Limit::BodyRead => "body_read",
            Limit::Admission(limit) => limit.name(),
            Limit::Validation => "validation",
            Limit::ArgumentOrBudget => "argument_or_budget",
            Limit::Concurrency => "concurrency",
            Limit::Deadline => "deadline",
            Limit::MediaType => "media_type",
        }
    }

    /// Its place in [`LIMITS`].
    fn index(self) -> usize {
        match self {
            Limit::BodyBytes => 0,
            Limit::BodyRead => 1,
            Limit::Admission(limit) => 2 + limit as usize,
            Limit::Validation => 11,
            Limit::ArgumentOrBudget => 12,
            Limit::Concurrency => 13,
            Limit::Deadline => 14,
            Limit::MediaType => 15,
        }
    }
}

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    outcomes: [AtomicU64; OUTCOMES.len()],
    cache: [AtomicU64; CACHE_OUTCOMES.len()],
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

    /// Records a response-cache lookup.
    pub fn cache(&self, outcome: CacheOutcome) {
        if let Some(i) = CACHE_OUTCOMES.iter().position(|(o, _)| *o == outcome) {
            self.cache[i].fetch_add(1, Relaxed);
        }
    }

    /// Records a rejection by `limit`.
    pub fn reject(&self, limit: Limit) {
        self.rejections[limit.index()].fetch_add(1, Relaxed);
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
        self.write_counts(out)?;
        self.write_latency(out)?;
        Self::write_traversals(out, traversal_visits)?;
        Self::write_graph(out, graph)?;
        self.write_reloads(out)
    }

    /// Requests by outcome, and rejections by limit.
    fn write_counts(&self, out: &mut String) -> std::fmt::Result {
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
            "# HELP reegraph_response_cache_total Response-cache lookups (requests with a query \
             text, mutations included): hit, stale (kept, but a write since touched what it \
             read), miss."
        )?;
        writeln!(out, "# TYPE reegraph_response_cache_total counter")?;
        for (i, (_, name)) in CACHE_OUTCOMES.iter().enumerate() {
            writeln!(
                out,
                "reegraph_response_cache_total{{outcome=\"{name}\"}} {}",
                self.cache[i].load(Relaxed)
            )?;
        }
        writeln!(
            out,
            "# HELP reegraph_rejections_total Requests refused, by the limit they hit."
        )?;
        writeln!(out, "# TYPE reegraph_rejections_total counter")?;
        for limit in LIMITS {
            writeln!(
                out,
                "reegraph_rejections_total{{limit=\"{}\"}} {}",
                limit.name(),
                self.rejections[limit.index()].load(Relaxed)
            )?;
        }
        Ok(())
    }

    /// The latency histogram.
    fn write_latency(&self, out: &mut String) -> std::fmt::Result {
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
        Ok(())
    }

    /// Work done by traversals (counted by the schema).
    fn write_traversals(out: &mut String, traversal_visits: u64) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP reegraph_traversal_visits_total Entities visited by traversals (work done)."
        )?;
        writeln!(out, "# TYPE reegraph_traversal_visits_total counter")?;
        writeln!(out, "reegraph_traversal_visits_total {traversal_visits}")?;
        Ok(())
    }

    /// The served snapshot: its size and data version.
    fn write_graph(out: &mut String, graph: &KnowledgeGraph) -> std::fmt::Result {
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
        Ok(())
    }

    /// Data reloads: counts and the last one's outcome.
    fn write_reloads(&self, out: &mut String) -> std::fmt::Result {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every limit has its own counter, listed in the order `/metrics` has always used.
    #[test]
    fn limits_have_their_own_counters_in_order() {
        let names: Vec<_> = LIMITS.iter().map(|l| l.name()).collect();
        assert_eq!(
            names,
            [
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
            ]
        );
        for (i, limit) in LIMITS.iter().enumerate() {
            assert_eq!(limit.index(), i, "{limit:?}");
        }
    }
}
