//! The ledger on both engines: append-only, hash-chained, scoped, and tamper-evident.

use chrono::{FixedOffset, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use suyuan_core::codes::TraceCode;
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::{DivisionCode, Jurisdiction};
use suyuan_core::epcis::{
    Action, BizStep, Disposition, EpcisDocument, ErrorReason, TraceEvent, vocab::ext,
};
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::SellerType;
use suyuan_store::ledger::{self, CodeEntry, CodeRole, EventScope, RecordKind, RecordMeta};
use suyuan_store::tenants::{self, NewSeller};
use suyuan_tests::{TestDb, both_engines, both_engines_app};

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

fn sale(serial: &str, region: &str) -> (TraceEvent, TraceCode) {
    let code = TraceCode::parse(&format!("(01)09520001000010(21){serial}")).unwrap();
    let t = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 1, 10, 0, 0)
        .unwrap();
    let event = TraceEvent::object(Action::Observe, t, Utc::now())
        .epc(code.to_epc_uri())
        .biz_step(BizStep::RetailSelling)
        .disposition(Disposition::RetailSold)
        .extension(ext::CATEGORY, "ebike")
        .extension(ext::REGION, region)
        .extension(ext::BUYER_TYPE, "consumer")
        .build()
        .unwrap();
    (event, code)
}

fn meta(code: &TraceCode, region: &str) -> RecordMeta {
    RecordMeta {
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
            code: code.clone(),
            quantity: None,
            uom: None,
        }],
    }
}

async fn record(
    db: &DatabaseConnection,
    s: &SellerId,
    serial: &str,
    region: &str,
) -> ledger::StoredEvent {
    let (event, code) = sale(serial, region);
    ledger::append_one(db, s, &event, meta(&code, region))
        .await
        .unwrap()
}

both_engines!(
    appended_events_form_a_verifiable_chain_per_seller,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let b = seller(&t.db, "91330106MA2GXYK23", "330106").await;
        let first = record(&t.db, &a, "S1", "440106").await;
        let second = record(&t.db, &a, "S2", "440305").await;
        let other = record(&t.db, &b, "S3", "330102").await;
        assert_eq!((first.seq, second.seq, other.seq), (1, 2, 1));
        assert_eq!(second.row.prev_hash, first.hash);
        assert_eq!(first.row.prev_hash, "0".repeat(64));
        let report = ledger::verify(&t.db).await.unwrap();
        assert_eq!((report.sellers, report.events), (2, 3));
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
    }
);

both_engines!(
    the_database_refuses_updates_and_deletes_of_events,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let stored = record(&t.db, &a, "S1", "440106").await;
        let update =
            t.db.execute_unprepared(&format!(
                "UPDATE trace_events SET region = '110101' WHERE id = '{}'",
                stored.id
            ))
            .await;
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete =
            t.db.execute_unprepared(&format!(
                "DELETE FROM trace_events WHERE id = '{}'",
                stored.id
            ))
            .await;
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        let delete_codes =
            t.db.execute_unprepared("DELETE FROM trace_event_codes")
                .await;
        assert!(
            delete_codes
                .unwrap_err()
                .to_string()
                .contains("append-only")
        );
        assert_eq!(ledger::count_for_seller(&t.db, &a).await.unwrap(), 1);
    }
);

both_engines!(
    an_edited_event_document_is_named_by_verify,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        record(&t.db, &a, "S1", "440106").await;
        let victim = record(&t.db, &a, "S2", "440305").await;
        record(&t.db, &a, "S3", "440106").await;
        t.edit_around_the_trigger(&format!("UPDATE trace_events SET document = REPLACE(document, '440305', '110101') WHERE id = '{}'", victim.id),
    )
    .await;
        let report = ledger::verify(&t.db).await.unwrap();
        assert_eq!(report.breaks.len(), 1);
        assert_eq!(report.breaks[0].event_id, victim.id.to_string());
        assert_eq!(report.breaks[0].seq, 2);
        assert!(
            report.breaks[0].reason.contains("hash"),
            "{}",
            report.breaks[0].reason
        );
    }
);

