//! Whose listings speak for a GTIN: only a shop whose domain is proven (a token published at
//! `/.well-known/suyuan-verification.txt`, fetched by Suyuan) lends its listings to the
//! resolver's `gs1:pip` redirect and to operators' look-ups, and a redirect goes only to that
//! shop's proven domain.

use super::marketplace::{client, connect, deliver_shopify, eventually, seller};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use suyuan_tests::{TestApp, both_engines_app};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const GTIN: &str = "09520001000010";

/// A stand-in for a shop's web server on loopback: answers every request with the body set in
/// the returned cell (404 while it is empty). Answers its domain, `127.0.0.1:{port}`.
pub async fn shop_site() -> (String, Arc<Mutex<String>>) {
    let body = Arc::new(Mutex::new(String::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = body.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let served = served.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let text = served.lock().unwrap().clone();
                let status = if text.is_empty() {
                    "404 Not Found"
                } else {
                    "200 OK"
                };
                let res = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = sock.write_all(res.as_bytes()).await;
            });
        }
    });
    (format!("127.0.0.1:{port}"), body)
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

/// Proves `store`'s domain through a stand-in site publishing the token; answers the domain.
pub async fn prove(app: &TestApp, token: &str, store: &Value) -> String {
    let (domain, site) = shop_site().await;
    let id = store["id"].as_str().unwrap();
    let res = post(
        app,
        token,
        &format!("/api/v1/stores/{id}/domain"),
        json!({"domain": domain}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let challenge: Value = res.json().await.unwrap();
    *site.lock().unwrap() = format!("{}\n", challenge["token"].as_str().unwrap());
    let res = post(
        app,
        token,
        &format!("/api/v1/stores/{id}/domain/check"),
        json!({}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    domain
}

fn product(id: u64, handle: &str, updated_at: &str) -> Vec<u8> {
    json!({"id": id, "title": "雅迪 新国标电动自行车", "product_type": "Electric Bicycles", "handle": handle,
        "status": "active", "tags": "", "updated_at": updated_at,
        "variants": [{"id": id + 1, "product_id": id, "title": "Default", "sku": "DT3", "barcode": GTIN}]})
    .to_string()
    .into_bytes()
}

/// A seller with a Shopify store connected as `shop`, listing product `id` (GTIN [`GTIN`]);
/// answers the store and the seller's token.
async fn shop_with_listing(app: &TestApp, credit17: &str, shop: &str, id: u64) -> (Value, String) {
    let (_, token) = seller(app, credit17).await;
    let store = connect(
        app,
        &token,
        json!({"platform": "shopify", "name": shop, "shop": shop, "secret": "k"}),
    )
    .await;
    let now = chrono::Utc::now().to_rfc3339();
    let res = deliver_shopify(
        app,
        &store,
        "k",
        "products/create",
        &format!("p-{id}"),
        &product(id, "dt3", &now),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    eventually(app, &token, "/api/v1/listings", |l| {
        l["items"][0]["trace_state"] == "traced"
    })
    .await;
    (store, token)
}

async fn register_unit(app: &TestApp, token: &str) -> String {
    let code = format!("(01){GTIN}(21)PIP0001");
    let res = post(
        app,
        token,
        "/api/v1/receipts",
        json!({"category": "ebike", "items": [{"code": code}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    format!("{}/01/{GTIN}/21/PIP0001", app.address)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

both_engines_app!(
    an_unproven_shops_listing_never_makes_the_resolver_redirect_to_its_domain,
    |app: TestApp| async move {
        // A shop named for a domain it never proved, listing the GTIN.
        let (_, token) =
            shop_with_listing(&app, "91440104MA59ABCD1", "unproven.example", 7001).await;
        let page = register_unit(&app, &token).await;
        let res = no_redirects()
            .get(format!("{page}?linkType=gs1:pip"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "the trace page, not a redirect to {:?}",
            res.headers().get("location")
        );
        let set: Value = client()
            .get(format!("{page}?linkType=all"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            set["linkset"][0].get("https://gs1.org/voc/pip").is_none(),
            "{set:#}"
        );
        assert!(!set.to_string().contains("unproven.example"));
    }
);

both_engines_app!(
    a_proven_shops_listing_redirects_only_to_its_proven_domain_whoever_listed_the_gtin_later,
    |app: TestApp| async move {
        let (site_domain, site) = shop_site().await;
        // The proven shop's listing URL is on its own domain.
        let (store, token) = shop_with_listing(&app, "91440104MA59ABCD1", &site_domain, 7002).await;
        let page = register_unit(&app, &token).await;
        // Before the proof: no redirect.
        let res = no_redirects()
            .get(format!("{page}?linkType=gs1:pip"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);

        // A token that is not published does not prove anything.
        let id = store["id"].as_str().unwrap();
        let res = post(
            &app,
            &token,
            &format!("/api/v1/stores/{id}/domain"),
            json!({"domain": "https://x/"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "domain");
        let challenge: Value = post(
            &app,
            &token,
            &format!("/api/v1/stores/{id}/domain"),
            json!({"domain": site_domain}),
        )
        .await
        .json()
        .await
        .unwrap();
        assert!(
            challenge["url"]
                .as_str()
                .unwrap()
                .ends_with("/.well-known/suyuan-verification.txt")
        );
        *site.lock().unwrap() = "some other text\n".into();
        let res = post(
            &app,
            &token,
            &format!("/api/v1/stores/{id}/domain/check"),
            json!({}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "domain");
        assert_eq!(p["errors"][0]["code"], "domain_not_proven");

        *site.lock().unwrap() = format!("{}\n", challenge["token"].as_str().unwrap());
        let res = post(
            &app,
            &token,
            &format!("/api/v1/stores/{id}/domain/check"),
            json!({}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);
        let proven: Value = res.json().await.unwrap();
        assert_eq!(proven["proven_domain"], site_domain.as_str());
        assert_eq!(proven["domain_proven_by"], "well_known_file");

        // Another seller lists the same GTIN later, on a domain it names but never proved.
        shop_with_listing(&app, "91440104MA59ABCD2", "unproven.example", 7003).await;
        // The trace page's data is cached for a few seconds: wait for the proof to show.
        for _ in 0..100 {
            let res = no_redirects()
                .get(format!("{page}?linkType=gs1:pip"))
                .send()
                .await
                .unwrap();
            if res.status() == StatusCode::SEE_OTHER {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for _ in 0..3 {
            let res = no_redirects()
                .get(format!("{page}?linkType=gs1:pip"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            assert_eq!(
                res.headers()["location"],
                format!("https://{site_domain}/products/dt3").as_str()
            );
        }
    }
);

both_engines_app!(
    an_operator_lookup_answers_only_listings_of_shops_proven_on_its_marketplace,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let op: Value = post(
            &app,
            &admin,
            "/api/v1/operators",
            json!({"name": "演示商城", "platform": "shopify"}),
        )
        .await
        .json()
        .await
        .unwrap();
        let op_token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Operator,
                op["id"].as_str().unwrap(),
                None,
                Duration::from_secs(600),
            )
            .unwrap();
        let lookup = |query: String| {
            let url = format!(
                "{}/api/v1/operator/listings/shopify/7100{query}",
                app.address
            );
            let op_token = op_token.clone();
            async move {
                let res = client()
                    .get(url)
                    .bearer_auth(&op_token)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                (status, res.json::<Value>().await.unwrap_or(Value::Null))
            }
        };
        let (a_store, a) =
            shop_with_listing(&app, "91440104MA59ABCD1", "a.myshopify.com", 7100).await;
        // Unproven: nothing, even by the domain the seller typed.
        assert_eq!(lookup(String::new()).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            lookup("?shop=a.myshopify.com".into()).await.0,
            StatusCode::NOT_FOUND
        );

        let domain = prove(&app, &a, &a_store).await;
        // Another seller, never proven, lists the same external id later.
        shop_with_listing(&app, "91440104MA59ABCD2", "b.myshopify.com", 7100).await;
        let (status, found) = lookup(String::new()).await;
        assert_eq!(status, StatusCode::OK);
        let a_listing: Value = client()
            .get(format!("{}/api/v1/listings", app.address))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(found["listing_id"], a_listing["items"][0]["id"]);
        let (status, by_domain) = lookup(format!("?shop={domain}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(by_domain["listing_id"], a_listing["items"][0]["id"]);
        assert_eq!(
            lookup("?shop=a.myshopify.com".into()).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            lookup("?shop=b.myshopify.com".into()).await.0,
            StatusCode::NOT_FOUND
        );
    }
);

both_engines_app!(
    the_sellers_listing_api_says_why_a_url_is_not_used_for_redirects,
    |app: TestApp| async move {
        let (store, token) =
            shop_with_listing(&app, "91440104MA59ABCD1", "unproven.example", 7200).await;
        let listing = |token: String| {
            let url = format!("{}/api/v1/listings", app.address);
            async move {
                let page: Value = client()
                    .get(url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                page["items"][0].clone()
            }
        };
        let before = listing(token.clone()).await;
        assert_eq!(before["url"], "https://unproven.example/products/dt3");
        assert_eq!(before["url_status"], "shop_domain_not_proven");
        assert!(before["url_note"][0].as_str().unwrap().contains("尚未验证"));
        // Proven on another domain than the one the URLs point to: still not used.
        prove(&app, &token, &store).await;
        let after = listing(token.clone()).await;
        assert_eq!(after["url_status"], "not_on_proven_domain");
        assert!(
            after["url_note"][1]
                .as_str()
                .unwrap()
                .contains("never used")
        );
    }
);
