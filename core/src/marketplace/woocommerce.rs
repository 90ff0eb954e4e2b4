//! WooCommerce webhooks: base64 HMAC-SHA256 of the body in `X-WC-Webhook-Signature`, the
//! unsigned `webhook_id=N` ping, products and orders.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::crypto;
use super::error::{Malformed, ParseError, ValueKind};
use super::fit;
use super::json::{Node, TimeFormat, parse_document};
use super::region::{RegionFields, destination};
use super::types::{
    BuyerKind, Change, ListingData, ListingStatus, OrderData, OrderLine, OrderStatus, VariantData,
};
use super::{
    Adapter, Credentials, EMPTY_JSON, Envelope, Headers, Marketplace, SignatureError, Verified,
};

/// The WooCommerce adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct WooCommerce;

const SIGNATURE_HEADER: &str = "X-WC-Webhook-Signature";
const WEBHOOK_ID_HEADER: &str = "X-WC-Webhook-ID";
const TOPIC_HEADER: &str = "X-WC-Webhook-Topic";
const DELIVERY_ID_HEADER: &str = "X-WC-Webhook-Delivery-ID";

const PRODUCT_STATUSES: &[&str] = &["publish", "draft", "pending", "future", "private", "trash"];
const ORDER_STATUSES: &[&str] = &[
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
];

/// Order meta keys that hold a buyer's VAT or tax id in common plugins.
const TAX_ID_META_KEYS: &[&str] = &[
    "_billing_vat",
    "_billing_vat_number",
    "_billing_eu_vat_number",
    "_vat_number",
    "vat_number",
    "_billing_tax_id",
    "_billing_tax_number",
    "tax_id",
];

