//! Guiding the next tier (指引下一级): a B2B sale creates a transfer with a claim link; the
//! buyer claims it once into a pre-filled receipt (over the API and on the claim page, signing
//! up if new), then sells on; refusals, cancelling, expiry and e-mail reminders to a real SMTP
//! server on loopback.

use super::custody::nov;
use super::marketplace::client;
use chrono::{Duration as Days, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use suyuan_plugin_api::mail::{MailSettings, Mailer, NoFiguresYet, remind_and_expire};
use suyuan_tests::smtp::SmtpServer;
use suyuan_tests::{TestApp, both_engines_app};

/// The producer A buys from.
pub const PRODUCER: &str = "雅迪科技集团有限公司";
/// Seller A (Guangzhou).
pub const A_NAME: &str = "广州骑乐电器商行";
/// Distributor B (Hangzhou).
pub const B_NAME: &str = "杭州顺达电动车经销部";

/// A registered seller and a token for it.
pub async fn seller_named(app: &TestApp, name: &str, credit17: &str) -> (String, String, String) {
    let credit = suyuan_core::credit_code::CreditCode::with_check_character(credit17).unwrap();
    let division = &credit17[2..8];
    let res = client()
        .post(format!("{}/api/v1/sellers", app.address))
        .bearer_auth(app.admin_token())
        .json(&json!({"name": name, "credit_code": credit.to_string(), "division_code": division, "seller_type": "distributor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let s: Value = res.json().await.unwrap();
    let id = s["id"].as_str().unwrap().to_owned();
    let token = app
        .tokens
        .mint(
            suyuan_core::tenancy::Role::Seller,
            &id,
            None,
            Duration::from_secs(3600),
        )
        .unwrap();
    (id, token, credit.to_string())
}

/// The credit code of distributor B.
pub fn b_credit() -> String {
    suyuan_core::credit_code::CreditCode::with_check_character("91330106MA2GXYK23")
        .unwrap()
        .to_string()
}

/// A unit e-bike code.
pub fn ebike(serial: &str) -> String {
    format!("(01)09520001000010(21){serial}")
}

/// A receives e-bikes from the producer, with the certificate checked.
pub async fn a_receives(app: &TestApp, token: &str, serials: &[&str]) {
    let res = client()
        .post(format!("{}/api/v1/receipts", app.address))
        .bearer_auth(token)
        .json(&json!({
            "category": "ebike",
            "supplier": {"name": PRODUCER, "credit_code": "91440300708461136T"},
            "voucher_number": "FH-0001",
            "received_at": nov(20),
            "product_name": "电动自行车", "model": "TDT-2301Z", "producer": PRODUCER,
            "certificate": {"number": "2023011119000001", "result": "valid"},
            "inspection": {"result": "accepted", "inspector": "王质检"},
            "items": serials.iter().map(|s| json!({"code": ebike(s)})).collect::<Vec<_>>()
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
}

/// A sells e-bikes to distributor B (freight, tracked); answers the sale's JSON.
pub async fn a_ships_to_b(
    app: &TestApp,
    token: &str,
    serials: &[&str],
    email: Option<&str>,
) -> Value {
    let res = client()
        .post(format!("{}/api/v1/sales", app.address))
        .bearer_auth(token)
        .json(&json!({
            "category": "ebike",
            "sold_at": nov(22),
            "buyer": {"type": "distributor", "name": B_NAME, "credit_code": b_credit(), "region": "330106", "contact_email": email},
            "shipping_method": "freight",
            "tracking_number": "SF1234567890",
            "voucher_number": "XS-0001",
            "items": serials.iter().map(|s| json!({"code": ebike(s)})).collect::<Vec<_>>()
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

pub fn token_of(sale: &Value) -> String {
    sale["transfer"]["claim_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    let res = client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn claim_api(
    app: &TestApp,
    token: &str,
    claim: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = client()
        .post(format!("{}/api/v1/transfers/claim/{claim}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn event_count(app: &TestApp, token: &str) -> usize {
    let (_, doc) = get(app, token, "/api/v1/events/epcis").await;
    doc["epcisBody"]["eventList"].as_array().map_or(0, Vec::len)
}

both_engines_app!(
    a_b2b_sale_creates_a_pending_transfer_that_the_buyer_claims_once_and_sells_on_in_three_provinces,
    |app: TestApp| async move {
        let (_, a, a_credit) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        let (_, c, _) = seller_named(&app, "北京另一家车行", "91110105MA01BCD12").await;
        a_receives(&app, &a, &["U1", "U2", "U3", "U4", "U5"]).await;

        // A sells four to distributor B: a shipment, with a claim link and QR codes.
        let sale = a_ships_to_b(&app, &a, &["U1", "U2", "U3", "U4"], None).await;
        assert_eq!(sale["record_kind"], "shipment");
        assert_eq!(sale["transfer"]["status"], "pending");
        let claim_url = sale["transfer"]["claim_url"].as_str().unwrap();
        assert!(claim_url.starts_with(&format!("{}/claim/", app.address)));
        let token = token_of(&sale);
        assert!(token.len() >= 40, "the claim token is unguessable");
        let qr = client()
            .get(sale["transfer"]["qr_svg_url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(qr.status(), StatusCode::OK);
        assert_eq!(qr.headers()["content-type"], "image/svg+xml");
        let png = client()
            .get(sale["transfer"]["qr_png_url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(decode_qr_png(&png), claim_url, "the QR code opens the claim page");

        // The sender sees it pending, with the product facts of its own receipt.
        let (_, sent) = get(&app, &a, "/api/v1/transfers?status=pending").await;
        assert_eq!(sent.as_array().unwrap().len(), 1);
        assert_eq!(sent[0]["product_name"], "电动自行车");
        assert_eq!(sent[0]["certificate_number"], "2023011119000001");
        assert_eq!(sent[0]["buyer"]["credit_code"], b_credit());
        assert_eq!(sent[0]["items"].as_array().unwrap().len(), 4);
        let id = sent[0]["id"].as_str().unwrap().to_owned();
        // The buyer sees it incoming; a third seller sees nothing and cannot claim.
        let (_, incoming) = get(&app, &b, "/api/v1/transfers/incoming").await;
        assert_eq!(incoming[0]["id"], id.as_str());
        assert_eq!(incoming[0]["sender"]["name"], A_NAME);
        let (_, none) = get(&app, &c, "/api/v1/transfers/incoming").await;
        assert_eq!(none, json!([]));
        let (status, _) = get(&app, &c, &format!("/api/v1/transfers/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, problem) = claim_api(&app, &c, &token, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:suyuan:problem:not-the-buyer");
        assert!(problem["detail"].as_str().unwrap().contains(B_NAME));
        assert_eq!(event_count(&app, &c).await, 0, "a refused claim writes nothing");

        // B claims: the receipt is pre-filled from A's sale; B adds the checks.
        let (status, claimed) = claim_api(
            &app,
            &b,
            &token,
            json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{claimed:#}");
        assert_eq!(claimed["transfer"]["status"], "claimed");
        assert_eq!(claimed["receipt"]["missing_elements"], json!([]));
        assert_eq!(claimed["receipt"]["warnings"], json!([]));
        assert_eq!(claimed["receipt"]["stock"][0]["available"], 4.0);
        // Exactly once.
        let (status, problem) = claim_api(&app, &b, &token, json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:suyuan:problem:already-claimed");
        assert_eq!(event_count(&app, &b).await, 1);

        // B's chain: a receipt through channel claim, supplier A, A's voucher and facts.
        let (_, doc) = get(&app, &b, "/api/v1/events/epcis").await;
        let receipt = &doc["epcisBody"]["eventList"][0];
        assert_eq!(receipt["suyuan:channel"], "claim");
        assert_eq!(receipt["suyuan:supplierName"], A_NAME);
        assert_eq!(receipt["sourceList"][0]["source"], format!("urn:suyuan:party:{a_credit}"));
        assert_eq!(receipt["suyuan:productName"], "电动自行车");
        assert_eq!(receipt["suyuan:certificate"], "2023011119000001");
        assert_eq!(receipt["suyuan:certificateCheck"], "valid");
        assert_eq!(receipt["epcList"].as_array().unwrap().len(), 4);
        let (_, stock) = get(&app, &b, "/api/v1/stock").await;
        assert!(stock.to_string().contains("\"available\":4.0"), "{stock:#}");

        // B sells to consumers in Guangdong, Zhejiang and Beijing.
        for (serial, region) in [("U1", "440104"), ("U2", "330106"), ("U3", "110101")] {
            let res = client()
                .post(format!("{}/api/v1/sales", app.address))
                .bearer_auth(&b)
                .json(&json!({"category": "ebike", "buyer": {"type": "consumer", "region": region}, "shipping_method": "pickup", "items": [{"code": ebike(serial)}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
            let out: Value = res.json().await.unwrap();
            assert_eq!(out["record_kind"], "sale");
            assert_eq!(out["transfer"], Value::Null, "consumers get no transfer");
        }
        let (_, stock) = get(&app, &b, "/api/v1/stock").await;
        assert!(stock.to_string().contains("\"available\":1.0"), "{stock:#}");
        // The trace page of U2 shows the whole chain: A received, shipped to B, B received, sold.
        let page: Value = client()
            .get(format!("{}/t/{}", app.address, urlencode(&ebike("U2"))))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let steps: Vec<&str> = page["custody"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["received", "shipped", "received", "sold_to_consumer"], "{page:#}");
        assert_eq!(page["authenticity"]["suspicious"], false);
        // The sender's list now says claimed.
        let (_, sent) = get(&app, &a, &format!("/api/v1/transfers/{id}")).await;
        assert_eq!(sent["status"], "claimed");
        assert!(sent["claimed_event_id"].as_str().unwrap().starts_with("evt_"));
    }
);

/// Percent-encodes a code for a `/t/{code}` path.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
}

/// Decodes the QR code in a PNG.
pub fn decode_qr_png(bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[(y * w + x) * channels]);
    let grids = img.detect_grids();
    grids[0].decode().unwrap().1
}

both_engines_app!(
    cancelled_and_expired_transfers_cannot_be_claimed_and_bad_claims_write_nothing,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        a_receives(&app, &a, &["U1", "U2"]).await;
        // A bad claim names the field and leaves the transfer pending.
        let first = a_ships_to_b(&app, &a, &["U1"], None).await;
        let (status, problem) = claim_api(
            &app,
            &b,
            &token_of(&first),
            json!({"inspection_result": "fine"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "inspection_result");
        assert_eq!(event_count(&app, &b).await, 0);
        // Cancelled by the sender: the link stops working; a second cancel is refused.
        let id = first["transfer"]["id"].as_str().unwrap();
        let res = client()
            .post(format!("{}/api/v1/transfers/{id}/cancel", app.address))
            .bearer_auth(&a)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let res = client()
            .post(format!("{}/api/v1/transfers/{id}/cancel", app.address))
            .bearer_auth(&b)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "only the sender cancels"
        );
        let (status, problem) = claim_api(&app, &b, &token_of(&first), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:suyuan:problem:transfer-cancelled");
        // Expired: past its time (the worker's round marks it), with whom to contact.
        let second = a_ships_to_b(&app, &a, &["U2"], None).await;
        let report = remind_and_expire(
            &app.db.db,
            &Mailer::Disabled,
            &settings(&app),
            Utc::now() + Days::days(31),
        )
        .await
        .unwrap();
        assert_eq!(report.expired, 1);
        let (_, t) = get(
            &app,
            &b,
            &format!(
                "/api/v1/transfers/{}",
                second["transfer"]["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(t["status"], "expired");
        let (status, problem) = claim_api(&app, &b, &token_of(&second), json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:suyuan:problem:transfer-expired");
        let res = client()
            .get(second["transfer"]["claim_url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::GONE);
        let page = res.text().await.unwrap();
        assert!(page.contains("认领链接已于"), "the page says it expired");
        assert!(page.contains(A_NAME), "and whom to contact");
        assert!(!page.contains("id=\"claim\""), "and offers no claim form");
        assert_eq!(event_count(&app, &b).await, 0);
        let (_, expired) = get(&app, &a, "/api/v1/transfers?status=expired").await;
        assert_eq!(expired.as_array().unwrap().len(), 1);
    }
);

pub fn settings(app: &TestApp) -> MailSettings {
    MailSettings {
        public_url: app.address.clone(),
        schedule: suyuan_store::transfers::ReminderSchedule {
            first_after: Days::days(3),
            every: Days::days(7),
        },
        interval: Duration::from_secs(300),
        secret_key: app.secret_key.clone(),
        digests: std::sync::Arc::new(NoFiguresYet),
        lease: suyuan_plugin_api::mail::MAIL_LEASE,
    }
}

both_engines_app!(
    an_unclaimed_transfer_is_reminded_by_email_with_its_claim_link,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        a_receives(&app, &a, &["U1", "U2"]).await;
        let sale = a_ships_to_b(&app, &a, &["U1"], Some("buyer@shunda.example")).await;
        let claim_url = sale["transfer"]["claim_url"].as_str().unwrap().to_owned();
        let smtp = SmtpServer::start().await;
        let mailer = Mailer::new(Some(&smtp.url()), "溯源 Suyuan <noreply@suyuan.test>").unwrap();
        let s = settings(&app);
        let now = Utc::now();
        // Not due yet.
        let r = remind_and_expire(&app.db.db, &mailer, &s, now)
            .await
            .unwrap();
        assert_eq!(r.reminded, 0);
        // Three days on: the first reminder goes to the contact e-mail.
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::days(4))
            .await
            .unwrap();
        assert_eq!((r.reminded, r.emailed, r.failed), (1, 1, 0));
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail.len(), 1);
        assert_eq!(mail[0].rcpt_to(), ["buyer@shunda.example"]);
        assert_eq!(mail[0].to(), ["buyer@shunda.example"]);
        let subject = mail[0].subject();
        assert!(
            subject.contains("待您确认收货"),
            "Chinese subject: {subject}"
        );
        assert!(subject.contains(A_NAME), "{subject}");
        let body = mail[0].body();
        assert!(
            body.contains(&claim_url),
            "the claim link is in the e-mail: {body}"
        );
        // The next one is due a week later, not the next day.
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::days(5))
            .await
            .unwrap();
        assert_eq!(r.reminded, 0);
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::days(12))
            .await
            .unwrap();
        assert_eq!(r.emailed, 1);
        assert_eq!(smtp.wait_for(2).await.len(), 2);
        // The buyer's incoming list shows the reminders too (so without SMTP they are not lost).
        let (_, incoming) = get(&app, &b, "/api/v1/transfers/incoming?status=pending").await;
        assert_eq!(incoming[0]["reminders_sent"], 2);
        // A transfer without a contact e-mail is reminded in the app only.
        let quiet = a_ships_to_b(&app, &a, &["U2"], None).await;
        let r = remind_and_expire(&app.db.db, &mailer, &s, now + Days::days(4))
            .await
            .unwrap();
        assert_eq!((r.reminded, r.emailed), (1, 0));
        let (_, t) = get(
            &app,
            &b,
            &format!(
                "/api/v1/transfers/{}",
                quiet["transfer"]["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(t["reminders_sent"], 1);
        assert_eq!(smtp.messages().len(), 2);
    }
);

/// Cookies a browser would keep, by name.
#[derive(Default)]
pub struct Jar(pub std::collections::BTreeMap<String, String>);

impl Jar {
    /// Keeps the `Set-Cookie`s of a response; answers their raw headers.
    pub fn keep(&mut self, res: &reqwest::Response) -> Vec<String> {
        let mut raw = Vec::new();
        for v in res.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap().to_owned();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() {
                self.0.remove(k);
            } else {
                self.0.insert(k.to_owned(), val.to_owned());
            }
            raw.push(v);
        }
        raw
    }
    /// The `Cookie` header.
    pub fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The value of the hidden CSRF field in a page.
pub fn csrf_in(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

both_engines_app!(
    a_buyer_new_to_suyuan_signs_up_on_the_claim_page_and_claims_the_goods,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        a_receives(&app, &a, &["U1", "U2"]).await;
        let sale = a_ships_to_b(&app, &a, &["U1", "U2"], None).await;
        let url = sale["transfer"]["claim_url"].as_str().unwrap().to_owned();
        let http = no_redirects();
        let mut jar = Jar::default();

        // The buyer opens the link: sender, goods, date, and a sign-up form.
        let res = http.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        jar.keep(&res);
        let page = res.text().await.unwrap();
        assert!(page.contains(A_NAME) && page.contains(&nov(22)) && page.contains(&ebike("U2")));
        assert!(page.contains("id=\"signup\""));
        assert!(
            page.contains(&format!("value=\"{}\"", b_credit())),
            "the credit code is pre-filled"
        );
        let csrf = csrf_in(&page);
        let signup = |credit: String, csrf: String| {
            vec![
                ("csrf".to_owned(), csrf),
                ("name".to_owned(), B_NAME.to_owned()),
                ("credit_code".to_owned(), credit),
                ("division_code".to_owned(), "330106".to_owned()),
                ("seller_type".to_owned(), "distributor".to_owned()),
                ("email".to_owned(), "".to_owned()),
            ]
        };
        // Without the CSRF token: refused.
        let res = http
            .post(format!("{url}/signup"))
            .header("cookie", jar.header())
            .form(&signup(
                b_credit(),
                "forged-forged-forged-forged-forged-forged".into(),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // Another business's credit code: refused, naming the field; no account made.
        let other = suyuan_core::credit_code::CreditCode::with_check_character("91110105MA01BCD12")
            .unwrap()
            .to_string();
        let res = http
            .post(format!("{url}/signup"))
            .header("cookie", jar.header())
            .form(&signup(other, csrf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("信用代码须为收货方"));
        let sellers: Value = client()
            .get(format!("{}/api/v1/sellers", app.address))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(sellers.as_array().unwrap().len(), 1);
        // The right one: account created, signed in by a safe cookie, back to the claim page.
        let res = http
            .post(format!("{url}/signup"))
            .header("cookie", jar.header())
            .header("origin", app.address.as_str())
            .form(&signup(b_credit(), csrf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(url.ends_with(res.headers()["location"].to_str().unwrap()));
        let set = jar.keep(&res);
        let session = set.iter().find(|c| c.starts_with("suyuan_token=")).unwrap();
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Lax"),
            "{session}"
        );
        // Signed in, the page offers the pre-filled receipt.
        let page = http
            .get(&url)
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"claim\""), "{page}");
        assert!(
            page.contains("value=\"2023011119000001\""),
            "certificate pre-filled"
        );
        let received = nov(24);
        let claim = [
            ("csrf", csrf.as_str()),
            ("received_at", received.as_str()),
            ("certificate_number", "2023011119000001"),
            ("certificate_result", "valid"),
            ("inspection_result", "accepted"),
            ("inspection_notes", ""),
            ("inspector", "李收货"),
        ];
        let res = http
            .post(&url)
            .header("cookie", jar.header())
            .header("origin", app.address.as_str())
            .form(&claim)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let done = res.text().await.unwrap();
        assert!(done.contains("已认领"), "{done}");
        assert!(done.contains("/app/sell?code="), "the next step is offered");
        // The goods are in B's stock (the session token is B's API token), which B reads once
        // an admin has verified the account it made from the link.
        let b = jar.0["suyuan_token"].clone();
        let (status, _) = get(&app, &b, "/api/v1/stock").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "awaiting verification");
        let (_, me) = get(&app, &b, "/api/v1/me").await;
        let verified = client()
            .post(format!(
                "{}/api/v1/sellers/{}/verify",
                app.address,
                me["id"].as_str().unwrap()
            ))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(verified.status(), StatusCode::OK);
        let (_, stock) = get(&app, &b, "/api/v1/stock").await;
        assert!(stock.to_string().contains("\"available\":2.0"), "{stock:#}");
        // A second claim: 409, and the page says it was claimed.
        let res = http
            .post(&url)
            .header("cookie", jar.header())
            .form(&claim)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains("已于"));
        assert_eq!(event_count(&app, &b).await, 1);
        // A cross-site form post is refused even with the cookies.
        let res = http
            .post(&url)
            .header("cookie", jar.header())
            .header("origin", "https://evil.example")
            .form(&claim)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // English on request.
        let en = http
            .get(format!("{url}?lang=en"))
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            en.contains("lang=\"en\"") && en.contains("claimed on"),
            "{en}"
        );
    }
);

both_engines_app!(
    a_signed_in_seller_who_is_not_the_buyer_is_told_the_goods_are_not_theirs,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, c, _) = seller_named(&app, "北京另一家车行", "91110105MA01BCD12").await;
        a_receives(&app, &a, &["U1"]).await;
        let sale = a_ships_to_b(&app, &a, &["U1"], None).await;
        let res = client()
            .get(sale["transfer"]["claim_url"].as_str().unwrap())
            .header("cookie", format!("suyuan_token={c}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let page = res.text().await.unwrap();
        assert!(page.contains("不能认领") && page.contains(B_NAME));
        assert!(!page.contains("id=\"claim\"") && !page.contains("id=\"signup\""));
        let res = client()
            .get(format!("{}/claim/not-a-real-token", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

both_engines_app!(
    a_producer_batch_shipped_in_part_is_claimed_by_quantity_and_sold_on,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        let lot = "(01)09520004000017(10)GS2511";
        let res = client()
            .post(format!("{}/api/v1/receipts", app.address))
            .bearer_auth(&a)
            .json(&json!({
                "category": "gas_appliance",
                "supplier": {"name": "广东万家乐燃气具有限公司", "credit_code": "91440300708461136T"},
                "voucher_number": "FH-0100", "received_at": nov(20),
                "product_name": "家用燃气灶（天然气）", "model": "JZT-6B", "producer": "广东万家乐燃气具有限公司",
                "certificate": {"number": "2024011402000001", "result": "valid"},
                "inspection": {"result": "accepted", "inspector": "王质检"},
                "items": [{"code": lot, "quantity": 100}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        // A ships 40 of the batch to B by courier.
        let res = client()
            .post(format!("{}/api/v1/sales", app.address))
            .bearer_auth(&a)
            .json(&json!({
                "category": "gas_appliance", "sold_at": nov(22),
                "buyer": {"type": "distributor", "name": B_NAME, "credit_code": b_credit()},
                "shipping_method": "courier", "tracking_number": "YT998877", "voucher_number": "XS-0100",
                "items": [{"gtin": "09520004000017", "batch": "GS2511", "quantity": 40}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let sale: Value = res.json().await.unwrap();
        let (status, claimed) = claim_api(
            &app,
            &b,
            &token_of(&sale),
            json!({"received_at": nov(24), "certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{claimed:#}");
        assert_eq!(claimed["transfer"]["items"][0]["quantity"], 40.0);
        assert_eq!(claimed["receipt"]["stock"][0]["batch"], "GS2511");
        assert_eq!(claimed["receipt"]["stock"][0]["available"], 40.0);
        // B sells ten to consumers in each of three provinces.
        for region in ["440104", "330106", "110101"] {
            let res = client()
                .post(format!("{}/api/v1/sales", app.address))
                .bearer_auth(&b)
                .json(&json!({"category": "gas_appliance", "buyer": {"type": "consumer", "region": region},
                    "items": [{"gtin": "09520004000017", "batch": "GS2511", "quantity": 10}]}))
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::CREATED,
                "{}",
                res.text().await.unwrap()
            );
        }
        let (_, stock) = get(&app, &b, "/api/v1/stock").await;
        assert!(
            stock.to_string().contains("\"available\":10.0"),
            "{stock:#}"
        );
        let (_, stock) = get(&app, &a, "/api/v1/stock").await;
        assert!(
            stock.to_string().contains("\"available\":60.0"),
            "{stock:#}"
        );
        // Beyond B's stock: refused, naming the item.
        let res = client()
            .post(format!("{}/api/v1/sales", app.address))
            .bearer_auth(&b)
            .json(&json!({"category": "gas_appliance", "buyer": {"type": "consumer", "region": "440104"},
                "items": [{"gtin": "09520004000017", "batch": "GS2511", "quantity": 11}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_engines_app!(
    the_phone_sell_page_registers_a_b2b_sale_and_shows_the_claim_link_and_qr_code,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        a_receives(&app, &a, &["U1"]).await;
        let http = no_redirects();
        let sell = format!("{}/app/sell?code={}", app.address, urlencode(&ebike("U1")));
        // Not signed in: to the sign-in page, coming back here after.
        let res = http.get(&sell).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/signin?next=%2Fapp%2Fsell")
        );
        let mut jar = Jar::default();
        jar.0.insert("suyuan_token".into(), a.clone());
        let res = http
            .get(&sell)
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        jar.keep(&res);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("<option value=\"ebike\" selected>"),
            "category pre-filled"
        );
        let csrf = csrf_in(&page);
        let res = http
            .post(format!("{}/app/sell", app.address))
            .header("cookie", jar.header())
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", ebike("U1").as_str()),
                ("category", "ebike"),
                ("buyer_type", "distributor"),
                ("region", ""),
                ("buyer_name", B_NAME),
                ("buyer_credit_code", b_credit().as_str()),
                ("buyer_contact_email", "buyer@shunda.example"),
                ("shipping_method", "freight"),
                ("tracking_number", "SF1"),
                ("voucher_number", "XS-7"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let done = res.text().await.unwrap();
        assert!(
            done.contains(&format!("{}/claim/", app.address)),
            "the claim link is shown"
        );
        let qr_at = done.find("<img src=\"/claim/").expect("and its QR code") + 10;
        let qr = done[qr_at..].split('"').next().unwrap();
        let res = http
            .get(format!("{}{qr}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        let (_, sent) = get(&app, &a, "/api/v1/transfers").await;
        assert_eq!(sent[0]["shipping_method"], "freight");
        assert_eq!(sent[0]["status"], "pending");
        // Selling it again: refused on the page, naming why; nothing more recorded.
        let res = http
            .post(format!("{}/app/sell", app.address))
            .header("cookie", jar.header())
            .form(&[
                ("csrf", csrf.as_str()),
                ("code", ebike("U1").as_str()),
                ("category", "ebike"),
                ("buyer_type", "consumer"),
                ("region", "440000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.text().await.unwrap().contains("此码已售出"));
        assert_eq!(event_count(&app, &a).await, 2);
    }
);

/// A seller page as its cookie-holding user sees it.
pub async fn page_as(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut req = no_redirects().get(format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.header("cookie", format!("suyuan_token={t}"));
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    (status, location.unwrap_or(body))
}

/// The `<section id="{id}">…</section>` of a page.
pub fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}: {page}"));
    let end = page[start..].find("</section>").unwrap() + start;
    &page[start..end]
}

both_engines_app!(
    the_transfers_page_shows_what_was_sent_and_what_waits_to_be_claimed,
    |app: TestApp| async move {
        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
        let (_, c, _) = seller_named(&app, "北京另一家车行", "91110105MA01BCD12").await;
        a_receives(&app, &a, &["U1", "U2", "U3"]).await;
        let waiting = a_ships_to_b(&app, &a, &["U1", "U2"], None).await;
        let claimed = a_ships_to_b(&app, &a, &["U3"], None).await;
        let (status, _) = claim_api(
            &app,
            &b,
            &token_of(&claimed),
            json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let claim_link = format!("/claim/{}", token_of(&waiting));

        // The sender: both transfers, one waiting with its claim link again, one claimed.
        let (status, page) = page_as(&app, Some(&a), "/app/transfers").await;
        assert_eq!(status, StatusCode::OK);
        let sent = section(&page, "sent");
        assert_eq!(sent.matches(B_NAME).count(), 2, "{sent}");
        assert!(sent.contains("待认领") && sent.contains("已认领"), "{sent}");
        assert!(sent.contains("2 项货品 · 单据号 XS-0001"), "{sent}");
        assert_eq!(sent.matches("href=\"/claim/").count(), 1, "{sent}");
        assert!(sent.contains(&claim_link), "{sent}");
        assert!(section(&page, "incoming").contains("没有发给本店的货品"));

        // The buyer: the same two, from A, the waiting one to claim.
        let (_, page) = page_as(&app, Some(&b), "/app/transfers?lang=en").await;
        let incoming = section(&page, "incoming");
        assert_eq!(incoming.matches(A_NAME).count(), 2, "{incoming}");
        assert!(incoming.contains("Waiting to be claimed") && incoming.contains("Claimed"));
        assert!(incoming.contains(&claim_link) && incoming.contains("Claim into stock"));
        assert!(section(&page, "sent").contains("Nothing sold to a distributor or agent yet"));

        // Anyone else sees none of it; without a session, the sign-in page.
        let (_, page) = page_as(&app, Some(&c), "/app/transfers").await;
        assert!(!page.contains(A_NAME) && !page.contains(B_NAME) && !page.contains("/claim/"));
        let (status, location) = page_as(&app, None, "/app/transfers").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.starts_with("/signin?next="), "{location}");
    }
);
