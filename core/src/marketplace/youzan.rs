//! Youzan (有赞) pushes: `Event-Sign` = md5(client_id + body + client_secret), else the body's
//! `sign` = md5(client_id + msg + client_secret); the trade message is URL-encoded JSON in `msg`.
//!
//! The body `sign` covers only `msg`: `type`, `msg_id` and `client_id` beside it are not signed.
//! Youzan sends `Event-Sign` on current pushes; the body sign is the fallback for old ones.

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::crypto;
use super::error::{Malformed, ParseError, ParseErrorKind, ValueKind};
use super::json::{Node, TimeFormat, parse_document};
use super::region::{RegionFields, destination};
use super::types::{BuyerKind, Change, OrderData, OrderLine, OrderStatus, RefundLine};
use super::{
    Adapter, CODE_ZERO_SUCCESS, Credentials, Envelope, Headers, Marketplace, SignatureError,
    Verified,
};

/// The Youzan adapter. [`Credentials::app_key`] is the app's `client_id`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Youzan;

const EVENT_SIGN_HEADER: &str = "Event-Sign";

/// What a message type means for the order.
pub(super) enum Kind {
    /// A trade message: the order now has this status.
    Trade(OrderStatus),
    /// A completed refund of some sub-orders.
    Refund,
    /// A seller's agreement: a completed refund only for `REFUND_ONLY`.
    RefundAgreed,
    /// A known message that changes nothing Suyuan tracks.
    Nothing,
}

pub(super) fn classify(topic: &str) -> Option<Kind> {
    use OrderStatus::*;
    Some(match topic {
        "trade_TradeCreate" => Kind::Trade(Created),
        "trade_TradeBuyerPay" | "trade_TradePaid" => Kind::Trade(Paid),
        "trade_TradeSellerShip" => Kind::Trade(Fulfilled),
        "trade_TradePartlySellerShip" => Kind::Trade(PartiallyFulfilled),
        "trade_TradeSuccess" => Kind::Trade(Completed),
        "trade_TradeClose" => Kind::Trade(Cancelled),
        "trade_refund_RefundSuccess" | "trade_refund_SysRefund" | "youzan_trade_RefundSuccess" => {
            Kind::Refund
        }
        "trade_refund_RefundSellerAgree" | "youzan_trade_RefundSellerAgree" => Kind::RefundAgreed,
        "trade_TradeMemoModified" => Kind::Nothing,
        t if t.starts_with("trade_refund_") || t.starts_with("youzan_trade_Refund") => {
            Kind::Nothing
        }
        _ => return None,
    })
}

