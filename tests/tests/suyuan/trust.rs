//! Trust (issue 10): nobody speaks for a business that is not theirs. An account made from a
//! claim link is provisional until an admin or its division's supervisor verifies it; a
//! deactivated seller's tokens and sessions stop at once on every instance; tokens can be
//! revoked; sealed secrets are bound to their row, and old sealed values keep working.

use super::marketplace::{client, connect, deliver_shopify, seller};
use super::transfers::{
    A_NAME, B_NAME, Jar, a_receives, a_ships_to_b, b_credit, claim_api, csrf_in, get, no_redirects,
    page_as, section, seller_named, token_of,
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, Set};
use serde_json::{Value, json};
use std::time::Duration;
use suyuan_core::tenancy::Role;
use suyuan_store::entity::shop;
use suyuan_tests::{TestApp, TestDb, both_engines_app, spawn_app_on, spawn_instance};

/// A second sender, in Beijing.
const C_NAME: &str = "北京另一家车行";

/// Signs up from a claim link as the buyer B, anonymously; answers the sign-up's status and,
/// when it signed in, the session token.
async fn sign_up_from(claim_url: &str, app: &TestApp) -> (StatusCode, Option<String>) {
    let http = no_redirects();
    let mut jar = Jar::default();
    let res = http.get(claim_url).send().await.unwrap();
    jar.keep(&res);
    let csrf = csrf_in(&res.text().await.unwrap());
    let res = http
        .post(format!("{claim_url}/signup"))
        .header("cookie", jar.header())
        .header("origin", app.address.as_str())
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", B_NAME),
            ("credit_code", b_credit().as_str()),
            ("division_code", "330106"),
            ("seller_type", "distributor"),
            ("email", ""),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    jar.keep(&res);
    (status, jar.0.get("suyuan_token").cloned())
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client()
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    send(app, reqwest::Method::POST, token, path, None).await
}

fn claim_body() -> Value {
    json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"})
}

