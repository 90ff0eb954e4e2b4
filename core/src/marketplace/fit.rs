//! Whether a delivery's topic, which Shopify and WooCommerce send in a header outside the
//! signature, fits the signed body.
//!
//! A captured, correctly signed body can be sent again under another topic header: a
//! `products/update` body as `products/delete`, an `orders/create` body as `orders/paid` or
//! `orders/cancelled`. The topic is the only thing that would make those mean something else,
//! so it must agree with what the body itself shows: a deletion carries only the id, a product
//! has a title and variants, an order has line items, and an order topic that names a state
//! (paid, fulfilled, cancelled) needs the body to be in that state.
//!
//! The check reads only the body's top-level keys (serde skips the values it does not need
//! without allocating), so it costs one pass over the bytes.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

/// Why a topic does not fit the signed body, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// A product topic over something that is not a product.
    NotAProduct,
    /// A deletion topic over a full record (a deletion carries only the id).
    NotADeletion,
    /// An order topic over something that is not an order.
    NotAnOrder,
    /// A refund topic over something that is not a refund.
    NotARefund,
    /// `orders/cancelled` over an order that is not cancelled.
    NotCancelled,
    /// `orders/paid` over an order that is not paid.
    NotPaid,
    /// `orders/fulfilled` or `orders/partially_fulfilled` over an order not (so) fulfilled.
    NotFulfilled,
    /// A Youzan push signed only by its body `sign`, whose signed `msg` does not say which
    /// message it is.
    TypeNotSigned,
    /// A Youzan `type` that contradicts the order status in the signed `msg`.
    TypeContradictsStatus,
    /// A Youzan `id` that names another order than the signed `msg`.
    IdContradictsMsg,
    /// A Youzan push signed only by its body `sign` whose `msg` names no order.
    NoSignedOrder,
}

impl Unfit {
    /// What is wrong, in English.
    pub fn en(self) -> &'static str {
        match self {
            Unfit::NotAProduct => {
                "a product topic needs a product body (with `title` and `variants` or `name`)"
            }
            Unfit::NotADeletion => "a deletion carries only the id, and this body is a full record",
            Unfit::NotAnOrder => "an order topic needs an order body (with `line_items`)",
            Unfit::NotARefund => {
                "a refund topic needs a refund body (with `order_id` and `refund_line_items`)"
            }
            Unfit::NotCancelled => "the signed order is not cancelled (`cancelled_at` is empty)",
            Unfit::NotPaid => "the signed order is not paid (`financial_status`)",
            Unfit::NotFulfilled => "the signed order is not fulfilled (`fulfillment_status`)",
            Unfit::TypeNotSigned => {
                "this push is signed only by its body `sign`, which covers `msg` alone, and `msg` does \
                 not say which message it is; send it with the Event-Sign header"
            }
            Unfit::TypeContradictsStatus => {
                "the order status in the signed `msg` does not fit this message type"
            }
            Unfit::IdContradictsMsg => "the signed `msg` is about another order",
            Unfit::NoSignedOrder => "the signed `msg` names no order (`tid`)",
        }
    }

    /// What is wrong, in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Unfit::NotAProduct => {
                "商品类主题的推送体应为商品（含 `title` 与 `variants` 或 `name`）"
            }
            Unfit::NotADeletion => "删除类推送只含编号，而此推送体是完整记录",
            Unfit::NotAnOrder => "订单类主题的推送体应为订单（含 `line_items`）",
            Unfit::NotARefund => {
                "退款类主题的推送体应为退款（含 `order_id` 与 `refund_line_items`）"
            }
            Unfit::NotCancelled => "已签名的订单并未取消（`cancelled_at` 为空）",
            Unfit::NotPaid => "已签名的订单并未支付（`financial_status`）",
            Unfit::NotFulfilled => "已签名的订单并未发货（`fulfillment_status`）",
            Unfit::TypeNotSigned => {
                "此推送仅有推送体 `sign` 签名，它只覆盖 `msg`，而 `msg` 无法说明消息类型；请使用 Event-Sign 请求头推送"
            }
            Unfit::TypeContradictsStatus => "已签名 `msg` 中的订单状态与此消息类型不符",
            Unfit::IdContradictsMsg => "已签名的 `msg` 属于另一个订单",
            Unfit::NoSignedOrder => "已签名的 `msg` 未指明订单（`tid`）",
        }
    }
}

