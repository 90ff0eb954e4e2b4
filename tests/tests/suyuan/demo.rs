//! The demo, and the EPCIS export of its data against the official schema.

use reqwest::StatusCode;
use serde_json::Value;
use suyuan_store::ledger;
use suyuan_tests::{TestApp, both_engines_app};

fn epcis_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/epcis/EPCIS-JSON-Schema.json"
    );
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(path).expect("the EPCIS schema beside the repo"),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the EPCIS schema compiles")
}

both_engines_app!(
    the_demo_export_validates_against_the_official_epcis_schema,
    |app: TestApp| async move {
        let catalogue = suyuan_tests::catalogue();
        let parties = suyuan_server::demo::ensure_demo(&app.db.db, &catalogue, &app.secret_key)
            .await
            .unwrap();
        assert!(parties.created);
        // A second start finds the same demo instead of adding another.
        let again = suyuan_server::demo::ensure_demo(&app.db.db, &catalogue, &app.secret_key)
            .await
            .unwrap();
        assert!(!again.created);
        assert_eq!(again.seller_gz, parties.seller_gz);

        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "application/ld+json");
        let doc: Value = res.json().await.unwrap();
        let validator = epcis_schema();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "schema errors: {errors:#?}");

        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        let steps: Vec<&str> = events
            .iter()
            .filter_map(|e| e["bizStep"].as_str())
            .collect();
        for step in ["receiving", "packing", "retail_selling", "shipping"] {
            assert!(steps.contains(&step), "demo has no {step} event: {steps:?}");
        }
        assert!(events.iter().any(|e| e["type"] == "AggregationEvent"));
        assert!(
            events
                .iter()
                .any(|e| e["errorDeclaration"]["reason"] == "incorrect_data")
        );
        assert!(ledger::verify(&app.db.db).await.unwrap().breaks.is_empty());
    }
);

both_engines_app!(
    a_seller_exports_only_its_own_events_and_a_supervisor_only_its_jurisdiction,
    |app: TestApp| async move {
        let catalogue = suyuan_tests::catalogue();
        let parties = suyuan_server::demo::ensure_demo(&app.db.db, &catalogue, &app.secret_key)
            .await
            .unwrap();
        let ttl = std::time::Duration::from_secs(600);
        let seller = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Seller,
                parties.seller_hz.as_str(),
                None,
                ttl,
            )
            .unwrap();
        let doc: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&seller)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        assert_eq!(
            events.len(),
            2,
            "the Hangzhou distributor has a receipt and a shipment"
        );
        assert!(
            events
                .iter()
                .all(|e| e["suyuan:seller"] == parties.seller_hz.as_str())
        );

        let supervisor = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Supervisor,
                &parties.supervisor_id,
                Some("31"),
                ttl,
            )
            .unwrap();
        let doc: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&supervisor)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let events = doc["epcisBody"]["eventList"].as_array().unwrap();
        assert!(!events.is_empty());
        assert!(
            events
                .iter()
                .all(|e| e["suyuan:seller"] == parties.seller_sh.as_str())
        );

        let operator = app
            .tokens
            .mint(
                suyuan_core::tenancy::Role::Operator,
                &parties.operator_id,
                None,
                ttl,
            )
            .unwrap();
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/events/epcis", app.address))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
);

both_engines_app!(
    the_home_page_says_what_suyuan_is_and_offers_demo_codes_that_open,
    |app: TestApp| async move {
        let http = reqwest::Client::new();
        // An empty installation: the page still answers, with where to start and no examples.
        let res = http.get(format!("{}/", app.address)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let empty = res.text().await.unwrap();
        assert!(
            empty.contains("溯源") && empty.contains("/signin"),
            "{empty}"
        );
        assert!(!empty.contains("试试这些追溯码"), "{empty}");

        suyuan_server::demo::ensure_demo(&app.db.db, &suyuan_tests::catalogue(), &app.secret_key)
            .await
            .unwrap();
        let page = http
            .get(format!("{}/?lang=en", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Try these codes"), "{page}");
        // Every example opens its trace page.
        let doc = page.as_str();
        let hrefs: Vec<&str> = doc
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|h| h.starts_with("/01/") || h.starts_with("/t/"))
            .collect();
        assert!(!hrefs.is_empty(), "{page}");
        for href in hrefs {
            let href = href.replace("&amp;", "&");
            let res = http
                .get(format!("{}{href}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{href}");
        }
    }
);

/// A recall flow row as the test compares it (the XLSX cells, as text).
type FlowCells<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

both_engines_app!(
    a_recall_of_the_demo_cable_reaches_the_guangzhou_store_through_its_claimed_transfer,
    |app: TestApp| async move {
        use calamine::Reader as _;
        let parties = suyuan_server::demo::ensure_demo(
            &app.db.db,
            &suyuan_tests::catalogue(),
            &app.secret_key,
        )
        .await
        .unwrap();
        // The demo's cable GTIN: 952000300001 with its check digit.
        let gtin = suyuan_core::codes::Gtin::with_check_digit("952000300001")
            .unwrap()
            .to_gtin14();
        let res = reqwest::Client::new()
            .get(format!(
                "{}/api/v1/recalls/flow?gtin={gtin}&format=xlsx",
                app.address
            ))
            .bearer_auth(app.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("召回流向 Recall flow").unwrap();
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .skip(1)
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        // (tier, seller id, province, customer type, quantity, record kind, next seller, gap)
        let lines: Vec<FlowCells> = rows
            .iter()
            .map(|r| {
                (
                    r[0].as_str(),
                    r[12].as_str(),
                    r[3].as_str(),
                    r[6].as_str(),
                    r[7].as_str(),
                    r[9].as_str(),
                    r[10].as_str(),
                    r[11].as_str(),
                )
            })
            .collect();
        let (hz, gz) = (parties.seller_hz.as_str(), parties.seller_gz.as_str());
        assert_eq!(
            lines,
            vec![
                ("1", hz, "33", "", "5", "receipt", "", ""),
                ("1", hz, "44", "distributor", "2", "shipment", gz, ""),
                ("2", gz, "44", "", "2", "receipt", "", ""),
                ("2", gz, "44", "consumer", "1", "sale", "", ""),
            ],
            "{rows:#?}"
        );
    }
);