/// Whether a body is WooCommerce's webhook-creation ping, `webhook_id=<digits>`.
fn is_ping(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .ok()
        .and_then(|b| b.trim().strip_prefix("webhook_id="))
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

impl Adapter for WooCommerce {
    fn marketplace(&self) -> Marketplace {
        Marketplace::WooCommerce
    }

    fn verify(
        &self,
        headers: &Headers,
        body: &[u8],
        creds: &Credentials<'_>,
        _now: DateTime<Utc>,
    ) -> Result<Verified, SignatureError> {
        let Some(signature) = headers.first_of(&[SIGNATURE_HEADER]) else {
            // WooCommerce core sends its creation ping unsigned; nothing else may be.
            return if is_ping(body) {
                Ok(Verified::Ping)
            } else {
                Err(SignatureError::Missing {
                    header: SIGNATURE_HEADER,
                })
            };
        };
        let tag = crypto::base64_decode(signature)
            .ok_or_else(|| SignatureError::malformed(SIGNATURE_HEADER, Malformed::NotBase64))?;
        if tag.len() != 32 {
            return Err(SignatureError::malformed(
                SIGNATURE_HEADER,
                Malformed::NotSha256Length,
            ));
        }
        let secrets = creds.require_secrets()?;
        if !secrets
            .iter()
            .any(|secret| crypto::hmac_sha256_matches(secret, &[body], &tag))
        {
            return Err(SignatureError::Mismatch);
        }
        if is_ping(body) {
            return Ok(Verified::Ping);
        }
        let webhook_id = headers
            .first_of(&[WEBHOOK_ID_HEADER])
            .ok_or(SignatureError::Missing {
                header: WEBHOOK_ID_HEADER,
            })?;
        let topic = match headers.first_of(&[TOPIC_HEADER]) {
            Some(topic) => topic.to_owned(),
            None => match (
                headers.first_of(&["X-WC-Webhook-Resource"]),
                headers.first_of(&["X-WC-Webhook-Event"]),
            ) {
                (Some(resource), Some(event)) => format!("{resource}.{event}"),
                _ => {
                    return Err(SignatureError::Missing {
                        header: TOPIC_HEADER,
                    });
                }
            },
        };
        // The topic headers are not signed: the topic must fit the signed body.
        fit::woocommerce(&topic, body).map_err(|reason| SignatureError::DoesNotFit {
            field: TOPIC_HEADER,
            value: topic.clone(),
            reason,
        })?;
        let delivery_id = headers.first_of(&[DELIVERY_ID_HEADER]);
        Ok(Verified::Delivery(Envelope {
            content_digest: super::content_digest(&topic, body),
            idempotency_key: idempotency_key(webhook_id, delivery_id, body),
            topic,
            message_ids: delivery_id.map(str::to_owned).into_iter().collect(),
            shop: headers
                .first_of(&["X-WC-Webhook-Source"])
                .map(str::to_owned),
        }))
    }

    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError> {
        let kind = match topic {
            "product.created" | "product.updated" | "product.restored" => Kind::Product,
            "product.deleted" => Kind::ProductDeleted,
            "order.created" | "order.updated" | "order.restored" => Kind::Order,
            "order.deleted" => return Ok(Vec::new()),
            _ => return Err(ParseError::unknown_topic(topic)),
        };
        let doc = parse_document(topic, "$", body)?;
        let root = Node::root(topic, &doc);
        root.require_object()?;
        let change = match kind {
            Kind::Product => Change::ListingUpsert(product(&root)?),
            Kind::ProductDeleted => Change::ListingDeleted {
                external_id: root.get("id").id()?,
                updated_at: root.get("date_modified_gmt").opt_time(TimeFormat::WooGmt)?,
            },
            Kind::Order => Change::Order(order(&root)?),
        };
        Ok(vec![change])
    }

    fn success_body(&self) -> (&'static str, &'static str) {
        EMPTY_JSON
    }
}

enum Kind {
    Product,
    ProductDeleted,
    Order,
}

/// `{webhook id}:{resource id}:{date_modified_gmt}`; deletions carry no modification date, so
/// the delivery id (unique: WooCommerce never retries) takes its place.
fn idempotency_key(webhook_id: &str, delivery_id: Option<&str>, body: &[u8]) -> String {
    let doc: Option<Value> = serde_json::from_slice(body).ok();
    let resource_id = doc.as_ref().and_then(|d| match d.get("id") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    });
    let Some(resource_id) = resource_id else {
        return format!("{webhook_id}:sha256:{}", crypto::sha256_hex(body));
    };
    let modified = doc
        .as_ref()
        .and_then(|d| d.get("date_modified_gmt"))
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty());
    match (modified, delivery_id) {
        (Some(modified), _) => format!("{webhook_id}:{resource_id}:{modified}"),
        (None, Some(delivery)) => format!("{webhook_id}:{resource_id}:delivery-{delivery}"),
        (None, None) => format!("{webhook_id}:{resource_id}:-"),
    }
}

/// Names of the objects in an array (`categories`, `tags`, `brands`).
fn names(node: &Node<'_>) -> Result<Vec<String>, ParseError> {
    let mut names = Vec::new();
    for item in node.items()? {
        names.extend(item.get("name").opt_string()?);
    }
    Ok(names)
}

/// A WooCommerce product. A simple product becomes its own only variant (id = product id), so
/// that its SKU and GTIN (`global_unique_id`, WooCommerce 9.2+) have a place; a variable
/// product lists its variation ids.
fn product(root: &Node<'_>) -> Result<ListingData, ParseError> {
    let external_id = root.get("id").id()?;
    let status_node = root.get("status");
    let status = match status_node.opt_string()?.as_deref() {
        Some("publish") | None => ListingStatus::Active,
        Some("draft" | "pending" | "future" | "auto-draft") => ListingStatus::Draft,
        Some("private") => ListingStatus::Archived,
        Some("trash") => ListingStatus::Deleted,
        Some(_) => return Err(status_node.bad_value(ValueKind::OneOf(PRODUCT_STATUSES))),
    };
    let variation_ids = root.get("variations").items()?;
    let variants = if variation_ids.is_empty() {
        vec![VariantData {
            external_id: external_id.clone(),
            title: None,
            sku: root.get("sku").opt_string()?,
            barcode: root.get("global_unique_id").opt_string()?,
        }]
    } else {
        variation_ids
            .iter()
            .map(|v| {
                Ok(VariantData {
                    external_id: v.id()?,
                    title: None,
                    sku: None,
                    barcode: None,
                })
            })
            .collect::<Result<_, ParseError>>()?
    };
    Ok(ListingData {
        external_id,
        // Auto-drafts have no name yet; a blank title is kept rather than refused.
        title: root.get("name").opt_string()?.unwrap_or_default(),
        url: root.get("permalink").opt_string()?,
        handle: root.get("slug").opt_string()?,
        status,
        product_type: None,
        categories: names(&root.get("categories"))?,
        tags: names(&root.get("tags"))?,
        vendor: names(&root.get("brands"))?.into_iter().next(),
        variants,
        updated_at: root.get("date_modified_gmt").opt_time(TimeFormat::WooGmt)?,
    })
}