/// The top-level keys of a Shopify or WooCommerce body that say what it is.
#[derive(Deserialize, Default)]
struct Top<'a> {
    #[serde(default)]
    id: Option<IgnoredAny>,
    #[serde(default)]
    title: Option<IgnoredAny>,
    #[serde(default)]
    name: Option<IgnoredAny>,
    #[serde(default)]
    variants: Option<IgnoredAny>,
    #[serde(default)]
    permalink: Option<IgnoredAny>,
    #[serde(default)]
    line_items: Option<IgnoredAny>,
    #[serde(default)]
    order_key: Option<IgnoredAny>,
    #[serde(default)]
    order_id: Option<IgnoredAny>,
    #[serde(default)]
    refund_line_items: Option<IgnoredAny>,
    #[serde(default)]
    cancelled_at: Option<IgnoredAny>,
    #[serde(default, borrow)]
    financial_status: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    fulfillment_status: Option<Cow<'a, str>>,
}

impl Top<'_> {
    fn is_record(&self) -> bool {
        self.title.is_some()
            || self.name.is_some()
            || self.variants.is_some()
            || self.permalink.is_some()
            || self.line_items.is_some()
            || self.order_key.is_some()
            || self.order_id.is_some()
            || self.refund_line_items.is_some()
    }

    fn is_order(&self) -> bool {
        self.line_items.is_some() && self.variants.is_none() && self.order_id.is_none()
    }
}

/// Reads the top-level keys; `None` when the body is not a JSON object (then the parser says
/// what is wrong, and the delivery is dead-lettered with that reason).
fn top(body: &[u8]) -> Option<Top<'_>> {
    serde_json::from_slice(body).ok()
}

