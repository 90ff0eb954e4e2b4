//! Shopify webhooks: base64 HMAC-SHA256 of the body in `X-Shopify-Hmac-Sha256` (newer
//! deliveries drop the `X-`), products, orders and refunds.

use chrono::{DateTime, Utc};

use super::crypto;
use super::error::{Malformed, ParseError, ValueKind};
use super::fit;
use super::json::{Node, TimeFormat, parse_document};
use super::region::{RegionFields, destination};
use super::types::{
    BuyerKind, Change, ListingData, ListingStatus, OrderData, OrderLine, OrderStatus, RefundLine,
    VariantData,
};
use super::{
    Adapter, Credentials, EMPTY_JSON, Envelope, Headers, Marketplace, SignatureError, Verified,
};

/// The Shopify adapter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shopify;

const HMAC_HEADERS: [&str; 2] = ["X-Shopify-Hmac-Sha256", "Shopify-Hmac-Sha256"];
const TOPIC_HEADERS: [&str; 2] = ["X-Shopify-Topic", "Shopify-Topic"];
const WEBHOOK_ID_HEADERS: [&str; 2] = ["X-Shopify-Webhook-Id", "Shopify-Webhook-Id"];

const PRODUCT_STATUSES: &[&str] = &["active", "draft", "archived"];

impl Adapter for Shopify {
    fn marketplace(&self) -> Marketplace {
        Marketplace::Shopify
    }