/// The signature failed: say "wrong app" when the push plainly names another client_id (a
/// misrouted push URL), else "mismatch".
fn mismatch_or_wrong_app(body: &[u8], app_key: &str) -> SignatureError {
    let named = serde_json::from_slice::<Value>(body).ok().and_then(|doc| {
        doc.get("client_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    match named {
        Some(client_id) if client_id != app_key => SignatureError::WrongApp { got: client_id },
        _ => SignatureError::Mismatch,
    }
}

impl Adapter for Youzan {
    fn marketplace(&self) -> Marketplace {
        Marketplace::Youzan
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
        let secrets = creds.require_secrets()?;

        // `Some(msg)` when only the body `sign` holds: then only `msg` is signed.
        let body_signed_msg = if let Some(sign) = headers.first_of(&[EVENT_SIGN_HEADER]) {
            let tag = crypto::hex_decode(sign)
                .ok_or_else(|| SignatureError::malformed(EVENT_SIGN_HEADER, Malformed::NotHex))?;
            if tag.len() != 16 {
                return Err(SignatureError::malformed(
                    EVENT_SIGN_HEADER,
                    Malformed::NotMd5OrSha256Hex,
                ));
            }
            let signed = secrets.iter().any(|secret| {
                crypto::ct_eq(&crypto::md5(&[app_key.as_bytes(), body, secret]), &tag)
            });
            if !signed {
                return Err(mismatch_or_wrong_app(body, app_key));
            }
            None
        } else {
            // The body sign signs the `msg` field, so the JSON must be read first.
            let doc: Option<Value> = serde_json::from_slice(body).ok();
            let field = |name: &str| {
                doc.as_ref()
                    .and_then(|d| d.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            let (Some(msg), Some(sign)) = (field("msg"), field("sign")) else {
                return Err(SignatureError::Missing {
                    header: EVENT_SIGN_HEADER,
                });
            };
            let tag = crypto::hex_decode(&sign).filter(|t| t.len() == 16);
            let signed = tag.is_some_and(|tag| {
                secrets.iter().any(|secret| {
                    crypto::ct_eq(
                        &crypto::md5(&[app_key.as_bytes(), msg.as_bytes(), secret]),
                        &tag,
                    )
                })
            });
            if !signed {
                return Err(mismatch_or_wrong_app(body, app_key));
            }
            Some(msg)
        };

        let doc: Value = serde_json::from_slice(body)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| SignatureError::malformed("body", Malformed::NotYouzanPush))?;
        let client_id = doc
            .get("client_id")
            .and_then(Value::as_str)
            .ok_or_else(|| SignatureError::malformed("body", Malformed::NoClientId))?;
        if client_id != app_key {
            return Err(SignatureError::WrongApp {
                got: client_id.to_owned(),
            });
        }
        if doc.get("test").and_then(Value::as_bool) == Some(true) {
            return Ok(Verified::Verification);
        }
        let topic = doc
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if let Some(msg) = body_signed_msg {
            // Only `msg` is signed: `type`, `id` and `msg_id` beside it steer nothing they
            // are not confirmed by.
            steering::check(&topic, doc.get("id"), &msg)?;
            let digest = super::content_digest(&topic, msg.as_bytes());
            return Ok(Verified::Delivery(Envelope {
                idempotency_key: format!("msg:{digest}"),
                content_digest: digest,
                topic,
                message_ids: Vec::new(),
                shop: None,
            }));
        }
        let msg_id = doc
            .get("msg_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        Ok(Verified::Delivery(Envelope {
            content_digest: super::content_digest(&topic, body),
            idempotency_key: msg_id.map_or_else(
                || format!("sha256:{}", crypto::sha256_hex(body)),
                str::to_owned,
            ),
            topic,
            message_ids: msg_id.map(str::to_owned).into_iter().collect(),
            shop: match doc.get("kdt_id") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            },
        }))
    }

    fn parse(&self, topic: &str, body: &[u8]) -> Result<Vec<Change>, ParseError> {
        let kind = classify(topic).ok_or_else(|| ParseError::unknown_topic(topic))?;
        if matches!(kind, Kind::Nothing) {
            return Ok(Vec::new());
        }
        let doc = parse_document(topic, "$", body)?;
        let root = Node::root(topic, &doc);
        root.require_object()?;
        let msg_doc = decode_msg(&root.get("msg"))?;
        let msg = Node::at(topic, "$.msg".to_owned(), &msg_doc);
        msg.require_object()?;
        let order = match kind {
            Kind::Trade(status) => trade(&root, &msg, status)?,
            Kind::Refund => refund(&root, &msg)?,
            Kind::RefundAgreed => {
                if msg.get("refund_type").opt_string()?.as_deref() != Some("REFUND_ONLY") {
                    return Ok(Vec::new());
                }
                refund(&root, &msg)?
            }
            Kind::Nothing => return Ok(Vec::new()),
        };
        Ok(vec![Change::Order(order)])
    }

    fn success_body(&self) -> (&'static str, &'static str) {
        CODE_ZERO_SUCCESS
    }
}

