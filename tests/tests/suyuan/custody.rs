//! Whose records speak for a unit code on its public page: the chain of custody (the first
//! holder, then each business a holder shipped it to) gives the product's facts; a record that
//! does not fit the chain is shown apart as a suspicious claim. Event dates far in the past
//! need a reason, kept and shown.

use super::api::{create_seller, mint};
use super::marketplace::client;
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

const UNIT: &str = "(01)09520001000010(21)CUST0001";

/// The China date `days` days before now, as a receipt's `received_at`.
pub fn days_ago(days: i64) -> String {
    suyuan_core::china_time::china_date(chrono::Utc::now() - chrono::Duration::days(days))
        .to_string()
}

/// The test fixtures' November dates, moved to the last four weeks (order and spacing kept):
/// `2026-11-{day}` becomes `26 - day` days ago, so no fixture needs a back-dating reason
/// whatever day the suite runs on.
pub fn nov(day: i64) -> String {
    days_ago(26 - day)
}

/// `text` with every `2026-11-DD` (days 1 to 25) replaced by [`nov`]`(DD)`.
pub fn dated(text: &str) -> String {
    let mut out = text.to_owned();
    for day in 1..=25 {
        out = out.replace(&format!("2026-11-{day:02}"), &nov(day));
        out = out.replace(&format!("2026/11/{day:02}"), &nov(day).replace('-', "/"));
    }
    out
}

async fn seller(app: &TestApp, name: &str, credit17: &str) -> (String, String) {
    let admin = app.admin_token();
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let s = create_seller(app, &admin, name, &credit.to_string(), "440104").await;
    let id = s["id"].as_str().unwrap().to_owned();
    let token = mint(app, &admin, json!({"role": "seller", "subject": id})).await;
    (credit.to_string(), token)
}