    fn verify(
        &self,
        headers: &Headers,
        body: &[u8],
        creds: &Credentials<'_>,
        _now: DateTime<Utc>,
    ) -> Result<Verified, SignatureError> {
        let signature = headers
            .first_of(&HMAC_HEADERS)
            .ok_or(SignatureError::Missing {
                header: HMAC_HEADERS[0],
            })?;
        let tag = crypto::base64_decode(signature)
            .ok_or_else(|| SignatureError::malformed(HMAC_HEADERS[0], Malformed::NotBase64))?;
        if tag.len() != 32 {
            return Err(SignatureError::malformed(
                HMAC_HEADERS[0],
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
        let topic = headers
            .first_of(&TOPIC_HEADERS)
            .ok_or(SignatureError::Missing {
                header: TOPIC_HEADERS[0],
            })?;
        let webhook_id = headers
            .first_of(&WEBHOOK_ID_HEADERS)
            .ok_or(SignatureError::Missing {
                header: WEBHOOK_ID_HEADERS[0],
            })?;
        // The topic header is not signed: it must fit the signed body.
        fit::shopify(topic, body).map_err(|reason| SignatureError::DoesNotFit {
            field: TOPIC_HEADERS[0],
            value: topic.to_owned(),
            reason,
        })?;
        Ok(Verified::Delivery(Envelope {
            content_digest: super::content_digest(topic, body),
            idempotency_key: webhook_id.to_owned(),
            topic: topic.to_owned(),
            message_ids: vec![webhook_id.to_owned()],
            shop: headers
                .first_of(&["X-Shopify-Shop-Domain", "Shopify-Shop-Domain"])
                .map(str::to_owned),
        }))
    }

    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError> {
        let kind = match topic {
            "products/create" | "products/update" => Kind::Product,
            "products/delete" => Kind::ProductDelete,
            "orders/create"
            | "orders/updated"
            | "orders/paid"
            | "orders/fulfilled"
            | "orders/partially_fulfilled"
            | "orders/cancelled" => Kind::Order,
            "refunds/create" => Kind::Refund,
            _ => return Err(ParseError::unknown_topic(topic)),
        };
        let doc = parse_document(topic, "$", body)?;
        let root = Node::root(topic, &doc);
        root.require_object()?;
        let change = match kind {
            Kind::Product => Change::ListingUpsert(product(&root)?),
            Kind::ProductDelete => Change::ListingDeleted {
                external_id: root.get("id").id()?,
                updated_at: None,
            },
            Kind::Order => Change::Order(order(topic, &root)?),
            Kind::Refund => Change::Order(refund(&root)?),
        };
        Ok(vec![change])
    }

    fn success_body(&self) -> (&'static str, &'static str) {
        EMPTY_JSON
    }
}

enum Kind {
    Product,
    ProductDelete,
    Order,
    Refund,
}

/// A Shopify product.
fn product(root: &Node<'_>) -> Result<ListingData, ParseError> {
    let status_node = root.get("status");
    let status = match status_node.opt_string()?.as_deref() {
        Some("active") => ListingStatus::Active,
        Some("draft") => ListingStatus::Draft,
        Some("archived") => ListingStatus::Archived,
        Some(_) => return Err(status_node.bad_value(ValueKind::OneOf(PRODUCT_STATUSES))),
        // Older API versions have no status: published means on sale.
        None if root.get("published_at").is_present() => ListingStatus::Active,
        None => ListingStatus::Draft,
    };
    let category = root.get("category");
    let categories = match category.get("full_name").opt_string()? {
        Some(name) => vec![name],
        None => category.get("name").opt_string()?.into_iter().collect(),
    };
    let tags = root
        .get("tags")
        .opt_string()?
        .map(|tags| {
            tags.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let variants = root
        .get("variants")
        .items()?
        .iter()
        .map(|v| {
            Ok(VariantData {
                external_id: v.get("id").id()?,
                title: v.get("title").opt_string()?,
                sku: v.get("sku").opt_string()?,
                barcode: v.get("barcode").opt_string()?,
            })
        })
        .collect::<Result<_, ParseError>>()?;
    Ok(ListingData {
        external_id: root.get("id").id()?,
        title: root.get("title").string()?,
        url: None,
        handle: root.get("handle").opt_string()?,
        status,
        product_type: root.get("product_type").opt_string()?,
        categories,
        tags,
        vendor: root.get("vendor").opt_string()?,
        variants,
        updated_at: root.get("updated_at").opt_time(TimeFormat::Rfc3339)?,
    })
}

/// The status an order's fields give, raised to at least what its topic says.
fn order_status(topic: &str, root: &Node<'_>) -> Result<OrderStatus, ParseError> {
    use OrderStatus::*;
    let financial = root.get("financial_status").opt_string()?;
    let fulfillment = root.get("fulfillment_status").opt_string()?;
    let cancelled = topic == "orders/cancelled" || root.get("cancelled_at").is_present();
    let from_fields = if cancelled {
        Cancelled
    } else {
        match (financial.as_deref(), fulfillment.as_deref()) {
            (Some("refunded"), _) => Refunded,
            (Some("partially_refunded"), _) => PartiallyRefunded,
            (Some("voided"), _) => Cancelled,
            (_, Some("fulfilled")) if root.get("closed_at").is_present() => Completed,
            (_, Some("fulfilled")) => Fulfilled,
            (_, Some("partial")) => PartiallyFulfilled,
            (Some("paid"), _) => Paid,
            _ => Created,
        }
    };
    Ok(match (topic, from_fields) {
        ("orders/paid", Created) => Paid,
        ("orders/fulfilled", Created | Paid | PartiallyFulfilled) => Fulfilled,
        ("orders/partially_fulfilled", Created | Paid) => PartiallyFulfilled,
        (_, status) => status,
    })
}

/// A Shopify order (`orders/*`).
fn order(topic: &str, root: &Node<'_>) -> Result<OrderData, ParseError> {
    let status = order_status(topic, root)?;
    let lines = root
        .get("line_items")
        .items()?
        .iter()
        .map(|line| {
            Ok(OrderLine {
                external_id: line.get("id").opt_id()?,
                listing_external_id: line.get("product_id").opt_id()?,
                variant_external_id: line.get("variant_id").opt_id()?,
                sku: line.get("sku").opt_string()?,
                barcode: None,
                title: match line.get("title").opt_string()? {
                    Some(title) => Some(title),
                    None => line.get("name").opt_string()?,
                },
                quantity: line.get("quantity").quantity()?,
            })
        })
        .collect::<Result<_, ParseError>>()?;
    let mut refunded_lines = Vec::new();
    for refund in root.get("refunds").items()? {
        refunded_lines.extend(refund_lines(&refund)?);
    }

    let shipping = root.get("shipping_address");
    let billing = root.get("billing_address");
    let address = if shipping.is_present() {
        &shipping
    } else {
        &billing
    };
    let company = match shipping.get("company").opt_string()? {
        Some(company) => Some(company),
        None => billing.get("company").opt_string()?,
    };

    let mut tracking_numbers: Vec<String> = Vec::new();
    let mut tracking_company = None;
    let mut fulfilled_at: Option<DateTime<Utc>> = None;
    for fulfillment in root.get("fulfillments").items()? {
        if fulfillment.get("status").opt_string()?.as_deref() == Some("cancelled") {
            continue;
        }
        let mut numbers = Vec::new();
        for n in fulfillment.get("tracking_numbers").items()? {
            numbers.extend(n.opt_string()?);
        }
        numbers.extend(fulfillment.get("tracking_number").opt_string()?);
        for n in numbers {
            if !tracking_numbers.contains(&n) {
                tracking_numbers.push(n);
            }
        }
        if tracking_company.is_none() {
            tracking_company = fulfillment.get("tracking_company").opt_string()?;
        }
        if let Some(at) = fulfillment
            .get("created_at")
            .opt_time(TimeFormat::Rfc3339)?
        {
            fulfilled_at = Some(fulfilled_at.map_or(at, |prev| prev.max(at)));
        }
    }
    let shipping_method = match root.get("shipping_lines").items()?.first() {
        Some(line) => line.get("title").opt_string()?,
        None => None,
    };

    Ok(OrderData {
        external_id: root.get("id").id()?,
        number: match root.get("name").opt_string()? {
            Some(name) => Some(name),
            None => root.get("order_number").opt_id()?,
        },
        status,
        lines,
        refunded_lines,
        buyer: BuyerKind::from_company(company, None),
        destination: destination(RegionFields {
            country: address.get("country_code").opt_string()?,
            province: address.get("province").opt_string()?,
            province_code: address.get("province_code").opt_string()?,
            city: address.get("city").opt_string()?,
            area_code: None,
            chinese_platform: false,
        }),
        shipping_method,
        tracking_numbers,
        tracking_company,
        created_at: root.get("created_at").opt_time(TimeFormat::Rfc3339)?,
        updated_at: root.get("updated_at").opt_time(TimeFormat::Rfc3339)?,
        paid_at: None,
        fulfilled_at,
        cancelled_at: root.get("cancelled_at").opt_time(TimeFormat::Rfc3339)?,
        status_only: false,
    })
}

/// The refunded lines of one refund object.
fn refund_lines(refund: &Node<'_>) -> Result<Vec<RefundLine>, ParseError> {
    refund
        .get("refund_line_items")
        .items()?
        .iter()
        .map(|item| {
            let line_item = item.get("line_item");
            Ok(RefundLine {
                line_external_id: match item.get("line_item_id").opt_id()? {
                    Some(id) => Some(id),
                    None => line_item.get("id").opt_id()?,
                },
                listing_external_id: line_item.get("product_id").opt_id()?,
                variant_external_id: line_item.get("variant_id").opt_id()?,
                quantity: Some(item.get("quantity").quantity()?),
            })
        })
        .collect()
}

/// A `refunds/create` body: a refund of order `order_id`. Whether the order is now wholly
/// refunded comes with the `orders/updated` that follows; this says which lines.
fn refund(root: &Node<'_>) -> Result<OrderData, ParseError> {
    let mut order = OrderData::new(root.get("order_id").id()?, OrderStatus::PartiallyRefunded);
    order.refunded_lines = refund_lines(root)?;
    order.updated_at = match root.get("processed_at").opt_time(TimeFormat::Rfc3339)? {
        Some(at) => Some(at),
        None => root.get("created_at").opt_time(TimeFormat::Rfc3339)?,
    };
    order.status_only = true;
    Ok(order)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::marketplace::test_support::*;
    use crate::marketplace::{BuyerKind, adapter};
    use proptest::prelude::*;

    fn headers(signature: &str, topic: &str) -> Headers {
        Headers::new(vec![
            ("X-Shopify-Hmac-Sha256".into(), signature.into()),
            ("X-Shopify-Topic".into(), topic.into()),
            (
                "X-Shopify-Webhook-Id".into(),
                "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043".into(),
            ),
            (
                "X-Shopify-Shop-Domain".into(),
                "example.myshopify.com".into(),
            ),
        ])
    }

    fn vector_of(name: &str) -> (Vec<u8>, String, String) {
        let v = vector(name);
        let file = vs(&v, "file");
        let file = file.rsplit('/').next().unwrap().to_owned();
        (fixture(&file), vs(&v, "secret"), vs(&v, "signature_b64"))
    }

    #[test]
    fn a_real_products_create_delivery_verifies_and_parses() {
        let (body, secret, signature) = vector_of("shopify_products_create");
        let creds = Credentials::new(vec![secret.as_bytes()]);
        let envelope = delivery(Shopify.verify(
            &headers(&signature, "products/create"),
            &body,
            &creds,
            now(),
        ));
        assert_eq!(
            envelope.idempotency_key,
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
        );
        assert_eq!(envelope.topic, "products/create");
        assert_eq!(envelope.shop.as_deref(), Some("example.myshopify.com"));

        let listing = only_listing(Shopify.parse(&envelope.topic, &body).unwrap());
        assert_eq!(listing.external_id, "9674076979480");
        assert_eq!(listing.title, "a product");
        assert_eq!(listing.handle.as_deref(), Some("product"));
        assert_eq!(listing.url, None);
        assert_eq!(listing.status, ListingStatus::Active);
        assert_eq!(listing.product_type, None, "\"\" is no product type");
        assert_eq!(listing.vendor.as_deref(), Some("Testing"));
        assert!(listing.tags.is_empty());
        assert_eq!(
            listing.updated_at.unwrap().to_rfc3339(),
            "2025-02-27T20:08:29+00:00"
        );
        assert_eq!(listing.variants.len(), 1);
        let variant = &listing.variants[0];
        assert_eq!(variant.external_id, "49822590533912");
        assert_eq!(variant.title.as_deref(), Some("Default Title"));
        assert_eq!(variant.sku, None, "sku \"\" is None");
        assert_eq!(variant.barcode, None, "barcode null is None");
    }

    #[test]
    fn the_sample_product_keeps_ids_above_2_pow_53_and_splits_tags() {
        let body = fixture("shopify_products_create_sample.json");
        let listing = only_listing(Shopify.parse("products/update", &body).unwrap());
        assert_eq!(listing.external_id, "788032119674292922");
        assert_eq!(listing.product_type.as_deref(), Some("Shirts"));
        assert_eq!(listing.tags, ["example", "mens", "t-shirt"]);
        let ids: Vec<_> = listing
            .variants
            .iter()
            .map(|v| v.external_id.as_str())
            .collect();
        assert_eq!(ids, ["642667041472713922", "757650484644203962"]);
        assert!(
            listing
                .variants
                .iter()
                .all(|v| v.sku.is_none() && v.barcode.is_none())
        );
    }

    #[test]
    fn a_cancelled_order_keeps_region_company_and_lines_but_no_personal_data() {
        let (body, secret, signature) = vector_of("shopify_orders_cancelled");
        let creds = Credentials::new(vec![secret.as_bytes()]);
        let envelope = delivery(Shopify.verify(
            &headers(&signature, "orders/cancelled"),
            &body,
            &creds,
            now(),
        ));
        let order = only_order(Shopify.parse(&envelope.topic, &body).unwrap());

        assert_eq!(order.external_id, "820982911946154508");
        assert_eq!(order.number.as_deref(), Some("#9999"));
        assert_eq!(order.status, OrderStatus::Cancelled);
        assert_eq!(
            order.cancelled_at.unwrap().to_rfc3339(),
            "2022-01-01T00:00:00+00:00"
        );
        assert_eq!(order.lines.len(), 2);
        let line = &order.lines[0];
        assert_eq!(line.external_id.as_deref(), Some("866550311766439020"));
        assert_eq!(line.listing_external_id.as_deref(), Some("632910392"));
        assert_eq!(line.variant_external_id.as_deref(), Some("808950810"));
        assert_eq!(line.sku.as_deref(), Some("IPOD2008PINK"));
        assert_eq!(line.title.as_deref(), Some("IPod Nano - 8GB"));
        assert_eq!(line.quantity, 1);
        assert_eq!(
            order.buyer,
            BuyerKind::Business {
                company: Some("Shipping Company".into()),
                tax_id: None
            }
        );
        let dest = order.destination.clone().unwrap();
        assert_eq!(dest.country_code.as_deref(), Some("US"));
        assert_eq!(dest.province.as_deref(), Some("Kentucky"));
        assert_eq!(dest.city.as_deref(), Some("Shippington"));
        assert_eq!(
            dest.division, None,
            "KY is Kentucky here, not a Chinese province"
        );
        assert_eq!(order.shipping_method.as_deref(), Some("Generic Shipping"));
        assert!(!order.status_only);

        let stored = serde_json::to_string(&order).unwrap();
        for personal in [
            "Steve",
            "Shipper",
            "555-555-SHIP",
            "123 Shipping Street",
            "40003",
            "jon@example.com",
        ] {
            assert!(
                !stored.contains(personal),
                "{personal} leaked into {stored}"
            );
        }
    }

    #[test]
    fn a_chinese_shipping_address_gets_its_division_and_fulfillments_their_tracking() {
        let body = br##"{"id": 5992405729560, "name": "#1001", "financial_status": "paid",
            "fulfillment_status": "fulfilled", "cancelled_at": null,
            "shipping_address": {"country_code": "CN", "province": "Guangdong", "province_code": "GD",
                                 "city": "Shenzhen", "company": ""},
            "billing_address": {"company": null},
            "fulfillments": [{"status": "success", "created_at": "2025-03-02T10:00:00+08:00",
                              "tracking_company": "SF Express", "tracking_number": "SF100",
                              "tracking_numbers": ["SF100", "SF101"]}],
            "line_items": [{"id": 1, "product_id": null, "variant_id": null, "sku": null,
                            "name": "Custom item", "quantity": 3}]}"##;
        let order = only_order(Shopify.parse("orders/fulfilled", body).unwrap());
        assert_eq!(order.status, OrderStatus::Fulfilled);
        assert_eq!(order.buyer, BuyerKind::Consumer);
        let dest = order.destination.unwrap();
        assert_eq!(dest.division.unwrap().as_str(), "440000");
        assert_eq!(dest.province.as_deref(), Some("Guangdong"));
        assert_eq!(order.tracking_numbers, ["SF100", "SF101"]);
        assert_eq!(order.tracking_company.as_deref(), Some("SF Express"));
        assert_eq!(
            order.fulfilled_at.unwrap().to_rfc3339(),
            "2025-03-02T02:00:00+00:00"
        );
        let line = &order.lines[0];
        assert_eq!(
            (line.listing_external_id.as_deref(), line.title.as_deref()),
            (None, Some("Custom item"))
        );
        assert_eq!(line.quantity, 3);
    }

    #[test]
    fn the_topic_raises_a_status_the_fields_do_not_show_yet() {
        let body = br##"{"id": 1, "financial_status": "pending", "fulfillment_status": null}"##;
        let status = |topic| only_order(Shopify.parse(topic, body).unwrap()).status;
        assert_eq!(status("orders/create"), OrderStatus::Created);
        assert_eq!(status("orders/paid"), OrderStatus::Paid);
        assert_eq!(
            status("orders/partially_fulfilled"),
            OrderStatus::PartiallyFulfilled
        );
        assert_eq!(status("orders/fulfilled"), OrderStatus::Fulfilled);
        assert_eq!(status("orders/cancelled"), OrderStatus::Cancelled);
    }

    #[test]
    fn a_refund_names_its_order_and_refunded_lines() {
        let body = fixture("shopify_refunds_create_excerpt.json");
        let order = only_order(Shopify.parse("refunds/create", &body).unwrap());
        assert_eq!(order.external_id, "5992405729560");
        assert_eq!(order.status, OrderStatus::PartiallyRefunded);
        assert!(order.status_only);
        assert_eq!(
            order.refunded_lines,
            [RefundLine {
                line_external_id: Some("15020224119064".into()),
                listing_external_id: Some("2621069197376".into()),
                variant_external_id: Some("24198955991104".into()),
                quantity: Some(1),
            }]
        );
        assert_eq!(
            order.updated_at.unwrap().to_rfc3339(),
            "2024-08-21T17:57:12+00:00"
        );
    }

    #[test]
    fn products_delete_gives_the_deleted_id() {
        let changes = Shopify
            .parse("products/delete", br##"{"id":788032119674292922}"##)
            .unwrap();
        assert_eq!(
            changes,
            [Change::ListingDeleted {
                external_id: "788032119674292922".into(),
                updated_at: None
            }]
        );
    }

    #[test]
    fn the_headers_without_x_prefix_and_in_any_case_verify_too() {
        let v = vector("shopify_small");
        let body = vs(&v, "body");
        let creds = Credentials::new(vec![b"hush".as_slice()]);
        let headers = Headers::new(vec![
            (
                "shopify-hmac-sha256".into(),
                vs(&v, "X-Shopify-Hmac-Sha256"),
            ),
            ("shopify-topic".into(), "products/delete".into()),
            ("shopify-webhook-id".into(), "w-1".into()),
        ]);
        let envelope = delivery(Shopify.verify(&headers, body.as_bytes(), &creds, now()));
        assert_eq!(
            (envelope.idempotency_key.as_str(), envelope.topic.as_str()),
            ("w-1", "products/delete")
        );
        let shouting = Headers::new(vec![
            (
                "X-SHOPIFY-HMAC-SHA256".into(),
                vs(&v, "X-Shopify-Hmac-Sha256"),
            ),
            ("X-SHOPIFY-TOPIC".into(), "products/delete".into()),
            ("X-SHOPIFY-WEBHOOK-ID".into(), "w-2".into()),
        ]);
        assert!(
            Shopify
                .verify(&shouting, body.as_bytes(), &creds, now())
                .is_ok()
        );
    }

    #[test]
    fn a_tampered_byte_missing_header_or_wrong_secret_is_refused() {
        let (mut body, secret, signature) = vector_of("shopify_products_create");
        let creds = Credentials::new(vec![secret.as_bytes()]);
        let h = headers(&signature, "products/create");
        body[100] ^= 0x01;
        assert_eq!(
            Shopify.verify(&h, &body, &creds, now()),
            Err(SignatureError::Mismatch)
        );
        body[100] ^= 0x01;
        let wrong = Credentials::new(vec![b"another_secret".as_slice()]);
        assert_eq!(
            Shopify.verify(&h, &body, &wrong, now()),
            Err(SignatureError::Mismatch)
        );

        let unsigned = Headers::new(vec![("X-Shopify-Topic".into(), "products/create".into())]);
        let err = Shopify.verify(&unsigned, &body, &creds, now()).unwrap_err();
        assert_eq!(
            err,
            SignatureError::Missing {
                header: "X-Shopify-Hmac-Sha256"
            }
        );
        assert_eq!(err.code(), "signature_header_missing");

        let garbled = headers("not base64!", "products/create");
        assert_eq!(
            Shopify
                .verify(&garbled, &body, &creds, now())
                .unwrap_err()
                .code(),
            "signature_malformed"
        );
        let none = Credentials::default();
        assert_eq!(
            Shopify.verify(&h, &body, &none, now()),
            Err(SignatureError::NotConfigured {
                what: "signing secret"
            })
        );
    }

    #[test]
    fn the_previous_secret_still_verifies_during_a_rotation() {
        let (body, secret, signature) = vector_of("shopify_orders_cancelled");
        let creds = Credentials::new(vec![
            b"new_secret_after_rotation".as_slice(),
            secret.as_bytes(),
        ]);
        assert!(
            Shopify
                .verify(
                    &headers(&signature, "orders/cancelled"),
                    &body,
                    &creds,
                    now()
                )
                .is_ok()
        );
    }

    #[test]
    fn unknown_topics_and_bad_bodies_say_what_and_where() {
        let err = Shopify.parse("customers/create", b"{}").unwrap_err();
        assert_eq!(err.code(), "unknown_topic");
        assert!(err.to_string().contains("customers/create"), "{err}");

        let err = Shopify
            .parse(
                "orders/paid",
                br##"{"id": 1, "line_items": [{"quantity": 1}, {"quantity": "lots"}]}"##,
            )
            .unwrap_err();
        assert_eq!(err.path.as_deref(), Some("$.line_items[1].quantity"));
        assert_eq!(err.code(), "bad_value");

        let err = Shopify
            .parse(
                "products/create",
                br##"{"id": 1, "title": "x", "variants": [{"id": 2},"##,
            )
            .unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        assert!(err.to_string().contains("line 1"), "{err}");

        let err = Shopify
            .parse("products/create", br##"{"id": 1}"##)
            .unwrap_err();
        assert_eq!(
            (err.code(), err.path.as_deref()),
            ("missing_field", Some("$.title"))
        );
        assert!(err.message_zh().contains("$.title"));
    }

    #[test]
    fn the_adapter_registry_hands_out_shopify() {
        assert_eq!(
            adapter(Marketplace::Shopify).marketplace(),
            Marketplace::Shopify
        );
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
            let h = headers(&signature, "products/create");
            let creds = Credentials::new(vec![secret.as_slice()]);
            prop_assert!(matches!(Shopify.verify(&h, &body, &creds, now()), Ok(Verified::Delivery(_))));
            let mut tampered = body.clone();
            tampered[position.index(body.len())] ^= 1 << bit;
            prop_assert_eq!(Shopify.verify(&h, &tampered, &creds, now()), Err(SignatureError::Mismatch));
        }
    }
}
