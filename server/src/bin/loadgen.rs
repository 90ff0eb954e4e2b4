//! `suyuan-loadgen`: sends signed, unique Shopify deliveries to a running Suyuan and reports
//! throughput and latency percentiles; then the same load against `/healthz`, for comparison.
//!
//! ```sh
//! suyuan-loadgen --url http://127.0.0.1:8080 --jwt-secret "$SUYUAN_JWT_SECRET" --duration 20s --concurrency 64
//! ```
//! It registers its own seller and Shopify store through the admin API, so it needs an admin
//! token (`--admin-token`) or the service's JWT secret (`--jwt-secret`) to mint one.

#![recursion_limit = "256"]

use base64::Engine as _;
use clap::Parser;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Load generator for Suyuan's webhook receivers.
#[derive(Debug, Parser)]
#[command(name = "suyuan-loadgen", version, about)]
struct Args {
    /// Base URL of the running service.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// An admin bearer token.
    #[arg(long, env = "SUYUAN_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The service's JWT secret, to mint an admin token.
    #[arg(long, env = "SUYUAN_JWT_SECRET")]
    jwt_secret: Option<String>,
    /// How long each phase runs.
    #[arg(long, default_value = "15s")]
    duration: humantime::Duration,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Skip the `/healthz` comparison.
    #[arg(long)]
    no_healthz: bool,
    /// What the deliveries are: `products/create` (a new listing each) or `orders/paid` (a
    /// paid order of a listed e-bike, with a consumer's name, phone and address, as Shopify
    /// sends it: the worker registers a sale for each).
    #[arg(long, default_value = "products/create", value_parser = ["products/create", "orders/paid"])]
    topic: String,
    /// After the deliveries, wait (up to this long) until the worker has applied every one
    /// (`/metrics`: `inbox_processed_total`) and report how long it took.
    #[arg(long, default_value = "300s")]
    drain: humantime::Duration,
    /// Also print each phase as one JSON line (for `scripts/benchmarks.sh`).
    #[arg(long)]
    json: bool,
    /// Instead of webhooks, load these GET paths (repeatable), e.g. a badge or a trace page;
    /// needs no token.
    #[arg(long = "get")]
    get: Vec<String>,
    /// Sign in as a person first (`email:password`, through the sign-in form) and send the
    /// session cookie with every GET: the dashboards as a supervisor, a seller or an operator sees them.
    #[arg(long)]
    signin: Option<String>,
}

struct Phase {
    name: &'static str,
    ok: u64,
    failed: u64,
    elapsed: Duration,
    hist: hdrhistogram::Histogram<u64>,
}

impl Phase {
    /// One JSON line (`@json {...}`) for `scripts/benchmarks.sh`.
    fn print_json(&self, what: &str) {
        let ms = |q: f64| self.hist.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "@json {}",
            json!({"phase": self.name, "what": what, "ok": self.ok, "failed": self.failed,
                "seconds": self.elapsed.as_secs_f64(), "rps": self.rate(), "p50_ms": ms(0.5),
                "p90_ms": ms(0.9), "p99_ms": ms(0.99), "max_ms": self.hist.max() as f64 / 1000.0})
        );
    }

    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn print(&self) {
        let ms = |q: f64| self.hist.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "{:<10} {:>8} ok {:>6} failed {:>10.0} req/s   p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
            self.name,
            self.ok,
            self.failed,
            self.rate(),
            ms(0.50),
            ms(0.90),
            ms(0.99),
            self.hist.max() as f64 / 1000.0
        );
    }
}

fn product_body(id: u64, n: u64) -> String {
    json!({
        "id": id,
        "title": format!("雅迪 新国标电动自行车 48V 负载测试 #{n}"),
        "body_html": null,
        "vendor": "Yadea",
        "product_type": "Electric Bicycles",
        "handle": format!("load-{id}"),
        "status": "active",
        "tags": "电动自行车, e-bike",
        "created_at": "2026-11-25T10:00:00+08:00",
        "updated_at": "2026-11-25T10:00:00+08:00",
        "variants": [{"id": id + 1, "product_id": id, "title": "Default Title", "sku": format!("LD-{n}"), "barcode": "09520001000010"}]
    })
    .to_string()
}

/// The listed product every order buys (created by `setup`).
const ORDER_PRODUCT: u64 = 8_800_000_000_000;

