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
        .extension(ext::CATEGORY, "ebike")
        .extension(ext::REGION, "440106")
        .extension(ext::BUYER_TYPE, "consumer")
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
        catalogue_version: None,
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
        t.edit_around_the_trigger(&sql).await;
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

/// The rows one event gave rise to: its sale and sale line, a B2B transfer (claimed by
/// `buyer` with `claim`), a submission to a trace platform and a code flag.
async fn derived_rows(
    db: &DatabaseConnection,
    s: &SellerId,
    buyer: &SellerId,
    sale: &ledger::StoredEvent,
    claim: &ledger::StoredEvent,
    tag: &str,
) {
    use sea_orm::{ActiveModelTrait, Set};
    use suyuan_store::entity::{code_flag, sale, sale_line, submission, transfer};
    let at = sale.row.record_time;
    let sale_id = format!("sale-{tag}");
    sale::ActiveModel {
        id: Set(sale_id.clone()),
        seller_id: Set(s.to_string()),
        store_id: Set(None),
        platform: Set("offline".into()),
        external_order_id: Set(format!("order-{tag}")),
        order_number: Set(None),
        status: Set("completed".into()),
        buyer_type: Set("consumer".into()),
        buyer_company: Set(None),
        buyer_tax_id: Set(None),
        region: Set(Some("440106".into())),
        country_code: Set(None),
        shipping_method: Set(None),
        tracking_numbers: Set("[]".into()),
        tracking_company: Set(None),
        ordered_at: Set(Some(at)),
        paid_at: Set(Some(at)),
        fulfilled_at: Set(Some(at)),
        cancelled_at: Set(None),
        completed_at: Set(Some(at)),
        deadline_at: Set(None),
        event_id: Set(Some(sale.id.to_string())),
        external_updated_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        catalogue_version: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    sale_line::ActiveModel {
        sale_id: Set(sale_id),
        seller_id: Set(s.to_string()),
        external_line_id: Set(None),
        listing_id: Set(None),
        listing_external_id: Set(None),
        variant_external_id: Set(None),
        sku: Set(None),
        barcode: Set(None),
        title: Set(Some("电动自行车".into())),
        category_id: Set(Some("ebike".into())),
        quantity: Set(1),
        refunded_quantity: Set(0),
        allocations: Set("[]".into()),
        unit_codes: Set("[]".into()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    transfer::ActiveModel {
        id: Set(format!("transfer-{tag}")),
        token_hash: Set(format!("hash-{tag}")),
        token_sealed: Set(None),
        from_seller_id: Set(s.to_string()),
        sale_event_id: Set(sale.id.to_string()),
        category_id: Set("ebike".into()),
        buyer_kind: Set("seller".into()),
        buyer_name: Set("张三车行".into()),
        buyer_credit_code: Set("91330106MA2GXYK23".into()),
        contact_email: Set(Some("buyer@example.com".into())),
        voucher_number: Set(None),
        shipping_method: Set(None),
        tracking_number: Set(None),
        sold_at: Set(at),
        items: Set("[]".into()),
        product_name: Set(None),
        model: Set(None),
        producer: Set(None),
        certificate_number: Set(None),
        status: Set("claimed".into()),
        created_at: Set(at),
        expires_at: Set(at + Duration::days(30)),
        claimed_by: Set(Some(buyer.to_string())),
        claimed_at: Set(Some(claim.row.record_time)),
        claimed_event_id: Set(Some(claim.id.to_string())),
        cancelled_at: Set(None),
        reminders_sent: Set(0),
        last_reminder_at: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    submission::ActiveModel {
        seller_id: Set(s.to_string()),
        platform_id: Set("retention-test".into()),
        event_id: Set(sale.id.to_string()),
        seq: Set(sale.seq),
        record_kind: Set("sale".into()),
        routed_by: Set("test".into()),
        idempotency_key: Set(format!("idem-{tag}")),
        status: Set("accepted".into()),
        attempts: Set(1),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        last_error: Set(None),
        last_http_status: Set(Some(200)),
        receipt: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        accepted_at: Set(Some(at)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    code_flag::ActiveModel {
        seller_id: Set(s.to_string()),
        seller_region: Set("440104".into()),
        code: Set(format!("(01)09520001000010(21){tag}")),
        gtin: Set(Some("09520001000010".into())),
        reason: Set("duplicate_sale".into()),
        source: Set("ledger".into()),
        event_id: Set(Some(sale.id.to_string())),
        other_seller_id: Set(None),
        occurrences: Set(1),
        first_seen_at: Set(at),
        last_seen_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// Anonymous rows written at `at`: a scan, a sent mail and a delivered operator notification.
async fn auxiliary_rows(db: &DatabaseConnection, at: DateTime<Utc>, tag: &str) {
    use sea_orm::{ActiveModelTrait, Set};
    use suyuan_store::entity::{code_scan, mail_job, operator_delivery};
    code_scan::ActiveModel {
        code: Set(format!("(01)09520001000010(21){tag}")),
        gtin: Set(Some("09520001000010".into())),
        scanned_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    mail_job::ActiveModel {
        kind: Set("transfer_reminder".into()),
        payload: Set(format!("{{\"to\":\"buyer-{tag}@example.com\"}}")),
        status: Set("sent".into()),
        attempts: Set(1),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(at),
        sent_at: Set(Some(at)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    operator_delivery::ActiveModel {
        subscription_id: Set("sub-retention".into()),
        message_id: Set(format!("msg-{tag}")),
        event_type: Set("recall".into()),
        payload: Set("{}".into()),
        status: Set("delivered".into()),
        attempts: Set(1),
        next_attempt_at: Set(at),
        last_error: Set(None),
        created_at: Set(at),
        delivered_at: Set(Some(at)),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

struct Seeded {
    a: SellerId,
    key: CheckpointKey,
    new_sale: ledger::StoredEvent,
    report: ledger::PurgeReport,
}

/// Seller A sells to seller B twice, four years ago and a year ago: each sale has its sale
/// row and line, a claimed transfer, a submission and a flag; scans, mail and operator
/// notifications are written at both times. Then everything older than three years is purged.
async fn seed_and_purge(db: &DatabaseConnection, engine: Engine) -> Seeded {
    let now = Utc::now();
    let a = seller(db, "91440104MA59ABCD1").await;
    let b = seller(db, "91330106MA2GXYK23").await;
    // The platform the submissions went to.
    db.execute_unprepared(&format!(
        "INSERT INTO platforms (id, code, name_zh, name_en, kind, base_url, protocol, \
         requires_credentials, credential_header, enabled, created_at, updated_at) \
         SELECT 'retention-test', 'retention-test', '测试平台', 'Test platform', 'provincial', \
         'https://trace.example.com', 'epcis2', {f}, 'Authorization', {f}, created_at, created_at \
         FROM sellers LIMIT 1",
        f = match engine {
            Engine::Sqlite => "0",
            Engine::Postgres => "false",
        }
    ))
    .await
    .unwrap();
    let old_sale = record(db, &a, "OLD1", now - years(4)).await;
    let old_claim = record(db, &b, "OLDB", now - years(4) + Duration::hours(2)).await;
    let new_sale = record(db, &a, "NEW1", now - years(1)).await;
    let new_claim = record(db, &b, "NEWB", now - years(1) + Duration::hours(2)).await;
    derived_rows(db, &a, &b, &old_sale, &old_claim, "OLD1").await;
    derived_rows(db, &a, &b, &new_sale, &new_claim, "NEW1").await;
    auxiliary_rows(db, now - years(4), "OLD1").await;
    auxiliary_rows(db, now - years(1), "NEW1").await;

    let key = CheckpointKey::derive(&SecretKey::generate());
    let report = ledger::purge_before(db, &key, now - years(3), now)
        .await
        .unwrap();
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!((report.events, report.checkpoints), (2, 2));

    Seeded {
        a,
        key,
        new_sale,
        report,
    }
}

both_engines!(
    the_purge_takes_every_record_derived_from_a_purged_event_and_keeps_the_rest,
    |t: TestDb| async move {
        let db = &t.db;
        let Seeded {
            a,
            key,
            new_sale,
            report,
        } = seed_and_purge(db, t.engine).await;
        // Every table keeps exactly the row younger than the cut-off: nothing dangling.
        for table in [
            "sales",
            "sale_lines",
            "transfers",
            "submissions",
            "code_flags",
            "code_scans",
            "mail_outbox",
            "operator_deliveries",
        ] {
            assert_eq!(count(db, table).await, 1, "{table} after the purge");
        }
        assert_eq!(
            (
                report.sales,
                report.sale_lines,
                report.transfers,
                report.submissions,
                report.flags,
                report.scans,
                report.mail_jobs,
                report.operator_deliveries
            ),
            (1, 1, 1, 1, 1, 1, 1, 1)
        );
        // What is left is the newer record, and it still points at an event that exists.
        let sales = suyuan_store::sales::list(
            db,
            &a,
            &suyuan_store::sales::SaleFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(sales.len(), 1);
        assert_eq!(
            sales[0].event_id.as_deref(),
            Some(new_sale.id.to_string().as_str())
        );
        let verify = ledger::verify_with(db, Some(&key)).await.unwrap();
        assert!(verify.breaks.is_empty(), "{:?}", verify.breaks);
        assert_eq!((verify.events, verify.checkpoints), (2, 2));
        // The purged code answers as an unknown code, not an error.
        let purged = TraceCode::parse("(01)09520001000010(21)OLD1").unwrap();
        suyuan_store::trace::facts(db, &purged).await.unwrap();
    }
);

suyuan_tests::both_engines_app!(
    after_the_purge_every_list_and_the_trace_page_answer_without_the_purged_records,
    |app: suyuan_tests::TestApp| async move {
        let Seeded { a, new_sale, .. } = seed_and_purge(&app.db.db, app.db.engine).await;
        let token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Seller,
                a.as_str(),
                None,
                std::time::Duration::from_secs(3600),
            )
            .unwrap();
        let http = reqwest::Client::new();
        // The seller's lists: the year-old record is there, the purged one is not.
        for path in [
            "/api/v1/sales",
            "/api/v1/transfers",
            "/api/v1/submissions",
            "/api/v1/flags",
        ] {
            let res = http
                .get(format!("{}{path}", app.address))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::OK, "{path}");
            let body = res.text().await.unwrap();
            assert!(
                body.contains("NEW1") || body.contains(&new_sale.id.to_string()),
                "{path}: {body}"
            );
            assert!(
                !body.contains("OLD1"),
                "{path} still lists a purged record: {body}"
            );
        }
        // The purged sale is gone, not dangling.
        let res = http
            .get(format!("{}/api/v1/sales/sale-OLD1", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::NOT_FOUND);
        let res = http
            .get(format!("{}/api/v1/sales/sale-NEW1", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        // The public trace page of a purged code answers as for an unknown code (404, not a
        // 500); a kept code still shows its page.
        for (serial, lang) in [("OLD1", "zh"), ("OLD1", "en"), ("NEW1", "zh")] {
            let code = "(01)09520001000010(21)".to_owned() + serial;
            let res = http
                .get(format!(
                    "{}/t/{}?lang={lang}",
                    app.address,
                    urlencoding(&code)
                ))
                .send()
                .await
                .unwrap();
            let expected = if serial == "NEW1" {
                reqwest::StatusCode::OK
            } else {
                reqwest::StatusCode::NOT_FOUND
            };
            assert_eq!(res.status(), expected, "/t/{code}?lang={lang}");
        }
    }
);

fn urlencoding(s: &str) -> String {
    s.replace('(', "%28").replace(')', "%29")
}
