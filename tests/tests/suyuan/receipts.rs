//! Incoming inspection, stock, and sales completed from stock: FIFO batches and unit codes.

use super::custody::nov;
use super::marketplace::{client, connect, deliver_shopify, eventually, fixture, seller};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

async fn receive(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/api/v1/receipts", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn ebike_receipt(serials: &[&str]) -> Value {
    json!({
        "category": "ebike",
        "supplier": {"name": "雅迪科技集团有限公司", "credit_code": "91440300708461136T"},
        "voucher_number": "FH-0001",
        "received_at": nov(20),
        "product_name": "电动自行车", "model": "TDT-2301Z", "producer": "雅迪科技集团有限公司",
        "certificate": {"number": "2023011119000001", "result": "valid"},
        "inspection": {"result": "accepted", "inspector": "王质检"},
        "channel": "scanner",
        "items": serials.iter().map(|s| json!({"code": format!("(01)09520001000010(21){s}")})).collect::<Vec<_>>()
    })
}

fn order(order_id: u64, product_id: u64, qty: u32) -> Vec<u8> {
    let mut o: Value = serde_json::from_slice(&fixture("shopify_orders_cancelled.json")).unwrap();
    o["id"] = json!(order_id);
    o["cancelled_at"] = Value::Null;
    o["financial_status"] = json!("paid");
    o["refunds"] = json!([]);
    o["fulfillments"] = json!([]);
    o["updated_at"] = json!(chrono::Utc::now().to_rfc3339());
    o["created_at"] = json!(chrono::Utc::now().to_rfc3339());
    let a = json!({"province": "Zhejiang", "province_code": "ZJ", "country": "China", "country_code": "CN", "city": "Hangzhou", "company": null});
    o["shipping_address"] = a.clone();
    o["billing_address"] = a;
    let mut line = o["line_items"][0].clone();
    line["product_id"] = json!(product_id);
    line["variant_id"] = json!(product_id + 1);
    line["quantity"] = json!(qty);
    o["line_items"] = json!([line]);
    serde_json::to_vec(&o).unwrap()
}

fn product(id: u64, title: &str, barcode: &str) -> Vec<u8> {
    json!({"id": id, "title": title, "handle": format!("p{id}"), "status": "active", "tags": "", "updated_at": "2026-11-25T10:00:00+08:00",
        "variants": [{"id": id + 1, "product_id": id, "title": "Default", "sku": "S", "barcode": barcode}]})
    .to_string()
    .into_bytes()
}

