//! Two instances of the service on one PostgreSQL, each running every background task (the
//! analytics schedule every 2 s, the mail queue every second), as two servers behind a load
//! balancer do: an analytics run is never held by both, an alert is raised once and its mail
//! arrives once, whichever instance ran or sent, however many runs follow.

use super::marketplace::client;
use super::transfers::{PRODUCER, ebike};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use suyuan_tests::smtp::SmtpServer;
use suyuan_tests::{Engine, TestApp, spawn_app_with, spawn_instance_with};

/// A seller with an e-mail address, registered through `address`; answers its id and a token.
async fn seller(
    app: &TestApp,
    address: &str,
    name: &str,
    credit17: &str,
    email: &str,
) -> (String, String) {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let res = client()
        .post(format!("{address}/api/v1/sellers"))
        .bearer_auth(app.admin_token())
        .json(&json!({"name": name, "credit_code": credit.to_string(), "division_code": &credit17[2..8], "seller_type": "distributor", "email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app
        .tokens
        .mint(
            suyuan_core::tenancy::Role::Seller,
            &id,
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    (id, token)
}

/// The seller records receiving `serial` from the producer two days ago, through `address`.
async fn receives(address: &str, token: &str, serial: &str) {
    let res = client()
        .post(format!("{address}/api/v1/receipts"))
        .bearer_auth(token)
        .json(&json!({
            "category": "ebike",
            "supplier": {"name": PRODUCER, "credit_code": "91440300708461136T"},
            "voucher_number": "FH-0002",
            "received_at": (Utc::now() - chrono::Duration::days(2)).to_rfc3339(),
            "product_name": "电动自行车", "model": "TDT-2301Z", "producer": PRODUCER,
            "certificate": {"number": "2023011119000001", "result": "valid"},
            "inspection": {"result": "accepted", "inspector": "王质检"},
            "items": [{"code": ebike(serial)}]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );
}

/// The seller's alerts of `rule`, read through `address`.
async fn alerts(address: &str, token: &str, rule: &str) -> Vec<Value> {
    let res = client()
        .get(format!("{address}/api/v1/analytics/alerts?limit=100"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == rule)
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_raise_each_alert_once_and_mail_it_once() {
    let smtp = SmtpServer::start().await;
    let dirs = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (
        dirs.path().join("a").display().to_string(),
        dirs.path().join("b").display().to_string(),
    );
    let url = smtp.url();
    let vars = |dir: String| -> Vec<(&'static str, String)> {
        vec![
            ("SUYUAN_SMTP_URL", url.clone()),
            ("SUYUAN_MAIL_INTERVAL", "1s".to_owned()),
            ("SUYUAN_ANALYTICS_INTERVAL", "2s".to_owned()),
            ("SUYUAN_ANALYTICS_SETTLE", "1s".to_owned()),
            ("SUYUAN_ANALYTICS_DIR", dir),
        ]
    };
    let (owned_a, owned_b) = (vars(dir_a), vars(dir_b));
    let first: Vec<(&str, &str)> = owned_a.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second: Vec<(&str, &str)> = owned_b.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let Some(app) = spawn_app_with(Engine::Postgres, &first).await else {
        return;
    };
    let other = spawn_instance_with(&app, &second).await;

    // Two sellers, each through another instance, record receiving the same unit: it cannot
    // be in two shops at once, a critical alert for each.
    let (_, a) = seller(
        &app,
        &app.address,
        "广州骑乐电器商行",
        "91440104MA59ABCD1",
        "a@qile.example",
    )
    .await;
    let (_, c) = seller(
        &app,
        &other,
        "深圳迅达车行",
        "91440305MA5FXYK12",
        "c@xunda.example",
    )
    .await;
    let serial = "TWICE2";
    receives(&app.address, &a, serial).await;
    receives(&other, &c, serial).await;

    // Each seller gets its mail once.
    let started = Instant::now();
    let alert_mails = || {
        smtp.messages()
            .iter()
            .filter(|m| m.subject().contains("严重提醒"))
            .count()
    };
    while alert_mails() < 2 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first_mail = started.elapsed();
    // Then both instances go on running analytics and working the mail queue for a while:
    // several more runs find the same cause, none raises or mails it again.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let all = smtp.messages();
    let listed = || {
        all.iter()
            .map(|m| (m.rcpt_to(), m.subject()))
            .collect::<Vec<_>>()
    };
    // The sellers' daily digests go too (the mail rounds of both instances queue them): one per
    // seller and day, like the alert.
    let (alert_mail, digest_mail): (Vec<_>, Vec<_>) =
        all.iter().partition(|m| m.subject().contains("严重提醒"));
    let recipients = |mail: &[&suyuan_tests::smtp::Received]| {
        let mut to: Vec<String> = mail.iter().flat_map(|m| m.rcpt_to()).collect();
        to.sort();
        to
    };
    assert_eq!(
        recipients(&alert_mail),
        ["a@qile.example", "c@xunda.example"],
        "one critical alert mail per seller: {:#?}",
        listed()
    );
    for m in &alert_mail {
        assert!(m.text().unwrap().contains(&ebike(serial)));
    }
    assert!(
        digest_mail.iter().all(|m| m.subject().contains("每日摘要")),
        "{:#?}",
        listed()
    );
    let digests = recipients(&digest_mail);
    let mut once = digests.clone();
    once.dedup();
    assert_eq!(digests, once, "a digest went twice: {:#?}", listed());
    // Each a mail of its own, not one sent twice.
    let mut ids: Vec<String> = all.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "{:#?}", listed());

    // Each seller has that alert once, read through either instance.
    for (token, address) in [(&a, &app.address), (&c, &other), (&a, &other)] {
        let found = alerts(address, token, "unit_received_twice").await;
        assert_eq!(found.len(), 1, "raised once: {found:#?}");
        assert_eq!(found[0]["state"], "open");
    }
    eprintln!("two instances: both mails within {first_mail:?}, none again in the 8 s after");
}