async fn receive(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("{}/api/v1/receipts", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn receipt(code: &str, name: &str, received_at: &str) -> Value {
    json!({
        "category": "ebike", "received_at": received_at, "product_name": name,
        "supplier": {"name": "雅迪科技集团有限公司", "credit_code": "91440300708461136T"},
        "items": [{"code": code}]
    })
}

async fn page_json(app: &TestApp, code: &str) -> Value {
    let res = client()
        .get(format!("{}/t/{code}", app.address))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn page_html(app: &TestApp, code: &str, lang: &str) -> String {
    client()
        .get(format!("{}/t/{code}?lang={lang}", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn parties(steps: &Value) -> Vec<String> {
    steps
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["party"].as_str().map(str::to_owned))
        .collect()
}

both_engines_app!(
    an_earlier_dated_receipt_by_another_seller_does_not_rename_the_unit_and_is_shown_as_a_suspicious_claim,
    |app: TestApp| async move {
        let (_, a) = seller(&app, "骑乐电动车行", "91440104MA59ABCD1").await;
        let (_, b) = seller(&app, "冒名商行", "91440104MA59ABCD2").await;
        let res = receive(&app, &a, receipt(UNIT, "雅迪电动自行车 DT3", &days_ago(2))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        // B never got the unit from A, and dates its receipt before A's.
        let res = receive(&app, &b, receipt(UNIT, "FAKE", &days_ago(20))).await;
        assert_eq!(res.status(), StatusCode::CREATED);

        let page = page_json(&app, UNIT).await;
        assert_eq!(page["product"]["name"], "雅迪电动自行车 DT3", "{page:#}");
        assert_eq!(page["authenticity"]["suspicious"], true);
        assert_eq!(parties(&page["custody"]), ["骑乐电动车行"]);
        let claims = page["claims"].as_array().unwrap();
        assert_eq!(claims.len(), 1, "{page:#}");
        assert_eq!(claims[0]["party"], "冒名商行");
        assert_eq!(claims[0]["product_name"], "FAKE");
        assert_eq!(claims[0]["reason"], "not_shipped_to_claimant");

        let zh = page_html(&app, UNIT, "zh").await;
        assert!(zh.contains("可疑声明"), "the claims are shown apart");
        assert!(zh.contains("可能是仿冒码"), "the verdict is suspicious");
        assert!(zh.contains("从未向该企业发货或销售"));
        let h1 = zh.split("<h1").nth(1).unwrap();
        assert!(h1.starts_with(">雅迪电动自行车 DT3") || h1.contains("雅迪电动自行车 DT3<"));
        let en = page_html(&app, UNIT, "en").await;
        assert!(en.contains("Suspicious claims"));
        assert!(en.contains("never shipped or sold it to this business"));
    }
);

both_engines_app!(
    a_receipt_dated_beyond_the_backdating_limit_needs_a_reason_which_is_kept_and_shown,
    |app: TestApp| async move {
        let (_, a) = seller(&app, "骑乐电动车行", "91440104MA59ABCD1").await;
        let (_, b) = seller(&app, "冒名商行", "91440104MA59ABCD2").await;
        let res = receive(&app, &a, receipt(UNIT, "雅迪电动自行车 DT3", "2000-01-01")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "a problem, not a crash"
        );
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "backdate_reason", "{p:#}");
        assert_eq!(p["errors"][0]["code"], "backdate_reason_required");
        // With a reason it is recorded.
        let mut body = receipt(UNIT, "雅迪电动自行车 DT3", "2000-01-01");
        body["backdate_reason"] = json!("2000 年旧账补录，原始进货单已存档");
        let res = receive(&app, &a, body).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        // The scenario: another seller back-dates to 2000, with a reason, and its own
        // name for the product.
        let mut fake = receipt(UNIT, "FAKE", "2000-01-01");
        fake["backdate_reason"] = json!("补录");
        assert_eq!(receive(&app, &b, fake).await.status(), StatusCode::CREATED);

        let page = page_json(&app, UNIT).await;
        assert_eq!(page["product"]["name"], "雅迪电动自行车 DT3", "{page:#}");
        assert_eq!(
            page["custody"][0]["backdate_reason"],
            "2000 年旧账补录，原始进货单已存档"
        );
        assert_eq!(page["authenticity"]["suspicious"], true);
        assert_eq!(page["claims"][0]["party"], "冒名商行");
        assert_eq!(page["claims"][0]["backdate_reason"], "补录");
        let zh = page_html(&app, UNIT, "zh").await;
        assert!(zh.contains("补录原因：2000 年旧账补录，原始进货单已存档"));
        // The reason is in the seller's own record too.
        let events: Value = client()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(events.to_string().contains("2000 年旧账补录"), "{events:#}");
    }
);

both_engines_app!(
    a_unit_shipped_to_the_next_seller_passes_into_its_custody_without_a_claim,
    |app: TestApp| async move {
        let (_, a) = seller(&app, "骑乐电动车行", "91440104MA59ABCD1").await;
        let (b_credit, b) = seller(&app, "杭州经销商", "91330106MA2GXYK23").await;
        let (_, c) = seller(&app, "无关商行", "91440104MA59ABCD2").await;
        let res = receive(&app, &a, receipt(UNIT, "雅迪电动自行车 DT3", &days_ago(5))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let res = client()
            .post(format!("{}/api/v1/sales", app.address))
            .bearer_auth(&a)
            .json(&json!({
                "category": "ebike", "sold_at": days_ago(4),
                "buyer": {"type": "distributor", "name": "杭州经销商", "credit_code": b_credit, "region": "330106"},
                "shipping_method": "freight",
                "items": [{"code": UNIT}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{}",
            res.text().await.unwrap()
        );
        // B records its receipt directly (not through the claim link), with its own wording.
        let res = receive(&app, &b, receipt(UNIT, "电动自行车", &days_ago(3))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        // C was shipped nothing: its receipt is kept, with a warning, and the code is flagged.
        let res = receive(&app, &c, receipt(UNIT, "FAKE", &days_ago(1))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let out: Value = res.json().await.unwrap();
        assert_eq!(
            out["warnings"][0]["reason"], "outside_custody_chain",
            "{out:#}"
        );
        let flags: Value = client()
            .get(format!("{}/api/v1/flags", app.address))
            .bearer_auth(&c)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            flags["items"][0]["reason"], "outside_custody_chain",
            "{flags:#}"
        );
        assert_eq!(flags["items"][0]["code"], UNIT);
        // B's own receipt, shipped to it, left no flag.
        let flags: Value = client()
            .get(format!("{}/api/v1/flags", app.address))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(flags["items"], json!([]), "{flags:#}");

        let page = page_json(&app, UNIT).await;
        assert_eq!(page["product"]["name"], "雅迪电动自行车 DT3");
        assert_eq!(
            parties(&page["custody"]),
            ["骑乐电动车行", "骑乐电动车行", "杭州经销商"],
            "{page:#}"
        );
        let claims = page["claims"].as_array().unwrap();
        assert_eq!(claims.len(), 1, "{page:#}");
        assert_eq!(claims[0]["party"], "无关商行");
    }
);

async fn import(app: &TestApp, token: &str, csv: String) -> Value {
    let res = client()
        .post(format!("{}/api/v1/imports/receipts", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

both_engines_app!(
    a_csv_row_dated_beyond_the_limit_needs_a_backdate_reason_column,
    |app: TestApp| async move {
        let (_, a) = seller(&app, "骑乐电动车行", "91440104MA59ABCD1").await;
        let old = import(
            &app,
            &a,
            format!("category,received_at,code\nebike,2000-01-01,{UNIT}\n"),
        )
        .await;
        assert_eq!(old["imported"], 0, "{old:#}");
        assert_eq!(old["rejected_rows"][0]["code"], "backdate_reason_required");
        let kept = import(
            &app,
            &a,
            format!("类别,进货日期,补录原因,追溯码\nebike,2000-01-01,旧账补录,{UNIT}\n"),
        )
        .await;
        assert_eq!(kept["imported"], 1, "{kept:#}");
        let page = page_json(&app, UNIT).await;
        assert_eq!(page["custody"][0]["backdate_reason"], "旧账补录");
    }
);

both_engines_app!(
    a_batch_page_takes_its_name_from_the_first_recorded_receipt_not_the_earliest_dated,
    |app: TestApp| async move {
        let (_, a) = seller(&app, "骑乐电动车行", "91440104MA59ABCD1").await;
        let (_, b) = seller(&app, "冒名商行", "91440104MA59ABCD2").await;
        let batch = |name: &str, day: String| {
            json!({"category": "safety_helmet", "received_at": day, "product_name": name,
                "items": [{"gtin": "09520002000019", "batch": "CUST-B1", "quantity": 5.0}]})
        };
        assert_eq!(
            receive(&app, &a, batch("安骑头盔", days_ago(2)))
                .await
                .status(),
            StatusCode::CREATED
        );
        assert_eq!(
            receive(&app, &b, batch("FAKE", days_ago(25)))
                .await
                .status(),
            StatusCode::CREATED
        );
        let page = page_json(&app, "(01)09520002000019(10)CUST-B1").await;
        assert_eq!(page["product"]["name"], "安骑头盔", "{page:#}");
    }
);
