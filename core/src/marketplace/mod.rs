//! Marketplace webhooks: signature verification and payload parsing for Shopify, WooCommerce,
//! Youzan (有赞), Douyin Shop (抖店) and any marketplace speaking Standard Webhooks, behind one
//! [`Adapter`] trait, producing normalized [`Change`]s.
//!
//! This module is pure: no HTTP, no database, no clock (the caller passes `now`). The HTTP layer
//! hands in the headers and the raw body; [`Adapter::verify`] checks the signature on those exact
//! bytes (in constant time, never re-serialising) and says what the delivery is; [`Adapter::parse`]
//! turns a verified delivery into listing and order changes.
//!
//! ```
//! use suyuan_core::marketplace::{adapter, Change, Credentials, Headers, Marketplace, Verified};
//!
//! let body = br#"{"id":1}"#;
//! let headers = Headers::new(vec![
//!     ("X-Shopify-Hmac-Sha256".into(), "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=".into()),
//!     ("X-Shopify-Topic".into(), "products/delete".into()),
//!     ("X-Shopify-Webhook-Id".into(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043".into()),
//! ]);
//! let shopify = adapter(Marketplace::Shopify);
//! let creds = Credentials::new(vec![b"hush".as_slice()]);
//! let verified = shopify.verify(&headers, body, &creds, chrono::Utc::now());
//! let Ok(Verified::Delivery(envelope)) = verified else {
//!     panic!("a correctly signed delivery verifies")
//! };
//! assert_eq!(envelope.idempotency_key, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
//! let changes = shopify.parse(&envelope.topic, body);
//! assert_eq!(
//!     changes,
//!     Ok(vec![Change::ListingDeleted { external_id: "1".into(), updated_at: None }])
//! );
//! ```
//!
//! # Personal data (PIPL)
//!
//! The normalized types never hold consumers' names, phone numbers, e-mail addresses, street
//! addresses or postal codes. An order keeps only the destination region (country, province,
//! city, GB/T 2260 division), the buyer type, and for business buyers the company name and tax
//! id. Douyin's encrypted receiver fields and Youzan's coordinates are ignored.
//!
//! # What each marketplace sends, and what Suyuan makes of it
//!
//! | marketplace | signature | idempotency key | topic | answer |
//! |---|---|---|---|---|
//! | Shopify | `X-Shopify-Hmac-Sha256` (or `Shopify-Hmac-Sha256`) = base64 HMAC-SHA256(body) | `X-Shopify-Webhook-Id` | `X-Shopify-Topic` | `{}` |
//! | WooCommerce | `X-WC-Webhook-Signature` = base64 HMAC-SHA256(body); the unsigned `webhook_id=N` ping is [`Verified::Ping`] | `{X-WC-Webhook-ID}:{id}:{date_modified_gmt}` | `X-WC-Webhook-Topic` | `{}` |
//! | Youzan | `Event-Sign` = md5(client_id + body + secret), else body `sign` = md5(client_id + msg + secret); body `client_id` must be the connection's | `msg_id` | `type` | `{"code":0,"msg":"success"}` |
//! | Douyin | `event-sign` = md5 hex (32) or HMAC-SHA256 hex (64) of app_key + body + app_secret | `msg_id` (see [`Envelope`]) | the `tag`s | `{"code":0,"msg":"success"}` |
//! | Standard Webhooks | `webhook-signature` `v1,<base64>` over `{id}.{timestamp}.{body}`, ±5 minutes | `webhook-id` | `type` | `{}` |
//!
//! # Fields outside the signature
//!
//! Only what a signature covers may steer what a delivery does:
//!
//! - Shopify's and WooCommerce's topic headers are not signed, so a topic must fit the signed
//!   body (see `fit.rs`): a deletion carries only the id, a product topic a product, an order
//!   topic an order, and `orders/paid`, `orders/fulfilled`, `orders/partially_fulfilled` and
//!   `orders/cancelled` an order in that state. Otherwise [`SignatureError::DoesNotFit`] names
//!   the header and nothing is stored.
//! - A Youzan push without `Event-Sign` is signed only in `msg`: its order is the `msg`'s `tid`
//!   (an `id` beside it naming another order is refused), its `type` must fit the order status
//!   in `msg` (a short `msg` without a status cannot confirm its type and is refused), and its
//!   deduplication key is the digest of `type` and `msg`, never the unsigned `msg_id`.
//! - Every envelope carries [`Envelope::content_digest`], the SHA-256 of the topic and the
//!   signed content: the inbox stores a signed body under one topic once, whatever delivery
//!   id it comes under.
//! - Standard Webhooks sign their id and timestamp: a timestamp further from the server's
//!   clock than [`Credentials::replay_window`] (5 minutes unless configured) is refused.
//!   Shopify, WooCommerce, Youzan and Douyin sign no send time, so there the digest and the
//!   `updated_at` ordering are what stop replays.
//!
//! When a body is signed correctly but its idempotency fields cannot be read, the key falls back
//! to `sha256:<hex of the body>` and [`Adapter::parse`] reports what is wrong, so the delivery
//! lands in the dead-letter list rather than being refused (the marketplace would only retry it).
//!
//! Topics each adapter turns into changes (any other topic is a [`ParseError`] with code
//! `unknown_topic`; topics listed as "nothing" parse to an empty list):
//!
//! - **Shopify**: `products/create`, `products/update` (listing), `products/delete`,
//!   `orders/create`, `orders/updated`, `orders/paid`, `orders/fulfilled`,
//!   `orders/partially_fulfilled`, `orders/cancelled` (order; the status comes from
//!   `cancelled_at`, `financial_status`, `fulfillment_status`, `closed_at`, raised to at least
//!   what the topic says), `refunds/create` (a status-only order with refunded lines).
//! - **WooCommerce**: `product.created`, `product.updated`, `product.restored`,
//!   `product.deleted`, `order.created`, `order.updated`, `order.restored`; `order.deleted` is
//!   nothing (deleting a record in the shop does not undo a sale). A simple product is its own
//!   only variant: the variant id is the product id, and an order line with `variation_id` 0
//!   names the product id as its variant.
//! - **Youzan**: `trade_TradeCreate` (created), `trade_TradeBuyerPay`, `trade_TradePaid` (paid),
//!   `trade_TradeSellerShip` (fulfilled), `trade_TradePartlySellerShip` (partially fulfilled),
//!   `trade_TradeSuccess` (completed), `trade_TradeClose` (cancelled),
//!   `trade_refund_RefundSuccess`, `trade_refund_SysRefund`, `youzan_trade_RefundSuccess`, and
//!   `trade_refund_RefundSellerAgree` / `youzan_trade_RefundSellerAgree` for `REFUND_ONLY`
//!   (partially refunded, one refunded line per `oid`, quantity unknown); other refund and memo
//!   messages are nothing. A push whose body says `"test": true` verifies as
//!   [`Verified::Verification`].
//! - **Douyin**: tag `0` is [`Verified::Verification`]; `100` created, `101` paid, `102` shipped
//!   (fulfilled), `103` completed, `104` logistics changed and `105` address changed (status
//!   from `order_status`: 1 created, 2 paid, 3 fulfilled, 4 cancelled, 5 completed), `106`
//!   cancelled, `206` refund succeeded (partially refunded, the `s_id` as refunded line, quantity
//!   unknown); the other after-sale tags `200`–`205`, `207`, `208` are nothing.
//!
//! # Standard Webhooks: the integration contract for any marketplace
//!
//! A marketplace without its own adapter can send Suyuan [Standard Webhooks]
//! (<https://www.standardwebhooks.com>): a `POST` with headers `webhook-id` (unique per event,
//! the idempotency key), `webhook-timestamp` (unix seconds; refused when more than 5 minutes,
//! or the configured `SUYUAN_WEBHOOK_REPLAY_WINDOW`, from Suyuan's clock) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the base64-decoded `whsec_` secret; several
//! space-separated signatures are allowed, one match is enough), and a JSON body:
//!
//! ```json
//! {
//!   "type": "order.paid",
//!   "timestamp": "2025-03-01T08:00:00Z",
//!   "data": { ... }
//! }
//! ```
//!
//! `type` is one of `listing.created`, `listing.updated`, `listing.deleted`, `order.created`,
//! `order.paid`, `order.fulfilled`, `order.cancelled`, `order.refunded`. `timestamp` (RFC 3339)
//! is used as `updated_at` when `data` has none. Ids are strings; unknown fields are ignored
//! (send no personal data). `data` is, for `listing.created` / `listing.updated`, a
//! [`ListingData`]:
//!
//! ```json
//! {
//!   "external_id": "P-1001", "title": "电动自行车 TDT-1200", "status": "active",
//!   "url": "https://shop.example.cn/p/1001", "handle": null, "product_type": "电动自行车",
//!   "categories": ["出行"], "tags": ["新品"], "vendor": "某某车业",
//!   "variants": [{"external_id": "V-1", "title": "黑色", "sku": "TDT-1200-BK",
//!                 "barcode": "9520000000017"}],
//!   "updated_at": "2025-03-01T08:00:00Z"
//! }
//! ```
//!
//! (`external_id`, `title` and `status` are required; `status` is `active`, `draft`,
//! `archived` or `deleted`.) For `listing.deleted` it is `{"external_id": "P-1001",
//! "updated_at": "…"}`. For the `order.*` types it is an [`OrderData`]:
//!
//! ```json
//! {
//!   "external_id": "O-88", "number": "#88", "status": "paid",
//!   "lines": [{"external_id": "L-1", "listing_external_id": "P-1001",
//!              "variant_external_id": "V-1", "sku": "TDT-1200-BK",
//!              "barcode": "9520000000017", "title": "电动自行车 TDT-1200", "quantity": 1}],
//!   "refunded_lines": [],
//!   "buyer": {"kind": "business", "company": "某某商贸有限公司", "tax_id": "91350100M000100Y43"},
//!   "destination": {"country_code": "CN", "province": "广东省", "city": "深圳市",
//!                   "division": "440300"},
//!   "shipping_method": "顺丰速运", "tracking_numbers": ["SF1234567890"],
//!   "tracking_company": "顺丰速运",
//!   "created_at": "2025-03-01T07:59:00Z", "updated_at": "2025-03-01T08:00:00Z",
//!   "paid_at": "2025-03-01T08:00:00Z", "fulfilled_at": null, "cancelled_at": null
//! }
//! ```
//!
//! Only `external_id` is required. `status` (`created`, `paid`, `fulfilled`,
//! `partially_fulfilled`, `cancelled`, `refunded`, `partially_refunded`, `completed`) defaults
//! to what the type says (`order.created` → `created`, `order.paid` → `paid`, …). `buyer`
//! defaults to `{"kind": "consumer"}`; a `division` (GB/T 2260) is checked, and when absent is
//! derived from `province` for Chinese addresses. `refunded_lines` items are
//! `{"line_external_id", "listing_external_id", "variant_external_id", "quantity"}`.
//!
//! [Standard Webhooks]: https://github.com/standard-webhooks/standard-webhooks

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

