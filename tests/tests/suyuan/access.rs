//! The access matrix: every route the service mounts (read from the handlers' route attributes in
//! the source, so a new route fails this test until it is placed in the matrix) and every path
//! of the OpenAPI document, called anonymously, as a seller, as another seller, as the operator,
//! as the Guangdong and the Zhejiang supervisor and as an admin, on the demo (both engines). The
//! samples are the Guangzhou seller's (in Guangdong): the other seller (Hangzhou) and the Zhejiang
//! supervisor are the other tenant and the other jurisdiction. API routes are called with bearer
//! tokens, pages with a signed-in session and its CSRF token.
//!
//! Each cell says whether the caller gets through (`Y`: an answer from the handler itself, a
//! 2xx, a 3xx other than to sign-in, or a 4xx about the request such as 400, 409 or 422) or is
//! kept out (`-`: 401, 403 or 404, or a page's redirect to sign-in; anonymous callers must get
//! 401 or the redirect, never a 403 or 404 that would tell a protected resource exists). No
//! cell may answer 5xx. `n` marks a caller who may call the route where the demo has no such
//! thing to act on (no dead delivery, no failed submission): it must reach the handler's own
//! 404 (`urn:suyuan:problem:not-found`), which says only that the thing is not there.
//!
//! Beside the matrix: tokens signed by hand with one flaw each (`alg: none`, another algorithm,
//! a wrong key, audience or issuer, expired or without expiry, an unknown role or subject) are
//! refused with a 401 problem, and a deleted seller's well-made token opens nothing.

use super::marketplace::{connect, deliver_shopify, eventually};
use super::records::{ebike_product, shopify_order};
use super::transfers::{Jar, a_receives, a_ships_to_b, csrf_in, no_redirects, token_of};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use suyuan_core::accounts::{Email, hash_password};
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::SupervisorId;
use suyuan_core::tenancy::{Principal, Role};
use suyuan_tests::{DemoApp, Engine, spawn_demo_app_with};

/// The callers, in the order of a matrix row's cells.
const CALLERS: [&str; 7] = [
    "anonymous",
    "seller",
    "other seller",
    "operator",
    "supervisor",
    "other supervisor",
    "admin",
];

