//! A Youzan push signed only by its body `sign` (no `Event-Sign` header): the signature covers
//! `msg` and nothing beside it, so `type`, `id` and `msg_id` could be rewritten on a captured
//! push. What they would steer is taken from, or checked against, the signed `msg`:
//!
//! - the order is the `msg`'s `tid` (or its `full_order_info.order_info.tid`); an `id` beside
//!   it that names another order is refused;
//! - a trade message's `type` must fit the order status the `msg` carries; a `msg` without a
//!   status (Youzan's short messages) cannot confirm its type and is refused, with a reason
//!   that says to send `Event-Sign`, which signs the whole body;
//! - a refund message's `msg` must be a refund (`refund_id` or `refund_type`);
//! - types that change nothing Suyuan tracks, and unknown ones, steer nothing and pass;
//! - the deduplication key is the digest of `type` and `msg`, never the unsigned `msg_id`.

use percent_encoding::percent_decode_str;
use serde_json::Value;

use super::super::SignatureError;
use super::super::fit::Unfit;
use super::super::types::OrderStatus;
use super::{Kind, classify};

/// The decoded `msg`: form-encoded JSON, or plain JSON.
fn decode(msg: &str) -> Option<Value> {
    let trimmed = msg.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(msg).ok();
    }
    let spaced = msg.replace('+', " ");
    let decoded = percent_decode_str(&spaced).decode_utf8().ok()?;
    serde_json::from_str(&decoded).ok()
}

/// An id as a string, whether sent as a string or a number.
fn id_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The statuses a Youzan order status (`order_info.status`) allows a trade message to set.
fn allowed(status: &str) -> &'static [OrderStatus] {
    use OrderStatus::*;
    match status {
        "WAIT_BUYER_PAY" | "TRADE_NO_CREATE_PAY" => &[Created],
        "TRADE_PAID" | "WAIT_CONFIRM" | "WAIT_GROUP" => &[Paid],
        "WAIT_SELLER_SEND_GOODS" => &[Paid, PartiallyFulfilled],
        "WAIT_BUYER_CONFIRM_GOODS" => &[Fulfilled, PartiallyFulfilled],
        "TRADE_SUCCESS" => &[Completed],
        "TRADE_CLOSE" | "TRADE_CLOSED" | "TRADE_CLOSED_BY_USER" => &[Cancelled],
        _ => &[],
    }
}

fn refuse(field: &'static str, value: &str, reason: Unfit) -> SignatureError {
    SignatureError::DoesNotFit {
        field,
        value: value.to_owned(),
        reason,
    }
}

/// Checks the unsigned `type` and `id` of a body-signed push against its signed `msg`.
pub(super) fn check(topic: &str, id: Option<&Value>, msg: &str) -> Result<(), SignatureError> {
    let kind = match classify(topic) {
        None | Some(Kind::Nothing) => return Ok(()),
        Some(kind) => kind,
    };
    let Some(msg) = decode(msg).filter(Value::is_object) else {
        // Unreadable: the parser dead-letters it with the reason.
        return Ok(());
    };
    let order_info = msg.get("full_order_info").and_then(|i| i.get("order_info"));
    let tid = id_text(msg.get("tid")).or_else(|| id_text(order_info.and_then(|o| o.get("tid"))));
    let Some(tid) = tid else {
        return Err(refuse("msg", "", Unfit::NoSignedOrder));
    };
    if let Some(id) = id_text(id)
        && id != tid
    {
        return Err(refuse("id", &id, Unfit::IdContradictsMsg));
    }
    match kind {
        Kind::Trade(status) => {
            let signed_status = order_info
                .and_then(|o| o.get("status"))
                .or_else(|| msg.get("status"))
                .and_then(Value::as_str);
            match signed_status {
                None => Err(refuse("type", topic, Unfit::TypeNotSigned)),
                Some(signed) if allowed(signed).contains(&status) => Ok(()),
                Some(_) => Err(refuse("type", topic, Unfit::TypeContradictsStatus)),
            }
        }
        Kind::Refund | Kind::RefundAgreed => {
            if msg.get("refund_id").is_some() || msg.get("refund_type").is_some() {
                Ok(())
            } else {
                Err(refuse("type", topic, Unfit::TypeNotSigned))
            }
        }
        Kind::Nothing => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::marketplace::test_support::fixture;

    fn paid_msg() -> String {
        let push: Value = serde_json::from_slice(&fixture("youzan_trade_paid.json")).unwrap();
        push["msg"].as_str().unwrap().to_owned()
    }

    #[test]
    fn a_paid_order_msg_confirms_only_paid_types() {
        let msg = paid_msg();
        let id = Value::String("E20210322174110094800093".into());
        assert_eq!(check("trade_TradePaid", Some(&id), &msg), Ok(()));
        assert_eq!(check("trade_TradeBuyerPay", None, &msg), Ok(()));
        for forged in [
            "trade_TradeClose",
            "trade_TradeSuccess",
            "trade_TradeSellerShip",
        ] {
            let err = check(forged, Some(&id), &msg).unwrap_err();
            assert_eq!(err.code(), "topic_does_not_fit_body", "{forged}");
            assert!(err.message_zh().contains(forged));
        }
    }

    #[test]
    fn an_id_beside_the_msg_must_name_the_signed_order() {
        let other = Value::String("E20990101000000000000001".into());
        let err = check("trade_TradePaid", Some(&other), &paid_msg()).unwrap_err();
        assert_eq!(err.code(), "id_does_not_fit_body");
        assert!(err.to_string().starts_with("id "), "{err}");
    }

    #[test]
    fn a_short_msg_cannot_confirm_its_type() {
        let msg = "%7B%22update_time%22%3A%222021-03-07+18%3A06%3A22%22%2C%22tid%22%3A%22E1%22%7D";
        let err = check("trade_TradeSuccess", None, msg).unwrap_err();
        assert_eq!(err.code(), "topic_not_signed");
        assert!(err.to_string().contains("Event-Sign"), "{err}");
        // …nor turn a shipment's sub-orders into a refund.
        let shipped = r#"{"express_no":"","oids":"2792474284774916173","tid":"E1"}"#;
        assert_eq!(
            check("trade_refund_RefundSuccess", None, shipped)
                .unwrap_err()
                .code(),
            "topic_not_signed"
        );
        let refund = r#"{"tid":"E1","oids":"111","refund_type":"REFUND_ONLY"}"#;
        assert_eq!(check("trade_refund_RefundSuccess", None, refund), Ok(()));
    }

    #[test]
    fn types_that_change_nothing_pass() {
        assert_eq!(check("trade_TradeMemoModified", None, "{}"), Ok(()));
        assert_eq!(check("some_new_type", None, "{}"), Ok(()));
        assert_eq!(
            check("trade_TradePaid", None, r#"{"x":1}"#)
                .unwrap_err()
                .code(),
            "id_does_not_fit_body"
        );
    }
}
