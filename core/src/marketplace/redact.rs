//! Redaction of stored webhook bodies once they are no longer needed whole (PIPL: keep the
//! least personal data needed).
//!
//! A delivery's raw body carries the consumer's name, phone, e-mail, street address, IP and
//! messages. Once it has been applied (or has been a dead letter for longer than the replay
//! window), the inbox keeps [`redact`]'s output instead, beside the SHA-256 of the original
//! (so a dispute can still be checked against the marketplace's copy). What stays is what a
//! seller or a supervisor may need to read: ids, products, quantities, statuses, times, and
//! the region (country, province, city, district).
//!
//! Personal fields are masked wherever they appear, at any depth, and inside the documents
//! that platforms embed as strings (Youzan's form-encoded `msg`, Douyin's `data`,
//! `address_extra`); in address-like objects (`shipping_address`, `billing`, `customer`, …)
//! `name` is masked too, while elsewhere `name` is a product's or a shipping method's and is
//! kept. A value is masked as `"***"`; empty strings and nulls stay as they were, so the
//! redacted body still shows which fields were sent. A body that is not JSON is replaced
//! whole.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::Marketplace;

/// The mask of a personal value.
pub const MASK: &str = "***";

/// Keys whose values are personal wherever they appear (compared in ASCII lower case).
const PERSONAL: &[&str] = &[
    // contact
    "email",
    "contact_email",
    "phone",
    "mobile",
    "tel",
    "buyer_phone",
    "receiver_tel",
    "receiver_phone",
    "receiver_mobile",
    "post_tel",
    "encrypt_post_tel",
    "mask_post_tel",
    // names
    "first_name",
    "last_name",
    "receiver_name",
    "post_receiver",
    "encrypt_post_receiver",
    "mask_post_receiver",
    "fans_nickname",
    "nickname",
    "buyer_nick",
    // addresses and places
    "address1",
    "address2",
    "address_1",
    "address_2",
    "delivery_address",
    "detail",
    "post_addr",
    "encrypt_post_addr",
    "mask_post_addr",
    "zip",
    "postcode",
    "delivery_postal_code",
    "latitude",
    "longitude",
    "lat",
    "lon",
    "lng",
    "self_fetch_info",
    // identities and devices
    "outer_user_id",
    "yz_open_id",
    "open_id",
    "buyer_id",
    "fans_id",
    "browser_ip",
    "customer_ip_address",
    "customer_user_agent",
    "user_agent",
    "client_details",
    "id_card_no",
    "id_card_name",
    // messages
    "note",
    "customer_note",
    "buyer_message",
    "buyer_messages",
    "buyer_words",
    "item_message",
];

/// Objects whose `name` (and every field above) is a person's.
const ADDRESS_LIKE: &[&str] = &[
    "shipping_address",
    "billing_address",
    "default_address",
    "addresses",
    "billing",
    "shipping",
    "customer",
    "address_info",
    "buyer_info",
    "receiver",
    "post_addr",
];

/// Keys holding a JSON document as a string, redacted inside and stored as plain JSON text.
const EMBEDDED: &[&str] = &["msg", "data", "address_extra"];

/// The body to keep once a delivery of `platform` is settled: the same JSON with every
/// personal value masked (see the module documentation). Never fails: a body that is not
/// JSON becomes `{"redacted":"body removed: not JSON"}`.
pub fn redact(platform: Marketplace, body: &[u8]) -> Vec<u8> {
    let _ = platform; // one rule set fits every dialect Suyuan reads today
    match serde_json::from_slice::<Value>(body) {
        Ok(mut doc) => {
            redact_value(&mut doc, false);
            serde_json::to_vec(&doc).unwrap_or_else(|_| removed())
        }
        Err(_) => removed(),
    }
}

fn removed() -> Vec<u8> {
    br#"{"redacted":"body removed: not JSON"}"#.to_vec()
}

fn is_one_of(key: &str, list: &[&str]) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Masks a personal value: non-empty scalars, objects and arrays become `"***"`.
fn mask(value: &mut Value) {
    let empty = match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    };
    if !empty {
        *value = Value::String(MASK.to_owned());
    }
}

/// An embedded document: JSON text, or form-encoded JSON (Youzan's `msg`).
fn embedded(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return serde_json::from_str(text).ok();
    }
    if !text.contains('%') {
        return None;
    }
    let decoded = percent_decode_str(&text.replace('+', " "))
        .decode_utf8()
        .ok()?
        .into_owned();
    serde_json::from_str::<Value>(&decoded)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

fn redact_value(value: &mut Value, in_address: bool) {
    match value {
        Value::Object(map) => redact_object(map, in_address),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, in_address)),
        _ => {}
    }
}

