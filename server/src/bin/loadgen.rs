//! `suyuan-loadgen`: sends signed, unique Shopify deliveries to a running Suyuan and reports
//! throughput and latency percentiles; then the same load against `/healthz`, for comparison.
//!
//! ```sh
//! suyuan-loadgen --url http://127.0.0.1:8080 --jwt-secret "$SUYUAN_JWT_SECRET" --duration 20s --concurrency 64
//! ```
//! It registers its own seller and Shopify store through the admin API, so it needs an admin
//! token (`--admin-token`) or the service's JWT secret (`--jwt-secret`) to mint one.

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

async fn setup(client: &reqwest::Client, args: &Args) -> anyhow::Result<(String, String)> {
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
    let store: Value = client
        .post(format!("{}/api/v1/stores", args.url))
        .bearer_auth(token["token"].as_str().unwrap_or_default())
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
    Ok((format!("{}{}", args.url, path), secret))
}

async fn run_phase(
    name: &'static str,
    client: reqwest::Client,
    concurrency: usize,
    duration: Duration,
    target: Arc<String>,
    secret: Option<Arc<String>>,
    cookie: Option<Arc<String>>,
) -> Phase {
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let client = client.clone();
        let target = target.clone();
        let secret = secret.clone();
        let cookie = cookie.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = new_hist();
            let (mut ok, mut failed) = (0u64, 0u64);
            let base = 9_000_000_000_000 + (worker as u64) * 100_000_000_000;
            while Instant::now() < deadline {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let res = match &secret {
                    Some(secret) => {
                        let body = product_body(base + n * 2, n);
                        let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
                            Ok(m) => m,
                            Err(_) => break,
                        };
                        mac.update(body.as_bytes());
                        let sig = base64::engine::general_purpose::STANDARD
                            .encode(mac.finalize().into_bytes());
                        client
                            .post(target.as_str())
                            .header("content-type", "application/json")
                            .header("x-shopify-topic", "products/create")
                            .header("x-shopify-hmac-sha256", sig)
                            .header("x-shopify-webhook-id", format!("lg-{}", ulid::Ulid::new()))
                            .header("x-shopify-shop-domain", "load-test.myshopify.com")
                            .body(body)
                            .send()
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
    let (target, secret) = setup(&client, &args).await?;
    println!(
        "target {target}: {} connections, {:?} per phase",
        args.concurrency, duration
    );
    let webhooks = run_phase(
        "webhooks",
        client.clone(),
        args.concurrency,
        duration,
        Arc::new(target),
        Some(Arc::new(secret)),
        None,
    )
    .await;
    webhooks.print();
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
    }
    Ok(())
}
