//! E-mail to sellers and supervisors, received by a real SMTP server that is not ours (Debian's
//! aiosmtpd with its Mailbox handler) and parsed as a mail client would: critical alerts and
//! recalls at once, daily and weekly digests once per period, one-click unsubscribe (RFC 8058),
//! and mail queued during an outage delivered exactly once when the server is back.

use super::marketplace::client;
use super::transfers::settings;
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use suyuan_plugin_api::mail::message::{AlertMail, DigestMail, OverdueCount, RecallMail, Severity};
use suyuan_plugin_api::mail::{
    DigestSource, MailSettings, Mailer, queue_alert, queue_recall, remind_and_expire, round,
};
use suyuan_store::entity::mail_job;
use suyuan_store::queue::mail as outbox;
use suyuan_tests::smtp::{Received, SmtpServer};
use suyuan_tests::{TestApp, both_engines_app};

const FROM: &str = "溯源 Suyuan <noreply@suyuan.test>";

/// Registers a seller with an e-mail address; answers its id.
async fn seller_with_email(
    app: &TestApp,
    name: &str,
    credit17: &str,
    email: Option<&str>,
) -> String {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(app.admin_token())
        .json(&json!({"name": name, "credit_code": credit.to_string(), "division_code": &credit17[2..8], "seller_type": "distributor", "email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let s: Value = res.json().await.unwrap();
    s["id"].as_str().unwrap().to_owned()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn alert(id: &str, seller: &str, now: DateTime<Utc>) -> AlertMail {
    AlertMail {
        alert_id: id.to_owned(),
        seller_id: seller.to_owned(),
        seller_name: "广州骑乐电器商行".into(),
        rule: "records_overdue".into(),
        severity: Severity::Critical,
        summary_zh: format!("{id}：12 条销售记录逾期未登记"),
        summary_en: format!("{id}: 12 sales records are overdue"),
        action_zh: "请在今天内补录销售登记".into(),
        action_en: "Register the sales today".into(),
        link: "https://suyuan.example/app/alerts".into(),
        raised_at: now,
        scores: vec![
            (day(2026, 11, 30), 91.0),
            (day(2026, 12, 1), 88.5),
            (day(2026, 12, 2), 79.0),
            (day(2026, 12, 3), 72.5),
        ],
    }
}

fn recall(seller: &str, now: DateTime<Utc>) -> RecallMail {
    RecallMail {
        recall_id: "rcl_1".into(),
        seller_id: seller.to_owned(),
        seller_name: "广州骑乐电器商行".into(),
        scope_zh: "GTIN 09520001000010 批次 B2026".into(),
        scope_en: "GTIN 09520001000010 batch B2026".into(),
        reason_zh: "电池仓存在起火风险".into(),
        reason_en: "battery compartment fire risk".into(),
        issued_by: "广东省市场监督管理局".into(),
        issued_at: now,
        affected: vec![("(01)09520001000010(10)B2026".into(), 3)],
        link: "https://suyuan.example/recalls/rcl_1".into(),
    }
}

/// The unsubscribe URL of a received mail's `List-Unsubscribe` header.
fn unsubscribe_url_of(mail: &Received) -> String {
    let header = mail
        .header("List-Unsubscribe")
        .expect("a List-Unsubscribe header");
    header
        .trim()
        .strip_prefix('<')
        .and_then(|h| h.strip_suffix('>'))
        .expect("<url>")
        .to_owned()
}

both_engines_app!(
    a_sellers_critical_alert_reaches_a_real_smtp_server_with_both_parts_the_chart_and_one_click_unsubscribe,
    |app: TestApp| async move {
        let seller = seller_with_email(&app, "广州骑乐电器商行", "91440104MA59ABCD1", Some("owner@qile.example")).await;
        let smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
        let s = settings(&app);
        let now = Utc::now();
        assert!(queue_alert(&app.db.db, &alert("alr_1", &seller, now), now).await.unwrap());
        // Queued once: the same alert again is not a second mail.
        assert!(!queue_alert(&app.db.db, &alert("alr_1", &seller, now), now).await.unwrap());
        // A warning is not mailed at once (it goes in the digest).
        let mut warning = alert("alr_2", &seller, now);
        warning.severity = Severity::Warning;
        assert!(!queue_alert(&app.db.db, &warning, now).await.unwrap());

        let r = remind_and_expire(&app.db.db, &mailer, &s, now).await.unwrap();
        assert_eq!((r.emailed, r.failed), (1, 0));
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1);
        let m = &mail[0];
        // Envelope and headers.
        assert_eq!(m.rcpt_to(), ["owner@qile.example"]);
        assert_eq!(m.to(), ["owner@qile.example"]);
        assert_eq!(m.mail_from(), "noreply@suyuan.test");
        let subject = m.subject();
        assert_eq!(
            subject,
            "【溯源】严重提醒：alr_1：12 条销售记录逾期未登记 / Suyuan critical alert: alr_1: 12 sales records are overdue"
        );
        assert!(m.message_id().starts_with("<alert."), "{}", m.message_id());
        assert!(m.message_id().ends_with("@suyuan.test>"), "{}", m.message_id());
        // multipart/alternative (text, HTML) inside multipart/related with the chart.
        assert_eq!(
            m.structure(),
            ["multipart/related", " multipart/alternative", "  text/plain", "  text/html", " image/png"]
        );
        let text = m.text().unwrap();
        let zh = text.find("12 条销售记录逾期未登记").unwrap();
        let en = text.find("12 sales records are overdue").unwrap();
        assert!(zh < en, "Chinese first: {text}");
        assert!(text.contains("请在今天内补录销售登记") && text.contains("Register the sales today"));
        assert!(text.contains("2026-12-03  72.5"), "the scores in words too: {text}");
        let html = m.html().unwrap();
        assert!(html.contains("广州骑乐电器商行"), "{html}");
        assert!(html.find("逾期未登记").unwrap() < html.find("are overdue").unwrap());
        assert!(html.contains("src=\"cid:score-trend@suyuan\""), "{html}");
        // The inline chart is a PNG that decodes.
        let parts = m.binary_parts();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].content_id.as_deref(), Some("score-trend@suyuan"));
        assert_eq!(parts[0].disposition, "inline");
        let png = image::load_from_memory_with_format(&parts[0].bytes, image::ImageFormat::Png)
            .expect("the chart decodes as a PNG");
        assert_eq!((png.width(), png.height()), (560, 200));
        // RFC 8058 one-click unsubscribe.
        assert_eq!(
            m.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        let url = unsubscribe_url_of(m);
        assert!(url.starts_with(&format!("{}/mail/unsubscribe?t=", app.address)), "{url}");
        assert!(text.contains(&url) && html.contains(&url.replace('&', "&amp;")));

        // A tampered token is refused with a problem naming the field.
        // Another seller's id: the last character changed (a ULID ends in any of 32 characters,
        // so pick one that differs from it).
        let (head, last) = seller.split_at(seller.len() - 1);
        let other = format!("{head}{}", if last == "X" { "Y" } else { "X" });
        let tampered = url.replace(&seller, &other);
        assert_ne!(tampered, url);
        let res = client().post(&tampered).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "t", "{problem}");
        assert!(problem["detail_en"].as_str().unwrap().contains("signature"), "{problem}");
        // GET asks to confirm (Chinese first) and changes nothing.
        let res = client().get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page = res.text().await.unwrap();
        assert!(page.contains("改进提醒邮件") && page.contains("确认退订"), "{page}");
        assert!(queue_alert(&app.db.db, &alert("alr_3", &seller, now), now).await.unwrap());
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::minutes(1)).await.unwrap();
        assert_eq!(r.emailed, 1, "still subscribed after the GET");
        assert_eq!(smtp.wait_for(2).await.len(), 2);
        // The one-click POST, as a mail client sends it, without signing in.
        let res = client()
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.text().await.unwrap().contains("已退订改进提醒邮件"));
        // The next alert is not mailed; a recall still is (sellers cannot turn recalls off), and
        // it carries no unsubscribe header.
        assert!(queue_alert(&app.db.db, &alert("alr_4", &seller, now), now).await.unwrap());
        assert!(queue_recall(&app.db.db, &recall(&seller, now), now).await.unwrap());
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::minutes(2)).await.unwrap();
        assert_eq!((r.emailed, r.skipped), (1, 1));
        let mail = smtp.wait_for(3).await;
        assert_eq!(mail.len(), 3);
        let recall_mail = &mail[2];
        assert!(recall_mail.subject().starts_with("【溯源】召回通知：GTIN 09520001000010 批次 B2026"));
        assert!(recall_mail.header("List-Unsubscribe").is_none());
        assert!(recall_mail.text().unwrap().contains("(01)09520001000010(10)B2026 × 3"));
    }
);

