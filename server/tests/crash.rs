//! The real `suyuan` binary killed with SIGKILL, several times, in the middle of a burst of
//! signed, unique Shopify deliveries (products and paid orders) from a client that, as the
//! marketplaces do, sends again whatever was not acknowledged (and so sometimes sends again what
//! was stored just before the kill). After the last restart: every delivery is in the inbox
//! exactly once, every one was applied exactly once (a listing per product, a sale per order,
//! nothing dead), and `suyuan verify` finds every chain intact. On SQLite and PostgreSQL.
//!
//! `SUYUAN_TEST_CRASH_DELIVERIES` sets the burst (default 20,000).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/src/db.rs"]
#[allow(unused_macros, unused_imports)]
mod support;

use base64::Engine as _;
use hmac::Mac as _;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Engine, TestDb};
use suyuan_core::secrets::SecretKey;

const JWT: &str = "crash-test-secret-crash-test-secret-0123456789";
const SHOP_SECRET: &str = "crash-shop-secret";

/// One server process on a fixed port and database, started again after each kill.
struct Server {
    db_url: String,
    dir: tempfile::TempDir,
    key: String,
    port: u16,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_suyuan"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(std::env::vars().filter(|(k, _)| k == "LD_PRELOAD" || k.starts_with("FAKETIME")))
            .env("SUYUAN_DATABASE_URL", &self.db_url)
            .env("SUYUAN_JWT_SECRET", JWT)
            .env("SUYUAN_SECRET_KEY", &self.key)
            .env("SUYUAN_BIND", format!("127.0.0.1:{}", self.port))
            .env("SUYUAN_RATE_WEBHOOKS", "off")
            .env("SUYUAN_RATE_API", "off")
            .env("SUYUAN_LOG", "error")
            .env("SUYUAN_ANALYTICS_INTERVAL", "24h")
            .env("SUYUAN_ANALYTICS_DIR", self.dir.path().join("analytics"))
            .current_dir(std::env::temp_dir())
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(cmd.spawn().expect("start suyuan"));
        let up = (0..600).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        });
        assert!(up, "the server did not start");
    }

    /// SIGKILL: no shutdown, no flush, whatever was in flight is cut.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn sign(body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SHOP_SECRET.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn product(id: u64) -> Vec<u8> {
    json!({"id": id, "title": format!("雅迪 新国标电动自行车 {id}"), "handle": format!("bike-{id}"),
        "status": "active", "tags": "", "updated_at": "2026-11-25T10:00:00+08:00",
        "variants": [{"id": id + 1, "product_id": id, "title": "Default", "sku": format!("S{id}"), "barcode": "09520001000010"}]})
    .to_string()
    .into_bytes()
}

/// A paid order of one unit of `product_id`, placed an hour ago.
fn order(template: &Value, order_id: u64, product_id: u64) -> Vec<u8> {
    let mut o = template.clone();
    let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    o["id"] = json!(order_id);
    o["name"] = json!(format!("#{order_id}"));
    o["cancelled_at"] = Value::Null;
    o["cancel_reason"] = Value::Null;
    o["financial_status"] = json!("paid");
    o["refunds"] = json!([]);
    o["fulfillments"] = json!([]);
    o["created_at"] = json!(at);
    o["processed_at"] = json!(at);
    o["updated_at"] = json!(at);
    let a = json!({"province": "Guangdong", "province_code": "GD", "country": "China", "country_code": "CN", "city": "Guangzhou", "company": null});
    o["shipping_address"] = a.clone();
    o["billing_address"] = a;
    let mut line = o["line_items"][0].clone();
    line["product_id"] = json!(product_id);
    line["variant_id"] = json!(product_id + 1);
    line["quantity"] = json!(1);
    o["line_items"] = json!([line]);
    serde_json::to_vec(&o).unwrap()
}

