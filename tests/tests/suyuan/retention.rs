//! Retention on both engines: records older than the retention period are purged as a prefix
//! of each chain behind a signed checkpoint; every chain still verifies, a tampered checkpoint
//! or a break after it is reported, and ordinary deletes are still refused (issue 10, item 9).

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use suyuan_core::checkpoint::CheckpointKey;
use suyuan_core::codes::TraceCode;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::{Action, BizStep, Disposition, TraceEvent, vocab::ext};
use suyuan_core::ids::SellerId;
use suyuan_core::secrets::SecretKey;
use suyuan_core::tenancy::SellerType;
use suyuan_store::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use suyuan_store::tenants::{self, NewSeller};
use suyuan_tests::{Engine, TestDb, both_engines};

async fn seller(db: &DatabaseConnection, credit17: &str) -> SellerId {
    tenants::create_seller(
        db,
        NewSeller {
            name: format!("测试商户 {credit17}"),
            credit_code: CreditCode::with_check_character(credit17).unwrap(),
            division_code: DivisionCode::parse("440104").unwrap(),
            seller_type: SellerType::Offline,
            email: None,
        },
    )
    .await
    .unwrap()
    .id
}

/// Records a sale at `recorded` (the clock is the caller's: "four years ago" is relative to
/// now, so the test means the same whatever day it runs).
async fn record(
    db: &DatabaseConnection,
    s: &SellerId,
    serial: &str,
    recorded: DateTime<Utc>,
) -> ledger::StoredEvent {
    let code = TraceCode::parse(&format!("(01)09520001000010(21){serial}")).unwrap();
    let china = FixedOffset::east_opt(8 * 3600).unwrap();
    let at = china.from_utc_datetime(&(recorded - Duration::hours(1)).naive_utc());
    let event = TraceEvent::object(Action::Observe, at, recorded)
        .epc(code.to_epc_uri())
        .biz_step(BizStep::RetailSelling)
        .disposition(Disposition::RetailSold)
        .extension(ext::REGION, "440106")
        .build()
        .unwrap();
    let meta = RecordMeta {
        kind: RecordKind::Sale,
        category: Some("ebike".into()),
        region: Some(DivisionCode::parse("440106").unwrap()),
        buyer_type: Some("consumer".into()),
        corrects: None,
        deadline_at: None,
        missing_elements: vec![],
        codes: vec![CodeEntry {
            role: CodeRole::Epc,
            code,
            quantity: None,
            uom: None,
        }],
    };
    ledger::append_one(db, s, &event, meta).await.unwrap()
}

fn years(n: i64) -> Duration {
    Duration::days(365 * n + n / 4)
}

struct Purged {
    a: SellerId,
    key: CheckpointKey,
    kept: Vec<ledger::StoredEvent>,
}

/// Seller A: two sales four years old, one a year old, one today. Seller B: one today. Then a
/// purge of what is older than three years.
async fn purge_three_years(db: &DatabaseConnection) -> Purged {
    let now = Utc::now();
    let a = seller(db, "91440104MA59ABCD1").await;
    let b = seller(db, "91330106MA2GXYK23").await;
    record(db, &a, "OLD1", now - years(4)).await;
    record(db, &a, "OLD2", now - years(4) + Duration::days(1)).await;
    let kept = vec![
        record(db, &a, "NEW1", now - years(1)).await,
        record(db, &a, "NEW2", now).await,
    ];
    record(db, &b, "B1", now).await;
    let key = CheckpointKey::derive(&SecretKey::generate());
    let report = ledger::purge_before(db, &key, now - years(3), now)
        .await
        .unwrap();
    assert_eq!(
        (report.sellers, report.events, report.checkpoints),
        (2, 2, 1)
    );
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    Purged { a, key, kept }
}

both_engines!(
    purging_records_older_than_three_years_keeps_every_chain_verifiable,
    |t: TestDb| async move {
        let p = purge_three_years(&t.db).await;
        assert_eq!(ledger::count_for_seller(&t.db, &p.a).await.unwrap(), 2);
        let report = ledger::verify_with(&t.db, Some(&p.key)).await.unwrap();
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        assert_eq!(
            (report.sellers, report.events, report.checkpoints),
            (2, 3, 1)
        );
        // The chain goes on from where it was.
        let next = record(&t.db, &p.a, "NEW3", Utc::now()).await;
        assert_eq!(next.seq, 5);
        assert_eq!(next.row.prev_hash, p.kept[1].hash);
        assert!(
            ledger::verify_with(&t.db, Some(&p.key))
                .await
                .unwrap()
                .breaks
                .is_empty()
        );
        // Purging again finds nothing new to purge.
        let again = ledger::purge_before(&t.db, &p.key, Utc::now() - years(3), Utc::now())
            .await
            .unwrap();
        assert_eq!((again.events, again.checkpoints), (0, 0));
    }
);

