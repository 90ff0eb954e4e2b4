//! Classification speed: every labelled title of `tests/data/` (about 1,900 marketplace titles,
//! Chinese and English) classified by the built-in catalogue, one title per iteration on average.
//! Run: `cargo bench -p suyuan-core --bench classify`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use suyuan_core::catalogue::{Catalogue, ListingFacts};

/// The titles of every labelled set in `tests/data/` (first column, header row skipped).
fn titles() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("the labelled sets are readable")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| {
            let text = std::fs::read_to_string(p).expect("a labelled set is readable");
            text.lines()
                .skip(1)
                .filter_map(|l| l.split('\t').next().map(str::to_owned))
                .filter(|t| !t.trim().is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn classify(c: &mut Criterion) {
    let catalogue = Catalogue::builtin().unwrap();
    let listings: Vec<ListingFacts> = titles()
        .into_iter()
        .map(|title| ListingFacts {
            title,
            ..ListingFacts::default()
        })
        .collect();
    let mut group = c.benchmark_group("classify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(listings.len() as u64));
    group.bench_function("labelled_titles", |b| {
        b.iter(|| {
            for listing in &listings {
                black_box(catalogue.classify(black_box(listing)));
            }
        })
    });
    group.finish();
    group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("builtin_catalogue", |b| b.iter(Catalogue::builtin));
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
