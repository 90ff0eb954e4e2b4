//! Data elements: what a receipt or sale record must carry, and when each is recorded.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// When a data element is recorded: on receipt (进货), on sale (销售), or on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementPhase {
    /// Recorded on receipt only.
    Receipt,
    /// Recorded on sale only.
    Sale,
    /// Recorded on both.
    Both,
}

impl ElementPhase {
    /// Whether an element of this phase may be required on receipt.
    pub fn allows_receipt(self) -> bool {
        matches!(self, Self::Receipt | Self::Both)
    }

    /// Whether an element of this phase may be required on sale.
    pub fn allows_sale(self) -> bool {
        matches!(self, Self::Sale | Self::Both)
    }
}

/// A data element that a receipt or sale record must carry (DOMAIN §5), named in the catalogue file by
/// its snake_case name (`supplier_credit_code`, `listing_url`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataElement {
    /// The supplier's name (供货者名称).
    SupplierName,
    /// The supplier's unified social credit code (供货者统一社会信用代码).
    SupplierCreditCode,
    /// The purchase voucher or delivery-note number (进货凭证编号).
    VoucherNumber,
    /// The date the goods were received (进货日期).
    ReceivedDate,
    /// The product name (产品名称).
    ProductName,
    /// The model or specification (型号规格).
    Model,
    /// The product's GTIN (商品条码).
    Gtin,
    /// The batch or lot number (批次号).
    Batch,
    /// The serial number or unit code (序列号/单品码).
    Serial,
    /// The quantity (数量).
    Quantity,
    /// The unit of the quantity (计量单位).
    Unit,
    /// The producer (生产者).
    Producer,
    /// The CCC certificate or production licence number (证书编号).
    CertificateNumber,
    /// The result of checking that certificate (证书核验结果).
    CertificateResult,
    /// The result of the incoming inspection (进货查验结果).
    InspectionResult,
    /// Who inspected the goods (查验人).
    Inspector,
    /// The date of sale (销售日期).
    SaleDate,
    /// The trace codes sold, or the batch (追溯码或批次).
    CodesOrBatch,
    /// The kind of buyer: consumer, distributor or agent (购买者类型).
    BuyerType,
    /// The buyer's region as an administrative division code (销售地区).
    Region,
    /// The buyer's name, for sales to businesses (购买者名称).
    BuyerName,
    /// The buyer's unified social credit code, for sales to businesses (购买者统一社会信用代码).
    BuyerCreditCode,
    /// How the goods were shipped (发货方式).
    ShippingMethod,
    /// The carrier's tracking number (物流单号).
    TrackingNumber,
    /// The marketplace order id, for online sales (订单号).
    OrderId,
    /// The URL of the listing the goods were sold from, for online sales (商品链接).
    ListingUrl,
}

impl DataElement {
    /// Every data element, in the order of DOMAIN §5.
    pub const ALL: [DataElement; 26] = [
        Self::SupplierName,
        Self::SupplierCreditCode,
        Self::VoucherNumber,
        Self::ReceivedDate,
        Self::ProductName,
        Self::Model,
        Self::Gtin,
        Self::Batch,
        Self::Serial,
        Self::Quantity,
        Self::Unit,
        Self::Producer,
        Self::CertificateNumber,
        Self::CertificateResult,
        Self::InspectionResult,
        Self::Inspector,
        Self::SaleDate,
        Self::CodesOrBatch,
        Self::BuyerType,
        Self::Region,
        Self::BuyerName,
        Self::BuyerCreditCode,
        Self::ShippingMethod,
        Self::TrackingNumber,
        Self::OrderId,
        Self::ListingUrl,
    ];