/// The value of the first order meta entry with one of these keys.
fn meta_value<'a>(root: &Node<'a>, keys: &[&str]) -> Result<Option<Node<'a>>, ParseError> {
    for entry in root.get("meta_data").items()? {
        if let Some(key) = entry.get("key").raw_str()?
            && keys.contains(&key)
        {
            return Ok(Some(entry.get("value")));
        }
    }
    Ok(None)
}

/// Tracking numbers and carrier from the WooCommerce Shipment Tracking plugin's
/// `_wc_shipment_tracking_items`, or plain `_tracking_number` / `_tracking_provider` meta.
fn tracking(root: &Node<'_>) -> Result<(Vec<String>, Option<String>), ParseError> {
    let mut numbers = Vec::new();
    let mut company = None;
    if let Some(items) = meta_value(root, &["_wc_shipment_tracking_items"])? {
        // Some stores expose the value serialised; only the JSON array form is read.
        if matches!(items.value(), Some(Value::Array(_))) {
            for item in items.items()? {
                numbers.extend(item.get("tracking_number").opt_string()?);
                if company.is_none() {
                    company = match item.get("tracking_provider").opt_string()? {
                        Some(provider) => Some(provider),
                        None => item.get("custom_tracking_provider").opt_string()?,
                    };
                }
            }
        }
    }
    if let Some(number) = meta_value(root, &["_tracking_number", "tracking_number"])? {
        numbers.extend(number.opt_string()?);
    }
    if company.is_none()
        && let Some(provider) = meta_value(root, &["_tracking_provider", "tracking_provider"])?
    {
        company = provider.opt_string()?;
    }
    numbers.dedup();
    Ok((numbers, company))
}

