//! A full recompute (scores, timeliness, overdue records, alerts) on a generated data set held
//! in memory: `SUYUAN_BENCH_EVENTS` events (default 1,000,000) and as many sales, over 2,000
//! sellers in 31 provinces, three categories and twelve months; 3% registered late, 1% never,
//! 2% missing elements, 1% corrected, a code per event in batches of 50.
//!
//! ```sh
//! SUYUAN_BENCH_EVENTS=1000000 POLARS_MAX_THREADS=2 cargo bench -p suyuan-analytics --bench compute
//! ```
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeZone as _, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use polars::prelude::*;
use suyuan_analytics::config::AnalyticsConfig;
use suyuan_analytics::frames::*;
use suyuan_analytics::{Frames, compute};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

fn dt(name: &str, v: Vec<Option<i64>>) -> Column {
    Column::new(name.into(), v)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .unwrap()
}

fn generate(n: usize) -> Frames {
    let mut r = Lcg(42);
    let sellers = 2000usize;
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let provinces = [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65",
    ];
    let seller_ids: Vec<String> = (0..sellers).map(|i| format!("sel_{i:06}")).collect();
    let divisions: Vec<String> = (0..sellers)
        .map(|i| {
            format!(
                "{}0{}0{}",
                provinces[i % provinces.len()],
                i % 9 + 1,
                i % 7 + 1
            )
        })
        .collect();
    let categories = ["ebike", "helmet", "charger"];
    let kinds = ["receipt", "receipt", "sale", "shipment", "return"];

    let mut ev_id = Vec::with_capacity(n);
    let mut ev_seller = Vec::with_capacity(n);
    let mut ev_kind = Vec::with_capacity(n);
    let mut ev_time = Vec::with_capacity(n);
    let mut rec_time = Vec::with_capacity(n);
    let mut deadline = Vec::with_capacity(n);
    let mut category = Vec::with_capacity(n);
    let mut region = Vec::with_capacity(n);
    let mut corrects: Vec<Option<String>> = Vec::with_capacity(n);
    let mut missing = Vec::with_capacity(n);
    let (mut c_event, mut c_seller, mut c_code, mut c_gtin, mut c_batch, mut c_serial) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let s = r.below(sellers as u64) as usize;
        let t = start + r.below(365 * DAY as u64) as i64;
        let late = r.below(100) < 3;
        let is_correction = r.below(100) == 0 && i > 0;
        ev_id.push(format!("evt_{i:09}"));
        ev_seller.push(seller_ids[s].clone());
        ev_kind.push(if is_correction {
            "correction"
        } else {
            kinds[r.below(kinds.len() as u64) as usize]
        });
        ev_time.push(Some(t));
        rec_time.push(Some(
            t + if late {
                3 * DAY
            } else {
                r.below(20) as i64 * HOUR
            },
        ));
        deadline.push(Some(t + DAY));
        category.push(categories[r.below(3) as usize]);
        region.push(divisions[s].clone());
        corrects.push(is_correction.then(|| format!("evt_{:09}", r.below(i as u64))));
        missing.push(if r.below(100) < 2 { 1i64 } else { 0 });
        let serial = r.below(n as u64 / 2 + 1);
        c_event.push(format!("evt_{i:09}"));
        c_seller.push(seller_ids[s].clone());
        c_code.push(format!("(01)09520001000010(21)S{serial}"));
        c_gtin.push("09520001000010");
        c_batch.push(format!("B{}", serial / 50));
        c_serial.push(format!("S{serial}"));
    }
    let events = DataFrame::new_infer_height(vec![
        Column::new(events::EVENT_ID.into(), ev_id),
        Column::new(events::SELLER_ID.into(), ev_seller),
        Column::new(events::SEQ.into(), (0..n as i64).collect::<Vec<_>>()),
        Column::new(events::RECORD_KIND.into(), ev_kind),
        dt(events::EVENT_TIME, ev_time.clone()),
        dt(events::RECORD_TIME, rec_time),
        dt(events::DEADLINE_AT, deadline),
        Column::new(events::CATEGORY_ID.into(), category),
        Column::new(events::REGION.into(), region.clone()),
        Column::new(
            events::PROVINCE.into(),
            region.iter().map(|r| r[..2].to_owned()).collect::<Vec<_>>(),
        ),
        Column::new(events::MONTH.into(), vec![Option::<String>::None; n]),
        Column::new(events::BUYER_TYPE.into(), vec![Option::<String>::None; n]),
        Column::new(events::CORRECTS_ID.into(), corrects),
        Column::new(events::MISSING_ELEMENTS.into(), vec![""; n]),
        Column::new(events::MISSING_COUNT.into(), missing),
    ])
    .unwrap();
    let codes = DataFrame::new_infer_height(vec![
        Column::new(event_codes::EVENT_ID.into(), c_event),
        Column::new(event_codes::SELLER_ID.into(), c_seller),
        Column::new(event_codes::CODE.into(), c_code),
        Column::new(event_codes::GTIN.into(), c_gtin),
        Column::new(event_codes::BATCH.into(), c_batch),
        Column::new(event_codes::SERIAL.into(), c_serial),
        Column::new(event_codes::QUANTITY.into(), vec![1i64; n]),
    ])
    .unwrap();

    let mut sa = (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let s = r.below(sellers as u64) as usize;
        let t = start + r.below(365 * DAY as u64) as i64;
        let roll = r.below(100);
        sa.0.push(format!("sal_{i:09}"));
        sa.1.push(seller_ids[s].clone());
        sa.2.push(roll >= 2); // 2% cancelled
        sa.3.push((roll != 2).then_some(t)); // 1% unpaid
        sa.4.push(match roll {
            3 => None,                  // never registered
            4..=6 => Some(t + 2 * DAY), // late
            _ => Some(t + r.below(20) as i64 * HOUR),
        });
        sa.5.push(Some(t + DAY));
        sa.6.push((roll != 3).then(|| format!("evt_{:09}", r.below(n as u64))));
    }
    let sales = DataFrame::new_infer_height(vec![
        Column::new(sales::SALE_ID.into(), sa.0),
        Column::new(sales::SELLER_ID.into(), sa.1.clone()),
        Column::new(sales::PLATFORM.into(), vec!["shopify"; n]),
        Column::new(sales::STATUS.into(), vec!["paid"; n]),
        Column::new(sales::BUYER_TYPE.into(), vec!["consumer"; n]),
        Column::new(sales::REGION.into(), region),
        Column::new(sales::CATEGORY_ID.into(), vec!["ebike"; n]),
        Column::new(sales::REQUIRED.into(), sa.2),
        dt(sales::STARTED_AT, sa.3),
        dt(sales::COMPLETED_AT, sa.4),
        dt(sales::DEADLINE_AT, sa.5),
        Column::new(sales::EVENT_ID.into(), sa.6),
        Column::new(sales::QUANTITY.into(), vec![1i64; n]),
    ])
    .unwrap();
    let listings = DataFrame::new_infer_height(vec![
        Column::new(
            listings::LISTING_ID.into(),
            (0..sellers * 5)
                .map(|i| format!("lst_{i}"))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            listings::SELLER_ID.into(),
            (0..sellers * 5)
                .map(|i| seller_ids[i / 5].clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(listings::CATEGORY_ID.into(), vec!["ebike"; sellers * 5]),
        Column::new(listings::ACTIVE.into(), vec![true; sellers * 5]),
        Column::new(
            listings::HAS_CODE.into(),
            (0..sellers * 5).map(|i| i % 17 != 0).collect::<Vec<_>>(),
        ),
    ])
    .unwrap();
    let sellers_df = DataFrame::new_infer_height(vec![
        Column::new(sellers::SELLER_ID.into(), seller_ids.clone()),
        Column::new(sellers::NAME.into(), seller_ids.clone()),
        Column::new(sellers::DIVISION.into(), divisions.clone()),
        Column::new(
            sellers::PROVINCE.into(),
            divisions
                .iter()
                .map(|d| d[..2].to_owned())
                .collect::<Vec<_>>(),
        ),
        Column::new(sellers::SELLER_TYPE.into(), vec!["online"; sellers]),
    ])
    .unwrap();
    let empty = suyuan_analytics::fixtures::empty_frames(&[]);
    Frames {
        events: events.lazy(),
        event_codes: codes.lazy(),
        sales: sales.lazy(),
        listings: listings.lazy(),
        sellers: sellers_df.lazy(),
        ..empty
    }
}

fn bench(c: &mut Criterion) {
    let n: usize = std::env::var("SUYUAN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let frames = generate(n);
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
    let config = AnalyticsConfig::default();
    let mut g = c.benchmark_group("compute");
    g.sample_size(10);
    g.bench_function(format!("full recompute, {n} events + {n} sales"), |b| {
        b.iter(|| compute(&frames, now, &config).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
