//! One registration, every platform: trace events routed to registered platforms through the
//! outbox, delivered to the stand-in platform over real HTTP, retried, dead-lettered, replayed,
//! corrected, and shown in the submission list, on SQLite and PostgreSQL.

use super::marketplace::{client, seller};
use chrono::{FixedOffset, TimeZone, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use suyuan_core::codes::TraceCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::{Action, BizStep, Disposition, TraceEvent, vocab::ext};
use suyuan_core::ids::SellerId;
use suyuan_store::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use suyuan_tests::standin::{Mode, StandIn};
use suyuan_tests::{Engine, TestApp, TestDb, both_engines_app};

// --- helpers ---------------------------------------------------------------------------------

/// Registers a platform at the stand-in with quick retry settings; returns its id.
pub async fn register(app: &TestApp, standin: &StandIn, code: &str, extra: Value) -> String {
    let mut body = json!({
        "code": code,
        "name": "测试追溯平台",
        "name_en": "Test trace platform",
        "kind": "epcis_repository",
        "base_url": standin.base_url(),
        "protocol": {"kind": "epcis"},
        "max_attempts": 6,
        "backoff_base_ms": 50,
        "backoff_max_ms": 200,
        "request_timeout_ms": 5000,
        "follow_max_ms": 5000,
    });
    if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
        b.extend(extra);
    }
    let res = client()
        .post(format!("{}/api/v1/platforms", app.address))
        .bearer_auth(app.admin_token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    let out: Value = res.json().await.unwrap();
    out["id"].as_str().unwrap().to_owned()
}

/// Routes every record (any category, any region, any kind) to the platform; returns the rule id.
pub async fn route_all(app: &TestApp, platform_id: &str) -> String {
    let res = client()
        .post(format!("{}/api/v1/routing-rules", app.address))
        .bearer_auth(app.admin_token())
        .json(&json!({ "platform_id": platform_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code(serial: &str) -> TraceCode {
    TraceCode::parse(&format!("(01)09520001000010(21){serial}")).unwrap()
}

/// Records a receipt or a sale of one e-bike unit straight into the seller's chain (the path
/// every record takes); returns the event id.
async fn record(app: &TestApp, seller: &str, serial: &str, kind: RecordKind) -> String {
    let code = code(serial);
    let t = FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
        .unwrap();
    let mut b = TraceEvent::object(Action::Observe, t, Utc::now())
        .epc(code.to_epc_uri())
        .extension(ext::CATEGORY, "ebike")
        .extension(ext::REGION, "440104");
    b = match kind {
        RecordKind::Sale => b
            .biz_step(BizStep::RetailSelling)
            .disposition(Disposition::RetailSold),
        _ => b.biz_step(BizStep::Receiving),
    };
    let event = b.build().unwrap();
    let stored = ledger::append_one(
        &app.db.db,
        &SellerId::parse(seller).unwrap(),
        &event,
        RecordMeta {
            kind,
            category: Some("ebike".into()),
            region: Some(DivisionCode::parse("440104").unwrap()),
            buyer_type: None,
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
        },
    )
    .await
    .unwrap();
    stored.id.to_string()
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The seller's whole submission list (every page).
async fn ledger_of(app: &TestApp, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    loop {
        let (status, page) = get_json(
            app,
            token,
            &format!("/api/v1/submissions?limit=50&after={after}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => return items,
        }
    }
}

/// Waits until the seller's ledger satisfies `check` (the worker is asynchronous).
async fn until_ledger(
    app: &TestApp,
    token: &str,
    secs: u64,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let items = ledger_of(app, token).await;
        if check(&items) {
            return items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the ledger never got there: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn all_accepted(n: usize) -> impl Fn(&[Value]) -> bool {
    move |items| items.len() == n && items.iter().all(|i| i["status"] == "accepted")
}

fn serial_of(event: &Value) -> String {
    event["epcList"][0]
        .as_str()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

// --- tests -----------------------------------------------------------------------------------

both_engines_app!(
    every_routed_record_reaches_the_platform_once_with_its_key_and_a_correction_reaches_it_again,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(&app, &standin, "national", json!({})).await;
        let rule = route_all(&app, &platform).await;
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;

        let receipt = record(&app, &seller_id, "A1", RecordKind::Receipt).await;
        let sale = record(&app, &seller_id, "A1", RecordKind::Sale).await;
        let items = until_ledger(&app, &token, 20, all_accepted(2)).await;

        let captured = standin.captured();
        assert_eq!(captured.len(), 2, "each record once");
        assert_eq!(standin.requests(), 2, "no request was repeated");
        let keys: Vec<_> = captured
            .iter()
            .map(|c| c.idempotency_key.clone().unwrap())
            .collect();
        assert_eq!(
            keys,
            vec![
                format!("{receipt}.{platform}"),
                format!("{sale}.{platform}")
            ]
        );
        assert_eq!(captured[0].event["bizStep"], "receiving");
        assert_eq!(captured[1].event["bizStep"], "retail_selling");
        assert!(standin.rejected_documents().is_empty());
        assert!(items.iter().all(|i| i["receipt"].is_string()
            && i["routed_by"] == "rule"
            && i["platform_code"] == "national"
            && i["status_label"] == "平台已接收"));

        // The rule goes; a correction of the sale still reaches the platform that had it.
        let res = client()
            .delete(format!("{}/api/v1/routing-rules/{rule}", app.address))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        let res = client()
            .post(format!("{}/api/v1/events/{sale}/corrections", app.address))
            .bearer_auth(&token)
            .json(&json!({"reason": "地区填错", "changes": {"region": "440105"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let correction: Value = res.json().await.unwrap();
        let items = until_ledger(&app, &token, 20, all_accepted(4)).await;
        assert!(
            items[2..].iter().all(|i| i["routed_by"] == "correction"),
            "{items:#?}"
        );
        let captured = standin.captured();
        assert_eq!(captured.len(), 4);
        assert_eq!(
            captured[2].idempotency_key.as_deref(),
            Some(
                format!(
                    "{}.{platform}",
                    correction["declaration_id"].as_str().unwrap()
                )
                .as_str()
            )
        );
        assert_eq!(
            captured[2].event["errorDeclaration"]["reason"],
            "incorrect_data"
        );
        assert_eq!(captured[3].event["suyuan:region"], "440105");

        // Per record: where it went.
        let (status, per_event) =
            get_json(&app, &token, &format!("/api/v1/events/{sale}/submissions")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(per_event.as_array().unwrap().len(), 1);
        assert_eq!(per_event[0]["status"], "accepted");
        // The outcomes are counted for Prometheus, by platform.
        let metrics = client()
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics
                .contains(r#"suyuan_submissions_total{outcome="accepted",platform="national"} 4"#),
            "{metrics}"
        );
        // A record routed nowhere after the rule went: nothing more is sent.
        record(&app, &seller_id, "A2", RecordKind::Receipt).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(standin.captured().len(), 4);
        assert_eq!(ledger_of(&app, &token).await.len(), 4);
    }
);

both_engines_app!(
    a_platform_down_for_a_while_loses_nothing_sends_nothing_twice_and_keeps_each_code_in_order,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(
            &app,
            &standin,
            "ebike",
            json!({"max_attempts": 50, "request_timeout_ms": 1000}),
        )
        .await;
        route_all(&app, &platform).await;
        let (a, a_token) = seller(&app, "91440104MA59ABCD1").await;
        let (b, b_token) = seller(&app, "91330106MA2GXYK23").await;
        standin.set_mode(Mode::Fail);

        // A receives and sells five units; B, a next-tier seller, then receives them.
        let mut order: Vec<String> = Vec::new();
        for i in 1..=5 {
            order.push(record(&app, &a, &format!("U{i}"), RecordKind::Receipt).await);
        }
        for i in 1..=5 {
            order.push(record(&app, &a, &format!("U{i}"), RecordKind::Sale).await);
        }
        for i in 1..=5 {
            order.push(record(&app, &b, &format!("U{i}"), RecordKind::Receipt).await);
        }
        // Down for a while: first 503s, then a platform that hangs past the timeout.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        standin.set_mode(Mode::Hang);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(standin.captured().is_empty());
        let failed_requests = standin.requests();
        assert!(failed_requests >= 2, "{failed_requests}");
        let waiting = ledger_of(&app, &a_token).await;
        assert_eq!(waiting.len(), 10);
        assert!(
            waiting
                .iter()
                .all(|i| i["status"] == "pending" || i["status"] == "sending")
        );
        assert!(
            waiting[0]["attempts"].as_i64().unwrap() >= 2,
            "{waiting:#?}"
        );
        assert!(waiting[0]["reason"].is_string());

        standin.set_mode(Mode::Normal);
        until_ledger(&app, &a_token, 30, all_accepted(10)).await;
        until_ledger(&app, &b_token, 30, all_accepted(5)).await;

        let captured = standin.captured();
        let ids: Vec<String> = captured.iter().map(|c| c.event_id.clone()).collect();
        assert_eq!(ids.len(), 15, "nothing lost, nothing twice: {ids:?}");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 15);
        // Per code, the platform got the records in the order they were recorded: A's receipt,
        // A's sale, then B's receipt.
        let mut seen: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for c in &captured {
            let seller = if c
                .idempotency_key
                .as_deref()
                .is_some_and(|k| order[10..].iter().any(|e| k.starts_with(e.as_str())))
            {
                "B"
            } else {
                "A"
            };
            seen.entry(serial_of(&c.event)).or_default().push((
                seller.to_owned(),
                c.event["bizStep"].as_str().unwrap().to_owned(),
            ));
        }
        for i in 1..=5 {
            let want = vec![
                ("A".to_owned(), "receiving".to_owned()),
                ("A".to_owned(), "retail_selling".to_owned()),
                ("B".to_owned(), "receiving".to_owned()),
            ];
            assert_eq!(seen[&format!("U{i}")], want, "U{i}");
        }
    }
);

both_engines_app!(
    a_next_tier_seller_s_receipt_of_a_unit_reaches_the_platform_after_the_sale_of_it,
    |app: TestApp| async move {
        // A slow platform: A's records queue up behind each other while B's receipts of the
        // same units are ready at once. B's must still wait for A's sales of those units.
        let standin = StandIn::start().await;
        standin.set_mode(Mode::Slow(Duration::from_millis(120)));
        let platform = register(&app, &standin, "ebike", json!({})).await;
        route_all(&app, &platform).await;
        let (a, a_token) = seller(&app, "91440104MA59ABCD1").await;
        let (b, b_token) = seller(&app, "91330106MA2GXYK23").await;
        let mut b_events = HashSet::new();
        for i in 1..=3 {
            record(&app, &a, &format!("N{i}"), RecordKind::Receipt).await;
            record(&app, &a, &format!("N{i}"), RecordKind::Sale).await;
        }
        // B first receives a unit A never had: nothing holds that one back.
        let free = record(&app, &b, "FREE", RecordKind::Receipt).await;
        for i in 1..=3 {
            b_events.insert(record(&app, &b, &format!("N{i}"), RecordKind::Receipt).await);
        }
        until_ledger(&app, &a_token, 30, all_accepted(6)).await;
        until_ledger(&app, &b_token, 30, all_accepted(4)).await;

        let captured = standin.captured();
        assert_eq!(captured.len(), 10);
        let position = |serial: &str, biz: &str, by_b: bool| {
            captured
                .iter()
                .position(|c| {
                    let is_b = b_events.iter().chain([&free]).any(|e| {
                        c.idempotency_key
                            .as_deref()
                            .is_some_and(|k| k.starts_with(e.as_str()))
                    });
                    serial_of(&c.event) == serial && c.event["bizStep"] == biz && is_b == by_b
                })
                .unwrap()
        };
        for i in 1..=3 {
            let serial = format!("N{i}");
            assert!(
                position(&serial, "retail_selling", false) < position(&serial, "receiving", true),
                "{serial}: B's receipt arrived before A's sale"
            );
        }
        assert!(
            position("FREE", "receiving", true) < position("N3", "retail_selling", false),
            "an unrelated unit of B waited for A"
        );
    }
);

both_engines_app!(
    a_hanging_platform_holds_up_only_its_own_submissions,
    |app: TestApp| async move {
        let hanging = StandIn::start().await;
        let healthy = StandIn::start().await;
        hanging.set_mode(Mode::Hang);
        let slow = register(
            &app,
            &hanging,
            "hanging",
            json!({"request_timeout_ms": 10000}),
        )
        .await;
        let fine = register(&app, &healthy, "healthy", json!({})).await;
        route_all(&app, &slow).await;
        route_all(&app, &fine).await;
        let (seller_id, _) = seller(&app, "91440104MA59ABCD1").await;
        let started = std::time::Instant::now();
        for i in 1..=5 {
            record(&app, &seller_id, &format!("H{i}"), RecordKind::Receipt).await;
        }
        while healthy.captured().len() < 5 {
            assert!(
                started.elapsed() < Duration::from_secs(8),
                "the healthy platform waited for the hanging one"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(hanging.captured().is_empty());
        assert_eq!(
            hanging.requests(),
            1,
            "one request in flight; the rest wait in order"
        );
    }
);

both_engines_app!(
    a_submission_is_dead_lettered_after_its_budget_with_the_reason_and_a_replay_delivers_it,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(
            &app,
            &standin,
            "provincial-44",
            json!({"kind": "provincial", "max_attempts": 2, "request_timeout_ms": 200}),
        )
        .await;
        route_all(&app, &platform).await;
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        standin.set_mode(Mode::Hang);
        let first = record(&app, &seller_id, "D1", RecordKind::Receipt).await;
        let items = until_ledger(&app, &token, 20, |items| {
            items.len() == 1 && items[0]["status"] == "dead"
        })
        .await;
        let reason = items[0]["reason"].as_str().unwrap();
        assert!(
            reason.contains("gave up after 2 attempts") && reason.contains("timed out"),
            "{reason}"
        );
        assert_eq!(items[0]["attempts"], 2);
        assert_eq!(items[0]["status_label_en"], "failed after every retry");

        // A dead submission holds nothing back: the next record goes through.
        standin.set_mode(Mode::Normal);
        let second = record(&app, &seller_id, "D2", RecordKind::Receipt).await;
        let items = until_ledger(&app, &token, 20, |items| {
            items.len() == 2 && items[1]["status"] == "accepted"
        })
        .await;
        assert_eq!(items[0]["status"], "dead");
        assert_eq!(standin.captured().len(), 1);
        assert_eq!(
            standin.captured()[0].idempotency_key.as_deref(),
            Some(format!("{second}.{platform}").as_str())
        );

        // The dead-letter list by status, then replay.
        let (_, dead) = get_json(&app, &token, "/api/v1/submissions?status=dead").await;
        assert_eq!(dead["items"].as_array().unwrap().len(), 1);
        let id = dead["items"][0]["id"].as_i64().unwrap();
        let res = client()
            .post(format!("{}/api/v1/submissions/{id}/replay", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        until_ledger(&app, &token, 20, all_accepted(2)).await;
        let captured = standin.captured();
        assert_eq!(captured.len(), 2);
        assert_eq!(
            captured[1].idempotency_key.as_deref(),
            Some(format!("{first}.{platform}").as_str()),
            "replayed with the same key"
        );
        // Replaying an accepted submission finds nothing to replay.
        let res = client()
            .post(format!("{}/api/v1/submissions/{id}/replay", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

both_engines_app!(
    a_platform_refusing_a_record_shows_its_reason_and_replaying_all_dead_for_a_platform_works,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(&app, &standin, "wire", json!({"max_attempts": 1})).await;
        route_all(&app, &platform).await;
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        standin.set_mode(Mode::Reject);
        record(&app, &seller_id, "R1", RecordKind::Receipt).await;
        let items = until_ledger(&app, &token, 20, |i| {
            i.len() == 1 && i[0]["status"] == "rejected"
        })
        .await;
        assert_eq!(items[0]["http_status"], 400);
        assert!(
            items[0]["reason"]
                .as_str()
                .unwrap()
                .contains("told to refuse"),
            "{items:#?}"
        );
        standin.set_mode(Mode::Fail);
        record(&app, &seller_id, "R2", RecordKind::Receipt).await;
        until_ledger(&app, &token, 20, |i| {
            i.len() == 2 && i[1]["status"] == "dead"
        })
        .await;
        standin.set_mode(Mode::Normal);
        let res: Value = client()
            .post(format!(
                "{}/api/v1/platforms/{platform}/replay",
                app.address
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(res["replayed"], 1, "only the dead one");
        let items = until_ledger(&app, &token, 20, |i| i[1]["status"] == "accepted").await;
        assert_eq!(items[0]["status"], "rejected");
        assert_eq!(standin.captured().len(), 1);
    }
);

both_engines_app!(
    a_json_platform_gets_the_mapped_body_and_the_seller_s_sealed_credential_which_no_answer_shows,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(
            &app,
            &standin,
            "gas",
            json!({
                "kind": "industry_gas_appliance",
                "protocol": {"kind": "json_http", "path": "/json/records", "mapping": {"fields": {
                    "eventId": {"pointer": "/eventID", "required": true},
                    "goods.code": {"pointer": "/epcList/0", "required": true},
                    "goods.batch": {"pointer": "/suyuan:batch"},
                    "occurred": {"pointer": "/eventTime"},
                    "seller.creditCode": {"meta": "seller_credit_code"},
                    "kind": {"meta": "record_kind"},
                    "source": {"constant": "suyuan"},
                }}},
                "requires_credentials": true,
                "credential_header": "X-Api-Key",
            }),
        )
        .await;
        route_all(&app, &platform).await;
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        let credit =
            suyuan_core::credit_code::CreditCode::with_check_character("91440104MA59ABCD1")
                .unwrap()
                .to_string();
        let event = record(&app, &seller_id, "G1", RecordKind::Sale).await;

        // Held, visibly, until the seller gives its credential.
        let items = until_ledger(&app, &token, 20, |i| {
            i.len() == 1 && i[0]["status"] == "needs_credentials"
        })
        .await;
        assert_eq!(items[0]["status_label"], "待填写平台凭证");
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(standin.requests(), 0);
        let (_, listed) = get_json(&app, &token, "/api/v1/platforms").await;
        assert_eq!(listed[0]["credentials_configured"], false);

        let res = client()
            .put(format!(
                "{}/api/v1/platforms/{platform}/credentials",
                app.address
            ))
            .bearer_auth(&token)
            .json(&json!({"value": "key-s3cret-9f2"}))
            .send()
            .await
            .unwrap();
        let text = res.text().await.unwrap();
        assert!(!text.contains("key-s3cret-9f2"), "{text}");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["released"], 1);
        until_ledger(&app, &token, 20, all_accepted(1)).await;

        let captured = standin.captured();
        assert_eq!(captured.len(), 1);
        assert_eq!(captured[0].via, "json");
        assert_eq!(
            captured[0].event,
            json!({
                "eventId": captured[0].event_id,
                "goods": {"code": "https://id.gs1.org/01/09520001000010/21/G1"},
                "occurred": "2026-11-20T10:00:00+08:00",
                "seller": {"creditCode": credit},
                "kind": "sale",
                "source": "suyuan",
            })
        );
        assert_eq!(captured[0].headers["x-api-key"], "key-s3cret-9f2");
        assert_eq!(
            captured[0].headers["idempotency-key"],
            format!("{event}.{platform}")
        );

        // The credential shows nowhere: not in any answer, not in the database in the clear.
        for path in [
            "/api/v1/platforms".to_owned(),
            format!("/api/v1/platforms/{platform}"),
            "/api/v1/submissions".to_owned(),
            format!("/api/v1/events/{event}/submissions"),
        ] {
            let (_, body) = get_json(&app, &token, &path).await;
            assert!(!body.to_string().contains("s3cret"), "{path}: {body}");
        }
        let (_, admin_view) = get_json(&app, &app.admin_token(), "/api/v1/platforms").await;
        assert!(!admin_view.to_string().contains("s3cret"));
        use sea_orm::{ConnectionTrait, Statement};
        let rows = app
            .db
            .db
            .query_all_raw(Statement::from_string(
                app.db.db.get_database_backend(),
                "SELECT value_ciphertext FROM platform_credentials",
            ))
            .await
            .unwrap();
        let sealed: String = rows[0].try_get("", "value_ciphertext").unwrap();
        assert!(sealed.starts_with("v2:") && !sealed.contains("s3cret"));
        let (_, listed) = get_json(&app, &token, "/api/v1/platforms").await;
        assert_eq!(listed[0]["credentials_configured"], true);

        // The platform stops taking the key: the record is held for a new credential (not
        // refused for good), with the platform's answer, and the seller's later records wait
        // behind it.
        standin.set_mode(Mode::Unauthorized);
        let refused = record(&app, &seller_id, "G2", RecordKind::Sale).await;
        let items = until_ledger(&app, &token, 20, |i| {
            i.iter()
                .any(|s| s["event_id"] == refused.as_str() && s["status"] == "needs_credentials")
        })
        .await;
        let held = items
            .iter()
            .find(|s| s["event_id"] == refused.as_str())
            .unwrap();
        assert_eq!(held["http_status"], 401, "{held}");
        assert_eq!(held["attempts"], 0, "{held}");
        assert!(
            held["reason"]
                .as_str()
                .unwrap()
                .contains("refused the seller's credential"),
            "{held}"
        );
        let behind = record(&app, &seller_id, "G3", RecordKind::Sale).await;
        standin.set_mode(Mode::Normal);
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(
            standin.captured().len(),
            1,
            "nothing goes while the credential is refused"
        );
        let res = client()
            .put(format!(
                "{}/api/v1/platforms/{platform}/credentials",
                app.address
            ))
            .bearer_auth(&token)
            .json(&json!({"value": "key-n3w-7c1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.json::<Value>().await.unwrap()["released"], 1);
        until_ledger(&app, &token, 20, all_accepted(3)).await;
        let keys: Vec<String> = standin
            .captured()
            .iter()
            .map(|c| c.headers["idempotency-key"].clone())
            .collect();
        assert_eq!(
            keys[1..],
            [
                format!("{refused}.{platform}"),
                format!("{behind}.{platform}")
            ]
        );
        assert!(
            standin.captured()[1..]
                .iter()
                .all(|c| c.headers["x-api-key"] == "key-n3w-7c1")
        );
    }
);

both_engines_app!(
    a_seller_sees_only_its_own_submissions,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let platform = register(&app, &standin, "national", json!({})).await;
        route_all(&app, &platform).await;
        let (a, a_token) = seller(&app, "91440104MA59ABCD1").await;
        let (b, b_token) = seller(&app, "91330106MA2GXYK23").await;
        record(&app, &a, "S1", RecordKind::Receipt).await;
        let theirs = record(&app, &b, "S2", RecordKind::Receipt).await;
        until_ledger(&app, &a_token, 20, all_accepted(1)).await;
        let b_items = until_ledger(&app, &b_token, 20, all_accepted(1)).await;

        let a_items = ledger_of(&app, &a_token).await;
        assert!(a_items.iter().all(|i| i["seller_id"] == a.as_str()));
        let (status, _) = get_json(
            &app,
            &a_token,
            &format!("/api/v1/events/{theirs}/submissions"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, filtered) = get_json(
            &app,
            &a_token,
            &format!("/api/v1/submissions?event_id={theirs}"),
        )
        .await;
        assert_eq!(filtered["items"], json!([]));
        let res = client()
            .post(format!(
                "{}/api/v1/submissions/{}/replay",
                app.address, b_items[0]["id"]
            ))
            .bearer_auth(&a_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        // An admin sees both; a bad filter is named.
        let (_, all) = get_json(&app, &app.admin_token(), "/api/v1/submissions").await;
        assert_eq!(all["items"].as_array().unwrap().len(), 2);
        let res = client()
            .get(format!("{}/api/v1/submissions?status=lost", app.address))
            .bearer_auth(&a_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "status");
    }
);

both_engines_app!(
    routing_rules_send_a_record_only_to_the_platforms_of_its_category_and_region,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let ebike = register(&app, &standin, "ebike", json!({"kind": "industry_ebike"})).await;
        let zhejiang = register(&app, &standin, "zj", json!({"kind": "provincial"})).await;
        let guangdong = register(&app, &standin, "gd", json!({"kind": "provincial"})).await;
        for (platform, rule) in [
            (
                &ebike,
                json!({"category": "ebike", "record_kinds": ["sale"]}),
            ),
            (&zhejiang, json!({"jurisdiction": "33"})),
            (&guangdong, json!({"jurisdiction": "44"})),
        ] {
            let mut rule = rule;
            rule["platform_id"] = json!(platform);
            let res = client()
                .post(format!("{}/api/v1/routing-rules", app.address))
                .bearer_auth(app.admin_token())
                .json(&rule)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
        }
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await; // registered in 440104
        record(&app, &seller_id, "Q1", RecordKind::Receipt).await;
        record(&app, &seller_id, "Q1", RecordKind::Sale).await;
        let items = until_ledger(&app, &token, 20, all_accepted(3)).await;
        let got: Vec<(String, String)> = items
            .iter()
            .map(|i| {
                (
                    i["record_kind"].as_str().unwrap().to_owned(),
                    i["platform_code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("receipt".to_owned(), "gd".to_owned()),
                ("sale".to_owned(), "ebike".to_owned()),
                ("sale".to_owned(), "gd".to_owned()),
            ],
            "{items:#?}"
        );
        // A bad rule names its fields and writes nothing.
        let res = client()
            .post(format!("{}/api/v1/routing-rules", app.address))
            .bearer_auth(app.admin_token())
            .json(&json!({"platform_id": ebike, "category": "spaceship", "jurisdiction": "99", "record_kinds": ["gift"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["category", "jurisdiction", "record_kinds[0]"]);
        let (_, rules) = get_json(&app, &app.admin_token(), "/api/v1/routing-rules").await;
        assert_eq!(rules.as_array().unwrap().len(), 3);
    }
);

/// An app like `spawn_app`, but on an installation that does not allow private targets.
async fn spawn_strict_app(engine: Engine) -> Option<TestApp> {
    use suyuan_server::config::Config;
    use suyuan_server::startup::{Application, Resolved};
    let db = TestDb::new(engine).await?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let env: HashMap<String, String> = [
        ("SUYUAN_DATABASE_URL", db.url.clone()),
        ("SUYUAN_BIND", format!("127.0.0.1:{port}")),
        (
            "SUYUAN_JWT_SECRET",
            suyuan_tests::TEST_JWT_SECRET.to_owned(),
        ),
        ("SUYUAN_WORKER", "off".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::from_sources(None, &env).unwrap();
    assert!(!config.allow_private_targets);
    let secret_key = suyuan_core::secrets::SecretKey::generate();
    let app = Application::build(
        &config,
        Resolved {
            db: db.db.clone(),
            jwt_secret: suyuan_tests::TEST_JWT_SECRET.as_bytes().to_vec(),
            secret_key: secret_key.clone(),
            catalogue: suyuan_server::startup::load_catalogue(&config).unwrap(),
        },
        listener,
    )
    .unwrap();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db,
        tokens: suyuan_web::auth::Tokens::new(suyuan_tests::TEST_JWT_SECRET.as_bytes()),
        secret_key,
    })
}

async fn private_platform_is_refused(engine: Engine) {
    let Some(app) = spawn_strict_app(engine).await else {
        return;
    };
    for url in [
        "http://127.0.0.1:9/",
        "http://10.1.2.3/",
        "http://[::1]:8080/",
    ] {
        let res = client()
            .post(format!("{}/api/v1/platforms", app.address))
            .bearer_auth(app.admin_token())
            .json(
                &json!({"code": "p", "name": "内网平台", "name_en": "Internal", "kind": "other",
                "base_url": url, "protocol": {"kind": "epcis"}}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "base_url", "{problem}");
        assert_eq!(problem["errors"][0]["code"], "private_address", "{problem}");
    }
    // A bad mapping and kind are named too; nothing was written.
    let res = client()
        .post(format!("{}/api/v1/platforms", app.address))
        .bearer_auth(app.admin_token())
        .json(&json!({"code": "Bad Code", "name": "", "name_en": "x", "kind": "mars",
            "base_url": "http://127.0.0.1:9/",
            "protocol": {"kind": "json_http", "path": "/r", "mapping": {"fields": {"a": {"pointer": "eventTime"}}}}}))
        .send()
        .await
        .unwrap();
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "code",
            "name",
            "kind",
            "base_url",
            "protocol.mapping.fields"
        ]
    );
    let (_, listed) = get_json(&app, &app.admin_token(), "/api/v1/platforms").await;
    assert_eq!(listed, json!([]));
}

mod a_platform_at_a_private_address_is_refused_unless_the_installation_allows_it {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        private_platform_is_refused(Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        private_platform_is_refused(Engine::Postgres).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_deliver_each_submission_once() {
    let Some(app) = suyuan_tests::spawn_app(Engine::Postgres).await else {
        return;
    };
    let _second = suyuan_tests::spawn_instance(&app).await;
    let standin = StandIn::start().await;
    let platform = register(&app, &standin, "national", json!({})).await;
    route_all(&app, &platform).await;
    let mut sellers = Vec::new();
    for credit in [
        "91440104MA59ABCD1",
        "91330106MA2GXYK23",
        "91110105MA01ABCD2",
    ] {
        sellers.push(seller(&app, credit).await);
    }
    let mut events = 0;
    for round in 0..10 {
        for (i, (id, _)) in sellers.iter().enumerate() {
            record(&app, id, &format!("M{i}x{round}"), RecordKind::Receipt).await;
            events += 1;
        }
    }
    for (_, token) in &sellers {
        until_ledger(&app, token, 30, all_accepted(10)).await;
    }
    let captured = standin.captured();
    assert_eq!(captured.len(), events);
    assert_eq!(standin.requests(), events, "no submission was sent twice");
    let keys: HashSet<_> = captured.iter().map(|c| c.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), events);
}

/// Throughput of the outbox to the stand-in (EPCIS capture: POST and one job look-up each) on
/// SQLite and PostgreSQL, one stream per seller (`SUYUAN_BENCH_SELLERS`, default 4):
/// `cargo test -p suyuan-tests --test suyuan submissions::throughput -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check"]
async fn throughput_of_submissions_to_the_stand_in() {
    for engine in [Engine::Sqlite, Engine::Postgres] {
        let Some(app) = suyuan_tests::spawn_app(engine).await else {
            continue;
        };
        let standin = StandIn::start().await;
        // Held for credentials while the records are made, then released at once.
        let platform = register(
            &app,
            &standin,
            "national",
            json!({"requires_credentials": true}),
        )
        .await;
        route_all(&app, &platform).await;
        let mut sellers = Vec::new();
        let streams: usize = std::env::var("SUYUAN_BENCH_SELLERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4);
        for i in 0..streams {
            sellers.push(seller(&app, &format!("91440104MA59ABC{i:02}")).await);
        }
        let per_seller = 1000 / streams;
        for round in 0..per_seller {
            for (i, (id, _)) in sellers.iter().enumerate() {
                record(&app, id, &format!("T{i}x{round}"), RecordKind::Receipt).await;
            }
        }
        let total = per_seller * sellers.len();
        for (_, token) in &sellers {
            until_ledger(&app, token, 60, |i| {
                i.len() == per_seller && i.iter().all(|s| s["status"] == "needs_credentials")
            })
            .await;
        }
        let started = std::time::Instant::now();
        for (_, token) in &sellers {
            let res = client()
                .put(format!(
                    "{}/api/v1/platforms/{platform}/credentials",
                    app.address
                ))
                .bearer_auth(token)
                .json(&json!({"value": "Bearer t"}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK);
        }
        while standin.captured().len() < total {
            assert!(started.elapsed() < Duration::from_secs(300));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{engine:?}: {total} submissions in {secs:.2} s = {:.0} submissions/s ({} sellers)",
            total as f64 / secs,
            sellers.len()
        );
    }
}

// --- the outbox store on both engines --------------------------------------------------------

mod store_level {
    use super::*;
    use suyuan_store::submissions::{self as outbox, Finish, NewPlatform, NewRule};
    use suyuan_store::tenants::{self, NewSeller};
    use suyuan_tests::both_engines;

    async fn one_routed_submission(db: &TestDb) -> (SellerId, String) {
        let (mut sellers, platform) = routed_submissions(db, 1).await;
        (sellers.remove(0), platform)
    }

    /// One platform taking every record, and `n` sellers with one receipt each, routed: `n`
    /// streams, each with one submission due now.
    async fn routed_submissions(db: &TestDb, n: usize) -> (Vec<SellerId>, String) {
        let platform = outbox::create_platform(
            &db.db,
            NewPlatform {
                code: "national".into(),
                name_zh: "全国平台".into(),
                name_en: "National".into(),
                kind: "national".into(),
                base_url: "http://127.0.0.1:9".into(),
                protocol: r#"{"kind":"epcis"}"#.into(),
                requires_credentials: false,
                credential_header: "Authorization".into(),
                enabled: true,
                policy: Default::default(),
            },
        )
        .await
        .unwrap();
        outbox::create_rule(
            &db.db,
            NewRule {
                platform_id: platform.id.clone(),
                category_id: None,
                jurisdiction: None,
                record_kinds: None,
            },
        )
        .await
        .unwrap();
        let mut sellers = Vec::new();
        for i in 0..n {
            let credit = if i == 0 {
                "91440104MA59ABCD1".to_string()
            } else {
                format!("91440104MA59A{i:04}")
            };
            let seller = tenants::create_seller(
                &db.db,
                NewSeller {
                    name: format!("租约测试{i}"),
                    credit_code: suyuan_core::credit_code::CreditCode::with_check_character(
                        &credit,
                    )
                    .unwrap(),
                    division_code: DivisionCode::parse("440104").unwrap(),
                    seller_type: suyuan_core::tenancy::SellerType::Offline,
                    email: None,
                },
            )
            .await
            .unwrap()
            .id;
            let code = code(&format!("L{}", i + 1));
            let t = FixedOffset::east_opt(8 * 3600)
                .unwrap()
                .with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
                .unwrap();
            let event = TraceEvent::object(Action::Observe, t, Utc::now())
                .epc(code.to_epc_uri())
                .biz_step(BizStep::Receiving)
                .build()
                .unwrap();
            ledger::append_one(
                &db.db,
                &seller,
                &event,
                RecordMeta {
                    kind: RecordKind::Receipt,
                    category: None,
                    region: None,
                    buyer_type: None,
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
                },
            )
            .await
            .unwrap();
            sellers.push(seller);
        }
        let report = outbox::route_pass(&db.db, 1000, 1000).await.unwrap();
        assert_eq!((report.events, report.submissions), (n, n));
        (sellers, platform.id)
    }

    // Two workers claiming at once, as two instances do: every submission is handed out once.
    // Each claim takes the lowest due head, so the two collide on nearly every claim; on
    // PostgreSQL a row the other worker claimed after this statement's snapshot was taken
    // must be skipped, not claimed again (the race behind a submission sent twice).
    both_engines!(
        two_workers_claiming_at_once_hand_each_submission_out_once,
        |db: TestDb| async move {
            const N: usize = 120;
            let _ = routed_submissions(&db, N).await;
            let lease = chrono::Duration::seconds(60);
            let worker = |db: sea_orm::DatabaseConnection| async move {
                let mut mine = Vec::new();
                loop {
                    let claimed = outbox::claim(&db, 1, lease).await.unwrap();
                    if claimed.is_empty() {
                        return mine;
                    }
                    mine.extend(claimed.into_iter().map(|s| (s.id, s.attempts)));
                }
            };
            let (a, b) = tokio::join!(
                tokio::spawn(worker(db.db.clone())),
                tokio::spawn(worker(db.db.clone()))
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            let all: Vec<_> = a.iter().chain(&b).collect();
            let ids: HashSet<_> = all.iter().map(|(id, _)| *id).collect();
            assert_eq!(ids.len(), N, "every submission was claimed");
            assert_eq!(
                all.len(),
                N,
                "no submission was claimed twice (worker a took {}, worker b {}; claimed again: {:?})",
                a.len(),
                b.len(),
                all.iter()
                    .filter(|(_, attempts)| *attempts > 1)
                    .collect::<Vec<_>>()
            );
        }
    );

    both_engines!(
        a_claim_is_held_for_its_lease_then_taken_over_and_the_old_claim_cannot_write,
        |db: TestDb| async move {
            let _ = one_routed_submission(&db).await;
            // The router moved its cursor: a second pass routes nothing again.
            assert_eq!(
                outbox::route_pass(&db.db, 10, 10).await.unwrap(),
                outbox::RouteReport::default()
            );
            let lease = chrono::Duration::milliseconds(600);
            let first = outbox::claim(&db.db, 10, lease).await.unwrap();
            assert_eq!(first.len(), 1);
            assert_eq!(first[0].attempts, 1);
            assert!(
                outbox::claim(&db.db, 10, lease).await.unwrap().is_empty(),
                "held while leased"
            );

            tokio::time::sleep(Duration::from_millis(800)).await;
            let second = outbox::claim(&db.db, 10, lease).await.unwrap();
            assert_eq!(second.len(), 1, "taken over once the lease ran out");
            assert_eq!(second[0].attempts, 2);
            let stale = outbox::finish(&db.db, &first[0], Finish::Accepted { receipt: None })
                .await
                .unwrap();
            assert!(!stale, "the first worker's claim was lost");
            let current = outbox::finish(
                &db.db,
                &second[0],
                Finish::Accepted {
                    receipt: Some("c1".into()),
                },
            )
            .await
            .unwrap();
            assert!(current);
            let counts = outbox::count_by_status(&db.db).await.unwrap();
            assert_eq!(counts.get("accepted"), Some(&1));
            assert_eq!(counts.len(), 1);
        }
    );

    both_engines!(
        a_live_worker_s_heartbeat_keeps_its_claim_and_a_dead_one_s_runs_out,
        |db: TestDb| async move {
            use suyuan_store::queue::{Heartbeat, Job as _};
            let _ = one_routed_submission(&db).await;
            let lease = chrono::Duration::milliseconds(600);
            let held = outbox::claim(&db.db, 10, lease).await.unwrap();
            assert_eq!(held.len(), 1);
            // A live worker renews what it holds every 200 ms: long past its first lease, the
            // submission is still its own.
            let heartbeat = Heartbeat::start(Duration::from_millis(200), {
                let db = db.db.clone();
                move |claims| {
                    let db = db.clone();
                    async move { outbox::extend(&db, &claims, lease).await }
                }
            });
            heartbeat.hold(held.iter().map(|s| s.claim()));
            tokio::time::sleep(Duration::from_millis(1_500)).await;
            assert!(
                outbox::claim(&db.db, 10, lease).await.unwrap().is_empty(),
                "held while its worker lives"
            );
            // Its worker dies (the heartbeat stops): the lease runs out and another takes it.
            drop(heartbeat);
            tokio::time::sleep(Duration::from_millis(900)).await;
            let taken = outbox::claim(&db.db, 10, lease).await.unwrap();
            assert_eq!(taken.len(), 1, "taken over once its lease ran out");
            assert_eq!(taken[0].attempts, 2);
            // Renewing a lost claim moves nothing.
            assert_eq!(
                outbox::extend(&db.db, &[held[0].claim()], lease)
                    .await
                    .unwrap(),
                0
            );
        }
    );
}

both_engines_app!(
    a_platform_registered_late_gets_the_earlier_records_by_backfill_once_and_in_order,
    |app: TestApp| async move {
        let standin = StandIn::start().await;
        let first = register(&app, &standin, "national", json!({})).await;
        route_all(&app, &first).await;
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        let receipt = record(&app, &seller_id, "B1", RecordKind::Receipt).await;
        let sale = record(&app, &seller_id, "B1", RecordKind::Sale).await;
        until_ledger(&app, &token, 20, all_accepted(2)).await;

        // A provincial platform joins later: new records reach it, the earlier ones do not.
        let late = register(&app, &standin, "zj-prov", json!({"kind": "provincial"})).await;
        route_all(&app, &late).await;
        let newer = record(&app, &seller_id, "B2", RecordKind::Receipt).await;
        until_ledger(&app, &token, 20, all_accepted(4)).await;
        let to_late = |standin: &StandIn| -> Vec<String> {
            standin
                .captured()
                .iter()
                .filter_map(|c| c.idempotency_key.clone())
                .filter(|k| k.ends_with(&format!(".{late}")))
                .collect()
        };
        assert_eq!(to_late(&standin), vec![format!("{newer}.{late}")]);

        // Only an operator backfills; a bad `since` is named.
        let backfill = |query: &'static str, token: String| {
            let url = format!("{}/api/v1/platforms/{late}/backfill{query}", app.address);
            async move {
                let res = client().post(url).bearer_auth(token).send().await.unwrap();
                let status = res.status();
                (status, res.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let (status, _) = backfill("", token.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, problem) = backfill("?since=yesterday", app.admin_token()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem.to_string().contains("since"), "{problem}");
        let (status, done) = backfill("", app.admin_token()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{done}");
        assert_eq!(
            (done["events"].as_u64(), done["submissions"].as_u64()),
            (Some(3), Some(2)),
            "{done}"
        );
        let items = until_ledger(&app, &token, 20, all_accepted(6)).await;
        assert_eq!(
            items
                .iter()
                .filter(|i| i["routed_by"] == "backfill")
                .count(),
            2,
            "{items:#?}"
        );
        let sent = to_late(&standin);
        assert_eq!(
            sent,
            vec![
                format!("{newer}.{late}"),
                format!("{receipt}.{late}"),
                format!("{sale}.{late}")
            ],
            "each record once, the unit's receipt before its sale"
        );

        // Again: nothing new.
        let (_, again) = backfill("", app.admin_token()).await;
        assert_eq!(again["submissions"], 0, "{again}");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(to_late(&standin).len(), 3);
        assert_eq!(standin.captured().len(), 6);
    }
);