both_engines_app!(
    every_mail_queued_while_the_smtp_server_is_down_arrives_exactly_once_after_it_returns,
    |app: TestApp| async move {
        let seller = seller_with_email(
            &app,
            "广州骑乐电器商行",
            "91440104MA59ABCD1",
            Some("owner@qile.example"),
        )
        .await;
        let mut smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
        let s = settings(&app);
        let t0 = Utc::now();
        smtp.stop().await;
        const N: u64 = 7;
        for i in 0..N {
            assert!(
                queue_alert(&app.db.db, &alert(&format!("alr_{i}"), &seller, t0), t0)
                    .await
                    .unwrap()
            );
        }
        // Down: every attempt fails and is retried later.
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0)
            .await
            .unwrap();
        assert_eq!((r.emailed, r.failed), (0, N));
        // Backoff: nothing is tried again 30 s later (the first retry waits 1 to 2 minutes).
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::seconds(30))
            .await
            .unwrap();
        assert_eq!((r.emailed, r.failed), (0, 0));
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::minutes(3))
            .await
            .unwrap();
        assert_eq!((r.emailed, r.failed), (0, N));
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::minutes(15))
            .await
            .unwrap();
        assert_eq!((r.emailed, r.failed), (0, N));
        assert!(
            outbox::dead_letters(&app.db.db, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(smtp.messages().is_empty());
        // Back: the next round due sends each mail once.
        smtp.restart().await;
        let mut emailed = 0;
        for hour in 1..=3 {
            let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::hours(hour))
                .await
                .unwrap();
            assert_eq!(r.failed, 0);
            emailed += r.emailed;
        }
        assert_eq!(emailed, N);
        let mail = smtp.wait_for(N as usize).await;
        // Give a duplicate the time to arrive, if there were one.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let mail = if smtp.messages().len() > mail.len() {
            smtp.messages()
        } else {
            mail
        };
        assert_eq!(mail.len(), N as usize, "each mail once");
        let ids: BTreeSet<String> = mail.iter().map(|m| m.message_id()).collect();
        assert_eq!(ids.len(), N as usize, "distinct Message-IDs: {ids:?}");
        let subjects: BTreeSet<String> = mail.iter().map(|m| m.subject()).collect();
        for i in 0..N {
            assert!(
                subjects.iter().any(|s| s.contains(&format!("alr_{i}："))),
                "alert {i} arrived: {subjects:?}"
            );
        }
        assert!(
            outbox::dead_letters(&app.db.db, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let counts = outbox::counts(&app.db.db).await.unwrap();
        assert_eq!(counts.get("sent"), Some(&N), "{counts:?}");
        assert_eq!(counts.len(), 1, "nothing else left: {counts:?}");
    }
);