mod crypto;
mod douyin;
mod error;
mod fit;
mod json;
pub mod redact;
mod region;
mod shopify;
mod standard;
mod types;
mod woocommerce;
mod youzan;

#[cfg(test)]
mod test_support;

pub use douyin::Douyin;
pub use error::{ParseError, ParseErrorKind, SignatureError, ValueKind};
pub use fit::Unfit;
pub use shopify::Shopify;
pub use standard::StandardWebhooks;
pub use types::{
    BuyerKind, Change, Destination, ListingData, ListingStatus, OrderData, OrderLine, OrderStatus,
    RefundLine, VariantData,
};
pub use woocommerce::WooCommerce;
pub use youzan::Youzan;

/// A marketplace Suyuan takes webhooks from.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Marketplace {
    /// Shopify.
    Shopify,
    /// WooCommerce (WordPress).
    #[serde(rename = "woocommerce")]
    WooCommerce,
    /// Youzan 有赞.
    Youzan,
    /// Douyin Shop 抖店.
    Douyin,
    /// Any marketplace speaking Standard Webhooks with Suyuan's body schema.
    Standard,
}

impl Marketplace {
    /// Every marketplace, in a stable order.
    pub const ALL: [Marketplace; 5] = [
        Marketplace::Shopify,
        Marketplace::WooCommerce,
        Marketplace::Youzan,
        Marketplace::Douyin,
        Marketplace::Standard,
    ];

