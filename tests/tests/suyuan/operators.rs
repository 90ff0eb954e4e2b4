//! Marketplace operators: listing look-up with badges and snippets, signed status notifications;
//! and several instances sharing one PostgreSQL.

use super::marketplace::{client, connect, deliver_shopify, eventually, seller};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use suyuan_tests::{TestApp, both_engines_app};

type Received = Arc<Mutex<Vec<(String, String, String, String)>>>;

/// A real HTTP receiver that records what it is sent (id, timestamp, signature, body).
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let data = web::Data::new(got.clone());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route(
            "/hooks",
            web::post().to(
                |req: HttpRequest, body: String, got: web::Data<Received>| async move {
                    let h = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    got.lock().unwrap().push((
                        h("webhook-id"),
                        h("webhook-timestamp"),
                        h("webhook-signature"),
                        body,
                    ));
                    HttpResponse::NoContent().finish()
                },
            ),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}/hooks"), got)
}

fn product(id: u64, barcode: Option<&str>, updated_at: &str) -> Vec<u8> {
    json!({"id": id, "title": "雅迪 新国标电动自行车", "product_type": "Electric Bicycles", "handle": "dt3", "status": "active",
        "tags": "", "updated_at": updated_at, "variants": [{"id": id + 1, "product_id": id, "title": "Default", "sku": "DT3", "barcode": barcode}]})
    .to_string()
    .into_bytes()
}