/// A paid Shopify order (`orders/paid`) of one listed e-bike, with the consumer's name, phone
/// and address and the fields a real order carries (about 4 KB).
fn order_body(id: u64, n: u64) -> String {
    let now = chrono::Utc::now();
    let placed = (now - chrono::Duration::minutes(30)).to_rfc3339();
    let money = |amount: &str| json!({"shop_money": {"amount": amount, "currency_code": "CNY"}, "presentment_money": {"amount": amount, "currency_code": "CNY"}});
    let address = json!({"first_name": "小明", "last_name": "王", "name": "王小明", "address1": format!("西湖区文三路 {} 号", n % 500 + 1),
        "address2": "3 单元 502", "city": "杭州市", "province": "Zhejiang", "province_code": "ZJ", "country": "China", "country_code": "CN",
        "zip": "310012", "phone": format!("+86 138{:08}", n % 100_000_000), "company": null, "latitude": 30.27, "longitude": 120.13});
    let mut order = json!({
        "id": id, "admin_graphql_api_id": format!("gid://shopify/Order/{id}"), "name": format!("#L{n}"),
        "number": n, "order_number": 1000 + n, "token": format!("lg{id:x}"), "confirmation_number": format!("LG{n:08}"),
        "email": format!("buyer{n}@example.cn"), "contact_email": format!("buyer{n}@example.cn"), "phone": null,
        "created_at": placed, "processed_at": placed, "updated_at": now.to_rfc3339(), "closed_at": null,
        "cancelled_at": null, "cancel_reason": null, "confirmed": true, "test": false,
        "currency": "CNY", "presentment_currency": "CNY", "customer_locale": "zh-CN", "source_name": "web",
        "financial_status": "paid", "fulfillment_status": null, "buyer_accepts_marketing": false,
        "payment_gateway_names": ["alipay"], "taxes_included": true, "tax_exempt": false, "tags": "",
        "subtotal_price": "2999.00", "subtotal_price_set": money("2999.00"), "total_price": "2999.00", "total_price_set": money("2999.00"),
        "total_discounts": "0.00", "total_discounts_set": money("0.00"), "total_tax": "345.02", "total_tax_set": money("345.02"),
        "total_line_items_price": "2999.00", "total_line_items_price_set": money("2999.00"),
        "total_shipping_price_set": money("0.00"), "total_outstanding": "0.00", "total_weight": 55000
    });
    // Two macro calls: one would pass serde_json's macro recursion limit.
    let rest = json!({
        "customer": {"id": 7_000_000_000 + n, "email": format!("buyer{n}@example.cn"), "first_name": "小明", "last_name": "王",
            "phone": format!("+86 138{:08}", n % 100_000_000), "state": "enabled", "verified_email": true, "tax_exempt": false,
            "currency": "CNY", "default_address": address.clone()},
        "billing_address": address.clone(), "shipping_address": address,
        "line_items": [{"id": id + 1, "admin_graphql_api_id": format!("gid://shopify/LineItem/{}", id + 1),
            "product_id": ORDER_PRODUCT, "variant_id": ORDER_PRODUCT + 1, "title": "雅迪 新国标电动自行车 48V 负载测试",
            "name": "雅迪 新国标电动自行车 48V 负载测试 - 默认", "variant_title": "默认", "sku": "LD-ORDER", "vendor": "Yadea",
            "quantity": 1, "current_quantity": 1, "fulfillable_quantity": 1, "fulfillment_service": "manual", "fulfillment_status": null,
            "gift_card": false, "grams": 55000, "price": "2999.00", "price_set": money("2999.00"), "product_exists": true,
            "properties": [], "requires_shipping": true, "taxable": true, "total_discount": "0.00", "total_discount_set": money("0.00"),
            "tax_lines": [{"title": "VAT", "rate": 0.13, "price": "345.02", "price_set": money("345.02")}], "discount_allocations": [], "duties": []}],
        "shipping_lines": [{"id": id + 2, "title": "标准快递", "code": "standard", "price": "0.00", "price_set": money("0.00"), "source": "shopify"}],
        "refunds": [], "fulfillments": [], "note": null, "note_attributes": []
    });
    if let (Some(o), Value::Object(rest)) = (order.as_object_mut(), rest) {
        o.extend(rest);
    }
    order.to_string()
}

/// What a delivery phase sends, and how it signs it.
struct Deliveries {
    secret: String,
    topic: String,
}

impl Deliveries {
    /// Sends `body` as a Shopify delivery of `topic`, signed with the store's secret, under a
    /// new webhook id.
    async fn send(
        &self,
        client: &reqwest::Client,
        target: &str,
        topic: &str,
        body: String,
    ) -> reqwest::Result<reqwest::Response> {
        let sig = match Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()) {
            Ok(mut mac) => {
                mac.update(body.as_bytes());
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
            }
            // HMAC takes a key of any length: unreachable.
            Err(_) => String::new(),
        };
        client
            .post(target)
            .header("content-type", "application/json")
            .header("x-shopify-topic", topic)
            .header("x-shopify-hmac-sha256", sig)
            .header("x-shopify-webhook-id", format!("lg-{}", ulid::Ulid::new()))
            .header("x-shopify-shop-domain", "load-test.myshopify.com")
            .body(body)
            .send()
            .await
    }

    fn body(&self, id: u64, n: u64) -> String {
        match self.topic.as_str() {
            "orders/paid" => order_body(id, n),
            _ => product_body(id, n),
        }
    }
}

