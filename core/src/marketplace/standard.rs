//! Standard Webhooks (<https://www.standardwebhooks.com>): `webhook-signature: v1,<base64>`
//! over `{webhook-id}.{webhook-timestamp}.{body}` with the base64-decoded `whsec_` secret, and
//! Suyuan's body schema (documented in [`crate::marketplace`]).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::crypto;
use super::error::{Malformed, ParseError, ParseErrorKind};
use super::json::{Node, TimeFormat, parse_document};
use super::region::{RegionFields, destination};
use super::types::{Change, ListingData, OrderData, OrderStatus};
use super::{
    Adapter, Credentials, EMPTY_JSON, Envelope, Headers, Marketplace, SignatureError, Verified,
};

/// The Standard Webhooks adapter, for any marketplace that follows Suyuan's integration
/// contract.
#[derive(Debug, Clone, Copy, Default)]
pub struct StandardWebhooks;

const ID_HEADER: &str = "webhook-id";
const TIMESTAMP_HEADER: &str = "webhook-timestamp";
const SIGNATURE_HEADER: &str = "webhook-signature";

/// The signing key of a `whsec_…` secret (the prefix is optional).
fn signing_key(secret: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(secret).ok()?.trim();
    let encoded = text.strip_prefix("whsec_").unwrap_or(text);
    crypto::base64_decode(encoded).filter(|key| !key.is_empty())
}

impl Adapter for StandardWebhooks {
    fn marketplace(&self) -> Marketplace {
        Marketplace::Standard
    }

    fn verify(
        &self,
        headers: &Headers,
        body: &[u8],
        creds: &Credentials<'_>,
        now: DateTime<Utc>,
    ) -> Result<Verified, SignatureError> {
        let id = headers
            .first_of(&[ID_HEADER])
            .ok_or(SignatureError::Missing { header: ID_HEADER })?;
        let timestamp_text =
            headers
                .first_of(&[TIMESTAMP_HEADER])
                .ok_or(SignatureError::Missing {
                    header: TIMESTAMP_HEADER,
                })?;
        let signatures = headers
            .first_of(&[SIGNATURE_HEADER])
            .ok_or(SignatureError::Missing {
                header: SIGNATURE_HEADER,
            })?;
        let timestamp: i64 = timestamp_text
            .parse()
            .map_err(|_| SignatureError::malformed(TIMESTAMP_HEADER, Malformed::NotUnixSeconds))?;
        let keys: Vec<Vec<u8>> = creds
            .require_secrets()?
            .iter()
            .filter_map(|secret| signing_key(secret))
            .collect();
        if keys.is_empty() {
            return Err(SignatureError::NotConfigured {
                what: "valid whsec_ secret",
            });
        }
        let now_seconds = now.timestamp();
        let tolerance = creds.replay_window.as_secs();
        if timestamp.abs_diff(now_seconds) > tolerance {
            return Err(SignatureError::Expired {
                timestamp,
                now: now_seconds,
                tolerance,
            });
        }
        let v1: Vec<&str> = signatures
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .collect();
        if v1.is_empty() {
            return Err(SignatureError::malformed(
                SIGNATURE_HEADER,
                Malformed::NoV1Signature,
            ));
        }
        let tags: Vec<Vec<u8>> = v1.iter().filter_map(|s| crypto::base64_decode(s)).collect();
        if tags.is_empty() {
            return Err(SignatureError::malformed(
                SIGNATURE_HEADER,
                Malformed::NotBase64,
            ));
        }
        let content: [&[u8]; 5] = [id.as_bytes(), b".", timestamp_text.as_bytes(), b".", body];
        let signed = keys.iter().any(|key| {
            tags.iter()
                .any(|tag| crypto::hmac_sha256_matches(key, &content, tag))
        });
        if !signed {
            return Err(SignatureError::Mismatch);
        }
        let topic = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|doc| doc.get("type").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        Ok(Verified::Delivery(Envelope {
            content_digest: super::content_digest(&topic, body),
            idempotency_key: id.to_owned(),
            topic,
            message_ids: vec![id.to_owned()],
            shop: None,
        }))
    }

    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError> {
        enum Kind {
            Listing,
            ListingDeleted,
            Order(OrderStatus),
        }
        let kind = match topic {
            "listing.created" | "listing.updated" => Kind::Listing,
            "listing.deleted" => Kind::ListingDeleted,
            "order.created" => Kind::Order(OrderStatus::Created),
            "order.paid" => Kind::Order(OrderStatus::Paid),
            "order.fulfilled" => Kind::Order(OrderStatus::Fulfilled),
            "order.cancelled" => Kind::Order(OrderStatus::Cancelled),
            "order.refunded" => Kind::Order(OrderStatus::Refunded),
            _ => return Err(ParseError::unknown_topic(topic)),
        };
        let doc = parse_document(topic, "$", body)?;
        let root = Node::root(topic, &doc);
        root.require_object()?;
        let sent_at = root.get("timestamp").opt_time(TimeFormat::Rfc3339)?;
        let data = root.get("data");
        data.require_object()?;
        let invalid = |e: serde_json::Error| {
            data.error(ParseErrorKind::Invalid {
                detail: super::error::without_values(&e.to_string()),
            })
        };
        let change = match kind {
            Kind::Listing => {
                let mut listing: ListingData =
                    serde_json::from_value(data.require()?.clone()).map_err(invalid)?;
                normalise_listing(&mut listing);
                if listing.external_id.is_empty() {
                    return Err(data.get("external_id").error(ParseErrorKind::Missing));
                }
                listing.updated_at = listing.updated_at.or(sent_at);
                Change::ListingUpsert(listing)
            }
            Kind::ListingDeleted => Change::ListingDeleted {
                external_id: data.get("external_id").string()?,
                updated_at: data
                    .get("updated_at")
                    .opt_time(TimeFormat::Rfc3339)?
                    .or(sent_at),
            },
            Kind::Order(status) => {
                let mut value = data.require()?.clone();
                if let Value::Object(map) = &mut value
                    && map.get("status").is_none_or(Value::is_null)
                {
                    map.insert(
                        "status".to_owned(),
                        serde_json::to_value(status).map_err(invalid)?,
                    );
                }
                let mut order: OrderData = serde_json::from_value(value).map_err(invalid)?;
                normalise_order(&mut order);
                if order.external_id.is_empty() {
                    return Err(data.get("external_id").error(ParseErrorKind::Missing));
                }
                order.updated_at = order.updated_at.or(sent_at);
                Change::Order(order)
            }
        };
        Ok(vec![change])
    }

