//! Badges, the resolver and the public trace page, over HTTP; the embed script in real headless
//! Chromium driven over WebDriver.

use super::marketplace::{client, connect, deliver_shopify, eventually, seller};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use suyuan_tests::{TestApp, both_engines_app};

async fn demo(app: &TestApp) -> suyuan_server::demo::DemoParties {
    suyuan_server::demo::ensure_demo(&app.db.db, &suyuan_tests::catalogue(), &app.secret_key)
        .await
        .unwrap()
}

both_engines_app!(
    digital_link_paths_of_the_demo_codes_resolve_to_their_products,
    |app: TestApp| async move {
        demo(&app).await;
        // A unit e-bike (GTIN 09520001000010, serial YD2025000001) as a Digital Link path.
        let res = client()
            .get(format!("{}/01/09520001000010/21/YD2025000001", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        let page = res.text().await.unwrap();
        assert!(page.contains("电动自行车"), "the product is named");
        assert!(
            page.contains("广州骑乐电器商行"),
            "the seller is in the chain of custody"
        );
        assert!(
            page.contains("2023011119000001"),
            "the CCC certificate is shown"
        );
        assert!(page.contains("lang=\"zh-CN\""));
        // English by Accept-Language, JSON by Accept.
        let en = client()
            .get(format!("{}/01/9520001000010/21/YD2025000001", app.address))
            .header("accept-language", "en-US,en;q=0.9")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(en.contains("lang=\"en\""));
        let json: Value = client()
            .get(format!("{}/01/09520001000010/21/YD2025000001", app.address))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["product"]["gtin"], "09520001000010");
        assert_eq!(json["product"]["serial"], "YD2025000001");
        assert_eq!(json["product"]["category_id"], "ebike");
        assert_eq!(json["status"], "traced");
        assert_eq!(json["authenticity"]["times_sold"], 1);
        assert_eq!(
            json["authenticity"]["times_scanned"], 1,
            "three views from one client count as one scan"
        );
        let text = json.to_string();
        assert!(!text.contains("consumer_name") && !text.contains("phone"));
        // A batch: the gas stoves, with the corrected sale marked.
        let batch: Value = client()
            .get(format!("{}/01/09520004000017/10/GS2511", app.address))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(batch["product"]["name"], "家用燃气灶（天然气）");
        assert!(
            batch["custody"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["corrected"] == true),
            "{batch:#}"
        );
        // The link set.
        let res = client()
            .get(format!(
                "{}/01/09520001000010/21/YD2025000001?linkType=all",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], "application/linkset+json");
        let set: Value = res.json().await.unwrap();
        assert_eq!(
            set["linkset"][0]["anchor"],
            format!("{}/01/09520001000010/21/YD2025000001", app.address)
        );
        assert!(set["linkset"][0]["https://gs1.org/voc/traceability"].is_array());
        assert!(
            set["linkset"][0]["https://gs1.org/voc/pip"].is_array(),
            "the demo listing is the product page: {set:#}"
        );
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let res = no_redirects
            .get(format!(
                "{}/01/09520001000010/21/YD2025000001?linkType=gs1:pip",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            res.headers()["location"],
            "https://qile-demo.myshopify.com/products/8840001000101"
        );
    }
);

both_engines_app!(
    unknown_and_malformed_codes_get_a_404_page_and_a_400,
    |app: TestApp| async move {
        let res = client()
            .get(format!("{}/01/09520009999996", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let page = res.text().await.unwrap();
        assert!(
            page.contains("12315"),
            "says how to report a suspected fake"
        );
        let res = client()
            .get(format!("{}/01/09520009999995", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("GTIN"));
        let res = client()
            .get(format!(
                "{}/t/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let page = res.text().await.unwrap();
        assert!(
            !page.contains("<script>alert(1)</script>"),
            "the input is escaped"
        );
    }
);

both_engines_app!(
    a_badge_carries_a_scannable_qr_and_is_cached_with_an_etag,
    |app: TestApp| async move {
        demo(&app).await;
        let res = client()
            .get(format!(
                "{}/badge/code/(01)09520001000010(21)YD2025000001.svg",
                app.address
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/svg+xml");
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age")
        );
        let svg = res.text().await.unwrap();
        assert!(
            roxmltree::Document::parse(&svg).is_ok(),
            "the SVG parses as XML"
        );
        assert!(svg.contains("已追溯 Traced"));
        let res = client()
            .get(format!(
                "{}/badge/code/(01)09520001000010(21)YD2025000001.svg",
                app.address
            ))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        let png = client()
            .get(format!(
                "{}/badge/code/(01)09520001000010(21)YD2025000001.png?size=l",
                app.address
            ))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            decode_qr(&png),
            vec![format!("{}/01/09520001000010/21/YD2025000001", app.address)]
        );
        let res = client()
            .get(format!("{}/badge/code/(01)09520009999996.svg", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
);

/// Decodes every QR code in a PNG with an independent decoder (rqrr).
pub fn decode_qr(png_bytes: &[u8]) -> Vec<String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma: Vec<u8> = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|px| {
            let (r, g, b, a) = match channels {
                1 => (px[0], px[0], px[0], 255),
                2 => (px[0], px[0], px[0], px[1]),
                3 => (px[0], px[1], px[2], 255),
                _ => (px[0], px[1], px[2], px[3]),
            };
            let l = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
            let a = u32::from(a);
            u8::try_from((l * a + 255 * (255 - a)) / 255).unwrap()
        })
        .collect();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().unwrap().1)
        .collect()
}

both_engines_app!(
    a_recalled_batch_shows_the_banner_and_its_badges_turn_recalled,
    |app: TestApp| async move {
        let parties = demo(&app).await;
        let sup = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Supervisor,
                &parties.supervisor_id,
                Some("44"),
                Duration::from_secs(600),
            )
            .unwrap();
        let before = client()
            .get(format!(
                "{}/badge/code/(01)09520002000019(10)H2511A.svg",
                app.address
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(before.contains("已追溯 Traced"));
        let res = client()
        .post(format!("{}/api/v1/recalls", app.address))
        .bearer_auth(&sup)
        .json(&json!({"gtin": "09520002000019", "batch": "H2511A", "reason_zh": "头盔系带强度不达标", "reason_en": "Chin strap below strength requirement"}))
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let page = client()
            .get(format!("{}/01/09520002000019/10/H2511A", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let banner = page.find("role=\"alert\"").expect("a recall banner");
        assert!(
            banner < page.find("<h1").unwrap_or(usize::MAX),
            "the banner is at the top"
        );
        assert!(page.contains("头盔系带强度不达标"));
        let after = client()
            .get(format!(
                "{}/badge/code/(01)09520002000019(10)H2511A.svg",
                app.address
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(after.contains("已召回 Recalled"));
        // The listing of that helmet turns recalled too.
        let listing = client()
            .get(format!(
                "{}/api/v1/listings?category=safety_helmet",
                app.address
            ))
            .bearer_auth(
                app.tokens
                    .mint(
                        suyuan_core::tenancy::Role::Seller,
                        parties.seller_gz.as_str(),
                        None,
                        Duration::from_secs(60),
                    )
                    .unwrap(),
            )
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let _ = listing;
        // A seller may not issue recalls.
        let seller_token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Seller,
                parties.seller_gz.as_str(),
                None,
                Duration::from_secs(60),
            )
            .unwrap();
        let res = client()
            .post(format!("{}/api/v1/recalls", app.address))
            .bearer_auth(seller_token)
            .json(&json!({"gtin": "09520002000019", "reason_zh": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

both_engines_app!(
    listing_titles_and_seller_names_are_escaped_everywhere,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(
            &app,
            &token,
            json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
        )
        .await;
        let body = json!({"id": 77, "title": "<script>alert(1)</script> 电动自行车", "handle": "x", "status": "active", "tags": "", "updated_at": "2026-11-25T10:00:00+08:00",
        "variants": [{"id": 78, "product_id": 77, "title": "Default", "sku": "X", "barcode": null}]})
    .to_string()
    .into_bytes();
        deliver_shopify(&app, &store, "k", "products/create", "x-1", &body).await;
        let listings = eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
        let id = listings["items"][0]["id"].as_str().unwrap();
        let page = client()
            .get(format!("{}/l/{id}", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}"
        );
        assert!(!page.contains("<script>alert(1)"));
        let svg = client()
            .get(format!("{}/badge/listing/{id}.svg", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(roxmltree::Document::parse(&svg).is_ok());
        assert!(
            svg.contains("待补录 Incomplete"),
            "a catalogue listing without a code is incomplete"
        );
        assert!(!svg.contains("<script>"));
    }
);

/// A page on another origin that embeds the badge with `embed.js`, under a strict CSP that only
/// allows the script's (and images') origin.
async fn host_page(app_origin: String, listing_id: String) -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        let origin = app_origin.clone();
        let id = listing_id.clone();
        App::new().route(
            "/",
            web::get().to(move || {
                let html = format!(
                    "<!doctype html><html><head><meta charset=\"utf-8\"><title>shop</title></head><body>\
                     <h1>Product</h1><div id=\"badge\" data-suyuan-listing=\"{id}\"></div>\
                     <script src=\"{origin}/embed.js\" async></script></body></html>"
                );
                let csp = format!("default-src 'none'; script-src {origin}; img-src {origin}; style-src 'none'");
                async move { HttpResponse::Ok().content_type("text/html; charset=utf-8").insert_header(("Content-Security-Policy", csp)).body(html) }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embed_js_shows_the_badge_and_its_link_in_headless_chromium_under_a_strict_csp() {
    let (Some(chromium), Some(driver)) = (
        suyuan_tests::browser::which("chromium"),
        suyuan_tests::browser::which("chromedriver"),
    ) else {
        assert!(
            std::env::var("CI").map(|v| v != "true").unwrap_or(true),
            "CI=true but chromium or chromedriver is missing"
        );
        eprintln!("skipped: chromium/chromedriver not installed");
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let app = suyuan_tests::spawn_app(suyuan_tests::Engine::Sqlite)
        .await
        .unwrap();
    demo(&app).await;
    let seller_token = {
        use sea_orm::EntityTrait;
        let s = suyuan_store::entity::seller::Entity::find()
            .all(&app.db.db)
            .await
            .unwrap();
        let gz = s.iter().find(|s| s.division_code == "440104").unwrap();
        app.tokens
            .mint(
                suyuan_core::tenancy::Role::Seller,
                &gz.id,
                None,
                Duration::from_secs(600),
            )
            .unwrap()
    };
    let listings: Value = client()
        .get(format!("{}/api/v1/listings?category=ebike", app.address))
        .bearer_auth(&seller_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listing_id = listings["items"][0]["id"].as_str().unwrap().to_owned();
    let page = host_page(app.address.clone(), listing_id.clone()).await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut driver = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": chromium, "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", format!("--user-data-dir={}", tempfile::tempdir().unwrap().keep().display())]}),
    );
    let mut connected = None;
    for _ in 0..50 {
        match fantoccini::ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                connected = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let browser = connected.expect("chromedriver answers");
    let result = async {
        browser.goto(&page).await?;
        let link = browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(fantoccini::Locator::Css("#badge a"))
            .await?;
        let href = link.attr("href").await?.unwrap_or_default();
        let img = link.find(fantoccini::Locator::Css("img")).await?;
        // Wait for the badge image to load (naturalWidth > 0).
        let mut width = 0u64;
        for _ in 0..50 {
            width = browser
                .execute(
                    "return document.querySelector('#badge img').naturalWidth",
                    vec![],
                )
                .await?
                .as_u64()
                .unwrap_or(0);
            if width > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let alt = img.attr("alt").await?.unwrap_or_default();
        let src = img.attr("src").await?.unwrap_or_default();
        Ok::<_, fantoccini::error::CmdError>((href, src, alt, width))
    }
    .await;
    browser.close().await.ok();
    driver.kill().ok();
    driver.wait().ok();
    let (href, src, alt, width) = result.unwrap();
    assert_eq!(href, format!("{}/l/{listing_id}", app.address));
    assert!(
        src.starts_with(&format!("{}/badge/listing/{listing_id}.svg", app.address)),
        "{src}"
    );
    assert!(!alt.is_empty());
    assert!(width > 0, "the badge image loaded under the strict CSP");
}
