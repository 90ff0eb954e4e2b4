//! CSV import of receipts and sales over `POST /api/v1/imports/{receipts,sales}`.

use super::custody::{dated, nov};
use super::marketplace::{client, seller};
use reqwest::StatusCode;
use serde_json::{Value, json};
use suyuan_store::ledger::{self, EventScope};
use suyuan_tests::{TestApp, both_engines_app};

async fn upload(
    app: &TestApp,
    token: &str,
    kind: &str,
    query: &str,
    csv: Vec<u8>,
) -> reqwest::Response {
    // The fixtures' dates, moved to the last four weeks (see `dated`).
    let csv = match String::from_utf8(csv) {
        Ok(text) => dated(&text).into_bytes(),
        Err(e) => e.into_bytes(),
    };
    client()
        .post(format!("{}/api/v1/imports/{kind}{query}", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
}

async fn report(app: &TestApp, token: &str, kind: &str, query: &str, csv: &str) -> Value {
    let res = upload(app, token, kind, query, csv.as_bytes().to_vec()).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    client()
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn credit(credit17: &str) -> String {
    suyuan_core::credit_code::CreditCode::with_check_character(credit17)
        .unwrap()
        .to_string()
}

/// (row, column, code) of every refused-row problem.
fn problems(report: &Value) -> Vec<(u64, String, String)> {
    report["rejected_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A seller's stored events, with what differs between two sellers and two moments blanked.
async fn comparable_events(app: &TestApp, seller_id: &str, credit_code: &str) -> Vec<Value> {
    let id = suyuan_core::ids::SellerId::parse(seller_id).unwrap();
    ledger::events_in_scope(&app.db.db, &EventScope::Seller(id), None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let doc = e
                .row
                .document
                .replace(seller_id, "SELLER")
                .replace(credit_code, "CREDIT");
            let mut doc: Value = serde_json::from_str(&doc).unwrap();
            doc["eventID"] = Value::Null;
            doc["recordTime"] = Value::Null;
            json!({
                "document": doc,
                "kind": e.row.record_kind,
                "category": e.row.category_id,
                "missing": e.row.missing_elements,
                "deadline": e.row.deadline_at,
                "region": e.row.region,
            })
        })
        .collect()
}

const GOOD_RECEIPTS: &str = "\
category,supplier_name,supplier_credit_code,voucher_number,received_at,product_name,model,producer,certificate_number,certificate_result,inspection_result,inspector,code,gtin,batch,quantity,unit
ebike,雅迪科技集团有限公司,91440300708461136T,FH-1,2026-11-20,电动自行车,TDT-2301Z,雅迪科技集团有限公司,2023011119000001,valid,accepted,王质检,(01)09520001000010(21)U1;(01)09520001000010(21)U2,,,,
plywood,临沂木业有限公司,91440300708461136T,FH-2,2026-11-21,胶合板,E0-18mm,临沂木业有限公司,,,accepted,王质检,,09520002000019,B7,5,H87
";

both_engines_app!(
    a_good_csv_imports_receipts_exactly_as_if_entered_through_the_api,
    |app: TestApp| async move {
        let (a, token_a) = seller(&app, "91440104MA59ABCD1").await;
        let (b, token_b) = seller(&app, "91440104MA59ABCD2").await;

        let out = report(&app, &token_a, "receipts", "", GOOD_RECEIPTS).await;
        assert_eq!(out["rows"], 2);
        assert_eq!(out["imported"], 2);
        assert_eq!(out["rejected"], 0);
        assert_eq!(out["warnings"], json!([]));
        assert_eq!(out["encoding"], "utf-8");

        // The same two receipts entered one by one.
        for body in [
            json!({"category": "ebike", "supplier": {"name": "雅迪科技集团有限公司", "credit_code": "91440300708461136T"},
                "voucher_number": "FH-1", "received_at": nov(20), "product_name": "电动自行车", "model": "TDT-2301Z",
                "producer": "雅迪科技集团有限公司", "certificate": {"number": "2023011119000001", "result": "valid"},
                "inspection": {"result": "accepted", "inspector": "王质检"}, "channel": "csv",
                "items": [{"code": "(01)09520001000010(21)U1"}, {"code": "(01)09520001000010(21)U2"}]}),
            json!({"category": "plywood", "supplier": {"name": "临沂木业有限公司", "credit_code": "91440300708461136T"},
                "voucher_number": "FH-2", "received_at": nov(21), "product_name": "胶合板", "model": "E0-18mm",
                "producer": "临沂木业有限公司", "inspection": {"result": "accepted", "inspector": "王质检"}, "channel": "csv",
                "items": [{"gtin": "09520002000019", "batch": "B7", "quantity": 5, "unit": "H87"}]}),
        ] {
            let res = client()
                .post(format!("{}/api/v1/receipts", app.address))
                .bearer_auth(&token_b)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
        }

        assert_eq!(
            get(&app, &token_a, "/api/v1/stock").await,
            get(&app, &token_b, "/api/v1/stock").await
        );
        let stock = get(&app, &token_a, "/api/v1/stock").await;
        assert_eq!(stock.as_array().unwrap().len(), 2, "{stock}");
        assert_eq!(
            comparable_events(&app, &a, &credit("91440104MA59ABCD1")).await,
            comparable_events(&app, &b, &credit("91440104MA59ABCD2")).await
        );
        let verified = ledger::verify(&app.db.db).await.unwrap();
        assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
        assert_eq!(verified.events, 4);
    }
);

const BAD_RECEIPTS: &str = "\
category,supplier_name,received_at,code,gtin,batch,quantity
ebike,雅迪,2026-11-20,(01)09520001000010(21)A1,,,
ebike,雅迪,2026-11-20,(01)09520001000011(21)A2,,,
,雅迪,2026-11-20,(01)09520001000010(21)A3,,,
toaster,雅迪,2026-11-20,(01)09520001000010(21)A4,,,
ebike,雅迪,2026-13-45,(01)09520001000010(21)A5,,,
ebike,雅迪,2026-11-20,(01)09520001000010(21)A1,,,
plywood,雅迪,2026-11-20,,09520002000019,B1,abc
ebike,雅迪,2026-11-21,(01)09520001000010(21)A6,,,
";

both_engines_app!(
    a_file_with_bad_rows_names_each_row_column_and_reason_and_writes_nothing_for_them,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;

        // All or nothing: a refused row means nothing is written.
        let strict = report(
            &app,
            &token,
            "receipts",
            "?all_or_nothing=true",
            BAD_RECEIPTS,
        )
        .await;
        assert_eq!(strict["imported"], 0);
        assert_eq!(strict["rejected"], 6);
        assert_eq!(get(&app, &token, "/api/v1/stock").await, json!([]));

        let out = report(&app, &token, "receipts", "", BAD_RECEIPTS).await;
        assert_eq!(out["rows"], 8);
        assert_eq!(out["imported"], 2);
        assert_eq!(out["rejected"], 6);
        let found = problems(&out);
        for expected in [
            (3, "code", "gtin_check_digit"),
            (4, "category", "required"),
            (5, "category", "unknown_category"),
            (6, "received_at", "invalid_time"),
            (7, "code", "duplicate_in_file"),
            (8, "quantity", "invalid_quantity"),
        ] {
            assert!(
                found.contains(&(expected.0, expected.1.to_owned(), expected.2.to_owned())),
                "{expected:?} not in {found:?}"
            );
        }
        let dup = out["rejected_rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == "duplicate_in_file")
            .unwrap();
        assert!(
            dup["message_en"].as_str().unwrap().contains("row 2"),
            "{dup}"
        );
        assert!(
            dup["message_zh"].as_str().unwrap().contains("第 2 行"),
            "{dup}"
        );
        // Only rows 2 and 9 reached the stock: two e-bikes.
        let stock = get(&app, &token, "/api/v1/stock").await;
        assert_eq!(stock.as_array().unwrap().len(), 1, "{stock}");
        assert_eq!(stock[0]["available"], 2.0);
        // Both rows lack data elements e-bikes need: reported as warnings, as the API does.
        assert!(
            out["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["row"] == 2 && w["code"] == "missing_element" && w["column"] == "model"),
            "{}",
            out["warnings"]
        );
    }
);

fn multipart(boundary: &str, fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        if *name == "file" {
            body.extend_from_slice(
                b"Content-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\n",
            );
        } else {
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            );
        }
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

both_engines_app!(
    a_gbk_file_with_chinese_headers_and_a_mapping_imports_from_a_form,
    |app: TestApp| async move {
        let (_, token) = seller(&app, "91440104MA59ABCD1").await;
        let text = dated(
            "类别,供方,统一社会信用代码,进货日期,追溯码,颜色\r\n电动自行车,雅迪科技集团有限公司,91440300708461136T,2026/11/20,(01)09520001000010(21)G1|(01)09520001000010(21)G2,红\r\n",
        );
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        assert!(!unmappable);
        let boundary = "suyuan-test-boundary";
        let body = multipart(
            boundary,
            &[("map", "供方=supplier_name".as_bytes()), ("file", &gbk)],
        );
        let res = client()
            .post(format!("{}/api/v1/imports/receipts", app.address))
            .bearer_auth(&token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["encoding"], "gbk");
        assert_eq!(out["imported"], 1, "{out}");
        assert_eq!(out["unknown_columns"], json!(["颜色"]));
        let events = get(&app, &token, "/api/v1/events/epcis").await;
        let event = &events["epcisBody"]["eventList"][0];
        assert_eq!(
            event["suyuan:supplierName"], "雅迪科技集团有限公司",
            "{event}"
        );
        assert_eq!(event["epcList"].as_array().unwrap().len(), 2);
        assert!(
            event["eventTime"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}T12:00:00", nov(20))),
            "{event}"
        );
    }
);

both_engines_app!(
    suspicious_codes_are_flagged_and_sales_of_codes_never_received_are_refused,
    |app: TestApp| async move {
        let (_, token_a) = seller(&app, "91440104MA59ABCD1").await;
        let (_, token_b) = seller(&app, "91440104MA59ABCD2").await;
        let receipts = "category,received_at,code\nebike,2026-11-20,(01)09520001000010(21)S1\n";
        let first = report(&app, &token_a, "receipts", "", receipts).await;
        assert_eq!(
            first["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["code"] != "missing_element")
                .count(),
            0
        );
        let again = report(&app, &token_a, "receipts", "?again=true", receipts).await;
        assert!(
            again["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["row"] == 2 && w["code"] == "received_twice"),
            "{again}"
        );
        let other = report(&app, &token_b, "receipts", "", receipts).await;
        assert!(
            other["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["code"] == "received_by_another_seller"),
            "{other}"
        );
        assert_eq!(other["imported"], 1, "flagged rows are still imported");

        let sales = "销售日期,类别,买方类型,地区,追溯码\n\
            2026-11-22,ebike,消费者,440106,(01)09520001000010(21)S1\n\
            2026-11-22,ebike,consumer,440106,(01)09520001000010(21)NEVER\n\
            2026-11-22,ebike,consumer,440106,(01)09520001000010(21)S1\n";
        // All or nothing, and a dry run: the stock checks run over the whole file first.
        for query in ["?all_or_nothing=true", "?dry_run=true"] {
            let held = report(&app, &token_b, "sales", query, sales).await;
            assert_eq!(held["rejected"], 2, "{held}");
            let events = get(&app, &token_b, "/api/v1/events/epcis").await;
            assert!(
                !events.to_string().contains("retail_selling"),
                "{query} wrote a sale"
            );
        }
        let sold = report(&app, &token_b, "sales", "", sales).await;
        assert_eq!(sold["imported"], 1, "{sold}");
        let found = problems(&sold);
        assert!(
            found.contains(&(3, "追溯码".into(), "never_received".into())),
            "{found:?}"
        );
        assert!(
            found.contains(&(4, "追溯码".into(), "already_sold".into())),
            "{found:?}"
        );
        let listed = get(&app, &token_b, "/api/v1/events/epcis").await;
        assert!(listed.to_string().contains("retail_selling"), "{listed}");

        // All or nothing: the rows go in together, each seeing the ones before it.
        report(
            &app,
            &token_b,
            "receipts",
            "",
            "category,received_at,code\nebike,2026-11-20,(01)09520001000010(21)S7;(01)09520001000010(21)S8;(01)09520001000010(21)S9\n",
        )
        .await;
        let head = "销售日期,类别,买方类型,地区,买方名称,买方统一社会信用代码,追溯码\n";
        let twice = format!(
            "{head}2026-11-22,ebike,consumer,440106,,,(01)09520001000010(21)S9\n\
             2026-11-22,ebike,consumer,440106,,,(01)09520001000010(21)S9\n"
        );
        let held = report(&app, &token_b, "sales", "?all_or_nothing=true", &twice).await;
        assert_eq!(
            (held["imported"].as_u64(), held["rejected"].as_u64()),
            (Some(0), Some(1)),
            "{held}"
        );
        assert!(problems(&held).contains(&(3, "追溯码".into(), "already_sold".into())));
        let good = format!(
            "{head}2026-11-22,ebike,consumer,440106,,,(01)09520001000010(21)S7\n\
             2026-11-22,电动自行车,经销商,440106,广州车行有限公司,{},(01)09520001000010(21)S8\n",
            credit("91440104MA59ABCD3")
        );
        let dry = report(&app, &token_b, "sales", "?dry_run=true", &good).await;
        assert_eq!(
            (dry["imported"].as_u64(), dry["rejected"].as_u64()),
            (Some(2), Some(0)),
            "{dry}"
        );
        let before = get(&app, &token_b, "/api/v1/events/epcis").await;
        assert!(
            !before
                .to_string()
                .contains("urn:epcglobal:cbv:bizstep:shipping")
                && !before.to_string().contains("\"shipping\""),
            "a dry run wrote a shipment"
        );
        let done = report(&app, &token_b, "sales", "?all_or_nothing=true", &good).await;
        assert_eq!(
            (done["imported"].as_u64(), done["rejected"].as_u64()),
            (Some(2), Some(0)),
            "{done}"
        );
        let transfers = get(&app, &token_b, "/api/v1/transfers").await;
        assert_eq!(
            transfers.to_string().matches("广州车行有限公司").count(),
            1,
            "{transfers}"
        );
        // S9 was left unsold by the refused file.
        let once = format!("{head}2026-11-23,ebike,consumer,440106,,,(01)09520001000010(21)S9\n");
        let sold = report(&app, &token_b, "sales", "", &once).await;
        assert_eq!(sold["imported"], 1, "{sold}");
    }
);

both_engines_app!(
    the_upload_refuses_another_sellers_id_other_roles_and_files_too_large,
    |app: TestApp| async move {
        let (a, token_a) = seller(&app, "91440104MA59ABCD1").await;
        let (b, _) = seller(&app, "91440104MA59ABCD2").await;
        let csv = "category,received_at,code\nebike,2026-11-20,(01)09520001000010(21)T1\n";
        let res = upload(
            &app,
            &token_a,
            "receipts",
            &format!("?seller={b}"),
            csv.into(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let id = suyuan_core::ids::SellerId::parse(&b).unwrap();
        assert_eq!(ledger::count_for_seller(&app.db.db, &id).await.unwrap(), 0);
        // Naming oneself is fine.
        let res = upload(
            &app,
            &token_a,
            "receipts",
            &format!("?seller={a}"),
            csv.into(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK);

        let admin = app.admin_token();
        let res = upload(&app, &admin, "receipts", "", csv.into()).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        let res = upload(&app, "not-a-token", "receipts", "", csv.into()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

        let res = upload(
            &app,
            &token_a,
            "receipts",
            "",
            vec![b'a'; 50 * 1024 * 1024 + 1],
        )
        .await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );

        let res = upload(
            &app,
            &token_a,
            "receipts",
            "",
            b"category,received_at\nebike,2026-11-20\n".to_vec(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["code"], "missing_column");
        assert_eq!(p["errors"][0]["field"], "code / gtin");
    }
);

both_engines_app!(
    a_file_of_several_chunks_imports_while_the_api_appends_and_the_chain_holds,
    |app: TestApp| async move {
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        let rows = 2 * suyuan_store::import::receipts::CHUNK_ROWS + 500;
        let csv = suyuan_plugin_api::import::sample_receipts_csv(rows, "M");
        let units = (0..rows).filter(|n| n % 4 != 3).count();

        // Receipts entered through the API for as long as the file is being written: each
        // takes the chain lock between two of the import's chunks.
        let done = std::sync::atomic::AtomicBool::new(false);
        let imported = async {
            let out = report(&app, &token, "receipts", "", &csv).await;
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            out
        };
        let entered = async {
            let mut n = 0u64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let res = client()
                    .post(format!("{}/api/v1/receipts", app.address))
                    .bearer_auth(&token)
                    .json(&json!({"category": "ebike", "received_at": nov(20),
                        "items": [{"code": format!("(01)09520001000010(21)API{n}")}]}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    res.status(),
                    StatusCode::CREATED,
                    "{}",
                    res.text().await.unwrap()
                );
                n += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            n
        };
        let (out, entered) = tokio::join!(imported, entered);
        assert_eq!(out["imported"], rows, "{out}");
        assert_eq!(out["warnings"], json!([]));

        let id = suyuan_core::ids::SellerId::parse(&seller_id).unwrap();
        assert_eq!(
            ledger::count_for_seller(&app.db.db, &id).await.unwrap(),
            rows as u64 + entered
        );
        let verified = ledger::verify(&app.db.db).await.unwrap();
        assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);

        // The same file again is refused: it was imported to its end, nothing is added.
        let res = upload(&app, &token, "receipts", "", csv.clone().into_bytes()).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:already-imported");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("（{rows} 行）")),
            "{problem}"
        );
        // Asked to, it goes in once more: every unit code, in every chunk, was received here
        // already.
        let again = report(&app, &token, "receipts", "?again=true", &csv).await;
        assert_eq!(again["imported"], rows);
        let warnings = again["warnings"].as_array().unwrap();
        // The first 1,000 are listed in full, every one is counted.
        assert_eq!(warnings.len(), 1000, "{}", warnings[0]);
        assert!(warnings.iter().all(|w| w["code"] == "received_twice"));
        assert_eq!(again["warnings_total"], units);
        assert_eq!(
            again["warnings_by_reason"],
            json!({ "received_twice": units })
        );
        let verified = ledger::verify(&app.db.db).await.unwrap();
        assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);
        assert_eq!(verified.events, 2 * rows as u64 + entered);
    }
);

both_engines_app!(
    a_second_import_of_the_same_seller_is_told_to_wait_and_oversized_parts_are_named,
    |app: TestApp| async move {
        use tokio::io::AsyncWriteExt as _;
        let (_, token_a) = seller(&app, "91440104MA59ABCD1").await;
        let (_, token_b) = seller(&app, "91440104MA59ABCD2").await;
        let csv = "category,received_at,code\nebike,2026-11-20,(01)09520001000010(21)W1\n";

        // Seller A's script starts streaming a file and has not finished sending it.
        let host = app.address.trim_start_matches("http://").to_owned();
        let mut slow = tokio::net::TcpStream::connect(&host).await.unwrap();
        slow.write_all(
            format!(
                "POST /api/v1/imports/receipts?dry_run=true HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token_a}\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{csv}\r\n",
                csv.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        // Its second upload meanwhile is refused at once, with when to try again. (The first
        // is given time to reach the server first: the one that arrives first is served.)
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let mut waited = None;
        for _ in 0..100 {
            let res = upload(&app, &token_a, "receipts", "?dry_run=true", csv.into()).await;
            if res.status() == StatusCode::TOO_MANY_REQUESTS {
                waited = Some(res);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let res = waited.expect("a second concurrent import of one seller was not refused");
        assert_eq!(res.headers()["retry-after"], "10");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["type"], "urn:suyuan:problem:import-in-progress");
        assert!(p["detail"].as_str().unwrap().contains("导入"), "{p}");
        // Another seller is not held up.
        let other = report(&app, &token_b, "receipts", "?dry_run=true", csv).await;
        assert_eq!(other["imported"], 1);
        // The first upload ends and gets its report; then A may import again.
        slow.write_all(b"0\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut slow, &mut answer)
            .await
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let again = report(&app, &token_a, "receipts", "?dry_run=true", csv).await;
        assert_eq!(again["imported"], 1);

        // A form field other than the file is bounded, and the answer names it and the setting.
        let big_map = format!("追溯码={}", "x".repeat(70 * 1024));
        let boundary = "XyZ";
        let res = client()
            .post(format!("{}/api/v1/imports/receipts", app.address))
            .bearer_auth(&token_a)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart(
                boundary,
                &[("map", big_map.as_bytes()), ("file", csv.as_bytes())],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "map", "{p}");
        assert!(
            p["detail_en"]
                .as_str()
                .unwrap()
                .contains("SUYUAN_IMPORT_MAX_FIELD_BYTES"),
            "{p}"
        );
        // So is the file, by its own setting.
        let res = upload(
            &app,
            &token_a,
            "receipts",
            "",
            vec![b'a'; 50 * 1024 * 1024 + 1],
        )
        .await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["errors"][0]["field"], "file", "{p}");
        assert!(
            p["detail_en"]
                .as_str()
                .unwrap()
                .contains("52428800 bytes (the limit is SUYUAN_IMPORT_MAX_BYTES)"),
            "{p}"
        );
    }
);

/// Lets the test know once `rows` rows of an import are stored.
struct Signal {
    rows: u64,
    done: u64,
    tell: Option<tokio::sync::oneshot::Sender<()>>,
}

impl suyuan_store::import::Progress for Signal {
    fn advance(&mut self, n: u64) {
        self.done += n;
        if self.done >= self.rows
            && let Some(tell) = self.tell.take()
        {
            let _ = tell.send(());
        }
    }
}

/// What a crashed process leaves: its import's lease runs out.
async fn holder_died(app: &TestApp) {
    use sea_orm::ConnectionTrait as _;
    let (backend, sql) = match app.db.engine {
        suyuan_tests::Engine::Sqlite => (
            sea_orm::DbBackend::Sqlite,
            "UPDATE import_runs SET leased_until = ? WHERE status = 'running'",
        ),
        suyuan_tests::Engine::Postgres => (
            sea_orm::DbBackend::Postgres,
            "UPDATE import_runs SET leased_until = $1 WHERE status = 'running'",
        ),
    };
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    let done = app
        .db
        .db
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [sea_orm::Value::from(past)],
        ))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "one import was cut off");
}

async fn upload_raw(
    app: &TestApp,
    token: &str,
    kind: &str,
    query: &str,
    csv: &str,
) -> reqwest::Response {
    client()
        .post(format!("{}/api/v1/imports/{kind}{query}", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

both_engines_app!(
    a_file_is_not_imported_twice_and_an_import_cut_off_in_the_middle_goes_on_after_its_last_stored_row,
    |app: TestApp| async move {
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        let id = suyuan_core::ids::SellerId::parse(&seller_id).unwrap();
        // Four chunks of 2,000 rows (three e-bikes with a unit code to one plywood batch).
        let rows = 7_000usize;
        let units = (0..rows).filter(|n| n % 4 != 3).count();
        let csv = suyuan_plugin_api::import::sample_receipts_csv(rows, "CUT");

        // The first import stops when its first chunk is stored, as when the service is killed:
        // it runs on a pool of its own, closed after it stops (the connections go away, so the
        // database rolls back the chunk being written); its lease stays until it runs out.
        let dying = suyuan_store::connect(&app.db.url).await.unwrap();
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, csv.as_bytes()).unwrap();
        let (tell, told) = tokio::sync::oneshot::channel();
        let mut signal = Signal { rows: 2_000, done: 0, tell: Some(tell) };
        let request = suyuan_plugin_api::import::ImportRequest {
            kind: suyuan_store::import::ImportKind::Receipts,
            file,
            mapping: vec![],
            options: Default::default(),
            transfer_terms: suyuan_store::transfers::TransferTerms {
                contact_email: None,
                valid_for: chrono::Duration::days(30),
                sealing_key: None,
            },
            max_backdate: chrono::Duration::days(366),
            report_limit: 1_000,
        };
        tokio::select! {
            out = suyuan_plugin_api::import::run(&dying, suyuan_tests::catalogue(), &id, request, &mut signal) => {
                panic!("the import was to be cut off: {out:?}")
            }
            _ = told => {}
        }
        dying.close().await.unwrap();
        let stored = ledger::count_for_seller(&app.db.db, &id).await.unwrap() as usize;
        assert!(stored >= 2_000 && stored < rows, "{stored} rows stored before the cut");

        // Sent again while the cut-off import still holds the file: wait, with when to retry.
        let res = upload_raw(&app, &token, "receipts", "", &csv).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&wait), "Retry-After {wait}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["type"], "urn:suyuan:problem:import-in-progress");

        // Its lease runs out; the same file sent again goes on after the last stored row.
        holder_died(&app).await;
        let res = upload_raw(&app, &token, "receipts", "", &csv).await;
        assert_eq!(res.status(), StatusCode::OK);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["rows"], rows);
        assert_eq!(out["imported"], rows, "{out}");
        assert_eq!(out["imported_before"], stored);
        // Spreadsheet rows: the header is row 1.
        assert_eq!(out["resumed_after_row"], stored + 1);
        assert_eq!(out["rejected"], 0);
        assert!(
            out["warnings_by_reason"].get("received_twice").is_none(),
            "nothing stored twice: {}",
            out["warnings_by_reason"]
        );
        assert_eq!(
            ledger::count_for_seller(&app.db.db, &id).await.unwrap(),
            rows as u64,
            "every row once"
        );
        let verified = ledger::verify(&app.db.db).await.unwrap();
        assert!(verified.breaks.is_empty(), "{:?}", verified.breaks);

        // Imported to its end: the same file once more is refused and adds nothing...
        let res = upload_raw(&app, &token, "receipts", "", &csv).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert_eq!(ledger::count_for_seller(&app.db.db, &id).await.unwrap(), rows as u64);
        // ...a dry run of it still checks it...
        let res = upload_raw(&app, &token, "receipts", "?dry_run=true", &csv).await;
        assert_eq!(res.status(), StatusCode::OK);
        // ...and asked to, it goes in again, every unit flagged as received twice.
        let res = upload_raw(&app, &token, "receipts", "?again=true", &csv).await;
        assert_eq!(res.status(), StatusCode::OK);
        let out: Value = res.json().await.unwrap();
        assert_eq!(out["imported"], rows);
        assert_eq!(out["imported_before"], 0);
        assert!(out.get("resumed_after_row").is_none(), "{out}");
        assert_eq!(out["warnings_by_reason"]["received_twice"], units);
        assert_eq!(
            ledger::count_for_seller(&app.db.db, &id).await.unwrap(),
            2 * rows as u64
        );

        // Another seller's upload of the same bytes is its own file.
        let (_, other) = seller(&app, "91440104MA59ABCD2").await;
        let res = upload_raw(&app, &other, "receipts", "?dry_run=true", &csv).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
);

both_engines_app!(
    a_sales_import_cut_off_in_the_middle_registers_each_row_once_when_sent_again,
    |app: TestApp| async move {
        let (seller_id, token) = seller(&app, "91440104MA59ABCD1").await;
        let id = suyuan_core::ids::SellerId::parse(&seller_id).unwrap();
        let rows = 400usize;
        let received = suyuan_plugin_api::import::sample_receipts_csv(rows * 4 / 3 + 4, "SOLD");
        let res = upload_raw(&app, &token, "receipts", "", &received).await;
        assert_eq!(res.status(), StatusCode::OK);
        let day =
            suyuan_core::china_time::china_date(chrono::Utc::now() - chrono::Duration::days(1));
        let mut sales = String::from("销售日期,类别,买方类型,地区,追溯码\n");
        let serials: Vec<usize> = (0..).filter(|n| n % 4 != 3).take(rows).collect();
        for n in &serials {
            sales.push_str(&format!(
                "{day},ebike,consumer,440106,(01)09520001000010(21)SOLD{n}\n"
            ));
        }
        let before = ledger::count_for_seller(&app.db.db, &id).await.unwrap();

        // The import is stopped once some of its rows are registered, each in its own
        // transaction.
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, sales.as_bytes()).unwrap();
        let request = suyuan_plugin_api::import::ImportRequest {
            kind: suyuan_store::import::ImportKind::Sales,
            file,
            mapping: vec![],
            options: Default::default(),
            transfer_terms: suyuan_store::transfers::TransferTerms {
                contact_email: None,
                valid_for: chrono::Duration::days(30),
                sealing_key: None,
            },
            max_backdate: chrono::Duration::days(366),
            report_limit: 1_000,
        };
        // On a pool of its own, closed once the import is stopped: what a killed process leaves.
        let db = suyuan_store::connect(&app.db.url).await.unwrap();
        let dying = db.clone();
        let task = tokio::spawn({
            let id = id.clone();
            async move {
                suyuan_plugin_api::import::run(
                    &db,
                    suyuan_tests::catalogue(),
                    &id,
                    request,
                    &mut (),
                )
                .await
            }
        });
        loop {
            let n = ledger::count_for_seller(&app.db.db, &id).await.unwrap() - before;
            if n >= 50 {
                break;
            }
            assert!(
                !task.is_finished(),
                "the import ended before it could be cut off"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        task.abort();
        let _ = task.await;
        dying.close().await.unwrap();
        let stored = (ledger::count_for_seller(&app.db.db, &id).await.unwrap() - before) as usize;
        assert!(stored < rows, "{stored} sales registered before the cut");

        holder_died(&app).await;
        let res = upload_raw(&app, &token, "sales", "", &sales).await;
        let status = res.status();
        let out: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{out}");
        assert_eq!(out["imported"], rows, "{out}");
        assert_eq!(out["imported_before"], stored, "{out}");
        assert_eq!(out["resumed_after_row"], stored + 1);
        assert_eq!(out["rejected"], 0, "no row refused as sold already: {out}");
        assert_eq!(
            ledger::count_for_seller(&app.db.db, &id).await.unwrap() - before,
            rows as u64
        );
        let res = upload_raw(&app, &token, "sales", "", &sales).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
    }
);
