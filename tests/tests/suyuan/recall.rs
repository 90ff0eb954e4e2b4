//! Recall flow: a product traced forward through a claimed transfer to every seller, region and
//! customer type, with the gaps, by the recursive query on the ledger (both engines) and in the
//! exports people open.

use super::transfers::{
    A_NAME, B_NAME, a_receives, a_ships_to_b, claim_api, seller_named, token_of,
};
use crate::suyuan::marketplace::client;
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

/// One row of a flow as the tests compare it: tier, seller, record kind, province, customer type,
/// quantity, gap.
type FlowLine<'a> = (
    u32,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    f64,
    Option<Gap>,
);

both_engines_app!(
    a_recalled_gtin_reaches_every_seller_province_and_customer_type_through_a_claimed_transfer,
    |app: TestApp| async move {
        let (a, b, a_credit) = chain(&app).await;
        let gtin = Selector::gtin("09520001000010").unwrap();
        let flow = recall_trace::trace(&app.db.db, &gtin, None).await.unwrap();
        assert_eq!(flow.sellers(), vec![(1, a.as_str()), (2, b.as_str())]);
        let rows: Vec<FlowLine> = flow
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

async fn supervisor(app: &TestApp, prefix: &str) -> String {
    let j = suyuan_core::division::Jurisdiction::parse(prefix).unwrap();
    let s = suyuan_store::tenants::create_supervisor(
        &app.db.db,
        format!("市场监管 {prefix}"),
        None,
        &j,
    )
    .await
    .unwrap();
    app.tokens
        .mint(
            suyuan_core::tenancy::Role::Supervisor,
            &s.id,
            Some(prefix),
            std::time::Duration::from_secs(600),
        )
        .unwrap()
}

async fn flow(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    client()
        .get(format!("{}/api/v1/recalls/flow?{query}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

both_engines_app!(
    the_recall_flow_api_answers_a_supervisor_within_its_jurisdiction_and_names_bad_fields,
    |app: TestApp| async move {
        let (a, b, _) = chain(&app).await;
        // An admin sees the whole chain.
        let res = flow(&app, &app.admin_token(), "batch=&gtin=9520001000010").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // Another method on the flow is not an update of a recall named "flow": 405, and
        // `Allow` names GET.
        let res = client()
            .patch(format!("{}/api/v1/recalls/flow", app.address))
            .bearer_auth(app.admin_token())
            .json(&serde_json::json!({"reason_zh": "改"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let allow = res.headers()["allow"].to_str().unwrap().to_owned();
        assert!(allow.contains("GET") && !allow.contains("PATCH"), "{allow}");
        let res = flow(&app, &app.admin_token(), "gtin=9520001000010").await;
        assert_eq!(res.status(), StatusCode::OK);
        let all: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            (
                all["sellers"].as_u64(),
                all["tiers"].as_u64(),
                all["gaps"].as_u64()
            ),
            (Some(2), Some(2), Some(1))
        );
        assert_eq!(all["rows"].as_array().unwrap().len(), 7);
        assert_eq!(all["rows"][2]["gap"], "unclaimed_transfer");
        assert_eq!(all["rows"][2]["gap_zh"], "下游未认领");
        // A supervisor of Guangdong sees A's records, of Zhejiang B's, of Beijing none.
        for (prefix, seller, count) in [("44", &a, 3), ("33", &b, 4), ("11", &a, 0)] {
            let token = supervisor(&app, prefix).await;
            let res = flow(&app, &token, "code=(01)09520001000010(21)U1").await;
            let res = if prefix == "44" {
                res
            } else {
                flow(&app, &token, "gtin=09520001000010").await
            };
            assert_eq!(res.status(), StatusCode::OK);
            let body: serde_json::Value = res.json().await.unwrap();
            let rows = body["rows"].as_array().unwrap();
            if prefix == "44" {
                // U1 at A: received, shipped to B.
                assert_eq!(rows.len(), 2, "{body:#}");
            } else {
                assert_eq!(rows.len(), count, "{body:#}");
            }
            assert!(
                rows.iter().all(|r| r["seller_id"] == seller.as_str()),
                "{body:#}"
            );
        }
        // CSV for the spreadsheet.
        let res = flow(&app, &app.admin_token(), "batch=NOPE&format=csv").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            res.text().await.unwrap().lines().count(),
            1,
            "a header and no rows"
        );
        // Bad input names the field; a seller may not ask.
        let res = flow(&app, &app.admin_token(), "gtin=9520001000011").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: serde_json::Value = res.json().await.unwrap();
        assert!(problem.to_string().contains("\"gtin\""), "{problem:#}");
        let res = flow(&app, &app.admin_token(), "").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let res = flow(&app, &app.admin_token(), "gtin=09520001000010&format=pdf").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, seller_token, _) = seller_named(&app, "第三家", "91110105MA01BCD12").await;
        let res = flow(&app, &seller_token, "gtin=09520001000010").await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let res = client()
        .request(method, format!("{}/api/v1{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

both_engines_app!(
    a_recall_is_issued_updated_and_withdrawn_within_its_jurisdiction_with_its_history_kept,
    |app: TestApp| async move {
        use reqwest::Method;
        let gd = supervisor(&app, "44").await;
        let zj = supervisor(&app, "33").await;
        let recall = json!({"gtin": "09520001000010", "batch": "L1", "reason_zh": "电池过热"});
        // A supervisor recalls within its jurisdiction, never for another.
        let (status, _) = send(
            &app,
            Method::POST,
            &zj,
            "/recalls",
            json!({"gtin": "09520001000010", "reason_zh": "x", "jurisdiction": "44"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, issued) = send(&app, Method::POST, &gd, "/recalls", recall.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{issued:#}");
        assert_eq!(issued["jurisdiction"], "44");
        assert_eq!(issued["status"], "active");
        let id = issued["id"].as_str().unwrap().to_owned();
        // Zhejiang can neither change nor withdraw Guangdong's recall.
        let (status, _) = send(
            &app,
            Method::PATCH,
            &zj,
            &format!("/recalls/{id}"),
            json!({"reason_zh": "改"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = send(
            &app,
            Method::POST,
            &zj,
            &format!("/recalls/{id}/withdraw"),
            json!({"reason": "误报"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Guangdong updates it; a bad field is named.
        let (status, problem) = send(
            &app,
            Method::PATCH,
            &gd,
            &format!("/recalls/{id}"),
            json!({"reason_zh": "  "}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem.to_string().contains("reason_zh"), "{problem:#}");
        let (status, updated) = send(
            &app,
            Method::PATCH,
            &gd,
            &format!("/recalls/{id}"),
            json!({"reason_zh": "电池过热，可能起火", "action_en": "Stop charging it."}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{updated:#}");
        assert_eq!(updated["reason_zh"], "电池过热，可能起火");
        assert!(updated["updated_at"].is_string());
        // Withdrawn: it stays listed as withdrawn and cannot change any more.
        let (status, withdrawn) = send(
            &app,
            Method::POST,
            &gd,
            &format!("/recalls/{id}/withdraw"),
            json!({"reason": "检测合格，误报"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(withdrawn["status"], "withdrawn");
        assert_eq!(withdrawn["withdrawn_reason"], "检测合格，误报");
        let (status, problem) = send(
            &app,
            Method::PATCH,
            &gd,
            &format!("/recalls/{id}"),
            json!({"reason_zh": "再改"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:suyuan:problem:recall-withdrawn");
        // The history keeps each change with what it said before and after.
        let history: serde_json::Value = client()
            .get(format!("{}/api/v1/recalls/{id}/history", app.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["issued", "updated", "withdrawn"]);
        assert_eq!(history[1]["before"]["reason_zh"], "电池过热");
        assert_eq!(history[1]["after"]["reason_zh"], "电池过热，可能起火");
        assert_eq!(history[2]["after"]["status"], "withdrawn");
        // A national recall (admin) is beyond any supervisor.
        let (status, national) =
            send(&app, Method::POST, &app.admin_token(), "/recalls", recall).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(national["jurisdiction"], serde_json::Value::Null);
        let nid = national["id"].as_str().unwrap();
        let (status, _) = send(
            &app,
            Method::PATCH,
            &gd,
            &format!("/recalls/{nid}"),
            json!({"reason_zh": "改"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = send(
            &app,
            Method::PATCH,
            &app.admin_token(),
            &format!("/recalls/{nid}"),
            json!({"reason_zh": "改"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = send(
            &app,
            Method::PATCH,
            &gd,
            "/recalls/rcl_nope",
            json!({"reason_zh": "改"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

/// A queued recall mail as the test reads it: recipient, what it holds, the link.
type QueuedRecallMail = (String, Vec<(String, u64)>, String);

both_engines_app!(
    issuing_a_recall_mails_every_seller_holding_it_notifies_their_marketplace_and_its_flow_opens_as_xlsx,
    |app: TestApp| async move {
        use calamine::Reader as _;
        use reqwest::Method;
        use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
        let (a, b, _) = chain(&app).await;
        // B sells on a Shopify shop whose marketplace operator subscribed to notifications; a
        // third seller who never held the product has a shop there too.
        let admin = app.admin_token();
        let op: serde_json::Value = client()
            .post(format!("{}/api/v1/operators", app.address))
            .bearer_auth(&admin)
            .json(&json!({"name": "演示商城", "platform": "shopify"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let op_token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Operator,
                op["id"].as_str().unwrap(),
                None,
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        let res = client()
            .post(format!("{}/api/v1/operator/subscriptions", app.address))
            .bearer_auth(&op_token)
            .json(&json!({"url": "https://hooks.operator.example/suyuan"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        let b_token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Seller,
                &b,
                None,
                std::time::Duration::from_secs(600),
            )
            .unwrap();
        let b_shop = crate::suyuan::marketplace::connect(
            &app,
            &b_token,
            json!({"platform": "shopify", "name": "B 店", "shop": "b-ebikes.myshopify.com", "secret": "k"}),
        )
        .await;
        let (_, other) = crate::suyuan::marketplace::seller(&app, "91110105MA01BCD12").await;
        crate::suyuan::marketplace::connect(
            &app,
            &other,
            json!({"platform": "shopify", "name": "无关", "shop": "other.myshopify.com", "secret": "k"}),
        )
        .await;

        let (status, issued) = send(
            &app,
            Method::POST,
            &admin,
            "/recalls",
            json!({"gtin": "09520001000010", "reason_zh": "电池过热", "reason_en": "Battery overheats"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{issued:#}");
        let id = issued["id"].as_str().unwrap();

        // One recall mail queued to each seller whose records hold it, with what they hold.
        let jobs = suyuan_store::entity::mail_job::Entity::find()
            .filter(suyuan_store::entity::mail_job::Column::Kind.eq("recall"))
            .order_by_asc(suyuan_store::entity::mail_job::Column::Id)
            .all(&app.db.db)
            .await
            .unwrap();
        let mut mails: Vec<QueuedRecallMail> = jobs
            .iter()
            .map(|j| {
                let job = suyuan_store::queue::mail::addressed(j).unwrap();
                let m: suyuan_plugin_api::mail::message::RecallMail =
                    serde_json::from_value(job.message).unwrap();
                assert_eq!(m.recall_id, id);
                assert_eq!(m.reason_en, "Battery overheats");
                (job.recipient, m.affected, m.link)
            })
            .collect();
        mails.sort();
        let mut expected = vec![
            (
                a.clone(),
                vec![("进货 receipt".to_owned(), 5), ("发往下游 shipment".to_owned(), 5)],
            ),
            (
                b.clone(),
                vec![("进货 receipt".to_owned(), 4), ("销售 sale".to_owned(), 3)],
            ),
        ];
        expected.sort();
        assert_eq!(
            mails
                .iter()
                .map(|(r, q, _)| (r.clone(), q.clone()))
                .collect::<Vec<_>>(),
            expected
        );
        assert!(mails[0].2.ends_with("/01/09520001000010"), "{}", mails[0].2);

        // One notification to the operator, naming B's shop and not the unrelated one.
        let deliveries = suyuan_store::entity::operator_delivery::Entity::find()
            .filter(suyuan_store::entity::operator_delivery::Column::EventType.eq("recall.issued"))
            .all(&app.db.db)
            .await
            .unwrap();
        assert_eq!(deliveries.len(), 1);
        let body: serde_json::Value = serde_json::from_str(&deliveries[0].payload).unwrap();
        assert_eq!(body["type"], "recall.issued");
        assert_eq!(body["data"]["recall_id"], id);
        let shops: Vec<&str> = body["data"]["shops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["shop_id"].as_str().unwrap())
            .collect();
        assert_eq!(shops, vec![b_shop["id"].as_str().unwrap()]);

        // The flow as XLSX opens, with the data elements as columns and a row per record.
        let res = flow(&app, &admin, "gtin=09520001000010&format=xlsx").await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["召回流向 Recall flow".to_owned(), "汇总 Summary".to_owned()]
        );
        let sheet = book.worksheet_range("召回流向 Recall flow").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        let header: Vec<String> = suyuan_core::recall::COLUMNS
            .iter()
            .map(|(zh, en)| format!("{zh} {en}"))
            .collect();
        assert_eq!(rows[0], header);
        assert_eq!(rows.len(), 8, "a header and seven records");
        // Tier, seller, province, customer type and quantity of the sales B made.
        let sales: Vec<(String, String, String, String, String)> = rows[1..]
            .iter()
            .filter(|r| r[9] == "sale")
            .map(|r| (r[0].clone(), r[1].clone(), r[3].clone(), r[6].clone(), r[7].clone()))
            .collect();
        assert_eq!(
            sales,
            ["44", "33", "11"]
                .iter()
                .map(|p| (
                    "2".to_owned(),
                    B_NAME.to_owned(),
                    p.to_string(),
                    "consumer".to_owned(),
                    "1".to_owned()
                ))
                .collect::<Vec<_>>()
        );
        // Tier and quantity are numbers, so the sheet sorts them as numbers.
        assert!(matches!(
            sheet.get((1, 0)),
            Some(calamine::Data::Float(t)) if *t == 1.0
        ));
        let summary = book.worksheet_range("汇总 Summary").unwrap();
        assert_eq!(summary.get((1, 1)), Some(&calamine::Data::Float(2.0)), "two sellers");
    }
);