both_engines_app!(
    a_mail_the_relay_took_before_the_worker_died_is_sent_again_with_the_same_message_id,
    |app: TestApp| async move {
        let seller = seller_with_email(
            &app,
            "广州骑乐电器商行",
            "91440104MA59ABCD1",
            Some("owner@qile.example"),
        )
        .await;
        let smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
        let s = settings(&app);
        let t0 = Utc::now();
        assert!(
            queue_alert(&app.db.db, &alert("alr_1", &seller, t0), t0)
                .await
                .unwrap()
        );
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0)
            .await
            .unwrap();
        assert_eq!(r.emailed, 1);
        // The worker died after the relay took the mail and before it marked it sent: the row is
        // as its claim left it (sending, leased).
        let job = mail_job::Entity::find()
            .filter(mail_job::Column::Kind.eq("alert"))
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap();
        mail_job::Entity::update_many()
            .col_expr(
                mail_job::Column::Status,
                sea_orm::sea_query::Expr::value("sending"),
            )
            .col_expr(
                mail_job::Column::SentAt,
                sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                mail_job::Column::LockedUntil,
                sea_orm::sea_query::Expr::value(t0 + Days::minutes(15)),
            )
            .filter(mail_job::Column::Id.eq(job.id))
            .exec(&app.db.db)
            .await
            .unwrap();
        // Within the lease nobody touches it; after it, the next round sends it again.
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::minutes(5))
            .await
            .unwrap();
        assert_eq!(r.emailed, 0);
        let r = remind_and_expire(&app.db.db, &mailer, &s, t0 + Days::minutes(20))
            .await
            .unwrap();
        assert_eq!(r.emailed, 1);
        // At least once: the server holds two copies with one Message-ID, which mail clients
        // show as one message.
        let mail = smtp.wait_for(2).await;
        assert_eq!(mail.len(), 2);
        assert_eq!(mail[0].message_id(), mail[1].message_id());
        assert_eq!(mail[0].subject(), mail[1].subject());
    }
);