async fn admin_token(args: &Args) -> anyhow::Result<String> {
    if let Some(t) = &args.admin_token {
        return Ok(t.clone());
    }
    let secret = args
        .jwt_secret
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("give --admin-token or --jwt-secret"))?;
    let tokens = suyuan_web::auth::Tokens::new(secret.as_bytes());
    Ok(tokens.mint(
        suyuan_core::tenancy::Role::Admin,
        suyuan_core::ids::AdminId::generate().as_str(),
        None,
        Duration::from_secs(3600),
    )?)
}

fn random_credit_code() -> anyhow::Result<String> {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut body = String::from("914401");
    for _ in 0..11 {
        body.push(CHARS[rand::random_range(0..CHARS.len())] as char);
    }
    Ok(suyuan_core::credit_code::CreditCode::with_check_character(&body)?.to_string())
}

/// Registers a seller and its Shopify store: the delivery URL, the store's secret and the
/// seller's token.
async fn setup(client: &reqwest::Client, args: &Args) -> anyhow::Result<(String, String, String)> {
    let admin = admin_token(args).await?;
    let seller: Value = client
        .post(format!("{}/api/v1/sellers", args.url))
        .bearer_auth(&admin)
        .json(&json!({"name": "负载测试商户", "credit_code": random_credit_code()?, "division_code": "440104", "seller_type": "online"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token: Value = client
        .post(format!("{}/api/v1/tokens", args.url))
        .bearer_auth(&admin)
        .json(&json!({"role": "seller", "subject": seller["id"], "ttl": "2h"}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let secret = format!("loadgen-{}", ulid::Ulid::new());
    let seller_token = token["token"].as_str().unwrap_or_default().to_owned();
    let store: Value = client
        .post(format!("{}/api/v1/stores", args.url))
        .bearer_auth(&seller_token)
        .json(&json!({"platform": "shopify", "name": "load", "shop": "load-test.myshopify.com", "secret": secret}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let url = store["webhook_url"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("no webhook_url in {store}"))?;
    // Aim at the address given, whatever public URL the service advertises.
    let path = url.find("/webhooks/").map(|i| &url[i..]).unwrap_or(url);
    Ok((format!("{}{}", args.url, path), secret, seller_token))
}

async fn run_phase(
    name: &'static str,
    client: reqwest::Client,
    concurrency: usize,
    duration: Duration,
    target: Arc<String>,
    deliveries: Option<Arc<Deliveries>>,
    cookie: Option<Arc<String>>,
) -> Phase {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let target = target.clone();
        let deliveries = deliveries.clone();
        let cookie = cookie.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = new_hist();
            let (mut ok, mut failed) = (0u64, 0u64);
            let base = 9_000_000_000_000 + (worker as u64) * 100_000_000_000;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let res = match &deliveries {
                    Some(d) => {
                        d.send(&client, &target, d.topic.as_str(), d.body(base + n * 4, n))
                            .await
                    }
                    None => {
                        let mut req = client.get(target.as_str());
                        if let Some(c) = &cookie {
                            req = req.header("cookie", c.as_str());
                        }
                        req.send().await
                    }
                };
                let good = match res {
                    Ok(r) => {
                        let s = r.status().is_success();
                        let _ = r.bytes().await;
                        s
                    }
                    Err(_) => false,
                };
                let micros = u64::try_from(t0.elapsed().as_micros())
                    .unwrap_or(u64::MAX)
                    .max(1);
                let _ = hist.record(micros.min(60_000_000));
                if good { ok += 1 } else { failed += 1 }
            }
            (ok, failed, hist)
        }));
    }
    let mut phase = Phase {
        name,
        ok: 0,
        failed: 0,
        elapsed: Duration::ZERO,
        hist: new_hist(),
    };
    for t in tasks {
        if let Ok((ok, failed, hist)) = t.await {
            phase.ok += ok;
            phase.failed += failed;
            let _ = phase.hist.add(hist);
        }
    }
    phase.elapsed = started.elapsed();
    phase
}

/// Signs in through the sign-in form as `email:password` and answers the `Cookie` header of
/// the session (the form's CSRF token is the double-submitted cookie's value).
async fn sign_in(url: &str, who: &str) -> anyhow::Result<String> {
    let (email, password) = who
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("--signin takes email:password"))?;
    let csrf = format!("loadgen{}", ulid::Ulid::new());
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(format!("{url}/signin"))
        .header("cookie", format!("suyuan_csrf={csrf}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await?;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("suyuan_session="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("signing in as {email} answered {}", res.status()))?;
    Ok(format!("suyuan_session={session}"))
}

/// A latency histogram in microseconds, 1 µs to 60 s, 3 significant figures.
#[allow(clippy::expect_used)] // constant, valid bounds
fn new_hist() -> hdrhistogram::Histogram<u64> {
    hdrhistogram::Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let duration: Duration = args.duration.into();
    if !args.get.is_empty() {
        let cookie = match &args.signin {
            Some(who) => Some(Arc::new(sign_in(&args.url, who).await?)),
            None => None,
        };
        if args.json {
            let signin = args.signin.as_deref().and_then(|s| s.split(':').next());
            println!("@json {}", json!({"phase": "context", "signin": signin}));
        }
        for path in &args.get {
            let url = Arc::new(format!("{}{}", args.url, path));
            let phase = run_phase(
                "get",
                client.clone(),
                args.concurrency,
                duration,
                url,
                None,
                cookie.clone(),
            )
            .await;
            println!("GET {path}");
            phase.print();
            if args.json {
                phase.print_json(path);
            }
        }
        if !args.no_healthz {
            let url = Arc::new(format!("{}/healthz", args.url));
            run_phase(
                "healthz",
                client,
                args.concurrency,
                duration,
                url,
                None,
                None,
            )
            .await
            .print();
        }
        return Ok(());
    }
    let (target, secret, seller_token) = setup(&client, &args).await?;
    let deliveries = Arc::new(Deliveries {
        secret,
        topic: args.topic.clone(),
    });
    if args.topic == "orders/paid" {
        list_the_ordered_product(&client, &args.url, &target, &deliveries, &seller_token).await?;
    }
    println!(
        "target {target}: {} connections, {:?} per phase, {}",
        args.concurrency, duration, args.topic
    );
    let processed_before = processed(&client, &args.url).await?;
    let webhooks = run_phase(
        "webhooks",
        client.clone(),
        args.concurrency,
        duration,
        Arc::new(target),
        Some(deliveries),
        None,
    )
    .await;
    webhooks.print();
    if args.json {
        webhooks.print_json(&args.topic);
    }
    // The worker applies what arrived: how long after the last delivery it is all applied.
    let drain_started = Instant::now();
    let drain_limit: Duration = args.drain.into();
    let mut applied = processed(&client, &args.url)
        .await?
        .saturating_sub(processed_before);
    while applied < webhooks.ok && drain_started.elapsed() < drain_limit {
        tokio::time::sleep(Duration::from_millis(250)).await;
        applied = processed(&client, &args.url)
            .await?
            .saturating_sub(processed_before);
    }
    let drained = drain_started.elapsed().as_secs_f64();
    println!(
        "applied    {applied} of {} accepted deliveries, the last {drained:.1} s after the phase ended{}",
        webhooks.ok,
        if applied < webhooks.ok {
            " (gave up waiting)"
        } else {
            ""
        }
    );
    if args.json {
        println!(
            "@json {}",
            json!({"phase": "applied", "topic": args.topic, "applied": applied, "accepted": webhooks.ok, "drain_s": drained})
        );
    }
    if !args.no_healthz {
        let healthz = run_phase(
            "healthz",
            client,
            args.concurrency,
            duration,
            Arc::new(format!("{}/healthz", args.url)),
            None,
            None,
        )
        .await;
        healthz.print();
        println!(
            "webhooks / healthz throughput: {:.2}",
            webhooks.rate() / healthz.rate().max(1.0)
        );
        if args.json {
            healthz.print_json("/healthz");
        }
    }
    Ok(())
}

/// Delivers the product every order buys and waits until it is listed.
async fn list_the_ordered_product(
    client: &reqwest::Client,
    url: &str,
    target: &str,
    d: &Deliveries,
    seller_token: &str,
) -> anyhow::Result<()> {
    d.send(
        client,
        target,
        "products/create",
        product_body(ORDER_PRODUCT, 0),
    )
    .await?
    .error_for_status()?;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let listings: Value = client
            .get(format!("{url}/api/v1/listings"))
            .bearer_auth(seller_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        if listings["items"].as_array().is_some_and(|a| !a.is_empty()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A process without a worker (`SUYUAN_WORKER=off`) never lists it: the orders are still
    // taken in, which is what is measured.
    eprintln!("warning: the product the orders buy was not listed within 20 s; sending anyway");
    Ok(())
}

/// The service's count of applied deliveries (`/metrics`, every outcome).
async fn processed(client: &reqwest::Client, url: &str) -> anyhow::Result<u64> {
    let text = client
        .get(format!("{url}/metrics"))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with("suyuan_inbox_processed_total"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64)
}
