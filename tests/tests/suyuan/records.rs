//! What the records say for analytics, end to end through the webhook intake and the API: one
//! timeliness rule for every record (an unpaid order is not yet due, a cancelled one needs no
//! registration), the catalogue version each deadline came from, completeness recomputed on
//! every write path, a transfer for an online business order, and a claim that happens whole or
//! not at all.

use super::marketplace::{client, connect, deliver_shopify, eventually, fixture, seller};
use super::transfers::{
    B_NAME, a_receives, a_ships_to_b, b_credit, claim_api, ebike, get, seller_named, token_of,
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{Engine, TestApp, both_engines_app};

/// The built-in catalogue's version, which deadlines come from.
fn catalogue_version() -> String {
    suyuan_core::catalogue::Catalogue::builtin()
        .unwrap()
        .version()
        .to_owned()
}

/// A Shopify e-bike product; without a handle the listing has no URL.
pub fn ebike_product(id: u64, handle: Option<&str>) -> Vec<u8> {
    json!({"id": id, "title": "雅迪 新国标电动自行车", "handle": handle, "status": "active", "tags": "",
        "updated_at": "2026-11-25T10:00:00+08:00",
        "variants": [{"id": id + 1, "product_id": id, "title": "Default", "sku": "S", "barcode": "09520001000010"}]})
    .to_string()
    .into_bytes()
}

/// A Shopify order of one e-bike, placed `age` ago and last updated `updated` ago, with the
/// given financial status (`pending`: not paid; `paid`; `voided`: cancelled).
pub fn shopify_order(order_id: u64, product_id: u64, financial: &str, age: Duration) -> Vec<u8> {
    let mut o: Value = serde_json::from_slice(&fixture("shopify_orders_cancelled.json")).unwrap();
    let now = Utc::now();
    o["id"] = json!(order_id);
    o["cancelled_at"] = Value::Null;
    o["cancel_reason"] = Value::Null;
    o["financial_status"] = json!(financial);
    o["refunds"] = json!([]);
    o["fulfillments"] = json!([]);
    o["created_at"] = json!((now - age).to_rfc3339());
    o["processed_at"] = json!((now - age).to_rfc3339());
    o["updated_at"] = json!(now.to_rfc3339());
    let a = json!({"province": "Zhejiang", "province_code": "ZJ", "country": "China", "country_code": "CN", "city": "Hangzhou", "company": null});
    o["shipping_address"] = a.clone();
    o["billing_address"] = a;
    let mut line = o["line_items"][0].clone();
    line["product_id"] = json!(product_id);
    line["variant_id"] = json!(product_id + 1);
    line["quantity"] = json!(1);
    o["line_items"] = json!([line]);
    serde_json::to_vec(&o).unwrap()
}

/// A seller with a Shopify store selling one e-bike listing (handle `handle`).
async fn shop_with_an_ebike(app: &TestApp, handle: Option<&str>) -> (String, Value) {
    let (_, token) = seller(app, "91440104MA59ABCD1").await;
    let store = connect(
        app,
        &token,
        json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
    )
    .await;
    let res = deliver_shopify(
        app,
        &store,
        "k",
        "products/create",
        "p-1",
        &ebike_product(600, handle),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    eventually(app, &token, "/api/v1/listings", |l| {
        l["items"][0]["category"] == "ebike"
    })
    .await;
    (token, store)
}

async fn sale_of(
    app: &TestApp,
    token: &str,
    order_id: impl ToString,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let id = order_id.to_string();
    let sales = eventually(app, token, "/api/v1/sales", |s| {
        s["items"].as_array().is_some_and(|a| {
            a.iter()
                .any(|x| x["external_order_id"] == id.as_str() && check(x))
        })
    })
    .await;
    sales["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["external_order_id"] == id.as_str())
        .unwrap()
        .clone()
}

async fn events(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, list) = get(app, token, "/api/v1/events?limit=1000").await;
    assert_eq!(status, StatusCode::OK, "{list:#}");
    list.as_array().unwrap().clone()
}

both_engines_app!(
    an_unpaid_order_is_not_yet_due_long_past_any_deadline_and_a_cancelled_one_needs_no_registration,
    |app: TestApp| async move {
        let (token, store) = shop_with_an_ebike(&app, Some("p600")).await;
        // Placed thirty days ago and never paid: the registration clock has not started.
        let unpaid = shopify_order(7001, 600, "pending", Duration::days(30));
        deliver_shopify(&app, &store, "k", "orders/create", "o-1", &unpaid).await;
        let sale = sale_of(&app, &token, 7001, |_| true).await;
        assert_eq!(sale["status"], "created");
        assert_eq!(sale["timeliness"]["state"], "not_yet_due", "{sale:#}");
        assert_eq!(sale["timeliness"]["label_zh"], "未到期");
        assert_eq!(sale["deadline_at"], Value::Null);
        assert_eq!(sale["timeliness"]["seconds_left"], Value::Null);

        // Paid four days ago and not registered (no unit code packed): overdue, with the
        // deadline 72 hours after payment and the catalogue version it came from.
        let paid = shopify_order(7002, 600, "paid", Duration::days(4));
        deliver_shopify(&app, &store, "k", "orders/paid", "o-2", &paid).await;
        let sale = sale_of(&app, &token, 7002, |_| true).await;
        assert_eq!(sale["timeliness"]["state"], "overdue", "{sale:#}");
        assert_eq!(sale["catalogue_version"], catalogue_version().as_str());
        assert_eq!(
            sale["timeliness"]["catalogue_version"],
            catalogue_version().as_str()
        );
        let left = sale["timeliness"]["seconds_left"].as_i64().unwrap();
        assert!(
            (-25 * 3600..-23 * 3600).contains(&left),
            "96 h after payment, 72 h allowed: about a day overdue, got {left}"
        );

        // The unpaid order is cancelled: nothing to register, ever.
        let mut cancelled: Value = serde_json::from_slice(&unpaid).unwrap();
        cancelled["cancelled_at"] = json!(Utc::now().to_rfc3339());
        cancelled["financial_status"] = json!("voided");
        cancelled["updated_at"] = json!((Utc::now() + Duration::seconds(1)).to_rfc3339());
        deliver_shopify(
            &app,
            &store,
            "k",
            "orders/cancelled",
            "o-3",
            &serde_json::to_vec(&cancelled).unwrap(),
        )
        .await;
        let sale = sale_of(&app, &token, 7001, |s| s["status"] == "cancelled").await;
        assert_eq!(sale["timeliness"]["state"], "not_required", "{sale:#}");
        assert_eq!(sale["timeliness"]["label_en"], "not required");
    }
);

both_engines_app!(
    every_record_shows_its_timeliness_and_the_catalogue_version_of_its_deadline,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, "广州骑乐电器商行", "91440104MA59ABCD1").await;
        // Received six days ago and recorded now: 72 hours allowed, so late.
        a_receives(&app, &a, &["U1", "U2"]).await;
        // Sold to distributor B four days ago, recorded now: late as well.
        let sale = a_ships_to_b(&app, &a, &["U1"], None).await;
        assert_eq!(sale["timeliness"]["state"], "late", "{sale:#}");
        assert_eq!(
            sale["timeliness"]["catalogue_version"],
            catalogue_version().as_str()
        );
        // A receipt of today is on time, and says so when it is recorded.
        let res = client()
            .post(format!("{}/api/v1/receipts", app.address))
            .bearer_auth(&a)
            .json(&json!({
                "category": "ebike",
                "supplier": {"name": "雅迪科技集团有限公司", "credit_code": "91440300708461136T"},
                "voucher_number": "FH-0002",
                "received_at": Utc::now().to_rfc3339(),
                "product_name": "电动自行车", "model": "TDT-2301Z", "producer": "雅迪科技集团有限公司",
                "certificate": {"number": "2023011119000001", "result": "valid"},
                "inspection": {"result": "accepted", "inspector": "王质检"},
                "items": [{"code": ebike("U3")}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let receipt: Value = res.json().await.unwrap();
        assert_eq!(receipt["timeliness"]["state"], "on_time", "{receipt:#}");
        assert_eq!(receipt["timeliness"]["label_zh"], "按时");
        assert_eq!(
            receipt["timeliness"]["catalogue_version"],
            catalogue_version().as_str()
        );
        // The event list shows each record's state: late, late, on time.
        let list = events(&app, &a).await;
        let states: Vec<(&str, &str)> = list
            .iter()
            .map(|e| {
                (
                    e["record_kind"].as_str().unwrap(),
                    e["timeliness"]["state"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            states,
            vec![
                ("receipt", "late"),
                ("shipment", "late"),
                ("receipt", "on_time")
            ]
        );
        assert!(
            list.iter()
                .all(|e| e["timeliness"]["catalogue_version"] == catalogue_version().as_str()),
            "{list:#?}"
        );
    }
);

both_engines_app!(
    a_marketplace_sale_without_a_listing_url_lists_it_and_the_amendment_that_adds_it_lists_nothing,
    |app: TestApp| async move {
        let (token, store) = shop_with_an_ebike(&app, None).await;
        a_receives(&app, &token, &["U1"]).await;
        let paid = shopify_order(7101, 600, "paid", Duration::minutes(5));
        deliver_shopify(&app, &store, "k", "orders/paid", "o-1", &paid).await;
        let sale = sale_of(&app, &token, 7101, |_| true).await;
        assert_eq!(sale["timeliness"]["state"], "due", "{sale:#}");
        let res = client()
            .post(format!(
                "{}/api/v1/sales/{}/units",
                app.address,
                sale["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .json(&json!({"line_id": sale["lines"][0]["id"], "codes": [ebike("U1")]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let sale: Value = res.json().await.unwrap();
        assert_eq!(sale["timeliness"]["state"], "on_time", "{sale:#}");
        let event_id = sale["event_id"].as_str().unwrap().to_owned();
        let list = events(&app, &token).await;
        let registered = list.iter().find(|e| e["id"] == event_id.as_str()).unwrap();
        assert_eq!(registered["record_kind"], "sale");
        assert_eq!(
            registered["missing_elements"],
            json!(["listing_url"]),
            "an online sale needs its listing's URL: {registered:#}"
        );

        // The seller adds the URL by an amendment: the corrected record lacks nothing.
        let res = client()
            .post(format!(
                "{}/api/v1/events/{event_id}/corrections",
                app.address
            ))
            .bearer_auth(&token)
            .json(&json!({"reason": "补充商品链接", "changes": {"listingUrl": "https://q.myshopify.com/products/p600"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let corrected: Value = res.json().await.unwrap();
        let corrective = corrected["corrective_id"].as_str().unwrap();
        let list = events(&app, &token).await;
        let fixed = list.iter().find(|e| e["id"] == corrective).unwrap();
        assert_eq!(fixed["missing_elements"], json!([]), "{fixed:#}");
        assert_eq!(fixed["corrects_id"], event_id.as_str());
    }
);

both_engines_app!(
    an_online_order_from_a_company_creates_a_transfer_the_company_claims,
    |app: TestApp| async move {
        let (a_id, a, _) = seller_named(&app, "广州骑乐电器商行", "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        a_receives(&app, &a, &["U1"]).await;
        let store = connect(
            &app,
            &a,
            json!({"platform": "standard", "name": "自建商城", "shop": "mall.example.cn"}),
        )
        .await;
        let secret = store["secret"].as_str().unwrap().to_owned();
        let send = |id: &'static str, body: Value| {
            let body = body.to_string();
            let ts = Utc::now().timestamp();
            let sig = suyuan_plugin_api::intake::notify::sign(&secret, id, ts, &body).unwrap();
            let url = format!(
                "{}/webhooks/standard/{}",
                app.address,
                store["id"].as_str().unwrap()
            );
            async move {
                client()
                    .post(url)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", sig)
                    .body(body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let now = Utc::now().to_rfc3339();
        let res = send(
            "msg-1",
            json!({"type": "listing.created", "timestamp": now, "data": {
            "external_id": "P-1", "title": "雅迪 新国标电动自行车", "status": "active",
            "url": "https://mall.example.cn/p/1",
            "variants": [{"external_id": "V-1", "sku": "YD", "barcode": "09520001000010"}]}}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        eventually(&app, &a, "/api/v1/listings", |l| {
            l["items"][0]["category"] == "ebike"
        })
        .await;
        let res = send("msg-2", json!({"type": "order.paid", "timestamp": now, "data": {
            "external_id": "O-88", "number": "#88", "status": "paid",
            "lines": [{"external_id": "L-1", "listing_external_id": "P-1", "variant_external_id": "V-1",
                       "sku": "YD", "barcode": "09520001000010", "title": "雅迪电动自行车", "quantity": 1}],
            "buyer": {"kind": "business", "company": B_NAME, "tax_id": b_credit()},
            "destination": {"country_code": "CN", "province": "浙江省", "city": "杭州市", "division": "330106"},
            "shipping_method": "freight", "tracking_numbers": ["SF1234567890"],
            "created_at": now, "updated_at": now, "paid_at": now}}))
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        // A business buyer: packing the unit code registers a shipment, and the buyer gets a
        // transfer to claim, as for an offline sale to a distributor.
        let sale = sale_of(&app, &a, "O-88", |_| true).await;
        assert_eq!(sale["buyer_type"], "business", "{sale:#}");
        let res = client()
            .post(format!(
                "{}/api/v1/sales/{}/units",
                app.address,
                sale["id"].as_str().unwrap()
            ))
            .bearer_auth(&a)
            .json(&json!({"line_id": sale["lines"][0]["id"], "codes": [ebike("U1")]}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        let sale: Value = res.json().await.unwrap();
        let event_id = sale["event_id"].as_str().unwrap().to_owned();
        let list = events(&app, &a).await;
        let shipment = list.iter().find(|e| e["id"] == event_id.as_str()).unwrap();
        assert_eq!(shipment["record_kind"], "shipment");
        let (_, sent) = get(&app, &a, "/api/v1/transfers?status=pending").await;
        let sent = sent.as_array().unwrap();
        assert_eq!(sent.len(), 1, "{sent:#?}");
        assert_eq!(sent[0]["sale_event_id"], event_id.as_str());
        assert_eq!(sent[0]["buyer"]["credit_code"], b_credit());
        assert_eq!(sent[0]["items"][0]["code"], ebike("U1"));
        let (_, incoming) = get(&app, &b, "/api/v1/transfers/incoming").await;
        assert_eq!(incoming[0]["id"], sent[0]["id"]);
        // The claim link (sealed for the sender's transfers page) works for the buyer, once.
        let a_id = suyuan_core::ids::SellerId::parse(&a_id).unwrap();
        let stored = suyuan_store::transfers::list_sent(&app.db.db, &a_id, Some("pending"), 10)
            .await
            .unwrap();
        let claim = suyuan_store::transfers::token_of(&stored[0], &app.secret_key).unwrap();
        let (status, claimed) = claim_api(
            &app,
            &b,
            &claim,
            json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{claimed:#}");
        assert_eq!(claimed["transfer"]["status"], "claimed");
        let b_events = events(&app, &b).await;
        assert_eq!(b_events.len(), 1);
        assert_eq!(b_events[0]["record_kind"], "receipt");
        let (status, _) = claim_api(&app, &b, &claim, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "claimed exactly once");
    }
);

/// Makes the last write of a claim (linking the receipt to the transfer) fail on `app`'s
/// database, as a crash between the writes would.
async fn fail_the_claims_last_write(app: &TestApp) {
    use sea_orm::ConnectionTrait as _;
    let statements: &[&str] = match app.db.engine {
        Engine::Sqlite => &[
            "CREATE TRIGGER test_fail_claim BEFORE UPDATE OF claimed_event_id ON transfers \
             WHEN NEW.claimed_event_id IS NOT NULL BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
        ],
        Engine::Postgres => &[
            "CREATE FUNCTION test_fail_claim() RETURNS trigger AS $$ BEGIN \
             IF NEW.claimed_event_id IS NOT NULL THEN RAISE EXCEPTION 'injected failure'; END IF; \
             RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER test_fail_claim BEFORE UPDATE ON transfers FOR EACH ROW \
             EXECUTE FUNCTION test_fail_claim()",
        ],
    };
    for sql in statements {
        app.db
            .db
            .execute_unprepared(sql)
            .await
            .expect("install the failing trigger");
    }
}

async fn heal_the_claims_last_write(app: &TestApp) {
    use sea_orm::ConnectionTrait as _;
    let sql = match app.db.engine {
        Engine::Sqlite => "DROP TRIGGER test_fail_claim",
        Engine::Postgres => "DROP TRIGGER test_fail_claim ON transfers",
    };
    app.db
        .db
        .execute_unprepared(sql)
        .await
        .expect("drop the failing trigger");
}

both_engines_app!(
    a_claim_that_fails_half_way_leaves_the_transfer_unclaimed_and_no_receipt,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, "广州骑乐电器商行", "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        a_receives(&app, &a, &["U1"]).await;
        let sale = a_ships_to_b(&app, &a, &["U1"], None).await;
        let id = sale["transfer"]["id"].as_str().unwrap().to_owned();
        let claim = token_of(&sale);

        fail_the_claims_last_write(&app).await;
        let (status, _) = claim_api(&app, &b, &claim, json!({})).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let (_, transfer) = get(&app, &a, &format!("/api/v1/transfers/{id}")).await;
        assert_eq!(transfer["status"], "pending", "{transfer:#}");
        assert_eq!(transfer["claimed_at"], Value::Null);
        assert_eq!(transfer["claimed_event_id"], Value::Null);
        assert_eq!(events(&app, &b).await.len(), 0, "no receipt was kept");
        let (_, stock) = get(&app, &b, "/api/v1/stock").await;
        assert_eq!(stock, json!([]));

        // Once the fault is gone the same link claims, once.
        heal_the_claims_last_write(&app).await;
        let (status, claimed) = claim_api(&app, &b, &claim, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{claimed:#}");
        assert_eq!(events(&app, &b).await.len(), 1);
        assert_eq!(
            claimed["transfer"]["claimed_event_id"],
            claimed["receipt"]["event_id"]
        );
    }
);
