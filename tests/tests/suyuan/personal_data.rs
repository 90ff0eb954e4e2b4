//! Consumers' personal data does not outlive its use: a processed delivery keeps a redacted
//! body and the SHA-256 of the original, a dead letter keeps its body for a bounded window
//! (for replay) and is then redacted too, and an error stores the field and the reason, never
//! the value (issue 10, item 9).

use super::marketplace::{client, connect, deliver_shopify, eventually, fixture, seller, vectors};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use suyuan_store::entity::webhook_inbox;
use suyuan_store::inbox;
use suyuan_tests::{TestApp, both_engines_app};

/// The inbox rows, oldest first.
async fn rows(app: &TestApp) -> Vec<webhook_inbox::Model> {
    webhook_inbox::Entity::find()
        .order_by_asc(webhook_inbox::Column::Id)
        .all(&app.db.db)
        .await
        .unwrap()
}

/// Waits until every inbox row is redacted (the worker redacts what it settled).
async fn redacted(app: &TestApp, n: usize) -> Vec<webhook_inbox::Model> {
    for _ in 0..100 {
        let all = rows(app).await;
        if all.len() == n && all.iter().all(|r| r.redacted_at.is_some()) {
            return all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the deliveries were never redacted: {:#?}", rows(app).await);
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A Shopify order to a consumer in Guangzhou, with her name, phone, e-mail and street.
fn order_with_address(quantity: Value) -> Vec<u8> {
    let mut order: Value =
        serde_json::from_slice(&fixture("shopify_orders_cancelled.json")).unwrap();
    order["cancelled_at"] = Value::Null;
    order["financial_status"] = json!("paid");
    order["updated_at"] = json!(Utc::now().to_rfc3339());
    order["email"] = json!("zhang.san@example.cn");
    order["contact_email"] = json!("zhang.san@example.cn");
    order["phone"] = json!("+8613800000000");
    let address = json!({"province": "广东省", "province_code": "GD", "country": "China", "country_code": "CN", "city": "广州市", "company": null,
        "first_name": "张", "last_name": "三", "address1": "天河路 1 号", "zip": "510000", "phone": "13800000000", "name": "张三"});
    order["shipping_address"] = address.clone();
    order["billing_address"] = address;
    order["customer"] = json!({"id": 1, "email": "zhang.san@example.cn", "first_name": "张", "last_name": "三", "phone": "13800000000"});
    order["line_items"][0]["quantity"] = quantity;
    serde_json::to_vec(&order).unwrap()
}

both_engines_app!(
    a_processed_delivery_keeps_a_redacted_body_and_the_hash_of_the_original,
    |app: TestApp| async move {
        let v = vectors();
        let paid = &v["youzan_trade_paid_fake_secret"];
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let youzan = connect(&app, &token, json!({"platform": "youzan", "name": "有赞店", "shop": "13027865", "secret": paid["client_secret"], "app_key": paid["client_id"]})).await;
        let shopify = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;

        let youzan_body = fixture("youzan_trade_paid.json");
        let res = client()
            .post(format!(
                "{}/webhooks/youzan/{}",
                app.address,
                youzan["id"].as_str().unwrap()
            ))
            .header(
                "Event-Sign",
                paid["Event-Sign=md5(client_id+raw_body+client_secret)"]
                    .as_str()
                    .unwrap(),
            )
            .body(youzan_body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let shopify_body = order_with_address(json!(1));
        let res = deliver_shopify(
            &app,
            &shopify,
            "shpss_test",
            "orders/paid",
            "o-1",
            &shopify_body,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 2)
        })
        .await;
        assert!(
            sales["items"][0]["region"].is_string(),
            "the region is kept: {sales:#}"
        );

        let stored = redacted(&app, 2).await;
        let originals = [&youzan_body, &shopify_body];
        for (row, original) in stored.iter().zip(originals) {
            assert_eq!(row.status, "done");
            assert_eq!(
                row.body_sha256.as_deref(),
                Some(sha256_hex(original).as_str()),
                "the hash of the original body is kept, to check a dispute against the platform's copy"
            );
            for personal in [
                "张三",
                "%E5%BC%A0%E4%B8%89",
                "13800000000",
                "示例小区",
                "天河路",
                "zhang.san@example.cn",
                "demo-buyer",
            ] {
                assert!(
                    !contains(&row.body, personal),
                    "{personal} is still in the stored {} body: {}",
                    row.platform,
                    String::from_utf8_lossy(&row.body)
                );
            }
            let kept: Value = serde_json::from_slice(&row.body).unwrap();
            assert!(kept.is_object(), "the redacted body is still JSON");
        }
        // What the seller needs is still there: the order and the region.
        let youzan_kept = String::from_utf8_lossy(&stored[0].body).into_owned();
        assert!(
            youzan_kept.contains("E20210322174110094800093"),
            "{youzan_kept}"
        );
        assert!(youzan_kept.contains("上海市"), "{youzan_kept}");
        let shopify_kept = String::from_utf8_lossy(&stored[1].body).into_owned();
        assert!(shopify_kept.contains("广东省"), "{shopify_kept}");
    }
);

both_engines_app!(
    a_delivery_that_cannot_be_read_stores_the_field_and_reason_but_not_the_value,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let shopify = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
        // A phone number where the quantity should be.
        let body = order_with_address(json!(13_800_000_000u64));
        let res =
            deliver_shopify(&app, &shopify, "shpss_test", "orders/paid", "bad-1", &body).await;
        assert_eq!(res.status(), StatusCode::OK);
        let dead = eventually(&app, &token, "/api/v1/deliveries/dead", |v| {
            v.as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let reason = dead[0]["reason"].as_str().unwrap();
        assert!(reason.contains("$.line_items[0].quantity"), "{reason}");
        assert!(!reason.contains("13800000000"), "{reason}");
        let row = &rows(&app).await[0];
        let stored = row.last_error.as_deref().unwrap();
        assert!(stored.contains("quantity"), "{stored}");
        assert!(!stored.contains("13800000000"), "{stored}");

        // The dead letter keeps its body for replay, within the window…
        assert_eq!(row.body, body);
        let keep = Duration::days(30);
        assert_eq!(
            inbox::redact_settled(&app.db.db, Utc::now() + Duration::days(29), keep, 100)
                .await
                .unwrap(),
            0
        );
        // …and is redacted once the window has passed; it can no longer be replayed.
        assert_eq!(
            inbox::redact_settled(&app.db.db, Utc::now() + Duration::days(31), keep, 100)
                .await
                .unwrap(),
            1
        );
        let row = &rows(&app).await[0];
        assert_eq!(row.body_sha256.as_deref(), Some(sha256_hex(&body).as_str()));
        for personal in ["+8613800000000", "天河路", "zhang.san@example.cn", "张三"] {
            assert!(!contains(&row.body, personal), "{personal}");
        }
        let res = client()
            .post(format!(
                "{}/api/v1/deliveries/{}/replay",
                app.address, row.id
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);
