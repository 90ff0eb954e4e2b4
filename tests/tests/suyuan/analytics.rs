//! Supervision results: computed by `suyuan_analytics::compute` on hand-built frames, saved by
//! the store, read over the API by sellers (their own), supervisors (their jurisdiction) and
//! admins (all); alerts raised once per cause, acknowledged, resolved by themselves when the
//! cause is gone, reopened when it comes back.

use super::api::{create_seller, mint};
use super::marketplace::client;
use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_analytics::config::AnalyticsConfig;
use suyuan_analytics::fixtures::*;
use suyuan_tests::{TestApp, both_engines_app};

async fn seller_in(app: &TestApp, admin: &str, credit17: &str, division: &str) -> (String, String) {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let s = create_seller(app, admin, "骑乐电动车行", &credit.to_string(), division).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let token = mint(app, admin, json!({"role": "seller", "subject": id})).await;
    (id, token)
}

async fn supervisor_of(app: &TestApp, admin: &str, jurisdiction: &str) -> String {
    let sup: Value = client()
        .post(format!("{}/api/v1/supervisors", app.address))
        .bearer_auth(admin)
        .json(&json!({"name": "市场监督管理局", "jurisdiction": jurisdiction}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    mint(
        app,
        admin,
        json!({"role": "supervisor", "subject": sup["id"], "jurisdiction": jurisdiction}),
    )
    .await
}

async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = client()
        .get(format!("{}/api/v1/analytics/{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let (status, body) = get(app, token, path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"].as_array().unwrap().clone()
}

async fn post(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = client()
        .post(format!("{}/api/v1/analytics/{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap_or(Value::Null))
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

fn sellers_of(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|i| i["seller_id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Seller a (Guangzhou) and b (Hangzhou): each an overdue sale; a also an unpaid and a
/// cancelled order long past their deadlines; b a live catalogue listing without a code
/// (unless `b_listing_coded`).
fn frames(
    a: &'static str,
    b: &'static str,
    now: DateTime<Utc>,
    b_listing_coded: bool,
) -> suyuan_analytics::Frames {
    let t = (now - Duration::days(3)).timestamp_millis();
    let mut f = empty_frames(&[(a, "440104"), (b, "330106")]);
    f.sales = sales_frame(&[
        sale("a-overdue", a, true, Some(t), None, t + DAY),
        sale("a-on-time", a, true, Some(t), Some(t + HOUR), t + DAY),
        sale("a-unpaid", a, true, None, None, t + DAY),
        sale("a-cancelled", a, false, Some(t), None, t + DAY),
        sale("b-overdue", b, true, Some(t), None, t + DAY),
    ]);
    f.listings = listings_frame(&[("b-listing", b, Some("ebike"), true, b_listing_coded)]);
    f
}

async fn run(
    app: &TestApp,
    f: &suyuan_analytics::Frames,
    now: DateTime<Utc>,
) -> suyuan_store::analytics::ReconcileOutcome {
    let results = suyuan_analytics::compute(f, now, &AnalyticsConfig::default())
        .unwrap()
        .to_records()
        .unwrap();
    suyuan_store::analytics::save_results(&app.db.db, &results, now)
        .await
        .unwrap()
}

both_engines_app!(
    supervision_results_are_seen_by_the_seller_itself_and_its_supervisor_only,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let (a_id, a) = seller_in(&app, &admin, "91440104MA59ABCD1", "440104").await;
        let (b_id, b) = seller_in(&app, &admin, "91330106MA2GXYK23", "330106").await;
        let gd = supervisor_of(&app, &admin, "44").await;
        let now = Utc::now();
        let f = frames(leak(&a_id), leak(&b_id), now, false);
        run(&app, &f, now).await;

        // Scores: each seller its own; Guangdong's supervisor a only; the admin both.
        assert_eq!(
            sellers_of(&items(&app, &a, "scores").await),
            vec![a_id.clone()]
        );
        assert_eq!(
            sellers_of(&items(&app, &b, "scores").await),
            vec![b_id.clone()]
        );
        assert_eq!(
            sellers_of(&items(&app, &gd, "scores").await),
            vec![a_id.clone()]
        );
        let mut both = vec![a_id.clone(), b_id.clone()];
        both.sort();
        assert_eq!(sellers_of(&items(&app, &admin, "scores").await), both);
        // Asking for another seller by id gives nothing rather than its rows.
        assert!(
            items(&app, &gd, &format!("scores?seller_id={b_id}"))
                .await
                .is_empty()
        );
        assert!(
            items(&app, &a, &format!("alerts?seller_id={b_id}"))
                .await
                .is_empty()
        );

        // a's score explains itself: timeliness lost the most (1 of 2 overdue: 12.5 points),
        // naming the overdue sale.
        let score = &items(&app, &a, "scores").await[0];
        assert_eq!(score["components"][0]["component"], "timeliness");
        assert_eq!(score["components"][0]["points_lost"], 12.5);
        assert_eq!(score["components"][0]["records"], json!(["a-overdue"]));
        assert_eq!(score["score"], 87.5);
        assert_eq!(score["grade"], "B");

        // Overdue: a's overdue sale only; the unpaid and the cancelled orders are never overdue.
        let overdue = items(&app, &gd, "overdue").await;
        let ids: Vec<&str> = overdue
            .iter()
            .map(|o| o["record_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec!["a-overdue"]);
        let t = items(&app, &a, "timeliness?dimension=seller").await;
        assert_eq!(t.len(), 1, "{t:#?}");
        assert_eq!(t[0]["records"], 2);
        assert_eq!(t[0]["overdue"], 1);
        assert_eq!(t[0]["share_within_deadline"], 0.5);

        // Alerts: Guangdong's supervisor sees a's only.
        let gd_alerts = items(&app, &gd, "alerts").await;
        assert_eq!(sellers_of(&gd_alerts), vec![a_id.clone()]);
        let b_alerts = items(&app, &b, "alerts").await;
        let rules: Vec<&str> = b_alerts
            .iter()
            .map(|x| x["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"listing_without_code"), "{rules:?}");
        assert!(rules.contains(&"records_overdue"), "{rules:?}");
        let listing_alert = b_alerts
            .iter()
            .find(|x| x["rule"] == "listing_without_code")
            .unwrap()
            .clone();
        let id = listing_alert["id"].as_str().unwrap();
        assert_eq!(listing_alert["state"], "open");
        assert!(
            listing_alert["message"]
                .as_str()
                .unwrap()
                .contains("追溯码")
        );

        // Someone else's alert does not exist for them: a seller, or a supervisor elsewhere.
        let (status, _) = post(&app, &a, &format!("alerts/{id}/acknowledge")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(&app, &gd, &format!("alerts/{id}/acknowledge")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(&app, &gd, &format!("alerts/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

both_engines_app!(
    an_alert_is_raised_once_acknowledged_resolved_by_itself_and_reopened,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let (a_id, _a) = seller_in(&app, &admin, "91440104MA59ABCD1", "440104").await;
        let (b_id, b) = seller_in(&app, &admin, "91330106MA2GXYK23", "330106").await;
        let zj = supervisor_of(&app, &admin, "33").await;
        let (a_s, b_s) = (leak(&a_id), leak(&b_id));
        let now = Utc::now();
        let first = run(&app, &frames(a_s, b_s, now, false), now).await;
        // a: records overdue, timeliness under 90%; b: the same and a listing without a code.
        assert_eq!(first.raised.len(), 5, "{first:?}");
        let again = run(&app, &frames(a_s, b_s, now, false), now).await;
        assert!(again.raised.is_empty(), "{again:?}");
        assert_eq!(again.kept, 5);
        let listing = |alerts: &[Value]| {
            alerts
                .iter()
                .find(|x| x["rule"] == "listing_without_code")
                .cloned()
        };
        let alerts = items(&app, &b, "alerts").await;
        assert_eq!(alerts.len(), 3, "never raised twice: {alerts:#?}");
        let id = listing(&alerts).unwrap()["id"].as_str().unwrap().to_owned();

        // The supervisor of the seller's jurisdiction acknowledges; twice is a conflict.
        let (status, body) = post(&app, &zj, &format!("alerts/{id}/acknowledge")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["state"], "acknowledged");
        let (status, _) = post(&app, &b, &format!("alerts/{id}/acknowledge")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // Still found: stays acknowledged.
        run(&app, &frames(a_s, b_s, now, false), now).await;
        let alerts = items(&app, &b, "alerts?state=acknowledged").await;
        assert_eq!(listing(&alerts).unwrap()["id"], id.as_str());

        // The listing now shows a code: resolved by itself.
        let later = now + Duration::hours(1);
        let gone = run(&app, &frames(a_s, b_s, later, true), later).await;
        assert_eq!(gone.resolved.len(), 1, "{gone:?}");
        let resolved = items(&app, &b, "alerts?state=resolved").await;
        let r = listing(&resolved).unwrap();
        assert_eq!(r["id"], id.as_str());
        assert_eq!(r["resolved_by"], "run");

        // It comes back: the same alert opens again, it is not raised twice.
        let back = run(&app, &frames(a_s, b_s, later, false), later).await;
        assert!(back.raised.is_empty(), "{back:?}");
        assert_eq!(back.reopened.len(), 1);
        let alerts = items(&app, &b, "alerts").await;
        assert_eq!(alerts.len(), 3);
        assert_eq!(listing(&alerts).unwrap()["state"], "open");
        let (status, detail) = get(&app, &b, &format!("alerts/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let moves: Vec<(Value, Value, Value)> = detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["from_state"].clone(),
                    h["to_state"].clone(),
                    h["actor"].clone(),
                )
            })
            .collect();
        assert_eq!(moves.len(), 4, "{moves:?}");
        assert_eq!(moves[0], (Value::Null, json!("open"), json!("run")));
        assert_eq!(moves[1].1, json!("acknowledged"));
        assert_eq!(
            moves[2],
            (json!("acknowledged"), json!("resolved"), json!("run"))
        );
        assert_eq!(moves[3], (json!("resolved"), json!("open"), json!("run")));

        // The seller resolves it by hand.
        let (status, body) = post(&app, &b, &format!("alerts/{id}/resolve")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["resolved_by"], b_id.as_str());
    }
);

both_engines_app!(
    bad_analytics_queries_name_the_field,
    |app: TestApp| async move {
        let admin = app.admin_token();
        for (path, field) in [
            ("alerts?state=odd", "state"),
            ("alerts?severity=loud", "severity"),
            ("alerts?after=x", "after"),
            ("scores?period=2026-13", "period"),
            ("scores?seller_id=nobody", "seller_id"),
            ("timeliness?week=2026-49", "week"),
            ("timeliness?dimension=colour", "dimension"),
        ] {
            let (status, body) = get(&app, &admin, path).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert!(
                body.to_string().contains(&format!("\"{field}\"")),
                "{path}: {body}"
            );
        }
        let (status, body) = post(&app, &admin, "alerts/alr_x/acknowledge").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _) = post(&app, &admin, "alerts/alr_999/resolve").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);
