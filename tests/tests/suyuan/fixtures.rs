//! Every real webhook body in `shared/fixtures/marketplaces/` through its receiver, signed with
//! the vectors in `test_vectors.json`, and what a seller then reads back.

use super::marketplace::{client, connect, eventually, fixture, seller, vectors};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

async fn post(
    app: &TestApp,
    platform: &str,
    store: &Value,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut req = client()
        .post(format!(
            "{}/webhooks/{platform}/{}",
            app.address,
            store["id"].as_str().unwrap()
        ))
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.body(body).send().await.unwrap()
}

both_engines_app!(
    shopify_fixtures_verify_and_become_a_listing_and_a_cancelled_sale,
    |app: TestApp| async move {
        let v = vectors();
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "s", "shop": "s.myshopify.com", "secret": v["shopify_products_create"]["secret"]})).await;
        let sig = v["shopify_products_create"]["signature_b64"]
            .as_str()
            .unwrap();
        // The newer header spelling, without the X- prefix.
        let res = post(
            &app,
            "shopify",
            &store,
            &[
                ("shopify-topic", "products/create"),
                ("shopify-hmac-sha256", sig),
                ("shopify-webhook-id", "fx-1"),
            ],
            fixture("shopify_products_create.json"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let sig = v["shopify_orders_cancelled"]["signature_b64"]
            .as_str()
            .unwrap();
        let res = post(
            &app,
            "shopify",
            &store,
            &[
                ("X-Shopify-Topic", "orders/cancelled"),
                ("X-Shopify-Hmac-Sha256", sig),
                ("X-Shopify-Webhook-Id", "fx-2"),
            ],
            fixture("shopify_orders_cancelled.json"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let listings = eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(listings["items"][0]["external_id"], "9674076979480");
        assert_eq!(listings["items"][0]["title"], "a product");
        assert_eq!(listings["items"][0]["trace_state"], "not_required");
        assert_eq!(listings["items"][0]["variants"][0]["barcode"], Value::Null);
        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        let sale = &sales["items"][0];
        assert_eq!(sale["external_order_id"], "820982911946154508");
        assert_eq!(sale["order_number"], "#9999");
        assert_eq!(sale["status"], "cancelled");
        assert_eq!(sale["country_code"], "US");
        assert_eq!(sale["region"], Value::Null);
        assert_eq!(sale["lines"][0]["listing_external_id"], "632910392");
    }
);

both_engines_app!(
    woocommerce_fixtures_verify_and_the_unsigned_ping_gets_200,
    |app: TestApp| async move {
        let v = vectors();
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "woocommerce", "name": "w", "shop": "shop.example.cn", "secret": v["woocommerce_order_created"]["secret"]})).await;
        let res = client()
            .post(format!(
                "{}/webhooks/woocommerce/{}",
                app.address,
                store["id"].as_str().unwrap()
            ))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("webhook_id=58")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "WooCommerce's unsigned creation ping"
        );
        let headers: Value =
            serde_json::from_slice(&fixture("woocommerce_product_created.headers.json")).unwrap();
        let sig = v["woocommerce_product_created_raw"]["signature_b64"]
            .as_str()
            .unwrap();
        let mut h: Vec<(&str, &str)> = headers
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "x-wc-webhook-signature")
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        h.push(("x-wc-webhook-signature", sig));
        let res = post(
            &app,
            "woocommerce",
            &store,
            &h,
            fixture("woocommerce_product_created.raw.json"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let sig = v["woocommerce_order_created"]["signature_b64"]
            .as_str()
            .unwrap();
        let res = post(
            &app,
            "woocommerce",
            &store,
            &[
                ("x-wc-webhook-topic", "order.created"),
                ("x-wc-webhook-id", "58"),
                ("x-wc-webhook-signature", sig),
            ],
            fixture("woocommerce_order_created.json"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let listings = eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(listings["items"][0]["external_id"], "74");
        assert_eq!(listings["items"][0]["title"], "product.created");
        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(sales["items"][0]["external_order_id"], "15");
        assert_eq!(sales["items"][0]["status"], "completed");
        assert_eq!(sales["items"][0]["lines"][0]["listing_external_id"], "14");
        assert_eq!(sales["items"][0]["lines"][0]["quantity"], 1);
        // Nothing was dead-lettered (the ping stored nothing).
        let dead: Vec<Value> = client()
            .get(format!("{}/api/v1/deliveries/dead", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(dead.is_empty(), "{dead:#?}");
    }
);

both_engines_app!(
    youzan_fixtures_verify_answer_success_and_give_a_sale_in_shanghai,
    |app: TestApp| async move {
        let v = vectors();
        let paid = &v["youzan_trade_paid_fake_secret"];
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "youzan", "name": "有赞店", "shop": "13027865", "secret": paid["client_secret"], "app_key": paid["client_id"]})).await;
        let res = post(
            &app,
            "youzan",
            &store,
            &[
                (
                    "Event-Sign",
                    paid["Event-Sign=md5(client_id+raw_body+client_secret)"]
                        .as_str()
                        .unwrap(),
                ),
                ("Event-Type", "trade_TradePaid"),
            ],
            fixture("youzan_trade_paid.json"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer, json!({"code": 0, "msg": "success"}));
        let success = &v["youzan_example_fake_secret"];
        let mut body = fixture("youzan_trade_success.json");
        while body.last() == Some(&b'\n') {
            body.pop();
        }
        let res = post(
            &app,
            "youzan",
            &store,
            &[(
                "Event-Sign",
                success["Event-Sign=md5(client_id+raw_body+client_secret)"]
                    .as_str()
                    .unwrap(),
            )],
            body,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 2)
        })
        .await;
        let items = sales["items"].as_array().unwrap();
        let paid_sale = items
            .iter()
            .find(|s| s["external_order_id"] == "E20210322174110094800093")
            .unwrap();
        assert_eq!(paid_sale["status"], "paid");
        assert!(
            paid_sale["region"].as_str().unwrap().starts_with("31"),
            "{paid_sale:#}"
        );
        assert_eq!(paid_sale["province"], "上海市");
        assert_eq!(paid_sale["lines"].as_array().unwrap().len(), 2);
        let done = items
            .iter()
            .find(|s| s["external_order_id"] == "E20210307175649090904167")
            .unwrap();
        assert_eq!(done["status"], "completed");
        let text = serde_json::to_string(&sales).unwrap();
        assert!(!text.contains("张三"), "the receiver's name is not kept");
    }
);

