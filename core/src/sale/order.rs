//! Marketplace orders merged into the sale record: deliveries arrive late, twice and out of
//! order, and some carry only a status; the record keeps the newest facts and never loses one.

use crate::marketplace::{BuyerKind, OrderData, OrderStatus, RefundLine};
use chrono::{DateTime, Utc};

/// The facts a sale record keeps of a marketplace order (no consumer's personal data: only the
/// region and country of the destination).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaleRecord {
    /// The order's status (`created`, `paid`, `fulfilled`, …).
    pub status: String,
    /// The shop's order number.
    pub order_number: Option<String>,
    /// `consumer` or `business`.
    pub buyer_type: String,
    /// A business buyer's name.
    pub buyer_company: Option<String>,
    /// A business buyer's tax id.
    pub buyer_tax_id: Option<String>,
    /// Division code of the destination.
    pub region: Option<String>,
    /// Country of the destination.
    pub country_code: Option<String>,
    /// How it ships.
    pub shipping_method: Option<String>,
    /// Tracking numbers.
    pub tracking_numbers: Vec<String>,
    /// The carrier.
    pub tracking_company: Option<String>,
    /// When ordered.
    pub ordered_at: Option<DateTime<Utc>>,
    /// When paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// When fulfilled.
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The marketplace's own last-update time of the order.
    pub external_updated_at: Option<DateTime<Utc>>,
}

/// How an order changes the sale record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OrderMerge {
    /// The order is older than what the record holds: nothing changes.
    Stale,
    /// The record as it should now be.
    Apply(Box<SaleRecord>),
}

/// The name an order status is stored and shown under.
pub fn status_name(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Created => "created",
        OrderStatus::Paid => "paid",
        OrderStatus::Fulfilled => "fulfilled",
        OrderStatus::PartiallyFulfilled => "partially_fulfilled",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Refunded => "refunded",
        OrderStatus::PartiallyRefunded => "partially_refunded",
        OrderStatus::Completed => "completed",
    }
}

/// Whether an order updated at `incoming` is older than the record's last update `stored`
/// (an order without an update time is never stale).
pub fn stale(stored: Option<DateTime<Utc>>, incoming: Option<DateTime<Utc>>) -> bool {
    matches!((stored, incoming), (Some(stored), Some(incoming)) if incoming < stored)
}

impl SaleRecord {
    /// Merges `order` into the record `existing` (none: the order's first delivery). A newer
    /// order overwrites the status and what it carries; what it leaves out is kept; a
    /// status-only delivery (a refund push, a cancellation) keeps the buyer; the first order time
    /// stays the order time, and later events keep their earliest known time unless the order
    /// gives one.
    pub fn merge(existing: Option<&SaleRecord>, order: &OrderData) -> OrderMerge {
        if let Some(row) = existing
            && stale(row.external_updated_at, order.updated_at)
        {
            return OrderMerge::Stale;
        }
        let (buyer_type, company, tax_id) = match &order.buyer {
            BuyerKind::Consumer => ("consumer", None, None),
            BuyerKind::Business { company, tax_id } => {
                ("business", company.clone(), tax_id.clone())
            }
        };
        let region = order
            .destination
            .as_ref()
            .and_then(|d| d.division.as_ref())
            .map(ToString::to_string);
        let country = order
            .destination
            .as_ref()
            .and_then(|d| d.country_code.clone());
        let status = status_name(order.status).to_owned();
        let Some(row) = existing else {
            return OrderMerge::Apply(Box::new(SaleRecord {
                status,
                order_number: order.number.clone(),
                buyer_type: buyer_type.to_owned(),
                buyer_company: company,
                buyer_tax_id: tax_id,
                region,
                country_code: country,
                shipping_method: order.shipping_method.clone(),
                tracking_numbers: order.tracking_numbers.clone(),
                tracking_company: order.tracking_company.clone(),
                ordered_at: order.created_at,
                paid_at: order.paid_at,
                fulfilled_at: order.fulfilled_at,
                cancelled_at: order.cancelled_at,
                external_updated_at: order.updated_at,
            }));
        };
        let mut next = row.clone();
        next.status = status;
        next.order_number = order.number.clone().or(row.order_number.clone());
        if !order.status_only {
            next.buyer_type = buyer_type.to_owned();
            next.buyer_company = company;
            next.buyer_tax_id = tax_id;
        }
        if region.is_some() {
            next.region = region;
        }
        if country.is_some() {
            next.country_code = country;
        }
        if order.shipping_method.is_some() {
            next.shipping_method = order.shipping_method.clone();
        }
        if !order.tracking_numbers.is_empty() {
            next.tracking_numbers = order.tracking_numbers.clone();
            next.tracking_company = order.tracking_company.clone();
        }
        next.ordered_at = row.ordered_at.or(order.created_at);
        next.paid_at = order.paid_at.or(row.paid_at);
        next.fulfilled_at = order.fulfilled_at.or(row.fulfilled_at);
        next.cancelled_at = order.cancelled_at.or(row.cancelled_at);
        next.external_updated_at = order.updated_at.or(row.external_updated_at);
        OrderMerge::Apply(Box::new(next))
    }
}