/// A digest source that reports fixed figures, as the analytics results will.
struct Figures;

impl DigestSource for Figures {
    fn fill<'a>(
        &'a self,
        _db: &'a suyuan_store::DatabaseConnection,
        digest: &'a mut DigestMail,
    ) -> futures_util::future::BoxFuture<'a, Result<(), suyuan_store::StoreError>> {
        Box::pin(async move {
            digest.scores = vec![(digest.first, 81.0), (digest.last, 84.5)];
            digest.overdue = vec![OverdueCount {
                label_zh: "销售登记".into(),
                label_en: "sales".into(),
                count: 4,
            }];
            Ok(())
        })
    }
}

both_engines_app!(
    digests_go_once_per_recipient_and_china_day_or_week,
    |app: TestApp| async move {
        let a = seller_with_email(
            &app,
            "广州骑乐电器商行",
            "91440104MA59ABCD1",
            Some("a@qile.example"),
        )
        .await;
        let _b = seller_with_email(
            &app,
            "杭州顺达电动车经销部",
            "91330106MA2GXYK23",
            Some("b@shunda.example"),
        )
        .await;
        let _quiet = seller_with_email(&app, "上海无邮箱商行", "91310115MA1K3YJ12", None).await;
        let res = client()
            .post(format!("{}/api/v1/supervisors", app.address))
            .bearer_auth(app.admin_token())
            .json(&json!({"name": "广东省市场监督管理局", "jurisdiction": "44", "email": "jg@gd.example"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
        let s = MailSettings {
            digests: Arc::new(Figures),
            ..settings(&app)
        };
        // Monday 2030-06-03, 08:30 China time (a clock the test sets).
        let monday = DateTime::parse_from_rfc3339("2030-06-03T08:30:00+08:00")
            .unwrap()
            .to_utc();
        let r = round(&app.db.db, &mailer, &s, monday).await.unwrap();
        assert_eq!(
            (r.digests, r.emailed),
            (3, 3),
            "two sellers' daily, one supervisor's weekly"
        );
        // Later rounds that day, on this or another instance, queue nothing again.
        let r = round(&app.db.db, &mailer, &s, monday + Days::hours(1))
            .await
            .unwrap();
        assert_eq!((r.digests, r.emailed), (0, 0));
        let mail = smtp.wait_for(3).await;
        let by_rcpt =
            |to: &str| -> Vec<&Received> { mail.iter().filter(|m| m.rcpt_to() == [to]).collect() };
        let daily = by_rcpt("a@qile.example");
        assert_eq!(daily.len(), 1);
        assert_eq!(
            daily[0].subject(),
            "【溯源】每日摘要（2030-06-02）/ Suyuan daily digest (2030-06-02)"
        );
        assert!(daily[0].text().unwrap().contains("销售登记 (sales): 4"));
        assert_eq!(daily[0].binary_parts().len(), 1, "the score chart");
        assert!(daily[0].header("List-Unsubscribe").is_some());
        let weekly = by_rcpt("jg@gd.example");
        assert_eq!(weekly.len(), 1);
        assert_eq!(
            weekly[0].subject(),
            "【溯源】辖区每周摘要（2030-05-27 – 2030-06-02）/ Suyuan weekly digest of your jurisdiction (2030-05-27 – 2030-06-02)"
        );
        assert_eq!(by_rcpt("b@shunda.example").len(), 1);
        // Seller A turns digests off; the next morning only B's digest goes, and no weekly one.
        suyuan_store::mail_recipients::set_subscribed(
            &app.db.db,
            &a,
            suyuan_core::mail::Topic::Digests,
            false,
            monday,
        )
        .await
        .unwrap();
        let r = round(&app.db.db, &mailer, &s, monday + Days::days(1))
            .await
            .unwrap();
        assert_eq!((r.digests, r.emailed, r.skipped), (2, 1, 1));
        let mail = smtp.wait_for(4).await;
        assert_eq!(mail.len(), 4);
        assert_eq!(
            mail[3].subject(),
            "【溯源】每日摘要（2030-06-03）/ Suyuan daily digest (2030-06-03)"
        );
        assert_eq!(mail[3].rcpt_to(), ["b@shunda.example"]);
    }
);

both_engines_app!(
    a_critical_alert_an_analytics_run_raises_is_mailed_once_and_the_digest_carries_the_stored_figures,
    |app: TestApp| async move {
        use suyuan_analytics::fixtures::*;
        use suyuan_plugin_api::mail::notices::{StoredResults, queue_critical_alerts};
        let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
        let a = seller_with_email(&app, "广州骑乐电器商行", "91440104MA59ABCD1", Some("a@qile.example")).await;
        let c = seller_with_email(&app, "深圳迅达车行", "91440305MA5FXYK12", Some("c@xunda.example")).await;
        let (a_s, c_s) = (leak(&a), leak(&c));
        // Both sellers recorded receiving the same unit: it cannot be in two shops at once.
        let now = Utc::now();
        let t = (now - Days::days(2)).timestamp_millis();
        let code = "(01)09520001000010(21)TWICE1";
        let mut f = empty_frames(&[(a_s, "440104"), (c_s, "440305")]);
        f.events = events_frame(&[ev("r-a", a_s, "receipt", t), ev("r-c", c_s, "receipt", t)]);
        f.event_codes = codes_frame(&[
            ("r-a", a_s, code, "09520001000010", None, Some("TWICE1"), 1),
            ("r-c", c_s, code, "09520001000010", None, Some("TWICE1"), 1),
        ]);
        let config = suyuan_analytics::config::AnalyticsConfig::default();
        let results = suyuan_analytics::compute(&f, now, &config)
            .unwrap()
            .to_records()
            .unwrap();
        let outcome = suyuan_store::analytics::save_results(&app.db.db, &results, now)
            .await
            .unwrap();
        assert_eq!(outcome.critical.len(), 2, "{outcome:?}");
        assert_eq!(
            queue_critical_alerts(&app.db.db, &outcome.critical, &app.address, now)
                .await
                .unwrap(),
            2
        );
        // The next run finds the same causes: nothing raised, nothing mailed again.
        let again = suyuan_store::analytics::save_results(&app.db.db, &results, now)
            .await
            .unwrap();
        assert!(again.critical.is_empty(), "{again:?}");
        assert_eq!(
            queue_critical_alerts(&app.db.db, &outcome.critical, &app.address, now)
                .await
                .unwrap(),
            0,
            "the same raising is queued once"
        );

        let smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), FROM).unwrap();
        let s = MailSettings {
            digests: Arc::new(StoredResults),
            ..settings(&app)
        };
        let r = remind_and_expire(&app.db.db, &mailer, &s, now).await.unwrap();
        assert_eq!((r.emailed, r.failed), (2, 0));
        let mail = smtp.wait_for(2).await;
        let to_a: Vec<&Received> = mail.iter().filter(|m| m.rcpt_to() == ["a@qile.example"]).collect();
        assert_eq!(to_a.len(), 1);
        assert_eq!(
            to_a[0].subject(),
            format!("【溯源】严重提醒：同一件商品被两个经营者进货，请核对来源。（{code}） / Suyuan critical alert: One unit was received by two sellers. ({code})")
        );
        let text = to_a[0].text().unwrap();
        assert!(text.contains("广州骑乐电器商行"), "{text}");
        assert!(text.contains("/api/v1/analytics/alerts/"), "the link to the alert: {text}");
        // The score the run stored is in the mail's trend.
        assert!(text.contains("合规评分趋势 / Compliance score trend:"), "{text}");

        // The seller's daily digest carries its open alerts and score from the stored results.
        let r = round(&app.db.db, &mailer, &s, now + Days::days(1)).await.unwrap();
        assert_eq!(r.digests, 2);
        let mail = smtp.wait_for(4).await;
        let digest = mail[2..]
            .iter()
            .find(|m| m.rcpt_to() == ["a@qile.example"])
            .expect("a's digest");
        let text = digest.text().unwrap();
        assert!(text.contains("同一件商品被两个经营者进货"), "{text}");
        assert!(text.contains(code), "{text}");
    }
);
