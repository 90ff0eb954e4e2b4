//! The columnar mirror of the ledger on both engines: appended from its watermark, each event
//! exactly once, rebuilt to the same content, and safe against a run that dies between writing
//! a part and writing the manifest.

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use polars::prelude::*;
use sea_orm::DatabaseConnection;
use suyuan_analytics::mirror::Mirror;
use suyuan_core::codes::TraceCode;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::{Action, BizStep, Disposition, TraceEvent, vocab::ext};
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::SellerType;
use suyuan_store::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use suyuan_store::tenants::{self, NewSeller};
use suyuan_tests::{TestDb, both_engines};

async fn seller(db: &DatabaseConnection, credit17: &str, division: &str) -> SellerId {
    tenants::create_seller(
        db,
        NewSeller {
            name: format!("测试商户 {credit17}"),
            credit_code: CreditCode::with_check_character(credit17).unwrap(),
            division_code: DivisionCode::parse(division).unwrap(),
            seller_type: SellerType::Offline,
            email: None,
        },
    )
    .await
    .unwrap()
    .id
}

/// Records a sale of one unit, on `day` of November 2026 (China time), delivered to `region`.
async fn sale(
    db: &DatabaseConnection,
    s: &SellerId,
    serial: &str,
    region: &str,
    day: u32,
) -> String {
    let code = TraceCode::parse(&format!("(01)09520001000010(21){serial}")).unwrap();
    let t = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, day, 10, 0, 0)
        .unwrap();
    let event = TraceEvent::object(Action::Observe, t, Utc::now())
        .epc(code.to_epc_uri())
        .biz_step(BizStep::RetailSelling)
        .disposition(Disposition::RetailSold)
        .extension(ext::REGION, region)
        .build()
        .unwrap();
    let meta = RecordMeta {
        kind: RecordKind::Sale,
        category: Some("ebike".into()),
        region: Some(DivisionCode::parse(region).unwrap()),
        buyer_type: Some("consumer".into()),
        corrects: None,
        deadline_at: None,
        missing_elements: vec![],
        catalogue_version: None,
        codes: vec![CodeEntry {
            role: CodeRole::Epc,
            code,
            quantity: None,
            uom: None,
        }],
    };
    ledger::append_one(db, s, &event, meta)
        .await
        .unwrap()
        .id
        .to_string()
}

/// Runs the mirror as the service does, with no settle time (nothing else writes).
async fn run(mirror: &Mirror, db: &DatabaseConnection) -> suyuan_analytics::mirror::RunReport {
    mirror
        .append_from_store(
            db,
            Utc::now() + Duration::seconds(1),
            Duration::zero(),
            &|_| {},
        )
        .await
        .unwrap()
}