/// Whether `refund` names the sale line with these external ids: by line id when the refund
/// gives one, else by listing.
pub fn refund_applies_to(
    refund: &RefundLine,
    line_external_id: Option<&str>,
    listing_external_id: Option<&str>,
) -> bool {
    match refund.line_external_id.as_deref() {
        Some(id) => line_external_id == Some(id),
        None => listing_external_id == refund.listing_external_id.as_deref(),
    }
}

/// A line's refunded quantity after `refund`: a refund push (`status_only`) adds to what was
/// refunded, a full order carries the running total; a refund without a quantity refunds the
/// whole line; never more than the line's quantity.
pub fn refunded_total(
    line_quantity: i32,
    already_refunded: i32,
    refund: &RefundLine,
    status_only: bool,
) -> i32 {
    let refunded = refund
        .quantity
        .map_or(line_quantity, |q| i32::try_from(q).unwrap_or(i32::MAX));
    let total = if status_only {
        already_refunded.saturating_add(refunded)
    } else {
        already_refunded.max(refunded)
    };
    total.min(line_quantity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marketplace::Destination;

    fn at(h: u32) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&format!("2026-03-01T{h:02}:00:00Z"))
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    fn paid_order() -> OrderData {
        let mut o = OrderData::new("1001", OrderStatus::Paid);
        o.number = Some("#1001".into());
        o.buyer = BuyerKind::Business {
            company: Some("广州车行有限公司".into()),
            tax_id: Some("91440101MA59XXXX1X".into()),
        };
        o.shipping_method = Some("courier".into());
        o.tracking_numbers = vec!["SF123".into()];
        o.tracking_company = Some("顺丰".into());
        o.created_at = at(1);
        o.paid_at = at(2);
        o.updated_at = at(2);
        o
    }

    fn applied(m: OrderMerge) -> SaleRecord {
        match m {
            OrderMerge::Apply(r) => *r,
            OrderMerge::Stale => panic!("expected the order to apply"),
        }
    }

    #[test]
    fn a_first_order_becomes_the_record() {
        let r = applied(SaleRecord::merge(None, &paid_order()));
        assert_eq!(r.status, "paid");
        assert_eq!(r.buyer_type, "business");
        assert_eq!(r.buyer_company.as_deref(), Some("广州车行有限公司"));
        assert_eq!(r.tracking_numbers, vec!["SF123".to_owned()]);
        assert_eq!((r.ordered_at, r.paid_at), (at(1), at(2)));
    }

    #[test]
    fn an_older_order_is_stale_and_an_undated_one_is_not() {
        let record = applied(SaleRecord::merge(None, &paid_order()));
        let mut older = paid_order();
        older.updated_at = at(1);
        assert_eq!(SaleRecord::merge(Some(&record), &older), OrderMerge::Stale);
        older.updated_at = None;
        assert!(matches!(
            SaleRecord::merge(Some(&record), &older),
            OrderMerge::Apply(_)
        ));
        assert!(!stale(None, at(1)));
        assert!(stale(at(2), at(1)));
        assert!(!stale(at(2), at(2)));
    }

    #[test]
    fn a_newer_order_keeps_what_it_leaves_out() {
        let record = applied(SaleRecord::merge(None, &paid_order()));
        let mut shipped = OrderData::new("1001", OrderStatus::Fulfilled);
        shipped.updated_at = at(5);
        shipped.fulfilled_at = at(5);
        shipped.created_at = at(3); // a later delivery's order time does not move the first
        shipped.destination = Some(Destination {
            division: None,
            country_code: Some("CN".into()),
            ..Default::default()
        });
        let r = applied(SaleRecord::merge(Some(&record), &shipped));
        assert_eq!(r.status, "fulfilled");
        assert_eq!(r.order_number.as_deref(), Some("#1001"));
        assert_eq!(r.shipping_method.as_deref(), Some("courier"));
        assert_eq!(r.tracking_numbers, vec!["SF123".to_owned()]);
        assert_eq!(r.country_code.as_deref(), Some("CN"));
        assert_eq!(r.ordered_at, at(1));
        assert_eq!(r.paid_at, at(2));
        assert_eq!(r.fulfilled_at, at(5));
        assert_eq!(r.external_updated_at, at(5));
        // A full order says who bought: a consumer now.
        assert_eq!(r.buyer_type, "consumer");
        assert_eq!(r.buyer_company, None);
    }

    #[test]
    fn a_status_only_delivery_keeps_the_buyer() {
        let record = applied(SaleRecord::merge(None, &paid_order()));
        let mut refund = OrderData::new("1001", OrderStatus::PartiallyRefunded);
        refund.status_only = true;
        let r = applied(SaleRecord::merge(Some(&record), &refund));
        assert_eq!(r.status, "partially_refunded");
        assert_eq!(r.buyer_type, "business");
        assert_eq!(r.buyer_company.as_deref(), Some("广州车行有限公司"));
    }

    fn refund(line: Option<&str>, listing: Option<&str>, q: Option<u32>) -> RefundLine {
        RefundLine {
            line_external_id: line.map(str::to_owned),
            listing_external_id: listing.map(str::to_owned),
            variant_external_id: None,
            quantity: q,
        }
    }

    #[test]
    fn refunds_add_up_when_pushed_and_carry_the_total_in_a_full_order() {
        let one = refund(Some("L1"), None, Some(1));
        // Pushed one by one: 1, then 1 more.
        assert_eq!(refunded_total(3, 0, &one, true), 1);
        assert_eq!(refunded_total(3, 1, &one, true), 2);
        // A full order repeating its running total of 1 does not add again.
        assert_eq!(refunded_total(3, 1, &one, false), 1);
        // Never more than the line; no quantity refunds the whole line.
        assert_eq!(
            refunded_total(3, 2, &refund(Some("L1"), None, Some(5)), true),
            3
        );
        assert_eq!(
            refunded_total(3, 0, &refund(Some("L1"), None, None), true),
            3
        );
    }

    #[test]
    fn a_refund_names_its_line_by_id_or_else_by_listing() {
        let by_line = refund(Some("L1"), Some("P9"), None);
        assert!(refund_applies_to(&by_line, Some("L1"), Some("P1")));
        assert!(!refund_applies_to(&by_line, Some("L2"), Some("P9")));
        let by_listing = refund(None, Some("P9"), None);
        assert!(refund_applies_to(&by_listing, Some("L2"), Some("P9")));
        assert!(!refund_applies_to(&by_listing, Some("L2"), Some("P1")));
    }
}
