//! Suspicious codes: received twice, received while another seller holds the code unsold, sold or
//! packed without ever being received. Each is flagged where it happens and listed for the seller
//! (its own) and for supervisors (their jurisdiction, with the other seller named).

use super::api::{create_seller, mint};
use super::custody::nov;
use super::marketplace::client;
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

async fn seller_in(app: &TestApp, admin: &str, credit17: &str, division: &str) -> (String, String) {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let s = create_seller(app, admin, "骑乐电动车行", &credit.to_string(), division).await;
    let id = s["id"].as_str().unwrap().to_owned();
    let token = mint(app, admin, json!({"role": "seller", "subject": id})).await;
    (id, token)
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn flags(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let res = client()
        .get(format!("{}/api/v1/flags{query}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

fn receipt(serials: &[&str]) -> Value {
    json!({
        "category": "ebike", "received_at": nov(20),
        "supplier": {"name": "雅迪科技集团有限公司", "credit_code": "91440300708461136T"},
        "items": serials.iter().map(|s| json!({"code": format!("(01)09520001000010(21){s}")})).collect::<Vec<_>>()
    })
}

both_engines_app!(
    suspicious_codes_are_flagged_for_the_seller_and_its_supervisor_only,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let (a_id, a) = seller_in(&app, &admin, "91440104MA59ABCD1", "440104").await;
        let (_b_id, b) = seller_in(&app, &admin, "91330106MA2GXYK23", "330106").await;
        // A receives U1 and U2, then U2 again: received twice.
        assert_eq!(
            post(&app, &a, "/api/v1/receipts", receipt(&["U1", "U2"]))
                .await
                .status(),
            StatusCode::CREATED
        );
        assert_eq!(
            post(&app, &a, "/api/v1/receipts", receipt(&["U2"]))
                .await
                .status(),
            StatusCode::CREATED
        );
        // B (Zhejiang) receives U1, which A still holds: received by another seller.
        assert_eq!(
            post(&app, &b, "/api/v1/receipts", receipt(&["U1"]))
                .await
                .status(),
            StatusCode::CREATED
        );
        // B sells a code it never received: refused, and flagged.
        let res = post(
            &app,
            &b,
            "/api/v1/sales",
            json!({"category": "ebike", "buyer": {"type": "consumer", "region": "330106"},
            "items": [{"code": "(01)09520001000010(21)GHOST"}]}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let mine = flags(&app, &a, "").await;
        assert_eq!(mine.len(), 1, "{mine:#?}");
        assert_eq!(mine[0]["reason"], "received_twice");
        assert_eq!(mine[0]["code"], "(01)09520001000010(21)U2");
        assert!(mine[0]["message"].as_str().unwrap().contains("重复"));
        let theirs = flags(&app, &b, "").await;
        let reasons: Vec<&str> = theirs
            .iter()
            .map(|f| f["reason"].as_str().unwrap())
            .collect();
        assert!(
            reasons.contains(&"received_by_another_seller"),
            "{reasons:?}"
        );
        assert!(reasons.contains(&"sold_never_received"), "{reasons:?}");
        // A seller never learns who the other seller was.
        assert!(theirs.iter().all(|f| f.get("other_seller_id").is_none()));
        let only = flags(&app, &b, "?reason=sold_never_received").await;
        assert_eq!(only.len(), 1);
        assert_eq!(only[0]["code"], "(01)09520001000010(21)GHOST");

        // Zhejiang's supervisor sees B's flags, with A named, and nothing of Guangdong's.
        let sup: Value = post(
            &app,
            &admin,
            "/api/v1/supervisors",
            json!({"name": "浙江省市场监督管理局", "jurisdiction": "33"}),
        )
        .await
        .json()
        .await
        .unwrap();
        let zj = mint(
            &app,
            &admin,
            json!({"role": "supervisor", "subject": sup["id"], "jurisdiction": "33"}),
        )
        .await;
        let seen = flags(&app, &zj, "").await;
        assert_eq!(seen.len(), 2, "{seen:#?}");
        let other = seen
            .iter()
            .find(|f| f["reason"] == "received_by_another_seller")
            .unwrap();
        assert_eq!(other["other_seller_id"], a_id.as_str());
        assert!(seen.iter().all(|f| f["seller_id"] != a_id.as_str()));

        // Seeing U2 once more counts, it does not add a row.
        post(&app, &a, "/api/v1/receipts", receipt(&["U2"])).await;
        let mine = flags(&app, &a, "").await;
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["occurrences"], 2);

        let bad = client()
            .get(format!("{}/api/v1/flags?reason=odd", app.address))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = bad.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "reason");
    }
);