/// The mirror's events as (event id, seller, month, province, serial code), sorted.
fn content(mirror: &Mirror) -> Vec<(String, String, String, String, String)> {
    let events = mirror.scan_events().unwrap();
    let codes = mirror
        .scan_event_codes()
        .unwrap()
        .select([col("event_id"), col("code")]);
    let df = events
        .select([
            col("event_id"),
            col("seller_id"),
            col("month"),
            col("province"),
        ])
        .join(
            codes,
            [col("event_id")],
            [col("event_id")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["event_id"], Default::default())
        .collect()
        .unwrap();
    let s = |name: &str| -> Vec<String> {
        let ca = df.column(name).unwrap().str().unwrap().clone();
        (0..df.height())
            .map(|i| ca.get(i).unwrap_or("").to_owned())
            .collect()
    };
    let (a, b, c, d, e) = (
        s("event_id"),
        s("seller_id"),
        s("month"),
        s("province"),
        s("code"),
    );
    (0..a.len())
        .map(|i| {
            (
                a[i].clone(),
                b[i].clone(),
                c[i].clone(),
                d[i].clone(),
                e[i].clone(),
            )
        })
        .collect()
}

both_engines!(
    the_mirror_holds_each_event_once_across_runs_and_a_rebuild_gives_the_same,
    |t: TestDb| async move {
        let dir = tempfile::tempdir().unwrap();
        let mirror = Mirror::open(dir.path().join("mirror")).unwrap();
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let b = seller(&t.db, "91330106MA2GXYK23", "330106").await;
        let mut ids = vec![
            sale(&t.db, &a, "S1", "440106", 1).await,
            sale(&t.db, &a, "S2", "440305", 2).await,
            sale(&t.db, &b, "S3", "330102", 3).await,
        ];

        let first = run(&mirror, &t.db).await;
        assert_eq!(first.events_added, 3);
        ids.push(sale(&t.db, &b, "S4", "110101", 4).await);
        ids.push(sale(&t.db, &a, "S5", "440106", 5).await);
        let second = run(&mirror, &t.db).await;
        assert_eq!(second.events_added, 2, "only the new events");
        let third = run(&mirror, &t.db).await;
        assert_eq!(third.events_added, 0, "nothing new, nothing added");

        let held = content(&mirror);
        ids.sort();
        let held_ids: Vec<String> = held.iter().map(|r| r.0.clone()).collect();
        assert_eq!(held_ids, ids, "each event exactly once");
        let s4 = held.iter().find(|r| r.4.ends_with("(21)S4")).unwrap();
        assert_eq!((s4.2.as_str(), s4.3.as_str()), ("2026-11", "11"));
        assert_eq!(s4.1, b.to_string());

        let rebuilt = mirror
            .rebuild_from_store(
                &t.db,
                Utc::now() + Duration::seconds(1),
                Duration::zero(),
                &|_| {},
            )
            .await
            .unwrap();
        assert_eq!(rebuilt.events_added, 5);
        assert_eq!(content(&mirror), held, "a rebuild gives the same content");
        let sellers = mirror.scan_snapshot("sellers").unwrap().collect().unwrap();
        assert_eq!(sellers.height(), 2);
    }
);

both_engines!(
    a_part_written_by_a_run_that_died_before_its_manifest_is_neither_read_nor_kept,
    |t: TestDb| async move {
        let dir = tempfile::tempdir().unwrap();
        let mirror = Mirror::open(dir.path().join("mirror")).unwrap();
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        sale(&t.db, &a, "S1", "440106", 1).await;
        sale(&t.db, &a, "S2", "440106", 2).await;
        run(&mirror, &t.db).await;
        let before = content(&mirror);

        // A run wrote a part for the same partition and died before writing its manifest.
        let manifest = mirror.manifest().unwrap();
        let part = mirror.dir().join(&manifest.events[0]);
        let stray = part.with_file_name("part-01KDIEDBEFOREMANIFEST00000-0.parquet");
        std::fs::copy(&part, &stray).unwrap();

        assert_eq!(
            content(&mirror),
            before,
            "readers see only what the manifest names"
        );
        sale(&t.db, &a, "S3", "440106", 3).await;
        let next = run(&mirror, &t.db).await;
        assert_eq!(next.strays_removed, 1);
        assert!(!stray.exists());
        assert_eq!(next.events_added, 1);
        let after = content(&mirror);
        assert_eq!(after.len(), 3, "three events, none twice: {after:?}");
    }
);

both_engines!(
    an_analytics_run_saves_each_sellers_monthly_score_for_pages_and_the_api,
    |t: TestDb| async move {
        let dir = tempfile::tempdir().unwrap();
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let b = seller(&t.db, "91330106MA2GXYK23", "330106").await;
        sale(&t.db, &a, "S1", "440106", 1).await;
        sale(&t.db, &b, "S2", "330102", 2).await;
        let now = Utc::now() + Duration::seconds(1);

        let mut expected = vec![
            (a.to_string(), "440104".to_owned()),
            (b.to_string(), "330106".to_owned()),
        ];
        expected.sort();

        let first = suyuan_server::analytics::run_once(
            &t.db,
            &settings(&dir.path().join("mirror")),
            now,
            false,
            &|_| {},
        )
        .await
        .unwrap()
        .expect("no other run holds the lease");
        assert_eq!(first.mirror.events_added, 2);
        assert_eq!(first.saved.scores, 2, "one score per seller and month");
        assert_eq!(november_scores(&t.db).await, expected);

        // A second run with nothing new recomputes and replaces, never doubles.
        let second = suyuan_server::analytics::run_once(
            &t.db,
            &settings(&dir.path().join("mirror")),
            now,
            false,
            &|_| {},
        )
        .await
        .unwrap()
        .expect("no other run holds the lease");
        assert_eq!(second.mirror.events_added, 0);
        assert_eq!(november_scores(&t.db).await, expected);
    }
);

/// The sellers (and their divisions) with a saved score for November 2026, as an admin lists them.
async fn november_scores(db: &DatabaseConnection) -> Vec<(String, String)> {
    use suyuan_store::analytics::{ResultScope, ScoreFilter, list_scores};
    let filter = ScoreFilter {
        period: Some("2026-11".into()),
        limit: 100,
        ..Default::default()
    };
    let mut rows: Vec<(String, String)> = list_scores(db, &ResultScope::All, &filter)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.seller_id, r.division))
        .collect();
    rows.sort();
    rows
}

both_engines!(
    one_analytics_run_at_a_time_across_instances_and_a_dead_holders_lease_runs_out,
    |t: TestDb| async move {
        use suyuan_store::analytics_export::{release_lease, try_lease};
        let dir = tempfile::tempdir().unwrap();
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        sale(&t.db, &a, "S1", "440106", 1).await;
        let now = Utc::now() + Duration::seconds(1);
        let run = |at: chrono::DateTime<Utc>| {
            let db = t.db.clone();
            let mirror = dir.path().join("mirror");
            async move {
                suyuan_server::analytics::run_once(&db, &settings(&mirror), at, false, &|_| {})
                    .await
                    .unwrap()
            }
        };
        // Another instance is running: this one does nothing and says so.
        assert!(
            try_lease(&t.db, "analytics", "other:1", now, Duration::minutes(60))
                .await
                .unwrap()
        );
        assert!(
            run(now).await.is_none(),
            "the lease is held by another instance"
        );
        // Once it is released, the run goes ahead and releases the lease itself.
        release_lease(&t.db, "analytics", "other:1").await.unwrap();
        let done = run(now).await.expect("the lease is free");
        assert_eq!(done.mirror.events_added, 1);
        assert!(
            try_lease(&t.db, "analytics", "other:2", now, Duration::minutes(60))
                .await
                .unwrap(),
            "a finished run leaves the lease free"
        );
        // A holder that died keeps it only until its time runs out.
        assert!(run(now + Duration::minutes(30)).await.is_none());
        let late = run(now + Duration::minutes(61))
            .await
            .expect("the dead holder's lease ran out");
        assert_eq!(late.mirror.events_added, 0);
    }
);

/// A run's settings for tests: the mirror in `dir`, nothing left to settle, default weights.
fn settings(dir: &std::path::Path) -> suyuan_server::analytics::RunSettings {
    suyuan_server::analytics::RunSettings {
        public_url: "http://suyuan.test".into(),
        dir: dir.to_path_buf(),
        settle: std::time::Duration::ZERO,
        config: Default::default(),
    }
}