both_engines_app!(
    douyin_vectors_verify_in_both_signing_variants,
    |app: TestApp| async move {
        let v = vectors();
        let d = &v["doudian_event_sign"];
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(&app, &token, json!({"platform": "douyin", "name": "抖店", "shop": "123", "secret": d["app_secret"], "app_key": d["app_key"]})).await;
        let body = d["body"].as_str().unwrap().as_bytes().to_vec();
        for sig in [
            d["md5_hex(app_key+body+app_secret)"].as_str().unwrap(),
            d["hmac_sha256_hex(key=app_secret, app_key+body+app_secret)"]
                .as_str()
                .unwrap(),
        ] {
            let res = post(
                &app,
                "douyin",
                &store,
                &[("event-sign", sig), ("app-id", "app-key")],
                body.clone(),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.json::<Value>().await.unwrap(),
                json!({"code": 0, "msg": "success"})
            );
        }
        let mut tampered = body.clone();
        tampered[3] ^= 1;
        let res = post(
            &app,
            "douyin",
            &store,
            &[
                (
                    "event-sign",
                    d["md5_hex(app_key+body+app_secret)"].as_str().unwrap(),
                ),
                ("app-id", "app-key"),
            ],
            tampered,
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        // A verification push (tag 0) is answered and stores nothing.
        let verify = br#"[{"tag":"0","msg_id":"v1","data":"{}"}]"#.to_vec();
        let sig = {
            use md5::Digest as _;
            let mut h = md5::Md5::new();
            h.update(b"app-key");
            h.update(&verify);
            h.update(b"secret");
            hex::encode(h.finalize())
        };
        let res = post(
            &app,
            "douyin",
            &store,
            &[("event-sign", &sig), ("app-id", "app-key")],
            verify,
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("x-suyuan-delivery"), None);
    }
);

both_engines_app!(
    standard_webhooks_six_minutes_old_are_refused_and_fresh_ones_accepted,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(
            &app,
            &token,
            json!({"platform": "standard", "name": "自建商城", "shop": "mall.example.cn"}),
        )
        .await;
        let secret = store["secret"].as_str().unwrap().to_owned();
        let body = json!({"type": "listing.created", "timestamp": chrono::Utc::now().to_rfc3339(), "data": {
        "external_id": "sku-9001", "title": "家用燃气灶 天然气 双灶", "status": "active",
        "variants": [{"external_id": "sku-9001", "sku": "GAS-2", "barcode": "9520004000017"}]}})
    .to_string();
        let send = |ts: i64, id: &'static str| {
            let sig = suyuan_plugin_api::intake::notify::sign(&secret, id, ts, &body).unwrap();
            let url = format!(
                "{}/webhooks/standard/{}",
                app.address,
                store["id"].as_str().unwrap()
            );
            let body = body.clone();
            async move {
                client()
                    .post(url)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", format!("v1,AAAA {sig}"))
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let old = send(chrono::Utc::now().timestamp() - 6 * 60, "msg_old").await;
        assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
        let problem: Value = old.json().await.unwrap();
        assert_eq!(
            problem["errors"][0]["code"], "signature_expired",
            "{problem:#}"
        );
        let fresh = send(chrono::Utc::now().timestamp(), "msg_new").await;
        assert_eq!(fresh.status(), StatusCode::OK);
        let listings = eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        assert_eq!(listings["items"][0]["category"], "gas_appliance");
        assert_eq!(
            listings["items"][0]["trace_code"],
            "https://id.gs1.org/01/09520004000017"
        );
    }
);