struct Delivery {
    topic: &'static str,
    id: String,
    body: Vec<u8>,
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn crash_burst(engine: Engine) {
    let Some(t) = TestDb::new(engine).await else {
        return;
    };
    let n: usize = std::env::var("SUYUAN_TEST_CRASH_DELIVERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server {
        db_url: t.url.clone(),
        dir: tempfile::tempdir().unwrap(),
        key: SecretKey::generate().to_base64(),
        port,
        child: None,
    };
    server.start();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // A seller and its Shopify store, through the API.
    let tokens = suyuan_web::auth::Tokens::new(JWT.as_bytes());
    let admin = tokens
        .mint(
            suyuan_core::tenancy::Role::Admin,
            suyuan_core::ids::AdminId::generate().as_str(),
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    let credit = suyuan_core::credit_code::CreditCode::with_check_character("91440104MA5CRAH01")
        .unwrap()
        .to_string();
    let seller: Value = http
        .post(format!("{base}/api/v1/sellers"))
        .bearer_auth(&admin)
        .json(&json!({"name": "崩溃测试商行", "credit_code": credit, "division_code": "440104", "seller_type": "online"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seller_id = seller["id"].as_str().expect("a seller").to_owned();
    let seller_token = tokens
        .mint(
            suyuan_core::tenancy::Role::Seller,
            &seller_id,
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    let store: Value = http
        .post(format!("{base}/api/v1/stores"))
        .bearer_auth(&seller_token)
        .json(&json!({"platform": "shopify", "name": "崩溃店", "shop": "crash.myshopify.com", "secret": SHOP_SECRET}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let store_id = store["id"].as_str().expect("a store").to_owned();

    // Two products for each order, every one with its own delivery id.
    let template: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/marketplaces/shopify_orders_cancelled.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let orders = n / 3;
    let products = n - orders;
    let mut deliveries: Vec<Delivery> = (0..products as u64)
        .map(|i| Delivery {
            topic: "products/create",
            id: format!("crash-p-{i}"),
            body: product(1_000_000 + i * 10),
        })
        .collect();
    for i in 0..orders as u64 {
        // After the product it sells.
        let at = ((i * 2) as usize + 1).min(deliveries.len());
        deliveries.insert(
            at,
            Delivery {
                topic: "orders/paid",
                id: format!("crash-o-{i}"),
                body: order(&template, 5_000_000 + i, 1_000_000 + i * 10),
            },
        );
    }
    let deliveries = Arc::new(deliveries);

    // The burst: 16 senders, each sending its share again until it is acknowledged.
    let acked = Arc::new(AtomicUsize::new(0));
    let resent = Arc::new(AtomicUsize::new(0));
    let url = format!("{base}/webhooks/shopify/{store_id}");
    let started = Instant::now();
    let mut senders = Vec::new();
    for s in 0..16 {
        let (deliveries, acked, resent, http, url) = (
            deliveries.clone(),
            acked.clone(),
            resent.clone(),
            http.clone(),
            url.clone(),
        );
        senders.push(tokio::spawn(async move {
            for d in deliveries.iter().skip(s).step_by(16) {
                let mut tries = 0;
                loop {
                    tries += 1;
                    assert!(tries < 2_000, "{} never acknowledged", d.id);
                    let res = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .header("X-Shopify-Topic", d.topic)
                        .header("X-Shopify-Hmac-Sha256", sign(&d.body))
                        .header("X-Shopify-Webhook-Id", &d.id)
                        .header("X-Shopify-Shop-Domain", "crash.myshopify.com")
                        .body(d.body.clone())
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_server_error() || r.status().as_u16() == 429 => {}
                        Ok(r) => panic!(
                            "{}: a signed delivery refused: {} {}",
                            d.id,
                            r.status(),
                            r.text().await.unwrap_or_default()
                        ),
                        // Refused connection or a cut answer: the server is down.
                        Err(_) => {}
                    }
                    resent.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                acked.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Three kills, at a quarter, half and three quarters of the burst acknowledged.
    let mut kills = 0;
    for at in [n / 4, n / 2, n * 3 / 4] {
        while acked.load(Ordering::Relaxed) < at {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.start();
    }
    for s in senders {
        s.await.unwrap();
    }
    let burst = started.elapsed();

    // The last start applies what is left; what a killed worker had claimed comes back when
    // its lease (a minute) runs out.
    let db = &t.db;
    let waited = Instant::now();
    loop {
        let left = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM webhook_inbox WHERE store_id = '{store_id}' \
                 AND status IN ('pending', 'processing')"
            ),
        )
        .await;
        if left == 0 {
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(900),
            "{left} deliveries still pending or claimed"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let applied = started.elapsed();
    server.kill();

    let inbox = count(
        db,
        &format!("SELECT COUNT(*) FROM webhook_inbox WHERE store_id = '{store_id}'"),
    )
    .await;
    let distinct = count(
        db,
        &format!(
            "SELECT COUNT(DISTINCT idempotency_key) FROM webhook_inbox WHERE store_id = '{store_id}'"
        ),
    )
    .await;
    let done = count(
        db,
        &format!(
            "SELECT COUNT(*) FROM webhook_inbox WHERE store_id = '{store_id}' AND status = 'done'"
        ),
    )
    .await;
    let listings = count(
        db,
        &format!("SELECT COUNT(*) FROM listings WHERE seller_id = '{seller_id}'"),
    )
    .await;
    let sales = count(
        db,
        &format!("SELECT COUNT(*) FROM sales WHERE seller_id = '{seller_id}'"),
    )
    .await;
    println!(
        "{engine:?}: {n} deliveries ({products} products, {orders} orders), {kills} kills, {} sent again; acknowledged in {:.1} s, applied in {:.1} s",
        resent.load(Ordering::Relaxed),
        burst.as_secs_f64(),
        applied.as_secs_f64()
    );
    let states = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!(
                "SELECT status, COUNT(*) AS n, MIN(last_error) AS e FROM webhook_inbox \
                 WHERE store_id = '{store_id}' GROUP BY status"
            ),
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            format!(
                "{}: {} ({})",
                r.try_get::<String>("", "status").unwrap(),
                r.try_get::<i64>("", "n").unwrap(),
                r.try_get::<Option<String>>("", "e")
                    .unwrap()
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>();
    println!("inbox: {states:?}");
    assert_eq!(inbox, n as i64, "every delivery in the inbox once");
    assert_eq!(distinct, inbox, "no delivery twice");
    assert_eq!(done, inbox, "every delivery applied, none dead");
    assert_eq!(listings, products as i64, "a listing per product");
    assert_eq!(sales, orders as i64, "a sale per order");

    // Every chain intact.
    let out = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(std::env::vars().filter(|(k, _)| k == "LD_PRELOAD" || k.starts_with("FAKETIME")))
        .env("SUYUAN_DATABASE_URL", &t.url)
        .env("SUYUAN_JWT_SECRET", JWT)
        .env("SUYUAN_SECRET_KEY", &server.key)
        .current_dir(std::env::temp_dir())
        .arg("verify")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_killed_three_times_is_stored_and_applied_exactly_once_on_sqlite() {
    crash_burst(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_killed_three_times_is_stored_and_applied_exactly_once_on_postgres() {
    crash_burst(Engine::Postgres).await;
}

/// A seller registered through the API (as an admin), and a token for it.
async fn seller_of(http: &reqwest::Client, base: &str, credit17: &str) -> (String, String) {
    let tokens = suyuan_web::auth::Tokens::new(JWT.as_bytes());
    let admin = tokens
        .mint(
            suyuan_core::tenancy::Role::Admin,
            suyuan_core::ids::AdminId::generate().as_str(),
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17)
        .unwrap()
        .to_string();
    let seller: Value = http
        .post(format!("{base}/api/v1/sellers"))
        .bearer_auth(&admin)
        .json(&json!({"name": "崩溃测试商行", "credit_code": credit, "division_code": &credit17[2..8], "seller_type": "distributor"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = seller["id"].as_str().expect("a seller").to_owned();
    let token = tokens
        .mint(
            suyuan_core::tenancy::Role::Seller,
            &id,
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    (id, token)
}

/// A CSV import of receipts killed with SIGKILL once its first rows are stored; after the
/// restart the same file is sent again (waiting while the dead import's lease runs out), goes on
/// after the last stored row, and every row is stored exactly once; a third upload is refused.
/// `SUYUAN_TEST_CRASH_IMPORT_ROWS` sets the file's rows (default 30,000).
async fn crash_import(engine: Engine) {
    let Some(t) = TestDb::new(engine).await else {
        return;
    };
    let rows: usize = std::env::var("SUYUAN_TEST_CRASH_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server {
        db_url: t.url.clone(),
        dir: tempfile::tempdir().unwrap(),
        key: SecretKey::generate().to_base64(),
        port,
        child: None,
    };
    server.start();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let (seller_id, token) = seller_of(&http, &base, "91440104MA5CRAH02").await;
    let csv = suyuan_plugin_api::import::sample_receipts_csv(rows, "KILL");
    let units = (0..rows).filter(|n| n % 4 != 3).count() as i64;
    let upload = |query: &'static str| {
        http.post(format!("{base}/api/v1/imports/receipts{query}"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
    };
    let events = format!("SELECT COUNT(*) FROM trace_events WHERE seller_id = '{seller_id}'");
    let db = &t.db;

    // Killed once its first chunk is stored.
    let first = tokio::spawn(upload(""));
    loop {
        if count(db, &events).await > 0 {
            break;
        }
        assert!(
            !first.is_finished(),
            "the import ended before it could be killed: raise SUYUAN_TEST_CRASH_IMPORT_ROWS"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    assert!(
        first.await.unwrap().is_err(),
        "the killed import answered nothing"
    );
    let stored = count(db, &events).await;
    assert!(
        stored < rows as i64,
        "{stored} of {rows} rows stored before the kill"
    );
    server.start();

    // Sent again: refused (429, Retry-After) until the dead import's lease runs out, then taken.
    let started = Instant::now();
    let report: Value = loop {
        let res = upload("").await.unwrap();
        match res.status().as_u16() {
            200 => break res.json().await.unwrap(),
            429 => {
                let wait: u64 = res.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(wait <= 30, "Retry-After {wait}");
                assert!(
                    started.elapsed() < Duration::from_secs(120),
                    "never taken over"
                );
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => panic!("{other}: {}", res.text().await.unwrap_or_default()),
        }
    };
    let waited = started.elapsed();
    println!(
        "{engine:?}: import of {rows} rows killed after {stored}; sent again, taken once the dead import's lease ran out and done {:.1} s later, resumed after row {}",
        waited.as_secs_f64(),
        report["resumed_after_row"]
    );
    assert_eq!(report["imported"], rows, "{report}");
    assert_eq!(report["imported_before"], stored, "{report}");
    assert_eq!(report["resumed_after_row"], stored + 1, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    assert!(
        report["warnings_by_reason"].get("received_twice").is_none(),
        "no unit received twice: {}",
        report["warnings_by_reason"]
    );
    assert_eq!(count(db, &events).await, rows as i64, "every row once");
    let unit_codes = |what: &str| {
        format!(
            "SELECT COUNT({what}) FROM trace_event_codes WHERE seller_id = '{seller_id}' AND serial IS NOT NULL"
        )
    };
    let codes = count(db, &unit_codes("*")).await;
    assert_eq!(count(db, &unit_codes("DISTINCT code")).await, units);
    assert_eq!(codes, units, "every unit code once");

    // Imported to its end: not again.
    let res = upload("").await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
    assert_eq!(count(db, &events).await, rows as i64);
    server.kill();

    let out = Command::new(env!("CARGO_BIN_EXE_suyuan"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(std::env::vars().filter(|(k, _)| k == "LD_PRELOAD" || k.starts_with("FAKETIME")))
        .env("SUYUAN_DATABASE_URL", &t.url)
        .env("SUYUAN_JWT_SECRET", JWT)
        .env("SUYUAN_SECRET_KEY", &server.key)
        .current_dir(std::env::temp_dir())
        .arg("verify")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "verify: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_killed_in_the_middle_adds_each_row_once_when_sent_again_on_sqlite() {
    crash_import(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_killed_in_the_middle_adds_each_row_once_when_sent_again_on_postgres() {
    crash_import(Engine::Postgres).await;
}