    /// The element's name in catalogue files and APIs (snake_case).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SupplierName => "supplier_name",
            Self::SupplierCreditCode => "supplier_credit_code",
            Self::VoucherNumber => "voucher_number",
            Self::ReceivedDate => "received_date",
            Self::ProductName => "product_name",
            Self::Model => "model",
            Self::Gtin => "gtin",
            Self::Batch => "batch",
            Self::Serial => "serial",
            Self::Quantity => "quantity",
            Self::Unit => "unit",
            Self::Producer => "producer",
            Self::CertificateNumber => "certificate_number",
            Self::CertificateResult => "certificate_result",
            Self::InspectionResult => "inspection_result",
            Self::Inspector => "inspector",
            Self::SaleDate => "sale_date",
            Self::CodesOrBatch => "codes_or_batch",
            Self::BuyerType => "buyer_type",
            Self::Region => "region",
            Self::BuyerName => "buyer_name",
            Self::BuyerCreditCode => "buyer_credit_code",
            Self::ShippingMethod => "shipping_method",
            Self::TrackingNumber => "tracking_number",
            Self::OrderId => "order_id",
            Self::ListingUrl => "listing_url",
        }
    }

    /// The element's name in Chinese, as sellers see it on forms.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::SupplierName => "供货者名称",
            Self::SupplierCreditCode => "供货者统一社会信用代码",
            Self::VoucherNumber => "进货凭证编号",
            Self::ReceivedDate => "进货日期",
            Self::ProductName => "产品名称",
            Self::Model => "型号规格",
            Self::Gtin => "商品条码",
            Self::Batch => "批次号",
            Self::Serial => "序列号（单品码）",
            Self::Quantity => "数量",
            Self::Unit => "计量单位",
            Self::Producer => "生产者",
            Self::CertificateNumber => "证书编号",
            Self::CertificateResult => "证书核验结果",
            Self::InspectionResult => "查验结果",
            Self::Inspector => "查验人",
            Self::SaleDate => "销售日期",
            Self::CodesOrBatch => "追溯码或批次",
            Self::BuyerType => "购买者类型",
            Self::Region => "销售地区",
            Self::BuyerName => "购买者名称",
            Self::BuyerCreditCode => "购买者统一社会信用代码",
            Self::ShippingMethod => "发货方式",
            Self::TrackingNumber => "物流单号",
            Self::OrderId => "订单号",
            Self::ListingUrl => "商品链接",
        }
    }

    /// The element's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::SupplierName => "Supplier name",
            Self::SupplierCreditCode => "Supplier credit code",
            Self::VoucherNumber => "Voucher or delivery-note number",
            Self::ReceivedDate => "Date received",
            Self::ProductName => "Product name",
            Self::Model => "Model",
            Self::Gtin => "GTIN",
            Self::Batch => "Batch",
            Self::Serial => "Serial number",
            Self::Quantity => "Quantity",
            Self::Unit => "Unit",
            Self::Producer => "Producer",
            Self::CertificateNumber => "Certificate number",
            Self::CertificateResult => "Certificate check result",
            Self::InspectionResult => "Inspection result",
            Self::Inspector => "Inspector",
            Self::SaleDate => "Date of sale",
            Self::CodesOrBatch => "Codes or batch",
            Self::BuyerType => "Buyer type",
            Self::Region => "Region",
            Self::BuyerName => "Buyer name",
            Self::BuyerCreditCode => "Buyer credit code",
            Self::ShippingMethod => "Shipping method",
            Self::TrackingNumber => "Tracking number",
            Self::OrderId => "Order id",
            Self::ListingUrl => "Listing URL",
        }
    }

    /// When the element is recorded.
    pub fn phase(self) -> ElementPhase {
        match self {
            Self::Quantity | Self::Unit => ElementPhase::Both,
            Self::SaleDate
            | Self::CodesOrBatch
            | Self::BuyerType
            | Self::Region
            | Self::BuyerName
            | Self::BuyerCreditCode
            | Self::ShippingMethod
            | Self::TrackingNumber
            | Self::OrderId
            | Self::ListingUrl => ElementPhase::Sale,
            _ => ElementPhase::Receipt,
        }
    }
}

impl fmt::Display for DataElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DataElement {
    type Err = UnknownDataElement;

    /// Parses an element by its snake_case name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_element(s).ok_or_else(|| UnknownDataElement(s.to_owned()))
    }
}

/// A text that names no [`DataElement`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a known data element")]
pub struct UnknownDataElement(pub String);

impl UnknownDataElement {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        format!("“{}”不是已知的数据项", self.0)
    }
}

pub(super) fn parse_element(s: &str) -> Option<DataElement> {
    DataElement::ALL.into_iter().find(|e| e.as_str() == s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn data_elements_have_names_in_both_languages_and_round_trip_through_serde() {
        for element in DataElement::ALL {
            assert!(!element.name_zh().is_empty() && !element.name_en().is_empty());
            let json = serde_json::to_string(&element).unwrap();
            assert_eq!(json, format!("\"{}\"", element.as_str()));
            assert_eq!(serde_json::from_str::<DataElement>(&json).unwrap(), element);
            assert_eq!(element.as_str().parse::<DataElement>().unwrap(), element);
        }
        assert_eq!(
            DataElement::SupplierCreditCode.name_zh(),
            "供货者统一社会信用代码"
        );
    }
}
