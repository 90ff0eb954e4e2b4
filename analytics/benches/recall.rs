//! A recall of a batch through 5 tiers on the in-memory custody index.
//!
//! `cargo bench -p suyuan-analytics --bench recall` builds a generated data set (many batches of
//! one GTIN, each through 5 tiers: 1 + 3 + 9 + 27 + 81 sellers, every seller selling to
//! consumers and shipping to 3 claimed next-tier buyers), then measures one recall with
//! criterion and prints the p50/p99/max of `SUYUAN_BENCH_RECALLS` (default 2,000) recalls.
//! `SUYUAN_BENCH_CHAINS` sets how many batches (default 300, about a million events).

// A benchmark whose generated data cannot be set up has nothing to measure: it stops.
#![allow(clippy::expect_used)]

use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use std::time::{Duration, Instant};
use suyuan_analytics::recall::{RecallIndex, Selector, generate};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn index() -> RecallIndex {
    let chains = env("SUYUAN_BENCH_CHAINS", 300);
    let t = Instant::now();
    let f = generate::chains(chains, 5, 3, 20).expect("frames");
    let generated = t.elapsed();
    let t = Instant::now();
    let ix = RecallIndex::build(&f.events, &f.codes, &f.transfers, &f.sellers).expect("index");
    eprintln!(
        "recall index: {} events, {} batches; generated in {:.2?}, indexed in {:.2?}",
        ix.len(),
        chains,
        generated,
        t.elapsed()
    );
    ix
}

fn percentiles(ix: &RecallIndex) {
    let n = env("SUYUAN_BENCH_RECALLS", 2_000);
    let chains = env("SUYUAN_BENCH_CHAINS", 300).max(1);
    let mut times: Vec<Duration> = (0..n)
        .map(|i| {
            let s = Selector::batch(None, &format!("B{:05}", (i * 7919) % chains)).expect("s");
            let t = Instant::now();
            let flow = ix.trace(&s);
            let took = t.elapsed();
            assert_eq!(flow.depth(), 5);
            black_box(flow);
            took
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1];
    eprintln!(
        "recall of a batch through 5 tiers ({n} recalls): p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        at(0.50),
        at(0.99),
        times[times.len() - 1]
    );
}

fn bench(c: &mut Criterion) {
    let ix = index();
    percentiles(&ix);
    let s = Selector::batch(None, "B00000").expect("selector");
    c.bench_function("recall_batch_5_tiers", |b| {
        b.iter(|| black_box(ix.trace(&s)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
