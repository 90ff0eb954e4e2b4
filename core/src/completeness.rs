//! Completeness (guide chapter 4, 完整性): which data elements a record's category requires
//! that the record lacks. One rule for every record kind and every write path (receipts, offline
//! and B2B sales, marketplace sales, corrections), read from the EPCIS event as it is stored, so
//! a corrected copy is judged on what it says after the amendment.
//!
//! What each kind must carry: a receipt the category's `receipt_elements`; a sale the
//! `sale_elements`, a shipment (a sale to a distributor or agent) those and the
//! `sale_elements_b2b`, and an online sale (one made from a marketplace order) also the
//! `sale_elements_online` (order id and listing URL). Returns, error declarations, aggregations
//! and recalls require nothing of their own.

use crate::catalogue::{Category, DataElement};
use crate::codes::TraceCode;
use crate::epcis::vocab::ext;
use crate::epcis::{BizTransactionType, SourceDestType, TraceEvent};
use crate::record::RecordKind;

/// The business-transaction prefix of marketplace orders (`urn:suyuan:order:{platform}:{id}`):
/// a sale that names one is an online sale.
pub const ORDER_URN_PREFIX: &str = "urn:suyuan:order:";

/// Whether `event` records an online sale (it names a marketplace order).
pub fn is_online(event: &TraceEvent) -> bool {
    event
        .biz_transaction_list()
        .iter()
        .any(|t| t.kind() == BizTransactionType::Po && t.id().starts_with(ORDER_URN_PREFIX))
}

/// The data elements a record of `kind` in `category` must carry; `online`: a sale made from a
/// marketplace order.
pub fn required_elements(category: &Category, kind: RecordKind, online: bool) -> Vec<DataElement> {
    match kind {
        RecordKind::Receipt => category.receipt_elements.clone(),
        RecordKind::Sale => category.required_sale_elements(false, online),
        RecordKind::Shipment => category.required_sale_elements(true, online),
        RecordKind::Return
        | RecordKind::Correction
        | RecordKind::Aggregation
        | RecordKind::Recall => Vec::new(),
    }
}

/// The required data elements (see [`required_elements`]) that the record `event` of `kind` in
/// `category` lacks, in the catalogue's order. Whether it is an online sale is read from the
/// event ([`is_online`]).
pub fn missing_elements(
    category: &Category,
    kind: RecordKind,
    event: &TraceEvent,
) -> Vec<DataElement> {
    required_elements(category, kind, is_online(event))
        .into_iter()
        .filter(|e| !carries(event, *e))
        .collect()
}

fn text(event: &TraceEvent, key: &str) -> bool {
    event.extension(key).is_some_and(|v| match v {
        serde_json::Value::String(s) => !s.trim().is_empty(),
        serde_json::Value::Null => false,
        _ => true,
    })
}

fn codes(event: &TraceEvent) -> Vec<TraceCode> {
    event
        .epc_list()
        .iter()
        .map(String::as_str)
        .chain(event.quantity_list().iter().map(|q| q.epc_class()))
        .filter_map(|uri| TraceCode::parse(uri).ok())
        .collect()
}

fn owning_party(list: &[crate::epcis::SourceDest]) -> bool {
    list.iter().any(|p| p.kind() == SourceDestType::OwningParty)
}

