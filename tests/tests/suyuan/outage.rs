//! The database unreachable for a while: PostgreSQL behind a proxy the test cuts (every open
//! connection dropped, new ones closed at once), then restores. While it is down, everything
//! that needs the database is answered 503 (problem+json, `Retry-After`), never a 2xx for what
//! was not stored, and no handler hangs past the pool's acquire timeout; afterwards the same
//! process serves again by itself, what was acknowledged before the cut is applied once, and
//! what the marketplace sends again is taken once.
//!
//! PostgreSQL only: SQLite is a file in the process, it has no network to lose.

use super::marketplace::{client, connect, deliver_shopify, seller};
use super::records::{ebike_product, shopify_order};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use suyuan_tests::proxy::TcpProxy;
use suyuan_tests::{Engine, TestApp, TestDb, spawn_app_via};

/// A paid order of the listed e-bike, placed an hour ago.
fn order(n: u64) -> Vec<u8> {
    shopify_order(8000 + n, 600, "paid", chrono::Duration::hours(1))
}

/// Order `n` (webhook id `o-{n}`), delivered as Shopify's `orders/paid`.
async fn paid(app: &TestApp, store: &Value, n: u64) -> reqwest::Response {
    deliver_shopify(app, store, "k", "orders/paid", &format!("o-{n}"), &order(n)).await
}

/// The seller's sales' order ids, as the API lists them.
async fn order_ids(app: &TestApp, token: &str) -> Option<BTreeSet<String>> {
    let res = client()
        .get(format!("{}/api/v1/sales?limit=500", app.address))
        .bearer_auth(token)
        .send()
        .await
        .ok()?;
    if res.status() != StatusCode::OK {
        return None;
    }
    let page: Value = res.json().await.ok()?;
    Some(
        page["items"]
            .as_array()?
            .iter()
            .filter_map(|s| s["external_order_id"].as_str().map(str::to_owned))
            .collect(),
    )
}