    fn success_body(&self) -> (&'static str, &'static str) {
        EMPTY_JSON
    }
}

/// Trims a string; blank becomes `None`.
fn tidy(field: &mut Option<String>) {
    *field = field
        .take()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
}

fn normalise_listing(listing: &mut ListingData) {
    listing.external_id = listing.external_id.trim().to_owned();
    for field in [
        &mut listing.url,
        &mut listing.handle,
        &mut listing.product_type,
        &mut listing.vendor,
    ] {
        tidy(field);
    }
    for variant in &mut listing.variants {
        for field in [&mut variant.title, &mut variant.sku, &mut variant.barcode] {
            tidy(field);
        }
    }
}

fn normalise_order(order: &mut OrderData) {
    order.external_id = order.external_id.trim().to_owned();
    for field in [
        &mut order.number,
        &mut order.shipping_method,
        &mut order.tracking_company,
    ] {
        tidy(field);
    }
    for line in &mut order.lines {
        for field in [
            &mut line.external_id,
            &mut line.listing_external_id,
            &mut line.variant_external_id,
            &mut line.sku,
            &mut line.barcode,
            &mut line.title,
        ] {
            tidy(field);
        }
    }
    if let Some(dest) = order.destination.take() {
        let division = dest.division.clone();
        order.destination = destination(RegionFields {
            country: dest.country_code,
            province: dest.province,
            province_code: None,
            city: dest.city,
            area_code: None,
            chinese_platform: false,
        })
        .map(|mut d| {
            // A division the sender gave (already checked by serde) wins over the derived one.
            if division.is_some() {
                d.division = division;
            }
            d
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::marketplace::test_support::*;
    use crate::marketplace::{BuyerKind, ListingStatus};
    use proptest::prelude::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn sign(id: &str, timestamp: i64, body: &[u8]) -> String {
        let key = signing_key(SECRET.as_bytes()).unwrap();
        let ts = timestamp.to_string();
        let tag =
            crypto::hmac_sha256(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]).unwrap();
        use hmac::Mac as _;
        format!("v1,{}", crypto::base64_encode(&tag.finalize().into_bytes()))
    }

    fn headers(id: &str, timestamp: i64, signature: &str) -> Headers {
        Headers::new(vec![
            ("webhook-id".into(), id.into()),
            ("webhook-timestamp".into(), timestamp.to_string()),
            ("webhook-signature".into(), signature.into()),
        ])
    }

    fn creds() -> Credentials<'static> {
        Credentials::new(vec![SECRET.as_bytes()])
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn the_official_vector_verifies_at_its_timestamp() {
        let v = vector("standard_webhooks_official");
        let ts = v["timestamp"].as_i64().unwrap();
        let h = headers(&vs(&v, "msg_id"), ts, &vs(&v, "expected_signature"));
        let c = Credentials::new(vec![v["secret"].as_str().unwrap().as_bytes()]);
        let envelope =
            delivery(StandardWebhooks.verify(&h, vs(&v, "payload").as_bytes(), &c, at(ts)));
        assert_eq!(envelope.idempotency_key, "msg_p5jXN8AQM9LWM0D4loKWxJek");
        assert_eq!(envelope.topic, "", "the official payload has no type");
        assert_eq!(
            sign(&vs(&v, "msg_id"), ts, vs(&v, "payload").as_bytes()),
            vs(&v, "expected_signature")
        );
    }

    #[test]
    fn timestamps_more_than_five_minutes_off_either_way_are_expired() {
        let v = vector("standard_webhooks_official");
        let ts = v["timestamp"].as_i64().unwrap();
        let h = headers(&vs(&v, "msg_id"), ts, &vs(&v, "expected_signature"));
        let body = vs(&v, "payload");
        assert_eq!(
            StandardWebhooks.verify(&h, body.as_bytes(), &creds(), at(ts + 6 * 60)),
            Err(SignatureError::Expired {
                timestamp: ts,
                now: ts + 360,
                tolerance: 300,
            })
        );
        assert!(matches!(
            StandardWebhooks.verify(&h, body.as_bytes(), &creds(), at(ts - 6 * 60)),
            Err(SignatureError::Expired { .. })
        ));
        assert!(
            StandardWebhooks
                .verify(&h, body.as_bytes(), &creds(), at(ts + 300))
                .is_ok()
        );
        assert!(
            StandardWebhooks
                .verify(&h, body.as_bytes(), &creds(), at(ts - 300))
                .is_ok()
        );
    }

    #[test]
    fn a_schema_error_names_the_field_but_never_the_value() {
        let body =
            br#"{"type":"order.paid","data":{"external_id":"O-1","buyer":{"kind":"13800000000"}}}"#;
        let err = StandardWebhooks.parse("order.paid", body).unwrap_err();
        assert_eq!(err.code(), "schema_violation");
        let shown = format!("{err} / {}", err.message_zh());
        assert!(!shown.contains("13800000000"), "{shown}");
        assert!(
            shown.contains("consumer"),
            "what was expected is kept: {shown}"
        );
        let body = br#"{"type":"order.paid","data":{"external_id":"O-1","lines":[{"quantity":"13800000000"}]}}"#;
        let err = StandardWebhooks.parse("order.paid", body).unwrap_err();
        assert!(!err.to_string().contains("13800000000"), "{err}");
    }

    #[test]
    fn the_replay_window_is_the_connections_to_choose() {
        let v = vector("standard_webhooks_official");
        let ts = v["timestamp"].as_i64().unwrap();
        let h = headers(&vs(&v, "msg_id"), ts, &vs(&v, "expected_signature"));
        let body = vs(&v, "payload");
        let narrow = creds().with_replay_window(std::time::Duration::from_secs(60));
        let err = StandardWebhooks
            .verify(&h, body.as_bytes(), &narrow, at(ts + 61))
            .unwrap_err();
        assert_eq!(
            err,
            SignatureError::Expired {
                timestamp: ts,
                now: ts + 61,
                tolerance: 60
            }
        );
        assert!(err.to_string().contains("at most 60"), "{err}");
        assert!(err.message_zh().contains("60 秒"), "{}", err.message_zh());
        assert!(
            StandardWebhooks
                .verify(&h, body.as_bytes(), &narrow, at(ts - 60))
                .is_ok()
        );
        let wide = creds().with_replay_window(std::time::Duration::from_secs(900));
        assert!(
            StandardWebhooks
                .verify(&h, body.as_bytes(), &wide, at(ts + 899))
                .is_ok()
        );
    }

    #[test]
    fn one_matching_signature_in_the_list_is_enough() {
        let v = vector("standard_webhooks_official");
        let ts = v["timestamp"].as_i64().unwrap();
        let list = format!(
            "v1a,ignoredAsymmetric v1,{} {}",
            crypto::base64_encode(&[7u8; 32]),
            vs(&v, "expected_signature")
        );
        let h = headers(&vs(&v, "msg_id"), ts, &list);
        assert!(
            StandardWebhooks
                .verify(&h, vs(&v, "payload").as_bytes(), &creds(), at(ts))
                .is_ok()
        );
        let none_match = headers(
            &vs(&v, "msg_id"),
            ts,
            &format!("v1,{}", crypto::base64_encode(&[7u8; 32])),
        );
        assert_eq!(
            StandardWebhooks.verify(&none_match, vs(&v, "payload").as_bytes(), &creds(), at(ts)),
            Err(SignatureError::Mismatch)
        );
        let no_v1 = headers(&vs(&v, "msg_id"), ts, "v2,abc");
        assert_eq!(
            StandardWebhooks
                .verify(&no_v1, vs(&v, "payload").as_bytes(), &creds(), at(ts))
                .unwrap_err()
                .code(),
            "signature_malformed"
        );
    }

    #[test]
    fn a_rotated_secret_verifies_and_missing_headers_are_named() {
        let v = vector("standard_webhooks_official");
        let ts = v["timestamp"].as_i64().unwrap();
        let h = headers(&vs(&v, "msg_id"), ts, &vs(&v, "expected_signature"));
        let rotated = Credentials::new(vec![
            b"whsec_bmV3IHNlY3JldCBhZnRlciByb3RhdGlvbg==".as_slice(),
            SECRET.as_bytes(),
        ]);
        assert!(
            StandardWebhooks
                .verify(&h, vs(&v, "payload").as_bytes(), &rotated, at(ts))
                .is_ok()
        );

        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let partial = Headers::new(
                [
                    ("webhook-id", "msg_1"),
                    ("webhook-timestamp", "1614265330"),
                    ("webhook-signature", "v1,x"),
                ]
                .into_iter()
                .filter(|(k, _)| *k != missing)
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            );
            let err = StandardWebhooks
                .verify(&partial, b"{}", &creds(), at(ts))
                .unwrap_err();
            assert_eq!(
                err,
                SignatureError::Missing {
                    header: match missing {
                        "webhook-id" => "webhook-id",
                        "webhook-timestamp" => "webhook-timestamp",
                        _ => "webhook-signature",
                    }
                }
            );
        }
        let bad_ts = Headers::new(vec![
            ("webhook-id".into(), "msg_1".into()),
            ("webhook-timestamp".into(), "yesterday".into()),
            ("webhook-signature".into(), "v1,x".into()),
        ]);
        assert_eq!(
            StandardWebhooks
                .verify(&bad_ts, b"{}", &creds(), at(ts))
                .unwrap_err()
                .code(),
            "signature_malformed"
        );
        let bad_secret = Credentials::new(vec![b"whsec_!!!".as_slice()]);
        assert_eq!(
            StandardWebhooks.verify(&h, vs(&v, "payload").as_bytes(), &bad_secret, at(ts)),
            Err(SignatureError::NotConfigured {
                what: "valid whsec_ secret"
            })
        );
    }

    #[test]
    fn an_order_in_the_contract_shape_parses_with_defaults_and_a_derived_division() {
        let body = r##"{"type": "order.paid", "timestamp": "2025-03-01T08:00:00Z", "data": {
            "external_id": "O-88", "number": "#88",
            "lines": [{"external_id": "L-1", "listing_external_id": "P-1001", "sku": "",
                       "barcode": "9520000000017", "quantity": 2}],
            "buyer": {"kind": "business", "company": "某某商贸有限公司", "tax_id": "91350100M000100Y43"},
            "destination": {"country_code": "cn", "province": "广东省", "city": "深圳市"},
            "email": "someone@example.com"}}"##.as_bytes();
        let ts = 1_740_816_000;
        let h = headers("msg_88", ts, &sign("msg_88", ts, body));
        let envelope = delivery(StandardWebhooks.verify(&h, body, &creds(), at(ts)));
        assert_eq!(envelope.topic, "order.paid");
        let order = only_order(StandardWebhooks.parse(&envelope.topic, body).unwrap());
        assert_eq!(order.status, OrderStatus::Paid, "status follows the type");
        assert_eq!(order.lines[0].sku, None);
        assert_eq!(order.lines[0].quantity, 2);
        assert_eq!(
            order.buyer,
            BuyerKind::Business {
                company: Some("某某商贸有限公司".into()),
                tax_id: Some("91350100M000100Y43".into())
            }
        );
        let dest = order.destination.clone().unwrap();
        assert_eq!(dest.country_code.as_deref(), Some("CN"));
        assert_eq!(dest.division.unwrap().as_str(), "440000");
        assert_eq!(
            order.updated_at.unwrap().to_rfc3339(),
            "2025-03-01T08:00:00+00:00"
        );
        assert!(
            !serde_json::to_string(&order)
                .unwrap()
                .contains("someone@example.com")
        );
    }

    #[test]
    fn listings_and_deletions_in_the_contract_shape_parse() {
        let body = r##"{"type":"listing.updated","timestamp":"2025-03-01T08:00:00Z","data":{
            "external_id":"P-1001","title":"电动自行车 TDT-1200","status":"active",
            "variants":[{"external_id":"V-1","sku":"TDT-1200-BK","barcode":""}]}}"##
            .as_bytes();
        let listing = only_listing(StandardWebhooks.parse("listing.updated", body).unwrap());
        assert_eq!(listing.status, ListingStatus::Active);
        assert_eq!(listing.variants[0].barcode, None);
        assert!(listing.updated_at.is_some());
        let deleted = StandardWebhooks
            .parse(
                "listing.deleted",
                br##"{"type":"listing.deleted","data":{"external_id":"P-1001"}}"##,
            )
            .unwrap();
        assert_eq!(
            deleted,
            [Change::ListingDeleted {
                external_id: "P-1001".into(),
                updated_at: None
            }]
        );
    }

    #[test]
    fn schema_violations_and_unknown_types_say_what_and_where() {
        let err = StandardWebhooks.parse("order.shipped", b"{}").unwrap_err();
        assert_eq!(err.code(), "unknown_topic");
        let err = StandardWebhooks
            .parse(
                "order.paid",
                br##"{"type":"order.paid","data":{"external_id":88}}"##,
            )
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("schema_violation", Some("$.data"))
        );
        assert!(err.to_string().contains("expected a string"), "{err}");
        let err = StandardWebhooks
            .parse("order.paid", br##"{"type":"order.paid","data":{"external_id":"1","destination":{"division":"991234"}}}"##)
            .unwrap_err();
        assert_eq!(err.code(), "schema_violation");
        let err = StandardWebhooks
            .parse("listing.created", br##"{"type":"listing.created","data":"##)
            .unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        let err = StandardWebhooks
            .parse("listing.created", br##"{"type":"listing.created"}"##)
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("missing_field", Some("$.data"))
        );
    }

    proptest! {
        #[test]
        fn any_body_signed_now_verifies_and_any_flipped_byte_fails(
            body in proptest::collection::vec(any::<u8>(), 1..512),
            id in "msg_[a-zA-Z0-9]{1,24}",
            key in proptest::collection::vec(any::<u8>(), 16..40),
            skew in -300i64..=300,
            position in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let secret = format!("whsec_{}", crypto::base64_encode(&key));
            let ts = 1_740_816_000i64;
            let tag = crypto::hmac_sha256(&key, &[id.as_bytes(), b".", ts.to_string().as_bytes(), b".", &body]).unwrap();
            use hmac::Mac as _;
            let signature = format!("v1,{}", crypto::base64_encode(&tag.finalize().into_bytes()));
            let h = headers(&id, ts, &signature);
            let creds = Credentials::new(vec![secret.as_bytes()]);
            prop_assert!(StandardWebhooks.verify(&h, &body, &creds, at(ts + skew)).is_ok());
            let mut tampered = body.clone();
            tampered[position.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(StandardWebhooks.verify(&h, &tampered, &creds, at(ts + skew)), Err(SignatureError::Mismatch));
        }
    }
}
