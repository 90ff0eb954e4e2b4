//! How a listing's classification reaches the seller: an accessory named after the product it fits
//! needs no code; an e-bike's battery or charger is a part of the e-bike scheme (一车一池一充一码),
//! coded on its own.

use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

use super::marketplace::{client, connect, deliver_shopify, eventually, seller};
use super::transfers::get;

/// A Shopify product with no product type, tags or barcode: only its title tells what it is.
fn product(id: u64, title: &str) -> Vec<u8> {
    json!({
        "id": id, "title": title, "body_html": null, "vendor": "骑乐", "product_type": "",
        "handle": format!("p-{id}"), "status": "active", "tags": "",
        "created_at": "2026-11-20T10:00:00+08:00", "updated_at": "2026-11-20T10:00:00+08:00",
        "variants": [{"id": id + 1, "product_id": id, "title": "Default Title", "sku": null, "barcode": null}]
    })
    .to_string()
    .into_bytes()
}

/// Delivers each `(id, title)` as a new Shopify product of `store` and waits until the seller
/// lists them all; answers the listings by their marketplace id.
async fn list_products(
    app: &TestApp,
    store: &Value,
    token: &str,
    delivery: &str,
    titles: &[(u64, &str)],
) -> std::collections::HashMap<u64, Value> {
    for (i, (id, title)) in titles.iter().enumerate() {
        let res = deliver_shopify(
            app,
            store,
            "shpss_test",
            "products/create",
            &format!("{delivery}-{i}"),
            &product(*id, title),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let listings = eventually(app, token, "/api/v1/listings", |v| {
        v["items"]
            .as_array()
            .is_some_and(|a| a.len() == titles.len())
    })
    .await;
    listings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let id = l["external_id"]
                .as_str()
                .and_then(|e| e.parse().ok())
                .unwrap();
            (id, l.clone())
        })
        .collect()
}

both_engines_app!(
    an_ebike_battery_and_charger_are_listed_as_parts_of_the_ebike_scheme_each_needing_its_code,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCE1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "骑乐配件店", "shop": "qile.myshopify.com", "secret": "shpss_test"})).await;
        let titles = [
            (
                9_100_000_000_010u64,
                "电动车锂电池48V20AH 雅迪爱玛台铃通用 大容量",
            ),
            (9_100_000_000_020u64, "电瓶车充电器 60V20AH 72V 铅酸 快充"),
            (9_100_000_000_030u64, "雅迪 新国标电动自行车 冠能 可上牌"),
        ];
        let listings = list_products(&app, &store, &token, "w-part", &titles).await;
        let by_id = |id: u64| listings[&id].clone();
        for (id, part) in [
            (9_100_000_000_010u64, "battery"),
            (9_100_000_000_020u64, "charger"),
            (9_100_000_000_030u64, "vehicle"),
        ] {
            let listing = by_id(id);
            assert_eq!(listing["category"], "ebike", "{listing:#}");
            assert_eq!(listing["part"], part, "{listing:#}");
            // No code yet: the seller is told to attach one, as for the vehicle.
            assert_eq!(listing["trace_state"], "needs_code", "{listing:#}");
        }

        // The e-bike scheme the battery and charger now fall under: one code per item, a serial on
        // receipt, and the vehicle code aggregating the battery's and the charger's.
        let catalogue: Value = client()
            .get(format!("{}/api/v1/catalogue", app.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ebike = catalogue["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "ebike")
            .unwrap();
        assert_eq!(ebike["granularity"], "unit");
        assert!(
            ebike["receipt_elements"]
                .as_array()
                .unwrap()
                .contains(&json!("serial"))
        );
        assert_eq!(
            ebike["aggregation"],
            json!({"parent": "vehicle", "children": ["battery", "charger"]})
        );

        // A seller who overrides the category decides alone: no part is guessed for it.
        let battery = by_id(9_100_000_000_010u64);
        let res = client()
            .patch(format!(
                "{}/api/v1/listings/{}",
                app.address,
                battery["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .json(&json!({"category": "ccc_electronics"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let overridden: Value = res.json().await.unwrap();
        assert_eq!(overridden["category"], "ccc_electronics");
        assert!(overridden["part"].is_null(), "{overridden:#}");
    }
);

both_engines_app!(
    an_accessory_named_after_the_product_it_fits_is_not_asked_for_a_trace_code,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCE1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "家电配件店", "shop": "peijian.myshopify.com", "secret": "shpss_test"})).await;
        let titles = [
            (9_100_000_000_110u64, "格力 空调 遥控器 原装 通用款"),
            (9_100_000_000_120u64, "海尔 冰箱 门封条 磁性 密封条"),
            (
                9_100_000_000_130u64,
                "Replacement remote for Hisense smart TV",
            ),
            // The appliance itself still needs its code.
            (9_100_000_000_140u64, "格力 空调 1.5匹 变频 挂机"),
        ];
        for (i, (id, title)) in titles.iter().enumerate() {
            let res = deliver_shopify(
                &app,
                &store,
                "shpss_test",
                "products/create",
                &format!("w-acc-{i}"),
                &product(*id, title),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
        }

        let listings = eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 4)
        })
        .await;
        for listing in listings["items"].as_array().unwrap() {
            let appliance = listing["external_id"] == "9100000000140";
            if appliance {
                assert_eq!(
                    listing["category"], "ccc_household_appliance",
                    "{listing:#}"
                );
                assert_eq!(listing["trace_state"], "needs_code", "{listing:#}");
            } else {
                assert!(listing["category"].is_null(), "{listing:#}");
                assert_eq!(listing["trace_state"], "not_required", "{listing:#}");
            }
        }
    }
);

