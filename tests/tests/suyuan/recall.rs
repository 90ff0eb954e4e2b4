//! Recall flow: a product traced forward through a claimed transfer to every seller, region and
//! customer type, with the gaps, by the recursive query on the ledger (both engines) and in the
//! exports people open.

use super::marketplace::client;
use super::transfers::{
    A_NAME, B_NAME, a_receives, a_ships_to_b, claim_api, seller_named, token_of,
};
use reqwest::StatusCode;
use serde_json::json;
use suyuan_core::recall::{Gap, Selector};
use suyuan_store::recall_trace;
use suyuan_tests::{TestApp, both_engines_app};

/// A (Guangzhou) receives five e-bikes, ships four to B (Hangzhou) who claims them and sells
/// three to consumers in Guangdong, Zhejiang and Beijing, and ships the fifth to B again, a
/// transfer never claimed.
async fn chain(app: &TestApp) -> (String, String, String) {
    let (a_id, a, a_credit) = seller_named(app, A_NAME, "91440104MA59ABCD1").await;
    let (b_id, b, _) = seller_named(app, B_NAME, "91330106MA2GXYK23").await;
    a_receives(app, &a, &["U1", "U2", "U3", "U4", "U5"]).await;
    let sale = a_ships_to_b(app, &a, &["U1", "U2", "U3", "U4"], None).await;
    let (status, claimed) = claim_api(
        app,
        &b,
        &token_of(&sale),
        json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{claimed:#}");
    for (serial, region) in [("U1", "440104"), ("U2", "330106"), ("U3", "110101")] {
        let res = client()
            .post(format!("{}/api/v1/sales", app.address))
            .bearer_auth(&b)
            .json(&json!({"category": "ebike", "buyer": {"type": "consumer", "region": region}, "shipping_method": "pickup", "items": [{"code": format!("(01)09520001000010(21){serial}")}]}))
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
    a_ships_to_b(app, &a, &["U5"], None).await;
    (a_id, b_id, a_credit)
}

both_engines_app!(
    a_recalled_gtin_reaches_every_seller_province_and_customer_type_through_a_claimed_transfer,
    |app: TestApp| async move {
        let (a, b, a_credit) = chain(&app).await;
        let gtin = Selector::gtin("09520001000010").unwrap();
        let flow = recall_trace::trace(&app.db.db, &gtin, None).await.unwrap();
        assert_eq!(flow.sellers(), vec![(1, a.as_str()), (2, b.as_str())]);
        let rows: Vec<(
            u32,
            &str,
            &str,
            Option<&str>,
            Option<&str>,
            f64,
            Option<Gap>,
        )> = flow
            .rows
            .iter()
            .map(|r| {
                (
                    r.tier,
                    r.seller_name.as_deref().unwrap(),
                    r.record_kind.as_str(),
                    r.province.as_deref(),
                    r.customer_type.as_deref(),
                    r.quantity,
                    r.gap,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, A_NAME, "receipt", Some("44"), None, 5.0, None),
                (
                    1,
                    A_NAME,
                    "shipment",
                    Some("33"),
                    Some("distributor"),
                    4.0,
                    None
                ),
                (
                    1,
                    A_NAME,
                    "shipment",
                    Some("33"),
                    Some("distributor"),
                    1.0,
                    Some(Gap::UnclaimedTransfer)
                ),
                (2, B_NAME, "receipt", Some("33"), None, 4.0, None),
                (2, B_NAME, "sale", Some("44"), Some("consumer"), 1.0, None),
                (2, B_NAME, "sale", Some("33"), Some("consumer"), 1.0, None),
                (2, B_NAME, "sale", Some("11"), Some("consumer"), 1.0, None),
            ],
            "{flow:#?}"
        );
        assert_eq!(flow.rows[1].next_seller_id.as_deref(), Some(b.as_str()));
        assert_eq!(flow.rows[0].credit_code.as_deref(), Some(a_credit.as_str()));

        // One unit: only the records that carry it.
        let u2 = Selector::code("(01)09520001000010(21)U2").unwrap();
        let unit = recall_trace::trace(&app.db.db, &u2, None).await.unwrap();
        let kinds: Vec<(u32, &str, Option<&str>)> = unit
            .rows
            .iter()
            .map(|r| (r.tier, r.record_kind.as_str(), r.region.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (1, "receipt", Some("440104")),
                (1, "shipment", Some("330106")),
                (2, "receipt", Some("330106")),
                (2, "sale", Some("330106")),
            ]
        );

        // A supervisor of Zhejiang sees the tier-2 records only.
        let zj = suyuan_core::division::Jurisdiction::parse("33").unwrap();
        let scoped = recall_trace::trace(&app.db.db, &gtin, Some(&zj))
            .await
            .unwrap();
        assert_eq!(scoped.sellers(), vec![(2, b.as_str())]);

        // The CSV carries the data elements as columns, Chinese then English.
        let mut csv = Vec::new();
        suyuan_plugin_api::recall_export::csv(&flow, &mut csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "\u{feff}层级 tier,销售者 seller,统一社会信用代码 credit code,省 province,市 city,地区代码 region,客户类型 customer type,数量 quantity,发生时间 event time,记录类型 record kind,下游销售者 next seller,缺口 gap,销售者编号 seller id,事件编号 event id"
        );
        assert_eq!(lines.count(), 7);
        assert!(text.contains("下游未认领 transfer never claimed"));
    }
);
