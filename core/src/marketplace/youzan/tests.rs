#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::marketplace::test_support::*;
use proptest::prelude::*;

const CLIENT_ID: &str = "c346b8b39599aaa677";

fn creds() -> Credentials<'static> {
    Credentials::new(vec![b"FAKE_SECRET".as_slice()]).with_app_key(CLIENT_ID)
}

fn event_sign(sign: &str) -> Headers {
    Headers::new(vec![
        ("Event-Sign".into(), sign.into()),
        ("Event-Type".into(), "trade_TradePaid".into()),
        ("Client-Id".into(), CLIENT_ID.into()),
    ])
}

/// youzan_trade_success.json without its trailing newline, as the vector was computed.
fn success_body() -> Vec<u8> {
    let mut body = fixture("youzan_trade_success.json");
    while body.last() == Some(&b'\n') {
        body.pop();
    }
    body
}

#[test]
fn the_paid_push_verifies_by_event_sign_and_by_body_sign() {
    let v = vector("youzan_trade_paid_fake_secret");
    let body = fixture("youzan_trade_paid.json");
    let by_header = delivery(Youzan.verify(
        &event_sign(&vs(&v, "Event-Sign=md5(client_id+raw_body+client_secret)")),
        &body,
        &creds(),
        now(),
    ));
    assert_eq!(
        by_header.idempotency_key,
        "c137cd44-3f8e-4fd8-9a76-dc664143524e"
    );
    assert_eq!(by_header.topic, "trade_TradePaid");
    assert_eq!(by_header.shop.as_deref(), Some("13027865"), "kdt_id");
    let by_body = delivery(Youzan.verify(&Headers::default(), &body, &creds(), now()));
    // Signed only in `msg`: nothing unsigned (msg_id, kdt_id) is taken; the key is the
    // digest of the type and the signed msg.
    assert_eq!(by_body.topic, "trade_TradePaid");
    assert!(by_body.idempotency_key.starts_with("msg:"));
    assert_eq!(
        by_body.idempotency_key,
        format!("msg:{}", by_body.content_digest)
    );
    assert!(by_body.message_ids.is_empty());
    assert_eq!(by_body.shop, None);
    assert_eq!(
        vs(&v, "body.sign=md5(client_id+msg+client_secret)"),
        "ecec51b9de43427c93b4bbe0952c1e25",
        "the stored body sign is the vector's"
    );
}

#[test]
fn the_form_encoded_msg_decodes_to_the_published_decoded_json() {
    let body = fixture("youzan_trade_paid.json");
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let decoded = decode_msg(&Node::root("trade_TradePaid", &doc).get("msg")).unwrap();
    let expected: Value =
        serde_json::from_slice(&fixture("youzan_trade_paid.msg_decoded.json")).unwrap();
    assert_eq!(decoded, expected);
    assert_eq!(
        decoded["full_order_info"]["address_info"]["delivery_address"],
        "示例小区(上海市嘉定区)1号101 ",
        "`+` is a space"
    );
}

#[test]
fn the_paid_push_parses_into_a_full_order_in_shanghai_jiading() {
    let body = fixture("youzan_trade_paid.json");
    let order = only_order(Youzan.parse("trade_TradePaid", &body).unwrap());
    assert_eq!(order.external_id, "E20210322174110094800093");
    assert_eq!(order.number.as_deref(), Some("E20210322174110094800093"));
    assert_eq!(order.status, OrderStatus::Paid);
    assert!(!order.status_only);
    assert_eq!(order.buyer, BuyerKind::Consumer);
    assert_eq!(
        order.lines,
        [
            OrderLine {
                external_id: Some("2795255370608541715".into()),
                listing_external_id: Some("920537227".into()),
                variant_external_id: Some("37201610".into()),
                sku: Some("200107001".into()),
                barcode: None,
                title: Some("ICP许可（测试用）".into()),
                quantity: 1,
            },
            OrderLine {
                external_id: Some("2795255370608541716".into()),
                listing_external_id: Some("909787852".into()),
                variant_external_id: Some("37196971".into()),
                sku: Some("200107010".into()),
                barcode: None,
                title: Some("进出口权（测试用）".into()),
                quantity: 1,
            },
        ]
    );
    let dest = order.destination.clone().unwrap();
    assert_eq!(dest.country_code.as_deref(), Some("CN"));
    assert_eq!(dest.province.as_deref(), Some("上海市"));
    assert_eq!(dest.city.as_deref(), Some("上海市"));
    assert_eq!(
        dest.division.unwrap().as_str(),
        "310114",
        "嘉定区 from address_extra.areaCode"
    );
    assert_eq!(order.shipping_method.as_deref(), Some("快递发货"));
    assert_eq!(
        order.created_at.unwrap().to_rfc3339(),
        "2021-03-22T09:41:11+00:00"
    );
    assert_eq!(
        order.paid_at.unwrap().to_rfc3339(),
        "2021-03-22T09:41:15+00:00"
    );
    assert_eq!(
        order.updated_at.unwrap().to_rfc3339(),
        "2021-03-22T09:41:16+00:00"
    );
    assert_eq!(order.fulfilled_at, None, "consign_time \"\" is not yet");

    let stored = serde_json::to_string(&order).unwrap();
    for personal in [
        "张三",
        "13800000000",
        "201800",
        "示例小区",
        "demo-buyer",
        "121.24",
        "DEMO0000",
    ] {
        assert!(
            !stored.contains(personal),
            "{personal} leaked into {stored}"
        );
    }
}