/// Whether a Shopify topic fits the signed body. Topics Suyuan does not handle pass (the
/// parser dead-letters them as unknown).
pub(crate) fn shopify(topic: &str, body: &[u8]) -> Result<(), Unfit> {
    let Some(top) = top(body) else {
        return Ok(());
    };
    match topic {
        "products/create" | "products/update" => {
            if top.title.is_some() && top.variants.is_some() && top.line_items.is_none() {
                Ok(())
            } else {
                Err(Unfit::NotAProduct)
            }
        }
        "products/delete" => {
            if top.id.is_some() && !top.is_record() {
                Ok(())
            } else {
                Err(Unfit::NotADeletion)
            }
        }
        "refunds/create" => {
            if top.order_id.is_some() && top.refund_line_items.is_some() && top.line_items.is_none()
            {
                Ok(())
            } else {
                Err(Unfit::NotARefund)
            }
        }
        t if t.starts_with("orders/") => {
            if !top.is_order() {
                return Err(Unfit::NotAnOrder);
            }
            let financial = top.financial_status.as_deref();
            let fulfillment = top.fulfillment_status.as_deref();
            match t {
                "orders/cancelled" if top.cancelled_at.is_none() => Err(Unfit::NotCancelled),
                "orders/paid"
                    if !matches!(financial, Some("paid" | "partially_refunded" | "refunded")) =>
                {
                    Err(Unfit::NotPaid)
                }
                "orders/fulfilled" if fulfillment != Some("fulfilled") => Err(Unfit::NotFulfilled),
                "orders/partially_fulfilled"
                    if !matches!(fulfillment, Some("partial" | "fulfilled")) =>
                {
                    Err(Unfit::NotFulfilled)
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Whether a WooCommerce topic fits the signed body.
pub(crate) fn woocommerce(topic: &str, body: &[u8]) -> Result<(), Unfit> {
    let Some(top) = top(body) else {
        return Ok(());
    };
    let is_order = top.line_items.is_some() || top.order_key.is_some();
    match topic {
        "product.created" | "product.updated" | "product.restored" => {
            if top.name.is_some() && !is_order {
                Ok(())
            } else {
                Err(Unfit::NotAProduct)
            }
        }
        "order.created" | "order.updated" | "order.restored" => {
            if is_order {
                Ok(())
            } else {
                Err(Unfit::NotAnOrder)
            }
        }
        "product.deleted" | "order.deleted" => {
            if top.id.is_some() && !top.is_record() {
                Ok(())
            } else {
                Err(Unfit::NotADeletion)
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::test_support::fixture;

    #[test]
    fn a_shopify_product_fits_only_product_topics() {
        let product = fixture("shopify_products_create.json");
        assert_eq!(shopify("products/create", &product), Ok(()));
        assert_eq!(shopify("products/update", &product), Ok(()));
        assert_eq!(
            shopify("products/delete", &product),
            Err(Unfit::NotADeletion)
        );
        assert_eq!(shopify("orders/paid", &product), Err(Unfit::NotAnOrder));
        assert_eq!(shopify("orders/create", &product), Err(Unfit::NotAnOrder));
        assert_eq!(shopify("refunds/create", &product), Err(Unfit::NotARefund));
    }

    #[test]
    fn a_shopify_deletion_is_only_an_id() {
        assert_eq!(
            shopify("products/delete", br#"{"id":788032119674292922}"#),
            Ok(())
        );
        assert_eq!(
            shopify("products/update", br#"{"id":788032119674292922}"#),
            Err(Unfit::NotAProduct)
        );
        assert_eq!(
            shopify("orders/cancelled", br#"{"id":1}"#),
            Err(Unfit::NotAnOrder)
        );
    }

    #[test]
    fn a_shopify_order_topic_must_match_the_signed_state() {
        let cancelled = fixture("shopify_orders_cancelled.json");
        assert_eq!(shopify("orders/cancelled", &cancelled), Ok(()));
        assert_eq!(shopify("orders/updated", &cancelled), Ok(()));
        // voided, not paid; not fulfilled
        assert_eq!(shopify("orders/paid", &cancelled), Err(Unfit::NotPaid));
        assert_eq!(
            shopify("orders/fulfilled", &cancelled),
            Err(Unfit::NotFulfilled)
        );
        assert_eq!(
            shopify("products/delete", &cancelled),
            Err(Unfit::NotADeletion)
        );
        assert_eq!(
            shopify("products/update", &cancelled),
            Err(Unfit::NotAProduct)
        );

        let pending = br#"{"id":1,"line_items":[],"financial_status":"pending","cancelled_at":null,"fulfillment_status":null}"#;
        assert_eq!(shopify("orders/create", pending), Ok(()));
        assert_eq!(shopify("orders/paid", pending), Err(Unfit::NotPaid));
        assert_eq!(
            shopify("orders/cancelled", pending),
            Err(Unfit::NotCancelled)
        );
        assert_eq!(
            shopify("orders/partially_fulfilled", pending),
            Err(Unfit::NotFulfilled)
        );
        let shipped = br#"{"id":1,"line_items":[],"financial_status":"paid","fulfillment_status":"fulfilled"}"#;
        assert_eq!(shopify("orders/paid", shipped), Ok(()));
        assert_eq!(shopify("orders/fulfilled", shipped), Ok(()));
        assert_eq!(shopify("orders/partially_fulfilled", shipped), Ok(()));
    }

    #[test]
    fn a_shopify_refund_fits_only_the_refund_topic() {
        let refund = fixture("shopify_refunds_create_excerpt.json");
        assert_eq!(shopify("refunds/create", &refund), Ok(()));
        assert_eq!(shopify("orders/updated", &refund), Err(Unfit::NotAnOrder));
        assert_eq!(
            shopify("products/delete", &refund),
            Err(Unfit::NotADeletion)
        );
    }

    #[test]
    fn unknown_topics_and_unreadable_bodies_are_left_to_the_parser() {
        assert_eq!(shopify("carts/create", br#"{"id":1,"title":"x"}"#), Ok(()));
        assert_eq!(shopify("products/delete", b"not json"), Ok(()));
        assert_eq!(woocommerce("coupon.created", br#"{"id":1}"#), Ok(()));
    }

    #[test]
    fn a_woocommerce_topic_must_fit_its_body() {
        let product = fixture("woocommerce_product_created.raw.json");
        let order = fixture("woocommerce_order_created.json");
        assert_eq!(woocommerce("product.created", &product), Ok(()));
        assert_eq!(
            woocommerce("product.deleted", &product),
            Err(Unfit::NotADeletion)
        );
        assert_eq!(
            woocommerce("order.updated", &product),
            Err(Unfit::NotAnOrder)
        );
        assert_eq!(woocommerce("order.created", &order), Ok(()));
        assert_eq!(
            woocommerce("product.updated", &order),
            Err(Unfit::NotAProduct)
        );
        assert_eq!(
            woocommerce("order.deleted", &order),
            Err(Unfit::NotADeletion)
        );
        assert_eq!(woocommerce("product.deleted", br#"{"id":74}"#), Ok(()));
        assert_eq!(woocommerce("order.deleted", br#"{"id":15}"#), Ok(()));
    }
}