/// Every route: method, full path as mounted, who gets through (one cell per [`CALLERS`]).
/// Rows run in this order; the ones that change or end what later rows need come last.
const MATRIX: &[(&str, &str, &str)] = &[
    // Health, metrics, the API description, the catalogue: anyone.
    ("GET", "/healthz", "YYYYYYY"),
    ("GET", "/readyz", "YYYYYYY"),
    ("GET", "/metrics", "YYYYYYY"),
    ("GET", "/api/v1/openapi.json", "YYYYYYY"),
    ("GET", "/api/v1/catalogue", "YYYYYYY"),
    // Webhooks: only the store, by its signature (none here).
    ("POST", "/webhooks/{platform}/{store_id}", "-------"),
    // Sellers and people: admins register; a seller sees itself, a supervisor its own.
    ("POST", "/api/v1/sellers", "------Y"),
    ("GET", "/api/v1/sellers", "----YYY"),
    ("GET", "/api/v1/sellers/{id}", "-Y--Y-Y"),
    ("GET", "/api/v1/me", "-YYYYYY"),
    ("POST", "/api/v1/sellers/{id}/verify", "----Y-Y"),
    ("POST", "/api/v1/operators", "------Y"),
    ("POST", "/api/v1/supervisors", "------Y"),
    ("POST", "/api/v1/tokens", "------Y"),
    ("POST", "/api/v1/accounts/invitations", "------Y"),
    // A seller's records: its own only.
    ("GET", "/api/v1/events", "-YY-YYY"),
    ("GET", "/api/v1/events/epcis", "-YY-YYY"),
    ("POST", "/api/v1/events/{id}/corrections", "-Y-----"),
    ("GET", "/api/v1/stores", "-YY----"),
    ("POST", "/api/v1/stores", "-YY----"),
    ("GET", "/api/v1/stores/{id}", "-Y-----"),
    ("POST", "/api/v1/stores/{id}/domain", "-Y-----"),
    ("POST", "/api/v1/stores/{id}/domain/check", "-Y-----"),
    ("GET", "/api/v1/deliveries/dead", "-YY----"),
    ("POST", "/api/v1/deliveries/{id}/replay", "-nn----"),
    ("GET", "/api/v1/listings", "-YY----"),
    ("GET", "/api/v1/listings/{id}", "-Y-----"),
    ("PATCH", "/api/v1/listings/{id}", "-Y-----"),
    ("POST", "/api/v1/listings/{id}/codes", "-Y-----"),
    ("GET", "/api/v1/sales", "-YY----"),
    ("POST", "/api/v1/sales", "-YY----"),
    ("GET", "/api/v1/sales/{id}", "-Y-----"),
    ("POST", "/api/v1/sales/{id}/units", "-Y-----"),
    ("POST", "/api/v1/receipts", "-YY----"),
    ("GET", "/api/v1/stock", "-YY----"),
    ("POST", "/api/v1/imports/{kind}", "-YY----"),
    ("GET", "/api/v1/transfers", "-YY----"),
    ("GET", "/api/v1/transfers/incoming", "-YY----"),
    ("GET", "/api/v1/transfers/{id}", "-YY----"),
    ("GET", "/api/v1/flags", "-YY-YYY"),
    // Trace platforms: admins keep the registry; sellers list it and keep their credentials.
    ("GET", "/api/v1/platforms", "-YY---Y"),
    ("POST", "/api/v1/platforms", "------Y"),
    ("GET", "/api/v1/platforms/{id}", "-YY---Y"),
    ("PATCH", "/api/v1/platforms/{id}", "------Y"),
    ("GET", "/api/v1/platform-kinds", "-YYYYYY"),
    ("PUT", "/api/v1/platforms/{id}/credentials", "-YY----"),
    ("DELETE", "/api/v1/platforms/{id}/credentials", "-YY----"),
    ("GET", "/api/v1/routing-rules", "------Y"),
    ("POST", "/api/v1/routing-rules", "------Y"),
    ("POST", "/api/v1/platforms/{id}/backfill", "------Y"),
    ("POST", "/api/v1/platforms/{id}/replay", "-YY---Y"),
    ("GET", "/api/v1/submissions", "-YY---Y"),
    ("GET", "/api/v1/events/{id}/submissions", "-Y----Y"),
    ("POST", "/api/v1/submissions/{id}/replay", "-n----n"),
    // The operator's API.
    (
        "GET",
        "/api/v1/operator/listings/{platform}/{external_id}",
        "---Y---",
    ),
    ("GET", "/api/v1/operator/subscriptions", "---Y---"),
    ("POST", "/api/v1/operator/subscriptions", "---Y---"),
    // Recalls: anyone reads them; supervisors and admins issue; the recall's own supervisor
    // (or an admin) changes it.
    ("GET", "/api/v1/recalls", "YYYYYYY"),
    ("POST", "/api/v1/recalls", "----YYY"),
    ("GET", "/api/v1/recalls/flow", "----YYY"),
    ("PATCH", "/api/v1/recalls/{id}", "----Y-Y"),
    ("GET", "/api/v1/recalls/{id}/history", "YYYYYYY"),
    // Supervision results: a seller its own, a supervisor its jurisdiction, admins all.
    ("GET", "/api/v1/analytics/scores", "-YY-YYY"),
    ("GET", "/api/v1/analytics/timeliness", "-YY-YYY"),
    ("GET", "/api/v1/analytics/overdue", "-YY-YYY"),
    ("GET", "/api/v1/analytics/alerts", "-YY-YYY"),
    ("GET", "/api/v1/analytics/alerts/{id}", "-Y--Y-Y"),
    ("POST", "/api/v1/analytics/alerts/{id}/comments", "-Y--Y-Y"),
    (
        "POST",
        "/api/v1/analytics/alerts/{id}/acknowledge",
        "-Y--Y-Y",
    ),
    // Badges, the embed script, the trace pages and the resolver: anyone.
    ("GET", "/badge/listing/{file}", "YYYYYYY"),
    ("GET", "/badge/code/{file}", "YYYYYYY"),
    ("GET", "/embed.js", "YYYYYYY"),
    ("GET", "/embed/listing/{id}", "YYYYYYY"),
    ("GET", "/", "YYYYYYY"),
    ("GET", "/assets/dash.css", "YYYYYYY"),
    ("GET", "/assets/trace.css", "YYYYYYY"),
    ("GET", "/assets/app.css", "YYYYYYY"),
    ("GET", "/assets/scan.js", "YYYYYYY"),
    ("GET", "/t/{code}", "YYYYYYY"),
    ("GET", "/01/{gtin}", "YYYYYYY"),
    ("GET", "/01/{gtin}/10/{batch}", "YYYYYYY"),
    ("GET", "/01/{gtin}/21/{serial}", "YYYYYYY"),
    ("GET", "/01/{gtin}/10/{batch}/21/{serial}", "YYYYYYY"),
    ("GET", "/l/{id}", "YYYYYYY"),
    // Sign-in and its links: anyone; API tokens from a signed-in page: people.
    ("GET", "/signin", "YYYYYYY"),
    ("POST", "/signin", "YYYYYYY"),
    ("POST", "/signin/magic-link", "YYYYYYY"),
    ("GET", "/signin/link", "YYYYYYY"),
    ("POST", "/signin/link", "YYYYYYY"),
    ("GET", "/signin/set-password", "YYYYYYY"),
    ("POST", "/signin/set-password", "YYYYYYY"),
    ("GET", "/account/tokens", "-YYYYYY"),
    ("POST", "/account/tokens", "-YYYYYY"),
    ("GET", "/app/signin", "YYYYYYY"),
    ("POST", "/app/signin", "YYYYYYY"),
    ("GET", "/mail/unsubscribe", "YYYYYYY"),
    ("POST", "/mail/unsubscribe", "YYYYYYY"),
    // The phone pages: sellers.
    ("GET", "/app/receive", "-YY----"),
    ("POST", "/app/receive", "-YY----"),
    ("GET", "/app/sell", "-YY----"),
    ("POST", "/app/sell", "-YY----"),
    ("GET", "/app/scan", "-YY----"),
    ("POST", "/app/scan/check", "-YY----"),
    ("POST", "/app/scan", "-YY----"),
    ("GET", "/app/transfers", "-YY----"),
    // The dashboards.
    ("GET", "/seller", "-YY----"),
    ("GET", "/operator", "---Y---"),
    ("GET", "/supervise", "----YYY"),
    ("GET", "/supervise/sellers", "----YYY"),
    ("GET", "/supervise/sellers/{id}", "----Y-Y"),
    ("GET", "/supervise/alerts", "----YYY"),
    ("POST", "/supervise/alerts/{id}/comment", "----Y-Y"),
    ("POST", "/supervise/alerts/{id}/acknowledge", "----Y-Y"),
    ("GET", "/supervise/recall", "----YYY"),
    ("GET", "/supervise/recall/export.{format}", "----YYY"),
    // Claim pages: whoever holds the link.
    ("GET", "/claim/{token}", "Y-YYYYY"),
    ("GET", "/claim/{token}/qr.svg", "YYYYYYY"),
    ("GET", "/claim/{token}/qr.png", "YYYYYYY"),
    ("POST", "/claim/{token}/signup", "Y-YYYYY"),
    ("POST", "/claim/{token}", "--Y----"),
    // What changes or ends what the rows above need.
    ("POST", "/api/v1/transfers/claim/{token}", "-YY----"),
    ("POST", "/api/v1/transfers/{id}/cancel", "-Y-----"),
    ("POST", "/api/v1/analytics/alerts/{id}/resolve", "-Y--Y-Y"),
    ("POST", "/supervise/alerts/{id}/resolve", "----Y-Y"),
    ("POST", "/api/v1/recalls/{id}/withdraw", "----Y-Y"),
    ("DELETE", "/api/v1/operator/subscriptions/{id}", "---Y---"),
    ("DELETE", "/api/v1/routing-rules/{id}", "------Y"),
    ("POST", "/api/v1/stores/{id}/secret", "-Y-----"),
    ("POST", "/api/v1/stores/{id}/disable", "-Y-----"),
    ("POST", "/api/v1/stores/{id}/enable", "-Y-----"),
    ("DELETE", "/api/v1/stores/{id}", "-Y-----"),
    ("POST", "/api/v1/sellers/{id}/reject", "----Y-Y"),
    ("POST", "/api/v1/sellers/{id}/revoke-tokens", "------Y"),
    ("DELETE", "/api/v1/sellers/{id}", "------Y"),
    ("POST", "/api/v1/accounts/{id}/sessions/revoke", "------Y"),
    ("POST", "/signout", "YYYYYYY"),
    ("POST", "/app/signout", "YYYYYYY"),
];