#[test]
fn the_short_success_push_verifies_and_gives_id_status_and_time_only() {
    let v = vector("youzan_example_fake_secret");
    let body = success_body();
    let envelope = delivery(Youzan.verify(
        &event_sign(&vs(&v, "Event-Sign=md5(client_id+raw_body+client_secret)")),
        &body,
        &creds(),
        now(),
    ));
    assert_eq!(
        envelope.idempotency_key,
        "dbda5478-76bf-4172-ac14-8d5ebac2002d"
    );
    assert_eq!(envelope.topic, "trade_TradeSuccess");

    let order = only_order(Youzan.parse(&envelope.topic, &body).unwrap());
    assert_eq!(order.external_id, "E20210307175649090904167");
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(
        order.updated_at.unwrap().to_rfc3339(),
        "2021-03-07T10:06:22+00:00"
    );
    assert!(order.lines.is_empty());
    assert!(order.status_only);
}

#[test]
fn the_body_sign_of_the_short_push_holds_once_rewritten_but_cannot_confirm_its_type() {
    // The stored sign was made with the real, unknown secret: it must not verify…
    let body = success_body();
    assert_eq!(
        Youzan.verify(&Headers::default(), &body, &creds(), now()),
        Err(SignatureError::Mismatch)
    );
    // …and the vector's body sign over the same msg does.
    let v = vector("youzan_example_fake_secret");
    let text = String::from_utf8(body).unwrap();
    let resigned = text.replace(
        "4f4e7bcee79811e62a254968a83fc494",
        &vs(&v, "body.sign=md5(client_id+msg+client_secret)"),
    );
    // The signature holds, but the short msg (`tid` and `update_time`) does not say it is a
    // completion: its unsigned `type` could say anything, so the push is refused.
    let err = Youzan
        .verify(&Headers::default(), resigned.as_bytes(), &creds(), now())
        .unwrap_err();
    assert_eq!(err.code(), "topic_not_signed");
}

#[test]
fn a_partial_shipment_push_is_partially_fulfilled() {
    let body = fixture("youzan_trade_partly_seller_ship.json");
    let order = only_order(Youzan.parse("trade_TradePartlySellerShip", &body).unwrap());
    assert_eq!(order.external_id, "E20210307175649090904167");
    assert_eq!(order.status, OrderStatus::PartiallyFulfilled);
    assert_eq!(
        order.fulfilled_at.unwrap().to_rfc3339(),
        "2021-03-07T10:02:56+00:00"
    );
    assert!(
        order.tracking_numbers.is_empty(),
        "express_no \"\" is no tracking number"
    );
}

#[test]
fn a_push_for_another_client_id_is_refused() {
    // Signed correctly with our key and secret, but naming another app.
    let text = String::from_utf8(success_body())
        .unwrap()
        .replace(CLIENT_ID, "another_client");
    let sign = hex::encode(crypto::md5(&[
        CLIENT_ID.as_bytes(),
        text.as_bytes(),
        b"FAKE_SECRET",
    ]));
    let err = Youzan
        .verify(&event_sign(&sign), text.as_bytes(), &creds(), now())
        .unwrap_err();
    assert_eq!(
        err,
        SignatureError::WrongApp {
            got: "another_client".into()
        }
    );
    assert_eq!(err.code(), "signature_wrong_app");
    // A push signed by the other app (which we cannot check) is refused the same way.
    let err = Youzan
        .verify(
            &event_sign(&"0".repeat(32)),
            text.as_bytes(),
            &creds(),
            now(),
        )
        .unwrap_err();
    assert_eq!(
        err,
        SignatureError::WrongApp {
            got: "another_client".into()
        }
    );
}

