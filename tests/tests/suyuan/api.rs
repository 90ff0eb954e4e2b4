//! The HTTP API, driven over real HTTP against the app on port 0.

use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{TestApp, both_engines_app};

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn create_seller(
    app: &TestApp,
    admin: &str,
    name: &str,
    credit_code: &str,
    division: &str,
) -> Value {
    let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(admin)
        .json(&json!({
            "name": name, "credit_code": credit_code, "division_code": division,
            "seller_type": "online", "email": "shop@example.cn"
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
    res.json().await.unwrap()
}

pub async fn mint(app: &TestApp, admin: &str, body: Value) -> String {
    let res = client()
        .post(format!("{}/api/v1/tokens", app.address))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

both_engines_app!(
    an_admin_registers_a_seller_who_reads_itself_and_no_one_else,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let a = create_seller(
            &app,
            &admin,
            "广州骑乐电动车行",
            "91440300708461136T",
            "440104",
        )
        .await;
        assert_eq!(a["province"], "广东省");
        let b = create_seller(
            &app,
            &admin,
            "杭州西湖线缆经销部",
            "91350100M000100Y43",
            "330106",
        )
        .await;
        let a_id = a["id"].as_str().unwrap();
        let b_id = b["id"].as_str().unwrap();

        let a_token = mint(&app, &admin, json!({"role": "seller", "subject": a_id})).await;
        let me: Value = client()
            .get(format!("{}/api/v1/me", app.address))
            .bearer_auth(&a_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["role"], "seller");
        assert_eq!(me["seller"]["credit_code"], "91440300708461136T");

        // B's token cannot read A.
        let b_token = mint(&app, &admin, json!({"role": "seller", "subject": b_id})).await;
        let res = client()
            .get(format!("{}/api/v1/sellers/{a_id}", app.address))
            .bearer_auth(&b_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        // A reads itself.
        let res = client()
            .get(format!("{}/api/v1/sellers/{a_id}", app.address))
            .bearer_auth(&a_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        // A seller may not register sellers.
        let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&a_token)
        .json(&json!({"name": "x", "credit_code": "91440300708461136T", "division_code": "440104", "seller_type": "online"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

both_engines_app!(
    a_supervisor_sees_only_sellers_in_its_jurisdiction,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let gd = create_seller(
            &app,
            &admin,
            "广州骑乐电动车行",
            "91440300708461136T",
            "440104",
        )
        .await;
        let zj = create_seller(
            &app,
            &admin,
            "杭州西湖线缆经销部",
            "91350100M000100Y43",
            "330106",
        )
        .await;
        let sup: Value = client()
            .post(format!("{}/api/v1/supervisors", app.address))
            .bearer_auth(&admin)
            .json(&json!({"name": "广东省市场监督管理局", "jurisdiction": "44"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = mint(
            &app,
            &admin,
            json!({"role": "supervisor", "subject": sup["id"], "jurisdiction": "44"}),
        )
        .await;
        let list: Vec<Value> = client()
            .get(format!("{}/api/v1/sellers", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = list.iter().map(|s| s["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec![gd["id"].as_str().unwrap()]);
        let res = client()
            .get(format!(
                "{}/api/v1/sellers/{}",
                app.address,
                zj["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

both_engines_app!(
    bad_seller_fields_are_named_with_their_reasons,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&admin)
        .json(&json!({"name": "", "credit_code": "91440300708461136X", "division_code": "990000", "seller_type": "pirate"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:invalid-field");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            vec!["name", "credit_code", "division_code", "seller_type"]
        );
        // Nothing was written.
        let list: Vec<Value> = client()
            .get(format!("{}/api/v1/sellers", app.address))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(list.is_empty());
    }
);

both_engines_app!(
    a_duplicate_credit_code_is_a_conflict,
    |app: TestApp| async move {
        let admin = app.admin_token();
        create_seller(&app, &admin, "甲", "91440300708461136T", "440104").await;
        let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&admin)
        .json(&json!({"name": "乙", "credit_code": "91440300708461136T", "division_code": "440104", "seller_type": "offline"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:duplicate");
    }
);

both_engines_app!(
    requests_without_a_valid_token_get_401_problem_json,
    |app: TestApp| async move {
        let res = client()
            .get(format!("{}/api/v1/me", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = client()
            .get(format!("{}/api/v1/me", app.address))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:unauthenticated");
    }
);

both_engines_app!(
    malformed_and_oversized_bodies_are_refused_clearly,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"name": "x", "credit_code": 5, "division_code": "440104", "seller_type": "online"}"#)
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "credit_code");

        let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
        let res = client()
            .post(format!("{}/api/v1/sellers", app.address))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
);

both_engines_app!(
    health_readiness_metrics_and_openapi_answer,
    |app: TestApp| async move {
        let res = client()
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers().contains_key("x-request-id"));
        let res = client()
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
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
                "suyuan_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
            ),
            "{metrics}"
        );
        let spec: Value = client()
            .get(format!("{}/api/v1/openapi.json", app.address))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            spec["paths"]["/api/v1/sellers"]["post"].is_object(),
            "{spec}"
        );
        assert!(spec["paths"]["/api/v1/events/epcis"]["get"].is_object());
        let res = client()
            .get(format!("{}/no/such/route", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
);

both_engines_app!(
    a_token_asked_for_a_hundred_million_years_is_refused_by_name_and_the_server_lives_on,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let seller = suyuan_core::ids::SellerId::generate();
        let res = client()
            .post(format!("{}/api/v1/tokens", app.address))
            .bearer_auth(&admin)
            .json(&json!({"role": "seller", "subject": seller.as_str(), "ttl": "100000000y"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "ttl", "{problem:#}");
        // The service still answers, and ten years is allowed.
        mint(
            &app,
            &admin,
            json!({"role": "seller", "subject": seller.as_str(), "ttl": "3660d"}),
        )
        .await;
    }
);

/// Checks the schema the OpenAPI document gives `schema_at` (a JSON pointer into the document)
/// against values the handler takes and values it refuses.
fn check_documented_format(doc: &Value, schema_at: &str, good: &[&str], bad: &[&str]) {
    let schema = doc
        .pointer(schema_at)
        .unwrap_or_else(|| panic!("the document has nothing at {schema_at}"));
    let validator = jsonschema::validator_for(schema).unwrap();
    for s in good {
        assert!(validator.is_valid(&json!(s)), "{schema_at}: {s:?} is taken");
    }
    for s in bad {
        assert!(
            !validator.is_valid(&json!(s)),
            "{schema_at}: {s:?} is refused"
        );
    }
}

/// The schema of parameter `index` of `method path` (`~1` stands for `/` in a pointer).
fn parameter_at(path: &str, method: &str, index: usize) -> String {
    format!(
        "/paths/{}/{method}/parameters/{index}/schema",
        path.replace('~', "~0").replace('/', "~1")
    )
}

/// Where parameter `name` of `method path` is in the document.
fn parameter_index(doc: &Value, path: &str, method: &str, name: &str) -> usize {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().position(|p| p["name"] == name))
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
}

#[test]
fn the_documented_formats_take_what_the_handlers_take_and_refuse_the_rest() {
    let doc = serde_json::to_value(suyuan_plugin_api::openapi::api_doc()).unwrap();
    let param = |path: &str, method: &str, name: &str| {
        parameter_at(path, method, parameter_index(&doc, path, method, name))
    };
    let alert_ids = [
        "alr_1",
        "alr_007",
        "alr_-3",
        "alr_+3",
        "alr_123456789012345678",
    ];
    let not_alert_ids = [
        "alr_", "alr_x", "alr_1.5", "1", "alr_1 ", " alr_1", "flg_1", "alr_+-1",
    ];
    check_documented_format(
        &doc,
        &param("/api/v1/analytics/alerts/{id}", "get", "id"),
        &alert_ids,
        &not_alert_ids,
    );
    check_documented_format(
        &doc,
        &param("/api/v1/analytics/alerts", "get", "after"),
        &alert_ids,
        &not_alert_ids,
    );
    check_documented_format(
        &doc,
        &param("/api/v1/flags", "get", "after"),
        &["flg_12", "flg_-1"],
        &["alr_12", "flg_", "flg_1x"],
    );
    check_documented_format(
        &doc,
        &param("/api/v1/submissions", "get", "after"),
        &["", "12", "-3", "+4"],
        &["x", "1e3", " 1", "1 ", "-"],
    );
    check_documented_format(
        &doc,
        &param("/api/v1/analytics/scores", "get", "period"),
        &["2026-01", "2026-12", "0000-09"],
        &[
            "2026-13",
            "2026-00",
            "2026-1",
            "2026-+1",
            "2026-011",
            " 2026-01",
            "2026-01\n",
        ],
    );
    check_documented_format(
        &doc,
        &param("/api/v1/analytics/timeliness", "get", "week"),
        &["2026-W01", "2026-W49", "2026-W53"],
        &["2026-W54", "2026-W00", "2026-49", "2026-w01", "2026-W1"],
    );
    check_documented_format(
        &doc,
        &param("/api/v1/imports/{kind}", "post", "dry_run"),
        &[
            "true",
            "false",
            "1",
            "0",
            "yes",
            "no",
            "on",
            "off",
            "",
            " true\t",
            "\u{3000}off",
        ],
        &["TRUE", "maybe", "t rue", "2", "true false"],
    );
    check_documented_format(
        &doc,
        &param("/api/v1/sellers/{id}", "get", "id"),
        &[
            "sel_01JD0000000000000000000000",
            "sel_01jd0000000000000000000000",
        ],
        &[
            "sto_01JD0000000000000000000000",
            "sel_01JD000000000000000000000I",
            "sel_01JD000000000000000000000",
            "SEL_01JD0000000000000000000000",
        ],
    );
    let token = format!("{}-_", "A".repeat(41));
    let short_token = "A".repeat(42);
    let plus_token = format!("{short_token}+");
    check_documented_format(
        &doc,
        &param("/api/v1/transfers/claim/{token}", "post", "token"),
        &[token.as_str()],
        &[short_token.as_str(), plus_token.as_str()],
    );
    let longest = "k".repeat(4096);
    let too_long = "k".repeat(4097);
    check_documented_format(
        &doc,
        "/components/schemas/CredentialIn/properties/value",
        &["Bearer abc", " key\t", "a", longest.as_str()],
        &["", " ", "Bearer é", "a\u{7f}b", too_long.as_str()],
    );
    let long_code = "a".repeat(65);
    check_documented_format(
        &doc,
        "/components/schemas/PlatformIn/properties/code",
        &["national", "zj-prov", " zj_prov "],
        &["", "ZJ", "zj prov", long_code.as_str()],
    );
}
