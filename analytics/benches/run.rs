//! Analytics-run benchmark (a bench binary, not a timed test), on a mirror made by the `mirror`
//! bench:
//!
//! ```sh
//! cargo bench -p suyuan-analytics --bench run -- every --dir /work/bench-data/mirror
//! cargo bench -p suyuan-analytics --bench run -- full --dir /work/bench-data/mirror
//! cargo bench -p suyuan-analytics --bench run -- incremental --dir /work/bench-data/mirror
//! cargo bench -p suyuan-analytics --bench run -- sql --dir /work/bench-data/mirror --db /work/bench-data/suyuan.db
//! ```
//!
//! `every`: every result a run saves (scores and their components, timeliness, overdue records,
//! alert causes) from the whole mirror (events, codes and snapshots), as the service's run
//! computes them, three times, with each step's time.
//!
//! `full`: the per-seller-per-month timeliness and completeness query over the whole mirror
//! (count, share on time, p50/p90 delay, incomplete records), three times. `incremental`:
//! appends 100,000 new events (registrations of November 2026, the largest month) and recomputes
//! only the months they touched. `sql`: the same query as SQL on the SQLite store (without
//! percentiles: SQLite has none) against Polars in the same run, and the ratio.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;
use std::time::Instant;
use suyuan_analytics::generate::{self, Spec};
use suyuan_analytics::mirror::{Mirror, snapshots};
use suyuan_analytics::run::{Inputs, collect_streaming, seller_month_timeliness};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn end() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn full(mirror: &Mirror) -> (f64, usize) {
    let started = Instant::now();
    let inputs = Inputs::from_mirror(mirror, BTreeSet::new()).unwrap();
    let df = collect_streaming(seller_month_timeliness(inputs.events)).unwrap();
    (started.elapsed().as_secs_f64(), df.height())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(cmd) = args.iter().skip(1).find(|a| !a.starts_with('-')).cloned() else {
        eprintln!("usage: run every|full|incremental|sql --dir D [--db FILE]");
        return;
    };
    let dir = arg(&args, "--dir").expect("--dir");
    let mirror = Mirror::open(&dir).unwrap();
    let events = mirror.manifest().unwrap().event_rows;
    match cmd.as_str() {
        "every" => {
            let config = suyuan_analytics::config::AnalyticsConfig::default();
            for i in 1..=3 {
                let started = Instant::now();
                let frames = suyuan_analytics::Frames::from_mirror(&mirror).unwrap();
                let results = suyuan_analytics::compute(&frames, end(), &config).unwrap();
                let records = results.to_records().unwrap();
                let secs = started.elapsed().as_secs_f64();
                let steps: Vec<String> = results
                    .steps
                    .iter()
                    .map(|(name, took)| format!("{name} {:.2} s", took.as_secs_f64()))
                    .collect();
                println!(
                    "every result #{i}: {events} events -> {} scores, {} timeliness rows, {} overdue, {} alert causes in {secs:.2} s ({})",
                    records.scores.len(),
                    records.timeliness.len(),
                    records.overdue.len(),
                    records.alerts.len(),
                    steps.join(", ")
                );
            }
        }
        "full" => {
            for i in 1..=3 {
                let (secs, rows) = full(&mirror);
                println!(
                    "full recompute #{i}: {events} events -> {rows} seller-months in {secs:.2} s"
                );
            }
        }
        "incremental" => {
            let n: u64 = arg(&args, "--events")
                .map(|n| n.parse().unwrap())
                .unwrap_or(100_000);
            let base = Spec::year_ending(events.max(1), end(), 42);
            let spec = Spec {
                events: n,
                seed: 4242 + events,
                start: end() - Duration::days(20),
                step: Duration::seconds(1),
                ..base
            };
            // The new events are made first, apart: in the service they come from the store,
            // not from a generator, so making them is not part of the run.
            let started = Instant::now();
            let mut chunks = Vec::new();
            generate::for_each_chunk(&spec, 100_000, &mut |e, c| chunks.push((e, c)));
            let sellers = generate::sellers(&spec);
            let made = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let mut appender = mirror.appender().unwrap();
            appender.set_divisions(
                sellers
                    .iter()
                    .map(|s| (s.id.clone(), s.division_code.clone()))
                    .collect(),
            );
            for (events, codes) in chunks {
                appender.add(events, codes).unwrap();
            }
            appender
                .snapshot("sellers", snapshots::sellers(&sellers).unwrap())
                .unwrap();
            let report = appender.commit().unwrap();
            let appended = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let inputs = Inputs::from_mirror(&mirror, report.touched_months.clone()).unwrap();
            let df = collect_streaming(seller_month_timeliness(inputs.events)).unwrap();
            let computed = started.elapsed().as_secs_f64();
            println!(
                "incremental: appended {} events in {appended:.2} s; recomputed months {:?} ({} seller-months) in {computed:.2} s; total {:.2} s (making the events, not part of the run: {made:.2} s)",
                report.events_added,
                report.touched_months,
                df.height(),
                appended + computed
            );
        }
        "sql" => {
            let db = arg(&args, "--db").expect("--db");
            let (polars_secs, rows) = full(&mirror);
            let started = Instant::now();
            let out = std::process::Command::new("sqlite3")
                .arg(&db)
                .arg(SQL)
                .output()
                .expect("sqlite3");
            let sql_secs = started.elapsed().as_secs_f64();
            let sql_rows = String::from_utf8_lossy(&out.stdout).lines().count();
            println!(
                "polars (with p50/p90): {polars_secs:.2} s, {rows} seller-months; SQL on SQLite (no percentiles): {sql_secs:.2} s, {sql_rows} rows; ratio {:.1}x",
                sql_secs / polars_secs
            );
        }
        other => eprintln!("unknown command {other}"),
    }
}

/// The same query in SQL (SQLite has no percentile function: the mean delay instead).
const SQL: &str = "SELECT seller_id, strftime('%Y-%m', event_time, '+8 hours') AS month, COUNT(*) AS records, \
  SUM(CASE WHEN deadline_at IS NOT NULL AND julianday(record_time) <= julianday(deadline_at) THEN 1 ELSE 0 END) * 1.0 \
    / NULLIF(SUM(deadline_at IS NOT NULL), 0) AS on_time_share, \
  AVG((julianday(record_time) - julianday(event_time)) * 24) AS mean_delay_h, \
  SUM(missing_elements <> '[]') AS incomplete, SUM(record_kind = 'correction') AS corrections \
  FROM trace_events GROUP BY seller_id, month";
