//! The real `suyuan` binary killed with SIGKILL, several times, in the middle of a burst of
//! signed, unique Shopify deliveries (products and paid orders) from a client that, as the
//! marketplaces do, sends again whatever was not acknowledged (and so sometimes sends again what
//! was stored just before the kill). After the last restart: every delivery is in the inbox
//! exactly once, every one was applied exactly once (a listing per product, a sale per order,
//! nothing dead), and `suyuan verify` finds every chain intact. On SQLite and PostgreSQL.
//!
//! `SUYUAN_TEST_CRASH_DELIVERIES` sets the burst (default 20,000).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

#[path = "../../tests/src/smtp.rs"]
#[allow(dead_code)]
mod smtp;
#[path = "../../tests/src/standin.rs"]
#[allow(dead_code)]
mod standin;
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
    /// More configuration, set after the defaults (so it may override them).
    env: Vec<(String, String)>,
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
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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

impl Server {
    /// A server on a free port, a fresh key and analytics directory, and `env` on top of the
    /// defaults; not started.
    fn new(db_url: &str, env: Vec<(String, String)>) -> Server {
        Server {
            db_url: db_url.to_owned(),
            dir: tempfile::tempdir().unwrap(),
            key: SecretKey::generate().to_base64(),
            port: free_port(),
            child: None,
            env,
        }
    }

