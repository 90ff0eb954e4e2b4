//! The seller's phone and scanner pages in real headless Chromium at phone width (390×844):
//! signing in, the scanner page taking typed codes + Enter with a running count and per-code
//! errors, finishing a carton, and the trace page's "receive" action opening a pre-filled form.

use super::marketplace::client;
use super::transfers::{A_NAME, B_NAME, a_receives, a_ships_to_b, ebike, seller_named, urlencode};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::time::Duration;
use suyuan_tests::TestApp;

/// Chromium emulating a 390×844 phone (the shared launcher, which kills its chromedriver when
/// dropped); `None` (skip) when not installed outside CI.
async fn phone() -> Option<(Client, suyuan_tests::browser::Browser)> {
    let b = suyuan_tests::browser::chromium(suyuan_tests::browser::Screen::Phone).await?;
    Some((b.client.clone(), b))
}

async fn text_of(b: &Client, css: &str) -> Result<String, fantoccini::error::CmdError> {
    b.find(Locator::Css(css)).await?.text().await
}

async fn fill(b: &Client, css: &str, value: &str) -> Result<(), fantoccini::error::CmdError> {
    let e = b.find(Locator::Css(css)).await?;
    e.clear().await?;
    e.send_keys(value).await
}

/// Signs in through the sign-in page the app sends an unsigned visitor to.
async fn sign_in(b: &Client, token: &str) -> Result<(), fantoccini::error::CmdError> {
    b.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#signin-token"))
        .await?;
    // A JWT is long: set it directly rather than typing 300 characters.
    b.execute(
        "document.getElementById('signin-token').value = arguments[0];",
        vec![json!(token)],
    )
    .await?;
    b.find(Locator::Css("#signin button[type=submit]"))
        .await?
        .click()
        .await
}

async fn overflows(b: &Client) -> Result<bool, fantoccini::error::CmdError> {
    Ok(b.execute(
        "return document.documentElement.scrollWidth > window.innerWidth;",
        vec![],
    )
    .await?
    .as_bool()
    .unwrap_or(true))
}