    /// The stable name: `shopify`, `woocommerce`, `youzan`, `douyin`, `standard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Marketplace::Shopify => "shopify",
            Marketplace::WooCommerce => "woocommerce",
            Marketplace::Youzan => "youzan",
            Marketplace::Douyin => "douyin",
            Marketplace::Standard => "standard",
        }
    }
}

impl fmt::Display for Marketplace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A marketplace name Suyuan does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown marketplace platform {0:?}; expected one of shopify, woocommerce, youzan, douyin, standard"
)]
pub struct UnknownPlatform(pub String);

impl UnknownPlatform {
    /// The same message in Chinese.
    pub fn message_zh(&self) -> String {
        format!(
            "未知的电商平台 {:?}；应为 shopify、woocommerce、youzan、douyin 或 standard 之一",
            self.0
        )
    }

    /// A stable snake_case reason code.
    pub fn code(&self) -> &'static str {
        "unknown_platform"
    }
}

impl FromStr for Marketplace {
    type Err = UnknownPlatform;

    /// Reads the stable name, ignoring case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Marketplace::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownPlatform(s.to_owned()))
    }
}

/// The request headers the HTTP layer hands in, looked up case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Wraps name/value pairs as received.
    pub fn new(pairs: Vec<(String, String)>) -> Headers {
        Headers(pairs)
    }

    /// The value of the first header with this name, ignoring ASCII case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first of several names that is present (e.g. `X-Shopify-Topic` or `Shopify-Topic`),
    /// with its value trimmed; empty values count as absent.
    pub(crate) fn first_of(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .filter_map(|n| self.get(n))
            .map(str::trim)
            .find(|v| !v.is_empty())
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Headers(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// The secrets of one store connection: `current` and `previous` (during a rotation grace
/// period) are tried in turn.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Credentials<'a> {
    /// Shared secrets, current first. Shopify: the app's client secret; WooCommerce: the
    /// webhook secret; Youzan: client_secret; Douyin: app_secret; Standard: the `whsec_…` string.
    pub secrets: Vec<&'a [u8]>,
    /// The app identity that is part of the signed content: Youzan `client_id`, Douyin
    /// `app_key`. Required for those two, ignored by the others.
    pub app_key: Option<&'a str>,
    /// How far a signed send time may be from the server's clock, either way, before the
    /// delivery is refused as a replay (Standard Webhooks `webhook-timestamp`; the other
    /// marketplaces sign no send time). [`DEFAULT_REPLAY_WINDOW`] unless configured.
    pub replay_window: std::time::Duration,
}

/// The replay window Standard Webhooks recommends: 5 minutes.
pub const DEFAULT_REPLAY_WINDOW: std::time::Duration = std::time::Duration::from_secs(5 * 60);

impl<'a> Credentials<'a> {
    /// Credentials with these secrets and no app key.
    pub fn new(secrets: Vec<&'a [u8]>) -> Credentials<'a> {
        Credentials {
            secrets,
            app_key: None,
            replay_window: DEFAULT_REPLAY_WINDOW,
        }
    }

    /// The same credentials with another replay window.
    pub fn with_replay_window(mut self, window: std::time::Duration) -> Credentials<'a> {
        self.replay_window = window;
        self
    }

    /// The same credentials with an app key (Youzan client_id, Douyin app_key).
    pub fn with_app_key(mut self, app_key: &'a str) -> Credentials<'a> {
        self.app_key = Some(app_key);
        self
    }

    /// The secrets, or [`SignatureError::NotConfigured`] when there are none.
    pub(crate) fn require_secrets(&self) -> Result<&[&'a [u8]], SignatureError> {
        if self.secrets.is_empty() {
            Err(SignatureError::NotConfigured {
                what: "signing secret",
            })
        } else {
            Ok(&self.secrets)
        }
    }
}

impl fmt::Debug for Credentials<'_> {
    /// Never prints the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("app_key", &self.app_key)
            .field("replay_window", &self.replay_window)
            .finish()
    }
}

