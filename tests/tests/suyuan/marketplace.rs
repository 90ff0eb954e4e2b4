//! The marketplace plugin API end to end: connect stores, deliver real webhook bodies through
//! the receivers over HTTP, and read back listings and sales.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use std::time::Duration;
use suyuan_store::inbox;
use suyuan_tests::{TestApp, both_engines_app};

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../shared/fixtures/marketplaces/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn vectors() -> Value {
    serde_json::from_slice(&fixture("test_vectors.json")).unwrap()
}

pub fn shopify_sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A seller with a token.
pub async fn seller(app: &TestApp, credit17: &str) -> (String, String) {
    let admin = app.admin_token();
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let s: Value = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&admin)
        .json(&json!({"name": "骑乐电器", "credit_code": credit.to_string(), "division_code": "440104", "seller_type": "online"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = s["id"].as_str().unwrap().to_owned();
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

pub async fn connect(app: &TestApp, token: &str, body: Value) -> Value {
    let res = client()
        .post(format!("{}/api/v1/stores", app.address))
        .bearer_auth(token)
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
    res.json().await.unwrap()
}

/// Polls until `check` holds on the JSON at `path` (the worker is asynchronous).
pub async fn eventually(
    app: &TestApp,
    token: &str,
    path: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = client()
            .get(format!("{}{path}", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if check(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition never held for {path}: {last:#}");
}

fn ebike_product(id: u64, title: &str, updated_at: &str) -> Vec<u8> {
    json!({
        "id": id, "title": title, "body_html": null, "vendor": "Yadea", "product_type": "Electric Bicycles",
        "handle": "yadea-dt3", "status": "active", "tags": "电动自行车", "created_at": "2026-11-20T10:00:00+08:00",
        "updated_at": updated_at,
        "variants": [{"id": id + 1, "product_id": id, "title": "Default Title", "sku": "YD-DT3", "barcode": "09520001000010"}]
    })
    .to_string()
    .into_bytes()
}

fn guangdong_order(order_id: u64, product_id: u64) -> Vec<u8> {
    let mut order: Value =
        serde_json::from_slice(&fixture("shopify_orders_cancelled.json")).unwrap();
    order["id"] = json!(order_id);
    order["name"] = json!("#2001");
    order["cancelled_at"] = Value::Null;
    order["cancel_reason"] = Value::Null;
    order["financial_status"] = json!("paid");
    order["refunds"] = json!([]);
    order["fulfillments"] = json!([]);
    // Paid a few minutes ago, as a live store's order is: the 72-hour deadline runs from now,
    // whatever day the suite runs on.
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let now = chrono::Utc::now().with_timezone(&china);
    let placed = (now - chrono::Duration::minutes(12)).to_rfc3339();
    order["updated_at"] = json!((now - chrono::Duration::minutes(10)).to_rfc3339());
    order["created_at"] = json!(placed);
    order["processed_at"] = json!(placed);
    let address = json!({"province": "广东省", "province_code": "GD", "country": "China", "country_code": "CN", "city": "广州市", "company": null,
        "first_name": "张", "last_name": "三", "address1": "天河路 1 号", "zip": "510000", "phone": "13800000000", "name": "张三"});
    order["shipping_address"] = address.clone();
    order["billing_address"] = address;
    let mut line = order["line_items"][0].clone();
    line["product_id"] = json!(product_id);
    line["variant_id"] = json!(product_id + 1);
    line["sku"] = json!("YD-DT3");
    line["title"] = json!("雅迪电动自行车");
    line["quantity"] = json!(1);
    order["line_items"] = json!([line]);
    serde_json::to_vec(&order).unwrap()
}

pub async fn deliver_shopify(
    app: &TestApp,
    store: &Value,
    secret: &str,
    topic: &str,
    webhook_id: &str,
    body: &[u8],
) -> reqwest::Response {
    client()
        .post(format!(
            "{}/webhooks/shopify/{}",
            app.address,
            store["id"].as_str().unwrap()
        ))
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", topic)
        .header("X-Shopify-Hmac-Sha256", shopify_sign(secret, body))
        .header("X-Shopify-Webhook-Id", webhook_id)
        .header("X-Shopify-Shop-Domain", "qile.myshopify.com")
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

both_engines_app!(
    a_shopify_product_and_order_become_a_traced_listing_and_a_sale_in_guangdong,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "骑乐官方店", "shop": "qile.myshopify.com", "secret": "shpss_test"})).await;
        assert_eq!(
            store["webhook_url"],
            format!(
                "{}/webhooks/shopify/{}",
                app.address,
                store["id"].as_str().unwrap()
            )
        );
        assert!(
            store.get("secret").is_none(),
            "a platform secret is never echoed"
        );

        let product_id = 9_674_076_979_480u64;
        let res = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "products/create",
            "w-1",
            &ebike_product(
                product_id,
                "雅迪 新国标电动自行车 冠能",
                "2026-11-25T09:00:00+08:00",
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let res = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "orders/paid",
            "w-2",
            &guangdong_order(5_480_283_726_998u64, product_id),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let listings = eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let listing = &listings["items"][0];
        assert_eq!(listing["external_id"], "9674076979480");
        assert_eq!(listing["category"], "ebike");
        assert_eq!(
            listing["trace_code"],
            "https://id.gs1.org/01/09520001000010"
        );
        assert_eq!(listing["trace_state"], "traced");
        assert_eq!(
            listing["url"],
            "https://qile.myshopify.com/products/yadea-dt3"
        );

        let sales = eventually(&app, &token, "/api/v1/sales", |v| {
            v["items"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let sale = &sales["items"][0];
        assert_eq!(sale["external_order_id"], "5480283726998");
        assert!(
            sale["region"].as_str().unwrap().starts_with("44"),
            "{sale:#}"
        );
        assert_eq!(sale["province"], "广东省");
        assert_eq!(sale["buyer_type"], "consumer");
        assert_eq!(sale["lines"][0]["listing_id"], listing["id"]);
        assert_eq!(sale["lines"][0]["category"], "ebike");
        // An e-bike needs its unit code scanned at packing: due, with a deadline 72 h after payment.
        assert_eq!(sale["timeliness"]["state"], "due");
        let paid = chrono::DateTime::parse_from_rfc3339(
            sale["paid_at"]
                .as_str()
                .or(sale["ordered_at"].as_str())
                .unwrap(),
        )
        .unwrap();
        let deadline =
            chrono::DateTime::parse_from_rfc3339(sale["deadline_at"].as_str().unwrap()).unwrap();
        assert_eq!(deadline - paid, chrono::Duration::hours(72));
        let left = sale["timeliness"]["seconds_left"].as_i64().unwrap();
        assert!(
            (71 * 3600..72 * 3600).contains(&left),
            "paid 12 minutes ago, so just under 72 h are left: {left}"
        );
        let text = serde_json::to_string(&sale).unwrap();
        assert!(
            !text.contains("张三") && !text.contains("13800000000") && !text.contains("天河路"),
            "no consumer personal data is kept: {text}"
        );
    }
);

both_engines_app!(
    a_tampered_delivery_is_refused_and_a_replay_stores_nothing_new,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
        let body = ebike_product(1, "雅迪电动自行车", "2026-11-25T09:00:00+08:00");
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        let res = client()
            .post(format!(
                "{}/webhooks/shopify/{}",
                app.address,
                store["id"].as_str().unwrap()
            ))
            .header("X-Shopify-Topic", "products/create")
            .header("X-Shopify-Hmac-Sha256", shopify_sign("shpss_test", &body))
            .header("X-Shopify-Webhook-Id", "t-1")
            .body(tampered)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:invalid-signature");
        assert_eq!(
            inbox::count_by_status(&app.db.db, "pending").await.unwrap()
                + inbox::count_by_status(&app.db.db, "done").await.unwrap(),
            0
        );

        let first = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "products/create",
            "same-id",
            &body,
        )
        .await;
        assert_eq!(first.headers()["x-suyuan-delivery"], "accepted");
        let again = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "products/create",
            "same-id",
            &body,
        )
        .await;
        assert_eq!(again.status(), StatusCode::OK);
        assert_eq!(again.headers()["x-suyuan-delivery"], "duplicate");
        eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        use sea_orm::{EntityTrait, PaginatorTrait};
        assert_eq!(
            suyuan_store::entity::webhook_inbox::Entity::find()
                .count(&app.db.db)
                .await
                .unwrap(),
            1
        );

        let metrics = client()
            .get(format!("{}/metrics", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains(
                "suyuan_webhooks_received_total{outcome=\"rejected\",platform=\"shopify\"} 1"
            ),
            "{metrics}"
        );
    }
);

both_engines_app!(
    unknown_stores_oversized_bodies_and_unknown_topics_are_handled,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
        let res = client()
            .post(format!(
                "{}/webhooks/shopify/sto_01JD0000000000000000000000",
                app.address
            ))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // The right store id under another platform is unknown too.
        let res = client()
            .post(format!(
                "{}/webhooks/woocommerce/{}",
                app.address,
                store["id"].as_str().unwrap()
            ))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        let big = vec![b' '; 1024 * 1024 + 1];
        let res = deliver_shopify(&app, &store, "shpss_test", "products/create", "big", &big).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

        let res = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "carts/create",
            "cart-1",
            br#"{"id": 1}"#,
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "a signed delivery of an unknown topic is stored and acknowledged"
        );
        let dead = eventually(&app, &token, "/api/v1/deliveries/dead", |v| {
            v.as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        assert_eq!(dead[0]["topic"], "carts/create");
        assert!(
            dead[0]["reason"].as_str().unwrap().contains("carts/create"),
            "{dead:#}"
        );
        let id = dead[0]["id"].as_i64().unwrap();
        let res = client()
            .post(format!("{}/api/v1/deliveries/{id}/replay", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let dead = eventually(&app, &token, "/api/v1/deliveries/dead", |v| {
            v.as_array()
                .is_some_and(|a| a.len() == 1 && a[0]["attempts"] == 1)
        })
        .await;
        assert_eq!(dead[0]["id"], id);
    }
);

both_engines_app!(
    an_older_update_never_overwrites_a_newer_one,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(
            &app,
            &token,
            json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
        )
        .await;
        deliver_shopify(
            &app,
            &store,
            "k",
            "products/update",
            "u-2",
            &ebike_product(7, "新标题 newer", "2026-11-25T12:00:00+08:00"),
        )
        .await;
        eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"][0]["title"] == "新标题 newer"
        })
        .await;
        deliver_shopify(
            &app,
            &store,
            "k",
            "products/update",
            "u-1",
            &ebike_product(7, "旧标题 older", "2026-11-25T11:00:00+08:00"),
        )
        .await;
        // Wait until the older delivery is processed, then check it changed nothing.
        for _ in 0..100 {
            if inbox::count_by_status(&app.db.db, "done").await.unwrap() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(inbox::count_by_status(&app.db.db, "done").await.unwrap(), 2);
        let listings: Value = client()
            .get(format!("{}/api/v1/listings", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listings["items"][0]["title"], "新标题 newer");
    }
);

both_engines_app!(
    store_connections_list_disable_rotate_and_delete,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let (_, other) = seller(&app, "91330106MA2GXYK23").await;
        let std_store = connect(
            &app,
            &token,
            json!({"platform": "standard", "name": "自建商城", "shop": "mall.example.cn"}),
        )
        .await;
        let secret = std_store["secret"].as_str().unwrap();
        assert!(
            secret.starts_with("whsec_"),
            "a standard store gets a generated secret, shown once"
        );
        let listed: Vec<Value> = client()
            .get(format!("{}/api/v1/stores", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].get("secret").is_none());
        let res = client()
            .get(format!(
                "{}/api/v1/stores/{}",
                app.address,
                std_store["id"].as_str().unwrap()
            ))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "another seller cannot see the store"
        );

        let shop = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "old-secret"})).await;
        let id = shop["id"].as_str().unwrap();
        let rotated: Value = client()
            .post(format!("{}/api/v1/stores/{id}/secret", app.address))
            .bearer_auth(&token)
            .json(&json!({"secret": "new-secret"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(rotated["previous_secret_valid_until"].is_string());
        let body = ebike_product(11, "雅迪电动自行车", "2026-11-25T09:00:00+08:00");
        assert_eq!(
            deliver_shopify(&app, &shop, "new-secret", "products/create", "r-1", &body)
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            deliver_shopify(&app, &shop, "old-secret", "products/create", "r-2", &body)
                .await
                .status(),
            StatusCode::OK,
            "the previous secret stays valid during the grace period"
        );
        assert_eq!(
            deliver_shopify(&app, &shop, "wrong", "products/create", "r-3", &body)
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );

        let res = client()
            .post(format!("{}/api/v1/stores/{id}/disable", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            deliver_shopify(&app, &shop, "new-secret", "products/create", "r-4", &body)
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        client()
            .post(format!("{}/api/v1/stores/{id}/enable", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            deliver_shopify(&app, &shop, "new-secret", "products/create", "r-5", &body)
                .await
                .status(),
            StatusCode::OK
        );
        let res = client()
            .delete(format!("{}/api/v1/stores/{id}", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            deliver_shopify(&app, &shop, "new-secret", "products/create", "r-6", &body)
                .await
                .status(),
            StatusCode::NOT_FOUND
        );

        let res = client()
            .post(format!("{}/api/v1/stores", app.address))
            .bearer_auth(&token)
            .json(&json!({"platform": "taobao", "name": "x", "shop": "y"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "platform");
    }
);