/// A WooCommerce order.
fn order(root: &Node<'_>) -> Result<OrderData, ParseError> {
    let status_node = root.get("status");
    let status_text = status_node.string()?;
    let status = match status_text.as_str() {
        "pending" | "on-hold" | "checkout-draft" => OrderStatus::Created,
        "processing" => OrderStatus::Paid,
        "completed" => OrderStatus::Completed,
        "cancelled" | "failed" => OrderStatus::Cancelled,
        "refunded" => OrderStatus::Refunded,
        _ => return Err(status_node.bad_value(ValueKind::OneOf(ORDER_STATUSES))),
    };
    let lines = root
        .get("line_items")
        .items()?
        .iter()
        .map(|line| {
            let product_id = line.get("product_id").opt_id()?;
            Ok(OrderLine {
                external_id: line.get("id").opt_id()?,
                // A simple product is its own variant (see `product`).
                variant_external_id: match line.get("variation_id").opt_id()? {
                    Some(variation) => Some(variation),
                    None => product_id.clone(),
                },
                listing_external_id: product_id,
                sku: line.get("sku").opt_string()?,
                barcode: line.get("global_unique_id").opt_string()?,
                title: line.get("name").opt_string()?,
                quantity: line.get("quantity").quantity()?,
            })
        })
        .collect::<Result<_, ParseError>>()?;

    let billing = root.get("billing");
    let shipping = root.get("shipping");
    let ships_somewhere = shipping.get("country").opt_string()?.is_some()
        || shipping.get("state").opt_string()?.is_some()
        || shipping.get("city").opt_string()?.is_some();
    let address = if ships_somewhere { &shipping } else { &billing };
    let company = match billing.get("company").opt_string()? {
        Some(company) => Some(company),
        None => shipping.get("company").opt_string()?,
    };
    let tax_id = match meta_value(root, TAX_ID_META_KEYS)? {
        Some(value) => value.opt_string().ok().flatten(),
        None => None,
    };
    let (tracking_numbers, tracking_company) = tracking(root)?;
    let shipping_method = match root.get("shipping_lines").items()?.first() {
        Some(line) => line.get("method_title").opt_string()?,
        None => None,
    };

    Ok(OrderData {
        external_id: root.get("id").id()?,
        number: root.get("number").opt_id()?,
        status,
        lines,
        refunded_lines: Vec::new(),
        buyer: BuyerKind::from_company(company, tax_id),
        destination: destination(RegionFields {
            country: address.get("country").opt_string()?,
            province: address.get("state").opt_string()?,
            province_code: None,
            city: address.get("city").opt_string()?,
            area_code: None,
            chinese_platform: false,
        }),
        shipping_method,
        tracking_numbers,
        tracking_company,
        created_at: root.get("date_created_gmt").opt_time(TimeFormat::WooGmt)?,
        updated_at: root.get("date_modified_gmt").opt_time(TimeFormat::WooGmt)?,
        paid_at: root.get("date_paid_gmt").opt_time(TimeFormat::WooGmt)?,
        fulfilled_at: root
            .get("date_completed_gmt")
            .opt_time(TimeFormat::WooGmt)?,
        cancelled_at: None,
        status_only: false,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::marketplace::test_support::*;
    use proptest::prelude::*;

    fn headers(signature: &str, topic: &str) -> Headers {
        Headers::new(vec![
            ("X-WC-Webhook-Signature".into(), signature.into()),
            ("X-WC-Webhook-Topic".into(), topic.into()),
            ("X-WC-Webhook-ID".into(), "58".into()),
            (
                "X-WC-Webhook-Delivery-ID".into(),
                "4df0a951a314adc554e0f2016102e020".into(),
            ),
        ])
    }

    /// The captured headers of the raw product delivery, with the signature of test_vectors.json.
    fn captured_headers(signature: &str) -> Headers {
        let captured: Value =
            serde_json::from_slice(&fixture("woocommerce_product_created.headers.json")).unwrap();
        captured
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let v = if k == "x-wc-webhook-signature" {
                    signature
                } else {
                    v.as_str().unwrap()
                };
                (k.clone(), v.to_owned())
            })
            .collect()
    }

    #[test]
    fn the_captured_product_delivery_verifies_with_its_test_vector_and_parses() {
        let v = vector("woocommerce_product_created_raw");
        let body = fixture("woocommerce_product_created.raw.json");
        let creds = Credentials::new(vec![b"test_wc_secret".as_slice()]);
        assert_eq!(vs(&v, "secret"), "test_wc_secret");
        let envelope = delivery(WooCommerce.verify(
            &captured_headers(&vs(&v, "signature_b64")),
            &body,
            &creds,
            now(),
        ));
        assert_eq!(envelope.topic, "product.created");
        assert_eq!(envelope.idempotency_key, "58:74:2022-06-03T17:22:45");
        assert_eq!(envelope.message_ids, ["4df0a951a314adc554e0f2016102e020"]);
        assert_eq!(
            envelope.shop.as_deref(),
            Some("https://test-wordpress.molano.nl/")
        );

        let listing = only_listing(WooCommerce.parse(&envelope.topic, &body).unwrap());
        assert_eq!(listing.external_id, "74");
        assert_eq!(listing.title, "product.created");
        assert_eq!(
            listing.url.as_deref(),
            Some("https://test-wordpress.molano.nl/product/product-created/"),
            "the escaped \\/ is read as /"
        );
        assert_eq!(listing.status, ListingStatus::Active);
        assert_eq!(listing.categories, ["Uncategorized"]);
        assert!(listing.tags.is_empty());
        assert_eq!(
            listing.updated_at.unwrap().to_rfc3339(),
            "2022-06-03T17:22:45+00:00"
        );
        assert_eq!(
            listing.variants,
            [VariantData {
                external_id: "74".into(),
                title: None,
                sku: None,
                barcode: None
            }]
        );
    }

    #[test]
    fn the_captured_signature_made_with_an_unknown_secret_does_not_verify() {
        let body = fixture("woocommerce_product_created.raw.json");
        let headers = captured_headers("xDHr5XRGdiaAVKotCrxsHHfLXWaO+MzXOmBVKs1uNWQ=");
        let creds = Credentials::new(vec![b"test_wc_secret".as_slice()]);
        assert_eq!(
            WooCommerce.verify(&headers, &body, &creds, now()),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_real_order_created_delivery_verifies_and_parses() {
        let v = vector("woocommerce_order_created");
        let body = fixture("woocommerce_order_created.json");
        let secret = vs(&v, "secret");
        let creds = Credentials::new(vec![secret.as_bytes()]);
        let envelope = delivery(WooCommerce.verify(
            &headers(&vs(&v, "signature_b64"), "order.created"),
            &body,
            &creds,
            now(),
        ));
        assert_eq!(envelope.idempotency_key, "58:15:2023-08-16T07:45:57");

        let order = only_order(WooCommerce.parse(&envelope.topic, &body).unwrap());
        assert_eq!(order.external_id, "15");
        assert_eq!(order.number.as_deref(), Some("15"));
        assert_eq!(order.status, OrderStatus::Completed);
        assert_eq!(
            order.buyer,
            BuyerKind::Consumer,
            "company \"\" and is_vat_exempt are no business"
        );
        assert_eq!(
            order.lines,
            [OrderLine {
                external_id: Some("1".into()),
                listing_external_id: Some("14".into()),
                variant_external_id: Some("14".into()),
                sku: None,
                barcode: None,
                title: Some("Pipedream 1442".into()),
                quantity: 1,
            }]
        );
        let dest = order.destination.clone().unwrap();
        assert_eq!(dest.country_code.as_deref(), Some("VN"));
        assert_eq!(dest.province, None);
        assert_eq!(dest.division, None);
        assert_eq!(
            order.paid_at.unwrap().to_rfc3339(),
            "2023-08-16T07:45:57+00:00"
        );
        assert_eq!(
            order.created_at.unwrap().to_rfc3339(),
            "2023-08-16T07:45:56+00:00"
        );
        assert_eq!(order.fulfilled_at, order.paid_at);
        assert_eq!(order.shipping_method, None);

        let stored = serde_json::to_string(&order).unwrap();
        for personal in [
            "user@example.com",
            "1.1.1.1",
            "wc_order_iq436V8ByBJjs",
            "\"123\"",
        ] {
            assert!(
                !stored.contains(personal),
                "{personal} leaked into {stored}"
            );
        }
    }

    #[test]
    fn a_business_order_to_guangdong_keeps_company_tax_id_region_and_tracking() {
        let body = r##"{"id": 16, "number": "16", "status": "processing",
            "billing": {"company": "深圳某某贸易有限公司", "country": "CN", "state": "CN20", "city": "深圳"},
            "shipping": {"company": "", "country": "", "state": "", "city": ""},
            "meta_data": [{"id": 1, "key": "is_vat_exempt", "value": "no"},
                          {"id": 2, "key": "_billing_vat", "value": "91440300708461136T"},
                          {"id": 3, "key": "_wc_shipment_tracking_items",
                           "value": [{"tracking_provider": "sf-express", "tracking_number": "SF1234567890"}]}],
            "shipping_lines": [{"method_title": "顺丰速运"}],
            "line_items": [{"id": 7, "product_id": 30, "variation_id": 31, "sku": "EB-1", "name": "电动自行车", "quantity": 2}],
            "date_modified_gmt": "2025-03-01T02:00:00"}"##.as_bytes();
        let order = only_order(WooCommerce.parse("order.updated", body).unwrap());
        assert_eq!(order.status, OrderStatus::Paid);
        assert_eq!(
            order.buyer,
            BuyerKind::Business {
                company: Some("深圳某某贸易有限公司".into()),
                tax_id: Some("91440300708461136T".into())
            }
        );
        let dest = order.destination.unwrap();
        assert_eq!(dest.province.as_deref(), Some("CN20"));
        assert_eq!(dest.division.unwrap().as_str(), "440000");
        assert_eq!(order.tracking_numbers, ["SF1234567890"]);
        assert_eq!(order.tracking_company.as_deref(), Some("sf-express"));
        assert_eq!(order.shipping_method.as_deref(), Some("顺丰速运"));
        assert_eq!(order.lines[0].variant_external_id.as_deref(), Some("31"));
        assert_eq!(order.lines[0].quantity, 2);
    }

    #[test]
    fn the_unsigned_creation_ping_is_a_ping_and_nothing_else_unsigned_passes() {
        let v = vector("woocommerce_ping");
        let creds = Credentials::new(vec![b"test_wc_secret".as_slice()]);
        let none = Headers::default();
        assert_eq!(
            WooCommerce.verify(&none, vs(&v, "body").as_bytes(), &creds, now()),
            Ok(Verified::Ping)
        );
        let err = WooCommerce
            .verify(&none, b"webhook_id=58&x=1", &creds, now())
            .unwrap_err();
        assert_eq!(
            err,
            SignatureError::Missing {
                header: "X-WC-Webhook-Signature"
            }
        );
        let body = fixture("woocommerce_order_created.json");
        assert!(matches!(
            WooCommerce.verify(&none, &body, &creds, now()),
            Err(SignatureError::Missing { .. })
        ));
    }

    #[test]
    fn deletions_and_trash_say_so() {
        let changes = WooCommerce
            .parse("product.deleted", br##"{"id":74}"##)
            .unwrap();
        assert_eq!(
            changes,
            [Change::ListingDeleted {
                external_id: "74".into(),
                updated_at: None
            }]
        );
        let trashed = WooCommerce
            .parse(
                "product.updated",
                br##"{"id":74,"name":"x","status":"trash","variations":[75,76]}"##,
            )
            .unwrap();
        let listing = only_listing(trashed);
        assert_eq!(listing.status, ListingStatus::Deleted);
        assert_eq!(
            listing
                .variants
                .iter()
                .map(|v| v.external_id.as_str())
                .collect::<Vec<_>>(),
            ["75", "76"]
        );
        assert!(
            WooCommerce
                .parse("order.deleted", br##"{"id":15}"##)
                .unwrap()
                .is_empty()
        );

        let key = idempotency_key("58", Some("d-1"), br##"{"id":74}"##);
        assert_eq!(key, "58:74:delivery-d-1");
        assert!(idempotency_key("58", None, b"not json").starts_with("58:sha256:"));
    }

    #[test]
    fn unknown_topics_and_statuses_are_parse_errors() {
        let err = WooCommerce.parse("coupon.created", b"{}").unwrap_err();
        assert_eq!(err.code(), "unknown_topic");
        let err = WooCommerce
            .parse(
                "order.updated",
                br##"{"id":1,"status":"shipped-by-plugin"}"##,
            )
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("bad_value", Some("$.status"))
        );
        assert!(err.to_string().contains("processing"), "{err}");
    }

    #[test]
    fn a_tampered_byte_is_refused() {
        let v = vector("woocommerce_order_created");
        let mut body = fixture("woocommerce_order_created.json");
        let creds = Credentials::new(vec![b"test_wc_secret".as_slice()]);
        let h = headers(&vs(&v, "signature_b64"), "order.created");
        for position in flipped_positions(body.len()) {
            body[position] ^= 0x20;
            assert_eq!(
                WooCommerce.verify(&h, &body, &creds, now()),
                Err(SignatureError::Mismatch),
                "byte {position}"
            );
            body[position] ^= 0x20;
        }
    }

    proptest! {
        #[test]
        fn any_body_signed_with_any_secret_verifies_and_any_flipped_byte_fails(
            body in proptest::collection::vec(any::<u8>(), 1..512),
            secret in proptest::collection::vec(any::<u8>(), 1..64),
            position in any::<prop::sample::Index>(),
            bit in 0u8..8,
        ) {
            let signature = crypto::hmac_sha256_base64(&secret, &[&body]);
            let h = headers(&signature, "order.updated");
            let creds = Credentials::new(vec![secret.as_slice()]);
            prop_assert!(WooCommerce.verify(&h, &body, &creds, now()).is_ok());
            let mut tampered = body.clone();
            tampered[position.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(WooCommerce.verify(&h, &tampered, &creds, now()), Err(SignatureError::Mismatch));
        }
    }
}