both_engines!(
    an_edited_event_column_is_named_by_verify,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let victim = record(&t.db, &a, "S1", "440106").await;
        t.edit_around_the_trigger(&format!(
            "UPDATE trace_events SET biz_step = 'shipping' WHERE id = '{}'",
            victim.id
        ))
        .await;
        let report = ledger::verify(&t.db).await.unwrap();
        assert_eq!(report.breaks[0].event_id, victim.id.to_string());
        assert!(
            report.breaks[0].reason.contains("columns"),
            "{}",
            report.breaks[0].reason
        );
    }
);

both_engines!(
    facts_edited_around_the_trigger_are_named_by_verify_with_their_column,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let mut victims = Vec::new();
        for i in 0..5 {
            victims.push(record(&t.db, &a, &format!("F{i}"), "440106").await);
        }
        // An amendment: a declaration and its corrective event, which moves the sale to Hangzhou.
        let amended = suyuan_store::corrections::correct(
            &t.db,
            &suyuan_tests::catalogue(),
            &a,
            &victims[4].id.to_string(),
            "wrong region",
            [("region".to_owned(), serde_json::json!("330106"))].into(),
        )
        .await
        .unwrap();
        let corrective = amended.corrective.unwrap();
        assert_eq!(corrective.row.region.as_deref(), Some("330106"));
        assert_eq!(corrective.row.category_id.as_deref(), Some("ebike"));
        let clean = ledger::verify(&t.db).await.unwrap();
        assert!(clean.breaks.is_empty(), "{:?}", clean.breaks);
        let edits: [(String, &str, String); 6] = [
            (victims[0].id.to_string(), "record_kind", "'receipt'".into()),
            (
                victims[1].id.to_string(),
                "category_id",
                "'wire_cable'".into(),
            ),
            (victims[2].id.to_string(), "region", "'110101'".into()),
            (
                victims[3].id.to_string(),
                "buyer_type",
                "'distributor'".into(),
            ),
            (
                amended.declaration.id.to_string(),
                "corrects_id",
                format!("'{}'", victims[0].id),
            ),
            (corrective.id.to_string(), "corrects_id", "NULL".into()),
        ];
        let sql: Vec<String> = edits
            .iter()
            .map(|(id, column, value)| {
                format!("UPDATE trace_events SET {column} = {value} WHERE id = '{id}'")
            })
            .collect();
        t.edit_around_the_trigger(&sql.join("; ")).await;
        let report = ledger::verify(&t.db).await.unwrap();
        let named: Vec<(String, Option<String>)> = report
            .breaks
            .iter()
            .map(|b| (b.event_id.clone(), b.column.clone()))
            .collect();
        let expected: Vec<(String, Option<String>)> = edits
            .iter()
            .map(|(id, column, _)| (id.clone(), Some((*column).to_owned())))
            .collect();
        assert_eq!(named, expected, "{:#?}", report.breaks);
        assert!(
            report.breaks[2].reason.contains("110101")
                && report.breaks[2].reason.contains("440106"),
            "{}",
            report.breaks[2].reason
        );
    }
);

both_engines!(
    concurrent_appends_for_one_seller_never_fork_the_chain,
    |t: TestDb| async move {
        let a = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let db = t.db.clone();
            let a = a.clone();
            tasks.push(tokio::spawn(async move {
                record(&db, &a, &format!("C{i}"), "440106").await.seq
            }));
        }
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=24).collect::<Vec<i64>>());
        assert!(ledger::verify(&t.db).await.unwrap().breaks.is_empty());
    }
);