/// The route attributes (`#[get("…")]`…) of the crates that mount routes, with the scope each
/// file's routes are mounted under: (METHOD, full path).
fn mounted_routes() -> BTreeSet<(String, String)> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut out = BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["plugin-api/src", "dashboards/src", "server/src", "web/src"] {
        collect_rs(&std::path::Path::new(root).join(dir), &mut files);
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = file.strip_prefix(root).unwrap().display().to_string();
        let rel = rel.trim_start_matches('/');
        // The API's scope: the routes of `plugin-api/src/routes` (but health) and the
        // description.
        let scoped = (rel.starts_with("plugin-api/src/routes/")
            && rel != "plugin-api/src/routes/health.rs")
            || rel == "plugin-api/src/openapi.rs";
        for line in text.lines() {
            let line = line.trim();
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                    let path = rest.split('"').next().unwrap();
                    let full = if scoped {
                        format!("/api/v1{path}")
                    } else {
                        path.to_owned()
                    };
                    out.insert((method.to_uppercase(), full));
                }
            }
            assert!(
                !line.starts_with("#[route("),
                "{rel}: a #[route] attribute: list its methods here"
            );
        }
    }
    out
}

fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_mounted_route_and_documented_path_is_in_the_matrix_once() {
    let mut seen = BTreeSet::new();
    for (method, path, cells) in MATRIX {
        assert_eq!(cells.len(), CALLERS.len(), "{method} {path}");
        assert!(cells.chars().all(|c| c == 'Y' || c == '-' || c == 'n'));
        assert!(
            seen.insert((method.to_string(), path.to_string())),
            "{method} {path} twice"
        );
    }
    let mounted = mounted_routes();
    assert!(
        mounted.len() > 100,
        "the scan found the routes: {mounted:?}"
    );
    let missing: Vec<_> = mounted.difference(&seen).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the access matrix (add one, saying who may call them): {missing:?}"
    );
    let stale: Vec<_> = seen.difference(&mounted).collect();
    assert!(
        stale.is_empty(),
        "rows of the access matrix for no route: {stale:?}"
    );
    // The OpenAPI document names only routes of the matrix.
    let doc = suyuan_plugin_api::openapi::api_doc();
    let doc: Value = serde_json::to_value(&doc).unwrap();
    let mut documented = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let key = (method.to_uppercase(), path.clone());
            assert!(
                seen.contains(&key),
                "{key:?} is documented but has no row in the matrix"
            );
            documented += 1;
        }
    }
    assert!(documented > 60, "{documented} documented operations");
}