/// What a delivery with a valid signature (or a marketplace handshake) is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// A signed delivery to store and process.
    Delivery(Envelope),
    /// WooCommerce's unsigned `webhook_id=N` form body sent when a webhook is created: answer
    /// 200, store nothing.
    Ping,
    /// A marketplace's verification push (Douyin tag "0", Youzan `"test": true`): answer with
    /// [`Adapter::success_body`], store nothing.
    Verification,
}

/// How to store a verified delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Envelope {
    /// Deduplication key per DOMAIN.md §6: Shopify `X-Shopify-Webhook-Id`; Standard
    /// `webhook-id`; Youzan `msg_id`; Douyin the `msg_id` of a one-message push, or
    /// `multi:<sha256 hex of the msg_ids joined by newlines>` for several; WooCommerce
    /// `{X-WC-Webhook-ID}:{resource id}:{date_modified_gmt}` (for bodies without
    /// `date_modified_gmt`, such as deletions, `delivery-{X-WC-Webhook-Delivery-ID}` takes its
    /// place). `sha256:<hex>` of the body when the marketplace's fields cannot be read.
    pub idempotency_key: String,
    /// Topic as the marketplace names it: Shopify `products/create`, WooCommerce
    /// `product.created`, Youzan `trade_TradePaid`, Douyin the tag (`101`; several distinct
    /// tags of one push joined by `,`), Standard the `type`.
    pub topic: String,
    /// The marketplace's message ids in this delivery: one per Douyin array element, the single
    /// event id for the others (WooCommerce: `X-WC-Webhook-Delivery-ID`); empty when none was
    /// sent.
    pub message_ids: Vec<String>,
    /// The shop the delivery is for, as the marketplace names it, so that a push URL shared by
    /// several shops (one Youzan or Douyin app serving many stores) can be routed and checked:
    /// Shopify `X-Shopify-Shop-Domain`, WooCommerce `X-WC-Webhook-Source`, Youzan `kdt_id`,
    /// Douyin the `shop_id` in the messages' data (`None` when they name different shops);
    /// `None` for Standard Webhooks and whenever the marketplace sent none.
    pub shop: Option<String>,
    /// SHA-256 (hex) of the topic and the signed content: the body (Standard Webhooks: the
    /// body, whose id and timestamp are signed too), or for a Youzan push signed only by its
    /// body `sign`, the `msg`. A second deduplication key that no unsigned field can change: the
    /// same signed body under the same topic is stored once, whatever delivery id it comes
    /// with.
    pub content_digest: String,
}

