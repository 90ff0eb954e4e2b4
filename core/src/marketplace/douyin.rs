//! Douyin Shop (抖店) pushes: `event-sign` = hex md5(app_key + body + app_secret) (32 hex
//! characters) or hex HMAC-SHA256 with key app_secret over the same (64), told apart by length;
//! the body is a JSON array of `{tag, msg_id, data}` with `data` a JSON string.
//!
//! Douyin pushes carry ids, status and times, not whole orders: every order change is
//! `status_only`. Tag mapping (Douyin's message catalogue, `doudian_trade_*` / `doudian_refund_*`):
//!
//! | tag | message | change |
//! |---|---|---|
//! | 0 | verification | [`Verified::Verification`] |
//! | 100 | TradeCreate | created (`create_time`) |
//! | 101 | TradePaid | paid (`pay_time`) |
//! | 102 | TradeSellerShip | fulfilled (`update_time`, `logistics_msg.logistics_code`) |
//! | 103 | TradeSuccess | completed (`complete_time`) |
//! | 104 | TradeLogisticsChanged | status from `order_status`, else fulfilled; new tracking number |
//! | 105 | TradeAddressChanged | status from `order_status`; the new region |
//! | 106 | TradeCanceled | cancelled (`cancel_time`) |
//! | 206 | RefundSuccess | partially refunded: `s_id` refunded, quantity unknown (`success_time`) |
//! | 200–205, 207, 208 | other after-sale steps | nothing |
//!
//! `order_status`: 1 awaiting payment → created, 2 paid/confirmed → paid, 3 shipped → fulfilled,
//! 4 cancelled, 5 completed. The region comes from `receiver_msg.addr` (province and city names
//! only; the receiver's name, phone and street are never read).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::crypto;
use super::error::{Malformed, ParseError, ParseErrorKind, ValueKind};
use super::json::{Node, TimeFormat, parse_document};
use super::region::{RegionFields, destination};
use super::types::{Change, OrderData, OrderStatus, RefundLine};
use super::{
    Adapter, CODE_ZERO_SUCCESS, Credentials, Envelope, Headers, Marketplace, SignatureError,
    Verified,
};

/// The Douyin Shop adapter. [`Credentials::app_key`] is the app's `app_key`, the secret its
/// `app_secret`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Douyin;

const SIGN_HEADER: &str = "event-sign";
const APP_ID_HEADER: &str = "app-id";
const ORDER_STATUSES: &[&str] = &["1", "2", "3", "4", "5"];

/// What a tag means.
#[derive(Clone, Copy)]
enum Kind {
    Verification,
    Trade(OrderStatus),
    /// Status from `order_status`, with this fallback (None: required).
    FromOrderStatus(Option<OrderStatus>),
    RefundSuccess,
    Nothing,
}

fn classify(tag: &str) -> Option<Kind> {
    use OrderStatus::*;
    Some(match tag {
        "0" => Kind::Verification,
        "100" => Kind::Trade(Created),
        "101" => Kind::Trade(Paid),
        "102" => Kind::Trade(Fulfilled),
        "103" => Kind::Trade(Completed),
        "104" => Kind::FromOrderStatus(Some(Fulfilled)),
        "105" => Kind::FromOrderStatus(None),
        "106" => Kind::Trade(Cancelled),
        "206" => Kind::RefundSuccess,
        "200" | "201" | "202" | "203" | "204" | "205" | "207" | "208" => Kind::Nothing,
        _ => return None,
    })
}

/// A tag or id that may come as a string or a number.
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What `verify` reads of one message of a push.
struct Summary {
    tag: Option<String>,
    msg_id: Option<String>,
    shop_id: Option<String>,
}