/// A supervisor of `jurisdiction` and a token for it.
async fn supervisor(app: &TestApp, jurisdiction: &str) -> String {
    let (status, sup) = send(
        app,
        reqwest::Method::POST,
        &app.admin_token(),
        "/api/v1/supervisors",
        Some(json!({"name": format!("市场监管局 {jurisdiction}"), "jurisdiction": jurisdiction})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{sup}");
    app.tokens
        .mint(
            Role::Supervisor,
            sup["id"].as_str().unwrap(),
            Some(jurisdiction),
            Duration::from_secs(3600),
        )
        .unwrap()
}

/// Seller A ships U1 to B; seller C ships C1 to B: two transfers to B's credit code from two
/// senders. Answers both sales.
async fn two_senders_ship_to_b(app: &TestApp) -> (Value, Value) {
    let (_, a, _) = seller_named(app, A_NAME, "91440104MA59ABCD1").await;
    let (_, c, _) = seller_named(app, C_NAME, "91110105MA01BCD12").await;
    a_receives(app, &a, &["U1"]).await;
    a_receives(app, &c, &["C1"]).await;
    (
        a_ships_to_b(app, &a, &["U1"], None).await,
        a_ships_to_b(app, &c, &["C1"], None).await,
    )
}

both_engines_app!(
    an_account_made_from_a_claim_link_can_claim_that_transfer_and_nothing_else,
    |app: TestApp| async move {
        let (from_a, from_c) = two_senders_ship_to_b(&app).await;
        let a_url = from_a["transfer"]["claim_url"].as_str().unwrap();
        let (status, b) = sign_up_from(a_url, &app).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let b = b.expect("signed in");

        // It says what it is.
        let (_, me) = get(&app, &b, "/api/v1/me").await;
        assert_eq!(me["seller"]["verification"], "provisional", "{me:#}");

        // Its lists show only the link it came from: not C's transfer to the same credit code.
        let (status, incoming) = get(&app, &b, "/api/v1/transfers/incoming").await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&str> = incoming
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![from_a["transfer"]["id"].as_str().unwrap()]);
        let c_id = from_c["transfer"]["id"].as_str().unwrap();
        let (status, _) = get(&app, &b, &format!("/api/v1/transfers/{c_id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, page) = page_as(&app, Some(&b), "/app/transfers").await;
        let listed = section(&page, "incoming");
        assert!(
            listed.contains(A_NAME) && !listed.contains(C_NAME),
            "{listed}"
        );

        // C's link, even held, does not claim: the account awaits verification.
        let res = client()
            .post(format!(
                "{}/api/v1/transfers/claim/{}",
                app.address,
                token_of(&from_c)
            ))
            .bearer_auth(&b)
            .json(&claim_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:awaiting-verification");
        assert!(
            problem["detail"].as_str().unwrap().contains("审核"),
            "{problem}"
        );
        let (_, page) = page_as(&app, Some(&b), &format!("/claim/{}", token_of(&from_c))).await;
        assert!(!page.contains("id=\"claim\""), "{page}");
        assert!(page.contains("审核"), "{page}");

        // Nor does it use the rest of the API or the seller pages.
        for path in [
            "/api/v1/stock",
            "/api/v1/sales",
            "/api/v1/listings",
            "/api/v1/stores",
            "/api/v1/transfers",
        ] {
            let (status, problem) = get(&app, &b, path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(problem["type"], "urn:suyuan:problem:awaiting-verification");
        }
        let (status, _) = send(
            &app,
            reqwest::Method::POST,
            &b,
            "/api/v1/receipts",
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, page) = page_as(&app, Some(&b), "/app/scan?lang=en").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("awaiting verification"), "{page}");

        // The transfer it came from: claimed.
        let res = client()
            .post(format!(
                "{}/api/v1/transfers/claim/{}",
                app.address,
                token_of(&from_a)
            ))
            .bearer_auth(&b)
            .json(&claim_body())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
);

both_engines_app!(
    a_second_sign_up_for_the_same_credit_code_goes_to_review_instead_of_409,
    |app: TestApp| async move {
        let (from_a, from_c) = two_senders_ship_to_b(&app).await;
        let (_, first) =
            sign_up_from(from_a["transfer"]["claim_url"].as_str().unwrap(), &app).await;
        let (status, second) =
            sign_up_from(from_c["transfer"]["claim_url"].as_str().unwrap(), &app).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "not a 409");
        let (first, second) = (first.unwrap(), second.unwrap());
        let (_, me1) = get(&app, &first, "/api/v1/me").await;
        let (_, me2) = get(&app, &second, "/api/v1/me").await;
        assert_ne!(me1["id"], me2["id"], "not merged into the first");
        assert_eq!(me2["seller"]["verification"], "provisional");

        // Admins see both awaiting review.
        let (status, waiting) = get(
            &app,
            &app.admin_token(),
            "/api/v1/sellers?verification=provisional",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let waiting = waiting.as_array().unwrap();
        assert_eq!(waiting.len(), 2, "{waiting:#?}");
        assert!(
            waiting
                .iter()
                .all(|s| s["credit_code"] == b_credit().as_str())
        );

        // The admin verifies the second: the credit code is settled, the first is turned down
        // and its token stops working.
        let id2 = me2["id"].as_str().unwrap();
        let (status, verified) = post(
            &app,
            &app.admin_token(),
            &format!("/api/v1/sellers/{id2}/verify"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{verified}");
        assert_eq!(verified["verification"], "verified");
        let (status, _) = get(&app, &first, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = get(&app, &second, "/api/v1/stock").await;
        assert_eq!(status, StatusCode::OK);
        // Verified, it sees every transfer to its credit code.
        let (_, incoming) = get(&app, &second, "/api/v1/transfers/incoming").await;
        assert_eq!(incoming.as_array().unwrap().len(), 2);

        // A later sign-up while a verified account holds the credit code: review again, and it
        // cannot claim meanwhile.
        let (_, a, _) = seller_named(&app, "广州第三家", "91440104MA59ABCE1").await;
        a_receives(&app, &a, &["Z1"]).await;
        let third = a_ships_to_b(&app, &a, &["Z1"], None).await;
        let (status, third_token) =
            sign_up_from(third["transfer"]["claim_url"].as_str().unwrap(), &app).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let third_token = third_token.unwrap();
        let (status, _) = claim_api(&app, &third_token, &token_of(&third), claim_body()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Verifying it while the other holds the credit code: a conflict naming why.
        let (_, me3) = get(&app, &third_token, "/api/v1/me").await;
        let (status, problem) = post(
            &app,
            &app.admin_token(),
            &format!("/api/v1/sellers/{}/verify", me3["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    }
);

both_engines_app!(
    the_supervisor_of_the_accounts_division_verifies_it_and_another_jurisdiction_cannot,
    |app: TestApp| async move {
        let (from_a, _) = two_senders_ship_to_b(&app).await;
        let (_, b) = sign_up_from(from_a["transfer"]["claim_url"].as_str().unwrap(), &app).await;
        let b = b.unwrap();
        let (_, me) = get(&app, &b, "/api/v1/me").await;
        let id = me["id"].as_str().unwrap();

        // Guangdong's supervisor neither sees it awaiting review nor may verify it.
        let guangdong = supervisor(&app, "44").await;
        let (_, waiting) = get(&app, &guangdong, "/api/v1/sellers?verification=provisional").await;
        assert_eq!(waiting.as_array().unwrap().len(), 0);
        let (status, _) = post(&app, &guangdong, &format!("/api/v1/sellers/{id}/verify")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A seller may not verify itself.
        let (status, _) = post(&app, &b, &format!("/api/v1/sellers/{id}/verify")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, me) = get(&app, &b, "/api/v1/me").await;
        assert_eq!(me["seller"]["verification"], "provisional");

        // Hangzhou's does.
        let hangzhou = supervisor(&app, "3301").await;
        let (_, waiting) = get(&app, &hangzhou, "/api/v1/sellers?verification=provisional").await;
        assert_eq!(waiting[0]["id"], id);
        let (status, out) = post(&app, &hangzhou, &format!("/api/v1/sellers/{id}/verify")).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let (status, _) = get(&app, &b, "/api/v1/stock").await;
        assert_eq!(status, StatusCode::OK);
        let (_, waiting) = get(&app, &hangzhou, "/api/v1/sellers?verification=provisional").await;
        assert_eq!(waiting.as_array().unwrap().len(), 0);
    }
);

both_engines_app!(
    a_supervisor_rejects_a_provisional_account_and_its_session_ends,
    |app: TestApp| async move {
        let (from_a, _) = two_senders_ship_to_b(&app).await;
        let (_, b) = sign_up_from(from_a["transfer"]["claim_url"].as_str().unwrap(), &app).await;
        let b = b.unwrap();
        let (_, me) = get(&app, &b, "/api/v1/me").await;
        let id = me["id"].as_str().unwrap();
        let hangzhou = supervisor(&app, "33").await;
        let (status, out) = post(&app, &hangzhou, &format!("/api/v1/sellers/{id}/reject")).await;
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["verification"], "rejected");
        let (status, _) = get(&app, &b, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, location) = page_as(&app, Some(&b), "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.starts_with("/signin"), "{location}");
    }
);

both_engines_app!(
    a_deactivated_sellers_token_and_page_session_stop_at_once_on_every_instance,
    |app: TestApp| async move {
        let (id, token, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let second = spawn_instance(&app).await;
        let me_on = |base: String, token: String| async move {
            client()
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        };
        assert_eq!(
            me_on(app.address.clone(), token.clone()).await,
            StatusCode::OK
        );
        assert_eq!(me_on(second.clone(), token.clone()).await, StatusCode::OK);
        let (status, _) = page_as(&app, Some(&token), "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);

        let res = client()
            .delete(format!("{}/api/v1/sellers/{id}", app.address))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);

        // At once, here and on the other instance.
        assert_eq!(
            me_on(app.address.clone(), token.clone()).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            me_on(second.clone(), token.clone()).await,
            StatusCode::UNAUTHORIZED
        );
        let (status, location) = page_as(&app, Some(&token), "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.starts_with("/signin"), "{location}");
        let res = client()
            .post(format!("{second}/app/scan/check"))
            .header("cookie", format!("suyuan_token={token}"))
            .header("x-csrf-token", "x")
            .json(&json!({"code": "x"}))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(
                res.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            ),
            "{}",
            res.status()
        );
        // Signing in again with the token: refused.
        let http = no_redirects();
        let mut jar = Jar::default();
        let res = http
            .get(format!("{}/signin", app.address))
            .send()
            .await
            .unwrap();
        jar.keep(&res);
        let csrf = csrf_in(&res.text().await.unwrap());
        let res = http
            .post(format!("{}/app/signin", app.address))
            .header("cookie", jar.header())
            .header("origin", app.address.as_str())
            .form(&[
                ("csrf", csrf.as_str()),
                ("token", token.as_str()),
                ("next", "/app/scan"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        // Its records are kept: an admin still reads the account, marked deactivated.
        let (status, out) = get(&app, &app.admin_token(), &format!("/api/v1/sellers/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(out["deactivated_at"].is_string(), "{out:#}");
        // And the credit code may be registered again for a new account.
        let (status, _) = send(
            &app,
            reqwest::Method::POST,
            &app.admin_token(),
            "/api/v1/sellers",
            Some(json!({"name": A_NAME, "credit_code": out["credit_code"], "division_code": "440104", "seller_type": "distributor"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
);

both_engines_app!(
    an_admin_revokes_every_token_of_a_seller_and_a_new_one_works,
    |app: TestApp| async move {
        let (id, old, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (status, _) = get(&app, &old, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        let (status, out) = post(
            &app,
            &app.admin_token(),
            &format!("/api/v1/sellers/{id}/revoke-tokens"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        let (status, _) = get(&app, &old, "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = page_as(&app, Some(&old), "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let fresh = app
            .tokens
            .mint(Role::Seller, &id, None, Duration::from_secs(3600))
            .unwrap();
        let (status, _) = get(&app, &fresh, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
    }
);

fn product_body() -> Vec<u8> {
    json!({"id": 7001, "title": "雅迪", "status": "active", "updated_at": "2026-11-20T10:00:00+08:00",
        "variants": [{"id": 7002, "product_id": 7001, "sku": "YD", "barcode": "09520001000010"}]})
    .to_string()
    .into_bytes()
}

both_engines_app!(
    a_sealed_shop_secret_copied_into_another_shops_row_does_not_open,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let first = connect(&app, &token, json!({"platform": "shopify", "name": "a", "shop": "a.myshopify.com", "secret": "first-secret"})).await;
        let other = connect(&app, &token, json!({"platform": "shopify", "name": "b", "shop": "b.myshopify.com", "secret": "other-secret"})).await;
        let row = |v: &Value| v["id"].as_str().unwrap().to_owned();
        let sealed = shop::Entity::find_by_id(row(&first))
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap()
            .secret_ciphertext;
        shop::ActiveModel {
            id: Set(row(&other)),
            secret_ciphertext: Set(sealed),
            ..Default::default()
        }
        .update(&app.db.db)
        .await
        .unwrap();
        // Someone who can write the database moved the first shop's secret into the other's
        // row: deliveries to the other shop signed with the first secret are not accepted.
        let res = deliver_shopify(
            &app,
            &other,
            "first-secret",
            "products/create",
            "m-1",
            &product_body(),
        )
        .await;
        assert!(!res.status().is_success(), "{}", res.status());
        assert!(res.headers().get("x-suyuan-delivery").is_none());
        // The first shop still works.
        let res = deliver_shopify(
            &app,
            &first,
            "first-secret",
            "products/create",
            "m-2",
            &product_body(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
);

/// A key and a value sealed with it by Suyuan before sealed values were bound to their row
/// (format `v1`): the plaintext is `legacy-shop-secret`.
const LEGACY_KEY: &str = "c3V5dWFuLWxlZ2FjeS1maXh0dXJlLWtleS0wMDAwMDE=";
const LEGACY_SEALED: &str =
    "v1:YPDtm1v9sb5lc/ZeVEPsnIiUJ6Ogj9/PxoOorbZQv8VQ9rwejXiZ8pK/J8/D3YMjd4OwwZrmslBDcg==";

async fn legacy_secret_still_opens_and_is_resealed(engine: suyuan_tests::Engine) {
    let Some(db) = TestDb::new(engine).await else {
        return;
    };
    let key = suyuan_core::secrets::SecretKey::from_base64(LEGACY_KEY).unwrap();
    let app = spawn_app_on(db, key).await;
    let (_, token) = seller(&app, "91440104MA59ABCD1").await;
    let store = connect(&app, &token, json!({"platform": "shopify", "name": "a", "shop": "a.myshopify.com", "secret": "replaced"})).await;
    let id = store["id"].as_str().unwrap().to_owned();
    // The row as an older Suyuan left it.
    shop::ActiveModel {
        id: Set(id.clone()),
        secret_ciphertext: Set(LEGACY_SEALED.to_owned()),
        ..Default::default()
    }
    .update(&app.db.db)
    .await
    .unwrap();
    // The upgraded service starts (another instance on the same database): the old value
    // still opens, and is sealed again in the new format, bound to its row.
    let upgraded = spawn_instance(&app).await;
    let res = client()
        .post(format!("{upgraded}/webhooks/shopify/{id}"))
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", "products/create")
        .header(
            "X-Shopify-Hmac-Sha256",
            super::marketplace::shopify_sign("legacy-shop-secret", &product_body()),
        )
        .header("X-Shopify-Webhook-Id", "legacy-1")
        .header("X-Shopify-Shop-Domain", "a.myshopify.com")
        .body(product_body())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut sealed = String::new();
    for _ in 0..100 {
        sealed = shop::Entity::find_by_id(id.clone())
            .one(&app.db.db)
            .await
            .unwrap()
            .unwrap()
            .secret_ciphertext;
        if !sealed.starts_with("v1:") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sealed.starts_with("v2:"), "{sealed}");
    let res = deliver_shopify(
        &app,
        &store,
        "legacy-shop-secret",
        "products/create",
        "legacy-2",
        &product_body(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

mod an_old_format_sealed_secret_still_opens_after_the_upgrade_and_is_sealed_again_bound_to_its_row {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        super::legacy_secret_still_opens_and_is_resealed(suyuan_tests::Engine::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        super::legacy_secret_still_opens_and_is_resealed(suyuan_tests::Engine::Postgres).await;
    }
}

/// Rolls the database back to just before the seller-standing migration (whatever came after).
async fn down_to_before_seller_standing(db: &sea_orm::DatabaseConnection) {
    use sea_orm_migration::MigratorTrait as _;
    let all = suyuan_migrations::Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == "m20261206_000001_add_seller_standing")
        .unwrap();
    let steps = u32::try_from(all.len() - at).unwrap();
    suyuan_migrations::Migrator::down(db, Some(steps))
        .await
        .unwrap();
}

suyuan_tests::both_engines!(
    the_seller_standing_migration_keeps_every_seller_and_its_records_both_ways,
    |t: TestDb| async move {
        use sea_orm::ConnectionTrait as _;
        use sea_orm_migration::MigratorTrait as _;
        let credit =
            suyuan_core::credit_code::CreditCode::with_check_character("91440104MA59ABCD1")
                .unwrap();
        let new = || suyuan_core::tenancy::NewSeller {
            name: A_NAME.into(),
            credit_code: credit.clone(),
            division_code: suyuan_core::division::DivisionCode::parse("440104").unwrap(),
            seller_type: suyuan_core::tenancy::SellerType::Distributor,
            email: None,
        };
        let seller = suyuan_store::tenants::create_seller(&t.db, new())
            .await
            .unwrap();
        let key = suyuan_core::secrets::SecretKey::generate();
        let shop = suyuan_store::shops::create(
            &t.db,
            &key,
            &seller.id,
            suyuan_store::shops::NewShop {
                platform: "shopify".into(),
                name: "s".into(),
                shop: "s.myshopify.com".into(),
                secret: "k".into(),
                app_key: None,
            },
        )
        .await
        .unwrap();

        // Down: the seller and the shop that refers to it are kept; a credit code is unique again.
        down_to_before_seller_standing(&t.db).await;
        let count = |sql: &'static str| {
            let db = t.db.clone();
            async move {
                let row = db
                    .query_one_raw(sea_orm::Statement::from_string(
                        db.get_database_backend(),
                        sql,
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        assert_eq!(count("SELECT COUNT(*) FROM sellers").await, 1);
        assert_eq!(count("SELECT COUNT(*) FROM stores").await, 1);
        let duplicate = t
            .db
            .execute_unprepared(&format!(
                "INSERT INTO sellers (id, name, credit_code, division_code, seller_type, created_at, updated_at) \
                 VALUES ('sel_01JD0000000000000000000009', 'x', '{credit}', '440104', 'distributor', '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')"
            ))
            .await;
        assert!(duplicate.is_err(), "the credit code is unique again");

        // Up again: the seller is verified, its shop still opens, and a second claimant of the
        // credit code may be registered for review.
        suyuan_migrations::Migrator::up(&t.db, None).await.unwrap();
        let again = suyuan_store::tenants::seller_row(&t.db, seller.id.as_str())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.verification, "verified");
        assert!(
            suyuan_store::shops::credentials(&t.db, &key, &shop.id, chrono::Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        let claimant = suyuan_store::tenants::create_claimant(&t.db, new(), "trf_x")
            .await
            .unwrap();
        assert_eq!(claimant.verification.as_str(), "provisional");
        assert!(
            suyuan_store::tenants::create_seller(&t.db, new())
                .await
                .is_err(),
            "one verified account per credit code"
        );
        let fk_ok =
            count("SELECT COUNT(*) FROM stores WHERE seller_id IN (SELECT id FROM sellers)").await;
        assert_eq!(fk_ok, 1);
    }
);