both_engines_app!(
    a_receipt_records_the_checks_answers_stock_and_flags_a_code_received_twice,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let res = receive(&app, &token, ebike_receipt(&["U1", "U2"])).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["missing_elements"], json!([]));
        assert_eq!(out["warnings"], json!([]));
        assert_eq!(out["stock"][0]["gtin"], "09520001000010");
        assert_eq!(out["stock"][0]["available"], 2.0);
        let again: Value = receive(&app, &token, ebike_receipt(&["U2"]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["warnings"][0]["reason"], "received_twice");
        // Another seller receiving U1 (never sold) is suspicious too.
        let (_, other) = seller(&app, "91330106MA2GXYK23").await;
        let theirs: Value = receive(&app, &other, ebike_receipt(&["U1"]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            theirs["warnings"][0]["reason"],
            "received_by_another_seller"
        );
        // The record is in the EPCIS export with its inspection and certificate.
        let doc: Value = client()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let first = &doc["epcisBody"]["eventList"][0];
        assert_eq!(first["bizStep"], "receiving");
        assert_eq!(first["suyuan:certificate"], "2023011119000001");
        assert_eq!(first["suyuan:inspectionResult"], "accepted");
        let validator = jsonschema::validator_for(
            &serde_json::from_slice::<Value>(
                &std::fs::read(suyuan_tests::standin::epcis_schema_path()).unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        assert!(validator.is_valid(&doc));
    }
);

both_engines_app!(
    a_bad_receipt_names_every_bad_field_and_writes_nothing,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let res = receive(&app, &token, json!({
        "category": "toaster",
        "supplier": {"credit_code": "91440300708461136X"},
        "received_at": "2099-01-01",
        "items": [{"code": "(01)09520001000011(21)U1"}, {"gtin": "09520002000019", "batch": "B1", "quantity": -2}]
    }))
    .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in [
            "category",
            "supplier.credit_code",
            "received_at",
            "items[0].code",
            "items[1].quantity",
        ] {
            assert!(fields.contains(&f), "{f} not named in {fields:?}");
        }
        let stock: Vec<Value> = client()
            .get(format!("{}/api/v1/stock", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(stock.is_empty());
    }
);

both_engines_app!(
    an_ebike_sale_registers_once_its_received_unit_code_is_scanned_at_packing,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        receive(&app, &token, ebike_receipt(&["U1", "U2"])).await;
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
            "products/create",
            "p",
            &product(500, "雅迪 新国标电动自行车", "09520001000010"),
        )
        .await;
        eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"][0]["category"] == "ebike"
        })
        .await;
        deliver_shopify(&app, &store, "k", "orders/paid", "o", &order(9001, 500, 1)).await;
        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let sale = &sales["items"][0];
        assert_eq!(sale["timeliness"]["state"], "due");
        assert_eq!(sale["region"], "330000");
        let sale_id = sale["id"].as_str().unwrap();
        let line_id = sale["lines"][0]["id"].as_i64().unwrap();
        let units = |codes: Value| {
            let url = format!("{}/api/v1/sales/{sale_id}/units", app.address);
            let token = token.clone();
            async move {
                client()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"line_id": line_id, "codes": codes}))
                    .send()
                    .await
                    .unwrap()
            }
        };
        let res = units(json!(["(01)09520001000010(21)NEVER"])).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["code"], "not_received");
        // Packing a code never received is flagged as suspicious.
        let flags: Value = client()
            .get(format!("{}/api/v1/flags", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(flags["items"][0]["reason"], "sold_never_received");
        assert_eq!(flags["items"][0]["source"], "packing");
        assert_eq!(flags["items"][0]["code"], "(01)09520001000010(21)NEVER");
        let res = units(json!(["https://id.gs1.org/01/09520001000010/21/U1"])).await;
        assert_eq!(res.status(), StatusCode::OK);
        let sale: Value = res.json().await.unwrap();
        assert!(sale["event_id"].is_string(), "{sale:#}");
        assert_eq!(sale["timeliness"]["state"], "on_time");
        assert_eq!(
            sale["lines"][0]["unit_codes"],
            json!(["(01)09520001000010(21)U1"])
        );
        // The unit is now sold: a second order cannot use it.
        deliver_shopify(&app, &store, "k", "orders/paid", "o2", &order(9002, 500, 1)).await;
        let sales = eventually(&app, &token, "/api/v1/sales?registered=false", |s| {
            s["items"].as_array().is_some_and(|a| a.len() == 1)
        })
        .await;
        let second = sales["items"][0]["id"].as_str().unwrap();
        let line = sales["items"][0]["lines"][0]["id"].as_i64().unwrap();
        let res = client()
            .post(format!("{}/api/v1/sales/{second}/units", app.address))
            .bearer_auth(&token)
            .json(&json!({"line_id": line, "codes": ["(01)09520001000010(21)U1"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            res.json::<Value>().await.unwrap()["errors"][0]["code"],
            "already_sold"
        );
    }
);

both_engines_app!(
    a_helmet_sale_takes_batches_first_in_first_out_and_registers_itself,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        for (batch, day, qty) in [("H-OLD", nov(1), 3.0), ("H-NEW", nov(10), 10.0)] {
            let res = receive(&app, &token, json!({"category": "safety_helmet", "received_at": day, "supplier": {"name": "永康安骑"},
            "certificate": {"number": "2023011118000123", "result": "valid"}, "inspection": {"result": "accepted", "inspector": "王"},
            "items": [{"gtin": "09520002000019", "batch": batch, "quantity": qty}]}))
        .await;
            assert_eq!(res.status(), StatusCode::CREATED);
        }
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
            "products/create",
            "p",
            &product(700, "3C认证 电动车头盔", "09520002000019"),
        )
        .await;
        eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"][0]["category"] == "safety_helmet"
        })
        .await;
        deliver_shopify(&app, &store, "k", "orders/paid", "o", &order(9100, 700, 5)).await;
        let sales = eventually(&app, &token, "/api/v1/sales", |s| {
            s["items"][0]["event_id"].is_string()
        })
        .await;
        let allocations = &sales["items"][0]["lines"][0]["allocations"];
        assert_eq!(allocations[0]["code"], "(01)09520002000019(10)H-OLD");
        assert_eq!(allocations[0]["quantity"], 3.0);
        assert_eq!(allocations[1]["code"], "(01)09520002000019(10)H-NEW");
        assert_eq!(allocations[1]["quantity"], 2.0);
        assert_eq!(allocations[0]["state"], "allocated");
        let stock: Vec<Value> = client()
            .get(format!("{}/api/v1/stock", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let new = stock.iter().find(|b| b["batch"] == "H-NEW").unwrap();
        assert_eq!(new["available"], 8.0);
        let old = stock.iter().find(|b| b["batch"] == "H-OLD").unwrap();
        assert_eq!(old["available"], 0.0);
        // Turnover: the old batch is sold through, the new one a fifth.
        assert_eq!(old["sell_through"], 1.0);
        assert_eq!(new["sell_through"], 0.2);
        assert!(old["last_sold_at"].is_string());
        assert!(new["age_days"].as_i64().unwrap() >= 1);
    }
);

both_engines_app!(
    offline_and_b2b_sales_are_registered_and_bad_items_refused,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        receive(&app, &token, ebike_receipt(&["U1", "U2"])).await;
        receive(&app, &token, json!({"category": "safety_helmet", "received_at": nov(10), "items": [{"gtin": "09520002000019", "batch": "H1", "quantity": 5.0}]})).await;
        let sell = |body: Value| {
            let url = format!("{}/api/v1/sales", app.address);
            let token = token.clone();
            async move {
                client()
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // A consumer in Shanghai buys one e-bike in the shop.
        let res = sell(json!({"category": "ebike", "buyer": {"type": "consumer", "region": "310104"}, "shipping_method": "pickup",
        "items": [{"code": "(01)09520001000010(21)U1"}]}))
    .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        // A distributor takes 3 helmets by courier.
        let res = sell(json!({"category": "safety_helmet", "buyer": {"type": "distributor", "name": "杭州西湖线缆经销部", "credit_code": "91350100M000100Y43", "region": "330106"},
        "shipping_method": "courier", "tracking_number": "SF100200300", "items": [{"gtin": "09520002000019", "batch": "H1", "quantity": 3.0}]}))
    .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["record_kind"], "shipment");
        assert_eq!(out["missing_elements"], json!([]));
        // Refused, item by item: sold twice, never received, beyond stock.
        let res = sell(json!({"category": "ebike", "buyer": {"type": "consumer", "region": "310104"},
        "items": [{"code": "(01)09520001000010(21)U1"}, {"code": "(01)09520001000010(21)NOPE"}, {"gtin": "09520002000019", "batch": "H1", "quantity": 9.0}]}))
    .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        let reasons: Vec<(&str, &str)> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                ("items[0]", "already_sold"),
                ("items[1]", "not_received"),
                ("items[2]", "beyond_stock")
            ]
        );
        // A consumer sale needs a region; a B2B sale needs the buyer's credit code.
        let res = sell(json!({"category": "ebike", "buyer": {"type": "distributor", "name": "x"}, "items": [{"code": "(01)09520001000010(21)U2"}]})).await;
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "buyer.credit_code");
        let stock: Vec<Value> = client()
            .get(format!("{}/api/v1/stock", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let helmets = stock.iter().find(|b| b["batch"] == "H1").unwrap();
        assert_eq!(helmets["available"], 2.0);
        let doc: Value = client()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let shipment = doc["epcisBody"]["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["bizStep"] == "shipping")
            .unwrap()
            .clone();
        assert_eq!(shipment["suyuan:shippingMethod"], "courier");
        assert_eq!(
            shipment["destinationList"][0]["destination"],
            "urn:suyuan:party:91350100M000100Y43"
        );
    }
);

both_engines_app!(
    a_record_is_amended_or_voided_and_the_original_stays,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        receive(&app, &token, json!({"category": "safety_helmet", "received_at": nov(10), "items": [{"gtin": "09520002000019", "batch": "H1", "quantity": 5.0}]})).await;
        let sale: Value = client()
        .post(format!("{}/api/v1/sales", app.address))
        .bearer_auth(&token)
        .json(&json!({"category": "safety_helmet", "buyer": {"type": "consumer", "region": "310104"}, "items": [{"gtin": "09520002000019", "batch": "H1", "quantity": 2.0}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let sale_id = sale["event_id"].as_str().unwrap();
        let correct = |id: String, body: Value| {
            let url = format!("{}/api/v1/events/{id}/corrections", app.address);
            let token = token.clone();
            async move {
                client()
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
            }
        };
        // Amend the region.
        let res = correct(
            sale_id.to_owned(),
            json!({"reason": "地区录错", "changes": {"region": "310112"}}),
        )
        .await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        let amended: Value = res.json().await.unwrap();
        assert_eq!(amended["reason"], "incorrect_data");
        let corrective = amended["corrective_id"].as_str().unwrap().to_owned();
        // Correcting the original twice is refused; the corrected record can be voided.
        let res = correct(sale_id.to_owned(), json!({"reason": "again"})).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = correct(corrective.clone(), json!({"reason": "顾客退单，未发生"})).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        // All of it is in the export: original, declaration, corrective, its declaration.
        let doc: Value = client()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        let declarations: Vec<&Value> = events
            .iter()
            .filter(|e| e.get("errorDeclaration").is_some())
            .collect();
        assert_eq!(declarations.len(), 2);
        assert_eq!(
            declarations[0]["errorDeclaration"]["reason"],
            "incorrect_data"
        );
        assert_eq!(
            declarations[1]["errorDeclaration"]["reason"],
            "did_not_occur"
        );
        assert!(
            events
                .iter()
                .any(|e| e["suyuan:region"] == "310112" && e.get("errorDeclaration").is_none())
        );
        // The voided sale no longer takes stock.
        let stock: Vec<Value> = client()
            .get(format!("{}/api/v1/stock", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stock[0]["available"], 5.0);
        let res = correct(
            "evt_01JD0000000000000000000000".into(),
            json!({"reason": "x"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

both_engines_app!(
    views_of_an_unregistered_code_and_reloads_by_one_client_do_not_raise_times_scanned,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let path = format!("{}/01/09520001000010/21/EARLY1", app.address);
        // Someone loops over a code nobody has registered yet.
        for _ in 0..5 {
            let res = client().get(&path).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
        }
        let res = receive(&app, &token, ebike_receipt(&["EARLY1"])).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        // The first view after it is registered is its first scan; reloading it in a loop from
        // the same client does not add more.
        let mut json = Value::Null;
        for _ in 0..20 {
            json = client()
                .get(&path)
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        }
        assert_eq!(json["authenticity"]["times_scanned"], 1, "{json:#}");
    }
);