/// One caller: a bearer token for the API and a signed-in session (with its CSRF token) for
/// pages; anonymous has neither.
struct Caller {
    token: Option<String>,
    jar: Jar,
    csrf: String,
}

/// The ids the matrix's paths are filled with: the Guangzhou seller's where a seller owns it.
struct Samples(BTreeMap<&'static str, String>);

impl Samples {
    fn path(&self, method: &str, template: &str) -> String {
        let v = |k: &str| {
            self.0
                .get(k)
                .unwrap_or_else(|| panic!("no sample {k}"))
                .clone()
        };
        let id = |t: &str| -> String {
            let key = if t.starts_with("/api/v1/sellers/") {
                // What would end the seller of every other row acts on the spare seller.
                if t.ends_with("/reject") || t.ends_with("/revoke-tokens") || method == "DELETE" {
                    "spare_seller"
                } else {
                    "seller"
                }
            } else if t.starts_with("/supervise/sellers/") {
                "seller"
            } else if t.starts_with("/api/v1/events/") {
                "event"
            } else if t.starts_with("/api/v1/stores/") {
                "store"
            } else if t.starts_with("/api/v1/deliveries/") {
                "delivery"
            } else if t.starts_with("/api/v1/listings/")
                || t.starts_with("/l/")
                || t.starts_with("/embed/listing/")
            {
                "listing"
            } else if t.starts_with("/api/v1/sales/") {
                "sale"
            } else if t.starts_with("/api/v1/transfers/") {
                "transfer"
            } else if t.starts_with("/api/v1/platforms/") {
                "platform"
            } else if t.starts_with("/api/v1/routing-rules/") {
                "rule"
            } else if t.starts_with("/api/v1/submissions/") {
                "submission"
            } else if t.starts_with("/api/v1/operator/subscriptions/") {
                "subscription"
            } else if t.starts_with("/api/v1/recalls/") {
                "recall"
            } else if t.starts_with("/api/v1/analytics/alerts/") {
                "alert"
            } else if t.starts_with("/supervise/alerts/") {
                "alert_number"
            } else if t.starts_with("/api/v1/accounts/") {
                "spare_account"
            } else {
                panic!("no sample id for {t}")
            };
            v(key)
        };
        let mut out = template.to_owned();
        let fills: [(&str, String); 12] = [
            ("{store_id}", v("store")),
            ("{platform}/{store_id}", String::new()),
            ("{kind}", "receipts".into()),
            ("{token}", v("claim_token")),
            ("{file}", String::new()),
            ("{code}", v("code")),
            ("{gtin}", v("gtin")),
            ("{batch}", v("batch")),
            ("{serial}", v("serial")),
            ("{format}", "csv".into()),
            ("{external_id}", v("external_id")),
            ("{platform}", v("shop_platform")),
        ];
        if out.starts_with("/webhooks/") {
            out = format!("/webhooks/{}/{}", v("shop_platform"), v("store"));
        }
        if out == "/badge/listing/{file}" {
            out = format!("/badge/listing/{}.svg", v("listing"));
        }
        if out == "/badge/code/{file}" {
            out = format!("/badge/code/{}.svg", v("code_url"));
        }
        for (k, val) in fills {
            if k.contains('/') || k == "{file}" {
                continue;
            }
            out = out.replace(k, &val);
        }
        if out.contains("{id}") {
            out = out.replace("{id}", &id(template));
        }
        // Query strings the pages and lists need to do anything.
        match template {
            "/api/v1/recalls/flow" | "/supervise/recall" => {
                out.push_str(&format!("?gtin={}", v("gtin")));
            }
            "/supervise/recall/export.{format}" => out.push_str(&format!("?gtin={}", v("gtin"))),
            _ => {}
        }
        out
    }
}

/// A body the route reads (so that a caller who may call it gets past the parsing to the
/// check of whose the thing is); `{}` where every field may be left out or a 422 is the point.
fn body_for(template: &str, samples: &Samples) -> Value {
    match template {
        "/api/v1/events/{id}/corrections" => {
            json!({"reason": "访问矩阵", "changes": {"trackingNumber": "SF0000000001"}})
        }
        // The category it has (a listing patched to none needs no code and shows no badge).
        "/api/v1/listings/{id}" => json!({"category": samples.0["listing_category"]}),
        "/api/v1/stores/{id}/domain" => json!({"domain": "matrix.example.cn"}),
        "/api/v1/listings/{id}/codes" => json!({"codes": [super::transfers::ebike("ACL2")]}),
        "/api/v1/sales/{id}/units" => {
            json!({"line_id": 1, "codes": [super::transfers::ebike("ACL2")]})
        }
        "/api/v1/analytics/alerts/{id}/comments" => json!({"note": "访问矩阵"}),
        "/api/v1/recalls/{id}/withdraw" => json!({"reason": "访问矩阵"}),
        "/api/v1/platforms/{id}/credentials" => json!({"value": "Bearer matrix"}),
        "/api/v1/transfers/{id}/cancel" => json!({"reason": "访问矩阵"}),
        "/api/v1/routing-rules" => json!({"platform_id": samples.0["platform"]}),
        _ => json!({}),
    }
}

/// What one call answered, as a matrix cell: `Y`, `-`, `n`, or a failure to report.
fn cell(
    template: &str,
    status: StatusCode,
    location: &str,
    body: &str,
    anonymous: bool,
) -> Result<char, String> {
    if status.is_server_error() {
        return Err(format!("{status}"));
    }
    // Sign-in answers wrong credentials with 401, and sign-out (and the old sign-in page)
    // send everyone to sign-in: their own answers, not a refusal.
    if matches!(
        template,
        "/signin" | "/app/signin" | "/signout" | "/app/signout"
    ) {
        return Ok('Y');
    }
    if status == StatusCode::NOT_FOUND
        && body.contains("urn:suyuan:problem:not-found")
        && !anonymous
    {
        // Absent or not the caller's: the matrix tells which it expects.
        return Ok('?');
    }
    let to_signin = status.is_redirection()
        && (location.starts_with("/signin") || location.starts_with("/app/signin"));
    let kept_out = to_signin
        || matches!(
            status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        );
    if anonymous && kept_out && !(to_signin || status == StatusCode::UNAUTHORIZED) {
        return Ok('!');
    }
    Ok(if kept_out { '-' } else { 'Y' })
}

async fn sign_in(d: &DemoApp, email: &str, password: &str) -> (Jar, String) {
    let app = &d.app;
    let mut jar = Jar(BTreeMap::new());
    let res = no_redirects()
        .get(format!("{}/signin", app.address))
        .send()
        .await
        .unwrap();
    jar.keep(&res);
    let csrf = csrf_in(&res.text().await.unwrap());
    let res = no_redirects()
        .post(format!("{}/signin", app.address))
        .header("cookie", jar.header())
        .header("origin", app.address.as_str())
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{email} signs in");
    jar.keep(&res);
    // The session's CSRF token, from a page every signed-in person may open.
    let res = no_redirects()
        .get(format!("{}/account/tokens", app.address))
        .header("cookie", jar.header())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{email}");
    let csrf = csrf_in(&res.text().await.unwrap());
    (jar, csrf)
}

async fn get_json(d: &DemoApp, token: &str, path: &str) -> Value {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", d.app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

fn first_id(v: &Value, path: &str) -> String {
    let list = v
        .as_array()
        .or_else(|| v["items"].as_array())
        .or_else(|| v["data"].as_array())
        .unwrap_or_else(|| panic!("{path}: a list: {v}"));
    let id = &list.first().unwrap_or_else(|| panic!("{path}: empty"))["id"];
    id.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| id.to_string())
}

async fn run_matrix(engine: Engine) {
    let Some(d) = spawn_demo_app_with(
        engine,
        &[
            ("SUYUAN_RATE_PAGES", "off"),
            ("SUYUAN_RATE_API", "off"),
            ("SUYUAN_RATE_WEBHOOKS", "off"),
        ],
    )
    .await
    else {
        return;
    };
    let app = &d.app;
    let parties = &d.prepared.parties;
    let mint = |role: Role, subject: &str, jurisdiction: Option<&str>| {
        app.tokens
            .mint(
                role,
                subject,
                jurisdiction,
                std::time::Duration::from_secs(3600),
            )
            .unwrap()
    };
    let seller = mint(Role::Seller, parties.seller_gz.as_str(), None);
    let other = mint(Role::Seller, parties.seller_hz.as_str(), None);
    let operator = mint(Role::Operator, &parties.operator_id, None);
    let gd = mint(Role::Supervisor, &parties.supervisor_id, Some("44"));
    let zj = mint(
        Role::Supervisor,
        SupervisorId::generate().as_str(),
        Some("33"),
    );
    let admin = app.admin_token();

    // What the rows act on: the Guangzhou seller's records, a transfer to the Hangzhou
    // seller with its claim link, a platform and a rule, a recall in Guangdong, an operator's
    // subscription, a spare seller and a spare account to end.
    a_receives(app, &seller, &["ACL1", "ACL2"]).await;
    let shipped = a_ships_to_b(app, &seller, &["ACL1"], None).await;
    let claim_token = token_of(&shipped);
    let mut s = BTreeMap::new();
    s.insert("seller", parties.seller_gz.to_string());
    s.insert("claim_token", claim_token);
    s.insert(
        "transfer",
        shipped["transfer"]["id"].as_str().unwrap().to_owned(),
    );
    // A Shopify store of the Guangzhou seller's with an e-bike listing and a paid order.
    let store = connect(
        app,
        &seller,
        json!({"platform": "shopify", "name": "矩阵店", "shop": "matrix.myshopify.com", "secret": "k"}),
    )
    .await;
    let res = deliver_shopify(
        app,
        &store,
        "k",
        "products/create",
        "m-p1",
        &ebike_product(700, Some("matrix-bike")),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let order = shopify_order(7001, 700, "paid", chrono::Duration::hours(2));
    let res = deliver_shopify(app, &store, "k", "orders/paid", "m-o1", &order).await;
    assert_eq!(res.status(), StatusCode::OK);
    let sales = eventually(app, &seller, "/api/v1/sales", |s| {
        s["items"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    s.insert("sale", first_id(&sales, "/api/v1/sales"));
    // A listing with a trace code (the demo's), for the badges, the embed page and the operator.
    let listings = get_json(&d, &seller, "/api/v1/listings?limit=500").await;
    let listing = listings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| {
            x["category"].is_string() && x["platform"] == "shopify" && x["status"] == "active"
        })
        .expect("a traced demo listing")
        .clone();
    s.insert("listing", listing["id"].as_str().unwrap().to_owned());
    s.insert(
        "listing_category",
        listing["category"].as_str().unwrap().to_owned(),
    );
    s.insert(
        "external_id",
        listing["external_id"].as_str().unwrap().to_owned(),
    );
    s.insert("store", store["id"].as_str().unwrap().to_owned());
    s.insert("shop_platform", "shopify".into());
    let events = get_json(&d, &seller, "/api/v1/events").await;
    s.insert("event", first_id(&events, "/api/v1/events"));
    // A unit the Guangzhou seller holds, and a batch of the demo's helmets.
    let unit = super::transfers::ebike("ACL2");
    s.insert("code_url", urlencode(&unit));
    s.insert("code", urlencode(&unit));
    s.insert(
        "gtin",
        suyuan_core::codes::Gtin::with_check_digit("952000200001")
            .unwrap()
            .to_string(),
    );
    s.insert("batch", "H2511A".into());
    s.insert("serial", "ACL2".into());
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/platforms", app.address))
        .bearer_auth(&admin)
        .json(&json!({"code": "access-matrix", "name": "访问矩阵平台", "name_en": "Access matrix", "kind": "other", "base_url": "http://127.0.0.1:9/epcis", "protocol": {"kind": "epcis"}}))
        .send()
        .await
        .unwrap();
    let platforms = get_json(&d, &admin, "/api/v1/platforms").await;
    assert!(
        res.status().is_success() || !platforms.as_array().unwrap().is_empty(),
        "a platform: {}",
        res.text().await.unwrap()
    );
    s.insert("platform", first_id(&platforms, "/api/v1/platforms"));
    let rule: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/routing-rules", app.address))
        .bearer_auth(&admin)
        .json(&json!({"platform_id": s["platform"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    s.insert("rule", rule["id"].to_string().trim_matches('"').to_owned());
    let submissions = get_json(&d, &seller, "/api/v1/submissions").await;
    s.insert(
        "submission",
        submissions
            .as_array()
            .or_else(|| submissions["items"].as_array())
            .and_then(|r| r.first())
            .map(|r| r["id"].to_string().trim_matches('"').to_owned())
            .unwrap_or_else(|| "999999".into()),
    );
    s.insert("delivery", "999999".into());
    let recalls = get_json(&d, &admin, "/api/v1/recalls").await;
    let recall = match recalls.as_array().and_then(|r| r.first()) {
        Some(r) => r["id"].to_string().trim_matches('"').to_owned(),
        None => {
            let res = reqwest::Client::new()
                .post(format!("{}/api/v1/recalls", app.address))
                .bearer_auth(&gd)
                .json(&json!({"gtin": s["gtin"], "reason_zh": "访问矩阵"}))
                .send()
                .await
                .unwrap();
            let v: Value = res.json().await.unwrap();
            v["id"].to_string().trim_matches('"').to_owned()
        }
    };
    s.insert("recall", recall);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/operator/subscriptions", app.address))
        .bearer_auth(&operator)
        .json(&json!({"url": "http://127.0.0.1:9/hook"}))
        .send()
        .await
        .unwrap();
    let sub: Value = res.json().await.unwrap();
    s.insert(
        "subscription",
        sub["id"].to_string().trim_matches('"').to_owned(),
    );
    let alerts = get_json(&d, &seller, "/api/v1/analytics/alerts").await;
    s.insert(
        "alert",
        alerts
            .as_array()
            .or_else(|| alerts["items"].as_array())
            .and_then(|r| r.first())
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .expect("the demo's run raised an alert for the Guangzhou seller"),
    );
    // The pages name an alert by its number.
    let number = s["alert"].trim_start_matches("alr_").to_owned();
    s.insert("alert_number", number);
    let credit = suyuan_core::credit_code::CreditCode::with_check_character("91440106MA5XPARE1")
        .unwrap()
        .to_string();
    let spare = super::api::create_seller(app, &admin, "备用商行", &credit, "440106").await;
    s.insert("spare_seller", spare["id"].as_str().unwrap().to_owned());
    let spare_account = suyuan_store::accounts::create(
        &app.db.db,
        &Email::parse("spare@access.test").unwrap(),
        &Principal::Supervisor {
            id: SupervisorId::generate(),
            jurisdiction: Jurisdiction::parse("44").unwrap(),
        },
        Some(hash_password("a spare password").unwrap()),
        Utc::now(),
    )
    .await
    .unwrap();
    s.insert("spare_account", spare_account.id);
    let samples = Samples(s);

    // The callers' sessions: the demo's people, and an account for the Hangzhou seller.
    suyuan_store::accounts::create(
        &app.db.db,
        &Email::parse("hz@access.test").unwrap(),
        &Principal::Seller(parties.seller_hz.clone()),
        Some(hash_password("hangzhou password").unwrap()),
        Utc::now(),
    )
    .await
    .unwrap();
    let anon_jar = {
        let mut jar = Jar(BTreeMap::new());
        let res = no_redirects()
            .get(format!("{}/signin", app.address))
            .send()
            .await
            .unwrap();
        jar.keep(&res);
        let csrf = csrf_in(&res.text().await.unwrap());
        (jar, csrf)
    };
    let people = [
        ("seller@demo.suyuan.cn", "demo-seller-2026"),
        ("hz@access.test", "hangzhou password"),
        ("operator@demo.suyuan.cn", "demo-operator-2026"),
        ("gd.supervisor@demo.suyuan.cn", "demo-guangdong-44"),
        ("zj.supervisor@demo.suyuan.cn", "demo-zhejiang-33"),
        ("admin@demo.suyuan.cn", "demo-admin-2026"),
    ];
    let mut callers = vec![Caller {
        token: None,
        jar: anon_jar.0,
        csrf: anon_jar.1,
    }];
    for ((email, password), token) in
        people
            .iter()
            .zip([seller, other, operator, gd, zj, admin.clone()])
    {
        let (jar, csrf) = sign_in(&d, email, password).await;
        callers.push(Caller {
            token: Some(token),
            jar,
            csrf,
        });
    }

    let client = no_redirects();
    let mut wrong = Vec::new();
    for (method, template, cells) in MATRIX {
        let path = samples.path(method, template);
        let api = path.starts_with("/api/") || path.starts_with("/webhooks/");
        let expected: Vec<char> = cells.chars().collect();
        // Those kept out first, so a call that changes something comes after every refusal.
        let mut order: Vec<usize> = (0..CALLERS.len()).collect();
        order.sort_by_key(|i| expected[*i] == 'Y');
        for i in order {
            let c = &callers[i];
            let url = format!("{}{path}", app.address);
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let mut req = client.request(m, &url);
            if api {
                if let Some(t) = &c.token {
                    req = req.bearer_auth(t);
                }
                if *method != "GET" && *method != "DELETE" {
                    req = req.json(&body_for(template, &samples));
                }
            } else if *template == "/app/scan/check" {
                req = req
                    .header("cookie", c.jar.header())
                    .header("origin", app.address.as_str())
                    .header("x-csrf-token", c.csrf.as_str())
                    .json(&json!({"code": super::transfers::ebike("ACL2")}));
            } else {
                req = req
                    .header("cookie", c.jar.header())
                    .header("origin", app.address.as_str());
                if *method == "POST" {
                    req = req.form(&[("csrf", c.csrf.as_str()), ("note", "访问矩阵")]);
                }
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let location = location
                .strip_prefix(&app.address)
                .unwrap_or(&location)
                .to_owned();
            let body = res.text().await.unwrap_or_default();
            let got = match cell(template, status, &location, &body, i == 0) {
                Ok(g) => g,
                Err(e) => {
                    wrong.push(format!(
                        "{method} {path} as {}: {e}: {}",
                        CALLERS[i],
                        body.chars().take(200).collect::<String>()
                    ));
                    continue;
                }
            };
            // A not-found problem is right for one kept out and for an absent sample.
            let got = match (got, expected[i]) {
                ('?', 'n') => 'n',
                ('?', _) => '-',
                (g, _) => g,
            };
            if got != expected[i] {
                wrong.push(format!(
                    "{method} {path} as {}: expected {}, got {status} {location} {}",
                    CALLERS[i],
                    if expected[i] == 'Y' {
                        "through"
                    } else {
                        "kept out"
                    },
                    body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cells of the access matrix disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_caller_as_the_matrix_says_on_sqlite() {
    run_matrix(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_caller_as_the_matrix_says_on_postgres() {
    run_matrix(Engine::Postgres).await;
}

/// A token signed here by hand: `header` and `claims` as given, HS256 over them with `key`
/// (or no signature at all for `alg: none`).
fn forge(header: &Value, claims: &Value, key: Option<&[u8]>) -> String {
    use base64::Engine as _;
    use hmac::Mac as _;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let signing = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = match key {
        Some(key) => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
            mac.update(signing.as_bytes());
            b64(&mac.finalize().into_bytes())
        }
        None => String::new(),
    };
    format!("{signing}.{signature}")
}

async fn forged_tokens_of(engine: Engine) {
    let Some(d) = spawn_demo_app_with(engine, &[("SUYUAN_RATE_API", "off")]).await else {
        return;
    };
    let app = &d.app;
    let seller = d.prepared.parties.seller_gz.to_string();
    let now = Utc::now().timestamp();
    let claims = |f: &dyn Fn(&mut Value)| {
        let mut c = json!({
            "iss": "suyuan", "aud": "suyuan-api", "sub": seller, "role": "seller",
            "iat": now, "exp": now + 3600, "jti": "01JMATRIXJTI0000000000000"
        });
        f(&mut c);
        c
    };
    let hs256 = json!({"alg": "HS256", "typ": "JWT"});
    let key = suyuan_tests::TEST_JWT_SECRET.as_bytes();
    let call = |token: String| async move {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/listings", app.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let kind = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, kind)
    };
    // The harness signs what the service accepts...
    let (status, _) = call(forge(&hs256, &claims(&|_| {}), Some(key))).await;
    assert_eq!(status, StatusCode::OK, "a well-made token passes");
    // ...and each flaw on its own is refused with a problem.
    let cases: Vec<(&str, String)> = vec![
        (
            "alg none",
            forge(
                &json!({"alg": "none", "typ": "JWT"}),
                &claims(&|_| {}),
                None,
            ),
        ),
        ("alg none with the real signature", {
            let good = forge(&hs256, &claims(&|_| {}), Some(key));
            let sig = good.rsplit('.').next().unwrap().to_owned();
            let none = forge(&json!({"alg": "none"}), &claims(&|_| {}), None);
            format!("{none}{sig}")
        }),
        (
            "HS512",
            forge(
                &json!({"alg": "HS512", "typ": "JWT"}),
                &claims(&|_| {}),
                Some(key),
            ),
        ),
        (
            "a wrong key",
            forge(
                &hs256,
                &claims(&|_| {}),
                Some(b"another-secret-another-secret-0123456789"),
            ),
        ),
        (
            "a wrong audience",
            forge(
                &hs256,
                &claims(&|c| c["aud"] = json!("someone-else")),
                Some(key),
            ),
        ),
        (
            "a wrong issuer",
            forge(
                &hs256,
                &claims(&|c| c["iss"] = json!("not-suyuan")),
                Some(key),
            ),
        ),
        (
            "expired",
            forge(
                &hs256,
                &claims(&|c| {
                    c["iat"] = json!(now - 7200);
                    c["exp"] = json!(now - 3600);
                }),
                Some(key),
            ),
        ),
        (
            "no expiry",
            forge(
                &hs256,
                &claims(&|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                Some(key),
            ),
        ),
        (
            "a role it was not given",
            forge(&hs256, &claims(&|c| c["role"] = json!("root")), Some(key)),
        ),
        (
            "a subject that is no seller",
            forge(
                &hs256,
                &claims(&|c| c["sub"] = json!(suyuan_core::ids::SellerId::generate().to_string())),
                Some(key),
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (why, token) in cases {
        let (status, kind) = call(token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(kind.as_deref(), Some("application/problem+json"), "{why}");
    }
    // A deleted seller's own token, well made and unexpired, opens nothing any more.
    let token = forge(&hs256, &claims(&|_| {}), Some(key));
    let res = reqwest::Client::new()
        .delete(format!("{}/api/v1/sellers/{seller}", app.address))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let (status, _) = call(token).await;
    assert!(
        status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN,
        "a deleted subject: {status}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_and_orphaned_tokens_are_refused_on_sqlite() {
    forged_tokens_of(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_stale_and_orphaned_tokens_are_refused_on_postgres() {
    forged_tokens_of(Engine::Postgres).await;
}
