//! The normalized changes every adapter produces: listings and orders, without consumers'
//! personal data.
//!
//! These types are also the wire shape of Standard Webhooks `data` (snake_case, ids as
//! strings); see the module documentation of [`crate::marketplace`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::Gtin;
use crate::division::DivisionCode;

/// One thing a delivery says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A listing was created or changed (or moved to the trash: status [`ListingStatus::Deleted`]).
    ListingUpsert(ListingData),
    /// A listing was deleted; only its id is known.
    ListingDeleted {
        /// The marketplace's product id.
        external_id: String,
        /// When, if the marketplace said.
        #[serde(default)]
        updated_at: Option<DateTime<Utc>>,
    },
    /// An order was created or changed.
    Order(OrderData),
}

/// A product listing as the marketplace shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingData {
    /// The marketplace's product id, as a string (Shopify ids exceed 2^53).
    pub external_id: String,
    /// The product title.
    pub title: String,
    /// The public product page (WooCommerce `permalink`); Shopify bodies carry none, see `handle`.
    #[serde(default)]
    pub url: Option<String>,
    /// Shopify's URL handle (`/products/{handle}` on the shop's domain).
    #[serde(default)]
    pub handle: Option<String>,
    /// Whether the listing is on sale.
    pub status: ListingStatus,
    /// The merchant's product type (Shopify `product_type`).
    #[serde(default)]
    pub product_type: Option<String>,
    /// Category names (WooCommerce categories, Shopify's taxonomy category).
    #[serde(default)]
    pub categories: Vec<String>,
    /// Tags (Shopify's comma-separated string, split and trimmed).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The vendor or brand.
    #[serde(default)]
    pub vendor: Option<String>,
    /// The variants, each with its own SKU and barcode.
    #[serde(default)]
    pub variants: Vec<VariantData>,
    /// When the marketplace last changed the listing; apply a change only if it is newer than
    /// the stored one.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl ListingData {
    /// A listing with only its id, title and status.
    pub fn new(
        external_id: impl Into<String>,
        title: impl Into<String>,
        status: ListingStatus,
    ) -> ListingData {
        ListingData {
            external_id: external_id.into(),
            title: title.into(),
            url: None,
            handle: None,
            status,
            product_type: None,
            categories: Vec::new(),
            tags: Vec::new(),
            vendor: None,
            variants: Vec::new(),
            updated_at: None,
        }
    }
}

/// Whether a listing is on sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListingStatus {
    /// Published and for sale.
    Active,
    /// Not yet published (Shopify `draft`, WooCommerce `draft`/`pending`/`future`).
    Draft,
    /// Withdrawn but kept (Shopify `archived`, WooCommerce `private`).
    Archived,
    /// In the trash (WooCommerce `trash`) or deleted.
    Deleted,
}

/// One variant (size, colour, …) of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantData {
    /// The marketplace's variant id (for a WooCommerce simple product: the product id).
    pub external_id: String,
    /// The variant title (`Small`, `Default Title`).
    #[serde(default)]
    pub title: Option<String>,
    /// The merchant's SKU; `""` and null are `None`.
    #[serde(default)]
    pub sku: Option<String>,
    /// The barcode as entered (GTIN, UPC, ISBN, or anything); `""` and null are `None`.
    #[serde(default)]
    pub barcode: Option<String>,
}

impl VariantData {
    /// The barcode as a valid GTIN, if it is one.
    pub fn gtin(&self) -> Option<Gtin> {
        self.barcode.as_deref().and_then(|b| Gtin::parse(b).ok())
    }
}

/// An order (a sale) as the marketplace reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderData {
    /// The marketplace's order id, as a string (Youzan `tid`, Douyin `p_id`).
    pub external_id: String,
    /// The order's human name or number (`#1001`).
    #[serde(default)]
    pub number: Option<String>,
    /// Where the order stands.
    pub status: OrderStatus,
    /// What was ordered. Empty when the marketplace sent none (see `status_only`).
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    /// What was refunded, line by line, when the marketplace says.
    #[serde(default)]
    pub refunded_lines: Vec<RefundLine>,
    /// A consumer, or a business (distributor, agent, company buyer).
    #[serde(default)]
    pub buyer: BuyerKind,
    /// The destination region (never the street address).
    #[serde(default)]
    pub destination: Option<Destination>,
    /// The shipping method's name.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Parcel tracking numbers.
    #[serde(default)]
    pub tracking_numbers: Vec<String>,
    /// The carrier.
    #[serde(default)]
    pub tracking_company: Option<String>,
    /// When the order was placed.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// When the marketplace last changed the order; apply a change only if it is newer than the
    /// stored one.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was paid.
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was shipped (or completed, for WooCommerce).
    #[serde(default)]
    pub fulfilled_at: Option<DateTime<Utc>>,
    /// When it was cancelled.
    #[serde(default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// `true` when the marketplace sent only the order's identity, status and times (plus
    /// tracking or refunded lines): Youzan's short pushes, Douyin, Shopify `refunds/create`.
    /// Then empty `lines`, a `Consumer` buyer and no `destination` mean "not sent", not
    /// "none": merge onto the stored order rather than replace it.
    #[serde(default)]
    pub status_only: bool,
}