both_engines!(
    a_tampered_checkpoint_is_reported_by_verify,
    |t: TestDb| async move {
        let p = purge_three_years(&t.db).await;
        let other_installation = CheckpointKey::derive(&SecretKey::generate());
        let report = ledger::verify_with(&t.db, Some(&other_installation))
            .await
            .unwrap();
        assert_eq!(report.breaks.len(), 1, "another key does not verify it");
        // Someone moves the checkpoint forward to hide the events after it.
        t.db.execute_unprepared("UPDATE ledger_checkpoints SET through_seq = through_seq + 1")
            .await
            .unwrap();
        let report = ledger::verify_with(&t.db, Some(&p.key)).await.unwrap();
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].seller_id, p.a.to_string());
        assert!(
            report.breaks[0].reason.contains("signature"),
            "{}",
            report.breaks[0].reason
        );
    }
);

both_engines!(
    a_break_after_the_checkpoint_is_still_reported,
    |t: TestDb| async move {
        let p = purge_three_years(&t.db).await;
        let victim = &p.kept[1];
        let sql = format!(
            "UPDATE trace_events SET document = REPLACE(document, '440106', '110101') WHERE id = '{}'",
            victim.id
        );
        match t.engine {
            Engine::Sqlite => {
                t.db.execute_unprepared("DROP TRIGGER trace_events_no_update")
                    .await
                    .unwrap();
                t.db.execute_unprepared(&sql).await.unwrap();
            }
            Engine::Postgres => {
                t.db.execute_unprepared(
                    "ALTER TABLE trace_events DISABLE TRIGGER trace_events_append_only",
                )
                .await
                .unwrap();
                t.db.execute_unprepared(&sql).await.unwrap();
            }
        }
        let report = ledger::verify_with(&t.db, Some(&p.key)).await.unwrap();
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert_eq!(report.breaks[0].event_id, victim.id.to_string());
        assert_eq!(report.breaks[0].seq, 4);
    }
);

both_engines!(
    ordinary_deletes_are_still_refused_and_a_forged_checkpoint_is_caught,
    |t: TestDb| async move {
        let p = purge_three_years(&t.db).await;
        let recent = &p.kept[0];
        for sql in [
            format!("DELETE FROM trace_events WHERE id = '{}'", recent.id),
            format!(
                "DELETE FROM trace_event_codes WHERE event_id = '{}'",
                recent.id
            ),
            format!(
                "UPDATE trace_events SET region = '110101' WHERE id = '{}'",
                recent.id
            ),
            "DELETE FROM trace_events".to_owned(),
        ] {
            let refused = t.db.execute_unprepared(&sql).await;
            assert!(
                refused.is_err_and(|e| e.to_string().contains("append-only")),
                "{sql} must be refused"
            );
        }
        assert_eq!(ledger::count_for_seller(&t.db, &p.a).await.unwrap(), 2);

        // A checkpoint written by hand (no key) lets a delete through the trigger, but verify
        // names it.
        t.db.execute_unprepared(&format!(
            "INSERT INTO ledger_checkpoints (seller_id, through_seq, last_hash, purged_before, created_at, signature) \
             VALUES ('{}', 3, '{}', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', '{}')",
            p.a,
            recent.hash,
            "0".repeat(64)
        ))
        .await
        .unwrap();
        t.db.execute_unprepared(&format!(
            "DELETE FROM trace_event_codes WHERE event_id = '{}'",
            recent.id
        ))
        .await
        .unwrap();
        t.db.execute_unprepared(&format!(
            "DELETE FROM trace_events WHERE id = '{}'",
            recent.id
        ))
        .await
        .unwrap();
        let report = ledger::verify_with(&t.db, Some(&p.key)).await.unwrap();
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert!(report.breaks[0].reason.contains("signature"));
    }
);
