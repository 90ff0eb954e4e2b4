//! A recall of a batch through 5 tiers: the in-memory custody index against the recursive CTE on
//! PostgreSQL (`suyuan_store::recall_trace`, what the API and the CLI use), on the same generated
//! chains, in the same run; each recall's rows are compared, so the two tracers are checked
//! against each other as they are timed.
//!
//! ```sh
//! SUYUAN_BENCH_CHAINS=300 SUYUAN_BENCH_PG=postgres://postgres@127.0.0.1:5432 \
//!   cargo bench -p suyuan-analytics --bench recall_cte
//! ```
//!
//! It makes (or empties) the database `suyuan_bench_recall` on that server, migrates it and
//! loads the chains (sellers, trace events with their codes, claimed transfers).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use polars::prelude::*;
use sea_orm::ConnectionTrait as _;
use sea_orm_migration::MigratorTrait as _;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use suyuan_analytics::recall::{RecallIndex, Selector, generate};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn q(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("'{}'", s.replace('\'', "''")),
        None => "NULL".into(),
    }
}

fn ts(ms: i64) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms).unwrap();
    format!(
        "'{}'",
        t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

async fn insert_chunks(db: &sea_orm::DatabaseConnection, head: &str, rows: Vec<String>) {
    for chunk in rows.chunks(2_000) {
        db.execute_unprepared(&format!("{head} {}", chunk.join(",")))
            .await
            .unwrap();
    }
}

async fn load(db: &sea_orm::DatabaseConnection, f: &generate::Frames) {
    let now = ts(1_764_547_200_000);
    // Sellers.
    let ids = strs(&f.sellers, "seller_id");
    let names = strs(&f.sellers, "name");
    let divisions = strs(&f.sellers, "division");
    let rows = (0..ids.len())
        .map(|i| {
            format!(
                "({}, {}, {}, {}, 'distributor', NULL, {now}, {now}, 'verified')",
                q(ids[i].as_deref()),
                q(names[i].as_deref()),
                q(Some(&format!("{:018}", i))),
                q(divisions[i].as_deref()),
            )
        })
        .collect();
    insert_chunks(
        db,
        "INSERT INTO sellers (id, name, credit_code, division_code, seller_type, email, created_at, updated_at, verification) VALUES",
        rows,
    )
    .await;
    // Events, each seller's numbered in order.
    let ev = &f.events;
    let ev_id = strs(ev, "event_id");
    let ev_seller = strs(ev, "seller_id");
    let ev_kind = strs(ev, "record_kind");
    let ev_region = strs(ev, "region");
    let ev_buyer = strs(ev, "buyer_type");
    let ev_time: Vec<i64> = ev
        .column("event_time")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let mut seq: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut seller_of: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let rows = (0..ev_id.len())
        .map(|i| {
            let id = ev_id[i].clone().unwrap();
            let seller = ev_seller[i].clone().unwrap();
            seller_of.insert(id.clone(), seller.clone());
            let n = seq.entry(seller.clone()).or_insert(0);
            *n += 1;
            let mut row = String::new();
            let _ = write!(
                row,
                "('{id}', '{seller}', {n}, '{id}', 'ObjectEvent', {k}, {t}, '+08:00', {t}, 'ebike', {r}, {b}, NULL, NULL, '[]', '{{}}', '0', '{id}')",
                k = q(ev_kind[i].as_deref()),
                t = ts(ev_time[i]),
                r = q(ev_region[i].as_deref()),
                b = q(ev_buyer[i].as_deref()),
            );
            row
        })
        .collect();
    insert_chunks(
        db,
        "INSERT INTO trace_events (id, seller_id, seq, epcis_event_id, event_type, record_kind, event_time, event_time_zone_offset, record_time, category_id, region, buyer_type, corrects_id, deadline_at, missing_elements, document, prev_hash, hash) VALUES",
        rows,
    )
    .await;
    // Codes.
    let c = &f.codes;
    let c_event = strs(c, "event_id");
    let c_code = strs(c, "code");
    let c_gtin = strs(c, "gtin");
    let c_batch = strs(c, "batch");
    let c_qty: Vec<f64> = c
        .column("quantity")
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or(1.0))
        .collect();
    let rows = (0..c_event.len())
        .map(|i| {
            let event = c_event[i].clone().unwrap();
            format!(
                "({}, {}, 'quantity', {}, 'gs1', {}, {}, NULL, {}, 'PCS')",
                q(Some(&event)),
                q(seller_of.get(&event).map(String::as_str)),
                q(c_code[i].as_deref()),
                q(c_gtin[i].as_deref()),
                q(c_batch[i].as_deref()),
                c_qty[i],
            )
        })
        .collect();
    insert_chunks(
        db,
        "INSERT INTO trace_event_codes (event_id, seller_id, role, code, code_kind, gtin, batch, serial, quantity, uom) VALUES",
        rows,
    )
    .await;
    // Transfers.
    let t = &f.transfers;
    let t_id = strs(t, "transfer_id");
    let t_from = strs(t, "from_seller_id");
    let t_sale = strs(t, "sale_event_id");
    let t_status = strs(t, "status");
    let t_by = strs(t, "claimed_by");
    let t_claimed = strs(t, "claimed_event_id");
    let rows = (0..t_id.len())
        .map(|i| {
            format!(
                "({id}, {id}, {from}, {sale}, 'ebike', 'distributor', 'b', '000000000000000000', {now}, '[]', {status}, {now}, {now}, {by}, {claimed}, 0)",
                id = q(t_id[i].as_deref()),
                from = q(t_from[i].as_deref()),
                sale = q(t_sale[i].as_deref()),
                status = q(t_status[i].as_deref()),
                by = q(t_by[i].as_deref()),
                claimed = q(t_claimed[i].as_deref()),
            )
        })
        .collect();
    insert_chunks(
        db,
        "INSERT INTO transfers (id, token_hash, from_seller_id, sale_event_id, category_id, buyer_kind, buyer_name, buyer_credit_code, sold_at, items, status, created_at, expires_at, claimed_by, claimed_event_id, reminders_sent) VALUES",
        rows,
    )
    .await;
    db.execute_unprepared("ANALYZE").await.unwrap();
}