/// The [`Envelope::content_digest`] of a topic and the signed bytes.
pub(crate) fn content_digest(topic: &str, signed: &[u8]) -> String {
    crypto::sha256_hex_parts(&[topic.as_bytes(), b"\n", signed])
}

/// One marketplace's webhook protocol.
pub trait Adapter: Send + Sync {
    /// Which marketplace this is.
    fn marketplace(&self) -> Marketplace;

    /// Checks the signature on the raw bytes, in constant time, before any parsing (Youzan's
    /// body `sign` is the exception the protocol forces: it signs a field of the JSON), and
    /// says what the delivery is. `now` is the server clock (Standard Webhooks refuses
    /// timestamps further from it than [`Credentials::replay_window`]).
    fn verify(
        &self,
        headers: &Headers,
        body: &[u8],
        creds: &Credentials<'_>,
        now: DateTime<Utc>,
    ) -> Result<Verified, SignatureError>;

    /// Parses a verified delivery into normalized changes. Unknown topics and unreadable bodies
    /// are errors (stored and shown in the dead-letter list with their message); topics that
    /// change nothing Suyuan tracks give an empty list.
    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError>;

    /// The body to answer a successful delivery (and a ping or verification) with, and its
    /// content type: `{"code":0,"msg":"success"}` for Youzan and Douyin, `{}` for the others,
    /// both `application/json`.
    fn success_body(&self) -> (&'static str, &'static str);
}