/// Whether `event` carries the data element `e`.
pub fn carries(event: &TraceEvent, e: DataElement) -> bool {
    let any_items = !event.epc_list().is_empty() || !event.quantity_list().is_empty();
    match e {
        DataElement::SupplierName => text(event, ext::SUPPLIER_NAME),
        DataElement::SupplierCreditCode => owning_party(event.source_list()),
        DataElement::VoucherNumber => event.biz_transaction_list().iter().any(|t| {
            matches!(
                t.kind(),
                BizTransactionType::Desadv | BizTransactionType::Inv | BizTransactionType::Po
            )
        }),
        // The event time is the date received, or sold.
        DataElement::ReceivedDate | DataElement::SaleDate => true,
        DataElement::ProductName => text(event, ext::PRODUCT_NAME),
        DataElement::Model => text(event, ext::MODEL),
        DataElement::Gtin => {
            let c = codes(event);
            !c.is_empty() && c.iter().all(|c| c.gtin().is_some())
        }
        DataElement::Batch => {
            let c = codes(event);
            !c.is_empty()
                && c.iter()
                    .all(|c| c.batch().is_some() || c.serial().is_some())
        }
        DataElement::Serial => {
            let c = codes(event);
            !c.is_empty() && c.iter().all(TraceCode::is_unit_level)
        }
        DataElement::Quantity | DataElement::Unit | DataElement::CodesOrBatch => any_items,
        DataElement::Producer => text(event, ext::PRODUCER),
        DataElement::CertificateNumber => text(event, ext::CERTIFICATE),
        DataElement::CertificateResult => text(event, ext::CERTIFICATE_CHECK),
        DataElement::InspectionResult => text(event, ext::INSPECTION_RESULT),
        DataElement::Inspector => text(event, ext::INSPECTOR),
        DataElement::BuyerType => text(event, ext::BUYER_TYPE),
        DataElement::Region => text(event, ext::REGION),
        DataElement::BuyerName => text(event, ext::BUYER_NAME),
        DataElement::BuyerCreditCode => {
            text(event, ext::BUYER_CREDIT_CODE) || owning_party(event.destination_list())
        }
        DataElement::ShippingMethod => text(event, ext::SHIPPING_METHOD),
        // Goods picked up travel without a tracking number.
        DataElement::TrackingNumber => {
            text(event, ext::TRACKING_NUMBER)
                || event
                    .extension(ext::SHIPPING_METHOD)
                    .and_then(|v| v.as_str())
                    == Some("pickup")
        }
        DataElement::OrderId => text(event, ext::ORDER_ID),
        DataElement::ListingUrl => text(event, ext::LISTING_URL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, CategoryId};
    use crate::epcis::{Action, BizStep, Disposition};
    use chrono::{DateTime, FixedOffset, Utc};

    fn catalogue() -> Catalogue {
        Catalogue::builtin().unwrap_or_else(|e| panic!("builtin catalogue: {e}"))
    }

    fn ebike() -> Category {
        catalogue()
            .get(&CategoryId::parse("ebike").unwrap_or_else(|e| panic!("{e}")))
            .cloned()
            .unwrap_or_else(|| panic!("no ebike category"))
    }

    fn t() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-03-01T10:00:00+08:00").unwrap_or_default()
    }

    const UNIT: &str = "(01)09520001000010(21)YD2025000001";

    fn online_sale(listing_url: Option<&str>) -> TraceEvent {
        let code = TraceCode::parse(UNIT).unwrap_or_else(|e| panic!("{e}"));
        let mut b = TraceEvent::object(Action::Observe, t(), Utc::now())
            .epc(code.to_epc_uri())
            .biz_step(BizStep::RetailSelling)
            .disposition(Disposition::RetailSold)
            .biz_transaction(BizTransactionType::Po, "urn:suyuan:order:shopify:1001")
            .extension(ext::ORDER_ID, "1001")
            .extension(ext::BUYER_TYPE, "consumer")
            .extension(ext::REGION, "440106");
        if let Some(url) = listing_url {
            b = b.extension(ext::LISTING_URL, url);
        }
        b.build().unwrap_or_else(|e| panic!("{e}"))
    }

    fn names(v: &[DataElement]) -> Vec<&'static str> {
        v.iter().map(|e| e.as_str()).collect()
    }

    #[test]
    fn an_online_sale_without_its_listing_url_lists_it() {
        let missing = missing_elements(&ebike(), RecordKind::Sale, &online_sale(None));
        assert_eq!(names(&missing), vec!["listing_url"]);
        let complete = missing_elements(
            &ebike(),
            RecordKind::Sale,
            &online_sale(Some("https://shop.example/p/1")),
        );
        assert_eq!(complete, vec![]);
    }

    #[test]
    fn an_offline_sale_needs_no_order_id_nor_listing_url_but_its_region() {
        let code = TraceCode::parse(UNIT).unwrap_or_else(|e| panic!("{e}"));
        let event = TraceEvent::object(Action::Observe, t(), Utc::now())
            .epc(code.to_epc_uri())
            .biz_step(BizStep::RetailSelling)
            .extension(ext::BUYER_TYPE, "consumer")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!is_online(&event));
        assert_eq!(
            names(&missing_elements(&ebike(), RecordKind::Sale, &event)),
            vec!["region"]
        );
    }

    #[test]
    fn a_shipment_needs_the_buyer_and_the_transport_unless_picked_up() {
        let code = TraceCode::parse(UNIT).unwrap_or_else(|e| panic!("{e}"));
        let base = || {
            TraceEvent::object(Action::Observe, t(), Utc::now())
                .epc(code.to_epc_uri())
                .biz_step(BizStep::Shipping)
                .extension(ext::BUYER_TYPE, "distributor")
                .extension(ext::REGION, "440106")
        };
        let bare = base().build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            names(&missing_elements(&ebike(), RecordKind::Shipment, &bare)),
            vec![
                "buyer_name",
                "buyer_credit_code",
                "shipping_method",
                "tracking_number"
            ]
        );
        let picked_up = base()
            .extension(ext::BUYER_NAME, "广州某某车行")
            .extension(ext::BUYER_CREDIT_CODE, "91440300708461136T")
            .extension(ext::SHIPPING_METHOD, "pickup")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            missing_elements(&ebike(), RecordKind::Shipment, &picked_up),
            vec![]
        );
    }

    #[test]
    fn a_receipt_lists_what_its_category_requires_and_it_lacks() {
        let code = TraceCode::parse(UNIT).unwrap_or_else(|e| panic!("{e}"));
        let category = ebike();
        let event = TraceEvent::object(Action::Observe, t(), Utc::now())
            .epc(code.to_epc_uri())
            .biz_step(BizStep::Receiving)
            .extension(ext::SUPPLIER_NAME, "雅迪")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let missing = missing_elements(&category, RecordKind::Receipt, &event);
        let required = required_elements(&category, RecordKind::Receipt, false);
        assert!(!missing.contains(&DataElement::SupplierName));
        assert!(!missing.contains(&DataElement::Gtin));
        assert!(!missing.contains(&DataElement::Serial));
        for e in &missing {
            assert!(required.contains(e), "{e:?} is not required");
        }
        if required.contains(&DataElement::SupplierCreditCode) {
            assert!(missing.contains(&DataElement::SupplierCreditCode));
        }
    }

    #[test]
    fn returns_and_declarations_require_nothing_of_their_own() {
        for kind in [
            RecordKind::Return,
            RecordKind::Correction,
            RecordKind::Aggregation,
            RecordKind::Recall,
        ] {
            assert_eq!(missing_elements(&ebike(), kind, &online_sale(None)), vec![]);
        }
    }
}
