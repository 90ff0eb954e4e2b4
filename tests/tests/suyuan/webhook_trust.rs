//! Fields outside a webhook's signature cannot steer what Suyuan does: a topic must fit the
//! signed body, Youzan's body-signed pushes are read from their signed part only, and a signed
//! body is stored once whatever unsigned delivery id it comes under (issue 10, item 4).

use super::marketplace::{
    client, connect, deliver_shopify, eventually, fixture, seller, shopify_sign, vectors,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use suyuan_tests::{TestApp, both_engines_app};

fn product(id: u64, updated_at: &str) -> Vec<u8> {
    json!({
        "id": id, "title": "雅迪电动自行车 冠能", "vendor": "Yadea", "product_type": "Electric Bicycles",
        "handle": "yadea-dt3", "status": "active", "tags": "电动自行车", "updated_at": updated_at,
        "variants": [{"id": id + 1, "product_id": id, "title": "Default Title", "sku": "YD-DT3", "barcode": "09520001000010"}]
    })
    .to_string()
    .into_bytes()
}

async fn problem_of(res: reqwest::Response) -> (StatusCode, Value) {
    let status = res.status();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

async fn inbox_rows(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    suyuan_store::entity::webhook_inbox::Entity::find()
        .count(&app.db.db)
        .await
        .unwrap()
}

both_engines_app!(
    a_product_body_replayed_as_products_delete_is_refused_and_the_listing_stays,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
        let body = product(7001, "2026-11-25T09:00:00+08:00");
        let res =
            deliver_shopify(&app, &store, "shpss_test", "products/update", "w-1", &body).await;
        assert_eq!(res.status(), StatusCode::OK);
        eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;

        // The same signed body, captured and sent again as a deletion under a new id.
        let res =
            deliver_shopify(&app, &store, "shpss_test", "products/delete", "w-2", &body).await;
        let (status, problem) = problem_of(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        assert_eq!(
            problem["errors"][0]["field"], "X-Shopify-Topic",
            "{problem:#}"
        );
        assert_eq!(problem["errors"][0]["code"], "topic_does_not_fit_body");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("products/delete"),
            "{problem:#}"
        );

        // An order topic over a product body is refused too.
        let res = deliver_shopify(&app, &store, "shpss_test", "orders/paid", "w-3", &body).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        tokio::time::sleep(Duration::from_millis(600)).await;
        let listings = eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(listings["items"][0]["status"], "active", "{listings:#}");
        assert_eq!(inbox_rows(&app).await, 1, "nothing refused is stored");
        let sales = eventually(&app, &token, "/api/v1/sales", |_| true).await;
        assert_eq!(sales["items"].as_array().map_or(0, Vec::len), 0);
    }
);

both_engines_app!(
    a_signed_body_under_a_new_delivery_id_is_stored_once,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
        let body = product(7002, "2026-11-25T09:00:00+08:00");
        let first =
            deliver_shopify(&app, &store, "shpss_test", "products/create", "a-1", &body).await;
        assert_eq!(first.headers()["x-suyuan-delivery"], "accepted");
        let replayed =
            deliver_shopify(&app, &store, "shpss_test", "products/create", "a-2", &body).await;
        assert_eq!(replayed.status(), StatusCode::OK);
        assert_eq!(replayed.headers()["x-suyuan-delivery"], "duplicate");
        eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(inbox_rows(&app).await, 1);
        // A real change (a new body) under a new id is a new delivery.
        let changed = product(7002, "2026-11-25T10:00:00+08:00");
        let res = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "products/update",
            "a-3",
            &changed,
        )
        .await;
        assert_eq!(res.headers()["x-suyuan-delivery"], "accepted");
    }
);

/// The Youzan fixture with its top-level fields changed (the body `sign` covers only `msg`).
fn youzan_with(changes: &[(&str, Value)]) -> Vec<u8> {
    let mut push: Value = serde_json::from_slice(&fixture("youzan_trade_paid.json")).unwrap();
    for (k, v) in changes {
        push[*k] = v.clone();
    }
    serde_json::to_vec(&push).unwrap()
}