both_engines_app!(
    a_thing_named_after_the_product_it_belongs_to_is_not_asked_for_a_trace_code,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCE1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "五金电动车配件", "shop": "wujin.myshopify.com", "secret": "shpss_test"})).await;
        let titles = [
            (9_100_000_000_210u64, "雅迪 电动车 电池仓 锁 通用"),
            (9_100_000_000_220u64, "公牛 插座 防水盒 卫生间 86型"),
            (9_100_000_000_230u64, "电线 剥线器 自动 多功能"),
            // A vehicle whose battery is named among its features is the vehicle, needing its code.
            (
                9_100_000_000_240u64,
                "台铃 电动车 新国标 超长续航 石墨烯电池 女士款",
            ),
        ];
        for (i, (id, title)) in titles.iter().enumerate() {
            let res = deliver_shopify(
                &app,
                &store,
                "shpss_test",
                "products/create",
                &format!("w-head-{i}"),
                &product(*id, title),
            )
            .await;
            assert_eq!(res.status(), StatusCode::OK);
        }

        let listings = eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| a.len() == 4)
        })
        .await;
        for listing in listings["items"].as_array().unwrap() {
            if listing["external_id"] == "9100000000240" {
                assert_eq!(listing["category"], "ebike", "{listing:#}");
                assert_eq!(listing["part"], "vehicle", "{listing:#}");
                assert_eq!(listing["trace_state"], "needs_code", "{listing:#}");
            } else {
                assert!(listing["category"].is_null(), "{listing:#}");
                assert_eq!(listing["trace_state"], "not_required", "{listing:#}");
            }
        }
    }
);

both_engines_app!(
    a_category_read_by_the_title_model_is_flagged_until_the_seller_confirms_it,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCE1").await;
        let store = connect(&app, &token, json!({"platform": "shopify", "name": "户外炉具店", "shop": "luju.myshopify.com", "secret": "shpss_test"})).await;
        // `瓦斯炉` (a gas stove, in the trade's word) is in no rule's word list; the title model
        // reads it as a gas appliance. A plain e-bike title is read alike by both.
        let titles = [
            (9_100_000_000_410u64, "瓦斯炉 卡式 户外 便携"),
            (9_100_000_000_420u64, "雅迪 新国标电动自行车 冠能 可上牌"),
        ];
        let listings = list_products(&app, &store, &token, "w-confirm", &titles).await;
        let by_id = |id: u64| listings[&id].clone();
        let stove = by_id(9_100_000_000_410);
        assert_eq!(stove["category"], "gas_appliance", "{stove:#}");
        assert_eq!(stove["needs_confirmation"], true, "{stove:#}");
        assert!(
            stove["classification_rule"]
                .as_str()
                .unwrap()
                .contains("title model"),
            "{stove:#}"
        );
        assert!(
            stove["confirmation_note"][0]
                .as_str()
                .unwrap()
                .contains("请确认")
        );
        assert_eq!(stove["trace_state"], "needs_code");
        let ebike = by_id(9_100_000_000_420);
        assert_eq!(ebike["category"], "ebike");
        assert_eq!(ebike["needs_confirmation"], false, "{ebike:#}");
        assert!(ebike.get("confirmation_note").is_none());

        // The seller's list of what to confirm holds the stove alone.
        let (status, flagged) = get(&app, &token, "/api/v1/listings?needs_confirmation=true").await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&str> = flagged["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![stove["id"].as_str().unwrap()]);

        // Confirming (setting the same category) clears the flag; the next delivery of the same
        // product keeps the seller's word.
        let res = client()
            .patch(format!(
                "{}/api/v1/listings/{}",
                app.address,
                stove["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .json(&json!({"category": "gas_appliance"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let confirmed: Value = res.json().await.unwrap();
        assert_eq!(confirmed["category"], "gas_appliance");
        assert_eq!(confirmed["needs_confirmation"], false, "{confirmed:#}");
        assert_eq!(confirmed["category_overridden"], true);
        let res = deliver_shopify(
            &app,
            &store,
            "shpss_test",
            "products/update",
            "w-confirm-again",
            &product(9_100_000_000_410, "瓦斯炉 卡式 户外 便携"),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let confirmed_at = confirmed["updated_at"].as_str().unwrap().to_owned();
        let stove_id = stove["id"].as_str().unwrap().to_owned();
        let after = eventually(&app, &token, "/api/v1/listings", |v| {
            v["items"].as_array().is_some_and(|a| {
                a.iter().any(|l| {
                    l["id"] == stove_id.as_str()
                        && l["updated_at"]
                            .as_str()
                            .is_some_and(|u| u > confirmed_at.as_str())
                })
            })
        })
        .await;
        for l in after["items"].as_array().unwrap() {
            assert_eq!(l["needs_confirmation"], false, "{l:#}");
        }
        let (_, flagged) = get(&app, &token, "/api/v1/listings?needs_confirmation=true").await;
        assert_eq!(flagged["items"], json!([]));
    }
);
