//! Request rate limits: pages per client address, webhooks per shop, the API per token subject;
//! a request over its limit gets 429 with `Retry-After`.

use super::marketplace::{client, connect, seller, shopify_sign};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_tests::{Engine, TestApp, spawn_app_with};

/// Like `both_engines_app!`, with configuration variables.
macro_rules! both_engines_with {
    ($name:ident, $vars:expr, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = spawn_app_with(Engine::Sqlite, $vars).await.unwrap();
                $body(app).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = spawn_app_with(Engine::Postgres, $vars).await {
                    $body(app).await;
                }
            }
        }
    };
}

/// A client whose requests come from another loopback address.
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn a_burst_of_page_views_from_one_client_is_slowed_and_others_are_not(app: TestApp) {
    let home = format!("{}/", app.address);
    let one = client_from([127, 0, 0, 1]);
    for _ in 0..5 {
        let res = one.get(&home).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = one.get(&home).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res);
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = res.text().await.unwrap();
    assert!(
        page.contains("请求过于频繁") && page.contains("Too many requests"),
        "{page}"
    );
    // Trace pages and badges count too; health checks never do.
    let res = one
        .get(format!("{}/01/09520001000010/21/X1", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = one
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Writing another address in X-Forwarded-For changes nothing: no proxy is trusted.
    let res = one
        .get(&home)
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client is not affected.
    let res = client_from([127, 0, 0, 2]).get(&home).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // After the wait it says, the first client is served again.
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 100)).await;
    let res = one.get(&home).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

both_engines_with!(
    a_burst_of_page_views_from_one_client_is_slowed_and_others_are_not,
    // One view every 3 s after a burst of 5: six views on a loaded machine (a CI rehearsal
    // beside a benchmark, under faketime) once took over a second, which `1/s` refilled.
    &[("SUYUAN_RATE_PAGES", "20/min burst 5")],
    super::a_burst_of_page_views_from_one_client_is_slowed_and_others_are_not
);

async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(app: TestApp) {
    let home = format!("{}/", app.address);
    let via = |client: &'static str| {
        client_from([127, 0, 0, 1])
            .get(&home)
            .header("x-forwarded-for", format!("{client}, 127.0.0.1"))
            .send()
    };
    assert_eq!(via("203.0.113.7").await.unwrap().status(), StatusCode::OK);
    assert_eq!(via("203.0.113.7").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        via("203.0.113.7").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(via("203.0.113.8").await.unwrap().status(), StatusCode::OK);
}

both_engines_with!(
    behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit,
    &[
        ("SUYUAN_RATE_PAGES", "1/min burst 2"),
        ("SUYUAN_TRUSTED_PROXIES", "127.0.0.1")
    ],
    super::behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit
);

async fn deliver(app: &TestApp, store: &Value, n: usize) -> reqwest::Response {
    let body = serde_json::to_vec(&json!({"id": 7000 + n, "title": "雅迪电动自行车", "updated_at": "2026-11-25T09:00:00+08:00", "variants": []})).unwrap();
    client()
        .post(format!(
            "{}/webhooks/shopify/{}",
            app.address,
            store["id"].as_str().unwrap()
        ))
        .header("content-type", "application/json")
        .header("X-Shopify-Topic", "products/create")
        .header("X-Shopify-Hmac-Sha256", shopify_sign("shpss_test", &body))
        .header(
            "X-Shopify-Webhook-Id",
            format!("rl-{n}-{}", ulid::Ulid::new()),
        )
        .header("X-Shopify-Shop-Domain", "q.myshopify.com")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn a_webhook_flood_to_one_shop_is_slowed_and_another_shop_is_not(app: TestApp) {
    let (_, token) = seller(&app, "91440104MA59ABCD1").await;
    let a = connect(&app, &token, json!({"platform": "shopify", "name": "a", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
    let b = connect(&app, &token, json!({"platform": "shopify", "name": "b", "shop": "q.myshopify.com", "secret": "shpss_test"})).await;
    for n in 0..3 {
        let res = deliver(&app, &a, n).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
    }
    let res = deliver(&app, &a, 3).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["type"], "urn:suyuan:problem:rate-limited");
    // The other shop of the same seller, from the same address, is served.
    let res = deliver(&app, &b, 4).await;
    assert_eq!(res.status(), StatusCode::OK);
}

both_engines_with!(
    a_webhook_flood_to_one_shop_is_slowed_and_another_shop_is_not,
    &[("SUYUAN_RATE_WEBHOOKS", "1/min burst 3")],
    super::a_webhook_flood_to_one_shop_is_slowed_and_another_shop_is_not
);

async fn the_api_is_limited_per_token_subject_not_per_address(app: TestApp) {
    let (_, token_a) = seller(&app, "91440104MA59ABCD1").await;
    let (_, token_b) = seller(&app, "91440104MA59ABCD2").await;
    let me = |token: String| {
        client()
            .get(format!("{}/api/v1/me", app.address))
            .bearer_auth(token)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(me(token_a.clone()).await.unwrap().status(), StatusCode::OK);
    }
    let res = me(token_a.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&res) >= 1);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["status"], 429);
    assert_eq!(me(token_b).await.unwrap().status(), StatusCode::OK);
}

both_engines_with!(
    the_api_is_limited_per_token_subject_not_per_address,
    &[("SUYUAN_RATE_API", "1/min burst 3")],
    super::the_api_is_limited_per_token_subject_not_per_address
);