    /// `http://127.0.0.1:<port>`.
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `suyuan verify` on the server's database: every chain intact.
    fn verify(&self) {
        let out = Command::new(env!("CARGO_BIN_EXE_suyuan"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(std::env::vars().filter(|(k, _)| k == "LD_PRELOAD" || k.starts_with("FAKETIME")))
            .env("SUYUAN_DATABASE_URL", &self.db_url)
            .env("SUYUAN_JWT_SECRET", JWT)
            .env("SUYUAN_SECRET_KEY", &self.key)
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
    let mut server = Server::new(&t.url, Vec::new());
    server.start();
    let base = server.base();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    // A seller and its Shopify store, through the API.
    let (seller_id, seller_token) = seller_of(&http, &base, "91440104MA5CRAH01", "online").await;
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
    server.verify();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_killed_three_times_is_stored_and_applied_exactly_once_on_sqlite() {
    crash_burst(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_killed_three_times_is_stored_and_applied_exactly_once_on_postgres() {
    crash_burst(Engine::Postgres).await;
}

/// A bearer token for `role` and `subject`, valid an hour.
fn mint(role: suyuan_core::tenancy::Role, subject: &str) -> String {
    suyuan_web::auth::Tokens::new(JWT.as_bytes())
        .mint(role, subject, None, Duration::from_secs(3600))
        .unwrap()
}

/// A token for a new admin.
fn admin_token() -> String {
    mint(
        suyuan_core::tenancy::Role::Admin,
        suyuan_core::ids::AdminId::generate().as_str(),
    )
}

/// A seller of `seller_type` registered through the API (as an admin), and a token for it.
async fn seller_of(
    http: &reqwest::Client,
    base: &str,
    credit17: &str,
    seller_type: &str,
) -> (String, String) {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17)
        .unwrap()
        .to_string();
    let seller: Value = http
        .post(format!("{base}/api/v1/sellers"))
        .bearer_auth(admin_token())
        .json(&json!({"name": "崩溃测试商行", "credit_code": credit, "division_code": &credit17[2..8], "seller_type": seller_type}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = seller["id"].as_str().expect("a seller").to_owned();
    let token = mint(suyuan_core::tenancy::Role::Seller, &id);
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
    let mut server = Server::new(&t.url, Vec::new());
    server.start();
    let base = server.base();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let (seller_id, token) = seller_of(&http, &base, "91440104MA5CRAH02", "distributor").await;
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

    server.verify();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_killed_in_the_middle_adds_each_row_once_when_sent_again_on_sqlite() {
    crash_import(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_csv_import_killed_in_the_middle_adds_each_row_once_when_sent_again_on_postgres() {
    crash_import(Engine::Postgres).await;
}

/// A port nothing listens on yet.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills `server` when `progress()` passes a quarter, a half and three quarters of `n`, starting
/// it again each time (with `restart_env` from the first restart on); answers the kills.
async fn kill_thrice<F, Fut>(server: &mut Server, n: usize, progress: F) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut kills = 0;
    for at in [n / 4, n / 2, n * 3 / 4] {
        let waiting = Instant::now();
        while progress().await < at {
            assert!(
                waiting.elapsed() < Duration::from_secs(300),
                "no progress past {at} of {n}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill();
        kills += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.start();
    }
    kills
}

/// The mail queue killed while it sends: `SUYUAN_TEST_CRASH_MAILS` (default 300) B2B sales with
/// a buyer's contact address are made while the mail round is idle, then the server is started
/// with a round every second, every transfer due for its claim-link reminder, sending to a real
/// SMTP server (aiosmtpd), and killed three times; claims are leased for 8 s
/// (`SUYUAN_QUEUE_LEASE`), so what a killed worker held goes out again 8 s later. Afterwards
/// every e-mail has arrived, each with its own Message-ID; one the relay had taken when its
/// worker was killed may arrive twice, with the same Message-ID (at least once, never two
/// different messages), so at most one per kill; every job is sent.
async fn crash_mail(engine: Engine) {
    let Some(t) = TestDb::new(engine).await else {
        return;
    };
    let n: usize = std::env::var("SUYUAN_TEST_CRASH_MAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let smtp = smtp::SmtpServer::start().await;
    // The first round runs at start, before the sales; the next not for an hour.
    let mut server = Server::new(
        &t.url,
        vec![
            ("SUYUAN_SMTP_URL".into(), smtp.url()),
            ("SUYUAN_MAIL_INTERVAL".into(), "1h".into()),
            ("SUYUAN_QUEUE_LEASE".into(), "8s".into()),
        ],
    );
    server.start();
    let base = server.base();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let (_, token) = seller_of(&http, &base, "91440104MA5CRAH03", "distributor").await;
    let received = suyuan_plugin_api::import::sample_receipts_csv(n * 4 / 3 + 4, "MAIL");
    let res = http
        .post(format!("{base}/api/v1/imports/receipts"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(received)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let buyer = suyuan_core::credit_code::CreditCode::with_check_character("91330106MA2GXYK23")
        .unwrap()
        .to_string();
    let sold_at = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let serials: Vec<usize> = (0..).filter(|k| k % 4 != 3).take(n).collect();
    for (i, k) in serials.iter().enumerate() {
        let res = http
            .post(format!("{base}/api/v1/sales"))
            .bearer_auth(&token)
            .json(&json!({
                "category": "ebike",
                "sold_at": sold_at,
                "buyer": {"type": "distributor", "name": "杭州顺达电动车经销部", "credit_code": buyer,
                    "region": "330106", "contact_email": format!("buyer{i}@shunda.example")},
                "shipping_method": "freight",
                "tracking_number": format!("SF{i:010}"),
                "voucher_number": format!("XS-{i}"),
                "items": [{"code": format!("(01)09520001000010(21)MAIL{k}")}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    assert!(
        smtp.messages().is_empty(),
        "nothing sent before the rounds start"
    );
    // From the next start on, a round every second, and every transfer is due for its first
    // reminder: one claim-link e-mail to each buyer.
    server.env[1].1 = "1s".into();
    server
        .env
        .push(("SUYUAN_TRANSFER_REMIND_AFTER".into(), "1s".into()));
    server.kill();
    server.start();
    let recipients = || {
        let mut to: Vec<String> = smtp.messages().iter().flat_map(|m| m.rcpt_to()).collect();
        to.sort();
        to.dedup();
        to.len()
    };
    let started = Instant::now();
    let kills = kill_thrice(&mut server, n, || async { recipients() }).await;
    while recipients() < n {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{} of {n} e-mails arrived",
            recipients()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_in = started.elapsed();
    // Whatever was in flight at the kills is settled: every job sent.
    let sent = "SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'";
    while count(&t.db, sent).await < n as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "jobs not settled"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill();
    let mail = smtp.messages();
    let mut by_recipient: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for m in &mail {
        for to in m.rcpt_to() {
            by_recipient.entry(to).or_default().push(m.message_id());
        }
    }
    let twice = mail.len() - n;
    println!(
        "{engine:?}: {n} e-mails, {kills} kills: all arrived in {:.1} s, {twice} arrived twice",
        all_in.as_secs_f64()
    );
    assert_eq!(by_recipient.len(), n, "every e-mail arrived");
    for (to, ids) in &by_recipient {
        assert!(
            ids.iter().all(|id| id == &ids[0]),
            "{to} got two different messages: {ids:?}"
        );
    }
    let mut ids: Vec<String> = mail.iter().map(|m| m.message_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "one Message-ID per e-mail");
    assert!(
        twice <= kills,
        "{twice} sent twice: more than the one in flight at each of {kills} kills"
    );
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) FROM mail_outbox").await,
        n as i64
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mail_queue_killed_while_sending_delivers_every_mail_once_under_its_message_id_on_sqlite()
 {
    crash_mail(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mail_queue_killed_while_sending_delivers_every_mail_once_under_its_message_id_on_postgres()
 {
    crash_mail(Engine::Postgres).await;
}

/// The submission queue killed while it sends: `SUYUAN_TEST_CRASH_SUBMISSIONS` (default 600)
/// records (a receipt and then a sale of each of half as many units) are made with the workers
/// off, then the server is started with them on, routing everything to a stand-in EPCIS
/// platform, and killed three times (claims leased for 8 s). Afterwards the platform holds every event exactly once
/// (what was sent again came with the same idempotency key), each unit's receipt before its
/// sale, and every submission is accepted.
async fn crash_submissions(engine: Engine) {
    let Some(t) = TestDb::new(engine).await else {
        return;
    };
    let n: usize = std::env::var("SUYUAN_TEST_CRASH_SUBMISSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let units = n / 2;
    let standin = standin::StandIn::start().await;
    let mut server = Server::new(
        &t.url,
        vec![
            ("SUYUAN_WORKER".into(), "false".into()),
            ("SUYUAN_ALLOW_PRIVATE_TARGETS".into(), "true".into()),
            ("SUYUAN_QUEUE_LEASE".into(), "8s".into()),
        ],
    );
    server.start();
    let base = server.base();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let admin = admin_token();
    let platform: Value = http
        .post(format!("{base}/api/v1/platforms"))
        .bearer_auth(&admin)
        .json(&json!({"code": "national", "name": "测试追溯平台", "name_en": "Test trace platform",
            "kind": "epcis_repository", "base_url": standin.base_url(), "protocol": {"kind": "epcis"},
            "max_attempts": 20, "backoff_base_ms": 50, "backoff_max_ms": 500,
            "request_timeout_ms": 5000, "follow_max_ms": 5000}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let platform_id = platform["id"].as_str().expect("a platform").to_owned();
    let res = http
        .post(format!("{base}/api/v1/routing-rules"))
        .bearer_auth(&admin)
        .json(&json!({"platform_id": platform_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let (_, token) = seller_of(&http, &base, "91440104MA5CRAH04", "distributor").await;
    let mut receipts = String::from("category,received_at,code\n");
    let mut sales = String::from("销售日期,类别,买方类型,地区,追溯码\n");
    let received =
        suyuan_core::china_time::china_date(chrono::Utc::now() - chrono::Duration::days(3));
    let sold = suyuan_core::china_time::china_date(chrono::Utc::now() - chrono::Duration::days(1));
    for k in 0..units {
        receipts.push_str(&format!("ebike,{received},(01)09520001000010(21)SUB{k}\n"));
        sales.push_str(&format!(
            "{sold},ebike,consumer,440106,(01)09520001000010(21)SUB{k}\n"
        ));
    }
    for (kind, body) in [("receipts", receipts), ("sales", sales)] {
        let res = http
            .post(format!("{base}/api/v1/imports/{kind}"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(body)
            .send()
            .await
            .unwrap();
        let report: Value = res.json().await.unwrap();
        assert_eq!(report["imported"], units, "{kind}: {report}");
    }
    assert_eq!(
        standin.captured().len(),
        0,
        "nothing sent with the workers off"
    );
    server.env[0].1 = "true".into();
    server.kill();
    server.start();

    let started = Instant::now();
    let kills = kill_thrice(&mut server, n, || async { standin.captured().len() }).await;
    let accepted = "SELECT COUNT(*) FROM submissions WHERE status = 'accepted'";
    while count(&t.db, accepted).await < n as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "{} of {n} submissions accepted",
            count(&t.db, accepted).await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all_in = started.elapsed();
    server.kill();
    let captured = standin.captured();
    println!(
        "{engine:?}: {n} submissions, {kills} kills: all accepted in {:.1} s, {} requests to the platform",
        all_in.as_secs_f64(),
        standin.requests()
    );
    assert_eq!(
        count(&t.db, "SELECT COUNT(*) FROM submissions").await,
        n as i64,
        "one submission per record"
    );
    let mut ids: Vec<&str> = captured.iter().map(|c| c.event_id.as_str()).collect();
    assert_eq!(ids.len(), n, "every event captured once");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no event captured twice");
    // Each unit's receipt reached the platform before its sale.
    let mut first_step: std::collections::HashMap<String, String> = Default::default();
    for c in &captured {
        let epc = c.event["epcList"][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let step = c.event["bizStep"].as_str().unwrap_or_default().to_owned();
        first_step.entry(epc).or_insert(step);
    }
    assert_eq!(first_step.len(), units);
    assert!(
        first_step.values().all(|s| s.contains("receiving")),
        "a sale reached the platform before its receipt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_submission_queue_killed_while_sending_delivers_every_record_once_in_order_on_sqlite() {
    crash_submissions(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_submission_queue_killed_while_sending_delivers_every_record_once_in_order_on_postgres()
{
    crash_submissions(Engine::Postgres).await;
}
