//! Categories and deadline overrides, as a validated catalogue holds them.

use serde::Serialize;

use super::{
    Aggregation, CategoryId, Certificate, DataElement, Granularity, MatchRules, UnitOfMeasure,
};

/// One category of the catalogue: a product under traceability and everything a seller must do for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// Stable id.
    pub id: CategoryId,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// Rollout stage: 1 by end 2024, 2 by end 2025 (all CCC and production-licence products), 3 by end
    /// 2027 (other products with mandatory national standards).
    pub stage: u8,
    /// A broader category this one belongs to, e.g. `ebike` inside `ccc_vehicle`.
    pub parent: Option<CategoryId>,
    /// What one code identifies.
    pub granularity: Granularity,
    /// The unit quantities are counted in.
    pub unit_of_measure: UnitOfMeasure,
    /// How part codes aggregate, if the product has coded parts.
    pub aggregation: Option<Aggregation>,
    /// The certificate to check on receipt.
    pub certificate: Certificate,
    /// Data elements every receipt must record.
    pub receipt_elements: Vec<DataElement>,
    /// Data elements every sale must record.
    pub sale_elements: Vec<DataElement>,
    /// Further data elements for sales to distributors and agents (guide §5.6).
    pub sale_elements_b2b: Vec<DataElement>,
    /// Further data elements for online sales (guide §5.7).
    pub sale_elements_online: Vec<DataElement>,
    /// Hours allowed to register a receipt or sale; `None` takes the parent's, then the catalogue's.
    pub deadline_hours: Option<u32>,
    /// A free-text note for operators (scope, legal caveats).
    pub note: Option<String>,
    /// Rules that recognise listings of this category.
    #[serde(rename = "match")]
    pub matching: MatchRules,
}

impl Category {
    /// The data elements a sale must record: the common ones, plus the B2B ones when the buyer is a
    /// distributor or agent, plus the online ones for online sales; each once, in file order.
    pub fn required_sale_elements(&self, to_business: bool, online: bool) -> Vec<DataElement> {
        let mut out: Vec<DataElement> = Vec::new();
        let extra_b2b = if to_business {
            self.sale_elements_b2b.as_slice()
        } else {
            &[]
        };
        let extra_online = if online {
            self.sale_elements_online.as_slice()
        } else {
            &[]
        };
        for element in self
            .sale_elements
            .iter()
            .chain(extra_b2b)
            .chain(extra_online)
        {
            if !out.contains(element) {
                out.push(*element);
            }
        }
        out
    }

    /// Whether a receipt must record `element`.
    pub fn requires_on_receipt(&self, element: DataElement) -> bool {
        self.receipt_elements.contains(&element)
    }
}

/// A registration deadline that applies in one jurisdiction, to one category (and the categories under
/// it) or to all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineOverride {
    /// A GB/T 2260 division code prefix of 2 (province), 4 (city) or 6 (county) digits.
    pub jurisdiction: String,
    /// The category it applies to, with its sub-categories; `None` for every category.
    pub category: Option<CategoryId>,
    /// Hours allowed to register a receipt or sale.
    pub hours: u32,
    /// Where the rule comes from.
    pub note: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::test_support::{builtin, id};

    #[test]
    fn sales_to_businesses_and_online_sales_need_more_elements() {
        let catalogue = builtin();
        let wire = catalogue.get(&id("wire_cable")).unwrap();
        let consumer_offline = wire.required_sale_elements(false, false);
        assert!(consumer_offline.contains(&DataElement::Region));
        assert!(!consumer_offline.contains(&DataElement::BuyerName));
        let b2b = wire.required_sale_elements(true, false);
        for element in [
            DataElement::BuyerName,
            DataElement::BuyerCreditCode,
            DataElement::ShippingMethod,
        ] {
            assert!(b2b.contains(&element), "{element}");
        }
        let online = wire.required_sale_elements(false, true);
        assert!(
            online.contains(&DataElement::OrderId) && online.contains(&DataElement::ListingUrl)
        );
        assert!(!online.contains(&DataElement::BuyerCreditCode));
    }
}