fn at(times: &[Duration], q: f64) -> Duration {
    times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let chains = env("SUYUAN_BENCH_CHAINS", 300).max(1);
    let n = env("SUYUAN_BENCH_RECALLS", 500);
    let server = std::env::var("SUYUAN_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let f = generate::chains(chains, 5, 3, 20).expect("frames");
    let ix = RecallIndex::build(&f.events, &f.codes, &f.transfers, &f.sellers).expect("index");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(async {
        let admin = suyuan_store::connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        let _ = admin
            .execute_unprepared("DROP DATABASE IF EXISTS suyuan_bench_recall")
            .await;
        admin
            .execute_unprepared("CREATE DATABASE suyuan_bench_recall")
            .await
            .unwrap();
        let url = format!("{server}/suyuan_bench_recall");
        let db = suyuan_store::connect(&url).await.unwrap();
        suyuan_migrations::Migrator::up(&db, None).await.unwrap();
        let started = Instant::now();
        load(&db, &f).await;
        eprintln!(
            "loaded {} events, {} codes, {} transfers into PostgreSQL in {:.1} s",
            f.events.height(),
            f.codes.height(),
            f.transfers.height(),
            started.elapsed().as_secs_f64()
        );
        db
    });
    let mut memory = Vec::with_capacity(n);
    let mut cte = Vec::with_capacity(n);
    for i in 0..n {
        let s = Selector::batch(None, &format!("B{:05}", (i * 7919) % chains)).unwrap();
        let t = Instant::now();
        let a = ix.trace(&s);
        memory.push(t.elapsed());
        let t = Instant::now();
        let b = rt
            .block_on(suyuan_store::recall_trace::trace(&db, &s, None))
            .unwrap();
        cte.push(t.elapsed());
        assert_eq!(a.depth(), 5);
        assert_eq!(
            (a.rows.len(), a.sellers().len(), a.depth()),
            (b.rows.len(), b.sellers().len(), b.depth()),
            "the two tracers disagree on batch {s:?}"
        );
    }
    memory.sort();
    cte.sort();
    println!(
        "recall of a batch through 5 tiers, {n} recalls over {chains} batches ({} events):",
        f.events.height()
    );
    println!(
        "  in-memory custody index: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        at(&memory, 0.5),
        at(&memory, 0.99),
        memory[n - 1]
    );
    println!(
        "  recursive CTE on PostgreSQL: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        at(&cte, 0.5),
        at(&cte, 0.99),
        cte[n - 1]
    );
    println!(
        "  ratio at p99: {:.1}x; every recall gave the same rows, sellers and tiers in both",
        at(&cte, 0.99).as_secs_f64() / at(&memory, 0.99).as_secs_f64()
    );
}
