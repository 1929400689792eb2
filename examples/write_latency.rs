//! The write benchmark of issue 16: single-change writes through `Store::write` (validation,
//! the redb append synced to disk, the commit, the change set applied to the served graph as a
//! delta: everything before a write is acknowledged and visible), on a base of any size; prints
//! p50/p99/max, what a fold of the delta costs, and the time to reopen the store (start-up's
//! replay).
//!
//! ```sh
//! cargo run --release --example write_latency -- --data DIR|SNAPSHOT --writes 50 [--store FILE] [--fold-after N] [--search QUERY]
//! ```
//!
//! It also prints the writing thread's CPU per write (`/proc/thread-self/schedstat`, the sync's
//! system time included), as the mean of each quarter of the run: whether a write's cost grows
//! with the delta.
//!
//! With `--search QUERY`, the served graph is searched for QUERY after each write (the first
//! search on each new version of the delta, which is when its search over the delta's own
//! entities is made), and those searches' p50/p99/max are printed.
//!
//! Each write adds a SOURCE with its own text and a citation of it (valid on any base). With
//! `--print-acks`, each acknowledged write's id is printed (`ack <id>`, flushed) as soon as
//! `Store::write` returns: `scripts/faults/store_crash.py` kills this process at random moments
//! and checks that every id printed is in the store after a restart.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reegraph::dataset::{DataLimits, DirTexts, SourceTexts, TextError};
use reegraph::store::{Change, ChangeSet, Store};
use serde_json::json;

struct NoTexts;

impl SourceTexts for NoTexts {
    fn read(&self, path: &str) -> Result<String, TextError> {
        Err(TextError::Missing {
            path: path.to_owned(),
        })
    }
}

/// CPU time of this thread so far (user and system; `/proc/thread-self/schedstat`), if readable.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let mut data = PathBuf::from("data");
    let mut store_path =
        std::env::temp_dir().join(format!("write-latency-{}.redb", std::process::id()));
    let mut writes = 50usize;
    let mut fold_after: Option<usize> = None;
    let mut print_acks = false;
    let mut search: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--print-acks" {
            print_acks = true;
            continue;
        }
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))?;
        match arg.as_str() {
            "--data" => data = value.into(),
            "--store" => store_path = value.into(),
            "--writes" => writes = value.parse()?,
            "--fold-after" => fold_after = Some(value.parse()?),
            "--search" => search = Some(value),
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let texts: Box<dyn SourceTexts> = if data.is_dir() {
        Box::new(DirTexts {
            dir: data.clone(),
            limits: DataLimits::default(),
        })
    } else {
        Box::new(NoTexts)
    };
    let started = Instant::now();
    let base = Arc::new(reegraph::graph::snapshot::load(
        &data,
        DataLimits::default(),
    )?);
    println!(
        "base: {} entities, loaded in {:.2?}",
        base.stats().entities,
        started.elapsed()
    );
    let started = Instant::now();
    let (mut store, _) = Store::open(&store_path, Arc::clone(&base), texts.as_ref())?;
    println!(
        "open + replay of {} change sets: {:.2?}",
        store.version(),
        started.elapsed()
    );
    let started = Instant::now();
    store.working();
    println!(
        "working records made (once, before the first write): {:.2?}",
        started.elapsed()
    );
    let fold_after = reegraph::graphql::fold_threshold(fold_after, base.stats().entities);
    println!("folds every {fold_after} records");
    let mut times = Vec::with_capacity(writes);
    // CPU time of each write (the sync's system time included), in the order written.
    let mut cpu = Vec::with_capacity(writes);
    let mut folds = Vec::new();
    let mut searches = Vec::new();
    let first = store.version();
    for n in 0..writes {
        let id = format!("source:bench-{}-{n}", first);
        let quote = format!("bench text {first} {n}");
        let set = ChangeSet {
            author: "bench".into(),
            at_ms: 0,
            reason: "bench".into(),
            base_version: Some(store.version()),
            changes: vec![Change::AddSource {
                record: json!({ "id": id, "name": "Bench", "source_type": "RESEARCH_NOTES",
                    "citations": [{ "source": id, "quote": quote, "grade": "VERIFIED" }] }),
                text: format!("A {quote}."),
            }],
        };
        let cpu_before = thread_cpu();
        let started = Instant::now();
        let written = store
            .write(set, texts.as_ref())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        times.push(started.elapsed());
        if let (Some(before), Some(after)) = (cpu_before, thread_cpu()) {
            cpu.push(after.saturating_sub(before));
        }
        if let Some(query) = &search {
            let started = Instant::now();
            let hits = written.graph.search(query, &[], 10);
            searches.push(started.elapsed());
            std::hint::black_box(hits);
        }
        drop(written);
        // A server folds on a thread of its own; here it is done in line, timed apart.
        if let Some(ticket) = store.fold_due(fold_after) {
            let started = Instant::now();
            let folded = ticket.graph.fold();
            store.adopt(ticket, folded);
            folds.push(started.elapsed());
        }
        if print_acks {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            writeln!(out, "ack {id}")?;
            out.flush()?;
        }
    }
    times.sort();
    if cpu.len() == writes && writes >= 4 {
        // By quarter of the run: the delta grows between folds, and so may a write's cost.
        let quarters: Vec<String> = cpu
            .chunks(writes.div_ceil(4))
            .map(|q| format!("{:.0?}", q.iter().sum::<Duration>() / q.len() as u32))
            .collect();
        println!(
            "CPU per write (this thread, the sync included), mean by quarter of the run: {}",
            quarters.join(", ")
        );
    }
    println!(
        "{writes} single-change writes, acknowledged after the sync, applied as a delta: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    if let Some(query) = &search {
        searches.sort();
        println!(
            "search {query:?} (first 10) right after each write: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
            percentile(&searches, 0.5),
            percentile(&searches, 0.99),
            searches[searches.len() - 1]
        );
    }
    if !folds.is_empty() {
        println!(
            "{} folds of {fold_after} records each (in line here, in the background in a server): mean {:.2?}",
            folds.len(),
            folds.iter().sum::<Duration>() / folds.len() as u32
        );
    }
    let started = Instant::now();
    let folded = store.graph().fold();
    println!(
        "fold of the delta ({} records) into a new base (off the writer's path in a server): {:.2?}",
        store.graph().pending(),
        started.elapsed()
    );
    drop(folded);
    drop(store);
    let started = Instant::now();
    let (store, _) = Store::open(&store_path, Arc::clone(&base), texts.as_ref())?;
    println!(
        "reopen + replay of {} change sets: {:.2?}",
        store.version(),
        started.elapsed()
    );
    Ok(())
}