/// A summary of each message, when the body is a JSON array of objects (a single object is
/// taken as a one-message push).
fn summaries(body: &[u8]) -> Option<Vec<Summary>> {
    let doc: Value = serde_json::from_slice(body).ok()?;
    let elements = match doc {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return None,
    };
    elements
        .iter()
        .map(|e| {
            let data = match e.get("data") {
                Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
                other => other.cloned(),
            };
            e.is_object().then(|| Summary {
                tag: text(e.get("tag")),
                msg_id: text(e.get("msg_id")),
                shop_id: data.and_then(|d| text(d.get("shop_id"))),
            })
        })
        .collect()
}

impl Adapter for Douyin {
    fn marketplace(&self) -> Marketplace {
        Marketplace::Douyin
    }

    fn verify(
        &self,
        headers: &Headers,
        body: &[u8],
        creds: &Credentials<'_>,
        _now: DateTime<Utc>,
    ) -> Result<Verified, SignatureError> {
        let app_key = creds
            .app_key
            .filter(|k| !k.is_empty())
            .ok_or(SignatureError::NotConfigured { what: "app key" })?;
        if let Some(app_id) = headers.first_of(&[APP_ID_HEADER])
            && app_id != app_key
        {
            return Err(SignatureError::WrongApp {
                got: app_id.to_owned(),
            });
        }
        let secrets = creds.require_secrets()?;
        let sign = headers
            .first_of(&[SIGN_HEADER])
            .ok_or(SignatureError::Missing {
                header: SIGN_HEADER,
            })?;
        let tag = crypto::hex_decode(sign)
            .ok_or_else(|| SignatureError::malformed(SIGN_HEADER, Malformed::NotHex))?;
        let key = app_key.as_bytes();
        let signed = match tag.len() {
            16 => secrets
                .iter()
                .any(|secret| crypto::ct_eq(&crypto::md5(&[key, body, secret]), &tag)),
            32 => secrets
                .iter()
                .any(|secret| crypto::hmac_sha256_matches(secret, &[key, body, secret], &tag)),
            _ => {
                return Err(SignatureError::malformed(
                    SIGN_HEADER,
                    Malformed::NotMd5OrSha256Hex,
                ));
            }
        };
        if !signed {
            return Err(SignatureError::Mismatch);
        }

        let fallback = || format!("sha256:{}", crypto::sha256_hex(body));
        let Some(elements) = summaries(body).filter(|e| !e.is_empty()) else {
            return Ok(Verified::Delivery(Envelope {
                content_digest: super::content_digest("", body),
                idempotency_key: fallback(),
                topic: String::new(),
                message_ids: Vec::new(),
                shop: None,
            }));
        };
        if elements.iter().all(|e| e.tag.as_deref() == Some("0")) {
            return Ok(Verified::Verification);
        }
        let mut tags: Vec<&str> = Vec::new();
        for e in &elements {
            let tag = e.tag.as_deref().unwrap_or("");
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let mut shops: Vec<&str> = elements
            .iter()
            .filter_map(|e| e.shop_id.as_deref())
            .collect();
        shops.dedup();
        let shop = match shops.as_slice() {
            [one] => Some((*one).to_owned()),
            _ => None,
        };
        let ids: Option<Vec<String>> = elements.iter().map(|e| e.msg_id.clone()).collect();
        let idempotency_key = match ids.as_deref() {
            Some([one]) => one.clone(),
            Some(many) if !many.is_empty() => {
                format!("multi:{}", crypto::sha256_hex(many.join("\n").as_bytes()))
            }
            _ => fallback(),
        };
        // The whole body (tags and msg_ids included) is signed.
        let topic = tags.join(",");
        Ok(Verified::Delivery(Envelope {
            content_digest: super::content_digest(&topic, body),
            idempotency_key,
            topic,
            message_ids: elements.into_iter().filter_map(|e| e.msg_id).collect(),
            shop,
        }))
    }

    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError> {
        let doc = parse_document(topic, "$", body)?;
        let root = Node::root(topic, &doc);
        let elements = match root.value() {
            Some(Value::Object(_)) => vec![root.clone()],
            Some(Value::Array(_)) => root.items()?,
            _ => {
                return Err(root.error(ParseErrorKind::WrongType {
                    expected: ValueKind::Array,
                }));
            }
        };
        let mut changes = Vec::new();
        for element in elements {
            element.require_object()?;
            let tag_node = element.get("tag");
            let tag = tag_node.string()?;
            let kind = classify(&tag).ok_or_else(|| {
                ParseError::at(
                    &tag,
                    Some(tag_node.path().to_owned()),
                    ParseErrorKind::UnknownTopic,
                )
            })?;
            if matches!(kind, Kind::Verification | Kind::Nothing) {
                continue;
            }
            let data_node = element.get("data");
            let data = match data_node.require()? {
                Value::String(s) => parse_document(topic, data_node.path(), s.as_bytes())?,
                obj @ Value::Object(_) => obj.clone(),
                _ => {
                    return Err(data_node.error(ParseErrorKind::WrongType {
                        expected: ValueKind::String,
                    }));
                }
            };
            let data = Node::at(topic, data_node.path().to_owned(), &data);
            data.require_object()?;
            changes.push(Change::Order(order(&data, kind)?));
        }
        Ok(changes)
    }

    fn success_body(&self) -> (&'static str, &'static str) {
        CODE_ZERO_SUCCESS
    }
}

/// The status `order_status` gives.
fn from_order_status(node: &Node<'_>) -> Result<Option<OrderStatus>, ParseError> {
    Ok(match node.opt_code()? {
        None => None,
        Some(1) => Some(OrderStatus::Created),
        Some(2) => Some(OrderStatus::Paid),
        Some(3) => Some(OrderStatus::Fulfilled),
        Some(4) => Some(OrderStatus::Cancelled),
        Some(5) => Some(OrderStatus::Completed),
        Some(_) => {
            return Err(node.bad_value(ValueKind::OneOf(ORDER_STATUSES)));
        }
    })
}

/// The receiver's address as an object: `addr` may be an object, an array of them, or a JSON
/// string of either.
fn address(node: &Node<'_>) -> Option<Value> {
    let value = match node.value()? {
        Value::String(s) => serde_json::from_str::<Value>(s).ok()?,
        other => other.clone(),
    };
    match value {
        Value::Array(items) => items.into_iter().find(Value::is_object),
        obj @ Value::Object(_) => Some(obj),
        _ => None,
    }
}

/// A name that may be `{"name": …}` or a plain string.
fn area_name(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Object(area) => text(area.get("name")),
        other => text(Some(other)),
    }
}