async fn until_sales(app: &TestApp, token: &str, want: &BTreeSet<String>, within: Duration) {
    let start = Instant::now();
    let mut last = None;
    while start.elapsed() < within {
        last = order_ids(app, token).await;
        if last.as_ref() == Some(want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the sales never became {want:?}; last seen {last:?}");
}

/// What a refusal during the outage must look like.
async fn assert_unavailable(what: &str, res: reqwest::Response) {
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what} while the database is down: {body:#}"
    );
    assert_eq!(content_type, "application/problem+json", "{what}");
    assert!(
        retry_after.is_some_and(|s| s > 0),
        "{what}: 503 without Retry-After"
    );
    assert_eq!(body["type"], "urn:suyuan:problem:unavailable", "{what}");
    assert_eq!(body["title"], "服务暂不可用", "{what}");
    assert_eq!(body["status"], 503, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_unreachable_for_a_while_is_answered_503_loses_nothing_and_recovers_by_itself()
{
    let Some(db) = TestDb::new(Engine::Postgres).await else {
        return;
    };
    let proxy = TcpProxy::start(TcpProxy::upstream_of(&db.url)).await;
    let url = proxy.url_through(&db.url);
    let app = spawn_app_via(db, &url).await;
    let admin = app.admin_token();
    let (_, token) = seller(&app, "91440104MA59ABCD1").await;
    let store = connect(
        &app,
        &token,
        json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
    )
    .await;
    let res = deliver_shopify(
        &app,
        &store,
        "k",
        "products/create",
        "p-600",
        &ebike_product(600, Some("p600")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut want = BTreeSet::new();
    for n in 0..5 {
        let res = paid(&app, &store, n).await;
        assert_eq!(res.status(), StatusCode::OK);
        want.insert((8000 + n).to_string());
    }
    until_sales(&app, &token, &want, Duration::from_secs(30)).await;

    // Three more are acknowledged just before the cut: stored, perhaps half applied when it
    // comes. They must be applied once, after.
    for n in 5..8 {
        let res = paid(&app, &store, n).await;
        assert_eq!(res.status(), StatusCode::OK);
        want.insert((8000 + n).to_string());
    }
    proxy.cut();
    let cut_at = Instant::now();

    // While it is down: ten new deliveries at once, the seller's list, an admin registering a
    // seller, and the readiness probe. Every one is refused with 503, none hangs.
    let refused = |n: u64| {
        let (app, store) = (&app, &store);
        async move {
            let res = paid(app, store, n).await;
            assert_unavailable(&format!("delivery o-{n}"), res).await;
        }
    };
    let deliveries = futures_util::future::join_all((8..18).map(refused));
    let list = async {
        let res = client()
            .get(format!("{}/api/v1/sales", app.address))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_unavailable("the sales list", res).await;
    };
    let credit = suyuan_core::credit_code::CreditCode::with_check_character("91440104MA5Y0T0A1")
        .unwrap()
        .to_string();
    let new_seller = json!({"name": "停机时登记", "credit_code": credit, "division_code": "440104", "seller_type": "online"});
    let register = async {
        let res = client()
            .post(format!("{}/api/v1/sellers", app.address))
            .bearer_auth(&admin)
            .json(&new_seller)
            .send()
            .await
            .unwrap();
        assert_unavailable("registering a seller", res).await;
    };
    let ready = async {
        let res = client()
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        assert_unavailable("/readyz", res).await;
    };
    tokio::join!(deliveries, list, register, ready);
    let refused_within = cut_at.elapsed();
    assert!(
        refused_within < Duration::from_secs(25),
        "the refusals took {refused_within:?}: a handler waited past the pool's acquire timeout"
    );
    // Liveness does not depend on the database: the process is not restarted for an outage.
    let live = client()
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);

    proxy.restore().await;
    let restored_at = Instant::now();
    let mut ready = false;
    while restored_at.elapsed() < Duration::from_secs(60) {
        let res = client()
            .get(format!("{}/readyz", app.address))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready, "the service did not recover by itself within 60 s");
    let recovered_in = restored_at.elapsed();

    // The marketplace sends again what was refused: each is taken once, as new.
    for n in 8..18 {
        let res = paid(&app, &store, n).await;
        assert_eq!(res.status(), StatusCode::OK, "o-{n} sent again");
        assert_eq!(
            res.headers()["x-suyuan-delivery"],
            "accepted",
            "o-{n} was refused, so it was not stored"
        );
        want.insert((8000 + n).to_string());
    }
    // And what was acknowledged before is a duplicate, not stored twice.
    let res = paid(&app, &store, 6).await;
    assert_eq!(res.headers()["x-suyuan-delivery"], "duplicate");

    // The seller refused during the outage was not half-registered: registering it now works once.
    let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(&admin)
        .json(&new_seller)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap()
    );

    // Every order is a sale exactly once. A delivery claimed when the connection was cut waits
    // for its claim's lease (60 s) to run out before it is taken again.
    until_sales(&app, &token, &want, Duration::from_secs(150)).await;
    let counts = app
        .db
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!(
                "SELECT COUNT(*) AS n, COUNT(DISTINCT idempotency_key) AS k, \
                 COUNT(*) FILTER (WHERE status = 'done') AS done \
                 FROM webhook_inbox WHERE store_id = '{}'",
                store["id"].as_str().unwrap()
            ),
        ))
        .await
        .unwrap()
        .unwrap();
    let n: i64 = counts.try_get("", "n").unwrap();
    let k: i64 = counts.try_get("", "k").unwrap();
    let done: i64 = counts.try_get("", "done").unwrap();
    assert_eq!(
        (n, k, done),
        (19, 19, 19),
        "one product and 18 orders, each once, all applied"
    );
    eprintln!(
        "outage: 13 requests refused within {refused_within:?}; ready again {recovered_in:?} after the restore"
    );
}