both_engines_app!(
    an_operator_looks_up_a_listing_and_is_told_when_it_becomes_traced,
    |app: TestApp| async move {
        let admin = app.admin_token();
        let op: Value = client()
            .post(format!("{}/api/v1/operators", app.address))
            .bearer_auth(&admin)
            .json(&json!({"name": "演示商城", "platform": "shopify"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let op_token = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Operator,
                op["id"].as_str().unwrap(),
                None,
                Duration::from_secs(600),
            )
            .unwrap();
        let (hook_url, received) = receiver().await;
        let sub: Value = client()
            .post(format!("{}/api/v1/operator/subscriptions", app.address))
            .bearer_auth(&op_token)
            .json(&json!({"url": hook_url}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let secret = sub["secret"].as_str().unwrap().to_owned();

        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let store = connect(
            &app,
            &token,
            json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
        )
        .await;
        // Only a shop whose domain is proven is answered to operators.
        crate::suyuan::domains::prove(&app, &token, &store).await;
        deliver_shopify(
            &app,
            &store,
            "k",
            "products/create",
            "p-1",
            &product(4242, None, "2026-11-25T09:00:00+08:00"),
        )
        .await;
        let listings = eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"][0]["trace_state"] == "needs_code"
        })
        .await;
        assert!(
            listings["items"][0]["todo"][0]
                .as_str()
                .unwrap()
                .contains("GTIN")
        );
        deliver_shopify(
            &app,
            &store,
            "k",
            "products/update",
            "p-2",
            &product(4242, Some("09520001000010"), "2026-11-25T10:00:00+08:00"),
        )
        .await;
        eventually(&app, &token, "/api/v1/listings", |l| {
            l["items"][0]["trace_state"] == "traced"
        })
        .await;

        let res = client()
            .get(format!(
                "{}/api/v1/operator/listings/shopify/4242",
                app.address
            ))
            .bearer_auth(&op_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let found: Value = res.json().await.unwrap();
        let listing_id = found["listing_id"].as_str().unwrap();
        assert_eq!(found["trace_state"], "traced");
        assert_eq!(found["seller_name"], "骑乐电器");
        assert_eq!(
            found["badge_svg_url"],
            format!("{}/badge/listing/{listing_id}.svg", app.address)
        );
        assert!(
            found["snippets"]["script"]
                .as_str()
                .unwrap()
                .contains(&format!("data-suyuan-listing=\"{listing_id}\""))
        );
        assert!(
            found["snippets"]["iframe"]
                .as_str()
                .unwrap()
                .starts_with("<iframe")
        );
        assert!(found["snippets"]["img"].as_str().unwrap().contains(".png"));
        // A seller is not an operator; an unknown listing is 404.
        let res = client()
            .get(format!(
                "{}/api/v1/operator/listings/shopify/4242",
                app.address
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = client()
            .get(format!(
                "{}/api/v1/operator/listings/shopify/1",
                app.address
            ))
            .bearer_auth(&op_token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);

        // Two signed notifications: new (needs code), then traced.
        for _ in 0..100 {
            if received.lock().unwrap().len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = received.lock().unwrap().clone();
        assert_eq!(got.len(), 2, "{got:#?}");
        for (id, ts, sig, body) in &got {
            let expected =
                suyuan_plugin_api::intake::notify::sign(&secret, id, ts.parse().unwrap(), body)
                    .unwrap();
            assert_eq!(
                sig, &expected,
                "the notification verifies with the subscription's secret"
            );
        }
        let states: Vec<Value> = got
            .iter()
            .map(|(_, _, _, b)| {
                serde_json::from_str::<Value>(b).unwrap()["data"]["trace_state"].clone()
            })
            .collect();
        assert_eq!(states, vec![json!("needs_code"), json!("traced")]);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_process_a_burst_exactly_once() {
    let Some(app) = suyuan_tests::spawn_app(suyuan_tests::Engine::Postgres).await else {
        return;
    };
    let second = suyuan_tests::spawn_instance(&app).await;
    let (_, token) = seller(&app, "91440104MA59ABCD1").await;
    let store = connect(
        &app,
        &token,
        json!({"platform": "shopify", "name": "s", "shop": "q.myshopify.com", "secret": "k"}),
    )
    .await;
    let mut sends = Vec::new();
    for i in 0..120u64 {
        let body = product(
            1_000_000 + i * 10,
            Some("09520001000010"),
            "2026-11-25T10:00:00+08:00",
        );
        let address = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let url = format!(
            "{address}/webhooks/shopify/{}",
            store["id"].as_str().unwrap()
        );
        sends.push(tokio::spawn(async move {
            let sig = super::marketplace::shopify_sign("k", &body);
            // Every delivery is sent twice, once to each instance, as a platform retry would be.
            // Like a platform, the sender sends again what got no answer at all (a connection
            // the loaded server closed, seen as hyper's `UnexpectedMessage` on a 2-core machine
            // running a benchmark beside the suite); the ids make that harmless.
            for target in [url.clone(), url] {
                let mut attempt = 0;
                let res = loop {
                    attempt += 1;
                    match client()
                        .post(&target)
                        .header("X-Shopify-Topic", "products/create")
                        .header("X-Shopify-Hmac-Sha256", &sig)
                        .header("X-Shopify-Webhook-Id", format!("burst-{i}"))
                        .body(body.clone())
                        .send()
                        .await
                    {
                        Ok(res) => break res,
                        Err(e) if attempt < 5 => {
                            eprintln!("burst-{i}: no answer ({e}), sending again");
                            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                        }
                        Err(e) => panic!("burst-{i}: no answer after {attempt} attempts: {e}"),
                    }
                };
                assert_eq!(res.status(), StatusCode::OK);
            }
        }));
    }
    for s in sends {
        s.await.unwrap();
    }
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use suyuan_store::entity::{listing, webhook_inbox};
    for _ in 0..200 {
        if suyuan_store::inbox::count_by_status(&app.db.db, "done")
            .await
            .unwrap()
            == 120
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        webhook_inbox::Entity::find()
            .count(&app.db.db)
            .await
            .unwrap(),
        120,
        "each delivery stored once"
    );
    assert_eq!(
        suyuan_store::inbox::count_by_status(&app.db.db, "done")
            .await
            .unwrap(),
        120
    );
    let reclaimed = webhook_inbox::Entity::find()
        .filter(webhook_inbox::Column::Attempts.ne(1))
        .count(&app.db.db)
        .await
        .unwrap();
    assert_eq!(reclaimed, 0, "no delivery was claimed by both instances");
    assert_eq!(
        listing::Entity::find().count(&app.db.db).await.unwrap(),
        120
    );
}