/// The decoded `msg`: URL-encoded JSON with `+` for space (form encoding); newer message
/// versions send a plain JSON string or an object.
fn decode_msg(node: &Node<'_>) -> Result<Value, ParseError> {
    match node.require()? {
        Value::Object(_) => Ok(node.require()?.clone()),
        Value::String(encoded) => {
            let trimmed = encoded.trim_start();
            let decoded = if trimmed.starts_with('{') || trimmed.starts_with('[') {
                encoded.clone()
            } else {
                let spaced = encoded.replace('+', " ");
                percent_decode_str(&spaced)
                    .decode_utf8()
                    .map_err(|e| {
                        node.error(ParseErrorKind::Encoding {
                            detail: format!("not UTF-8 after percent-decoding: {e}"),
                        })
                    })?
                    .into_owned()
            };
            parse_document(node.topic(), node.path(), decoded.as_bytes())
        }
        _ => Err(node.error(ParseErrorKind::WrongType {
            expected: ValueKind::String,
        })),
    }
}

/// A JSON document embedded as a string (`address_extra`, sometimes `invoice_info`), or the
/// object itself; anything unreadable is ignored (these fields are extras).
fn embedded(node: &Node<'_>) -> Option<Value> {
    match node.value()? {
        Value::Object(_) => node.value().cloned(),
        Value::String(s) => serde_json::from_str::<Value>(s)
            .ok()
            .filter(Value::is_object),
        _ => None,
    }
}

/// The trade id: the message's `tid`, else the push's `id`.
fn tid(root: &Node<'_>, msg: &Node<'_>) -> Result<String, ParseError> {
    match msg.get("tid").opt_id()? {
        Some(tid) => Ok(tid),
        None => root.get("id").id(),
    }
}

/// Every non-blank `express_no` anywhere under a node (delivery records nest it differently
/// across message versions).
fn express_numbers(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "express_no" {
                    if let Some(n) = v.as_str().map(str::trim).filter(|n| !n.is_empty())
                        && !out.iter().any(|o| o == n)
                    {
                        out.push(n.to_owned());
                    }
                } else {
                    express_numbers(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| express_numbers(v, out)),
        _ => {}
    }
}

/// A trade message: the full order when `full_order_info` is there, else what the short
/// message says (`tid`, `update_time`, maybe `express_no`).
fn trade(root: &Node<'_>, msg: &Node<'_>, status: OrderStatus) -> Result<OrderData, ParseError> {
    let info = msg.get("full_order_info");
    if info.is_present() {
        return full_order(&info, status);
    }
    let mut order = OrderData::new(tid(root, msg)?, status);
    let updated_at = msg.get("update_time").opt_time(TimeFormat::China)?;
    order.updated_at = updated_at;
    order.paid_at = msg.get("pay_time").opt_time(TimeFormat::China)?;
    order.fulfilled_at = match msg.get("consign_time").opt_time(TimeFormat::China)? {
        Some(at) => Some(at),
        None if matches!(
            status,
            OrderStatus::Fulfilled | OrderStatus::PartiallyFulfilled
        ) =>
        {
            updated_at
        }
        None => None,
    };
    if status == OrderStatus::Cancelled {
        order.cancelled_at = updated_at;
    }
    if let Some(value) = msg.value() {
        express_numbers(value, &mut order.tracking_numbers);
    }
    order.status_only = true;
    Ok(order)
}

/// Youzan's `express_type` codes.
fn shipping_method(code: u64) -> Option<&'static str> {
    match code {
        0 => Some("快递发货"),
        1 => Some("到店自提"),
        2 => Some("同城配送"),
        9 => Some("无需发货"),
        _ => None,
    }
}