both_engines!(
    scopes_keep_sellers_and_jurisdictions_apart,
    |t: TestDb| async move {
        let gd = seller(&t.db, "91440104MA59ABCD1", "440104").await;
        let zj = seller(&t.db, "91330106MA2GXYK23", "330106").await;
        record(&t.db, &gd, "S1", "440106").await;
        record(&t.db, &zj, "S2", "330102").await;
        record(&t.db, &zj, "S3", "330102").await;
        let own = ledger::events_in_scope(&t.db, &EventScope::Seller(gd.clone()), None)
            .await
            .unwrap();
        assert_eq!(own.len(), 1);
        assert!(own.iter().all(|e| e.seller_id == gd));
        let zhejiang = Jurisdiction::parse("33").unwrap();
        let seen = ledger::events_in_scope(&t.db, &EventScope::Jurisdiction(zhejiang), None)
            .await
            .unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen.iter().all(|e| e.seller_id == zj));
        let city = Jurisdiction::parse("4401").unwrap();
        assert_eq!(
            ledger::events_in_scope(&t.db, &EventScope::Jurisdiction(city), None)
                .await
                .unwrap()
                .len(),
            1
        );
    }
);

both_engines!(
    a_correction_keeps_the_original_and_exports_both,
    |t: TestDb| async move {
        let a = seller(&t.db, "91310115MA1HJK7P8", "310115").await;
        let (original, code) = sale("S1", "310104");
        let stored = ledger::append_one(&t.db, &a, &original, meta(&code, "310104"))
            .await
            .unwrap();
        let fixed = original
            .to_builder()
            .extension(ext::REGION, "310112")
            .build()
            .unwrap();
        let correction = TraceEvent::correction_of(
            &original,
            ErrorReason::IncorrectData,
            Some(fixed),
            Utc::now(),
        )
        .unwrap();
        let mut m = meta(&code, "310112");
        m.kind = RecordKind::Correction;
        m.corrects = Some(stored.id.clone());
        ledger::append_one(&t.db, &a, &correction.declaration, m.clone())
            .await
            .unwrap();
        m.kind = RecordKind::Sale;
        ledger::append_one(&t.db, &a, correction.corrective.as_ref().unwrap(), m)
            .await
            .unwrap();

        let events = ledger::events_in_scope(&t.db, &EventScope::Seller(a), None)
            .await
            .unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(events[0].event, original);
        let declared = events[1].event.error_declaration().expect("declaration");
        assert_eq!(declared.reason(), ErrorReason::IncorrectData);
        assert_eq!(events[1].event.event_id(), original.event_id());
        assert_eq!(
            declared.corrective_event_ids(),
            [events[2].event.event_id().to_owned()]
        );
        assert_eq!(events[2].event.extension(ext::REGION).unwrap(), "310112");
        let doc =
            EpcisDocument::new(events.into_iter().map(|e| e.event).collect(), Utc::now()).to_json();
        assert_eq!(doc["epcisBody"]["eventList"].as_array().unwrap().len(), 3);
    }
);

both_engines_app!(
    the_missing_elements_beside_a_record_are_rederived_by_verify,
    |app: suyuan_tests::TestApp| async move {
        use crate::suyuan::transfers::{a_receives, seller_named};
        let (a, token, _) = seller_named(&app, "广州骑乐电器商行", "91440104MA59ABCD1").await;
        a_receives(&app, &token, &["M1"]).await;
        let clean = ledger::verify(&app.db.db).await.unwrap();
        assert!(clean.breaks.is_empty(), "{:?}", clean.breaks);
        let receipt = ledger::events_in_scope(
            &app.db.db,
            &ledger::EventScope::Seller(suyuan_core::ids::SellerId::parse(&a).unwrap()),
            None,
        )
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.row.record_kind == "receipt")
        .unwrap();
        assert!(receipt.row.catalogue_version.is_some());
        // Someone with database access makes the record look incomplete (or complete).
        app.db
            .edit_around_the_trigger(&format!(
                "UPDATE trace_events SET missing_elements = '[\"certificate\"]' WHERE id = '{}'",
                receipt.id
            ))
            .await;
        let report = ledger::verify(&app.db.db).await.unwrap();
        let named: Vec<(String, Option<String>)> = report
            .breaks
            .iter()
            .map(|b| (b.event_id.clone(), b.column.clone()))
            .collect();
        assert_eq!(
            named,
            vec![(receipt.id.to_string(), Some("missing_elements".to_owned()))],
            "{:#?}",
            report.breaks
        );
    }
);