/// One order message.
fn order(data: &Node<'_>, kind: Kind) -> Result<OrderData, ParseError> {
    let status = match kind {
        Kind::Trade(status) => status,
        Kind::RefundSuccess => OrderStatus::PartiallyRefunded,
        Kind::FromOrderStatus(fallback) => {
            let status_node = data.get("order_status");
            match (from_order_status(&status_node)?, fallback) {
                (Some(status), _) | (None, Some(status)) => status,
                (None, None) => return Err(status_node.error(ParseErrorKind::Missing)),
            }
        }
        Kind::Verification | Kind::Nothing => OrderStatus::Created,
    };
    let mut order = OrderData::new(data.get("p_id").id()?, status);
    order.status_only = true;
    order.created_at = data.get("create_time").opt_time(TimeFormat::UnixSeconds)?;
    order.paid_at = data.get("pay_time").opt_time(TimeFormat::UnixSeconds)?;
    let update_time = data.get("update_time").opt_time(TimeFormat::UnixSeconds)?;
    let complete_time = data
        .get("complete_time")
        .opt_time(TimeFormat::UnixSeconds)?;
    order.cancelled_at = data.get("cancel_time").opt_time(TimeFormat::UnixSeconds)?;
    let success_time = data.get("success_time").opt_time(TimeFormat::UnixSeconds)?;
    if matches!(status, OrderStatus::Fulfilled) && matches!(kind, Kind::Trade(_)) {
        order.fulfilled_at = update_time;
    }
    // The event's own time, for out-of-order protection.
    order.updated_at = update_time
        .or(complete_time)
        .or(order.cancelled_at)
        .or(success_time)
        .or(order.paid_at)
        .or(order.created_at);

    let logistics = data.get("logistics_msg");
    if let Some(number) = logistics.get("logistics_code").opt_string()? {
        order.tracking_numbers.push(number);
    }
    if let Some(addr) = address(&data.get("receiver_msg").get("addr")) {
        order.destination = destination(RegionFields {
            country: None,
            province: area_name(addr.get("province")),
            province_code: None,
            city: area_name(addr.get("city")),
            area_code: None,
            chinese_platform: true,
        });
    }
    if matches!(kind, Kind::RefundSuccess) {
        order.refunded_lines = data
            .get("s_id")
            .opt_id()?
            .map(|s_id| RefundLine {
                line_external_id: Some(s_id),
                listing_external_id: None,
                variant_external_id: None,
                quantity: None,
            })
            .into_iter()
            .collect();
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::marketplace::test_support::*;
    use proptest::prelude::*;

    fn headers(sign: &str) -> Headers {
        Headers::new(vec![
            ("event-sign".into(), sign.into()),
            ("app-id".into(), "app-key".into()),
            ("Content-Type".into(), "application/json".into()),
        ])
    }

    fn creds() -> Credentials<'static> {
        Credentials::new(vec![b"secret".as_slice()]).with_app_key("app-key")
    }

    fn sign_md5(body: &str) -> String {
        hex::encode(crypto::md5(&[b"app-key", body.as_bytes(), b"secret"]))
    }

    #[test]
    fn both_signing_variants_of_the_vector_verify() {
        let v = vector("doudian_event_sign");
        let body = vs(&v, "body");
        assert_eq!(
            (vs(&v, "app_key").as_str(), vs(&v, "app_secret").as_str()),
            ("app-key", "secret")
        );
        for key in [
            "hmac_sha256_hex(key=app_secret, app_key+body+app_secret)",
            "md5_hex(app_key+body+app_secret)",
        ] {
            let sign = vs(&v, key);
            let envelope =
                delivery(Douyin.verify(&headers(&sign), body.as_bytes(), &creds(), now()));
            assert_eq!(envelope.topic, "100");
            assert_eq!(envelope.shop.as_deref(), Some("123"));
            assert!(
                envelope.idempotency_key.starts_with("sha256:"),
                "the vector has no msg_id"
            );
            // Upper-case hex is the same signature.
            assert!(
                Douyin
                    .verify(
                        &headers(&sign.to_uppercase()),
                        body.as_bytes(),
                        &creds(),
                        now()
                    )
                    .is_ok()
            );
            // Any changed byte breaks it.
            let mut tampered = body.clone().into_bytes();
            tampered[10] ^= 0x01;
            assert_eq!(
                Douyin.verify(&headers(&sign), &tampered, &creds(), now()),
                Err(SignatureError::Mismatch)
            );
        }
    }

    #[test]
    fn the_vector_body_without_p_id_is_a_parse_error_at_the_data_path() {
        let v = vector("doudian_event_sign");
        let err = Douyin.parse("100", vs(&v, "body").as_bytes()).unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("missing_field", Some("$[0].data.p_id"))
        );
    }

    #[test]
    fn a_verification_push_is_a_verification() {
        let body = r#"[{"tag":"0","msg_id":"0","data":"{\"data\":\"test\"}"}]"#;
        assert_eq!(
            Douyin.verify(&headers(&sign_md5(body)), body.as_bytes(), &creds(), now()),
            Ok(Verified::Verification)
        );
        assert!(Douyin.parse("0", body.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn a_paid_push_gives_id_status_and_time_keeping_every_digit() {
        let body = r#"[{"tag":"101","msg_id":"7000000000000000001","data":"{\"p_id\":4781320682406083640,\"s_ids\":[4781320682406083641],\"shop_id\":123,\"order_status\":2,\"pay_type\":1,\"pay_time\":1700000000,\"pay_amount\":9900}"}]"#;
        let envelope =
            delivery(Douyin.verify(&headers(&sign_md5(body)), body.as_bytes(), &creds(), now()));
        assert_eq!(envelope.idempotency_key, "7000000000000000001");
        assert_eq!(envelope.topic, "101");
        let order = only_order(Douyin.parse(&envelope.topic, body.as_bytes()).unwrap());
        assert_eq!(order.external_id, "4781320682406083640");
        assert_eq!(order.status, OrderStatus::Paid);
        assert_eq!(
            order.paid_at.unwrap().to_rfc3339(),
            "2023-11-14T22:13:20+00:00"
        );
        assert_eq!(order.updated_at, order.paid_at);
        assert!(order.status_only);
    }

    #[test]
    fn a_shipment_keeps_the_tracking_number_and_region_but_not_the_receiver() {
        let data = serde_json::json!({
            "p_id": "4781320682406083640", "s_ids": ["4781320682406083641"], "shop_id": 123,
            "order_status": 3, "update_time": 1_700_003_600,
            "receiver_msg": {"name": "李四", "tel": "13900000000",
                             "addr": {"province": {"name": "广东省", "id": "44"}, "city": {"name": "深圳市", "id": "4403"},
                                      "town": {"name": "南山区"}, "detail": "科技园某某路1号"}},
            "logistics_msg": {"express_company_id": "7", "logistics_code": "SF1234567890"}
        });
        let body = serde_json::json!([{"tag": "102", "msg_id": "m1", "data": data.to_string()}])
            .to_string();
        let order = only_order(Douyin.parse("102", body.as_bytes()).unwrap());
        assert_eq!(order.status, OrderStatus::Fulfilled);
        assert_eq!(order.tracking_numbers, ["SF1234567890"]);
        assert_eq!(
            order.fulfilled_at.unwrap().to_rfc3339(),
            "2023-11-14T23:13:20+00:00"
        );
        let dest = order.destination.clone().unwrap();
        assert_eq!(dest.province.as_deref(), Some("广东省"));
        assert_eq!(dest.city.as_deref(), Some("深圳市"));
        assert_eq!(dest.division.unwrap().as_str(), "440000");
        let stored = serde_json::to_string(&order).unwrap();
        for personal in ["李四", "13900000000", "科技园"] {
            assert!(
                !stored.contains(personal),
                "{personal} leaked into {stored}"
            );
        }
    }

    #[test]
    fn a_multi_message_push_has_a_stable_combined_key_and_one_change_per_order() {
        let body = r#"[{"tag":"106","msg_id":"a","data":"{\"p_id\":1,\"shop_id\":7,\"cancel_time\":1700000000,\"order_status\":4}"},{"tag":"206","msg_id":"b","data":"{\"p_id\":2,\"shop_id\":8,\"s_id\":3,\"success_time\":1700000001}"},{"tag":"201","msg_id":"c","data":"{\"p_id\":2}"}]"#;
        let envelope =
            delivery(Douyin.verify(&headers(&sign_md5(body)), body.as_bytes(), &creds(), now()));
        assert_eq!(envelope.message_ids, ["a", "b", "c"]);
        assert_eq!(envelope.topic, "106,206,201");
        assert_eq!(envelope.shop, None, "the messages name different shops");
        assert_eq!(
            envelope.idempotency_key,
            format!("multi:{}", crypto::sha256_hex(b"a\nb\nc"))
        );
        let changes = Douyin.parse(&envelope.topic, body.as_bytes()).unwrap();
        assert_eq!(changes.len(), 2, "201 (refund agreed) changes nothing");
        let Change::Order(cancelled) = &changes[0] else {
            panic!()
        };
        assert_eq!(
            (cancelled.external_id.as_str(), cancelled.status),
            ("1", OrderStatus::Cancelled)
        );
        assert!(cancelled.cancelled_at.is_some());
        let Change::Order(refunded) = &changes[1] else {
            panic!()
        };
        assert_eq!(refunded.status, OrderStatus::PartiallyRefunded);
        assert_eq!(
            refunded.refunded_lines[0].line_external_id.as_deref(),
            Some("3")
        );
        assert_eq!(refunded.refunded_lines[0].quantity, None);
    }

    #[test]
    fn wrong_app_missing_or_malformed_sign_and_missing_config_are_refused() {
        let body = r#"[{"tag":"100","msg_id":"x","data":"{\"p_id\":1}"}]"#;
        let other_app = Headers::new(vec![
            ("event-sign".into(), sign_md5(body)),
            ("app-id".into(), "other".into()),
        ]);
        assert_eq!(
            Douyin.verify(&other_app, body.as_bytes(), &creds(), now()),
            Err(SignatureError::WrongApp {
                got: "other".into()
            })
        );
        let unsigned = Headers::new(vec![("app-id".into(), "app-key".into())]);
        assert_eq!(
            Douyin.verify(&unsigned, body.as_bytes(), &creds(), now()),
            Err(SignatureError::Missing {
                header: "event-sign"
            })
        );
        let short = headers("abcd");
        assert_eq!(
            Douyin
                .verify(&short, body.as_bytes(), &creds(), now())
                .unwrap_err()
                .code(),
            "signature_malformed"
        );
        let no_key = Credentials::new(vec![b"secret".as_slice()]);
        assert_eq!(
            Douyin.verify(&headers(&sign_md5(body)), body.as_bytes(), &no_key, now()),
            Err(SignatureError::NotConfigured { what: "app key" })
        );
        let rotated =
            Credentials::new(vec![b"new".as_slice(), b"secret".as_slice()]).with_app_key("app-key");
        assert!(
            Douyin
                .verify(&headers(&sign_md5(body)), body.as_bytes(), &rotated, now())
                .is_ok()
        );
    }

    #[test]
    fn unknown_tags_and_broken_data_say_what_and_where() {
        let err = Douyin
            .parse("999", br##"[{"tag":"999","msg_id":"x","data":"{}"}]"##)
            .unwrap_err();
        assert_eq!(
            (err.code(), err.topic.as_str(), err.path.as_deref()),
            ("unknown_topic", "999", Some("$[0].tag"))
        );
        let err = Douyin
            .parse(
                "100",
                br##"[{"tag":"100","msg_id":"x","data":"{\"p_id\":"}]"##,
            )
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("malformed_json", Some("$[0].data"))
        );
        let err = Douyin
            .parse(
                "105",
                br##"[{"tag":"105","data":"{\"p_id\":1,\"order_status\":9}"}]"##,
            )
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("bad_value", Some("$[0].data.order_status"))
        );
        assert_eq!(
            Douyin.parse("100", b"\"hello\"").unwrap_err().code(),
            "wrong_type"
        );
    }

    proptest! {
        #[test]
        fn any_body_signed_either_way_verifies_and_any_flipped_byte_fails(
            body in proptest::collection::vec(any::<u8>(), 1..512),
            secret in proptest::collection::vec(any::<u8>(), 1..64),
            app_key in "[0-9]{1,19}",
            position in any::<prop::sample::Index>(),
            bit in 0u8..8,
            use_hmac in any::<bool>(),
        ) {
            let sign = if use_hmac {
                crypto::hmac_sha256_hex(&secret, &[app_key.as_bytes(), &body, &secret])
            } else {
                hex::encode(crypto::md5(&[app_key.as_bytes(), &body, &secret]))
            };
            let h = Headers::new(vec![("event-sign".into(), sign), ("app-id".into(), app_key.clone())]);
            let creds = Credentials::new(vec![secret.as_slice()]).with_app_key(&app_key);
            prop_assert!(Douyin.verify(&h, &body, &creds, now()).is_ok());
            let mut tampered = body.clone();
            tampered[position.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(Douyin.verify(&h, &tampered, &creds, now()), Err(SignatureError::Mismatch));
        }
    }
}
