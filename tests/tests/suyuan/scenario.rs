//! The Seller Operation Guide, chapter 5, walked end to end against a stand-in national platform:
//! a producer's goods reach seller A (incoming inspection with the certificate checked), A sells
//! part to distributor B (B2B, freight, tracked), B claims the transfer into a pre-filled receipt,
//! B sells to consumers in three provinces, and a mistake is corrected. One registration in
//! Suyuan reaches the platform once per record; the correction reaches it again.

use super::marketplace::client;
use super::submissions::{register, route_all};
use super::transfers::{A_NAME, B_NAME, a_receives, a_ships_to_b, ebike, seller_named};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;
use suyuan_tests::standin::StandIn;
use suyuan_tests::{TestApp, both_engines_app};

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let res = client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let res = client()
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let out: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {out:#}");
    out
}

/// A record as the platform knows it: its EPCIS eventID, marked when it is an error declaration
/// (which repeats the eventID of the record it declares wrong).
fn key(event: &Value) -> String {
    let id = event["eventID"].as_str().unwrap();
    if event["errorDeclaration"].is_object() {
        format!("{id}#declared")
    } else {
        id.to_owned()
    }
}

/// The keys of a seller's records, oldest first.
async fn event_ids(app: &TestApp, token: &str) -> Vec<String> {
    let doc = get(app, token, "/api/v1/events/epcis").await;
    doc["epcisBody"]["eventList"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect()
}

/// Waits until the stand-in holds every one of `ids` (or fails after 30 s).
async fn until_captured(standin: &StandIn, ids: &[String]) -> HashMap<String, usize> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for c in standin.captured() {
            *seen.entry(key(&c.event)).or_default() += 1;
        }
        if ids.iter().all(|i| seen.contains_key(i)) {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the platform still lacks {:?}",
            ids.iter()
                .filter(|i| !seen.contains_key(*i))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

both_engines_app!(
    the_guide_walked_end_to_end_reaches_the_platform_once_per_record_and_again_for_a_correction,
    |app: TestApp| async move {
        // The national platform, registered by an operator, takes every record.
        let standin = StandIn::start().await;
        let platform = register(&app, &standin, "national", json!({})).await;
        route_all(&app, &platform).await;

        let (_, a, _) = seller_named(&app, A_NAME, "91440104MA59ABCD1").await;
        let (_, b, _) = seller_named(&app, B_NAME, "91330106MA2GXYK23").await;

        // 5.4 Incoming inspection at A: the producer's batch, certificate checked.
        a_receives(&app, &a, &["U1", "U2", "U3", "U4", "U5"]).await;
        // 5.5 A sells four to distributor B by freight, tracked: a transfer with a claim link.
        let sale = a_ships_to_b(&app, &a, &["U1", "U2", "U3", "U4"], None).await;
        let claim = sale["transfer"]["claim_url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        // 5.6 B claims: the goods become B's receipt without retyping.
        let claimed = post(
            &app,
            &b,
            &format!("/api/v1/transfers/claim/{claim}"),
            json!({"certificate_result": "valid", "inspection_result": "accepted", "inspector": "李收货"}),
        )
        .await;
        assert_eq!(claimed["transfer"]["status"], "claimed");
        // B sells to consumers in Guangdong, Zhejiang and Beijing.
        let mut sales = Vec::new();
        for (serial, region) in [("U1", "440104"), ("U2", "330106"), ("U3", "110101")] {
            let out = post(
                &app,
                &b,
                "/api/v1/sales",
                json!({"category": "ebike", "buyer": {"type": "consumer", "region": region},
                "shipping_method": "pickup", "items": [{"code": ebike(serial)}]}),
            )
            .await;
            sales.push(out);
        }

        // Every record of A and B reaches the platform exactly once.
        let mut ids = event_ids(&app, &a).await;
        ids.extend(event_ids(&app, &b).await);
        assert_eq!(
            ids.len(),
            6,
            "A: receipt, shipment; B: receipt, three sales"
        );
        let seen = until_captured(&standin, &ids).await;
        for id in &ids {
            assert_eq!(seen[id], 1, "{id} reached the platform {} times", seen[id]);
        }
        assert!(
            standin.rejected_documents().is_empty(),
            "every document is valid EPCIS 2.0"
        );
        // The ledger says so, record by record.
        let ledger = get(&app, &b, "/api/v1/submissions").await;
        let items = ledger["items"].as_array().unwrap();
        assert_eq!(items.len(), 4, "{ledger:#}");

        // 5.8 A mistake: the Beijing sale went to Shanghai. The correction reaches the platform.
        let beijing = sales[2]["event_id"].as_str().unwrap();
        let corrected = post(
            &app,
            &b,
            &format!("/api/v1/events/{beijing}/corrections"),
            json!({"reason": "地区登记错误", "changes": {"region": "310104"}}),
        )
        .await;
        let after = event_ids(&app, &b).await;
        let new: Vec<String> = after.iter().filter(|i| !ids.contains(i)).cloned().collect();
        assert_eq!(
            new.len(),
            2,
            "a declaration and a corrective event: {corrected:#}"
        );
        let seen = until_captured(&standin, &new).await;
        for id in ids.iter().chain(&new) {
            assert_eq!(seen[id], 1, "{id} reached the platform {} times", seen[id]);
        }
        let declaration = standin
            .captured()
            .into_iter()
            .find(|c| c.event["errorDeclaration"].is_object())
            .expect("the declaration reached the platform");
        assert_eq!(
            declaration.event["errorDeclaration"]["reason"],
            "incorrect_data"
        );
        // Nothing was sent twice: one request per record.
        assert_eq!(standin.captured().len(), 8);
    }
);