async fn stock(app: &TestApp, token: &str) -> Value {
    client()
        .get(format!("{}/api/v1/stock", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scanner_page_counts_typed_codes_shows_per_code_errors_and_finishes_the_carton_at_phone_width()
 {
    let app = suyuan_tests::spawn_app(suyuan_tests::Engine::Sqlite)
        .await
        .unwrap();
    let Some((browser, driver)) = phone().await else {
        return;
    };
    let (_, token, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
    let result = async {
        // Not signed in: the scanner page sends us to sign in, then back.
        browser.goto(&format!("{}/app/scan", app.address)).await?;
        sign_in(&browser, &token).await?;
        let input = browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#scan-input"))
            .await?;
        let after_signin = browser.current_url().await?.path().to_owned();
        // A USB scanner types each code and Enter.
        for code in [
            ebike("S1"),
            ebike("S2"),
            "(01)09520001000011(21)S3".to_owned(),
            ebike("S1"),
            ebike("S3"),
        ] {
            input.send_keys(&format!("{code}\u{E007}")).await?;
        }
        // Wait for the five checks to come back.
        let mut count = String::new();
        let mut errors = 0;
        for _ in 0..100 {
            count = text_of(&browser, "#scan-count").await?;
            errors = browser
                .find_all(Locator::Css("#scan-errors li"))
                .await?
                .len();
            if count == "3" && errors == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let error_text = text_of(&browser, "#scan-errors").await?;
        let width_ok = !overflows(&browser).await?;
        browser.screenshot().await.ok().and_then(|png| {
            std::fs::write(std::env::temp_dir().join("suyuan-scan-390.png"), png).ok()
        });
        // Finish: supplier and checks on the page, one receipt with every good code.
        browser
            .find(Locator::Css("#finish-category option[value=ebike]"))
            .await?
            .click()
            .await?;
        fill(&browser, "#finish-supplier_name", A_NAME).await?;
        fill(&browser, "#finish-voucher_number", "XS-0099").await?;
        fill(&browser, "#finish-inspector", "李收货").await?;
        browser
            .find(Locator::Css("#finish button[type=submit]"))
            .await?
            .click()
            .await?;
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".notice-ok"))
            .await?;
        let done = text_of(&browser, ".notice-ok").await?;
        Ok::<_, fantoccini::error::CmdError>((
            after_signin,
            count,
            errors,
            error_text,
            width_ok,
            done,
        ))
    }
    .await;
    if result.is_err()
        && let Ok(src) = browser.source().await
    {
        eprintln!(
            "page at failure ({:?}):\n{src}",
            browser.current_url().await.ok()
        );
    }
    browser.close().await.ok();
    drop(driver);
    let (after_signin, count, errors, error_text, width_ok, done) = result.unwrap();
    assert_eq!(
        after_signin, "/app/scan",
        "back where we were after signing in"
    );
    assert_eq!(count, "3", "three good codes counted");
    assert_eq!(errors, 2, "{error_text}");
    assert!(
        error_text.contains("(01)09520001000011(21)S3"),
        "the bad code is named: {error_text}"
    );
    assert!(
        error_text.contains("本箱已扫过此码"),
        "the duplicate is named: {error_text}"
    );
    assert!(width_ok, "nothing overflows a 390 px wide screen");
    assert!(done.contains("已登记收货 3 个码"), "{done}");
    let s = stock(&app, &token).await;
    assert_eq!(s[0]["available"], 3.0, "{s:#}");
    let doc: Value = client()
        .get(format!("{}/api/v1/events/epcis", app.address))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        doc["epcisBody"]["eventList"][0]["suyuan:channel"],
        "scanner"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_pages_receive_action_opens_a_prefilled_form_that_records_the_receipt() {
    let app = suyuan_tests::spawn_app(suyuan_tests::Engine::Sqlite)
        .await
        .unwrap();
    let Some((browser, driver)) = phone().await else {
        return;
    };
    let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
    let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;
    a_receives(&app, &a, &["U1"]).await;
    a_ships_to_b(&app, &a, &["U1"], None).await;
    let trace_url = format!("{}/t/{}", app.address, urlencode(&ebike("U1")));
    let result = async {
        browser
            .goto(&format!(
                "{}/app/signin?next={}",
                app.address,
                urlencode(&format!("/t/{}", urlencode(&ebike("U1"))))
            ))
            .await?;
        sign_in(&browser, &b).await?;
        // The phone opened the product's QR: the trace page, with the seller's actions.
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("section.seller a.button"))
            .await?;
        let on_trace = browser.current_url().await?.to_string();
        browser
            .find(Locator::Css(
                "section.seller a.button[href*='/app/receive']",
            ))
            .await?
            .click()
            .await?;
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#receive"))
            .await?;
        let value = |css: &'static str| {
            let browser = browser.clone();
            async move {
                browser
                    .find(Locator::Css(css))
                    .await?
                    .prop("value")
                    .await
                    .map(Option::unwrap_or_default)
            }
        };
        let prefilled = (
            value("#receive-product_name").await?,
            value("#receive-supplier_name").await?,
            value("#receive-certificate_number").await?,
            value("#receive-category").await?,
        );
        let width_ok = !overflows(&browser).await?;
        browser
            .find(Locator::Css(
                "#receive-certificate_result option[value=valid]",
            ))
            .await?
            .click()
            .await?;
        fill(&browser, "#receive-voucher_number", "XS-0001").await?;
        fill(&browser, "#receive-inspector", "李收货").await?;
        browser
            .find(Locator::Css("#receive button[type=submit]"))
            .await?
            .click()
            .await?;
        browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(".notice-ok"))
            .await?;
        let done = text_of(&browser, ".notice-ok").await?;
        // The transfers page: A's shipment waits for B to claim it.
        browser
            .goto(&format!("{}/app/transfers", app.address))
            .await?;
        let incoming = text_of(&browser, "#incoming").await?;
        let width_ok = width_ok && !overflows(&browser).await?;
        Ok::<_, fantoccini::error::CmdError>((on_trace, prefilled, width_ok, done, incoming))
    }
    .await;
    if result.is_err()
        && let Ok(src) = browser.source().await
    {
        eprintln!(
            "page at failure ({:?}):\n{src}",
            browser.current_url().await.ok()
        );
    }
    browser.close().await.ok();
    drop(driver);
    let (on_trace, prefilled, width_ok, done, incoming) = result.unwrap();
    assert!(
        incoming.contains(A_NAME) && incoming.contains("待认领") && incoming.contains("认领入库"),
        "{incoming}"
    );
    assert_eq!(on_trace, trace_url);
    assert_eq!(
        prefilled,
        (
            "电动自行车".to_owned(),
            A_NAME.to_owned(),
            "2023011119000001".to_owned(),
            "ebike".to_owned()
        ),
        "product, supplier (the business that shipped it), certificate and category are pre-filled"
    );
    assert!(width_ok, "nothing overflows a 390 px wide screen");
    assert!(done.contains("收货记录已登记"), "{done}");
    let s = stock(&app, &b).await;
    assert_eq!(s[0]["available"], 1.0, "{s:#}");
    let doc: Value = client()
        .get(format!("{}/api/v1/events/epcis", app.address))
        .bearer_auth(&b)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let receipt = &doc["epcisBody"]["eventList"][0];
    assert_eq!(receipt["suyuan:channel"], "phone_scan");
    assert_eq!(receipt["suyuan:supplierName"], A_NAME);
}
