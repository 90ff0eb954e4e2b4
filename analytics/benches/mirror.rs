//! Mirror benchmark and data tool (a bench binary, not a timed test):
//!
//! ```sh
//! cargo bench -p suyuan-analytics --bench mirror -- generate --events 10000000 --dir /work/bench-data/mirror
//! cargo bench -p suyuan-analytics --bench mirror -- sqlite --events 10000000 --db /work/bench-data/suyuan.db
//! cargo bench -p suyuan-analytics --bench mirror -- rebuild --db /work/bench-data/suyuan.db --dir /work/bench-data/rebuilt
//! ```
//!
//! `generate` writes a generated ledger straight to a mirror; `sqlite` writes the same ledger
//! (same seed) into a migrated SQLite store; `rebuild` times a full mirror rebuild from it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
use sea_orm_migration::MigratorTrait as _;
use std::fmt::Write as _;
use std::time::Instant;
use suyuan_analytics::generate::{self, Spec};
use suyuan_analytics::mirror::Mirror;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn end() -> DateTime<Utc> {
    // Fixed, so the data set is the same whatever the date (the benchmark's figures too).
    DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(cmd) = args.iter().skip(1).find(|a| !a.starts_with('-')).cloned() else {
        eprintln!("usage: mirror generate|sqlite|rebuild [--events N] [--dir D] [--db FILE]");
        return;
    };
    let events: u64 = arg(&args, "--events")
        .map(|n| n.parse().unwrap())
        .unwrap_or(1_000_000);
    let seed: u64 = arg(&args, "--seed")
        .map(|n| n.parse().unwrap())
        .unwrap_or(42);
    let spec = Spec::year_ending(events, end(), seed);
    match cmd.as_str() {
        "generate" => {
            let dir = arg(&args, "--dir").expect("--dir");
            let started = Instant::now();
            let mirror = Mirror::open(&dir).unwrap();
            let report = generate::generate(&spec, mirror.appender().unwrap(), &|_| {}).unwrap();
            println!(
                "generated {} events, {} codes, {} sellers into {dir} in {:.1} s",
                report.events_added,
                report.codes_added,
                spec.sellers,
                started.elapsed().as_secs_f64()
            );
        }
        "sqlite" => {
            let db = arg(&args, "--db").expect("--db");
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(fill_sqlite(&spec, &db));
        }
        "rebuild" => {
            let db = arg(&args, "--db").expect("--db");
            let dir = arg(&args, "--dir").expect("--dir");
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let url = format!("sqlite://{db}?mode=rwc");
                let conn = suyuan_store::connect(&url).await.unwrap();
                let mirror = Mirror::open(&dir).unwrap();
                let started = Instant::now();
                let report = mirror
                    .rebuild_from_store(&conn, Utc::now(), chrono::Duration::zero(), &|_| {})
                    .await
                    .unwrap();
                println!(
                    "rebuilt {} events, {} codes from {db} in {:.1} s",
                    report.events_added,
                    report.codes_added,
                    started.elapsed().as_secs_f64()
                );
            });
        }
        other => eprintln!("unknown command {other}"),
    }
}

fn q(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("'{}'", s.replace('\'', "''")),
        None => "NULL".into(),
    }
}

fn t(d: DateTime<Utc>) -> String {
    format!(
        "'{}'",
        d.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
    )
}