async fn post_youzan(app: &TestApp, store: &Value, body: Vec<u8>) -> reqwest::Response {
    client()
        .post(format!(
            "{}/webhooks/youzan/{}",
            app.address,
            store["id"].as_str().unwrap()
        ))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

both_engines_app!(
    a_youzan_push_signed_in_its_body_cannot_be_steered_by_its_unsigned_fields,
    |app: TestApp| async move {
        let v = vectors();
        let paid = &v["youzan_trade_paid_fake_secret"];
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "youzan", "name": "有赞店", "shop": "13027865", "secret": paid["client_secret"], "app_key": paid["client_id"]})).await;

        // The paid order, signed only by its body `sign` (no Event-Sign header): accepted.
        let res = post_youzan(&app, &store, youzan_with(&[])).await;
        assert_eq!(res.status(), StatusCode::OK);
        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(sales["items"][0]["status"], "paid");

        // The same signed msg, relabelled as a cancellation under a new msg_id: refused.
        let res = post_youzan(
            &app,
            &store,
            youzan_with(&[
                ("type", json!("trade_TradeClose")),
                ("msg_id", json!("forged-1")),
                ("status", json!("TRADE_CLOSED")),
            ]),
        )
        .await;
        let (status, problem) = problem_of(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        assert_eq!(problem["errors"][0]["field"], "type", "{problem:#}");

        // Or pointed at another order by its unsigned `id`: refused.
        let res = post_youzan(
            &app,
            &store,
            youzan_with(&[
                ("id", json!("E20990101000000000000001")),
                ("msg_id", json!("forged-2")),
            ]),
        )
        .await;
        let (status, problem) = problem_of(res).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        assert_eq!(problem["errors"][0]["field"], "id", "{problem:#}");

        // Or sent again under a new msg_id: the same signed msg is stored once.
        let res = post_youzan(&app, &store, youzan_with(&[("msg_id", json!("forged-3"))])).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-suyuan-delivery"], "duplicate");

        tokio::time::sleep(Duration::from_millis(600)).await;
        let sales = eventually(&app, &token, "/api/v1/sales", |_| true).await;
        assert_eq!(sales["items"].as_array().unwrap().len(), 1, "{sales:#}");
        assert_eq!(sales["items"][0]["status"], "paid", "{sales:#}");
        assert_eq!(inbox_rows(&app).await, 1);
    }
);

both_engines_app!(
    a_woocommerce_product_body_sent_as_an_order_or_a_deletion_is_refused,
    |app: TestApp| async move {
        let v = vectors();
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let secret = v["woocommerce_product_created_raw"]["secret"]
            .as_str()
            .unwrap();
        let store = connect(&app, &token, json!({"platform": "woocommerce", "name": "w", "shop": "https://shop.example.cn", "secret": secret})).await;
        let body = fixture("woocommerce_product_created.raw.json");
        for (topic, expected) in [
            ("product.deleted", StatusCode::UNPROCESSABLE_ENTITY),
            ("order.updated", StatusCode::UNPROCESSABLE_ENTITY),
            ("product.created", StatusCode::OK),
        ] {
            let res = client()
                .post(format!(
                    "{}/webhooks/woocommerce/{}",
                    app.address,
                    store["id"].as_str().unwrap()
                ))
                .header("content-type", "application/json")
                .header("X-WC-Webhook-Signature", shopify_sign(secret, &body))
                .header("X-WC-Webhook-ID", "3")
                .header("X-WC-Webhook-Topic", topic)
                .header("X-WC-Webhook-Delivery-ID", format!("d-{topic}"))
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                expected,
                "{topic}: {}",
                res.text().await.unwrap()
            );
        }
        assert_eq!(inbox_rows(&app).await, 1);
    }
);