fn redact_object(map: &mut Map<String, Value>, in_address: bool) {
    for (key, value) in map.iter_mut() {
        if is_one_of(key, PERSONAL) || (in_address && key.eq_ignore_ascii_case("name")) {
            // A personal field that holds a document (Youzan's address_extra holds the
            // area code beside the coordinates) is redacted inside, else masked.
            if let Value::String(text) = value
                && let Some(mut doc) = embedded(text)
            {
                redact_value(&mut doc, true);
                *value = Value::String(doc.to_string());
                continue;
            }
            mask(value);
            continue;
        }
        let address = in_address || is_one_of(key, ADDRESS_LIKE);
        if is_one_of(key, EMBEDDED)
            && let Value::String(text) = value
        {
            if let Some(mut doc) = embedded(text) {
                redact_value(&mut doc, address);
                *value = Value::String(doc.to_string());
            }
            continue;
        }
        redact_value(value, address);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::marketplace::adapter;
    use crate::marketplace::test_support::fixture;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn assert_gone(redacted: &str, personal: &[&str]) {
        for p in personal {
            assert!(!redacted.contains(p), "{p} is still in {redacted}");
        }
    }

    #[test]
    fn a_youzan_order_keeps_its_order_and_region_but_not_the_buyer() {
        let body = fixture("youzan_trade_paid.json");
        let before = adapter(Marketplace::Youzan)
            .parse("trade_TradePaid", &body)
            .unwrap();
        let redacted = redact(Marketplace::Youzan, &body);
        let shown = text(&redacted);
        assert_gone(
            &shown,
            &[
                "张三",
                "13800000000",
                "示例小区",
                "201800",
                "demo-buyer",
                "oDEMO",
                "121.24",
                "%E5%BC%A0",
            ],
        );
        assert!(shown.contains("E20210322174110094800093"));
        assert!(shown.contains("ICP许可（测试用）"), "product titles stay");
        // The redacted body still reads as the same order, region included.
        let after = adapter(Marketplace::Youzan)
            .parse("trade_TradePaid", &redacted)
            .unwrap();
        assert_eq!(after, before);
    }

    #[test]
    fn a_shopify_order_loses_names_contacts_streets_and_ip() {
        let body = fixture("shopify_orders_cancelled.json");
        let original = text(&body);
        let doc: Value = serde_json::from_slice(&body).unwrap();
        let email = doc["email"].as_str().unwrap().to_owned();
        let street = doc["shipping_address"]["address1"]
            .as_str()
            .unwrap()
            .to_owned();
        let person = doc["shipping_address"]["name"].as_str().unwrap().to_owned();
        assert!(original.contains(&street) && original.contains(&email));
        let before = adapter(Marketplace::Shopify)
            .parse("orders/cancelled", &body)
            .unwrap();
        let redacted = redact(Marketplace::Shopify, &body);
        let shown = text(&redacted);
        assert_gone(&shown, &[&email, &street, &person]);
        let kept: Value = serde_json::from_slice(&redacted).unwrap();
        assert_eq!(kept["email"], MASK);
        assert_eq!(kept["browser_ip"], doc["browser_ip"], "null stays null");
        assert_eq!(
            kept["shipping_address"]["province"],
            doc["shipping_address"]["province"]
        );
        assert_eq!(
            kept["line_items"][0]["name"], doc["line_items"][0]["name"],
            "a line's name is a product's"
        );
        let after = adapter(Marketplace::Shopify)
            .parse("orders/cancelled", &redacted)
            .unwrap();
        assert_eq!(after, before, "what Suyuan reads is unchanged");
    }

    #[test]
    fn a_woocommerce_order_loses_billing_and_shipping_people() {
        let body = fixture("woocommerce_order_created.json");
        let doc: Value = serde_json::from_slice(&body).unwrap();
        let redacted: Value =
            serde_json::from_slice(&redact(Marketplace::WooCommerce, &body)).unwrap();
        for part in ["billing", "shipping"] {
            for field in [
                "first_name",
                "last_name",
                "address_1",
                "postcode",
                "phone",
                "email",
            ] {
                let was = &doc[part][field];
                if was.as_str().is_some_and(|s| !s.is_empty()) {
                    assert_eq!(redacted[part][field], MASK, "{part}.{field}");
                }
            }
            assert_eq!(redacted[part]["country"], doc[part]["country"]);
        }
        if doc["customer_ip_address"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
        {
            assert_eq!(redacted["customer_ip_address"], MASK);
        }
        assert_eq!(redacted["line_items"], doc["line_items"]);
    }

    #[test]
    fn a_douyin_push_is_redacted_inside_its_data_string() {
        let body = r#"[{"tag":"101","msg_id":"m1","data":"{\"p_id\":1,\"post_receiver\":\"李四\",\"post_tel\":\"13900000000\",\"post_addr\":{\"province\":{\"name\":\"广东省\"},\"detail\":\"天河路 2 号\"}}"}]"#;
        let shown = text(&redact(Marketplace::Douyin, body.as_bytes()));
        assert_gone(&shown, &["李四", "13900000000", "天河路"]);
        assert!(shown.contains("\\\"p_id\\\":1"), "{shown}");
    }

    #[test]
    fn a_body_that_is_not_json_is_removed_whole() {
        let shown = text(&redact(Marketplace::WooCommerce, b"name=Zhang&phone=138"));
        assert!(!shown.contains("138"));
        assert!(shown.contains("removed"));
    }
}