/// Writes the spec's ledger into a migrated SQLite store with multi-row INSERTs (the columns
/// the mirror reads are real; the EPCIS document and hashes are placeholders).
async fn fill_sqlite(spec: &Spec, path: &str) {
    let url = format!("sqlite://{path}?mode=rwc");
    let db = suyuan_store::connect(&url).await.unwrap();
    suyuan_migrations::Migrator::up(&db, None).await.unwrap();
    let db = suyuan_store::db::reopen_after_migration(db, &url)
        .await
        .unwrap();
    let started = Instant::now();
    db.execute_unprepared("PRAGMA synchronous=OFF")
        .await
        .unwrap();
    let now = t(end());
    let mut sql = String::from(
        "INSERT INTO sellers (id, name, credit_code, division_code, seller_type, email, created_at, updated_at, verification) VALUES ",
    );
    for (i, s) in generate::sellers(spec).iter().enumerate() {
        if i > 0 {
            sql.push(',');
        }
        // A valid credit code (the pages read it back): 91, the division, the seller's number.
        let credit = suyuan_core::credit_code::CreditCode::with_check_character(&format!(
            "91{}{:09}",
            s.division_code, i
        ))
        .unwrap();
        let _ = write!(
            sql,
            "({}, {}, '{}', '{}', '{}', NULL, {now}, {now}, 'verified')",
            q(Some(&s.id)),
            q(Some(&s.name)),
            credit,
            s.division_code,
            s.seller_type
        );
    }
    db.execute_unprepared(&sql).await.unwrap();
    // The generator writes through a mirror appender; collect its rows by generating into a
    // throwaway mirror is wasteful, so generate the rows again here with the same seed.
    let rows = std::sync::Mutex::new(0u64);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(String, String)>(4);
    let writer = {
        let db = db.clone();
        tokio::spawn(async move {
            while let Some((events, codes)) = rx.recv().await {
                // One transaction on one connection (BEGIN and COMMIT sent through the pool
                // could land on two connections).
                let txn = db.begin().await.unwrap();
                txn.execute_unprepared(&events).await.unwrap();
                txn.execute_unprepared(&codes).await.unwrap();
                txn.commit().await.unwrap();
            }
        })
    };
    let spec2 = spec.clone();
    let producer = tokio::task::spawn_blocking(move || {
        generate::for_each_chunk(&spec2, 2_000, &mut |events, codes| {
            let mut e = String::with_capacity(events.len() * 300);
            e.push_str("INSERT INTO trace_events (id, seller_id, seq, epcis_event_id, event_type, record_kind, event_time, event_time_zone_offset, record_time, category_id, region, buyer_type, corrects_id, deadline_at, missing_elements, document, prev_hash, hash) VALUES ");
            for (i, r) in events.iter().enumerate() {
                if i > 0 {
                    e.push(',');
                }
                let _ = write!(
                    e,
                    "('{id}', '{s}', {seq}, '{id}', 'ObjectEvent', '{k}', {et}, '+08:00', {rt}, {c}, {rg}, {b}, {co}, {dl}, {m}, '{{}}', '0', '{id}')",
                    id = r.id,
                    s = r.seller_id,
                    seq = r.seq,
                    k = r.record_kind,
                    et = t(r.event_time),
                    rt = t(r.record_time),
                    c = q(r.category_id.as_deref()),
                    rg = q(r.region.as_deref()),
                    b = q(r.buyer_type.as_deref()),
                    co = q(r.corrects_id.as_deref()),
                    dl = r.deadline_at.map(t).unwrap_or_else(|| "NULL".into()),
                    m = q(Some(&r.missing_elements)),
                );
            }
            let mut c = String::with_capacity(codes.len() * 200);
            c.push_str("INSERT INTO trace_event_codes (event_id, seller_id, role, code, code_kind, gtin, batch, serial, quantity, uom) VALUES ");
            for (i, r) in codes.iter().enumerate() {
                if i > 0 {
                    c.push(',');
                }
                let _ = write!(
                    c,
                    "('{}', '{}', 'quantity', {}, 'gs1', {}, {}, NULL, {}, 'PCS')",
                    r.event_id,
                    r.seller_id,
                    q(Some(&r.code)),
                    q(r.gtin.as_deref()),
                    q(r.batch.as_deref()),
                    r.quantity.unwrap_or(1.0)
                );
            }
            *rows.lock().unwrap() += events.len() as u64;
            tx.blocking_send((e, c)).unwrap();
        });
        drop(tx);
        *rows.lock().unwrap()
    });
    let n = producer.await.unwrap();
    writer.await.unwrap();
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    println!(
        "wrote {n} events into {path} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