/// A message with `full_order_info` (`trade_TradeCreate`, `trade_TradePaid`, …).
fn full_order(info: &Node<'_>, status: OrderStatus) -> Result<OrderData, ParseError> {
    let order_info = info.get("order_info");
    order_info.require_object()?;
    let tid = order_info.get("tid").id()?;

    let lines = info
        .get("orders")
        .items()?
        .iter()
        .map(|item| {
            Ok(OrderLine {
                external_id: item.get("oid").opt_id()?,
                listing_external_id: item.get("item_id").opt_id()?,
                variant_external_id: item.get("sku_id").opt_id()?,
                sku: match item.get("outer_sku_id").opt_string()? {
                    Some(sku) => Some(sku),
                    None => item.get("outer_item_id").opt_string()?,
                },
                barcode: match item.get("sku_barcode").opt_string()? {
                    Some(barcode) => Some(barcode),
                    None => item.get("item_barcode").opt_string()?,
                },
                title: item.get("title").opt_string()?,
                quantity: item.get("num").quantity()?,
            })
        })
        .collect::<Result<_, ParseError>>()?;

    let address = info.get("address_info");
    let area_code = embedded(&address.get("address_extra"))
        .as_ref()
        .and_then(|extra| match extra.get("areaCode") {
            Some(Value::String(code)) => Some(code.clone()),
            Some(Value::Number(code)) => Some(code.to_string()),
            _ => None,
        });
    let destination = destination(RegionFields {
        country: None,
        province: address.get("delivery_province").opt_string()?,
        province_code: None,
        city: address.get("delivery_city").opt_string()?,
        area_code,
        chinese_platform: true,
    });

    // An invoice to a company (raise_type "enterprise", or a taxpayer id) makes a business
    // buyer; a personal invoice's name is a person's and is never read.
    let buyer = match embedded(&info.get("invoice_info")) {
        Some(invoice) => {
            let invoice = Node::at(
                info.topic(),
                format!("{}.invoice_info", info.path()),
                &invoice,
            );
            let tax_id = invoice.get("taxpayer_id").opt_string()?;
            let enterprise =
                invoice.get("raise_type").opt_string()?.as_deref() == Some("enterprise");
            if enterprise || tax_id.is_some() {
                let company = match invoice.get("user_name").opt_string()? {
                    Some(name) => Some(name),
                    None => invoice.get("invoice_title").opt_string()?,
                };
                BuyerKind::from_company(company, tax_id)
            } else {
                BuyerKind::Consumer
            }
        }
        None => BuyerKind::Consumer,
    };

    let mut tracking_numbers = Vec::new();
    if let Some(value) = info.value() {
        express_numbers(value, &mut tracking_numbers);
    }
    let updated_at = order_info.get("update_time").opt_time(TimeFormat::China)?;
    Ok(OrderData {
        external_id: tid.clone(),
        number: Some(tid),
        status,
        lines,
        refunded_lines: Vec::new(),
        buyer,
        destination,
        shipping_method: order_info
            .get("express_type")
            .opt_code()?
            .and_then(shipping_method)
            .map(str::to_owned),
        tracking_numbers,
        tracking_company: None,
        created_at: order_info.get("created").opt_time(TimeFormat::China)?,
        updated_at,
        paid_at: order_info.get("pay_time").opt_time(TimeFormat::China)?,
        fulfilled_at: order_info.get("consign_time").opt_time(TimeFormat::China)?,
        cancelled_at: if status == OrderStatus::Cancelled {
            updated_at
        } else {
            None
        },
        status_only: false,
    })
}

/// A completed refund: the refunded sub-orders (`oids`, comma-separated, or `oid`), quantity
/// unknown.
fn refund(root: &Node<'_>, msg: &Node<'_>) -> Result<OrderData, ParseError> {
    let mut order = OrderData::new(tid(root, msg)?, OrderStatus::PartiallyRefunded);
    let mut oids: Vec<String> = msg
        .get("oids")
        .opt_string()?
        .map(|oids| {
            oids.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if oids.is_empty() {
        oids.extend(msg.get("oid").opt_id()?);
    }
    order.refunded_lines = oids
        .into_iter()
        .map(|oid| RefundLine {
            line_external_id: Some(oid),
            listing_external_id: None,
            variant_external_id: None,
            quantity: None,
        })
        .collect();
    order.updated_at = msg.get("update_time").opt_time(TimeFormat::China)?;
    order.status_only = true;
    Ok(order)
}

mod steering;

#[cfg(test)]
mod tests;