impl OrderData {
    /// An order with only its id and status (and `status_only` false).
    pub fn new(external_id: impl Into<String>, status: OrderStatus) -> OrderData {
        OrderData {
            external_id: external_id.into(),
            number: None,
            status,
            lines: Vec::new(),
            refunded_lines: Vec::new(),
            buyer: BuyerKind::Consumer,
            destination: None,
            shipping_method: None,
            tracking_numbers: Vec::new(),
            tracking_company: None,
            created_at: None,
            updated_at: None,
            paid_at: None,
            fulfilled_at: None,
            cancelled_at: None,
            status_only: false,
        }
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, not paid.
    Created,
    /// Paid (or, for cash on delivery, confirmed), not shipped.
    Paid,
    /// Everything shipped.
    Fulfilled,
    /// Some lines shipped.
    PartiallyFulfilled,
    /// Cancelled (nothing will ship, or the shipment is void).
    Cancelled,
    /// Wholly refunded.
    Refunded,
    /// Some lines refunded (see `refunded_lines`).
    PartiallyRefunded,
    /// Received by the buyer and closed.
    Completed,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The marketplace's line id (Youzan `oid`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// The listing (product) id.
    #[serde(default)]
    pub listing_external_id: Option<String>,
    /// The variant id.
    #[serde(default)]
    pub variant_external_id: Option<String>,
    /// The merchant's SKU; `""` and null are `None`.
    #[serde(default)]
    pub sku: Option<String>,
    /// The barcode, when the marketplace puts it on the line.
    #[serde(default)]
    pub barcode: Option<String>,
    /// The product title as ordered.
    #[serde(default)]
    pub title: Option<String>,
    /// How many.
    pub quantity: u32,
}

/// One refunded line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    /// The order line refunded (Shopify `line_item_id`, Youzan `oid`, Douyin `s_id`).
    #[serde(default)]
    pub line_external_id: Option<String>,
    /// The listing (product) id, when known.
    #[serde(default)]
    pub listing_external_id: Option<String>,
    /// The variant id, when known.
    #[serde(default)]
    pub variant_external_id: Option<String>,
    /// How many were refunded; `None` when the marketplace does not say (Youzan and Douyin refund
    /// whole sub-orders by id).
    #[serde(default)]
    pub quantity: Option<u32>,
}

/// Who bought: a consumer (identity never kept) or a business (kept, as DOMAIN.md §5 asks for
/// B2B sales).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BuyerKind {
    /// A private person.
    #[default]
    Consumer,
    /// A company: the order carries a company name or a tax id.
    Business {
        /// The company name.
        #[serde(default)]
        company: Option<String>,
        /// The tax id (VAT number, 统一社会信用代码 / 纳税人识别号), as sent.
        #[serde(default)]
        tax_id: Option<String>,
    },
}

impl BuyerKind {
    /// A business if a company name or tax id is given, else a consumer.
    pub(crate) fn from_company(company: Option<String>, tax_id: Option<String>) -> BuyerKind {
        if company.is_none() && tax_id.is_none() {
            BuyerKind::Consumer
        } else {
            BuyerKind::Business { company, tax_id }
        }
    }
}

/// The region an order goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// ISO 3166-1 alpha-2, upper case (`CN`).
    #[serde(default)]
    pub country_code: Option<String>,
    /// The province (or state) as the marketplace gave it: `上海市`, `Guangdong`, `GD`, `CN20`.
    #[serde(default)]
    pub province: Option<String>,
    /// The city as given.
    #[serde(default)]
    pub city: Option<String>,
    /// The GB/T 2260 division, for Chinese addresses: the province's code, or a finer one when
    /// the marketplace gives it (Youzan's `areaCode`).
    #[serde(default)]
    pub division: Option<DivisionCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_serialise_with_snake_case_tags() {
        let mut order = OrderData::new("1", OrderStatus::PartiallyFulfilled);
        order.buyer = BuyerKind::Business {
            company: Some("某某商贸有限公司".into()),
            tax_id: None,
        };
        let json = serde_json::to_value(Change::Order(order.clone())).unwrap();
        assert_eq!(json["change"], "order");
        assert_eq!(json["status"], "partially_fulfilled");
        assert_eq!(json["buyer"]["kind"], "business");
        let back: Change = serde_json::from_value(json).unwrap();
        assert_eq!(back, Change::Order(order));

        let deleted = Change::ListingDeleted {
            external_id: "7".into(),
            updated_at: None,
        };
        let json = serde_json::to_value(&deleted).unwrap();
        assert_eq!(json["change"], "listing_deleted");
    }

    #[test]
    fn a_variant_barcode_is_a_gtin_only_when_its_check_digit_holds() {
        let mut v = VariantData {
            external_id: "1".into(),
            title: None,
            sku: None,
            barcode: Some("6291041500213".into()),
        };
        assert!(v.gtin().is_some());
        v.barcode = Some("6291041500214".into());
        assert!(v.gtin().is_none());
    }
}