#[test]
fn tampering_missing_signatures_and_missing_config_are_refused() {
    let v = vector("youzan_trade_paid_fake_secret");
    let sign = vs(&v, "Event-Sign=md5(client_id+raw_body+client_secret)");
    let mut body = fixture("youzan_trade_paid.json");
    for position in flipped_positions(body.len()) {
        body[position] ^= 0x01;
        assert!(
            Youzan
                .verify(&event_sign(&sign), &body, &creds(), now())
                .is_err(),
            "byte {position}"
        );
        body[position] ^= 0x01;
    }
    let err = Youzan
        .verify(&Headers::default(), b"{}", &creds(), now())
        .unwrap_err();
    assert_eq!(
        err,
        SignatureError::Missing {
            header: "Event-Sign"
        }
    );
    let no_key = Credentials::new(vec![b"FAKE_SECRET".as_slice()]);
    assert_eq!(
        Youzan.verify(&event_sign(&sign), &body, &no_key, now()),
        Err(SignatureError::NotConfigured { what: "app key" })
    );
    assert_eq!(
        Youzan
            .verify(&event_sign("xyz"), &body, &creds(), now())
            .unwrap_err()
            .code(),
        "signature_malformed"
    );
    let rotated = Credentials::new(vec![b"NEW".as_slice(), b"FAKE_SECRET".as_slice()])
        .with_app_key(CLIENT_ID);
    assert!(
        Youzan
            .verify(&event_sign(&sign), &body, &rotated, now())
            .is_ok()
    );
}