/// The answer Shopify, WooCommerce and Standard Webhooks get: any 2xx will do.
pub(crate) const EMPTY_JSON: (&str, &str) = ("{}", "application/json");
/// The answer Youzan and Douyin require.
pub(crate) const CODE_ZERO_SUCCESS: (&str, &str) =
    (r#"{"code":0,"msg":"success"}"#, "application/json");

/// The adapter for a marketplace.
pub fn adapter(platform: Marketplace) -> &'static dyn Adapter {
    static SHOPIFY: Shopify = Shopify;
    static WOOCOMMERCE: WooCommerce = WooCommerce;
    static YOUZAN: Youzan = Youzan;
    static DOUYIN: Douyin = Douyin;
    static STANDARD: StandardWebhooks = StandardWebhooks;
    match platform {
        Marketplace::Shopify => &SHOPIFY,
        Marketplace::WooCommerce => &WOOCOMMERCE,
        Marketplace::Youzan => &YOUZAN,
        Marketplace::Douyin => &DOUYIN,
        Marketplace::Standard => &STANDARD,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_round_trip_through_their_names_and_serde() {
        for p in Marketplace::ALL {
            assert_eq!(p.as_str().parse::<Marketplace>(), Ok(p));
            assert_eq!(adapter(p).marketplace(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<Marketplace>(&json).unwrap(), p);
        }
        assert_eq!(
            " WooCommerce ".parse::<Marketplace>(),
            Ok(Marketplace::WooCommerce)
        );
        let err = "taobao".parse::<Marketplace>().unwrap_err();
        assert_eq!(err.code(), "unknown_platform");
        assert!(err.to_string().contains("taobao"));
        assert!(err.message_zh().contains("未知"));
    }

    #[test]
    fn headers_are_found_whatever_their_case() {
        let headers = Headers::new(vec![
            ("x-shopify-topic".into(), "orders/paid".into()),
            ("X-SHOPIFY-TOPIC".into(), "second".into()),
        ]);
        assert_eq!(headers.get("X-Shopify-Topic"), Some("orders/paid"));
        assert_eq!(headers.get("x-shopify-hmac-sha256"), None);
        let collected: Headers = [("A", "1")].into_iter().collect();
        assert_eq!(collected.get("a"), Some("1"));
    }

    #[test]
    fn credentials_never_print_their_secrets() {
        let creds = Credentials::new(vec![b"topsecret".as_slice()]).with_app_key("app");
        let shown = format!("{creds:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("app"));
    }

    #[test]
    fn youzan_and_douyin_answer_code_zero_the_others_an_empty_object() {
        for p in Marketplace::ALL {
            let (body, content_type) = adapter(p).success_body();
            assert_eq!(content_type, "application/json");
            let expected = match p {
                Marketplace::Youzan | Marketplace::Douyin => r#"{"code":0,"msg":"success"}"#,
                _ => "{}",
            };
            assert_eq!(body, expected, "{p}");
        }
    }
}