#[test]
fn a_test_push_is_a_verification() {
    let body =
        format!(r#"{{"client_id":"{CLIENT_ID}","msg":"","test":true,"type":"","msg_id":"t"}}"#);
    let sign = hex::encode(crypto::md5(&[
        CLIENT_ID.as_bytes(),
        body.as_bytes(),
        b"FAKE_SECRET",
    ]));
    assert_eq!(
        Youzan.verify(&event_sign(&sign), body.as_bytes(), &creds(), now()),
        Ok(Verified::Verification)
    );
}

#[test]
fn refunds_name_the_refunded_sub_orders() {
    let msg = "%7B%22tid%22%3A%22E1%22%2C%22oids%22%3A%22111%2C222%22%2C%22refund_type%22%3A%22REFUND_ONLY%22%2C%22update_time%22%3A%222021-03-08+10%3A00%3A00%22%7D";
    let body = format!(
        r#"{{"client_id":"{CLIENT_ID}","msg":"{msg}","type":"trade_refund_RefundSuccess","id":"E1"}}"#
    );
    let order = only_order(
        Youzan
            .parse("trade_refund_RefundSuccess", body.as_bytes())
            .unwrap(),
    );
    assert_eq!(order.status, OrderStatus::PartiallyRefunded);
    let oids: Vec<_> = order
        .refunded_lines
        .iter()
        .map(|l| l.line_external_id.as_deref().unwrap())
        .collect();
    assert_eq!(oids, ["111", "222"]);
    assert!(order.refunded_lines.iter().all(|l| l.quantity.is_none()));
    assert_eq!(
        order.updated_at.unwrap().to_rfc3339(),
        "2021-03-08T02:00:00+00:00"
    );
    assert_eq!(
        Youzan
            .parse("trade_refund_RefundSellerAgree", body.as_bytes())
            .unwrap()
            .len(),
        1
    );
    assert!(
        Youzan
            .parse("trade_refund_BuyerCreated", body.as_bytes())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_company_invoice_makes_a_business_buyer() {
    let msg = r#"{"full_order_info":{"order_info":{"tid":"E2","update_time":"2021-03-22 17:41:16"},
            "invoice_info":"{\"raise_type\":\"enterprise\",\"user_name\":\"上海某某电器有限公司\",\"taxpayer_id\":\"91350100M000100Y43\",\"email\":\"a@b.cn\"}",
            "orders":[{"oid":"1","item_id":2,"sku_id":0,"outer_sku_id":"","outer_item_id":"GAS-1","num":"3","title":"燃气灶"}]}}"#;
    let body = serde_json::json!({"client_id": CLIENT_ID, "msg": msg, "type": "trade_TradeCreate"})
        .to_string();
    let order = only_order(Youzan.parse("trade_TradeCreate", body.as_bytes()).unwrap());
    assert_eq!(
        order.buyer,
        BuyerKind::Business {
            company: Some("上海某某电器有限公司".into()),
            tax_id: Some("91350100M000100Y43".into())
        }
    );
    let line = &order.lines[0];
    assert_eq!(line.variant_external_id, None, "sku_id 0 is no SKU");
    assert_eq!(
        line.sku.as_deref(),
        Some("GAS-1"),
        "outer_item_id when outer_sku_id is blank"
    );
    assert_eq!(line.quantity, 3);
    assert!(!serde_json::to_string(&order).unwrap().contains("a@b.cn"));
}

#[test]
fn unknown_types_and_broken_messages_say_what_and_where() {
    let err = Youzan.parse("ITEM_INFO", b"{}").unwrap_err();
    assert_eq!(err.code(), "unknown_topic");
    assert!(err.message_zh().contains("ITEM_INFO"));

    let body = format!(
        r#"{{"client_id":"{CLIENT_ID}","msg":"%7B%22tid%22%3A","type":"trade_TradeSuccess"}}"#
    );
    let err = Youzan
        .parse("trade_TradeSuccess", body.as_bytes())
        .unwrap_err();
    assert_eq!(
        (err.code(), err.path.as_deref()),
        ("malformed_json", Some("$.msg"))
    );

    let msg = "%7B%22full_order_info%22%3A%7B%22order_info%22%3A%7B%22tid%22%3A%22E3%22%7D%2C%22orders%22%3A%5B%7B%22num%22%3A-1%7D%5D%7D%7D";
    let body = format!(r#"{{"client_id":"{CLIENT_ID}","msg":"{msg}","type":"trade_TradePaid"}}"#);
    let err = Youzan
        .parse("trade_TradePaid", body.as_bytes())
        .unwrap_err();
    assert_eq!(
        err.path.as_deref(),
        Some("$.msg.full_order_info.orders[0].num")
    );
}

proptest! {
    #[test]
    fn any_push_signed_either_way_verifies_and_any_flipped_signed_byte_fails(
        msg in "[a-zA-Z0-9%+]{1,200}",
        secret in "[a-zA-Z0-9]{1,40}",
        position in any::<prop::sample::Index>(),
    ) {
        let creds = Credentials::new(vec![secret.as_bytes()]).with_app_key(CLIENT_ID);
        let body_sign = hex::encode(crypto::md5(&[CLIENT_ID.as_bytes(), msg.as_bytes(), secret.as_bytes()]));
        let body = format!(r#"{{"client_id":"{CLIENT_ID}","msg":"{msg}","sign":"{body_sign}","type":"trade_TradeSuccess","msg_id":"m"}}"#);
        let header_sign = hex::encode(crypto::md5(&[CLIENT_ID.as_bytes(), body.as_bytes(), secret.as_bytes()]));

        prop_assert!(Youzan.verify(&event_sign(&header_sign), body.as_bytes(), &creds, now()).is_ok());
        prop_assert!(Youzan.verify(&Headers::default(), body.as_bytes(), &creds, now()).is_ok());

        // Event-Sign covers every byte of the body.
        let mut tampered = body.clone().into_bytes();
        let i = position.index(tampered.len());
        tampered[i] ^= 0x01;
        prop_assert!(Youzan.verify(&event_sign(&header_sign), &tampered, &creds, now()).is_err());
        // The body sign covers every byte of msg.
        let mut msg_bytes = msg.clone().into_bytes();
        let j = position.index(msg_bytes.len());
        msg_bytes[j] = if msg_bytes[j] == b'a' { b'b' } else { b'a' };
        let tampered_msg = String::from_utf8(msg_bytes).unwrap();
        let tampered = body.replacen(&format!("\"msg\":\"{msg}\""), &format!("\"msg\":\"{tampered_msg}\""), 1);
        prop_assert_eq!(Youzan.verify(&Headers::default(), tampered.as_bytes(), &creds, now()), Err(SignatureError::Mismatch));
    }
}
